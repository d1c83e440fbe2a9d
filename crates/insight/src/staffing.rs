//! 生师比 — student–teacher ratios by stage against the staffing standard.
//!
//! The standard (国办发〔2001〕74号; since 中央编办发〔2014〕72号 county and rural schools take
//! the city values) fixes **教职工** per student: all staff on the establishment. Tianfu's
//! teacher register holds teachers; when a school's rows say who is 专任 (full-time teaching)
//! the ratio counts those ([`Basis::FullTime`]), otherwise every teacher on the register
//! ([`Basis::Register`]). Both are stricter than, or equal to, counting all 教职工, and the basis
//! is reported with each figure.
//!
//! A nine- or twelve-year school is split by section: each section's students are turned into
//! required staff by that section's norm, and the school's teachers are attributed to the
//! sections in proportion to their required staff (the register does not say which section a
//! teacher teaches in).

use crate::{ratio, Sections, Stage};

/// The unified staffing norm: students per member of staff (中央编办发〔2014〕72号, the city
/// values of 国办发〔2001〕74号).
pub fn norm(stage: Stage) -> f64 {
    match stage {
        Stage::Primary => 19.0,
        Stage::Junior => 13.5,
        Stage::Senior => 12.5,
    }
}

/// Which teachers a count includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Only teachers marked 专任 (full-time teaching).
    FullTime,
    /// Every teacher on the register (the full-time flag was not filled in).
    Register,
}

impl Basis {
    pub fn zh(self) -> &'static str {
        match self {
            Basis::FullTime => "专任教师",
            Basis::Register => "名册全部教师（未填写是否专任）",
        }
    }
}

/// A teacher as the ratio needs it: `full_time` is None when the field is empty.
#[derive(Debug, Clone, Copy)]
pub struct TeacherRow {
    pub full_time: Option<bool>,
}

/// Counts a school's teachers: the full-time ones when any row says whether it is full-time,
/// else all of them.
pub fn count_teachers(rows: &[TeacherRow]) -> (u64, Basis) {
    if rows.iter().any(|r| r.full_time.is_some()) {
        (rows.iter().filter(|r| r.full_time == Some(true)).count() as u64, Basis::FullTime)
    } else {
        (rows.len() as u64, Basis::Register)
    }
}

/// One school's staffing.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolStaffing {
    pub students: Sections,
    pub teachers: u64,
    /// Staff required by the norm: Σ students of a section ÷ its norm. None without students.
    pub required: Option<f64>,
    /// Teachers attributed to each section (in proportion to its required staff).
    pub teachers_by_stage: [f64; 3],
    /// Whole-school students per teacher. None without teachers.
    pub ratio: Option<f64>,
    /// teachers ≥ required. None without students.
    pub meets: Option<bool>,
}

impl SchoolStaffing {
    /// Students per teacher in one section. None when the section has no students or no
    /// teacher is attributed to it.
    pub fn stage_ratio(&self, s: Stage) -> Option<f64> {
        if self.students.get(s) == 0 {
            return None;
        }
        ratio(self.students.get(s) as f64, self.teachers_by_stage[s as usize])
    }
}

pub fn school(students: Sections, teachers: u64) -> SchoolStaffing {
    let need: Vec<f64> = Stage::ALL.iter().map(|&s| students.get(s) as f64 / norm(s)).collect();
    let required: f64 = need.iter().sum();
    let mut by = [0.0; 3];
    if required > 0.0 {
        for (i, n) in need.iter().enumerate() {
            by[i] = teachers as f64 * n / required;
        }
    }
    SchoolStaffing {
        students,
        teachers,
        required: (required > 0.0).then_some(required),
        teachers_by_stage: by,
        ratio: ratio(students.total() as f64, teachers as f64),
        meets: (required > 0.0).then(|| crate::indicators::Cmp::AtLeast.met(teachers as f64, required)),
    }
}

/// A stage's figure over many schools (a county, a city): students, attributed teachers, ratio.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StageFigure {
    pub students: u64,
    pub teachers: f64,
}

impl StageFigure {
    pub fn ratio(&self) -> Option<f64> {
        if self.students == 0 {
            return None;
        }
        ratio(self.students as f64, self.teachers)
    }
    /// Whether the ratio is within the norm (ratio ≤ norm). None without a ratio.
    pub fn meets(&self, s: Stage) -> Option<bool> {
        self.ratio().map(|r| crate::indicators::Cmp::AtMost.met(r, norm(s)))
    }
}

/// Sums schools into one figure per stage.
pub fn by_stage<'a>(schools: impl IntoIterator<Item = &'a SchoolStaffing>) -> [StageFigure; 3] {
    let mut out = [StageFigure::default(); 3];
    for s in schools {
        for st in Stage::ALL {
            out[st as usize].students += s.students.get(st);
            out[st as usize].teachers += s.teachers_by_stage[st as usize];
        }
    }
    out
}
