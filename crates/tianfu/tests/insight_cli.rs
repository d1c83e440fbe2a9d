//! `tianfu insight refresh` on the real binary: the refresh is audited (`insight_refresh`) with
//! the console user, the scope, the schools written and the seconds taken.

mod common;
use std::path::Path;
use std::process::Command;

fn tianfu(args: &[&str], dir: &Path) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).current_dir(dir).env_remove("TIANFU_DATABASE_URL").output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn refresh_writes_an_audit_entry() {
    let dir = common::tmp_dir("cli-insight", "refresh");
    let p = &dir.0;
    let (code, out, err) = tianfu(&["insight", "refresh", "--db", "t.db", "--format", "json"], p);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("{\"schools\": 0,"), "{out}");
    // With a generated county's schools and students: the entry counts the schools written.
    let (code, _, err) = tianfu(&["demo", "generate", "--students", "600", "--seed", "9", "--error-rate", "0", "--out", "data"], p);
    assert_eq!(code, 0, "{err}");
    for (file, entity) in [("schools.csv", "school"), ("students.csv", "student")] {
        let (code, _, err) = tianfu(&["import", &format!("data/{file}"), "--entity", entity, "--db", "t.db"], p);
        assert_eq!(code, 0, "{err}");
    }
    let schools: i64 = rusqlite::Connection::open(p.join("t.db")).unwrap().query_row("SELECT COUNT(*) FROM schools", [], |r| r.get(0)).unwrap();
    assert!(schools > 0);
    let (code, out, err) = tianfu(&["insight", "refresh", "--db", "t.db", "--format", "json"], p);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("{{\"schools\": {schools},")), "every school with its facts: {out}");
    let c = rusqlite::Connection::open(p.join("t.platform.db")).unwrap();
    let mut q = c.prepare("SELECT actor, target, detail, outcome FROM audit_log WHERE action = 'insight_refresh' ORDER BY id").unwrap();
    let rows: Vec<(String, String, String, String)> = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2, "one entry per refresh");
    let (actor, target, detail, outcome) = &rows[0];
    assert!(actor.starts_with("console:"), "{actor}");
    assert_eq!((target.as_str(), outcome.as_str()), ("insight", "ok"));
    let d: serde_json::Value = serde_json::from_str(detail).unwrap();
    assert_eq!(d["via"], "cli");
    assert_eq!(d["scope"], "all");
    assert_eq!(d["schools_written"], 0);
    assert!(d["seconds"].as_f64().unwrap() >= 0.0);
    let d: serde_json::Value = serde_json::from_str(&rows[1].2).unwrap();
    assert_eq!(d["schools_written"], schools);
}
