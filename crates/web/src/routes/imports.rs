//! 数据导入: upload a CSV or XLSX and pick the entity; a progress bar while it is validated and
//! imported; the report with counts per rule; the error workbook; the batch history.

use super::{ip, ready, require, Me, Peer};
use crate::auth::Identity;
use crate::error::AppError;
use crate::imports::{estimate_rows, Job, JobState};
use crate::render::{html, Ctx};
use crate::state::AppState;
use crate::upload::{self, Upload};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use store::failed_uploads::{FailedUpload, NewFailedUpload};
use store::{BatchSummary, Entity, Role};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/imports", get(page).post(upload))
        .route("/imports/jobs/{id}", get(job_page))
        .route("/imports/jobs/{id}/status", get(job_status))
        .route("/imports/batches/{id}", get(batch_page))
        .route("/imports/batches/{id}/errors.xlsx", get(errors_xlsx))
}

/// "3 行拒收（0.4%）" for a batch list.
pub fn quality(b: &BatchSummary) -> String {
    let pct = if b.rows_read > 0 { b.rejected as f64 * 100.0 / b.rows_read as f64 } else { 0.0 };
    format!("{} ({pct:.1}%)", b.rejected)
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportPage {
    c: Ctx,
    batches: Vec<BatchSummary>,
    error: Option<String>,
    /// Uploads that failed (refused, unreadable), newest first: the account's own, everyone's
    /// for the province administrator; kept in the database (`store::failed_uploads`).
    failed: Vec<FailedUpload>,
    /// The entity the form starts on (a retry comes back with it).
    entity: String,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    entity: Option<String>,
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, q: axum::extract::Query<PageQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let batches = crate::figures::recent_batches(&app.pool, &me.user, 50).await?;
    let (scope, account) = (me.scope.clone(), (me.user.role != Role::ProvinceAdmin).then(|| me.user.name.clone()));
    let failed = app.pool.run(move |s| Ok(s.failed_uploads(&scope, account.as_deref(), 20)?)).await?;
    let entity = q.entity.as_deref().and_then(Entity::parse).unwrap_or(Entity::Student).key().to_string();
    html(ImportPage { c: Ctx::new(&app, &headers, Some(&me), "/imports", "imports"), batches, error: None, failed, entity })
}

/// What the page's script adds to the address of an upload: the entity and the file's name, so
/// that an upload refused before its form is read (too big) still joins the history.
#[derive(serde::Deserialize)]
struct UploadHints {
    entity: Option<String>,
    name: Option<String>,
}

async fn upload(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, hints: axum::extract::Query<UploadHints>, mut form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    // A place in the queue before the body is read: a refused upload is not written anywhere.
    let slot = app.jobs.admit(&me.user.name)?;
    let mut entity: Option<Entity> = None;
    let mut force = false;
    let mut saved: Option<Upload> = None;
    let mut given: Option<String> = None;
    let limit = app.config.upload_limit_mib;
    let read = async {
        while let Some(mut field) = form.next_field().await.map_err(|_| upload::too_big(limit))? {
            match field.name() {
                Some("entity") => entity = Entity::parse(&field.text().await.map_err(|_| upload::too_big(limit))?),
                Some("force") => force = field.text().await.map_err(|_| upload::too_big(limit))? == "1",
                Some("file") => {
                    given = field.file_name().map(|n| upload::shown_name(n, "upload.csv"));
                    saved = upload::save(&mut field, &app.upload_dir, limit, "upload.csv").await?
                }
                _ => {}
            }
        }
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = read {
        // A refused file (too big, broken off) joins the history with its reason.
        let entity = entity.or_else(|| hints.entity.as_deref().and_then(Entity::parse));
        let given = given.or_else(|| hints.name.as_deref().map(|n| upload::shown_name(n, "upload.csv")));
        if let (Some(entity), Some(name)) = (entity, given) {
            let (zh, en) = e.message();
            let failed = failed_upload(&app, &me, entity, name, zh, en);
            let scope = me.scope.clone();
            // The refusal is the answer either way; a row that cannot be kept is logged.
            if let Err(k) = app.pool.run(move |s| Ok(s.record_failed_upload(&scope, &failed)?)).await {
                tracing::warn!(error = ?k, "a failed upload was not kept");
            }
        }
        return Err(e);
    }
    let Some(entity) = entity else {
        return Err(AppError::invalid("请选择数据类别（学校、教师、学生或办学条件）。", "Choose what the file holds (schools, teachers, students or school conditions)."));
    };
    let Some(file) = saved else {
        return Err(AppError::invalid("请选择要上传的文件（CSV 或 XLSX）。", "Choose a file to upload (CSV or XLSX)."));
    };
    let estimate = estimate_rows(&file.path);
    let job = app.jobs.add(&me.user.name, entity, &file.shown, estimate);
    let ipaddr = ip(&headers, &peer);
    let (a, j) = (app.clone(), job.clone());
    app.jobs.run(slot, move || import(a, me, j, file, force, ipaddr));
    Ok(Redirect::to(&format!("/imports/jobs/{}", job.id)).into_response())
}

/// One import, on a worker's thread with its own connection. The upload is deleted when it ends.
fn import(app: Arc<AppState>, me: Identity, job: Arc<Job>, file: Upload, force: bool, ip: String) {
    *job.state.lock().expect("lock") = JobState::Running;
    let result = (|| -> Result<loader::Outcome, loader::Failure> {
        let mut s = app.pool.open()?;
        let rule = loader::scope_rule(s.as_mut(), &me.scope, app.config.province.code)?;
        let mut opts = ingest::Options::new(job.entity);
        opts.province = app.config.province.code;
        opts.scope = rule.map(Arc::new);
        // A legacy workbook's converted copy stays in the private upload folder.
        opts.work_dir = Some(app.upload_dir.clone());
        let o = loader::ImportOptions {
            validate: opts,
            user: me.user.name.clone(),
            force,
            progress: Some(job.progress.clone()),
            file_name: Some(file.shown.clone()),
            file_hash: Some(file.hash.clone()),
            scope: me.scope.clone(),
        };
        let out = loader::import_file(s.as_mut(), &file.path, o)?;
        let detail = serde_json::json!({
            "file": job.file_name, "entity": job.entity.key(), "rows_read": out.rows_read, "inserted": out.inserted,
            "updated": out.updated, "unchanged": out.unchanged, "rejected": out.rejected, "already_imported": out.already_imported,
            "bytes": file.size, "sha256": file.hash,
        });
        s.append_audit(&store::AuditEvent {
            actor: me.user.name.clone(),
            action: "import".into(),
            target: format!("batch:{}", out.batch_id.unwrap_or(0)),
            detail: detail.to_string(),
            ip: ip.clone(),
            outcome: "ok".into(),
        })?;
        Ok(out)
    })();
    drop(file);
    app.clear_overview();
    let state = match result {
        Ok(o) => JobState::Done(Box::new(o)),
        Err(f) => {
            // Kept for the history; the job page says it now whether or not this is stored.
            let failed = failed_upload(&app, &me, job.entity, job.file_name.clone(), f.zh.clone(), f.en.clone());
            if let Err(e) = app.pool.open().and_then(|mut s| s.record_failed_upload(&me.scope, &failed)) {
                tracing::warn!(error = %e, "a failed upload was not kept");
            }
            JobState::Failed { zh: f.zh, en: f.en }
        }
    };
    *job.state.lock().expect("lock") = state;
}

/// A failed upload as the history keeps it, at the platform clock's time.
fn failed_upload(app: &AppState, me: &Identity, entity: Entity, file_name: String, reason_zh: String, reason_en: String) -> NewFailedUpload {
    NewFailedUpload { account: me.user.name.clone(), entity, file_name, reason_zh, reason_en, at: app.clock.now() }
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    c: Ctx,
    job: Arc<Job>,
    body: String,
}

#[derive(Template)]
#[template(path = "job_status.html")]
struct JobStatus {
    c: Ctx,
    job: Arc<Job>,
    queued: bool,
    running: bool,
    outcome: Option<loader::Outcome>,
    error: Option<String>,
    elapsed: String,
}

fn own_job(app: &AppState, me: &Identity, id: u64) -> Result<Arc<Job>, AppError> {
    let job = app.jobs.get(id).ok_or(AppError::NotFound)?;
    if job.user != me.user.name && me.user.role != Role::ProvinceAdmin {
        return Err(AppError::NotFound);
    }
    Ok(job)
}

fn status_of(c: Ctx, job: Arc<Job>) -> JobStatus {
    let queued = matches!(&*job.state.lock().expect("lock"), JobState::Queued);
    let (running, outcome, error) = match &*job.state.lock().expect("lock") {
        JobState::Running | JobState::Queued => (true, None, None),
        JobState::Done(o) => (false, Some(o.as_ref().clone()), None),
        JobState::Failed { zh, en } => (false, None, Some(if c.t.is_en() { en.clone() } else { zh.clone() })),
    };
    let elapsed = format!("{:.1}", job.started.elapsed().as_secs_f64());
    JobStatus { c, job, queued, running, outcome, error, elapsed }
}


async fn job_page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<u64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let job = own_job(&app, &me, id)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/imports", "imports");
    let body = status_of(c.clone(), job.clone()).render().map_err(|e| AppError::Internal(e.to_string()))?;
    html(JobPage { c, job, body })
}

async fn job_status(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<u64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let job = own_job(&app, &me, id)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/imports", "imports");
    html(status_of(c, job))
}

/// A batch the user may see: the province administrator sees all, others their own.
async fn own_batch(app: &Arc<AppState>, me: &Identity, id: i64) -> Result<BatchSummary, AppError> {
    let b = app.pool.run(move |s| s.get_batch(id).map_err(AppError::from)).await?.ok_or(AppError::NotFound)?;
    if b.user != me.user.name && me.user.role != Role::ProvinceAdmin {
        return Err(AppError::NotFound);
    }
    Ok(b)
}

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchPage {
    c: Ctx,
    b: BatchSummary,
    errors: Vec<(String, u64)>,
    warnings: Vec<(String, u64)>,
    /// Seconds the validation and import took, one decimal.
    elapsed: Option<String>,
    /// The data standard's version the rows were validated against (empty: before versions).
    standard: String,
}

async fn batch_page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let b = own_batch(&app, &me, id).await?;
    let report: serde_json::Value = serde_json::from_str(&b.report_json).unwrap_or_default();
    let counts = |k: &str| -> Vec<(String, u64)> {
        report.get(k).and_then(|m| m.as_object()).map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect()).unwrap_or_default()
    };
    let (mut errors, warnings) = (counts("errors"), counts("warnings"));
    // The commonest reason first.
    errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let elapsed = report.get("elapsed_ms").and_then(|v| v.as_u64()).map(|ms| format!("{:.1}", ms as f64 / 1000.0));
    let standard = report.get("standard").and_then(|v| v.as_str()).unwrap_or_default().to_string();
    html(BatchPage { c: Ctx::new(&app, &headers, Some(&me), "/imports", "imports"), b, errors, warnings, elapsed, standard })
}

/// The rejected rows as an XLSX workbook, offending cells highlighted. It holds personal data
/// as the file had it: every download is audited.
async fn errors_xlsx(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let b = own_batch(&app, &me, id).await?;
    let lang = crate::auth::lang(&headers, &app).standard();
    // Written into a private file (0600) that is deleted however this ends.
    let (_, tmp, _removed) = upload::private_file(&app.upload_dir, &format!("errors-{id}.xlsx")).map_err(|e| AppError::Internal(e.to_string()))?;
    let (b2, t2) = (b.clone(), tmp.clone());
    let rows = app
        .pool
        .run(move |s| loader::write_errors(s, &b2, &t2, lang).map_err(|f| AppError::Internal(f.en)))
        .await?;
    let bytes = tokio::fs::read(&tmp).await.map_err(|e| AppError::Internal(e.to_string()))?;
    app.audit_by(&me, "export", &format!("batch:{id}"), serde_json::json!({"what": "error_workbook", "rows": rows, "masked": false}).to_string(), &ip(&headers, &peer)).await?;
    let name = format!("errors-batch-{id}.xlsx");
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
