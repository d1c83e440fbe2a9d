//! The boundary check at province scale (issue 14): 22,000 schools, each tested against the
//! polygon of its city in the real map (`data/sichuan-cities.geojson`, up to 4,707 vertices per
//! ring), must take well under a second. Prints the figures (`cargo test -p insight --test
//! geo_speed -- --nocapture`).

use insight::geo::{check, Boundaries, Flag};
use std::time::Instant;

const MAP: &[u8] = include_bytes!("../../../data/sichuan-cities.geojson");

#[test]
fn twenty_two_thousand_schools_checked_well_under_a_second() {
    let t = Instant::now();
    let b = Boundaries::from_geojson(MAP).unwrap();
    let parse = t.elapsed();
    assert_eq!(b.len(), 21, "Sichuan's 21 cities");
    // 22,000 points spread over the province's box (a fixed LCG), each given the city it lies
    // in (or, for one in ten, another city's code, so both answers are exercised).
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut schools = Vec::new();
    while schools.len() < 22_000 {
        let p = (97.3 + next() * 11.0, 26.0 + next() * 8.2);
        let Some(a) = b.area_at(p) else { continue };
        let county = if schools.len() % 10 == 0 { if a.code == 510100 { 510302 } else { 510104 } } else { a.code + 4 };
        schools.push((county, format!("{:.6}", p.0), format!("{:.6}", p.1)));
    }
    let t = Instant::now();
    let flagged = schools.iter().filter(|(c, lon, lat)| check(&b, *c, lon, lat) == Some(Flag::OutsideCity)).count();
    let took = t.elapsed();
    eprintln!("boundary check: map parsed in {:.1} ms; 22,000 schools checked in {:.1} ms ({:.2} µs each), {flagged} outside their city", parse.as_secs_f64() * 1e3, took.as_secs_f64() * 1e3, took.as_secs_f64() * 1e6 / 22_000.0);
    assert_eq!(flagged, 2_200, "exactly the tenth given another city");
    assert!(took.as_secs_f64() < 0.5, "22,000 checks took {took:?}");
}
