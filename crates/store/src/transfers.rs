//! 转学与调动 — moving a student or a teacher between two areas of the tree. An import may only
//! write records whose stored and new places both lie in the writer's area
//! ([`crate::Scope::may_write`]); a move across areas is a separate act with two sides:
//!
//! 1. the **receiving side** (an officer or school whose area holds the new school) requests it,
//!    proving it knows the person: the ID number (or 学籍号) *and* the full name must match a
//!    stored record. The answer for "no such record" and "the name does not match" is the same;
//! 2. the **sending side** — anyone whose area holds the record's current school, which includes
//!    every common parent of both schools — approves or rejects it; the receiving side may
//!    withdraw it while it waits.
//!
//! Approving writes the move as a batch of its own (`转学申请 #id`), so that the change log,
//! the transfer history and the counts follow exactly as for an import. Every rule is checked
//! here, once, for the console, the API and any later caller; the backends store rows.

use crate::clock::Clock;
use crate::flow::{refuse as refuse_msg, Actor, Area, Machine, Message, Sides, Transition, RECORD_KEEPERS};
use crate::{AuditLog, BatchMeta, BatchSummary, Entity, Place, Scope, Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

impl TransferState {
    pub fn code(self) -> &'static str {
        match self {
            TransferState::Pending => "pending",
            TransferState::Approved => "approved",
            TransferState::Rejected => "rejected",
            TransferState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<TransferState> {
        [TransferState::Pending, TransferState::Approved, TransferState::Rejected, TransferState::Cancelled].into_iter().find(|t| t.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            TransferState::Pending => "待审批",
            TransferState::Approved => "已同意",
            TransferState::Rejected => "已驳回",
            TransferState::Cancelled => "已撤回",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            TransferState::Pending => "Pending",
            TransferState::Approved => "Approved",
            TransferState::Rejected => "Rejected",
            TransferState::Cancelled => "Withdrawn",
        }
    }
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    pub id: i64,
    /// Student or teacher.
    pub entity: Entity,
    pub record_key: String,
    /// The school the record was at when requested, and its county.
    pub from_school: String,
    pub from_county: Option<u32>,
    /// The receiving school and its county.
    pub to_school: String,
    pub to_county: Option<u32>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub state: TransferState,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub note: String,
    /// The batch that wrote the move (approved requests).
    pub batch_id: Option<i64>,
}

impl TransferRequest {
    pub fn from_place(&self) -> Place<'_> {
        Place::person(Some(&self.from_school), self.from_county)
    }
    pub fn to_place(&self) -> Place<'_> {
        Place::person(Some(&self.to_school), self.to_county)
    }
    /// The receiving side asks; the sending side holds the record.
    pub fn sides(&self) -> Sides<'_> {
        Sides { requester: self.to_place(), holder: self.from_place() }
    }
    /// The sending side (and every common parent): may approve or reject.
    pub fn may_decide(&self, scope: &Scope) -> bool {
        FLOW.area_allows(scope, Some(self.state), "approve", &self.sides())
    }
    /// The receiving side: may withdraw a waiting request.
    pub fn may_cancel(&self, scope: &Scope) -> bool {
        FLOW.area_allows(scope, Some(self.state), "cancel", &self.sides())
    }
    /// Whether the request concerns the scope's area at all (either side).
    pub fn visible_to(&self, scope: &Scope) -> bool {
        Area::EitherSide.allows(scope, &self.sides())
    }
}

const DECIDED: Message = ("该申请已处理，不能再次审批", "the request was already decided");
const SENDING_SIDE: Message = ("只有转出方（或其上级）可以审批该申请", "only the sending side or a common parent decides this request");
const WITHDRAW: Message = ("只有申请方可以撤回待审批的申请", "only the requesting side withdraws a waiting request");

/// The steps of a transfer request, checked and audited by [`Machine`] (audit actions
/// `transfer_request`, `transfer_approve`, `transfer_reject`, `transfer_cancel`).
pub const FLOW: Machine<TransferState> = Machine {
    name: "transfer",
    transitions: &[
        Transition {
            from: None,
            action: "request",
            to: TransferState::Pending,
            roles: RECORD_KEEPERS,
            area: Area::Requester,
            refused: ("转入学校不在您的管辖范围内，只能为本单位的学校申请转入", "the receiving school is outside your area: request moves into your own schools"),
            stale: ("该记录已有待审批的转入申请，请等待转出方处理", "a request for this record is already waiting"),
        },
        Transition { from: Some(TransferState::Pending), action: "approve", to: TransferState::Approved, roles: RECORD_KEEPERS, area: Area::Holder, refused: SENDING_SIDE, stale: DECIDED },
        Transition { from: Some(TransferState::Pending), action: "reject", to: TransferState::Rejected, roles: RECORD_KEEPERS, area: Area::Holder, refused: SENDING_SIDE, stale: DECIDED },
        Transition { from: Some(TransferState::Pending), action: "cancel", to: TransferState::Cancelled, roles: RECORD_KEEPERS, area: Area::Requester, refused: WITHDRAW, stale: WITHDRAW },
    ],
};

/// What the receiving side asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer {
    pub entity: Entity,
    /// The ID number (or 学籍号; `{type}:{number}` for a teacher's other document).
    pub key: String,
    /// The full name, exactly as stored: proof that the requester knows the person.
    pub name: String,
    pub to_school: String,
    pub reason: String,
}

/// Storage of requests; the rules are in this module's functions.
pub trait Transfers {
    /// Stores a new pending request (its id is assigned); [`StoreError::Conflict`] when the
    /// record already has a pending one.
    fn insert_transfer(&mut self, t: &TransferRequest) -> Result<i64, StoreError>;
    fn transfer(&mut self, id: i64) -> Result<Option<TransferRequest>, StoreError>;
    /// Requests either side of which lies in the scope, newest first, `limit` at most.
    fn transfers_in(&mut self, scope: &Scope, state: Option<TransferState>, limit: usize) -> Result<Vec<TransferRequest>, StoreError>;
    /// Ends a pending request; false when it was no longer pending.
    fn finish_transfer(&mut self, id: i64, state: TransferState, by: &str, note: &str, batch_id: Option<i64>, at: i64) -> Result<bool, StoreError>;
}

/// Why a request or decision was refused: a message for people, which says what to do and
/// never what the caller may not see.
fn refuse(zh: &'static str, en: &'static str) -> StoreError {
    refuse_msg((zh, en))
}

/// A school's county (None when the school is not stored).
fn school_county(s: &mut (impl Store + ?Sized), school: &str) -> Result<Option<Option<u32>>, StoreError> {
    let t = Entity::School.template();
    let Some(v) = s.get_record(Entity::School, school)? else { return Ok(None) };
    Ok(Some(t.index("region_code").and_then(|i| v[i].parse::<u32>().ok())))
}

fn field<'v>(entity: Entity, v: &'v [String], key: &str) -> &'v str {
    entity.template().index(key).map(|i| v[i].as_str()).unwrap_or("")
}

/// The person's current school and its county.
fn current_place(s: &mut (impl Store + ?Sized), entity: Entity, key: &str) -> Result<Option<(Vec<String>, String, Option<u32>)>, StoreError> {
    let Some(v) = s.get_record(entity, key)? else { return Ok(None) };
    let school = field(entity, &v, "school_code").to_string();
    let county = if school.is_empty() { None } else { school_county(s, &school)?.flatten() };
    Ok(Some((v, school, county)))
}

/// The receiving side's request, checked: the person exists with this exact name, lies outside
/// the requester's area, the receiving school lies inside it, and nothing else is pending.
/// Audited, taken or refused (the refusal's target masks the document number).
pub fn request(s: &mut (impl Store + Transfers + AuditLog + ?Sized), actor: &Actor, t: &NewTransfer, clock: &dyn Clock) -> Result<TransferRequest, StoreError> {
    let r = request_checked(s, actor, t, clock.now());
    match &r {
        Ok(req) => FLOW.audit(s, actor, "request", &format!("transfer:{}", req.id), audit_detail(req, &t.reason), true)?,
        Err(_) => {
            let target = format!("{}:{}", t.entity.key(), crate::mask::id_number(&t.key));
            FLOW.audit(s, actor, "request", &target, serde_json::json!({ "to_school": t.to_school }).to_string(), false)?
        }
    }
    r
}

/// What the log keeps of a request: no names, no document numbers.
fn audit_detail(r: &TransferRequest, note: &str) -> String {
    serde_json::json!({ "entity": r.entity.key(), "from_school": r.from_school, "to_school": r.to_school, "state": r.state.code(), "note": note }).to_string()
}

fn request_checked(s: &mut (impl Store + Transfers + ?Sized), actor: &Actor, t: &NewTransfer, now: i64) -> Result<TransferRequest, StoreError> {
    if !matches!(t.entity, Entity::Student | Entity::Teacher) {
        return Err(refuse("只有学生和教师可以申请转入", "only students and teachers move between schools"));
    }
    let Some(to_county) = school_county(s, &t.to_school)? else {
        return Err(refuse("转入学校不在学校名录中，请检查学校标识码", "the receiving school is not in the register: check its code"));
    };
    // The requesting side is known now; the holding side only once the record is found, and
    // the rule for it (outside the requester's area) is the request's own, below.
    let to = Place::person(Some(&t.to_school), to_county);
    FLOW.check(actor, None, "request", &Sides { requester: to, holder: to })?;
    let not_found = || refuse("没有找到证件号与姓名都相符、可以申请转入的记录；请核对证件号和姓名（须与原学籍一致）", "no record matches both the document number and the name: check both");
    let Some((values, from_school, from_county)) = current_place(s, t.entity, &t.key)? else { return Err(not_found()) };
    if field(t.entity, &values, "name") != t.name.trim() {
        return Err(not_found());
    }
    if actor.scope.may_write(&Place::person(Some(&from_school), from_county)) {
        return Err(refuse("该记录已在您的管辖范围内，请直接在导入文件中修改其学校", "the record is already in your area: change its school by an import"));
    }
    let mut req = TransferRequest {
        id: 0,
        entity: t.entity,
        record_key: t.key.clone(),
        from_school,
        from_county,
        to_school: t.to_school.clone(),
        to_county,
        reason: t.reason.trim().chars().take(500).collect(),
        requested_by: actor.name.clone(),
        requested_at: now,
        state: TransferState::Pending,
        decided_by: None,
        decided_at: None,
        note: String::new(),
        batch_id: None,
    };
    req.id = s.insert_transfer(&req)?;
    Ok(req)
}

/// A request the scope may see, or None (missing and invisible alike).
pub fn visible(s: &mut (impl Transfers + ?Sized), scope: &Scope, id: i64) -> Result<Option<TransferRequest>, StoreError> {
    Ok(s.transfer(id)?.filter(|r| r.visible_to(scope)))
}

/// What a decision did.
#[derive(Debug, Clone)]
pub struct Decided {
    pub request: TransferRequest,
    /// The batch that wrote the move (approvals).
    pub batch: Option<BatchSummary>,
}

/// Audits a step on an existing request: nothing for a request the actor may not see (the
/// answer is "not found" and tells nothing), `ok` when taken, `denied` when refused.
fn audited<T>(s: &mut (impl AuditLog + ?Sized), actor: &Actor, action: &str, id: i64, note: &str, r: Result<Option<T>, StoreError>, req: impl Fn(&T) -> &TransferRequest) -> Result<Option<T>, StoreError> {
    match &r {
        Ok(Some(done)) => FLOW.audit(s, actor, action, &format!("transfer:{id}"), audit_detail(req(done), note), true)?,
        Ok(None) => {}
        Err(_) => FLOW.audit(s, actor, action, &format!("transfer:{id}"), "{}".into(), false)?,
    }
    r
}

/// The sending side's decision. An approval moves the record in a batch of its own, judged by
/// the same store rules (its stored place is the approver's, its new place the requester's,
/// as checked when requested). A record that has moved since the request ends it as withdrawn.
/// None when the request does not exist or concerns neither of the actor's sides.
pub fn decide(s: &mut (impl Store + Transfers + AuditLog + ?Sized), actor: &Actor, id: i64, approve: bool, note: &str, clock: &dyn Clock) -> Result<Option<Decided>, StoreError> {
    let note: String = note.trim().chars().take(500).collect();
    let action = if approve { "approve" } else { "reject" };
    let r = decide_checked(s, actor, id, approve, &note, clock.now());
    audited(s, actor, action, id, &note, r, |d: &Decided| &d.request)
}

fn decide_checked(s: &mut (impl Store + Transfers + ?Sized), actor: &Actor, id: i64, approve: bool, note: &str, now: i64) -> Result<Option<Decided>, StoreError> {
    let scope = &actor.scope;
    let Some(req) = visible(s, scope, id)? else { return Ok(None) };
    let step = FLOW.check(actor, Some(req.state), if approve { "approve" } else { "reject" }, &req.sides())?;
    let by = actor.name.as_str();
    let current = current_place(s, req.entity, &req.record_key)?;
    let (values, school) = match current {
        Some((v, school, _)) => (v, school),
        None => (Vec::new(), String::new()),
    };
    if approve && school == req.to_school {
        // Applied before (a decision cut off between the move and its record): finish it.
        s.finish_transfer(id, step.to, by, note, None, now)?;
        return Ok(visible(s, scope, id)?.map(|request| Decided { request, batch: None }));
    }
    if values.is_empty() || school != req.from_school {
        s.finish_transfer(id, TransferState::Cancelled, "system", "记录在申请后已变化，申请失效（the record changed after the request）", None, now)?;
        return Err(refuse("该记录在申请后已变化，申请已失效；如仍需转入，请重新申请", "the record changed after the request, which is void: request again if needed"));
    }
    if !approve {
        s.finish_transfer(id, step.to, by, note, None, now)?;
        return Ok(visible(s, scope, id)?.map(|request| Decided { request, batch: None }));
    }
    let mut moved = values.clone();
    let t = req.entity.template();
    if let Some(i) = t.index("school_code") {
        moved[i] = req.to_school.clone();
    }
    // Both sides were judged above (the receiving school when requested, the record's place
    // now): the batch writes on the request's authority, not on either officer's area.
    let meta = BatchMeta {
        entity: req.entity,
        file_name: format!("转学申请 #{id}"),
        file_hash: format!("transfer-request:{id}:{now}"),
        user: by.to_string(),
        scope: Scope::all(),
    };
    let summary = {
        let mut b = s.begin_import(&meta)?;
        let v: Vec<&str> = moved.iter().map(String::as_str).collect();
        b.record(1, &v)?;
        b.settle()?;
        b.commit(1, "{}")?
    };
    s.finish_transfer(id, step.to, by, note, Some(summary.id), now)?;
    Ok(visible(s, scope, id)?.map(|request| Decided { request, batch: Some(summary) }))
}

/// The receiving side withdraws its waiting request.
pub fn cancel(s: &mut (impl Transfers + AuditLog + ?Sized), actor: &Actor, id: i64, clock: &dyn Clock) -> Result<Option<TransferRequest>, StoreError> {
    let r = cancel_checked(s, actor, id, clock.now());
    audited(s, actor, "cancel", id, "", r, |r: &TransferRequest| r)
}

fn cancel_checked(s: &mut (impl Transfers + ?Sized), actor: &Actor, id: i64, now: i64) -> Result<Option<TransferRequest>, StoreError> {
    let Some(req) = visible(s, &actor.scope, id)? else { return Ok(None) };
    let step = FLOW.check(actor, Some(req.state), "cancel", &req.sides())?;
    s.finish_transfer(id, step.to, &actor.name, "", None, now)?;
    visible(s, &actor.scope, id)
}
