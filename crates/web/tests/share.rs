//! The sharing exchange end to end on a real application (SQLite and PostgreSQL): the province
//! administrator registers consumers and links their accounts; a consumer requests a 有条件
//! dataset; the provider approves it with fewer fields; the consumer pulls pages, CSV and JSON
//! Lines — only the granted fields and rows, masked as granted, every call audited and counted;
//! the grant is revoked and pulls are refused. 无条件 requests are granted at once, 不予共享 ones
//! refused. Then hostile pulls: extra fields, filters, another grant's cursor, another
//! consumer's token, an officer, the rate limit, expiry.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use store::clock::{Clock, TestClock};
use store::{Entity, PersonQuery, Scope};

/// The environment on a clock the test moves, with the catalog's automatic entries.
fn on_clock(mut env: Env) -> (Env, Arc<TestClock>) {
    let clock = Arc::new(TestClock::at(store::time::unix_now()));
    let c = env.app.state.config.clone();
    let old = std::mem::replace(&mut env.app, web::build_with(c, env.opener.clone(), pinned_names(), clock.clone()));
    blocking(move || {
        old.state.pool.close();
        drop(old);
    });
    with_store(&env, |s| s.catalog_sync(&Scope::all(), &store::catalog_auto::derive(51), "prov", clock.now()).unwrap());
    (env, clock)
}

fn datasets(env: &Env) -> HashMap<String, i64> {
    with_store(env, |s| {
        let rows = s.catalog_list(&Scope::all(), &store::catalog::CatalogQuery { limit: 100, ..Default::default() }).unwrap().rows;
        rows.iter().map(|d| (s.catalog_dataset(&Scope::all(), d.id).unwrap().unwrap().auto_key, d.id)).collect()
    })
}

fn bearer(t: &str) -> Auth {
    Auth { bearer: Some(t.to_string()), ..Default::default() }
}

async fn get_json(env: &Env, uri: &str, a: &Auth) -> (StatusCode, Value) {
    let r = send(env, "GET", uri, a, None).await;
    (r.status, serde_json::from_str(&r.body).unwrap_or(Value::Null))
}

fn today(clock: &TestClock, plus_days: i64) -> String {
    store::catalog::day_of(clock.now() + plus_days * 86_400).to_string()
}

/// Uploads `rows` as the signed-in user and waits for the import to end.
async fn import(env: &Env, a: &Auth, entity: Entity, rows: &[Vec<String>]) {
    let r = upload(env, a, entity.key(), &format!("{}-{}.csv", entity.key(), rows.len()), &csv_of(entity, rows)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for _ in 0..600 {
        let s = send(env, "GET", &format!("{}/status", r.location), a, None).await;
        assert!(!s.body.contains("id=\"job-error\""), "{}", s.body);
        if s.body.contains("data-state=\"done\"") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

/// Reads a grant's change feed after `since` to its end: (every item, the version to go on from).
async fn feed(env: &Env, a: &Auth, gid: i64, since: i64, limit: usize) -> (Vec<Value>, i64) {
    let (mut items, mut after) = (Vec::new(), None::<String>);
    loop {
        let uri = match &after {
            Some(c) => format!("/api/v1/share/{gid}/changes?limit={limit}&after={}", enc(c)),
            None => format!("/api/v1/share/{gid}/changes?limit={limit}&since={since}"),
        };
        let (st, page) = get_json(env, &uri, a).await;
        assert_eq!(st, StatusCode::OK, "{uri}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => return (items, page["version"].as_i64().unwrap()),
        }
    }
}

struct Setup {
    prov: Auth,
    api: Auth,
    ds: HashMap<String, i64>,
}

async fn setup(env: &Env) -> Setup {
    let prov = login(env, "prov", PASSWORD).await;
    let api = bearer(&env.token);
    // A data-consumer account not (yet) in the exchange reads masked base data in its area.
    let (st, before) = get_json(env, "/api/v1/students?limit=5", &api).await;
    assert_eq!(st, StatusCode::OK);
    let sref = before["items"][0]["ref"].as_str().expect("students before the link").to_string();
    let (st, c) = api_json(env, "POST", "/api/v1/share/consumers", &prov, &json!({ "name": "四川省卫生健康委员会", "department": "health", "credit_code": "11510000MB1234567X", "contact": "王科长 028-12345678" })).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let (st, l) = api_json(env, "POST", &format!("/api/v1/share/consumers/{}/accounts", c["id"]), &prov, &json!({ "account": "api" })).await;
    assert_eq!((st, l["accounts"].clone()), (StatusCode::OK, json!(["api"])), "{l}");
    let (_, c2) = api_json(env, "POST", "/api/v1/share/consumers", &prov, &json!({ "name": "四川省公安厅", "department": "公安", "contact": "李科长" })).await;
    let (st, _) = api_json(env, "POST", &format!("/api/v1/share/consumers/{}/accounts", c2["id"]), &prov, &json!({ "account": "api2" })).await;
    assert_eq!(st, StatusCode::OK);
    // Linked, it reads base data through its grants only: the general API gives it nothing.
    for uri in ["/api/v1/students?limit=5", "/api/v1/teachers?limit=5", "/api/v1/schools?limit=5"] {
        let (st, after) = get_json(env, uri, &api).await;
        assert_eq!((st, after["items"].clone()), (StatusCode::OK, json!([])), "{uri}: {after}");
    }
    let (st, _) = get_json(env, &format!("/api/v1/students/{}", enc(&sref)), &api).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    Setup { prov, api, ds: datasets(env) }
}

async fn whole_path(env: Env) {
    let (env, clock) = on_clock(env);
    let p = env.places.clone();
    let Setup { prov, api, ds } = setup(&env).await;
    // Registering is the administrator's; a county officer and a consumer are refused.
    let county = login(&env, "county", PASSWORD).await;
    let (st, _) = api_json(&env, "POST", "/api/v1/share/consumers", &county, &json!({ "name": "x", "department": "other", "contact": "y" })).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // 有条件: the students of the county officer's county, submitted with a deadline.
    let ask = json!({ "dataset_id": ds["students"], "purpose": "核对学生医保参保", "fields": ["student_id", "name", "grade", "school_code", "guardian_phone"], "filter": { "region": p.county }, "from": today(&clock, 0), "to": today(&clock, 90) });
    let (st, q) = api_json(&env, "POST", "/api/v1/share/requests", &api, &ask).await;
    assert_eq!((st, q["state"].as_str()), (StatusCode::CREATED, Some("submitted")), "{q}");
    assert!(!q["due_at"].as_str().unwrap().is_empty() && q["overdue"] == json!(false));
    let qid = q["id"].as_i64().unwrap();
    // Only the provider side decides: the consumer, the other consumer and a county officer
    // (the province provides the base data) get one answer.
    for a in [&api, &bearer(&env.other_token), &county] {
        let (st, _) = api_json(&env, "POST", &format!("/api/v1/share/requests/{qid}/approve"), a, &json!({})).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
    // The review queue shows it, with its due date.
    let page = send(&env, "GET", "/share", &prov, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("核对学生医保参保") && page.body.contains("四川省卫生健康委员会"), "{}", page.body);
    // Approved with fewer fields (no guardian phone, no school), the rate at 100 a minute.
    let (st, g) = api_json(&env, "POST", &format!("/api/v1/share/requests/{qid}/approve"), &prov, &json!({ "fields": ["student_id", "name", "grade"], "rate_per_minute": 100 })).await;
    assert_eq!(st, StatusCode::OK, "{g}");
    let gid = g["id"].as_i64().unwrap();
    assert_eq!(g["state"], "active");
    let (_, q) = get_json(&env, &format!("/api/v1/share/requests/{qid}"), &api).await;
    assert_eq!((q["state"].as_str(), q["grant_id"].as_i64()), (Some("approved"), Some(gid)));

    // Pull every page: only the three fields, only the county's students, masked.
    let want = with_store(&env, |s| s.count_people(&Scope::Region { lo: p.county, hi: p.county }, Entity::Student, &PersonQuery::default()).unwrap());
    assert!(want.exact && want.n > 150, "{want:?}");
    let (mut n, mut after, mut pages) = (0u64, String::new(), 0);
    loop {
        let uri = if after.is_empty() { format!("/api/v1/share/{gid}/rows?limit=1000") } else { format!("/api/v1/share/{gid}/rows?limit=1000&after={}", enc(&after)) };
        let (st, page) = get_json(&env, &uri, &api).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert_eq!(page["columns"], json!(["student_id", "name", "grade"]));
        for r in page["items"].as_array().unwrap() {
            let o = r.as_object().unwrap();
            assert_eq!(o.len(), 3, "{o:?}");
            assert!(o["name"].as_str().unwrap().ends_with('*'), "name masked: {o:?}");
            assert!(o["student_id"].as_str().unwrap().contains("****"), "student number masked: {o:?}");
        }
        n += page["items"].as_array().unwrap().len() as u64;
        pages += 1;
        match page["next"].as_str() {
            Some(x) => after = x.to_string(),
            None => break,
        }
    }
    assert_eq!(n, want.n, "every row of the county, once");
    // CSV and JSON Lines: the same rows.
    let csv = send(&env, "GET", &format!("/api/v1/share/{gid}/rows.csv"), &api, None).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "student_id,name,grade");
    assert_eq!(lines.len() as u64 - 1, want.n);
    assert!(!csv.body.contains("guardian_phone") && !csv.body.contains("id_number"));
    let jl = send(&env, "GET", &format!("/api/v1/share/{gid}/rows.jsonl?fields=name"), &api, None).await;
    assert_eq!(jl.status, StatusCode::OK);
    let rows: Vec<Value> = jl.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len() as u64, want.n);
    assert!(rows.iter().all(|r| r.as_object().unwrap().len() == 1 && r["name"].as_str().unwrap().ends_with('*')));

    // Every call audited with consumer, grant, fields and rows; usage counted.
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("share_pull".into()), limit: 100, ..Default::default() }).unwrap());
    assert_eq!(log.len(), pages + 2, "one entry per call");
    let csv_entry: Value = serde_json::from_str(&log.iter().find(|e| e.detail.contains("\"csv\"")).unwrap().detail).unwrap();
    assert_eq!((csv_entry["grant"].as_i64(), csv_entry["rows"].as_u64(), csv_entry["fields"].as_str()), (Some(gid), Some(want.n), Some("student_id,name,grade")));
    assert!(log.iter().all(|e| e.actor == "api" && e.target == format!("share_grant:{gid}")));
    let (_, u) = get_json(&env, "/api/v1/share/usage", &api).await;
    let u = &u["items"][0];
    assert_eq!((u["grant_id"].as_i64(), u["calls"].as_i64(), u["rows"].as_u64()), (Some(gid), Some(pages as i64 + 2), Some(want.n * 3)));
    let (_, u2) = get_json(&env, "/api/v1/share/usage", &bearer(&env.other_token)).await;
    assert_eq!(u2["items"], json!([]), "another consumer sees no usage of this one");

    // 无条件: granted at once; 不予共享: refused, saying why.
    let (st, sq) = api_json(&env, "POST", "/api/v1/share/requests", &api, &json!({ "dataset_id": ds["schools"], "purpose": "学校名录", "fields": ["school_code", "name"], "filter": { "region": p.city }, "from": today(&clock, 0), "to": today(&clock, 30) })).await;
    assert_eq!((st, sq["state"].as_str(), sq["decided_by"].as_str()), (StatusCode::CREATED, Some("approved"), Some("平台自动审核")), "{sq}");
    assert!(sq["grant_id"].as_i64().is_some());
    let (st, e) = api_json(&env, "POST", "/api/v1/share/requests", &api, &json!({ "dataset_id": ds["mlps_systems"], "purpose": "x", "fields": ["name"], "filter": { "region": 510000 }, "from": today(&clock, 0), "to": today(&clock, 30) })).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("不予共享") && e["error"]["message_en"].as_str().unwrap().contains("not shared"), "{e}");

    // 变更订阅: from version 0 the feed holds every row of the grant once, as upserts under
    // per-grant pseudonyms; read again from its version, nothing.
    let (all, v0) = feed(&env, &api, gid, 0, 97).await;
    assert_eq!(all.len() as u64, want.n, "every row once");
    let ids: std::collections::HashSet<&str> = all.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "one pseudonym per record");
    assert!(all.iter().all(|c| c["op"] == "upsert" && c["row"].as_object().unwrap().len() == 3 && c["row"]["name"].as_str().unwrap().ends_with('*')));
    assert!(v0 > 0 && all.iter().all(|c| c["version"].as_i64().unwrap() <= v0));
    let (none, same) = feed(&env, &api, gid, v0, 1000).await;
    assert_eq!((none.len(), same), (0, v0));
    // An import by the province: one of the county's students renamed, another moved to a
    // school in another city, one of that city's students unchanged.
    let keys: Vec<String> = with_store(&env, |s| s.people(&Scope::Region { lo: p.county, hi: p.county }, Entity::Student, &PersonQuery { limit: 2, ..Default::default() }).unwrap().rows.iter().map(|r| r.key.clone()).collect());
    let t = Entity::Student.template();
    let stored = |k: &str| with_store(&env, |s| s.get_record(Entity::Student, k).unwrap().expect("stored"));
    let (mut renamed, mut moved) = (stored(&keys[0]), stored(&keys[1]));
    renamed[t.index("name").unwrap()] = "改名测试".into();
    moved[t.index("school_code").unwrap()] = p.other_school.clone();
    import(&env, &prov, Entity::Student, &[renamed, moved]).await;
    let (got, v1) = feed(&env, &api, gid, v0, 1000).await;
    assert!(v1 > v0, "a new version");
    let ops: Vec<(&str, &str)> = got.iter().map(|c| (c["op"].as_str().unwrap(), c["id"].as_str().unwrap())).collect();
    assert_eq!(ops.len(), 2, "the rename and the move, nothing else: {got:?}");
    assert!(ops.iter().all(|(_, id)| ids.contains(id)), "the same pseudonyms as before: {got:?}");
    assert_eq!(ops.iter().filter(|o| o.0 == "upsert").count(), 1, "{got:?}");
    let up = got.iter().find(|c| c["op"] == "upsert").unwrap();
    assert_eq!((up["row"]["name"].as_str(), up["version"].as_i64()), (Some("改*"), Some(v1)), "{up}");
    let del = got.iter().find(|c| c["op"] == "delete").unwrap();
    assert_eq!((del["row"].clone(), del["version"].as_i64()), (Value::Null, Some(v1)));
    assert_ne!(del["id"], up["id"]);
    let (none, same) = feed(&env, &api, gid, v1, 1000).await;
    assert_eq!((none.len(), same), (0, v1));
    // The other city's grant of the same consumer never hears of the move into it as a delete,
    // and the pseudonyms differ between grants.
    let (st, oq) = api_json(&env, "POST", "/api/v1/share/requests", &api, &json!({ "dataset_id": ds["students"], "purpose": "核对学生医保参保", "fields": ["name"], "filter": { "region": p.other_county }, "from": today(&clock, 0), "to": today(&clock, 90) })).await;
    assert_eq!(st, StatusCode::CREATED, "{oq}");
    let (st, og) = api_json(&env, "POST", &format!("/api/v1/share/requests/{}/approve", oq["id"]), &prov, &json!({})).await;
    assert_eq!(st, StatusCode::OK, "{og}");
    let (other, _) = feed(&env, &api, og["id"].as_i64().unwrap(), v0, 1000).await;
    assert_eq!(other.len(), 1, "the moved student arrives there: {other:?}");
    assert_eq!(other[0]["op"], "upsert");
    assert!(!ids.contains(other[0]["id"].as_str().unwrap()), "another grant, another pseudonym");
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("share_pull".into()), limit: 500, ..Default::default() }).unwrap());
    assert!(log.iter().any(|e| e.detail.contains("\"changes\"")), "feed calls are audited");

    // Revoked at once: every pull refused with 410 and the reason.
    let (st, r) = api_json(&env, "POST", &format!("/api/v1/share/grants/{gid}/revoke"), &prov, &json!({ "reason": "核对工作已完成" })).await;
    assert_eq!((st, r["state"].as_str()), (StatusCode::OK, Some("revoked")), "{r}");
    for uri in [format!("/api/v1/share/{gid}/rows"), format!("/api/v1/share/{gid}/rows.csv"), format!("/api/v1/share/{gid}/rows.jsonl"), format!("/api/v1/share/{gid}/changes?since={v1}")] {
        let (st, e) = get_json(&env, &uri, &api).await;
        assert_eq!(st, StatusCode::GONE, "{uri}");
        assert!(e["error"]["message_zh"].as_str().unwrap().contains("核对工作已完成"), "{e}");
    }
    let page = send(&env, "GET", "/share", &prov, None).await;
    assert!(page.body.contains("已撤销"));
}

async fn hostile(env: Env) {
    let (env, clock) = on_clock(env);
    let p = env.places.clone();
    let Setup { prov, api, ds } = setup(&env).await;
    let ask = |d: i64, fields: Value, region: u32| json!({ "dataset_id": d, "purpose": "核对", "fields": fields, "filter": { "region": region }, "from": today(&clock, 0), "to": today(&clock, 10) });
    let (_, q) = api_json(&env, "POST", "/api/v1/share/requests", &api, &ask(ds["students"], json!(["name", "grade"]), p.county)).await;
    let (st, g) = api_json(&env, "POST", &format!("/api/v1/share/requests/{}/approve", q["id"]), &prov, &json!({ "rate_per_minute": 8 })).await;
    assert_eq!(st, StatusCode::OK, "{g}");
    let gid = g["id"].as_i64().unwrap();
    let (_, sq) = api_json(&env, "POST", "/api/v1/share/requests", &api, &ask(ds["schools"], json!(["school_code", "name"]), 510000)).await;
    let other_grant = sq["grant_id"].as_i64().unwrap();

    // 1: extra or ungranted fields, wider rows by parameter, a too large page.
    for uri in [
        format!("/api/v1/share/{gid}/rows?fields=id_number"),
        format!("/api/v1/share/{gid}/rows?fields=name,address"),
        format!("/api/v1/share/{gid}/rows?region=510000"),
        format!("/api/v1/share/{gid}/rows?school={}", p.other_school),
        format!("/api/v1/share/{gid}/rows?grade=11"),
        format!("/api/v1/share/{gid}/rows?limit=5000"),
        format!("/api/v1/share/{gid}/rows.csv?region=510000"),
        format!("/api/v1/share/{gid}/changes?region=510000"),
        format!("/api/v1/share/{gid}/changes?fields=id_number"),
        format!("/api/v1/share/{gid}/changes?since=-3"),
        format!("/api/v1/share/{gid}/changes?since=x"),
        format!("/api/v1/share/{gid}/changes?limit=1001"),
    ] {
        let (st, e) = get_json(&env, &uri, &api).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{uri}: {e}");
    }
    // 2: another grant's cursor (the schools grant's next page) on the students grant.
    let (st, sp) = get_json(&env, &format!("/api/v1/share/{other_grant}/rows?limit=1"), &api).await;
    assert_eq!(st, StatusCode::OK, "{sp}");
    let foreign = sp["next"].as_str().unwrap_or_else(|| panic!("more than one school: {sp}")).to_string();
    let (st, e) = get_json(&env, &format!("/api/v1/share/{gid}/rows?after={}", enc(&foreign)), &api).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(!e.to_string().contains(&foreign), "the cursor is not echoed");
    // A rows cursor is not a change-feed cursor, and another grant's feed cursor is refused.
    let (st, own) = get_json(&env, &format!("/api/v1/share/{gid}/rows?limit=1"), &api).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = get_json(&env, &format!("/api/v1/share/{gid}/changes?after={}", enc(own["next"].as_str().unwrap())), &api).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a rows cursor on the feed");
    let (st, sf) = get_json(&env, &format!("/api/v1/share/{other_grant}/changes?limit=1"), &api).await;
    assert_eq!(st, StatusCode::OK, "{sf}");
    let (st, _) = get_json(&env, &format!("/api/v1/share/{gid}/changes?after={}", enc(sf["next"].as_str().unwrap())), &api).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "another grant's feed cursor");
    let (st, _) = get_json(&env, &format!("/api/v1/share/{gid}/changes"), &bearer(&env.other_token)).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "another consumer's token");
    // 3: another consumer's token, an officer's session, no token, an unknown grant.
    let (st, e404) = get_json(&env, &format!("/api/v1/share/{gid}/rows"), &bearer(&env.other_token)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, unknown) = get_json(&env, &format!("/api/v1/share/{}/rows", gid + 1000), &api).await;
    assert_eq!((st, &e404["error"]["code"]), (StatusCode::NOT_FOUND, &unknown["error"]["code"]), "one answer for a grant not yours and none");
    let county = login(&env, "county", PASSWORD).await;
    assert_eq!(send(&env, "GET", &format!("/api/v1/share/{gid}/rows"), &county, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&env, "GET", &format!("/api/v1/share/{gid}/rows"), &prov, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&env, "GET", &format!("/api/v1/share/{gid}/rows"), &Auth::default(), None).await.status, StatusCode::UNAUTHORIZED);
    // Another consumer reads neither the request nor the grant.
    let (st, _) = get_json(&env, &format!("/api/v1/share/requests/{}", q["id"]), &bearer(&env.other_token)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, gl) = get_json(&env, "/api/v1/share/grants", &bearer(&env.other_token)).await;
    assert_eq!(gl["items"], json!([]));
    // 4: the rate, 8 calls a minute, counted from a new minute; the refusal says when to retry.
    clock.advance(60 - clock.now().rem_euclid(60));
    let mut ok = 0;
    let mut limited = None;
    for _ in 0..10 {
        let r = send(&env, "GET", &format!("/api/v1/share/{gid}/rows?limit=1"), &api, None).await;
        if r.status == StatusCode::OK {
            ok += 1;
        } else {
            limited = Some(r);
            break;
        }
    }
    assert_eq!(ok, 8, "eight calls a minute");
    assert_eq!(limited.expect("the ninth call is refused").status, StatusCode::TOO_MANY_REQUESTS);
    let req = axum::http::Request::builder().uri(format!("/api/v1/share/{gid}/rows")).header("authorization", format!("Bearer {}", env.token)).body(axum::body::Body::empty()).unwrap();
    let r = tower::ServiceExt::oneshot(env.app.router.clone(), req).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // 5: expired (the period's end passed).
    clock.advance(12 * 86_400);
    let (st, e) = get_json(&env, &format!("/api/v1/share/{gid}/rows"), &api).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("到期"), "{e}");
    // Writes by role: approving, rejecting and revoking are the provider side's (the province
    // here): city and county officers and consumers get 404, roles outside the exchange 403.
    let (_, q2) = api_json(&env, "POST", "/api/v1/share/requests", &api, &ask(ds["teachers"], json!(["name"]), p.county)).await;
    let mut tried = Vec::new();
    for (name, role) in accounts() {
        let a = login(&env, name, PASSWORD).await;
        tried.push((name.to_string(), role, a));
    }
    tried.push(("api".into(), store::Role::DataConsumer, api.clone()));
    for (name, role, a) in &tried {
        let want = match role {
            store::Role::ProvinceAdmin => continue,
            r if store::share::role_reads(*r) => StatusCode::NOT_FOUND,
            _ => StatusCode::FORBIDDEN,
        };
        for (uri, body) in [(format!("/api/v1/share/requests/{}/approve", q2["id"]), json!({})), (format!("/api/v1/share/requests/{}/reject", q2["id"]), json!({ "reasons": "x" })), (format!("/api/v1/share/grants/{other_grant}/revoke"), json!({ "reason": "x" }))] {
            let (st, _) = api_json(&env, "POST", &uri, a, &body).await;
            assert_eq!(st, want, "{name} {uri}");
        }
        let (st, _) = api_json(&env, "POST", "/api/v1/share/consumers", a, &json!({ "name": format!("{name} 登记"), "department": "other", "contact": "x" })).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{name} registers no consumer");
        let (st, _) = api_json(&env, "POST", "/api/v1/share/requests", a, &ask(ds["schools"], json!(["name"]), p.county)).await;
        assert_eq!(st, if *role == store::Role::DataConsumer { StatusCode::CREATED } else { StatusCode::FORBIDDEN }, "{name} requests");
    }
    // A sign-in ends the account's earlier session: the sessions of the loop from here on.
    let session = |n: &str| tried.iter().find(|t| t.0 == n).unwrap().2.clone();
    let (prov, county) = (session("prov"), session("county"));
    let (st, _) = api_json(&env, "POST", &format!("/api/v1/share/requests/{}/reject", q2["id"]), &prov, &json!({ "reasons": "用途与字段不符" })).await;
    assert_eq!(st, StatusCode::OK);
    // The console: the province administrator and the county officer read it, an auditor not.
    let aud = session("aud");
    assert_eq!(send(&env, "GET", "/share", &aud, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&env, "GET", "/share", &county, None).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_path_sqlite() {
    whole_path(sqlite("share-path")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_path_postgres() {
    let Some(env) = blocking(|| postgres("share-path")) else { return };
    whole_path(env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pulls_sqlite() {
    hostile(sqlite("share-hostile")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pulls_postgres() {
    let Some(env) = blocking(|| postgres("share-hostile")) else { return };
    hostile(env).await;
}
