//! A small measurement (not a benchmark target): 10,000 incidents in an in-memory SQLite store,
//! the province's and a county's list, the overdue list and the deadline sweep. Run with
//! `cargo test -p secman --test speed -- --ignored --nocapture`; it prints what it measured.

use secman::incidents::{self, Rules};
use store::clock::TestClock;
use store::incidents::{IncidentQuery, Incidents};
use store::{AuditLog, Scope};
use std::time::Instant;

#[test]
#[ignore]
fn ten_thousand_incidents() {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    s.set_audit_chain(store::audit::AuditChain::temporary());
    let t0 = 1_800_000_000;
    let counties = [510104, 510105, 510106, 510107, 510112, 510302, 510402, 511102, 511302, 513401];
    let started = Instant::now();
    for n in 0..10_000i64 {
        let county = counties[n as usize % counties.len()];
        let mut i = store::suite_incidents::incident(&format!("事件 {n}"), None, county, t0 - n * 60);
        // One in a hundred still unreported past its deadline.
        if n % 100 != 0 {
            i.reported_up_at = Some(i.reported_at + 600);
        }
        s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(i.reported_at)).unwrap();
    }
    println!("inserted 10,000 incidents in {:.2} s", started.elapsed().as_secs_f64());
    let mut time = |name: &str, scope: &Scope, q: &IncidentQuery| {
        let mut v = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            let rows = s.incidents(scope, q).unwrap();
            let counts = s.incident_counts(scope, q).unwrap();
            v.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(!rows.is_empty() && !counts.is_empty());
        }
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("{name}: median {:.2} ms, p99 {:.2} ms (50 runs, list of 200 + counts)", v[25], v[49]);
    };
    let province = Scope::province(51);
    let county = Scope::Region { lo: 510104, hi: 510104 };
    time("province list", &province, &IncidentQuery { limit: 200, ..Default::default() });
    time("county list", &county, &IncidentQuery { limit: 200, ..Default::default() });
    time("province overdue list", &province, &IncidentQuery { overdue_at: Some(t0 + 86_400), limit: 200, ..Default::default() });
    let clock = TestClock::at(t0 + 86_400);
    let t = Instant::now();
    let r = incidents::sweep(&mut s, &Rules::default(), &clock).unwrap();
    println!("sweep: {} overdue, {} escalated in {:.1} ms", r.overdue, r.escalated.len(), t.elapsed().as_secs_f64() * 1000.0);
    assert_eq!(r.overdue, 100);
}
