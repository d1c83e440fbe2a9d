//! Incidents by the emergency plan on both backends: a school's incident reported, confirmed
//! with class and grade, handled, recovered and closed with a review, each step on the timeline
//! and in the audit log; steps refused by state, role and area; the reporting deadline counted
//! from discovery and the escalation up the tree driven by a TestClock; a report upward stops it;
//! the review's working-day deadline after recovery across National Day 2026 and its adjusted
//! working Saturday, announced once when overdue.

use secman::incidents::{self, NewIncident, Rules, StepInput};
use standard::Entity;
use store::clock::{Clock, TestClock};
use store::flow::Actor;
use store::incidents::{IncidentQuery, IncidentState, Incidents};
use store::{AuditFilter, AuditLog, Role, Scope, Store};

const T0: i64 = 1_800_000_000;
const SCHOOL: &str = "2151010401";

trait Db: Store + Incidents + AuditLog + store::calendar::CalendarStore {}
impl<T: Store + Incidents + AuditLog + store::calendar::CalendarStore> Db for T {}

fn with_backends(f: fn(&mut dyn Db)) {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    s.set_audit_chain(store::audit::AuditChain::temporary());
    f(&mut s);
    match store_postgres::testing::database_url() {
        Some(url) => {
            let schema = format!("tianfu_test_secman_{}_{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).unwrap();
            p.set_audit_chain(store::audit::AuditChain::temporary());
            f(&mut p);
            drop(p);
            postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
        }
        None => eprintln!("TIANFU_TEST_DATABASE_URL is not set: PostgreSQL skipped"),
    }
}

static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn seed(s: &mut dyn Db) {
    store::suite::import(s, Entity::School, "schools", &[store::suite::school(SCHOOL, "510104", "锦江区实验小学"), store::suite::school("2151010501", "510105", "青羊区实验小学")]);
}

fn actor(name: &str, role: Role, scope: Scope) -> Actor {
    Actor::new(name, role, scope, "127.0.0.1")
}

fn jinjiang() -> Scope {
    Scope::Region { lo: 510104, hi: 510104 }
}

fn new(title: &str, grade: Option<u8>) -> NewIncident {
    NewIncident { title: title.into(), unit: SCHOOL.into(), unit_kind: "other".into(), description: "门户网站首页出现异常内容".into(), discovered_at: Some(T0 - 600), proposed_class: Some("C02-11".into()), proposed_grade: grade }
}

fn input(note: &str) -> StepInput {
    StepInput { note: note.into(), ..Default::default() }
}

#[test]
fn lifecycle_steps_timeline_and_audit() {
    with_backends(|s| {
        seed(s);
        let clock = TestClock::at(T0);
        let rules = Rules::default();
        let sec = actor("jj_sec", Role::SecurityOfficer, jinjiang());
        let i = incidents::report(s, &sec, &new("锦江区实验小学网站首页被篡改", Some(3)), &rules, &clock).unwrap();
        assert_eq!((i.state, i.region, i.school.as_deref()), (IncidentState::Reported, 510104, Some(SCHOOL)));
        assert_eq!(i.due_at, T0 - 600 + 4 * 3600, "较大, other unit: 4 hours from discovery");

        // Refused: another county (as not found), an auditor, a step from the wrong state,
        // a confirmation without grade.
        let qy = actor("qy", Role::CountyOfficer, Scope::Region { lo: 510105, hi: 510105 });
        assert_eq!(incidents::take(s, &qy, i.id, "confirm", &StepInput { class_code: Some("C02-11".into()), grade: Some(3), ..input("") }, &rules, &clock).unwrap(), None);
        let aud = actor("aud", Role::Auditor, jinjiang());
        assert!(incidents::take(s, &aud, i.id, "confirm", &StepInput { class_code: Some("C02-11".into()), grade: Some(3), ..input("") }, &rules, &clock).unwrap_err().to_string().contains("不在您的管辖范围"));
        assert!(incidents::take(s, &sec, i.id, "close", &input("总结写在这里，足够十个字"), &rules, &clock).unwrap_err().to_string().contains("先标记恢复"));
        assert!(incidents::take(s, &sec, i.id, "confirm", &StepInput { class_code: Some("C02-11".into()), ..input("") }, &rules, &clock).unwrap_err().to_string().contains("分级"));
        assert!(incidents::take(s, &sec, i.id, "confirm", &StepInput { class_code: Some("XX".into()), grade: Some(3), ..input("") }, &rules, &clock).is_err());

        clock.advance(300);
        let c = incidents::take(s, &sec, i.id, "confirm", &StepInput { class_code: Some("C02-11".into()), grade: Some(2), ..input("经核实为篡改") }, &rules, &clock).unwrap().unwrap();
        assert_eq!((c.state, c.grade, c.class_code.as_deref()), (IncidentState::Confirmed, Some(2), Some("C02-11")));
        assert_eq!(c.due_at, T0 - 600 + 4 * 3600);
        // A second confirmation: stale.
        assert!(incidents::take(s, &sec, i.id, "confirm", &StepInput { class_code: Some("C02-11".into()), grade: Some(2), ..input("") }, &rules, &clock).unwrap_err().to_string().contains("已确认过"));
        let school_admin = actor("school", Role::SchoolAdmin, Scope::School { code: SCHOOL.into(), county: 510104 });
        clock.advance(300);
        incidents::take(s, &school_admin, i.id, "report_up", &StepInput { to_unit: Some("锦江区教育局".into()), ..input("电话报告") }, &rules, &clock).unwrap().unwrap();
        for (a, note) in [("handle", "断开网站，保留日志"), ("note", "已清除篡改页面"), ("recover", "网站恢复访问")] {
            clock.advance(600);
            incidents::take(s, &sec, i.id, a, &input(note), &rules, &clock).unwrap().unwrap();
        }
        assert!(incidents::take(s, &sec, i.id, "close", &input("太短"), &rules, &clock).unwrap_err().to_string().contains("至少 10 个字"));
        let closed = incidents::take(s, &sec, i.id, "close", &input("原因：弱口令；影响：首页 2 小时；已整改：更换口令并加固"), &rules, &clock).unwrap().unwrap();
        assert_eq!(closed.state, IncidentState::Closed);
        assert!(closed.review.contains("弱口令"));
        assert_eq!(closed.reported_up_at, Some(T0 + 600));

        let steps = s.incident_steps(&jinjiang(), i.id).unwrap();
        let got: Vec<(&str, &str, i64)> = steps.iter().map(|x| (x.action.as_str(), x.actor.as_str(), x.at - T0)).collect();
        assert_eq!(got, vec![("report", "jj_sec", 0), ("confirm", "jj_sec", 300), ("report_up", "school", 600), ("handle", "jj_sec", 1200), ("note", "jj_sec", 1800), ("recover", "jj_sec", 2400), ("close", "jj_sec", 2400)]);
        assert_eq!(steps[2].to_unit.as_deref(), Some("锦江区教育局"));

        let log = s.audit_entries(&AuditFilter { limit: 100, ..Default::default() }).unwrap();
        let mut acts: Vec<(String, String)> = log.iter().filter(|e| e.target == format!("incident:{}", i.id)).map(|e| (e.action.clone(), e.outcome.clone())).collect();
        acts.reverse();
        assert!(acts.contains(&("incident_report".into(), "ok".into())) && acts.contains(&("incident_close".into(), "ok".into())), "{acts:?}");
        assert!(acts.iter().filter(|(_, o)| o == "denied").count() >= 4, "the refusals are audited: {acts:?}");
        assert!(!log.iter().any(|e| e.actor == "qy"), "a step on an incident outside the area says nothing, even to the log");
    });
}

#[test]
fn reports_are_checked() {
    with_backends(|s| {
        seed(s);
        let clock = TestClock::at(T0);
        let rules = Rules::default();
        let qy = actor("qy", Role::CountyOfficer, Scope::Region { lo: 510105, hi: 510105 });
        let e = incidents::report(s, &qy, &new("别区学校", None), &rules, &clock).unwrap_err().to_string();
        assert!(e.contains("只能为本单位及下级单位报告事件"), "{e}");
        let sec = actor("jj_sec", Role::SecurityOfficer, jinjiang());
        for (n, want) in [
            (NewIncident { title: " ".into(), ..new("x", None) }, "请填写事件名称"),
            (NewIncident { unit: "2151099999".into(), ..new("x", None) }, "单位代码无效"),
            (NewIncident { unit: "abc".into(), ..new("x", None) }, "单位代码无效"),
            (NewIncident { unit_kind: "bank".into(), ..new("x", None) }, "单位类别无效"),
            (NewIncident { proposed_grade: Some(5), ..new("x", None) }, "事件分级无效"),
            (NewIncident { discovered_at: Some(T0 + 86_400), ..new("x", None) }, "发现时间不能晚于现在"),
        ] {
            let e = incidents::report(s, &sec, &n, &rules, &clock).unwrap_err().to_string();
            assert!(e.contains(want), "{e} / {want}");
        }
        let consumer = actor("dc", Role::DataConsumer, jinjiang());
        assert!(incidents::report(s, &consumer, &new("x", None), &rules, &clock).is_err());
        // The county's own incident (a division as the unit).
        let own = incidents::report(s, &sec, &NewIncident { unit: "510104".into(), ..new("区局邮件系统异常", None) }, &rules, &clock).unwrap();
        assert_eq!((own.unit_code, own.region, own.school), (510104, 510104, None));
        assert!(s.incidents(&Scope::all(), &IncidentQuery { limit: 10, ..Default::default() }).unwrap().len() == 1, "nothing else was stored");
    });
}

#[test]
fn deadlines_escalate_up_the_tree_with_a_controlled_clock() {
    with_backends(|s| {
        seed(s);
        let clock = TestClock::at(T0);
        let rules = Rules::default();
        let sec = actor("jj_sec", Role::SecurityOfficer, jinjiang());
        // Discovered 10 minutes ago, proposed 较大 (III): 4 hours; a CII unit's: 1 hour.
        let a = incidents::report(s, &sec, &new("较大事件", Some(3)), &rules, &clock).unwrap();
        let cii = incidents::report(s, &sec, &NewIncident { unit_kind: "cii".into(), ..new("关基事件", Some(2)) }, &rules, &clock).unwrap();
        let minor = incidents::report(s, &sec, &new("一般事件", Some(4)), &rules, &clock).unwrap();
        assert_eq!((a.due_at - a.discovered_at, cii.due_at - cii.discovered_at, minor.due_at - minor.discovered_at), (4 * 3600, 3600, 24 * 3600));

        // 49 minutes on: the CII incident is 1 minute short of its hour; nothing escalates.
        clock.advance(49 * 60);
        let r = incidents::sweep(s, &rules, &clock).unwrap();
        assert_eq!((r.overdue, r.escalated.len()), (0, 0));
        // 51 minutes on: the CII incident is overdue and goes to the county.
        clock.advance(2 * 60);
        let r = incidents::sweep(s, &rules, &clock).unwrap();
        assert_eq!(r.escalated, vec![(cii.id, 510104)]);
        assert!(incidents::sweep(s, &rules, &clock).unwrap().escalated.is_empty(), "once per level");
        let overdue = s.incidents(&jinjiang(), &IncidentQuery { overdue_at: Some(clock.now()), limit: 50, ..Default::default() }).unwrap();
        assert_eq!(overdue.iter().map(|i| i.id).collect::<Vec<_>>(), vec![cii.id]);
        // A further hour: the city; then the province, and no further.
        clock.advance(3600);
        assert_eq!(incidents::sweep(s, &rules, &clock).unwrap().escalated, vec![(cii.id, 510100)]);
        clock.advance(3600);
        let r = incidents::sweep(s, &rules, &clock).unwrap();
        assert_eq!(r.escalated, vec![(cii.id, 510000)]);
        // At 4 h 1 min after discovery the 较大 one follows; its report upward then stops it.
        clock.set(a.due_at + 60);
        let r = incidents::sweep(s, &rules, &clock).unwrap();
        assert_eq!(r.escalated, vec![(a.id, 510104)]);
        incidents::take(s, &sec, a.id, "report_up", &StepInput { to_unit: Some("成都市教育局".into()), ..input("书面报告") }, &rules, &clock).unwrap().unwrap();
        clock.advance(5 * 3600);
        let r = incidents::sweep(s, &rules, &clock).unwrap();
        assert!(!r.escalated.iter().any(|(id, _)| *id == a.id), "{r:?}");
        assert!(!r.escalated.iter().any(|(id, _)| *id == minor.id), "the 一般 one still has time: {r:?}");
        let steps = s.incident_steps(&jinjiang(), cii.id).unwrap();
        let esc: Vec<_> = steps.iter().filter(|x| x.action == "escalate").map(|x| (x.actor.as_str(), x.to_unit.clone().unwrap())).collect();
        assert_eq!(esc, vec![("system", "锦江区".to_string()), ("system", "成都市".to_string()), ("system", "四川省".to_string())]);
        let log = s.audit_entries(&AuditFilter { action: Some("incident_escalate".into()), limit: 100, ..Default::default() }).unwrap();
        assert_eq!(log.len(), 4);
        // A configured deadline: 较大 at other units within 6 hours.
        let six = Rules { deadlines: incidents::Deadlines::parse("other=6").unwrap(), ..rules };
        assert_eq!(six.deadlines.due(&a) - a.discovered_at, 6 * 3600);
    });
}

#[test]
fn the_review_is_due_five_working_days_after_recovery_across_national_day() {
    with_backends(|s| {
        seed(s);
        // Recovered on Wednesday 2026-09-30: National Day rests 10-01 to 10-07, Saturday 10-10 is
        // worked (调休). Five working days: 10-08, 10-09, 10-10 (Sat), 10-12, 10-13.
        let clock = TestClock::on(standard::Date { year: 2026, month: 9, day: 30 });
        let rules = Rules::default();
        let sec = actor("jj_sec", Role::SecurityOfficer, jinjiang());
        let n = NewIncident { discovered_at: None, ..new("需复盘的事件", Some(3)) };
        let i = incidents::report(s, &sec, &n, &rules, &clock).unwrap();
        incidents::take(s, &sec, i.id, "confirm", &StepInput { class_code: Some("C02-11".into()), grade: Some(3), ..input("") }, &rules, &clock).unwrap().unwrap();
        incidents::take(s, &sec, i.id, "report_up", &StepInput { to_unit: Some("锦江区教育局".into()), ..input("电话报告") }, &rules, &clock).unwrap().unwrap();
        incidents::take(s, &sec, i.id, "handle", &input("处置"), &rules, &clock).unwrap().unwrap();
        assert_eq!(s.incident(&jinjiang(), i.id).unwrap().unwrap().review_due_at, None, "no review deadline before recovery");
        let r = incidents::take(s, &sec, i.id, "recover", &input("已恢复"), &rules, &clock).unwrap().unwrap();
        assert_eq!(r.recovered_at, Some(clock.now()));
        assert_eq!(incidents::review_due_date(&r), Some(standard::Date { year: 2026, month: 10, day: 13 }));
        // The deadline is 24:00 CST of 10-13: the first late moment is 10-14 00:00 CST.
        let late = standard::Date { year: 2026, month: 10, day: 14 }.days_since_epoch() * 86_400 - 8 * 3600;
        assert_eq!(r.review_due_at, Some(late));
        let q = |now: i64| IncidentQuery { review_overdue_at: Some(now), limit: 50, ..Default::default() };

        // The last minute of 10-13: not overdue, nothing said.
        clock.set(late - 60);
        assert!(!s.incident(&jinjiang(), i.id).unwrap().unwrap().review_overdue(clock.now()));
        assert!(s.incidents(&jinjiang(), &q(clock.now())).unwrap().is_empty());
        let sw = incidents::sweep(s, &rules, &clock).unwrap();
        assert!(sw.review_overdue.is_empty() && sw.notices.is_empty(), "{sw:?}");
        // 10-14: overdue, listed by the filter (in the area only), announced once.
        clock.set(late + 3600);
        assert_eq!(s.incidents(&jinjiang(), &q(clock.now())).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![i.id]);
        assert!(s.incidents(&Scope::Region { lo: 510105, hi: 510105 }, &q(clock.now())).unwrap().is_empty(), "another county sees none");
        let sw = incidents::sweep(s, &rules, &clock).unwrap();
        assert_eq!(sw.review_overdue, vec![i.id]);
        assert_eq!(sw.notices.len(), 1);
        let text = format!("{} {}", sw.notices[0].title, sw.notices[0].lines.join(" "));
        assert!(text.contains("复盘逾期") && text.contains("2026-10-13") && text.contains("锦江区实验小学"), "{text}");
        assert!(!text.contains("jj_sec"), "no person named: {text}");
        clock.advance(86_400);
        let again = incidents::sweep(s, &rules, &clock).unwrap();
        assert!(again.review_overdue.is_empty() && again.notices.is_empty(), "once: {again:?}");
        let steps = s.incident_steps(&jinjiang(), i.id).unwrap();
        assert_eq!(steps.iter().filter(|x| x.action == "review_overdue" && x.actor == "system").count(), 1);
        assert_eq!(s.audit_entries(&AuditFilter { action: Some("incident_review_overdue".into()), limit: 10, ..Default::default() }).unwrap().len(), 1);
        // Closing records the review: no longer overdue.
        let c = incidents::take(s, &sec, i.id, "close", &input("原因：弱口令；影响：首页 2 小时；已整改"), &rules, &clock).unwrap().unwrap();
        assert!(!c.review_overdue(clock.now()));
        assert!(s.incidents(&jinjiang(), &q(clock.now())).unwrap().is_empty());
        // Three working days, as configured.
        let three = Rules::from_settings("2023", "", 60, 3).unwrap();
        let cal = store::calendar::Calendar::embedded();
        assert_eq!(incidents::review_due(&cal, &three, r.recovered_at.unwrap()), standard::Date { year: 2026, month: 10, day: 11 }.days_since_epoch() * 86_400 - 8 * 3600, "3rd working day: Saturday 10-10");
    });
}
