//! One alert: its facts, its notes and its handling — 确认, 指派, 批注, 关闭（须填写处置说明）.
//! The rules (roles, area, states) and the audit are `store::monitor::handling`'s; an alert
//! outside the caller's area is 404 like a missing one.

use super::{status_class, AlertRow};
use crate::auth::Identity;
use crate::error::AppError;
use crate::labels::{alert_kind_label, severity_class, severity_label};
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::sync::Arc;
use store::flow::Actor;
use store::monitor::handling::{self, HANDLERS};
use store::monitor::AlertNote;

#[derive(Template)]
#[template(path = "alert.html")]
struct AlertPage {
    c: Ctx,
    r: AlertRow,
    notes: Vec<AlertNote>,
    /// Accounts it may be assigned to (login name, display name).
    candidates: Vec<(String, String)>,
    may_ack: bool,
    may_assign: bool,
    may_note: bool,
    may_close: bool,
    error: Option<String>,
    done: String,
}

impl AlertPage {
    fn kind(&self) -> String {
        alert_kind_label(&self.c.t, &self.r.a.kind)
    }
    fn sev(&self) -> String {
        severity_label(&self.c.t, &self.r.a.severity)
    }
    fn sev_class(&self) -> &'static str {
        severity_class(&self.r.a.severity)
    }
    fn status(&self) -> &'static str {
        self.c.t.s(self.r.a.status.zh(), self.r.a.status.en())
    }
    fn status_class(&self) -> &'static str {
        status_class(self.r.a.status)
    }
}

fn actor(me: &Identity, ipaddr: &str) -> Actor {
    Actor::new(&me.user.name, me.user.role, me.scope.clone(), ipaddr)
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, error: Option<String>, done: &str) -> Result<Response, AppError> {
    let who = actor(me, "");
    let (r, notes, candidates, may) = app
        .pool
        .run(move |s| {
            let a = s.alert_in(&who.scope, id)?.ok_or(AppError::NotFound)?;
            let notes = s.alert_notes(id)?;
            let mut may = [false; 4];
            for (i, step) in ["ack", "assign", "note", "close"].into_iter().enumerate() {
                may[i] = handling::may(s, &who, &a, step)?;
            }
            let mut candidates = Vec::new();
            if may[1] {
                for u in s.list_users()? {
                    if HANDLERS.contains(&u.role) && !u.disabled && handling::may_take(s, &u.name, a.site_id)? {
                        candidates.push((u.name, u.display_name));
                    }
                }
            }
            let r = super::with_names(s, vec![a])?.remove(0);
            Ok((r, notes, candidates, may))
        })
        .await?;
    let bad = error.is_some();
    let c = Ctx::new(app, headers, Some(me), &format!("/alerts/{id}"), "alerts");
    let mut resp = html(AlertPage { c, r, notes, candidates, may_ack: may[0], may_assign: may[1], may_note: may[2], may_close: may[3], error, done: done.to_string() })?;
    if bad {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, axum::extract::Query(d): axum::extract::Query<Done>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let done = if ["ack", "assign", "note", "close"].contains(&d.done.as_str()) { d.done } else { String::new() };
    render(&app, &headers, &me, id, None, &done).await
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    /// 指派: the account's login name (empty: nobody).
    #[serde(default)]
    assignee: String,
    /// 批注 or 处置说明.
    #[serde(default)]
    text: String,
}

/// Takes a step on an alert (the page's forms and the API): the store's flow checks, does and
/// audits it; None from the store (not in the caller's area, or missing) is 404.
pub async fn take(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, action: &str, assignee: String, text: String) -> Result<store::Alert, AppError> {
    if !["ack", "assign", "note", "close"].contains(&action) {
        return Err(AppError::NotFound);
    }
    // Roles that read but do not handle alerts are refused before the store is asked (the store
    // refuses them too, and audits it, for any other caller).
    require(HANDLERS.contains(&me.user.role))?;
    let who = actor(me, ipaddr);
    let clock = app.clock.clone();
    let step = action.to_string();
    app.pool
        .run(move |s| {
            let c = clock.as_ref();
            let done = match step.as_str() {
                "ack" => handling::acknowledge(s, &who, id, c)?,
                "assign" => handling::assign(s, &who, id, Some(assignee.as_str()), c)?,
                "note" => handling::annotate(s, &who, id, &text, c)?,
                _ => handling::close(s, &who, id, &text, c)?,
            };
            done.ok_or(AppError::NotFound)
        })
        .await
}

pub async fn act(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>, Form(f): Form<StepForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    match take(&app, &me, &ip(&headers, &peer), id, &action, f.assignee, f.text).await {
        Ok(_) => Ok(Redirect::to(&format!("/alerts/{id}?done={action}")).into_response()),
        Err(e @ AppError::Conflict { .. }) => {
            let (zh, en) = e.message();
            let msg = if crate::auth::lang(&headers, &app) == crate::i18n::Lang::En { en } else { zh };
            render(&app, &headers, &me, id, Some(msg), "").await
        }
        Err(e) => Err(e),
    }
}
