//! The map page (`/schools/map`), its data for the view (`/schools/map.json`) and the catchment
//! note's form on the school's page (`POST /schools/{code}/note`, audited).

use super::{flagged, read, view, with_notes, Bounds, FlaggedSchool, MapFilters, Summary, FLAGGED_SHOWN};
use crate::error::AppError;
use crate::labels::region_options;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "schoolmap.html")]
struct MapPage {
    c: Ctx,
    f: MapFilters,
    q: String,
    regions: Vec<(u32, String)>,
    types: Vec<(String, String)>,
    stages: Vec<(&'static str, &'static str, &'static str)>,
    summary: Summary,
    flagged: Vec<FlaggedSchool>,
    shown: usize,
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<MapFilters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let all = read(&app, &me.scope, &f).await?;
    let b = super::boundaries(&app);
    let summary = super::summary(&all);
    let flagged = flagged(b.as_deref(), &all);
    let c = Ctx::new(&app, &headers, Some(&me), "/schools/map", "schoolmap");
    let types = standard::codes::SCHOOL_TYPES.codes.iter().filter(|t| t.level == 2).map(|t| (t.code.clone(), format!("{} {}", t.code, t.name))).collect();
    html(MapPage {
        regions: region_options(&me.scope, app.config.province.code),
        types,
        stages: store::schoolmap::STAGES.iter().map(|s| (s.0, s.1, s.2)).collect(),
        q: f.query_string(),
        shown: flagged.len().min(FLAGGED_SHOWN),
        flagged: flagged.into_iter().take(FLAGGED_SHOWN).collect(),
        summary,
        f,
        c,
    })
}

/// The view's bounds (`bbox=w,s,e,n`), beside the filters.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewParams {
    /// 视图范围：西,南,东,北（经纬度）；空为整个辖区 / The view: west,south,east,north.
    #[serde(default)]
    pub bbox: String,
}

/// The clusters or points of a view, with the notes of the points shown.
pub async fn data(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<MapFilters>, Query(v): Query<ViewParams>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let bounds = Bounds::parse(&v.bbox)?;
    let all = read(&app, &me.scope, &f).await?;
    let out = with_notes(&app, &me.scope, view(&all, bounds)).await?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
}

/// Saves a school's catchment note (a blank note removes it) and audits it (`school_note`, the
/// note before and after: villages and streets, no personal data); a school outside the writer's area is 404 like an unknown one.
pub async fn save_note(State(app): State<Arc<AppState>>, peer: Peer, headers: HeaderMap, me: Me, Path(code): Path<String>, Form(f): Form<NoteForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(store::schoolmap::role_writes(me.user.role))?;
    write_note(&app, &me, &ip(&headers, &peer), &code, &f.note).await?;
    Ok(Redirect::to(&format!("/schools/{code}?note=saved")).into_response())
}

/// The one write of a note, for the page and the API: checked, stored in the writer's scope,
/// audited.
pub async fn write_note(app: &Arc<AppState>, me: &crate::auth::Identity, addr: &str, code: &str, note: &str) -> Result<store::schoolmap::CatchmentNote, AppError> {
    if note.trim().chars().count() > store::schoolmap::NOTE_MAX {
        return Err(AppError::invalid("学区/服务范围说明不超过 2000 字。", "The catchment note holds at most 2,000 characters."));
    }
    let (scope, who, code2, text) = (me.scope.clone(), me.user.name.clone(), code.to_string(), note.to_string());
    let now = app.clock.now();
    let before = app.pool.run(move |s| Ok(s.set_catchment_note(&scope, &code2, &text, &who, now)?)).await?;
    let detail = serde_json::json!({ "before": before.map(|n| n.note).unwrap_or_default(), "after": note.trim() }).to_string();
    app.audit_by(me, "school_note", &format!("school:{code}"), detail, addr).await?;
    Ok(store::schoolmap::CatchmentNote { school_code: code.to_string(), note: note.trim().to_string(), updated_by: me.user.name.clone(), updated_at: now })
}
