//! 导入工作要点 — a plan (its year and title typed, its points one a row in a CSV in UTF-8 or GBK,
//! or an Excel file, read by the site register's bounded readers `guard::register::read_records`)
//! for the importer's division. All or nothing: every bad row is listed with its line and reasons
//! and then nothing is stored (`secman::plan::import`). The page, the template and the API
//! (`POST /api/v1/plan/import?year=&title=`, the file as the body); audited with the counts.

use super::imports;
use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::T;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use secman::plan::{Rejected, Report};
use std::path::Path;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "plan_import.html")]
struct ImportPage {
    c: Ctx,
    problems: crate::form::Problems,
    year: String,
    title: String,
    file: String,
    rejected: Vec<Rejected>,
}

impl ImportPage {
    fn reasons(&self, x: &Rejected) -> String {
        let en = self.c.t.is_en();
        x.reasons.iter().map(|(zh, e)| if en { e.as_str() } else { zh.as_str() }).collect::<Vec<_>>().join(if en { " " } else { "" })
    }
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    imports(&me)?;
    let year = (app.clock.today().year + 1).to_string();
    html(ImportPage { c: Ctx::new(&app, &headers, Some(&me), "/plans", "plans"), problems: crate::form::Problems::default(), year, title: String::new(), file: String::new(), rejected: Vec::new() })
}

/// The import template (XLSX).
pub async fn template(me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    imports(&me)?;
    let bytes = tokio::task::spawn_blocking(secman::plan::template).await.map_err(|e| AppError::Internal(e.to_string()))?.map_err(AppError::Internal)?;
    let name = ingest::template::file_name("工作要点");
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".parse().expect("a header")), (header::CONTENT_DISPOSITION, crate::download::disposition(&name, "template-plan.xlsx")), (header::CACHE_CONTROL, "no-store".parse().expect("a header"))],
        bytes,
    )
        .into_response())
}

/// Reads the file at `path` and imports its points as a plan of `me`'s division; audits the
/// outcome (`plan_import`, with the counts). Err(Invalid) for a file that is no plan.
pub async fn run(app: &Arc<AppState>, me: &Identity, head: store::plan::NewPlan, path: &Path, name: &str, hash: &str, addr: &str) -> Result<Report, AppError> {
    let (p, n) = (path.to_path_buf(), name.to_string());
    let recs = tokio::task::spawn_blocking(move || guard::register::read_records(&p, &n))
        .await
        .map_err(|e| AppError::Internal(format!("import task: {e}")))?
        .map_err(|e| {
            let (zh, en) = crate::error::bilingual(&e);
            AppError::invalid(zh, en)
        })?;
    if recs.len() > secman::plan::MAX_ROWS {
        return Err(AppError::invalid(format!("文件超过 {} 行。", secman::plan::MAX_ROWS - 1), format!("The file has over {} rows.", secman::plan::MAX_ROWS - 1)));
    }
    let (scope, by, now, year) = (me.scope.clone(), me.user.name.clone(), app.clock.now(), head.year);
    let report = app
        .pool
        .run(move |s| {
            secman::plan::import(s, &scope, head, recs, &by, now)
                .map_err(|e| match e {
                    store::StoreError::OutOfScope => AppError::invalid(secman::plan::OUT_OF_SCOPE.0, secman::plan::OUT_OF_SCOPE.1),
                    e => e.into(),
                })?
                .map_err(|(zh, en)| AppError::invalid(zh, en))
        })
        .await?;
    let d = serde_json::json!({ "file": name, "sha256": hash, "year": year, "rows": report.rows, "plan": report.plan.as_ref().map(|p| p.id), "points": report.plan.as_ref().map_or(0, |p| p.points), "rejected": report.rejected.len() });
    app.audit(&me.user.name, "plan_import", name, d.to_string(), addr, if report.plan.is_some() { "ok" } else { "denied" }).await?;
    Ok(report)
}

pub async fn upload(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, mut form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    imports(&me)?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let c = Ctx::new(&app, &headers, Some(&me), "/plans", "plans");
    let _slot = app.jobs.admit(&me.user.name)?;
    let limit = crate::routes::mlps::import::UPLOAD_MIB.min(app.config.upload_limit_mib);
    let parts = crate::upload::file_field(&mut form, &app.upload_dir, limit, "plan.csv").await?;
    let (year, title) = (parts.text("year"), parts.text("title"));
    let mut problems = crate::form::Problems::new(&t);
    let mut p = Vec::new();
    let head = secman::plan::parse_head(&year, &title, me.user.org_code, &mut p);
    p.into_iter().for_each(|p| problems.add(p.field, p.zh, p.en));
    if parts.file.is_none() {
        problems.add("file", "请选择要上传的文件（CSV 或 Excel）。", "Choose a file to upload (CSV or Excel).");
    }
    let name = parts.file.as_ref().map(|f| f.shown.clone()).unwrap_or_default();
    let mut rejected = Vec::new();
    if let (Some(head), Some(file), true) = (head, parts.file.as_ref(), problems.is_empty()) {
        match run(&app, &me, head, &file.path, &file.name, &file.hash, &ip(&headers, &peer)).await {
            Ok(Report { plan: Some(plan), .. }) => return Ok(Redirect::to(&format!("/plans/{}", plan.id)).into_response()),
            Ok(r) => {
                problems.add("file", format!("有 {} 行不符合要求，本次未导入任何要点；请修改后重新上传。", r.rejected.len()), format!("{} rows are wrong: nothing was imported; correct them and upload again.", r.rejected.len()));
                rejected = r.rejected;
            }
            Err(AppError::Invalid { zh, en }) => problems.add("file", zh, en),
            Err(AppError::Conflict { zh, en }) => problems.add("year", zh, en),
            Err(e) => return Err(e),
        }
    }
    let mut r = html(ImportPage { c, problems, year, title, file: name, rejected })?;
    *r.status_mut() = StatusCode::BAD_REQUEST;
    Ok(r)
}
