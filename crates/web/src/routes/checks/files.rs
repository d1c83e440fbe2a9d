//! Evidence files on a rectification item's submit step: the console's multipart form
//! (`/rectifications/{id}/evidence`: the CSRF token first, then `evidence` text and a `file`)
//! stores the file through `store::attachments` (type by content, the `[security]
//! attachment_limit_mib` cap, the owner unit inside the writer's area) under
//! `<data_dir>/attachments` and submits the item with it. The download
//! (`/rectifications/{id}/files/{file}`) finds the item through the caller's scope first (404
//! otherwise, as for a missing one), only its own attachment, and is audited.
//!
//! Evidence files on inspection answers: a unit answering an inspection keeps a file as the
//! evidence of its answer to a checklist item (`/checks/{id}/answer/files`, multipart: the CSRF
//! token, `item`, `file`; the API's `/checks/inspections/{id}/units/{unit}/files`) before it
//! submits; "evidence required" is then satisfied by the file. The issuing level, the auditor
//! and the unit download it (`/checks/{id}/units/{unit}/files/{file}`), found through the
//! reader's scope (404 outside), audited.

use super::{audit, written};
use crate::auth::Identity;
use crate::error::AppError;
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use crate::routes::evidence::{self, FileOut};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::Arc;

/// Reads the multipart form and submits item `id` with the evidence text and the file (a file
/// alone says "见附件"); the console's form and the API's `POST /checks/items/{id}/evidence`.
/// Audited (`checks_item_submit` with the attachment).
pub async fn submit_with_file(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, mut form: Multipart) -> Result<super::ItemView, AppError> {
    super::answers(me)?;
    let limit = app.config.security.attachment_limit_mib;
    let scope = super::read_scope(app, me).await?;
    // The item first, through the writer's area: 404 before a byte is kept.
    let sc = scope.clone();
    let item = app.pool.run(move |s| Ok(s.item(&sc, id)?)).await?.ok_or(AppError::NotFound)?;
    if !store::checks::may_write_unit(&scope, item.region_code, item.new.owner_unit) {
        return Err(AppError::NotFound);
    }
    let parts = crate::upload::file_field(&mut form, &app.upload_dir, limit, "证明材料").await?;
    let text = match parts.text("evidence") {
        t if t.is_empty() => parts.text("evidence_text"),
        t => t,
    };
    let crate::upload::FileForm { file, mime, .. } = parts;
    let Some(file) = file else { return Err(evidence::no_file()) };
    if text.chars().count() > 1000 {
        return Err(AppError::invalid("整改情况过长（最多 1000 字）。", "The evidence is too long (1000 characters at most)."));
    }
    let (a2, by) = (app.clone(), me.user.name.clone());
    let unit = item.new.owner_unit;
    let owner = evidence::owner_of(unit, item.region_code);
    let r = app
        .pool
        .run(move |s| {
            let a = evidence::keep(&a2, s, &scope, &by, owner, &file, mime.as_deref())?;
            let ev = if text.is_empty() { format!("见附件：{}", a.name) } else { text.clone() };
            let now = a2.clock.now();
            let it = written(s.submit_item(&scope, id, &ev, Some(a.id), now))?;
            let v = super::item_view(s, &it, a2.clock.today(), &mut HashMap::new())?;
            Ok((a.id, a.name, a.size, v))
        })
        .await;
    evidence::audit_upload(app, me, "checks_item_submit", &format!("check_item:{id}"), &r, |(aid, name, size, _)| serde_json::json!({ "unit": unit, "attachment": aid, "name": name, "size": size }), ipaddr).await?;
    r.map(|(_, _, _, v)| v)
}

/// The console's evidence form: back to the items, or the list with the reason (400).
pub async fn evidence(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    match submit_with_file(&app, &me, &ip(&headers, &peer), id, form).await {
        Ok(_) => Ok(Redirect::to("/rectifications").into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let t = crate::render::Ctx::new(&app, &headers, Some(&me), "/rectifications", "checks").t;
            let msg = crate::routes::sites::message(&t, &e);
            let mut r = super::pages::render_items(&app, &headers, &me, super::pages::ItemFilters::default(), vec![msg]).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

/// Sends an item's evidence file to a reader of the item (`nosniff`, as an attachment),
/// audited (`checks_attachment_download`): the console's `/rectifications/{id}/files/{file}`.
pub async fn download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, file_id)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    item_fetch(&app, &me, &ip(&headers, &peer), id, file_id).await
}

/// Finds item `id`'s own evidence file `file_id` through the reader's scope (404 outside the
/// area, for another item's file and for a missing one alike) and sends it, audited; the
/// console's download and the API's `GET /checks/items/{id}/evidence/{file}`.
pub async fn item_fetch(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, file_id: i64) -> Result<Response, AppError> {
    super::reads(me)?;
    let scope = super::read_scope(app, me).await?;
    let found = app
        .pool
        .run(move |s| {
            // The item through the scope first; then its own attachment only (also in scope).
            let Some(it) = s.item(&scope, id)? else { return Ok(None) };
            if it.attachment_id != Some(file_id) {
                return Ok(None);
            }
            Ok(s.attachment(&scope, file_id)?)
        })
        .await?;
    let Some(a) = found else { return Err(AppError::NotFound) };
    let r = evidence::send(app, &a)?;
    audit(app, me, "checks_attachment_download", format!("check_item:{id}"), serde_json::json!({ "attachment": a.id, "name": a.name, "size": a.size }), ipaddr).await?;
    Ok(r)
}

/// Where a unit's answer file is downloaded in the console.
pub fn answer_href(inspection: i64, unit: i64, file: i64) -> String {
    format!("/checks/{inspection}/units/{unit}/files/{file}")
}

/// The files of a unit's answers, by checklist item (0-based), as the reader may see them.
pub fn answer_files(s: &mut dyn store::Backend, scope: &store::Scope, inspection: i64, a: &store::checks::Assignment) -> Result<HashMap<u32, FileOut>, AppError> {
    let mut out = HashMap::new();
    for x in &a.answers {
        if let Some(id) = x.attachment {
            if let Some(f) = s.attachment(scope, id)? {
                out.insert(x.item, FileOut::of(&f, answer_href(inspection, a.unit_code, f.id)));
            }
        }
    }
    Ok(out)
}

/// A kept answer file: the item (0-based) and the file.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ChecksAnswerFile)]
pub struct AnswerFile {
    /// The checklist item, 0-based.
    pub item: u32,
    pub file: FileOut,
}

/// Reads the multipart form (`item`: the checklist item, 0-based; `file`) and keeps the file as
/// the evidence of `unit`'s answer to that item in inspection `id`, before submission. The
/// assignment is found through the writer's area first (404 before a byte is kept). Audited
/// either way (`checks_answer_file`).
pub async fn answer_upload(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, unit: i64, mut form: Multipart) -> Result<AnswerFile, AppError> {
    super::answers(me)?;
    let limit = app.config.security.attachment_limit_mib;
    let scope = super::read_scope(app, me).await?;
    let sc = scope.clone();
    let (insp, a) = app
        .pool
        .run(move |s| {
            let insp = s.inspection(&sc, id)?.ok_or(AppError::NotFound)?;
            let a = s.assignment(&sc, id, unit)?.ok_or(AppError::NotFound)?;
            Ok((insp, a))
        })
        .await?;
    let parts = crate::upload::file_field(&mut form, &app.upload_dir, limit, "证明材料").await?;
    let target = format!("inspection:{id}:{unit}");
    let n = insp.new.items.len();
    let item = parts.text("item").parse::<u32>().ok().filter(|i| (*i as usize) < n);
    let r = match (item, &parts.file) {
        _ if a.state == store::checks::AssignState::Submitted => Err(AppError::invalid("该单位已提交检查结果，不能再添加证明材料。", "The answers were submitted already.")),
        (None, _) => Err(AppError::invalid(format!("请选择证明材料对应的检查项（第 1 至第 {n} 项）。"), format!("Choose the checklist item (1 to {n}) the file is for."))),
        (_, None) => Err(evidence::no_file()),
        (Some(item), Some(_)) => {
            let (a2, by) = (app.clone(), me.user.name.clone());
            let owner = evidence::owner_of(unit, a.region_code);
            app.pool
                .run(move |s| {
                    let Some(file) = parts.file.as_ref() else { return Err(evidence::no_file()) };
                    let f = evidence::keep(&a2, s, &scope, &by, owner, file, parts.mime.as_deref())?;
                    written(s.attach_answer(&scope, id, unit, item, f.id))?;
                    Ok(AnswerFile { item, file: FileOut::of(&f, answer_href(id, unit, f.id)) })
                })
                .await
        }
    };
    evidence::audit_upload(app, me, "checks_answer_file", &target, &r, |v| serde_json::json!({ "unit": unit, "item": v.item + 1, "attachment": v.file.id, "name": v.file.name, "size": v.file.size }), ipaddr).await?;
    r
}

/// The answer sheet's file form: back to the sheet, or the sheet with the reason (400).
pub async fn answer_attach(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Query(q): Query<super::pages::UnitQuery>, form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    let unit = super::pages::unit_of(&me, &q.unit)?;
    match answer_upload(&app, &me, &ip(&headers, &peer), id, unit, form).await {
        Ok(f) => Ok(Redirect::to(&format!("/checks/{id}/answer?unit={unit}#item-{}", f.item)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let t = crate::render::Ctx::new(&app, &headers, Some(&me), "/checks", "checks").t;
            let msg = crate::routes::sites::message(&t, &e);
            let mut r = super::pages::answer_page(&app, &headers, &me, id, unit, vec![msg]).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

/// Finds `unit`'s answer file `file_id` of inspection `id` for a reader of the unit's
/// assignment (the issuing level, the auditor, the unit) and audits the download
/// (`checks_answer_file_download`); 404 outside the area and for a file not the unit's.
pub async fn answer_fetch(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, unit: i64, file_id: i64) -> Result<Response, AppError> {
    super::reads(me)?;
    let scope = super::read_scope(app, me).await?;
    let found = app
        .pool
        .run(move |s| {
            if s.inspection(&scope, id)?.is_none() {
                return Ok(None);
            }
            let Some(a) = s.assignment(&scope, id, unit)? else { return Ok(None) };
            let Some(x) = a.answers.iter().find(|x| x.attachment == Some(file_id)) else { return Ok(None) };
            Ok(s.attachment(&scope, file_id)?.map(|f| (x.item, f)))
        })
        .await?;
    let Some((item, f)) = found else { return Err(AppError::NotFound) };
    let r = evidence::send(app, &f)?;
    // The file (its id names its owner) without the unit's code: the audit page is read by
    // auditors whose session scope holds no unit.
    audit(app, me, "checks_answer_file_download", format!("inspection:{id}"), serde_json::json!({ "item": item + 1, "attachment": f.id, "name": f.name, "size": f.size }), ipaddr).await?;
    Ok(r)
}

pub async fn answer_download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, unit, file_id)): Path<(i64, i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    answer_fetch(&app, &me, &ip(&headers, &peer), id, unit, file_id).await
}
