//! A streaming, bounded XLSX (Office Open XML) reader. Every part of the workbook is inflated on
//! its own thread into a small ring of buffers while the caller parses the previous one with a
//! scanner that never buffers more than one tag ([`Limits`] and the error variants list every
//! cap). A sheet's rows come out in batches whose cells are byte ranges of one buffer, so a
//! million-row sheet costs a few megabytes and no allocation per cell, and no input — a zip
//! bomb, a 1.5 GiB cell, a shared-string table of millions of entries, a tag of megabytes —
//! makes it hold more than the caps.

mod entry;
mod fast;
mod ods;
mod parts;
mod scan;
mod sheet;

pub use entry::{MAX_PARTS, MAX_RATIO};
pub use ods::ods_cells;
pub use parts::{DateStyles, SharedStrings};
pub use sheet::{Rows, SheetReader, View};

use scan::Scanner;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// Excel's own limits (ECMA-376): a sheet has at most 1,048,576 rows and 16,384 columns.
pub const MAX_ROWS: u64 = 1_048_576;
pub const MAX_COLS: usize = 16_384;
/// Excel's own limit on one cell: 32,767 characters (UTF-16 units, so at most 98,301 bytes of
/// UTF-8). The reader refuses a file whose cell passes [`Limits::cell_bytes`].
pub const EXCEL_CELL_CHARS: usize = 32_767;

/// The caps the reader keeps; [`Limits::default`] is what every caller uses. Memory stays
/// bounded by them whatever the file holds: about `shared_text_bytes` + 4 × `shared_count`
/// for the shared strings, plus the batches of rows in flight (each at most 2 MiB of text
/// beyond one row of at most `row_bytes`). Time stays bounded by `sheet_bytes` of XML and
/// `sheet_text_bytes` of cell text (shared strings can make a small sheet render a lot).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// One cell's text, and one shared string's: 128 KiB, above anything Excel can write.
    pub cell_bytes: usize,
    /// One row's text (all its cells).
    pub row_bytes: usize,
    /// The inflated size of a sheet.
    pub sheet_bytes: u64,
    /// The text of all the cells of a sheet, shared strings included.
    pub sheet_text_bytes: u64,
    /// The inflated size of the shared string table's XML.
    pub shared_xml_bytes: u64,
    /// The shared strings' text held in memory, and their number.
    pub shared_text_bytes: usize,
    pub shared_count: usize,
    /// The inflated size of every other part read (workbook, relationships, styles).
    pub part_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            cell_bytes: 128 << 10,
            row_bytes: 4 << 20,
            sheet_bytes: 4 << 30,
            sheet_text_bytes: 4 << 30,
            shared_xml_bytes: 512 << 20,
            shared_text_bytes: 256 << 20,
            shared_count: 16 << 20,
            part_bytes: 16 << 20,
        }
    }
}

/// Why a workbook could not be read. Each message says what was wrong and what to do; none
/// repeats a cell's content.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("not a valid XLSX workbook ({0}); open it in Excel or WPS and save it again as .xlsx, or save the sheet as CSV")]
    Invalid(String),
    #[error("the workbook has no sheet named “{wanted}”; sheets: {available}")]
    NoSuchSheet { wanted: String, available: String },
    #[error("the part {part} expands at a ratio over {ratio}:1 or beyond the size it declares; the file looks like a zip bomb and was not read")]
    Bomb { part: String, ratio: u64 },
    #[error("the part {part} expands to more than {limit_mib} MiB; split the workbook into smaller files or save the sheet as CSV")]
    TooLargePart { part: String, limit_mib: u64 },
    #[error("sheet “{sheet}” has rows past row {limit}, Excel's own limit; split it into smaller files or save it as CSV")]
    TooManyRows { sheet: String, limit: u64 },
    #[error("sheet “{sheet}”, row {row}: cells past column XFD ({limit} columns, Excel's own limit); remove them or save the sheet as CSV")]
    TooManyColumns { sheet: String, row: u64, limit: usize },
    #[error("sheet “{sheet}”, cell {cell}: the cell holds more than {limit_kib} KiB of text (Excel itself allows 32,767 characters), so the file was not read; shorten that cell or save the sheet as CSV")]
    CellTooLarge { sheet: String, cell: String, limit_kib: usize },
    #[error("sheet “{sheet}”, row {row}: the row holds more than {limit_mib} MiB of text, so the file was not read; shorten its cells or save the sheet as CSV")]
    RowTooLarge { sheet: String, row: u64, limit_mib: usize },
    #[error("the shared string table: string {index} holds more than {limit_kib} KiB of text (Excel itself allows 32,767 characters); shorten it or save the sheet as CSV")]
    SharedStringTooLong { index: usize, limit_kib: usize },
    #[error("the shared string table holds more than {limit} strings; split the workbook into smaller files or save the sheet as CSV")]
    TooManySharedStrings { limit: usize },
    #[error("the shared string table holds more than {limit_mib} MiB of text; split the workbook into smaller files or save the sheet as CSV")]
    SharedStringsTooLarge { limit_mib: usize },
    #[error("the part {part} holds an XML tag longer than {limit_kib} KiB; the file is damaged and was not read: open it in Excel or WPS and save it again")]
    TagTooLarge { part: String, limit_kib: usize },
    #[error("the sheet holds more than {limit_mib} MiB of text, more than this import takes; split it into smaller files")]
    TooMuchText { limit_mib: u64 },
    #[error("the archive holds more than {limit} parts, which no spreadsheet does; the file was not read: open it in Excel or WPS and save it again")]
    TooManyParts { limit: usize },
    #[error("the workbook is encrypted; save it again without a password")]
    Encrypted,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl XlsxError {
    pub(crate) fn invalid(why: impl Into<String>) -> XlsxError {
        XlsxError::Invalid(why.into())
    }

    /// The same message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            XlsxError::Invalid(why) => format!("不是有效的 XLSX 工作簿（{why}）；请用 Excel 或 WPS 打开后重新另存为 XLSX 格式，或另存为 CSV 格式"),
            XlsxError::NoSuchSheet { wanted, available } => format!("工作簿中没有名为“{wanted}”的工作表；现有工作表：{available}"),
            XlsxError::Bomb { part, ratio } => {
                format!("文件中的 {part} 解压后膨胀超过 {ratio} 倍或超过其声明的大小，像是“压缩炸弹”（zip bomb），未读取")
            }
            XlsxError::TooLargePart { part, limit_mib } => format!("文件中的 {part} 解压后超过 {limit_mib} MiB；请把工作簿拆成较小的文件，或另存为 CSV"),
            XlsxError::TooManyRows { sheet, limit } => format!("工作表“{sheet}”的行超过第 {limit} 行（Excel 本身的上限）；请拆成较小的文件，或另存为 CSV"),
            XlsxError::TooManyColumns { sheet, row, limit } => {
                format!("工作表“{sheet}”第 {row} 行：单元格超出 XFD 列（{limit} 列，Excel 本身的上限）；请删除这些单元格，或另存为 CSV")
            }
            XlsxError::CellTooLarge { sheet, cell, limit_kib } => format!(
                "工作表“{sheet}”单元格 {cell}：内容超过 {limit_kib} KiB（Excel 本身最多 32,767 个字符），文件未读取；请缩短该单元格，或另存为 CSV"
            ),
            XlsxError::RowTooLarge { sheet, row, limit_mib } => {
                format!("工作表“{sheet}”第 {row} 行：整行内容超过 {limit_mib} MiB，文件未读取；请缩短其中的单元格，或另存为 CSV")
            }
            XlsxError::SharedStringTooLong { index, limit_kib } => {
                format!("共享字符串表第 {index} 项超过 {limit_kib} KiB（Excel 本身最多 32,767 个字符）；请缩短该内容，或另存为 CSV")
            }
            XlsxError::TooManySharedStrings { limit } => format!("共享字符串表超过 {limit} 项；请把工作簿拆成较小的文件，或另存为 CSV"),
            XlsxError::SharedStringsTooLarge { limit_mib } => format!("共享字符串表的文字超过 {limit_mib} MiB；请把工作簿拆成较小的文件，或另存为 CSV"),
            XlsxError::TagTooLarge { part, limit_kib } => {
                format!("文件中的 {part} 含有超过 {limit_kib} KiB 的 XML 标记，文件已损坏，未读取；请用 Excel 或 WPS 打开后重新保存")
            }
            XlsxError::TooMuchText { limit_mib } => format!("工作表的文字超过 {limit_mib} MiB，超出本次导入的上限；请拆成较小的文件"),
            XlsxError::TooManyParts { limit } => format!("压缩包内的部件超过 {limit} 个，不像是电子表格，文件未读取；请用 Excel 或 WPS 打开后重新保存"),
            XlsxError::Encrypted => "工作簿已加密；请取消密码后重新保存".to_string(),
            XlsxError::Io(e) => format!("读取失败：{e}"),
        }
    }
}

/// A name read from the file (a sheet's, a part's) as messages show it: at most 64 characters,
/// control characters (a terminal's escape sequences) replaced.
pub(crate) fn shown(name: &str) -> String {
    let mut out: String = name.chars().take(64).map(|c| if c.is_control() { '?' } else { c }).collect();
    if name.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

/// "A" for 0, "AB" for 27.
pub fn column_name(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

pub struct Workbook {
    file: File,
    archive: zip::ZipArchive<BufReader<File>>,
    /// (name, part path) of each sheet, in workbook order.
    pub sheets: Vec<(String, String)>,
    shared: SharedStrings,
    dates: DateStyles,
    limits: Limits,
}

impl Workbook {
    pub fn open(path: &Path) -> Result<Workbook, XlsxError> {
        Workbook::open_with(path, Limits::default())
    }

    pub fn open_with(path: &Path, limits: Limits) -> Result<Workbook, XlsxError> {
        let mut file = File::open(path)?;
        entry::check_directory(&mut file)?;
        let archive = zip::ZipArchive::new(BufReader::new(file.try_clone()?)).map_err(|_| XlsxError::invalid("it is not a zip archive, or the archive is damaged"))?;
        let mut wb = Workbook { file, archive, sheets: Vec::new(), shared: SharedStrings::default(), dates: DateStyles::default(), limits };
        let rels = match wb.part("xl/_rels/workbook.xml.rels", limits.part_bytes)? {
            Some(scan) => parts::read_rels(scan)?,
            None => Vec::new(),
        };
        let scan = wb.part("xl/workbook.xml", limits.part_bytes)?.ok_or_else(|| XlsxError::invalid("xl/workbook.xml is missing"))?;
        wb.sheets = parts::read_sheets(scan, &rels)?;
        if wb.sheets.is_empty() {
            return Err(XlsxError::invalid("the workbook lists no sheets"));
        }
        if let Some(scan) = wb.part("xl/sharedStrings.xml", limits.shared_xml_bytes)? {
            wb.shared = SharedStrings::read(scan, &limits)?;
        }
        if let Some(scan) = wb.part("xl/styles.xml", limits.part_bytes)? {
            wb.dates = DateStyles::read(scan)?;
        }
        Ok(wb)
    }

    /// A scanner over one part, inflated on its own thread; None when the workbook lacks it.
    fn part(&mut self, name: &str, limit: u64) -> Result<Option<Scanner>, XlsxError> {
        let Some(info) = entry::locate(&mut self.archive, name)? else { return Ok(None) };
        let stream = entry::EntryStream::open(self.file.try_clone()?, info, limit)?;
        Ok(Some(Scanner::new(stream, name)))
    }

    /// The shared string table (empty when the workbook has none).
    pub fn shared_strings(&self) -> &SharedStrings {
        &self.shared
    }

    /// A reader of the rows of a sheet, by name, or the first sheet.
    pub fn sheet(&mut self, name: Option<&str>) -> Result<SheetReader<'_>, XlsxError> {
        let (sheet, path) = match name {
            None => self.sheets[0].clone(),
            Some(name) => self.sheets.iter().find(|(n, _)| n == name).cloned().ok_or_else(|| {
                // A workbook may list thousands of sheets: name the first few.
                let mut available = self.sheets.iter().take(20).map(|s| shown(&s.0)).collect::<Vec<_>>().join(", ");
                if self.sheets.len() > 20 {
                    available.push_str(&format!(" … ({} in all)", self.sheets.len()));
                }
                XlsxError::NoSuchSheet { wanted: shown(name), available }
            })?,
        };
        let scan = self.part(&path, self.limits.sheet_bytes)?.ok_or_else(|| XlsxError::invalid(format!("the part {} of sheet “{}” is missing", shown(&path), shown(&sheet))))?;
        Ok(SheetReader::new(scan, &sheet, &self.shared, &self.dates, self.limits))
    }

    /// Streams the rows of a sheet (by name, or the first) to `f` as (row number, cells), until
    /// `f` returns false. Cells are text; numbers print without a trailing `.0`; dates stay
    /// Excel serials, which the date rules read.
    pub fn rows(&mut self, sheet: Option<&str>, mut f: impl FnMut(u64, &[String]) -> bool) -> Result<(), XlsxError> {
        let mut reader = self.sheet(sheet)?;
        let mut buf = Vec::new();
        let mut cells: Vec<String> = Vec::new();
        while let Some(batch) = reader.next_batch(buf)? {
            let view = batch.view();
            let mut dense = Vec::new();
            for i in 0..batch.len() {
                view.dense(i, &mut dense);
                cells.clear();
                cells.extend(dense.iter().map(|s| s.to_string()));
                if !f(batch.line(i), &cells) {
                    return Ok(());
                }
            }
            drop(dense);
            buf = batch.into_buffer();
        }
        Ok(())
    }

    /// The first `max_rows` rows of a sheet kept in memory (a small register, not a bulk
    /// file), refusing a sheet whose text passes `max_text` bytes on the way.
    pub fn collect(&mut self, sheet: Option<&str>, max_rows: usize, max_text: usize) -> Result<Vec<(u64, Vec<String>)>, XlsxError> {
        let mut rows = Vec::new();
        let mut text = 0usize;
        let mut err = None;
        self.rows(sheet, |n, cells| {
            text += cells.iter().map(|c| c.len() + std::mem::size_of::<String>()).sum::<usize>();
            if text > max_text {
                err = Some(XlsxError::TooMuchText { limit_mib: (max_text >> 20) as u64 });
                return false;
            }
            rows.push((n, cells.to_vec()));
            rows.len() < max_rows
        })?;
        match err {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
        for c in [0, 1, 25, 26, 27, 700, 16_383] {
            assert_eq!(sheet::column_index(column_name(c).as_bytes()), Some(c));
        }
    }
}
