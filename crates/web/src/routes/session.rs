//! Signing in and out, the password change, the language switch.

use super::{ip, signed_in, Me, Peer};
use crate::auth::{self, hash_password, random_token, sha256_hex, verify_password, Identity, SESSION_COOKIE};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;
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
        // The security officer's work is the monitor: it lands on the security overview.
        Some(m) if m.user.role == store::Role::SecurityOfficer => Redirect::to("/security").into_response(),
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
    /// The form's CSRF token: the value of the pre-session cookie [`LOGIN_COOKIE`].
    csrf: String,
    idle: u64,
    hours: u64,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The sign-in form's CSRF token, before any session: a random value in a cookie (HttpOnly,
/// SameSite=Strict, only sent to `/login`) that the form repeats. A page of another site can
/// neither read it nor make the browser send it, so it cannot sign a victim in to the attacker's
/// account (login CSRF).
pub const LOGIN_COOKIE: &str = "tianfu_login";

fn login_token(headers: &HeaderMap) -> Option<String> {
    auth::cookie(headers, LOGIN_COOKIE).filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).map(str::to_string)
}

fn login_cookie(app: &AppState, token: &str) -> String {
    format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict{}", if app.config.secure_cookies() { "; Secure" } else { "" })
}

/// The login page with its token (the browser's own, or a new one) and the cookie that holds it.
fn login_form(app: &AppState, headers: &HeaderMap, error: Option<String>, name: &str, next: &str, status: StatusCode) -> Result<Response, AppError> {
    let csrf = login_token(headers).unwrap_or_else(random_token);
    let page = LoginPage { c: Ctx::new(app, headers, None, "/login", ""), error, next: safe_next(next).to_string(), name: name.to_string(), csrf: csrf.clone(), idle: app.config.session_idle_minutes, hours: app.config.session_max_hours };
    let mut r = html(page)?;
    *r.status_mut() = status;
    r.headers_mut().insert(header::SET_COOKIE, login_cookie(app, &csrf).parse().expect("cookie"));
    Ok(r)
}

async fn login_page(State(app): State<Arc<AppState>>, headers: HeaderMap, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    login_form(&app, &headers, None, "", &q.next, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// Where to go after signing in (or switching the language): only a path on this site — `/`
/// followed by anything but `/` or `\` (no `//host`, `/\host`), no scheme, no backslash, no
/// control characters or whitespace, raw or percent-encoded (no header injection, no `/\t/host`
/// that browsers read as `//host`). Everything else is `/`.
pub fn safe_next(next: &str) -> &str {
    let clean = |s: &str| {
        let b = s.as_bytes();
        b.first() == Some(&b'/') && !matches!(b.get(1), Some(b'/' | b'\\')) && !s.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    if next.len() <= 2048 && clean(next) && clean(&auth::percent_decode(next)) {
        next
    } else {
        "/"
    }
}

/// A redirect to [`safe_next`]`(next)`.
pub fn redirect_next(next: &str) -> Response {
    Redirect::to(safe_next(next)).into_response()
}

/// One message for every refused sign-in — unknown account, wrong password, disabled, delayed,
/// API-only — so that the answer does not tell whether an account exists or what state it is in.
const REFUSED: (&str, &str) = (
    "用户名或密码错误，或账号暂不可用。请检查后重试；连续多次失败后须稍等片刻再试，如仍无法登录请联系管理员。",
    "Wrong account name or password, or the account cannot sign in now. Check and try again; after repeated failures wait a moment before retrying, and ask your administrator if it persists.",
);

/// What the first step of a sign-in found: an account whose password may be checked now, or a
/// refusal (with its reason for the audit log) that checks no password.
enum Step {
    Check(User, u32),
    Refuse(&'static str),
}

/// Logged with the outcome and the account's number only: never the name typed, the password
/// or the session token.
#[tracing::instrument(name = "login", skip_all)]
async fn login(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, Form(f): Form<LoginForm>) -> Result<Response, AppError> {
    let ip = ip(&headers, &peer);
    let lang = auth::lang(&headers, &app);
    let say = |(zh, en): (&str, &str)| if lang == crate::i18n::Lang::Zh { zh.to_string() } else { en.to_string() };
    if !login_token(&headers).is_some_and(|t| auth::same(&t, &f.csrf)) {
        let (zh, en) = AppError::Csrf.message();
        return login_form(&app, &headers, Some(say((&zh, &en))), &f.name, &f.next, StatusCode::FORBIDDEN);
    }
    let now = app.clock.now();
    if let Err(wait) = app.sessions.addresses.reserve(&ip, now) {
        tracing::warn!(ip = %ip, "sign-in refused: too many failures from this address");
        let mins = (wait + 59) / 60;
        let msg = say((&format!("此地址登录失败次数过多，请 {mins} 分钟后再试。"), &format!("Too many failed sign-ins from this address; try again in {mins} minutes.")));
        return login_form(&app, &headers, Some(msg), &f.name, &f.next, StatusCode::TOO_MANY_REQUESTS);
    }
    let name = f.name.trim().to_string();
    // 1. The account, and its place in the backoff, counted before any password is checked.
    let n2 = name.clone();
    let step = app
        .pool
        .run(move |s| {
            let Some(u) = s.user_by_name(&n2)? else { return Ok(Step::Refuse("unknown_account")) };
            if u.disabled {
                return Ok(Step::Refuse("disabled"));
            }
            if !u.role.uses_console() {
                return Ok(Step::Refuse("api_only"));
            }
            Ok(match s.begin_login_attempt(u.id, now)? {
                Some(n) => Step::Check(u, n),
                None => Step::Refuse("delayed"),
            })
        })
        .await?;
    // 2. One Argon2 verification on every path (a dummy one when refused), so that the time
    // taken does not tell either.
    let password = f.password.clone();
    let (step, ok) = tokio::task::spawn_blocking(move || match step {
        Step::Check(u, n) => {
            let ok = verify_password(&u.password_hash, &password);
            (Step::Check(u, n), ok)
        }
        refused => {
            auth::dummy_verify(&password);
            (refused, false)
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("verify: {e}")))?;
    let u = match (step, ok) {
        (Step::Check(u, _), true) => u,
        (step, _) => {
            let detail = match step {
                Step::Check(_, n) => serde_json::json!({"reason": "wrong_password", "attempts": n}),
                Step::Refuse(reason) => serde_json::json!({"reason": reason}),
            };
            tracing::info!(reason = %detail["reason"], "sign-in refused");
            app.audit(&name, "login_failed", &name, detail.to_string(), &ip, "failed").await?;
            return login_form(&app, &headers, Some(say(REFUSED)), &f.name, &f.next, StatusCode::UNAUTHORIZED);
        }
    };
    // 3. Signed in.
    tracing::info!(user_id = u.id, "signed in");
    app.sessions.addresses.refund(&ip);
    let token = random_token();
    let (t2, ip2, uid) = (token.clone(), ip.clone(), u.id);
    app.pool
        .run(move |s| {
            s.login_succeeded(uid, now)?;
            s.create_session(&SessionRecord { token_hash: sha256_hex(&t2), user_id: uid, csrf: random_token(), created_at: now, last_seen: now, ip: ip2 })?;
            Ok(())
        })
        .await?;
    app.audit(&name, "login", &name, "{}".into(), &ip, "ok").await?;
    let mut r = if u.must_change_password { Redirect::to("/password").into_response() } else { redirect_next(&f.next) };
    r.headers_mut().append(header::SET_COOKIE, session_cookie(&app, &token).parse().expect("cookie"));
    r.headers_mut().append(header::SET_COOKIE, format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0").parse().expect("cookie"));
    Ok(r)
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
    /// The form's problems, all of them.
    errors: Vec<String>,
}

async fn password_page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = signed_in(me)?;
    html(PasswordPage { forced: me.user.must_change_password, c: Ctx::new(&app, &headers, Some(&me), "/password", ""), errors: Vec::new() })
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
    // Every problem of the form at once, in the order of its fields.
    let uid = me.user.id;
    let current = f.current.clone();
    let user = app.pool.run(move |s| s.user_by_id(uid).map_err(AppError::from)).await?.ok_or(AppError::Unauthorized)?;
    let mut problems: Vec<(&str, &str)> = Vec::new();
    if !verify_password(&user.password_hash, &current) {
        problems.push(("当前密码不正确。", "The current password is wrong."));
    }
    problems.extend(auth::policy_problems(&f.new, &me.user.name));
    if f.new == f.current {
        problems.push(("新密码不能与当前密码相同。", "The new password must differ from the current one."));
    }
    if f.new != f.repeat {
        problems.push(("两次输入的新密码不一致，请重新输入。", "The two new passwords differ; type them again."));
    }
    if !problems.is_empty() {
        let errors = problems.iter().map(|(zh, en)| if c.t.is_en() { en.to_string() } else { zh.to_string() }).collect();
        let mut r = html(PasswordPage { forced: me.user.must_change_password, c, errors })?;
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(r);
    }
    let hash = hash_password(&f.new);
    let token = random_token();
    let ipaddr = ip(&headers, &peer);
    let ip2 = ipaddr.clone();
    let t2 = token.clone();
    let now = app.clock.now();
    app.pool
        .run(move |s| {
            let mut u = user;
            u.password_hash = hash;
            u.must_change_password = false;
            // The account's own node: a user may change their own password, wherever they sit.
            let own = s.org_unit(u.org_code)?.map(|n| store::Scope::of(&n)).unwrap_or(store::Scope::Nothing);
            s.update_user(&own, &u)?;
            // Every other sign-in of this account ends; this browser gets a new session.
            s.delete_user_sessions(u.id)?;
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
    let mut r = redirect_next(&q.next);
    r.headers_mut().insert(header::SET_COOKIE, format!("lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax").parse().expect("cookie"));
    r
}
