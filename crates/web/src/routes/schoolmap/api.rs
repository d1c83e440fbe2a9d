//! The school map's JSON API: a view's clusters or points (`GET /api/v1/schools/map`), the
//! flagged schools (`GET /api/v1/schools/map/flagged`), and a school's catchment note
//! (`GET`/`POST /api/v1/schools/{code}/note`) — the same roles, scope and audit as the pages.

use super::page::{write_note, ViewParams};
use super::{flagged, read, view, with_notes, Bounds, FlaggedSchool, MapFilters, MapView, Summary};
use crate::error::AppError;
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(map)).routes(utoipa_axum::routes!(flagged_list)).routes(utoipa_axum::routes!(note, set_note))
}

/// 学校地图 — the schools of the caller's area in a view: every school when at most 400 are in
/// view, else clusters of a 24-cell grid across the view; with the area's counts and the
/// coordinates' quality figures (missing, out of range, outside the school's city).
#[utoipa::path(get, path = "/schools/map", tag = "基础数据", params(MapFilters, ViewParams), responses((status = 200, description = "视图中的聚合点或学校 / Clusters or schools of the view", body = MapView), crate::apidoc::Errors))]
async fn map(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<MapFilters>, Query(v): Query<ViewParams>) -> Result<Json<MapView>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let bounds = Bounds::parse(&v.bbox)?;
    let all = read(&app, &me.scope, &f).await?;
    Ok(Json(with_notes(&app, &me.scope, view(&all, bounds)).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FlaggedList {
    pub summary: Summary,
    /// 坐标有问题的学校（按学校标识码） / The flagged schools, by school identifier.
    pub schools: Vec<FlaggedSchool>,
}

/// 坐标质量问题 — the schools of the caller's area whose coordinates are missing, out of range,
/// or outside the boundary of their city (the map has city boundaries only).
#[utoipa::path(get, path = "/schools/map/flagged", tag = "基础数据", params(MapFilters), responses((status = 200, description = "坐标有问题的学校 / Schools with flagged coordinates", body = FlaggedList), crate::apidoc::Errors))]
async fn flagged_list(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<MapFilters>) -> Result<Json<FlaggedList>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let all = read(&app, &me.scope, &f).await?;
    let b = super::boundaries(&app);
    Ok(Json(FlaggedList { summary: super::summary(&all), schools: flagged(b.as_deref(), &all) }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoteOut {
    pub school_code: String,
    /// 学区/服务范围说明（空为未填写） / The note ('' when none).
    pub note: String,
    pub updated_by: String,
    /// Unix 秒 / Unix seconds (0 when none).
    pub updated_at: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NoteIn {
    /// 学区/服务范围说明，至多 2000 字；空则删除 / At most 2,000 characters; blank removes it.
    #[serde(default)]
    pub note: String,
}

/// 学区/服务范围说明 — a school's catchment note; 404 for a school outside the caller's area.
#[utoipa::path(get, path = "/schools/{code}/note", tag = "基础数据", params(("code" = String, Path, description = "学校标识码 / School identifier")), responses((status = 200, description = "学区说明 / The note", body = NoteOut), crate::apidoc::Errors))]
async fn note(State(app): State<Arc<AppState>>, me: Me, Path(code): Path<String>) -> Result<Json<NoteOut>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let scope = me.scope.clone();
    let c = code.clone();
    let n = app
        .pool
        .run(move |s| {
            if s.record(&scope, store::Entity::School, &c)?.is_none() {
                return Err(AppError::NotFound);
            }
            Ok(s.catchment_note(&scope, &c)?)
        })
        .await?;
    Ok(Json(match n {
        Some(n) => NoteOut { school_code: n.school_code, note: n.note, updated_by: n.updated_by, updated_at: n.updated_at },
        None => NoteOut { school_code: code, note: String::new(), updated_by: String::new(), updated_at: 0 },
    }))
}

/// 修改学区/服务范围说明 — writes a school's note (audited); the province's, a city's or a county's
/// officers, for the schools of their area (another area's school: 404, as an unknown one).
#[utoipa::path(post, path = "/schools/{code}/note", tag = "基础数据", params(("code" = String, Path, description = "学校标识码 / School identifier")), request_body = NoteIn, responses((status = 200, description = "保存后的说明 / The note saved", body = NoteOut), crate::apidoc::WriteErrors))]
async fn set_note(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(code): Path<String>, Json(b): Json<NoteIn>) -> Result<Json<NoteOut>, AppError> {
    let me = ready(me)?;
    require(store::schoolmap::role_writes(me.user.role))?;
    let n = write_note(&app, &me, &ip(&headers, &peer), &code, &b.note).await?;
    Ok(Json(NoteOut { school_code: n.school_code, note: n.note, updated_by: n.updated_by, updated_at: n.updated_at }))
}
