//! 伴随式采集 — the push API (issue 14): a school's or a bureau's own management system keeps the
//! base data current by sending its changes, `POST /api/v1/push/{entity}`, as CSV (the import
//! template's headers, Chinese or English keys) or JSON lines (one object a record, keyed the same
//! way). A push is an import like any other: the same validation, the same scope (rows outside
//! the caller's area are rejected as `out_of_scope`, and say nothing of what exists there), the same
//! batch, report, audit and per-school facts, recorded with the standard's version.
//!
//! Idempotent by the client's key (`Idempotency-Key`, required): the batch itself carries the key
//! (its file hash is `push:` + SHA-256 of the account and the key, its file name the key and the
//! body's digest), so the key is stored in the same transaction as the rows. A retry with the same
//! key and the same body answers the first push's result (200, `replayed`) and writes nothing; the
//! same key with a different body is 409. A push that failed as a whole (unreadable, the database
//! down) left no batch, so its retry runs again.
//!
//! The answer lists each rejected row by its line in what was sent (for JSON lines, the line of the
//! object) with its rule codes and reasons — never its values.

use super::{ip, ready, require, Me, Peer};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::fmt::Write as _;
use std::sync::Arc;
use store::Entity;

pub(crate) const TAG: &str = "伴随式采集";

/// The largest body a push takes, MiB: a push carries changes; a whole register goes through the
/// console's upload (`[import] upload_limit_mib`).
pub const PUSH_MIB: usize = 32;

/// How many rejected rows an answer lists (the rest are counted in `errors`).
pub const LISTED_REJECTS: usize = 1000;

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(push)).layer(axum::extract::DefaultBodyLimit::max(PUSH_MIB << 20))
}

/// The (account, key) pairs being pushed now.
static IN_FLIGHT: std::sync::Mutex<std::collections::BTreeSet<(String, String)>> = std::sync::Mutex::new(std::collections::BTreeSet::new());

struct InFlight((String, String));

impl InFlight {
    fn claim(user: &str, key: &str) -> Result<InFlight, AppError> {
        let k = (user.to_string(), key.to_string());
        if !IN_FLIGHT.lock().expect("lock").insert(k.clone()) {
            return Err(AppError::Conflict {
                zh: format!("键“{key}”的推送正在进行中，请稍后用同一个键重试。"),
                en: format!("A push with the key “{key}” is in progress; retry with the same key shortly."),
            });
        }
        Ok(InFlight(k))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.lock().expect("lock").remove(&self.0);
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PushOut {
    /// The batch that holds this push (the first push's on a replay).
    pub batch_id: i64,
    /// school, teacher, student or conditions.
    pub entity: String,
    /// True when the key was pushed before: nothing was written now; the counts are the first push's.
    pub replayed: bool,
    /// The data standard's version the rows were validated against.
    pub standard: String,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rule code → rows rejected for it.
    pub errors: std::collections::BTreeMap<String, u64>,
    /// The rejected rows (at most 1000), by line of what was sent.
    pub rejected_rows: Vec<PushRejected>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PushRejected {
    /// The line in what was sent: for CSV the file's line (the header is line 1), for JSON lines
    /// the object's line.
    pub line: u64,
    /// Rule codes (see the data standard).
    pub codes: Vec<String>,
    /// Each reason, Chinese then English in brackets.
    pub reasons: Vec<String>,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PushQuery {
    /// The push's unique key, for clients that cannot set the Idempotency-Key header.
    #[serde(default)]
    pub key: Option<String>,
}

/// The client's key (the header, else `?key=`): 1–128 characters of letters, digits and `-_.:`.
fn client_key(headers: &HeaderMap, q: &PushQuery) -> Result<String, AppError> {
    let k = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).or(q.key.as_deref()).unwrap_or("").trim().to_string();
    if k.is_empty() || k.len() > 128 || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) {
        return Err(AppError::invalid(
            "请在请求头 Idempotency-Key 中给出本次推送的唯一键（1–128 个字母、数字或 -_.:），重试时使用同一个键。",
            "Give the push a unique key in the Idempotency-Key header (1–128 letters, digits or -_.:); retry with the same key.",
        ));
    }
    Ok(k)
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = loader::StreamHash::default();
    for p in parts {
        h.update(p);
        h.update(&[0]);
    }
    h.finish()
}

/// JSON lines as CSV with the union of the objects' keys (first seen first) as the header; the
/// objects' line numbers, for mapping the import's lines back. A line that is not an object of
/// scalar values refuses the whole push, naming the line.
pub fn json_lines_to_csv(body: &[u8]) -> Result<(String, Vec<u64>), AppError> {
    let text = std::str::from_utf8(body).map_err(|_| AppError::invalid("JSON lines 须为 UTF-8 编码。", "JSON lines must be UTF-8."))?;
    let mut keys: Vec<String> = Vec::new();
    let mut rows: Vec<(u64, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |zh: &str, en: &str| AppError::invalid(format!("第 {n} 行{zh}；本次推送未写入任何数据，请修正后用同一个键重试。"), format!("Line {n} {en}; nothing of this push was written: fix it and retry with the same key."));
        let v: serde_json::Value = serde_json::from_str(line).map_err(|_| bad("不是有效的 JSON", "is not valid JSON"))?;
        let serde_json::Value::Object(m) = v else {
            return Err(bad("不是一个 JSON 对象（每行一条记录，如 {\"student_id\": \"…\"}）", "is not a JSON object (one record a line, e.g. {\"student_id\": \"…\"})"));
        };
        for (k, v) in &m {
            match v {
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => return Err(bad(&format!("的字段“{k}”不是单个值"), &format!("has a field “{k}” that is not a single value"))),
                serde_json::Value::String(s) if s.contains(['\n', '\r']) => return Err(bad(&format!("的字段“{k}”含换行符"), &format!("has a line break in field “{k}”"))),
                _ => {}
            }
            if !keys.iter().any(|x| x == k) {
                keys.push(k.clone());
            }
        }
        rows.push((n, m));
    }
    if rows.is_empty() {
        return Err(AppError::invalid("请求体中没有记录：每行一个 JSON 对象。", "The body holds no records: one JSON object a line."));
    }
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = keys.iter().map(|k| quote(k)).collect::<Vec<_>>().join(",");
    csv.push('\n');
    let mut lines = Vec::with_capacity(rows.len());
    for (n, m) in &rows {
        let cells: Vec<String> = keys
            .iter()
            .map(|k| match m.get(k) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => quote(s),
                Some(serde_json::Value::Bool(b)) => (if *b { "1" } else { "0" }).to_string(),
                Some(v) => quote(&v.to_string()),
            })
            .collect();
        let _ = writeln!(csv, "{}", cells.join(","));
        lines.push(*n);
    }
    Ok((csv, lines))
}

/// 推送变更 — records of one kind from a management system, validated and stored as an import
/// batch of the caller's area. Body: CSV (`text/csv`, UTF-8 or GBK) or JSON lines
/// (`application/x-ndjson`), keyed by the import template's fields. Header `Idempotency-Key`
/// (or `?key=`; required). 201 with the batch's report; 200 with `replayed` for a key pushed before; 409 for a
/// key pushed before with a different body.
#[utoipa::path(post, path = "/push/{entity}", tag = TAG,
    params(("entity" = String, Path, description = "school, teacher, student or conditions"),
           ("Idempotency-Key" = Option<String>, Header, description = "The push's unique key (required here or as ?key=); a retry sends the same"), PushQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV with the template's headers, or JSON lines (Content-Type: application/x-ndjson)"),
    responses((status = 201, description = "写入结果 / The push's batch", body = PushOut), (status = 200, description = "重复推送 / A replay", body = PushOut), crate::apidoc::WriteErrors))]
async fn push(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(entity): Path<String>, Query(q): Query<PushQuery>, body: Bytes) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let entity = Entity::parse(&entity).filter(|e| Entity::IMPORTS.contains(e)).ok_or(AppError::NotFound)?;
    let key = client_key(&headers, &q)?;
    if body.is_empty() {
        return Err(AppError::invalid("请求体是空的：请发送 CSV 或 JSON lines。", "The body is empty: send CSV or JSON lines."));
    }
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let json = matches!(kind.as_str(), "application/x-ndjson" | "application/jsonl" | "application/json-lines" | "application/jsonlines");
    if !json && !matches!(kind.as_str(), "text/csv" | "text/plain" | "") {
        return Err(AppError::invalid("Content-Type 应为 text/csv 或 application/x-ndjson。", "Content-Type must be text/csv or application/x-ndjson."));
    }
    let hash = format!("push:{}", sha256_hex(&[me.user.name.as_bytes(), key.as_bytes()]));
    let digest = sha256_hex(&[&body]);
    let file_name = format!("推送 {key} ({})", &digest[..16]);
    let (csv, lines) = if json {
        let (c, l) = json_lines_to_csv(&body)?;
        (c.into_bytes(), Some(l))
    } else {
        (body.to_vec(), None)
    };
    // One push of a key at a time (a concurrent retry is told to wait), inside this server.
    let _in_flight = InFlight::claim(&me.user.name, &key)?;
    let slot = app.jobs.admit(&me.user.name)?;
    let worker = app.jobs.worker().await?;
    let file = crate::upload::body_file(&app.upload_dir, Some("push.csv"), "push.csv", &csv)?;
    let (a, who, ipaddr) = (app.clone(), me.clone(), ip(&headers, &peer));
    let size = body.len();
    let (out, replayed) = app
        .pool
        .run(move |s| {
            let (_slot, _worker) = (slot, worker);
            // The key pushed before: the same body is a replay, another body a conflict.
            if let Some(b) = s.find_batch_by_hash(entity, &hash)?.filter(|b| b.user == who.user.name) {
                if b.file_name != file_name {
                    return Err(AppError::Conflict {
                        zh: format!("键“{key}”已用于另一份内容的推送（批次 {}）。新的变更请使用新的键。", b.id),
                        en: format!("The key “{key}” was used for a push of other content (batch {}). Send new changes with a new key.", b.id),
                    });
                }
                return Ok((b, true));
            }
            let rule = loader::scope_rule(s, &who.scope, a.config.province.code)?;
            let mut opts = ingest::Options::new(entity);
            opts.province = a.config.province.code;
            opts.scope = rule.map(Arc::new);
            opts.work_dir = Some(a.upload_dir.clone());
            let o = loader::ImportOptions {
                validate: opts,
                user: who.user.name.clone(),
                force: false,
                progress: None,
                file_name: Some(file_name.clone()),
                file_hash: Some(hash.clone()),
                scope: who.scope.clone(),
            };
            let out = loader::import_file(s, &file.path, o).map_err(|f| AppError::invalid(f.zh, f.en))?;
            let id = out.batch_id.unwrap_or(0);
            let detail = serde_json::json!({
                "via": "push", "client_key": key, "entity": entity.key(), "rows_read": out.rows_read, "inserted": out.inserted,
                "updated": out.updated, "unchanged": out.unchanged, "rejected": out.rejected, "bytes": size, "sha256": digest,
            });
            s.append_audit(&store::AuditEvent { actor: who.user.name.clone(), action: "import".into(), target: format!("batch:{id}"), detail: detail.to_string(), ip: ipaddr, outcome: "ok".into() })?;
            let b = s.get_batch(id)?.ok_or_else(|| AppError::Internal(format!("push batch {id} not found after commit")))?;
            drop(file);
            Ok((b, false))
        })
        .await?;
    if !replayed {
        app.clear_overview();
    }
    let id = out.id;
    let rows = app
        .pool
        .run(move |s| {
            let mut rows = Vec::new();
            s.rejected_rows(id, &mut |r| {
                if rows.len() < LISTED_REJECTS {
                    rows.push((r.line, r.codes));
                }
                Ok(())
            })?;
            Ok(rows)
        })
        .await?;
    let report: serde_json::Value = serde_json::from_str(&out.report_json).unwrap_or_default();
    let errors = report["errors"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect()).unwrap_or_default();
    let rejected_rows = rows
        .into_iter()
        .map(|(line, codes)| {
            // CSV line n (header = 1) is the (n-1)th record: its JSON line.
            let line = match &lines {
                Some(l) => l.get((line as usize).saturating_sub(2)).copied().unwrap_or(line),
                None => line,
            };
            let reasons = codes
                .iter()
                .map(|c| match standard::Rule::from_code(c) {
                    Some(r) => format!("{}（{}）", r.message(standard::Lang::Zh), r.message(standard::Lang::En)),
                    None => c.clone(),
                })
                .collect();
            PushRejected { line, codes, reasons }
        })
        .collect();
    let body = PushOut {
        batch_id: out.id,
        entity: entity.key().to_string(),
        replayed,
        standard: report["standard"].as_str().unwrap_or_default().to_string(),
        rows_read: out.rows_read,
        inserted: out.inserted,
        updated: out.updated,
        unchanged: out.unchanged,
        rejected: out.rejected,
        errors,
        rejected_rows,
    };
    Ok((if replayed { StatusCode::OK } else { StatusCode::CREATED }, Json(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::json_lines_to_csv;

    #[test]
    fn json_lines_become_csv_with_their_lines() {
        let (csv, lines) = json_lines_to_csv(b"{\"a\": \"x\", \"b\": 1}\n\n{\"b\": \"say \\\"hi\\\"\", \"c\": true, \"a\": null}\n").unwrap();
        assert_eq!(csv, "\"a\",\"b\",\"c\"\n\"x\",\"1\",\n,\"say \"\"hi\"\"\",1\n");
        assert_eq!(lines, vec![1, 3]);
        for (bad, line) in [(&b"{\"a\":1}\n[1]\n"[..], "第 2 行"), (b"{\"a\":{\"b\":1}}", "第 1 行"), (b"{\"a\":\"x\ny\"}", "第 1 行"), (b"nope", "第 1 行")] {
            let e = json_lines_to_csv(bad).unwrap_err();
            assert!(e.message().0.contains(line), "{:?}", e.message());
        }
        assert!(json_lines_to_csv(b"\n \n").is_err());
    }
}
