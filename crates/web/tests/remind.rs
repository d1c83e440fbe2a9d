//! The notifications wired together (`web::remind`), on both backends, with a real webhook
//! receiver on 127.0.0.1 and a TestClock: the day's 等保 reminders and duty missing-report
//! reminders each sent once across the timer's ticks (and again not after a restart), none
//! in the night or before the cut-off; an incident reported in a county with a duty robot
//! reaches that robot, without personal data.

#[path = "../../guard/tests/capture/mod.rs"]
mod capture;
mod common;

use common::*;
use standard::Date;
use std::sync::Arc;
use std::time::Duration;
use store::clock::{Clock, TestClock};
use store::Scope;

fn robot(port: u16) -> store::monitor::StoredWebhook {
    store::monitor::StoredWebhook { id: 0, name: "值班群".into(), kind: "generic".into(), url: format!("http://127.0.0.1:{port}/hooks/duty"), secret: None, enabled: true, created_by: "prov".into(), created_at: 0 }
}

fn loopback() -> guard::NetPolicy {
    guard::NetPolicy::default().allowing("本机", "127.0.0.1/32").unwrap()
}

/// Every message the receiver got so far, as (event, title, lines).
fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<capture::Captured>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    while let Ok(c) = rx.try_recv() {
        let v = c.json();
        let lines = v["lines"].as_array().map(|a| a.iter().filter_map(|l| l.as_str()).collect::<Vec<_>>().join("\n")).unwrap_or_default();
        out.push((v["event"].as_str().unwrap_or("").to_string(), v["title"].as_str().unwrap_or("").to_string(), lines));
    }
    out
}

async fn reminders_once_across_ticks(env: Env) {
    let (port, mut rx) = capture::receiver("{}").await;
    let county = env.places.county as i64;
    let school: i64 = env.places.school.parse().unwrap();
    let today = Date::parse_iso("2026-12-07").unwrap();
    let clock = Arc::new(TestClock::on(today));
    let period = with_store(&env, |s| {
        let all = Scope::all();
        let hook = s.add_webhook(&all, &robot(port)).unwrap();
        s.set_duty_channel(&all, county, Some(hook), "officer", 0).unwrap();
        let sys = store::mlps::NewSystem { unit_code: school, name: "学籍管理系统".into(), owner: "信息中心张三".into(), purpose: "教学".into(), level: 3, live_on: Some(Date::parse_iso("2025-01-06").unwrap()), ..Default::default() };
        let due = Date::from_days_since_epoch(today.days_since_epoch() + 30);
        s.create_system(&all, &sys, &store::mlps::Dues { filing: Some(due), ..Default::default() }, "p", 0).unwrap();
        let p = store::duty::NewPeriod { area_code: county as u32, name: "元旦保障".into(), starts_on: today, ends_on: Date::from_days_since_epoch(today.days_since_epoch() + 2), full_day: true, reporters: store::duty::Reporters::Bureaus, cutoff_minutes: store::duty::DEFAULT_CUTOFF };
        s.create_period(&all, &p, "officer", 0).unwrap()
    });
    let out = web::remind::Outbox { sender: Arc::new(guard::webhook::Sender::new(Arc::new(guard::StaticResolver::new()), &[]).unwrap()), policy: loopback(), extra: Vec::new(), clock: clock.clone() };
    let daily: Arc<std::sync::Mutex<web::remind::Daily>> = Arc::default();
    let pool = env.app.state.pool.clone();
    let tick = |daily: Arc<std::sync::Mutex<web::remind::Daily>>| {
        let (pool, out, clock) = (pool.clone(), out.clone(), clock.clone());
        let handle = tokio::runtime::Handle::current();
        async move {
            pool.run(move |s| {
                let mut d = daily.lock().unwrap();
                Ok(web::remind::run(s, &out, &handle, clock.as_ref(), Some("https://tianfu.example.cn"), Some(&mut d))?)
            })
            .await
            .unwrap()
        }
    };
    // 07:00: the night is quiet (等保 after 08:00; duty after the cut-off).
    clock.set(clock.now() - 2 * 3600);
    let r = tick(daily.clone()).await;
    assert_eq!((r.mlps.due, r.duty_units), (0, 0), "{r:?}");
    // 09:00: the 等保 reminder, once; the duty reminders not before 16:00.
    clock.set(clock.now() + 2 * 3600);
    let r = tick(daily.clone()).await;
    assert_eq!((r.mlps.due, r.mlps.sent, r.duty_units), (1, 1, 0), "{r:?}");
    clock.advance(60);
    let r = tick(daily.clone()).await;
    assert_eq!((r.mlps.sent, r.duty_units), (0, 0), "the next tick sends nothing: {r:?}");
    let got = drain(&mut rx);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "mlps");
    assert!(got[0].1.contains("学籍管理系统") && !got[0].2.contains("张三"), "{got:?}");
    // After the cut-off: the county bureau has not reported; reminded once across two ticks.
    clock.set(period.cutoff_of(today) + 60);
    let r = tick(daily.clone()).await;
    assert_eq!((r.mlps.sent, r.duty_periods, r.duty_sent), (0, 1, 1), "{r:?}");
    assert!(r.duty_units >= 1, "{r:?}");
    clock.advance(60);
    let r = tick(daily.clone()).await;
    assert_eq!((r.mlps.sent, r.duty_units, r.duty_sent), (0, 0, 0), "{r:?}");
    // A restart (or `tianfu remind`): nothing twice — both are recorded in the database.
    let r = tick(Arc::default()).await;
    assert_eq!((r.mlps.sent, r.mlps.already, r.duty_units, r.duty_sent), (0, 1, 0, 0), "{r:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = drain(&mut rx);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "duty_missing_report");
    assert!(got[0].1.contains("元旦保障") && !got[0].2.contains("138"), "{got:?}");
    // The runs are audited as the system's.
    let actions = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 200, ..Default::default() }).unwrap().into_iter().map(|e| e.action).collect::<Vec<_>>());
    assert!(actions.iter().any(|a| a == "mlps_remind") && actions.iter().any(|a| a == "duty_remind"), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_once_across_ticks_sqlite() {
    reminders_once_across_ticks(sqlite("remind-ticks")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_once_across_ticks_postgres() {
    let Some(env) = blocking(|| postgres("remind-ticks")) else { return };
    reminders_once_across_ticks(env).await;
}

async fn incident_reaches_the_duty_robot(env: Env) {
    let env = rebuild(env, |mut c| {
        c.monitor.allow.push(config::AllowedNetwork { name: "本机".into(), cidr: "127.0.0.1/32".into() });
        c
    });
    let (port, mut rx) = capture::receiver("{}").await;
    let county = env.places.county as i64;
    with_store(&env, |s| {
        let all = Scope::all();
        let hook = s.add_webhook(&all, &robot(port)).unwrap();
        s.set_duty_channel(&all, county, Some(hook), "officer", 0).unwrap();
    });
    let officer = login(&env, "county", PASSWORD).await;
    let (status, v) = api_json(&env, "POST", "/api/v1/incidents", &officer, &serde_json::json!({ "title": "某校门户网站首页被篡改", "unit": env.places.school })).await;
    assert!(status.is_success(), "{status} {v}");
    let c = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("the duty robot hears of it").unwrap();
    let body = c.json();
    assert_eq!(body["event"], "incident");
    let title = body["title"].as_str().unwrap();
    assert!(title.contains("【事件报告】") && title.contains("某校门户网站首页被篡改"), "{title}");
    let lines = body["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect::<Vec<_>>().join("\n");
    assert!(lines.contains("发生单位：") && (lines.contains("当前值班") || lines.contains("当前无人排班")), "{lines}");
    assert!(!lines.contains("138") && !lines.contains("county"), "no personal data: {lines}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_reaches_the_duty_robot_sqlite() {
    incident_reaches_the_duty_robot(sqlite("remind-incident")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_reaches_the_duty_robot_postgres() {
    let Some(env) = blocking(|| postgres("remind-incident")) else { return };
    incident_reaches_the_duty_robot(env).await;
}

/// An escalation of the sweep (the server's timer and the worker alike) reaches the duty robot
/// of the unit it went to, once.
async fn escalation_reaches_the_duty_robot(env: Env) {
    let (port, mut rx) = capture::receiver("{}").await;
    let t0 = 1_800_000_000;
    let county = env.places.county as i64;
    let school = env.places.school.clone();
    let id = with_store(&env, |s| {
        let all = Scope::all();
        let mut i = store::suite_incidents::incident("某校门户网站首页被篡改", Some(&school), county, t0);
        i.proposed_grade = Some(3);
        i.due_at = t0 + 4 * 3600;
        let id = s.insert_incident(&all, &i, &store::suite_incidents::first_step(t0)).unwrap();
        let hook = s.add_webhook(&all, &robot(port)).unwrap();
        s.set_duty_channel(&all, county, Some(hook), "officer", 0).unwrap();
        id
    });
    let clock = Arc::new(TestClock::at(t0 + 5 * 3600));
    let out = web::remind::Outbox { sender: Arc::new(guard::webhook::Sender::new(Arc::new(guard::StaticResolver::new()), &[]).unwrap()), policy: loopback(), extra: Vec::new(), clock: clock.clone() };
    let pool = env.app.state.pool.clone();
    let run = || {
        let (pool, clock) = (pool.clone(), clock.clone());
        async move {
            pool.run(move |s| {
                let (r, _) = web::sweep::sweep(s, &secman::incidents::Rules::default(), clock.as_ref())?;
                let m = web::remind::escalated_messages(s, clock.as_ref(), &r, None)?;
                Ok((r, m, s.webhooks(&Scope::all())?))
            })
            .await
            .unwrap()
        }
    };
    let (r, msgs, hooks) = run().await;
    assert_eq!(r.escalated, vec![(id, county)]);
    assert_eq!(msgs.len(), 1, "the school's and the county's robot are one: {msgs:?}");
    assert_eq!(out.send_duty(&hooks, msgs).await, (1, 0));
    let got = drain_wait(&mut rx).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].1.contains("【超时升级】") && got[0].2.contains("当前"), "{got:?}");
    // The next tick escalates nothing: no second message.
    let (r, msgs, _) = run().await;
    assert!(r.escalated.is_empty() && msgs.is_empty());
}

async fn drain_wait(rx: &mut tokio::sync::mpsc::UnboundedReceiver<capture::Captured>) -> Vec<(String, String, String)> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    drain(rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_reaches_the_duty_robot_sqlite() {
    escalation_reaches_the_duty_robot(sqlite("remind-escalate")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_reaches_the_duty_robot_postgres() {
    let Some(env) = blocking(|| postgres("remind-escalate")) else { return };
    escalation_reaches_the_duty_robot(env).await;
}

/// `tianfu incidents sweep` (`web::sweep::once`): an escalation goes to the group robots and to
/// the duty robot of the units concerned — the messages of the server's timer — once.
async fn the_sweep_once_reaches_the_duty_robot(env: Env) {
    let (port, mut rx) = capture::receiver("{}").await;
    let t0 = 1_800_000_000;
    let county = env.places.county as i64;
    let school = env.places.school.clone();
    let id = with_store(&env, |s| {
        let all = Scope::all();
        let mut i = store::suite_incidents::incident("某校门户网站首页被篡改", Some(&school), county, t0);
        i.proposed_grade = Some(3);
        i.due_at = t0 + 4 * 3600;
        let id = s.insert_incident(&all, &i, &store::suite_incidents::first_step(t0)).unwrap();
        let hook = s.add_webhook(&all, &robot(port)).unwrap();
        s.set_duty_channel(&all, county, Some(hook), "officer", 0).unwrap();
        id
    });
    let clock = Arc::new(TestClock::at(t0 + 5 * 3600));
    let group = guard::webhook::WebhookTarget { kind: guard::webhook::WebhookKind::Generic, url: format!("http://127.0.0.1:{port}/hooks/group"), secret: None };
    let out = web::remind::Outbox { sender: Arc::new(guard::webhook::Sender::new(Arc::new(guard::StaticResolver::new()), &[]).unwrap()), policy: loopback(), extra: vec![group], clock: clock.clone() };
    let pool = env.app.state.pool.clone();
    let run = || {
        let (pool, clock, out) = (pool.clone(), clock.clone(), out.clone());
        let handle = tokio::runtime::Handle::current();
        async move { pool.run(move |s| Ok(web::sweep::once(s, &secman::incidents::Rules::default(), &out, &handle, clock.as_ref(), Some("https://tianfu.example.cn"))?)).await.unwrap() }
    };
    let (r, sent) = run().await;
    assert_eq!(r.escalated, vec![(id, county)]);
    // The notice to the configured robot and to the console's (the duty robot is one of them),
    // and the duty message with the posts on duty.
    assert_eq!(sent, web::sweep::Sent { sent: 3, failed: 0 });
    let got = drain_wait(&mut rx).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().all(|(e, t, l)| e == "incident" && t.contains("【超时升级】") && l.contains(&format!("/incidents/{id}"))), "{got:?}");
    assert_eq!(got.iter().filter(|(_, _, l)| l.contains("当前")).count(), 1, "one duty message: {got:?}");
    assert!(got.iter().all(|(_, _, l)| !l.contains("138")), "no personal data: {got:?}");
    // Once: the next run escalates nothing and sends nothing.
    let (r, sent) = run().await;
    assert!(r.escalated.is_empty() && sent == web::sweep::Sent::default(), "{r:?}");
    assert!(drain_wait(&mut rx).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_once_reaches_the_duty_robot_sqlite() {
    the_sweep_once_reaches_the_duty_robot(sqlite("remind-sweep-once")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_once_reaches_the_duty_robot_postgres() {
    let Some(env) = blocking(|| postgres("remind-sweep-once")) else { return };
    the_sweep_once_reaches_the_duty_robot(env).await;
}

/// A duty missing-report reminder not delivered (the robot refused by the address policy) is
/// tried again at the next tick of the day, and once delivered not again — across ticks and a
/// restart; the audit says what failed.
async fn a_failed_duty_reminder_is_retried_the_same_day(env: Env) {
    let (port, mut rx) = capture::receiver("{}").await;
    let county = env.places.county as i64;
    let today = Date::parse_iso("2026-12-07").unwrap();
    let clock = Arc::new(TestClock::on(today));
    let period = with_store(&env, |s| {
        let all = Scope::all();
        let hook = s.add_webhook(&all, &robot(port)).unwrap();
        s.set_duty_channel(&all, county, Some(hook), "officer", 0).unwrap();
        let p = store::duty::NewPeriod { area_code: county as u32, name: "元旦保障".into(), starts_on: today, ends_on: today, full_day: true, reporters: store::duty::Reporters::Bureaus, cutoff_minutes: store::duty::DEFAULT_CUTOFF };
        s.create_period(&all, &p, "officer", 0).unwrap()
    });
    let outbox = |policy: guard::NetPolicy| web::remind::Outbox { sender: Arc::new(guard::webhook::Sender::new(Arc::new(guard::StaticResolver::new()), &[]).unwrap()), policy, extra: Vec::new(), clock: clock.clone() };
    let daily: Arc<std::sync::Mutex<web::remind::Daily>> = Arc::default();
    let pool = env.app.state.pool.clone();
    let tick = |out: web::remind::Outbox, daily: Arc<std::sync::Mutex<web::remind::Daily>>| {
        let (pool, clock) = (pool.clone(), clock.clone());
        let handle = tokio::runtime::Handle::current();
        async move {
            pool.run(move |s| {
                let mut d = daily.lock().unwrap();
                Ok(web::remind::run(s, &out, &handle, clock.as_ref(), None, Some(&mut d))?)
            })
            .await
            .unwrap()
        }
    };
    clock.set(period.cutoff_of(today) + 60);
    let r = tick(outbox(guard::NetPolicy::default()), daily.clone()).await;
    assert_eq!((r.duty_sent, r.duty_failed), (0, 1), "loopback refused: {r:?}");
    clock.advance(60);
    let r = tick(outbox(guard::NetPolicy::default()), daily.clone()).await;
    assert_eq!((r.duty_sent, r.duty_failed), (0, 1), "tried again the next minute: {r:?}");
    assert!(drain_wait(&mut rx).await.is_empty());
    clock.advance(60);
    let r = tick(outbox(loopback()), daily.clone()).await;
    assert_eq!((r.duty_sent, r.duty_failed), (1, 0), "delivered: {r:?}");
    let got = drain_wait(&mut rx).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "duty_missing_report");
    clock.advance(60);
    let r = tick(outbox(loopback()), daily.clone()).await;
    assert_eq!((r.duty_periods, r.duty_sent, r.duty_failed), (0, 0, 0), "{r:?}");
    let r = tick(outbox(loopback()), Arc::default()).await;
    assert_eq!((r.duty_units, r.duty_sent, r.duty_failed), (0, 0, 0), "a restart sends nothing twice: {r:?}");
    assert!(drain_wait(&mut rx).await.is_empty());
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("duty_remind".into()), limit: 50, ..Default::default() }).unwrap());
    assert_eq!(log.iter().filter(|e| e.outcome == "failed").count(), 2, "{log:?}");
    assert_eq!(log.iter().filter(|e| e.outcome == "ok" && e.detail.contains("\"sent\":1")).count(), 1, "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_duty_reminder_is_retried_the_same_day_sqlite() {
    a_failed_duty_reminder_is_retried_the_same_day(sqlite("remind-retry")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_duty_reminder_is_retried_the_same_day_postgres() {
    let Some(env) = blocking(|| postgres("remind-retry")) else { return };
    a_failed_duty_reminder_is_retried_the_same_day(env).await;
}

/// An incident message the duty robot did not take (refused by the address policy) is queued
/// and tried again by the reminders' run (every minute in the server) until delivered, once;
/// one older than a day is given up.
async fn a_failed_incident_message_is_retried(env: Env) {
    let (port, mut rx) = capture::receiver("{}").await;
    let t0 = 1_800_000_000;
    let county = env.places.county as i64;
    let school = env.places.school.clone();
    with_store(&env, |s| {
        let all = Scope::all();
        let mut i = store::suite_incidents::incident("某校门户网站首页被篡改", Some(&school), county, t0);
        i.proposed_grade = Some(3);
        i.due_at = t0 + 4 * 3600;
        s.insert_incident(&all, &i, &store::suite_incidents::first_step(t0)).unwrap();
        let hook = s.add_webhook(&all, &robot(port)).unwrap();
        s.set_duty_channel(&all, county, Some(hook), "officer", 0).unwrap();
    });
    let clock = Arc::new(TestClock::at(t0 + 5 * 3600));
    let outbox = |policy: guard::NetPolicy| web::remind::Outbox { sender: Arc::new(guard::webhook::Sender::new(Arc::new(guard::StaticResolver::new()), &[]).unwrap()), policy, extra: Vec::new(), clock: clock.clone() };
    let pool = env.app.state.pool.clone();
    let sweep = |out: web::remind::Outbox| {
        let (pool, clock) = (pool.clone(), clock.clone());
        let handle = tokio::runtime::Handle::current();
        async move { pool.run(move |s| Ok(web::sweep::once(s, &secman::incidents::Rules::default(), &out, &handle, clock.as_ref(), None)?)).await.unwrap() }
    };
    let run = |out: web::remind::Outbox| {
        let (pool, clock) = (pool.clone(), clock.clone());
        let handle = tokio::runtime::Handle::current();
        async move { pool.run(move |s| Ok(web::remind::run(s, &out, &handle, clock.as_ref(), None, Some(&mut web::remind::Daily::default()))?)).await.unwrap() }
    };
    // The first escalation: the robot refused; the duty message waits.
    let (r, sent) = sweep(outbox(guard::NetPolicy::default())).await;
    assert_eq!((r.escalated.len(), sent.sent), (1, 0), "{sent:?}");
    let r = run(outbox(guard::NetPolicy::default())).await;
    assert_eq!((r.retry_sent, r.retry_waiting), (0, 1), "still refused: {r:?}");
    assert!(drain_wait(&mut rx).await.is_empty());
    // The robot takes it now: delivered once.
    clock.advance(60);
    let r = run(outbox(loopback())).await;
    assert_eq!((r.retry_sent, r.retry_waiting), (1, 0), "{r:?}");
    let got = drain_wait(&mut rx).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].0 == "incident" && got[0].1.contains("【超时升级】") && got[0].1.contains("首页被篡改") && got[0].2.contains("当前"), "{got:?}");
    let r = run(outbox(loopback())).await;
    assert_eq!((r.retry_sent, r.retry_waiting), (0, 0), "{r:?}");
    // The second escalation, refused, then a day and more without a robot: given up.
    let t1 = t0 + 2 * 86_400;
    with_store(&env, |s| {
        let mut i = store::suite_incidents::incident("某校邮件系统被入侵", Some(&school), county, t1);
        i.proposed_grade = Some(3);
        i.due_at = t1 + 4 * 3600;
        s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(t1)).unwrap();
    });
    clock.set(t1 + 5 * 3600);
    let (r, _) = sweep(outbox(guard::NetPolicy::default())).await;
    assert!(!r.escalated.is_empty(), "{r:?}");
    clock.advance(86_400 + 60);
    let r = run(outbox(loopback())).await;
    assert_eq!((r.retry_sent, r.retry_waiting), (0, 0), "a day old: given up {r:?}");
    assert!(drain_wait(&mut rx).await.iter().all(|(_, t, _)| !t.contains("邮件系统")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_incident_message_is_retried_sqlite() {
    a_failed_incident_message_is_retried(sqlite("remind-outbox")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_incident_message_is_retried_postgres() {
    let Some(env) = blocking(|| postgres("remind-outbox")) else { return };
    a_failed_incident_message_is_retried(env).await;
}

/// The software-ledger reminders (`web::remind::run`, topic `software`): a unit's six-monthly
/// check due in 7 days and a licence ending in 30 days each sent once across ticks and a
/// restart; a failed send retried the same day; none in the night; no person, no contract
/// number; audited.
async fn software_ledger_reminders_once(env: Env) {
    let (port, mut rx) = capture::receiver("{}").await;
    let school: i64 = env.places.school.parse().unwrap();
    let today = Date::parse_iso("2026-12-07").unwrap();
    let at = |n: i64| Date::from_days_since_epoch(today.days_since_epoch() + n);
    let clock = Arc::new(TestClock::on(today));
    let soft = with_store(&env, |s| {
        let all = Scope::all();
        s.add_webhook(&all, &robot(port)).unwrap();
        let mut w = store::suite_ledger::software(school, "WPS Office", 60, 40, None);
        w.expires_on = Some(at(30));
        let soft = s.create_software(&all, &w, "officer", 0).unwrap();
        let mut later = store::suite_ledger::software(school, "杀毒软件", 60, 40, None);
        later.expires_on = Some(at(45));
        s.create_software(&all, &later, "officer", 0).unwrap();
        let c = store::ledger::NewCheck { unit_code: school, checked_on: at(-176), checker: "李华".into(), compliant: true, problems: String::new() };
        s.add_check(&all, &c, at(7), "officer", 0).unwrap();
        soft
    });
    let outbox = |policy: guard::NetPolicy| web::remind::Outbox { sender: Arc::new(guard::webhook::Sender::new(Arc::new(guard::StaticResolver::new()), &[]).unwrap()), policy, extra: Vec::new(), clock: clock.clone() };
    let daily: Arc<std::sync::Mutex<web::remind::Daily>> = Arc::default();
    let pool = env.app.state.pool.clone();
    let tick = |out: web::remind::Outbox, daily: Arc<std::sync::Mutex<web::remind::Daily>>| {
        let (pool, clock) = (pool.clone(), clock.clone());
        let handle = tokio::runtime::Handle::current();
        async move {
            pool.run(move |s| {
                let mut d = daily.lock().unwrap();
                Ok(web::remind::run(s, &out, &handle, clock.as_ref(), Some("https://tianfu.example.cn"), Some(&mut d))?)
            })
            .await
            .unwrap()
        }
    };
    // 07:00: quiet.
    clock.set(clock.now() - 2 * 3600);
    let r = tick(outbox(loopback()), daily.clone()).await;
    assert_eq!(r.ledger.due, 0, "{r:?}");
    // 09:00, the robot refused: both failed, tried again the next minute.
    clock.set(clock.now() + 2 * 3600);
    let r = tick(outbox(guard::NetPolicy::default()), daily.clone()).await;
    assert_eq!((r.ledger.due, r.ledger.sent, r.ledger.failed), (2, 0, 2), "{r:?}");
    clock.advance(60);
    let r = tick(outbox(loopback()), daily.clone()).await;
    assert_eq!((r.ledger.sent, r.ledger.failed), (2, 0), "{r:?}");
    clock.advance(60);
    let r = tick(outbox(loopback()), daily.clone()).await;
    assert_eq!(r.ledger, secman::mlps::RemindReport::default(), "the day is done: {r:?}");
    let r = tick(outbox(loopback()), Arc::default()).await;
    assert_eq!((r.ledger.sent, r.ledger.already), (0, 2), "a restart sends nothing twice: {r:?}");
    let got = drain_wait(&mut rx).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|(e, _, l)| e == "software" && !l.contains("李华") && !l.contains("SCZC") && !l.contains("计算机教室")), "no person, no contract: {got:?}");
    assert!(got.iter().any(|(_, t, l)| t.contains("半年检查即将到期") && l.contains("还有 7 天到期") && l.contains("https://tianfu.example.cn/software/checks")), "{got:?}");
    assert!(got.iter().any(|(_, t, l)| t.contains("WPS Office 2023：授权即将到期") && l.contains("还有 30 天到期") && l.contains(&format!("/software?unit={school}"))), "{got:?}");
    // The next day nothing; on day 8 the check is late since yesterday; on day 15 the
    // 45-day licence is 30 days ahead (the first licence's 7-day mark is day 23).
    clock.advance(86_400);
    assert_eq!(tick(outbox(loopback()), Arc::default()).await.ledger.due, 0);
    clock.advance(7 * 86_400);
    let r = tick(outbox(loopback()), Arc::default()).await;
    assert_eq!((r.ledger.due, r.ledger.sent), (1, 1), "{r:?}");
    assert!(drain_wait(&mut rx).await[0].1.contains("半年检查已逾期"));
    clock.advance(7 * 86_400);
    let r = tick(outbox(loopback()), Arc::default()).await;
    assert_eq!((r.ledger.due, r.ledger.sent), (1, 1), "{r:?}");
    assert!(drain_wait(&mut rx).await[0].1.contains("杀毒软件"));
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("ledger_remind".into()), limit: 50, ..Default::default() }).unwrap());
    assert!(log.iter().all(|e| e.actor == "system") && log.iter().any(|e| e.outcome == "failed") && log.iter().any(|e| e.detail.contains("\"sent\":2")), "{log:?}");
    let _ = soft;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn software_ledger_reminders_once_sqlite() {
    software_ledger_reminders_once(sqlite("remind-ledger")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn software_ledger_reminders_once_postgres() {
    let Some(env) = blocking(|| postgres("remind-ledger")) else { return };
    software_ledger_reminders_once(env).await;
}

/// A 有条件 sharing request past its answer deadline is reminded once, to the robots (topic
/// `share`), naming the request, the consumer and the dataset, not the purpose's people.
async fn overdue_sharing_requests_reminded_once(env: Env) {
    let (port, mut rx) = capture::receiver("{}").await;
    let today = Date::parse_iso("2026-12-07").unwrap();
    let clock = Arc::new(TestClock::on(today));
    let now = clock.now();
    let county = env.places.county;
    let qid = with_store(&env, |s| {
        use store::share::*;
        let all = Scope::all();
        s.add_webhook(&all, &robot(port)).unwrap();
        store::catalog_auto::sync(s, 51, "system", 0).unwrap();
        let rows = s.catalog_list(&all, &store::catalog::CatalogQuery { limit: 100, ..Default::default() }).unwrap().rows;
        let ds = rows.iter().map(|d| d.id).find(|id| s.catalog_dataset(&all, *id).unwrap().unwrap().auto_key == "students").unwrap();
        let whole = Scope::Region { lo: 510000, hi: 519999 };
        let admin = Who { user_id: s.user_by_name("prov").unwrap().unwrap().id, name: "prov".into(), role: store::Role::ProvinceAdmin, scope: whole.clone() };
        let consumer = Who { user_id: s.user_by_name("api").unwrap().unwrap().id, name: "api".into(), role: store::Role::DataConsumer, scope: whole };
        let c = s.share_register_consumer(&admin, &NewConsumer { name: "四川省民政厅".into(), department: Department::CivilAffairs, credit_code: String::new(), contact: "孙科长".into() }, now).unwrap();
        s.share_link_account(&admin, c.id, "api").unwrap();
        let ask = NewRequest { dataset_id: ds, purpose: "困难家庭学生张三核对".into(), fields: vec!["name".into()], filter: RowFilter { region: county, ..Default::default() }, from: today, to: Date::from_days_since_epoch(today.days_since_epoch() + 30) };
        s.share_submit(&consumer, &ask, now + 3600, now).unwrap().id
    });
    let out = web::remind::Outbox { sender: Arc::new(guard::webhook::Sender::new(Arc::new(guard::StaticResolver::new()), &[]).unwrap()), policy: loopback(), extra: Vec::new(), clock: clock.clone() };
    let pool = env.app.state.pool.clone();
    let tick = || {
        let (pool, out, clock) = (pool.clone(), out.clone(), clock.clone());
        let handle = tokio::runtime::Handle::current();
        async move { pool.run(move |s| Ok(web::remind::run(s, &out, &handle, clock.as_ref(), Some("https://tianfu.example.cn"), None)?)).await.unwrap() }
    };
    let r = tick().await;
    assert_eq!((r.share_sent, r.share_failed), (0, 0), "not yet due: {r:?}");
    clock.advance(3600);
    let r = tick().await;
    assert_eq!((r.share_sent, r.share_failed), (1, 0), "{r:?}");
    let r = tick().await;
    assert_eq!(r.share_sent, 0, "once: {r:?}");
    let got: Vec<_> = drain_wait(&mut rx).await.into_iter().filter(|m| m.0 == "share").collect();
    assert_eq!(got.len(), 1, "{got:?}");
    let (_, title, lines) = &got[0];
    assert!(title.contains("共享申请逾期未答复") && lines.contains(&format!("申请编号：{qid}")) && lines.contains("四川省民政厅") && lines.contains("https://tianfu.example.cn/share#queue"), "{title} {lines}");
    assert!(!lines.contains("张三"), "the purpose is not sent: {lines}");
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("share_remind".into()), limit: 5, ..Default::default() }).unwrap());
    assert_eq!(log.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_sharing_requests_reminded_once_sqlite() {
    overdue_sharing_requests_reminded_once(sqlite("remind-share")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_sharing_requests_reminded_once_postgres() {
    let Some(env) = blocking(|| postgres("remind-share")) else { return };
    overdue_sharing_requests_reminded_once(env).await;
}
