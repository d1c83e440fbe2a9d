//! The register's import: a CSV or XLSX upload, read, screened and upserted by
//! `guard::register` as the user's area allows (the same import as `tianfu sites import`).

use super::message;
use crate::auth::Identity;
use crate::i18n::T;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use askama::Template;
use axum::extract::Multipart;
use serde_json::json;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "site_import.html")]
struct ImportPage {
    c: Ctx,
    error: Option<String>,
    file: String,
    report: Option<guard::register::ImportReport>,
}

impl ImportPage {
    /// A rejected row's reasons in the console's language (the register's reasons are
    /// "中文（English）", see [`crate::error::bilingual`]).
    fn reasons(&self, x: &guard::register::RejectedSite) -> String {
        let each = x.reasons.iter().map(|r| {
            let (zh, en) = crate::error::bilingual(r);
            if self.c.t.is_en() { en } else { zh }
        });
        each.collect::<Vec<_>>().join(self.c.t.s("", " "))
    }
}

pub async fn import_page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    html(ImportPage { c: Ctx::new(&app, &headers, Some(&me), "/sites", "sites"), error: None, file: String::new(), report: None })
}

/// The largest site register a user may upload, MiB: the import takes 100,000 rows at most (a
/// CSV of them is ≈ 15 MB), and a CSV is parsed in memory.
pub const SITES_UPLOAD_MIB: u64 = guard::register::MAX_CSV_MIB;

/// Reads an upload (XLSX by its name or its ZIP signature, else CSV), screens its targets and
/// upserts its valid rows whose owners are in the tree and in the user's area.
async fn import_file(app: &Arc<AppState>, me: &Identity, file: &crate::upload::Upload) -> Result<guard::register::ImportReport, AppError> {
    let (path, name) = (file.path.clone(), file.name.clone());
    let mut rows = tokio::task::spawn_blocking(move || guard::register::read_site_file(&path, &name))
        .await
        .map_err(|e| AppError::Internal(format!("import task: {e}")))?
        .map_err(|e| AppError::invalid(e.clone(), e))?;
    guard::register::screen_rows(&mut rows, &app.targets).await;
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            guard::register::import_scoped(s, &scope, rows, store::time::unix_now()).map_err(|e| match e {
                guard::register::ImportError::File(m) => AppError::invalid(m.clone(), m),
                guard::register::ImportError::Store(e) => e.into(),
            })
        })
        .await
}

pub async fn import(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, mut form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let c = Ctx::new(&app, &headers, Some(&me), "/sites", "sites");
    // The same queue places as data imports: a bounded number at once, two per account.
    let _slot = app.jobs.admit(&me.user.name)?;
    let limit = SITES_UPLOAD_MIB.min(app.config.upload_limit_mib);
    let file = crate::upload::file_field(&mut form, &app.upload_dir, limit, "sites.csv").await?.file;
    let Some(file) = file else {
        let e = AppError::invalid("请选择要上传的文件（CSV 或 XLSX）。", "Choose a file to upload (CSV or XLSX).");
        let mut r = html(ImportPage { c, error: Some(message(&t, &e)), file: String::new(), report: None })?;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(r);
    };
    let name = file.shown.clone();
    match import_file(&app, &me, &file).await {
        Ok(report) => {
            let d = json!({ "file": name, "sha256": file.hash, "rows": report.rows, "inserted": report.counts.inserted, "updated": report.counts.updated, "unchanged": report.counts.unchanged, "rejected": report.rejected.len() });
            app.audit_by(&me, "site_import", &name, d.to_string(), &ip(&headers, &peer)).await?;
            html(ImportPage { c, error: None, file: name, report: Some(report) })
        }
        Err(e @ AppError::Invalid { .. }) => {
            let mut r = html(ImportPage { c, error: Some(message(&t, &e)), file: name, report: None })?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}
