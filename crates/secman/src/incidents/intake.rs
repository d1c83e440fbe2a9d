//! 监测发现转事件 — the monitor's findings open or update incidents. An open alert of kind
//! `tampered`, `hidden_link` or `sensitive_word`, or a `down` alert that has lasted
//! [`Rules::outage_minutes`], opens an incident (state reported, proposed class and grade for a
//! person to confirm) linking the alert and its evidence. De-duplicated per site and finding:
//! while the site's incident of that finding is open, a new alert of it is added to it (a
//! `seen` step), the same alert again changes nothing.

use super::{classes::Edition, Rules};
use store::audit::AuditEvent;
use store::clock::Clock;
use store::incidents::{Incident, IncidentState, Incidents, Step};
use store::monitor::{Alert, AlertQuery, Monitor, Site};
use store::{AuditLog, Scope, StoreError};

/// What the monitor proposes for a finding: (title suffix, 2023 subclass, 2007 subclass, grade).
pub fn proposal(kind: &str) -> Option<(&'static str, &'static str, &'static str, u8)> {
    Some(match kind {
        "tampered" => ("首页疑似被篡改", "C02-11", "IAI", 3),
        "hidden_link" => ("发现隐藏链接（暗链）", "C02-12", "IAI", 4),
        "sensitive_word" => ("页面出现敏感词", "C04-01", "ICSI-1", 4),
        "down" => ("网站长时间无法访问", "C05-01", "SHF", 4),
        _ => return None,
    })
}

/// The finding kinds that open incidents.
pub const KINDS: [&str; 4] = ["tampered", "hidden_link", "sensitive_word", "down"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeReport {
    pub opened: Vec<i64>,
    pub updated: Vec<i64>,
}

/// Reads the monitor's open alerts and opens or updates incidents, as `system`. Run after each
/// monitor cycle and by the deadline sweep.
pub fn intake(s: &mut (impl Monitor + Incidents + AuditLog + ?Sized), rules: &Rules, clock: &dyn Clock) -> Result<IntakeReport, StoreError> {
    let now = clock.now();
    let mut report = IntakeReport::default();
    for kind in KINDS {
        let alerts = s.alerts_page(&Scope::all(), &AlertQuery { kind: Some(kind.into()), active_only: true, limit: 500, ..Default::default() })?.rows;
        for a in alerts {
            if kind == "down" && now - a.opened_at < rules.outage_minutes * 60 {
                continue;
            }
            let Some(site) = s.site(a.site_id)? else { continue };
            match s.open_incident_for(&Scope::all(), site.id, kind)? {
                Some(i) if i.alert_id == Some(a.id) => {}
                Some(i) => {
                    seen_again(s, i, &a, now)?;
                    report.updated.push(a.site_id);
                }
                None => report.opened.push(open(s, &site, &a, rules, now)?),
            }
        }
    }
    Ok(report)
}

fn audit(s: &mut (impl AuditLog + ?Sized), action: &str, id: i64, a: &Alert) -> Result<(), StoreError> {
    let detail = serde_json::json!({ "site": a.site_id, "alert": a.id, "finding": a.kind }).to_string();
    s.append_audit(&AuditEvent { actor: "system".into(), action: action.into(), target: format!("incident:{id}"), detail, ip: String::new(), outcome: "ok".into() }).map(|_| ())
}

fn open(s: &mut (impl Incidents + AuditLog + ?Sized), site: &Site, a: &Alert, rules: &Rules, now: i64) -> Result<i64, StoreError> {
    let (what, c2023, c2007, grade) = proposal(&a.kind).expect("a kind of KINDS");
    let org = site.org_code.to_string();
    let mut i = Incident {
        id: 0,
        title: format!("{}：{what}", site.name),
        unit_code: site.org_code,
        region: site.region_code,
        school: (org.len() == 10).then_some(org),
        unit_kind: "other".into(),
        class_code: None,
        grade: None,
        proposed_class: Some(if rules.edition == Edition::T2023 { c2023 } else { c2007 }.into()),
        proposed_grade: Some(grade),
        state: IncidentState::Reported,
        source: "monitor".into(),
        site_id: Some(site.id),
        finding: Some(a.kind.clone()),
        alert_id: Some(a.id),
        evidence: format!("{}\n{}", site.url, a.message),
        description: format!("网站监测于告警时发现：{what}。请核实后确认分类和分级。"),
        review: String::new(),
        discovered_at: a.opened_at,
        reported_at: now,
        due_at: 0,
        reported_up_at: None,
        escalated_to: None,
        escalated_at: None,
        seen: 1,
        last_seen: a.last_seen,
        updated_at: now,
        recovered_at: None,
        review_due_at: None,
        review_reminded_at: None,
    };
    i.due_at = rules.deadlines.due(&i);
    let first = Step { incident_id: 0, at: now, actor: "system".into(), action: "report".into(), state: IncidentState::Reported, note: format!("由网站监测告警 #{} 自动生成", a.id), to_unit: None };
    let id = s.insert_incident(&Scope::all(), &i, &first)?;
    audit(s, "incident_monitor_open", id, a)?;
    Ok(id)
}

fn seen_again(s: &mut (impl Incidents + AuditLog + ?Sized), old: Incident, a: &Alert, now: i64) -> Result<(), StoreError> {
    let mut i = old.clone();
    i.alert_id = Some(a.id);
    i.seen += 1;
    i.last_seen = a.last_seen.max(old.last_seen);
    i.evidence = format!("{}\n—— 再次发现 ——\n{}", old.evidence, a.message).chars().take(8000).collect();
    i.updated_at = now;
    let step = Step { incident_id: old.id, at: now, actor: "system".into(), action: "seen".into(), state: old.state, note: format!("网站监测再次告警 #{}：{}", a.id, a.message.chars().take(200).collect::<String>()), to_unit: None };
    if s.update_incident(&Scope::all(), &i, old.state, &step)? {
        audit(s, "incident_monitor_seen", old.id, a)?;
    }
    Ok(())
}
