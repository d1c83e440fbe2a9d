//! 值班与重要时期保障 — the rules of duty rosters and important periods: who is on duty for a
//! unit now (falling back to the parent bureau's duty), gaps in a 24-hour roster, whether a
//! daily 零报告 is late against the period's cut-off, the inputs' checks, and the messages for
//! the duty groups' robots (post names and counts, never a phone number).
//!
//! Time comes from a [`Clock`] (tests step a `TestClock`); days are China time (UTC+8).

use standard::Date;
use store::clock::Clock;
use store::duty::{day_of, day_start, Duty, NewContact, NewPeriod, NewReport, Period, Report, Reporters, Shift, Unit, DEFAULT_CUTOFF};
use store::{Scope, StoreError};

pub use crate::mlps::Problem;

use crate::form::{problem, text, unit_code};



/// A contact as typed: every field as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    pub unit_code: String,
    pub name: String,
    pub post: String,
    pub office_phone: String,
    pub mobile: String,
}

/// Reads a contact; every problem at once.
pub fn parse_contact(i: &ContactInput) -> Result<NewContact, Vec<Problem>> {
    let mut out = Vec::new();
    let unit_code = unit_code(&i.unit_code, &mut out);
    let name = text("name", "姓名", "name", &i.name, 30, true, &mut out);
    let post = text("post", "岗位", "post", &i.post, 30, true, &mut out);
    let office_phone = text("office_phone", "办公电话", "office phone", &i.office_phone, 30, false, &mut out);
    if !office_phone.chars().all(|c| c.is_ascii_digit() || "-+ ()转".contains(c)) {
        out.push(problem("office_phone", format!("办公电话“{office_phone}”只能包含数字、连字符和空格，如 028-86120000。"), "The office phone may hold digits, hyphens and spaces only, e.g. 028-86120000."));
    }
    let mobile: String = i.mobile.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !mobile.is_empty() && !(mobile.len() == 11 && mobile.starts_with('1') && mobile.bytes().all(|b| b.is_ascii_digit())) {
        out.push(problem("mobile", "手机号码应为以 1 开头的 11 位数字。", "The mobile number must be 11 digits beginning with 1."));
    }
    if mobile.is_empty() && office_phone.is_empty() {
        out.push(problem("mobile", "请至少填写办公电话或手机号码之一，值班时要能联系到人。", "Enter an office phone or a mobile number: the person on duty must be reachable."));
    }
    if out.is_empty() {
        Ok(NewContact { unit_code, name, post, office_phone, mobile })
    } else {
        Err(out)
    }
}

/// A period as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodInput {
    pub area_code: String,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub full_day: bool,
    /// `bureaus` or `bureaus_and_schools`.
    pub reporters: String,
    /// `HH:MM` China time; empty for 16:00.
    pub cutoff: String,
}

fn date(field: &'static str, zh: &str, en: &str, v: &str, out: &mut Vec<Problem>) -> Option<Date> {
    let v = v.trim();
    if v.is_empty() {
        out.push(problem(field, format!("请填写{zh}。"), format!("Enter the {en}.")));
        return None;
    }
    let d = Date::parse_lenient(v).map(|(d, _)| d);
    if d.is_none() {
        out.push(problem(field, format!("{zh}“{v}”不是有效日期，请按 2026-10-01 的格式填写。"), format!("The {en} “{v}” is not a date: write it as 2026-10-01.")));
    }
    d
}

/// Reads `HH:MM` as minutes after midnight.
pub fn parse_cutoff(v: &str) -> Option<u32> {
    let v = v.trim().replace('：', ":");
    if v.is_empty() {
        return Some(DEFAULT_CUTOFF);
    }
    let (h, m) = v.split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `HH:MM` of minutes after midnight.
pub fn cutoff_text(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The longest period accepted (a year).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Reads a period; every problem at once. A period may start in the past (it is recorded late).
pub fn parse_period(i: &PeriodInput) -> Result<NewPeriod, Vec<Problem>> {
    let mut out = Vec::new();
    let a = i.area_code.trim();
    let area_code = match a.parse::<u32>() {
        Ok(c) if a.len() == 6 && c > 0 => c,
        _ => {
            out.push(problem("area_code", "保障范围应为 6 位行政区划代码（全省、某市或某县）。", "The area must be a 6-digit division code (the province, a city or a county)."));
            0
        }
    };
    let name = text("name", "名称", "name", &i.name, 60, true, &mut out);
    let starts_on = date("starts_on", "开始日期", "start date", &i.starts_on, &mut out);
    let ends_on = date("ends_on", "结束日期", "end date", &i.ends_on, &mut out);
    if let (Some(s), Some(e)) = (starts_on, ends_on) {
        if e < s {
            out.push(problem("ends_on", format!("结束日期 {e} 早于开始日期 {s}。"), format!("The end date {e} is before the start date {s}.")));
        } else if e.days_since_epoch() - s.days_since_epoch() >= MAX_PERIOD_DAYS {
            out.push(problem("ends_on", "保障期不能超过一年，请分段设置。", "A period may last a year at most."));
        }
    }
    let reporters = Reporters::parse(i.reporters.trim());
    if reporters.is_none() {
        out.push(problem("reporters", "请选择报送单位：教育行政部门，或教育行政部门和学校。", "Choose who reports: the bureaus, or the bureaus and the schools."));
    }
    let cutoff = parse_cutoff(&i.cutoff);
    if cutoff.is_none() {
        out.push(problem("cutoff", format!("截止时间“{}”应为 24 小时制的时:分，如 16:00。", i.cutoff.trim()), "The cut-off must be a time such as 16:00."));
    }
    match (starts_on, ends_on, reporters, cutoff) {
        (Some(starts_on), Some(ends_on), Some(reporters), Some(cutoff_minutes)) if out.is_empty() => Ok(NewPeriod { area_code, name, starts_on, ends_on, full_day: i.full_day, reporters, cutoff_minutes }),
        _ => Err(out),
    }
}

/// A report as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportInput {
    pub unit_code: String,
    /// Empty for today.
    pub day: String,
    /// `clear` (无异常) or `events` (有情况).
    pub state: String,
    pub body: String,
    pub incident_id: String,
}

/// Reads a report for `p` on the clock's day; every problem at once. A report is for a day of
/// the period that has begun (today or an earlier day: a missing one may be filed late).
pub fn parse_report(i: &ReportInput, p: &Period, today: Date) -> Result<NewReport, Vec<Problem>> {
    let mut out = Vec::new();
    let unit_code = unit_code(&i.unit_code, &mut out);
    let day = if i.day.trim().is_empty() { Some(today) } else { date("day", "报送日期", "day", &i.day, &mut out) };
    if let Some(d) = day {
        if d > today {
            out.push(problem("day", format!("{d} 还没到，不能提前报送。"), format!("{d} has not come yet: a report cannot be filed ahead.")));
        } else if !p.holds(d) {
            out.push(problem("day", format!("{d} 不在保障期（{} 至 {}）内。", p.new.starts_on, p.new.ends_on), format!("{d} lies outside the period ({} to {}).", p.new.starts_on, p.new.ends_on)));
        }
    }
    let all_clear = match i.state.trim() {
        "clear" => Some(true),
        "events" => Some(false),
        _ => {
            out.push(problem("state", "请选择“无异常”或“有情况”。", "Choose “all clear” or “events”."));
            None
        }
    };
    let body = text("body", "情况说明", "description", &i.body, 500, all_clear == Some(false), &mut out);
    let incident_id = match i.incident_id.trim().trim_start_matches('#') {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                out.push(problem("incident_id", format!("事件编号“{v}”应为正整数。"), "The incident number must be a positive whole number."));
                None
            }
        },
    };
    match (day, all_clear) {
        (Some(day), Some(all_clear)) if out.is_empty() => Ok(NewReport { unit_code, day, all_clear, body, incident_id }),
        _ => Err(out),
    }
}

/// Whether a report of `day` filed at `at` is late: after the day's cut-off (a report for an
/// earlier day is late too).
pub fn is_late(p: &Period, day: Date, at: i64) -> bool {
    at > p.cutoff_of(day)
}

/// Files a report, judged late against the clock.
pub fn file_report(db: &mut dyn Duty, clock: &dyn Clock, scope: &Scope, p: &Period, r: &NewReport, by: &str) -> Result<Report, StoreError> {
    let now = clock.now();
    db.file_report(scope, p.id, r, is_late(p, r.day, now), by, now)
}

/// The shift on duty for a unit at an instant, and the unit whose roster it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDuty {
    /// The unit asked about, or the bureau above it whose duty covers it.
    pub unit_code: i64,
    pub shift: Shift,
}

/// Who is on duty for `unit` at `at`: its own roster, or else the parent bureau's (a school's
/// county, a county's city, a city's province), nearest first. None when nobody is.
pub fn on_duty(db: &mut dyn Duty, scope: &Scope, unit: i64, at: i64) -> Result<Option<OnDuty>, StoreError> {
    let mut u = Some(unit);
    for _ in 0..5 {
        let Some(code) = u else { break };
        if let Some(shift) = db.shifts(scope, Some(code), at, at + 1, 10)?.into_iter().next() {
            return Ok(Some(OnDuty { unit_code: code, shift }));
        }
        u = db.unit_parent(code)?;
    }
    Ok(None)
}

/// The parts of `[from, to)` no shift covers, in order.
pub fn coverage_gaps(shifts: &[Shift], from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = shifts.iter().map(|s| (s.new.starts_at.max(from), s.new.ends_at.min(to))).filter(|(a, b)| a < b).collect();
    spans.sort_unstable();
    let mut gaps = Vec::new();
    let mut at = from;
    for (a, b) in spans {
        if a > at {
            gaps.push((at, a));
        }
        at = at.max(b);
    }
    if at < to {
        gaps.push((at, to));
    }
    gaps
}

/// A unit whose roster leaves hours of a 24-hour period uncovered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    pub unit: Unit,
    /// Uncovered seconds, and the first gap.
    pub seconds: i64,
    pub first_gap: (i64, i64),
}

/// For a period with 24-hour duty: the bureaus of the reader's part of the area whose roster
/// leaves any hour uncovered, from the clock's day (or the period's start) to its end. Bureaus
/// only: schools keep no 24-hour roster of their own (their county's covers them).
pub fn uncovered_units(db: &mut dyn Duty, clock: &dyn Clock, scope: &Scope, p: &Period, region: Option<u32>) -> Result<Vec<Uncovered>, StoreError> {
    if !p.new.full_day {
        return Ok(Vec::new());
    }
    let (start, end) = p.window();
    let from = start.max(day_start(clock.today()).min(end));
    let mut out = Vec::new();
    for unit in db.reporting_units(scope, p.id, region)?.into_iter().filter(|u| u.code < 1_000_000) {
        let shifts = db.shifts(scope, Some(unit.code), from, end, store::browse::MAX_PAGE)?;
        let gaps = coverage_gaps(&shifts, from, end);
        if let Some(first) = gaps.first().copied() {
            out.push(Uncovered { unit, seconds: gaps.iter().map(|(a, b)| b - a).sum(), first_gap: first });
        }
    }
    Ok(out)
}

/// A message for a duty group's robot: no personal data (units, posts, counts, links).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The monitor webhook the unit's duty group uses.
    pub webhook_id: i64,
    pub topic: String,
    pub title: String,
    pub lines: Vec<String>,
    /// The units a missing-report reminder is about (their claims are given back when it is
    /// not delivered); empty for other messages.
    pub units: Vec<i64>,
}

/// The duty robot of a unit: its own, or the nearest bureau's above it.
pub fn duty_channel(db: &mut dyn Duty, scope: &Scope, unit: i64) -> Result<Option<i64>, StoreError> {
    let mut u = Some(unit);
    for _ in 0..5 {
        let Some(code) = u else { break };
        if let Some(c) = db.duty_channel(scope, code)? {
            return Ok(Some(c.webhook_id));
        }
        u = db.unit_parent(code)?;
    }
    Ok(None)
}

/// What the incidents code (or any domain) calls to reach the people on duty for `unit`: the
/// message for the unit's duty robot, naming the posts on duty now (never a name or a phone);
/// None when no robot serves the unit.
pub fn notify_on_duty(db: &mut dyn Duty, clock: &dyn Clock, scope: &Scope, unit: i64, topic: &str, title: &str, lines: &[String]) -> Result<Option<Message>, StoreError> {
    let Some(webhook_id) = duty_channel(db, scope, unit)? else { return Ok(None) };
    let mut lines = lines.to_vec();
    match on_duty(db, scope, unit, clock.now())? {
        Some(d) => {
            let mut who = format!("当前值班：{}", d.shift.contact_post);
            if !d.shift.leader_post.is_empty() {
                who.push_str(&format!("；带班：{}", d.shift.leader_post));
            }
            if d.unit_code != unit {
                who.push_str(&format!("（上级单位 {} 值班）", d.unit_code));
            }
            lines.push(who);
        }
        None => lines.push("当前无人排班，请值班组尽快安排。".into()),
    }
    Ok(Some(Message { webhook_id, topic: topic.into(), title: title.into(), lines, units: Vec::new() }))
}

/// The reminders due for a period at the clock's time: after the day's cut-off, each reporting
/// unit of the period's area that has not reported is reminded once that day, through its duty
/// robot (units sharing one robot in one message). Returns the messages and the number of
/// units reminded; before the cut-off, outside the period, or on a second call the same day,
/// nothing — but a unit whose message was not delivered, its claim given back
/// (`Duty::release_reminders`, as `web::remind::run` does), is reminded again. `scope` is the caller's (the reminders cover its part of the area).
pub fn due_reminders(db: &mut dyn Duty, clock: &dyn Clock, scope: &Scope, p: &Period) -> Result<(Vec<Message>, usize), StoreError> {
    let now = clock.now();
    let day = day_of(now);
    if !p.holds(day) || now < p.cutoff_of(day) {
        return Ok((Vec::new(), 0));
    }
    let st = db.day_status(scope, p.id, day, None)?;
    let codes: Vec<i64> = st.missing.iter().map(|u| u.code).collect();
    let fresh = db.claim_reminders(p.id, day, &codes, now)?;
    let names: std::collections::HashMap<i64, &Unit> = st.missing.iter().map(|u| (u.code, u)).collect();
    let mut by: std::collections::BTreeMap<i64, (Vec<String>, Vec<i64>)> = std::collections::BTreeMap::new();
    for code in &fresh {
        if let Some(w) = duty_channel(db, scope, *code)? {
            let e = by.entry(w).or_default();
            e.0.push(names.get(code).map(|u| u.name.clone()).unwrap_or_else(|| code.to_string()));
            e.1.push(*code);
        }
    }
    let cut = cutoff_text(p.new.cutoff_minutes);
    let msgs = by
        .into_iter()
        .map(|(webhook_id, (units, codes))| {
            let n = units.len();
            let mut lines = vec![format!("{}（{}）截至 {cut} 尚未报送零报告的单位 {n} 个：", p.new.name, day)];
            lines.extend(units.into_iter().take(30));
            if n > 30 {
                lines.push(format!("……等 {n} 个单位"));
            }
            lines.push("请各单位值班人员尽快报送（无异常也须报送）。".into());
            Message { webhook_id, topic: "duty_missing_report".into(), title: format!("【零报告提醒】{} {day}", p.new.name), lines, units: codes }
        })
        .collect();
    Ok((msgs, fresh.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Period {
        Period {
            id: 1,
            new: NewPeriod { area_code: 510104, name: "国庆".into(), starts_on: Date::parse_iso("2026-10-01").unwrap(), ends_on: Date::parse_iso("2026-10-07").unwrap(), full_day: true, reporters: Reporters::Bureaus, cutoff_minutes: DEFAULT_CUTOFF },
            created_by: "o".into(),
            created_at: 0,
        }
    }

    #[test]
    fn lateness_and_cutoff() {
        let p = p();
        let d = Date::parse_iso("2026-10-02").unwrap();
        let cut = p.cutoff_of(d);
        assert_eq!(day_of(cut), d);
        assert_eq!((cut - day_start(d)) / 60, 960);
        assert!(!is_late(&p, d, cut) && is_late(&p, d, cut + 1));
        assert_eq!(parse_cutoff("17：30"), Some(1050));
        assert_eq!(parse_cutoff(""), Some(960));
        assert_eq!(parse_cutoff("24:00"), None);
        assert_eq!(cutoff_text(960), "16:00");
    }

    #[test]
    fn gaps() {
        let mk = |a: i64, b: i64| Shift { id: 0, new: store::duty::NewShift { starts_at: a, ends_at: b, ..Default::default() }, region_code: 0, contact_name: String::new(), contact_post: String::new(), leader_name: String::new(), leader_post: String::new(), created_by: String::new(), created_at: 0 };
        assert_eq!(coverage_gaps(&[], 0, 10), vec![(0, 10)]);
        assert_eq!(coverage_gaps(&[mk(0, 4), mk(3, 6), mk(8, 12)], 0, 10), vec![(6, 8)]);
        assert!(coverage_gaps(&[mk(-5, 5), mk(5, 20)], 0, 10).is_empty());
    }

    #[test]
    fn inputs_every_problem_at_once() {
        let e = parse_contact(&ContactInput { unit_code: "12".into(), mobile: "1381234".into(), office_phone: "abc".into(), ..Default::default() }).unwrap_err();
        let fields: Vec<_> = e.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["unit_code", "name", "post", "office_phone", "mobile"]);
        let e = parse_period(&PeriodInput { area_code: "510104".into(), name: "x".into(), starts_on: "2026-10-07".into(), ends_on: "2026-10-01".into(), reporters: "x".into(), cutoff: "25:00".into(), full_day: true }).unwrap_err();
        assert_eq!(e.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["ends_on", "reporters", "cutoff"]);
        let today = Date::parse_iso("2026-10-03").unwrap();
        let e = parse_report(&ReportInput { unit_code: "510104".into(), day: "2026-10-04".into(), state: "events".into(), ..Default::default() }, &p(), today).unwrap_err();
        assert_eq!(e.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["day", "body"]);
        let ok = parse_report(&ReportInput { unit_code: "510104".into(), state: "clear".into(), incident_id: "#12".into(), ..Default::default() }, &p(), today).unwrap();
        assert_eq!((ok.day, ok.all_clear, ok.incident_id), (today, true, Some(12)));
    }
}
