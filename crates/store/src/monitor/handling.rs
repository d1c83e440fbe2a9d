//! 告警处置 — what people do about an alert: acknowledge it (确认), assign it to an account of
//! its area (指派), annotate it (批注) and close it with a disposition (处置说明). The checks
//! open and resolve alerts ([`super::Monitor::open_alert`]); this is the people's side, a
//! [`Machine`] of [`crate::flow`]: every step names the roles and the area rule that may take
//! it, and every step, taken or refused, is audited as `alert_<action>`.
//!
//! The area of an alert is its site's place ([`super::may_write_site`]): a county's security
//! officer handles the alerts of the sites owned in the county, a city's those of the city, the
//! province's all. An alert outside the actor's area is "not found" (None), and not audited,
//! so that neither the answer nor the log tells it exists.

use super::{Alert, AlertChange, AlertStatus, Monitor};
use crate::clock::Clock;
use crate::flow::{refuse, Actor, Area, Machine, Message, Sides, Transition};
use crate::{Accounts, AuditLog, Browse, Place, Role, Scope, StoreError};

/// Who handles alerts: the security officer and the officers who keep the sites' register.
pub const HANDLERS: &[Role] = &[Role::SecurityOfficer, Role::ProvinceAdmin, Role::CityOfficer, Role::CountyOfficer];

/// Longest note or disposition kept, in characters.
pub const MAX_TEXT: usize = 2000;

const NOT_YOURS: Message = ("只有该告警所属地区的安全员或管理员可以处置", "only a security officer or an officer of the alert's area handles it");
const NOT_OPEN: Message = ("该告警已确认或已关闭，请刷新页面", "the alert was already acknowledged or closed: reload the page");
const CLOSED: Message = ("该告警已关闭", "the alert is closed");

use AlertStatus::{Acked, Closed, Open};

/// The steps of an alert (audit actions `alert_ack`, `alert_assign`, `alert_note`,
/// `alert_close`).
pub const FLOW: Machine<AlertStatus> = Machine {
    name: "alert",
    transitions: &[
        Transition { from: Some(Open), action: "ack", to: Acked, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: NOT_OPEN },
        // Assigning someone takes the alert on: it is acknowledged too.
        Transition { from: Some(Open), action: "assign", to: Acked, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: CLOSED },
        Transition { from: Some(Acked), action: "assign", to: Acked, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: CLOSED },
        Transition { from: Some(Open), action: "note", to: Open, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: CLOSED },
        Transition { from: Some(Acked), action: "note", to: Acked, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: CLOSED },
        Transition { from: Some(Closed), action: "note", to: Closed, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: CLOSED },
        Transition { from: Some(Open), action: "close", to: Closed, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: CLOSED },
        Transition { from: Some(Acked), action: "close", to: Closed, roles: HANDLERS, area: Area::Holder, refused: NOT_YOURS, stale: CLOSED },
    ],
};

/// Where a site stands in the tree: its region (a school's county) and, for a school's site,
/// the school.
fn site_place(region: i64, org: &str) -> Place<'_> {
    Place { county: u32::try_from(region).ok(), school: (org.len() == 10).then_some(org) }
}

/// Whether the actor's role and area may take `action` on the alert now (for showing a button).
pub fn may(s: &mut (impl Monitor + ?Sized), actor: &Actor, a: &Alert, action: &str) -> Result<bool, StoreError> {
    let Some(site) = s.site(a.site_id)? else { return Ok(false) };
    let org = site.org_code.to_string();
    let p = site_place(site.region_code, &org);
    Ok(FLOW.check(actor, Some(a.status), action, &Sides { requester: p, holder: p }).is_ok())
}

/// Whether an account may be given alerts of `site_id`: an enabled account of a handling role
/// whose area covers the site.
pub fn may_take(s: &mut (impl Monitor + Accounts + Browse + ?Sized), name: &str, site_id: i64) -> Result<bool, StoreError> {
    let Some(u) = s.user_by_name(name)? else { return Ok(false) };
    if u.disabled || !HANDLERS.contains(&u.role) {
        return Ok(false);
    }
    let (Some(unit), Some(site)) = (s.org_unit(u.org_code)?, s.site(site_id)?) else { return Ok(false) };
    Ok(super::may_write_site(&Scope::of(&unit), site.region_code, site.org_code))
}

/// One step: find the alert in the actor's area (None: not found, not audited), check the
/// step, do `work` (false: another step came first), audit, and read the alert back.
fn step<S: Monitor + AuditLog + ?Sized>(s: &mut S, actor: &Actor, id: i64, action: &str, detail: serde_json::Value, work: impl FnOnce(&mut S, &Alert, AlertStatus) -> Result<bool, StoreError>) -> Result<Option<Alert>, StoreError> {
    let Some(a) = s.alert_in(&actor.scope, id)? else { return Ok(None) };
    let target = format!("alert:{id}");
    let r = (|| {
        let site = s.site(a.site_id)?.ok_or_else(|| StoreError::Internal("the alert's site is gone".into()))?;
        let org = site.org_code.to_string();
        let p = site_place(site.region_code, &org);
        let t = FLOW.check(actor, Some(a.status), action, &Sides { requester: p, holder: p })?;
        if !work(s, &a, t.to)? {
            return Err(refuse(t.stale));
        }
        Ok(t.to)
    })();
    match r {
        Ok(to) => {
            let mut d = detail;
            d["site"] = a.site_id.into();
            d["from"] = a.status.code().into();
            d["to"] = to.code().into();
            FLOW.audit(s, actor, action, &target, d.to_string(), true)?;
            s.alert_in(&actor.scope, id)
        }
        Err(e) => {
            FLOW.audit(s, actor, action, &target, detail.to_string(), false)?;
            Err(e)
        }
    }
}

fn text(t: &str) -> String {
    t.trim().chars().take(MAX_TEXT).collect()
}

/// 确认: the alert is being dealt with.
pub fn acknowledge(s: &mut (impl Monitor + AuditLog + ?Sized), actor: &Actor, id: i64, _clock: &dyn Clock) -> Result<Option<Alert>, StoreError> {
    step(s, actor, id, "ack", serde_json::json!({}), |s, a, to| s.change_alert(a.id, &AlertChange { from: a.status, to, assignee: None, closed: None }))
}

/// 指派: gives the alert to an account of its area (None or "": to nobody). The account's
/// name is in the log; an unknown account and one of another area are refused alike.
pub fn assign(s: &mut (impl Monitor + AuditLog + Accounts + Browse + ?Sized), actor: &Actor, id: i64, to: Option<&str>, _clock: &dyn Clock) -> Result<Option<Alert>, StoreError> {
    let to = to.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    step(s, actor, id, "assign", serde_json::json!({ "assignee": to }), |s, a, next| {
        if let Some(n) = &to {
            if !may_take(s, n, a.site_id)? {
                return Err(refuse(("只能指派给该告警所属地区内负责处置告警的账号", "assign to an account of the alert's area that handles alerts")));
            }
        }
        s.change_alert(a.id, &AlertChange { from: a.status, to: next, assignee: Some(to.clone()), closed: None })
    })
}

/// 批注: a note with its author and time; notes are never changed.
pub fn annotate(s: &mut (impl Monitor + AuditLog + ?Sized), actor: &Actor, id: i64, note: &str, clock: &dyn Clock) -> Result<Option<Alert>, StoreError> {
    let note = text(note);
    // The note's text stays in the alert's notes, not in the log: it may name people.
    step(s, actor, id, "note", serde_json::json!({ "chars": note.chars().count() }), |s, a, _| {
        if note.is_empty() {
            return Err(refuse(("批注不能为空", "the note is empty")));
        }
        s.add_alert_note(a.id, &actor.name, clock.now(), &note).map(|_| true)
    })
}

/// 关闭: dealt with; the disposition (处置说明) is required.
pub fn close(s: &mut (impl Monitor + AuditLog + ?Sized), actor: &Actor, id: i64, disposition: &str, clock: &dyn Clock) -> Result<Option<Alert>, StoreError> {
    let d = text(disposition);
    step(s, actor, id, "close", serde_json::json!({ "chars": d.chars().count() }), |s, a, to| {
        if d.is_empty() {
            return Err(refuse(("关闭告警须填写处置说明", "closing an alert needs a disposition")));
        }
        s.change_alert(a.id, &AlertChange { from: a.status, to, assignee: None, closed: Some((actor.name.clone(), clock.now(), d.clone())) })
    })
}
