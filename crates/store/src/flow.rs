//! 流程 — a small state-machine helper for requests that cross areas (transfers today; sharing
//! requests, security registers and selections next).
//!
//! A domain declares its transitions as data ([`Transition`]): from which state, by which
//! action, to which state, which roles may take it and which area rule ([`Area`]) the actor's
//! [`Scope`] must satisfy. [`Machine::check`] is the one place those are checked and
//! [`Machine::audit`] the one place a step (taken or refused) is written to the audit log, so a
//! domain cannot forget either and every domain's log reads alike: `<machine>_<action>`.

use crate::access::{Place, Role, Scope};
use crate::audit::AuditEvent;
use crate::{AuditLog, StoreError};

/// Who takes a step: the account, its role and area, and the client address for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    pub ip: String,
}

impl Actor {
    pub fn new(name: &str, role: Role, scope: Scope, ip: &str) -> Actor {
        Actor { name: name.into(), role, scope, ip: ip.into() }
    }
}

/// The two places a cross-area request joins: the side that asks and the side that holds the
/// thing asked for (a transfer's receiving and sending schools; a sharing request's consumer
/// and data owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sides<'a> {
    pub requester: Place<'a>,
    pub holder: Place<'a>,
}

/// Which area rule a step needs, judged by [`Scope::may_write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The asking side (a common parent of both sides also covers it).
    Requester,
    /// The holding side, and so every common parent.
    Holder,
    /// Both sides at once: a common parent (or a side that holds both).
    CommonParent,
    /// Either side.
    EitherSide,
}

impl Area {
    pub fn allows(self, scope: &Scope, sides: &Sides<'_>) -> bool {
        let (r, h) = (scope.may_write(&sides.requester), scope.may_write(&sides.holder));
        match self {
            Area::Requester => r,
            Area::Holder => h,
            Area::CommonParent => r && h,
            Area::EitherSide => r || h,
        }
    }
}

/// A refusal for people: what to do, in Chinese and English, naming nothing the actor may not see.
pub type Message = (&'static str, &'static str);

/// One declared step.
#[derive(Debug)]
pub struct Transition<S: 'static> {
    /// The state it starts from; None for the step that creates the request.
    pub from: Option<S>,
    /// A stable code (`approve`); the audit action is `<machine>_<action>`.
    pub action: &'static str,
    pub to: S,
    pub roles: &'static [Role],
    pub area: Area,
    /// Said when the role or the area does not allow it.
    pub refused: Message,
    /// Said when the request is not in the state the step starts from.
    pub stale: Message,
}

/// A machine: its name (the audit prefix) and its steps.
#[derive(Debug)]
pub struct Machine<S: 'static> {
    pub name: &'static str,
    pub transitions: &'static [Transition<S>],
}

/// The message of a refusal.
pub fn refuse((zh, en): Message) -> StoreError {
    StoreError::Conflict(format!("{zh}（{en}）"))
}

/// Roles that keep records and so take part in requests about them.
pub const RECORD_KEEPERS: &[Role] = &[Role::ProvinceAdmin, Role::CityOfficer, Role::CountyOfficer, Role::SchoolAdmin];

impl<S: Copy + Eq + std::fmt::Debug> Machine<S> {
    fn steps<'a>(&self, action: &'a str) -> impl Iterator<Item = &'static Transition<S>> + 'a {
        let all: &'static [Transition<S>] = self.transitions;
        all.iter().filter(move |t| t.action == action)
    }

    /// The step `action` from `state`, if the actor may take it: the one check of roles and
    /// areas. An unknown action is refused like a stale one.
    pub fn check(&self, actor: &Actor, state: Option<S>, action: &str, sides: &Sides<'_>) -> Result<&'static Transition<S>, StoreError> {
        let Some(first) = self.steps(action).next() else {
            return Err(refuse(("没有这个操作", "no such action")));
        };
        let Some(t) = self.steps(action).find(|t| t.from == state) else { return Err(refuse(first.stale)) };
        if !t.roles.contains(&actor.role) || !t.area.allows(&actor.scope, sides) {
            return Err(refuse(t.refused));
        }
        Ok(t)
    }

    /// Whether an area may take the step (for showing or hiding a button; roles are the
    /// caller's to know).
    pub fn area_allows(&self, scope: &Scope, state: Option<S>, action: &str, sides: &Sides<'_>) -> bool {
        self.steps(action).any(|t| t.from == state && t.area.allows(scope, sides))
    }

    /// The audit action of a step.
    pub fn audit_action(&self, action: &str) -> String {
        format!("{}_{action}", self.name)
    }

    /// Writes a step to the audit log: taken (`ok`) or refused (`denied`). `target` and
    /// `detail` must hold no personal values (mask keys with [`crate::mask`]).
    pub fn audit(&self, log: &mut (impl AuditLog + ?Sized), actor: &Actor, action: &str, target: &str, detail: String, taken: bool) -> Result<(), StoreError> {
        let e = AuditEvent {
            actor: actor.name.clone(),
            action: self.audit_action(action),
            target: target.into(),
            detail,
            ip: actor.ip.clone(),
            outcome: if taken { "ok" } else { "denied" }.into(),
        };
        log.append_audit(&e).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Doc {
        Draft,
        Sent,
        Done,
    }

    const FLOW: Machine<Doc> = Machine {
        name: "doc",
        transitions: &[
            Transition { from: None, action: "open", to: Doc::Draft, roles: RECORD_KEEPERS, area: Area::Requester, refused: ("只能为本单位起草", "draft for your own area"), stale: ("已存在", "exists") },
            Transition { from: Some(Doc::Draft), action: "send", to: Doc::Sent, roles: &[Role::CountyOfficer], area: Area::Requester, refused: ("只有起草方可以发送", "only the drafting side sends"), stale: ("已发送", "already sent") },
            Transition { from: Some(Doc::Sent), action: "close", to: Doc::Done, roles: RECORD_KEEPERS, area: Area::CommonParent, refused: ("只有共同上级可以办结", "only a common parent closes"), stale: ("未发送", "not sent") },
            Transition { from: Some(Doc::Draft), action: "close", to: Doc::Done, roles: RECORD_KEEPERS, area: Area::Requester, refused: ("只有起草方可以撤销草稿", "only the drafting side drops a draft"), stale: ("未发送", "not sent") },
        ],
    };

    const JINJIANG: Scope = Scope::Region { lo: 510104, hi: 510104 };
    const LONGQUAN: Scope = Scope::Region { lo: 510112, hi: 510112 };
    const CHENGDU: Scope = Scope::Region { lo: 510100, hi: 510199 };

    fn sides() -> Sides<'static> {
        Sides { requester: Place::person(Some("2151011201"), Some(510112)), holder: Place::person(Some("2151010401"), Some(510104)) }
    }

    #[test]
    fn steps_are_checked_by_state_role_and_area() {
        let lq = Actor::new("lq", Role::CountyOfficer, LONGQUAN, "127.0.0.1");
        let jj = Actor::new("jj", Role::CountyOfficer, JINJIANG, "127.0.0.1");
        let cd = Actor::new("cd", Role::CityOfficer, CHENGDU, "127.0.0.1");
        assert_eq!(FLOW.check(&lq, None, "open", &sides()).unwrap().to, Doc::Draft);
        assert!(FLOW.check(&jj, None, "open", &sides()).unwrap_err().to_string().contains("只能为本单位起草"));
        // The role list: a city officer may not send, though its area covers the requester.
        assert!(FLOW.check(&cd, Some(Doc::Draft), "send", &sides()).unwrap_err().to_string().contains("只有起草方"));
        assert_eq!(FLOW.check(&lq, Some(Doc::Draft), "send", &sides()).unwrap().to, Doc::Sent);
        // Wrong state: the stale message.
        assert!(FLOW.check(&lq, Some(Doc::Sent), "send", &sides()).unwrap_err().to_string().contains("已发送"));
        // The same action from two states, with two area rules.
        assert!(FLOW.check(&lq, Some(Doc::Sent), "close", &sides()).is_err());
        assert!(FLOW.check(&jj, Some(Doc::Sent), "close", &sides()).is_err());
        assert_eq!(FLOW.check(&cd, Some(Doc::Sent), "close", &sides()).unwrap().to, Doc::Done);
        assert_eq!(FLOW.check(&lq, Some(Doc::Draft), "close", &sides()).unwrap().to, Doc::Done);
        assert!(FLOW.check(&lq, Some(Doc::Done), "nonsense", &sides()).is_err());
        assert!(!FLOW.area_allows(&JINJIANG, Some(Doc::Sent), "close", &sides()));
        assert!(FLOW.area_allows(&CHENGDU, Some(Doc::Sent), "close", &sides()));
        let nothing = Actor::new("x", Role::ProvinceAdmin, Scope::Nothing, "");
        assert!(FLOW.check(&nothing, None, "open", &sides()).is_err());
    }

    #[test]
    fn area_rules() {
        let s = sides();
        assert!(Area::Holder.allows(&JINJIANG, &s) && !Area::Holder.allows(&LONGQUAN, &s));
        assert!(Area::Requester.allows(&LONGQUAN, &s) && !Area::Requester.allows(&JINJIANG, &s));
        assert!(Area::EitherSide.allows(&LONGQUAN, &s) && Area::EitherSide.allows(&JINJIANG, &s));
        assert!(!Area::CommonParent.allows(&LONGQUAN, &s) && Area::CommonParent.allows(&CHENGDU, &s));
        assert!(!Area::EitherSide.allows(&Scope::Region { lo: 510302, hi: 510302 }, &s));
        assert_eq!(FLOW.audit_action("send"), "doc_send");
    }
}
