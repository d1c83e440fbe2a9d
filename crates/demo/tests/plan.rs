//! The demo plan: 17 points in the six parts, marked as a reconstruction, one overdue, three
//! bound to live figures, updates posted; seeding twice adds nothing.

use standard::Date;
use store::plan::{by_part, Plans, Status};
use store::Scope;

#[test]
fn the_2022_plan_seeded_once() {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    let today = Date::parse_iso("2026-12-07").unwrap();
    let (points, updates) = demo::plan::seed(&mut s, today, 1_800_000_000).unwrap();
    assert_eq!(points, 17);
    assert!(updates >= 17);
    let all = Scope::all();
    let plans = s.plans(&all).unwrap();
    assert_eq!(plans.len(), 1);
    assert!(plans[0].title.contains("演示") && plans[0].note.contains("不是官方文件原文"));
    let pts = s.plan_points(&all, plans[0].id).unwrap();
    let parts = by_part(&pts, today);
    assert_eq!(parts.iter().filter(|p| p.part > 0).map(|p| p.points).collect::<Vec<_>>(), [3, 3, 3, 3, 2, 3]);
    let overdue: Vec<_> = pts.iter().filter(|p| p.status(today) == Status::Overdue).map(|p| p.number.as_str()).collect();
    assert_eq!(overdue, ["11"]);
    assert_eq!(pts.iter().filter(|p| p.indicator.is_some() && p.status(today) == Status::InProgress).count(), 3);
    assert_eq!(parts.last().unwrap().done, 13);
    // A county reads the points its area leads or co-operates in.
    let jinjiang = s.plan_points(&Scope::Region { lo: 510104, hi: 510104 }, plans[0].id).unwrap();
    assert_eq!(jinjiang.iter().map(|p| p.number.as_str()).collect::<Vec<_>>(), ["10", "12", "13", "14", "17"]);
    assert_eq!(demo::plan::seed(&mut s, today, 1_800_000_000).unwrap(), (0, 0));
}
