//! 专项检查、攻防演练与整改 — special inspections (a checklist issued by a province, city or
//! county to units of its area, answered by each unit with evidence), drills and skills contests
//! (攻防演练/技能竞赛: plan, participants, findings, report), and the rectification items
//! (整改项) both turn their findings into: owner unit, owner (a name and a post, no phone),
//! due date, and the flow open → submitted → verified, or reopened by the issuing level.
//!
//! Places: a unit's `region_code` is a school's county or a bureau's own code (the 等保
//! register's rule, [`crate::monitor::may_write_site`]). An inspection or a drill belongs to its
//! issuing division; it is seen by whoever covers the issuer and by the units it concerns (their
//! assignment or participation). An item is seen and answered within the owner unit's area; only
//! a scope covering the issuer's whole area verifies or reopens it ([`may_issue`]). Reads are cut
//! to the scope in SQL; a write outside answers [`StoreError::OutOfScope`] whether or not the
//! record exists.
//!
//! The SQL is written once (`?N` placeholders rendered per [`Dialect`]); a backend supplies the
//! four primitives of [`ChecksSql`] and gets [`Checks`] whole.

use crate::sql::{Arg, Dialect, SqlRow, Where};
use crate::{OrgLevel, Page, Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;

use crate::coded::coded;

coded!(
    /// How a checklist item is answered.
    ItemKind { YesNo => "yes_no", "是否", "Yes/no"; Text => "text", "文字说明", "Text"; }
);
coded!(
    /// A unit's answer to one checklist item.
    Verdict { Compliant => "compliant", "符合", "Compliant"; NotCompliant => "not_compliant", "不符合", "Not compliant"; NotApplicable => "not_applicable", "不适用", "Not applicable"; }
);
coded!(
    /// Where an assigned unit stands.
    AssignState { Assigned => "assigned", "待填报", "To answer"; Submitted => "submitted", "已提交", "Submitted"; }
);
coded!(
    /// What a rectification item came from.
    Source { Inspection => "inspection", "专项检查", "Inspection"; Drill => "drill", "攻防演练", "Drill"; }
);
coded!(
    Severity { Low => "low", "低", "Low"; Medium => "medium", "中", "Medium"; High => "high", "高", "High"; Critical => "critical", "严重", "Critical"; }
);
coded!(
    /// The flow of an item: open → submitted → verified, or reopened → submitted again.
    ItemState { Open => "open", "待整改", "Open"; Submitted => "submitted", "待验证", "Submitted"; Verified => "verified", "已验证", "Verified"; Reopened => "reopened", "退回重改", "Reopened"; }
);
coded!(
    DrillKind { Drill => "drill", "攻防演练", "Attack-defence drill"; Contest => "contest", "技能竞赛", "Skills contest"; }
);
coded!(
    Team { Red => "red", "红队（攻击方）", "Red team"; Blue => "blue", "蓝队（防守方）", "Blue team"; }
);

/// One item of an inspection's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub text: String,
    pub kind: ItemKind,
    /// The answer must carry evidence (证明材料).
    pub evidence_required: bool,
}

/// An inspection as its issuer writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInspection {
    /// The issuing division (GB/T 2260 code of the province, a city or a county).
    pub issuer_code: i64,
    pub name: String,
    /// 依据 (the document's number).
    pub basis: String,
    pub starts_on: Date,
    pub deadline: Date,
    /// Working days a unit has to rectify a finding, counted from its submission.
    pub rect_days: u32,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub id: i64,
    pub new: NewInspection,
    pub created_by: String,
    pub created_at: i64,
}

/// Which units an inspection goes to (inside the issuer's area).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The bureaus under the issuer (cities and counties).
    AllBureaus,
    /// Every school of the area.
    AllSchools,
    /// Chosen units (学校标识码 or division codes).
    Units(Vec<i64>),
}

/// One answer of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Answer {
    /// The checklist item's index.
    pub item: u32,
    pub verdict: Option<Verdict>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub evidence: String,
    /// A file of `store::attachments` kept as this answer's evidence (证明材料文件): set only
    /// through [`Checks::attach_answer`]; a saved sheet keeps the stored one whatever it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub inspection_id: i64,
    pub unit_code: i64,
    pub region_code: i64,
    pub state: AssignState,
    pub answers: Vec<Answer>,
    /// Not-compliant answers at submission.
    pub findings: u32,
    pub submitted_by: String,
    pub submitted_at: Option<i64>,
}

/// Every problem of an answer sheet against its checklist, in item order, in Chinese with the
/// English after it: what a submission is refused with, all at once.
pub fn sheet_problems(items: &[ChecklistItem], answers: &[Answer]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let n = i + 1;
        let a = answers.iter().find(|a| a.item as usize == i);
        match a.and_then(|a| a.verdict) {
            None => out.push(format!("第 {n} 项未作答（item {n} is not answered）")),
            Some(Verdict::NotApplicable) if it.kind == ItemKind::Text && a.is_some_and(|a| a.note.trim().is_empty()) => {
                out.push(format!("第 {n} 项选择不适用时须说明理由（item {n}: say why it does not apply）"))
            }
            Some(v) => {
                let a = a.expect("answered");
                if it.kind == ItemKind::Text && v != Verdict::NotApplicable && a.note.trim().is_empty() {
                    out.push(format!("第 {n} 项须填写文字说明（item {n} needs a text answer）"));
                }
                if it.evidence_required && v == Verdict::Compliant && a.evidence.trim().is_empty() && a.attachment.is_none() {
                    out.push(format!("第 {n} 项须提供证明材料（item {n} needs evidence）"));
                }
                if v == Verdict::NotCompliant && a.note.trim().is_empty() {
                    out.push(format!("第 {n} 项不符合时须说明问题（item {n}: describe what is not compliant）"));
                }
            }
        }
    }
    for a in answers {
        if a.item as usize >= items.len() {
            out.push(format!("第 {} 项不在检查表中（item {} is not on the checklist）", a.item + 1, a.item + 1));
        }
    }
    out
}

/// A drill or a contest as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDrill {
    /// The organising division.
    pub organiser_code: i64,
    pub name: String,
    pub kind: DrillKind,
    pub starts_on: Date,
    pub ends_on: Date,
    /// 演练范围 (what is in play), free text.
    pub scope_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    pub id: i64,
    pub new: NewDrill,
    pub report: String,
    pub report_attachment: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub unit_code: i64,
    pub region_code: i64,
    pub team: Team,
}

/// A drill finding; it becomes a rectification item of the affected unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFinding {
    pub title: String,
    pub severity: Severity,
    /// The affected unit.
    pub unit_code: i64,
    /// The affected system or site.
    pub target: String,
    /// Who found it (a team or a person's name).
    pub found_by: String,
    pub owner_name: String,
    pub owner_post: String,
    pub due_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: i64,
    pub drill_id: i64,
    pub title: String,
    pub severity: Severity,
    pub unit_code: i64,
    pub region_code: i64,
    pub target: String,
    pub found_by: String,
    pub item_id: Option<i64>,
    pub created_at: i64,
}

/// A rectification item as raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub source: Source,
    /// The inspection's or the drill's id.
    pub source_id: i64,
    /// The checklist item's index, or the finding's id.
    pub source_ref: i64,
    pub owner_unit: i64,
    /// 整改责任人 and their post (no phone number).
    pub owner_name: String,
    pub owner_post: String,
    pub description: String,
    pub severity: Severity,
    pub due_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub new: NewItem,
    /// The level that raised it (the inspection's issuer, the drill's organiser): it verifies.
    pub issuer_code: i64,
    pub region_code: i64,
    pub state: ItemState,
    pub evidence: String,
    pub attachment_id: Option<i64>,
    pub submitted_at: Option<i64>,
    /// The verifier's note (why reopened).
    pub review_note: String,
    pub verified_by: String,
    pub verified_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

impl Item {
    /// Past its due date and not yet rectified (open or reopened) on `today`.
    pub fn overdue(&self, today: Date) -> bool {
        matches!(self.state, ItemState::Open | ItemState::Reopened) && self.new.due_on < today
    }
}

/// Filters of the item list; `after` is the previous page's last id.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemQuery {
    pub region: Option<u32>,
    /// Open, submitted or reopened (not verified).
    pub open: bool,
    pub overdue: bool,
    pub state: Option<ItemState>,
    pub source: Option<Source>,
    pub source_id: Option<i64>,
    pub today: Date,
    pub after: Option<i64>,
    pub limit: usize,
}

impl ItemQuery {
    pub fn on(today: Date) -> ItemQuery {
        ItemQuery { region: None, open: false, overdue: false, state: None, source: None, source_id: None, today, after: None, limit: 50 }
    }
}

/// One row of an inspection's progress: a region (or a unit, when drilled down to a county).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub code: i64,
    pub assigned: u64,
    pub submitted: u64,
    pub findings: u64,
    pub open_items: u64,
    pub overdue_items: u64,
}

impl Progress {
    fn add(&mut self, o: &Progress) {
        self.assigned += o.assigned;
        self.submitted += o.submitted;
        self.findings += o.findings;
        self.open_items += o.open_items;
        self.overdue_items += o.overdue_items;
    }
}

/// Adds rows up to the level below `level`: the province's cities (a bureau above a county
/// counts as its own row), a city's counties as they are.
pub fn progress_by_level(rows: &[Progress], level: OrgLevel) -> Vec<Progress> {
    let mut by: std::collections::BTreeMap<i64, Progress> = std::collections::BTreeMap::new();
    for r in rows {
        let code = match level {
            OrgLevel::Province => i64::from(crate::sql::city_of(u32::try_from(r.code).unwrap_or(0))),
            _ => r.code,
        };
        by.entry(code).or_insert(Progress { code, ..Default::default() }).add(r);
    }
    by.into_values().collect()
}

/// The sum of rows.
pub fn progress_total(rows: &[Progress]) -> Progress {
    let mut t = Progress::default();
    for r in rows {
        t.add(r);
    }
    t
}

/// Who reads inspections, drills and items (within their area): the officers of the province,
/// cities and counties, school administrators and security officers, and the auditor (read
/// only). A data consumer sees nothing.
pub fn role_reads(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SchoolAdmin | SecurityOfficer | Auditor)
}

/// Who answers inspections and submits rectification (their unit's, within their area).
pub fn role_answers(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SchoolAdmin | SecurityOfficer)
}

/// Who issues inspections, plans drills and verifies items: the officers of a division.
pub fn role_issues(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SecurityOfficer)
}

/// Whether a scope covers a division's whole area (issues or verifies in its name).
pub fn may_issue(scope: &Scope, division: i64) -> bool {
    let Ok(code) = u32::try_from(division) else { return false };
    match scope {
        Scope::Region { lo, hi } => {
            let (a, b) = crate::region_range(code);
            (100_000..=999_999).contains(&code) && *lo <= a && b <= *hi
        }
        _ => false,
    }
}

/// Whether a scope may write for a unit kept under `region`.
pub fn may_write_unit(scope: &Scope, region: i64, unit: i64) -> bool {
    crate::monitor::may_write_site(scope, region, unit)
}

/// What a backend provides: the dialect, a query and a statement on the file these tables live
/// in, and a query on the organisation tree (SQLite keeps it in another file).
pub trait ChecksSql {
    fn checks_dialect(&self) -> Dialect;
    fn checks_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn checks_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
    fn checks_tree_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
}

/// The storage of inspections, drills and items; every method takes the caller's scope. The
/// rules (forms, due dates) are in `secman::checks`.
pub trait Checks {
    /// Stores an inspection and its assignments (resolved in the tree, all inside the issuer's
    /// area); OutOfScope when the scope does not cover the issuer or a chosen unit lies
    /// outside, Conflict for a unit not in the tree. Returns it with the number assigned.
    fn create_inspection(&mut self, scope: &Scope, i: &NewInspection, target: &Target, by: &str, now: i64) -> Result<(Inspection, u64), StoreError>;
    fn inspection(&mut self, scope: &Scope, id: i64) -> Result<Option<Inspection>, StoreError>;
    /// Newest first: those issued in the scope and those assigned to a unit inside it.
    fn inspections(&mut self, scope: &Scope, after: Option<i64>, limit: usize) -> Result<Page<Inspection>, StoreError>;
    /// One unit's assignment (None when not assigned or outside the scope).
    fn assignment(&mut self, scope: &Scope, inspection_id: i64, unit: i64) -> Result<Option<Assignment>, StoreError>;
    /// The assignments inside the scope, by unit code (`region` narrows).
    fn assignments(&mut self, scope: &Scope, inspection_id: i64, region: Option<u32>, after: Option<i64>, limit: usize) -> Result<Page<Assignment>, StoreError>;
    /// Saves a unit's answers; with `submit`, refuses an incomplete sheet (Conflict listing every
    /// problem) and raises one item per not-compliant answer with `owner` (name, post) due on
    /// `due_on`. OutOfScope outside the unit's area; Conflict when submitted already.
    fn save_answers(&mut self, scope: &Scope, inspection_id: i64, unit: i64, answers: &[Answer], submit: Option<(&str, &str, Date)>, by: &str, now: i64) -> Result<Assignment, StoreError>;
    /// Records attachment `attachment` (already kept for the unit) as the evidence file of the
    /// unit's answer to checklist item `item` (0-based), replacing an earlier one; the answer's
    /// other parts are unchanged. OutOfScope outside the unit's area; Conflict when submitted
    /// already or when the checklist has no such item.
    fn attach_answer(&mut self, scope: &Scope, inspection_id: i64, unit: i64, item: u32, attachment: i64) -> Result<Assignment, StoreError>;
    /// Counts by the region units are kept under (or by unit with `by_unit`), inside the
    /// scope narrowed to `region`; counted in SQL.
    fn progress(&mut self, scope: &Scope, inspection_id: i64, region: Option<u32>, by_unit: bool, today: Date) -> Result<Vec<Progress>, StoreError>;

    fn create_drill(&mut self, scope: &Scope, d: &NewDrill, by: &str, now: i64) -> Result<Drill, StoreError>;
    fn drill(&mut self, scope: &Scope, id: i64) -> Result<Option<Drill>, StoreError>;
    /// Newest first: organised in the scope or with a participant inside it.
    fn drills(&mut self, scope: &Scope, after: Option<i64>, limit: usize) -> Result<Page<Drill>, StoreError>;
    /// Adds (or moves to another team) a participant inside the organiser's area.
    fn add_participant(&mut self, scope: &Scope, drill_id: i64, unit: i64, team: Team) -> Result<Participant, StoreError>;
    fn participants(&mut self, scope: &Scope, drill_id: i64) -> Result<Vec<Participant>, StoreError>;
    /// Records a finding and raises its item for the affected unit (organiser's scope only).
    fn add_finding(&mut self, scope: &Scope, drill_id: i64, f: &NewFinding, by: &str, now: i64) -> Result<(Finding, Item), StoreError>;
    /// All findings for the organiser's scope; a participant's own only otherwise.
    fn findings(&mut self, scope: &Scope, drill_id: i64) -> Result<Vec<Finding>, StoreError>;
    fn set_report(&mut self, scope: &Scope, drill_id: i64, report: &str, attachment: Option<i64>) -> Result<(), StoreError>;

    fn item(&mut self, scope: &Scope, id: i64) -> Result<Option<Item>, StoreError>;
    /// A page in id order.
    fn items(&mut self, scope: &Scope, q: &ItemQuery) -> Result<Page<Item>, StoreError>;
    /// The owner's side: open or reopened → submitted with evidence.
    fn submit_item(&mut self, scope: &Scope, id: i64, evidence: &str, attachment: Option<i64>, now: i64) -> Result<Item, StoreError>;
    /// The issuer's side: submitted → verified (`accept`) or reopened with a note. OutOfScope
    /// unless the scope covers the issuer's whole area.
    fn review_item(&mut self, scope: &Scope, id: i64, accept: bool, note: &str, by: &str, now: i64) -> Result<Item, StoreError>;
}

const INSP_COLS: &str = "id, issuer_code, name, basis, starts_on, deadline, rect_days, items_json, created_by, created_at";
const ASSIGN_COLS: &str = "inspection_id, unit_code, region_code, state, answers_json, findings, submitted_by, submitted_at";
const DRILL_COLS: &str = "id, organiser_code, name, kind, starts_on, ends_on, scope_text, report, report_attachment, created_by, created_at";
const FINDING_COLS: &str = "id, drill_id, title, severity, unit_code, region_code, target, found_by, item_id, created_at";
const ITEM_COLS: &str = "id, source, source_id, source_ref, issuer_code, owner_unit, region_code, owner_name, owner_post, description, severity, due_on, state, evidence, attachment_id, submitted_at, review_note, verified_by, verified_at, created_by, created_at";

/// The inspection's progress counted now (see [`Checks::progress`]).
fn progress_now(db: &mut (impl ChecksSql + ?Sized), scope: &Scope, inspection_id: i64, region: Option<u32>, by_unit: bool, today: Date) -> Result<Vec<Progress>, StoreError> {
    let Some(scope) = crate::sql::effective(scope, region) else { return Ok(Vec::new()) };
    let d = db.checks_dialect();
    let key = if by_unit { "unit_code" } else { "region_code" };
    let mut w = Where::new(d);
    if unit_cond(&mut w, &scope, "a", "unit_code").is_err() {
        return Ok(Vec::new());
    }
    let c = format!("a.inspection_id = {}", w.arg(inspection_id));
    w.cond(c);
    let sql = format!(
        "SELECT a.{key}, {}, {}, {} FROM check_assignments a{} GROUP BY a.{key} ORDER BY a.{key}",
        count_star(d),
        sum(d, "CASE WHEN a.state = 'submitted' THEN 1 ELSE 0 END"),
        sum(d, "a.findings"),
        w.where_()
    );
    let mut by: std::collections::BTreeMap<i64, Progress> = std::collections::BTreeMap::new();
    db.checks_rows(&sql, w.args, &mut |r| {
        let code = r.i64(0)?;
        by.insert(code, Progress { code, assigned: r.i64(1)?.max(0) as u64, submitted: r.i64(2)?.max(0) as u64, findings: r.i64(3)?.max(0) as u64, ..Default::default() });
        Ok(())
    })?;
    let key = if by_unit { "owner_unit" } else { "region_code" };
    let mut w = Where::new(d);
    unit_cond(&mut w, &scope, "t", "owner_unit")?;
    let c = format!("t.source = 'inspection' AND t.source_id = {}", w.arg(inspection_id));
    w.cond(c);
    let today = w.arg(today.to_string());
    let sql = format!(
        "SELECT t.{key}, {}, {} FROM check_items t{} GROUP BY t.{key}",
        sum(d, "CASE WHEN t.state <> 'verified' THEN 1 ELSE 0 END"),
        sum(d, &format!("CASE WHEN t.state IN ('open', 'reopened') AND t.due_on < {today} THEN 1 ELSE 0 END")),
        w.where_()
    );
    db.checks_rows(&sql, w.args, &mut |r| {
        let code = r.i64(0)?;
        let e = by.entry(code).or_insert(Progress { code, ..Default::default() });
        e.open_items = r.i64(1)?.max(0) as u64;
        e.overdue_items = r.i64(2)?.max(0) as u64;
        Ok(())
    })?;
    Ok(by.into_values().collect())
}

fn internal(what: &str) -> StoreError {
    StoreError::Internal(format!("bad stored {what}"))
}

fn date_of(r: &dyn SqlRow, i: usize) -> Result<Date, StoreError> {
    Date::parse_iso(&r.string(i)?).ok_or_else(|| internal("date"))
}

fn parse_of<T>(r: &dyn SqlRow, i: usize, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let s = r.string(i)?;
    f(&s).ok_or_else(|| StoreError::Internal(format!("unknown code {s}")))
}

fn inspection_from(r: &dyn SqlRow) -> Result<Inspection, StoreError> {
    let items: Vec<ChecklistItem> = serde_json::from_str(&r.string(7)?).map_err(|_| internal("checklist"))?;
    Ok(Inspection {
        id: r.i64(0)?,
        new: NewInspection { issuer_code: r.i64(1)?, name: r.string(2)?, basis: r.string(3)?, starts_on: date_of(r, 4)?, deadline: date_of(r, 5)?, rect_days: r.i64(6)?.clamp(0, 10_000) as u32, items },
        created_by: r.string(8)?,
        created_at: r.i64(9)?,
    })
}

fn assignment_from(r: &dyn SqlRow) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        inspection_id: r.i64(0)?,
        unit_code: r.i64(1)?,
        region_code: r.i64(2)?,
        state: parse_of(r, 3, AssignState::parse)?,
        answers: serde_json::from_str(&r.string(4)?).map_err(|_| internal("answers"))?,
        findings: r.i64(5)?.max(0) as u32,
        submitted_by: r.string(6)?,
        submitted_at: r.opt_i64(7)?,
    })
}

fn drill_from(r: &dyn SqlRow) -> Result<Drill, StoreError> {
    Ok(Drill {
        id: r.i64(0)?,
        new: NewDrill { organiser_code: r.i64(1)?, name: r.string(2)?, kind: parse_of(r, 3, DrillKind::parse)?, starts_on: date_of(r, 4)?, ends_on: date_of(r, 5)?, scope_text: r.string(6)? },
        report: r.string(7)?,
        report_attachment: r.opt_i64(8)?.filter(|v| *v > 0),
        created_by: r.string(9)?,
        created_at: r.i64(10)?,
    })
}

fn finding_from(r: &dyn SqlRow) -> Result<Finding, StoreError> {
    Ok(Finding {
        id: r.i64(0)?,
        drill_id: r.i64(1)?,
        title: r.string(2)?,
        severity: parse_of(r, 3, Severity::parse)?,
        unit_code: r.i64(4)?,
        region_code: r.i64(5)?,
        target: r.string(6)?,
        found_by: r.string(7)?,
        item_id: r.opt_i64(8)?,
        created_at: r.i64(9)?,
    })
}

fn item_from(r: &dyn SqlRow) -> Result<Item, StoreError> {
    Ok(Item {
        id: r.i64(0)?,
        new: NewItem {
            source: parse_of(r, 1, Source::parse)?,
            source_id: r.i64(2)?,
            source_ref: r.i64(3)?,
            owner_unit: r.i64(5)?,
            owner_name: r.string(7)?,
            owner_post: r.string(8)?,
            description: r.string(9)?,
            severity: parse_of(r, 10, Severity::parse)?,
            due_on: date_of(r, 11)?,
        },
        issuer_code: r.i64(4)?,
        region_code: r.i64(6)?,
        state: parse_of(r, 12, ItemState::parse)?,
        evidence: r.string(13)?,
        attachment_id: r.opt_i64(14)?.filter(|v| *v > 0),
        submitted_at: r.opt_i64(15)?,
        review_note: r.string(16)?,
        verified_by: r.string(17)?,
        verified_at: r.opt_i64(18)?,
        created_by: r.string(19)?,
        created_at: r.i64(20)?,
    })
}

fn rows<T>(db: &mut (impl ChecksSql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.checks_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.checks_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn exec(db: &mut (impl ChecksSql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
    let sql = db.checks_dialect().render(sql).into_owned();
    db.checks_exec(&sql, args)
}

fn new_id(ids: Vec<i64>) -> Result<i64, StoreError> {
    ids.first().copied().ok_or_else(|| StoreError::Internal("no id returned".into()))
}

/// The region a unit is kept under, from the tree; Conflict when it is not there.
fn region_of(db: &mut (impl ChecksSql + ?Sized), unit: i64) -> Result<i64, StoreError> {
    let sql = db.checks_dialect().render(crate::monitor::sql::ORG_NODE).into_owned();
    let mut node = None;
    db.checks_tree_rows(&sql, vec![unit.into()], &mut |r| {
        node = Some(crate::monitor::sql::org_node_from(r)?);
        Ok(())
    })?;
    crate::monitor::sql::site_region(unit, node).map_err(|_| StoreError::Conflict(format!("单位代码 {unit} 不在组织机构树中（unknown unit {unit}）")))
}

/// The scope's condition on a table with `region_code` and a unit column.
fn unit_cond(w: &mut Where, scope: &Scope, t: &str, unit_col: &str) -> Result<(), StoreError> {
    match scope {
        Scope::Region { lo, hi } => {
            let c = format!("{t}.region_code BETWEEN {} AND {}", w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
            w.cond(c);
        }
        Scope::School { code, .. } => {
            let c = format!("{t}.{unit_col} = {}", w.arg(code.parse::<i64>().unwrap_or(-1)));
            w.cond(c);
        }
        Scope::Nothing => return Err(StoreError::OutOfScope),
    }
    Ok(())
}

/// The scope's condition on an issued record (`t.issuer_col`) with its units in `sub`
/// (`sub_fk` = the record's id): issued inside the scope, or a unit of it inside.
fn issued_cond(w: &mut Where, scope: &Scope, t: &str, issuer_col: &str, sub: &str, sub_fk: &str) -> Result<(), StoreError> {
    let c = match scope {
        Scope::Region { lo, hi } => {
            let (lo, hi) = (w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
            format!("({t}.{issuer_col} BETWEEN {lo} AND {hi} OR EXISTS (SELECT 1 FROM {sub} u WHERE u.{sub_fk} = {t}.id AND u.region_code BETWEEN {lo} AND {hi}))")
        }
        Scope::School { code, .. } => {
            let code = w.arg(code.parse::<i64>().unwrap_or(-1));
            format!("EXISTS (SELECT 1 FROM {sub} u WHERE u.{sub_fk} = {t}.id AND u.unit_code = {code})")
        }
        Scope::Nothing => return Err(StoreError::OutOfScope),
    };
    w.cond(c);
    Ok(())
}

fn sum(d: Dialect, c: &str) -> String {
    match d {
        Dialect::Sqlite => format!("COALESCE(SUM({c}), 0)"),
        Dialect::Postgres => format!("COALESCE(SUM({c}), 0)::bigint"),
    }
}

fn count_star(d: Dialect) -> &'static str {
    if d == Dialect::Postgres { "COUNT(*)::bigint" } else { "COUNT(*)" }
}

/// Rows inserted per statement when assigning (22,000 schools make 44 statements).
const ASSIGN_CHUNK: usize = 500;

fn item_insert(db: &mut (impl ChecksSql + ?Sized), it: &NewItem, issuer: i64, region: i64, by: &str, now: i64) -> Result<Item, StoreError> {
    let id = new_id(rows(
        db,
        "INSERT INTO check_items (source, source_id, source_ref, issuer_code, owner_unit, region_code, owner_name, owner_post, description, severity, due_on, state, created_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12, ?13) RETURNING id",
        vec![
            it.source.code().into(),
            it.source_id.into(),
            it.source_ref.into(),
            issuer.into(),
            it.owner_unit.into(),
            region.into(),
            it.owner_name.trim().into(),
            it.owner_post.trim().into(),
            it.description.trim().into(),
            it.severity.code().into(),
            it.due_on.to_string().into(),
            by.into(),
            now.into(),
        ],
        |r| r.i64(0),
    )?)?;
    one_item(db, id)
}

fn one_item(db: &mut (impl ChecksSql + ?Sized), id: i64) -> Result<Item, StoreError> {
    rows(db, &format!("SELECT {ITEM_COLS} FROM check_items WHERE id = ?1"), vec![id.into()], item_from)?.into_iter().next().ok_or(StoreError::OutOfScope)
}

fn one_assignment(db: &mut (impl ChecksSql + ?Sized), inspection_id: i64, unit: i64) -> Result<Option<Assignment>, StoreError> {
    Ok(rows(db, &format!("SELECT {ASSIGN_COLS} FROM check_assignments WHERE inspection_id = ?1 AND unit_code = ?2"), vec![inspection_id.into(), unit.into()], assignment_from)?.into_iter().next())
}

fn one_inspection(db: &mut (impl ChecksSql + ?Sized), id: i64) -> Result<Option<Inspection>, StoreError> {
    Ok(rows(db, &format!("SELECT {INSP_COLS} FROM check_inspections WHERE id = ?1"), vec![id.into()], inspection_from)?.into_iter().next())
}

fn one_drill(db: &mut (impl ChecksSql + ?Sized), id: i64) -> Result<Option<Drill>, StoreError> {
    Ok(rows(db, &format!("SELECT {DRILL_COLS} FROM check_drills WHERE id = ?1"), vec![id.into()], drill_from)?.into_iter().next())
}

/// The drill when the scope organises it (covers the organiser), else OutOfScope.
fn organised(db: &mut (impl ChecksSql + ?Sized), scope: &Scope, id: i64) -> Result<Drill, StoreError> {
    one_drill(db, id)?.filter(|d| may_issue(scope, d.new.organiser_code)).ok_or(StoreError::OutOfScope)
}

fn paged<T>(db: &mut (impl ChecksSql + ?Sized), sql: String, args: Vec<Arg>, n: usize, decode: fn(&dyn SqlRow) -> Result<T, StoreError>, key: fn(&T) -> i64) -> Result<Page<T>, StoreError> {
    let got = rows(db, &sql, args, decode)?;
    Ok(crate::sql::page(got, n, |t| key(t).to_string()))
}

impl<T: ChecksSql + crate::memo::MemoSql + ?Sized> Checks for T {
    fn create_inspection(&mut self, scope: &Scope, i: &NewInspection, target: &Target, by: &str, now: i64) -> Result<(Inspection, u64), StoreError> {
        if !may_issue(scope, i.issuer_code) {
            return Err(StoreError::OutOfScope);
        }
        let issuer = Scope::Region { lo: crate::region_range(i.issuer_code as u32).0, hi: crate::region_range(i.issuer_code as u32).1 };
        let (lo, hi) = crate::region_range(i.issuer_code as u32);
        let d = self.checks_dialect();
        let mut units: Vec<(i64, i64)> = Vec::new();
        match target {
            Target::AllSchools => {
                let sql = d.render("SELECT code, parent_code FROM org_units WHERE level = 'school' AND parent_code BETWEEN ?1 AND ?2 ORDER BY code").into_owned();
                self.checks_tree_rows(&sql, vec![i64::from(lo).into(), i64::from(hi).into()], &mut |r| {
                    units.push((r.i64(0)?, r.i64(1)?));
                    Ok(())
                })?;
            }
            Target::AllBureaus => {
                let sql = d.render("SELECT code, code FROM org_units WHERE level IN ('city', 'county') AND code BETWEEN ?1 AND ?2 AND code <> ?3 ORDER BY code").into_owned();
                self.checks_tree_rows(&sql, vec![i64::from(lo).into(), i64::from(hi).into(), i.issuer_code.into()], &mut |r| {
                    units.push((r.i64(0)?, r.i64(1)?));
                    Ok(())
                })?;
            }
            Target::Units(list) => {
                let mut seen = std::collections::BTreeSet::new();
                for u in list {
                    if !seen.insert(*u) {
                        continue;
                    }
                    let region = region_of(self, *u)?;
                    if !may_write_unit(&issuer, region, *u) || !may_write_unit(scope, region, *u) {
                        return Err(StoreError::OutOfScope);
                    }
                    units.push((*u, region));
                }
            }
        }
        let items = serde_json::to_string(&i.items).map_err(|e| StoreError::Internal(e.to_string()))?;
        let id = new_id(rows(
            self,
            "INSERT INTO check_inspections (issuer_code, name, basis, starts_on, deadline, rect_days, items_json, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
            vec![i.issuer_code.into(), i.name.trim().into(), i.basis.trim().into(), i.starts_on.to_string().into(), i.deadline.to_string().into(), i64::from(i.rect_days).into(), items.into(), by.into(), now.into()],
            |r| r.i64(0),
        )?)?;
        for chunk in units.chunks(ASSIGN_CHUNK) {
            let mut args: Vec<Arg> = vec![id.into()];
            let mut values = Vec::with_capacity(chunk.len());
            for (k, (u, r)) in chunk.iter().enumerate() {
                values.push(format!("(?1, ?{}, ?{})", 2 + 2 * k, 3 + 2 * k));
                args.push((*u).into());
                args.push((*r).into());
            }
            let sql = format!("INSERT INTO check_assignments (inspection_id, unit_code, region_code) VALUES {}", values.join(", "));
            if let Err(e) = exec(self, &sql, args) {
                let _ = exec(self, "DELETE FROM check_assignments WHERE inspection_id = ?1", vec![id.into()]);
                let _ = exec(self, "DELETE FROM check_inspections WHERE id = ?1", vec![id.into()]);
                return Err(e);
            }
        }
        let got = one_inspection(self, id)?.ok_or_else(|| StoreError::Internal("inspection vanished".into()))?;
        Ok((got, units.len() as u64))
    }

    fn inspection(&mut self, scope: &Scope, id: i64) -> Result<Option<Inspection>, StoreError> {
        let mut w = Where::new(self.checks_dialect());
        if issued_cond(&mut w, scope, "i", "issuer_code", "check_assignments", "inspection_id").is_err() {
            return Ok(None);
        }
        let c = format!("i.id = {}", w.arg(id));
        w.cond(c);
        let sql = format!("SELECT {} FROM check_inspections i{}", prefixed("i", INSP_COLS), w.where_());
        Ok(rows(self, &sql, w.args, inspection_from)?.into_iter().next())
    }

    fn inspections(&mut self, scope: &Scope, after: Option<i64>, limit: usize) -> Result<Page<Inspection>, StoreError> {
        let mut w = Where::new(self.checks_dialect());
        if issued_cond(&mut w, scope, "i", "issuer_code", "check_assignments", "inspection_id").is_err() {
            return Ok(crate::sql::empty());
        }
        if let Some(a) = after {
            let c = format!("i.id < {}", w.arg(a));
            w.cond(c);
        }
        let n = crate::sql::limit(limit);
        let sql = format!("SELECT {} FROM check_inspections i{} ORDER BY i.id DESC LIMIT {}", prefixed("i", INSP_COLS), w.where_(), n + 1);
        paged(self, sql, w.args, n, inspection_from, |i| i.id)
    }

    fn attach_answer(&mut self, scope: &Scope, inspection_id: i64, unit: i64, item: u32, attachment: i64) -> Result<Assignment, StoreError> {
        let a = one_assignment(self, inspection_id, unit)?.filter(|a| may_write_unit(scope, a.region_code, a.unit_code)).ok_or(StoreError::OutOfScope)?;
        if a.state == AssignState::Submitted {
            return Err(StoreError::Conflict("该单位已提交检查结果，不能再添加证明材料（the answers were submitted already）".into()));
        }
        let insp = one_inspection(self, inspection_id)?.ok_or(StoreError::OutOfScope)?;
        if item as usize >= insp.new.items.len() {
            return Err(StoreError::Conflict(format!("第 {} 项不在检查表中（item {} is not on the checklist）", item + 1, item + 1)));
        }
        let mut answers = a.answers.clone();
        match answers.iter_mut().find(|x| x.item == item) {
            Some(x) => x.attachment = Some(attachment),
            None => answers.push(Answer { item, attachment: Some(attachment), ..Default::default() }),
        }
        answers.sort_by_key(|a| a.item);
        let json = serde_json::to_string(&answers).map_err(|e| StoreError::Internal(e.to_string()))?;
        let n = exec(self, "UPDATE check_assignments SET answers_json = ?3 WHERE inspection_id = ?1 AND unit_code = ?2 AND state = 'assigned'", vec![inspection_id.into(), unit.into(), json.into()])?;
        if n == 0 {
            return Err(StoreError::Conflict("该单位已提交检查结果，不能再添加证明材料（the answers were submitted already）".into()));
        }
        one_assignment(self, inspection_id, unit)?.ok_or(StoreError::OutOfScope)
    }

    fn assignment(&mut self, scope: &Scope, inspection_id: i64, unit: i64) -> Result<Option<Assignment>, StoreError> {
        Ok(one_assignment(self, inspection_id, unit)?.filter(|a| may_write_unit(scope, a.region_code, a.unit_code)))
    }

    fn assignments(&mut self, scope: &Scope, inspection_id: i64, region: Option<u32>, after: Option<i64>, limit: usize) -> Result<Page<Assignment>, StoreError> {
        let Some(scope) = crate::sql::effective(scope, region) else { return Ok(crate::sql::empty()) };
        let mut w = Where::new(self.checks_dialect());
        if unit_cond(&mut w, &scope, "a", "unit_code").is_err() {
            return Ok(crate::sql::empty());
        }
        let c = format!("a.inspection_id = {}", w.arg(inspection_id));
        w.cond(c);
        if let Some(a) = after {
            let c = format!("a.unit_code > {}", w.arg(a));
            w.cond(c);
        }
        let n = crate::sql::limit(limit);
        let sql = format!("SELECT {} FROM check_assignments a{} ORDER BY a.unit_code LIMIT {}", prefixed("a", ASSIGN_COLS), w.where_(), n + 1);
        paged(self, sql, w.args, n, assignment_from, |a| a.unit_code)
    }

    fn save_answers(&mut self, scope: &Scope, inspection_id: i64, unit: i64, answers: &[Answer], submit: Option<(&str, &str, Date)>, by: &str, now: i64) -> Result<Assignment, StoreError> {
        let a = one_assignment(self, inspection_id, unit)?.filter(|a| may_write_unit(scope, a.region_code, a.unit_code)).ok_or(StoreError::OutOfScope)?;
        if a.state == AssignState::Submitted {
            return Err(StoreError::Conflict("该单位已提交检查结果，不能再修改（the answers were submitted already）".into()));
        }
        let insp = one_inspection(self, inspection_id)?.ok_or(StoreError::OutOfScope)?;
        // Files are attached through `attach_answer` only: the stored ones stay, whatever the
        // sheet says (a sheet cannot point at another unit's file).
        let mut answers = answers.to_vec();
        for x in &mut answers {
            x.attachment = a.answers.iter().find(|s| s.item == x.item).and_then(|s| s.attachment);
        }
        for s in a.answers.iter().filter(|s| s.attachment.is_some()) {
            if !answers.iter().any(|x| x.item == s.item) {
                answers.push(Answer { item: s.item, attachment: s.attachment, ..Default::default() });
            }
        }
        answers.sort_by_key(|a| a.item);
        let json = serde_json::to_string(&answers).map_err(|e| StoreError::Internal(e.to_string()))?;
        let Some((owner_name, owner_post, due_on)) = submit else {
            exec(self, "UPDATE check_assignments SET answers_json = ?3 WHERE inspection_id = ?1 AND unit_code = ?2 AND state = 'assigned'", vec![inspection_id.into(), unit.into(), json.into()])?;
            return one_assignment(self, inspection_id, unit)?.ok_or(StoreError::OutOfScope);
        };
        let mut problems = sheet_problems(&insp.new.items, &answers);
        let findings: Vec<&Answer> = answers.iter().filter(|a| a.verdict == Some(Verdict::NotCompliant)).collect();
        if !findings.is_empty() && (owner_name.trim().is_empty() || owner_post.trim().is_empty()) {
            problems.push("有不符合项时须填写整改责任人及其职务（name the person responsible and their post）".into());
        }
        if !problems.is_empty() {
            return Err(StoreError::Conflict(problems.join("；")));
        }
        let n = exec(
            self,
            "UPDATE check_assignments SET answers_json = ?3, state = 'submitted', findings = ?4, submitted_by = ?5, submitted_at = ?6 WHERE inspection_id = ?1 AND unit_code = ?2 AND state = 'assigned'",
            vec![inspection_id.into(), unit.into(), json.into(), (findings.len() as i64).into(), by.into(), now.into()],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict("该单位已提交检查结果，不能再修改（the answers were submitted already）".into()));
        }
        for f in findings {
            let text = insp.new.items.get(f.item as usize).map(|i| i.text.as_str()).unwrap_or_default();
            let it = NewItem {
                source: Source::Inspection,
                source_id: inspection_id,
                source_ref: i64::from(f.item),
                owner_unit: unit,
                owner_name: owner_name.to_string(),
                owner_post: owner_post.to_string(),
                description: format!("{}：{}", text, f.note.trim()),
                severity: Severity::Medium,
                due_on,
            };
            item_insert(self, &it, insp.new.issuer_code, a.region_code, by, now)?;
        }
        one_assignment(self, inspection_id, unit)?.ok_or(StoreError::OutOfScope)
    }

    fn progress(&mut self, scope: &Scope, inspection_id: i64, region: Option<u32>, by_unit: bool, today: Date) -> Result<Vec<Progress>, StoreError> {
        // A province's progress counts every assignment and item of the inspection: remembered
        // per area, inspection, region, key and day, recounted after any write to either table.
        let key = format!("{inspection_id}|{}|{by_unit}", region.map(|r| r.to_string()).unwrap_or_default());
        crate::memo::cached(self, crate::memo::CHECKS, "progress", scope, &key, Some(today), |db| progress_now(db, scope, inspection_id, region, by_unit, today))
    }

    fn create_drill(&mut self, scope: &Scope, dr: &NewDrill, by: &str, now: i64) -> Result<Drill, StoreError> {
        if !may_issue(scope, dr.organiser_code) {
            return Err(StoreError::OutOfScope);
        }
        let id = new_id(rows(
            self,
            "INSERT INTO check_drills (organiser_code, name, kind, starts_on, ends_on, scope_text, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            vec![dr.organiser_code.into(), dr.name.trim().into(), dr.kind.code().into(), dr.starts_on.to_string().into(), dr.ends_on.to_string().into(), dr.scope_text.trim().into(), by.into(), now.into()],
            |r| r.i64(0),
        )?)?;
        one_drill(self, id)?.ok_or_else(|| StoreError::Internal("drill vanished".into()))
    }

    fn drill(&mut self, scope: &Scope, id: i64) -> Result<Option<Drill>, StoreError> {
        let mut w = Where::new(self.checks_dialect());
        if issued_cond(&mut w, scope, "i", "organiser_code", "check_participants", "drill_id").is_err() {
            return Ok(None);
        }
        let c = format!("i.id = {}", w.arg(id));
        w.cond(c);
        let sql = format!("SELECT {} FROM check_drills i{}", prefixed("i", DRILL_COLS), w.where_());
        Ok(rows(self, &sql, w.args, drill_from)?.into_iter().next())
    }

    fn drills(&mut self, scope: &Scope, after: Option<i64>, limit: usize) -> Result<Page<Drill>, StoreError> {
        let mut w = Where::new(self.checks_dialect());
        if issued_cond(&mut w, scope, "i", "organiser_code", "check_participants", "drill_id").is_err() {
            return Ok(crate::sql::empty());
        }
        if let Some(a) = after {
            let c = format!("i.id < {}", w.arg(a));
            w.cond(c);
        }
        let n = crate::sql::limit(limit);
        let sql = format!("SELECT {} FROM check_drills i{} ORDER BY i.id DESC LIMIT {}", prefixed("i", DRILL_COLS), w.where_(), n + 1);
        paged(self, sql, w.args, n, drill_from, |d| d.id)
    }

    fn add_participant(&mut self, scope: &Scope, drill_id: i64, unit: i64, team: Team) -> Result<Participant, StoreError> {
        let dr = organised(self, scope, drill_id)?;
        let region = region_of(self, unit).map_err(|_| StoreError::OutOfScope)?;
        let (lo, hi) = crate::region_range(dr.new.organiser_code as u32);
        if !may_write_unit(&Scope::Region { lo, hi }, region, unit) {
            return Err(StoreError::OutOfScope);
        }
        exec(self, "DELETE FROM check_participants WHERE drill_id = ?1 AND unit_code = ?2", vec![drill_id.into(), unit.into()])?;
        exec(self, "INSERT INTO check_participants (drill_id, unit_code, region_code, team) VALUES (?1, ?2, ?3, ?4)", vec![drill_id.into(), unit.into(), region.into(), team.code().into()])?;
        Ok(Participant { unit_code: unit, region_code: region, team })
    }

    fn participants(&mut self, scope: &Scope, drill_id: i64) -> Result<Vec<Participant>, StoreError> {
        if self.drill(scope, drill_id)?.is_none() {
            return Ok(Vec::new());
        }
        rows(self, "SELECT unit_code, region_code, team FROM check_participants WHERE drill_id = ?1 ORDER BY team, unit_code", vec![drill_id.into()], |r| {
            Ok(Participant { unit_code: r.i64(0)?, region_code: r.i64(1)?, team: parse_of(r, 2, Team::parse)? })
        })
    }

    fn add_finding(&mut self, scope: &Scope, drill_id: i64, f: &NewFinding, by: &str, now: i64) -> Result<(Finding, Item), StoreError> {
        let dr = organised(self, scope, drill_id)?;
        let region = region_of(self, f.unit_code).map_err(|_| StoreError::OutOfScope)?;
        let (lo, hi) = crate::region_range(dr.new.organiser_code as u32);
        if !may_write_unit(&Scope::Region { lo, hi }, region, f.unit_code) {
            return Err(StoreError::OutOfScope);
        }
        let fid = new_id(rows(
            self,
            "INSERT INTO check_findings (drill_id, title, severity, unit_code, region_code, target, found_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            vec![drill_id.into(), f.title.trim().into(), f.severity.code().into(), f.unit_code.into(), region.into(), f.target.trim().into(), f.found_by.trim().into(), now.into()],
            |r| r.i64(0),
        )?)?;
        let it = NewItem {
            source: Source::Drill,
            source_id: drill_id,
            source_ref: fid,
            owner_unit: f.unit_code,
            owner_name: f.owner_name.clone(),
            owner_post: f.owner_post.clone(),
            description: format!("{}（{}）", f.title.trim(), f.target.trim()),
            severity: f.severity,
            due_on: f.due_on,
        };
        let item = item_insert(self, &it, dr.new.organiser_code, region, by, now)?;
        exec(self, "UPDATE check_findings SET item_id = ?2 WHERE id = ?1", vec![fid.into(), item.id.into()])?;
        let found = rows(self, &format!("SELECT {FINDING_COLS} FROM check_findings WHERE id = ?1"), vec![fid.into()], finding_from)?;
        Ok((found.into_iter().next().ok_or_else(|| StoreError::Internal("finding vanished".into()))?, item))
    }

    fn findings(&mut self, scope: &Scope, drill_id: i64) -> Result<Vec<Finding>, StoreError> {
        let Some(dr) = self.drill(scope, drill_id)? else { return Ok(Vec::new()) };
        let mut w = Where::new(self.checks_dialect());
        let c = format!("f.drill_id = {}", w.arg(drill_id));
        w.cond(c);
        if !may_issue(scope, dr.new.organiser_code) {
            unit_cond(&mut w, scope, "f", "unit_code")?;
        }
        let sql = format!("SELECT {} FROM check_findings f{} ORDER BY f.id", prefixed("f", FINDING_COLS), w.where_());
        rows(self, &sql, w.args, finding_from)
    }

    fn set_report(&mut self, scope: &Scope, drill_id: i64, report: &str, attachment: Option<i64>) -> Result<(), StoreError> {
        organised(self, scope, drill_id)?;
        let att = Arg::I64(attachment.unwrap_or(0));
        exec(self, "UPDATE check_drills SET report = ?2, report_attachment = ?3 WHERE id = ?1", vec![drill_id.into(), report.trim().into(), att])?;
        Ok(())
    }

    fn item(&mut self, scope: &Scope, id: i64) -> Result<Option<Item>, StoreError> {
        let mut w = Where::new(self.checks_dialect());
        if unit_cond(&mut w, scope, "t", "owner_unit").is_err() {
            return Ok(None);
        }
        let c = format!("t.id = {}", w.arg(id));
        w.cond(c);
        let sql = format!("SELECT {} FROM check_items t{}", prefixed("t", ITEM_COLS), w.where_());
        Ok(rows(self, &sql, w.args, item_from)?.into_iter().next())
    }

    fn items(&mut self, scope: &Scope, q: &ItemQuery) -> Result<Page<Item>, StoreError> {
        let Some(scope) = crate::sql::effective(scope, q.region) else { return Ok(crate::sql::empty()) };
        let mut w = Where::new(self.checks_dialect());
        if unit_cond(&mut w, &scope, "t", "owner_unit").is_err() {
            return Ok(crate::sql::empty());
        }
        if q.open {
            w.cond("t.state <> 'verified'");
        }
        if q.overdue {
            let c = format!("t.state IN ('open', 'reopened') AND t.due_on < {}", w.arg(q.today.to_string()));
            w.cond(c);
        }
        if let Some(s) = q.state {
            let c = format!("t.state = {}", w.arg(s.code()));
            w.cond(c);
        }
        if let Some(s) = q.source {
            let c = format!("t.source = {}", w.arg(s.code()));
            w.cond(c);
        }
        if let Some(s) = q.source_id {
            let c = format!("t.source_id = {}", w.arg(s));
            w.cond(c);
        }
        if let Some(a) = q.after {
            let c = format!("t.id > {}", w.arg(a));
            w.cond(c);
        }
        let n = crate::sql::limit(q.limit);
        let sql = format!("SELECT {} FROM check_items t{} ORDER BY t.id LIMIT {}", prefixed("t", ITEM_COLS), w.where_(), n + 1);
        paged(self, sql, w.args, n, item_from, |i| i.id)
    }

    fn submit_item(&mut self, scope: &Scope, id: i64, evidence: &str, attachment: Option<i64>, now: i64) -> Result<Item, StoreError> {
        let it = one_item(self, id)?;
        if !may_write_unit(scope, it.region_code, it.new.owner_unit) {
            return Err(StoreError::OutOfScope);
        }
        if !matches!(it.state, ItemState::Open | ItemState::Reopened) {
            return Err(StoreError::Conflict(format!("整改项当前状态为「{}」，不能提交（the item is {}）", it.state.zh(), it.state.code())));
        }
        let att = Arg::I64(attachment.unwrap_or(0));
        let n = exec(
            self,
            "UPDATE check_items SET state = 'submitted', evidence = ?2, attachment_id = ?3, submitted_at = ?4 WHERE id = ?1 AND state IN ('open', 'reopened')",
            vec![id.into(), evidence.trim().into(), att, now.into()],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict("整改项状态已变化，请刷新后重试（the item changed meanwhile）".into()));
        }
        one_item(self, id)
    }

    fn review_item(&mut self, scope: &Scope, id: i64, accept: bool, note: &str, by: &str, now: i64) -> Result<Item, StoreError> {
        let it = one_item(self, id)?;
        if !may_issue(scope, it.issuer_code) {
            return Err(StoreError::OutOfScope);
        }
        if it.state != ItemState::Submitted {
            return Err(StoreError::Conflict(format!("整改项当前状态为「{}」，只有待验证的整改项可以验证或退回（only a submitted item is reviewed）", it.state.zh())));
        }
        let n = if accept {
            exec(self, "UPDATE check_items SET state = 'verified', review_note = ?2, verified_by = ?3, verified_at = ?4 WHERE id = ?1 AND state = 'submitted'", vec![id.into(), note.trim().into(), by.into(), now.into()])?
        } else {
            exec(self, "UPDATE check_items SET state = 'reopened', review_note = ?2 WHERE id = ?1 AND state = 'submitted'", vec![id.into(), note.trim().into()])?
        };
        if n == 0 {
            return Err(StoreError::Conflict("整改项状态已变化，请刷新后重试（the item changed meanwhile）".into()));
        }
        one_item(self, id)
    }
}

/// A column list with each column qualified by `t`.
fn prefixed(t: &str, cols: &str) -> String {
    cols.split(", ").map(|c| format!("{t}.{c}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: ItemKind, evidence_required: bool) -> ChecklistItem {
        ChecklistItem { text: "x".into(), kind, evidence_required }
    }

    #[test]
    fn sheet_problems_are_all_listed() {
        let items = [item(ItemKind::YesNo, true), item(ItemKind::Text, false), item(ItemKind::YesNo, false)];
        let answers = [Answer { item: 0, verdict: Some(Verdict::Compliant), ..Default::default() }, Answer { item: 1, verdict: Some(Verdict::Compliant), ..Default::default() }];
        let p = sheet_problems(&items, &answers);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("第 1 项须提供证明材料"));
        assert!(p[1].contains("第 2 项须填写文字说明"));
        assert!(p[2].contains("第 3 项未作答"));
        let ok = [
            Answer { item: 0, verdict: Some(Verdict::Compliant), evidence: "制度文件".into(), ..Default::default() },
            Answer { item: 1, verdict: Some(Verdict::NotApplicable), note: "无此系统".into(), ..Default::default() },
            Answer { item: 2, verdict: Some(Verdict::NotCompliant), note: "未开展".into(), ..Default::default() },
        ];
        assert!(sheet_problems(&items, &ok).is_empty());
    }

    #[test]
    fn issuing_levels() {
        let prov = Scope::Region { lo: 510000, hi: 519999 };
        let city = Scope::Region { lo: 510100, hi: 510199 };
        let county = Scope::Region { lo: 510104, hi: 510104 };
        assert!(may_issue(&prov, 510100) && may_issue(&city, 510100) && !may_issue(&county, 510100));
        assert!(may_issue(&county, 510104) && !may_issue(&city, 510000));
        assert!(!may_issue(&Scope::School { code: "2151010401".into(), county: 510104 }, 510104));
        let rows = [Progress { code: 510104, assigned: 2, submitted: 1, ..Default::default() }, Progress { code: 510302, assigned: 1, ..Default::default() }, Progress { code: 510105, assigned: 3, findings: 2, ..Default::default() }];
        let by = progress_by_level(&rows, OrgLevel::Province);
        assert_eq!(by.iter().map(|r| (r.code, r.assigned)).collect::<Vec<_>>(), vec![(510100, 5), (510300, 1)]);
        assert_eq!(progress_total(&rows).findings, 2);
    }
}
