//! 班额与学校规模 — class sizes from the rosters, and oversized schools.
//!
//! A class is the triple (school, grade, class name) of the student register: "（1）班" of grade
//! 21 and of grade 22 are two classes. Students without a class name are not in any class (they
//! are counted as `unassigned`, so a roster that lacks classes shows as such rather than as one
//! huge class).

use crate::{share, Sections};
use std::collections::HashMap;

/// 大班额: 56–65 students.
pub const LARGE: std::ops::RangeInclusive<u64> = 56..=65;
/// 超大班额: 66 students and more.
pub const VERY_LARGE_FROM: u64 = 66;

/// A student as the class count needs it.
#[derive(Debug, Clone, Copy)]
pub struct StudentRow<'a> {
    pub school: &'a str,
    pub grade: &'a str,
    pub class_name: &'a str,
}

/// Class sizes over a set of students.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassSizes {
    /// Students per class, keyed by (school, grade, class name).
    pub classes: HashMap<(String, String, String), u64>,
    /// Students with no class name.
    pub unassigned: u64,
}

impl ClassSizes {
    pub fn count<'a>(rows: impl IntoIterator<Item = StudentRow<'a>>) -> ClassSizes {
        let mut out = ClassSizes::default();
        for r in rows {
            let class = r.class_name.trim();
            if class.is_empty() {
                out.unassigned += 1;
                continue;
            }
            *out.classes.entry((r.school.to_string(), r.grade.to_string(), class.to_string())).or_insert(0) += 1;
        }
        out
    }

    pub fn total(&self) -> u64 {
        self.classes.len() as u64
    }
    /// Classes of 56–65.
    pub fn large(&self) -> u64 {
        self.classes.values().filter(|n| LARGE.contains(n)).count() as u64
    }
    /// Classes of 66 and more.
    pub fn very_large(&self) -> u64 {
        self.classes.values().filter(|&&n| n >= VERY_LARGE_FROM).count() as u64
    }
    /// Share of classes of 56–65; None without classes.
    pub fn large_share(&self) -> Option<f64> {
        share(self.large(), self.total())
    }
    /// Share of classes of 66+; None without classes.
    pub fn very_large_share(&self) -> Option<f64> {
        share(self.very_large(), self.total())
    }
    /// Share of classes of 56 and more (both bands); None without classes.
    pub fn large_or_more_share(&self) -> Option<f64> {
        share(self.large() + self.very_large(), self.total())
    }
}

/// The school-size limit (教督〔2017〕6号) of a school that teaches compulsory grades: 2,500
/// students for nine- and twelve-year schools (办学类型 312, 345), 2,000 for primary (211),
/// junior (311) and complete secondary (341) schools. None for other types (the rule is about
/// compulsory education).
pub fn size_limit(school_type: &str) -> Option<u64> {
    match school_type {
        "312" | "345" => Some(2500),
        "211" | "311" | "341" => Some(2000),
        _ => None,
    }
}

/// Whether a school is over its size limit; None when the limit does not apply.
pub fn oversized(school_type: &str, students: &Sections) -> Option<bool> {
    size_limit(school_type).map(|l| students.total() > l)
}
