//! 演示数据：上一学年的区县汇总 — the previous school year's county aggregates of the demo
//! province, so that the 决策指标 screens show year-on-year figures. DEMO DATA: they are not read
//! from a previous year's import; they are derived, county by county, from this year's kept
//! aggregates by deterministic factors (enrolment 1–6 % lower or up to 2 % higher, teachers 0–4 %
//! fewer, class bands and the other counts following), as a province whose previous year was
//! generated alongside. Written through `store::facts::Facts::keep_county_facts`, which refuses
//! the current school year: an import never meets them. No teacher birth buckets are written
//! for that year, so last year's retirements show as unknown.

use crate::rng::Rng;
use store::facts::{CountyFacts, Facts};
use store::{Scope, StoreError};

fn scale(n: u64, f: f64) -> u64 {
    (n as f64 * f).round() as u64
}

/// One county's previous year from this year's row.
pub fn previous(c: &CountyFacts, seed: u64) -> CountyFacts {
    let mut r = Rng::new(seed, c.county as u64);
    let sf = 0.94 + 0.08 * r.unit();
    let tf = 0.96 + 0.04 * r.unit();
    let mut p = c.clone();
    p.school_year = c.school_year - 1;
    let f = &mut p.facts;
    f.school_year = p.school_year;
    for g in f.by_grade.iter_mut() {
        *g = scale(*g, sf);
    }
    f.students = f.by_grade.iter().sum::<u64>().max(scale(c.facts.students, sf));
    for n in [&mut f.boarders, &mut f.migrant, &mut f.left_behind, &mut f.minority, &mut f.disabled, &mut f.too_young, &mut f.too_old, &mut f.classes, &mut f.unassigned] {
        *n = scale(*n, sf);
    }
    // Slightly more large classes a year ago (the trend the plan asks for).
    f.classes_large = scale(f.classes_large, sf * 1.08).min(f.classes);
    f.classes_very_large = scale(f.classes_very_large, sf * 1.15).min(f.classes - f.classes_large);
    for g in f.gender.iter_mut() {
        *g = scale(*g, tf);
    }
    f.teachers = f.gender.iter().sum();
    for d in f.degree.iter_mut() {
        *d = scale(*d, tf);
    }
    // Fewer with a bachelor's degree a year ago: the rest counted as college.
    let shift = f.degree[2] / 50;
    f.degree[2] -= shift;
    f.degree[1] += shift;
    // The degrees add up to the teachers: rounding's difference goes to "not stated" (or,
    // above the teachers, comes off the bachelors).
    let known: u64 = f.degree[..4].iter().sum();
    if known > f.teachers {
        f.degree[2] = f.degree[2].saturating_sub(known - f.teachers);
    }
    f.degree[4] = f.teachers.saturating_sub(f.degree[..4].iter().sum());
    f.bachelor_up = f.degree[2] + f.degree[3];
    f.college_up = f.degree[1] + f.bachelor_up;
    for n in [&mut f.full_time, &mut f.backbone, &mut f.pe_arts] {
        *n = scale(*n, tf).min(f.teachers);
    }
    for v in f.titles.values_mut() {
        *v = scale(*v, tf);
    }
    for t in p.stage_teachers.iter_mut() {
        *t *= tf;
    }
    p
}

/// Writes the previous school year of every county whose current year is kept; returns how
/// many. Run again, it writes the same rows.
pub fn seed(s: &mut (impl Facts + ?Sized), seed: u64) -> Result<usize, StoreError> {
    let kept = s.county_facts(&Scope::all())?;
    let Some(year) = kept.iter().map(|c| c.school_year).max() else { return Ok(0) };
    let rows: Vec<CountyFacts> = kept.iter().filter(|c| c.school_year == year).map(|c| previous(c, seed)).collect();
    s.keep_county_facts(&Scope::all(), &rows)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_year_is_consistent_and_deterministic() {
        let mut c = CountyFacts { school_year: 2026, county: 510104, schools: 10, oversized: 1, stage_teachers: [100.0, 50.0, 0.0], ..Default::default() };
        c.facts.by_grade = [200, 200, 200, 200, 200, 200, 150, 150, 150, 0, 0, 0];
        c.facts.students = 1650;
        c.facts.classes = 40;
        c.facts.classes_large = 6;
        c.facts.classes_very_large = 2;
        c.facts.gender = [40, 110, 0];
        c.facts.teachers = 150;
        c.facts.degree = [10, 40, 90, 10, 0];
        c.facts.full_time = 140;
        let p = previous(&c, 1);
        assert_eq!(p, previous(&c, 1));
        assert_eq!((p.school_year, p.facts.school_year, p.county), (2025, 2025, 510104));
        assert_eq!(p.facts.students, p.facts.by_grade.iter().sum::<u64>());
        assert!(p.facts.students >= 1650 * 94 / 100 && p.facts.students <= 1650 * 102 / 100 + 1);
        assert_eq!(p.facts.teachers, p.facts.gender.iter().sum::<u64>());
        assert_eq!(p.facts.degree.iter().sum::<u64>(), p.facts.teachers);
        assert!(p.facts.full_time <= p.facts.teachers && p.facts.classes_large + p.facts.classes_very_large <= p.facts.classes);
    }
}
