//! 可观测性 — what an operator sees of each request: a request id (echoed in the `X-Request-Id`
//! header, the log, the error page and the JSON error envelope), a log span around the request
//! with the route *template* (never the raw path or query, which may hold an ID number or a
//! name), one log line when it is answered, and its count and latency in `/metrics`.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tracing::Instrument;

/// The request's id, in its extensions (the error renderer shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

pub const HEADER: &str = "x-request-id";

/// An id a proxy may hand us: 1..=64 characters of `A-Z a-z 0-9 - _ . :` (what nginx's
/// `$request_id`, UUIDs and trace ids look like). Anything else is replaced, so that no header
/// can write into the log or the page.
pub fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A new id: this process's random prefix and a counter (unique per process; no system call
/// per request).
pub fn new_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static N: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| crate::auth::random_token()[..8].to_string());
    format!("{prefix}-{:08x}", N.fetch_add(1, Ordering::Relaxed) + 1)
}

/// The label of a method in metrics: the usual ones, else `other` (bounded cardinality).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware, outermost: gives the request its id and span; logs and counts its answer.
pub async fn trace(State(app): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    // Only a trusted proxy's id is kept (anyone else's could be chosen to confuse the log).
    let from_proxy = peer.is_some_and(|p| app.proxies.contains(p));
    let given = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).filter(|v| from_proxy && sane(v)).map(str::to_string);
    let id = given.unwrap_or_else(new_id);
    req.extensions_mut().insert(RequestId(id.clone()));
    // The route's template (`/schools/{code}`), never the path itself.
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = method_label(req.method());
    let span = tracing::info_span!("request", request_id = %id, method, route = %route);
    let mut resp = next.run(req).instrument(span.clone()).await;
    let status = resp.status().as_u16();
    let secs = start.elapsed().as_secs_f64();
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, ms = (secs * 1000.0) as u64, "answered");
        } else {
            tracing::info!(status, ms = (secs * 1000.0) as u64, "answered");
        }
    });
    let m = telemetry::global();
    m.add("tianfu_http_requests_total", &[("route", &route), ("method", method), ("status", &status.to_string())], 1);
    m.observe("tianfu_http_request_duration_seconds", &[("route", &route)], secs);
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sane_and_new_ones_differ() {
        assert!(sane("edge-42") && sane("550e8400-e29b-41d4-a716-446655440000") && sane("a.b:c_d"));
        assert!(!sane("") && !sane("has space") && !sane("a\nb") && !sane(&"x".repeat(65)) && !sane("名字"));
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert!(sane(&a) && a.len() == 17, "{a}");
    }
}
