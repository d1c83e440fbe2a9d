//! The plan tracker's pages: the plans, a plan by part, its printable report, a point with its
//! update form (multipart: the CSRF token first, then the fields and an optional evidence file),
//! and a point's file download (through the point's scope first, audited).

use super::{load_plan, load_point, reads, Loaded, PartView, PlanView, PointPage, PointView};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "plans.html")]
struct IndexPage {
    c: Ctx,
    plans: Vec<PlanView>,
    can_import: bool,
}

pub async fn index(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let plans = app.pool.run(move |s| Ok(s.plans(&scope)?)).await?;
    html(IndexPage { c: Ctx::new(&app, &headers, Some(&me), "/plans", "plans"), plans: plans.iter().map(super::plan_view).collect(), can_import: store::plan::role_imports(me.user.role) })
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    c: Ctx,
    plan: PlanView,
    points: Vec<PointView>,
    parts: Vec<PartView>,
    export_q: String,
}

impl PlanPage {
    fn of_part(&self, part: &u8) -> Vec<&PointView> {
        self.points.iter().filter(|p| p.part == *part).collect()
    }
}

async fn loaded(app: &Arc<AppState>, headers: &HeaderMap, me: &crate::auth::Identity, id: i64) -> Result<(Ctx, Loaded), AppError> {
    reads(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let c = Ctx::new(app, headers, Some(me), "/plans", "plans");
    let (t, today) = (c.t, app.clock.today());
    let l = app.pool.run(move |s| load_plan(s, &t, &scope, id, today)).await?;
    Ok((c, l))
}

pub async fn plan(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (c, l) = loaded(&app, &headers, &me, id).await?;
    html(PlanPage { c, plan: l.plan, points: l.points, parts: l.parts, export_q: format!("plan={id}") })
}

#[derive(Template)]
#[template(path = "plan_print.html")]
struct PrintPage {
    c: Ctx,
    plan: PlanView,
    points: Vec<PointView>,
    parts: Vec<PartView>,
    today: String,
}

/// The progress report to print (or save as PDF from the browser): the status by part and every
/// point the caller reads, with its progress and bound figure.
pub async fn print(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (c, l) = loaded(&app, &headers, &me, id).await?;
    html(PrintPage { c, plan: l.plan, points: l.points, parts: l.parts, today: app.clock.today().to_string() })
}

#[derive(Template)]
#[template(path = "plan_point.html")]
struct PointTemplate {
    c: Ctx,
    p: PointPage,
    f: secman::plan::UpdateInput,
    problems: crate::form::Problems,
    limit_mib: u64,
    today: String,
}

async fn point_page(app: &Arc<AppState>, headers: &HeaderMap, me: &crate::auth::Identity, id: i64, f: Option<secman::plan::UpdateInput>, problems: crate::form::Problems) -> Result<Response, AppError> {
    let c = Ctx::new(app, headers, Some(me), "/plans", "plans");
    let p = load_point(app, me, c.t, id).await?;
    let bad = !problems.is_empty();
    let f = f.unwrap_or_else(|| secman::plan::UpdateInput { progress: p.point.progress.to_string(), state: if p.point.progress > 0 { "in_progress".into() } else { String::new() }, ..Default::default() });
    let mut r = html(PointTemplate { c, p, f, problems, limit_mib: app.config.security.attachment_limit_mib, today: app.clock.today().to_string() })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn point(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    point_page(&app, &headers, &me, id, None, crate::form::Problems::default()).await
}

/// The update form: back to the point, or the page with every problem (400).
pub async fn post_update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, mut form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/plans", "plans").t;
    let parts = crate::upload::file_field(&mut form, &app.upload_dir, app.config.security.attachment_limit_mib, "佐证材料").await?;
    let input = secman::plan::UpdateInput { task: parts.text("task"), on: parts.text("on"), text: parts.text("text"), progress: parts.text("progress"), state: parts.text("state") };
    let file = parts.file.map(|f| (f, parts.mime.clone()));
    let mut problems = crate::form::Problems::new(&t);
    match super::post(&app, &me, &ip(&headers, &peer), id, input.clone(), file).await {
        Ok(Ok(_)) => return Ok(Redirect::to(&format!("/plans/points/{id}#plan-updates")).into_response()),
        Ok(Err(p)) => p.into_iter().for_each(|p| problems.add(p.field, p.zh, p.en)),
        Err(e @ AppError::Invalid { .. }) => {
            let m = crate::routes::sites::message(&t, &e);
            problems.add("file", m.clone(), m);
        }
        Err(e) => return Err(e),
    }
    point_page(&app, &headers, &me, id, Some(input), problems).await
}

/// An update's evidence file, for a reader of the point; audited (`plan_attachment_download`).
pub async fn fetch(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, id: i64, file_id: i64) -> Result<Response, AppError> {
    reads(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let found = app
        .pool
        .run(move |s| {
            // The point through the scope first; then a file of its own updates only.
            if !s.plan_updates(&scope, id)?.iter().any(|u| u.attachment == Some(file_id)) {
                return Ok(None);
            }
            Ok(s.attachment(&scope, file_id)?)
        })
        .await?;
    let Some(a) = found else { return Err(AppError::NotFound) };
    let r = crate::routes::evidence::send(app, &a)?;
    app.audit_by(me, "plan_attachment_download", &format!("plan_point:{id}"), serde_json::json!({ "attachment": a.id, "name": a.name, "size": a.size }).to_string(), ipaddr).await?;
    Ok(r)
}

pub async fn download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, file_id)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    fetch(&app, &me, &ip(&headers, &peer), id, file_id).await
}
