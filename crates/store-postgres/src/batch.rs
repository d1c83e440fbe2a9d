//! One import batch: a transaction holding a per-entity advisory lock.
//!
//! `record()` computes the natural key, the row hash and a few derived numbers (the school's
//! county, the grade as a number) in Rust and appends the row to a binary COPY buffer; every
//! few megabytes the buffer goes to a temporary staging table (`tianfu_stage`) in one `COPY`.
//! `commit()` applies the staging table with set-based statements. Three paths:
//!
//! - **Into an empty table** (the first import): every row is new. Large batches drop the
//!   table's indexes, `INSERT … SELECT` everything and build the indexes again (a sorted build
//!   is several times cheaper than millions of random B-tree insertions); a key given twice
//!   fails the primary key's build and is reported with its lines. The aggregate comes from
//!   counts kept in Rust. Past [`BULK_MIN_ROWS`] the rows are copied straight into the tables
//!   by a COPY thread holding the transaction's connection ([`crate::sender`]), so the server
//!   stores one buffer while the next is validated and encoded.
//! - **Into a large table, a large batch**: once the batch has as many rows as 1/32 of the
//!   table (at least [`LOAD_MIN_ROWS`], at most [`LOAD_MAX_ROWS`]), the stored `(key, row_hash)` pairs are read once
//!   ([`Known`]) and every row whose key fingerprint and hash both match is counted unchanged
//!   on the spot, never sent. Rows seen before that are held in memory and filtered the same
//!   way. Only new and changed rows reach the staging table.
//! - **Merge**: one join of the staging table against the table keeps the rows that are new
//!   or whose hash differs (`tianfu_chg`). From it: the change log (an unpivot of old and new
//!   values through a lateral VALUES list), transfers, the aggregate's deltas, the UPDATEs and
//!   the INSERTs.

use crate::copy::Rows;
use crate::error::{pg, violated_key};
use crate::known::{fingerprint, Known};
use crate::sender::Sender;
use crate::spec::{collate, q, Spec};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::Client;
use standard::Entity;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};
use store::keys::{record_key, row_hash};
use store::{BatchId, BatchMeta, BatchSummary, FileColumns, ImportBatch, Place, Scope, StoreError, OUT_OF_SCOPE};

/// Bytes of staged rows buffered before a COPY is sent.
const FLUSH_BYTES: usize = 8 << 20;

/// Rows held in memory, at most, while waiting to know whether to load the stored hashes.
const PENDING_CAP: usize = 256 << 20;

/// The stored hashes are loaded once a batch has 1/32 of the table's rows, at least
/// LOAD_MIN_ROWS and at most LOAD_MAX_ROWS (loading costs about 0.4 µs per stored row, the
/// SQL merge 4–25 µs per row sent, more as the table outgrows memory).
pub const LOAD_MIN_ROWS: u64 = 50_000;
pub const LOAD_MAX_ROWS: u64 = 500_000;

/// An import into an empty table rebuilds its indexes from this many rows on.
pub const BULK_MIN_ROWS: u64 = 50_000;

/// Memory for the sorts and hashes of the commit statements (SET LOCAL: this transaction only).
const WORK_MEM: &str = "256MB";
const MAINTENANCE_WORK_MEM: &str = "1GB";

const STAGE_SQL_PREFIX: &str = "line, record_key, row_hash, _num, _county, _grade";
const STAGE_PREFIX_FIELDS: usize = 6;
const REJECTS_SQL: &str =
    "COPY rejected_rows (batch_id, line, raw_json, codes) FROM STDIN (FORMAT binary)";

/// A 64-bit advisory-lock key for a name (FNV-1a).
pub fn lock_key(name: &str) -> i64 {
    row_hash(&["tianfu", name])
}

/// Rows copied straight into the main table and enrolments, and the statements that build
/// the dropped indexes again.
struct Direct {
    main: Rows,
    enrol: Rows,
    main_sql: String,
    enrol_sql: String,
    rebuild: Vec<String>,
}

/// How to open a second connection like the batch's (same server, user and schema), for the
/// COPY thread of a large first import ([`Sender`]).
pub struct SpareConnection {
    pub cfg: postgres::Config,
    pub schema: String,
}

impl SpareConnection {
    fn connect(&self) -> Result<Client, StoreError> {
        let mut c = self.cfg.connect(postgres::NoTls).map_err(pg)?;
        c.batch_execute(&format!("SET search_path TO {}", q(&self.schema))).map_err(pg)?;
        Ok(c)
    }
}

/// Rows waiting for the decision to load the stored hashes: encoded for the staging table,
/// with each row's fingerprint, hash and encoded length.
#[derive(Default)]
struct Pending {
    rows: Rows,
    meta: Vec<(u64, i64, u32)>,
}

pub struct PgBatch<'a> {
    db: &'a mut Client,
    /// The transaction is open (until commit; Drop rolls it back otherwise).
    open: bool,
    spec: &'static Spec,
    id: BatchId,
    meta: BatchMeta,
    started_at: String,
    /// The table was empty when the batch began (under the lock, so it still is).
    empty: bool,
    /// Rows after which the stored hashes are loaded (u64::MAX: never).
    load_at: u64,
    known: Option<Known>,
    pending: Pending,
    stage: Rows,
    stage_sql: String,
    rejects: Rows,
    valid: u64,
    rejected: u64,
    /// Rows found unchanged in Rust and not sent.
    skipped: u64,
    /// A large first import, past BULK_MIN_ROWS: indexes dropped, rows copied straight into
    /// the tables.
    direct: Option<Direct>,
    /// Dropping the indexes was refused (the role does not own the tables): don't try again.
    no_ddl: bool,
    /// school_code → its county, for students and teachers.
    schools: HashMap<String, Option<i32>>,
    /// Students per (county, grade) of this batch, kept when the table was empty.
    cells: HashMap<(i32, i32), i64>,
    /// Time spent in COPYs and loading during record() (for TIANFU_PG_TRACE=1).
    record_db_time: Duration,
    /// Set once a statement failed: the transaction is aborted, later calls report this.
    failed: Option<String>,
    /// The file's column layout, for rows refused here.
    columns: FileColumns,
    /// Stored records are judged at their stored place too (the writer may not write everywhere).
    check_stored: bool,
    /// Records refused for their new place (in `record`) or their stored place (in `settle`).
    out_of_scope: u64,
    /// Everything recorded is staged and judged: no more records.
    settled: bool,
    /// How to open the spare connection for the COPY thread (None: send on this thread).
    spare: Option<SpareConnection>,
    /// The COPY thread of a direct copy, holding the transaction's connection while it runs.
    sender: Option<Sender>,
    /// Which schools' facts the commit recomputes (`store::facts`): none, those of
    /// `tianfu_touched` (the new and old schools of the changed rows), or all (a first import).
    facts: FactsTouched,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FactsTouched {
    None,
    Table,
    All,
}

impl Drop for PgBatch<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.sender.take() {
            let _ = s.finish(self.db);
        }
        if self.open {
            let _ = self.db.batch_execute("ROLLBACK");
        }
    }
}

impl<'a> PgBatch<'a> {
    pub fn begin(
        db: &'a mut Client,
        schema: &str,
        meta: &BatchMeta,
        spare: Option<SpareConnection>,
    ) -> Result<PgBatch<'a>, StoreError> {
        let spec = Spec::of(meta.entity);
        db.batch_execute("BEGIN").map_err(pg)?;
        let mut b = PgBatch {
            db,
            open: true,
            spec,
            id: 0,
            meta: meta.clone(),
            started_at: store::time::now_rfc3339(),
            empty: false,
            load_at: u64::MAX,
            known: None,
            pending: Pending::default(),
            stage: Rows::with_capacity(FLUSH_BYTES + (1 << 16)),
            stage_sql: format!(
                "COPY tianfu_stage ({STAGE_SQL_PREFIX}, {}) FROM STDIN (FORMAT binary)",
                spec.fields
                    .iter()
                    .map(|f| q(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            rejects: Rows::default(),
            valid: 0,
            rejected: 0,
            skipped: 0,
            direct: None,
            no_ddl: false,
            schools: HashMap::new(),
            cells: HashMap::new(),
            record_db_time: Duration::ZERO,
            failed: None,
            columns: FileColumns::default(),
            check_stored: meta.scope != Scope::all(),
            out_of_scope: 0,
            settled: false,
            spare,
            sender: None,
            facts: FactsTouched::None,
        };
        let key = lock_key(&format!("import:{schema}:{}", meta.entity));
        let got: bool =
            b.db.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&key])
                .map_err(pg)?
                .get(0);
        if !got {
            return Err(StoreError::Locked(format!(
                "another import of {} records is running on this database (schema {schema})",
                meta.entity
            )));
        }
        b.id = b
            .db
            .query_one(
                "INSERT INTO batches (entity, file_name, file_hash, user_name, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&meta.entity.key(), &meta.file_name, &meta.file_hash, &meta.user, &b.started_at],
            )
            .map_err(pg)?
            .get(0);
        b.empty =
            b.db.query_opt(&format!("SELECT 1 FROM {} LIMIT 1", spec.table), &[])
                .map_err(pg)?
                .is_none();
        if !b.empty {
            let estimate: f64 =
                b.db.query_one(
                    "SELECT reltuples::float8 FROM pg_class WHERE oid = $1::text::regclass",
                    &[&spec.table],
                )
                .map_err(pg)?
                .get(0);
            let stored = if estimate >= 1.0 {
                estimate as u64
            } else {
                // Never analysed: count.
                b.db.query_one(&format!("SELECT count(*) FROM {}", spec.table), &[])
                    .map_err(pg)?
                    .get::<_, i64>(0) as u64
            };
            // The stored hashes say nothing of a record's place: a writer whose stored records
            // must be judged sends every row to the merge.
            if !b.check_stored {
                b.load_at = (stored / 32).clamp(LOAD_MIN_ROWS, LOAD_MAX_ROWS);
            }
        }
        if meta.entity != Entity::School {
            for r in
                b.db.query("SELECT school_code, region_code FROM schools", &[])
                    .map_err(pg)?
            {
                b.schools.insert(
                    r.get::<_, String>(0),
                    r.get::<_, &str>(1).parse::<i32>().ok(),
                );
            }
        }
        let mut ddl = String::from("CREATE TEMP TABLE tianfu_stage (line bigint, record_key text COLLATE \"C\", row_hash bigint, _num bigint, _county integer, _grade integer");
        for f in &spec.fields {
            ddl.push_str(&format!(", {} text{}", q(f), collate(f)));
        }
        ddl.push_str(") ON COMMIT DROP");
        b.db.batch_execute(&ddl).map_err(pg)?;
        Ok(b)
    }

    fn check(&self) -> Result<(), StoreError> {
        match &self.failed {
            Some(e) => Err(StoreError::Internal(format!(
                "the batch failed earlier: {e}"
            ))),
            None => Ok(()),
        }
    }

    fn fail(&mut self, e: StoreError) -> StoreError {
        self.failed = Some(e.to_string());
        e
    }

    fn exec(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        let t = Instant::now();
        let r = self.db.execute(sql, params).map_err(|e| self.map_err(e));
        trace(t, sql, r.as_ref().ok().copied());
        if let Err(e) = &r {
            // The transaction is aborted (a savepoint's rollback is an exec that succeeds).
            self.failed = Some(e.to_string());
        }
        r
    }

    /// A unique violation on a key is a key given twice in the batch.
    fn map_err(&self, e: postgres::Error) -> StoreError {
        match violated_key(&e) {
            Some(k) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                StoreError::Conflict(format!(
                    "the {} key {k} appears more than once in this batch: nothing was imported",
                    self.meta.entity
                ))
            }
            _ => pg(e),
        }
    }

    fn flush_stage(&mut self) -> Result<(), StoreError> {
        let t = Instant::now();
        let r = self.stage.flush(self.db, &self.stage_sql);
        self.record_db_time += t.elapsed();
        r.map(|_| ()).map_err(|e| self.fail(e))
    }

    /// Reads the stored hashes, then sends on the held rows that are not unchanged.
    fn load_known(&mut self) -> Result<(), StoreError> {
        let t = Instant::now();
        let known =
            Known::load(self.db, self.spec.table, self.spec.key_col).map_err(|e| self.fail(e))?;
        trace(t, "load stored (key, row_hash)", Some(known.len() as u64));
        self.record_db_time += t.elapsed();
        let pending = std::mem::take(&mut self.pending);
        let mut at = 0usize;
        for &(fp, hash, len) in &pending.meta {
            let bytes = &pending.rows.bytes[at..at + len as usize];
            at += len as usize;
            if known.get(fp) == Some(hash) {
                self.skipped += 1;
            } else {
                self.stage.append(bytes, 1);
                if self.stage.len() >= FLUSH_BYTES {
                    self.flush_stage()?;
                }
            }
        }
        self.known = Some(known);
        Ok(())
    }

    fn apply(&mut self) -> Result<(u64, u64, u64), StoreError> {
        let spec = self.spec;
        self.exec(&format!("SET LOCAL work_mem = '{WORK_MEM}'"), &[])?;
        if self.empty {
            self.insert_into_empty()?;
            if self.valid > 0 {
                self.facts = FactsTouched::All;
            }
            return Ok((self.valid, 0, 0));
        }
        let (id, ts) = (self.id, self.started_at.clone());
        // New and changed rows, with the stored values of the changed ones (`_o_<field>`, and
        // `_o_county` for students): everything after reads this table and not the large ones,
        // except the UPDATEs themselves.
        let mut old: Vec<String> = spec
            .fields
            .iter()
            .map(|f| {
                format!(
                    "{}.{} AS {}",
                    if spec.enrol.contains(f) { "e" } else { "t" },
                    q(f),
                    q(&format!("_o_{f}"))
                )
            })
            .collect();
        let mut from = format!(
            "tianfu_stage c LEFT JOIN {} t ON t.{} = c.record_key",
            spec.table, spec.key_col
        );
        if spec.entity == Entity::Student {
            old.push("e.county_code AS _o_county".into());
            from.push_str(" LEFT JOIN enrolments e ON e.record_key = c.record_key");
        }
        let join = format!(
            "CREATE TEMP TABLE tianfu_chg ON COMMIT DROP AS SELECT c.*, t.row_hash AS _old_hash, {} FROM {from} WHERE t.row_hash IS DISTINCT FROM c.row_hash",
            old.join(", ")
        );
        self.exec(&join, &[])?;
        let t = Instant::now();
        let r = self
            .db
            .query_one("SELECT count(*), count(_old_hash) FROM tianfu_chg", &[])
            .map_err(pg)?;
        trace(t, "count tianfu_chg", None);
        let (changed, updated) = (r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64);
        let inserted = changed - updated;
        let unchanged = self.valid - changed;
        if changed == 0 {
            return Ok((0, 0, unchanged));
        }
        // The schools whose facts change: each changed row's new school and its stored one.
        self.exec(
            "CREATE TEMP TABLE tianfu_touched ON COMMIT DROP AS SELECT school_code FROM tianfu_chg WHERE school_code <> '' \
             UNION SELECT _o_school_code FROM tianfu_chg WHERE _o_school_code IS NOT NULL AND _o_school_code <> ''",
            &[],
        )?;
        self.facts = FactsTouched::Table;
        if updated > 0 {
            // A key given twice among the changed rows would be applied twice: refuse it. (Twice
            // among new rows fails the primary key; a copy equal to the stored row changes nothing.)
            let dup = self
                .db
                .query_opt("SELECT record_key, min(line), max(line) FROM tianfu_chg WHERE _old_hash IS NOT NULL GROUP BY record_key HAVING count(*) > 1 ORDER BY 2 LIMIT 1", &[])
                .map_err(pg)?;
            if let Some(r) = dup {
                return Err(self.repeated(r.get(0), r.get(1), r.get(2)));
            }
            self.log_changes()?;
            match spec.entity {
                Entity::Student => {
                    let day = ts[..10].to_string();
                    self.exec(
                        "INSERT INTO transfers (student_key, from_school, to_school, transfer_date, batch_id) \
                         SELECT c.record_key, c._o_school_code, c.school_code, $1, $2 FROM tianfu_chg c \
                         WHERE c._old_hash IS NOT NULL AND c._o_school_code <> c.school_code AND c._o_school_code <> '' AND c.school_code <> '' ORDER BY c.record_key",
                        &[&day, &id],
                    )?;
                }
                Entity::School => self.move_students_of_moved_schools()?,
                Entity::Teacher | Entity::Conditions => {}
            }
        }
        if spec.entity == Entity::Student {
            // The aggregate's deltas: −1 in each changed student's old cell, +1 in every new cell.
            self.exec(
                &format!(
                    "INSERT INTO student_counts AS sc (county_code, grade, students) \
                     SELECT county, grade, sum(d) FROM ( \
                       SELECT c._o_county AS county, {} AS grade, -1 AS d FROM tianfu_chg c WHERE c._old_hash IS NOT NULL \
                       UNION ALL SELECT c._county, c._grade, 1 FROM tianfu_chg c \
                     ) x WHERE county IS NOT NULL GROUP BY county, grade HAVING sum(d) <> 0 \
                     ON CONFLICT (county_code, grade) DO UPDATE SET students = sc.students + EXCLUDED.students",
                    grade_of("c._o_grade")
                ),
                &[],
            )?;
            self.exec("DELETE FROM student_counts WHERE students = 0", &[])?;
        }
        if updated > 0 {
            let set: Vec<String> = spec
                .main
                .iter()
                .filter(|f| **f != spec.key_col)
                .map(|f| format!("{0} = c.{0}", q(f)))
                .collect();
            self.exec(
                &format!(
                    "UPDATE {} t SET {}, row_hash = c.row_hash, batch_id = $1, updated_at = $2 FROM tianfu_chg c WHERE t.{} = c.record_key AND c._old_hash IS NOT NULL",
                    spec.table,
                    set.join(", "),
                    spec.key_col
                ),
                &[&id, &ts],
            )?;
            if spec.entity == Entity::Student {
                let set: Vec<String> = spec
                    .enrol
                    .iter()
                    .map(|f| format!("{0} = c.{0}", q(f)))
                    .collect();
                // Every changed student's enrolment is written, its fields changed or not:
                // `enrolments.batch_id` is the batch that last changed the student, which the
                // lists sort by time with (`enrolments_county_batch`, `enrolments_batch_key`).
                self.exec(
                    &format!(
                        "UPDATE enrolments e SET {}, county_code = c._county, batch_id = $1 FROM tianfu_chg c WHERE e.record_key = c.record_key AND c._old_hash IS NOT NULL",
                        set.join(", "),
                    ),
                    &[&id],
                )?;
            }
            if spec.entity == Entity::School {
                self.exec(
                    "UPDATE org_units o SET name = c.name, parent_code = c._county FROM tianfu_chg c WHERE o.code = c._num AND c._old_hash IS NOT NULL AND o.level = 'school'",
                    &[],
                )?;
            }
        }
        if inserted > 0 {
            self.insert_new("tianfu_chg", true)?;
        }
        Ok((inserted, updated, unchanged))
    }

    /// Staged rows whose record is stored at a place outside the writer's area are taken out
    /// of the staging table and kept as rejected rows (`out_of_scope`), changed or not.
    fn refuse_stored_out_of_scope(&mut self) -> Result<(), StoreError> {
        let spec = self.spec;
        let (join, county, school) = match spec.entity {
            Entity::School => (String::new(), "CASE WHEN t.region_code ~ '^[0-9]{6}$' THEN CAST(t.region_code AS integer) END", "NULL"),
            Entity::Teacher | Entity::Conditions => (
                " LEFT JOIN schools s ON s.school_code = t.school_code".to_string(),
                "CASE WHEN s.region_code ~ '^[0-9]{6}$' THEN CAST(s.region_code AS integer) END",
                "NULLIF(t.school_code, '')",
            ),
            Entity::Student => (
                " LEFT JOIN enrolments e ON e.record_key = t.record_key".to_string(),
                "e.county_code",
                "NULLIF(e.school_code, '')",
            ),
        };
        // Scope::may_write in SQL (the suite checks that both agree with it).
        let allowed = match &self.meta.scope {
            Scope::Region { lo, hi } => {
                let wide = self.meta.scope.is_province_wide();
                format!("(({county}) BETWEEN {lo} AND {hi} OR (({county}) IS NULL AND {wide}))")
            }
            Scope::School { code, .. } if spec.entity != Entity::School && code.bytes().all(|b| b.is_ascii_digit()) => {
                format!("({school}) = '{code}'")
            }
            _ => "false".to_string(),
        };
        let fields: Vec<String> = spec.fields.iter().map(|f| format!("c.{}", q(f))).collect();
        self.exec(
            &format!(
                "CREATE TEMP TABLE tianfu_oos ON COMMIT DROP AS SELECT c.line, c.record_key, {} FROM tianfu_stage c \
                 JOIN {} t ON t.{} = c.record_key{join} WHERE NOT COALESCE({allowed}, false)",
                fields.join(", "),
                spec.table,
                spec.key_col
            ),
            &[],
        )?;
        let rows = self.db.query("SELECT * FROM tianfu_oos ORDER BY line", &[]).map_err(pg)?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            let line: i64 = r.get(0);
            let values: Vec<&str> = (2..r.len()).map(|i| r.get::<_, &str>(i)).collect();
            let raw = self.columns.raw(&values);
            let json = serde_json::to_string(&raw).map_err(|e| StoreError::Internal(e.to_string()))?;
            let rj = &mut self.rejects;
            rj.start_row(4);
            rj.int8(self.id);
            rj.int8(line);
            rj.text(&json);
            rj.text(OUT_OF_SCOPE);
        }
        let n = rows.len() as u64;
        self.exec("DELETE FROM tianfu_stage c USING tianfu_oos o WHERE c.record_key = o.record_key AND c.line = o.line", &[])?;
        self.valid -= n;
        self.rejected += n;
        self.out_of_scope += n;
        Ok(())
    }

    fn repeated(&self, key: &str, first: i64, last: i64) -> StoreError {
        StoreError::Conflict(format!("the {} key {key} appears more than once in this batch (lines {first} and {last}): nothing was imported", self.meta.entity))
    }

    /// The tables an import of this entity fills.
    fn tables(&self) -> &'static [&'static str] {
        match self.meta.entity {
            Entity::School => &["schools"],
            Entity::Teacher => &["teachers"],
            Entity::Student => &["students", "enrolments"],
            Entity::Conditions => &["conditions"],
        }
    }

    /// Drops the tables' indexes for a large first import (under a savepoint: where the role
    /// may not, because it does not own the tables, rows are inserted with the indexes in place).
    fn try_drop_indexes(&mut self) -> Result<Option<Vec<String>>, StoreError> {
        if self.no_ddl {
            return Ok(None);
        }
        self.exec("SAVEPOINT tianfu_indexes", &[])?;
        self.exec("SET LOCAL lock_timeout = '60s'", &[])?;
        match self.drop_indexes() {
            Ok(defs) => Ok(Some(defs)),
            Err(e) => {
                trace(
                    Instant::now(),
                    &format!("index rebuild unavailable ({e}): inserting with indexes"),
                    None,
                );
                self.exec("ROLLBACK TO SAVEPOINT tianfu_indexes", &[])?;
                self.no_ddl = true;
                Ok(None)
            }
        }
    }

    /// From BULK_MIN_ROWS rows on, a first import of teachers or students copies its rows
    /// straight into the tables, with their indexes dropped.
    fn start_direct(&mut self) -> Result<(), StoreError> {
        let Some(rebuild) = self.try_drop_indexes()? else {
            return Ok(());
        };
        let spec = self.spec;
        self.direct = Some(Direct {
            main: Rows::with_capacity(FLUSH_BYTES + (1 << 16)),
            enrol: Rows::default(),
            main_sql: format!(
                "COPY {} ({}) FROM STDIN (FORMAT binary)",
                spec.table,
                spec.insert_columns()
            ),
            enrol_sql: format!(
                "COPY enrolments ({}) FROM STDIN (FORMAT binary)",
                spec.enrol_columns()
            ),
            rebuild,
        });
        // The rest of the rows go through a COPY thread, so that the server stores one buffer
        // while the next is encoded. Without a second connection they are sent from here.
        if let Some(spare) = &self.spare {
            let t = Instant::now();
            match spare.connect().and_then(|c| Sender::start(self.db, c)) {
                Ok(s) => self.sender = Some(s),
                Err(e) => trace(t, &format!("COPY thread unavailable ({e}): sending from the batch"), None),
            }
        }
        Ok(())
    }

    /// Waits for the COPY thread to send what it was given and takes the transaction's
    /// connection back (a no-op without one).
    fn finish_sender(&mut self) -> Result<(), StoreError> {
        let Some(s) = self.sender.take() else { return Ok(()) };
        let t = Instant::now();
        let r = s.finish(self.db);
        self.record_db_time += t.elapsed();
        match r {
            Ok(busy) => {
                trace(Instant::now().checked_sub(busy).unwrap_or_else(Instant::now), "COPY thread: time spent sending", None);
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn flush_direct(&mut self) -> Result<(), StoreError> {
        let t = Instant::now();
        let Some(d) = self.direct.as_mut() else {
            return Ok(());
        };
        if let Some(s) = self.sender.as_mut() {
            let main = std::mem::replace(&mut d.main, Rows::with_capacity(FLUSH_BYTES + (1 << 16)));
            let enrol = std::mem::take(&mut d.enrol);
            let sent = s.send(&d.main_sql, main).and_then(|_| s.send(&d.enrol_sql, enrol));
            self.record_db_time += t.elapsed();
            if sent.is_err() {
                let e = self.finish_sender().err().unwrap_or_else(|| StoreError::Internal("the COPY thread stopped".into()));
                return Err(self.fail(e));
            }
            return Ok(());
        }
        let r = d
            .main
            .flush(self.db, &d.main_sql)
            .and_then(|_| d.enrol.flush(self.db, &d.enrol_sql));
        self.record_db_time += t.elapsed();
        r.map(|_| ()).map_err(|e| self.fail(e))
    }

    /// Every row is new: rows staged (all of them, or those before the direct copy began) are
    /// inserted, then the dropped indexes are built again; a key given twice fails the primary
    /// key's build.
    fn insert_into_empty(&mut self) -> Result<(), StoreError> {
        let mut rebuild = match self.direct.take() {
            Some(d) => d.rebuild,
            None if self.valid >= BULK_MIN_ROWS => self.try_drop_indexes()?.unwrap_or_default(),
            None => Vec::new(),
        };
        self.insert_new("tianfu_stage", false)?;
        if !rebuild.is_empty() {
            self.exec(
                &format!("SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"),
                &[],
            )?;
            self.exec("SAVEPOINT tianfu_rebuild", &[])?;
            for sql in std::mem::take(&mut rebuild) {
                let t = Instant::now();
                let r = self.db.batch_execute(&sql);
                trace(t, &sql, None);
                if let Err(e) = r {
                    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                        if let Some(key) = violated_key(&e) {
                            self.exec("ROLLBACK TO SAVEPOINT tianfu_rebuild", &[])?;
                            // Lines are known for the staged rows (those before the direct copy).
                            let r = self.db.query_one("SELECT min(line), max(line), count(*) FROM tianfu_stage WHERE record_key = $1", &[&key]).map_err(pg)?;
                            let entity = self.meta.entity;
                            return Err(match r.get::<_, i64>(2) {
                                2.. => self.repeated(&key, r.get::<_, i64>(0), r.get::<_, i64>(1)),
                                1 => StoreError::Conflict(format!("the {entity} key {key} appears more than once in this batch (first at line {}): nothing was imported", r.get::<_, i64>(0))),
                                _ => StoreError::Conflict(format!("the {entity} key {key} appears more than once in this batch: nothing was imported")),
                            });
                        }
                    }
                    return Err(self.map_err(e));
                }
            }
        }
        if self.meta.entity == Entity::Student {
            let cells: Vec<((i32, i32), i64)> = self.cells.drain().collect();
            self.add_cells(&cells)?;
        }
        Ok(())
    }

    /// Drops the indexes (and primary keys) of the tables; returns the statements that rebuild them.
    fn drop_indexes(&mut self) -> Result<Vec<String>, StoreError> {
        let mut rebuild = Vec::new();
        for table in self.tables() {
            let constraints = self
                .db
                .query("SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::text::regclass AND contype IN ('p', 'u')", &[table])
                .map_err(pg)?;
            let indexes = self
                .db
                .query(
                    "SELECT ic.relname::text, pg_get_indexdef(ic.oid) FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid \
                     WHERE x.indrelid = $1::text::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                    &[table],
                )
                .map_err(pg)?;
            // Keys first: a repeated key is found by the first build.
            for r in &constraints {
                let (name, def): (String, String) = (r.get(0), r.get(1));
                self.db
                    .batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {}", q(&name)))
                    .map_err(pg)?;
                rebuild.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {} {def}",
                    q(&name)
                ));
            }
            for r in &indexes {
                let (name, def): (String, String) = (r.get(0), r.get(1));
                self.db
                    .batch_execute(&format!("DROP INDEX {}", q(&name)))
                    .map_err(pg)?;
                rebuild.push(def);
            }
        }
        Ok(rebuild)
    }

    /// Inserts the rows of `src` (all of them, or those with no old hash).
    fn insert_new(&mut self, src: &str, only_new: bool) -> Result<(), StoreError> {
        let spec = self.spec;
        let (id, ts) = (self.id, self.started_at.clone());
        let filter = if only_new {
            " WHERE c._old_hash IS NULL"
        } else {
            ""
        };
        self.exec(
            &format!(
                "INSERT INTO {} ({}) SELECT {} FROM {src} c{filter}",
                spec.table,
                spec.insert_columns(),
                spec.insert_values()
            ),
            &[&id, &ts],
        )?;
        match spec.entity {
            Entity::Student => {
                let cols: Vec<String> = spec.enrol.iter().map(|f| q(f)).collect();
                let vals: Vec<String> = spec.enrol.iter().map(|f| format!("c.{}", q(f))).collect();
                self.exec(
                    &format!("INSERT INTO enrolments (record_key, {}, county_code, batch_id) SELECT c.record_key, {}, c._county, $1 FROM {src} c{filter}", cols.join(", "), vals.join(", ")),
                    &[&id],
                )?;
            }
            Entity::School => {
                let filter = if only_new {
                    " AND c._old_hash IS NULL"
                } else {
                    ""
                };
                self.exec(
                    &format!(
                        "INSERT INTO org_units (code, name, level, parent_code) SELECT c._num, c.name, 'school', c._county FROM {src} c WHERE c._num IS NOT NULL{filter} \
                         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code"
                    ),
                    &[],
                )?;
            }
            Entity::Teacher | Entity::Conditions => {}
        }
        Ok(())
    }

    /// One change_log row per changed field of each updated record: an unpivot of (field, old,
    /// new) through a lateral VALUES list, keeping the fields whose values differ.
    fn log_changes(&mut self) -> Result<(), StoreError> {
        let values: Vec<String> = self
            .spec
            .fields
            .iter()
            .map(|f| {
                format!(
                    "('{f}', c.{} COLLATE \"C\", c.{} COLLATE \"C\")",
                    q(&format!("_o_{f}")),
                    q(f)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO change_log (batch_id, entity, record_key, field, old_value, new_value) \
             SELECT $1, $2, c.record_key, v.field, v.old_value, v.new_value \
             FROM tianfu_chg c CROSS JOIN LATERAL (VALUES {}) AS v(field, old_value, new_value) \
             WHERE c._old_hash IS NOT NULL AND v.old_value IS DISTINCT FROM v.new_value",
            values.join(", ")
        );
        let (id, entity) = (self.id, self.meta.entity.key());
        self.exec(&sql, &[&id, &entity])?;
        Ok(())
    }

    /// A school whose county changed takes its students along: their enrolments' county and the
    /// aggregate's cells move with it. Rare; reads the enrolments once.
    fn move_students_of_moved_schools(&mut self) -> Result<(), StoreError> {
        self.exec(
            "CREATE TEMP TABLE tianfu_moved ON COMMIT DROP AS SELECT c.school_code, c._county AS county FROM tianfu_chg c \
             WHERE c._old_hash IS NOT NULL AND c._o_region_code <> c.region_code",
            &[],
        )?;
        let moved: i64 = self
            .db
            .query_one("SELECT count(*) FROM tianfu_moved", &[])
            .map_err(pg)?
            .get(0);
        if moved == 0 {
            return Ok(());
        }
        self.exec(
            &format!(
                "INSERT INTO student_counts AS sc (county_code, grade, students) \
                 SELECT county, grade, sum(d) FROM ( \
                   SELECT e.county_code AS county, {0} AS grade, -1 AS d FROM enrolments e JOIN tianfu_moved m ON m.school_code = e.school_code \
                   UNION ALL SELECT m.county, {0}, 1 FROM enrolments e JOIN tianfu_moved m ON m.school_code = e.school_code \
                 ) x WHERE county IS NOT NULL GROUP BY county, grade HAVING sum(d) <> 0 \
                 ON CONFLICT (county_code, grade) DO UPDATE SET students = sc.students + EXCLUDED.students",
                grade_of("e.grade")
            ),
            &[],
        )?;
        self.exec("DELETE FROM student_counts WHERE students = 0", &[])?;
        self.exec("UPDATE enrolments e SET county_code = m.county FROM tianfu_moved m WHERE e.school_code = m.school_code", &[])?;
        Ok(())
    }

    fn add_cells(&mut self, cells: &[((i32, i32), i64)]) -> Result<(), StoreError> {
        for chunk in cells.chunks(1000) {
            let values: Vec<String> = chunk
                .iter()
                .map(|((c, g), n)| format!("({c}, {g}, {n})"))
                .collect();
            self.exec(
                &format!(
                    "INSERT INTO student_counts AS sc (county_code, grade, students) VALUES {} \
                     ON CONFLICT (county_code, grade) DO UPDATE SET students = sc.students + EXCLUDED.students",
                    values.join(", ")
                ),
                &[],
            )?;
        }
        self.exec("DELETE FROM student_counts WHERE students = 0", &[])?;
        Ok(())
    }
}

/// With `TIANFU_PG_TRACE=1`, the time and row count of each import statement go to stderr.
fn trace(t: Instant, sql: &str, rows: Option<u64>) {
    static ON: LazyLock<bool> =
        LazyLock::new(|| std::env::var("TIANFU_PG_TRACE").is_ok_and(|v| v == "1"));
    if *ON {
        let head: String = sql.split_whitespace().take(9).collect::<Vec<_>>().join(" ");
        let rows = rows.map(|n| n.to_string()).unwrap_or_default();
        eprintln!(
            "[pg] {:>8.3} s {rows:>10}  {head}",
            t.elapsed().as_secs_f64()
        );
    }
}

/// SQL for the integer grade of a text grade column: 0 when empty or not a number.
fn grade_of(col: &str) -> String {
    format!("(CASE WHEN {col} ~ '^[0-9]{{1,6}}$' THEN CAST({col} AS integer) ELSE 0 END)")
}

#[allow(clippy::too_many_arguments)]
fn encode(
    rows: &mut Rows,
    line: u64,
    key: &str,
    hash: i64,
    num: Option<i64>,
    county: Option<i32>,
    grade: Option<i32>,
    values: &[&str],
) {
    rows.start_row((STAGE_PREFIX_FIELDS + values.len()) as u16);
    rows.int8(line as i64);
    rows.text(key);
    rows.int8(hash);
    rows.opt_int8(num);
    rows.opt_int4(county);
    rows.opt_int4(grade);
    for v in values {
        rows.text(v);
    }
}

impl ImportBatch for PgBatch<'_> {
    fn columns(&mut self, columns: FileColumns) {
        self.columns = columns;
    }

    fn record(&mut self, line: u64, values: &[&str]) -> Result<(), StoreError> {
        self.check()?;
        if self.settled {
            return Err(StoreError::Internal(format!("line {line}: a record after the batch was settled")));
        }
        let spec = self.spec;
        let entity = self.meta.entity;
        if values.len() != spec.fields.len() {
            return Err(StoreError::Internal(format!(
                "line {line}: {} values for the {} fields of the {entity} template",
                values.len(),
                spec.fields.len()
            )));
        }
        let Some(key) = record_key(entity, values) else {
            return Err(StoreError::Conflict(format!(
                "line {line}: the {entity} record has no key (no document number or code)"
            )));
        };
        if values.iter().any(|v| v.as_bytes().contains(&0)) {
            return Err(StoreError::Conflict(format!(
                "line {line}: a value contains a NUL character, which PostgreSQL cannot store"
            )));
        }
        let (mut num, mut county, mut grade) = (None, None, None);
        match entity {
            Entity::School => {
                num = values[spec.school_idx.unwrap_or(0)].parse::<i64>().ok();
                county = spec.region_idx.and_then(|i| values[i].parse::<i32>().ok());
            }
            Entity::Teacher | Entity::Student | Entity::Conditions => {
                let school = spec.school_idx.map(|i| values[i]).unwrap_or("");
                if !school.is_empty() {
                    match self.schools.get(school) {
                        Some(c) => county = *c,
                        None => return Err(StoreError::Conflict(format!("line {line}: the {entity} {key} refers to school {school}, which is not stored (import the schools first)"))),
                    }
                }
                if entity == Entity::Student {
                    grade = Some(
                        spec.grade_idx
                            .map(|i| values[i])
                            .unwrap_or("")
                            .parse::<i32>()
                            .unwrap_or(0),
                    );
                }
            }
        }
        let place = match entity {
            Entity::School => Place::school_record(county.and_then(|c| u32::try_from(c).ok())),
            _ => Place::person(spec.school_idx.map(|i| values[i]), county.and_then(|c| u32::try_from(c).ok())),
        };
        if !self.meta.scope.may_write(&place) {
            self.out_of_scope += 1;
            let raw = self.columns.raw(values);
            return self.rejected(line, &raw, &[OUT_OF_SCOPE]);
        }
        let hash = row_hash(values);
        self.valid += 1;
        if self.empty {
            if let (Some(c), Some(g)) = (county, grade) {
                *self.cells.entry((c, g)).or_insert(0) += 1;
            }
            if self.direct.is_none() && self.valid == BULK_MIN_ROWS && entity != Entity::School {
                self.start_direct()?;
            }
            if let Some(d) = self.direct.as_mut() {
                let (id, ts) = (self.id, self.started_at.as_str());
                let m = &mut d.main;
                m.start_row(
                    (spec.main.len() + 3 + usize::from(spec.key_col == "record_key")) as u16,
                );
                if spec.key_col == "record_key" {
                    m.text(&key);
                }
                for &i in &spec.main_idx {
                    m.text(values[i]);
                }
                m.int8(hash);
                m.int8(id);
                m.text(ts);
                if entity == Entity::Student {
                    let e = &mut d.enrol;
                    e.start_row((spec.enrol.len() + 3) as u16);
                    e.text(&key);
                    for &i in &spec.enrol_idx {
                        e.text(values[i]);
                    }
                    e.opt_int4(county);
                    e.int8(id);
                }
                if d.main.len() + d.enrol.len() >= FLUSH_BYTES {
                    self.flush_direct()?;
                }
                return Ok(());
            }
            encode(
                &mut self.stage,
                line,
                &key,
                hash,
                num,
                county,
                grade,
                values,
            );
        } else {
            let fp = fingerprint(key.as_bytes());
            if let Some(known) = &self.known {
                if known.get(fp) == Some(hash) {
                    self.skipped += 1;
                    return Ok(());
                }
                encode(
                    &mut self.stage,
                    line,
                    &key,
                    hash,
                    num,
                    county,
                    grade,
                    values,
                );
            } else {
                let p = &mut self.pending;
                let start = p.rows.len();
                encode(&mut p.rows, line, &key, hash, num, county, grade, values);
                p.meta.push((fp, hash, (p.rows.len() - start) as u32));
                if self.valid >= self.load_at {
                    self.load_known()?;
                } else if p.rows.len() >= PENDING_CAP {
                    // Too many to hold: send them as they are (the SQL merge sorts them out).
                    let t = Instant::now();
                    let r = self.pending.rows.flush(self.db, &self.stage_sql);
                    self.pending.meta.clear();
                    self.record_db_time += t.elapsed();
                    r.map_err(|e| self.fail(e))?;
                }
            }
        }
        if self.stage.len() >= FLUSH_BYTES {
            self.flush_stage()?;
        }
        Ok(())
    }

    fn rejected(&mut self, line: u64, raw: &[String], codes: &[&str]) -> Result<(), StoreError> {
        self.check()?;
        let json = serde_json::to_string(raw).map_err(|e| StoreError::Internal(e.to_string()))?;
        let codes = store::RejectedRow::join_codes(codes);
        if codes.contains('\0') {
            return Err(StoreError::Conflict(format!(
                "line {line}: a rule code contains a NUL character"
            )));
        }
        let r = &mut self.rejects;
        r.start_row(4);
        r.int8(self.id);
        r.int8(line as i64);
        r.text(&json);
        r.text(&codes);
        self.rejected += 1;
        if self.rejects.len() >= FLUSH_BYTES {
            if let Some(s) = self.sender.as_mut() {
                if s.send(REJECTS_SQL, std::mem::take(&mut self.rejects)).is_err() {
                    let e = self.finish_sender().err().unwrap_or_else(|| StoreError::Internal("the COPY thread stopped".into()));
                    return Err(self.fail(e));
                }
                return Ok(());
            }
            let res = self.rejects.flush(self.db, REJECTS_SQL);
            res.map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    fn settle(&mut self) -> Result<u64, StoreError> {
        self.check()?;
        if self.settled {
            return Ok(self.out_of_scope);
        }
        self.settled = true;
        let t = Instant::now();
        self.flush_direct()?;
        self.finish_sender()?;
        let mut pending = std::mem::take(&mut self.pending);
        pending.rows.flush(self.db, &self.stage_sql)?;
        drop(pending);
        self.stage.flush(self.db, &self.stage_sql)?;
        trace(t, "last COPY", None);
        if self.check_stored && !self.empty {
            self.refuse_stored_out_of_scope()?;
        }
        self.rejects.flush(self.db, REJECTS_SQL)?;
        Ok(self.out_of_scope)
    }

    fn commit(
        mut self: Box<Self>,
        rows_read: u64,
        report_json: &str,
    ) -> Result<BatchSummary, StoreError> {
        self.check()?;
        if self.valid + self.rejected != rows_read {
            return Err(StoreError::Internal(format!(
                "rows_read is {rows_read} but the batch was given {} valid and {} rejected rows: nothing was imported",
                self.valid, self.rejected
            )));
        }
        if let Some(since) = Instant::now().checked_sub(self.record_db_time) {
            trace(
                since,
                "COPY and loading during record()",
                Some(self.valid - self.skipped),
            );
        }
        if self.skipped > 0 {
            trace(
                Instant::now(),
                "rows found unchanged before sending",
                Some(self.skipped),
            );
        }
        self.settle()?;
        let (inserted, updated, unchanged) = self.apply()?;
        if self.facts != FactsTouched::None {
            let t = Instant::now();
            // One facts writer at a time (imports of different entities run side by side); each
            // statement after the lock sees the other's committed rows (READ COMMITTED).
            self.exec("LOCK TABLE school_facts IN EXCLUSIVE MODE", &[])?;
            let only = match self.facts {
                FactsTouched::All => crate::facts::Only::All,
                _ => crate::facts::Only::Table("tianfu_touched"),
            };
            let r = crate::facts::recompute(self.db, only);
            if let Err(e) = r {
                return Err(self.fail(e));
            }
            trace(t, "school facts", None);
        }
        let finished_at = store::time::now_rfc3339();
        let n = |v: u64| v as i64;
        let (id, rejected) = (self.id, self.rejected);
        self.exec(
            "UPDATE batches SET finished_at = $2, rows_read = $3, inserted = $4, updated = $5, unchanged = $6, rejected = $7, report_json = $8 WHERE id = $1",
            &[&id, &finished_at, &n(rows_read), &n(inserted), &n(updated), &n(unchanged), &n(rejected), &report_json],
        )?;
        let t = Instant::now();
        self.db.batch_execute("COMMIT").map_err(pg)?;
        self.open = false;
        trace(t, "COMMIT", None);
        if self.empty && self.valid >= BULK_MIN_ROWS {
            // Fresh statistics for the next import's plans (autovacuum may be slow or off).
            let t = Instant::now();
            // The key column is what the next import's plans need; autovacuum does the rest. A
            // sample of 9,000 rows (statistics target 30) tells a unique key and the table's size
            // as well as the default 30,000 and reads a third of the pages (0.25 s → 0.1 s at 1 M).
            let sql: String = std::iter::once("SET default_statistics_target = 30;".to_string())
                .chain(self
                .tables()
                .iter()
                .map(|t| {
                    format!(
                        "ANALYZE {t} ({});",
                        if *t == "schools" {
                            "school_code"
                        } else {
                            "record_key"
                        }
                    )
                }))
                .chain(std::iter::once("RESET default_statistics_target;".to_string()))
                .collect();
            let _ = self.db.batch_execute(&sql);
            trace(t, "ANALYZE", None);
        }
        Ok(BatchSummary {
            id,
            entity: self.meta.entity,
            file_name: self.meta.file_name.clone(),
            file_hash: self.meta.file_hash.clone(),
            user: self.meta.user.clone(),
            started_at: self.started_at.clone(),
            finished_at,
            rows_read,
            inserted,
            updated,
            unchanged,
            rejected,
            report_json: report_json.to_string(),
        })
    }
}
