//! 数据共享交换 — the sharing exchange of issue 14: consumer organisations, requests, the
//! provider's review, grants, delivery and revocation. The rules, the scope and the masking are
//! `store::share` (one place); this module shows, takes forms and JSON, and audits every step:
//! [`api`] (the management API under `/api/v1/share`), [`deliver`] (the consumers' pulls,
//! `/api/v1/share/{grant}/rows[.csv|.jsonl]`) and [`pages`] (the console).

pub mod api;
pub mod deliver;
pub mod pages;

use crate::auth::Identity;
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::share::{Consumer, Grant, Request, Usage, Who};

pub use api::api_routes;
pub use pages::router;

/// The store's view of the caller.
pub fn who(me: &Identity) -> Who {
    Who { user_id: me.user.id, name: me.user.name.clone(), role: me.user.role, scope: me.scope.clone() }
}

/// The role uses the exchange (each read and write judged in the store).
pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::share::role_reads(me.user.role))
}

/// A time as `YYYY-MM-DD HH:MM` (UTC+8), '' for 0.
pub fn when(t: i64) -> String {
    if t <= 0 {
        return String::new();
    }
    let d = store::catalog::day_of(t);
    let s = (t + 8 * 3600).rem_euclid(86_400);
    format!("{d} {:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// Audits one step of the exchange (`share_<action>`).
pub async fn audit(app: &Arc<AppState>, me: &Identity, ipaddr: &str, action: &str, target: String, detail: serde_json::Value) -> Result<(), AppError> {
    app.audit_by(me, &format!("share_{action}"), &target, detail.to_string(), ipaddr).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ShareConsumer)]
pub struct ConsumerView {
    pub id: i64,
    pub name: String,
    /// health, police, civil_affairs, human_resources, other.
    pub department: String,
    pub department_zh: String,
    pub credit_code: String,
    pub contact: String,
    pub accounts: Vec<String>,
    pub created_by: String,
    pub created_at: String,
}

impl From<&Consumer> for ConsumerView {
    fn from(c: &Consumer) -> ConsumerView {
        ConsumerView {
            id: c.id,
            name: c.name.clone(),
            department: c.department.code().into(),
            department_zh: c.department.zh().into(),
            credit_code: c.credit_code.clone(),
            contact: c.contact.clone(),
            accounts: c.accounts.clone(),
            created_by: c.created_by.clone(),
            created_at: when(c.created_at),
        }
    }
}

/// A request's rows: a division and, optionally, grades (students) or school types (schools).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ShareRowFilter)]
pub struct FilterBody {
    /// 行政区划代码 (province, city or county) inside the provider's area.
    pub region: u32,
    #[serde(default)]
    pub grades: Vec<String>,
    #[serde(default)]
    pub school_types: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ShareRequest)]
pub struct RequestView {
    pub id: i64,
    pub consumer_id: i64,
    pub consumer_name: String,
    pub dataset_id: i64,
    pub dataset_version: u32,
    pub dataset_name: String,
    pub provider_code: i64,
    /// unconditional or conditional.
    pub share_type: String,
    pub purpose: String,
    pub fields: Vec<String>,
    pub filter: FilterBody,
    pub from: String,
    pub to: String,
    /// submitted, approved, rejected, withdrawn.
    pub state: String,
    pub state_zh: String,
    /// The answer's deadline (UTC+8), '' when none.
    pub due_at: String,
    /// Waiting past its deadline (shown to the province administrator).
    pub overdue: bool,
    pub reasons: String,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: String,
    pub decided_at: String,
    pub grant_id: Option<i64>,
}

pub fn request_view(q: &Request, now: i64) -> RequestView {
    RequestView {
        id: q.id,
        consumer_id: q.consumer_id,
        consumer_name: q.consumer_name.clone(),
        dataset_id: q.dataset_id,
        dataset_version: q.dataset_version,
        dataset_name: q.dataset_name.clone(),
        provider_code: q.provider_code,
        share_type: q.share_type.code().into(),
        purpose: q.purpose.clone(),
        fields: q.fields.clone(),
        filter: FilterBody { region: q.filter.region, grades: q.filter.grades.clone(), school_types: q.filter.school_types.clone() },
        from: q.from.to_string(),
        to: q.to.to_string(),
        state: q.state.code().into(),
        state_zh: q.state.zh().into(),
        due_at: when(q.due_at),
        overdue: q.overdue(now),
        reasons: q.reasons.clone(),
        requested_by: q.requested_by.clone(),
        requested_at: when(q.requested_at),
        decided_by: q.decided_by.clone(),
        decided_at: when(q.decided_at),
        grant_id: q.grant_id,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ShareGrantField)]
pub struct FieldView {
    pub name: String,
    /// How it is masked (id_number, student_id, name, phone, address, birth_date, withheld), or
    /// null when delivered as stored.
    pub mask: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ShareGrant)]
pub struct GrantView {
    pub id: i64,
    pub request_id: i64,
    pub consumer_id: i64,
    pub consumer_name: String,
    pub dataset_id: i64,
    pub dataset_name: String,
    pub fields: Vec<FieldView>,
    pub filter: FilterBody,
    pub from: String,
    pub expires_at: String,
    pub rate_per_minute: u32,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: String,
    pub revoked_by: String,
    pub revoked_why: String,
    /// active, expired or revoked.
    pub state: String,
    /// NATS JetStream 推送主题（空：不推送）/ The NATS subject its changes are published to ('' none).
    pub nats_subject: String,
    /// 已推送到的变更版本 / The change version published up to.
    pub nats_version: i64,
    /// 推送的最近错误（空：正常）/ The publisher's last error ('' none).
    pub nats_error: String,
}

pub fn grant_view(g: &Grant, now: i64) -> GrantView {
    let state = if g.revoked_at.is_some() {
        "revoked"
    } else if now >= g.expires_at {
        "expired"
    } else {
        "active"
    };
    GrantView {
        id: g.id,
        request_id: g.request_id,
        consumer_id: g.consumer_id,
        consumer_name: g.consumer_name.clone(),
        dataset_id: g.dataset_id,
        dataset_name: g.dataset_name.clone(),
        fields: g.fields.iter().map(|f| FieldView { name: f.name.clone(), mask: f.mask.map(|m| m.code().to_string()) }).collect(),
        filter: FilterBody { region: g.filter.region, grades: g.filter.grades.clone(), school_types: g.filter.school_types.clone() },
        from: g.from.to_string(),
        expires_at: when(g.expires_at),
        rate_per_minute: g.rate_per_minute,
        created_by: g.created_by.clone(),
        created_at: when(g.created_at),
        revoked_at: g.revoked_at.map(when).unwrap_or_default(),
        revoked_by: g.revoked_by.clone(),
        revoked_why: g.revoked_why.clone(),
        state: state.into(),
        nats_subject: g.nats_subject.clone(),
        nats_version: g.nats_version,
        nats_error: g.nats_error.clone(),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ShareUsage)]
pub struct UsageView {
    pub grant_id: i64,
    pub consumer_id: i64,
    pub consumer_name: String,
    pub day: String,
    pub calls: i64,
    pub rows: i64,
}

impl From<&Usage> for UsageView {
    fn from(u: &Usage) -> UsageView {
        UsageView { grant_id: u.grant_id, consumer_id: u.consumer_id, consumer_name: u.consumer_name.clone(), day: u.day.clone(), calls: u.calls, rows: u.rows }
    }
}
