//! The JSON API under `/api/v1`: the same resources as the pages with the same scoping,
//! authenticated by session or `Authorization: Bearer <token>`. Errors are `{"error": {code,
//! message}}`. Records are referred to by `ref`, a sealed natural key (ID numbers never appear
//! in addresses). The OpenAPI document, generated from the handlers' annotations
//! ([`crate::apidoc`]), is served at `/api/v1/openapi.json`.

use super::{ip, ready, require, Me, Peer};
use crate::error::AppError;
use crate::limits::{check_limit, default_limit, Limit};
use crate::present;
use crate::seal;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};

pub mod bodies;
pub mod exports;
pub mod search;
use serde::Deserialize;
use serde_json::Value;
use crate::apidoc::Errors;
use crate::figures::Figures;
use bodies::{batch_json, AuditEntries, AuditOut, BatchOut, Batches, MeOut, UserOut, Users};
use std::sync::{Arc, OnceLock};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};
use store::{Entity, Record};

/// The API's routes, each mounted with its documentation: the router and the OpenAPI document
/// are this one table ([`crate::apidoc`]). Every route under `/api/v1` is added here through
/// `routes!`, never with a bare `.route`.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(crate::apidoc::ApiDoc::openapi())
        .routes(routes!(openapi))
        .routes(routes!(me_))
        .routes(routes!(overview))
        .routes(routes!(overview_region))
        .routes(routes!(schools))
        .routes(routes!(school))
        .routes(routes!(teachers))
        .routes(routes!(teacher))
        .routes(routes!(reveal_teacher))
        .routes(routes!(students))
        .routes(routes!(student))
        .routes(routes!(reveal_student))
        .routes(routes!(search::search_teachers))
        .routes(routes!(search::search_students))
        .routes(routes!(batches))
        .routes(routes!(batch))
        .routes(routes!(audit))
        .routes(routes!(users))
        .routes(routes!(super::ipv6::api))
        .routes(routes!(super::insight::balance::api))
        .routes(routes!(super::insight::api::api))
        .routes(routes!(super::insight::classes::api))
        .routes(routes!(exports::export))
        .merge(super::sites::api_routes())
        .merge(super::alerts::api_routes())
        .merge(super::transfers::api_routes())
        .merge(super::mlps::api_routes())
        .merge(super::duty::api_routes())
        .merge(super::apps::api_routes())
        .merge(super::checks::api_routes())
        .merge(super::incidents::api_routes())
        .merge(super::ledger::api_routes())
        .merge(super::conditions::api_routes())
        .merge(super::schoolmap::api::api_routes())
        .merge(super::plan::api_routes())
        .merge(super::catalog::api_routes())
        .merge(super::quality::api_routes())
        .merge(super::share::api_routes())
        .merge(super::push::api_routes())
}

pub fn router() -> Router<Arc<AppState>> {
    routes().split_for_parts().0
}

/// The generated document, as served.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| routes().split_for_parts().1.to_pretty_json().expect("the OpenAPI document serialises"))
}

/// 接口文档 — this document (OpenAPI 3.1).
#[utoipa::path(get, path = "/openapi.json", tag = "文档", security(()), responses((status = 200, description = "OpenAPI 文档 / The OpenAPI document", content_type = "application/json", body = Object)))]
async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

/// 当前用户 — the caller.
#[utoipa::path(get, path = "/me", tag = "账户", responses((status = 200, description = "当前用户 / The caller", body = MeOut), Errors))]
async fn me_(me: Me) -> Result<Json<MeOut>, AppError> {
    let me = super::signed_in(me)?;
    Ok(Json(MeOut {
        name: me.user.name,
        display_name: me.user.display_name,
        role: me.user.role,
        org_code: me.user.org_code,
        org_name: me.org_name,
        scope: me.scope,
        must_change_password: me.user.must_change_password,
    }))
}

/// 概览 — counts of the caller's area by region and grade.
#[utoipa::path(get, path = "/overview", tag = "基础数据", responses((status = 200, description = "概览 / Figures", body = Figures), Errors))]
async fn overview(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let f = crate::figures::figures(&app.pool, &app.overview, &me.scope).await?;
    Ok(Json(serde_json::to_value(f.as_ref()).expect("serialises")))
}

/// 地区概览 — the same for a division inside the area.
#[utoipa::path(get, path = "/overview/regions/{code}", tag = "基础数据", params(("code" = u32, Path, description = "行政区划代码 / Division code (GB/T 2260)")), responses((status = 200, description = "概览 / Figures", body = Figures), Errors))]
async fn overview_region(State(app): State<Arc<AppState>>, me: Me, Path(code): Path<u32>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    if standard::codes::DIVISIONS.get(code).is_none() {
        return Err(AppError::NotFound);
    }
    let scope = me.scope.narrow(code).ok_or(AppError::NotFound)?;
    let f = crate::figures::figures(&app.pool, &app.overview, &scope).await?;
    Ok(Json(serde_json::to_value(f.as_ref()).expect("serialises")))
}

fn item(entity: Entity, r: &Record, reveal: bool) -> Value {
    serde_json::to_value(present::JsonRecord { entity, record: r, reveal }).expect("serialises")
}

/// A page as JSON; `next` is the sealed cursor.
pub(crate) fn page_json(entity: Entity, rows: &[Record], next: Option<&str>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], present::json_page(entity, rows, next)).into_response()
}

/// 学校列表 — schools in the area.
#[utoipa::path(get, path = "/schools", tag = "基础数据", params(super::schools::Filters, Limit), responses((status = 200, description = "学校 / Schools", body = crate::apidoc::Page), Errors))]
async fn schools(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<super::schools::Filters>, Query(l): Query<Limit>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let context = f.context(me.user.id);
    let q = f.query(check_limit(l.limit)?, &context)?;
    let scope = me.scope.clone();
    let p = app.pool.run(move |s| s.schools(&scope, &q).map_err(AppError::from)).await?;
    Ok(page_json(Entity::School, &p.rows, p.next.map(|n| seal::seal_cursor(&n, &context)).as_deref()))
}

/// 学校 — one school by its identifier.
#[utoipa::path(get, path = "/schools/{code}", tag = "基础数据", params(("code" = String, Path, description = "学校标识码 / School identifier")), responses((status = 200, description = "学校 / The school", body = crate::apidoc::RecordDoc), Errors))]
async fn school(State(app): State<Arc<AppState>>, me: Me, Path(code): Path<String>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let scope = me.scope.clone();
    let r = app.pool.run(move |s| s.record(&scope, Entity::School, &code).map_err(AppError::from)).await?.ok_or(AppError::NotFound)?;
    Ok(Json(item(Entity::School, &r, false)))
}

/// A page of people for the API (the list's GET and the search's POST).
async fn people(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, f: super::people::Filters, l: Limit, entity: Entity) -> Result<(Entity, Vec<Record>, Option<String>), AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let (rows, next) = super::people::page(&app, &me, &f, check_limit(l.limit)?, entity, "api", &ip(&headers, &peer)).await?;
    Ok((entity, rows, next))
}

/// The list's GET: the filters of its address, never a number (see [`search`]).
async fn list(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, f: super::people::Filters, l: Limit, entity: Entity) -> Result<Response, AppError> {
    if !f.id.trim().is_empty() {
        let path = present::path_of(entity);
        return Err(AppError::invalid(
            format!("证件号不在网址中传递：请改用 POST /api/v1/{path}/search，在 JSON 请求体中给出 id。"),
            format!("ID numbers are not taken from the address: use POST /api/v1/{path}/search with id in the JSON body."),
        ));
    }
    let (e, rows, next) = people(app, headers, peer, me, f, l, entity).await?;
    Ok(page_json(e, &rows, next.as_deref()))
}

/// 教师列表 — teachers in the area, masked; searches are audited.
#[utoipa::path(get, path = "/teachers", tag = "基础数据", params(super::people::Filters, Limit), responses((status = 200, description = "教师 / Teachers", body = crate::apidoc::Page), Errors))]
async fn teachers(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(f): Query<super::people::Filters>, Query(l): Query<Limit>) -> Result<Response, AppError> {
    list(app, headers, peer, me, f, l, Entity::Teacher).await
}

/// 学生列表 — students in the area, masked; searches are audited.
#[utoipa::path(get, path = "/students", tag = "基础数据", params(super::people::Filters, Limit), responses((status = 200, description = "学生 / Students", body = crate::apidoc::Page), Errors))]
async fn students(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(f): Query<super::people::Filters>, Query(l): Query<Limit>) -> Result<Response, AppError> {
    list(app, headers, peer, me, f, l, Entity::Student).await
}

async fn one(app: &Arc<AppState>, me: &crate::auth::Identity, entity: Entity, r: &str) -> Result<Record, AppError> {
    require(me.user.role.reads_base_data())?;
    let key = seal::open(r).ok_or(AppError::NotFound)?;
    let scope = me.scope.clone();
    app.pool.run(move |s| s.record(&scope, entity, &key).map_err(AppError::from)).await?.ok_or(AppError::NotFound)
}

/// 教师 — one teacher by `ref`, masked.
#[utoipa::path(get, path = "/teachers/{ref}", tag = "基础数据", params(("ref" = String, Path, description = "记录引用（密封）/ The sealed reference")), responses((status = 200, description = "教师 / The teacher", body = crate::apidoc::RecordDoc), Errors))]
async fn teacher(State(app): State<Arc<AppState>>, me: Me, Path(r): Path<String>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    Ok(Json(item(Entity::Teacher, &one(&app, &me, Entity::Teacher, &r).await?, false)))
}

/// 学生 — one student by `ref`, masked.
#[utoipa::path(get, path = "/students/{ref}", tag = "基础数据", params(("ref" = String, Path, description = "记录引用（密封）/ The sealed reference")), responses((status = 200, description = "学生 / The student", body = crate::apidoc::RecordDoc), Errors))]
async fn student(State(app): State<Arc<AppState>>, me: Me, Path(r): Path<String>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    Ok(Json(item(Entity::Student, &one(&app, &me, Entity::Student, &r).await?, false)))
}

async fn reveal(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, r: String, entity: Entity) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_reveal())?;
    let rec = one(&app, &me, entity, &r).await?;
    app.audit_by(&me, "reveal", &present::audit_target(entity, &rec.key), present::audit_detail(entity, &rec, "api"), &ip(&headers, &peer)).await?;
    Ok(Json(item(entity, &rec, true)))
}

/// 查看完整信息 — a teacher unmasked, for roles that may; audited.
#[utoipa::path(post, path = "/teachers/{ref}/reveal", tag = "基础数据", params(("ref" = String, Path, description = "记录引用（密封）/ The sealed reference")), responses((status = 200, description = "完整记录 / The record in full", body = crate::apidoc::RecordDoc), Errors))]
async fn reveal_teacher(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(r): Path<String>) -> Result<Json<Value>, AppError> {
    reveal(app, headers, peer, me, r, Entity::Teacher).await
}

/// 查看完整信息 — a student unmasked, for roles that may; audited.
#[utoipa::path(post, path = "/students/{ref}/reveal", tag = "基础数据", params(("ref" = String, Path, description = "记录引用（密封）/ The sealed reference")), responses((status = 200, description = "完整记录 / The record in full", body = crate::apidoc::RecordDoc), Errors))]
async fn reveal_student(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(r): Path<String>) -> Result<Json<Value>, AppError> {
    reveal(app, headers, peer, me, r, Entity::Student).await
}

/// 导入批次 — recent import batches the caller may see.
#[utoipa::path(get, path = "/batches", tag = "数据导入", responses((status = 200, description = "批次 / Batches", body = Batches), Errors))]
async fn batches(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Batches>, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let list = crate::figures::recent_batches(&app.pool, &me.user, 100).await?;
    Ok(Json(Batches { items: list.iter().map(batch_json).collect() }))
}

/// 导入批次 — one batch.
#[utoipa::path(get, path = "/batches/{id}", tag = "数据导入", params(("id" = i64, Path, description = "批次编号 / Batch number")), responses((status = 200, description = "批次 / The batch", body = BatchOut), Errors))]
async fn batch(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<BatchOut>, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let b = app.pool.run(move |s| s.get_batch(id).map_err(AppError::from)).await?.ok_or(AppError::NotFound)?;
    if b.user != me.user.name && me.user.role != store::Role::ProvinceAdmin {
        return Err(AppError::NotFound);
    }
    Ok(Json(batch_json(&b)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditLimit {
    /// 条数 1–500，默认 100 / Entries, 1–500 (100 unless given).
    #[serde(default = "default_limit")]
    limit: usize,
}

/// 审计日志 — entries the auditor may read, newest first.
#[utoipa::path(get, path = "/audit", tag = "审计", params(super::audit::Filters, AuditLimit), responses((status = 200, description = "审计记录 / Entries", body = AuditEntries), Errors))]
async fn audit(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<super::audit::Filters>, Query(l): Query<AuditLimit>) -> Result<Json<AuditEntries>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_audit())?;
    let entries = super::audit::read(&app, &me, &f, check_limit(l.limit)?).await?;
    Ok(Json(AuditEntries { items: entries.into_iter().map(AuditOut::from).collect() }))
}

/// 账户 — accounts (user administrators).
#[utoipa::path(get, path = "/users", tag = "账户", responses((status = 200, description = "账户 / Accounts", body = Users), Errors))]
async fn users(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Users>, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_users())?;
    let list = app.pool.run(|s| s.list_users().map_err(AppError::from)).await?;
    Ok(Json(Users { items: list.into_iter().map(UserOut::from).collect() }))
}

