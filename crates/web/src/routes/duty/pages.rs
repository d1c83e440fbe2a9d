//! `/duty`: a unit's duty contacts (mobile numbers masked; the full number on 查看完整号码, audited,
//! for the writers of the unit's area), its roster for a week with who is on duty now, and its
//! duty robot. Every form shows all its problems at once and keeps its values.

use super::{hm, reads, shift_view, when, writes, written, ShiftView};
use crate::auth::Identity;
use crate::error::AppError;
use crate::form::Problems;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use standard::Date;
use std::sync::Arc;
use store::duty::{day_start, Contact, NewShift};

#[derive(Deserialize, Default, Clone)]
pub struct Which {
    /// The unit shown (default: the reader's own).
    #[serde(default)]
    pub unit: String,
    /// A day of the week shown (default: today).
    #[serde(default)]
    pub week: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ContactForm {
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub post: String,
    #[serde(default)]
    pub office_phone: String,
    #[serde(default)]
    pub mobile: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ShiftForm {
    #[serde(default)]
    pub unit_code: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub day: String,
    /// HH:MM; an end not after the start is the next day's.
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub contact_id: String,
    #[serde(default)]
    pub leader_id: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ChannelForm {
    #[serde(default)]
    pub unit_code: String,
    /// A monitor webhook's number; empty to clear.
    #[serde(default)]
    pub webhook_id: String,
}

pub struct ContactRow {
    pub c: Contact,
    /// Masked unless revealed on this page.
    pub mobile: String,
    pub revealed: bool,
}

pub struct Day {
    pub date: String,
    pub weekday: &'static str,
    pub shifts: Vec<ShiftView>,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct Page {
    c: Ctx,
    unit: i64,
    unit_name: String,
    contacts: Vec<ContactRow>,
    days: Vec<Day>,
    week: String,
    prev_week: String,
    next_week: String,
    on_duty: Option<(i64, ShiftView)>,
    channel: Option<i64>,
    can_write: bool,
    can_reveal: bool,
    cf: ContactForm,
    sf: ShiftForm,
    errors: Vec<String>,
}

const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Monday of the week holding `d`.
fn monday(d: Date) -> Date {
    let n = d.days_since_epoch();
    Date::from_days_since_epoch(n - (n + 3).rem_euclid(7))
}

fn unit_of(me: &Identity, v: &str) -> i64 {
    v.trim().parse::<i64>().unwrap_or(me.user.org_code)
}

#[allow(clippy::too_many_arguments)]
async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, w: Which, reveal: Option<i64>, cf: Option<ContactForm>, sf: Option<ShiftForm>, errors: Vec<String>) -> Result<Response, AppError> {
    reads(me)?;
    let c = Ctx::new(app, headers, Some(me), "/duty", "duty");
    let unit = unit_of(me, &w.unit);
    let today = app.clock.today();
    let week = w.week.trim().parse_date().unwrap_or(today);
    let mon = monday(week);
    let (from, to) = (day_start(mon), day_start(mon) + 7 * 86_400);
    let scope = crate::routes::read_scope(app, me).await?;
    let now = app.clock.now();
    let (contacts, shifts, on_duty, channel, name) = app
        .pool
        .run(move |s| {
            let contacts = s.contacts(&scope, Some(unit), 200)?;
            let shifts = s.shifts(&scope, Some(unit), from, to, 500)?;
            let on = secman::duty::on_duty(s, &scope, unit, now)?;
            let ch = secman::duty::duty_channel(s, &scope, unit)?;
            let name = s.unit_name(unit)?.unwrap_or_else(|| unit.to_string());
            Ok((contacts, shifts, on, ch, name))
        })
        .await?;
    let mut days: Vec<Day> = (0..7)
        .map(|i| {
            let d = Date::from_days_since_epoch(mon.days_since_epoch() + i);
            Day { date: d.to_string(), weekday: if c.t.is_en() { WEEKDAYS_EN[i as usize] } else { WEEKDAYS_ZH[i as usize] }, shifts: Vec::new() }
        })
        .collect();
    for s in &shifts {
        for (i, d) in days.iter_mut().enumerate() {
            let a = from + i as i64 * 86_400;
            if s.new.starts_at < a + 86_400 && s.new.ends_at > a {
                d.shifts.push(shift_view(s));
            }
        }
    }
    let contacts = contacts
        .into_iter()
        .map(|x| {
            let revealed = reveal == Some(x.id);
            ContactRow { mobile: if revealed { x.new.mobile.clone() } else { store::mask::phone(&x.new.mobile) }, revealed, c: x }
        })
        .collect();
    let can_write = store::duty::role_writes(me.user.role);
    let page = Page {
        unit,
        unit_name: name,
        contacts,
        days,
        week: mon.to_string(),
        prev_week: Date::from_days_since_epoch(mon.days_since_epoch() - 7).to_string(),
        next_week: Date::from_days_since_epoch(mon.days_since_epoch() + 7).to_string(),
        on_duty: on_duty.map(|o| (o.unit_code, shift_view(&o.shift))),
        channel,
        can_write,
        can_reveal: store::duty::role_unmasks(me.user.role),
        cf: cf.unwrap_or(ContactForm { unit_code: unit.to_string(), ..Default::default() }),
        sf: sf.unwrap_or(ShiftForm { unit_code: unit.to_string(), day: today.to_string(), start: "08:30".into(), end: "08:30".into(), ..Default::default() }),
        errors,
        c,
    };
    let bad = !page.errors.is_empty();
    let mut r = html(page)?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

trait ParseDate {
    fn parse_date(&self) -> Option<Date>;
}

impl ParseDate for str {
    fn parse_date(&self) -> Option<Date> {
        Date::parse_lenient(self.trim()).map(|(d, _)| d)
    }
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(w): Query<Which>) -> Result<Response, AppError> {
    let me = ready(me)?;
    render(&app, &headers, &me, w, None, None, None, Vec::new()).await
}

fn back(unit: &str) -> Response {
    Redirect::to(&format!("/duty?unit={}", unit.trim().parse::<i64>().unwrap_or(0))).into_response()
}

fn msgs(c: &Ctx, p: &[secman::duty::Problem]) -> Vec<String> {
    p.iter().map(|p| if c.t.is_en() { p.en.clone() } else { p.zh.clone() }).collect()
}

/// Shows a write's refusal (a conflict, a bad input) on the page, the form's values kept.
fn refused(app: &AppState, headers: &HeaderMap, me: &Identity, e: &AppError) -> Vec<String> {
    let c = Ctx::new(app, headers, Some(me), "/duty", "duty");
    vec![crate::routes::sites::message(&c.t, e)]
}

pub async fn add_contact(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<ContactForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/duty", "duty");
    let w = Which { unit: f.unit_code.clone(), week: String::new() };
    let input = secman::duty::ContactInput { unit_code: f.unit_code.clone(), name: f.name.clone(), post: f.post.clone(), office_phone: f.office_phone.clone(), mobile: f.mobile.clone() };
    let new = match secman::duty::parse_contact(&input) {
        Ok(n) => n,
        Err(p) => return render(&app, &headers, &me, w, None, Some(f), None, msgs(&c, &p)).await,
    };
    let (scope, by, now) = (me.scope.clone(), me.user.name.clone(), app.clock.now());
    match app.pool.run(move |s| written(s.create_contact(&scope, &new, &by, now))).await {
        Ok(x) => {
            app.audit_by(&me, "duty_contact_create", &format!("duty_contact:{}", x.id), serde_json::json!({ "unit": x.new.unit_code, "post": x.new.post }).to_string(), &ip(&headers, &peer)).await?;
            Ok(back(&f.unit_code))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let m = refused(&app, &headers, &me, &e);
            render(&app, &headers, &me, w, None, Some(f), None, m).await
        }
        Err(e) => Err(e),
    }
}

/// The edit form of a contact (its unit stays): the mobile is shown masked and kept when it comes
/// back as shown; a new number replaces it; an empty field removes it.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = DutyContactEdit)]
pub struct ContactEdit {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub post: String,
    #[serde(default)]
    pub office_phone: String,
    /// A new mobile number; the masked number as shown (or, in the API, no value) keeps the
    /// stored one; empty removes it.
    #[serde(default)]
    pub mobile: Option<String>,
}

#[derive(Template)]
#[template(path = "duty_contact_edit.html")]
struct EditPage {
    c: Ctx,
    id: i64,
    unit: i64,
    unit_name: String,
    f: ContactEdit,
    /// The mobile as the form shows it: the masked number, or what was typed.
    mobile: String,
    problems: Problems,
}

/// Checks an edit of contact `old` whole (`web::form::Problems`): every problem at once; a new
/// mobile checked as `standard::Mobile`; the masked number sent back keeps the stored one.
pub fn check_edit(t: &crate::i18n::T, old: &Contact, f: &ContactEdit) -> Result<store::duty::NewContact, Problems> {
    let mut p = Problems::new(t);
    let typed: Option<String> = f.mobile.as_ref().map(|m| m.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect());
    let mobile = match typed {
        None => old.new.mobile.clone(),
        Some(m) if !old.new.mobile.is_empty() && m == store::mask::phone(&old.new.mobile) => old.new.mobile.clone(),
        Some(m) if m.is_empty() => String::new(),
        Some(m) => match standard::Mobile::parse(&m) {
            Ok(x) => x.as_str().to_string(),
            Err(_) => {
                p.add("mobile", "手机号码应为以 13–19 开头的 11 位数字，如 13812345678。", "The mobile number must be 11 digits beginning with 13 to 19, e.g. 13812345678.");
                old.new.mobile.clone()
            }
        },
    };
    let input = secman::duty::ContactInput { unit_code: old.new.unit_code.to_string(), name: f.name.clone(), post: f.post.clone(), office_phone: f.office_phone.clone(), mobile: mobile.clone() };
    match secman::duty::parse_contact(&input) {
        Ok(n) if p.is_empty() => Ok(n),
        Ok(_) => Err(p),
        Err(list) => {
            for x in list {
                if !p.has(x.field) {
                    p.add(x.field, x.zh, x.en);
                }
            }
            Err(p)
        }
    }
}

/// Edits contact `id` for `me`: read and written in `me`'s area (outside it: not found), checked
/// whole ([`check_edit`]), audited (`duty_contact_update`, never the number). The store refuses a
/// write outside the area (`StoreError::OutOfScope`, answered as not found).
pub async fn update_contact(app: &Arc<AppState>, me: &Identity, t: &crate::i18n::T, addr: &str, id: i64, f: &ContactEdit) -> Result<Result<Contact, (Contact, Problems)>, AppError> {
    writes(me)?;
    let scope = me.scope.clone();
    let old = app.pool.run(move |s| s.contact(&scope, id)?.ok_or(AppError::NotFound)).await?;
    let new = match check_edit(t, &old, f) {
        Ok(n) => n,
        Err(p) => return Ok(Err((old, p))),
    };
    let changed = new.mobile != old.new.mobile;
    let (scope, now) = (me.scope.clone(), app.clock.now());
    let x = app.pool.run(move |s| written(s.update_contact(&scope, id, &new, now))).await?;
    app.audit_by(me, "duty_contact_update", &format!("duty_contact:{id}"), serde_json::json!({ "unit": x.new.unit_code, "post": x.new.post, "mobile_changed": changed }).to_string(), addr).await?;
    Ok(Ok(x))
}

async fn edit_page(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, old: &Contact, f: ContactEdit, problems: Problems) -> Result<Response, AppError> {
    let unit = old.new.unit_code;
    let unit_name = app.pool.run(move |s| Ok(s.unit_name(unit)?.unwrap_or_else(|| unit.to_string()))).await?;
    let mobile = match &f.mobile {
        Some(m) => m.clone(),
        None => store::mask::phone(&old.new.mobile),
    };
    let bad = !problems.is_empty();
    let mut r = html(EditPage { c: Ctx::new(app, headers, Some(me), "/duty", "duty"), id: old.id, unit, unit_name, f, mobile, problems })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

/// 修改联系人: the form, the mobile masked.
pub async fn edit_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let scope = me.scope.clone();
    let x = app.pool.run(move |s| s.contact(&scope, id)?.ok_or(AppError::NotFound)).await?;
    let f = ContactEdit { name: x.new.name.clone(), post: x.new.post.clone(), office_phone: x.new.office_phone.clone(), mobile: None };
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    edit_page(&app, &headers, &me, &x, f, Problems::new(&t)).await
}

pub async fn edit_contact(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<ContactEdit>) -> Result<Response, AppError> {
    let me = ready(me)?;
    // A form always sends the field: empty removes the number.
    let f = ContactEdit { mobile: Some(f.mobile.unwrap_or_default()), ..f };
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    match update_contact(&app, &me, &t, &ip(&headers, &peer), id, &f).await? {
        Ok(x) => Ok(back(&x.new.unit_code.to_string())),
        Err((old, p)) => edit_page(&app, &headers, &me, &old, f, p).await,
    }
}

#[derive(Deserialize, Default)]
pub struct UnitOnly {
    #[serde(default)]
    pub unit: String,
}

pub async fn delete_contact(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<UnitOnly>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let scope = me.scope.clone();
    match app.pool.run(move |s| written(s.delete_contact(&scope, id))).await {
        Ok(()) => {
            app.audit_by(&me, "duty_contact_delete", &format!("duty_contact:{id}"), "{}".into(), &ip(&headers, &peer)).await?;
            Ok(back(&f.unit))
        }
        Err(e @ AppError::Conflict { .. }) => {
            let m = refused(&app, &headers, &me, &e);
            render(&app, &headers, &me, Which { unit: f.unit, week: String::new() }, None, None, None, m).await
        }
        Err(e) => Err(e),
    }
}

/// 查看完整号码: the page again with one contact's full mobile number, audited.
pub async fn reveal(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    crate::routes::require(store::duty::role_unmasks(me.user.role))?;
    let scope = me.scope.clone();
    let x = app.pool.run(move |s| s.contact(&scope, id)?.ok_or(AppError::NotFound)).await?;
    app.audit_by(&me, "duty_contact_reveal", &format!("duty_contact:{id}"), serde_json::json!({ "unit": x.new.unit_code, "field": "mobile" }).to_string(), &ip(&headers, &peer)).await?;
    render(&app, &headers, &me, Which { unit: x.new.unit_code.to_string(), week: String::new() }, Some(id), None, None, Vec::new()).await
}

/// Reads a shift form; every problem at once.
fn parse_shift(f: &ShiftForm, en: bool) -> Result<NewShift, Vec<String>> {
    let mut out = Vec::new();
    let say = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    let unit = f.unit_code.trim().parse::<i64>().ok();
    if unit.is_none() {
        out.push(say("请选择单位。", "Choose the unit."));
    }
    let day = f.day.parse_date();
    if day.is_none() {
        out.push(say("值班日期应为 2026-10-01 这样的日期。", "The day must be a date such as 2026-10-01."));
    }
    let (start, end) = (secman::duty::parse_cutoff(&f.start).filter(|_| !f.start.trim().is_empty()), secman::duty::parse_cutoff(&f.end).filter(|_| !f.end.trim().is_empty()));
    if start.is_none() || end.is_none() {
        out.push(say("开始和结束时间应为 24 小时制的时:分，如 08:30。", "Start and end must be times such as 08:30."));
    }
    let contact = f.contact_id.trim().parse::<i64>().ok();
    if contact.is_none() {
        out.push(say("请选择值班人员（先在上方登记联系人）。", "Choose the person on duty (add the contact above first)."));
    }
    let leader = f.leader_id.trim().parse::<i64>().ok();
    if f.note.chars().count() > 100 {
        out.push(say("备注过长（最多 100 字）。", "The note is too long (at most 100 characters)."));
    }
    match (unit, day, start, end, contact) {
        (Some(unit_code), Some(d), Some(a), Some(b), Some(contact_id)) if out.is_empty() => {
            let starts_at = day_start(d) + i64::from(a) * 60;
            let mut ends_at = day_start(d) + i64::from(b) * 60;
            if ends_at <= starts_at {
                ends_at += 86_400;
            }
            Ok(NewShift { unit_code, starts_at, ends_at, contact_id, leader_id: leader, note: f.note.trim().to_string() })
        }
        _ => Err(out),
    }
}

pub async fn add_shift(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<ShiftForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/duty", "duty");
    let w = Which { unit: f.unit_code.clone(), week: f.day.clone() };
    let new = match parse_shift(&f, c.t.is_en()) {
        Ok(n) => n,
        Err(m) => return render(&app, &headers, &me, w, None, None, Some(f), m).await,
    };
    let (scope, by, now) = (me.scope.clone(), me.user.name.clone(), app.clock.now());
    match app.pool.run(move |s| written(s.create_shift(&scope, &new, &by, now))).await {
        Ok(x) => {
            app.audit_by(&me, "duty_shift_create", &format!("duty_shift:{}", x.id), serde_json::json!({ "unit": x.new.unit_code, "starts": when(x.new.starts_at), "ends": hm(x.new.ends_at) }).to_string(), &ip(&headers, &peer)).await?;
            Ok(Redirect::to(&format!("/duty?unit={}&week={}", x.new.unit_code, store::duty::day_of(x.new.starts_at))).into_response())
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let m = refused(&app, &headers, &me, &e);
            render(&app, &headers, &me, w, None, None, Some(f), m).await
        }
        Err(e) => Err(e),
    }
}

pub async fn delete_shift(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<UnitOnly>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let scope = me.scope.clone();
    app.pool.run(move |s| written(s.delete_shift(&scope, id))).await?;
    app.audit_by(&me, "duty_shift_delete", &format!("duty_shift:{id}"), "{}".into(), &ip(&headers, &peer)).await?;
    Ok(back(&f.unit))
}

pub async fn set_channel(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<ChannelForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let unit = f.unit_code.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    let hook = match f.webhook_id.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                let en = Ctx::new(&app, &headers, Some(&me), "/duty", "duty").t.is_en();
                let m = if en { "The robot must be a webhook number from the alert push page.".to_string() } else { "值班群机器人应填写告警推送页面中的渠道编号。".to_string() };
                return render(&app, &headers, &me, Which { unit: f.unit_code, week: String::new() }, None, None, None, vec![m]).await;
            }
        },
    };
    let (scope, by, now) = (me.scope.clone(), me.user.name.clone(), app.clock.now());
    app.pool.run(move |s| written(s.set_duty_channel(&scope, unit, hook, &by, now))).await?;
    app.audit_by(&me, "duty_channel_set", &format!("unit:{unit}"), serde_json::json!({ "webhook": hook }).to_string(), &ip(&headers, &peer)).await?;
    Ok(back(&f.unit_code))
}
