//! Province-scale benchmark of the security registers (issue 13), on SQLite and, when
//! `TIANFU_BENCH_DATABASE_URL` (or `TIANFU_TEST_DATABASE_URL`) names a PostgreSQL database, on
//! PostgreSQL in a schema of its own (dropped after): UNITS schools (default 22,000) over the
//! province's counties, SYSTEMS 等保 systems (default 60,000) at them with assessments and
//! rectification items, INCIDENTS incidents (default 10,000), all through the store traits.
//! Then every register list (first page: the province, a city, a county, with filters), the
//! overdue lists, the region completion counts and the incident lists, RUNS times each (default
//! 200), p50/p99 in ms; and the daily deadline sweep (等保 reminders + incident escalation), wall
//! time. Usage: `make bench-security`; `UNITS=2200 SYSTEMS=6000 INCIDENTS=1000 make bench-security`
//! for a quick run.

use secman::incidents::{self as inc, Rules};
use secman::mlps as rules;
use standard::{Date, Entity};
use std::time::Instant;
use store::calendar::Calendar;
use store::clock::TestClock;
use store::incidents::{IncidentQuery, Incidents};
use store::mlps::{DueState, Mlps, MlpsSql, NewAssessment, NewRectification, NewSystem, SystemQuery};
use store::{AuditLog, Browse, Scope, Store};

trait Db: Store + Mlps + MlpsSql + Incidents + AuditLog + Browse {}
impl<T: Store + Mlps + MlpsSql + Incidents + AuditLog + Browse> Db for T {}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let (units, systems, incidents, runs) = (env("UNITS", 22_000), env("SYSTEMS", 60_000), env("INCIDENTS", 10_000), env("RUNS", 200).max(10));
    let dir = std::env::temp_dir().join(format!("tianfu-bench-security-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("TIANFU_BENCH_DATABASE_URL").or_else(|_| std::env::var("TIANFU_TEST_DATABASE_URL")).ok();
    let schema = format!("tianfu_bench_security_{}", std::process::id());
    let mut pg = None;
    {
        let mut s = store_sqlite::SqliteStore::open(&dir.join("t.db")).unwrap();
        s.set_audit_chain(store::audit::AuditChain::temporary());
        println!("== SQLite: {units} units, {systems} systems, {incidents} incidents (load average {}) ==", load());
        let schools = seed(&mut s, units, systems, incidents);
        // PostgreSQL gets the same rows, written by the store above (due dates included), copied
        // in multi-row INSERTs in one transaction: a round trip per row took 646 s for 60,000
        // systems. Copied before the SQLite sweep changes them.
        if let Some(url) = &url {
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(url, &schema).unwrap();
            p.set_audit_chain(store::audit::AuditChain::temporary());
            let t = Instant::now();
            seed_schools(&mut p, &schools);
            copy_registers(&mut s, &mut p);
            println!("seed PostgreSQL: {units} schools through the store, the registers copied from SQLite in {:.1} s", t.elapsed().as_secs_f64());
            pg = Some(p);
        }
        measure("SQLite", &mut s, runs);
    }
    // KEEP=1 leaves both databases for EXPLAIN (the path and the schema are printed).
    let keep = std::env::var("KEEP").is_ok();
    if keep {
        println!("kept: SQLite {}, PostgreSQL schema {schema}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    match (url, pg) {
        (Some(_), Some(mut p)) if keep => {
            println!("== PostgreSQL: {units} units, {systems} systems, {incidents} incidents (load average {}) ==", load());
            measure("PostgreSQL", &mut p, runs);
        }
        (Some(url), Some(mut p)) => {
            println!("== PostgreSQL: {units} units, {systems} systems, {incidents} incidents (load average {}) ==", load());
            measure("PostgreSQL", &mut p, runs);
            drop(p);
            postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
        }
        _ => println!("PostgreSQL: skipped (set TIANFU_BENCH_DATABASE_URL)"),
    }
}

/// The 1-minute load average (the machine is shared: read the figures beside it).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_string)).unwrap_or_else(|| "?".into())
}

/// The tables written by the seeding, in the order their references need.
const COPIED: &[&str] = &["mlps_systems", "mlps_assessments", "mlps_rectifications", "incidents", "incident_steps"];

/// Copies the registers' rows from the SQLite store to PostgreSQL (bench only): the columns and
/// their types are PostgreSQL's, the values SQLite's, as literals in INSERTs of 1,000 rows.
fn copy_registers(from: &mut store_sqlite::SqliteStore, to: &mut store_postgres::PgStore) {
    to.mlps_batch("BEGIN").unwrap();
    for table in COPIED {
        let mut cols: Vec<(String, String)> = Vec::new();
        to.mlps_rows(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            vec![(*table).into()],
            &mut |r| {
                cols.push((r.string(0)?, r.string(1)?));
                Ok(())
            },
        )
        .unwrap();
        let names = cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(", ");
        let mut values: Vec<String> = Vec::new();
        let flush = |values: &mut Vec<String>, to: &mut store_postgres::PgStore| {
            if !values.is_empty() {
                to.mlps_batch(&format!("INSERT INTO {table} ({names}) VALUES {}", values.join(","))).unwrap();
                values.clear();
            }
        };
        let mut rows: Vec<String> = Vec::new();
        from.mlps_rows(&format!("SELECT {names} FROM {table} ORDER BY id"), vec![], &mut |r| {
            let mut v = Vec::with_capacity(cols.len());
            for (i, (_, kind)) in cols.iter().enumerate() {
                v.push(match kind.as_str() {
                    "boolean" => r.opt_bool(i)?.map_or("NULL".into(), |b| b.to_string()),
                    "bigint" | "integer" | "smallint" => r.opt_i64(i)?.map_or("NULL".into(), |n| n.to_string()),
                    _ => r.opt_string(i)?.map_or("NULL".into(), |t| format!("'{}'", t.replace('\'', "''"))),
                });
            }
            rows.push(format!("({})", v.join(", ")));
            Ok(())
        })
        .unwrap();
        for row in rows {
            values.push(row);
            if values.len() == 1000 {
                flush(&mut values, to);
            }
        }
        flush(&mut values, to);
        to.mlps_batch(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(1, (SELECT COALESCE(MAX(id), 0) FROM {table})))")).unwrap();
    }
    to.mlps_batch("COMMIT; ANALYZE").unwrap();
}

fn plus(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

const TODAY: &str = "2026-12-07";
const T0: i64 = 1_796_000_000; // 2026-12-01

fn counties() -> Vec<u32> {
    standard::codes::DIVISIONS.counties_of(51).map(|d| d.code).collect()
}

/// The schools (code: 2, the county, 3 digits), spread over the counties, written through the
/// store's import.
fn seed_schools(s: &mut dyn Db, schools: &[(String, u32)]) {
    let t = Instant::now();
    let rows: Vec<Vec<String>> = schools.iter().map(|(code, county)| store::suite::school(code, &county.to_string(), &format!("学校{code}"))).collect();
    store::suite::import(s, Entity::School, "bench-schools", &rows);
    println!("seed: {} schools in {:.1} s", schools.len(), t.elapsed().as_secs_f64());
}

/// Seeds the registers through the store traits; returns the schools.
fn seed(s: &mut dyn Db, units: usize, systems: usize, incidents: usize) -> Vec<(String, u32)> {
    let counties = counties();
    let cal = Calendar::embedded();
    let today = Date::parse_iso(TODAY).unwrap();
    let all = Scope::province(51);
    let schools: Vec<(String, u32)> = (0..units).map(|i| (format!("2{}{:03}", counties[i % counties.len()], i / counties.len()), counties[i % counties.len()])).collect();
    seed_schools(s, &schools);
    // Systems: levels 1–4, three in four filed, two thirds of level ≥ 3 assessed, one in ten
    // with a rectification item; live dates over four years, so that some are overdue.
    let t = Instant::now();
    s.mlps_batch("BEGIN").unwrap();
    let (mut assessed, mut items) = (0, 0);
    for i in 0..systems {
        let (code, county) = &schools[(i * 7919) % schools.len()];
        let live = plus(today, -100 - (i as i64 * 37) % 1500);
        let level = [2, 2, 3, 3, 3, 4, 1][i % 7];
        let mut x = NewSystem { unit_code: code.parse().unwrap(), name: format!("系统{i}"), owner: "信息中心".into(), purpose: "教学".into(), level, cii: i % 50 == 0, live_on: Some(live), ..Default::default() };
        if i % 4 != 0 && level >= 2 {
            x.filing_no = format!("{county}99001-{level}0001");
            x.filing_on = Some(plus(live, 20));
            x.filing_authority = "公安分局".into();
        }
        let sys = rules::create(s, &all, &x, "bench", &cal, 0).unwrap();
        if level >= 3 && i % 3 != 0 {
            let on = plus(today, -((i as i64 * 11) % 400));
            rules::assess(s, &all, sys.id, &NewAssessment { assessed_on: on, agency: "测评中心".into(), score: Some(85.0), conclusion: store::mlps::Conclusion::Good }, "bench", &cal, 0).unwrap();
            assessed += 1;
        }
        if i % 10 == 0 {
            rules::add_item(s, &all, sys.id, &NewRectification { item: "口令复杂度不足".into(), due_on: plus(today, (i as i64 % 200) - 60) }, "bench", &cal, 0).unwrap();
            items += 1;
        }
    }
    s.mlps_batch("COMMIT").unwrap();
    println!("seed: {systems} systems ({assessed} assessments, {items} items) in {:.1} s", t.elapsed().as_secs_f64());
    let t0 = T0;
    let t = Instant::now();
    for n in 0..incidents {
        let (code, county) = &schools[(n * 104_729) % schools.len()];
        let at = t0 - (n as i64) * 300;
        let mut x = store::suite_incidents::incident(&format!("事件 {n}"), Some(code), *county as i64, at);
        // One in a hundred still unreported past its deadline.
        if n % 100 != 0 {
            x.reported_up_at = Some(x.reported_at + 600);
        }
        s.insert_incident(&Scope::all(), &x, &store::suite_incidents::first_step(x.reported_at)).unwrap();
    }
    println!("seed: {incidents} incidents in {:.1} s", t.elapsed().as_secs_f64());
    schools
}

/// Every list RUNS times (p50, p99, and the first run: a remembered figure's recount), then the
/// daily sweep once.
fn measure(backend: &str, s: &mut dyn Db, runs: usize) {
    let counties = counties();
    let today = Date::parse_iso(TODAY).unwrap();
    let all = Scope::province(51);
    let t0 = T0;

    let county = Scope::Region { lo: counties[0], hi: counties[0] };
    let city = Scope::Region { lo: 510100, hi: 510199 };
    let mut time = |what: &str, f: &mut dyn FnMut(&mut dyn Db) -> usize| {
        let mut v = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs {
            let t = Instant::now();
            rows = f(s);
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let first = v[0];
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let p99 = v[(runs * 99 / 100).min(runs - 1)];
        println!("{backend:<10} {what:<44} rows {rows:>6}  p50 {:>7.2} ms  p99 {:>7.2} ms  first {first:>7.2} ms{}", v[runs / 2], p99, if p99 > 100.0 { "  (over 100 ms)" } else { "" });
    };
    let q = SystemQuery::on(today);
    time("register, province, first page", &mut |s| s.systems(&all, &q).unwrap().rows.len());
    time("register, a city (成都)", &mut |s| s.systems(&city, &q).unwrap().rows.len());
    time("register, one county", &mut |s| s.systems(&county, &q).unwrap().rows.len());
    time("register, province, level 3", &mut |s| s.systems(&all, &SystemQuery { level: Some(3), ..q.clone() }).unwrap().rows.len());
    time("register, province, overdue", &mut |s| s.systems(&all, &SystemQuery { state: Some(DueState::Overdue), ..q.clone() }).unwrap().rows.len());
    time("register, province, due within 60 days", &mut |s| s.systems(&all, &SystemQuery { state: Some(DueState::DueSoon), ..q.clone() }).unwrap().rows.len());
    time("register, county, level 4, overdue", &mut |s| s.systems(&county, &SystemQuery { level: Some(4), state: Some(DueState::Overdue), ..q.clone() }).unwrap().rows.len());
    time("register totals, province", &mut |s| s.system_totals(&all, &q).unwrap().systems as usize);
    time("register totals, one county", &mut |s| s.system_totals(&county, &q).unwrap().systems as usize);
    time("overdue list, province (200)", &mut |s| s.overdue_systems(&all, None, today, 200).unwrap().len());
    time("overdue list, a city (200)", &mut |s| s.overdue_systems(&city, None, today, 200).unwrap().len());
    time("overdue list, one county", &mut |s| s.overdue_systems(&county, None, today, 200).unwrap().len());
    time("completion by region, province", &mut |s| s.completion(&all, today).unwrap().len());
    time("completion by region, a city", &mut |s| s.completion(&city, today).unwrap().len());
    let iq = IncidentQuery { limit: 200, ..Default::default() };
    time("incidents, province (200 + counts)", &mut |s| {
        let n = s.incidents(&all, &iq).unwrap().len();
        s.incident_counts(&all, &iq).unwrap();
        n
    });
    time("incidents, one county (200 + counts)", &mut |s| {
        let n = s.incidents(&county, &iq).unwrap().len();
        s.incident_counts(&county, &iq).unwrap();
        n
    });
    let oq = IncidentQuery { overdue_at: Some(t0 + 86_400), limit: 200, ..Default::default() };
    time("incidents overdue, province (200)", &mut |s| s.incidents(&all, &oq).unwrap().len());
    // The daily sweep: the 等保 reminders of the day, then the incidents' escalation.
    let t = Instant::now();
    let reminders = rules::sweep(s, &Scope::all(), today).unwrap();
    let mlps_s = t.elapsed().as_secs_f64();
    let clock = TestClock::at(t0 + 86_400);
    let t = Instant::now();
    let r = inc::sweep(s, &Rules::default(), &clock).unwrap();
    let inc_s = t.elapsed().as_secs_f64();
    println!("{backend:<10} daily sweep: {} 等保 reminders in {mlps_s:.2} s; {} incidents overdue, {} escalated in {inc_s:.2} s; total {:.2} s{}", reminders.len(), r.overdue, r.escalated.len(), mlps_s + inc_s, if mlps_s + inc_s > 5.0 { "  (over 5 s)" } else { "" });
}
