//! Hostile workbooks through the real binary: `tianfu validate` and `tianfu import` refuse them
//! with exit code 2 and a message that names the sheet and cell and says what to do, never
//! echoing the cell, and the process stays far below 1 GiB (its peak resident memory, VmHWM,
//! read from /proc while it runs). Import runs on SQLite and, when TIANFU_TEST_DATABASE_URL is
//! set, on PostgreSQL, and leaves the database as it was.

#[path = "../../ingest/tests/support/hostile_xlsx.rs"]
mod hostile_xlsx;

mod common;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use store::{Store, TableCounts};

const RSS_LIMIT_KIB: u64 = 1 << 20;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tianfu-hostile-xlsx-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    peak_kib: u64,
    took: Duration,
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the binary, sampling its peak resident memory every 2 ms until it exits (a peak is a
/// high-water mark, so a sample after it still sees it; reaching 1 GiB takes far longer than
/// 2 ms of page faults).
fn tianfu(args: &[&str]) -> Run {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tianfu"));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    // A PostgreSQL database gets a data directory (secret, audit checkpoint) of its own, as a
    // SQLite one does beside its file: never the shared ./tianfu-data of the test's working folder.
    if let Some(w) = args.windows(2).find(|w| w[0] == "--db" && w[1].contains("://")) {
        cmd.env("TIANFU_DATA_DIR", common::data_dir_for(w[1]));
    }
    let mut child = cmd.spawn().unwrap();
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(k) = vm_hwm_kib(pid) {
            peak = peak.max(k);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "tianfu {args:?} hung");
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        peak_kib: peak,
        took: started.elapsed(),
    };
    eprintln!("tianfu {}: exit {}, peak RSS {} MiB, {:?}", args[0], run.code, run.peak_kib >> 10, run.took);
    assert!(run.peak_kib > 0, "no sample of the child's memory");
    assert!(run.peak_kib < RSS_LIMIT_KIB, "tianfu {args:?}: peak RSS {} KiB", run.peak_kib);
    run
}

const HEAD: [&str; 13] = ["学籍号", "身份证件号", "姓名", "性别码", "出生日期", "民族码", "行政区划码", "学校标识码", "年级", "班级", "入学年月", "监护人电话", "现住址"];
const ROW: [&str; 13] = ["G51010420100101100X", "51010420100101100X", "张三", "1", "2010-01-01", "01", "510104", "2151000001", "16", "3班", "2016-09", "13812345678", "成都市锦江区"];

/// The workbook of the finding: 27 MB, inflating 58:1, one 1.5 GiB cell (现住址 of row 3, M3).
fn giant_cell_workbook(d: &Path) -> PathBuf {
    let p = d.join("giant.xlsx");
    let size = hostile_xlsx::giant_cell(&p, &HEAD, &ROW, 12, 1536 << 20);
    eprintln!("giant cell workbook: {size} bytes");
    p
}

#[test]
fn validate_refuses_a_one_and_a_half_gib_cell_with_exit_2_in_bounded_memory() {
    let d = tmp("validate");
    let f = giant_cell_workbook(&d);
    let f = f.to_str().unwrap();
    let r = tianfu(&["validate", f, "--entity", "student"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.starts_with("错误："), "{}", r.stderr);
    assert!(r.stderr.contains("工作表“Sheet1”单元格 M3") && r.stderr.contains("32,767") && r.stderr.contains("另存为 CSV"), "{}", r.stderr);
    let r = tianfu(&["validate", f, "--entity", "student", "--lang", "en", "--format", "json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("sheet “Sheet1”, cell M3") && r.stderr.contains("32,767") && r.stderr.contains("save the sheet as CSV"), "{}", r.stderr);
    // The refusal comes as soon as the cell passes its cap, not after inflating 1.5 GiB.
    assert!(r.took < Duration::from_secs(20), "{:?}", r.took);
    let _ = std::fs::remove_dir_all(&d);
}

/// A workbook whose one tag is 64 MiB long (a hostile attribute), and one whose sheet declares
/// a document type: refused with exit 2 and what to do.
#[test]
fn validate_refuses_a_giant_tag_and_a_dtd_with_exit_2() {
    use hostile_xlsx::{filler, inline_row, workbook, Part, SHEET_HEAD, SHEET_TAIL};
    let d = tmp("tag");
    let p = d.join("tag.xlsx");
    let head = format!("{SHEET_HEAD}{}<row r=\"2\"><c r=\"A2\" t=\"inlineStr\" x=\"", inline_row(1, &HEAD));
    let tail = format!("\"><is><t>x</t></is></c></row>{SHEET_TAIL}");
    workbook(&p, Part::Repeat { head: head.into_bytes(), unit: filler(1 << 20, 3), times: 64, tail: tail.into_bytes() }, None);
    let r = tianfu(&["validate", p.to_str().unwrap(), "--entity", "student"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("XML 标记") && r.stderr.contains("重新保存"), "{}", r.stderr);
    let p = d.join("dtd.xlsx");
    let sheet = format!("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>{}", &SHEET_HEAD[SHEET_HEAD.find("<worksheet").unwrap()..]);
    workbook(&p, Part::Bytes(format!("{sheet}{}<row r=\"2\"><c t=\"inlineStr\"><is><t>&lol2;</t></is></c></row>{SHEET_TAIL}", inline_row(1, &HEAD)).into_bytes()), None);
    let r = tianfu(&["validate", p.to_str().unwrap(), "--entity", "student", "--lang", "en"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("document type declaration") && r.stderr.contains("save it again"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&d);
}

/// A fresh database: a SQLite file, and a new PostgreSQL schema when one is configured.
struct Db {
    url: String,
    pg: Option<(String, String)>,
}

impl Db {
    fn all(dir: &Path) -> Vec<Db> {
        let mut v = vec![Db { url: dir.join("t.db").to_str().unwrap().to_string(), pg: None }];
        if let Some(base) = std::env::var("TIANFU_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
            let schema = format!("cli_hostile_{}", std::process::id());
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
            let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
            c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(["migrate", "--db", &url]).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            v.push(Db { url, pg: Some((base, schema)) });
        }
        v
    }

    fn counts(&self) -> TableCounts {
        let mut s: Box<dyn Store> = match &self.pg {
            Some(_) => Box::new(store_postgres::PgStore::connect(&self.url).unwrap()),
            None => Box::new(store_sqlite::SqliteStore::open(Path::new(&self.url)).unwrap()),
        };
        s.table_counts().unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

#[test]
fn import_refuses_a_one_and_a_half_gib_cell_with_exit_2_and_stores_nothing() {
    let d = tmp("import");
    let f = giant_cell_workbook(&d);
    let schools = d.join("schools.csv");
    std::fs::write(&schools, "学校标识码,学校名称,办学类型,行政区划码\n2151000001,第一小学,211,510104\n").unwrap();
    for db in Db::all(&d) {
        let r = tianfu(&["import", schools.to_str().unwrap(), "--entity", "school", "--db", &db.url]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let before = db.counts();
        let r = tianfu(&["import", f.to_str().unwrap(), "--entity", "student", "--db", &db.url]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("工作表“Sheet1”单元格 M3") && r.stderr.contains("另存为 CSV"), "{}", r.stderr);
        // One line of reasons, not the cell.
        assert!(r.stderr.len() < 1000, "{}", r.stderr.len());
        let r = tianfu(&["import", f.to_str().unwrap(), "--entity", "student", "--db", &db.url, "--lang", "en"]);
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("cell M3"), "{}", r.stderr);
        assert_eq!(db.counts(), before, "{}", db.url);
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// A file whose every row is rejected writes its error workbook in bounded memory: the rows go to
/// a constant-memory worksheet (and cell notes stop after the first 10,000 rows), so 150,000
/// rejected rows of long values (≈ 0.6 GB of cell text: held in memory, as before, they took
/// gigabytes) stay under 256 MiB, and every rejected row is in the workbook.
#[test]
fn an_error_workbook_of_every_row_is_written_in_bounded_memory() {
    let d = tmp("errors-xlsx");
    let csv = d.join("bad.csv");
    let mut text = HEAD.join(",");
    text.push('\n');
    let long = "某".repeat(1000);
    for i in 0..150_000u32 {
        // A malformed ID number and 学籍号 in every row, and a long address.
        text.push_str(&format!("G5101042010010{i:05},5101042010010{i:05},张三,1,2010-01-01,01,510104,2151000001,16,3班,2016-09,13812345678,{long}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = d.join("errors.xlsx");
    let r = tianfu(&["validate", csv.to_str().unwrap(), "--entity", "student", "--errors", out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.peak_kib < 256 << 10, "peak RSS {} MiB", r.peak_kib >> 10);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rejected = report["rows_rejected"].as_u64().unwrap();
    assert!(rejected > 140_000, "{rejected}");
    let mut wb = ingest::xlsx::Workbook::open(&out).unwrap();
    let mut rows = 0u64;
    wb.rows(None, |_, _| {
        rows += 1;
        true
    })
    .unwrap();
    assert_eq!(rows, rejected + 1, "the header and every rejected row");
    let _ = std::fs::remove_dir_all(&d);
}
