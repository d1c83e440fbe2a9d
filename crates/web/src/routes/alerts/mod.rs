//! 告警: the alerts of the sites in scope, newest first (the page and `GET /api/v1/alerts`).

use crate::auth::Identity;
use crate::error::AppError;
use crate::labels::{alert_kind_label, severity_class, severity_label};
use crate::limits::{check_limit, Limit};
use crate::render::{html, Ctx};
use crate::routes::{ready, require, Me};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use crate::apidoc::Errors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use std::collections::HashMap;
use std::sync::Arc;
use store::monitor::Alert;

/// Alerts listed at most.
const ALERTS: usize = 200;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/alerts", get(alerts))
}

/// Routes under `/api/v1`.
/// Routes under `/api/v1`, documented.
pub fn api_routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(api_alerts))
}

pub struct AlertRow {
    pub a: Alert,
    pub site_name: String,
}

#[derive(Deserialize, Default)]
pub struct AlertFilters {
    /// "1": resolved alerts too.
    #[serde(default)]
    all: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Ctx,
    all: bool,
    rows: Vec<AlertRow>,
}

impl AlertsPage {
    fn kind(&self, k: &str) -> String {
        alert_kind_label(&self.c.t, k)
    }
    fn sev(&self, s: &str) -> String {
        severity_label(&self.c.t, s)
    }
    fn sev_class(&self, s: &str) -> &'static str {
        severity_class(s)
    }
}

/// Alerts in scope, newest first, with their sites' names.
async fn alert_rows(app: &Arc<AppState>, me: &Identity, open_only: bool, limit: usize) -> Result<Vec<AlertRow>, AppError> {
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            let list = s.list_alerts(&scope, open_only, limit)?;
            let mut names: HashMap<i64, String> = HashMap::new();
            let mut out = Vec::with_capacity(list.len());
            for a in list {
                if let std::collections::hash_map::Entry::Vacant(e) = names.entry(a.site_id) {
                    e.insert(s.site(a.site_id)?.map(|x| x.name).unwrap_or_default());
                }
                out.push(AlertRow { site_name: names[&a.site_id].clone(), a });
            }
            // Newest first by when they were opened (the store gives the latest by id).
            out.sort_by_key(|r| std::cmp::Reverse((r.a.opened_at, r.a.id)));
            Ok(out)
        })
        .await
}

async fn alerts(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<AlertFilters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let all = f.all == "1";
    let rows = alert_rows(&app, &me, !all, ALERTS).await?;
    html(AlertsPage { c: Ctx::new(&app, &headers, Some(&me), "/alerts", "alerts"), all, rows })
}

/// An alert as the API shows it.
#[derive(Serialize, ToSchema)]
#[schema(as = Alert)]
pub struct AlertOut {
    pub id: i64,
    pub site_id: i64,
    /// down, cert_expiring_30, cert_expiring_7, cert_expired, tampered, hidden_link, sensitive_word, ipv6_lost
    pub kind: String,
    pub kind_zh: String,
    /// info, low, medium, high, critical
    pub severity: String,
    pub message: String,
    pub opened_at: String,
    pub last_seen: String,
    pub count: u32,
    pub resolved_at: Option<String>,
    /// In lists: the site's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
}

pub fn alert_json(a: &Alert, site_name: Option<&str>) -> AlertOut {
    AlertOut {
        id: a.id,
        site_id: a.site_id,
        kind: a.kind.clone(),
        kind_zh: guard::alerts::kind_zh(&a.kind).to_string(),
        severity: a.severity.clone(),
        message: a.message.clone(),
        opened_at: store::time::rfc3339(a.opened_at),
        last_seen: store::time::rfc3339(a.last_seen),
        count: a.count,
        resolved_at: a.resolved_at.map(store::time::rfc3339),
        site_name: site_name.map(str::to_string),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Alerts {
    pub items: Vec<AlertOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiAlerts {
    /// false: resolved alerts too.
    #[serde(default = "yes")]
    #[param(default = true)]
    open: bool,
}

fn yes() -> bool {
    true
}

/// 告警列表 — alerts of the sites in scope, newest first.
#[utoipa::path(get, path = "/alerts", tag = "网站监测", params(ApiAlerts, Limit), responses((status = 200, description = "告警 / Alerts", body = Alerts), Errors))]
async fn api_alerts(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<ApiAlerts>, Query(l): Query<Limit>) -> Result<Json<Alerts>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let rows = alert_rows(&app, &me, f.open, check_limit(l.limit)?).await?;
    Ok(Json(Alerts { items: rows.iter().map(|r| alert_json(&r.a, Some(&r.site_name))).collect() }))
}
