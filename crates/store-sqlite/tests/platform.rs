//! The platform and audit suites (accounts, audit, scoped reading, the audit chain against a
//! database writer) on SQLite, and what the SQLite files promise: the audit log refuses edits.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use store::audit::{verify, AuditChain};
use store::suite_audit::Tamper;
use store::{AuditEvent, AuditLog, Backend};
use store_sqlite::SqliteStore;

store::platform_suite!(SqliteStore::open_in_memory().unwrap());

store::audit_suite!(Some(in_file()));

/// A store in a file of its own (the audit suite connects to it again and tampers with it).
struct Files {
    dir: PathBuf,
    path: PathBuf,
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Tamper for Files {
    fn exec(&mut self, sql: &str) {
        let c = rusqlite::Connection::open(store_sqlite::platform_path(&self.path)).unwrap();
        c.execute_batch("DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;").unwrap();
        c.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    fn connect(&self) -> Box<dyn Backend> {
        Box::new(SqliteStore::open(&self.path).unwrap())
    }
}

fn in_file() -> (SqliteStore, Files) {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("tianfu-sqlite-audit-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    (SqliteStore::open(&path).unwrap(), Files { dir, path })
}

fn ev(t: &str) -> AuditEvent {
    AuditEvent { actor: "admin".into(), action: "login".into(), target: t.into(), detail: String::new(), ip: "127.0.0.1".into(), outcome: "ok".into() }
}

#[test]
fn audit_log_refuses_update_and_delete() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    s.set_audit_chain(AuditChain::temporary());
    s.append_audit(&ev("a")).unwrap();
    let c = s.platform_connection();
    let e = c.execute("UPDATE audit_log SET actor = 'x'", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = c.execute("DELETE FROM audit_log", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn platform_file_beside_the_base_file() {
    let (mut s, f) = in_file();
    let chain = AuditChain::temporary();
    s.set_audit_chain(chain.clone());
    s.append_audit(&ev("a")).unwrap();
    drop(s);
    assert!(f.dir.join("t.platform.db").is_file());
    let mut s = SqliteStore::open(&f.path).unwrap();
    assert_eq!(verify(&mut s, &chain, 180).unwrap().entries, 1);
}

/// A platform file of the version before the keyed chain (schema 1, unkeyed entries) migrates,
/// keeps its entries verifiable and is keyed at its first write.
#[test]
fn version_1_platform_file_upgrades() {
    let (s, f) = in_file();
    drop(s);
    let p = store_sqlite::platform_path(&f.path);
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        // Back to version 1: without the columns and the indexes of 0002 (and of 0017 and 0024, whose
        // ALTER TABLE cannot run twice).
        c.execute_batch(
            "DROP INDEX audit_region; DROP INDEX audit_org;
             ALTER TABLE audit_log DROP COLUMN actor_org; ALTER TABLE audit_log DROP COLUMN actor_region; ALTER TABLE audit_log DROP COLUMN keyed;
             ALTER TABLE audit_anchor DROP COLUMN cut; ALTER TABLE audit_anchor DROP COLUMN mac;
             DROP INDEX sessions_created; ALTER TABLE api_tokens DROP COLUMN expires_at;
             DROP INDEX incidents_review_due; ALTER TABLE incidents DROP COLUMN recovered_at;
             ALTER TABLE incidents DROP COLUMN review_due_at; ALTER TABLE incidents DROP COLUMN review_reminded_at;
             ALTER TABLE mlps_assessments DROP COLUMN report_attachment; ALTER TABLE mlps_rectifications DROP COLUMN attachment_id;
             ALTER TABLE share_grants DROP COLUMN nats_subject; ALTER TABLE share_grants DROP COLUMN nats_version;
             ALTER TABLE share_grants DROP COLUMN nats_after; ALTER TABLE share_grants DROP COLUMN nats_error;
             DELETE FROM schema_version WHERE version > 1;",
        )
        .unwrap();
        let e = ev("old");
        let at = "2026-01-01T00:00:00.000000Z";
        let h = store::audit::legacy_hash(store::audit::GENESIS, 1, at, &e);
        c.execute(
            "INSERT INTO audit_log (id, at, actor, action, target, detail, ip, outcome, prev_hash, hash) VALUES (1, ?1, 'admin', 'login', 'old', '', '127.0.0.1', 'ok', ?2, ?3)",
            rusqlite::params![at, store::audit::GENESIS, h],
        )
        .unwrap();
    }
    let mut s = SqliteStore::open(&f.path).unwrap();
    let chain = AuditChain::temporary();
    s.set_audit_chain(chain.clone());
    assert!(verify(&mut s, &chain, 180).unwrap().problems.is_empty());
    s.append_audit(&ev("new")).unwrap();
    let v = verify(&mut s, &chain, 180).unwrap();
    assert_eq!((v.unkeyed_entries, v.keyed_entries, v.problems.len()), (1, 2, 0), "{v:?}");
}

/// The student browse indexes: by name, by school, and the grade and last-change orders.
const BROWSE: [&str; 6] = ["enrolments_batch", "enrolments_county_batch", "enrolments_county_grade", "enrolments_grade", "enrolments_school", "students_name"];

fn browse_indexes(s: &SqliteStore) -> Vec<String> {
    let mut st = s.connection().prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('students_name', 'enrolments_school', 'enrolments_county_grade', 'enrolments_grade', 'enrolments_county_batch', 'enrolments_batch') ORDER BY name").unwrap();
    st.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
}

/// A first student import drops the browse indexes and builds them after its commit; a batch
/// dropped half-way leaves them as they were.
#[test]
fn browse_indexes_survive_first_imports() {
    use store::{BatchMeta, Entity, Store};
    let mut s = SqliteStore::open_in_memory().unwrap();
    store::suite::import(&mut s, Entity::School, "s", &[store::suite::school("2151010401", "510104", "x")]);
    {
        let mut b = s.begin_import(&BatchMeta { entity: Entity::Student, file_name: "a".into(), file_hash: "a".into(), user: "t".into(), scope: store::Scope::all() }).unwrap();
        let row = store::suite::student(1, "2151010401", "11", "张三", "13800000000");
        let v: Vec<&str> = row.iter().map(String::as_str).collect();
        b.record(2, &v).unwrap();
        // dropped: rolled back
    }
    assert_eq!(browse_indexes(&s), BROWSE);
    store::suite::import(&mut s, Entity::Student, "b", &[store::suite::student(1, "2151010401", "11", "张三", "13800000000")]);
    assert_eq!(browse_indexes(&s), BROWSE);
    let n: i64 = s.connection().query_row("SELECT COUNT(*) FROM students INDEXED BY students_name WHERE name = '张三'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    let n: i64 = s.connection().query_row("SELECT COUNT(*) FROM enrolments INDEXED BY enrolments_county_grade WHERE county_code = 510104 AND grade = '11'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

mod cursors {
    use store_sqlite::SqliteStore;
    store::cursor_suite!(SqliteStore::open_in_memory().unwrap());
}

/// New database files are the owner's only: they hold minors' records.
#[cfg(unix)]
#[test]
fn new_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("tianfu-sqlite-private-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("tianfu.db");
    let mut s = SqliteStore::open(&path).unwrap();
    s.set_audit_chain(AuditChain::temporary());
    s.append_audit(&ev("x")).unwrap();
    for name in ["tianfu.db", "tianfu.platform.db", "tianfu.monitor.db", "tianfu.platform.db-wal"] {
        let mode = std::fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

store::kit_suite!(SqliteStore::open_in_memory().unwrap());
store::incidents_suite!(SqliteStore::open_in_memory().unwrap());
