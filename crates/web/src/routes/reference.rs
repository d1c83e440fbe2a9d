//! 接口文档 — the API reference in the console, in Chinese: every operation of the generated
//! OpenAPI document (grouped by tag, with its parameters, request body and responses) and every
//! schema, rendered on the server from [`super::api::document`]. Nothing is fetched from elsewhere:
//! no script, no CDN; the page uses the console's own stylesheet. Open to anyone, as the document is.

use super::Me;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/docs", get(page))
}

pub struct Param {
    pub name: String,
    pub place: &'static str,
    pub ty: String,
    pub required: bool,
    pub description: String,
}

pub struct Answer {
    pub status: String,
    pub description: String,
    pub ty: String,
}

pub struct Operation {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub params: Vec<Param>,
    pub body: Option<String>,
    pub answers: Vec<Answer>,
}

pub struct Group {
    pub tag: String,
    pub ops: Vec<Operation>,
}

pub struct Field {
    pub name: String,
    pub ty: String,
    pub required: bool,
    pub description: String,
}

pub struct Schema {
    pub name: String,
    pub description: String,
    pub fields: Vec<Field>,
}

/// A schema's type in words: a named schema, or 字符串/整数/… with 数组 and 可为空.
fn type_of(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.trim_start_matches("#/components/schemas/").to_string();
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let parts: Vec<String> = one.iter().map(type_of).filter(|t| t != "空").collect();
        let null = one.iter().any(|x| x.get("type").and_then(Value::as_str) == Some("null"));
        return format!("{}{}", parts.join(" 或 "), if null { "（可为空）" } else { "" });
    }
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return "任意 JSON".into(),
    };
    let null = types.contains(&"null");
    let main: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "string" => "字符串".to_string(),
            "integer" => "整数".to_string(),
            "number" => "数值".to_string(),
            "boolean" => "布尔".to_string(),
            "array" => format!("{} 数组", s.get("items").map(type_of).unwrap_or_default()),
            "object" => "对象".to_string(),
            other => other.to_string(),
        })
        .collect();
    if main.is_empty() {
        return "空".into();
    }
    format!("{}{}", main.join(" 或 "), if null { "（可为空）" } else { "" })
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// The document as the page shows it: operations by tag (in the document's path order), schemas.
pub fn reference(doc: &Value) -> (Vec<Group>, Vec<Schema>) {
    let base = doc["servers"][0]["url"].as_str().unwrap_or("");
    let mut groups: Vec<Group> = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for m in ["get", "post", "put", "delete", "patch"] {
            let Some(op) = item.get(m) else { continue };
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| Param {
                    name: text(p, "name"),
                    place: if p["in"] == "path" { "路径" } else { "查询" },
                    ty: type_of(&p["schema"]),
                    required: p["required"].as_bool().unwrap_or(false),
                    description: text(p, "description"),
                })
                .collect();
            let body = op.get("requestBody").map(|b| type_of(&b["content"]["application/json"]["schema"]));
            let answers = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| Answer { status: status.clone(), description: text(r, "description"), ty: r["content"]["application/json"].get("schema").map(type_of).unwrap_or_default() })
                .collect();
            let tag = op["tags"][0].as_str().unwrap_or("其他").to_string();
            let o = Operation { anchor: text(op, "operationId"), method: m.to_uppercase(), path: format!("{base}{path}"), summary: text(op, "summary"), params, body, answers };
            match groups.iter_mut().find(|g| g.tag == tag) {
                Some(g) => g.ops.push(o),
                None => groups.push(Group { tag, ops: vec![o] }),
            }
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| {
            let required: Vec<&str> = s["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let fields = s["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, f)| Field { name: k.clone(), ty: type_of(f), required: required.contains(&k.as_str()), description: text(f, "description") })
                .collect();
            Schema { name: name.clone(), description: text(s, "description"), fields }
        })
        .collect();
    (groups, schemas)
}

#[derive(Template)]
#[template(path = "reference.html")]
struct Page {
    c: Ctx,
    title: String,
    description: String,
    groups: Vec<Group>,
    schemas: Vec<Schema>,
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let doc: Value = serde_json::from_str(super::api::document()).map_err(|e| AppError::Internal(format!("openapi: {e}")))?;
    let (groups, schemas) = reference(&doc);
    let c = Ctx::new(&app, &headers, me.as_ref().map(|m| &m.0), "/api/docs", "api");
    html(Page { c, title: text(&doc["info"], "title"), description: text(&doc["info"], "description"), groups, schemas })
}
