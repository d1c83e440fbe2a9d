//! `GET /api/v1/insight/{screen}`: a screen's table as JSON — its columns (with the indicator
//! each explains), one row per city, county or school of the (narrowed) area, the total, and
//! each judged value's status (green, amber, red or empty).

use super::model::{Group, Level};
use super::{screens, Filters};
use crate::error::AppError;
use crate::routes::{ready, require, Me};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct InsightColumn {
    pub key: String,
    pub zh: String,
    pub en: String,
    /// The key of the indicator in `insight::INDICATORS` (empty for a plain count).
    pub indicator: String,
}

#[derive(Serialize, ToSchema)]
pub struct InsightRow {
    /// A division code, or a school's 学校标识码; empty for the total.
    pub code: String,
    pub name: String,
    /// In column order; null where the figure cannot be computed.
    pub values: Vec<Option<f64>>,
    /// In column order: green, amber, red, or empty where the column is not judged.
    pub status: Vec<String>,
    /// Last school year's values in column order, where the previous year's county aggregates
    /// are kept for the row (a city, a county, the total); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Vec<Option<f64>>>,
    /// In column order: where the figure drills down to — the API address of the records it
    /// counts for the row's area (`/api/v1/students?school=…&drill=boarders`, the class list
    /// `/api/v1/insight/classes/list?…&band=large`, or for a city's class figures the screen one
    /// level down); null where it opens none. Absent for a role that does not read the lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Option<String>>>,
}

#[derive(Serialize, ToSchema)]
pub struct InsightOut {
    pub screen: String,
    /// province, city, county or school: what the rows are one level below.
    pub level: String,
    /// The day teachers' ages and retirements are taken on (the month's last day); for the
    /// security screen, the day its dues are judged on (today).
    pub as_of: String,
    /// The school year shown (its first calendar year: 2025 is 2025–2026).
    pub school_year: u16,
    /// The previous school year, where its county aggregates are kept (year-on-year).
    pub previous_year: Option<u16>,
    pub columns: Vec<InsightColumn>,
    pub rows: Vec<InsightRow>,
    pub total: InsightRow,
}

fn row<G>(cols: &[screens::Col<G>], code: &str, name: &str, g: &G) -> InsightRow {
    InsightRow {
        code: code.to_string(),
        name: name.to_string(),
        values: cols.iter().map(|c| (c.get)(g)).collect(),
        status: cols.iter().map(|c| c.judge(g).key().to_string()).collect(),
        previous: None,
        links: None,
    }
}

/// A facts screen's row, with last school year's values where its county aggregates are kept,
/// and (`links`: the area of the row, whether wide, whether the row is the total) each figure's
/// drill-down address.
fn facts_row(cols: &[screens::Col<Group>], g: &Group, links: Option<(screens::Area<'_>, bool, bool)>) -> InsightRow {
    let mut r = row(cols, &g.code, &g.name, g);
    r.previous = g.prev.as_ref().map(|p| cols.iter().map(|c| (c.get)(p)).collect());
    r.links = links.map(|(area, wide, total)| {
        cols.iter()
            .map(|c| match (c.drill, (c.get)(g)) {
                (Some(screens::Link::Classes(_)), _) if total && wide => None,
                (Some(l), Some(_)) => l.href(area, wide, true),
                _ => None,
            })
            .collect()
    });
    r
}

fn level_key(l: Level) -> &'static str {
    match l {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
        Level::School => "school",
    }
}

fn columns<G>(cols: &[screens::Col<G>]) -> Vec<InsightColumn> {
    cols.iter().map(|c| InsightColumn { key: c.key.into(), zh: c.zh.into(), en: c.en.into(), indicator: c.indicator.into() }).collect()
}

/// 决策指标表 — a screen's table (class sizes, teachers, students, security) for the caller's area or a region inside it.
/// The security screen's rows are units at a county's level (schools and bureaus), and its 等保 and
/// incident columns are null for a role that does not read those registers.
#[utoipa::path(get, path = "/insight/{screen}", tag = "决策指标", params(("screen" = String, Path, description = "classes, teachers, students or security（网络安全：高校门户网站 IPv6 支持率、无法访问的网站、逾期等保、事件）"), Filters), responses((status = 200, description = "指标表 / The screen's table", body = InsightOut), crate::apidoc::Errors))]
pub async fn api(State(app): State<Arc<AppState>>, me: Me, Path(key): Path<String>, Query(f): Query<Filters>) -> Result<Json<InsightOut>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let today = app.clock.today();
    if key == "security" {
        let scope = f.scope(&me.scope)?;
        let view = super::cached_security(&app, &scope, super::security::Reads::of(me.user.role)).await?;
        let cols = super::security::COLS;
        return Ok(Json(InsightOut {
            screen: key,
            level: level_key(view.level).into(),
            as_of: today.to_string(),
            school_year: store::facts::school_year_of(today),
            previous_year: None,
            columns: columns(cols),
            rows: view.groups.iter().map(|g| row(cols, &g.code, &g.name, g)).collect(),
            total: row(cols, "", "", &view.total),
        }));
    }
    let screen = screens::by_key(&key).ok_or(AppError::NotFound)?;
    let scope = f.scope(&me.scope)?;
    let view = super::cached_view(&app, &scope, screen, today).await?;
    // The figures' drill-down addresses, for a role that reads the lists.
    let links = me.user.role.reads_base_data();
    let region = f.region.trim();
    let rows = view
        .groups
        .iter()
        .map(|g| {
            let (area, wide) = super::area_of(&view, Some(g), region);
            facts_row(screen.cols, g, links.then_some((area, wide, false)))
        })
        .collect();
    let (area, wide) = super::area_of(&view, None, region);
    let total = facts_row(screen.cols, &view.total, links.then_some((area, wide, true)));
    Ok(Json(InsightOut {
        screen: screen.key.into(),
        level: level_key(view.level).into(),
        as_of: view.total.ages.as_of.clone(),
        school_year: view.school_year,
        previous_year: view.prev_year,
        columns: columns(screen.cols),
        rows,
        total,
    }))
}
