//! Accounts and sign-in, on SQLite and on PostgreSQL: the data consumer's whole path (account,
//! token shown once, masked API data), tokens only for data consumers and only until they expire,
//! the sign-in backoff with one generic message, the login form's CSRF token, `next=` redirects,
//! the absolute session lifetime — and, against a real server on port 0, `X-Forwarded-For` read
//! only from trusted proxies, 40 parallel sign-ins of which only 5 reach a password check, and the
//! per-address limit.

mod common;

use axum::http::StatusCode;
use common::*;
use std::net::SocketAddr;
use store::{AuditEntry, AuditFilter, Entity, PersonQuery, Role, Scope, SessionRecord};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GENERIC: &str = "用户名或密码错误，或账号暂不可用";

fn audit(env: &Env, actor: &str) -> Vec<AuditEntry> {
    with_store(env, |s| s.audit_entries(&AuditFilter { actor: Some(actor.into()), limit: 1000, ..Default::default() }).unwrap())
}

fn reasons(env: &Env, actor: &str) -> Vec<String> {
    audit(env, actor)
        .into_iter()
        .filter(|e| e.action == "login_failed")
        .map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).unwrap()["reason"].as_str().unwrap().to_string())
        .collect()
}

/// The text of the login page's error message.
fn login_error(body: &str) -> &str {
    let i = body.find("id=\"login-error\">").map(|i| i + "id=\"login-error\">".len()).unwrap_or_else(|| panic!("no login error: {body}"));
    &body[i..i + body[i..].find('<').unwrap()]
}

fn secret_of(body: &str) -> String {
    let i = body.find("<code id=\"secret\"").expect("a secret is shown");
    let s = &body[i..];
    let start = s.find('>').unwrap() + 1;
    s[start..start + s[start..].find('<').unwrap()].to_string()
}

// ------------------------------------------------------------------ the data consumer

async fn data_consumer_path(env: Env) {
    let p = env.places.clone();
    let admin = login(&env, "prov", PASSWORD).await;
    let csrf = admin.csrf.clone().unwrap();
    // The account: no one-time password (it has none to use), never a forced password change.
    let r = send(&env, "POST", "/users", &admin, Some(&format!("_csrf={csrf}&name=stats&display_name=%E7%BB%9F%E8%AE%A1%E5%B1%80&role=data_consumer&org_code={}", p.county))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("已创建数据使用方账号") && !r.body.contains("id=\"secret\""), "{}", r.body);
    let (stats, aud) = with_store(&env, |s| (s.user_by_name("stats").unwrap().unwrap(), s.user_by_name("aud").unwrap().unwrap()));
    assert_eq!((stats.role, stats.must_change_password), (Role::DataConsumer, false));
    // Tokens only for data consumers, for 1..=token_days days.
    let before = with_store(&env, |s| s.list_tokens().unwrap().len());
    let r = send(&env, "POST", "/tokens", &admin, Some(&format!("_csrf={csrf}&name=x&user_id={}&days=30", aud.id))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("只能发给数据使用方账号"), "{}", r.body);
    let r = send(&env, "POST", "/tokens", &admin, Some(&format!("_csrf={csrf}&name=x&user_id={}&days=366", stats.id))).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("1 到 365 天"), "{}", r.body);
    assert_eq!(with_store(&env, |s| s.list_tokens().unwrap().len()), before, "nothing refused was stored");
    let r = send(&env, "POST", "/tokens", &admin, Some(&format!("_csrf={csrf}&name=%E5%85%B1%E4%BA%AB&user_id={}&days=30", stats.id))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = secret_of(&r.body);
    assert!(secret.starts_with("tf_") && secret.len() == 67, "{secret}");
    // Shown once, stored only as its hash.
    let stored = with_store(&env, |s| s.list_tokens().unwrap()).into_iter().find(|t| t.user_id == stats.id).unwrap();
    assert_eq!(stored.token_hash, web::auth::sha256_hex(&secret));
    assert_eq!(stored.prefix, secret[..10]);
    let days = (stored.expires_at - store::time::unix_now() + 60) / 86_400;
    assert_eq!(days, 30, "expires in the chosen 30 days");
    assert!(![&stored.name, &stored.prefix, &stored.token_hash, &stored.created_by].iter().any(|v| v.contains(&secret[3..])));
    assert!(!send(&env, "GET", "/users", &admin, None).await.body.contains(&secret), "not shown again");
    // The API with the token: the consumer's own area, masked.
    let t = Auth { bearer: Some(secret.clone()), ..Default::default() };
    let me = send(&env, "GET", "/api/v1/me", &t, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let v: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!((v["role"].as_str(), v["must_change_password"].as_bool()), (Some("data_consumer"), Some(false)));
    let list = send(&env, "GET", "/api/v1/students?limit=20", &t, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let v: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 20);
    let plain = with_store(&env, |s| s.people(&Scope::Region { lo: p.county, hi: p.county }, Entity::Student, &PersonQuery { limit: 20, ..Default::default() }).unwrap().rows);
    for r in &plain {
        for field in ["id_number", "name"] {
            let value = web::present::get(Entity::Student, r, field);
            assert!(!list.body.contains(value), "{field} {value} in the clear");
        }
    }
    // Revoked and expired tokens are refused like unknown ones.
    let unknown = send(&env, "GET", "/api/v1/me", &Auth { bearer: Some(format!("tf_{}", web::auth::random_token())), ..Default::default() }, None).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let soon = format!("tf_{}", web::auth::random_token());
    let until = store::time::unix_now() + 2;
    with_store(&env, |s| {
        let nt = store::NewApiToken { name: "short".into(), user_id: stats.id, token_hash: web::auth::sha256_hex(&soon), prefix: soon[..10].into(), created_by: "prov".into(), expires_at: until };
        s.create_token(&PROVINCE, &nt).unwrap()
    });
    let s2 = Auth { bearer: Some(soon), ..Default::default() };
    assert_eq!(send(&env, "GET", "/api/v1/me", &s2, None).await.status, StatusCode::OK, "live until its time");
    while store::time::unix_now() < until {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let expired = send(&env, "GET", "/api/v1/me", &s2, None).await;
    assert_eq!((expired.status, &expired.body), (StatusCode::UNAUTHORIZED, &unknown.body), "expired = unknown, even when cached");
    let r = send(&env, "POST", &format!("/tokens/{}/revoke", stored.id), &admin, Some(&format!("_csrf={csrf}"))).await;
    assert_eq!(r.status, StatusCode::OK);
    let revoked = send(&env, "GET", "/api/v1/me", &t, None).await;
    assert_eq!((revoked.status, &revoked.body), (StatusCode::UNAUTHORIZED, &unknown.body));
    let acts: Vec<String> = audit(&env, "prov").into_iter().map(|e| e.action).collect();
    assert!(acts.contains(&"token_create".into()) && acts.contains(&"token_revoke".into()) && acts.contains(&"user_create".into()), "{acts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_consumer_path_sqlite() {
    data_consumer_path(sqlite("consumer")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_consumer_path_postgres() {
    let Some(env) = blocking(|| postgres("consumer")) else { return };
    data_consumer_path(env).await;
}

// ------------------------------------------------------------------ the new-account form (issue 12)

/// The text beside a field of a form page (its `<span class="field-err">`).
fn field_problem<'a>(body: &'a str, field: &str) -> &'a str {
    let tag = format!("<span class=\"field-err\" id=\"{field}-err\">");
    let i = body.find(&tag).map(|i| i + tag.len()).unwrap_or_else(|| panic!("no problem beside {field}: {body}"));
    &body[i..i + body[i..].find('<').unwrap()]
}

async fn new_account_form_lists_every_problem(env: Env) {
    let p = env.places.clone();
    let admin = login(&env, "prov", PASSWORD).await;
    let csrf = admin.csrf.clone().unwrap();
    let users = || with_store(&env, |s| s.list_users().unwrap().len());
    let before = users();
    // Four wrong fields: all four problems in one answer, in Chinese, each beside its field and
    // listed at the top; what was entered is kept.
    let long = "很".repeat(51);
    let f = form(&[("_csrf", &csrf), ("name", "张 三"), ("display_name", &long), ("role", "emperor"), ("org_code", "12")]);
    let r = send(&env, "POST", "/users", &admin, Some(&f)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("请更正以下 4 处问题"), "{}", r.body);
    for (field, says) in [("name", "用户名应为 2–32 位，由英文字母、数字、点、下划线或连字符组成"), ("display_name", "姓名不超过 50 个字（现为 51 个）"), ("role", "请从列表中选择角色"), ("org_code", "所属单位代码应为行政区划代码（6 位数字）或学校标识码（10 位数字）")] {
        assert!(field_problem(&r.body, field).starts_with(says), "{field}: {}", field_problem(&r.body, field));
        assert!(r.body.contains(&format!("<li><a href=\"#{field}\">{says}")), "{field} not listed at the top: {}", r.body);
    }
    assert!(r.body.contains("value=\"张 三\"") && r.body.contains(&format!("value=\"{long}\"")) && r.body.contains("value=\"12\""), "the values entered are kept: {}", r.body);
    // Two wrong fields, one known only from the tree (a city officer placed at a county): both at once.
    let f = form(&[("_csrf", &csrf), ("name", "x"), ("display_name", "王五"), ("role", "city_officer"), ("org_code", &p.county.to_string())]);
    let r = send(&env, "POST", "/users", &admin, Some(&f)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("请更正以下 2 处问题"), "{}", r.body);
    assert!(field_problem(&r.body, "name").starts_with("用户名应为"), "{}", r.body);
    let placed = field_problem(&r.body, "org_code");
    assert!(placed.contains("应设在") && placed.ends_with('。') && !placed.chars().any(|c| c.is_ascii_lowercase()), "the store's refusal in Chinese alone: {placed}");
    assert!(r.body.contains("<option value=\"city_officer\" selected>"), "the role chosen is kept: {}", r.body);
    // A name already taken (known only on writing): beside the name, in Chinese alone.
    let f = form(&[("_csrf", &csrf), ("name", "aud"), ("display_name", "重名"), ("role", "auditor"), ("org_code", &p.county.to_string())]);
    let r = send(&env, "POST", "/users", &admin, Some(&f)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(field_problem(&r.body, "name"), "用户名 aud 已存在。");
    assert_eq!(users(), before, "nothing refused was stored");
    // In English: the problems in English, none in Chinese.
    let en = Auth { cookie: admin.cookie.as_ref().map(|c| format!("{c}; lang=en")), ..admin.clone() };
    let f = form(&[("_csrf", &csrf), ("name", "x"), ("display_name", "王五"), ("role", "city_officer"), ("org_code", &p.county.to_string())]);
    let r = send(&env, "POST", "/users", &en, Some(&f)).await;
    assert!(r.body.contains("Please correct 2 problems") && field_problem(&r.body, "name").starts_with("An account name is"), "{}", r.body);
    let placed = field_problem(&r.body, "org_code");
    assert!(placed.starts_with("A ") && !placed.contains("应设在"), "{placed}");
    // The form right: created.
    let f = form(&[("_csrf", &csrf), ("name", "wangwu"), ("display_name", "王五"), ("role", "county_officer"), ("org_code", &p.county.to_string())]);
    let r = send(&env, "POST", "/users", &admin, Some(&f)).await;
    assert!(r.status == StatusCode::OK && r.body.contains("已创建账号") && !r.body.contains("form-error"), "{}", r.body);
    assert_eq!(users(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_account_form_lists_every_problem_sqlite() {
    new_account_form_lists_every_problem(sqlite("userform")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_account_form_lists_every_problem_postgres() {
    let Some(env) = blocking(|| postgres("userform")) else { return };
    new_account_form_lists_every_problem(env).await;
}

// ------------------------------------------------------------------ sign-in, sessions

async fn sign_in(env: Env) {
    // 5 attempts are free; then each waits, refused without a password check, with the same
    // message as an unknown account, a disabled one or a data consumer (which has no console).
    let mut fifth = (0, 0);
    for i in 0..5 {
        fifth.0 = store::time::unix_now();
        let r = try_login(&env, "county", "Wrong-pass-1").await;
        fifth.1 = store::time::unix_now();
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(login_error(&r.body).starts_with(GENERIC), "{}", r.body);
    }
    let county = with_store(&env, |s| s.user_by_name("county").unwrap().unwrap());
    let until = county.locked_until.unwrap();
    assert!(county.failed_logins == 5 && (fifth.0 + 2..=fifth.1 + 2).contains(&until), "a 2-second delay after the fifth, not a lock: {until} {fifth:?}");
    // A later, longer delay (as after a few more failures: the cap, 5 minutes), so that this test
    // does not race the clock.
    let until = store::time::unix_now() + 300;
    with_store(&env, |s| {
        let mut u = s.user_by_name("county").unwrap().unwrap();
        u.locked_until = Some(until);
        s.update_user(&PROVINCE, &u).unwrap();
    });
    let delayed = try_login(&env, "county", PASSWORD).await;
    assert_eq!(delayed.status, StatusCode::UNAUTHORIZED, "the right password waits too");
    for _ in 0..5 {
        assert_eq!(try_login(&env, "county", "Wrong-pass-1").await.status, StatusCode::UNAUTHORIZED);
    }
    let after = with_store(&env, |s| s.user_by_name("county").unwrap().unwrap());
    assert_eq!((after.failed_logins, after.locked_until), (5, Some(until)), "refusals during the delay count nothing and extend nothing");
    with_store(&env, |s| {
        let mut u = s.user_by_name("school").unwrap().unwrap();
        u.disabled = true;
        s.update_user(&PROVINCE, &u).unwrap();
    });
    let unknown = try_login(&env, "nobody", PASSWORD).await;
    let disabled = try_login(&env, "school", PASSWORD).await;
    let consumer = try_login(&env, "api", PASSWORD).await;
    for r in [&delayed, &unknown, &disabled, &consumer] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(login_error(&r.body), login_error(&unknown.body), "one message for every refusal");
        assert!(r.set_cookie.iter().all(|c| !c.starts_with("tianfu_session=")));
    }
    assert_eq!(reasons(&env, "county").iter().filter(|r| *r == "wrong_password").count(), 5);
    assert_eq!(reasons(&env, "county").iter().filter(|r| *r == "delayed").count(), 6);
    assert_eq!((reasons(&env, "nobody"), reasons(&env, "school"), reasons(&env, "api")), (vec!["unknown_account".to_string()], vec!["disabled".to_string()], vec!["api_only".to_string()]));
    // Once the delay has passed (here: moved into the past), the right password signs in and the
    // backoff starts over.
    with_store(&env, |s| {
        let mut u = s.user_by_name("county").unwrap().unwrap();
        u.locked_until = Some(store::time::unix_now() - 1);
        s.update_user(&PROVINCE, &u).unwrap();
    });
    let ok = try_login(&env, "county", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let u = with_store(&env, |s| s.user_by_name("county").unwrap().unwrap());
    assert_eq!((u.failed_logins, u.locked_until), (0, None));

    // The login form's own CSRF token: a pre-session cookie the form repeats.
    let (cookie, token) = login_form(&env).await;
    let page = send(&env, "GET", "/login", &Auth::default(), None).await;
    let set = page.set_cookie.iter().find(|c| c.starts_with("tianfu_login=")).unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/login"), "{set}");
    let again = send(&env, "GET", "/login", &Auth { cookie: Some(cookie.clone()), ..Default::default() }, None).await;
    assert_eq!(csrf_of(&again.body).unwrap(), token, "the browser's token is kept (two tabs)");
    let body = format!("name=county&password={PASSWORD}&_csrf={token}");
    let no_cookie = send(&env, "POST", "/login", &Auth::default(), Some(&body)).await;
    let wrong = send(&env, "POST", "/login", &Auth { cookie: Some(cookie.clone()), ..Default::default() }, Some(&format!("name=county&password={PASSWORD}&_csrf={}", "0".repeat(64)))).await;
    let none = send(&env, "POST", "/login", &Auth { cookie: Some(cookie.clone()), ..Default::default() }, Some(&format!("name=county&password={PASSWORD}"))).await;
    for r in [&no_cookie, &wrong, &none] {
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(login_error(&r.body).contains("页面已过期") && r.set_cookie.iter().all(|c| !c.starts_with("tianfu_session=")), "{}", r.body);
    }
    let r = send(&env, "POST", "/login", &Auth { cookie: Some(cookie), ..Default::default() }, Some(&body)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.set_cookie.iter().any(|c| c.starts_with("tianfu_login=;") && c.contains("Max-Age=0")), "the pre-session cookie is cleared");

    // An absolute lifetime beside the idle limit.
    let county = with_store(&env, |s| s.user_by_name("county").unwrap().unwrap());
    let now = store::time::unix_now();
    let session = |age_hours: i64| {
        let token = web::auth::random_token();
        let rec = SessionRecord { token_hash: web::auth::sha256_hex(&token), user_id: county.id, csrf: web::auth::random_token(), created_at: now - age_hours * 3600, last_seen: now, ip: String::new() };
        with_store(&env, |s| s.create_session(&rec).unwrap());
        (Auth { cookie: Some(format!("tianfu_session={token}")), ..Default::default() }, rec.token_hash)
    };
    let (young, _) = session(11);
    let (old, old_hash) = session(13);
    assert_eq!(send(&env, "GET", "/overview", &young, None).await.status, StatusCode::OK);
    let r = send(&env, "GET", "/overview", &old, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "13 hours after sign-in, however active");
    assert!(r.location.starts_with("/login"));
    assert!(with_store(&env, |s| s.session(&old_hash).unwrap()).is_none(), "and deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sqlite() {
    sign_in(sqlite("signin")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_postgres() {
    let Some(env) = blocking(|| postgres("signin")) else { return };
    sign_in(env).await;
}

#[test]
fn next_is_a_path_on_this_site() {
    use web::routes::session::safe_next;
    for hostile in [
        "/\t/evil.com",
        "//evil.com",
        "/\\evil.com",
        "/%0d%0aSet-Cookie:x",
        "https://evil",
        "/%09/evil.com",
        "/%2F/evil.com",
        "/%5Cevil.com",
        "/\n",
        "/%0a",
        " /x",
        "/a b",
        "/\u{3000}x",
        "/x\u{7f}",
        "javascript:alert(1)",
        "evil.com",
        "",
    ] {
        assert_eq!(safe_next(hostile), "/", "{hostile:?}");
    }
    for fine in ["/", "/students", "/students?q=%E5%BC%A0&after=abc", "/sites/3#alerts", "/学校"] {
        assert_eq!(safe_next(fine), fine);
    }
    assert_eq!(safe_next(&format!("/{}", "a".repeat(3000))), "/", "too long");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_redirects_never_leave_the_site_nor_fail() {
    let env = sqlite("next");
    for (next, to) in [("/\t/evil.com", "/"), ("/%0d%0aSet-Cookie:x", "/"), ("//evil.com", "/"), ("/\\evil.com", "/"), ("https://evil", "/"), ("/\n", "/"), ("/students?page=2", "/students?page=2")] {
        let r = send(&env, "GET", &format!("/lang/en?next={}", enc(next)), &Auth::default(), None).await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, to), "{next:?}");
        assert!(r.set_cookie.iter().all(|c| c.starts_with("lang=")), "{:?}", r.set_cookie);
        // Signing in with it.
        let (cookie, token) = login_form(&env).await;
        let a = Auth { cookie: Some(cookie), ..Default::default() };
        let r = send(&env, "POST", "/login", &a, Some(&format!("_csrf={token}&name=city&password={PASSWORD}&next={}", enc(next)))).await;
        assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, to), "{next:?}");
        // The login page carries only a safe one.
        let page = send(&env, "GET", &format!("/login?next={}", enc(next)), &Auth::default(), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("name=\"next\" value=\"{to}\"")), "{next:?}");
    }
}

// ------------------------------------------------------------------ a real server

struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn serve(env: &Env) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = web::App { router: env.app.router.clone(), state: env.app.state.clone() };
    let state = env.app.state.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = web::run(app, listener, async {
            let _ = rx.await;
        })
        .await;
        // The server's connections close off the async runtime (the PostgreSQL client blocks).
        let _ = tokio::task::spawn_blocking(move || {
            state.pool.close();
            drop(state);
        })
        .await;
    });
    Server { addr, stop: Some(tx) }
}

/// One HTTP/1.1 request on its own connection: the status and the body.
async fn http(addr: SocketAddr, path: &str, headers: &[(&str, String)], form: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", form.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

async fn proxies_and_parallel_attempts(env: Env) {
    let (cookie, token) = login_form(&env).await;
    let attempt = |name: &str, password: &str| format!("_csrf={token}&name={name}&password={password}");
    // No trusted proxy: X-Forwarded-For is anyone's claim, and ignored.
    {
        let srv = serve(&env).await;
        let (status, _) = http(srv.addr, "/login", &[("Cookie", cookie.clone()), ("X-Forwarded-For", "6.6.6.6".into())], &attempt("ghost0", "x")).await;
        assert_eq!(status, 401);
        assert_eq!(audit(&env, "ghost0")[0].ip, "127.0.0.1", "the socket's peer, not the forged header");
    }
    let env = rebuild(env, |c| web::Config { trusted_proxies: vec!["127.0.0.1".into()], ..c });
    let srv = serve(&env).await;
    // Behind a trusted proxy: the right-most address the proxy did not vouch for itself.
    let (status, _) = http(srv.addr, "/login", &[("Cookie", cookie.clone()), ("X-Forwarded-For", "6.6.6.6, 203.0.113.7".into())], &attempt("ghost1", "x")).await;
    assert_eq!(status, 401);
    assert_eq!(audit(&env, "ghost1")[0].ip, "203.0.113.7");

    // 40 parallel attempts at one account from 40 addresses: 5 password checks, 35 refusals.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (addr, cookie, body) = (srv.addr, cookie.clone(), attempt("county", &format!("Wrong-pass-{i}")));
        set.spawn(async move { http(addr, "/login", &[("Cookie", cookie), ("X-Forwarded-For", format!("198.51.100.{i}"))], &body).await.0 });
    }
    let statuses: Vec<u16> = set.join_all().await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let r = reasons(&env, "county");
    assert_eq!(r.len(), 40);
    assert_eq!(r.iter().filter(|x| *x == "wrong_password").count(), 5, "{r:?}");
    assert_eq!(r.iter().filter(|x| *x == "delayed").count(), 35, "{r:?}");
    let ips: std::collections::HashSet<String> = audit(&env, "county").into_iter().map(|e| e.ip).collect();
    assert_eq!(ips.len(), 40, "each attempt under its own address");

    // One address spraying passwords over many accounts is stopped, whatever the accounts; another
    // address signs in.
    let sprayer = || vec![("Cookie", cookie.clone()), ("X-Forwarded-For", "192.0.2.50".to_string())];
    for i in 0..web::throttle::ADDRESS_FAILURES {
        let (status, _) = http(srv.addr, "/login", &sprayer(), &attempt(&format!("spray{i}"), "Password-1")).await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, body) = http(srv.addr, "/login", &sprayer(), &attempt("city", PASSWORD)).await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("此地址登录失败次数过多"), "{body}");
    assert!(reasons(&env, "city").is_empty() && audit(&env, "city").is_empty(), "no password check, no account touched");
    let (status, _) = http(srv.addr, "/login", &[("Cookie", cookie.clone()), ("X-Forwarded-For", "192.0.2.51".into())], &attempt("city", PASSWORD)).await;
    assert_eq!(status, 303, "another address signs in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_and_parallel_attempts_sqlite() {
    proxies_and_parallel_attempts(sqlite("parallel")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_and_parallel_attempts_postgres() {
    let Some(env) = blocking(|| postgres("parallel")) else { return };
    proxies_and_parallel_attempts(env).await;
}
