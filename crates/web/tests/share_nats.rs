//! A grant's change feed published to NATS JetStream (issue 14), against the local NATS server on
//! 127.0.0.1:4222 (with JetStream), on SQLite and PostgreSQL: a grant approved with `nats` has its
//! subject; a publishing round ([`web::share_nats::round`], what the server runs every few
//! seconds) publishes every row of the grant once, under the same pseudonyms as the API's feed;
//! the next round publishes nothing; an import's change arrives as one message; a revoked grant
//! publishes nothing more; a grant without `nats` never publishes. Each test has a stream and a
//! subject prefix of its own. Without a NATS server the tests say so and pass, unless
//! TIANFU_REQUIRE_NATS=1 (CI sets it).

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use store::{Entity, PersonQuery, Scope};

const NATS: &str = "127.0.0.1:4222";

fn nats() -> Option<jetstream::Client> {
    match jetstream::Client::connect(NATS, std::time::Duration::from_secs(2)) {
        Ok(c) => Some(c),
        Err(e) if std::env::var("TIANFU_REQUIRE_NATS").as_deref() == Ok("1") => panic!("NATS at {NATS} is required (TIANFU_REQUIRE_NATS=1): {e}"),
        Err(e) => {
            eprintln!("skipped: no NATS server with JetStream at {NATS} ({e})");
            None
        }
    }
}

fn bearer(t: &str) -> Auth {
    Auth { bearer: Some(t.to_string()), ..Default::default() }
}

async fn get_json(env: &Env, uri: &str, a: &Auth) -> (StatusCode, Value) {
    let r = send(env, "GET", uri, a, None).await;
    (r.status, serde_json::from_str(&r.body).unwrap_or(Value::Null))
}

/// Every message of the stream, as JSON, with its `Nats-Msg-Id`.
fn stored(c: &mut jetstream::Client, stream: &str) -> Vec<(Value, String)> {
    let info = c.stream_info(stream).unwrap();
    (info.first_seq.max(1)..=info.last_seq)
        .map(|seq| {
            let m = c.stream_msg_get(stream, seq).unwrap();
            (serde_json::from_slice(&m.data).unwrap(), m.msg_id().unwrap_or_default().to_string())
        })
        .collect()
}

/// One publishing round on the application's own connections (audited), as the server runs it.
async fn round(env: &Env, c: &mut Option<jetstream::Client>) -> web::share_nats::Round {
    let mut client = c.take().expect("a client");
    let (r, client) = env.app.state.pool.run(move |s| Ok((web::share_nats::round(s, &mut client, store::time::unix_now())?, client))).await.unwrap();
    *c = Some(client);
    r
}

async fn publishes(env: Env, tag: &str) {
    let Some(mut admin_nats) = nats() else { return };
    let (prefix, stream) = (format!("tftest.{}.{tag}", std::process::id()), format!("TFTEST_{}_{tag}", std::process::id()));
    let (p2, s2) = (prefix.clone(), stream.clone());
    let env = rebuild(env, move |mut c| {
        (c.nats_prefix, c.nats_stream) = (p2, s2);
        c
    });
    let p = env.places.clone();
    with_store(&env, |s| store::catalog_auto::sync(s, 51, "system", 0).unwrap());
    let ds: i64 = with_store(&env, |s| {
        let rows = s.catalog_list(&Scope::all(), &store::catalog::CatalogQuery { limit: 100, ..Default::default() }).unwrap().rows;
        rows.iter().map(|d| d.id).find(|id| s.catalog_dataset(&Scope::all(), *id).unwrap().unwrap().auto_key == "students").unwrap()
    });
    let prov = login(&env, "prov", PASSWORD).await;
    let api = bearer(&env.token);
    let (st, c) = api_json(&env, "POST", "/api/v1/share/consumers", &prov, &json!({ "name": "四川省医疗保障局", "department": "other", "contact": "赵科长" })).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let (st, _) = api_json(&env, "POST", &format!("/api/v1/share/consumers/{}/accounts", c["id"]), &prov, &json!({ "account": "api" })).await;
    assert_eq!(st, StatusCode::OK);
    let today = store::catalog::day_of(store::time::unix_now()).to_string();
    let ask = json!({ "dataset_id": ds, "purpose": "医保参保核对", "fields": ["name", "grade"], "filter": { "region": p.county }, "from": today, "to": today });
    // Two grants of the same rows: one published, one not.
    let mut grants = Vec::new();
    for nats in [true, false] {
        let (st, q) = api_json(&env, "POST", "/api/v1/share/requests", &api, &ask).await;
        assert_eq!(st, StatusCode::CREATED, "{q}");
        let (st, g) = api_json(&env, "POST", &format!("/api/v1/share/requests/{}/approve", q["id"]), &prov, &json!({ "nats": nats })).await;
        assert_eq!(st, StatusCode::OK, "{g}");
        grants.push(g);
    }
    let gid = grants[0]["id"].as_i64().unwrap();
    assert_eq!(grants[0]["nats_subject"].as_str().unwrap(), format!("{prefix}.grant.{gid}"));
    assert_eq!(grants[1]["nats_subject"], "");

    // The first round publishes every row of the grant once: the feed from 0, pseudonyms and all.
    let mut c = Some(web::share_nats::connect(NATS, &stream, &prefix).unwrap());
    let want = with_store(&env, |s| s.count_people(&Scope::Region { lo: p.county, hi: p.county }, Entity::Student, &PersonQuery::default()).unwrap().n);
    let r = round(&env, &mut c).await;
    assert_eq!((r.grants, r.published as u64, r.failed.len()), (1, want, 0), "{r:?}");
    let msgs = stored(&mut admin_nats, &stream);
    assert_eq!(msgs.len() as u64, want);
    let (st, feed) = get_json(&env, &format!("/api/v1/share/{gid}/changes?since=0&limit=1000"), &api).await;
    assert_eq!(st, StatusCode::OK);
    let api_ids: HashSet<&str> = feed["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    let nats_ids: HashSet<&str> = msgs.iter().map(|(m, _)| m["id"].as_str().unwrap()).collect();
    assert_eq!(api_ids, nats_ids, "the same records under the same pseudonyms");
    for (m, id) in &msgs {
        assert_eq!((m["grant"].as_i64(), m["op"].as_str()), (Some(gid), Some("upsert")));
        assert!(m["row"]["name"].as_str().unwrap().ends_with('*') && m["row"].as_object().unwrap().len() == 2, "masked, granted fields only: {m}");
        assert_eq!(id, &format!("{gid}:{}:{}:upsert", m["version"], m["id"].as_str().unwrap()));
    }
    let (_, gl) = get_json(&env, "/api/v1/share/grants", &api).await;
    let g = gl["items"].as_array().unwrap().iter().find(|g| g["id"] == gid).unwrap().clone();
    assert_eq!((g["nats_version"].as_i64(), g["nats_error"].as_str()), (feed["version"].as_i64(), Some("")));

    // Nothing new, nothing published; an import's rename arrives as one message.
    assert_eq!(round(&env, &mut c).await.published, 0);
    let key = with_store(&env, |s| s.people(&Scope::Region { lo: p.county, hi: p.county }, Entity::Student, &PersonQuery { limit: 1, ..Default::default() }).unwrap().rows[0].key.clone());
    let mut v = with_store(&env, |s| s.get_record(Entity::Student, &key).unwrap().unwrap());
    v[Entity::Student.template().index("name").unwrap()] = "推送测试".into();
    let csv = format!("{}\n{}\n", Entity::Student.template().fields.iter().map(|f| f.key).collect::<Vec<_>>().join(","), v.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(","));
    let up = upload(&env, &prov, "student", "rename.csv", csv.as_bytes()).await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    for _ in 0..600 {
        if send(&env, "GET", &format!("{}/status", up.location), &prov, None).await.body.contains("data-state=\"done\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = round(&env, &mut c).await;
    assert_eq!(r.published, 1, "{r:?}");
    let msgs = stored(&mut admin_nats, &stream);
    let last = &msgs.last().unwrap().0;
    assert_eq!((last["op"].as_str(), last["row"]["name"].as_str()), (Some("upsert"), Some("推*")));
    assert!(nats_ids.contains(last["id"].as_str().unwrap()), "a record the consumer has");
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("share_publish".into()), limit: 10, ..Default::default() }).unwrap());
    assert_eq!(log.len(), 2, "one entry per round that published");
    assert!(log.iter().all(|e| e.target == format!("share_grant:{gid}") && e.detail.contains(&prefix)));

    // Revoked: nothing more is published, even after another change.
    let (st, _) = api_json(&env, "POST", &format!("/api/v1/share/grants/{gid}/revoke"), &prov, &json!({ "reason": "核对完毕" })).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(round(&env, &mut c).await, web::share_nats::Round::default());
    assert!(admin_nats.delete_stream(&stream).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_sqlite() {
    publishes(sqlite("share-nats"), "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_postgres() {
    let Some(env) = blocking(|| postgres("share-nats")) else { return };
    publishes(env, "pg").await;
}
