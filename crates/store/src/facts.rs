//! 学校事实表 — per-school facts the decision screens read (issue 15), kept current by every
//! import inside the import's transaction and recomputable in full (`tianfu insight refresh`).
//!
//! One row per school (`school_facts`): students by grade, boarders, migrant, left-behind,
//! minority, disabled and age–grade anomalies; classes by size band; teachers, 专任, above the
//! required degree, backbone, PE/arts, gender, degree and titles. Everything that depends on
//! "today" for teachers (age bands, retirements due in 3 and 5 years) is **computed at read
//! time** from birth buckets (`school_teacher_births`: school × gender × birth year-month), as of
//! the last day of the current month ([`TeacherAges`]); month buckets are exact on that day. The
//! students' age–grade fit is counted at recompute time for the school year of that day (the
//! row keeps the year, `school_year`); a refresh after 1 September moves it to the new year.
//!
//! The counting rules are those of the `insight` crate (its row types and predicates); the
//! shared suite (`suite_facts`) checks the stored facts against `insight` computed over the raw
//! rows on both backends. Backends feed raw rows to one [`Builder`] and write what it returns.
//!
//! The row also keeps the newest import batch carrying a record of the school
//! (`last_batch`: its school row, a teacher or an enrolment), which 数据质量's timeliness reads
//! instead of scanning every enrolment at each refresh (`store::quality`).

use crate::sql::{Dialect, SqlRow};
use crate::{Scope, StoreError};
use insight::balance::{bachelor_up, backbone_counts, counts_pe_or_arts, is_full_time, Degree};
use insight::people::{self, add_months, age_fit, age_on, retirement_date, AgeFit};
use insight::{Sections, Stage};
use serde::Serialize;
use standard::Date;
use std::collections::{BTreeMap, HashMap};

/// The grade codes kept per school, in column order (`g11` … `g33`).
pub const GRADES: [&str; 12] = ["11", "12", "13", "14", "15", "16", "21", "22", "23", "31", "32", "33"];

/// One school's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SchoolFacts {
    pub school: String,
    pub name: String,
    /// GB/T 2260 county code (the school's region).
    pub county: u32,
    /// 办学类型.
    pub school_type: String,
    /// The school year (its first calendar year) the age–grade fit was counted for.
    pub school_year: u16,
    pub students: u64,
    /// Students per grade code of [`GRADES`].
    pub by_grade: [u64; 12],
    pub boarders: u64,
    /// Migrant children (随迁子女) in compulsory grades.
    pub migrant: u64,
    pub left_behind: u64,
    pub minority: u64,
    pub disabled: u64,
    pub too_young: u64,
    pub too_old: u64,
    /// Classes (grade × class name) and those of 56–65 and 66+.
    pub classes: u64,
    pub classes_large: u64,
    pub classes_very_large: u64,
    /// Students without a class name.
    pub unassigned: u64,
    pub teachers: u64,
    /// Teachers marked 专任, and whether any row said (else the ratio counts the register).
    pub full_time: u64,
    pub full_time_stated: bool,
    /// 专科 and above (primary's "above the required degree"), 本科 and above (junior's).
    pub college_up: u64,
    pub bachelor_up: u64,
    /// Backbone of county level and above.
    pub backbone: u64,
    /// Teaching PE or arts, not marked "not 专任".
    pub pe_arts: u64,
    /// Male, female, unknown.
    pub gender: [u64; 3],
    /// Secondary, college, bachelor, postgraduate, not stated.
    pub degree: [u64; 5],
    /// Per professional title as written (empty = not stated).
    pub titles: BTreeMap<String, u64>,
    /// The newest batch (id) whose rows carry a record of the school: its school row, a
    /// teacher's or an enrolment's `batch_id`; 0 for none (and in sums and county aggregates).
    pub last_batch: i64,
}

impl SchoolFacts {
    pub fn sections(&self) -> Sections {
        let mut s = Sections::default();
        for (i, g) in GRADES.iter().enumerate() {
            if let Some(st) = Stage::of_grade(g) {
                s.add(st, self.by_grade[i]);
            }
        }
        s
    }

    /// The teachers the student–teacher ratio counts (insight::staffing::count_teachers).
    pub fn ratio_teachers(&self) -> (u64, insight::staffing::Basis) {
        if self.full_time_stated {
            (self.full_time, insight::staffing::Basis::FullTime)
        } else {
            (self.teachers, insight::staffing::Basis::Register)
        }
    }

    pub fn staffing(&self) -> insight::staffing::SchoolStaffing {
        insight::staffing::school(self.sections(), self.ratio_teachers().0)
    }

    pub fn oversized(&self) -> Option<bool> {
        insight::classes::oversized(&self.school_type, &self.sections())
    }

    /// The integer columns, in [`INT_COLUMNS`] order.
    pub fn ints(&self) -> Vec<i64> {
        let mut v = vec![self.county as i64, self.school_year as i64, self.students as i64];
        v.extend(self.by_grade.iter().map(|&n| n as i64));
        v.extend(
            [
                self.boarders, self.migrant, self.left_behind, self.minority, self.disabled, self.too_young, self.too_old,
                self.classes, self.classes_large, self.classes_very_large, self.unassigned, self.teachers, self.full_time,
                self.full_time_stated as u64, self.college_up, self.bachelor_up, self.backbone, self.pe_arts,
            ]
            .iter()
            .map(|&n| n as i64),
        );
        v.extend(self.gender.iter().map(|&n| n as i64));
        v.extend(self.degree.iter().map(|&n| n as i64));
        v
    }

    fn set_ints(&mut self, v: &[i64]) {
        let u = |i: usize| v[i].max(0) as u64;
        self.county = v[0] as u32;
        self.school_year = v[1] as u16;
        self.students = u(2);
        for i in 0..12 {
            self.by_grade[i] = u(3 + i);
        }
        let b = 15;
        self.boarders = u(b);
        self.migrant = u(b + 1);
        self.left_behind = u(b + 2);
        self.minority = u(b + 3);
        self.disabled = u(b + 4);
        self.too_young = u(b + 5);
        self.too_old = u(b + 6);
        self.classes = u(b + 7);
        self.classes_large = u(b + 8);
        self.classes_very_large = u(b + 9);
        self.unassigned = u(b + 10);
        self.teachers = u(b + 11);
        self.full_time = u(b + 12);
        self.full_time_stated = v[b + 13] != 0;
        self.college_up = u(b + 14);
        self.bachelor_up = u(b + 15);
        self.backbone = u(b + 16);
        self.pe_arts = u(b + 17);
        for i in 0..3 {
            self.gender[i] = u(b + 18 + i);
        }
        for i in 0..5 {
            self.degree[i] = u(b + 21 + i);
        }
    }
}

/// The integer columns of `school_facts`, in [`SchoolFacts::ints`] order.
pub const INT_COLUMNS: &[&str] = &[
    "county_code", "school_year", "students",
    "g11", "g12", "g13", "g14", "g15", "g16", "g21", "g22", "g23", "g31", "g32", "g33",
    "boarders", "migrant", "left_behind", "minority", "disabled", "too_young", "too_old",
    "classes", "classes_large", "classes_very_large", "unassigned", "teachers", "full_time",
    "full_time_stated", "college_up", "bachelor_up", "backbone", "pe_arts",
    "male", "female", "gender_unknown",
    "deg_secondary", "deg_college", "deg_bachelor", "deg_postgrad", "deg_unknown",
];

/// `INSERT INTO school_facts (…) VALUES (…)` in a dialect: school_code, name, school_type,
/// titles (JSON), then [`INT_COLUMNS`], then last_batch.
pub fn insert_sql(d: Dialect) -> String {
    let cols = ["school_code", "name", "school_type", "titles"].iter().copied().chain(INT_COLUMNS.iter().copied()).chain(["last_batch"]).collect::<Vec<_>>();
    let ph = (1..=cols.len()).map(|n| d.placeholder(n)).collect::<Vec<_>>();
    format!("INSERT INTO school_facts ({}) VALUES ({})", cols.join(", "), ph.join(", "))
}

/// The SELECT of facts inside a scope: `?1`/`?2` the county range, `?3` the school or ''.
pub fn select_sql(d: Dialect) -> String {
    d.render(&format!(
        "SELECT school_code, name, school_type, titles, {}, last_batch FROM school_facts \
         WHERE county_code BETWEEN ?1 AND ?2 AND (?3 = '' OR school_code = ?3) ORDER BY county_code, school_code",
        INT_COLUMNS.join(", ")
    ))
    .into_owned()
}

/// Decodes a row of [`select_sql`].
pub fn decode(r: &dyn SqlRow) -> Result<SchoolFacts, StoreError> {
    let mut f = SchoolFacts { school: r.string(0)?, name: r.string(1)?, school_type: r.string(2)?, ..Default::default() };
    f.titles = serde_json::from_str(&r.string(3)?).unwrap_or_default();
    let ints = (0..INT_COLUMNS.len()).map(|i| Ok(r.opt_i64(4 + i)?.unwrap_or(0))).collect::<Result<Vec<_>, StoreError>>()?;
    f.set_ints(&ints);
    f.last_batch = r.opt_i64(4 + INT_COLUMNS.len())?.unwrap_or(0);
    Ok(f)
}

/// The scope's bounds as [`select_sql`] takes them; None for a scope that sees nothing.
pub fn scope_args(scope: &Scope) -> Option<(i64, i64, String)> {
    let (lo, hi) = scope.county_range()?;
    Some((lo as i64, hi as i64, scope.school().unwrap_or("").to_string()))
}

/// Teachers of one gender (0 male, 1 female, 2 unknown) born in one month (`year * 100 +
/// month`), at one school (or summed over a county: `school` empty).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BirthBucket {
    pub school: String,
    pub county: u32,
    pub gender: u8,
    pub ym: u32,
    pub teachers: u64,
}

/// The teachers' today-dependent figures, as of the last day of the current month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TeacherAges {
    /// The day the figures hold for.
    pub as_of: String,
    /// Five-year bands (20 = 20–24) × gender (male, female, unknown).
    pub bands: BTreeMap<u32, [u64; 3]>,
    pub retiring_in_3: u64,
    pub retiring_in_5: u64,
    pub past_retirement: u64,
}

/// The last day of `today`'s month: the day read-time figures hold for.
pub fn as_of(today: Date) -> Date {
    Date::new(today.year as u32, today.month as u32, standard::date::days_in_month(today.year as u32, today.month as u32)).unwrap_or(today)
}

fn ym_index(d: Date) -> i64 {
    d.year as i64 * 12 + d.month as i64 - 1
}

/// Age bands and retirements from birth buckets (insight::people's rules) as of [`as_of`]
/// `today`: a retirement is "due in 3 years" when its month is after this month and no later
/// than the same month three years on (exact for the last day of the month).
pub fn teacher_ages<'a>(buckets: impl IntoIterator<Item = &'a BirthBucket>, today: Date) -> TeacherAges {
    let day = as_of(today);
    let now = ym_index(day);
    let mut out = TeacherAges { as_of: day.to_string(), ..Default::default() };
    for b in buckets {
        let Some(birth) = Date::new(b.ym / 100, b.ym % 100, 1) else { continue };
        let g = (b.gender as usize).min(2);
        if let Some(age) = age_on(birth, day) {
            out.bands.entry(age / 5 * 5).or_insert([0; 3])[g] += b.teachers;
        }
        if let Some(r) = months_to_retirement(b.gender, b.ym, now) {
            if r <= 0 {
                out.past_retirement += b.teachers;
            } else {
                out.retiring_in_3 += if r <= 36 { b.teachers } else { 0 };
                out.retiring_in_5 += if r <= 60 { b.teachers } else { 0 };
            }
        }
    }
    out
}

/// Months from the month `now` ([`ym_index`]) to the retirement month of a teacher of `gender`
/// (0 male, 1 female, else unknown: None) born in `ym` (`year * 100 + month`): 0 or less when
/// due. The one rule behind [`teacher_ages`] and the drill-down's `retiring_3` / `retiring_5`.
fn months_to_retirement(gender: u8, ym: u32, now: i64) -> Option<i64> {
    let birth = Date::new(ym / 100, ym % 100, 1)?;
    let code = match gender {
        0 => "1",
        1 => "2",
        _ => return None,
    };
    Some(ym_index(retirement_date(birth, code)?) - now)
}

/// Whether a teacher is due to retire after this month and within `months` months of
/// [`as_of`] `today` (counted as [`teacher_ages`] counts the birth buckets).
pub fn retiring_within(t: &TeacherIn<'_>, today: Date, months: i64) -> bool {
    let Some(ym) = t.birth_ym() else { return false };
    months_to_retirement(t.gender_index(), ym, ym_index(as_of(today))).is_some_and(|r| r > 0 && r <= months)
}

/// The school year (its first calendar year) `today` falls in: from 1 September.
pub fn school_year_of(today: Date) -> u16 {
    if today.month >= 9 { today.year } else { today.year - 1 }
}

/// A school as the builder needs it.
#[derive(Debug, Clone, Copy)]
pub struct SchoolIn<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// 行政区划码 as stored (digits).
    pub region: &'a str,
    pub school_type: &'a str,
}

/// A student's stored values as the builder needs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct StudentIn<'a> {
    pub school: &'a str,
    pub grade: &'a str,
    pub class_name: &'a str,
    pub birth: &'a str,
    pub boarding: &'a str,
    pub left_behind: &'a str,
    pub migrant_child: &'a str,
    pub ethnicity: &'a str,
    pub disability: &'a str,
}

impl StudentIn<'_> {
    /// The fit of the student's age to the grade in `school_year` (None: no birth date or grade).
    pub fn age_fit(&self, school_year: u16) -> Option<AgeFit> {
        age_fit(self.grade, Date::parse_iso(self.birth)?, school_year)
    }
    /// Too young or too old for the grade (年龄与年级不符).
    pub fn anomaly(&self, school_year: u16) -> bool {
        matches!(self.age_fit(school_year), Some(AgeFit::TooYoung | AgeFit::TooOld))
    }
}

/// A teacher's stored values as the builder needs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct TeacherIn<'a> {
    pub school: &'a str,
    pub gender: &'a str,
    pub birth: &'a str,
    pub education: &'a str,
    pub title: &'a str,
    pub backbone: &'a str,
    pub full_time: &'a str,
    pub subject: &'a str,
}

impl TeacherIn<'_> {
    /// 0 male, 1 female, 2 unknown.
    pub fn gender_index(&self) -> u8 {
        match self.gender {
            "1" => 0,
            "2" => 1,
            _ => 2,
        }
    }
    /// The birth month as `year * 100 + month` (the birth buckets' key).
    pub fn birth_ym(&self) -> Option<u32> {
        Date::parse_iso(self.birth).map(|b| b.year as u32 * 100 + b.month as u32)
    }
}

#[derive(Default)]
struct Acc {
    facts: SchoolFacts,
    classes: HashMap<(String, String), u64>,
    births: HashMap<(u8, u32), u64>,
}

/// Counts raw rows into facts, school by school. Rows of a school not given to
/// [`Builder::school`] are ignored (a person whose school is not on the register is in no area).
pub struct Builder {
    school_year: u16,
    schools: HashMap<String, Acc>,
}

impl Builder {
    pub fn new(school_year: u16) -> Builder {
        Builder { school_year, schools: HashMap::new() }
    }

    pub fn school(&mut self, s: SchoolIn<'_>) {
        let county = s.region.trim().parse::<u32>().unwrap_or(0);
        let acc = self.schools.entry(s.code.to_string()).or_default();
        acc.facts.school = s.code.to_string();
        acc.facts.name = s.name.to_string();
        acc.facts.county = county;
        acc.facts.school_type = s.school_type.to_string();
        acc.facts.school_year = self.school_year;
    }

    /// A batch carrying a record of `school` (its school row, a teacher, an enrolment): the
    /// newest is kept as [`SchoolFacts::last_batch`]. Unknown schools are ignored.
    pub fn batch(&mut self, school: &str, batch: i64) {
        if let Some(acc) = self.schools.get_mut(school) {
            acc.facts.last_batch = acc.facts.last_batch.max(batch);
        }
    }

    pub fn student(&mut self, r: &StudentIn<'_>) {
        let Some(acc) = self.schools.get_mut(r.school) else { return };
        let f = &mut acc.facts;
        f.students += 1;
        if let Some(i) = GRADES.iter().position(|g| *g == r.grade) {
            f.by_grade[i] += 1;
        }
        // The predicates of `insight::people`, shared with the drill-down lists (`crate::drill`).
        match r.age_fit(self.school_year) {
            Some(AgeFit::TooYoung) => f.too_young += 1,
            Some(AgeFit::TooOld) => f.too_old += 1,
            _ => {}
        }
        f.boarders += people::is_boarder(r.boarding) as u64;
        f.left_behind += people::is_left_behind(r.left_behind) as u64;
        f.minority += people::is_minority(r.ethnicity) as u64;
        f.disabled += people::is_disabled(r.disability) as u64;
        f.migrant += people::is_compulsory_migrant(r.grade, r.migrant_child) as u64;
        match class_key(r.grade, r.class_name) {
            None => f.unassigned += 1,
            Some((g, c)) => *acc.classes.entry((g.to_string(), c.to_string())).or_insert(0) += 1,
        }
    }

    pub fn teacher(&mut self, r: &TeacherIn<'_>) {
        let Some(acc) = self.schools.get_mut(r.school) else { return };
        let f = &mut acc.facts;
        f.teachers += 1;
        f.full_time += is_full_time(r.full_time) as u64;
        f.full_time_stated |= matches!(r.full_time.trim(), "1" | "0");
        let g = r.gender_index();
        f.gender[g as usize] += 1;
        let degree = Degree::parse(r.education);
        let di = match degree {
            Some(Degree::Secondary) => 0,
            Some(Degree::College) => 1,
            Some(Degree::Bachelor) => 2,
            Some(Degree::Postgraduate) => 3,
            None => 4,
        };
        f.degree[di] += 1;
        f.college_up += degree.is_some_and(|d| d >= Degree::College) as u64;
        f.bachelor_up += bachelor_up(r.education) as u64;
        f.backbone += backbone_counts(r.backbone) as u64;
        f.pe_arts += counts_pe_or_arts(r.subject, r.full_time) as u64;
        *f.titles.entry(r.title.trim().to_string()).or_insert(0) += 1;
        if let Some(ym) = r.birth_ym() {
            *acc.births.entry((g, ym)).or_insert(0) += 1;
        }
    }

    /// The facts of every school given, and their birth buckets.
    pub fn finish(self) -> (Vec<SchoolFacts>, Vec<BirthBucket>) {
        let mut facts = Vec::with_capacity(self.schools.len());
        let mut births = Vec::new();
        for (_, acc) in self.schools {
            let mut f = acc.facts;
            f.classes = acc.classes.len() as u64;
            f.classes_large = acc.classes.values().filter(|&&n| Band::Large.holds(n)).count() as u64;
            f.classes_very_large = acc.classes.values().filter(|&&n| Band::VeryLarge.holds(n)).count() as u64;
            for ((gender, ym), n) in acc.births {
                births.push(BirthBucket { school: f.school.clone(), county: f.county, gender, ym, teachers: n });
            }
            facts.push(f);
        }
        facts.sort_by(|a, b| (a.county, &a.school).cmp(&(b.county, &b.school)));
        births.sort();
        (facts, births)
    }
}

/// A class as the facts count it: (grade, class name trimmed); None for a student without a
/// class name (未编班).
pub fn class_key<'a>(grade: &'a str, class_name: &'a str) -> Option<(&'a str, &'a str)> {
    let c = class_name.trim();
    (!c.is_empty()).then_some((grade, c))
}

/// The class-size bands the screens count (insight::classes): 56–65 and 66 and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Large,
    VeryLarge,
}

impl Band {
    pub fn holds(self, students: u64) -> bool {
        match self {
            Band::Large => insight::classes::LARGE.contains(&students),
            Band::VeryLarge => students >= insight::classes::VERY_LARGE_FROM,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Band::Large => "large",
            Band::VeryLarge => "very_large",
        }
    }
    pub fn from_key(k: &str) -> Option<Band> {
        [Band::Large, Band::VeryLarge].into_iter().find(|b| b.key() == k)
    }
}

/// One class of a size band: the drill-down of the class-size figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassSize {
    pub school: String,
    pub grade: String,
    pub class_name: String,
    pub students: u64,
}

/// The enrolments a class list groups, of schools on the register (as the facts count them):
/// `?1`/`?2` the county range, `?3` one school or ''.
pub fn class_rows_sql(d: Dialect) -> String {
    let range = match d {
        Dialect::Sqlite => "e.county_code BETWEEN ?1 AND ?2",
        // `enrolments.county_code` is an integer there; the bounds are bound as bigint.
        Dialect::Postgres => "e.county_code BETWEEN ?1::bigint AND ?2::bigint",
    };
    d.render(&format!(
        "SELECT e.school_code, e.grade, e.class_name FROM enrolments e JOIN schools sc ON sc.school_code = e.school_code \
         WHERE {range} AND (?3 = '' OR e.school_code = ?3)"
    ))
    .into_owned()
}

/// The arguments of [`class_rows_sql`] for `scope` and a school asked for; None when they find
/// nothing (no scope, or a school other than the scope's own).
pub fn class_args(scope: &Scope, school: Option<&str>) -> Option<(i64, i64, String)> {
    let (lo, hi, own) = scope_args(scope)?;
    match (own.as_str(), school.map(str::trim).filter(|s| !s.is_empty())) {
        ("", None) => Some((lo, hi, String::new())),
        ("", Some(b)) => Some((lo, hi, b.to_string())),
        (a, Some(b)) if a != b => None,
        (a, _) => Some((lo, hi, a.to_string())),
    }
}

/// Counts (school, grade, class name) rows into classes as [`Builder`] does and keeps those
/// of `band`, by school, grade and class.
pub fn classes_of(rows: impl IntoIterator<Item = (String, String, String)>, band: Band) -> Vec<ClassSize> {
    let mut n: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for (school, grade, class) in rows {
        if let Some((g, c)) = class_key(&grade, &class) {
            *n.entry((school, g.to_string(), c.to_string())).or_insert(0) += 1;
        }
    }
    n.into_iter().filter(|(_, k)| band.holds(*k)).map(|((school, grade, class_name), students)| ClassSize { school, grade, class_name, students }).collect()
}

/// Decodes a birth bucket row: school (or ''), county, gender, ym, teachers.
pub fn decode_bucket(r: &dyn SqlRow) -> Result<BirthBucket, StoreError> {
    Ok(BirthBucket { school: r.string(0)?, county: r.i64(1)? as u32, gender: r.i64(2)? as u8, ym: r.i64(3)? as u32, teachers: r.i64(4)? as u64 })
}

/// A county's aggregate for one school year (`county_facts`): its schools' facts summed, kept in
/// the same transaction as the school facts. The province and city screens read these.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CountyFacts {
    pub school_year: u16,
    pub county: u32,
    /// Schools with facts in the county.
    pub schools: u64,
    /// Schools over the size limit (insight::classes::oversized).
    pub oversized: u64,
    /// Teachers attributed to primary, junior and senior: Σ of each school's split
    /// (insight::staffing::school), so students per teacher by stage need no school rows.
    pub stage_teachers: [f64; 3],
    /// The schools' facts summed ([`sum`]): `county` and `school_year` set, `school` empty.
    pub facts: SchoolFacts,
}

impl CountyFacts {
    /// Students per teacher by stage (primary, junior, senior).
    pub fn stage_figures(&self) -> [insight::staffing::StageFigure; 3] {
        let sec = self.facts.sections();
        let mut out = [insight::staffing::StageFigure::default(); 3];
        for st in Stage::ALL {
            out[st as usize] = insight::staffing::StageFigure { students: sec.get(st), teachers: self.stage_teachers[st as usize] };
        }
        out
    }
}

/// The aggregate of one county's school facts for `school_year`.
pub fn aggregate(school_year: u16, county: u32, rows: &[SchoolFacts]) -> CountyFacts {
    let mut facts = sum(rows);
    facts.county = county;
    facts.school_year = school_year;
    let staffing: Vec<_> = rows.iter().map(|f| f.staffing()).collect();
    let by = insight::staffing::by_stage(&staffing);
    CountyFacts {
        school_year,
        county,
        schools: rows.len() as u64,
        oversized: rows.iter().filter(|f| f.oversized() == Some(true)).count() as u64,
        stage_teachers: [by[0].teachers, by[1].teachers, by[2].teachers],
        facts,
    }
}

/// Sums county aggregates (a city, the province) the way [`aggregate`] sums schools.
pub fn sum_counties<'a>(rows: impl IntoIterator<Item = &'a CountyFacts>) -> CountyFacts {
    let rows: Vec<&CountyFacts> = rows.into_iter().collect();
    let mut t = CountyFacts { facts: sum(rows.iter().map(|c| &c.facts)), ..Default::default() };
    for c in &rows {
        t.school_year = t.school_year.max(c.school_year);
        t.schools += c.schools;
        t.oversized += c.oversized;
        for i in 0..3 {
            t.stage_teachers[i] += c.stage_teachers[i];
        }
    }
    t.facts.school_year = t.school_year;
    t
}

/// The columns of `county_facts` after `titles`: the extra figures, then [`INT_COLUMNS`].
/// The attributed teachers are stored in millionths of a teacher (integers on both backends).
const MICRO: f64 = 1_000_000.0;

const COUNTY_EXTRA: [&str; 5] = ["schools", "oversized", "st_primary", "st_junior", "st_senior"];

/// `INSERT INTO county_facts (…) VALUES (…)` in a dialect: titles, [`COUNTY_EXTRA`], then
/// [`INT_COLUMNS`] (which hold school_year and county_code).
pub fn county_insert_sql(d: Dialect) -> String {
    let cols = ["titles"].iter().copied().chain(COUNTY_EXTRA).chain(INT_COLUMNS.iter().copied()).collect::<Vec<_>>();
    let ph = (1..=cols.len()).map(|n| d.placeholder(n)).collect::<Vec<_>>();
    format!("INSERT INTO county_facts ({}) VALUES ({})", cols.join(", "), ph.join(", "))
}

/// The values of [`county_insert_sql`].
pub fn county_args(c: &CountyFacts) -> Vec<crate::sql::Arg> {
    use crate::sql::Arg;
    let mut v = vec![Arg::Text(serde_json::to_string(&c.facts.titles).unwrap_or_else(|_| "{}".into()))];
    v.push(Arg::I64(c.schools as i64));
    v.push(Arg::I64(c.oversized as i64));
    v.extend(c.stage_teachers.iter().map(|&x| Arg::I64((x * MICRO).round() as i64)));
    let mut f = c.facts.clone();
    f.county = c.county;
    f.school_year = c.school_year;
    v.extend(f.ints().into_iter().map(Arg::I64));
    v
}

/// The SELECT of county aggregates inside a county range (`?1`, `?2`), every school year.
pub fn county_select_sql(d: Dialect) -> String {
    d.render(&format!(
        "SELECT titles, {}, {} FROM county_facts WHERE county_code BETWEEN ?1 AND ?2 ORDER BY school_year, county_code",
        COUNTY_EXTRA.join(", "),
        INT_COLUMNS.join(", ")
    ))
    .into_owned()
}

/// Decodes a row of [`county_select_sql`].
pub fn county_decode(r: &dyn SqlRow) -> Result<CountyFacts, StoreError> {
    let mut f = SchoolFacts { titles: serde_json::from_str(&r.string(0)?).unwrap_or_default(), ..Default::default() };
    let base = 1 + COUNTY_EXTRA.len();
    let ints = (0..INT_COLUMNS.len()).map(|i| Ok(r.opt_i64(base + i)?.unwrap_or(0))).collect::<Result<Vec<_>, StoreError>>()?;
    f.set_ints(&ints);
    Ok(CountyFacts {
        school_year: f.school_year,
        county: f.county,
        schools: r.i64(1)?.max(0) as u64,
        oversized: r.i64(2)?.max(0) as u64,
        stage_teachers: [r.i64(3)? as f64 / MICRO, r.i64(4)? as f64 / MICRO, r.i64(5)? as f64 / MICRO],
        facts: f,
    })
}

/// Whether `scope` may keep a county aggregate of `school_year` written from elsewhere (a
/// previous year's figures): the county inside a region scope (a school keeps none), and a year
/// before the current one (the current year's rows are the imports' own).
pub fn may_keep_county(scope: &Scope, c: &CountyFacts, current_year: u16) -> bool {
    matches!(scope, Scope::Region { .. }) && scope.county_range().is_some_and(|(lo, hi)| (lo..=hi).contains(&c.county)) && c.school_year < current_year
}

/// The facts table's storage, on every backend.
pub trait Facts {
    /// The facts of the schools inside `scope`, by county then school code.
    fn school_facts(&mut self, scope: &Scope) -> Result<Vec<SchoolFacts>, StoreError>;
    /// Teachers' birth buckets inside `scope`: per county (`school` empty) or per school.
    fn teacher_births(&mut self, scope: &Scope, per_school: bool) -> Result<Vec<BirthBucket>, StoreError>;
    /// Recomputes the facts of every school inside `scope` from the stored rows, in one
    /// transaction; returns how many schools were written.
    fn refresh_facts(&mut self, scope: &Scope) -> Result<u64, StoreError>;
    /// The county aggregates inside `scope`, every school year kept (by year, then county); a
    /// school's scope sees none.
    fn county_facts(&mut self, scope: &Scope) -> Result<Vec<CountyFacts>, StoreError>;
    /// The teachers' birth buckets per county (`school` empty) of one school year inside `scope`.
    fn county_births(&mut self, scope: &Scope, school_year: u16) -> Result<Vec<BirthBucket>, StoreError>;
    /// Keeps aggregates of past school years written from elsewhere (the demo's previous year),
    /// replacing those of the same (year, county); refuses, writing nothing, a county outside a
    /// region scope or a year not before the current one ([`may_keep_county`]).
    fn keep_county_facts(&mut self, scope: &Scope, rows: &[CountyFacts]) -> Result<u64, StoreError>;
    /// The classes of `band` inside `scope` (and of one `school` when asked): the drill-down of
    /// the class-size figures ([`classes_of`] over [`class_rows_sql`]). It reads the area's
    /// enrolments: callers keep it to a county or a school.
    fn class_sizes(&mut self, scope: &Scope, school: Option<&str>, band: Band) -> Result<Vec<ClassSize>, StoreError>;
}

/// Sums facts (a county, a city, the province). `school`, `name`, `school_type` are left empty.
pub fn sum<'a>(rows: impl IntoIterator<Item = &'a SchoolFacts>) -> SchoolFacts {
    let mut t = SchoolFacts::default();
    let mut ints = vec![0i64; INT_COLUMNS.len()];
    let mut any = false;
    for f in rows {
        any = true;
        for (a, b) in ints.iter_mut().zip(f.ints()) {
            *a += b;
        }
        for (k, v) in &f.titles {
            *t.titles.entry(k.clone()).or_insert(0) += v;
        }
        t.school_year = t.school_year.max(f.school_year);
    }
    if any {
        let titles = std::mem::take(&mut t.titles);
        let sy = t.school_year;
        t.set_ints(&ints);
        t.titles = titles;
        t.school_year = sy;
        t.county = 0;
        t.full_time_stated = ints[INT_COLUMNS.iter().position(|c| *c == "full_time_stated").unwrap()] > 0;
    }
    t
}

/// Adds months to a date (re-exported for the screens' "as of" texts).
pub fn months_later(d: Date, months: u32) -> Date {
    add_months(d, months)
}
