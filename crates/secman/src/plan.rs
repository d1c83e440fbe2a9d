//! 信息化工作要点 — the plan tracker's rules: reading a plan file (one work point a row, CSV in
//! UTF-8 or GBK, or XLSX, read by the console with `guard::register::read_records`, the site
//! register's bounded readers), the template, and a progress update's checks.
//!
//! An import is all or nothing: every row is checked (fields, a repeated number, each unit in
//! the tree and inside the importer's and the issuing division's area) and every bad row is
//! reported with its line and reasons; when any row is bad nothing is stored. Otherwise the plan
//! is stored in one transaction ([`store::plan::Plans::import_plan`], which judges the scope
//! again). Next year's plan is a new import (the same division and year twice is refused).

use crate::form::Problem;
use standard::Date;
use store::plan::{part_of, Indicator, NewPlan, NewPoint, NewTask, NewUpdate, Plan, Plans, State, PARTS};
use store::{Browse, OrgLevel, Scope, StoreError};

/// Rows read at most (the header included).
pub const MAX_ROWS: usize = 1_001;

/// The reason of a row naming a unit the importer may not name (one answer whether the unit
/// exists elsewhere or not at all).
pub const OUT_OF_SCOPE: (&str, &str) = ("单位没有找到，或不在本计划的发文地区或您的管辖范围内。", "A unit was not found, or is outside the plan's division or your area.");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    Part,
    Number,
    Title,
    Lead,
    Coop,
    Deadline,
    Tasks,
    Description,
    Indicator,
    Target,
}

/// (column, header, English key, required, what to write, example).
const COLUMNS: [(Col, &str, &str, bool, &str, &str); 10] = [
    (Col::Part, "部分", "part", true, "1 至 6，或部分名称：顶层设计、基础建设、资源体系、数据共享、融合创新、网络安全", "网络安全"),
    (Col::Number, "编号", "number", true, "要点编号，同一计划内不能重复", "16"),
    (Col::Title, "工作要点", "title", true, "要点标题（最多 200 字）", "推进高校门户网站 IPv6 改造"),
    (Col::Lead, "牵头单位", "lead_unit", true, "学校标识码（10 位）或教育行政部门的行政区划代码（6 位）", "510000"),
    (Col::Coop, "配合单位", "coop_units", false, "多个单位用顿号、逗号或分号隔开", "510100、510300"),
    (Col::Deadline, "完成时限", "deadline", true, "YYYY-MM-DD", "2022-12-31"),
    (Col::Tasks, "主要任务", "tasks", false, "多项任务用分号或换行隔开", "完成改造方案；完成改造并验收"),
    (Col::Description, "说明", "description", false, "要点的具体内容", ""),
    (Col::Indicator, "绑定指标", "indicator", false, "ipv6_rate（高校网站 IPv6 支持率）、base_coverage（基础数据覆盖率）、mlps_overdue（等保逾期系统数），或留空", "ipv6_rate"),
    (Col::Target, "目标值", "target", false, "指标的目标，如 100%", "100%"),
];

fn column(h: &str) -> Option<Col> {
    let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
    let h = h.split(['(', '（']).next().unwrap_or("").trim().trim_end_matches(['*', '＊']).trim().to_string();
    COLUMNS.iter().find(|c| c.1 == h || c.2 == h).map(|c| c.0)
}

/// The columns of the import template.
pub fn template_columns() -> Vec<ingest::template::Column> {
    COLUMNS
        .iter()
        .map(|(col, header, key, required, explain, example)| ingest::template::Column {
            header: header.to_string(),
            key: key.to_string(),
            required: *required,
            requirement: if *required { "必填" } else { "选填" }.into(),
            explain: explain.to_string(),
            example: example.to_string(),
            choices: match col {
                Col::Part => Some(PARTS.iter().map(|p| (p.0.to_string(), p.0.to_string())).collect()),
                Col::Indicator => Some(Indicator::ALL.iter().map(|i| (i.code().to_string(), i.zh().to_string())).collect()),
                _ => None,
            },
        })
        .collect()
}

/// The import template as XLSX bytes.
pub fn template() -> Result<Vec<u8>, String> {
    ingest::template::workbook("工作要点", &template_columns())
}

/// A row refused, with its line (the header is line 1) and reasons (Chinese, English).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    pub line: u64,
    pub number: String,
    pub reasons: Vec<(String, String)>,
}

/// What an import did: the plan stored, or the rows refused (and nothing stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub rows: u64,
    pub plan: Option<Plan>,
    pub rejected: Vec<Rejected>,
}

fn codes(v: &str) -> Result<Vec<i64>, String> {
    v.split(['、', ',', '，', ';', '；', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().ok().filter(|_| s.len() == 6 || s.len() == 10).ok_or_else(|| s.to_string()))
        .collect()
}

/// Reads `(line, cells)` records, the header first (blank rows skipped), into the plan's points,
/// or every bad row with its reasons. `Err` for a file that cannot be a plan (empty, a column
/// missing).
pub fn parse(recs: Vec<(u64, Vec<String>)>) -> Result<(Vec<(u64, NewPoint)>, Vec<Rejected>), (String, String)> {
    let mut recs = recs.into_iter().filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = recs.next() else { return Err(("文件是空的。".into(), "The file is empty.".into())) };
    let cols: Vec<Option<Col>> = header.iter().map(|h| column(h)).collect();
    for (col, zh, key, required, ..) in COLUMNS {
        if required && !cols.contains(&Some(col)) {
            return Err((format!("缺少列“{zh}”，请使用导入模板。"), format!("The column {key} is missing: use the template.")));
        }
    }
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for (line, raw) in recs {
        let get = |c: Col| cols.iter().position(|x| *x == Some(c)).and_then(|i| raw.get(i)).map(|s| s.trim().to_string()).unwrap_or_default();
        let mut why: Vec<(String, String)> = Vec::new();
        let part = part_of(&get(Col::Part));
        if part.is_none() {
            why.push((format!("部分“{}”应为 1 至 6 或部分名称。", get(Col::Part)), "The part must be 1 to 6 or a part's name.".into()));
        }
        let number = get(Col::Number);
        if number.is_empty() || number.chars().count() > 20 {
            why.push(("编号必填（最多 20 字）。".into(), "The number is required (20 characters at most).".into()));
        } else if let Some(first) = seen.get(&number) {
            why.push((format!("编号与第 {first} 行重复。"), format!("The number repeats line {first}.")));
        }
        let title = get(Col::Title);
        if title.is_empty() || title.chars().count() > 200 {
            why.push(("工作要点必填（最多 200 字）。".into(), "The title is required (200 characters at most).".into()));
        }
        let lead = match codes(&get(Col::Lead)) {
            Ok(v) if v.len() == 1 => Some(v[0]),
            _ => {
                why.push(("牵头单位应为一个学校标识码（10 位）或行政区划代码（6 位）。".into(), "The lead unit must be one 10-digit school code or 6-digit division code.".into()));
                None
            }
        };
        let coop = codes(&get(Col::Coop)).unwrap_or_else(|v| {
            why.push((format!("配合单位“{v}”不是学校标识码或行政区划代码。"), format!("The co-operating unit {v} is not a school or division code.")));
            Vec::new()
        });
        let deadline = Date::parse_iso(&get(Col::Deadline));
        if deadline.is_none() {
            why.push((format!("完成时限“{}”不是有效日期，请写成 2022-12-31 这样的年-月-日。", get(Col::Deadline)), "The deadline is not a date (YYYY-MM-DD).".into()));
        }
        let ind = get(Col::Indicator);
        let indicator = if ind.is_empty() { None } else { Indicator::parse(&ind) };
        if !ind.is_empty() && indicator.is_none() {
            why.push((format!("绑定指标“{ind}”未知，可选 ipv6_rate、base_coverage、mlps_overdue。"), "Unknown indicator: ipv6_rate, base_coverage or mlps_overdue.".into()));
        }
        let tasks: Vec<String> = get(Col::Tasks).split([';', '；', '\n']).map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
        if tasks.iter().any(|t| t.chars().count() > 500) || tasks.len() > 50 {
            why.push(("每项任务最多 500 字，最多 50 项。".into(), "At most 50 tasks of 500 characters each.".into()));
        }
        let description = get(Col::Description);
        if description.chars().count() > 4000 {
            why.push(("说明最多 4000 字。".into(), "The description is 4000 characters at most.".into()));
        }
        match (part, lead, deadline) {
            (Some(part), Some(lead), Some(deadline)) if why.is_empty() => {
                seen.insert(number.clone(), line);
                let tasks = tasks.into_iter().map(|text| NewTask { text, owner: lead, deadline }).collect();
                ok.push((line, NewPoint { part, number, title, description, lead, coop, deadline, indicator, target: get(Col::Target), tasks }));
            }
            _ => bad.push(Rejected { line, number, reasons: why }),
        }
    }
    Ok((ok, bad))
}

/// Whether the scope and the division both hold `unit` (a school by its county, a bureau by its
/// own code), the unit in the tree.
fn placed(s: &mut (impl Browse + ?Sized), scope: &Scope, division: &Scope, unit: i64) -> Result<bool, StoreError> {
    let Some(u) = s.org_unit(unit)? else { return Ok(false) };
    let region = if u.level == OrgLevel::School { u.parent.unwrap_or(0) } else { u.code };
    Ok(store::ledger::may_write_unit(scope, region, unit) && store::ledger::may_write_unit(division, region, unit))
}

/// Checks the rows' units and stores the plan as `scope` — or nothing when any row is bad.
pub fn import(s: &mut (impl Plans + Browse + ?Sized), scope: &Scope, mut head: NewPlan, recs: Vec<(u64, Vec<String>)>, by: &str, now: i64) -> Result<Result<Report, (String, String)>, StoreError> {
    let (ok, mut bad) = match parse(recs) {
        Ok(x) => x,
        Err(e) => return Ok(Err(e)),
    };
    let rows = (ok.len() + bad.len()) as u64;
    if !store::ledger::may_publish(scope, head.region_code) {
        return Err(StoreError::OutOfScope);
    }
    let (lo, hi) = store::region_range(u32::try_from(head.region_code).unwrap_or(0));
    let division = Scope::Region { lo, hi };
    for (line, p) in &ok {
        let mut all = vec![p.lead];
        all.extend(&p.coop);
        let mut out = false;
        for u in all {
            out |= !placed(s, scope, &division, u)?;
        }
        if out {
            bad.push(Rejected { line: *line, number: p.number.clone(), reasons: vec![(OUT_OF_SCOPE.0.into(), OUT_OF_SCOPE.1.into())] });
        }
    }
    if ok.is_empty() && bad.is_empty() {
        return Ok(Err(("文件中没有工作要点。".into(), "The file has no work point.".into())));
    }
    if !bad.is_empty() {
        bad.sort_by_key(|r| r.line);
        return Ok(Ok(Report { rows, plan: None, rejected: bad }));
    }
    head.points = ok.into_iter().map(|x| x.1).collect();
    let plan = s.import_plan(scope, &head, by, now)?;
    Ok(Ok(Report { rows, plan: Some(plan), rejected: Vec::new() }))
}

/// A plan's year and title as typed.
pub fn parse_head(year: &str, title: &str, region: i64, out: &mut Vec<Problem>) -> Option<NewPlan> {
    let y = year.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
    if y.is_none() {
        out.push(crate::form::problem("year", "年度应为 2000 至 2100 之间的年份。", "The year must be between 2000 and 2100."));
    }
    let t = title.trim();
    if t.is_empty() || t.chars().count() > 200 {
        out.push(crate::form::problem("title", "计划名称必填（最多 200 字）。", "The title is required (200 characters at most)."));
    }
    Some(NewPlan { year: y?, title: t.to_string(), region_code: region, note: String::new(), points: Vec::new() })
}

/// An update as typed.
#[derive(Debug, Clone, Default)]
pub struct UpdateInput {
    pub task: String,
    pub on: String,
    pub text: String,
    pub progress: String,
    pub state: String,
}

/// Checks an update (every problem at once): a date not after `today`, a text, progress 0–100,
/// a state (done means 100 %).
pub fn parse_update(u: &UpdateInput, today: Date, attachment: Option<i64>) -> Result<NewUpdate, Vec<Problem>> {
    let mut out = Vec::new();
    let on = if u.on.trim().is_empty() { Some(today) } else { Date::parse_iso(u.on.trim()) };
    match on {
        None => out.push(crate::form::problem("on", format!("日期“{}”不是有效日期，请写成 2022-12-31 这样的年-月-日。", u.on.trim()), "The date is not a date (YYYY-MM-DD).")),
        Some(d) if d > today => out.push(crate::form::problem("on", "日期不能晚于今天。", "The date cannot be after today.")),
        _ => {}
    }
    let text = u.text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        out.push(crate::form::problem("text", "进展情况必填（最多 2000 字）。", "Describe the progress (2000 characters at most)."));
    }
    let progress = u.progress.trim().trim_end_matches(['%', '％']).parse::<u8>().ok().filter(|p| *p <= 100);
    if progress.is_none() {
        out.push(crate::form::problem("progress", "完成进度应为 0 至 100 的整数。", "The progress must be a whole number from 0 to 100."));
    }
    let state = State::parse(&u.state);
    if state.is_none() {
        out.push(crate::form::problem("state", "请选择状态：未开始、进行中或已完成。", "Choose a state: not started, in progress or done."));
    }
    let task = match u.task.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(t) => Some(t),
            Err(_) => {
                out.push(crate::form::problem("task", "请从列表中选择任务。", "Pick the task from the list."));
                None
            }
        },
    };
    if task.is_none() && state == Some(State::Done) && progress.is_some_and(|p| p < 100) {
        out.push(crate::form::problem("progress", "要点标为已完成时，完成进度应为 100。", "A point marked done is 100 % done."));
    }
    if !out.is_empty() {
        return Err(out);
    }
    Ok(NewUpdate { task, on: on.unwrap_or(today), text: text.to_string(), progress: progress.unwrap_or(0), state: state.unwrap_or(State::InProgress), attachment })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(rows: &[&str]) -> Vec<(u64, Vec<String>)> {
        rows.iter().enumerate().map(|(i, l)| (i as u64 + 1, l.split('|').map(str::to_string).collect())).collect()
    }

    #[test]
    fn rows_read_and_every_bad_row_reported() {
        let (ok, bad) = parse(recs(&[
            "部分*|编号|工作要点|牵头单位|配合单位|完成时限|主要任务|绑定指标|目标值",
            "网络安全|16|高校网站 IPv6 改造|510000|510100、510300|2022-12-31|方案；验收|ipv6_rate|100%",
            "1|1|制定规划|510000||2022-06-30|||",
            "7|2|坏|51|abc|2022-13-01||speed|",
            "2|1|重复编号|510000||2022-06-30|||",
            "||||||||",
        ]))
        .unwrap();
        assert_eq!(ok.iter().map(|x| x.0).collect::<Vec<_>>(), [2, 3]);
        let p = &ok[0].1;
        assert_eq!((p.part, p.coop.clone(), p.tasks.len(), p.indicator, p.target.as_str()), (6, vec![510100, 510300], 2, Some(Indicator::Ipv6Rate), "100%"));
        assert_eq!(bad.iter().map(|x| x.line).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(bad[0].reasons.len(), 5, "{:?}", bad[0].reasons);
        assert!(bad[1].reasons[0].0.contains("第 3 行"));
        assert!(parse(recs(&["部分|编号|工作要点"])).unwrap_err().0.contains("牵头单位"));
    }

    #[test]
    fn template_reads_its_headers() {
        assert!(template_columns().iter().all(|c| column(&c.header).is_some() && column(&c.key).is_some()));
        assert!(template().unwrap().starts_with(b"PK"));
    }

    #[test]
    fn updates_checked_whole() {
        let today = Date::parse_iso("2022-06-01").unwrap();
        let e = parse_update(&UpdateInput { on: "2022-07-01".into(), progress: "120".into(), ..Default::default() }, today, None).unwrap_err();
        assert_eq!(e.iter().map(|p| p.field).collect::<Vec<_>>(), ["on", "text", "progress", "state"]);
        let u = parse_update(&UpdateInput { text: "完成".into(), progress: "100%".into(), state: "已完成".into(), ..Default::default() }, today, Some(3)).unwrap();
        assert_eq!((u.on, u.progress, u.state, u.attachment), (today, 100, State::Done, Some(3)));
        assert!(parse_update(&UpdateInput { text: "x".into(), progress: "50".into(), state: "done".into(), ..Default::default() }, today, None).is_err());
    }
}
