//! The monitor → incident path end to end, on SQLite and PostgreSQL: a fixture site served on
//! 127.0.0.1 is checked by the real worker, its accepted page is then defaced; the tamper alert
//! opens an incident through the worker's after-cycle hook (as `tianfu worker` wires it), in
//! state reported with a proposed class and grade and the evidence linked; further cycles do not
//! duplicate it, a new alert of the same finding is added to it; a security officer confirms and
//! closes it; an outage opens one only once it has lasted the configured time.

use guard::worker::{AfterCycle, Opener, Options, Worker};
use guard::{Config, NetPolicy, Prober, StaticResolver};
use secman::incidents::{self, Rules, StepInput};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::audit::AuditChain;
use store::clock::TestClock;
use store::flow::Actor;
use store::incidents::{IncidentQuery, IncidentState};
use store::monitor::{Monitor, NewSite, SiteCategory};
use store::{AuditLog, Backend, Role, Scope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Open = Arc<dyn Fn() -> Box<dyn Backend> + Send + Sync>;

fn portal(news: &str) -> String {
    let items: String = (1..=12).map(|i| format!("<li><a href=\"/news/{i}.html\">{news}第{i}条：学校召开教育教学工作会议，部署本学期重点任务</a></li>")).collect();
    format!("<html><body><h1>锦江区教育局</h1><ul>{items}</ul><p>访问量 12345</p></body></html>")
}

const DEFACED: &str = "<html><body><h1>Hacked by someone</h1><p>网站已被控制，联系 QQ 10000</p></body></html>";

/// A real HTTP server on 127.0.0.1: the portal, defaced while `tampered` is set; the other
/// port answers 503 (an outage).
async fn serve(tampered: Arc<AtomicBool>, down: bool) -> u16 {
    let l = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut c, _)) = l.accept().await else { return };
            let t = tampered.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut n = 0;
                while !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                    match c.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => n += k,
                    }
                }
                let path = String::from_utf8_lossy(&buf[..n]).split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body) = match (down, path.as_str()) {
                    (true, _) => ("503 Service Unavailable", "维护中".to_string()),
                    (false, "/") if t.load(Ordering::SeqCst) => ("200 OK", DEFACED.to_string()),
                    (false, "/") => ("200 OK", portal("要闻")),
                    _ => ("404 Not Found", "没有这个页面".to_string()),
                };
                let head = format!("HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = c.write_all(head.as_bytes()).await;
                let _ = c.write_all(body.as_bytes()).await;
            });
        }
    });
    port
}

fn b<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f).join().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_site_opens_one_incident_sqlite() {
    let dir = std::env::temp_dir().join(format!("tianfu-secman-monitor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    let chain = AuditChain::temporary();
    let open: Open = Arc::new(move || {
        let mut s = store_sqlite::SqliteStore::open(&path).unwrap();
        s.set_audit_chain(chain.clone());
        Box::new(s)
    });
    tampered_site_opens_one_incident(open).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_site_opens_one_incident_postgres() {
    let Some(url) = store_postgres::testing::database_url() else {
        eprintln!("TIANFU_TEST_DATABASE_URL is not set; skipping the PostgreSQL monitor → incident test");
        return;
    };
    let schema = format!("tianfu_test_secman_mon_{}", std::process::id());
    let (u, sc) = (url.clone(), schema.clone());
    b(move || drop(store_postgres::PgStore::connect_with_schema_and_migrate(&u, &sc).unwrap()));
    let chain = AuditChain::temporary();
    let (u, sc) = (url.clone(), schema.clone());
    let open: Open = Arc::new(move || {
        let mut s = store_postgres::PgStore::connect_with_schema(&u, &sc).unwrap();
        s.set_audit_chain(chain.clone());
        Box::new(s)
    });
    tampered_site_opens_one_incident(open).await;
    b(move || postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap());
}

async fn tampered_site_opens_one_incident(open: Open) {
    let tampered = Arc::new(AtomicBool::new(false));
    let port = serve(tampered.clone(), false).await;
    let down_port = serve(Arc::new(AtomicBool::new(false)), true).await;
    let mut r = StaticResolver::new();
    r.insert("jj.test", IpAddr::V4(Ipv4Addr::LOCALHOST)).insert("down.test", IpAddr::V4(Ipv4Addr::LOCALHOST));
    let policy = NetPolicy::default().allowing("测试回环 IPv4", "127.0.0.0/8").unwrap();
    let prober = Arc::new(Prober::new(Config { timeout: Duration::from_secs(5), policy, ..Config::default() }, Arc::new(r)).unwrap());

    let o = open.clone();
    let (site, down_site, mut s) = b(move || {
        let mut s = o();
        let now = store::time::unix_now();
        let site = s.create_site(&Scope::all(), &NewSite { name: "锦江区教育局".into(), url: format!("http://jj.test:{port}/"), org_code: 510104, category: SiteCategory::Bureau, interval_minutes: 5 }, now - 10).unwrap().id;
        let down = s.create_site(&Scope::all(), &NewSite { name: "青羊区教育局".into(), url: format!("http://down.test:{down_port}/"), org_code: 510105, category: SiteCategory::Bureau, interval_minutes: 5 }, now - 10).unwrap().id;
        (site, down, s)
    });
    let o = open.clone();
    let opener: Opener = Arc::new(move || Ok(o() as Box<dyn Monitor + Send>));
    // The hook as `tianfu worker` wires it: the intake on a connection of its own (the
    // outage rule judged by a clock the test holds).
    let clock = Arc::new(TestClock::at(store::time::unix_now()));
    let (o, c) = (open.clone(), clock.clone());
    let rules = Rules::default();
    let hook = AfterCycle(Arc::new(move |_| incidents::intake(&mut *o(), &rules, &*c).map(drop).map_err(|e| e.to_string())));
    let w = Worker::new(&opener, prober, Options { worker_id: "w".into(), after_cycle: Some(hook), ..Options::default() }).await.unwrap();
    let now = store::time::unix_now();

    // First check: the page is kept; a person accepts it as the baseline.
    assert_eq!(w.cycle_at(now).await.unwrap().checked, 2);
    s = b(move || {
        assert!(s.accept_baseline(&Scope::all(), site, "jj_sec", now).unwrap());
        s
    });
    // The outage has not lasted an hour: no incident yet; nor for the healthy site.
    assert_eq!(w.cycle_at(now + 600).await.unwrap().checked, 2);
    let all = |s: &mut Box<dyn Backend>| s.incidents(&Scope::all(), &IncidentQuery { limit: 50, ..Default::default() }).unwrap();
    s = b(move || {
        assert!(all(&mut s).is_empty(), "{:?}", all(&mut s));
        s
    });

    // Defaced: the tamper alert opens one incident, proposed and awaiting confirmation.
    tampered.store(true, Ordering::SeqCst);
    let r3 = w.cycle_at(now + 1200).await.unwrap();
    assert!(r3.alerts_opened >= 1, "{r3:?}");
    let (mut s, inc) = b(move || {
        let list = all(&mut s);
        assert_eq!(list.len(), 1, "{list:?}");
        (s, list[0].clone())
    });
    let alert = b({
        let o = open.clone();
        move || o().site_alerts(site).unwrap().into_iter().find(|a| a.kind == "tampered").unwrap()
    });
    assert_eq!((inc.state, inc.source.as_str(), inc.site_id, inc.finding.as_deref(), inc.alert_id), (IncidentState::Reported, "monitor", Some(site), Some("tampered"), Some(alert.id)));
    assert_eq!((inc.proposed_class.as_deref(), inc.proposed_grade, inc.grade), (Some("C02-11"), Some(3), None));
    assert!(inc.evidence.contains(&format!("jj.test:{port}")) && inc.evidence.contains(&alert.message), "{}", inc.evidence);
    assert_eq!((inc.region, inc.unit_code, inc.discovered_at), (510104, 510104, alert.opened_at));
    assert_eq!(inc.due_at, alert.opened_at + 4 * 3600, "较大 proposed: 4 hours from discovery");

    // Still defaced: the same alert, no second incident, nothing added.
    w.cycle_at(now + 1800).await.unwrap();
    let id = inc.id;
    s = b(move || {
        let list = all(&mut s);
        assert_eq!((list.len(), list[0].seen), (1, 1));
        assert_eq!(s.incident_steps(&Scope::all(), id).unwrap().len(), 1);
        s
    });

    // The county's security officer confirms it with class and grade.
    let sec = Actor::new("jj_sec", Role::SecurityOfficer, Scope::Region { lo: 510104, hi: 510104 }, "127.0.0.1");
    let qy = Actor::new("qy_sec", Role::SecurityOfficer, Scope::Region { lo: 510105, hi: 510105 }, "127.0.0.1");
    let c = TestClock::at(now + 1900);
    s = b(move || {
        let confirm = StepInput { class_code: Some("C02-11".into()), grade: Some(3), note: "核实为网页篡改".into(), to_unit: None };
        assert_eq!(incidents::take(&mut *s, &qy, id, "confirm", &confirm, &Rules::default(), &c).unwrap(), None, "another county does not see it");
        let i = incidents::take(&mut *s, &sec, id, "confirm", &confirm, &Rules::default(), &c).unwrap().unwrap();
        assert_eq!((i.state, i.grade), (IncidentState::Confirmed, Some(3)));
        // The change was then accepted as the page (a person renews the baseline).
        assert!(s.accept_baseline(&Scope::all(), site, "jj_sec", now + 1900).unwrap());
        s
    });
    // The renewed page resolves the alert; the original page coming back is a change again:
    // a new tamper alert, added to the open incident.
    w.cycle_at(now + 2400).await.unwrap();
    tampered.store(false, Ordering::SeqCst);
    clock.set(now + 3000);
    w.cycle_at(now + 3000).await.unwrap();
    s = b(move || {
        let list = all(&mut s);
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!((list[0].seen, list[0].state), (2, IncidentState::Confirmed));
        assert_ne!(list[0].alert_id, Some(alert.id));
        let steps = s.incident_steps(&Scope::all(), id).unwrap();
        assert_eq!(steps.iter().map(|x| x.action.as_str()).collect::<Vec<_>>(), ["report", "confirm", "seen"]);
        s
    });

    // The outage lasting more than an hour opens its own incident (设备设施故障, IV).
    clock.set(now + 3700);
    w.cycle_at(now + 3700).await.unwrap();
    s = b(move || {
        let list = all(&mut s);
        let outage = list.iter().find(|i| i.site_id == Some(down_site)).expect("the outage's incident");
        assert_eq!((outage.finding.as_deref(), outage.proposed_class.as_deref(), outage.proposed_grade, outage.region), (Some("down"), Some("C05-01"), Some(4), 510105));
        assert_eq!(list.len(), 2);
        let log = s.audit_entries(&store::AuditFilter { action: Some("incident_monitor_open".into()), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(log.len(), 2);
        s
    });
    drop(w);
    b(move || drop(s));
}
