//! The JSON API's incidents: list, report, read with the timeline, take a step, and the
//! classification in use.

use super::files::FileView;
use super::{may_read, read_list, read_one, report, step, Filters, ReportForm, StepForm, StepView, View};
use crate::error::AppError;
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secman::incidents::classes;
use std::sync::Arc;

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_get))
        .routes(routes!(api_act))
        .routes(routes!(api_classes))
        // The file's own cap ([security] attachment_limit_mib) is kept while it streams.
        .merge(utoipa_axum::router::OpenApiRouter::new().routes(routes!(api_files, api_attach)).layer(axum::extract::DefaultBodyLimit::max(1025 << 20)))
}

/// The upload: one `file` part (with a session, the `_csrf` part first or the `X-CSRF-Token`
/// header).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// PDF, PNG, JPEG, XLSX, DOCX or UTF-8 text, at most `[security] attachment_limit_mib`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// 事件附件 — the attachments of an incident (evidence, reports), in the order they were added.
#[utoipa::path(get, path = "/incidents/{id}/files", tag = "网络安全事件", params(("id" = i64, Path, description = "事件编号 / Incident number")), responses((status = 200, description = "附件 / Attachments", body = Vec<FileView>), crate::apidoc::Errors))]
async fn api_files(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<Vec<FileView>>, AppError> {
    let me = ready(me)?;
    require(may_read(&me))?;
    // 404 for an incident missing or outside the area, as its page answers.
    read_one(&app, &me, id).await?;
    Ok(Json(super::files::list(&app, &me, id).await?))
}

/// 添加事件附件 — attaches a file to an incident in the caller's area (a step on its timeline;
/// the type is judged by the content).
#[utoipa::path(post, path = "/incidents/{id}/files", tag = "网络安全事件", params(("id" = i64, Path, description = "事件编号 / Incident number")), request_body(content = AttachmentUpload, content_type = "multipart/form-data"), responses((status = 201, description = "已添加 / Attached", body = FileView), crate::apidoc::WriteErrors))]
async fn api_attach(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, form: axum::extract::Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    let v = super::files::upload(&app, &me, &ip(&headers, &peer), id, form).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)).into_response())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Incidents {
    pub items: Vec<View>,
    /// Counts by state (reported, confirmed, …) of the filtered list (every page).
    pub totals: std::collections::BTreeMap<String, u64>,
    /// The next page: pass it as `after` with the same filters (sealed for this account).
    pub next: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentDetail {
    pub incident: View,
    pub timeline: Vec<StepView>,
}

/// 网络安全事件 — incidents of the caller's area, newest first, 200 a page (`next` → `after`).
#[utoipa::path(get, path = "/incidents", tag = "网络安全事件", params(Filters), responses((status = 200, description = "事件 / Incidents", body = Incidents), crate::apidoc::Errors))]
async fn api_list(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>) -> Result<Json<Incidents>, AppError> {
    let me = ready(me)?;
    require(may_read(&me))?;
    let page = read_list(&app, &me, &f).await?;
    Ok(Json(Incidents { items: page.rows, totals: page.totals.into_iter().map(|(s, n)| (s.code().to_string(), n)).collect(), next: page.next }))
}

/// 报告事件 — reports an incident of a unit in the caller's area (state reported).
#[utoipa::path(post, path = "/incidents", tag = "网络安全事件", request_body = ReportForm, responses((status = 201, description = "已报告 / Reported", body = View), crate::apidoc::WriteErrors))]
async fn api_create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(f): Json<ReportForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(store::incidents::writes(me.user.role))?;
    let v = report(&app, &me, &ip(&headers, &peer), f).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)).into_response())
}

/// 事件详情 — one incident and its timeline.
#[utoipa::path(get, path = "/incidents/{id}", tag = "网络安全事件", params(("id" = i64, Path, description = "事件编号 / Incident number")), responses((status = 200, description = "事件与时间线 / The incident and its timeline", body = IncidentDetail), crate::apidoc::Errors))]
async fn api_get(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<IncidentDetail>, AppError> {
    let me = ready(me)?;
    require(may_read(&me))?;
    let (incident, timeline) = read_one(&app, &me, id).await?;
    Ok(Json(IncidentDetail { incident, timeline }))
}

/// 事件处置 — confirm (class_code, grade), handle, note, recover, close (note: the review) or
/// report_up (to_unit).
#[utoipa::path(post, path = "/incidents/{id}/{action}", tag = "网络安全事件", params(("id" = i64, Path, description = "事件编号 / Incident number"), ("action" = String, Path, description = "confirm, handle, note, recover, close, report_up")), request_body = StepForm, responses((status = 200, description = "处置后 / The incident after", body = View), crate::apidoc::WriteErrors))]
async fn api_act(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>, Json(f): Json<StepForm>) -> Result<Json<View>, AppError> {
    let me = ready(me)?;
    require(store::incidents::writes(me.user.role))?;
    Ok(Json(step(&app, &me, &ip(&headers, &peer), id, &action, f).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Classification {
    /// The standard in use.
    pub edition: String,
    pub classes: Vec<IncidentClass>,
    pub grades: Vec<IncidentGrade>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentClass {
    pub code: String,
    pub name: String,
    pub subclasses: Vec<IncidentSubclass>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentSubclass {
    pub code: String,
    pub name: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentGrade {
    /// 1 (I) … 4 (IV).
    pub grade: u8,
    pub roman: String,
    pub name: String,
    pub name_en: String,
    /// The criteria shown when grading.
    pub criteria: String,
}

/// 事件分类分级 — the classes and subclasses in use (GB/T 20986) and the grades with criteria.
#[utoipa::path(get, path = "/incidents/classes", tag = "网络安全事件", responses((status = 200, description = "分类与分级 / Classes and grades", body = Classification), crate::apidoc::Errors))]
async fn api_classes(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Classification>, AppError> {
    let me = ready(me)?;
    require(may_read(&me))?;
    let ed = super::rules(&app).edition;
    let classes = classes::classes(ed).iter().map(|c| IncidentClass { code: c.code.into(), name: c.zh.into(), subclasses: c.subs.iter().map(|(code, zh)| IncidentSubclass { code: (*code).into(), name: (*zh).into() }).collect() }).collect();
    let grades = classes::GRADES.iter().map(|g| IncidentGrade { grade: g.grade, roman: g.roman.into(), name: g.zh.into(), name_en: g.en.into(), criteria: g.criteria.into() }).collect();
    Ok(Json(Classification { edition: ed.title().into(), classes, grades }))
}
