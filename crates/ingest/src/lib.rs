//! 数据接入 — reading bulk files of schools, teachers and students: CSV/TSV in UTF-8 (with or
//! without BOM) or GBK/GB18030, and XLSX; header mapping in Chinese or English; normalisation;
//! validation in parallel chunks against the `standard`; reports and error workbooks.
//!
//! Nothing here touches a database: callers receive valid rows through a [`Sink`].
#![forbid(unsafe_code)]

pub mod columns;
pub mod csv;
pub mod decode;
mod dedup;
pub mod errors_file;
pub mod formula;
pub mod legacy;
mod pipeline;
pub mod report;
pub mod template;
pub mod xlsx;

pub use columns::Columns;
pub use decode::TextEncoding;
pub use pipeline::{run, Options};
pub use report::Report;

use standard::{Entity, Violation};
use std::path::PathBuf;

/// A row that broke at least one rule, as read from the file.
#[derive(Debug, Clone)]
pub struct RejectedRow {
    /// The line (CSV) or sheet row (XLSX) where the record starts; the header is line 1.
    pub line: u64,
    /// The original cell values, in the file's column order.
    pub raw: Vec<String>,
    pub violations: Vec<Violation>,
}

/// Receives the outcome of every row, in file order.
pub trait Sink {
    /// Called once, before any row, with the file's column mapping.
    fn begin(&mut self, _columns: &Columns) -> Result<(), String> {
        Ok(())
    }
    /// A valid row: its normalised values in template field order. Only called when
    /// [`Options::keep_valid`] is set.
    fn valid(&mut self, _line: u64, _values: &[&str]) -> Result<(), String> {
        Ok(())
    }
    fn rejected(&mut self, row: &RejectedRow) -> Result<(), String>;
}

/// A sink that keeps nothing: for counting only.
pub struct NullSink;

impl Sink for NullSink {
    fn rejected(&mut self, _row: &RejectedRow) -> Result<(), String> {
        Ok(())
    }
}

/// Why a file could not be read at all (exit code 2): each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("file not found: {0}")]
    NotFound(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a table: {why}")]
    NotATable { path: PathBuf, why: String },
    #[error("{path} is encoded as UTF-16; save it as UTF-8 or GBK (in Excel: “CSV UTF-8”)")]
    Utf16 { path: PathBuf },
    #[error("the header of {path} is not valid {encoding}; check the file's encoding or pass --encoding gbk|gb18030|utf-8")]
    WrongEncoding { path: PathBuf, encoding: &'static str },
    #[error("the header has {found} columns; at most {max} are supported: is this the right file?")]
    TooManyColumns { found: usize, max: usize },
    #[error("columns {first} and {second} both hold {field}; remove one")]
    DuplicateColumn { field: String, first: usize, second: usize },
    #[error("no column matches the {entity} template{}; use the template's Chinese headers or English keys (see docs/standard.md)", looks_like.map(|e| format!(" (the columns look like a {e} file: try --entity {e})")).unwrap_or_default())]
    NoMatchingColumns { entity: Entity, looks_like: Option<Entity> },
    #[error("missing required column(s) for {entity}: {}; add them to the header{}", columns.join(", "), looks_like.map(|e| format!(" (the columns look like a {e} file: try --entity {e})")).unwrap_or_default())]
    MissingColumns { entity: Entity, columns: Vec<String>, looks_like: Option<Entity> },
    #[error("line {line}: a record runs past {limit_mib} MiB without ending; a quoted field is probably not closed (check for a stray \")")]
    RecordTooLarge { line: u64, limit_mib: u64 },
    #[error("{path}: {source}")]
    Xlsx { path: PathBuf, source: xlsx::XlsxError },
    #[error("{path}: {en}")]
    Legacy { path: PathBuf, zh: String, en: String },
    #[error("the file is empty: no header row")]
    Empty,
    #[error("{0}")]
    Sink(String),
}

impl IngestError {
    /// The same message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            IngestError::NotFound(p) => format!("找不到文件：{}", p.display()),
            IngestError::Io { path, source } => format!("无法读取 {}：{source}", path.display()),
            IngestError::NotATable { path, why } => format!("{} 不是表格文件：{why}", path.display()),
            IngestError::Utf16 { path } => format!("{} 是 UTF-16 编码；请另存为 UTF-8 或 GBK（Excel 中选择“CSV UTF-8”）", path.display()),
            IngestError::WrongEncoding { path, encoding } => {
                format!("{} 的表头不是有效的 {encoding} 编码；请确认文件编码，或使用 --encoding gbk|gb18030|utf-8 指定", path.display())
            }
            IngestError::TooManyColumns { found, max } => format!("表头有 {found} 列，最多支持 {max} 列：请确认文件是否正确"),
            IngestError::DuplicateColumn { field, first, second } => format!("第 {first} 列和第 {second} 列都是 {field}；请删除其中一列"),
            IngestError::NoMatchingColumns { entity, looks_like } => format!(
                "没有任何列与{}模板匹配{}；请使用模板的中文表头或英文字段名（见 docs/standard.md）",
                entity.zh(),
                looks_like.map(|e| format!("（这些列像是{}数据：试试 --entity {e}）", e.zh())).unwrap_or_default()
            ),
            IngestError::MissingColumns { entity, columns, looks_like } => format!(
                "{}数据缺少必需的列：{}；请在表头中补上{}",
                entity.zh(),
                columns.join("、"),
                looks_like.map(|e| format!("（这些列像是{}数据：试试 --entity {e}）", e.zh())).unwrap_or_default()
            ),
            IngestError::RecordTooLarge { line, limit_mib } => {
                format!("第 {line} 行：一条记录超过 {limit_mib} MiB 仍未结束，可能有未闭合的引号（请检查多余的 \"）")
            }
            IngestError::Xlsx { path, source } => format!("{}：{}", path.display(), source.zh()),
            IngestError::Legacy { path, zh, .. } => format!("{}：{zh}", path.display()),
            IngestError::Empty => "文件为空：没有表头行".to_string(),
            IngestError::Sink(s) => s.clone(),
        }
    }
}
