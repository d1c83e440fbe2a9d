//! The shared store suite, plus what only the SQLite backend promises.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use store::{BatchMeta, Entity, Store, StoreError};
use store_sqlite::SqliteStore;

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "tianfu-sqlite-test-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store in a new file (the folder is created by `open`), kept alive with its folder.
struct FileStore {
    store: SqliteStore,
    _dir: TempDir,
}

/// Delegates to the store (the suite wants a `&mut dyn Store`).
impl Store for FileStore {
    fn backend(&self) -> &'static str {
        self.store.backend()
    }
    fn begin_import<'a>(
        &'a mut self,
        meta: &BatchMeta,
    ) -> Result<Box<dyn store::ImportBatch + 'a>, StoreError> {
        self.store.begin_import(meta)
    }
    fn find_batch_by_hash(
        &mut self,
        entity: Entity,
        file_hash: &str,
    ) -> Result<Option<store::BatchSummary>, StoreError> {
        self.store.find_batch_by_hash(entity, file_hash)
    }
    fn school_codes(&mut self) -> Result<std::collections::HashSet<u64>, StoreError> {
        self.store.school_codes()
    }
    fn list_batches(&mut self, limit: usize) -> Result<Vec<store::BatchSummary>, StoreError> {
        self.store.list_batches(limit)
    }
    fn get_batch(&mut self, id: store::BatchId) -> Result<Option<store::BatchSummary>, StoreError> {
        self.store.get_batch(id)
    }
    fn rejected_rows(
        &mut self,
        id: store::BatchId,
        f: &mut dyn FnMut(store::RejectedRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.store.rejected_rows(id, f)
    }
    fn export(
        &mut self,
        entity: Entity,
        filter: &store::RecordFilter,
        f: &mut dyn FnMut(&[String]) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        self.store.export(entity, filter, f)
    }
    fn log_export(&mut self, entry: &store::ExportEntry) -> Result<(), StoreError> {
        self.store.log_export(entry)
    }
    fn export_log(&mut self, limit: usize) -> Result<Vec<store::ExportEntry>, StoreError> {
        self.store.export_log(limit)
    }
    fn get_record(&mut self, entity: Entity, key: &str) -> Result<Option<Vec<String>>, StoreError> {
        self.store.get_record(entity, key)
    }
    fn changes(&mut self, entity: Entity, key: &str) -> Result<Vec<store::Change>, StoreError> {
        self.store.changes(entity, key)
    }
    fn transfers(&mut self, student_key: &str) -> Result<Vec<store::Transfer>, StoreError> {
        self.store.transfers(student_key)
    }
    fn student_counts(
        &mut self,
        region: Option<u32>,
    ) -> Result<Vec<store::CountyGrade>, StoreError> {
        self.store.student_counts(region)
    }
    fn city_counts(&mut self) -> Result<Vec<store::CityCounts>, StoreError> {
        self.store.city_counts()
    }
    fn table_counts(&mut self) -> Result<store::TableCounts, StoreError> {
        self.store.table_counts()
    }
}

fn fresh() -> FileStore {
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0.join("sub").join("tianfu.db")).expect("open");
    FileStore { store, _dir: dir }
}

store::store_suite!(fresh());

/// The same suite on an in-memory database.
mod in_memory {
    store::store_suite!(store_sqlite::SqliteStore::open_in_memory().expect("open in memory"));
}

fn meta(entity: Entity, hash: &str) -> BatchMeta {
    BatchMeta {
        entity,
        file_name: format!("{entity}.csv"),
        file_hash: hash.into(),
        user: "tester".into(),
        scope: store::Scope::all(),
    }
}

#[test]
fn migrations_are_idempotent() {
    let dir = TempDir::new();
    let path = dir.0.join("t.db");
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), store_sqlite::SCHEMA_VERSION);
    store::suite::import(
        &mut s,
        Entity::School,
        "h",
        &[store::suite::school("2151040001", "510104", "第一小学")],
    );
    drop(s);
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), store_sqlite::SCHEMA_VERSION);
    // Each migration recorded once (the numbers have gaps: branches reserve theirs).
    let (applied, distinct, newest): (i64, i64, i64) = s
        .connection()
        .query_row("SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_version", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!((applied, newest as u32), (distinct, store_sqlite::SCHEMA_VERSION));
    assert_eq!(
        s.table_counts().unwrap().schools,
        1,
        "data survives reopening"
    );
    let mode: String = s
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = s
        .connection()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let cache = |s: &SqliteStore| -> i64 {
        s.connection()
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(cache(&s), -(store_sqlite::CACHE_KIB as i64));
    let b = s.begin_import(&meta(Entity::School, "c")).unwrap();
    drop(b);
    assert_eq!(
        cache(&s),
        -(store_sqlite::CACHE_KIB as i64),
        "the import's larger cache is given back"
    );
}

#[test]
fn org_units_seeded_with_every_province_then_schools() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let levels = |s: &SqliteStore| -> Vec<(String, i64)> {
        let mut st = s
            .connection()
            .prepare("SELECT level, COUNT(*) FROM org_units WHERE code / 10000 = 51 OR code > 999999 GROUP BY level ORDER BY level")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        levels(&s),
        vec![
            ("city".into(), 21),
            ("county".into(), 183),
            ("province".into(), 1)
        ]
    );
    let parent = |s: &SqliteStore, code: i64| -> Option<i64> {
        s.connection()
            .query_row(
                "SELECT parent_code FROM org_units WHERE code = ?1",
                [code],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(parent(&s, 510000), None);
    // Every province is there: the configuration chooses which one the installation serves.
    assert_eq!(parent(&s, 520102), Some(520100));
    assert_eq!(parent(&s, 441900), Some(440000), "a city without counties hangs under its province");
    assert_eq!(parent(&s, 510100), Some(510000));
    assert_eq!(parent(&s, 510104), Some(510100));
    store::suite::import(
        &mut s,
        Entity::School,
        "h",
        &[store::suite::school("2151040001", "510104", "第一小学")],
    );
    assert_eq!(
        levels(&s).iter().find(|(l, _)| l == "school").map(|x| x.1),
        Some(1)
    );
    assert_eq!(parent(&s, 2151040001), Some(510104));
    let name: String = s
        .connection()
        .query_row(
            "SELECT name FROM org_units WHERE code = 2151040001",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "第一小学");
}

#[test]
fn second_importer_is_told_locked() {
    let dir = TempDir::new();
    let path = dir.0.join("t.db");
    let mut a = SqliteStore::open(&path).unwrap();
    let mut b = SqliteStore::open(&path).unwrap();
    let batch = a.begin_import(&meta(Entity::School, "a")).unwrap();
    let t = Instant::now();
    match b.begin_import(&meta(Entity::School, "b")) {
        Err(StoreError::Locked(msg)) => {
            assert!(msg.contains("another process is writing"), "{msg}")
        }
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("expected Locked, got a batch"),
    }
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "took {:?}",
        t.elapsed()
    );
    // Reading goes on meanwhile, and the lock is released with the first batch.
    assert_eq!(b.table_counts().unwrap().batches, 0);
    drop(batch);
    let sum = store::suite::import(
        &mut b,
        Entity::School,
        "b",
        &[store::suite::school("2151040001", "510104", "第一小学")],
    );
    assert_eq!(sum.inserted, 1);
}

#[test]
fn unknown_school_and_keyless_teacher_are_conflicts() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let mut b = s.begin_import(&meta(Entity::Student, "x")).unwrap();
    let r = store::suite::student(1, "2151049999", "11", "甲", "13800000001");
    let v: Vec<&str> = r.iter().map(String::as_str).collect();
    assert!(matches!(b.record(2, &v), Err(StoreError::Conflict(m)) if m.contains("2151049999")));
    drop(b);
    store::suite::import(
        &mut s,
        Entity::School,
        "h",
        &[store::suite::school("2151040001", "510104", "第一小学")],
    );
    let mut t = store::suite::teacher(1, "2151040001");
    t[Entity::Teacher.template().index("id_number").unwrap()] = String::new();
    let mut b = s.begin_import(&meta(Entity::Teacher, "t")).unwrap();
    let v: Vec<&str> = t.iter().map(String::as_str).collect();
    assert!(matches!(b.record(7, &v), Err(StoreError::Conflict(m)) if m.contains("第 7 行")));
}

#[test]
fn not_a_database_is_unavailable() {
    let dir = TempDir::new();
    let path = dir.0.join("junk.db");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Unavailable(_))
    ));
}

#[test]
fn a_school_moving_county_moves_its_students() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let sc = store::suite::school("2151040001", "510104", "第一小学");
    store::suite::import(&mut s, Entity::School, "h1", std::slice::from_ref(&sc));
    store::suite::import(
        &mut s,
        Entity::Student,
        "s1",
        &[store::suite::student(
            1,
            "2151040001",
            "11",
            "甲",
            "13800000001",
        )],
    );
    let mut moved = sc.clone();
    moved[Entity::School.template().index("region_code").unwrap()] = "510112".into();
    store::suite::import(&mut s, Entity::School, "h2", &[moved]);
    assert_eq!(
        s.student_counts(None).unwrap(),
        vec![store::CountyGrade {
            county: 510112,
            grade: 11,
            students: 1
        }]
    );
    let mut n = 0;
    s.export(
        Entity::Student,
        &store::RecordFilter {
            region: Some(510112),
            school: None,
        },
        &mut |_| {
            n += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(n, 1);
}

/// A student with a made-up (unchecked) 18-character ID number, `i` < 10^7, in school `school`.
fn numbered_student(i: u32, school: &str) -> Vec<String> {
    let mut v = store::suite::student(
        1,
        school,
        if i % 2 == 0 { "11" } else { "21" },
        "某",
        "13800000000",
    );
    let t = Entity::Student.template();
    let idn = format!("5101042014{i:07}X");
    v[t.index("id_number").unwrap()] = idn.clone();
    v[t.index("student_id").unwrap()] = format!("G{idn}");
    v
}

fn index_exists(s: &SqliteStore, name: &str) -> bool {
    s.connection()
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = ?1",
            [name],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
        == 1
}

#[test]
fn a_large_batch_flushes_in_key_order() {
    const N: u32 = 20_000;
    let mut s = SqliteStore::open_in_memory().unwrap();
    store::suite::import(
        &mut s,
        Entity::School,
        "h",
        &[
            store::suite::school("2151040001", "510104", "第一小学"),
            store::suite::school("3151140001", "510112", "第一中学"),
        ],
    );
    let rows: Vec<Vec<String>> = (0..N)
        .map(|i| {
            numbered_student(
                i,
                if i % 3 == 0 {
                    "3151140001"
                } else {
                    "2151040001"
                },
            )
        })
        .collect();
    s.set_import_buffer_rows(1_000);
    // Dropped: nothing of the flushed records stays.
    {
        let mut b = s.begin_import(&meta(Entity::Student, "big")).unwrap();
        for (i, r) in rows.iter().enumerate() {
            let v: Vec<&str> = r.iter().map(String::as_str).collect();
            b.record(i as u64 + 2, &v).unwrap();
        }
    }
    assert_eq!(s.table_counts().unwrap().students, 0);
    let sum = store::suite::import(&mut s, Entity::Student, "big", &rows);
    assert_eq!(sum.inserted, N as u64);
    assert!(index_exists(&s, "enrolments_county"));
    let plan: String = s
        .connection()
        .query_row(
            "EXPLAIN QUERY PLAN SELECT student_id FROM enrolments WHERE county_code = 510112",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("enrolments_county"), "{plan}");
    let mut n = 0;
    s.export(
        Entity::Student,
        &store::RecordFilter {
            region: None,
            school: Some("3151140001".into()),
        },
        &mut |_| {
            n += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(n, N.div_ceil(3) as u64);
    let total: u64 = s
        .student_counts(Some(510100))
        .unwrap()
        .iter()
        .map(|c| c.students)
        .sum();
    assert_eq!(total, N as u64);
    // Unchanged the second time; a key repeated across flushes keeps its file order.
    let mut again = rows.clone();
    let mut last = numbered_student(7, "2151040001");
    last[Entity::Student.template().index("guardian_phone").unwrap()] = "13900000007".into();
    again.push(last.clone());
    let sum = store::suite::import(&mut s, Entity::Student, "again", &again);
    assert_eq!((sum.inserted, sum.updated, sum.unchanged), (0, 1, N as u64));
    assert_eq!(
        s.get_record(Entity::Student, "51010420140000007X")
            .unwrap()
            .unwrap(),
        last
    );
}

#[test]
fn a_key_twice_in_one_batch_is_inserted_then_updated() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    store::suite::import(
        &mut s,
        Entity::School,
        "h",
        &[store::suite::school("2151040001", "510104", "第一小学")],
    );
    let first = store::suite::student(1, "2151040001", "11", "甲", "13800000001");
    let second = store::suite::student(1, "2151040001", "11", "甲", "13800000002");
    let sum = store::suite::import(&mut s, Entity::Student, "d", &[first, second.clone()]);
    assert_eq!((sum.inserted, sum.updated, sum.unchanged), (1, 1, 0));
    let key = store::suite::student_key(1);
    assert_eq!(
        s.get_record(Entity::Student, &key).unwrap().unwrap(),
        second
    );
    let ch = s.changes(Entity::Student, &key).unwrap();
    assert_eq!(ch.len(), 1);
    assert_eq!(
        (ch[0].old_value.as_str(), ch[0].new_value.as_str()),
        ("13800000001", "13800000002")
    );
    assert_eq!(
        s.student_counts(None)
            .unwrap()
            .iter()
            .map(|c| c.students)
            .sum::<u64>(),
        1
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = TempDir::new();
    let path = dir.0.join("t.db");
    let s = SqliteStore::open(&path).unwrap();
    s.connection()
        .execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '')",
            [],
        )
        .unwrap();
    drop(s);
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Schema(_))
    ));
}

impl store::transfers::Transfers for FileStore {
    fn insert_transfer(&mut self, t: &store::transfers::TransferRequest) -> Result<i64, StoreError> {
        self.store.insert_transfer(t)
    }
    fn transfer(&mut self, id: i64) -> Result<Option<store::transfers::TransferRequest>, StoreError> {
        self.store.transfer(id)
    }
    fn transfers_in(&mut self, scope: &store::Scope, state: Option<store::transfers::TransferState>, limit: usize) -> Result<Vec<store::transfers::TransferRequest>, StoreError> {
        self.store.transfers_in(scope, state, limit)
    }
    fn finish_transfer(&mut self, id: i64, state: store::transfers::TransferState, by: &str, note: &str, batch_id: Option<i64>, at: i64) -> Result<bool, StoreError> {
        self.store.finish_transfer(id, state, by, note, batch_id, at)
    }
}

impl store::AuditLog for FileStore {
    fn set_audit_chain(&mut self, chain: std::sync::Arc<store::AuditChain>) {
        self.store.set_audit_chain(chain)
    }
    fn append_audit(&mut self, e: &store::AuditEvent) -> Result<store::AuditEntry, StoreError> {
        self.store.append_audit(e)
    }
    fn append_audits(&mut self, es: &[store::AuditEvent]) -> Result<Vec<store::AuditEntry>, StoreError> {
        self.store.append_audits(es)
    }
    fn audit_entries(&mut self, f: &store::AuditFilter) -> Result<Vec<store::AuditEntry>, StoreError> {
        self.store.audit_entries(f)
    }
    fn audit_scan(&mut self, f: &mut dyn FnMut(store::AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.store.audit_scan(f)
    }
    fn audit_anchor(&mut self) -> Result<Option<store::Anchor>, StoreError> {
        self.store.audit_anchor()
    }
    fn prune_audit(&mut self, before: &str) -> Result<u64, StoreError> {
        self.store.prune_audit(before)
    }
}
