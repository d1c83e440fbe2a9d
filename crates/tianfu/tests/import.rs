//! `tianfu import` end to end on the real binary: batches, re-import, history, transfers, export
//! masking and logging, exit codes, and a real import killed with SIGKILL. Runs on SQLite always
//! and on PostgreSQL when TIANFU_TEST_DATABASE_URL is set (each test in its own schema).

mod common;
use common::{data_dir_for, tianfu};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use store::{Store, TableCounts};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tianfu-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A fresh database for one test: a SQLite file, or a new PostgreSQL schema.
struct Db {
    url: String,
    pg: Option<(String, String)>,
}

impl Db {
    fn sqlite(dir: &Path) -> Db {
        Db { url: dir.join("t.db").to_str().unwrap().to_string(), pg: None }
    }

    fn postgres() -> Option<Db> {
        let base = store_postgres::testing::database_url()?;
        let schema = format!("cli_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
        let (code, _, err) = tianfu(&["migrate", "--db", &url]);
        assert_eq!(code, 0, "{err}");
        Some(Db { url, pg: Some((base, schema)) })
    }

    fn store(&self) -> Box<dyn Store> {
        match &self.pg {
            Some(_) => Box::new(store_postgres::PgStore::connect(&self.url).unwrap()),
            None => Box::new(store_sqlite::SqliteStore::open(Path::new(&self.url)).unwrap()),
        }
    }

    fn counts(&self) -> TableCounts {
        self.store().table_counts().unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(data_dir_for(&self.url));
        if let Some((base, schema)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

fn backends(dir: &Path) -> Vec<Db> {
    let mut v = vec![Db::sqlite(dir)];
    v.extend(Db::postgres());
    v
}

fn import(db: &Db, file: &Path, entity: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["import", file.to_str().unwrap(), "--entity", entity, "--db", &db.url, "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = tianfu(&args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, v)
}

fn generate(dir: &Path, students: u64, error_rate: &str) -> PathBuf {
    let out = dir.join(format!("demo-{students}-{error_rate}"));
    let (code, _, err) = tianfu(&["demo", "generate", "--students", &students.to_string(), "--seed", "9", "--error-rate", error_rate, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    out
}

fn planted(dir: &Path, file: &str) -> Value {
    let p: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("planted.json")).unwrap()).unwrap();
    p["files"][file].clone()
}

#[test]
fn import_counts_reimport_and_batches() {
    let d = tmp("basic");
    let data = generate(&d, 3000, "0.02");
    for db in backends(&d) {
        let (code, s) = import(&db, &data.join("schools.csv"), "school", &[]);
        assert_eq!(code, 1, "some schools are planted bad: {s}");
        let exp = planted(&data, "schools.csv");
        assert_eq!(s["inserted"], exp["rows_valid"]);
        assert_eq!(s["rejected"], exp["rows_rejected"]);
        let (_, st) = import(&db, &data.join("students.csv"), "student", &[]);
        let exp = planted(&data, "students.csv");
        assert_eq!(st["rows_read"], exp["rows"]);
        assert_eq!(st["inserted"], exp["rows_valid"], "{st}");
        assert_eq!(st["errors"], exp["errors"]);
        let sum = st["inserted"].as_u64().unwrap() + st["updated"].as_u64().unwrap() + st["unchanged"].as_u64().unwrap() + st["rejected"].as_u64().unwrap();
        assert_eq!(sum, st["rows_read"].as_u64().unwrap());
        // The same file again: recognised, nothing written.
        let before = db.counts();
        let (_, again) = import(&db, &data.join("students.csv"), "student", &[]);
        assert_eq!(again["already_imported"], true);
        assert_eq!(again["batch_id"], st["batch_id"]);
        assert_eq!((again["inserted"].as_u64(), again["updated"].as_u64()), (Some(0), Some(0)));
        assert_eq!(db.counts(), before);
        // Forced: every valid row is unchanged.
        let (_, forced) = import(&db, &data.join("students.csv"), "student", &["--force"]);
        assert_eq!(forced["unchanged"], exp["rows_valid"]);
        assert_eq!(forced["inserted"], 0);
        // Batches list and show, with the rejected rows written back out.
        let (code, out, _) = tianfu(&["batches", "list", "--db", &db.url, "--format", "json"]);
        assert_eq!(code, 0);
        let list: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 3);
        let id = st["batch_id"].to_string();
        let errs = d.join(format!("errors-{}.csv", db.pg.is_some()));
        let (code, _, err) = tianfu(&["batches", "show", &id, "--db", &db.url, "--errors", errs.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let text = std::fs::read_to_string(&errs).unwrap();
        assert_eq!(text.lines().count() as u64, 1 + exp["rows_rejected"].as_u64().unwrap());
        let (code, _, err) = tianfu(&["batches", "show", "99999", "--db", &db.url]);
        assert_eq!(code, 2);
        assert!(err.contains("99999"));
    }
}

const HEAD: &str = "学籍号,身份证件号,姓名,性别码,出生日期,民族码,行政区划码,学校标识码,年级,班级,入学年月,监护人电话,现住址";
const SCHOOLS: &str = "学校标识码,学校名称,办学类型,行政区划码\n2151040001,锦江第一小学,211,510104\n2151120001,龙泉第一小学,211,510112\n";

fn id(body17: &str) -> String {
    format!("{body17}{}", standard::ids::id_check_char(body17.as_bytes()) as char)
}

fn student_row(n: u32, school: &str, grade: &str, phone: &str) -> String {
    let idn = id(&format!("51010420140901{n:03}"));
    let g = if n % 2 == 1 { 1 } else { 2 };
    format!("G{idn},{idn},学生{n},{g},2014-09-01,01,510104,{school},{grade},1班,2020-09,{phone},成都市锦江区某街{n}号")
}

#[test]
fn history_transfers_and_masked_export() {
    let d = tmp("history");
    std::fs::write(d.join("schools.csv"), SCHOOLS).unwrap();
    let v1 = format!("{HEAD}\n{}\n{}\n", student_row(1, "2151040001", "13", "13800000001"), student_row(3, "2151040001", "13", "13800000003"));
    let v2 = format!("{HEAD}\n{}\n{}\n", student_row(1, "2151120001", "14", "13800000001"), student_row(3, "2151040001", "13", "13900000003"));
    std::fs::write(d.join("v1.csv"), v1).unwrap();
    std::fs::write(d.join("v2.csv"), v2).unwrap();
    for db in backends(&d) {
        import(&db, &d.join("schools.csv"), "school", &[]);
        let (code, a) = import(&db, &d.join("v1.csv"), "student", &[]);
        assert_eq!((code, a["inserted"].as_u64()), (0, Some(2)));
        let (_, b) = import(&db, &d.join("v2.csv"), "student", &[]);
        assert_eq!((b["updated"].as_u64(), b["unchanged"].as_u64()), (Some(2), Some(0)));
        let mut s = db.store();
        let k1 = id("51010420140901001");
        let t = s.transfers(&k1).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].from_school.as_str(), t[0].to_school.as_str()), ("2151040001", "2151120001"));
        let ch = s.changes(store::Entity::Student, &id("51010420140901003")).unwrap();
        assert_eq!(ch.len(), 1);
        assert_eq!((ch[0].field.as_str(), ch[0].old_value.as_str(), ch[0].new_value.as_str()), ("guardian_phone", "13800000003", "13900000003"));
        drop(s);
        // Masked by default; unmasked on request; both recorded.
        let (code, out, _) = tianfu(&["export", "--entity", "student", "--db", &db.url, "--region", "510104"]);
        assert_eq!(code, 0);
        let lines: Vec<&str> = out.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 2, "one student is left in 锦江区: {out}");
        assert!(lines[0].starts_with("学籍号,身份证件类型,身份证件号,姓名"));
        assert!(lines[1].contains("510104********") && lines[1].contains(",学*,") && lines[1].contains("139****0003"), "{}", lines[1]);
        assert!(!lines[1].contains("13900000003"));
        let (_, out, _) = tianfu(&["export", "--entity", "student", "--db", &db.url, "--unmasked", "--headers", "en", "--user", "auditor1"]);
        assert!(out.contains("13900000003") && out.contains(&k1) && out.contains("student_id,id_type"));
        let xlsx = d.join(format!("s-{}.xlsx", db.pg.is_some()));
        let (code, _, err) = tianfu(&["export", "--entity", "school", "--db", &db.url, "--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert!(std::fs::metadata(&xlsx).unwrap().len() > 0);
        let log = db.store().export_log(10).unwrap();
        assert_eq!(log.len(), 3);
        assert_eq!((log[1].user.as_str(), log[1].masked, log[1].rows), ("auditor1", false, 2));
        assert!(log[2].masked && log[2].filter == "region=510104" && log[2].rows == 1);
    }
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let d = tmp("bad");
    std::fs::write(d.join("schools.csv"), SCHOOLS).unwrap();
    std::fs::write(d.join("nonsense.csv"), "foo,bar\n1,2\n").unwrap();
    for db in backends(&d) {
        import(&db, &d.join("schools.csv"), "school", &[]);
        let before = db.counts();
        let (code, _, err) = tianfu(&["import", d.join("nonsense.csv").to_str().unwrap(), "--entity", "student", "--db", &db.url]);
        assert_eq!(code, 2);
        assert!(err.contains("学生模板"), "{err}");
        let (code, _, err) = tianfu(&["import", d.join("missing.csv").to_str().unwrap(), "--entity", "student", "--db", &db.url]);
        assert_eq!(code, 2);
        assert!(err.contains("找不到文件"), "{err}");
        assert_eq!(db.counts(), before);
    }
    let (code, _, err) = tianfu(&["import", d.join("schools.csv").to_str().unwrap(), "--entity", "school", "--db", "postgres://postgres@127.0.0.1:1/nothing", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be reached"), "{err}");
}

/// Starts a real import of a large file, kills it with SIGKILL in the middle, and checks that the
/// database is exactly as before: every table count and the content digest.
#[test]
fn killed_import_leaves_the_database_as_it_was() {
    let d = tmp("kill");
    let data = generate(&d, 400_000, "0.01");
    for db in backends(&d) {
        import(&db, &data.join("schools.csv"), "school", &[]);
        let before = db.counts();
        // The import's connection is named, so that its transaction can be watched.
        let app = format!("tianfu_kill_{}", std::process::id());
        let url = if db.pg.is_some() { format!("{}&application_name={app}", db.url) } else { db.url.clone() };
        let mut child = Command::new(env!("CARGO_BIN_EXE_tianfu"))
            .args(["import", data.join("students.csv").to_str().unwrap(), "--entity", "student", "--db", &url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the import is writing: the SQLite WAL grows, or the PostgreSQL import
        // transaction has been running for a second (the whole import takes several).
        let started = std::time::Instant::now();
        let mut in_progress = false;
        while started.elapsed().as_secs() < 120 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            in_progress = match &db.pg {
                None => std::fs::metadata(format!("{}-wal", db.url)).map(|m| m.len() > 8 << 20).unwrap_or(false),
                Some((base, _)) => {
                    let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
                    let n: i64 = c
                        .query_one("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND xact_start < now() - interval '1 second'", &[&app])
                        .unwrap()
                        .get(0);
                    n > 0
                }
            };
            if in_progress {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(in_progress, "the import finished or never started writing before it could be killed");
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert_eq!(db.counts(), before, "a killed import must leave no trace");
        // The server notices the dead client within a second or two (client_connection_check_interval)
        // and rolls its transaction back, releasing the import lock; wait for that, bounded.
        if let Some((base, _)) = &db.pg {
            let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
            let gone = std::time::Instant::now();
            loop {
                let n: i64 = c.query_one("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", &[&app]).unwrap().get(0);
                if n == 0 {
                    break;
                }
                assert!(gone.elapsed().as_secs() < 30, "the killed import's session is still on the server after 30 s");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            assert_eq!(db.counts(), before, "a killed import must leave no trace");
        }
        // And the database still works: the same import now completes.
        let (_, s) = import(&db, &data.join("students.csv"), "student", &[]);
        assert!(s["inserted"].as_u64().unwrap() > 390_000);
    }
}

#[test]
fn demo_imports_a_province_and_matches_what_was_planted() {
    let d = tmp("demo");
    let dir = d.join("demo");
    let db = d.join("demo.db");
    let args = ["demo", "--no-serve", "--students", "5000", "--dir", dir.to_str().unwrap(), "--db", db.to_str().unwrap(), "--lang", "en"];
    let (code, out, err) = tianfu(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("Matches the planted errors ✓").count(), 3, "{out}");
    assert!(out.contains("成都市") && out.contains("total"), "{out}");
    let cities = store_sqlite::SqliteStore::open(&db).unwrap().city_counts().unwrap();
    let students: u64 = cities.iter().map(|c| c.students).sum();
    let planted: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("planted.json")).unwrap()).unwrap();
    assert_eq!(students, planted["files"]["students.csv"]["rows_valid"].as_u64().unwrap());
    // Last school year's county aggregates (demo data, derived): one per county of this year.
    {
        use store::facts::Facts;
        let kept = store_sqlite::SqliteStore::open(&db).unwrap().county_facts(&store::Scope::all()).unwrap();
        let year = kept.iter().map(|c| c.school_year).max().unwrap();
        let (now, last) = (kept.iter().filter(|c| c.school_year == year).count(), kept.iter().filter(|c| c.school_year + 1 == year).count());
        assert!(now > 0 && last == now, "{now} counties this year, {last} last year");
        assert!(out.contains("Previous school year's county aggregates (demo data"), "{out}");
    }
    // The monitor's demo sites, with a day of synthetic checks and a few alerts (no network).
    assert!(out.contains("Monitor demo data:") && out.contains("no network traffic"), "{out}");
    {
        use store::monitor::{Monitor, SiteQuery};
        let mut s = store_sqlite::SqliteStore::open(&db).unwrap();
        let all = store::Scope::Region { lo: 510000, hi: 519999 };
        let sites = s.sites(&all, &SiteQuery { limit: 500, ..Default::default() }).unwrap().rows;
        assert!(sites.len() > 20 && sites.iter().all(|x| x.name.contains("演示") && x.last_checked.is_some()), "{sites:?}");
        let alerts = s.list_alerts(&all, true, 100).unwrap();
        assert!(!alerts.is_empty() && alerts.iter().all(|a| a.message.starts_with("【演示数据】")));
        // The demo incidents: people's in several states, and the monitor's (a defaced demo site).
        use store::incidents::{IncidentQuery, IncidentState, Incidents};
        let inc = s.incidents(&all, &IncidentQuery { limit: 100, ..Default::default() }).unwrap();
        assert!(inc.iter().any(|i| i.state == IncidentState::Closed && !i.review.is_empty()), "{inc:?}");
        assert!(inc.iter().any(|i| i.source == "monitor" && i.finding.as_deref() == Some("tampered") && i.state == IncidentState::Reported), "{inc:?}");
        assert!(inc.iter().any(|i| i.escalated_to.is_some()), "an overdue demo incident is escalated: {inc:?}");
        let now = store::time::unix_now();
        assert!(inc.iter().any(|i| i.review_overdue(now) && i.review_reminded_at.is_some()), "a recovered demo incident's review is overdue: {inc:?}");
        // Evidence and a report on the timelines, stored through store::attachments.
        let files: Vec<_> = inc.iter().flat_map(|i| s.incident_files(&all, i.id).unwrap()).collect();
        assert!(files.iter().any(|f| f.attachment.kind == store::attachments::Kind::Png) && files.iter().any(|f| f.attachment.kind == store::attachments::Kind::Text && f.attachment.name.contains("报告")), "{files:?}");
        assert!(files.iter().all(|f| f.attachment.name.contains("演示")));
    }
    // A second run recognises every file and changes nothing.
    let (code, out, _) = tianfu(&args);
    assert_eq!(code, 0);
    assert_eq!(out.matches("same content, nothing changed").count(), 4, "schools, teachers, students and conditions: {out}");
    assert!(out.contains(" 0 synthetic checks written") && out.contains("; 0 incidents"), "{out}");
}

#[test]
fn a_locked_database_exits_2_and_writes_nothing() {
    let d = tmp("locked");
    std::fs::write(d.join("schools.csv"), SCHOOLS).unwrap();
    let db = Db::sqlite(&d);
    let before = db.counts();
    // Another process holds the write lock: an open import batch.
    let mut holder = store_sqlite::SqliteStore::open(Path::new(&db.url)).unwrap();
    let batch = holder
        .begin_import(&store::BatchMeta { entity: store::Entity::School, file_name: "x".into(), file_hash: "x".into(), user: "other".into(), scope: store::Scope::all() })
        .unwrap();
    let (code, _, err) = tianfu(&["import", d.join("schools.csv").to_str().unwrap(), "--entity", "school", "--db", &db.url, "--lang", "en"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("locked"), "{err}");
    drop(batch);
    drop(holder);
    assert_eq!(db.counts(), before);
}

/// Legacy workbooks (.xls, WPS .et, .ods) import like XLSX on both backends; a damaged one is
/// refused in Chinese, naming the file and what to do.
#[test]
fn legacy_workbooks_import() {
    let d = common::tmp_dir("import", "legacy");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/tests/fixtures");
    std::fs::copy(fixtures.join("students.xls"), d.0.join("学生.et")).unwrap();
    for db in backends(&d.0) {
        for file in [fixtures.join("students.xls"), fixtures.join("students.ods"), d.0.join("学生.et")] {
            let (_, v) = import(&db, &file, "student", &["--force"]);
            assert_eq!(v["rows_read"].as_u64(), Some(3), "{}: {v}", file.display());
            assert_eq!(v["rejected"].as_u64(), Some(3), "{}: no school in the empty database: {v}", file.display());
        }
    }
    let (code, out, _) = tianfu(&["validate", fixtures.join("students.ods").to_str().unwrap(), "--entity", "student", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((code, v["rows_valid"].as_u64(), v["encoding"].as_str()), (1, Some(2), Some("ods")), "{v}");
    std::fs::write(d.0.join("坏.xls"), [&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..], &[7u8; 2048][..]].concat()).unwrap();
    let (code, _, err) = tianfu(&["validate", d.0.join("坏.xls").to_str().unwrap(), "--entity", "student"]);
    assert_eq!(code, 2);
    assert!(err.contains("坏.xls") && err.contains("另存为 XLSX 格式"), "{err}");
}

/// `tianfu batches show` with `TIANFU_LANG` set (the configured language) and `args`.
fn show_in(lang: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tianfu"));
    c.args(args).env_remove("TIANFU_LANG");
    if let Some(l) = lang {
        c.env("TIANFU_LANG", l);
    }
    if let Some(w) = args.windows(2).find(|w| w[0] == "--db") {
        c.env("TIANFU_DATA_DIR", data_dir_for(w[1]));
    }
    let out = c.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Issue 12: `batches show` leads each reason with its words (Chinese unless English is
/// configured), the rule code after it in parentheses, counts in 条 and time in 秒, and lists the
/// rejected rows by line with their reasons — never their values.
#[test]
fn batches_show_reasons_first_in_the_configured_language() {
    let d = tmp("show-lang");
    std::fs::write(d.join("schools.csv"), SCHOOLS).unwrap();
    let good = student_row(1, "2151040001", "13", "13800000001");
    let bad_id = student_row(3, "2151040001", "13", "13800000003").replacen(&id("51010420140901003"), "510104201409010030", 2);
    let bad_sex = student_row(5, "2151040001", "13", "13800000005").replacen(",1,2014-09-01", ",7,2014-09-01", 1);
    let bad_both = student_row(7, "2151040001", "13", "13800000007").replacen(&id("51010420140901007"), "510104201409010070", 2).replacen(",1,2014-09-01", ",7,2014-09-01", 1);
    std::fs::write(d.join("s.csv"), format!("{HEAD}\n{good}\n{bad_id}\n{bad_sex}\n{bad_both}\n")).unwrap();
    for db in backends(&d) {
        import(&db, &d.join("schools.csv"), "school", &[]);
        let (_, st) = import(&db, &d.join("s.csv"), "student", &[]);
        assert_eq!(st["rejected"], 3, "{st}");
        let codes: Vec<String> = st["errors"].as_object().unwrap().keys().cloned().collect();
        assert!(codes.len() >= 2, "two kinds of problem planted: {st}");
        let id = st["batch_id"].to_string();
        let (code, out, err) = show_in(None, &["batches", "show", &id, "--db", &db.url]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("读取 4 条：新增 1 条，更新 0 条，未变 0 条，拒收 3 条。") && out.contains(" 秒"), "{out}");
        for c in &codes {
            let n = st["errors"][c].as_u64().unwrap();
            let zh = standard::Rule::from_code(c).unwrap().message(standard::Lang::Zh);
            assert!(out.contains(&format!("  {zh}（{c}）：{n} 条\n")), "the reason of {c} first, its code after: {out}");
        }
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("  第 ")).collect();
        assert_eq!(lines.len(), 3, "{out}");
        for (l, file_line) in lines.iter().zip([3, 4, 5]) {
            assert!(l.starts_with(&format!("  第 {file_line} 行：")), "{l}");
            // Outside the parenthesised codes, no English word; no value of the row.
            let words: String = l.split('（').map(|p| p.split_once('）').map_or(p, |x| x.1)).collect();
            assert!(!words.chars().any(|c| c.is_ascii_alphabetic()), "{l}");
            assert!(!l.contains("5101042014") && !l.contains("学生"), "no values of the row: {l}");
        }
        assert!(lines[2].contains('；'), "a row with two problems lists both: {}", lines[2]);
        // English configured: English reasons, the code still after them; --lang zh still wins.
        let (code, en, err) = show_in(Some("en"), &["batches", "show", &id, "--db", &db.url]);
        assert_eq!(code, 0, "{err}");
        assert!(en.contains("Read 4 rows: 1 inserted, 0 updated, 0 unchanged, 3 rejected.") && en.contains(" s\n") && en.contains("  line 3: "), "{en}");
        assert!(!en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !"学生".contains(c)), "Chinese in the English report: {en}");
        for c in &codes {
            let msg = standard::Rule::from_code(c).unwrap().message(standard::Lang::En);
            assert!(en.contains(&format!("  {msg} ({c}): ")), "{en}");
        }
        let (_, zh, _) = show_in(Some("en"), &["batches", "show", &id, "--db", &db.url, "--lang", "zh"]);
        assert!(zh.contains("拒收原因："), "{zh}");
        // `tianfu import`'s own report leads with the reason too, the code after it, rows in 条.
        let file = d.join("s.csv");
        let (_, text, err) = show_in(None, &["import", file.to_str().unwrap(), "--entity", "student", "--db", &db.url, "--force"]);
        for c in &codes {
            let n = st["errors"][c].as_u64().unwrap();
            let zh = standard::Rule::from_code(c).unwrap().message(standard::Lang::Zh);
            assert!(text.contains(&format!("{n:>10} 条  {zh}（{c}）\n")), "the reason of {c} first in the import report: {text} {err}");
        }
    }
}

/// 办学条件 through `tianfu import`: a GBK CSV (as Excel on a Chinese Windows saves it, names
/// for the yes/no columns), the same validation and batch as the registers: bad rows rejected
/// with their exact rule, the rest stored; the same file again is recognised, a forced re-import
/// finds every row unchanged.
#[test]
fn conditions_from_a_gbk_csv() {
    let d = tmp("conditions");
    std::fs::write(d.join("schools.csv"), SCHOOLS).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conditions-gbk.csv");
    assert!(std::str::from_utf8(&std::fs::read(&fixture).unwrap()).is_err(), "the fixture is GBK, not UTF-8");
    for db in backends(&d) {
        import(&db, &d.join("schools.csv"), "school", &[]);
        let (code, o) = import(&db, &fixture, "conditions", &[]);
        assert_eq!(code, 1, "two rows are bad: {o}");
        assert_eq!((o["entity"].as_str(), o["rows_read"].as_u64(), o["inserted"].as_u64(), o["rejected"].as_u64()), (Some("conditions"), Some(5), Some(3), Some(2)), "{o}");
        assert_eq!(o["errors"], serde_json::json!({ "area_inconsistent": 1, "school_unknown": 1 }), "{o}");
        let mut s = db.store();
        let v = s.get_record(store::Entity::Conditions, "2151120001/2024-2025").unwrap().expect("stored");
        assert_eq!(v, ["2151120001", "2024-2025", "2400", "1200", "3000", "", "300000", "4", "8000", "60", "1", "1"].map(String::from).to_vec(), "是 stored as 1");
        assert!(s.get_record(store::Entity::Conditions, "2151120001/2023-2024").unwrap().is_none());
        drop(s);
        let (_, again) = import(&db, &fixture, "conditions", &[]);
        assert_eq!(again["already_imported"].as_bool(), Some(true), "{again}");
        let (_, forced) = import(&db, &fixture, "conditions", &["--force"]);
        assert_eq!((forced["inserted"].as_u64(), forced["updated"].as_u64(), forced["unchanged"].as_u64(), forced["rejected"].as_u64()), (Some(0), Some(0), Some(3), Some(2)), "{forced}");
    }
}
