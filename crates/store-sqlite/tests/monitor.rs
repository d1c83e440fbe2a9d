//! The monitor suite on SQLite, and claiming from two connections to one file at once.

use store::Monitor;
use store_sqlite::SqliteStore;

store::monitor_suite!(SqliteStore::open_in_memory().unwrap());

#[test]
fn concurrent_claimers_never_share_a_site() {
    let dir = std::env::temp_dir().join(format!("tianfu-claim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    let mut s = SqliteStore::open(&path).unwrap();
    store::suite_monitor::schools(&mut s);
    let sites: Vec<_> = (0..200).map(|n| store::suite_monitor::site(&format!("s{n}"), &format!("https://s{n}.example.edu.cn/"), 510104, store::SiteCategory::School)).collect();
    s.upsert_sites(&store::Scope::all(), &sites, 1000).unwrap();
    let now = 2000;
    let claimers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = SqliteStore::open(&path).unwrap();
                let mut got = Vec::new();
                loop {
                    let batch = s.claim_due(&format!("w{w}"), now, 7).unwrap();
                    if batch.is_empty() {
                        return got;
                    }
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
    assert_eq!((n, all.len()), (200, 200), "every site claimed exactly once");
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}
