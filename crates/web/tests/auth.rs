//! Identity and audit through the real router: first login, password policy, CSRF, idle
//! sessions, tokens, reveal and import auditing, the error pages' language, the OpenAPI document.
//! (The sign-in backoff, login CSRF, `next=`, session lifetime, proxies and data consumers:
//! `accounts.rs`.)

mod common;

use axum::http::StatusCode;
use common::*;
use store::{AuditFilter, Entity, PersonQuery, Scope};

fn audit_actions(env: &Env, actor: &str) -> Vec<String> {
    let mut s = (env.opener)().unwrap();
    s.audit_entries(&AuditFilter { actor: Some(actor.into()), limit: 1000, ..Default::default() }).unwrap().into_iter().map(|e| e.action).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_login_changes_the_one_time_password() {
    let env = sqlite("first");
    let one_time = {
        let mut s = (env.opener)().unwrap();
        // Accounts exist already: no administrator is made; on an empty database one is.
        assert!(web::ensure_admin(s.as_mut(), 51).unwrap().is_none());
        let u = s.user_by_name("prov").unwrap().unwrap();
        s.delete_user_sessions(u.id).unwrap();
        let mut u = s.user_by_name("prov").unwrap().unwrap();
        let p = web::auth::one_time_password();
        u.password_hash = web::auth::hash_password(&p);
        u.must_change_password = true;
        s.update_user(&PROVINCE, &u).unwrap();
        p
    };
    let (login_cookie, token) = login_form(&env).await;
    let pre = Auth { cookie: Some(login_cookie), ..Default::default() };
    let r = send(&env, "POST", "/login", &pre, Some(&format!("_csrf={token}&name=prov&password={one_time}&next=/students"))).await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/password"));
    let cookie = session_of(&r);
    assert!(r.set_cookie[0].contains("HttpOnly") && r.set_cookie[0].contains("SameSite=Strict"), "{:?}", r.set_cookie);
    assert!(!r.set_cookie[0].contains("Secure"), "plain HTTP: no Secure flag");
    let mut a = Auth { cookie: Some(cookie), ..Default::default() };
    // Nothing else until the password is changed.
    let o = send(&env, "GET", "/overview", &a, None).await;
    assert_eq!((o.status, o.location.as_str()), (StatusCode::SEE_OTHER, "/password"));
    let api = send(&env, "GET", "/api/v1/students", &a, None).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.body.contains("password_change_required"));
    a.csrf = csrf_of(&send(&env, "GET", "/password", &a, None).await.body);
    let csrf = a.csrf.clone().unwrap();
    // The policy: 8+ characters of 3 kinds, not the account name.
    for (new, why) in [("short1A", "至少 8 位"), ("alllowercase", "至少三类"), ("Prov-2026-x", "用户名")] {
        // (each refused with its reason; below, several problems are listed together)
        let r = send(&env, "POST", "/password", &a, Some(&format!("_csrf={csrf}&current={one_time}&new={}&repeat={}", enc(new), enc(new)))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{new}");
        assert!(r.body.contains(why), "{new}: {}", r.body);
    }
    let r = send(&env, "POST", "/password", &a, Some(&format!("_csrf={csrf}&current=wrong&new=Good-pass-99&repeat=Good-pass-99"))).await;
    assert!(r.body.contains("当前密码不正确"));
    // Every problem of the form at once: a wrong current password, a short new one of two kinds
    // and a repeat that differs.
    let r = send(&env, "POST", "/password", &a, Some(&format!("_csrf={csrf}&current=wrong&new=abc1&repeat=abc2"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for why in ["当前密码不正确", "至少 8 位", "至少三类", "两次输入的新密码不一致"] {
        assert!(r.body.contains(why), "{why} missing from the list: {}", r.body);
    }
    assert_eq!(r.body.matches("<li>").count(), 4, "{}", r.body);
    let r = send(&env, "POST", "/password", &a, Some(&format!("_csrf={csrf}&current={one_time}&new=Good-pass-99&repeat=Good-pass-99"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Every other session ended; this browser has a new one.
    let old = send(&env, "GET", "/overview", &a, None).await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);
    assert!(old.location.starts_with("/login"));
    let fresh = Auth { cookie: Some(r.set_cookie[0].split(';').next().unwrap().to_string()), ..Default::default() };
    assert_eq!(send(&env, "GET", "/overview", &fresh, None).await.status, StatusCode::OK);
    let acts = audit_actions(&env, "prov");
    assert!(acts.contains(&"login".to_string()) && acts.contains(&"password_change".to_string()), "{acts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_need_the_csrf_token() {
    let env = sqlite("csrf");
    let a = login(&env, "prov", PASSWORD).await;
    let no = Auth { csrf: None, ..a.clone() };
    let r = send(&env, "POST", "/users", &no, Some("name=x1&display_name=x&role=auditor&org_code=510000")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("页面已过期"), "{}", r.body);
    let r = send(&env, "POST", "/users", &a, Some("name=x1&display_name=x&role=auditor&org_code=510000&_csrf=0000")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let csrf = a.csrf.clone().unwrap();
    let r = send(&env, "POST", "/users", &a, Some(&format!("_csrf={csrf}&name=x1&display_name=x&role=auditor&org_code=510000"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"secret\""), "the one-time password is shown once");
    // A role must sit at its level of the tree.
    let r = send(&env, "POST", "/users", &a, Some(&format!("_csrf={csrf}&name=x2&display_name=x&role=county_officer&org_code=510100"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("区县"), "{}", r.body);
    assert!(audit_actions(&env, "prov").contains(&"user_create".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_end_after_thirty_minutes() {
    let env = sqlite("idle");
    let r = try_login(&env, "county", PASSWORD).await;
    let cookie = session_of(&r);
    let token = cookie.strip_prefix("tianfu_session=").unwrap();
    let hash = web::auth::sha256_hex(token);
    (env.opener)().unwrap().touch_session(&hash, store::time::unix_now() - 31 * 60).unwrap();
    let a = Auth { cookie: Some(cookie), ..Default::default() };
    let r = send(&env, "GET", "/students", &a, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location.starts_with("/login?next=/students"), "{}", r.location);
    assert!((env.opener)().unwrap().session(&hash).unwrap().is_none(), "the expired session is deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_and_tokens_can_be_revoked() {
    let env = sqlite("logout");
    let a = login(&env, "county", PASSWORD).await;
    let r = send(&env, "POST", "/logout", &a, Some(&format!("_csrf={}", a.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(send(&env, "GET", "/api/v1/me", &a, None).await.status, StatusCode::UNAUTHORIZED);
    assert!(audit_actions(&env, "county").contains(&"logout".to_string()));
    let t = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send(&env, "GET", "/api/v1/students?limit=1", &t, None).await.status, StatusCode::OK);
    let admin = login(&env, "prov", PASSWORD).await;
    let id = (env.opener)().unwrap().list_tokens().unwrap().into_iter().find(|x| x.prefix == env.token[..10]).unwrap().id;
    let r = send(&env, "POST", &format!("/tokens/{id}/revoke"), &admin, Some(&format!("_csrf={}", admin.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(&env, "GET", "/api/v1/students?limit=1", &t, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("\"unauthorized\""));
    let bogus = Auth { bearer: Some("tf_nonsense".into()), ..Default::default() };
    assert_eq!(send(&env, "GET", "/api/v1/me", &bogus, None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reveal_is_audited_and_masking_holds_elsewhere() {
    let env = sqlite("reveal");
    let p = env.places.clone();
    let key = {
        let mut s = (env.opener)().unwrap();
        s.people(&Scope::School { code: p.school.clone(), county: p.county }, Entity::Student, &PersonQuery { limit: 1, ..Default::default() }).unwrap().rows[0].clone()
    };
    let name = web::present::get(Entity::Student, &key, "name").to_string();
    let idn = web::present::get(Entity::Student, &key, "id_number").to_string();
    let sealed = web::seal::seal(&key.key);
    let a = login(&env, "county", PASSWORD).await;
    let page = send(&env, "GET", &format!("/students/{sealed}"), &a, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&idn) && !page.body.contains(&name), "masked by default");
    assert!(page.body.contains("id=\"reveal\""));
    let r = send(&env, "POST", &format!("/students/{sealed}/reveal"), &Auth { csrf: None, ..a.clone() }, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token, no reveal");
    let r = send(&env, "POST", &format!("/students/{sealed}/reveal?_csrf={}", a.csrf.clone().unwrap()), &a, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the token is never taken from the query string (issue 12)");
    let r = send(&env, "POST", &format!("/students/{sealed}/reveal"), &a, Some(&format!("_csrf={}", a.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&idn) && r.body.contains(&name), "revealed");
    let mut s = (env.opener)().unwrap();
    let e = s.audit_entries(&AuditFilter { action: Some("reveal".into()), limit: 10, ..Default::default() }).unwrap();
    assert_eq!((e.len(), e[0].actor.as_str()), (1, "county"));
    // The log names the record masked, with the key's keyed hash for exact search (not its plain
    // SHA-256, which a few thousand guesses invert).
    assert!(!e[0].target.contains(&key.key) && e[0].target.starts_with("student:"), "{}", e[0].target);
    assert!(e[0].detail.contains(&web::seal::audit_hash(&key.key)) && !e[0].detail.contains(&web::auth::sha256_hex(&key.key)));
    assert!(!r.body.contains("id=\"reveal\""), "no second reveal button");
    // A data consumer never reveals; its lists are masked.
    let t = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send(&env, "POST", &format!("/api/v1/students/{sealed}/reveal"), &t, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(api_json(&env, "POST", "/api/v1/students/search", &t, &serde_json::json!({ "id": key.key })).await.0, StatusCode::FORBIDDEN, "no search by number");
    let list = send(&env, "GET", &format!("/api/v1/students?school={}", p.school), &t, None).await.body;
    assert!(list.contains("\"items\":[{") && !list.contains(&idn), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_speak_the_users_language_and_say_what_to_do() {
    let env = sqlite("lang");
    let a = login(&env, "county", PASSWORD).await;
    let zh = send(&env, "GET", "/students/zzzz", &a, None).await;
    assert_eq!(zh.status, StatusCode::NOT_FOUND);
    assert!(zh.body.contains("没有找到") && zh.body.contains("id=\"error-message\""), "{}", zh.body);
    let en_auth = Auth { cookie: Some(format!("{}; lang=en", a.cookie.clone().unwrap())), ..a.clone() };
    let en = send(&env, "GET", "/students/zzzz", &en_auth, None).await;
    assert!(en.body.contains("Nothing was found") && en.body.contains("start again from the menu"), "{}", en.body);
    let f = send(&env, "GET", "/users", &a, None).await;
    assert_eq!(f.status, StatusCode::FORBIDDEN);
    assert!(f.body.contains("联系省级管理员"));
    let bad = send(&env, "GET", "/students?after=garbage", &a, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("第一页"));
    let api = send(&env, "GET", "/api/v1/students?limit=100000", &a, None).await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["error"]["code"], "invalid");
    let anon = send(&env, "GET", "/api/v1/students", &Auth::default(), None).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    let r = send(&env, "GET", "/overview", &Auth::default(), None).await;
    assert!(r.location.starts_with("/login"));
    let h = send(&env, "GET", "/login", &Auth::default(), None).await;
    assert!(h.body.contains("登录"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_embedded_and_headers_are_set() {
    let env = sqlite("assets");
    for name in ["echarts.min.js", "htmx.min.js", "app.css", "app.js", "sichuan-cities.geojson"] {
        let r = send(&env, "GET", &format!("/assets/{name}"), &Auth::default(), None).await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
        assert!(r.bytes.len() > 500, "{name}");
    }
    let r = send(&env, "GET", "/api/v1/openapi.json", &Auth::default(), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let login = env.app.router.clone();
    let resp = tower::ServiceExt::oneshot(login, axum::http::Request::get("/login").body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let h = resp.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
}
