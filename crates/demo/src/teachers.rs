//! teachers.csv: about one teacher per 16–17 pupils, at the valid schools only.

use crate::idgen::{ascii, id_number, IdAlloc, Issued, Window};
use crate::names::{push_name, Generation, PRIMARY_SUBJECTS, SECONDARY_SUBJECTS};
use crate::out::{push_date, push_pad, Cells, CsvOut};
use crate::people::*;
use crate::planted::{planted_rows, Expected, Planter, TEACHER_KINDS};
use crate::rng::Rng;
use crate::schools::{pad, push_mobile, School, SchoolType};
use crate::{GenOptions, World};
use standard::template::TEACHER;
use standard::{Date, Entity, Rule, Warning};
use std::io;
use std::path::Path;

/// Teachers per pupil, in percent.
const TEACHERS_PER_100_PUPILS: u64 = 6;

/// Teachers at a school with `cum_before`..`cum_after` pupils counted so far: rounding the
/// running total, so the file has exactly 6% of all pupils however they are spread.
pub fn count(cum_before: u64, cum_after: u64) -> u64 {
    let t = |c: u64| (c * TEACHERS_PER_100_PUPILS + 50) / 100;
    t(cum_after) - t(cum_before)
}

/// Teachers' IDs: birth years `today - 60 ..= today - 23`, calendar windows. Pupils are born
/// after 1 September of `today - 21` at the earliest, so the two never share an ID.
pub fn alloc(world: &World) -> IdAlloc {
    IdAlloc::new(
        world.counties.len(),
        world.today.year as i32 - 60,
        38,
        Window::Calendar,
        world.seed ^ 0x7ea,
    )
}

pub fn write(
    opts: &GenOptions,
    world: &World,
    schools: &[School],
    pupils: &[u64],
    path: &Path,
) -> io::Result<Expected> {
    let mut rng = Rng::new(opts.seed, 2);
    let total: u64 = count(0, pupils.iter().sum());
    let mut planter = Planter::new(
        Entity::Teacher,
        total,
        planted_rows(total, opts.error_rate, TEACHER_KINDS.len()),
        &mut rng,
    );
    let mut ids = alloc(world);
    let mut out = CsvOut::create(path, opts.encoding)?;
    out.header(&TEACHER, opts.headers)?;
    let mut cells = Cells::new(&TEACHER);
    let col = |k| Cells::col(&TEACHER, k);
    let (c_type, c_id, c_name, c_gender, c_birth) = (
        col("id_type"),
        col("id_number"),
        col("name"),
        col("gender_code"),
        col("birth_date"),
    );
    let (c_eth, c_school, c_hire, c_subject) = (
        col("ethnicity_code"),
        col("school_code"),
        col("hire_date"),
        col("subject"),
    );
    let (c_phone, c_edu, c_title) = (col("phone"), col("education"), col("title"));
    // 骨干教师级别 from a stream of its own, so that every other column stays as it was.
    let c_backbone = col("backbone");
    let mut bb = Rng::new(opts.seed, 41);
    let year = world.today.year as i32;
    // The most recent ID a row registered (for id_duplicate): the ID, its sex and birth date.
    let mut last: Option<([u8; 18], bool, Date)> = None;
    let mut cum = 0;
    for (school, &n) in schools.iter().zip(pupils) {
        let here = count(cum, cum + n);
        cum += n;
        let county = &world.counties[school.county];
        for _ in 0..here {
            let kind = planter.next_row(&mut rng, |k| k != Rule::IdDuplicate || last.is_some());
            let (id, male, birth) = match (kind, last) {
                (Some(Rule::IdDuplicate), Some(l)) => l,
                _ => {
                    let male = rng.chance(if school.kind.secondary() { 0.45 } else { 0.25 });
                    // Most teachers were born in the county they teach in.
                    let region = if rng.chance(0.75) {
                        school.county
                    } else {
                        rng.below(world.counties.len() as u64) as usize
                    };
                    let born = year - rng.range(23, 60) as i32;
                    let issued: Issued =
                        ids.issue(region, born, male).ok_or_else(crate::exhausted)?;
                    (
                        id_number(world.counties[region].code, issued),
                        male,
                        issued.birth,
                    )
                }
            };
            let eth = rng.weighted(county.mix);
            cells.clear();
            cells.set(c_type).push('1');
            cells.set(c_id).push_str(ascii(&id));
            push_name(cells.set(c_name), &mut rng, male, eth, Generation::Adult);
            cells.set(c_gender).push(if male { '1' } else { '2' });
            push_date(cells.set(c_birth), birth);
            cells.set(c_eth).push_str(eth);
            push_pad(cells.set(c_school), school.code, 10);
            let hired = hire_date(&mut rng, birth, world.school_year);
            push_date(cells.set(c_hire), hired);
            let subjects = if school.kind.secondary() {
                SECONDARY_SUBJECTS
            } else {
                PRIMARY_SUBJECTS
            };
            cells.set(c_subject).push_str(rng.weighted(subjects));
            if rng.chance(0.97) {
                push_mobile(cells.set(c_phone), &mut rng);
            }
            cells.set(c_edu).push_str(education(&mut rng, school.kind));
            cells
                .set(c_title)
                .push_str(title(&mut rng, year - birth.year as i32));
            cells.set(c_backbone).push_str(bb.weighted(BACKBONE));

            if let Some(k) = kind {
                match k {
                    Rule::RequiredMissing => {
                        cells.set(c_name);
                    }
                    Rule::IdFormat => push_bad_id_format(cells.set(c_id), &id, &mut rng),
                    Rule::IdCheckDigit => push_bad_check(cells.set(c_id), &id, &mut rng),
                    Rule::IdDuplicate => {} // the row already carries the earlier row's ID
                    Rule::BirthDateFormat => {
                        push_bad_date(cells.set(c_birth), birth.year, &mut rng)
                    }
                    Rule::BirthMismatch => push_other_date(cells.set(c_birth), birth, &mut rng),
                    Rule::GenderEnum => cells.set(c_gender).push_str(bad_gender(&mut rng)),
                    Rule::GenderMismatch => cells.set(c_gender).push(if male { '2' } else { '1' }),
                    Rule::EthnicityUnknown => cells.set(c_eth).push_str(bad_ethnicity(&mut rng)),
                    Rule::SchoolCodeFormat => {
                        push_bad_school_code(cells.set(c_school), school.code, &mut rng)
                    }
                    Rule::HireDateFormat => push_bad_date(cells.set(c_hire), hired.year, &mut rng),
                    Rule::PhoneInvalid => push_bad_mobile(cells.set(c_phone), &mut rng),
                    _ => unreachable!("not a teacher kind: {k:?}"),
                }
            }
            if !matches!(kind, Some(Rule::IdFormat | Rule::IdCheckDigit)) {
                last = Some((id, male, birth));
            }
            let warning = if kind.is_none() && rng.chance(opts.warning_rate) {
                Some(match rng.below(4) {
                    0 => {
                        let name = cells.get(c_name).to_string();
                        pad(cells.set(c_name), &name, &mut rng);
                        Warning::WhitespaceTrimmed
                    }
                    1 if !cells.get(c_phone).is_empty() => {
                        let phone = cells.get(c_phone).to_string();
                        crate::out::push_fullwidth(cells.set(c_phone), &phone);
                        Warning::FullwidthNormalized
                    }
                    2 | 1 => {
                        if rng.chance(0.5) {
                            push_gender_name(cells.set(c_gender), male);
                        } else {
                            push_ethnic_name(cells.set(c_eth), eth);
                        }
                        Warning::ValueMapped
                    }
                    _ => {
                        if rng.chance(0.5) {
                            push_date_variant(cells.set(c_birth), birth, &mut rng);
                        } else {
                            push_date_variant(cells.set(c_hire), hired, &mut rng);
                        }
                        Warning::DateNormalized
                    }
                })
            } else {
                None
            };
            out.record(cells.record())?;
            planter.tally.row(kind, warning);
        }
    }
    debug_assert_eq!(planter.tally.rows, total);
    out.finish()?;
    Ok(planter.tally.expected())
}

/// Hired at 21 or later, mostly at the start of a school year, never after the current one began.
fn hire_date(rng: &mut Rng, birth: Date, school_year: i32) -> Date {
    let first = birth.year as i32 + 22;
    let y = rng.range(first.min(school_year) as i64, school_year as i64) as i32;
    let start = Date::new(y as u32, 8, 20).expect("valid");
    let offset = if y == school_year || rng.chance(0.7) {
        rng.range(0, 12)
    } else {
        rng.range(-230, 130)
    };
    Date::from_days_since_epoch(start.days_since_epoch() + offset)
}

/// 骨干教师级别 (0 none, 1 school, 2 county, 3 city, 4 province, 5 national): about one teacher
/// in five is a backbone of county level or higher, so that at six teachers per 100 pupils most
/// schools reach the 优质均衡 threshold of 1 per 100 and some fall short.
const BACKBONE: &[(&str, u32)] = &[("0", 600), ("1", 180), ("2", 150), ("3", 50), ("4", 15), ("5", 5)];

fn education(rng: &mut Rng, kind: SchoolType) -> &'static str {
    let list: &[(&str, u32)] = if kind.secondary() {
        &[
            ("本科", 70),
            ("硕士研究生", 22),
            ("专科", 7),
            ("博士研究生", 1),
        ]
    } else {
        &[("本科", 55), ("专科", 35), ("硕士研究生", 6), ("中专", 4)]
    };
    rng.weighted(list)
}

/// 专业技术职务 grows with age.
fn title(rng: &mut Rng, age: i32) -> &'static str {
    let list: &[(&str, u32)] = match age {
        ..=26 => &[("未定职级", 50), ("三级教师", 20), ("二级教师", 30)],
        27..=34 => &[("二级教师", 60), ("一级教师", 40)],
        35..=44 => &[("二级教师", 15), ("一级教师", 60), ("高级教师", 25)],
        _ => &[("一级教师", 45), ("高级教师", 52), ("正高级教师", 3)],
    };
    rng.weighted(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sum_to_six_percent() {
        let pupils = [0u64, 7, 13, 700, 1, 1, 1, 2000];
        let mut cum = 0;
        let mut t = 0;
        for n in pupils {
            t += count(cum, cum + n);
            cum += n;
        }
        assert_eq!(t, (cum * 6 + 50) / 100);
    }

    #[test]
    fn hire_dates_are_plausible() {
        let mut rng = Rng::new(3, 3);
        let birth = Date::new(1980, 5, 5).unwrap();
        for _ in 0..1000 {
            let h = hire_date(&mut rng, birth, 2026);
            assert!(h <= Date::new(2026, 9, 1).unwrap() && h.year >= 2001, "{h}");
        }
    }
}
