//! 专项检查、攻防演练与整改 — the rules: reading what an issuer, a unit or an organiser types,
//! and the due dates of rectification items.
//!
//! **Due dates.** An item's due date is given as a date, or as "N working days" (`N 个工作日`),
//! counted on the working-day calendar (`store::calendar`, 调休 included) from the day it is
//! raised, that day not counted. An inspection's findings are due `rect_days` working days after
//! the unit submits. An item is overdue from the day after its due date while it is open or
//! reopened (a submitted item waits for the issuer, not for the unit).

use crate::mlps::Problem;
use standard::Date;
use store::calendar::Calendar;
use store::checks::{Answer, Assignment, ChecklistItem, Checks, DrillKind, ItemKind, NewDrill, NewFinding, NewInspection, Severity, Target, Verdict};
use store::clock::Clock;
use store::{Scope, StoreError};

use crate::form::{problem, text_lines as text};

/// A due date as typed: a date or a number of working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    On(Date),
    WorkingDays(u32),
}

impl Due {
    /// `2026-10-20`, `10`, `10 个工作日`, `10 working days`.
    pub fn parse(s: &str) -> Option<Due> {
        let s = s.trim();
        let num = s.trim_end_matches("个工作日").trim_end_matches("working days").trim_end_matches("工作日").trim();
        if let Ok(n) = num.parse::<u32>() {
            return (1..=250).contains(&n).then_some(Due::WorkingDays(n));
        }
        Date::parse_lenient(s).map(|(d, _)| Due::On(d))
    }

    /// The date it means for an item raised on `today`.
    pub fn resolve(self, today: Date, cal: &Calendar) -> Date {
        match self {
            Due::On(d) => d,
            Due::WorkingDays(n) => cal.add_working_days(today, n),
        }
    }
}

/// Reads a due date; a date must not lie in the past nor more than two years ahead.
pub fn parse_due(field: &'static str, s: &str, today: Date, cal: &Calendar, out: &mut Vec<Problem>) -> Option<Date> {
    match Due::parse(s) {
        None => {
            out.push(problem(field, "请填写整改期限：日期（如 2026-10-20）或工作日数（如 10 个工作日）。", "Enter the due date as 2026-10-20 or as a number of working days."));
            None
        }
        Some(due) => {
            let d = due.resolve(today, cal);
            if d < today {
                out.push(problem(field, format!("整改期限 {d} 早于今天。"), format!("The due date {d} has passed.")));
                None
            } else if d.days_since_epoch() - today.days_since_epoch() > 731 {
                out.push(problem(field, format!("整改期限 {d} 超过两年，请分阶段设定。"), "The due date is more than two years away."));
                None
            } else {
                Some(d)
            }
        }
    }
}


fn date(field: &'static str, zh: &str, en: &str, v: &str, out: &mut Vec<Problem>) -> Option<Date> {
    match Date::parse_lenient(v.trim()).map(|(d, _)| d) {
        Some(d) => Some(d),
        None => {
            out.push(problem(field, format!("请按 2026-09-01 的格式填写{zh}。"), format!("Enter the {en} as 2026-09-01.")));
            None
        }
    }
}

/// An inspection as typed in the form or the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionInput {
    pub name: String,
    pub basis: String,
    pub starts_on: String,
    pub deadline: String,
    pub rect_days: String,
    /// One checklist item a line: `text`, optionally `|文字` (a text answer) and `|需证明`
    /// (evidence required).
    pub items: String,
    /// `bureaus`, `schools` or `units`.
    pub target: String,
    /// With `units`: codes separated by spaces, commas or lines.
    pub units: String,
}

/// Reads one checklist line.
pub fn parse_checklist_line(line: &str) -> Option<ChecklistItem> {
    let mut parts = line.split(['|', '｜']).map(str::trim);
    let text = parts.next().filter(|t| !t.is_empty())?.to_string();
    let mut item = ChecklistItem { text, kind: ItemKind::YesNo, evidence_required: false };
    for p in parts {
        match p {
            "文字" | "文字说明" | "text" => item.kind = ItemKind::Text,
            "需证明" | "证明" | "evidence" => item.evidence_required = true,
            _ => {}
        }
    }
    Some(item)
}

/// Reads an inspection issued by `issuer` (the writer's own division); every problem at once.
pub fn parse_inspection(i: &InspectionInput, issuer: i64, today: Date) -> Result<(NewInspection, Target), Vec<Problem>> {
    let mut out = Vec::new();
    let name = text("name", "检查名称", "name", &i.name, 100, true, &mut out);
    let basis = text("basis", "检查依据（文号）", "basis", &i.basis, 100, true, &mut out);
    let starts_on = date("starts_on", "开始日期", "start date", &i.starts_on, &mut out);
    let deadline = date("deadline", "截止日期", "deadline", &i.deadline, &mut out);
    if let (Some(a), Some(b)) = (starts_on, deadline) {
        if b < a {
            out.push(problem("deadline", "截止日期早于开始日期。", "The deadline is before the start."));
        } else if b < today {
            out.push(problem("deadline", "截止日期已过。", "The deadline has passed."));
        }
    }
    let rect_days = match i.rect_days.trim() {
        "" => Some(20),
        v => match v.parse::<u32>() {
            Ok(n) if (1..=250).contains(&n) => Some(n),
            _ => {
                out.push(problem("rect_days", "整改期限应为 1 至 250 个工作日。", "The rectification period is 1 to 250 working days."));
                None
            }
        },
    };
    let items: Vec<ChecklistItem> = i.items.lines().filter_map(parse_checklist_line).collect();
    if items.is_empty() {
        out.push(problem("items", "请填写检查表，每行一项。", "Enter the checklist, one item a line."));
    } else if items.len() > 200 {
        out.push(problem("items", "检查表最多 200 项。", "At most 200 checklist items."));
    } else if items.iter().any(|it| it.text.chars().count() > 300) {
        out.push(problem("items", "检查项过长（每项最多 300 字）。", "A checklist item is too long (300 characters at most)."));
    }
    let target = match i.target.trim() {
        "bureaus" => Some(Target::AllBureaus),
        "schools" => Some(Target::AllSchools),
        "units" => {
            let mut codes = Vec::new();
            let mut bad = Vec::new();
            for t in i.units.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、').filter(|t| !t.is_empty()) {
                match t.parse::<i64>() {
                    Ok(c) if t.len() == 6 || t.len() == 10 => codes.push(c),
                    _ => bad.push(t.to_string()),
                }
            }
            if !bad.is_empty() {
                out.push(problem("units", format!("单位代码 {} 无效：学校填 10 位学校标识码，教育行政部门填 6 位行政区划代码。", bad.join("、")), "Unit codes are 10-digit school codes or 6-digit division codes."));
                None
            } else if codes.is_empty() {
                out.push(problem("units", "请填写检查对象的单位代码。", "Enter the units' codes."));
                None
            } else {
                Some(Target::Units(codes))
            }
        }
        _ => {
            out.push(problem("target", "请选择检查对象。", "Choose whom the inspection goes to."));
            None
        }
    };
    match (starts_on, deadline, rect_days, target) {
        (Some(starts_on), Some(deadline), Some(rect_days), Some(target)) if out.is_empty() => Ok((NewInspection { issuer_code: issuer, name, basis, starts_on, deadline, rect_days, items }, target)),
        _ => Err(out),
    }
}

/// Reads an answer sheet typed as `verdict_N`, `note_N`, `evidence_N` fields.
pub fn answers_from(items: usize, get: impl Fn(&str) -> Option<String>) -> Vec<Answer> {
    (0..items)
        .map(|i| Answer {
            item: i as u32,
            verdict: get(&format!("verdict_{i}")).and_then(|v| Verdict::parse(&v)),
            note: get(&format!("note_{i}")).unwrap_or_default().trim().to_string(),
            evidence: get(&format!("evidence_{i}")).unwrap_or_default().trim().to_string(),
            attachment: None,
        })
        .collect()
}

/// Submits a unit's answers: its findings are due `rect_days` working days after today.
pub fn submit(s: &mut (impl Checks + ?Sized), scope: &Scope, inspection_id: i64, unit: i64, answers: &[Answer], owner: (&str, &str), by: &str, cal: &Calendar, clock: &dyn Clock) -> Result<Assignment, StoreError> {
    let insp = s.inspection(scope, inspection_id)?.ok_or(StoreError::OutOfScope)?;
    let due = cal.add_working_days(clock.today(), insp.new.rect_days);
    s.save_answers(scope, inspection_id, unit, answers, Some((owner.0, owner.1, due)), by, clock.now())
}

/// A drill as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrillInput {
    pub name: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub scope_text: String,
}

pub fn parse_drill(i: &DrillInput, organiser: i64) -> Result<NewDrill, Vec<Problem>> {
    let mut out = Vec::new();
    let name = text("name", "名称", "name", &i.name, 100, true, &mut out);
    let kind = DrillKind::parse(&i.kind);
    if kind.is_none() {
        out.push(problem("kind", "请选择攻防演练或技能竞赛。", "Choose a drill or a contest."));
    }
    let starts_on = date("starts_on", "开始日期", "start date", &i.starts_on, &mut out);
    let ends_on = date("ends_on", "结束日期", "end date", &i.ends_on, &mut out);
    if let (Some(a), Some(b)) = (starts_on, ends_on) {
        if b < a {
            out.push(problem("ends_on", "结束日期早于开始日期。", "The end is before the start."));
        }
    }
    let scope_text = text("scope_text", "演练范围", "scope", &i.scope_text, 500, true, &mut out);
    match (kind, starts_on, ends_on) {
        (Some(kind), Some(starts_on), Some(ends_on)) if out.is_empty() => Ok(NewDrill { organiser_code: organiser, name, kind, starts_on, ends_on, scope_text }),
        _ => Err(out),
    }
}

/// A drill finding as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingInput {
    pub title: String,
    pub severity: String,
    pub unit_code: String,
    pub target: String,
    pub found_by: String,
    pub owner_name: String,
    pub owner_post: String,
    pub due: String,
}

pub fn parse_finding(i: &FindingInput, today: Date, cal: &Calendar) -> Result<NewFinding, Vec<Problem>> {
    let mut out = Vec::new();
    let title = text("title", "问题标题", "title", &i.title, 200, true, &mut out);
    let severity = Severity::parse(&i.severity);
    if severity.is_none() {
        out.push(problem("severity", "请选择危害程度。", "Choose the severity."));
    }
    let unit_code = crate::form::unit_code_of(&i.unit_code);
    if unit_code.is_none() {
        out.push(problem("unit_code", "请填写受影响单位的代码（10 位学校标识码或 6 位行政区划代码）。", "Enter the affected unit's code."));
    }
    let target = text("target", "受影响系统或网站", "affected system", &i.target, 200, true, &mut out);
    let found_by = text("found_by", "发现者", "found by", &i.found_by, 100, true, &mut out);
    let owner_name = text("owner_name", "整改责任人", "owner", &i.owner_name, 50, true, &mut out);
    let owner_post = text("owner_post", "责任人职务", "owner's post", &i.owner_post, 50, true, &mut out);
    let due_on = parse_due("due", &i.due, today, cal, &mut out);
    match (severity, unit_code, due_on) {
        (Some(severity), Some(unit_code), Some(due_on)) if out.is_empty() => Ok(NewFinding { title, severity, unit_code, target, found_by, owner_name, owner_post, due_on }),
        _ => Err(out),
    }
}

/// A scope's own division or school code: what it issues and answers as.
pub fn own_unit(scope: &Scope) -> Option<i64> {
    match scope {
        Scope::Region { lo, .. } => Some(i64::from(*lo)),
        Scope::School { code, .. } => code.parse().ok(),
        Scope::Nothing => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::clock::TestClock;

    fn d(s: &str) -> Date {
        Date::parse_iso(s).unwrap()
    }

    #[test]
    fn due_dates_on_working_days() {
        let cal = Calendar::embedded();
        // Raised on Wednesday 2026-09-30: 10-01..07 rest (国庆), 10-08 Thu, 10-09 Fri, 10-10 Sat
        // (调休上班) are the first three working days.
        let clock = TestClock::on(d("2026-09-30"));
        assert_eq!(Due::parse("3 个工作日"), Some(Due::WorkingDays(3)));
        assert_eq!(Due::parse("3").unwrap().resolve(clock.today(), &cal), d("2026-10-10"));
        assert_eq!(Due::parse("5 working days").unwrap().resolve(clock.today(), &cal), d("2026-10-13"));
        assert_eq!(Due::parse("2026-10-20"), Some(Due::On(d("2026-10-20"))));
        assert_eq!(Due::parse("0"), None);
        let mut out = Vec::new();
        assert_eq!(parse_due("due", "2026-09-01", clock.today(), &cal, &mut out), None);
        assert_eq!(out.len(), 1);
        // Spring festival: raised 2026-02-13 (Fri), 1 working day → Saturday 02-14 (调休上班);
        // 2 → 02-24 after the holiday.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(Due::WorkingDays(2).resolve(d("2026-02-13"), &cal), d("2026-02-24"));
    }

    #[test]
    fn inspection_form_lists_every_problem() {
        let i = InspectionInput { name: String::new(), basis: "川教函〔2026〕88号".into(), starts_on: "2026-09-10".into(), deadline: "2026-09-01".into(), rect_days: "0".into(), items: String::new(), target: "units".into(), units: "510104 abc".into() };
        let p = parse_inspection(&i, 510000, d("2026-09-01")).unwrap_err();
        let fields: Vec<&str> = p.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["name", "deadline", "rect_days", "items", "units"]);
        let ok = InspectionInput { name: "专项检查".into(), deadline: "2026-09-30".into(), rect_days: String::new(), items: "责任制|需证明\n备份方式|文字\n\n弱口令".into(), units: "2151010401，510104".into(), ..i };
        let (n, t) = parse_inspection(&ok, 510000, d("2026-09-01")).unwrap();
        assert_eq!((n.rect_days, n.items.len(), n.items[0].evidence_required, n.items[1].kind), (20, 3, true, ItemKind::Text));
        assert_eq!(t, Target::Units(vec![2151010401, 510104]));
    }

    #[test]
    fn drill_and_finding_forms() {
        let cal = Calendar::embedded();
        let e = parse_drill(&DrillInput { kind: "x".into(), starts_on: "2026-11-06".into(), ends_on: "2026-11-02".into(), ..Default::default() }, 510100).unwrap_err();
        assert_eq!(e.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["name", "kind", "ends_on", "scope_text"]);
        let f = FindingInput { title: "SQL 注入".into(), severity: "高".into(), unit_code: "2151010401".into(), target: "门户网站".into(), found_by: "红队".into(), owner_name: "王工".into(), owner_post: "网管".into(), due: "10 个工作日".into() };
        let got = parse_finding(&f, d("2026-11-02"), &cal).unwrap();
        assert_eq!((got.severity, got.due_on), (Severity::High, d("2026-11-16")));
        let answers = answers_from(2, |k| match k {
            "verdict_0" => Some("不符合".into()),
            "note_0" => Some(" 未落实 ".into()),
            _ => None,
        });
        assert_eq!((answers[0].verdict, answers[0].note.as_str(), answers[1].verdict), (Some(Verdict::NotCompliant), "未落实", None));
    }
}
