//! The JSON API's sites: list, read (with its open alerts, last check and 24 h / 7 d figures),
//! register and change.

use super::detail::site_view;
use super::manage::{create_site, update_site};
use crate::apidoc::{Errors, WriteErrors};
use crate::error::AppError;
use crate::limits::{check_limit, Limit};
use crate::routes::alerts::{alert_json, AlertOut};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::seal;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::monitor::{validate_site, History, NewSite, Site, SiteCategory, SiteState, DAY};
use utoipa::ToSchema;

/// A site as the API shows it (the worker's claim left out).
#[derive(Serialize, ToSchema)]
#[schema(as = Site)]
pub struct SiteOut {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub org_code: i64,
    pub region_code: i64,
    /// university, vocational, school, bureau, other
    #[schema(value_type = String)]
    pub category: SiteCategory,
    pub interval_minutes: u32,
    pub enabled: bool,
    /// unknown, up, warning, down
    #[schema(value_type = String)]
    pub state: SiteState,
    pub last_checked: Option<String>,
    pub ipv6_ok: Option<bool>,
    pub next_due: String,
    pub created_at: String,
    pub updated_at: String,
    /// A single site: its owner's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
}

pub fn site_json(s: &Site) -> SiteOut {
    SiteOut {
        id: s.id,
        name: s.name.clone(),
        url: s.url.clone(),
        org_code: s.org_code,
        region_code: s.region_code,
        category: s.category,
        interval_minutes: s.interval_minutes,
        enabled: s.enabled,
        state: s.state,
        last_checked: s.last_checked.map(store::time::rfc3339),
        ipv6_ok: s.ipv6_ok,
        next_due: store::time::rfc3339(s.next_due),
        created_at: store::time::rfc3339(s.created_at),
        updated_at: store::time::rfc3339(s.updated_at),
        owner_name: None,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Sites {
    pub items: Vec<SiteOut>,
    /// Pass as `after` for the next page; null on the last.
    pub next: Option<String>,
}

/// 站点列表 — the sites in scope, filtered.
#[utoipa::path(get, path = "/sites", tag = "网站监测", params(super::board::Filters, Limit), responses((status = 200, description = "站点 / Sites", body = Sites), Errors))]
pub async fn api_sites(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<super::board::Filters>, Query(l): Query<Limit>) -> Result<Json<Sites>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let q = f.query(check_limit(l.limit)?)?;
    let scope = me.scope.clone();
    let page = app.pool.run(move |s| s.sites(&scope, &q).map_err(AppError::from)).await?;
    Ok(Json(Sites { items: page.rows.iter().map(site_json).collect(), next: page.next.map(|n| seal::seal_cursor(&n, &f.context())) }))
}

/// Checks over a period.
#[derive(Serialize, ToSchema)]
pub struct Period {
    pub checks: u64,
    pub up: u64,
    pub availability: Option<f64>,
    pub v4_mean_ms: Option<u64>,
    pub v6_reachable: u64,
}

fn period(h: &History) -> Period {
    let ms: Vec<u64> = h.raw.iter().filter(|c| c.v4.reachable).map(|c| c.v4.elapsed_ms as u64).collect();
    Period {
        checks: h.checks(),
        up: h.up(),
        availability: (h.checks() > 0).then(|| h.up() as f64 / h.checks() as f64),
        v4_mean_ms: (!ms.is_empty()).then(|| ms.iter().sum::<u64>() / ms.len() as u64),
        v6_reachable: h.raw.iter().filter(|c| c.v6.reachable).count() as u64,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Periods {
    #[serde(rename = "24h")]
    #[schema(rename = "24h")]
    pub day: Period,
    #[serde(rename = "7d")]
    #[schema(rename = "7d")]
    pub week: Period,
}

/// A site with its open alerts, its latest check and its last day's and week's figures.
#[derive(Serialize, ToSchema)]
pub struct SiteDetail {
    pub site: SiteOut,
    pub open_alerts: Vec<AlertOut>,
    /// The latest check's summary (findings by kind), null before the first.
    #[schema(value_type = Option<Object>)]
    pub last_check: Option<store::monitor::CheckSummary>,
    pub history: Periods,
}

/// 站点详情 — one site in scope.
#[utoipa::path(get, path = "/sites/{id}", tag = "网站监测", params(("id" = i64, Path, description = "站点编号 / The site's number")), responses((status = 200, description = "站点 / The site", body = SiteDetail), Errors))]
pub async fn api_site(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<SiteDetail>, AppError> {
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
    site.owner_name = Some(v.owner.clone());
    Ok(Json(SiteDetail {
        site,
        open_alerts: v.alerts.iter().map(|a| alert_json(a, None)).collect(),
        last_check: v.last,
        history: Periods { day: period(&v.history), week: period(&week) },
    }))
}

/// The body of `POST /sites` and `PUT /sites/{id}`.
#[derive(Deserialize, ToSchema)]
#[schema(as = SiteInput)]
pub struct SiteBody {
    pub name: String,
    pub url: String,
    /// The owner: a division code (6 digits) or a school identifier (10 digits), in the caller's area.
    pub org_code: i64,
    /// university, vocational, school, bureau, other (or their Chinese names)
    pub category: String,
    /// Minutes between checks (5 unless given).
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
    validate_site(&s).map_err(|e| {
        let (zh, en) = crate::error::bilingual(&e);
        AppError::invalid(zh, en)
    })?;
    Ok((s, b.enabled))
}

/// 登记站点 — registers a site (its target and owner checked; audited).
#[utoipa::path(post, path = "/sites", tag = "网站监测", request_body = SiteBody, responses((status = 201, description = "已登记 / Registered", body = SiteOut), WriteErrors))]
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

/// 修改站点 — changes a site in scope (audited).
#[utoipa::path(put, path = "/sites/{id}", tag = "网站监测", params(("id" = i64, Path, description = "站点编号 / The site's number")), request_body = SiteBody, responses((status = 200, description = "已修改 / Changed", body = SiteOut), WriteErrors))]
pub async fn api_update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, body: Bytes) -> Result<Json<SiteOut>, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let (new, enabled) = body_site(&body)?;
    let site = update_site(&app, &me, &ip(&headers, &peer), id, new, enabled, "api").await?;
    Ok(Json(site_json(&site)))
}
