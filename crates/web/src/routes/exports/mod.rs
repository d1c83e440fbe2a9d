//! 导出: every list of the console — schools, teachers, students, sites, alerts, the audit log and
//! the import batches — as XLSX or CSV with the list's current filters, and the overview's
//! 统计报表 ([`report`]).
//!
//! - `GET /export/{list}?format=xlsx|csv&<the list's filters>`: masked, always.
//! - `GET /export/{list}/full?<filters>`: teachers and students only, roles that may reveal: a
//!   confirmation page; its form `POST /export/{list}/full` (CSRF-checked) exports unmasked.
//! - `GET /api/v1/exports/{list}?format=csv|xlsx&<filters>` (`routes::api::exports`): the same
//!   masked export for API clients (tokens), audited with `"via": "api"`.
//!
//! Rows come from the same scoped store calls as the list pages ([`lists`]), in pages of the
//! keyset listing, on a connection of their own, and stream out ([`crate::download`]). Every
//! export is in the audit log (`export`): an entry `started` before the response, then one with
//! the outcome (`ok`, `interrupted`, `failed`) and the rows written — written before the file's
//! last bytes are sent, so a complete download is always a recorded one.

pub mod lists;
pub mod report;

use super::{ip, ready, Me, Peer};
use crate::download::{self, Format, Sheet, Stop};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::sync::{Arc, OnceLock};
use store::AuditEvent;
use tokio::sync::Semaphore;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/export/{list}", get(masked))
        .route("/export/{list}/full", get(confirm).post(full))
        .route("/overview/report.xlsx", get(report::report))
}

/// Exports running at once in this process; more wait their turn (each holds a connection).
const AT_ONCE: usize = 4;

fn slots() -> Arc<Semaphore> {
    static S: OnceLock<Arc<Semaphore>> = OnceLock::new();
    S.get_or_init(|| Arc::new(Semaphore::new(AT_ONCE))).clone()
}

pub use crate::export_job::Job;

#[derive(Deserialize, Default)]
struct FormatParam {
    #[serde(default)]
    format: String,
}

pub(crate) fn format_of(s: &str) -> Result<Format, AppError> {
    Format::parse(s).ok_or_else(|| AppError::invalid("导出格式应为 xlsx 或 csv。", "The format must be xlsx or csv."))
}

async fn masked(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(list): Path<String>, uri: Uri) -> Result<Response, AppError> {
    let me = ready(me)?;
    let list = lists::List::parse(&list).ok_or(AppError::NotFound)?;
    let format = format_of(&query::<FormatParam>(&uri)?.format)?;
    let lang = crate::auth::lang(&headers, &app);
    let job = lists::prepare(&app, &me, list, uri.query().unwrap_or(""), lang, true)?;
    run(app, &me, &ip(&headers, &peer), job, format, true, "console").await
}

#[derive(Template)]
#[template(path = "export_confirm.html")]
struct ConfirmPage {
    c: Ctx,
    list: lists::List,
    /// The list's filters, as hidden fields of the form.
    fields: Vec<(String, String)>,
    /// The same, in words.
    shown: Vec<(String, String)>,
    back: String,
}

/// The confirmation before an unmasked export: what it holds, that it is recorded.
async fn confirm(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(list): Path<String>, uri: Uri) -> Result<Response, AppError> {
    let me = ready(me)?;
    let list = lists::List::parse(&list).ok_or(AppError::NotFound)?;
    let q = uri.query().unwrap_or("");
    // The same checks as the export itself, so that the page never offers what would be refused.
    lists::prepare(&app, &me, list, q, crate::auth::lang(&headers, &app), false)?;
    let fields = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|x| x.0)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| !v.is_empty() && lists::List::FILTERS.contains(&k.as_str()))
        .collect::<Vec<_>>();
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/{}", list.key()), list.nav());
    let shown = fields
        .iter()
        .map(|(k, v)| match k.as_str() {
            "name" => (c.t.s("姓名", "Name").to_string(), v.clone()),
            "id" => (c.t.s("证件号或学籍号", "ID or student number").to_string(), v.clone()),
            "school" => (c.t.s("学校标识码", "School identifier").to_string(), v.clone()),
            _ => (c.t.s("地区", "Region").to_string(), v.parse().map(crate::figures::name_of).unwrap_or_else(|_| v.clone())),
        })
        .collect();
    let back = format!("/{}?{}", list.key(), q);
    html(ConfirmPage { c, list, fields, shown, back })
}

/// The unmasked export, from the confirmation's form.
async fn full(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(list): Path<String>, body: String) -> Result<Response, AppError> {
    let me = ready(me)?;
    let list = lists::List::parse(&list).ok_or(AppError::NotFound)?;
    let format = format_of(&form_value(&body, "format").unwrap_or_default())?;
    let lang = crate::auth::lang(&headers, &app);
    let job = lists::prepare(&app, &me, list, &body, lang, false)?;
    run(app, &me, &ip(&headers, &peer), job, format, false, "console").await
}

/// A field of a url-encoded form.
fn form_value(body: &str, key: &str) -> Option<String> {
    let uri: Uri = format!("/?{body}").parse().ok()?;
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).ok()?.0.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// A query string as `T` (a list's filters); one that does not parse is the usual 400.
pub fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, AppError> {
    axum::extract::Query::<T>::try_from_uri(uri).map(|q| q.0).map_err(|_| AppError::Rejected(axum::http::StatusCode::BAD_REQUEST))
}

/// Records the start, then streams the rows; the outcome is recorded before the last bytes go.
pub(crate) async fn run(app: Arc<AppState>, me: &crate::auth::Identity, ip: &str, job: Job, format: Format, masked: bool, via: &str) -> Result<Response, AppError> {
    let mut detail = serde_json::json!({
        "what": "list",
        "list": job.list.key(),
        "filter": job.filter,
        "format": format.ext(),
        "masked": masked,
        "via": via,
        "rows": 0,
    });
    // An export that cannot be recorded is not made.
    app.audit(&me.user.name, "export", job.list.key(), detail.to_string(), ip, "started").await?;
    let permit = slots().acquire_owned().await.map_err(|_| AppError::Unavailable("exports closed".into()))?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let (name, fallback) = file_name(&app, job.list, format, masked);
    let (actor, ip, dir) = (me.user.name.clone(), ip.to_string(), app.upload_dir.clone());
    let lang_title = job.list.zh().to_string();
    let app2 = app.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let abort = tx.clone();
        let mut s = match app2.pool.open() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "export: no connection");
                return Sheet::abort(&abort, "no connection");
            }
        };
        let mut rows = 0;
        let result = (|| {
            let mut sheet = Sheet::new(format, &lang_title, &job.headers, &dir, tx)?;
            let r = (job.produce)(s.as_mut(), &mut sheet);
            rows = sheet.rows();
            r.map(|()| sheet)
        })();
        let outcome = match &result {
            Ok(_) => "ok",
            Err(Stop::Gone) => "interrupted",
            Err(Stop::Failed(e)) => {
                tracing::error!(error = %e, list = job.list.key(), "export failed");
                "failed"
            }
        };
        detail["rows"] = rows.into();
        let logged = s.append_audit(&AuditEvent { actor, action: "export".into(), target: job.list.key().into(), detail: detail.to_string(), ip, outcome: outcome.into() });
        match (result, logged) {
            (Ok(sheet), Ok(_)) => {
                if let Err(Stop::Failed(e)) = sheet.finish() {
                    tracing::error!(error = %e, "export: sending failed");
                    Sheet::abort(&abort, "failed");
                }
            }
            (_, Err(e)) => {
                tracing::error!(error = %e, "export: the outcome could not be recorded");
                Sheet::abort(&abort, "not recorded");
            }
            (Err(_), _) => Sheet::abort(&abort, "failed"),
        }
    });
    Ok((download::headers(format.mime(), &name, &fallback), download::body(rx)).into_response())
}

/// `学生_20261206.xlsx` (`学生_完整信息_…` unmasked), and its ASCII fallback.
fn file_name(app: &AppState, list: lists::List, format: Format, masked: bool) -> (String, String) {
    let day: String = store::time::rfc3339(app.clock.now() + store::clock::CST_OFFSET_SECS).chars().take(10).filter(|c| *c != '-').collect();
    let full = if masked { "" } else { "_完整信息" };
    (format!("{}{full}_{day}.{}", list.zh(), format.ext()), format!("{}{}-{day}.{}", list.key(), if masked { "" } else { "-full" }, format.ext()))
}
