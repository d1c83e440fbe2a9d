//! 用户与令牌 (province administrators): accounts at nodes of the organisation tree, disabling,
//! password resets, unlocking, and API tokens for other departments' programs (data-consumer
//! accounts only, each expiring). Every write names the writer's area and is checked inside the
//! store (`store::accounts`); every change is audited; one-time passwords and tokens are shown
//! once and stored only hashed.

use super::{ip, ready, require, Me, Peer};
use crate::auth::{hash_password, one_time_password, random_token, sha256_hex, Identity};
use crate::error::AppError;
use crate::form::Problems;
use super::user_form::{check_new_user, NewUserForm, ROLES_BY_POWER};
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use store::{ApiToken, NewApiToken, NewUser, Role, User};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/users", get(page).post(create))
        .route("/users/{id}/{action}", post(act))
        .route("/tokens", post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Ctx,
    /// Each account, its node's name, and whether its sign-in backoff is running.
    users: Vec<(User, String, bool)>,
    /// Each token, its holder, and whether it is expired.
    tokens: Vec<(ApiToken, String, bool)>,
    roles: Vec<Role>,
    token_days: u64,
    notice: Option<String>,
    secret: Option<String>,
    error: Option<String>,
    /// The new-account form as entered, and its problems (all at once, issue 12).
    f: NewUserForm,
    problems: Problems,
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, notice: Option<String>, secret: Option<String>, error: Option<String>) -> Result<Response, AppError> {
    render_form(app, headers, me, (notice, secret, error), NewUserForm::default(), Problems::default()).await
}

async fn render_form(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, (notice, secret, error): (Option<String>, Option<String>, Option<String>), f: NewUserForm, problems: Problems) -> Result<Response, AppError> {
    let bad = error.is_some() || !problems.is_empty();
    let now = app.clock.now();
    let (users, tokens) = app
        .pool
        .run(move |s| {
            let users = s.list_users()?;
            let tokens = s.list_tokens()?;
            let mut named = Vec::new();
            for u in users {
                let org = s.org_unit(u.org_code)?.map(|o| o.name).unwrap_or_else(|| u.org_code.to_string());
                let delayed = u.locked_until.is_some_and(|t| t > now);
                named.push((u, org, delayed));
            }
            let tokens = tokens
                .into_iter()
                .map(|t| {
                    let who = named.iter().find(|(u, _, _)| u.id == t.user_id).map(|(u, _, _)| u.name.clone()).unwrap_or_default();
                    let expired = t.expires_at <= now;
                    (t, who, expired)
                })
                .collect();
            Ok((named, tokens))
        })
        .await?;
    let mut r = html(UsersPage { c: Ctx::new(app, headers, Some(me), "/users", "users"), users, tokens, roles: ROLES_BY_POWER.to_vec(), token_days: app.config.token_days, notice, secret, error, f, problems })?;
    if bad {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_users())?;
    render(&app, &headers, &me, None, None, None).await
}

fn lang_msg(c: &crate::i18n::T, e: &AppError) -> String {
    let (zh, en) = e.message();
    if c.is_en() {
        en
    } else {
        zh
    }
}

async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<NewUserForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_users())?;
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    let (name, role, org) = match check_new_user(&app, &me, &t, &f).await? {
        Ok(v) => v,
        Err(p) => return render_form(&app, &headers, &me, (None, None, None), f, p).await,
    };
    // A data consumer has no console and no password anyone knows: it signs in with API tokens.
    let console = role.uses_console();
    let password = one_time_password();
    let hash = hash_password(&if console { password.clone() } else { random_token() });
    let display = if f.display_name.trim().is_empty() { name.clone() } else { f.display_name.trim().to_string() };
    let (n2, writer) = (name.clone(), me.scope.clone());
    let new = NewUser { name: n2, display_name: display, role, org_code: org, password_hash: hash, must_change_password: console };
    let created = app.pool.run(move |s| s.create_user(&writer, &new).map_err(AppError::from)).await;
    match created {
        Ok(_) => {
            app.audit_by(&me, "user_create", &name, serde_json::json!({"role": role.code(), "org": org}).to_string(), &ip(&headers, &peer)).await?;
            if !console {
                let notice = format!("{}{name}{}", t.s("已创建数据使用方账号 ", "Created the data-consumer account "), t.s("。它不能登录控制台，请在下方为其创建 API 令牌。", ". It cannot sign in to the console: create an API token for it below."));
                return render(&app, &headers, &me, Some(notice), None, None).await;
            }
            let notice = format!("{}{name}{}", t.s("已创建账号 ", "Created "), t.s("。请将下面的一次性密码当面或经保密渠道交给本人，首次登录须修改：", ". Hand over this one-time password in person or by a confidential channel; it must be changed at first sign-in:"));
            render(&app, &headers, &me, Some(notice), Some(password), None).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            // The account name taken: known only on writing.
            let mut p = Problems::new(&t);
            let (zh, en) = e.message();
            p.add("name", zh, en);
            render_form(&app, &headers, &me, (None, None, None), f, p).await
        }
        Err(e) => Err(e),
    }
}

async fn act(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_users())?;
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    if id == me.user.id && action == "disable" {
        let e = AppError::invalid("不能停用自己的账号。", "You cannot disable your own account.");
        return render(&app, &headers, &me, None, None, Some(lang_msg(&t, &e))).await;
    }
    let password = one_time_password();
    let hash = hash_password(&password);
    let (a2, writer) = (action.clone(), me.scope.clone());
    let user = app
        .pool
        .run(move |s| {
            let mut u = s.user_by_id(id)?.ok_or(AppError::NotFound)?;
            if a2 == "reset" && !u.role.uses_console() {
                return Err(AppError::invalid("数据使用方账号不使用密码（不能登录控制台），无需重置；请为其创建或吊销 API 令牌。", "A data-consumer account has no password to reset (it cannot sign in to the console): create or revoke its API tokens instead."));
            }
            match a2.as_str() {
                "disable" => u.disabled = true,
                "enable" => u.disabled = false,
                "unlock" => {
                    u.locked_until = None;
                    u.failed_logins = 0;
                }
                "reset" => {
                    u.password_hash = hash;
                    u.must_change_password = true;
                    u.locked_until = None;
                    u.failed_logins = 0;
                }
                _ => return Err(AppError::NotFound),
            }
            s.update_user(&writer, &u)?;
            if matches!(a2.as_str(), "disable" | "reset") {
                s.delete_user_sessions(u.id)?;
            }
            Ok(u)
        })
        .await;
    let user = match user {
        Ok(u) => u,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => return render(&app, &headers, &me, None, None, Some(lang_msg(&t, &e))).await,
        Err(e) => return Err(e),
    };
    app.sessions.forget_user(id);
    let audit_action = match action.as_str() {
        "disable" => "user_disable",
        "enable" => "user_enable",
        "unlock" => "user_update",
        _ => "password_reset",
    };
    app.audit_by(&me, audit_action, &user.name, serde_json::json!({"action": action}).to_string(), &ip(&headers, &peer)).await?;
    let (notice, secret) = match action.as_str() {
        "reset" => (format!("{}{}{}", t.s("已重置 ", "Reset "), user.name, t.s(" 的密码。一次性密码：", "'s password. One-time password:")), Some(password)),
        "disable" => (format!("{}{}", t.s("已停用 ", "Disabled "), user.name), None),
        "enable" => (format!("{}{}", t.s("已启用 ", "Enabled "), user.name), None),
        _ => (format!("{}{}", t.s("已解锁 ", "Unlocked "), user.name), None),
    };
    render(&app, &headers, &me, Some(notice), secret, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    user_id: i64,
    /// Days until it expires: 1..=`token_days` (empty: `token_days`).
    #[serde(default)]
    days: String,
}

async fn create_token(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<TokenForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_users())?;
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    if f.name.trim().is_empty() {
        let e = AppError::invalid("请填写令牌用途（如“省统计局数据共享”）。", "Say what the token is for (e.g. \"statistics bureau data sharing\").");
        return render(&app, &headers, &me, None, None, Some(lang_msg(&t, &e))).await;
    }
    let max = app.config.token_days;
    let days = if f.days.trim().is_empty() { Some(max) } else { f.days.trim().parse::<u64>().ok().filter(|d| (1..=max).contains(d)) };
    let Some(days) = days else {
        let e = AppError::invalid(format!("有效期应为 1 到 {max} 天。"), format!("A token is valid for 1 to {max} days."));
        return render(&app, &headers, &me, None, None, Some(lang_msg(&t, &e))).await;
    };
    let token = format!("tf_{}", random_token());
    let expires_at = app.clock.now() + days as i64 * 86_400;
    let nt = NewApiToken { name: f.name.trim().to_string(), user_id: f.user_id, token_hash: sha256_hex(&token), prefix: token[..10].to_string(), created_by: me.user.name.clone(), expires_at };
    let writer = me.scope.clone();
    let created = match app.pool.run(move |s| s.create_token(&writer, &nt).map_err(AppError::from)).await {
        Ok(c) => c,
        Err(e @ AppError::Conflict { .. }) => return render(&app, &headers, &me, None, None, Some(lang_msg(&t, &e))).await,
        Err(e) => return Err(e),
    };
    let detail = serde_json::json!({"name": created.name, "user_id": created.user_id, "expires_at": store::time::rfc3339(created.expires_at)});
    app.audit_by(&me, "token_create", &created.prefix, detail.to_string(), &ip(&headers, &peer)).await?;
    let notice = format!(
        "{}{}{}",
        t.s("已创建 API 令牌，有效期至 ", "API token created, valid until "),
        t.time(created.expires_at),
        t.s("。它只显示这一次，请立即复制并妥善保管：", ". It is shown only this once: copy it now and keep it safe:")
    );
    render(&app, &headers, &me, Some(notice), Some(token), None).await
}

async fn revoke_token(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_users())?;
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    let writer = me.scope.clone();
    let now = app.clock.now();
    let done = app.pool.run(move |s| s.revoke_token(&writer, id, now).map_err(AppError::from)).await?;
    if !done {
        return Err(AppError::NotFound);
    }
    app.sessions.forget_tokens();
    app.audit_by(&me, "token_revoke", &id.to_string(), "{}".into(), &ip(&headers, &peer)).await?;
    render(&app, &headers, &me, Some(t.s("已吊销令牌。", "Token revoked.").to_string()), None, None).await
}
