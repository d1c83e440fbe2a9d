//! The tests of the 责任制 / 正版化 registers' storage ([`crate::ledger::Ledger`]) every backend must
//! pass ([`ledger_suite!`]), the scope cases included: a county neither reads nor writes another
//! county's records, a school only its own, nothing sees nothing, and a refusal says nothing
//! about existence.

use crate::ledger::*;
use crate::suite::{import, school as school_row};
use crate::suite_mlps::{d, T0};
use crate::{OrgLevel, Scope, StoreError};

/// What the suite needs of a backend.
pub trait LedgerStore: crate::Store + Ledger {}
impl<T: crate::Store + Ledger> LedgerStore for T {}

#[macro_export]
macro_rules! ledger_suite {
    ($make:expr) => {
        $crate::ledger_suite!(@tests $make;
            checklists_published_updated_counted, checklist_scope, software_flags_and_totals, software_scope, checks_due_and_overdue, reminders_recorded_once);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_ledger::$name(&mut s);
            }
        )*
    };
}

/// Two schools in 锦江区 (510104), one in 自流井区 (510302).
pub fn schools(s: &mut dyn LedgerStore) {
    import(s, standard::Entity::School, "s", &[school_row("2151010401", "510104", "锦江实验小学"), school_row("2151010402", "510104", "锦江二小"), school_row("2151030201", "510302", "自流井小学")]);
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

fn school(code: &str, c: u32) -> Scope {
    Scope::School { code: code.into(), county: c }
}

fn chengdu() -> Scope {
    Scope::Region { lo: 510100, hi: 510199 }
}

/// A checklist of three items (the second needs evidence).
pub fn checklist(region: i64) -> NewChecklist {
    NewChecklist {
        region_code: region,
        year: 2026,
        title: "2026 年网络安全责任制落实清单".into(),
        include_schools: true,
        items: vec![
            TemplateItem { text: "成立网络安全工作领导小组".into(), category: Category::Leadership, evidence_required: false },
            TemplateItem { text: "制定网络安全事件应急预案".into(), category: Category::Emergency, evidence_required: true },
            TemplateItem { text: "每年开展网络安全教育培训".into(), category: Category::Training, evidence_required: false },
        ],
    }
}

fn update(status: DutyStatus) -> DutyUpdate {
    DutyUpdate { owner_name: "王明".into(), owner_post: "信息中心主任".into(), status, reason: String::new(), evidence: "文件 2026-3 号".into(), attachment: None }
}

pub fn checklists_published_updated_counted(s: &mut dyn LedgerStore) {
    schools(s);
    let all = Scope::all();
    let units = [510104, 2151010401, 2151010402, 2151030201];
    let c = s.publish_checklist(&all, &checklist(510000), &units, "province", T0).unwrap();
    assert_eq!((c.items, c.units, c.year, c.include_schools), (3, 4, 2026, true));
    assert_eq!(s.checklists(&all).unwrap(), vec![c.clone()]);
    let q = DutyQuery { checklist: Some(c.id), limit: 50, ..Default::default() };
    let items = s.duty_items(&all, &q).unwrap().rows;
    assert_eq!(items.len(), 12);
    assert!(items.iter().all(|i| i.status == DutyStatus::NotStarted && i.owner_name.is_empty()));
    let own: Vec<_> = s.duty_items(&all, &DutyQuery { unit: Some(2151010401), ..q.clone() }).unwrap().rows;
    assert_eq!(own.iter().map(|i| (i.seq, i.category, i.evidence_required)).collect::<Vec<_>>(), vec![(1, Category::Leadership, false), (2, Category::Emergency, true), (3, Category::Training, false)]);
    assert_eq!(own[0].region_code, 510104, "a school's items are kept under its county");
    // Paging.
    let p1 = s.duty_items(&all, &DutyQuery { limit: 5, ..q.clone() }).unwrap();
    let after = p1.next.as_deref().unwrap().parse::<i64>().unwrap();
    assert_eq!(s.duty_items(&all, &DutyQuery { limit: 50, after: Some(after), ..q.clone() }).unwrap().rows.len(), 7);
    // A unit settles its items: all three for 锦江实验小学, one for 自流井小学.
    for (i, st) in own.iter().zip([DutyStatus::Done, DutyStatus::Done, DutyStatus::NotApplicable]) {
        let mut u = update(st);
        u.attachment = Some(7);
        let got = s.update_duty_item(&all, i.id, &u, "school", T0 + 5).unwrap();
        assert_eq!((got.status, got.owner_post.as_str(), got.attachment, got.updated_at, got.updated_by.as_str()), (st, "信息中心主任", Some(7), T0 + 5, "school"));
    }
    let zl = s.duty_items(&all, &DutyQuery { unit: Some(2151030201), ..q.clone() }).unwrap().rows;
    s.update_duty_item(&all, zl[0].id, &update(DutyStatus::Done), "x", T0).unwrap();
    s.update_duty_item(&all, zl[1].id, &update(DutyStatus::InProgress), "x", T0).unwrap();
    assert_eq!(s.duty_items(&all, &DutyQuery { status: Some(DutyStatus::Done), ..q.clone() }).unwrap().rows.len(), 3);
    // Completion by region and by unit.
    let by = s.duty_completion(&all, c.id, None, false).unwrap();
    assert_eq!(by, vec![
        DutyCompletion { code: 510104, items: 9, settled: 3, units: 3, units_complete: 1 },
        DutyCompletion { code: 510302, items: 3, settled: 1, units: 1, units_complete: 0 },
    ]);
    assert_eq!(by[0].rate(), Some(3.0 / 9.0));
    let cities = duty_by_level(&by, OrgLevel::Province);
    assert_eq!(cities.iter().map(|r| (r.code, r.items, r.units)).collect::<Vec<_>>(), vec![(510100, 9, 3), (510300, 3, 1)]);
    assert_eq!(duty_total(&cities).settled, 4);
    let units = s.duty_completion(&all, c.id, Some(510104), true).unwrap();
    assert_eq!(units.iter().map(|r| (r.code, r.settled, r.units_complete)).collect::<Vec<_>>(), vec![(510104, 0, 0), (2151010401, 3, 1), (2151010402, 0, 0)]);
    assert!(s.duty_completion(&all, c.id + 1000, None, false).unwrap().is_empty());
    // A unit not in the tree.
    assert!(matches!(s.publish_checklist(&all, &checklist(510000), &[999], "p", T0).unwrap_err(), StoreError::Conflict(_)));
}

pub fn checklist_scope(s: &mut dyn LedgerStore) {
    schools(s);
    let all = Scope::all();
    let jinjiang = county(510104);
    let c = s.publish_checklist(&all, &checklist(510000), &[510104, 2151010401, 2151010402, 2151030201], "province", T0).unwrap();
    // A county publishes for itself only, and only to its own units.
    let own = s.publish_checklist(&jinjiang, &checklist(510104), &[510104, 2151010401], "county", T0).unwrap();
    assert_eq!(own.units, 2);
    assert!(matches!(s.publish_checklist(&jinjiang, &checklist(510100), &[510104], "county", T0).unwrap_err(), StoreError::OutOfScope), "not for its city");
    assert!(matches!(s.publish_checklist(&jinjiang, &checklist(510104), &[2151030201], "county", T0).unwrap_err(), StoreError::OutOfScope), "not to another county's school");
    assert!(matches!(s.publish_checklist(&all, &checklist(510104), &[2151030201], "p", T0).unwrap_err(), StoreError::OutOfScope), "not outside the publishing division");
    let sc = school("2151010401", 510104);
    assert!(matches!(s.publish_checklist(&sc, &checklist(510104), &[2151010401], "s", T0).unwrap_err(), StoreError::OutOfScope));
    // Reads: the county sees the province's checklist (it has items there) and its own.
    assert_eq!(s.checklists(&jinjiang).unwrap().len(), 2);
    assert_eq!(s.checklists(&county(510302)).unwrap().iter().map(|c| c.id).collect::<Vec<_>>(), vec![c.id]);
    assert!(s.checklist(&county(510302), own.id).unwrap().is_none());
    let q = DutyQuery { checklist: Some(c.id), limit: 50, ..Default::default() };
    let mine = s.duty_items(&jinjiang, &q).unwrap().rows;
    assert_eq!(mine.len(), 9);
    assert!(s.duty_items(&jinjiang, &DutyQuery { region: Some(510302), ..q.clone() }).unwrap().rows.is_empty(), "a filter outside the scope yields nothing");
    let theirs = s.duty_items(&all, &DutyQuery { unit: Some(2151030201), ..q.clone() }).unwrap().rows;
    assert!(s.duty_item(&jinjiang, theirs[0].id).unwrap().is_none());
    for id in [theirs[0].id, 99_999] {
        assert!(matches!(s.update_duty_item(&jinjiang, id, &update(DutyStatus::Done), "c", T0).unwrap_err(), StoreError::OutOfScope));
    }
    assert_eq!(s.duty_completion(&jinjiang, c.id, None, false).unwrap().iter().map(|r| r.code).collect::<Vec<_>>(), vec![510104]);
    // A school: its own items only.
    let sc_items = s.duty_items(&sc, &q).unwrap().rows;
    assert_eq!(sc_items.len(), 3);
    assert!(sc_items.iter().all(|i| i.unit_code == 2151010401));
    let neighbour = mine.iter().find(|i| i.unit_code == 2151010402).unwrap();
    assert!(matches!(s.update_duty_item(&sc, neighbour.id, &update(DutyStatus::Done), "s", T0).unwrap_err(), StoreError::OutOfScope));
    let bureau = mine.iter().find(|i| i.unit_code == 510104).unwrap();
    assert!(matches!(s.update_duty_item(&sc, bureau.id, &update(DutyStatus::Done), "s", T0).unwrap_err(), StoreError::OutOfScope), "nor its bureau's");
    assert!(s.update_duty_item(&sc, sc_items[0].id, &update(DutyStatus::Done), "s", T0).is_ok());
    assert_eq!(s.checklists(&sc).unwrap().len(), 2, "the school has items in both");
    // Nothing.
    assert!(s.checklists(&Scope::Nothing).unwrap().is_empty());
    assert!(s.duty_items(&Scope::Nothing, &q).unwrap().rows.is_empty());
    assert!(s.duty_completion(&Scope::Nothing, c.id, None, false).unwrap().is_empty());
    assert!(matches!(s.update_duty_item(&Scope::Nothing, sc_items[0].id, &update(DutyStatus::Done), "n", T0).unwrap_err(), StoreError::OutOfScope));
}

/// Office software of `unit`: `licensed` seats, `installed` installations.
pub fn software(unit: i64, name: &str, licensed: u32, installed: u32, expires: Option<&str>) -> NewSoftware {
    NewSoftware {
        unit_code: unit,
        name: name.into(),
        vendor: "金山办公".into(),
        version: "2023".into(),
        kind: SoftwareKind::Office,
        licence_kind: LicenceKind::Procured,
        licence_no: "SCZC-2025-0131".into(),
        licensed,
        expires_on: expires.map(d),
        installed,
        location: "计算机教室一".into(),
    }
}

pub fn software_flags_and_totals(s: &mut dyn LedgerStore) {
    schools(s);
    let all = Scope::all();
    let today = d("2026-03-01");
    let ok = s.create_software(&all, &software(2151010401, "WPS Office", 60, 58, Some("2027-12-31")), "school", T0).unwrap();
    assert_eq!((ok.region_code, ok.new.installed, ok.new.expires_on, ok.created_by.as_str()), (510104, 58, Some(d("2027-12-31")), "school"));
    assert_eq!(s.software(&all, ok.id).unwrap().unwrap(), ok);
    let over = s.create_software(&all, &software(2151010401, "Windows 11", 40, 45, None), "school", T0).unwrap();
    let soon = s.create_software(&all, &software(2151010402, "杀毒软件", 50, 50, Some("2026-04-20")), "school", T0).unwrap();
    let mut open = software(2151030201, "LibreOffice", 0, 80, None);
    open.licence_kind = LicenceKind::OpenSource;
    let open = s.create_software(&all, &open, "school", T0).unwrap();
    assert!(over.over_installed() && !ok.over_installed() && !open.over_installed(), "open source counts no seats");
    assert!(soon.expiring(today) && !ok.expiring(today) && !over.expiring(today));
    let q = SoftwareQuery::on(today);
    assert_eq!(s.software_totals(&all, &q).unwrap(), SoftwareTotals { entries: 4, installed: 233, over_installed: 1, expiring: 1 });
    let ids = |s: &mut dyn LedgerStore, q: SoftwareQuery| s.software_list(&all, &q).unwrap().rows.iter().map(|x| x.id).collect::<Vec<_>>();
    assert_eq!(ids(s, SoftwareQuery { flag: Some(Flag::OverInstalled), ..q.clone() }), vec![over.id]);
    assert_eq!(ids(s, SoftwareQuery { flag: Some(Flag::Expiring), ..q.clone() }), vec![soon.id]);
    assert_eq!(ids(s, SoftwareQuery { flag: Some(Flag::Expiring), today: d("2027-11-15"), ..q.clone() }), vec![ok.id, soon.id], "expired ones stay flagged");
    assert_eq!(ids(s, SoftwareQuery { unit: Some(2151010401), ..q.clone() }), vec![ok.id, over.id]);
    assert_eq!(ids(s, SoftwareQuery { region: Some(510302), ..q.clone() }), vec![open.id]);
    let p1 = s.software_list(&all, &SoftwareQuery { limit: 3, ..q.clone() }).unwrap();
    assert_eq!((p1.rows.len(), p1.next.as_deref()), (3, Some(soon.id.to_string().as_str())));
    let mut fixed = software(2151010401, "Windows 11", 45, 45, None);
    fixed.kind = SoftwareKind::Os;
    let u = s.update_software(&all, over.id, &fixed, T0 + 9).unwrap();
    assert_eq!((u.new.licensed, u.new.kind, u.updated_at, u.over_installed()), (45, SoftwareKind::Os, T0 + 9, false));
    assert_eq!(s.software_totals(&all, &q).unwrap().over_installed, 0);
    assert!(matches!(s.update_software(&all, 99_999, &fixed, T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_software(&all, &software(999, "x", 1, 1, None), "p", T0).unwrap_err(), StoreError::Conflict(_)));
}

pub fn software_scope(s: &mut dyn LedgerStore) {
    schools(s);
    let all = Scope::all();
    let jinjiang = county(510104);
    let jj = s.create_software(&all, &software(2151010401, "WPS", 10, 10, None), "p", T0).unwrap();
    let jj2 = s.create_software(&all, &software(2151010402, "WPS", 10, 10, None), "p", T0).unwrap();
    let zl = s.create_software(&all, &software(2151030201, "WPS", 10, 11, None), "p", T0).unwrap();
    let bureau = s.create_software(&all, &software(510100, "WPS", 10, 10, None), "p", T0).unwrap();
    let q = SoftwareQuery::on(d("2026-03-01"));
    assert_eq!(s.software_list(&jinjiang, &q).unwrap().rows.iter().map(|x| x.id).collect::<Vec<_>>(), vec![jj.id, jj2.id]);
    assert!(s.software_list(&jinjiang, &SoftwareQuery { region: Some(510302), ..q.clone() }).unwrap().rows.is_empty());
    assert_eq!(s.software_totals(&jinjiang, &q).unwrap().over_installed, 0, "another county's over-installation is not counted");
    assert!(s.software(&jinjiang, zl.id).unwrap().is_none() && s.software(&jinjiang, bureau.id).unwrap().is_none());
    for id in [zl.id, bureau.id, 99_999] {
        assert!(matches!(s.update_software(&jinjiang, id, &software(2151010401, "x", 1, 1, None), T0).unwrap_err(), StoreError::OutOfScope));
    }
    assert!(matches!(s.create_software(&jinjiang, &software(2151030201, "x", 1, 1, None), "c", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.update_software(&jinjiang, jj.id, &software(2151030201, "moved", 1, 1, None), T0).unwrap_err(), StoreError::OutOfScope), "nor moved out");
    let sc = school("2151010401", 510104);
    assert_eq!(s.software_list(&sc, &q).unwrap().rows.len(), 1);
    assert!(s.software(&sc, jj2.id).unwrap().is_none());
    assert!(matches!(s.create_software(&sc, &software(510104, "x", 1, 1, None), "s", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(s.create_software(&sc, &software(2151010401, "自购软件", 1, 1, None), "s", T0).is_ok());
    assert!(s.software(&chengdu(), bureau.id).unwrap().is_some() && s.software(&chengdu(), zl.id).unwrap().is_none());
    assert!(s.software_list(&Scope::Nothing, &q).unwrap().rows.is_empty());
    assert_eq!(s.software_totals(&Scope::Nothing, &q).unwrap(), SoftwareTotals::default());
    assert!(matches!(s.create_software(&Scope::Nothing, &software(2151010401, "x", 1, 1, None), "n", T0).unwrap_err(), StoreError::OutOfScope));
}

fn check(unit: i64, on: &str, compliant: bool) -> NewCheck {
    NewCheck { unit_code: unit, checked_on: d(on), checker: "李华".into(), compliant, problems: if compliant { String::new() } else { "WPS 超装 5 套".into() } }
}

pub fn checks_due_and_overdue(s: &mut dyn LedgerStore) {
    schools(s);
    let all = Scope::all();
    s.create_software(&all, &software(2151010401, "WPS", 10, 10, None), "p", T0).unwrap();
    s.create_software(&all, &software(2151010402, "WPS", 10, 10, None), "p", T0).unwrap();
    s.create_software(&all, &software(2151030201, "WPS", 10, 10, None), "p", T0).unwrap();
    let a = s.add_check(&all, &check(2151010401, "2025-09-10", false), d("2026-03-10"), "p", T0).unwrap();
    let b = s.add_check(&all, &check(2151010401, "2026-02-20", true), d("2026-08-20"), "p", T0 + 1).unwrap();
    s.add_check(&all, &check(2151030201, "2025-06-01", true), d("2025-12-01"), "p", T0).unwrap();
    assert_eq!((a.region_code, a.new.problems.as_str(), b.next_due), (510104, "WPS 超装 5 套", d("2026-08-20")));
    assert_eq!(s.checks(&all, 2151010401).unwrap().iter().map(|c| c.id).collect::<Vec<_>>(), vec![b.id, a.id], "newest first");
    // A unit with a check but no software is on the ledger too.
    s.add_check(&all, &check(510104, "2026-01-05", true), d("2026-07-05"), "p", T0).unwrap();
    let today = d("2026-03-01");
    let units = s.unit_checks(&all, None, None, 50).unwrap();
    assert_eq!(units.iter().map(|u| (u.unit_code, u.next_due)).collect::<Vec<_>>(), vec![(2151010402, None), (2151030201, Some(d("2025-12-01"))), (510104, Some(d("2026-07-05"))), (2151010401, Some(d("2026-08-20")))]);
    assert!(units[0].overdue(today) && units[1].overdue(today) && !units[2].overdue(today));
    let late = s.unit_checks(&all, None, Some(today), 50).unwrap();
    assert_eq!(late.iter().map(|u| u.unit_code).collect::<Vec<_>>(), vec![2151010402, 2151030201], "never checked first, then the longest overdue");
    assert_eq!(s.unit_checks(&all, None, Some(d("2026-08-01")), 50).unwrap().len(), 3, "later, the bureau is late too");
    assert_eq!(s.check_regions(&all, today).unwrap(), vec![
        RegionChecks { code: 510104, units: 3, overdue: 1, never_checked: 1 },
        RegionChecks { code: 510302, units: 1, overdue: 1, never_checked: 0 },
    ]);
    assert_eq!(checks_total(&checks_by_level(&s.check_regions(&all, today).unwrap(), OrgLevel::Province)).overdue, 2);
    // Scope.
    let jinjiang = county(510104);
    assert_eq!(s.unit_checks(&jinjiang, None, Some(today), 50).unwrap().iter().map(|u| u.unit_code).collect::<Vec<_>>(), vec![2151010402]);
    assert!(s.unit_checks(&jinjiang, Some(510302), None, 50).unwrap().is_empty());
    assert_eq!(s.check_regions(&jinjiang, today).unwrap().len(), 1);
    assert!(s.checks(&jinjiang, 2151030201).unwrap().is_empty());
    assert!(matches!(s.add_check(&jinjiang, &check(2151030201, "2026-02-01", true), d("2026-08-01"), "c", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.add_check(&jinjiang, &check(999, "2026-02-01", true), d("2026-08-01"), "c", T0).unwrap_err(), StoreError::OutOfScope), "an unknown unit answers as outside");
    let sc = school("2151010402", 510104);
    assert!(s.add_check(&sc, &check(2151010402, "2026-02-01", true), d("2026-08-01"), "s", T0).is_ok());
    assert!(matches!(s.add_check(&sc, &check(2151010401, "2026-02-01", true), d("2026-08-01"), "s", T0).unwrap_err(), StoreError::OutOfScope));
    assert_eq!(s.unit_checks(&sc, None, None, 50).unwrap().iter().map(|u| u.unit_code).collect::<Vec<_>>(), vec![2151010402]);
    assert!(s.checks(&sc, 2151010401).unwrap().is_empty());
    assert!(s.unit_checks(&Scope::Nothing, None, None, 50).unwrap().is_empty() && s.check_regions(&Scope::Nothing, today).unwrap().is_empty());
    // Every check of an area in id order, page after page (the export).
    let first = s.checks_in(&all, None, None, 2).unwrap();
    assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), vec![a.id, b.id]);
    let rest = s.checks_in(&all, None, Some(b.id), 100).unwrap();
    assert_eq!(rest.iter().map(|c| c.new.unit_code).collect::<Vec<_>>(), vec![2151030201, 510104, 2151010402]);
    assert!(rest.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(s.checks_in(&all, Some(510302), None, 100).unwrap().iter().map(|c| c.new.unit_code).collect::<Vec<_>>(), vec![2151030201]);
    let units_of = |v: Vec<Check>| v.iter().map(|c| c.new.unit_code).collect::<Vec<_>>();
    assert_eq!(units_of(s.checks_in(&jinjiang, None, None, 100).unwrap()), vec![2151010401, 2151010401, 510104, 2151010402], "a county: its own units only");
    assert!(s.checks_in(&jinjiang, Some(510302), None, 100).unwrap().is_empty(), "a region outside the area");
    assert_eq!(units_of(s.checks_in(&sc, None, None, 100).unwrap()), vec![2151010402], "a school: its own checks");
    assert!(s.checks_in(&Scope::Nothing, None, None, 100).unwrap().is_empty());
}

/// The software-ledger reminders: the units due on the marks, and each reminder recorded once,
/// by a writer of its unit only (outside: refused, and not seen as recorded).
pub fn reminders_recorded_once(s: &mut dyn LedgerStore) {
    schools(s);
    let all = Scope::all();
    let w = s.create_software(&all, &software(2151010401, "WPS", 10, 10, Some("2026-12-31")), "p", T0).unwrap();
    s.add_check(&all, &check(2151010401, "2026-03-10", true), d("2026-09-10"), "p", T0).unwrap();
    s.add_check(&all, &check(2151030201, "2026-03-17", true), d("2026-09-17"), "p", T0).unwrap();
    let due: Vec<i64> = s.units_due_on(&all, &[d("2026-09-10"), d("2026-09-17")]).unwrap().iter().map(|u| u.unit_code).collect();
    assert_eq!(due, vec![2151010401, 2151030201]);
    assert_eq!(s.units_due_on(&county(510104), &[d("2026-09-10"), d("2026-09-17")]).unwrap().len(), 1);
    assert!(s.units_due_on(&all, &[d("2026-09-11")]).unwrap().is_empty());
    let k = LedgerReminderKey { subject: ReminderSubject::Licence, ref_id: w.id, due_on: d("2026-12-31"), stage: "30".into() };
    assert!(matches!(s.record_ledger_reminder(&county(510302), &k, T0), Err(StoreError::OutOfScope)));
    assert!(!s.ledger_reminder_recorded(&all, &k).unwrap());
    assert!(s.record_ledger_reminder(&county(510104), &k, T0).unwrap());
    assert!(!s.record_ledger_reminder(&all, &k, T0).unwrap(), "once");
    assert!(s.ledger_reminder_recorded(&all, &k).unwrap() && !s.ledger_reminder_recorded(&county(510302), &k).unwrap());
    let c = LedgerReminderKey { subject: ReminderSubject::Check, ref_id: 2151030201, due_on: d("2026-09-17"), stage: "7".into() };
    assert!(matches!(s.record_ledger_reminder(&school("2151010401", 510104), &c, T0), Err(StoreError::OutOfScope)));
    assert!(s.record_ledger_reminder(&all, &c, T0).unwrap());
    let unknown = LedgerReminderKey { ref_id: 9_999_999, ..c.clone() };
    assert!(matches!(s.record_ledger_reminder(&all, &unknown, T0), Err(StoreError::OutOfScope)), "unknown: the same answer");
}
