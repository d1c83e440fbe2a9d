//! The platform and audit suites (accounts, audit, scoped reading, the audit chain against a
//! database writer) on PostgreSQL, and what migrations 0002 and 0005 promise: the audit log
//! refuses edits, the chains of two schemas are apart, and a version-1 database migrates with
//! its records.
//!
//! Needs `TIANFU_TEST_DATABASE_URL`, like `tests/suite.rs`; each test in a schema of its own.

mod common;

use common::fresh;
use standard::Entity;
use store::access::Scope;
use store::audit::{verify, AuditChain, Verification};
use store::suite::{import, school, student, student_key};
use store::{Accounts, AuditEvent, AuditLog, Browse, NewUser, PersonQuery, Role, StoreError};
use store_postgres::PgStore;

store::platform_suite!(match fresh() {
    Some(s) => s,
    None => return,
});

store::audit_suite!(common::attacked());

fn ev(t: &str) -> AuditEvent {
    AuditEvent { actor: "admin".into(), action: "login".into(), target: t.into(), detail: String::new(), ip: "127.0.0.1".into(), outcome: "ok".into() }
}

fn keyed(s: &mut dyn AuditLog) -> std::sync::Arc<AuditChain> {
    let c = AuditChain::temporary();
    s.set_audit_chain(c.clone());
    c
}

fn check(s: &mut dyn AuditLog, chain: &AuditChain) -> Verification {
    verify(s, chain, 180).unwrap()
}

#[test]
fn audit_log_refuses_update_delete_and_truncate() {
    let Some(mut t) = fresh() else { return };
    let chain = keyed(&mut t);
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
    assert_eq!(check(&mut t, &chain).entries, 1);
}

#[test]
fn audit_chains_of_two_schemas_are_apart() {
    let (Some(mut a), Some(mut b)) = (fresh(), fresh()) else { return };
    keyed(&mut a);
    keyed(&mut b);
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
    assert_eq!(applied as usize, store_postgres::MIGRATIONS.iter().filter(|m| m.0 > 1).count());
    t.store = Some(s);
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let found = t.people(&county, Entity::Student, &PersonQuery { name: Some("张".into()), limit: 5, ..Default::default() }).unwrap();
    assert_eq!(found.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>(), [student_key(1)]);
    t.create_user(&Scope::Region { lo: 510000, hi: 519999 }, &user("wang")).unwrap();
    let chain = keyed(&mut t);
    t.append_audit(&ev("after migrate")).unwrap();
    assert_eq!(check(&mut t, &chain).problems.len(), 0);
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

/// A version-4 database (the unkeyed chain) migrates to 0005 with its entries, which stay
/// verifiable, and is keyed at its first write.
#[test]
fn version_4_audit_log_upgrades() {
    let Some(mut t) = fresh() else { return };
    t.store = None;
    let mut c = t.sql();
    c.batch_execute(
        "DROP INDEX audit_region, audit_org; \
         ALTER TABLE audit_log DROP COLUMN actor_org, DROP COLUMN actor_region, DROP COLUMN keyed; \
         ALTER TABLE audit_anchor DROP COLUMN cut, DROP COLUMN mac; \
         DELETE FROM schema_version WHERE version > 4",
    )
    .unwrap();
    let e = ev("old");
    let at = "2026-01-01T00:00:00.000000Z";
    let h = store::audit::legacy_hash(store::audit::GENESIS, 1, at, &e);
    c.execute(
        "INSERT INTO audit_log (id, at, actor, action, target, detail, ip, outcome, prev_hash, hash) VALUES (1, $1, 'admin', 'login', 'old', '', '127.0.0.1', 'ok', $2, $3)",
        &[&at, &store::audit::GENESIS, &h],
    )
    .unwrap();
    let (s, applied) = PgStore::connect_with_schema_and_migrate(&t.url, &t.schema).unwrap();
    assert_eq!(applied as usize, store_postgres::MIGRATIONS.iter().filter(|m| m.0 > 4).count(), "the migrations after version 4");
    t.store = Some(s);
    let chain = keyed(&mut t);
    assert!(check(&mut t, &chain).problems.is_empty());
    t.append_audit(&ev("new")).unwrap();
    let v = check(&mut t, &chain);
    assert_eq!((v.unkeyed_entries, v.keyed_entries, v.problems.len()), (1, 2, 0), "{v:?}");
}

store::kit_suite!(match fresh() {
    Some(s) => s,
    None => return,
});

store::incidents_suite!(match fresh() {
    Some(s) => s,
    None => return,
});
