//! Pages: the context every template gets, rendering, and the middleware that turns errors into
//! pages in the user's language (or JSON under `/api/`).

use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::{Lang, T};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::sync::Arc;

/// What the layout needs: language, who is signed in, where we are.
#[derive(Clone)]
pub struct Ctx {
    pub t: T,
    pub me: Option<Identity>,
    pub path: String,
    pub nav: &'static str,
    /// The province's names and whether it has a map.
    pub province: Arc<crate::config::ProvinceInfo>,
}

impl Ctx {
    pub fn new(app: &AppState, headers: &HeaderMap, me: Option<&Identity>, path: &str, nav: &'static str) -> Ctx {
        Ctx::in_lang(app, crate::auth::lang(headers, app), me, path, nav)
    }

    pub fn in_lang(app: &AppState, lang: Lang, me: Option<&Identity>, path: &str, nav: &'static str) -> Ctx {
        Ctx { t: T { lang }, me: me.cloned(), path: path.to_string(), nav, province: app.province.clone() }
    }

    /// The province's name in the page's language (四川省, Sichuan).
    pub fn province_name(&self) -> &str {
        if self.t.is_en() { &self.province.en } else { &self.province.zh }
    }

    /// Whether the province has a map (configured, or Sichuan's built in).
    pub fn has_map(&self) -> bool {
        self.province.map.is_some()
    }

    /// The assets' version, for cache-busting URLs.
    pub fn v(&self) -> &'static str {
        crate::assets::version()
    }

    /// The session's CSRF token, masked afresh at each use ([`crate::auth::mask_csrf`]).
    pub fn csrf(&self) -> String {
        self.me.as_ref().and_then(|m| m.csrf.as_deref()).map(crate::auth::mask_csrf).unwrap_or_default()
    }

    /// Whether the nav entry is shown to this user.
    pub fn can(&self, what: &str) -> bool {
        let Some(me) = &self.me else { return false };
        let r = me.user.role;
        match what {
            "overview" => r.reads_overview(),
            "records" => r.reads_base_data(),
            "import" => r.may_import(),
            "users" => r.manages_users(),
            "audit" => r.reads_audit(),
            "monitor" => r.reads_monitor(),
            "manage_sites" => r.manages_sites(),
            // As routes::webhooks::may_manage (render sits below the routes).
            "webhooks" => matches!(r, store::Role::ProvinceAdmin | store::Role::SecurityOfficer) && store::monitor::may_manage_webhooks(&me.scope),
            "reveal" => r.may_reveal(),
            "mlps" => store::mlps::role_reads(r),
            "duties" | "software" => store::ledger::role_reads(r),
            "duty" => store::duty::role_reads(r),
            "apps" => store::apps::role_reads(r),
            "checks" => store::checks::role_reads(r),
            "plans" => store::plan::role_reads(r),
            "incidents" => store::incidents::reads(r),
            "catalog" => store::catalog::role_reads(r),
            "quality" => r.reads_base_data(),
            "share" => store::share::role_reads(r),
            _ => false,
        }
    }

    /// Signed in with an initial password: only the password form is open.
    pub fn must_change(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.user.must_change_password)
    }

    pub fn my_id(&self) -> i64 {
        self.me.as_ref().map_or(0, |m| m.user.id)
    }

    pub fn user_name(&self) -> &str {
        self.me.as_ref().map_or("", |m| m.user.display_name.as_str())
    }

    pub fn role_name(&self) -> &str {
        self.me.as_ref().map_or("", |m| self.t.role(&m.user.role))
    }

    pub fn org_name(&self) -> &str {
        self.me.as_ref().map_or("", |m| m.org_name.as_str())
    }
}

pub fn html(t: impl Template) -> Result<Response, AppError> {
    let body = t.render().map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok(Html(body).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Ctx,
    status: u16,
    message: String,
    /// The request's id, to quote when reporting the problem (it is in the server's log).
    request_id: String,
}

/// Middleware: renders [`AppError`] responses.
pub async fn errors(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    // Only what an error page needs, read before the request moves on (no copy of the headers:
    // this runs on every request).
    let lang = crate::auth::lang(req.headers(), &app);
    let htmx = req.headers().contains_key("hx-request");
    let uri = req.uri().clone();
    let request_id = req.extensions().get::<crate::obs::RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let resp = next.run(req).await;
    let err = match resp.extensions().get::<AppError>().cloned() {
        Some(e) => e,
        // The framework's refusals (extractor rejections, 405) carry text/plain or nothing.
        None if is_rejection(&resp) && resp.status() == StatusCode::NOT_FOUND => AppError::NotFound,
        None if is_rejection(&resp) => AppError::Rejected(resp.status()),
        None => return resp,
    };
    let me = resp.extensions().get::<Identity>().cloned();
    let path = uri.path();
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let (zh, en) = err.message();
    if path.starts_with("/api/") {
        let body = serde_json::json!({ "error": { "code": err.code(), "message": if lang == Lang::Zh { &zh } else { &en }, "message_en": en, "message_zh": zh, "request_id": request_id } });
        let mut r = (err.status(), axum::Json(body)).into_response();
        if matches!(err, AppError::Unauthorized) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"tianfu\""));
        }
        if let AppError::RetryAfter { secs } = err {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1) as u64));
        }
        return r;
    }
    if matches!(err, AppError::Unauthorized) && !htmx {
        let next = urlencode(&format!("{path}{query}"));
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    if matches!(err, AppError::MustChangePassword) {
        return Redirect::to("/password").into_response();
    }
    let c = Ctx::in_lang(&app, lang, me.as_ref(), path, "");
    let page = ErrorPage { c, status: err.status().as_u16(), message: if lang == Lang::Zh { zh } else { en }, request_id };
    match page.render() {
        Ok(b) => (err.status(), Html(b)).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response(),
    }
}

/// A client error that no handler rendered: axum's rejections are `text/plain` (or empty).
fn is_rejection(r: &Response) -> bool {
    r.status().is_client_error() && r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_none_or(|t| t.starts_with("text/plain"))
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// JSON for a `<script type="application/json">` block: `<`, `>` and `&` escaped so that no
/// value can close the script element.
pub fn script_json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into()).replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}
