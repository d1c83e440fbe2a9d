//! The exchange's management API under `/api/v1/share`: consumers (register, link accounts),
//! requests (submit, read, approve, reject, withdraw), grants (read, revoke) and usage. The
//! store judges every step (`store::share`); each write is audited here.

use super::{audit, grant_view, reads, request_view, who, ConsumerView, FilterBody, GrantView, RequestView, UsageView};
use crate::error::AppError;
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use store::share::{Department, GrantTerms, NewConsumer, NewRequest, RowFilter};

const TAG: &str = "数据共享交换";

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(consumers, register))
        .routes(routes!(link))
        .routes(routes!(requests, submit))
        .routes(routes!(request))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(withdraw))
        .routes(routes!(grants))
        .routes(routes!(revoke))
        .routes(routes!(usage))
        .merge(super::deliver::api_routes())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareConsumers)]
pub struct Consumers {
    pub items: Vec<ConsumerView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareRequests)]
pub struct Requests {
    pub items: Vec<RequestView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareGrants)]
pub struct Grants {
    pub items: Vec<GrantView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareUsageList)]
pub struct UsageList {
    pub items: Vec<UsageView>,
}

/// 使用方 — the consumer organisations the caller reads (all for the province administrator,
/// its own for a consumer).
#[utoipa::path(get, path = "/share/consumers", tag = TAG, responses((status = 200, description = "使用方 / Consumers", body = Consumers), crate::apidoc::Errors))]
async fn consumers(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Consumers>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let w = who(&me);
    let list = app.pool.run(move |s| s.share_consumers(&w).map_err(AppError::from)).await?;
    Ok(Json(Consumers { items: list.iter().map(ConsumerView::from).collect() }))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShareConsumerInput)]
pub struct ConsumerBody {
    #[serde(default)]
    pub name: String,
    /// health, police, civil_affairs, human_resources, other (or 卫健, 公安, 民政, 人社, 其他).
    #[serde(default)]
    pub department: String,
    /// 统一社会信用代码 (18 characters), optional.
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub contact: String,
}

impl ConsumerBody {
    pub fn parse(&self) -> Result<NewConsumer, AppError> {
        let department = Department::parse(&self.department).ok_or_else(|| AppError::invalid("部门类别应为卫健、公安、民政、人社或其他。", "The department must be health, police, civil_affairs, human_resources or other."))?;
        Ok(NewConsumer { name: self.name.clone(), department, credit_code: self.credit_code.clone(), contact: self.contact.clone() })
    }
}

/// 登记使用方 — registers a consumer organisation (the province administrator).
#[utoipa::path(post, path = "/share/consumers", tag = TAG, request_body = ConsumerBody, responses((status = 201, description = "已登记 / Registered", body = ConsumerView), crate::apidoc::WriteErrors))]
async fn register(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<ConsumerBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    crate::routes::require(me.user.role.manages_users())?;
    let c = write_consumer(&app, &me, &ip(&headers, &peer), b.parse()?).await?;
    Ok((StatusCode::CREATED, Json(ConsumerView::from(&c))).into_response())
}

pub async fn write_consumer(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, n: NewConsumer) -> Result<store::share::Consumer, AppError> {
    crate::routes::require(me.user.role.manages_users())?;
    let (w, now) = (who(me), app.clock.now());
    let c = app.pool.run(move |s| s.share_register_consumer(&w, &n, now).map_err(AppError::from)).await?;
    audit(app, me, ipaddr, "consumer_register", format!("share_consumer:{}", c.id), json!({ "name": c.name, "department": c.department.code() })).await?;
    Ok(c)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShareLinkInput)]
pub struct LinkBody {
    /// A data consumer's account name.
    #[serde(default)]
    pub account: String,
}

/// 关联账号 — links a data consumer's account to a consumer (the province administrator).
#[utoipa::path(post, path = "/share/consumers/{id}/accounts", tag = TAG, params(("id" = i64, Path, description = "使用方编号 / Consumer number")), request_body = LinkBody, responses((status = 200, description = "使用方 / The consumer", body = ConsumerView), crate::apidoc::WriteErrors))]
async fn link(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<LinkBody>) -> Result<Json<ConsumerView>, AppError> {
    let me = ready(me)?;
    let c = link_account(&app, &me, &ip(&headers, &peer), id, b.account).await?;
    Ok(Json(ConsumerView::from(&c)))
}

pub async fn link_account(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, id: i64, account: String) -> Result<store::share::Consumer, AppError> {
    crate::routes::require(me.user.role.manages_users())?;
    let w = who(me);
    let a = account.clone();
    let c = app.pool.run(move |s| s.share_link_account(&w, id, &a).map_err(AppError::from)).await?;
    // The account's scope changes (it reads through grants from now on): no cached identity of it.
    app.sessions.forget_tokens();
    app.sessions.cache.lock().expect("lock").retain(|_, x| x.identity.user.role != store::Role::DataConsumer);
    audit(app, me, ipaddr, "account_link", format!("share_consumer:{id}"), json!({ "user": account.trim() })).await?;
    Ok(c)
}

/// 共享申请 — the requests the caller reads, newest first: a consumer's own, the provider side's.
#[utoipa::path(get, path = "/share/requests", tag = TAG, responses((status = 200, description = "申请 / Requests", body = Requests), crate::apidoc::Errors))]
async fn requests(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Requests>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let (w, now) = (who(&me), app.clock.now());
    let list = app.pool.run(move |s| s.share_requests(&w).map_err(AppError::from)).await?;
    Ok(Json(Requests { items: list.iter().map(|q| request_view(q, now)).collect() }))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShareRequestInput)]
pub struct RequestBody {
    /// The catalog dataset (数据资源编号).
    pub dataset_id: i64,
    #[serde(default)]
    pub purpose: String,
    /// Field codes of the catalog entry.
    #[serde(default)]
    pub fields: Vec<String>,
    pub filter: FilterBody,
    /// 使用期限 from, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// 使用期限 to, `YYYY-MM-DD`.
    #[serde(default)]
    pub to: String,
}

fn date(s: &str, what: &str) -> Result<standard::Date, AppError> {
    standard::Date::parse_iso(s.trim()).ok_or_else(|| AppError::invalid(format!("{what}应为 YYYY-MM-DD 格式的日期。"), "Dates are written YYYY-MM-DD."))
}

impl RequestBody {
    pub fn parse(&self) -> Result<NewRequest, AppError> {
        Ok(NewRequest {
            dataset_id: self.dataset_id,
            purpose: self.purpose.clone(),
            fields: self.fields.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect(),
            filter: RowFilter { region: self.filter.region, grades: self.filter.grades.clone(), school_types: self.filter.school_types.clone() },
            from: date(&self.from, "开始日期")?,
            to: date(&self.to, "结束日期")?,
        })
    }
}

/// 提交共享申请 — a consumer requests a dataset: 无条件 ones are approved at once when they
/// conform, 有条件 ones wait for the provider (deadline in working days), 不予共享 is refused.
#[utoipa::path(post, path = "/share/requests", tag = TAG, request_body = RequestBody, responses((status = 201, description = "已提交 / Submitted", body = RequestView), crate::apidoc::WriteErrors))]
async fn submit(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<RequestBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    crate::routes::require(me.user.role == store::Role::DataConsumer)?;
    let q = submit_request(&app, &me, &ip(&headers, &peer), b.parse()?).await?;
    Ok((StatusCode::CREATED, Json(request_view(&q, app.clock.now()))).into_response())
}

pub async fn submit_request(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, n: NewRequest) -> Result<store::share::Request, AppError> {
    crate::routes::require(me.user.role == store::Role::DataConsumer)?;
    let (w, now, days) = (who(me), app.clock.now(), app.config.share_answer_days);
    let q = app
        .pool
        .run(move |s| {
            let cal = store::calendar::Calendar::load(s)?;
            s.share_submit(&w, &n, cal.deadline_end_of_working_day(now, days), now).map_err(AppError::from)
        })
        .await?;
    let detail = json!({ "dataset": q.dataset_id, "fields": q.fields.join(","), "region": q.filter.region, "state": q.state.code() });
    audit(app, me, ipaddr, "request_submit", format!("share_request:{}", q.id), detail).await?;
    Ok(q)
}

/// 共享申请 — one request the caller reads.
#[utoipa::path(get, path = "/share/requests/{id}", tag = TAG, params(("id" = i64, Path, description = "申请编号 / Request number")), responses((status = 200, description = "申请 / The request", body = RequestView), crate::apidoc::Errors))]
async fn request(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<RequestView>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let (w, now) = (who(&me), app.clock.now());
    let q = app.pool.run(move |s| s.share_request(&w, id).map_err(AppError::from)).await?.ok_or(AppError::NotFound)?;
    Ok(Json(request_view(&q, now)))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShareApproveInput)]
pub struct ApproveBody {
    /// The fields granted (a subset of the request's; empty: all of them).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Personal fields delivered unmasked (all others keep the catalog's mask).
    #[serde(default)]
    pub unmasked: Vec<String>,
    /// The last day (`YYYY-MM-DD`, UTC+8) the grant is valid; default the request's end.
    #[serde(default)]
    pub expires_on: String,
    /// Calls per minute (1–600; default 60).
    #[serde(default)]
    pub rate_per_minute: Option<u32>,
    /// Also publish the grant's change feed to NATS JetStream (subject
    /// `<nats_prefix>.grant.<id>`, by default `tianfu.share.grant.<id>`); the server publishes
    /// when it has `nats_url` configured.
    #[serde(default)]
    pub nats: bool,
}

impl ApproveBody {
    /// The grant's terms; `prefix` the installation's NATS subject prefix (`nats_prefix`).
    pub fn terms(&self, prefix: &str) -> Result<GrantTerms, AppError> {
        let expires_at = match self.expires_on.trim() {
            "" => None,
            s => Some(store::share::end_of(date(s, "授权到期日")?)),
        };
        Ok(GrantTerms { fields: self.fields.clone(), unmasked: self.unmasked.clone(), expires_at, rate_per_minute: self.rate_per_minute, nats: self.nats.then(|| prefix.to_string()) })
    }
}

/// 批准申请 — the provider side approves a submitted 有条件 request and grants it.
#[utoipa::path(post, path = "/share/requests/{id}/approve", tag = TAG, params(("id" = i64, Path, description = "申请编号 / Request number")), request_body = ApproveBody, responses((status = 200, description = "授权 / The grant", body = GrantView), crate::apidoc::WriteErrors))]
async fn approve(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<ApproveBody>) -> Result<Json<GrantView>, AppError> {
    let me = ready(me)?;
    let g = approve_request(&app, &me, &ip(&headers, &peer), id, b.terms(&app.config.nats_prefix)?).await?;
    Ok(Json(grant_view(&g, app.clock.now())))
}

pub async fn approve_request(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, id: i64, t: GrantTerms) -> Result<store::share::Grant, AppError> {
    reads(me)?;
    let (w, now) = (who(me), app.clock.now());
    let g = app.pool.run(move |s| s.share_approve(&w, id, &t, now).map_err(AppError::from)).await?;
    let fields: Vec<String> = g.fields.iter().map(|f| f.name.clone()).collect();
    audit(app, me, ipaddr, "request_approve", format!("share_request:{id}"), json!({ "grant": g.id, "consumer": g.consumer_id, "fields": fields.join(","), "expires_at": super::when(g.expires_at) })).await?;
    Ok(g)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShareReasonInput)]
pub struct ReasonBody {
    #[serde(default)]
    pub reasons: String,
}

/// 不予批准 — the provider side rejects a submitted request, with its reasons.
#[utoipa::path(post, path = "/share/requests/{id}/reject", tag = TAG, params(("id" = i64, Path, description = "申请编号 / Request number")), request_body = ReasonBody, responses((status = 200, description = "申请 / The request", body = RequestView), crate::apidoc::WriteErrors))]
async fn reject(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<ReasonBody>) -> Result<Json<RequestView>, AppError> {
    let me = ready(me)?;
    let q = reject_request(&app, &me, &ip(&headers, &peer), id, b.reasons).await?;
    Ok(Json(request_view(&q, app.clock.now())))
}

pub async fn reject_request(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, id: i64, reasons: String) -> Result<store::share::Request, AppError> {
    reads(me)?;
    let (w, now) = (who(me), app.clock.now());
    let q = app.pool.run(move |s| s.share_reject(&w, id, &reasons, now).map_err(AppError::from)).await?;
    audit(app, me, ipaddr, "request_reject", format!("share_request:{id}"), json!({ "consumer": q.consumer_id, "reason": q.reasons })).await?;
    Ok(q)
}

/// 撤回申请 — a consumer withdraws its submitted request.
#[utoipa::path(post, path = "/share/requests/{id}/withdraw", tag = TAG, params(("id" = i64, Path, description = "申请编号 / Request number")), responses((status = 200, description = "申请 / The request", body = RequestView), crate::apidoc::WriteErrors))]
async fn withdraw(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Json<RequestView>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let (w, now) = (who(&me), app.clock.now());
    let q = app.pool.run(move |s| s.share_withdraw(&w, id, now).map_err(AppError::from)).await?;
    audit(&app, &me, &ip(&headers, &peer), "request_withdraw", format!("share_request:{id}"), json!({ "consumer": q.consumer_id })).await?;
    Ok(Json(request_view(&q, now)))
}

/// 授权 — the grants the caller reads, newest first.
#[utoipa::path(get, path = "/share/grants", tag = TAG, responses((status = 200, description = "授权 / Grants", body = Grants), crate::apidoc::Errors))]
async fn grants(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Grants>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let (w, now) = (who(&me), app.clock.now());
    let list = app.pool.run(move |s| s.share_grants(&w).map_err(AppError::from)).await?;
    Ok(Json(Grants { items: list.iter().map(|g| grant_view(g, now)).collect() }))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ShareRevokeInput)]
pub struct RevokeBody {
    #[serde(default)]
    pub reason: String,
}

/// 撤销授权 — the provider side (or the province administrator) revokes a grant at once.
#[utoipa::path(post, path = "/share/grants/{id}/revoke", tag = TAG, params(("id" = i64, Path, description = "授权编号 / Grant number")), request_body = RevokeBody, responses((status = 200, description = "授权 / The grant", body = GrantView), crate::apidoc::WriteErrors))]
async fn revoke(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<RevokeBody>) -> Result<Json<GrantView>, AppError> {
    let me = ready(me)?;
    let g = revoke_grant(&app, &me, &ip(&headers, &peer), id, b.reason).await?;
    Ok(Json(grant_view(&g, app.clock.now())))
}

pub async fn revoke_grant(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, id: i64, why: String) -> Result<store::share::Grant, AppError> {
    reads(me)?;
    let (w, now) = (who(me), app.clock.now());
    let g = app.pool.run(move |s| s.share_revoke(&w, id, &why, now).map_err(AppError::from)).await?;
    audit(app, me, ipaddr, "grant_revoke", format!("share_grant:{id}"), json!({ "consumer": g.consumer_id, "reason": g.revoked_why })).await?;
    Ok(g)
}

/// 使用统计 — calls and rows per grant and day, of the grants the caller reads.
#[utoipa::path(get, path = "/share/usage", tag = TAG, responses((status = 200, description = "使用统计 / Usage", body = UsageList), crate::apidoc::Errors))]
async fn usage(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<UsageList>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let w = who(&me);
    let list = app.pool.run(move |s| s.share_usage(&w).map_err(AppError::from)).await?;
    Ok(Json(UsageList { items: list.iter().map(UsageView::from).collect() }))
}
