//! The tests of the plan tracker's storage ([`crate::plan::Plans`]) every backend must pass
//! ([`plan_suite!`]), the scope cases included: a unit reads the points it leads or co-operates
//! in and no other, posts updates only on the points it leads, an import is all or nothing, and
//! a refusal says nothing about existence.

use crate::plan::*;
use crate::suite::{import, school as school_row};
use crate::suite_mlps::{d, T0};
use crate::{Scope, StoreError};

/// What the suite needs of a backend.
pub trait PlanStore: crate::Store + Plans {}
impl<T: crate::Store + Plans> PlanStore for T {}

#[macro_export]
macro_rules! plan_suite {
    ($make:expr) => {
        $crate::plan_suite!(@tests $make; plan_imported_read_and_updated, plan_scope, plan_import_all_or_nothing);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_plan::$name(&mut s);
            }
        )*
    };
}

/// Two schools in 锦江区 (510104), one in 自流井区 (510302).
fn schools(s: &mut dyn PlanStore) {
    import(s, standard::Entity::School, "s", &[school_row("2151010401", "510104", "锦江实验小学"), school_row("2151010402", "510104", "锦江二小"), school_row("2151030201", "510302", "自流井小学")]);
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

fn point(part: u8, number: &str, lead: i64, coop: &[i64], deadline: &str, tasks: &[&str]) -> NewPoint {
    NewPoint {
        part,
        number: number.into(),
        title: format!("工作要点 {number}"),
        description: String::new(),
        lead,
        coop: coop.to_vec(),
        deadline: d(deadline),
        indicator: None,
        target: String::new(),
        tasks: tasks.iter().map(|t| NewTask { text: t.to_string(), owner: lead, deadline: d(deadline) }).collect(),
    }
}

/// The province's plan: point 1 led by the province, 2 led by 锦江区 with 自流井区 co-operating,
/// 3 led by 锦江实验小学, 4 led by 自流井区.
pub fn province_plan() -> NewPlan {
    let mut p1 = point(1, "1", 510000, &[], "2026-06-30", &["制定规划", "印发规划"]);
    p1.indicator = Some(Indicator::Ipv6Rate);
    p1.target = "100%".into();
    NewPlan {
        year: 2026,
        title: "2026 年教育信息化工作要点".into(),
        region_code: 510000,
        note: "测试".into(),
        points: vec![p1, point(2, "2", 510104, &[510302], "2026-12-31", &["建设机房"]), point(3, "3", 2151010401, &[], "2026-12-31", &[]), point(6, "4", 510302, &[], "2026-12-31", &[])],
    }
}

fn update(state: State, progress: u8) -> NewUpdate {
    NewUpdate { task: None, on: d("2026-03-01"), text: "已完成方案编制".into(), progress, state, attachment: None }
}

pub fn plan_imported_read_and_updated(s: &mut dyn PlanStore) {
    schools(s);
    let all = Scope::all();
    let p = s.import_plan(&all, &province_plan(), "province", T0).unwrap();
    assert_eq!((p.year, p.points, p.region_code, p.note.as_str()), (2026, 4, 510000, "测试"));
    assert_eq!(s.plans(&all).unwrap(), vec![p.clone()]);
    let pts = s.plan_points(&all, p.id).unwrap();
    assert_eq!(pts.iter().map(|x| (x.part, x.number.as_str(), x.lead, x.lead_region)).collect::<Vec<_>>(), vec![(1, "1", 510000, 510000), (2, "2", 510104, 510104), (3, "3", 2151010401, 510104), (6, "4", 510302, 510302)]);
    assert_eq!(pts[0].indicator, Some(Indicator::Ipv6Rate));
    assert_eq!(pts[1].coop, vec![510302]);
    assert!(pts.iter().all(|x| x.state == State::NotStarted && x.progress == 0));
    let tasks = s.plan_tasks(&all, pts[0].id).unwrap();
    assert_eq!(tasks.iter().map(|t| (t.seq, t.text.as_str())).collect::<Vec<_>>(), vec![(1, "制定规划"), (2, "印发规划")]);
    // An update on the point, then one on a task.
    let u = s.post_plan_update(&all, pts[0].id, &NewUpdate { attachment: Some(9), ..update(State::InProgress, 40) }, "province", T0 + 1).unwrap();
    assert_eq!((u.progress, u.state, u.attachment, u.author.as_str(), u.task), (40, State::InProgress, Some(9), "province", None));
    let mut t = update(State::Done, 60);
    t.task = Some(tasks[0].id);
    t.on = d("2026-04-01");
    s.post_plan_update(&all, pts[0].id, &t, "province", T0 + 2).unwrap();
    let after = s.plan_point(&all, pts[0].id).unwrap().unwrap();
    assert_eq!((after.state, after.progress, after.updated_at), (State::InProgress, 60, T0 + 2), "a task's update moves the progress, not the point's state");
    assert_eq!(s.plan_tasks(&all, pts[0].id).unwrap()[0].state, State::Done);
    let ups = s.plan_updates(&all, pts[0].id).unwrap();
    assert_eq!(ups.iter().map(|u| u.progress).collect::<Vec<_>>(), vec![60, 40], "newest first");
    // A task of another point is refused.
    let other = s.plan_tasks(&all, pts[1].id).unwrap()[0].id;
    t.task = Some(other);
    assert!(matches!(s.post_plan_update(&all, pts[0].id, &t, "p", T0).unwrap_err(), StoreError::OutOfScope));
    // Status by point and part.
    s.post_plan_update(&all, pts[1].id, &update(State::Done, 100), "x", T0).unwrap();
    let pts = s.plan_points(&all, p.id).unwrap();
    let today = d("2026-07-01");
    assert_eq!(pts.iter().map(|x| x.status(today)).collect::<Vec<_>>(), vec![Status::Overdue, Status::Done, Status::NotStarted, Status::NotStarted]);
    let parts = by_part(&pts, today);
    assert_eq!(parts.last().map(|t| (t.points, t.done, t.overdue)), Some((4, 1, 1)));
    // Next year's plan is a new import; the same year again is a conflict.
    assert!(matches!(s.import_plan(&all, &province_plan(), "p", T0).unwrap_err(), StoreError::Conflict(_)));
    let mut next = province_plan();
    next.year = 2027;
    let p2 = s.import_plan(&all, &next, "p", T0).unwrap();
    assert_eq!(s.plans(&all).unwrap().iter().map(|x| x.year).collect::<Vec<_>>(), vec![2027, 2026]);
    assert_eq!(s.plan_points(&all, p2.id).unwrap().len(), 4);
}

pub fn plan_scope(s: &mut dyn PlanStore) {
    schools(s);
    let all = Scope::all();
    let p = s.import_plan(&all, &province_plan(), "province", T0).unwrap();
    let pts = s.plan_points(&all, p.id).unwrap();
    let ids = |v: Vec<Point>| v.iter().map(|x| x.number.clone()).collect::<Vec<_>>();
    // 锦江区 leads point 2 and holds the school leading point 3.
    assert_eq!(ids(s.plan_points(&county(510104), p.id).unwrap()), ["2", "3"]);
    // 自流井区 co-operates in 2 and leads 4.
    assert_eq!(ids(s.plan_points(&county(510302), p.id).unwrap()), ["2", "4"]);
    let school = Scope::School { code: "2151010401".into(), county: 510104 };
    assert_eq!(ids(s.plan_points(&school, p.id).unwrap()), ["3"]);
    let other = Scope::School { code: "2151010402".into(), county: 510104 };
    assert!(s.plan_points(&other, p.id).unwrap().is_empty());
    assert!(s.plans(&other).unwrap().is_empty(), "a plan with no point of its own is not listed");
    assert!(s.plan(&other, p.id).unwrap().is_none());
    assert!(s.plans(&Scope::Nothing).unwrap().is_empty());
    assert_eq!(s.plans(&school).unwrap().len(), 1);
    // The province's own point is not read by a county; nor its tasks or updates.
    assert!(s.plan_point(&county(510104), pts[0].id).unwrap().is_none());
    assert!(s.plan_tasks(&county(510104), pts[0].id).unwrap().is_empty());
    s.post_plan_update(&all, pts[0].id, &update(State::InProgress, 10), "p", T0).unwrap();
    assert!(s.plan_updates(&county(510104), pts[0].id).unwrap().is_empty());
    // Writes: the lead posts; a co-operating unit reads but may not post; unknown and outside
    // are one answer.
    s.post_plan_update(&county(510104), pts[1].id, &update(State::InProgress, 20), "jj", T0).unwrap();
    assert!(s.plan_point(&county(510302), pts[1].id).unwrap().is_some());
    assert!(matches!(s.post_plan_update(&county(510302), pts[1].id, &update(State::Done, 100), "zlj", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.post_plan_update(&county(510302), pts[0].id, &update(State::Done, 100), "zlj", T0).unwrap_err(), StoreError::OutOfScope));
    assert!(matches!(s.post_plan_update(&county(510302), 999_999, &update(State::Done, 100), "zlj", T0).unwrap_err(), StoreError::OutOfScope));
    s.post_plan_update(&school, pts[2].id, &update(State::Done, 100), "school", T0).unwrap();
    assert!(matches!(s.post_plan_update(&other, pts[2].id, &update(State::Done, 100), "x", T0).unwrap_err(), StoreError::OutOfScope));
    // The issuer posts on any point of its plan.
    s.post_plan_update(&all, pts[3].id, &update(State::InProgress, 5), "p", T0).unwrap();
    // Imports: a county issues for itself only, its units only.
    let mut own = province_plan();
    own.region_code = 510104;
    own.points = vec![point(1, "1", 510104, &[2151010401], "2026-12-31", &["任务"])];
    let mine = s.import_plan(&county(510104), &own, "jj", T0).unwrap();
    assert_eq!(s.plans(&county(510104)).unwrap().len(), 2);
    assert!(s.plan(&county(510302), mine.id).unwrap().is_none());
    let mut wide = own.clone();
    wide.region_code = 510100;
    assert!(matches!(s.import_plan(&county(510104), &wide, "jj", T0).unwrap_err(), StoreError::OutOfScope), "not for its city");
    let mut foreign = own.clone();
    foreign.year = 2027;
    foreign.points[0].coop = vec![2151030201];
    assert!(matches!(s.import_plan(&county(510104), &foreign, "jj", T0).unwrap_err(), StoreError::OutOfScope), "not another county's school");
    assert!(matches!(s.import_plan(&all, &foreign, "p", T0).unwrap_err(), StoreError::OutOfScope), "not outside the issuing division");
    assert!(matches!(s.import_plan(&school, &own, "s", T0).unwrap_err(), StoreError::OutOfScope));
}

pub fn plan_import_all_or_nothing(s: &mut dyn PlanStore) {
    schools(s);
    let all = Scope::all();
    let mut bad = province_plan();
    bad.points[2].coop = vec![999];
    assert!(matches!(s.import_plan(&all, &bad, "p", T0).unwrap_err(), StoreError::Conflict(_)), "a unit not in the tree");
    assert!(s.plans(&all).unwrap().is_empty(), "nothing stored");
    let ok = s.import_plan(&all, &province_plan(), "p", T0).unwrap();
    assert_eq!(ok.points, 4);
}
