//! `make bench-apps`: the education-app register at the size — 22,000 schools' uses,
//! 200,000 in all, and 3,000 filings — on SQLite (a file in the temporary folder) and on
//! PostgreSQL (when TIANFU_TEST_DATABASE_URL is set); p50/p99 of the uses list (the province's
//! first page, a county's, a state filter), the counts by state, the overdue list and the
//! overdue counts by region. USES=20000 for a quick run. Ignored by `cargo test`.

use standard::Date;
use store::apps::{Apps, AppsSql, FilingQuery, UseQuery, UseState};
use store::sql::Arg;
use store::Scope;
use std::time::Instant;

const T0: i64 = 1_800_000_000;

fn seed(s: &mut (impl Apps + AppsSql), uses: usize, today: Date) {
    let p = Scope::province(51);
    let started = Instant::now();
    let filings: Vec<_> = (0..3000u32).map(|n| store::suite_apps::filing(1_000_000 + n, &format!("应用{n}"))).collect();
    s.import_filings(&p, &filings, "bench", T0).unwrap();
    let counties: Vec<u32> = standard::codes::DIVISIONS.counties_of(51).map(|c| c.code).collect();
    let schools = 22_000usize;
    s.apps_batch("BEGIN").unwrap();
    let mut n = 0usize;
    while n < uses {
        let chunk = (uses - n).min(500);
        let mut sql = String::from("INSERT INTO app_uses (school_code, region_code, filing_id, purpose, chosen_by, app_name, filing_no, state, reason, school_reviewed_on, county_approved_on, review_due, created_by, created_at, updated_at) VALUES ");
        let mut args: Vec<Arg> = Vec::new();
        for i in 0..chunk {
            let k = n + i;
            let school = k % schools;
            let county = counties[school % counties.len()];
            let state = match k % 10 {
                0..=5 => UseState::CountyApproved,
                6 | 7 => UseState::Proposed,
                8 => UseState::SchoolApproved,
                _ => UseState::Rejected,
            };
            // Approvals spread over the last two years: about half of them are due again.
            let approved = Date::from_days_since_epoch(today.days_since_epoch() - (k as i64 * 7919) % 730);
            let (on, due) = if state == UseState::CountyApproved { (approved.to_string(), secman::apps::review_due(approved).to_string()) } else { (String::new(), String::new()) };
            let base = args.len();
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(?{}, ?{}, ?{}, 'teaching', '教务处', '应用', '教APP备0000000号', ?{}, '', '', ?{}, ?{}, 'bench', {T0}, {T0})", base + 1, base + 2, base + 3, base + 4, base + 5, base + 6));
            args.extend([Arg::I64(2_151_000_000 + school as i64), Arg::I64(i64::from(county)), Arg::I64(1 + (k % 3000) as i64), Arg::Text(state.code().into()), Arg::Text(on), Arg::Text(due)]);
        }
        let sql = s.apps_dialect().render(&sql).into_owned();
        s.apps_exec(&sql, args).unwrap();
        n += chunk;
    }
    s.apps_batch("COMMIT").unwrap();
    // What autovacuum does after a bulk load on PostgreSQL (the visibility map lets the counts
    // read the covering index alone); SQLite's statistics.
    s.apps_batch(if s.apps_dialect() == store::sql::Dialect::Postgres { "VACUUM ANALYZE app_uses" } else { "ANALYZE" }).unwrap();
    println!("  seeded {uses} uses of {schools} schools in {} counties and 3,000 filings in {:.1} s", counties.len(), started.elapsed().as_secs_f64());
}

fn measure(name: &str, runs: usize, mut f: impl FnMut() -> usize) {
    let mut t = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let s = Instant::now();
        rows = f();
        t.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    // The first run recounts a remembered figure (store::memo); the others are served.
    let first = t[0];
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
    println!("  {name:<44} p50 {:>7.2} ms   p99 {:>7.2} ms   first {first:>7.2} ms   ({rows} rows)", p(0.5), p(0.99));
}

fn run(s: &mut (impl Apps + AppsSql), backend: &str) {
    let uses: usize = std::env::var("USES").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let today = Date::parse_iso("2026-12-07").unwrap();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("{backend} (load average {}):", load.split_whitespace().next().unwrap_or("?"));
    seed(s, uses, today);
    let prov = Scope::province(51);
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let runs = 100;
    let q = UseQuery::default();
    measure("uses, province, first page", runs, || s.uses(&prov, &q).unwrap().rows.len());
    measure("uses, one county, first page", runs, || s.uses(&county, &q).unwrap().rows.len());
    measure("uses, province, state = school_approved", runs, || s.uses(&prov, &UseQuery { state: Some(UseState::SchoolApproved), ..q.clone() }).unwrap().rows.len());
    measure("uses, province, a county filter + state", runs, || s.uses(&prov, &UseQuery { region: Some(510104), state: Some(UseState::Proposed), ..q.clone() }).unwrap().rows.len());
    measure("counts by state, province", runs, || s.use_counts(&prov, &q).unwrap().len());
    measure("counts by state, one county", runs, || s.use_counts(&county, &q).unwrap().len());
    measure("overdue list, province (50)", runs, || s.overdue_uses(&prov, None, today, 50).unwrap().len());
    measure("overdue list, one county (50)", runs, || s.overdue_uses(&county, None, today, 50).unwrap().len());
    measure("overdue counts by region, province", runs, || s.overdue_by_region(&prov, today).unwrap().len());
    measure("filings, first page", runs, || s.filings(&prov, &FilingQuery { limit: 50, ..Default::default() }).unwrap().rows.len());
}

#[test]
#[ignore]
fn bench_apps() {
    let dir = std::env::temp_dir().join(format!("tianfu-bench-apps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    {
        let mut s = store_sqlite::SqliteStore::open(&dir.join("bench.db")).unwrap();
        run(&mut s, "SQLite");
    }
    let _ = std::fs::remove_dir_all(&dir);
    match store_postgres::testing::database_url() {
        Some(url) => {
            let schema = format!("tianfu_test_benchapps_{}", std::process::id());
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).unwrap();
            run(&mut p, "PostgreSQL");
            drop(p);
            postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
        }
        None => println!("PostgreSQL: skipped (TIANFU_TEST_DATABASE_URL is not set)"),
    }
}
