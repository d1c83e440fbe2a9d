//! 事件详情: the timeline (each step with who, when, what), the evidence linked from the
//! monitor, a form for each step the caller may take (confirming shows the grades' criteria),
//! and the printable report in the shape a bureau files upward.

use super::{read_one, step, StepForm, StepView, View};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secman::incidents::classes;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "incident.html")]
struct Page {
    c: Ctx,
    i: View,
    steps: Vec<StepView>,
    error: Option<String>,
    classes: &'static [classes::Class],
    grades: &'static [classes::Grade],
    edition: &'static str,
    files: Vec<super::files::FileView>,
    /// The caller may attach files (a writer of incidents).
    may_attach: bool,
    attachment_limit_mib: u64,
}

#[derive(Template)]
#[template(path = "incident_print.html")]
struct Print {
    c: Ctx,
    i: View,
    steps: Vec<StepView>,
    now: i64,
}

impl Page {
    fn proposes(&self, g: &u8) -> bool {
        self.i.proposed_grade == Some(*g)
    }
    /// The attachments a timeline step added.
    fn files_of(&self, s: &StepView) -> Vec<&super::files::FileView> {
        if s.action != "attach" {
            return Vec::new();
        }
        self.files.iter().filter(|f| f.step_at == s.at && f.name == s.note).collect()
    }
}

pub fn message(headers: &HeaderMap, app: &AppState, e: &AppError) -> String {
    let (zh, en) = e.message();
    if crate::auth::lang(headers, app) == crate::i18n::Lang::En { en } else { zh }
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, error: Option<String>) -> Result<Response, AppError> {
    render_with(app, headers, me, id, error, StatusCode::CONFLICT).await
}

/// The page, with `error` (answered with `status`) when there is one.
pub async fn render_with(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, error: Option<String>, status: StatusCode) -> Result<Response, AppError> {
    let (i, steps) = read_one(app, me, id).await?;
    let files = super::files::list(app, me, id).await?;
    let bad = error.is_some();
    let ed = super::rules(app).edition;
    let may_attach = store::incidents::writes(me.user.role);
    let page = Page { c: Ctx::new(app, headers, Some(me), "/incidents", "incidents"), i, steps, error, classes: classes::classes(ed), grades: &classes::GRADES, edition: ed.title(), files, may_attach, attachment_limit_mib: app.config.security.attachment_limit_mib };
    let mut r = html(page)?;
    if bad {
        *r.status_mut() = status;
    }
    Ok(r)
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(super::may_read(&me))?;
    render(&app, &headers, &me, id, None).await
}

pub async fn print(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(super::may_read(&me))?;
    let (i, steps) = read_one(&app, &me, id).await?;
    use store::clock::Clock;
    html(Print { c: Ctx::new(&app, &headers, Some(&me), "/incidents", "incidents"), i, steps, now: app.clock.now() })
}

pub async fn act(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>, Form(f): Form<StepForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(store::incidents::writes(me.user.role))?;
    match step(&app, &me, &ip(&headers, &peer), id, &action, f).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => render(&app, &headers, &me, id, Some(message(&headers, &app, &e))).await,
        Err(e) => Err(e),
    }
}
