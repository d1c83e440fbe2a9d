//! 学校地理信息 (issue 14) through the router: the map's clusters and points cut to the caller's
//! area, the filters, the boundary check reconciled with what the demo planted (schools placed
//! in another city), the flagged list's export, and the catchment note written from the school's
//! page and the API (audited; another county's school is 404). On SQLite, and on PostgreSQL when
//! TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn codes(v: &Value, key: &str) -> BTreeSet<String> {
    v[key].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap().to_string()).collect()
}

async fn map_and_flags(env: Env) {
    let p = env.places.clone();
    let prov = login(&env, "prov", PASSWORD).await;
    let county = login(&env, "county", PASSWORD).await;
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let planted = demo::Planted::read(&env.demo.join("planted.json")).unwrap();
    assert!(planted.misplaced.len() >= 3, "the demo plants schools outside their city: {:?}", planted.misplaced);

    // The province: every school, clustered when the whole province is in view.
    let (s, all) = api_json(&env, "GET", "/api/v1/schools/map", &api, &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let total = with_store(&env, |s| s.count_schools(&PROVINCE, &Default::default()).unwrap().n);
    assert_eq!(all["summary"]["schools"].as_u64().unwrap(), total);
    assert_eq!(all["summary"]["located"].as_u64().unwrap(), total, "every imported demo school has coordinates");
    let binned: u64 = all["bins"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum::<u64>() + all["points"].as_array().unwrap().len() as u64;
    assert_eq!(binned, all["in_view"].as_u64().unwrap(), "every school in view is in one cluster or shown once");
    // The boundary check finds exactly the schools the demo placed in another city.
    let (_, flagged) = api_json(&env, "GET", "/api/v1/schools/map/flagged", &api, &Value::Null).await;
    let found = codes(&flagged, "schools");
    let want: BTreeSet<String> = planted.misplaced.iter().cloned().collect();
    assert_eq!(found, want, "flagged == planted");
    assert_eq!(flagged["summary"]["outside_city"].as_u64().unwrap(), planted.misplaced.len() as u64);
    assert_eq!(flagged["summary"]["flagged"].as_u64().unwrap(), planted.misplaced.len() as u64);
    assert!(flagged["schools"].as_array().unwrap().iter().all(|s| s["reason"] == "outside_city" && !s["lies_in"].as_str().unwrap().is_empty()), "{flagged}");

    // A county officer: its county's schools only, in counts, bins, points and flags.
    let in_county = with_store(&env, |s| s.count_schools(&store::Scope::Region { lo: p.county, hi: p.county }, &Default::default()).unwrap().n);
    let (_, own) = api_json(&env, "GET", "/api/v1/schools/map?bbox=97,26,109,35", &county, &Value::Null).await;
    assert_eq!(own["summary"]["schools"].as_u64().unwrap(), in_county);
    assert!(own["mode"] == "points" && codes(&own, "points").contains(&p.school) && !codes(&own, "points").contains(&p.other_school), "{own}");
    // Another county's region: nothing, not an error that tells anything.
    let (s, other) = api_json(&env, "GET", &format!("/api/v1/schools/map?region={}", p.other_county), &county, &Value::Null).await;
    assert_eq!((s, other["summary"]["schools"].as_u64()), (StatusCode::OK, Some(0)));
    // A small view of the province shows schools one by one; filters narrow.
    let (_, primary) = api_json(&env, "GET", "/api/v1/schools/map?stage=primary", &api, &Value::Null).await;
    let (_, senior) = api_json(&env, "GET", "/api/v1/schools/map?stage=senior", &api, &Value::Null).await;
    let primary_n = primary["summary"]["schools"].as_u64().unwrap();
    assert!(primary_n > 0 && primary_n < total && senior["summary"]["schools"].as_u64().unwrap() < total, "{primary_n} {total}");
    let (_, typed) = api_json(&env, "GET", "/api/v1/schools/map?type=21", &api, &Value::Null).await;
    assert!(typed["summary"]["schools"].as_u64().unwrap() <= primary_n);
    for bad in ["/api/v1/schools/map?stage=college", "/api/v1/schools/map?type=x1", "/api/v1/schools/map?bbox=1,2,3", "/api/v1/schools/map?region=51"] {
        let (s, _) = api_json(&env, "GET", bad, &api, &Value::Null).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    }

    // The page: the counts, the flagged rows, the export of the same rows.
    let page = send(&env, "GET", "/schools/map", &prov, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"school-map\"") && page.body.contains("坐标超出所属市州边界"), "{}", &page.body[..500.min(page.body.len())]);
    for code in &planted.misplaced {
        assert!(page.body.contains(&format!("/schools/{code}")), "the page lists {code}");
    }
    let csv = send(&env, "GET", "/export/school_map_flagged?format=csv", &prov, None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().filter(|l| !l.trim().is_empty()).count(), planted.misplaced.len() + 1, "{}", csv.body);
    let cpage = send(&env, "GET", "/schools/map", &county, None).await;
    assert!(!cpage.body.contains(&p.other_school));
}

async fn notes(env: Env) {
    let p = env.places.clone();
    let county = login(&env, "county", PASSWORD).await;
    let school = login(&env, "school", PASSWORD).await;
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    // The county officer writes its school's note from the school's page.
    let page = send(&env, "GET", &format!("/schools/{}", p.school), &county, None).await;
    assert!(page.body.contains(&format!("action=\"/schools/{}/note\"", p.school)), "the form is offered");
    let r = send(&env, "POST", &format!("/schools/{}/note", p.school), &county, Some(&form(&[("_csrf", county.csrf.as_deref().unwrap()), ("note", "服务石羊村、金桥社区")]))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&env, "GET", &format!("/schools/{}", p.school), &county, None).await;
    assert!(page.body.contains("服务石羊村、金桥社区"));
    // Read through the API and shown in the map's points.
    let (s, n) = api_json(&env, "GET", &format!("/api/v1/schools/{}/note", p.school), &api, &Value::Null).await;
    assert_eq!((s, n["note"].as_str()), (StatusCode::OK, Some("服务石羊村、金桥社区")));
    let (_, v) = api_json(&env, "GET", &format!("/api/v1/schools/map?region={}", p.county), &api, &Value::Null).await;
    assert!(v["points"].as_array().unwrap().iter().any(|x| x["code"] == p.school.as_str() && x["note"] == "服务石羊村、金桥社区"), "{v}");
    // Another county's school: 404 (as an unknown one), nothing written.
    let r = send(&env, "POST", &format!("/schools/{}/note", p.other_school), &county, Some(&form(&[("_csrf", county.csrf.as_deref().unwrap()), ("note", "x")]))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (s, _) = api_json(&env, "POST", &format!("/api/v1/schools/{}/note", p.other_school), &county, &serde_json::json!({ "note": "x" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api_json(&env, "POST", "/api/v1/schools/0000000000/note", &county, &serde_json::json!({ "note": "x" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, n) = api_json(&env, "GET", &format!("/api/v1/schools/{}/note", p.other_school), &api, &Value::Null).await;
    assert_eq!(n["note"], "", "nothing written");
    // A school's administrator and the data consumer read it, write none.
    let page = send(&env, "GET", &format!("/schools/{}", p.school), &school, None).await;
    assert!(page.body.contains("服务石羊村、金桥社区") && !page.body.contains("/note\""));
    let (s, _) = api_json(&env, "POST", &format!("/api/v1/schools/{}/note", p.school), &api, &serde_json::json!({ "note": "x" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let too_long = "村".repeat(store::schoolmap::NOTE_MAX + 1);
    let (s, _) = api_json(&env, "POST", &format!("/api/v1/schools/{}/note", p.school), &county, &serde_json::json!({ "note": too_long })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The API write, audited with the note before and after.
    let (s, n) = api_json(&env, "POST", &format!("/api/v1/schools/{}/note", p.school), &county, &serde_json::json!({ "note": "服务石羊村" })).await;
    assert_eq!((s, n["updated_by"].as_str()), (StatusCode::OK, Some("county")));
    let audit = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("school_note".into()), limit: 10, ..Default::default() }).unwrap());
    assert_eq!(audit.len(), 2, "both writes audited, not the refused ones");
    assert!(audit.iter().all(|e| e.actor == "county" && e.target == format!("school:{}", p.school)));
    assert!(audit.iter().any(|e| e.detail.contains("服务石羊村、金桥社区") && e.detail.contains("\"after\":\"服务石羊村\"")), "{:?}", audit.iter().map(|e| &e.detail).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn school_map_sqlite() {
    map_and_flags(sqlite("schoolmap")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn school_map_postgres() {
    let Some(env) = blocking(|| postgres("schoolmap")) else { return };
    map_and_flags(env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catchment_notes_sqlite() {
    notes(sqlite("catchment")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catchment_notes_postgres() {
    let Some(env) = blocking(|| postgres("catchment")) else { return };
    notes(env).await;
}
