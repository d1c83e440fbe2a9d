//! 按证件号查询 — searches of teachers and students through the API with the searched values in
//! a JSON body (issue 12: ID numbers never travel in URLs, which end up in proxy logs). The lists'
//! GET refuses a plain `id`; the body takes the same filters, the next page's `after` included.

use super::{page_json, people};
use crate::error::AppError;
use crate::routes::people::Filters;
use crate::routes::{Me, Peer};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;
use store::Entity;

/// 查询条件 / A search: every field may be left out.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonSearch {
    /// 姓名前缀（至少 2 个字）/ The beginning of the name (2 characters or more).
    #[serde(default)]
    name: String,
    /// 身份证件号或学籍号（精确；仅限可查看完整信息的角色，记入审计）/ ID number or student number (exact; roles that may reveal only; audited).
    #[serde(default)]
    id: String,
    /// 学校标识码 / School identifier.
    #[serde(default)]
    school: String,
    /// 地区代码 / Region code.
    #[serde(default)]
    region: String,
    /// 上一页返回的 next / The `next` of the previous page.
    #[serde(default)]
    after: String,
    /// 每页条数 1–500，默认 100 / Rows per page, 1–500 (100 unless given).
    #[serde(default = "crate::limits::default_limit")]
    limit: usize,
}

fn body(b: &Bytes) -> Result<(Filters, usize), AppError> {
    // The parser's own message is not passed on: it may quote the value sent.
    let s: PersonSearch = serde_json::from_slice(b).map_err(|_| {
        AppError::invalid("请求体应为 JSON 对象，字段：name, id, school, region, after, limit（均可省略）。", "The body must be a JSON object with name, id, school, region, after, limit (each optional).")
    })?;
    Ok((Filters { name: s.name, id: s.id, school: s.school, region: s.region, sort: String::new(), after: s.after, drill: String::new() }, s.limit))
}

/// 查询教师 — teachers by number or name, the values in the body; masked; searches audited.
#[utoipa::path(post, path = "/teachers/search", tag = "基础数据", request_body = PersonSearch, responses((status = 200, description = "教师 / Teachers", body = crate::apidoc::Page), crate::apidoc::Errors))]
pub async fn search_teachers(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, b: Bytes) -> Result<Response, AppError> {
    let (f, limit) = body(&b)?;
    people(app, headers, peer, me, f, crate::limits::Limit { limit }, Entity::Teacher).await.map(|(e, rows, next)| page_json(e, &rows, next.as_deref()))
}

/// 查询学生 — students by number or name, the values in the body; masked; searches audited.
#[utoipa::path(post, path = "/students/search", tag = "基础数据", request_body = PersonSearch, responses((status = 200, description = "学生 / Students", body = crate::apidoc::Page), crate::apidoc::Errors))]
pub async fn search_students(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, b: Bytes) -> Result<Response, AppError> {
    let (f, limit) = body(&b)?;
    people(app, headers, peer, me, f, crate::limits::Limit { limit }, Entity::Student).await.map(|(e, rows, next)| page_json(e, &rows, next.as_deref()))
}
