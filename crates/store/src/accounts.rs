//! Accounts, sessions and API tokens as stored. Password hashing, lockout and session rules live
//! in the web layer; the store keeps the facts. Times are Unix seconds (UTC).

use crate::access::Role;
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
    /// Consecutive failed logins since the last success.
    pub failed_logins: u32,
    /// Locked until this time after too many failures.
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
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub user_id: i64,
    pub token_hash: String,
    pub prefix: String,
    pub created_by: String,
}
