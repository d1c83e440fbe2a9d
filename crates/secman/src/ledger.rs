//! 责任制与正版化 — the rules of two small registers: the responsibility checklist
//! (网络安全责任制落实清单) and the software-asset ledger (软件正版化台账).
//!
//! **Checklist.** A division (the province, a city or a county, for its own area) publishes a
//! checklist for a year; every bureau of its area — and every school, when chosen — gets its own
//! copy of the items ([`units_of`], [`publish`]). A unit names each item's owner (name and post;
//! no phone numbers: [`parse_duty`] refuses a number-like name), sets its status (未开始 / 进行中 /
//! 已落实 / 不适用 with a reason) and its evidence (text, and a file when the item asks for one).
//!
//! **Software.** Each entry counts the seats of its licence and the installations; more
//! installations than seats is flagged (open-source and free software count no seats), so is a
//! licence expiring within 60 days. Every unit is checked every six months (正版化检查): the next
//! check is due six months after the latest ([`next_check_due`]), a unit never checked is
//! overdue at once; [`half_year`] names the half-year a check belongs to (上半年 / 下半年).

use crate::mlps::{add_months, Problem};
use standard::Date;
use store::ledger::{Category, Check, Checklist, DutyItem, DutyStatus, DutyUpdate, Ledger, LicenceKind, NewCheck, NewChecklist, NewSoftware, SoftwareKind, TemplateItem};
use store::{Browse, OrgLevel, Scope, StoreError};

use crate::form::{problem, text_lines as text};


fn date(field: &'static str, zh: &str, en: &str, v: &str, not_after: Option<Date>, required: bool, out: &mut Vec<Problem>) -> Option<Date> {
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
        Some(d) if not_after.is_some_and(|t| d > t) => {
            out.push(problem(field, format!("{zh} {d} 晚于今天，请填写已发生的日期。"), format!("The {en} {d} is after today: enter a date that has passed.")));
            None
        }
        Some(d) => Some(d),
    }
}

fn count(field: &'static str, zh: &str, en: &str, v: &str, out: &mut Vec<Problem>) -> u32 {
    let v = v.trim();
    if v.is_empty() {
        return 0;
    }
    match v.parse::<u32>() {
        Ok(n) if n <= 1_000_000 => n,
        _ => {
            out.push(problem(field, format!("{zh}“{v}”应为 0 至 1000000 的整数。"), format!("The {en} “{v}” must be a whole number from 0 to 1000000.")));
            0
        }
    }
}

/// A unit code as typed: a 10-digit school code or a 6-digit division code.
pub fn parse_unit(v: &str, out: &mut Vec<Problem>) -> i64 {
    let v = v.trim();
    if v.is_empty() {
        out.push(problem("unit_code", "请填写所属单位代码（10 位学校标识码或 6 位行政区划代码）。", "Enter the unit: a 10-digit school code or a 6-digit division code."));
        return 0;
    }
    crate::form::unit_code_of(v).unwrap_or_else(|| {
        out.push(problem("unit_code", format!("单位代码“{v}”应为 10 位学校标识码或 6 位行政区划代码。"), format!("The unit “{v}” must be a 10-digit school code or a 6-digit division code.")));
        0
    })
}

/// Whether a text looks like a phone number or an ID number (seven digits or more): an item's
/// owner is named by name and post only.
pub fn looks_like_number(v: &str) -> bool {
    v.chars().filter(char::is_ascii_digit).count() >= 7
}

/// A checklist as typed: the items one a line, `类别｜事项[｜需佐证]` (`|` works too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChecklistInput {
    pub year: String,
    pub title: String,
    pub include_schools: bool,
    pub items: String,
}

/// The items a new checklist starts from (the five categories of the 责任制 documents).
pub const DEFAULT_ITEMS: &str = "组织领导｜成立网络安全工作领导小组，明确主要负责人为第一责任人｜需佐证
组织领导｜明确网络安全管理部门和专职（兼职）网络安全管理员
制度建设｜制定网络安全管理制度和信息系统操作规程｜需佐证
制度建设｜建立网络安全责任追究制度
技术防护｜落实等级保护要求，定级备案和测评按期完成
技术防护｜终端安装正版杀毒软件并及时更新病毒库
应急处置｜制定网络安全事件应急预案并每年演练一次｜需佐证
教育培训｜每年组织全体教职工开展网络安全教育培训";

/// Reads a checklist; every problem at once.
pub fn parse_checklist(i: &ChecklistInput, region_code: i64, today: Date) -> Result<NewChecklist, Vec<Problem>> {
    let mut out = Vec::new();
    let year = match i.year.trim().trim_end_matches('年').parse::<i32>() {
        Ok(y) if (2000..=i32::from(today.year) + 1).contains(&y) => y,
        _ => {
            out.push(problem("year", format!("年度“{}”应为 2000 至 {} 的年份。", i.year.trim(), today.year + 1), format!("The year “{}” must be from 2000 to {}.", i.year.trim(), today.year + 1)));
            0
        }
    };
    let title = text("title", "清单名称", "title", &i.title, 100, true, &mut out);
    let mut items = Vec::new();
    for (n, line) in i.items.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split(['｜', '|']).map(str::trim).collect();
        let cat = Category::parse(parts[0]);
        let body = parts.get(1).copied().unwrap_or("");
        let evidence = parts.get(2).is_some_and(|v| matches!(*v, "需佐证" | "是" | "evidence" | "1"));
        match cat {
            None => out.push(problem("items", format!("第 {} 行“{}”的类别应为组织领导、制度建设、技术防护、应急处置或教育培训之一，写在行首，用“｜”与事项分开。", n + 1, line.trim()), format!("Line {}: begin with a category (组织领导, 制度建设, 技术防护, 应急处置 or 教育培训) and “｜”.", n + 1))),
            Some(_) if body.is_empty() || body.chars().count() > 200 => out.push(problem("items", format!("第 {} 行的事项内容应为 1 至 200 字。", n + 1), format!("Line {}: the item must be 1 to 200 characters.", n + 1))),
            Some(category) => items.push(TemplateItem { text: body.to_string(), category, evidence_required: evidence }),
        }
    }
    if items.is_empty() && !out.iter().any(|p| p.field == "items") {
        out.push(problem("items", "请至少填写一个清单事项。", "Enter at least one item."));
    }
    if items.len() > 100 {
        out.push(problem("items", "清单事项最多 100 项。", "At most 100 items."));
    }
    if out.is_empty() {
        Ok(NewChecklist { region_code, year, title, include_schools: i.include_schools, items })
    } else {
        Err(out)
    }
}

/// The units a division's checklist goes to: the division's own bureau and the bureaus below it,
/// and their schools when `schools`.
pub fn units_of(s: &mut (impl Browse + ?Sized), division: i64, schools: bool) -> Result<Vec<i64>, StoreError> {
    let mut out = vec![division];
    let mut todo = vec![division];
    while let Some(code) = todo.pop() {
        for c in s.org_children(code)? {
            if c.level == OrgLevel::School {
                if schools {
                    out.push(c.code);
                }
            } else {
                out.push(c.code);
                todo.push(c.code);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Publishes a checklist for its division's units.
pub fn publish(s: &mut (impl Ledger + Browse + ?Sized), scope: &Scope, c: &NewChecklist, by: &str, now: i64) -> Result<Checklist, StoreError> {
    if !store::ledger::may_publish(scope, c.region_code) {
        return Err(StoreError::OutOfScope);
    }
    let units = units_of(s, c.region_code, c.include_schools)?;
    s.publish_checklist(scope, c, &units, by, now)
}

/// What a unit says of an item, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DutyInput {
    pub owner_name: String,
    pub owner_post: String,
    pub status: String,
    pub reason: String,
    pub evidence: String,
    /// An attachment id already uploaded (or none).
    pub attachment: Option<i64>,
}

/// Reads an item's update; every problem at once.
pub fn parse_duty(i: &DutyInput, item: &DutyItem) -> Result<DutyUpdate, Vec<Problem>> {
    let mut out = Vec::new();
    let status = match DutyStatus::parse(&i.status) {
        Some(s) => s,
        None => {
            out.push(problem("status", "请选择落实状态：未开始、进行中、已落实或不适用。", "Choose a status: not started, in progress, done or not applicable."));
            DutyStatus::NotStarted
        }
    };
    let needs_owner = status != DutyStatus::NotStarted;
    let owner_name = text("owner_name", "责任人姓名", "owner's name", &i.owner_name, 30, needs_owner, &mut out);
    if looks_like_number(&owner_name) {
        out.push(problem("owner_name", "责任人只填姓名，不要填写电话或证件号码。", "Give the owner's name only, no phone or ID number."));
    }
    let owner_post = text("owner_post", "责任人职务", "owner's post", &i.owner_post, 50, needs_owner, &mut out);
    if looks_like_number(&owner_post) {
        out.push(problem("owner_post", "职务中不要填写电话或证件号码。", "No phone or ID number in the post."));
    }
    let reason = text("reason", "不适用的理由", "reason it does not apply", &i.reason, 500, status == DutyStatus::NotApplicable, &mut out);
    let evidence = text("evidence", "落实情况与佐证", "evidence", &i.evidence, 2000, false, &mut out);
    if status == DutyStatus::Done && item.evidence_required && evidence.is_empty() && i.attachment.is_none() {
        out.push(problem("evidence", "该事项要求佐证材料：请填写落实情况或上传佐证文件后再标为“已落实”。", "This item needs evidence: describe it or attach a file before marking it done."));
    }
    if out.is_empty() {
        Ok(DutyUpdate { owner_name, owner_post, status, reason: if status == DutyStatus::NotApplicable { reason } else { String::new() }, evidence, attachment: i.attachment })
    } else {
        Err(out)
    }
}

/// A software entry as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoftwareInput {
    pub unit_code: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub kind: String,
    pub licence_kind: String,
    pub licence_no: String,
    pub licensed: String,
    pub expires_on: String,
    pub installed: String,
    pub location: String,
}

/// Reads a software entry; every problem at once.
pub fn parse_software(i: &SoftwareInput) -> Result<NewSoftware, Vec<Problem>> {
    let mut out = Vec::new();
    let unit_code = parse_unit(&i.unit_code, &mut out);
    let name = text("name", "软件名称", "software name", &i.name, 100, true, &mut out);
    let vendor = text("vendor", "厂商", "vendor", &i.vendor, 100, false, &mut out);
    let version = text("version", "版本", "version", &i.version, 50, false, &mut out);
    let kind = SoftwareKind::parse(&i.kind).unwrap_or_else(|| {
        out.push(problem("kind", "请选择软件类别：操作系统、办公软件、杀毒软件或其他。", "Choose the kind: operating system, office, antivirus or other."));
        SoftwareKind::Other
    });
    let licence_kind = LicenceKind::parse(&i.licence_kind).unwrap_or_else(|| {
        out.push(problem("licence_kind", "请选择授权方式：商业授权、开源、免费或政府采购。", "Choose the licence: commercial, open source, freeware or government procurement."));
        LicenceKind::Free
    });
    let licence_no = text("licence_no", "授权编号或合同号", "licence or contract number", &i.licence_no, 100, licence_kind.counted(), &mut out);
    let licensed = count("licensed", "授权数量", "licensed seats", &i.licensed, &mut out);
    if licence_kind.counted() && licensed == 0 && !out.iter().any(|p| p.field == "licensed") {
        out.push(problem("licensed", "商业授权和政府采购的软件请填写授权数量（大于 0）。", "Enter the licensed seats (more than 0) for a commercial or procured licence."));
    }
    let expires_on = date("expires_on", "授权到期日", "expiry date", &i.expires_on, None, false, &mut out);
    let installed = count("installed", "安装数量", "installations", &i.installed, &mut out);
    let location = text("location", "安装位置", "location", &i.location, 200, false, &mut out);
    if out.is_empty() {
        Ok(NewSoftware { unit_code, name, vendor, version, kind, licence_kind, licence_no, licensed, expires_on, installed, location })
    } else {
        Err(out)
    }
}

/// A check as typed: `result` 合规 (compliant) or 发现问题 (issues).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckInput {
    pub unit_code: String,
    pub checked_on: String,
    pub checker: String,
    pub result: String,
    pub problems: String,
}

/// Reads a check; every problem at once (a check on a day after `today` is refused).
pub fn parse_check(i: &CheckInput, today: Date) -> Result<NewCheck, Vec<Problem>> {
    let mut out = Vec::new();
    let unit_code = parse_unit(&i.unit_code, &mut out);
    let checked_on = date("checked_on", "检查日期", "check date", &i.checked_on, Some(today), true, &mut out);
    let checker = text("checker", "检查人", "checker", &i.checker, 50, true, &mut out);
    if looks_like_number(&checker) {
        out.push(problem("checker", "检查人只填姓名，不要填写电话或证件号码。", "Give the checker's name only."));
    }
    let compliant = match i.result.trim() {
        "compliant" | "合规" => Some(true),
        "issues" | "发现问题" => Some(false),
        _ => {
            out.push(problem("result", "请选择检查结果：合规或发现问题。", "Choose the result: compliant or issues found."));
            None
        }
    };
    let problems = text("problems", "发现的问题", "problems found", &i.problems, 2000, compliant == Some(false), &mut out);
    match (out.is_empty(), checked_on, compliant) {
        (true, Some(checked_on), Some(compliant)) => Ok(NewCheck { unit_code, checked_on, checker, compliant, problems: if compliant { String::new() } else { problems } }),
        _ => Err(out),
    }
}

/// The next check: six months after this one (2026-08-31 → 2027-02-28).
pub fn next_check_due(checked_on: Date) -> Date {
    add_months(checked_on, 6)
}

/// The half-year a check belongs to: (year, true for 上半年).
pub fn half_year(d: Date) -> (u16, bool) {
    (d.year, d.month <= 6)
}

/// 2026年上半年 / 2026 H1.
pub fn half_year_label(d: Date, en: bool) -> String {
    let (y, first) = half_year(d);
    match (en, first) {
        (false, true) => format!("{y}年上半年"),
        (false, false) => format!("{y}年下半年"),
        (true, true) => format!("{y} H1"),
        (true, false) => format!("{y} H2"),
    }
}

/// Records a check with its next due date.
pub fn record_check(s: &mut (impl Ledger + ?Sized), scope: &Scope, c: &NewCheck, by: &str, now: i64) -> Result<Check, StoreError> {
    s.add_check(scope, c, next_check_due(c.checked_on), by, now)
}

/// The topic the software-ledger reminders go out under (`guard::notify`).
pub const TOPIC: &str = "software";

/// The stage of a unit's six-monthly check due on `due` that is reminded of on `today`: 30 and
/// 7 days before, and the first day late.
pub fn check_mark(due: Date, today: Date) -> Option<&'static str> {
    match due.days_since_epoch() - today.days_since_epoch() {
        30 => Some("30"),
        7 => Some("7"),
        -1 => Some("overdue"),
        _ => None,
    }
}

/// The stage of a licence ending on `ends` that is reminded of on `today`: 60, 30 and 7 days
/// before.
pub fn licence_mark(ends: Date, today: Date) -> Option<&'static str> {
    match ends.days_since_epoch() - today.days_since_epoch() {
        60 => Some("60"),
        30 => Some("30"),
        7 => Some("7"),
        _ => None,
    }
}

/// A software-ledger reminder due on a day: its key and its message (no person: the checker,
/// the contract number and the location are not sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub key: store::ledger::LedgerReminderKey,
    pub unit_code: i64,
    pub title: String,
    pub lines: Vec<String>,
}

fn when(date: Date, today: Date) -> String {
    let days = date.days_since_epoch() - today.days_since_epoch();
    if days < 0 { format!("已逾期 {} 天", -days) } else { format!("还有 {days} 天到期") }
}

/// The day's reminders of the software ledger within `scope`: the units whose six-monthly
/// check is due in 30 or 7 days or was due yesterday, and the licences ending in 60, 30 or 7
/// days (every entry ending within 60 days is read, page by page).
pub fn sweep<S>(s: &mut S, scope: &Scope, today: Date, public_url: Option<&str>) -> Result<Vec<Reminder>, StoreError>
where
    S: Ledger + Browse + ?Sized,
{
    use store::ledger::{LedgerReminderKey, ReminderSubject};
    let at = |n: i64| Date::from_days_since_epoch(today.days_since_epoch() + n);
    let link = |path: String| public_url.map(|u| format!("处理：{}{path}", u.trim_end_matches('/')));
    let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    let mut name = |s: &mut S, code: i64| -> Result<String, StoreError> {
        if let Some(n) = names.get(&code) {
            return Ok(n.clone());
        }
        let n = s.org_unit(code)?.map(|u| u.name).unwrap_or_default();
        names.insert(code, n.clone());
        Ok(n)
    };
    let mut out = Vec::new();
    for u in s.units_due_on(scope, &[at(30), at(7), at(-1)])? {
        let Some(due) = u.next_due else { continue };
        let Some(stage) = check_mark(due, today) else { continue };
        let unit = name(s, u.unit_code)?;
        let late = stage == "overdue";
        let mut lines = vec![format!("单位：{unit}（{}）", u.unit_code), format!("事项：软件正版化半年检查，期限 {due}，{}", when(due, today))];
        lines.extend(link("/software/checks".to_string()));
        out.push(Reminder {
            key: LedgerReminderKey { subject: ReminderSubject::Check, ref_id: u.unit_code, due_on: due, stage: stage.into() },
            unit_code: u.unit_code,
            title: format!("【软件正版化提醒】{unit}：半年检查{}", if late { "已逾期" } else { "即将到期" }),
            lines,
        });
    }
    let mut q = store::ledger::SoftwareQuery { flag: Some(store::ledger::Flag::Expiring), limit: store::browse::MAX_PAGE, ..store::ledger::SoftwareQuery::on(today) };
    loop {
        let page = s.software_list(scope, &q)?;
        for e in &page.rows {
            let Some(ends) = e.new.expires_on else { continue };
            let Some(stage) = licence_mark(ends, today) else { continue };
            let unit = name(s, e.new.unit_code)?;
            let soft = if e.new.version.trim().is_empty() { e.new.name.clone() } else { format!("{} {}", e.new.name, e.new.version) };
            let mut lines = vec![format!("单位：{unit}（{}）", e.new.unit_code), format!("事项：软件授权到期，{soft}，到期日 {ends}，{}", when(ends, today))];
            lines.extend(link(format!("/software?unit={}", e.new.unit_code)));
            out.push(Reminder {
                key: LedgerReminderKey { subject: ReminderSubject::Licence, ref_id: e.id, due_on: ends, stage: stage.into() },
                unit_code: e.new.unit_code,
                title: format!("【软件正版化提醒】{soft}：授权即将到期"),
                lines,
            });
        }
        match page.next.and_then(|n| n.parse::<i64>().ok()) {
            Some(after) => q.after = Some(after),
            None => break,
        }
    }
    Ok(out)
}

/// The day's software-ledger reminders sent to the robots, as the 等保 ones
/// (`crate::mlps::remind`): each not yet recorded given to `send` (true when a robot took it)
/// and recorded then — once however often this runs; a failed one is tried at the next run.
/// One audit entry (`ledger_remind`, by `system`) with the counts when anything was sent or
/// failed.
pub fn remind<S>(s: &mut S, today: Date, now: i64, public_url: Option<&str>, send: &mut dyn FnMut(&str, &[String]) -> bool) -> Result<crate::mlps::RemindReport, StoreError>
where
    S: Ledger + Browse + store::AuditLog + ?Sized,
{
    let all = Scope::all();
    let due = sweep(s, &all, today, public_url)?;
    let mut rep = crate::mlps::RemindReport { due: due.len(), ..Default::default() };
    for r in &due {
        if s.ledger_reminder_recorded(&all, &r.key)? {
            rep.already += 1;
        } else if send(&r.title, &r.lines) {
            s.record_ledger_reminder(&all, &r.key, now)?;
            rep.sent += 1;
        } else {
            rep.failed += 1;
        }
    }
    if rep.sent + rep.failed > 0 {
        let detail = serde_json::json!({ "day": today.to_string(), "due": rep.due, "sent": rep.sent, "already": rep.already, "failed": rep.failed }).to_string();
        let outcome = if rep.failed == 0 { "ok" } else { "failed" };
        s.append_audit(&store::AuditEvent { actor: "system".into(), action: "ledger_remind".into(), target: format!("ledger:{today}"), detail, ip: String::new(), outcome: outcome.into() })?;
    }
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::clock::{Clock, TestClock};
    use store::ledger::{Flag, SoftwareQuery};

    fn d(s: &str) -> Date {
        Date::parse_iso(s).unwrap()
    }

    fn schools(s: &mut store_sqlite::SqliteStore) {
        store::suite_ledger::schools(s);
    }

    #[test]
    fn checks_fall_due_six_months_on_and_licences_expire() {
        let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
        schools(&mut s);
        let clock = TestClock::on(d("2026-03-01"));
        let county = Scope::Region { lo: 510104, hi: 510104 };
        let sw = parse_software(&SoftwareInput { unit_code: "2151010401".into(), name: "WPS Office".into(), kind: "办公软件".into(), licence_kind: "政府采购".into(), licence_no: "SCZC-2025-0131".into(), licensed: "60".into(), installed: "60".into(), expires_on: "2026-06-30".into(), ..Default::default() }).unwrap();
        s.create_software(&county, &sw, "t", clock.now()).unwrap();
        // Never checked: overdue at once.
        assert_eq!(s.unit_checks(&county, None, Some(clock.today()), 10).unwrap().len(), 1);
        let c = parse_check(&CheckInput { unit_code: "2151010401".into(), checked_on: "2026-02-27".into(), checker: "李华".into(), result: "合规".into(), problems: String::new() }, clock.today()).unwrap();
        let got = record_check(&mut s, &county, &c, "t", clock.now()).unwrap();
        assert_eq!(got.next_due, d("2026-08-27"));
        assert_eq!(half_year_label(got.new.checked_on, false), "2026年上半年");
        assert!(s.unit_checks(&county, None, Some(clock.today()), 10).unwrap().is_empty());
        let q = |today| SoftwareQuery { flag: Some(Flag::Expiring), ..SoftwareQuery::on(today) };
        assert!(s.software_list(&county, &q(clock.today())).unwrap().rows.is_empty(), "four months out");
        // Two months on, the licence is within 60 days of its end.
        clock.advance(62 * 86_400);
        assert_eq!(s.software_list(&county, &q(clock.today())).unwrap().rows.len(), 1);
        // Six months on, the next check is late.
        clock.advance(120 * 86_400);
        assert_eq!(clock.today(), d("2026-08-30"));
        let late = s.unit_checks(&county, None, Some(clock.today()), 10).unwrap();
        assert_eq!(late.iter().map(|u| u.next_due).collect::<Vec<_>>(), vec![Some(d("2026-08-27"))]);
        assert_eq!(s.check_regions(&county, clock.today()).unwrap()[0].overdue, 1);
        assert_eq!(next_check_due(d("2026-08-31")), d("2027-02-28"));
        assert_eq!(half_year_label(d("2026-07-01"), true), "2026 H2");
    }

    #[test]
    fn a_checklist_reaches_the_units_of_its_area() {
        let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
        schools(&mut s);
        let today = d("2026-03-01");
        let county = Scope::Region { lo: 510104, hi: 510104 };
        let i = ChecklistInput { year: "2026".into(), title: "锦江区 2026 年责任制清单".into(), include_schools: false, items: DEFAULT_ITEMS.into() };
        let c = parse_checklist(&i, 510104, today).unwrap();
        assert_eq!((c.items.len(), c.items[0].category, c.items[0].evidence_required, c.items[1].evidence_required), (8, Category::Leadership, true, false));
        let only_bureau = publish(&mut s, &county, &c, "t", 1).unwrap();
        assert_eq!(only_bureau.units, 1);
        let with_schools = publish(&mut s, &county, &NewChecklist { include_schools: true, ..c.clone() }, "t", 1).unwrap();
        assert_eq!(with_schools.units, 3);
        assert!(matches!(publish(&mut s, &county, &NewChecklist { region_code: 510300, ..c.clone() }, "t", 1).unwrap_err(), StoreError::OutOfScope));
        let province = publish(&mut s, &Scope::all(), &NewChecklist { region_code: 510000, ..c }, "t", 1).unwrap();
        assert!(province.units > 20, "the province's bureaus: {}", province.units);
    }

    #[test]
    fn inputs_checked_all_at_once() {
        let today = d("2026-03-01");
        let p = parse_checklist(&ChecklistInput { year: "1999".into(), title: String::new(), include_schools: false, items: "其他｜x\n组织领导｜".into() }, 510104, today).unwrap_err();
        assert_eq!(p.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["year", "title", "items", "items"]);
        let item = DutyItem { id: 1, checklist_id: 1, year: 2026, unit_code: 2151010401, region_code: 510104, seq: 1, text: "x".into(), category: Category::Emergency, evidence_required: true, owner_name: String::new(), owner_post: String::new(), status: DutyStatus::NotStarted, reason: String::new(), evidence: String::new(), attachment: None, updated_by: String::new(), updated_at: 0 };
        let p = parse_duty(&DutyInput { status: "done".into(), owner_name: "13800138000".into(), ..Default::default() }, &item).unwrap_err();
        assert_eq!(p.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["owner_name", "owner_post", "evidence"]);
        let p = parse_duty(&DutyInput { status: "不适用".into(), owner_name: "王明".into(), owner_post: "校长".into(), ..Default::default() }, &item).unwrap_err();
        assert_eq!(p[0].field, "reason");
        assert!(parse_duty(&DutyInput { status: "done".into(), owner_name: "王明".into(), owner_post: "校长".into(), attachment: Some(3), ..Default::default() }, &item).is_ok());
        assert!(parse_duty(&DutyInput { status: "not_started".into(), ..Default::default() }, &item).is_ok());
        let p = parse_software(&SoftwareInput { unit_code: "12".into(), kind: "x".into(), licence_kind: "商业授权".into(), licensed: "-1".into(), expires_on: "2026-02-30".into(), ..Default::default() }).unwrap_err();
        assert_eq!(p.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["unit_code", "name", "kind", "licence_no", "licensed", "expires_on"]);
        assert!(parse_software(&SoftwareInput { unit_code: "2151010401".into(), name: "LibreOffice".into(), kind: "office".into(), licence_kind: "开源".into(), installed: "80".into(), ..Default::default() }).is_ok());
        let p = parse_check(&CheckInput { unit_code: "2151010401".into(), checked_on: "2026-03-02".into(), checker: String::new(), result: "发现问题".into(), problems: String::new() }, today).unwrap_err();
        assert_eq!(p.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["checked_on", "checker", "problems"]);
        assert!(p.iter().all(|p| !p.zh.is_empty() && !p.en.is_empty()));
    }
}
