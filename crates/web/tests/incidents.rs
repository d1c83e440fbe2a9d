//! 网络安全事件 beyond the lifecycle: the deployment's `[security]` settings reach the pages (a
//! 2007 deployment confirms with the 2007 classes). On SQLite.

mod common;

use axum::http::StatusCode;
use common::*;
use store::Scope;

/// An incident reported at the county officer's county, as the store takes it.
fn county_incident(env: &Env, title: &str) -> i64 {
    let county = env.places.county as i64;
    with_store(env, |s| {
        let i = store::suite_incidents::incident(title, None, county, store::time::unix_now());
        s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(i.reported_at)).unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2007_deployment_confirms_with_the_2007_classes() {
    let env = sqlite("inc-2007");
    let id = county_incident(&env, "某校门户网站感染病毒");
    let county = login(&env, "county", PASSWORD).await;
    // The default: GB/T 20986-2023.
    let page = send(&env, "GET", &format!("/incidents/{id}"), &county, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"C01-01\"") && !page.body.contains("value=\"CVI\""), "2023 classes by default");
    let env = rebuild(env, |mut c| {
        c.security.incident_classification = "2007".into();
        c
    });
    let county = login(&env, "county", PASSWORD).await;
    let page = send(&env, "GET", &format!("/incidents/{id}"), &county, None).await;
    assert!(page.body.contains("value=\"CVI\"") && page.body.contains("有害程序事件"), "the 2007 classes offered");
    assert!(!page.body.contains("value=\"C01-01\""), "and not the 2023 ones");
    let (status, classes) = api_json(&env, "GET", "/api/v1/incidents/classes", &county, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert!(classes["edition"].as_str().unwrap().contains("2007"), "{classes}");
    // Confirming with a 2007 subclass is taken; a 2023 one is refused in Chinese.
    let bad = send(&env, "POST", &format!("/incidents/{id}/confirm"), &county, Some(&form(&[("_csrf", county.csrf.as_deref().unwrap()), ("class_code", "C01-01"), ("grade", "4")]))).await;
    assert_eq!(bad.status, StatusCode::CONFLICT, "{}", bad.body);
    assert!(bad.body.contains("事件分类无效"), "{}", bad.body);
    let ok = send(&env, "POST", &format!("/incidents/{id}/confirm"), &county, Some(&form(&[("_csrf", county.csrf.as_deref().unwrap()), ("class_code", "CVI"), ("grade", "4")]))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}
