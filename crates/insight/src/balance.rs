//! 县域义务教育优质均衡 (教督〔2017〕6号): the seven per-school resource indicators, each
//! school's pass rule, and each county's enrolment-weighted coefficient of variation.
//!
//! Choices where the document leaves room, stated once:
//! - a school's per-student values divide by its whole enrolment (a nine-year school's rooms and
//!   teachers serve both sections); a nine-year school is judged against the primary thresholds
//!   for its primary section and the junior thresholds for its junior section, and enters each
//!   county CV with that section's enrolment as its weight;
//! - "teachers above the required degree": the required degree is 中专/中师 for primary and 专科
//!   for junior, so primary counts 专科 and above, junior 本科 and above;
//! - an indicator whose data is missing (no 办学条件 row, no students) is absent: the school's
//!   pass is then unknown (None), and it is left out of that indicator's CV;
//! - the CV is over county-run public schools (县域内公办) only, teaching points (教学点) excluded.

use crate::indicators::Cmp;
use crate::{per_hundred, ratio, Stage};
use std::collections::BTreeMap;

/// The seven resource indicators, in the order of 教督〔2017〕6号 第五条.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    AboveDegree,
    Backbone,
    PeArts,
    TeachingSpace,
    SportsSpace,
    Equipment,
    Multimedia,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::AboveDegree,
        Measure::Backbone,
        Measure::PeArts,
        Measure::TeachingSpace,
        Measure::SportsSpace,
        Measure::Equipment,
        Measure::Multimedia,
    ];

    /// The key of its entry in [`crate::INDICATORS`].
    pub fn key(self) -> &'static str {
        match self {
            Measure::AboveDegree => "teachers_above_degree_per_100",
            Measure::Backbone => "backbone_teachers_per_100",
            Measure::PeArts => "pe_arts_teachers_per_100",
            Measure::TeachingSpace => "teaching_space_per_student",
            Measure::SportsSpace => "sports_space_per_student",
            Measure::Equipment => "equipment_value_per_student",
            Measure::Multimedia => "multimedia_rooms_per_100",
        }
    }

    /// The threshold for a stage; None for senior secondary (not part of the evaluation).
    pub fn threshold(self, stage: Stage) -> Option<f64> {
        let (p, j) = match self {
            Measure::AboveDegree => (4.2, 5.3),
            Measure::Backbone => (1.0, 1.0),
            Measure::PeArts => (0.9, 0.9),
            Measure::TeachingSpace => (4.5, 5.8),
            Measure::SportsSpace => (7.5, 10.2),
            Measure::Equipment => (2000.0, 2500.0),
            Measure::Multimedia => (2.3, 2.4),
        };
        match stage {
            Stage::Primary => Some(p),
            Stage::Junior => Some(j),
            Stage::Senior => None,
        }
    }
}

/// The share of the threshold the one unmet indicator must still reach.
pub const REST_AT_LEAST: f64 = 0.85;
/// How many of the seven must be met.
pub const MET_AT_LEAST: usize = 6;

/// The county CV limit of a stage: 0.50 primary, 0.45 junior.
pub fn cv_limit(stage: Stage) -> Option<f64> {
    match stage {
        Stage::Primary => Some(0.50),
        Stage::Junior => Some(0.45),
        Stage::Senior => None,
    }
}

/// What one school contributes: its place, kind, enrolment, teacher counts (from the teacher
/// register) and conditions (from its 办学条件 row; None when it has none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchoolResources {
    pub school: String,
    /// GB/T 2260 county code.
    pub county: u32,
    /// 县域内公办: run by the county's government.
    pub county_public: bool,
    /// 教学点.
    pub teaching_point: bool,
    pub students: crate::Sections,
    /// Teachers with 专科 or higher (primary's "above the required degree").
    pub teachers_college_up: u64,
    /// Teachers with 本科 or higher (junior's).
    pub teachers_bachelor_up: u64,
    /// Backbone teachers of county level or higher.
    pub backbone: u64,
    /// Full-time PE, music and art teachers.
    pub pe_arts: u64,
    pub conditions: Option<Conditions>,
}

/// The 办学条件 figures the indicators use.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Conditions {
    /// 教学及辅助用房面积, m².
    pub teaching_area: f64,
    /// 运动场地面积 + 体育馆面积, m².
    pub sports_area: f64,
    /// 教学仪器设备值, yuan.
    pub equipment_yuan: f64,
    /// 网络多媒体教室, rooms.
    pub multimedia_rooms: u64,
}

impl SchoolResources {
    /// The seven values as judged for `stage` (only the degree indicator depends on the stage).
    /// Each is None when the school has no students, or for the four conditions indicators
    /// when it has no 办学条件 row.
    pub fn values(&self, stage: Stage) -> [Option<f64>; 7] {
        let n = self.students.total();
        let above = match stage {
            Stage::Primary => self.teachers_college_up,
            _ => self.teachers_bachelor_up,
        };
        let c = self.conditions;
        let per = |x: f64| ratio(x, n as f64);
        [
            per_hundred(above as f64, n),
            per_hundred(self.backbone as f64, n),
            per_hundred(self.pe_arts as f64, n),
            c.and_then(|c| per(c.teaching_area)),
            c.and_then(|c| per(c.sports_area)),
            c.and_then(|c| per(c.equipment_yuan)),
            c.and_then(|c| per_hundred(c.multimedia_rooms as f64, n)),
        ]
    }

    /// Whether the school takes part in the county CV of a stage.
    pub fn in_county_cv(&self, stage: Stage) -> bool {
        self.county_public && !self.teaching_point && self.students.get(stage) > 0
    }
}

/// A school's verdict for one stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub values: [Option<f64>; 7],
    /// Each value against its threshold (None when the value is absent).
    pub met: [Option<bool>; 7],
    /// How many are met.
    pub met_count: usize,
    /// ≥ 6 met and every unmet one ≥ 85 % of its threshold. None when a value is absent or the
    /// stage is not evaluated.
    pub passes: Option<bool>,
}

/// Judges seven values against a stage's thresholds.
pub fn judge(values: [Option<f64>; 7], stage: Stage) -> Verdict {
    let mut met = [None; 7];
    let mut rest_ok = true;
    let mut complete = true;
    for (i, m) in Measure::ALL.iter().enumerate() {
        match (values[i], m.threshold(stage)) {
            (Some(v), Some(t)) => {
                let ok = Cmp::AtLeast.met(v, t);
                met[i] = Some(ok);
                if !ok && !Cmp::AtLeast.met(v, REST_AT_LEAST * t) {
                    rest_ok = false;
                }
            }
            _ => complete = false,
        }
    }
    let met_count = met.iter().filter(|m| **m == Some(true)).count();
    Verdict {
        values,
        met,
        met_count,
        passes: complete.then_some(met_count >= MET_AT_LEAST && rest_ok),
    }
}

/// The enrolment-weighted mean, standard deviation and coefficient of variation of one
/// indicator over schools, each given as (Pᵢ, Xᵢ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dispersion {
    /// X̄ = Σ PᵢXᵢ / P.
    pub mean: f64,
    /// S = √(Σ (Pᵢ/P)(Xᵢ − X̄)²).
    pub sd: f64,
    /// CV = S / X̄; None when X̄ is 0.
    pub cv: Option<f64>,
    pub schools: usize,
}

/// The weighted dispersion; None when there is no school or the total weight is 0.
pub fn weighted_cv(pairs: &[(u64, f64)]) -> Option<Dispersion> {
    let p: u64 = pairs.iter().map(|(w, _)| *w).sum();
    if p == 0 {
        return None;
    }
    let pf = p as f64;
    let mean = pairs.iter().map(|(w, x)| *w as f64 * x).sum::<f64>() / pf;
    let var = pairs.iter().map(|(w, x)| (*w as f64 / pf) * (x - mean).powi(2)).sum::<f64>();
    let sd = var.sqrt();
    Some(Dispersion { mean, sd, cv: ratio(sd, mean), schools: pairs.len() })
}

/// The unweighted (population) coefficient of variation, for comparison only: 教督〔2017〕6号
/// weights by enrolment. None without values or with a zero mean.
pub fn unweighted_cv(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    ratio(var.sqrt(), mean)
}

/// One county's balance for one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyBalance {
    pub county: u32,
    pub stage: Stage,
    /// Schools taking part (county-run public, not teaching points, with students of the stage).
    pub schools: usize,
    /// Per indicator; None when no school has the value.
    pub dispersion: [Option<Dispersion>; 7],
    /// CV ≤ limit per indicator; None when the CV is absent.
    pub cv_met: [Option<bool>; 7],
    /// Schools of the county (all of them, not only those in the CV) that pass / fail / cannot
    /// be judged for the stage.
    pub passing: usize,
    pub failing: usize,
    pub unknown: usize,
}

impl CountyBalance {
    /// Every indicator's CV within the limit; None when one is absent.
    pub fn all_cv_met(&self) -> Option<bool> {
        self.cv_met.iter().try_fold(true, |acc, m| m.map(|m| acc && m))
    }
}

/// Each county's balance for one stage (primary or junior), over the schools given. Schools
/// with no students of the stage are left out; teaching points and schools that are not
/// county-run public still get a verdict but stay out of the CV.
pub fn county_balance(schools: &[SchoolResources], stage: Stage) -> BTreeMap<u32, CountyBalance> {
    let mut pairs: BTreeMap<u32, [Vec<(u64, f64)>; 7]> = BTreeMap::new();
    let mut out: BTreeMap<u32, CountyBalance> = BTreeMap::new();
    for s in schools {
        if s.students.get(stage) == 0 {
            continue;
        }
        let values = s.values(stage);
        let v = judge(values, stage);
        let c = out.entry(s.county).or_insert_with(|| CountyBalance {
            county: s.county,
            stage,
            schools: 0,
            dispersion: [None; 7],
            cv_met: [None; 7],
            passing: 0,
            failing: 0,
            unknown: 0,
        });
        match v.passes {
            Some(true) => c.passing += 1,
            Some(false) => c.failing += 1,
            None => c.unknown += 1,
        }
        let p = pairs.entry(s.county).or_default();
        if s.in_county_cv(stage) {
            c.schools += 1;
            for (i, x) in values.iter().enumerate() {
                if let Some(x) = x {
                    p[i].push((s.students.get(stage), *x));
                }
            }
        }
    }
    let limit = cv_limit(stage);
    for (county, p) in pairs {
        let c = out.get_mut(&county).expect("same keys");
        for i in 0..7 {
            c.dispersion[i] = weighted_cv(&p[i]);
            c.cv_met[i] = match (c.dispersion[i].and_then(|d| d.cv), limit) {
                (Some(cv), Some(l)) => Some(Cmp::AtMost.met(cv, l)),
                _ => None,
            };
        }
    }
    out
}

/// A teacher's highest degree, from the free text of 最高学历, coarsely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Degree {
    /// 高中、中专、中师 and below.
    Secondary,
    /// 专科 (大专).
    College,
    /// 本科.
    Bachelor,
    /// 研究生 (硕士, 博士).
    Postgraduate,
}

impl Degree {
    /// Reads 最高学历: 博士/硕士/研究生 → postgraduate; 本科/学士 → bachelor; 专科/大专 →
    /// college; 中专/中师/高中/初中/小学 → secondary; anything else → None (not counted).
    pub fn parse(text: &str) -> Option<Degree> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        let has = |k: &str| t.contains(k);
        if has("博士") || has("硕士") || has("研究生") {
            Some(Degree::Postgraduate)
        } else if has("本科") || has("学士") {
            Some(Degree::Bachelor)
        } else if has("专科") || has("大专") {
            Some(Degree::College)
        } else if has("中专") || has("中师") || has("高中") || has("初中") || has("小学") {
            Some(Degree::Secondary)
        } else {
            None
        }
    }
}

/// A teacher's backbone (骨干) level: the code of the teacher template's `backbone` field.
/// 0 none, 1 school, 2 county, 3 city, 4 province, 5 national. County level and above counts.
pub fn backbone_counts(code: &str) -> bool {
    matches!(code.trim(), "2" | "3" | "4" | "5")
}

/// Whether a subject (任教学科, one or several separated by 、 , ， ; or spaces) includes PE or
/// arts (体育, 音乐, 美术, 艺术).
pub fn teaches_pe_or_arts(subjects: &str) -> bool {
    ["体育", "音乐", "美术", "艺术"].iter().any(|k| subjects.contains(k))
}

/// Whether a teacher counts among the PE and arts teachers: teaching PE or arts and not marked
/// "not 专任" (是否专任教师 0).
pub fn counts_pe_or_arts(subjects: &str, full_time: &str) -> bool {
    teaches_pe_or_arts(subjects) && full_time.trim() != "0"
}

/// Whether a teacher is marked 专任 (是否专任教师 1).
pub fn is_full_time(full_time: &str) -> bool {
    full_time.trim() == "1"
}

/// Whether 最高学历 reads 本科 or above.
pub fn bachelor_up(education: &str) -> bool {
    Degree::parse(education).is_some_and(|d| d >= Degree::Bachelor)
}

/// Whether a school is a teaching point (教学点): flagged so in its 办学条件 row, or of 办学类型
/// 218 (小学教学点).
pub fn is_teaching_point(school_type: &str, flagged: bool) -> bool {
    flagged || school_type == "218"
}
