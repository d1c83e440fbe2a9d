//! Delivery of a grant to its consumer: `GET /api/v1/share/{id}/rows` (a JSON page, cursor
//! paging), `/rows.csv` and `/rows.jsonl` (every row, streamed). The consumer's token only; the
//! store's [`store::share::Share::share_authorize`] checks the account, the grant's life and its
//! rate, and [`store::share::read_page`] reads only the granted fields and rows, masked as
//! granted — nothing here can widen them. Parameters other than `after`, `limit` and `fields`
//! are refused (a filter is the grant's, never the caller's); cursors are sealed to the account
//! and the grant, so another grant's cursor is refused. Every call is audited (`share_pull`:
//! consumer, grant, fields, rows) and counted in the grant's usage.
//!
//! `GET /api/v1/share/{id}/changes` is the change feed ([`store::share::changes`]): after a
//! change version (`since`), each record of the grant's rows that an import changed (an upsert
//! with its granted fields) or moved out of them (a delete), under a per-grant pseudonym of the
//! record (`id`), never its key.

use crate::error::AppError;
use crate::routes::{ip, ready, Me, Peer};
use crate::seal;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use store::share::{Authorized, Columns, Refused};

const TAG: &str = "数据共享交换";

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(rows)).routes(routes!(rows_csv)).routes(routes!(rows_jsonl)).routes(routes!(changes))
}

/// A page of a grant's rows.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareRows)]
pub struct RowsPage {
    /// The fields delivered, in order.
    pub columns: Vec<String>,
    /// One object per row: field → value (masked as granted).
    #[schema(value_type = Vec<Object>)]
    pub items: Items,
    /// Pass as `after` for the next page, or null.
    pub next: Option<String>,
}

/// A page's rows as JSON objects (field → value), written straight from the values: no map
/// is built per row.
pub struct Items {
    names: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Serialize for Items {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.rows.len()))?;
        for r in &self.rows {
            seq.serialize_element(&Row(&self.names, r))?;
        }
        seq.end()
    }
}

/// One row as a JSON object of the columns' names and its values.
struct Row<'a>(&'a [String], &'a [String]);

impl Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter().zip(self.1) {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The query a pull takes.
struct Params {
    after: Option<String>,
    limit: usize,
    fields: Vec<String>,
    since: i64,
}

/// The three kinds of call and the parameters each accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Call {
    /// A JSON page: `after`, `limit`, `fields`.
    Page,
    /// A CSV or JSON Lines stream: `fields`.
    Stream,
    /// The change feed: `since`, `after`, `limit`, `fields`.
    Feed,
}

fn params(raw: Vec<(String, String)>, call: Call) -> Result<Params, AppError> {
    let paged = call != Call::Stream;
    let mut p = Params { after: None, limit: 100, fields: Vec::new(), since: 0 };
    for (k, v) in raw {
        match k.as_str() {
            "after" if paged && !v.is_empty() => p.after = Some(v),
            "after" if paged => {}
            "limit" if paged => {
                p.limit = v.parse().ok().filter(|n| (1..=store::share::MAX_ROWS).contains(n)).ok_or_else(|| AppError::invalid("limit 应为 1–1000 的整数。", "limit must be a whole number from 1 to 1000."))?;
            }
            "since" if call == Call::Feed => {
                p.since = v.trim().parse().ok().filter(|n| *n >= 0).ok_or_else(|| AppError::invalid("since 应为上次回答中的 version（非负整数）。", "since must be the version of an earlier answer (a whole number, 0 or more)."))?;
            }
            "fields" => p.fields.extend(v.split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty())),
            _ => {
                let (zh, en) = match call {
                    Call::Page => ("after、limit 和 fields", "after, limit and fields are"),
                    Call::Stream => ("fields", "fields is"),
                    Call::Feed => ("since、after、limit 和 fields", "since, after, limit and fields are"),
                };
                return Err(AppError::invalid(
                    format!("只接受 {zh} 参数：行和字段的范围由授权确定，不能用参数扩大。"),
                    format!("Only {en} accepted: the rows and fields are the grant's and cannot be widened."),
                ));
            }
        }
    }
    Ok(p)
}

/// The cursor a paged call continues from, opened under its context (a cursor sealed for
/// another account, grant or kind of call is refused).
fn opened(p: &Params, ctx: &str) -> Result<Option<String>, AppError> {
    match &p.after {
        Some(c) => Ok(Some(seal::open_cursor(c, ctx).ok_or_else(AppError::bad_cursor)?)),
        None => Ok(None),
    }
}

fn context(user: i64, grant: i64) -> String {
    seal::cursor_context(user, "share", &[&grant.to_string()])
}

/// The pull's checks, in the store: the caller's account, the grant, its rate; then its columns.
async fn authorize(app: &Arc<AppState>, me: &crate::auth::Identity, id: i64, fields: &[String]) -> Result<(Authorized, Columns), AppError> {
    crate::routes::require(me.user.role == store::Role::DataConsumer)?;
    let (user, now) = (me.user.id, app.clock.now());
    let a = app.pool.run(move |s| Ok(s.share_authorize(user, id, now))).await?.map_err(refusal)?;
    let cols = a.columns(fields).ok_or_else(|| AppError::invalid("所列字段不在授权范围内：只能取授权的字段。", "A field asked for is not granted: only granted fields can be delivered."))?;
    Ok((a, cols))
}

fn refusal(r: Refused) -> AppError {
    match r {
        Refused::NotYours => AppError::NotFound,
        Refused::NotYet(d) => AppError::Refused { zh: format!("该授权自 {d} 起生效，请届时再取数。"), en: format!("The grant is valid from {d}; pull then.") },
        Refused::Expired(at) => AppError::Refused { zh: format!("该授权已于 {} 到期，如仍需使用，请重新提交共享申请。", super::when(at)), en: format!("The grant expired at {} (UTC+8); submit a new request if you still need the data.", super::when(at)) },
        Refused::Revoked { at, why } => AppError::Gone { zh: format!("该授权已于 {} 被提供方撤销（原因：{why}），不能再取数。", super::when(at)), en: format!("The grant was revoked by the provider at {} (UTC+8) and delivers nothing more.", super::when(at)) },
        Refused::Rate { retry_after } => AppError::RetryAfter { secs: retry_after },
        Refused::Store(e) => AppError::from(e),
    }
}

async fn audit_pull(app: &Arc<AppState>, me: &crate::auth::Identity, ipaddr: &str, a: &Authorized, cols: &Columns, rows: usize, format: &str) -> Result<(), AppError> {
    let g = a.grant();
    super::audit(app, me, ipaddr, "pull", format!("share_grant:{}", g.id), json!({ "consumer": g.consumer_id, "grant": g.id, "fields": cols.names().join(","), "rows": rows, "format": format })).await
}

/// 取数（分页）— a page of the grant's rows: only its fields (or `fields`, a subset) and rows,
/// masked as granted; `after` the previous page's `next`.
#[utoipa::path(get, path = "/share/{id}/rows", tag = TAG,
    params(("id" = i64, Path, description = "授权编号 / Grant number"),
        ("after" = Option<String>, Query, description = "上一页的 next / The previous page's next"),
        ("limit" = Option<usize>, Query, description = "条数 1–1000，默认 100 / Rows, 1–1000 (100)"),
        ("fields" = Option<String>, Query, description = "授权字段的子集，逗号分隔 / A subset of the granted fields, comma-separated")),
    responses((status = 200, description = "数据 / Rows", body = RowsPage), (status = 410, description = "授权已撤销 / Revoked", body = crate::apidoc::ErrorBody), crate::apidoc::Errors))]
async fn rows(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Query(q): Query<Vec<(String, String)>>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let p = params(q, Call::Page)?;
    let ctx = context(me.user.id, id);
    let after = opened(&p, &ctx)?;
    let (a, cols) = authorize(&app, &me, id, &p.fields).await?;
    let (c2, limit, now) = (cols.clone(), p.limit, app.clock.now());
    let (a, page) = app
        .pool
        .run(move |s| {
            let page = store::share::read_page(s, &c2, after, limit)?;
            s.share_count(&a, page.rows.len() as u64, now)?;
            Ok((a, page))
        })
        .await?;
    audit_pull(&app, &me, &ip(&headers, &peer), &a, &cols, page.rows.len(), "json").await?;
    let names = cols.names();
    let next = page.next.map(|n| seal::seal_cursor(&n, &ctx));
    Ok(axum::Json(RowsPage { columns: names.clone(), items: Items { names, rows: page.rows }, next }).into_response())
}

/// One change of a grant's rows.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareChange)]
pub struct ChangeItem {
    /// `upsert`（新增或更新，按 id 写入）或 `delete`（已移出授权范围，按 id 删除）/ `upsert` (insert
    /// or replace by id) or `delete` (the record left the grant's rows: remove it by id).
    pub op: &'static str,
    /// 变更版本（导入批次号）/ The change version (the import batch).
    pub version: i64,
    /// 记录在本授权中的化名：同一记录在同一授权中始终相同，不同授权中不同 / The record's pseudonym in
    /// this grant: always the same for one record in one grant, different in another grant.
    pub id: String,
    /// upsert：字段 → 值（按授权脱敏）；delete 为 null / Upserts: field → value (masked as granted).
    pub row: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A page of a grant's change feed.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ShareChanges)]
pub struct ChangesPage {
    /// The fields of each upsert's row, in order.
    pub columns: Vec<String>,
    pub items: Vec<ChangeItem>,
    /// 还有后续变更：作为 after 传入 / More changes wait: pass as `after`. Null at the end of the feed.
    pub next: Option<String>,
    /// 读到末尾时（next 为 null）下次作为 since 传入的版本 / When `next` is null: the version to pass as
    /// `since` next time.
    pub version: i64,
}

/// 变更订阅 — the changes of the grant's rows after change version `since` (0: every row, as
/// upserts): upserts with the granted fields (or `fields`), masked as granted, and deletes of
/// records that left the grant's rows. Page with `after` (the previous page's `next`); at the end
/// (`next` null) keep `version` and pass it as `since` next time.
#[utoipa::path(get, path = "/share/{id}/changes", tag = TAG,
    params(("id" = i64, Path, description = "授权编号 / Grant number"),
        ("since" = Option<i64>, Query, description = "上次读到的版本，默认 0（全部）/ The version read last time (0: everything)"),
        ("after" = Option<String>, Query, description = "上一页的 next（此时忽略 since）/ The previous page's next (since is then ignored)"),
        ("limit" = Option<usize>, Query, description = "条数 1–1000，默认 100 / Changes, 1–1000 (100)"),
        ("fields" = Option<String>, Query, description = "授权字段的子集，逗号分隔 / A subset of the granted fields, comma-separated")),
    responses((status = 200, description = "变更 / Changes", body = ChangesPage), (status = 410, description = "授权已撤销 / Revoked", body = crate::apidoc::ErrorBody), crate::apidoc::Errors))]
async fn changes(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Query(q): Query<Vec<(String, String)>>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let p = params(q, Call::Feed)?;
    let ctx = seal::cursor_context(me.user.id, "share-changes", &[&id.to_string()]);
    let after = opened(&p, &ctx)?;
    let (a, cols) = authorize(&app, &me, id, &p.fields).await?;
    let (c2, limit, since, now) = (cols.clone(), p.limit, p.since, app.clock.now());
    let (a, feed) = app
        .pool
        .run(move |s| {
            let feed = store::share::changes(s, &c2, since, after.as_deref(), limit)?;
            s.share_count(&a, feed.changes.len() as u64, now)?;
            Ok((a, feed))
        })
        .await?;
    audit_pull(&app, &me, &ip(&headers, &peer), &a, &cols, feed.changes.len(), "changes").await?;
    let names = cols.names();
    let k = crate::share_nats::pseudonym_key();
    let items = feed
        .changes
        .into_iter()
        .map(|c| ChangeItem {
            op: c.op.code(),
            version: c.version,
            id: crate::share_nats::pseudonym(&k, id, &c.key),
            row: c.row.map(|r| names.iter().cloned().zip(r.into_iter().map(serde_json::Value::String)).collect()),
        })
        .collect();
    let next = feed.next.map(|n| seal::seal_cursor(&n, &ctx));
    Ok(axum::Json(ChangesPage { columns: names, items, next, version: feed.version }).into_response())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Csv,
    Jsonl,
}

/// Every row of the grant, written on a blocking thread page by page into the response.
async fn stream(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, id: i64, q: Vec<(String, String)>, kind: Stream) -> Result<Response, AppError> {
    let me = ready(me)?;
    let p = params(q, Call::Stream)?;
    let (a, cols) = authorize(&app, &me, id, &p.fields).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<crate::download::Chunk>(4);
    let ipaddr = ip(&headers, &peer);
    let now = app.clock.now();
    let app2 = app.clone();
    let (c2, a2) = (cols.clone(), a.clone());
    tokio::spawn(async move {
        // The sender comes back from the blocking thread and is dropped only once the call is
        // audited: the response ends after its audit entry is written.
        let done = app2
            .pool
            .run(move |s| {
                let r = write_all(s, &c2, kind, &tx);
                let n = match &r {
                    Ok(n) => *n,
                    Err((n, _)) => *n,
                };
                let counted = s.share_count(&a2, n as u64, now);
                if let Err((_, why)) = &r {
                    crate::download::Sheet::abort(&tx, why);
                }
                counted?;
                Ok((n, tx))
            })
            .await;
        if let Ok((n, tx)) = done {
            let _ = audit_pull(&app2, &me, &ipaddr, &a, &cols, n, if kind == Stream::Csv { "csv" } else { "jsonl" }).await;
            drop(tx);
        }
    });
    let (mime, ext) = match kind {
        Stream::Csv => ("text/csv; charset=utf-8", "csv"),
        Stream::Jsonl => ("application/x-ndjson", "jsonl"),
    };
    let mut r = crate::download::body(rx).into_response();
    for (k, v) in crate::download::headers(mime, &format!("grant-{id}.{ext}"), &format!("grant-{id}.{ext}")) {
        r.headers_mut().insert(k, v);
    }
    Ok(r)
}

/// Writes every page; the rows written, or the rows written and why it stopped. Rows are written
/// straight into the chunk (a CSV line or a JSON object from the values, nothing built per row).
fn write_all(s: &mut dyn store::Backend, cols: &Columns, kind: Stream, tx: &crate::download::Sender) -> Result<usize, (usize, String)> {
    use axum::body::Bytes;
    const CHUNK: usize = 64 << 10;
    let names = cols.names();
    let mut n = 0usize;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    // A CSV line is made in `line` (the field quoting works on text), reused from row to row.
    let mut line = String::with_capacity(512);
    let mut csv_line = |buf: &mut Vec<u8>, values: &[String]| {
        line.clear();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            ingest::formula::push_field(&mut line, v);
        }
        line.push_str("\r\n");
        buf.extend_from_slice(line.as_bytes());
    };
    if kind == Stream::Csv {
        buf.extend_from_slice(b"\xEF\xBB\xBF");
        csv_line(&mut buf, &names);
    }
    let mut after = None;
    loop {
        let page = store::share::read_page(s, cols, after, store::share::MAX_ROWS).map_err(|e| (n, e.to_string()))?;
        for row in &page.rows {
            match kind {
                Stream::Csv => csv_line(&mut buf, row),
                Stream::Jsonl => {
                    serde_json::to_writer(&mut buf, &Row(&names, row)).map_err(|e| (n, e.to_string()))?;
                    buf.push(b'\n');
                }
            }
            n += 1;
            if buf.len() >= CHUNK {
                let full = std::mem::replace(&mut buf, Vec::with_capacity(CHUNK + 4096));
                tx.blocking_send(Ok(Bytes::from(full))).map_err(|_| (n, "the reader went away".to_string()))?;
            }
        }
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    if !buf.is_empty() {
        tx.blocking_send(Ok(Bytes::from(buf))).map_err(|_| (n, "the reader went away".to_string()))?;
    }
    Ok(n)
}

/// 批量取数（CSV）— every row of the grant as CSV (UTF-8 with BOM), streamed; masked as granted.
#[utoipa::path(get, path = "/share/{id}/rows.csv", tag = TAG,
    params(("id" = i64, Path, description = "授权编号 / Grant number"), ("fields" = Option<String>, Query, description = "授权字段的子集，逗号分隔 / A subset of the granted fields")),
    responses((status = 200, description = "CSV", content_type = "text/csv", body = String), (status = 410, description = "授权已撤销 / Revoked", body = crate::apidoc::ErrorBody), crate::apidoc::Errors))]
async fn rows_csv(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Query(q): Query<Vec<(String, String)>>) -> Result<Response, AppError> {
    stream(app, headers, peer, me, id, q, Stream::Csv).await
}

/// 批量取数（JSON Lines）— every row of the grant, one JSON object a line, streamed.
#[utoipa::path(get, path = "/share/{id}/rows.jsonl", tag = TAG,
    params(("id" = i64, Path, description = "授权编号 / Grant number"), ("fields" = Option<String>, Query, description = "授权字段的子集，逗号分隔 / A subset of the granted fields")),
    responses((status = 200, description = "JSON Lines", content_type = "application/x-ndjson", body = String), (status = 410, description = "授权已撤销 / Revoked", body = crate::apidoc::ErrorBody), crate::apidoc::Errors))]
async fn rows_jsonl(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Query(q): Query<Vec<(String, String)>>) -> Result<Response, AppError> {
    stream(app, headers, peer, me, id, q, Stream::Jsonl).await
}
