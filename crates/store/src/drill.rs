//! 下钻 — the drill-down filter of the people lists (issue 15): "only the boarders", "only the
//! backbone teachers", … — the records behind a figure of the decision screens.
//!
//! The filter is the very predicate the per-school facts count with ([`crate::facts::Builder`]
//! calls the same functions on the same [`StudentIn`] / [`TeacherIn`] values), applied in Rust
//! over the list's own keyset pages: scope, order and cursors stay those of the plain list, so
//! nothing here can widen what a caller sees. A drilled page reads chunks of the plain list
//! until it is full, the list ends, or [`SCAN_CAP`] rows were read; it may then hold fewer rows
//! than asked (even none) and carries the cursor where the next request continues — never a
//! scan of a whole province per request. Both backends call [`page`] and [`count`] from their
//! `people` and `count_people`.

use crate::browse::{Page, PersonQuery, Record, Total, COUNT_CAP, MAX_PAGE};
use crate::facts::{class_key, retiring_within, school_year_of, SchoolFacts, StudentIn, TeacherAges, TeacherIn};
use crate::StoreError;
use insight::balance::{bachelor_up, backbone_counts, counts_pe_or_arts, is_full_time};
use insight::people;
use standard::{Date, Entity};

/// The most rows one drilled page reads from the plain list.
pub const SCAN_CAP: usize = 20_000;

/// A figure whose records a list can be cut to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Drill {
    Boarders,
    Migrant,
    LeftBehind,
    Minority,
    Disabled,
    Anomaly,
    Unassigned,
    Female,
    FullTime,
    BachelorUp,
    Backbone,
    PeArts,
    Retiring3,
    Retiring5,
}

/// A drill and the day its rules take: the school year of the age–grade fit
/// ([`school_year_of`]) and the "today" of retirements due ([`crate::facts::as_of`]) — the day
/// the screens are computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrillOn {
    pub drill: Drill,
    pub today: Date,
}

impl Drill {
    pub const STUDENTS: [Drill; 7] = [Drill::Boarders, Drill::Migrant, Drill::LeftBehind, Drill::Minority, Drill::Disabled, Drill::Anomaly, Drill::Unassigned];
    pub const TEACHERS: [Drill; 7] = [Drill::Female, Drill::FullTime, Drill::BachelorUp, Drill::Backbone, Drill::PeArts, Drill::Retiring3, Drill::Retiring5];

    /// The drills of a list (none for schools).
    pub fn of(entity: Entity) -> &'static [Drill] {
        match entity {
            Entity::Student => &Drill::STUDENTS,
            Entity::Teacher => &Drill::TEACHERS,
            _ => &[],
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Drill::Boarders => "boarders",
            Drill::Migrant => "migrant",
            Drill::LeftBehind => "left_behind",
            Drill::Minority => "minority",
            Drill::Disabled => "disabled",
            Drill::Anomaly => "anomaly",
            Drill::Unassigned => "unassigned",
            Drill::Female => "female",
            Drill::FullTime => "full_time",
            Drill::BachelorUp => "bachelor_up",
            Drill::Backbone => "backbone",
            Drill::PeArts => "pe_arts",
            Drill::Retiring3 => "retiring_3",
            Drill::Retiring5 => "retiring_5",
        }
    }

    /// A key of `entity`'s list.
    pub fn from_key(entity: Entity, key: &str) -> Option<Drill> {
        Drill::of(entity).iter().copied().find(|d| d.key() == key)
    }

    /// What the filter keeps, in Chinese and English ("仅显示：住校生 / boarders only").
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Drill::Boarders => ("住校生", "boarders"),
            Drill::Migrant => ("义务教育阶段随迁子女", "migrant children in compulsory grades"),
            Drill::LeftBehind => ("留守儿童", "left-behind children"),
            Drill::Minority => ("少数民族学生", "minority students"),
            Drill::Disabled => ("残疾学生", "students with a disability"),
            Drill::Anomaly => ("年龄与年级不符的学生", "students whose age does not fit the grade"),
            Drill::Unassigned => ("未编班学生", "students without a class"),
            Drill::Female => ("女教师", "women"),
            Drill::FullTime => ("专任教师", "full-time teachers"),
            Drill::BachelorUp => ("本科及以上学历教师", "teachers with a bachelor's or higher"),
            Drill::Backbone => ("县级及以上骨干教师", "backbone teachers (county and up)"),
            Drill::PeArts => ("体育艺术教师", "PE and arts teachers"),
            Drill::Retiring3 => ("3 年内到龄退休的教师", "teachers retiring within 3 years"),
            Drill::Retiring5 => ("5 年内到龄退休的教师", "teachers retiring within 5 years"),
        }
    }

    /// The figure the drill opens, from an area's facts and its teachers' ages (as the decision
    /// screens show it): a drilled list of the area holds exactly this many records.
    pub fn figure(self, f: &SchoolFacts, ages: &TeacherAges) -> u64 {
        match self {
            Drill::Boarders => f.boarders,
            Drill::Migrant => f.migrant,
            Drill::LeftBehind => f.left_behind,
            Drill::Minority => f.minority,
            Drill::Disabled => f.disabled,
            Drill::Anomaly => f.too_young + f.too_old,
            Drill::Unassigned => f.unassigned,
            Drill::Female => f.gender[1],
            Drill::FullTime => f.full_time,
            Drill::BachelorUp => f.bachelor_up,
            Drill::Backbone => f.backbone,
            Drill::PeArts => f.pe_arts,
            Drill::Retiring3 => ages.retiring_in_3,
            Drill::Retiring5 => ages.retiring_in_5,
        }
    }

    pub fn entity(self) -> Entity {
        if Drill::STUDENTS.contains(&self) { Entity::Student } else { Entity::Teacher }
    }
}

/// The template positions of the values the predicates read.
struct Fields {
    idx: Vec<Option<usize>>,
}

const STUDENT_KEYS: [&str; 8] = ["school_code", "grade", "class_name", "birth_date", "boarding", "left_behind", "migrant_child", "ethnicity_code"];
const STUDENT_DISABILITY: &str = "disability";
const TEACHER_KEYS: [&str; 8] = ["school_code", "gender_code", "birth_date", "education", "title", "backbone", "full_time", "subject"];

impl Fields {
    fn of(entity: Entity) -> Fields {
        let t = entity.template();
        let keys: Vec<&str> = match entity {
            Entity::Student => STUDENT_KEYS.iter().copied().chain([STUDENT_DISABILITY]).collect(),
            _ => TEACHER_KEYS.to_vec(),
        };
        Fields { idx: keys.iter().map(|k| t.index(k)).collect() }
    }

    fn get<'a>(&self, r: &'a Record, i: usize) -> &'a str {
        self.idx[i].and_then(|j| r.get(j)).unwrap_or_default()
    }
}

impl DrillOn {
    /// Whether a record of the list is one the figure counts.
    fn keeps(&self, f: &Fields, r: &Record) -> bool {
        let g = |i| f.get(r, i);
        match self.drill.entity() {
            Entity::Student => {
                let s = StudentIn { school: g(0), grade: g(1), class_name: g(2), birth: g(3), boarding: g(4), left_behind: g(5), migrant_child: g(6), ethnicity: g(7), disability: g(8) };
                self.student(&s)
            }
            _ => {
                let t = TeacherIn { school: g(0), gender: g(1), birth: g(2), education: g(3), title: g(4), backbone: g(5), full_time: g(6), subject: g(7) };
                self.teacher(&t)
            }
        }
    }

    /// The students' rules, as the facts count them (`facts::Builder::student`).
    pub fn student(&self, s: &StudentIn<'_>) -> bool {
        match self.drill {
            Drill::Boarders => people::is_boarder(s.boarding),
            Drill::Migrant => people::is_compulsory_migrant(s.grade, s.migrant_child),
            Drill::LeftBehind => people::is_left_behind(s.left_behind),
            Drill::Minority => people::is_minority(s.ethnicity),
            Drill::Disabled => people::is_disabled(s.disability),
            Drill::Anomaly => s.anomaly(school_year_of(self.today)),
            Drill::Unassigned => class_key(s.grade, s.class_name).is_none(),
            _ => false,
        }
    }

    /// The teachers' rules, as the facts count them (`facts::Builder::teacher`, `teacher_ages`).
    pub fn teacher(&self, t: &TeacherIn<'_>) -> bool {
        match self.drill {
            Drill::Female => t.gender_index() == 1,
            Drill::FullTime => is_full_time(t.full_time),
            Drill::BachelorUp => bachelor_up(t.education),
            Drill::Backbone => backbone_counts(t.backbone),
            Drill::PeArts => counts_pe_or_arts(t.subject, t.full_time),
            Drill::Retiring3 => retiring_within(t, self.today, 36),
            Drill::Retiring5 => retiring_within(t, self.today, 60),
            _ => false,
        }
    }
}

/// A drilled page of `q` (whose `drill` is set): the plain list read through `plain` in chunks
/// of [`MAX_PAGE`], its kept rows up to `q.limit`. When a chunk holds more kept rows than the
/// page has room for, the chunk is read again up to its last row that fits, so that the cursor
/// returned is exactly after the last row shown. A jump (`skip`) is not offered: drilled lists
/// page by cursor only.
pub fn page(entity: Entity, q: &PersonQuery, plain: &mut dyn FnMut(&PersonQuery) -> Result<Page<Record>, StoreError>) -> Result<Page<Record>, StoreError> {
    let Some(d) = q.drill else { return plain(q) };
    if d.drill.entity() != entity {
        return Err(StoreError::Internal(format!("drill {} of another list", d.drill.key())));
    }
    let f = Fields::of(entity);
    let n = crate::sql::limit(q.limit);
    let mut inner = PersonQuery { drill: None, skip: 0, limit: MAX_PAGE, ..q.clone() };
    let mut rows = Vec::new();
    let mut scanned = 0;
    loop {
        let Page { rows: chunk, next } = plain(&inner)?;
        scanned += chunk.len();
        let kept: Vec<usize> = chunk.iter().enumerate().filter(|(_, r)| d.keeps(&f, r)).map(|(i, _)| i).collect();
        let room = n - rows.len();
        if kept.len() > room {
            // Read again up to the last row that fits: its cursor is where the next page starts.
            let upto = kept[room - 1] + 1;
            let again = plain(&PersonQuery { limit: upto, ..inner.clone() })?;
            rows.extend(again.rows.into_iter().filter(|r| d.keeps(&f, r)));
            return Ok(Page { rows, next: again.next });
        }
        rows.extend(chunk.into_iter().filter(|r| d.keeps(&f, r)));
        match next {
            Some(c) if rows.len() < n && scanned < SCAN_CAP => inner.after = Some(c),
            next => return Ok(Page { rows, next }),
        }
    }
}

/// How many rows of `q` the drill keeps, reading the plain list up to [`COUNT_CAP`] rows (past
/// it the total is "more than n": `exact` false).
pub fn count(entity: Entity, q: &PersonQuery, plain: &mut dyn FnMut(&PersonQuery) -> Result<Page<Record>, StoreError>) -> Result<Total, StoreError> {
    let Some(d) = q.drill else { return Err(StoreError::Internal("drill::count without a drill".into())) };
    let f = Fields::of(entity);
    let mut inner = PersonQuery { drill: None, skip: 0, limit: MAX_PAGE, after: None, ..q.clone() };
    let (mut n, mut scanned) = (0u64, 0u64);
    loop {
        let chunk = plain(&inner)?;
        scanned += chunk.rows.len() as u64;
        n += chunk.rows.iter().filter(|r| d.keeps(&f, r)).count() as u64;
        match chunk.next {
            Some(_) if scanned >= COUNT_CAP => return Ok(Total { n, exact: false }),
            Some(c) => inner.after = Some(c),
            None => return Ok(Total { n, exact: true }),
        }
    }
}
