//! 清单事项的佐证材料 — a file as the evidence of a responsibility-checklist item: uploaded on the
//! item's page (`/duties/items/{id}/evidence`, multipart: the CSRF token first, then `file`) or
//! through the API, kept by `store::attachments` for the item's unit and recorded on the item
//! (its other answers unchanged); "evidence required before done" is then satisfied by the file.
//! The download (`/duties/items/{id}/files/{file}`) finds the item through the caller's scope
//! first (404 otherwise, as for a missing one), only its own file, and is audited.

use super::{duty_view, writes, reads, DutyView};
use crate::auth::Identity;
use crate::error::AppError;
use crate::routes::evidence::{self, FileOut};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::Arc;
use store::ledger::DutyUpdate;

/// Where an item's file is downloaded.
pub fn href(item: i64, file: i64) -> String {
    format!("/duties/items/{item}/files/{file}")
}

/// The file of an item in the caller's area (none when the item has none, is missing or
/// outside).
pub async fn file_of(app: &Arc<AppState>, me: &Identity, id: i64) -> Result<Option<FileOut>, AppError> {
    let scope = crate::routes::read_scope(app, me).await?;
    app.pool
        .run(move |s| {
            let Some(d) = s.duty_item(&scope, id)? else { return Ok(None) };
            let Some(a) = d.attachment else { return Ok(None) };
            Ok(s.attachment(&scope, a)?.map(|a| FileOut::of(&a, href(id, a.id))))
        })
        .await
}

/// Reads the multipart form and records its file as item `id`'s evidence (with the `evidence`
/// text when one is sent). Audited either way (`duty_item_evidence`).
pub async fn upload(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, mut form: Multipart) -> Result<DutyView, AppError> {
    writes(me)?;
    let limit = app.config.security.attachment_limit_mib;
    // The item first, through the writer's area: 404 before a byte is kept.
    let scope = me.scope.clone();
    let item = app.pool.run(move |s| Ok(s.duty_item(&scope, id)?)).await?.ok_or(AppError::NotFound)?;
    let parts = crate::upload::file_field(&mut form, &app.upload_dir, limit, "佐证材料").await?;
    let text = parts.text("evidence");
    let target = format!("duty_item:{id}");
    let r = match (&parts.file, text.chars().count() > 2000) {
        (None, _) => Err(evidence::no_file()),
        (_, true) => Err(AppError::invalid("落实情况过长（最多 2000 字）。", "The evidence is too long (2000 characters at most).")),
        (Some(_), false) => {
            let (a2, scope, by, now) = (app.clone(), me.scope.clone(), me.user.name.clone(), app.clock.now());
            let owner = evidence::owner_of(item.unit_code, item.region_code);
            app.pool
                .run(move |s| {
                    let Some(file) = parts.file.as_ref() else { return Err(evidence::no_file()) };
                    let a = evidence::keep(&a2, s, &scope, &by, owner, file, parts.mime.as_deref())?;
                    let u = DutyUpdate { owner_name: item.owner_name.clone(), owner_post: item.owner_post.clone(), status: item.status, reason: item.reason.clone(), evidence: if text.is_empty() { item.evidence.clone() } else { text.clone() }, attachment: Some(a.id) };
                    let d = s.update_duty_item(&scope, id, &u, &by, now)?;
                    Ok((duty_view(&super::api::ZH, s, &d, &mut HashMap::new())?, a))
                })
                .await
        }
    };
    evidence::audit_upload(app, me, "duty_item_evidence", &target, &r, |(d, a)| serde_json::json!({ "unit": d.unit_code, "checklist": d.checklist_id, "attachment": a.id, "name": a.name, "size": a.size }), ipaddr).await?;
    r.map(|(d, _)| d)
}

/// The item page's evidence form: back to the item, or the page with the reason (400).
pub async fn attach(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    match upload(&app, &me, &ip(&headers, &peer), id, form).await {
        Ok(_) => Ok(Redirect::to(&format!("/duties/items/{id}#duty-files")).into_response()),
        Err(e @ AppError::Invalid { .. }) => {
            let t = crate::render::Ctx::new(&app, &headers, Some(&me), "/duties", "duties").t;
            super::duties::item_page(&app, &headers, &me, id, None, vec![crate::routes::sites::message(&t, &e)]).await
        }
        Err(e) => Err(e),
    }
}

/// Finds item `id`'s file `file_id` for a reader of the item and audits the download
/// (`duty_attachment_download`).
pub async fn fetch(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, file_id: i64) -> Result<Response, AppError> {
    reads(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let found = app
        .pool
        .run(move |s| {
            // The item through the scope first; then its own file only (also in scope).
            let Some(d) = s.duty_item(&scope, id)? else { return Ok(None) };
            if d.attachment != Some(file_id) {
                return Ok(None);
            }
            Ok(s.attachment(&scope, file_id)?)
        })
        .await?;
    let Some(a) = found else { return Err(AppError::NotFound) };
    let r = evidence::send(app, &a)?;
    app.audit_by(me, "duty_attachment_download", &format!("duty_item:{id}"), serde_json::json!({ "attachment": a.id, "name": a.name, "size": a.size }).to_string(), ipaddr).await?;
    Ok(r)
}

pub async fn download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, file_id)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    fetch(&app, &me, &ip(&headers, &peer), id, file_id).await
}
