//! `tianfu backup` and `tianfu restore` on the real binary: a backup taken while another process
//! appends to the audit log restores into a fresh folder with the same records and a chain that
//! verifies; a damaged backup, a store holding data and a running server are refused; and the
//! same round trip on PostgreSQL through pg_dump and pg_restore (when TIANFU_TEST_DATABASE_URL
//! is set).

mod common;
use common::{tmp_dir, Dir};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use store::AuditLog;

fn tianfu_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).current_dir(dir).envs(env.iter().copied()).env_remove("TIANFU_DATABASE_URL").output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn tianfu(args: &[&str], dir: &Path) -> (i32, String, String) {
    tianfu_env(args, dir, &[])
}

fn tmp(tag: &str) -> Dir {
    tmp_dir("backup", tag)
}

/// A store at `DIR/t.db` with a small province imported (its audit chain keyed in
/// `DIR/tianfu-data`, the default data folder: a `--db` without a folder does not move it).
fn with_data(tag: &str, db: &str, env: &[(&str, &str)]) -> Dir {
    let d = tmp(tag);
    let (code, _, err) = tianfu(&["demo", "generate", "--students", "300", "--seed", "9", "--error-rate", "0", "--out", "demo"], &d.0);
    assert_eq!(code, 0, "{err}");
    for e in ["school", "teacher", "student"] {
        let (code, _, err) = tianfu_env(&["import", &format!("demo/{e}s.csv"), "--entity", e, "--db", db], &d.0, env);
        assert_eq!(code, 0, "{err}");
    }
    d
}

fn count(file: &Path, table: &str) -> i64 {
    let c = rusqlite::Connection::open(file).unwrap();
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

fn verify_ok(dir: &Path, db: &str, env: &[(&str, &str)]) -> serde_json::Value {
    let (code, out, err) = tianfu_env(&["audit", "verify", "--db", db, "--format", "json"], dir, env);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)), "{out}");
    v
}

#[test]
fn a_backup_taken_while_the_log_is_written_restores_equal_and_verifies() {
    let d = with_data("live", "t.db", &[]);
    // Another process's worth of writing: appends to the same chain until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, written, dir) = (stop.clone(), written.clone(), d.0.clone());
        std::thread::spawn(move || {
            let mut s = store_sqlite::SqliteStore::open(&dir.join("t.db")).unwrap();
            let chain = store::AuditChain::open(&dir.join("tianfu-data/secret.key"), &dir.join("tianfu-data/audit.head")).unwrap();
            s.set_audit_chain(Arc::new(chain));
            while !stop.load(Ordering::SeqCst) {
                let ev = store::AuditEvent { actor: "system:test".into(), action: "login".into(), target: "writer".into(), detail: "{}".into(), ip: String::new(), outcome: "ok".into() };
                s.append_audit(&ev).unwrap();
                written.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while written.load(Ordering::SeqCst) < 20 {
        assert!(!writer.is_finished(), "the writer stopped");
        std::thread::yield_now();
    }
    let (code, out, err) = tianfu(&["backup", "B", "--db", "t.db", "--format", "json"], &d.0);
    assert_eq!(code, 0, "{err}");
    let at_backup = written.load(Ordering::SeqCst);
    while written.load(Ordering::SeqCst) < at_backup + 20 {
        assert!(!writer.is_finished(), "the writer stopped");
        std::thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();

    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    let roles: Vec<&str> = m["files"].as_array().unwrap().iter().map(|f| f["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["base", "platform", "monitor", "secret_key", "audit_head"]);
    assert_eq!((m["schema"]["base"].as_u64(), m["backend"].as_str()), (Some(u64::from(store_sqlite::SCHEMA_VERSION)), Some("sqlite")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(d.0.join("B")).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(d.0.join("B/secret.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The copy holds entries written before it and not all written after it.
    let in_backup = count(&d.0.join("B/tianfu.platform.db"), "audit_log");
    let live = count(&d.0.join("t.platform.db"), "audit_log");
    assert!(in_backup > 20 && in_backup < live, "backup {in_backup}, live {live}");

    let (code, out, err) = tianfu(&["restore", "B", "--db", "r/t.db"], &d.0);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("审计日志完整"), "{out}");
    for table in ["students", "teachers", "schools", "enrolments", "batches"] {
        assert_eq!(count(&d.0.join("r/t.db"), table), count(&d.0.join("t.db"), table), "{table}");
    }
    assert_eq!(count(&d.0.join("r/t.db"), "students"), 300);
    // The restore is itself in the log.
    assert_eq!(count(&d.0.join("r/t.platform.db"), "audit_log"), in_backup + 1);
    let v = verify_ok(&d.0, "r/t.db", &[]);
    assert_eq!(v["entries"].as_i64(), Some(in_backup + 1));
    assert_eq!(std::fs::read(d.0.join("r/secret.key")).unwrap(), std::fs::read(d.0.join("tianfu-data/secret.key")).unwrap());
    verify_ok(&d.0, "t.db", &[]);
}

#[test]
fn a_damaged_backup_is_refused() {
    let d = with_data("damaged", "t.db", &[]);
    let (code, _, err) = tianfu(&["backup", "B", "--db", "t.db"], &d.0);
    assert_eq!(code, 0, "{err}");
    // A backup folder is never written into twice.
    let (code, _, err) = tianfu(&["backup", "B", "--db", "t.db"], &d.0);
    assert_eq!(code, 2);
    assert!(err.contains("不为空"), "{err}");
    let p = d.0.join("B/tianfu.platform.db");
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&p, bytes).unwrap();
    let (code, _, err) = tianfu(&["restore", "B", "--db", "r/t.db"], &d.0);
    assert_eq!(code, 2);
    assert!(err.contains("tianfu.platform.db 校验失败"), "{err}");
    assert!(!d.0.join("r/t.db").exists());
    let (code, _, err) = tianfu(&["restore", "demo", "--db", "r/t.db", "--lang", "en"], &d.0);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the backup manifest"), "{err}");
}

#[test]
fn a_store_with_data_or_a_running_server_is_not_overwritten() {
    let d = with_data("running", "t.db", &[]);
    let (code, _, err) = tianfu(&["backup", "B", "--db", "t.db"], &d.0);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = tianfu(&["restore", "B", "--db", "t.db"], &d.0);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_tianfu"))
        .args(["serve", "--db", "t.db", "--listen", "127.0.0.1:0"])
        .current_dir(&d.0)
        .env_remove("TIANFU_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The address line is printed once the server listens (and holds its lock).
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    assert!(lines.by_ref().map_while(Result::ok).any(|l| l.contains("http://")));
    let (code, _, err) = tianfu(&["restore", "B", "--db", "t.db", "--force"], &d.0);
    // A backup is taken while the server runs.
    let (code2, _, err2) = tianfu(&["backup", "B2", "--db", "t.db"], &d.0);
    server.kill().unwrap();
    assert_eq!(code2, 0, "{err2}");
    server.wait().unwrap();
    assert_eq!(code, 2);
    assert!(err.contains("正被运行中的 tianfu serve 使用"), "{err}");
    let (code, out, err) = tianfu(&["restore", "B", "--db", "t.db", "--force"], &d.0);
    assert_eq!(code, 0, "{out}{err}");
    verify_ok(&d.0, "t.db", &[]);
}

#[test]
fn postgres_round_trip_through_pg_dump_and_pg_restore() {
    let Some(base) = store_postgres::testing::database_url() else { return };
    let schema = format!("backup_{}", std::process::id());
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let d = tmp("pg");
    let data = d.0.join("data");
    let env = [("TIANFU_DATA_DIR", data.to_str().unwrap())];
    let (code, _, err) = tianfu_env(&["migrate", "--db", &url], &d.0, &env);
    assert_eq!(code, 0, "{err}");
    let d2 = with_data("pg-data", &url, &env);
    let counts = |c: &mut postgres::Client| -> Vec<i64> {
        ["students", "teachers", "schools", "enrolments", "audit_log"].iter().map(|t| c.query_one(&format!("SELECT count(*) FROM {schema}.{t}"), &[]).unwrap().get(0)).collect()
    };
    let before = counts(&mut c);
    assert_eq!(before[0], 300);
    let (code, out, err) = tianfu_env(&["backup", "B", "--db", &url, "--format", "json"], &d.0, &env);
    assert_eq!(code, 0, "{err}");
    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((m["backend"].as_str(), m["pg_schema"].as_str()), (Some("postgres"), Some(schema.as_str())));
    // A schema holding data is not replaced without --force.
    let (code, _, err) = tianfu_env(&["restore", "B", "--db", &url], &d.0, &env);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    // Lost: the schema is gone.
    c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
    let (code, out, err) = tianfu_env(&["restore", "B", "--db", &url], &d.0, &env);
    assert_eq!(code, 0, "{out}{err}");
    let after = counts(&mut c);
    assert_eq!(after[..4], before[..4]);
    assert_eq!(after[4], before[4] + 1, "the restore is recorded");
    verify_ok(&d.0, &url, &env);
    // Over a schema that holds data, with --force (pg_restore --clean).
    let (code, out, err) = tianfu_env(&["restore", "B", "--db", &url, "--force"], &d.0, &env);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(counts(&mut c)[..4], before[..4]);
    verify_ok(&d.0, &url, &env);
    drop(d2);
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();
}
