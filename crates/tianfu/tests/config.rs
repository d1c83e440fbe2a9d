//! One configuration for every command, on the real binary: `serve` and the console commands
//! (`import`, `export`, `batches`, `sites`, `config`) find the same database from a tianfu.toml in
//! the working folder, from `TIANFU_DATABASE_URL`, and from `--config FILE`; `tianfu config` names
//! each value's source and hides passwords; a second province (贵州 52) end to end, on SQLite and
//! PostgreSQL (when TIANFU_TEST_DATABASE_URL is set).

mod common;
use common::{tmp_dir, Dir};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn tmp(tag: &str) -> Dir {
    tmp_dir("config-cli", tag)
}

/// The binary in `cwd` with no TIANFU_* of the test's own environment, plus `env`.
fn cmd(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tianfu"));
    c.current_dir(cwd).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("TIANFU_") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn tianfu(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = cmd(cwd, env, args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Value {
    let (code, out, err) = tianfu(cwd, env, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// An import's report: exit code 1 when rows were rejected.
fn import_json(cwd: &Path, env: &[(&str, &str)], file: &str, entity: &str) -> Value {
    let (code, out, err) = tianfu(cwd, env, &["import", file, "--entity", entity, "--format", "json"]);
    assert!(code == 0 || code == 1, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

/// A running `tianfu serve`, killed when dropped.
struct Server {
    child: std::process::Child,
    addr: String,
    /// The database it names on start.
    database: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tianfu serve` on a free port and reads its start line (no sleeping: the line is
/// printed once the socket listens).
fn serve(cwd: &Path, env: &[(&str, &str)], extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--lang", "en"];
    args.extend_from_slice(extra);
    let mut child = cmd(cwd, env, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("Tianfu is running at") => break l,
            Some(Ok(_)) => continue,
            _ => {
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("serve stopped: {err}");
            }
        }
    };
    // Keep reading so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let addr = line.split("http://").nth(1).unwrap().split('/').next().unwrap().to_string();
    let database = line.split("(database ").nth(1).unwrap().split(';').next().unwrap().to_string();
    Server { child, addr, database }
}

/// GET over plain HTTP/1.1: (status, body).
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut r = Vec::new();
    s.read_to_end(&mut r).unwrap();
    let r = String::from_utf8_lossy(&r).into_owned();
    let status = r.split(' ').nth(1).unwrap().parse().unwrap();
    (status, r.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default())
}

const SCHOOLS: &str = "学校标识码,学校名称,办学类型,行政区划码\n2151040001,锦江第一小学,211,510104\n";
const SITES: &str = "名称,网址,单位代码,类别\n锦江第一小学,https://www.example.edu.cn/,2151040001,小学\n";

/// Import, export, batches and sites in `cwd` with `env`, all on the database `serve` names.
fn console_commands_use(cwd: &Path, env: &[(&str, &str)], database: &str) {
    std::fs::write(cwd.join("schools.csv"), SCHOOLS).unwrap();
    std::fs::write(cwd.join("sites.csv"), SITES).unwrap();
    let o = json(cwd, env, &["import", "schools.csv", "--entity", "school", "--format", "json"]);
    assert_eq!(o["inserted"], 1, "{o}");
    let (code, csv, err) = tianfu(cwd, env, &["export", "--entity", "school"]);
    assert_eq!(code, 0, "{err}");
    assert!(csv.contains("锦江第一小学"), "export reads what import wrote: {csv}");
    let b = json(cwd, env, &["batches", "list", "--format", "json"]);
    assert_eq!(b.as_array().unwrap().len(), 1, "{b}");
    let (code, _, err) = tianfu(cwd, env, &["sites", "import", "sites.csv"]);
    assert_eq!(code, 0, "{err}");
    let c = json(cwd, env, &["config", "--format", "json"]);
    assert_eq!(c["db"]["value"], database, "{c}");
    if !database.contains("://") {
        // The SQLite files are where serve said, and nothing went to the default folder.
        for f in ["", ".platform", ".monitor"] {
            let p = PathBuf::from(database.replace(".db", &format!("{f}.db")));
            let p = if p.is_absolute() { p } else { cwd.join(p) };
            assert!(p.is_file(), "{} missing", p.display());
        }
        assert!(!cwd.join("tianfu-data").exists(), "a command used the default database");
    }
}

#[test]
fn serve_and_console_commands_find_the_same_database_from_the_file() {
    let d = tmp("file");
    std::fs::write(d.0.join("tianfu.toml"), "db = \"store/from-file.db\"\n").unwrap();
    let server = serve(&d.0, &[], &[]);
    assert_eq!(server.database, "store/from-file.db");
    drop(server);
    console_commands_use(&d.0, &[], "store/from-file.db");
}

#[test]
fn serve_and_console_commands_find_the_same_database_from_the_environment() {
    let d = tmp("env");
    // The environment is over the file.
    std::fs::write(d.0.join("tianfu.toml"), "db = \"store/from-file.db\"\n").unwrap();
    let db = d.0.join("env").join("from-env.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let db = db.to_str().unwrap().to_string();
    let env = [("TIANFU_DATABASE_URL", db.as_str())];
    let server = serve(&d.0, &env, &[]);
    assert_eq!(server.database, db);
    drop(server);
    console_commands_use(&d.0, &env, &db);
    assert!(!d.0.join("store").exists(), "the file's database was not used");
}

#[test]
fn a_named_configuration_file_is_read_and_must_exist() {
    let d = tmp("named");
    let etc = d.0.join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let f = etc.join("tianfu.toml");
    std::fs::write(&f, format!("data_dir = \"{}\"\n", d.0.join("var").display())).unwrap();
    let f = f.to_str().unwrap();
    let c = json(&d.0, &[], &["--config", f, "config", "--format", "json"]);
    assert_eq!(c["db"]["value"], format!("{}/tianfu.db", d.0.join("var").display()));
    assert_eq!(c["data_dir"]["source"], format!("file {f}"));
    // The flag may come after the subcommand, and TIANFU_CONFIG names the file too.
    let c = json(&d.0, &[], &["config", "--config", f, "--format", "json"]);
    assert_eq!(c["data_dir"]["source"], format!("file {f}"));
    let c = json(&d.0, &[("TIANFU_CONFIG", f)], &["config", "--format", "json"]);
    assert_eq!(c["data_dir"]["source"], format!("file {f}"));
    let (code, _, err) = tianfu(&d.0, &[], &["--config", "/nonexistent/tianfu.toml", "import", "x.csv", "--entity", "school"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/tianfu.toml"), "{err}");
}

#[test]
fn config_prints_every_source_and_hides_passwords() {
    let d = tmp("print");
    std::fs::write(d.0.join("tianfu.toml"), "pool_size = 8\nlisten = \"0.0.0.0:9000\"\ncolour = \"red\"\n").unwrap();
    let env = [("TIANFU_POOL_SIZE", "3"), ("TIANFU_DATABASE_URL", "postgres://tianfu:s3cret-pw@db.example/tianfu")];
    let (code, text, err) = tianfu(&d.0, &env, &["config", "--listen", "x"]);
    assert_ne!(code, 0, "config takes no --listen: {text}");
    let (code, text, err2) = tianfu(&d.0, &env, &["config"]);
    assert_eq!(code, 0, "{err} {err2}");
    assert!(err2.contains("colour"), "unknown keys are warned about: {err2}");
    assert!(!text.contains("s3cret-pw"), "{text}");
    let line = |k: &str| text.lines().find(|l| l.starts_with(&format!("{k} "))).unwrap_or_else(|| panic!("{k}: {text}")).to_string();
    assert!(line("db").contains("postgres://tianfu:***@db.example/tianfu") && line("db").ends_with("# env TIANFU_DATABASE_URL"), "{text}");
    assert!(line("pool_size").contains("= 3") && line("pool_size").ends_with("# env TIANFU_POOL_SIZE"), "environment over file: {text}");
    assert!(line("listen").ends_with("# file tianfu.toml"), "{text}");
    assert!(line("session_idle_minutes").ends_with("# default"), "{text}");
    let c = json(&d.0, &env, &["config", "--format", "json", "--db", "/srv/t/x.db"]);
    assert_eq!(c["db"], serde_json::json!({ "value": "/srv/t/x.db", "source": "flag --db" }));
    assert_eq!(c["data_dir"]["value"], "/srv/t");
    assert_eq!(c["pool_size"]["value"], 3);
    let (_, out, _) = tianfu(&d.0, &env, &["config", "--format", "json"]);
    assert!(!out.contains("s3cret-pw"), "{out}");
}

fn id(body17: &str) -> String {
    format!("{body17}{}", standard::ids::id_check_char(body17.as_bytes()) as char)
}

/// Guizhou's schools and students import into a Guizhou installation; Sichuan's rows are
/// refused as outside the province.
fn guizhou(cwd: &Path, env: &[(&str, &str)]) {
    std::fs::write(cwd.join("tianfu.toml"), "province = 52\n").unwrap();
    std::fs::write(
        cwd.join("schools.csv"),
        "学校标识码,学校名称,办学类型,行政区划码\n2152010201,南明第一小学,211,520102\n2151040001,锦江第一小学,211,510104\n",
    )
    .unwrap();
    let o = import_json(cwd, env, "schools.csv", "school");
    assert_eq!((o["inserted"].as_u64(), o["rejected"].as_u64()), (Some(1), Some(1)), "{o}");
    assert_eq!(o["errors"]["region_unknown"], 1, "the Sichuan school is outside the province: {o}");
    let head = "学籍号,身份证件号,姓名,性别码,出生日期,民族码,行政区划码,学校标识码,年级,班级,入学年月,监护人电话,现住址";
    let gz = id("52010220140901001");
    let sc = id("51010420140901002");
    std::fs::write(
        cwd.join("students.csv"),
        format!(
            "{head}\nG{gz},{gz},学生一,1,2014-09-01,01,520102,2152010201,13,1班,2020-09,13800000001,贵阳市南明区某街1号\n\
             G{sc},{sc},学生二,2,2014-09-01,01,510104,2152010201,13,1班,2020-09,13800000002,成都市锦江区某街2号\n"
        ),
    )
    .unwrap();
    let o = import_json(cwd, env, "students.csv", "student");
    assert_eq!((o["inserted"].as_u64(), o["rejected"].as_u64()), (Some(1), Some(1)), "{o}");
    // Without the configuration (Sichuan by default), the same Guizhou rows are refused.
    let (_, out, _) = tianfu(cwd, env, &["validate", "schools.csv", "--entity", "school", "--province", "51", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["rows_rejected"].as_u64().or(v["rejected"].as_u64()), Some(1), "{v}");
    // The console: Guizhou's name, and no map (never Sichuan's).
    let server = serve(cwd, env, &[]);
    let (status, body) = get(&server.addr, "/login");
    assert_eq!(status, 200);
    assert!(body.contains("贵州省") && !body.contains("四川"), "{body}");
    assert_eq!(get(&server.addr, "/province/map.geojson").0, 404, "no map for Guizhou");
    let stats = json(cwd, env, &["stats", "--format", "json"]);
    assert_eq!(stats["total"], 1, "{stats}");
}

#[test]
fn a_second_province_end_to_end_on_sqlite() {
    let d = tmp("guizhou");
    guizhou(&d.0, &[]);
}

#[test]
fn a_second_province_end_to_end_on_postgres() {
    let Some(base) = std::env::var("TIANFU_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else { return };
    let d = tmp("guizhou-pg");
    let schema = format!("cfg_{}", std::process::id());
    let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    let data = d.0.join("data");
    let env = [("TIANFU_DATABASE_URL", url.as_str()), ("TIANFU_DATA_DIR", data.to_str().unwrap())];
    let (code, _, err) = tianfu(&d.0, &env, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    guizhou(&d.0, &env);
    let mut sichuan = true;
    let n: i64 = c.query_one(&format!("SELECT count(*) FROM {schema}.schools"), &[]).unwrap().get(0);
    if n == 1 {
        sichuan = false;
    }
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();
    assert!(!sichuan, "one Guizhou school stored in PostgreSQL");
}

/// `[security]` from the file and the environment: `tianfu incidents sweep` runs once (exit 0,
/// what it escalated printed) and refuses bad settings naming the key (exit 2); `tianfu config`
/// shows the keys.
#[test]
fn security_settings_and_the_incident_sweep() {
    let d = tmp("security");
    let db = d.0.join("tianfu.db").display().to_string();
    std::fs::write(d.0.join("tianfu.toml"), "[security]\nincident_classification = \"2007\"\nincident_deadlines = \"other=6\"\n").unwrap();
    let (code, out, err) = tianfu(&d.0, &[], &["incidents", "sweep", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("本次升级 0 起"), "{out}");
    let (code, _, err) = tianfu(&d.0, &[("TIANFU_SECURITY_INCIDENT_DEADLINES", "school=3")], &["incidents", "sweep", "--db", &db]);
    assert_eq!(code, 2);
    assert!(err.contains("security.incident_deadlines") && err.contains("school"), "{err}");
    let (code, _, err) = tianfu(&d.0, &[("TIANFU_SECURITY_INCIDENT_CLASSIFICATION", "2019")], &["incidents", "sweep", "--db", &db]);
    assert_eq!(code, 2);
    assert!(err.contains("security.incident_classification"), "{err}");
    let (code, out, err) = tianfu(&d.0, &[], &["config"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("security.incident_classification = \"2007\"") && out.contains("security.attachment_limit_mib"), "{out}");
}

/// `tianfu remind` runs the day's 等保 and duty reminders once and prints the counts (an empty
/// database: nothing due, exit 0), in JSON with `--format json`.
#[test]
fn the_reminders_once_from_the_command_line() {
    let d = tmp("remind");
    let db = d.0.join("tianfu.db").display().to_string();
    let (code, out, err) = tianfu(&d.0, &[], &["remind", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("等保提醒：今日到期 0 条") && out.contains("零报告提醒"), "{out}");
    let v = json(&d.0, &[], &["remind", "--db", &db, "--format", "json"]);
    assert_eq!(v["mlps"]["sent"], 0, "{v}");
    assert_eq!(v["duty_units"], 0, "{v}");
}
