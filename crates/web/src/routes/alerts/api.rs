//! The alert steps in the JSON API: `POST /api/v1/alerts/{id}/{action}` — the same steps,
//! rules and audit as the console's forms (`detail::take`).

use super::{alert_json, AlertOut};
use crate::error::AppError;
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// What a step takes: the assignee's login name (指派; empty: nobody), or the text of a note
/// (批注) or of the disposition (处置说明, required to close).
#[derive(Deserialize, Default, ToSchema)]
#[schema(as = AlertStep)]
pub struct StepInput {
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub text: String,
}

/// 处置告警 — acknowledge (ack), assign, annotate (note) or close an alert of the caller's area.
#[utoipa::path(post, path = "/alerts/{id}/{action}", tag = "网站监测", params(("id" = i64, Path, description = "告警编号 / Alert number"), ("action" = String, Path, description = "ack, assign, note, close")), request_body(content = Option<StepInput>, description = "指派的账号或批注、处置说明 / The assignee, or the note's or disposition's text"), responses((status = 200, description = "处置后的告警 / The alert after the step", body = AlertOut), crate::apidoc::WriteErrors))]
pub async fn api_step(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>, body: Option<Json<StepInput>>) -> Result<Json<AlertOut>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let b = body.map(|b| b.0).unwrap_or_default();
    let a = super::detail::take(&app, &me, &ip(&headers, &peer), id, &action, b.assignee, b.text).await?;
    // The alert was found in the caller's area, so is its site.
    let site = a.site_id;
    let name = app.pool.run(move |s| Ok(s.site(site)?.map(|x| x.name))).await?;
    Ok(Json(alert_json(&a, name.as_deref())))
}
