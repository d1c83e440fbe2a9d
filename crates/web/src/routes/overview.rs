//! 数据总览: totals, the map of Sichuan by city with drill-down to counties, the student–teacher
//! ratio, students by stage and grade, recent imports. Figures are cached per scope for a minute
//! (imports clear the cache).

use super::{ready, require, Me};
use crate::error::AppError;
use crate::render::{html, script_json, Ctx};
use crate::state::{AppState, OVERVIEW_TTL};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use store::{BatchSummary, OrgLevel, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/overview", get(page)).route("/overview/region/{code}", get(region))
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionRow {
    pub code: u32,
    pub name: String,
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
    /// Students per teacher, one decimal ("" without teachers).
    pub ratio: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeRow {
    pub grade: u8,
    pub zh: String,
    pub en: String,
    pub students: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
    pub ratio: String,
    /// Cities (province scope), counties (city or county scope) or the school.
    pub level: OrgLevel,
    pub regions: Vec<RegionRow>,
    pub grades: Vec<GradeRow>,
}

fn ratio(students: u64, teachers: u64) -> String {
    if teachers == 0 {
        String::new()
    } else {
        format!("{:.1}", students as f64 / teachers as f64)
    }
}

/// 学段 and grade names of the 学籍 grade codes.
pub fn grade_names(g: u8) -> (String, String) {
    let (stage, stage_en, n) = match g / 10 {
        1 => ("小学", "Primary", g % 10),
        2 => ("初中", "Junior", g % 10),
        3 => ("高中", "Senior", g % 10),
        _ => return ("未填年级".into(), "No grade".into()),
    };
    const CN: [&str; 7] = ["", "一", "二", "三", "四", "五", "六"];
    (format!("{stage}{}年级", CN.get(n as usize).unwrap_or(&"")), format!("{stage_en} {n}"))
}

fn name_of(code: u32) -> String {
    standard::codes::DIVISIONS.get(code).map(|d| d.name.to_string()).unwrap_or_else(|| code.to_string())
}

/// The figures of a scope, from the cache when fresh.
pub async fn figures(app: &Arc<AppState>, scope: &Scope) -> Result<Arc<Figures>, AppError> {
    let key = format!("{scope:?}");
    if let Some((at, f)) = app.overview.lock().expect("lock").get(&key) {
        if at.elapsed() < OVERVIEW_TTL {
            return Ok(f.clone());
        }
    }
    let sc = scope.clone();
    let f = app
        .pool
        .run(move |s| {
            let level = match &sc {
                Scope::Region { lo, hi } if hi - lo >= 9_999 => OrgLevel::City,
                Scope::School { .. } => OrgLevel::School,
                _ => OrgLevel::County,
            };
            let rows = s.region_figures(&sc, level)?;
            let grades = s.grade_counts(&sc)?;
            Ok((level, rows, grades))
        })
        .await?;
    let (level, rows, grades) = f;
    let mut regions: Vec<RegionRow> = rows
        .iter()
        .map(|r| RegionRow { code: r.code, name: name_of(r.code), schools: r.schools, teachers: r.teachers, students: r.students, ratio: ratio(r.students, r.teachers) })
        .collect();
    if let (OrgLevel::School, Scope::School { code, .. }) = (level, scope) {
        for r in &mut regions {
            r.name = code.clone();
        }
    }
    let (schools, teachers, students) = regions.iter().fold((0, 0, 0), |a, r| (a.0 + r.schools, a.1 + r.teachers, a.2 + r.students));
    let grades = grades
        .into_iter()
        .map(|g| {
            let (zh, en) = grade_names(g.grade);
            GradeRow { grade: g.grade, zh, en, students: g.students }
        })
        .collect();
    let f = Arc::new(Figures { schools, teachers, students, ratio: ratio(students, teachers), level, regions, grades });
    app.overview.lock().expect("lock").insert(key, (Instant::now(), f.clone()));
    Ok(f)
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

/// Recent batches the user may see: all for the province administrator, else their own.
pub async fn recent_batches(app: &Arc<AppState>, me: &crate::auth::Identity, n: usize) -> Result<Vec<BatchSummary>, AppError> {
    let all = me.user.role == store::Role::ProvinceAdmin;
    let name = me.user.name.clone();
    app.pool
        .run(move |s| {
            let list = s.list_batches(if all { n } else { 1000 })?;
            Ok(list.into_iter().filter(|b| all || b.user == name).take(n).collect())
        })
        .await
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let c = Ctx::new(&app, &headers, Some(&me), "/overview", "overview");
    let f = figures(&app, &me.scope).await?;
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
    let batches = if me.user.role.may_import() { recent_batches(&app, &me, 5).await? } else { Vec::new() };
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
    let f = figures(&app, &scope).await?;
    if headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json")) {
        use axum::response::IntoResponse;
        return Ok(Json(f.as_ref().clone()).into_response());
    }
    let c = Ctx::new(&app, &headers, Some(&me), "/overview", "overview");
    html(RegionPart { c, name: name_of(code), f })
}
