//! 证明材料 — the pieces every evidence file shares, whatever it is attached to (checklist items,
//! inspection answers, 等保 assessments and rectification items): the refusals in words, keeping
//! an upload through `store::attachments` (type by content, the `[security]
//! attachment_limit_mib` cap, the owner inside the writer's area) and sending a stored file
//! (`Content-Disposition: attachment`, `nosniff`, its detected type). Each route finds its record
//! through the caller's scope first (404 otherwise, as for a missing one) and audits.

use crate::error::AppError;
use crate::state::AppState;
use crate::upload::Upload;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use store::attachments::{self, Attachment, AttachmentError, Owner};
use store::Scope;

/// A refused upload in words (Chinese, English).
pub fn refusal(e: AttachmentError, limit_mib: u64) -> AppError {
    match e {
        AttachmentError::TooLarge { .. } => AppError::invalid(format!("证明材料超过 {limit_mib} MB 上限，请压缩或拆分后再上传。"), format!("The file is over the {limit_mib} MB limit.")),
        AttachmentError::Executable => AppError::invalid("不接受可执行文件（程序、脚本），请上传文档、图片或表格。", "Executables (programs, scripts) are not accepted."),
        AttachmentError::Unsupported => AppError::invalid("证明材料类型不支持：只接受 PDF 文档、PNG 或 JPEG 图片、XLSX 表格、DOCX 文档和文本文件。", "Accepted: PDF, PNG, JPEG, XLSX, DOCX and UTF-8 text."),
        AttachmentError::Mismatch { declared, detected } => AppError::invalid(format!("证明材料内容与文件扩展名不符（扩展名为 {declared}，内容为 {detected}），请检查文件。"), format!("The content is {detected}, not {declared} as its name says.")),
        AttachmentError::Io(m) => AppError::Internal(format!("attachment storage: {m}")),
        AttachmentError::Store(store::StoreError::OutOfScope) => AppError::NotFound,
        AttachmentError::Store(e) => e.into(),
    }
}

/// The refusal of a form without a file.
pub fn no_file() -> AppError {
    AppError::invalid("请选择证明材料文件（PDF、图片、表格、文档或文本）。", "Choose a file.")
}

/// The owner of a unit's file: a school (10 digits) with its county, or a division.
pub fn owner_of(unit: i64, region: i64) -> Owner {
    Owner { region: u32::try_from(region).unwrap_or(0), school: (unit >= 1_000_000).then(|| unit.to_string()) }
}

/// Keeps an upload as an attachment of `owner`, judged against `scope` (inside `s`'s
/// transaction or connection, with the record's own write).
pub fn keep(app: &AppState, s: &mut dyn store::Backend, scope: &Scope, by: &str, owner: Owner, file: &Upload, mime: Option<&str>) -> Result<Attachment, AppError> {
    let limit = app.config.security.attachment_limit_mib;
    let files = crate::routes::incidents::files::files(app);
    let mut f = std::fs::File::open(&file.path).map_err(|e| AppError::Internal(format!("attachment upload: {e}")))?;
    attachments::save(s, &files, scope, by, owner, &file.shown, mime, &mut f, app.clock.as_ref()).map_err(|e| refusal(e, limit))
}

/// Audits an upload's outcome under `action`: the file on success, the refusal (denied) when
/// the file was refused; nothing for other errors (they are not the file's).
pub async fn audit_upload<T>(app: &Arc<AppState>, me: &crate::auth::Identity, action: &str, target: &str, r: &Result<T, AppError>, detail: impl FnOnce(&T) -> serde_json::Value, ipaddr: &str) -> Result<(), AppError> {
    match r {
        Ok(v) => app.audit_by(me, action, target, detail(v).to_string(), ipaddr).await,
        Err(AppError::Invalid { en, .. }) => app.audit(&me.user.name, action, target, serde_json::json!({ "refused": en }).to_string(), ipaddr, "denied").await,
        Err(_) => Ok(()),
    }
}

/// Sends a stored file as a download (its detected type, `nosniff`, as an attachment).
pub fn send(app: &AppState, a: &Attachment) -> Result<Response, AppError> {
    let bytes = {
        use std::io::Read;
        let mut f = crate::routes::incidents::files::files(app).open(&a.sha256).map_err(|e| AppError::Internal(format!("attachment {}: {e}", a.id)))?;
        let mut v = Vec::with_capacity(usize::try_from(a.size).unwrap_or(0));
        f.read_to_end(&mut v).map_err(|e| AppError::Internal(format!("attachment {}: {e}", a.id)))?;
        v
    };
    let mut r = axum::body::Body::from(bytes).into_response();
    let h = r.headers_mut();
    for (k, v) in crate::download::headers(a.kind.mime(), &a.name, &format!("attachment-{}.{}", a.id, a.kind.code())) {
        h.insert(k, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(r)
}

/// A file as the pages and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = EvidenceFile)]
pub struct FileOut {
    pub id: i64,
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// pdf, png, jpeg, xlsx, docx, text
    pub kind: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    /// Where the console downloads it.
    pub href: String,
}

impl FileOut {
    pub fn of(a: &Attachment, href: String) -> FileOut {
        FileOut { id: a.id, name: a.name.clone(), size: a.size, kind: a.kind.code().into(), uploaded_by: a.uploaded_by.clone(), uploaded_at: a.uploaded_at, href }
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

/// The multipart body of an evidence upload (for the API document).
#[derive(utoipa::ToSchema)]
#[schema(as = EvidenceUpload)]
#[allow(dead_code)]
pub struct UploadBody {
    /// PDF, PNG, JPEG, XLSX, DOCX or UTF-8 text, at most `[security] attachment_limit_mib`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// 说明 (optional; where the record takes a text too).
    evidence: Option<String>,
}
