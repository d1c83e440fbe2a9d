//! A real application over a real database, driven through its router: a demo province of
//! 20,000 students imported through the loader, and one account per role.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use store::{Backend, Entity, NewApiToken, NewUser, Role, SchoolQuery, Scope};
use tower::ServiceExt;

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let d = std::env::temp_dir().join(format!("tianfu-web-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub const PASSWORD: &str = "Test-pass-2026";

/// The whole province: the area of the tests' own account writes.
pub const PROVINCE: Scope = Scope::Region { lo: 510000, hi: 519999 };

/// Where things are in the demo province, as the tests need them.
#[derive(Debug, Clone)]
pub struct Places {
    /// The county officer's county and one of its schools.
    pub county: u32,
    pub school: String,
    /// The city of that county.
    pub city: u32,
    /// A school (and its county) in another city.
    pub other_school: String,
    pub other_county: u32,
    pub other_city: u32,
}

pub struct Env {
    pub app: web::App,
    pub places: Places,
    pub dir: TempDir,
    pub demo: PathBuf,
    /// The data consumer's API token.
    pub token: String,
    /// A county-level data consumer's token (the other county's).
    pub other_token: String,
    pub cleanup: Option<Box<dyn FnOnce() + Send>>,
    pub opener: web::Opener,
    /// Monitored sites of `places.school` and of `places.other_school`, checked, each with an
    /// open alert.
    pub own_site: i64,
    pub other_site: i64,
}

impl Drop for Env {
    fn drop(&mut self) {
        let pool = self.app.state.pool.clone();
        blocking(move || pool.close());
        if let Some(f) = self.cleanup.take() {
            blocking(f);
        }
    }
}

/// Runs synchronous database work from a test on the async runtime (the PostgreSQL client
/// blocks on a runtime of its own).
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => tokio::task::block_in_place(f),
        Err(_) => f(),
    }
}

/// One store connection for a piece of synchronous work.
pub fn with_store<T>(env: &Env, f: impl FnOnce(&mut dyn Backend) -> T) -> T {
    blocking(|| {
        let mut s = (env.opener)().expect("open");
        f(s.as_mut())
    })
}

pub fn accounts() -> Vec<(&'static str, Role)> {
    vec![
        ("prov", Role::ProvinceAdmin),
        ("city", Role::CityOfficer),
        ("county", Role::CountyOfficer),
        ("school", Role::SchoolAdmin),
        ("sec", Role::SecurityOfficer),
        ("aud", Role::Auditor),
    ]
}

/// Builds the environment on a store from `opener` (fresh and empty).
pub fn build(tag: &str, opener: web::Opener, cleanup: Option<Box<dyn FnOnce() + Send>>) -> Env {
    let dir = TempDir::new(tag);
    let demo = dir.0.join("demo");
    demo::generate(&demo::GenOptions::new(20_000, 11, standard::Date::today()), &demo).expect("demo");
    let mut s = opener().expect("open");
    for (entity, file) in [(Entity::School, "schools.csv"), (Entity::Teacher, "teachers.csv"), (Entity::Student, "students.csv"), (Entity::Conditions, "conditions.csv")] {
        let o = loader::ImportOptions { validate: ingest::Options::new(entity), user: "prov".into(), force: false, progress: None, file_name: None, file_hash: None, scope: store::Scope::all() };
        loader::import_file(s.as_mut(), &demo.join(file), o).map_err(|f| f.en).expect("import");
    }
    let places = places(s.as_mut());
    let hash = web::auth::hash_password(PASSWORD);
    for (name, role) in accounts() {
        let org = match role {
            Role::CityOfficer => places.city as i64,
            Role::CountyOfficer => places.county as i64,
            Role::SchoolAdmin => places.school.parse().unwrap(),
            _ => 510000,
        };
        s.create_user(&PROVINCE, &NewUser { name: name.into(), display_name: name.into(), role, org_code: org, password_hash: hash.clone(), must_change_password: false }).unwrap();
    }
    let api = s.create_user(&PROVINCE, &NewUser { name: "api".into(), display_name: "统计局".into(), role: Role::DataConsumer, org_code: 510000, password_hash: hash.clone(), must_change_password: false }).unwrap();
    let api2 = s.create_user(&PROVINCE, &NewUser { name: "api2".into(), display_name: "other county".into(), role: Role::DataConsumer, org_code: places.other_county as i64, password_hash: hash, must_change_password: false }).unwrap();
    let token = format!("tf_{}", web::auth::random_token());
    let other_token = format!("tf_{}", web::auth::random_token());
    for (t, u) in [(&token, api), (&other_token, api2)] {
        let expires_at = store::time::unix_now() + 365 * 86_400;
        s.create_token(&PROVINCE, &NewApiToken { name: "test".into(), user_id: u, token_hash: web::auth::sha256_hex(t), prefix: t[..10].into(), created_by: "prov".into(), expires_at }).unwrap();
    }
    let (own_site, other_site) = seed_sites(s.as_mut(), &places);
    drop(s);
    let config = web::Config { data_dir: dir.0.join("data").display().to_string(), pool_size: 2, ..Default::default() };
    let app = web::build_with_resolver(config, opener.clone(), pinned_names());
    Env { app, places, dir, demo, token, other_token, cleanup, opener, own_site, other_site }
}

/// The same environment under another configuration (e.g. trusted proxies, a small queue).
pub fn rebuild(mut env: Env, config: impl FnOnce(web::Config) -> web::Config) -> Env {
    let c = config(env.app.state.config.clone());
    let old = std::mem::replace(&mut env.app, web::build_with_resolver(c, env.opener.clone(), pinned_names()));
    // Off the async runtime: the PostgreSQL client blocks when it closes.
    blocking(move || {
        old.state.pool.close();
        drop(old);
    });
    env
}

/// The names the monitor's registration check resolves in tests (no DNS server is asked: any
/// other name does not exist, which registration accepts and the worker would judge).
pub fn pinned_names() -> std::sync::Arc<dyn guard::Resolver> {
    let mut r = guard::StaticResolver::new();
    r.insert("intranet.test", "127.0.0.1".parse().unwrap()).insert("intranet.test", "::1".parse().unwrap());
    r.insert("metadata.test", "169.254.169.254".parse().unwrap());
    r.insert("portal.test", "202.115.32.1".parse().unwrap());
    std::sync::Arc::new(r)
}

/// One check of a site, as the worker would record it.
pub fn check_at(at: i64, up: bool, ms: u32, findings: &[&str]) -> store::monitor::CheckSummary {
    use store::monitor::{FamilySummary, SiteState};
    store::monitor::CheckSummary {
        at,
        state: if !up { SiteState::Down } else if findings.is_empty() { SiteState::Up } else { SiteState::Warning },
        v4: FamilySummary { reachable: up, status: up.then_some(200), elapsed_ms: ms },
        v6: FamilySummary { reachable: up, status: up.then_some(200), elapsed_ms: ms + 20 },
        tls_days: Some(80),
        tls_grade: Some("A".into()),
        header_score: Some(70),
        ipv6_aaaa: true,
        ipv6_home: up,
        ipv6_consistent: Some(true),
        findings: findings.iter().map(|f| f.to_string()).collect(),
    }
}

/// Registers a site of each test school with a few hours of checks and an open alert.
pub fn seed_sites(s: &mut dyn Backend, p: &Places) -> (i64, i64) {
    use store::monitor::{NewAlert, NewSite, SiteCategory};
    let now = store::time::unix_now();
    let mut ids = Vec::new();
    for (name, url, school) in [("本县学校门户网站", "https://own-school.example.edu.cn/", &p.school), ("外市学校门户网站", "https://other-school.example.edu.cn/", &p.other_school)] {
        let site = s.create_site(&store::Scope::all(), &NewSite { name: name.into(), url: url.into(), org_code: school.parse().unwrap(), category: SiteCategory::School, interval_minutes: 30 }, now - 4 * 3600).unwrap();
        for k in 0..8 {
            let at = now - 4 * 3600 + k * 1800;
            s.record_result(site.id, &check_at(at, k != 3, 120 + k as u32 * 10, if k == 7 { &["headers_missing", "hidden_link"] } else { &[] }), at + 1800).unwrap();
        }
        s.open_alert(&NewAlert { site_id: site.id, kind: "hidden_link".into(), severity: "high".into(), message: format!("{name}：发现隐藏链接"), at: now - 60 }).unwrap();
        ids.push(site.id);
    }
    (ids[0], ids[1])
}

fn places(s: &mut dyn Backend) -> Places {
    let all = Scope::Region { lo: 510000, hi: 519999 };
    let schools = s.schools(&all, &SchoolQuery { limit: 500, ..Default::default() }).unwrap().rows;
    let county_of = |r: &store::Record| web::present::get(Entity::School, r, "region_code").parse::<u32>().unwrap();
    // The county with the most schools that has students, so that lists have several pages.
    let mut by_county: HashMap<u32, Vec<String>> = HashMap::new();
    for r in &schools {
        by_county.entry(county_of(r)).or_default().push(r.key.clone());
    }
    let (&county, list) = by_county.iter().max_by_key(|(c, l)| (l.len(), **c)).unwrap();
    let city = standard::codes::DIVISIONS.city_of(county).unwrap().code;
    let other = schools.iter().find(|r| standard::codes::DIVISIONS.city_of(county_of(r)).unwrap().code != city).unwrap();
    let other_county = county_of(other);
    Places {
        county,
        school: list[0].clone(),
        city,
        other_school: other.key.clone(),
        other_county,
        other_city: standard::codes::DIVISIONS.city_of(other_county).unwrap().code,
    }
}

pub fn sqlite(tag: &str) -> Env {
    let d = TempDir::new(&format!("{tag}-db"));
    let path = d.0.join("tianfu.db");
    std::mem::forget(d); // removed with the process's temp files; the Env's own dir is cleaned
    let opener: web::Opener = Arc::new(move || Ok(Box::new(store_sqlite::SqliteStore::open(&path)?) as Box<dyn Backend>));
    build(tag, opener, None)
}

/// The same on PostgreSQL (a schema of its own), when TIANFU_TEST_DATABASE_URL is set.
pub fn postgres(tag: &str) -> Option<Env> {
    let url = store_postgres::testing::database_url()?;
    static N: AtomicU32 = AtomicU32::new(0);
    let schema = format!("tianfu_test_web_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).expect("migrate");
    let (u2, s2) = (url.clone(), schema.clone());
    let opener: web::Opener = Arc::new(move || Ok(Box::new(store_postgres::PgStore::connect_with_schema(&u2, &s2)?) as Box<dyn Backend>));
    let cleanup: Box<dyn FnOnce() + Send> = Box::new(move || {
        if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    });
    Some(build(tag, opener, Some(cleanup)))
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub location: String,
    pub set_cookie: Vec<String>,
    pub body: String,
    pub bytes: Vec<u8>,
}

/// How a request authenticates.
#[derive(Clone, Debug, Default)]
pub struct Auth {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

pub async fn send(env: &Env, method: &str, uri: &str, auth: &Auth, form: Option<&str>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(c) = &auth.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(t) = &auth.bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match form {
        Some(f) => b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(f.to_string())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let location = r.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let set_cookie = r.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
    let id = request_id(&r);
    let bytes = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, location, set_cookie, body: redact(&id, &bytes), bytes }
}

/// The response's `X-Request-Id`.
pub fn request_id(r: &axum::response::Response) -> String {
    r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// The body as text with the request's id (new on every request, shown on error pages and in
/// error envelopes) replaced by `{request_id}`: answers that must not differ compare equal.
pub fn redact(id: &str, bytes: &[u8]) -> String {
    let body = String::from_utf8_lossy(bytes).into_owned();
    if id.is_empty() {
        body
    } else {
        body.replace(id, "{request_id}")
    }
}

pub fn enc(s: &str) -> String {
    web::render::urlencode(s)
}

/// The sign-in form's pre-session cookie (`tianfu_login=…`) and the token the form repeats.
pub async fn login_form(env: &Env) -> (String, String) {
    let page = send(env, "GET", "/login", &Auth::default(), None).await;
    let cookie = page.set_cookie.iter().find(|c| c.starts_with("tianfu_login=")).expect("login cookie").split(';').next().unwrap().to_string();
    let token = csrf_of(&page.body).expect("login form token");
    assert_eq!(cookie.strip_prefix("tianfu_login=").unwrap(), token, "double submit");
    (cookie, token)
}

/// One sign-in attempt through the form (its CSRF cookie and token included).
pub async fn try_login(env: &Env, name: &str, password: &str) -> Resp {
    let (cookie, token) = login_form(env).await;
    let a = Auth { cookie: Some(cookie), ..Default::default() };
    send(env, "POST", "/login", &a, Some(&format!("_csrf={token}&name={}&password={}&next=/", enc(name), enc(password)))).await
}

/// Signs in and returns the session cookie and its CSRF token.
pub async fn login(env: &Env, name: &str, password: &str) -> Auth {
    let r = try_login(env, name, password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "login {name}: {}", r.body);
    let auth = Auth { cookie: Some(session_of(&r)), ..Default::default() };
    with_csrf(env, auth).await
}

/// The session cookie a sign-in set.
pub fn session_of(r: &Resp) -> String {
    r.set_cookie.iter().find(|c| c.starts_with("tianfu_session=")).expect("session cookie").split(';').next().unwrap().to_string()
}

/// A session's CSRF token, read from a page.
pub async fn with_csrf(env: &Env, mut auth: Auth) -> Auth {
    let page = send(env, "GET", "/password", &auth, None).await;
    auth.csrf = csrf_of(&page.body);
    auth
}

pub fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

/// A multipart upload of one file with an entity (and the CSRF token in the first part, as the
/// console's form sends it).
pub async fn upload(env: &Env, auth: &Auth, entity: &str, file_name: &str, bytes: &[u8]) -> Resp {
    upload_with(env, auth, entity, file_name, bytes, false).await
}

pub async fn upload_with(env: &Env, auth: &Auth, entity: &str, file_name: &str, bytes: &[u8], force: bool) -> Resp {
    let boundary = "----tianfu-test-boundary";
    let mut body = csrf_part(boundary, auth);
    if force {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"force\"\r\n\r\n1\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"entity\"\r\n\r\n{entity}\r\n").as_bytes());
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut b = Request::builder().method("POST").uri("/imports");
    if let Some(c) = &auth.cookie {
        b = b.header(header::COOKIE, c);
    }
    let req = b.header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}")).body(Body::from(body)).unwrap();
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let location = r.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, location, set_cookie: vec![], body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
}

/// The first part of a console upload: the session's CSRF token (never in the query string).
pub fn csrf_part(boundary: &str, auth: &Auth) -> Vec<u8> {
    match &auth.csrf {
        Some(t) => format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{t}\r\n").into_bytes(),
        None => Vec::new(),
    }
}

/// A JSON request (with the session's CSRF token in the header, as scripts send it).
pub async fn api_json(env: &Env, method: &str, uri: &str, auth: &Auth, body: &serde_json::Value) -> (StatusCode, serde_json::Value) {
    let mut b = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = &auth.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(t) = &auth.csrf {
        b = b.header("x-csrf-token", t);
    }
    if let Some(t) = &auth.bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let r = env.app.router.clone().oneshot(b.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = r.status();
    let id = request_id(&r);
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_str(&redact(&id, &bytes)).unwrap_or(serde_json::Value::Null))
}

/// The site register's import form: one file.
pub async fn upload_sites(env: &Env, auth: &Auth, file_name: &str, bytes: &[u8]) -> Resp {
    let boundary = "----tianfu-upload-boundary";
    let mut body = csrf_part(boundary, auth);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/sites/import")
        .header(header::COOKIE, auth.cookie.clone().unwrap_or_default())
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let id = request_id(&r);
    let bytes = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, location: String::new(), set_cookie: vec![], body: redact(&id, &bytes), bytes }
}

/// A console upload of one file (`file`) to `uri`, the CSRF token in the first part.
pub async fn upload_file(env: &Env, auth: &Auth, uri: &str, file_name: &str, bytes: &[u8]) -> Resp {
    let boundary = "----tianfu-upload-boundary";
    let mut body = csrf_part(boundary, auth);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, auth.cookie.clone().unwrap_or_default())
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let id = request_id(&r);
    let bytes = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, location: String::new(), set_cookie: vec![], body: redact(&id, &bytes), bytes }
}

/// An API request with raw bytes as the body (a file), the session's CSRF token in the header.
pub async fn api_bytes(env: &Env, method: &str, uri: &str, auth: &Auth, content_type: &str, body: Vec<u8>) -> (StatusCode, serde_json::Value) {
    let mut b = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, content_type);
    if let Some(c) = &auth.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(t) = &auth.csrf {
        b = b.header("x-csrf-token", t);
    }
    if let Some(t) = &auth.bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let r = env.app.router.clone().oneshot(b.body(Body::from(body)).unwrap()).await.unwrap();
    let status = r.status();
    let id = request_id(&r);
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_str(&redact(&id, &bytes)).unwrap_or(serde_json::Value::Null))
}

/// A URL-encoded form body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
}

/// A CSV file of records with the template's English keys as headers.
pub fn csv_of(entity: store::Entity, rows: &[Vec<String>]) -> Vec<u8> {
    let t = entity.template();
    let mut s = t.fields.iter().map(|f| f.key).collect::<Vec<_>>().join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&r.iter().map(|v| format!("\"{}\"", v.replace('"', "\"\""))).collect::<Vec<_>>().join(","));
        s.push('\n');
    }
    s.into_bytes()
}
