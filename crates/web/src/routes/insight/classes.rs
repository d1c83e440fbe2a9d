//! 大班额名单 — the drill-down of the class-size figures (issue 15): the classes of 56–65 or of
//! 66 and more students of a county or a school, with their sizes (`/insight/classes/list`, and
//! `/api/v1/insight/classes/list`). Classes are counted as the facts count them
//! (`store::facts::classes_of`), from the area's enrolments; the list is kept to a county or a
//! school (a city's or the province's would read millions of enrolments per request), so a
//! city's class figures open the screen one level down instead.

use super::model::{level_of, Level};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ready, require, Me};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::facts::{Band, ClassSize};
use utoipa::ToSchema;

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClassFilters {
    /// A county (GB/T 2260) inside the caller's area; empty: the caller's own area (a county or a school).
    #[serde(default)]
    pub region: String,
    /// One school (学校标识码) inside the area.
    #[serde(default)]
    pub school: String,
    /// `large` (56–65 students) or `very_large` (66 and more).
    #[serde(default)]
    pub band: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClassOut {
    pub school: String,
    pub school_name: String,
    /// 年级 code (11–33).
    pub grade: String,
    pub class_name: String,
    pub students: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ClassesOut {
    pub band: String,
    pub classes: Vec<ClassOut>,
}

/// The band's name (zh, en).
fn band_names(b: Band) -> (&'static str, &'static str) {
    match b {
        Band::Large => ("大班额班级（56–65 人）", "Classes of 56–65"),
        Band::VeryLarge => ("超大班额班级（66 人及以上）", "Classes of 66 and more"),
    }
}

/// The classes of the filters' band and area for `me`, with the schools' names.
async fn load(app: &Arc<AppState>, me: &crate::auth::Identity, f: &ClassFilters) -> Result<(Band, Vec<ClassSize>, BTreeMap<String, String>), AppError> {
    require(me.user.role.reads_base_data())?;
    let band = Band::from_key(f.band.trim())
        .ok_or_else(|| AppError::invalid("班额档无效，可用：large（56–65 人）, very_large（66 人及以上）。", "Unknown band; the allowed ones are: large (56–65), very_large (66 and more)."))?;
    let scope = super::Filters { region: f.region.clone() }.scope(&me.scope)?;
    let school = Some(f.school.trim().to_string()).filter(|s| !s.is_empty());
    if school.is_none() && matches!(level_of(&scope), Level::Province | Level::City) {
        return Err(AppError::invalid(
            "班额名单按区县或学校列出：请在地址中给出一个区县（region）或学校（school），或从区县的班额页面点击数字。",
            "The class list is kept to a county or a school: give a county (region) or a school (school), or click a figure on a county's class-size screen.",
        ));
    }
    app.pool
        .run(move |s| {
            let rows = s.class_sizes(&scope, school.as_deref(), band)?;
            let names = crate::changes::school_names(s, rows.iter().map(|c| c.school.clone()))?;
            Ok((band, rows, names))
        })
        .await
}

#[derive(Template)]
#[template(path = "insight_classes.html")]
struct Page {
    c: Ctx,
    zh: &'static str,
    en: &'static str,
    rows: Vec<(String, String, String, String, u64)>,
    back: String,
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<ClassFilters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (band, classes, names) = load(&app, &me, &f).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/insight/classes", "insight");
    let rows = classes
        .into_iter()
        .map(|k| {
            let (zh, en) = crate::labels::grade_names(k.grade.parse().unwrap_or(0));
            let grade = if c.t.is_en() { en } else { zh };
            (names.get(&k.school).cloned().unwrap_or_default(), k.school, grade, k.class_name, k.students)
        })
        .collect();
    let (zh, en) = band_names(band);
    let back = match f.region.trim() {
        "" => "/insight/classes".to_string(),
        r => format!("/insight/classes?region={}", crate::render::urlencode(r)),
    };
    html(Page { c, zh, en, rows, back })
}

/// 大班额名单 — the classes of a size band (56–65 or 66+) of a county or a school, with their sizes: the records behind the class-size figures.
#[utoipa::path(get, path = "/insight/classes/list", tag = "决策指标", params(ClassFilters), responses((status = 200, description = "班级名单 / The classes", body = ClassesOut), crate::apidoc::Errors))]
pub async fn api(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<ClassFilters>) -> Result<Json<ClassesOut>, AppError> {
    let me = ready(me)?;
    let (band, classes, names) = load(&app, &me, &f).await?;
    Ok(Json(ClassesOut {
        band: band.key().into(),
        classes: classes
            .into_iter()
            .map(|k| ClassOut { school_name: names.get(&k.school).cloned().unwrap_or_default(), school: k.school, grade: k.grade, class_name: k.class_name, students: k.students })
            .collect(),
    }))
}
