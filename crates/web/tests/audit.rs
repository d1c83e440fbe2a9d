//! The audit log in the web platform: auditors are scoped like everyone else (a county auditor
//! reads the entries of its county's accounts, the province auditor everything), on the console
//! page and the API; and an audit chain that cannot be written stops the action with a 503 that
//! names no file. On SQLite, and on PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use std::collections::BTreeSet;
use store::{AuditEvent, NewUser, Role};
use web::ConfigExt;

fn actors(body: &str) -> BTreeSet<String> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["items"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap().to_string()).collect()
}

async fn auditors_are_scoped(env: Env) {
    let p = env.places.clone();
    let hash = web::auth::hash_password(PASSWORD);
    with_store(&env, |s| {
        for (name, role, org) in [("county_aud", Role::Auditor, p.county as i64), ("far_officer", Role::CountyOfficer, p.other_county as i64)] {
            s.create_user(&PROVINCE, &NewUser { name: name.into(), display_name: name.into(), role, org_code: org, password_hash: hash.clone(), must_change_password: false }).unwrap();
        }
    });
    // Entries by accounts at every level, by the console, and a failed sign-in of no account.
    for name in ["prov", "city", "county", "school", "far_officer"] {
        login(&env, name, PASSWORD).await;
    }
    let r = try_login(&env, "nobody", "wrong-password-1").await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
    env.app
        .state
        .pool
        .run(|s| {
            s.append_audit(&AuditEvent { actor: "console:root".into(), action: "user_create".into(), target: "x".into(), detail: "{}".into(), ip: String::new(), outcome: "ok".into() })
                .map(|_| ())
                .map_err(web::error::AppError::from)
        })
        .await
        .unwrap();

    let county = login(&env, "county_aud", PASSWORD).await;
    let r = send(&env, "GET", "/api/v1/audit?limit=200", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let seen = actors(&r.body);
    assert_eq!(seen, ["county", "county_aud", "school"].map(String::from).into(), "a county auditor reads its county's accounts and schools");
    let page = send(&env, "GET", "/audit", &county, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("county_aud") && !page.body.contains("far_officer") && !page.body.contains("console:root"), "{}", page.body);
    // Asking for someone outside by name gives nothing, not their entries.
    let r = send(&env, "GET", "/api/v1/audit?actor=far_officer", &county, None).await;
    assert!(actors(&r.body).is_empty(), "{}", r.body);

    let province = login(&env, "aud", PASSWORD).await;
    let r = send(&env, "GET", "/api/v1/audit?limit=200", &province, None).await;
    let seen = actors(&r.body);
    for a in ["prov", "city", "county", "school", "far_officer", "county_aud", "nobody", "console:root", "aud"] {
        assert!(seen.contains(a), "the province auditor reads {a}: {seen:?}");
    }
    let page = send(&env, "GET", "/audit", &province, None).await;
    assert!(page.body.contains("far_officer") && page.body.contains("console:root"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditors_are_scoped_sqlite() {
    auditors_are_scoped(sqlite("audit-scope")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditors_are_scoped_postgres() {
    let Some(env) = blocking(|| postgres("audit-scope")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL audit scope test");
        return;
    };
    auditors_are_scoped(env).await;
}

/// A head checkpoint that does not verify (altered, another key) stops sign-ins: an action that
/// cannot be recorded is not done. The answer is a 503 naming no server path.
async fn unwritable_chain_stops_actions(env: Env) {
    login(&env, "prov", PASSWORD).await;
    let head = env.app.state.config.audit_head_path();
    let text = std::fs::read_to_string(&head).expect("checkpoint written by the sign-in");
    std::fs::write(&head, text.replace("\"id\":", "\"id\":1")).unwrap();
    let r = try_login(&env, "prov", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    let data_dir = env.app.state.config.data_dir.clone();
    assert!(!r.body.contains(&data_dir) && !r.body.contains("audit.head"), "{}", r.body);
    assert!(!r.set_cookie.iter().any(|c| c.starts_with("tianfu_session=") && !c.contains("Max-Age=0")), "no session without its audit entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unwritable_chain_stops_actions_sqlite() {
    unwritable_chain_stops_actions(sqlite("audit-stop")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unwritable_chain_stops_actions_postgres() {
    let Some(env) = blocking(|| postgres("audit-stop")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL audit test");
        return;
    };
    unwritable_chain_stops_actions(env).await;
}

/// Audit entries of concurrent requests are appended in groups (one lock, one transaction, one
/// checkpoint per group): 64 requests at once each get their own entry, in one chain that
/// verifies, with the checkpoint at its newest entry; a checkpoint that no longer verifies fails
/// every request of the next group and writes none of it.
async fn concurrent_entries_are_grouped_and_chained(env: Env) {
    let state = env.app.state.clone();
    let before = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 1_000, ..Default::default() }).unwrap().len());
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let st = state.clone();
            tokio::spawn(async move { st.audit("prov", "search", &format!("group-{i}"), "{}".into(), "127.0.0.1", "ok").await })
        })
        .collect();
    let mut errs = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            errs.push(format!("{e:?}"));
        }
    }
    errs.dedup();
    assert!(errs.is_empty(), "every request of every group is audited: {errs:#?}");
    let entries = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 1_000, ..Default::default() }).unwrap());
    assert_eq!(entries.len(), before + 64);
    let targets: BTreeSet<String> = entries.iter().filter(|e| e.target.starts_with("group-")).map(|e| e.target.clone()).collect();
    assert_eq!(targets.len(), 64, "each request its own entry");
    let chain = state.config.audit_chain().unwrap();
    let v = with_store(&env, |s| store::audit::verify(s, &chain, 180).unwrap());
    assert!(v.problems.is_empty(), "{v:?}");
    let newest = entries.iter().map(|e| e.id).max().unwrap();
    assert_eq!(v.head_id, newest);
    let head = chain.head().read(chain.keys()).unwrap().expect("checkpoint");
    assert_eq!(head.id, newest, "the checkpoint is at the newest entry");
    // A tampered checkpoint: the next requests fail together and nothing is written.
    let path = state.config.audit_head_path();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"id\":", "\"id\":1")).unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let st = state.clone();
            tokio::spawn(async move { st.audit("prov", "search", &format!("refused-{i}"), "{}".into(), "127.0.0.1", "ok").await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_err());
    }
    let after = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 1_000, ..Default::default() }).unwrap().len());
    assert_eq!(after, before + 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_entries_are_grouped_and_chained_sqlite() {
    concurrent_entries_are_grouped_and_chained(sqlite("audit-group")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_entries_are_grouped_and_chained_postgres() {
    let Some(env) = blocking(|| postgres("audit-group")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL audit test");
        return;
    };
    concurrent_entries_are_grouped_and_chained(env).await;
}

/// The audit page gives each entry's particulars as a Chinese sentence, with the stored JSON
/// folded beside it (the record of truth stays visible to the auditor).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn particulars_read_as_chinese() {
    let env = sqlite("audit-text");
    let detail = r#"{"file":"学生.csv","entity":"student","rows_read":1000,"inserted":990,"rejected":10,"via":"console"}"#;
    env.app.state.audit("prov", "import", "batch:7", detail.into(), "127.0.0.1", "ok").await.unwrap();
    let aud = login(&env, "aud", PASSWORD).await;
    let page = send(&env, "GET", "/audit?action=import", &aud, None).await;
    assert_eq!(page.status, StatusCode::OK);
    // The target in words, its identifier marked as shown as written (issue 12).
    let row = page.body.split("导入批次 <span data-code>7</span></td>").nth(1).expect("the entry is listed, its target as 导入批次 7");
    let text = row.split("class=\"detail-text\">").nth(1).and_then(|r| r.split("</span>").next()).expect("a sentence");
    assert!(text.contains("文件：学生.csv") && text.contains("数据类别：学生") && text.contains("读取行数：1,000") && text.contains("拒绝：10") && text.contains("途径：管理控制台"), "{text}");
    assert!(!text.contains("rows_read") && !text.contains('{'), "{text}");
    assert!(row.contains("<details><summary>原始记录</summary>"), "the stored JSON is kept beside it");
}
