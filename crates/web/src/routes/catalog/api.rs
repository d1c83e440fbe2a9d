//! The catalog's JSON API under `/api/v1/catalog`: the list (search, filters, cursor pages), a
//! dataset and its versions, register and edit (every problem at once), and the DCAT export.
//! The same roles, checks, scope and audit as the pages.

use super::pages::{self, Filters};
use super::{dataset_view, write, DatasetBody, DatasetView, RowView, VersionView};
use crate::error::AppError;
use crate::form::Problems;
use crate::i18n::{Lang, T};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const TAG: &str = "数据资源目录";

/// The API speaks Chinese labels beside its codes.
const ZH: T = T { lang: Lang::Zh };

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list, register))
        .routes(routes!(dcat))
        .routes(routes!(one, update))
        .routes(routes!(versions))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CatalogList)]
pub struct ListOut {
    pub items: Vec<RowView>,
    /// Pass as `after` for the next page, or null.
    pub next: Option<String>,
}

/// 数据资源目录 — the published datasets (and the drafts of the caller's area), 100 a page.
#[utoipa::path(get, path = "/catalog", tag = TAG, params(Filters), responses((status = 200, description = "数据资源 / Datasets", body = ListOut), crate::apidoc::Errors))]
async fn list(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>) -> Result<Json<ListOut>, AppError> {
    let me = ready(me)?;
    let (items, next) = pages::read(&app, &me, ZH, &f, 100).await?;
    Ok(Json(ListOut { items, next }))
}

fn body_problems(b: &DatasetBody) -> Result<store::catalog::NewDataset, AppError> {
    b.parse(Problems::new(&ZH)).map_err(|p| p.error())
}

/// 登记数据资源 — registers a dataset of the caller's bureau or one below it (version 1).
#[utoipa::path(post, path = "/catalog", tag = TAG, request_body = DatasetBody, responses((status = 201, description = "已登记 / Registered", body = DatasetView), crate::apidoc::WriteErrors))]
async fn register(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<DatasetBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let n = body_problems(&b)?;
    let d = write(&app, &me, &ip(&headers, &peer), None, n, String::new()).await?;
    Ok((StatusCode::CREATED, Json(dataset_view(&ZH, &d))).into_response())
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionParam {
    /// An older version (default: the current one).
    #[serde(default)]
    pub version: Option<u32>,
}

/// 数据资源 — a dataset's current version (or `version`), with its fields.
#[utoipa::path(get, path = "/catalog/{id}", tag = TAG, params(("id" = i64, Path, description = "数据资源编号 / Dataset number"), VersionParam), responses((status = 200, description = "数据资源 / The dataset", body = DatasetView), crate::apidoc::Errors))]
async fn one(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>, Query(q): Query<VersionParam>) -> Result<Json<DatasetView>, AppError> {
    let me = ready(me)?;
    let (d, _, _) = pages::read_one(&app, &me, ZH, id, q.version).await?;
    Ok(Json(d))
}

/// 修改数据资源 — writes a new version (the same metadata again writes nothing).
#[utoipa::path(put, path = "/catalog/{id}", tag = TAG, params(("id" = i64, Path, description = "数据资源编号 / Dataset number")), request_body = DatasetBody, responses((status = 200, description = "新版本 / The new version", body = DatasetView), crate::apidoc::WriteErrors))]
async fn update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<DatasetBody>) -> Result<Json<DatasetView>, AppError> {
    let me = ready(me)?;
    super::writes(&me)?;
    let n = body_problems(&b)?;
    let d = write(&app, &me, &ip(&headers, &peer), Some(id), n, b.note.clone()).await?;
    Ok(Json(dataset_view(&ZH, &d)))
}

/// 版本历史 — a dataset's versions, newest first.
#[utoipa::path(get, path = "/catalog/{id}/versions", tag = TAG, params(("id" = i64, Path, description = "数据资源编号 / Dataset number")), responses((status = 200, description = "版本 / Versions", body = Vec<VersionView>), crate::apidoc::Errors))]
async fn versions(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<Vec<VersionView>>, AppError> {
    let me = ready(me)?;
    let (_, v, _) = pages::read_one(&app, &me, ZH, id, None).await?;
    Ok(Json(v))
}

/// 目录导出（DCAT） — every published dataset as DCAT in JSON-LD (`@context` for dcat, dct,
/// foaf, csvw); the fields as a CSVW table schema. Audited.
#[utoipa::path(get, path = "/catalog/dcat", tag = TAG, responses((status = 200, description = "DCAT 目录 / The DCAT catalog", content_type = "application/ld+json", body = Object), crate::apidoc::Errors))]
async fn dcat(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    let doc = super::dcat::export(&app, &me, &ip(&headers, &peer), "api").await?;
    Ok(super::dcat::respond(&doc))
}
