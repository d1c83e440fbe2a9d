//! The 等保 reminders sent through the group robots (`guard::notify`, topic `mlps`) to a real
//! webhook receiver on 127.0.0.1, on both backends, the day driven by a TestClock: the
//! reminders of the day (60/30/7 days ahead, the first day late) each sent once however often
//! the sweep runs, a failed send tried again, no person in the message, the run audited.

#[path = "../../guard/tests/capture/mod.rs"]
mod capture;

use guard::notify::{Channel, Event, Notifier};
use guard::webhook::{Sender, WebhookKind, WebhookTarget};
use guard::{NetPolicy, StaticResolver};
use standard::{Date, Entity};
use store::clock::{Clock, TestClock};
use store::mlps::{Dues, Mlps, NewSystem};
use store::{AuditFilter, AuditLog, Browse, Scope, Store};
use std::sync::Arc;

trait Db: Store + Mlps + Browse + AuditLog {}
impl<T: Store + Mlps + Browse + AuditLog> Db for T {}

static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn with_backends(f: fn(&mut dyn Db)) {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    s.set_audit_chain(store::audit::AuditChain::temporary());
    f(&mut s);
    match store_postgres::testing::database_url() {
        Some(url) => {
            let schema = format!("tianfu_test_remind_{}_{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).unwrap();
            p.set_audit_chain(store::audit::AuditChain::temporary());
            f(&mut p);
            drop(p);
            postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
        }
        None => eprintln!("TIANFU_TEST_DATABASE_URL is not set: PostgreSQL skipped"),
    }
}

fn plus(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

fn system(unit: i64, name: &str) -> NewSystem {
    NewSystem { unit_code: unit, name: name.into(), owner: "信息中心张三".into(), purpose: "教学".into(), level: 3, live_on: Some(Date::parse_iso("2025-01-06").unwrap()), ..Default::default() }
}

fn notifier(port: u16, policy: NetPolicy, clock: Arc<TestClock>) -> Notifier {
    let sender = Arc::new(Sender::new(Arc::new(StaticResolver::new()), &[]).unwrap());
    let target = WebhookTarget { kind: WebhookKind::Generic, url: format!("http://127.0.0.1:{port}/hooks/mlps"), secret: Some("k3y".into()) };
    Notifier::new(sender, policy, vec![Channel { topics: vec!["mlps".into()], target }], clock)
}

/// One run of the reminders through `n`: the report.
fn run(rt: &tokio::runtime::Runtime, s: &mut dyn Db, n: &Notifier, clock: &TestClock) -> secman::mlps::RemindReport {
    let now = clock.now();
    let mut send = |m: &secman::mlps::Message| {
        let e = Event { topic: secman::mlps::TOPIC.into(), title: m.title.clone(), lines: m.lines.clone(), at: now };
        rt.block_on(n.notify(&e)).iter().any(|d| matches!(d.result, Ok(200)))
    };
    secman::mlps::remind(s, clock.today(), now, Some("https://tianfu.example.cn/"), &mut send).unwrap()
}

#[test]
fn reminders_go_to_the_robots_once() {
    with_backends(|s| {
        store::suite::import(s, Entity::School, "schools", &[store::suite::school("2151010401", "510104", "锦江区实验小学"), store::suite::school("2151030201", "510302", "自流井小学")]);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (port, mut rx) = rt.block_on(capture::receiver("{}"));
        let today = Date::parse_iso("2026-12-07").unwrap();
        let clock = Arc::new(TestClock::on(today));
        let all = Scope::all();
        // Due in 30 days (filing), 7 days (assessment), late since yesterday (an item), and
        // one due in 45 days (no reminder today).
        let a = s.create_system(&all, &system(2151010401, "学籍管理系统"), &Dues { filing: Some(plus(today, 30)), assessment: Some(plus(today, 7)), ..Default::default() }, "p", 0).unwrap();
        let b = s.create_system(&all, &system(2151030201, "校园门户网站"), &Dues { rectification: Some(plus(today, -1)), ..Default::default() }, "p", 0).unwrap();
        s.create_system(&all, &system(2151030201, "办公系统"), &Dues { assessment: Some(plus(today, 45)), ..Default::default() }, "p", 0).unwrap();

        // The robot on loopback is refused by the default policy: nothing recorded, all failed.
        let blocked = notifier(port, NetPolicy::default(), clock.clone());
        let r = run(&rt, s, &blocked, &clock);
        assert_eq!((r.due, r.sent, r.already, r.failed), (3, 0, 0, 3));
        assert!(rx.try_recv().is_err(), "nothing reached the receiver");

        // Allowed: the three go out, signed, under the topic, with no person in them.
        let n = notifier(port, NetPolicy::default().allowing("本机", "127.0.0.1/32").unwrap(), clock.clone());
        let r = run(&rt, s, &n, &clock);
        assert_eq!((r.due, r.sent, r.already, r.failed), (3, 3, 0, 0));
        let mut got = Vec::new();
        for _ in 0..3 {
            let c = rt.block_on(rx.recv()).unwrap();
            assert_eq!(c.header("x-tianfu-signature").unwrap(), guard::webhook::generic_sign("k3y", &c.body));
            let body = String::from_utf8(c.body.clone()).unwrap();
            assert!(!body.contains("张三") && !body.contains("信息中心"), "no person, no owner: {body}");
            let v = c.json();
            assert_eq!(v["event"], "mlps");
            got.push((v["title"].as_str().unwrap().to_string(), v["lines"].to_string()));
        }
        got.sort();
        assert!(got.iter().any(|(t, l)| t == "【等保提醒】学籍管理系统：备案即将到期" && l.contains("锦江区实验小学（2151010401）") && l.contains("还有 30 天到期") && l.contains(&format!("https://tianfu.example.cn/mlps/{}", a.id))), "{got:?}");
        assert!(got.iter().any(|(t, l)| t == "【等保提醒】学籍管理系统：等级测评即将到期" && l.contains("还有 7 天到期")), "{got:?}");
        assert!(got.iter().any(|(t, l)| t == "【等保提醒】校园门户网站：整改已逾期" && l.contains("已逾期 1 天") && l.contains(&format!("/mlps/{}", b.id))), "{got:?}");

        // Again the same day: nothing sent twice.
        let r = run(&rt, s, &n, &clock);
        assert_eq!((r.sent, r.already, r.failed), (0, 3, 0));
        assert!(rx.try_recv().is_err());
        // The next day nothing is due; on day 8 the assessment is late since yesterday; on
        // day 23 the filing is 7 days ahead.
        clock.advance(86_400);
        let r = run(&rt, s, &n, &clock);
        assert_eq!((r.sent, r.already), (0, 3), "the day's marks are caught up if missed, and these were sent");
        clock.advance(86_400 * 7);
        let r = run(&rt, s, &n, &clock);
        assert_eq!((r.due, r.sent), (1, 1), "the assessment, late since yesterday");
        assert!(rt.block_on(rx.recv()).unwrap().json()["title"].as_str().unwrap().contains("等级测评已逾期"));
        clock.advance(86_400 * 15);
        assert_eq!(clock.today(), plus(today, 23));
        let r = run(&rt, s, &n, &clock);
        assert_eq!((r.due, r.sent), (1, 1), "the filing's 7-day mark");
        assert!(rt.block_on(rx.recv()).unwrap().json()["lines"].to_string().contains("还有 7 天到期"));

        // Audited with the counts, by the platform itself.
        let log = s.audit_entries(&AuditFilter { action: Some("mlps_remind".into()), limit: 100, ..Default::default() }).unwrap();
        assert_eq!(log.len(), 4, "the failed run, the first, the two later ones (not the idle ones)");
        assert!(log.iter().all(|e| e.actor == "system"));
        assert!(log.iter().any(|e| e.outcome == "failed" && e.detail.contains("\"failed\":3")));
        assert!(log.iter().any(|e| e.outcome == "ok" && e.detail.contains("\"sent\":3")));
    });
}

/// The reminder run missed days (the server was down): the next run sends, for each date, the
/// reminder of the most recent mark crossed — not the ones before it, not a mark crossed more
/// than `CATCH_UP_DAYS` ago — once.
#[test]
fn missed_marks_are_caught_up_once() {
    with_backends(|s| {
        store::suite::import(s, Entity::School, "schools", &[store::suite::school("2151010401", "510104", "锦江区实验小学")]);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (port, mut rx) = rt.block_on(capture::receiver("{}"));
        let today = Date::parse_iso("2026-12-07").unwrap();
        let clock = Arc::new(TestClock::on(today));
        let all = Scope::all();
        // The filing's 30-day mark was 5 days ago; the assessment's 60-, 30- and 7-day marks
        // were 55, 25 and 2 days ago; the item has been late for 20 days (its mark 19 days ago,
        // too long ago to catch up).
        s.create_system(&all, &system(2151010401, "学籍管理系统"), &Dues { filing: Some(plus(today, 25)), assessment: Some(plus(today, 5)), rectification: Some(plus(today, -20)), ..Default::default() }, "p", 0).unwrap();
        let n = notifier(port, NetPolicy::default().allowing("本机", "127.0.0.1/32").unwrap(), clock.clone());
        assert!(secman::mlps::sweep(s, &all, today).unwrap().is_empty(), "no mark today");
        let r = run(&rt, s, &n, &clock);
        assert_eq!((r.due, r.sent, r.failed), (2, 2, 0), "{r:?}");
        let mut got: Vec<String> = (0..2).map(|_| rt.block_on(rx.recv()).unwrap().json()["lines"].to_string()).collect();
        got.sort();
        assert!(got.iter().any(|l| l.contains("备案") && l.contains("还有 25 天到期")), "{got:?}");
        assert!(got.iter().any(|l| l.contains("等级测评") && l.contains("还有 5 天到期")), "the most recent mark only: {got:?}");
        // Once: not again that day nor the next ones.
        for _ in 0..3 {
            let r = run(&rt, s, &n, &clock);
            assert_eq!(r.sent, 0, "{r:?}");
            clock.advance(86_400);
        }
        assert!(rx.try_recv().is_err(), "nothing sent twice");
        assert_eq!(secman::mlps::mark_of(plus(today, 5), today), Some(plus(today, -2)));
        assert!(secman::mlps::catches_up(plus(today, 25), today) && !secman::mlps::catches_up(plus(today, -20), today));
    });
}
