//! The tests of the 等保 register's storage ([`crate::mlps::Mlps`]) every backend must pass
//! ([`mlps_suite!`]), the scope cases included: a county neither reads nor writes another
//! county's systems, a school only its own, and a refusal says nothing about existence.

use crate::mlps::*;
use crate::suite::{import, school as school_row};
use crate::{OrgLevel, Scope, StoreError};
use standard::Date;

/// What the suite needs of a backend.
pub trait MlpsStore: crate::Store + Mlps {}
impl<T: crate::Store + Mlps> MlpsStore for T {}

#[macro_export]
macro_rules! mlps_suite {
    ($make:expr) => {
        $crate::mlps_suite!(@tests $make;
            systems_created_updated_listed, assessments_and_items_move_the_dates, writes_and_reads_are_scoped,
            totals_overdue_and_completion, reminders_recorded_once, imports_in_one_transaction, report_and_evidence_files_scoped);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_mlps::$name(&mut s);
            }
        )*
    };
}

/// Two schools in 锦江区 (510104), one in 自流井区 (510302).
pub fn schools(s: &mut dyn MlpsStore) {
    import(s, standard::Entity::School, "s", &[school_row("2151010401", "510104", "锦江实验小学"), school_row("2151010402", "510104", "锦江二小"), school_row("2151030201", "510302", "自流井小学")]);
}

pub const T0: i64 = 1_800_000_000;

pub fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("a date")
}

/// A level-`level` system of `unit`, live since 2026-01-05, not filed.
pub fn system(unit: i64, name: &str, level: u8) -> NewSystem {
    NewSystem { unit_code: unit, name: name.into(), owner: "信息中心".into(), purpose: "教学管理".into(), level, cii: false, live_on: Some(d("2026-01-05")), filing_no: String::new(), filing_on: None, filing_authority: String::new() }
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

fn school(code: &str, c: u32) -> Scope {
    Scope::School { code: code.into(), county: c }
}

pub fn systems_created_updated_listed(s: &mut dyn MlpsStore) {
    schools(s);
    let all = Scope::all();
    let dues = Dues { filing: Some(d("2026-02-04")), ..Default::default() };
    let a = s.create_system(&all, &system(2151010401, "学籍管理系统", 2), &dues, "officer", T0).unwrap();
    assert_eq!((a.region_code, a.new.level, a.next_due, a.open_items, a.created_by.as_str()), (510104, 2, Some(d("2026-02-04")), 0, "officer"));
    assert_eq!(s.system(&all, a.id).unwrap().unwrap(), a);
    let b = s.create_system(&all, &system(510104, "锦江区教育城域网", 3), &Dues::default(), "officer", T0).unwrap();
    assert_eq!(b.region_code, 510104, "a bureau's system is kept under the bureau");
    let e = s.create_system(&all, &system(999, "nobody", 2), &Dues::default(), "officer", T0).unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let mut upd = system(2151030201, "学籍管理系统（迁移）", 3);
    upd.filing_no = "51030299001-30001".into();
    upd.filing_on = Some(d("2026-01-20"));
    upd.cii = true;
    let a2 = s.update_system(&all, a.id, &upd, &Dues::default(), T0 + 5).unwrap();
    assert_eq!((a2.region_code, a2.new.level, a2.new.cii, a2.new.filing_no.as_str(), a2.new.filing_on, a2.next_due, a2.updated_at), (510302, 3, true, "51030299001-30001", Some(d("2026-01-20")), None, T0 + 5));
    assert!(matches!(s.update_system(&all, 99_999, &upd, &Dues::default(), T0).unwrap_err(), StoreError::OutOfScope));
    for n in 0..5 {
        s.create_system(&all, &system(2151010402, &format!("系统{n}"), 1 + n % 3), &Dues::default(), "officer", T0).unwrap();
    }
    let q = SystemQuery { limit: 3, ..SystemQuery::on(d("2026-03-01")) };
    let p1 = s.systems(&all, &q).unwrap();
    assert_eq!(p1.rows.len(), 3);
    let after = p1.next.as_deref().unwrap().parse::<i64>().unwrap();
    let p2 = s.systems(&all, &SystemQuery { after: Some(after), limit: 10, ..q.clone() }).unwrap();
    assert_eq!((p2.rows.len(), p2.next.is_none()), (4, true));
    assert!(p2.rows.iter().all(|x| x.id > after));
    let lvl = s.systems(&all, &SystemQuery { level: Some(3), limit: 50, ..q.clone() }).unwrap();
    assert!(lvl.rows.iter().all(|x| x.new.level == 3) && lvl.rows.len() == 3, "{:?}", lvl.rows.iter().map(|x| x.new.level).collect::<Vec<_>>());
    let r = s.systems(&all, &SystemQuery { region: Some(510302), limit: 50, ..q }).unwrap();
    assert_eq!(r.rows.iter().map(|x| x.id).collect::<Vec<_>>(), vec![a.id]);
}

pub fn assessments_and_items_move_the_dates(s: &mut dyn MlpsStore) {
    schools(s);
    let all = Scope::all();
    let a = s.create_system(&all, &system(2151010401, "学籍管理系统", 3), &Dues { assessment: Some(d("2027-01-05")), ..Default::default() }, "officer", T0).unwrap();
    let x = s.add_assessment(&all, a.id, &NewAssessment { assessed_on: d("2026-03-02"), agency: "四川某测评中心".into(), score: Some(86.53), conclusion: Conclusion::Good }, "officer", T0 + 1).unwrap();
    s.add_assessment(&all, a.id, &NewAssessment { assessed_on: d("2025-03-02"), agency: "旧测评".into(), score: None, conclusion: Conclusion::Fair }, "officer", T0 + 2).unwrap();
    let got = s.assessments(&all, a.id).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], x, "newest first, the score kept to two decimals");
    assert_eq!(got[1].new.score, None);
    assert_eq!(s.system(&all, a.id).unwrap().unwrap().last_assessed, Some(d("2026-03-02")), "the latest date, not the latest recorded");
    let i1 = s.add_rectification(&all, a.id, &NewRectification { item: "口令复杂度不足".into(), due_on: d("2026-04-30") }, "officer", T0).unwrap();
    let i2 = s.add_rectification(&all, a.id, &NewRectification { item: "日志留存不足六个月".into(), due_on: d("2026-04-01") }, "officer", T0).unwrap();
    s.set_dues(&all, a.id, &Dues { assessment: Some(d("2027-03-02")), rectification: Some(d("2026-04-01")), filing: None }).unwrap();
    let sys = s.system(&all, a.id).unwrap().unwrap();
    assert_eq!((sys.open_items, sys.next_due, sys.dues.assessment), (2, Some(d("2026-04-01")), Some(d("2027-03-02"))));
    assert_eq!(s.rectifications(&all, a.id).unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), vec![i2.id, i1.id], "by due date");
    s.close_rectification(&all, a.id, i2.id, d("2026-03-20"), "整改报告 2026-07 号").unwrap();
    assert!(matches!(s.close_rectification(&all, a.id, i2.id, d("2026-03-21"), "").unwrap_err(), StoreError::Conflict(_)));
    assert!(matches!(s.close_rectification(&all, a.id, 99_999, d("2026-03-21"), "").unwrap_err(), StoreError::OutOfScope));
    s.set_dues(&all, a.id, &Dues { assessment: Some(d("2027-03-02")), rectification: Some(d("2026-04-30")), filing: None }).unwrap();
    let sys = s.system(&all, a.id).unwrap().unwrap();
    assert_eq!((sys.open_items, sys.next_due), (1, Some(d("2026-04-30"))));
    let done = s.rectifications(&all, a.id).unwrap().into_iter().find(|r| r.id == i2.id).unwrap();
    assert_eq!((done.done_on, done.evidence.as_str()), (Some(d("2026-03-20")), "整改报告 2026-07 号"));
}

pub fn writes_and_reads_are_scoped(s: &mut dyn MlpsStore) {
    schools(s);
    let all = Scope::all();
    let jj = s.create_system(&all, &system(2151010401, "锦江实验小学 OA", 2), &Dues::default(), "p", T0).unwrap();
    let jj2 = s.create_system(&all, &system(2151010402, "锦江二小 OA", 2), &Dues::default(), "p", T0).unwrap();
    let zl = s.create_system(&all, &system(2151030201, "自流井小学 OA", 2), &Dues::default(), "p", T0).unwrap();
    let city = s.create_system(&all, &system(510100, "成都市教育城域网", 3), &Dues::default(), "p", T0).unwrap();
    let jinjiang = county(510104);
    // A county reads its own, never another county's or its city's.
    assert!(s.system(&jinjiang, jj.id).unwrap().is_some());
    assert!(s.system(&jinjiang, zl.id).unwrap().is_none() && s.system(&jinjiang, city.id).unwrap().is_none());
    let listed: Vec<i64> = s.systems(&jinjiang, &SystemQuery::on(d("2026-03-01"))).unwrap().rows.iter().map(|x| x.id).collect();
    assert_eq!(listed, vec![jj.id, jj2.id]);
    assert!(s.systems(&jinjiang, &SystemQuery { region: Some(510302), ..SystemQuery::on(d("2026-03-01")) }).unwrap().rows.is_empty(), "a filter outside the scope yields nothing");
    assert_eq!(s.system_totals(&jinjiang, &SystemQuery::on(d("2026-03-01"))).unwrap().systems, 2);
    assert!(s.assessments(&jinjiang, zl.id).unwrap().is_empty() && s.rectifications(&jinjiang, zl.id).unwrap().is_empty());
    // Writes outside: refused alike, whether the system exists or not.
    let a = NewAssessment { assessed_on: d("2026-03-02"), agency: "x".into(), score: None, conclusion: Conclusion::Good };
    for id in [zl.id, city.id, 99_999] {
        assert!(matches!(s.update_system(&jinjiang, id, &system(2151010401, "x", 2), &Dues::default(), T0).unwrap_err(), StoreError::OutOfScope));
        assert!(matches!(s.add_assessment(&jinjiang, id, &a, "c", T0).unwrap_err(), StoreError::OutOfScope));
        assert!(matches!(s.add_rectification(&jinjiang, id, &NewRectification { item: "x".into(), due_on: d("2026-05-01") }, "c", T0).unwrap_err(), StoreError::OutOfScope));
        assert!(matches!(s.set_dues(&jinjiang, id, &Dues::default()).unwrap_err(), StoreError::OutOfScope));
    }
    assert!(matches!(s.create_system(&jinjiang, &system(2151030201, "x", 2), &Dues::default(), "c", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_system(&jinjiang, &system(510100, "x", 2), &Dues::default(), "c", T0).unwrap_err(), StoreError::OutOfScope), "a county does not write its city's systems");
    // Nor moves its own system out of its area.
    assert!(matches!(s.update_system(&jinjiang, jj.id, &system(2151030201, "moved", 2), &Dues::default(), T0).unwrap_err(), StoreError::OutOfScope));
    assert_eq!(s.system(&all, jj.id).unwrap().unwrap().new.unit_code, 2151010401);
    // A school: its own only, neither its neighbour's nor its bureau's.
    let sc = school("2151010401", 510104);
    assert!(s.system(&sc, jj.id).unwrap().is_some() && s.system(&sc, jj2.id).unwrap().is_none());
    assert_eq!(s.systems(&sc, &SystemQuery::on(d("2026-03-01"))).unwrap().rows.len(), 1);
    assert!(s.create_system(&sc, &system(2151010401, "自建系统", 2), &Dues::default(), "s", T0).is_ok());
    assert!(matches!(s.create_system(&sc, &system(510104, "x", 2), &Dues::default(), "s", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.add_assessment(&sc, jj2.id, &a, "s", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(s.add_assessment(&sc, jj.id, &a, "s", T0).is_ok());
    // The city covers its counties' systems and its own; nothing sees nothing.
    let chengdu = Scope::Region { lo: 510100, hi: 510199 };
    assert!(s.system(&chengdu, city.id).unwrap().is_some() && s.system(&chengdu, jj.id).unwrap().is_some() && s.system(&chengdu, zl.id).unwrap().is_none());
    assert!(s.systems(&Scope::Nothing, &SystemQuery::on(d("2026-03-01"))).unwrap().rows.is_empty());
    assert!(s.completion(&Scope::Nothing, d("2026-03-01")).unwrap().is_empty());
    assert!(matches!(s.create_system(&Scope::Nothing, &system(2151010401, "x", 2), &Dues::default(), "n", T0).unwrap_err(), StoreError::OutOfScope));
}

pub fn totals_overdue_and_completion(s: &mut dyn MlpsStore) {
    schools(s);
    let all = Scope::all();
    let today = d("2026-03-01");
    let mut filed = system(2151010401, "已备案已测评", 3);
    filed.filing_no = "51010499001-30001".into();
    let a = s.create_system(&all, &filed, &Dues { assessment: Some(d("2026-12-01")), ..Default::default() }, "p", T0).unwrap();
    s.add_assessment(&all, a.id, &NewAssessment { assessed_on: d("2025-12-01"), agency: "x".into(), score: Some(91.0), conclusion: Conclusion::Excellent }, "p", T0).unwrap();
    let late = s.create_system(&all, &system(2151010402, "逾期未备案", 2), &Dues { filing: Some(d("2026-02-04")), ..Default::default() }, "p", T0).unwrap();
    let soon = s.create_system(&all, &system(2151030201, "即将到期", 2), &Dues { filing: Some(d("2026-04-20")), ..Default::default() }, "p", T0).unwrap();
    s.create_system(&all, &system(2151030201, "一级系统", 1), &Dues::default(), "p", T0).unwrap();
    let t = s.system_totals(&all, &SystemQuery::on(today)).unwrap();
    assert_eq!(t, Totals { systems: 4, overdue: 1, due_soon: 1, unfiled: 2 });
    let mut st = |st| s_ids(s, &all, SystemQuery { state: Some(st), ..SystemQuery::on(today) });
    assert_eq!(st(DueState::Overdue), vec![late.id]);
    assert_eq!(st(DueState::DueSoon), vec![soon.id]);
    assert_eq!(s.overdue_systems(&all, None, today, 10).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![late.id]);
    assert!(s.overdue_systems(&all, Some(510302), today, 10).unwrap().is_empty());
    assert!(s.overdue_systems(&county(510302), None, today, 10).unwrap().is_empty());
    // Later, the soon one is late too; the register's totals follow the day asked.
    assert_eq!(s.overdue_systems(&all, None, d("2026-05-01"), 10).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![late.id, soon.id]);
    let c = s.completion(&all, today).unwrap();
    assert_eq!(c.len(), 2, "{c:?}");
    let jj = c.iter().find(|r| r.code == 510104).unwrap();
    assert_eq!((jj.systems, jj.filed, jj.assessed_required, jj.assessed_on_time, jj.overdue), (2, 1, 1, 1, 1));
    let city = by_level(&c, OrgLevel::Province);
    assert_eq!(city.iter().map(|r| (r.code, r.systems)).collect::<Vec<_>>(), vec![(510100, 2), (510300, 1)]);
    assert_eq!(total(&city).systems, 3, "level 1 is not counted");
    let own = s.completion(&county(510104), d("2027-01-01")).unwrap();
    assert_eq!((own.len(), own[0].assessed_on_time), (1, 0), "an assessment due date passed is not on time");
}

fn s_ids(s: &mut dyn MlpsStore, scope: &Scope, q: SystemQuery) -> Vec<i64> {
    s.systems(scope, &q).unwrap().rows.iter().map(|x| x.id).collect()
}

/// A reminder is recorded once; the record is scoped like the system (a county neither records
/// nor sees another county's, the same answer whether the system exists or not).
pub fn reminders_recorded_once(s: &mut dyn MlpsStore) {
    schools(s);
    let all = Scope::all();
    let jj = s.create_system(&all, &system(2151010401, "锦江实验小学 OA", 2), &Dues { filing: Some(d("2026-02-04")), ..Default::default() }, "p", T0).unwrap();
    let zl = s.create_system(&all, &system(2151030201, "自流井小学 OA", 2), &Dues::default(), "p", T0).unwrap();
    let key = |id: i64, stage: &str| ReminderKey { system_id: id, due: "filing".into(), due_on: d("2026-02-04"), stage: stage.into() };
    let jinjiang = county(510104);
    assert!(!s.reminder_recorded(&jinjiang, &key(jj.id, "30")).unwrap());
    assert!(s.record_reminder(&jinjiang, &key(jj.id, "30"), T0).unwrap(), "the first time");
    assert!(!s.record_reminder(&all, &key(jj.id, "30"), T0 + 1).unwrap(), "once only");
    assert!(s.reminder_recorded(&jinjiang, &key(jj.id, "30")).unwrap());
    assert!(!s.reminder_recorded(&jinjiang, &key(jj.id, "7")).unwrap(), "another stage is another reminder");
    assert!(s.record_reminder(&all, &key(jj.id, "7"), T0).unwrap());
    for id in [zl.id, 99_999] {
        assert!(matches!(s.record_reminder(&jinjiang, &key(id, "30"), T0).unwrap_err(), StoreError::OutOfScope));
    }
    assert!(s.record_reminder(&all, &key(zl.id, "30"), T0).unwrap());
    assert!(!s.reminder_recorded(&jinjiang, &key(zl.id, "30")).unwrap(), "outside the scope: as if never sent");
    assert!(s.reminder_recorded(&county(510302), &key(zl.id, "30")).unwrap());
}

/// An import stores the rows inside the writer's area (with their latest assessment), refuses
/// the others with one answer whether the unit is outside or unknown, and those already there.
pub fn imports_in_one_transaction(s: &mut dyn MlpsStore) {
    schools(s);
    let all = Scope::all();
    s.create_system(&all, &system(2151010401, "已有系统", 2), &Dues::default(), "p", T0).unwrap();
    let row = |unit: i64, name: &str, assessed: bool| ImportRow {
        system: system(unit, name, 3),
        dues: Dues { assessment: Some(d("2027-03-02")), ..Default::default() },
        assessment: assessed.then(|| NewAssessment { assessed_on: d("2026-03-02"), agency: "四川某测评中心".into(), score: Some(91.0), conclusion: Conclusion::Excellent }),
    };
    let rows = vec![row(2151010401, "学籍管理系统", true), row(2151030201, "外区系统", false), row(2151010402, "门户网站", false), row(2151010401, "已有系统", false), row(999_999, "无此单位", false)];
    let done = s.import_systems(&county(510104), &rows, "jj", T0).unwrap();
    assert_eq!(done.inserted.len(), 2);
    assert_eq!(done.refused, vec![(1, Refused::OutOfScope), (3, Refused::Exists), (4, Refused::OutOfScope)]);
    let a = s.system(&all, done.inserted[0]).unwrap().unwrap();
    assert_eq!((a.new.name.as_str(), a.last_assessed, a.dues.assessment, a.created_by.as_str()), ("学籍管理系统", Some(d("2026-03-02")), Some(d("2027-03-02")), "jj"));
    assert_eq!(s.assessments(&all, a.id).unwrap().len(), 1);
    assert_eq!(s.systems(&all, &SystemQuery { limit: 50, ..SystemQuery::on(d("2026-03-01")) }).unwrap().rows.len(), 3);
    // Nothing for a writer with no area.
    let done = s.import_systems(&Scope::Nothing, &rows[..1], "n", T0).unwrap();
    assert_eq!((done.inserted.len(), done.refused.len()), (0, 1));
    // The transaction is over: later writes go through.
    s.create_system(&all, &system(2151030201, "之后的系统", 2), &Dues::default(), "p", T0).unwrap();
}

/// An assessment's report file and an item's evidence file: recorded inside the system's area
/// only, on the system's own assessment or item, replaced by a later one, read back.
pub fn report_and_evidence_files_scoped(s: &mut dyn MlpsStore) {
    schools(s);
    let all = Scope::all();
    let jj = s.create_system(&all, &system(2151010401, "学籍管理系统", 3), &Dues::default(), "p", T0).unwrap();
    let zl = s.create_system(&all, &system(2151030201, "自流井小学 OA", 2), &Dues::default(), "p", T0).unwrap();
    let a = s.add_assessment(&all, jj.id, &NewAssessment { assessed_on: d("2026-03-02"), agency: "四川某测评中心".into(), score: None, conclusion: Conclusion::Good }, "p", T0).unwrap();
    let za = s.add_assessment(&all, zl.id, &NewAssessment { assessed_on: d("2026-03-02"), agency: "x".into(), score: None, conclusion: Conclusion::Good }, "p", T0).unwrap();
    let i = s.add_rectification(&all, jj.id, &NewRectification { item: "口令复杂度不足".into(), due_on: d("2026-04-30") }, "p", T0).unwrap();
    let zi = s.add_rectification(&all, zl.id, &NewRectification { item: "x".into(), due_on: d("2026-04-30") }, "p", T0).unwrap();
    assert_eq!((a.report_attachment, i.attachment), (None, None));
    let jinjiang = county(510104);
    // Another county's system, or another system's record under the own system: refused alike.
    for (sys, rec) in [(zl.id, za.id), (jj.id, za.id), (99_999, a.id)] {
        assert!(matches!(s.set_assessment_report(&jinjiang, sys, rec, 7).unwrap_err(), StoreError::OutOfScope), "{sys} {rec}");
    }
    for (sys, rec) in [(zl.id, zi.id), (jj.id, zi.id), (99_999, i.id)] {
        assert!(matches!(s.attach_rectification(&jinjiang, sys, rec, 7).unwrap_err(), StoreError::OutOfScope), "{sys} {rec}");
    }
    assert_eq!(s.assessments(&all, zl.id).unwrap()[0].report_attachment, None);
    s.set_assessment_report(&jinjiang, jj.id, a.id, 7).unwrap();
    s.set_assessment_report(&school("2151010401", 510104), jj.id, a.id, 8).unwrap();
    assert_eq!(s.assessments(&jinjiang, jj.id).unwrap()[0].report_attachment, Some(8), "replaced");
    s.close_rectification(&jinjiang, jj.id, i.id, d("2026-03-20"), "见附件").unwrap();
    s.attach_rectification(&jinjiang, jj.id, i.id, 9).unwrap();
    let got = s.rectifications(&jinjiang, jj.id).unwrap();
    assert_eq!((got[0].attachment, got[0].done_on), (Some(9), Some(d("2026-03-20"))));
    assert_eq!(s.rectifications(&all, zl.id).unwrap()[0].attachment, None);
}
