//! Identity: passwords (Argon2id), the password policy, browser sessions, API tokens and CSRF.
//! The rules follow 等保 2.0 level 3 identity requirements (GB/T 22239-2019 §8.1.4.1): unique
//! accounts, complex passwords changed at first use, a growing delay after repeated sign-in
//! failures ([`store::accounts::LOGIN_BACKOFF`], [`crate::throttle`]), sessions ended when idle and
//! after a fixed lifetime; API tokens only for data consumers, and only until they expire.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "tianfu_session";

/// Argon2id with the library's defaults (m = 19 MiB, t = 2, p = 1: OWASP's recommendation).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any password").to_string()
}

/// Spends the time of a real check, so that the response time does not tell whether an account
/// name exists.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash_password("not-an-account-Aa1"));
    let _ = verify_password(&DUMMY, password);
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Every way `password` breaks the policy of [`check_policy`], each as (zh, en), for a form that
/// shows all its problems at once; empty when the password keeps it.
pub fn policy_problems(password: &str, account: &str) -> Vec<(&'static str, &'static str)> {
    let mut v = Vec::new();
    if password.chars().count() < 8 {
        v.push(("新密码至少 8 位。", "The new password needs 8 or more characters."));
    }
    let kinds = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if kinds < 3 {
        v.push(("新密码须包含小写字母、大写字母、数字、符号中的至少三类。", "The new password needs at least three kinds: lower case, upper case, digits, symbols."));
    }
    if !account.is_empty() && password.to_lowercase().contains(&account.to_lowercase()) {
        v.push(("新密码不能包含用户名。", "The new password may not contain the account name."));
    }
    v
}

/// A password must have 8+ characters of at least 3 kinds (lower case, upper case, digits,
/// other) and not contain the account name.
pub fn check_policy(password: &str, account: &str) -> Result<(), AppError> {
    // One rule set: the problems of [`policy_problems`], said together.
    let problems = policy_problems(password, account);
    if problems.is_empty() {
        return Ok(());
    }
    let zh: String = problems.iter().map(|p| p.0).collect();
    let en: Vec<&str> = problems.iter().map(|p| p.1).collect();
    Err(AppError::invalid(format!("{zh}请换一个密码。"), format!("{} Choose another.", en.join(" "))))
}

pub use crate::seal::random_token;

/// A one-time password that satisfies the policy: 16 characters from an unambiguous alphabet.
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b.iter()
        .enumerate()
        .map(|(i, x)| {
            let set = [LOWER, UPPER, DIGIT][i % 3];
            set[*x as usize % set.len()] as char
        })
        .collect()
}

/// Equal, compared in constant time (tokens an attacker may probe byte by byte).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn sha256_hex(s: &str) -> String {
    store::audit::hex(&Sha256::digest(s.as_bytes()))
}

pub use crate::net::cookie;
pub use crate::sessions::{identity_of, Identity, Sessions};
use crate::sessions::{Cached, CachedToken, RELOAD_SECONDS};

/// Middleware: puts the client's address ([`crate::net::ClientIp`]) and the identity of the
/// session cookie or `Authorization: Bearer` token ([`Identity`], absent when nobody is signed in)
/// in the request's extensions, ends idle and too old sessions, refuses unknown, revoked and
/// expired tokens, and checks the CSRF token of every state-changing request made with a session.
pub async fn identify(State(app): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let now = app.clock.now();
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let client = app.proxies.client(req.headers(), peer).map(|a| a.to_string()).unwrap_or_default();
    req.extensions_mut().insert(crate::net::ClientIp(client));
    let idle = app.config.session_idle_minutes as i64 * 60;
    let max_age = app.config.session_max_hours as i64 * 3600;
    let mut ident: Option<Identity> = None;
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    if let Some(token) = bearer {
        let hash = sha256_hex(&token);
        let cached = app.sessions.tokens.lock().expect("lock").get(&hash).filter(|c| now - c.loaded < RELOAD_SECONDS && now < c.expires).map(|c| c.identity.clone());
        ident = match cached {
            Some(i) => Some(i),
            None => {
                let h = hash.clone();
                let found = app
                    .pool
                    .run(move |s| {
                        // Unknown, revoked and expired tokens are refused alike; a token acts only
                        // as a data consumer (one bound to any other account is refused too).
                        let Some(t) = s.token_by_hash(&h)? else { return Ok(None) };
                        if !t.live(now) {
                            return Ok(None);
                        }
                        let Some(u) = s.user_by_id(t.user_id)? else { return Ok(None) };
                        if u.disabled || u.role.uses_console() {
                            return Ok(None);
                        }
                        identity_of(s, u, None, None).map(|i| Some((i, t.expires_at)))
                    })
                    .await;
                match found {
                    Ok(Some((i, expires))) => {
                        app.sessions.tokens.lock().expect("lock").insert(hash, CachedToken { identity: i.clone(), loaded: now, expires });
                        Some(i)
                    }
                    Ok(None) => return AppError::Unauthorized.into_response(),
                    Err(e) => return e.into_response(),
                }
            }
        };
    } else if let Some(token) = cookie(req.headers(), SESSION_COOKIE).map(str::to_string) {
        let hash = sha256_hex(&token);
        let cached = app.sessions.cache.lock().expect("lock").get(&hash).cloned();
        let cached = match cached {
            Some(c) if now - c.loaded < RELOAD_SECONDS => Some(c),
            _ => {
                let h = hash.clone();
                let loaded = app
                    .pool
                    .run(move |s| {
                        let Some(sess) = s.session(&h)? else { return Ok(None) };
                        let Some(u) = s.user_by_id(sess.user_id)? else { return Ok(None) };
                        if u.disabled || !u.role.uses_console() {
                            s.delete_session(&h)?;
                            return Ok(None);
                        }
                        let last = sess.last_seen;
                        Ok(Some(Cached { identity: identity_of(s, u, Some(sess.csrf), Some(h))?, created: sess.created_at, last_seen: last, written: last, loaded: now }))
                    })
                    .await;
                match loaded {
                    Ok(c) => c,
                    Err(e) => return e.into_response(),
                }
            }
        };
        if let Some(mut c) = cached {
            if now - c.last_seen > idle || now - c.created > max_age {
                app.sessions.forget_session(&hash);
                let h = hash.clone();
                let _ = app.pool.run(move |s| s.delete_session(&h).map_err(AppError::from)).await;
            } else {
                c.last_seen = now;
                if now - c.written >= 60 {
                    c.written = now;
                    let h = hash.clone();
                    let _ = app.pool.run(move |s| s.touch_session(&h, now).map_err(AppError::from)).await;
                }
                ident = Some(c.identity.clone());
                app.sessions.cache.lock().expect("lock").insert(hash, c);
            }
        }
    }
    if let Some(i) = &ident {
        if let Some(csrf) = i.csrf.clone() {
            let m = req.method().clone();
            // The sign-in form carries a token of its own, before any session (routes::session).
            let own_token = req.uri().path() == "/login";
            if !(m == axum::http::Method::GET || m == axum::http::Method::HEAD || m == axum::http::Method::OPTIONS || own_token) {
                match csrf_ok(req, &csrf).await {
                    Ok(r) => req = r,
                    Err(e) => return e.into_response(),
                }
            }
        }
        req.extensions_mut().insert(i.clone());
    }
    let mut resp = next.run(req).await;
    // For the error pages, rendered outside this layer.
    if let Some(i) = ident {
        resp.extensions_mut().insert(i);
    }
    resp
}

/// A state-changing request made with a session must carry the session's CSRF token: in the
/// `X-CSRF-Token` header (htmx, scripts), the `_csrf` field of a url-encoded form (read here,
/// the body handed on untouched) or the first part of a multipart form (file uploads: the part
/// is read here and the body handed on whole, the file still streaming). Never in the query
/// string (issue 12): an address ends up in logs and browser history.
async fn csrf_ok(req: Request, csrf: &str) -> Result<Request, AppError> {
    if req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).is_some_and(|v| csrf_matches(v, csrf)) {
        return Ok(req);
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if let Some(boundary) = multipart_boundary(&content_type) {
        return csrf_in_multipart(req, &boundary, csrf).await;
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .map_err(|_| AppError::invalid("表单过大（超过 1 MB）。", "The form is too large (over 1 MB)."))?;
    let text = std::str::from_utf8(&bytes).unwrap_or("");
    if !form_value(text, "_csrf").is_some_and(|v| csrf_matches(&v, csrf)) {
        return Err(AppError::Csrf);
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

/// The session's CSRF token as a page carries it: masked with a fresh random pad each time
/// (hex pad, then hex of pad XOR token). Pages are compressed (gzip, br): a secret repeated
/// unchanged in every page beside text an attacker can make the page reflect would leak byte by
/// byte through the compressed sizes (BREACH); a masked token differs in every response.
pub fn mask_csrf(token: &str) -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let t = token.as_bytes();
    let mut pad = vec![0u8; t.len()];
    OsRng.fill_bytes(&mut pad);
    let masked: Vec<u8> = t.iter().zip(&pad).map(|(a, b)| a ^ b).collect();
    format!("{}{}", store::audit::hex(&pad), store::audit::hex(&masked))
}

/// Whether `sent` is the session's token `csrf`, masked ([`mask_csrf`]) or plain (scripts that
/// read it once may send it as it is).
pub fn csrf_matches(sent: &str, csrf: &str) -> bool {
    if sent.len() == 4 * csrf.len() {
        let bytes: Option<Vec<u8>> = (0..sent.len()).step_by(2).map(|i| u8::from_str_radix(sent.get(i..i + 2)?, 16).ok()).collect();
        let Some(bytes) = bytes else { return false };
        let (pad, masked) = bytes.split_at(csrf.len());
        let plain: Vec<u8> = pad.iter().zip(masked).map(|(a, b)| a ^ b).collect();
        return same(&String::from_utf8_lossy(&plain), csrf);
    }
    same(sent, csrf)
}

/// The boundary of a `multipart/form-data` content type (RFC 7578 §4.1).
fn multipart_boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string()).filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// The most of a multipart body read before its first part must have ended.
const CSRF_PART_MAX: usize = 4096;

/// Reads the first part of a multipart body, which must be the `_csrf` field (the console's
/// upload forms put it first), and hands the body on whole: the bytes read, then the rest as it
/// streams.
async fn csrf_in_multipart(req: Request, boundary: &str, csrf: &str) -> Result<Request, AppError> {
    use http_body_util::BodyExt;
    let (parts, mut body) = req.into_parts();
    let mut head: Vec<u8> = Vec::new();
    let value = loop {
        if let Some(v) = first_part(&head, boundary, "_csrf") {
            break v;
        }
        if head.len() >= CSRF_PART_MAX {
            return Err(AppError::Csrf);
        }
        match body.frame().await {
            Some(Ok(f)) => {
                if let Ok(d) = f.into_data() {
                    head.extend_from_slice(&d);
                }
            }
            _ => return Err(AppError::Csrf),
        }
    };
    if !value.is_ok_and(|v| csrf_matches(v, csrf)) {
        return Err(AppError::Csrf);
    }
    Ok(Request::from_parts(parts, axum::body::Body::new(Prefixed { head: Some(head.into()), rest: body })))
}

/// The value of the first part of a multipart body when it is complete in `buf`: Ok when the
/// part is the field `name`, Err(()) when it is another; None while more is needed.
fn first_part<'a>(buf: &'a [u8], boundary: &str, name: &str) -> Option<Result<&'a str, ()>> {
    let open = format!("--{boundary}\r\n");
    if buf.len() < open.len() {
        return None;
    }
    if !buf.starts_with(open.as_bytes()) {
        return Some(Err(()));
    }
    let rest = &buf[open.len()..];
    let end_headers = find(rest, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&rest[..end_headers]).ok()?;
    let named = headers.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("content-disposition:") && l.contains("form-data") && l.contains(&format!("name=\"{name}\""))
    });
    if !named {
        return Some(Err(()));
    }
    let value = &rest[end_headers + 4..];
    let close = format!("\r\n--{boundary}");
    let end = find(value, close.as_bytes())?;
    Some(std::str::from_utf8(&value[..end]).map_err(|_| ()))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A body whose first bytes were read already: those, then the rest.
struct Prefixed {
    head: Option<axum::body::Bytes>,
    rest: axum::body::Body,
}

impl http_body::Body for Prefixed {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if let Some(h) = self.head.take() {
            if !h.is_empty() {
                return std::task::Poll::Ready(Some(Ok(http_body::Frame::data(h))));
            }
        }
        std::pin::Pin::new(&mut self.rest).poll_frame(cx)
    }
}

/// One value of a url-encoded string.
pub fn form_value(s: &str, key: &str) -> Option<String> {
    s.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(x) => {
                        out.push(x);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            x => out.push(x),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The language of the request.
pub fn lang(headers: &HeaderMap, app: &AppState) -> Lang {
    Lang::of(headers, if app.config.lang == "en" { Lang::En } else { Lang::Zh })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("short1A", "x").is_err());
        assert!(check_policy("alllowercase1", "x").is_err(), "two kinds");
        assert!(check_policy("Lower1case", "x").is_ok());
        assert!(check_policy("lower1case!", "x").is_ok());
        assert!(check_policy("Wang2026!x", "wang").is_err(), "contains the account name");
        for _ in 0..20 {
            assert!(check_policy(&one_time_password(), "admin").is_ok());
        }
    }

    #[test]
    fn argon2id_round_trip() {
        let h = hash_password("Secret-2026");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "Secret-2026"));
        assert!(!verify_password(&h, "secret-2026"));
        assert!(!verify_password("garbage", "x"));
    }
}
