//! The conditions side of the 优质均衡 indicators read back from a real store
//! (`store::conditions::Conditions::balance_inputs`) and computed by `insight::balance`, against
//! hand-computed values: a small county whose enrolment-weighted CV differs from the unweighted
//! one, with a teaching point left out of the CV.

use insight::balance::{county_balance, unweighted_cv, Conditions, SchoolResources};
use insight::{Sections, Stage};
use store::conditions::Conditions as _;
use store::suite::{import, school};
use store::{Entity, Scope};

const YEAR: &str = "2024-2025";

fn row(code: &str, teaching: &str, ground: &str, hall: &str, equipment: &str, rooms: &str, point: &str) -> Vec<String> {
    [code, YEAR, "99999", teaching, ground, hall, equipment, rooms, "", "", "1", point].iter().map(|s| s.to_string()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn balance_inputs_from_the_store_give_the_hand_computed_indicators() {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    import(&mut s, Entity::School, "s", &[school("2151040001", "510104", "甲小学"), school("2151040002", "510104", "乙小学"), school("2151040003", "510104", "丙教学点"), school("2151120001", "510112", "丁小学")]);
    import(
        &mut s,
        Entity::Conditions,
        "c",
        &[
            // A: 400 pupils — 5.0 m² teaching space, (3000 + 600) / 400 = 9.0 m² sports space,
            // 2250 yuan, 2.5 rooms per 100 pupils.
            row("2151040001", "2000", "3000", "600", "900000", "10", "0"),
            // B: 100 pupils — 3.0, 6.0 (no hall), 1500, 2.0.
            row("2151040002", "300", "600", "", "150000", "2", "0"),
            // C: a teaching point of 30 pupils: judged, but not in the county's CV.
            row("2151040003", "150", "900", "", "90000", "1", "1"),
            // Another county: outside the reader's scope.
            row("2151120001", "5000", "9000", "", "1000000", "20", "0"),
        ],
    );
    let inputs = s.balance_inputs(&Scope::Region { lo: 510104, hi: 510104 }, YEAR).unwrap();
    assert_eq!(inputs.iter().map(|i| i.school_code.as_str()).collect::<Vec<_>>(), vec!["2151040001", "2151040002", "2151040003"]);
    assert_eq!((inputs[0].sports_area, inputs[1].sports_area, inputs[0].county), (3600.0, 600.0, 510104));
    assert!(inputs[2].teaching_point && !inputs[0].teaching_point && inputs[0].county_public);
    let pupils = [400, 100, 30];
    let schools: Vec<SchoolResources> = inputs
        .iter()
        .zip(pupils)
        .map(|(i, n)| SchoolResources {
            school: i.school_code.clone(),
            county: i.county,
            county_public: i.county_public,
            teaching_point: i.teaching_point,
            students: Sections([n, 0, 0]),
            conditions: Some(Conditions { teaching_area: i.teaching_area, sports_area: i.sports_area, equipment_yuan: i.equipment_yuan, multimedia_rooms: i.multimedia_rooms }),
            ..Default::default()
        })
        .collect();
    let v = schools[0].values(Stage::Primary);
    assert_eq!(&v[3..], &[Some(5.0), Some(9.0), Some(2250.0), Some(2.5)]);
    let v = schools[1].values(Stage::Primary);
    assert_eq!(&v[3..], &[Some(3.0), Some(6.0), Some(1500.0), Some(2.0)]);
    let b = &county_balance(&schools, Stage::Primary)[&510104];
    assert_eq!(b.schools, 2, "the teaching point stays out of the CV");
    // Teaching space: X̄ = (400·5 + 100·3) / 500 = 4.6; S² = 0.8·0.4² + 0.2·1.6² = 0.64; CV = 0.8 / 4.6.
    let t = b.dispersion[3].unwrap();
    assert!(close(t.mean, 4.6) && close(t.sd, 0.8) && close(t.cv.unwrap(), 0.8 / 4.6), "{t:?}");
    // Unweighted over the same two schools: mean 4, sd 1, CV 0.25 — not the weighted one.
    assert!(close(unweighted_cv(&[5.0, 3.0]).unwrap(), 0.25));
    // Sports space: X̄ = 4200 / 500 = 8.4; S² = 0.8·0.6² + 0.2·2.4² = 1.44; CV = 1.2 / 8.4.
    let sp = b.dispersion[4].unwrap();
    assert!(close(sp.mean, 8.4) && close(sp.cv.unwrap(), 1.2 / 8.4), "{sp:?}");
}
