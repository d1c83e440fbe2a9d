//! Upgrades: a store written by the previous release (commit f5e44a9, before the hardening
//! work: unkeyed audit chain, no transfers, no token back-off) opens under this binary, is
//! migrated, reads back what it held, and its audit log continues as a keyed chain that
//! `tianfu audit verify` accepts — on SQLite and PostgreSQL.
//!
//! The fixtures in `tests/fixtures/release-f5e44a9/` were made by that release's binary
//! (`tianfu demo generate --students 40 --seed 7`, the three imports, two sites, two accounts of
//! which one disabled, an export) and dumped as SQL text: `sqlite3 FILE .dump` for each of the
//! three SQLite files, `pg_dump --inserts --no-owner --no-privileges
//! --schema=tianfu_release_fixture` for PostgreSQL (its psql-only `\restrict` lines removed).

mod common;
use common::{tmp_dir, Dir};
use std::path::Path;
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release-f5e44a9");

fn tianfu(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).current_dir(dir).envs(env.iter().copied()).env_remove("TIANFU_DATABASE_URL").output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn tmp(tag: &str) -> Dir {
    tmp_dir("upgrade", tag)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap()
}

/// What every upgraded store must show: the old records, the accounts, and a chain that verifies
/// once this release has written to it.
fn reads_back_and_verifies(dir: &Path, db: &str, env: &[(&str, &str)]) {
    let (code, out, err) = tianfu(&["export", "--entity", "student", "--db", db, "--out", "s.csv"], dir, env);
    assert_eq!(code, 0, "{out}{err}");
    let csv = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    assert_eq!(csv.lines().count(), 41, "40 students and the header");
    let (code, out, err) = tianfu(&["stats", "--db", db, "--format", "json"], dir, env);
    assert_eq!(code, 0, "{err}");
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    let students: u64 = stats["counts"].as_array().unwrap().iter().map(|c| c["students"].as_u64().unwrap()).sum();
    assert_eq!(students, 40, "{out}");
    let (code, out, err) = tianfu(&["user", "list", "--db", db], dir, env);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("jt") && out.contains("aud"), "{out}");
    let (code, out, err) = tianfu(&["audit", "verify", "--db", db, "--format", "json"], dir, env);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)), "{out}");
    // The three unkeyed entries of the old release, then this release's keyed ones: the marker
    // that starts the keyed chain (checking the old entries) and the export's.
    let (entries, keyed) = (v["entries"].as_i64().unwrap(), v["keyed_entries"].as_i64().unwrap());
    assert!(entries >= 5 && keyed == entries - 3, "{out}");
    assert_eq!(v["checkpoint"]["keyed_from"].as_i64(), Some(4), "{out}");
}

#[test]
fn a_sqlite_store_of_the_previous_release_opens_and_migrates() {
    let d = tmp("sqlite");
    for (file, sql) in [("t.db", "sqlite-base.sql"), ("t.platform.db", "sqlite-platform.sql"), ("t.monitor.db", "sqlite-monitor.sql")] {
        let c = rusqlite::Connection::open(d.0.join(file)).unwrap();
        c.execute_batch(&fixture(sql)).unwrap();
    }
    let version = |f: &str| -> u32 { rusqlite::Connection::open(d.0.join(f)).unwrap().query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0)).unwrap() };
    assert_eq!((version("t.db"), version("t.platform.db")), (2, 1), "the fixture is the old schema");
    // A backup of the old store (never keyed: no secret to carry) restores under this release,
    // which migrates it and starts its keyed chain.
    let (code, _, err) = tianfu(&["backup", "B", "--db", "t.db", "--format", "json"], &d.0, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = tianfu(&["restore", "B", "--db", "r/t.db"], &d.0, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let restored: u32 = rusqlite::Connection::open(d.0.join("r/t.platform.db")).unwrap().query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0)).unwrap();
    assert_eq!(restored, store_sqlite::backup::known_versions()[1]);
    reads_back_and_verifies(&d.0, "t.db", &[]);
    let known = store_sqlite::backup::known_versions();
    assert_eq!([version("t.db"), version("t.platform.db"), version("t.monitor.db")], known);
    let sites: i64 = rusqlite::Connection::open(d.0.join("t.monitor.db")).unwrap().query_row("SELECT count(*) FROM sites", [], |r| r.get(0)).unwrap();
    assert_eq!(sites, 2);
}

#[test]
fn a_postgres_schema_of_the_previous_release_migrates() {
    let Some(base) = store_postgres::testing::database_url() else { return };
    let schema = format!("upgrade_{}", std::process::id());
    let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();
    c.batch_execute(&fixture("postgres.sql").replace("tianfu_release_fixture", &schema)).unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    let d = tmp("pg");
    let data = d.0.join("data");
    let env = [("TIANFU_DATA_DIR", data.to_str().unwrap())];
    // An old schema is not used before it is migrated.
    let (code, _, err) = tianfu(&["export", "--entity", "student", "--db", &url, "--out", "x.csv"], &d.0, &env);
    assert_ne!(code, 0);
    assert!(err.contains("tianfu migrate"), "{err}");
    let (code, out, err) = tianfu(&["migrate", "--db", &url], &d.0, &env);
    assert_eq!(code, 0, "{out}{err}");
    let v: i32 = c.query_one(&format!("SELECT max(version) FROM {schema}.schema_version"), &[]).unwrap().get(0);
    assert_eq!(v as u32, store_postgres::LATEST_VERSION);
    reads_back_and_verifies(&d.0, &url, &env);
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();
}
