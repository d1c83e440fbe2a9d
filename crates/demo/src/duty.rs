//! Demo duty and important periods: duty contacts and a week of day and night shifts for the
//! province, 成都市 and two county bureaus (and three schools of 锦江区), a province-wide period
//! (bureaus report) and a county period (bureaus and schools), with reports of yesterday and
//! today by part of the units — so that the missing list, the late marks and a 24-hour gap
//! (自流井区 has no night shift) show. Names say 演示; the mobile numbers are made up.

use standard::Date;
use store::duty::{day_start, Duty, NewContact, NewPeriod, NewReport, NewShift, Reporters, DEFAULT_CUTOFF};
use store::{Browse, SchoolQuery, Scope, StoreError};

/// What the demo needs of a backend.
pub trait DemoStore: Duty + Browse {}
impl<T: Duty + Browse + ?Sized> DemoStore for T {}

fn day(today: Date, n: i64) -> Date {
    Date::from_days_since_epoch(today.days_since_epoch() + n)
}

/// Seeds duty data unless the province already has periods; returns (contacts, shifts, reports).
pub fn seed(s: &mut (impl DemoStore + ?Sized), today: Date, now: i64) -> Result<(usize, usize, usize), StoreError> {
    let all = Scope::province(51);
    if !s.periods(&all, 1)?.is_empty() {
        return Ok((0, 0, 0));
    }
    let by = "demo";
    let (mut contacts, mut shifts, mut reports) = (0, 0, 0);
    let mut units: Vec<i64> = vec![510000, 510100, 510104, 510302];
    let schools = s.schools(&Scope::Region { lo: 510104, hi: 510104 }, &SchoolQuery { limit: 3, ..Default::default() })?;
    units.extend(schools.rows.iter().filter_map(|r| r.key.parse::<i64>().ok()));
    for (i, unit) in units.iter().enumerate() {
        let mk = |post: &str, k: usize| NewContact { unit_code: *unit, name: format!("演示{post}{}", k + 1), post: post.into(), office_phone: format!("028-8600{:04}", i * 10 + k), mobile: format!("1380000{:04}", i * 10 + k) };
        let chief = s.create_contact(&all, &mk("网络安全负责人", 0), by, now)?;
        let a = s.create_contact(&all, &mk("值班员", 1), by, now)?;
        let b = s.create_contact(&all, &mk("值班员", 2), by, now)?;
        contacts += 3;
        for d in -1..=5 {
            let start = day_start(day(today, d));
            let on = if d % 2 == 0 { a.id } else { b.id };
            s.create_shift(&all, &NewShift { unit_code: *unit, starts_at: start + 8 * 3600 + 1800, ends_at: start + 17 * 3600 + 1800, contact_id: on, leader_id: Some(chief.id), note: "白班（演示）".into() }, by, now)?;
            shifts += 1;
            // Bureaus keep 24-hour duty, but 自流井区 has no night shift (a gap shows).
            if *unit < 1_000_000 && *unit != 510302 {
                let off = if on == a.id { b.id } else { a.id };
                s.create_shift(&all, &NewShift { unit_code: *unit, starts_at: start + 17 * 3600 + 1800, ends_at: start + 32 * 3600 + 1800, contact_id: off, leader_id: Some(chief.id), note: "夜班（演示）".into() }, by, now)?;
                shifts += 1;
            }
        }
    }
    let prov = s.create_period(&all, &NewPeriod { area_code: 510000, name: "元旦假期网络安全保障（演示）".into(), starts_on: day(today, -1), ends_on: day(today, 3), full_day: true, reporters: Reporters::Bureaus, cutoff_minutes: DEFAULT_CUTOFF }, by, now)?;
    let county = s.create_period(&all, &NewPeriod { area_code: 510104, name: "期末考试网络安全保障（演示）".into(), starts_on: day(today, -2), ends_on: day(today, 5), full_day: false, reporters: Reporters::BureausAndSchools, cutoff_minutes: 17 * 60 }, by, now)?;
    // Yesterday: most of 成都市's bureaus reported (two late, one with events); today a few.
    let bureaus = s.reporting_units(&Scope::Region { lo: 510100, hi: 510199 }, prov.id, None)?;
    for (i, u) in bureaus.iter().enumerate() {
        for (d, every) in [(-1, 1usize), (0, 3)] {
            if i % 5 == 4 || i % every != 0 {
                continue;
            }
            let events = d == -1 && i == 2;
            let r = NewReport { unit_code: u.code, day: day(today, d), all_clear: !events, body: if events { "发现针对教育局门户的扫描探测，已封禁来源地址（演示）".into() } else { String::new() }, incident_id: None };
            let at = day_start(day(today, d)) + if i % 7 == 3 { 17 * 3600 } else { 10 * 3600 };
            s.file_report(&all, prov.id, &r, at > day_start(day(today, d)) + i64::from(DEFAULT_CUTOFF) * 60, by, at.min(now))?;
            reports += 1;
        }
    }
    for u in s.reporting_units(&all, county.id, None)?.iter().step_by(2) {
        s.file_report(&all, county.id, &NewReport { unit_code: u.code, day: day(today, -1), all_clear: true, body: String::new(), incident_id: None }, false, by, now)?;
        reports += 1;
    }
    Ok((contacts, shifts, reports))
}
