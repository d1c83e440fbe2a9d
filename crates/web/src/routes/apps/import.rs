//! 导入备案 — the province imports provider filings from a CSV (UTF-8 or GBK) or Excel file:
//! read by the bounded readers (`guard::register::read_records`), each row checked like the form
//! (`secman::apps::parse_filing_records`), the good rows stored in one transaction
//! (`store::apps::Apps::import_filings`, new numbers inserted, known ones updated); the report
//! lists every rejected line with its reasons. The console page, the templates (CSV and XLSX,
//! Chinese header row) and the API (`POST /api/v1/apps/filings/import`, the file as the body);
//! audited with the counts. Only the province imports.

use super::writes_filings;
use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::T;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// The largest file taken, MiB (the rows are checked in memory).
pub const UPLOAD_MIB: u64 = guard::register::MAX_CSV_MIB;
/// The most data rows a file may hold.
pub const MAX_ROWS: usize = 20_000;

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Data rows read.
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub rejected: Vec<secman::apps::RejectedFiling>,
}

#[derive(Template)]
#[template(path = "apps_import.html")]
struct ImportPage {
    c: Ctx,
    error: Option<String>,
    file: String,
    report: Option<Report>,
}

impl ImportPage {
    /// The reasons ("中文（English）") in the page's language, one after another.
    fn reasons(&self, x: &secman::apps::RejectedFiling) -> String {
        x.reasons.iter().map(|r| {
            let (zh, en) = crate::error::bilingual(r);
            self.c.t.s(&zh, &en).to_string()
        }).collect::<Vec<_>>().join(self.c.t.s("", " "))
    }
    fn first(&self, x: &secman::apps::RejectedFiling) -> String {
        x.raw.first().cloned().unwrap_or_default()
    }
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    html(ImportPage { c: Ctx::new(&app, &headers, Some(&me), "/apps", "apps"), error: None, file: String::new(), report: None })
}

/// An example row of the template (valid as it stands).
const EXAMPLE: &[&str] = &["教APP备1100999号", "某某教育科技有限公司", "91350100M000100Y43", "口算练习", "2.1.0", "iOS、Android", "京ICP备12345678号-1", "11010813001-00001", "相机", "姓名、班级", "是", "2026-03-01", "有效"];

fn template_columns() -> Vec<ingest::template::Column> {
    secman::apps::COLUMNS
        .iter()
        .zip(EXAMPLE)
        .map(|((key, zh, required), example)| ingest::template::Column {
            header: zh.to_string(),
            key: key.to_string(),
            required: *required,
            requirement: if *required { "必填" } else { "选填" }.into(),
            explain: match *key {
                "filing_no" => "教APP备 + 7 位数字 + 号".into(),
                "credit_code" => "18 位统一社会信用代码（GB 32100-2015）".into(),
                "platforms" | "permissions" | "personal_data" => "多个值用顿号或逗号分隔".into(),
                "minors" => "是 或 否".into(),
                "filed_on" => "年-月-日".into(),
                "status" => "有效 或 注销，不填为有效".into(),
                _ => String::new(),
            },
            example: example.to_string(),
            choices: None,
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct TemplateQuery {
    /// csv or xlsx (the default).
    #[serde(default)]
    pub format: String,
}

/// The import template: XLSX (header, example row, 填写说明) or CSV (UTF-8 with a BOM).
pub async fn template(me: Me, Query(q): Query<TemplateQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    if q.format == "csv" {
        let head: Vec<&str> = secman::apps::COLUMNS.iter().map(|c| c.1).collect();
        let body = format!("\u{feff}{}\r\n{}\r\n", head.join(","), EXAMPLE.join(","));
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".parse().expect("a header")), (header::CONTENT_DISPOSITION, crate::download::disposition("教育移动应用备案导入模板.csv", "template-apps.csv")), (header::CACHE_CONTROL, "no-store".parse().expect("a header"))],
            body,
        )
            .into_response());
    }
    let bytes = tokio::task::spawn_blocking(|| ingest::template::workbook("教育移动应用备案", &template_columns())).await.map_err(|e| AppError::Internal(e.to_string()))?.map_err(AppError::Internal)?;
    let name = ingest::template::file_name("教育移动应用备案");
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".parse().expect("a header")), (header::CONTENT_DISPOSITION, crate::download::disposition(&name, "template-apps.xlsx")), (header::CACHE_CONTROL, "no-store".parse().expect("a header"))],
        bytes,
    )
        .into_response())
}

/// Reads the file at `path`, checks its rows and stores the good ones as `me`; audits the counts.
async fn run(app: &Arc<AppState>, me: &Identity, path: &Path, name: &str, hash: &str, addr: &str) -> Result<Report, AppError> {
    let (p, n) = (path.to_path_buf(), name.to_string());
    let recs = tokio::task::spawn_blocking(move || guard::register::read_records(&p, &n))
        .await
        .map_err(|e| AppError::Internal(format!("import task: {e}")))?
        .map_err(|e| {
            let (zh, en) = crate::error::bilingual(&e);
            AppError::invalid(zh, en)
        })?;
    if recs.len() > MAX_ROWS + 1 {
        return Err(AppError::invalid(format!("文件超过 {MAX_ROWS} 行，请拆分后导入。"), format!("The file has over {MAX_ROWS} rows: split it.")));
    }
    let rows = secman::apps::parse_filing_records(recs, app.clock.today()).map_err(|e| {
        let (zh, en) = crate::error::bilingual(&e);
        AppError::invalid(zh, en)
    })?;
    let (scope, by, now) = (me.scope.clone(), me.user.name.clone(), app.clock.now());
    let valid: Vec<store::apps::NewFiling> = rows.valid.iter().map(|(_, f)| f.clone()).collect();
    let total = (rows.valid.len() + rows.rejected.len()) as u64;
    let (inserted, updated) = if valid.is_empty() { (0, 0) } else { app.pool.run(move |s| super::written(s.import_filings(&scope, &valid, &by, now))).await? };
    let report = Report { rows: total, inserted, updated, rejected: rows.rejected };
    let d = serde_json::json!({ "file": name, "sha256": hash, "rows": report.rows, "inserted": report.inserted, "updated": report.updated, "rejected": report.rejected.len() });
    app.audit_by(me, "app_filing_import", name, d.to_string(), addr).await?;
    Ok(report)
}

pub async fn upload(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, mut form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let c = Ctx::new(&app, &headers, Some(&me), "/apps", "apps");
    let _slot = app.jobs.admit(&me.user.name)?;
    let limit = UPLOAD_MIB.min(app.config.upload_limit_mib);
    let file = crate::upload::file_field(&mut form, &app.upload_dir, limit, "apps.csv").await?.file;
    let bad = |c: Ctx, e: &AppError, file: String| -> Result<Response, AppError> {
        let mut r = html(ImportPage { c, error: Some(crate::routes::sites::message(&t, e)), file, report: None })?;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        Ok(r)
    };
    let Some(file) = file else {
        return bad(c, &AppError::invalid("请选择要上传的文件（CSV 或 Excel）。", "Choose a file to upload (CSV or Excel)."), String::new());
    };
    let name = file.shown.clone();
    match run(&app, &me, &file.path, &file.name, &file.hash, &ip(&headers, &peer)).await {
        Ok(report) => html(ImportPage { c, error: None, file: name, report: Some(report) }),
        Err(e @ AppError::Invalid { .. }) => bad(c, &e, name),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ApiQuery {
    /// The file's name (`.xlsx` is read as Excel; a ZIP body is too whatever its name).
    #[serde(default)]
    pub name: Option<String>,
}

/// 导入备案 — the province's filings file (CSV in UTF-8 or GBK, or XLSX) as the request body;
/// every row checked like the form, the good ones stored in one transaction (new filing numbers
/// inserted, known ones updated), the others reported with their line and reasons.
#[utoipa::path(post, path = "/apps/filings/import", tag = super::api::TAG, params(ApiQuery), request_body(content = Vec<u8>, content_type = "text/csv"), responses((status = 200, description = "导入结果 / The import's report", body = ImportOut), crate::apidoc::WriteErrors))]
pub async fn api(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(q): Query<ApiQuery>, body: Bytes) -> Result<Json<ImportOut>, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    let _slot = app.jobs.admit(&me.user.name)?;
    if body.is_empty() {
        return Err(AppError::invalid("请求体是空的：请把 CSV 或 XLSX 文件作为请求体上传。", "The body is empty: send the CSV or XLSX file as the body."));
    }
    let file = crate::upload::body_file(&app.upload_dir, q.name.as_deref(), "apps.csv", &body)?;
    let r = run(&app, &me, &file.path, &file.name, &file.hash, &ip(&headers, &peer)).await?;
    Ok(Json(ImportOut { rows: r.rows, inserted: r.inserted, updated: r.updated, rejected: r.rejected.into_iter().map(|x| RejectedOut { line: x.line, reasons: x.reasons }).collect() }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AppFilingImport)]
pub struct ImportOut {
    /// Data rows read.
    pub rows: u64,
    pub inserted: u64,
    /// Known filing numbers updated.
    pub updated: u64,
    pub rejected: Vec<RejectedOut>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AppFilingImportRejected)]
pub struct RejectedOut {
    /// The line of the file (the header is line 1).
    pub line: u64,
    /// Each "中文（English）", as the base data import words its reasons.
    pub reasons: Vec<String>,
}
