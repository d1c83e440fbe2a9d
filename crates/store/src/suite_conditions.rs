//! The tests of the 办学条件 storage every backend must pass ([`conditions_suite!`]): rows written
//! by the same import batch as the registers (inserted, unchanged on re-import, updated with
//! their changes logged, all or nothing), the writer's area judged at the school's county inside
//! the batch (another county's school → a rejected row `out_of_scope`, nothing moved), and the
//! reads of [`Conditions`] cut to the reader's scope.

use crate::conditions::Conditions;
use crate::suite::{import, import_as, school};
use crate::{BatchMeta, Scope, Store};
use standard::Entity;

/// What the suite needs of a backend.
pub trait ConditionsStore: Store + crate::Browse + Conditions + crate::facts::Facts {}
impl<T: Store + crate::Browse + Conditions + crate::facts::Facts> ConditionsStore for T {}

#[macro_export]
macro_rules! conditions_suite {
    ($make:expr) => {
        $crate::conditions_suite!(@tests $make;
            conditions_insert_unchanged_update, conditions_writes_are_scoped, conditions_reads_are_scoped,
            conditions_pages_and_years, dropped_conditions_batch_rolls_back, balance_schools_join_facts_and_conditions,
            kept_balances_equal_a_recompute);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_conditions::$name(&mut s);
            }
        )*
    };
}

const S1: &str = "2151040001";
const S2: &str = "2151040002";
const S3: &str = "3151140001";
const Y1: &str = "2023-2024";
const Y2: &str = "2024-2025";

/// A conditions row in template order: the school, the year, the teaching space (m²) and the
/// multimedia rooms; the rest fixed and believable.
pub fn row(school: &str, year: &str, teaching_area: &str, rooms: &str) -> Vec<String> {
    [school, year, "6800", teaching_area, "9000", "", "1500000", rooms, "30000", "0", "1", "0"].iter().map(|s| s.to_string()).collect()
}

/// Two schools in 锦江区 (510104), one in 龙泉驿区 (510112).
fn base(s: &mut dyn ConditionsStore) {
    import(s, Entity::School, "c-schools", &[school(S1, "510104", "第一小学"), school(S2, "510104", "第二小学"), school(S3, "510112", "第一中学")]);
}

fn key(school: &str, year: &str) -> String {
    crate::keys::conditions_key(school, year).unwrap()
}

pub fn conditions_insert_unchanged_update(s: &mut dyn ConditionsStore) {
    base(s);
    let rows = [row(S1, Y1, "3000", "12"), row(S1, Y2, "3200", "18"), row(S2, Y2, "2500", "9")];
    let b = import(s, Entity::Conditions, "c1", &rows);
    assert_eq!((b.inserted, b.updated, b.unchanged, b.rejected), (3, 0, 0, 0));
    assert_eq!(b.entity, Entity::Conditions);
    // The same rows again (another file): unchanged, nothing written.
    let b = import(s, Entity::Conditions, "c2", &rows);
    assert_eq!((b.inserted, b.updated, b.unchanged, b.rejected), (0, 0, 3, 0));
    // One value changed: one update, its change logged field by field.
    let b = import(s, Entity::Conditions, "c3", &[row(S1, Y2, "3400", "18"), row(S2, Y2, "2500", "9")]);
    assert_eq!((b.inserted, b.updated, b.unchanged), (0, 1, 1));
    assert_eq!(s.get_record(Entity::Conditions, &key(S1, Y2)).unwrap().unwrap(), row(S1, Y2, "3400", "18"));
    let changes = s.changes(Entity::Conditions, &key(S1, Y2)).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].field.as_str(), changes[0].old_value.as_str(), changes[0].new_value.as_str()), ("teaching_area", "3200", "3400"));
    // The school's history, newest year first, with the school's name and county.
    let h = s.conditions_history(&Scope::all(), S1).unwrap();
    assert_eq!(h.iter().map(|c| c.school_year.as_str()).collect::<Vec<_>>(), vec![Y2, Y1]);
    assert_eq!((h[0].school_name.as_str(), h[0].region_code.as_str()), ("第一小学", "510104"));
    assert_eq!(h[0].values, row(S1, Y2, "3400", "18"));
    assert_eq!((h[0].number("teaching_area"), h[0].number("sports_hall_area"), h[0].flag("county_public"), h[0].flag("teaching_point")), (Some(3400.0), None, true, false));
    // The batch is listed and found by its hash, like a register's.
    assert_eq!(s.find_batch_by_hash(Entity::Conditions, "c1").unwrap().map(|b| b.inserted), Some(3));
    assert!(s.find_batch_by_hash(Entity::School, "c1").unwrap().is_none());
}

/// A county officer of 龙泉驿区 (510112) writes only the conditions of its own schools: a row of
/// a 锦江区 school is refused inside the batch (`out_of_scope`, kept with its cells) and nothing
/// of it moves, new or stored; a school writes only its own conditions; nothing writes nothing.
pub fn conditions_writes_are_scoped(s: &mut dyn ConditionsStore) {
    base(s);
    import(s, Entity::Conditions, "s0", &[row(S1, Y2, "3200", "18")]);
    let county = Scope::Region { lo: 510112, hi: 510112 };
    let (b, refused) = import_as(s, Entity::Conditions, "s1", county.clone(), &[row(S1, Y2, "9999", "99"), row(S2, Y2, "2500", "9"), row(S3, Y2, "5000", "30")]);
    assert_eq!((b.inserted, b.updated, b.unchanged, b.rejected, refused), (1, 0, 0, 2, 2));
    assert_eq!(s.get_record(Entity::Conditions, &key(S1, Y2)).unwrap().unwrap(), row(S1, Y2, "3200", "18"), "the stored row did not change");
    assert!(s.get_record(Entity::Conditions, &key(S2, Y2)).unwrap().is_none(), "nothing new outside the area");
    assert!(s.changes(Entity::Conditions, &key(S1, Y2)).unwrap().is_empty());
    let mut refusals = Vec::new();
    s.rejected_rows(b.id, &mut |r| {
        refusals.push((r.line, r.codes, r.raw));
        Ok(())
    })
    .unwrap();
    assert_eq!(refusals.iter().map(|r| (r.0, r.1.clone())).collect::<Vec<_>>(), vec![(2, vec![crate::OUT_OF_SCOPE.to_string()]), (3, vec![crate::OUT_OF_SCOPE.to_string()])]);
    let mut raw = row(S1, Y2, "9999", "99");
    raw.reverse();
    assert_eq!(refusals[0].2, raw, "the refused row kept in the file's column order");
    // A school administrator: its own school only.
    let own = Scope::School { code: S1.into(), county: 510104 };
    let (b, refused) = import_as(s, Entity::Conditions, "s2", own, &[row(S1, Y1, "3000", "12"), row(S2, Y1, "2400", "8")]);
    assert_eq!((b.inserted, b.rejected, refused), (1, 1, 1));
    // Nothing writes nothing.
    let (b, refused) = import_as(s, Entity::Conditions, "s3", Scope::Nothing, &[row(S3, Y1, "4000", "20")]);
    assert_eq!((b.inserted, b.rejected, refused), (0, 1, 1));
    assert!(s.get_record(Entity::Conditions, &key(S3, Y1)).unwrap().is_none());
}

/// Reads are cut to the reader's scope; another area's school answers as an unknown one.
pub fn conditions_reads_are_scoped(s: &mut dyn ConditionsStore) {
    base(s);
    import(s, Entity::Conditions, "r0", &[row(S1, Y2, "3200", "18"), row(S2, Y2, "2500", "9"), row(S3, Y2, "5000", "30"), row(S3, Y1, "4800", "28")]);
    let schools = |p: crate::Page<crate::conditions::SchoolConditions>| p.rows.into_iter().map(|c| c.school_code).collect::<Vec<_>>();
    let jinjiang = Scope::Region { lo: 510104, hi: 510104 };
    assert_eq!(schools(s.conditions_of_year(&Scope::all(), Y2, None, 50).unwrap()), vec![S1, S2, S3]);
    assert_eq!(schools(s.conditions_of_year(&jinjiang, Y2, None, 50).unwrap()), vec![S1, S2]);
    assert_eq!(schools(s.conditions_of_year(&Scope::Region { lo: 510100, hi: 510199 }, Y2, None, 50).unwrap()), vec![S1, S2, S3], "the city sees its counties");
    let own = Scope::School { code: S2.into(), county: 510104 };
    assert_eq!(schools(s.conditions_of_year(&own, Y2, None, 50).unwrap()), vec![S2]);
    assert!(s.conditions_of_year(&Scope::Nothing, Y2, None, 50).unwrap().rows.is_empty());
    assert!(s.conditions_history(&jinjiang, S3).unwrap().is_empty(), "another county's school: as if unknown");
    assert!(s.conditions_history(&jinjiang, "2151049999").unwrap().is_empty());
    assert!(s.conditions_history(&own, S1).unwrap().is_empty());
    assert_eq!(s.conditions_history(&own, S2).unwrap().len(), 1);
    assert_eq!(s.conditions_years(&jinjiang).unwrap(), vec![Y2.to_string()]);
    assert_eq!(s.conditions_years(&Scope::all()).unwrap(), vec![Y2.to_string(), Y1.to_string()]);
    assert!(s.conditions_years(&Scope::Nothing).unwrap().is_empty());
    assert!(crate::Browse::record(s, &jinjiang, Entity::Conditions, &key(S3, Y2)).unwrap().is_none());
    assert!(crate::Browse::record(s, &jinjiang, Entity::Conditions, &key(S1, Y2)).unwrap().is_some());
}

/// A school year's list in pages of `limit`, by school code, every row once.
pub fn conditions_pages_and_years(s: &mut dyn ConditionsStore) {
    let codes: Vec<String> = (1..=7).map(|i| format!("21510400{i:02}")).collect();
    let rows: Vec<Vec<String>> = codes.iter().map(|c| school(c, "510104", "某小学")).collect();
    import(s, Entity::School, "p-schools", &rows);
    let cond: Vec<Vec<String>> = codes.iter().map(|c| row(c, Y2, "3000", "10")).collect();
    import(s, Entity::Conditions, "p0", &cond);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let p = s.conditions_of_year(&Scope::all(), Y2, after.as_deref(), 3).unwrap();
        assert!(p.rows.len() <= 3);
        seen.extend(p.rows.into_iter().map(|c| c.school_code));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, codes);
    let mut all = Vec::new();
    s.each_conditions_of_year(&Scope::all(), Y2, &mut |c| {
        all.push(c.school_code);
        true
    })
    .unwrap();
    assert_eq!(all, codes);
    assert!(s.conditions_of_year(&Scope::all(), Y1, None, 3).unwrap().rows.is_empty());
    assert!(s.conditions_of_year(&Scope::all(), Y2, Some("not a cursor"), 3).is_err());
}

/// A batch dropped before its commit (a crash, a failed file) leaves nothing behind.
pub fn dropped_conditions_batch_rolls_back(s: &mut dyn ConditionsStore) {
    base(s);
    import(s, Entity::Conditions, "d0", &[row(S1, Y2, "3200", "18")]);
    {
        let meta = BatchMeta { entity: Entity::Conditions, file_name: "c.csv".into(), file_hash: "d1".into(), user: "tester".into(), scope: Scope::all() };
        let mut b = s.begin_import(&meta).unwrap();
        for (i, r) in [row(S1, Y2, "1", "1"), row(S2, Y2, "2500", "9")].iter().enumerate() {
            let v: Vec<&str> = r.iter().map(String::as_str).collect();
            b.record(i as u64 + 2, &v).unwrap();
        }
        // Dropped without commit.
    }
    assert_eq!(s.get_record(Entity::Conditions, &key(S1, Y2)).unwrap().unwrap(), row(S1, Y2, "3200", "18"));
    assert!(s.get_record(Entity::Conditions, &key(S2, Y2)).unwrap().is_none());
    assert!(s.find_batch_by_hash(Entity::Conditions, "d1").unwrap().is_none());
}

/// The balance tests' pupils and teachers.
fn people(s: &mut dyn ConditionsStore) {
    use crate::suite::{student, teacher};
    let set = |entity: Entity, mut v: Vec<String>, kv: &[(&str, &str)]| {
        for (k, x) in kv {
            v[entity.template().index(k).unwrap()] = x.to_string();
        }
        v
    };
    // S1: three pupils (grades 1, 2 and junior 1), two of them migrant; S2: two pupils, one
    // migrant; S3: one migrant pupil.
    let st = Entity::Student;
    let students = vec![
        set(st, student(1, S1, "11", "甲", "13800000001"), &[("migrant_child", "1")]),
        set(st, student(2, S1, "12", "乙", "13800000002"), &[("migrant_child", "1")]),
        set(st, student(3, S1, "21", "丙", "13800000003"), &[("migrant_child", "0")]),
        set(st, student(4, S2, "11", "丁", "13800000004"), &[("migrant_child", "1")]),
        student(5, S2, "13", "戊", "13800000005"),
        set(st, student(6, S3, "11", "己", "13800000006"), &[("migrant_child", "1")]),
    ];
    import(s, st, "b-students", &students);
    // S1: a 本科 county backbone PE teacher and a 大专 one; S2: a 中师 one.
    let te = Entity::Teacher;
    let teachers = vec![
        set(te, teacher(1, S1), &[("education", "本科"), ("backbone", "2"), ("subject", "体育"), ("full_time", "1")]),
        set(te, teacher(2, S1), &[("education", "大专"), ("backbone", "1"), ("full_time", "1")]),
        set(te, teacher(3, S2), &[("education", "中师")]),
    ];
    import(s, te, "b-teachers", &teachers);
}

/// The balance screen's per-school inputs: each school of the scope with facts, joined to its
/// 办学条件 of the year asked — enrolment by section, teachers, migrant children from the facts,
/// the areas and flags from the row; a school without a row for the year has no conditions, is
/// not counted county-run public (its migrant children are not in the public share), and another
/// county's school is not read.
pub fn balance_schools_join_facts_and_conditions(s: &mut dyn ConditionsStore) {
    base(s);
    people(s);
    import(s, Entity::Conditions, "b-cond", &[row(S1, Y2, "3200", "18"), row(S3, Y2, "5000", "30")]);
    let jinjiang = Scope::Region { lo: 510104, hi: 510104 };
    let got = crate::conditions::balance_schools(s, &jinjiang, Y2).unwrap();
    assert_eq!(got.iter().map(|b| b.resources.school.as_str()).collect::<Vec<_>>(), vec![S1, S2], "another county's school is not read");
    let (a, b) = (&got[0], &got[1]);
    assert_eq!((a.name.as_str(), a.has_conditions, a.migrant, a.migrant_public()), ("第一小学", true, 2, 2));
    let r = &a.resources;
    assert_eq!((r.county, r.county_public, r.teaching_point, r.students.0), (510104, true, false, [2, 1, 0]));
    assert_eq!((r.teachers_college_up, r.teachers_bachelor_up, r.backbone, r.pe_arts), (2, 1, 1, 1));
    let c = r.conditions.unwrap();
    assert_eq!((c.teaching_area, c.sports_area, c.equipment_yuan, c.multimedia_rooms), (3200.0, 9000.0, 1_500_000.0, 18));
    assert_eq!((b.has_conditions, b.migrant, b.migrant_public(), b.resources.county_public, b.resources.conditions), (false, 1, 0, false, None));
    assert_eq!((b.resources.students.0, b.resources.teachers_college_up), ([2, 0, 0], 0));
    // Another year: S1 has no row for it.
    let got = crate::conditions::balance_schools(s, &jinjiang, Y1).unwrap();
    assert!(got.iter().all(|b| !b.has_conditions && b.resources.conditions.is_none()));
    // A school scope sees itself only; nothing sees nothing.
    let own = Scope::School { code: S2.into(), county: 510104 };
    assert_eq!(crate::conditions::balance_schools(s, &own, Y2).unwrap().iter().map(|b| b.resources.school.as_str()).collect::<Vec<_>>(), vec![S2]);
    assert!(crate::conditions::balance_schools(s, &Scope::Nothing, Y2).unwrap().is_empty());
}

/// The figures kept per county and 办学条件 year (`county_balance`, read by the province and city
/// screens) equal those computed from the schools ([`balance_schools`] then
/// [`balance_of_county`], what a county's screen computes) after every kind of write: students
/// and teachers, a first 办学条件 year, another year for one school only (every county gets that
/// year's row), a changed 县域内公办 flag, a pupil moving county, a full recompute. The area
/// without any 办学条件 ('') is kept too; a county's scope reads its own row, a school's none.
pub fn kept_balances_equal_a_recompute(s: &mut dyn ConditionsStore) {
    use crate::conditions::{balance_of_county, balance_schools, KeptBalance};
    use crate::suite::student;
    fn check(s: &mut dyn ConditionsStore) -> Vec<KeptBalance> {
        let mut years = s.conditions_years(&Scope::all()).unwrap();
        years.push(String::new());
        let mut all = Vec::new();
        for y in &years {
            let rows = balance_schools(s, &Scope::all(), y).unwrap();
            let mut codes: Vec<u32> = rows.iter().map(|r| r.resources.county).collect();
            codes.dedup();
            let want: Vec<KeptBalance> = codes.iter().map(|&c| balance_of_county(y, c, &rows)).collect();
            assert_eq!(s.kept_balances(&Scope::all(), y).unwrap(), want, "year {y:?}");
            for w in &want {
                assert_eq!(s.kept_balances(&Scope::Region { lo: w.county, hi: w.county }, y).unwrap(), vec![w.clone()]);
            }
            assert!(s.kept_balances(&Scope::School { code: S1.into(), county: 510104 }, y).unwrap().is_empty());
            assert!(s.kept_balances(&Scope::Nothing, y).unwrap().is_empty());
            all.extend(want);
        }
        all
    }
    let find = |k: &[KeptBalance], y: &str, c: u32| k.iter().find(|x| x.year == y && x.county == c).cloned().unwrap();
    base(s);
    people(s);
    let k = check(s);
    assert_eq!(k.iter().map(|x| (x.year.as_str(), x.county)).collect::<Vec<_>>(), vec![("", 510104), ("", 510112)]);
    let mut s2 = row(S2, Y2, "2500", "9");
    s2[Entity::Conditions.template().index("sports_ground_area").unwrap()] = "4000".into();
    import(s, Entity::Conditions, "k-cond", &[row(S1, Y2, "3200", "18"), s2, row(S3, Y2, "5000", "30")]);
    let k = check(s);
    let j = find(&k, Y2, 510104);
    // S1's two migrant pupils and S2's one are in county-run public schools; primary CVs over both.
    assert_eq!(j.migrant_public, 3);
    let p = j.stages[0].as_ref().unwrap();
    assert_eq!(p.schools, 2);
    assert!(p.dispersion[4].unwrap().cv.unwrap() > 0.0 && j.unweighted[0][4].unwrap() > 0.0);
    // Another year for S3 only: 锦江区 gets that year's row too (its schools without 办学条件).
    import(s, Entity::Conditions, "k-cond-y1", &[row(S3, Y1, "4800", "28")]);
    let k = check(s);
    assert_eq!(find(&k, Y1, 510104).migrant_public, 0);
    // S1 is no longer county-run public.
    let mut s1 = row(S1, Y2, "3200", "18");
    s1[Entity::Conditions.template().index("county_public").unwrap()] = "0".into();
    import(s, Entity::Conditions, "k-cond-flag", &[s1]);
    let k = check(s);
    assert_eq!((find(&k, Y2, 510104).migrant_public, find(&k, Y2, 510104).stages[0].as_ref().unwrap().schools), (1, 1));
    // S2's migrant pupil moves to S3 (龙泉驿区); then everything is recomputed.
    let mut moved = student(4, S3, "11", "丁", "13800000004");
    moved[Entity::Student.template().index("migrant_child").unwrap()] = "1".into();
    import(s, Entity::Student, "k-move", &[moved]);
    let k = check(s);
    assert_eq!((find(&k, Y2, 510104).migrant_public, find(&k, Y2, 510112).migrant_public), (0, 2));
    s.refresh_facts(&Scope::all()).unwrap();
    assert_eq!(check(s), k);
}
