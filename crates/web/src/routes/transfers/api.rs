//! The JSON API's transfer requests: list, file, decide.

use super::{decide, file, list, view, NewForm, NoteForm, View};
use crate::error::AppError;
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use store::transfers::TransferState;

/// Routes under `/api/v1`, documented (see [`crate::apidoc`]).
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(api_list, api_create)).routes(routes!(api_act))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateFilter {
    #[serde(default)]
    pub state: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Transfers {
    pub items: Vec<View>,
}

/// 转学/调动申请 — requests the caller's area sends or receives.
#[utoipa::path(get, path = "/transfers", tag = "转学调动", params(StateFilter), responses((status = 200, description = "申请 / Requests", body = Transfers), crate::apidoc::Errors))]
async fn api_list(State(app): State<Arc<AppState>>, me: Me, Query(q): Query<StateFilter>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let state = match q.state.as_str() {
        "" => None,
        s => Some(TransferState::parse(s).ok_or_else(|| AppError::invalid("state 应为 pending、approved、rejected 或 cancelled。", "state must be pending, approved, rejected or cancelled."))?),
    };
    Ok(Json(json!({ "items": list(&app, &me, state).await? })))
}

/// 提出申请 — asks for a student or teacher of another area to move to a school of the caller's.
#[utoipa::path(post, path = "/transfers", tag = "转学调动", request_body = NewForm, responses((status = 201, description = "已提出 / Filed", body = View), crate::apidoc::WriteErrors))]
async fn api_create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(f): Json<NewForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let t = f.parse(&me)?;
    let req = file(&app, &me, &ip(&headers, &peer), t).await?;
    let scope = me.scope.clone();
    let v = app.pool.run(move |s| view(s, &scope, &req)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)).into_response())
}

/// 处理申请 — approve, reject (the sending side) or cancel (the requester), with an optional note.
#[utoipa::path(post, path = "/transfers/{id}/{action}", tag = "转学调动", params(("id" = i64, Path, description = "申请编号 / Request number"), ("action" = String, Path, description = "approve, reject, cancel")), request_body(content = Option<NoteForm>, description = "可选备注 / An optional note"), responses((status = 200, description = "处理后 / The request after", body = View), crate::apidoc::WriteErrors))]
async fn api_act(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>, body: Option<Json<NoteForm>>) -> Result<Json<View>, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let note = body.map(|b| b.0.note).unwrap_or_default();
    let req = decide(&app, &me, &ip(&headers, &peer), id, &action, note).await?;
    let scope = me.scope.clone();
    Ok(Json(app.pool.run(move |s| view(s, &scope, &req)).await?))
}
