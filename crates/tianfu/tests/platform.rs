//! The platform's console commands: `tianfu user` and `tianfu audit verify` (which must catch an
//! edited or deleted audit entry), and `tianfu serve` printing its address and the first login.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn tianfu(args: &[&str], dir: &Path) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).current_dir(dir).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tianfu-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn users_at_the_console_and_a_verified_audit_log() {
    let d = tmp("users");
    let db = d.join("t.db");
    let db = db.to_str().unwrap();
    let (code, out, err) = tianfu(&["user", "add", "wang", "--role", "county_officer", "--org", "510104", "--db", db], &d);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("一次性密码："), "{out}");
    let (code, _, err) = tianfu(&["user", "add", "li", "--role", "county_officer", "--org", "510100", "--db", db, "--lang", "en"], &d);
    assert_eq!(code, 2, "a county officer at a city");
    assert!(err.contains("county"), "{err}");
    assert_eq!(tianfu(&["user", "disable", "wang", "--db", db], &d).0, 0);
    let (_, out, _) = tianfu(&["user", "list", "--db", db], &d);
    assert!(out.contains("wang") && out.contains("disabled"), "{out}");
    assert_eq!(tianfu(&["user", "reset-password", "wang", "--db", db], &d).0, 0);
    let (code, out, _) = tianfu(&["audit", "verify", "--db", db], &d);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 条记录"), "{out}");
    // Someone edits an entry behind the program's back (dropping the guard first).
    let c = rusqlite_edit(&d.join("t.platform.db"), "DROP TRIGGER audit_no_update; UPDATE audit_log SET actor = 'someone' WHERE id = 2;");
    assert!(c);
    let (code, out, _) = tianfu(&["audit", "verify", "--db", db, "--format", "json"], &d);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["problems"][0]["id"], 2);
    assert_eq!(v["problems"][0]["kind"], "edited");
    rusqlite_edit(&d.join("t.platform.db"), "DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE id = 1;");
    let (code, out, _) = tianfu(&["audit", "verify", "--db", db], &d);
    assert_eq!(code, 1);
    assert!(out.contains("记录被删除") || out.contains("链接断裂"), "{out}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Edits the platform file with the sqlite3 library of the store crate's tests (through the
/// store's own connection: the binary has no "edit" command, by design).
fn rusqlite_edit(path: &Path, sql: &str) -> bool {
    let base = path.with_file_name(path.file_name().unwrap().to_str().unwrap().replace(".platform.db", ".db"));
    let s = store_sqlite::SqliteStore::open(&base).unwrap();
    s.platform_connection().execute_batch(sql).is_ok()
}

#[test]
fn serve_prints_the_address_and_the_first_login() {
    let d = tmp("serve");
    // An account made before the first start is not an administrator: one is still created.
    assert_eq!(tianfu(&["user", "add", "shenji", "--role", "auditor", "--org", "510000", "--db", "x.db"], &d).0, 0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tianfu"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db", "x.db", "--lang", "en"])
        .current_dir(&d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut password) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(i) = line.find("http://127.0.0.1:") {
            url = Some(line[i..].split_whitespace().next().unwrap().to_string());
        }
        if let Some(i) = line.find("one-time password ") {
            password = Some(line[i + 18..].split_whitespace().next().unwrap().to_string());
        }
        if url.is_some() && password.is_some() {
            break;
        }
    }
    let url = url.expect("address printed");
    let password = password.expect("password printed");
    assert!(password.len() >= 12);
    // The server answers: the login page, in Chinese by default.
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    use std::io::{Read, Write};
    s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200") && resp.contains("登录"), "{resp}");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(d.join("tianfu-data/secret.key").is_file());
    std::fs::remove_dir_all(&d).unwrap();
}
