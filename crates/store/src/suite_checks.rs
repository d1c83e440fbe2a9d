//! The tests of inspections, drills and rectification items ([`crate::checks::Checks`]) every
//! backend must pass ([`checks_suite!`]): assignments resolved in the tree, answers refused
//! outside the unit's area, incomplete sheets refused with every problem, findings turned into
//! items, the item flow (only the issuing level verifies or reopens), overdue on working days
//! of the embedded 2026 calendar, progress counted in SQL, and reads cut to the scope.

use crate::calendar::Calendar;
use crate::checks::*;
use crate::clock::{Clock, TestClock};
use crate::suite::{import, school as school_row};
use crate::{OrgLevel, Scope, StoreError};
use standard::Date;

/// What the suite needs of a backend.
pub trait ChecksStore: crate::Store + Checks {}
impl<T: crate::Store + Checks> ChecksStore for T {}

#[macro_export]
macro_rules! checks_suite {
    ($make:expr) => {
        $crate::checks_suite!(@tests $make;
            inspections_assigned_answered_and_scoped, answer_files_kept_and_scoped, items_flow_and_overdue_on_working_days, drills_findings_become_items);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_checks::$name(&mut s);
            }
        )*
    };
}

const S1: i64 = 2151010401;
const S2: i64 = 2151010402;
const S3: i64 = 2151030201;
const T0: i64 = 1_800_000_000;

/// Two schools in 锦江区 (510104), one in 自流井区 (510302).
fn schools(s: &mut dyn ChecksStore) {
    import(s, standard::Entity::School, "s", &[school_row("2151010401", "510104", "锦江实验小学"), school_row("2151010402", "510104", "锦江二小"), school_row("2151030201", "510302", "自流井小学")]);
}

fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("a date")
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

fn school(code: i64, c: u32) -> Scope {
    Scope::School { code: code.to_string(), county: c }
}

fn province() -> Scope {
    Scope::Region { lo: 510000, hi: 519999 }
}

/// Three items: a yes/no with evidence required, a text, a yes/no.
pub fn inspection(issuer: i64) -> NewInspection {
    NewInspection {
        issuer_code: issuer,
        name: "2026 年网络安全专项检查".into(),
        basis: "川教函〔2026〕88号".into(),
        starts_on: d("2026-09-01"),
        deadline: d("2026-09-30"),
        rect_days: 10,
        items: vec![
            ChecklistItem { text: "已制定网络安全责任制".into(), kind: ItemKind::YesNo, evidence_required: true },
            ChecklistItem { text: "说明数据备份方式".into(), kind: ItemKind::Text, evidence_required: false },
            ChecklistItem { text: "弱口令已清理".into(), kind: ItemKind::YesNo, evidence_required: false },
        ],
    }
}

fn answer(item: u32, v: Verdict, note: &str, evidence: &str) -> Answer {
    Answer { item, verdict: Some(v), note: note.into(), evidence: evidence.into(), attachment: None }
}

/// An answer's evidence file: attached only inside the unit's area, to an item of the
/// checklist, before submission; a saved sheet keeps the stored file whatever it says; the file
/// satisfies "evidence required".
pub fn answer_files_kept_and_scoped(s: &mut dyn ChecksStore) {
    schools(s);
    let (insp, _) = s.create_inspection(&province(), &inspection(510000), &Target::Units(vec![S1, S3]), "sheng", T0).unwrap();
    for (scope, unit) in [(county(510302), S1), (school(S2, 510104), S1), (county(510104), S3), (county(510104), 2151010499)] {
        assert!(matches!(s.attach_answer(&scope, insp.id, unit, 0, 7).unwrap_err(), StoreError::OutOfScope), "{scope:?} {unit}");
    }
    assert!(matches!(s.attach_answer(&school(S1, 510104), insp.id, S1, 3, 7).unwrap_err(), StoreError::Conflict(_)), "no item 4");
    let a = s.attach_answer(&school(S1, 510104), insp.id, S1, 0, 7).unwrap();
    assert_eq!((a.answers.len(), a.answers[0].item, a.answers[0].attachment, a.answers[0].verdict), (1, 0, Some(7), None));
    // A sheet saved afterwards keeps the file (and cannot point at another).
    let mut sheet = vec![answer(0, Verdict::Compliant, "", ""), answer(1, Verdict::Compliant, "每日异地备份", ""), answer(2, Verdict::Compliant, "", "")];
    sheet[1].attachment = Some(99);
    let a = s.save_answers(&school(S1, 510104), insp.id, S1, &sheet, None, "xiao", T0).unwrap();
    assert_eq!(a.answers.iter().map(|x| x.attachment).collect::<Vec<_>>(), vec![Some(7), None, None]);
    let a = s.save_answers(&school(S1, 510104), insp.id, S1, &sheet[1..], None, "xiao", T0).unwrap();
    assert_eq!(a.answers.iter().map(|x| (x.item, x.attachment)).collect::<Vec<_>>(), vec![(0, Some(7)), (1, None), (2, None)], "a sheet without the item keeps its file");
    // A replacement; then the file is the evidence the first item requires.
    s.attach_answer(&county(510104), insp.id, S1, 0, 8).unwrap();
    let a = s.save_answers(&school(S1, 510104), insp.id, S1, &sheet, Some(("", "", d("2026-10-14"))), "xiao", T0).unwrap();
    assert_eq!((a.state, a.answers[0].attachment, a.answers[0].evidence.as_str()), (AssignState::Submitted, Some(8), ""));
    assert!(matches!(s.attach_answer(&school(S1, 510104), insp.id, S1, 0, 9).unwrap_err(), StoreError::Conflict(_)), "not after submission");
    // Without a file or text, still refused.
    let StoreError::Conflict(msg) = s.save_answers(&province(), insp.id, S3, &sheet, Some(("", "", d("2026-10-14"))), "x", T0).unwrap_err() else { panic!("conflict") };
    assert!(msg.contains("第 1 项须提供证明材料"), "{msg}");
}

pub fn inspections_assigned_answered_and_scoped(s: &mut dyn ChecksStore) {
    schools(s);
    let prov = province();
    // The province's inspection to chosen units: two schools, one bureau.
    let (insp, n) = s.create_inspection(&prov, &inspection(510000), &Target::Units(vec![S1, S2, S3, 510104, S1]), "sheng", T0).unwrap();
    assert_eq!((n, insp.new.items.len(), insp.created_by.as_str()), (4, 3, "sheng"), "a unit chosen twice is assigned once");
    assert_eq!(s.inspection(&prov, insp.id).unwrap().unwrap(), insp);
    // A city's inspection to all its schools: the two of 锦江区, not 自流井's.
    let chengdu = Scope::Region { lo: 510100, hi: 510199 };
    let (city, n) = s.create_inspection(&chengdu, &inspection(510100), &Target::AllSchools, "shi", T0).unwrap();
    assert_eq!(n, 2);
    let (_, bureaus) = s.create_inspection(&chengdu, &inspection(510100), &Target::AllBureaus, "shi", T0).unwrap();
    assert!(bureaus >= 1, "the city's counties");
    // Issuing outside: a county for its city, a unit outside the issuer's area, an unknown unit.
    let jinjiang = county(510104);
    assert!(matches!(s.create_inspection(&jinjiang, &inspection(510100), &Target::AllSchools, "x", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_inspection(&jinjiang, &inspection(510104), &Target::Units(vec![S1, S3]), "x", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_inspection(&school(S1, 510104), &inspection(510104), &Target::Units(vec![S1]), "x", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.create_inspection(&jinjiang, &inspection(510104), &Target::Units(vec![2151010499]), "x", T0).unwrap_err(), StoreError::Conflict(_)));
    // Who sees what: the county of an assigned unit, the school assigned; not a county without one.
    assert!(s.inspection(&county(510302), insp.id).unwrap().is_some());
    assert!(s.inspection(&county(510302), city.id).unwrap().is_none(), "自流井 has no school in 成都's inspection");
    assert!(s.inspection(&school(S2, 510104), city.id).unwrap().is_some());
    assert!(s.inspection(&county(510105), insp.id).unwrap().is_none());
    assert!(s.inspection(&Scope::Nothing, insp.id).unwrap().is_none());
    let listed: Vec<i64> = s.inspections(&county(510302), None, 50).unwrap().rows.iter().map(|i| i.id).collect();
    assert_eq!(listed, vec![insp.id]);
    let page = s.inspections(&prov, None, 2).unwrap();
    assert_eq!(page.rows.len(), 2);
    let rest = s.inspections(&prov, page.next.as_deref().map(|c| c.parse().unwrap()), 10).unwrap();
    assert_eq!((rest.rows.len(), rest.rows[0].id), (1, insp.id), "newest first");
    // Answers outside the unit's area are refused alike, assigned or not.
    let good = vec![answer(0, Verdict::Compliant, "", "责任制文件"), answer(1, Verdict::Compliant, "每日异地备份", ""), answer(2, Verdict::NotCompliant, "发现 3 个弱口令", "")];
    for (scope, unit) in [(county(510302), S1), (school(S2, 510104), S1), (county(510104), 2151010499), (county(510104), S3)] {
        let e = s.save_answers(&scope, insp.id, unit, &good, Some(("张老师", "信息中心主任", d("2026-10-14"))), "x", T0).unwrap_err();
        assert!(matches!(e, StoreError::OutOfScope), "{scope:?} {unit}: {e:?}");
    }
    assert!(s.assignment(&county(510302), insp.id, S1).unwrap().is_none());
    // A draft is kept; an incomplete sheet is refused with every problem at once.
    let draft = s.save_answers(&school(S1, 510104), insp.id, S1, &good[..1], None, "xiao", T0).unwrap();
    assert_eq!((draft.state, draft.answers.len()), (AssignState::Assigned, 1));
    let bad = vec![answer(0, Verdict::Compliant, "", ""), answer(2, Verdict::NotCompliant, "", "")];
    let StoreError::Conflict(msg) = s.save_answers(&school(S1, 510104), insp.id, S1, &bad, Some(("", "", d("2026-10-14"))), "xiao", T0).unwrap_err() else { panic!("conflict") };
    for p in ["第 1 项须提供证明材料", "第 2 项未作答", "第 3 项不符合时须说明问题", "整改责任人"] {
        assert!(msg.contains(p), "{p} in {msg}");
    }
    assert_eq!(s.assignment(&prov, insp.id, S1).unwrap().unwrap().state, AssignState::Assigned);
    // Submitted: the not-compliant answer becomes an item of the unit, issued by the province.
    let a = s.save_answers(&school(S1, 510104), insp.id, S1, &good, Some(("张老师", "信息中心主任", d("2026-10-14"))), "xiao", T0 + 10).unwrap();
    assert_eq!((a.state, a.findings, a.submitted_at, a.submitted_by.as_str()), (AssignState::Submitted, 1, Some(T0 + 10), "xiao"));
    assert!(matches!(s.save_answers(&school(S1, 510104), insp.id, S1, &good, None, "xiao", T0).unwrap_err(), StoreError::Conflict(_)), "no change after submission");
    let items = s.items(&school(S1, 510104), &ItemQuery { source_id: Some(insp.id), ..ItemQuery::on(d("2026-10-01")) }).unwrap().rows;
    assert_eq!(items.len(), 1);
    let it = &items[0];
    assert_eq!((it.new.source, it.new.source_ref, it.new.owner_unit, it.region_code, it.issuer_code, it.state, it.new.due_on), (Source::Inspection, 2, S1, 510104, 510000, ItemState::Open, d("2026-10-14")));
    assert!(it.new.description.contains("弱口令已清理") && it.new.owner_name == "张老师");
    // S2 submits with nothing wrong.
    let clean = vec![answer(0, Verdict::Compliant, "", "文件"), answer(1, Verdict::NotApplicable, "无服务器", ""), answer(2, Verdict::Compliant, "", "")];
    s.save_answers(&county(510104), insp.id, S2, &clean, Some(("", "", d("2026-10-14"))), "qu", T0).unwrap();
    // Progress, counted in SQL: by region, to a county's units, cut to the scope.
    let p = s.progress(&prov, insp.id, None, false, d("2026-10-15")).unwrap();
    let jj = p.iter().find(|r| r.code == 510104).unwrap();
    assert_eq!((jj.assigned, jj.submitted, jj.findings, jj.open_items, jj.overdue_items), (3, 2, 1, 1, 1), "{p:?}");
    let zl = p.iter().find(|r| r.code == 510302).unwrap();
    assert_eq!((zl.assigned, zl.submitted), (1, 0));
    let cities = progress_by_level(&p, OrgLevel::Province);
    assert_eq!(cities.iter().map(|r| (r.code, r.assigned)).collect::<Vec<_>>(), vec![(510100, 3), (510300, 1)]);
    assert_eq!(progress_total(&p).assigned, 4);
    let units = s.progress(&prov, insp.id, Some(510104), true, d("2026-10-14")).unwrap();
    assert_eq!(units.iter().map(|r| (r.code, r.submitted, r.overdue_items)).collect::<Vec<_>>(), vec![(510104, 0, 0), (S1, 1, 0), (S2, 1, 0)]);
    assert_eq!(s.progress(&county(510302), insp.id, None, false, d("2026-10-15")).unwrap().len(), 1);
    assert!(s.progress(&county(510302), insp.id, Some(510104), false, d("2026-10-15")).unwrap().is_empty());
    assert!(s.progress(&Scope::Nothing, insp.id, None, false, d("2026-10-15")).unwrap().is_empty());
    let own = s.assignments(&school(S2, 510104), insp.id, None, None, 50).unwrap().rows;
    assert_eq!(own.iter().map(|a| a.unit_code).collect::<Vec<_>>(), vec![S2]);
    let all = s.assignments(&prov, insp.id, None, None, 2).unwrap();
    assert_eq!((all.rows.len(), all.next.is_some()), (2, true));
}

pub fn items_flow_and_overdue_on_working_days(s: &mut dyn ChecksStore) {
    schools(s);
    // Issued by 成都 on 2026-09-30; due in 3 working days: 10-01..07 are the National Day
    // holidays, 10-10 (a Saturday) an adjusted working day → due 2026-10-10.
    let clock = TestClock::on(d("2026-09-30"));
    let cal = Calendar::embedded();
    let due = cal.add_working_days(clock.today(), 3);
    assert_eq!(due, d("2026-10-10"));
    let chengdu = Scope::Region { lo: 510100, hi: 510199 };
    let (insp, _) = s.create_inspection(&chengdu, &inspection(510100), &Target::Units(vec![S1]), "shi", clock.now()).unwrap();
    let sheet = vec![answer(0, Verdict::NotCompliant, "未制定", ""), answer(1, Verdict::Compliant, "磁带", ""), answer(2, Verdict::Compliant, "", "")];
    let me = school(S1, 510104);
    s.save_answers(&me, insp.id, S1, &sheet, Some(("李主任", "副校长", due)), "xiao", clock.now()).unwrap();
    let id = s.items(&me, &ItemQuery::on(clock.today())).unwrap().rows[0].id;
    let overdue = |s: &mut dyn ChecksStore, today: Date| s.items(&chengdu, &ItemQuery { overdue: true, ..ItemQuery::on(today) }).unwrap().rows.len();
    clock.set(TestClock::on(d("2026-10-10")).now());
    assert_eq!(overdue(s, clock.today()), 0, "due today is not late");
    assert!(!s.item(&me, id).unwrap().unwrap().overdue(clock.today()));
    clock.advance(86_400);
    assert_eq!(overdue(s, clock.today()), 1);
    assert!(s.item(&me, id).unwrap().unwrap().overdue(clock.today()));
    assert_eq!(s.items(&county(510302), &ItemQuery { overdue: true, ..ItemQuery::on(clock.today()) }).unwrap().rows.len(), 0);
    assert!(s.item(&county(510302), id).unwrap().is_none() && s.item(&school(S2, 510104), id).unwrap().is_none());
    // The owner submits; others cannot, whether the item exists or not.
    for (scope, i) in [(county(510302), id), (school(S2, 510104), id)] {
        assert!(matches!(s.submit_item(&scope, i, "x", None, clock.now()).unwrap_err(), StoreError::OutOfScope));
    }
    assert!(matches!(s.submit_item(&me, 99_999, "x", None, clock.now()).unwrap_err(), StoreError::OutOfScope));
    let it = s.submit_item(&me, id, "已印发《网络安全责任制》", Some(7), clock.now()).unwrap();
    assert_eq!((it.state, it.attachment_id, it.submitted_at), (ItemState::Submitted, Some(7), Some(clock.now())));
    assert_eq!(overdue(s, clock.today()), 0, "submitted is not overdue");
    assert!(matches!(s.submit_item(&me, id, "again", None, clock.now()).unwrap_err(), StoreError::Conflict(_)));
    // Only the issuing level reviews: not the school, not its county; the city or the province.
    for scope in [me.clone(), county(510104)] {
        assert!(matches!(s.review_item(&scope, id, true, "", "x", clock.now()).unwrap_err(), StoreError::OutOfScope));
    }
    let back = s.review_item(&chengdu, id, false, "缺少印发文号", "shi", clock.now()).unwrap();
    assert_eq!((back.state, back.review_note.as_str()), (ItemState::Reopened, "缺少印发文号"));
    assert_eq!(overdue(s, clock.today()), 1, "reopened and past due: overdue again");
    assert!(matches!(s.review_item(&chengdu, id, true, "", "shi", clock.now()).unwrap_err(), StoreError::Conflict(_)), "only a submitted item is reviewed");
    s.submit_item(&me, id, "川教锦〔2026〕12号", None, clock.now()).unwrap();
    let done = s.review_item(&province(), id, true, "", "sheng", clock.now() + 5).unwrap();
    assert_eq!((done.state, done.verified_by.as_str(), done.verified_at, done.attachment_id), (ItemState::Verified, "sheng", Some(clock.now() + 5), None));
    assert!(s.items(&chengdu, &ItemQuery { open: true, ..ItemQuery::on(clock.today()) }).unwrap().rows.is_empty());
    assert_eq!(s.items(&chengdu, &ItemQuery { state: Some(ItemState::Verified), source: Some(Source::Inspection), ..ItemQuery::on(clock.today()) }).unwrap().rows.len(), 1);
    assert!(s.items(&chengdu, &ItemQuery { source: Some(Source::Drill), ..ItemQuery::on(clock.today()) }).unwrap().rows.is_empty());
    assert!(s.items(&chengdu, &ItemQuery { region: Some(510302), ..ItemQuery::on(clock.today()) }).unwrap().rows.is_empty());
    assert!(s.items(&Scope::Nothing, &ItemQuery::on(clock.today())).unwrap().rows.is_empty());
}

pub fn drills_findings_become_items(s: &mut dyn ChecksStore) {
    schools(s);
    let chengdu = Scope::Region { lo: 510100, hi: 510199 };
    let plan = NewDrill { organiser_code: 510100, name: "2026 年成都教育系统攻防演练".into(), kind: DrillKind::Drill, starts_on: d("2026-11-02"), ends_on: d("2026-11-06"), scope_text: "各区县教育城域网及学校门户网站".into() };
    assert!(matches!(s.create_drill(&county(510104), &plan, "x", T0).unwrap_err(), StoreError::OutOfScope));
    let dr = s.create_drill(&chengdu, &plan, "shi", T0).unwrap();
    assert_eq!((dr.new.kind, dr.report.as_str()), (DrillKind::Drill, ""));
    s.add_participant(&chengdu, dr.id, 510104, Team::Blue).unwrap();
    s.add_participant(&chengdu, dr.id, S1, Team::Blue).unwrap();
    let p = s.add_participant(&chengdu, dr.id, S1, Team::Red).unwrap();
    assert_eq!((p.region_code, p.team), (510104, Team::Red), "a unit joins once; its team can change");
    assert!(matches!(s.add_participant(&chengdu, dr.id, S3, Team::Blue).unwrap_err(), StoreError::OutOfScope), "outside the organiser's area");
    assert!(matches!(s.add_participant(&county(510104), dr.id, S2, Team::Blue).unwrap_err(), StoreError::OutOfScope), "only the organiser");
    assert_eq!(s.participants(&chengdu, dr.id).unwrap().len(), 2);
    // Seen by the organiser's area and by the participants; not by others.
    assert!(s.drill(&school(S1, 510104), dr.id).unwrap().is_some());
    assert!(s.drill(&school(S2, 510104), dr.id).unwrap().is_none());
    assert!(s.drill(&county(510302), dr.id).unwrap().is_none());
    assert_eq!(s.drills(&county(510104), None, 10).unwrap().rows.len(), 1);
    assert!(s.participants(&county(510302), dr.id).unwrap().is_empty());
    let f = |unit: i64, title: &str| NewFinding { title: title.into(), severity: Severity::High, unit_code: unit, target: "门户网站".into(), found_by: "红队一组".into(), owner_name: "王工".into(), owner_post: "网络管理员".into(), due_on: d("2026-11-20") };
    let (f1, i1) = s.add_finding(&chengdu, dr.id, &f(S1, "SQL 注入"), "shi", T0).unwrap();
    let (f2, _) = s.add_finding(&chengdu, dr.id, &f(S2, "弱口令"), "shi", T0).unwrap();
    assert_eq!((f1.item_id, i1.new.source, i1.new.source_ref, i1.issuer_code, i1.new.owner_unit, i1.new.severity), (Some(i1.id), Source::Drill, f1.id, 510100, S1, Severity::High));
    assert!(matches!(s.add_finding(&chengdu, dr.id, &f(S3, "x"), "shi", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.add_finding(&school(S1, 510104), dr.id, &f(S1, "x"), "s", T0).unwrap_err(), StoreError::OutOfScope));
    // The organiser sees every finding; a participant only its own.
    assert_eq!(s.findings(&chengdu, dr.id).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![f1.id, f2.id]);
    assert_eq!(s.findings(&school(S1, 510104), dr.id).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), vec![f1.id]);
    assert!(s.findings(&county(510302), dr.id).unwrap().is_empty());
    // The report, by the organiser only.
    assert!(matches!(s.set_report(&school(S1, 510104), dr.id, "x", None).unwrap_err(), StoreError::OutOfScope));
    s.set_report(&chengdu, dr.id, "发现高危问题 2 个，均已下发整改。", Some(3)).unwrap();
    let got = s.drill(&chengdu, dr.id).unwrap().unwrap();
    assert_eq!((got.report.as_str(), got.report_attachment), ("发现高危问题 2 个，均已下发整改。", Some(3)));
    // The finding's item follows the same flow; its verifier is the organiser.
    s.submit_item(&school(S1, 510104), i1.id, "已修复并复测", None, T0).unwrap();
    assert!(matches!(s.review_item(&county(510104), i1.id, true, "", "qu", T0).unwrap_err(), StoreError::OutOfScope));
    assert_eq!(s.review_item(&chengdu, i1.id, true, "", "shi", T0).unwrap().state, ItemState::Verified);
    assert_eq!(s.items(&county(510104), &ItemQuery { source: Some(Source::Drill), source_id: Some(dr.id), ..ItemQuery::on(d("2026-11-30")) }).unwrap().rows.len(), 2);
}
