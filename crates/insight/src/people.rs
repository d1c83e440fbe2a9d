//! The students' and teachers' breakdowns, as functions over plain rows.

use crate::balance::Degree;
use crate::indicators::Cmp;
use crate::{share, Stage};
use standard::date::days_in_month;
use standard::Date;
use std::collections::BTreeMap;

/// Whole years from `birth` to `on` (0 before the first birthday; None when `on` is before
/// `birth`). A 29 February birthday is reached on 1 March in common years.
pub fn age_on(birth: Date, on: Date) -> Option<u32> {
    if on < birth {
        return None;
    }
    let mut years = on.year as u32 - birth.year as u32;
    if (on.month, on.day) < (birth.month, birth.day) {
        years -= 1;
    }
    Some(years)
}

/// `d` plus `months` calendar months, the day clamped to the month's length.
pub fn add_months(d: Date, months: u32) -> Date {
    let m0 = d.year as u32 * 12 + (d.month as u32 - 1) + months;
    let (y, m) = (m0 / 12, m0 % 12 + 1);
    let day = (d.day as u32).min(days_in_month(y, m));
    Date::new(y, m, day).expect("a clamped day is valid")
}

// ---------------------------------------------------------------- students

/// The normal age for a grade at the start of a school year (1 September): 6 in grade 11, one
/// more each grade after (21 → 12, 31 → 15). None for a code that is not a grade.
pub fn expected_age(grade: &str) -> Option<u32> {
    let step = match grade {
        "11" => 0, "12" => 1, "13" => 2, "14" => 3, "15" => 4, "16" => 5,
        "21" => 6, "22" => 7, "23" => 8,
        "31" => 9, "32" => 10, "33" => 11,
        _ => return None,
    };
    Some(6 + step)
}

/// How a student's age fits the grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeFit {
    Fits,
    /// Two or more years below the normal age.
    TooYoung,
    /// Three or more years above (one late start and a repeated year are normal).
    TooOld,
}

/// The fit of a student's age (on 1 September of `school_year_start`) to the grade; None when
/// the grade is not a grade code or the birth date is after that day.
pub fn age_fit(grade: &str, birth: Date, school_year_start: u16) -> Option<AgeFit> {
    let normal = expected_age(grade)? as i64;
    let age = age_on(birth, Date::new(school_year_start as u32, 9, 1)?)? as i64;
    Some(if age <= normal - 2 {
        AgeFit::TooYoung
    } else if age >= normal + 3 {
        AgeFit::TooOld
    } else {
        AgeFit::Fits
    })
}

// One predicate per figure, used by the counts here, by the per-school facts
// (`store::facts::Builder`) and by the drill-down lists (`store::drill`), so that a list opened
// from a figure holds exactly the students the figure counts.

/// 就读方式 JDFS 2: a boarder (住校生).
pub fn is_boarder(boarding: &str) -> bool {
    boarding == "2"
}
/// 是否留守儿童 SFLSET 1 (one parent away) or 2 (both).
pub fn is_left_behind(left_behind: &str) -> bool {
    matches!(left_behind, "1" | "2")
}
/// GB 3304 code other than 01 汉族 (empty: not stated, not counted).
pub fn is_minority(ethnicity: &str) -> bool {
    !ethnicity.is_empty() && ethnicity != "01"
}
/// 残疾类型 other than empty or 0.
pub fn is_disabled(disability: &str) -> bool {
    !disability.is_empty() && disability != "0"
}
/// A migrant child (随迁子女, SFSQZN 1) in a compulsory grade (primary or junior).
pub fn is_compulsory_migrant(grade: &str, migrant_child: &str) -> bool {
    matches!(Stage::of_grade(grade), Some(Stage::Primary | Stage::Junior)) && migrant_child == "1"
}

/// A student as the breakdowns need it: the template's codes as stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct StudentRow<'a> {
    pub grade: &'a str,
    pub birth: Option<Date>,
    /// 就读方式 JDFS: 2 住校.
    pub boarding: &'a str,
    /// 是否留守儿童 SFLSET: 1 单亲留守, 2 双亲留守.
    pub left_behind: &'a str,
    /// 是否进城务工人员随迁子女 SFSQZN: 1.
    pub migrant_child: &'a str,
    /// GB 3304: 01 汉族; another code is a minority.
    pub ethnicity: &'a str,
    /// 残疾类型: empty or 0 none.
    pub disability: &'a str,
    /// Whether the student's school is public (公办).
    pub public_school: bool,
}

/// The migrant-children target: 85 % in public schools.
pub const MIGRANT_PUBLIC_TARGET: f64 = 0.85;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudentBreakdown {
    pub total: u64,
    /// Students per grade code.
    pub by_grade: BTreeMap<String, u64>,
    /// Students per (grade, age on 1 September); students without a birth date are not here.
    pub by_grade_age: BTreeMap<(String, u32), u64>,
    pub boarders: u64,
    pub left_behind: u64,
    pub minority: u64,
    pub disabled: u64,
    /// Migrant children in compulsory grades, and those of them in public schools.
    pub migrant: u64,
    pub migrant_public: u64,
    pub too_young: u64,
    pub too_old: u64,
}

impl StudentBreakdown {
    /// Counts students; ages are taken on 1 September of `school_year_start`.
    pub fn count<'a>(rows: impl IntoIterator<Item = StudentRow<'a>>, school_year_start: u16) -> StudentBreakdown {
        let mut b = StudentBreakdown::default();
        let sept = Date::new(school_year_start as u32, 9, 1);
        for r in rows {
            b.total += 1;
            if !r.grade.is_empty() {
                *b.by_grade.entry(r.grade.to_string()).or_insert(0) += 1;
            }
            if let (Some(birth), Some(sept)) = (r.birth, sept) {
                if let Some(age) = age_on(birth, sept) {
                    if !r.grade.is_empty() {
                        *b.by_grade_age.entry((r.grade.to_string(), age)).or_insert(0) += 1;
                    }
                }
                match age_fit(r.grade, birth, school_year_start) {
                    Some(AgeFit::TooYoung) => b.too_young += 1,
                    Some(AgeFit::TooOld) => b.too_old += 1,
                    _ => {}
                }
            }
            b.boarders += is_boarder(r.boarding) as u64;
            b.left_behind += is_left_behind(r.left_behind) as u64;
            b.minority += is_minority(r.ethnicity) as u64;
            b.disabled += is_disabled(r.disability) as u64;
            if is_compulsory_migrant(r.grade, r.migrant_child) {
                b.migrant += 1;
                b.migrant_public += r.public_school as u64;
            }
        }
        b
    }

    /// Share of compulsory-grade migrant children in public schools; None without any.
    pub fn migrant_public_share(&self) -> Option<f64> {
        share(self.migrant_public, self.migrant)
    }
    /// That share against 85 %.
    pub fn migrant_target_met(&self) -> Option<bool> {
        self.migrant_public_share().map(|s| Cmp::AtLeast.met(s, MIGRANT_PUBLIC_TARGET))
    }
    /// Share of students whose age does not fit their grade; None without students.
    pub fn anomaly_share(&self) -> Option<f64> {
        share(self.too_young + self.too_old, self.total)
    }
}

// ---------------------------------------------------------------- teachers

/// The statutory retirement date: 60 for men, 55 for women (teachers are professional staff),
/// delayed by the 2025 reform (全国人大常委会关于实施渐进式延迟法定退休年龄的决定): men born
/// from January 1965 and women born from January 1970 retire one month later for every four
/// months of birth after that month (counting it), up to 36 months (63 and 58). `gender` is the
/// GB/T 2261.1 code (1 male, 2 female); None for another value.
pub fn retirement_date(birth: Date, gender: &str) -> Option<Date> {
    let (base, from_year) = match gender {
        "1" => (60u32, 1965u32),
        "2" => (55, 1970),
        _ => return None,
    };
    let months_since = (birth.year as i64 * 12 + birth.month as i64 - 1) - (from_year as i64 * 12);
    let delay = if months_since < 0 { 0 } else { (months_since as u32 / 4 + 1).min(36) };
    Some(add_months(birth, base * 12 + delay))
}

/// A teacher as the breakdowns need it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TeacherRow<'a> {
    pub gender: &'a str,
    pub birth: Option<Date>,
    pub education: &'a str,
    pub title: &'a str,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeacherBreakdown {
    pub total: u64,
    /// Teachers per five-year age band (its first year: 20 = 20–24) and gender (0 male, 1
    /// female, 2 unknown); teachers without a birth date are not here.
    pub age_bands: BTreeMap<u32, [u64; 3]>,
    /// Male, female, unknown.
    pub gender: [u64; 3],
    /// Per degree; None = not stated or not recognised.
    pub degree: BTreeMap<Option<Degree>, u64>,
    /// Per professional title as written (empty = not stated).
    pub titles: BTreeMap<String, u64>,
    /// Retirement date after today and on or before today + 3 years (+ 5 years).
    pub retiring_in_3: u64,
    pub retiring_in_5: u64,
    /// Retirement date on or before today (still on the register).
    pub past_retirement: u64,
}

impl TeacherBreakdown {
    pub fn count<'a>(rows: impl IntoIterator<Item = TeacherRow<'a>>, today: Date) -> TeacherBreakdown {
        let mut b = TeacherBreakdown::default();
        let in3 = add_months(today, 36);
        let in5 = add_months(today, 60);
        for r in rows {
            b.total += 1;
            let g = match r.gender {
                "1" => 0,
                "2" => 1,
                _ => 2,
            };
            b.gender[g] += 1;
            if let Some(birth) = r.birth {
                if let Some(age) = age_on(birth, today) {
                    b.age_bands.entry(age / 5 * 5).or_insert([0; 3])[g] += 1;
                }
                if let Some(ret) = retirement_date(birth, r.gender) {
                    if ret <= today {
                        b.past_retirement += 1;
                    } else {
                        b.retiring_in_3 += (ret <= in3) as u64;
                        b.retiring_in_5 += (ret <= in5) as u64;
                    }
                }
            }
            *b.degree.entry(Degree::parse(r.education)).or_insert(0) += 1;
            *b.titles.entry(r.title.trim().to_string()).or_insert(0) += 1;
        }
        b
    }
}
