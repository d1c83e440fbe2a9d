//! The platform suite (accounts, audit, scoped reading) on PostgreSQL, and what migration 0002
//! promises: the audit log refuses edits, a tampered log fails verification, concurrent writers
//! keep one chain, and a version-1 database migrates with its records.
//!
//! Needs `TIANFU_TEST_DATABASE_URL`, like `tests/suite.rs`; each test in a schema of its own.

mod common;

use common::fresh;
use standard::Entity;
use store::access::Scope;
use store::audit::{Verification, Verifier};
use store::suite::{import, school, student, student_key};
use store::{Accounts, AuditEvent, AuditLog, Browse, NewUser, PersonQuery, Role, StoreError};
use store_postgres::PgStore;

store::platform_suite!(match fresh() {
    Some(s) => s,
    None => return,
});

fn ev(t: &str) -> AuditEvent {
    AuditEvent { actor: "admin".into(), action: "login".into(), target: t.into(), detail: String::new(), ip: "127.0.0.1".into(), outcome: "ok".into() }
}

fn verify(s: &mut dyn AuditLog) -> Verification {
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
fn audit_log_refuses_update_delete_and_truncate() {
    let Some(mut t) = fresh() else { return };
    t.append_audit(&ev("a")).unwrap();
    let mut c = t.sql();
    for sql in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let e = c.batch_execute(sql).unwrap_err();
        let msg = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
        assert!(msg.contains("append-only"), "{sql}: {e}");
    }
    // Also from a session whose search_path does not name the schema (the trigger finds the
    // anchor in its own schema).
    let mut other = common::admin(&t.url);
    let e = other.batch_execute(&format!("DELETE FROM \"{}\".audit_log", t.schema)).unwrap_err();
    assert!(e.as_db_error().is_some_and(|d| d.message().contains("append-only")), "{e}");
    assert_eq!(verify(&mut t).entries, 1);
}

#[test]
fn tampering_is_detected() {
    let Some(mut t) = fresh() else { return };
    for i in 0..5 {
        t.append_audit(&ev(&i.to_string())).unwrap();
    }
    assert!(verify(&mut t).problems.is_empty());
    // Someone who owns the table switches the guard off and edits entry 3 ...
    let mut c = t.sql();
    c.batch_execute("ALTER TABLE audit_log DISABLE TRIGGER USER").unwrap();
    c.batch_execute("UPDATE audit_log SET target = 'forged' WHERE id = 3").unwrap();
    let v = verify(&mut t);
    assert_eq!(v.problems.iter().map(|p| (p.id, p.kind.as_str())).collect::<Vec<_>>(), [(3, "edited")]);
    // ... and deletes entry 2 too.
    c.batch_execute("DELETE FROM audit_log WHERE id = 2").unwrap();
    let v = verify(&mut t);
    assert!(v.problems.iter().any(|p| p.id == 3 && p.kind == "gap"), "{v:?}");
    assert!(v.problems.iter().any(|p| p.id == 3 && p.kind == "broken_link"), "{v:?}");
}

/// Writers on several connections append to one chain: the advisory lock gives each entry the
/// next id and the previous entry's hash.
#[test]
fn concurrent_appends_keep_one_chain() {
    let Some(mut t) = fresh() else { return };
    let (threads, each) = (4, 25);
    let writers: Vec<_> = (0..threads)
        .map(|w| {
            let mut s = t.second();
            std::thread::spawn(move || {
                for i in 0..each {
                    s.append_audit(&ev(&format!("{w}-{i}"))).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let v = verify(&mut t);
    assert_eq!((v.entries, v.problems.len()), ((threads * each) as u64, 0), "{v:?}");
}

#[test]
fn audit_chains_of_two_schemas_are_apart() {
    let (Some(mut a), Some(mut b)) = (fresh(), fresh()) else { return };
    a.append_audit(&ev("a1")).unwrap();
    a.append_audit(&ev("a2")).unwrap();
    let first = b.append_audit(&ev("b1")).unwrap();
    assert_eq!((first.id, first.prev_hash.as_str()), (1, store::audit::GENESIS));
}

fn user(name: &str) -> NewUser {
    NewUser { name: name.into(), display_name: name.into(), role: Role::Auditor, org_code: 510000, password_hash: "$argon2id$x".into(), must_change_password: true }
}

#[test]
fn conflict_message_names_the_account() {
    let Some(mut t) = fresh() else { return };
    t.create_user(&Scope::Region { lo: 510000, hi: 519999 }, &user("li")).unwrap();
    match t.create_user(&Scope::Region { lo: 510000, hi: 519999 }, &user("li")) {
        Err(StoreError::Conflict(m)) => assert!(m.contains("用户名 li") && m.contains("is taken"), "{m}"),
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[test]
fn bad_cursors_are_refused() {
    let Some(mut t) = fresh() else { return };
    let province = Scope::Region { lo: 510000, hi: 519999 };
    for after in ["x", "c:abc:k", "n:99:short", "n:1:\u{4e2d}x"] {
        let q = PersonQuery { after: Some(after.into()), name: after.starts_with("n:").then(|| "张".into()), limit: 5, ..Default::default() };
        assert!(matches!(t.people(&province, Entity::Student, &q), Err(StoreError::BadCursor)), "{after}");
    }
}

/// A database migrated by a version-1 program (records, no platform tables) migrates to the
/// latest version with its records, which the platform then reads.
#[test]
fn version_1_schema_migrates_to_latest() {
    let Some(mut t) = fresh() else { return };
    import(&mut t, Entity::School, "s", &[school("2151010401", "510104", "锦江实验小学")]);
    import(&mut t, Entity::Student, "st", &[student(1, "2151010401", "11", "张三", "13800000000")]);
    t.store = None;
    // Back to version 1: what 0002 created, gone.
    let mut c = t.sql();
    c.batch_execute(
        "DROP TABLE sessions, api_tokens, users, audit_log, audit_anchor; DROP FUNCTION audit_log_append_only(); \
         DROP INDEX enrolments_school_key, enrolments_county_key, students_name_key, students_student_id, teachers_name_key, schools_region; \
         DELETE FROM schema_version WHERE version > 1",
    )
    .unwrap();
    assert!(matches!(PgStore::connect_with_schema(&t.url, &t.schema), Err(StoreError::Schema(_))));

    let (s, applied) = PgStore::connect_with_schema_and_migrate(&t.url, &t.schema).unwrap();
    assert_eq!(applied, store_postgres::LATEST_VERSION - 1);
    t.store = Some(s);
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let found = t.people(&county, Entity::Student, &PersonQuery { name: Some("张".into()), limit: 5, ..Default::default() }).unwrap();
    assert_eq!(found.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>(), [student_key(1)]);
    t.create_user(&Scope::Region { lo: 510000, hi: 519999 }, &user("wang")).unwrap();
    t.append_audit(&ev("after migrate")).unwrap();
    assert_eq!(verify(&mut t).problems.len(), 0);
    let triggers: i64 = c.query_one("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal", &[]).unwrap().get(0);
    assert_eq!(triggers, 3);
}

/// PgStore is what the web platform runs on.
const _: fn() = || {
    fn backend<T: store::Backend>() {}
    backend::<PgStore>();
};

mod cursors {
    use super::fresh;
    store::cursor_suite!(match fresh() {
        Some(s) => s,
        None => return,
    });
}
