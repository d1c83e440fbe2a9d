//! One import batch: a `BEGIN IMMEDIATE` transaction with its statements prepared once, applied
//! by a writer thread that holds the connection for the batch's lifetime (see [`Batch`]), so that
//! SQLite's work overlaps the caller's (reading, validating, handing records over).
//!
//! Per record, on the caller's thread: the natural key, the school's county and the row hash,
//! then a copy into a buffer that is sorted by key when full. On the writer thread: either an
//! insert (tried first while the batch is inserting, so a load into an empty table costs one
//! index probe per row), or a look-up of the stored hash (tried first while rows are found, so
//! an unchanged re-import writes nothing), and for a changed hash the stored values, a
//! `change_log` row per changed field and the update. Student counts per (county, grade) are
//! summed in memory and applied at commit.

use crate::layout::Layout;
use crate::{map_err, summary_from_row, BATCH_COLUMNS, CACHE_KIB};
use rusqlite::{params, Connection, OptionalExtension, Statement};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use store::{BatchId, BatchMeta, BatchSummary, Entity, FileColumns, ImportBatch, Place, Scope, StoreError, OUT_OF_SCOPE};

/// What a batch knows of the stored schools: 学校标识码 → the county of its region, if it has one.
type SchoolMap = HashMap<u64, Option<u32>>;

/// Records are buffered and applied in (about) key order: consecutive keys fall on the same
/// index pages, where keys in file order would each visit another page. Only records with the
/// same key must keep their file order, and they do (ties are broken by arrival).
#[derive(Default)]
struct Pending {
    /// Each record's key then its values, record after record.
    text: String,
    /// Value ranges in `text`, `width` per record.
    ranges: Vec<(u32, u32)>,
    rows: Vec<PendingRow>,
    width: usize,
    /// Records that fill the buffer (`PENDING_ROWS` unless a test says otherwise).
    max_rows: usize,
    /// Rejected rows received since the previous buffer.
    rejects: Vec<Reject>,
}

struct PendingRow {
    /// The key's range in `text`; the record's values follow it up to `end`.
    key: (u32, u32),
    end: u32,
    line: u64,
    county: Option<u32>,
    hash: i64,
}

/// At most this many records wait...
pub(crate) const PENDING_ROWS: usize = 131_072;
/// ...or this many bytes of values.
const PENDING_BYTES: usize = 32 << 20;
/// Rejected rows are sent to the writer by this many.
const PENDING_REJECTS: usize = 4096;

impl Pending {
    fn new(max_rows: usize) -> Pending {
        Pending {
            max_rows,
            ..Pending::default()
        }
    }

    fn push(&mut self, key: &str, line: u64, county: Option<u32>, hash: i64, values: &[&str]) {
        self.width = values.len();
        let start = self.text.len() as u32;
        self.text.push_str(key);
        let key = (start, self.text.len() as u32);
        for v in values {
            let a = self.text.len() as u32;
            self.text.push_str(v);
            self.ranges.push((a, self.text.len() as u32));
        }
        self.rows.push(PendingRow {
            key,
            end: self.text.len() as u32,
            line,
            county,
            hash,
        });
    }

    fn is_full(&self) -> bool {
        self.rows.len() >= self.max_rows || self.text.len() >= PENDING_BYTES
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn text(&self, (a, z): (u32, u32)) -> &str {
        &self.text[a as usize..z as usize]
    }

    fn row(&self, i: usize) -> &PendingRow {
        &self.rows[i]
    }

    /// Row `i`'s values.
    fn values(&self, i: usize) -> impl Iterator<Item = &str> + '_ {
        self.ranges[i * self.width..(i + 1) * self.width]
            .iter()
            .map(|&r| self.text(r))
    }

    /// Copies the records into `out` in key order (by their first 24 bytes, then arrival).
    /// Sorting small fixed-size keys and copying each record once, in one tight loop, costs far
    /// less than visiting the records in key order one by one while writing them.
    fn sort_into(&self, out: &mut Pending) {
        let mut order: Vec<(u128, u64, u32)> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let k = &self.text.as_bytes()[r.key.0 as usize..r.key.1 as usize];
                let mut b = [0u8; 24];
                let n = k.len().min(24);
                b[..n].copy_from_slice(&k[..n]);
                let (hi, lo) = b.split_at(16);
                (
                    u128::from_be_bytes(hi.try_into().expect("16 bytes")),
                    u64::from_be_bytes(lo.try_into().expect("8 bytes")),
                    i as u32,
                )
            })
            .collect();
        order.sort_unstable();
        out.clear();
        out.width = self.width;
        out.text.reserve(self.text.len());
        out.ranges.reserve(self.ranges.len());
        out.rows.reserve(self.rows.len());
        for &(_, _, i) in &order {
            let r = &self.rows[i as usize];
            let shift = out.text.len() as i64 - r.key.0 as i64;
            let moved = |(a, z): (u32, u32)| ((a as i64 + shift) as u32, (z as i64 + shift) as u32);
            out.text
                .push_str(&self.text[r.key.0 as usize..r.end as usize]);
            let i = i as usize;
            out.ranges.extend(
                self.ranges[i * self.width..(i + 1) * self.width]
                    .iter()
                    .map(|&x| moved(x)),
            );
            out.rows.push(PendingRow {
                key: moved(r.key),
                end: moved((r.end, r.end)).0,
                line: r.line,
                county: r.county,
                hash: r.hash,
            });
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ranges.clear();
        self.rows.clear();
        self.rejects.clear();
    }
}

/// Template indices the hot path needs.
struct Idx {
    id_type: usize,
    id_number: usize,
    student_id: usize,
    school_code: usize,
    grade: usize,
    region_code: usize,
    name: usize,
    school_year: usize,
}

impl Idx {
    fn of(entity: Entity) -> Idx {
        let t = entity.template();
        let i = |k: &str| t.index(k).unwrap_or(usize::MAX);
        Idx {
            id_type: i("id_type"),
            id_number: i("id_number"),
            student_id: i("student_id"),
            school_code: i("school_code"),
            grade: i("grade"),
            region_code: i("region_code"),
            name: i("name"),
            school_year: i("school_year"),
        }
    }
}

/// A number made of ASCII digits only (学校标识码, division codes).
pub(crate) fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    s.bytes().try_fold(0u64, |a, b| {
        b.is_ascii_digit().then(|| a * 10 + (b - b'0') as u64)
    })
}

/// Grade code as stored in `student_counts`: 0 when the record gives none.
fn grade_num(s: &str) -> u8 {
    digits(s)
        .filter(|&g| g <= 255)
        .map(|g| g as u8)
        .unwrap_or(0)
}

/// `store::keys::record_key`, borrowing the value where the key is one (the unit tests check
/// that both agree).
fn record_key<'v>(entity: Entity, ix: &Idx, values: &[&'v str]) -> Option<Cow<'v, str>> {
    match entity {
        Entity::School => Some(values[ix.school_code])
            .filter(|k| !k.is_empty())
            .map(Cow::Borrowed),
        Entity::Teacher => {
            let (ty, n) = (values[ix.id_type], values[ix.id_number]);
            if n.is_empty() {
                None
            } else if ty.is_empty() || ty == "1" {
                Some(Cow::Borrowed(n))
            } else {
                Some(Cow::Owned(format!("{ty}:{n}")))
            }
        }
        Entity::Student => {
            let (ty, n) = (values[ix.id_type], values[ix.id_number]);
            if (ty.is_empty() || ty == "1") && !n.is_empty() {
                Some(Cow::Borrowed(n))
            } else {
                Some(values[ix.student_id])
                    .filter(|k| !k.is_empty())
                    .map(Cow::Borrowed)
            }
        }
        Entity::Conditions => store::keys::conditions_key(values[ix.school_code], values[ix.school_year]).map(Cow::Owned),
    }
}

/// A rejected row, written by the writer with the next buffer.
struct Reject {
    line: u64,
    json: String,
    codes: String,
}

/// What the batch hands its writer thread.
enum Msg {
    /// A filled buffer to apply (and its rejected rows to write).
    Rows(Pending),
    /// The file's column layout, for rows the writer rejects.
    Columns(FileColumns),
    /// Everything was sent: answer how many records the writer rejected as out of scope.
    Settle(SyncSender<u64>),
    /// Everything was sent: finish and commit.
    Commit { rows_read: u64, report_json: String },
}

/// What the writer thread gives back when it ends: the connection, and whether the batch was
/// committed (or why not).
type Joined = Option<(Connection, Result<(), StoreError>)>;

/// One import batch, as its caller sees it. The caller's thread only checks each record (its
/// key, its school) and copies it into a buffer; a full buffer goes, over a channel of one, to
/// the batch's writer thread, which owns the connection for the batch's lifetime, sorts the
/// buffer and applies it while the caller fills the next one. A write that fails stops the
/// writer; the error surfaces from the next `record` (or `commit`) with the failing line.
/// `commit` (or a drop, which rolls back) joins the writer and puts the connection back into
/// the store.
pub(crate) struct Batch<'a> {
    /// The store's connection slot: empty while the writer holds the connection.
    slot: &'a mut Option<Connection>,
    /// The student browse indexes were dropped at the start: build them after the commit.
    pub(crate) rebuild_browse: bool,
    id: BatchId,
    entity: Entity,
    idx: Idx,
    width: usize,
    schools: SchoolMap,
    /// The buffer being filled.
    pending: Pending,
    tx: Option<SyncSender<Msg>>,
    /// Applied buffers, back from the writer for reuse.
    spare: Receiver<Pending>,
    writer: Option<JoinHandle<Joined>>,
    /// Set by the writer when a write failed.
    writer_failed: Arc<AtomicBool>,
    /// The batch failed: it can only be rolled back.
    failed: bool,
    /// The writer's area (see `store::ImportBatch`).
    scope: Scope,
    columns: FileColumns,
    /// Records refused here for their new place.
    out_of_scope: u64,
    /// `settle` was called: no more records.
    settled: bool,
}

impl<'a> Batch<'a> {
    /// Opens the batch on the store's connection, inside the open `BEGIN IMMEDIATE`
    /// transaction; on an error, rolls it back and leaves the connection in `slot`.
    pub(crate) fn begin(
        slot: &'a mut Option<Connection>,
        meta: &BatchMeta,
        buffer_rows: usize,
    ) -> Result<Batch<'a>, StoreError> {
        let conn = slot.as_ref().expect("the store's connection");
        let started = (|| -> rusqlite::Result<(BatchId, String, SchoolMap)> {
            let started_at = store::time::now_rfc3339();
            conn.execute(
                "INSERT INTO batches (entity, file_name, file_hash, user_name, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![meta.entity.key(), meta.file_name, meta.file_hash, meta.user, started_at],
            )?;
            let id = conn.last_insert_rowid();
            let mut schools = SchoolMap::new();
            if meta.entity != Entity::School {
                let mut st = conn.prepare("SELECT school_code, region_code FROM schools")?;
                let mut rows = st.query([])?;
                while let Some(r) = rows.next()? {
                    if let Some(code) = digits(r.get_ref(0)?.as_str()?) {
                        schools.insert(code, digits(r.get_ref(1)?.as_str()?).map(|c| c as u32));
                    }
                }
            }
            Ok((id, started_at, schools))
        })();
        let (id, started_at, schools) = match started {
            Ok(x) => x,
            Err(e) => {
                end_transaction(conn);
                return Err(map_err(e));
            }
        };
        let entity = meta.entity;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(1);
        let (spare_tx, spare) = std::sync::mpsc::channel::<Pending>();
        let (ready_tx, ready) = std::sync::mpsc::sync_channel::<Result<(), StoreError>>(1);
        // The connection follows once the thread runs, so that it stays with the store if the
        // thread cannot be started.
        let (conn_tx, conn_rx) = std::sync::mpsc::sync_channel::<Connection>(1);
        let writer_failed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&writer_failed);
        // Every stored record a batch touches is judged at its stored place too, unless the
        // writer may write everywhere (the operator's console).
        let stored_scope = (meta.scope != Scope::all()).then(|| meta.scope.clone());
        let spawned = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let conn = conn_rx.recv().ok()?;
                let result = write(&conn, entity, id, &started_at, stored_scope, &rx, &spare_tx, &ready_tx);
                if result.is_err() {
                    flag.store(true, Ordering::Release);
                }
                end_transaction(&conn);
                Some((conn, result))
            });
        let handle = match spawned {
            Ok(h) => h,
            Err(e) => {
                end_transaction(conn);
                return Err(StoreError::Internal(format!(
                    "cannot start the import's writer thread: {e}"
                )));
            }
        };
        if let Err(e) = conn_tx.send(slot.take().expect("the store's connection")) {
            *slot = Some(e.0);
            end_transaction(slot.as_ref().expect("the store's connection"));
            return Err(StoreError::Internal(
                "the import's writer thread ended".into(),
            ));
        }
        let mut batch = Batch {
            rebuild_browse: false,
            slot,
            id,
            entity,
            idx: Idx::of(entity),
            width: Layout::of(entity).width(),
            schools,
            pending: Pending::new(buffer_rows.max(1)),
            tx: Some(tx),
            spare,
            writer: Some(handle),
            writer_failed,
            failed: false,
            scope: meta.scope.clone(),
            columns: FileColumns::default(),
            out_of_scope: 0,
            settled: false,
        };
        match ready.recv() {
            Ok(Ok(())) => Ok(batch),
            // The writer could not prepare its statements (it rolled back and ended).
            Ok(Err(e)) => {
                batch.failed = true;
                batch.tx = None;
                let _ = batch.join();
                Err(e)
            }
            Err(_) => {
                batch.failed = true;
                batch.tx = None;
                Err(batch.join().err().unwrap_or_else(|| {
                    StoreError::Internal("the import's writer thread ended".into())
                }))
            }
        }
    }

    /// Waits for the writer to end and takes the connection back; the writer's outcome.
    fn join(&mut self) -> Result<(), StoreError> {
        let Some(h) = self.writer.take() else {
            return Ok(());
        };
        match h.join() {
            Ok(Some((conn, result))) => {
                *self.slot = Some(conn);
                result
            }
            Ok(None) => Err(StoreError::Internal(
                "the import's writer thread ended".into(),
            )),
            Err(panic) if !std::thread::panicking() => std::panic::resume_unwind(panic),
            Err(_) => Err(StoreError::Internal(
                "the import's writer thread panicked".into(),
            )),
        }
    }

    /// The writer stopped on an error: the batch fails with it.
    fn writer_error(&mut self) -> StoreError {
        self.failed = true;
        self.tx = None;
        match self.join() {
            Err(e) => e,
            Ok(()) => StoreError::Internal("the import's writer thread ended".into()),
        }
    }

    fn check_usable(&mut self) -> Result<(), StoreError> {
        if self.failed {
            return Err(StoreError::Internal(
                "an earlier write of this batch failed: it can only be rolled back".into(),
            ));
        }
        if self.writer_failed.load(Ordering::Acquire) {
            return Err(self.writer_error());
        }
        Ok(())
    }

    /// Sends the buffered records, in key order (in a buffer the writer gave back, if any), to
    /// the writer, and empties the buffer. Waits while the writer is busy with the records sent
    /// before.
    fn hand_over(&mut self) -> Result<(), StoreError> {
        let mut sorted = self.spare.try_recv().unwrap_or_default();
        self.pending.sort_into(&mut sorted);
        sorted.rejects.append(&mut self.pending.rejects);
        self.pending.clear();
        let tx = self.tx.as_ref().expect("an open batch has its writer");
        if tx.send(Msg::Rows(sorted)).is_err() {
            return Err(self.writer_error());
        }
        Ok(())
    }

    /// The county of the record's school (students, teachers): None without a school; an error
    /// for a school that is not stored.
    fn school_county(&self, line: u64, values: &[&str]) -> Result<Option<u32>, StoreError> {
        let code = values[self.idx.school_code];
        if code.is_empty() && self.entity == Entity::Student {
            return Ok(None);
        }
        match digits(code).and_then(|c| self.schools.get(&c)) {
            Some(county) => Ok(*county),
            None => Err(StoreError::Conflict(format!(
                "第 {line} 行：学校标识码 {code} 不在学校名录中，请先导入该学校（the {} refers to a school that is not stored）",
                self.entity
            ))),
        }
    }
}

/// Ends the transaction if it is still open (rolls it back) and goes back to the everyday page
/// cache (releases the import's pages).
fn end_transaction(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let _ = conn.execute_batch(&format!("PRAGMA cache_size = -{CACHE_KIB}"));
}

/// The writer thread: prepares the statements (telling `ready`), applies each buffer it
/// receives and gives it back, and commits when told; an error, or the batch dropped (the
/// channel closed), ends it without committing.
fn write(
    conn: &Connection,
    entity: Entity,
    id: BatchId,
    started_at: &str,
    scope: Option<Scope>,
    rx: &Receiver<Msg>,
    spare: &Sender<Pending>,
    ready: &SyncSender<Result<(), StoreError>>,
) -> Result<(), StoreError> {
    let mut w = match Writer::new(conn, entity, id, started_at, scope) {
        Ok(w) => {
            let _ = ready.send(Ok(()));
            w
        }
        Err(e) => {
            let e = map_err(e);
            let _ = ready.send(Err(StoreError::Internal(e.to_string())));
            return Err(e);
        }
    };
    loop {
        match rx.recv() {
            Ok(Msg::Rows(mut buf)) => {
                w.flush(&buf)?;
                w.write_rejects(&buf)?;
                buf.clear();
                let _ = spare.send(buf);
            }
            Ok(Msg::Columns(c)) => w.columns = c,
            Ok(Msg::Settle(answer)) => {
                let _ = answer.send(w.out_of_scope);
            }
            Ok(Msg::Commit {
                rows_read,
                report_json,
            }) => return w.commit(rows_read, &report_json),
            Err(_) => {
                return Err(StoreError::Internal(
                    "the batch was dropped without a commit".into(),
                ))
            }
        }
    }
}

/// The batch's writes, on the writer thread: its statements, prepared once, and what it counts.
struct Writer<'c> {
    conn: &'c Connection,
    id: BatchId,
    entity: Entity,
    layout: &'static Layout,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    /// Try the insert before the look-up (the previous record was new).
    insert_first: bool,
    idx: Idx,
    /// Student count changes per (county, grade), applied at commit.
    deltas: HashMap<(u32, u8), i64>,
    find: Statement<'c>,
    insert: Statement<'c>,
    update: Statement<'c>,
    old: Statement<'c>,
    change: Statement<'c>,
    reject: Statement<'c>,
    /// Students.
    enrol: Option<Statement<'c>>,
    /// Students: marks the enrolment with this batch when only the student's own fields changed
    /// (`enrolments.batch_id` is the batch that last changed the student, which the lists sort
    /// by time with: `enrolments_county_batch`, `enrolments_batch`).
    touch: Option<Statement<'c>>,
    transfer: Option<Statement<'c>>,
    /// Schools.
    org: Option<Statement<'c>>,
    /// The stored values of the record being updated (reused).
    old_vals: Vec<String>,
    /// The writer's area when stored records must be judged at their stored place, with the
    /// statement that finds a record with its place (rowid, hash, school, county).
    scope: Option<(Scope, Statement<'c>)>,
    columns: FileColumns,
    /// Records refused for their stored place.
    out_of_scope: u64,
    /// Schools whose facts this batch changed (a moved person's old and new school), recomputed
    /// at commit (`store::facts`).
    touched: std::collections::HashSet<String>,
}

impl<'c> Writer<'c> {
    fn new(
        conn: &'c Connection,
        entity: Entity,
        id: BatchId,
        started_at: &str,
        scope: Option<Scope>,
    ) -> rusqlite::Result<Writer<'c>> {
        let layout = Layout::of(entity);
        let scope = match scope {
            Some(sc) => Some((sc, conn.prepare(&layout.find_place_sql())?)),
            None => None,
        };
        let m = layout.main.len();
        let k = usize::from(layout.key_is_extra);
        let mut insert = conn.prepare(&layout.insert_sql())?;
        insert.raw_bind_parameter(k + m + 2, id)?;
        insert.raw_bind_parameter(k + m + 3, started_at)?;
        let mut update = conn.prepare(&layout.update_sql())?;
        update.raw_bind_parameter(m + 2, id)?;
        update.raw_bind_parameter(m + 3, started_at)?;
        let change = conn.prepare(
            "INSERT INTO change_log (batch_id, entity, record_key, field, old_value, new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut reject = conn.prepare(
            "INSERT INTO rejected_rows (batch_id, line, raw_json, codes) VALUES (?1, ?2, ?3, ?4)",
        )?;
        reject.raw_bind_parameter(1, id)?;
        let (mut enrol, mut touch, mut transfer, mut org) = (None, None, None, None);
        match entity {
            Entity::Student => {
                let mut e = conn.prepare(&layout.enrol_upsert_sql())?;
                e.raw_bind_parameter(layout.enrol.len() + 3, id)?;
                enrol = Some(e);
                let mut t = conn.prepare("UPDATE enrolments SET batch_id = ?2 WHERE student_id = ?1")?;
                t.raw_bind_parameter(2, id)?;
                touch = Some(t);
                let mut t = conn.prepare(
                    "INSERT INTO transfers (student_key, from_school, to_school, transfer_date, batch_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                t.raw_bind_parameter(4, &started_at[..10])?;
                t.raw_bind_parameter(5, id)?;
                transfer = Some(t);
            }
            Entity::School => {
                org = Some(conn.prepare(
                    "INSERT INTO org_units (code, name, level, parent_code) VALUES (?1, ?2, 'school', ?3) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = 'school', parent_code = excluded.parent_code",
                )?);
            }
            Entity::Teacher | Entity::Conditions => {}
        }
        Ok(Writer {
            conn,
            id,
            entity,
            layout,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            rejected: 0,
            insert_first: true,
            idx: Idx::of(entity),
            deltas: HashMap::new(),
            find: conn.prepare(&layout.find_sql())?,
            insert,
            update,
            old: conn.prepare(&layout.old_sql())?,
            change,
            reject,
            enrol,
            touch,
            transfer,
            org,
            old_vals: Vec::new(),
            scope,
            columns: FileColumns::default(),
            out_of_scope: 0,
            touched: std::collections::HashSet::new(),
        })
    }

    /// Applies a buffer's records (sorted by key by the caller's thread).
    fn flush(&mut self, sorted: &Pending) -> Result<(), StoreError> {
        let mut values: Vec<&str> = Vec::with_capacity(self.layout.width());
        for i in 0..sorted.len() {
            let r = sorted.row(i);
            values.clear();
            values.extend(sorted.values(i));
            self.apply(r.line, sorted.text(r.key), r.county, r.hash, &values)?;
        }
        Ok(())
    }

    fn write_rejects(&mut self, buf: &Pending) -> Result<(), StoreError> {
        let st = &mut self.reject;
        for r in &buf.rejects {
            st.raw_bind_parameter(2, r.line as i64).map_err(map_err)?;
            st.raw_bind_parameter(3, r.json.as_str()).map_err(map_err)?;
            st.raw_bind_parameter(4, r.codes.as_str())
                .map_err(map_err)?;
            st.raw_execute().map_err(map_err)?;
            self.rejected += 1;
        }
        Ok(())
    }

    /// Applies the student counts, completes the batch's row and commits.
    fn commit(&mut self, rows_read: u64, report_json: &str) -> Result<(), StoreError> {
        let conn = self.conn;
        let id = self.id;
        (|| -> rusqlite::Result<()> {
            let mut up = conn.prepare(
                "INSERT INTO student_counts (county_code, grade, students) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (county_code, grade) DO UPDATE SET students = students + excluded.students",
            )?;
            for (&(county, grade), &d) in &self.deltas {
                if d != 0 {
                    up.execute(params![county, grade, d])?;
                }
            }
            if !self.deltas.is_empty() {
                conn.execute("DELETE FROM student_counts WHERE students <= 0", [])?;
            }
            // The facts of the schools the batch touched, in the batch's transaction.
            crate::facts::recompute(conn, Some(&self.touched))?;

            conn.execute(
                "UPDATE batches SET finished_at = ?2, rows_read = ?3, inserted = ?4, updated = ?5, unchanged = ?6, rejected = ?7, \
                 report_json = ?8 WHERE id = ?1",
                params![
                    id,
                    store::time::now_rfc3339(),
                    rows_read as i64,
                    self.inserted as i64,
                    self.updated as i64,
                    self.unchanged as i64,
                    self.rejected as i64,
                    report_json
                ],
            )?;
            conn.execute_batch("COMMIT")
        })()
        .map_err(map_err)
    }

    fn find(&mut self, key: &str) -> rusqlite::Result<Option<(i64, i64)>> {
        self.find
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
    }

    /// Inserts the main row; false when the key is already stored.
    fn try_insert(&mut self, key: &str, values: &[&str], hash: i64) -> rusqlite::Result<bool> {
        let st = &mut self.insert;
        let mut p = 1;
        if self.layout.key_is_extra {
            st.raw_bind_parameter(1, key)?;
            p = 2;
        }
        for &i in &self.layout.main {
            st.raw_bind_parameter(p, values[i])?;
            p += 1;
        }
        st.raw_bind_parameter(p, hash)?;
        Ok(st.raw_execute()? == 1)
    }

    fn write_enrolment(
        &mut self,
        rowid: i64,
        county: Option<u32>,
        values: &[&str],
    ) -> rusqlite::Result<()> {
        let st = self.enrol.as_mut().expect("student batch");
        st.raw_bind_parameter(1, rowid)?;
        st.raw_bind_parameter(2, county)?;
        for (n, &i) in self.layout.enrol.iter().enumerate() {
            st.raw_bind_parameter(n + 3, values[i])?;
        }
        st.raw_execute()?;
        Ok(())
    }

    /// After the main row of a new record is inserted.
    fn inserted_extra(
        &mut self,
        line: u64,
        rowid: i64,
        county: Option<u32>,
        values: &[&str],
    ) -> Result<(), StoreError> {
        self.touch_school(values[self.idx.school_code]);
        match self.entity {
            Entity::Student => {
                self.write_enrolment(rowid, county, values)
                    .map_err(map_err)?;
                if let Some(c) = county {
                    *self
                        .deltas
                        .entry((c, grade_num(values[self.idx.grade])))
                        .or_insert(0) += 1;
                }
            }
            Entity::School => self.org_unit(line, values)?,
            Entity::Teacher | Entity::Conditions => {}
        }
        Ok(())
    }

    fn org_unit(&mut self, line: u64, values: &[&str]) -> Result<(), StoreError> {
        let code = values[self.idx.school_code];
        let Some(n) = digits(code) else {
            return Err(StoreError::Conflict(format!(
                "第 {line} 行：学校标识码 {code} 不是数字（a school code must be digits）"
            )));
        };
        let parent = digits(values[self.idx.region_code]);
        let st = self.org.as_mut().expect("school batch");
        st.execute(params![
            n as i64,
            values[self.idx.name],
            parent.map(|p| p as i64)
        ])
        .map_err(map_err)?;
        Ok(())
    }

    /// A stored record whose hash differs: log each changed field, then write.
    fn update(
        &mut self,
        key: &str,
        rowid: i64,
        county: Option<u32>,
        values: &[&str],
        hash: i64,
        line: u64,
    ) -> Result<(), StoreError> {
        let width = self.layout.width();
        let mut old_county: Option<i64> = None;
        {
            let old_vals = &mut self.old_vals;
            old_vals.resize(width, String::new());
            let student = self.entity == Entity::Student;
            self.old
                .query_row([rowid], |r| {
                    for (i, v) in old_vals.iter_mut().enumerate() {
                        v.clear();
                        v.push_str(r.get_ref(i)?.as_str()?);
                    }
                    if student {
                        old_county = r.get(width)?;
                    }
                    Ok(())
                })
                .map_err(map_err)?;
        }
        let sc = self.idx.school_code;
        let old_school = std::mem::take(&mut self.old_vals[sc]);
        self.touch_school(&old_school);
        self.old_vals[sc] = old_school;
        self.touch_school(values[sc]);
        let fields = self.entity.template().fields;
        for i in 0..width {
            if self.old_vals[i] != values[i] {
                self.change
                    .execute(params![
                        self.id,
                        self.entity.key(),
                        key,
                        fields[i].key,
                        self.old_vals[i],
                        values[i]
                    ])
                    .map_err(map_err)?;
            }
        }
        {
            let st = &mut self.update;
            let mut p = 1;
            for &i in &self.layout.main {
                st.raw_bind_parameter(p, values[i]).map_err(map_err)?;
                p += 1;
            }
            st.raw_bind_parameter(p, hash).map_err(map_err)?;
            st.raw_bind_parameter(p + 3, rowid).map_err(map_err)?;
            st.raw_execute().map_err(map_err)?;
        }
        match self.entity {
            Entity::Student => {
                let ix = &self.idx;
                let (sc, gr) = (ix.school_code, ix.grade);
                let enrol_changed = self
                    .layout
                    .enrol
                    .iter()
                    .any(|&i| self.old_vals[i] != values[i]);
                if enrol_changed || old_county.map(|c| c as u32) != county {
                    self.write_enrolment(rowid, county, values)
                        .map_err(map_err)?;
                } else {
                    let st = self.touch.as_mut().expect("student batch");
                    st.raw_bind_parameter(1, rowid).map_err(map_err)?;
                    st.raw_execute().map_err(map_err)?;
                }
                if self.old_vals[sc] != values[sc] {
                    let st = self.transfer.as_mut().expect("student batch");
                    st.raw_bind_parameter(1, key).map_err(map_err)?;
                    st.raw_bind_parameter(2, self.old_vals[sc].as_str())
                        .map_err(map_err)?;
                    st.raw_bind_parameter(3, values[sc]).map_err(map_err)?;
                    st.raw_execute().map_err(map_err)?;
                }
                let before = old_county.map(|c| (c as u32, grade_num(&self.old_vals[gr])));
                let after = county.map(|c| (c, grade_num(values[gr])));
                if before != after {
                    if let Some(b) = before {
                        *self.deltas.entry(b).or_insert(0) -= 1;
                    }
                    if let Some(a) = after {
                        *self.deltas.entry(a).or_insert(0) += 1;
                    }
                }
            }
            Entity::School => {
                let rc = self.idx.region_code;
                if self.old_vals[rc] != values[rc] {
                    self.school_moved(
                        values[self.idx.school_code],
                        &self.old_vals[rc].clone(),
                        values[rc],
                    )?;
                }
                self.org_unit(line, values)?;
            }
            Entity::Teacher | Entity::Conditions => {}
        }
        Ok(())
    }

    fn apply(
        &mut self,
        line: u64,
        key: &str,
        county: Option<u32>,
        hash: i64,
        values: &[&str],
    ) -> Result<(), StoreError> {
        if self.insert_first {
            if self.try_insert(key, values, hash).map_err(map_err)? {
                let rowid = self.conn.last_insert_rowid();
                self.inserted += 1;
                return self.inserted_extra(line, rowid, county, values);
            }
            self.insert_first = false;
        }
        if self.scope.is_some() {
            return self.apply_scoped(line, key, county, hash, values);
        }
        match self.find(key).map_err(map_err)? {
            None => {
                if !self.try_insert(key, values, hash).map_err(map_err)? {
                    return Err(StoreError::Internal(format!(
                        "line {line}: the insert of {key} found the key stored"
                    )));
                }
                let rowid = self.conn.last_insert_rowid();
                self.inserted += 1;
                self.insert_first = true;
                self.inserted_extra(line, rowid, county, values)
            }
            Some((_, stored)) if stored == hash => {
                self.unchanged += 1;
                Ok(())
            }
            Some((rowid, _)) => {
                self.updated += 1;
                self.update(key, rowid, county, values, hash, line)
            }
        }
    }

    /// [`Writer::apply`] for a writer who may not write everywhere: the stored record, if any,
    /// is found with its place and refused (kept as a rejected row) when the place lies outside
    /// the writer's area, whether or not the row would change it.
    fn apply_scoped(
        &mut self,
        line: u64,
        key: &str,
        county: Option<u32>,
        hash: i64,
        values: &[&str],
    ) -> Result<(), StoreError> {
        let (scope, find) = self.scope.as_mut().expect("a scoped writer");
        let found = find
            .query_row([key], |r| {
                let school: Option<String> = r.get(2)?;
                let county = r.get_ref(3)?;
                let county = match county {
                    rusqlite::types::ValueRef::Integer(n) => u32::try_from(n).ok(),
                    rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(digits).map(|c| c as u32),
                    _ => None,
                };
                let place_ok = scope.may_write(&Place { county, school: school.as_deref().filter(|s| !s.is_empty()) });
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, place_ok))
            })
            .optional()
            .map_err(map_err)?;
        match found {
            None => {
                if !self.try_insert(key, values, hash).map_err(map_err)? {
                    return Err(StoreError::Internal(format!("line {line}: the insert of {key} found the key stored")));
                }
                let rowid = self.conn.last_insert_rowid();
                self.inserted += 1;
                self.inserted_extra(line, rowid, county, values)
            }
            Some((_, _, false)) => {
                let raw = self.columns.raw(values);
                let json = serde_json::to_string(&raw).map_err(|e| StoreError::Internal(e.to_string()))?;
                let st = &mut self.reject;
                st.raw_bind_parameter(2, line as i64).map_err(map_err)?;
                st.raw_bind_parameter(3, json.as_str()).map_err(map_err)?;
                st.raw_bind_parameter(4, OUT_OF_SCOPE).map_err(map_err)?;
                st.raw_execute().map_err(map_err)?;
                self.rejected += 1;
                self.out_of_scope += 1;
                Ok(())
            }
            Some((_, stored, true)) if stored == hash => {
                self.unchanged += 1;
                Ok(())
            }
            Some((rowid, _, true)) => {
                self.updated += 1;
                self.update(key, rowid, county, values, hash, line)
            }
        }
    }

    fn touch_school(&mut self, code: &str) {
        if !code.is_empty() && !self.touched.contains(code) {
            self.touched.insert(code.to_string());
        }
    }

    /// A school's region changed: its students' enrolments follow, and so do the counts.
    fn school_moved(&mut self, school: &str, from: &str, to: &str) -> Result<(), StoreError> {
        let (from, to) = (digits(from).map(|c| c as u32), digits(to).map(|c| c as u32));
        // Enrolments carry the county the school had (`enrolments_county` finds them).
        let mut st = self
            .conn
            .prepare_cached("SELECT grade, COUNT(*) FROM enrolments WHERE county_code IS ?1 AND school_code = ?2 GROUP BY grade")
            .map_err(map_err)?;
        let mut rows = st.query(params![from, school]).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            let g = grade_num(r.get_ref(0).map_err(map_err)?.as_str().unwrap_or(""));
            let n: i64 = r.get(1).map_err(map_err)?;
            if let Some(f) = from {
                *self.deltas.entry((f, g)).or_insert(0) -= n;
            }
            if let Some(t) = to {
                *self.deltas.entry((t, g)).or_insert(0) += n;
            }
        }
        drop(rows);
        self.conn
            .execute(
                "UPDATE enrolments SET county_code = ?3 WHERE county_code IS ?1 AND school_code = ?2",
                params![from, school, to.map(i64::from)],
            )
            .map_err(map_err)?;
        Ok(())
    }
}

impl ImportBatch for Batch<'_> {
    fn columns(&mut self, columns: FileColumns) {
        self.columns = columns.clone();
        if let Some(tx) = &self.tx {
            // A closed channel surfaces as the writer's error at the next call.
            let _ = tx.send(Msg::Columns(columns));
        }
    }

    fn record(&mut self, line: u64, values: &[&str]) -> Result<(), StoreError> {
        self.check_usable()?;
        if self.settled {
            return Err(StoreError::Internal(format!("line {line}: a record after the batch was settled")));
        }
        let width = self.width;
        if values.len() != width {
            return Err(StoreError::Internal(format!(
                "line {line}: a {} record has {} values, the template {width}",
                self.entity,
                values.len()
            )));
        }
        let Some(key) = record_key(self.entity, &self.idx, values) else {
            return Err(StoreError::Conflict(match self.entity {
                Entity::Teacher => format!("第 {line} 行：教师记录没有身份证件号，无法确定是哪位教师，未入库（a teacher record needs a document number）"),
                Entity::Student => format!("第 {line} 行：学生记录没有身份证件号或学籍号，未入库（a student record needs an ID number or a 学籍号）"),
                Entity::School => format!("第 {line} 行：学校记录没有学校标识码，未入库（a school record needs its code）"),
                Entity::Conditions => format!("第 {line} 行：办学条件记录没有学校标识码或学年，未入库（a conditions record needs its school and school year）"),
            }));
        };
        let county = match self.entity {
            Entity::School => None,
            _ => self.school_county(line, values)?,
        };
        let place = match self.entity {
            Entity::School => Place::school_record(digits(values[self.idx.region_code]).map(|c| c as u32)),
            _ => Place::person(Some(values[self.idx.school_code]), county),
        };
        if !self.scope.may_write(&place) {
            self.out_of_scope += 1;
            let raw = self.columns.raw(values);
            return self.rejected(line, &raw, &[OUT_OF_SCOPE]);
        }
        let hash = store::keys::row_hash(values);
        self.pending.push(&key, line, county, hash, values);
        if self.pending.is_full() {
            self.hand_over()?;
        }
        Ok(())
    }

    fn rejected(&mut self, line: u64, raw: &[String], codes: &[&str]) -> Result<(), StoreError> {
        self.check_usable()?;
        let json = serde_json::to_string(raw).map_err(|e| StoreError::Internal(e.to_string()))?;
        self.pending.rejects.push(Reject {
            line,
            json,
            codes: store::RejectedRow::join_codes(codes),
        });
        if self.pending.rejects.len() >= PENDING_REJECTS {
            // Alone, so that the records' buffer fills as before.
            let mut buf = self.spare.try_recv().unwrap_or_default();
            buf.clear();
            buf.rejects.append(&mut self.pending.rejects);
            let tx = self.tx.as_ref().expect("an open batch has its writer");
            if tx.send(Msg::Rows(buf)).is_err() {
                return Err(self.writer_error());
            }
        }
        Ok(())
    }

    fn settle(&mut self) -> Result<u64, StoreError> {
        self.check_usable()?;
        self.hand_over()?;
        self.settled = true;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let sent = self.tx.as_ref().expect("an open batch has its writer").send(Msg::Settle(tx)).is_ok();
        match rx.recv() {
            Ok(n) if sent => Ok(self.out_of_scope + n),
            _ => Err(self.writer_error()),
        }
    }

    fn commit(
        mut self: Box<Self>,
        rows_read: u64,
        report_json: &str,
    ) -> Result<BatchSummary, StoreError> {
        self.check_usable()?;
        self.hand_over()?;
        let tx = self.tx.take().expect("an open batch has its writer");
        let sent = tx
            .send(Msg::Commit {
                rows_read,
                report_json: report_json.to_string(),
            })
            .is_ok();
        drop(tx);
        // The writer ends either way: committed, or rolled back on its error.
        let result = self.join();
        if result.is_err() || !sent {
            self.failed = true;
        }
        result?;
        let conn = self.slot.as_ref().expect("the connection is back");
        if self.entity == Entity::Student && self.rebuild_browse {
            // The browse indexes were dropped for this first import (see `begin_import`):
            // built once from the sorted data rather than by a million random inserts.
            conn.execute_batch(crate::BROWSE_STUDENT_INDEXES).map_err(map_err)?;
        }
        conn.query_row(
            &format!("SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?1"),
            [self.id],
            summary_from_row,
        )
        .map_err(map_err)
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        // The writer sees the channel closed, rolls back and ends.
        self.tx = None;
        let _ = self.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_grades() {
        assert_eq!(digits("2151040001"), Some(2151040001));
        assert_eq!(digits(""), None);
        assert_eq!(digits("51a"), None);
        assert_eq!(grade_num("13"), 13);
        assert_eq!(grade_num(""), 0);
    }

    #[test]
    fn keys_agree_with_the_store_crate() {
        let cases: &[(Entity, &[(&str, &str)])] = &[
            (Entity::School, &[("school_code", "2151040001")]),
            (Entity::School, &[]),
            (
                Entity::Teacher,
                &[("id_type", "1"), ("id_number", "11010519491231002X")],
            ),
            (
                Entity::Teacher,
                &[("id_type", ""), ("id_number", "11010519491231002X")],
            ),
            (
                Entity::Teacher,
                &[("id_type", "A"), ("id_number", "E1234567")],
            ),
            (Entity::Teacher, &[("id_type", "A")]),
            (
                Entity::Student,
                &[
                    ("student_id", "G11010519491231002X"),
                    ("id_type", "1"),
                    ("id_number", "11010519491231002X"),
                ],
            ),
            (
                Entity::Student,
                &[
                    ("student_id", "G11010519491231002X"),
                    ("id_number", "11010519491231002X"),
                ],
            ),
            (
                Entity::Student,
                &[
                    ("student_id", "J51010420100901123X"),
                    ("id_type", "A"),
                    ("id_number", "E1"),
                ],
            ),
            (
                Entity::Student,
                &[("student_id", "L5101042010090112"), ("id_type", "1")],
            ),
            (Entity::Student, &[]),
        ];
        for (entity, pairs) in cases {
            let t = entity.template();
            let mut v = vec![""; t.fields.len()];
            for (k, x) in pairs.iter() {
                v[t.index(k).unwrap()] = x;
            }
            let ours = record_key(*entity, &Idx::of(*entity), &v).map(|k| k.into_owned());
            assert_eq!(
                ours,
                store::keys::record_key(*entity, &v),
                "{entity} {pairs:?}"
            );
        }
    }
}
