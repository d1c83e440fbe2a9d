//! Calendar dates and the forms in which they arrive in bulk files.

use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

pub fn is_leap(y: u32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// How a lenient parse read its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
    /// Already canonical `YYYY-MM-DD`.
    Canonical,
    /// Another accepted form (`2010/9/1`, `20100901`, `2010年9月1日`, an Excel serial, ...).
    Normalized,
}

impl Date {
    pub fn new(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1800..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year: year as u16, month: month as u8, day: day as u8 })
    }

    /// Today's date in China Standard Time (UTC+8), from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_days_since_epoch((secs + 8 * 3600).div_euclid(86_400))
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(self) -> i64 {
        let (y, m, d) = (self.year as i64, self.month as i64, self.day as i64);
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_days_since_epoch(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = if m <= 2 { y + 1 } else { y };
        Date { year: y as u16, month: m as u8, day: d as u8 }
    }

    /// An Excel (1900 date system) serial day number. Serial 60 is Excel's phantom 1900-02-29,
    /// which does not exist; serials after it are one day ahead of the real count.
    pub fn from_excel_serial(serial: u32) -> Option<Date> {
        if serial == 0 || serial == 60 || serial > 2_958_465 {
            return None;
        }
        // Serial 61 is 1900-03-01; 1899-12-30 is day 0 for serials above 60.
        let base = Date { year: 1899, month: 12, day: 30 }.days_since_epoch();
        let days = if serial < 60 { serial as i64 + 1 } else { serial as i64 };
        Some(Date::from_days_since_epoch(base + days))
    }

    /// Eight ASCII digits `YYYYMMDD`.
    pub fn from_yyyymmdd(b: &[u8]) -> Option<Date> {
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Date::new(digits(&b[0..4]), digits(&b[4..6]), digits(&b[6..8]))
    }

    /// Strict canonical `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, m, d) = (&b[0..4], &b[5..7], &b[8..10]);
        if ![y, m, d].iter().all(|p| p.iter().all(u8::is_ascii_digit)) {
            return None;
        }
        Date::new(digits(y), digits(m), digits(d))
    }

    /// Reads the date forms found in bulk files: `2010-09-01`, `2010-9-1`, `2010/9/1`,
    /// `2010.9.1`, `20100901`, `2010年9月1日`, a time part after a space (`2010/9/1 0:00:00`,
    /// as Excel exports write), and an Excel serial day number (`40422`, `40422.0`).
    pub fn parse_lenient(s: &str) -> Option<(Date, DateForm)> {
        if let Some(d) = Date::parse_iso(s) {
            return Some((d, DateForm::Canonical));
        }
        let s = s.trim();
        // Drop a trailing time of day.
        let s = match s.split_once([' ', 'T']) {
            Some((date, time)) if time.contains(':') => date,
            _ => s,
        };
        let b = s.as_bytes();
        if b.iter().all(u8::is_ascii_digit) {
            return match b.len() {
                8 => Date::from_yyyymmdd(b),
                // Only five-digit serials (1927-05-18 .. 2173-10-14): a bare year such as "2010"
                // must not be read as a day number.
                5 => Date::from_excel_serial(digits(b)),
                _ => None,
            }
            .map(|d| (d, DateForm::Normalized));
        }
        if let Some(int) = s.strip_suffix(".0").or_else(|| s.strip_suffix(".00")) {
            if int.len() == 5 && int.bytes().all(|c| c.is_ascii_digit()) {
                return Date::from_excel_serial(digits(int.as_bytes())).map(|d| (d, DateForm::Normalized));
            }
        }
        let mut parts = [0u32; 3];
        let mut n = 0;
        let mut cur: Option<u32> = None;
        let mut len = 0;
        for ch in s.chars() {
            if let Some(v) = ch.to_digit(10) {
                len += 1;
                if len > 4 {
                    return None;
                }
                cur = Some(cur.unwrap_or(0) * 10 + v);
            } else if matches!(ch, '-' | '/' | '.' | '年' | '月' | '日') {
                let v = cur.take()?;
                if n == 3 {
                    return None;
                }
                parts[n] = v;
                n += 1;
                len = 0;
                if ch == '日' {
                    break;
                }
            } else {
                return None;
            }
        }
        if let Some(v) = cur {
            if n == 3 {
                return None;
            }
            parts[n] = v;
            n += 1;
        }
        if n != 3 || parts[0] < 1000 {
            return None;
        }
        Date::new(parts[0], parts[1], parts[2]).map(|d| (d, DateForm::Normalized))
    }

    /// A year and month (入学年月): `2016-09`, `2016/9`, `201609`, `2016年9月`, or any full date,
    /// whose day is dropped. Returns the first of the month.
    pub fn parse_year_month(s: &str) -> Option<(Date, DateForm)> {
        let b = s.as_bytes();
        if b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
            return Date::new(digits(&b[..4]), digits(&b[5..]), 1).map(|d| (d, DateForm::Canonical));
        }
        if b.len() == 6 && b.iter().all(u8::is_ascii_digit) {
            return Date::new(digits(&b[..4]), digits(&b[4..]), 1).map(|d| (d, DateForm::Normalized));
        }
        let t = s.trim_end_matches('月');
        if let Some((y, m)) = t.split_once(['-', '/', '.', '年']) {
            if y.len() == 4 && (1..=2).contains(&m.len()) && y.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
                return Date::new(digits(y.as_bytes()), digits(m.as_bytes()), 1)
                    .map(|d| (d, DateForm::Normalized));
            }
        }
        Date::parse_lenient(s).map(|(d, _)| (Date { day: 1, ..d }, DateForm::Normalized))
    }

    pub fn year_month(self) -> YearMonth {
        YearMonth(self)
    }
}

fn digits(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |acc, c| acc.wrapping_mul(10).wrapping_add((c - b'0') as u32))
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Displays a date as `YYYY-MM`.
pub struct YearMonth(Date);

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year, self.0.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: u32, m: u32, dd: u32) -> Date {
        Date::new(y, m, dd).unwrap()
    }

    #[test]
    fn accepted_forms() {
        let want = d(2010, 9, 1);
        for s in ["2010/9/1", "20100901", "2010年9月1日", "2010-9-1", "2010.09.01", "40422", "40422.0", "2010/9/1 0:00:00"] {
            assert_eq!(Date::parse_lenient(s), Some((want, DateForm::Normalized)), "{s}");
        }
        assert_eq!(Date::parse_lenient("2010-09-01"), Some((want, DateForm::Canonical)));
    }

    #[test]
    fn rejected_forms() {
        for s in ["", "2010-02-30", "2010-13-01", "2010/9", "abc", "2010-09-01x", "99999999", "10/9/1", "2010--1", "2010/9/1/5", "0", "60", "2010"] {
            assert_eq!(Date::parse_lenient(s), None, "{s}");
        }
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
    }

    #[test]
    fn excel_serials() {
        assert_eq!(Date::from_excel_serial(1), Some(d(1900, 1, 1)));
        assert_eq!(Date::from_excel_serial(59), Some(d(1900, 2, 28)));
        assert_eq!(Date::from_excel_serial(61), Some(d(1900, 3, 1)));
        assert_eq!(Date::from_excel_serial(45292), Some(d(2024, 1, 1)));
    }

    #[test]
    fn year_month() {
        for s in ["2016-09", "201609", "2016年9月", "2016/9", "2016-09-01", "2016/9/15"] {
            let (v, _) = Date::parse_year_month(s).unwrap();
            assert_eq!(v.year_month().to_string(), "2016-09", "{s}");
        }
        assert!(Date::parse_year_month("2016-13").is_none());
    }

    proptest! {
        #[test]
        fn epoch_days_round_trip(z in -60_000i64..3_000_000) {
            let date = Date::from_days_since_epoch(z);
            prop_assert_eq!(date.days_since_epoch(), z);
        }

        #[test]
        fn every_form_reads_back(y in 1900u32..2100, m in 1u32..=12, dd in 1u32..=28) {
            let want = Date::new(y, m, dd).unwrap();
            for s in [want.to_string(), format!("{y}/{m}/{dd}"), format!("{y}{m:02}{dd:02}"), format!("{y}年{m}月{dd}日")] {
                prop_assert_eq!(Date::parse_lenient(&s).map(|p| p.0), Some(want));
            }
        }

        #[test]
        fn lenient_never_panics(s in "\\PC{0,24}") {
            let _ = Date::parse_lenient(&s);
            let _ = Date::parse_year_month(&s);
        }
    }
}
