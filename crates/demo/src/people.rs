//! Values shared by the teacher and pupil files: the planted bad values (each chosen so that it
//! breaks its one rule and cannot be rescued by normalisation) and the planted warning forms.

use crate::idgen::ascii;
use crate::out::{push_date, push_pad, push_u64};
use crate::rng::Rng;
use crate::schools::push_mobile;
use standard::codes::ETHNIC_GROUPS;
use standard::ids::id_check_char;
use standard::Date;

/// An ID number that is malformed (id_format): one character short, a thirteenth month (with a
/// correct check character, so only the format is wrong), or province 00.
pub fn push_bad_id_format(s: &mut String, id: &[u8; 18], rng: &mut Rng) {
    match rng.below(3) {
        0 => s.push_str(ascii(&id[..17])),
        1 => {
            let mut b = *id;
            b[10] = b'1';
            b[11] = b'3';
            b[17] = id_check_char(&b[..17]);
            s.push_str(ascii(&b));
        }
        _ => {
            s.push_str("00");
            s.push_str(ascii(&id[2..]));
        }
    }
}

/// The same ID with another check character (id_check_digit).
pub fn push_bad_check(s: &mut String, id: &[u8; 18], rng: &mut Rng) {
    const ALPHABET: &[u8; 11] = b"0123456789X";
    let i = ALPHABET.iter().position(|&c| c == id[17]).unwrap_or(0);
    s.push_str(ascii(&id[..17]));
    s.push(ALPHABET[(i + 1 + rng.below(10) as usize) % 11] as char);
}

/// A date that no calendar has (30 February, month 13, day 32): wrong however the validator's
/// `today` is set, and not rescued by lenient date reading.
pub fn push_bad_date(s: &mut String, year: u16, rng: &mut Rng) {
    push_u64(s, year as u64);
    s.push_str(["-02-30", "-13-01", "-06-31", "-09-32"][rng.below(4) as usize]);
}

/// A date a few weeks before `d`: valid, in the past, and different.
pub fn push_other_date(s: &mut String, d: Date, rng: &mut Rng) {
    push_date(
        s,
        Date::from_days_since_epoch(d.days_since_epoch() - rng.range(1, 40)),
    );
}

/// Not a mobile number: second digit 2, or ten digits.
pub fn push_bad_mobile(s: &mut String, rng: &mut Rng) {
    if rng.chance(0.5) {
        s.push_str("12");
        push_pad(s, rng.below(1_000_000_000), 9);
    } else {
        push_mobile(s, rng);
        s.pop();
    }
}

pub fn bad_gender(rng: &mut Rng) -> &'static str {
    ["3", "0", "9"][rng.below(3) as usize]
}

/// Not in GB 3304 (57–96 are unassigned, 99 is not used, 00 is no group).
pub fn bad_ethnicity(rng: &mut Rng) -> &'static str {
    ["99", "57", "00"][rng.below(3) as usize]
}

/// A malformed 学校标识码 made from a real one: category 20, province 00, or nine digits.
pub fn push_bad_school_code(s: &mut String, code: u64, rng: &mut Rng) {
    let mut b = [0u8; 10];
    crate::out::put_digits(&mut b, code);
    match rng.below(3) {
        0 => {
            s.push_str("20");
            s.push_str(ascii(&b[2..]));
        }
        1 => {
            s.push_str(ascii(&b[..2]));
            s.push_str("00");
            s.push_str(ascii(&b[4..]));
        }
        _ => s.push_str(ascii(&b[..9])),
    }
}

/// A date in one of the forms people type instead of `YYYY-MM-DD` (date_normalized).
pub fn push_date_variant(s: &mut String, d: Date, rng: &mut Rng) {
    match rng.below(3) {
        0 => {
            push_u64(s, d.year as u64);
            s.push('/');
            push_u64(s, d.month as u64);
            s.push('/');
            push_u64(s, d.day as u64);
        }
        1 => {
            push_pad(s, d.year as u64, 4);
            push_pad(s, d.month as u64, 2);
            push_pad(s, d.day as u64, 2);
        }
        _ => {
            push_u64(s, d.year as u64);
            s.push('年');
            push_u64(s, d.month as u64);
            s.push('月');
            push_u64(s, d.day as u64);
            s.push('日');
        }
    }
}

/// 男/女, or the ethnic group's name, for value_mapped.
pub fn push_gender_name(s: &mut String, male: bool) {
    s.push_str(if male { "男" } else { "女" });
}

pub fn push_ethnic_name(s: &mut String, code: &str) {
    s.push_str(
        ETHNIC_GROUPS
            .get(code)
            .map(|c| c.name.as_str())
            .unwrap_or("汉族"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idgen::{id_number, Issued};
    use standard::normalize::normalize;
    use standard::template::Kind;
    use standard::{IdError, IdNumber, Mobile};

    fn today() -> Date {
        Date::new(2026, 11, 29).unwrap()
    }

    #[test]
    fn bad_values_stay_bad_after_normalising() {
        let mut rng = Rng::new(5, 5);
        let id = id_number(
            510104,
            Issued {
                birth: Date::new(2012, 3, 4).unwrap(),
                seq: 123,
            },
        );
        for _ in 0..50 {
            let mut s = String::new();
            push_bad_id_format(&mut s, &id, &mut rng);
            assert_eq!(IdNumber::parse(&s, today()), Err(IdError::Format), "{s}");
            s.clear();
            push_bad_check(&mut s, &id, &mut rng);
            assert_eq!(
                IdNumber::parse(&s, today()),
                Err(IdError::CheckDigit),
                "{s}"
            );
            s.clear();
            push_bad_date(&mut s, 2012, &mut rng);
            let mut n = String::new();
            assert_eq!(normalize(Kind::Date, &s, &mut n).0, 0);
            assert!(Date::parse_iso(&n).is_none(), "{s}");
            s.clear();
            push_bad_mobile(&mut s, &mut rng);
            assert!(Mobile::parse(&s).is_err(), "{s}");
        }
    }

    #[test]
    fn variants_normalise_back() {
        let mut rng = Rng::new(6, 6);
        let d = Date::new(2010, 9, 1).unwrap();
        for _ in 0..20 {
            let mut s = String::new();
            push_date_variant(&mut s, d, &mut rng);
            let mut n = String::new();
            let w = normalize(Kind::Date, &s, &mut n);
            assert_eq!(n, "2010-09-01", "{s}");
            assert_eq!(
                w.iter().map(|w| w.code()).collect::<Vec<_>>(),
                ["date_normalized"]
            );
        }
    }
}
