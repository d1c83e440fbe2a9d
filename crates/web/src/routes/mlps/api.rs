//! The JSON API of the 等保 register under `/api/v1/mlps`: the register, a system with its
//! assessments and items, the writes, the overdue list and the completion by region. The same
//! roles, checks, scope and audit as the pages.

use super::list::{self, Filters};
use super::overdue::{self, RegionFilter, RegionRow};
use super::record::{AssessmentBody, CloseBody, ItemBody};
use super::{invalid, reads, view, write, SystemBody, View, Write};
use crate::error::AppError;
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::mlps::{Assessment, Rectification, System, Totals};

pub const TAG: &str = "等保台账";

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(systems, create))
        .routes(routes!(system, update))
        .routes(routes!(assess))
        .routes(routes!(add_item))
        .routes(routes!(close_item))
        .merge(utoipa_axum::router::OpenApiRouter::new().routes(routes!(report_file)).layer(axum::extract::DefaultBodyLimit::max(1025 << 20)))
        .routes(routes!(report_file_download))
        .merge(utoipa_axum::router::OpenApiRouter::new().routes(routes!(item_file)).layer(axum::extract::DefaultBodyLimit::max(1025 << 20)))
        .routes(routes!(item_file_download))
        .routes(routes!(overdue_list))
        .routes(routes!(completion))
        .routes(routes!(super::import::api))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MlpsTotals)]
pub struct TotalsOut {
    pub systems: u64,
    pub overdue: u64,
    pub due_soon: u64,
    pub unfiled: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MlpsSystems)]
pub struct SystemsOut {
    pub items: Vec<View>,
    /// The next page's cursor (pass as `after` with the same filters), or null.
    pub next: Option<String>,
    pub totals: TotalsOut,
}

fn totals(t: Totals) -> TotalsOut {
    TotalsOut { systems: t.systems, overdue: t.overdue, due_soon: t.due_soon, unfiled: t.unfiled }
}

/// 系统台账 — the systems of the caller's area, filtered, 50 a page, with the filters' totals.
#[utoipa::path(get, path = "/mlps/systems", tag = TAG, params(Filters), responses((status = 200, description = "系统 / Systems", body = SystemsOut), crate::apidoc::Errors))]
async fn systems(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>) -> Result<Json<SystemsOut>, AppError> {
    let me = ready(me)?;
    let (t, items, next) = list::read(&app, &me, &f).await?;
    Ok(Json(SystemsOut { items, next, totals: totals(t) }))
}

async fn shown(app: &Arc<AppState>, sys: System) -> Result<View, AppError> {
    let today = app.clock.today();
    app.pool.run(move |s| view(s, &sys, today, &mut HashMap::new())).await
}

/// 登记系统 — registers a system of a unit in the caller's area; every problem of the body at once.
#[utoipa::path(post, path = "/mlps/systems", tag = TAG, request_body = SystemBody, responses((status = 201, description = "已登记 / Registered", body = View), crate::apidoc::WriteErrors))]
async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<SystemBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let new = secman::mlps::parse_system(&b.input(), app.clock.today()).map_err(|p| invalid(&p))?;
    let sys = write(&app, &me, &ip(&headers, &peer), Write::Create(new)).await?;
    Ok((StatusCode::CREATED, Json(shown(&app, sys).await?)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MlpsAssessment)]
pub struct AssessmentOut {
    pub id: i64,
    pub assessed_on: String,
    pub agency: String,
    pub score: Option<f64>,
    /// excellent, good, fair, poor.
    pub conclusion: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MlpsItem)]
pub struct ItemOut {
    pub id: i64,
    pub item: String,
    pub due_on: String,
    pub done_on: Option<String>,
    pub evidence: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MlpsSystemDetail)]
pub struct DetailOut {
    pub system: View,
    pub assessments: Vec<AssessmentOut>,
    pub items: Vec<ItemOut>,
}

fn assessment(a: &Assessment) -> AssessmentOut {
    AssessmentOut { id: a.id, assessed_on: a.new.assessed_on.to_string(), agency: a.new.agency.clone(), score: a.new.score, conclusion: a.new.conclusion.code().into(), recorded_by: a.recorded_by.clone(), recorded_at: a.recorded_at }
}

fn item(r: &Rectification) -> ItemOut {
    ItemOut { id: r.id, item: r.item.clone(), due_on: r.due_on.to_string(), done_on: r.done_on.map(|d| d.to_string()), evidence: r.evidence.clone() }
}

/// 系统详情 — a system with its assessments (newest first) and rectification items.
#[utoipa::path(get, path = "/mlps/systems/{id}", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number")), responses((status = 200, description = "系统 / The system", body = DetailOut), crate::apidoc::Errors))]
async fn system(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<DetailOut>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = super::read_scope(&app, &me).await?;
    let today = app.clock.today();
    let out = app
        .pool
        .run(move |s| {
            let sys = s.system(&scope, id)?.ok_or(AppError::NotFound)?;
            let system = view(s, &sys, today, &mut HashMap::new())?;
            let assessments = s.assessments(&scope, id)?.iter().map(assessment).collect();
            let items = s.rectifications(&scope, id)?.iter().map(item).collect();
            Ok(DetailOut { system, assessments, items })
        })
        .await?;
    Ok(Json(out))
}

/// 修改系统 — replaces a system's particulars (its unit must stay inside the caller's area).
#[utoipa::path(put, path = "/mlps/systems/{id}", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number")), request_body = SystemBody, responses((status = 200, description = "修改后 / The system after", body = View), crate::apidoc::WriteErrors))]
async fn update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<SystemBody>) -> Result<Json<View>, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let new = secman::mlps::parse_system(&b.input(), app.clock.today()).map_err(|p| invalid(&p))?;
    let sys = write(&app, &me, &ip(&headers, &peer), Write::Update(id, new)).await?;
    Ok(Json(shown(&app, sys).await?))
}

/// 登记测评 — records an assessment; the next assessment's due date follows.
#[utoipa::path(post, path = "/mlps/systems/{id}/assessments", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number")), request_body = AssessmentBody, responses((status = 200, description = "登记后的系统 / The system after", body = View), crate::apidoc::WriteErrors))]
async fn assess(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<AssessmentBody>) -> Result<Json<View>, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let a = secman::mlps::parse_assessment(&b.input(), app.clock.today()).map_err(|p| invalid(&p))?;
    let sys = write(&app, &me, &ip(&headers, &peer), Write::Assess(id, a)).await?;
    Ok(Json(shown(&app, sys).await?))
}

/// 添加整改事项 — adds a rectification item with its due date.
#[utoipa::path(post, path = "/mlps/systems/{id}/items", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number")), request_body = ItemBody, responses((status = 200, description = "添加后的系统 / The system after", body = View), crate::apidoc::WriteErrors))]
async fn add_item(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<ItemBody>) -> Result<Json<View>, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let r = secman::mlps::parse_item(&b.item, &b.due_on, app.clock.today()).map_err(|p| invalid(&p))?;
    let sys = write(&app, &me, &ip(&headers, &peer), Write::AddItem(id, r)).await?;
    Ok(Json(shown(&app, sys).await?))
}

/// 整改完成 — marks an item done today, with its evidence.
#[utoipa::path(post, path = "/mlps/systems/{id}/items/{item}/close", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number"), ("item" = i64, Path, description = "整改事项编号 / Item number")), request_body = CloseBody, responses((status = 200, description = "完成后的系统 / The system after", body = View), crate::apidoc::WriteErrors))]
async fn close_item(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, it)): Path<(i64, i64)>, Json(b): Json<CloseBody>) -> Result<Json<View>, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let today = app.clock.today();
    let sys = write(&app, &me, &ip(&headers, &peer), Write::CloseItem(id, it, today, b.evidence)).await?;
    Ok(Json(shown(&app, sys).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MlpsOverdue)]
pub struct OverdueOut {
    /// The longest overdue first, at most 200.
    pub items: Vec<View>,
}

/// 逾期清单 — overdue systems of the caller's area (or a region in it).
#[utoipa::path(get, path = "/mlps/overdue", tag = TAG, params(RegionFilter), responses((status = 200, description = "逾期系统 / Overdue systems", body = OverdueOut), crate::apidoc::Errors))]
async fn overdue_list(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<RegionFilter>) -> Result<Json<OverdueOut>, AppError> {
    let me = ready(me)?;
    Ok(Json(OverdueOut { items: overdue::overdue(&app, &me, &f.region).await? }))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MlpsCompletion)]
pub struct CompletionOut {
    /// By city for the province, by county for a city or county.
    pub regions: Vec<RegionRow>,
    pub total: RegionRow,
}

/// 完成情况 — completion rates per region: filed, assessed on time, nothing overdue.
#[utoipa::path(get, path = "/mlps/completion", tag = TAG, responses((status = 200, description = "各地区完成率 / Completion by region", body = CompletionOut), crate::apidoc::Errors))]
async fn completion(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<CompletionOut>, AppError> {
    let me = ready(me)?;
    let (regions, total) = overdue::completion(&app, &me).await?;
    Ok(Json(CompletionOut { regions, total }))
}

/// 上传测评报告 — keeps a file (the type judged by the content) as an assessment's report,
/// replacing an earlier one.
#[utoipa::path(post, path = "/mlps/systems/{id}/assessments/{a}/report", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number"), ("a" = i64, Path, description = "测评编号 / Assessment number")), request_body(content = crate::routes::evidence::UploadBody, content_type = "multipart/form-data"), responses((status = 201, description = "已上传 / Kept", body = crate::routes::evidence::FileOut), crate::apidoc::WriteErrors))]
async fn report_file(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, a)): Path<(i64, i64)>, form: axum::extract::Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    let f = super::files::upload(&app, &me, &ip(&headers, &peer), id, super::files::Of::Report(a), form).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

/// 下载测评报告 — an assessment's report file.
#[utoipa::path(get, path = "/mlps/systems/{id}/assessments/{a}/report/{file}", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number"), ("a" = i64, Path, description = "测评编号 / Assessment number"), ("file" = i64, Path, description = "附件编号 / File number")), responses((status = 200, description = "文件 / The file", content_type = "application/octet-stream"), crate::apidoc::Errors))]
async fn report_file_download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, a, file)): Path<(i64, i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::files::fetch(&app, &me, &ip(&headers, &peer), id, super::files::Of::Report(a), file).await
}

/// 上传整改证明文件 — keeps a file as a rectification item's evidence (replacing an earlier
/// one); an open item is marked done today with it (the `evidence` part, or "见附件").
#[utoipa::path(post, path = "/mlps/systems/{id}/items/{item}/evidence", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number"), ("item" = i64, Path, description = "整改事项编号 / Item number")), request_body(content = crate::routes::evidence::UploadBody, content_type = "multipart/form-data"), responses((status = 201, description = "已上传 / Kept", body = crate::routes::evidence::FileOut), crate::apidoc::WriteErrors))]
async fn item_file(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, item)): Path<(i64, i64)>, form: axum::extract::Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    let f = super::files::upload(&app, &me, &ip(&headers, &peer), id, super::files::Of::Item(item), form).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

/// 下载整改证明文件 — a rectification item's evidence file.
#[utoipa::path(get, path = "/mlps/systems/{id}/items/{item}/evidence/{file}", tag = TAG, params(("id" = i64, Path, description = "系统编号 / System number"), ("item" = i64, Path, description = "整改事项编号 / Item number"), ("file" = i64, Path, description = "附件编号 / File number")), responses((status = 200, description = "文件 / The file", content_type = "application/octet-stream"), crate::apidoc::Errors))]
async fn item_file_download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, item, file)): Path<(i64, i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::files::fetch(&app, &me, &ip(&headers, &peer), id, super::files::Of::Item(item), file).await
}
