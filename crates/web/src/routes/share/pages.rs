//! The exchange's console page `/share` (Chinese first): the review queue with due dates
//! (overdue marked; the province administrator sees every overdue request: the escalation), the
//! grants with their revoke form, usage per consumer and grant, and for the province
//! administrator the consumers with the forms to register one and link an account. Data
//! consumers have no console (`Role::uses_console`): they request and pull through the API.
//! Every form posts to a handler that calls the same function as the API and comes back here.

use super::api::{approve_request, link_account, reject_request, revoke_grant, write_consumer, ApproveBody, ConsumerBody};
use super::{grant_view, reads, request_view, who, ConsumerView, GrantView, RequestView, UsageView};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use store::share::Department;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/share", get(page))
        .route("/share/consumers", post(register))
        .route("/share/consumers/{id}/accounts", post(link))
        .route("/share/requests/{id}/approve", post(approve))
        .route("/share/requests/{id}/reject", post(reject))
        .route("/share/grants/{id}/revoke", post(revoke))
}

#[derive(Template)]
#[template(path = "share.html")]
struct Page {
    c: Ctx,
    admin: bool,
    consumers: Vec<ConsumerView>,
    queue: Vec<RequestView>,
    decided: Vec<RequestView>,
    grants: Vec<GrantView>,
    usage: Vec<UsageView>,
    /// What the last action did (`?done=`), or the refusal of a form (shown at the top).
    note: String,
    error: String,
}

impl Page {
    fn departments(&self) -> Vec<(&'static str, &'static str)> {
        Department::ALL.iter().map(|d| (d.code(), d.zh())).collect()
    }
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &crate::auth::Identity, note: String, error: String) -> Result<Response, AppError> {
    reads(me)?;
    let c = Ctx::new(app, headers, Some(me), "/share", "share");
    let (w, now, admin) = (who(me), app.clock.now(), me.user.role.manages_users());
    let (consumers, requests, grants, usage) = app
        .pool
        .run(move |s| Ok((s.share_consumers(&w)?, s.share_requests(&w)?, s.share_grants(&w)?, s.share_usage(&w)?)))
        .await?;
    let (queue, decided): (Vec<_>, Vec<_>) = requests.iter().map(|q| request_view(q, now)).partition(|q| q.state == "submitted");
    html(Page {
        c,
        admin,
        consumers: consumers.iter().map(ConsumerView::from).collect(),
        queue,
        decided,
        grants: grants.iter().map(|g| grant_view(g, now)).collect(),
        usage: usage.iter().map(UsageView::from).collect(),
        note,
        error,
    })
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(d): Query<Done>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let note = match d.done.as_str() {
        "registered" => "已登记使用方。",
        "linked" => "已关联账号。",
        "approved" => "已批准，授权已生效。",
        "rejected" => "已不予批准，理由已记录。",
        "revoked" => "已撤销授权，使用方即刻不能再取数。",
        _ => "",
    };
    render(&app, &headers, &me, note.into(), String::new()).await
}

/// The page again with a refusal on top, or back to it with what was done.
async fn after<T>(app: &Arc<AppState>, headers: &HeaderMap, me: &crate::auth::Identity, r: Result<T, AppError>, done: &str) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/share?done={done}")).into_response()),
        Err(e @ (AppError::Conflict { .. } | AppError::Invalid { .. })) => {
            let (zh, en) = e.message();
            let c = Ctx::new(app, headers, Some(me), "/share", "share");
            render(app, headers, me, String::new(), c.t.s(&zh, &en).to_string()).await
        }
        Err(e) => Err(e),
    }
}

async fn register(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(b): Form<ConsumerBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let r = match b.parse() {
        Ok(n) => write_consumer(&app, &me, &ip(&headers, &peer), n).await,
        Err(e) => Err(e),
    };
    after(&app, &headers, &me, r, "registered").await
}

#[derive(Deserialize, Default)]
pub struct LinkForm {
    #[serde(default)]
    account: String,
}

async fn link(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<LinkForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let r = link_account(&app, &me, &ip(&headers, &peer), id, f.account).await;
    after(&app, &headers, &me, r, "linked").await
}

#[derive(Deserialize, Default)]
pub struct ApproveForm {
    /// Granted fields, comma apart (empty: all requested).
    #[serde(default)]
    fields: String,
    #[serde(default)]
    unmasked: String,
    #[serde(default)]
    expires_on: String,
    #[serde(default)]
    rate_per_minute: String,
    /// The checkbox "publish to NATS" (`on` when ticked).
    #[serde(default)]
    nats: String,
}

fn words(s: &str) -> Vec<String> {
    s.split([',', '，', ' ', '、']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

async fn approve(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<ApproveForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let rate = match f.rate_per_minute.trim() {
        "" => Ok(None),
        x => x.parse::<u32>().map(Some).map_err(|_| AppError::invalid("每分钟调用次数应为整数。", "Calls per minute must be a whole number.")),
    };
    let r = match rate.and_then(|rate| ApproveBody { fields: words(&f.fields), unmasked: words(&f.unmasked), expires_on: f.expires_on, rate_per_minute: rate, nats: !f.nats.is_empty() }.terms(&app.config.nats_prefix)) {
        Ok(t) => approve_request(&app, &me, &ip(&headers, &peer), id, t).await,
        Err(e) => Err(e),
    };
    after(&app, &headers, &me, r, "approved").await
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reasons: String,
}

async fn reject(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<ReasonForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let r = reject_request(&app, &me, &ip(&headers, &peer), id, f.reasons).await;
    after(&app, &headers, &me, r, "rejected").await
}

async fn revoke(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<ReasonForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let r = revoke_grant(&app, &me, &ip(&headers, &peer), id, f.reasons).await;
    after(&app, &headers, &me, r, "revoked").await
}
