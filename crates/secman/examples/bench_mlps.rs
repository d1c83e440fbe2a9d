//! Benchmark of the 等保 register on SQLite: SYSTEMS systems (default 60,000) spread over the
//! province's county bureaus, a quarter of them with a due date passed; then the register's
//! first page (province; a county; level 3; overdue), its totals, the overdue list, the
//! completion by region — each 200 times, p50/p99 in ms — and one daily sweep (s).
//! Usage: `make bench-mlps` (60,000), `SYSTEMS=6000 make bench-mlps` (a quick run).

use secman::mlps as rules;
use standard::Date;
use std::time::Instant;
use store::calendar::Calendar;
use store::mlps::{DueState, Mlps, NewSystem, SystemQuery};
use store::Scope;

fn main() {
    let n: usize = std::env::var("SYSTEMS").ok().and_then(|v| v.parse().ok()).unwrap_or(60_000);
    let dir = std::env::temp_dir().join(format!("tianfu-bench-mlps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut s = store_sqlite::SqliteStore::open(&dir.join("t.db")).unwrap();
    let counties: Vec<u32> = standard::codes::DIVISIONS.counties_of(51).map(|d| d.code).collect();
    let cal = Calendar::embedded();
    let today = Date::today();
    let all = Scope::province(51);
    let t = Instant::now();
    s.platform_connection().execute_batch("BEGIN").unwrap();
    for i in 0..n {
        let county = counties[i % counties.len()];
        let live = Date::from_days_since_epoch(today.days_since_epoch() - 100 - (i as i64 * 37) % 1500);
        let level = [2, 2, 3, 3, 3, 4, 1][i % 7];
        let mut x = NewSystem { unit_code: county as i64, name: format!("系统{i}"), owner: "信息中心".into(), purpose: "教学".into(), level, cii: i % 50 == 0, live_on: Some(live), ..Default::default() };
        if i % 4 != 0 && level >= 2 {
            x.filing_no = format!("{county}99001-{level}0001");
        }
        let sys = rules::create(&mut s, &all, &x, "bench", &cal, 0).unwrap();
        if level >= 3 && i % 3 != 0 {
            let on = Date::from_days_since_epoch(today.days_since_epoch() - (i as i64 * 11) % 400);
            rules::assess(&mut s, &all, sys.id, &store::mlps::NewAssessment { assessed_on: on, agency: "x".into(), score: Some(85.0), conclusion: store::mlps::Conclusion::Good }, "bench", &cal, 0).unwrap();
        }
    }
    s.platform_connection().execute_batch("COMMIT").unwrap();
    eprintln!("bench-mlps: {n} systems written in {:.1} s", t.elapsed().as_secs_f64());
    let county = Scope::Region { lo: counties[0], hi: counties[0] };
    let time = |what: &str, s: &mut store_sqlite::SqliteStore, f: &mut dyn FnMut(&mut store_sqlite::SqliteStore) -> usize| {
        let mut v = Vec::new();
        let mut rows = 0;
        for _ in 0..200 {
            let t = Instant::now();
            rows = f(s);
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("{what:<40} rows {rows:>6}  p50 {:>7.2} ms  p99 {:>7.2} ms", v[100], v[197]);
    };
    let q = SystemQuery::on(today);
    time("register, province, first page", &mut s, &mut |s| s.systems(&all, &q).unwrap().rows.len());
    time("register, one county", &mut s, &mut |s| s.systems(&county, &q).unwrap().rows.len());
    time("register, province, level 3", &mut s, &mut |s| s.systems(&all, &SystemQuery { level: Some(3), ..q.clone() }).unwrap().rows.len());
    time("register, province, overdue", &mut s, &mut |s| s.systems(&all, &SystemQuery { state: Some(DueState::Overdue), ..q.clone() }).unwrap().rows.len());
    time("register totals, province", &mut s, &mut |s| s.system_totals(&all, &q).unwrap().systems as usize);
    time("overdue list, province (200)", &mut s, &mut |s| s.overdue_systems(&all, None, today, 200).unwrap().len());
    time("overdue list, one county", &mut s, &mut |s| s.overdue_systems(&county, None, today, 200).unwrap().len());
    time("completion by region, province", &mut s, &mut |s| s.completion(&all, today).unwrap().len());
    let t = Instant::now();
    let r = rules::sweep(&mut s, &all, today).unwrap();
    println!("daily sweep, province: {} reminders in {:.2} s", r.len(), t.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
}
