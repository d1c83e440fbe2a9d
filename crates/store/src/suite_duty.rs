//! The tests of duty and important periods' storage ([`crate::duty::Duty`]) every backend must
//! pass ([`duty_suite!`]), the scope cases included: a county neither reads nor writes another
//! county's contacts, a school only its own, a refusal says nothing about existence, and the
//! day's missing list counts only the reporting units of the reader's part of the area.

use crate::duty::*;
use crate::suite::{import, school as school_row};
use crate::{Scope, StoreError};
use standard::Date;

/// What the suite needs of a backend.
pub trait DutyStore: crate::Store + Duty {}
impl<T: crate::Store + Duty> DutyStore for T {}

#[macro_export]
macro_rules! duty_suite {
    ($make:expr) => {
        $crate::duty_suite!(@tests $make;
            contacts_and_shifts_are_scoped, periods_reports_and_missing_units, channels_and_reminders);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_duty::$name(&mut s);
            }
        )*
    };
}

/// Two schools in 锦江区 (510104), one in 自流井区 (510302).
pub fn schools(s: &mut dyn DutyStore) {
    import(s, standard::Entity::School, "s", &[school_row("2151010401", "510104", "锦江实验小学"), school_row("2151010402", "510104", "锦江二小"), school_row("2151030201", "510302", "自流井小学")]);
}

pub const T0: i64 = 1_800_000_000;

pub fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("a date")
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

fn school(code: &str, c: u32) -> Scope {
    Scope::School { code: code.into(), county: c }
}

pub fn contact(unit: i64, name: &str, post: &str) -> NewContact {
    NewContact { unit_code: unit, name: name.into(), post: post.into(), office_phone: "028-86000000".into(), mobile: "13812341234".into() }
}

pub fn contacts_and_shifts_are_scoped(s: &mut dyn DutyStore) {
    schools(s);
    let jj = county(510104);
    let zlj = county(510302);
    let a = s.create_contact(&jj, &contact(2151010401, "张老师", "值班员"), "officer", T0).unwrap();
    assert_eq!((a.region_code, a.new.post.as_str(), a.created_by.as_str()), (510104, "值班员", "officer"));
    let lead = s.create_contact(&school("2151010401", 510104), &contact(2151010401, "李校长", "网络安全负责人"), "head", T0).unwrap();
    let bureau = s.create_contact(&jj, &contact(510104, "王科长", "网络安全负责人"), "officer", T0).unwrap();
    assert_eq!(bureau.region_code, 510104);
    // Out of area: another county, another school, an unknown unit.
    assert!(matches!(s.create_contact(&zlj, &contact(2151010401, "x", "值班员"), "o", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_contact(&school("2151010402", 510104), &contact(2151010401, "x", "值班员"), "o", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_contact(&jj, &contact(999, "x", "值班员"), "o", T0).unwrap_err(), StoreError::Conflict(_)));
    assert!(matches!(s.update_contact(&zlj, a.id, &contact(2151030201, "x", "值班员"), T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.update_contact(&jj, a.id, &contact(2151030201, "x", "值班员"), T0).unwrap_err(), StoreError::OutOfScope), "moving out of the area");
    assert!(matches!(s.update_contact(&jj, 999_999, &contact(2151010401, "x", "值班员"), T0).unwrap_err(), StoreError::OutOfScope), "missing answers as outside");
    let a2 = s.update_contact(&jj, a.id, &contact(2151010401, "张老师", "值班员（夜班）"), T0 + 5).unwrap();
    assert_eq!((a2.new.post.as_str(), a2.updated_at), ("值班员（夜班）", T0 + 5));
    // Reads.
    assert_eq!(s.contacts(&jj, None, 50).unwrap().len(), 3);
    assert_eq!(s.contacts(&jj, Some(2151010401), 50).unwrap().len(), 2);
    assert_eq!(s.contacts(&school("2151010401", 510104), None, 50).unwrap().len(), 2);
    assert!(s.contacts(&school("2151010402", 510104), None, 50).unwrap().is_empty());
    assert!(s.contacts(&zlj, None, 50).unwrap().is_empty());
    assert!(s.contacts(&Scope::Nothing, None, 50).unwrap().is_empty());
    assert!(s.contact(&zlj, a.id).unwrap().is_none());
    assert_eq!(s.contact(&Scope::all(), a.id).unwrap().unwrap().new.name, "张老师");
    // Shifts.
    let day = day_start(d("2026-12-07"));
    let sh = s.create_shift(&jj, &NewShift { unit_code: 2151010401, starts_at: day, ends_at: day + 12 * 3600, contact_id: a.id, leader_id: Some(lead.id), note: "白班".into() }, "officer", T0).unwrap();
    assert_eq!((sh.contact_name.as_str(), sh.leader_post.as_str(), sh.region_code), ("张老师", "网络安全负责人", 510104));
    let night = s.create_shift(&jj, &NewShift { unit_code: 2151010401, starts_at: day + 12 * 3600, ends_at: day + 86_400, contact_id: a.id, leader_id: None, note: String::new() }, "officer", T0).unwrap();
    assert_eq!((night.leader_name.as_str(), night.new.leader_id), ("", None));
    let other_unit = NewShift { unit_code: 2151010401, starts_at: day, ends_at: day + 3600, contact_id: bureau.id, leader_id: None, note: String::new() };
    assert!(matches!(s.create_shift(&jj, &other_unit, "o", T0).unwrap_err(), StoreError::Conflict(_)), "the bureau's contact is not the school's");
    assert!(matches!(s.create_shift(&zlj, &NewShift { contact_id: a.id, ..other_unit.clone() }, "o", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_shift(&jj, &NewShift { contact_id: a.id, ends_at: day, ..other_unit.clone() }, "o", T0).unwrap_err(), StoreError::Conflict(_)));
    assert_eq!(s.shifts(&jj, Some(2151010401), day + 3600, day + 3601, 50).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![sh.id]);
    assert_eq!(s.shifts(&jj, None, day, day + 86_400, 50).unwrap().len(), 2);
    assert!(s.shifts(&zlj, None, day, day + 86_400, 50).unwrap().is_empty());
    assert!(s.shifts(&jj, None, day + 86_400, day + 2 * 86_400, 50).unwrap().is_empty(), "the window's end is exclusive");
    assert!(matches!(s.delete_contact(&jj, a.id).unwrap_err(), StoreError::Conflict(_)), "on the roster");
    assert!(matches!(s.delete_shift(&zlj, night.id).unwrap_err(), StoreError::OutOfScope));
    s.delete_shift(&jj, night.id).unwrap();
    s.delete_shift(&jj, sh.id).unwrap();
    s.delete_contact(&jj, a.id).unwrap();
    assert!(s.contact(&jj, a.id).unwrap().is_none());
    assert_eq!(s.unit_parent(2151010401).unwrap(), Some(510104));
    assert_eq!(s.unit_name(2151010401).unwrap().as_deref(), Some("锦江实验小学"));
}

pub fn period(area: u32, reporters: Reporters) -> NewPeriod {
    NewPeriod { area_code: area, name: "元旦假期".into(), starts_on: d("2026-12-30"), ends_on: d("2027-01-03"), full_day: true, reporters, cutoff_minutes: DEFAULT_CUTOFF }
}

fn report(unit: i64, day: &str) -> NewReport {
    NewReport { unit_code: unit, day: d(day), all_clear: true, body: String::new(), incident_id: None }
}

pub fn periods_reports_and_missing_units(s: &mut dyn DutyStore) {
    schools(s);
    let jj = county(510104);
    let zlj = county(510302);
    // Who sets periods where.
    assert!(matches!(s.create_period(&jj, &period(510000, Reporters::Bureaus), "o", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_period(&school("2151010401", 510104), &period(510104, Reporters::Bureaus), "o", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_period(&jj, &NewPeriod { ends_on: d("2026-12-01"), ..period(510104, Reporters::Bureaus) }, "o", T0).unwrap_err(), StoreError::Conflict(_)));
    let p = s.create_period(&jj, &period(510104, Reporters::BureausAndSchools), "officer", T0).unwrap();
    assert_eq!((p.new.area_code, p.new.cutoff_minutes, p.created_by.as_str()), (510104, DEFAULT_CUTOFF, "officer"));
    let prov = s.create_period(&Scope::all(), &period(510000, Reporters::Bureaus), "province", T0).unwrap();
    // Reads: the area meets the reader's.
    assert_eq!(s.periods(&jj, 50).unwrap().len(), 2);
    assert_eq!(s.periods(&zlj, 50).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![prov.id]);
    assert!(s.period(&zlj, p.id).unwrap().is_none());
    assert!(s.period(&school("2151010401", 510104), p.id).unwrap().is_some());
    assert!(s.periods(&Scope::Nothing, 50).unwrap().is_empty());
    // Reporting units: the county bureau and its two schools.
    let units = s.reporting_units(&jj, p.id, None).unwrap();
    assert_eq!(units.iter().map(|u| u.code).collect::<Vec<_>>(), vec![510104, 2151010401, 2151010402]);
    assert!(s.reporting_units(&zlj, p.id, None).unwrap().is_empty());
    // Reports: on time, late, out of area, outside the period, not a reporting unit.
    let r1 = s.file_report(&school("2151010401", 510104), p.id, &report(2151010401, "2026-12-30"), false, "head", T0).unwrap();
    assert_eq!((r1.region_code, r1.late), (510104, false));
    let mut ev = report(510104, "2026-12-30");
    ev.all_clear = false;
    ev.body = "一所学校网站被篡改，已处置".into();
    ev.incident_id = Some(7);
    s.file_report(&jj, p.id, &ev, true, "officer", T0 + 1).unwrap();
    assert!(matches!(s.file_report(&zlj, p.id, &report(2151030201, "2026-12-30"), false, "o", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.file_report(&school("2151010401", 510104), p.id, &report(2151010402, "2026-12-30"), false, "o", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.file_report(&jj, p.id, &report(2151010402, "2027-01-04"), false, "o", T0).unwrap_err(), StoreError::Conflict(_)));
    assert!(matches!(s.file_report(&Scope::all(), prov.id, &report(2151010402, "2026-12-30"), false, "o", T0).unwrap_err(), StoreError::OutOfScope), "schools do not report in a bureaus-only period");
    assert!(matches!(s.file_report(&jj, 999_999, &report(510104, "2026-12-30"), false, "o", T0).unwrap_err(), StoreError::OutOfScope));
    // Filing again the same day replaces.
    let r1b = s.file_report(&school("2151010401", 510104), p.id, &report(2151010401, "2026-12-30"), true, "head", T0 + 2).unwrap();
    assert!(r1b.late);
    let reps = s.reports(&jj, p.id, Some(d("2026-12-30")), 50).unwrap();
    assert_eq!(reps.len(), 2);
    let bureau = reps.iter().find(|r| r.new.unit_code == 510104).unwrap();
    assert_eq!((bureau.new.all_clear, bureau.new.incident_id, bureau.late), (false, Some(7), true));
    assert_eq!(s.reports(&school("2151010402", 510104), p.id, None, 50).unwrap().len(), 0);
    assert!(s.reports(&zlj, p.id, None, 50).unwrap().is_empty());
    // The day's status.
    let st = s.day_status(&jj, p.id, d("2026-12-30"), None).unwrap();
    assert_eq!(st.missing.iter().map(|u| u.code).collect::<Vec<_>>(), vec![2151010402]);
    assert_eq!(st.regions, vec![RegionStatus { code: 510104, expected: 3, reported: 2, late: 2, with_events: 1, missing: 1 }]);
    let next = s.day_status(&jj, p.id, d("2026-12-31"), None).unwrap();
    assert_eq!((next.missing.len(), total(&next.regions).missing), (3, 3));
    let mine = s.day_status(&school("2151010402", 510104), p.id, d("2026-12-30"), None).unwrap();
    assert_eq!(mine.missing.iter().map(|u| u.code).collect::<Vec<_>>(), vec![2151010402]);
    assert_eq!((mine.regions[0].expected, mine.regions[0].late), (1, 0), "a school sees its own figures only");
    assert_eq!(s.day_status(&zlj, p.id, d("2026-12-30"), None).unwrap(), DayStatus::default());
    // The province-wide, bureaus-only period: the province, cities and counties of the tree.
    let pst = s.day_status(&Scope::all(), prov.id, d("2026-12-30"), None).unwrap();
    let t = total(&pst.regions);
    assert!(t.expected > 100 && t.missing == t.expected, "{t:?}");
    assert!(pst.missing.iter().all(|u| u.code < 1_000_000));
    let county_view = s.day_status(&zlj, prov.id, d("2026-12-30"), None).unwrap();
    assert_eq!(county_view.missing.iter().map(|u| u.code).collect::<Vec<_>>(), vec![510302]);
    let city = s.day_status(&Scope::all(), prov.id, d("2026-12-30"), Some(510100)).unwrap();
    assert!(city.missing.iter().all(|u| (510100..=510199).contains(&u.code)) && !city.missing.is_empty());
    let cities = by_level(&pst.regions, crate::OrgLevel::Province);
    assert_eq!(total(&cities).expected, t.expected);
}

pub fn channels_and_reminders(s: &mut dyn DutyStore) {
    schools(s);
    let jj = county(510104);
    s.set_duty_channel(&jj, 2151010401, Some(3), "officer", T0).unwrap();
    assert_eq!(s.duty_channel(&jj, 2151010401).unwrap().map(|c| c.webhook_id), Some(3));
    assert!(s.duty_channel(&county(510302), 2151010401).unwrap().is_none());
    assert!(matches!(s.set_duty_channel(&county(510302), 2151010401, Some(4), "o", T0).unwrap_err(), StoreError::OutOfScope));
    s.set_duty_channel(&jj, 2151010401, Some(5), "officer", T0).unwrap();
    assert_eq!(s.duty_channel(&jj, 2151010401).unwrap().map(|c| c.webhook_id), Some(5));
    s.set_duty_channel(&jj, 2151010401, None, "officer", T0).unwrap();
    assert!(s.duty_channel(&jj, 2151010401).unwrap().is_none());
    let p = s.create_period(&jj, &period(510104, Reporters::BureausAndSchools), "officer", T0).unwrap();
    let day = d("2026-12-30");
    assert_eq!(s.claim_reminders(p.id, day, &[510104, 2151010401], T0).unwrap(), vec![510104, 2151010401]);
    assert_eq!(s.claim_reminders(p.id, day, &[510104, 2151010402], T0).unwrap(), vec![2151010402], "once per unit per day");
    assert_eq!(s.claim_reminders(p.id, d("2026-12-31"), &[510104], T0).unwrap(), vec![510104]);
    // A reminder not delivered is given back, and claimed again (once).
    s.release_reminders(p.id, day, &[2151010402]).unwrap();
    assert_eq!(s.claim_reminders(p.id, day, &[510104, 2151010401, 2151010402], T0).unwrap(), vec![2151010402], "released, claimed again");
    assert!(s.claim_reminders(p.id, day, &[2151010402], T0).unwrap().is_empty());
    // The outbox of duty messages not delivered: the platform's alone, oldest first, a day kept.
    let q = QueuedMessage { id: 0, webhook_id: 7, topic: "incident".into(), title: "【超时升级】".into(), lines: vec!["发生单位：某校".into(), "当前值班：无".into()], queued_at: 0, attempts: 0 };
    assert!(matches!(s.queue_duty_message(&Scope::Region { lo: 510104, hi: 510104 }, &q, T0), Err(StoreError::OutOfScope)));
    let a = s.queue_duty_message(&Scope::all(), &q, T0).unwrap();
    let b = s.queue_duty_message(&Scope::all(), &QueuedMessage { title: "第二条".into(), ..q.clone() }, T0 + 60).unwrap();
    assert!(s.queued_duty_messages(&Scope::Region { lo: 510104, hi: 510104 }, 0, 10).unwrap().is_empty());
    let got = s.queued_duty_messages(&Scope::all(), T0, 10).unwrap();
    assert_eq!(got.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a, b]);
    assert_eq!((got[0].lines.clone(), got[0].attempts, got[0].queued_at), (q.lines.clone(), 1, T0));
    s.settle_duty_message(&Scope::all(), a, false).unwrap();
    s.settle_duty_message(&Scope::all(), b, true).unwrap();
    let got = s.queued_duty_messages(&Scope::all(), T0, 10).unwrap();
    assert_eq!((got.len(), got[0].attempts), (1, 2));
    assert!(s.queued_duty_messages(&Scope::all(), T0 + 1, 10).unwrap().is_empty(), "older than `since`: given up");
    assert!(s.queued_duty_messages(&Scope::all(), 0, 10).unwrap().is_empty(), "and gone");
    let many: Vec<i64> = (0..1000).map(|i| 3_000_000_000 + i).collect();
    assert_eq!(s.claim_reminders(p.id, day, &many, T0).unwrap().len(), 1000);
}
