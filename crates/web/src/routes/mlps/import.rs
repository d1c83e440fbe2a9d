//! 导入等保系统 — a CSV (UTF-8 or GBK) or Excel file of systems, read by the site register's
//! bounded readers (`guard::register::read_records`), checked row by row and stored in one
//! transaction as the importer's area allows (`secman::mlps_import`); the report lists every
//! rejected row with its line and reasons. The console page, the template and the API
//! (`POST /api/v1/mlps/import`, the file as the body); audited with the counts.

use super::writes;
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
use secman::mlps_import::Report;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// The largest file taken, MiB (the rows are checked in memory).
pub const UPLOAD_MIB: u64 = guard::register::MAX_CSV_MIB;

#[derive(Template)]
#[template(path = "mlps_import.html")]
struct ImportPage {
    c: Ctx,
    error: Option<String>,
    file: String,
    report: Option<Report>,
}

impl ImportPage {
    fn reasons(&self, x: &secman::mlps_import::Rejected) -> String {
        let en = self.c.t.is_en();
        x.reasons.iter().map(|(zh, e)| if en { e.as_str() } else { zh.as_str() }).collect::<Vec<_>>().join(if en { " " } else { "" })
    }
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    html(ImportPage { c: Ctx::new(&app, &headers, Some(&me), "/mlps", "mlps"), error: None, file: String::new(), report: None })
}

/// The import template (XLSX).
pub async fn template(me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let bytes = tokio::task::spawn_blocking(secman::mlps_import::template).await.map_err(|e| AppError::Internal(e.to_string()))?.map_err(AppError::Internal)?;
    let name = ingest::template::file_name("等保系统");
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".parse().expect("a header")), (header::CONTENT_DISPOSITION, crate::download::disposition(&name, "template-mlps.xlsx")), (header::CACHE_CONTROL, "no-store".parse().expect("a header"))],
        bytes,
    )
        .into_response())
}

/// Reads the file at `path`, checks its rows and stores them as `me`; audits the counts.
async fn run(app: &Arc<AppState>, me: &Identity, path: &Path, name: &str, hash: &str, addr: &str) -> Result<Report, AppError> {
    let (p, n) = (path.to_path_buf(), name.to_string());
    let recs = tokio::task::spawn_blocking(move || guard::register::read_records(&p, &n))
        .await
        .map_err(|e| AppError::Internal(format!("import task: {e}")))?
        .map_err(|e| {
            let (zh, en) = crate::error::bilingual(&e);
            AppError::invalid(zh, en)
        })?;
    if recs.len() > secman::mlps_import::MAX_ROWS {
        return Err(AppError::invalid(format!("文件超过 {} 行，请拆分后导入。", secman::mlps_import::MAX_ROWS - 1), format!("The file has over {} rows: split it.", secman::mlps_import::MAX_ROWS - 1)));
    }
    let (scope, by, now, today) = (me.scope.clone(), me.user.name.clone(), app.clock.now(), app.clock.today());
    let report = app
        .pool
        .run(move |s| {
            let cal = store::calendar::Calendar::load(s)?;
            let rows = secman::mlps_import::parse(recs, today, &cal).map_err(|(zh, en)| AppError::invalid(zh, en))?;
            Ok(secman::mlps_import::import(s, &scope, rows, &by, now)?)
        })
        .await?;
    let d = serde_json::json!({ "file": name, "sha256": hash, "rows": report.rows, "inserted": report.inserted, "assessed": report.assessed, "rejected": report.rejected.len() });
    app.audit_by(me, "mlps_import", name, d.to_string(), addr).await?;
    Ok(report)
}

pub async fn upload(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, mut form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let c = Ctx::new(&app, &headers, Some(&me), "/mlps", "mlps");
    let _slot = app.jobs.admit(&me.user.name)?;
    let limit = UPLOAD_MIB.min(app.config.upload_limit_mib);
    let file = crate::upload::file_field(&mut form, &app.upload_dir, limit, "mlps.csv").await?.file;
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

/// 导入等保系统 — the file (CSV in UTF-8 or GBK, or XLSX; at most 2 MiB here, larger through the
/// console) as the request body; every row stored or rejected with its line and reasons, in one
/// transaction; units outside the caller's area are rejected rows.
#[utoipa::path(post, path = "/mlps/import", tag = super::api::TAG, params(ApiQuery), request_body(content = Vec<u8>, content_type = "text/csv"), responses((status = 200, description = "导入结果 / The import's report", body = ImportOut), crate::apidoc::WriteErrors))]
pub async fn api(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(q): Query<ApiQuery>, body: Bytes) -> Result<Json<ImportOut>, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let _slot = app.jobs.admit(&me.user.name)?;
    if body.is_empty() {
        return Err(AppError::invalid("请求体是空的：请把 CSV 或 XLSX 文件作为请求体上传。", "The body is empty: send the CSV or XLSX file as the body."));
    }
    let file = crate::upload::body_file(&app.upload_dir, q.name.as_deref(), "mlps.csv", &body)?;
    let r = run(&app, &me, &file.path, &file.name, &file.hash, &ip(&headers, &peer)).await?;
    Ok(Json(ImportOut { rows: r.rows, inserted: r.inserted, assessed: r.assessed, rejected: r.rejected.into_iter().map(|x| RejectedOut { line: x.line, name: x.name, reasons: x.reasons.iter().map(|(zh, en)| format!("{zh}（{en}）")).collect() }).collect() }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = MlpsImport)]
pub struct ImportOut {
    /// Data rows read.
    pub rows: u64,
    pub inserted: u64,
    /// Of them, with their latest assessment.
    pub assessed: u64,
    pub rejected: Vec<RejectedOut>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = MlpsImportRejected)]
pub struct RejectedOut {
    /// The line of the file (the header is line 1).
    pub line: u64,
    pub name: String,
    /// Chinese, English in parentheses.
    pub reasons: Vec<String>,
}
