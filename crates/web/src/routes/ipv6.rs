//! IPv6 监测看板: each category's IPv6 support rate, the universities' rate against the plan's
//! 100 % target, level-2 and level-3 link rates from the daily depth crawls, and the sites that
//! fall short with the reason. Scoped like every page; `?region=` narrows it.

use crate::labels::{category_label, pct, region_options, shortfall, shortfall_text};
use super::{ready, require, Me};
use crate::error::AppError;
use crate::render::{html, script_json, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::monitor::{category_rates, CategoryIpv6, Ipv6Result, SiteCategory};
use store::Scope;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/ipv6", get(page))
}

/// The plan's target for universities' portals.
pub const UNIVERSITY_TARGET: f64 = 1.0;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    #[serde(default)]
    pub region: String,
}

impl Filters {
    /// The user's scope, narrowed to the region asked for (404 outside the scope).
    pub fn scope(&self, mine: &Scope) -> Result<Scope, AppError> {
        match self.region.trim() {
            "" => Ok(mine.clone()),
            r => {
                let code = r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?;
                mine.narrow(code).ok_or(AppError::NotFound)
            }
        }
    }
}

pub struct CategoryRow {
    pub c: CategoryIpv6,
    pub name: &'static str,
    pub rate: String,
    pub l2: String,
    pub l3: String,
}

pub struct SiteRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub category: &'static str,
    pub success: String,
    pub l2: String,
    pub l3: String,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "ipv6.html")]
struct Page {
    c: Ctx,
    f: Filters,
    regions: Vec<(u32, String)>,
    rows: Vec<CategoryRow>,
    /// The universities' figures, when the scope has universities.
    uni: Option<CategoryRow>,
    target: String,
    gap: u32,
    short: Vec<SiteRow>,
    more: usize,
    chart_json: String,
    gauge_json: String,
}

#[derive(Serialize)]
struct Bars {
    labels: Vec<String>,
    values: Vec<f64>,
    unit: String,
}

#[derive(Serialize)]
struct Gauge {
    value: f64,
    target: f64,
    label: String,
}

/// Sites listed as falling short, at most.
const SHORT_LIST: usize = 200;

async fn load(app: &Arc<AppState>, scope: Scope) -> Result<Vec<Ipv6Result>, AppError> {
    app.pool.run(move |s| s.ipv6_results(&scope, None).map_err(AppError::from)).await
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let scope = f.scope(&me.scope)?;
    let results = load(&app, scope).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/ipv6", "ipv6");
    let name = |cat: SiteCategory| category_label(&c.t, cat);
    let row = |x: &CategoryIpv6| CategoryRow { c: x.clone(), name: name(x.category), rate: pct(x.rate), l2: pct(x.l2_rate), l3: pct(x.l3_rate) };
    let rates = category_rates(&results);
    let rows: Vec<CategoryRow> = rates.iter().map(row).collect();
    let uni = rates.iter().find(|x| x.category == SiteCategory::University).map(row);
    let gap = uni.as_ref().map_or(0, |u| u.c.checked - u.c.supported);
    // Universities first (the plan's target), then the other categories.
    let mut short: Vec<&Ipv6Result> = results.iter().filter(|r| !r.supported()).collect();
    short.sort_by_key(|r| (r.category != SiteCategory::University, r.category as u8, r.site_id));
    let more = short.len().saturating_sub(SHORT_LIST);
    let short = short
        .into_iter()
        .take(SHORT_LIST)
        .map(|r| SiteRow {
            id: r.site_id,
            name: r.name.clone(),
            url: r.url.clone(),
            category: name(r.category),
            success: if r.probes == 0 { "—".into() } else { format!("{}/{}", r.successes, r.probes) },
            l2: pct(r.l2_rate()),
            l3: pct(r.l3_rate()),
            reasons: shortfall_text(&c.t, r),
        })
        .collect();
    let chart_json = script_json(&Bars {
        labels: rows.iter().map(|r| r.name.to_string()).collect(),
        values: rates.iter().map(|x| x.rate.map_or(0.0, |r| (r * 1000.0).round() / 10.0)).collect(),
        unit: "%".into(),
    });
    let gauge_json = script_json(&Gauge {
        value: uni.as_ref().and_then(|u| u.c.rate).map_or(0.0, |r| (r * 1000.0).round() / 10.0),
        target: UNIVERSITY_TARGET * 100.0,
        label: c.t.s("高校 IPv6 支持率", "Universities' IPv6 support").into(),
    });
    let regions = region_options(&me.scope, app.config.province.code);
    html(Page { c, f, regions, rows, uni, target: pct(Some(UNIVERSITY_TARGET)), gap, short, more, chart_json, gauge_json })
}

/// IPv6 支持情况 — each category's rate and every site's result, scoped.
#[utoipa::path(get, path = "/ipv6", tag = "网站监测", params(Filters), responses((status = 200, description = "IPv6 支持率 / Rates and results", body = Ipv6Out), crate::apidoc::Errors))]
pub async fn api(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>) -> Result<Json<Ipv6Out>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let scope = f.scope(&me.scope)?;
    let results = load(&app, scope).await?;
    let sites = results
        .iter()
        .map(|r| Ipv6Site {
            site_id: r.site_id,
            name: r.name.clone(),
            url: r.url.clone(),
            category: r.category,
            region_code: r.region_code,
            checked_at: r.checked,
            aaaa: r.aaaa,
            home_reachable: r.home,
            consistent_with_ipv4: r.consistent,
            probes: r.probes,
            successes: r.successes,
            success_rate: r.success_rate(),
            level2_rate: r.l2_rate(),
            level3_rate: r.l3_rate(),
            crawl: r.crawl,
            supported: r.supported(),
            shortfall: shortfall(r).iter().map(|(_, en)| *en).collect(),
        })
        .collect();
    Ok(Json(Ipv6Out { categories: category_rates(&results), university_target: UNIVERSITY_TARGET, sites }))
}

/// IPv6 support: each category's rate and every site's result.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Ipv6)]
pub struct Ipv6Out {
    /// Per category: sites, checked, with AAAA, home reachable, supported, rates.
    #[schema(value_type = Vec<Object>)]
    pub categories: Vec<CategoryIpv6>,
    pub university_target: f64,
    pub sites: Vec<Ipv6Site>,
}

/// A site's IPv6 result.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ipv6Site {
    pub site_id: i64,
    pub name: String,
    pub url: String,
    #[schema(value_type = String)]
    pub category: SiteCategory,
    pub region_code: i64,
    /// Unix seconds of the latest check.
    pub checked_at: Option<i64>,
    pub aaaa: bool,
    pub home_reachable: bool,
    pub consistent_with_ipv4: Option<bool>,
    pub probes: u32,
    pub successes: u32,
    pub success_rate: Option<f64>,
    pub level2_rate: Option<f64>,
    pub level3_rate: Option<f64>,
    /// The latest depth crawl's counts.
    #[schema(value_type = Option<Object>)]
    pub crawl: Option<store::monitor::CrawlSummary>,
    pub supported: bool,
    /// Why it falls short (English).
    pub shortfall: Vec<&'static str>,
}
