//! The JSON API's sites: list, read (with its open alerts, last check and 24 h / 7 d figures),
//! register and change.

use super::detail::site_view;
use super::manage::{create_site, update_site};
use crate::limits::{check_limit, Limit};
use crate::routes::alerts::alert_json;
use crate::routes::{ip, ready, require, Me, Peer};
use crate::seal;
use axum::body::Bytes;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use store::monitor::{validate_site, History, NewSite, Site, SiteCategory, DAY};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A site as the API shows it (the worker's claim left out).
pub fn site_json(s: &Site) -> Value {
    json!({
        "id": s.id, "name": s.name, "url": s.url, "org_code": s.org_code, "region_code": s.region_code,
        "category": s.category, "interval_minutes": s.interval_minutes, "enabled": s.enabled, "state": s.state,
        "last_checked": s.last_checked.map(store::time::rfc3339), "ipv6_ok": s.ipv6_ok, "next_due": store::time::rfc3339(s.next_due),
        "created_at": store::time::rfc3339(s.created_at), "updated_at": store::time::rfc3339(s.updated_at),
    })
}

pub async fn api_sites(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<super::board::Filters>, Query(l): Query<Limit>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let q = f.query(check_limit(l.limit)?)?;
    let scope = me.scope.clone();
    let page = app.pool.run(move |s| s.sites(&scope, &q).map_err(AppError::from)).await?;
    Ok(Json(json!({ "items": page.rows.iter().map(site_json).collect::<Vec<_>>(), "next": page.next.map(|n| seal::seal_cursor(&n, &f.context())) })))
}

fn period(h: &History) -> Value {
    let ms: Vec<u64> = h.raw.iter().filter(|c| c.v4.reachable).map(|c| c.v4.elapsed_ms as u64).collect();
    json!({
        "checks": h.checks(), "up": h.up(), "availability": (h.checks() > 0).then(|| h.up() as f64 / h.checks() as f64),
        "v4_mean_ms": (!ms.is_empty()).then(|| ms.iter().sum::<u64>() / ms.len() as u64),
        "v6_reachable": h.raw.iter().filter(|c| c.v6.reachable).count(),
    })
}

pub async fn api_site(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let now = store::time::unix_now();
    let scope = me.scope.clone();
    let (v, week) = app
        .pool
        .run(move |s| {
            let v = site_view(s, &scope, id, now - DAY, now + 1)?;
            let week = s.history(id, now - 7 * DAY, now + 1)?;
            Ok((v, week))
        })
        .await?;
    let mut site = site_json(&v.site);
    site["owner_name"] = v.owner.clone().into();
    Ok(Json(json!({
        "site": site,
        "open_alerts": v.alerts.iter().map(|a| alert_json(a, None)).collect::<Vec<_>>(),
        "last_check": v.last,
        "history": { "24h": period(&v.history), "7d": period(&week) },
    })))
}

/// The body of `POST /sites` and `PUT /sites/{id}`.
#[derive(Deserialize)]
pub struct SiteBody {
    pub name: String,
    pub url: String,
    pub org_code: i64,
    pub category: String,
    #[serde(default)]
    pub interval_minutes: Option<u32>,
    /// PUT only: enable or disable.
    #[serde(default)]
    pub enabled: Option<bool>,
}

fn body_site(body: &Bytes) -> Result<(NewSite, Option<bool>), AppError> {
    let b: SiteBody = serde_json::from_slice(body).map_err(|e| {
        AppError::invalid(format!("请求体应为 JSON：name, url, org_code, category, interval_minutes（{e}）"), format!("The body must be JSON with name, url, org_code, category, interval_minutes ({e})"))
    })?;
    let category = SiteCategory::parse(&b.category).ok_or_else(|| AppError::invalid(format!("未知类别：{}", b.category), format!("Unknown category {} (university, vocational, school, bureau, other)", b.category)))?;
    let s = NewSite { name: b.name.trim().into(), url: b.url.trim().into(), org_code: b.org_code, category, interval_minutes: b.interval_minutes.unwrap_or(guard::register::DEFAULT_INTERVAL) };
    validate_site(&s).map_err(|e| AppError::invalid(e.clone(), e))?;
    Ok((s, b.enabled))
}

pub async fn api_create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, body: Bytes) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let (new, enabled) = body_site(&body)?;
    let mut site = create_site(&app, &me, &ip(&headers, &peer), new.clone(), "api").await?;
    if enabled == Some(false) {
        site = update_site(&app, &me, &ip(&headers, &peer), site.id, new, Some(false), "api").await?;
    }
    Ok((StatusCode::CREATED, Json(site_json(&site))).into_response())
}

pub async fn api_update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, body: Bytes) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let (new, enabled) = body_site(&body)?;
    let site = update_site(&app, &me, &ip(&headers, &peer), id, new, enabled, "api").await?;
    Ok(Json(site_json(&site)))
}
