//! 软件正版化台账 pages: the entries of the caller's area with their flags and totals, the
//! entry form, and the six-monthly checks (units overdue by region, a unit's checks, the form).

use super::{check_view, messages, reads, region_filter, region_name, software_view, unit_check_view, write, writes, CheckBody, CheckView, SoftwareBody, SoftwareView, UnitCheckView, Write, Written};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::seal;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::ledger::{checks_by_level, checks_total, Flag, SoftwareQuery, SoftwareTotals};

const PAGE: usize = 50;

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// A unit code (school or bureau).
    #[serde(default)]
    pub unit: String,
    /// over_installed or expiring.
    #[serde(default)]
    pub flag: String,
    /// The cursor of the previous page.
    #[serde(default)]
    pub after: String,
}

impl Filters {
    pub fn query(&self, user: i64, today: standard::Date, limit: usize) -> Result<SoftwareQuery, AppError> {
        let region = region_filter(&self.region)?;
        let unit = match self.unit.trim() {
            "" => None,
            u => Some(u.parse::<i64>().ok().ok_or_else(|| AppError::invalid("单位代码应为数字。", "The unit must be a code."))?),
        };
        let flag = match self.flag.trim() {
            "" => None,
            x => Some(Flag::parse(x).ok_or_else(|| AppError::invalid(format!("未知标记“{x}”，应为 over_installed（超装）或 expiring（授权即将到期）。"), format!("Unknown flag “{x}”: over_installed or expiring.")))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, &self.context(user)).and_then(|v| v.parse::<i64>().ok()).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(SoftwareQuery { region, unit, flag, today, after, limit })
    }

    pub fn context(&self, user: i64) -> String {
        seal::cursor_context(user, "software", &[self.region.trim(), self.unit.trim(), self.flag.trim()])
    }

    pub fn with(&self, flag: &str, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("region={}&unit={}&flag={}&after={}", e(&self.region), e(&self.unit), e(flag), e(after))
    }

    pub fn with_after(&self, after: &str) -> String {
        self.with(&self.flag, after)
    }
}

/// A page of entries and the totals of the filters.
pub async fn read(app: &Arc<AppState>, me: &Identity, t: crate::i18n::T, f: &Filters) -> Result<(SoftwareTotals, Vec<SoftwareView>, Option<String>), AppError> {
    reads(me)?;
    let today = app.clock.today();
    let q = f.query(me.user.id, today, PAGE)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let (totals, rows, next) = app
        .pool
        .run(move |s| {
            let totals = s.software_totals(&scope, &q)?;
            let page = s.software_list(&scope, &q)?;
            let mut names = HashMap::new();
            let rows = page.rows.iter().map(|x| software_view(&t, s, x, today, &mut names)).collect::<Result<Vec<_>, _>>()?;
            Ok((totals, rows, page.next))
        })
        .await?;
    Ok((totals, rows, next.map(|n| seal::seal_cursor(&n, &f.context(me.user.id)))))
}

#[derive(Template)]
#[template(path = "software.html")]
struct ListPage {
    c: Ctx,
    f: Filters,
    totals: SoftwareTotals,
    rows: Vec<SoftwareView>,
    regions: Vec<(u32, String)>,
    next: Option<String>,
    can_write: bool,
}

pub async fn list(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/software", "software");
    let (totals, rows, next) = read(&app, &me, c.t, &f).await?;
    let area = crate::routes::read_scope(&app, &me).await?;
    html(ListPage {
        c,
        totals,
        rows,
        regions: crate::labels::region_options(&area, app.config.province.code),
        next: next.map(|n| f.with_after(&n)),
        can_write: store::ledger::role_writes(me.user.role),
        f,
    })
}

#[derive(Template)]
#[template(path = "software_form.html")]
struct FormPage {
    c: Ctx,
    id: Option<i64>,
    f: SoftwareBody,
    errors: Vec<String>,
}

impl FormPage {
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        store::ledger::SoftwareKind::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
    fn licences(&self) -> Vec<(&'static str, &'static str)> {
        store::ledger::LicenceKind::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
}

fn form_page(app: &AppState, headers: &HeaderMap, me: &Identity, id: Option<i64>, f: SoftwareBody, errors: Vec<String>) -> Result<Response, AppError> {
    let bad = !errors.is_empty();
    let mut r = html(FormPage { c: Ctx::new(app, headers, Some(me), "/software", "software"), id, f, errors })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let f = SoftwareBody { unit_code: me.user.org_code.to_string(), kind: "office".into(), licence_kind: "procured".into(), ..Default::default() };
    form_page(&app, &headers, &me, None, f, Vec::new())
}

pub async fn edit_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let scope = me.scope.clone();
    let x = app.pool.run(move |s| s.software(&scope, id)?.ok_or(AppError::NotFound)).await?;
    form_page(&app, &headers, &me, Some(id), SoftwareBody::of(&x), Vec::new())
}

async fn save(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, id: Option<i64>, f: SoftwareBody) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/software", "software").t;
    let new = match secman::ledger::parse_software(&f.input()) {
        Ok(n) => n,
        Err(p) => return form_page(&app, &headers, &me, id, f, messages(&t, &p)),
    };
    let w = match id {
        None => Write::CreateSoftware(new),
        Some(id) => Write::UpdateSoftware(id, new),
    };
    match write(&app, &me, &ip(&headers, &peer), w).await {
        Ok(_) => Ok(Redirect::to("/software").into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let m = crate::routes::sites::message(&t, &e);
            form_page(&app, &headers, &me, id, f, vec![m])
        }
        Err(e) => Err(e),
    }
}

pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<SoftwareBody>) -> Result<Response, AppError> {
    save(app, headers, peer, me, None, f).await
}

pub async fn edit(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<SoftwareBody>) -> Result<Response, AppError> {
    save(app, headers, peer, me, Some(id), f).await
}

/// A region's units on the ledger and those overdue for their check, as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = LedgerCheckRegion)]
pub struct RegionRow {
    pub code: i64,
    pub name: String,
    pub units: u64,
    /// Overdue, never checked included.
    pub overdue: u64,
    pub never_checked: u64,
}

/// The regions of the caller's area (the province by city) and their total.
pub async fn regions(app: &Arc<AppState>, me: &Identity) -> Result<(Vec<RegionRow>, RegionRow), AppError> {
    reads(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let level = super::level_of(&scope);
    let today = app.clock.today();
    let rows = app.pool.run(move |s| Ok(s.check_regions(&scope, today)?)).await?;
    let grouped = checks_by_level(&rows, level);
    let row = |r: &store::ledger::RegionChecks, name: String| RegionRow { code: r.code, name, units: r.units, overdue: r.overdue, never_checked: r.never_checked };
    let t = checks_total(&grouped);
    Ok((grouped.iter().map(|r| row(r, region_name(r.code))).collect(), row(&t, String::new())))
}

/// The units of the area (or of a region in it) with their next check, the overdue ones when
/// `overdue` (at most 500, the longest overdue first).
pub async fn units(app: &Arc<AppState>, me: &Identity, region: &str, overdue: bool) -> Result<Vec<UnitCheckView>, AppError> {
    reads(me)?;
    let region = region_filter(region)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let today = app.clock.today();
    app.pool
        .run(move |s| {
            let rows = s.unit_checks(&scope, region, overdue.then_some(today), store::browse::MAX_PAGE)?;
            let mut names = HashMap::new();
            rows.iter().map(|u| unit_check_view(s, u, today, &mut names)).collect()
        })
        .await
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChecksQuery {
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// A unit whose checks to list.
    #[serde(default)]
    pub unit: String,
    /// "1": the overdue units only.
    #[serde(default)]
    pub overdue: String,
}

#[derive(Template)]
#[template(path = "software_checks.html")]
struct ChecksPage {
    c: Ctx,
    regions: Vec<RegionRow>,
    sum: RegionRow,
    units: Vec<UnitCheckView>,
    checks: Vec<CheckView>,
    q: ChecksQuery,
    f: CheckBody,
    errors: Vec<String>,
    can_write: bool,
}

impl ChecksPage {
    /// The export's filters: the page's region and overdue switch.
    fn export_q(&self) -> String {
        use crate::render::urlencode as e;
        format!("region={}&overdue={}", e(self.q.region.trim()), e(self.q.overdue.trim()))
    }
}

async fn checks_page(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, q: ChecksQuery, f: CheckBody, errors: Vec<String>) -> Result<Response, AppError> {
    reads(me)?;
    let c = Ctx::new(app, headers, Some(me), "/software", "software");
    let (regions, sum) = regions(app, me).await?;
    let units = units(app, me, &q.region, q.overdue.trim() == "1").await?;
    let checks = match q.unit.trim().parse::<i64>() {
        Ok(u) => {
            let scope = crate::routes::read_scope(app, me).await?;
            let t = c.t;
            app.pool.run(move |s| Ok(s.checks(&scope, u)?.iter().map(|x| check_view(&t, x)).collect::<Vec<_>>())).await?
        }
        Err(_) => Vec::new(),
    };
    let bad = !errors.is_empty();
    let mut r = html(ChecksPage { can_write: store::ledger::role_writes(me.user.role), c, regions, sum, units, checks, q, f, errors })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn checks(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(q): Query<ChecksQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let unit = if q.unit.trim().is_empty() { me.user.org_code.to_string() } else { q.unit.trim().to_string() };
    let f = CheckBody { unit_code: unit, checked_on: app.clock.today().to_string(), result: "compliant".into(), ..Default::default() };
    checks_page(&app, &headers, &me, q, f, Vec::new()).await
}

pub async fn record_check(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<CheckBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/software", "software").t;
    let q = ChecksQuery { unit: f.unit_code.trim().to_string(), ..Default::default() };
    let c = match secman::ledger::parse_check(&f.input(), app.clock.today()) {
        Ok(c) => c,
        Err(p) => return checks_page(&app, &headers, &me, q, f, messages(&t, &p)).await,
    };
    match write(&app, &me, &ip(&headers, &peer), Write::Check(c)).await? {
        Written::Check(x) => Ok(Redirect::to(&format!("/software/checks?unit={}", x.new.unit_code)).into_response()),
        _ => Err(AppError::NotFound),
    }
}
