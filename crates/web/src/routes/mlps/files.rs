//! 等保附件 — an assessment's report file (测评报告: `/mlps/{id}/assessments/{a}/report`) and a
//! rectification item's evidence file (`/mlps/{id}/items/{item}/evidence`: an open item is marked
//! done with it, today, the text or "见附件"), both multipart (the CSRF token first, then `file`;
//! the item's form also `evidence`) and through the API. The system and its record are found
//! through the writer's area first (404 otherwise, before a byte is kept); files go through
//! `store::attachments` for the system's unit. Downloads find the system through the reader's
//! area (the auditor's node), only the record's own file, `nosniff`, audited.

use super::{read_scope, reads, write, writes, Write};
use crate::auth::Identity;
use crate::error::AppError;
use crate::routes::evidence::{self, FileOut};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

/// Which record a file belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Of {
    /// An assessment's report.
    Report(i64),
    /// A rectification item's evidence.
    Item(i64),
}

impl Of {
    pub fn href(self, system: i64, file: i64) -> String {
        match self {
            Of::Report(a) => format!("/mlps/{system}/assessments/{a}/files/{file}"),
            Of::Item(i) => format!("/mlps/{system}/items/{i}/files/{file}"),
        }
    }
}

/// The files of a system's records the reader sees, by record.
pub fn files_of(s: &mut dyn store::Backend, scope: &store::Scope, system: i64, assessments: &[store::mlps::Assessment], items: &[store::mlps::Rectification]) -> Result<(std::collections::HashMap<i64, FileOut>, std::collections::HashMap<i64, FileOut>), AppError> {
    let mut reports = std::collections::HashMap::new();
    for a in assessments {
        if let Some(f) = a.report_attachment.map(|f| s.attachment(scope, f)).transpose()?.flatten() {
            reports.insert(a.id, FileOut::of(&f, Of::Report(a.id).href(system, f.id)));
        }
    }
    let mut evidence = std::collections::HashMap::new();
    for i in items {
        if let Some(f) = i.attachment.map(|f| s.attachment(scope, f)).transpose()?.flatten() {
            evidence.insert(i.id, FileOut::of(&f, Of::Item(i.id).href(system, f.id)));
        }
    }
    Ok((reports, evidence))
}

/// Reads the multipart form and keeps its file on the record (an open item is marked done with
/// it first). Audited either way (`mlps_report_file`, `mlps_item_file`).
pub async fn upload(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, of: Of, mut form: Multipart) -> Result<FileOut, AppError> {
    writes(me)?;
    let limit = app.config.security.attachment_limit_mib;
    let scope = me.scope.clone();
    let sys = app
        .pool
        .run(move |s| {
            let sys = s.system(&scope, id)?.ok_or(AppError::NotFound)?;
            let found = match of {
                Of::Report(a) => s.assessments(&scope, id)?.iter().any(|x| x.id == a),
                Of::Item(i) => s.rectifications(&scope, id)?.iter().any(|x| x.id == i),
            };
            if !found {
                return Err(AppError::NotFound);
            }
            Ok(sys)
        })
        .await?;
    let parts = crate::upload::file_field(&mut form, &app.upload_dir, limit, if matches!(of, Of::Report(_)) { "测评报告" } else { "整改证明" }).await?;
    let text = parts.text("evidence");
    let (action, target) = match of {
        Of::Report(a) => ("mlps_report_file", format!("mlps_assessment:{a}")),
        Of::Item(i) => ("mlps_item_file", format!("mlps_item:{i}")),
    };
    let r = match &parts.file {
        None => Err(evidence::no_file()),
        Some(_) if text.chars().count() > 500 => Err(AppError::invalid("整改证明过长（最多 500 字）。", "The evidence is too long (500 characters at most).")),
        Some(_) => {
            let (a2, scope, by) = (app.clone(), me.scope.clone(), me.user.name.clone());
            let owner = evidence::owner_of(sys.new.unit_code, sys.region_code);
            let kept = app
                .pool
                .run(move |s| {
                    let Some(file) = parts.file.as_ref() else { return Err(evidence::no_file()) };
                    let f = evidence::keep(&a2, s, &scope, &by, owner, file, parts.mime.as_deref())?;
                    let open = match of {
                        Of::Report(a) => {
                            crate::routes::checks::written(s.set_assessment_report(&scope, id, a, f.id))?;
                            false
                        }
                        Of::Item(i) => {
                            crate::routes::checks::written(s.attach_rectification(&scope, id, i, f.id))?;
                            s.rectifications(&scope, id)?.iter().any(|x| x.id == i && x.done_on.is_none())
                        }
                    };
                    Ok((f, open))
                })
                .await;
            match kept {
                Ok((f, open)) => {
                    if let (Of::Item(i), true) = (of, open) {
                        // Done today with the file: the due dates recomputed, audited as a close.
                        let ev = if text.is_empty() { format!("见附件：{}", f.name) } else { text.clone() };
                        write(app, me, ipaddr, Write::CloseItem(id, i, app.clock.today(), ev)).await?;
                    }
                    Ok(FileOut::of(&f, of.href(id, f.id)))
                }
                Err(e) => Err(e),
            }
        }
    };
    evidence::audit_upload(app, me, action, &target, &r, |f| serde_json::json!({ "unit": sys.new.unit_code, "attachment": f.id, "name": f.name, "size": f.size }), ipaddr).await?;
    r
}

/// The system page's file forms: back to the system, or the page with the reason (400).
async fn back(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, id: i64, of: Of, form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    match upload(&app, &me, &ip(&headers, &peer), id, of, form).await {
        Ok(_) => Ok(Redirect::to(&format!("/mlps/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let t = crate::render::Ctx::new(&app, &headers, Some(&me), "/mlps", "mlps").t;
            super::detail::render(&app, &headers, &me, id, vec![crate::routes::sites::message(&t, &e)]).await
        }
        Err(e) => Err(e),
    }
}

pub async fn report(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, a)): Path<(i64, i64)>, form: Multipart) -> Result<Response, AppError> {
    back(app, headers, peer, me, id, Of::Report(a), form).await
}

pub async fn item_evidence(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, i)): Path<(i64, i64)>, form: Multipart) -> Result<Response, AppError> {
    back(app, headers, peer, me, id, Of::Item(i), form).await
}

/// Sends a record's file to a reader of the system, audited (`mlps_file_download`).
pub async fn fetch(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, of: Of, file_id: i64) -> Result<Response, AppError> {
    reads(me)?;
    let scope = read_scope(app, me).await?;
    let found = app
        .pool
        .run(move |s| {
            if s.system(&scope, id)?.is_none() {
                return Ok(None);
            }
            let own = match of {
                Of::Report(a) => s.assessments(&scope, id)?.iter().any(|x| x.id == a && x.report_attachment == Some(file_id)),
                Of::Item(i) => s.rectifications(&scope, id)?.iter().any(|x| x.id == i && x.attachment == Some(file_id)),
            };
            if !own {
                return Ok(None);
            }
            Ok(s.attachment(&scope, file_id)?)
        })
        .await?;
    let Some(f) = found else { return Err(AppError::NotFound) };
    let r = evidence::send(app, &f)?;
    app.audit_by(me, "mlps_file_download", &format!("mlps_system:{id}"), serde_json::json!({ "attachment": f.id, "name": f.name, "size": f.size }).to_string(), ipaddr).await?;
    Ok(r)
}

pub async fn report_download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, a, file)): Path<(i64, i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    fetch(&app, &me, &ip(&headers, &peer), id, Of::Report(a), file).await
}

pub async fn item_download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, i, file)): Path<(i64, i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    fetch(&app, &me, &ip(&headers, &peer), id, Of::Item(i), file).await
}
