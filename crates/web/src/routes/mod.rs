//! Routes by resource, merged here. Pages are under `/`, the JSON API under `/api/v1`.

pub mod admin;
pub mod alerts;
pub mod api;
pub mod audit;
pub mod exports;
pub mod imports;
pub mod incidents;
pub mod insight;
pub mod ipv6;
pub mod ledger;
pub mod plan;
pub mod apps;
pub mod catalog;
pub mod share;
pub mod checks;
pub mod conditions;
pub mod mlps;
pub mod duty;
pub mod evidence;
pub mod ops;
pub mod orgs;
pub mod overview;
pub mod people;
pub mod push;
pub mod quality;
pub mod reference;
pub mod schoolmap;
pub mod schools;
pub mod security;
pub mod session;
pub mod sites;
pub mod standard;
pub mod transfers;
pub mod user_form;
pub mod webhooks;

use crate::auth::Identity;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub fn router(state: Arc<AppState>) -> Router {
    // The file's own limit is enforced while it streams to disk (crate::upload); this bounds the
    // whole body, the form's other fields included.
    let limit = (state.config.upload_limit_mib as usize).saturating_mul(1 << 20).saturating_add(1 << 20);
    let sites_limit = (sites::import::SITES_UPLOAD_MIB.min(state.config.upload_limit_mib) as usize).saturating_mul(1 << 20).saturating_add(1 << 20);
    let attach_limit = (state.config.security.attachment_limit_mib as usize).saturating_mul(1 << 20).saturating_add(1 << 20);
    Router::new()
        .merge(session::router())
        .merge(overview::router())
        .merge(schools::router())
        .merge(schoolmap::router())
        .merge(people::router())
        .merge(imports::router().layer(DefaultBodyLimit::max(limit)))
        .merge(sites::router())
        .merge(alerts::router())
        .merge(security::router())
        .merge(webhooks::router())
        .merge(sites::import_router().layer(DefaultBodyLimit::max(sites_limit)))
        .merge(mlps::import_router().layer(DefaultBodyLimit::max(sites_limit)))
        .merge(apps::import_router().layer(DefaultBodyLimit::max(sites_limit)))
        .merge(admin::router())
        .merge(transfers::router())
        .merge(incidents::router())
        .merge(incidents::files_router().layer(DefaultBodyLimit::max(attach_limit)))
        .merge(checks::files_router().layer(DefaultBodyLimit::max(attach_limit)))
        .merge(ledger::files_router().layer(DefaultBodyLimit::max(attach_limit)))
        .merge(plan::files_router().layer(DefaultBodyLimit::max(attach_limit)))
        .merge(plan::import_router().layer(DefaultBodyLimit::max(sites_limit)))
        .merge(mlps::files_router().layer(DefaultBodyLimit::max(attach_limit)))
        .merge(audit::router())
        .merge(ipv6::router())
        .merge(insight::router())
        .merge(ops::router())
        .merge(reference::router())
        .merge(standard::router())
        .merge(exports::router())
        .merge(orgs::router())
        .merge(mlps::router())
        .merge(ledger::router())
        .merge(plan::router())
        .merge(duty::router())
        .merge(apps::router())
        .merge(checks::router())
        .merge(catalog::router())
        .merge(quality::router())
        .merge(share::router())
        .nest("/api/v1", api::router())
        .route("/assets/{name}", get(crate::assets::serve))
        .route("/favicon.ico", get(crate::assets::favicon))
        .route("/province/map.geojson", get(overview::province_map))
        .fallback(|| async { AppError::NotFound })
        // Outermost first: errors are rendered for everything inside, the identity's own refusals
        // (an unknown token, a CSRF failure) included.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::identify))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::render::errors))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(compression())
        // Outermost: the request id, the log span and the metrics cover everything above.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::obs::trace))
        .with_state(state)
}

/// gzip or br, as the client accepts, for pages, JSON, CSV, scripts, styles, SVG and the map
/// (county links are slow): not for what is compressed already (XLSX, PNG) nor tiny answers.
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    let textual = |_: axum::http::StatusCode, _: axum::http::Version, h: &axum::http::HeaderMap, _: &axum::http::Extensions| {
        let ct = h.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        compressible(ct)
    };
    tower_http::compression::CompressionLayer::new().gzip(true).br(true).compress_when(SizeAbove::new(512).and(textual))
}

/// Whether a response of this content type is worth compressing.
pub fn compressible(content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct.starts_with("text/") || matches!(ct.as_str(), "application/json" | "application/geo+json" | "application/javascript" | "image/svg+xml")
}

/// Headers every response carries (the console's own Observatory score).
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// The signed-in user, or 401 (pages: a redirect to the login).
pub fn signed_in(me: Option<axum::Extension<Identity>>) -> Result<Identity, AppError> {
    me.map(|e| e.0).ok_or(AppError::Unauthorized)
}

/// The signed-in user who has changed their initial password; others are sent to change it.
pub fn ready(me: Option<axum::Extension<Identity>>) -> Result<Identity, AppError> {
    let me = signed_in(me)?;
    if me.user.must_change_password {
        return Err(AppError::MustChangePassword);
    }
    Ok(me)
}

/// The area the caller reads the security registers in (等保, duty, education apps, ledger):
/// its session scope; an auditor's session scope holds no records, so it reads its node of the
/// tree (read in the store, as `mlps::read_scope`). The registers' `role_writes` leave the auditor
/// out, so this area is never written.
pub async fn read_scope(app: &Arc<AppState>, me: &Identity) -> Result<store::Scope, AppError> {
    mlps::read_scope(app, me).await
}

/// The export jobs' form of [`read_scope`]: the session scope, or the auditor's node (`org`,
/// from `mlps::auditor_org`) read with the job's own connection.
pub fn area(s: &mut dyn store::Backend, scope: &store::Scope, auditor: Option<i64>) -> Result<store::Scope, store::StoreError> {
    match auditor {
        Some(org) => mlps::node_scope(s, org),
        None => Ok(scope.clone()),
    }
}

/// Requires a capability of the role.
pub fn require(ok: bool) -> Result<(), AppError> {
    if ok {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The client address, as [`crate::net`] found it (a trusted proxy's `X-Forwarded-For`, else the
/// socket peer; empty in tests that call the router directly).
pub fn ip(_headers: &axum::http::HeaderMap, peer: &Peer) -> String {
    peer.as_ref().map(|c| c.0 .0.clone()).unwrap_or_default()
}

pub type Peer = Option<axum::Extension<crate::net::ClientIp>>;
pub type Me = Option<axum::Extension<Identity>>;
