//! The console's pages of the education-app register: filings and the block list, a filing
//! with the proposal form, the uses with counts by state, a use with its review steps, and the
//! overdue re-reviews by region. Forms answer every problem at once, values kept.

use super::{block_view, filing_view, labels, read_uses, reads, use_view, BlockBody, BlockView, FilingView, ProposeBody, StateCount, StepBody, UseFilters, UseView};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use standard::apps as sa;
use std::collections::HashMap;
use std::sync::Arc;
use store::apps::{RegionOverdue, UseState};

fn state_label(t: &crate::i18n::T, code: &str) -> &'static str {
    UseState::parse(code).map(|s| t.s(s.zh(), s.en())).unwrap_or("")
}

fn state_class(code: &str) -> &'static str {
    match code {
        "county_approved" => "green",
        "rejected" | "withdrawn" => "grey",
        _ => "amber",
    }
}

fn with_status(r: Result<Response, AppError>, bad: bool) -> Result<Response, AppError> {
    let mut r = r?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

fn message(c: &Ctx, e: &AppError) -> String {
    crate::routes::sites::message(&c.t, e)
}

// ---- filings and blocks ----

#[derive(Deserialize, Default, Clone)]
pub struct FilingsQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Template)]
#[template(path = "apps.html")]
struct FilingsPage {
    c: Ctx,
    f: FilingsQuery,
    rows: Vec<FilingView>,
    blocks: Vec<BlockView>,
    can_write: bool,
    errors: Vec<String>,
    b: BlockBody,
}

impl FilingsPage {
    fn query(&self) -> String {
        use crate::render::urlencode as e;
        format!("q={}&status={}", e(&self.f.q), e(&self.f.status))
    }
    fn platforms(&self, v: &FilingView) -> String {
        labels(&self.c.t, sa::PLATFORMS, &v.platforms)
    }
}

async fn filings_page(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: FilingsQuery, errors: Vec<String>, b: BlockBody) -> Result<Response, AppError> {
    reads(me)?;
    let q = super::api::FilingFilters { q: f.q.clone(), status: f.status.clone(), after: String::new() }.query(200)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let (rows, blocks) = app
        .pool
        .run(move |s| {
            let page = s.filings(&scope, &q)?;
            let mut rows = Vec::new();
            for x in &page.rows {
                let b = s.block_of(&scope, &x.new)?;
                rows.push(filing_view(x, b.as_ref()));
            }
            let mut blocks = s.blocks(&scope, false, 500)?;
            blocks.sort_by_key(|b| !b.active());
            Ok((rows, blocks.iter().map(block_view).collect::<Vec<_>>()))
        })
        .await?;
    let bad = !errors.is_empty();
    with_status(html(FilingsPage { c: Ctx::new(app, headers, Some(me), "/apps", "apps"), f, rows, blocks, can_write: store::apps::role_writes_filings(me.user.role), errors, b }), bad)
}

pub async fn filings(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<FilingsQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    filings_page(&app, &headers, &me, f, Vec::new(), BlockBody::default()).await
}

pub async fn block(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(b): Form<BlockBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes_filings(&me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/apps", "apps");
    let r = match b.parse(app.clock.today()) {
        Ok(new) => super::block(&app, &me, &ip(&headers, &peer), new).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/apps#blocks").into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => filings_page(&app, &headers, &me, FilingsQuery::default(), vec![message(&c, &e)], b).await,
        Err(e) => Err(e),
    }
}

pub async fn unblock(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/apps", "apps");
    match super::unblock(&app, &me, &ip(&headers, &peer), id).await {
        Ok(_) => Ok(Redirect::to("/apps#blocks").into_response()),
        Err(e @ AppError::Conflict { .. }) => filings_page(&app, &headers, &me, FilingsQuery::default(), vec![message(&c, &e)], BlockBody::default()).await,
        Err(e) => Err(e),
    }
}

// ---- a filing, with the proposal form ----

#[derive(Template)]
#[template(path = "apps_filing.html")]
struct FilingPage {
    c: Ctx,
    v: FilingView,
    uses: Vec<UseView>,
    can_propose: bool,
    p: ProposeBody,
    errors: Vec<String>,
}

impl FilingPage {
    fn list(&self, which: &str) -> String {
        match which {
            "platforms" => labels(&self.c.t, sa::PLATFORMS, &self.v.platforms),
            "permissions" => labels(&self.c.t, sa::PERMISSIONS, &self.v.permissions),
            _ => labels(&self.c.t, sa::PERSONAL_DATA, &self.v.personal_data),
        }
    }
    fn st(&self, s: &str) -> &'static str {
        state_label(&self.c.t, s)
    }
    fn st_class(&self, s: &str) -> &'static str {
        state_class(s)
    }
    fn purposes(&self) -> Vec<(&'static str, &'static str)> {
        sa::PURPOSES.iter().map(|p| (p.0, self.c.t.s(p.1, p.2))).collect()
    }
}

async fn filing_page(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, p: ProposeBody, errors: Vec<String>) -> Result<Response, AppError> {
    reads(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let v = app
        .pool
        .run(move |s| {
            let f = s.filing(&scope, id)?.ok_or(AppError::NotFound)?;
            let b = s.block_of(&scope, &f.new)?;
            Ok(filing_view(&f, b.as_ref()))
        })
        .await?;
    let uses = if store::apps::role_reads_uses(me.user.role) { read_uses(app, me, &UseFilters { filing: id.to_string(), ..Default::default() }, 100).await?.1 } else { Vec::new() };
    let bad = !errors.is_empty();
    let can_propose = store::apps::role_writes_uses(me.user.role);
    with_status(html(FilingPage { c: Ctx::new(app, headers, Some(me), "/apps", "apps"), v, uses, can_propose, p, errors }), bad)
}

pub async fn filing(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let school = if me.user.role == store::Role::SchoolAdmin { me.user.org_code.to_string() } else { String::new() };
    filing_page(&app, &headers, &me, id, ProposeBody { school_code: school, filing_id: id.to_string(), ..Default::default() }, Vec::new()).await
}

pub async fn propose(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(b): Form<ProposeBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes_uses(&me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/apps", "apps");
    let filing_id = b.filing_id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    let new = match b.parse() {
        Ok(n) => n,
        Err(p) => {
            let m = p.into_iter().map(|(zh, en)| if c.t.is_en() { en } else { zh }).collect();
            return filing_page(&app, &headers, &me, filing_id, b, m).await;
        }
    };
    match super::propose(&app, &me, &ip(&headers, &peer), new).await {
        Ok(u) => Ok(Redirect::to(&format!("/apps/uses/{}", u.id)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => filing_page(&app, &headers, &me, filing_id, b, vec![message(&c, &e)]).await,
        Err(e) => Err(e),
    }
}

// ---- uses ----

#[derive(Template)]
#[template(path = "apps_uses.html")]
struct UsesPage {
    c: Ctx,
    f: UseFilters,
    counts: Vec<StateCount>,
    total: u64,
    rows: Vec<UseView>,
    regions: Vec<(u32, String)>,
    next: Option<String>,
}

impl UsesPage {
    fn st(&self, s: &str) -> &'static str {
        state_label(&self.c.t, s)
    }
    fn st_class(&self, s: &str) -> &'static str {
        state_class(s)
    }
    fn purpose(&self, p: &str) -> String {
        sa::label(sa::PURPOSES, p, if self.c.t.is_en() { standard::Lang::En } else { standard::Lang::Zh })
    }
}

pub async fn uses(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<UseFilters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (counts, rows, next) = read_uses(&app, &me, &f, 50).await?;
    let area = crate::routes::read_scope(&app, &me).await?;
    let total = counts.iter().map(|c| c.count).sum();
    html(UsesPage {
        c: Ctx::new(&app, &headers, Some(&me), "/apps/uses", "apps"),
        counts,
        total,
        rows,
        regions: crate::labels::region_options(&area, app.config.province.code),
        next: next.map(|n| f.with(&f.state, &n)),
        f,
    })
}

#[derive(Template)]
#[template(path = "apps_use.html")]
struct UsePage {
    c: Ctx,
    v: UseView,
    actions: Vec<(&'static str, &'static str)>,
    errors: Vec<String>,
    reason: String,
}

impl UsePage {
    fn st(&self, s: &str) -> &'static str {
        state_label(&self.c.t, s)
    }
    fn st_class(&self, s: &str) -> &'static str {
        state_class(s)
    }
    fn purpose(&self, p: &str) -> String {
        sa::label(sa::PURPOSES, p, if self.c.t.is_en() { standard::Lang::En } else { standard::Lang::Zh })
    }
}

async fn use_page(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, errors: Vec<String>, reason: String) -> Result<Response, AppError> {
    super::reads_uses(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let today = app.clock.today();
    let a = super::actor(me, "");
    let (v, acts) = app
        .pool
        .run(move |s| {
            let u = s.app_use(&scope, id)?.ok_or(AppError::NotFound)?;
            let acts = if store::apps::role_writes_uses(a.role) { secman::apps::actions_for(&a, &u) } else { Vec::new() };
            Ok((use_view(s, &u, today, &mut HashMap::new())?, acts))
        })
        .await?;
    let c = Ctx::new(app, headers, Some(me), "/apps/uses", "apps");
    let actions = acts.into_iter().filter_map(|a| secman::apps::ACTIONS.iter().find(|x| x.0 == a).map(|x| (x.0, c.t.s(x.1, x.2)))).collect();
    let bad = !errors.is_empty();
    with_status(html(UsePage { c, v, actions, errors, reason }), bad)
}

pub async fn app_use(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    use_page(&app, &headers, &me, id, Vec::new(), String::new()).await
}

pub async fn step(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(b): Form<StepBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/apps/uses", "apps");
    let reason = b.reason.clone();
    match super::step(&app, &me, &ip(&headers, &peer), id, b).await {
        Ok(_) => Ok(Redirect::to(&format!("/apps/uses/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => use_page(&app, &headers, &me, id, vec![message(&c, &e)], reason).await,
        Err(e) => Err(e),
    }
}

// ---- overdue re-reviews ----

/// The overdue re-reviews of the caller's area (or a region inside it): by region, and the
/// longest overdue first (200 at most).
pub async fn read_overdue(app: &Arc<AppState>, me: &Identity, region: &str) -> Result<(Vec<RegionOverdue>, Vec<UseView>), AppError> {
    super::reads_uses(me)?;
    let region = match region.trim() {
        "" => None,
        r => Some(r.parse::<u32>().ok().filter(|_| r.len() == 6).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字，请从下拉列表选择。", "The region must be a 6-digit code: pick one from the list."))?),
    };
    let scope = crate::routes::read_scope(app, me).await?;
    let today = app.clock.today();
    app.pool
        .run(move |s| {
            let regions = s.overdue_by_region(&scope, today)?;
            let list = s.overdue_uses(&scope, region, today, 200)?;
            let mut names = HashMap::new();
            let rows = list.iter().map(|u| use_view(s, u, today, &mut names)).collect::<Result<Vec<_>, _>>()?;
            Ok((regions, rows))
        })
        .await
}

#[derive(Template)]
#[template(path = "apps_overdue.html")]
struct OverduePage {
    c: Ctx,
    region: String,
    regions: Vec<(u32, String, u64)>,
    rows: Vec<UseView>,
}

impl OverduePage {
    /// The export's filter: the region shown.
    fn export_q(&self) -> String {
        format!("region={}", crate::render::urlencode(self.region.trim()))
    }
}

pub async fn overdue(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<super::api::RegionFilter>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (regions, rows) = read_overdue(&app, &me, &f.region).await?;
    let regions = regions.into_iter().map(|r| (r.code, standard::codes::DIVISIONS.get(r.code).map(|d| d.name.clone()).unwrap_or_else(|| r.code.to_string()), r.overdue)).collect();
    html(OverduePage { c: Ctx::new(&app, &headers, Some(&me), "/apps/uses", "apps"), region: f.region, regions, rows })
}
