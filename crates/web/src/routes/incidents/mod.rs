//! 网络安全事件 in the console and the API: the list (filters, overdue in red, totals), an
//! incident's timeline with a form for each step, reports upward, a printable report. The rules
//! are `secman::incidents` (classes, grades, deadlines, escalation); the lifecycle is
//! `store::incidents::FLOW`, checked and audited there; every read and write takes the caller's
//! scope inside the store.

pub mod api;
mod detail;
pub mod export;
pub mod files;
mod forms;
mod list;

pub use forms::{report, step, ReportForm, StepForm};

use crate::auth::Identity;
use crate::error::AppError;
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use secman::incidents::{self, classes, Rules};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::flow::Actor;
use store::incidents::{Incident, IncidentQuery, IncidentState, Step};
use store::clock::Clock;
use store::{Backend, Role, Scope};

pub use api::api_routes;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/incidents", get(list::page).post(list::create))
        .route("/incidents/{id}", get(detail::page))
        .route("/incidents/{id}/print", get(detail::print))
        .route("/incidents/{id}/{action}", post(detail::act))
        .route("/incidents/{id}/files/{file}", get(files::download))
        .route("/incidents/{id}/report.xlsx", get(export::report))
}

/// The attachment upload, under its own body limit (the file's cap is kept while it streams).
pub fn files_router() -> Router<Arc<AppState>> {
    Router::new().route("/incidents/{id}/files", post(files::attach))
}

/// The deployment's rules (`[security]`; defaults: GB/T 20986-2023, the 2025 reporting measures'
/// hours). `tianfu serve` refuses to start on bad settings, so the fallback is for tests only.
pub fn rules(app: &AppState) -> Rules {
    crate::config::ConfigExt::incident_rules(&app.config).unwrap_or_default()
}

/// An incident as the console and the API show it: codes with their Chinese labels.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Incident)]
pub struct View {
    pub id: i64,
    pub title: String,
    /// The owning unit: a school's 学校标识码 or a division's code.
    pub unit_code: i64,
    /// The unit's division (a school's county) by name.
    pub region_name: String,
    pub school: Option<String>,
    /// other, cii, central
    pub unit_kind: String,
    /// reported, confirmed, handling, recovered, closed
    pub state: String,
    pub state_label: String,
    pub state_label_en: String,
    pub class_code: Option<String>,
    pub class_label: Option<String>,
    /// 1 (I 特别重大) … 4 (IV 一般).
    pub grade: Option<u8>,
    pub grade_label: String,
    pub proposed_class: Option<String>,
    pub proposed_class_label: Option<String>,
    pub proposed_grade: Option<u8>,
    /// manual or monitor.
    pub source: String,
    pub site_id: Option<i64>,
    pub finding: Option<String>,
    pub alert_id: Option<i64>,
    pub evidence: String,
    pub description: String,
    pub review: String,
    pub discovered_at: i64,
    pub reported_at: i64,
    /// The reporting deadline (Unix seconds).
    pub due_at: i64,
    pub reported_up_at: Option<i64>,
    /// Not reported upward by its deadline.
    pub overdue: bool,
    pub escalated_to: Option<i64>,
    pub escalated_to_name: Option<String>,
    /// When it was recovered (Unix seconds).
    pub recovered_at: Option<i64>,
    /// The review's (复盘) deadline: the end of this day (`YYYY-MM-DD`, China Standard Time),
    /// `security.incident_review_days` working days after recovery.
    pub review_due: Option<String>,
    /// The same deadline as Unix seconds (the first moment that is late).
    pub review_due_at: Option<i64>,
    /// Recovered, not closed, and past the review's deadline.
    pub review_overdue: bool,
    pub seen: i64,
    pub updated_at: i64,
    /// The steps the caller may take now.
    pub actions: Vec<String>,
}

impl View {
    pub fn of(i: &Incident, actor: &Actor, now: i64) -> View {
        View {
            id: i.id,
            title: i.title.clone(),
            unit_code: i.unit_code,
            region_name: incidents::unit_name(i.region),
            school: i.school.clone(),
            unit_kind: i.unit_kind.clone(),
            state: i.state.code().into(),
            state_label: i.state.zh().into(),
            state_label_en: i.state.en().into(),
            class_code: i.class_code.clone(),
            class_label: i.class_code.as_deref().map(classes::label),
            grade: i.grade,
            grade_label: classes::grade_label(i.grade),
            proposed_class: i.proposed_class.clone(),
            proposed_class_label: i.proposed_class.as_deref().map(classes::label),
            proposed_grade: i.proposed_grade,
            source: i.source.clone(),
            site_id: i.site_id,
            finding: i.finding.clone(),
            alert_id: i.alert_id,
            evidence: i.evidence.clone(),
            description: i.description.clone(),
            review: i.review.clone(),
            discovered_at: i.discovered_at,
            reported_at: i.reported_at,
            due_at: i.due_at,
            reported_up_at: i.reported_up_at,
            overdue: i.overdue(now),
            escalated_to: i.escalated_to,
            escalated_to_name: i.escalated_to.map(incidents::unit_name),
            recovered_at: i.recovered_at,
            review_due: incidents::review_due_date(i).map(|d| d.to_string()),
            review_due_at: i.review_due_at,
            review_overdue: i.review_overdue(now),
            seen: i.seen,
            updated_at: i.updated_at,
            actions: if store::incidents::writes(actor.role) { store::incidents::actions(actor, i).into_iter().map(String::from).collect() } else { Vec::new() },
        }
    }
    /// The unit as people name it.
    pub fn unit(&self) -> String {
        match &self.school {
            Some(s) => format!("{} · 学校 {s}", self.region_name),
            None => self.region_name.clone(),
        }
    }
    pub fn proposed_grade_label(&self) -> String {
        classes::grade_label(self.proposed_grade)
    }
    pub fn may(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }
}

/// One step of the timeline as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IncidentStep)]
pub struct StepView {
    pub at: i64,
    pub actor: String,
    /// report, confirm, handle, note, recover, close, report_up, escalate, review_overdue, seen, attach
    pub action: String,
    pub action_label: String,
    pub action_label_en: String,
    pub state: String,
    pub note: String,
    pub to_unit: Option<String>,
}

pub fn action_label_en(a: &str) -> &'static str {
    match a {
        "report" => "Reported",
        "confirm" => "Class and grade confirmed",
        "handle" => "Handling started",
        "note" => "Handling note",
        "recover" => "Recovered",
        "close" => "Closed with a review",
        "report_up" => "Reported upward",
        "escalate" => "Escalated (overdue)",
        "review_overdue" => "Review overdue",
        "seen" => "Seen again by the monitor",
        "attach" => "Attachment added",
        _ => "Other",
    }
}

pub fn action_label(a: &str) -> &'static str {
    match a {
        "report" => "报告事件",
        "confirm" => "确认分类分级",
        "handle" => "开始处置",
        "note" => "处置记录",
        "recover" => "恢复",
        "close" => "结案总结",
        "report_up" => "向上级报告",
        "escalate" => "超时升级",
        "review_overdue" => "复盘逾期",
        "seen" => "监测再次发现",
        "attach" => "添加附件",
        _ => "其他",
    }
}

impl StepView {
    fn of(s: &Step) -> StepView {
        StepView { at: s.at, actor: s.actor.clone(), action: s.action.clone(), action_label: action_label(&s.action).into(), action_label_en: action_label_en(&s.action).into(), state: s.state.code().into(), note: s.note.clone(), to_unit: s.to_unit.clone() }
    }
}

/// The flow's actor: the signed-in account, its role, area and address.
pub fn actor(me: &Identity, ip: &str) -> Actor {
    Actor::new(&me.user.name, me.user.role, me.scope.clone(), ip)
}

/// The list's filters (query string of the page and the API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// reported, confirmed, handling, recovered, closed
    #[serde(default)]
    pub state: String,
    /// 1–4
    #[serde(default)]
    pub grade: String,
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// `1`: only those overdue.
    #[serde(default)]
    pub overdue: String,
    /// `1`: only those whose review (复盘) is overdue.
    #[serde(default)]
    pub review_overdue: String,
    /// The next page's cursor (`next` of the previous page).
    #[serde(default)]
    pub after: String,
}

impl Filters {
    /// What a cursor is bound to: the account and the filters.
    pub fn context(&self, user_id: i64) -> String {
        crate::seal::cursor_context(user_id, "incidents", &[self.state.trim(), self.grade.trim(), self.region.trim(), self.overdue.trim(), self.review_overdue.trim()])
    }

    /// [`Filters::query`] from the cursor in `after` (refused unless sealed for this account and
    /// these filters).
    pub fn page_query(&self, now: i64, user_id: i64) -> Result<IncidentQuery, AppError> {
        let mut q = self.query(now)?;
        q.before = match self.after.trim() {
            "" => None,
            a => Some(crate::seal::open_cursor(a, &self.context(user_id)).and_then(|id| id.parse::<i64>().ok()).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(q)
    }

    /// The query string of the filters (without a cursor), for links.
    pub fn link(&self) -> String {
        let e = crate::render::urlencode;
        format!("state={}&grade={}&region={}&overdue={}&review_overdue={}", e(self.state.trim()), e(self.grade.trim()), e(self.region.trim()), e(self.overdue.trim()), e(self.review_overdue.trim()))
    }

    pub fn query(&self, now: i64) -> Result<IncidentQuery, AppError> {
        let state = match self.state.as_str() {
            "" => None,
            s => Some(IncidentState::parse(s).ok_or_else(|| AppError::invalid("状态应为待确认、已确认、处置中、已恢复或已结案之一。", "state must be reported, confirmed, handling, recovered or closed."))?),
        };
        let grade = match self.grade.as_str() {
            "" => None,
            g => Some(g.parse::<u8>().ok().filter(|g| (1..=4).contains(g)).ok_or_else(|| AppError::invalid("分级应为 1 至 4（I 至 IV 级）。", "grade must be 1 to 4."))?),
        };
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().ok().filter(|r| (100_000..1_000_000).contains(r)).ok_or_else(|| AppError::invalid("地区应为 6 位行政区划代码。", "region must be a 6-digit division code."))?),
        };
        Ok(IncidentQuery { state, grade, region, overdue_at: (self.overdue == "1").then_some(now), review_overdue_at: (self.review_overdue == "1").then_some(now), limit: 200, open: false, before: None })
    }
}

/// Incidents a page of the list shows; the next page follows a sealed cursor.
pub const PAGE: usize = 200;

/// A page of the list: its rows, the totals by state (of every page), the next page's cursor.
pub struct ListPage {
    pub rows: Vec<View>,
    pub totals: Vec<(IncidentState, u64)>,
    pub next: Option<String>,
}

/// A page of the list (from the cursor in `f.after`, [`PAGE`] rows) and its totals by state, for
/// the caller's scope. A cursor of another account or other filters is refused with the generic
/// answer ([`AppError::bad_cursor`]).
pub async fn read_list(app: &Arc<AppState>, me: &Identity, f: &Filters) -> Result<ListPage, AppError> {
    let now = app.clock.now();
    let mut q = f.page_query(now, me.user.id)?;
    q.limit = PAGE + 1;
    let context = f.context(me.user.id);
    let (who, org) = (actor(me, ""), me.user.org_code);
    app.pool
        .run(move |s| {
            let scope = read_scope(s, &who, org)?;
            let mut rows = s.incidents(&scope, &q)?;
            let counts = s.incident_counts(&scope, &q)?;
            let more = rows.len() > PAGE;
            rows.truncate(PAGE);
            let next = if more { rows.last().map(|i| crate::seal::seal_cursor(&i.id.to_string(), &context)) } else { None };
            Ok(ListPage { rows: rows.iter().map(|i| View::of(i, &who, now)).collect(), totals: counts, next })
        })
        .await
}

/// One incident and its timeline, or 404 (missing and outside the area alike).
pub async fn read_one(app: &Arc<AppState>, me: &Identity, id: i64) -> Result<(View, Vec<StepView>), AppError> {
    let (who, org) = (actor(me, ""), me.user.org_code);
    let now = app.clock.now();
    app.pool
        .run(move |s| {
            let scope = read_scope(s, &who, org)?;
            let i = s.incident(&scope, id)?.ok_or(AppError::NotFound)?;
            let steps = s.incident_steps(&scope, id)?;
            Ok((View::of(&i, &who, now), steps.iter().map(StepView::of).collect()))
        })
        .await
}

/// The area the caller reads incidents in: its scope; an auditor (whose session scope holds no
/// records) reads those of its node of the tree, and writes none.
pub(crate) fn read_scope(s: &mut dyn Backend, who: &Actor, org: i64) -> Result<Scope, AppError> {
    if who.role != Role::Auditor {
        return Ok(who.scope.clone());
    }
    Ok(s.org_unit(org)?.map_or(Scope::Nothing, |u| Scope::of(&u)))
}

/// Whether the role reads incidents (the scope then decides which).
pub fn may_read(me: &Identity) -> bool {
    store::incidents::reads(me.user.role)
}
