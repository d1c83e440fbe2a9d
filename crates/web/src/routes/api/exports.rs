//! 导出 through the API: `GET /api/v1/exports/{list}?format=csv|xlsx&<the list's filters>` —
//! the console's export of a list ([`crate::routes::exports`]) for API clients: the same scoped
//! store calls page after page, the same roles, masked always (the API reveals one record at a
//! time, `POST …/reveal`, never a list), streamed, audited (`export`, `"via": "api"`, with the
//! rows written).

use super::super::exports::{self, lists::List};
use super::super::{ip, ready, Me, Peer};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

/// The export's parameters; the list's own filters (as its `GET`) come beside them.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ExportParams {
    /// 文件格式：csv 或 xlsx / File format: csv or xlsx.
    format: String,
    /// 行政区划代码（省、市或区县，须在调用者范围内）/ Division code (province, city or county) inside the caller's area.
    #[serde(default)]
    region: Option<String>,
    /// 学校标识码（教师、学生）/ School identifier (teachers, students).
    #[serde(default)]
    school: Option<String>,
    /// 姓名或名称（按名称筛选，教师、学生的姓名检索记入审计）/ Name (a name search of people is audited).
    #[serde(default)]
    name: Option<String>,
}

/// 导出列表 — a list (schools, teachers, students, sites, alerts, audit, batches, and the security
/// registers: the keys of `web::export_job::List`) as CSV or XLSX,
/// masked, cut to the caller's area, streamed; audited with the rows written. The list's other
/// filters (sites: `category`, `state`; alerts: `state`, `kind`, `level`, `from`, `to`; schools:
/// `type`, `urban_rural`) apply as on its page. ID numbers are not taken from the address.
#[utoipa::path(get, path = "/exports/{list}", tag = "导出",
    params(("list" = String, Path, description = "列表：schools, teachers, students（参数 drill：下钻，与名单相同）, conditions（办学条件，参数 year、region）, sites, alerts, audit, batches；安全管理登记册：mlps, incidents, duty_contacts, duty_roster, duty_reports, duty_periods, apps, app_blocks, apps_uses, apps_overdue, inspections, check_progress, rectifications, drills, duties, software, software_checks；决策指标：insight_classes, insight_teachers, insight_students, insight_balance（县域优质均衡，参数 region）, insight_security（网络安全）；工作要点：plan（参数 plan）；数据资源目录：catalog（参数同目录页：q、class、provider、share、origin）；数据质量：quality（质量排名）；学校地图：school_map_flagged（坐标质量问题，参数 region、type、stage） / The list"), ExportParams),
    responses(
        (status = 200, description = "文件（CSV：UTF-8 带 BOM；XLSX）/ The file (CSV: UTF-8 with BOM; XLSX)", content(
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        crate::apidoc::Errors))]
pub async fn export(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(list): Path<String>, uri: Uri) -> Result<Response, AppError> {
    let me = ready(me)?;
    let list = List::parse(&list).ok_or(AppError::NotFound)?;
    let p: ExportParams = exports::query(&uri)?;
    let format = exports::format_of(&p.format)?;
    let q = uri.query().unwrap_or("");
    let f: Vec<(String, String)> = exports::query(&uri)?;
    if f.iter().any(|(k, v)| k == "id" && !v.trim().is_empty()) {
        return Err(AppError::invalid(
            "证件号不在网址中传递：导出不按证件号筛选，请用 POST /api/v1/students/search 或 /teachers/search 查找单条记录。",
            "ID numbers are not taken from the address: exports do not filter by number; find one record with POST /api/v1/students/search or /teachers/search.",
        ));
    }
    let job = exports::lists::prepare(&app, &me, list, q, crate::auth::lang(&headers, &app), true)?;
    exports::run(app, &me, &ip(&headers, &peer), job, format, true, "api").await
}
