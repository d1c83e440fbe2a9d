//! 数据质量 — quality per provider (issue 14, governance) and the collection calendar.
//!
//! A **provider** is a county (the county officer who uploads for it) and each of its schools.
//! One refresh pass ([`Quality::refresh_quality`]) counts, for every provider, the raw figures of
//! five dimensions and keeps them as one snapshot row per provider and day
//! (`quality_snapshots`), so trends show; scores are computed from the kept counts at read time
//! ([`Counts::scores`]), with the formulas stated there and in docs/quality.md.
//!
//! The pass reads what is cheap: the per-school facts kept at import (`store::facts`: students,
//! teachers, unassigned, age–grade anomalies, 66+ classes, the newest batch carrying the school's
//! records), an indexed aggregate (students whose school is missing), the groups of duplicated
//! 学籍号 and teacher ID numbers (an index on each), and the rejected rows of the year's batches.
//! Backends feed a [`Builder`] and write what it returns.
//!
//! The collection calendar: rounds (a name, an entity, the day it opens, the due day, the region
//! whose counties must submit); each county's status is computed from the batches that carry
//! records of the county ([`RoundStatus`]); reminders for missing counties go out through the
//! webhooks at most once per county and day (`collection_reminders`).

use crate::sql::{Arg, Dialect, SqlRow};
use crate::{Scope, StoreError};
use serde::Serialize;
use standard::{Date, Entity};
use std::collections::{BTreeMap, HashMap};

/// The weights of the overall score (per cent): completeness, validity, timeliness,
/// consistency, uniqueness.
pub const WEIGHTS: [u32; 5] = [20, 25, 15, 25, 15];

/// A provider is "on time" while its newest accepted batch is at most this many days old (the
/// monthly changes round of the calendar); its timeliness falls to 0 over the next [`STALE_SPAN`].
pub const FRESH_DAYS: i64 = 31;
pub const STALE_SPAN: i64 = 60;

/// The validity score counts the rejected rows of batches finished in the last this many days.
pub const VALIDITY_DAYS: i64 = 365;

/// The day in China Standard Time of a stored RFC 3339 UTC time (`2026-09-01T17:00:00Z` is
/// 2 September); None when it does not read.
pub fn cst_day(t: &str) -> Option<Date> {
    let d = Date::parse_iso(t.get(..10)?)?;
    let h: i64 = t.get(11..13)?.parse().ok()?;
    Some(if h + 8 >= 24 { Date::from_days_since_epoch(d.days_since_epoch() + 1) } else { d })
}

/// The UTC instant (as stored) at which `day` begins in China Standard Time.
pub fn cst_start(day: Date) -> String {
    format!("{}T16:00:00", Date::from_days_since_epoch(day.days_since_epoch() - 1))
}

/// The raw counts of one provider on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub students: u64,
    pub teachers: u64,
    /// Completeness: template cells checked (grade and class of each student, gender and
    /// education of each teacher) and those filled in.
    pub cells: u64,
    pub filled: u64,
    /// Validity: rejected rows naming the provider's schools in the year's batches, by rule code.
    pub rejected: u64,
    pub rules: BTreeMap<String, u64>,
    /// Timeliness: the day ([`cst_day`] of `finished_at`) of the newest batch carrying the
    /// provider's records; '' for none.
    pub last_update: String,
    /// Consistency: students naming a school not on the register (county rows only: such a
    /// student is placed by its 行政区划), age–grade anomalies, classes and 66+ classes.
    pub missing_school: u64,
    pub too_young: u64,
    pub too_old: u64,
    pub classes: u64,
    pub classes_very_large: u64,
    /// Uniqueness: student records sharing a 学籍号 with another key, teacher records sharing an
    /// ID number with another key (each group's first record by key is not counted).
    pub dup_students: u64,
    pub dup_teachers: u64,
}

/// Scores 0–100 (one decimal kept), the overall one weighted by [`WEIGHTS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    pub completeness: f64,
    pub validity: f64,
    pub timeliness: f64,
    pub consistency: f64,
    pub uniqueness: f64,
    pub overall: f64,
}

impl Scores {
    pub fn get(&self, i: usize) -> f64 {
        [self.completeness, self.validity, self.timeliness, self.consistency, self.uniqueness, self.overall][i]
    }
}

fn share(bad: u64, of: u64) -> f64 {
    if of == 0 {
        return 100.0;
    }
    (100.0 * (1.0 - bad as f64 / of as f64)).clamp(0.0, 100.0)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Counts {
    /// Days from the last update to `day`; None without one.
    pub fn days_since(&self, day: Date) -> Option<i64> {
        Date::parse_iso(&self.last_update).map(|d| (day.days_since_epoch() - d.days_since_epoch()).max(0))
    }

    /// The scores on `day`:
    /// - completeness = 100 × filled ÷ cells;
    /// - validity = 100 × (1 − rejected ÷ (students + teachers + rejected));
    /// - timeliness = 100 up to [`FRESH_DAYS`] since the last update, then falling linearly to 0
    ///   at [`FRESH_DAYS`] + [`STALE_SPAN`]; 0 with no update;
    /// - consistency = 100 × (1 − (missing school + too young + too old + 66+ classes) ÷
    ///   (students + missing school + classes));
    /// - uniqueness = 100 × (1 − (duplicate students + duplicate teachers) ÷ (students + teachers));
    /// - overall = Σ score × weight ÷ 100.
    ///
    /// A provider with nothing to judge in a dimension scores 100 in it.
    pub fn scores(&self, day: Date) -> Scores {
        let people = self.students + self.teachers;
        let completeness = if self.cells == 0 { 100.0 } else { 100.0 * self.filled as f64 / self.cells as f64 };
        let validity = share(self.rejected, people + self.rejected);
        let timeliness = match self.days_since(day) {
            None => 0.0,
            Some(d) if d <= FRESH_DAYS => 100.0,
            Some(d) => (100.0 * (FRESH_DAYS + STALE_SPAN - d) as f64 / STALE_SPAN as f64).clamp(0.0, 100.0),
        };
        let issues = self.missing_school + self.too_young + self.too_old + self.classes_very_large;
        let consistency = share(issues, self.students + self.missing_school + self.classes);
        let uniqueness = share(self.dup_students + self.dup_teachers, people);
        let v = [completeness, validity, timeliness, consistency, uniqueness];
        let overall = v.iter().zip(WEIGHTS).map(|(s, w)| s * w as f64).sum::<f64>() / 100.0;
        Scores {
            completeness: round1(completeness),
            validity: round1(validity),
            timeliness: round1(timeliness),
            consistency: round1(consistency),
            uniqueness: round1(uniqueness),
            overall: round1(overall),
        }
    }

    fn add(&mut self, o: &Counts) {
        self.students += o.students;
        self.teachers += o.teachers;
        self.cells += o.cells;
        self.filled += o.filled;
        self.rejected += o.rejected;
        for (k, v) in &o.rules {
            *self.rules.entry(k.clone()).or_insert(0) += v;
        }
        if o.last_update > self.last_update {
            self.last_update = o.last_update.clone();
        }
        self.missing_school += o.missing_school;
        self.too_young += o.too_young;
        self.too_old += o.too_old;
        self.classes += o.classes;
        self.classes_very_large += o.classes_very_large;
        self.dup_students += o.dup_students;
        self.dup_teachers += o.dup_teachers;
    }
}

/// One provider's row of a snapshot: a county (`school` empty) or a school.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProviderQuality {
    /// The snapshot's day (YYYY-MM-DD).
    pub day: String,
    pub county: u32,
    pub school: String,
    pub name: String,
    pub counts: Counts,
}

impl ProviderQuality {
    pub fn is_county(&self) -> bool {
        self.school.is_empty()
    }
    pub fn scores(&self) -> Scores {
        self.counts.scores(Date::parse_iso(&self.day).unwrap_or_else(Date::today))
    }
}

/// The integer columns of `quality_snapshots` after day, county_code, school_code, name, rules,
/// last_update.
pub const COUNT_COLUMNS: [&str; 13] = [
    "students", "teachers", "cells", "filled", "rejected", "missing_school", "too_young", "too_old", "classes",
    "classes_very_large", "dup_students", "dup_teachers", "read_rows",
];

/// `INSERT INTO quality_snapshots (…)` in a dialect.
pub fn insert_sql(d: Dialect) -> String {
    let cols: Vec<&str> = ["day", "county_code", "school_code", "name", "rules", "last_update"].into_iter().chain(COUNT_COLUMNS).collect();
    let ph: Vec<String> = (1..=cols.len()).map(|n| d.placeholder(n)).collect();
    format!("INSERT INTO quality_snapshots ({}) VALUES ({})", cols.join(", "), ph.join(", "))
}

/// The values of [`insert_sql`] (county codes as PostgreSQL `integer`).
pub fn insert_args(p: &ProviderQuality) -> Vec<Arg> {
    let c = &p.counts;
    let mut v = vec![
        Arg::Text(p.day.clone()),
        Arg::I32(p.county as i32),
        Arg::Text(p.school.clone()),
        Arg::Text(p.name.clone()),
        Arg::Text(serde_json::to_string(&c.rules).unwrap_or_else(|_| "{}".into())),
        Arg::Text(c.last_update.clone()),
    ];
    let read = c.students + c.teachers + c.rejected;
    for n in [c.students, c.teachers, c.cells, c.filled, c.rejected, c.missing_school, c.too_young, c.too_old, c.classes, c.classes_very_large, c.dup_students, c.dup_teachers, read] {
        v.push(Arg::I64(n as i64));
    }
    v
}

const SELECT: &str = "SELECT day, county_code, school_code, name, rules, last_update";

fn select_cols() -> String {
    format!("{SELECT}, {} FROM quality_snapshots", COUNT_COLUMNS.join(", "))
}

/// Decodes a row of the snapshot SELECTs.
pub fn decode(r: &dyn SqlRow) -> Result<ProviderQuality, StoreError> {
    let n = |i: usize| -> Result<u64, StoreError> { Ok(r.i64(6 + i)?.max(0) as u64) };
    Ok(ProviderQuality {
        day: r.string(0)?,
        county: r.i64(1)? as u32,
        school: r.string(2)?,
        name: r.string(3)?,
        counts: Counts {
            rules: serde_json::from_str(&r.string(4)?).unwrap_or_default(),
            last_update: r.string(5)?,
            students: n(0)?,
            teachers: n(1)?,
            cells: n(2)?,
            filled: n(3)?,
            rejected: n(4)?,
            missing_school: n(5)?,
            too_young: n(6)?,
            too_old: n(7)?,
            classes: n(8)?,
            classes_very_large: n(9)?,
            dup_students: n(10)?,
            dup_teachers: n(11)?,
        },
    })
}

/// The rows of the newest snapshot inside `scope` (a county scope: its row and its schools'; a
/// school's: its own row), counties first then schools by code. None for a scope that sees nothing.
pub fn latest_sql(d: Dialect, scope: &Scope) -> Option<(String, Vec<Arg>)> {
    let (lo, hi) = scope.county_range()?;
    let school = scope.school().unwrap_or("").to_string();
    let sql = format!(
        "{} WHERE day = (SELECT MAX(day) FROM quality_snapshots) AND county_code BETWEEN ?1 AND ?2 \
         AND (?3 = '' OR school_code = ?3) ORDER BY CASE WHEN school_code = '' THEN 0 ELSE 1 END, county_code, school_code",
        select_cols()
    );
    Some((d.render(&sql).into_owned(), vec![Arg::I32(lo as i32), Arg::I32(hi as i32), Arg::Text(school)]))
}

/// Every snapshot of one provider (oldest first), if `scope` covers it.
pub fn trend_sql(d: Dialect, scope: &Scope, county: u32, school: &str) -> Option<(String, Vec<Arg>)> {
    let covered = if school.is_empty() { scope.school().is_none() && scope.covers_county(county) } else { scope.covers_school(school, county) };
    if !covered {
        return None;
    }
    let sql = format!("{} WHERE county_code = ?1 AND school_code = ?2 ORDER BY day", select_cols());
    Some((d.render(&sql).into_owned(), vec![Arg::I32(county as i32), Arg::Text(school.to_string())]))
}

/// Counts one refresh's rows from what the backend reads. Schools are given by their facts;
/// everything else by school code (unknown codes are ignored) or by county.
pub struct Builder {
    day: Date,
    since: String,
    schools: HashMap<String, ProviderQuality>,
    counties: BTreeMap<u32, ProviderQuality>,
    batch_days: HashMap<i64, String>,
}

impl Builder {
    pub fn new(day: Date) -> Builder {
        let since = cst_start(Date::from_days_since_epoch(day.days_since_epoch() - VALIDITY_DAYS));
        Builder { day, since, schools: HashMap::new(), counties: BTreeMap::new(), batch_days: HashMap::new() }
    }

    /// The first day whose batches' rejected rows count (YYYY-MM-DD): the backend selects
    /// batches with `finished_at >= since()`.
    pub fn since(&self) -> &str {
        &self.since
    }

    pub fn county(&mut self, code: u32, name: &str) {
        let day = self.day.to_string();
        self.counties.entry(code).or_insert_with(|| ProviderQuality { day, county: code, name: name.to_string(), ..Default::default() });
    }

    /// A school by its facts; its last update is the day of its newest batch
    /// ([`crate::facts::SchoolFacts::last_batch`]): give the batches first ([`Builder::batch`]).
    pub fn school(&mut self, f: &crate::facts::SchoolFacts) {
        let c = Counts {
            last_update: self.batch_days.get(&f.last_batch).cloned().unwrap_or_default(),
            students: f.students,
            teachers: f.teachers,
            cells: 2 * (f.students + f.teachers),
            filled: f.by_grade.iter().sum::<u64>() + (f.students - f.unassigned.min(f.students)) + (f.teachers - f.gender[2].min(f.teachers)) + (f.teachers - f.degree[4].min(f.teachers)),
            too_young: f.too_young,
            too_old: f.too_old,
            classes: f.classes,
            classes_very_large: f.classes_very_large,
            ..Default::default()
        };
        self.schools.insert(f.school.clone(), ProviderQuality { day: self.day.to_string(), county: f.county, school: f.school.clone(), name: f.name.clone(), counts: c });
    }

    /// Students naming a school not on the register, by the county their 行政区划 names.
    pub fn missing_school(&mut self, county: u32, n: u64) {
        if let Some(c) = self.counties.get_mut(&county) {
            c.counts.missing_school += n;
        }
    }

    pub fn dup_student(&mut self, school: &str) {
        if let Some(s) = self.schools.get_mut(school) {
            s.counts.dup_students += 1;
        }
    }

    pub fn dup_teacher(&mut self, school: &str) {
        if let Some(s) = self.schools.get_mut(school) {
            s.counts.dup_teachers += 1;
        }
    }

    /// A committed batch's finishing time (RFC 3339).
    pub fn batch(&mut self, id: i64, finished_at: &str) {
        self.batch_days.insert(id, cst_day(finished_at).map(|d| d.to_string()).unwrap_or_default());
    }

    /// A rejected row of the period: counted for the first known school code among its values.
    pub fn rejected(&mut self, raw: &[String], codes: &str) {
        let Some(code) = raw.iter().map(|v| v.trim()).find(|v| self.schools.contains_key(*v)) else { return };
        let Some(s) = self.schools.get_mut(code) else { return };
        s.counts.rejected += 1;
        for c in codes.split(';').filter(|c| !c.is_empty()) {
            *s.counts.rules.entry(c.to_string()).or_insert(0) += 1;
        }
    }

    /// The rows: every county (its schools summed, plus its missing-school students) and every
    /// school, counties first.
    pub fn finish(mut self) -> Vec<ProviderQuality> {
        let mut schools: Vec<ProviderQuality> = self.schools.into_values().collect();
        schools.sort_by(|a, b| (a.county, &a.school).cmp(&(b.county, &b.school)));
        let day = self.day.to_string();
        for s in &schools {
            let c = self.counties.entry(s.county).or_insert_with(|| ProviderQuality { day: day.clone(), county: s.county, name: s.county.to_string(), ..Default::default() });
            c.counts.add(&s.counts);
        }
        let mut out: Vec<ProviderQuality> = self.counties.into_values().filter(|c| c.counts != Counts::default()).collect();
        out.extend(schools);
        out
    }
}

/// What a number's drill-down lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Offence {
    /// Students naming a school not on the register.
    MissingSchool,
    /// Student records sharing a 学籍号 with an earlier key.
    DupStudents,
    /// Teacher records sharing an ID number with an earlier key.
    DupTeachers,
    /// Rejected rows of the period.
    Rejected,
}

impl Offence {
    pub const ALL: [Offence; 4] = [Offence::MissingSchool, Offence::DupStudents, Offence::DupTeachers, Offence::Rejected];
    pub fn key(self) -> &'static str {
        match self {
            Offence::MissingSchool => "missing_school",
            Offence::DupStudents => "dup_students",
            Offence::DupTeachers => "dup_teachers",
            Offence::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Offence> {
        Offence::ALL.into_iter().find(|o| o.key() == s)
    }
}

/// One record behind a number: the stored values unmasked (the web masks them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offender {
    /// The record key (a student's or teacher's), or `batch/line` for a rejected row.
    pub key: String,
    pub name: String,
    /// The school the record names.
    pub school: String,
    /// The other key of a duplicate, the missing school's code, or a rejected row's codes.
    pub detail: String,
}

/// The most offenders a drill-down lists.
pub const MAX_OFFENDERS: usize = 500;

/// Keeps, from rows `(key, group, school, name)` ordered by group then key, every row but each
/// group's first (the duplicates), with the first key as the detail.
pub fn duplicates(rows: Vec<(String, String, String, String)>) -> Vec<Offender> {
    let mut out = Vec::new();
    let mut first: Option<(String, String)> = None;
    for (key, group, school, name) in rows {
        match &first {
            Some((g, k)) if *g == group => out.push(Offender { key, name, school, detail: k.clone() }),
            _ => first = Some((group, key)),
        }
    }
    out
}

/// The duplicated teachers' rows `(key, id_number, school, name)`, ordered for [`duplicates`].
pub const DUP_TEACHERS_SQL: &str = "SELECT record_key, id_number, school_code, name FROM teachers WHERE id_number IN \
    (SELECT id_number FROM teachers WHERE id_number <> '' GROUP BY id_number HAVING COUNT(*) > 1) ORDER BY id_number, record_key";

/// Whether `scope` covers a record at `school` (county `county`).
pub fn covers(scope: &Scope, school: &str, county: Option<u32>) -> bool {
    match county {
        Some(c) => scope.covers_school(school, c),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The collection calendar.

/// A collection round to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRound {
    /// e.g. 2026年秋季学期开学普查.
    pub name: String,
    pub entity: Entity,
    pub opens_on: Date,
    pub due_on: Date,
    /// The province, city or county code whose counties must submit.
    pub region: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub new: NewRound,
    pub created_by: String,
}

/// A county's status in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A batch carrying the county's records finished between the opening and the due day.
    Submitted,
    /// The first such batch finished after the due day.
    Late,
    /// None yet, the due day passed.
    Missing,
    /// None yet, not due.
    Open,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Late => "late",
            Status::Missing => "missing",
            Status::Open => "open",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Status::Submitted => "已报送",
            Status::Late => "逾期报送",
            Status::Missing => "未报送",
            Status::Open => "待报送",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Late => "late",
            Status::Missing => "missing",
            Status::Open => "not yet due",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundStatus {
    pub county: u32,
    pub name: String,
    pub status: Status,
    /// The day ([`cst_day`]) of the first batch after the opening; '' for none.
    pub submitted_on: String,
}

/// A county's status from its first batch's finishing day after the opening.
pub fn status_of(first: Option<&str>, due_on: Date, today: Date) -> Status {
    match first.and_then(cst_day) {
        Some(d) if d <= due_on => Status::Submitted,
        Some(_) => Status::Late,
        None if today > due_on => Status::Missing,
        None => Status::Open,
    }
}

/// A round's rule check: a name, the due day not before the opening, a known region.
pub fn check_round(r: &NewRound) -> Result<(), StoreError> {
    if r.name.trim().is_empty() || r.name.chars().count() > 100 {
        return Err(StoreError::Conflict("轮次名称必填，不超过 100 字（a round needs a name of at most 100 characters）".into()));
    }
    if r.due_on < r.opens_on {
        return Err(StoreError::Conflict("截止日期不能早于开始日期（the due day cannot be before the opening day）".into()));
    }
    if !matches!(r.entity, Entity::School | Entity::Teacher | Entity::Student) {
        return Err(StoreError::Conflict("只能征集学校、教师或学生数据（a round collects schools, teachers or students）".into()));
    }
    Ok(())
}

/// The SQL of the first batch of `entity` finished on or after ?2 ([`cst_start`]) that carries a
/// record of county ?1 ([`first_batch_args`]: the enrolments' integer county for students, the
/// schools' text region otherwise).
pub fn first_batch_sql(d: Dialect, entity: Entity) -> String {
    let carries = match entity {
        Entity::Student => "EXISTS (SELECT 1 FROM enrolments e WHERE e.county_code = ?1 AND e.batch_id = b.id)",
        Entity::Teacher => "EXISTS (SELECT 1 FROM teachers t JOIN schools sc ON sc.school_code = t.school_code WHERE t.batch_id = b.id AND sc.region_code = ?1)",
        _ => "EXISTS (SELECT 1 FROM schools sc WHERE sc.batch_id = b.id AND sc.region_code = ?1)",
    };
    let sql = format!(
        "SELECT MIN(b.finished_at) FROM batches b WHERE b.entity = ?3 AND b.finished_at IS NOT NULL AND b.finished_at >= ?2 AND {carries}"
    );
    d.render(&sql).into_owned()
}

/// The arguments of [`first_batch_sql`].
pub fn first_batch_args(county: u32, opens_on: Date, entity: Entity) -> Vec<Arg> {
    let c = if entity == Entity::Student { Arg::I32(county as i32) } else { Arg::Text(county.to_string()) };
    vec![c, Arg::Text(cst_start(opens_on)), Arg::Text(entity.key().to_string())]
}

/// Whether `scope` reads county `c`'s status in a round: a region covering it, or a school in it
/// (a school sees its county's status).
pub fn sees_county(scope: &Scope, c: u32) -> bool {
    scope.covers_county(c) || matches!(scope, Scope::School { county, .. } if *county == c)
}

/// The counties of a round's region that `scope` reads.
pub fn round_counties(scope: &Scope, region: u32, counties: Vec<(u32, String)>) -> Vec<(u32, String)> {
    let (lo, hi) = crate::region_range(region);
    counties.into_iter().filter(|(c, _)| (lo..=hi).contains(c) && sees_county(scope, *c)).collect()
}

/// The quality and calendar storage, on every backend.
pub trait Quality {
    /// Recounts every provider and keeps the counts as the snapshot of `day` (replacing one
    /// kept earlier that day). Province-wide: any other scope is refused. Returns the rows kept.
    fn refresh_quality(&mut self, scope: &Scope, day: Date) -> Result<u64, StoreError>;
    /// The newest snapshot's rows inside `scope` (counties first, then schools).
    fn quality(&mut self, scope: &Scope) -> Result<Vec<ProviderQuality>, StoreError>;
    /// One provider's snapshots, oldest first; `OutOfScope` when `scope` does not cover it.
    fn quality_trend(&mut self, scope: &Scope, county: u32, school: &str) -> Result<Vec<ProviderQuality>, StoreError>;
    /// The records behind a number of one provider (a county: `school` empty), now, at most
    /// [`MAX_OFFENDERS`]; `OutOfScope` when `scope` does not cover the provider.
    fn offenders(&mut self, scope: &Scope, offence: Offence, county: u32, school: &str) -> Result<Vec<Offender>, StoreError>;

    /// Creates a round (province-wide scope only); returns its id.
    fn create_round(&mut self, scope: &Scope, r: &NewRound, by: &str) -> Result<i64, StoreError>;
    /// The rounds whose region overlaps `scope`, newest due day first.
    fn rounds(&mut self, scope: &Scope) -> Result<Vec<Round>, StoreError>;
    /// A round's counties inside `scope` with their status on `today`; `OutOfScope` when the round
    /// is unknown or has no county inside `scope`.
    fn round_status(&mut self, scope: &Scope, id: i64, today: Date) -> Result<(Round, Vec<RoundStatus>), StoreError>;
    /// Records a reminder to county `county` about round `id` on `day`; false when one was
    /// recorded that day already (at most one per county, round and day). Province-wide scope.
    fn record_round_reminder(&mut self, scope: &Scope, id: i64, county: u32, day: Date) -> Result<bool, StoreError>;
}

/// The reminders due on `today`: for each round past its due day (or due within 3 days), each
/// county still missing or open, not yet reminded today. Recorded as it goes: call only when
/// sending. Returns (round, county status) pairs.
pub fn due_reminders<S: Quality + ?Sized>(s: &mut S, today: Date) -> Result<Vec<(Round, RoundStatus)>, StoreError> {
    let all = Scope::all();
    let mut out = Vec::new();
    for r in s.rounds(&all)? {
        let soon = r.new.due_on.days_since_epoch() - today.days_since_epoch() <= 3;
        if !soon || today < r.new.opens_on {
            continue;
        }
        let (round, st) = s.round_status(&all, r.id, today)?;
        for c in st.into_iter().filter(|c| matches!(c.status, Status::Missing | Status::Open)) {
            if s.record_round_reminder(&all, r.id, c.county, today)? {
                out.push((round.clone(), c));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The queries, written once: each backend gives a [`Runner`] over its connection.

/// A backend's connection as the quality code runs SQL on it (placeholders `?N` rendered in
/// the runner's dialect by the caller).
pub trait Runner {
    fn dialect(&self) -> Dialect;
    /// Runs a query, handing each row to `f`.
    fn each(&mut self, sql: &str, args: Vec<Arg>, f: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    /// Runs a statement; returns the rows changed.
    fn exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
}

/// How students join their enrolment: by rowid on SQLite, by key on PostgreSQL.
fn enrol_join(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => "e.student_id = s.id",
        Dialect::Postgres => "e.record_key = s.record_key",
    }
}

fn dup_students_sql(d: Dialect) -> String {
    format!(
        "SELECT s.record_key, s.student_id, COALESCE(e.school_code, ''), s.name FROM students s LEFT JOIN enrolments e ON {} \
         WHERE s.student_id IN (SELECT student_id FROM students WHERE student_id <> '' GROUP BY student_id HAVING COUNT(*) > 1) \
         ORDER BY s.student_id, s.record_key",
        enrol_join(d)
    )
}

fn rows4(r: &mut dyn Runner, sql: &str) -> Result<Vec<(String, String, String, String)>, StoreError> {
    let mut out = Vec::new();
    r.each(sql, Vec::new(), &mut |row| {
        out.push((row.string(0)?, row.string(1)?, row.string(2)?, row.string(3)?));
        Ok(())
    })?;
    Ok(out)
}

fn rejected_rows_since(r: &mut dyn Runner, since: &str, f: &mut dyn FnMut(i64, i64, Vec<String>, String)) -> Result<(), StoreError> {
    let sql = r.dialect().render(
        "SELECT r.batch_id, r.line, r.raw_json, r.codes FROM rejected_rows r JOIN batches b ON b.id = r.batch_id \
         WHERE b.finished_at IS NOT NULL AND b.finished_at >= ?1 ORDER BY r.batch_id, r.line",
    )
    .into_owned();
    r.each(&sql, vec![Arg::Text(since.to_string())], &mut |row| {
        let raw: Vec<String> = serde_json::from_str(&row.string(2)?).unwrap_or_default();
        f(row.i64(0)?, row.i64(1)?, raw, row.string(3)?);
        Ok(())
    })
}

/// The refresh pass over `facts` (every school's, current), returning the rows of `day`'s
/// snapshot. Reads only; [`write_snapshot`] keeps them.
pub fn count(r: &mut dyn Runner, facts: &[crate::facts::SchoolFacts], day: Date) -> Result<Vec<ProviderQuality>, StoreError> {
    let d = r.dialect();
    let mut b = Builder::new(day);
    r.each("SELECT code, name FROM org_units WHERE level = 'county'", Vec::new(), &mut |row| {
        b.county(row.i64(0)? as u32, &row.string(1)?);
        Ok(())
    })?;
    // The batches' days first: a school's facts name its newest batch.
    r.each("SELECT id, finished_at FROM batches WHERE finished_at IS NOT NULL", Vec::new(), &mut |row| {
        b.batch(row.i64(0)?, &row.string(1)?);
        Ok(())
    })?;
    for f in facts {
        b.school(f);
    }
    let sql = format!(
        "SELECT s.region_code, COUNT(*) FROM enrolments e JOIN students s ON {} WHERE e.county_code IS NULL GROUP BY s.region_code",
        enrol_join(d)
    );
    r.each(&sql, Vec::new(), &mut |row| {
        if let Ok(c) = row.string(0)?.trim().parse::<u32>() {
            b.missing_school(c, row.i64(1)?.max(0) as u64);
        }
        Ok(())
    })?;
    for o in duplicates(rows4(r, &dup_students_sql(d))?) {
        b.dup_student(&o.school);
    }
    for o in duplicates(rows4(r, DUP_TEACHERS_SQL)?) {
        b.dup_teacher(&o.school);
    }
    let since = b.since().to_string();
    rejected_rows_since(r, &since, &mut |_, _, raw, codes| b.rejected(&raw, &codes))?;
    Ok(b.finish())
}

/// Keeps `rows` as the snapshot of `day`, replacing one kept earlier that day, in one
/// transaction.
pub fn write_snapshot(r: &mut dyn Runner, day: Date, rows: &[ProviderQuality]) -> Result<u64, StoreError> {
    let d = r.dialect();
    r.exec("BEGIN", Vec::new())?;
    let run = (|| {
        r.exec(&d.render("DELETE FROM quality_snapshots WHERE day = ?1"), vec![Arg::Text(day.to_string())])?;
        let ins = insert_sql(d);
        for p in rows {
            r.exec(&ins, insert_args(p))?;
        }
        Ok::<_, StoreError>(rows.len() as u64)
    })();
    match run {
        Ok(n) => {
            r.exec("COMMIT", Vec::new())?;
            Ok(n)
        }
        Err(e) => {
            let _ = r.exec("ROLLBACK", Vec::new());
            Err(e)
        }
    }
}

/// The newest snapshot inside `scope`.
pub fn read_latest(r: &mut dyn Runner, scope: &Scope) -> Result<Vec<ProviderQuality>, StoreError> {
    let Some((sql, args)) = latest_sql(r.dialect(), scope) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    r.each(&sql, args, &mut |row| {
        out.push(decode(row)?);
        Ok(())
    })?;
    Ok(out)
}

/// One provider's snapshots.
pub fn read_trend(r: &mut dyn Runner, scope: &Scope, county: u32, school: &str) -> Result<Vec<ProviderQuality>, StoreError> {
    let Some((sql, args)) = trend_sql(r.dialect(), scope, county, school) else { return Err(StoreError::OutOfScope) };
    let mut out = Vec::new();
    r.each(&sql, args, &mut |row| {
        out.push(decode(row)?);
        Ok(())
    })?;
    Ok(out)
}

/// The schools of `county` (or only `school`) as the register has them: code → name.
fn schools_of(r: &mut dyn Runner, county: u32, school: &str) -> Result<HashMap<String, String>, StoreError> {
    let sql = r.dialect().render("SELECT school_code, name FROM schools WHERE region_code = ?1 AND (?2 = '' OR school_code = ?2)").into_owned();
    let mut out = HashMap::new();
    r.each(&sql, vec![Arg::Text(county.to_string()), Arg::Text(school.to_string())], &mut |row| {
        out.insert(row.string(0)?, row.string(1)?);
        Ok(())
    })?;
    Ok(out)
}

/// The records behind a number of one provider, now (see [`Quality::offenders`]).
pub fn read_offenders(r: &mut dyn Runner, scope: &Scope, offence: Offence, county: u32, school: &str) -> Result<Vec<Offender>, StoreError> {
    let covered = if school.is_empty() { scope.school().is_none() && scope.covers_county(county) } else { scope.covers_school(school, county) };
    if !covered {
        return Err(StoreError::OutOfScope);
    }
    let d = r.dialect();
    let schools = schools_of(r, county, school)?;
    if !school.is_empty() && schools.is_empty() {
        return Err(StoreError::OutOfScope);
    }
    let mut out = match offence {
        Offence::MissingSchool if school.is_empty() => {
            let sql = d.render(&format!(
                "SELECT s.record_key, s.name, e.school_code FROM enrolments e JOIN students s ON {} \
                 WHERE e.county_code IS NULL AND s.region_code = ?1 ORDER BY s.record_key LIMIT {}",
                enrol_join(d),
                MAX_OFFENDERS
            ))
            .into_owned();
            let mut v = Vec::new();
            r.each(&sql, vec![Arg::Text(county.to_string())], &mut |row| {
                let named = row.string(2)?;
                v.push(Offender { key: row.string(0)?, name: row.string(1)?, school: String::new(), detail: named });
                Ok(())
            })?;
            v
        }
        Offence::MissingSchool => Vec::new(),
        Offence::DupStudents => duplicates(rows4(r, &dup_students_sql(d))?).into_iter().filter(|o| schools.contains_key(&o.school)).collect(),
        Offence::DupTeachers => duplicates(rows4(r, DUP_TEACHERS_SQL)?).into_iter().filter(|o| schools.contains_key(&o.school)).collect(),
        Offence::Rejected => {
            // The same attribution as the refresh: the first value naming a school of the
            // register; only this provider's schools are looked for, so others' rows stay unseen.
            let since = cst_start(Date::from_days_since_epoch(Date::today().days_since_epoch() - VALIDITY_DAYS));
            let mut all_schools = HashMap::new();
            r.each("SELECT school_code FROM schools", Vec::new(), &mut |row| {
                all_schools.insert(row.string(0)?, ());
                Ok(())
            })?;
            let mut v = Vec::new();
            rejected_rows_since(r, &since, &mut |batch, line, raw, codes| {
                if let Some(code) = raw.iter().map(|x| x.trim()).find(|x| all_schools.contains_key(*x)) {
                    if schools.contains_key(code) && v.len() < MAX_OFFENDERS {
                        v.push(Offender { key: format!("{batch}/{line}"), name: String::new(), school: code.to_string(), detail: codes.replace(';', " ") });
                    }
                }
            })?;
            v
        }
    };
    out.truncate(MAX_OFFENDERS);
    Ok(out)
}

// The calendar's queries.

const ROUND_COLS: &str = "SELECT id, name, entity, opens_on, due_on, region, created_by FROM collection_rounds";

fn decode_round(row: &dyn SqlRow) -> Result<Round, StoreError> {
    let date = |s: String| Date::parse_iso(&s).ok_or_else(|| StoreError::Internal(format!("a round's day {s}")));
    let entity = Entity::parse(&row.string(2)?).ok_or_else(|| StoreError::Internal("a round's entity".into()))?;
    Ok(Round {
        id: row.i64(0)?,
        new: NewRound { name: row.string(1)?, entity, opens_on: date(row.string(3)?)?, due_on: date(row.string(4)?)?, region: row.i64(5)? as u32 },
        created_by: row.string(6)?,
    })
}

/// Whether a round of `region` has a county inside `scope`.
fn round_visible(scope: &Scope, region: u32) -> bool {
    let (lo, hi) = crate::region_range(region);
    match scope {
        Scope::Region { lo: a, hi: b } => lo <= *b && *a <= hi,
        Scope::School { county, .. } => (lo..=hi).contains(county),
        Scope::Nothing => false,
    }
}

pub fn create_round(r: &mut dyn Runner, scope: &Scope, n: &NewRound, by: &str) -> Result<i64, StoreError> {
    if !scope.is_province_wide() {
        return Err(StoreError::OutOfScope);
    }
    check_round(n)?;
    let sql = r.dialect().render(
        "INSERT INTO collection_rounds (name, entity, opens_on, due_on, region, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    )
    .into_owned();
    let mut id = 0;
    r.each(
        &sql,
        vec![
            Arg::Text(n.name.trim().to_string()),
            Arg::Text(n.entity.key().to_string()),
            Arg::Text(n.opens_on.to_string()),
            Arg::Text(n.due_on.to_string()),
            Arg::I32(n.region as i32),
            Arg::Text(by.to_string()),
            Arg::Text(crate::time::now_rfc3339()),
        ],
        &mut |row| {
            id = row.i64(0)?;
            Ok(())
        },
    )?;
    Ok(id)
}

pub fn read_rounds(r: &mut dyn Runner, scope: &Scope) -> Result<Vec<Round>, StoreError> {
    let mut out = Vec::new();
    r.each(&format!("{ROUND_COLS} ORDER BY due_on DESC, id DESC"), Vec::new(), &mut |row| {
        let round = decode_round(row)?;
        if round_visible(scope, round.new.region) {
            out.push(round);
        }
        Ok(())
    })?;
    Ok(out)
}

pub fn read_round_status(r: &mut dyn Runner, scope: &Scope, id: i64, today: Date) -> Result<(Round, Vec<RoundStatus>), StoreError> {
    let d = r.dialect();
    let mut round = None;
    r.each(&d.render(&format!("{ROUND_COLS} WHERE id = ?1")), vec![Arg::I64(id)], &mut |row| {
        round = Some(decode_round(row)?);
        Ok(())
    })?;
    let Some(round) = round.filter(|x| round_visible(scope, x.new.region)) else { return Err(StoreError::OutOfScope) };
    let mut counties = Vec::new();
    r.each("SELECT code, name FROM org_units WHERE level = 'county' ORDER BY code", Vec::new(), &mut |row| {
        counties.push((row.i64(0)? as u32, row.string(1)?));
        Ok(())
    })?;
    let counties = round_counties(scope, round.new.region, counties);
    if counties.is_empty() {
        return Err(StoreError::OutOfScope);
    }
    let sql = first_batch_sql(d, round.new.entity);
    let mut out = Vec::with_capacity(counties.len());
    for (c, name) in counties {
        let mut first: Option<String> = None;
        r.each(&sql, first_batch_args(c, round.new.opens_on, round.new.entity), &mut |row| {
            first = row.opt_string(0)?;
            Ok(())
        })?;
        let status = status_of(first.as_deref(), round.new.due_on, today);
        out.push(RoundStatus { county: c, name, status, submitted_on: first.as_deref().and_then(cst_day).map(|d| d.to_string()).unwrap_or_default() });
    }
    Ok((round, out))
}

pub fn record_reminder(r: &mut dyn Runner, scope: &Scope, id: i64, county: u32, day: Date) -> Result<bool, StoreError> {
    if !scope.is_province_wide() {
        return Err(StoreError::OutOfScope);
    }
    let sql = r.dialect().render(
        "INSERT INTO collection_reminders (round_id, county_code, day) VALUES (?1, ?2, ?3) ON CONFLICT (round_id, county_code, day) DO NOTHING",
    )
    .into_owned();
    Ok(r.exec(&sql, vec![Arg::I64(id), Arg::I32(county as i32), Arg::Text(day.to_string())])? == 1)
}
