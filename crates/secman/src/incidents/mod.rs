//! 网络安全事件 — incidents by the emergency plan: reporting, the steps of the lifecycle (each
//! checked and audited by `store::incidents::FLOW`), reporting deadlines by grade and unit kind,
//! escalation of overdue incidents up the organisation tree ([`sweep`]), reports upward, and
//! incidents opened from the monitor's findings ([`intake`]).
//!
//! Every function takes the actor (or, for the sweep and the intake, acts as `system` over the
//! whole tree) and a clock; none reads the system time.

pub mod classes;
mod intake;

pub use intake::{intake, IntakeReport};

use classes::Edition;
use store::audit::AuditEvent;
use store::clock::Clock;
use store::flow::{refuse, Actor};
use store::incidents::{Incident, IncidentQuery, IncidentState, Incidents, Step, FLOW};
use store::calendar::{Calendar, CalendarStore};
use store::{AuditLog, Entity, Scope, Store, StoreError};

/// Reporting deadlines in clock hours from discovery (国家网络安全事件报告管理办法, in force
/// since 2025-11-01): an incident graded 较大 (III) or above is reported within 1 hour by an
/// operator of critical information infrastructure, 2 hours by a central or state organ, 4 hours
/// by others. The measures set no hour count for 一般 (IV); Tianfu's default is 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub cii_hours: i64,
    pub central_hours: i64,
    pub other_hours: i64,
    /// Grade IV (and an incident not yet graded with nothing proposed).
    pub minor_hours: i64,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        Deadlines { cii_hours: 1, central_hours: 2, other_hours: 4, minor_hours: 24 }
    }
}

impl Deadlines {
    /// Hours allowed for an incident of `grade` at a unit of `kind`.
    pub fn hours(&self, grade: Option<u8>, kind: &str) -> i64 {
        match grade {
            Some(1..=3) => match kind {
                "cii" => self.cii_hours,
                "central" => self.central_hours,
                _ => self.other_hours,
            },
            _ => self.minor_hours,
        }
    }

    /// The deadline of an incident: discovery plus the hours of its grade (confirmed, else
    /// proposed).
    pub fn due(&self, i: &Incident) -> i64 {
        i.discovered_at + self.hours(i.grade_or_proposed(), &i.unit_kind) * 3600
    }

    /// `cii=1,central=2,other=4,minor=24` (any subset; hours 1..=720).
    pub fn parse(s: &str) -> Result<Deadlines, String> {
        let mut d = Deadlines::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| format!("“{part}”应写成 名称=小时数，如 other=4（write name=hours）"))?;
            let h: i64 = v.trim().parse().ok().filter(|h| (1..=720).contains(h)).ok_or_else(|| format!("“{part}”的小时数应为 1 到 720 的整数（hours must be 1..720）"))?;
            match k.trim() {
                "cii" => d.cii_hours = h,
                "central" => d.central_hours = h,
                "other" => d.other_hours = h,
                "minor" => d.minor_hours = h,
                x => return Err(format!("不认识的单位类别“{x}”，可用 cii、central、other、minor（unknown kind）")),
            }
        }
        Ok(d)
    }
}

/// The deployment's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub edition: Edition,
    pub deadlines: Deadlines,
    /// An outage alert opens an incident once it has lasted this long.
    pub outage_minutes: i64,
    /// The review (复盘) is due by the end of this many working days after recovery.
    pub review_days: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { edition: Edition::T2023, deadlines: Deadlines::default(), outage_minutes: 60, review_days: 5 }
    }
}

impl Rules {
    /// The rules of a deployment's `[security]` settings: the classification edition (`2023` or
    /// `2007`), the deadlines (as [`Deadlines::parse`] reads them), the outage minutes and the
    /// review's working days. An error names the key, for the start-up message.
    pub fn from_settings(classification: &str, deadlines: &str, outage_minutes: u64, review_days: u64) -> Result<Rules, String> {
        let edition = match classification.trim() {
            "2023" => Edition::T2023,
            "2007" => Edition::Z2007,
            x => return Err(format!("security.incident_classification = {x}：应为 2023 或 2007（must be 2023 or 2007）")),
        };
        let deadlines = Deadlines::parse(deadlines).map_err(|e| format!("security.incident_deadlines = \"{deadlines}\"：{e}"))?;
        let outage_minutes = i64::try_from(outage_minutes).ok().filter(|m| *m >= 1).ok_or_else(|| format!("security.incident_outage_minutes = {outage_minutes}：应至少为 1（must be at least 1）"))?;
        let review_days = u32::try_from(review_days).ok().filter(|d| (1..=60).contains(d)).ok_or_else(|| format!("security.incident_review_days = {review_days}：应为 1 到 60 个工作日（must be 1..60 working days）"))?;
        Ok(Rules { edition, deadlines, outage_minutes, review_days })
    }
}

pub const UNIT_KINDS: [(&str, &str); 3] = [("other", "其他单位"), ("cii", "关键信息基础设施运营者"), ("central", "中央和国家机关")];

/// The parent of an org unit: a school's county, a county's city, a city's province; None for a
/// province. `region` is the school's county (ignored for divisions).
pub fn parent(unit: i64, region: i64) -> Option<i64> {
    if unit >= 1_000_000 {
        return Some(region);
    }
    let d = standard::codes::DIVISIONS.get(u32::try_from(unit).ok()?)?;
    d.parent.filter(|p| *p != d.code).map(i64::from)
}

/// A division's name (its code when unknown).
pub fn unit_name(code: i64) -> String {
    u32::try_from(code).ok().and_then(|c| standard::codes::DIVISIONS.get(c)).map_or_else(|| code.to_string(), |d| d.name.clone())
}

/// What a person reports.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub title: String,
    /// A school's 学校标识码 or a division's code.
    pub unit: String,
    pub unit_kind: String,
    pub description: String,
    /// When it was discovered (Unix seconds); None: now.
    pub discovered_at: Option<i64>,
    pub proposed_class: Option<String>,
    pub proposed_grade: Option<u8>,
}

fn bad(zh: &'static str, en: &'static str) -> StoreError {
    refuse((zh, en))
}

fn text(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// The unit's region and school: a school from the register (its county), a division by code.
fn unit_place(s: &mut (impl Store + ?Sized), unit: &str) -> Result<(i64, i64, Option<String>), StoreError> {
    let unit = unit.trim();
    let unknown = || bad("单位代码无效：请填写学校标识码（10 位）或行政区划代码（6 位）", "unknown unit: give a 10-digit school code or a 6-digit division code");
    let code: i64 = unit.parse().map_err(|_| unknown())?;
    match unit.len() {
        10 => {
            let t = Entity::School.template();
            let v = s.get_record(Entity::School, unit)?.ok_or_else(unknown)?;
            let county = t.index("region_code").and_then(|i| v[i].parse::<i64>().ok()).ok_or_else(unknown)?;
            Ok((code, county, Some(unit.to_string())))
        }
        6 if u32::try_from(code).ok().and_then(|c| standard::codes::DIVISIONS.get(c)).is_some() => Ok((code, code, None)),
        _ => Err(unknown()),
    }
}

fn check_class(rules: &Rules, class: Option<&str>) -> Result<(), StoreError> {
    match class {
        Some(c) if classes::find(rules.edition, c).is_none() => Err(bad("事件分类无效：请从列表中选择子类", "unknown class: choose a subclass from the list")),
        _ => Ok(()),
    }
}

fn check_grade(g: Option<u8>) -> Result<(), StoreError> {
    match g {
        Some(g) if classes::grade(g).is_none() => Err(bad("事件分级无效：请选择Ⅰ、Ⅱ、Ⅲ或Ⅳ级", "unknown grade: choose I to IV")),
        _ => Ok(()),
    }
}

fn detail(i: &Incident, note: &str) -> String {
    serde_json::json!({ "state": i.state.code(), "grade": i.grade, "class": i.class_code, "unit": i.unit_code, "note": note }).to_string()
}

/// A person reports an incident of a unit in their area. Audited (`incident_report`).
pub fn report(s: &mut (impl Store + Incidents + AuditLog + ?Sized), actor: &Actor, n: &NewIncident, rules: &Rules, clock: &dyn Clock) -> Result<Incident, StoreError> {
    let r = report_checked(s, actor, n, rules, clock.now());
    match &r {
        Ok(i) => FLOW.audit(s, actor, "report", &format!("incident:{}", i.id), detail(i, ""), true)?,
        Err(_) => FLOW.audit(s, actor, "report", &format!("unit:{}", text(&n.unit, 12)), "{}".into(), false)?,
    }
    r
}

fn report_checked(s: &mut (impl Store + Incidents + ?Sized), actor: &Actor, n: &NewIncident, rules: &Rules, now: i64) -> Result<Incident, StoreError> {
    let title = text(&n.title, 200);
    if title.is_empty() {
        return Err(bad("请填写事件名称（如“某校门户网站首页被篡改”）", "give the incident a title"));
    }
    let kind = if n.unit_kind.is_empty() { "other".to_string() } else { n.unit_kind.clone() };
    if !UNIT_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(bad("单位类别无效：请选择其他单位、关键信息基础设施运营者或中央和国家机关", "unknown unit kind"));
    }
    check_class(rules, n.proposed_class.as_deref())?;
    check_grade(n.proposed_grade)?;
    let discovered = n.discovered_at.unwrap_or(now);
    if discovered > now + 300 {
        return Err(bad("发现时间不能晚于现在，请核对日期和时间", "the discovery time is in the future"));
    }
    let (unit_code, region, school) = unit_place(s, &n.unit)?;
    let mut i = Incident {
        id: 0,
        title,
        unit_code,
        region,
        school,
        unit_kind: kind,
        class_code: None,
        grade: None,
        proposed_class: n.proposed_class.clone(),
        proposed_grade: n.proposed_grade,
        state: IncidentState::Reported,
        source: "manual".into(),
        site_id: None,
        finding: None,
        alert_id: None,
        evidence: String::new(),
        description: text(&n.description, 4000),
        review: String::new(),
        discovered_at: discovered,
        reported_at: now,
        due_at: 0,
        reported_up_at: None,
        escalated_to: None,
        escalated_at: None,
        seen: 1,
        last_seen: now,
        updated_at: now,
        recovered_at: None,
        review_due_at: None,
        review_reminded_at: None,
    };
    i.due_at = rules.deadlines.due(&i);
    FLOW.check(actor, None, "report", &i.sides())?;
    let first = Step { incident_id: 0, at: now, actor: actor.name.clone(), action: "report".into(), state: IncidentState::Reported, note: i.description.clone(), to_unit: None };
    i.id = s.insert_incident(&actor.scope, &i, &first)?;
    Ok(i)
}

/// What a step carries besides its note.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub note: String,
    /// confirm: the subclass and grade.
    pub class_code: Option<String>,
    pub grade: Option<u8>,
    /// report_up: to whom (a unit's name), and how (phone, document, platform).
    pub to_unit: Option<String>,
}

/// The review's deadline of an incident recovered at `recovered_at`: the end (24:00 China
/// Standard Time) of the `rules.review_days`th working day after the day of recovery.
pub fn review_due(cal: &Calendar, rules: &Rules, recovered_at: i64) -> i64 {
    cal.deadline_end_of_working_day(recovered_at, rules.review_days)
}

/// The last day of the review's deadline (the deadline is the end of it), as people read it.
pub fn review_due_date(i: &Incident) -> Option<standard::Date> {
    i.review_due_at.map(|d| standard::Date::from_days_since_epoch((d - 1 + store::clock::CST_OFFSET_SECS).div_euclid(86_400)))
}

/// Takes a step (`confirm`, `handle`, `note`, `recover`, `close`, `report_up`) on an incident in
/// the actor's area. None when the incident does not exist or lies outside the area (one
/// answer, not audited); a refused step is audited `denied`, a taken one `ok`.
pub fn take(s: &mut (impl Incidents + AuditLog + CalendarStore + ?Sized), actor: &Actor, id: i64, action: &str, input: &StepInput, rules: &Rules, clock: &dyn Clock) -> Result<Option<Incident>, StoreError> {
    let r = take_checked(s, actor, id, action, input, rules, clock.now());
    match &r {
        Ok(Some(i)) => FLOW.audit(s, actor, action, &format!("incident:{id}"), detail(i, &text(&input.note, 200)), true)?,
        Ok(None) => {}
        Err(_) => FLOW.audit(s, actor, action, &format!("incident:{id}"), "{}".into(), false)?,
    }
    r
}

fn take_checked(s: &mut (impl Incidents + CalendarStore + ?Sized), actor: &Actor, id: i64, action: &str, input: &StepInput, rules: &Rules, now: i64) -> Result<Option<Incident>, StoreError> {
    let Some(old) = s.incident(&actor.scope, id)? else { return Ok(None) };
    let t = FLOW.check(actor, Some(old.state), action, &old.sides())?;
    let mut i = old.clone();
    let note = text(&input.note, 4000);
    let mut to_unit = None;
    match action {
        "confirm" => {
            let class = input.class_code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| bad("确认事件须选择分类（子类）", "choose the class to confirm"))?;
            check_class(rules, Some(class))?;
            let g = input.grade.ok_or_else(|| bad("确认事件须选择分级（Ⅰ至Ⅳ级）", "choose the grade to confirm"))?;
            check_grade(Some(g))?;
            i.class_code = Some(class.to_string());
            i.grade = Some(g);
            i.due_at = rules.deadlines.due(&i);
        }
        "close" if note.chars().count() < 10 => return Err(bad("结案须填写事件总结（至少 10 个字：原因、影响、处置和整改）", "closing needs a review of at least 10 characters")),
        "note" if note.is_empty() => return Err(bad("请填写处置情况", "write what was done")),
        "report_up" => {
            let to = input.to_unit.as_deref().map(|t| text(t, 100)).filter(|t| !t.is_empty()).ok_or_else(|| bad("请填写报告对象（如“成都市教育局”）", "name whom the incident was reported to"))?;
            to_unit = Some(to);
            i.reported_up_at.get_or_insert(now);
        }
        "recover" => {
            // The review (复盘) is due by the end of the Nth working day after recovery, by the
            // calendar in force (holidays and adjusted working days counted).
            let cal = Calendar::load(s)?;
            i.recovered_at = Some(now);
            i.review_due_at = Some(review_due(&cal, rules, now));
            i.review_reminded_at = None;
        }
        _ => {}
    }
    if action == "close" {
        i.review = note.clone();
    }
    i.state = t.to;
    i.updated_at = now;
    let step = Step { incident_id: id, at: now, actor: actor.name.clone(), action: action.to_string(), state: t.to, note, to_unit };
    if !s.update_incident(&actor.scope, &i, old.state, &step)? {
        return Err(refuse(t.stale));
    }
    s.incident(&actor.scope, id)
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub overdue: usize,
    /// (incident, the unit it was escalated to).
    pub escalated: Vec<(i64, i64)>,
    /// One message per escalation, for the group robots (topic `incident`): the incident's
    /// title, its unit, its grade and how late — no personal data. Also one per review found
    /// overdue (once an incident).
    pub notices: Vec<Notice>,
    /// Incidents whose review (复盘) was found overdue in this sweep (each announced once).
    pub review_overdue: Vec<i64>,
}

/// A message about an escalation, for people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notice {
    pub incident: i64,
    /// One line, e.g. `【超时升级】网络安全事件 #12：某校门户网站首页被篡改`.
    pub title: String,
    pub lines: Vec<String>,
}

/// The topic the sweep's notices go out under (`guard::notify`).
pub const NOTICE_TOPIC: &str = "incident";

/// The unit as people name it: a school by its name in the register (its code when unknown),
/// with its county; a division by name.
pub fn unit_label(s: &mut (impl Store + ?Sized), i: &Incident) -> String {
    match &i.school {
        Some(code) => {
            let t = Entity::School.template();
            let name = s.get_record(Entity::School, code).ok().flatten().and_then(|v| t.index("name").and_then(|n| v.get(n).cloned())).filter(|n| !n.is_empty()).unwrap_or_else(|| code.clone());
            format!("{}（{}）", name, unit_name(i.region))
        }
        None => unit_name(i.unit_code),
    }
}

/// The notice of `i` escalated to `to`, `late` minutes past its deadline.
pub fn notice(i: &Incident, unit: &str, to: i64, late: i64) -> Notice {
    let late_text = if late >= 120 { format!("{} 小时 {} 分钟", late / 60, late % 60) } else { format!("{late} 分钟") };
    Notice {
        incident: i.id,
        title: format!("【超时升级】网络安全事件 #{}：{}", i.id, i.title),
        lines: vec![format!("发生单位：{unit}"), format!("事件分级：{}", classes::grade_label(i.grade_or_proposed())), format!("超过报告时限 {late_text} 未向上级报告，已升级至{}", unit_name(to))],
    }
}

/// The notice of `i`'s overdue review (复盘逾期): title, unit, when it was due; no personal data.
pub fn review_notice(i: &Incident, unit: &str) -> Notice {
    let due = review_due_date(i).map(|d| d.to_string()).unwrap_or_default();
    Notice {
        incident: i.id,
        title: format!("【复盘逾期】网络安全事件 #{}：{}", i.id, i.title),
        lines: vec![format!("发生单位：{unit}"), format!("事件分级：{}", classes::grade_label(i.grade_or_proposed())), format!("已恢复，复盘（事件总结）应于 {due} 前完成，至今未结案")],
    }
}

/// How far up an overdue incident goes at `now`: one level when the deadline has passed, one
/// more for each further period of the same length, never beyond the province.
pub fn escalation_target(i: &Incident, rules: &Rules, now: i64) -> Option<i64> {
    if !i.overdue(now) {
        return None;
    }
    let period = (rules.deadlines.hours(i.grade_or_proposed(), &i.unit_kind) * 3600).max(1);
    let levels = 1 + (now - i.due_at - 1) / period;
    let mut at = i.unit_code;
    let mut region = i.region;
    for _ in 0..levels {
        match parent(at, region) {
            Some(p) => {
                at = p;
                region = p;
            }
            None => break,
        }
    }
    (at != i.unit_code).then_some(at)
}

/// The deadline sweep: every open incident not reported upward by its deadline is escalated to
/// the next level of the tree (and further as it stays overdue). Each escalation is a step by
/// `system` and an audit entry `incident_escalate`.
pub fn sweep(s: &mut (impl Store + Incidents + AuditLog + ?Sized), rules: &Rules, clock: &dyn Clock) -> Result<SweepReport, StoreError> {
    let now = clock.now();
    let all = Scope::all();
    let overdue = s.incidents(&all, &IncidentQuery { overdue_at: Some(now), limit: 500, ..Default::default() })?;
    let mut report = SweepReport { overdue: overdue.len(), ..Default::default() };
    for old in overdue {
        let Some(to) = escalation_target(&old, rules, now) else { continue };
        if old.escalated_to == Some(to) {
            continue;
        }
        let mut i = old.clone();
        i.escalated_to = Some(to);
        i.escalated_at = Some(now);
        i.updated_at = now;
        let name = unit_name(to);
        let late = (now - old.due_at) / 60;
        let step = Step { incident_id: old.id, at: now, actor: "system".into(), action: "escalate".into(), state: old.state, note: format!("超过报告时限 {late} 分钟未上报，已升级至{name}"), to_unit: Some(name) };
        if s.update_incident(&all, &i, old.state, &step)? {
            s.append_audit(&AuditEvent { actor: "system".into(), action: "incident_escalate".into(), target: format!("incident:{}", old.id), detail: serde_json::json!({ "to": to, "late_minutes": late }).to_string(), ip: String::new(), outcome: "ok".into() })?;
            report.escalated.push((old.id, to));
            let unit = unit_label(s, &old);
            report.notices.push(notice(&old, &unit, to, late));
        }
    }
    // Reviews overdue since recovery: one step, one audit entry and one notice an incident.
    let late_reviews = s.incidents(&all, &IncidentQuery { review_overdue_at: Some(now), limit: 500, ..Default::default() })?;
    for old in late_reviews.into_iter().filter(|i| i.review_reminded_at.is_none()) {
        let mut i = old.clone();
        i.review_reminded_at = Some(now);
        let step = Step { incident_id: old.id, at: now, actor: "system".into(), action: "review_overdue".into(), state: old.state, note: "复盘逾期：恢复后未在期限内完成事件总结".into(), to_unit: None };
        if s.update_incident(&all, &i, old.state, &step)? {
            s.append_audit(&AuditEvent { actor: "system".into(), action: "incident_review_overdue".into(), target: format!("incident:{}", old.id), detail: serde_json::json!({ "review_due_at": old.review_due_at }).to_string(), ip: String::new(), outcome: "ok".into() })?;
            report.review_overdue.push(old.id);
            let unit = unit_label(s, &old);
            report.notices.push(review_notice(&old, &unit));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_deadlines() {
        assert_eq!(parent(2151010401, 510104), Some(510104));
        assert_eq!(parent(510104, 510104), Some(510100));
        assert_eq!(parent(510100, 510100), Some(510000));
        assert_eq!(parent(510000, 510000), None);
        let d = Deadlines::default();
        assert_eq!((d.hours(Some(3), "cii"), d.hours(Some(2), "central"), d.hours(Some(1), "other"), d.hours(Some(4), "cii"), d.hours(None, "other")), (1, 2, 4, 24, 24));
        assert_eq!(Deadlines::parse("other=6, minor=48").unwrap(), Deadlines { other_hours: 6, minor_hours: 48, ..d });
        assert!(Deadlines::parse("other=0").unwrap_err().contains("1 到 720"));
        assert!(Deadlines::parse("school=3").unwrap_err().contains("不认识"));
        assert!(Deadlines::parse("other").is_err());
        let r = Rules::from_settings("2007", "cii=2", 30, 5).unwrap();
        assert_eq!((r.edition, r.deadlines.cii_hours, r.deadlines.other_hours, r.outage_minutes), (Edition::Z2007, 2, 4, 30));
        assert_eq!(Rules::from_settings("2023", "cii=1,central=2,other=4,minor=24", 60, 5).unwrap(), Rules::default());
        let e = Rules::from_settings("2023", "school=3", 60, 5).unwrap_err();
        assert!(e.starts_with("security.incident_deadlines") && e.contains("不认识"), "{e}");
        assert!(Rules::from_settings("2019", "", 60, 5).unwrap_err().starts_with("security.incident_classification"));
    }
}
