//! The plan tracker's JSON API under `/api/v1/plan`: the plans, a plan with its points and the
//! status by part, a point with its tasks and updates, posting an update, and the import. The
//! same roles, scope, checks and audit as the pages (evidence files go through the console form).

use super::{load_plan, load_point, reads, PartView, PlanView, PointView, TaskView, UpdateView};
use crate::error::AppError;
use crate::i18n::{Lang, T};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub(crate) const TAG: &str = "信息化工作要点";

/// The API speaks Chinese labels beside its codes.
pub(crate) const ZH: T = T { lang: Lang::Zh };

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(plans))
        .routes(routes!(plan))
        .routes(routes!(point))
        .routes(routes!(post_update))
        .merge(utoipa_axum::router::OpenApiRouter::new().routes(routes!(import)).layer(axum::extract::DefaultBodyLimit::max((crate::routes::mlps::import::UPLOAD_MIB as usize) << 20)))
}

/// 工作要点 — the plans the caller reads (its own division's, or those holding a point its
/// units lead or co-operate in), newest year first.
#[utoipa::path(get, path = "/plan/plans", tag = TAG, responses((status = 200, description = "计划 / Plans", body = Vec<PlanView>), crate::apidoc::Errors))]
async fn plans(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Vec<PlanView>>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let rows = app.pool.run(move |s| Ok(s.plans(&scope)?)).await?;
    Ok(Json(rows.iter().map(super::plan_view).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PlanDetail)]
pub struct PlanOut {
    pub plan: PlanView,
    /// The six parts (those with points the caller reads), the total last (part 0).
    pub parts: Vec<PartView>,
    pub points: Vec<PointView>,
}

/// 计划详情 — a plan's points the caller reads, with their status (overdue judged on today) and
/// bound figures, and the status by part.
#[utoipa::path(get, path = "/plan/plans/{id}", tag = TAG, params(("id" = i64, Path, description = "计划编号 / Plan number")), responses((status = 200, description = "计划 / The plan", body = PlanOut), crate::apidoc::Errors))]
async fn plan(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<PlanOut>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let today = app.clock.today();
    let l = app.pool.run(move |s| load_plan(s, &ZH, &scope, id, today)).await?;
    Ok(Json(PlanOut { plan: l.plan, parts: l.parts, points: l.points }))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PlanPointDetail)]
pub struct PointOut {
    pub plan: PlanView,
    pub point: PointView,
    pub tasks: Vec<TaskView>,
    /// Newest first.
    pub updates: Vec<UpdateView>,
    /// Whether the caller may post updates (its area leads the point, or issued the plan).
    pub can_update: bool,
}

/// 要点详情 — a point with its tasks and updates; 404 for a point the caller does not read.
#[utoipa::path(get, path = "/plan/points/{id}", tag = TAG, params(("id" = i64, Path, description = "要点编号 / Point number")), responses((status = 200, description = "要点 / The point", body = PointOut), crate::apidoc::Errors))]
async fn point(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<PointOut>, AppError> {
    let me = ready(me)?;
    let p = load_point(&app, &me, ZH, id).await?;
    Ok(Json(PointOut { plan: p.plan, point: p.point, tasks: p.tasks, updates: p.updates, can_update: p.can_update }))
}

/// An update as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PlanUpdateInput)]
pub struct UpdateBody {
    /// A task of the point (its state is set), or null for the point itself.
    #[serde(default)]
    pub task: Option<i64>,
    /// YYYY-MM-DD, not after today; today when empty.
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub text: String,
    /// 0–100: the point's progress after this update.
    #[serde(default)]
    pub progress: Option<u8>,
    /// not_started, in_progress, done.
    #[serde(default)]
    pub state: String,
}

/// 报送进展 — posts a progress update on a point the caller's area leads (or its plan's issuer);
/// 404 for any other point. Every problem of the body at once.
#[utoipa::path(post, path = "/plan/points/{id}/updates", tag = TAG, params(("id" = i64, Path, description = "要点编号 / Point number")), request_body = UpdateBody, responses((status = 201, description = "已报送 / Posted", body = UpdateView), crate::apidoc::WriteErrors))]
async fn post_update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<UpdateBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let input = secman::plan::UpdateInput { task: b.task.map(|t| t.to_string()).unwrap_or_default(), on: b.on, text: b.text, progress: b.progress.map(|p| p.to_string()).unwrap_or_default(), state: b.state };
    match super::post(&app, &me, &ip(&headers, &peer), id, input, None).await? {
        Ok(u) => Ok((StatusCode::CREATED, Json(u)).into_response()),
        Err(p) => {
            let zh: Vec<String> = p.iter().map(|p| p.zh.clone()).collect();
            let en: Vec<String> = p.iter().map(|p| p.en.clone()).collect();
            Err(AppError::invalid(zh.join(""), en.join(" ")))
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// The plan's year.
    pub year: String,
    /// The plan's title.
    pub title: String,
    /// The file's name (`.xlsx` is read as Excel; a ZIP body is too whatever its name).
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PlanImport)]
pub struct ImportOut {
    /// Data rows read.
    pub rows: u64,
    /// The plan stored, or null when any row was refused (then nothing is stored).
    pub plan: Option<PlanView>,
    pub rejected: Vec<RejectedOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PlanImportRejected)]
pub struct RejectedOut {
    /// The line of the file (the header is line 1).
    pub line: u64,
    pub number: String,
    /// Chinese, English in parentheses.
    pub reasons: Vec<String>,
}

/// 导入工作要点 — a plan of the caller's division: the file (CSV in UTF-8 or GBK, or XLSX; one
/// work point a row) as the body. All or nothing: with any bad row nothing is stored and every
/// bad row comes back with its reasons. The same division and year twice is 409.
#[utoipa::path(post, path = "/plan/import", tag = TAG, params(ImportQuery), request_body(content = Vec<u8>, content_type = "text/csv"), responses((status = 200, description = "导入结果 / The import's report", body = ImportOut), crate::apidoc::WriteErrors))]
async fn import(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(q): Query<ImportQuery>, body: Bytes) -> Result<Json<ImportOut>, AppError> {
    let me = ready(me)?;
    super::imports(&me)?;
    let _slot = app.jobs.admit(&me.user.name)?;
    let mut p = Vec::new();
    let head = secman::plan::parse_head(&q.year, &q.title, me.user.org_code, &mut p);
    let Some(head) = head.filter(|_| p.is_empty()) else {
        let zh: Vec<String> = p.iter().map(|p| p.zh.clone()).collect();
        let en: Vec<String> = p.iter().map(|p| p.en.clone()).collect();
        return Err(AppError::invalid(zh.join(""), en.join(" ")));
    };
    if body.is_empty() {
        return Err(AppError::invalid("请求体是空的：请把 CSV 或 XLSX 文件作为请求体上传。", "The body is empty: send the CSV or XLSX file as the body."));
    }
    let file = crate::upload::body_file(&app.upload_dir, q.name.as_deref(), "plan.csv", &body)?;
    let r = super::import::run(&app, &me, head, &file.path, &file.name, &file.hash, &ip(&headers, &peer)).await?;
    Ok(Json(ImportOut { rows: r.rows, plan: r.plan.as_ref().map(super::plan_view), rejected: r.rejected.into_iter().map(|x| RejectedOut { line: x.line, number: x.number, reasons: x.reasons.iter().map(|(zh, en)| format!("{zh}（{en}）")).collect() }).collect() }))
}
