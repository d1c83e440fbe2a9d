//! Import speed of the SQLite store, through the `Store` trait, on generated students.
//!
//! ```text
//! cargo run --release -p store-sqlite --example import_bench -- [ROWS] [DB_PATH]
//! ```
//!
//! Generates ROWS (default 1 000 000) synthetic students deterministically, in chunks kept in
//! memory (generation is not timed), into a new database (default
//! /tmp/tianfu-bench/bench.db, removed first) holding 400 schools, then reports rows/s for the
//! first import, an unchanged re-import and a re-import with 1 % of rows changed, and the
//! latency of `student_counts`, `city_counts`, `table_counts` and a county export.
//!
//! Times are of the store's calls only (record + commit), as wall clock and as this process's
//! CPU time (read from /proc: on a busy machine the wall clock counts other processes too).
//! Environment: `BENCH_FIRST_ONLY` stops after the first import, `BENCH_SKIP_CHANGED` skips the
//! 1 % changed re-import, `BENCH_PROGRESS` prints every million rows, `BENCH_FULL_EXPORT` also
//! exports every student, `BENCH_SQL` runs SQL on the new database first (experiments, e.g.
//! `PRAGMA cache_size=-1048576`).

use standard::codes::DIVISIONS;
use standard::ids::id_check_char;
use standard::{Date, Entity};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use store::{BatchMeta, RecordFilter, Store};
use store_sqlite::SqliteStore;

const SCHOOLS: usize = 400;
const CHUNK: u64 = 100_000;
const DAYS: u64 = 5_000;

/// One chunk of rows: all values in one string, each row's 17 value ranges.
struct Chunk {
    text: String,
    ranges: Vec<(u32, u32)>,
}

struct Gen {
    counties: Vec<u32>,
    schools: Vec<(String, u32)>,
    epoch_2006: i64,
}

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "欧阳", "罗",
];
const GIVEN: [&str; 10] = [
    "子涵", "浩然", "一诺", "欣怡", "梓轩", "雨桐", "宇", "静", "思远", "佳怡",
];

impl Gen {
    fn new() -> Gen {
        let counties: Vec<u32> = DIVISIONS.counties_of(51).map(|d| d.code).collect();
        let schools = (0..SCHOOLS)
            .map(|i| {
                let county = counties[i * 7 % counties.len()];
                let code =
                    21u64 * 100_000_000 + county as u64 * 100 + (i / counties.len()) as u64 + 1;
                (format!("{code:010}"), county)
            })
            .collect();
        let epoch_2006 = (Date {
            year: 2006,
            month: 1,
            day: 1,
        })
        .days_since_epoch();
        Gen {
            counties,
            schools,
            epoch_2006,
        }
    }

    fn school_rows(&self) -> Vec<Vec<String>> {
        self.schools
            .iter()
            .enumerate()
            .map(|(i, (code, county))| {
                store::suite::school(code, &county.to_string(), &format!("第{}学校", i + 1))
            })
            .collect()
    }

    /// Student `i`: a bijection of i onto (county, birth day, sequence), so ID numbers are
    /// unique and arrive in no particular key order.
    fn student(&self, i: u64, changed: bool, out: &mut String, ranges: &mut Vec<(u32, u32)>) {
        const M: u64 = 183 * DAYS * 1000;
        let x = (i.wrapping_mul(7919 * 104_729) + 12_345) % M;
        let county = self.counties[(x % 183) as usize % self.counties.len()];
        let rest = x / 183;
        let day = rest % DAYS;
        let seq = rest / DAYS;
        let birth = Date::from_days_since_epoch(self.epoch_2006 + day as i64);
        let mut body = String::with_capacity(18);
        let _ = write!(
            body,
            "{county:06}{:04}{:02}{:02}{seq:03}",
            birth.year, birth.month, birth.day
        );
        let check = id_check_char(body.as_bytes()) as char;
        body.push(check);
        let (school, _) = &self.schools[(x % SCHOOLS as u64) as usize];
        let grade = [11, 12, 13, 14, 15, 16, 21, 22, 23, 31, 32, 33][(x % 12) as usize];
        let phone = if changed {
            13_900_000_000 + x % 100_000_000
        } else {
            13_800_000_000 + x % 100_000_000
        };
        let mut field = |out: &mut String, f: &dyn Fn(&mut String)| {
            let a = out.len() as u32;
            f(out);
            ranges.push((a, out.len() as u32));
        };
        field(out, &|o| {
            o.push('G');
            o.push_str(&body)
        });
        field(out, &|o| o.push('1'));
        field(out, &|o| o.push_str(&body));
        field(out, &|o| {
            o.push_str(SURNAMES[(x % 12) as usize]);
            o.push_str(GIVEN[(x / 12 % 10) as usize])
        });
        field(out, &|o| o.push(if seq % 2 == 1 { '1' } else { '2' }));
        field(out, &|o| {
            let _ = write!(o, "{birth}");
        });
        field(out, &|o| o.push_str("01"));
        field(out, &|o| {
            let _ = write!(o, "{county}");
        });
        field(out, &|o| o.push_str(school));
        field(out, &|o| {
            let _ = write!(o, "{grade}");
        });
        field(out, &|o| {
            let _ = write!(o, "{}班", x % 8 + 1);
        });
        field(out, &|o| {
            let _ = write!(o, "{}-09", 2012 + x % 12);
        });
        field(out, &|o| {
            let _ = write!(o, "{phone}");
        });
        field(out, &|o| {
            let _ = write!(o, "四川省某市某区某街道{}号{}栋", x % 997, x % 31);
        });
        field(out, &|o| o.push(if x % 5 == 0 { '2' } else { '1' }));
        field(out, &|o| o.push('0'));
        field(out, &|o| o.push('0'));
    }

    fn chunk(&self, from: u64, to: u64, changed_every: u64) -> Chunk {
        let mut c = Chunk {
            text: String::with_capacity(((to - from) * 200) as usize),
            ranges: Vec::with_capacity(((to - from) * 17) as usize),
        };
        for i in from..to {
            self.student(
                i,
                changed_every > 0 && i % changed_every == 0,
                &mut c.text,
                &mut c.ranges,
            );
        }
        c
    }
}

/// Imports `n` students as one batch; returns (store time, summary).
fn import(
    s: &mut SqliteStore,
    g: &Gen,
    n: u64,
    changed_every: u64,
    hash: &str,
) -> (Duration, store::BatchSummary) {
    let meta = BatchMeta {
        entity: Entity::Student,
        file_name: "bench.csv".into(),
        file_hash: hash.into(),
        user: "bench".into(),
        scope: store::Scope::all(),
    };
    let mut spent = Duration::ZERO;
    let mut spent_cpu = Duration::ZERO;
    let t = Instant::now();
    let mut b = s.begin_import(&meta).expect("begin");
    spent += t.elapsed();
    let width = Entity::Student.template().fields.len();
    let mut from = 0;
    while from < n {
        let to = (from + CHUNK).min(n);
        let c = g.chunk(from, to, changed_every);
        let mut v: Vec<&str> = Vec::with_capacity(width);
        let t = Instant::now();
        let c0 = cpu();
        for (row, r) in c.ranges.chunks(width).enumerate() {
            v.clear();
            v.extend(r.iter().map(|&(a, z)| &c.text[a as usize..z as usize]));
            b.record(from + row as u64 + 2, &v).expect("record");
        }
        spent += t.elapsed();
        spent_cpu += cpu() - c0;
        from = to;
        if std::env::var("BENCH_PROGRESS").is_ok() && from % 1_000_000 == 0 {
            eprintln!(
                "  {from}: {:.1} s wall, {:.1} s CPU",
                spent.as_secs_f64(),
                spent_cpu.as_secs_f64()
            );
        }
    }
    let t = Instant::now();
    let c0 = cpu();
    let sum = b.commit(n, "{}").expect("commit");
    let commit = t.elapsed();
    let commit_cpu = cpu() - c0;
    spent += commit;
    spent_cpu += commit_cpu;
    println!(
        "  records {:.2} s (CPU {:.2}), commit {:.2} s (CPU {:.2}); CPU {:.2} s = {:.2} µs/row, {:.0} rows per CPU-second",
        (spent - commit).as_secs_f64(),
        (spent_cpu - commit_cpu).as_secs_f64(),
        commit.as_secs_f64(),
        commit_cpu.as_secs_f64(),
        spent_cpu.as_secs_f64(),
        spent_cpu.as_secs_f64() * 1e6 / n as f64,
        n as f64 / spent_cpu.as_secs_f64()
    );
    let _ = commit_cpu;
    (spent, sum)
}

fn rate(n: u64, d: Duration) -> String {
    format!(
        "{:>9.0} rows/s ({:.2} s)",
        n as f64 / d.as_secs_f64(),
        d.as_secs_f64()
    )
}

/// CPU time of this (single-threaded) process so far: on a busy machine the wall clock
/// counts other processes too.
fn cpu() -> Duration {
    let s = std::fs::read_to_string("/proc/self/schedstat").unwrap_or_default();
    Duration::from_nanos(
        s.split_whitespace()
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0),
    )
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed())
}

fn file_size(p: &PathBuf) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .map(|a| a.replace('_', "").parse().expect("ROWS"))
        .unwrap_or(1_000_000);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/tmp/tianfu-bench/bench.db".into()),
    );
    let skip_changed = std::env::var("BENCH_SKIP_CHANGED").is_ok();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let g = Gen::new();
    let mut s = SqliteStore::open(&path).expect("open");
    if let Ok(sql) = std::env::var("BENCH_SQL") {
        // Experiments: e.g. BENCH_SQL='DROP INDEX enrolments_county'.
        s.connection().execute_batch(&sql).expect("BENCH_SQL");
    }
    store::suite::import(&mut s, Entity::School, "schools", &g.school_rows());
    println!("{n} students into {} ({} schools)", path.display(), SCHOOLS);

    let (d, sum) = import(&mut s, &g, n, 0, "first");
    assert_eq!(sum.inserted, n);
    println!("first import:       {}", rate(n, d));
    println!(
        "  database file {:.0} MiB, WAL {:.0} MiB",
        file_size(&path) as f64 / 1048576.0,
        file_size(&PathBuf::from(format!("{}-wal", path.display()))) as f64 / 1048576.0
    );

    if std::env::var("BENCH_FIRST_ONLY").is_ok() {
        return;
    }
    let (d, sum) = import(&mut s, &g, n, 0, "again");
    assert_eq!(sum.unchanged, n);
    println!("unchanged re-import: {}", rate(n, d));

    if !skip_changed {
        let (d, sum) = import(&mut s, &g, n, 100, "changed");
        assert_eq!(sum.updated, n.div_ceil(100));
        println!("1 % changed:        {}", rate(n, d));
    }

    let mut lat = Vec::new();
    for _ in 0..20 {
        let (c, d) = time(|| s.student_counts(None).unwrap());
        assert_eq!(c.iter().map(|x| x.students).sum::<u64>(), n);
        lat.push(d);
    }
    lat.sort();
    println!(
        "student_counts(None): median {:?}, max {:?} ({} cells)",
        lat[lat.len() / 2],
        lat[lat.len() - 1],
        s.student_counts(None).unwrap().len()
    );
    let (_, d) = time(|| s.student_counts(Some(510100)).unwrap());
    println!("student_counts(510100): {d:?}");
    let (c, d) = time(|| s.city_counts().unwrap());
    println!("city_counts: {d:?} ({} cities)", c.len());
    let (c, d) = time(|| s.table_counts().unwrap());
    println!(
        "table_counts: {d:?} (students {}, digest {:x})",
        c.students, c.content_digest
    );
    for region in [510104u32, 510100] {
        let mut rows = 0u64;
        let (_, d) = time(|| {
            s.export(
                Entity::Student,
                &RecordFilter {
                    region: Some(region),
                    school: None,
                },
                &mut |_| {
                    rows += 1;
                    Ok(())
                },
            )
            .unwrap()
        });
        println!(
            "export region {region}: {rows} rows in {:.2} s",
            d.as_secs_f64()
        );
    }
    if std::env::var("BENCH_FULL_EXPORT").is_ok() {
        let mut rows = 0u64;
        let (_, d) = time(|| {
            s.export(Entity::Student, &RecordFilter::default(), &mut |_| {
                rows += 1;
                Ok(())
            })
            .unwrap()
        });
        println!("export all: {rows} rows in {:.2} s", d.as_secs_f64());
    }
    println!(
        "database file {:.0} MiB",
        file_size(&path) as f64 / 1048576.0
    );
}
