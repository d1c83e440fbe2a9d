//! Every rule on a valid and an invalid case: a valid base record per entity, then one change
//! at a time, asserting exactly which rules fire.

use standard::ids::{credit_check_char, id_check_char};
use standard::{Context, Date, Entity, RowChecker};
use std::collections::HashSet;
use std::sync::Arc;

fn ctx() -> Context {
    Context { today: Date::new(2026, 11, 29).unwrap(), province: 51, schools: None, scope: None }
}

fn id(body17: &str) -> String {
    format!("{body17}{}", id_check_char(body17.as_bytes()) as char)
}

fn credit(body17: &str) -> String {
    format!("{body17}{}", credit_check_char(body17.as_bytes()).unwrap() as char)
}

/// Checks a record given as (key, value) overrides of a base, returning the rule codes broken.
fn check(entity: Entity, base: &[(&str, String)], changes: &[(&str, &str)], ctx: Context) -> Vec<&'static str> {
    let t = entity.template();
    let mut cells = vec![String::new(); t.fields.len()];
    for (k, v) in base {
        cells[t.index(k).unwrap_or_else(|| panic!("{k}"))] = v.clone();
    }
    for (k, v) in changes {
        cells[t.index(k).unwrap_or_else(|| panic!("{k}"))] = v.to_string();
    }
    let mut c = RowChecker::new(entity, ctx);
    let out = c.check(cells.iter().map(|s| s.as_str()));
    let mut codes: Vec<&str> = out.rules.iter().map(|r| r.code()).collect();
    codes.sort();
    codes
}

fn student() -> Vec<(&'static str, String)> {
    let idn = id("51010420100901123");
    vec![
        ("student_id", format!("G{idn}")),
        ("id_type", "1".into()),
        ("id_number", idn),
        ("name", "张小明".into()),
        ("gender_code", "1".into()),
        ("birth_date", "2010-09-01".into()),
        ("ethnicity_code", "01".into()),
        ("region_code", "510104".into()),
        ("school_code", "2151000001".into()),
        ("grade", "16".into()),
        ("class_name", "3班".into()),
        ("enrollment_date", "2016-09".into()),
        ("guardian_phone", "13812345678".into()),
        ("address", "四川省成都市锦江区".into()),
        ("boarding", "1".into()),
        ("left_behind", "0".into()),
        ("migrant_child", "0".into()),
    ]
}

fn s(changes: &[(&str, &str)]) -> Vec<&'static str> {
    check(Entity::Student, &student(), changes, ctx())
}

#[test]
fn student_base_is_valid() {
    assert_eq!(s(&[]), Vec::<&str>::new());
    // Optional fields may be empty.
    assert_eq!(s(&[("ethnicity_code", ""), ("guardian_phone", ""), ("address", ""), ("enrollment_date", "")]), Vec::<&str>::new());
}

#[test]
fn student_rules() {
    let other = id("51010420100901135");
    let bad_check = {
        let mut x = id("51010420100901123");
        let last = x.pop().unwrap();
        x.push(if last == '0' { '1' } else { '0' });
        x
    };
    let cases: Vec<(Vec<(&str, String)>, Vec<&str>)> = vec![
        (vec![("name", "".into())], vec!["required_missing"]),
        (vec![("student_id", "".into())], vec!["required_missing"]),
        (vec![("id_number", "".into())], vec!["required_missing"]),
        (vec![("student_id", "X123".into())], vec!["student_id_format"]),
        (vec![("student_id", format!("G{other}"))], vec!["student_id_mismatch"]),
        (vec![("id_number", "5101042010090112".into()), ("student_id", "J51010420100901123X".into())], vec!["id_format"]),
        (vec![("id_number", bad_check.clone()), ("student_id", "J51010420100901123X".into())], vec!["id_check_digit"]),
        (vec![("birth_date", "2010-02-30".into())], vec!["birth_date_format"]),
        (vec![("birth_date", "2010-09-02".into())], vec!["birth_mismatch"]),
        (vec![("gender_code", "3".into())], vec!["gender_enum"]),
        (vec![("gender_code", "2".into())], vec!["gender_mismatch"]),
        (vec![("ethnicity_code", "99".into())], vec!["ethnicity_unknown"]),
        (vec![("region_code", "110101".into())], vec!["region_unknown"]),
        (vec![("region_code", "510100".into())], vec!["region_unknown"]),
        (vec![("school_code", "215100000".into())], vec!["school_code_format"]),
        (vec![("school_code", "2051000001".into())], vec!["school_code_format"]),
        (vec![("grade", "17".into())], vec!["grade_enum"]),
        (vec![("enrollment_date", "2016-13".into())], vec!["enrollment_format"]),
        (vec![("enrollment_date", "2030-09".into())], vec!["enrollment_format"]),
        (vec![("guardian_phone", "12812345678".into())], vec!["phone_invalid"]),
        (vec![("id_type", "5".into())], vec!["id_type_unknown"]),
        (vec![("boarding", "7".into())], vec!["code_unknown"]),
        (vec![("name", "张\u{0}三".into())], vec!["invalid_character"]),
        (vec![("grade", "1\n6".into())], vec!["invalid_character"]),
        (vec![("address", "成都市\n锦江区".into())], vec![]),
        (vec![("name", "张".repeat(51))], vec!["text_too_long"]),
    ];
    for (changes, want) in cases {
        let ch: Vec<(&str, &str)> = changes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(s(&ch), want, "{changes:?}");
    }
}

#[test]
fn student_id_kinds() {
    // A J number and a passport: no ID-number rules apply, the ID number may be empty.
    assert_eq!(s(&[("student_id", "J51010420100901123X"), ("id_type", "A"), ("id_number", "E12345678")]), Vec::<&str>::new());
    assert_eq!(s(&[("student_id", "J51010420100901123X"), ("id_type", "Z"), ("id_number", "")]), Vec::<&str>::new());
    // An L number must carry the birth date.
    assert_eq!(s(&[("student_id", "L510104201009011234")]), Vec::<&str>::new());
    assert_eq!(s(&[("student_id", "L510104201009021234")]), vec!["student_id_mismatch"]);
    // Names mapped to codes are fine.
    assert_eq!(s(&[("gender_code", "男"), ("ethnicity_code", "汉族"), ("birth_date", "2010/9/1"), ("grade", "六年级")]), Vec::<&str>::new());
}

#[test]
fn school_unknown_needs_a_register() {
    let mut c = ctx();
    c.schools = Some(Arc::new(HashSet::from([2151000001u64])));
    assert_eq!(check(Entity::Student, &student(), &[], c.clone()), Vec::<&str>::new());
    assert_eq!(check(Entity::Student, &student(), &[("school_code", "2151000002")], c), vec!["school_unknown"]);
}

fn teacher() -> Vec<(&'static str, String)> {
    vec![
        ("id_type", "1".into()),
        ("id_number", id("51010419850312002")),
        ("name", "李老师".into()),
        ("gender_code", "2".into()),
        ("birth_date", "1985-03-12".into()),
        ("ethnicity_code", "01".into()),
        ("school_code", "2151000001".into()),
        ("hire_date", "2008-09-01".into()),
        ("subject", "语文".into()),
        ("phone", "13912345678".into()),
        ("education", "本科".into()),
        ("title", "一级教师".into()),
    ]
}

#[test]
fn teacher_documents_other_than_resident_ids_are_unique_keys() {
    let t = Entity::Teacher.template();
    let mut cells = vec![String::new(); t.fields.len()];
    for (k, v) in teacher() {
        cells[t.index(k).unwrap()] = v;
    }
    cells[t.index("id_type").unwrap()] = "A".into();
    cells[t.index("id_number").unwrap()] = "E1234567".into();
    let mut c = RowChecker::new(Entity::Teacher, ctx());
    let key_a = c.check(cells.iter().map(|s| s.as_str())).keys.clone();
    assert_eq!(key_a.len(), 1);
    assert_eq!(key_a[0].rule.code(), "id_duplicate");
    cells[t.index("id_type").unwrap()] = "6".into();
    let key_6 = c.check(cells.iter().map(|s| s.as_str())).keys.clone();
    assert_ne!(key_a[0].key, key_6[0].key, "the document type is part of the key");
    assert!(key_a[0].key > u64::MAX as u128);
}

#[test]
fn teacher_rules() {
    let t = |c: &[(&str, &str)]| check(Entity::Teacher, &teacher(), c, ctx());
    assert_eq!(t(&[]), Vec::<&str>::new());
    assert_eq!(t(&[("name", "")]), vec!["required_missing"]);
    assert_eq!(t(&[("school_code", "")]), vec!["required_missing"]);
    assert_eq!(t(&[("id_number", "51010419850312")]), vec!["id_format"]);
    assert_eq!(t(&[("gender_code", "1")]), vec!["gender_mismatch"]);
    assert_eq!(t(&[("birth_date", "1985-03-13")]), vec!["birth_mismatch"]);
    assert_eq!(t(&[("birth_date", "1985-3")]), vec!["birth_date_format"]);
    assert_eq!(t(&[("hire_date", "2008-13-01")]), vec!["hire_date_format"]);
    assert_eq!(t(&[("hire_date", "2099-01-01")]), vec!["hire_date_format"]);
    assert_eq!(t(&[("phone", "1391234567")]), vec!["phone_invalid"]);
    assert_eq!(t(&[("ethnicity_code", "00")]), vec!["ethnicity_unknown"]);
    assert_eq!(t(&[("school_code", "21510000")]), vec!["school_code_format"]);
}

fn school() -> Vec<(&'static str, String)> {
    vec![
        ("school_code", "2151000001".into()),
        ("name", "成都市锦江区第一小学".into()),
        ("school_type", "211".into()),
        ("region_code", "510104".into()),
        ("urban_rural", "111".into()),
        ("credit_code", credit("12510104MB0000001")),
        ("address", "成都市锦江区某路1号".into()),
        ("longitude", "104.08".into()),
        ("latitude", "30.65".into()),
        ("principal", "王校长".into()),
        ("phone", "028-86661234".into()),
        ("postal_code", "610021".into()),
    ]
}

#[test]
fn school_rules() {
    let t = |c: &[(&str, &str)]| check(Entity::School, &school(), c, ctx());
    assert_eq!(t(&[]), Vec::<&str>::new());
    assert_eq!(t(&[("school_type", "小学"), ("urban_rural", "主城区")]), Vec::<&str>::new());
    assert_eq!(t(&[("name", "")]), vec!["required_missing"]);
    assert_eq!(t(&[("school_code", "99")]), vec!["school_code_format"]);
    assert_eq!(t(&[("school_type", "21")]), vec!["school_type_unknown"]);
    assert_eq!(t(&[("region_code", "500101")]), vec!["region_unknown"]);
    assert_eq!(t(&[("urban_rural", "999")]), vec!["urban_rural_unknown"]);
    assert_eq!(t(&[("credit_code", "12510104MB000000")]), vec!["credit_code_format"]);
    let mut bad = credit("12510104MB0000001");
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    assert_eq!(t(&[("credit_code", &bad)]), vec!["credit_code_check_digit"]);
    assert_eq!(t(&[("longitude", "200")]), vec!["coordinates_invalid"]);
    assert_eq!(t(&[("latitude", "")]), vec!["coordinates_invalid"]);
    assert_eq!(t(&[("postal_code", "61002")]), vec!["postal_code_invalid"]);
    assert_eq!(t(&[("phone", "call me")]), vec!["phone_invalid"]);
}

/// The import template's example row of each entity passes every rule, without a warning, and
/// its code columns' drop-down lists hold the example's codes.
#[test]
fn template_examples_are_valid() {
    for e in Entity::ALL {
        let cells = e.example();
        let mut c = RowChecker::new(e, Context::new(51));
        let out = c.check(cells.iter().map(|s| s.as_str()));
        assert!(out.is_valid(), "{e}: {:?}", out.rules.iter().map(|r| r.code()).collect::<Vec<_>>());
        assert!(out.warnings.iter().all(|w| w.0 == 0), "{e}: the example needs normalising");
        for (f, v) in e.template().fields.iter().zip(&cells) {
            if let (Some(list), false) = (f.choices(51), v.is_empty()) {
                assert!(list.iter().any(|(code, _)| code == v), "{e}.{}: {v} not in its list", f.key);
            }
        }
    }
    let region = Entity::School.template().fields.iter().find(|f| f.key == "region_code").unwrap();
    let counties = region.choices(51).unwrap();
    assert_eq!(counties.len(), 183);
    assert!(counties.contains(&("510104".to_string(), "成都市锦江区".to_string())));
}
