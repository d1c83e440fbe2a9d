//! 事件附件 — evidence and reports attached to an incident: uploaded through the detail page's
//! form (multipart, the CSRF token first) or the API, checked by `store::attachments` (type by
//! content, the `[security] attachment_limit_mib` cap, the writer's area), stored once under
//! `<data_dir>/attachments` and linked with a step `attach` on the timeline. A download finds the
//! incident through the caller's scope first (404 otherwise, as for a missing one) and is
//! audited.

use super::{actor, read_scope};
use crate::auth::Identity;
use crate::error::AppError;
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use std::sync::Arc;
use store::attachments::{self, AttachmentError, Files, Owner};
use store::incidents::{IncidentFile, Step};

/// An attachment as the console and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IncidentAttachment)]
pub struct FileView {
    pub id: i64,
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// pdf, png, jpeg, xlsx, docx, text
    pub kind: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    /// When the timeline step that added it was taken.
    pub step_at: i64,
    /// Where it is downloaded.
    pub href: String,
}

impl FileView {
    pub fn of(incident: i64, f: &IncidentFile) -> FileView {
        let a = &f.attachment;
        FileView { id: a.id, name: a.name.clone(), size: a.size, kind: a.kind.code().into(), uploaded_by: a.uploaded_by.clone(), uploaded_at: a.uploaded_at, step_at: f.step_at, href: format!("/incidents/{incident}/files/{}", a.id) }
    }
    /// The size as people read it (KB / MB).
    pub fn size_label(&self) -> String {
        if self.size >= 1 << 20 {
            format!("{:.1} MB", self.size as f64 / f64::from(1 << 20))
        } else {
            format!("{} KB", self.size.div_ceil(1024))
        }
    }
}

/// The attachment folder with the configured cap.
pub fn files(app: &AppState) -> Files {
    Files::new(std::path::Path::new(&app.config.data_dir).join("attachments"), app.config.security.attachment_limit_mib.saturating_mul(1 << 20))
}

/// The attachments of an incident in the caller's area (none when it is missing or outside).
pub async fn list(app: &Arc<AppState>, me: &Identity, id: i64) -> Result<Vec<FileView>, AppError> {
    let (who, org) = (actor(me, ""), me.user.org_code);
    app.pool
        .run(move |s| {
            let scope = read_scope(s, &who, org)?;
            Ok(s.incident_files(&scope, id)?.iter().map(|f| FileView::of(id, f)).collect())
        })
        .await
}

/// A refused upload in words (Chinese, English).
fn refusal(e: AttachmentError, limit_mib: u64) -> AppError {
    match e {
        AttachmentError::TooLarge { .. } => AppError::invalid(format!("附件超过 {limit_mib} MB 上限，请压缩或拆分后再上传。"), format!("The attachment is over the {limit_mib} MB limit.")),
        AttachmentError::Executable => AppError::invalid("不接受可执行文件（程序、脚本），请上传文档、图片或表格。", "Executables (programs, scripts) are not accepted."),
        AttachmentError::Unsupported => AppError::invalid("附件类型不支持：只接受 PDF 文档、PNG 或 JPEG 图片、XLSX 表格、DOCX 文档和文本文件。", "Accepted: PDF, PNG, JPEG, XLSX, DOCX and UTF-8 text."),
        AttachmentError::Mismatch { declared, detected } => AppError::invalid(format!("附件内容与文件扩展名不符（扩展名为 {declared}，内容为 {detected}），请检查文件。"), format!("The content is {detected}, not {declared} as its name says.")),
        AttachmentError::Io(m) => AppError::Internal(format!("attachment storage: {m}")),
        AttachmentError::Store(e) => e.into(),
    }
}

/// Reads the multipart form (its `file` part streamed to a private file under the cap) and
/// attaches the file to incident `id`. Audited either way (`incident_attach`).
pub async fn upload(app: &Arc<AppState>, me: &Identity, ip: &str, id: i64, mut form: Multipart) -> Result<FileView, AppError> {
    require(store::incidents::writes(me.user.role))?;
    let limit = app.config.security.attachment_limit_mib;
    // The incident first, through the writer's area: 404 before a byte is kept.
    let who = actor(me, ip);
    let scope = who.scope.clone();
    let found = app.pool.run(move |s| Ok(s.incident(&scope, id)?)).await?;
    let Some(incident) = found else { return Err(AppError::NotFound) };
    let crate::upload::FileForm { file, mime, .. } = crate::upload::file_field(&mut form, &app.upload_dir, limit, "附件").await?;
    let Some(file) = file else {
        return Err(AppError::invalid("请选择要上传的附件（PDF、图片、表格、文档或文本）。", "Choose a file to attach."));
    };
    let (files, clock, name, path) = (files(app), app.clock.clone(), file.shown.clone(), file.path.clone());
    let owner = Owner { region: u32::try_from(incident.region).unwrap_or(0), school: incident.school.clone() };
    let state = incident.state;
    let r = app
        .pool
        .run(move |s| {
            let mut f = std::fs::File::open(&path).map_err(|e| AppError::Internal(format!("attachment upload: {e}")))?;
            let a = attachments::save(s, &files, &who.scope, &who.name, owner, &name, mime.as_deref(), &mut f, clock.as_ref()).map_err(|e| refusal(e, limit))?;
            let step = Step { incident_id: id, at: a.uploaded_at, actor: who.name.clone(), action: "attach".into(), state, note: a.name.clone(), to_unit: None };
            s.attach_to_incident(&who.scope, id, a.id, &step)?;
            Ok(FileView::of(id, &IncidentFile { step_at: a.uploaded_at, attachment: a }))
        })
        .await;
    drop(file);
    let target = format!("incident:{id}");
    match &r {
        Ok(v) => app.audit_by(me, "incident_attach", &target, serde_json::json!({ "attachment": v.id, "name": v.name, "size": v.size, "kind": v.kind }).to_string(), ip).await?,
        Err(AppError::Invalid { en, .. }) => app.audit(&me.user.name, "incident_attach", &target, serde_json::json!({ "refused": en }).to_string(), ip, "denied").await?,
        Err(_) => {}
    }
    r
}

/// The console's upload form: back to the incident (its attachments), or the page with the
/// reason.
pub async fn attach(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    match upload(&app, &me, &ip(&headers, &peer), id, form).await {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{id}#incident-files")).into_response()),
        Err(e @ AppError::Invalid { .. }) => super::detail::render_with(&app, &headers, &me, id, Some(super::detail::message(&headers, &app, &e)), axum::http::StatusCode::BAD_REQUEST).await,
        Err(e) => Err(e),
    }
}

/// Sends one attachment of an incident the caller reads: `Content-Disposition: attachment`,
/// `nosniff`, its detected type. Audited (`incident_attachment_download`).
pub async fn download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, file_id)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(super::may_read(&me))?;
    let (who, org) = (actor(&me, ""), me.user.org_code);
    let found = app
        .pool
        .run(move |s| {
            let scope = read_scope(s, &who, org)?;
            // The incident through the scope first; then its own attachments only.
            if s.incident(&scope, id)?.is_none() {
                return Ok(None);
            }
            Ok(s.incident_files(&scope, id)?.into_iter().find(|f| f.attachment.id == file_id))
        })
        .await?;
    let Some(f) = found else { return Err(AppError::NotFound) };
    let a = f.attachment;
    let file = files(&app).open(&a.sha256).map_err(|e| AppError::Internal(format!("attachment {}: {e}", a.id)))?;
    app.audit_by(&me, "incident_attachment_download", &format!("incident:{id}"), serde_json::json!({ "attachment": a.id, "name": a.name, "size": a.size }).to_string(), &ip(&headers, &peer)).await?;
    // Streamed in chunks from a blocking thread (an attachment may be hundreds of MB).
    let (tx, rx) = tokio::sync::mpsc::channel::<crate::download::Chunk>(4);
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut file = file;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.blocking_send(Ok(axum::body::Bytes::copy_from_slice(&buf[..n]))).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let mut r = crate::download::body(rx).into_response();
    let h = r.headers_mut();
    for (k, v) in crate::download::headers(a.kind.mime(), &a.name, &format!("attachment-{}.{}", a.id, a.kind.code())) {
        h.insert(k, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(a.size));
    Ok(r)
}
