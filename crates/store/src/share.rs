//! 数据共享交换 — the sharing exchange of issue 14: consumer organisations (other departments,
//! registered by the province administrator, with linked data-consumer accounts), their requests
//! for a catalog dataset (purpose, fields, rows, period), the provider's review, the grants that
//! follow, delivery of exactly the granted fields and rows, revocation and usage counters.
//!
//! Who does what (the store judges it from [`Who`], never from what a caller says it may do):
//! - the province administrator registers consumers and links accounts, reads everything and
//!   reviews every request (it covers every provider; overdue requests are its escalation list);
//! - a data consumer (an account linked to a consumer) requests, withdraws its submitted requests
//!   and reads its own requests, grants and usage;
//! - the provider side — province, city and county officers whose area covers the dataset's
//!   provider ([`crate::catalog::may_write`]) — reviews 有条件 requests, reads them and their
//!   grants, and revokes grants.
//! 无条件 requests are approved (and granted) when the conformity check passes; 不予共享 datasets
//! cannot be requested. Anything outside a caller's side is [`StoreError::OutOfScope`], the same
//! whether or not it exists.
//!
//! Delivery is one path that cannot be bypassed: [`Share::share_authorize`] (linked account,
//! grant live, rate limit) gives an [`Authorized`], which alone can build [`Columns`] and read
//! rows through [`read_page`]: the grant's region as the [`Scope`] of the base-data reads, its
//! grade or school-type filter, its fields in its order, each masked as granted.
//!
//! Storage: the registers' primitives ([`LedgerSql`]), so both backends get the trait by the
//! blanket implementation below; tables in SQLite's platform file (0023) and PostgreSQL (0036).
//! A change feed can follow from the grants' filters and the base data's batch ids.

use crate::catalog::{self, MaskKind, ShareType};
use crate::ledger::LedgerSql;
use crate::sql::{Arg, SqlRow};
use crate::{Browse, Entity, PersonQuery, Record, Role, SchoolQuery, Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;

/// The datasets delivered this round (the catalog's automatic entries of the base data).
pub const DELIVERABLE: [&str; 3] = ["schools", "teachers", "students"];
/// The longest period a request may ask for, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// The working days a provider has to answer, unless configured otherwise.
pub const DEFAULT_ANSWER_DAYS: u32 = 5;
/// A grant's calls per minute unless the reviewer says otherwise, and the most it may say.
pub const DEFAULT_RATE: u32 = 60;
pub const MAX_RATE: u32 = 600;
/// The most rows one page of the API holds.
pub const MAX_ROWS: usize = 1000;

use crate::coded::coded;

coded!(
    /// 部门类别 of a consumer organisation.
    Department {
        Health => "health", "卫健", "Health";
        Police => "police", "公安", "Public security";
        CivilAffairs => "civil_affairs", "民政", "Civil affairs";
        HumanResources => "human_resources", "人社", "Human resources and social security";
        Other => "other", "其他", "Other";
    }
);

coded!(
    /// 申请状态: submitted → approved | rejected | withdrawn.
    RequestState {
        Submitted => "submitted", "待审核", "Submitted";
        Approved => "approved", "已批准", "Approved";
        Rejected => "rejected", "未批准", "Rejected";
        Withdrawn => "withdrawn", "已撤回", "Withdrawn";
    }
);

/// Who calls: the account, its role and area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConsumer {
    pub name: String,
    pub department: Department,
    /// 统一社会信用代码, optional ('' when none).
    pub credit_code: String,
    /// 联系人及电话.
    pub contact: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    pub id: i64,
    pub name: String,
    pub department: Department,
    pub credit_code: String,
    pub contact: String,
    /// The linked data-consumer accounts' names.
    pub accounts: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
}

/// The rows a request asks for: a division inside the provider's area and, optionally, grades
/// (students) or school types (schools).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RowFilter {
    pub region: u32,
    #[serde(default)]
    pub grades: Vec<String>,
    #[serde(default)]
    pub school_types: Vec<String>,
}

impl RowFilter {
    /// The scope base-data reads take for these rows.
    pub fn scope(&self) -> Scope {
        let (lo, hi) = crate::region_range(self.region);
        Scope::Region { lo, hi }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub dataset_id: i64,
    pub purpose: String,
    pub fields: Vec<String>,
    pub filter: RowFilter,
    pub from: Date,
    pub to: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub consumer_id: i64,
    pub consumer_name: String,
    pub dataset_id: i64,
    pub dataset_version: u32,
    pub dataset_key: String,
    pub dataset_name: String,
    pub provider_code: i64,
    pub share_type: ShareType,
    pub purpose: String,
    pub fields: Vec<String>,
    pub filter: RowFilter,
    pub from: Date,
    pub to: Date,
    pub state: RequestState,
    /// The answer's deadline (end of its working day); 0 for requests approved on submission.
    pub due_at: i64,
    pub reasons: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: String,
    pub decided_at: i64,
    pub grant_id: Option<i64>,
}

impl Request {
    /// Waiting past its deadline: escalated to the province administrator.
    pub fn overdue(&self, now: i64) -> bool {
        self.state == RequestState::Submitted && self.due_at > 0 && now >= self.due_at
    }
}

/// What a reviewer grants: a subset of the requested fields, the personal ones to deliver
/// unmasked (all others keep the catalog's mask), expiry and calls per minute.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrantTerms {
    /// Empty: all requested fields.
    pub fields: Vec<String>,
    pub unmasked: Vec<String>,
    /// None: the end of the requested period.
    pub expires_at: Option<i64>,
    pub rate_per_minute: Option<u32>,
    /// Also publish the grant's change feed to NATS JetStream: the installation's subject prefix
    /// (the subject is [`nats_subject`] of it).
    pub nats: Option<String>,
}

/// The NATS subject a grant's changes are published to: `<prefix>.grant.<id>`.
pub fn nats_subject(prefix: &str, grant: i64) -> String {
    format!("{prefix}.grant.{grant}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldGrant {
    pub name: String,
    pub mask: Option<MaskKind>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: i64,
    pub request_id: i64,
    pub consumer_id: i64,
    pub consumer_name: String,
    pub dataset_id: i64,
    pub dataset_key: String,
    pub dataset_name: String,
    pub provider_code: i64,
    pub fields: Vec<FieldGrant>,
    pub filter: RowFilter,
    /// Valid from the start (00:00 UTC+8) of this day.
    pub from: Date,
    pub expires_at: i64,
    pub rate_per_minute: u32,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_by: String,
    pub revoked_why: String,
    /// The NATS subject its changes are published to ('' not published), the change version and
    /// feed cursor published up to, the publisher's last error ('' none).
    pub nats_subject: String,
    pub nats_version: i64,
    pub nats_after: String,
    pub nats_error: String,
}

/// Calls and rows of one grant on one day (UTC+8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub grant_id: i64,
    pub consumer_id: i64,
    pub consumer_name: String,
    pub day: String,
    pub calls: i64,
    pub rows: i64,
}

/// Why a pull is refused (the web layer answers 404, 403, 410, 429).
#[derive(Debug)]
pub enum Refused {
    /// Unknown, or not a grant of the caller's consumer (one answer for both).
    NotYours,
    NotYet(Date),
    Expired(i64),
    Revoked { at: i64, why: String },
    /// Over the rate limit: seconds until the next minute.
    Rate { retry_after: i64 },
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        Refused::Store(e)
    }
}

/// A grant checked for one call: the only way to [`Columns`] and [`read_page`].
#[derive(Debug, Clone)]
pub struct Authorized {
    grant: Grant,
    entity: Entity,
}

/// The columns one call delivers: granted fields (all, or those asked for), each with its
/// place in the record and its mask.
#[derive(Debug, Clone)]
pub struct Columns {
    cols: Vec<(usize, String, Option<crate::mask::Kind>)>,
    entity: Entity,
    filter: RowFilter,
}

impl Columns {
    pub fn names(&self) -> Vec<String> {
        self.cols.iter().map(|c| c.1.clone()).collect()
    }
}

/// A page of delivered rows; `next` the base-data cursor of the following page (the web layer
/// seals it bound to the grant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub rows: Vec<Vec<String>>,
    pub next: Option<String>,
}

impl Authorized {
    pub fn grant(&self) -> &Grant {
        &self.grant
    }
    /// The columns of a call: every granted field, or `asked` (each granted); None when a name
    /// asked for is not granted (never widened).
    pub fn columns(&self, asked: &[String]) -> Option<Columns> {
        let names: Vec<&FieldGrant> = if asked.is_empty() {
            self.grant.fields.iter().collect()
        } else {
            let mut v = Vec::new();
            for a in asked {
                let f = self.grant.fields.iter().find(|f| &f.name == a)?;
                if !v.iter().any(|x: &&FieldGrant| x.name == f.name) {
                    v.push(f);
                }
            }
            v
        };
        let t = self.entity.template();
        let mut cols = Vec::new();
        for f in names {
            let i = t.fields.iter().position(|x| x.key == f.name)?;
            cols.push((i, f.name.clone(), f.mask.map(MaskKind::kind)));
        }
        Some(Columns { cols, entity: self.entity, filter: self.grant.filter.clone() })
    }
}

fn entity_of(key: &str) -> Option<Entity> {
    match key {
        "schools" => Some(Entity::School),
        "teachers" => Some(Entity::Teacher),
        "students" => Some(Entity::Student),
        _ => None,
    }
}

impl Columns {
    /// The template fields a page reads: the delivered ones, then those the grant's filter reads
    /// (a student's grade, a school's type), each once.
    fn reads(&self) -> (Vec<usize>, Option<usize>, Option<usize>) {
        let t = self.entity.template();
        let mut need: Vec<usize> = Vec::with_capacity(self.cols.len() + 1);
        for (i, _, _) in &self.cols {
            if !need.contains(i) {
                need.push(*i);
            }
        }
        let mut place = |key: &str, wanted: bool| -> Option<usize> {
            let i = t.fields.iter().position(|f| f.key == key).filter(|_| wanted)?;
            Some(need.iter().position(|x| *x == i).unwrap_or_else(|| {
                need.push(i);
                need.len() - 1
            }))
        };
        let grade = place("grade", !self.filter.grades.is_empty());
        let school_type = place("school_type", !self.filter.school_types.is_empty());
        (need, grade, school_type)
    }
}

/// Whether a row read as [`Columns::reads`] says is inside the grant's grades and school types
/// (`grade`, `school_type`: the places of those values in the row).
fn keep(c: &Columns, r: &Record, grade: Option<usize>, school_type: Option<usize>) -> bool {
    let value = |at: Option<usize>| at.and_then(|i| r.get(i)).unwrap_or("");
    (c.filter.grades.is_empty() || c.filter.grades.iter().any(|g| g == value(grade)))
        && (c.filter.school_types.is_empty() || c.filter.school_types.iter().any(|s| s == value(school_type)))
}

/// A row read as [`Columns::reads`] says (the delivered columns first, in order), masked.
fn project(c: &Columns, r: &Record) -> Vec<String> {
    c.cols
        .iter()
        .enumerate()
        .map(|(k, (_, _, mask))| {
            let v = r.get(k).unwrap_or("");
            match mask {
                Some(k) => {
                    let mut s = String::new();
                    crate::mask::apply_into(*k, v, &mut s);
                    s
                }
                None => v.to_string(),
            }
        })
        .collect()
}

/// One page of a grant's rows: the base data read with the grant's region as the scope, cut to
/// its grades or school types, projected to `cols` and masked as granted. `after` is the cursor
/// of the page before (as [`Delivery::next`] gave it). Only the fields delivered and filtered on
/// are read ([`Browse::people_fields`]).
pub fn read_page<B: Browse + ?Sized>(db: &mut B, cols: &Columns, after: Option<String>, limit: usize) -> Result<Delivery, StoreError> {
    let limit = limit.clamp(1, MAX_ROWS);
    let scope = cols.filter.scope();
    let (need, grade, school_type) = cols.reads();
    let mut out = Vec::with_capacity(limit);
    let mut cursor = after;
    // Each base-data page asked for is consumed whole (it holds at most the rows still wanted),
    // so its cursor is where the next page starts; a sparse filter ends a page short.
    for _ in 0..20 {
        let want = (limit - out.len()).min(crate::browse::MAX_PAGE);
        let page = match cols.entity {
            Entity::School => {
                let p = db.schools(&scope, &SchoolQuery { region: Some(cols.filter.region), after: cursor.clone(), limit: want, ..Default::default() })?;
                crate::Page { rows: p.rows.iter().map(|r| r.only(&need)).collect(), next: p.next }
            }
            e => db.people_fields(&scope, e, &PersonQuery { region: Some(cols.filter.region), after: cursor.clone(), limit: want, ..Default::default() }, &need)?,
        };
        out.extend(page.rows.iter().filter(|r| keep(cols, r, grade, school_type)).map(|r| project(cols, r)));
        cursor = page.next;
        if cursor.is_none() || out.len() >= limit {
            break;
        }
    }
    Ok(Delivery { rows: out, next: cursor })
}

/// The fields whose change can move a record into or out of a grant's rows (its place: the
/// school and so the county, the grade; a school's division and type). The change feed reads
/// their `change_log` entries to tell a consumer which records left its rows.
pub const PLACE_FIELDS: [&str; 4] = ["school_code", "grade", "region_code", "school_type"];

/// [`Browse::moved`]'s answer from `change_log` rows (key, field, old value) in key order: the
/// first `limit` keys, each with its fields. A backend reads at most `limit × PLACE_FIELDS.len()`
/// rows, which hold every field of the first `limit` keys.
pub fn group_moves(rows: impl IntoIterator<Item = (String, String, String)>, limit: usize) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (key, f, v) in rows {
        match out.last_mut() {
            Some(last) if last.0 == key => last.1.push((f, v)),
            _ => {
                if out.len() == limit.max(1) {
                    break;
                }
                out.push((key, vec![(f, v)]));
            }
        }
    }
    out
}

/// Batches read per call of [`changes`] and base-data rows read per call at most (as
/// [`read_page`], a sparse grade filter ends a call short with a cursor to go on).
const FEED_BATCHES: usize = 200;
const FEED_READ: usize = 20 * crate::browse::MAX_PAGE;

/// What a change does to the consumer's copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The record is (now) in the grant's rows: insert or replace it.
    Upsert,
    /// The record left the grant's rows (moved to another division, grade or type): remove it.
    Delete,
}

impl Op {
    pub fn code(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }
}

/// One entry of the change feed: the record's key (the web layer hands the consumer a
/// per-grant pseudonym of it, never the key), the change version (the import batch) and, for an
/// upsert, the granted fields masked as granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub op: Op,
    pub version: i64,
    pub key: String,
    pub row: Option<Vec<String>>,
}

/// A page of the change feed. `next`: where the next page starts (more changes are waiting);
/// None when the feed is read to its end, and then `version` is the change version to pass as
/// `since` next time (the newest batch read, or `since` when there was none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub changes: Vec<Change>,
    pub next: Option<String>,
    pub version: i64,
}

/// Where a feed page starts: a batch, its phase (0 the records it changed, 1 those it moved),
/// the last position read. Written `batch.phase.position`.
fn feed_at(s: &str) -> Option<(i64, u8, Option<String>)> {
    let mut it = s.splitn(3, '.');
    let batch = it.next()?.parse::<i64>().ok().filter(|b| *b > 0)?;
    let phase = it.next()?.parse::<u8>().ok().filter(|p| *p <= 1)?;
    let pos = it.next()?;
    Some((batch, phase, (!pos.is_empty()).then(|| pos.to_string())))
}

fn feed_cursor(batch: i64, phase: u8, pos: &Option<String>) -> String {
    format!("{batch}.{phase}.{}", pos.as_deref().unwrap_or(""))
}

/// 变更订阅: the changes of a grant's rows after change version `since` (or from the cursor
/// `after` of the page before, which then decides): for each import batch of the dataset, oldest
/// first, every record it changed that lies in the grant's rows (an upsert, projected and masked
/// as [`read_page`]), then every record it moved (school, grade, division or type) whose old place
/// was in the grant's rows and whose place now is not (a delete). A record changed by several
/// batches appears once, at its last: the feed is compacted, and reading it from `since = 0`
/// gives every row of the grant. Nothing outside the grant's rows is named, not even by a
/// delete: a delete needs the record's old place to have been inside them.
pub fn changes<B: Browse + ?Sized>(db: &mut B, cols: &Columns, since: i64, after: Option<&str>, limit: usize) -> Result<Feed, StoreError> {
    let limit = limit.clamp(1, MAX_ROWS);
    let (mut at_batch, mut phase, mut pos) = match after {
        Some(a) => {
            let (b, ph, p) = feed_at(a).ok_or(StoreError::BadCursor)?;
            (Some(b), ph, p)
        }
        None => (None, 0, None),
    };
    let scope = cols.filter.scope();
    let entity = cols.entity;
    let (need, grade, school_type) = cols.reads();
    let from = match at_batch {
        Some(b) => b - 1,
        None => since.max(0),
    };
    let batches = db.change_batches(entity, from, FEED_BATCHES)?;
    let mut out = Vec::with_capacity(limit);
    let mut read = 0usize;
    let mut version = from;
    for &b in &batches {
        if at_batch != Some(b) {
            (at_batch, phase, pos) = (Some(b), 0, None);
        }
        if phase == 0 {
            loop {
                if out.len() >= limit || read >= FEED_READ {
                    return Ok(Feed { changes: out, next: Some(feed_cursor(b, phase, &pos)), version });
                }
                let want = (limit - out.len()).min(crate::browse::MAX_PAGE);
                let rows = db.changed(&scope, entity, b, pos.as_deref(), want)?;
                read += rows.len();
                let n = rows.len();
                for (p, r) in rows {
                    pos = Some(p);
                    let r = r.only(&need);
                    if keep(cols, &r, grade, school_type) {
                        out.push(Change { op: Op::Upsert, version: b, key: r.key.clone(), row: Some(project(cols, &r)) });
                    }
                }
                if n < want {
                    break;
                }
            }
            (phase, pos) = (1, None);
        }
        loop {
            if out.len() >= limit || read >= FEED_READ {
                return Ok(Feed { changes: out, next: Some(feed_cursor(b, phase, &pos)), version });
            }
            let want = (limit - out.len()).min(crate::browse::MAX_PAGE);
            let moves = db.moved(entity, b, pos.as_deref(), want)?;
            read += moves.len();
            let n = moves.len();
            for (key, olds) in moves {
                pos = Some(key.clone());
                if was_in(db, cols, &key, &olds)? && !is_in(db, cols, &key)? {
                    out.push(Change { op: Op::Delete, version: b, key, row: None });
                }
            }
            if n < want {
                break;
            }
        }
        version = b;
    }
    let next = (batches.len() == FEED_BATCHES).then(|| feed_cursor(version + 1, 0, &None));
    Ok(Feed { changes: out, next, version })
}

/// Whether the record is in the grant's rows now.
fn is_in<B: Browse + ?Sized>(db: &mut B, cols: &Columns, key: &str) -> Result<bool, StoreError> {
    let (need, grade, school_type) = cols.reads();
    Ok(db.record(&cols.filter.scope(), cols.entity, key)?.is_some_and(|r| keep(cols, &r.only(&need), grade, school_type)))
}

/// Whether the record's place before a move (`olds`: the place fields that changed, with their
/// old values; the others as stored now) was in the grant's rows.
fn was_in<B: Browse + ?Sized>(db: &mut B, cols: &Columns, key: &str, olds: &[(String, String)]) -> Result<bool, StoreError> {
    let t = cols.entity.template();
    let now = db.record(&Scope::all(), cols.entity, key)?;
    let value = |k: &str| -> Option<String> {
        olds.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).or_else(|| now.as_ref().and_then(|r| t.index(k).and_then(|i| r.get(i)).map(str::to_string)))
    };
    let region = match cols.entity {
        Entity::School => value("region_code"),
        _ => match value("school_code").filter(|s| !s.is_empty()) {
            Some(code) => {
                let st = Entity::School.template();
                db.record(&Scope::all(), Entity::School, &code)?.and_then(|r| st.index("region_code").and_then(|i| r.get(i)).map(str::to_string))
            }
            None => None,
        },
    };
    let Some(county) = region.and_then(|r| r.trim().parse::<u32>().ok()) else { return Ok(false) };
    let (lo, hi) = crate::region_range(cols.filter.region);
    if !(lo..=hi).contains(&county) {
        return Ok(false);
    }
    let fits = |list: &[String], k: &str| list.is_empty() || value(k).is_none_or(|v| list.iter().any(|x| *x == v));
    Ok(match cols.entity {
        Entity::Student => fits(&cols.filter.grades, "grade"),
        Entity::School => fits(&cols.filter.school_types, "school_type"),
        _ => true,
    })
}

/// A problem with a request: (field, Chinese, English).
pub type Problem = (&'static str, String, String);

const GRADES: [&str; 12] = ["11", "12", "13", "14", "15", "16", "21", "22", "23", "31", "32", "33"];

/// The conformity check of a request against its (published) dataset: every problem at once.
pub fn conformity(d: &catalog::Dataset, auto_key: &str, r: &NewRequest, today: Date) -> Vec<Problem> {
    let mut p: Vec<Problem> = Vec::new();
    if !DELIVERABLE.contains(&auto_key) {
        p.push(("dataset_id", "该数据资源本期尚不能通过接口交付（目前可申请学校、教职工、学生基本信息）。".into(), "This dataset cannot be delivered through the API yet (schools, teachers and students can).".into()));
    }
    let purpose = r.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 500 {
        p.push(("purpose", "请写明用途（最多 500 个字）。".into(), "State the purpose (at most 500 characters).".into()));
    }
    if r.fields.is_empty() {
        p.push(("fields", "请至少选择一个字段。".into(), "Choose at least one field.".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for f in &r.fields {
        if !d.meta.fields.iter().any(|x| &x.name == f) {
            p.push(("fields", "所选字段不在该数据资源的目录中，请按目录选择字段。".into(), "A field chosen is not in the dataset's catalog entry; choose fields from the catalog.".into()));
            break;
        }
        if !seen.insert(f) {
            p.push(("fields", "字段重复。".into(), "A field appears twice.".into()));
            break;
        }
    }
    let inside = standard::codes::DIVISIONS.get(r.filter.region).is_some() && u32::try_from(d.meta.provider_code).is_ok_and(|pc| {
        let (a, b) = crate::region_range(pc);
        let (lo, hi) = crate::region_range(r.filter.region);
        a <= lo && hi <= b
    });
    if !inside {
        p.push(("region", "范围应为提供方辖区内的省、市或区县行政区划代码。".into(), "The region must be a division code inside the provider's area.".into()));
    }
    if !r.filter.grades.is_empty() && (auto_key != "students" || r.filter.grades.iter().any(|g| !GRADES.contains(&g.as_str()))) {
        p.push(("grades", "年级只能用于学生数据，取 11–16、21–23、31–33。".into(), "Grades apply to students only: 11–16, 21–23, 31–33.".into()));
    }
    if !r.filter.school_types.is_empty() && (auto_key != "schools" || r.filter.school_types.iter().any(|s| s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()))) {
        p.push(("school_types", "办学类型只能用于学校数据，为 3 位代码。".into(), "School types apply to schools only, as 3-digit codes.".into()));
    }
    let days = r.to.days_since_epoch() - r.from.days_since_epoch();
    if days < 0 || days > MAX_PERIOD_DAYS || r.to < today {
        p.push(("period", format!("使用期限应从开始日到结束日，不超过 {MAX_PERIOD_DAYS} 天，且结束日不早于今天。"), format!("The period must run from its start to its end, at most {MAX_PERIOD_DAYS} days, ending today or later.")));
    }
    p
}

fn problems_error(p: &[Problem]) -> StoreError {
    let zh: Vec<&str> = p.iter().map(|x| x.1.as_str()).collect();
    let en: Vec<&str> = p.iter().map(|x| x.2.as_str()).collect();
    StoreError::Conflict(format!("{}（{}）", zh.join(""), en.join(" ")))
}

/// The end (24:00 UTC+8) of a day, as unix seconds.
pub fn end_of(d: Date) -> i64 {
    (d.days_since_epoch() + 1) * 86_400 - 8 * 3600
}

/// The start (00:00 UTC+8) of a day.
pub fn start_of(d: Date) -> i64 {
    d.days_since_epoch() * 86_400 - 8 * 3600
}

pub trait Share {
    /// Registers a consumer organisation (the province administrator).
    fn share_register_consumer(&mut self, who: &Who, c: &NewConsumer, now: i64) -> Result<Consumer, StoreError>;
    /// Links a data-consumer account (by its name) to a consumer; Conflict when the account is
    /// not a data consumer's or is linked to another consumer.
    fn share_link_account(&mut self, who: &Who, consumer: i64, account: &str) -> Result<Consumer, StoreError>;
    /// The consumers the caller reads: all for the administrator, its own for a consumer.
    fn share_consumers(&mut self, who: &Who) -> Result<Vec<Consumer>, StoreError>;
    /// Submits a request for the caller's consumer. 不予共享 and requests failing the conformity
    /// check are Conflict (every problem at once); a 无条件 one is approved and granted at once,
    /// a 有条件 one waits for the provider until `due_at`.
    fn share_submit(&mut self, who: &Who, r: &NewRequest, due_at: i64, now: i64) -> Result<Request, StoreError>;
    /// The requests the caller reads, newest first (at most 500).
    fn share_requests(&mut self, who: &Who) -> Result<Vec<Request>, StoreError>;
    fn share_request(&mut self, who: &Who, id: i64) -> Result<Option<Request>, StoreError>;
    /// Approves a submitted request (the provider side) and writes its grant.
    fn share_approve(&mut self, who: &Who, id: i64, terms: &GrantTerms, now: i64) -> Result<Grant, StoreError>;
    /// Rejects a submitted request with its reasons (the provider side).
    fn share_reject(&mut self, who: &Who, id: i64, reasons: &str, now: i64) -> Result<Request, StoreError>;
    /// Withdraws a submitted request (its consumer).
    fn share_withdraw(&mut self, who: &Who, id: i64, now: i64) -> Result<Request, StoreError>;
    /// The grants the caller reads, newest first (at most 500).
    fn share_grants(&mut self, who: &Who) -> Result<Vec<Grant>, StoreError>;
    fn share_grant(&mut self, who: &Who, id: i64) -> Result<Option<Grant>, StoreError>;
    /// Revokes a grant at once (the provider side, or the administrator).
    fn share_revoke(&mut self, who: &Who, id: i64, why: &str, now: i64) -> Result<Grant, StoreError>;
    /// Usage per grant and day of the grants the caller reads, newest day first (at most 500).
    fn share_usage(&mut self, who: &Who) -> Result<Vec<Usage>, StoreError>;
    /// Checks one pull: the account is linked to the grant's consumer, the grant is live, and
    /// the call fits its rate (counted here).
    fn share_authorize(&mut self, user_id: i64, grant: i64, now: i64) -> Result<Authorized, Refused>;
    /// Counts a call's rows in the grant's usage of the day.
    fn share_count(&mut self, a: &Authorized, rows: u64, now: i64) -> Result<(), StoreError>;
    /// Submitted requests past their deadline and not yet reminded, marked reminded (for the
    /// reminder outbox).
    fn share_overdue_to_remind(&mut self, now: i64) -> Result<Vec<Request>, StoreError>;
    /// The grants whose changes are published to NATS and that deliver now (neither revoked nor
    /// expired, started): the NATS publisher's only way to an [`Authorized`].
    fn share_publishing(&mut self, now: i64) -> Result<Vec<Authorized>, StoreError>;
    /// The consumer an account is linked to, if any. A linked data-consumer account reads base
    /// data only through its grants (the web layer gives it no scope of its own).
    fn share_consumer_of(&mut self, user_id: i64) -> Result<Option<i64>, StoreError>;
    /// Records how far the NATS publisher got with a grant (version and feed cursor) and its
    /// last error ('' when the round went well).
    fn share_published(&mut self, grant: i64, version: i64, after: &str, error: &str) -> Result<(), StoreError>;
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

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Internal(format!("unknown {what} {v}"))
}

fn list(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn date(r: &dyn SqlRow, i: usize) -> Result<Date, StoreError> {
    let s = r.string(i)?;
    Date::parse_iso(&s).ok_or_else(|| bad("date", &s))
}

fn is_admin(who: &Who) -> bool {
    who.role == Role::ProvinceAdmin && matches!(who.scope, Scope::Region { lo, hi } if lo % 10_000 == 0 && hi == lo + 9_999)
}

/// The provider side of a dataset provided by `provider`.
fn provides(who: &Who, provider: i64) -> bool {
    matches!(who.role, Role::ProvinceAdmin | Role::CityOfficer | Role::CountyOfficer) && catalog::may_write(&who.scope, provider)
}

fn consumer_of(db: &mut (impl LedgerSql + ?Sized), who: &Who) -> Result<Option<i64>, StoreError> {
    if who.role != Role::DataConsumer {
        return Ok(None);
    }
    Ok(rows(db, "SELECT consumer_id FROM share_consumer_accounts WHERE user_id = ?1", vec![who.user_id.into()], |r| r.i64(0))?.into_iter().next())
}

const CONSUMER_COLS: &str = "id, name, department, credit_code, contact, created_by, created_at";

fn consumer_from(r: &dyn SqlRow) -> Result<Consumer, StoreError> {
    let d = r.string(2)?;
    Ok(Consumer {
        id: r.i64(0)?,
        name: r.string(1)?,
        department: Department::parse(&d).ok_or_else(|| bad("department", &d))?,
        credit_code: r.string(3)?,
        contact: r.string(4)?,
        accounts: Vec::new(),
        created_by: r.string(5)?,
        created_at: r.i64(6)?,
    })
}

fn with_accounts(db: &mut (impl LedgerSql + ?Sized), mut c: Consumer) -> Result<Consumer, StoreError> {
    c.accounts = rows(db, "SELECT u.name FROM share_consumer_accounts a JOIN users u ON u.id = a.user_id WHERE a.consumer_id = ?1 ORDER BY u.name", vec![c.id.into()], |r| r.string(0))?;
    Ok(c)
}

const REQ_COLS: &str = "q.id, q.consumer_id, c.name, q.dataset_id, q.dataset_version, q.dataset_key, q.dataset_name, q.provider_code, q.share_type, q.purpose, q.fields, q.region, q.grades, q.school_types, q.period_from, q.period_to, q.state, q.due_at, q.reasons, q.requested_by, q.requested_at, q.decided_by, q.decided_at, (SELECT g.id FROM share_grants g WHERE g.request_id = q.id)";

fn request_from(r: &dyn SqlRow) -> Result<Request, StoreError> {
    let st = r.string(8)?;
    let state = r.string(16)?;
    Ok(Request {
        id: r.i64(0)?,
        consumer_id: r.i64(1)?,
        consumer_name: r.string(2)?,
        dataset_id: r.i64(3)?,
        dataset_version: r.i64(4)? as u32,
        dataset_key: r.string(5)?,
        dataset_name: r.string(6)?,
        provider_code: r.i64(7)?,
        share_type: ShareType::parse(&st).ok_or_else(|| bad("share type", &st))?,
        purpose: r.string(9)?,
        fields: list(&r.string(10)?),
        filter: RowFilter { region: r.i64(11)? as u32, grades: list(&r.string(12)?), school_types: list(&r.string(13)?) },
        from: date(r, 14)?,
        to: date(r, 15)?,
        state: RequestState::parse(&state).ok_or_else(|| bad("state", &state))?,
        due_at: r.i64(17)?,
        reasons: r.string(18)?,
        requested_by: r.string(19)?,
        requested_at: r.i64(20)?,
        decided_by: r.string(21)?,
        decided_at: r.i64(22)?,
        grant_id: r.opt_i64(23)?,
    })
}

const GRANT_COLS: &str = "g.id, g.request_id, g.consumer_id, c.name, g.dataset_id, g.dataset_key, g.dataset_name, g.provider_code, g.fields, g.region, g.grades, g.school_types, g.valid_from, g.expires_at, g.rate_per_minute, g.created_by, g.created_at, g.revoked_at, g.revoked_by, g.revoked_why, g.nats_subject, g.nats_version, g.nats_after, g.nats_error";

fn grant_from(r: &dyn SqlRow) -> Result<Grant, StoreError> {
    // Fields as `name` or `name:mask`, comma apart.
    let mut fields = Vec::new();
    for f in list(&r.string(8)?) {
        let (name, mask) = match f.split_once(':') {
            Some((n, m)) => (n.to_string(), Some(MaskKind::parse(m).ok_or_else(|| bad("mask", m))?)),
            None => (f.clone(), None),
        };
        fields.push(FieldGrant { name, mask });
    }
    let revoked = r.i64(17)?;
    Ok(Grant {
        id: r.i64(0)?,
        request_id: r.i64(1)?,
        consumer_id: r.i64(2)?,
        consumer_name: r.string(3)?,
        dataset_id: r.i64(4)?,
        dataset_key: r.string(5)?,
        dataset_name: r.string(6)?,
        provider_code: r.i64(7)?,
        fields,
        filter: RowFilter { region: r.i64(9)? as u32, grades: list(&r.string(10)?), school_types: list(&r.string(11)?) },
        from: date(r, 12)?,
        expires_at: r.i64(13)?,
        rate_per_minute: r.i64(14)? as u32,
        created_by: r.string(15)?,
        created_at: r.i64(16)?,
        revoked_at: (revoked > 0).then_some(revoked),
        revoked_by: r.string(18)?,
        revoked_why: r.string(19)?,
        nats_subject: r.string(20)?,
        nats_version: r.i64(21)?,
        nats_after: r.string(22)?,
        nats_error: r.string(23)?,
    })
}

fn load_request(db: &mut (impl LedgerSql + ?Sized), id: i64) -> Result<Option<Request>, StoreError> {
    Ok(rows(db, &format!("SELECT {REQ_COLS} FROM share_requests q JOIN share_consumers c ON c.id = q.consumer_id WHERE q.id = ?1"), vec![id.into()], request_from)?.into_iter().next())
}

fn load_grant(db: &mut (impl LedgerSql + ?Sized), id: i64) -> Result<Option<Grant>, StoreError> {
    Ok(rows(db, &format!("SELECT {GRANT_COLS} FROM share_grants g JOIN share_consumers c ON c.id = g.consumer_id WHERE g.id = ?1"), vec![id.into()], grant_from)?.into_iter().next())
}

/// Whether the caller reads a request or grant of `consumer` for a dataset of `provider`.
fn reads(db: &mut (impl LedgerSql + ?Sized), who: &Who, consumer: i64, provider: i64) -> Result<bool, StoreError> {
    if provides(who, provider) {
        return Ok(true);
    }
    Ok(consumer_of(db, who)? == Some(consumer))
}

/// A submitted request the caller may decide; OutOfScope for one it may not see, Conflict for
/// one already decided.
fn decidable(db: &mut (impl LedgerSql + ?Sized), who: &Who, id: i64) -> Result<Request, StoreError> {
    let q = load_request(db, id)?.filter(|q| provides(who, q.provider_code)).ok_or(StoreError::OutOfScope)?;
    if q.state != RequestState::Submitted {
        return Err(StoreError::Conflict(format!("该申请已是“{}”状态，不能再审核（the request is already {}）", q.state.zh(), q.state.en().to_lowercase())));
    }
    Ok(q)
}

fn write_grant(db: &mut (impl LedgerSql + ?Sized), q: &Request, fields: &[FieldGrant], expires_at: i64, rate: u32, by: &str, now: i64) -> Result<Grant, StoreError> {
    let f: Vec<String> = fields.iter().map(|f| match f.mask {
        Some(m) => format!("{}:{}", f.name, m.code()),
        None => f.name.clone(),
    }).collect();
    let id = rows(
        db,
        "INSERT INTO share_grants (request_id, consumer_id, dataset_id, dataset_key, dataset_name, provider_code, fields, region, grades, school_types, valid_from, expires_at, rate_per_minute, created_by, created_at, revoked_at, revoked_by, revoked_why) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 0, '', '') RETURNING id",
        vec![
            q.id.into(),
            q.consumer_id.into(),
            q.dataset_id.into(),
            q.dataset_key.as_str().into(),
            q.dataset_name.as_str().into(),
            q.provider_code.into(),
            f.join(",").into(),
            i64::from(q.filter.region).into(),
            q.filter.grades.join(",").into(),
            q.filter.school_types.join(",").into(),
            q.from.to_string().into(),
            expires_at.into(),
            i64::from(rate).into(),
            by.into(),
            now.into(),
        ],
        |r| r.i64(0),
    )?
    .into_iter()
    .next()
    .ok_or_else(|| StoreError::Internal("no id returned".into()))?;
    exec(db, "INSERT INTO share_rate (grant_id, minute, calls) VALUES (?1, 0, 0)", vec![id.into()])?;
    exec(db, "UPDATE share_requests SET state = 'approved', decided_by = ?2, decided_at = ?3 WHERE id = ?1", vec![q.id.into(), by.into(), now.into()])?;
    load_grant(db, id)?.ok_or_else(|| StoreError::Internal("grant not written".into()))
}

/// The fields of a grant: those granted, each with the catalog's mask unless named unmasked.
fn grant_fields(d: &catalog::Dataset, fields: &[String], unmasked: &[String]) -> Vec<FieldGrant> {
    fields
        .iter()
        .map(|n| {
            let mask = d.meta.fields.iter().find(|f| &f.name == n).and_then(|f| f.mask);
            FieldGrant { name: n.clone(), mask: if unmasked.contains(n) { None } else { mask } }
        })
        .collect()
}

fn dataset_at(db: &mut (impl LedgerSql + ?Sized), id: i64, version: u32) -> Result<catalog::Dataset, StoreError> {
    catalog::Catalog::catalog_version(db, &Scope::Nothing, id, version)?.ok_or_else(|| StoreError::Conflict("该数据资源已不再发布，不能授权（the dataset is no longer published）".into()))
}

impl<T: LedgerSql + ?Sized> Share for T {
    fn share_register_consumer(&mut self, who: &Who, c: &NewConsumer, now: i64) -> Result<Consumer, StoreError> {
        if !is_admin(who) {
            return Err(StoreError::OutOfScope);
        }
        let (name, credit, contact) = (c.name.trim(), c.credit_code.trim().to_ascii_uppercase(), c.contact.trim());
        let mut p: Vec<Problem> = Vec::new();
        if name.is_empty() || name.chars().count() > 100 {
            p.push(("name", "请填写单位名称（最多 100 个字）。".into(), "Enter the organisation's name (at most 100 characters).".into()));
        }
        if !credit.is_empty() && (credit.len() != 18 || !credit.bytes().all(|b| b.is_ascii_alphanumeric())) {
            p.push(("credit_code", "统一社会信用代码应为 18 位数字或字母，或留空。".into(), "The unified social credit code is 18 letters or digits, or empty.".into()));
        }
        if contact.is_empty() || contact.chars().count() > 200 {
            p.push(("contact", "请填写联系人及电话（最多 200 个字）。".into(), "Enter a contact (at most 200 characters).".into()));
        }
        if !p.is_empty() {
            return Err(problems_error(&p));
        }
        if !rows(self, "SELECT id FROM share_consumers WHERE name = ?1", vec![name.into()], |r| r.i64(0))?.is_empty() {
            return Err(StoreError::Conflict(format!("使用方“{name}”已登记（the consumer {name} is already registered）")));
        }
        let id = rows(
            self,
            "INSERT INTO share_consumers (name, department, credit_code, contact, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            vec![name.into(), c.department.code().into(), credit.into(), contact.into(), who.name.as_str().into(), now.into()],
            |r| r.i64(0),
        )?;
        let id = *id.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        let c = rows(self, &format!("SELECT {CONSUMER_COLS} FROM share_consumers WHERE id = ?1"), vec![id.into()], consumer_from)?.into_iter().next().ok_or_else(|| StoreError::Internal("consumer not written".into()))?;
        Ok(c)
    }

    fn share_link_account(&mut self, who: &Who, consumer: i64, account: &str) -> Result<Consumer, StoreError> {
        if !is_admin(who) {
            return Err(StoreError::OutOfScope);
        }
        let c = rows(self, &format!("SELECT {CONSUMER_COLS} FROM share_consumers WHERE id = ?1"), vec![consumer.into()], consumer_from)?.into_iter().next().ok_or(StoreError::OutOfScope)?;
        let user = rows(self, "SELECT id, role FROM users WHERE name = ?1", vec![account.trim().into()], |r| Ok((r.i64(0)?, r.string(1)?)))?.into_iter().next();
        let Some((uid, role)) = user.filter(|u| u.1 == Role::DataConsumer.code()) else {
            return Err(StoreError::Conflict("只能关联数据使用方角色的账号，请先在账户管理中创建（only a data consumer's account can be linked; create one first）".into()));
        };
        let _ = role;
        match rows(self, "SELECT consumer_id FROM share_consumer_accounts WHERE user_id = ?1", vec![uid.into()], |r| r.i64(0))?.first() {
            Some(&other) if other != consumer => return Err(StoreError::Conflict("该账号已关联到另一个使用方（the account is linked to another consumer）".into())),
            Some(_) => {}
            None => {
                exec(self, "INSERT INTO share_consumer_accounts (consumer_id, user_id) VALUES (?1, ?2)", vec![consumer.into(), uid.into()])?;
            }
        }
        with_accounts(self, c)
    }

    fn share_consumers(&mut self, who: &Who) -> Result<Vec<Consumer>, StoreError> {
        let list = if is_admin(who) {
            rows(self, &format!("SELECT {CONSUMER_COLS} FROM share_consumers ORDER BY id"), vec![], consumer_from)?
        } else {
            match consumer_of(self, who)? {
                Some(id) => rows(self, &format!("SELECT {CONSUMER_COLS} FROM share_consumers WHERE id = ?1"), vec![id.into()], consumer_from)?,
                None => Vec::new(),
            }
        };
        list.into_iter().map(|c| with_accounts(self, c)).collect()
    }

    fn share_submit(&mut self, who: &Who, r: &NewRequest, due_at: i64, now: i64) -> Result<Request, StoreError> {
        let consumer = consumer_of(self, who)?.ok_or(StoreError::OutOfScope)?;
        // The published catalog is every role's menu: Scope::Nothing reads published entries only.
        let Some(d) = catalog::Catalog::catalog_dataset(self, &Scope::Nothing, r.dataset_id)? else {
            return Err(StoreError::Conflict("没有找到该数据资源，或它尚未发布；请从数据资源目录中选择（no such published dataset; choose one from the catalog）".into()));
        };
        if d.meta.share_type == ShareType::None {
            return Err(StoreError::Conflict(format!("该数据资源为“不予共享”，不能申请；依据：{}（this dataset is not shared and cannot be requested）", d.meta.legal_basis)));
        }
        let today = catalog::day_of(now);
        let p = conformity(&d, &d.auto_key, r, today);
        if !p.is_empty() {
            return Err(problems_error(&p));
        }
        let auto = d.meta.share_type == ShareType::Unconditional;
        let id = rows(
            self,
            "INSERT INTO share_requests (consumer_id, dataset_id, dataset_version, dataset_key, dataset_name, provider_code, share_type, purpose, fields, region, grades, school_types, period_from, period_to, state, due_at, reasons, requested_by, requested_at, decided_by, decided_at, reminded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'submitted', ?15, '', ?16, ?17, '', 0, 0) RETURNING id",
            vec![
                consumer.into(),
                d.id.into(),
                i64::from(d.version).into(),
                d.auto_key.as_str().into(),
                d.meta.name.as_str().into(),
                d.meta.provider_code.into(),
                d.meta.share_type.code().into(),
                r.purpose.trim().into(),
                r.fields.join(",").into(),
                i64::from(r.filter.region).into(),
                r.filter.grades.join(",").into(),
                r.filter.school_types.join(",").into(),
                r.from.to_string().into(),
                r.to.to_string().into(),
                (if auto { 0 } else { due_at }).into(),
                who.name.as_str().into(),
                now.into(),
            ],
            |r| r.i64(0),
        )?;
        let id = *id.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        let q = load_request(self, id)?.ok_or_else(|| StoreError::Internal("request not written".into()))?;
        if auto {
            // 无条件共享: the conformity check above is the review.
            write_grant(self, &q, &grant_fields(&d, &q.fields, &[]), end_of(q.to), DEFAULT_RATE, "平台自动审核", now)?;
            return load_request(self, id)?.ok_or_else(|| StoreError::Internal("request not written".into()));
        }
        Ok(q)
    }

    fn share_requests(&mut self, who: &Who) -> Result<Vec<Request>, StoreError> {
        let all = rows(self, &format!("SELECT {REQ_COLS} FROM share_requests q JOIN share_consumers c ON c.id = q.consumer_id ORDER BY q.id DESC"), vec![], request_from)?;
        let mine = consumer_of(self, who)?;
        Ok(all.into_iter().filter(|q| provides(who, q.provider_code) || mine == Some(q.consumer_id)).take(500).collect())
    }

    fn share_request(&mut self, who: &Who, id: i64) -> Result<Option<Request>, StoreError> {
        let Some(q) = load_request(self, id)? else { return Ok(None) };
        Ok(reads(self, who, q.consumer_id, q.provider_code)?.then_some(q))
    }

    fn share_approve(&mut self, who: &Who, id: i64, terms: &GrantTerms, now: i64) -> Result<Grant, StoreError> {
        let q = decidable(self, who, id)?;
        let d = dataset_at(self, q.dataset_id, q.dataset_version)?;
        let fields = if terms.fields.is_empty() { q.fields.clone() } else { terms.fields.clone() };
        let mut p: Vec<Problem> = Vec::new();
        if fields.iter().any(|f| !q.fields.contains(f)) {
            p.push(("fields", "授权字段只能是申请的字段。".into(), "Only requested fields can be granted.".into()));
        }
        if terms.unmasked.iter().any(|f| !fields.contains(f) || !d.meta.fields.iter().any(|x| &x.name == f && x.mask.is_some())) {
            p.push(("unmasked", "不脱敏的只能是授权字段中的个人信息字段。".into(), "Only granted personal fields can be delivered unmasked.".into()));
        }
        let end = end_of(q.to);
        let expires_at = terms.expires_at.unwrap_or(end);
        if expires_at <= now || expires_at > end {
            p.push(("expires_at", "授权到期时间应晚于现在，且不晚于申请的使用期限。".into(), "The expiry must be after now and within the requested period.".into()));
        }
        let rate = terms.rate_per_minute.unwrap_or(DEFAULT_RATE);
        if rate == 0 || rate > MAX_RATE {
            p.push(("rate_per_minute", format!("每分钟调用次数应为 1–{MAX_RATE}。"), format!("Calls per minute must be 1–{MAX_RATE}.")));
        }
        if !p.is_empty() {
            return Err(problems_error(&p));
        }
        let g = write_grant(self, &q, &grant_fields(&d, &fields, &terms.unmasked), expires_at, rate, &who.name, now)?;
        let Some(prefix) = &terms.nats else { return Ok(g) };
        exec(self, "UPDATE share_grants SET nats_subject = ?2 WHERE id = ?1", vec![g.id.into(), nats_subject(prefix, g.id).into()])?;
        load_grant(self, g.id)?.ok_or_else(|| StoreError::Internal("the grant just written".into()))
    }

    fn share_reject(&mut self, who: &Who, id: i64, reasons: &str, now: i64) -> Result<Request, StoreError> {
        let q = decidable(self, who, id)?;
        let reasons = reasons.trim();
        if reasons.is_empty() || reasons.chars().count() > 1000 {
            return Err(StoreError::Conflict("不予批准须写明理由（最多 1000 个字）（a rejection needs its reasons, at most 1000 characters）".into()));
        }
        exec(self, "UPDATE share_requests SET state = 'rejected', reasons = ?2, decided_by = ?3, decided_at = ?4 WHERE id = ?1 AND state = 'submitted'", vec![q.id.into(), reasons.into(), who.name.as_str().into(), now.into()])?;
        load_request(self, id)?.ok_or(StoreError::OutOfScope)
    }

    fn share_withdraw(&mut self, who: &Who, id: i64, now: i64) -> Result<Request, StoreError> {
        let mine = consumer_of(self, who)?;
        let q = load_request(self, id)?.filter(|q| mine == Some(q.consumer_id)).ok_or(StoreError::OutOfScope)?;
        if q.state != RequestState::Submitted {
            return Err(StoreError::Conflict(format!("该申请已是“{}”状态，不能撤回（the request is already {}）", q.state.zh(), q.state.en().to_lowercase())));
        }
        exec(self, "UPDATE share_requests SET state = 'withdrawn', decided_by = ?2, decided_at = ?3 WHERE id = ?1 AND state = 'submitted'", vec![q.id.into(), who.name.as_str().into(), now.into()])?;
        load_request(self, id)?.ok_or(StoreError::OutOfScope)
    }

    fn share_grants(&mut self, who: &Who) -> Result<Vec<Grant>, StoreError> {
        let all = rows(self, &format!("SELECT {GRANT_COLS} FROM share_grants g JOIN share_consumers c ON c.id = g.consumer_id ORDER BY g.id DESC"), vec![], grant_from)?;
        let mine = consumer_of(self, who)?;
        Ok(all.into_iter().filter(|g| provides(who, g.provider_code) || mine == Some(g.consumer_id)).take(500).collect())
    }

    fn share_grant(&mut self, who: &Who, id: i64) -> Result<Option<Grant>, StoreError> {
        let Some(g) = load_grant(self, id)? else { return Ok(None) };
        Ok(reads(self, who, g.consumer_id, g.provider_code)?.then_some(g))
    }

    fn share_revoke(&mut self, who: &Who, id: i64, why: &str, now: i64) -> Result<Grant, StoreError> {
        let g = load_grant(self, id)?.filter(|g| provides(who, g.provider_code)).ok_or(StoreError::OutOfScope)?;
        let why = why.trim();
        if why.is_empty() || why.chars().count() > 1000 {
            return Err(StoreError::Conflict("撤销授权须写明原因（最多 1000 个字）（a revocation needs its reason, at most 1000 characters）".into()));
        }
        if g.revoked_at.is_some() {
            return Err(StoreError::Conflict("该授权已撤销（the grant is already revoked）".into()));
        }
        exec(self, "UPDATE share_grants SET revoked_at = ?2, revoked_by = ?3, revoked_why = ?4 WHERE id = ?1 AND revoked_at = 0", vec![id.into(), now.max(1).into(), who.name.as_str().into(), why.into()])?;
        load_grant(self, id)?.ok_or(StoreError::OutOfScope)
    }

    fn share_usage(&mut self, who: &Who) -> Result<Vec<Usage>, StoreError> {
        let readable: Vec<i64> = self.share_grants(who)?.iter().map(|g| g.id).collect();
        let all = rows(
            self,
            "SELECT u.grant_id, g.consumer_id, c.name, u.day, u.calls, u.row_count FROM share_usage u JOIN share_grants g ON g.id = u.grant_id JOIN share_consumers c ON c.id = g.consumer_id ORDER BY u.day DESC, u.grant_id",
            vec![],
            |r| Ok(Usage { grant_id: r.i64(0)?, consumer_id: r.i64(1)?, consumer_name: r.string(2)?, day: r.string(3)?, calls: r.i64(4)?, rows: r.i64(5)? }),
        )?;
        Ok(all.into_iter().filter(|u| readable.contains(&u.grant_id)).take(500).collect())
    }

    fn share_authorize(&mut self, user_id: i64, grant: i64, now: i64) -> Result<Authorized, Refused> {
        let consumer = rows(self, "SELECT consumer_id FROM share_consumer_accounts WHERE user_id = ?1", vec![user_id.into()], |r| r.i64(0))?.into_iter().next();
        let g = match (consumer, load_grant(self, grant)?) {
            (Some(c), Some(g)) if g.consumer_id == c => g,
            _ => return Err(Refused::NotYours),
        };
        if let Some(at) = g.revoked_at {
            return Err(Refused::Revoked { at, why: g.revoked_why.clone() });
        }
        if now >= g.expires_at {
            return Err(Refused::Expired(g.expires_at));
        }
        if now < start_of(g.from) {
            return Err(Refused::NotYet(g.from));
        }
        let entity = entity_of(&g.dataset_key).ok_or(Refused::NotYours)?;
        // The minute's calls, counted atomically: the same minute below the limit, or a new minute.
        let minute = now.div_euclid(60);
        let same = exec(self, "UPDATE share_rate SET calls = calls + 1 WHERE grant_id = ?1 AND minute = ?2 AND calls < ?3", vec![grant.into(), minute.into(), i64::from(g.rate_per_minute).into()])?;
        if same == 0 {
            let fresh = exec(self, "UPDATE share_rate SET minute = ?2, calls = 1 WHERE grant_id = ?1 AND minute < ?2", vec![grant.into(), minute.into()])?;
            if fresh == 0 {
                return Err(Refused::Rate { retry_after: 60 - now.rem_euclid(60) });
            }
        }
        Ok(Authorized { grant: g, entity })
    }

    fn share_count(&mut self, a: &Authorized, rows: u64, now: i64) -> Result<(), StoreError> {
        exec(
            self,
            "INSERT INTO share_usage (grant_id, day, calls, row_count) VALUES (?1, ?2, 1, ?3) ON CONFLICT (grant_id, day) DO UPDATE SET calls = share_usage.calls + 1, row_count = share_usage.row_count + excluded.row_count",
            vec![a.grant.id.into(), catalog::day_of(now).to_string().into(), (rows as i64).into()],
        )?;
        Ok(())
    }

    fn share_overdue_to_remind(&mut self, now: i64) -> Result<Vec<Request>, StoreError> {
        let due = rows(self, &format!("SELECT {REQ_COLS} FROM share_requests q JOIN share_consumers c ON c.id = q.consumer_id WHERE q.state = 'submitted' AND q.due_at > 0 AND q.due_at <= ?1 AND q.reminded_at = 0 ORDER BY q.id"), vec![now.into()], request_from)?;
        for q in &due {
            exec(self, "UPDATE share_requests SET reminded_at = ?2 WHERE id = ?1", vec![q.id.into(), now.max(1).into()])?;
        }
        Ok(due)
    }

    fn share_publishing(&mut self, now: i64) -> Result<Vec<Authorized>, StoreError> {
        let all = rows(self, &format!("SELECT {GRANT_COLS} FROM share_grants g JOIN share_consumers c ON c.id = g.consumer_id WHERE g.nats_subject <> '' AND g.revoked_at = 0 AND g.expires_at > ?1 ORDER BY g.id"), vec![now.into()], grant_from)?;
        Ok(all
            .into_iter()
            .filter(|g| now >= start_of(g.from))
            .filter_map(|g| entity_of(&g.dataset_key).map(|entity| Authorized { grant: g, entity }))
            .collect())
    }

    fn share_consumer_of(&mut self, user_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(rows(self, "SELECT consumer_id FROM share_consumer_accounts WHERE user_id = ?1", vec![user_id.into()], |r| r.i64(0))?.into_iter().next())
    }

    fn share_published(&mut self, grant: i64, version: i64, after: &str, error: &str) -> Result<(), StoreError> {
        exec(self, "UPDATE share_grants SET nats_version = ?2, nats_after = ?3, nats_error = ?4 WHERE id = ?1", vec![grant.into(), version.into(), after.into(), error.into()])?;
        Ok(())
    }
}

/// Who reads the exchange's pages: the province, city and county officers (provider side) and
/// data consumers (through the API).
pub fn role_reads(role: Role) -> bool {
    matches!(role, Role::ProvinceAdmin | Role::CityOfficer | Role::CountyOfficer | Role::DataConsumer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_bounds_are_china_time() {
        let d = Date::parse_iso("2026-03-02").unwrap();
        assert_eq!(end_of(d) - start_of(d), 86_400);
        assert_eq!(catalog::day_of(start_of(d)), d);
        assert_eq!(catalog::day_of(end_of(d) - 1), d);
    }

    #[test]
    fn codes_round_trip() {
        for d in Department::ALL {
            assert_eq!(Department::parse(d.code()), Some(*d));
            assert_eq!(Department::parse(d.zh()), Some(*d));
        }
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.code()), Some(*s));
        }
    }
}
