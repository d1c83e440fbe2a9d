//! The IPv6 dashboard and `/api/v1/ipv6`: the universities' rate against the target, the
//! categories' rates, the sites falling short with their reasons — scoped, on SQLite and on
//! PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use store::monitor::{CheckSummary, CrawlSummary, FamilySummary, NewSite, SiteCategory, SiteState};

fn check(at: i64, v6: bool) -> CheckSummary {
    CheckSummary {
        at,
        state: SiteState::Up,
        v4: FamilySummary { reachable: true, status: Some(200), elapsed_ms: 40 },
        v6: FamilySummary { reachable: v6, status: v6.then_some(200), elapsed_ms: if v6 { 50 } else { 0 } },
        tls_days: Some(90),
        tls_grade: Some("A".into()),
        header_score: Some(70),
        ipv6_aaaa: v6,
        ipv6_home: v6,
        ipv6_consistent: v6.then_some(true),
        findings: if v6 { vec![] } else { vec!["ipv6_missing".into()] },
    }
}

/// In the county: 川大 (supports IPv6), 西南交大 (no AAAA), 成都职院 (supports); in the other
/// county: 外地大学 (supports).
fn seed(env: &Env) {
    let p = env.places.clone();
    with_store(env, |s| {
        let site = |name: &str, host: &str, org: u32, cat| NewSite { name: name.into(), url: format!("https://{host}/"), org_code: org as i64, category: cat, interval_minutes: 5 };
        let now = store::time::unix_now();
        let a = s.create_site(&store::Scope::all(), &site("四川大学", "www.scu.edu.cn", p.county, SiteCategory::University), now).unwrap().id;
        let b = s.create_site(&store::Scope::all(), &site("西南交通大学", "www.swjtu.edu.cn", p.county, SiteCategory::University), now).unwrap().id;
        let c = s.create_site(&store::Scope::all(), &site("成都职业技术学院", "www.cdp.edu.cn", p.county, SiteCategory::Vocational), now).unwrap().id;
        let d = s.create_site(&store::Scope::all(), &site("外地大学", "www.other.edu.cn", p.other_county, SiteCategory::University), now).unwrap().id;
        for i in 0..5 {
            let at = now - 3000 + i * 300;
            for (id, v6) in [(a, true), (b, false), (c, true), (d, true)] {
                s.record_result(id, &check(at, v6), at + 300).unwrap();
            }
        }
        s.record_crawl(a, &CrawlSummary { at: now, l2_checked: 20, l2_ok: 20, l3_checked: 30, l3_ok: 29, out_of_time: false }, now + 86_400).unwrap();
    });
}

async fn run(env: Env) {
    seed(&env);
    let county = login(&env, "county", PASSWORD).await;
    let r = send(&env, "GET", "/ipv6", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("已检测高校 2 所，支持 IPv6 1 所（50.0%），距目标还差 1 所"), "{}", r.body);
    assert!(r.body.contains("西南交通大学") && r.body.contains("无 AAAA 记录"), "the university falling short, with why");
    assert!(!r.body.contains("外地大学"), "another county's site is not shown");
    assert!(r.body.contains("data-gauge=\"gauge-data\""));
    // The province sees both counties: 2 of 3 universities.
    let prov = login(&env, "prov", PASSWORD).await;
    let r = send(&env, "GET", "/ipv6", &prov, None).await;
    assert!(r.body.contains("已检测高校 3 所，支持 IPv6 2 所（66.7%），距目标还差 1 所"), "{}", r.body);
    let r = send(&env, "GET", &format!("/ipv6?region={}", env.places.other_county), &prov, None).await;
    assert!(r.body.contains("已检测高校 1 所，支持 IPv6 1 所（100.0%），距目标还差 0 所"), "{}", r.body);
    // English.
    let mut en = prov.clone();
    en.cookie = Some(format!("{}; lang=en", prov.cookie.clone().unwrap()));
    let r = send(&env, "GET", "/ipv6", &en, None).await;
    assert!(r.body.contains("2 of 3 universities checked support IPv6 (66.7%)"), "{}", r.body);
    // A region outside the scope, and roles that do not read the monitor.
    let r = send(&env, "GET", &format!("/ipv6?region={}", env.places.other_county), &county, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(&env, "GET", "/ipv6?region=abc", &county, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("地区代码应为 6 位数字"), "{}", r.body);
    let aud = login(&env, "aud", PASSWORD).await;
    assert_eq!(send(&env, "GET", "/ipv6", &aud, None).await.status, StatusCode::FORBIDDEN);
    let sec = login(&env, "sec", PASSWORD).await;
    assert_eq!(send(&env, "GET", "/ipv6", &sec, None).await.status, StatusCode::OK);

    // The API, for the county officer's session.
    let r = send(&env, "GET", "/api/v1/ipv6", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let cats = v["categories"].as_array().unwrap();
    // (The test environment also registers a school's site in the county.)
    assert_eq!(
        cats.iter().map(|c| (c["category"].as_str().unwrap(), c["supported"].as_u64().unwrap(), c["checked"].as_u64().unwrap())).collect::<Vec<_>>(),
        [("university", 1, 2), ("vocational", 1, 1), ("school", 0, 1)]
    );
    assert_eq!(v["university_target"], 1.0);
    let sites = v["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 4);
    let scu = sites.iter().find(|s| s["name"] == "四川大学").unwrap();
    assert_eq!((scu["supported"].as_bool(), scu["level2_rate"].as_f64(), scu["probes"].as_u64()), (Some(true), Some(1.0), Some(5)));
    let swjtu = sites.iter().find(|s| s["name"] == "西南交通大学").unwrap();
    assert_eq!(swjtu["shortfall"], serde_json::json!(["no AAAA record"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_dashboard_sqlite() {
    run(sqlite("ipv6")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_dashboard_postgres() {
    let Some(env) = blocking(|| postgres("ipv6")) else { return };
    run(env).await;
}
