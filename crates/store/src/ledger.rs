//! 责任制与正版化台账 — two small registers of issue 13:
//!
//! * the responsibility checklist (网络安全责任制落实清单): a division publishes a checklist for a
//!   year; every unit of its area (bureaus, schools when chosen) gets its own copy of the items,
//!   each with an owner (name and post, no phone), a status and its evidence; completion by
//!   region is counted in SQL;
//! * the software-asset ledger (软件正版化台账): each unit's software with its licence and where
//!   it is installed (over-installation and licences expiring within 60 days flagged), and the
//!   six-monthly check (正版化检查) with the next due date the rules of `secman::ledger` give.
//!
//! Every record belongs to a unit (a school or a bureau) and is judged like a 等保 system
//! ([`crate::monitor::may_write_site`]): a county reads and writes its county's units, a school
//! its own. Reads are cut to the scope in SQL; a write outside it is [`StoreError::OutOfScope`],
//! the same whether or not the record exists. Dates are `YYYY-MM-DD` text ('' when none).

use crate::sql::{Arg, Dialect, SqlRow, Where};
use crate::{OrgLevel, Page, Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;

use crate::coded::coded;

coded!(
    /// 清单事项的类别.
    Category {
        Leadership => "leadership", "组织领导", "Leadership";
        Rules => "rules", "制度建设", "Rules and policies";
        Technical => "technical", "技术防护", "Technical protection";
        Emergency => "emergency", "应急处置", "Emergency response";
        Training => "training", "教育培训", "Training";
    }
);

coded!(
    /// 落实状态.
    DutyStatus {
        NotStarted => "not_started", "未开始", "Not started";
        InProgress => "in_progress", "进行中", "In progress";
        Done => "done", "已落实", "Done";
        NotApplicable => "not_applicable", "不适用", "Not applicable";
    }
);

impl DutyStatus {
    /// Done or not applicable: the item counts as settled in the completion figures.
    pub fn settled(self) -> bool {
        matches!(self, DutyStatus::Done | DutyStatus::NotApplicable)
    }
}

coded!(
    /// 软件类别.
    SoftwareKind {
        Os => "os", "操作系统", "Operating system";
        Office => "office", "办公软件", "Office software";
        Antivirus => "antivirus", "杀毒软件", "Antivirus";
        Other => "other", "其他", "Other";
    }
);

coded!(
    /// 授权方式.
    LicenceKind {
        Commercial => "commercial", "商业授权", "Commercial licence";
        OpenSource => "open_source", "开源", "Open source";
        Free => "free", "免费", "Freeware";
        Procured => "procured", "政府采购", "Government procurement";
    }
);

impl LicenceKind {
    /// Whether the licence counts installations (open-source and free software do not).
    pub fn counted(self) -> bool {
        matches!(self, LicenceKind::Commercial | LicenceKind::Procured)
    }
}

/// One item of a checklist as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateItem {
    pub text: String,
    pub category: Category,
    /// 需提供佐证材料.
    pub evidence_required: bool,
}

/// A checklist a division publishes for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChecklist {
    /// The publishing division (province, city or county code).
    pub region_code: i64,
    pub year: i32,
    pub title: String,
    /// The schools of the area get a copy too (bureaus always do).
    pub include_schools: bool,
    pub items: Vec<TemplateItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub id: i64,
    pub region_code: i64,
    pub year: i32,
    pub title: String,
    pub include_schools: bool,
    /// How many items the template has and how many units got a copy.
    pub items: u32,
    pub units: u32,
    pub created_by: String,
    pub created_at: i64,
}

/// A unit's copy of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyItem {
    pub id: i64,
    pub checklist_id: i64,
    pub year: i32,
    pub unit_code: i64,
    pub region_code: i64,
    pub seq: u32,
    pub text: String,
    pub category: Category,
    pub evidence_required: bool,
    pub owner_name: String,
    /// 职务 (a post, no phone).
    pub owner_post: String,
    pub status: DutyStatus,
    /// Why the item does not apply (不适用).
    pub reason: String,
    pub evidence: String,
    /// A file of `store::attachments` (kind `duty`).
    pub attachment: Option<i64>,
    pub updated_by: String,
    pub updated_at: i64,
}

/// What a unit says of one of its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyUpdate {
    pub owner_name: String,
    pub owner_post: String,
    pub status: DutyStatus,
    pub reason: String,
    pub evidence: String,
    pub attachment: Option<i64>,
}

/// Filters of the items; `after` the id of the previous page's last item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DutyQuery {
    pub checklist: Option<i64>,
    pub region: Option<u32>,
    pub unit: Option<i64>,
    pub status: Option<DutyStatus>,
    pub after: Option<i64>,
    pub limit: usize,
}

/// Completion of a region's (or a unit's) items: settled = 已落实 or 不适用.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyCompletion {
    /// A region code, or a unit code in the by-unit figures.
    pub code: i64,
    pub items: u64,
    pub settled: u64,
    pub units: u64,
    /// Units whose every item is settled.
    pub units_complete: u64,
}

impl DutyCompletion {
    pub fn rate(&self) -> Option<f64> {
        (self.items > 0).then(|| self.settled as f64 / self.items as f64)
    }
}

/// A software entry as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSoftware {
    pub unit_code: i64,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub kind: SoftwareKind,
    pub licence_kind: LicenceKind,
    /// 授权编号或采购合同号.
    pub licence_no: String,
    /// 授权数量 (0 with open-source or free software: not counted).
    pub licensed: u32,
    pub expires_on: Option<Date>,
    /// 安装数量.
    pub installed: u32,
    /// 安装位置 (room, computer lab…).
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Software {
    pub id: i64,
    pub new: NewSoftware,
    pub region_code: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Licences expiring within this many days are flagged.
pub const EXPIRY_DAYS: i64 = 60;

impl Software {
    /// More installations than the licence allows.
    pub fn over_installed(&self) -> bool {
        self.new.licence_kind.counted() && self.new.installed > self.new.licensed
    }
    /// The licence has expired or expires within [`EXPIRY_DAYS`] of `today`.
    pub fn expiring(&self, today: Date) -> bool {
        self.new.expires_on.is_some_and(|d| d.days_since_epoch() - today.days_since_epoch() <= EXPIRY_DAYS)
    }
}

/// A flag the software list filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    OverInstalled,
    Expiring,
}

impl Flag {
    pub fn code(self) -> &'static str {
        match self {
            Flag::OverInstalled => "over_installed",
            Flag::Expiring => "expiring",
        }
    }
    pub fn parse(s: &str) -> Option<Flag> {
        [Flag::OverInstalled, Flag::Expiring].into_iter().find(|f| f.code() == s.trim())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SoftwareQuery {
    pub region: Option<u32>,
    pub unit: Option<i64>,
    pub flag: Option<Flag>,
    pub today: Date,
    pub after: Option<i64>,
    pub limit: usize,
}

impl SoftwareQuery {
    pub fn on(today: Date) -> SoftwareQuery {
        SoftwareQuery { region: None, unit: None, flag: None, today, after: None, limit: 50 }
    }
}

/// Counts of a query's entries (its flag filter ignored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareTotals {
    pub entries: u64,
    pub installed: u64,
    pub over_installed: u64,
    pub expiring: u64,
}

/// A six-monthly check as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheck {
    pub unit_code: i64,
    pub checked_on: Date,
    pub checker: String,
    /// 合规 (true) or 发现问题.
    pub compliant: bool,
    /// The problems found (required when not compliant).
    pub problems: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub id: i64,
    pub new: NewCheck,
    pub region_code: i64,
    /// Six months after the check (`secman::ledger::next_check_due`).
    pub next_due: Date,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// A unit on the software ledger (it has entries or checks) and where its checks stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitCheck {
    pub unit_code: i64,
    pub region_code: i64,
    /// The latest check's next due date; None when never checked (overdue).
    pub next_due: Option<Date>,
}

impl UnitCheck {
    pub fn overdue(&self, today: Date) -> bool {
        self.next_due.is_none_or(|d| d < today)
    }
}

/// A region's units on the software ledger and those overdue for their check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionChecks {
    pub code: i64,
    pub units: u64,
    /// Overdue, never checked included.
    pub overdue: u64,
    pub never_checked: u64,
}

/// Who reads the two registers (within their area): the province, city and county officers,
/// school administrators and security officers, and, as with the 等保 register, the auditor in
/// its node's area (it writes nothing: [`role_writes`]); a data consumer sees nothing.
pub fn role_reads(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SchoolAdmin | SecurityOfficer | Auditor)
}

/// Who writes a unit's items, software and checks: the readers but the auditor, each within
/// their area.
pub fn role_writes(role: crate::Role) -> bool {
    role_reads(role) && role != crate::Role::Auditor
}

/// Who publishes a checklist: the province, city and county officers (for their division).
pub fn role_publishes(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer)
}

/// The place rule: the scope holds the unit (a school's record by its school and county, a
/// bureau's by the bureau's code).
pub fn may_write_unit(scope: &Scope, region_code: i64, unit_code: i64) -> bool {
    crate::monitor::may_write_site(scope, region_code, unit_code)
}

/// A division may publish for its own area: a region scope covering the whole division.
pub fn may_publish(scope: &Scope, division: i64) -> bool {
    let Ok(code) = u32::try_from(division) else { return false };
    let (lo, hi) = crate::region_range(code);
    matches!(scope, Scope::Region { lo: a, hi: b } if *a <= lo && hi <= *b)
}

/// What a backend provides (as [`crate::mlps::MlpsSql`]): the dialect, a query, a statement and
/// the organisation node of a unit.
pub trait LedgerSql {
    fn ledger_dialect(&self) -> Dialect;
    fn ledger_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn ledger_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
    fn ledger_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError>;
}

/// The two registers' storage, scoped; the rules (validation, due dates, the units a checklist
/// goes to) are in `secman::ledger`.
pub trait Ledger {
    /// Publishes a checklist and copies its items to each of `units`; OutOfScope when the scope
    /// may not publish for the division or a unit lies outside it, Conflict for a unit not in the
    /// tree.
    fn publish_checklist(&mut self, scope: &Scope, c: &NewChecklist, units: &[i64], by: &str, now: i64) -> Result<Checklist, StoreError>;
    /// Checklists published within the scope or holding an item of it, newest year first.
    fn checklists(&mut self, scope: &Scope) -> Result<Vec<Checklist>, StoreError>;
    fn checklist(&mut self, scope: &Scope, id: i64) -> Result<Option<Checklist>, StoreError>;
    /// Items in id order.
    fn duty_items(&mut self, scope: &Scope, q: &DutyQuery) -> Result<Page<DutyItem>, StoreError>;
    fn duty_item(&mut self, scope: &Scope, id: i64) -> Result<Option<DutyItem>, StoreError>;
    fn update_duty_item(&mut self, scope: &Scope, id: i64, u: &DutyUpdate, by: &str, now: i64) -> Result<DutyItem, StoreError>;
    /// Completion of a checklist's items by the region code they are kept under, or by unit
    /// (`by_unit`), within `region` when given.
    fn duty_completion(&mut self, scope: &Scope, checklist: i64, region: Option<u32>, by_unit: bool) -> Result<Vec<DutyCompletion>, StoreError>;

    fn create_software(&mut self, scope: &Scope, n: &NewSoftware, by: &str, now: i64) -> Result<Software, StoreError>;
    fn update_software(&mut self, scope: &Scope, id: i64, n: &NewSoftware, now: i64) -> Result<Software, StoreError>;
    fn software(&mut self, scope: &Scope, id: i64) -> Result<Option<Software>, StoreError>;
    fn software_list(&mut self, scope: &Scope, q: &SoftwareQuery) -> Result<Page<Software>, StoreError>;
    fn software_totals(&mut self, scope: &Scope, q: &SoftwareQuery) -> Result<SoftwareTotals, StoreError>;
    fn add_check(&mut self, scope: &Scope, c: &NewCheck, next_due: Date, by: &str, now: i64) -> Result<Check, StoreError>;
    /// A unit's checks, newest first; empty outside the scope.
    fn checks(&mut self, scope: &Scope, unit: i64) -> Result<Vec<Check>, StoreError>;
    /// Every check within the scope (and `region`), in id order after `after`, at most `limit`
    /// (the export's pages).
    fn checks_in(&mut self, scope: &Scope, region: Option<u32>, after: Option<i64>, limit: usize) -> Result<Vec<Check>, StoreError>;
    /// The units on the ledger within the scope (and `region`), with their next check; the
    /// overdue ones only when `overdue_on` is given, longest overdue first.
    fn unit_checks(&mut self, scope: &Scope, region: Option<u32>, overdue_on: Option<Date>, limit: usize) -> Result<Vec<UnitCheck>, StoreError>;
    /// Units and overdue units by the region code they are kept under.
    fn check_regions(&mut self, scope: &Scope, today: Date) -> Result<Vec<RegionChecks>, StoreError>;
    /// The units on the ledger within the scope whose next check falls on one of `days` (the
    /// reminders' marks), by code; never-checked units have no date and are not among them.
    fn units_due_on(&mut self, scope: &Scope, days: &[Date]) -> Result<Vec<UnitCheck>, StoreError>;
    /// Records a reminder as sent (true when it was not yet); OutOfScope when its unit or entry
    /// lies outside the writer's area or is unknown (one answer for both).
    fn record_ledger_reminder(&mut self, scope: &Scope, k: &LedgerReminderKey, now: i64) -> Result<bool, StoreError>;
    /// Whether the reminder was recorded; false outside the scope.
    fn ledger_reminder_recorded(&mut self, scope: &Scope, k: &LedgerReminderKey) -> Result<bool, StoreError>;
}

/// What a software-ledger reminder is about: a unit's six-monthly check or a licence ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderSubject {
    /// `ref_id`: the unit's code.
    Check,
    /// `ref_id`: the software entry's id.
    Licence,
}

impl ReminderSubject {
    pub fn code(self) -> &'static str {
        match self {
            ReminderSubject::Check => "check",
            ReminderSubject::Licence => "licence",
        }
    }
}

/// The key a software-ledger reminder is recorded under (sent once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerReminderKey {
    pub subject: ReminderSubject,
    pub ref_id: i64,
    pub due_on: Date,
    /// "60", "30", "7" or "overdue".
    pub stage: String,
}

/// The reminder's subject is the writer's: its unit (a check) or its entry (a licence).
fn reminder_writable(db: &mut (impl Ledger + LedgerSql + ?Sized), scope: &Scope, k: &LedgerReminderKey) -> Result<(), StoreError> {
    match k.subject {
        ReminderSubject::Licence => db.software(scope, k.ref_id)?.map(|_| ()).ok_or(StoreError::OutOfScope),
        ReminderSubject::Check => {
            let region = region_of(db, k.ref_id).map_err(|_| StoreError::OutOfScope)?;
            if may_write_unit(scope, region, k.ref_id) {
                Ok(())
            } else {
                Err(StoreError::OutOfScope)
            }
        }
    }
}

const CHECKLIST_COLS: &str = "c.id, c.region_code, c.year, c.title, c.include_schools, c.items, (SELECT COUNT(DISTINCT d.unit_code) FROM duty_items d WHERE d.checklist_id = c.id), c.created_by, c.created_at";
const DUTY_COLS: &str = "id, checklist_id, year, unit_code, region_code, seq, text, category, evidence_required, owner_name, owner_post, status, reason, evidence, attachment_id, updated_by, updated_at";
const SOFT_COLS: &str = "id, unit_code, region_code, name, vendor, version, kind, licence_kind, licence_no, licensed, expires_on, installed, location, created_by, created_at, updated_at";
const CHECK_COLS: &str = "id, unit_code, region_code, checked_on, checker, compliant, problems, next_due, recorded_by, recorded_at";

fn date_arg(d: Option<Date>) -> Arg {
    Arg::Text(d.map(|d| d.to_string()).unwrap_or_default())
}

fn date_of(r: &dyn SqlRow, i: usize) -> Result<Option<Date>, StoreError> {
    Ok(r.opt_string(i)?.and_then(|s| Date::parse_iso(&s)))
}

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Internal(format!("unknown {what} {v}"))
}

fn checklist_from(r: &dyn SqlRow) -> Result<Checklist, StoreError> {
    Ok(Checklist {
        id: r.i64(0)?,
        region_code: r.i64(1)?,
        year: r.i64(2)? as i32,
        title: r.string(3)?,
        include_schools: r.bool(4)?,
        items: r.i64(5)?.max(0) as u32,
        units: r.i64(6)?.max(0) as u32,
        created_by: r.string(7)?,
        created_at: r.i64(8)?,
    })
}

fn duty_from(r: &dyn SqlRow) -> Result<DutyItem, StoreError> {
    let cat = r.string(7)?;
    let st = r.string(11)?;
    Ok(DutyItem {
        id: r.i64(0)?,
        checklist_id: r.i64(1)?,
        year: r.i64(2)? as i32,
        unit_code: r.i64(3)?,
        region_code: r.i64(4)?,
        seq: r.i64(5)?.max(0) as u32,
        text: r.string(6)?,
        category: Category::parse(&cat).ok_or_else(|| bad("category", &cat))?,
        evidence_required: r.bool(8)?,
        owner_name: r.string(9)?,
        owner_post: r.string(10)?,
        status: DutyStatus::parse(&st).ok_or_else(|| bad("status", &st))?,
        reason: r.string(12)?,
        evidence: r.string(13)?,
        attachment: r.opt_i64(14)?.filter(|a| *a > 0),
        updated_by: r.string(15)?,
        updated_at: r.i64(16)?,
    })
}

fn software_from(r: &dyn SqlRow) -> Result<Software, StoreError> {
    let k = r.string(6)?;
    let l = r.string(7)?;
    Ok(Software {
        id: r.i64(0)?,
        region_code: r.i64(2)?,
        new: NewSoftware {
            unit_code: r.i64(1)?,
            name: r.string(3)?,
            vendor: r.string(4)?,
            version: r.string(5)?,
            kind: SoftwareKind::parse(&k).ok_or_else(|| bad("software kind", &k))?,
            licence_kind: LicenceKind::parse(&l).ok_or_else(|| bad("licence kind", &l))?,
            licence_no: r.string(8)?,
            licensed: r.i64(9)?.max(0) as u32,
            expires_on: date_of(r, 10)?,
            installed: r.i64(11)?.max(0) as u32,
            location: r.string(12)?,
        },
        created_by: r.string(13)?,
        created_at: r.i64(14)?,
        updated_at: r.i64(15)?,
    })
}

fn check_from(r: &dyn SqlRow) -> Result<Check, StoreError> {
    Ok(Check {
        id: r.i64(0)?,
        region_code: r.i64(2)?,
        new: NewCheck {
            unit_code: r.i64(1)?,
            checked_on: date_of(r, 3)?.ok_or_else(|| StoreError::Internal("check without a date".into()))?,
            checker: r.string(4)?,
            compliant: r.bool(5)?,
            problems: r.string(6)?,
        },
        next_due: date_of(r, 7)?.ok_or_else(|| StoreError::Internal("check without a due date".into()))?,
        recorded_by: r.string(8)?,
        recorded_at: r.i64(9)?,
    })
}

fn rows<T>(db: &mut (impl LedgerSql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.ledger_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.ledger_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn exec(db: &mut (impl LedgerSql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
    let sql = db.ledger_dialect().render(sql).into_owned();
    db.ledger_exec(&sql, args)
}

fn region_of(db: &mut (impl LedgerSql + ?Sized), unit: i64) -> Result<i64, StoreError> {
    let node = db.ledger_org(unit)?;
    crate::monitor::sql::site_region(unit, node).map_err(|_| StoreError::Conflict(format!("单位代码 {unit} 不在组织机构树中，请填写学校标识码或教育行政部门的行政区划代码（unknown unit {unit}）")))
}

/// The scope's condition on a table with `region_code` and `unit_code` (alias `t`).
fn scope_cond(w: &mut Where, t: &str, scope: &Scope) -> Result<(), StoreError> {
    match scope {
        Scope::Region { lo, hi } => {
            let c = format!("{t}region_code BETWEEN {} AND {}", w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
            w.cond(c);
        }
        Scope::School { code, .. } => {
            let c = format!("{t}unit_code = {}", w.arg(code.parse::<i64>().unwrap_or(-1)));
            w.cond(c);
        }
        Scope::Nothing => return Err(StoreError::OutOfScope),
    }
    Ok(())
}

/// The scope narrowed by a region filter, as conditions; None when nothing can match.
fn scoped(dialect: Dialect, t: &str, scope: &Scope, region: Option<u32>) -> Option<Where> {
    let scope = crate::sql::effective(scope, region)?;
    let mut w = Where::new(dialect);
    scope_cond(&mut w, t, &scope).ok()?;
    Some(w)
}

fn plus_days(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

fn sum(d: Dialect, c: &str) -> String {
    match d {
        Dialect::Sqlite => format!("COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)"),
        Dialect::Postgres => format!("COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)::bigint"),
    }
}

fn count_star(d: Dialect) -> &'static str {
    if d == Dialect::Postgres {
        "COUNT(*)::bigint"
    } else {
        "COUNT(*)"
    }
}

fn n(r: &dyn SqlRow, i: usize) -> Result<u64, StoreError> {
    Ok(r.opt_i64(i)?.unwrap_or(0).max(0) as u64)
}

fn duty_writable(db: &mut (impl LedgerSql + ?Sized), scope: &Scope, id: i64) -> Result<DutyItem, StoreError> {
    let found = rows(db, &format!("SELECT {DUTY_COLS} FROM duty_items WHERE id = ?1"), vec![id.into()], duty_from)?;
    found.into_iter().next().filter(|d| may_write_unit(scope, d.region_code, d.unit_code)).ok_or(StoreError::OutOfScope)
}

fn software_writable(db: &mut (impl LedgerSql + ?Sized), scope: &Scope, id: i64) -> Result<Software, StoreError> {
    let found = rows(db, &format!("SELECT {SOFT_COLS} FROM software_assets WHERE id = ?1"), vec![id.into()], software_from)?;
    found.into_iter().next().filter(|s| may_write_unit(scope, s.region_code, s.new.unit_code)).ok_or(StoreError::OutOfScope)
}

fn software_args(s: &NewSoftware) -> Vec<Arg> {
    vec![
        s.name.trim().into(),
        s.vendor.trim().into(),
        s.version.trim().into(),
        s.kind.code().into(),
        s.licence_kind.code().into(),
        s.licence_no.trim().into(),
        i64::from(s.licensed).into(),
        date_arg(s.expires_on),
        i64::from(s.installed).into(),
        s.location.trim().into(),
    ]
}

/// The software conditions: scope, region, unit, flag and cursor (flag and cursor when `full`).
fn software_conds(d: Dialect, scope: &Scope, q: &SoftwareQuery, full: bool) -> Option<Where> {
    let effective = crate::sql::effective(scope, q.region)?;
    let mut w = Where::new(d);
    match effective {
        // A city's or the province's list of a flag (a few in a hundred entries): walking the
        // entries in id order and stopping at a page beats reading the range's index and
        // sorting all of it (bench-registers: 75 ms p50 for the province on SQLite), so SQLite
        // sets the region index aside there (unary +), as the 等保 register does. PostgreSQL
        // chooses from its statistics.
        Scope::Region { lo, hi } if full && d == Dialect::Sqlite && hi - lo >= 99 => {
            let c = format!("+region_code BETWEEN {} AND {}", w.arg(i64::from(lo)), w.arg(i64::from(hi)));
            w.cond(c);
        }
        _ => scope_cond(&mut w, "", &effective).ok()?,
    }
    if let Some(u) = q.unit {
        let c = format!("unit_code = {}", w.arg(u));
        w.cond(c);
    }
    if full {
        match q.flag {
            Some(Flag::OverInstalled) => w.cond(OVER_SQL),
            Some(Flag::Expiring) => {
                let c = format!("expires_on <> '' AND expires_on <= {}", w.arg(plus_days(q.today, EXPIRY_DAYS).to_string()));
                w.cond(c);
            }
            None => {}
        }
        if let Some(a) = q.after {
            let c = format!("id > {}", w.arg(a));
            w.cond(c);
        }
    }
    Some(w)
}

const OVER_SQL: &str = "licence_kind IN ('commercial', 'procured') AND installed > licensed";

/// Each unit on the software ledger with its latest next due ('' when never checked).
fn units_sql(w: &Where) -> String {
    let cond = w.where_();
    format!(
        "SELECT unit_code, region_code, MAX(next_due) AS due FROM (\
         SELECT unit_code, region_code, '' AS next_due FROM software_assets{cond} \
         UNION ALL SELECT unit_code, region_code, next_due FROM software_checks{cond}) x GROUP BY unit_code, region_code"
    )
}

impl<T: LedgerSql + crate::memo::MemoSql + ?Sized> Ledger for T {
    fn publish_checklist(&mut self, scope: &Scope, c: &NewChecklist, units: &[i64], by: &str, now: i64) -> Result<Checklist, StoreError> {
        if !may_publish(scope, c.region_code) {
            return Err(StoreError::OutOfScope);
        }
        let (lo, hi) = crate::region_range(u32::try_from(c.region_code).unwrap_or(0));
        let division = Scope::Region { lo, hi };
        let mut placed = Vec::with_capacity(units.len());
        for &u in units {
            let region = region_of(self, u)?;
            if !may_write_unit(scope, region, u) || !may_write_unit(&division, region, u) {
                return Err(StoreError::OutOfScope);
            }
            placed.push((u, region));
        }
        let ids = rows(
            self,
            "INSERT INTO duty_checklists (region_code, year, title, include_schools, items, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            vec![c.region_code.into(), i64::from(c.year).into(), c.title.trim().into(), c.include_schools.into(), (c.items.len() as i64).into(), by.into(), now.into()],
            |r| r.i64(0),
        )?;
        let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        for (i, it) in c.items.iter().enumerate() {
            exec(
                self,
                "INSERT INTO duty_template_items (checklist_id, seq, text, category, evidence_required) VALUES (?1, ?2, ?3, ?4, ?5)",
                vec![id.into(), (i as i64 + 1).into(), it.text.trim().into(), it.category.code().into(), it.evidence_required.into()],
            )?;
        }
        for (u, region) in placed {
            exec(
                self,
                "INSERT INTO duty_items (checklist_id, year, unit_code, region_code, seq, text, category, evidence_required, owner_name, owner_post, status, reason, evidence, attachment_id, updated_by, updated_at) \
                 SELECT checklist_id, ?2, ?3, ?4, seq, text, category, evidence_required, '', '', 'not_started', '', '', 0, ?5, ?6 FROM duty_template_items WHERE checklist_id = ?1 ORDER BY seq",
                vec![id.into(), i64::from(c.year).into(), u.into(), region.into(), by.into(), now.into()],
            )?;
        }
        let found = rows(self, &format!("SELECT {CHECKLIST_COLS} FROM duty_checklists c WHERE c.id = ?1"), vec![id.into()], checklist_from)?;
        found.into_iter().next().ok_or_else(|| StoreError::Internal("checklist vanished".into()))
    }

    fn checklists(&mut self, scope: &Scope) -> Result<Vec<Checklist>, StoreError> {
        let d = self.ledger_dialect();
        let Some(mut w) = scoped(d, "d.", scope, None) else { return Ok(Vec::new()) };
        let mut own = String::new();
        if let Scope::Region { lo, hi } = scope {
            own = format!(" OR c.region_code BETWEEN {} AND {}", w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
        }
        let sql = format!("SELECT {CHECKLIST_COLS} FROM duty_checklists c WHERE c.id IN (SELECT d.checklist_id FROM duty_items d{}){own} ORDER BY c.year DESC, c.id DESC", w.where_());
        let mut out = Vec::new();
        self.ledger_rows(&sql, w.args, &mut |r| {
            out.push(checklist_from(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn checklist(&mut self, scope: &Scope, id: i64) -> Result<Option<Checklist>, StoreError> {
        Ok(self.checklists(scope)?.into_iter().find(|c| c.id == id))
    }

    fn duty_items(&mut self, scope: &Scope, q: &DutyQuery) -> Result<Page<DutyItem>, StoreError> {
        let d = self.ledger_dialect();
        let Some(mut w) = scoped(d, "", scope, q.region) else { return Ok(crate::sql::empty()) };
        if let Some(c) = q.checklist {
            let c = format!("checklist_id = {}", w.arg(c));
            w.cond(c);
        }
        if let Some(u) = q.unit {
            let c = format!("unit_code = {}", w.arg(u));
            w.cond(c);
        }
        if let Some(s) = q.status {
            let c = format!("status = {}", w.arg(s.code()));
            w.cond(c);
        }
        if let Some(a) = q.after {
            let c = format!("id > {}", w.arg(a));
            w.cond(c);
        }
        let lim = crate::sql::limit(q.limit);
        let sql = format!("SELECT {DUTY_COLS} FROM duty_items{} ORDER BY id LIMIT {}", w.where_(), lim + 1);
        let mut got = Vec::new();
        self.ledger_rows(&sql, w.args, &mut |r| {
            got.push(duty_from(r)?);
            Ok(())
        })?;
        got.retain(|x| may_write_unit(scope, x.region_code, x.unit_code));
        Ok(crate::sql::page(got, lim, |x| x.id.to_string()))
    }

    fn duty_item(&mut self, scope: &Scope, id: i64) -> Result<Option<DutyItem>, StoreError> {
        Ok(duty_writable(self, scope, id).ok())
    }

    fn update_duty_item(&mut self, scope: &Scope, id: i64, u: &DutyUpdate, by: &str, now: i64) -> Result<DutyItem, StoreError> {
        duty_writable(self, scope, id)?;
        exec(
            self,
            "UPDATE duty_items SET owner_name = ?2, owner_post = ?3, status = ?4, reason = ?5, evidence = ?6, attachment_id = ?7, updated_by = ?8, updated_at = ?9 WHERE id = ?1",
            vec![
                id.into(),
                u.owner_name.trim().into(),
                u.owner_post.trim().into(),
                u.status.code().into(),
                u.reason.trim().into(),
                u.evidence.trim().into(),
                Arg::I64(u.attachment.unwrap_or(0)),
                by.into(),
                now.into(),
            ],
        )?;
        duty_writable(self, scope, id)
    }

    fn duty_completion(&mut self, scope: &Scope, checklist: i64, region: Option<u32>, by_unit: bool) -> Result<Vec<DutyCompletion>, StoreError> {
        // 220,000 item rows at province scale: remembered per area, checklist, region and key,
        // recounted after any write to duty_items.
        let key = format!("{checklist}|{}|{by_unit}", region.map(|r| r.to_string()).unwrap_or_default());
        crate::memo::cached(self, crate::memo::DUTY_ITEMS, "completion", scope, &key, None, |db| duty_completion_now(db, scope, checklist, region, by_unit))
    }

    fn create_software(&mut self, scope: &Scope, s: &NewSoftware, by: &str, now: i64) -> Result<Software, StoreError> {
        let region = region_of(self, s.unit_code)?;
        if !may_write_unit(scope, region, s.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let mut args = vec![Arg::I64(s.unit_code), Arg::I64(region)];
        args.extend(software_args(s));
        args.extend([by.into(), now.into()]);
        let ids = rows(
            self,
            "INSERT INTO software_assets (unit_code, region_code, name, vendor, version, kind, licence_kind, licence_no, licensed, expires_on, installed, location, created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14) RETURNING id",
            args,
            |r| r.i64(0),
        )?;
        let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        software_writable(self, scope, id)
    }

    fn update_software(&mut self, scope: &Scope, id: i64, s: &NewSoftware, now: i64) -> Result<Software, StoreError> {
        software_writable(self, scope, id)?;
        let region = region_of(self, s.unit_code).map_err(|_| StoreError::OutOfScope)?;
        if !may_write_unit(scope, region, s.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let mut args = vec![Arg::I64(id), Arg::I64(s.unit_code), Arg::I64(region)];
        args.extend(software_args(s));
        args.push(now.into());
        exec(
            self,
            "UPDATE software_assets SET unit_code = ?2, region_code = ?3, name = ?4, vendor = ?5, version = ?6, kind = ?7, licence_kind = ?8, licence_no = ?9, licensed = ?10, expires_on = ?11, installed = ?12, location = ?13, updated_at = ?14 WHERE id = ?1",
            args,
        )?;
        software_writable(self, scope, id)
    }

    fn software(&mut self, scope: &Scope, id: i64) -> Result<Option<Software>, StoreError> {
        Ok(software_writable(self, scope, id).ok())
    }

    fn software_list(&mut self, scope: &Scope, q: &SoftwareQuery) -> Result<Page<Software>, StoreError> {
        let Some(w) = software_conds(self.ledger_dialect(), scope, q, true) else { return Ok(crate::sql::empty()) };
        let lim = crate::sql::limit(q.limit);
        let sql = format!("SELECT {SOFT_COLS} FROM software_assets{} ORDER BY id LIMIT {}", w.where_(), lim + 1);
        let mut got = Vec::new();
        self.ledger_rows(&sql, w.args, &mut |r| {
            got.push(software_from(r)?);
            Ok(())
        })?;
        got.retain(|x| may_write_unit(scope, x.region_code, x.new.unit_code));
        Ok(crate::sql::page(got, lim, |x| x.id.to_string()))
    }

    fn software_totals(&mut self, scope: &Scope, q: &SoftwareQuery) -> Result<SoftwareTotals, StoreError> {
        // A full count of the province's entries: remembered per area, filters and day.
        let key = format!("{}|{}", q.region.map(|r| r.to_string()).unwrap_or_default(), q.unit.map(|u| u.to_string()).unwrap_or_default());
        crate::memo::cached(self, crate::memo::SOFTWARE, "totals", scope, &key, Some(q.today), |db| software_totals_now(db, scope, q))
    }

    fn add_check(&mut self, scope: &Scope, c: &NewCheck, next_due: Date, by: &str, now: i64) -> Result<Check, StoreError> {
        let region = region_of(self, c.unit_code).map_err(|_| StoreError::OutOfScope)?;
        if !may_write_unit(scope, region, c.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let ids = rows(
            self,
            "INSERT INTO software_checks (unit_code, region_code, checked_on, checker, compliant, problems, next_due, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            vec![c.unit_code.into(), region.into(), c.checked_on.to_string().into(), c.checker.trim().into(), c.compliant.into(), c.problems.trim().into(), next_due.to_string().into(), by.into(), now.into()],
            |r| r.i64(0),
        )?;
        let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        let new = NewCheck { checker: c.checker.trim().into(), problems: c.problems.trim().into(), ..c.clone() };
        Ok(Check { id, new, region_code: region, next_due, recorded_by: by.into(), recorded_at: now })
    }

    fn checks(&mut self, scope: &Scope, unit: i64) -> Result<Vec<Check>, StoreError> {
        let Some(mut w) = scoped(self.ledger_dialect(), "", scope, None) else { return Ok(Vec::new()) };
        let c = format!("unit_code = {}", w.arg(unit));
        w.cond(c);
        let sql = format!("SELECT {CHECK_COLS} FROM software_checks{} ORDER BY checked_on DESC, id DESC", w.where_());
        let mut out = Vec::new();
        self.ledger_rows(&sql, w.args, &mut |r| {
            out.push(check_from(r)?);
            Ok(())
        })?;
        out.retain(|c| may_write_unit(scope, c.region_code, c.new.unit_code));
        Ok(out)
    }

    fn checks_in(&mut self, scope: &Scope, region: Option<u32>, after: Option<i64>, limit: usize) -> Result<Vec<Check>, StoreError> {
        let Some(mut w) = scoped(self.ledger_dialect(), "", scope, region) else { return Ok(Vec::new()) };
        if let Some(a) = after {
            let c = format!("id > {}", w.arg(a));
            w.cond(c);
        }
        let sql = format!("SELECT {CHECK_COLS} FROM software_checks{} ORDER BY id LIMIT {}", w.where_(), crate::sql::limit(limit));
        let mut out = Vec::new();
        self.ledger_rows(&sql, w.args, &mut |r| {
            out.push(check_from(r)?);
            Ok(())
        })?;
        out.retain(|c| may_write_unit(scope, c.region_code, c.new.unit_code));
        Ok(out)
    }

    fn unit_checks(&mut self, scope: &Scope, region: Option<u32>, overdue_on: Option<Date>, limit: usize) -> Result<Vec<UnitCheck>, StoreError> {
        // Every unit's latest check is grouped before the first 200 are known (bench-registers:
        // 69 ms p50 for the province): remembered per area, region, day and length, recounted
        // after any write to the software entries or checks.
        let key = format!("{}|{}|{limit}", region.map(|r| r.to_string()).unwrap_or_default(), overdue_on.map(|d| d.to_string()).unwrap_or_default());
        let rows: Vec<(i64, i64, Option<String>)> = crate::memo::cached(self, crate::memo::SOFTWARE, "unit_checks", scope, &key, None, |db| {
            Ok(unit_checks_now(db, scope, region, overdue_on, limit)?.into_iter().map(|u| (u.unit_code, u.region_code, u.next_due.map(|d| d.to_string()))).collect())
        })?;
        Ok(rows.into_iter().map(|(unit_code, region_code, due)| UnitCheck { unit_code, region_code, next_due: due.and_then(|d| Date::parse_iso(&d)) }).collect())
    }

    fn check_regions(&mut self, scope: &Scope, today: Date) -> Result<Vec<RegionChecks>, StoreError> {
        // Every unit's latest check: remembered per area and day, recounted after any write to
        // the software entries or checks.
        crate::memo::cached(self, crate::memo::SOFTWARE, "check_regions", scope, "", Some(today), |db| check_regions_now(db, scope, today))
    }

    fn units_due_on(&mut self, scope: &Scope, days: &[Date]) -> Result<Vec<UnitCheck>, StoreError> {
        if days.is_empty() {
            return Ok(Vec::new());
        }
        let Some(mut w) = scoped(self.ledger_dialect(), "", scope, None) else { return Ok(Vec::new()) };
        let inner = units_sql(&w);
        let marks: Vec<String> = days.iter().map(|d| w.arg(d.to_string())).collect();
        let sql = format!("SELECT u.unit_code, u.region_code, u.due FROM ({inner}) u WHERE u.due IN ({}) ORDER BY u.unit_code", marks.join(", "));
        let mut out = Vec::new();
        self.ledger_rows(&sql, w.args, &mut |r| {
            out.push(UnitCheck { unit_code: r.i64(0)?, region_code: r.i64(1)?, next_due: date_of(r, 2)? });
            Ok(())
        })?;
        out.retain(|u| may_write_unit(scope, u.region_code, u.unit_code));
        Ok(out)
    }

    fn record_ledger_reminder(&mut self, scope: &Scope, k: &LedgerReminderKey, now: i64) -> Result<bool, StoreError> {
        reminder_writable(self, scope, k)?;
        let n = exec(
            self,
            "INSERT INTO ledger_reminders (subject, ref_id, due_on, stage, sent_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            vec![k.subject.code().into(), k.ref_id.into(), k.due_on.to_string().into(), k.stage.as_str().into(), now.into()],
        )?;
        Ok(n > 0)
    }

    fn ledger_reminder_recorded(&mut self, scope: &Scope, k: &LedgerReminderKey) -> Result<bool, StoreError> {
        if reminder_writable(self, scope, k).is_err() {
            return Ok(false);
        }
        let found = rows(
            self,
            "SELECT ref_id FROM ledger_reminders WHERE subject = ?1 AND ref_id = ?2 AND due_on = ?3 AND stage = ?4",
            vec![k.subject.code().into(), k.ref_id.into(), k.due_on.to_string().into(), k.stage.as_str().into()],
            |r| r.i64(0),
        )?;
        Ok(!found.is_empty())
    }
}

/// The checklist's completion counted now (see [`Ledger::duty_completion`]).
fn duty_completion_now(db: &mut (impl LedgerSql + ?Sized), scope: &Scope, checklist: i64, region: Option<u32>, by_unit: bool) -> Result<Vec<DutyCompletion>, StoreError> {
    let d = db.ledger_dialect();
    let Some(mut w) = scoped(d, "", scope, region) else { return Ok(Vec::new()) };
    let c = format!("checklist_id = {}", w.arg(checklist));
    w.cond(c);
    let settled = sum(d, "status IN ('done', 'not_applicable')");
    let inner = format!("SELECT unit_code, region_code, {} AS n, {settled} AS s FROM duty_items{} GROUP BY unit_code, region_code", count_star(d), w.where_());
    let key = if by_unit { "unit_code" } else { "region_code" };
    let big = |e: &str| if d == Dialect::Postgres { format!("{e}::bigint") } else { e.to_string() };
    let sql = format!(
        "SELECT {key}, {}, {}, {}, {} FROM ({inner}) u GROUP BY {key} ORDER BY {key}",
        big("SUM(n)"),
        big("SUM(s)"),
        count_star(d),
        sum(d, "s = n"),
    );
    let mut out = Vec::new();
    db.ledger_rows(&sql, w.args, &mut |r| {
        out.push(DutyCompletion { code: r.i64(0)?, items: n(r, 1)?, settled: n(r, 2)?, units: n(r, 3)?, units_complete: n(r, 4)? });
        Ok(())
    })?;
    Ok(out)
}

/// The units' checks by region counted now (see [`Ledger::check_regions`]).
fn check_regions_now(db: &mut (impl LedgerSql + ?Sized), scope: &Scope, today: Date) -> Result<Vec<RegionChecks>, StoreError> {
    let d = db.ledger_dialect();
    let Some(mut w) = scoped(d, "", scope, None) else { return Ok(Vec::new()) };
    let inner = units_sql(&w);
    let t = w.arg(today.to_string());
    let sql = format!("SELECT u.region_code, {}, {}, {} FROM ({inner}) u GROUP BY u.region_code ORDER BY u.region_code", count_star(d), sum(d, &format!("u.due < {t}")), sum(d, "u.due = ''"));
    let mut out = Vec::new();
    db.ledger_rows(&sql, w.args, &mut |r| {
        out.push(RegionChecks { code: r.i64(0)?, units: n(r, 1)?, overdue: n(r, 2)?, never_checked: n(r, 3)? });
        Ok(())
    })?;
    Ok(out)
}

/// The software totals counted now (see [`Ledger::software_totals`]).
fn software_totals_now(db: &mut (impl LedgerSql + ?Sized), scope: &Scope, q: &SoftwareQuery) -> Result<SoftwareTotals, StoreError> {
    let d = db.ledger_dialect();
    let Some(mut w) = software_conds(d, scope, q, false) else { return Ok(SoftwareTotals::default()) };
    let soon = w.arg(plus_days(q.today, EXPIRY_DAYS).to_string());
    let installed = if d == Dialect::Postgres { "COALESCE(SUM(installed), 0)::bigint" } else { "COALESCE(SUM(installed), 0)" };
    let sql = format!("SELECT {}, {installed}, {}, {} FROM software_assets{}", count_star(d), sum(d, OVER_SQL), sum(d, &format!("expires_on <> '' AND expires_on <= {soon}")), w.where_());
    let mut t = SoftwareTotals::default();
    db.ledger_rows(&sql, w.args, &mut |r| {
        t = SoftwareTotals { entries: n(r, 0)?, installed: n(r, 1)?, over_installed: n(r, 2)?, expiring: n(r, 3)? };
        Ok(())
    })?;
    Ok(t)
}

/// The units on the software ledger by their latest next due, counted now (see [`Ledger::unit_checks`]).
fn unit_checks_now(db: &mut (impl LedgerSql + ?Sized), scope: &Scope, region: Option<u32>, overdue_on: Option<Date>, limit: usize) -> Result<Vec<UnitCheck>, StoreError> {
    let Some(mut w) = scoped(db.ledger_dialect(), "", scope, region) else { return Ok(Vec::new()) };
    // Both halves of the union use the same numbered placeholders.
    let inner = units_sql(&w);
    let outer = match overdue_on {
        Some(t) => format!(" WHERE u.due < {}", w.arg(t.to_string())),
        None => String::new(),
    };
    let sql = format!("SELECT u.unit_code, u.region_code, u.due FROM ({inner}) u{outer} ORDER BY u.due, u.unit_code LIMIT {}", crate::sql::limit(limit));
    let mut out = Vec::new();
    db.ledger_rows(&sql, w.args, &mut |r| {
        out.push(UnitCheck { unit_code: r.i64(0)?, region_code: r.i64(1)?, next_due: date_of(r, 2)? });
        Ok(())
    })?;
    out.retain(|u| may_write_unit(scope, u.region_code, u.unit_code));
    Ok(out)
}

/// Adds region rows up to the level below `level` (the province's cities), as the 等保 figures do.
pub fn duty_by_level(rows: &[DutyCompletion], level: OrgLevel) -> Vec<DutyCompletion> {
    let mut by: std::collections::BTreeMap<i64, DutyCompletion> = std::collections::BTreeMap::new();
    for r in rows {
        let code = match level {
            OrgLevel::Province => i64::from(crate::sql::city_of(u32::try_from(r.code).unwrap_or(0))),
            _ => r.code,
        };
        let e = by.entry(code).or_insert(DutyCompletion { code, ..Default::default() });
        e.items += r.items;
        e.settled += r.settled;
        e.units += r.units;
        e.units_complete += r.units_complete;
    }
    by.into_values().collect()
}

pub fn duty_total(rows: &[DutyCompletion]) -> DutyCompletion {
    let mut t = DutyCompletion::default();
    for r in rows {
        t.items += r.items;
        t.settled += r.settled;
        t.units += r.units;
        t.units_complete += r.units_complete;
    }
    t
}

/// The same for the software checks.
pub fn checks_by_level(rows: &[RegionChecks], level: OrgLevel) -> Vec<RegionChecks> {
    let mut by: std::collections::BTreeMap<i64, RegionChecks> = std::collections::BTreeMap::new();
    for r in rows {
        let code = match level {
            OrgLevel::Province => i64::from(crate::sql::city_of(u32::try_from(r.code).unwrap_or(0))),
            _ => r.code,
        };
        let e = by.entry(code).or_insert(RegionChecks { code, ..Default::default() });
        e.units += r.units;
        e.overdue += r.overdue;
        e.never_checked += r.never_checked;
    }
    by.into_values().collect()
}

pub fn checks_total(rows: &[RegionChecks]) -> RegionChecks {
    let mut t = RegionChecks::default();
    for r in rows {
        t.units += r.units;
        t.overdue += r.overdue;
        t.never_checked += r.never_checked;
    }
    t
}
