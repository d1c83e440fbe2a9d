//! What an operator sees of the real binary: `tianfu serve --log-format json` writes one JSON
//! object a line on stderr, each request's line carrying the id its answer gave, and nothing of
//! what the request carried (ID numbers and names in the path or query, passwords, cookies);
//! `tianfu import` off a terminal prints no progress.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(tag: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("tianfu-obs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

fn tianfu(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tianfu"));
    c.current_dir(dir);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("TIANFU_") || k == "RUST_LOG") {
        c.env_remove(k);
    }
    c
}

/// One HTTP/1.1 exchange on a new connection; returns the head of the answer.
fn exchange(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer.split("\r\n\r\n").next().unwrap().to_string()
}

fn request_id(head: &str) -> String {
    head.lines().find_map(|l| l.strip_prefix("x-request-id: ")).unwrap_or_else(|| panic!("no request id: {head}")).trim().to_string()
}

#[test]
fn serve_writes_json_logs_with_request_ids_and_no_personal_data() {
    let d = temp("serve");
    let mut child = tianfu(&d.0)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", "data/tianfu.db", "--log-format", "json", "--lang", "en"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The address is printed once the server listens.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let port: u16 = loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the server stopped before listening");
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let health = exchange(port, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let health_id = request_id(&health);
    let person = exchange(port, "GET /schools/510104199001011234?name=%E5%BC%A0%E4%B8%89 HTTP/1.1\r\nHost: t\r\nCookie: tianfu_session=cookie-secret-77\r\nConnection: close\r\n\r\n");
    let person_id = request_id(&person);
    let form = "name=%E5%BC%A0%E4%B8%89&password=Secret-Pass-99&csrf=x&next=%2F";
    let login = exchange(port, &format!("POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}", form.len()));
    let login_id = request_id(&login);
    child.kill().unwrap();
    child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();

    let lines: Vec<serde_json::Value> = err.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))).collect();
    let answered = |id: &str| {
        lines.iter().find(|v| v["fields"]["message"] == "answered" && v["spans"].as_array().is_some_and(|s| s.iter().any(|s| s["request_id"] == id))).unwrap_or_else(|| panic!("no line for {id}: {err}"))
    };
    assert!(lines.iter().any(|v| v["fields"]["message"] == "listening" && v["fields"]["addr"] == format!("127.0.0.1:{port}")), "{err}");
    let h = answered(&health_id);
    assert_eq!(h["fields"]["status"], 200);
    assert_eq!(h["spans"][0]["route"], "/healthz");
    assert_eq!(h["level"], "INFO");
    assert_eq!(answered(&person_id)["spans"][0]["route"], "/schools/{code}", "the template, not the path");
    answered(&login_id);
    for secret in ["510104199001011234", "张三", "%E5%BC%A0", "Secret-Pass-99", "cookie-secret-77", "name="] {
        assert!(!err.contains(secret), "{secret} in the log: {err}");
    }
}

#[test]
fn import_off_a_terminal_prints_no_progress() {
    let d = temp("import");
    let o = tianfu(&d.0).args(["demo", "generate", "--students", "3000", "--seed", "5", "--error-rate", "0", "--out", "demo"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = tianfu(&d.0).args(["import", "demo/students.csv", "--entity", "student", "--db", "data/tianfu.db", "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert!(v["rows_read"].as_u64().unwrap() >= 3000, "{v}");
    assert_eq!(String::from_utf8_lossy(&o.stderr), "", "stderr is not a terminal: no bar, no log below warn");
}

/// Starts `tianfu worker --metrics-listen 127.0.0.1:0` in `dir`; returns it and the port.
fn worker_with_metrics(dir: &Path) -> (std::process::Child, u16) {
    let mut child = tianfu(dir)
        .args(["worker", "--db", "data/tianfu.db", "--metrics-listen", "127.0.0.1:0", "--lang", "en"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "the worker stopped before listening");
        if let Some(rest) = line.split("metrics: http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    // Keep draining stderr so that the worker never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    (child, port)
}

#[test]
fn the_worker_serves_its_metrics_to_allowed_addresses_only() {
    let d = temp("worker");
    let (mut child, port) = worker_with_metrics(&d.0);
    let m = exchange(port, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert!(m.starts_with("HTTP/1.1 200"), "{m}");
    assert!(m.contains("content-type: text/plain; version=0.0.4"), "{m}");
    assert!(exchange(port, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").starts_with("HTTP/1.1 200"));
    child.kill().unwrap();
    child.wait().unwrap();
    // A configuration that allows another address only: this machine is refused.
    std::fs::write(d.0.join("tianfu.toml"), "metrics_allow = [\"10.20.0.0/16\"]\n").unwrap();
    let (mut child, port) = worker_with_metrics(&d.0);
    let m = exchange(port, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert!(m.starts_with("HTTP/1.1 404"), "{m}");
    child.kill().unwrap();
    child.wait().unwrap();
}
