//! students.csv: every pupil of every valid school, school by school, grade by grade.

use crate::idgen::{ascii, id_number, put_date, IdAlloc, Issued, Window};
use crate::names::{push_name, Generation, STREETS, TOWNS, VILLAGES};
use crate::out::{push_date, push_fullwidth, push_pad, push_u64, Cells, CsvOut};
use crate::people::*;
use crate::planted::{planted_rows, Expected, Planter, STUDENT_KINDS};
use crate::rng::Rng;
use crate::schools::{pad, push_mobile, Area, School, SchoolType};
use crate::{GenOptions, World};
use standard::template::STUDENT;
use standard::{Date, Entity, Rule, Warning};
use std::io;
use std::path::Path;

/// The kind of 学籍号 a pupil has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sid {
    /// G + the pupil's ID number.
    G,
    /// J + an ID-style code, for pupils without a mainland ID card (Hong Kong, Macau, Taiwan,
    /// foreign passports); their document type is not 1.
    J,
    /// L + region + birth date + four digits: a temporary number, no ID document yet.
    L,
}

/// Pupils' IDs: one birth window per school-year cohort, `S - 19 ..= S - 7` for the school year
/// S that is under way (the youngest first-graders to the oldest repeaters of grade 12).
fn alloc(world: &World) -> IdAlloc {
    IdAlloc::new(
        world.counties.len(),
        world.school_year - 19,
        13,
        Window::SchoolYear,
        world.seed ^ 0x5717,
    )
}

/// Years of schooling (1 for grade 11 … 12 for grade 33) and the year within the stage.
fn grade_years(grade: u8) -> (i32, i32) {
    let (stage, pos) = (grade / 10, (grade % 10) as i32);
    match stage {
        1 => (pos, pos),
        2 => (6 + pos, pos),
        _ => (9 + pos, pos),
    }
}

const GRADE_NAMES: [(u8, &str); 12] = [
    (11, "一年级"),
    (12, "二年级"),
    (13, "三年级"),
    (14, "四年级"),
    (15, "五年级"),
    (16, "六年级"),
    (21, "七年级"),
    (22, "初二"),
    (23, "九年级"),
    (31, "高一"),
    (32, "高二"),
    (33, "高三"),
];

/// The state carried from row to row: the last 学籍号 and the last ID number that rows
/// registered, which planted duplicates repeat.
struct Seen {
    sid: String,
    has_sid: bool,
    id: Option<([u8; 18], bool, Date)>,
}

pub fn write(
    opts: &GenOptions,
    world: &World,
    schools: &[School],
    pupils: &[u64],
    path: &Path,
) -> io::Result<Expected> {
    let mut rng = Rng::new(opts.seed, 3);
    let total: u64 = pupils.iter().sum();
    let mut planter = Planter::new(
        Entity::Student,
        total,
        planted_rows(total, opts.error_rate, STUDENT_KINDS.len()),
        &mut rng,
    );
    let mut ids = alloc(world);
    let mut out = CsvOut::create(path, opts.encoding)?;
    out.header(&STUDENT, opts.headers)?;
    let mut cells = Cells::new(&STUDENT);
    let col = |k| Cells::col(&STUDENT, k);
    let (c_sid, c_type, c_id, c_name, c_gender) = (
        col("student_id"),
        col("id_type"),
        col("id_number"),
        col("name"),
        col("gender_code"),
    );
    let (c_birth, c_eth, c_region, c_school, c_grade) = (
        col("birth_date"),
        col("ethnicity_code"),
        col("region_code"),
        col("school_code"),
        col("grade"),
    );
    let (c_class, c_enrol, c_phone, c_addr) = (
        col("class_name"),
        col("enrollment_date"),
        col("guardian_phone"),
        col("address"),
    );
    let (c_board, c_left, c_migrant) = (col("boarding"), col("left_behind"), col("migrant_child"));
    let mut seen = Seen {
        sid: String::new(),
        has_sid: false,
        id: None,
    };
    let mut tmp = String::new();

    for (school, &n) in schools.iter().zip(pupils) {
        let county = &world.counties[school.county];
        let grades = school.kind.grades();
        let weight = |g: u8| {
            if school.kind == SchoolType::Complete && g > 30 {
                8u64
            } else {
                10
            }
        };
        let total_w: u64 = grades.iter().map(|&g| weight(g)).sum();
        let (mut cum_w, mut given) = (0u64, 0u64);
        for &grade in grades {
            cum_w += weight(grade);
            let upto = n * cum_w / total_w;
            let count = upto - given;
            given = upto;
            let (years, pos) = grade_years(grade);
            let size = if grade < 20 { 45 } else { 50 };
            let classes = count.div_ceil(size).max(1);
            let enrolled = world.school_year - (pos - 1);
            for k in 0..count {
                let kind = planter.next_row(&mut rng, |r| match r {
                    Rule::StudentIdDuplicate => seen.has_sid,
                    Rule::IdDuplicate => seen.id.is_some(),
                    _ => true,
                });
                let mut sid = match kind {
                    Some(Rule::StudentIdMismatch | Rule::BirthMismatch | Rule::GenderMismatch) => {
                        Sid::G
                    }
                    Some(Rule::IdFormat | Rule::IdCheckDigit | Rule::IdDuplicate) => Sid::J,
                    _ => match rng.below(100) {
                        0..=94 => Sid::G,
                        95..=97 => Sid::J,
                        _ => Sid::L,
                    },
                };
                let mut male = rng.chance(0.515);
                let cohort = world.school_year - 6 - years - rng.chance(0.04) as i32;
                let issued: Issued = ids
                    .issue(school.county, cohort, male)
                    .ok_or_else(crate::exhausted)?;
                let id = id_number(county.code, issued);
                let mut birth = issued.birth;
                // id_duplicate: the earlier row's ID, with its sex and birth date, so only the
                // repetition is wrong.
                let mut id_shown = id;
                if let (Some(Rule::IdDuplicate), Some((other, m, b))) = (kind, seen.id) {
                    id_shown = other;
                    male = m;
                    birth = b;
                }
                let eth = rng.weighted(county.mix);
                let migrant = rng.chance(match school.area {
                    Area::Urban => 0.2,
                    Area::Town => 0.05,
                    Area::Rural => 0.01,
                });
                cells.clear();

                let s = cells.set(c_sid);
                match sid {
                    Sid::G => {
                        s.push('G');
                        s.push_str(ascii(&id));
                    }
                    Sid::J => {
                        s.push('J');
                        s.push_str(ascii(&id));
                    }
                    Sid::L => {
                        s.push('L');
                        let mut b = [0u8; 8];
                        put_date(&mut b, issued.birth);
                        push_u64(s, county.code as u64);
                        s.push_str(ascii(&b));
                        push_pad(s, issued.seq as u64, 4);
                    }
                }
                match sid {
                    Sid::G => {
                        cells.set(c_type).push('1');
                        cells.set(c_id).push_str(ascii(&id));
                    }
                    Sid::J
                        if matches!(
                            kind,
                            Some(Rule::IdFormat | Rule::IdCheckDigit | Rule::IdDuplicate)
                        ) =>
                    {
                        cells.set(c_type).push('1');
                        cells.set(c_id).push_str(ascii(&id_shown));
                    }
                    Sid::J => foreign_document(&mut cells, c_type, c_id, &mut rng),
                    Sid::L => cells.set(c_type).push('Z'),
                }
                push_name(cells.set(c_name), &mut rng, male, eth, Generation::Pupil);
                cells.set(c_gender).push(if male { '1' } else { '2' });
                push_date(cells.set(c_birth), birth);
                cells.set(c_eth).push_str(eth);
                let region = if migrant {
                    let other = rng.below(world.counties.len() as u64 - 1) as usize;
                    world.counties[if other >= school.county {
                        other + 1
                    } else {
                        other
                    }]
                    .code
                } else {
                    county.code
                };
                push_u64(cells.set(c_region), region as u64);
                push_pad(cells.set(c_school), school.code, 10);
                push_u64(cells.set(c_grade), grade as u64);
                let s = cells.set(c_class);
                push_u64(s, k % classes + 1);
                s.push('班');
                let s = cells.set(c_enrol);
                push_u64(s, enrolled as u64);
                s.push_str("-09");
                if rng.chance(0.97) {
                    push_mobile(cells.set(c_phone), &mut rng);
                }
                address(cells.set(c_addr), &mut rng, world, school);
                let boarding = match (school.kind.secondary() && grade > 20, school.area) {
                    (false, Area::Urban) => 0.02,
                    (false, Area::Town) => 0.1,
                    (false, Area::Rural) => 0.15,
                    (true, Area::Urban) => {
                        if grade > 30 {
                            0.5
                        } else {
                            0.1
                        }
                    }
                    (true, Area::Town) => {
                        if grade > 30 {
                            0.7
                        } else {
                            0.4
                        }
                    }
                    (true, Area::Rural) => 0.6,
                };
                cells
                    .set(c_board)
                    .push(if rng.chance(boarding) { '2' } else { '1' });
                let left: &[(char, u32)] = match (migrant, school.area) {
                    (true, _) | (_, Area::Urban) => &[('0', 97), ('1', 2), ('2', 1)],
                    (_, Area::Town) => &[('0', 85), ('1', 10), ('2', 5)],
                    (_, Area::Rural) => &[('0', 70), ('1', 18), ('2', 12)],
                };
                cells.set(c_left).push(rng.weighted(left));
                cells
                    .set(c_migrant)
                    .push(if migrant && grade < 30 && school.area != Area::Rural {
                        '1'
                    } else {
                        '0'
                    });

                if let Some(r) = kind {
                    match r {
                        Rule::RequiredMissing => {
                            cells.set(c_name);
                        }
                        Rule::StudentIdFormat => {
                            tmp.clear();
                            tmp.push_str(cells.get(c_sid));
                            let s = cells.set(c_sid);
                            if rng.chance(0.5) {
                                s.push('K');
                                s.push_str(&tmp[1..]);
                            } else {
                                s.push_str(&tmp[..tmp.len() - 1]);
                            }
                        }
                        Rule::StudentIdMismatch => {
                            let other = ids
                                .issue(school.county, cohort, male)
                                .ok_or_else(crate::exhausted)?;
                            let s = cells.set(c_sid);
                            s.push('G');
                            s.push_str(ascii(&id_number(county.code, other)));
                        }
                        Rule::StudentIdDuplicate => {
                            // The earlier 学籍号 (G or J), with no ID number beside it: a G number
                            // is only compared with an ID number that is present.
                            cells.set(c_sid).push_str(&seen.sid);
                            cells.set(c_type).push('Z');
                            cells.set(c_id);
                            sid = Sid::J;
                        }
                        Rule::IdFormat => push_bad_id_format(cells.set(c_id), &id, &mut rng),
                        Rule::IdCheckDigit => push_bad_check(cells.set(c_id), &id, &mut rng),
                        Rule::IdDuplicate => {}
                        Rule::BirthDateFormat => {
                            push_bad_date(cells.set(c_birth), birth.year, &mut rng)
                        }
                        Rule::BirthMismatch => push_other_date(cells.set(c_birth), birth, &mut rng),
                        Rule::GenderEnum => cells.set(c_gender).push_str(bad_gender(&mut rng)),
                        Rule::GenderMismatch => {
                            cells.set(c_gender).push(if male { '2' } else { '1' })
                        }
                        Rule::EthnicityUnknown => {
                            cells.set(c_eth).push_str(bad_ethnicity(&mut rng))
                        }
                        Rule::RegionUnknown => {
                            let s = cells.set(c_region);
                            match rng.below(3) {
                                0 => push_u64(s, (county.code / 100 * 100) as u64),
                                1 => s.push_str("110101"),
                                _ => s.push_str("519999"),
                            }
                        }
                        Rule::SchoolCodeFormat => {
                            push_bad_school_code(cells.set(c_school), school.code, &mut rng)
                        }
                        Rule::GradeEnum => cells
                            .set(c_grade)
                            .push_str(["17", "24", "30", "10"][rng.below(4) as usize]),
                        Rule::EnrollmentFormat => {
                            let s = cells.set(c_enrol);
                            push_u64(s, enrolled as u64);
                            s.push_str(if rng.chance(0.5) { "-13" } else { "-00" });
                        }
                        Rule::PhoneInvalid => push_bad_mobile(cells.set(c_phone), &mut rng),
                        _ => unreachable!("not a student kind: {r:?}"),
                    }
                }
                // What this row registered for later duplicates to repeat.
                if kind != Some(Rule::StudentIdFormat) && sid != Sid::L {
                    seen.sid.clear();
                    seen.sid.push_str(cells.get(c_sid));
                    seen.has_sid = true;
                }
                if sid == Sid::G {
                    seen.id = Some((id, male, issued.birth));
                } else if kind == Some(Rule::IdDuplicate) {
                    seen.id = Some((id_shown, male, birth));
                }

                let warning = if kind.is_none() && rng.chance(opts.warning_rate) {
                    Some(warn(
                        &mut cells, &mut rng, &mut tmp, male, eth, grade, birth, enrolled,
                    ))
                } else {
                    None
                };
                out.record(cells.record())?;
                planter.tally.row(kind, warning);
            }
        }
    }
    out.finish()?;
    Ok(planter.tally.expected())
}

/// Document type and number of a pupil without a mainland ID card: a Hong Kong, Macau or
/// Taiwan travel permit, a foreigner's permanent residence card or a passport; sometimes blank.
fn foreign_document(cells: &mut Cells, c_type: usize, c_id: usize, rng: &mut Rng) {
    let t = rng.weighted(&[('6', 25), ('7', 10), ('8', 15), ('9', 10), ('A', 40)]);
    cells.set(c_type).push(t);
    if rng.chance(0.2) {
        return;
    }
    let s = cells.set(c_id);
    let (prefix, digits) = match t {
        '6' => ("H", 8),
        '7' => ("M", 8),
        '8' => ("", 8),
        '9' => ("", 15),
        _ => ("E", 8),
    };
    s.push_str(prefix);
    push_pad(s, rng.below(10u64.pow(digits)), digits as usize);
}

fn address(s: &mut String, rng: &mut Rng, world: &World, school: &School) {
    s.push_str(&world.counties[school.county].full);
    match school.area {
        Area::Urban => {
            s.push_str(rng.pick(STREETS));
            push_u64(s, rng.range(1, 399) as u64);
            s.push('号');
            push_u64(s, rng.range(1, 30) as u64);
            s.push('栋');
            push_u64(s, rng.range(1, 4) as u64);
            s.push_str("单元");
            push_u64(s, rng.range(1, 32) as u64);
            push_pad(s, rng.range(1, 6) as u64, 2);
        }
        Area::Town => {
            s.push_str(rng.pick(TOWNS));
            s.push('镇');
            s.push_str(rng.pick(STREETS));
            push_u64(s, rng.range(1, 299) as u64);
            s.push('号');
        }
        Area::Rural => {
            s.push_str(rng.pick(TOWNS));
            s.push('乡');
            s.push_str(rng.pick(VILLAGES));
            s.push('村');
            push_u64(s, rng.range(1, 12) as u64);
            s.push('组');
            push_u64(s, rng.range(1, 120) as u64);
            s.push('号');
        }
    }
}

/// Plants one normalisation warning on a valid pupil row.
#[allow(clippy::too_many_arguments)]
fn warn(
    cells: &mut Cells,
    rng: &mut Rng,
    tmp: &mut String,
    male: bool,
    eth: &str,
    grade: u8,
    birth: Date,
    enrolled: i32,
) -> Warning {
    let col = |k| Cells::col(&STUDENT, k);
    match rng.below(4) {
        0 => {
            tmp.clear();
            tmp.push_str(cells.get(col("name")));
            pad(cells.set(col("name")), tmp, rng);
            Warning::WhitespaceTrimmed
        }
        1 => {
            let c = if rng.chance(0.5) && !cells.get(col("guardian_phone")).is_empty() {
                col("guardian_phone")
            } else {
                col("grade")
            };
            tmp.clear();
            tmp.push_str(cells.get(c));
            push_fullwidth(cells.set(c), tmp);
            Warning::FullwidthNormalized
        }
        2 => {
            match rng.below(3) {
                0 => push_gender_name(cells.set(col("gender_code")), male),
                1 => push_ethnic_name(cells.set(col("ethnicity_code")), eth),
                _ => {
                    let name = GRADE_NAMES
                        .iter()
                        .find(|g| g.0 == grade)
                        .map(|g| g.1)
                        .unwrap_or("一年级");
                    cells.set(col("grade")).push_str(name);
                }
            }
            Warning::ValueMapped
        }
        _ => {
            if rng.chance(0.5) {
                push_date_variant(cells.set(col("birth_date")), birth, rng);
            } else {
                let s = cells.set(col("enrollment_date"));
                match rng.below(3) {
                    0 => {
                        push_u64(s, enrolled as u64);
                        s.push_str("年9月");
                    }
                    1 => {
                        push_u64(s, enrolled as u64);
                        s.push_str("/9");
                    }
                    _ => {
                        push_u64(s, enrolled as u64);
                        s.push_str("09");
                    }
                }
            }
            Warning::DateNormalized
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_years_and_names() {
        assert_eq!(grade_years(11), (1, 1));
        assert_eq!(grade_years(16), (6, 6));
        assert_eq!(grade_years(21), (7, 1));
        assert_eq!(grade_years(33), (12, 3));
        for (g, name) in GRADE_NAMES {
            let mut out = String::new();
            let w = standard::normalize::normalize(standard::Kind::Grade, name, &mut out);
            assert_eq!(out, g.to_string());
            assert!(w.contains(Warning::ValueMapped));
        }
    }
}
