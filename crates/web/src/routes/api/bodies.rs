//! The bodies of the API's answers that are not records: the caller, batches, audit entries and
//! accounts, each with the schema the OpenAPI document shows for it.

use serde_json::{json, Value};
use store::Entity;

/// The caller.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Me)]
pub struct MeOut {
    pub name: String,
    pub display_name: String,
    /// province_admin, city_officer, county_officer, school_admin, security_officer, auditor, data_consumer
    #[schema(value_type = String)]
    pub role: store::Role,
    pub org_code: i64,
    pub org_name: String,
    /// What the caller may see: a region range, a school, or nothing.
    #[schema(value_type = Object)]
    pub scope: store::Scope,
    pub must_change_password: bool,
}

/// An import batch: its counts and its report's rejections and warnings by rule.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Batch)]
pub struct BatchOut {
    pub id: i64,
    /// school, teacher, student
    #[schema(value_type = String)]
    pub entity: Entity,
    pub file_name: String,
    /// SHA-256 of the file.
    pub file_hash: String,
    /// Who imported it.
    pub user: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub finished_at: String,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows by rule code.
    #[schema(value_type = Object)]
    pub errors: Value,
    #[schema(value_type = Object)]
    pub warnings: Value,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Batches {
    pub items: Vec<BatchOut>,
}

pub fn batch_json(b: &store::BatchSummary) -> BatchOut {
    let report: Value = serde_json::from_str(&b.report_json).unwrap_or(Value::Null);
    BatchOut {
        id: b.id,
        entity: b.entity,
        file_name: b.file_name.clone(),
        file_hash: b.file_hash.clone(),
        user: b.user.clone(),
        started_at: b.started_at.clone(),
        finished_at: b.finished_at.clone(),
        rows_read: b.rows_read,
        inserted: b.inserted,
        updated: b.updated,
        unchanged: b.unchanged,
        rejected: b.rejected,
        errors: report.get("errors").cloned().unwrap_or(json!({})),
        warnings: report.get("warnings").cloned().unwrap_or(json!({})),
    }
}

/// An audit entry as the API shows it (the chain's hashes included, the scoping columns not).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditOut {
    pub id: i64,
    /// RFC 3339 UTC with microseconds.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// JSON text.
    pub detail: String,
    pub ip: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<store::AuditEntry> for AuditOut {
    fn from(e: store::AuditEntry) -> AuditOut {
        AuditOut { id: e.id, at: e.at, actor: e.actor, action: e.action, target: e.target, detail: e.detail, ip: e.ip, outcome: e.outcome, prev_hash: e.prev_hash, hash: e.hash }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntries {
    pub items: Vec<AuditOut>,
}

/// An account (never its password hash).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserOut {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    #[schema(value_type = String)]
    pub role: store::Role,
    pub org_code: i64,
    pub must_change_password: bool,
    pub disabled: bool,
    pub failed_logins: u32,
    /// Unix seconds.
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

impl From<store::User> for UserOut {
    fn from(u: store::User) -> UserOut {
        UserOut {
            id: u.id,
            name: u.name,
            display_name: u.display_name,
            role: u.role,
            org_code: u.org_code,
            must_change_password: u.must_change_password,
            disabled: u.disabled,
            failed_logins: u.failed_logins,
            locked_until: u.locked_until,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Users {
    pub items: Vec<UserOut>,
}
