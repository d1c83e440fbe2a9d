//! 数据总览 of one division: the user's own area at `/overview`, a city or county inside it at
//! `/overview/region/{code}` (clipped to the user's area; a division outside it is 404). Each
//! view has its breadcrumb 全省 › 市 › 区县, headline cards, the map (the province's cities, or
//! the city's own boundary alone), students per teacher against the national standards, students
//! by 学段 and grade with subtotals, and its parts: cities, counties (with their school lists)
//! or, for a county, its schools compared, and the county against its city and the province.
//! Figures are cached per scope for a minute (imports clear the cache).

use super::{ready, require, Me};
use crate::auth::Identity;
use crate::config::ConfigExt;
use crate::error::AppError;
use crate::figures::{self, detailed, figures, headline, name_of, recent_batches, stages, Figures, RegionRow, Stage, RATIO_STANDARDS};
use crate::render::{html, script_json, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;
use store::{BatchSummary, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/overview", get(page)).route("/overview/region/{code}", get(region))
}

/// The division a view shows, from the (narrowed) scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Province,
    City,
    County,
    School,
}

fn level_of(scope: &Scope) -> (Level, u32) {
    match scope {
        Scope::Region { lo, hi } if hi - lo >= 9_999 => (Level::Province, *lo),
        Scope::Region { lo, hi } if hi > lo => (Level::City, *lo),
        Scope::Region { lo, .. } => (Level::County, *lo),
        Scope::School { county, .. } => (Level::School, *county),
        Scope::Nothing => (Level::School, 0),
    }
}

/// One step of the breadcrumb; `href` is empty for the current view and for divisions the user
/// sees only part of.
struct Crumb {
    name: String,
    href: String,
}

/// A school of a county, compared with the others.
struct SchoolRow {
    code: String,
    name: String,
    kind: String,
    students: u64,
    teachers: u64,
    classes: u64,
    ratio: String,
    class_size: String,
    /// The standard ratio of its stage, and whether the school is above it.
    standard: String,
    over: bool,
}

/// The county, its city or the province, by the two ratios compared.
struct CompareRow {
    name: String,
    ratio: String,
    class_size: String,
    /// The classes are being counted in the background ([`figures::Classes`]).
    counting: bool,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Page {
    c: Ctx,
    f: Arc<Figures>,
    name: String,
    crumbs: Vec<Crumb>,
    /// Rows of the region table are counties (each with its school list).
    county_rows: bool,
    is_county: bool,
    /// The user may open school lists and pages.
    links: bool,
    cards: [String; 3],
    map_json: String,
    ratio_json: String,
    ratio_title: String,
    grades_json: String,
    compare_json: String,
    stages: Vec<Stage>,
    schools: Vec<SchoolRow>,
    compare: Vec<CompareRow>,
    batches: Vec<BatchSummary>,
    show_map: bool,
    /// A province or city view without a configured map (a note says so).
    no_map: bool,
    /// The division's code (the county's, for its school list).
    code: u32,
}

#[derive(Serialize)]
struct MapData<'a> {
    cities: &'a [RegionRow],
    label: &'a str,
    /// The city drawn alone (a city's view), by its name in the GeoJSON.
    focus: Option<String>,
}

#[derive(Serialize)]
struct Mark {
    name: String,
    value: f64,
}

#[derive(Serialize, Default)]
struct Bars {
    labels: Vec<String>,
    values: Vec<f64>,
    unit: String,
    /// Reference lines (the national standards where ratios are compared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    marks: Vec<Mark>,
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or(0.0)
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let scope = me.scope.clone();
    view(&app, &headers, &me, scope).await
}

/// A division's view (JSON of its figures with `Accept: application/json`).
async fn region(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(code): Path<u32>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let scope = me.scope.narrow(code).ok_or(AppError::NotFound)?;
    if standard::codes::DIVISIONS.get(code).is_none() {
        return Err(AppError::NotFound);
    }
    if headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json")) {
        let f = figures(&app.pool, &app.overview, &scope).await?;
        return Ok(Json(f.as_ref().clone()).into_response());
    }
    view(&app, &headers, &me, scope).await
}

/// Whether the user sees the whole of a division (then it may be linked to).
fn sees_whole(me: &Identity, code: u32) -> bool {
    let (lo, hi) = store::region_range(code);
    me.scope.narrow(code) == Some(Scope::Region { lo, hi })
}

fn crumbs(c: &Ctx, me: &Identity, level: Level, code: u32, province: u32) -> Vec<Crumb> {
    let link = |at: u32, href: String| if sees_whole(me, at) { href } else { String::new() };
    let mut v = vec![Crumb { name: c.t.s("全省", "Province").into(), href: link(province, "/overview".into()) }];
    if level != Level::Province && code > 0 {
        let city = store::sql::city_of(code);
        v.push(Crumb { name: name_of(city), href: link(city, format!("/overview/region/{city}")) });
        if city != code {
            v.push(Crumb { name: name_of(code), href: link(code, format!("/overview/region/{code}")) });
        }
    }
    if level == Level::School {
        v.push(Crumb { name: c.org_name().into(), href: String::new() });
    }
    if let Some(last) = v.last_mut() {
        last.href.clear();
    }
    v
}

async fn view(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, scope: Scope) -> Result<Response, AppError> {
    let c = Ctx::new(app, headers, Some(me), "/overview", "overview");
    let (level, code) = level_of(&scope);
    let province = app.config.province.code * 10_000;
    let is_county = level == Level::County;
    let f = if is_county { detailed(&app.pool, &app.overview, &scope).await? } else { figures(&app.pool, &app.overview, &scope).await? };
    let t = c.t;
    let name = match level {
        Level::Province => app.config.province_name(!t.is_en()),
        Level::School => c.org_name().to_string(),
        _ => name_of(code),
    };
    let marks: Vec<Mark> = RATIO_STANDARDS.iter().map(|(zh, en, v)| Mark { name: format!("{} {v}", if t.is_en() { *en } else { *zh }), value: *v }).collect();
    let show_map = matches!(level, Level::Province | Level::City) && c.has_map();
    let no_map = matches!(level, Level::Province | Level::City) && !c.has_map();
    let city_row;
    let map_cities: &[RegionRow] = if level == Level::City {
        city_row = [RegionRow { code, name: name.clone(), schools: f.schools, teachers: f.teachers, students: f.students, ratio: f.ratio.clone() }];
        &city_row
    } else {
        &f.regions
    };
    let map_json = script_json(&MapData { cities: map_cities, label: t.s("学生数", "Students"), focus: (level == Level::City).then(|| name.clone()) });
    let schools: Vec<SchoolRow> = f
        .school_list
        .iter()
        .map(|s| {
            let std = figures::standard_of(&s.school_type);
            let ratio = figures::ratio(s.students, s.teachers);
            SchoolRow {
                code: s.code.clone(),
                name: s.name.clone(),
                kind: standard::codes::SCHOOL_TYPES.get(&s.school_type).map(|k| k.name.clone()).unwrap_or_default(),
                students: s.students,
                teachers: s.teachers,
                classes: s.classes,
                over: std.is_some_and(|v| !ratio.is_empty() && num(&ratio) > v),
                ratio,
                class_size: if s.classes > 0 { format!("{:.1}", s.students as f64 / s.classes as f64) } else { String::new() },
                standard: std.map(|v| format!("{v}")).unwrap_or_default(),
            }
        })
        .collect();
    let (ratio_title, ratio_json) = if is_county {
        let bars = Bars { labels: schools.iter().map(|s| s.name.clone()).collect(), values: schools.iter().map(|s| num(&s.ratio)).collect(), unit: t.s("生师比", "Students per teacher").into(), marks, ..Default::default() };
        (t.s("各校生师比", "Students per teacher by school"), script_json(&bars))
    } else {
        let bars = Bars { labels: f.regions.iter().map(|r| r.name.clone()).collect(), values: f.regions.iter().map(|r| num(&r.ratio)).collect(), unit: t.s("生师比", "Students per teacher").into(), marks, ..Default::default() };
        let title = match level {
            Level::Province => t.s("各市（州）生师比", "Students per teacher by city"),
            _ => t.s("各区县生师比", "Students per teacher by county"),
        };
        (title, script_json(&bars))
    };
    let grades_json = script_json(&Bars {
        labels: f.grades.iter().map(|g| if t.is_en() { g.en.clone() } else { g.zh.clone() }).collect(),
        values: f.grades.iter().map(|g| g.students as f64).collect(),
        unit: t.s("人", "students").into(),
        ..Default::default()
    });
    // The county against its city and the province: ratios only, which say nothing of any one
    // school or person outside the officer's county.
    let mut compare = Vec::new();
    let mut compare_json = String::new();
    if is_county {
        let city = store::sql::city_of(code);
        let mut against = vec![(name.clone(), f.clone(), f.classes)];
        let (lo, hi) = store::region_range(city);
        let mut wider = vec![(app.config.province_name(!t.is_en()), app.config.province_scope())];
        if city != code {
            wider.insert(0, (name_of(city), Scope::Region { lo, hi }));
        }
        for (n, sc) in wider {
            let g = figures(&app.pool, &app.overview, &sc).await?;
            // Small divisions while the page waits; larger ones in the background, once per import.
            let classes = if g.students <= app.config.class_scan_max { detailed(&app.pool, &app.overview, &sc).await?.classes } else { app.classes.get_or_start(&app.pool, &sc) };
            against.push((n, g, classes));
        }
        compare = against.iter().map(|(n, g, k)| CompareRow { name: n.clone(), ratio: g.ratio.clone(), class_size: figures::class_size(g.students, *k), counting: k.is_none() }).collect();
        let marks = RATIO_STANDARDS.iter().map(|(zh, en, v)| Mark { name: format!("{} {v}", if t.is_en() { *en } else { *zh }), value: *v }).collect();
        compare_json = script_json(&Bars {
            labels: compare.iter().map(|r| r.name.clone()).collect(),
            values: compare.iter().map(|r| num(&r.ratio)).collect(),
            unit: t.s("生师比", "Students per teacher").into(),
            marks,
            ..Default::default()
        });
    }
    let batches = if me.user.role.may_import() && code == level_of(&me.scope).1 { recent_batches(&app.pool, &me.user, 5).await? } else { Vec::new() };
    let cards = [headline(&t, f.schools), headline(&t, f.teachers), headline(&t, f.students)];
    let crumbs = crumbs(&c, me, level, code, province);
    let stages = stages(&f.grades);
    let links = me.user.role.reads_base_data();
    html(Page { c, f, name, crumbs, county_rows: level == Level::City, is_county, links, cards, map_json, ratio_json, ratio_title: ratio_title.into(), grades_json, compare_json, stages, schools, compare, batches, show_map, no_map, code })
}

/// The configured province's city map (`[province] map`, or Sichuan's built in); 404 when the
/// province has none (the pages then show no map).
pub async fn province_map(State(app): State<Arc<AppState>>) -> Response {
    match &app.province.map {
        Some(m) => ([(axum::http::header::CONTENT_TYPE, "application/geo+json"), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")], m.clone()).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}
