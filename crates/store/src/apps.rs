//! 教育移动应用备案 — the register of education apps: the province's register of provider filings
//! (备案, [`Filing`]), its block list ([`Block`]), and the schools' use of apps ([`AppUse`]),
//! proposed by a school (or its county) and reviewed by the school and then the county
//! (凡进必审, 谁选用谁负责), re-reviewed each year. The rules (the state machine, the block check,
//! the validation) are in `secman::apps`.
//!
//! **Scopes.** Filings and blocks are the province's: every record-keeping role reads them
//! (any scope but [`Scope::Nothing`]), only a whole-province scope writes them
//! ([`province_writes`]). A use belongs to a school and is judged like a site of the monitor
//! ([`crate::monitor::may_write_site`]): read and written by the school and every division above
//! it; a use outside the scope answers as missing (reads: None; writes:
//! [`StoreError::OutOfScope`]).
//!
//! The SQL is written once (`?N` placeholders rendered per [`Dialect`]); a backend supplies the
//! primitives of [`AppsSql`] and gets [`Apps`] whole. Dates are `YYYY-MM-DD` text ('' for none).

use crate::sql::{Arg, Dialect, SqlRow, Where};
use crate::{Page, Role, Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;

/// 有效 / 注销.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    #[default]
    Valid,
    Cancelled,
}

impl FilingStatus {
    pub const ALL: [FilingStatus; 2] = [FilingStatus::Valid, FilingStatus::Cancelled];
    pub fn code(self) -> &'static str {
        match self {
            FilingStatus::Valid => "valid",
            FilingStatus::Cancelled => "cancelled",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            FilingStatus::Valid => "有效",
            FilingStatus::Cancelled => "注销",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            FilingStatus::Valid => "Valid",
            FilingStatus::Cancelled => "Cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<FilingStatus> {
        let s = s.trim();
        FilingStatus::ALL.into_iter().find(|f| f.code() == s || f.zh() == s || f.en().eq_ignore_ascii_case(s))
    }
}

/// A provider's filing as entered (form, API, import row), already checked by
/// `secman::apps::parse_filing`. Lists hold codes of `standard::apps`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewFiling {
    /// 教APP备1100871号.
    pub filing_no: String,
    pub provider: String,
    /// 统一社会信用代码 (GB 32100).
    pub credit_code: String,
    pub app_name: String,
    pub version: String,
    pub platforms: Vec<String>,
    pub icp_no: String,
    pub mlps_no: String,
    pub permissions: Vec<String>,
    pub personal_data: Vec<String>,
    /// 面向未成年人.
    pub minors: bool,
    pub filed_on: Option<Date>,
    pub status: FilingStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub id: i64,
    pub new: NewFiling,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Filters of the filings register; `after` is the previous page's last id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilingQuery {
    /// A substring of the app's or the provider's name, or the filing number.
    pub text: Option<String>,
    pub status: Option<FilingStatus>,
    pub minors: Option<bool>,
    pub after: Option<i64>,
    pub limit: usize,
}

/// A block: an app refused by the province (by its filing number, or by name and provider's
/// credit code when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewBlock {
    pub filing_no: String,
    pub app_name: String,
    pub credit_code: String,
    pub reason: String,
    pub blocked_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub id: i64,
    pub new: NewBlock,
    pub blocked_by: String,
    pub unblocked_on: Option<Date>,
    pub unblocked_by: String,
}

impl Block {
    pub fn active(&self) -> bool {
        self.unblocked_on.is_none()
    }
}

/// Where a school's use of an app stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum UseState {
    Proposed,
    SchoolApproved,
    CountyApproved,
    Rejected,
    Withdrawn,
}

impl UseState {
    pub const ALL: [UseState; 5] = [UseState::Proposed, UseState::SchoolApproved, UseState::CountyApproved, UseState::Rejected, UseState::Withdrawn];
    pub fn code(self) -> &'static str {
        match self {
            UseState::Proposed => "proposed",
            UseState::SchoolApproved => "school_approved",
            UseState::CountyApproved => "county_approved",
            UseState::Rejected => "rejected",
            UseState::Withdrawn => "withdrawn",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            UseState::Proposed => "待学校审核",
            UseState::SchoolApproved => "待区县审核",
            UseState::CountyApproved => "已通过",
            UseState::Rejected => "已驳回",
            UseState::Withdrawn => "已停用",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            UseState::Proposed => "Awaiting the school",
            UseState::SchoolApproved => "Awaiting the county",
            UseState::CountyApproved => "Approved",
            UseState::Rejected => "Rejected",
            UseState::Withdrawn => "Withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<UseState> {
        UseState::ALL.into_iter().find(|u| u.code() == s)
    }
}

/// A proposal: school X uses app Y for purpose Z, chosen by whom.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewUse {
    /// 学校标识码.
    pub school_code: i64,
    pub filing_id: i64,
    /// A code of `standard::apps::PURPOSES`.
    pub purpose: String,
    /// 选用人 (a post or a teacher's role, not a phone number).
    pub chosen_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppUse {
    pub id: i64,
    pub new: NewUse,
    /// The school's county.
    pub region_code: i64,
    /// Copied from the filing when proposed (the lists show them without a join).
    pub app_name: String,
    pub filing_no: String,
    pub state: UseState,
    /// The latest rejection's reason ('' when none).
    pub reason: String,
    pub school_reviewed_on: Option<Date>,
    pub county_approved_on: Option<Date>,
    /// Annual re-review: one year after the latest county approval.
    pub review_due: Option<Date>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a step changes besides the state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UseChange {
    pub reason: Option<String>,
    pub school_reviewed_on: Option<Date>,
    pub county_approved_on: Option<Date>,
    pub review_due: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseQuery {
    /// A division inside the scope.
    pub region: Option<u32>,
    pub school: Option<i64>,
    pub state: Option<UseState>,
    pub filing_id: Option<i64>,
    pub after: Option<i64>,
    pub limit: usize,
}

impl Default for UseQuery {
    fn default() -> Self {
        UseQuery { region: None, school: None, state: None, filing_id: None, after: None, limit: 50 }
    }
}

/// Overdue re-reviews of one region (the county uses are kept under).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionOverdue {
    pub code: u32,
    pub overdue: u64,
}

/// Who reads the province's filings and block list: the record-keeping roles and security
/// officers, and the auditor in its node's area (the routes read its node, as the 等保 register
/// does; it writes nothing: [`role_writes_filings`], [`role_writes_uses`]); a data consumer sees
/// nothing.
pub fn role_reads(role: Role) -> bool {
    use Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer | SchoolAdmin | SecurityOfficer | Auditor)
}

/// Who reads the schools' uses, each within their area: the same roles.
pub fn role_reads_uses(role: Role) -> bool {
    role_reads(role)
}

/// Who writes filings and blocks: the province's officers.
pub fn role_writes_filings(role: Role) -> bool {
    matches!(role, Role::ProvinceAdmin)
}

/// Who proposes and reviews uses (each step's roles are in `secman::apps::FLOW`).
pub fn role_writes_uses(role: Role) -> bool {
    matches!(role, Role::SchoolAdmin | Role::CountyOfficer)
}

/// Whether a scope is a whole province (or everything): the writers of filings and blocks.
pub fn province_writes(scope: &Scope) -> bool {
    matches!(scope, Scope::Region { lo, hi } if hi - lo >= 9_999)
}

/// Whether a scope reads filings at all.
fn reads_filings(scope: &Scope) -> bool {
    !matches!(scope, Scope::Nothing)
}

/// The write rule of a use: its school and every division above it.
pub fn may_write_use(scope: &Scope, region_code: i64, school_code: i64) -> bool {
    crate::monitor::may_write_site(scope, region_code, school_code)
}

/// What a backend provides (not part of [`crate::Backend`]; callers see [`Apps`]).
pub trait AppsSql {
    fn apps_dialect(&self) -> Dialect;
    fn apps_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn apps_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
    /// Plain statements without arguments (`BEGIN`, `COMMIT`, `ROLLBACK`).
    fn apps_batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// The level and parent of an organisation node ([`crate::monitor::sql::ORG_NODE`]).
    fn apps_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError>;
}

/// The register's storage, scoped.
pub trait Apps {
    /// Conflict when the filing number is taken; OutOfScope unless the scope is a province.
    fn create_filing(&mut self, scope: &Scope, f: &NewFiling, by: &str, now: i64) -> Result<Filing, StoreError>;
    fn update_filing(&mut self, scope: &Scope, id: i64, f: &NewFiling, now: i64) -> Result<Filing, StoreError>;
    fn filing(&mut self, scope: &Scope, id: i64) -> Result<Option<Filing>, StoreError>;
    fn filing_by_no(&mut self, scope: &Scope, filing_no: &str) -> Result<Option<Filing>, StoreError>;
    /// A page in id order.
    fn filings(&mut self, scope: &Scope, q: &FilingQuery) -> Result<Page<Filing>, StoreError>;
    /// Stores every row (new filing numbers inserted, known ones updated) in one transaction:
    /// all or nothing. Returns (inserted, updated).
    fn import_filings(&mut self, scope: &Scope, rows: &[NewFiling], by: &str, now: i64) -> Result<(u64, u64), StoreError>;
    fn block(&mut self, scope: &Scope, b: &NewBlock, by: &str, now: i64) -> Result<Block, StoreError>;
    /// Lifts a block; OutOfScope when missing, Conflict when lifted already.
    fn unblock(&mut self, scope: &Scope, id: i64, on: Date, by: &str) -> Result<Block, StoreError>;
    /// Newest first; active ones only when `active`.
    /// The block list, newest first, at most `limit` (the pages show 500; the export all).
    fn blocks(&mut self, scope: &Scope, active: bool, limit: usize) -> Result<Vec<Block>, StoreError>;
    /// The active block that holds a filing (by number, or by name and credit code).
    fn block_of(&mut self, scope: &Scope, f: &NewFiling) -> Result<Option<Block>, StoreError>;
    /// A new use, state `proposed`; OutOfScope when the school lies outside the scope or the
    /// filing is missing; Conflict when the school is not in the tree.
    fn create_use(&mut self, scope: &Scope, u: &NewUse, by: &str, now: i64) -> Result<AppUse, StoreError>;
    fn app_use(&mut self, scope: &Scope, id: i64) -> Result<Option<AppUse>, StoreError>;
    /// Moves a use from `from` to `to`; Conflict when it is no longer in `from`.
    fn set_use_state(&mut self, scope: &Scope, id: i64, from: UseState, to: UseState, c: &UseChange, now: i64) -> Result<AppUse, StoreError>;
    /// A page in id order.
    fn uses(&mut self, scope: &Scope, q: &UseQuery) -> Result<Page<AppUse>, StoreError>;
    /// The query's counts by state (its state filter ignored).
    fn use_counts(&mut self, scope: &Scope, q: &UseQuery) -> Result<Vec<(UseState, u64)>, StoreError>;
    /// Approved uses whose re-review is past due on `today`, longest overdue first.
    fn overdue_uses(&mut self, scope: &Scope, region: Option<u32>, today: Date, limit: usize) -> Result<Vec<AppUse>, StoreError>;
    /// Overdue re-reviews by the county uses are kept under.
    fn overdue_by_region(&mut self, scope: &Scope, today: Date) -> Result<Vec<RegionOverdue>, StoreError>;
}

const FILING_COLS: &str = "id, filing_no, provider, credit_code, app_name, version, platforms, icp_no, mlps_no, permissions, personal_data, minors, filed_on, status, created_by, created_at, updated_at";
const BLOCK_COLS: &str = "id, filing_no, app_name, credit_code, reason, blocked_on, blocked_by, unblocked_on, unblocked_by";
pub const USE_COLS: &str = "id, school_code, region_code, filing_id, purpose, chosen_by, app_name, filing_no, state, reason, school_reviewed_on, county_approved_on, review_due, created_by, created_at, updated_at";

fn date_arg(d: Option<Date>) -> Arg {
    Arg::Text(d.map(|d| d.to_string()).unwrap_or_default())
}

fn date_of(r: &dyn SqlRow, i: usize) -> Result<Option<Date>, StoreError> {
    Ok(r.opt_string(i)?.and_then(|s| Date::parse_iso(&s)))
}

fn list_of(s: String) -> Vec<String> {
    s.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn filing_from(r: &dyn SqlRow) -> Result<Filing, StoreError> {
    let st = r.string(13)?;
    Ok(Filing {
        id: r.i64(0)?,
        new: NewFiling {
            filing_no: r.string(1)?,
            provider: r.string(2)?,
            credit_code: r.string(3)?,
            app_name: r.string(4)?,
            version: r.string(5)?,
            platforms: list_of(r.string(6)?),
            icp_no: r.string(7)?,
            mlps_no: r.string(8)?,
            permissions: list_of(r.string(9)?),
            personal_data: list_of(r.string(10)?),
            minors: r.bool(11)?,
            filed_on: date_of(r, 12)?,
            status: FilingStatus::parse(&st).ok_or_else(|| StoreError::Internal(format!("unknown filing status {st}")))?,
        },
        created_by: r.string(14)?,
        created_at: r.i64(15)?,
        updated_at: r.i64(16)?,
    })
}

fn block_from(r: &dyn SqlRow) -> Result<Block, StoreError> {
    Ok(Block {
        id: r.i64(0)?,
        new: NewBlock { filing_no: r.string(1)?, app_name: r.string(2)?, credit_code: r.string(3)?, reason: r.string(4)?, blocked_on: date_of(r, 5)? },
        blocked_by: r.string(6)?,
        unblocked_on: date_of(r, 7)?,
        unblocked_by: r.string(8)?,
    })
}

fn use_from(r: &dyn SqlRow) -> Result<AppUse, StoreError> {
    let st = r.string(8)?;
    Ok(AppUse {
        id: r.i64(0)?,
        new: NewUse { school_code: r.i64(1)?, filing_id: r.i64(3)?, purpose: r.string(4)?, chosen_by: r.string(5)? },
        region_code: r.i64(2)?,
        app_name: r.string(6)?,
        filing_no: r.string(7)?,
        state: UseState::parse(&st).ok_or_else(|| StoreError::Internal(format!("unknown use state {st}")))?,
        reason: r.string(9)?,
        school_reviewed_on: date_of(r, 10)?,
        county_approved_on: date_of(r, 11)?,
        review_due: date_of(r, 12)?,
        created_by: r.string(13)?,
        created_at: r.i64(14)?,
        updated_at: r.i64(15)?,
    })
}

fn rows<T>(db: &mut (impl AppsSql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.apps_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.apps_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn exec(db: &mut (impl AppsSql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
    let sql = db.apps_dialect().render(sql).into_owned();
    db.apps_exec(&sql, args)
}

fn filing_args(f: &NewFiling) -> Vec<Arg> {
    vec![
        f.filing_no.trim().into(),
        f.provider.trim().into(),
        f.credit_code.trim().into(),
        f.app_name.trim().into(),
        f.version.trim().into(),
        f.platforms.join(",").into(),
        f.icp_no.trim().into(),
        f.mlps_no.trim().into(),
        f.permissions.join(",").into(),
        f.personal_data.join(",").into(),
        f.minors.into(),
        date_arg(f.filed_on),
        f.status.code().into(),
    ]
}

const INSERT_FILING: &str = "INSERT INTO app_filings (filing_no, provider, credit_code, app_name, version, platforms, icp_no, mlps_no, permissions, personal_data, minors, filed_on, status, created_by, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15) RETURNING id";
const UPDATE_FILING: &str = "UPDATE app_filings SET filing_no = ?1, provider = ?2, credit_code = ?3, app_name = ?4, version = ?5, platforms = ?6, icp_no = ?7, mlps_no = ?8, permissions = ?9, personal_data = ?10, minors = ?11, filed_on = ?12, status = ?13, updated_at = ?14 WHERE id = ?15";

fn taken(no: &str) -> StoreError {
    StoreError::Conflict(format!("备案号 {no} 已登记（the filing number is registered already）"))
}

fn one_filing(db: &mut (impl AppsSql + ?Sized), cond: &str, arg: Arg) -> Result<Option<Filing>, StoreError> {
    Ok(rows(db, &format!("SELECT {FILING_COLS} FROM app_filings WHERE {cond}"), vec![arg], filing_from)?.into_iter().next())
}

/// The scope's condition on the uses table.
fn scope_cond(w: &mut Where, scope: &Scope) -> bool {
    match scope {
        Scope::Region { lo, hi } => {
            // As in the 等保 register: a wide range reads in id order and stops at a page
            // (SQLite is told with a unary +; PostgreSQL cannot estimate `+region_code` and
            // decides from the column's statistics instead).
            let col = if hi - lo >= 99 && w.dialect == Dialect::Sqlite { "+region_code" } else { "region_code" };
            let c = format!("{col} BETWEEN {} AND {}", w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
            w.cond(c);
            true
        }
        Scope::School { code, .. } => {
            let c = format!("school_code = {}", w.arg(code.parse::<i64>().unwrap_or(-1)));
            w.cond(c);
            true
        }
        Scope::Nothing => false,
    }
}

fn use_conds(dialect: Dialect, scope: &Scope, q: &UseQuery, with_state: bool) -> Option<Where> {
    let scope = crate::sql::effective(scope, q.region)?;
    let mut w = Where::new(dialect);
    if !scope_cond(&mut w, &scope) {
        return None;
    }
    if let Some(s) = q.school {
        let c = format!("school_code = {}", w.arg(s));
        w.cond(c);
    }
    if let Some(f) = q.filing_id {
        let c = format!("filing_id = {}", w.arg(f));
        w.cond(c);
    }
    if with_state {
        if let Some(st) = q.state {
            let c = format!("state = {}", w.arg(st.code()));
            w.cond(c);
        }
        if let Some(a) = q.after {
            let c = format!("id > {}", w.arg(a));
            w.cond(c);
        }
    }
    Some(w)
}

fn writable_use(db: &mut (impl AppsSql + ?Sized), scope: &Scope, id: i64) -> Result<AppUse, StoreError> {
    let found = rows(db, &format!("SELECT {USE_COLS} FROM app_uses WHERE id = ?1"), vec![id.into()], use_from)?;
    found.into_iter().next().filter(|u| may_write_use(scope, u.region_code, u.new.school_code)).ok_or(StoreError::OutOfScope)
}

fn region_of(db: &mut (impl AppsSql + ?Sized), unit: i64) -> Result<i64, StoreError> {
    let node = db.apps_org(unit)?;
    if node.as_ref().map(|n| n.0.as_str()) != Some("school") {
        return Err(StoreError::Conflict(format!("学校标识码 {unit} 不在学校名录中（unknown school {unit}）")));
    }
    crate::monitor::sql::site_region(unit, node).map_err(|_| StoreError::Conflict(format!("学校标识码 {unit} 不在学校名录中（unknown school {unit}）")))
}

fn count_of(r: &dyn SqlRow, i: usize) -> Result<u64, StoreError> {
    Ok(r.opt_i64(i)?.unwrap_or(0).max(0) as u64)
}

impl<T: AppsSql + crate::memo::MemoSql + ?Sized> Apps for T {
    fn create_filing(&mut self, scope: &Scope, f: &NewFiling, by: &str, now: i64) -> Result<Filing, StoreError> {
        if !province_writes(scope) {
            return Err(StoreError::OutOfScope);
        }
        if one_filing(self, "filing_no = ?1", f.filing_no.trim().into())?.is_some() {
            return Err(taken(&f.filing_no));
        }
        let mut args = filing_args(f);
        args.extend([by.into(), now.into()]);
        let id = rows(self, INSERT_FILING, args, |r| r.i64(0))?.into_iter().next().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        one_filing(self, "id = ?1", id.into())?.ok_or_else(|| StoreError::Internal("filing vanished".into()))
    }

    fn update_filing(&mut self, scope: &Scope, id: i64, f: &NewFiling, now: i64) -> Result<Filing, StoreError> {
        if !province_writes(scope) || one_filing(self, "id = ?1", id.into())?.is_none() {
            return Err(StoreError::OutOfScope);
        }
        if one_filing(self, "filing_no = ?1", f.filing_no.trim().into())?.is_some_and(|o| o.id != id) {
            return Err(taken(&f.filing_no));
        }
        let mut args = filing_args(f);
        args.extend([now.into(), id.into()]);
        exec(self, UPDATE_FILING, args)?;
        one_filing(self, "id = ?1", id.into())?.ok_or(StoreError::OutOfScope)
    }

    fn filing(&mut self, scope: &Scope, id: i64) -> Result<Option<Filing>, StoreError> {
        if !reads_filings(scope) {
            return Ok(None);
        }
        one_filing(self, "id = ?1", id.into())
    }

    fn filing_by_no(&mut self, scope: &Scope, filing_no: &str) -> Result<Option<Filing>, StoreError> {
        if !reads_filings(scope) {
            return Ok(None);
        }
        one_filing(self, "filing_no = ?1", filing_no.trim().into())
    }

    fn filings(&mut self, scope: &Scope, q: &FilingQuery) -> Result<Page<Filing>, StoreError> {
        if !reads_filings(scope) {
            return Ok(crate::sql::empty());
        }
        let d = self.apps_dialect();
        let mut w = Where::new(d);
        if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            let a = w.arg(pat);
            w.cond(format!("(app_name LIKE {a} ESCAPE '\\' OR provider LIKE {a} ESCAPE '\\' OR filing_no LIKE {a} ESCAPE '\\')"));
        }
        if let Some(s) = q.status {
            let c = format!("status = {}", w.arg(s.code()));
            w.cond(c);
        }
        if let Some(m) = q.minors {
            let c = format!("minors = {}", w.arg(m));
            w.cond(c);
        }
        if let Some(a) = q.after {
            let c = format!("id > {}", w.arg(a));
            w.cond(c);
        }
        let n = crate::sql::limit(q.limit);
        let sql = format!("SELECT {FILING_COLS} FROM app_filings{} ORDER BY id LIMIT {}", w.where_(), n + 1);
        let mut got = Vec::new();
        self.apps_rows(&sql, w.args, &mut |r| {
            got.push(filing_from(r)?);
            Ok(())
        })?;
        Ok(crate::sql::page(got, n, |f| f.id.to_string()))
    }

    fn import_filings(&mut self, scope: &Scope, list: &[NewFiling], by: &str, now: i64) -> Result<(u64, u64), StoreError> {
        if !province_writes(scope) {
            return Err(StoreError::OutOfScope);
        }
        self.apps_batch("BEGIN")?;
        let mut run = || -> Result<(u64, u64), StoreError> {
            let (mut ins, mut upd) = (0, 0);
            for f in list {
                match one_filing(self, "filing_no = ?1", f.filing_no.trim().into())? {
                    Some(old) => {
                        if old.new != *f {
                            let mut args = filing_args(f);
                            args.extend([now.into(), old.id.into()]);
                            exec(self, UPDATE_FILING, args)?;
                            upd += 1;
                        }
                    }
                    None => {
                        let mut args = filing_args(f);
                        args.extend([by.into(), now.into()]);
                        rows(self, INSERT_FILING, args, |r| r.i64(0))?;
                        ins += 1;
                    }
                }
            }
            Ok((ins, upd))
        };
        match run() {
            Ok(n) => {
                self.apps_batch("COMMIT")?;
                Ok(n)
            }
            Err(e) => {
                let _ = self.apps_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn block(&mut self, scope: &Scope, b: &NewBlock, by: &str, _now: i64) -> Result<Block, StoreError> {
        if !province_writes(scope) {
            return Err(StoreError::OutOfScope);
        }
        let id = rows(
            self,
            "INSERT INTO app_blocks (filing_no, app_name, credit_code, reason, blocked_on, blocked_by, unblocked_on, unblocked_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', '') RETURNING id",
            vec![b.filing_no.trim().into(), b.app_name.trim().into(), b.credit_code.trim().into(), b.reason.trim().into(), date_arg(b.blocked_on), by.into()],
            |r| r.i64(0),
        )?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        rows(self, &format!("SELECT {BLOCK_COLS} FROM app_blocks WHERE id = ?1"), vec![id.into()], block_from)?.into_iter().next().ok_or_else(|| StoreError::Internal("block vanished".into()))
    }

    fn unblock(&mut self, scope: &Scope, id: i64, on: Date, by: &str) -> Result<Block, StoreError> {
        if !province_writes(scope) {
            return Err(StoreError::OutOfScope);
        }
        let b = rows(self, &format!("SELECT {BLOCK_COLS} FROM app_blocks WHERE id = ?1"), vec![id.into()], block_from)?.into_iter().next().ok_or(StoreError::OutOfScope)?;
        if !b.active() {
            return Err(StoreError::Conflict("该应用已解除禁用（the block is lifted already）".into()));
        }
        exec(self, "UPDATE app_blocks SET unblocked_on = ?2, unblocked_by = ?3 WHERE id = ?1 AND unblocked_on = ''", vec![id.into(), on.to_string().into(), by.into()])?;
        Ok(Block { unblocked_on: Some(on), unblocked_by: by.to_string(), ..b })
    }

    fn blocks(&mut self, scope: &Scope, active: bool, limit: usize) -> Result<Vec<Block>, StoreError> {
        if !reads_filings(scope) {
            return Ok(Vec::new());
        }
        let cond = if active { " WHERE unblocked_on = ''" } else { "" };
        rows(self, &format!("SELECT {BLOCK_COLS} FROM app_blocks{cond} ORDER BY id DESC LIMIT {}", limit.max(1)), Vec::new(), block_from)
    }

    fn block_of(&mut self, scope: &Scope, f: &NewFiling) -> Result<Option<Block>, StoreError> {
        if !reads_filings(scope) {
            return Ok(None);
        }
        let got = rows(
            self,
            &format!("SELECT {BLOCK_COLS} FROM app_blocks WHERE unblocked_on = '' AND ((filing_no <> '' AND filing_no = ?1) OR (app_name = ?2 AND credit_code = ?3)) ORDER BY id LIMIT 1"),
            vec![f.filing_no.trim().into(), f.app_name.trim().into(), f.credit_code.trim().into()],
            block_from,
        )?;
        Ok(got.into_iter().next())
    }

    fn create_use(&mut self, scope: &Scope, u: &NewUse, by: &str, now: i64) -> Result<AppUse, StoreError> {
        let region = region_of(self, u.school_code)?;
        if !may_write_use(scope, region, u.school_code) {
            return Err(StoreError::OutOfScope);
        }
        let f = one_filing(self, "id = ?1", u.filing_id.into())?.ok_or(StoreError::OutOfScope)?;
        let id = rows(
            self,
            "INSERT INTO app_uses (school_code, region_code, filing_id, purpose, chosen_by, app_name, filing_no, state, reason, school_reviewed_on, county_approved_on, review_due, created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'proposed', '', '', '', '', ?8, ?9, ?9) RETURNING id",
            vec![u.school_code.into(), region.into(), u.filing_id.into(), u.purpose.trim().into(), u.chosen_by.trim().into(), f.new.app_name.into(), f.new.filing_no.into(), by.into(), now.into()],
            |r| r.i64(0),
        )?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        writable_use(self, scope, id)
    }

    fn app_use(&mut self, scope: &Scope, id: i64) -> Result<Option<AppUse>, StoreError> {
        Ok(writable_use(self, scope, id).ok())
    }

    fn set_use_state(&mut self, scope: &Scope, id: i64, from: UseState, to: UseState, c: &UseChange, now: i64) -> Result<AppUse, StoreError> {
        let old = writable_use(self, scope, id)?;
        let reason = c.reason.clone().unwrap_or(old.reason);
        let n = exec(
            self,
            "UPDATE app_uses SET state = ?2, reason = ?3, school_reviewed_on = ?4, county_approved_on = ?5, review_due = ?6, updated_at = ?7 WHERE id = ?1 AND state = ?8",
            vec![
                id.into(),
                to.code().into(),
                reason.trim().into(),
                date_arg(c.school_reviewed_on.or(old.school_reviewed_on)),
                date_arg(c.county_approved_on.or(old.county_approved_on)),
                date_arg(c.review_due.or(old.review_due)),
                now.into(),
                from.code().into(),
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict("该申请的状态已变化，请刷新后重试（the use changed meanwhile）".into()));
        }
        writable_use(self, scope, id)
    }

    fn uses(&mut self, scope: &Scope, q: &UseQuery) -> Result<Page<AppUse>, StoreError> {
        let Some(w) = use_conds(self.apps_dialect(), scope, q, true) else { return Ok(crate::sql::empty()) };
        let n = crate::sql::limit(q.limit);
        let sql = format!("SELECT {USE_COLS} FROM app_uses{} ORDER BY id LIMIT {}", w.where_(), n + 1);
        let mut got = Vec::new();
        self.apps_rows(&sql, w.args, &mut |r| {
            got.push(use_from(r)?);
            Ok(())
        })?;
        got.retain(|u| may_write_use(scope, u.region_code, u.new.school_code));
        Ok(crate::sql::page(got, n, |u| u.id.to_string()))
    }

    fn use_counts(&mut self, scope: &Scope, q: &UseQuery) -> Result<Vec<(UseState, u64)>, StoreError> {
        // Remembered per area and filters until the register changes (store::memo).
        let key = format!("region={:?};school={:?};filing={:?}", q.region, q.school, q.filing_id);
        crate::memo::cached(self, crate::memo::APPS, "counts", scope, &key, None, |db| use_counts_now(db, scope, q))
    }

    fn overdue_uses(&mut self, scope: &Scope, region: Option<u32>, today: Date, limit: usize) -> Result<Vec<AppUse>, StoreError> {
        let q = UseQuery { region, ..Default::default() };
        let Some(mut w) = use_conds(self.apps_dialect(), scope, &q, false) else { return Ok(Vec::new()) };
        let c = format!("state = 'county_approved' AND review_due <> '' AND review_due < {}", w.arg(today.to_string()));
        w.cond(c);
        let sql = format!("SELECT {USE_COLS} FROM app_uses{} ORDER BY review_due, id LIMIT {}", w.where_(), crate::sql::limit(limit));
        let mut got = Vec::new();
        self.apps_rows(&sql, w.args, &mut |r| {
            got.push(use_from(r)?);
            Ok(())
        })?;
        got.retain(|u| may_write_use(scope, u.region_code, u.new.school_code));
        Ok(got)
    }

    fn overdue_by_region(&mut self, scope: &Scope, today: Date) -> Result<Vec<RegionOverdue>, StoreError> {
        crate::memo::cached(self, crate::memo::APPS, "overdue_by_region", scope, "", Some(today), |db| overdue_by_region_now(db, scope, today))
    }
}

fn use_counts_now(db: &mut (impl AppsSql + ?Sized), scope: &Scope, q: &UseQuery) -> Result<Vec<(UseState, u64)>, StoreError> {
    let d = db.apps_dialect();
    let Some(w) = use_conds(d, scope, q, false) else { return Ok(UseState::ALL.iter().map(|s| (*s, 0)).collect()) };
    let count = if d == Dialect::Postgres { "COUNT(*)::bigint" } else { "COUNT(*)" };
    let sql = format!("SELECT state, {count} FROM app_uses{} GROUP BY state", w.where_());
    let mut by = std::collections::HashMap::new();
    db.apps_rows(&sql, w.args, &mut |r| {
        if let Some(s) = UseState::parse(&r.string(0)?) {
            by.insert(s, count_of(r, 1)?);
        }
        Ok(())
    })?;
    Ok(UseState::ALL.iter().map(|s| (*s, by.get(s).copied().unwrap_or(0))).collect())
}

fn overdue_by_region_now(db: &mut (impl AppsSql + ?Sized), scope: &Scope, today: Date) -> Result<Vec<RegionOverdue>, StoreError> {
    let d = db.apps_dialect();
    let mut w = Where::new(d);
    if !scope_cond(&mut w, scope) {
        return Ok(Vec::new());
    }
    let c = format!("state = 'county_approved' AND review_due <> '' AND review_due < {}", w.arg(today.to_string()));
    w.cond(c);
    let count = if d == Dialect::Postgres { "COUNT(*)::bigint" } else { "COUNT(*)" };
    let sql = format!("SELECT region_code, {count} FROM app_uses{} GROUP BY region_code ORDER BY region_code", w.where_());
    let mut out = Vec::new();
    db.apps_rows(&sql, w.args, &mut |r| {
        out.push(RegionOverdue { code: u32::try_from(r.i64(0)?).unwrap_or(0), overdue: count_of(r, 1)? });
        Ok(())
    })?;
    Ok(out)
}
