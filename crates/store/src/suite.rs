//! The tests every storage backend must pass, written against the traits. A backend's test
//! file calls [`store_suite!`] with an expression that makes a fresh, empty, migrated store:
//!
//! ```ignore
//! store::store_suite!(fresh_sqlite_store());
//! ```

use crate::clock::TestClock;
use crate::flow::Actor;
use crate::transfers::{self, NewTransfer, TransferState, Transfers};
use crate::{AuditLog, Role};
use crate::{BatchMeta, BatchSummary, CountyGrade, ExportEntry, RecordFilter, Scope, Store};
use standard::ids::id_check_char;
use standard::Entity;

/// Expands to one `#[test]` per suite function, each on a fresh store from `$make`.
#[macro_export]
macro_rules! store_suite {
    ($make:expr) => {
        $crate::store_suite!(@tests $make;
            empty_store, schools_insert_then_unchanged, changed_row_updates_and_logs_each_field,
            transfer_between_schools, rejected_rows_are_kept, dropped_batch_rolls_back,
            batches_listed_and_found_by_hash, export_filters_and_orders, student_counts_follow_imports,
            city_counts, export_log, teachers_keyed_by_document, counts_add_up, digest_sees_edits,
            school_codes_listed, unknown_batch_is_none, values_round_trip, writes_are_scoped_by_place,
            a_school_writes_only_its_people, a_city_moves_a_school_between_its_counties,
            transfers_between_areas, transfer_requests_prove_knowledge, transfer_of_a_moved_record_is_void);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite::$name(&mut s);
            }
        )*
    };
}

fn id(body17: &str) -> String {
    format!("{body17}{}", id_check_char(body17.as_bytes()) as char)
}

fn values(entity: Entity, pairs: &[(&str, &str)]) -> Vec<String> {
    let t = entity.template();
    let mut v = vec![String::new(); t.fields.len()];
    for (k, x) in pairs {
        v[t.index(k).unwrap_or_else(|| panic!("no field {k}"))] = x.to_string();
    }
    v
}

pub fn school(code: &str, county: &str, name: &str) -> Vec<String> {
    values(Entity::School, &[("school_code", code), ("name", name), ("school_type", "211"), ("region_code", county), ("urban_rural", "111"), ("address", "某路1号"), ("longitude", "104.1"), ("latitude", "30.6")])
}

/// A student born 2014-09-01 in county 510104, sequence `seq` (0..999).
pub fn student(seq: u32, school: &str, grade: &str, name: &str, phone: &str) -> Vec<String> {
    let idn = id(&format!("51010420140901{seq:03}"));
    let g = if seq % 2 == 1 { "1" } else { "2" };
    values(
        Entity::Student,
        &[("student_id", &format!("G{idn}")), ("id_type", "1"), ("id_number", &idn), ("name", name), ("gender_code", g), ("birth_date", "2014-09-01"), ("ethnicity_code", "01"), ("region_code", "510104"), ("school_code", school), ("grade", grade), ("class_name", "1班"), ("enrollment_date", "2020-09"), ("guardian_phone", phone), ("address", "成都市锦江区某街1号")],
    )
}

pub fn student_key(seq: u32) -> String {
    id(&format!("51010420140901{seq:03}"))
}

pub fn teacher(seq: u32, school: &str) -> Vec<String> {
    let idn = id(&format!("51010419800101{seq:03}"));
    let g = if seq % 2 == 1 { "1" } else { "2" };
    values(Entity::Teacher, &[("id_type", "1"), ("id_number", &idn), ("name", "李老师"), ("gender_code", g), ("birth_date", "1980-01-01"), ("ethnicity_code", "01"), ("school_code", school), ("hire_date", "2005-09-01"), ("subject", "数学"), ("phone", "13900000000")])
}

fn meta(entity: Entity, hash: &str) -> BatchMeta {
    BatchMeta { entity, file_name: format!("{entity}.csv"), file_hash: hash.to_string(), user: "tester".into(), scope: crate::Scope::all() }
}

/// Imports valid records (and no rejected rows) as one batch.
pub fn import(s: &mut dyn Store, entity: Entity, hash: &str, rows: &[Vec<String>]) -> BatchSummary {
    let mut b = s.begin_import(&meta(entity, hash)).expect("begin");
    for (i, r) in rows.iter().enumerate() {
        let v: Vec<&str> = r.iter().map(|x| x.as_str()).collect();
        b.record(i as u64 + 2, &v).expect("record");
    }
    b.commit(rows.len() as u64, "{}").expect("commit")
}

const S1: &str = "2151040001";
const S2: &str = "2151040002";
const S3: &str = "3151140001";

/// Two schools in 锦江区 (510104, 成都市), one in 龙泉驿区 (510112).
fn base(s: &mut dyn Store) {
    import(s, Entity::School, "h-schools", &[school(S1, "510104", "第一小学"), school(S2, "510104", "第二小学"), school(S3, "510112", "第一中学")]);
}

pub fn empty_store(s: &mut dyn Store) {
    let c = s.table_counts().unwrap();
    assert_eq!((c.schools, c.students, c.batches), (0, 0, 0));
    assert!(s.list_batches(10).unwrap().is_empty());
    assert!(s.student_counts(None).unwrap().is_empty());
}

pub fn schools_insert_then_unchanged(s: &mut dyn Store) {
    let rows = [school(S1, "510104", "第一小学"), school(S2, "510104", "第二小学")];
    let b = import(s, Entity::School, "a", &rows);
    assert_eq!((b.inserted, b.updated, b.unchanged, b.rejected, b.rows_read), (2, 0, 0, 0, 2));
    let b = import(s, Entity::School, "b", &rows);
    assert_eq!((b.inserted, b.updated, b.unchanged), (0, 0, 2));
    assert_eq!(s.table_counts().unwrap().schools, 2);
    assert!(s.changes(Entity::School, S1).unwrap().is_empty());
}

pub fn changed_row_updates_and_logs_each_field(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "s1", &[student(1, S1, "13", "张三", "13800000001"), student(3, S1, "13", "李四", "13800000003")]);
    let b2 = import(s, Entity::Student, "s2", &[student(1, S1, "14", "张三丰", "13800000001"), student(3, S1, "13", "李四", "13800000003")]);
    assert_eq!((b2.inserted, b2.updated, b2.unchanged), (0, 1, 1));
    let key = student_key(1);
    let mut ch = s.changes(Entity::Student, &key).unwrap();
    ch.sort_by(|a, b| a.field.cmp(&b.field));
    assert_eq!(ch.len(), 2, "{ch:?}");
    assert_eq!((ch[0].field.as_str(), ch[0].old_value.as_str(), ch[0].new_value.as_str()), ("grade", "13", "14"));
    assert_eq!((ch[1].field.as_str(), ch[1].old_value.as_str(), ch[1].new_value.as_str()), ("name", "张三", "张三丰"));
    assert!(ch.iter().all(|c| c.batch_id == b2.id && c.record_key == key && c.entity == Entity::Student));
    let rec = s.get_record(Entity::Student, &key).unwrap().unwrap();
    assert_eq!(rec, student(1, S1, "14", "张三丰", "13800000001"));
    assert!(s.transfers(&key).unwrap().is_empty());
}

pub fn transfer_between_schools(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "t1", &[student(5, S1, "16", "王五", "13800000005")]);
    let b = import(s, Entity::Student, "t2", &[student(5, S3, "21", "王五", "13800000005")]);
    assert_eq!(b.updated, 1);
    let t = s.transfers(&student_key(5)).unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].from_school.as_str(), t[0].to_school.as_str(), t[0].batch_id), (S1, S3, b.id));
    assert_eq!(t[0].date.len(), 10);
    // The aggregate moved with the student.
    let counts = s.student_counts(None).unwrap();
    assert_eq!(counts, vec![CountyGrade { county: 510112, grade: 21, students: 1 }]);
    let ch = s.changes(Entity::Student, &student_key(5)).unwrap();
    assert!(ch.iter().any(|c| c.field == "school_code" && c.old_value == S1 && c.new_value == S3));
}

pub fn rejected_rows_are_kept(s: &mut dyn Store) {
    base(s);
    let mut b = s.begin_import(&meta(Entity::Student, "r")).unwrap();
    let good = student(7, S1, "11", "赵六", "13800000007");
    let v: Vec<&str> = good.iter().map(|x| x.as_str()).collect();
    b.record(2, &v).unwrap();
    b.rejected(4, &["x".into(), "".into(), "坏,\"值\"".into()], &["required_missing", "gender_enum"]).unwrap();
    b.rejected(3, &["y".into()], &["school_unknown"]).unwrap();
    let sum = b.commit(3, "{\"rows_read\":3}").unwrap();
    assert_eq!((sum.inserted, sum.rejected, sum.rows_read), (1, 2, 3));
    assert_eq!(sum.report_json, "{\"rows_read\":3}");
    let mut rows = Vec::new();
    s.rejected_rows(sum.id, &mut |r| {
        rows.push(r);
        Ok(())
    })
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].line, rows[0].codes.clone(), rows[0].raw.clone()), (3, vec!["school_unknown".to_string()], vec!["y".to_string()]));
    assert_eq!(rows[1].raw, vec!["x".to_string(), "".to_string(), "坏,\"值\"".to_string()]);
    assert_eq!(rows[1].codes, vec!["required_missing".to_string(), "gender_enum".to_string()]);
}

pub fn dropped_batch_rolls_back(s: &mut dyn Store) {
    base(s);
    let before = s.table_counts().unwrap();
    {
        let mut b = s.begin_import(&meta(Entity::Student, "never")).unwrap();
        let r = student(9, S1, "12", "孙七", "13800000009");
        let v: Vec<&str> = r.iter().map(|x| x.as_str()).collect();
        b.record(2, &v).unwrap();
        b.rejected(3, &["z".into()], &["grade_enum"]).unwrap();
        // Dropped here without commit.
    }
    assert_eq!(s.table_counts().unwrap(), before);
    assert!(s.find_batch_by_hash(Entity::Student, "never").unwrap().is_none());
    // The store is usable afterwards.
    let b = import(s, Entity::Student, "after", &[student(9, S1, "12", "孙七", "13800000009")]);
    assert_eq!(b.inserted, 1);
}

pub fn batches_listed_and_found_by_hash(s: &mut dyn Store) {
    base(s);
    let b = import(s, Entity::Student, "hash-1", &[student(11, S1, "11", "甲", "13800000011")]);
    let found = s.find_batch_by_hash(Entity::Student, "hash-1").unwrap().unwrap();
    assert_eq!(found, b);
    assert!(s.find_batch_by_hash(Entity::Teacher, "hash-1").unwrap().is_none());
    let list = s.list_batches(10).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, b.id, "newest first");
    assert_eq!(s.get_batch(b.id).unwrap().unwrap(), b);
    assert_eq!(b.user, "tester");
    assert_eq!(b.file_name, "student.csv");
    assert!(b.started_at <= b.finished_at && b.started_at.ends_with('Z'));
}

pub fn export_filters_and_orders(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "e", &[student(21, S3, "21", "丙", "13800000021"), student(13, S1, "11", "甲", "13800000013"), student(15, S2, "12", "乙", "13800000015")]);
    let mut all = Vec::new();
    let n = s.export(Entity::Student, &RecordFilter::default(), &mut |v| {
        all.push(v.to_vec());
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 3);
    assert_eq!(all[0], student(13, S1, "11", "甲", "13800000013"), "ordered by key, template order");
    let mut count = |f: RecordFilter| {
        let mut rows = 0;
        s.export(Entity::Student, &f, &mut |_| {
            rows += 1;
            Ok(())
        })
        .unwrap();
        rows
    };
    assert_eq!(count(RecordFilter { region: Some(510104), school: None }), 2);
    assert_eq!(count(RecordFilter { region: Some(510112), school: None }), 1);
    assert_eq!(count(RecordFilter { region: Some(510100), school: None }), 3, "a city covers its counties");
    assert_eq!(count(RecordFilter { region: Some(510000), school: None }), 3, "the province covers all");
    assert_eq!(count(RecordFilter { region: Some(510300), school: None }), 0);
    assert_eq!(count(RecordFilter { region: None, school: Some(S2.into()) }), 1);
    let mut schools = 0;
    s.export(Entity::School, &RecordFilter { region: Some(510104), school: None }, &mut |v| {
        assert_eq!(v.len(), Entity::School.template().fields.len());
        schools += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(schools, 2);
}

pub fn student_counts_follow_imports(s: &mut dyn Store) {
    base(s);
    let rows: Vec<Vec<String>> = (0..10).map(|i| student(100 + i, if i < 6 { S1 } else { S3 }, if i % 2 == 0 { "11" } else { "12" }, "某", "13800000100")).collect();
    import(s, Entity::Student, "c1", &rows);
    let mut c = s.student_counts(None).unwrap();
    c.sort_by_key(|x| (x.county, x.grade));
    assert_eq!(
        c,
        vec![
            CountyGrade { county: 510104, grade: 11, students: 3 },
            CountyGrade { county: 510104, grade: 12, students: 3 },
            CountyGrade { county: 510112, grade: 11, students: 2 },
            CountyGrade { county: 510112, grade: 12, students: 2 },
        ]
    );
    // A grade change moves one student between cells; zero cells disappear.
    let mut changed = rows.clone();
    changed[6] = student(106, S3, "12", "某", "13800000100");
    import(s, Entity::Student, "c2", &changed);
    let mut c: Vec<CountyGrade> = s.student_counts(Some(510112)).unwrap();
    c.sort_by_key(|x| x.grade);
    assert_eq!(c, vec![CountyGrade { county: 510112, grade: 11, students: 1 }, CountyGrade { county: 510112, grade: 12, students: 3 }]);
    assert_eq!(s.student_counts(Some(510100)).unwrap().iter().map(|x| x.students).sum::<u64>(), 10);
    assert!(s.student_counts(Some(510300)).unwrap().is_empty());
}

pub fn city_counts(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "cc", &[student(31, S1, "11", "甲", "13800000031"), student(33, S3, "21", "乙", "13800000033")]);
    import(s, Entity::Teacher, "ct", &[teacher(1, S1)]);
    let c = s.city_counts().unwrap();
    assert_eq!(c, vec![crate::CityCounts { city: 510100, schools: 3, teachers: 1, students: 2 }]);
}

pub fn export_log(s: &mut dyn Store) {
    let e = ExportEntry { user: "officer".into(), at: String::new(), entity: Entity::Student, filter: "region=510104".into(), format: "csv".into(), rows: 12, masked: false };
    s.log_export(&e).unwrap();
    s.log_export(&ExportEntry { masked: true, rows: 3, ..e.clone() }).unwrap();
    let log = s.export_log(10).unwrap();
    assert_eq!(log.len(), 2);
    assert!(log[0].masked && log[0].rows == 3, "newest first");
    assert!(!log[1].masked && log[1].user == "officer" && log[1].filter == "region=510104");
    assert!(log[0].at.ends_with('Z'));
    assert_eq!(s.table_counts().unwrap().exports, 2);
}

pub fn teachers_keyed_by_document(s: &mut dyn Store) {
    base(s);
    let mut passport = teacher(3, S1);
    let t = Entity::Teacher.template();
    passport[t.index("id_type").unwrap()] = "A".into();
    passport[t.index("id_number").unwrap()] = "E1234567".into();
    let b = import(s, Entity::Teacher, "tk", &[teacher(1, S1), passport.clone()]);
    assert_eq!(b.inserted, 2);
    assert!(s.get_record(Entity::Teacher, "A:E1234567").unwrap().is_some());
    assert_eq!(s.get_record(Entity::Teacher, &id("51010419800101001")).unwrap().unwrap(), teacher(1, S1));
    let mut moved = teacher(1, S1);
    moved[t.index("school_code").unwrap()] = S2.into();
    let b = import(s, Entity::Teacher, "tk2", &[moved, passport]);
    assert_eq!((b.updated, b.unchanged), (1, 1));
}

pub fn counts_add_up(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "u1", &[student(41, S1, "11", "甲", "13800000041"), student(43, S1, "11", "乙", "13800000043")]);
    let mut b = s.begin_import(&meta(Entity::Student, "u2")).unwrap();
    for (i, r) in [student(41, S1, "11", "甲", "13800000041"), student(43, S1, "12", "乙", "13800000043"), student(45, S1, "11", "丙", "13800000045")].iter().enumerate() {
        let v: Vec<&str> = r.iter().map(|x| x.as_str()).collect();
        b.record(i as u64 + 2, &v).unwrap();
    }
    b.rejected(5, &["bad".into()], &["id_format"]).unwrap();
    let sum = b.commit(4, "{}").unwrap();
    assert_eq!((sum.inserted, sum.updated, sum.unchanged, sum.rejected), (1, 1, 1, 1));
    assert_eq!(sum.inserted + sum.updated + sum.unchanged + sum.rejected, sum.rows_read);
}

pub fn digest_sees_edits(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "d1", &[student(51, S1, "11", "甲", "13800000051")]);
    let a = s.table_counts().unwrap();
    import(s, Entity::Student, "d2", &[student(51, S1, "11", "甲", "13800000052")]);
    let b = s.table_counts().unwrap();
    assert_eq!(a.students, b.students);
    assert_ne!(a.content_digest, b.content_digest);
}

pub fn school_codes_listed(s: &mut dyn Store) {
    base(s);
    let codes = s.school_codes().unwrap();
    assert_eq!(codes.len(), 3);
    assert!(codes.contains(&2151040001) && codes.contains(&3151140001));
}

pub fn unknown_batch_is_none(s: &mut dyn Store) {
    assert!(s.get_batch(424242).unwrap().is_none());
    assert!(s.get_record(Entity::Student, "nobody").unwrap().is_none());
    let mut n = 0;
    s.rejected_rows(424242, &mut |_| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 0);
}

pub fn values_round_trip(s: &mut dyn Store) {
    // Quotes, commas, newlines, emoji and empty optional fields survive storage unchanged.
    let mut sc = school(S1, "510104", "“实验”小学, 本部\n新校区 🏫");
    let t = Entity::School.template();
    sc[t.index("longitude").unwrap()] = String::new();
    sc[t.index("latitude").unwrap()] = String::new();
    import(s, Entity::School, "rt", &[sc.clone()]);
    assert_eq!(s.get_record(Entity::School, S1).unwrap().unwrap(), sc);
}

/// Imports as a writer with `scope`; returns the summary and how many rows the store refused.
pub fn import_as(s: &mut dyn Store, entity: Entity, hash: &str, scope: crate::Scope, rows: &[Vec<String>]) -> (BatchSummary, u64) {
    let mut b = s.begin_import(&BatchMeta { scope, user: "officer".into(), ..meta(entity, hash) }).expect("begin");
    let width = entity.template().fields.len();
    // The file's columns in reverse template order, to see refused rows kept in file order.
    b.columns(crate::FileColumns { width, column_of: (0..width).map(|i| Some(width - 1 - i)).collect() });
    for (i, r) in rows.iter().enumerate() {
        let v: Vec<&str> = r.iter().map(|x| x.as_str()).collect();
        b.record(i as u64 + 2, &v).expect("record");
    }
    let refused = b.settle().expect("settle");
    (b.commit(rows.len() as u64, "{}").expect("commit"), refused)
}

fn refused_lines(s: &mut dyn Store, batch: crate::BatchId) -> Vec<(u64, Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    s.rejected_rows(batch, &mut |r| {
        out.push((r.line, r.codes, r.raw));
        Ok(())
    })
    .unwrap();
    out
}

fn with(entity: Entity, mut v: Vec<String>, k: &str, x: &str) -> Vec<String> {
    v[entity.template().index(k).unwrap()] = x.to_string();
    v
}

/// A county officer of 龙泉驿区 (510112) writes only records placed in 510112, judged at the
/// record's new place and at its stored place, inside the batch: another county's school or
/// student is refused (`out_of_scope`), changed or not, and nothing of it moves.
pub fn writes_are_scoped_by_place(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "w0", &[student(61, S1, "11", "甲", "13800000061"), student(63, S3, "21", "乙", "13800000063")]);
    import(s, Entity::Teacher, "w0t", &[teacher(7, S1)]);
    let county = crate::Scope::Region { lo: 510112, hi: 510112 };
    let before = s.get_record(Entity::School, S1).unwrap().unwrap();
    // 1. Another county's school re-registered under this county.
    let (b, refused) = import_as(s, Entity::School, "w1", county.clone(), &[school(S1, "510112", "第一小学"), school("3151140002", "510112", "第二中学")]);
    assert_eq!((b.inserted, b.updated, b.unchanged, b.rejected, refused), (1, 0, 0, 1, 1));
    assert_eq!(s.get_record(Entity::School, S1).unwrap().unwrap(), before, "the school did not move");
    let rows = refused_lines(s, b.id);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].0, rows[0].1.clone()), (2, vec![crate::OUT_OF_SCOPE.to_string()]));
    let mut raw = school(S1, "510112", "第一小学");
    raw.reverse();
    assert_eq!(rows[0].2, raw, "kept in the file's column order");
    // 2. Students: another county's student taken into this county's school (changed, and an
    // unchanged copy), a new student at another county's school; this county's own changes go in.
    let key61 = student_key(61);
    let stored61 = s.get_record(Entity::Student, &key61).unwrap().unwrap();
    let (b, refused) = import_as(
        s,
        Entity::Student,
        "w2",
        county.clone(),
        &[
            student(61, S3, "21", "甲", "13800000061"),
            student(61, S1, "11", "甲", "13800000061"),
            student(65, S1, "11", "丙", "13800000065"),
            student(63, S3, "22", "乙", "13800000063"),
            student(67, S3, "21", "丁", "13800000067"),
        ],
    );
    assert_eq!((b.inserted, b.updated, b.unchanged, b.rejected, refused), (1, 1, 0, 3, 3));
    assert_eq!(b.inserted + b.updated + b.unchanged + b.rejected, b.rows_read);
    assert_eq!(s.get_record(Entity::Student, &key61).unwrap().unwrap(), stored61, "the student stayed");
    assert!(s.transfers(&key61).unwrap().is_empty());
    assert!(s.changes(Entity::Student, &key61).unwrap().is_empty());
    assert!(s.get_record(Entity::Student, &student_key(65)).unwrap().is_none());
    let lines: Vec<u64> = refused_lines(s, b.id).iter().map(|r| r.0).collect();
    assert_eq!(lines, vec![2, 3, 4]);
    assert!(refused_lines(s, b.id).iter().all(|r| r.1 == vec![crate::OUT_OF_SCOPE.to_string()]));
    // The aggregate counts only what was written.
    let mut c = s.student_counts(None).unwrap();
    c.sort_by_key(|x| (x.county, x.grade));
    assert_eq!(c, vec![CountyGrade { county: 510104, grade: 11, students: 1 }, CountyGrade { county: 510112, grade: 21, students: 1 }, CountyGrade { county: 510112, grade: 22, students: 1 }]);
    // 3. A teacher of another county moved here.
    let t7 = teacher(7, S1);
    let (b, refused) = import_as(s, Entity::Teacher, "w3", county.clone(), &[with(Entity::Teacher, t7.clone(), "school_code", S3)]);
    assert_eq!((b.inserted, b.updated, b.rejected, refused), (0, 0, 1, 1));
    assert_eq!(s.get_record(Entity::Teacher, &id("51010419800101007")).unwrap().unwrap(), t7);
    // 4. Nothing writes nothing.
    let (b, refused) = import_as(s, Entity::Student, "w4", crate::Scope::Nothing, &[student(69, S3, "21", "戊", "13800000069")]);
    assert_eq!((b.inserted, b.rejected, refused), (0, 1, 1));
}

/// A school administrator writes only the school's teachers and students: never a school,
/// never a student of another school (even one moved into this school).
pub fn a_school_writes_only_its_people(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "x0", &[student(71, S1, "11", "甲", "13800000071"), student(73, S2, "11", "乙", "13800000073")]);
    let school_scope = crate::Scope::School { code: S1.into(), county: 510104 };
    let (b, refused) = import_as(s, Entity::School, "x1", school_scope.clone(), &[school(S1, "510104", "改名小学")]);
    assert_eq!((b.updated, b.rejected, refused), (0, 1, 1));
    let (b, refused) = import_as(
        s,
        Entity::Student,
        "x2",
        school_scope,
        &[student(71, S1, "12", "甲", "13800000071"), student(73, S1, "11", "乙", "13800000073"), student(75, S2, "11", "丙", "13800000075")],
    );
    assert_eq!((b.inserted, b.updated, b.rejected, refused), (0, 1, 2, 2));
    assert_eq!(s.get_record(Entity::Student, &student_key(73)).unwrap().unwrap(), student(73, S2, "11", "乙", "13800000073"));
}

/// A common parent may move what lies inside its area: 成都市 moves a school between two of its
/// counties, and the school's students follow.
pub fn a_city_moves_a_school_between_its_counties(s: &mut dyn Store) {
    base(s);
    import(s, Entity::Student, "y0", &[student(81, S1, "11", "甲", "13800000081")]);
    let city = crate::Scope::Region { lo: 510100, hi: 510199 };
    let (b, refused) = import_as(s, Entity::School, "y1", city, &[school(S1, "510112", "第一小学")]);
    assert_eq!((b.updated, b.rejected, refused), (1, 0, 0));
    assert_eq!(s.student_counts(Some(510112)).unwrap().iter().map(|c| c.students).sum::<u64>(), 1);
    // A county cannot move it back: its stored place is no longer the county's.
    let (b, _) = import_as(s, Entity::School, "y2", crate::Scope::Region { lo: 510104, hi: 510104 }, &[school(S1, "510104", "第一小学")]);
    assert_eq!((b.updated, b.rejected), (0, 1));
}

const LONGQUAN: Scope = Scope::Region { lo: 510112, hi: 510112 };
const JINJIANG: Scope = Scope::Region { lo: 510104, hi: 510104 };

/// An officer of the scope's level (the flow checks roles as well as areas).
fn actor(scope: &Scope, name: &str) -> Actor {
    let role = match scope {
        Scope::School { .. } => Role::SchoolAdmin,
        Scope::Region { lo, hi } if lo == hi => Role::CountyOfficer,
        Scope::Region { lo, .. } if lo % 10_000 != 0 => Role::CityOfficer,
        _ => Role::ProvinceAdmin,
    };
    Actor::new(name, role, scope.clone(), "127.0.0.1")
}

fn at(t: i64) -> TestClock {
    TestClock::at(t)
}

fn ask(key: &str, name: &str, to: &str) -> NewTransfer {
    NewTransfer { entity: Entity::Student, key: key.into(), name: name.into(), to_school: to.into(), reason: "随父母迁居".into() }
}

/// 龙泉驿区 asks for a 锦江区 student; 锦江区 (the sending side) approves; the move is a batch of
/// its own with the change log, the transfer history and the counts; the receiving side cannot
/// approve its own request; a city (a common parent) could have.
pub fn transfers_between_areas(s: &mut (impl Store + Transfers + AuditLog)) {
    base(s);
    s.set_audit_chain(crate::AuditChain::temporary());
    import(s, Entity::Student, "tr0", &[student(91, S1, "13", "周杰", "13800000091"), student(93, S1, "13", "吴敏", "13800000093")]);
    let key = student_key(91);
    let req = transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&key, "周杰", S3), &at(1_000)).unwrap();
    assert_eq!((req.state, req.from_school.as_str(), req.from_county, req.to_county), (TransferState::Pending, S1, Some(510104), Some(510112)));
    // One waiting request per record.
    assert!(matches!(transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&key, "周杰", S3), &at(1_001)), Err(crate::StoreError::Conflict(_))));
    // Both sides see it; a third county does not.
    assert_eq!(s.transfers_in(&LONGQUAN, None, 10).unwrap().len(), 1);
    assert_eq!(s.transfers_in(&JINJIANG, Some(TransferState::Pending), 10).unwrap().len(), 1);
    assert!(s.transfers_in(&Scope::Region { lo: 510302, hi: 510302 }, None, 10).unwrap().is_empty());
    assert!(transfers::visible(s, &Scope::Region { lo: 510302, hi: 510302 }, req.id).unwrap().is_none());
    assert!(transfers::decide(s, &actor(&Scope::Region { lo: 510302, hi: 510302 }, "x"), req.id, true, "", &at(1_002)).unwrap().is_none());
    // The receiving side may not approve, nor the sending side withdraw.
    assert!(transfers::decide(s, &actor(&LONGQUAN, "longquan"), req.id, true, "", &at(1_002)).is_err());
    assert!(transfers::cancel(s, &actor(&JINJIANG, "jinjiang"), req.id, &at(1_002)).is_err());
    let d = transfers::decide(s, &actor(&JINJIANG, "jinjiang"), req.id, true, "同意", &at(1_003)).unwrap().unwrap();
    assert_eq!((d.request.state, d.request.decided_by.as_deref(), d.request.note.as_str()), (TransferState::Approved, Some("jinjiang"), "同意"));
    let batch = d.batch.unwrap();
    assert_eq!((batch.updated, batch.rejected, batch.user.as_str()), (1, 0, "jinjiang"));
    assert_eq!(d.request.batch_id, Some(batch.id));
    assert_eq!(s.get_record(Entity::Student, &key).unwrap().unwrap(), student(91, S3, "13", "周杰", "13800000091"));
    let t = s.transfers(&key).unwrap();
    assert_eq!((t.len(), t[0].from_school.as_str(), t[0].to_school.as_str(), t[0].batch_id), (1, S1, S3, batch.id));
    let mut c = s.student_counts(None).unwrap();
    c.sort_by_key(|x| x.county);
    assert_eq!(c, vec![CountyGrade { county: 510104, grade: 13, students: 1 }, CountyGrade { county: 510112, grade: 13, students: 1 }]);
    // Decided once: no second decision, no withdrawal.
    assert!(transfers::decide(s, &actor(&JINJIANG, "jinjiang"), req.id, false, "", &at(1_004)).is_err());
    assert!(transfers::cancel(s, &actor(&LONGQUAN, "longquan"), req.id, &at(1_004)).is_err());
    // Now the student is 龙泉驿区's: it imports the record; 锦江区 no longer can.
    let (b, _) = import_as(s, Entity::Student, "tr1", LONGQUAN, &[student(91, S3, "14", "周杰", "13800000091")]);
    assert_eq!(b.updated, 1);
    let (b, _) = import_as(s, Entity::Student, "tr2", JINJIANG, &[student(91, S1, "14", "周杰", "13800000091")]);
    assert_eq!(b.rejected, 1);
    // A common parent approves, and a rejection and a withdrawal leave the record where it is.
    let r2 = transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&student_key(93), "吴敏", S3), &at(2_000)).unwrap();
    let d = transfers::decide(s, &actor(&Scope::Region { lo: 510100, hi: 510199 }, "chengdu"), r2.id, false, "材料不全", &at(2_001)).unwrap().unwrap();
    assert_eq!(d.request.state, TransferState::Rejected);
    let r3 = transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&student_key(93), "吴敏", S3), &at(2_002)).unwrap();
    assert_eq!(transfers::cancel(s, &actor(&LONGQUAN, "longquan"), r3.id, &at(2_003)).unwrap().unwrap().state, TransferState::Cancelled);
    assert_eq!(s.get_record(Entity::Student, &student_key(93)).unwrap().unwrap(), student(93, S1, "13", "吴敏", "13800000093"));
    // The flow checks roles too: an auditor of the sending county may not decide.
    let r4 = transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&student_key(93), "吴敏", S3), &at(3_000)).unwrap();
    let auditor = Actor::new("shenji", Role::Auditor, JINJIANG, "127.0.0.1");
    assert!(transfers::decide(s, &auditor, r4.id, true, "", &at(3_001)).is_err());
    // Every step is in the audit log, taken or refused, under one action name per step, with
    // no name and no document number in it.
    let log = s.audit_entries(&crate::AuditFilter { limit: 100, ..Default::default() }).unwrap();
    let steps: Vec<(&str, &str, &str)> = log.iter().rev().map(|e| (e.actor.as_str(), e.action.as_str(), e.outcome.as_str())).collect();
    assert_eq!(&steps[..5], &[("longquan", "transfer_request", "ok"), ("longquan", "transfer_request", "denied"), ("longquan", "transfer_approve", "denied"), ("jinjiang", "transfer_cancel", "denied"), ("jinjiang", "transfer_approve", "ok")]);
    assert_eq!(steps.last().unwrap(), &("shenji", "transfer_approve", "denied"));
    for e in &log {
        assert!(!e.target.contains(&key) && !e.detail.contains("周杰") && !e.detail.contains(&key), "{e:?}");
    }
}

/// A request must name the person exactly: a wrong name and a missing record get the same
/// answer; a record already in the requester's area and a receiving school outside it are refused.
pub fn transfer_requests_prove_knowledge(s: &mut (impl Store + Transfers + AuditLog)) {
    base(s);
    s.set_audit_chain(crate::AuditChain::temporary());
    import(s, Entity::Student, "tk0", &[student(95, S1, "13", "郑爽", "13800000095")]);
    let wrong_name = transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&student_key(95), "郑", S3), &at(1)).unwrap_err().to_string();
    let missing = transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&student_key(97), "郑爽", S3), &at(1)).unwrap_err().to_string();
    assert_eq!(wrong_name, missing, "the answer does not tell whether the record exists");
    assert!(!wrong_name.contains(&student_key(95)) && !wrong_name.contains("郑爽"), "{wrong_name}");
    assert!(transfers::request(s, &actor(&JINJIANG, "longquan"), &ask(&student_key(95), "郑爽", S2), &at(1)).is_err(), "already in the area");
    assert!(transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&student_key(95), "郑爽", S2), &at(1)).is_err(), "the receiving school is not the requester's");
    let school = Scope::School { code: S3.into(), county: 510112 };
    assert!(transfers::request(s, &actor(&school, "longquan"), &ask(&student_key(95), "郑爽", S3), &at(1)).is_ok(), "a school asks for its own");
    assert!(s.transfers_in(&Scope::Nothing, None, 10).unwrap().is_empty());
}

/// A record that moved after the request voids it: approving then would move it from a place
/// the approver did not judge.
pub fn transfer_of_a_moved_record_is_void(s: &mut (impl Store + Transfers + AuditLog)) {
    base(s);
    s.set_audit_chain(crate::AuditChain::temporary());
    import(s, Entity::Student, "tv0", &[student(99, S1, "13", "冯琳", "13800000099")]);
    let req = transfers::request(s, &actor(&LONGQUAN, "longquan"), &ask(&student_key(99), "冯琳", S3), &at(1)).unwrap();
    import_as(s, Entity::Student, "tv1", JINJIANG, &[student(99, S2, "13", "冯琳", "13800000099")]);
    assert!(transfers::decide(s, &actor(&JINJIANG, "jinjiang"), req.id, true, "", &at(2)).is_err());
    assert_eq!(s.transfer(req.id).unwrap().unwrap().state, TransferState::Cancelled);
    assert_eq!(s.get_record(Entity::Student, &student_key(99)).unwrap().unwrap(), student(99, S2, "13", "冯琳", "13800000099"));
}
