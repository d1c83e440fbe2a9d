//! 运维接口 — for load balancers and monitoring, without sign-in and without personal data:
//! `/healthz` (the process answers), `/readyz` (it can serve: the database opens with current
//! migrations, and the audit log's newest entry agrees with its checkpoint), and `/metrics`
//! (Prometheus text format) for the addresses in `metrics_allow` only.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;
use store::{AuditEntry, AuditFilter, StoreError};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// Why the server is not ready (zh, en); no file names or database details (they go to the log).
type NotReady = (&'static str, &'static str, &'static str);

async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    match ready(&app).await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err((code, zh, en)) => {
            tracing::warn!(reason = code, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not_ready", "reason": code, "message_zh": zh, "message_en": en }))).into_response()
        }
    }
}

async fn ready(app: &Arc<AppState>) -> Result<(), NotReady> {
    const DB: NotReady = ("database", "数据库无法打开或未完成迁移", "the database cannot be opened or its migrations are not current");
    const KEYS: NotReady = ("audit_keys", "审计密钥文件缺失或无法读取", "the audit key file is missing or cannot be read");
    const INVALID: NotReady = ("audit_checkpoint_invalid", "审计检查点文件无法读取或校验不符；请运行 tianfu audit verify", "the audit checkpoint file cannot be read or does not verify; run tianfu audit verify");
    // A new connection, as the next request would need one (an idle pooled connection may
    // outlive its database); opening it checks the schema version.
    let pool = app.pool.clone();
    let read = tokio::task::spawn_blocking(move || -> Result<(Option<AuditEntry>, Option<i64>), StoreError> {
        let mut s = pool.open()?;
        s.user_count()?;
        let newest = s.audit_entries(&AuditFilter { limit: 1, ..Default::default() })?.into_iter().next();
        let anchor = s.audit_anchor()?.map(|a| a.last_id);
        Ok((newest, anchor))
    })
    .await;
    let (newest, anchored) = match read {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            tracing::warn!(error = %crate::error::loggable(&e.to_string()), "readiness: database");
            return Err(DB);
        }
        Err(_) => return Err(DB),
    };
    // Never creates a key: a probe must not start a new chain when the key file has gone.
    let chain = store::AuditChain::open_existing(&app.config.audit_key_path(), &app.config.audit_head_path()).map_err(|_| KEYS)?;
    let checkpoint = chain.head().read(chain.keys()).map_err(|_| INVALID)?;
    audit_consistent(newest.as_ref(), anchored, checkpoint.as_ref().map(|c| (c.id, c.hash.as_str())))
}

/// The newest entry against the checkpoint (id, hash): not behind it (unless retention pruned
/// past it), the same entry when it is the newest; no checkpoint only for a log without keyed
/// entries. The full check is `tianfu audit verify`.
pub fn audit_consistent(newest: Option<&AuditEntry>, anchored: Option<i64>, checkpoint: Option<(i64, &str)>) -> Result<(), NotReady> {
    const BEHIND: NotReady = ("audit_checkpoint", "审计日志与检查点不符（记录被删除或数据库被回退）；请运行 tianfu audit verify", "the audit log does not match its checkpoint (entries deleted or the database rolled back); run tianfu audit verify");
    const MISSING: NotReady = ("audit_checkpoint_missing", "审计检查点文件缺失；请运行 tianfu audit verify", "the audit checkpoint file is missing; run tianfu audit verify");
    match (checkpoint, newest) {
        (None, Some(e)) if e.keyed => Err(MISSING),
        (None, _) => Ok(()),
        (Some((id, _)), _) if anchored.is_some_and(|a| a >= id) => Ok(()),
        (Some(_), None) => Err(BEHIND),
        (Some((id, hash)), Some(e)) if e.id == id && e.hash != hash => Err(BEHIND),
        (Some((id, _)), Some(e)) if e.id < id => Err(BEHIND),
        _ => Ok(()),
    }
}

/// `/metrics` and `/healthz` alone, for a process that serves nothing else (`tianfu worker
/// --metrics-listen`): the peer's address must be in `allow` (no proxies are trusted here).
pub async fn serve_metrics(listener: tokio::net::TcpListener, allow: &[String], shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let allow = Arc::new(crate::net::Proxies::parse(allow).unwrap_or_default());
    let metrics = move |ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
        if !allow.contains(peer.ip()) {
            return (StatusCode::NOT_FOUND, "404 Not Found").into_response();
        }
        prometheus_text()
    };
    let app = Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics));
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await
}

fn prometheus_text() -> Response {
    let m = telemetry::global();
    m.set("tianfu_up", &[], 1.0);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], m.render()).into_response()
}

async fn metrics(State(app): State<Arc<AppState>>, peer: super::Peer) -> Response {
    let client = peer.as_ref().and_then(|p| p.0 .0.parse::<std::net::IpAddr>().ok());
    // Config::check has parsed the list; a configuration built otherwise allows no one.
    let allowed = crate::net::Proxies::parse(&app.config.metrics_allow).unwrap_or_default();
    if !client.is_some_and(|c| allowed.contains(c)) {
        // As if there were no such page.
        return crate::error::AppError::NotFound.into_response();
    }
    let m = telemetry::global();
    m.set("tianfu_import_queue_depth", &[], app.jobs.admitted() as f64);
    m.set("tianfu_import_workers", &[], app.config.import_workers as f64);
    let (in_use, idle, size) = app.pool.usage();
    m.set("tianfu_db_pool_connections", &[("state", "in_use")], in_use as f64);
    m.set("tianfu_db_pool_connections", &[("state", "idle")], idle as f64);
    m.set("tianfu_db_pool_connections", &[("state", "max")], size as f64);
    prometheus_text()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, hash: &str, keyed: bool) -> AuditEntry {
        AuditEntry { id, at: String::new(), actor: String::new(), action: String::new(), target: String::new(), detail: String::new(), ip: String::new(), outcome: String::new(), actor_org: None, actor_region: None, keyed, prev_hash: String::new(), hash: hash.into() }
    }

    #[test]
    fn the_newest_entry_against_the_checkpoint() {
        let ok = |n: Option<&AuditEntry>, a, c| audit_consistent(n, a, c).is_ok();
        assert!(ok(None, None, None), "a new log");
        assert!(ok(Some(&entry(3, "h", false)), None, None), "an old unkeyed log not yet written by this version");
        assert!(!ok(Some(&entry(3, "h", true)), None, None), "keyed entries but no checkpoint");
        assert!(ok(Some(&entry(5, "h5", true)), None, Some((5, "h5"))));
        assert!(ok(Some(&entry(7, "h7", true)), None, Some((5, "h5"))), "written since the checkpoint");
        assert!(!ok(Some(&entry(5, "other", true)), None, Some((5, "h5"))), "the checkpointed entry was replaced");
        assert!(!ok(Some(&entry(4, "h4", true)), None, Some((5, "h5"))), "entries deleted from the end");
        assert!(!ok(None, None, Some((5, "h5"))), "the log emptied");
        assert!(ok(None, Some(5), Some((5, "h5"))), "pruned by retention up to the checkpoint");
    }
}
