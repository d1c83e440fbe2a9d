//! 等保 2.0 台账 — the register of information systems under the classified protection of
//! cybersecurity (网络安全等级保护, GB/T 22239-2019): each unit's systems with their level,
//! filing with the public-security authority (备案), assessments (测评) and rectification items
//! (整改), and the due dates the rules of `secman::mlps` compute for them.
//!
//! A system belongs to a unit of the organisation tree (a bureau or a school) and is judged by
//! [`may_write_system`], the monitor's rule for sites: a school's system by its school and county,
//! a bureau's by the bureau's own code. Every read and write below takes a [`Scope`]; a system
//! outside it is answered as missing (reads: None; writes: [`StoreError::OutOfScope`], the same
//! whether or not it exists).
//!
//! The SQL is written once (`?N` placeholders rendered per [`Dialect`]); a backend supplies
//! four primitives ([`MlpsSql`]) and gets [`Mlps`] whole. Dates are kept as `YYYY-MM-DD` text,
//! so that comparing them as text compares them as dates on both backends.

use crate::sql::{Arg, Dialect, SqlRow, Where};
use crate::{OrgLevel, Page, Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;

/// What a unit says of a system (the console's form, the API's body, an import row).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewSystem {
    /// The unit it belongs to: a school (学校标识码) or a bureau (GB/T 2260 code).
    pub unit_code: i64,
    pub name: String,
    /// The responsible department or post (责任部门), not a person's name.
    pub owner: String,
    pub purpose: String,
    /// 安全保护等级, 1–5.
    pub level: u8,
    /// 关键信息基础设施.
    pub cii: bool,
    /// 上线运行日期.
    pub live_on: Option<Date>,
    /// 备案证明编号 (empty: not filed).
    pub filing_no: String,
    pub filing_on: Option<Date>,
    /// 受理备案的公安机关.
    pub filing_authority: String,
}

/// The due dates of a system, computed by the rules (`secman::mlps::dues`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dues {
    /// Filing due (level ≥ 2, not yet filed).
    pub filing: Option<Date>,
    /// Next assessment due (level ≥ 3).
    pub assessment: Option<Date>,
    /// The earliest open rectification item's due date.
    pub rectification: Option<Date>,
}

impl Dues {
    /// The earliest of the three: what the overdue list sorts and filters by.
    pub fn next(&self) -> Option<Date> {
        [self.filing, self.assessment, self.rectification].into_iter().flatten().min()
    }
}

/// A system as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct System {
    pub id: i64,
    pub new: NewSystem,
    /// The division whose scope covers it (a school's county, a bureau itself).
    pub region_code: i64,
    pub last_assessed: Option<Date>,
    pub dues: Dues,
    pub next_due: Option<Date>,
    /// Open rectification items.
    pub open_items: u32,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// 测评结论 by the composite score (公安部测评报告模板: 优 ≥ 90, 良 ≥ 80, 中 ≥ 70, 差 < 70).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    Excellent,
    Good,
    Fair,
    Poor,
}

impl Conclusion {
    pub const ALL: [Conclusion; 4] = [Conclusion::Excellent, Conclusion::Good, Conclusion::Fair, Conclusion::Poor];
    pub fn code(self) -> &'static str {
        match self {
            Conclusion::Excellent => "excellent",
            Conclusion::Good => "good",
            Conclusion::Fair => "fair",
            Conclusion::Poor => "poor",
        }
    }
    pub fn parse(s: &str) -> Option<Conclusion> {
        Conclusion::ALL.into_iter().find(|c| c.code() == s || c.zh() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Conclusion::Excellent => "优",
            Conclusion::Good => "良",
            Conclusion::Fair => "中",
            Conclusion::Poor => "差",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Conclusion::Excellent => "Excellent",
            Conclusion::Good => "Good",
            Conclusion::Fair => "Fair",
            Conclusion::Poor => "Poor",
        }
    }
    /// The conclusion a score (0–100) gives.
    pub fn of_score(score: f64) -> Conclusion {
        if score >= 90.0 {
            Conclusion::Excellent
        } else if score >= 80.0 {
            Conclusion::Good
        } else if score >= 70.0 {
            Conclusion::Fair
        } else {
            Conclusion::Poor
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAssessment {
    pub assessed_on: Date,
    /// 测评机构.
    pub agency: String,
    /// 综合得分, 0–100 (two decimals kept).
    pub score: Option<f64>,
    pub conclusion: Conclusion,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub id: i64,
    pub system_id: i64,
    pub new: NewAssessment,
    pub recorded_by: String,
    pub recorded_at: i64,
    /// The report's file (测评报告), of `store::attachments`.
    pub report_attachment: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRectification {
    /// 整改事项.
    pub item: String,
    pub due_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rectification {
    pub id: i64,
    pub system_id: i64,
    pub item: String,
    pub due_on: Date,
    pub done_on: Option<Date>,
    /// 整改证明 (what was done, a document's number).
    pub evidence: String,
    pub created_by: String,
    pub created_at: i64,
    /// The evidence file, of `store::attachments`.
    pub attachment: Option<i64>,
}

/// Where a system stands against its due dates on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    /// A due date has passed.
    Overdue,
    /// Due within 60 days (the first reminder).
    DueSoon,
    /// Nothing due within 60 days.
    Ok,
}

impl DueState {
    pub const ALL: [DueState; 3] = [DueState::Overdue, DueState::DueSoon, DueState::Ok];
    pub fn code(self) -> &'static str {
        match self {
            DueState::Overdue => "overdue",
            DueState::DueSoon => "due_soon",
            DueState::Ok => "ok",
        }
    }
    pub fn parse(s: &str) -> Option<DueState> {
        DueState::ALL.into_iter().find(|d| d.code() == s)
    }
    /// Of a next due date on `today`.
    pub fn of(next: Option<Date>, today: Date) -> DueState {
        match next {
            Some(d) if d < today => DueState::Overdue,
            Some(d) if d.days_since_epoch() - today.days_since_epoch() <= SOON_DAYS => DueState::DueSoon,
            _ => DueState::Ok,
        }
    }
}

/// The first reminder: 60 days before a due date.
pub const SOON_DAYS: i64 = 60;

/// Filters of the register; `after` is the id of the previous page's last system.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemQuery {
    /// A division inside the scope.
    pub region: Option<u32>,
    pub level: Option<u8>,
    pub state: Option<DueState>,
    /// The day states are judged on (the clock's, in China Standard Time).
    pub today: Date,
    pub after: Option<i64>,
    pub limit: usize,
}

impl SystemQuery {
    pub fn on(today: Date) -> SystemQuery {
        SystemQuery { region: None, level: None, state: None, today, after: None, limit: 50 }
    }
}

/// Counts of a query's systems (its filters but not its state), by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub systems: u64,
    pub overdue: u64,
    pub due_soon: u64,
    pub unfiled: u64,
}

/// One region's figures of level ≥ 2 systems, for the completion rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionCompletion {
    pub code: u32,
    /// Level ≥ 2 systems.
    pub systems: u64,
    pub filed: u64,
    /// Level ≥ 3 systems (assessed periodically).
    pub assessed_required: u64,
    /// …of which assessed on time (their next assessment not yet due).
    pub assessed_on_time: u64,
    pub overdue: u64,
}

impl RegionCompletion {
    /// Share of level ≥ 2 systems filed.
    pub fn filed_rate(&self) -> Option<f64> {
        (self.systems > 0).then(|| self.filed as f64 / self.systems as f64)
    }
    /// Share of level ≥ 3 systems assessed on time.
    pub fn assessed_rate(&self) -> Option<f64> {
        (self.assessed_required > 0).then(|| self.assessed_on_time as f64 / self.assessed_required as f64)
    }
    /// Share of level ≥ 2 systems with nothing overdue.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.systems > 0).then(|| (self.systems - self.overdue) as f64 / self.systems as f64)
    }
}

/// Who reads the register (within their area): the province, city and county officers, school
/// administrators, security officers and auditors (pages, API and export of their area, no
/// writes); a data consumer sees nothing of it.
pub fn role_reads(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SchoolAdmin | SecurityOfficer | Auditor)
}

/// Who writes it: the readers but the auditor, each within their area ([`may_write_system`]):
/// a county's officer and security officer their county's units, a school administrator their
/// school.
pub fn role_writes(role: crate::Role) -> bool {
    role_reads(role) && role != crate::Role::Auditor
}

/// The write rule: a writer may write a system when its area holds the system's unit
/// (a school's system: the school and every division above it; a bureau's: the bureau's area).
pub fn may_write_system(scope: &Scope, region_code: i64, unit_code: i64) -> bool {
    crate::monitor::may_write_site(scope, region_code, unit_code)
}

/// The read rule, the same place judged for reading.
pub fn visible(scope: &Scope, sys: &System) -> bool {
    may_write_system(scope, sys.region_code, sys.new.unit_code)
}

/// What a backend provides: the dialect, a query, a statement, and the organisation node of a
/// unit (SQLite keeps the tree in another file). Not part of [`crate::Backend`]: callers above
/// the store see only [`Mlps`], whose every method takes a scope.
pub trait MlpsSql {
    fn mlps_dialect(&self) -> Dialect;
    fn mlps_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn mlps_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
    /// Runs statements without arguments (`BEGIN`, `COMMIT`, `ROLLBACK` of an import).
    fn mlps_batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// The level and parent of an organisation node ([`crate::monitor::sql::ORG_NODE`]).
    fn mlps_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError>;
}

/// The register's storage, scoped; the rules (due dates, validation) are in `secman::mlps`.
pub trait Mlps {
    /// Stores a new system; [`StoreError::OutOfScope`] when its unit lies outside the scope,
    /// Conflict when the unit is not in the tree.
    fn create_system(&mut self, scope: &Scope, s: &NewSystem, dues: &Dues, by: &str, now: i64) -> Result<System, StoreError>;
    /// Replaces a system's values; OutOfScope when it is missing, outside the scope, or would
    /// move outside it.
    fn update_system(&mut self, scope: &Scope, id: i64, s: &NewSystem, dues: &Dues, now: i64) -> Result<System, StoreError>;
    /// Sets the due dates (and recounts the open items); OutOfScope as above.
    fn set_dues(&mut self, scope: &Scope, id: i64, dues: &Dues) -> Result<(), StoreError>;
    fn system(&mut self, scope: &Scope, id: i64) -> Result<Option<System>, StoreError>;
    /// A page in id order.
    fn systems(&mut self, scope: &Scope, q: &SystemQuery) -> Result<Page<System>, StoreError>;
    /// The query's counts (its state filter ignored).
    fn system_totals(&mut self, scope: &Scope, q: &SystemQuery) -> Result<Totals, StoreError>;
    /// Overdue systems, longest overdue first, `limit` at most.
    fn overdue_systems(&mut self, scope: &Scope, region: Option<u32>, today: Date, limit: usize) -> Result<Vec<System>, StoreError>;
    /// Level ≥ 2 figures by the region code systems are kept under.
    fn completion(&mut self, scope: &Scope, today: Date) -> Result<Vec<RegionCompletion>, StoreError>;
    /// Records an assessment and the system's latest assessment date; OutOfScope as above.
    fn add_assessment(&mut self, scope: &Scope, system_id: i64, a: &NewAssessment, by: &str, now: i64) -> Result<Assessment, StoreError>;
    /// Newest first; empty for a system outside the scope.
    fn assessments(&mut self, scope: &Scope, system_id: i64) -> Result<Vec<Assessment>, StoreError>;
    fn add_rectification(&mut self, scope: &Scope, system_id: i64, r: &NewRectification, by: &str, now: i64) -> Result<Rectification, StoreError>;
    /// Marks an item done; OutOfScope when it is missing or its system outside the scope,
    /// Conflict when it was done already.
    fn close_rectification(&mut self, scope: &Scope, system_id: i64, item_id: i64, done_on: Date, evidence: &str) -> Result<(), StoreError>;
    /// By due date; empty for a system outside the scope.
    fn rectifications(&mut self, scope: &Scope, system_id: i64) -> Result<Vec<Rectification>, StoreError>;
    /// Records attachment `attachment` as assessment `assessment_id`'s report file (测评报告),
    /// replacing an earlier one. OutOfScope outside the system's area or for another system's
    /// assessment.
    fn set_assessment_report(&mut self, scope: &Scope, system_id: i64, assessment_id: i64, attachment: i64) -> Result<(), StoreError>;
    /// Records attachment `attachment` as rectification item `item_id`'s evidence file,
    /// replacing an earlier one. OutOfScope outside the system's area or for another system's item.
    fn attach_rectification(&mut self, scope: &Scope, system_id: i64, item_id: i64, attachment: i64) -> Result<(), StoreError>;
    /// Records that a reminder went out to the robots; false when it had been recorded before
    /// (each reminder is sent once). OutOfScope when the system is missing or outside the scope.
    fn record_reminder(&mut self, scope: &Scope, k: &ReminderKey, now: i64) -> Result<bool, StoreError>;
    /// Whether the reminder was recorded; false for a system outside the scope.
    fn reminder_recorded(&mut self, scope: &Scope, k: &ReminderKey) -> Result<bool, StoreError>;
    /// Stores the rows of an import as a writer with `scope`, in one transaction (all or, on
    /// an error, none): each row's system with its dues and, when given, its latest assessment.
    /// A row whose unit is outside the scope or not in the tree is refused (one answer for
    /// both), a row whose unit already has a system of that name is refused as existing.
    fn import_systems(&mut self, scope: &Scope, rows: &[ImportRow], by: &str, now: i64) -> Result<ImportDone, StoreError>;
}

/// One row of an import, read and checked (`secman::mlps_import`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub system: NewSystem,
    pub dues: Dues,
    pub assessment: Option<NewAssessment>,
}

/// Why the store refused an import row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The unit lies outside the writer's area (or is not in the tree: the same answer).
    OutOfScope,
    /// The unit has a system of this name already.
    Exists,
}

/// What an import stored: the new systems' ids, and the rows refused (their index in the rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportDone {
    pub inserted: Vec<i64>,
    pub refused: Vec<(usize, Refused)>,
}

/// One reminder of one due date of a system: which date (`filing`, `assessment`,
/// `rectification`), the date, and the stage (`60`, `30`, `7` days ahead, `late`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderKey {
    pub system_id: i64,
    pub due: String,
    pub due_on: Date,
    pub stage: String,
}

pub const SYSTEM_COLS: &str = "id, unit_code, region_code, name, owner, purpose, level, cii, live_on, filing_no, filing_on, filing_authority, last_assessed, filing_due, assessment_due, rect_due, next_due, open_items, created_by, created_at, updated_at";
const ASSESS_COLS: &str = "id, system_id, assessed_on, agency, score, conclusion, recorded_by, recorded_at, report_attachment";
const RECT_COLS: &str = "id, system_id, item, due_on, done_on, evidence, created_by, created_at, attachment_id";

fn date_arg(d: Option<Date>) -> Arg {
    Arg::Text(d.map(|d| d.to_string()).unwrap_or_default())
}

fn date_of(r: &dyn SqlRow, i: usize) -> Result<Option<Date>, StoreError> {
    Ok(r.opt_string(i)?.and_then(|s| Date::parse_iso(&s)))
}

fn system_from(r: &dyn SqlRow) -> Result<System, StoreError> {
    let dues = Dues { filing: date_of(r, 13)?, assessment: date_of(r, 14)?, rectification: date_of(r, 15)? };
    Ok(System {
        id: r.i64(0)?,
        new: NewSystem {
            unit_code: r.i64(1)?,
            name: r.string(3)?,
            owner: r.string(4)?,
            purpose: r.string(5)?,
            level: r.i64(6)?.clamp(0, 9) as u8,
            cii: r.bool(7)?,
            live_on: date_of(r, 8)?,
            filing_no: r.string(9)?,
            filing_on: date_of(r, 10)?,
            filing_authority: r.string(11)?,
        },
        region_code: r.i64(2)?,
        last_assessed: date_of(r, 12)?,
        dues,
        next_due: date_of(r, 16)?,
        open_items: r.i64(17)?.max(0) as u32,
        created_by: r.string(18)?,
        created_at: r.i64(19)?,
        updated_at: r.i64(20)?,
    })
}

fn assessment_from(r: &dyn SqlRow) -> Result<Assessment, StoreError> {
    let c = r.string(5)?;
    Ok(Assessment {
        id: r.i64(0)?,
        system_id: r.i64(1)?,
        new: NewAssessment {
            assessed_on: date_of(r, 2)?.ok_or_else(|| StoreError::Internal("assessment without a date".into()))?,
            agency: r.string(3)?,
            score: r.opt_i64(4)?.map(|v| v as f64 / 100.0),
            conclusion: Conclusion::parse(&c).ok_or_else(|| StoreError::Internal(format!("unknown conclusion {c}")))?,
        },
        recorded_by: r.string(6)?,
        recorded_at: r.i64(7)?,
        report_attachment: r.opt_i64(8)?.filter(|a| *a > 0),
    })
}

fn rect_from(r: &dyn SqlRow) -> Result<Rectification, StoreError> {
    Ok(Rectification {
        id: r.i64(0)?,
        system_id: r.i64(1)?,
        item: r.string(2)?,
        due_on: date_of(r, 3)?.ok_or_else(|| StoreError::Internal("rectification without a due date".into()))?,
        done_on: date_of(r, 4)?,
        evidence: r.string(5)?,
        created_by: r.string(6)?,
        created_at: r.i64(7)?,
        attachment: r.opt_i64(8)?.filter(|a| *a > 0),
    })
}

fn rows<T>(db: &mut (impl MlpsSql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.mlps_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.mlps_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn rows_of(db: &mut (impl MlpsSql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<Vec<i64>, StoreError> {
    rows(db, sql, args, |r| r.i64(0))
}

fn exec(db: &mut (impl MlpsSql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
    let sql = db.mlps_dialect().render(sql).into_owned();
    db.mlps_exec(&sql, args)
}

/// The region a unit's systems are kept under (a school's county, a division itself).
fn region_of(db: &mut (impl MlpsSql + ?Sized), unit: i64) -> Result<i64, StoreError> {
    let node = db.mlps_org(unit)?;
    crate::monitor::sql::site_region(unit, node).map_err(|_| StoreError::Conflict(format!("单位代码 {unit} 不在组织机构树中，请填写学校标识码或教育行政部门的行政区划代码（unknown unit {unit}）")))
}

/// The scope's condition on the systems table (alias-free).
fn scope_cond(w: &mut Where, scope: &Scope) -> Result<(), StoreError> {
    scope_cond_by(w, scope, true)
}

/// Whether the scope is a city's or the province's range (a large share of the rows).
fn wide(scope: &Scope) -> bool {
    matches!(scope, Scope::Region { lo, hi } if hi - lo >= 99)
}

/// The scope's condition; `aside` sets the region index aside for a wide scope on SQLite.
fn scope_cond_by(w: &mut Where, scope: &Scope, aside: bool) -> Result<(), StoreError> {
    match scope {
        Scope::Region { lo, hi } => {
            // A city's or the province's range holds a large share of the rows: reading them in
            // id order (the register's order) and stopping at a page beats reading the range's
            // index and sorting it, so SQLite is told to set the index aside there (unary +).
            // PostgreSQL is not: it cannot estimate `+region_code`, took the range for a few
            // rows and sorted every overdue row of the province (bench-security); its planner
            // makes the same choice from the column's statistics.
            let col = if aside && hi - lo >= 99 && w.dialect == Dialect::Sqlite { "+region_code" } else { "region_code" };
            let c = format!("{col} BETWEEN {} AND {}", w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
            w.cond(c);
        }
        Scope::School { code, .. } => {
            let c = format!("unit_code = {}", w.arg(code.parse::<i64>().unwrap_or(-1)));
            w.cond(c);
        }
        Scope::Nothing => return Err(StoreError::OutOfScope),
    }
    Ok(())
}

fn plus_days(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

/// The conditions of a register query (state included when `with_state`; `by_due`: the list is
/// ordered by due date).
fn query_conds(dialect: Dialect, scope: &Scope, q: &SystemQuery, with_state: bool, by_due: bool) -> Result<Option<Where>, StoreError> {
    let use_due = with_state && due_index(dialect, scope, q, by_due);
    let Some(scope) = crate::sql::effective(scope, q.region) else { return Ok(None) };
    let mut w = Where::new(dialect);
    // A due-date filter read through `mlps_systems_due_region` (see [`systems_from`]) judges
    // the region in the index.
    if scope_cond_by(&mut w, &scope, !use_due).is_err() {
        return Ok(None);
    }
    // Otherwise SQLite is told not to drive the query by the due date (unary +): a county
    // reads its own region index, a wide scope walks the register in id order and stops at a
    // page (the overdue are dense).
    let next_due = if dialect == Dialect::Sqlite && !use_due { "+next_due" } else { "next_due" };
    if let Some(l) = q.level {
        let c = format!("level = {}", w.arg(i64::from(l)));
        w.cond(c);
    }
    if with_state {
        if let Some(st) = q.state {
            let today = q.today.to_string();
            let soon = plus_days(q.today, SOON_DAYS).to_string();
            let c = match st {
                // `> ''` rather than `<> ''`: a range the due-date indexes start after the
                // undated systems (a third of the register) instead of skipping them.
                DueState::Overdue => format!("{next_due} > '' AND {next_due} < {}", w.arg(today)),
                DueState::DueSoon => format!("{next_due} >= {} AND {next_due} <= {}", w.arg(today), w.arg(soon)),
                DueState::Ok => format!("(next_due = '' OR next_due > {})", w.arg(soon)),
            };
            w.cond(c);
        }
        if let Some(a) = q.after {
            let c = format!("id > {}", w.arg(a));
            w.cond(c);
        }
    }
    Ok(Some(w))
}

/// Whether a state filter is a range of due dates.
fn dated(state: Option<DueState>) -> bool {
    matches!(state, Some(DueState::Overdue | DueState::DueSoon))
}

/// Whether SQLite should read `(next_due, region_code, id)`: a city's or the province's list
/// ordered by due date (the overdue list), or filtered to the sparse "due within 60 days".
fn due_index(d: Dialect, scope: &Scope, q: &SystemQuery, by_due: bool) -> bool {
    let wide_scope = crate::sql::effective(scope, q.region).as_ref().is_some_and(wide);
    d == Dialect::Sqlite && wide_scope && dated(q.state) && (by_due || q.state == Some(DueState::DueSoon))
}

/// The register's table in a list's FROM: on SQLite, see [`due_index`] (its planner otherwise
/// walked `(next_due, id)` and read each row to find the city's tenth).
fn systems_from(d: Dialect, scope: &Scope, q: &SystemQuery, by_due: bool) -> &'static str {
    if due_index(d, scope, q, by_due) {
        "mlps_systems INDEXED BY mlps_systems_due_region"
    } else {
        "mlps_systems"
    }
}

fn system_args(s: &NewSystem) -> Vec<Arg> {
    vec![
        s.name.trim().into(),
        s.owner.trim().into(),
        s.purpose.trim().into(),
        i64::from(s.level).into(),
        s.cii.into(),
        date_arg(s.live_on),
        s.filing_no.trim().into(),
        date_arg(s.filing_on),
        s.filing_authority.trim().into(),
    ]
}

fn dues_args(d: &Dues) -> Vec<Arg> {
    vec![date_arg(d.filing), date_arg(d.assessment), date_arg(d.rectification), date_arg(d.next())]
}

/// The stored system the scope may write, or OutOfScope.
fn writable(db: &mut (impl MlpsSql + ?Sized), scope: &Scope, id: i64) -> Result<System, StoreError> {
    let found = rows(db, &format!("SELECT {SYSTEM_COLS} FROM mlps_systems WHERE id = ?1"), vec![id.into()], system_from)?;
    found.into_iter().next().filter(|s| visible(scope, s)).ok_or(StoreError::OutOfScope)
}

fn count(v: i64) -> u64 {
    v.max(0) as u64
}

impl<T: MlpsSql + crate::memo::MemoSql + ?Sized> Mlps for T {
    fn create_system(&mut self, scope: &Scope, s: &NewSystem, dues: &Dues, by: &str, now: i64) -> Result<System, StoreError> {
        let region = region_of(self, s.unit_code)?;
        if !may_write_system(scope, region, s.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let mut args = vec![Arg::I64(s.unit_code), Arg::I64(region)];
        args.extend(system_args(s));
        args.extend(dues_args(dues));
        args.extend([by.into(), now.into()]);
        let ids = rows(
            self,
            "INSERT INTO mlps_systems (unit_code, region_code, name, owner, purpose, level, cii, live_on, filing_no, filing_on, filing_authority, last_assessed, filing_due, assessment_due, rect_due, next_due, open_items, created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '', ?12, ?13, ?14, ?15, 0, ?16, ?17, ?17) RETURNING id",
            args,
            |r| r.i64(0),
        )?;
        let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        writable(self, scope, id)
    }

    fn update_system(&mut self, scope: &Scope, id: i64, s: &NewSystem, dues: &Dues, now: i64) -> Result<System, StoreError> {
        writable(self, scope, id)?;
        let region = region_of(self, s.unit_code).map_err(|_| StoreError::OutOfScope)?;
        if !may_write_system(scope, region, s.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let mut args = vec![Arg::I64(id), Arg::I64(s.unit_code), Arg::I64(region)];
        args.extend(system_args(s));
        args.extend(dues_args(dues));
        args.push(now.into());
        exec(
            self,
            "UPDATE mlps_systems SET unit_code = ?2, region_code = ?3, name = ?4, owner = ?5, purpose = ?6, level = ?7, cii = ?8, live_on = ?9, filing_no = ?10, filing_on = ?11, filing_authority = ?12, \
             filing_due = ?13, assessment_due = ?14, rect_due = ?15, next_due = ?16, updated_at = ?17 WHERE id = ?1",
            args,
        )?;
        writable(self, scope, id)
    }

    fn set_dues(&mut self, scope: &Scope, id: i64, dues: &Dues) -> Result<(), StoreError> {
        writable(self, scope, id)?;
        let mut args = vec![Arg::I64(id)];
        args.extend(dues_args(dues));
        exec(
            self,
            "UPDATE mlps_systems SET filing_due = ?2, assessment_due = ?3, rect_due = ?4, next_due = ?5, \
             open_items = (SELECT COUNT(*) FROM mlps_rectifications r WHERE r.system_id = ?1 AND r.done_on = '') WHERE id = ?1",
            args,
        )?;
        Ok(())
    }

    fn system(&mut self, scope: &Scope, id: i64) -> Result<Option<System>, StoreError> {
        Ok(writable(self, scope, id).ok())
    }

    fn systems(&mut self, scope: &Scope, q: &SystemQuery) -> Result<Page<System>, StoreError> {
        let Some(w) = query_conds(self.mlps_dialect(), scope, q, true, false)? else { return Ok(crate::sql::empty()) };
        let n = crate::sql::limit(q.limit);
        let sql = format!("SELECT {SYSTEM_COLS} FROM {}{} ORDER BY id LIMIT {}", systems_from(self.mlps_dialect(), scope, q, false), w.where_(), n + 1);
        let mut got = Vec::new();
        self.mlps_rows(&sql, w.args, &mut |r| {
            got.push(system_from(r)?);
            Ok(())
        })?;
        got.retain(|s| visible(scope, s));
        Ok(crate::sql::page(got, n, |s| s.id.to_string()))
    }

    fn system_totals(&mut self, scope: &Scope, q: &SystemQuery) -> Result<Totals, StoreError> {
        // Remembered per area, filters and day until the register changes (store::memo).
        let key = format!("region={:?};level={:?}", q.region, q.level);
        crate::memo::cached(self, crate::memo::MLPS, "totals", scope, &key, Some(q.today), |db| totals_now(db, scope, q))
    }

    fn overdue_systems(&mut self, scope: &Scope, region: Option<u32>, today: Date, limit: usize) -> Result<Vec<System>, StoreError> {
        let q = SystemQuery { region, state: Some(DueState::Overdue), ..SystemQuery::on(today) };
        let Some(w) = query_conds(self.mlps_dialect(), scope, &q, true, true)? else { return Ok(Vec::new()) };
        let sql = format!("SELECT {SYSTEM_COLS} FROM {}{} ORDER BY next_due, id LIMIT {}", systems_from(self.mlps_dialect(), scope, &q, true), w.where_(), crate::sql::limit(limit));
        let mut got = Vec::new();
        self.mlps_rows(&sql, w.args, &mut |r| {
            got.push(system_from(r)?);
            Ok(())
        })?;
        got.retain(|s| visible(scope, s));
        Ok(got)
    }

    fn completion(&mut self, scope: &Scope, today: Date) -> Result<Vec<RegionCompletion>, StoreError> {
        crate::memo::cached(self, crate::memo::MLPS, "completion", scope, "", Some(today), |db| completion_now(db, scope, today))
    }

    fn add_assessment(&mut self, scope: &Scope, system_id: i64, a: &NewAssessment, by: &str, now: i64) -> Result<Assessment, StoreError> {
        writable(self, scope, system_id)?;
        let score = a.score.map(|v| Arg::I64((v * 100.0).round() as i64));
        let ids = rows(
            self,
            &format!("INSERT INTO mlps_assessments (system_id, assessed_on, agency, score, conclusion, recorded_by, recorded_at) VALUES (?1, ?2, ?3, {}, ?4, ?5, ?6) RETURNING id", if score.is_some() { "?7" } else { "NULL" }),
            {
                let mut v = vec![Arg::I64(system_id), a.assessed_on.to_string().into(), a.agency.trim().into(), a.conclusion.code().into(), by.into(), now.into()];
                v.extend(score);
                v
            },
            |r| r.i64(0),
        )?;
        exec(
            self,
            "UPDATE mlps_systems SET last_assessed = (SELECT MAX(assessed_on) FROM mlps_assessments a WHERE a.system_id = ?1), updated_at = ?2 WHERE id = ?1",
            vec![system_id.into(), now.into()],
        )?;
        let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        Ok(Assessment { id, system_id, new: a.clone(), recorded_by: by.to_string(), recorded_at: now, report_attachment: None })
    }

    fn assessments(&mut self, scope: &Scope, system_id: i64) -> Result<Vec<Assessment>, StoreError> {
        if writable(self, scope, system_id).is_err() {
            return Ok(Vec::new());
        }
        rows(self, &format!("SELECT {ASSESS_COLS} FROM mlps_assessments WHERE system_id = ?1 ORDER BY assessed_on DESC, id DESC"), vec![system_id.into()], assessment_from)
    }

    fn add_rectification(&mut self, scope: &Scope, system_id: i64, r: &NewRectification, by: &str, now: i64) -> Result<Rectification, StoreError> {
        writable(self, scope, system_id)?;
        let ids = rows(
            self,
            "INSERT INTO mlps_rectifications (system_id, item, due_on, done_on, evidence, created_by, created_at) VALUES (?1, ?2, ?3, '', '', ?4, ?5) RETURNING id",
            vec![system_id.into(), r.item.trim().into(), r.due_on.to_string().into(), by.into(), now.into()],
            |r| r.i64(0),
        )?;
        let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        Ok(Rectification { id, system_id, item: r.item.trim().to_string(), due_on: r.due_on, done_on: None, evidence: String::new(), created_by: by.to_string(), created_at: now, attachment: None })
    }

    fn close_rectification(&mut self, scope: &Scope, system_id: i64, item_id: i64, done_on: Date, evidence: &str) -> Result<(), StoreError> {
        writable(self, scope, system_id)?;
        let found = rows(self, &format!("SELECT {RECT_COLS} FROM mlps_rectifications WHERE id = ?1 AND system_id = ?2"), vec![item_id.into(), system_id.into()], rect_from)?;
        let item = found.into_iter().next().ok_or(StoreError::OutOfScope)?;
        if item.done_on.is_some() {
            return Err(StoreError::Conflict("该整改事项已完成，不能再次完成（the item is done already）".into()));
        }
        exec(self, "UPDATE mlps_rectifications SET done_on = ?2, evidence = ?3 WHERE id = ?1 AND done_on = ''", vec![item_id.into(), done_on.to_string().into(), evidence.trim().into()])?;
        Ok(())
    }

    fn set_assessment_report(&mut self, scope: &Scope, system_id: i64, assessment_id: i64, attachment: i64) -> Result<(), StoreError> {
        writable(self, scope, system_id)?;
        let n = exec(self, "UPDATE mlps_assessments SET report_attachment = ?3 WHERE id = ?1 AND system_id = ?2", vec![assessment_id.into(), system_id.into(), attachment.into()])?;
        if n == 0 {
            return Err(StoreError::OutOfScope);
        }
        Ok(())
    }

    fn attach_rectification(&mut self, scope: &Scope, system_id: i64, item_id: i64, attachment: i64) -> Result<(), StoreError> {
        writable(self, scope, system_id)?;
        let n = exec(self, "UPDATE mlps_rectifications SET attachment_id = ?3 WHERE id = ?1 AND system_id = ?2", vec![item_id.into(), system_id.into(), attachment.into()])?;
        if n == 0 {
            return Err(StoreError::OutOfScope);
        }
        Ok(())
    }

    fn rectifications(&mut self, scope: &Scope, system_id: i64) -> Result<Vec<Rectification>, StoreError> {
        if writable(self, scope, system_id).is_err() {
            return Ok(Vec::new());
        }
        rows(self, &format!("SELECT {RECT_COLS} FROM mlps_rectifications WHERE system_id = ?1 ORDER BY due_on, id"), vec![system_id.into()], rect_from)
    }

    fn record_reminder(&mut self, scope: &Scope, k: &ReminderKey, now: i64) -> Result<bool, StoreError> {
        writable(self, scope, k.system_id)?;
        let n = exec(
            self,
            "INSERT INTO mlps_reminders (system_id, due, due_on, stage, sent_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            vec![k.system_id.into(), k.due.as_str().into(), k.due_on.to_string().into(), k.stage.as_str().into(), now.into()],
        )?;
        Ok(n > 0)
    }

    fn import_systems(&mut self, scope: &Scope, rows: &[ImportRow], by: &str, now: i64) -> Result<ImportDone, StoreError> {
        self.mlps_batch("BEGIN")?;
        let mut done = ImportDone::default();
        let mut each = || -> Result<(), StoreError> {
            for (i, row) in rows.iter().enumerate() {
                let unit = row.system.unit_code;
                let inside = match region_of(self, unit) {
                    Ok(region) => may_write_system(scope, region, unit),
                    Err(StoreError::Conflict(_)) => false,
                    Err(e) => return Err(e),
                };
                if !inside {
                    done.refused.push((i, Refused::OutOfScope));
                    continue;
                }
                let same = rows_of(self, "SELECT id FROM mlps_systems WHERE unit_code = ?1 AND name = ?2", vec![unit.into(), row.system.name.trim().into()])?;
                if !same.is_empty() {
                    done.refused.push((i, Refused::Exists));
                    continue;
                }
                let sys = self.create_system(scope, &row.system, &row.dues, by, now)?;
                if let Some(a) = &row.assessment {
                    self.add_assessment(scope, sys.id, a, by, now)?;
                }
                done.inserted.push(sys.id);
            }
            Ok(())
        };
        match each() {
            Ok(()) => {
                self.mlps_batch("COMMIT")?;
                Ok(done)
            }
            Err(e) => {
                let _ = self.mlps_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn reminder_recorded(&mut self, scope: &Scope, k: &ReminderKey) -> Result<bool, StoreError> {
        if writable(self, scope, k.system_id).is_err() {
            return Ok(false);
        }
        let found = rows(
            self,
            "SELECT system_id FROM mlps_reminders WHERE system_id = ?1 AND due = ?2 AND due_on = ?3 AND stage = ?4",
            vec![k.system_id.into(), k.due.as_str().into(), k.due_on.to_string().into(), k.stage.as_str().into()],
            |r| r.i64(0),
        )?;
        Ok(!found.is_empty())
    }
}

fn totals_now(db: &mut (impl MlpsSql + ?Sized), scope: &Scope, q: &SystemQuery) -> Result<Totals, StoreError> {
    let d = db.mlps_dialect();
    let Some(mut w) = query_conds(d, scope, q, false, false)? else { return Ok(Totals::default()) };
    let today = w.arg(q.today.to_string());
    let soon = w.arg(plus_days(q.today, SOON_DAYS).to_string());
    let sum = |c: String| match d {
        Dialect::Sqlite => format!("COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)"),
        Dialect::Postgres => format!("COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)::bigint"),
    };
    let count = if d == Dialect::Postgres { "COUNT(*)::bigint" } else { "COUNT(*)" };
    let sql = format!(
        "SELECT {count}, {}, {}, {} FROM mlps_systems{}",
        sum(format!("next_due > '' AND next_due < {today}")),
        sum(format!("next_due >= {today} AND next_due <= {soon}")),
        sum("level >= 2 AND filing_no = ''".into()),
        w.where_()
    );
    let mut t = Totals::default();
    db.mlps_rows(&sql, w.args, &mut |r| {
        t = Totals { systems: count_of(r, 0)?, overdue: count_of(r, 1)?, due_soon: count_of(r, 2)?, unfiled: count_of(r, 3)? };
        Ok(())
    })?;
    Ok(t)
}

fn completion_now(db: &mut (impl MlpsSql + ?Sized), scope: &Scope, today: Date) -> Result<Vec<RegionCompletion>, StoreError> {
    let d = db.mlps_dialect();
    let mut w = Where::new(d);
    if scope_cond(&mut w, scope).is_err() {
        return Ok(Vec::new());
    }
    let t = w.arg(today.to_string());
    w.cond("level >= 2");
    let sum = |c: String| match d {
        Dialect::Sqlite => format!("SUM(CASE WHEN {c} THEN 1 ELSE 0 END)"),
        Dialect::Postgres => format!("SUM(CASE WHEN {c} THEN 1 ELSE 0 END)::bigint"),
    };
    let count = if d == Dialect::Postgres { "COUNT(*)::bigint" } else { "COUNT(*)" };
    let sql = format!(
        "SELECT region_code, {count}, {}, {}, {}, {} FROM mlps_systems{} GROUP BY region_code ORDER BY region_code",
        sum("filing_no <> ''".into()),
        sum("level >= 3".into()),
        sum(format!("level >= 3 AND last_assessed <> '' AND assessment_due >= {t}")),
        sum(format!("next_due > '' AND next_due < {t}")),
        w.where_()
    );
    let mut out = Vec::new();
    db.mlps_rows(&sql, w.args, &mut |r| {
        out.push(RegionCompletion {
            code: u32::try_from(r.i64(0)?).unwrap_or(0),
            systems: count_of(r, 1)?,
            filed: count_of(r, 2)?,
            assessed_required: count_of(r, 3)?,
            assessed_on_time: count_of(r, 4)?,
            overdue: count_of(r, 5)?,
        });
        Ok(())
    })?;
    Ok(out)
}

fn count_of(r: &dyn SqlRow, i: usize) -> Result<u64, StoreError> {
    Ok(count(r.opt_i64(i)?.unwrap_or(0)))
}

/// Adds region rows up to the level below `level` (the province's cities, a city's counties),
/// as the overview does; codes of bureaus above a county count as their own region.
pub fn by_level(rows: &[RegionCompletion], level: OrgLevel) -> Vec<RegionCompletion> {
    let mut by: std::collections::BTreeMap<u32, RegionCompletion> = std::collections::BTreeMap::new();
    for r in rows {
        let code = match level {
            OrgLevel::Province => crate::sql::city_of(r.code),
            _ => r.code,
        };
        let e = by.entry(code).or_insert(RegionCompletion { code, ..Default::default() });
        e.systems += r.systems;
        e.filed += r.filed;
        e.assessed_required += r.assessed_required;
        e.assessed_on_time += r.assessed_on_time;
        e.overdue += r.overdue;
    }
    by.into_values().collect()
}

/// The sum of rows.
pub fn total(rows: &[RegionCompletion]) -> RegionCompletion {
    let mut t = RegionCompletion::default();
    for r in rows {
        t.systems += r.systems;
        t.filed += r.filed;
        t.assessed_required += r.assessed_required;
        t.assessed_on_time += r.assessed_on_time;
        t.overdue += r.overdue;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_rates() {
        let d = |s: &str| Date::parse_iso(s).unwrap();
        let today = d("2026-12-07");
        assert_eq!(DueState::of(Some(d("2026-12-06")), today), DueState::Overdue);
        assert_eq!(DueState::of(Some(today), today), DueState::DueSoon);
        assert_eq!(DueState::of(Some(d("2027-02-05")), today), DueState::DueSoon);
        assert_eq!(DueState::of(Some(d("2027-02-06")), today), DueState::Ok);
        assert_eq!(DueState::of(None, today), DueState::Ok);
        let r = RegionCompletion { code: 510104, systems: 4, filed: 3, assessed_required: 2, assessed_on_time: 1, overdue: 1 };
        assert_eq!((r.filed_rate(), r.assessed_rate(), r.on_time_rate()), (Some(0.75), Some(0.5), Some(0.75)));
        assert_eq!(RegionCompletion::default().filed_rate(), None);
        assert_eq!(Conclusion::of_score(89.99), Conclusion::Good);
        assert_eq!(Conclusion::parse("良"), Some(Conclusion::Good));
        let dues = Dues { filing: None, assessment: Some(d("2027-01-01")), rectification: Some(d("2026-12-31")) };
        assert_eq!(dues.next(), Some(d("2026-12-31")));
    }

    #[test]
    fn auditor_reads_writes_nothing() {
        use crate::Role;
        assert!(role_reads(Role::Auditor) && !role_writes(Role::Auditor));
        assert!(!role_reads(Role::DataConsumer) && !role_writes(Role::DataConsumer));
        for r in [Role::ProvinceAdmin, Role::CityOfficer, Role::CountyOfficer, Role::SchoolAdmin, Role::SecurityOfficer] {
            assert!(role_reads(r) && role_writes(r), "{r:?}");
        }
    }
}
