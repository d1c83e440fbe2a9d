//! 办学条件 of a school: the panel of the school's page (the latest school year beside the one
//! before), its JSON API (`/api/v1/schools/{code}/conditions`, the school's whole history) and
//! the export of a school year's conditions in the caller's area (`List::Conditions`). Every read
//! is `store::conditions::Conditions`, cut to the caller's scope in the store; a school outside
//! the area answers 404 like an unknown one.

use super::{ready, require, Me};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::conditions::SchoolConditions;
use store::Entity;

/// Each field of the conditions template with its English label and unit (Chinese, English):
/// the panel's rows and the export's English headers.
pub const FIELDS: [(&str, &str, &str, &str); 12] = [
    ("school_code", "School identifier", "", ""),
    ("school_year", "School year", "", ""),
    ("building_area", "Building area", "平方米", "m²"),
    ("teaching_area", "Teaching and auxiliary space", "平方米", "m²"),
    ("sports_ground_area", "Sports ground", "平方米", "m²"),
    ("sports_hall_area", "Sports hall", "平方米", "m²"),
    ("equipment_value", "Teaching equipment value", "元", "yuan"),
    ("multimedia_rooms", "Multimedia classrooms", "间", "rooms"),
    ("library_books", "Library books", "册", "volumes"),
    ("boarding_places", "Boarding places", "张", "beds"),
    ("county_public", "County-run public school", "", ""),
    ("teaching_point", "Teaching point", "", ""),
];

/// One row of the panel: a field, its value in each year shown (newest first).
pub struct PanelRow {
    pub zh: &'static str,
    pub en: &'static str,
    pub unit_zh: &'static str,
    pub unit_en: &'static str,
    /// (Chinese, English) per year.
    pub values: Vec<(String, String)>,
}

/// The panel of the school's page: the newest two school years, None when there are none.
pub struct Panel {
    pub years: Vec<String>,
    pub rows: Vec<PanelRow>,
}

/// A value as shown: yes/no in words, numbers as stored ('—' when empty).
fn shown(key: &str, v: &str) -> (String, String) {
    match (key, v) {
        (_, "") => ("—".into(), "—".into()),
        ("county_public" | "teaching_point", "1") => ("是".into(), "yes".into()),
        ("county_public" | "teaching_point", "0") => ("否".into(), "no".into()),
        _ => (v.to_string(), v.to_string()),
    }
}

/// The panel of `history` (newest first, as `conditions_history` returns it).
pub fn panel(history: &[SchoolConditions]) -> Option<Panel> {
    let shown_years: Vec<&SchoolConditions> = history.iter().take(2).collect();
    if shown_years.is_empty() {
        return None;
    }
    let t = Entity::Conditions.template();
    let rows = FIELDS
        .iter()
        .skip(2)
        .map(|&(key, en, unit_zh, unit_en)| PanelRow {
            zh: t.fields[t.index(key).expect("a conditions field")].zh,
            en,
            unit_zh,
            unit_en,
            values: shown_years.iter().map(|c| shown(key, c.get(key))).collect(),
        })
        .collect();
    Some(Panel { years: shown_years.iter().map(|c| c.school_year.clone()).collect(), rows })
}

/// A school's conditions in one school year, as the API gives them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConditionsYear {
    /// 学年, e.g. `2024-2025`.
    pub school_year: String,
    /// Every field of the 办学条件 template by its key (`building_area`, …), as stored: areas in
    /// m², the equipment value in yuan, counts; yes/no as 1/0; '' when not filled in.
    pub values: BTreeMap<String, String>,
}

/// A school's conditions history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConditionsHistory {
    pub school_code: String,
    pub school_name: String,
    /// Newest school year first; empty when none were imported.
    pub years: Vec<ConditionsYear>,
}

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api))
}

/// 办学条件 — a school's conditions, every school year imported, newest first.
#[utoipa::path(get, path = "/schools/{code}/conditions", tag = "基础数据", params(("code" = String, Path, description = "学校标识码 / School identifier")), responses((status = 200, description = "办学条件 / The school's conditions", body = ConditionsHistory), crate::apidoc::Errors))]
async fn api(State(app): State<Arc<AppState>>, me: Me, Path(code): Path<String>) -> Result<Json<ConditionsHistory>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let scope = me.scope.clone();
    let (school, history) = app
        .pool
        .run(move |s| {
            let Some(school) = s.record(&scope, Entity::School, &code)? else { return Err(AppError::NotFound) };
            let history = s.conditions_history(&scope, &code)?;
            Ok((school, history))
        })
        .await?;
    let t = Entity::Conditions.template();
    Ok(Json(ConditionsHistory {
        school_code: school.key.clone(),
        school_name: crate::present::get(Entity::School, &school, "name").to_string(),
        years: history
            .iter()
            .map(|c| ConditionsYear { school_year: c.school_year.clone(), values: t.fields.iter().map(|f| (f.key.to_string(), c.get(f.key).to_string())).collect() })
            .collect(),
    }))
}
