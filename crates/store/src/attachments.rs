//! 附件 — files attached to requests, registers and answers: streamed to disk under the data
//! folder, size-capped, type-checked by content, content-addressed and deduplicated, with a
//! metadata row per upload that is read through a [`Scope`] like every record.
//!
//! The file's type is what its bytes say (magic numbers; for the zip-based Office formats the
//! part names inside), never only what its name or the browser claims: the declared type (from
//! the name's extension and, when given, the MIME type) must agree with the detected one, and
//! executables are refused whatever they are called. Files are stored once by their SHA-256
//! (`<root>/ab/abcdef…`), readable by the server's user only (0600, folders 0700).

use crate::access::{Place, Scope};
use crate::clock::Clock;
use crate::StoreError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The types accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
    Xlsx,
    Docx,
    /// UTF-8 text (CSV included).
    Text,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Pdf, Kind::Png, Kind::Jpeg, Kind::Xlsx, Kind::Docx, Kind::Text];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Png => "png",
            Kind::Jpeg => "jpeg",
            Kind::Xlsx => "xlsx",
            Kind::Docx => "docx",
            Kind::Text => "text",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Text => "text/plain; charset=utf-8",
        }
    }
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg"],
            Kind::Xlsx => &["xlsx"],
            Kind::Docx => &["docx"],
            Kind::Text => &["txt", "csv"],
        }
    }
    /// The type a file name claims, by its extension.
    pub fn of_name(name: &str) -> Option<Kind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Kind::ALL.into_iter().find(|k| k.extensions().contains(&ext.as_str()))
    }
    /// The type a MIME type claims (`text/csv` is text).
    pub fn of_mime(mime: &str) -> Option<Kind> {
        let m = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if m == "text/csv" || m == "text/plain" {
            return Some(Kind::Text);
        }
        Kind::ALL.into_iter().find(|k| k.mime().split(';').next() == Some(m.as_str()))
    }
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("文件超过 {max} 字节的上限（the file is larger than {max} bytes）")]
    TooLarge { max: u64 },
    #[error("不接受可执行文件（executables are not accepted）")]
    Executable,
    #[error("只接受 PDF、PNG、JPEG、XLSX、DOCX 和 UTF-8 文本文件（accepted: PDF, PNG, JPEG, XLSX, DOCX, UTF-8 text）")]
    Unsupported,
    #[error("文件内容是 {detected}，与声明的 {declared} 不符（the content is {detected}, not {declared} as declared）")]
    Mismatch { declared: &'static str, detected: &'static str },
    #[error("附件存储出错（attachment storage failed）：{0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<std::io::Error> for AttachmentError {
    fn from(e: std::io::Error) -> Self {
        AttachmentError::Io(e.kind().to_string())
    }
}

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Kind(Kind),
    Zip,
    Executable,
    Unknown,
}

/// How many bytes are looked at to tell a type (and that text is text).
const HEAD: usize = 8192;

fn sniff(head: &[u8], complete: bool) -> Sniffed {
    const EXECUTABLE: &[&[u8]] = &[
        b"MZ",                 // PE (Windows .exe, .dll)
        b"\x7fELF",            // ELF
        b"\xfe\xed\xfa\xce",   // Mach-O 32
        b"\xfe\xed\xfa\xcf",   // Mach-O 64
        b"\xce\xfa\xed\xfe",   // Mach-O 32, little-endian
        b"\xcf\xfa\xed\xfe",   // Mach-O 64, little-endian
        b"\xca\xfe\xba\xbe",   // Mach-O universal (and Java classes)
        b"#!",                 // scripts
        b"\0asm",              // WebAssembly
    ];
    if EXECUTABLE.iter().any(|m| head.starts_with(m)) {
        return Sniffed::Executable;
    }
    if head.starts_with(b"%PDF-") {
        return Sniffed::Kind(Kind::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Kind(Kind::Png);
    }
    if head.starts_with(b"\xff\xd8\xff") {
        return Sniffed::Kind(Kind::Jpeg);
    }
    if head.starts_with(b"PK\x03\x04") {
        return Sniffed::Zip;
    }
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if !body.is_empty() && !body.iter().any(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))) {
        match std::str::from_utf8(body) {
            Ok(_) => return Sniffed::Kind(Kind::Text),
            // A character cut by the end of the window (not of the file).
            Err(e) if !complete && e.error_len().is_none() => return Sniffed::Kind(Kind::Text),
            Err(_) => {}
        }
    }
    Sniffed::Unknown
}

/// An Office file is a zip: XLSX has `xl/workbook.xml`, DOCX `word/document.xml`.
fn office_kind(f: &mut File) -> Option<Kind> {
    f.rewind().ok()?;
    let zip = zip::ZipArchive::new(&mut *f).ok()?;
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|c| c.into_owned())).collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let kind = if has("xl/workbook.xml") {
        Some(Kind::Xlsx)
    } else if has("word/document.xml") {
        Some(Kind::Docx)
    } else {
        None
    };
    // No executables dressed as documents (an .exe stored inside is refused too).
    let hidden = names.iter().any(|n| {
        let l = n.to_ascii_lowercase();
        [".exe", ".dll", ".bat", ".cmd", ".ps1", ".sh", ".js", ".vbs", ".jar", ".scr"].iter().any(|e| l.ends_with(e))
    });
    kind.filter(|_| !hidden)
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
    pub kind: Kind,
}

/// The folder of attachment files.
#[derive(Debug, Clone)]
pub struct Files {
    root: PathBuf,
    max_bytes: u64,
}

fn private_dir(p: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(p)
}

impl Files {
    /// Files under `root` (e.g. `<data dir>/attachments`), at most `max_bytes` each.
    pub fn new(root: impl Into<PathBuf>, max_bytes: u64) -> Files {
        Files { root: root.into(), max_bytes }
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let pre = sha256.get(..2).unwrap_or("00");
        self.root.join(pre).join(sha256)
    }

    /// Opens a stored file by its hash.
    pub fn open(&self, sha256: &str) -> std::io::Result<File> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        File::open(self.path_of(sha256))
    }

    /// Streams `r` to disk (never more than the cap plus one buffer in memory), checks its
    /// type against `declared`, and keeps it under its hash; the same content twice is stored
    /// once. A refused file leaves nothing behind.
    pub fn put(&self, r: &mut dyn Read, declared: Kind) -> Result<Blob, AttachmentError> {
        let tmp_dir = self.root.join("tmp");
        private_dir(&tmp_dir)?;
        let tmp = tmp_dir.join(format!("up-{}-{}", std::process::id(), unique()));
        let guard = Remove(tmp.clone());
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut f = o.open(&tmp)?;
        let (mut hash, mut size, mut head) = (Sha256::new(), 0u64, Vec::with_capacity(HEAD));
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            size += n as u64;
            if size > self.max_bytes {
                return Err(AttachmentError::TooLarge { max: self.max_bytes });
            }
            if head.len() < HEAD {
                let take = (HEAD - head.len()).min(n);
                head.extend_from_slice(&buf[..take]);
            }
            hash.update(&buf[..n]);
            f.write_all(&buf[..n])?;
        }
        let detected = match sniff(&head, size as usize <= HEAD) {
            Sniffed::Executable => return Err(AttachmentError::Executable),
            Sniffed::Unknown => return Err(AttachmentError::Unsupported),
            Sniffed::Zip => office_kind(&mut f).ok_or(AttachmentError::Unsupported)?,
            Sniffed::Kind(k) => k,
        };
        if detected != declared {
            return Err(AttachmentError::Mismatch { declared: declared.code(), detected: detected.code() });
        }
        f.sync_all()?;
        drop(f);
        let sha256: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let path = self.path_of(&sha256);
        if let Some(dir) = path.parent() {
            private_dir(dir)?;
        }
        if path.exists() {
            // Deduplicated: the content is there already (the guard removes the copy).
        } else {
            std::fs::rename(&tmp, &path)?;
        }
        drop(guard);
        Ok(Blob { sha256, size, kind: detected })
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Removes a temporary file when dropped (a refused or failed upload leaves nothing).
struct Remove(PathBuf);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The node that owns an attachment: a region (province, city or county code) or a school
/// (with its county).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// GB/T 2260 code: the region itself, or a school's county.
    pub region: u32,
    pub school: Option<String>,
}

impl Owner {
    pub fn place(&self) -> Place<'_> {
        Place::person(self.school.as_deref(), Some(self.region))
    }
}

/// One upload as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub sha256: String,
    /// The file name as given (no folders, at most 200 characters).
    pub name: String,
    pub size: u64,
    pub kind: Kind,
    pub owner: Owner,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

impl Attachment {
    /// Who may read it: anyone whose area holds its owner ([`Scope::may_write`] of the place).
    pub fn visible_to(&self, scope: &Scope) -> bool {
        scope.may_write(&self.owner.place())
    }
}

/// The metadata rows. Reads take the reader's [`Scope`]; the backends cut to it in SQL and
/// again with [`Attachment::visible_to`].
pub trait AttachmentIndex {
    /// Stores a row (its id and time are assigned).
    fn insert_attachment(&mut self, a: &Attachment) -> Result<i64, StoreError>;
    /// One upload, None when missing or outside the scope.
    fn attachment(&mut self, scope: &Scope, id: i64) -> Result<Option<Attachment>, StoreError>;
    /// Uploads in scope, newest first.
    fn attachments_in(&mut self, scope: &Scope, limit: usize) -> Result<Vec<Attachment>, StoreError>;
}

/// A file name without folders or control characters, at most 200 characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if s.trim().is_empty() {
        "附件".into()
    } else {
        s.trim().to_string()
    }
}

/// Saves an upload for `owner`, which must lie in the writer's area (the answer for a place
/// outside it is [`StoreError::OutOfScope`], before a byte is written). The declared type is
/// the name's extension, and the MIME type when the client sent one; both must agree with the
/// content.
#[allow(clippy::too_many_arguments)]
pub fn save(s: &mut (impl AttachmentIndex + ?Sized), files: &Files, writer: &Scope, uploader: &str, owner: Owner, name: &str, mime: Option<&str>, r: &mut dyn Read, clock: &dyn Clock) -> Result<Attachment, AttachmentError> {
    if !writer.may_write(&owner.place()) {
        return Err(StoreError::OutOfScope.into());
    }
    let name = clean_name(name);
    let declared = Kind::of_name(&name).ok_or(AttachmentError::Unsupported)?;
    if let Some(m) = mime.filter(|m| !m.is_empty() && *m != "application/octet-stream") {
        match Kind::of_mime(m) {
            Some(k) if k == declared => {}
            Some(k) => return Err(AttachmentError::Mismatch { declared: declared.code(), detected: k.code() }),
            None => return Err(AttachmentError::Unsupported),
        }
    }
    let blob = files.put(r, declared)?;
    let mut a = Attachment { id: 0, sha256: blob.sha256, name, size: blob.size, kind: blob.kind, owner, uploaded_by: uploader.into(), uploaded_at: clock.now() };
    a.id = s.insert_attachment(&a)?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n", true), Sniffed::Kind(Kind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nxxxx", true), Sniffed::Kind(Kind::Png));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0", true), Sniffed::Kind(Kind::Jpeg));
        assert_eq!(sniff(b"MZ\x90\0", true), Sniffed::Executable);
        assert_eq!(sniff(b"\x7fELF\x02", true), Sniffed::Executable);
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf /\n", true), Sniffed::Executable);
        assert_eq!(sniff("学校,人数\n一中,3\n".as_bytes(), true), Sniffed::Kind(Kind::Text));
        assert_eq!(sniff(b"\xef\xbb\xbfa,b\n", true), Sniffed::Kind(Kind::Text));
        assert_eq!(sniff(b"a\0b", true), Sniffed::Unknown);
        assert_eq!(sniff(b"\xd6\xd0\xce\xc4", true), Sniffed::Unknown, "GBK 中文 is not UTF-8");
        // A character cut by the window's end is still text, but not at the file's end.
        let cut = &"学".as_bytes()[..2];
        assert_eq!(sniff(cut, false), Sniffed::Kind(Kind::Text));
        assert_eq!(sniff(cut, true), Sniffed::Unknown);
        assert_eq!(Kind::of_name("报告.PDF"), Some(Kind::Pdf));
        assert_eq!(Kind::of_name("a.exe"), None);
        assert_eq!(Kind::of_mime("text/csv; charset=utf-8"), Some(Kind::Text));
        assert_eq!(clean_name("..\\..\\C:/x/成绩.xlsx"), "成绩.xlsx");
        assert_eq!(clean_name("/"), "附件");
    }

    fn zip_of(parts: &[&str]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for p in parts {
            w.start_file(*p, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(b"<x/>").unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn office_files_told_by_their_parts() {
        let dir = std::env::temp_dir().join(format!("tianfu-attach-office-{}", std::process::id()));
        let files = Files::new(&dir, 1 << 20);
        let xlsx = zip_of(&["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]);
        let docx = zip_of(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(files.put(&mut &xlsx[..], Kind::Xlsx).unwrap().kind, Kind::Xlsx);
        assert_eq!(files.put(&mut &docx[..], Kind::Docx).unwrap().kind, Kind::Docx);
        // A workbook named .docx, a plain zip, an executable hidden in a document: refused.
        assert!(matches!(files.put(&mut &xlsx[..], Kind::Docx), Err(AttachmentError::Mismatch { declared: "docx", detected: "xlsx" })));
        assert!(matches!(files.put(&mut &zip_of(&["a.txt"])[..], Kind::Xlsx), Err(AttachmentError::Unsupported)));
        assert!(matches!(files.put(&mut &zip_of(&["word/document.xml", "word/media/setup.exe"])[..], Kind::Docx), Err(AttachmentError::Unsupported)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
