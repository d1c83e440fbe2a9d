//! 数据总览: totals, the map of Sichuan by city with drill-down to counties, the student–teacher
//! ratio, students by stage and grade, recent imports. Figures are cached per scope for a minute
//! (imports clear the cache).

use super::{ready, require, Me};
use crate::error::AppError;
use crate::render::{html, script_json, Ctx};
use crate::figures::{figures, name_of, recent_batches, Figures, RegionRow};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;
use store::{BatchSummary, OrgLevel};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/overview", get(page)).route("/overview/region/{code}", get(region))
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Page {
    c: Ctx,
    f: Arc<Figures>,
    map_json: String,
    ratio_json: String,
    grades_json: String,
    batches: Vec<BatchSummary>,
    show_map: bool,
}

#[derive(Serialize)]
struct MapData<'a> {
    cities: &'a [RegionRow],
    label: &'a str,
    high: &'a str,
    low: &'a str,
}

#[derive(Serialize)]
struct Bars {
    labels: Vec<String>,
    values: Vec<f64>,
    unit: String,
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let c = Ctx::new(&app, &headers, Some(&me), "/overview", "overview");
    let f = figures(&app.pool, &app.overview, &me.scope).await?;
    let en = c.t.is_en();
    let map_json = script_json(&MapData { cities: &f.regions, label: c.t.s("学生数", "Students"), high: c.t.s("多", "More"), low: c.t.s("少", "Fewer") });
    let ratio_json = script_json(&Bars {
        labels: f.regions.iter().map(|r| r.name.clone()).collect(),
        values: f.regions.iter().map(|r| r.ratio.parse().unwrap_or(0.0)).collect(),
        unit: c.t.s("生师比", "Students per teacher").into(),
    });
    let grades_json = script_json(&Bars {
        labels: f.grades.iter().map(|g| if en { g.en.clone() } else { g.zh.clone() }).collect(),
        values: f.grades.iter().map(|g| g.students as f64).collect(),
        unit: c.t.s("人", "students").into(),
    });
    let batches = if me.user.role.may_import() { recent_batches(&app.pool, &me.user, 5).await? } else { Vec::new() };
    let show_map = f.level == OrgLevel::City;
    html(Page { c, f, map_json, ratio_json, grades_json, batches, show_map })
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPart {
    c: Ctx,
    name: String,
    f: Arc<Figures>,
}

/// A division's counties (htmx fragment for the map's drill-down; JSON with `Accept: application/json`).
async fn region(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(code): Path<u32>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let scope = me.scope.narrow(code).ok_or(AppError::NotFound)?;
    if standard::codes::DIVISIONS.get(code).is_none() {
        return Err(AppError::NotFound);
    }
    let f = figures(&app.pool, &app.overview, &scope).await?;
    if headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json")) {
        use axum::response::IntoResponse;
        return Ok(Json(f.as_ref().clone()).into_response());
    }
    let c = Ctx::new(&app, &headers, Some(&me), "/overview", "overview");
    html(RegionPart { c, name: name_of(code), f })
}

/// The configured province's city map (`[province] map`, or Sichuan's built in); 404 when the
/// province has none (the pages then show no map).
pub async fn province_map(State(app): State<Arc<AppState>>) -> Response {
    use axum::response::IntoResponse;
    match &app.province.map {
        Some(m) => ([(axum::http::header::CONTENT_TYPE, "application/geo+json"), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")], m.clone()).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}
