//! The JSON API under `/api/v1`: the same resources as the pages with the same scoping,
//! authenticated by session or `Authorization: Bearer <token>`. Errors are `{"error": {code,
//! message}}`. Records are referred to by `ref`, a sealed natural key (ID numbers never appear
//! in addresses). The OpenAPI document is served at `/api/v1/openapi.json`.

use super::{ip, ready, require, Me, Peer};
use crate::error::AppError;
use crate::limits::{check_limit, default_limit, Limit};
use crate::present;
use crate::seal;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use store::{Entity, Record};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me_))
        .route("/overview", get(overview))
        .route("/overview/regions/{code}", get(overview_region))
        .route("/schools", get(schools))
        .route("/schools/{code}", get(school))
        .route("/teachers", get(teachers))
        .route("/teachers/{r}", get(teacher))
        .route("/teachers/{r}/reveal", post(reveal_teacher))
        .route("/students", get(students))
        .route("/students/{r}", get(student))
        .route("/students/{r}/reveal", post(reveal_student))
        .route("/batches", get(batches))
        .route("/batches/{id}", get(batch))
        .route("/audit", get(audit))
        .route("/users", get(users))
        .route("/ipv6", get(super::ipv6::api))
        .merge(super::sites::api_router())
        .merge(super::alerts::api_router())
        .merge(super::transfers::api_router())
}

/// Every path of this router, for the test that keeps the OpenAPI document complete.
pub const PATHS: &[&str] = &[
    "/openapi.json", "/me", "/overview", "/overview/regions/{code}", "/schools", "/schools/{code}", "/teachers", "/teachers/{ref}",
    "/teachers/{ref}/reveal", "/students", "/students/{ref}", "/students/{ref}/reveal", "/batches", "/batches/{id}", "/audit", "/users",
    "/ipv6",
    "/sites", "/sites/{id}", "/alerts", "/transfers", "/transfers/{id}/{action}",
];

pub const OPENAPI: &str = include_str!("../../openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn me_(me: Me) -> Result<Json<Value>, AppError> {
    let me = super::signed_in(me)?;
    Ok(Json(json!({
        "name": me.user.name, "display_name": me.user.display_name, "role": me.user.role, "org_code": me.user.org_code,
        "org_name": me.org_name, "scope": me.scope, "must_change_password": me.user.must_change_password,
    })))
}

async fn overview(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let f = crate::figures::figures(&app, &me.scope).await?;
    Ok(Json(serde_json::to_value(f.as_ref()).expect("serialises")))
}

async fn overview_region(State(app): State<Arc<AppState>>, me: Me, Path(code): Path<u32>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    if standard::codes::DIVISIONS.get(code).is_none() {
        return Err(AppError::NotFound);
    }
    let scope = me.scope.narrow(code).ok_or(AppError::NotFound)?;
    let f = crate::figures::figures(&app, &scope).await?;
    Ok(Json(serde_json::to_value(f.as_ref()).expect("serialises")))
}

fn item(entity: Entity, r: &Record, reveal: bool) -> Value {
    serde_json::to_value(present::JsonRecord { entity, record: r, reveal }).expect("serialises")
}

/// A page as JSON; `next` is the sealed cursor.
fn page_json(entity: Entity, rows: &[Record], next: Option<&str>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], present::json_page(entity, rows, next)).into_response()
}

async fn schools(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<super::schools::Filters>, Query(l): Query<Limit>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let context = f.context(me.user.id);
    let q = f.query(check_limit(l.limit)?, &context)?;
    let scope = me.scope.clone();
    let p = app.pool.run(move |s| s.schools(&scope, &q).map_err(AppError::from)).await?;
    Ok(page_json(Entity::School, &p.rows, p.next.map(|n| seal::seal_cursor(&n, &context)).as_deref()))
}

async fn school(State(app): State<Arc<AppState>>, me: Me, Path(code): Path<String>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let scope = me.scope.clone();
    let r = app.pool.run(move |s| s.record(&scope, Entity::School, &code).map_err(AppError::from)).await?.ok_or(AppError::NotFound)?;
    Ok(Json(item(Entity::School, &r, false)))
}

async fn people(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, f: super::people::Filters, l: Limit, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let (rows, next) = super::people::page(&app, &me, &f, check_limit(l.limit)?, entity, "api", &ip(&headers, &peer)).await?;
    Ok(page_json(entity, &rows, next.as_deref()))
}

async fn teachers(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(f): Query<super::people::Filters>, Query(l): Query<Limit>) -> Result<Response, AppError> {
    people(app, headers, peer, me, f, l, Entity::Teacher).await
}

async fn students(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(f): Query<super::people::Filters>, Query(l): Query<Limit>) -> Result<Response, AppError> {
    people(app, headers, peer, me, f, l, Entity::Student).await
}

async fn one(app: &Arc<AppState>, me: &crate::auth::Identity, entity: Entity, r: &str) -> Result<Record, AppError> {
    require(me.user.role.reads_base_data())?;
    let key = seal::open(r).ok_or(AppError::NotFound)?;
    let scope = me.scope.clone();
    app.pool.run(move |s| s.record(&scope, entity, &key).map_err(AppError::from)).await?.ok_or(AppError::NotFound)
}

async fn teacher(State(app): State<Arc<AppState>>, me: Me, Path(r): Path<String>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    Ok(Json(item(Entity::Teacher, &one(&app, &me, Entity::Teacher, &r).await?, false)))
}

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

async fn reveal_teacher(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(r): Path<String>) -> Result<Json<Value>, AppError> {
    reveal(app, headers, peer, me, r, Entity::Teacher).await
}

async fn reveal_student(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(r): Path<String>) -> Result<Json<Value>, AppError> {
    reveal(app, headers, peer, me, r, Entity::Student).await
}

async fn batches(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let list = crate::figures::recent_batches(&app, &me, 100).await?;
    Ok(Json(json!({ "items": list.iter().map(batch_json).collect::<Vec<_>>() })))
}

fn batch_json(b: &store::BatchSummary) -> Value {
    let mut v = serde_json::to_value(b).expect("serialises");
    if let Some(o) = v.as_object_mut() {
        let report: Value = serde_json::from_str(&b.report_json).unwrap_or(Value::Null);
        o.remove("report_json");
        o.insert("errors".into(), report.get("errors").cloned().unwrap_or(json!({})));
        o.insert("warnings".into(), report.get("warnings").cloned().unwrap_or(json!({})));
    }
    v
}

async fn batch(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let b = app.pool.run(move |s| s.get_batch(id).map_err(AppError::from)).await?.ok_or(AppError::NotFound)?;
    if b.user != me.user.name && me.user.role != store::Role::ProvinceAdmin {
        return Err(AppError::NotFound);
    }
    Ok(Json(batch_json(&b)))
}

#[derive(Deserialize)]
pub struct AuditLimit {
    #[serde(default = "default_limit")]
    limit: usize,
}

async fn audit(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<super::audit::Filters>, Query(l): Query<AuditLimit>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_audit())?;
    let entries = super::audit::read(&app, &me, &f, check_limit(l.limit)?).await?;
    Ok(Json(json!({ "items": entries })))
}

async fn users(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_users())?;
    let list = app.pool.run(|s| s.list_users().map_err(AppError::from)).await?;
    Ok(Json(json!({ "items": list })))
}
