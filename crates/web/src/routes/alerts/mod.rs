//! 告警: the alerts of the sites in scope — the list with its filters and pages, the badge in
//! the navigation, one alert's page with its handling (`detail`), and `GET /api/v1/alerts`.
//! The filters are parsed once ([`AlertFilters::query`]) for the page, the API and the export.

pub mod api;
pub mod detail;

use crate::auth::Identity;
use crate::error::AppError;
use crate::labels::{alert_kind_label, severity_class, severity_label};
use crate::limits::{check_limit, Limit};
use crate::render::{html, Ctx};
use crate::routes::{ready, require, Me};
use crate::seal;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use crate::apidoc::Errors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use std::collections::HashMap;
use std::sync::Arc;
use store::monitor::{Alert, AlertQuery, AlertStatus};
use store::Backend;

/// Alerts per page of the list.
const PAGE: usize = 50;

/// Alert kinds (guard::alerts), in the filter's order.
pub const KINDS: [&str; 8] = ["down", "tampered", "hidden_link", "sensitive_word", "cert_expired", "cert_expiring_7", "cert_expiring_30", "ipv6_lost"];

/// Severities, worst first.
pub const LEVELS: [&str; 5] = ["critical", "high", "medium", "low", "info"];

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/alerts", get(alerts))
        .route("/alerts/badge", get(badge))
        .route("/alerts/{id}", get(detail::page))
        .route("/alerts/{id}/{action}", post(detail::act))
}

/// Routes under `/api/v1`, documented.
pub fn api_routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(api_alerts)).routes(routes!(api::api_step))
}

pub struct AlertRow {
    pub a: Alert,
    pub site_name: String,
}

/// The alert list's filters as a query string carries them (the page, the API and the export
/// read the same fields). `state`: empty for the alerts still to deal with (未处理 and 已确认),
/// `open`, `acked`, `closed`, or `all`. `from` and `to` are dates (Beijing), both inclusive.
#[derive(Deserialize, Default, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertFilters {
    /// down, tampered, hidden_link, sensitive_word, cert_expired, cert_expiring_7, cert_expiring_30, ipv6_lost
    #[serde(default)]
    pub kind: String,
    /// critical, high, medium, low, info
    #[serde(default)]
    pub level: String,
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// 空：待处理（未处理与已确认）；open, acked, closed, all
    #[serde(default)]
    pub state: String,
    /// YYYY-MM-DD (Beijing), opened on or after.
    #[serde(default)]
    pub from: String,
    /// YYYY-MM-DD (Beijing), opened on or before.
    #[serde(default)]
    pub to: String,
    /// The cursor of the previous page.
    #[serde(default)]
    pub after: String,
}

/// Beijing midnight of a `YYYY-MM-DD` date, in Unix seconds.
fn day(s: &str, field: &str) -> Result<Option<i64>, AppError> {
    match s.trim() {
        "" => Ok(None),
        d => standard::Date::parse_iso(d)
            .map(|d| Some(d.days_since_epoch() * store::monitor::DAY - store::monitor::CST_OFFSET))
            .ok_or_else(|| AppError::invalid(format!("{field} 应为日期，如 2026-01-31。"), format!("{field} must be a date such as 2026-01-31."))),
    }
}

impl AlertFilters {
    /// The store's query of these filters, `limit` a page.
    pub fn query(&self, limit: usize) -> Result<AlertQuery, AppError> {
        let kind = match self.kind.trim() {
            "" => None,
            k if KINDS.contains(&k) => Some(k.to_string()),
            _ => return Err(AppError::invalid("未知的告警类型。", "Unknown alert kind.")),
        };
        let severity = match self.level.trim() {
            "" => None,
            l if LEVELS.contains(&l) => Some(l.to_string()),
            _ => return Err(AppError::invalid("未知的告警级别。", "Unknown level (critical, high, medium, low, info).")),
        };
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
        };
        let statuses = match self.state.trim() {
            "" => vec![AlertStatus::Open, AlertStatus::Acked],
            "all" => Vec::new(),
            x => vec![AlertStatus::parse(x).ok_or_else(|| AppError::invalid("未知的处置状态。", "Unknown state (open, acked, closed, all)."))?],
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, &self.context()).ok_or_else(AppError::bad_cursor)?),
        };
        let to = day(&self.to, "to")?.map(|t| t + store::monitor::DAY);
        Ok(AlertQuery { kind, severity, region, statuses, active_only: false, from: day(&self.from, "from")?, to, after, limit })
    }

    /// What the list's cursors are bound to: its filters.
    pub fn context(&self) -> String {
        seal::cursor_context(0, "alerts", &[self.kind.trim(), self.level.trim(), self.region.trim(), self.state.trim(), self.from.trim(), self.to.trim()])
    }

    /// The query string of these filters with another cursor.
    pub fn with_after(&self, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("kind={}&level={}&region={}&state={}&from={}&to={}&after={}", e(&self.kind), e(&self.level), e(&self.region), e(&self.state), e(&self.from), e(&self.to), e(after))
    }
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Ctx,
    f: AlertFilters,
    rows: Vec<AlertRow>,
    next: Option<String>,
    regions: Vec<(u32, String)>,
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
    fn status(&self, s: &AlertStatus) -> &'static str {
        self.c.t.s(s.zh(), s.en())
    }
    fn st_class(&self, s: &AlertStatus) -> &'static str {
        status_class(*s)
    }
    fn kinds(&self) -> Vec<(&'static str, String)> {
        KINDS.iter().map(|k| (*k, alert_kind_label(&self.c.t, k))).collect()
    }
    fn levels(&self) -> Vec<(&'static str, String)> {
        LEVELS.iter().map(|l| (*l, severity_label(&self.c.t, l))).collect()
    }
}

/// The tag class of a handling state.
pub fn status_class(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Open => "red",
        AlertStatus::Acked => "amber",
        AlertStatus::Closed => "green",
    }
}

/// The sites' names of some alerts.
pub fn with_names(s: &mut dyn Backend, list: Vec<Alert>) -> Result<Vec<AlertRow>, AppError> {
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(a.site_id) {
            e.insert(s.site(a.site_id)?.map(|x| x.name).unwrap_or_default());
        }
        out.push(AlertRow { site_name: names[&a.site_id].clone(), a });
    }
    Ok(out)
}

/// A page of the alerts in scope matching `q`, newest first, with their sites' names.
pub async fn alert_page(app: &Arc<AppState>, me: &Identity, q: AlertQuery) -> Result<(Vec<AlertRow>, Option<String>), AppError> {
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            let page = s.alerts_page(&scope, &q)?;
            Ok((with_names(s, page.rows)?, page.next))
        })
        .await
}

async fn alerts(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<AlertFilters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let (rows, next) = alert_page(&app, &me, f.query(PAGE)?).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/alerts", "alerts");
    let next = next.map(|n| f.with_after(&seal::seal_cursor(&n, &f.context())));
    html(AlertsPage { c, regions: crate::labels::region_options(&me.scope, app.config.province.code), f, rows, next })
}

/// The alerts in scope nobody has taken yet (未处理).
pub async fn untaken(app: &Arc<AppState>, me: &Identity) -> Result<u64, AppError> {
    let scope = me.scope.clone();
    let q = AlertQuery { statuses: vec![AlertStatus::Open], ..Default::default() };
    app.pool.run(move |s| Ok(s.alert_counts(&scope, &q)?.iter().map(|c| c.2).sum())).await
}

/// The navigation's badge: the count of 未处理 alerts, loaded by htmx into every page (empty
/// when none, or for a role that does not read the monitor).
async fn badge(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    if !me.user.role.reads_monitor() {
        return Ok(axum::response::Html(String::new()).into_response());
    }
    let n = untaken(&app, &me).await?;
    let title = if crate::auth::lang(&headers, &app) == crate::i18n::Lang::En { "open alerts" } else { "未处理的告警" };
    let body = if n == 0 { String::new() } else { format!(r#"<span class="badge" id="alert-badge" title="{title}">{}</span>"#, if n > 99 { "99+".to_string() } else { n.to_string() }) };
    Ok(axum::response::Html(body).into_response())
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
    /// open (未处理), acked (已确认), closed (已关闭)
    pub status: String,
    pub assignee: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    /// 处置说明
    pub disposition: Option<String>,
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
        status: a.status.code().to_string(),
        assignee: a.assignee.clone(),
        closed_by: a.closed_by.clone(),
        closed_at: a.closed_at.map(store::time::rfc3339),
        disposition: a.disposition.clone(),
        site_name: site_name.map(str::to_string),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Alerts {
    pub items: Vec<AlertOut>,
    /// The next page's cursor (`after`), when there is one.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiAlerts {
    /// true (the default): alerts whose problem the checks still see, in the states still to
    /// deal with unless `state` says otherwise; false: resolved ones too, in every state unless
    /// `state` says otherwise.
    #[serde(default = "yes")]
    #[param(default = true)]
    open: bool,
}

fn yes() -> bool {
    true
}

/// 告警列表 — alerts of the sites in scope, newest first, filtered, a page at a time.
#[utoipa::path(get, path = "/alerts", tag = "网站监测", params(ApiAlerts, AlertFilters, Limit), responses((status = 200, description = "告警 / Alerts", body = Alerts), Errors))]
async fn api_alerts(State(app): State<Arc<AppState>>, me: Me, Query(o): Query<ApiAlerts>, Query(mut f): Query<AlertFilters>, Query(l): Query<Limit>) -> Result<Json<Alerts>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    if !o.open && f.state.is_empty() {
        f.state = "all".into();
    }
    let mut q = f.query(check_limit(l.limit)?)?;
    q.active_only = o.open;
    let (rows, next) = alert_page(&app, &me, q).await?;
    Ok(Json(Alerts { items: rows.iter().map(|r| alert_json(&r.a, Some(&r.site_name))).collect(), next: next.map(|n| seal::seal_cursor(&n, &f.context())) }))
}
