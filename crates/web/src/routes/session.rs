//! Signing in and out, the password change, the language switch.

use super::{ip, signed_in, Me, Peer};
use crate::auth::{self, check_policy, hash_password, random_token, sha256_hex, verify_password, Identity, LOCK_SECONDS, MAX_FAILURES, SESSION_COOKIE};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use store::time::unix_now;
use store::{SessionRecord, User};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/password", get(password_page).post(password))
        .route("/lang/{lang}", get(set_lang))
}

async fn home(me: Me) -> Response {
    match me.map(|m| m.0) {
        None => Redirect::to("/login").into_response(),
        Some(m) if m.user.role.reads_overview() => Redirect::to("/overview").into_response(),
        Some(m) if m.user.role.reads_audit() => Redirect::to("/audit").into_response(),
        Some(_) => Redirect::to("/password").into_response(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Ctx,
    error: Option<String>,
    next: String,
    name: String,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_page(State(app): State<Arc<AppState>>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    html(LoginPage { c: Ctx::new(&app, &headers, None, "/login", ""), error: None, next: q.next, name: String::new() })
}

#[derive(Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Only paths on this site are followed after sign-in (no open redirect).
fn local(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

enum Outcome {
    Ok(User, String),
    Fail { zh: String, en: String },
}

async fn login(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, Form(f): Form<LoginForm>) -> Result<Response, AppError> {
    let ip = ip(&headers, &peer);
    let lang = auth::lang(&headers, &app);
    let c = Ctx::new(&app, &headers, None, "/login", "");
    let page = |error: String, f: &LoginForm| LoginPage { c: c.clone(), error: Some(error), next: f.next.clone(), name: f.name.clone() };
    if !app.sessions.allow_attempt(&ip) {
        let msg = c.t.s("登录尝试过于频繁，请一分钟后再试。", "Too many sign-in attempts; try again in a minute.").to_string();
        let mut r = html(page(msg, &f))?;
        *r.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(r);
    }
    let (name, password, ip2) = (f.name.trim().to_string(), f.password.clone(), ip.clone());
    let outcome = app
        .pool
        .run(move |s| {
            let now = unix_now();
            let generic = || Outcome::Fail { zh: "用户名或密码错误。请检查后重试（连续 5 次错误将锁定 15 分钟）。".into(), en: "Wrong account name or password. Check and try again (5 failures in a row lock the account for 15 minutes).".into() };
            let audit = |s: &mut dyn store::Backend, action: &str, detail: &str, outcome: &str| {
                s.append_audit(&store::AuditEvent { actor: name.clone(), action: action.into(), target: name.clone(), detail: detail.into(), ip: ip2.clone(), outcome: outcome.into() }).map(|_| ())
            };
            let Some(mut u) = s.user_by_name(&name)? else {
                // Same work as a real check, so that timing does not tell which names exist.
                auth::dummy_verify(&password);
                audit(s, "login_failed", "{\"reason\":\"unknown_account\"}", "failed")?;
                return Ok(generic());
            };
            if u.disabled {
                audit(s, "login_failed", "{\"reason\":\"disabled\"}", "failed")?;
                return Ok(Outcome::Fail { zh: "该账号已停用。如需恢复，请联系省级管理员。".into(), en: "This account is disabled. Ask the province administrator to enable it.".into() });
            }
            if let Some(until) = u.locked_until.filter(|&t| t > now) {
                audit(s, "login_failed", "{\"reason\":\"locked\"}", "failed")?;
                let mins = (until - now + 59) / 60;
                return Ok(Outcome::Fail { zh: format!("密码连续错误次数过多，账号已锁定，请 {mins} 分钟后再试，或联系管理员解锁。"), en: format!("Too many wrong passwords: the account is locked. Try again in {mins} minutes, or ask an administrator.") });
            }
            if !verify_password(&u.password_hash, &password) {
                u.failed_logins += 1;
                let locked = u.failed_logins >= MAX_FAILURES;
                if locked {
                    u.locked_until = Some(now + LOCK_SECONDS);
                    u.failed_logins = 0;
                }
                s.update_user(&u)?;
                audit(s, "login_failed", if locked { "{\"reason\":\"wrong_password\",\"locked\":true}" } else { "{\"reason\":\"wrong_password\"}" }, "failed")?;
                if locked {
                    return Ok(Outcome::Fail { zh: "密码连续错误 5 次，账号已锁定 15 分钟。".into(), en: "Five wrong passwords in a row: the account is locked for 15 minutes.".into() });
                }
                return Ok(generic());
            }
            if !u.role.uses_console() {
                audit(s, "login_failed", "{\"reason\":\"api_only\"}", "failed")?;
                return Ok(Outcome::Fail { zh: "数据使用方账号只能通过 API 令牌访问，不能登录控制台。".into(), en: "Data consumer accounts use API tokens only; they cannot sign in to the console.".into() });
            }
            u.failed_logins = 0;
            u.locked_until = None;
            u.last_login_at = Some(now);
            s.update_user(&u)?;
            let token = random_token();
            s.create_session(&SessionRecord { token_hash: sha256_hex(&token), user_id: u.id, csrf: random_token(), created_at: now, last_seen: now, ip: ip2.clone() })?;
            audit(s, "login", "{}", "ok")?;
            Ok(Outcome::Ok(u, token))
        })
        .await?;
    match outcome {
        Outcome::Fail { zh, en } => {
            let mut r = html(page(if lang == crate::i18n::Lang::Zh { zh } else { en }, &f))?;
            *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            Ok(r)
        }
        Outcome::Ok(u, token) => {
            let to = if u.must_change_password { "/password".to_string() } else { local(&f.next).to_string() };
            let mut r = Redirect::to(&to).into_response();
            r.headers_mut().insert(header::SET_COOKIE, session_cookie(&app, &token).parse().expect("cookie"));
            Ok(r)
        }
    }
}

fn session_cookie(app: &AppState, token: &str) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}", if app.config.secure_cookies() { "; Secure" } else { "" })
}

async fn logout(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me) -> Result<Response, AppError> {
    if let Some(me) = me.map(|m| m.0) {
        if let Some(h) = me.session.clone() {
            app.sessions.forget_session(&h);
            app.pool.run(move |s| s.delete_session(&h).map_err(AppError::from)).await?;
        }
        app.audit_by(&me, "logout", &me.user.name, "{}".into(), &ip(&headers, &peer)).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0").parse().expect("cookie"));
    Ok(r)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Ctx,
    forced: bool,
    error: Option<String>,
}

async fn password_page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = signed_in(me)?;
    html(PasswordPage { forced: me.user.must_change_password, c: Ctx::new(&app, &headers, Some(&me), "/password", ""), error: None })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn password(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<PasswordForm>) -> Result<Response, AppError> {
    let me: Identity = signed_in(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/password", "");
    let fail = |e: AppError| {
        let (zh, en) = e.message();
        let mut r = html(PasswordPage { forced: me.user.must_change_password, c: c.clone(), error: Some(if c.t.is_en() { en } else { zh }) })?;
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        Ok::<Response, AppError>(r)
    };
    if f.new != f.repeat {
        return fail(AppError::invalid("两次输入的新密码不一致，请重新输入。", "The two new passwords differ; type them again."));
    }
    if let Err(e) = check_policy(&f.new, &me.user.name) {
        return fail(e);
    }
    if f.new == f.current {
        return fail(AppError::invalid("新密码不能与当前密码相同。", "The new password must differ from the current one."));
    }
    let uid = me.user.id;
    let current = f.current.clone();
    let user = app.pool.run(move |s| s.user_by_id(uid).map_err(AppError::from)).await?.ok_or(AppError::Unauthorized)?;
    if !verify_password(&user.password_hash, &current) {
        return fail(AppError::invalid("当前密码不正确。", "The current password is wrong."));
    }
    let hash = hash_password(&f.new);
    let token = random_token();
    let ipaddr = ip(&headers, &peer);
    let ip2 = ipaddr.clone();
    let t2 = token.clone();
    app.pool
        .run(move |s| {
            let mut u = user;
            u.password_hash = hash;
            u.must_change_password = false;
            s.update_user(&u)?;
            // Every other sign-in of this account ends; this browser gets a new session.
            s.delete_user_sessions(u.id)?;
            let now = unix_now();
            s.create_session(&SessionRecord { token_hash: sha256_hex(&t2), user_id: u.id, csrf: random_token(), created_at: now, last_seen: now, ip: ip2 })?;
            Ok(())
        })
        .await?;
    app.sessions.forget_user(uid);
    app.audit_by(&me, "password_change", &me.user.name, "{}".into(), &ipaddr).await?;
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(&app, &token).parse().expect("cookie"));
    Ok(r)
}

async fn set_lang(Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    let mut r = Redirect::to(local(&q.next)).into_response();
    r.headers_mut().insert(header::SET_COOKIE, format!("lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax").parse().expect("cookie"));
    r
}
