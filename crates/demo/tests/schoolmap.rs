//! The demo's schools placed in another city (`planted.json`'s `misplaced`) are exactly the ones
//! the map's boundary check (`insight::geo`, against the built-in city boundaries) finds outside
//! their city; no other generated school is.

use demo::{generate, GenOptions, Planted};
use insight::geo::{check, Boundaries, Flag};
use standard::{Date, Entity};
use std::collections::BTreeSet;

const MAP: &[u8] = include_bytes!("../../../data/sichuan-cities.geojson");

/// One CSV line of the generator's output (a quoted field may hold commas and doubled quotes).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut f, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                f.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => out.push(std::mem::take(&mut f)),
            _ => f.push(c),
        }
    }
    out.push(f);
    out
}

fn outside(students: u64, seed: u64, error_rate: f64) -> (BTreeSet<String>, BTreeSet<String>, usize) {
    let dir = std::env::temp_dir().join(format!("tianfu-demo-map-{students}-{seed}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = GenOptions { error_rate, ..GenOptions::new(students, seed, Date::new(2026, 11, 29).unwrap()) };
    generate(&opts, &dir).unwrap();
    let planted = Planted::read(&dir.join("planted.json")).unwrap();
    let text = std::fs::read_to_string(dir.join("schools.csv")).unwrap();
    let mut lines = text.lines();
    let header = fields(lines.next().unwrap().trim_start_matches('\u{feff}'));
    let t = Entity::School.template();
    let col = |k: &str| {
        let zh = t.fields[t.index(k).unwrap()].zh;
        header.iter().position(|h| h == zh).unwrap_or_else(|| panic!("no column {zh} in {header:?}"))
    };
    let (code, region, lon, lat) = (col("school_code"), col("region_code"), col("longitude"), col("latitude"));
    let b = Boundaries::from_geojson(MAP).unwrap();
    let mut found = BTreeSet::new();
    let mut rows = 0;
    for l in lines.filter(|l| !l.is_empty()) {
        let r = fields(l);
        rows += 1;
        let county = r[region].trim().parse().unwrap_or(0);
        if check(&b, county, &r[lon], &r[lat]) == Some(Flag::OutsideCity) {
            found.insert(r[code].trim().to_string());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    (found, planted.misplaced.into_iter().collect(), rows)
}

#[test]
fn misplaced_schools_are_exactly_those_found_outside_their_city() {
    for (students, seed) in [(40_000, 7), (20_000, 11), (300_000, 3)] {
        let (found, planted, rows) = outside(students, seed, 0.02);
        assert!(planted.len() >= 3, "{students}/{seed}: a few planted, {planted:?}");
        assert_eq!(found, planted, "{students}/{seed}: {rows} rows");
    }
    let (found, planted, _) = outside(20_000, 11, 0.0);
    assert!(found.is_empty() && planted.is_empty(), "a clean demo plants none: {found:?}");
}
