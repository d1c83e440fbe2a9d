//! Identifiers as parsing newtypes: once parsed, valid by construction.

use crate::codes::LOOKUP;
use crate::date::Date;
use std::fmt;

/// Why an identifier did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    /// Wrong length, characters, date, region or prefix.
    Format,
    /// Well formed, but the check character does not match.
    CheckDigit,
}

// GB 11643-1999 §5.2: weights W_i = 2^(i-1) mod 11 for positions 18..2, check = table[Σ mod 11].
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character of a GB 11643-1999 citizen ID number for its first 17 digits.
pub fn id_check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17.iter().zip(ID_WEIGHTS).map(|(c, w)| (c - b'0') as u32 * w).sum();
    ID_CHECK[(sum % 11) as usize]
}

/// 公民身份号码, GB 11643-1999: six-digit address code, eight-digit birth date, three-digit
/// sequence (odd for men, even for women), one check character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdNumber([u8; 18]);

impl IdNumber {
    /// Parses an 18-character ID number. `today` bounds the birth date (no one is born in the future).
    pub fn parse(s: &str, today: Date) -> Result<IdNumber, IdError> {
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
            return Err(IdError::Format);
        }
        let last = b[17];
        if !(last.is_ascii_digit() || last == b'X') {
            return Err(IdError::Format);
        }
        // The address code may be a county that no longer exists; only the province must be real.
        let province = ((b[0] - b'0') * 10 + (b[1] - b'0')) as u32;
        if !LOOKUP.is_province(province) {
            return Err(IdError::Format);
        }
        match Date::from_yyyymmdd(&b[6..14]) {
            Some(d) if d <= today => {}
            _ => return Err(IdError::Format),
        }
        if id_check_char(&b[..17]) != last {
            return Err(IdError::CheckDigit);
        }
        let mut a = [0u8; 18];
        a.copy_from_slice(b);
        Ok(IdNumber(a))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII by construction")
    }

    pub fn birth_date(&self) -> Date {
        Date::from_yyyymmdd(&self.0[6..14]).expect("checked at parse")
    }

    /// GB/T 2261.1 sex code: 1 (male) when the 17th digit is odd, 2 (female) when even.
    pub fn gender_code(&self) -> u8 {
        if (self.0[16] - b'0') % 2 == 1 {
            1
        } else {
            2
        }
    }

    pub fn region(&self) -> u32 {
        self.0[..6].iter().fold(0, |a, c| a * 10 + (c - b'0') as u32)
    }

    /// A lossless 64-bit key: 17 digits times 11 plus the check character's index.
    pub fn key(&self) -> u64 {
        id_like_key(&self.0)
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 17 digits and a digit or `X`, packed losslessly (< 1.1e18).
fn id_like_key(b: &[u8]) -> u64 {
    let n = b[..17].iter().fold(0u64, |a, c| a * 10 + (c - b'0') as u64);
    let last = if b[17] == b'X' { 10 } else { (b[17] - b'0') as u64 };
    n * 11 + last
}

/// 学籍号 (national student number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StudentId {
    /// `G` + the student's citizen ID number.
    G(IdNumber),
    /// `J` + an ID-style code (17 digits and a digit or `X`), for students without a mainland ID.
    J([u8; 18]),
    /// `L` + six-digit region + birth date `YYYYMMDD` + four digits: a temporary number.
    L { region: u32, birth: Date, serial: u16 },
}

impl StudentId {
    pub fn parse(s: &str, today: Date) -> Result<StudentId, IdError> {
        let b = s.as_bytes();
        match b.first() {
            Some(b'G') => IdNumber::parse(&s[1..], today).map(StudentId::G),
            Some(b'J') => {
                let r = &b[1..];
                if r.len() == 18 && r[..17].iter().all(u8::is_ascii_digit) && (r[17].is_ascii_digit() || r[17] == b'X') {
                    let mut a = [0u8; 18];
                    a.copy_from_slice(r);
                    Ok(StudentId::J(a))
                } else {
                    Err(IdError::Format)
                }
            }
            Some(b'L') => {
                let r = &b[1..];
                if r.len() != 18 || !r.iter().all(u8::is_ascii_digit) {
                    return Err(IdError::Format);
                }
                let region = r[..6].iter().fold(0, |a, c| a * 10 + (c - b'0') as u32);
                if !LOOKUP.is_province(region / 10_000) {
                    return Err(IdError::Format);
                }
                let birth = match Date::from_yyyymmdd(&r[6..14]) {
                    Some(d) if d <= today => d,
                    _ => return Err(IdError::Format),
                };
                let serial = r[14..].iter().fold(0, |a, c| a * 10 + (c - b'0') as u16);
                Ok(StudentId::L { region, birth, serial })
            }
            _ => Err(IdError::Format),
        }
    }

    /// A lossless 64-bit key, distinct across the three kinds.
    pub fn key(&self) -> u64 {
        const SPAN: u64 = 1_100_000_000_000_000_000; // > every packed value below
        match self {
            StudentId::G(id) => id.key(),
            StudentId::J(b) => SPAN + id_like_key(b),
            StudentId::L { region, birth, serial } => {
                let date = birth.year as u64 * 10_000 + birth.month as u64 * 100 + birth.day as u64;
                2 * SPAN + (*region as u64 * 100_000_000 + date) * 10_000 + *serial as u64
            }
        }
    }
}

impl fmt::Display for StudentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StudentId::G(id) => write!(f, "G{id}"),
            StudentId::J(b) => write!(f, "J{}", std::str::from_utf8(b).unwrap_or("")),
            StudentId::L { region, birth, serial } => {
                write!(f, "L{region:06}{:04}{:02}{:02}{serial:04}", birth.year, birth.month, birth.day)
            }
        }
    }
}

/// 学校(机构)标识码: ten digits; the first two are the category (学校标识码类别), the next two
/// the province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchoolCode(u64);

impl SchoolCode {
    pub fn parse(s: &str) -> Result<SchoolCode, IdError> {
        let b = s.as_bytes();
        if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
            return Err(IdError::Format);
        }
        let n = b.iter().fold(0u64, |a, c| a * 10 + (c - b'0') as u64);
        let code = SchoolCode(n);
        if !LOOKUP.is_school_category(code.category()) || !LOOKUP.is_province(code.province()) {
            return Err(IdError::Format);
        }
        Ok(code)
    }

    pub fn category(&self) -> u32 {
        (self.0 / 100_000_000) as u32
    }

    pub fn province(&self) -> u32 {
        (self.0 / 1_000_000 % 100) as u32
    }

    pub fn value(&self) -> u64 {
        self.0
    }
}

impl fmt::Display for SchoolCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0)
    }
}

// GB 32100-2015 §4: the character set excludes I, O, Z, S, V.
pub const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn credit_value(c: u8) -> Option<u32> {
    CREDIT_ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character of a 统一社会信用代码 for its first 17 characters, or None when one of
/// them is outside the alphabet.
pub fn credit_check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(CREDIT_WEIGHTS) {
        sum += credit_value(*c)? * w;
    }
    Some(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// 统一社会信用代码, GB 32100-2015.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CreditCode([u8; 18]);

impl CreditCode {
    pub fn parse(s: &str) -> Result<CreditCode, IdError> {
        let b = s.as_bytes();
        if b.len() != 18 || !b.iter().all(|c| credit_value(*c).is_some()) {
            return Err(IdError::Format);
        }
        if credit_check_char(&b[..17]) != Some(b[17]) {
            return Err(IdError::CheckDigit);
        }
        let mut a = [0u8; 18];
        a.copy_from_slice(b);
        Ok(CreditCode(a))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII by construction")
    }

    /// A lossless 128-bit key (base 31).
    pub fn key(&self) -> u128 {
        self.0.iter().fold(0u128, |a, c| a * 31 + credit_value(*c).unwrap_or(0) as u128)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mainland mobile number: `1[3-9]` and nine digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mobile([u8; 11]);

impl Mobile {
    pub fn parse(s: &str) -> Result<Mobile, IdError> {
        let b = s.as_bytes();
        if b.len() != 11 || b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) || !b.iter().all(u8::is_ascii_digit) {
            return Err(IdError::Format);
        }
        let mut a = [0u8; 11];
        a.copy_from_slice(b);
        Ok(Mobile(a))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII by construction")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> Date {
        Date::new(2026, 11, 29).unwrap()
    }

    fn make_id(body: &str) -> String {
        format!("{body}{}", id_check_char(body.as_bytes()) as char)
    }

    #[test]
    fn known_ids() {
        // The worked example of GB 11643-1999 appendix: 11010519491231002X.
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.birth_date(), Date::new(1949, 12, 31).unwrap());
        assert_eq!(id.gender_code(), 2);
        assert_eq!(IdNumber::parse("440524188001010014", today()).unwrap().gender_code(), 1);
        assert_eq!(IdNumber::parse("11010519491231002x", today()), Err(IdError::Format));
        assert_eq!(IdNumber::parse("110105194912310021", today()), Err(IdError::CheckDigit));
        assert_eq!(IdNumber::parse(&make_id("10010519491231002"), today()), Err(IdError::Format));
        assert_eq!(IdNumber::parse(&make_id("51010520300101002"), today()), Err(IdError::Format));
        assert_eq!(IdNumber::parse(&make_id("51010520100230002"), today()), Err(IdError::Format));
        assert_eq!(IdNumber::parse("5101052010010100", today()), Err(IdError::Format));
    }

    #[test]
    fn student_ids() {
        let id = make_id("51010520100901123");
        let g = StudentId::parse(&format!("G{id}"), today()).unwrap();
        assert_eq!(g, StudentId::G(IdNumber::parse(&id, today()).unwrap()));
        assert!(StudentId::parse("J51010520100901123X", today()).is_ok());
        let l = StudentId::parse("L5101042010090112 34".replace(' ', "").as_str(), today()).unwrap();
        assert_eq!(l.to_string(), "L510104201009011234");
        assert!(StudentId::parse("L510104201013011234", today()).is_err());
        assert!(StudentId::parse("X510104201009011234", today()).is_err());
        assert!(StudentId::parse("", today()).is_err());
        assert_ne!(g.key(), StudentId::parse(&format!("J{id}"), today()).unwrap().key());
    }

    #[test]
    fn school_codes() {
        assert_eq!(SchoolCode::parse("2151000123").unwrap().to_string(), "2151000123");
        assert!(SchoolCode::parse("2051000123").is_err()); // no category 20
        assert!(SchoolCode::parse("2110000123").is_err()); // no province 10
        assert!(SchoolCode::parse("215100012").is_err());
    }

    #[test]
    fn credit_codes() {
        // A published code: 91350100M000100Y43.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(CreditCode::parse("91350100M000100Y44"), Err(IdError::CheckDigit));
        assert_eq!(CreditCode::parse("91350100I000100Y43"), Err(IdError::Format));
    }

    #[test]
    fn mobiles() {
        assert!(Mobile::parse("13812345678").is_ok());
        for bad in ["12812345678", "1381234567", "138123456789", "1381234567a"] {
            assert!(Mobile::parse(bad).is_err(), "{bad}");
        }
    }

    fn id_body() -> impl Strategy<Value = String> {
        (prop::sample::select(vec![11u32, 31, 44, 51, 54, 65]), 1u32..99, 1u32..99, 1950u32..2024, 1u32..=12, 1u32..=28, 0u32..1000)
            .prop_map(|(p, c, d, y, m, dd, seq)| format!("{p:02}{c:02}{d:02}{y:04}{m:02}{dd:02}{seq:03}"))
    }

    proptest! {
        #[test]
        fn valid_ids_parse_and_round_trip(body in id_body()) {
            let s = make_id(&body);
            let id = IdNumber::parse(&s, today()).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
            let seq: u32 = body[14..17].parse().unwrap();
            prop_assert_eq!(id.gender_code() as u32, if seq % 2 == 1 { 1 } else { 2 });
        }

        #[test]
        fn any_single_substitution_is_caught(body in id_body(), pos in 0usize..18, delta in 1u8..10) {
            let s = make_id(&body);
            let mut b = s.into_bytes();
            if pos == 17 {
                let alphabet = b"0123456789X";
                let i = alphabet.iter().position(|&c| c == b[17]).unwrap();
                b[17] = alphabet[(i + delta as usize) % 11];
            } else {
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            }
            let s = String::from_utf8(b).unwrap();
            prop_assert!(IdNumber::parse(&s, today()).is_err());
        }

        #[test]
        fn keys_are_injective(a in id_body(), b in id_body()) {
            let (x, y) = (make_id(&a), make_id(&b));
            let (kx, ky) = (IdNumber::parse(&x, today()).unwrap().key(), IdNumber::parse(&y, today()).unwrap().key());
            prop_assert_eq!(kx == ky, x == y);
        }

        #[test]
        fn credit_codes_with_computed_check_parse(body in "[0-9A-HJ-NP-RTUW-Y]{17}", pos in 0usize..17, delta in 1usize..31) {
            let check = credit_check_char(body.as_bytes()).unwrap();
            let s = format!("{body}{}", check as char);
            prop_assert!(CreditCode::parse(&s).is_ok());
            // GB 32100's weights are all invertible mod 31: one changed character is always caught.
            let mut b = s.clone().into_bytes();
            let i = CREDIT_ALPHABET.iter().position(|&c| c == b[pos]).unwrap();
            b[pos] = CREDIT_ALPHABET[(i + delta) % 31];
            prop_assert_eq!(CreditCode::parse(std::str::from_utf8(&b).unwrap()), Err(IdError::CheckDigit));
        }

        #[test]
        fn mobiles_parse(second in 3u8..=9, rest in "[0-9]{9}") {
            let s = format!("1{second}{rest}");
            prop_assert!(Mobile::parse(&s).is_ok());
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = IdNumber::parse(&s, today());
            let _ = StudentId::parse(&s, today());
            let _ = SchoolCode::parse(&s);
            let _ = CreditCode::parse(&s);
            let _ = Mobile::parse(&s);
        }
    }
}
