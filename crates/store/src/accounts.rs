//! Accounts, sessions and API tokens as stored. Password hashing and session rules live in the
//! web layer; the store keeps the facts and the rules every backend applies the same way inside
//! its writes: who may write which account ([`check_account_write`]), who may hold an API token
//! ([`check_token`]), and the sign-in backoff ([`Backoff`], counted atomically in the store).
//! Times are Unix seconds (UTC).

use crate::access::{OrgLevel, OrgUnit, Role, Scope};
use crate::{Browse, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    /// The login name, unique.
    pub name: String,
    pub display_name: String,
    pub role: Role,
    /// The node of the organisation tree the user sits at (division code or 学校标识码).
    pub org_code: i64,
    /// PHC string (Argon2id).
    #[serde(skip_serializing)]
    pub password_hash: String,
    /// Set for a new account or after a reset: the next login must choose a new password.
    pub must_change_password: bool,
    pub disabled: bool,
    /// Sign-in attempts since the last success (counted when an attempt starts, see [`Backoff`]).
    pub failed_logins: u32,
    /// The next sign-in attempt is not before this time (the backoff's delay), when set.
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub org_code: i64,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// A signed-in browser. The cookie carries a random token; only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: i64,
    /// The CSRF token every form and htmx request of this session carries.
    pub csrf: String,
    pub created_at: i64,
    pub last_seen: i64,
    pub ip: String,
}

/// An API token for programs. Only its SHA-256 is stored; the prefix identifies it in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The account the token acts as (its role and scope apply).
    pub user_id: i64,
    #[serde(skip_serializing)]
    pub token_hash: String,
    pub prefix: String,
    pub created_at: i64,
    pub created_by: String,
    pub revoked_at: Option<i64>,
    /// The token is refused from this time on.
    pub expires_at: i64,
}

impl ApiToken {
    /// Not revoked and not expired at `now`.
    pub fn live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub user_id: i64,
    pub token_hash: String,
    pub prefix: String,
    pub created_by: String,
    pub expires_at: i64,
}

/// Whether an account must choose a new password at its next sign-in: never for a data consumer,
/// which has no console and signs in with API tokens only.
pub fn must_change(role: Role, asked: bool) -> bool {
    asked && role.uses_console()
}

/// Where a role may sit in the tree: an officer at its level; security officers and auditors at
/// a division, not a school.
pub fn check_placement(role: Role, unit: &OrgUnit) -> Result<(), StoreError> {
    if let Some(level) = role.level().filter(|l| *l != unit.level) {
        return Err(StoreError::Conflict(format!(
            "{}应设在{}一级，而{}是{}：请改选角色或所属单位（a {} sits at a {} node, and {} is a {}）",
            role.zh(),
            level.zh(),
            unit.name,
            unit.level.zh(),
            role.en(),
            level.code(),
            unit.code,
            unit.level.code()
        )));
    }
    if matches!(role, Role::SecurityOfficer | Role::Auditor) && unit.level == OrgLevel::School {
        return Err(StoreError::Conflict("安全管理员和审计员应设在行政区划一级（security officers and auditors sit at a division, not a school）".into()));
    }
    Ok(())
}

/// The node `code`, when `writer` covers it; [`StoreError::Conflict`] when it does not or is no node.
pub fn check_area(units: &mut dyn Browse, writer: &Scope, code: i64) -> Result<OrgUnit, StoreError> {
    let unit = units.org_unit(code)?.ok_or_else(|| {
        StoreError::Conflict(format!("找不到单位 {code}：请输入本省的行政区划代码或已导入学校的标识码（no organisation {code}: give a division code of this province or the identifier of an imported school）"))
    })?;
    if !writer.covers_unit(&unit) {
        return Err(StoreError::Conflict(format!(
            "单位 {code} 不在您的管辖范围内：只能管理本单位及下级单位的账号（organisation {code} is outside your area: you manage accounts of your node and below only）"
        )));
    }
    Ok(unit)
}

/// The rule every account write obeys, on every backend: the writer's area covers the account's
/// node — where it sits now (`old_org`, for a change) and where it will sit — and the role sits
/// where it may ([`check_placement`]). A city administrator cannot make a province administrator,
/// nor move an account of another city.
pub fn check_account_write(units: &mut dyn Browse, writer: &Scope, role: Role, org: i64, old_org: Option<i64>) -> Result<(), StoreError> {
    if let Some(old) = old_org.filter(|o| *o != org) {
        check_area(units, writer, old)?;
    }
    let unit = check_area(units, writer, org)?;
    check_placement(role, &unit)
}

/// Who may hold an API token: a data consumer (a program of another department, masked data
/// only) inside the writer's area, until a time in the future. A token never acts as an officer,
/// an administrator or the auditor.
pub fn check_token(units: &mut dyn Browse, writer: &Scope, holder: &User, expires_at: i64, now: i64) -> Result<(), StoreError> {
    if holder.role != Role::DataConsumer {
        return Err(StoreError::Conflict(format!(
            "API 令牌只能发给数据使用方账号，{} 是{}（API tokens are for data-consumer accounts only; {} is a {}）",
            holder.name,
            holder.role.zh(),
            holder.name,
            holder.role.en()
        )));
    }
    if holder.disabled {
        return Err(StoreError::Conflict(format!("账号 {} 已停用，不能发放令牌（the account {} is disabled）", holder.name, holder.name)));
    }
    check_area(units, writer, holder.org_code)?;
    if expires_at <= now {
        return Err(StoreError::Conflict("令牌的到期时间必须晚于现在（a token must expire in the future）".into()));
    }
    Ok(())
}

/// The sign-in backoff of one account: the first `free` attempts in a row are immediate; after
/// them each attempt must wait 2, 4, 8 … seconds after the one before, up to `cap`; a success
/// resets it, and so do `quiet` seconds without attempts after the last delay. An attempt is
/// counted when it starts, before the password is checked, in one atomic step with the check of
/// the delay: parallel attempts see each other, and no more than `free` of them reach a password
/// check before the first delay. A refused attempt checks no password and changes nothing, so an
/// anonymous caller can hold an account back by `cap` at most per attempt, never lock it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u32,
    pub cap: i64,
    pub quiet: i64,
}

/// The platform's sign-in backoff (等保 2.0 §8.1.4.1 a: 登录失败处理 — a growing delay after 5 failures).
pub const LOGIN_BACKOFF: Backoff = Backoff { free: 5, cap: 300, quiet: 3600 };

/// What the backoff keeps of an account: [`User::failed_logins`] and [`User::locked_until`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptState {
    pub failures: u32,
    pub not_before: Option<i64>,
}

impl Backoff {
    /// The wait after the `failures`-th attempt in a row.
    pub fn delay(&self, failures: u32) -> i64 {
        if failures < self.free {
            0
        } else {
            (1i64 << (failures - self.free + 1).min(30)).min(self.cap)
        }
    }

    /// Admits an attempt at `now`, returning the state to store, or None while a delay runs.
    pub fn admit(&self, s: AttemptState, now: i64) -> Option<AttemptState> {
        if s.not_before.is_some_and(|t| t > now) {
            return None;
        }
        let before = if s.not_before.is_some_and(|t| now - t >= self.quiet) { 0 } else { s.failures };
        let failures = before.saturating_add(1);
        let wait = self.delay(failures);
        Some(AttemptState { failures, not_before: (wait > 0).then_some(now + wait) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_resets() {
        let b = LOGIN_BACKOFF;
        let mut s = AttemptState::default();
        let mut now = 1_000_000;
        for i in 1..=4 {
            s = b.admit(s, now).expect("free attempts");
            assert_eq!((s.failures, s.not_before), (i, None));
        }
        let mut waits = Vec::new();
        for _ in 0..10 {
            s = b.admit(s, now).expect("after the delay");
            let wait = s.not_before.unwrap() - now;
            waits.push(wait);
            assert!(b.admit(s, now + wait - 1).is_none(), "refused during the delay");
            now += wait;
        }
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(b.admit(s, now + 3600).unwrap().failures, 1, "an hour of quiet starts over");
        assert_eq!(b.delay(u32::MAX), 300);
    }
}
