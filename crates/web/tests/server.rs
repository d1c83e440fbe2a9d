//! The real server over TCP (`web::run` on port 0, a real HTTP client): request ids, health and
//! readiness, and `/metrics` with its address rule. On SQLite, and on PostgreSQL when
//! TIANFU_TEST_DATABASE_URL is set.
//!
//! The client connects from 127.0.0.1 (an ordinary client) or from 127.0.0.2, configured as a
//! trusted reverse proxy: only the proxy's `X-Request-Id` and `X-Forwarded-For` are believed.

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use store::Backend;

/// The process's log as JSON lines, captured from every thread (installed once per test binary).
fn log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let b = buf.clone();
        let sub = tracing_subscriber::fmt().json().with_current_span(false).with_span_list(true).with_writer(move || Capture(b.clone())).finish();
        tracing::subscriber::set_global_default(sub).unwrap();
        buf
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Answer {
    status: u16,
    id: String,
    content_type: String,
    body: String,
}

/// One GET over a new connection from the address `from`.
async fn get(server: SocketAddr, from: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let stream = sock.connect(server).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::builder().uri(path).header("host", "tianfu.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = send.send_request(req.body(Empty::<Bytes>::new()).unwrap()).await.unwrap();
    let h = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (status, id, content_type) = (resp.status().as_u16(), h("x-request-id"), h("content-type"));
    let body = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Answer { status, id, content_type, body }
}

/// A counter's value in a `/metrics` page (0 when absent).
fn sample(page: &str, series: &str) -> u64 {
    page.lines().find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' '))).map_or(0, |v| v.trim().parse().unwrap())
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(tag: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("tianfu-web-server-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

/// Runs the scenario on a store from `opener`; `gone` takes the database away.
async fn scenario(tag: &str, dir: &Path, opener: web::Opener, gone: impl FnOnce() + Send + 'static) {
    let log = log();
    let config = web::Config { data_dir: dir.join("data").display().to_string(), trusted_proxies: vec!["127.0.0.2".into()], pool_size: 2, ..Default::default() };
    // A first start: the administrator, and with it the audit log's first entry and checkpoint.
    let audited = web::audited(&config, opener.clone());
    tokio::task::spawn_blocking(move || {
        let mut s = audited().unwrap();
        web::ensure_admin(s.as_mut(), 51).unwrap().expect("a new administrator");
    })
    .await
    .unwrap();
    let app = web::build(config, opener.clone());
    let pool = app.state.pool.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web::run(app, listener, async {
        let _ = stopped.await;
    }));

    // Health, with a new request id on every answer.
    let a = get(addr, "127.0.0.1", "/healthz", &[]).await;
    assert_eq!((a.status, a.body.as_str()), (200, "{\"status\":\"ok\"}"));
    assert_eq!(a.id.len(), 17, "a request id: {:?}", a.id);
    let b = get(addr, "127.0.0.1", "/healthz", &[]).await;
    assert_ne!(a.id, b.id);
    // An id from an ordinary client is not taken; a trusted proxy's is, when it is sane.
    let forged = get(addr, "127.0.0.1", "/healthz", &[("x-request-id", "forged-1")]).await;
    assert_ne!(forged.id, "forged-1");
    let proxied = get(addr, "127.0.0.2", "/healthz", &[("x-request-id", "edge-42")]).await;
    assert_eq!(proxied.id, "edge-42");
    let insane = get(addr, "127.0.0.2", "/healthz", &[("x-request-id", "a b<script>")]).await;
    assert!(insane.id.len() == 17 && !insane.id.contains(' '), "{:?}", insane.id);
    // The id is in the JSON error envelope too.
    let missing = get(addr, "127.0.0.2", "/api/v1/no-such-thing", &[("x-request-id", "edge-43")]).await;
    assert_eq!(missing.status, 404);
    let v: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
    assert_eq!(v["error"]["request_id"], "edge-43", "{}", missing.body);
    // … and on the error page.
    let page = get(addr, "127.0.0.2", "/no-such-page", &[("x-request-id", "edge-44")]).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("<code>edge-44</code>"), "{}", page.body);

    // Ready: the database opens and the audit log agrees with its checkpoint.
    let r = get(addr, "127.0.0.1", "/readyz", &[]).await;
    assert_eq!((r.status, r.body.as_str()), (200, "{\"status\":\"ready\"}"));
    // Without its audit key the server cannot write the log: not ready (and no new key is made).
    let key = dir.join("data").join("secret.key");
    std::fs::rename(&key, key.with_extension("away")).unwrap();
    let r = get(addr, "127.0.0.1", "/readyz", &[]).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["reason"], "audit_keys");
    assert!(!key.exists(), "the probe made no key");
    std::fs::rename(key.with_extension("away"), &key).unwrap();
    // A checkpoint that does not verify (written by someone without the key).
    let head = dir.join("data").join("audit.head");
    let good = std::fs::read(&head).unwrap();
    std::fs::write(&head, String::from_utf8(good.clone()).unwrap().replace("\"id\":", "\"id\":9")).unwrap();
    let r = get(addr, "127.0.0.1", "/readyz", &[]).await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["reason"], "audit_checkpoint_invalid", "{}", r.body);
    std::fs::write(&head, good).unwrap();
    assert_eq!(get(addr, "127.0.0.1", "/readyz", &[]).await.status, 200);

    // /metrics: this machine may read it; a client behind the proxy, or the proxy, may not.
    let m1 = get(addr, "127.0.0.1", "/metrics", &[]).await;
    assert_eq!(m1.status, 200, "{}", m1.body);
    assert_eq!(m1.content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert!(m1.body.contains("# TYPE tianfu_http_requests_total counter"), "{}", m1.body);
    assert!(m1.body.contains("tianfu_db_pool_connections{state=\"max\"} 2\n"), "{}", m1.body);
    assert!(m1.body.contains("tianfu_import_queue_depth 0\n"), "{}", m1.body);
    let outside = get(addr, "127.0.0.2", "/metrics", &[("x-forwarded-for", "203.0.113.7")]).await;
    assert_eq!(outside.status, 404);
    assert!(!outside.body.contains("tianfu_http"), "{}", outside.body);
    assert_eq!(get(addr, "127.0.0.2", "/metrics", &[]).await.status, 404, "the proxy itself is not allowed either");
    // Requests are counted by route template and status, never by the path asked for.
    let healthz = "tianfu_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}";
    let before = sample(&m1.body, healthz);
    assert!(before >= 5, "{}", m1.body);
    for _ in 0..3 {
        get(addr, "127.0.0.1", "/healthz", &[]).await;
    }
    get(addr, "127.0.0.1", "/schools/510104199001011234?q=%E5%BC%A0%E4%B8%89", &[]).await;
    let m2 = get(addr, "127.0.0.1", "/metrics", &[]).await;
    assert!(sample(&m2.body, healthz) >= before + 3, "{}", m2.body);
    assert!(m2.body.contains("route=\"/schools/{code}\""), "{}", m2.body);
    assert!(!m2.body.contains("510104199001011234") && !m2.body.contains("%E5"), "no raw paths: {}", m2.body);
    assert!(m2.body.contains("tianfu_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}"), "{}", m2.body);

    // An import counts its batch and rows.
    let rows_before = sample(&m2.body, "tianfu_import_rows_total{entity=\"school\",outcome=\"inserted\"}");
    let batches_before = sample(&m2.body, "tianfu_import_batches_total{entity=\"school\",outcome=\"ok\"}");
    let demo = dir.join("demo");
    demo::generate(&demo::GenOptions::new(2_000, 7, standard::Date::today()), &demo).unwrap();
    let schools = demo.join("schools.csv");
    let open = web::audited(&web::Config { data_dir: dir.join("data").display().to_string(), ..Default::default() }, opener.clone());
    let o = tokio::task::spawn_blocking(move || {
        let mut s = open().unwrap();
        let o = loader::ImportOptions {
            validate: ingest::Options::new(standard::Entity::School),
            user: "admin".into(),
            force: false,
            progress: None,
            file_name: None,
            file_hash: None,
            scope: store::Scope::all(),
        };
        loader::import_file(s.as_mut(), &schools, o).map_err(|f| f.en).unwrap()
    })
    .await
    .unwrap();
    assert!(o.inserted > 0 && o.rejected > 0, "{o:?}");
    let m3 = get(addr, "127.0.0.1", "/metrics", &[]).await;
    assert!(sample(&m3.body, "tianfu_import_rows_total{entity=\"school\",outcome=\"inserted\"}") >= rows_before + o.inserted, "{}", m3.body);
    assert!(sample(&m3.body, "tianfu_import_batches_total{entity=\"school\",outcome=\"ok\"}") > batches_before, "{}", m3.body);

    // The database goes away: not ready, with a reason and nothing about where it was.
    let p = pool.clone();
    tokio::task::spawn_blocking(move || {
        p.close();
        gone();
    })
    .await
    .unwrap();
    let r = get(addr, "127.0.0.1", "/readyz", &[]).await;
    assert_eq!(r.status, 503, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["reason"], "database", "{}", r.body);
    assert!(v["message_zh"].as_str().unwrap().contains("数据库"));
    assert!(!r.body.contains("tianfu-web-server"), "no paths: {}", r.body);
    // A request that needs the database fails with 503, and its error is logged inside its
    // span, with the id the answer gives (the error page's "已记录" is true).
    let id = format!("edge-{tag}-503");
    let failed = get(addr, "127.0.0.2", "/api/v1/students", &[("authorization", "Bearer tf_x"), ("x-request-id", &id)]).await;
    assert_eq!(failed.status, 503, "{}", failed.body);
    let v: serde_json::Value = serde_json::from_str(&failed.body).unwrap();
    assert_eq!(v["error"]["request_id"], id.as_str());
    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    let line = text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).find(|l| l["fields"]["message"] == "request failed" && l["spans"][0]["request_id"] == id.as_str());
    let line = line.unwrap_or_else(|| panic!("no error logged for {id}: {text}"));
    assert_eq!((line["level"].as_str(), line["spans"][0]["route"].as_str()), (Some("ERROR"), Some("/api/v1/students")), "{line}");
    // Alive all the same.
    assert_eq!(get(addr, "127.0.0.1", "/healthz", &[]).await.status, 200);

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    tokio::task::spawn_blocking(move || pool.close()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_server_on_sqlite() {
    let dir = temp("sqlite");
    let db_dir = dir.0.join("db");
    let path = db_dir.join("tianfu.db");
    let opener: web::Opener = Arc::new(move || Ok(Box::new(store_sqlite::SqliteStore::open(&path)?) as Box<dyn Backend>));
    // The database's volume is gone: a file where its folder was (nothing can be created there).
    let gone = move || {
        std::fs::rename(&db_dir, db_dir.with_extension("moved")).unwrap();
        std::fs::write(&db_dir, b"not a folder").unwrap();
    };
    scenario("sqlite", &dir.0, opener, gone).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_server_on_postgres() {
    let Some(url) = store_postgres::testing::database_url() else { return };
    let dir = temp("postgres");
    let schema = format!("tianfu_test_web_server_{}", std::process::id());
    let (u, s) = (url.clone(), schema.clone());
    // The PostgreSQL client blocks on a runtime of its own.
    tokio::task::spawn_blocking(move || store_postgres::PgStore::connect_with_schema_and_migrate(&u, &s).map(drop).expect("migrate")).await.unwrap();
    let (u2, s2) = (url.clone(), schema.clone());
    let opener: web::Opener = Arc::new(move || Ok(Box::new(store_postgres::PgStore::connect_with_schema(&u2, &s2)?) as Box<dyn Backend>));
    let drop_schema = move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();
    };
    scenario("postgres", &dir.0, opener, drop_schema).await;
}
