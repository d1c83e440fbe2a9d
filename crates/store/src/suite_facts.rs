//! The per-school facts suite (`store::facts`): every backend's stored facts agree with the
//! `insight` crate computed over the raw rows, follow imports (a moved student changes both
//! schools), are untouched by a batch that is not committed, equal a full recompute, and are
//! read by scope.

use crate::facts::{self, Facts, SchoolFacts, GRADES};
use crate::suite::{import, school, student, teacher};
use crate::{BatchMeta, Scope, Store};
use insight::balance::{backbone_counts, teaches_pe_or_arts, Degree};
use insight::classes::ClassSizes;
use insight::people::{StudentBreakdown, TeacherBreakdown};
use standard::{Date, Entity};
use std::collections::BTreeMap;

#[macro_export]
macro_rules! facts_suite {
    ($make:expr) => {
        $crate::facts_suite!(@tests $make;
            facts_agree_with_insight, a_moved_student_changes_both_schools, an_uncommitted_batch_changes_no_facts,
            facts_are_read_by_scope, county_aggregates_are_the_sums_of_their_schools,
            a_move_across_counties_changes_both_aggregates, an_uncommitted_batch_changes_no_aggregate,
            last_years_aggregates_stay_beside_this_years, drilled_lists_hold_what_the_facts_count);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_facts::$name(&mut s);
            }
        )*
    };
}

const S1: &str = "2151040001";
const S2: &str = "2151040002";
const S3: &str = "3151140001";

fn set(entity: Entity, mut v: Vec<String>, k: &str, x: &str) -> Vec<String> {
    v[entity.template().index(k).unwrap()] = x.to_string();
    v
}

/// A small deterministic register: three schools in two counties, 400 students with classes of
/// every size band, 60 teachers of every kind.
fn data() -> (Vec<Vec<String>>, Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut schools = vec![school(S1, "510104", "第一小学"), school(S2, "510104", "第二小学"), school(S3, "510112", "第一中学")];
    schools[2] = set(Entity::School, schools[2].clone(), "school_type", "312");
    let mut x: u64 = 7;
    let mut rnd = |n: u64| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    let mut students = Vec::new();
    for seq in 0..400u32 {
        let (sch, grade, class) = match seq {
            // 70 in one class of S1 (超大班额), 60 in one of S2 (大班额).
            0..70 => (S1, "13", "1班".to_string()),
            70..130 => (S2, "15", "2班".to_string()),
            _ => {
                let sch = [S1, S2, S3][rnd(3) as usize];
                let g = GRADES[rnd(12) as usize];
                let c = if rnd(10) == 0 { String::new() } else { format!("{}班", rnd(4) + 1) };
                (sch, g, c)
            }
        };
        let mut r = student(seq, sch, grade, "学生", "13800000000");
        let y = 2008 + rnd(14) as u32;
        let birth = format!("{y}-{:02}-{:02}", rnd(12) + 1, rnd(28) + 1);
        let pick = |r: &mut dyn FnMut(u64) -> u64, xs: &[&str]| xs[r(xs.len() as u64) as usize].to_string();
        let (b, l, m, e, d) = (
            pick(&mut rnd, &["1", "2", ""]),
            pick(&mut rnd, &["0", "1", "2", ""]),
            pick(&mut rnd, &["0", "1"]),
            pick(&mut rnd, &["01", "03", "", "01"]),
            pick(&mut rnd, &["0", "", "2", "0"]),
        );
        for (k, v) in [("birth_date", birth.as_str()), ("class_name", &class), ("boarding", &b), ("left_behind", &l), ("migrant_child", &m), ("ethnicity_code", &e), ("disability", &d)] {
            r = set(Entity::Student, r, k, v);
        }
        students.push(r);
    }
    let mut teachers = Vec::new();
    for seq in 0..60u32 {
        let sch = [S1, S2, S3][(seq % 3) as usize];
        let mut r = teacher(seq, sch);
        let birth = format!("{}-{:02}-{:02}", 1960 + rnd(40), rnd(12) + 1, rnd(28) + 1);
        let gender = ["1", "2", "1", "2"][rnd(4) as usize];
        let edu = ["本科", "大专", "中师", "硕士研究生", "", "其他"][rnd(6) as usize];
        let title = ["一级教师", "高级教师", "二级教师", ""][rnd(4) as usize];
        let backbone = ["0", "1", "2", "3", "5", ""][rnd(6) as usize];
        // S2 never says who is 专任 (its ratio counts the register).
        let full = if sch == S2 { "" } else { ["1", "0", "1"][rnd(3) as usize] };
        let subject = ["数学", "体育", "音乐、语文", "美术", "语文"][rnd(5) as usize];
        for (k, v) in [("birth_date", birth.as_str()), ("gender_code", gender), ("education", edu), ("title", title), ("backbone", backbone), ("full_time", full), ("subject", subject)] {
            r = set(Entity::Teacher, r, k, v);
        }
        teachers.push(r);
    }
    (schools, students, teachers)
}

fn get<'a>(row: &'a [String], entity: Entity, k: &str) -> &'a str {
    &row[entity.template().index(k).unwrap()]
}

fn load(s: &mut (impl Store + Facts)) -> (Vec<Vec<String>>, Vec<Vec<String>>, Vec<Vec<String>>) {
    let (schools, students, teachers) = data();
    import(s, Entity::School, "f-schools", &schools);
    import(s, Entity::Student, "f-students", &students);
    import(s, Entity::Teacher, "f-teachers", &teachers);
    (schools, students, teachers)
}

fn by_school(s: &mut (impl Store + Facts), scope: &Scope) -> BTreeMap<String, SchoolFacts> {
    s.school_facts(scope).unwrap().into_iter().map(|f| (f.school.clone(), f)).collect()
}

/// The facts equal `insight` over the raw rows, school by school.
pub fn facts_agree_with_insight(s: &mut (impl Store + Facts)) {
    let (_, students, teachers) = load(s);
    let today = Date::today();
    let year = facts::school_year_of(today);
    let got = by_school(s, &Scope::all());
    assert_eq!(got.len(), 3);
    let st = Entity::Student;
    let te = Entity::Teacher;
    for code in [S1, S2, S3] {
        let f = &got[code];
        assert_eq!(f.school_year, year);
        let rows: Vec<&Vec<String>> = students.iter().filter(|r| get(r, st, "school_code") == code).collect();
        let b = StudentBreakdown::count(
            rows.iter().map(|r| insight::people::StudentRow {
                grade: get(r, st, "grade"),
                birth: Date::parse_iso(get(r, st, "birth_date")),
                boarding: get(r, st, "boarding"),
                left_behind: get(r, st, "left_behind"),
                migrant_child: get(r, st, "migrant_child"),
                ethnicity: get(r, st, "ethnicity_code"),
                disability: get(r, st, "disability"),
                public_school: true,
            }),
            year,
        );
        assert_eq!(f.students, b.total, "{code}");
        for (i, g) in GRADES.iter().enumerate() {
            assert_eq!(f.by_grade[i], b.by_grade.get(*g).copied().unwrap_or(0), "{code} grade {g}");
        }
        assert_eq!((f.boarders, f.left_behind, f.minority, f.disabled), (b.boarders, b.left_behind, b.minority, b.disabled), "{code}");
        assert_eq!((f.migrant, f.too_young, f.too_old), (b.migrant, b.too_young, b.too_old), "{code}");
        let c = ClassSizes::count(rows.iter().map(|r| insight::classes::StudentRow {
            school: code,
            grade: get(r, st, "grade"),
            class_name: get(r, st, "class_name"),
        }));
        assert_eq!((f.classes, f.classes_large, f.classes_very_large, f.unassigned), (c.total(), c.large(), c.very_large(), c.unassigned), "{code}");

        let trows: Vec<&Vec<String>> = teachers.iter().filter(|r| get(r, te, "school_code") == code).collect();
        let as_of = facts::as_of(today);
        let t = TeacherBreakdown::count(
            trows.iter().map(|r| insight::people::TeacherRow {
                gender: get(r, te, "gender_code"),
                birth: Date::parse_iso(get(r, te, "birth_date")),
                education: get(r, te, "education"),
                title: get(r, te, "title"),
            }),
            as_of,
        );
        assert_eq!(f.teachers, t.total);
        assert_eq!(f.gender, t.gender);
        let deg = [Some(Degree::Secondary), Some(Degree::College), Some(Degree::Bachelor), Some(Degree::Postgraduate), None];
        for (i, d) in deg.iter().enumerate() {
            assert_eq!(f.degree[i], t.degree.get(d).copied().unwrap_or(0), "{code} degree {d:?}");
        }
        assert_eq!(f.titles, t.titles);
        let births = s.teacher_births(&Scope::School { code: code.into(), county: f.county }, true).unwrap();
        let ages = facts::teacher_ages(&births, today);
        assert_eq!(ages.bands, t.age_bands, "{code}");
        assert_eq!((ages.retiring_in_3, ages.retiring_in_5, ages.past_retirement), (t.retiring_in_3, t.retiring_in_5, t.past_retirement), "{code}");
        let ft: Vec<insight::staffing::TeacherRow> = trows
            .iter()
            .map(|r| insight::staffing::TeacherRow {
                full_time: match get(r, te, "full_time") {
                    "1" => Some(true),
                    "0" => Some(false),
                    _ => None,
                },
            })
            .collect();
        assert_eq!(f.ratio_teachers(), insight::staffing::count_teachers(&ft), "{code}");
        let n = |p: &dyn Fn(&Vec<String>) -> bool| trows.iter().filter(|r| p(r)).count() as u64;
        assert_eq!(f.backbone, n(&|r| backbone_counts(get(r, te, "backbone"))));
        assert_eq!(f.college_up, n(&|r| Degree::parse(get(r, te, "education")).is_some_and(|d| d >= Degree::College)));
        assert_eq!(f.bachelor_up, n(&|r| Degree::parse(get(r, te, "education")).is_some_and(|d| d >= Degree::Bachelor)));
        assert_eq!(f.pe_arts, n(&|r| teaches_pe_or_arts(get(r, te, "subject")) && get(r, te, "full_time") != "0"));
    }
    // The two seeded classes land in their bands.
    assert!(got[S1].classes_very_large >= 1 && got[S2].classes_large >= 1);
    // S2 never says who is 专任: its ratio counts the register.
    assert_eq!(got[S2].ratio_teachers(), (got[S2].teachers, insight::staffing::Basis::Register));
    // A county's sum of births equals its schools'.
    let county = s.teacher_births(&Scope::Region { lo: 510104, hi: 510104 }, false).unwrap();
    assert_eq!(county.iter().map(|b| b.teachers).sum::<u64>(), got[S1].teachers + got[S2].teachers - unborn(&teachers, &[S1, S2]));
}

fn unborn(teachers: &[Vec<String>], schools: &[&str]) -> u64 {
    teachers
        .iter()
        .filter(|r| schools.contains(&get(r, Entity::Teacher, "school_code")) && Date::parse_iso(get(r, Entity::Teacher, "birth_date")).is_none())
        .count() as u64
}

/// A student who moves from S1 (锦江区) to S3 (龙泉驿区) leaves S1's facts and joins S3's; a
/// teacher who changes school likewise; the facts kept by imports equal a full recompute.
pub fn a_moved_student_changes_both_schools(s: &mut (impl Store + Facts)) {
    let (_, students, teachers) = load(s);
    let before = by_school(s, &Scope::all());
    // Student 0 is in S1's big class of grade 13.
    let moved = set(Entity::Student, students[0].clone(), "school_code", S3);
    let t0 = teachers.iter().find(|r| get(r, Entity::Teacher, "school_code") == S1).unwrap();
    let t_moved = set(Entity::Teacher, t0.clone(), "school_code", S2);
    let sum = import(s, Entity::Student, "f-move", &[moved]);
    assert_eq!(sum.updated, 1);
    import(s, Entity::Teacher, "f-move-t", &[t_moved]);
    let after = by_school(s, &Scope::all());
    assert_eq!(after[S1].students, before[S1].students - 1);
    assert_eq!(after[S3].students, before[S3].students + 1);
    assert_eq!(after[S1].by_grade[2], before[S1].by_grade[2] - 1);
    assert_eq!(after[S3].by_grade[2], before[S3].by_grade[2] + 1);
    assert_eq!(after[S2].students, before[S2].students);
    assert_eq!(after[S1].teachers, before[S1].teachers - 1);
    assert_eq!(after[S2].teachers, before[S2].teachers + 1);
    // The 70-student class is now 69: still 66+.
    assert_eq!(after[S1].classes_very_large, before[S1].classes_very_large);
    // What the imports kept equals a recompute from scratch.
    let births_kept = s.teacher_births(&Scope::all(), true).unwrap();
    assert_eq!(s.refresh_facts(&Scope::all()).unwrap(), 3);
    assert_eq!(by_school(s, &Scope::all()), after);
    assert_eq!(s.teacher_births(&Scope::all(), true).unwrap(), births_kept);
    // A scoped refresh writes only its area.
    assert_eq!(s.refresh_facts(&Scope::Region { lo: 510112, hi: 510112 }).unwrap(), 1);
    assert_eq!(by_school(s, &Scope::all()), after);
}

/// A batch dropped before its commit (a crash) leaves the facts as they were.
pub fn an_uncommitted_batch_changes_no_facts(s: &mut (impl Store + Facts)) {
    let (_, students, _) = load(s);
    let before = by_school(s, &Scope::all());
    {
        let meta = BatchMeta { entity: Entity::Student, file_name: "x.csv".into(), file_hash: "never".into(), user: "tester".into(), scope: Scope::all() };
        let mut b = s.begin_import(&meta).unwrap();
        for (i, r) in students.iter().take(50).enumerate() {
            let r = set(Entity::Student, r.clone(), "school_code", S3);
            let v: Vec<&str> = r.iter().map(|x| x.as_str()).collect();
            b.record(i as u64 + 2, &v).unwrap();
        }
    }
    assert_eq!(by_school(s, &Scope::all()), before);
}

/// Facts and births are cut to the reader's area; a scope that sees nothing gets nothing.
pub fn facts_are_read_by_scope(s: &mut (impl Store + Facts)) {
    load(s);
    let county = by_school(s, &Scope::Region { lo: 510104, hi: 510104 });
    assert_eq!(county.keys().cloned().collect::<Vec<_>>(), vec![S1.to_string(), S2.to_string()]);
    let one = by_school(s, &Scope::School { code: S3.into(), county: 510112 });
    assert_eq!(one.keys().cloned().collect::<Vec<_>>(), vec![S3.to_string()]);
    assert!(s.school_facts(&Scope::Nothing).unwrap().is_empty());
    assert!(s.teacher_births(&Scope::Nothing, false).unwrap().is_empty());
    assert!(s.teacher_births(&Scope::Region { lo: 510112, hi: 510112 }, true).unwrap().iter().all(|b| b.school == S3));
    // Another county's school, asked for by a school scope, is not there.
    assert!(s.school_facts(&Scope::School { code: S1.into(), county: 510112 }).unwrap().is_empty());
}

/// Asserts that the stored county aggregates of the current school year equal the sums of the
/// stored school facts, county by county (the attributed teachers to a millionth), and that the
/// counties' birth buckets are the schools' summed.
fn assert_aggregates_agree(s: &mut (impl Store + Facts)) -> BTreeMap<u32, facts::CountyFacts> {
    let year = facts::school_year_of(Date::today());
    let schools = s.school_facts(&Scope::all()).unwrap();
    let kept: BTreeMap<u32, facts::CountyFacts> =
        s.county_facts(&Scope::all()).unwrap().into_iter().filter(|c| c.school_year == year).map(|c| (c.county, c)).collect();
    let counties: std::collections::BTreeSet<u32> = schools.iter().map(|f| f.county).collect();
    assert_eq!(kept.keys().copied().collect::<std::collections::BTreeSet<_>>(), counties);
    for (&c, got) in &kept {
        let rows: Vec<SchoolFacts> = schools.iter().filter(|f| f.county == c).cloned().collect();
        let want = facts::aggregate(year, c, &rows);
        assert_eq!((got.schools, got.oversized, &got.facts), (want.schools, want.oversized, &want.facts), "county {c}");
        for i in 0..3 {
            assert!((got.stage_teachers[i] - want.stage_teachers[i]).abs() < 1e-6, "county {c} stage {i}: {} vs {}", got.stage_teachers[i], want.stage_teachers[i]);
        }
    }
    let mut by_county: BTreeMap<(u32, u8, u32), u64> = BTreeMap::new();
    for b in s.teacher_births(&Scope::all(), false).unwrap() {
        *by_county.entry((b.county, b.gender, b.ym)).or_insert(0) += b.teachers;
    }
    let kept_b: BTreeMap<(u32, u8, u32), u64> = s.county_births(&Scope::all(), year).unwrap().into_iter().map(|b| ((b.county, b.gender, b.ym), b.teachers)).collect();
    assert_eq!(kept_b, by_county);
    kept
}

/// After an import each county's aggregate is its schools' facts summed: 锦江区 has S1 and S2,
/// 龙泉驿区 S3, and the 400 students and 60 teachers are all counted once.
pub fn county_aggregates_are_the_sums_of_their_schools(s: &mut (impl Store + Facts)) {
    load(s);
    let kept = assert_aggregates_agree(s);
    assert_eq!(kept.keys().copied().collect::<Vec<_>>(), vec![510104, 510112]);
    assert_eq!((kept[&510104].schools, kept[&510112].schools), (2, 1));
    assert_eq!(kept[&510104].facts.students + kept[&510112].facts.students, 400);
    assert_eq!(kept[&510104].facts.teachers + kept[&510112].facts.teachers, 60);
    // Teachers are dealt S1, S2, S3 in turn: 20 each.
    assert_eq!((kept[&510104].facts.teachers, kept[&510112].facts.teachers), (40, 20));
    // S1's class of 70 and S2's of 60 are in 锦江区.
    assert!(kept[&510104].facts.classes_very_large >= 1 && kept[&510104].facts.classes_large >= 1);
    // A county's scope sees its own row only; a school's none.
    let one = s.county_facts(&Scope::Region { lo: 510112, hi: 510112 }).unwrap();
    assert_eq!(one.iter().map(|c| c.county).collect::<Vec<_>>(), vec![510112]);
    assert!(s.county_facts(&Scope::School { code: S3.into(), county: 510112 }).unwrap().is_empty());
    assert!(s.county_facts(&Scope::Nothing).unwrap().is_empty());
    assert!(s.county_births(&Scope::Region { lo: 510112, hi: 510112 }, facts::school_year_of(Date::today())).unwrap().iter().all(|b| b.county == 510112));
}

/// A student and a teacher moving from S1 (锦江区) to S3 (龙泉驿区) change both counties'
/// aggregates by one; a full recompute gives the same rows.
pub fn a_move_across_counties_changes_both_aggregates(s: &mut (impl Store + Facts)) {
    let (_, students, teachers) = load(s);
    let before = assert_aggregates_agree(s);
    let moved = set(Entity::Student, students[0].clone(), "school_code", S3);
    let t0 = teachers.iter().find(|r| get(r, Entity::Teacher, "school_code") == S1).unwrap();
    let t_moved = set(Entity::Teacher, t0.clone(), "school_code", S3);
    import(s, Entity::Student, "f-move", &[moved]);
    import(s, Entity::Teacher, "f-move-t", &[t_moved]);
    let after = assert_aggregates_agree(s);
    assert_eq!(after[&510104].facts.students, before[&510104].facts.students - 1);
    assert_eq!(after[&510112].facts.students, before[&510112].facts.students + 1);
    assert_eq!(after[&510104].facts.teachers, 39);
    assert_eq!(after[&510112].facts.teachers, 21);
    // Student 0 is in grade 13.
    assert_eq!(after[&510112].facts.by_grade[2], before[&510112].facts.by_grade[2] + 1);
    s.refresh_facts(&Scope::all()).unwrap();
    let again = assert_aggregates_agree(s);
    assert_eq!(again.values().map(|c| (&c.facts, c.schools, c.oversized)).collect::<Vec<_>>(), after.values().map(|c| (&c.facts, c.schools, c.oversized)).collect::<Vec<_>>());
}

/// A batch dropped before its commit leaves the aggregates as they were.
pub fn an_uncommitted_batch_changes_no_aggregate(s: &mut (impl Store + Facts)) {
    let (_, students, _) = load(s);
    let before = s.county_facts(&Scope::all()).unwrap();
    {
        let meta = BatchMeta { entity: Entity::Student, file_name: "x.csv".into(), file_hash: "never".into(), user: "tester".into(), scope: Scope::all() };
        let mut b = s.begin_import(&meta).unwrap();
        for (i, r) in students.iter().take(50).enumerate() {
            let r = set(Entity::Student, r.clone(), "school_code", S3);
            let v: Vec<&str> = r.iter().map(|x| x.as_str()).collect();
            b.record(i as u64 + 2, &v).unwrap();
        }
    }
    assert_eq!(s.county_facts(&Scope::all()).unwrap(), before);
}

/// Last school year's aggregate, kept from elsewhere, stays when this year's facts are written
/// again (an import, a full recompute); only a region's own counties and past years may be kept.
pub fn last_years_aggregates_stay_beside_this_years(s: &mut (impl Store + Facts)) {
    load(s);
    let year = facts::school_year_of(Date::today());
    let mut last = facts::CountyFacts { school_year: year - 1, county: 510112, schools: 1, oversized: 0, stage_teachers: [0.0, 12.5, 0.0], ..Default::default() };
    last.facts.students = 350;
    last.facts.teachers = 18;
    last.facts.by_grade[6] = 350;
    last.facts.titles.insert("一级教师".into(), 7);
    let county = Scope::Region { lo: 510112, hi: 510112 };
    // Not this year's row, not another county's, not from a school.
    let mut now = last.clone();
    now.school_year = year;
    assert!(matches!(s.keep_county_facts(&county, &[now]), Err(crate::StoreError::OutOfScope)));
    assert!(matches!(s.keep_county_facts(&Scope::Region { lo: 510104, hi: 510104 }, &[last.clone()]), Err(crate::StoreError::OutOfScope)));
    assert!(matches!(s.keep_county_facts(&Scope::School { code: S3.into(), county: 510112 }, &[last.clone()]), Err(crate::StoreError::OutOfScope)));
    assert_eq!(s.keep_county_facts(&county, &[last.clone()]).unwrap(), 1);
    fn read(s: &mut (impl Store + Facts)) -> Vec<(u16, u32, u64)> {
        s.county_facts(&Scope::all()).unwrap().iter().map(|c| (c.school_year, c.county, c.facts.students)).collect()
    }
    fn this_year(s: &mut (impl Store + Facts), year: u16) -> (u64, u64) {
        let r = s.county_facts(&Scope::all()).unwrap();
        let st = |c: u32| r.iter().find(|x| x.county == c && x.school_year == year).unwrap().facts.students;
        (st(510104), st(510112))
    }
    let (a, b) = this_year(s, year);
    assert_eq!(read(s), vec![(year - 1, 510112, 350), (year, 510104, a), (year, 510112, b)]);
    // The row reads back as written (the attributed teachers to a millionth).
    let got = s.county_facts(&county).unwrap().into_iter().find(|c| c.school_year == year - 1).unwrap();
    assert_eq!((got.facts.teachers, got.facts.by_grade[6], got.facts.titles.get("一级教师").copied(), got.stage_teachers), (18, 350, Some(7), [0.0, 12.5, 0.0]));
    // An import and a full recompute rewrite this year's rows only.
    let (_, students, _) = data();
    import(s, Entity::Student, "f-again", &[set(Entity::Student, students[0].clone(), "school_code", S3)]);
    s.refresh_facts(&Scope::all()).unwrap();
    assert_eq!(read(s), vec![(year - 1, 510112, 350), (year, 510104, a - 1), (year, 510112, b + 1)]);
    // Writing last year again replaces it.
    last.facts.students = 351;
    s.keep_county_facts(&county, &[last]).unwrap();
    assert_eq!(read(s)[0], (year - 1, 510112, 351));
}

/// Every drill-down list (store::drill) holds exactly the records its figure counts, for a
/// county and for one school, walked page by page in small pages (so that a chunk holds more
/// kept rows than a page and is cut at the last that fits); each row passes the rule; the
/// drilled total agrees; another county's or school's scope finds none.
pub fn drilled_lists_hold_what_the_facts_count(s: &mut (impl Store + Facts + crate::Browse)) {
    use crate::drill::{Drill, DrillOn};
    use crate::PersonQuery;
    load(s);
    let today = Date::today();
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let s1 = Scope::School { code: S1.into(), county: 510104 };
    let areas: [(&str, Scope, PersonQuery); 2] = [
        ("county", Scope::all(), PersonQuery { region: Some(510104), ..Default::default() }),
        ("school", county.clone(), PersonQuery { school: Some(S1.into()), ..Default::default() }),
    ];
    for (what, scope, base) in areas {
        let narrow = if what == "county" { county.clone() } else { s1.clone() };
        let f = facts::sum(&s.school_facts(&narrow).unwrap());
        assert_eq!(f.school_year, facts::school_year_of(today));
        let ages = facts::teacher_ages(&s.teacher_births(&narrow, what == "school").unwrap(), today);
        for d in Drill::STUDENTS.iter().chain(Drill::TEACHERS.iter()).copied() {
            let entity = d.entity();
            let want = d.figure(&f, &ages);
            let q = PersonQuery { drill: Some(DrillOn { drill: d, today }), limit: 7, ..base.clone() };
            let mut got = 0u64;
            let mut keys = std::collections::BTreeSet::new();
            let mut after = None;
            loop {
                let page = s.people(&scope, entity, &PersonQuery { after: after.clone(), ..q.clone() }).unwrap();
                assert!(page.rows.len() <= 7);
                for r in &page.rows {
                    assert!(keys.insert(r.key.clone()), "{what} {}: {} twice", d.key(), r.key);
                    if what == "school" {
                        assert_eq!(r.get(entity.template().index("school_code").unwrap()), Some(S1));
                    }
                }
                got += page.rows.len() as u64;
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            assert!(want > 0, "{what} {}: the data should hold some", d.key());
            assert_eq!(got, want, "{what} {}", d.key());
            assert_eq!(s.count_people(&scope, entity, &q).unwrap(), crate::Total { n: want, exact: true }, "{what} {} total", d.key());
        }
    }
    // Outside the scope: a county officer of 510112 asking for 510104, a school asking for another.
    let other = Scope::Region { lo: 510112, hi: 510112 };
    let s3 = Scope::School { code: S3.into(), county: 510112 };
    for d in [Drill::Boarders, Drill::Female] {
        let on = Some(DrillOn { drill: d, today });
        for (scope, q) in [
            (&other, PersonQuery { region: Some(510104), drill: on, limit: 50, ..Default::default() }),
            (&s3, PersonQuery { school: Some(S1.into()), drill: on, limit: 50, ..Default::default() }),
        ] {
            let page = s.people(scope, d.entity(), &q).unwrap();
            assert!(page.rows.is_empty() && page.next.is_none(), "{}", d.key());
            assert_eq!(s.count_people(scope, d.entity(), &q).unwrap().n, 0);
        }
        // The county's own drilled list holds only its own schools.
        let q = PersonQuery { drill: on, limit: 500, ..Default::default() };
        let page = s.people(&other, d.entity(), &q).unwrap();
        let i = d.entity().template().index("school_code").unwrap();
        assert!(!page.rows.is_empty() && page.rows.iter().all(|r| r.get(i) == Some(S3)));
    }
    // The class-size figures open the classes they count (school, grade, class, students).
    for band in [facts::Band::Large, facts::Band::VeryLarge] {
        for (scope, school) in [(&county, None), (&county, Some(S1)), (&s1, None)] {
            let want = facts::sum(&by_school(s, scope).into_values().filter(|f| school.is_none_or(|c| f.school == c)).collect::<Vec<_>>());
            let want = if band == facts::Band::Large { want.classes_large } else { want.classes_very_large };
            let got = s.class_sizes(scope, school, band).unwrap();
            assert_eq!(got.len() as u64, want, "{band:?} {scope:?} {school:?}");
            assert!(got.iter().all(|c| band.holds(c.students) && school.is_none_or(|x| c.school == x)));
        }
        assert!(s.class_sizes(&other, Some(S1), band).unwrap().is_empty());
        assert!(s.class_sizes(&s3, Some(S1), band).unwrap().is_empty());
    }
    let big = s.class_sizes(&s1, None, facts::Band::VeryLarge).unwrap();
    assert!(big.iter().any(|c| c.grade == "13" && c.class_name == "1班" && c.students >= 70), "{big:?}");
}
