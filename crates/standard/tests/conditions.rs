//! 办学条件 (school conditions) and the teacher and student fields issue 15 added: a valid base
//! record, then one change at a time, asserting exactly which rules fire.

use standard::template::{conditions_example, CONDITIONS};
use standard::{Context, Date, Entity, RowChecker, Warning};
use std::collections::HashSet;
use std::sync::Arc;

fn ctx() -> Context {
    Context { today: Date::new(2026, 11, 29).unwrap(), province: 51, schools: None, scope: None }
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("school_code", "2151000001"),
        ("school_year", "2024-2025"),
        ("building_area", "6800"),
        ("teaching_area", "3200.5"),
        ("sports_ground_area", "9000"),
        ("sports_hall_area", ""),
        ("equipment_value", "1500000"),
        ("multimedia_rooms", "18"),
        ("library_books", "30000"),
        ("boarding_places", "0"),
        ("county_public", "1"),
        ("teaching_point", "0"),
    ]
}

fn check_with(changes: &[(&str, &str)], ctx: Context) -> (Vec<&'static str>, Vec<String>) {
    let t = &CONDITIONS;
    let mut cells = vec![String::new(); t.fields.len()];
    for (k, v) in base().iter().chain(changes) {
        cells[t.index(k).unwrap_or_else(|| panic!("{k}"))] = v.to_string();
    }
    let mut c = RowChecker::for_template(&CONDITIONS, ctx);
    c.check(cells.iter().map(|s| s.as_str()));
    let mut codes: Vec<&str> = c.out.rules.iter().map(|r| r.code()).collect();
    codes.sort();
    let values = (0..t.fields.len()).map(|i| c.value(i).to_string()).collect();
    (codes, values)
}

fn check(changes: &[(&str, &str)]) -> Vec<&'static str> {
    check_with(changes, ctx()).0
}

#[test]
fn the_base_row_and_the_template_example_pass() {
    assert_eq!(check(&[]), Vec::<&str>::new());
    let mut c = RowChecker::for_template(&CONDITIONS, ctx());
    let ex = conditions_example();
    assert!(c.check(ex.iter().map(|s| s.as_str())).is_valid(), "{:?}", c.out.violations);
}

#[test]
fn school_year_form() {
    for bad in ["2024", "2024-2026", "2025-2024", "24-25", "2024/2025", "1900-1901", "2027-2028"] {
        assert_eq!(check(&[("school_year", bad)]), vec!["school_year_format"], "{bad}");
    }
    // Today is 2026-11-29: the year starting this year is accepted.
    assert_eq!(check(&[("school_year", "2026-2027")]), Vec::<&str>::new());
    assert_eq!(check(&[("school_year", "")]), vec!["required_missing"]);
}

#[test]
fn numbers_are_non_negative_and_plausible() {
    for bad in ["-1", "abc", "1e5", "1.2.3", ".5", "5.", "NaN", "inf"] {
        assert_eq!(check(&[("sports_ground_area", bad)]), vec!["number_invalid"], "{bad}");
    }
    // Rooms, volumes and beds are whole numbers.
    assert_eq!(check(&[("multimedia_rooms", "18.5")]), vec!["number_invalid"]);
    assert_eq!(check(&[("multimedia_rooms", "5001")]), vec!["number_implausible"]);
    assert_eq!(check(&[("multimedia_rooms", "5000")]), Vec::<&str>::new());
    // 2.1 billion yuan of equipment in one school is a unit error (fen, or ten-thousands).
    assert_eq!(check(&[("equipment_value", "2100000000")]), vec!["number_implausible"]);
    assert_eq!(check(&[("sports_ground_area", "0")]), Vec::<&str>::new());
    // Thousands separators are removed, with a warning.
    let (codes, values) = check_with(&[("equipment_value", "1,500,000")], ctx());
    assert!(codes.is_empty());
    assert_eq!(values[CONDITIONS.index("equipment_value").unwrap()], "1500000");
    let mut c = RowChecker::for_template(&CONDITIONS, ctx());
    let mut cells: Vec<String> = conditions_example();
    cells[CONDITIONS.index("equipment_value").unwrap()] = "1,500,000".into();
    c.check(cells.iter().map(|s| s.as_str()));
    assert!(c.out.warnings[CONDITIONS.index("equipment_value").unwrap()].contains(Warning::SeparatorsRemoved));
    // Full-width digits are normalised as everywhere.
    assert_eq!(check(&[("multimedia_rooms", "１８")]), Vec::<&str>::new());
}

#[test]
fn teaching_space_cannot_exceed_the_building() {
    assert_eq!(check(&[("teaching_area", "6800.01")]), vec!["area_inconsistent"]);
    assert_eq!(check(&[("teaching_area", "6800")]), Vec::<&str>::new());
}

#[test]
fn flags_accept_codes_and_names() {
    let (codes, values) = check_with(&[("county_public", "是"), ("teaching_point", "否")], ctx());
    assert!(codes.is_empty());
    assert_eq!(values[CONDITIONS.index("county_public").unwrap()], "1");
    assert_eq!(values[CONDITIONS.index("teaching_point").unwrap()], "0");
    assert_eq!(check(&[("teaching_point", "2")]), vec!["code_unknown"]);
    assert_eq!(check(&[("county_public", "")]), vec!["required_missing"]);
}

#[test]
fn the_school_must_be_known_and_in_scope_and_a_school_year_is_one_row() {
    let known: HashSet<u64> = [2151000001u64].into_iter().collect();
    let c = Context { schools: Some(Arc::new(known)), ..ctx() };
    assert_eq!(check_with(&[("school_code", "2151000002")], c.clone()).0, vec!["school_unknown"]);
    assert_eq!(check_with(&[], c).0, Vec::<&str>::new());
    let scope = standard::check::ScopeRule { counties: (510104, 510104), schools: [2151000009u64].into_iter().collect() };
    let c = Context { scope: Some(Arc::new(scope)), ..ctx() };
    assert_eq!(check_with(&[], c).0, vec!["out_of_scope"]);
    assert_eq!(check(&[("school_code", "12345")]), vec!["school_code_format"]);
    // The duplicate key is (school, year): two years of one school differ, one year twice is
    // the same key.
    let key = |year: &str, school: &str| {
        let t = &CONDITIONS;
        let mut cells = vec![String::new(); t.fields.len()];
        for (k, v) in base() {
            cells[t.index(k).unwrap()] = v.to_string();
        }
        cells[t.index("school_year").unwrap()] = year.into();
        cells[t.index("school_code").unwrap()] = school.into();
        let mut c = RowChecker::for_template(&CONDITIONS, ctx());
        c.check(cells.iter().map(|s| s.as_str()));
        assert_eq!(c.out.keys.len(), 1);
        assert_eq!(c.out.keys[0].rule.code(), "conditions_duplicate");
        c.out.keys[0].key
    };
    assert_eq!(key("2024-2025", "2151000001"), key("2024-2025", "2151000001"));
    assert_ne!(key("2024-2025", "2151000001"), key("2023-2024", "2151000001"));
    assert_ne!(key("2024-2025", "2151000001"), key("2024-2025", "2151000002"));
}

#[test]
fn the_new_teacher_and_student_fields() {
    let t = Entity::Teacher.template();
    let mut cells = Entity::Teacher.example();
    let mut c = RowChecker::new(Entity::Teacher, ctx());
    assert!(c.check(cells.iter().map(|s| s.as_str())).is_valid());
    // Names map to codes: 县级 → 2, 是 → 1.
    cells[t.index("backbone").unwrap()] = "县级".into();
    cells[t.index("full_time").unwrap()] = "是".into();
    c.check(cells.iter().map(|s| s.as_str()));
    assert!(c.out.is_valid());
    assert_eq!((c.value(t.index("backbone").unwrap()), c.value(t.index("full_time").unwrap())), ("2", "1"));
    cells[t.index("backbone").unwrap()] = "9".into();
    c.check(cells.iter().map(|s| s.as_str()));
    assert_eq!(c.out.rules.iter().map(|r| r.code()).collect::<Vec<_>>(), vec!["code_unknown"]);
    // Headers: the Chinese names and aliases are recognised.
    assert_eq!(t.match_header("骨干教师级别"), t.index("backbone"));
    assert_eq!(t.match_header("专任教师"), t.index("full_time"));

    let s = Entity::Student.template();
    let mut cells = Entity::Student.example();
    let mut c = RowChecker::new(Entity::Student, ctx());
    assert!(c.check(cells.iter().map(|s| s.as_str())).is_valid());
    cells[s.index("disability").unwrap()] = "听力残疾".into();
    c.check(cells.iter().map(|s| s.as_str()));
    assert!(c.out.is_valid());
    assert_eq!(c.value(s.index("disability").unwrap()), "2");
    cells[s.index("disability").unwrap()] = "8".into();
    c.check(cells.iter().map(|s| s.as_str()));
    assert_eq!(c.out.rules.iter().map(|r| r.code()).collect::<Vec<_>>(), vec!["code_unknown"]);
}
