//! What was planted, and so what validating the files must report.
//!
//! Every planted row breaks exactly one rule (the kind it was given), chosen so that no other
//! rule fires as a side effect; unplanted rows break none. Warnings are planted only on
//! unplanted rows, one cell each, so the warning counts are the same whether a validator counts
//! warnings on every row or only on accepted ones.

use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use standard::{Entity, Rule, Warning};
use std::collections::BTreeMap;

/// The rules planted in students.csv, one kind per planted row.
pub const STUDENT_KINDS: &[Rule] = &[
    Rule::RequiredMissing,
    Rule::StudentIdFormat,
    Rule::StudentIdMismatch,
    Rule::StudentIdDuplicate,
    Rule::IdFormat,
    Rule::IdCheckDigit,
    Rule::IdDuplicate,
    Rule::BirthDateFormat,
    Rule::BirthMismatch,
    Rule::GenderEnum,
    Rule::GenderMismatch,
    Rule::EthnicityUnknown,
    Rule::RegionUnknown,
    Rule::SchoolCodeFormat,
    Rule::GradeEnum,
    Rule::EnrollmentFormat,
    Rule::PhoneInvalid,
];

pub const TEACHER_KINDS: &[Rule] = &[
    Rule::RequiredMissing,
    Rule::IdFormat,
    Rule::IdCheckDigit,
    Rule::IdDuplicate,
    Rule::BirthDateFormat,
    Rule::BirthMismatch,
    Rule::GenderEnum,
    Rule::GenderMismatch,
    Rule::EthnicityUnknown,
    Rule::SchoolCodeFormat,
    Rule::HireDateFormat,
    Rule::PhoneInvalid,
];

pub const SCHOOL_KINDS: &[Rule] = &[
    Rule::RequiredMissing,
    Rule::SchoolCodeFormat,
    Rule::SchoolCodeDuplicate,
    Rule::SchoolTypeUnknown,
    Rule::RegionUnknown,
    Rule::UrbanRuralUnknown,
    Rule::CreditCodeFormat,
    Rule::CreditCodeCheckDigit,
    Rule::CoordinatesInvalid,
];

/// The kinds planted in one entity's file.
pub fn kinds(entity: Entity) -> &'static [Rule] {
    match entity {
        Entity::School => SCHOOL_KINDS,
        Entity::Teacher => TEACHER_KINDS,
        Entity::Student => STUDENT_KINDS,
        // The conditions file is generated clean (no planted errors).
        Entity::Conditions => &[],
    }
}

/// `planted.json`: the generator's options and, per file, the exact result validation must give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Planted {
    /// `tianfu-demo/1`; bumped if the meaning of a field changes.
    pub format: String,
    pub seed: u64,
    /// The `today` the files were generated for (`YYYY-MM-DD`). No date in the files is after
    /// 1 September of the school year under way on it, and no planted error depends on the
    /// date, so validating on any day from then on gives the same result.
    pub today: String,
    pub students_requested: u64,
    pub error_rate: f64,
    pub warning_rate: f64,
    /// `utf-8` or `gbk`.
    pub encoding: String,
    /// `chinese` or `english`.
    pub headers: String,
    /// By file name (`schools.csv`, `teachers.csv`, `students.csv`).
    pub files: BTreeMap<String, Expected>,
    /// 学校标识码 of valid schools whose coordinates lie in another city (they validate and
    /// import; the school map's boundary check must flag exactly these).
    #[serde(default)]
    pub misplaced: Vec<String>,
}

/// The validation result one file must give, in the shape of a validation report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub entity: Option<Entity>,
    /// Data rows (the header not counted).
    pub rows: u64,
    pub rows_valid: u64,
    pub rows_rejected: u64,
    /// Rule code → number of rows that break it. Only rules that occur are listed.
    pub errors: BTreeMap<String, u64>,
    /// Warning code → number of cells normalised that way.
    pub warnings: BTreeMap<String, u64>,
}

/// How many of `rows` rows get a planted error: the share `rate`, but at least one of each kind
/// (when the rate is not zero and the file has the rows), so a small demo still shows every rule.
pub fn planted_rows(rows: u64, rate: f64, kinds: usize) -> u64 {
    if rate.is_nan() || rate <= 0.0 {
        return 0;
    }
    let share = (rows as f64 * rate.min(1.0)).round() as u64;
    share.max(kinds as u64).min(rows)
}

/// Decides, row by row, which rows get an error and which kind: exactly `planted` of `rows`,
/// at uniformly random positions (Knuth's selection sampling, so nothing is stored per row),
/// with kinds dealt from a shuffled deck so each kind gets its even share.
pub struct Planter {
    rows_left: u64,
    planted_left: u64,
    deck: Vec<Rule>,
    next: usize,
    /// Kinds that were due but could not be planted yet (a duplicate needs an earlier row to
    /// repeat); they go first as soon as they can.
    owed: Vec<Rule>,
    pub tally: Tally,
}

impl Planter {
    pub fn new(entity: Entity, rows: u64, planted: u64, rng: &mut Rng) -> Planter {
        let mut deck = kinds(entity).to_vec();
        rng.shuffle(&mut deck);
        Planter {
            rows_left: rows,
            planted_left: planted,
            deck,
            next: 0,
            owed: Vec::new(),
            tally: Tally::new(entity),
        }
    }

    /// Whether the next row gets an error, and which kind it is, given which kinds can be
    /// planted on this row.
    pub fn next_row(&mut self, rng: &mut Rng, feasible: impl Fn(Rule) -> bool) -> Option<Rule> {
        let rows = self.rows_left;
        if rows == 0 {
            return None;
        }
        self.rows_left -= 1;
        if self.planted_left == 0 || rng.below(rows) >= self.planted_left {
            return None;
        }
        self.planted_left -= 1;
        if let Some(i) = self.owed.iter().position(|k| feasible(*k)) {
            return Some(self.owed.remove(i));
        }
        for _ in 0..self.deck.len() {
            let k = self.deck[self.next % self.deck.len()];
            self.next += 1;
            if feasible(k) {
                return Some(k);
            }
            self.owed.push(k);
        }
        None
    }
}

/// Counts of what was written, per file.
pub struct Tally {
    entity: Entity,
    pub rows: u64,
    rejected: u64,
    errors: [u64; 64],
    warnings: [u64; 16],
}

impl Tally {
    fn new(entity: Entity) -> Tally {
        Tally {
            entity,
            rows: 0,
            rejected: 0,
            errors: [0; 64],
            warnings: [0; 16],
        }
    }

    /// Records one written row, its planted error and its planted warning.
    pub fn row(&mut self, error: Option<Rule>, warning: Option<Warning>) {
        self.rows += 1;
        if let Some(r) = error {
            self.rejected += 1;
            self.errors[r as usize] += 1;
        }
        if let Some(w) = warning {
            self.warnings[w as usize] += 1;
        }
    }

    pub fn expected(&self) -> Expected {
        let errors = Rule::ALL
            .iter()
            .filter(|r| self.errors[**r as usize] > 0)
            .map(|r| (r.code().to_string(), self.errors[*r as usize]));
        let warnings = Warning::ALL
            .iter()
            .filter(|w| self.warnings[**w as usize] > 0)
            .map(|w| (w.code().to_string(), self.warnings[*w as usize]));
        Expected {
            entity: Some(self.entity),
            rows: self.rows,
            rows_valid: self.rows - self.rejected,
            rows_rejected: self.rejected,
            errors: errors.collect(),
            warnings: warnings.collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_count_and_even_kinds() {
        let mut rng = Rng::new(1, 1);
        let mut p = Planter::new(Entity::Student, 10_000, 340, &mut rng);
        let mut per = BTreeMap::new();
        for _ in 0..10_000 {
            if let Some(k) = p.next_row(&mut rng, |_| true) {
                *per.entry(k.code()).or_insert(0) += 1;
            }
        }
        assert_eq!(per.values().sum::<u32>(), 340);
        assert_eq!(per.len(), STUDENT_KINDS.len());
        assert!(per.values().all(|n| *n == 20));
    }

    #[test]
    fn rows_floor_and_cap() {
        assert_eq!(planted_rows(1000, 0.0, 9), 0);
        assert_eq!(planted_rows(1000, 0.05, 9), 50);
        assert_eq!(planted_rows(30, 0.05, 9), 9);
        assert_eq!(planted_rows(5, 0.05, 9), 5);
        assert_eq!(planted_rows(100, 1.0, 9), 100);
    }

    #[test]
    fn owed_kinds_come_back() {
        let mut rng = Rng::new(2, 2);
        let mut p = Planter::new(Entity::School, 9, 9, &mut rng);
        let mut got = Vec::new();
        for i in 0..9 {
            got.extend(p.next_row(&mut rng, |k| k != Rule::SchoolCodeDuplicate || i > 0));
        }
        got.sort();
        let mut want = SCHOOL_KINDS.to_vec();
        want.sort();
        assert_eq!(got, want);
    }
}
