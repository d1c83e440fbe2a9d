//! 等保 2.0 — the rules of the register of information systems (网络安全等级保护): reading and
//! checking what a unit enters, the due dates, and the reminders.
//!
//! **Due dates.** By 《信息安全等级保护管理办法》(公通字〔2007〕43号):
//!
//! - filing (备案): a system of level 2 or above is filed with the public-security authority
//!   *within 30 days of going live* (第十五条). Thirty *calendar* days, as the text says (日, not
//!   工作日); when the 30th day is a rest day, the deadline is the next working day of the
//!   configurable calendar (`store::calendar`, 调休 included) — the rule for periods ending on a
//!   holiday (《民法典》第二百零三条). The same roll applies to every due date below;
//! - assessment (等级测评): level 3 at least once a year, level 4 at least every six months
//!   (第十四条); level 5 "by special requirements" — held here to level 4's six months, the
//!   strictest the text names. Counted from the latest assessment, or from going live for a
//!   system never assessed. Level 1 and 2 have no periodic assessment;
//! - rectification items (整改): the due date the unit set.
//!
//! **Reminders** at 60, 30 and 7 days before a due date, and once late ([`Stage`]); the daily
//! sweep ([`sweep`]) names the systems whose date reaches one of these marks on the day.

use standard::Date;
use store::calendar::Calendar;
use store::mlps::{Conclusion, Dues, DueState, Mlps, NewAssessment, NewRectification, NewSystem, Rectification, System, SystemQuery};
use store::{Scope, StoreError};

pub use crate::form::Problem;
use crate::form::{problem, text as text_field};

/// A system as typed in a form, the API or an import row: every field as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemInput {
    pub unit_code: String,
    pub name: String,
    pub owner: String,
    pub purpose: String,
    pub level: String,
    pub cii: bool,
    pub live_on: String,
    pub filing_no: String,
    pub filing_on: String,
    pub filing_authority: String,
}

fn date_field(field: &'static str, zh: &str, en: &str, v: &str, today: Date, required: bool, out: &mut Vec<Problem>) -> Option<Date> {
    let v = v.trim();
    if v.is_empty() {
        if required {
            out.push(problem(field, format!("请填写{zh}。"), format!("Enter the {en}.")));
        }
        return None;
    }
    match Date::parse_lenient(v).map(|(d, _)| d) {
        None => {
            out.push(problem(field, format!("{zh}“{v}”不是有效日期，请按 2026-03-01 的格式填写。"), format!("The {en} “{v}” is not a date: write it as 2026-03-01.")));
            None
        }
        Some(d) if d > today => {
            out.push(problem(field, format!("{zh} {d} 晚于今天，请填写已发生的日期。"), format!("The {en} {d} is after today: enter a date that has passed.")));
            None
        }
        Some(d) => Some(d),
    }
}


/// Checks a 公安机关备案证明 number against the system's level. The numbers the public-security
/// authorities issue read `51010199001-30001`: eleven digits — the six-digit code of the
/// filing authority's division (GB/T 2260, the province first) and five more — a hyphen, then
/// five digits whose first is the system's level. Spaces around it are dropped and a full-width
/// hyphen (－) is read as `-`.
pub fn check_filing_no(no: &str, level: u8) -> Result<String, Problem> {
    let n: String = no.trim().replace(['－', '—', '–'], "-");
    let bad = || problem("filing_no", format!("备案编号“{}”格式不对：应为 11 位数字、连字符、5 位数字，如 51010199001-30001。", no.trim()), format!("The filing number “{}” should read 11 digits, a hyphen and 5 digits, e.g. 51010199001-30001.", no.trim()));
    let Some((a, b)) = n.split_once('-') else { return Err(bad()) };
    if a.len() != 11 || b.len() != 5 || !a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let province: u32 = a[..2].parse().unwrap_or(0);
    if !(11..=82).contains(&province) {
        return Err(problem("filing_no", format!("备案编号“{n}”的前两位 {province:02} 不是省级行政区划代码，请核对备案证明。"), format!("The filing number “{n}” does not begin with a province code: check the certificate.")));
    }
    let digit = b.as_bytes()[0] - b'0';
    if digit != level {
        return Err(problem("filing_no", format!("备案编号“{n}”中连字符后第一位是等级 {digit}，与所填等级 {level} 不符；请核对等级或备案证明。"), format!("The filing number “{n}” is for level {digit}, not level {level}: check the level or the certificate.")));
    }
    Ok(n)
}

/// Reads a system; every problem at once (the form shows them all).
pub fn parse_system(i: &SystemInput, today: Date) -> Result<NewSystem, Vec<Problem>> {
    let mut out = Vec::new();
    let unit_code = crate::form::unit_code(&i.unit_code, &mut out);
    let name = text_field("name", "系统名称", "system name", &i.name, 100, true, &mut out);
    let owner = text_field("owner", "责任部门", "responsible department", &i.owner, 60, true, &mut out);
    let purpose = text_field("purpose", "用途", "purpose", &i.purpose, 200, false, &mut out);
    let digits = i.level.trim().trim_start_matches('第').trim_end_matches('级').replace('一', "1").replace('二', "2").replace('三', "3").replace('四', "4").replace('五', "5");
    let level = match digits.parse::<u8>() {
        Ok(l @ 1..=5) => l,
        _ => {
            out.push(problem("level", format!("安全保护等级“{}”应为 1 至 5 的整数。", i.level.trim()), "The protection level must be a whole number from 1 to 5."));
            0
        }
    };
    let live_on = date_field("live_on", "上线运行日期", "go-live date", &i.live_on, today, level >= 2, &mut out);
    if level >= 2 && i.live_on.trim().is_empty() {
        if let Some(p) = out.iter_mut().find(|p| p.field == "live_on") {
            p.zh = "请填写上线运行日期：二级及以上系统的备案期限由此起算。".into();
            p.en = "Enter the go-live date: the filing of a level 2+ system is due 30 days after it.".into();
        }
    }
    let filing_authority = text_field("filing_authority", "备案机关", "filing authority", &i.filing_authority, 60, false, &mut out);
    let mut filing_no = String::new();
    let mut filing_on = None;
    if !i.filing_no.trim().is_empty() {
        if level == 1 {
            out.push(problem("filing_no", "第一级系统无需备案，请清空备案编号或核对等级。", "Level 1 systems are not filed: clear the filing number or check the level."));
        } else if level > 1 {
            match check_filing_no(&i.filing_no, level) {
                Ok(n) => filing_no = n,
                Err(p) => out.push(p),
            }
        }
        filing_on = date_field("filing_on", "备案日期", "filing date", &i.filing_on, today, true, &mut out);
        if filing_authority.is_empty() {
            out.push(problem("filing_authority", "已填备案编号，请同时填写受理备案的公安机关。", "With a filing number, enter the public-security authority that took the filing."));
        }
    } else if !i.filing_on.trim().is_empty() {
        out.push(problem("filing_no", "填了备案日期但没有备案编号，请补全备案证明编号。", "A filing date without a filing number: enter the certificate's number."));
    }
    if out.is_empty() {
        Ok(NewSystem { unit_code, name, owner, purpose, level, cii: i.cii, live_on, filing_no, filing_on, filing_authority })
    } else {
        Err(out)
    }
}

/// An assessment as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessmentInput {
    pub assessed_on: String,
    pub agency: String,
    pub score: String,
    pub conclusion: String,
}

/// Reads an assessment; every problem at once. The conclusion may be left out when a score is
/// given (it follows from the score); when both are given they must agree.
pub fn parse_assessment(i: &AssessmentInput, today: Date) -> Result<NewAssessment, Vec<Problem>> {
    let mut out = Vec::new();
    let date = date_field("assessed_on", "测评日期", "assessment date", &i.assessed_on, today, true, &mut out);
    if i.assessed_on.trim().is_empty() {
        out.retain(|p| p.field != "assessed_on");
        out.push(problem("assessed_on", "请填写测评日期。", "Enter the assessment date."));
    }
    let agency = text_field("agency", "测评机构", "assessment agency", &i.agency, 100, true, &mut out);
    let score = match i.score.trim() {
        "" => None,
        v => match v.parse::<f64>() {
            Ok(x) if (0.0..=100.0).contains(&x) => Some((x * 100.0).round() / 100.0),
            _ => {
                out.push(problem("score", format!("综合得分“{v}”应为 0 至 100 的数。"), "The score must be a number from 0 to 100."));
                None
            }
        },
    };
    let conclusion = match (i.conclusion.trim(), score) {
        ("", Some(x)) => Some(Conclusion::of_score(x)),
        ("", None) => {
            out.push(problem("conclusion", "请选择测评结论（优、良、中、差）或填写综合得分。", "Choose the conclusion (excellent, good, fair, poor) or enter the score."));
            None
        }
        (c, x) => match (Conclusion::parse(c), x) {
            (None, _) => {
                out.push(problem("conclusion", format!("测评结论“{c}”应为优、良、中、差之一。"), "The conclusion must be excellent, good, fair or poor."));
                None
            }
            (Some(k), Some(x)) if Conclusion::of_score(x) != k => {
                out.push(problem("conclusion", format!("综合得分 {x} 对应的结论是“{}”，与所选“{}”不符；请核对测评报告。", Conclusion::of_score(x).zh(), k.zh()), format!("A score of {x} means “{}”, not “{}”: check the report.", Conclusion::of_score(x).en(), k.en())));
                None
            }
            (Some(k), _) => Some(k),
        },
    };
    match (date, conclusion) {
        (Some(assessed_on), Some(conclusion)) if out.is_empty() => Ok(NewAssessment { assessed_on, agency, score, conclusion }),
        _ => Err(out),
    }
}

/// Reads a rectification item; its due date may lie ahead (up to two years).
pub fn parse_item(item: &str, due_on: &str, today: Date) -> Result<NewRectification, Vec<Problem>> {
    let mut out = Vec::new();
    let item = text_field("item", "整改事项", "item", item, 200, true, &mut out);
    let due = match Date::parse_lenient(due_on.trim()).map(|(d, _)| d) {
        Some(d) if d.days_since_epoch() - today.days_since_epoch() <= 731 => Some(d),
        Some(d) => {
            out.push(problem("due_on", format!("整改期限 {d} 超过两年，请分阶段设定。"), "The due date is more than two years away: set stages.")); 
            None
        }
        None => {
            out.push(problem("due_on", "请按 2026-03-01 的格式填写整改期限。", "Enter the due date as 2026-03-01."));
            None
        }
    };
    match due {
        Some(due_on) if out.is_empty() => Ok(NewRectification { item, due_on }),
        _ => Err(out),
    }
}

/// `d` plus `n` months, the day kept where the month has it, else its last day
/// (2026-08-31 + 6 months = 2027-02-28).
pub fn add_months(d: Date, n: u32) -> Date {
    let m0 = d.month as u32 - 1 + n;
    let (y, m) = (d.year as u32 + m0 / 12, m0 % 12 + 1);
    let day = (d.day as u32).min(standard::date::days_in_month(y, m));
    Date::new(y, m, day).unwrap_or(d)
}

/// The filing due date: 30 calendar days after going live, for level 2 and above not yet filed,
/// rolled to a working day.
pub fn filing_due(s: &NewSystem, cal: &Calendar) -> Option<Date> {
    if s.level < 2 || !s.filing_no.is_empty() {
        return None;
    }
    let live = s.live_on?;
    Some(cal.working_day_on_or_after(Date::from_days_since_epoch(live.days_since_epoch() + 30)))
}

/// Months between assessments by level (None: no periodic assessment).
pub fn assessment_months(level: u8) -> Option<u32> {
    match level {
        3 => Some(12),
        4 | 5 => Some(6),
        _ => None,
    }
}

/// The next assessment due date: from the latest assessment (or going live), rolled to a
/// working day.
pub fn assessment_due(level: u8, last: Option<Date>, live_on: Option<Date>, cal: &Calendar) -> Option<Date> {
    let months = assessment_months(level)?;
    let from = last.or(live_on)?;
    Some(cal.working_day_on_or_after(add_months(from, months)))
}

/// Every due date of a system.
pub fn dues(s: &NewSystem, last_assessed: Option<Date>, items: &[Rectification], cal: &Calendar) -> Dues {
    Dues {
        filing: filing_due(s, cal),
        assessment: assessment_due(s.level, last_assessed, s.live_on, cal),
        rectification: items.iter().filter(|r| r.done_on.is_none()).map(|r| r.due_on).min(),
    }
}

/// Where a due date stands on a day: the reminder it calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Past its date.
    Overdue,
    /// Within 7 days.
    Days7,
    /// Within 30 days.
    Days30,
    /// Within 60 days.
    Days60,
    /// Further away.
    Later,
}

impl Stage {
    pub fn of(due: Date, today: Date) -> Stage {
        match due.days_since_epoch() - today.days_since_epoch() {
            n if n < 0 => Stage::Overdue,
            0..=7 => Stage::Days7,
            8..=30 => Stage::Days30,
            31..=60 => Stage::Days60,
            _ => Stage::Later,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Stage::Overdue => "overdue",
            Stage::Days7 => "7",
            Stage::Days30 => "30",
            Stage::Days60 => "60",
            Stage::Later => "later",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Overdue => "已逾期",
            Stage::Days7 => "7 天内到期",
            Stage::Days30 => "30 天内到期",
            Stage::Days60 => "60 天内到期",
            Stage::Later => "未到提醒期",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Stage::Overdue => "Overdue",
            Stage::Days7 => "Due within 7 days",
            Stage::Days30 => "Due within 30 days",
            Stage::Days60 => "Due within 60 days",
            Stage::Later => "Not yet due",
        }
    }
}

/// Which date a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Filing,
    Assessment,
    Rectification,
}

impl Due {
    pub fn zh(self) -> &'static str {
        match self {
            Due::Filing => "备案",
            Due::Assessment => "等级测评",
            Due::Rectification => "整改",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Due::Filing => "filing",
            Due::Assessment => "assessment",
            Due::Rectification => "rectification",
        }
    }
}

/// A reminder of one due date of one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub system_id: i64,
    pub system: String,
    pub unit_code: i64,
    pub due: Due,
    pub date: Date,
    pub stage: Stage,
}

/// The system's due dates with their stages on `today` (soonest first).
pub fn reminders(s: &System, today: Date) -> Vec<Reminder> {
    let mut v: Vec<Reminder> = [(Due::Filing, s.dues.filing), (Due::Assessment, s.dues.assessment), (Due::Rectification, s.dues.rectification)]
        .into_iter()
        .filter_map(|(due, d)| d.map(|date| Reminder { system_id: s.id, system: s.new.name.clone(), unit_code: s.new.unit_code, due, date, stage: Stage::of(date, today) }))
        .collect();
    v.sort_by_key(|r| r.date);
    v
}

/// Whether a reminder is sent on `today`: on the day a date is 60, 30 or 7 days ahead, and on
/// the first day it is late.
pub fn reminds_today(date: Date, today: Date) -> bool {
    matches!(date.days_since_epoch() - today.days_since_epoch(), 60 | 30 | 7 | -1)
}

/// How many days after a mark a reminder not sent then (the reminder run did not run: the
/// server was down) is still sent: the most recent mark crossed, once ([`catches_up`]).
pub const CATCH_UP_DAYS: i64 = 7;

/// The day the stage of a date on `today` began: its mark (60, 30, 7 days before, the first
/// day late); None when it is further away than 60 days.
pub fn mark_of(date: Date, today: Date) -> Option<Date> {
    let back = match Stage::of(date, today) {
        Stage::Overdue => -1,
        Stage::Days7 => 7,
        Stage::Days30 => 30,
        Stage::Days60 => 60,
        Stage::Later => return None,
    };
    Some(Date::from_days_since_epoch(date.days_since_epoch() - back))
}

/// Whether the reminder of a date's current stage is still sent on `today`: on its mark
/// ([`reminds_today`]) or, when the runs missed the mark, up to [`CATCH_UP_DAYS`] after it.
/// Only the most recent mark crossed is caught up (its stage), never the ones before it; the
/// record of what was sent keeps it to once.
pub fn catches_up(date: Date, today: Date) -> bool {
    mark_of(date, today).is_some_and(|m| (0..=CATCH_UP_DAYS).contains(&(today.days_since_epoch() - m.days_since_epoch())))
}

/// The daily sweep: the reminders due on `today` for the systems in `scope` (every system with
/// a date within 60 days or late is read, page by page). What to send them through (group
/// robots, mail) is the caller's.
pub fn sweep(s: &mut (impl Mlps + ?Sized), scope: &Scope, today: Date) -> Result<Vec<Reminder>, StoreError> {
    sweep_where(s, scope, today, reminds_today)
}

/// [`sweep`] with the reminders missed by the last [`CATCH_UP_DAYS`] days (what [`remind`]
/// sends: each not yet recorded).
pub fn sweep_catching_up(s: &mut (impl Mlps + ?Sized), scope: &Scope, today: Date) -> Result<Vec<Reminder>, StoreError> {
    sweep_where(s, scope, today, catches_up)
}

fn sweep_where(s: &mut (impl Mlps + ?Sized), scope: &Scope, today: Date, keep: fn(Date, Date) -> bool) -> Result<Vec<Reminder>, StoreError> {
    let mut out = Vec::new();
    for state in [DueState::Overdue, DueState::DueSoon] {
        let mut q = SystemQuery { state: Some(state), limit: store::browse::MAX_PAGE, ..SystemQuery::on(today) };
        loop {
            let page = s.systems(scope, &q)?;
            for sys in &page.rows {
                out.extend(reminders(sys, today).into_iter().filter(|r| keep(r.date, today)));
            }
            match page.next.and_then(|n| n.parse::<i64>().ok()) {
                Some(after) => q.after = Some(after),
                None => break,
            }
        }
    }
    Ok(out)
}

/// A reminder as a group-chat message (`guard::notify`, topic [`TOPIC`]): the system, its unit,
/// which date and when, a link; no person is named (the responsible department is not sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
}

/// The topic the reminders go out under.
pub const TOPIC: &str = "mlps";

/// The message of `r` for the robots (`unit`: the unit's name).
pub fn message(r: &Reminder, unit: &str, today: Date, public_url: Option<&str>) -> Message {
    let days = r.date.days_since_epoch() - today.days_since_epoch();
    let when = if days < 0 { format!("已逾期 {} 天", -days) } else { format!("还有 {days} 天到期") };
    let title = format!("【等保提醒】{}：{}{}", r.system, r.due.zh(), if days < 0 { "已逾期" } else { "即将到期" });
    let mut lines = vec![format!("单位：{unit}（{}）", r.unit_code), format!("事项：{}，期限 {}，{when}", r.due.zh(), r.date)];
    if let Some(u) = public_url {
        lines.push(format!("处理：{}/mlps/{}", u.trim_end_matches('/'), r.system_id));
    }
    Message { title, lines }
}

/// The key a reminder is recorded under (sent once).
pub fn reminder_key(r: &Reminder) -> store::mlps::ReminderKey {
    store::mlps::ReminderKey { system_id: r.system_id, due: r.due.en().to_string(), due_on: r.date, stage: r.stage.code().to_string() }
}

/// What a run of [`remind`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RemindReport {
    /// Reminders due on the day.
    pub due: usize,
    /// Sent now (and recorded).
    pub sent: usize,
    /// Sent by an earlier run.
    pub already: usize,
    /// No robot took it (tried again at the next run of the day).
    pub failed: usize,
}

/// The day's reminders sent to the robots: the [`sweep_catching_up`] over the whole province on
/// `today` (a mark missed while no run ran is caught up, its most recent one only), each
/// reminder not yet recorded given to `send` (true when a robot took it) and recorded then, so
/// that however often this runs a reminder goes out once. One audit entry
/// (`mlps_remind`, by `system`) with the counts when anything was sent or failed.
pub fn remind<S>(s: &mut S, today: Date, now: i64, public_url: Option<&str>, send: &mut dyn FnMut(&Message) -> bool) -> Result<RemindReport, StoreError>
where
    S: Mlps + store::Browse + store::AuditLog + ?Sized,
{
    let all = Scope::all();
    let due = sweep_catching_up(s, &all, today)?;
    let mut rep = RemindReport { due: due.len(), ..Default::default() };
    let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for r in &due {
        let key = reminder_key(r);
        if s.reminder_recorded(&all, &key)? {
            rep.already += 1;
            continue;
        }
        let unit = match names.get(&r.unit_code) {
            Some(n) => n.clone(),
            None => {
                let n = s.org_unit(r.unit_code)?.map(|u| u.name).unwrap_or_default();
                names.insert(r.unit_code, n.clone());
                n
            }
        };
        if send(&message(r, &unit, today, public_url)) {
            s.record_reminder(&all, &key, now)?;
            rep.sent += 1;
        } else {
            rep.failed += 1;
        }
    }
    if rep.sent + rep.failed > 0 {
        let detail = serde_json::json!({ "day": today.to_string(), "due": rep.due, "sent": rep.sent, "already": rep.already, "failed": rep.failed }).to_string();
        let outcome = if rep.failed == 0 { "ok" } else { "failed" };
        s.append_audit(&store::AuditEvent { actor: "system".into(), action: "mlps_remind".into(), target: format!("mlps:{today}"), detail, ip: String::new(), outcome: outcome.into() })?;
    }
    Ok(rep)
}

/// Recomputes and stores a system's due dates (after an assessment or a change of its items).
pub fn refresh(s: &mut (impl Mlps + ?Sized), scope: &Scope, id: i64, cal: &Calendar) -> Result<System, StoreError> {
    let sys = s.system(scope, id)?.ok_or(StoreError::OutOfScope)?;
    let items = s.rectifications(scope, id)?;
    s.set_dues(scope, id, &dues(&sys.new, sys.last_assessed, &items, cal))?;
    s.system(scope, id)?.ok_or(StoreError::OutOfScope)
}

/// Registers a system with its due dates.
pub fn create(s: &mut (impl Mlps + ?Sized), scope: &Scope, new: &NewSystem, by: &str, cal: &Calendar, now: i64) -> Result<System, StoreError> {
    s.create_system(scope, new, &dues(new, None, &[], cal), by, now)
}

/// Changes a system; its due dates follow.
pub fn update(s: &mut (impl Mlps + ?Sized), scope: &Scope, id: i64, new: &NewSystem, cal: &Calendar, now: i64) -> Result<System, StoreError> {
    let old = s.system(scope, id)?.ok_or(StoreError::OutOfScope)?;
    let items = s.rectifications(scope, id)?;
    s.update_system(scope, id, new, &dues(new, old.last_assessed, &items, cal), now)?;
    refresh(s, scope, id, cal)
}

/// Records an assessment; the next one's due date follows.
pub fn assess(s: &mut (impl Mlps + ?Sized), scope: &Scope, id: i64, a: &NewAssessment, by: &str, cal: &Calendar, now: i64) -> Result<System, StoreError> {
    s.add_assessment(scope, id, a, by, now)?;
    refresh(s, scope, id, cal)
}

/// Adds a rectification item.
pub fn add_item(s: &mut (impl Mlps + ?Sized), scope: &Scope, id: i64, r: &NewRectification, by: &str, cal: &Calendar, now: i64) -> Result<System, StoreError> {
    s.add_rectification(scope, id, r, by, now)?;
    refresh(s, scope, id, cal)
}

/// Marks a rectification item done, with its evidence.
pub fn close_item(s: &mut (impl Mlps + ?Sized), scope: &Scope, id: i64, item: i64, done_on: Date, evidence: &str, cal: &Calendar) -> Result<System, StoreError> {
    if evidence.trim().is_empty() {
        return Err(StoreError::Conflict("请填写整改证明（做了什么、文件编号），再标记完成（enter the evidence first）".into()));
    }
    s.close_rectification(scope, id, item, done_on, evidence)?;
    refresh(s, scope, id, cal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::clock::{Clock, TestClock};

    fn d(s: &str) -> Date {
        Date::parse_iso(s).unwrap()
    }

    fn input(level: &str) -> SystemInput {
        SystemInput { unit_code: "2151010401".into(), name: "学籍管理系统".into(), owner: "教务处".into(), purpose: "学籍".into(), level: level.into(), cii: false, live_on: "2026-01-05".into(), ..Default::default() }
    }

    #[test]
    fn filing_due_30_calendar_days_rolled_past_rest_days() {
        let cal = Calendar::embedded();
        let mut s = parse_system(&input("2"), d("2026-03-01")).unwrap();
        // 2026-01-05 + 30 = 2026-02-04, a Wednesday.
        assert_eq!(filing_due(&s, &cal), Some(d("2026-02-04")));
        // Live 2026-01-15: + 30 = 2026-02-14, a Saturday in the Spring Festival holiday of 2026
        // (2-15 … 2-23 off; 2-14 Saturday is an adjusted working day by 国办发明电〔2025〕7号).
        s.live_on = Some(d("2026-01-15"));
        let due = filing_due(&s, &cal).unwrap();
        assert!(cal.is_working_day(due), "{due}");
        assert_eq!(due, cal.working_day_on_or_after(d("2026-02-14")));
        // Live 2026-01-17: + 30 = 2026-02-16, inside the holiday: rolled to the first working day after.
        s.live_on = Some(d("2026-01-17"));
        let due = filing_due(&s, &cal).unwrap();
        assert!(due > d("2026-02-16") && cal.is_working_day(due) && (d("2026-02-16").days_since_epoch()..due.days_since_epoch()).all(|n| !cal.is_working_day(Date::from_days_since_epoch(n))), "{due}");
        // Level 1, or filed: nothing due.
        s.level = 1;
        assert_eq!(filing_due(&s, &cal), None);
        s.level = 3;
        s.filing_no = "51010499001-30001".into();
        assert_eq!(filing_due(&s, &cal), None);
    }

    #[test]
    fn assessment_yearly_for_level_3_half_yearly_for_4() {
        let cal = Calendar::embedded();
        assert_eq!(assessment_due(3, Some(d("2025-03-03")), None, &cal), Some(d("2026-03-03")));
        assert_eq!(assessment_due(4, Some(d("2025-03-03")), None, &cal), Some(d("2025-09-03")));
        assert_eq!(assessment_due(5, None, Some(d("2025-03-03")), &cal), Some(d("2025-09-03")), "never assessed: from going live");
        assert_eq!(assessment_due(2, Some(d("2025-03-03")), None, &cal), None);
        // 2025-04-04 + 1 year = 2026-04-04, 清明 (Saturday); the next working day.
        let due = assessment_due(3, Some(d("2025-04-04")), None, &cal).unwrap();
        assert!(due > d("2026-04-04") && cal.is_working_day(due), "{due}");
        assert_eq!(add_months(d("2026-08-31"), 6), d("2027-02-28"));
        assert_eq!(add_months(d("2027-08-31"), 6), d("2028-02-29"));
        assert_eq!(add_months(d("2026-11-30"), 12), d("2027-11-30"));
    }

    #[test]
    fn reminders_at_60_30_7_and_late_by_the_clock() {
        let cal = Calendar::embedded();
        let clock = TestClock::on(d("2026-01-05"));
        let mut sys = System {
            id: 1,
            new: parse_system(&input("3"), clock.today()).unwrap(),
            region_code: 510104,
            last_assessed: None,
            dues: Dues::default(),
            next_due: None,
            open_items: 0,
            created_by: "t".into(),
            created_at: 0,
            updated_at: 0,
        };
        sys.dues = dues(&sys.new, None, &[], &cal);
        let filing = sys.dues.filing.unwrap();
        let mut seen = Vec::new();
        for _ in 0..40 {
            let today = clock.today();
            let r = reminders(&sys, today);
            assert_eq!(r[0].due, Due::Filing, "the filing comes first");
            if reminds_today(filing, today) {
                seen.push((today, r[0].stage));
            }
            clock.advance(86_400);
        }
        let at = |n: i64| Date::from_days_since_epoch(filing.days_since_epoch() + n);
        assert_eq!(seen, vec![(at(-30), Stage::Days30), (at(-7), Stage::Days7), (at(1), Stage::Overdue)]);
        assert_eq!(Stage::of(filing, at(-60)), Stage::Days60);
        assert_eq!(Stage::of(filing, at(-61)), Stage::Later);
        assert_eq!(Stage::of(filing, filing), Stage::Days7);
    }

    #[test]
    fn the_daily_sweep_names_the_systems_on_their_marks() {
        let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
        store::suite_mlps::schools(&mut s);
        let cal = Calendar::embedded();
        let clock = TestClock::on(d("2026-01-20"));
        let all = Scope::all();
        let a = create(&mut s, &all, &parse_system(&input("2"), clock.today()).unwrap(), "t", &cal, clock.now()).unwrap();
        assert_eq!(a.dues.filing, Some(d("2026-02-04")));
        let mut days = Vec::new();
        for _ in 0..30 {
            if !sweep(&mut s, &all, clock.today()).unwrap().is_empty() {
                days.push(clock.today());
            }
            clock.advance(86_400);
        }
        assert_eq!(days, vec![d("2026-01-28"), d("2026-02-05")], "7 days before, and the first day late");
        // Filed: nothing more to remind of.
        let mut filed = a.new.clone();
        filed.filing_no = "51010499001-20001".into();
        filed.filing_on = Some(d("2026-02-06"));
        filed.filing_authority = "成都市公安局锦江区分局".into();
        let after = update(&mut s, &all, a.id, &filed, &cal, clock.now()).unwrap();
        assert_eq!((after.dues.filing, after.next_due), (None, None));
        assert!(sweep(&mut s, &all, d("2026-02-05")).unwrap().is_empty());
    }

    #[test]
    fn an_assessment_moves_the_system_off_the_overdue_list() {
        let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
        store::suite_mlps::schools(&mut s);
        let cal = Calendar::embedded();
        let clock = TestClock::on(d("2026-03-01"));
        let county = Scope::Region { lo: 510104, hi: 510104 };
        let mut i = input("3");
        i.live_on = "2024-09-02".into();
        i.filing_no = "51010499001-30001".into();
        i.filing_on = "2024-09-20".into();
        i.filing_authority = "成都市公安局锦江区分局".into();
        let sys = create(&mut s, &county, &parse_system(&i, clock.today()).unwrap(), "t", &cal, clock.now()).unwrap();
        assert_eq!(sys.dues.assessment, Some(d("2025-09-02")));
        assert_eq!(s.overdue_systems(&county, None, clock.today(), 10).unwrap().len(), 1);
        let a = parse_assessment(&AssessmentInput { assessed_on: "2026-02-27".into(), agency: "四川某测评中心".into(), score: "82.5".into(), conclusion: String::new() }, clock.today()).unwrap();
        assert_eq!(a.conclusion, Conclusion::Good);
        let after = assess(&mut s, &county, sys.id, &a, "t", &cal, clock.now()).unwrap();
        assert_eq!(after.dues.assessment, Some(d("2027-02-27")).map(|x| cal.working_day_on_or_after(x)));
        assert!(s.overdue_systems(&county, None, clock.today(), 10).unwrap().is_empty());
        // A year on, it is late again.
        clock.advance(366 * 86_400);
        assert_eq!(s.overdue_systems(&county, None, clock.today(), 10).unwrap().len(), 1);
        // Another county cannot record one.
        let other = Scope::Region { lo: 510302, hi: 510302 };
        assert!(matches!(assess(&mut s, &other, sys.id, &a, "t", &cal, clock.now()).unwrap_err(), StoreError::OutOfScope));
    }

    #[test]
    fn inputs_checked_all_at_once() {
        let today = d("2026-03-01");
        let bad = SystemInput { unit_code: "12".into(), name: String::new(), owner: "x".into(), level: "6".into(), live_on: "2026-13-01".into(), filing_no: "5101019900120001".into(), filing_on: "2026-01-01".into(), ..Default::default() };
        let p = parse_system(&bad, today).unwrap_err();
        let fields: Vec<&str> = p.iter().map(|p| p.field).collect();
        for f in ["unit_code", "name", "level", "live_on", "filing_authority"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert!(p.iter().all(|p| !p.zh.is_empty() && !p.en.is_empty()));
        assert_eq!(check_filing_no("51010199001-20001", 2), Ok("51010199001-20001".into()));
        assert_eq!(check_filing_no(" 51010199001－30001 ", 3), Ok("51010199001-30001".into()));
        assert!(check_filing_no("51010199001-20001", 3).unwrap_err().zh.contains("等级 2"));
        assert!(check_filing_no("5101019900120001", 2).is_err());
        assert!(check_filing_no("99010199001-20001", 2).is_err());
        assert!(check_filing_no("5101019900a-20001", 2).is_err());
        let mut i = input("2");
        i.live_on = "2026-03-02".into();
        assert_eq!(parse_system(&i, today).unwrap_err()[0].field, "live_on", "a go-live date after today");
        i.live_on = String::new();
        assert_eq!(parse_system(&i, today).unwrap_err()[0].field, "live_on", "required from level 2");
        let mut i = input("1");
        i.live_on = String::new();
        assert!(parse_system(&i, today).is_ok(), "optional for level 1");
        assert_eq!(parse_system(&input("第三级"), today).unwrap().level, 3);
        let a = |date: &str, score: &str, c: &str| parse_assessment(&AssessmentInput { assessed_on: date.into(), agency: "x".into(), score: score.into(), conclusion: c.into() }, today);
        assert!(a("2026-02-01", "95", "良").unwrap_err()[0].zh.contains("对应的结论是“优”"));
        assert!(a("2026-02-01", "101", "").is_err());
        assert_eq!(a("2026-02-01", "", "fair").unwrap().conclusion, Conclusion::Fair);
        assert!(a("", "", "").unwrap_err().len() == 2);
        assert!(a("2026-03-05", "80", "").is_err(), "an assessment in the future");
        assert!(parse_item("", "2026-04-01", today).is_err());
        assert!(parse_item("日志", "2029-04-01", today).is_err());
        assert_eq!(parse_item("日志", "2026-04-01", today).unwrap().due_on, d("2026-04-01"));
    }
}
