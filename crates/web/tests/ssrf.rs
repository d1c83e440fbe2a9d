//! SSRF through the site monitor (issue 10), in the console and the API: a county officer
//! cannot register or edit a site whose address is, or whose name resolves to, loopback,
//! link-local (the metadata address), private or another reserved address, written in any form
//! a browser accepts — by the form, the API or a CSV/XLSX import; a network the configuration
//! allows can be registered; and the page of a site registered before the policy existed shows
//! nothing fetched from it once the worker (which never connects to it) has checked it. On
//! SQLite, and on PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use store::monitor::{NewSite, SiteCategory, Snapshot};

const REFUSED: &str = "该地址属于内网/保留地址，不能作为监测目标；如确需监测内网网站，请由省级管理员在配置中放行该网段";




fn site_count(env: &Env) -> usize {
    with_store(env, |s| s.sites(&store::Scope::Region { lo: 0, hi: 999_999 }, &store::SiteQuery { include_disabled: true, limit: 500, ..Default::default() }).unwrap().rows.len())
}

/// The URLs of the findings and their disguises; `intranet.test` and `metadata.test`
/// are pinned to 127.0.0.1/::1 and 169.254.169.254 by the tests' resolver.
const INTERNAL: &[&str] = &[
    "http://127.0.0.1:5432/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0177.0.0.1:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::1]:8080/",
    "http://[fd00::1]/",
    "http://100.64.0.1/",
    "http://localhost:6379/",
    "http://intranet.test:8080/",
    "http://metadata.test/",
];

async fn registration(mut env: Env) {
    let p = env.places.clone();
    let county = login(&env, "county", PASSWORD).await;
    let csrf = county.csrf.clone().unwrap();
    let before = site_count(&env);
    for url in INTERNAL {
        let f = form(&[("_csrf", &csrf), ("name", "内网"), ("url", url), ("org_code", &p.county.to_string()), ("category", "bureau"), ("interval_minutes", "5")]);
        let r = send(&env, "POST", "/sites/new", &county, Some(&f)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "console {url}: {}", r.body);
        assert!(r.body.contains(REFUSED) && r.body.contains("id=\"form-error\""), "console {url}: {}", r.body);
        if url.contains(".test") {
            for leaked in ["127.0.0.1", "169.254", "::1"] {
                assert!(!r.body.contains(leaked), "{url}: what the name resolved to is not shown ({leaked})");
            }
        }
        let (st, v) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "内网", "url": url, "org_code": p.county, "category": "bureau"})).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "api {url}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("内网/保留地址"), "api {url}: {v}");
    }
    // Malformed hosts are refused as such.
    let (st, v) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "区域标识", "url": "http://[fe80::1%25eth0]/", "org_code": p.county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("网址无效"), "{v}");
    let (st, v) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "带账号", "url": "http://www.scu.edu.cn@127.0.0.1/", "org_code": p.county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("用户名或密码"), "{v}");
    assert_eq!(site_count(&env), before, "nothing was registered");

    // Editing an own site to point inward is refused; it keeps its URL.
    let own = env.own_site;
    let old_url = with_store(&env, |s| s.site(own).unwrap().unwrap().url);
    let f = form(&[("_csrf", &csrf), ("name", "本县学校门户网站"), ("url", "http://10.1.2.3/"), ("org_code", &p.school), ("category", "school"), ("interval_minutes", "30")]);
    let r = send(&env, "POST", &format!("/sites/{own}/edit"), &county, Some(&f)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains(REFUSED), "{}", r.body);
    let (st, _) = api_json(&env, "PUT", &format!("/api/v1/sites/{own}"), &county, &serde_json::json!({"name": "x", "url": "http://0x7f.1/", "org_code": p.school, "category": "school"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(with_store(&env, |s| s.site(own).unwrap().unwrap().url), old_url);

    // Imports: every internal row rejected with the reason, the public ones registered.
    let mut csv = String::from("名称,网址,单位代码,类别,检查间隔\n公网门户,https://portal.test/,COUNTY,教育局,5\n未解析的名称,https://not-yet.example.edu.cn/,COUNTY,教育局,5\n");
    for (i, url) in INTERNAL.iter().enumerate() {
        csv.push_str(&format!("内网{i},{url},COUNTY,教育局,5\n"));
    }
    let csv = csv.replace("COUNTY", &p.county.to_string());
    let r = upload_sites(&env, &county, "sites.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"rows-inserted\">2<") && r.body.contains(&format!("id=\"rows-rejected\">{}<", INTERNAL.len())), "{}", r.body);
    assert_eq!(r.body.matches(REFUSED).count(), INTERNAL.len(), "{}", r.body);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let cs = p.county.to_string();
    for (r, row) in [["name", "url", "org_code", "category"], ["元数据", "http://169.254.169.254/", cs.as_str(), "bureau"], ["十进制", "http://2130706433/", cs.as_str(), "bureau"]].iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let r = upload_sites(&env, &county, "sites.xlsx", &wb.save_to_buffer().unwrap()).await;
    assert!(r.body.contains("id=\"rows-inserted\">0<") && r.body.contains("id=\"rows-rejected\">2<") && r.body.matches(REFUSED).count() == 2, "{}", r.body);
    assert_eq!(site_count(&env), before + 2);

    // A network the configuration allows (a province administrator's file) can be registered.
    let mut config = env.app.state.config.clone();
    config.monitor.allow.push(web::config::AllowedNetwork { name: "本机测试网段".into(), cidr: "127.0.0.0/8".into() });
    let allowing = web::build_with_resolver(config, env.opener.clone(), pinned_names());
    let old = std::mem::replace(&mut env.app, allowing);
    blocking(move || old.state.pool.close());
    let county = login(&env, "county", PASSWORD).await;
    let (st, v) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "城域网站点", "url": "http://0x7f.1:8080/", "org_code": p.county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, _) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "仍不允许", "url": "http://10.1.2.3/", "org_code": p.county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "only the allowed network");
    // intranet.test also has ::1, which is not allowed: a name with a permitted address passes.
    let (st, _) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "内网名称", "url": "http://intranet.test/", "org_code": p.county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_targets_refused_at_registration_sqlite() {
    registration(sqlite("ssrf-reg")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_targets_refused_at_registration_postgres() {
    let Some(env) = blocking(|| postgres("ssrf-reg")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL SSRF registration test");
        return;
    };
    registration(env).await;
}

/// A loopback server with a secret page that counts the connections it accepts.
async fn secret_server() -> (u16, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let count = n.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf).await;
            let body = "<html><body><p>db password: hunter2</p></body></html>";
            let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes()).await;
        }
    });
    (port, n)
}

async fn site_page(env: Env) {
    let p = env.places.clone();
    let (port, connections) = secret_server().await;
    // Registered before the policy existed, straight into the store, with pages kept from then
    // (a baseline and a newer snapshot whose diff the page would show).
    let id = with_store(&env, |s| {
        let now = store::time::unix_now();
        let site = s.create_site(&store::Scope::all(), &NewSite { name: "旧内网站点".into(), url: format!("http://intranet.test:{port}/"), org_code: p.county as i64, category: SiteCategory::Bureau, interval_minutes: 5 }, now - 3600).unwrap();
        s.record_check(site.id, &check_at(now - 1200, true, 10, &[]), Some(&Snapshot { at: now - 1200, fingerprint: "v1:old".into(), text: "内部管理系统\ndb password: hunter1".into() }), now - 600).unwrap();
        assert!(s.accept_baseline(&store::Scope::all(), site.id, "security", now - 1100).unwrap());
        s.record_check(site.id, &check_at(now - 600, true, 10, &[]), Some(&Snapshot { at: now - 600, fingerprint: "v1:new".into(), text: "内部管理系统\ndb password: hunter2".into() }), now - 10).unwrap();
        site.id
    });
    let county = login(&env, "county", PASSWORD).await;
    let r = send(&env, "GET", &format!("/sites/{id}"), &county, None).await;
    assert!(r.body.contains("hunter2"), "before the policy the page showed the diff: the test sees what it must hide");

    // The worker, with the default policy, checks it without connecting.
    let mut pins = guard::StaticResolver::new();
    pins.insert("intranet.test", "127.0.0.1".parse().unwrap());
    let prober = Arc::new(guard::Prober::new(guard::Config { timeout: std::time::Duration::from_secs(5), ..guard::Config::default() }, Arc::new(pins)).unwrap());
    let opener = env.opener.clone();
    let worker_opener: guard::worker::Opener = Arc::new(move || {
        let s: Box<dyn store::Monitor + Send> = opener()?;
        Ok(s)
    });
    let w = guard::worker::Worker::new(&worker_opener, prober, guard::worker::Options { worker_id: "ssrf".into(), ..Default::default() }).await.unwrap();
    let c = w.cycle_at(store::time::unix_now()).await.unwrap();
    assert!(c.checked >= 1, "{c:?}");
    drop(w);
    assert_eq!(connections.load(Ordering::SeqCst), 0, "the worker never connected");

    let r = send(&env, "GET", &format!("/sites/{id}"), &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("data-kind=\"target_forbidden\"") && r.body.contains("id=\"baseline-forbidden\""), "{}", r.body);
    for hidden in ["hunter1", "hunter2", "baseline-diff", "accept-baseline", "127.0.0.1"] {
        assert!(!r.body.contains(hidden), "the page shows nothing fetched from the target ({hidden})");
    }
    let (_, v) = api_json(&env, "GET", &format!("/api/v1/sites/{id}"), &county, &serde_json::Value::Null).await;
    assert_eq!(v["last_check"]["findings"], serde_json::json!(["target_forbidden"]), "{v}");
    assert!(v["last_check"]["v4"]["status"].is_null() && v["last_check"]["tls_grade"].is_null() && v["last_check"]["header_score"].is_null(), "{v}");
    assert!(!v.to_string().contains("hunter"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_site_shows_no_content_sqlite() {
    site_page(sqlite("ssrf-page")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_site_shows_no_content_postgres() {
    let Some(env) = blocking(|| postgres("ssrf-page")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL SSRF site page test");
        return;
    };
    site_page(env).await;
}
