//! The monitor suite on PostgreSQL, and claiming from two connections at once with
//! `FOR UPDATE SKIP LOCKED`. Needs `TIANFU_TEST_DATABASE_URL`; each test in a schema of its own.

mod common;

use common::fresh;
use store::Monitor;

store::monitor_suite!(match fresh() {
    Some(s) => s,
    None => return,
});

#[test]
fn concurrent_claimers_never_share_a_site() {
    let Some(mut t) = fresh() else { return };
    store::suite_monitor::schools(&mut t);
    let sites: Vec<_> = (0..300).map(|n| store::suite_monitor::site(&format!("s{n}"), &format!("https://s{n}.example.edu.cn/"), 510104, store::SiteCategory::School)).collect();
    t.upsert_sites(&store::Scope::all(), &sites, 1000).unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let claimers: Vec<_> = (0..2)
        .map(|w| {
            let mut s = t.second();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut got = Vec::new();
                loop {
                    let batch = s.claim_due(&format!("w{w}"), 2000, 7).unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    assert!(batch.iter().all(|x| x.claimed_by.as_deref() == Some(format!("w{w}").as_str())));
                    got.extend(batch.into_iter().map(|x| x.id));
                }
            })
        })
        .collect();
    let got: Vec<Vec<i64>> = claimers.into_iter().map(|h| h.join().unwrap()).collect();
    let mut all: Vec<i64> = got.concat();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (300, 300), "every site claimed exactly once");
    assert!(got.iter().all(|g| !g.is_empty()), "both claimers worked: {:?}", got.iter().map(Vec::len).collect::<Vec<_>>());
}
