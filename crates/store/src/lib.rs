//! 存储 — the storage traits every backend implements (SQLite embedded, PostgreSQL in production),
//! the types they exchange, [`sql`], the queries and row decoders written once for both, and
//! (feature `testing`) `suite`, the tests both must pass.
//!
//! What a backend writes itself is what truly differs: bulk import paths, locking and claims,
//! dialect that a placeholder cannot carry (PostgreSQL's `COLLATE "C"` ranges, SQLite's split
//! keyset queries), schema-specific keys. Everything else is one SQL text in `store::sql` or
//! `store::monitor::sql` (numbered `?N` placeholders, rendered as `$N` for PostgreSQL), decoded
//! through [`sql::SqlRow`].
//!
//! The traits are narrow and synchronous: a backend owns one connection; callers on async
//! runtimes use a blocking thread. Records travel as template-ordered string values (the
//! normalised output of `ingest`), so the schema and the standard cannot drift apart.
#![forbid(unsafe_code)]

pub mod access;
mod coded;
pub mod accounts;
pub mod apps;
pub mod attachments;
pub mod audit;
pub mod browse;
pub mod calendar;
pub mod checks;
pub mod conditions;
pub mod clock;
pub mod cursor;
pub mod flow;
pub mod incidents;
pub mod divisions;
pub mod drill;
pub mod duty;
pub mod facts;
pub mod failed_uploads;
pub mod keys;
pub mod mask;
pub mod memo;
pub mod ledger;
pub mod plan;
pub mod quality;
pub mod schoolmap;
pub mod catalog;
pub mod catalog_auto;
pub mod mlps;
pub mod monitor;
pub mod secret;
pub mod share;
pub mod sql;
/// The shared test suites every backend runs (feature `testing`, enabled by the backends' and
/// the web crate's dev-dependencies: they are not compiled into the binary).
#[cfg(any(test, feature = "testing"))]
pub mod suite;
#[cfg(any(test, feature = "testing"))]
pub mod suite_cursor;
#[cfg(any(test, feature = "testing"))]
pub mod suite_kit;
#[cfg(any(test, feature = "testing"))]
pub mod suite_audit;
#[cfg(any(test, feature = "testing"))]
pub mod suite_monitor;
#[cfg(any(test, feature = "testing"))]
pub mod suite_platform;
#[cfg(any(test, feature = "testing"))]
pub mod suite_ledger;
#[cfg(any(test, feature = "testing"))]
pub mod suite_conditions;
#[cfg(any(test, feature = "testing"))]
pub mod suite_plan;
#[cfg(any(test, feature = "testing"))]
pub mod suite_catalog;
#[cfg(any(test, feature = "testing"))]
pub mod suite_mlps;
#[cfg(any(test, feature = "testing"))]
pub mod suite_duty;
#[cfg(any(test, feature = "testing"))]
pub mod suite_apps;
#[cfg(any(test, feature = "testing"))]
pub mod suite_checks;
#[cfg(any(test, feature = "testing"))]
pub mod suite_memo;
#[cfg(any(test, feature = "testing"))]
pub mod suite_facts;
#[cfg(any(test, feature = "testing"))]
pub mod suite_quality;
#[cfg(any(test, feature = "testing"))]
pub mod suite_schoolmap;
#[cfg(any(test, feature = "testing"))]
pub mod suite_share;
pub mod suite_incidents;
pub mod time;
pub mod transfers;

pub use access::{OrgLevel, OrgUnit, Place, Role, Scope};
pub use accounts::{ApiToken, NewApiToken, NewUser, SessionRecord, User};
pub use audit::{Anchor, AuditChain, AuditEntry, AuditEvent, AuditFilter};
pub use monitor::{Alert, CheckSummary, Monitor, NewAlert, NewSite, Site, SiteCategory, SiteQuery, SiteState};
pub use browse::{FieldChange, GradeCount, History, Move, Page, PersonQuery, PersonSort, Record, RegionFigures, SchoolFigures, SchoolQuery, Total};

use serde::{Deserialize, Serialize};
pub use standard::Entity;
use std::collections::HashSet;

pub type BatchId = i64;

/// What an import batch is, written before its first row.
#[derive(Debug, Clone)]
pub struct BatchMeta {
    pub entity: Entity,
    /// The file's name as the user gave it (no directories).
    pub file_name: String,
    /// Hex SHA-256 of the file's bytes: the same file imported again is recognised by it.
    pub file_hash: String,
    /// Who ran the import (an account name, or the OS user at the console).
    pub user: String,
    /// The writer's area: every record is judged by [`Scope::may_write`] at its new place and,
    /// when stored, at its stored place, inside the batch; a record outside is rejected
    /// (`out_of_scope`), whatever the caller checked before.
    pub scope: Scope,
}

/// A committed batch. Batches are atomic: there are no partial ones to list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub id: BatchId,
    pub entity: Entity,
    pub file_name: String,
    pub file_hash: String,
    pub user: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub finished_at: String,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// The validation report as JSON (ingest's `Report`), kept for reading back.
    pub report_json: String,
}

/// A row kept in quarantine with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedRow {
    pub batch_id: BatchId,
    pub line: u64,
    /// The original values in the file's column order.
    pub raw: Vec<String>,
    /// Rule codes (`standard::Rule::code`), each once, in the order found.
    pub codes: Vec<String>,
}

impl RejectedRow {
    /// A rejected row as both backends store it: `raw_json` a JSON array of the original values,
    /// `codes` the rule codes joined by `;`.
    pub fn from_stored(batch_id: BatchId, line: u64, raw_json: &str, codes: &str) -> Result<RejectedRow, StoreError> {
        let raw: Vec<String> = serde_json::from_str(raw_json)
            .map_err(|e| StoreError::Internal(format!("rejected row {batch_id}/{line}: {e}")))?;
        let codes = if codes.is_empty() { Vec::new() } else { codes.split(';').map(str::to_string).collect() };
        Ok(RejectedRow { batch_id, line, raw, codes })
    }

    /// The stored form of a row's codes.
    pub fn join_codes(codes: &[&str]) -> String {
        codes.join(";")
    }
}

/// The GB/T 2260 codes a region covers, inclusive: a province (`510000`) covers `51xxxx`, a city
/// (`510100`) covers `5101xx`, a county only itself.
pub fn region_range(code: u32) -> (u32, u32) {
    if code % 10_000 == 0 {
        (code, code + 9_999)
    } else if code % 100 == 0 {
        (code, code + 99)
    } else {
        (code, code)
    }
}

/// One changed field of one record, written when a batch updates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub batch_id: BatchId,
    pub entity: Entity,
    pub record_key: String,
    /// Template field key, e.g. `guardian_phone`.
    pub field: String,
    pub old_value: String,
    pub new_value: String,
}

/// A student found under another school than before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub batch_id: BatchId,
    pub student_key: String,
    pub from_school: String,
    pub to_school: String,
    /// The date the transfer was recorded (the batch's day, `YYYY-MM-DD`).
    pub date: String,
}

/// Which records an export or a count covers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordFilter {
    /// A GB/T 2260 code of the province, a city or a county: records of schools inside it.
    pub region: Option<u32>,
    /// One school (学校标识码).
    pub school: Option<String>,
}

/// An export, for the record: who, when, what, how many rows, masked or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportEntry {
    pub user: String,
    /// RFC 3339 UTC; set by the store when logged.
    pub at: String,
    pub entity: Entity,
    /// The filter as the user gave it, e.g. `region=510104`.
    pub filter: String,
    pub format: String,
    pub rows: u64,
    pub masked: bool,
}

/// Students of one county (the school's county) and grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountyGrade {
    pub county: u32,
    pub grade: u8,
    pub students: u64,
}

/// Stored record counts for one city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CityCounts {
    pub city: u32,
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
}

/// A city's line of the overview's figures (`Browse::region_figures` at city level over
/// [`Scope::all`]): how both backends answer [`Store::city_counts`].
impl From<RegionFigures> for CityCounts {
    fn from(f: RegionFigures) -> CityCounts {
        CityCounts { city: f.code, schools: f.schools, teachers: f.teachers, students: f.students }
    }
}

/// Rows in each table: what the kill test compares before and after.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableCounts {
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
    pub enrolments: u64,
    pub batches: u64,
    pub rejected_rows: u64,
    pub changes: u64,
    pub transfers: u64,
    pub exports: u64,
    /// A digest of every stored record's hash, so that an edit is seen, not only a count.
    pub content_digest: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or opened.
    #[error("the database cannot be reached: {0}")]
    Unavailable(String),
    /// Another process holds the database (SQLite) or a lock timed out.
    #[error("the database is locked by another process: {0}")]
    Locked(String),
    /// The schema is older than this program (PostgreSQL: run `tianfu migrate`).
    #[error("the database schema is not up to date: {0}")]
    Schema(String),
    /// A write the data forbids (e.g. a record refers to something missing).
    #[error("{0}")]
    Conflict(String),
    /// The thing written does not exist or lies outside the writer's area: one answer for
    /// both, so that a refusal does not tell whether it exists (the web layer answers 404).
    #[error("not found, or outside your area")]
    OutOfScope,
    #[error("database error: {0}")]
    Internal(String),
    /// A page cursor that does not read (see [`cursor`]). Carries nothing of the cursor: it may
    /// hold stored personal values.
    #[error("invalid page cursor; start again from the first page")]
    BadCursor,
    /// The audit chain cannot be written or trusted: no key, an unreadable head file, or a log
    /// that disagrees with its checkpoint (the message, Chinese then English, says what to do;
    /// it names files, so it is for the operator and the server's log, not for a web page).
    #[error("{0}")]
    Integrity(String),
}

impl StoreError {
    pub fn zh(&self) -> String {
        match self {
            StoreError::Unavailable(s) => format!("无法连接数据库：{s}（请检查 --db 或 TIANFU_DATABASE_URL，以及数据库是否在运行）"),
            StoreError::Locked(s) => format!("数据库被另一个进程锁定：{s}（请等待其他导入完成后重试）"),
            StoreError::Schema(s) => format!("数据库结构不是最新：{s}（PostgreSQL 请先运行 tianfu migrate）"),
            StoreError::Conflict(s) => s.clone(),
            StoreError::OutOfScope => "不存在，或不在您的管辖范围内".to_string(),
            StoreError::Internal(s) => format!("数据库错误：{s}"),
            StoreError::BadCursor => "翻页参数无效，请从第一页重新开始。".into(),
            StoreError::Integrity(s) => s.clone(),
        }
    }
}

/// The rule code of a row the store refused because it lies outside the writer's area
/// (`standard::Rule::OutOfScope`).
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// How the file's columns map to the template, so that a row the store itself rejects is kept
/// in the file's column order like the rows validation rejected.
#[derive(Debug, Clone, Default)]
pub struct FileColumns {
    /// Columns in the file.
    pub width: usize,
    /// For each template field, the file column holding it.
    pub column_of: Vec<Option<usize>>,
}

impl FileColumns {
    /// A record's values (template order) laid out in the file's columns (unmapped ones
    /// empty); without a mapping, in template order.
    pub fn raw(&self, values: &[&str]) -> Vec<String> {
        if self.width == 0 {
            return values.iter().map(|v| v.to_string()).collect();
        }
        let mut raw = vec![String::new(); self.width];
        for (i, col) in self.column_of.iter().enumerate() {
            if let (Some(c), Some(v)) = (col, values.get(i)) {
                if let Some(slot) = raw.get_mut(*c) {
                    *slot = v.to_string();
                }
            }
        }
        raw
    }
}

/// One import batch: everything written through it lands in one transaction that
/// [`ImportBatch::commit`] commits. Dropping it without committing rolls it all back.
///
/// Writes are scoped inside the batch (`BatchMeta::scope`): a record whose new place, or whose
/// stored place, lies outside the writer's area is not written but kept as a rejected row with
/// the code [`OUT_OF_SCOPE`] and counted as rejected. The answer is the same whether or not the
/// record is stored elsewhere, so the counts reveal nothing beyond it.
pub trait ImportBatch {
    /// The file's column layout (before the first record), for rows the store rejects.
    fn columns(&mut self, columns: FileColumns);
    /// A valid record: normalised values in template field order
    /// (`meta.entity.template().fields`). Upserted by its natural key ([`keys::record_key`]).
    fn record(&mut self, line: u64, values: &[&str]) -> Result<(), StoreError>;
    /// A rejected row, kept with its line, original values and rule codes.
    fn rejected(&mut self, line: u64, raw: &[String], codes: &[&str]) -> Result<(), StoreError>;
    /// Applies everything recorded so far (uncommitted) and returns how many records the store
    /// itself rejected ([`OUT_OF_SCOPE`]), so that the caller's report can count them before
    /// [`ImportBatch::commit`]. Records may not follow.
    fn settle(&mut self) -> Result<u64, StoreError>;
    /// Applies the batch and commits. `rows_read` is every row the file had; the summary's
    /// inserted + updated + unchanged + rejected equals it.
    fn commit(self: Box<Self>, rows_read: u64, report_json: &str) -> Result<BatchSummary, StoreError>;
}

/// The base databases: schools, teachers, students, and their batches and history.
pub trait Store {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    fn begin_import<'a>(&'a mut self, meta: &BatchMeta) -> Result<Box<dyn ImportBatch + 'a>, StoreError>;

    /// The committed batch of this entity whose file had this hash, if any.
    fn find_batch_by_hash(&mut self, entity: Entity, file_hash: &str) -> Result<Option<BatchSummary>, StoreError>;

    /// Every stored school's 学校标识码 (as the number `standard::SchoolCode::value`).
    fn school_codes(&mut self) -> Result<HashSet<u64>, StoreError>;

    /// Newest first.
    fn list_batches(&mut self, limit: usize) -> Result<Vec<BatchSummary>, StoreError>;
    fn get_batch(&mut self, id: BatchId) -> Result<Option<BatchSummary>, StoreError>;
    /// A batch's rejected rows, in line order.
    fn rejected_rows(&mut self, id: BatchId, f: &mut dyn FnMut(RejectedRow) -> Result<(), StoreError>) -> Result<(), StoreError>;

    /// Streams stored records in template field order (students with their current enrolment),
    /// ordered by key; returns how many.
    fn export(&mut self, entity: Entity, filter: &RecordFilter, f: &mut dyn FnMut(&[String]) -> Result<(), StoreError>) -> Result<u64, StoreError>;
    fn log_export(&mut self, entry: &ExportEntry) -> Result<(), StoreError>;
    /// Newest first.
    fn export_log(&mut self, limit: usize) -> Result<Vec<ExportEntry>, StoreError>;

    /// One record's current values in template order, by its natural key.
    fn get_record(&mut self, entity: Entity, key: &str) -> Result<Option<Vec<String>>, StoreError>;
    /// A record's change history, oldest first.
    fn changes(&mut self, entity: Entity, key: &str) -> Result<Vec<Change>, StoreError>;
    /// A student's transfers, oldest first.
    fn transfers(&mut self, student_key: &str) -> Result<Vec<Transfer>, StoreError>;

    /// Students by the school's county and grade, from the aggregate kept current at import,
    /// restricted to a region (province, city or county code) when given.
    fn student_counts(&mut self, region: Option<u32>) -> Result<Vec<CountyGrade>, StoreError>;
    /// Schools, teachers and students per city.
    fn city_counts(&mut self) -> Result<Vec<CityCounts>, StoreError>;
    fn table_counts(&mut self) -> Result<TableCounts, StoreError>;
}

/// Accounts, browser sessions and API tokens. Every write of an account or a token names the
/// writer's area (`writer`) and is checked inside the store by one rule on every backend
/// ([`accounts::check_account_write`], [`accounts::check_token`]).
pub trait Accounts {
    fn user_count(&mut self) -> Result<u64, StoreError>;
    /// [`StoreError::Conflict`] when the name is taken, the node is outside `writer` or the role
    /// may not sit there.
    fn create_user(&mut self, writer: &Scope, u: &NewUser) -> Result<i64, StoreError>;
    fn user_by_name(&mut self, name: &str) -> Result<Option<User>, StoreError>;
    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StoreError>;
    /// By name.
    fn list_users(&mut self) -> Result<Vec<User>, StoreError>;
    /// Writes every changeable field of `u` (found by id), when `writer` covers the account's
    /// node before and after. An account that stops being a data consumer loses its tokens.
    fn update_user(&mut self, writer: &Scope, u: &User) -> Result<(), StoreError>;
    /// Starts a sign-in attempt of an account under [`accounts::LOGIN_BACKOFF`], atomically with
    /// respect to parallel attempts: Some(attempts in a row, this one included) when the password
    /// may be checked, None while the account's delay runs (or there is no such account).
    fn begin_login_attempt(&mut self, user_id: i64, now: i64) -> Result<Option<u32>, StoreError>;
    /// A successful sign-in: the backoff starts over, `last_login_at` is `now`.
    fn login_succeeded(&mut self, user_id: i64, now: i64) -> Result<(), StoreError>;

    fn create_session(&mut self, s: &SessionRecord) -> Result<(), StoreError>;
    fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<(), StoreError>;
    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
    /// Signs a user out everywhere (password change, reset, disabling).
    fn delete_user_sessions(&mut self, user_id: i64) -> Result<(), StoreError>;
    /// Removes sessions last seen before `idle_before` or created before `created_before`;
    /// returns how many.
    fn expire_sessions(&mut self, idle_before: i64, created_before: i64) -> Result<u64, StoreError>;

    /// [`StoreError::Conflict`] unless the holder is a data consumer in `writer`'s area and the
    /// token expires in the future. Only the token's hash is stored.
    fn create_token(&mut self, writer: &Scope, t: &NewApiToken) -> Result<ApiToken, StoreError>;
    fn token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>, StoreError>;
    /// Newest first, revoked and expired ones included.
    fn list_tokens(&mut self) -> Result<Vec<ApiToken>, StoreError>;
    /// False when there is no such live token whose holder `writer` covers.
    fn revoke_token(&mut self, writer: &Scope, id: i64, now: i64) -> Result<bool, StoreError>;
}

/// The append-only audit log, chained by keyed hashes with its head checkpointed outside the
/// database ([`audit`]).
pub trait AuditLog {
    /// The keys and head file appends and pruning use. Every process that opens a backend for
    /// the platform sets it; without it, [`AuditLog::append_audit`] and
    /// [`AuditLog::prune_audit`] fail with [`StoreError::Integrity`].
    fn set_audit_chain(&mut self, chain: std::sync::Arc<AuditChain>);
    /// Appends one entry, chained to the newest, atomically with respect to other writers (in
    /// this and other processes), and checkpoints it ([`audit::ChainLock`]).
    fn append_audit(&mut self, e: &AuditEvent) -> Result<AuditEntry, StoreError>;
    /// Appends several entries in order, as [`AuditLog::append_audit`] would one after another,
    /// but (in the backends) under one lock, in one transaction, with one checkpoint write: the
    /// group commit of concurrent requests' entries. All or none are appended.
    fn append_audits(&mut self, es: &[AuditEvent]) -> Result<Vec<AuditEntry>, StoreError> {
        es.iter().map(|e| self.append_audit(e)).collect()
    }
    /// Newest first, cut to `f.scope` inside the query.
    fn audit_entries(&mut self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError>;
    /// Every entry, oldest first.
    fn audit_scan(&mut self, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn audit_anchor(&mut self) -> Result<Option<Anchor>, StoreError>;
    /// Deletes entries older than `before` (RFC 3339) from the front of the chain and records
    /// the authenticated anchor with the cut; returns how many. The caller chooses the cut from
    /// its retention; a cut inside [`audit::MIN_RETENTION_DAYS`] is refused.
    fn prune_audit(&mut self, before: &str) -> Result<u64, StoreError>;
}

/// Records read back for people, always cut to a [`Scope`].
pub trait Browse {
    fn org_unit(&mut self, code: i64) -> Result<Option<OrgUnit>, StoreError>;
    /// Direct children, by code.
    fn org_children(&mut self, code: i64) -> Result<Vec<OrgUnit>, StoreError>;
    /// Schools in scope, by 学校标识码.
    fn schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<Page<Record>, StoreError>;
    /// Every school of the query (from its cursor on), page after page, each given to `f`,
    /// which returns false to stop.
    fn each_school(&mut self, scope: &Scope, q: &SchoolQuery, f: &mut dyn FnMut(Record) -> bool) -> Result<(), StoreError> {
        let mut q = SchoolQuery { limit: browse::MAX_PAGE, ..q.clone() };
        browse::each_page(|after| {
            if after.is_some() {
                q.after = after;
            }
            self.schools(scope, &q)
        }, f)
    }
    /// Teachers or students in scope (by the school they are at).
    fn people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<Page<Record>, StoreError>;
    /// [`people`](Self::people) with each record cut to the template fields `fields` (indices,
    /// in that order): the same rows, pages and cursors. The sharing exchange's delivery reads
    /// through it ([`share::read_page`]), so that a backend can read no more columns than a
    /// grant's (SQLite does, in the region order: at 15 M students, 7 of a student's values read at
    /// 2.1 M rows/s, whole records at 1.2 M). This default reads whole records and cuts them.
    fn people_fields(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery, fields: &[usize]) -> Result<Page<Record>, StoreError> {
        let p = self.people(scope, entity, q)?;
        Ok(Page { rows: p.rows.iter().map(|r| r.only(fields)).collect(), next: p.next })
    }
    /// One record by its natural key, None when it does not exist or lies outside the scope.
    fn record(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<Record>, StoreError>;
    /// Schools, teachers and students per division at `level` (city or county; school for
    /// a school scope) inside the scope.
    fn region_figures(&mut self, scope: &Scope, level: OrgLevel) -> Result<Vec<RegionFigures>, StoreError>;
    /// Students by grade inside the scope.
    fn grade_counts(&mut self, scope: &Scope) -> Result<Vec<GradeCount>, StoreError>;
    /// How many rows [`people`](Self::people) pages through for `q` (its cursor, skip and
    /// limit aside) in scope: whole areas from the aggregates, anything narrower counted up to
    /// [`browse::COUNT_CAP`].
    fn count_people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<Total, StoreError>;
    /// How many schools [`schools`](Self::schools) pages through for `q` (its cursor and limit
    /// aside) in scope.
    fn count_schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<Total, StoreError>;
    /// The change history of one record, None when it does not exist or lies outside the
    /// scope (the same answer as [`record`](Self::record)).
    fn record_history(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<History>, StoreError>;
    /// Each school inside the scope with its students, teachers and classes, by 学校标识码.
    fn school_figures(&mut self, scope: &Scope) -> Result<Vec<SchoolFigures>, StoreError>;
    /// 变更订阅 (the sharing exchange's change feed, [`share::changes`]): the import batches of
    /// `entity` after `since`, oldest first, at most `limit` — only batches that committed (an
    /// entity's imports are serialised, so no earlier batch can still commit after them).
    fn change_batches(&mut self, entity: Entity, since: i64, limit: usize) -> Result<Vec<i64>, StoreError>;
    /// The records of `entity` inside `scope` whose last change came in batch `batch`, in the
    /// backend's stored order after `after` (a position this method gave), at most `limit`;
    /// each with its position.
    fn changed(&mut self, scope: &Scope, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Record)>, StoreError>;
    /// The records of `entity` whose place changed in batch `batch` (the `change_log` of the
    /// fields [`share::PLACE_FIELDS`]), by record key after `after`, at most `limit`: each key
    /// with (field, old value) of the place fields that changed. No scope: the caller decides
    /// from the old place whether the record was ever its to know of ([`share::changes`]).
    fn moved(&mut self, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<(String, String)>)>, StoreError>;
}

/// Everything the web platform needs of a backend.
pub trait Backend: Store + Accounts + AuditLog + Browse + monitor::Monitor + transfers::Transfers + calendar::CalendarStore + attachments::AttachmentIndex + failed_uploads::FailedUploads + mlps::Mlps + incidents::Incidents + ledger::Ledger + duty::Duty + apps::Apps + checks::Checks + facts::Facts + conditions::Conditions + plan::Plans + catalog::Catalog + quality::Quality + schoolmap::SchoolMap + share::Share + Send {}
impl<T: Store + Accounts + AuditLog + Browse + monitor::Monitor + transfers::Transfers + calendar::CalendarStore + attachments::AttachmentIndex + failed_uploads::FailedUploads + mlps::Mlps + incidents::Incidents + ledger::Ledger + duty::Duty + apps::Apps + checks::Checks + facts::Facts + conditions::Conditions + plan::Plans + catalog::Catalog + quality::Quality + schoolmap::SchoolMap + share::Share + Send> Backend for T {}
