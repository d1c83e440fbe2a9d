//! Uploads and the other files the server writes users' data into. An uploaded file is streamed
//! once to a new private file in the upload folder (mode 0600, created new under a random name,
//! the folder 0700), hashed while it is written ([`loader::StreamHash`]) and cut off at the size
//! limit; the file is deleted when its [`Upload`] is dropped — on every error path and after the
//! import alike. Messages name the file as the user did, never by its place on the server.

use crate::error::AppError;
use axum::extract::multipart::Field;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// A file on disk that is deleted when this is dropped.
#[derive(Debug)]
pub struct Removed(PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An upload on disk.
#[derive(Debug)]
pub struct Upload {
    pub path: PathBuf,
    /// The file's name as the user gave it, made safe (no folders).
    pub name: String,
    /// The name as the user gave it, for showing (no folders, no control characters): 学生名单（2024）.xlsx.
    pub shown: String,
    pub size: u64,
    /// [`loader::file_hash`] of its bytes.
    pub hash: String,
    _removed: Removed,
}

/// Only what a file name needs: no folders, no odd characters.
pub fn safe_name(name: &str, default: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base.chars().take(120).map(|c| if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if s.trim_matches('.').is_empty() {
        default.into()
    } else {
        s
    }
}

/// A file name as people gave it, for pages and reports (escaped there like any text): the last
/// path segment, control characters dropped, at most 120 characters.
pub fn shown_name(name: &str, default: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if s.trim().trim_matches('.').is_empty() {
        default.into()
    } else {
        s.trim().to_string()
    }
}

/// A new file only this process's user may read (0600), created new (never an existing file or
/// a link) under a random name ending in `suffix`, in `dir` (made 0700 when missing), with its
/// guard.
pub fn private_file(dir: &Path, suffix: &str) -> std::io::Result<(std::fs::File, PathBuf, Removed)> {
    let mut d = std::fs::DirBuilder::new();
    d.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut d, 0o700);
    d.create(dir)?;
    let path = dir.join(format!("{}-{suffix}", &crate::auth::random_token()[..16]));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(&path)?;
    Ok((f, path.clone(), Removed(path)))
}

/// The refusal of a file over `limit_mib`, or of an upload that broke off.
pub fn too_big(limit_mib: u64) -> AppError {
    AppError::invalid(
        format!("上传失败：文件超过 {limit_mib} MB 上限，或上传中断。请拆分文件后重试。"),
        format!("The upload failed: the file is over the {limit_mib} MB limit, or the upload broke off. Split the file and try again."),
    )
}

/// Streams a multipart file field to a private file in `dir`, at most `limit_mib` MiB. None for
/// an empty file (nothing is kept).
pub async fn save(field: &mut Field<'_>, dir: &Path, limit_mib: u64, default_name: &str) -> Result<Option<Upload>, AppError> {
    let name = safe_name(field.file_name().unwrap_or(default_name), default_name);
    let shown = shown_name(field.file_name().unwrap_or(default_name), default_name);
    let limit = limit_mib.saturating_mul(1 << 20);
    let (f, path, removed) = private_file(dir, &name).map_err(|e| AppError::Internal(format!("upload file: {e}")))?;
    let mut f = tokio::fs::File::from_std(f);
    let mut hash = loader::StreamHash::default();
    while let Some(chunk) = field.chunk().await.map_err(|_| too_big(limit_mib))? {
        if hash.len() + chunk.len() as u64 > limit {
            return Err(too_big(limit_mib));
        }
        hash.update(&chunk);
        f.write_all(&chunk).await.map_err(|e| AppError::Internal(format!("upload write: {e}")))?;
    }
    f.flush().await.map_err(|e| AppError::Internal(format!("upload flush: {e}")))?;
    if hash.is_empty() {
        return Ok(None);
    }
    let size = hash.len();
    Ok(Some(Upload { path, name, shown, size, hash: hash.finish(), _removed: removed }))
}

/// A multipart form with one file: its `file` part (streamed to a private file in `dir`, at most
/// `limit_mib` MiB, named `fallback` when the browser gave no name), that part's declared MIME
/// type, and the other parts as text (the last of a name wins).
#[derive(Debug, Default)]
pub struct FileForm {
    pub file: Option<Upload>,
    pub mime: Option<String>,
    pub text: std::collections::HashMap<String, String>,
}

impl FileForm {
    /// A text part, trimmed ("" when missing).
    pub fn text(&self, name: &str) -> String {
        self.text.get(name).map(|s| s.trim().to_string()).unwrap_or_default()
    }
}

/// Reads a whole multipart form whose file part is called `file` (see [`FileForm`]). A broken
/// or over-long stream is [`too_big`]; an empty file is no file.
pub async fn file_field(form: &mut axum::extract::Multipart, dir: &Path, limit_mib: u64, fallback: &str) -> Result<FileForm, AppError> {
    let mut out = FileForm::default();
    while let Some(mut field) = form.next_field().await.map_err(|_| too_big(limit_mib))? {
        match field.name().map(str::to_string) {
            Some(n) if n == "file" => {
                out.mime = field.content_type().map(str::to_string);
                out.file = save(&mut field, dir, limit_mib, fallback).await?;
            }
            Some(n) => {
                let v = field.text().await.map_err(|_| AppError::invalid("表单读取失败，请重新提交。", "The form could not be read: send it again."))?;
                out.text.insert(n, v);
            }
            None => {}
        }
    }
    Ok(out)
}

/// A request body kept as an upload (the API's raw-file operations): written to a private file
/// in `dir` under `name` (or `fallback`), hashed; removed when dropped.
pub fn body_file(dir: &Path, name: Option<&str>, fallback: &str, body: &[u8]) -> Result<Upload, AppError> {
    let shown = shown_name(name.unwrap_or(fallback), fallback);
    let safe = safe_name(&shown, fallback);
    let (mut f, path, removed) = private_file(dir, &safe).map_err(|e| AppError::Internal(format!("upload file: {e}")))?;
    std::io::Write::write_all(&mut f, body).map_err(|e| AppError::Internal(format!("upload file: {e}")))?;
    drop(f);
    let mut hash = loader::StreamHash::default();
    hash.update(body);
    let size = hash.len();
    Ok(Upload { path, name: safe, shown, size, hash: hash.finish(), _removed: removed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_new_owner_only_and_removed() {
        let dir = std::env::temp_dir().join(format!("tianfu-upload-{}", std::process::id())).join("uploads");
        let (mut f, path, guard) = private_file(&dir, "学生.csv").unwrap();
        std::io::Write::write_all(&mut f, b"x").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
        drop(guard);
        assert!(!path.exists());
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
        assert_eq!(safe_name("../../etc/passwd", "x.csv"), "passwd");
        assert_eq!(safe_name("C:\\Users\\王\\学生 名单.csv", "x.csv"), "学生_名单.csv");
        assert_eq!(safe_name("..", "x.csv"), "x.csv");
    }
}
