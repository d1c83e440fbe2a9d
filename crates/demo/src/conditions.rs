//! `conditions.csv`: believable 办学条件 for every valid demo school in two school years (the
//! one under way and the one before, so that year-on-year works), deterministic from the seed.
//!
//! Each school's teaching space, sports space, equipment value and multimedia rooms follow its
//! enrolment at 0.9–1.6 times the 优质均衡 thresholds of its stage (教督〔2017〕6号, see
//! `insight::balance`); about one school in twelve is clearly short (0.55–0.8 times), and the
//! smallest primary schools (one in forty, at least two) are 教学点. The year before has slightly less of everything.
//! The file is clean: it plants no errors.

use crate::out::{CsvOut, Cells};
use crate::rng::Rng;
use crate::schools::{Area, School, SchoolType};
use crate::{GenOptions, World};
use standard::template::CONDITIONS;
use std::io;
use std::path::Path;

/// The thresholds per student of a stage: teaching space m², sports space m², equipment yuan,
/// multimedia rooms per 100 students (primary; junior for the rest).
fn thresholds(kind: SchoolType) -> (f64, f64, f64, f64) {
    match kind {
        SchoolType::Primary => (4.5, 7.5, 2000.0, 2.3),
        _ => (5.8, 10.2, 2500.0, 2.4),
    }
}

/// One school's figures in the current year.
struct Figures {
    building: f64,
    teaching: f64,
    ground: f64,
    hall: f64,
    equipment: f64,
    rooms: u64,
    books: u64,
    beds: u64,
    county_public: bool,
    teaching_point: bool,
}

fn figures(rng: &mut Rng, s: &School, pupils: u64, teaching_point: bool) -> Figures {
    let n = pupils.max(20) as f64;
    let (t, sp, e, m) = thresholds(s.kind);
    let short = rng.chance(1.0 / 12.0);
    let factor = |rng: &mut Rng| if short { 0.55 + rng.unit() * 0.25 } else { 0.9 + rng.unit() * 0.7 };
    let teaching = (n * t * factor(rng)).max(300.0).round();
    let building = (teaching * (1.4 + rng.unit() * 0.5)).round();
    let sports = (n * sp * factor(rng)).max(800.0);
    let hall = if pupils > 1200 { (600.0 + rng.unit() * 900.0).round() } else { 0.0 };
    let ground = (sports - hall).max(600.0).round();
    let equipment = ((n * e * factor(rng)) / 100.0).round() * 100.0;
    let rooms = ((n / 100.0 * m * factor(rng)).ceil() as u64).max(1);
    let books = pupils.max(20) * if s.kind == SchoolType::Primary { 25 + rng.below(15) } else { 35 + rng.below(20) };
    let beds = if s.area == Area::Rural { pupils * (20 + rng.below(30)) / 100 } else { 0 };
    let county_public = !rng.chance(0.05);
    Figures { building, teaching, ground, hall, equipment, rooms, books, beds, county_public, teaching_point }
}

fn push(cells: &mut Cells, col: usize, v: impl ToString) {
    cells.set(col).push_str(&v.to_string());
}

/// Writes the file; returns how many rows (two per school).
pub(crate) fn write(opts: &GenOptions, world: &World, schools: &[School], pupils: &[u64], path: &Path) -> io::Result<u64> {
    let mut rng = Rng::new(opts.seed, 40);
    let mut out = CsvOut::create(path, opts.encoding)?;
    out.header(&CONDITIONS, opts.headers)?;
    let mut cells = Cells::new(&CONDITIONS);
    let col = |k| Cells::col(&CONDITIONS, k);
    // 教学点: the smallest primary schools, one in forty of them and at least two.
    let mut primaries: Vec<usize> = (0..schools.len()).filter(|&i| schools[i].kind == SchoolType::Primary).collect();
    primaries.sort_by_key(|&i| (pupils.get(i).copied().unwrap_or(0), schools[i].code));
    let points: std::collections::HashSet<usize> = primaries.iter().take((primaries.len() / 40).max(2)).copied().collect();
    let y = world.school_year;
    let years = [format!("{}-{}", y - 1, y), format!("{}-{}", y, y + 1)];
    for (i, (s, &n)) in schools.iter().zip(pupils).enumerate() {
        let f = figures(&mut rng, s, n, points.contains(&i));
        // The year before: 1–8 % less space and equipment, up to two rooms fewer.
        let less = 0.92 + rng.unit() * 0.07;
        let fewer = rng.below(3);
        for (i, year) in years.iter().enumerate() {
            let k = if i == 0 { less } else { 1.0 };
            cells.clear();
            push(&mut cells, col("school_code"), format!("{:010}", s.code));
            push(&mut cells, col("school_year"), year);
            let building = (f.building * k).round();
            push(&mut cells, col("building_area"), building);
            push(&mut cells, col("teaching_area"), (f.teaching * k).round().min(building));
            push(&mut cells, col("sports_ground_area"), f.ground);
            if f.hall > 0.0 {
                push(&mut cells, col("sports_hall_area"), f.hall);
            }
            push(&mut cells, col("equipment_value"), ((f.equipment * k) / 100.0).round() * 100.0);
            push(&mut cells, col("multimedia_rooms"), if i == 0 { f.rooms.saturating_sub(fewer).max(1) } else { f.rooms });
            push(&mut cells, col("library_books"), f.books);
            push(&mut cells, col("boarding_places"), f.beds);
            push(&mut cells, col("county_public"), u8::from(f.county_public));
            push(&mut cells, col("teaching_point"), u8::from(f.teaching_point));
            out.record(cells.record())?;
        }
    }
    out.finish()
}
