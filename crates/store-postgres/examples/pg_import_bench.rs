//! Import throughput of the PostgreSQL store, through the `Store` trait.
//!
//! ```text
//! cargo run --release -p store-postgres --example pg_import_bench -- [STUDENTS] [--keep] [--skip-update]
//! ```
//!
//! Generates STUDENTS (default 1 000 000) synthetic students deterministically in memory on a
//! producer thread (as ingest parses on other threads), 400 schools across Sichuan's counties,
//! and imports them into a fresh schema `tianfu_bench` of `TIANFU_BENCH_DATABASE_URL` (else
//! `TIANFU_TEST_DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/postgres). Prints rows/s
//! of the first import into the empty database, of an unchanged re-import, of a re-import with
//! 1 % of the students changed, the latency of `student_counts(None)` and the export rate.
//! `TIANFU_PG_TRACE=1` adds the time of each commit statement. The schema is dropped at the end
//! unless `--keep`.

use standard::codes::DIVISIONS;
use standard::ids::id_check_char;
use standard::Entity;
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::{Duration, Instant};
use store::{BatchMeta, RecordFilter, Store};
use store_postgres::PgStore;

const SCHOOLS: usize = 400;
const CHUNK: usize = 4096;
const SCHEMA: &str = "tianfu_bench";
const NAMES: [&str; 16] = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐涛", "孙丽",
    "马超", "朱琳", "胡斌", "郭婷",
];
const GRADES: [&str; 12] = [
    "11", "12", "13", "14", "15", "16", "21", "22", "23", "31", "32", "33",
];
/// Student numbers per county are scrambled by multiplication modulo this prime.
const P: u64 = 1_000_003;

struct School {
    code: String,
    county: u32,
}

fn schools() -> Vec<School> {
    let counties: Vec<u32> = DIVISIONS.counties_of(51).map(|d| d.code).collect();
    (0..SCHOOLS)
        .map(|k| School {
            code: format!("2151{k:06}"),
            county: counties[k % counties.len()],
        })
        .collect()
}

fn school_rows(schools: &[School]) -> Vec<Vec<String>> {
    let t = Entity::School.template();
    schools
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut v = vec![String::new(); t.fields.len()];
            let mut set = |f: &str, x: String| v[t.index(f).unwrap()] = x;
            set("school_code", s.code.clone());
            set("name", format!("第{}学校", k + 1));
            set("school_type", if k % 3 == 0 { "311" } else { "211" }.into());
            set("region_code", s.county.to_string());
            set("urban_rural", "111".into());
            set("address", format!("某路{}号", k + 1));
            set("longitude", "104.06".into());
            set("latitude", "30.67".into());
            v
        })
        .collect()
}

/// Rows as one string with field end offsets: cheap to make and to send.
struct Chunk {
    text: String,
    ends: Vec<usize>,
}

/// The variant of the data: 0 = the original, 1 = every 100th student changed (phone; every
/// 1000th also moved to another school).
fn generate(n: usize, variant: u32, schools: &[School]) -> Receiver<Chunk> {
    let (tx, rx) = sync_channel::<Chunk>(16);
    let schools: Vec<(String, u32)> = schools.iter().map(|s| (s.code.clone(), s.county)).collect();
    std::thread::spawn(move || {
        let fields = Entity::Student.template().fields.len();
        let mut per_county = std::collections::HashMap::<u32, u64>::new();
        let mut chunk = Chunk {
            text: String::with_capacity(CHUNK * 200),
            ends: Vec::with_capacity(CHUNK * fields),
        };
        for i in 0..n {
            // Students come grouped by school, as in real files.
            let k = i * schools.len() / n;
            let (school, county) = &schools[k];
            let local = per_county.entry(*county).or_insert(0);
            let l = *local * 7_919 % P;
            *local += 1;
            let day = (l % 4383) as i64; // 12 years of birth dates
            let seq = l / 4383;
            let birth = standard::Date::from_days_since_epoch(13_880 + day); // from 2008-01-01
            let b = birth.to_string();
            let body = format!("{county}{}{}{}{seq:03}", &b[..4], &b[5..7], &b[8..10]);
            let idn = format!("{body}{}", id_check_char(body.as_bytes()) as char);
            let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            let grade = GRADES[(h % 12) as usize];
            let changed = variant == 1 && i % 100 == 7;
            let moved = changed && i % 1000 == 7;
            let school = if moved {
                &schools[(k + 1) % schools.len()].0
            } else {
                school
            };
            let phone = format!("13{}{:08}", if changed { 9 } else { 8 }, i % 100_000_000);
            let values: [&str; 17] = [
                &format!("G{idn}"),
                "1",
                &idn,
                NAMES[(h % 16) as usize],
                if seq % 2 == 1 { "1" } else { "2" },
                &b,
                "01",
                &county.to_string(),
                school,
                grade,
                &format!("{}班", h % 8 + 1),
                &format!("20{:02}-09", 14 + h % 10),
                &phone,
                &format!("四川省某市某街道{}号", i % 1000),
                "1",
                "0",
                "0",
            ];
            for v in values {
                chunk.text.push_str(v);
                chunk.ends.push(chunk.text.len());
            }
            if chunk.ends.len() >= CHUNK * fields {
                let full = std::mem::replace(
                    &mut chunk,
                    Chunk {
                        text: String::with_capacity(CHUNK * 200),
                        ends: Vec::with_capacity(CHUNK * fields),
                    },
                );
                if tx.send(full).is_err() {
                    return;
                }
            }
        }
        if !chunk.ends.is_empty() {
            let _ = tx.send(chunk);
        }
    });
    rx
}

struct Run {
    secs: f64,
    record_secs: f64,
    summary: store::BatchSummary,
}

fn import_students(s: &mut PgStore, n: usize, variant: u32, hash: &str, schools: &[School]) -> Run {
    let rx = generate(n, variant, schools);
    let fields = Entity::Student.template().fields.len();
    let t = Instant::now();
    let mut b = s
        .begin_import(&BatchMeta {
            entity: Entity::Student,
            file_name: "students.csv".into(),
            file_hash: hash.into(),
            user: "bench".into(),
            scope: store::Scope::all(),
        })
        .expect("begin");
    let mut line = 1u64;
    for chunk in rx {
        let mut values: Vec<&str> = Vec::with_capacity(fields);
        let mut start = 0;
        for row in chunk.ends.chunks(fields) {
            values.clear();
            for &end in row {
                values.push(&chunk.text[start..end]);
                start = end;
            }
            line += 1;
            b.record(line, &values).expect("record");
        }
    }
    let record_secs = t.elapsed().as_secs_f64();
    let summary = b.commit(n as u64, "{}").expect("commit");
    Run {
        secs: t.elapsed().as_secs_f64(),
        record_secs,
        summary,
    }
}

fn report(label: &str, n: usize, r: &Run) {
    let s = &r.summary;
    println!(
        "{label:<28} {n:>10} rows  {:>8.2} s  {:>9.0} rows/s   (record {:.2} s, commit {:.2} s; inserted {}, updated {}, unchanged {})",
        r.secs,
        n as f64 / r.secs,
        r.record_secs,
        r.secs - r.record_secs,
        s.inserted,
        s.updated,
        s.unchanged
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .iter()
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let keep = args.iter().any(|a| a == "--keep");
    let skip_update = args.iter().any(|a| a == "--skip-update");
    let url = ["TIANFU_BENCH_DATABASE_URL", "TIANFU_TEST_DATABASE_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());

    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        .expect("drop the bench schema");
    let (mut s, _) = PgStore::connect_with_schema_and_migrate(&url, SCHEMA).expect("migrate");
    let schools = schools();
    let rows = school_rows(&schools);
    let mut b = s
        .begin_import(&BatchMeta {
            entity: Entity::School,
            file_name: "schools.csv".into(),
            file_hash: "schools".into(),
            user: "bench".into(),
            scope: store::Scope::all(),
        })
        .unwrap();
    for (i, r) in rows.iter().enumerate() {
        b.record(
            i as u64 + 2,
            &r.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .unwrap();
    }
    b.commit(rows.len() as u64, "{}").unwrap();
    println!("PostgreSQL import bench: {n} students, {SCHOOLS} schools, schema {SCHEMA}");

    let first = import_students(&mut s, n, 0, "first", &schools);
    report("first import (empty)", n, &first);
    let again = import_students(&mut s, n, 0, "again", &schools);
    report("unchanged re-import", n, &again);
    if !skip_update {
        let upd = import_students(&mut s, n, 1, "update", &schools);
        report("re-import, 1 % changed", n, &upd);
        let t = Instant::now();
        let c = s.table_counts().unwrap();
        println!(
            "table_counts                 {:>8.3} s  (students {}, changes {}, transfers {})",
            t.elapsed().as_secs_f64(),
            c.students,
            c.changes,
            c.transfers
        );
    }

    let mut lat = Vec::new();
    let mut total = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let c = s.student_counts(None).unwrap();
        lat.push(t.elapsed());
        total = c.iter().map(|x| x.students).sum::<u64>();
    }
    lat.sort();
    println!(
        "student_counts(None)         median {:.2} ms, max {:.2} ms ({} cells of {total} students)",
        ms(lat[lat.len() / 2]),
        ms(lat[lat.len() - 1]),
        s.student_counts(None).unwrap().len()
    );
    let t = Instant::now();
    let c = s.student_counts(Some(510100)).unwrap();
    println!(
        "student_counts(510100)       {:.2} ms ({} cells)",
        ms(t.elapsed()),
        c.len()
    );
    let t = Instant::now();
    let cities = s.city_counts().unwrap();
    println!(
        "city_counts                  {:.2} ms ({} cities)",
        ms(t.elapsed()),
        cities.len()
    );

    let t = Instant::now();
    let mut bytes = 0usize;
    let rows = s
        .export(Entity::Student, &RecordFilter::default(), &mut |v| {
            bytes += v.iter().map(|x| x.len()).sum::<usize>();
            Ok(())
        })
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "export all students          {rows:>10} rows  {secs:>8.2} s  {:>9.0} rows/s",
        rows as f64 / secs
    );
    let t = Instant::now();
    let rows = s
        .export(
            Entity::Student,
            &RecordFilter {
                region: None,
                school: Some(schools[7].code.clone()),
            },
            &mut |_| Ok(()),
        )
        .unwrap();
    println!(
        "export one school            {rows:>10} rows  {:.3} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let rows = s
        .export(
            Entity::Student,
            &RecordFilter {
                region: Some(schools[7].county),
                school: None,
            },
            &mut |_| Ok(()),
        )
        .unwrap();
    println!(
        "export one county            {rows:>10} rows  {:.3} s",
        t.elapsed().as_secs_f64()
    );

    drop(s);
    if !keep {
        admin
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            .expect("drop the bench schema");
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
