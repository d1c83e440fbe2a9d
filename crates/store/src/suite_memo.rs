//! The tests of the remembered aggregates ([`crate::memo`]) every backend must pass
//! ([`memo_suite!`]): a figure is remembered per area (a county's never answers a city, nor a
//! city's a county), every kind of write to a register makes its figures be recounted (create,
//! update, state change, import, delete, and a write by another handle on the same database),
//! and a figure judged on a day does not answer another day.
//!
//! To see whether a read was served from the memo, the tests overwrite the remembered payload
//! with a figure no count could give (a *poison*): a read that returns it was served from the
//! memo; a read after a write must return the true count instead.

use crate::checks::{Answer, Checks, Progress, Target, Verdict};
use crate::ledger::{DutyCompletion, DutyStatus, DutyUpdate, Ledger, NewCheck, RegionChecks, SoftwareQuery, SoftwareTotals};
use crate::apps::{Apps, NewUse, UseChange, UseQuery, UseState};
use crate::incidents::{IncidentQuery, IncidentState, Incidents};
use crate::memo::MemoSql;
use crate::mlps::*;
use crate::sql::Arg;
use crate::Scope;
use serde::Serialize;
use standard::Date;

/// What the suite needs of a backend.
pub trait MemoStore: crate::Store + Mlps + MlpsSql + Apps + Incidents + Checks + Ledger + MemoSql {}
impl<T: crate::Store + Mlps + MlpsSql + Apps + Incidents + Checks + Ledger + MemoSql> MemoStore for T {}

/// `$make` gives a store; `$second` a second handle on the same database as the store it is
/// given (`|s| ...`).
#[macro_export]
macro_rules! memo_suite {
    ($make:expr, $second:expr) => {
        #[test]
        fn memo_is_per_area_and_per_day() {
            let mut s = $make;
            $crate::suite_memo::memo_is_per_area_and_per_day(&mut s);
        }
        #[test]
        fn every_write_invalidates() {
            let mut s = $make;
            $crate::suite_memo::every_write_invalidates(&mut s);
        }
        #[test]
        fn registers_are_per_area_and_every_write_invalidates() {
            let mut s = $make;
            $crate::suite_memo::registers_are_per_area_and_every_write_invalidates(&mut s);
        }
        #[test]
        fn another_handle_sees_the_invalidation() {
            let mut s = $make;
            let mut other = ($second)(&s);
            $crate::suite_memo::another_handle_sees_the_invalidation(&mut s, &mut other);
        }
    };
}

const T0: i64 = 1_800_000_000;

fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("a date")
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

fn city() -> Scope {
    Scope::Region { lo: 510100, hi: 510199 }
}

/// Overwrites the remembered payloads of `register`'s `aggregate` for `area` with `value`.
fn poison<T: Serialize>(s: &mut dyn MemoStore, register: &str, aggregate: &str, area: &str, value: &T) -> u64 {
    let sql = s.memo_dialect().render("UPDATE register_memo SET payload = ?1 WHERE register = ?2 AND aggregate = ?3 AND area = ?4").into_owned();
    s.memo_exec(&sql, vec![serde_json::to_string(value).unwrap().into(), register.into(), aggregate.into(), area.into()]).unwrap()
}

const POISON: Totals = Totals { systems: 999_999, overdue: 0, due_soon: 0, unfiled: 0 };

/// Reads the totals of `scope` (so that they are remembered), then poisons them.
fn poison_totals(s: &mut dyn MemoStore, scope: &Scope, q: &SystemQuery) {
    s.system_totals(scope, q).unwrap();
    let area = crate::memo::area(scope).unwrap();
    assert!(poison(s, crate::memo::MLPS, "totals", &area, &POISON) >= 1, "a remembered figure for {area}");
}

/// Schools in 锦江区 (510104), 青羊区 (510105) and 自流井区 (510302).
fn schools(s: &mut dyn MemoStore) {
    use crate::suite::{import, school};
    import(s, standard::Entity::School, "s", &[school("2151010401", "510104", "锦江实验小学"), school("2151010501", "510105", "青羊小学"), school("2151030201", "510302", "自流井小学")]);
}

fn system(unit: i64, name: &str) -> NewSystem {
    crate::suite_mlps::system(unit, name, 2)
}

fn overdue_dues() -> Dues {
    Dues { filing: Some(d("2026-02-04")), ..Default::default() }
}

pub fn memo_is_per_area_and_per_day(s: &mut dyn MemoStore) {
    schools(s);
    let all = Scope::all();
    s.create_system(&all, &system(2151010401, "锦江一"), &overdue_dues(), "t", T0).unwrap();
    s.create_system(&all, &system(2151010501, "青羊一"), &overdue_dues(), "t", T0).unwrap();
    s.create_system(&all, &system(2151030201, "自贡一"), &Dues::default(), "t", T0).unwrap();
    let q = SystemQuery::on(d("2026-03-01"));
    let jj = county(510104);
    assert_eq!(s.system_totals(&jj, &q).unwrap().systems, 1);
    assert_eq!(s.system_totals(&city(), &q).unwrap().systems, 2);
    // The county's figure, poisoned, answers the county only.
    poison_totals(s, &jj, &q);
    assert_eq!(s.system_totals(&jj, &q).unwrap(), POISON, "served from the memo");
    assert_eq!(s.system_totals(&city(), &q).unwrap().systems, 2, "a county's memo never answers its city");
    assert_eq!(s.system_totals(&county(510105), &q).unwrap().systems, 1, "nor another county");
    assert_eq!(s.system_totals(&Scope::School { code: "2151010401".into(), county: 510104 }, &q).unwrap().systems, 1, "nor a school in it");
    // The city's figure, poisoned, answers the city only.
    poison_totals(s, &city(), &q);
    assert_eq!(s.system_totals(&city(), &q).unwrap(), POISON);
    assert_eq!(s.system_totals(&county(510105), &q).unwrap().systems, 1, "a city's memo never answers its counties");
    assert_eq!(s.system_totals(&Scope::province(51), &q).unwrap().systems, 3, "nor its province");
    // Filters are part of the key.
    assert_eq!(s.system_totals(&city(), &SystemQuery { level: Some(3), ..q.clone() }).unwrap().systems, 0);
    assert_eq!(s.system_totals(&city(), &SystemQuery { region: Some(510105), ..q.clone() }).unwrap().systems, 1);
    // Nothing is remembered for no area.
    assert_eq!(s.system_totals(&Scope::Nothing, &q).unwrap(), Totals::default());
    // A day's figure does not answer another day: 2026-02-04 is overdue from the 5th.
    let before = SystemQuery::on(d("2026-02-04"));
    assert_eq!(s.system_totals(&jj, &before).unwrap().overdue, 0);
    poison_totals(s, &jj, &before);
    assert_eq!(s.system_totals(&jj, &before).unwrap(), POISON);
    assert_eq!(s.system_totals(&jj, &SystemQuery::on(d("2026-02-05"))).unwrap().overdue, 1, "the next day is judged anew");
    // Completion by region: per area and per day too.
    let c = s.completion(&city(), d("2026-02-04")).unwrap();
    assert_eq!(total(&c).overdue, 0);
    let bogus = vec![RegionCompletion { code: 1, systems: 999_999, ..Default::default() }];
    assert_eq!(poison(s, crate::memo::MLPS, "completion", &crate::memo::area(&city()).unwrap(), &bogus), 1);
    assert_eq!(s.completion(&city(), d("2026-02-04")).unwrap(), bogus);
    assert_eq!(total(&s.completion(&city(), d("2026-02-05")).unwrap()).overdue, 2);
    assert_eq!(total(&s.completion(&jj, d("2026-02-04")).unwrap()).systems, 1);
}

pub fn every_write_invalidates(s: &mut dyn MemoStore) {
    schools(s);
    let all = Scope::all();
    let jj = county(510104);
    let q = SystemQuery::on(d("2026-03-01"));
    let totals = |s: &mut dyn MemoStore| s.system_totals(&jj, &q).unwrap();
    assert_eq!(totals(s).systems, 0);
    // create
    poison_totals(s, &jj, &q);
    let a = s.create_system(&all, &system(2151010401, "学籍系统"), &Dues::default(), "t", T0).unwrap();
    assert_eq!(totals(s).systems, 1, "a created system is counted");
    // update
    poison_totals(s, &jj, &q);
    let mut x = system(2151010401, "学籍系统");
    x.filing_no = "51010499001-20001".into();
    s.update_system(&all, a.id, &x, &overdue_dues(), T0).unwrap();
    assert_eq!(totals(s), Totals { systems: 1, overdue: 1, due_soon: 0, unfiled: 0 }, "an update is seen");
    // state change (its dues)
    poison_totals(s, &jj, &q);
    s.set_dues(&all, a.id, &Dues::default()).unwrap();
    assert_eq!(totals(s).overdue, 0, "a change of its dates is seen");
    // an assessment (written to the system's row)
    let level3 = s.create_system(&all, &crate::suite_mlps::system(2151010401, "三级系统", 3), &Dues { assessment: Some(d("2027-01-01")), ..Default::default() }, "t", T0).unwrap();
    let c = s.completion(&jj, q.today).unwrap();
    assert_eq!(total(&c).assessed_on_time, 0);
    s.add_assessment(&all, level3.id, &NewAssessment { assessed_on: d("2026-02-01"), agency: "测评中心".into(), score: Some(88.0), conclusion: Conclusion::Good }, "t", T0).unwrap();
    assert_eq!(total(&s.completion(&jj, q.today).unwrap()).assessed_on_time, 1, "an assessment is seen");
    // import
    poison_totals(s, &jj, &q);
    let done = s.import_systems(&all, &[ImportRow { system: system(2151010401, "导入系统"), dues: Dues::default(), assessment: None }], "t", T0).unwrap();
    assert_eq!(done.inserted.len(), 1);
    assert_eq!(totals(s).systems, 3, "an import is seen");
    // delete (a hand-written fix: the triggers see every write, not only the store's)
    poison_totals(s, &jj, &q);
    let sql = s.memo_dialect().render("DELETE FROM mlps_systems WHERE id = ?1").into_owned();
    s.memo_exec(&sql, vec![Arg::I64(done.inserted[0])]).unwrap();
    assert_eq!(totals(s).systems, 2, "a delete is seen");
    // A refused write changes nothing and the memo stays served.
    poison_totals(s, &jj, &q);
    assert!(s.create_system(&county(510302), &system(2151010401, "越权"), &Dues::default(), "t", T0).is_err());
    assert_eq!(totals(s), POISON, "a refused write invalidates nothing");

    // The education-app register: counts by state and overdue by region.
    let f = s.create_filing(&Scope::province(51), &crate::suite_apps::filing(31, "阅读打卡"), "prov", T0).unwrap();
    let counts = |s: &mut dyn MemoStore| s.use_counts(&jj, &UseQuery::default()).unwrap().into_iter().map(|(_, n)| n).sum::<u64>();
    assert_eq!(counts(s), 0);
    let bogus = vec![(UseState::Proposed, 999_999u64)];
    let jj_area = crate::memo::area(&jj).unwrap();
    assert_eq!(poison(s, crate::memo::APPS, "counts", &jj_area, &bogus), 1);
    assert_eq!(counts(s), 999_999, "served from the memo");
    let u = s.create_use(&all, &NewUse { school_code: 2151010401, filing_id: f.id, purpose: "teaching".into(), chosen_by: "教务处".into() }, "c", T0).unwrap();
    assert_eq!(counts(s), 1, "a new use is counted");
    let today = d("2026-06-01");
    assert!(s.overdue_by_region(&jj, today).unwrap().is_empty());
    poison(s, crate::memo::APPS, "counts", &jj_area, &bogus);
    s.set_use_state(&all, u.id, UseState::Proposed, UseState::SchoolApproved, &UseChange { school_reviewed_on: Some(d("2025-01-10")), ..Default::default() }, T0).unwrap();
    s.set_use_state(&all, u.id, UseState::SchoolApproved, UseState::CountyApproved, &UseChange { county_approved_on: Some(d("2025-01-10")), review_due: Some(d("2026-01-10")), ..Default::default() }, T0).unwrap();
    let by = s.use_counts(&jj, &UseQuery::default()).unwrap();
    assert_eq!(by.iter().find(|c| c.0 == UseState::CountyApproved).unwrap().1, 1, "a state change is seen");
    assert_eq!(s.overdue_by_region(&jj, today).unwrap().len(), 1, "and the overdue count");

    // Incidents: counts by state.
    let iq = IncidentQuery::default();
    let icounts = |s: &mut dyn MemoStore| s.incident_counts(&jj, &iq).unwrap().into_iter().map(|(_, n)| n).sum::<u64>();
    assert_eq!(icounts(s), 0);
    let i = crate::suite_incidents::incident("网站被篡改", Some("2151010401"), 510104, T0);
    let id = s.insert_incident(&all, &i, &crate::suite_incidents::first_step(i.reported_at)).unwrap();
    assert_eq!(icounts(s), 1, "a new incident is counted");
    let bogus = vec![(IncidentState::Closed, 999_999u64)];
    assert_eq!(poison(s, crate::memo::INCIDENTS, "counts", &jj_area, &bogus), 1);
    assert_eq!(icounts(s), 999_999, "served from the memo");
    let mut stored = s.incident(&all, id).unwrap().unwrap();
    stored.state = IncidentState::Confirmed;
    let step = crate::incidents::Step { incident_id: id, at: T0 + 60, actor: "sec".into(), action: "confirm".into(), state: IncidentState::Confirmed, note: String::new(), to_unit: None };
    assert!(s.update_incident(&all, &stored, IncidentState::Reported, &step).unwrap());
    let by = s.incident_counts(&jj, &iq).unwrap();
    assert_eq!(by.iter().find(|c| c.0 == IncidentState::Confirmed).map(|c| c.1), Some(1), "a state change is seen: {by:?}");
}

pub fn another_handle_sees_the_invalidation(s: &mut dyn MemoStore, other: &mut dyn MemoStore) {
    schools(s);
    let all = Scope::all();
    let jj = county(510104);
    let q = SystemQuery::on(d("2026-03-01"));
    s.create_system(&all, &system(2151010401, "一"), &Dues::default(), "t", T0).unwrap();
    assert_eq!(s.system_totals(&jj, &q).unwrap().systems, 1);
    assert_eq!(other.system_totals(&jj, &q).unwrap().systems, 1, "the other handle reads the same memo");
    poison_totals(s, &jj, &q);
    assert_eq!(other.system_totals(&jj, &q).unwrap(), POISON, "one memo for every process");
    other.create_system(&all, &system(2151010401, "二"), &Dues::default(), "t", T0).unwrap();
    assert_eq!(s.system_totals(&jj, &q).unwrap().systems, 2, "a write by another handle is seen");
    // A write inside the other handle's open transaction is not seen until it commits, and is
    // seen after.
    poison_totals(s, &jj, &q);
    other.mlps_batch("BEGIN").unwrap();
    other.create_system(&all, &system(2151010401, "三"), &Dues::default(), "t", T0).unwrap();
    other.mlps_batch("ROLLBACK").unwrap();
    assert_eq!(s.system_totals(&jj, &q).unwrap(), POISON, "a rolled-back write invalidates nothing");
    other.create_system(&all, &system(2151010401, "四"), &Dues::default(), "t", T0).unwrap();
    assert_eq!(s.system_totals(&jj, &q).unwrap().systems, 3);
}

fn sum_progress(rows: &[Progress]) -> (u64, u64, u64) {
    rows.iter().fold((0, 0, 0), |a, r| (a.0 + r.assigned, a.1 + r.submitted, a.2 + r.open_items))
}

fn sum_duty(rows: &[DutyCompletion]) -> (u64, u64) {
    rows.iter().fold((0, 0), |a, r| (a.0 + r.items, a.1 + r.settled))
}

/// The inspections' progress, the checklist's completion and the software ledger's figures
/// (issue 13's province-scale registers): a county's remembered figure never answers its city
/// nor another county, and every kind of write to the tables they count is seen.
pub fn registers_are_per_area_and_every_write_invalidates(s: &mut dyn MemoStore) {
    schools(s);
    let all = Scope::all();
    let jj = county(510104);
    let jj_area = crate::memo::area(&jj).unwrap();
    let city_area = crate::memo::area(&city()).unwrap();
    let today = d("2026-10-20");

    // The inspection's progress: created (insert), answered (update), items raised, submitted
    // and reviewed (check_items insert and updates).
    let (insp, _) = s.create_inspection(&Scope::province(51), &crate::suite_checks::inspection(510000), &Target::AllSchools, "sheng", T0).unwrap();
    let progress = |s: &mut dyn MemoStore, scope: &Scope| sum_progress(&s.progress(scope, insp.id, None, false, today).unwrap());
    assert_eq!(progress(s, &jj), (1, 0, 0));
    assert_eq!(progress(s, &city()), (2, 0, 0));
    let bogus = vec![Progress { code: 1, assigned: 999_999, ..Default::default() }];
    assert_eq!(poison(s, crate::memo::CHECKS, "progress", &jj_area, &bogus), 1);
    assert_eq!(progress(s, &jj), (999_999, 0, 0), "served from the memo");
    assert_eq!(progress(s, &city()), (2, 0, 0), "a county's memo never answers its city");
    assert_eq!(progress(s, &county(510105)), (1, 0, 0), "nor another county");
    assert_eq!(s.progress(&jj, insp.id, None, true, today).unwrap().len(), 1, "by unit is another figure");
    let sheet = vec![
        Answer { item: 0, verdict: Some(Verdict::Compliant), evidence: "文件".into(), ..Default::default() },
        Answer { item: 1, verdict: Some(Verdict::Compliant), note: "每日备份".into(), ..Default::default() },
        Answer { item: 2, verdict: Some(Verdict::NotCompliant), note: "仍有弱口令".into(), ..Default::default() },
    ];
    s.save_answers(&all, insp.id, 2151010401, &sheet, Some(("王明", "主任", d("2026-10-10"))), "x", T0).unwrap();
    assert_eq!(progress(s, &jj), (1, 1, 1), "a submission and its item are counted");
    assert_eq!(s.progress(&jj, insp.id, None, false, today).unwrap()[0].overdue_items, 1);
    let item = s.items(&jj, &crate::checks::ItemQuery::on(today)).unwrap().rows[0].id;
    poison(s, crate::memo::CHECKS, "progress", &jj_area, &bogus);
    s.submit_item(&all, item, "已整改", None, T0).unwrap();
    assert_eq!(s.progress(&jj, insp.id, None, false, today).unwrap()[0].overdue_items, 0, "an item's submission is seen");
    poison(s, crate::memo::CHECKS, "progress", &jj_area, &bogus);
    s.review_item(&Scope::province(51), item, true, "通过", "sheng", T0).unwrap();
    assert_eq!(progress(s, &jj), (1, 1, 0), "an item's verification is seen");
    assert_eq!(progress(s, &jj), (1, 1, 0));
    // A day's figure does not answer another day.
    assert_eq!(poison(s, crate::memo::CHECKS, "progress", &jj_area, &bogus), 1);
    assert_eq!(sum_progress(&s.progress(&jj, insp.id, None, false, d("2026-10-21")).unwrap()), (1, 1, 0));

    // The checklist's completion: published (insert), updated, deleted by hand.
    let c = s.publish_checklist(&all, &crate::suite_ledger::checklist(510000), &[2151010401, 2151010501, 2151030201], "sheng", T0).unwrap();
    let duty = |s: &mut dyn MemoStore, scope: &Scope| sum_duty(&s.duty_completion(scope, c.id, None, false).unwrap());
    assert_eq!(duty(s, &jj), (3, 0));
    assert_eq!(duty(s, &city()), (6, 0));
    let bogus = vec![DutyCompletion { code: 1, items: 999_999, ..Default::default() }];
    assert_eq!(poison(s, crate::memo::DUTY_ITEMS, "completion", &city_area, &bogus), 1);
    assert_eq!(duty(s, &city()), (999_999, 0), "served from the memo");
    assert_eq!(duty(s, &jj), (3, 0), "a city's memo never answers its counties");
    assert_eq!(duty(s, &Scope::province(51)), (9, 0), "nor its province");
    let first = s.duty_items(&jj, &crate::ledger::DutyQuery { checklist: Some(c.id), limit: 50, ..Default::default() }).unwrap().rows[0].id;
    s.update_duty_item(&all, first, &DutyUpdate { owner_name: "王明".into(), owner_post: "主任".into(), status: DutyStatus::Done, reason: String::new(), evidence: "文件".into(), attachment: None }, "x", T0).unwrap();
    assert_eq!(duty(s, &city()), (6, 1), "an update is seen");
    poison(s, crate::memo::DUTY_ITEMS, "completion", &city_area, &bogus);
    let sql = s.memo_dialect().render("DELETE FROM duty_items WHERE id = ?1").into_owned();
    s.memo_exec(&sql, vec![Arg::I64(first)]).unwrap();
    assert_eq!(duty(s, &city()), (5, 0), "a delete is seen");
    poison(s, crate::memo::DUTY_ITEMS, "completion", &city_area, &bogus);
    assert!(s.update_duty_item(&county(510302), first + 1, &DutyUpdate { owner_name: "x".into(), owner_post: "y".into(), status: DutyStatus::Done, reason: String::new(), evidence: "z".into(), attachment: None }, "x", T0).is_err());
    assert_eq!(duty(s, &city()), (999_999, 0), "a refused write invalidates nothing");

    // The software ledger: checks by region and totals, by entry (insert, update) and check.
    let regions = |s: &mut dyn MemoStore| s.check_regions(&jj, today).unwrap().iter().fold((0, 0), |a, r| (a.0 + r.units, a.1 + r.overdue));
    let totals = |s: &mut dyn MemoStore| s.software_totals(&jj, &SoftwareQuery::on(today)).unwrap();
    assert_eq!(regions(s), (0, 0));
    assert_eq!(totals(s).entries, 0);
    let mut n = crate::suite_ledger::software(2151010401, "WPS 办公", 50, 40, None);
    let e = s.create_software(&all, &n, "x", T0).unwrap();
    assert_eq!(regions(s), (1, 1), "an entry is counted (never checked: overdue)");
    assert_eq!(totals(s).entries, 1);
    assert_eq!(poison(s, crate::memo::SOFTWARE, "check_regions", &jj_area, &vec![RegionChecks { code: 1, units: 999_999, ..Default::default() }]), 1);
    assert_eq!(poison(s, crate::memo::SOFTWARE, "totals", &jj_area, &SoftwareTotals { entries: 999_999, ..Default::default() }), 1);
    assert_eq!(regions(s), (999_999, 0), "served from the memo");
    assert_eq!(totals(s).entries, 999_999);
    assert_eq!(s.check_regions(&city(), today).unwrap().iter().map(|r| r.units).sum::<u64>(), 1, "a county's memo never answers its city");
    assert_eq!(s.unit_checks(&jj, None, Some(today), 200).unwrap().len(), 1, "never checked: overdue");
    assert_eq!(s.unit_checks(&city(), None, Some(today), 200).unwrap().len(), 1);
    s.add_check(&all, &NewCheck { unit_code: 2151010401, checked_on: d("2026-10-01"), checker: "李".into(), compliant: true, problems: String::new() }, d("2027-10-01"), "x", T0).unwrap();
    assert_eq!(regions(s), (1, 0), "a check is seen");
    assert_eq!(totals(s).entries, 1, "and the totals recounted");
    assert!(s.unit_checks(&jj, None, Some(today), 200).unwrap().is_empty(), "and the overdue list");
    let listed = s.unit_checks(&jj, None, None, 200).unwrap();
    assert_eq!((listed.len(), listed[0].next_due), (1, Some(d("2027-10-01"))), "a remembered list keeps its dates");
    assert_eq!(s.unit_checks(&jj, None, None, 200).unwrap(), listed);
    poison(s, crate::memo::SOFTWARE, "totals", &jj_area, &SoftwareTotals { entries: 999_999, ..Default::default() });
    n.installed = 55;
    s.update_software(&all, e.id, &n, T0).unwrap();
    assert_eq!(totals(s), SoftwareTotals { entries: 1, installed: 55, over_installed: 1, expiring: 0 }, "an update is seen");
}
