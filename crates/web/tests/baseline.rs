//! Tamper baselines at the console: a site's page offers its latest page as the baseline to
//! those who manage sites, shows what changed since, and every acceptance is audited and
//! scoped. On SQLite and on PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use store::monitor::Snapshot;
use store::AuditFilter;

fn page(at: i64, text: &str) -> Snapshot {
    Snapshot { at, fingerprint: format!("v1:3:{}", text.len()), text: text.into() }
}

async fn run(env: Env) {
    let (own, other) = (env.own_site, env.other_site);
    let now = store::time::unix_now();
    with_store(&env, |s| {
        s.record_check(own, &check_at(now - 10, true, 100, &[]), Some(&page(now - 10, "锦江实验小学\n学校新闻\n通知公告")), now + 600).unwrap();
        s.record_check(other, &check_at(now - 10, true, 100, &[]), Some(&page(now - 10, "外市学校")), now + 600).unwrap();
    });
    let county = login(&env, "county", PASSWORD).await;
    let r = send(&env, "GET", &format!("/sites/{own}"), &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("尚未设定基线：确认当前页面正常后设为基线") && r.body.contains("id=\"accept-baseline\""), "{}", r.body);
    assert!(r.body.contains("id=\"site-ipv6\"") && r.body.contains("<dd>8/9</dd>") && r.body.contains("近期 IPv6 访问成功率不足 90%"), "the site's IPv6 result, 8 of its 9 checks over IPv6: {}", r.body);

    // Accepting needs the CSRF token, and the site in the user's area.
    let no_csrf = Auth { csrf: None, ..county.clone() };
    assert_eq!(send(&env, "POST", &format!("/sites/{own}/baseline"), &no_csrf, Some("")).await.status, StatusCode::FORBIDDEN);
    let csrf = format!("_csrf={}", county.csrf.clone().unwrap());
    let r = send(&env, "POST", &format!("/sites/{other}/baseline"), &county, Some(&csrf)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "another county's site");
    let school = login(&env, "school", PASSWORD).await;
    let r = send(&env, "POST", &format!("/sites/{own}/baseline"), &school, Some(&format!("_csrf={}", school.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a school administrator reads the monitor, does not manage it");
    assert!(!send(&env, "GET", &format!("/sites/{own}"), &school, None).await.body.contains("id=\"accept-baseline\""));

    let r = send(&env, "POST", &format!("/sites/{own}/baseline"), &county, Some(&csrf)).await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, format!("/sites/{own}#baseline").as_str()));
    let b = with_store(&env, |s| s.baseline(own).unwrap()).expect("accepted");
    assert_eq!((b.accepted_by.as_str(), b.page.text.as_str()), ("county", "锦江实验小学\n学校新闻\n通知公告"));
    let r = send(&env, "GET", &format!("/sites/{own}"), &county, None).await;
    assert!(r.body.contains("<span data-code>county</span> 于") && r.body.contains("id=\"baseline-same\"") && r.body.contains("以最新页面更新基线"), "{}", r.body);

    // The page changes: what changed is shown against the baseline.
    with_store(&env, |s| s.record_check(own, &check_at(now, true, 100, &["tampered"]), Some(&page(now, "锦江实验小学\n澳门博彩\n通知公告")), now + 600).unwrap());
    let r = send(&env, "GET", &format!("/sites/{own}"), &county, None).await;
    assert!(r.body.contains("最新页面与基线不同") && r.body.contains("- 学校新闻") && r.body.contains("+ 澳门博彩"), "{}", r.body);

    // The province accepts every missing baseline in its area at once: only the other site's.
    let prov = login(&env, "prov", PASSWORD).await;
    let r = send(&env, "POST", "/sites/baselines", &prov, Some(&format!("_csrf={}", prov.csrf.clone().unwrap()))).await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/sites?baselines=1"));
    assert!(send(&env, "GET", &r.location, &prov, None).await.body.contains("已为 1 个站点设定基线"));
    assert_eq!(with_store(&env, |s| s.baseline(other).unwrap()).unwrap().accepted_by, "prov");
    assert_eq!(with_store(&env, |s| s.baseline(own).unwrap()).unwrap().accepted_by, "county", "an accepted baseline is left alone");
    assert!(!send(&env, "GET", "/sites?baselines=%3Cb%3E", &prov, None).await.body.contains("baselines-accepted"), "only a count is echoed");

    let audit = with_store(&env, |s| s.audit_entries(&AuditFilter { action: Some("site_baseline".into()), limit: 10, ..Default::default() }).unwrap());
    let mut got: Vec<(String, String)> = audit.iter().map(|e| (e.actor.clone(), e.target.clone())).collect();
    got.sort();
    assert_eq!(got, [("county".to_string(), format!("site:{own}")), ("prov".to_string(), "sites:missing".to_string())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baselines_at_the_console_sqlite() {
    run(sqlite("baseline")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baselines_at_the_console_postgres() {
    let Some(env) = blocking(|| postgres("baseline")) else { return };
    run(env).await;
}
