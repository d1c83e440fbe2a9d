//! 值班与重要时期保障 — each unit's duty contacts (from its emergency plan), its duty roster
//! (shifts with the person and the leader on duty), the group robot of its duty group, and the
//! important periods (重要时期保障) during which the reporting units file one daily report
//! (零报告: 无异常, or 有情况 with a short text), missing ones flagged per day and region.
//!
//! A contact, a shift, a channel and a report belong to a unit of the organisation tree (a
//! bureau or a school) and are judged like the registers ([`may_write_unit`]); a period belongs
//! to an area (a division): the province sets province-wide ones, a city or county its own
//! ([`may_write_period`]); a period is read by everyone whose area meets it.
//!
//! The SQL is written once (`?N` placeholders rendered per [`Dialect`]); a backend supplies the
//! primitives of [`DutySql`] and gets [`Duty`] whole. Dates are `YYYY-MM-DD` text in China time;
//! instants are Unix seconds. The day's missing list is two set queries (the reporting units of
//! the area from the organisation tree, the day's reports) and a hash difference, never a query
//! per unit. (One anti-join in PostgreSQL was tried: right after a period starts the reports
//! table has no statistics and the planner's nested loop took 20 s over 22,000 units; the two
//! reads take a tenth of a second on either backend.)

use crate::sql::{Arg, Dialect, SqlRow};
use crate::{OrgLevel, Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;
use std::collections::{BTreeMap, HashSet};

/// China Standard Time, seconds east of UTC.
pub const CST: i64 = 8 * 3600;
/// The default daily cut-off for 零报告: 16:00 China time, in minutes after midnight.
pub const DEFAULT_CUTOFF: u32 = 16 * 60;

/// A duty contact as a unit writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewContact {
    pub unit_code: i64,
    pub name: String,
    /// 岗位 (网络安全负责人, 值班员, …).
    pub post: String,
    pub office_phone: String,
    /// Personal data: masked in lists and exports.
    pub mobile: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub new: NewContact,
    pub region_code: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A roster shift: `[starts_at, ends_at)` in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewShift {
    pub unit_code: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    /// The contact on duty (值班员), one of the unit's contacts.
    pub contact_id: i64,
    /// The leader on duty (带班领导), one of the unit's contacts.
    pub leader_id: Option<i64>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub id: i64,
    pub new: NewShift,
    pub region_code: i64,
    /// The on-duty contact's name and post, the leader's name and post (empty: none).
    pub contact_name: String,
    pub contact_post: String,
    pub leader_name: String,
    pub leader_post: String,
    pub created_by: String,
    pub created_at: i64,
}

/// The duty group's robot of a unit: one of the monitor's webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyChannel {
    pub unit_code: i64,
    pub webhook_id: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

/// Which units file daily reports during a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reporters {
    /// The education bureaus of the area only.
    Bureaus,
    /// The bureaus and the schools.
    BureausAndSchools,
}

impl Reporters {
    pub fn code(self) -> &'static str {
        match self {
            Reporters::Bureaus => "bureaus",
            Reporters::BureausAndSchools => "bureaus_and_schools",
        }
    }
    pub fn parse(s: &str) -> Option<Reporters> {
        [Reporters::Bureaus, Reporters::BureausAndSchools].into_iter().find(|r| r.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Reporters::Bureaus => "教育行政部门",
            Reporters::BureausAndSchools => "教育行政部门和学校",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Reporters::Bureaus => "Bureaus",
            Reporters::BureausAndSchools => "Bureaus and schools",
        }
    }
}

/// An important period (重要时期保障) as its area's officer sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPeriod {
    /// The division it covers (the province, a city, a county).
    pub area_code: u32,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// 24 小时值班.
    pub full_day: bool,
    pub reporters: Reporters,
    /// The daily cut-off, minutes after midnight China time.
    pub cutoff_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub id: i64,
    pub new: NewPeriod,
    pub created_by: String,
    pub created_at: i64,
}

impl Period {
    /// Whether `day` lies inside the period.
    pub fn holds(&self, day: Date) -> bool {
        self.new.starts_on <= day && day <= self.new.ends_on
    }
    /// The cut-off instant of `day` (Unix seconds).
    pub fn cutoff_of(&self, day: Date) -> i64 {
        day_start(day) + i64::from(self.new.cutoff_minutes) * 60
    }
    /// The period's first and last instant, `[start, end)`.
    pub fn window(&self) -> (i64, i64) {
        (day_start(self.new.starts_on), day_start(self.new.ends_on) + 86_400)
    }
}

/// Midnight China time of a day, as Unix seconds.
pub fn day_start(d: Date) -> i64 {
    d.days_since_epoch() * 86_400 - CST
}

/// The China-time day of an instant.
pub fn day_of(t: i64) -> Date {
    Date::from_days_since_epoch((t + CST).div_euclid(86_400))
}

/// A unit's daily report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub unit_code: i64,
    pub day: Date,
    /// 无异常 (true) or 有情况 (false, with `body`).
    pub all_clear: bool,
    pub body: String,
    /// An incident the report points at.
    pub incident_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub period_id: i64,
    pub new: NewReport,
    pub region_code: i64,
    /// Filed after the day's cut-off.
    pub late: bool,
    pub filed_by: String,
    pub filed_at: i64,
}

/// A reporting unit of a period (a bureau or a school) with the region it counts under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub code: i64,
    pub name: String,
    /// A school's county, a bureau's own code.
    pub region_code: i64,
}

/// One region's reporting figures on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionStatus {
    pub code: u32,
    pub expected: u64,
    pub reported: u64,
    pub late: u64,
    /// Reported 有情况.
    pub with_events: u64,
    pub missing: u64,
}

/// A day's reporting status of a period within a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayStatus {
    /// By the region code units count under (a county, a bureau's own code), in code order.
    pub regions: Vec<RegionStatus>,
    /// The units that have not reported, in code order.
    pub missing: Vec<Unit>,
}

/// Who reads contacts (mobiles masked), rosters and periods (within their area): the officers,
/// school administrators and security officers, and the auditor, who reads its node's area (its
/// session scope holds no records: the routes read its node, as the 等保 register does) and
/// writes nothing ([`role_writes`]); a data consumer sees nothing of them.
pub fn role_reads(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SchoolAdmin | SecurityOfficer | Auditor)
}

/// Who writes contacts, shifts and reports: the officers, school administrators and security
/// officers, each within their area ([`may_write_unit`]). Periods: [`role_sets_periods`].
pub fn role_writes(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SchoolAdmin | SecurityOfficer)
}

/// Who sets important periods: the province, city and county officers and security officers
/// (a school does not).
pub fn role_sets_periods(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SecurityOfficer)
}

/// Who sees a contact's full mobile number on the explicit action: the writers of the unit's
/// area (the rule of [`may_write_unit`] decides the area).
pub fn role_unmasks(role: crate::Role) -> bool {
    role_writes(role)
}

/// The write rule of a unit's records: its school (for a school) and every division above it.
pub fn may_write_unit(scope: &Scope, region_code: i64, unit_code: i64) -> bool {
    crate::monitor::may_write_site(scope, region_code, unit_code)
}

/// The write rule of a period: its area inside the writer's region (a school sets none).
pub fn may_write_period(scope: &Scope, area_code: u32) -> bool {
    let (lo, hi) = crate::region_range(area_code);
    matches!(scope, Scope::Region { lo: a, hi: b } if *a <= lo && hi <= *b)
}

/// The read rule of a period: its area meets the reader's.
pub fn period_visible(scope: &Scope, area_code: u32) -> bool {
    let (lo, hi) = crate::region_range(area_code);
    match scope {
        Scope::Region { lo: a, hi: b } => lo <= *b && *a <= hi,
        Scope::School { county, .. } => (lo..=hi).contains(county),
        Scope::Nothing => false,
    }
}

/// What a backend provides: the dialect, a query and a statement on the tables of this module,
/// and a query on the organisation tree (SQLite keeps it in another file).
pub trait DutySql {
    fn duty_dialect(&self) -> Dialect;
    fn duty_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn duty_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
    /// A query on `org_units` (rendered already).
    fn duty_org_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
}

/// The storage of duty and important periods, scoped; the rules are in `secman::duty`.
pub trait Duty {
    /// OutOfScope when the unit lies outside the scope; Conflict when it is not in the tree.
    fn create_contact(&mut self, scope: &Scope, c: &NewContact, by: &str, now: i64) -> Result<Contact, StoreError>;
    /// OutOfScope when missing, outside, or moving outside.
    fn update_contact(&mut self, scope: &Scope, id: i64, c: &NewContact, now: i64) -> Result<Contact, StoreError>;
    /// OutOfScope as above; Conflict while a shift names the contact.
    fn delete_contact(&mut self, scope: &Scope, id: i64) -> Result<(), StoreError>;
    fn contact(&mut self, scope: &Scope, id: i64) -> Result<Option<Contact>, StoreError>;
    /// Contacts of the scope (or one unit of it), by unit then id; `limit` at most.
    fn contacts(&mut self, scope: &Scope, unit: Option<i64>, limit: usize) -> Result<Vec<Contact>, StoreError>;
    /// OutOfScope when the unit is outside; Conflict when a named contact is not the unit's.
    fn create_shift(&mut self, scope: &Scope, s: &NewShift, by: &str, now: i64) -> Result<Shift, StoreError>;
    fn delete_shift(&mut self, scope: &Scope, id: i64) -> Result<(), StoreError>;
    /// Shifts meeting `[from, to)` of the scope (or one unit), by start; `limit` at most.
    fn shifts(&mut self, scope: &Scope, unit: Option<i64>, from: i64, to: i64, limit: usize) -> Result<Vec<Shift>, StoreError>;
    /// Sets (Some) or clears (None) the unit's duty robot; OutOfScope when the unit is outside.
    fn set_duty_channel(&mut self, scope: &Scope, unit: i64, webhook_id: Option<i64>, by: &str, now: i64) -> Result<(), StoreError>;
    fn duty_channel(&mut self, scope: &Scope, unit: i64) -> Result<Option<DutyChannel>, StoreError>;
    /// The parent of a unit in the tree (a school's county, a county's city, …); None at the top.
    fn unit_parent(&mut self, unit: i64) -> Result<Option<i64>, StoreError>;
    /// The name of a unit in the tree.
    fn unit_name(&mut self, unit: i64) -> Result<Option<String>, StoreError>;

    /// OutOfScope when the area lies outside the writer's region.
    fn create_period(&mut self, scope: &Scope, p: &NewPeriod, by: &str, now: i64) -> Result<Period, StoreError>;
    fn period(&mut self, scope: &Scope, id: i64) -> Result<Option<Period>, StoreError>;
    /// Periods meeting the scope, newest start first.
    fn periods(&mut self, scope: &Scope, limit: usize) -> Result<Vec<Period>, StoreError>;
    /// Files (or replaces, same day) a unit's report; OutOfScope when the period is not visible,
    /// the unit outside the writer's area or not a reporting unit of the period; Conflict when
    /// the day lies outside the period. `late` is the caller's judgement against the cut-off.
    fn file_report(&mut self, scope: &Scope, period_id: i64, r: &NewReport, late: bool, by: &str, now: i64) -> Result<Report, StoreError>;
    /// A day's reports within the scope, by unit.
    fn reports(&mut self, scope: &Scope, period_id: i64, day: Option<Date>, limit: usize) -> Result<Vec<Report>, StoreError>;
    /// The reporting units of a period within the scope (or a region of it), by code.
    fn reporting_units(&mut self, scope: &Scope, period_id: i64, region: Option<u32>) -> Result<Vec<Unit>, StoreError>;
    /// The day's figures by region and the units that have not reported.
    fn day_status(&mut self, scope: &Scope, period_id: i64, day: Date, region: Option<u32>) -> Result<DayStatus, StoreError>;
    /// Of `units`, those not yet reminded for the day; records them as reminded at `now`.
    fn claim_reminders(&mut self, period_id: i64, day: Date, units: &[i64], now: i64) -> Result<Vec<i64>, StoreError>;
    /// Gives back the claims of `units` for the day (their reminder was not delivered): the
    /// next [`Duty::claim_reminders`] hands them out again.
    fn release_reminders(&mut self, period_id: i64, day: Date, units: &[i64]) -> Result<(), StoreError>;
    /// Queues a duty-robot message that was not delivered, to be tried again
    /// ([`Duty::queued_duty_messages`]). The platform's own write: only with the whole scope
    /// (`Scope::all()`), OutOfScope otherwise.
    fn queue_duty_message(&mut self, scope: &Scope, m: &QueuedMessage, now: i64) -> Result<i64, StoreError>;
    /// The queued messages, oldest first; those queued before `since` are dropped (given up).
    /// Empty for any scope but the whole one.
    fn queued_duty_messages(&mut self, scope: &Scope, since: i64, limit: usize) -> Result<Vec<QueuedMessage>, StoreError>;
    /// After another try: a delivered message leaves the queue, another counts the attempt.
    fn settle_duty_message(&mut self, scope: &Scope, id: i64, delivered: bool) -> Result<(), StoreError>;
}

/// A duty-robot message waiting to be tried again (an incident notice: no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    /// 0 until stored.
    pub id: i64,
    pub webhook_id: i64,
    pub topic: String,
    pub title: String,
    pub lines: Vec<String>,
    pub queued_at: i64,
    pub attempts: i64,
}

fn whole(scope: &Scope) -> Result<(), StoreError> {
    if *scope == Scope::all() {
        Ok(())
    } else {
        Err(StoreError::OutOfScope)
    }
}

fn queued_from(r: &dyn SqlRow) -> Result<QueuedMessage, StoreError> {
    Ok(QueuedMessage {
        id: r.i64(0)?,
        webhook_id: r.i64(1)?,
        topic: r.string(2)?,
        title: r.string(3)?,
        lines: serde_json::from_str(&r.string(4)?).unwrap_or_default(),
        queued_at: r.i64(5)?,
        attempts: r.i64(6)?,
    })
}

const CONTACT_COLS: &str = "id, unit_code, region_code, name, post, office_phone, mobile, created_by, created_at, updated_at";
const PERIOD_COLS: &str = "id, area_code, name, starts_on, ends_on, full_day, schools_report, cutoff_minutes, created_by, created_at";
const REPORT_COLS: &str = "id, period_id, unit_code, region_code, day, all_clear, body, incident_id, late, filed_by, filed_at";
const SHIFT_SELECT: &str = "SELECT s.id, s.unit_code, s.region_code, s.starts_at, s.ends_at, s.contact_id, s.leader_id, s.note, s.created_by, s.created_at, \
     c.name, c.post, COALESCE(l.name, ''), COALESCE(l.post, '') FROM duty_shifts s JOIN duty_contacts c ON c.id = s.contact_id LEFT JOIN duty_contacts l ON l.id = s.leader_id";

fn contact_from(r: &dyn SqlRow) -> Result<Contact, StoreError> {
    Ok(Contact {
        id: r.i64(0)?,
        new: NewContact { unit_code: r.i64(1)?, name: r.string(3)?, post: r.string(4)?, office_phone: r.string(5)?, mobile: r.string(6)? },
        region_code: r.i64(2)?,
        created_by: r.string(7)?,
        created_at: r.i64(8)?,
        updated_at: r.i64(9)?,
    })
}

fn shift_from(r: &dyn SqlRow) -> Result<Shift, StoreError> {
    Ok(Shift {
        id: r.i64(0)?,
        new: NewShift { unit_code: r.i64(1)?, starts_at: r.i64(3)?, ends_at: r.i64(4)?, contact_id: r.i64(5)?, leader_id: r.opt_i64(6)?, note: r.string(7)? },
        region_code: r.i64(2)?,
        created_by: r.string(8)?,
        created_at: r.i64(9)?,
        contact_name: r.string(10)?,
        contact_post: r.string(11)?,
        leader_name: r.string(12)?,
        leader_post: r.string(13)?,
    })
}

fn date_of(r: &dyn SqlRow, i: usize) -> Result<Date, StoreError> {
    let s = r.string(i)?;
    Date::parse_iso(&s).ok_or_else(|| StoreError::Internal(format!("bad date {s} in the duty tables")))
}

fn period_from(r: &dyn SqlRow) -> Result<Period, StoreError> {
    Ok(Period {
        id: r.i64(0)?,
        new: NewPeriod {
            area_code: u32::try_from(r.i64(1)?).unwrap_or(0),
            name: r.string(2)?,
            starts_on: date_of(r, 3)?,
            ends_on: date_of(r, 4)?,
            full_day: r.bool(5)?,
            reporters: if r.bool(6)? { Reporters::BureausAndSchools } else { Reporters::Bureaus },
            cutoff_minutes: u32::try_from(r.i64(7)?).unwrap_or(DEFAULT_CUTOFF),
        },
        created_by: r.string(8)?,
        created_at: r.i64(9)?,
    })
}

fn report_from(r: &dyn SqlRow) -> Result<Report, StoreError> {
    Ok(Report {
        id: r.i64(0)?,
        period_id: r.i64(1)?,
        new: NewReport { unit_code: r.i64(2)?, day: date_of(r, 4)?, all_clear: r.bool(5)?, body: r.string(6)?, incident_id: r.opt_i64(7)? },
        region_code: r.i64(3)?,
        late: r.bool(8)?,
        filed_by: r.string(9)?,
        filed_at: r.i64(10)?,
    })
}

fn rows<T>(db: &mut (impl DutySql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.duty_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.duty_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn exec(db: &mut (impl DutySql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
    let sql = db.duty_dialect().render(sql).into_owned();
    db.duty_exec(&sql, args)
}

fn org_rows<T>(db: &mut (impl DutySql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.duty_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.duty_org_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

/// The level, parent and name of a unit.
fn org_node(db: &mut (impl DutySql + ?Sized), unit: i64) -> Result<Option<(String, Option<i64>, String)>, StoreError> {
    let got = org_rows(db, "SELECT level, parent_code, name FROM org_units WHERE code = ?1", vec![unit.into()], |r| Ok((r.string(0)?, r.opt_i64(1)?, r.string(2)?)))?;
    Ok(got.into_iter().next())
}

/// The region a unit's records are kept under (a school's county, a division itself).
fn region_of(db: &mut (impl DutySql + ?Sized), unit: i64) -> Result<i64, StoreError> {
    let node = org_node(db, unit)?.map(|(l, p, _)| (l, p));
    crate::monitor::sql::site_region(unit, node).map_err(|_| StoreError::Conflict(format!("单位代码 {unit} 不在组织机构树中，请填写学校标识码或教育行政部门的行政区划代码（unknown unit {unit}）")))
}

/// The scope's condition on a table with `unit_code` and `region_code` (alias `t`).
fn scope_cond(scope: &Scope, args: &mut Vec<Arg>) -> Option<String> {
    match scope {
        Scope::Region { lo, hi } => {
            args.push(i64::from(*lo).into());
            args.push(i64::from(*hi).into());
            Some(format!("t.region_code BETWEEN ?{} AND ?{}", args.len() - 1, args.len()))
        }
        Scope::School { code, .. } => {
            args.push(code.parse::<i64>().unwrap_or(-1).into());
            Some(format!("t.unit_code = ?{}", args.len()))
        }
        Scope::Nothing => None,
    }
}

fn one<T>(v: Vec<T>) -> Result<T, StoreError> {
    v.into_iter().next().ok_or_else(|| StoreError::Internal("no row returned".into()))
}

fn writable_contact(db: &mut (impl DutySql + ?Sized), scope: &Scope, id: i64) -> Result<Contact, StoreError> {
    let found = rows(db, &format!("SELECT {CONTACT_COLS} FROM duty_contacts WHERE id = ?1"), vec![id.into()], contact_from)?;
    found.into_iter().next().filter(|c| may_write_unit(scope, c.region_code, c.new.unit_code)).ok_or(StoreError::OutOfScope)
}

fn contact_args(c: &NewContact) -> Vec<Arg> {
    vec![c.name.trim().into(), c.post.trim().into(), c.office_phone.trim().into(), c.mobile.trim().into()]
}

/// The reporting units' query on `org_units` for an area `[lo, hi]` (and one school).
fn units_sql(lo: u32, hi: u32, schools: bool, school: Option<i64>) -> (String, Vec<Arg>) {
    let mut args: Vec<Arg> = vec![i64::from(lo).into(), i64::from(hi).into()];
    let bureaus = "(level <> 'school' AND code BETWEEN ?1 AND ?2)";
    let cond = match (schools, school) {
        (_, Some(s)) if schools => {
            args.push(s.into());
            "(level = 'school' AND parent_code BETWEEN ?1 AND ?2 AND code = ?3)".to_string()
        }
        (_, Some(_)) => "1 = 0".to_string(),
        (true, None) => format!("({bureaus} OR (level = 'school' AND parent_code BETWEEN ?1 AND ?2))"),
        (false, None) => bureaus.to_string(),
    };
    (format!("SELECT code, name, CASE WHEN level = 'school' THEN parent_code ELSE code END AS region_code FROM org_units WHERE {cond}"), args)
}

fn unit_from(r: &dyn SqlRow) -> Result<Unit, StoreError> {
    Ok(Unit { code: r.i64(0)?, name: r.string(1)?, region_code: r.opt_i64(2)?.unwrap_or(0) })
}

/// The part of a period's area a scope reads, narrowed to a region: `[lo, hi]` and the one
/// school of a school's scope; None when they do not meet.
fn area_in(scope: &Scope, p: &Period, region: Option<u32>) -> Option<(u32, u32, Option<i64>)> {
    let (mut lo, mut hi) = crate::region_range(p.new.area_code);
    let mut school = None;
    match scope {
        Scope::Region { lo: a, hi: b } => {
            lo = lo.max(*a);
            hi = hi.min(*b);
        }
        Scope::School { code, county } => {
            if !(lo..=hi).contains(county) {
                return None;
            }
            school = Some(code.parse::<i64>().unwrap_or(-1));
        }
        Scope::Nothing => return None,
    }
    if let Some(r) = region {
        let (a, b) = crate::region_range(r);
        lo = lo.max(a);
        hi = hi.min(b);
    }
    (lo <= hi).then_some((lo, hi, school))
}

fn visible_period(db: &mut (impl DutySql + ?Sized), scope: &Scope, id: i64) -> Result<Period, StoreError> {
    let found = rows(db, &format!("SELECT {PERIOD_COLS} FROM duty_periods WHERE id = ?1"), vec![id.into()], period_from)?;
    found.into_iter().next().filter(|p| period_visible(scope, p.new.area_code)).ok_or(StoreError::OutOfScope)
}

impl<T: DutySql + ?Sized> Duty for T {
    fn create_contact(&mut self, scope: &Scope, c: &NewContact, by: &str, now: i64) -> Result<Contact, StoreError> {
        let region = region_of(self, c.unit_code)?;
        if !may_write_unit(scope, region, c.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let mut args = vec![Arg::I64(c.unit_code), Arg::I64(region)];
        args.extend(contact_args(c));
        args.extend([by.into(), now.into()]);
        let id = one(rows(
            self,
            "INSERT INTO duty_contacts (unit_code, region_code, name, post, office_phone, mobile, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
            args,
            |r| r.i64(0),
        )?)?;
        writable_contact(self, scope, id)
    }

    fn update_contact(&mut self, scope: &Scope, id: i64, c: &NewContact, now: i64) -> Result<Contact, StoreError> {
        let old = writable_contact(self, scope, id)?;
        let region = region_of(self, c.unit_code).map_err(|_| StoreError::OutOfScope)?;
        if !may_write_unit(scope, region, c.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        if old.new.unit_code != c.unit_code {
            let used = rows(self, "SELECT COUNT(*) FROM duty_shifts WHERE contact_id = ?1 OR leader_id = ?1", vec![id.into()], |r| r.i64(0))?;
            if used.first().copied().unwrap_or(0) > 0 {
                return Err(StoreError::Conflict("该联系人已排入值班表，不能改到其他单位（the contact is on the roster）".into()));
            }
        }
        let mut args = vec![Arg::I64(id), Arg::I64(c.unit_code), Arg::I64(region)];
        args.extend(contact_args(c));
        args.push(now.into());
        exec(self, "UPDATE duty_contacts SET unit_code = ?2, region_code = ?3, name = ?4, post = ?5, office_phone = ?6, mobile = ?7, updated_at = ?8 WHERE id = ?1", args)?;
        writable_contact(self, scope, id)
    }

    fn delete_contact(&mut self, scope: &Scope, id: i64) -> Result<(), StoreError> {
        writable_contact(self, scope, id)?;
        let used = rows(self, "SELECT COUNT(*) FROM duty_shifts WHERE contact_id = ?1 OR leader_id = ?1", vec![id.into()], |r| r.i64(0))?;
        if used.first().copied().unwrap_or(0) > 0 {
            return Err(StoreError::Conflict("该联系人已排入值班表，请先删除其班次（the contact is on the roster）".into()));
        }
        exec(self, "DELETE FROM duty_contacts WHERE id = ?1", vec![id.into()])?;
        Ok(())
    }

    fn contact(&mut self, scope: &Scope, id: i64) -> Result<Option<Contact>, StoreError> {
        Ok(writable_contact(self, scope, id).ok())
    }

    fn contacts(&mut self, scope: &Scope, unit: Option<i64>, limit: usize) -> Result<Vec<Contact>, StoreError> {
        let mut args = Vec::new();
        let Some(mut cond) = scope_cond(scope, &mut args) else { return Ok(Vec::new()) };
        if let Some(u) = unit {
            args.push(u.into());
            cond = format!("{cond} AND t.unit_code = ?{}", args.len());
        }
        let sql = format!("SELECT {CONTACT_COLS} FROM duty_contacts t WHERE {cond} ORDER BY t.unit_code, t.id LIMIT {}", crate::sql::limit(limit));
        let mut got = rows(self, &sql, args, contact_from)?;
        got.retain(|c| may_write_unit(scope, c.region_code, c.new.unit_code));
        Ok(got)
    }

    fn create_shift(&mut self, scope: &Scope, s: &NewShift, by: &str, now: i64) -> Result<Shift, StoreError> {
        let region = region_of(self, s.unit_code)?;
        if !may_write_unit(scope, region, s.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        if s.ends_at <= s.starts_at {
            return Err(StoreError::Conflict("班次的结束时间须晚于开始时间（the shift ends before it starts）".into()));
        }
        for id in std::iter::once(s.contact_id).chain(s.leader_id) {
            match writable_contact(self, scope, id) {
                Ok(c) if c.new.unit_code == s.unit_code => {}
                _ => return Err(StoreError::Conflict("值班人员须是本单位的联系人（the person on duty must be one of the unit's contacts）".into())),
            }
        }
        let id = one(rows(
            self,
            "INSERT INTO duty_shifts (unit_code, region_code, starts_at, ends_at, contact_id, leader_id, note, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            vec![s.unit_code.into(), region.into(), s.starts_at.into(), s.ends_at.into(), s.contact_id.into(), s.leader_id.unwrap_or(s.contact_id).into(), s.note.trim().into(), by.into(), now.into()],
            |r| r.i64(0),
        )?)?;
        if s.leader_id.is_none() {
            exec(self, "UPDATE duty_shifts SET leader_id = NULL WHERE id = ?1", vec![id.into()])?;
        }
        let got = rows(self, &format!("{SHIFT_SELECT} WHERE s.id = ?1"), vec![id.into()], shift_from)?;
        one(got)
    }

    fn delete_shift(&mut self, scope: &Scope, id: i64) -> Result<(), StoreError> {
        let got = rows(self, &format!("{SHIFT_SELECT} WHERE s.id = ?1"), vec![id.into()], shift_from)?;
        got.into_iter().next().filter(|s| may_write_unit(scope, s.region_code, s.new.unit_code)).ok_or(StoreError::OutOfScope)?;
        exec(self, "DELETE FROM duty_shifts WHERE id = ?1", vec![id.into()])?;
        Ok(())
    }

    fn shifts(&mut self, scope: &Scope, unit: Option<i64>, from: i64, to: i64, limit: usize) -> Result<Vec<Shift>, StoreError> {
        let mut args = Vec::new();
        let Some(cond) = scope_cond(scope, &mut args) else { return Ok(Vec::new()) };
        let mut cond = cond.replace("t.", "s.");
        if let Some(u) = unit {
            args.push(u.into());
            cond = format!("{cond} AND s.unit_code = ?{}", args.len());
        }
        args.push(to.into());
        args.push(from.into());
        let sql = format!("{SHIFT_SELECT} WHERE {cond} AND s.starts_at < ?{} AND s.ends_at > ?{} ORDER BY s.starts_at, s.id LIMIT {}", args.len() - 1, args.len(), crate::sql::limit(limit));
        let mut got = rows(self, &sql, args, shift_from)?;
        got.retain(|s| may_write_unit(scope, s.region_code, s.new.unit_code));
        Ok(got)
    }

    fn set_duty_channel(&mut self, scope: &Scope, unit: i64, webhook_id: Option<i64>, by: &str, now: i64) -> Result<(), StoreError> {
        let region = region_of(self, unit).map_err(|_| StoreError::OutOfScope)?;
        if !may_write_unit(scope, region, unit) {
            return Err(StoreError::OutOfScope);
        }
        exec(self, "DELETE FROM duty_channels WHERE unit_code = ?1", vec![unit.into()])?;
        if let Some(w) = webhook_id {
            exec(
                self,
                "INSERT INTO duty_channels (unit_code, region_code, webhook_id, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                vec![unit.into(), region.into(), w.into(), by.into(), now.into()],
            )?;
        }
        Ok(())
    }

    fn duty_channel(&mut self, scope: &Scope, unit: i64) -> Result<Option<DutyChannel>, StoreError> {
        let got = rows(self, "SELECT unit_code, webhook_id, updated_by, updated_at, region_code FROM duty_channels WHERE unit_code = ?1", vec![unit.into()], |r| {
            Ok((DutyChannel { unit_code: r.i64(0)?, webhook_id: r.i64(1)?, updated_by: r.string(2)?, updated_at: r.i64(3)? }, r.i64(4)?))
        })?;
        Ok(got.into_iter().find(|(c, region)| may_write_unit(scope, *region, c.unit_code)).map(|(c, _)| c))
    }

    fn unit_parent(&mut self, unit: i64) -> Result<Option<i64>, StoreError> {
        Ok(org_node(self, unit)?.and_then(|(_, p, _)| p))
    }

    fn unit_name(&mut self, unit: i64) -> Result<Option<String>, StoreError> {
        Ok(org_node(self, unit)?.map(|(_, _, n)| n))
    }

    fn create_period(&mut self, scope: &Scope, p: &NewPeriod, by: &str, now: i64) -> Result<Period, StoreError> {
        if !may_write_period(scope, p.area_code) {
            return Err(StoreError::OutOfScope);
        }
        let level = OrgLevel::from_code(&org_node(self, i64::from(p.area_code))?.map(|n| n.0).unwrap_or_default());
        if !matches!(level, Some(OrgLevel::Province | OrgLevel::City | OrgLevel::County)) {
            return Err(StoreError::Conflict(format!("保障范围 {} 不是行政区划（the area must be a division）", p.area_code)));
        }
        if p.ends_on < p.starts_on {
            return Err(StoreError::Conflict("结束日期早于开始日期（the period ends before it starts）".into()));
        }
        let (lo, hi) = crate::region_range(p.area_code);
        let id = one(rows(
            self,
            "INSERT INTO duty_periods (area_code, area_lo, area_hi, name, starts_on, ends_on, full_day, schools_report, cutoff_minutes, created_by, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            vec![
                i64::from(p.area_code).into(),
                i64::from(lo).into(),
                i64::from(hi).into(),
                p.name.trim().into(),
                p.starts_on.to_string().into(),
                p.ends_on.to_string().into(),
                p.full_day.into(),
                (p.reporters == Reporters::BureausAndSchools).into(),
                i64::from(p.cutoff_minutes.min(24 * 60 - 1)).into(),
                by.into(),
                now.into(),
            ],
            |r| r.i64(0),
        )?)?;
        visible_period(self, scope, id)
    }

    fn period(&mut self, scope: &Scope, id: i64) -> Result<Option<Period>, StoreError> {
        Ok(visible_period(self, scope, id).ok())
    }

    fn periods(&mut self, scope: &Scope, limit: usize) -> Result<Vec<Period>, StoreError> {
        let (lo, hi) = match scope {
            Scope::Region { lo, hi } => (*lo, *hi),
            Scope::School { county, .. } => (*county, *county),
            Scope::Nothing => return Ok(Vec::new()),
        };
        let sql = format!("SELECT {PERIOD_COLS} FROM duty_periods WHERE area_lo <= ?2 AND area_hi >= ?1 ORDER BY starts_on DESC, id DESC LIMIT {}", crate::sql::limit(limit));
        let mut got = rows(self, &sql, vec![i64::from(lo).into(), i64::from(hi).into()], period_from)?;
        got.retain(|p| period_visible(scope, p.new.area_code));
        Ok(got)
    }

    fn file_report(&mut self, scope: &Scope, period_id: i64, r: &NewReport, late: bool, by: &str, now: i64) -> Result<Report, StoreError> {
        let p = visible_period(self, scope, period_id)?;
        let region = region_of(self, r.unit_code).map_err(|_| StoreError::OutOfScope)?;
        if !may_write_unit(scope, region, r.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let Some((lo, hi, _)) = area_in(&Scope::Region { lo: 0, hi: 999_999 }, &p, None) else { return Err(StoreError::OutOfScope) };
        let (sql, args) = units_sql(lo, hi, p.new.reporters == Reporters::BureausAndSchools, None);
        let mut args = args;
        args.push(r.unit_code.into());
        let n = args.len();
        if org_rows(self, &format!("{sql} AND code = ?{n}"), args, unit_from)?.is_empty() {
            return Err(StoreError::OutOfScope);
        }
        if !p.holds(r.day) {
            return Err(StoreError::Conflict(format!("{} 不在保障期内（the day lies outside the period）", r.day)));
        }
        exec(self, "DELETE FROM duty_reports WHERE period_id = ?1 AND day = ?2 AND unit_code = ?3", vec![period_id.into(), r.day.to_string().into(), r.unit_code.into()])?;
        let incident = r.incident_id.map(Arg::I64);
        let mut args: Vec<Arg> = vec![period_id.into(), r.unit_code.into(), region.into(), r.day.to_string().into(), r.all_clear.into(), r.body.trim().into(), late.into(), by.into(), now.into()];
        let inc = match incident {
            Some(a) => {
                args.push(a);
                "?10"
            }
            None => "NULL",
        };
        let id = one(rows(
            self,
            &format!("INSERT INTO duty_reports (period_id, unit_code, region_code, day, all_clear, body, incident_id, late, filed_by, filed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {inc}, ?7, ?8, ?9) RETURNING id"),
            args,
            |r| r.i64(0),
        )?)?;
        Ok(Report { id, period_id, new: NewReport { body: r.body.trim().to_string(), ..r.clone() }, region_code: region, late, filed_by: by.to_string(), filed_at: now })
    }

    fn reports(&mut self, scope: &Scope, period_id: i64, day: Option<Date>, limit: usize) -> Result<Vec<Report>, StoreError> {
        if visible_period(self, scope, period_id).is_err() {
            return Ok(Vec::new());
        }
        let mut args: Vec<Arg> = vec![period_id.into()];
        let Some(mut cond) = scope_cond(scope, &mut args) else { return Ok(Vec::new()) };
        if let Some(d) = day {
            args.push(d.to_string().into());
            cond = format!("{cond} AND t.day = ?{}", args.len());
        }
        let sql = format!("SELECT {REPORT_COLS} FROM duty_reports t WHERE t.period_id = ?1 AND {cond} ORDER BY t.day DESC, t.unit_code LIMIT {}", crate::sql::limit(limit));
        let mut got = rows(self, &sql, args, report_from)?;
        got.retain(|r| may_write_unit(scope, r.region_code, r.new.unit_code));
        Ok(got)
    }

    fn reporting_units(&mut self, scope: &Scope, period_id: i64, region: Option<u32>) -> Result<Vec<Unit>, StoreError> {
        let Ok(p) = visible_period(self, scope, period_id) else { return Ok(Vec::new()) };
        let Some((lo, hi, school)) = area_in(scope, &p, region) else { return Ok(Vec::new()) };
        let (sql, args) = units_sql(lo, hi, p.new.reporters == Reporters::BureausAndSchools, school);
        let mut got = org_rows(self, &format!("{sql} ORDER BY 1"), args, unit_from)?;
        got.retain(|u| may_write_unit(scope, u.region_code, u.code));
        Ok(got)
    }

    fn day_status(&mut self, scope: &Scope, period_id: i64, day: Date, region: Option<u32>) -> Result<DayStatus, StoreError> {
        let Ok(p) = visible_period(self, scope, period_id) else { return Ok(DayStatus::default()) };
        let Some((lo, hi, school)) = area_in(scope, &p, region) else { return Ok(DayStatus::default()) };
        let schools = p.new.reporters == Reporters::BureausAndSchools;
        // The day's reports of the area: (unit, late, all clear).
        let reported = rows(
            self,
            "SELECT unit_code, late, all_clear, region_code FROM duty_reports WHERE period_id = ?1 AND day = ?2 AND region_code BETWEEN ?3 AND ?4",
            vec![period_id.into(), day.to_string().into(), i64::from(lo).into(), i64::from(hi).into()],
            |r| Ok((r.i64(0)?, r.bool(1)?, r.bool(2)?, r.i64(3)?)),
        )?;
        let reported: Vec<(i64, bool, bool, i64)> = reported.into_iter().filter(|r| school.is_none_or(|s| s == r.0)).collect();
        let by_unit: HashSet<i64> = reported.iter().map(|r| r.0).collect();
        let (sql, args) = units_sql(lo, hi, schools, school);
        let mut out = DayStatus::default();
        let mut regions: BTreeMap<u32, RegionStatus> = BTreeMap::new();
        {
            let units = org_rows(self, &sql, args, unit_from)?;
            for u in units {
                let code = u32::try_from(u.region_code).unwrap_or(0);
                let e = regions.entry(code).or_insert(RegionStatus { code, ..Default::default() });
                e.expected += 1;
                if by_unit.contains(&u.code) {
                    e.reported += 1;
                } else {
                    out.missing.push(u);
                }
            }
            out.missing.sort_by_key(|u| u.code);
        }
        // Late and 有情况 counts, from the day's reports of the units counted.
        for (_, late, clear, region) in &reported {
            if let Some(e) = regions.get_mut(&u32::try_from(*region).unwrap_or(0)) {
                e.late += u64::from(*late);
                e.with_events += u64::from(!*clear);
            }
        }
        for e in regions.values_mut() {
            e.missing = e.expected.saturating_sub(e.reported);
        }
        out.regions = regions.into_values().collect();
        out.missing.retain(|u| may_write_unit(scope, u.region_code, u.code));
        Ok(out)
    }

    fn claim_reminders(&mut self, period_id: i64, day: Date, units: &[i64], now: i64) -> Result<Vec<i64>, StoreError> {
        let done: HashSet<i64> = rows(self, "SELECT unit_code FROM duty_reminders WHERE period_id = ?1 AND day = ?2", vec![period_id.into(), day.to_string().into()], |r| r.i64(0))?.into_iter().collect();
        let fresh: Vec<i64> = units.iter().copied().filter(|u| !done.contains(u)).collect();
        for chunk in fresh.chunks(400) {
            let mut args: Vec<Arg> = vec![period_id.into(), day.to_string().into(), now.into()];
            let mut values = Vec::with_capacity(chunk.len());
            for u in chunk {
                args.push((*u).into());
                values.push(format!("(?1, ?2, ?{}, ?3)", args.len()));
            }
            exec(self, &format!("INSERT INTO duty_reminders (period_id, day, unit_code, sent_at) VALUES {}", values.join(", ")), args)?;
        }
        Ok(fresh)
    }

    fn queue_duty_message(&mut self, scope: &Scope, m: &QueuedMessage, now: i64) -> Result<i64, StoreError> {
        whole(scope)?;
        let lines = serde_json::to_string(&m.lines).unwrap_or_else(|_| "[]".into());
        one(rows(
            self,
            "INSERT INTO duty_outbox (webhook_id, topic, title, lines, queued_at, attempts) VALUES (?1, ?2, ?3, ?4, ?5, 1) RETURNING id",
            vec![m.webhook_id.into(), m.topic.as_str().into(), m.title.as_str().into(), lines.into(), now.into()],
            |r| r.i64(0),
        )?)
    }

    fn queued_duty_messages(&mut self, scope: &Scope, since: i64, limit: usize) -> Result<Vec<QueuedMessage>, StoreError> {
        if whole(scope).is_err() {
            return Ok(Vec::new());
        }
        exec(self, "DELETE FROM duty_outbox WHERE queued_at < ?1", vec![since.into()])?;
        rows(
            self,
            &format!("SELECT id, webhook_id, topic, title, lines, queued_at, attempts FROM duty_outbox ORDER BY id LIMIT {}", crate::sql::limit(limit)),
            Vec::new(),
            queued_from,
        )
    }

    fn settle_duty_message(&mut self, scope: &Scope, id: i64, delivered: bool) -> Result<(), StoreError> {
        whole(scope)?;
        if delivered {
            exec(self, "DELETE FROM duty_outbox WHERE id = ?1", vec![id.into()])?;
        } else {
            exec(self, "UPDATE duty_outbox SET attempts = attempts + 1 WHERE id = ?1", vec![id.into()])?;
        }
        Ok(())
    }

    fn release_reminders(&mut self, period_id: i64, day: Date, units: &[i64]) -> Result<(), StoreError> {
        for chunk in units.chunks(400) {
            let mut args: Vec<Arg> = vec![period_id.into(), day.to_string().into()];
            let mut marks = Vec::with_capacity(chunk.len());
            for u in chunk {
                args.push((*u).into());
                marks.push(format!("?{}", args.len()));
            }
            exec(self, &format!("DELETE FROM duty_reminders WHERE period_id = ?1 AND day = ?2 AND unit_code IN ({})", marks.join(", ")), args)?;
        }
        Ok(())
    }
}

/// Adds region rows up to the level below `level` (the province's cities, a city's counties);
/// a bureau above a county counts as its own region.
pub fn by_level(rows: &[RegionStatus], level: OrgLevel) -> Vec<RegionStatus> {
    let mut by: BTreeMap<u32, RegionStatus> = BTreeMap::new();
    for r in rows {
        let code = match level {
            OrgLevel::Province => crate::sql::city_of(r.code),
            _ => r.code,
        };
        let e = by.entry(code).or_insert(RegionStatus { code, ..Default::default() });
        e.expected += r.expected;
        e.reported += r.reported;
        e.late += r.late;
        e.with_events += r.with_events;
        e.missing += r.missing;
    }
    by.into_values().collect()
}

/// The sum of rows.
pub fn total(rows: &[RegionStatus]) -> RegionStatus {
    let mut t = RegionStatus::default();
    for r in rows {
        t.expected += r.expected;
        t.reported += r.reported;
        t.late += r.late;
        t.with_events += r.with_events;
        t.missing += r.missing;
    }
    t
}

#[cfg(test)]
mod tests {
    /// The auditor reads the duty, app and ledger registers and writes none of them, as the 等保
    /// register; a data consumer neither.
    #[test]
    fn auditor_reads_the_registers_and_writes_nothing() {
        use crate::Role;
        assert!(role_reads(Role::Auditor) && !role_writes(Role::Auditor) && !role_unmasks(Role::Auditor) && !role_sets_periods(Role::Auditor));
        assert!(crate::ledger::role_reads(Role::Auditor) && !crate::ledger::role_writes(Role::Auditor) && !crate::ledger::role_publishes(Role::Auditor));
        assert!(crate::apps::role_reads(Role::Auditor) && crate::apps::role_reads_uses(Role::Auditor) && !crate::apps::role_writes_filings(Role::Auditor) && !crate::apps::role_writes_uses(Role::Auditor));
        assert!(!role_reads(Role::DataConsumer) && !crate::ledger::role_reads(Role::DataConsumer) && !crate::apps::role_reads(Role::DataConsumer));
        for r in [Role::ProvinceAdmin, Role::CityOfficer, Role::CountyOfficer, Role::SchoolAdmin, Role::SecurityOfficer] {
            assert!(role_reads(r) && role_writes(r) && crate::ledger::role_reads(r) && crate::ledger::role_writes(r) && crate::apps::role_reads(r), "{r:?}");
        }
    }

    use super::*;

    #[test]
    fn days_and_rules() {
        let d = Date::parse_iso("2026-12-07").unwrap();
        assert_eq!(day_of(day_start(d)), d);
        assert_eq!(day_of(day_start(d) - 1), Date::from_days_since_epoch(d.days_since_epoch() - 1));
        assert!(may_write_period(&Scope::Region { lo: 510000, hi: 519999 }, 510100));
        assert!(!may_write_period(&Scope::Region { lo: 510100, hi: 510199 }, 510000));
        assert!(period_visible(&Scope::Region { lo: 510104, hi: 510104 }, 510000));
        assert!(!period_visible(&Scope::Region { lo: 510104, hi: 510104 }, 510700));
        assert!(!may_write_period(&Scope::School { code: "5101040001".into(), county: 510104 }, 510104));
    }
}
