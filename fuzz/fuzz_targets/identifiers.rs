//! Arbitrary strings into the identifier and date parsers and the normaliser.
//!
//! Properties: nothing panics; whatever parses prints back as its input (or, for dates, as a
//! canonical form that parses to the same value); check characters are what the standard
//! computes; a normalised value normalises to itself; a value with no normalisation warning was
//! not changed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use standard::codes::LOOKUP;
use standard::date::DateForm;
use standard::ids::{credit_check_char, id_check_char};
use standard::normalize::normalize;
use standard::{Context, CreditCode, Date, Entity, IdNumber, Kind, Mobile, RowChecker, SchoolCode, StudentId};

const KINDS: &[Kind] = &[
    Kind::Text(1),
    Kind::Text(50),
    Kind::IdType,
    Kind::IdNumber,
    Kind::StudentId,
    Kind::SchoolCode,
    Kind::CreditCode,
    Kind::Mobile,
    Kind::Phone,
    Kind::Date,
    Kind::YearMonth,
    Kind::Gender,
    Kind::Ethnicity,
    Kind::Region,
    Kind::Grade,
    Kind::SchoolType,
    Kind::UrbanRural,
    Kind::Longitude,
    Kind::Latitude,
    Kind::PostalCode,
    Kind::Xueji("JDFS"),
    Kind::Xueji("SFLSET"),
    Kind::Xueji("SFSQZN"),
    Kind::Xueji("SFZJLX"),
    Kind::Xueji("NO_SUCH_TABLE"),
];

fn today() -> Date {
    Date::new(2026, 6, 1).unwrap()
}

fn check_id(s: &str) {
    let today = today();
    let b = s.as_bytes();
    if let Ok(id) = IdNumber::parse(s, today) {
        assert_eq!(id.as_str(), s);
        assert_eq!(id.to_string(), s);
        assert_eq!(id_check_char(&b[..17]), b[17]);
        assert_eq!(Some(id.birth_date()), Date::from_yyyymmdd(&b[6..14]));
        assert!(id.birth_date() <= today);
        assert_eq!(id.gender_code(), if (b[16] - b'0') % 2 == 1 { 1 } else { 2 });
        assert_eq!(id.region(), s[..6].parse::<u32>().unwrap());
        let first17: u64 = s[..17].parse().unwrap();
        assert_eq!(id.key() / 11, first17);
    }
    // Any 17 digits with the computed check character parse exactly when the province and the
    // birth date are real.
    if b.len() >= 17 && b[..17].iter().all(u8::is_ascii_digit) {
        let mut c = b[..17].to_vec();
        c.push(id_check_char(&c));
        let cs = std::str::from_utf8(&c).unwrap();
        let province = (c[0] - b'0') as u32 * 10 + (c[1] - b'0') as u32;
        let expect = LOOKUP.is_province(province) && Date::from_yyyymmdd(&c[6..14]).is_some_and(|d| d <= today);
        assert_eq!(IdNumber::parse(cs, today).is_ok(), expect, "{cs}");
    }
}

fn check_others(s: &str) {
    let today = today();
    if let Ok(sid) = StudentId::parse(s, today) {
        assert_eq!(sid.to_string(), s);
        assert_eq!(StudentId::parse(&sid.to_string(), today), Ok(sid));
    }
    if let Ok(c) = SchoolCode::parse(s) {
        assert_eq!(c.to_string(), s);
        assert_eq!(c.category(), s[..2].parse::<u32>().unwrap());
        assert_eq!(c.province(), s[2..4].parse::<u32>().unwrap());
    }
    if let Ok(c) = CreditCode::parse(s) {
        assert_eq!(c.as_str(), s);
        assert_eq!(credit_check_char(&s.as_bytes()[..17]), Some(s.as_bytes()[17]));
    }
    if let Ok(m) = Mobile::parse(s) {
        assert_eq!(m.as_str(), s);
    }
}

fn check_dates(s: &str) {
    if let Some((d, form)) = Date::parse_lenient(s) {
        assert_eq!(Date::new(d.year as u32, d.month as u32, d.day as u32), Some(d), "{d:?} is not a real date");
        let iso = d.to_string();
        assert_eq!(Date::parse_iso(&iso), Some(d));
        assert_eq!(Date::parse_lenient(&iso), Some((d, DateForm::Canonical)));
        if form == DateForm::Canonical {
            assert_eq!(iso, s);
        }
        assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), d);
    }
    if let Some((d, form)) = Date::parse_year_month(s) {
        assert_eq!(d.day, 1);
        assert!(Date::new(d.year as u32, d.month as u32, 1).is_some());
        let ym = d.year_month().to_string();
        assert_eq!(Date::parse_year_month(&ym), Some((d, DateForm::Canonical)));
        if form == DateForm::Canonical {
            assert_eq!(ym, s);
        }
    }
}

fn check_normalize(s: &str) {
    for &kind in KINDS {
        let mut out = String::from("prefix");
        let w = normalize(kind, s, &mut out);
        assert!(out.starts_with("prefix"), "normalize must append");
        let once = &out["prefix".len()..];
        if w.0 == 0 {
            assert_eq!(once, s, "{kind:?}: changed without a warning");
        }
        // Normalising again changes nothing. (Mobile numbers are exempt while invalid: the
        // country-code strip is one step per pass, e.g. "+86+86…" or "+8686…".)
        if kind != Kind::Mobile || Mobile::parse(once).is_ok() {
            let mut again = String::new();
            let w2 = normalize(kind, once, &mut again);
            assert_eq!(again, once, "{kind:?}: not idempotent on {s:?}");
            assert_eq!(w2.0, 0, "{kind:?}: warnings on an already normalised {once:?}");
        }
    }
}

fn check_rows(s: &str) {
    // The string as a '|'-separated record of each entity.
    let cells: Vec<&str> = s.split('|').collect();
    for e in Entity::ALL {
        let mut c = RowChecker::new(e, Context { today: today(), province: 51, schools: None });
        let out = c.check(cells.iter().copied());
        assert_eq!(out.is_valid(), out.violations.is_empty());
        for v in &out.violations {
            assert!(v.field.is_none_or(|f| (f as usize) < e.template().fields.len()));
        }
        for i in 0..e.template().fields.len() {
            let _ = c.value(i);
        }
    }
}

fuzz_target!(|s: &str| {
    check_id(s);
    check_others(s);
    check_dates(s);
    check_normalize(s);
    check_rows(s);
});
