//! The tests of the education-app register's storage ([`crate::apps::Apps`]) every backend must
//! pass ([`apps_suite!`]): filings and blocks written by the province only, read by every area;
//! uses cut to the area (a county neither reads nor writes another county's uses, a school only
//! its own) and a refusal that says nothing about existence.

use crate::apps::*;
use crate::suite::{import, school as school_row};
use crate::{Scope, StoreError};
use standard::Date;

/// What the suite needs of a backend.
pub trait AppsStore: crate::Store + Apps {}
impl<T: crate::Store + Apps> AppsStore for T {}

#[macro_export]
macro_rules! apps_suite {
    ($make:expr) => {
        $crate::apps_suite!(@tests $make;
            filings_written_by_the_province_read_by_all, import_is_all_or_nothing, blocks_found_and_lifted,
            uses_move_and_are_scoped, counts_and_overdue_by_region);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_apps::$name(&mut s);
            }
        )*
    };
}

pub const T0: i64 = 1_800_000_000;

pub fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("a date")
}

/// Two schools in 锦江区 (510104), one in 自流井区 (510302).
pub fn schools(s: &mut dyn AppsStore) {
    import(s, standard::Entity::School, "s", &[school_row("2151010401", "510104", "锦江实验小学"), school_row("2151010402", "510104", "锦江二小"), school_row("2151030201", "510302", "自流井小学")]);
}

/// A valid filing numbered `教APP备{n:07}号`.
pub fn filing(n: u32, name: &str) -> NewFiling {
    NewFiling {
        filing_no: format!("教APP备{n:07}号"),
        provider: "某某教育科技有限公司".into(),
        credit_code: "91350100M000100Y43".into(),
        app_name: name.into(),
        version: "2.1.0".into(),
        platforms: vec!["ios".into(), "android".into()],
        icp_no: "京ICP备12345678号-1".into(),
        mlps_no: "11010813001-00001".into(),
        permissions: vec!["camera".into()],
        personal_data: vec!["name".into(), "school_class".into()],
        minors: true,
        filed_on: Some(d("2026-03-01")),
        status: FilingStatus::Valid,
    }
}

fn province() -> Scope {
    Scope::province(51)
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

fn school(code: &str, c: u32) -> Scope {
    Scope::School { code: code.into(), county: c }
}

pub fn filings_written_by_the_province_read_by_all(s: &mut dyn AppsStore) {
    let p = province();
    let a = s.create_filing(&p, &filing(1100871, "作业帮手"), "prov", T0).unwrap();
    assert_eq!((a.new.filing_no.as_str(), a.new.platforms.len(), a.new.minors, a.created_by.as_str()), ("教APP备1100871号", 2, true, "prov"));
    assert!(matches!(s.create_filing(&p, &filing(1100871, "again"), "prov", T0).unwrap_err(), StoreError::Conflict(_)));
    assert!(matches!(s.create_filing(&county(510104), &filing(2, "x"), "c", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_filing(&school("2151010401", 510104), &filing(3, "x"), "c", T0).unwrap_err(), StoreError::OutOfScope));
    // Every area reads the province's filings; nothing reads nothing.
    assert_eq!(s.filing(&school("2151010401", 510104), a.id).unwrap().unwrap(), a);
    assert_eq!(s.filing_by_no(&county(510302), "教APP备1100871号").unwrap().unwrap().id, a.id);
    assert!(s.filing(&Scope::Nothing, a.id).unwrap().is_none());
    assert!(s.filings(&Scope::Nothing, &FilingQuery { limit: 10, ..Default::default() }).unwrap().rows.is_empty());
    let mut b = filing(1100872, "家校通");
    b.minors = false;
    b.status = FilingStatus::Cancelled;
    b.platforms = vec!["miniprogram".into()];
    let b = s.create_filing(&p, &b, "prov", T0).unwrap();
    for n in 0..4 {
        s.create_filing(&p, &filing(1200000 + n, &format!("口算练习{n}")), "prov", T0).unwrap();
    }
    let q = FilingQuery { limit: 4, ..Default::default() };
    let p1 = s.filings(&county(510104), &q).unwrap();
    assert_eq!(p1.rows.len(), 4);
    let after = p1.next.as_deref().unwrap().parse::<i64>().unwrap();
    let p2 = s.filings(&county(510104), &FilingQuery { after: Some(after), ..q.clone() }).unwrap();
    assert_eq!((p2.rows.len(), p2.next.is_none()), (2, true));
    let text = |t: &str| FilingQuery { text: Some(t.into()), limit: 50, ..Default::default() };
    assert_eq!(s.filings(&p, &text("口算")).unwrap().rows.len(), 4);
    assert_eq!(s.filings(&p, &text("1100872")).unwrap().rows[0].id, b.id);
    assert_eq!(s.filings(&p, &text("100%")).unwrap().rows.len(), 0, "% is a literal");
    assert_eq!(s.filings(&p, &FilingQuery { status: Some(FilingStatus::Cancelled), limit: 50, ..Default::default() }).unwrap().rows.len(), 1);
    assert_eq!(s.filings(&p, &FilingQuery { minors: Some(false), limit: 50, ..Default::default() }).unwrap().rows[0].new.platforms, vec!["miniprogram".to_string()]);
    // Updates: the province only, a taken number refused, a missing id answered as out of scope.
    let mut a2 = a.new.clone();
    a2.version = "3.0".into();
    assert_eq!(s.update_filing(&p, a.id, &a2, T0 + 9).unwrap().new.version, "3.0");
    assert!(matches!(s.update_filing(&county(510104), a.id, &a2, T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.update_filing(&p, 999_999, &a2, T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.update_filing(&p, b.id, &a2, T0).unwrap_err(), StoreError::Conflict(_)));
}

pub fn import_is_all_or_nothing(s: &mut dyn AppsStore) {
    let p = province();
    s.create_filing(&p, &filing(1, "旧应用"), "prov", T0).unwrap();
    let mut changed = filing(1, "旧应用");
    changed.version = "9.9".into();
    let list = vec![changed, filing(2, "新应用"), filing(1, "旧应用")];
    assert!(matches!(s.import_filings(&county(510104), &list, "c", T0).unwrap_err(), StoreError::OutOfScope));
    let (ins, upd) = s.import_filings(&p, &list, "prov", T0 + 1).unwrap();
    assert_eq!((ins, upd), (1, 2));
    let all = s.filings(&p, &FilingQuery { limit: 50, ..Default::default() }).unwrap().rows;
    assert_eq!(all.len(), 2);
    // The same file again changes nothing.
    assert_eq!(s.import_filings(&p, &[filing(1, "旧应用"), filing(2, "新应用")], "prov", T0 + 2).unwrap(), (0, 0));
    // A row the database refuses (an empty filing number, which the table's check holds even
    // when validation is bypassed) rolls back the rows before it: the old state stays.
    let before = s.filings(&p, &FilingQuery { limit: 50, ..Default::default() }).unwrap().rows;
    let mut edited = filing(1, "旧应用");
    edited.version = "10.0".into();
    let crash = vec![filing(3, "第三"), edited, NewFiling { filing_no: String::new(), ..filing(4, "坏行") }];
    assert!(s.import_filings(&p, &crash, "prov", T0 + 3).is_err());
    assert_eq!(s.filings(&p, &FilingQuery { limit: 50, ..Default::default() }).unwrap().rows, before);
    // …and the store still works after the rollback.
    assert_eq!(s.import_filings(&p, &[filing(3, "第三")], "prov", T0 + 4).unwrap(), (1, 0));
}

pub fn blocks_found_and_lifted(s: &mut dyn AppsStore) {
    let p = province();
    let f = s.create_filing(&p, &filing(7, "违规应用"), "prov", T0).unwrap();
    assert!(s.block_of(&county(510104), &f.new).unwrap().is_none());
    let nb = NewBlock { filing_no: f.new.filing_no.clone(), reason: "超范围收集学生个人信息".into(), blocked_on: Some(d("2026-05-01")), ..Default::default() };
    assert!(matches!(s.block(&county(510104), &nb, "c", T0).unwrap_err(), StoreError::OutOfScope));
    let b = s.block(&p, &nb, "prov", T0).unwrap();
    assert!(b.active());
    let found = s.block_of(&school("2151010401", 510104), &f.new).unwrap().unwrap();
    assert_eq!((found.id, found.new.reason.as_str()), (b.id, "超范围收集学生个人信息"));
    // By name and provider, for an app filed under another number.
    let other = filing(8, "换壳应用");
    assert!(s.block_of(&p, &other).unwrap().is_none());
    let by_name = s.block(&p, &NewBlock { app_name: "换壳应用".into(), credit_code: other.credit_code.clone(), reason: "冒用备案".into(), blocked_on: Some(d("2026-05-02")), ..Default::default() }, "prov", T0).unwrap();
    assert_eq!(s.block_of(&p, &other).unwrap().unwrap().id, by_name.id);
    assert_eq!(s.blocks(&county(510302), true, 500).unwrap().len(), 2);
    assert!(s.blocks(&Scope::Nothing, false, 500).unwrap().is_empty());
    assert!(matches!(s.unblock(&county(510104), b.id, d("2026-06-01"), "c").unwrap_err(), StoreError::OutOfScope));
    let lifted = s.unblock(&p, b.id, d("2026-06-01"), "prov").unwrap();
    assert_eq!((lifted.active(), lifted.unblocked_by.as_str()), (false, "prov"));
    assert!(matches!(s.unblock(&p, b.id, d("2026-06-02"), "prov").unwrap_err(), StoreError::Conflict(_)));
    assert!(matches!(s.unblock(&p, 999_999, d("2026-06-02"), "prov").unwrap_err(), StoreError::OutOfScope));
    assert!(s.block_of(&p, &f.new).unwrap().is_none());
    assert_eq!((s.blocks(&p, true, 500).unwrap().len(), s.blocks(&p, false, 500).unwrap().len()), (1, 2));
    assert_eq!(s.blocks(&p, false, 1).unwrap().iter().map(|b| b.id).collect::<Vec<_>>(), vec![by_name.id], "newest first, at most the limit");
}

fn proposal(school: i64, filing_id: i64) -> NewUse {
    NewUse { school_code: school, filing_id, purpose: "teaching".into(), chosen_by: "教务处".into() }
}

pub fn uses_move_and_are_scoped(s: &mut dyn AppsStore) {
    schools(s);
    let p = province();
    let f = s.create_filing(&p, &filing(11, "课堂派"), "prov", T0).unwrap();
    let jj1 = school("2151010401", 510104);
    let u = s.create_use(&jj1, &proposal(2151010401, f.id), "head", T0).unwrap();
    assert_eq!((u.state, u.region_code, u.app_name.as_str(), u.filing_no.as_str()), (UseState::Proposed, 510104, "课堂派", "教APP备0000011号"));
    // Another school, another county, an unknown school, a missing filing.
    assert!(matches!(s.create_use(&jj1, &proposal(2151010402, f.id), "head", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_use(&county(510302), &proposal(2151010401, f.id), "c", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_use(&p, &proposal(2151099999, f.id), "c", T0).unwrap_err(), StoreError::Conflict(_)));
    assert!(matches!(s.create_use(&p, &proposal(510104, f.id), "c", T0).unwrap_err(), StoreError::Conflict(_)), "a bureau is not a school");
    assert!(matches!(s.create_use(&county(510104), &proposal(2151010402, 999_999), "c", T0).unwrap_err(), StoreError::OutOfScope));
    // Reads: the school, its county and above; not the other school or county, not nothing.
    assert_eq!(s.app_use(&county(510104), u.id).unwrap().unwrap(), u);
    assert!(s.app_use(&p, u.id).unwrap().is_some());
    assert!(s.app_use(&school("2151010402", 510104), u.id).unwrap().is_none());
    assert!(s.app_use(&county(510302), u.id).unwrap().is_none());
    assert!(s.app_use(&Scope::Nothing, u.id).unwrap().is_none());
    // Steps: a stale `from` is refused; out-of-area writers are refused alike for a missing id.
    let c = UseChange { school_reviewed_on: Some(d("2026-04-01")), ..Default::default() };
    let u1 = s.set_use_state(&jj1, u.id, UseState::Proposed, UseState::SchoolApproved, &c, T0 + 1).unwrap();
    assert_eq!((u1.state, u1.school_reviewed_on, u1.updated_at), (UseState::SchoolApproved, Some(d("2026-04-01")), T0 + 1));
    assert!(matches!(s.set_use_state(&jj1, u.id, UseState::Proposed, UseState::SchoolApproved, &c, T0).unwrap_err(), StoreError::Conflict(_)));
    assert!(matches!(s.set_use_state(&county(510302), u.id, UseState::SchoolApproved, UseState::CountyApproved, &c, T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.set_use_state(&county(510302), 999_999, UseState::SchoolApproved, UseState::CountyApproved, &c, T0).unwrap_err(), StoreError::OutOfScope));
    let c2 = UseChange { county_approved_on: Some(d("2026-04-10")), review_due: Some(d("2027-04-10")), ..Default::default() };
    let u2 = s.set_use_state(&county(510104), u.id, UseState::SchoolApproved, UseState::CountyApproved, &c2, T0 + 2).unwrap();
    assert_eq!((u2.state, u2.school_reviewed_on, u2.county_approved_on, u2.review_due), (UseState::CountyApproved, Some(d("2026-04-01")), Some(d("2026-04-10")), Some(d("2027-04-10"))));
    let r = s.create_use(&county(510104), &proposal(2151010402, f.id), "c", T0).unwrap();
    let r1 = s.set_use_state(&county(510104), r.id, UseState::Proposed, UseState::Rejected, &UseChange { reason: Some("未说明用途".into()), ..Default::default() }, T0 + 3).unwrap();
    assert_eq!((r1.state, r1.reason.as_str()), (UseState::Rejected, "未说明用途"));
    // Lists: cut to the area, paged, filtered.
    let q = UseQuery::default();
    assert_eq!(s.uses(&county(510104), &q).unwrap().rows.len(), 2);
    assert_eq!(s.uses(&jj1, &q).unwrap().rows.iter().map(|u| u.id).collect::<Vec<_>>(), vec![u.id]);
    assert!(s.uses(&county(510302), &q).unwrap().rows.is_empty());
    assert!(s.uses(&Scope::Nothing, &q).unwrap().rows.is_empty());
    assert_eq!(s.uses(&p, &UseQuery { state: Some(UseState::Rejected), ..q.clone() }).unwrap().rows[0].id, r.id);
    assert_eq!(s.uses(&p, &UseQuery { school: Some(2151010402), ..q.clone() }).unwrap().rows.len(), 1);
    assert_eq!(s.uses(&p, &UseQuery { region: Some(510302), ..q.clone() }).unwrap().rows.len(), 0);
    assert!(s.uses(&county(510302), &UseQuery { region: Some(510104), ..q.clone() }).unwrap().rows.is_empty(), "a region outside the scope is empty");
    let p1 = s.uses(&p, &UseQuery { limit: 1, ..q.clone() }).unwrap();
    let after = p1.next.as_deref().unwrap().parse::<i64>().unwrap();
    assert_eq!(s.uses(&p, &UseQuery { limit: 1, after: Some(after), ..q.clone() }).unwrap().rows[0].id, r.id);
}

pub fn counts_and_overdue_by_region(s: &mut dyn AppsStore) {
    schools(s);
    let p = province();
    let f = s.create_filing(&p, &filing(21, "阅读打卡"), "prov", T0).unwrap();
    let approve = |s: &mut dyn AppsStore, school: i64, on: &str, due: &str| {
        let u = s.create_use(&p, &proposal(school, f.id), "c", T0).unwrap();
        s.set_use_state(&p, u.id, UseState::Proposed, UseState::SchoolApproved, &UseChange { school_reviewed_on: Some(d(on)), ..Default::default() }, T0).unwrap();
        s.set_use_state(&p, u.id, UseState::SchoolApproved, UseState::CountyApproved, &UseChange { county_approved_on: Some(d(on)), review_due: Some(d(due)), ..Default::default() }, T0).unwrap()
    };
    let late = approve(s, 2151010401, "2025-01-10", "2026-01-10");
    let later = approve(s, 2151030201, "2025-02-10", "2026-02-10");
    let fine = approve(s, 2151010402, "2026-03-01", "2027-03-01");
    s.create_use(&p, &proposal(2151010402, f.id), "c", T0).unwrap();
    let today = d("2026-06-01");
    let counts = s.use_counts(&p, &UseQuery { state: Some(UseState::Rejected), ..Default::default() }).unwrap();
    assert_eq!(counts.iter().find(|c| c.0 == UseState::CountyApproved).unwrap().1, 3, "the state filter is ignored");
    assert_eq!(counts.iter().find(|c| c.0 == UseState::Proposed).unwrap().1, 1);
    assert_eq!(counts.len(), UseState::ALL.len());
    let jj = s.use_counts(&county(510104), &UseQuery::default()).unwrap();
    assert_eq!(jj.iter().map(|c| c.1).sum::<u64>(), 3);
    assert!(s.use_counts(&Scope::Nothing, &UseQuery::default()).unwrap().iter().all(|c| c.1 == 0));
    let od = s.overdue_uses(&p, None, today, 50).unwrap();
    assert_eq!(od.iter().map(|u| u.id).collect::<Vec<_>>(), vec![late.id, later.id], "longest overdue first");
    assert_eq!(s.overdue_uses(&county(510104), None, today, 50).unwrap().len(), 1);
    assert_eq!(s.overdue_uses(&p, Some(510302), today, 50).unwrap()[0].id, later.id);
    assert!(s.overdue_uses(&school("2151010402", 510104), None, today, 50).unwrap().is_empty());
    assert!(s.overdue_uses(&p, None, d("2026-01-10"), 50).unwrap().is_empty(), "due on the day is not overdue");
    let by = s.overdue_by_region(&p, today).unwrap();
    assert_eq!(by, vec![RegionOverdue { code: 510104, overdue: 1 }, RegionOverdue { code: 510302, overdue: 1 }]);
    assert_eq!(s.overdue_by_region(&county(510302), today).unwrap().len(), 1);
    assert!(s.overdue_by_region(&Scope::Nothing, today).unwrap().is_empty());
    let _ = fine;
}
