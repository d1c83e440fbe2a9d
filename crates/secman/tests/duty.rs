//! Duty and important periods on both backends, driven by a TestClock: a report before and
//! after the cut-off, the day's missing units flagged and reminded once after the cut-off (and
//! still flagged the next morning), the period's boundaries, out-of-area writes refused, who is
//! on duty now (the parent bureau's duty as the fallback) and the gaps of a 24-hour roster.

use secman::duty::{self, ReportInput};
use standard::{Date, Entity};
use store::clock::{Clock, TestClock};
use store::duty::{day_start, Duty, NewContact, NewPeriod, NewShift, Reporters, DEFAULT_CUTOFF};
use store::{Scope, Store, StoreError};

trait Db: Store + Duty {}
impl<T: Store + Duty> Db for T {}

static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn with_backends(f: fn(&mut dyn Db)) {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    f(&mut s);
    match store_postgres::testing::database_url() {
        Some(url) => {
            let schema = format!("tianfu_test_secman_duty_{}_{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).unwrap();
            f(&mut p);
            drop(p);
            postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
        }
        None => eprintln!("TIANFU_TEST_DATABASE_URL is not set: PostgreSQL skipped"),
    }
}

const SCHOOL: &str = "2151010401";

fn d(s: &str) -> Date {
    Date::parse_iso(s).unwrap()
}

fn seed(s: &mut dyn Db) {
    store::suite::import(s, Entity::School, "schools", &[store::suite::school(SCHOOL, "510104", "锦江区实验小学"), store::suite::school("2151010402", "510104", "锦江二小")]);
}

fn county() -> Scope {
    Scope::Region { lo: 510104, hi: 510104 }
}

fn contact(s: &mut dyn Db, unit: i64, post: &str) -> i64 {
    s.create_contact(&Scope::all(), &NewContact { unit_code: unit, name: "值班人".into(), post: post.into(), office_phone: "028-1".into(), mobile: "13800001111".into() }, "o", 0).unwrap().id
}

#[test]
fn reports_cutoff_missing_and_reminders() {
    with_backends(|s| {
        seed(s);
        let clock = TestClock::on(d("2026-09-30"));
        let p = s
            .create_period(&county(), &NewPeriod { area_code: 510104, name: "国庆保障".into(), starts_on: d("2026-10-01"), ends_on: d("2026-10-02"), full_day: true, reporters: Reporters::BureausAndSchools, cutoff_minutes: DEFAULT_CUTOFF }, "officer", clock.now())
            .unwrap();
        s.set_duty_channel(&county(), 510104, Some(9), "officer", 0).unwrap();
        let school = Scope::School { code: SCHOOL.into(), county: 510104 };
        let input = ReportInput { unit_code: SCHOOL.into(), state: "clear".into(), ..Default::default() };
        // The day before the period: refused; nothing to remind.
        assert_eq!(duty::parse_report(&input, &p, clock.today()).unwrap_err()[0].field, "day");
        assert_eq!(duty::due_reminders(s, &clock, &county(), &p).unwrap().1, 0);
        // Day 1, 09:00: on time.
        clock.advance(86_400);
        let r = duty::parse_report(&input, &p, clock.today()).unwrap();
        let filed = duty::file_report(s, &clock, &school, &p, &r, "head").unwrap();
        assert!(!filed.late);
        // Before the cut-off no reminder; after it, the bureau and the other school, once.
        assert_eq!(duty::due_reminders(s, &clock, &county(), &p).unwrap().1, 0);
        clock.set(p.cutoff_of(d("2026-10-01")) + 60);
        let (msgs, n) = duty::due_reminders(s, &clock, &county(), &p).unwrap();
        assert_eq!(n, 2);
        assert_eq!(msgs.len(), 1, "both fall back to the county's robot");
        assert_eq!(msgs[0].webhook_id, 9);
        assert!(msgs[0].lines.iter().any(|l| l.contains("锦江二小")));
        assert!(!msgs.iter().flat_map(|m| &m.lines).any(|l| l.contains("138")), "no phone in a message");
        assert_eq!(duty::due_reminders(s, &clock, &county(), &p).unwrap().1, 0, "once per unit per day");
        // A report after the cut-off is accepted, marked late.
        let r2 = duty::parse_report(&ReportInput { unit_code: "2151010402".into(), state: "events".into(), body: "发现钓鱼邮件".into(), ..Default::default() }, &p, clock.today()).unwrap();
        assert!(duty::file_report(s, &clock, &county(), &p, &r2, "officer").unwrap().late);
        // The next morning: day 1's missing unit is still flagged; day 2's are all missing.
        clock.advance(16 * 3600);
        assert_eq!(clock.today(), d("2026-10-02"));
        let st = s.day_status(&county(), p.id, d("2026-10-01"), None).unwrap();
        assert_eq!(st.missing.iter().map(|u| u.code).collect::<Vec<_>>(), vec![510104]);
        assert_eq!((st.regions[0].late, st.regions[0].with_events), (1, 1));
        assert_eq!(s.day_status(&county(), p.id, clock.today(), None).unwrap().missing.len(), 3);
        // After the period: a day outside is refused, in the rules and in the store.
        clock.advance(86_400);
        assert_eq!(duty::parse_report(&input, &p, clock.today()).unwrap_err()[0].field, "day");
        let outside = store::duty::NewReport { unit_code: 510104, day: d("2026-10-03"), all_clear: true, body: String::new(), incident_id: None };
        assert!(matches!(s.file_report(&county(), p.id, &outside, false, "o", clock.now()).unwrap_err(), StoreError::Conflict(_)));
        assert_eq!(duty::due_reminders(s, &clock, &county(), &p).unwrap().1, 0);
        // Out of area.
        let other = Scope::Region { lo: 510105, hi: 510105 };
        assert!(matches!(duty::file_report(s, &clock, &other, &p, &r, "x").unwrap_err(), StoreError::OutOfScope));
    });
}

#[test]
fn on_duty_fallback_and_roster_gaps() {
    with_backends(|s| {
        seed(s);
        let clock = TestClock::on(d("2026-10-01"));
        let unit: i64 = SCHOOL.parse().unwrap();
        assert!(duty::on_duty(s, &Scope::all(), unit, clock.now()).unwrap().is_none());
        let officer = contact(s, 510104, "值班员");
        let leader = contact(s, 510104, "带班领导");
        let day = day_start(d("2026-10-01"));
        s.create_shift(&county(), &NewShift { unit_code: 510104, starts_at: day, ends_at: day + 18 * 3600, contact_id: officer, leader_id: Some(leader), note: String::new() }, "o", 0).unwrap();
        let now = duty::on_duty(s, &Scope::all(), unit, clock.now()).unwrap().expect("the county's duty covers the school");
        assert_eq!((now.unit_code, now.shift.contact_post.as_str()), (510104, "值班员"));
        let own = contact(s, unit, "值班员（学校）");
        s.create_shift(&county(), &NewShift { unit_code: unit, starts_at: day + 8 * 3600, ends_at: day + 17 * 3600, contact_id: own, leader_id: None, note: String::new() }, "o", 0).unwrap();
        assert_eq!(duty::on_duty(s, &Scope::all(), unit, clock.now()).unwrap().unwrap().unit_code, unit);
        clock.advance(10 * 3600); // 19:00: nobody at the school nor at the county
        assert!(duty::on_duty(s, &Scope::all(), unit, clock.now()).unwrap().is_none());
        // The robot message names posts, not people.
        s.set_duty_channel(&county(), 510104, Some(4), "o", 0).unwrap();
        clock.set(day + 3600);
        let m = duty::notify_on_duty(s, &clock, &Scope::all(), unit, "incident", "【事件】网站篡改", &[]).unwrap().unwrap();
        assert_eq!(m.webhook_id, 4);
        assert!(m.lines.iter().any(|l| l.contains("值班员") && l.contains("带班领导")), "{:?}", m.lines);
        assert!(!m.lines.iter().any(|l| l.contains("值班人") || l.contains("138")));
        // 24-hour duty: the county's roster leaves 18:00–24:00 of day 1 and all of day 2.
        let p = s
            .create_period(&county(), &NewPeriod { area_code: 510104, name: "国庆保障".into(), starts_on: d("2026-10-01"), ends_on: d("2026-10-02"), full_day: true, reporters: Reporters::Bureaus, cutoff_minutes: DEFAULT_CUTOFF }, "o", 0)
            .unwrap();
        let gaps = duty::uncovered_units(s, &clock, &county(), &p, None).unwrap();
        assert_eq!(gaps.len(), 1);
        assert_eq!((gaps[0].unit.code, gaps[0].first_gap, gaps[0].seconds), (510104, (day + 18 * 3600, day + 2 * 86_400), 30 * 3600));
        s.create_shift(&county(), &NewShift { unit_code: 510104, starts_at: day + 18 * 3600, ends_at: day + 2 * 86_400, contact_id: officer, leader_id: None, note: String::new() }, "o", 0).unwrap();
        assert!(duty::uncovered_units(s, &clock, &county(), &p, None).unwrap().is_empty());
    });
}
