//! Golden tests: every expected figure is worked out by hand in the comment above it.

use insight::balance::{self, county_balance, judge, weighted_cv, unweighted_cv, Conditions, Measure, SchoolResources};
use insight::classes::{oversized, size_limit, ClassSizes, StudentRow as ClassRow};
use insight::people::{age_fit, retirement_date, AgeFit, StudentBreakdown, StudentRow, TeacherBreakdown, TeacherRow};
use insight::staffing::{self, count_teachers, Basis, TeacherRow as StaffRow};
use insight::{Sections, Stage, INDICATORS};
use standard::Date;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn d(y: u32, m: u32, day: u32) -> Date {
    Date::new(y, m, day).unwrap()
}

/// A primary school of `n` students meeting every indicator comfortably except as overridden.
fn primary(code: &str, county: u32, n: u64, teaching_area: f64) -> SchoolResources {
    SchoolResources {
        school: code.into(),
        county,
        county_public: true,
        teaching_point: false,
        students: Sections::of(n, 0, 0),
        teachers_college_up: n, // 100 per 100
        teachers_bachelor_up: n,
        backbone: n,
        pe_arts: n,
        conditions: Some(Conditions {
            teaching_area,
            sports_area: 10.0 * n as f64,
            equipment_yuan: 3000.0 * n as f64,
            multimedia_rooms: n,
        }),
    }
}

// ---------------------------------------------------------------- county CV

#[test]
fn weighted_cv_differs_from_unweighted_on_the_same_county() {
    // County 510101, primary, teaching space per student over three county-run public schools:
    //   A: 100 students, 100 m²  → X = 1      B: 100 students, 200 m² → X = 2
    //   C: 800 students, 3200 m² → X = 4
    // Weighted (教督〔2017〕6号): P = 1000, X̄ = (100·1 + 100·2 + 800·4) / 1000 = 3500/1000 = 3.5
    //   S² = 0.1·(1−3.5)² + 0.1·(2−3.5)² + 0.8·(4−3.5)² = 0.625 + 0.225 + 0.2 = 1.05
    //   S = √1.05 = 1.0246951, CV = 1.0246951 / 3.5 = 0.2927700  → ≤ 0.50, met
    // Unweighted on the same three values: mean 7/3 = 2.3333333, deviations −4/3, −1/3, 5/3,
    //   variance (16 + 1 + 25)/9/3 = 14/9 = 1.5555556, sd = 1.2472191, CV = 0.5345225 → would fail
    // Two more schools in the county stay out of the CV: a teaching point (30 students, 600 m²
    // → 20 m² each) and a private school (500 students, 100 m² → 0.2 m² each). Had either been
    // counted, X̄ and the CV would move.
    let mut tp = primary("T", 510101, 30, 600.0);
    tp.teaching_point = true;
    let mut private = primary("P", 510101, 500, 100.0);
    private.county_public = false;
    let schools = vec![
        primary("A", 510101, 100, 100.0),
        primary("B", 510101, 100, 200.0),
        primary("C", 510101, 800, 3200.0),
        tp,
        private,
    ];
    let out = county_balance(&schools, Stage::Primary);
    let c = &out[&510101];
    assert_eq!(c.schools, 3);
    let i = Measure::ALL.iter().position(|m| *m == Measure::TeachingSpace).unwrap();
    let disp = c.dispersion[i].unwrap();
    assert_eq!(disp.schools, 3);
    assert!(close(disp.mean, 3.5), "{}", disp.mean);
    assert!(close(disp.sd, 1.05f64.sqrt()));
    assert!(close(disp.cv.unwrap(), 0.2927700), "{:?}", disp.cv);
    assert_eq!(c.cv_met[i], Some(true));
    let un = unweighted_cv(&[1.0, 2.0, 4.0]).unwrap();
    assert!(close(un, 0.5345225), "{un}");
    assert!(un > balance::cv_limit(Stage::Primary).unwrap());
    // The other indicators are equal in every school (100 per 100, 10 m², 3000 yuan, 100 per
    // 100): X̄ = that value, S = 0, CV = 0.
    for (k, m) in Measure::ALL.iter().enumerate() {
        if *m != Measure::TeachingSpace {
            assert!(close(c.dispersion[k].unwrap().cv.unwrap(), 0.0), "{m:?}");
        }
    }
    assert_eq!(c.all_cv_met(), Some(true));
    // Verdicts: A (1 m² < 85 % of 4.5 = 3.825), B (2 m²) and the private school (0.2 m²) fail
    // on teaching space; C (4 m², 6 met, 4 ≥ 3.825) passes, the teaching point (20 m²) passes.
    assert_eq!((c.passing, c.failing, c.unknown), (2, 3, 0));
}

#[test]
fn junior_cv_limit_is_0_45_and_uses_the_junior_section_weight() {
    // Nine-year school N: 300 primary + 100 junior = 400 students, 2400 m² → X = 6 m² in both
    // sections. Junior school J: 300 students, 900 m² → X = 3.
    // Junior CV, weights are the junior enrolments 100 (N) and 300 (J): P = 400,
    //   X̄ = (100·6 + 300·3)/400 = 1500/400 = 3.75
    //   S² = 0.25·(6−3.75)² + 0.75·(3−3.75)² = 0.25·5.0625 + 0.75·0.5625 = 1.265625 + 0.421875 = 1.6875
    //   S = 1.2990381, CV = 1.2990381/3.75 = 0.3464102 ≤ 0.45
    // Primary CV: N alone (J has no primary students): X̄ = 6, S = 0, CV = 0.
    let mut n = primary("N", 510102, 0, 2400.0);
    n.students = Sections::of(300, 100, 0);
    let mut j = primary("J", 510102, 0, 900.0);
    j.students = Sections::of(0, 300, 0);
    let i = Measure::ALL.iter().position(|m| *m == Measure::TeachingSpace).unwrap();
    let junior = county_balance(&[n.clone(), j.clone()], Stage::Junior);
    let cv = junior[&510102].dispersion[i].unwrap();
    assert!(close(cv.mean, 3.75));
    assert!(close(cv.cv.unwrap(), 0.3464102), "{:?}", cv.cv);
    assert_eq!(junior[&510102].cv_met[i], Some(true));
    let prim = county_balance(&[n, j], Stage::Primary);
    assert_eq!(prim[&510102].schools, 1);
    assert!(close(prim[&510102].dispersion[i].unwrap().cv.unwrap(), 0.0));
    // 0.46 against the junior limit 0.45 fails, against the primary 0.50 passes.
    assert!(!insight::indicators::Cmp::AtMost.met(0.46, balance::cv_limit(Stage::Junior).unwrap()));
    assert!(insight::indicators::Cmp::AtMost.met(0.46, balance::cv_limit(Stage::Primary).unwrap()));
}

// ---------------------------------------------------------------- the pass rule

/// A primary school of 200 students, six indicators met and teaching space at `area` m².
///   above degree 9/200·100 = 4.5 ≥ 4.2; backbone 2/200·100 = 1.0 ≥ 1.0 (exactly);
///   PE/arts 2/200·100 = 1.0 ≥ 0.9; sports 1500/200 = 7.5 ≥ 7.5 (exactly);
///   equipment 400 000/200 = 2000 ≥ 2000 (exactly); multimedia 5/200·100 = 2.5 ≥ 2.3.
fn edge_school(area: f64) -> SchoolResources {
    SchoolResources {
        school: "E".into(),
        county: 510103,
        county_public: true,
        teaching_point: false,
        students: Sections::of(200, 0, 0),
        teachers_college_up: 9,
        teachers_bachelor_up: 0,
        backbone: 2,
        pe_arts: 2,
        conditions: Some(Conditions { teaching_area: area, sports_area: 1500.0, equipment_yuan: 400_000.0, multimedia_rooms: 5 }),
    }
}

#[test]
fn six_of_seven_with_the_rest_at_exactly_85_percent_passes() {
    // Teaching space 765/200 = 3.825 = 0.85 × 4.5 exactly: 6 met, the 7th at 85 % → passes.
    let v = judge(edge_school(765.0).values(Stage::Primary), Stage::Primary);
    assert!(close(v.values[3].unwrap(), 3.825));
    assert_eq!(v.met_count, 6);
    assert_eq!(v.met[3], Some(false));
    assert_eq!(v.passes, Some(true));
    // 764/200 = 3.82 < 3.825 → fails.
    let v = judge(edge_school(764.0).values(Stage::Primary), Stage::Primary);
    assert_eq!(v.met_count, 6);
    assert_eq!(v.passes, Some(false));
    // 900/200 = 4.5: all seven met → passes.
    let v = judge(edge_school(900.0).values(Stage::Primary), Stage::Primary);
    assert_eq!((v.met_count, v.passes), (7, Some(true)));
}

#[test]
fn five_of_seven_fails_even_with_the_rest_close() {
    // 500 students: above degree 23 → 4.6 ≥ 4.2; backbone 5 → 1.0; PE/arts 4 → 0.8 (unmet, but
    // 0.8/0.9 = 88.9 % ≥ 85 %); teaching 2225/500 = 4.45 (unmet, 98.9 %); sports 3750 → 7.5;
    // equipment 1 000 000 → 2000; multimedia 12 → 2.4. Met: 5 of 7 → fails, although both unmet
    // values are above 85 %.
    let s = SchoolResources {
        students: Sections::of(500, 0, 0),
        teachers_college_up: 23,
        backbone: 5,
        pe_arts: 4,
        conditions: Some(Conditions { teaching_area: 2225.0, sports_area: 3750.0, equipment_yuan: 1_000_000.0, multimedia_rooms: 12 }),
        ..edge_school(0.0)
    };
    let v = judge(s.values(Stage::Primary), Stage::Primary);
    assert_eq!(v.met_count, 5);
    assert_eq!(v.passes, Some(false));
    // PE/arts 5 → 1.0 (met): exactly 6 of 7, teaching 4.45 ≥ 3.825 → passes.
    let s = SchoolResources { pe_arts: 5, ..s };
    let v = judge(s.values(Stage::Primary), Stage::Primary);
    assert_eq!((v.met_count, v.passes), (6, Some(true)));
    // 6 of 7 with the unmet one below 85 %: PE/arts 3 → 0.6 (66.7 %) and teaching 2900 → 5.8
    // (met) → 6 met, fails.
    let s = SchoolResources { pe_arts: 3, conditions: Some(Conditions { teaching_area: 2900.0, ..s.conditions.unwrap() }), ..s };
    let v = judge(s.values(Stage::Primary), Stage::Primary);
    assert_eq!((v.met_count, v.passes), (6, Some(false)));
}

#[test]
fn the_degree_indicator_follows_the_stage() {
    // Junior school of 100: 6 teachers with 专科 or more, 5 with 本科 or more.
    // Primary reading: 6/100·100 = 6.0; junior reading: 5/100·100 = 5.0 < 5.3.
    let s = SchoolResources {
        students: Sections::of(0, 100, 0),
        teachers_college_up: 6,
        teachers_bachelor_up: 5,
        ..edge_school(0.0)
    };
    assert!(close(s.values(Stage::Primary)[0].unwrap(), 6.0));
    assert!(close(s.values(Stage::Junior)[0].unwrap(), 5.0));
    assert_eq!(judge(s.values(Stage::Junior), Stage::Junior).met[0], Some(false));
    assert_eq!(balance::Degree::parse("硕士研究生"), Some(balance::Degree::Postgraduate));
    assert_eq!(balance::Degree::parse("大学本科"), Some(balance::Degree::Bachelor));
    assert_eq!(balance::Degree::parse("大专"), Some(balance::Degree::College));
    assert_eq!(balance::Degree::parse("中师"), Some(balance::Degree::Secondary));
    assert_eq!(balance::Degree::parse(""), None);
    assert!(balance::backbone_counts("2") && !balance::backbone_counts("1") && !balance::backbone_counts(""));
    assert!(balance::teaches_pe_or_arts("语文、音乐") && balance::teaches_pe_or_arts("体育与健康"));
    assert!(!balance::teaches_pe_or_arts("数学"));
    assert!(balance::is_teaching_point("218", false) && balance::is_teaching_point("211", true));
    assert!(!balance::is_teaching_point("211", false));
}

#[test]
fn missing_data_gives_an_absent_verdict_not_a_failure() {
    // No 办学条件 row: the four conditions indicators are absent → pass unknown, and the
    // school is out of those indicators' CV while the teacher indicators still count.
    let mut s = edge_school(0.0);
    s.conditions = None;
    let v = judge(s.values(Stage::Primary), Stage::Primary);
    assert_eq!(v.passes, None);
    assert_eq!(v.met[0], Some(true));
    assert_eq!(v.met[3], None);
    let c = &county_balance(&[s], Stage::Primary)[&510103];
    assert_eq!((c.passing, c.failing, c.unknown), (0, 0, 1));
    assert!(c.dispersion[0].is_some());
    assert!(c.dispersion[3].is_none());
    assert_eq!(c.cv_met[3], None);
    assert_eq!(c.all_cv_met(), None);
    // Senior secondary is not evaluated.
    assert_eq!(judge(edge_school(900.0).values(Stage::Senior), Stage::Senior).passes, None);
}

#[test]
fn empty_inputs_give_absent_figures_never_nan() {
    assert_eq!(weighted_cv(&[]), None);
    assert_eq!(weighted_cv(&[(0, 5.0), (0, 7.0)]), None);
    // All values 0: X̄ = 0, S = 0, CV absent (0/0).
    let z = weighted_cv(&[(10, 0.0), (20, 0.0)]).unwrap();
    assert_eq!((z.mean, z.sd, z.cv), (0.0, 0.0, None));
    assert_eq!(unweighted_cv(&[]), None);
    assert!(county_balance(&[], Stage::Primary).is_empty());
    // A school with no students has no values at all and is left out of the county.
    let mut s = edge_school(900.0);
    s.students = Sections::default();
    assert!(s.values(Stage::Primary).iter().all(|v| v.is_none()));
    assert!(county_balance(&[s], Stage::Primary).is_empty());
    assert_eq!(ClassSizes::default().large_share(), None);
    assert_eq!(ClassSizes::default().very_large_share(), None);
    let b = StudentBreakdown::count([], 2024);
    assert_eq!((b.migrant_public_share(), b.anomaly_share(), b.migrant_target_met()), (None, None, None));
    let st = staffing::school(Sections::default(), 0);
    assert_eq!((st.required, st.ratio, st.meets), (None, None, None));
    assert_eq!(staffing::by_stage([&st])[0].ratio(), None);
    assert_eq!(TeacherBreakdown::count([], d(2026, 12, 6)).total, 0);
}

// ---------------------------------------------------------------- staffing

#[test]
fn nine_year_school_is_split_by_section() {
    // Nine-year school: 380 primary, 270 junior, 36 teachers.
    //   required = 380/19 + 270/13.5 = 20 + 20 = 40 > 36 → does not meet
    //   teachers by section in proportion to required: 36·20/40 = 18 each
    //   primary ratio 380/18 = 21.111111; junior 270/18 = 15; whole school 650/36 = 18.055556
    let nine = staffing::school(Sections::of(380, 270, 0), 36);
    assert!(close(nine.required.unwrap(), 40.0));
    assert_eq!(nine.meets, Some(false));
    assert!(close(nine.teachers_by_stage[0], 18.0) && close(nine.teachers_by_stage[1], 18.0));
    assert!(close(nine.stage_ratio(Stage::Primary).unwrap(), 21.111111));
    assert!(close(nine.stage_ratio(Stage::Junior).unwrap(), 15.0));
    assert_eq!(nine.stage_ratio(Stage::Senior), None);
    assert!(close(nine.ratio.unwrap(), 18.055556));
    // Primary school: 190 students, 10 teachers: required 190/19 = 10 → meets exactly; ratio 19.
    let prim = staffing::school(Sections::of(190, 0, 0), 10);
    assert_eq!(prim.meets, Some(true));
    assert!(close(prim.ratio.unwrap(), 19.0));
    // County, primary stage: students 380 + 190 = 570, teachers 18 + 10 = 28,
    //   570/28 = 20.357143 > 19 → not met. Junior: 270/18 = 15 > 13.5 → not met.
    let county = staffing::by_stage([&nine, &prim]);
    assert!(close(county[0].ratio().unwrap(), 20.357143));
    assert_eq!(county[0].meets(Stage::Primary), Some(false));
    assert_eq!(county[1].meets(Stage::Junior), Some(false));
    assert_eq!(county[2].ratio(), None);
    // Twelve-year school: 190 primary, 135 junior, 125 senior → required 10 + 10 + 10 = 30;
    // 30 teachers → 10 per section, ratios 19, 13.5, 12.5, meets exactly.
    let twelve = staffing::school(Sections::of(190, 135, 125), 30);
    assert_eq!(twelve.meets, Some(true));
    assert!(close(twelve.stage_ratio(Stage::Senior).unwrap(), 12.5));
}

#[test]
fn the_teacher_count_states_its_basis() {
    let t = |f| StaffRow { full_time: f };
    // One row says full-time or not → count the full-time ones: 2 of 4.
    assert_eq!(count_teachers(&[t(Some(true)), t(Some(false)), t(None), t(Some(true))]), (2, Basis::FullTime));
    // Nobody's flag filled in → all 3 on the register.
    assert_eq!(count_teachers(&[t(None), t(None), t(None)]), (3, Basis::Register));
    assert_eq!(count_teachers(&[]), (0, Basis::Register));
}

// ---------------------------------------------------------------- class sizes

#[test]
fn class_bands_and_school_size() {
    // Five classes of 30, 55, 56, 65, 66 students (school S), and 4 students without a class:
    //   大班额 56–65: 2 classes → 2/5 = 0.4; 超大班额 66+: 1 → 1/5 = 0.2; 56+: 3/5 = 0.6
    // "（1）班" in grades 21 and 22 are two classes (30 in 21, 55 in 22).
    let mut rows = Vec::new();
    let mut add = |grade: &'static str, class: &'static str, n: usize| {
        for _ in 0..n {
            rows.push(ClassRow { school: "S", grade, class_name: class });
        }
    };
    add("21", "（1）班", 30);
    add("22", "（1）班", 55);
    add("22", "（2）班", 56);
    add("23", "（1）班", 65);
    add("23", "（2）班", 66);
    add("23", "", 4);
    let c = ClassSizes::count(rows);
    assert_eq!((c.total(), c.large(), c.very_large(), c.unassigned), (5, 2, 1, 4));
    assert!(close(c.large_share().unwrap(), 0.4));
    assert!(close(c.very_large_share().unwrap(), 0.2));
    assert!(close(c.large_or_more_share().unwrap(), 0.6));
    // Size limits: nine-year 2500 (2500 is not over, 2501 is), primary 2000, senior: no limit.
    assert_eq!(size_limit("312"), Some(2500));
    assert_eq!(oversized("312", &Sections::of(1500, 1000, 0)), Some(false));
    assert_eq!(oversized("312", &Sections::of(1500, 1001, 0)), Some(true));
    assert_eq!(oversized("211", &Sections::of(2001, 0, 0)), Some(true));
    assert_eq!(oversized("211", &Sections::of(2000, 0, 0)), Some(false));
    assert_eq!(oversized("342", &Sections::of(0, 0, 5000)), None);
}

// ---------------------------------------------------------------- students

#[test]
fn students_breakdown_and_age_grade_anomalies() {
    // School year 2024-2025: ages on 2024-09-01.
    // Grade 11 (normal 6): born 2018-09-02 → 5 (birthday not reached) → fits (too young ≤ 4);
    //   born 2020-01-01 → 4 → too young.
    // Grade 21 (normal 12): born 2009-08-31 → 15 = 12 + 3 → too old; born 2009-09-02 → 14 → fits.
    assert_eq!(age_fit("11", d(2018, 9, 2), 2024), Some(AgeFit::Fits));
    assert_eq!(age_fit("11", d(2020, 1, 1), 2024), Some(AgeFit::TooYoung));
    assert_eq!(age_fit("21", d(2009, 8, 31), 2024), Some(AgeFit::TooOld));
    assert_eq!(age_fit("21", d(2009, 9, 2), 2024), Some(AgeFit::Fits));
    assert_eq!(age_fit("99", d(2009, 9, 2), 2024), None);
    // 20 migrant children in grade 15, 17 of them in public schools: 17/20 = 0.85 → target met
    // (exactly). One more migrant child in grade 31 does not count (not compulsory).
    let mut rows = Vec::new();
    for i in 0..20 {
        rows.push(StudentRow { grade: "15", migrant_child: "1", public_school: i < 17, ethnicity: "01", ..Default::default() });
    }
    rows.push(StudentRow { grade: "31", migrant_child: "1", public_school: false, ..Default::default() });
    // A boarder, a left-behind child (2 双亲留守), a minority (03), a disabled child (1), and
    // the two age cases above.
    rows.push(StudentRow { grade: "11", boarding: "2", left_behind: "2", ethnicity: "03", disability: "1", birth: Some(d(2020, 1, 1)), ..Default::default() });
    rows.push(StudentRow { grade: "21", boarding: "1", left_behind: "0", ethnicity: "01", disability: "0", birth: Some(d(2009, 8, 31)), ..Default::default() });
    let b = StudentBreakdown::count(rows, 2024);
    assert_eq!(b.total, 23);
    assert_eq!((b.migrant, b.migrant_public), (20, 17));
    assert!(close(b.migrant_public_share().unwrap(), 0.85));
    assert_eq!(b.migrant_target_met(), Some(true));
    assert_eq!((b.boarders, b.left_behind, b.minority, b.disabled), (1, 1, 1, 1));
    assert_eq!((b.too_young, b.too_old), (1, 1));
    // 2 anomalies of 23 students.
    assert!(close(b.anomaly_share().unwrap(), 2.0 / 23.0));
    assert_eq!(b.by_grade["15"], 20);
    assert_eq!(b.by_grade_age[&("11".to_string(), 4)], 1);
    // 16 of 20 in public: 0.8 < 0.85.
    let rows: Vec<_> = (0..20).map(|i| StudentRow { grade: "21", migrant_child: "1", public_school: i < 16, ..Default::default() }).collect();
    assert_eq!(StudentBreakdown::count(rows, 2024).migrant_target_met(), Some(false));
}

// ---------------------------------------------------------------- teachers

#[test]
fn retirement_dates_follow_the_2025_reform() {
    // Men: born 1964-12-10, before the reform's first cohort → 60 → 2024-12-10.
    assert_eq!(retirement_date(d(1964, 12, 10), "1"), Some(d(2024, 12, 10)));
    // Born 1965-01-15: first cohort, 1 month → 2025-02-15. 1965-04: still 1 (months 0–3).
    assert_eq!(retirement_date(d(1965, 1, 15), "1"), Some(d(2025, 2, 15)));
    assert_eq!(retirement_date(d(1965, 4, 1), "1"), Some(d(2025, 5, 1)));
    // 1965-05: 4 months after → 4/4 + 1 = 2 → 60 y 2 m → 2025-07-01.
    assert_eq!(retirement_date(d(1965, 5, 1), "1"), Some(d(2025, 7, 1)));
    // 1976-09: 140 months → 140/4 + 1 = 36 → 63 → 2039-09-01; later births stay at 36.
    assert_eq!(retirement_date(d(1976, 9, 1), "1"), Some(d(2039, 9, 1)));
    assert_eq!(retirement_date(d(1980, 1, 1), "1"), Some(d(2043, 1, 1)));
    // Women: 55; born 1969-06-30 → 2024-06-30; born 1970-01-01 → 1 month → 2025-02-01.
    assert_eq!(retirement_date(d(1969, 6, 30), "2"), Some(d(2024, 6, 30)));
    assert_eq!(retirement_date(d(1970, 1, 1), "2"), Some(d(2025, 2, 1)));
    // The day is clamped: born 1970-01-31 + 55 y 1 m → 2025-02-28.
    assert_eq!(retirement_date(d(1970, 1, 31), "2"), Some(d(2025, 2, 28)));
    assert_eq!(retirement_date(d(1970, 1, 31), ""), None);
}

#[test]
fn teachers_breakdown_counts_retirements_in_3_and_5_years() {
    // Today 2026-12-06: 3 years → 2029-12-06, 5 years → 2031-12-06.
    // A man born 1967-03-01: 26 months after 1965-01 → 26/4 + 1 = 7 → 60 y 7 m → 2027-10-01:
    //   within 3 (and 5) years.
    // A woman born 1974-01-01: 48 months after 1970-01 → 13 → 55 y 13 m → 2030-02-01: within 5,
    //   not 3.
    // A man born 1964-01-01 → 2024-01-01: past retirement.
    // A woman born 1990-05-05 (age 36) and a teacher without a birth date: neither.
    let rows = [
        TeacherRow { gender: "1", birth: Some(d(1967, 3, 1)), education: "本科", title: "高级教师" },
        TeacherRow { gender: "2", birth: Some(d(1974, 1, 1)), education: "大专", title: "一级教师" },
        TeacherRow { gender: "1", birth: Some(d(1964, 1, 1)), education: "中师", title: "高级教师" },
        TeacherRow { gender: "2", birth: Some(d(1990, 5, 5)), education: "硕士研究生", title: "" },
        TeacherRow { gender: "", birth: None, education: "", title: "二级教师" },
    ];
    let b = TeacherBreakdown::count(rows, d(2026, 12, 6));
    assert_eq!(b.total, 5);
    assert_eq!((b.retiring_in_3, b.retiring_in_5, b.past_retirement), (1, 2, 1));
    assert_eq!(b.gender, [2, 2, 1]);
    // Ages on 2026-12-06: 59 (55–59 band), 52 (50–54), 62 (60–64), 36 (35–39).
    assert_eq!(b.age_bands[&55], [1, 0, 0]);
    assert_eq!(b.age_bands[&50], [0, 1, 0]);
    assert_eq!(b.age_bands[&60], [1, 0, 0]);
    assert_eq!(b.age_bands[&35], [0, 1, 0]);
    assert_eq!(b.titles["高级教师"], 2);
    assert_eq!(b.degree[&Some(balance::Degree::Bachelor)], 1);
    assert_eq!(b.degree[&None], 1);
}

// ---------------------------------------------------------------- the indicators as data

#[test]
fn indicators_are_data_and_agree_with_the_computations() {
    let mut keys = std::collections::HashSet::new();
    for i in INDICATORS {
        assert!(keys.insert(i.key), "{} twice", i.key);
        assert!(i.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        assert!(!i.zh.is_empty() && !i.en.is_empty() && !i.definition.is_empty() && !i.formula.is_empty() && !i.source.is_empty());
        for t in i.thresholds {
            assert!(!t.document.is_empty(), "{}", i.key);
        }
    }
    // The seven measures' thresholds in the data are the ones the computation uses.
    for m in Measure::ALL {
        let ind = insight::indicators::get(m.key()).expect("indicator of a measure");
        for (stage, label) in [(Stage::Primary, "小学"), (Stage::Junior, "初中")] {
            let t = ind.thresholds.iter().find(|t| t.applies_zh.contains(label)).unwrap();
            assert_eq!(Some(t.value), m.threshold(stage), "{} {label}", m.key());
            assert_eq!(t.document, "教督〔2017〕6号");
        }
    }
    let cv = insight::indicators::get("county_cv").unwrap();
    assert_eq!(cv.thresholds[0].value, 0.50);
    assert_eq!(cv.thresholds[1].value, 0.45);
    let ratio = insight::indicators::get("student_teacher_ratio").unwrap();
    for (k, s) in Stage::ALL.iter().enumerate() {
        assert_eq!(ratio.thresholds[k].value, staffing::norm(*s));
    }
}

#[test]
fn the_docs_page_prints_the_indicators_as_they_are() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/indicators.md")).unwrap();
    let (begin, end) = ("<!-- BEGIN insight indicators -->\n", "<!-- END insight indicators -->");
    let a = page.find(begin).expect("begin marker") + begin.len();
    let b = page.find(end).expect("end marker");
    let want = insight::indicators::markdown();
    if page[a..b] != want {
        panic!("docs/indicators.md is out of date; the block between the markers should read:\n{want}");
    }
}
