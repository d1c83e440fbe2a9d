//! `GET /api/v1/quality` (the ranking the page shows) and `GET /api/v1/quality/{county}` (one
//! provider's snapshots, oldest first): scores with the counts behind them, scoped as the pages.

use super::{county_of, load, may_read, ranked, Which};
use crate::error::AppError;
use crate::routes::{ready, require, Me};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::quality::{ProviderQuality, Scores};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct QualityScores {
    pub completeness: f64,
    pub validity: f64,
    pub timeliness: f64,
    pub consistency: f64,
    pub uniqueness: f64,
    /// Weighted: completeness 20 %, validity 25 %, timeliness 15 %, consistency 25 %, uniqueness 15 %.
    pub overall: f64,
}

#[derive(Serialize, ToSchema)]
pub struct QualityCounts {
    pub students: u64,
    pub teachers: u64,
    pub cells: u64,
    pub filled: u64,
    pub rejected: u64,
    /// Rejected rows by rule code.
    pub rules: BTreeMap<String, u64>,
    /// The day of the newest batch carrying the provider's records ('' for none).
    pub last_update: String,
    pub missing_school: u64,
    pub too_young: u64,
    pub too_old: u64,
    pub classes: u64,
    pub classes_very_large: u64,
    pub dup_students: u64,
    pub dup_teachers: u64,
}

#[derive(Serialize, ToSchema)]
pub struct QualityRow {
    /// 1 = best overall score among the rows (0 in a trend).
    pub rank: usize,
    /// The snapshot's day.
    pub day: String,
    pub county: u32,
    /// 学校标识码; empty for the county's row.
    pub school: String,
    pub name: String,
    pub scores: QualityScores,
    pub counts: QualityCounts,
}

#[derive(Serialize, ToSchema)]
pub struct QualityOut {
    /// The newest snapshot's day (empty before the first refresh).
    pub day: String,
    pub rows: Vec<QualityRow>,
}

pub fn row(rank: usize, r: &ProviderQuality, s: &Scores) -> QualityRow {
    let k = &r.counts;
    QualityRow {
        rank,
        day: r.day.clone(),
        county: r.county,
        school: r.school.clone(),
        name: r.name.clone(),
        scores: QualityScores { completeness: s.completeness, validity: s.validity, timeliness: s.timeliness, consistency: s.consistency, uniqueness: s.uniqueness, overall: s.overall },
        counts: QualityCounts {
            students: k.students,
            teachers: k.teachers,
            cells: k.cells,
            filled: k.filled,
            rejected: k.rejected,
            rules: k.rules.clone(),
            last_update: k.last_update.clone(),
            missing_school: k.missing_school,
            too_young: k.too_young,
            too_old: k.too_old,
            classes: k.classes,
            classes_very_large: k.classes_very_large,
            dup_students: k.dup_students,
            dup_teachers: k.dup_teachers,
        },
    }
}

/// 数据质量排名 — the providers the caller reads, ranked by the overall score of the newest snapshot.
#[utoipa::path(get, path = "/quality", tag = "数据质量", responses((status = 200, description = "质量排名 / The ranking", body = QualityOut), crate::apidoc::Errors))]
pub async fn ranking(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<QualityOut>, AppError> {
    let me = ready(me)?;
    require(may_read(me.user.role))?;
    let scope = me.scope.clone();
    let rows = app.pool.run(move |s| Ok(s.quality(&scope)?)).await?;
    let day = rows.first().map(|r| r.day.clone()).unwrap_or_default();
    Ok(Json(QualityOut { day, rows: ranked(&rows, &me.scope).iter().map(|(i, r, s)| row(*i, r, s)).collect() }))
}

/// 数据质量趋势 — one provider's snapshots (a county, or `?school=` one of its schools), oldest first.
#[utoipa::path(get, path = "/quality/{county}", tag = "数据质量", params(("county" = String, Path, description = "区县代码 / County code"), Which), responses((status = 200, description = "各日快照 / The provider's snapshots", body = QualityOut), crate::apidoc::Errors))]
pub async fn trend(State(app): State<Arc<AppState>>, me: Me, Path(county): Path<String>, Query(w): Query<Which>) -> Result<Json<QualityOut>, AppError> {
    let me = ready(me)?;
    require(may_read(me.user.role))?;
    let county = county_of(&me, &county)?;
    let (trend, _) = load(&app, &me, county, w.school.trim()).await?;
    let day = trend.last().map(|r| r.day.clone()).unwrap_or_default();
    Ok(Json(QualityOut { day, rows: trend.iter().map(|r| row(0, r, &r.scores())).collect() }))
}

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(ranking)).routes(utoipa_axum::routes!(trend))
}
