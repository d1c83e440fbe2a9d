//! The audit chain at the console, on the real binary: every export is in the chained log (also
//! one cut off by a closed pipe, `tianfu export … | head -1`), writers in several processes
//! keep one chain and a monotonic checkpoint, and `tianfu audit verify` reports the attacks of
//! someone who can write to the database (each made with real SQL on the file) with exit code 1.

mod common;
use common::{tmp_dir, Dir};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn tianfu(args: &[&str], dir: &Path) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).current_dir(dir).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn tmp(tag: &str) -> Dir {
    tmp_dir("cli-audit", tag)
}

/// The audit log as rows of the platform file, oldest first.
fn entries(dir: &Path) -> Vec<(i64, String, String, String, Value)> {
    let c = rusqlite::Connection::open(dir.join("t.platform.db")).unwrap();
    let mut st = c.prepare("SELECT id, actor, action, outcome, detail FROM audit_log ORDER BY id").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or(Value::Null))))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// Runs SQL on the platform file as someone who can write to it (the guards dropped first).
fn tamper(dir: &Path, sql: &str) {
    let c = rusqlite::Connection::open(dir.join("t.platform.db")).unwrap();
    c.execute_batch("DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;").unwrap();
    c.execute_batch(sql).unwrap();
}

fn verify(dir: &Path) -> (i32, Value) {
    let (code, out, err) = tianfu(&["audit", "verify", "--db", "t.db", "--format", "json"], dir);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")))
}

fn kinds(v: &Value) -> Vec<String> {
    v["problems"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap().to_string()).collect()
}

fn with_students(tag: &str) -> Dir {
    let d = tmp(tag);
    let (code, _, err) = tianfu(&["demo", "generate", "--students", "3000", "--seed", "5", "--error-rate", "0", "--out", "demo"], &d.0);
    assert_eq!(code, 0, "{err}");
    for e in ["school", "teacher", "student"] {
        let (code, _, err) = tianfu(&["import", &format!("demo/{e}s.csv"), "--entity", e, "--db", "t.db"], &d.0);
        assert_eq!(code, 0, "{err}");
    }
    d
}

#[test]
fn every_export_is_in_the_chained_log_also_when_cut_off() {
    let d = with_students("export");
    let bin = env!("CARGO_BIN_EXE_tianfu");
    // `tianfu export … | head -1`: the reader goes away after one line.
    let o = Command::new("sh").arg("-c").arg(format!("'{bin}' export --entity student --db t.db | head -1")).current_dir(&d.0).output().unwrap();
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
    let (code, _, err) = tianfu(&["export", "--entity", "student", "--db", "t.db", "--unmasked", "--out", "all.csv"], &d.0);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = tianfu(&["export", "--entity", "school", "--db", "t.db", "--format", "xlsx", "--out", "no/such/folder/x.xlsx"], &d.0);
    assert_eq!(code, 2);
    let log = entries(&d.0);
    let exports: Vec<_> = log.iter().filter(|e| e.2 == "export").collect();
    assert!(exports.iter().all(|e| e.1.starts_with("console:")), "{exports:?}");
    let outcomes: Vec<(&str, bool)> = exports.iter().map(|e| (e.3.as_str(), e.4["masked"].as_bool().unwrap())).collect();
    assert_eq!(outcomes, [("started", true), ("interrupted", true), ("started", false), ("ok", false), ("started", true), ("failed", true)]);
    let cut = exports[1].4["rows"].as_u64().unwrap();
    let full = exports[3].4["rows"].as_u64().unwrap();
    assert!(full == 3000 && cut < full, "cut off after {cut} of {full} rows");
    assert_eq!(exports[3].4["to"], "all.csv");
    let (code, v) = verify(&d.0);
    assert_eq!(code, 0, "{v}");
    // Rejected rows written out in full are an unmasked export too.
    let (_, out, _) = tianfu(&["batches", "list", "--db", "t.db", "--format", "json"], &d.0);
    let id = serde_json::from_str::<Value>(&out).unwrap()[0]["id"].to_string();
    let (code, _, err) = tianfu(&["batches", "show", &id, "--db", "t.db", "--errors", "rejected.csv"], &d.0);
    assert_eq!(code, 0, "{err}");
    let last = entries(&d.0).pop().unwrap();
    assert_eq!((last.2.as_str(), last.3.as_str(), last.4["what"].as_str(), last.4["masked"].as_bool()), ("export", "ok", Some("rejected_rows"), Some(false)));
}

#[test]
fn writers_in_several_processes_keep_one_chain() {
    let d = tmp("procs");
    let add = |i: usize| {
        Command::new(env!("CARGO_BIN_EXE_tianfu"))
            .args(["user", "add", &format!("u{i}"), "--role", "auditor", "--org", "510104", "--db", "t.db"])
            .current_dir(&d.0)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // The first creates the files; then twelve processes append at once.
    assert!(add(0).wait().unwrap().success());
    let running: Vec<_> = (1..13).map(add).collect();
    for mut c in running {
        assert!(c.wait().unwrap().success());
    }
    let (code, v) = verify(&d.0);
    assert_eq!(code, 0, "{v}");
    assert_eq!((v["entries"].as_u64(), v["checkpoint"]["id"].as_i64(), v["beyond_checkpoint"].as_u64()), (Some(13), Some(13), Some(0)), "{v}");
}

#[test]
fn verify_reports_each_attack_of_a_database_writer() {
    let d = tmp("attacks");
    for i in 0..10 {
        let (code, _, err) = tianfu(&["user", "add", &format!("u{i}"), "--role", "county_officer", "--org", "510104", "--db", "t.db"], &d.0);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, _) = tianfu(&["audit", "verify", "--db", "t.db"], &d.0);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("10 条记录") && out.contains("检查点"), "{out}");
    let log = entries(&d.0);

    // An entry edited and the chain after it recomputed with plain SHA-256.
    let c = rusqlite::Connection::open(d.0.join("t.platform.db")).unwrap();
    let rows: Vec<(i64, String, String, String, String, String, String, String)> = c
        .prepare("SELECT id, at, actor, action, target, detail, ip, outcome FROM audit_log ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut prev: String = c.query_row("SELECT hash FROM audit_log WHERE id = 4", [], |r| r.get(0)).unwrap();
    let mut sql = String::new();
    for (id, at, actor, action, target, detail, ip, outcome) in rows.into_iter().filter(|r| r.0 >= 5) {
        let target = if id == 5 { "someone-else".to_string() } else { target };
        let e = store::AuditEvent { actor, action, target: target.clone(), detail, ip, outcome };
        let h = store::audit::legacy_hash(&prev, id, &at, &e);
        sql.push_str(&format!("UPDATE audit_log SET target = '{target}', prev_hash = '{prev}', hash = '{h}' WHERE id = {id};"));
        prev = h;
    }
    drop(c);
    let backup = std::fs::read(d.0.join("t.platform.db")).unwrap();
    tamper(&d.0, &sql);
    let (code, v) = verify(&d.0);
    assert_eq!(code, 1);
    assert_eq!(v["problems"][0]["id"], 5);
    assert!(kinds(&v).contains(&"edited".to_string()), "{v}");
    let (_, text, _) = tianfu(&["audit", "verify", "--db", "t.db"], &d.0);
    assert!(text.contains("审计日志已被篡改") && text.contains("内容被修改或伪造"), "{text}");
    std::fs::write(d.0.join("t.platform.db"), &backup).unwrap();
    assert_eq!(verify(&d.0).0, 0, "the untouched copy verifies");

    // The newest entries deleted: verify says so, and the console refuses to write on.
    tamper(&d.0, "DELETE FROM audit_log WHERE id > 8");
    let (code, v) = verify(&d.0);
    assert_eq!((code, kinds(&v)), (1, vec!["truncated".to_string()]), "{v}");
    let (code, _, err) = tianfu(&["user", "add", "late", "--role", "auditor", "--org", "510104", "--db", "t.db", "--lang", "en"], &d.0);
    assert_eq!(code, 2);
    assert!(err.contains("disagrees with its checkpoint") && err.contains("reset-head"), "{err}");
    std::fs::write(d.0.join("t.platform.db"), &backup).unwrap();

    // A forged entry appended (chained, with the unkeyed hash anyone can compute).
    let last = &log[9];
    let e = store::AuditEvent { actor: "u0".into(), action: "logout".into(), target: "u0".into(), detail: String::new(), ip: String::new(), outcome: "ok".into() };
    let prev_hash: String = rusqlite::Connection::open(d.0.join("t.platform.db")).unwrap().query_row("SELECT hash FROM audit_log WHERE id = ?1", [last.0], |r| r.get(0)).unwrap();
    let h = store::audit::legacy_hash(&prev_hash, 11, "2026-01-01T00:00:00.000000Z", &e);
    tamper(&d.0, &format!("INSERT INTO audit_log (id, at, actor, action, target, detail, ip, outcome, prev_hash, hash, keyed) VALUES (11, '2026-01-01T00:00:00.000000Z', 'u0', 'logout', 'u0', '', '', 'ok', '{prev_hash}', '{h}', 1)"));
    let (code, v) = verify(&d.0);
    assert_eq!((code, kinds(&v)), (1, vec!["edited".to_string()]), "{v}");
    assert_eq!(v["problems"][0]["id"], 11);
    std::fs::write(d.0.join("t.platform.db"), &backup).unwrap();

    // The anchor written by hand, then the oldest half deleted.
    let h5: String = rusqlite::Connection::open(d.0.join("t.platform.db")).unwrap().query_row("SELECT hash FROM audit_log WHERE id = 5", [], |r| r.get(0)).unwrap();
    tamper(&d.0, &format!("INSERT INTO audit_anchor (one, last_id, hash, cut, mac) VALUES (1, 5, '{h5}', '2000-01-01T00:00:00Z', ''); DELETE FROM audit_log WHERE id <= 5;"));
    let (code, v) = verify(&d.0);
    assert_eq!((code, kinds(&v)), (1, vec!["anchor_unauthenticated".to_string()]), "{v}");
    std::fs::write(d.0.join("t.platform.db"), &backup).unwrap();

    // Another database put in its place (a fresh one: its log is empty).
    std::fs::remove_file(d.0.join("t.platform.db")).unwrap();
    let (code, v) = verify(&d.0);
    assert_eq!((code, kinds(&v)), (1, vec!["truncated".to_string()]), "{v}");

    // After a deliberate restore, an operator resets the head; the reset is in the log.
    std::fs::write(d.0.join("t.platform.db"), &backup).unwrap();
    tamper(&d.0, "DELETE FROM audit_log WHERE id > 7");
    let (code, out, err) = tianfu(&["audit", "reset-head", "--db", "t.db"], &d.0);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("第 10 条重置为第 7 条"), "{out}");
    let (code, v) = verify(&d.0);
    assert_eq!(code, 0, "{v}");
    assert_eq!(entries(&d.0).last().unwrap().2, "audit_head_reset");
}

#[test]
fn verify_without_the_key_file_says_so() {
    let d = tmp("nokey");
    assert_eq!(tianfu(&["user", "add", "wang", "--role", "auditor", "--org", "510104", "--db", "t.db"], &d.0).0, 0);
    std::fs::remove_file(d.0.join("tianfu-data/secret.key")).unwrap();
    let (code, _, err) = tianfu(&["audit", "verify", "--db", "t.db", "--lang", "en"], &d.0);
    assert_eq!(code, 2);
    assert!(err.contains("key file") && err.contains("secret.key"), "{err}");
    // A key from another folder: the configured one is used (TIANFU_AUDIT_KEY_FILE).
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu"))
        .args(["audit", "verify", "--db", "t.db", "--format", "json"])
        .env("TIANFU_AUDIT_KEY_FILE", d.0.join("elsewhere.key"))
        .current_dir(&d.0)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("elsewhere.key"));
}

/// `tianfu import` at the console is in the chained log like the console's uploads; `tianfu audit
/// find-id` finds the entries about one person by the keyed hash of the number (the log holds no
/// number), and its own lookup is recorded too.
#[test]
fn console_imports_and_lookups_are_audited() {
    let d = with_students("find-id");
    let imports: Vec<_> = entries(&d.0).into_iter().filter(|e| e.2 == "import").collect();
    assert_eq!(imports.len(), 3, "one entry per import");
    assert!(imports.iter().all(|e| e.1.starts_with("console:") && e.3 == "ok" && e.4["file"].as_str().is_some_and(|f| !f.contains('/'))), "{imports:?}");
    let id = "51010420140901003X";
    let (code, out, err) = tianfu(&["audit", "find-id", id, "--db", "t.db", "--format", "json"], &d.0);
    assert_eq!(code, 0, "{err}");
    let first: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(first["entries"].as_array().unwrap().len(), 0);
    let (_, out, _) = tianfu(&["audit", "find-id", id, "--db", "t.db", "--format", "json"], &d.0);
    let second: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(second["entries"].as_array().unwrap().len(), 1, "the first lookup: {out}");
    assert_eq!(second["entries"][0]["action"], "search");
    let all = std::fs::read_to_string(d.0.join("t.platform.db")).unwrap_or_default();
    assert!(!all.contains(id), "the number itself is nowhere in the log");
    let (code, v) = verify(&d.0);
    assert_eq!(code, 0, "{v}");
}
