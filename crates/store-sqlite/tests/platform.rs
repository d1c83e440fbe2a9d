//! The platform suite (accounts, audit, scoped reading) on SQLite, and what the SQLite files
//! promise: the audit log refuses edits, and a tampered log fails verification.

use store::audit::Verifier;
use store::{AuditEvent, AuditLog};
use store_sqlite::SqliteStore;

store::platform_suite!(SqliteStore::open_in_memory().unwrap());

fn ev(t: &str) -> AuditEvent {
    AuditEvent { actor: "admin".into(), action: "login".into(), target: t.into(), detail: String::new(), ip: "127.0.0.1".into(), outcome: "ok".into() }
}

fn verify(s: &mut SqliteStore) -> store::audit::Verification {
    let anchor = s.audit_anchor().unwrap();
    let mut v = Verifier::new(anchor.as_ref());
    s.audit_scan(&mut |e| {
        v.push(&e);
        Ok(())
    })
    .unwrap();
    v.finish()
}

#[test]
fn audit_log_refuses_update_and_delete() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    s.append_audit(&ev("a")).unwrap();
    let c = s.platform_connection();
    let e = c.execute("UPDATE audit_log SET actor = 'x'", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = c.execute("DELETE FROM audit_log", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn tampering_is_detected() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    for i in 0..5 {
        s.append_audit(&ev(&i.to_string())).unwrap();
    }
    assert!(verify(&mut s).problems.is_empty());
    // Someone with the file drops the guard and edits entry 3.
    let c = s.platform_connection();
    c.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    c.execute("UPDATE audit_log SET target = 'forged' WHERE id = 3", []).unwrap();
    let v = verify(&mut s);
    assert_eq!(v.problems.iter().map(|p| (p.id, p.kind.as_str())).collect::<Vec<_>>(), [(3, "edited")]);
    // ... and deletes entry 2 too.
    s.platform_connection().execute("DELETE FROM audit_log WHERE id = 2", []).unwrap();
    let v = verify(&mut s);
    assert!(v.problems.iter().any(|p| p.id == 3 && p.kind == "gap"), "{v:?}");
    assert!(v.problems.iter().any(|p| p.id == 3 && p.kind == "broken_link"), "{v:?}");
}

#[test]
fn platform_file_beside_the_base_file() {
    let dir = std::env::temp_dir().join(format!("tianfu-platform-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("x.db");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.append_audit(&ev("a")).unwrap();
    }
    assert!(dir.join("x.platform.db").is_file());
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(verify(&mut s).entries, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn browse_indexes(s: &SqliteStore) -> Vec<String> {
    let mut st = s.connection().prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('students_name', 'enrolments_school') ORDER BY name").unwrap();
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
    assert_eq!(browse_indexes(&s), ["enrolments_school", "students_name"]);
    store::suite::import(&mut s, Entity::Student, "b", &[store::suite::student(1, "2151010401", "11", "张三", "13800000000")]);
    assert_eq!(browse_indexes(&s), ["enrolments_school", "students_name"]);
    let n: i64 = s.connection().query_row("SELECT COUNT(*) FROM students INDEXED BY students_name WHERE name = '张三'", [], |r| r.get(0)).unwrap();
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
    s.append_audit(&ev("x")).unwrap();
    for name in ["tianfu.db", "tianfu.platform.db", "tianfu.monitor.db", "tianfu.platform.db-wal"] {
        let mode = std::fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}
