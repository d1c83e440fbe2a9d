//! 网络安全事件 — incidents by the emergency plan (应急预案): the stored record, its lifecycle
//! declared with [`crate::flow`] (reported → confirmed → handling → recovered → closed), each
//! step kept with who, when and what, and the storage trait whose every read and write takes a
//! [`Scope`]. The rules (classes of GB/T 20986, grades, reporting deadlines, escalation, the
//! monitor's findings) are in the `secman` crate; the SQL both backends run is in [`sql`].
//!
//! An incident belongs to an org unit: a school (its 学校标识码 and county) or a division (its
//! GB/T 2260 code, which is also its `region`). Its place for [`Scope::may_write`] is the one of
//! a monitored site ([`crate::monitor::may_write_site`]): a county writes its schools' and its
//! own incidents, a school its own, the province all.

use crate::flow::{Actor, Area, Machine, Message, Sides, Transition};
use crate::{Place, Role, Scope, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    /// 已报告: reported by a person, or opened by the monitor, awaiting confirmation.
    Reported,
    /// 已确认: class and grade confirmed by a person.
    Confirmed,
    /// 处置中
    Handling,
    /// 已恢复
    Recovered,
    /// 已结案: closed with a review (总结).
    Closed,
}

impl IncidentState {
    pub const ALL: [IncidentState; 5] = [IncidentState::Reported, IncidentState::Confirmed, IncidentState::Handling, IncidentState::Recovered, IncidentState::Closed];
    pub fn code(self) -> &'static str {
        match self {
            IncidentState::Reported => "reported",
            IncidentState::Confirmed => "confirmed",
            IncidentState::Handling => "handling",
            IncidentState::Recovered => "recovered",
            IncidentState::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<IncidentState> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            IncidentState::Reported => "待确认",
            IncidentState::Confirmed => "已确认",
            IncidentState::Handling => "处置中",
            IncidentState::Recovered => "已恢复",
            IncidentState::Closed => "已结案",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            IncidentState::Reported => "Reported",
            IncidentState::Confirmed => "Confirmed",
            IncidentState::Handling => "Handling",
            IncidentState::Recovered => "Recovered",
            IncidentState::Closed => "Closed",
        }
    }
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    /// The owning unit: a school's 学校标识码 or a division's code.
    pub unit_code: i64,
    /// The unit's county (a school) or the division's own code.
    pub region: i64,
    /// The school, when the unit is one.
    pub school: Option<String>,
    /// The unit's kind for reporting deadlines: `cii` (关键信息基础设施), `central` (中央和国家机关),
    /// `other`.
    pub unit_kind: String,
    /// Confirmed class (a GB/T 20986 code) and grade (1 = I 特别重大 … 4 = IV 一般).
    pub class_code: Option<String>,
    pub grade: Option<u8>,
    /// Proposed by the monitor (or the reporter), awaiting a person's confirmation.
    pub proposed_class: Option<String>,
    pub proposed_grade: Option<u8>,
    pub state: IncidentState,
    /// `manual` or `monitor`.
    pub source: String,
    /// The monitor's site, finding kind and alert (source `monitor`).
    pub site_id: Option<i64>,
    pub finding: Option<String>,
    pub alert_id: Option<i64>,
    /// What was seen: the finding's message, the changed text.
    pub evidence: String,
    pub description: String,
    /// 总结: required to close.
    pub review: String,
    pub discovered_at: i64,
    pub reported_at: i64,
    /// The reporting deadline (counted from discovery by the grade's hours).
    pub due_at: i64,
    /// The first report upward (the deadline is met by it).
    pub reported_up_at: Option<i64>,
    /// The org unit the incident was escalated to when overdue, and when.
    pub escalated_to: Option<i64>,
    pub escalated_at: Option<i64>,
    /// Times the monitor saw the finding again while the incident was open.
    pub seen: i64,
    pub last_seen: i64,
    pub updated_at: i64,
    /// When it was recovered (the step `recover`), and the review's deadline (复盘期限): the end
    /// of the Nth working day after, by `store::calendar` (`secman::incidents`).
    pub recovered_at: Option<i64>,
    pub review_due_at: Option<i64>,
    /// When the sweep sent its one message about the overdue review.
    pub review_reminded_at: Option<i64>,
}

impl Incident {
    pub fn place(&self) -> Place<'_> {
        Place::person(self.school.as_deref(), u32::try_from(self.region).ok())
    }
    pub fn sides(&self) -> Sides<'_> {
        Sides { requester: self.place(), holder: self.place() }
    }
    pub fn visible_to(&self, scope: &Scope) -> bool {
        scope.may_write(&self.place()) || matches!(scope, Scope::Region { lo, hi } if (*lo as i64..=*hi as i64).contains(&self.region))
    }
    /// Overdue at `now`: not reported upward by its deadline and not closed.
    pub fn overdue(&self, now: i64) -> bool {
        self.reported_up_at.is_none() && self.state != IncidentState::Closed && now > self.due_at
    }
    /// The review is overdue at `now`: recovered, not closed (closing records the review), and
    /// past its review deadline.
    pub fn review_overdue(&self, now: i64) -> bool {
        self.state == IncidentState::Recovered && self.review_due_at.is_some_and(|d| now >= d)
    }
    /// The grade in force: the confirmed one, else the proposed one.
    pub fn grade_or_proposed(&self) -> Option<u8> {
        self.grade.or(self.proposed_grade)
    }
}

/// One step of the timeline: who, when, what. `to_unit` names whom a report upward went to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub incident_id: i64,
    pub at: i64,
    pub actor: String,
    /// The flow's action (`report`, `confirm`, …), or `escalate`, `seen` (the monitor again).
    pub action: String,
    pub state: IncidentState,
    pub note: String,
    pub to_unit: Option<String>,
}

/// Filters of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentQuery {
    pub state: Option<IncidentState>,
    /// Open ones only (not closed).
    pub open: bool,
    pub grade: Option<u8>,
    /// A division inside the scope.
    pub region: Option<u32>,
    /// Overdue at this time.
    pub overdue_at: Option<i64>,
    /// Review overdue at this time (recovered, not closed, past the review deadline).
    pub review_overdue_at: Option<i64>,
    /// Keyset paging: those with ids below this (the last id of the previous page; the list is
    /// newest first). Counts ignore it.
    pub before: Option<i64>,
    pub limit: usize,
}

/// Roles that read incidents (within their area): the record keepers, the security officer,
/// the auditor. A data consumer sees nothing of them.
pub fn reads(role: Role) -> bool {
    matches!(role, Role::ProvinceAdmin | Role::CityOfficer | Role::CountyOfficer | Role::SchoolAdmin | Role::SecurityOfficer | Role::Auditor)
}

/// Roles that report and handle incidents (within their area).
pub const HANDLERS: &[Role] = &[Role::ProvinceAdmin, Role::CityOfficer, Role::CountyOfficer, Role::SchoolAdmin, Role::SecurityOfficer];

pub fn writes(role: Role) -> bool {
    HANDLERS.contains(&role)
}

const OWN: Message = ("该事件不在您的管辖范围内，只能处理本单位及下级单位的事件", "the incident is outside your area: handle your own units' incidents");

const fn step(from: IncidentState, action: &'static str, to: IncidentState, stale: Message) -> Transition<IncidentState> {
    Transition { from: Some(from), action, to, roles: HANDLERS, area: Area::Holder, refused: OWN, stale }
}

const NOT_REPORTED: Message = ("该事件已确认过，不能再次确认；请刷新页面查看当前状态", "the incident was confirmed already: reload to see where it stands");
const NOT_CONFIRMED: Message = ("只有已确认的事件才能开始处置，请先确认事件分类和分级", "confirm the class and grade before handling");
const NOT_HANDLING: Message = ("只有处置中的事件才能记录处置情况或标记恢复", "only an incident being handled takes notes or is marked recovered");
const NOT_RECOVERED: Message = ("只有已恢复的事件才能结案，请先标记恢复", "mark the incident recovered before closing it");
const CLOSED: Message = ("该事件已结案，不能再上报", "the incident is closed");

/// The lifecycle (audit actions `incident_report`, `incident_confirm`, …). Reports upward
/// (`report_up`) are recorded in every state but closed and leave the state as it is.
pub const FLOW: Machine<IncidentState> = Machine {
    name: "incident",
    transitions: &[
        Transition { from: None, action: "report", to: IncidentState::Reported, roles: HANDLERS, area: Area::Holder, refused: ("只能为本单位及下级单位报告事件", "report incidents of your own area"), stale: ("事件已存在", "the incident exists") },
        step(IncidentState::Reported, "confirm", IncidentState::Confirmed, NOT_REPORTED),
        step(IncidentState::Confirmed, "handle", IncidentState::Handling, NOT_CONFIRMED),
        step(IncidentState::Handling, "note", IncidentState::Handling, NOT_HANDLING),
        step(IncidentState::Handling, "recover", IncidentState::Recovered, NOT_HANDLING),
        step(IncidentState::Recovered, "close", IncidentState::Closed, NOT_RECOVERED),
        step(IncidentState::Reported, "report_up", IncidentState::Reported, CLOSED),
        step(IncidentState::Confirmed, "report_up", IncidentState::Confirmed, CLOSED),
        step(IncidentState::Handling, "report_up", IncidentState::Handling, CLOSED),
        step(IncidentState::Recovered, "report_up", IncidentState::Recovered, CLOSED),
    ],
};

/// The actions a scope may take on an incident now (for showing buttons; roles are checked too).
pub fn actions(actor: &Actor, i: &Incident) -> Vec<&'static str> {
    ["confirm", "handle", "note", "recover", "close", "report_up"].into_iter().filter(|a| FLOW.check(actor, Some(i.state), a, &i.sides()).is_ok()).collect()
}

/// Storage of incidents and their steps. Every write is judged by [`Scope::may_write`] on the
/// incident's place inside the backend ([`StoreError::OutOfScope`] otherwise, one answer
/// whether or not it exists); reads are cut to the scope in SQL.
pub trait Incidents {
    /// Stores a new incident with its first step; its id is assigned.
    fn insert_incident(&mut self, scope: &Scope, i: &Incident, first: &Step) -> Result<i64, StoreError>;
    fn incident(&mut self, scope: &Scope, id: i64) -> Result<Option<Incident>, StoreError>;
    /// Newest first, `limit` at most (1..=500).
    fn incidents(&mut self, scope: &Scope, q: &IncidentQuery) -> Result<Vec<Incident>, StoreError>;
    /// Counts by state of the query (its state filter ignored).
    fn incident_counts(&mut self, scope: &Scope, q: &IncidentQuery) -> Result<Vec<(IncidentState, u64)>, StoreError>;
    /// Writes the incident's changed fields (not its place) with a step, when it is still in
    /// state `from`: false when it moved on meanwhile.
    fn update_incident(&mut self, scope: &Scope, i: &Incident, from: IncidentState, step: &Step) -> Result<bool, StoreError>;
    fn incident_steps(&mut self, scope: &Scope, id: i64) -> Result<Vec<Step>, StoreError>;
    /// The open (not closed) incident of a monitored site's finding, if any: the key the
    /// monitor's incidents are de-duplicated by.
    fn open_incident_for(&mut self, scope: &Scope, site_id: i64, finding: &str) -> Result<Option<Incident>, StoreError>;
    /// Links a stored attachment (evidence, a report) to an incident in the writer's area with
    /// the step that added it (`attach`, the file's name as its note), in one transaction.
    /// [`StoreError::OutOfScope`] when the incident or the attachment is missing or outside the
    /// area (one answer).
    fn attach_to_incident(&mut self, scope: &Scope, incident_id: i64, attachment_id: i64, step: &Step) -> Result<(), StoreError>;
    /// The attachments of an incident in the reader's area, in the order they were added (none
    /// when the incident is missing or outside it).
    fn incident_files(&mut self, scope: &Scope, incident_id: i64) -> Result<Vec<IncidentFile>, StoreError>;
}

/// An attachment of an incident and when the step that added it was taken (its timeline row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFile {
    pub attachment: crate::attachments::Attachment,
    pub step_at: i64,
}

/// Refuses a write outside the scope (the store's check, called by both backends).
pub fn check_write(scope: &Scope, i: &Incident) -> Result<(), StoreError> {
    if scope.may_write(&i.place()) { Ok(()) } else { Err(StoreError::OutOfScope) }
}

/// The SQL both backends run (SQLite placeholders, rendered for PostgreSQL by
/// [`crate::sql::Dialect::render`]) and the row decoder.
pub mod sql {
    use super::*;
    use crate::sql::{Dialect, SqlRow, Where};

    pub const COLUMNS: &str = "id, title, unit_code, region, school, unit_kind, class_code, grade, proposed_class, proposed_grade, state, source, site_id, finding, alert_id, evidence, description, review, discovered_at, reported_at, due_at, reported_up_at, escalated_to, escalated_at, seen, last_seen, updated_at, recovered_at, review_due_at, review_reminded_at";

    pub const INSERT: &str = "INSERT INTO incidents (title, unit_code, region, school, unit_kind, class_code, grade, proposed_class, proposed_grade, state, source, site_id, finding, alert_id, evidence, description, review, discovered_at, reported_at, due_at, reported_up_at, escalated_to, escalated_at, seen, last_seen, updated_at, recovered_at, review_due_at, review_reminded_at) \
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29) RETURNING id";

    /// The arguments of [`INSERT`].
    pub fn insert_args(i: &Incident) -> Vec<Arg> {
        vec![
            i.title.clone().into(),
            i.unit_code.into(),
            i.region.into(),
            opt_text(&i.school),
            i.unit_kind.clone().into(),
            opt_text(&i.class_code),
            opt_i64(i.grade.map(i64::from)),
            opt_text(&i.proposed_class),
            opt_i64(i.proposed_grade.map(i64::from)),
            i.state.code().into(),
            i.source.clone().into(),
            opt_i64(i.site_id),
            opt_text(&i.finding),
            opt_i64(i.alert_id),
            i.evidence.clone().into(),
            i.description.clone().into(),
            i.review.clone().into(),
            i.discovered_at.into(),
            i.reported_at.into(),
            i.due_at.into(),
            opt_i64(i.reported_up_at),
            opt_i64(i.escalated_to),
            opt_i64(i.escalated_at),
            i.seen.into(),
            i.last_seen.into(),
            i.updated_at.into(),
            opt_i64(i.recovered_at),
            opt_i64(i.review_due_at),
            opt_i64(i.review_reminded_at),
        ]
    }

    /// The changed fields; `?1` id, `?2` the state it must still be in.
    pub const UPDATE: &str = "UPDATE incidents SET title = ?3, unit_kind = ?4, class_code = ?5, grade = ?6, proposed_class = ?7, proposed_grade = ?8, state = ?9, alert_id = ?10, evidence = ?11, description = ?12, review = ?13, due_at = ?14, reported_up_at = ?15, escalated_to = ?16, escalated_at = ?17, seen = ?18, last_seen = ?19, updated_at = ?20, recovered_at = ?21, review_due_at = ?22, review_reminded_at = ?23 WHERE id = ?1 AND state = ?2";

    pub fn update_args(i: &Incident, from: IncidentState) -> Vec<Arg> {
        vec![
            i.id.into(),
            from.code().into(),
            i.title.clone().into(),
            i.unit_kind.clone().into(),
            opt_text(&i.class_code),
            opt_i64(i.grade.map(i64::from)),
            opt_text(&i.proposed_class),
            opt_i64(i.proposed_grade.map(i64::from)),
            i.state.code().into(),
            opt_i64(i.alert_id),
            i.evidence.clone().into(),
            i.description.clone().into(),
            i.review.clone().into(),
            i.due_at.into(),
            opt_i64(i.reported_up_at),
            opt_i64(i.escalated_to),
            opt_i64(i.escalated_at),
            i.seen.into(),
            i.last_seen.into(),
            i.updated_at.into(),
            opt_i64(i.recovered_at),
            opt_i64(i.review_due_at),
            opt_i64(i.review_reminded_at),
        ]
    }

    pub const INSERT_STEP: &str = "INSERT INTO incident_steps (incident_id, at, actor, action, state, note, to_unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

    pub fn step_args(id: i64, s: &Step) -> Vec<Arg> {
        vec![id.into(), s.at.into(), s.actor.clone().into(), s.action.clone().into(), s.state.code().into(), s.note.clone().into(), opt_text(&s.to_unit)]
    }

    /// [`INSERT_STEP`] answering the step's id (the attachment link names it).
    pub const INSERT_STEP_ID: &str = "INSERT INTO incident_steps (incident_id, at, actor, action, state, note, to_unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id";

    /// `?1` incident, `?2` attachment, `?3` step.
    pub const INSERT_LINK: &str = "INSERT INTO incident_attachments (incident_id, attachment_id, step_id) VALUES (?1, ?2, ?3)";

    /// The attachment ids of an incident with their steps' times (`?1` the incident; the caller
    /// has found the incident in its scope, and reads each attachment through its scope).
    pub fn links(d: Dialect, incident_id: i64) -> (String, Vec<Arg>) {
        (
            d.render("SELECT l.attachment_id, s.at FROM incident_attachments l JOIN incident_steps s ON s.id = l.step_id WHERE l.incident_id = ?1 ORDER BY s.at, l.attachment_id").into_owned(),
            vec![incident_id.into()],
        )
    }

    pub const STEP_COLUMNS: &str = "incident_id, at, actor, action, state, note, to_unit";

    use crate::sql::Arg;

    /// [`Arg`] has no NULL: an absent value travels as a sentinel that [`bound`] writes as `NULL`.
    fn opt_text(v: &Option<String>) -> Arg {
        match v {
            Some(s) => Arg::Text(s.clone()),
            None => Arg::Text(NULL_TEXT.into()),
        }
    }
    fn opt_i64(v: Option<i64>) -> Arg {
        Arg::I64(v.unwrap_or(NULL_INT))
    }
    /// Sentinels for NULL in [`Arg`] lists (see [`bound`]).
    pub const NULL_TEXT: &str = "\u{0}";
    pub const NULL_INT: i64 = i64::MIN;

    /// Writes the placeholders of sentinel arguments as `NULL`.
    pub fn nulls(sql: &str, args: &[Arg]) -> String {
        let mut out = sql.to_string();
        // From the highest number down, so `?1` does not match the start of `?12`.
        for (n, a) in args.iter().enumerate().rev() {
            let p = format!("?{}", n + 1);
            let w = match a {
                Arg::Text(s) if s == NULL_TEXT => "NULL".to_string(),
                Arg::I64(v) if *v == NULL_INT => "NULL".to_string(),
                _ => continue,
            };
            out = replace_placeholder(&out, &p, &w);
        }
        out
    }

    fn replace_placeholder(sql: &str, p: &str, with: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut rest = sql;
        while let Some(at) = rest.find(p) {
            let after = &rest[at + p.len()..];
            out.push_str(&rest[..at]);
            if after.starts_with(|c: char| c.is_ascii_digit()) {
                out.push_str(p);
            } else {
                out.push_str(with);
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// The statement and its arguments as a backend binds them: NULL arguments written as
    /// `NULL` in the text (PostgreSQL cannot type an unused or untyped NULL parameter), the
    /// others renumbered densely, placeholders in the dialect.
    pub fn bound(sql: &str, args: Vec<Arg>, d: Dialect) -> (String, Vec<Arg>) {
        let with_nulls = nulls(sql, &args);
        // Renumber the remaining placeholders densely.
        let mut map = Vec::new();
        let mut kept = Vec::new();
        for (n, a) in args.into_iter().enumerate() {
            let null = matches!(&a, Arg::Text(s) if s == NULL_TEXT) || matches!(a, Arg::I64(v) if v == NULL_INT);
            if null {
                continue;
            }
            kept.push(a);
            map.push((n + 1, kept.len()));
        }
        let mut out = with_nulls;
        // Through a temporary marker so that renumbering does not collide.
        for (old, _) in map.iter().rev() {
            out = replace_placeholder(&out, &format!("?{old}"), &format!("?#{old}"));
        }
        for (old, new) in map.iter() {
            out = replace_placeholder(&out, &format!("?#{old}"), &format!("?{new}"));
        }
        (d.render(&out).into_owned(), kept)
    }

    /// The scope and the filters as a WHERE clause over `incidents`.
    pub fn conds(d: Dialect, scope: &Scope, q: &IncidentQuery, with_state: bool) -> Option<Where> {
        let scope = crate::sql::effective(scope, q.region)?;
        let mut w = Where::new(d);
        match &scope {
            Scope::Region { lo, hi } => {
                let c = format!("region BETWEEN {} AND {}", w.arg(*lo as i64), w.arg(*hi as i64));
                w.cond(c);
            }
            Scope::School { code, .. } => {
                let c = format!("school = {}", w.arg(code.as_str()));
                w.cond(c);
            }
            Scope::Nothing => return None,
        }
        if let (true, Some(s)) = (with_state, q.state) {
            let c = format!("state = {}", w.arg(s.code()));
            w.cond(c);
        }
        if q.open {
            w.cond("state <> 'closed'");
        }
        if let Some(g) = q.grade {
            let c = format!("COALESCE(grade, proposed_grade) = {}", w.arg(i64::from(g)));
            w.cond(c);
        }
        if let Some(now) = q.overdue_at {
            let c = format!("reported_up_at IS NULL AND state <> 'closed' AND due_at < {}", w.arg(now));
            w.cond(c);
        }
        if let Some(now) = q.review_overdue_at {
            let c = format!("state = 'recovered' AND review_due_at <= {}", w.arg(now));
            w.cond(c);
        }
        Some(w)
    }

    /// One incident by id within the scope: `?1..` the scope, then the id.
    pub fn one(d: Dialect, scope: &Scope, id: i64) -> Option<(String, Vec<Arg>)> {
        let mut w = conds(d, scope, &IncidentQuery::default(), false)?;
        let c = format!("id = {}", w.arg(id));
        w.cond(c);
        Some((format!("SELECT {COLUMNS} FROM incidents{}", w.where_()), w.args))
    }

    pub fn list(d: Dialect, scope: &Scope, q: &IncidentQuery) -> Option<(String, Vec<Arg>)> {
        let mut w = conds(d, scope, q, true)?;
        if let Some(b) = q.before {
            let c = format!("id < {}", w.arg(b));
            w.cond(c);
        }
        let limit = q.limit.clamp(1, 500);
        Some((format!("SELECT {COLUMNS} FROM incidents{} ORDER BY id DESC LIMIT {limit}", w.where_()), w.args))
    }

    pub fn counts(d: Dialect, scope: &Scope, q: &IncidentQuery) -> Option<(String, Vec<Arg>)> {
        let w = conds(d, scope, q, false)?;
        Some((format!("SELECT state, COUNT(*) FROM incidents{} GROUP BY state", w.where_()), w.args))
    }

    pub fn open_for(d: Dialect, scope: &Scope, site_id: i64, finding: &str) -> Option<(String, Vec<Arg>)> {
        let mut w = conds(d, scope, &IncidentQuery { open: true, ..Default::default() }, false)?;
        let c = format!("site_id = {} AND finding = {}", w.arg(site_id), w.arg(finding));
        w.cond(c);
        Some((format!("SELECT {COLUMNS} FROM incidents{} ORDER BY id DESC LIMIT 1", w.where_()), w.args))
    }

    pub fn steps(d: Dialect, id: i64) -> (String, Vec<Arg>) {
        (d.render(&format!("SELECT {STEP_COLUMNS} FROM incident_steps WHERE incident_id = ?1 ORDER BY at, id")).into_owned(), vec![id.into()])
    }

    fn small(v: Option<i64>) -> Option<u8> {
        v.and_then(|g| u8::try_from(g).ok())
    }

    pub fn decode(r: &dyn SqlRow) -> Result<Incident, StoreError> {
        let state = r.string(10)?;
        Ok(Incident {
            id: r.i64(0)?,
            title: r.string(1)?,
            unit_code: r.i64(2)?,
            region: r.i64(3)?,
            school: r.opt_string(4)?,
            unit_kind: r.string(5)?,
            class_code: r.opt_string(6)?,
            grade: small(r.opt_i64(7)?),
            proposed_class: r.opt_string(8)?,
            proposed_grade: small(r.opt_i64(9)?),
            state: IncidentState::parse(&state).ok_or_else(|| StoreError::Internal(format!("incident state {state}")))?,
            source: r.string(11)?,
            site_id: r.opt_i64(12)?,
            finding: r.opt_string(13)?,
            alert_id: r.opt_i64(14)?,
            evidence: r.string(15)?,
            description: r.string(16)?,
            review: r.string(17)?,
            discovered_at: r.i64(18)?,
            reported_at: r.i64(19)?,
            due_at: r.i64(20)?,
            reported_up_at: r.opt_i64(21)?,
            escalated_to: r.opt_i64(22)?,
            escalated_at: r.opt_i64(23)?,
            seen: r.i64(24)?,
            last_seen: r.i64(25)?,
            updated_at: r.i64(26)?,
            recovered_at: r.opt_i64(27)?,
            review_due_at: r.opt_i64(28)?,
            review_reminded_at: r.opt_i64(29)?,
        })
    }

    pub fn decode_step(r: &dyn SqlRow) -> Result<Step, StoreError> {
        let state = r.string(4)?;
        Ok(Step {
            incident_id: r.i64(0)?,
            at: r.i64(1)?,
            actor: r.string(2)?,
            action: r.string(3)?,
            state: IncidentState::parse(&state).ok_or_else(|| StoreError::Internal(format!("incident state {state}")))?,
            note: r.string(5)?,
            to_unit: r.opt_string(6)?,
        })
    }

    /// A row of [`links`]: (attachment id, step time).
    pub fn decode_link(r: &dyn SqlRow) -> Result<(i64, i64), StoreError> {
        Ok((r.i64(0)?, r.i64(1)?))
    }

    pub fn decode_count(r: &dyn SqlRow) -> Result<(IncidentState, u64), StoreError> {
        let s = r.string(0)?;
        Ok((IncidentState::parse(&s).ok_or_else(|| StoreError::Internal(format!("incident state {s}")))?, r.i64(1)?.max(0) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::sql::*;
    use super::*;
    use crate::sql::{Arg, Dialect};

    #[test]
    fn nulls_are_inlined_and_the_rest_renumbered() {
        let args = vec![Arg::I64(1), Arg::Text(NULL_TEXT.into()), Arg::I64(NULL_INT), Arg::Text("x".into()), Arg::I64(2), Arg::I64(3), Arg::I64(4), Arg::I64(5), Arg::I64(6), Arg::I64(7), Arg::I64(8), Arg::I64(9)];
        let (s, kept) = bound("VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", args, Dialect::Postgres);
        assert_eq!(s, "VALUES ($1, NULL, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        assert_eq!(kept.len(), 10);
    }

    #[test]
    fn the_flow_takes_each_step_from_its_state() {
        let county = Scope::Region { lo: 510104, hi: 510104 };
        let other = Scope::Region { lo: 510105, hi: 510105 };
        let i = Incident { id: 1, title: "t".into(), unit_code: 2151010401, region: 510104, school: Some("2151010401".into()), unit_kind: "other".into(), class_code: None, grade: None, proposed_class: None, proposed_grade: None, state: IncidentState::Reported, source: "manual".into(), site_id: None, finding: None, alert_id: None, evidence: String::new(), description: String::new(), review: String::new(), discovered_at: 0, reported_at: 0, due_at: 0, reported_up_at: None, escalated_to: None, escalated_at: None, seen: 1, last_seen: 0, updated_at: 0, recovered_at: None, review_due_at: None, review_reminded_at: None };
        let sec = Actor::new("sec", Role::SecurityOfficer, county.clone(), "");
        assert_eq!(actions(&sec, &i), vec!["confirm", "report_up"]);
        assert!(FLOW.check(&Actor::new("x", Role::SecurityOfficer, other, ""), Some(i.state), "confirm", &i.sides()).is_err());
        assert!(FLOW.check(&Actor::new("a", Role::Auditor, county.clone(), ""), Some(i.state), "confirm", &i.sides()).is_err());
        assert!(FLOW.check(&sec, Some(IncidentState::Closed), "report_up", &i.sides()).is_err());
        assert!(i.visible_to(&county) && i.visible_to(&Scope::School { code: "2151010401".into(), county: 510104 }));
        assert!(!i.visible_to(&Scope::School { code: "2151010402".into(), county: 510104 }));
        assert!(reads(Role::Auditor) && !reads(Role::DataConsumer) && !writes(Role::Auditor));
    }
}
