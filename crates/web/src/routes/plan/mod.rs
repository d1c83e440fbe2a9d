//! 信息化工作要点 — the plan tracker: the plans of the caller's area (`/plans`), a plan's points
//! by part with their status and the status by part (`/plans/{id}`), its printable progress
//! report (`/plans/{id}/print`), a point's page with its tasks, bound indicator (live value beside
//! the target), updates and the update form with an evidence file (`/plans/points/{id}`), the
//! import of a plan (`/plans/import`, [`import`]), the export of the progress report
//! ([`export`], through `routes::exports`) and the API under `/api/v1/plan` ([`api`]).
//! Storage and scope are `store::plan`; the file's rows and an update's checks `secman::plan`.

pub mod api;
pub mod export;
pub mod import;
pub mod pages;

use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::T;
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::plan::{by_part, Indicator, Plan, Point, Status, Task, Update, PARTS};
use store::{Backend, Scope};

pub use api::api_routes;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/plans", get(pages::index))
        .route("/plans/import", get(import::page))
        .route("/plans/import/template", get(import::template))
        .route("/plans/{id}", get(pages::plan))
        .route("/plans/{id}/print", get(pages::print))
        .route("/plans/points/{id}", get(pages::point))
        .route("/plans/points/{id}/files/{file}", get(pages::download))
}

/// The forms that carry a file: an update with its evidence (bounded by the attachment cap) and
/// the plan import (bounded by the import cap), see `routes::router`.
pub fn files_router() -> Router<Arc<AppState>> {
    Router::new().route("/plans/points/{id}/updates", axum::routing::post(pages::post_update))
}

pub fn import_router() -> Router<Arc<AppState>> {
    Router::new().route("/plans/import", axum::routing::post(import::upload))
}

pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::plan::role_reads(me.user.role))
}

pub fn writes(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::plan::role_writes(me.user.role))
}

pub fn imports(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::plan::role_imports(me.user.role))
}

/// A plan as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PlanPlan)]
pub struct PlanView {
    pub id: i64,
    pub year: i32,
    pub title: String,
    /// The issuing division.
    pub region_code: i64,
    pub region_name: String,
    /// E.g. that the plan is a demo reconstruction.
    pub note: String,
    /// All points of the plan.
    pub points: u32,
}

pub fn plan_view(p: &Plan) -> PlanView {
    PlanView { id: p.id, year: p.year, title: p.title.clone(), region_code: p.region_code, region_name: crate::routes::ledger::region_name(p.region_code), note: p.note.clone(), points: p.points }
}

/// A work point as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PlanPoint)]
pub struct PointView {
    pub id: i64,
    pub plan_id: i64,
    /// 1–6.
    pub part: u8,
    pub part_name: String,
    pub number: String,
    pub title: String,
    pub description: String,
    pub lead_code: i64,
    pub lead_name: String,
    pub coop_names: Vec<String>,
    /// YYYY-MM-DD.
    pub deadline: String,
    /// not_started, in_progress, done, overdue (overdue: not done after the deadline).
    pub status: String,
    pub status_name: String,
    /// 0–100.
    pub progress: u8,
    /// ipv6_rate, base_coverage, mlps_overdue, or null.
    pub indicator: Option<String>,
    pub indicator_name: String,
    pub target: String,
    /// The bound figure now, in the reader's area (null when unbound or not measured).
    pub live: Option<String>,
}

impl PointView {
    pub fn overdue(&self) -> bool {
        self.status == "overdue"
    }
}

/// A task as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PlanTask)]
pub struct TaskView {
    pub id: i64,
    pub seq: u32,
    pub text: String,
    pub owner_name: String,
    pub deadline: String,
    /// not_started, in_progress, done.
    pub state: String,
    pub state_name: String,
}

/// An update as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PlanUpdate)]
pub struct UpdateView {
    pub id: i64,
    pub point_id: i64,
    pub task: Option<i64>,
    pub on: String,
    pub text: String,
    pub progress: u8,
    pub state: String,
    pub state_name: String,
    pub attachment: Option<i64>,
    pub author: String,
    pub created_at: i64,
}

impl UpdateView {
    pub fn href(&self) -> String {
        self.attachment.map(|a| format!("/plans/points/{}/files/{a}", self.point_id)).unwrap_or_default()
    }
}

/// A part's (or the plan's, part 0) counts as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PlanPart)]
pub struct PartView {
    pub part: u8,
    pub name: String,
    pub points: u32,
    pub not_started: u32,
    pub in_progress: u32,
    pub done: u32,
    pub overdue: u32,
    /// Done / points, e.g. "50.0%".
    pub rate: String,
}

pub fn part_name(t: &T, part: u8) -> String {
    match part {
        1..=6 => {
            let p = PARTS[usize::from(part) - 1];
            t.s(p.0, p.1).to_string()
        }
        _ => t.s("合计", "Total").to_string(),
    }
}

fn status_of(t: &T, s: Status) -> (String, String) {
    (s.code().into(), t.s(s.zh(), s.en()).into())
}

/// The bound figure in `scope` now: the IPv6 rate of the monitored university sites, the share
/// of schools with students on record, or the 等保 systems overdue. None when nothing is measured.
pub fn live(s: &mut dyn Backend, scope: &Scope, ind: Indicator, today: standard::Date, cache: &mut HashMap<Indicator, Option<String>>) -> Result<Option<String>, AppError> {
    if let Some(v) = cache.get(&ind) {
        return Ok(v.clone());
    }
    let v = match ind {
        Indicator::Ipv6Rate => {
            let r = s.ipv6_results(scope, Some(store::monitor::SiteCategory::University))?;
            let rates = store::monitor::category_rates(&r);
            rates.iter().find(|x| x.category == store::monitor::SiteCategory::University).and_then(|x| x.rate).map(|r| crate::labels::pct(Some(r)))
        }
        Indicator::BaseCoverage => {
            let f = s.school_figures(scope)?;
            (!f.is_empty()).then(|| crate::labels::pct(Some(f.iter().filter(|x| x.students > 0).count() as f64 / f.len() as f64)))
        }
        Indicator::MlpsOverdue => {
            let t = s.system_totals(scope, &store::mlps::SystemQuery::on(today))?;
            (t.systems > 0).then(|| t.overdue.to_string())
        }
    };
    cache.insert(ind, v.clone());
    Ok(v)
}

pub fn point_view(t: &T, s: &mut dyn Backend, scope: &Scope, p: &Point, today: standard::Date, names: &mut HashMap<i64, String>, lives: &mut HashMap<Indicator, Option<String>>) -> Result<PointView, AppError> {
    let (status, status_name) = status_of(t, p.status(today));
    let coop_names = p.coop.iter().map(|c| crate::routes::ledger::unit_name(s, *c, names)).collect::<Result<Vec<_>, _>>()?;
    Ok(PointView {
        id: p.id,
        plan_id: p.plan_id,
        part: p.part,
        part_name: part_name(t, p.part),
        number: p.number.clone(),
        title: p.title.clone(),
        description: p.description.clone(),
        lead_code: p.lead,
        lead_name: crate::routes::ledger::unit_name(s, p.lead, names)?,
        coop_names,
        deadline: p.deadline.to_string(),
        status,
        status_name,
        progress: p.progress,
        indicator: p.indicator.map(|i| i.code().to_string()),
        indicator_name: p.indicator.map(|i| t.s(i.zh(), i.en()).to_string()).unwrap_or_default(),
        target: p.target.clone(),
        live: match p.indicator {
            Some(i) => live(s, scope, i, today, lives)?,
            None => None,
        },
    })
}

pub fn task_view(t: &T, s: &mut dyn Backend, x: &Task, names: &mut HashMap<i64, String>) -> Result<TaskView, AppError> {
    Ok(TaskView { id: x.id, seq: x.seq, text: x.text.clone(), owner_name: crate::routes::ledger::unit_name(s, x.owner, names)?, deadline: x.deadline.to_string(), state: x.state.code().into(), state_name: t.s(x.state.zh(), x.state.en()).into() })
}

pub fn update_view(t: &T, u: &Update) -> UpdateView {
    UpdateView { id: u.id, point_id: u.point_id, task: u.task, on: u.on.to_string(), text: u.text.clone(), progress: u.progress, state: u.state.code().into(), state_name: t.s(u.state.zh(), u.state.en()).into(), attachment: u.attachment, author: u.author.clone(), created_at: u.created_at }
}

/// A plan read as the caller: the plan, its points they read, and the status by part.
pub struct Loaded {
    pub plan: PlanView,
    pub points: Vec<PointView>,
    pub parts: Vec<PartView>,
}

pub fn load_plan(s: &mut dyn Backend, t: &T, scope: &Scope, id: i64, today: standard::Date) -> Result<Loaded, AppError> {
    let plan = s.plan(scope, id)?.ok_or(AppError::NotFound)?;
    let pts = s.plan_points(scope, id)?;
    let (mut names, mut lives) = (HashMap::new(), HashMap::new());
    let points = pts.iter().map(|p| point_view(t, s, scope, p, today, &mut names, &mut lives)).collect::<Result<Vec<_>, _>>()?;
    let parts = by_part(&pts, today)
        .iter()
        .map(|x| PartView { part: x.part, name: part_name(t, x.part), points: x.points, not_started: x.not_started, in_progress: x.in_progress, done: x.done, overdue: x.overdue, rate: crate::labels::pct(x.rate()) })
        .collect();
    Ok(Loaded { plan: plan_view(&plan), points, parts })
}

/// A point read as the caller, with its tasks and updates; whether the caller may post.
pub struct PointPage {
    pub plan: PlanView,
    pub point: PointView,
    pub tasks: Vec<TaskView>,
    pub updates: Vec<UpdateView>,
    pub can_update: bool,
}

pub async fn load_point(app: &Arc<AppState>, me: &Identity, t: T, id: i64) -> Result<PointPage, AppError> {
    reads(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let (write_scope, may_write, today) = (me.scope.clone(), store::plan::role_writes(me.user.role), app.clock.today());
    app.pool
        .run(move |s| {
            let p = s.plan_point(&scope, id)?.ok_or(AppError::NotFound)?;
            let plan = s.plan(&scope, p.plan_id)?.ok_or(AppError::NotFound)?;
            let (mut names, mut lives) = (HashMap::new(), HashMap::new());
            let point = point_view(&t, s, &scope, &p, today, &mut names, &mut lives)?;
            let tasks = s.plan_tasks(&scope, id)?.iter().map(|x| task_view(&t, s, x, &mut names)).collect::<Result<Vec<_>, _>>()?;
            let updates = s.plan_updates(&scope, id)?.iter().map(|u| update_view(&t, u)).collect();
            let can_update = may_write && store::plan::may_update(&write_scope, plan.region_code, &p);
            Ok(PointPage { plan: plan_view(&plan), point, tasks, updates, can_update })
        })
        .await
}

/// Posts an update (with its evidence file, when one came) as `me`, judged in the store against
/// their area, and audits it (`plan_update`): Ok(Err) with the form's problems.
pub async fn post(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, input: secman::plan::UpdateInput, file: Option<(crate::upload::Upload, Option<String>)>) -> Result<Result<UpdateView, Vec<secman::form::Problem>>, AppError> {
    writes(me)?;
    let today = app.clock.today();
    let parsed = secman::plan::parse_update(&input, today, None);
    let u = match parsed {
        Ok(u) => u,
        Err(p) => return Ok(Err(p)),
    };
    let (a2, scope, by, now) = (app.clone(), me.scope.clone(), me.user.name.clone(), app.clock.now());
    let r = app
        .pool
        .run(move |s| {
            // The point through the writer's area first: 404 before a byte is kept.
            let p = s.plan_point(&scope, id)?.ok_or(AppError::NotFound)?;
            let mut u = u;
            let mut kept = None;
            if let Some((f, mime)) = &file {
                let a = crate::routes::evidence::keep(&a2, s, &scope, &by, crate::routes::evidence::owner_of(p.lead, p.lead_region), f, mime.as_deref())?;
                u.attachment = Some(a.id);
                kept = Some(a);
            }
            let x = s.post_plan_update(&scope, id, &u, &by, now).map_err(|e| match e {
                store::StoreError::OutOfScope => AppError::NotFound,
                e => e.into(),
            })?;
            Ok((x, p.plan_id, kept.map(|a| (a.name, a.size))))
        })
        .await;
    let detail = |(x, plan, f): &(Update, i64, Option<(String, u64)>)| serde_json::json!({ "plan": plan, "point": id, "task": x.task, "progress": x.progress, "state": x.state.code(), "attachment": x.attachment, "name": f.as_ref().map(|f| f.0.clone()), "size": f.as_ref().map(|f| f.1) });
    crate::routes::evidence::audit_upload(app, me, "plan_update", &format!("plan_point:{id}"), &r, detail, ipaddr).await?;
    let (x, ..) = r?;
    Ok(Ok(update_view(&api::ZH, &x)))
}
