//! The JSON API of duty and important periods under `/api/v1/duty`: contacts (mobile numbers
//! masked), who is on duty for a unit now, the periods, a day's reporting status by region with
//! the missing units, and filing a report. The same roles, checks, scope and audit as the pages.

use super::periods::{self, DayFilter, PeriodForm, ReportForm};
use super::{reads, shift_view, ShiftView};
use crate::error::AppError;
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use store::duty::{Period, RegionStatus};

const TAG: &str = "值班与重要时期保障";

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(contacts))
        .routes(routes!(edit_contact))
        .routes(routes!(on_duty))
        .routes(routes!(list_periods, create_period))
        .routes(routes!(status))
        .routes(routes!(file_report))
        .routes(routes!(remind))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyContact)]
pub struct ContactOut {
    pub id: i64,
    pub unit_code: i64,
    pub name: String,
    pub post: String,
    pub office_phone: String,
    /// Masked (138****1234); the full number only on the console's audited action.
    pub mobile: String,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct UnitQuery {
    /// One unit of the caller's area (default: all of it, 500 at most).
    #[serde(default)]
    pub unit: Option<i64>,
}

/// 值班联系人 — the duty contacts of the caller's area (or one unit), mobile numbers masked.
#[utoipa::path(get, path = "/duty/contacts", tag = TAG, params(UnitQuery), responses((status = 200, description = "联系人 / Contacts", body = Vec<ContactOut>), crate::apidoc::Errors))]
async fn contacts(State(app): State<Arc<AppState>>, me: Me, Query(q): Query<UnitQuery>) -> Result<Json<Vec<ContactOut>>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let rows = app.pool.run(move |s| Ok(s.contacts(&scope, q.unit, 500)?)).await?;
    Ok(Json(rows.into_iter().map(contact_out).collect()))
}

fn contact_out(c: store::duty::Contact) -> ContactOut {
    ContactOut { id: c.id, unit_code: c.new.unit_code, name: c.new.name, post: c.new.post, office_phone: c.new.office_phone, mobile: store::mask::phone(&c.new.mobile) }
}

/// 修改联系人 — a duty contact of the caller's area (its unit stays): name, post, office phone
/// and, when given, a new mobile number (absent or the masked number as read: kept; empty:
/// removed). Checked whole; audited; the answer masks the mobile.
#[utoipa::path(put, path = "/duty/contacts/{id}", tag = TAG, params(("id" = i64, Path, description = "联系人编号 / Contact number")), request_body = super::pages::ContactEdit, responses((status = 200, description = "已修改 / Changed", body = ContactOut), crate::apidoc::WriteErrors))]
async fn edit_contact(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<super::pages::ContactEdit>) -> Result<Json<ContactOut>, AppError> {
    let me = ready(me)?;
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    match super::pages::update_contact(&app, &me, &t, &ip(&headers, &peer), id, &b).await? {
        Ok(x) => Ok(Json(contact_out(x))),
        Err((_, p)) => Err(p.error()),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyOnDuty)]
pub struct OnDutyOut {
    /// The unit whose roster covers now (the unit itself, or a bureau above it), or null.
    pub covered_by: Option<i64>,
    pub shift: Option<ShiftView>,
}

/// 当前值班 — who is on duty for a unit of the caller's area now (its own roster, else the
/// nearest bureau's above it).
#[utoipa::path(get, path = "/duty/on-duty/{unit}", tag = TAG, params(("unit" = i64, Path, description = "单位代码 / Unit code")), responses((status = 200, description = "值班 / On duty", body = OnDutyOut), crate::apidoc::Errors))]
async fn on_duty(State(app): State<Arc<AppState>>, me: Me, Path(unit): Path<i64>) -> Result<Json<OnDutyOut>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let (scope, now) = (crate::routes::read_scope(&app, &me).await?, app.clock.now());
    let got = app
        .pool
        .run(move |s| {
            let u = s.org_unit(unit)?.ok_or(AppError::NotFound)?;
            if !scope.covers_unit(&u) {
                return Err(AppError::NotFound);
            }
            Ok(secman::duty::on_duty(s, &store::Scope::all(), unit, now)?)
        })
        .await?;
    Ok(Json(OnDutyOut { covered_by: got.as_ref().map(|o| o.unit_code), shift: got.map(|o| shift_view(&o.shift)) }))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyPeriod)]
pub struct PeriodOut {
    pub id: i64,
    pub area_code: u32,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    /// 24-hour duty required.
    pub full_day: bool,
    /// bureaus, or bureaus_and_schools.
    pub reporters: String,
    /// HH:MM China time.
    pub cutoff: String,
}

fn period_out(p: &Period) -> PeriodOut {
    PeriodOut { id: p.id, area_code: p.new.area_code, name: p.new.name.clone(), starts_on: p.new.starts_on.to_string(), ends_on: p.new.ends_on.to_string(), full_day: p.new.full_day, reporters: p.new.reporters.code().into(), cutoff: secman::duty::cutoff_text(p.new.cutoff_minutes) }
}

/// 重要时期 — the important periods meeting the caller's area, newest first.
#[utoipa::path(get, path = "/duty/periods", tag = TAG, responses((status = 200, description = "保障期 / Periods", body = Vec<PeriodOut>), crate::apidoc::Errors))]
async fn list_periods(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Vec<PeriodOut>>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let rows = app.pool.run(move |s| Ok(s.periods(&scope, 200)?)).await?;
    Ok(Json(rows.iter().map(period_out).collect()))
}

fn invalid(p: &[secman::duty::Problem]) -> AppError {
    let zh: Vec<&str> = p.iter().map(|p| p.zh.as_str()).collect();
    let en: Vec<&str> = p.iter().map(|p| p.en.as_str()).collect();
    AppError::invalid(zh.join(""), en.join(" "))
}

/// 设置重要时期 — a period over the caller's area or a division inside it.
#[utoipa::path(post, path = "/duty/periods", tag = TAG, request_body = PeriodForm, responses((status = 201, description = "已设置 / Set", body = PeriodOut), crate::apidoc::WriteErrors))]
async fn create_period(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<PeriodForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let p = periods::create_period(&app, &me, &ip(&headers, &peer), &b).await?.map_err(|p| invalid(&p))?;
    Ok((StatusCode::CREATED, Json(period_out(&p))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyRegionStatus)]
pub struct RegionOut {
    pub code: u32,
    pub expected: u64,
    pub reported: u64,
    pub late: u64,
    pub with_events: u64,
    pub missing: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyMissingUnit)]
pub struct MissingOut {
    pub code: i64,
    pub name: String,
    pub region_code: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyDayStatus)]
pub struct StatusOut {
    pub day: String,
    /// By the region units count under (a school's county, a bureau's own code).
    pub regions: Vec<RegionOut>,
    /// The units that have not reported that day.
    pub missing: Vec<MissingOut>,
}

fn region_out(r: &RegionStatus) -> RegionOut {
    RegionOut { code: r.code, expected: r.expected, reported: r.reported, late: r.late, with_events: r.with_events, missing: r.missing }
}

/// 零报告情况 — a day's reporting status of a period in the caller's area, by region, with the
/// units that have not reported.
#[utoipa::path(get, path = "/duty/periods/{id}/status", tag = TAG, params(("id" = i64, Path, description = "保障期编号 / Period number"), DayFilter), responses((status = 200, description = "报送情况 / Status", body = StatusOut), crate::apidoc::Errors))]
async fn status(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>, Query(q): Query<DayFilter>) -> Result<Json<StatusOut>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let day = standard::Date::parse_lenient(q.day.trim()).map(|(d, _)| d).unwrap_or(app.clock.today());
    let region = q.region.trim().parse::<u32>().ok();
    let scope = crate::routes::read_scope(&app, &me).await?;
    let st = app
        .pool
        .run(move |s| {
            s.period(&scope, id)?.ok_or(AppError::NotFound)?;
            Ok(s.day_status(&scope, id, day, region)?)
        })
        .await?;
    Ok(Json(StatusOut { day: day.to_string(), regions: st.regions.iter().map(region_out).collect(), missing: st.missing.into_iter().map(|u| MissingOut { code: u.code, name: u.name, region_code: u.region_code }).collect() }))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyReport)]
pub struct ReportOut {
    pub id: i64,
    pub unit_code: i64,
    pub day: String,
    pub all_clear: bool,
    pub body: String,
    pub incident_id: Option<i64>,
    /// Filed after the day's cut-off.
    pub late: bool,
}

/// 报送零报告 — a unit's daily report (无异常, or 有情况 with a text); after the cut-off it is
/// accepted and marked late.
#[utoipa::path(post, path = "/duty/periods/{id}/reports", tag = TAG, params(("id" = i64, Path, description = "保障期编号 / Period number")), request_body = ReportForm, responses((status = 201, description = "已报送 / Filed", body = ReportOut), crate::apidoc::WriteErrors))]
async fn file_report(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<ReportForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let r = periods::file(&app, &me, &ip(&headers, &peer), id, &b).await?.map_err(|p| invalid(&p))?;
    Ok((StatusCode::CREATED, Json(ReportOut { id: r.id, unit_code: r.new.unit_code, day: r.new.day.to_string(), all_clear: r.new.all_clear, body: r.new.body, incident_id: r.new.incident_id, late: r.late })).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DutyReminders)]
pub struct RemindOut {
    /// Units reminded now (each once a day, after the cut-off).
    pub units: usize,
    pub sent: usize,
    pub failed: usize,
}

/// 提醒未报单位 — sends the reminders due now to the duty robots of the units of the caller's area
/// that have not reported today (after the cut-off, once per unit per day; a scheduler may call
/// it every few minutes).
#[utoipa::path(post, path = "/duty/periods/{id}/remind", tag = TAG, params(("id" = i64, Path, description = "保障期编号 / Period number")), responses((status = 200, description = "已提醒 / Reminded", body = RemindOut), crate::apidoc::WriteErrors))]
async fn remind(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Json<RemindOut>, AppError> {
    let me = ready(me)?;
    let (units, sent, failed) = periods::remind_now(&app, &me, &ip(&headers, &peer), id).await?;
    Ok(Json(RemindOut { units, sent, failed }))
}
