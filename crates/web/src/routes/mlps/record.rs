//! Record an assessment, add a rectification item, mark one done: each checked (all problems at
//! once), judged against the writer's area in the store, audited, and the due dates recomputed.

use super::{detail, messages, write, writes, Write};
use crate::error::AppError;
use crate::render::Ctx;
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = MlpsAssessmentInput)]
pub struct AssessmentBody {
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub assessed_on: String,
    #[serde(default)]
    pub agency: String,
    /// 0–100; the conclusion follows from it when left out.
    #[serde(default)]
    pub score: String,
    /// excellent, good, fair, poor (优, 良, 中, 差).
    #[serde(default)]
    pub conclusion: String,
}

impl AssessmentBody {
    pub fn input(&self) -> secman::mlps::AssessmentInput {
        secman::mlps::AssessmentInput { assessed_on: self.assessed_on.clone(), agency: self.agency.clone(), score: self.score.clone(), conclusion: self.conclusion.clone() }
    }
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = MlpsItemInput)]
pub struct ItemBody {
    #[serde(default)]
    pub item: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub due_on: String,
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = MlpsItemDone)]
pub struct CloseBody {
    /// 整改证明: what was done, a document's number.
    #[serde(default)]
    pub evidence: String,
}

/// Runs a write and goes back to the system's page, with the problems shown there if any.
async fn back(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, id: i64, w: Result<Write, Vec<secman::mlps::Problem>>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/mlps", "mlps").t;
    let w = match w {
        Ok(w) => w,
        Err(p) => return detail::render(&app, &headers, &me, id, messages(&t, &p)).await,
    };
    match write(&app, &me, &ip(&headers, &peer), w).await {
        Ok(_) => Ok(Redirect::to(&format!("/mlps/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => detail::render(&app, &headers, &me, id, vec![crate::routes::sites::message(&t, &e)]).await,
        Err(e) => Err(e),
    }
}

pub async fn assessment(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<AssessmentBody>) -> Result<Response, AppError> {
    let w = secman::mlps::parse_assessment(&f.input(), app.clock.today()).map(|a| Write::Assess(id, a));
    back(app, headers, peer, me, id, w).await
}

pub async fn item(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<ItemBody>) -> Result<Response, AppError> {
    let w = secman::mlps::parse_item(&f.item, &f.due_on, app.clock.today()).map(|r| Write::AddItem(id, r));
    back(app, headers, peer, me, id, w).await
}

pub async fn close(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, item)): Path<(i64, i64)>, Form(f): Form<CloseBody>) -> Result<Response, AppError> {
    let today = app.clock.today();
    back(app, headers, peer, me, id, Ok(Write::CloseItem(id, item, today, f.evidence))).await
}
