//! SSRF regressions (issue 10): the probe, the crawl and the worker never connect to an address
//! the policy denies — not as the site, not after a lookup, not on a redirect, not for a crawled
//! link — and keep nothing of such a target. Real servers on loopback that count the
//! connections they accept; the policy under test allows only part of loopback, so that the
//! other part stands for the intranet.

mod fixture;

use fixture::{handler, serve, Response};
use guard::worker::{Opener, Options, Worker};
use guard::{Config, Kind, NetPolicy, Prober, SiteSpec, StaticResolver};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::monitor::{Monitor, NewSite, SiteCategory, SiteState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the "intranet" server says: nothing of it may ever reach a result or the store.
const SECRET: &str = "<html><body><h1>内部管理系统</h1><p>db password: hunter2</p></body></html>";
const HOME: &str = "<html><body><h1>锦江区教育局</h1><p>欢迎访问本站，这里发布教育新闻与通知公告。</p></body></html>";

/// A server at `ip` (port 0: any) that answers [`SECRET`] and counts the connections it accepts.
async fn counting(ip: &str, port: u16) -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind(SocketAddr::new(ip.parse().unwrap(), port)).await.expect("bind");
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let count = n.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else { return };
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{SECRET}", SECRET.len()).as_bytes()).await;
            });
        }
    });
    (port, n)
}

fn prober(policy: NetPolicy, pins: &[(&str, &str)]) -> Prober {
    let mut r = StaticResolver::new();
    for (host, ip) in pins {
        r.insert(host, ip.parse().unwrap());
    }
    Prober::new(Config { timeout: Duration::from_secs(5), policy, ..Config::default() }, Arc::new(r)).unwrap()
}

fn only(cidr: &str) -> NetPolicy {
    NetPolicy::default().allowing("测试", cidr).unwrap()
}

/// Nothing of the target in the result: one `target_forbidden` finding, no address, status,
/// chain, certificate, headers or page, and no trace of the secret anywhere in it.
fn assert_empty(r: &guard::CheckResult, what: &str) {
    assert_eq!(r.findings.iter().map(|f| f.kind).collect::<Vec<_>>(), [Kind::TargetForbidden], "{what}: {:#?}", r.findings);
    for f in [&r.ipv4, &r.ipv6] {
        assert!(!f.reachable && f.status.is_none() && f.chain.is_empty() && f.addresses.is_empty() && f.final_url.is_none() && f.size == 0, "{what}: {f:?}");
    }
    assert!(r.tls.is_none() && r.headers.is_none() && r.page.is_none() && r.dns.a.is_empty() && r.dns.aaaa.is_empty(), "{what}");
    // Nothing but the URL as registered (which may be an address) names the target.
    let json = serde_json::to_string(r).unwrap().replace(r.url.as_str(), "");
    assert!(!json.contains("hunter2") && !json.contains("127.0.0."), "{what}: {json}");
    assert_eq!(guard::alerts::summarise(r).state, SiteState::Down);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_targets_are_never_connected_to() {
    let (p4, n4) = counting("127.0.0.1", 0).await;
    let (p6, n6) = counting("::1", 0).await;
    let p = prober(NetPolicy::default(), &[("inner.test", "127.0.0.1"), ("inner6.test", "::1"), ("localhost", "127.0.0.1")]);
    for u in [
        format!("http://127.0.0.1:{p4}/"),
        format!("http://2130706433:{p4}/"),
        format!("http://0x7f.1:{p4}/"),
        format!("http://0177.0.0.1:{p4}/"),
        format!("http://127.1:{p4}/"),
        format!("https://127.0.0.1.:{p4}/"),
        format!("http://[::ffff:127.0.0.1]:{p4}/"),
        format!("http://[::ffff:7f00:1]:{p4}/"),
        format!("http://inner.test:{p4}/"),
        format!("http://localhost:{p4}/"),
        format!("http://[::1]:{p6}/"),
        format!("http://inner6.test:{p6}/"),
    ] {
        let r = p.check(&SiteSpec::new(&u), None).await;
        assert_empty(&r, &u);
        assert!(r.findings[0].detail.contains("内网/保留地址"), "{u}: {}", r.findings[0].detail);
    }
    assert_eq!((n4.load(Ordering::SeqCst), n6.load(Ordering::SeqCst)), (0, 0), "no connection to a denied address");
    // The same servers answer when their network is allowed: the counters do count.
    let p = prober(only("127.0.0.0/8"), &[("inner.test", "127.0.0.1")]);
    let r = p.check(&SiteSpec::new(format!("http://inner.test:{p4}/")), None).await;
    assert!(r.ipv4.reachable && n4.load(Ordering::SeqCst) >= 1, "{:?}", r.ipv4);
}

/// The policy of the next tests: 127.0.0.1 and ::1 are "public", 127.0.0.2 is the intranet.
fn one_of_loopback() -> NetPolicy {
    only("127.0.0.1/32").allowing("测试", "::1/128").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_into_denied_space_are_not_followed() {
    let (denied, n) = counting("127.0.0.2", 0).await;
    // An allowed site on 127.0.0.1 whose paths redirect inward, each a different way, and one on
    // [::1] that redirects to the IPv4-mapped form of the inner address.
    let redirects = move |r: &fixture::Request| match r.path.as_str() {
        "/ip" => Response::redirect(&format!("http://127.0.0.2:{denied}/")),
        "/decimal" => Response::redirect(&format!("http://2130706434:{denied}/")),
        "/hex" => Response::redirect(&format!("http://0x7f.2:{denied}/")),
        "/octal" => Response::redirect(&format!("http://0177.0.0.02:{denied}/")),
        "/name" => Response::redirect(&format!("http://inner.test:{denied}/")),
        "/twice" => Response::redirect("/name"),
        "/mapped" => Response::redirect(&format!("http://[::ffff:127.0.0.2]:{denied}/")),
        _ => Response::html(HOME),
    };
    let site = serve(true, false, None, handler(redirects)).await;
    let site6 = serve(false, true, None, handler(redirects)).await;
    let p = prober(one_of_loopback(), &[("site.test", "127.0.0.1"), ("site6.test", "::1"), ("inner.test", "127.0.0.2")]);
    let mut urls: Vec<String> = ["/ip", "/decimal", "/hex", "/octal", "/name", "/twice"].iter().map(|path| format!("http://site.test:{site}{path}")).collect();
    urls.push(format!("http://site6.test:{site6}/mapped"));
    for u in &urls {
        let r = p.check(&SiteSpec::new(u), None).await;
        assert_empty(&r, u);
        assert!(r.findings[0].detail.starts_with("首页重定向到内网/保留地址，未跟随"), "{u}: {}", r.findings[0].detail);
        assert!(!serde_json::to_string(&r).unwrap().contains(&format!(":{denied}")), "the redirect's target is not shown: {u}");
    }
    assert_eq!(n.load(Ordering::SeqCst), 0, "the denied server received no connection");
    // Control: the site's own page is fetched, and with the inner address allowed the same
    // redirect is followed (the counter counts).
    let r = p.check(&SiteSpec::new(format!("http://site.test:{site}/")), None).await;
    assert!(r.ipv4.reachable && !r.has(Kind::TargetForbidden), "{:?}", r.findings);
    let p = prober(one_of_loopback().allowing("", "127.0.0.2").unwrap(), &[("site.test", "127.0.0.1")]);
    let r = p.check(&SiteSpec::new(format!("http://site.test:{site}/ip")), None).await;
    assert!(r.ipv4.reachable && n.load(Ordering::SeqCst) == 1, "allowed, the redirect is followed: {:?}", r.ipv4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_denied_and_permitted_addresses_is_reached_on_the_permitted_ones() {
    // One name, two A records on one port: 127.0.0.2 (the intranet, listed first and
    // answering) and 127.0.0.1; and an AAAA record the policy denies (only 127.0.0.1 allowed).
    let port = serve(true, false, None, handler(|_| Response::html(HOME))).await;
    let (_, inner) = counting("127.0.0.2", port).await;
    let p = prober(only("127.0.0.1/32"), &[("mixed.test", "127.0.0.2"), ("mixed.test", "127.0.0.1"), ("mixed.test", "::1")]);
    let r = p.check(&SiteSpec::new(format!("http://mixed.test:{port}/")), None).await;
    assert!(r.ipv4.reachable, "{:?}", r.ipv4);
    assert_eq!(inner.load(Ordering::SeqCst), 0, "the denied address is skipped, not tried first");
    assert_eq!(r.ipv4.addresses, ["127.0.0.1".parse::<IpAddr>().unwrap()], "denied addresses are not shown");
    assert!(r.dns.aaaa.is_empty() && r.ipv6.addresses.is_empty() && r.ipv6.status.is_none());
    let f = r.findings.iter().find(|f| f.kind == Kind::TargetForbidden).expect("the IPv6 family is reported as forbidden");
    assert_eq!(f.family, Some(guard::Family::Ipv6));
    assert!(!r.has(Kind::Ipv6Missing) && !r.has(Kind::Ipv6Unreachable), "{:?}", r.findings);
    assert!(r.page.as_ref().unwrap().lines.iter().any(|l| l.contains("锦江区教育局")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_links_to_denied_addresses_are_not_fetched() {
    let (denied, n) = counting("127.0.0.2", 0).await;
    let site = serve(
        true,
        false,
        None,
        handler(move |r| match r.path.as_str() {
            "/" => Response::html(&format!("<html><body><a href=\"/a\">概况</a><a href=\"http://inner.c.test:{denied}/admin\">内部</a><a href=\"/r\">跳转</a></body></html>")),
            "/r" => Response::redirect(&format!("http://127.0.0.2:{denied}/")),
            _ => Response::html("<html><body>二级页面</body></html>"),
        }),
    )
    .await;
    let p = prober(one_of_loopback(), &[("c.test", "127.0.0.1"), ("inner.c.test", "127.0.0.2")]);
    let rep = guard::crawl_ipv6(&p, &SiteSpec::new(format!("http://c.test:{site}/")), &guard::CrawlLimits::default()).await;
    assert_eq!(n.load(Ordering::SeqCst), 0, "no crawled link reached the denied server");
    assert_eq!((rep.level2.found, rep.level2.checked, rep.level2.forbidden), (3, 1, 2), "{rep:?}");
    assert!(rep.pages.iter().all(|p| p.url.ends_with("/a")), "{:?}", rep.pages);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_with_the_default_policy_keeps_nothing_of_an_old_internal_site() {
    let dir = std::env::temp_dir().join(format!("tianfu-ssrf-worker-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    let s = store_sqlite::SqliteStore::open(&path).unwrap();
    let p = path.clone();
    let opener: Opener = Arc::new(move || Ok(Box::new(store_sqlite::SqliteStore::open(&p)?) as Box<dyn Monitor + Send>));
    old_internal_sites_on(Box::new(s), opener).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_with_the_default_policy_keeps_nothing_of_an_old_internal_site_postgres() {
    let Some(url) = std::env::var("TIANFU_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("TIANFU_TEST_DATABASE_URL is not set; skipping the PostgreSQL SSRF worker test");
        return;
    };
    let schema = format!("tianfu_test_worker_{}_ssrf", std::process::id());
    let (s, _) = b(|| store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema)).unwrap();
    let (u, sc) = (url.clone(), schema.clone());
    let opener: Opener = Arc::new(move || Ok(Box::new(store_postgres::PgStore::connect_with_schema(&u, &sc)?) as Box<dyn Monitor + Send>));
    old_internal_sites_on(Box::new(s), opener).await;
    b(|| {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
    });
}

/// Sites registered before the policy existed (straight into the store), on loopback: the
/// worker, with the default policy, checks them without a single connection and stores a
/// `target_forbidden` check with no content and no page.
async fn old_internal_sites_on(mut s: Box<dyn Monitor + Send>, opener: Opener) {
    let (p4, n4) = counting("127.0.0.1", 0).await;
    let (p6, n6) = counting("::1", 0).await;
    let mut r = StaticResolver::new();
    r.insert("old.test", "127.0.0.1".parse().unwrap()).insert("old.test", "::1".parse().unwrap());
    let prober = Arc::new(Prober::new(Config { timeout: Duration::from_secs(5), ..Config::default() }, Arc::new(r)).unwrap());
    let now = store::time::unix_now();
    let site = |name: &str, url: String| NewSite { name: name.into(), url, org_code: 510104, category: SiteCategory::Other, interval_minutes: 5 };
    let sites = [site("旧登记", format!("http://old.test:{p4}/")), site("回环", format!("http://0x7f.1:{p4}/")), site("IPv6 回环", format!("http://[::1]:{p6}/"))];
    b(|| s.upsert_sites(&store::Scope::all(), &sites, now - 10)).unwrap();
    let w = Worker::new(&opener, prober, Options { worker_id: "ssrf".into(), ..Options::default() }).await.unwrap();
    let r = w.cycle_at(now).await.unwrap();
    assert_eq!((r.claimed, r.checked), (3, 3), "{r:?}");
    let crawls = w.crawl_round_at(now).await.unwrap();
    assert_eq!(crawls.crawled, 2, "the crawl round ran (two at a time) and found nothing it may fetch");
    assert_eq!((n4.load(Ordering::SeqCst), n6.load(Ordering::SeqCst)), (0, 0), "the worker never connected");
    let all = b(|| s.sites(&store::Scope::Region { lo: 510104, hi: 510104 }, &store::SiteQuery { limit: 10, include_disabled: true, ..Default::default() })).unwrap().rows;
    assert_eq!(all.len(), 3);
    for x in &all {
        assert_eq!(x.state, SiteState::Down, "{}", x.name);
        let h = b(|| s.history(x.id, 0, i64::MAX)).unwrap().raw;
        let c = h.last().unwrap();
        assert_eq!(c.findings, ["target_forbidden"], "{}", x.name);
        assert!(c.v4.status.is_none() && c.v6.status.is_none() && c.tls_days.is_none() && c.tls_grade.is_none() && c.header_score.is_none() && !c.ipv6_aaaa, "{c:?}");
        assert!(b(|| s.snapshot(x.id)).unwrap().is_none(), "no page is kept for {}", x.name);
        let alerts = b(|| s.site_alerts(x.id)).unwrap();
        assert_eq!(alerts.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["down"]);
        assert!(alerts[0].message.contains("内网/保留地址") && !alerts[0].message.contains("127.0.0.1") && !alerts[0].message.contains("hunter2"), "{}", alerts[0].message);
    }
    drop(w);
    b(move || drop(s));
}

fn b<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}
