//! Identifiers that are unique by construction.
//!
//! A citizen ID number is region + birth date + a three-digit sequence whose parity is the sex.
//! [`IdAlloc`] hands out (birth date, sequence) pairs from one counter per (county, birth
//! window, sex): the n-th call maps n bijectively onto (day in window, sequence), so no two
//! calls ever return the same ID and nothing needs to remember the IDs already issued. Pupils
//! and teachers use disjoint birth windows, so their IDs cannot meet either.

use crate::out::put_digits;
use crate::rng::mix64;
use standard::ids::{credit_check_char, id_check_char};
use standard::Date;

/// Multiplier that spreads consecutive counters over the days of a window; coprime to 365 and
/// 366, so `c ↦ c·M mod days` is a permutation.
const DAY_STRIDE: u64 = 7919;
/// Permutes the 500 sequence slots of one sex (coprime to 500).
const SEQ_STRIDE: u64 = 211;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// 1 September to 31 August: everyone born in it starts school in the same year.
    SchoolYear,
    Calendar,
}

pub struct IdAlloc {
    first_year: i32,
    years: usize,
    window: Window,
    counters: Vec<u32>,
    salt: u64,
}

/// An ID's parts: birth date and sequence (0..=999, odd for men).
#[derive(Clone, Copy, Debug)]
pub struct Issued {
    pub birth: Date,
    pub seq: u16,
}

impl IdAlloc {
    pub fn new(
        counties: usize,
        first_year: i32,
        years: usize,
        window: Window,
        salt: u64,
    ) -> IdAlloc {
        IdAlloc {
            first_year,
            years,
            window,
            counters: vec![0; counties * years * 2],
            salt,
        }
    }

    fn start(&self, year: i32) -> Date {
        let month = if self.window == Window::SchoolYear {
            9
        } else {
            1
        };
        Date::new(year as u32, month, 1).expect("valid window start")
    }

    /// The next unused (birth date, sequence) for a county, window year and sex; None when the
    /// county has used all 500 × days sequences of that window (far beyond any real province).
    pub fn issue(&mut self, county: usize, year: i32, male: bool) -> Option<Issued> {
        let y = (year - self.first_year) as usize;
        debug_assert!(y < self.years);
        let slot = (county * self.years + y.min(self.years - 1)) * 2 + male as usize;
        let c = self.counters[slot] as u64;
        self.counters[slot] += 1;
        let start = self.start(year);
        let days = (self.start(year + 1).days_since_epoch() - start.days_since_epoch()) as u64;
        let salt = mix64(self.salt ^ (county as u64) << 24 ^ (year as u64) << 1 ^ male as u64);
        let day = (c % days * DAY_STRIDE + salt % days) % days;
        let k = c / days;
        if k >= 500 {
            return None;
        }
        // For a given day the slot is a permutation of k, so (day, slot) never repeats; hashing
        // the day in keeps the sequence digits from being the same for everyone in a county.
        let slot = (k * SEQ_STRIDE + mix64(salt ^ day) % 500) % 500;
        let birth = Date::from_days_since_epoch(start.days_since_epoch() + day as i64);
        Some(Issued {
            birth,
            seq: (slot * 2 + male as u64) as u16,
        })
    }
}

/// A GB 11643 ID number: region, birth date, sequence and check character.
pub fn id_number(region: u32, i: Issued) -> [u8; 18] {
    let mut b = [0u8; 18];
    put_digits(&mut b[0..6], region as u64);
    put_date(&mut b[6..14], i.birth);
    put_digits(&mut b[14..17], i.seq as u64);
    b[17] = id_check_char(&b[..17]);
    b
}

/// `YYYYMMDD`.
pub fn put_date(b: &mut [u8], d: Date) {
    put_digits(&mut b[0..4], d.year as u64);
    put_digits(&mut b[4..6], d.month as u64);
    put_digits(&mut b[6..8], d.day as u64);
}

pub fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// The six serial digits of the n-th school's identifier: an affine permutation of 0..10^6, so
/// codes look scattered but never repeat.
pub fn school_serial(n: u64, seed: u64) -> u64 {
    (n * 370_471 + mix64(seed) % 1_000_000) % 1_000_000
}

/// 统一社会信用代码 of a school: 1 (机构编制) 2 (事业单位) for public schools, 5 (民政) 2 (民办非企业
/// 单位) for private ones; the county; a nine-character organisation code (GB 11714: eight
/// digits, unique per school, and their check character); then the GB 32100 check character.
pub fn credit_code(private: bool, county: u32, n: u64, seed: u64) -> [u8; 18] {
    let mut b = [0u8; 18];
    b[0] = if private { b'5' } else { b'1' };
    b[1] = b'2';
    put_digits(&mut b[2..8], county as u64);
    // An affine permutation of 0..10^8 (the multiplier is coprime to 10^8).
    let body = (n * 73_856_093 + mix64(seed ^ 0x11714) % 100_000_000) % 100_000_000;
    put_digits(&mut b[8..16], body);
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[8..16]
        .iter()
        .zip(W)
        .map(|(c, w)| (c - b'0') as u32 * w)
        .sum();
    b[16] = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        v => b'0' + v as u8,
    };
    b[17] = credit_check_char(&b[..17]).unwrap_or(b'0');
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use standard::{CreditCode, IdNumber};
    use std::collections::HashSet;

    #[test]
    fn issued_ids_are_valid_unique_and_in_window() {
        let today = Date::new(2026, 11, 29).unwrap();
        let mut a = IdAlloc::new(2, 2010, 2, Window::SchoolYear, 7);
        let mut seen = HashSet::new();
        for n in 0..5000 {
            let male = n % 3 == 0;
            let year = 2010 + (n % 2) as i32;
            let i = a.issue(n % 2, year, male).unwrap();
            let region = [510104, 513401][n % 2];
            let s = id_number(region, i);
            let id = IdNumber::parse(ascii(&s), today).unwrap();
            assert_eq!(id.gender_code() == 1, male);
            assert!(id.birth_date() >= Date::new(year as u32, 9, 1).unwrap());
            assert!(id.birth_date() < Date::new(year as u32 + 1, 9, 1).unwrap());
            assert!(seen.insert(s));
        }
    }

    #[test]
    fn exhaustion_is_reported() {
        let mut a = IdAlloc::new(1, 2001, 1, Window::Calendar, 1);
        let n = (0..)
            .take_while(|_| a.issue(0, 2001, true).is_some())
            .count();
        assert_eq!(n, 365 * 500);
    }

    #[test]
    fn credit_codes_and_serials() {
        let mut seen = HashSet::new();
        for n in 0..2000 {
            let c = credit_code(n % 7 == 0, 510104, n, 3);
            assert!(CreditCode::parse(ascii(&c)).is_ok(), "{}", ascii(&c));
            assert!(seen.insert(school_serial(n, 3)));
        }
    }
}
