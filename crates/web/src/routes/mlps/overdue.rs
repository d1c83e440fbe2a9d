//! 逾期清单 — the overdue systems by region, and the completion rates per region (the security
//! overview shows the same rows): of level ≥ 2 systems, the share filed, the share of level ≥ 3
//! assessed on time, the share with nothing overdue.

use super::{level_label, reads, view, View};
use crate::auth::Identity;
use crate::error::AppError;
use crate::labels::pct;
use crate::render::{html, Ctx};
use crate::routes::{ready, Me};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::mlps::{by_level, total, RegionCompletion};
use store::{OrgLevel, Scope};

/// The most overdue systems a page lists (the longest overdue first; the totals count all).
pub const LISTED: usize = 200;

/// One region's completion, as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = MlpsRegion)]
pub struct RegionRow {
    pub code: u32,
    pub name: String,
    /// Level ≥ 2 systems.
    pub systems: u64,
    pub filed: u64,
    pub assessed_required: u64,
    pub assessed_on_time: u64,
    pub overdue: u64,
    /// 备案率, e.g. "75.0%" ("—" with no system).
    pub filed_rate: String,
    /// 测评按期率 (level ≥ 3).
    pub assessed_rate: String,
    /// 按期完成率: nothing overdue.
    pub on_time_rate: String,
}

fn row(r: &RegionCompletion, name: String) -> RegionRow {
    RegionRow { code: r.code, name, systems: r.systems, filed: r.filed, assessed_required: r.assessed_required, assessed_on_time: r.assessed_on_time, overdue: r.overdue, filed_rate: pct(r.filed_rate()), assessed_rate: pct(r.assessed_rate()), on_time_rate: pct(r.on_time_rate()) }
}

/// The level a scope's regions are shown at: a province by city, a city or county by county.
fn level_of(scope: &Scope) -> OrgLevel {
    match scope {
        Scope::Region { lo, hi } if hi - lo >= 9_999 => OrgLevel::Province,
        _ => OrgLevel::City,
    }
}

/// The completion rows of the caller's area (by region) and their total.
pub async fn completion(app: &Arc<AppState>, me: &Identity) -> Result<(Vec<RegionRow>, RegionRow), AppError> {
    reads(me)?;
    let scope = super::read_scope(app, me).await?;
    let level = level_of(&scope);
    let today = app.clock.today();
    let rows = app.pool.run(move |s| Ok(s.completion(&scope, today)?)).await?;
    let grouped = by_level(&rows, level);
    let name = |code: u32| standard::codes::DIVISIONS.get(code).map(|d| d.name.clone()).unwrap_or_else(|| code.to_string());
    let out = grouped.iter().map(|r| row(r, name(r.code))).collect();
    Ok((out, row(&total(&grouped), String::new())))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionFilter {
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
}

/// The overdue systems (at most [`LISTED`]) of the caller's area, or of a region in it.
pub async fn overdue(app: &Arc<AppState>, me: &Identity, region: &str) -> Result<Vec<View>, AppError> {
    reads(me)?;
    let region = match region.trim() {
        "" => None,
        r => Some(r.parse::<u32>().ok().filter(|_| r.len() == 6).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
    };
    let scope = super::read_scope(app, me).await?;
    let today = app.clock.today();
    app.pool
        .run(move |s| {
            let rows = s.overdue_systems(&scope, region, today, LISTED)?;
            let mut names = HashMap::new();
            rows.iter().map(|x| view(s, x, today, &mut names)).collect()
        })
        .await
}

#[derive(Template)]
#[template(path = "mlps_overdue.html")]
struct Page {
    c: Ctx,
    regions: Vec<RegionRow>,
    sum: RegionRow,
    rows: Vec<View>,
    region: String,
    listed: usize,
}

impl Page {
    /// The register's export, overdue systems only, in the region shown.
    fn export_q(&self) -> String {
        format!("state=overdue&region={}", crate::render::urlencode(&self.region))
    }
    fn lv(&self, l: &u8) -> &'static str {
        level_label(&self.c.t, *l)
    }
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<RegionFilter>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (regions, sum) = completion(&app, &me).await?;
    let rows = overdue(&app, &me, &f.region).await?;
    html(Page { c: Ctx::new(&app, &headers, Some(&me), "/mlps", "mlps"), regions, sum, rows, region: f.region.trim().to_string(), listed: LISTED })
}
