//! The worker end to end: three sites served on 127.0.0.1, a SQLite store, a webhook receiver.
//! One cycle stores every result and opens an alert for each site that is down (one notice
//! each); the next, after a site came back, resolves its alert and sends the recovery notice.

mod capture;
mod fixture;

use fixture::{handler, serve, Response};
use guard::webhook::{WebhookKind, WebhookTarget};
use guard::worker::{Opener, Options, Worker};
use guard::{Config, Prober, StaticResolver};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::monitor::{Monitor, NewSite, SiteCategory, SiteState};
use store::Scope;
use store_sqlite::SqliteStore;

const HOME: &str = "<html><body><h1>锦江区教育局</h1><p>欢迎访问本站，这里发布教育新闻与通知公告。</p></body></html>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cycle_then_recovery() {
    let dir = std::env::temp_dir().join(format!("tianfu-worker-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    let s = SqliteStore::open(&path).unwrap();
    let p = path.clone();
    let opener: Opener = Arc::new(move || Ok(Box::new(SqliteStore::open(&p)?) as Box<dyn Monitor + Send>));
    one_cycle_then_recovery_on(Box::new(s), opener).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The same on PostgreSQL (`TIANFU_TEST_DATABASE_URL`), in a schema of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cycle_then_recovery_postgres() {
    let Some(url) = store_postgres::testing::database_url() else {
        eprintln!("TIANFU_TEST_DATABASE_URL is not set; skipping the PostgreSQL worker test");
        return;
    };
    let schema = format!("tianfu_test_worker_{}", std::process::id());
    let (s, _) = b(|| store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema)).unwrap();
    let (u, sc) = (url.clone(), schema.clone());
    let opener: Opener = Arc::new(move || Ok(Box::new(store_postgres::PgStore::connect_with_schema(&u, &sc)?) as Box<dyn Monitor + Send>));
    one_cycle_then_recovery_on(Box::new(s), opener).await;
    b(|| {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
    });
}

async fn one_cycle_then_recovery_on(mut s: Box<dyn Monitor + Send>, opener: Opener) {
    let up = serve(true, false, None, handler(|_| Response::html(HOME))).await;
    let down = serve(true, false, None, handler(|_| Response::status(503, "维护中"))).await;
    let flaky_ok = Arc::new(AtomicBool::new(false));
    let f = flaky_ok.clone();
    let flaky = serve(true, false, None, handler(move |_| if f.load(Ordering::SeqCst) { Response::html(HOME) } else { Response::status(502, "bad gateway") })).await;
    let (hook_port, mut hooks) = capture::receiver("{}").await;
    // A target kept in the database (the console's), and a disabled one that hears nothing.
    let (console_port, mut console_hooks) = capture::receiver("{}").await;
    let stored = |name: &str, path: &str, enabled: bool| store::monitor::StoredWebhook { id: 0, name: name.into(), kind: "generic".into(), url: format!("http://127.0.0.1:{console_port}/{path}"), secret: Some("s".into()), enabled, created_by: "admin".into(), created_at: 0 };
    b(|| s.add_webhook(&Scope::all(), &stored("值班群", "on", true))).unwrap();
    b(|| s.add_webhook(&Scope::all(), &stored("已停用", "off", false))).unwrap();

    let mut r = StaticResolver::new();
    for h in ["up.test", "down.test", "flaky.test"] {
        r.insert(h, IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let prober = Arc::new(Prober::new(Config { timeout: Duration::from_secs(5), policy: fixture::loopback(), ..Config::default() }, Arc::new(r)).unwrap());

    let now = store::time::unix_now();
    let site = |name: &str, host: &str, port: u16| NewSite { name: name.into(), url: format!("http://{host}:{port}/"), org_code: 510104, category: SiteCategory::Bureau, interval_minutes: 5 };
    b(|| s.upsert_sites(&store::Scope::all(), &[site("正常站", "up.test", up), site("故障站", "down.test", down), site("波动站", "flaky.test", flaky)], now - 10)).unwrap();

    let options = Options {
        worker_id: "test-worker".into(),
        concurrency: 2,
        webhooks: vec![WebhookTarget { kind: WebhookKind::Generic, url: format!("http://127.0.0.1:{hook_port}/hook"), secret: Some("k".into()) }],
        public_url: Some("https://tianfu.example.gov.cn/".into()),
        ..Options::default()
    };
    let w = Worker::new(&opener, prober, options).await.unwrap();

    // The process's metrics count the checks and their findings (other tests count too: at least).
    let m = telemetry::global();
    let down = [("result", "down")];
    let (checks0, down0, unreachable0) = (m.total("tianfu_monitor_checks_total"), m.counter("tianfu_monitor_checks_total", &down), m.total("tianfu_monitor_findings_total"));
    let r1 = w.cycle_at(now).await.unwrap();
    assert_eq!((r1.claimed, r1.checked, r1.alerts_opened, r1.alerts_resolved, r1.notices_sent, r1.notice_errors), (3, 3, 2, 0, 4, 0), "{r1:?}");
    assert!(m.total("tianfu_monitor_checks_total") >= checks0 + 3);
    assert!(m.counter("tianfu_monitor_checks_total", &down) >= down0 + 2, "{}", m.render());
    assert!(m.total("tianfu_monitor_findings_total") >= unreachable0 + 2, "{}", m.render());
    assert!(r1.compacted);
    let all = b(|| s.sites(&Scope::Region { lo: 510104, hi: 510104 }, &store::SiteQuery { limit: 10, ..Default::default() })).unwrap().rows;
    let by = |n: &str| all.iter().find(|x| x.name == n).unwrap().clone();
    assert_eq!((by("正常站").state, by("故障站").state, by("波动站").state), (SiteState::Up, SiteState::Down, SiteState::Down));
    for x in &all {
        assert_eq!(b(|| s.history(x.id, 0, i64::MAX)).unwrap().raw.len(), 1, "{}", x.name);
        assert!(x.claimed_by.is_none() && x.next_due > now + 200, "released and scheduled: {x:?}");
    }
    let open = b(|| s.list_alerts(&Scope::Region { lo: 510000, hi: 519999 }, true, 10)).unwrap();
    assert_eq!(open.len(), 2);
    assert!(open.iter().all(|a| a.kind == "down"));
    let mut got: Vec<serde_json::Value> = (0..2).map(|_| hooks.try_recv().expect("a notice per new alert").json()).collect();
    got.sort_by_key(|v| v["site"]["name"].as_str().unwrap().to_string());
    assert_eq!(got.iter().map(|v| (v["event"].as_str().unwrap(), v["site"]["name"].as_str().unwrap())).collect::<Vec<_>>(), [("alert", "故障站"), ("alert", "波动站")]);
    assert!(hooks.try_recv().is_err());
    // Each notice links to its alert in the console.
    for v in &got {
        let a = open.iter().find(|a| a.site_id == by(v["site"]["name"].as_str().unwrap()).id).unwrap();
        assert_eq!(v["link"].as_str(), Some(format!("https://tianfu.example.gov.cn/alerts/{}", a.id).as_str()));
    }
    // The console's enabled target got both, the disabled one nothing.
    for _ in 0..2 {
        let h = console_hooks.try_recv().expect("the console's target is notified");
        assert_eq!(h.target, "/on");
        assert!(h.json()["link"].as_str().unwrap().contains("/alerts/"));
    }
    assert!(console_hooks.try_recv().is_err());

    // Nothing is due a minute later.
    assert_eq!(w.cycle_at(now + 60).await.unwrap().claimed, 0);

    // The flaky site comes back; ten minutes on, everything is due again.
    flaky_ok.store(true, Ordering::SeqCst);
    let r2 = w.cycle_at(now + 600).await.unwrap();
    assert_eq!((r2.checked, r2.alerts_opened, r2.alerts_resolved, r2.notices_sent), (3, 0, 1, 2), "{r2:?}");
    let v = hooks.try_recv().expect("the recovery notice").json();
    assert_eq!((v["event"].as_str(), v["kind"].as_str(), v["site"]["name"].as_str()), (Some("recovery"), Some("down"), Some("波动站")));
    assert!(v["title"].as_str().unwrap().starts_with("【恢复】"));
    assert!(hooks.try_recv().is_err(), "the site still down is not announced again");
    let open = b(|| s.list_alerts(&Scope::Region { lo: 510000, hi: 519999 }, true, 10)).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].count, by("故障站").id), (2, open[0].site_id));
    drop(w);
    b(move || drop(s));
}

/// A call of the synchronous store from the test's runtime (PostgreSQL's client blocks).
fn b<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// A server on 127.0.0.1 that takes 150 ms per request and counts requests in flight, in all
/// and per Host header; its port and the (global, per host) maxima.
async fn slow_server() -> (u16, Arc<std::sync::Mutex<(usize, usize, std::collections::HashMap<String, (usize, usize)>)>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    // (in flight, max in flight, host -> (in flight, max))
    let state = Arc::new(std::sync::Mutex::new((0usize, 0usize, std::collections::HashMap::<String, (usize, usize)>::new())));
    let st = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else { return };
            let st = st.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 2048];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&buf).to_lowercase();
                let host = text.lines().find_map(|l| l.strip_prefix("host: ")).unwrap_or("").trim().to_string();
                {
                    let mut g = st.lock().unwrap();
                    g.0 += 1;
                    g.1 = g.1.max(g.0);
                    let h = g.2.entry(host.clone()).or_default();
                    h.0 += 1;
                    h.1 = h.1.max(h.0);
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
                {
                    let mut g = st.lock().unwrap();
                    g.0 -= 1;
                    g.2.get_mut(&host).unwrap().0 -= 1;
                }
                let body = HOME.as_bytes();
                let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(body).await;
            });
        }
    });
    (port, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_limit_and_one_check_per_host() {
    let (port, state) = slow_server().await;
    let mut r = StaticResolver::new();
    for h in ["a.test", "b.test", "c.test"] {
        r.insert(h, IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let prober = Arc::new(Prober::new(Config { timeout: Duration::from_secs(5), policy: fixture::loopback(), ..Config::default() }, Arc::new(r)).unwrap());
    let mut s = SqliteStore::open_in_memory().unwrap();
    let now = store::time::unix_now();
    let mut sites = Vec::new();
    for h in ["a.test", "b.test", "c.test"] {
        for n in 0..3 {
            sites.push(NewSite { name: format!("{h}{n}"), url: format!("http://{h}:{port}/{n}"), org_code: 510104, category: SiteCategory::School, interval_minutes: 5 });
        }
    }
    s.upsert_sites(&store::Scope::all(), &sites, now - 10).unwrap();
    let store = Arc::new(std::sync::Mutex::new(Some(s)));
    // The in-memory store is handed over once: the worker takes the only connection.
    let opener: Opener = Arc::new(move || Ok(Box::new(store.lock().unwrap().take().expect("opened once")) as Box<dyn Monitor + Send>));
    let w = Worker::new(&opener, prober, Options { concurrency: 2, ..Options::default() }).await.unwrap();
    let r = w.cycle_at(now).await.unwrap();
    assert_eq!((r.claimed, r.checked), (9, 9));
    let g = state.lock().unwrap();
    assert_eq!(g.1, 2, "two checks at once, no more (and not one at a time)");
    assert_eq!(g.2.len(), 3);
    for (host, (_, max)) in &g.2 {
        assert_eq!(*max, 1, "one check at a time on {host}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_finishes_its_cycle_and_stops_on_shutdown() {
    let port = serve(true, false, None, handler(|_| Response::html(HOME))).await;
    let mut r = StaticResolver::new();
    r.insert("run.test", IpAddr::V4(Ipv4Addr::LOCALHOST));
    let prober = Arc::new(Prober::new(Config { timeout: Duration::from_secs(5), policy: fixture::loopback(), ..Config::default() }, Arc::new(r)).unwrap());
    let dir = std::env::temp_dir().join(format!("tianfu-worker-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    let mut s = SqliteStore::open(&path).unwrap();
    let site = NewSite { name: "站".into(), url: format!("http://run.test:{port}/"), org_code: 510104, category: SiteCategory::Other, interval_minutes: 5 };
    s.upsert_sites(&store::Scope::all(), &[site], store::time::unix_now() - 10).unwrap();
    let p = path.clone();
    let opener: Opener = Arc::new(move || Ok(Box::new(SqliteStore::open(&p)?) as Box<dyn Monitor + Send>));
    let w = Worker::new(&opener, prober, Options::default()).await.unwrap();
    // Shutdown is asked for before the loop starts: the first cycle still completes.
    w.run(std::future::ready(())).await.unwrap();
    let x = &s.sites(&Scope::Region { lo: 510104, hi: 510104 }, &store::SiteQuery { limit: 10, ..Default::default() }).unwrap().rows[0];
    assert_eq!((x.state, x.claimed_by.clone()), (SiteState::Up, None));
    drop(w);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A portal page: enough news lines for a stable fingerprint, links to two internal pages.
fn portal(news: &str) -> String {
    let items: String = (1..=12).map(|i| format!("<li><a href=\"/news/{i}.html\">{news}第{i}条：学校召开教育教学工作会议，部署本学期重点任务</a></li>")).collect();
    format!("<html><body><h1>锦江区教育局</h1><nav><a href=\"/a.html\">机构概况</a><a href=\"/b.html\">政务公开</a></nav><ul>{items}</ul><p>今天是 2026年11月29日，访问量 12345</p></body></html>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tamper_judged_against_the_accepted_baseline_and_crawls_rate_ipv6() {
    let dir = std::env::temp_dir().join(format!("tianfu-worker-base-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    let mut s = SqliteStore::open(&path).unwrap();
    let p = path.clone();
    let opener: Opener = Arc::new(move || Ok(Box::new(SqliteStore::open(&p)?) as Box<dyn Monitor + Send>));

    let tampered = Arc::new(AtomicBool::new(false));
    let t = tampered.clone();
    let port = serve(
        true,
        true,
        None,
        handler(move |req| match req.path.as_str() {
            "/" if t.load(Ordering::SeqCst) => Response::html("<html><body><h1>Hacked by someone</h1><p>网站已被控制，联系 QQ 10000</p></body></html>"),
            "/" => Response::html(&portal("要闻")),
            "/a.html" => Response::html("<html><body><a href=\"/c.html\">领导简介</a><a href=\"/\">首页</a></body></html>"),
            "/b.html" => Response::html("<html><body><a href=\"/c.html\">信息公开目录</a></body></html>"),
            "/c.html" => Response::html("<html><body>第三级页面</body></html>"),
            _ => Response::status(404, "没有这个页面"),
        }),
    )
    .await;
    let mut r = StaticResolver::new();
    r.insert("jj.test", IpAddr::V4(Ipv4Addr::LOCALHOST)).insert("jj.test", "::1".parse().unwrap());
    let prober = Arc::new(Prober::new(Config { timeout: Duration::from_secs(5), policy: fixture::loopback(), ..Config::default() }, Arc::new(r)).unwrap());
    let now = store::time::unix_now();
    let site = NewSite { name: "锦江区教育局".into(), url: format!("http://jj.test:{port}/"), org_code: 510104, category: SiteCategory::Bureau, interval_minutes: 5 };
    let id = s.create_site(&store::Scope::all(), &site, now - 10).unwrap().id;
    let w = Worker::new(&opener, prober, Options { worker_id: "w".into(), ..Options::default() }).await.unwrap();

    // Without a baseline nothing is judged, but the page is kept for a person to accept.
    let r1 = w.cycle_at(now).await.unwrap();
    assert_eq!((r1.checked, r1.alerts_opened), (1, 0), "{r1:?}");
    let snap = s.snapshot(id).unwrap().expect("the page is kept");
    assert!(snap.text.contains("锦江区教育局") && snap.fingerprint.starts_with("v1:"), "{snap:?}");
    assert!(s.accept_baseline(&store::Scope::all(), id, "security", now).unwrap());
    // Unchanged but for the date and the counter: no finding.
    let r2 = w.cycle_at(now + 600).await.unwrap();
    assert_eq!((r2.checked, r2.alerts_opened), (1, 0), "{r2:?}");
    // Defaced: confirmed by a re-fetch, raised as a tamper alert.
    tampered.store(true, Ordering::SeqCst);
    let r3 = w.cycle_at(now + 1200).await.unwrap();
    assert_eq!(r3.alerts_opened, 1, "{r3:?}");
    let open = s.site_alerts(id).unwrap();
    assert_eq!(open.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["tampered"]);
    let last = s.history(id, 0, i64::MAX).unwrap().raw.pop().unwrap();
    assert!(last.findings.iter().any(|f| f == "tampered"), "{last:?}");
    // A person renews the baseline (the change was meant): the alert is resolved by the next check.
    assert!(s.accept_baseline(&store::Scope::all(), id, "security", now + 1300).unwrap());
    assert!(s.baseline(id).unwrap().unwrap().page.text.contains("Hacked"));
    let r4 = w.cycle_at(now + 1800).await.unwrap();
    assert_eq!((r4.alerts_opened, r4.alerts_resolved), (0, 1), "{r4:?}");
    tampered.store(false, Ordering::SeqCst);

    // The depth crawl runs on its own schedule: levels 2 (/a, /b, news) and 3 (/c) over IPv6.
    let c = w.crawl_round_at(now).await.unwrap();
    assert_eq!((c.claimed, c.crawled), (1, 1));
    assert_eq!(w.crawl_round_at(now + 60).await.unwrap().claimed, 0, "not due again until tomorrow");
    let res = s.ipv6_results(&Scope::Region { lo: 510104, hi: 510104 }, None).unwrap();
    let crawl = res[0].crawl.expect("the crawl is recorded");
    assert!(crawl.l2_checked >= 2 && crawl.l3_checked >= 1, "{crawl:?}");
    assert_eq!((crawl.l2_ok, crawl.l3_ok), (2, crawl.l3_checked), "the news links answer 404 on both families: {crawl:?}");
    assert!(res[0].aaaa && res[0].home && res[0].probes == 4);
    assert!(!res[0].supported(), "12 of 14 second-level links fail: {res:?}");
    drop(w);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}
