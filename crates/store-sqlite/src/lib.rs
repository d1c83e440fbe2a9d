//! 存储 · SQLite — the embedded backend of [`store::Store`]: one file, no server.
//!
//! [`SqliteStore::open`] creates the file (and its folder) when missing, sets WAL with
//! `synchronous=NORMAL`, foreign keys, a 5 s busy timeout, a 256 MiB page cache (384 MiB while an
//! import batch is open, see [`IMPORT_CACHE_KIB`]) and in-memory temporary storage, and applies
//! the embedded migrations (`migrations/*.sql`). A new file gets 32 KiB pages ([`PAGE_SIZE`]).
//! An import batch is one `BEGIN IMMEDIATE` transaction: a second importer on the same file is
//! told [`StoreError::Locked`] after the busy timeout, never half-way through its file. While a
//! batch is open its writer thread holds the connection; it comes back to the store when the
//! batch is committed or dropped.
//!
//! Schema choices (the tables are those of `crates/store/schema/README.md`): `students` is a
//! rowid table found by its unique `record_key` index; `enrolments` is keyed by the student's
//! rowid (`student_id`) and has one secondary index, on `county_code`, which serves exports by
//! region and by school; imported records are buffered and written in key order, so that the
//! key index is visited page after page rather than at random.
#![forbid(unsafe_code)]

pub mod backup;
mod batch;
mod browse;
mod incidents;
mod kit;
mod layout;
mod migrate;
mod ledger;
mod plan;
mod quality;
mod apps;
mod checks;
mod conditions;
mod mlps;
mod duty;
mod facts;
mod monitor;
mod platform;
mod schoolmap;
mod sql;
mod transfers;

pub use migrate::SCHEMA_VERSION;

use layout::Layout;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use store::{
    BatchId, BatchMeta, BatchSummary, Change, CityCounts, CountyGrade, Entity, ExportEntry,
    ImportBatch, RecordFilter, RejectedRow, Store, StoreError, TableCounts, Transfer,
};

/// The page cache, in KiB (`PRAGMA cache_size` takes it negated).
pub const CACHE_KIB: u32 = 256 * 1024;

/// The page cache while an import batch is open. Larger caches keep more of the students' key
/// index in memory, but the whole import must stay under 1 GiB at 15 M students (with ingest's
/// duplicate-key table of 256 MiB and the row buffers): measured at 15 M, 384 MiB gave 199 k
/// rows/s and 935 MiB peak, 1 GiB gave 168 k rows/s and 1.6 GiB peak. Pages are only allocated
/// as they are used, and the cache goes back to [`CACHE_KIB`] when the batch ends.
pub const IMPORT_CACHE_KIB: u32 = 384 * 1024;

/// The page size of a new database file, in bytes. Measured first imports of 15 M students:
/// 16 KiB gave 191–200 k rows/s, 32 KiB 215–241 k (a shallower key index, fewer pages
/// to write through the WAL); at 1 M the sizes are within a few per cent of each other.
pub const PAGE_SIZE: u32 = 32768;

/// How long a statement waits for another connection's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Makes `conn` wait for another connection's lock up to [`BUSY_TIMEOUT`] in short steps.
/// SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25 … 100 ms between tries: the platform
/// file's writes (a grant's rate and usage counters, sessions, audit) each hold its lock for well
/// under a millisecond (one fsync), so those sleeps were most of a sharing API page's p99 at 32
/// consumers (measured at 15 M students: one sleep per page, 2 ms on average, p99 139 ms). Here
/// the first tries come 0.1 ms apart, then 1 ms apart.
pub fn wait_when_busy(conn: &mut Connection) -> rusqlite::Result<()> {
    fn retry(tries: i32) -> bool {
        const FAST: i32 = 20;
        let waited_ms = if tries < FAST { tries / 10 } else { FAST / 10 + (tries - FAST) };
        if waited_ms as u128 >= BUSY_TIMEOUT.as_millis() {
            return false;
        }
        std::thread::sleep(if tries < FAST { Duration::from_micros(100) } else { Duration::from_millis(1) });
        true
    }
    conn.busy_handler(Some(retry))
}

/// The base databases in one SQLite file.
pub struct SqliteStore {
    /// Empty while an import batch's writer thread holds it.
    conn: Option<Connection>,
    /// Accounts, sessions, tokens and the audit log, in their own file (see
    /// `platform/0001_accounts_audit.sql` for why).
    platform: Connection,
    /// Sites, check history and alerts, in a third file (see `monitor/0001_monitor.sql`).
    monitor: Connection,
    path: Option<PathBuf>,
    buffer_rows: usize,
    /// The audit chain's keys and head file ([`store::AuditLog::set_audit_chain`]).
    audit_chain: Option<std::sync::Arc<store::AuditChain>>,
}

/// Maps a SQLite error: busy/locked → [`StoreError::Locked`], cannot open/not a database →
/// [`StoreError::Unavailable`], a violated constraint → [`StoreError::Conflict`], else Internal.
pub(crate) fn map_err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return StoreError::Locked(format!(
                    "another process is writing to the database ({e})"
                ))
            }
            ErrorCode::CannotOpen | ErrorCode::NotADatabase | ErrorCode::PermissionDenied => {
                return StoreError::Unavailable(e.to_string())
            }
            ErrorCode::ConstraintViolation => {
                return StoreError::Conflict(format!("数据冲突（constraint violated）：{e}"))
            }
            _ => {}
        }
    }
    StoreError::Internal(e.to_string())
}

/// The columns `summary_from_row` reads, in order.
pub(crate) const BATCH_COLUMNS: &str =
    "id, entity, file_name, file_hash, user_name, started_at, COALESCE(finished_at, ''), \
     rows_read, inserted, updated, unchanged, rejected, report_json";

pub(crate) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<BatchSummary> {
    let entity: String = r.get(1)?;
    Ok(BatchSummary {
        id: r.get(0)?,
        entity: entity_of(&entity)?,
        file_name: r.get(2)?,
        file_hash: r.get(3)?,
        user: r.get(4)?,
        started_at: r.get(5)?,
        finished_at: r.get(6)?,
        rows_read: r.get::<_, i64>(7)? as u64,
        inserted: r.get::<_, i64>(8)? as u64,
        updated: r.get::<_, i64>(9)? as u64,
        unchanged: r.get::<_, i64>(10)? as u64,
        rejected: r.get::<_, i64>(11)? as u64,
        report_json: r.get(12)?,
    })
}

fn entity_of(s: &str) -> rusqlite::Result<Entity> {
    Entity::parse(s).ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(0, format!("entity {s}"), rusqlite::types::Type::Text)
    })
}

/// The student browse indexes (migrations 0002 and 0004: by name, by school, by grade and by last
/// change, each of the last two with and without the county in front), also made on every open
/// when missing: a process that stopped between a first import's commit and their rebuild leaves
/// them out.
pub(crate) const BROWSE_STUDENT_INDEXES: &str = "CREATE INDEX IF NOT EXISTS students_name ON students (name); \
     CREATE INDEX IF NOT EXISTS enrolments_school ON enrolments (school_code); \
     CREATE INDEX IF NOT EXISTS enrolments_county_grade ON enrolments (county_code, grade); \
     CREATE INDEX IF NOT EXISTS enrolments_grade ON enrolments (grade); \
     CREATE INDEX IF NOT EXISTS enrolments_county_batch ON enrolments (county_code, batch_id); \
     CREATE INDEX IF NOT EXISTS enrolments_batch ON enrolments (batch_id);";

/// The same indexes dropped for a first import of students (see `begin_import`).
const DROP_BROWSE_STUDENT_INDEXES: &str = "DROP INDEX IF EXISTS students_name; DROP INDEX IF EXISTS enrolments_school; \
     DROP INDEX IF EXISTS enrolments_county_grade; DROP INDEX IF EXISTS enrolments_grade; \
     DROP INDEX IF EXISTS enrolments_county_batch; DROP INDEX IF EXISTS enrolments_batch;";

/// The platform file beside a base file: `tianfu.db` → `tianfu.platform.db`.
pub fn platform_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("tianfu");
    path.with_file_name(format!("{stem}.platform.db"))
}

/// The monitor file beside a base file: `tianfu.db` → `tianfu.monitor.db`.
pub fn monitor_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("tianfu");
    path.with_file_name(format!("{stem}.monitor.db"))
}

/// Students of a region up to this many are exported through `enrolments_county` and a sort;
/// beyond, by walking the key index (no sort of millions of rows in memory).
const EXPORT_SORT_LIMIT: u64 = 300_000;

pub use store::region_range;

/// A missing database file is created empty and readable by its owner only (0600): it holds
/// minors' records. SQLite gives its `-wal` and `-shm` files the same mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A new file readable by its owner only; an existing file is an error (a backup or a restore
/// never writes over a file it did not make).
pub(crate) fn create_new_private(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map(|_| ())
}

impl SqliteStore {
    /// Opens (creating when missing, with its folder) and migrates the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let (ppath, mpath) = (platform_path(path), monitor_path(path));
        for p in [path, ppath.as_path(), mpath.as_path()] {
            create_private(p).map_err(|e| StoreError::Unavailable(format!("{}: {e}", p.display())))?;
        }
        let conn = Connection::open(path)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", path.display())))?;
        let platform = Connection::open(&ppath)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", ppath.display())))?;
        let monitor = Connection::open(&mpath)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", mpath.display())))?;
        Self::setup(conn, platform, monitor, Some(path.to_path_buf())).map_err(|e| match e {
            StoreError::Unavailable(s) => {
                StoreError::Unavailable(format!("{}: {s}", path.display()))
            }
            other => other,
        })
    }

    /// A private in-memory database, migrated (for tests and quick checks).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let conn =
            Connection::open_in_memory().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let platform =
            Connection::open_in_memory().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let monitor =
            Connection::open_in_memory().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Self::setup(conn, platform, monitor, None)
    }

    fn setup(mut conn: Connection, mut platform: Connection, mut monitor: Connection, path: Option<PathBuf>) -> Result<SqliteStore, StoreError> {
        for (c, list) in [(&mut platform, migrate::PLATFORM_MIGRATIONS), (&mut monitor, migrate::MONITOR_MIGRATIONS)] {
            wait_when_busy(c).map_err(map_err)?;
            c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
                .map_err(map_err)?;
            c.set_prepared_statement_cache_capacity(32);
            migrate::migrate_with(c, list)?;
        }
        // An audit entry's commit must be durable before the head checkpoint outside the file
        // records it (store::audit::chain): WAL with NORMAL may lose the last commits on power
        // loss, which would then read as deleted entries.
        platform.execute_batch("PRAGMA synchronous = FULL;").map_err(map_err)?;
        wait_when_busy(&mut conn).map_err(map_err)?;
        // Only takes effect while the file is new (before its first table); existing files keep
        // theirs. Larger pages make the big b-trees shallower and an import's writes cheaper
        // (1 M students: about 8 % faster than 4 KiB pages).
        conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))
            .map_err(map_err)?;
        // Reading the journal mode is the first read of the file: "not a database" shows here.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(map_err)?;
        if path.is_some() && !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "cannot switch the database to WAL (journal mode {mode})"
            )));
        }
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA journal_size_limit = 67108864;",
        )
        .map_err(map_err)?;
        conn.execute_batch(&format!("PRAGMA cache_size = -{CACHE_KIB}"))
            .map_err(map_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        // The query planner stability guarantee: a plan does not depend on the values bound to
        // it. Without it SQLite (3.54) marks statements whose plan could use a bound value (a
        // bound LIMIT, a column compared with a parameter) to be re-prepared whenever that
        // parameter is bound again: a cached browse statement was parsed and planned anew at
        // every use (12% of an API page's CPU). Our queries' plans come from their indexes and
        // literal limits, not from parameter values (there are no sqlite_stat tables to use).
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(map_err)?;
        migrate::migrate(&conn)?;
        conn.execute_batch(BROWSE_STUDENT_INDEXES).map_err(map_err)?;
        Ok(SqliteStore {
            conn: Some(conn),
            platform,
            monitor,
            path,
            buffer_rows: batch::PENDING_ROWS,
            audit_chain: None,
        })
    }

    /// How many records an import batch buffers before writing them in key order (tests use a
    /// small number to cross buffer boundaries).
    #[doc(hidden)]
    pub fn set_import_buffer_rows(&mut self, rows: usize) {
        self.buffer_rows = rows;
    }

    /// The file, or None in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Sets the page cache of this connection (KiB). The web server keeps several connections
    /// open and gives each a smaller cache than a command-line import needs.
    pub fn set_cache_kib(&self, kib: u32) -> Result<(), StoreError> {
        self.conn().execute_batch(&format!("PRAGMA cache_size = -{kib}")).map_err(map_err)
    }

    /// The platform file's connection (accounts, audit), for tests and maintenance.
    pub fn platform_connection(&self) -> &Connection {
        &self.platform
    }

    /// The monitor file's connection, for tests and maintenance.
    pub fn monitor_connection(&self) -> &Connection {
        &self.monitor
    }

    /// The applied schema version.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrate::current_version(self.conn()).map_err(map_err)
    }

    /// The connection, for tests and maintenance (e.g. `VACUUM`, `PRAGMA integrity_check`).
    pub fn connection(&self) -> &Connection {
        self.conn()
    }

    /// The connection (back from the import's writer thread whenever no batch is open).
    fn conn(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("the connection is lost: an import's writer thread panicked")
    }

    fn count(&self, sql: &str) -> Result<u64, StoreError> {
        self.conn()
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(map_err)
    }

    /// Rows and the wrapping sum of `row_hash` (computed in halves so SQLite's sum cannot overflow).
    fn count_and_digest(&self, table: &str) -> Result<(u64, i64), StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT COUNT(*), COALESCE(SUM(row_hash & 4294967295), 0), COALESCE(SUM(row_hash >> 32), 0) FROM {table}"),
                [],
                |r| {
                    let (n, lo, hi): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                    Ok((n as u64, lo.wrapping_add(hi.wrapping_shl(32))))
                },
            )
            .map_err(map_err)
    }
}

pub(crate) fn row_values(r: &Row<'_>, n: usize, out: &mut Vec<String>) -> rusqlite::Result<()> {
    out.resize(n, String::new());
    for (i, v) in out.iter_mut().enumerate() {
        v.clear();
        v.push_str(r.get_ref(i)?.as_str()?);
    }
    Ok(())
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn begin_import<'a>(
        &'a mut self,
        meta: &BatchMeta,
    ) -> Result<Box<dyn ImportBatch + 'a>, StoreError> {
        let conn = self.conn();
        conn.execute_batch("BEGIN IMMEDIATE").map_err(map_err)?;
        if let Err(e) = conn.execute_batch(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}")) {
            let _ = conn.execute_batch("ROLLBACK");
            let _ = conn.execute_batch(&format!("PRAGMA cache_size = -{CACHE_KIB}"));
            return Err(map_err(e));
        }
        // A first import of students into an empty table: the browse indexes (by name, by school,
        // by grade, by last change) would take a random B-tree insert per student (the four of
        // grade and change made an enrolment's insert ≈ 3.5× dearer, docs/benchmarks.md); dropped here, inside the transaction
        // (a rolled-back batch restores them), and built once after the commit. Measured at 1 M
        // students: 88 k rows/s with them maintained row by row.
        let mut rebuild = false;
        if meta.entity == Entity::Student {
            let empty: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM students)", [], |r| r.get(0)).map_err(map_err)?;
            if empty {
                conn.execute_batch(DROP_BROWSE_STUDENT_INDEXES).map_err(map_err)?;
                rebuild = true;
            }
        }
        let mut b = batch::Batch::begin(&mut self.conn, meta, self.buffer_rows)?;
        b.rebuild_browse = rebuild;
        Ok(Box::new(b))
    }

    fn find_batch_by_hash(
        &mut self,
        entity: Entity,
        file_hash: &str,
    ) -> Result<Option<BatchSummary>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {BATCH_COLUMNS} FROM batches WHERE entity = ?1 AND file_hash = ?2 AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
            ))
            .and_then(|mut st| st.query_row(params![entity.key(), file_hash], summary_from_row).optional())
            .map_err(map_err)
    }

    fn school_codes(&mut self) -> Result<HashSet<u64>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT school_code FROM schools")
            .map_err(map_err)?;
        let mut rows = st.query([]).map_err(map_err)?;
        let mut out = HashSet::new();
        while let Some(r) = rows.next().map_err(map_err)? {
            if let Some(n) = batch::digits(
                r.get_ref(0)
                    .map_err(map_err)?
                    .as_str()
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
            ) {
                out.insert(n);
            }
        }
        Ok(out)
    }

    fn list_batches(&mut self, limit: usize) -> Result<Vec<BatchSummary>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached(&format!("SELECT {BATCH_COLUMNS} FROM batches WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT ?1"))
            .map_err(map_err)?;
        let rows = st
            .query_map([limit.min(i64::MAX as usize) as i64], summary_from_row)
            .map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn get_batch(&mut self, id: BatchId) -> Result<Option<BatchSummary>, StoreError> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?1 AND finished_at IS NOT NULL"
            ))
            .and_then(|mut st| st.query_row([id], summary_from_row).optional())
            .map_err(map_err)
    }

    fn rejected_rows(
        &mut self,
        id: BatchId,
        f: &mut dyn FnMut(RejectedRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut st = self
            .conn()
            .prepare_cached(
                "SELECT line, raw_json, codes FROM rejected_rows WHERE batch_id = ?1 ORDER BY line",
            )
            .map_err(map_err)?;
        let mut rows = st.query([id]).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            let line: i64 = r.get(0).map_err(map_err)?;
            let raw: String = r.get(1).map_err(map_err)?;
            let codes: String = r.get(2).map_err(map_err)?;
            f(RejectedRow::from_stored(id, line as u64, &raw, &codes)?)?;
        }
        Ok(())
    }

    fn export(
        &mut self,
        entity: Entity,
        filter: &RecordFilter,
        f: &mut dyn FnMut(&[String]) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let l = Layout::of(entity);
        let mut wh: Vec<String> = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut from = l.from.clone();
        if let Some(code) = filter.region {
            let (lo, hi) = region_range(code);
            match entity {
                Entity::School => wh.push("s.region_code BETWEEN ?A AND ?B".into()),
                Entity::Teacher | Entity::Conditions => {
                    from.push_str(" JOIN schools sc ON sc.school_code = s.school_code");
                    wh.push("sc.region_code BETWEEN ?A AND ?B".into());
                }
                Entity::Student => {
                    // A region's students in key order: a few hundred thousand are found by
                    // `enrolments_county` and sorted; more (a big city, the province) are read
                    // by walking the key index, filtering as they come, so that no export
                    // sorts millions of rows in memory. The aggregate tells how many there are.
                    let in_region: i64 = self
                        .conn()
                        .query_row(
                            "SELECT COALESCE(SUM(students), 0) FROM student_counts WHERE county_code BETWEEN ?1 AND ?2",
                            params![lo, hi],
                            |r| r.get(0),
                        )
                        .map_err(map_err)?;
                    if filter.school.is_none() && in_region as u64 > EXPORT_SORT_LIMIT {
                        from = "students s CROSS JOIN enrolments e ON e.student_id = s.id".into();
                        wh.push("+e.county_code BETWEEN ?A AND ?B".into());
                    } else {
                        wh.push("e.county_code BETWEEN ?A AND ?B".into());
                    }
                }
            }
            if entity == Entity::Student {
                args.push((lo as i64).into());
                args.push((hi as i64).into());
            } else {
                args.push(format!("{lo:06}").into());
                args.push(format!("{hi:06}").into());
            }
        }
        if let Some(school) = &filter.school {
            if entity == Entity::Student {
                // `enrolments_county` finds the school's county; the code filters within it.
                let county: Option<Option<i64>> = self
                    .conn()
                    .query_row(
                        "SELECT CAST(region_code AS INTEGER) FROM schools WHERE school_code = ?1",
                        [school],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(map_err)?;
                let Some(Some(county)) = county else {
                    return Ok(0);
                };
                wh.push("e.county_code = ?D AND e.school_code = ?C".into());
                args.push(school.clone().into());
                args.push(county.into());
            } else {
                wh.push("s.school_code = ?C".into());
                args.push(school.clone().into());
            }
        }
        // Numbered parameters in order of appearance.
        let mut sql = format!("SELECT {} FROM {from}", l.select);
        if !wh.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&wh.join(" AND "));
        }
        let mut n = 0;
        for m in ["?A", "?B", "?C", "?D"] {
            if sql.contains(m) {
                n += 1;
                sql = sql.replace(m, &format!("?{n}"));
            }
        }
        sql.push_str(&format!(" ORDER BY s.{}", l.key_col));
        let mut st = self.conn().prepare(&sql).map_err(map_err)?;
        let mut rows = st
            .query(rusqlite::params_from_iter(args))
            .map_err(map_err)?;
        let width = l.width();
        let mut buf: Vec<String> = Vec::with_capacity(width);
        let mut count = 0u64;
        while let Some(r) = rows.next().map_err(map_err)? {
            row_values(r, width, &mut buf).map_err(map_err)?;
            f(&buf)?;
            count += 1;
        }
        Ok(count)
    }

    fn log_export(&mut self, entry: &ExportEntry) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO exports (user_name, at, entity, filter, format, rows, masked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    entry.user,
                    store::time::now_rfc3339(),
                    entry.entity.key(),
                    entry.filter,
                    entry.format,
                    entry.rows as i64,
                    entry.masked
                ],
            )
            .map(|_| ())
            .map_err(map_err)
    }

    fn export_log(&mut self, limit: usize) -> Result<Vec<ExportEntry>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT user_name, at, entity, filter, format, rows, masked FROM exports ORDER BY id DESC LIMIT ?1")
            .map_err(map_err)?;
        let rows = st
            .query_map([limit.min(i64::MAX as usize) as i64], |r| {
                let entity: String = r.get(2)?;
                Ok(ExportEntry {
                    user: r.get(0)?,
                    at: r.get(1)?,
                    entity: entity_of(&entity)?,
                    filter: r.get(3)?,
                    format: r.get(4)?,
                    rows: r.get::<_, i64>(5)? as u64,
                    masked: r.get(6)?,
                })
            })
            .map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn get_record(&mut self, entity: Entity, key: &str) -> Result<Option<Vec<String>>, StoreError> {
        let l = Layout::of(entity);
        let mut st = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {} FROM {} WHERE s.{} = ?1",
                l.select, l.from, l.key_col
            ))
            .map_err(map_err)?;
        st.query_row([key], |r| {
            let mut v = Vec::new();
            row_values(r, l.width(), &mut v)?;
            Ok(v)
        })
        .optional()
        .map_err(map_err)
    }

    fn changes(&mut self, entity: Entity, key: &str) -> Result<Vec<Change>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT batch_id, field, old_value, new_value FROM change_log WHERE record_key = ?1 AND entity = ?2 ORDER BY id")
            .map_err(map_err)?;
        let rows = st
            .query_map(params![key, entity.key()], |r| {
                Ok(Change {
                    batch_id: r.get(0)?,
                    entity,
                    record_key: key.to_string(),
                    field: r.get(1)?,
                    old_value: r.get(2)?,
                    new_value: r.get(3)?,
                })
            })
            .map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn transfers(&mut self, student_key: &str) -> Result<Vec<Transfer>, StoreError> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT batch_id, from_school, to_school, transfer_date FROM transfers WHERE student_key = ?1 ORDER BY id")
            .map_err(map_err)?;
        let rows = st
            .query_map([student_key], |r| {
                Ok(Transfer {
                    batch_id: r.get(0)?,
                    student_key: student_key.to_string(),
                    from_school: r.get(1)?,
                    to_school: r.get(2)?,
                    date: r.get(3)?,
                })
            })
            .map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn student_counts(&mut self, region: Option<u32>) -> Result<Vec<CountyGrade>, StoreError> {
        let (lo, hi) = region.map(region_range).unwrap_or((0, u32::MAX));
        let mut st = self
            .conn()
            .prepare_cached(
                "SELECT county_code, grade, students FROM student_counts WHERE county_code BETWEEN ?1 AND ?2 ORDER BY county_code, grade",
            )
            .map_err(map_err)?;
        let rows = st
            .query_map(params![lo, hi], |r| {
                Ok(CountyGrade {
                    county: r.get(0)?,
                    grade: r.get(1)?,
                    students: r.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn city_counts(&mut self) -> Result<Vec<CityCounts>, StoreError> {
        Ok(store::Browse::region_figures(self, &store::Scope::all(), store::OrgLevel::City)?.into_iter().map(CityCounts::from).collect())
    }

    fn table_counts(&mut self) -> Result<TableCounts, StoreError> {
        let (schools, d1) = self.count_and_digest("schools")?;
        let (teachers, d2) = self.count_and_digest("teachers")?;
        let (students, d3) = self.count_and_digest("students")?;
        Ok(TableCounts {
            schools,
            teachers,
            students,
            enrolments: self.count("SELECT COUNT(*) FROM enrolments")?,
            batches: self.count("SELECT COUNT(*) FROM batches WHERE finished_at IS NOT NULL")?,
            rejected_rows: self.count("SELECT COUNT(*) FROM rejected_rows")?,
            changes: self.count("SELECT COUNT(*) FROM change_log")?,
            transfers: self.count("SELECT COUNT(*) FROM transfers")?,
            exports: self.count("SELECT COUNT(*) FROM exports")?,
            content_digest: d1.wrapping_add(d2).wrapping_add(d3),
        })
    }
}
