//! The JSON API of the two registers under `/api/v1/ledger`: checklists (publish, list,
//! completion by region), a unit's items and their updates, the software entries, the checks
//! and the units overdue. The same roles, checks, scope and audit as the pages.

use super::duties::{self, CompletionRow, RegionQuery};
use super::software::{self, ChecksQuery, Filters, RegionRow};
use super::{checklist_view, check_view, duty_view, invalid, reads, software_view, write, ChecklistBody, ChecklistView, CheckBody, CheckView, DutyBody, DutyView, SoftwareBody, SoftwareView, UnitCheckView, Write, Written};
use crate::error::AppError;
use crate::i18n::{Lang, T};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use store::ledger::{DutyQuery, DutyStatus};

const TAG: &str = "责任制与正版化";

/// The API speaks Chinese labels beside its codes.
pub(super) const ZH: T = T { lang: Lang::Zh };

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(checklists, publish))
        .routes(routes!(completion))
        .routes(routes!(duty_items))
        .routes(routes!(update_duty))
        .merge(utoipa_axum::router::OpenApiRouter::new().routes(routes!(duty_evidence)).layer(axum::extract::DefaultBodyLimit::max(1025 << 20)))
        .routes(routes!(duty_evidence_file))
        .routes(routes!(software_list, create_software))
        .routes(routes!(update_software))
        .routes(routes!(checks, record_check))
        .routes(routes!(check_regions))
}

/// 责任制清单 — the checklists published in the caller's area or holding its units' items.
#[utoipa::path(get, path = "/ledger/checklists", tag = TAG, responses((status = 200, description = "清单 / Checklists", body = Vec<ChecklistView>), crate::apidoc::Errors))]
async fn checklists(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Vec<ChecklistView>>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let rows = app.pool.run(move |s| Ok(s.checklists(&scope)?)).await?;
    Ok(Json(rows.iter().map(checklist_view).collect()))
}

/// 发布清单 — publishes a checklist for the caller's division; every unit of it (and its schools
/// when chosen) gets a copy of the items. Every problem of the body at once.
#[utoipa::path(post, path = "/ledger/checklists", tag = TAG, request_body = ChecklistBody, responses((status = 201, description = "已发布 / Published", body = ChecklistView), crate::apidoc::WriteErrors))]
async fn publish(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<ChecklistBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::publishes(&me)?;
    let c = secman::ledger::parse_checklist(&b.input(), me.user.org_code, app.clock.today()).map_err(|p| invalid(&p))?;
    match write(&app, &me, &ip(&headers, &peer), Write::Publish(c)).await? {
        Written::Checklist(c) => Ok((StatusCode::CREATED, Json(checklist_view(&c))).into_response()),
        _ => Err(AppError::NotFound),
    }
}

/// 上传事项佐证材料 — keeps a file (PDF, PNG, JPEG, XLSX, DOCX or text; the type judged by the
/// content) as an item's evidence, replacing an earlier one; the optional `evidence` part
/// replaces the text too. The item's other answers are unchanged.
#[utoipa::path(post, path = "/ledger/duties/{id}/evidence", tag = TAG, params(("id" = i64, Path, description = "事项编号 / Item number")), request_body(content = crate::routes::evidence::UploadBody, content_type = "multipart/form-data"), responses((status = 201, description = "已上传 / Kept", body = DutyView), crate::apidoc::WriteErrors))]
async fn duty_evidence(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, form: axum::extract::Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    let d = super::files::upload(&app, &me, &ip(&headers, &peer), id, form).await?;
    Ok((StatusCode::CREATED, Json(d)).into_response())
}

/// 下载事项佐证材料 — an item's evidence file (`attachment` in the item), as a download.
#[utoipa::path(get, path = "/ledger/duties/{id}/evidence/{file}", tag = TAG, params(("id" = i64, Path, description = "事项编号 / Item number"), ("file" = i64, Path, description = "附件编号 / File number")), responses((status = 200, description = "文件 / The file", content_type = "application/octet-stream"), crate::apidoc::Errors))]
async fn duty_evidence_file(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, file)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::files::fetch(&app, &me, &ip(&headers, &peer), id, file).await
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LedgerCompletion)]
pub struct CompletionOut {
    pub rows: Vec<CompletionRow>,
    pub total: CompletionRow,
}

/// 落实情况 — a checklist's completion in the caller's area one level down (cities, counties,
/// then units), counted in SQL.
#[utoipa::path(get, path = "/ledger/checklists/{id}/completion", tag = TAG, params(("id" = i64, Path, description = "清单编号 / Checklist number"), RegionQuery), responses((status = 200, description = "完成情况 / Completion", body = CompletionOut), crate::apidoc::Errors))]
async fn completion(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>, Query(q): Query<RegionQuery>) -> Result<Json<CompletionOut>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    app.pool.run(move |s| s.checklist(&scope, id)?.ok_or(AppError::NotFound)).await?;
    let (rows, total) = duties::completion(&app, &me, id, &q.region).await?;
    Ok(Json(CompletionOut { rows, total }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DutyFilters {
    /// A checklist number.
    #[serde(default)]
    pub checklist: Option<i64>,
    /// A unit code.
    #[serde(default)]
    pub unit: Option<i64>,
    /// not_started, in_progress, done, not_applicable.
    #[serde(default)]
    pub status: String,
    /// The id of the previous page's last item.
    #[serde(default)]
    pub after: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LedgerDutyItems)]
pub struct DutyItemsOut {
    pub items: Vec<DutyView>,
    /// Pass as `after` for the next page, or null.
    pub next: Option<String>,
}

/// 清单事项 — the items of the caller's units, 200 a page.
#[utoipa::path(get, path = "/ledger/duties", tag = TAG, params(DutyFilters), responses((status = 200, description = "事项 / Items", body = DutyItemsOut), crate::apidoc::Errors))]
async fn duty_items(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<DutyFilters>) -> Result<Json<DutyItemsOut>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let status = match f.status.trim() {
        "" => None,
        x => Some(DutyStatus::parse(x).ok_or_else(|| AppError::invalid(format!("未知状态“{x}”。"), format!("Unknown status “{x}”.")))?),
    };
    let q = DutyQuery { checklist: f.checklist, region: None, unit: f.unit, status, after: f.after, limit: 200 };
    let scope = crate::routes::read_scope(&app, &me).await?;
    let out = app
        .pool
        .run(move |s| {
            let page = s.duty_items(&scope, &q)?;
            let mut names = HashMap::new();
            let items = page.rows.iter().map(|d| duty_view(&ZH, s, d, &mut names)).collect::<Result<Vec<_>, AppError>>()?;
            Ok(DutyItemsOut { items, next: page.next })
        })
        .await?;
    Ok(Json(out))
}

/// 更新事项 — sets an item's owner, status and evidence; every problem at once.
#[utoipa::path(put, path = "/ledger/duties/{id}", tag = TAG, params(("id" = i64, Path, description = "事项编号 / Item number")), request_body = DutyBody, responses((status = 200, description = "更新后 / The item after", body = DutyView), crate::apidoc::WriteErrors))]
async fn update_duty(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<DutyBody>) -> Result<Json<DutyView>, AppError> {
    let me = ready(me)?;
    let u = super::parse_duty(&app, &me, id, &b).await?.map_err(|p| invalid(&p))?;
    match write(&app, &me, &ip(&headers, &peer), Write::Duty(id, u)).await? {
        Written::Duty(d) => Ok(Json(app.pool.run(move |s| duty_view(&ZH, s, &d, &mut HashMap::new())).await?)),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LedgerSoftwareList)]
pub struct SoftwareOut {
    pub items: Vec<SoftwareView>,
    pub next: Option<String>,
    pub entries: u64,
    pub installed: u64,
    pub over_installed: u64,
    pub expiring: u64,
}

/// 正版化台账 — the software entries of the caller's area, 50 a page, with the filters' totals.
#[utoipa::path(get, path = "/ledger/software", tag = TAG, params(Filters), responses((status = 200, description = "软件 / Software", body = SoftwareOut), crate::apidoc::Errors))]
async fn software_list(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>) -> Result<Json<SoftwareOut>, AppError> {
    let me = ready(me)?;
    let (t, items, next) = software::read(&app, &me, ZH, &f).await?;
    Ok(Json(SoftwareOut { items, next, entries: t.entries, installed: t.installed, over_installed: t.over_installed, expiring: t.expiring }))
}

async fn shown(app: &Arc<AppState>, w: Written) -> Result<SoftwareView, AppError> {
    let Written::Software(x) = w else { return Err(AppError::NotFound) };
    let today = app.clock.today();
    app.pool.run(move |s| software_view(&ZH, s, &x, today, &mut HashMap::new())).await
}

/// 登记软件 — adds a software entry of a unit in the caller's area.
#[utoipa::path(post, path = "/ledger/software", tag = TAG, request_body = SoftwareBody, responses((status = 201, description = "已登记 / Registered", body = SoftwareView), crate::apidoc::WriteErrors))]
async fn create_software(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<SoftwareBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let n = secman::ledger::parse_software(&b.input()).map_err(|p| invalid(&p))?;
    let w = write(&app, &me, &ip(&headers, &peer), Write::CreateSoftware(n)).await?;
    Ok((StatusCode::CREATED, Json(shown(&app, w).await?)).into_response())
}

/// 修改软件 — replaces an entry's values.
#[utoipa::path(put, path = "/ledger/software/{id}", tag = TAG, params(("id" = i64, Path, description = "软件编号 / Entry number")), request_body = SoftwareBody, responses((status = 200, description = "修改后 / The entry after", body = SoftwareView), crate::apidoc::WriteErrors))]
async fn update_software(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<SoftwareBody>) -> Result<Json<SoftwareView>, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let n = secman::ledger::parse_software(&b.input()).map_err(|p| invalid(&p))?;
    let w = write(&app, &me, &ip(&headers, &peer), Write::UpdateSoftware(id, n)).await?;
    Ok(Json(shown(&app, w).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LedgerChecks)]
pub struct ChecksOut {
    /// The units (the overdue ones with `overdue=1`) and their next check.
    pub units: Vec<UnitCheckView>,
    /// The checks of `unit`, newest first.
    pub checks: Vec<CheckView>,
}

/// 正版化检查 — the units of the area with their next six-monthly check, and a unit's checks.
#[utoipa::path(get, path = "/ledger/checks", tag = TAG, params(ChecksQuery), responses((status = 200, description = "检查 / Checks", body = ChecksOut), crate::apidoc::Errors))]
async fn checks(State(app): State<Arc<AppState>>, me: Me, Query(q): Query<ChecksQuery>) -> Result<Json<ChecksOut>, AppError> {
    let me = ready(me)?;
    let units = software::units(&app, &me, &q.region, q.overdue.trim() == "1").await?;
    let checks = match q.unit.trim().parse::<i64>() {
        Ok(u) => {
            let scope = crate::routes::read_scope(&app, &me).await?;
            app.pool.run(move |s| Ok(s.checks(&scope, u)?.iter().map(|x| check_view(&ZH, x)).collect::<Vec<_>>())).await?
        }
        Err(_) => Vec::new(),
    };
    Ok(Json(ChecksOut { units, checks }))
}

/// 登记检查 — records a unit's six-monthly check; the next is due six months on.
#[utoipa::path(post, path = "/ledger/checks", tag = TAG, request_body = CheckBody, responses((status = 201, description = "已登记 / Recorded", body = CheckView), crate::apidoc::WriteErrors))]
async fn record_check(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<CheckBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let c = secman::ledger::parse_check(&b.input(), app.clock.today()).map_err(|p| invalid(&p))?;
    match write(&app, &me, &ip(&headers, &peer), Write::Check(c)).await? {
        Written::Check(x) => Ok((StatusCode::CREATED, Json(check_view(&ZH, &x))).into_response()),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LedgerCheckRegions)]
pub struct RegionsOut {
    pub rows: Vec<RegionRow>,
    pub total: RegionRow,
}

/// 逾期单位（按地区） — units on the ledger and those overdue for their check, by region.
#[utoipa::path(get, path = "/ledger/checks/regions", tag = TAG, responses((status = 200, description = "各地区 / By region", body = RegionsOut), crate::apidoc::Errors))]
async fn check_regions(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<RegionsOut>, AppError> {
    let me = ready(me)?;
    let (rows, total) = software::regions(&app, &me).await?;
    Ok(Json(RegionsOut { rows, total }))
}
