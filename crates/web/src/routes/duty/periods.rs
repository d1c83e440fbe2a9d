//! `/duty/periods`: the important periods of the reader's area and the form for a new one;
//! `/duty/periods/{id}`: a day's 零报告 status by region (drill down by region), the units that
//! have not reported, the 24-hour roster gaps, the report form and the reminders.

use super::{reads, writes, written};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use standard::Date;
use std::sync::Arc;
use store::duty::{by_level, total, Period, RegionStatus, Report, Reporters, Unit};
use store::OrgLevel;

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = DutyPeriodInput)]
pub struct PeriodForm {
    /// The division covered: the province, a city or a county (6 digits).
    #[serde(default)]
    pub area_code: String,
    #[serde(default)]
    pub name: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    /// "1", "on" or "true": 24-hour duty required.
    #[serde(default)]
    pub full_day: String,
    /// bureaus, or bureaus_and_schools.
    #[serde(default)]
    pub reporters: String,
    /// HH:MM China time (default 16:00).
    #[serde(default)]
    pub cutoff: String,
}

impl PeriodForm {
    pub fn input(&self) -> secman::duty::PeriodInput {
        secman::duty::PeriodInput {
            area_code: self.area_code.clone(),
            name: self.name.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            full_day: matches!(self.full_day.trim(), "1" | "on" | "true"),
            reporters: self.reporters.clone(),
            cutoff: self.cutoff.clone(),
        }
    }
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = DutyReportInput)]
pub struct ReportForm {
    /// The reporting unit (a school code or a bureau's division code).
    #[serde(default)]
    pub unit_code: String,
    /// YYYY-MM-DD; empty for today.
    #[serde(default)]
    pub day: String,
    /// clear (无异常) or events (有情况).
    #[serde(default)]
    pub state: String,
    /// 情况说明 (required with events).
    #[serde(default)]
    pub body: String,
    /// An incident's number, if any.
    #[serde(default)]
    pub incident_id: String,
}

impl ReportForm {
    pub fn input(&self) -> secman::duty::ReportInput {
        secman::duty::ReportInput { unit_code: self.unit_code.clone(), day: self.day.clone(), state: self.state.clone(), body: self.body.clone(), incident_id: self.incident_id.clone() }
    }
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
pub struct DayFilter {
    /// YYYY-MM-DD (default: today, China time).
    #[serde(default)]
    pub day: String,
    /// A division inside the caller's area to drill into.
    #[serde(default)]
    pub region: String,
}

pub struct PeriodRow {
    pub p: Period,
    pub area: String,
    pub active: bool,
    pub cutoff: String,
}

#[derive(Template)]
#[template(path = "duty_periods.html")]
struct ListPage {
    c: Ctx,
    rows: Vec<PeriodRow>,
    can_set: bool,
    f: PeriodForm,
    errors: Vec<String>,
}

pub struct RegionRow {
    pub r: RegionStatus,
    pub name: String,
    pub drill: bool,
}

pub struct GapRow {
    pub unit: Unit,
    pub hours: i64,
    pub first: String,
}

#[derive(Template)]
#[template(path = "duty_period.html")]
struct PeriodPage {
    c: Ctx,
    p: Period,
    area: String,
    cutoff: String,
    day: String,
    region: String,
    regions: Vec<RegionRow>,
    sum: RegionStatus,
    missing: Vec<Unit>,
    gaps: Vec<GapRow>,
    reports: Vec<Report>,
    can_write: bool,
    can_remind: bool,
    f: ReportForm,
    errors: Vec<String>,
    notice: Option<String>,
}

pub fn reporters_label(c: &Ctx, r: Reporters) -> &'static str {
    c.t.s(r.zh(), r.en())
}

async fn render_list(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: PeriodForm, errors: Vec<String>) -> Result<Response, AppError> {
    reads(me)?;
    let c = Ctx::new(app, headers, Some(me), "/duty/periods", "duty");
    let scope = crate::routes::read_scope(app, me).await?;
    let today = app.clock.today();
    let rows = app
        .pool
        .run(move |s| {
            let mut out = Vec::new();
            for p in s.periods(&scope, 200)? {
                let area = s.unit_name(i64::from(p.new.area_code))?.unwrap_or_else(|| p.new.area_code.to_string());
                out.push(PeriodRow { active: p.holds(today), area, cutoff: secman::duty::cutoff_text(p.new.cutoff_minutes), p });
            }
            Ok(out)
        })
        .await?;
    let bad = !errors.is_empty();
    let mut r = html(ListPage { rows, can_set: store::duty::role_sets_periods(me.user.role), f, errors, c })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn list(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    let today = app.clock.today().to_string();
    let area = match &me.scope {
        store::Scope::Region { lo, .. } => lo.to_string(),
        _ => String::new(),
    };
    render_list(&app, &headers, &me, PeriodForm { area_code: area, starts_on: today.clone(), ends_on: today, reporters: "bureaus".into(), cutoff: "16:00".into(), full_day: "1".into(), ..Default::default() }, Vec::new()).await
}

/// Creates a period for `me` (judged against the area in the store), audited.
pub async fn create_period(app: &Arc<AppState>, me: &Identity, addr: &str, f: &PeriodForm) -> Result<Result<Period, Vec<secman::duty::Problem>>, AppError> {
    writes(me)?;
    require(store::duty::role_sets_periods(me.user.role))?;
    let new = match secman::duty::parse_period(&f.input()) {
        Ok(n) => n,
        Err(p) => return Ok(Err(p)),
    };
    let (scope, by, now) = (me.scope.clone(), me.user.name.clone(), app.clock.now());
    let p = app
        .pool
        .run(move |s| {
            s.create_period(&scope, &new, &by, now).map_err(|e| match e {
                store::StoreError::OutOfScope => AppError::invalid(format!("保障范围 {} 不在您的管辖范围内。", new.area_code), format!("The area {} is outside yours.", new.area_code)),
                e => AppError::from(e),
            })
        })
        .await?;
    app.audit_by(me, "duty_period_create", &format!("duty_period:{}", p.id), serde_json::json!({ "area": p.new.area_code, "starts_on": p.new.starts_on.to_string(), "ends_on": p.new.ends_on.to_string(), "reporters": p.new.reporters.code() }).to_string(), addr).await?;
    Ok(Ok(p))
}

pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<PeriodForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/duty/periods", "duty");
    match create_period(&app, &me, &ip(&headers, &peer), &f).await {
        Ok(Ok(p)) => Ok(Redirect::to(&format!("/duty/periods/{}", p.id)).into_response()),
        Ok(Err(p)) => {
            let m = p.iter().map(|p| if c.t.is_en() { p.en.clone() } else { p.zh.clone() }).collect();
            render_list(&app, &headers, &me, f, m).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let m = vec![crate::routes::sites::message(&c.t, &e)];
            render_list(&app, &headers, &me, f, m).await
        }
        Err(e) => Err(e),
    }
}

/// The level a reader's region rows are added up to.
fn level_of(scope: &store::Scope, region: Option<u32>) -> OrgLevel {
    let code = match (region, scope) {
        (Some(r), _) => r,
        (None, store::Scope::Region { lo, hi }) if hi - lo > 9_000 => return OrgLevel::Province,
        (None, store::Scope::Region { lo, .. }) => *lo,
        _ => return OrgLevel::County,
    };
    if code % 10_000 == 0 {
        OrgLevel::Province
    } else if code % 100 == 0 {
        OrgLevel::City
    } else {
        OrgLevel::County
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, q: DayFilter, f: Option<ReportForm>, errors: Vec<String>, notice: Option<String>) -> Result<Response, AppError> {
    reads(me)?;
    let c = Ctx::new(app, headers, Some(me), "/duty/periods", "duty");
    let today = app.clock.today();
    let day = Date::parse_lenient(q.day.trim()).map(|(d, _)| d).unwrap_or(today);
    let region = q.region.trim().parse::<u32>().ok();
    let scope = crate::routes::read_scope(app, me).await?;
    let level = level_of(&scope, region);
    let clock = app.clock.clone();
    let (p, area, st, gaps, reports) = app
        .pool
        .run(move |s| {
            let p = s.period(&scope, id)?.ok_or(AppError::NotFound)?;
            let area = s.unit_name(i64::from(p.new.area_code))?.unwrap_or_default();
            let st = s.day_status(&scope, id, day, region)?;
            let gaps = secman::duty::uncovered_units(s, clock.as_ref(), &scope, &p, region)?;
            let reports = s.reports(&scope, id, Some(day), 200)?;
            Ok((p, area, st, gaps, reports))
        })
        .await?;
    let rows = by_level(&st.regions, level);
    let codes: Vec<u32> = rows.iter().map(|r| r.code).collect();
    let names = app
        .pool
        .run(move |s| {
            let mut v = Vec::new();
            for c in codes {
                v.push(s.unit_name(i64::from(c))?.unwrap_or_else(|| c.to_string()));
            }
            Ok(v)
        })
        .await?;
    let regions = rows.iter().zip(names).map(|(r, name)| RegionRow { r: *r, name, drill: level == OrgLevel::Province || (level == OrgLevel::City && r.code % 100 != 0) }).collect();
    let sum = total(&st.regions);
    let unit = me.user.org_code.to_string();
    let page = PeriodPage {
        area,
        cutoff: secman::duty::cutoff_text(p.new.cutoff_minutes),
        day: day.to_string(),
        region: region.map(|r| r.to_string()).unwrap_or_default(),
        regions,
        sum,
        missing: st.missing,
        gaps: gaps.into_iter().map(|g| GapRow { hours: (g.seconds + 3599) / 3600, first: super::when(g.first_gap.0), unit: g.unit }).collect(),
        reports,
        can_write: store::duty::role_writes(me.user.role),
        can_remind: store::duty::role_sets_periods(me.user.role),
        f: f.unwrap_or(ReportForm { unit_code: unit, state: "clear".into(), day: today.to_string(), ..Default::default() }),
        errors,
        notice,
        p,
        c,
    };
    let bad = !page.errors.is_empty();
    let mut r = html(page)?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, Query(q): Query<DayFilter>) -> Result<Response, AppError> {
    let me = ready(me)?;
    render(&app, &headers, &me, id, q, None, Vec::new(), None).await
}

/// Files a report for `me`: checked (every problem at once), judged late by the clock, against
/// the area in the store, audited.
pub async fn file(app: &Arc<AppState>, me: &Identity, addr: &str, id: i64, f: &ReportForm) -> Result<Result<Report, Vec<secman::duty::Problem>>, AppError> {
    writes(me)?;
    let scope = me.scope.clone();
    let p = app.pool.run(move |s| s.period(&scope, id)?.ok_or(AppError::NotFound)).await?;
    let new = match secman::duty::parse_report(&f.input(), &p, app.clock.today()) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let (scope, by, clock) = (me.scope.clone(), me.user.name.clone(), app.clock.clone());
    let r = app.pool.run(move |s| written(secman::duty::file_report(s, clock.as_ref(), &scope, &p, &new, &by))).await?;
    app.audit_by(me, "duty_report", &format!("duty_period:{id}"), serde_json::json!({ "unit": r.new.unit_code, "day": r.new.day.to_string(), "all_clear": r.new.all_clear, "late": r.late, "incident": r.new.incident_id }).to_string(), addr).await?;
    Ok(Ok(r))
}

pub async fn report(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<ReportForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/duty/periods", "duty");
    let q = DayFilter { day: f.day.clone(), region: String::new() };
    match file(&app, &me, &ip(&headers, &peer), id, &f).await {
        Ok(Ok(r)) => Ok(Redirect::to(&format!("/duty/periods/{id}?day={}", r.new.day)).into_response()),
        Ok(Err(p)) => {
            let m = p.iter().map(|p| if c.t.is_en() { p.en.clone() } else { p.zh.clone() }).collect();
            render(&app, &headers, &me, id, q, Some(f), m, None).await
        }
        Err(AppError::NotFound) => {
            // The period exists for the reader (or render answers 404): the unit is outside.
            let m = vec![c.t.s("该单位不在您的管辖范围内，或不是本保障期的报送单位。", "The unit is outside your area or does not report in this period.").to_string()];
            render(&app, &headers, &me, id, q, Some(f), m, None).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let m = vec![crate::routes::sites::message(&c.t, &e)];
            render(&app, &headers, &me, id, q, Some(f), m, None).await
        }
        Err(e) => Err(e),
    }
}

/// Sends the reminders due now for the caller's part of the period (after the cut-off, once per
/// unit per day); the count of units reminded and of messages sent.
pub async fn remind_now(app: &Arc<AppState>, me: &Identity, addr: &str, id: i64) -> Result<(usize, usize, usize), AppError> {
    require(store::duty::role_sets_periods(me.user.role))?;
    let (scope, clock) = (me.scope.clone(), app.clock.clone());
    let (msgs, units) = app
        .pool
        .run(move |s| {
            let p = s.period(&scope, id)?.ok_or(AppError::NotFound)?;
            Ok(secman::duty::due_reminders(s, clock.as_ref(), &scope, &p)?)
        })
        .await?;
    // A message not delivered gives its units' claims back: the next run (the timer's, or this
    // button again) sends it.
    let (sent, failed) = if msgs.is_empty() {
        (0, 0)
    } else {
        let hooks = app.pool.run(move |s| Ok(s.webhooks(&store::Scope::all())?)).await?;
        let out = crate::remind::Outbox::of_targets(&app.targets, app.clock.clone()).map_err(AppError::Unavailable)?;
        let (sent, kept) = out.send_duty_keeping(&hooks, msgs).await;
        let failed = kept.len();
        let codes: Vec<i64> = kept.into_iter().flat_map(|m| m.units).collect();
        if !codes.is_empty() {
            let day = store::duty::day_of(app.clock.now());
            app.pool.run(move |s| Ok(s.release_reminders(id, day, &codes)?)).await?;
        }
        (sent, failed)
    };
    app.audit_by(me, "duty_remind", &format!("duty_period:{id}"), serde_json::json!({ "units": units, "sent": sent, "failed": failed }).to_string(), addr).await?;
    Ok((units, sent, failed))
}

pub async fn remind(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (units, sent, failed) = remind_now(&app, &me, &ip(&headers, &peer), id).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/duty/periods", "duty");
    let notice = if c.t.is_en() {
        format!("{units} units reminded; {sent} messages sent, {failed} failed (reminders go after the cut-off, once per unit per day).")
    } else {
        format!("已提醒 {units} 个单位：发送 {sent} 条，失败 {failed} 条（截止时间后才提醒，每单位每天一次）。")
    };
    render(&app, &headers, &me, id, DayFilter::default(), None, Vec::new(), Some(notice)).await
}
