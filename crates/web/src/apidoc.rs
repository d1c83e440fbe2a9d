//! The JSON API's OpenAPI document, generated: each handler under `/api/v1` carries its
//! `#[utoipa::path]` (method, path, parameters, responses) and is mounted through utoipa-axum's
//! `OpenApiRouter` ([`crate::routes::api::routes`]), so the router and the document are one table.
//! Here: the document's frame (title, servers, security), the error responses every operation
//! shares, and the schemas of bodies that handlers build as JSON values.

use std::collections::BTreeMap;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "天府教育数据平台接口（Tianfu API）",
        version = "1",
        description = "学校、教师、学生基础数据与网站安全监测的接口，按调用者在组织机构树中的位置限定范围。\
            认证：`Authorization: Bearer <token>`（令牌由省级管理员签发），或控制台会话（修改类请求需带 `X-CSRF-Token`）。\
            个人信息默认脱敏；有权限的角色可 `POST .../reveal` 查看完整信息，并记入审计日志。范围外的记录返回 404。\
            错误一律为 `{\"error\": {\"code\", \"message\", \"message_en\", \"message_zh\"}}`。\n\n\
            The base databases of schools, teachers and students and the network-security monitor, scoped to the \
            caller's place in the organisation tree. Personal fields are masked; `POST .../reveal` returns them in full \
            for roles that may see them and writes the access to the audit log. Records outside the caller's area are 404."
    ),
    servers((url = "/api/v1")),
    security(("bearer" = []), ("session" = [])),
    modifiers(&Security),
    components(schemas(ErrorBody, ErrorDetail))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some("API 令牌（tf_…）/ An API token (tf_…)".into());
        c.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("tianfu_session"))));
    }
}

/// Every error: `{"error": {...}}` (rendered by `crate::render::errors`, extractor rejections included).
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// unauthorized, password_change_required, forbidden, not_found, invalid, csrf,
    /// too_many_requests, conflict, unavailable, internal, method_not_allowed, unsupported_media_type
    code: String,
    /// In the caller's language.
    message: String,
    message_en: String,
    message_zh: String,
    /// The request's id (`X-Request-Id`), also in the server's log: quote it when reporting a fault.
    request_id: String,
}

fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new().description(description).content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build()).build().into()
}

/// The errors every operation may answer with.
pub struct Errors;

impl utoipa::IntoResponses for Errors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            ("400", "请求无效：参数、游标或请求体有误 / Invalid parameters, cursor or body"),
            ("401", "未登录或令牌无效 / Not signed in, or the token is unknown"),
            ("403", "角色无权访问，或须先修改初始密码 / The role may not, or the password must be changed first"),
            ("404", "不存在或不在管辖范围内 / Not found, or outside the caller's area"),
            ("405", "不支持的方法 / Method not allowed"),
            ("415", "请求体应为 application/json / The body must be application/json"),
            ("422", "JSON 请求体缺少字段或类型不符 / The JSON body misses a field or has a wrong type"),
            ("429", "请求过于频繁 / Too many requests"),
            ("503", "数据库暂时不可用 / The database is unavailable"),
        ]
        .into_iter()
        .map(|(s, d)| (s.to_string(), error_response(d)))
        .collect()
    }
}

/// The errors of a write: [`Errors`] and 409.
pub struct WriteErrors;

impl utoipa::IntoResponses for WriteErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut r = Errors::responses();
        r.insert("409".into(), error_response("与现有数据冲突 / Conflicts with existing data"));
        r
    }
}

// ------------------------------------------------------------------ bodies built as JSON values

/// Template fields (see docs/standard.md) by their keys; personal fields masked unless revealed.
/// Teachers and students carry `ref`, the sealed key used in addresses.
#[derive(ToSchema)]
#[schema(as = Record, value_type = Object)]
#[allow(dead_code)]
pub struct RecordDoc(BTreeMap<String, Option<String>>);

/// A page of records.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Page {
    items: Vec<RecordDoc>,
    /// Pass as `after` for the next page; null on the last.
    next: Option<String>,
}
