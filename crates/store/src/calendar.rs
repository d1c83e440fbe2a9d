//! 工作日历 — China's official holidays and adjusted working weekends (调休) as data, and
//! deadline arithmetic on working days.
//!
//! Each year's arrangement comes from the State Council's notice (国务院办公厅关于某年部分节假日
//! 安排的通知), published each November for the next year. The years known when this program was
//! built are embedded (`calendar/2025.csv`, `calendar/2026.csv`, each naming its notice); an
//! operator adds or corrects a year with `tianfu calendar import FILE`, which stores it in the
//! database ([`CalendarStore`]); a stored year replaces the embedded one as a whole.
//!
//! A day is a working day when listed as `workday` (调休上班), a rest day when listed as
//! `holiday`, and otherwise a working day from Monday to Friday. Days count in China Standard
//! Time (UTC+8).

use crate::clock::CST_OFFSET_SECS;
use crate::StoreError;
use standard::Date;
use std::collections::BTreeMap;
use std::fmt;

/// What a listed day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// 放假: no work, whatever the weekday.
    Holiday,
    /// 调休上班: a weekend day worked in exchange.
    Workday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" | "放假" => Some(DayKind::Holiday),
            "workday" | "上班" | "调休上班" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One listed day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: Date,
    pub kind: DayKind,
    /// The festival, e.g. `春节` or `春节调休`.
    pub name: String,
}

/// One year's arrangement, validated: every date in `year`, none listed twice, and every
/// adjusted working day on a weekend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYear {
    pub year: u16,
    /// By date.
    pub days: Vec<SpecialDay>,
    /// Where it comes from (the file's comment lines, e.g. the notice's number).
    pub source: String,
}

/// Why a calendar file was refused: the line (1-based, 0 for the file as a whole) and what to
/// fix, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    pub line: usize,
    pub zh: String,
    pub en: String,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}（{}）", self.zh, self.en)
        } else {
            write!(f, "第 {} 行：{}（line {}: {}）", self.line, self.zh, self.line, self.en)
        }
    }
}

impl std::error::Error for CalendarError {}

fn bad(line: usize, zh: impl Into<String>, en: impl Into<String>) -> CalendarError {
    CalendarError { line, zh: zh.into(), en: en.into() }
}

/// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
pub fn weekday(d: Date) -> u32 {
    (d.days_since_epoch() + 3).rem_euclid(7) as u32
}

pub fn is_weekend(d: Date) -> bool {
    weekday(d) >= 5
}

fn next_day(d: Date) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + 1)
}

fn prev_day(d: Date) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() - 1)
}

impl CalendarYear {
    /// Reads a year's file: comment lines (`#`, kept as the source), an optional header
    /// `date,kind,name`, then one `YYYY-MM-DD,holiday|workday,name` a line. `year`, when given,
    /// is the year the file must describe; otherwise the first date's year.
    pub fn parse(text: &str, year: Option<u16>) -> Result<CalendarYear, CalendarError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut source = Vec::new();
        let mut days: BTreeMap<Date, SpecialDay> = BTreeMap::new();
        let mut year = year;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(c) = line.strip_prefix('#') {
                source.push(c.trim().to_string());
                continue;
            }
            let cols: Vec<&str> = line.split(',').map(str::trim).collect();
            if cols[0].eq_ignore_ascii_case("date") {
                continue;
            }
            if cols.len() < 2 || cols.len() > 3 {
                return Err(bad(n, "每行应为“日期,类型,名称”三列", "each line is date,kind,name"));
            }
            let Some(date) = Date::parse_iso(cols[0]) else {
                return Err(bad(n, "日期应写成 YYYY-MM-DD", "dates are written YYYY-MM-DD"));
            };
            let Some(kind) = DayKind::parse(cols[1]) else {
                return Err(bad(n, "类型应为 holiday（放假）或 workday（调休上班）", "the kind is holiday or workday"));
            };
            let y = *year.get_or_insert(date.year);
            if date.year != y {
                return Err(bad(n, format!("日期不在 {y} 年内"), format!("the date is not in {y}")));
            }
            if kind == DayKind::Workday && !is_weekend(date) {
                return Err(bad(n, "调休上班日应为周六或周日", "an adjusted working day falls on a weekend"));
            }
            let name: String = cols.get(2).copied().unwrap_or("").chars().take(40).collect();
            if let Some(prev) = days.get(&date) {
                let (zh, en) = if prev.kind == kind {
                    ("该日期重复列出", "the date is listed twice")
                } else {
                    ("同一天不能既放假又上班", "a day cannot be both a holiday and a working day")
                };
                return Err(bad(n, zh, en));
            }
            days.insert(date, SpecialDay { date, kind, name });
        }
        let Some(year) = year else {
            return Err(bad(0, "文件中没有任何日期", "the file lists no dates"));
        };
        Ok(CalendarYear { year, days: days.into_values().collect(), source: source.join("\n") })
    }

    /// The file form [`CalendarYear::parse`] reads.
    pub fn to_csv(&self) -> String {
        let mut s = String::new();
        for c in self.source.lines() {
            s.push_str("# ");
            s.push_str(c);
            s.push('\n');
        }
        s.push_str("date,kind,name\n");
        for d in &self.days {
            s.push_str(&format!("{},{},{}\n", d.date, d.kind.code(), d.name));
        }
        s
    }
}

/// The years embedded in the program.
pub const EMBEDDED: &[(u16, &str)] = &[(2025, include_str!("../calendar/2025.csv")), (2026, include_str!("../calendar/2026.csv"))];

/// Stored calendar years, which replace the embedded ones (`tianfu calendar import`).
pub trait CalendarStore {
    /// Stores (or replaces) one year, with who imported it and when.
    fn put_calendar_year(&mut self, y: &CalendarYear, by: &str, at: i64) -> Result<(), StoreError>;
    /// Every stored year, by year.
    fn calendar_years(&mut self) -> Result<Vec<CalendarYear>, StoreError>;
}

/// Reads a year's file and stores it (`tianfu calendar import`): the year replaces the
/// embedded or previously stored one. Refused files store nothing.
pub fn import(s: &mut (impl CalendarStore + ?Sized), text: &str, year: Option<u16>, by: &str, clock: &dyn crate::clock::Clock) -> Result<CalendarYear, StoreError> {
    let y = CalendarYear::parse(text, year).map_err(|e| StoreError::Conflict(e.to_string()))?;
    s.put_calendar_year(&y, by, clock.now())?;
    Ok(y)
}

/// A stored year as both backends keep it: the file form, read again.
pub fn from_stored(year: i64, csv: &str) -> Result<CalendarYear, StoreError> {
    let y = u16::try_from(year).map_err(|_| StoreError::Internal(format!("calendar year {year}")))?;
    CalendarYear::parse(csv, Some(y)).map_err(|e| StoreError::Internal(format!("stored calendar {y}: {e}")))
}

/// The working-day calendar: listed days by date, and which years are listed.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<Date, (DayKind, String)>,
    years: BTreeMap<u16, String>,
}

/// A bound on the walk, against a calendar that (wrongly) lists years of holidays in a row.
const MAX_WALK_DAYS: u32 = 100_000;

impl Calendar {
    /// The embedded years (the build fails its tests if one does not read).
    pub fn embedded() -> Calendar {
        let mut c = Calendar::default();
        for (y, text) in EMBEDDED {
            match CalendarYear::parse(text, Some(*y)) {
                Ok(year) => c.set_year(&year),
                Err(e) => debug_assert!(false, "embedded calendar {y}: {e}"),
            }
        }
        c
    }

    /// The embedded years, replaced by those stored.
    pub fn load(s: &mut (impl CalendarStore + ?Sized)) -> Result<Calendar, StoreError> {
        let mut c = Calendar::embedded();
        for y in s.calendar_years()? {
            c.set_year(&y);
        }
        Ok(c)
    }

    /// Replaces a year as a whole.
    pub fn set_year(&mut self, y: &CalendarYear) {
        let from = Date { year: y.year, month: 1, day: 1 };
        let to = Date { year: y.year, month: 12, day: 31 };
        let old: Vec<Date> = self.days.range(from..=to).map(|(d, _)| *d).collect();
        for d in old {
            self.days.remove(&d);
        }
        for d in &y.days {
            self.days.insert(d.date, (d.kind, d.name.clone()));
        }
        self.years.insert(y.year, y.source.clone());
    }

    /// Whether the year's arrangement is known (otherwise only weekends rest).
    pub fn knows(&self, year: u16) -> bool {
        self.years.contains_key(&year)
    }

    /// The years known, with their sources.
    pub fn years(&self) -> impl Iterator<Item = (u16, &str)> {
        self.years.iter().map(|(y, s)| (*y, s.as_str()))
    }

    /// The listed name of a day (a festival or an adjusted working day), if any.
    pub fn name_of(&self, d: Date) -> Option<&str> {
        self.days.get(&d).map(|(_, n)| n.as_str())
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.days.get(&d) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !is_weekend(d),
        }
    }

    /// The `n`th working day after `d` (`d` itself not counted); `d` when `n` is 0.
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        let mut day = d;
        let mut left = n;
        let mut walked = 0;
        while left > 0 && walked < MAX_WALK_DAYS + n {
            day = next_day(day);
            walked += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The `n`th working day before `d` (`d` itself not counted); `d` when `n` is 0.
    pub fn sub_working_days(&self, d: Date, n: u32) -> Date {
        let mut day = d;
        let mut left = n;
        let mut walked = 0;
        while left > 0 && walked < MAX_WALK_DAYS + n {
            day = prev_day(day);
            walked += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `a` up to and including `b`; negative when `b` is before `a`.
    pub fn working_days_between(&self, a: Date, b: Date) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let (mut day, mut n) = (a, 0);
        while day < b {
            day = next_day(day);
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }

    /// The first working day on or after `d`.
    pub fn working_day_on_or_after(&self, d: Date) -> Date {
        if self.is_working_day(d) {
            d
        } else {
            self.add_working_days(d, 1)
        }
    }

    /// A deadline "by the end of the `n`th working day" after the moment `at` (Unix seconds): the
    /// day of `at` is not counted, and the deadline is 24:00 China Standard Time of that
    /// working day, as Unix seconds (the first moment that is late). `n` = 0 means the end of
    /// the day of `at`.
    pub fn deadline_end_of_working_day(&self, at: i64, n: u32) -> i64 {
        let day = Date::from_days_since_epoch((at + CST_OFFSET_SECS).div_euclid(86_400));
        let due = self.add_working_days(day, n);
        (due.days_since_epoch() + 1) * 86_400 - CST_OFFSET_SECS
    }

    /// Working days left from the moment `now` until a deadline made by
    /// [`Calendar::deadline_end_of_working_day`]: 0 on its last day, negative once late.
    pub fn working_days_left(&self, now: i64, deadline: i64) -> i64 {
        let today = Date::from_days_since_epoch((now + CST_OFFSET_SECS).div_euclid(86_400));
        let last = Date::from_days_since_epoch((deadline - 1 + CST_OFFSET_SECS).div_euclid(86_400));
        if now >= deadline {
            return -self.working_days_between(last, today).max(1);
        }
        self.working_days_between(today, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, TestClock};
    use proptest::prelude::*;

    fn d(y: u32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn embedded_years_read_and_name_their_notice() {
        for (y, text) in EMBEDDED {
            let c = CalendarYear::parse(text, Some(*y)).unwrap();
            assert!(c.source.contains("国办发明电"), "{y}");
            assert_eq!(CalendarYear::parse(&c.to_csv(), Some(*y)).unwrap(), c);
        }
        let c = Calendar::embedded();
        assert!(c.knows(2025) && c.knows(2026) && !c.knows(2027));
    }

    #[test]
    fn the_2025_and_2026_arrangements() {
        let c = Calendar::embedded();
        // 2025: 春节 1/28–2/4, 1/26 (Sunday) and 2/8 (Saturday) worked.
        assert!(!c.is_working_day(d(2025, 1, 28)) && !c.is_working_day(d(2025, 2, 4)));
        assert!(c.is_working_day(d(2025, 1, 26)) && c.is_working_day(d(2025, 2, 8)));
        assert!(c.is_working_day(d(2025, 2, 5)));
        // 国庆中秋 10/1–10/8, 9/28 and 10/11 worked.
        assert!(!c.is_working_day(d(2025, 10, 8)) && c.is_working_day(d(2025, 10, 11)) && c.is_working_day(d(2025, 9, 28)));
        // 2026: 元旦 1/1–1/3, 1/4 (Sunday) worked; 春节 2/15–2/23, 2/14 and 2/28 worked.
        assert!(!c.is_working_day(d(2026, 1, 2)) && c.is_working_day(d(2026, 1, 4)));
        assert!(c.is_working_day(d(2026, 2, 14)) && !c.is_working_day(d(2026, 2, 23)) && c.is_working_day(d(2026, 2, 28)));
        assert!(c.is_working_day(d(2026, 5, 9)) && c.is_working_day(d(2026, 9, 20)) && c.is_working_day(d(2026, 10, 10)));
        assert!(!c.is_working_day(d(2026, 6, 19)) && !c.is_working_day(d(2026, 9, 25)) && !c.is_working_day(d(2026, 10, 7)));
        assert_eq!(c.name_of(d(2026, 2, 16)), Some("春节"));
        // An ordinary weekend and weekday.
        assert!(!c.is_working_day(d(2026, 3, 7)) && c.is_working_day(d(2026, 3, 9)));
    }

    #[test]
    fn working_days_across_the_spring_festival() {
        let c = Calendar::embedded();
        // Friday 2026-02-13: the next working day is Saturday 2/14 (调休), then Tuesday 2/24.
        assert_eq!(c.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(c.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        assert_eq!(c.working_days_between(d(2026, 2, 13), d(2026, 2, 24)), 2);
        assert_eq!(c.working_days_between(d(2026, 2, 24), d(2026, 2, 13)), -2);
        assert_eq!(c.sub_working_days(d(2026, 2, 24), 2), d(2026, 2, 13));
        // Five working days from 2025-09-30: 10/9, 10/10, 10/11 (Saturday, worked), 10/13, 10/14.
        assert_eq!(c.add_working_days(d(2025, 9, 30), 5), d(2025, 10, 14));
        assert_eq!(c.working_day_on_or_after(d(2025, 10, 1)), d(2025, 10, 9));
    }

    #[test]
    fn deadlines_by_the_end_of_the_nth_working_day() {
        let c = Calendar::embedded();
        // Requested at 09:00 CST on Friday 2026-02-13; three working days: 2/14, 2/24, 2/25.
        let clock = TestClock::on(d(2026, 2, 13));
        let due = c.deadline_end_of_working_day(clock.now(), 3);
        assert_eq!(crate::time::rfc3339(due), "2026-02-25T16:00:00Z"); // 2026-02-26 00:00 CST
        assert_eq!(c.working_days_left(clock.now(), due), 3);
        clock.advance(86_400); // Saturday 2/14, worked
        assert_eq!(c.working_days_left(clock.now(), due), 2);
        clock.set(due - 1);
        assert_eq!(c.working_days_left(clock.now(), due), 0);
        clock.set(due);
        assert!(c.working_days_left(clock.now(), due) < 0);
        // Late by the morning of 2/27 (two working days after the last).
        clock.set(due + 86_400 + 3600);
        assert_eq!(c.working_days_left(clock.now(), due), -2);
    }

    #[test]
    fn files_are_validated() {
        let e = CalendarYear::parse("2027-01-01,holiday,元旦\n2026-12-31,holiday,x\n", Some(2027)).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("不在 2027 年内"), "{e}");
        let e = CalendarYear::parse("2027-02-06,holiday,春节\n2027-02-06,workday,春节调休\n", None).unwrap_err();
        assert!(e.zh.contains("既放假又上班"), "{e}");
        // 2027-02-08 is a Monday: not a day to "adjust" to work.
        let e = CalendarYear::parse("2027-02-08,workday,春节调休\n", None).unwrap_err();
        assert!(e.zh.contains("周六或周日"), "{e}");
        assert!(CalendarYear::parse("2027-13-01,holiday,x\n", None).is_err());
        assert!(CalendarYear::parse("2027-01-01,off,x\n", None).is_err());
        assert!(CalendarYear::parse("# nothing\n", None).is_err());
        assert!(CalendarYear::parse("2026-01-01,holiday,元旦\n", Some(2027)).is_err());
    }

    #[test]
    fn a_stored_year_replaces_the_embedded_one() {
        let mut c = Calendar::embedded();
        let y = CalendarYear::parse("# 更正\n2026-03-02,holiday,测试\n", None).unwrap();
        c.set_year(&y);
        assert!(!c.is_working_day(d(2026, 3, 2)));
        // The embedded 2026 days are gone: 2026-02-16 is an ordinary Monday now.
        assert!(c.is_working_day(d(2026, 2, 16)));
        assert!(!c.is_working_day(d(2025, 1, 28)));
    }

    fn any_date() -> impl Strategy<Value = Date> {
        // 2024-07-01 .. 2027-06-30: across both embedded years and the unknown ones around them.
        (19905i64..21000).prop_map(Date::from_days_since_epoch)
    }

    proptest! {
        #[test]
        fn adding_then_counting_back_gives_n(start in any_date(), n in 0u32..400) {
            let c = Calendar::embedded();
            let end = c.add_working_days(start, n);
            prop_assert_eq!(c.working_days_between(start, end), n as i64);
            prop_assert_eq!(c.working_days_between(end, start), -(n as i64));
            if n > 0 {
                prop_assert!(c.is_working_day(end));
                prop_assert!(end > start);
            }
        }

        #[test]
        fn never_lands_on_a_rest_day_and_is_monotonic(start in any_date(), n in 1u32..60) {
            let c = Calendar::embedded();
            let a = c.add_working_days(start, n);
            let b = c.add_working_days(start, n + 1);
            prop_assert!(c.is_working_day(a) && c.is_working_day(b) && a < b);
            // Every day strictly between two consecutive results is a rest day.
            let mut day = next_day(a);
            while day < b {
                prop_assert!(!c.is_working_day(day));
                day = next_day(day);
            }
        }

        #[test]
        fn sub_undoes_add_on_working_days(start in any_date(), n in 0u32..200) {
            let c = Calendar::embedded();
            let w = c.working_day_on_or_after(start);
            prop_assert_eq!(c.sub_working_days(c.add_working_days(w, n), n), w);
        }

        #[test]
        fn deadlines_end_at_midnight_cst_on_a_working_day(at in 1_719_792_000i64..1_814_400_000, n in 1u32..30) {
            let c = Calendar::embedded();
            let due = c.deadline_end_of_working_day(at, n);
            prop_assert_eq!((due + CST_OFFSET_SECS).rem_euclid(86_400), 0);
            let last = Date::from_days_since_epoch((due - 1 + CST_OFFSET_SECS).div_euclid(86_400));
            prop_assert!(c.is_working_day(last));
            prop_assert_eq!(c.working_days_left(at, due), n as i64);
        }
    }
}
