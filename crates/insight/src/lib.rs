//! 决策指标 — the indicators leaders judge the sector by (issue 15), each as data
//! ([`indicators::INDICATORS`]: definition, formula, source, thresholds and the document that sets
//! them) and as pure computations over plain rows:
//!
//! - [`staffing`]: student–teacher ratios by stage against the staffing standard;
//! - [`classes`]: class sizes (大班额 56–65, 超大班额 66+) and oversized schools;
//! - [`balance`]: 县域义务教育优质均衡 (教督〔2017〕6号): each school's seven resource indicators,
//!   its pass rule, and each county's enrolment-weighted coefficient of variation;
//! - [`people`]: the students' and teachers' breakdowns (age–grade anomalies, retirements due,
//!   migrant children's public-school share, …).
//!
//! Pure: no I/O, no SQL, no clock (the day is passed in). A figure that cannot be computed (no
//! students, no teachers, a zero mean) is `None` — absent, never NaN or infinite.
#![forbid(unsafe_code)]

pub mod balance;
pub mod classes;
pub mod geo;
pub mod indicators;
pub mod people;
pub mod staffing;

pub use indicators::{Indicator, Threshold, INDICATORS};

/// A school stage (学段).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// 小学, grades 11–16.
    Primary,
    /// 初中, grades 21–23.
    Junior,
    /// 高中, grades 31–33.
    Senior,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Primary, Stage::Junior, Stage::Senior];

    /// The stage of a grade code (11–16, 21–23, 31–33), or None.
    pub fn of_grade(grade: &str) -> Option<Stage> {
        match grade {
            "11" | "12" | "13" | "14" | "15" | "16" => Some(Stage::Primary),
            "21" | "22" | "23" => Some(Stage::Junior),
            "31" | "32" | "33" => Some(Stage::Senior),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Stage::Primary => "小学",
            Stage::Junior => "初中",
            Stage::Senior => "高中",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Stage::Primary => "primary",
            Stage::Junior => "junior secondary",
            Stage::Senior => "senior secondary",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Students per stage of one school (a nine-year school has primary and junior, a twelve-year
/// school all three).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sections(pub [u64; 3]);

impl Sections {
    pub fn get(&self, s: Stage) -> u64 {
        self.0[s.index()]
    }
    pub fn add(&mut self, s: Stage, n: u64) {
        self.0[s.index()] += n;
    }
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
    /// Primary plus junior: the compulsory-education enrolment.
    pub fn compulsory(&self) -> u64 {
        self.get(Stage::Primary) + self.get(Stage::Junior)
    }
    pub fn of(primary: u64, junior: u64, senior: u64) -> Sections {
        Sections([primary, junior, senior])
    }
}

/// `num / den`, absent when the denominator is zero (or either is not finite).
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    if den == 0.0 || !num.is_finite() || !den.is_finite() {
        return None;
    }
    let r = num / den;
    r.is_finite().then_some(r)
}

/// A share in [0, 1] of `part` in `whole`; absent when `whole` is zero.
pub fn share(part: u64, whole: u64) -> Option<f64> {
    ratio(part as f64, whole as f64)
}

/// Per hundred: `100 · num / den`, absent when `den` is zero.
pub fn per_hundred(num: f64, den: u64) -> Option<f64> {
    ratio(100.0 * num, den as f64)
}
