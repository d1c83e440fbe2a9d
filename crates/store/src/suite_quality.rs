//! The quality suite (`store::quality`): planted problems reconcile with the counts behind the
//! scores (N students naming no school, M duplicate students, T duplicate teachers, K age–grade
//! anomalies, R rejected rows), the reads are scoped, snapshots make a trend, and the collection
//! calendar's statuses (submitted, late, missing, open) and reminders (once a day) hold — on
//! every backend.

use crate::facts::school_year_of;
use crate::quality::{NewRound, Offence, Quality, Status};
use crate::suite::{import, school, student, teacher};
use crate::{BatchMeta, Scope, Store, StoreError};
use standard::{Date, Entity};

pub trait QualityStore: Store + crate::facts::Facts + Quality {}
impl<T: Store + crate::facts::Facts + Quality> QualityStore for T {}

#[macro_export]
macro_rules! quality_suite {
    ($make:expr) => {
        $crate::quality_suite!(@tests $make;
            planted_problems_reconcile_with_the_counts, quality_is_read_by_scope, snapshots_make_a_trend,
            calendar_statuses_follow_the_batches, reminders_go_once_a_day, newest_batch_per_school_is_kept);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_quality::$name(&mut s);
            }
        )*
    };
}

const S1: &str = "2151040001";
const S2: &str = "2151040002";
const S3: &str = "3151140001";
/// Planted: students naming no school (county 510104 by their 行政区划), duplicate students
/// (at S1), duplicate teachers (at S2), age–grade anomalies (too old, at S1), rejected rows
/// (naming S2).
const N: u64 = 4;
const M: u64 = 3;
const T: u64 = 2;
const K: u64 = 5;
const R: u64 = 6;

fn set(entity: Entity, mut v: Vec<String>, k: &str, x: &str) -> Vec<String> {
    v[entity.template().index(k).unwrap()] = x.to_string();
    v
}

fn today() -> Date {
    Date::today()
}

fn days(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

/// A first-grade student who fits (7 on 1 September) or is too old (12).
fn pupil(seq: u32, school_code: &str, too_old: bool) -> Vec<String> {
    let y = school_year_of(today()) as i64 - if too_old { 12 } else { 7 };
    set(Entity::Student, student(seq, school_code, "11", "学生", "13800000000"), "birth_date", &format!("{y}-03-01"))
}

fn import_with_rejected(s: &mut dyn Store, entity: Entity, hash: &str, rows: &[Vec<String>], rejected: &[Vec<String>]) {
    let meta = BatchMeta { entity, file_name: format!("{entity}.csv"), file_hash: hash.into(), user: "tester".into(), scope: Scope::all() };
    let mut b = s.begin_import(&meta).unwrap();
    for (i, r) in rows.iter().enumerate() {
        let v: Vec<&str> = r.iter().map(String::as_str).collect();
        b.record(i as u64 + 2, &v).unwrap();
    }
    for (i, r) in rejected.iter().enumerate() {
        b.rejected((rows.len() + i) as u64 + 2, r, &["ID_CHECKSUM", "PHONE"]).unwrap();
    }
    b.commit((rows.len() + rejected.len()) as u64, "{}").unwrap();
}

/// The register with every planted problem; returns nothing, the constants say what was planted.
fn plant<S: QualityStore>(s: &mut S) {
    import(s, Entity::School, "q-schools", &[school(S1, "510104", "第一小学"), school(S2, "510104", "第二小学"), school(S3, "510112", "第一中学")]);
    let mut students = Vec::new();
    for seq in 0..30u32 {
        students.push(pupil(seq, [S1, S2, S3][seq as usize % 3], false));
    }
    for seq in 30..30 + K as u32 {
        students.push(pupil(seq, S1, true));
    }
    // The same persons (seq 0, 3, 6: at S1) arriving again keyed by their 学籍号 (a passport
    // holder's record: the ID number is not the key).
    for seq in (0..M as u32).map(|i| i * 3) {
        students.push(set(Entity::Student, pupil(seq, S1, false), "id_type", "A"));
    }
    // Students naming no school: placed by their 行政区划 (510104).
    for seq in 100..100 + N as u32 {
        students.push(set(Entity::Student, pupil(seq, S1, false), "school_code", ""));
    }
    let rejected: Vec<Vec<String>> = (0..R).map(|i| vec![format!("坏行{i}"), S2.to_string(), "x".into()]).chain([vec!["无学校".to_string()]]).collect();
    import_with_rejected(s, Entity::Student, "q-students", &students, &rejected);
    let mut teachers: Vec<Vec<String>> = (0..10u32).map(|seq| teacher(seq, [S1, S2][seq as usize % 2])).collect();
    for seq in (0..T as u32).map(|i| i * 2 + 1) {
        teachers.push(set(Entity::Teacher, teacher(seq, S2), "id_type", "A"));
    }
    import(s, Entity::Teacher, "q-teachers", &teachers);
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

pub fn planted_problems_reconcile_with_the_counts<S: QualityStore>(s: &mut S) {
    plant(s);
    let day = today();
    assert!(s.refresh_quality(&Scope::all(), day).unwrap() >= 5);
    let rows = s.quality(&Scope::all()).unwrap();
    let get = |county: u32, school: &str| rows.iter().find(|r| r.county == county && r.school == school).unwrap_or_else(|| panic!("row {county}/{school}")).clone();
    let c = get(510104, "");
    let (s1, s2, s3) = (get(510104, S1), get(510104, S2), get(510112, S3));
    assert_eq!(c.counts.missing_school, N, "students naming no school");
    assert_eq!(s1.counts.dup_students, M, "duplicate students at S1");
    assert_eq!(c.counts.dup_students, M);
    assert_eq!(s2.counts.dup_teachers, T, "duplicate teachers at S2");
    assert_eq!(s1.counts.too_old, K, "age–grade anomalies at S1");
    assert_eq!(s1.counts.too_young + s2.counts.too_old + s3.counts.too_old, 0);
    assert_eq!(s2.counts.rejected, R, "rejected rows naming S2 (the row naming no school counts nowhere)");
    assert_eq!(s2.counts.rules.get("ID_CHECKSUM"), Some(&R));
    assert_eq!(s1.counts.rejected + s3.counts.rejected, 0);
    assert_eq!(s3.counts.dup_students + s3.counts.dup_teachers + s3.counts.missing_school, 0);
    // Students and teachers as stored: S1 has 10 + K + M, S2 10 students, 5 + T teachers.
    assert_eq!((s1.counts.students, s2.counts.students, s3.counts.students), (10 + K + M, 10, 10));
    assert_eq!((s1.counts.teachers, s2.counts.teachers), (5, 5 + T));
    assert_eq!(c.counts.students, 20 + K + M, "the county's row sums its schools");
    // Completeness: every student has a grade and a class, every teacher a gender, none an education.
    assert_eq!(s1.counts.cells, 2 * (s1.counts.students + s1.counts.teachers));
    assert_eq!(s1.counts.filled, 2 * s1.counts.students + s1.counts.teachers);
    assert_eq!(c.counts.last_update, day.to_string().as_str());
    // The scores follow their formulas.
    let sc = s2.scores();
    let want = 100.0 * (1.0 - R as f64 / (10.0 + 5.0 + T as f64 + R as f64));
    assert!((sc.validity - (want * 10.0).round() / 10.0).abs() < 1e-9, "{} vs {want}", sc.validity);
    assert_eq!(sc.timeliness, 100.0);
    assert_eq!(s3.scores().uniqueness, 100.0);
    assert!(s1.scores().uniqueness < 100.0 && s1.scores().consistency < 100.0);
    // The drill-downs list the records behind each number.
    let missing = s.offenders(&Scope::all(), Offence::MissingSchool, 510104, "").unwrap();
    assert_eq!(missing.len() as u64, N);
    let dups = s.offenders(&Scope::all(), Offence::DupStudents, 510104, S1).unwrap();
    assert_eq!(dups.len() as u64, M);
    assert!(dups.iter().all(|o| o.key.starts_with('G') && o.detail.len() == 18), "{dups:?}");
    assert_eq!(s.offenders(&Scope::all(), Offence::DupTeachers, 510104, "").unwrap().len() as u64, T);
    let rej = s.offenders(&Scope::all(), Offence::Rejected, 510104, S2).unwrap();
    assert_eq!(rej.len() as u64, R);
    assert!(rej[0].detail.contains("ID_CHECKSUM"));
    assert!(s.offenders(&Scope::all(), Offence::Rejected, 510112, "").unwrap().is_empty());
}

/// Each school's newest batch (the timeliness's last update) is kept with its facts by every
/// import, whatever it carries: students, then teachers at two of the three schools, then a
/// teacher at the third, then one school's own row.
pub fn newest_batch_per_school_is_kept<S: QualityStore>(s: &mut S) {
    plant(s);
    let id = |s: &mut S, hash: &str| s.list_batches(50).unwrap().into_iter().find(|b| b.file_hash == hash).map(|b| b.id).unwrap();
    let last = |s: &mut S| -> Vec<i64> {
        let f = s.school_facts(&Scope::all()).unwrap();
        [S1, S2, S3].iter().map(|c| f.iter().find(|x| x.school == *c).map(|x| x.last_batch).unwrap()).collect()
    };
    let (st, te) = (id(s, "q-students"), id(s, "q-teachers"));
    assert!(st > 0 && te > st);
    assert_eq!(last(s), [te, te, st], "S3 has no teacher");
    import(s, Entity::Teacher, "q-teachers-2", &[teacher(60, S3)]);
    let te2 = id(s, "q-teachers-2");
    assert_eq!(last(s), [te, te, te2]);
    import(s, Entity::School, "q-schools-2", &[school(S2, "510104", "第二小学（新址）")]);
    let sc2 = id(s, "q-schools-2");
    assert_eq!(last(s), [te, sc2, te2]);
    // The refresh reads those days (all today here) for every school and county.
    s.refresh_quality(&Scope::all(), today()).unwrap();
    assert!(s.quality(&Scope::all()).unwrap().iter().all(|r| r.counts.last_update == today().to_string()));
}

pub fn quality_is_read_by_scope<S: QualityStore>(s: &mut S) {
    plant(s);
    assert!(matches!(s.refresh_quality(&county(510104), today()), Err(StoreError::OutOfScope)), "refresh is province-wide");
    s.refresh_quality(&Scope::all(), today()).unwrap();
    let mine = s.quality(&county(510104)).unwrap();
    let keys: Vec<(u32, &str)> = mine.iter().map(|r| (r.county, r.school.as_str())).collect();
    assert_eq!(keys, vec![(510104, ""), (510104, S1), (510104, S2)], "a county officer sees its own row and its schools");
    let school = Scope::School { code: S1.into(), county: 510104 };
    let mine = s.quality(&school).unwrap();
    assert_eq!(mine.iter().map(|r| r.school.as_str()).collect::<Vec<_>>(), vec![S1]);
    assert!(s.quality(&Scope::Nothing).unwrap().is_empty());
    // Another's provider: the same refusal for the trend and the drill-downs.
    assert!(matches!(s.quality_trend(&county(510104), 510112, ""), Err(StoreError::OutOfScope)));
    assert!(matches!(s.quality_trend(&school, 510104, ""), Err(StoreError::OutOfScope)), "a school does not read its county's row");
    assert!(matches!(s.offenders(&county(510112), Offence::DupStudents, 510104, S1), Err(StoreError::OutOfScope)));
    assert!(matches!(s.offenders(&school, Offence::DupTeachers, 510104, S2), Err(StoreError::OutOfScope)));
    assert!(matches!(s.offenders(&county(510104), Offence::DupStudents, 510104, S3), Err(StoreError::OutOfScope)), "a school of another county named under mine");
    assert_eq!(s.offenders(&school, Offence::DupStudents, 510104, S1).unwrap().len() as u64, M);
}

pub fn snapshots_make_a_trend<S: QualityStore>(s: &mut S) {
    plant(s);
    let d = today();
    s.refresh_quality(&Scope::all(), days(d, -7)).unwrap();
    s.refresh_quality(&Scope::all(), d).unwrap();
    s.refresh_quality(&Scope::all(), d).unwrap();
    let t = s.quality_trend(&county(510104), 510104, S1).unwrap();
    assert_eq!(t.iter().map(|r| r.day.clone()).collect::<Vec<_>>(), vec![days(d, -7).to_string(), d.to_string()], "one row a day");
    assert_eq!(t[1].counts.dup_students, M);
    assert!(s.quality(&Scope::all()).unwrap().iter().all(|r| r.day == d.to_string()), "the newest snapshot");
}

pub fn calendar_statuses_follow_the_batches<S: QualityStore>(s: &mut S) {
    let d = today();
    let round = |name: &str, entity, due| NewRound { name: name.into(), entity, opens_on: days(d, -30), due_on: due, region: 510100 };
    assert!(matches!(s.create_round(&county(510104), &round("x", Entity::Student, d), "c"), Err(StoreError::OutOfScope)), "the province creates rounds");
    assert!(matches!(s.create_round(&Scope::all(), &round(" ", Entity::Student, d), "p"), Err(StoreError::Conflict(_))));
    let early = NewRound { due_on: days(d, -40), ..round("倒置", Entity::Student, d) };
    assert!(matches!(s.create_round(&Scope::all(), &early, "p"), Err(StoreError::Conflict(_))));
    let late = s.create_round(&Scope::all(), &round("2026年秋季学期开学普查", Entity::Student, days(d, -1)), "p").unwrap();
    let open = s.create_round(&Scope::all(), &round("教师月度变动", Entity::Teacher, days(d, 1)), "p").unwrap();
    // Students of 510104 only (S1, S2), teachers of 510104 only, all today.
    import(s, Entity::School, "c-schools", &[school(S1, "510104", "第一小学"), school(S2, "510104", "第二小学"), school(S3, "510112", "第一中学")]);
    import(s, Entity::Student, "c-students", &[pupil(1, S1, false), pupil(2, S2, false)]);
    import(s, Entity::Teacher, "c-teachers", &[teacher(1, S1)]);
    let (r, st) = s.round_status(&Scope::all(), late, d).unwrap();
    assert_eq!(r.new.name, "2026年秋季学期开学普查");
    let of = |st: &[crate::quality::RoundStatus], c: u32| st.iter().find(|x| x.county == c).map(|x| x.status);
    assert_eq!(of(&st, 510104), Some(Status::Late), "submitted after the due day");
    assert_eq!(of(&st, 510112), Some(Status::Missing));
    assert_eq!(st.iter().filter(|x| x.status == Status::Late).count(), 1, "one late provider");
    assert!(st.iter().all(|x| (510100..=510199).contains(&x.county)), "the region's counties only");
    let (_, st) = s.round_status(&Scope::all(), open, d).unwrap();
    assert_eq!(of(&st, 510104), Some(Status::Submitted));
    assert_eq!(of(&st, 510112), Some(Status::Open), "not yet due");
    assert_eq!(st.iter().find(|x| x.county == 510104).unwrap().submitted_on, store_day(s));
    // A county sees its own status only; another region's county sees no round.
    let (_, mine) = s.round_status(&county(510104), late, d).unwrap();
    assert_eq!(mine.iter().map(|x| x.county).collect::<Vec<_>>(), vec![510104]);
    assert!(matches!(s.round_status(&county(510302), late, d), Err(StoreError::OutOfScope)));
    let (_, school) = s.round_status(&Scope::School { code: S3.into(), county: 510112 }, late, d).unwrap();
    assert_eq!(school.iter().map(|x| (x.county, x.status)).collect::<Vec<_>>(), vec![(510112, Status::Missing)], "a school sees its county's status");
    assert!(s.rounds(&county(510302)).unwrap().is_empty());
    assert_eq!(s.rounds(&county(510104)).unwrap().len(), 2);
    assert!(matches!(s.round_status(&Scope::all(), 999_999, d), Err(StoreError::OutOfScope)), "unknown: the same answer");
}

/// The day batches finish on now (what `submitted_on` shows).
fn store_day<S: QualityStore>(s: &mut S) -> String {
    crate::quality::cst_day(&s.list_batches(1).unwrap()[0].finished_at).unwrap().to_string()
}

pub fn reminders_go_once_a_day<S: QualityStore>(s: &mut S) {
    let d = today();
    let id = s.create_round(&Scope::all(), &NewRound { name: "月报".into(), entity: Entity::Student, opens_on: days(d, -10), due_on: days(d, -1), region: 510104 }, "p").unwrap();
    assert!(matches!(s.record_round_reminder(&county(510104), id, 510104, d), Err(StoreError::OutOfScope)));
    let due = crate::quality::due_reminders(s, d).unwrap();
    assert_eq!(due.iter().map(|(r, c)| (r.id, c.county, c.status)).collect::<Vec<_>>(), vec![(id, 510104, Status::Missing)]);
    assert!(crate::quality::due_reminders(s, d).unwrap().is_empty(), "once a day");
    assert_eq!(crate::quality::due_reminders(s, days(d, 1)).unwrap().len(), 1, "again the next day");
}
