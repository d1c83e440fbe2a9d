//! 告警推送: the group robots (DingTalk, WeCom, Feishu, a generic JSON webhook) the monitor's
//! alerts go to, managed in the console by the province's security officer or administrator,
//! with a 测试 button that sends a test message through `guard::notify` (the same signing and
//! the same address policy as the alerts: a robot on an internal address is refused unless
//! the configuration allows its network). The secret is never shown back; the URL only by host.

use super::{ip, ready, require, Me, Peer};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use guard::notify::{Channel, Event, Notifier};
use guard::webhook::{Sender, WebhookKind, WebhookTarget};
use serde::Deserialize;
use std::sync::Arc;
use store::monitor::StoredWebhook;
use store::Role;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/webhooks", get(page).post(create)).route("/webhooks/{id}/{action}", post(act))
}

/// The province's security officer and administrator (the store refuses any narrower scope).
pub fn may_manage(me: &Identity) -> bool {
    matches!(me.user.role, Role::ProvinceAdmin | Role::SecurityOfficer) && store::monitor::may_manage_webhooks(&me.scope)
}

pub struct Row {
    pub w: StoredWebhook,
    pub kind: &'static str,
    /// The URL's host: the rest may carry an access token.
    pub host: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct Page {
    c: Ctx,
    rows: Vec<Row>,
    kinds: Vec<(&'static str, &'static str)>,
    f: NewForm,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub secret: String,
}

#[derive(Deserialize, Default)]
pub struct Said {
    /// After a test: `ok:<status>` or `err`.
    #[serde(default)]
    tested: String,
}

fn host(url: &str) -> String {
    url.split("://").nth(1).and_then(|r| r.split(['/', '?']).next()).unwrap_or("").to_string()
}

fn say(headers: &HeaderMap, app: &AppState, zh: &str, en: &str) -> String {
    if crate::auth::lang(headers, app) == crate::i18n::Lang::En { en.to_string() } else { zh.to_string() }
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: NewForm, error: Option<String>, notice: Option<String>) -> Result<Response, AppError> {
    let scope = me.scope.clone();
    let list = app.pool.run(move |s| Ok(s.webhooks(&scope)?)).await?;
    let c = Ctx::new(app, headers, Some(me), "/webhooks", "webhooks");
    let rows = list.into_iter().map(|w| Row { kind: WebhookKind::parse(&w.kind).map_or("?", |k| c.t.s(k.zh(), k.code())), host: host(&w.url), w }).collect();
    let kinds = WebhookKind::ALL.iter().map(|k| (k.code(), c.t.s(k.zh(), k.code()))).collect();
    let bad = error.is_some();
    let mut r = html(Page { c, rows, kinds, f, error, notice })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(q): Query<Said>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_manage(&me))?;
    let notice = match q.tested.split_once(':') {
        Some(("ok", code)) if code.parse::<u16>().is_ok() => Some(format!("{}{code}", say(&headers, &app, "测试消息已发送，对方返回 HTTP ", "The test message was sent; the receiver answered HTTP "))),
        _ => None,
    };
    render(&app, &headers, &me, NewForm::default(), None, notice).await
}

async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<NewForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_manage(&me))?;
    let name = f.name.trim().to_string();
    let url = f.url.trim().to_string();
    let Some(kind) = WebhookKind::parse(f.kind.trim()) else {
        return render(&app, &headers, &me, f, Some(say(&headers, &app, "请选择推送平台。", "Choose the platform.")), None).await;
    };
    if name.is_empty() || name.chars().count() > 100 {
        return render(&app, &headers, &me, f, Some(say(&headers, &app, "请填写名称（100 字以内）。", "Enter a name (100 characters at most).")), None).await;
    }
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() > 2000 || host(&url).is_empty() || url.contains(char::is_whitespace) {
        return render(&app, &headers, &me, f, Some(say(&headers, &app, "网址应以 https:// 或 http:// 开头。", "The URL must begin with https:// or http://.")), None).await;
    }
    let secret = Some(f.secret.trim().to_string()).filter(|s| !s.is_empty());
    let w = StoredWebhook { id: 0, name, kind: kind.code().into(), url, secret, enabled: true, created_by: me.user.name.clone(), created_at: app.clock.now() };
    let scope = me.scope.clone();
    let (kind_code, h) = (w.kind.clone(), host(&w.url));
    let id = app.pool.run(move |s| Ok(s.add_webhook(&scope, &w)?)).await?;
    app.audit_by(&me, "webhook_add", &format!("webhook:{id}"), serde_json::json!({ "kind": kind_code, "host": h }).to_string(), &ip(&headers, &peer)).await?;
    Ok(Redirect::to("/webhooks").into_response())
}

async fn act(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_manage(&me))?;
    let scope = me.scope.clone();
    let addr = ip(&headers, &peer);
    let target = format!("webhook:{id}");
    match action.as_str() {
        "enable" | "disable" => {
            let on = action == "enable";
            if !app.pool.run(move |s| Ok(s.set_webhook_enabled(&scope, id, on)?)).await? {
                return Err(AppError::NotFound);
            }
            app.audit_by(&me, &format!("webhook_{action}"), &target, "{}".into(), &addr).await?;
            Ok(Redirect::to("/webhooks").into_response())
        }
        "delete" => {
            if !app.pool.run(move |s| Ok(s.delete_webhook(&scope, id)?)).await? {
                return Err(AppError::NotFound);
            }
            app.audit_by(&me, "webhook_delete", &target, "{}".into(), &addr).await?;
            Ok(Redirect::to("/webhooks").into_response())
        }
        "test" => {
            let w = app.pool.run(move |s| Ok(s.webhooks(&scope)?)).await?.into_iter().find(|w| w.id == id).ok_or(AppError::NotFound)?;
            let t = WebhookTarget::of_stored(&w).ok_or(AppError::NotFound)?;
            let r = send_test(&app, &me, t).await;
            let outcome = if r.is_ok() { "ok" } else { "failed" };
            app.audit(&me.user.name, "webhook_test", &target, serde_json::json!({ "host": host(&w.url) }).to_string(), &addr, outcome).await?;
            match r {
                Ok(code) => Ok(Redirect::to(&format!("/webhooks?tested=ok:{code}")).into_response()),
                Err(e) => {
                    let msg = format!("{}{e}", say(&headers, &app, "测试消息发送失败：", "The test message failed: "));
                    render(&app, &headers, &me, NewForm::default(), Some(msg), None).await
                }
            }
        }
        _ => Err(AppError::NotFound),
    }
}

/// Sends the test message through `guard::notify` with the monitor's address policy; the
/// receiver's HTTP status, or why it was not sent (host named, never the URL).
async fn send_test(app: &Arc<AppState>, me: &Identity, t: WebhookTarget) -> Result<u16, String> {
    let sender = Sender::new(app.targets.resolver(), &[]).map_err(|e| e.to_string())?;
    let policy = app.targets.policy().clone();
    let notifier = Notifier::new(Arc::new(sender), policy, vec![Channel { topics: Vec::new(), target: t }], app.clock.clone());
    let mut lines = vec!["这是一条测试消息：收到即说明推送配置正确。".to_string(), format!("发送人：{}", me.user.name)];
    if let Some(u) = app.config.public_url.as_deref() {
        lines.push(format!("告警处置：{}/alerts", u.trim_end_matches('/')));
    }
    let e = Event { topic: "webhook_test".into(), title: "【测试】天府平台告警推送".into(), lines, at: app.clock.now() };
    let d = notifier.notify(&e).await.into_iter().next().ok_or_else(|| "no channel".to_string())?;
    match d.result {
        Ok(code) if (200..300).contains(&code) => Ok(code),
        Ok(code) => Err(format!("{}: HTTP {code}", d.host)),
        Err(e) => Err(format!("{}: {e}", d.host)),
    }
}
