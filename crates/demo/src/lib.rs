//! 演示数据 — a deterministic synthetic Sichuan province: schools, teachers and pupils as CSV
//! files in the standard's templates, with planted errors and warnings whose validation result
//! is known exactly (`planted.json`); and the monitor's demo sites with a day of history
//! ([`sites`], written through the store's monitor trait).
//!
//! The point of the demo is to show the validator finding what it should, so the generator's
//! one hard promise is exactness: every planted row breaks exactly the one rule recorded for it,
//! every other row is valid, and the counts in `planted.json` equal what `standard::RowChecker`
//! (plus duplicate detection on its keys) reports. Same options, same bytes.
#![forbid(unsafe_code)]

mod conditions;
mod geo;
mod idgen;
mod names;
mod out;
mod people;
pub mod incidents;
pub mod planted;
mod rng;
mod schools;
pub mod sites;
pub mod ledger;
pub mod plan;
pub mod catalog;
pub mod last_year;
pub mod duty;
pub mod apps;
pub mod checks;
pub mod mlps;
mod students;
mod teachers;

pub use planted::{Expected, Planted};

use standard::Date;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Output text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutEncoding {
    /// UTF-8 without BOM.
    #[default]
    Utf8,
    /// GBK, as files exported by older Chinese Windows software are.
    Gbk,
}

/// Which header row the files carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderStyle {
    /// The template's Chinese headers (`field.zh`), e.g. 学籍号.
    #[default]
    Chinese,
    /// The template's keys (`field.key`), e.g. student_id.
    English,
}

#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Pupils to generate (the size of students.csv). Schools (one per ~680 pupils, at least 6)
    /// and teachers (6% of pupils) follow from it.
    pub students: u64,
    pub seed: u64,
    /// Share of rows given exactly one planted error, 0.0..=1.0. At least one row of each kind
    /// is planted in each file when this is above zero, so tiny files have a higher share. In
    /// schools.csv the bad rows are added to the valid schools (which the other files need), and
    /// their share is capped at one half.
    pub error_rate: f64,
    /// Probability that a row without an error gets one planted normalisation warning (one cell).
    pub warning_rate: f64,
    pub encoding: OutEncoding,
    pub headers: HeaderStyle,
    /// The date the data is "as of": grades follow from the school year under way on it, and
    /// no date written is after that school year's 1 September (so the expected result holds
    /// for validation on any later day too).
    pub today: Date,
}

impl GenOptions {
    /// The defaults the demo uses: 2% errors, 1% warnings, UTF-8, Chinese headers.
    pub fn new(students: u64, seed: u64, today: Date) -> GenOptions {
        GenOptions {
            students,
            seed,
            error_rate: 0.02,
            warning_rate: 0.01,
            encoding: OutEncoding::Utf8,
            headers: HeaderStyle::Chinese,
            today,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Summary {
    /// Rows in each file.
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
    /// 办学条件 rows (two school years per valid school).
    pub conditions: u64,
    /// schools.csv, teachers.csv, students.csv, planted.json and conditions.csv, in that order.
    pub files: Vec<PathBuf>,
    pub planted: Planted,
}

pub const SCHOOLS_FILE: &str = "schools.csv";
pub const TEACHERS_FILE: &str = "teachers.csv";
pub const STUDENTS_FILE: &str = "students.csv";
pub const PLANTED_FILE: &str = "planted.json";
/// 办学条件 of the valid schools, two school years (clean: not in planted.json).
pub const CONDITIONS_FILE: &str = "conditions.csv";

/// What the row generators share: the counties and the calendar.
pub(crate) struct World {
    pub counties: Vec<geo::County>,
    pub today: Date,
    /// The year the school year under way on `today` began (it begins on 1 September).
    pub school_year: i32,
    pub seed: u64,
}

pub(crate) fn exhausted() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "too many people in one county to give each a unique ID number",
    )
}

/// Writes schools.csv, teachers.csv, students.csv and planted.json into `out_dir` (created if
/// missing; existing files are replaced).
pub fn generate(opts: &GenOptions, out_dir: &Path) -> io::Result<Summary> {
    for (name, rate) in [
        ("error_rate", opts.error_rate),
        ("warning_rate", opts.warning_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name} must be between 0 and 1, not {rate}"),
            ));
        }
    }
    if opts.today.year < 1990 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "today must be 1990 or later",
        ));
    }
    std::fs::create_dir_all(out_dir)?;
    let today = opts.today;
    let world = World {
        counties: geo::counties(),
        today,
        school_year: if today.month >= 9 {
            today.year as i32
        } else {
            today.year as i32 - 1
        },
        seed: opts.seed,
    };
    let paths: Vec<PathBuf> = [SCHOOLS_FILE, TEACHERS_FILE, STUDENTS_FILE, PLANTED_FILE, CONDITIONS_FILE]
        .iter()
        .map(|f| out_dir.join(f))
        .collect();

    let (schools, school_exp, misplaced) = schools::write(opts, &world, &paths[0])?;
    let pupils = spread(opts.students, &schools);
    let teacher_exp = teachers::write(opts, &world, &schools, &pupils, &paths[1])?;
    let student_exp = students::write(opts, &world, &schools, &pupils, &paths[2])?;
    let conditions = conditions::write(opts, &world, &schools, &pupils, &paths[4])?;

    let summary_rows = (school_exp.rows, teacher_exp.rows, student_exp.rows);
    let files: BTreeMap<String, Expected> = [
        (SCHOOLS_FILE, school_exp),
        (TEACHERS_FILE, teacher_exp),
        (STUDENTS_FILE, student_exp),
    ]
    .into_iter()
    .map(|(f, e)| (f.to_string(), e))
    .collect();
    let planted = Planted {
        format: "tianfu-demo/1".to_string(),
        seed: opts.seed,
        today: today.to_string(),
        students_requested: opts.students,
        error_rate: opts.error_rate,
        warning_rate: opts.warning_rate,
        encoding: match opts.encoding {
            OutEncoding::Utf8 => "utf-8",
            OutEncoding::Gbk => "gbk",
        }
        .to_string(),
        headers: match opts.headers {
            HeaderStyle::Chinese => "chinese",
            HeaderStyle::English => "english",
        }
        .to_string(),
        files,
        misplaced,
    };
    let mut json = serde_json::to_string_pretty(&planted).map_err(io::Error::other)?;
    json.push('\n');
    std::fs::write(&paths[3], json)?;
    Ok(Summary {
        schools: summary_rows.0,
        teachers: summary_rows.1,
        students: summary_rows.2,
        conditions,
        files: paths,
        planted,
    })
}

/// Pupils per valid school, in proportion to the schools' weights, summing to exactly `total`
/// (the running total is rounded, not each share).
fn spread(total: u64, schools: &[schools::School]) -> Vec<u64> {
    let sum: u64 = schools.iter().map(|s| s.weight).sum();
    let (mut cum, mut given) = (0u64, 0u64);
    schools
        .iter()
        .map(|s| {
            cum += s.weight;
            let upto = (total as u128 * cum as u128 / sum.max(1) as u128) as u64;
            let n = upto - given;
            given = upto;
            n
        })
        .collect()
}

impl Planted {
    /// Reads a `planted.json`.
    pub fn read(path: &Path) -> io::Result<Planted> {
        serde_json::from_slice(&std::fs::read(path)?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}
