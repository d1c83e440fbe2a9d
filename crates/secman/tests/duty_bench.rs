//! `make bench-duty`: the day's missing list of a province-wide important period over ~22,000
//! reporting units (the province's bureaus and 22,000 schools), a tenth of which have reported, on
//! SQLite and on PostgreSQL. Ignored in ordinary test runs; prints the figures.

use standard::codes::DIVISIONS;
use standard::{Date, Entity};
use store::duty::{Duty, NewPeriod, NewReport, Reporters, DEFAULT_CUTOFF};
use store::{Scope, Store};
use std::time::Instant;

trait Db: Store + Duty {}
impl<T: Store + Duty> Db for T {}

const SCHOOLS: usize = 22_000;

fn run(name: &str, s: &mut dyn Db) {
    let counties: Vec<u32> = DIVISIONS.counties_of(51).map(|d| d.code).collect();
    let rows: Vec<Vec<String>> = (0..SCHOOLS).map(|i| store::suite::school(&format!("4{:06}{:03}", counties[i % counties.len()], i / counties.len()), &counties[i % counties.len()].to_string(), &format!("测试学校{i}"))).collect();
    let t = Instant::now();
    store::suite::import(s, Entity::School, "bench", &rows);
    let imported = t.elapsed();
    let day = Date::parse_iso("2026-10-02").unwrap();
    let p = s.create_period(&Scope::all(), &NewPeriod { area_code: 510000, name: "bench".into(), starts_on: day, ends_on: day, full_day: false, reporters: Reporters::BureausAndSchools, cutoff_minutes: DEFAULT_CUTOFF }, "bench", 0).unwrap();
    let units = s.reporting_units(&Scope::all(), p.id, None).unwrap();
    let t = Instant::now();
    for u in units.iter().step_by(10) {
        s.file_report(&Scope::all(), p.id, &NewReport { unit_code: u.code, day, all_clear: true, body: String::new(), incident_id: None }, false, "bench", 0).unwrap();
    }
    let filed = t.elapsed();
    // 100 runs each (p50 / p99), as the other register benches print.
    let runs = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(100usize);
    let mut times = Vec::new();
    let mut missing = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let st = s.day_status(&Scope::all(), p.id, day, None).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        missing = st.missing.len();
    }
    let mut city = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        s.day_status(&Scope::Region { lo: 510100, hi: 510199 }, p.id, day, None).unwrap();
        city.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut county = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        s.day_status(&Scope::Region { lo: counties[0], hi: counties[0] }, p.id, day, None).unwrap();
        county.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let pct = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "bench-duty {name}: {} reporting units, {missing} missing; the day's status (missing list by region) p50 / p99 over {runs} runs: province {:.1} / {:.1} ms, one city {:.1} / {:.1} ms, one county {:.2} / {:.2} ms (import {:.1} s, {} reports filed in {:.1} s; load average {})",
        units.len(),
        pct(&mut times, 0.5),
        pct(&mut times, 0.99),
        pct(&mut city, 0.5),
        pct(&mut city, 0.99),
        pct(&mut county, 0.5),
        pct(&mut county, 0.99),
        imported.as_secs_f64(),
        units.len().div_ceil(10),
        filed.as_secs_f64(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    assert!(pct(&mut times, 0.5) < 1000.0, "the day's missing list takes {} ms", pct(&mut times, 0.5));
}

#[test]
#[ignore]
fn bench_duty() {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    run("sqlite", &mut s);
    match store_postgres::testing::database_url() {
        Some(url) => {
            let schema = format!("tianfu_bench_duty_{}", std::process::id());
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).unwrap();
            run("postgres", &mut p);
            drop(p);
            postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
        }
        None => println!("bench-duty postgres: TIANFU_TEST_DATABASE_URL is not set, skipped"),
    }
}
