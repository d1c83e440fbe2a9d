//! The shared store suite and the PostgreSQL-specific tests.
//!
//! They need a server: set `TIANFU_TEST_DATABASE_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each test gets its own schema (see
//! [`common`]); without the variable every test that needs the server prints a skip notice and
//! passes.

mod common;

use common::{admin, fresh, schema_name, url, SchemaGuard, TestStore};
use standard::Entity;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use store::suite::{import, school, student, student_key};
use store::{BatchMeta, CityCounts, CountyGrade, RecordFilter, Store, StoreError};
use store_postgres::PgStore;

// The shared suite; each test returns early (and passes) when there is no server.
store::store_suite!(match fresh() {
    Some(s) => s,
    None => return,
});

fn meta(entity: Entity, hash: &str) -> BatchMeta {
    BatchMeta {
        entity,
        file_name: format!("{entity}.csv"),
        file_hash: hash.into(),
        user: "tester".into(),
        scope: store::Scope::all(),
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

const S1: &str = "2151040001";
const S2: &str = "2151040002";
const S3: &str = "3151140001";

fn base(s: &mut TestStore) {
    import(
        s,
        Entity::School,
        "schools",
        &[
            school(S1, "510104", "第一小学"),
            school(S2, "510104", "第二小学"),
            school(S3, "510112", "第一中学"),
        ],
    );
}

#[test]
fn unreachable_server_is_unavailable_quickly() {
    // Needs no server: nothing listens on port 1.
    let t = Instant::now();
    match PgStore::connect("postgres://postgres@127.0.0.1:1/x") {
        Err(StoreError::Unavailable(m)) => assert!(m.contains("127.0.0.1"), "{m}"),
        Err(e) => panic!("expected Unavailable, got {e:?}"),
        Ok(_) => panic!("connected to port 1"),
    }
    assert!(
        t.elapsed() < Duration::from_secs(6),
        "took {:?}",
        t.elapsed()
    );
    assert!(matches!(
        PgStore::connect("not a url"),
        Err(StoreError::Unavailable(_))
    ));
}

#[test]
fn migrate_twice_is_idempotent() {
    let Some(mut t) = fresh() else { return };
    assert_eq!(t.s().migrate().unwrap(), 0);
    let (_again, applied) = PgStore::connect_with_schema_and_migrate(&t.url, &t.schema).unwrap();
    assert_eq!(applied, 0);
    let mut c = t.sql();
    let versions: i64 = c
        .query_one("SELECT count(*) FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(versions, store_postgres::MIGRATIONS.len() as i64);
    let units: i64 = c
        .query_one("SELECT count(*) FROM org_units WHERE code / 10000 = 51", &[])
        .unwrap()
        .get(0);
    assert_eq!(units, 205, "Sichuan's divisions");
    let all: i64 = c.query_one("SELECT count(*) FROM org_units", &[]).unwrap().get(0);
    let codes: std::collections::HashSet<i64> = store::divisions::org_rows().iter().map(|r| r.0).collect();
    assert_eq!(all as usize, codes.len(), "every province's divisions");
    // Running the SQL of every migration again changes nothing (additive, IF NOT EXISTS).
    for (_, _, sql) in store_postgres::MIGRATIONS {
        c.batch_execute(sql).unwrap();
    }
}

#[test]
fn connect_to_unmigrated_schema_is_a_schema_error() {
    let Some(url) = url() else { return };
    let schema = schema_name();
    let _guard = SchemaGuard(url.clone(), schema.clone());
    match PgStore::connect_with_schema(&url, &schema) {
        Err(StoreError::Schema(m)) => assert!(m.contains("tianfu migrate"), "{m}"),
        Err(e) => panic!("expected Schema, got {e:?}"),
        Ok(_) => panic!("connected to an unmigrated schema"),
    }
    // Behind the latest version: also a schema error.
    let (s, _) = PgStore::connect_with_schema_and_migrate(&url, &schema).unwrap();
    drop(s);
    let mut c = admin(&url);
    c.batch_execute(&format!(
        "SET search_path TO \"{schema}\"; DELETE FROM schema_version WHERE version = {}",
        store_postgres::LATEST_VERSION
    ))
    .unwrap();
    assert!(matches!(
        PgStore::connect_with_schema(&url, &schema),
        Err(StoreError::Schema(_))
    ));
}

#[test]
fn concurrent_imports_of_one_entity_are_locked() {
    let Some(mut t) = fresh() else { return };
    let mut other = t.second();
    let first = t.s().begin_import(&meta(Entity::Student, "a")).unwrap();
    match other.begin_import(&meta(Entity::Student, "b")) {
        Err(StoreError::Locked(m)) => assert!(m.contains("student"), "{m}"),
        Err(e) => panic!("expected Locked, got {e:?}"),
        Ok(_) => panic!("two student imports at once"),
    }
    // Another entity is not held up.
    drop(other.begin_import(&meta(Entity::Teacher, "c")).unwrap());
    drop(first);
    // Released when the first batch ends.
    drop(other.begin_import(&meta(Entity::Student, "d")).unwrap());
}

#[test]
fn org_units_hold_every_province_and_schools() {
    let Some(mut t) = fresh() else { return };
    let mut c = t.sql();
    let levels: Vec<(String, i64)> = c
        .query(
            "SELECT level, count(*) FROM org_units WHERE code / 10000 = 51 GROUP BY level ORDER BY level",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        levels,
        vec![
            ("city".to_string(), 21),
            ("county".to_string(), 183),
            ("province".to_string(), 1)
        ]
    );
    let orphans: i64 = c
        .query_one("SELECT count(*) FROM org_units o LEFT JOIN org_units p ON p.code = o.parent_code WHERE o.level <> 'province' AND (p.code IS NULL OR p.level <> CASE o.level WHEN 'city' THEN 'province' ELSE 'city' END)", &[])
        .unwrap()
        .get(0);
    assert_eq!(orphans, 0);
    base(&mut t);
    let r = c
        .query_one(
            "SELECT name, level, parent_code FROM org_units WHERE code = 3151140001",
            &[],
        )
        .unwrap();
    assert_eq!(
        (
            r.get::<_, String>(0),
            r.get::<_, String>(1),
            r.get::<_, Option<i64>>(2)
        ),
        ("第一中学".to_string(), "school".to_string(), Some(510112))
    );
}

fn expect_conflict(t: &mut TestStore, rows: &[(u64, Vec<String>)], key: &str, lines: Option<&str>) {
    let before = t.table_counts().unwrap();
    let mut b = t.begin_import(&meta(Entity::Student, "dup")).unwrap();
    for (line, r) in rows {
        b.record(*line, &strs(r)).unwrap();
    }
    match b.commit(rows.len() as u64, "{}") {
        Err(StoreError::Conflict(m)) => {
            assert!(m.contains(key), "{m}");
            if let Some(l) = lines {
                assert!(m.contains(l), "{m}");
            }
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(t.table_counts().unwrap(), before, "nothing written");
}

#[test]
fn a_key_twice_in_one_batch_is_a_conflict() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    let (k1, k3) = (student_key(1), student_key(3));
    // Into the empty table: the primary key refuses the second copy.
    expect_conflict(
        &mut t,
        &[
            (2, student(1, S1, "11", "甲", "1")),
            (3, student(3, S1, "11", "乙", "3")),
            (4, student(1, S1, "12", "甲", "1")),
        ],
        &k1,
        None,
    );
    import(
        &mut t,
        Entity::Student,
        "x",
        &[
            student(1, S1, "11", "甲", "13800000001"),
            student(5, S1, "11", "丙", "13800000005"),
        ],
    );
    // Two changed copies of a stored record.
    expect_conflict(
        &mut t,
        &[
            (2, student(1, S1, "12", "甲", "1")),
            (3, student(5, S1, "11", "丙", "13800000005")),
            (4, student(1, S1, "13", "甲", "1")),
        ],
        &k1,
        Some("lines 2 and 4"),
    );
    // Two copies of a new record.
    expect_conflict(
        &mut t,
        &[
            (2, student(3, S1, "12", "乙", "1")),
            (3, student(3, S1, "13", "乙", "1")),
        ],
        &k3,
        None,
    );
    // A copy equal to the stored record and a changed one: the change is applied once,
    // nothing is corrupted (the aggregate still adds up).
    let b = import(
        &mut t,
        Entity::Student,
        "y",
        &[
            student(1, S1, "11", "甲", "13800000001"),
            student(1, S1, "12", "甲", "13800000001"),
        ],
    );
    assert_eq!((b.updated, b.unchanged), (1, 1));
    assert_eq!(t.changes(Entity::Student, &k1).unwrap().len(), 1);
    assert_eq!(
        t.student_counts(None)
            .unwrap()
            .iter()
            .map(|c| c.students)
            .sum::<u64>(),
        2
    );
}

/// Enough rows for the index rebuild of a first import (and the direct copy past
/// BULK_MIN_ROWS): a repeated key fails the rebuild and is reported.
#[test]
fn a_key_twice_in_a_bulk_first_import_is_a_conflict() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    let indexes = |t: &TestStore| -> i64 {
        t.sql().query_one("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('students', 'enrolments')", &[]).unwrap().get(0)
    };
    let before = indexes(&t);
    let mut rows: Vec<(u64, Vec<String>)> =
        many_students(store_postgres::BULK_MIN_ROWS as u32 + 10)
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as u64 + 2, r))
            .collect();
    // Both copies staged (before the direct copy begins).
    let mut early = rows.clone();
    early.insert(200, (1_000_000, rows[100].1.clone()));
    expect_conflict(
        &mut t,
        &early,
        &rows[100].1[2],
        Some("lines 102 and 1000000"),
    );
    // The second copy among the rows copied straight into the table.
    let again = rows[100].1.clone();
    let key = again[2].clone();
    rows.push((rows.len() as u64 + 2, again));
    expect_conflict(&mut t, &rows, &key, Some("first at line 102"));
    // The indexes are back (the rebuild was rolled back with the batch).
    assert_eq!(indexes(&t), before);
    assert!(before >= 2, "the keys of students and enrolments at least");
}

/// A large first import sends its rows from a COPY thread that holds the transaction's
/// connection. When that connection dies mid-copy (the server ends the backend), the import
/// fails with the reason, nothing of it is stored, the indexes are all there, and the next
/// import on a new connection works.
#[test]
fn a_first_import_whose_connection_dies_mid_copy_stores_nothing() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    let mut watcher = t.sql();
    let indexes = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('students', 'enrolments')", &[]).unwrap().get(0)
    };
    let before = indexes(&mut watcher);
    let rows = many_students(store_postgres::BULK_MIN_ROWS as u32 * 3);
    let schema = t.schema.clone();
    let mut b = t.begin_import(&meta(Entity::Student, "dies")).unwrap();
    let mut failed = None;
    for (i, r) in rows.iter().enumerate() {
        if i == store_postgres::BULK_MIN_ROWS as usize + 10_000 {
            // The copy is under way: end the backend that holds this import's lock (an
            // advisory lock on a bigint shows as its high and low 32 bits).
            let key = store_postgres::lock_key(&format!("import:{schema}:{}", Entity::Student));
            let (hi, lo) = (((key as u64) >> 32) as i64, ((key as u64) & 0xffff_ffff) as i64);
            let ended: i64 = watcher
                .query_one("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::text::bigint = $1 AND objid::text::bigint = $2) x", &[&hi, &lo])
                .unwrap()
                .get(0);
            assert_eq!(ended, 1, "one import backend holds the lock");
        }
        if let Err(e) = b.record(i as u64 + 2, &strs(r)) {
            failed = Some(e);
            break;
        }
    }
    let err = match failed {
        Some(e) => {
            drop(b);
            e
        }
        None => b.commit(rows.len() as u64, "{}").err().expect("the import fails"),
    };
    assert!(!err.to_string().is_empty());
    t.store = None;
    let counts = t.second().table_counts().unwrap();
    assert_eq!(counts.students, 0, "nothing of the failed import is stored: {err}");
    assert_eq!(indexes(&mut watcher), before, "the dropped indexes came back with the rollback");
    // A new connection imports the same file.
    t.store = Some(t.second());
    let mut b = t.begin_import(&meta(Entity::Student, "again")).unwrap();
    for (i, r) in rows.iter().enumerate() {
        b.record(i as u64 + 2, &strs(r)).unwrap();
    }
    let s = b.commit(rows.len() as u64, "{}").unwrap();
    assert_eq!(s.inserted, rows.len() as u64);
    assert_eq!(indexes(&mut watcher), before);
}

fn many_students(n: u32) -> Vec<Vec<String>> {
    let tpl = Entity::Student.template();
    (0..n)
        .map(|i| {
            let mut r = student(
                i % 1000,
                [S1, S2, S3][(i % 3) as usize],
                ["11", "12", "21"][(i % 3) as usize],
                "某某",
                "13800000000",
            );
            let k = i / 1000;
            let body = format!(
                "5101042014{:02}{:02}{:03}",
                1 + k / 28 % 12,
                1 + k % 28,
                i % 1000
            );
            let idn = format!(
                "{body}{}",
                standard::ids::id_check_char(body.as_bytes()) as char
            );
            r[tpl.index("student_id").unwrap()] = format!("G{idn}");
            r[tpl.index("id_number").unwrap()] = idn;
            r
        })
        .collect()
}

#[test]
fn unknown_school_is_a_conflict() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    let mut b = t.begin_import(&meta(Entity::Student, "u")).unwrap();
    match b.record(
        2,
        &strs(&student(1, "2151049999", "11", "甲", "13800000001")),
    ) {
        Err(StoreError::Conflict(m)) => {
            assert!(m.contains("2151049999") && m.contains("line 2"), "{m}")
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[test]
fn rows_read_must_add_up() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    let mut b = t.begin_import(&meta(Entity::Student, "n")).unwrap();
    b.record(2, &strs(&student(1, S1, "11", "甲", "13800000001")))
        .unwrap();
    assert!(b.commit(5, "{}").is_err());
    assert_eq!(t.table_counts().unwrap().students, 0);
}

#[test]
fn a_school_moving_county_takes_its_students() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    import(
        &mut t,
        Entity::Student,
        "s",
        &[
            student(1, S1, "11", "甲", "13800000001"),
            student(3, S1, "12", "乙", "13800000003"),
            student(5, S3, "12", "丙", "13800000005"),
        ],
    );
    import(
        &mut t,
        Entity::School,
        "moved",
        &[
            school(S1, "510107", "第一小学"),
            school(S2, "510104", "第二小学"),
            school(S3, "510112", "第一中学"),
        ],
    );
    let mut c = t.student_counts(None).unwrap();
    c.sort_by_key(|x| (x.county, x.grade));
    assert_eq!(
        c,
        vec![
            CountyGrade {
                county: 510107,
                grade: 11,
                students: 1
            },
            CountyGrade {
                county: 510107,
                grade: 12,
                students: 1
            },
            CountyGrade {
                county: 510112,
                grade: 12,
                students: 1
            },
        ]
    );
    let mut n = 0;
    t.export(
        Entity::Student,
        &RecordFilter {
            region: Some(510107),
            school: None,
        },
        &mut |_| {
            n += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(n, 2);
    let parent: Option<i64> = t
        .sql()
        .query_one(
            "SELECT parent_code FROM org_units WHERE code = 2151040001",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(parent, Some(510107));
}

#[test]
fn students_without_school_or_grade() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    let tpl = Entity::Student.template();
    let mut no_school = student(1, S1, "11", "甲", "13800000001");
    no_school[tpl.index("school_code").unwrap()] = String::new();
    let mut no_grade = student(3, S1, "", "乙", "13800000003");
    no_grade[tpl.index("grade").unwrap()] = String::new();
    let b = import(
        &mut t,
        Entity::Student,
        "odd",
        &[no_school.clone(), no_grade.clone()],
    );
    assert_eq!(b.inserted, 2);
    assert!(
        t.student_counts(None).unwrap().is_empty(),
        "grade 0 is not listed"
    );
    assert_eq!(
        t.city_counts().unwrap(),
        vec![CityCounts {
            city: 510100,
            schools: 3,
            teachers: 0,
            students: 1
        }]
    );
    assert_eq!(
        t.get_record(Entity::Student, &student_key(1))
            .unwrap()
            .unwrap(),
        no_school
    );
    // The student gets a school and a grade: counted from then on, no transfer recorded.
    let b = import(
        &mut t,
        Entity::Student,
        "odd2",
        &[student(1, S1, "11", "甲", "13800000001"), no_grade],
    );
    assert_eq!((b.updated, b.unchanged), (1, 1));
    assert_eq!(
        t.student_counts(None).unwrap(),
        vec![CountyGrade {
            county: 510104,
            grade: 11,
            students: 1
        }]
    );
    assert!(t.transfers(&student_key(1)).unwrap().is_empty());
}

/// Enough rows to cross the COPY buffer and the export's page size several times.
#[test]
fn many_rows_round_trip() {
    let Some(mut t) = fresh() else { return };
    base(&mut t);
    let rows = many_students(60_000);
    let b = import(&mut t, Entity::Student, "big", &rows);
    assert_eq!(b.inserted, 60_000);
    let b = import(&mut t, Entity::Student, "big2", &rows);
    assert_eq!((b.inserted, b.updated, b.unchanged), (0, 0, 60_000));
    let mut changed = rows.clone();
    let phone = Entity::Student.template().index("guardian_phone").unwrap();
    for r in changed.iter_mut().step_by(10) {
        r[phone] = "13900000000".into();
    }
    let b = import(&mut t, Entity::Student, "big3", &changed);
    assert_eq!((b.inserted, b.updated, b.unchanged), (0, 6_000, 54_000));
    assert_eq!(t.table_counts().unwrap().changes, 6_000);
    let mut keys = Vec::new();
    let n = t
        .export(Entity::Student, &RecordFilter::default(), &mut |v| {
            keys.push(v[2].clone());
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 60_000);
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "ordered by key");
    let total: u64 = t
        .student_counts(None)
        .unwrap()
        .iter()
        .map(|c| c.students)
        .sum();
    assert_eq!(total, 60_000);
}

/// The tables have a column for every template field.
#[test]
fn tables_match_the_templates() {
    let Some(t) = fresh() else { return };
    let mut c = t.sql();
    let mut cols = |table: &str| -> HashSet<String> {
        c.query("SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2", &[&t.schema, &table]).unwrap().iter().map(|r| r.get(0)).collect()
    };
    let (schools, teachers, students, enrolments) = (
        cols("schools"),
        cols("teachers"),
        cols("students"),
        cols("enrolments"),
    );
    for f in Entity::School.template().fields {
        assert!(schools.contains(f.key), "schools.{}", f.key);
    }
    for f in Entity::Teacher.template().fields {
        assert!(teachers.contains(f.key), "teachers.{}", f.key);
    }
    for f in Entity::Student.template().fields {
        let table = if store::keys::ENROLMENT_FIELDS.contains(&f.key) {
            &enrolments
        } else {
            &students
        };
        assert!(table.contains(f.key), "students/enrolments.{}", f.key);
    }
}

/// The CLI can point at a schema with the URL alone (libpq's `options` parameter).
#[test]
fn schema_from_the_url() {
    let Some(t) = fresh() else { return };
    let sep = if t.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options=-csearch_path%3D{}", t.url, t.schema);
    let mut s = PgStore::connect(&url).expect("connect with search_path in the URL");
    assert_eq!(s.schema(), t.schema);
    assert_eq!(s.table_counts().unwrap().schools, 0);
}
