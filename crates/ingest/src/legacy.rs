//! Legacy spreadsheets: Excel 97–2003 (.xls, BIFF in an OLE compound file, which is also what
//! WPS writes as .et) and OpenDocument (.ods). calamine reads them; one sheet is copied as text
//! into a private temporary XLSX, which then takes the XLSX path (the same header mapping, rules,
//! line numbers and error workbook). calamine holds a whole workbook in memory, so the input is
//! capped first: [`MAX_BYTES`] of file, and for .ods the cells it would unfold to
//! ([`MAX_CELLS`], measured by the bounded scanner). A panic inside the reader (a damaged file)
//! is caught and reported like any other unreadable file.

use calamine::{Data, Reader};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Largest legacy file taken. Files over it are to be saved as .xlsx (streamed, bounded).
pub const MAX_BYTES: u64 = 16 << 20;
/// Most cells an .ods may unfold to (about 110,000 student rows).
pub const MAX_CELLS: u64 = 2_000_000;
/// The inflated size of an .ods's content.xml.
const CONTENT_LIMIT: u64 = 512 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// An OLE compound file: .xls (BIFF8/BIFF5), or WPS .et.
    Xls,
    Ods,
}

impl Legacy {
    /// The kind a file's first bytes show, if it is one.
    pub fn sniff(head: &[u8]) -> Option<Legacy> {
        if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return Some(Legacy::Xls);
        }
        // ODF 1.2 §3.3: the first entry is "mimetype", stored, holding the media type.
        if head.starts_with(b"PK\x03\x04") && head.get(30..38) == Some(b"mimetype") && head.get(38..).is_some_and(|r| r.starts_with(b"application/vnd.oasis.opendocument.spreadsheet")) {
            return Some(Legacy::Ods);
        }
        None
    }

    pub fn key(self) -> &'static str {
        match self {
            Legacy::Xls => "xls",
            Legacy::Ods => "ods",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Legacy::Xls => "Excel 97–2003（.xls）或 WPS（.et）工作簿",
            Legacy::Ods => "OpenDocument（.ods）表格",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Legacy::Xls => "Excel 97–2003 (.xls) or WPS (.et) workbook",
            Legacy::Ods => "OpenDocument (.ods) spreadsheet",
        }
    }
}

/// Why a legacy file could not be read: what was wrong and what to do, in both languages.
#[derive(Debug, Clone)]
pub struct LegacyError {
    pub zh: String,
    pub en: String,
}

fn err(zh: impl Into<String>, en: impl Into<String>) -> LegacyError {
    LegacyError { zh: zh.into(), en: en.into() }
}

const RESAVE_ZH: &str = "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传";
const RESAVE_EN: &str = "open it in Excel or WPS and save it as .xlsx";

/// The converted copy; removed when dropped.
pub struct Converted {
    pub path: PathBuf,
}

impl Drop for Converted {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A new file only this user may read, in `dir`.
fn private(dir: &Path) -> std::io::Result<(File, PathBuf)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let path = dir.join(format!(".tianfu-legacy-{}-{nanos}-{}.xlsx", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    Ok((o.open(&path)?, path))
}

/// A cell as the XLSX path would read it: text; whole numbers without ".0"; dates as
/// YYYY-MM-DD (the date rules take that form).
fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(x) => {
            let (y, m, d, h, mi, s, _) = x.to_ymd_hms_milli();
            if x.is_datetime() && (h, mi, s) != (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02}")
            }
        }
        Data::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// Copies `sheet` (or the first) of the legacy workbook at `src` into a private XLSX in `dir`.
pub fn convert(src: &Path, kind: Legacy, sheet: Option<&str>, dir: &Path) -> Result<Converted, LegacyError> {
    let size = std::fs::metadata(src).map(|m| m.len()).map_err(|e| err(format!("无法读取文件：{e}"), format!("cannot read the file: {e}")))?;
    if size > MAX_BYTES {
        let mib = MAX_BYTES >> 20;
        return Err(err(
            format!("{}超过 {mib} MB，旧格式文件需整体读入内存，不能更大；{RESAVE_ZH}（.xlsx 和 CSV 没有这一限制）", kind.zh()),
            format!("the {} is over {mib} MB, the most taken in this format (it is read whole); {RESAVE_EN} (.xlsx and CSV have no such limit)", kind.en()),
        ));
    }
    if kind == Legacy::Ods {
        let cells = crate::xlsx::ods_cells(src, CONTENT_LIMIT, MAX_CELLS)
            .map_err(|e| match e {
                // A cap of the scanner (a bomb, a huge tag) names what was too large.
                crate::xlsx::XlsxError::Invalid(_) | crate::xlsx::XlsxError::Io(_) => {
                    err(format!("{}已损坏或不是有效的表格文件，无法读取；{RESAVE_ZH}", kind.zh()), format!("the {} is damaged or cannot be read ({e}); {RESAVE_EN}", kind.en()))
                }
                e => err(format!("{}无法读取：{}", kind.zh(), e.zh()), format!("the {} cannot be read: {e}", kind.en())),
            })?;
        if cells > MAX_CELLS {
            return Err(err(
                format!("{}展开后超过 {MAX_CELLS} 个单元格（含重复的行或列），超出旧格式的上限；请删除多余的行列，或{RESAVE_ZH}", kind.zh()),
                format!("the {} unfolds to more than {MAX_CELLS} cells (repeated rows or columns included); remove what is not needed, or {RESAVE_EN}", kind.en()),
            ));
        }
    }
    // A damaged file must not take the process down: the reader's panics become a refusal.
    let read = std::panic::catch_unwind(|| read_sheet(src, kind, sheet));
    let (rows, start) = match read {
        Ok(r) => r?,
        Err(_) => return Err(err(format!("{}已损坏，无法读取；{RESAVE_ZH}", kind.zh()), format!("the {} is damaged; {RESAVE_EN}", kind.en()))),
    };
    write_xlsx(&rows, start, dir)
}

type Sheet = calamine::Range<Data>;

fn read_sheet(src: &Path, kind: Legacy, sheet: Option<&str>) -> Result<(Sheet, (u32, u32)), LegacyError> {
    // The reader's own words are English: the Chinese message says what it means instead.
    let damaged = |why: String| err(format!("{}已损坏或不是有效的表格文件，无法读取；{RESAVE_ZH}", kind.zh()), format!("the {} cannot be read ({why}); {RESAVE_EN}", kind.en()));
    let f = BufReader::new(File::open(src).map_err(|e| damaged(e.to_string()))?);
    let pick = |names: Vec<String>| -> Result<String, LegacyError> {
        match sheet {
            None => names.first().cloned().ok_or_else(|| damaged("no sheet".into())),
            Some(want) => names.iter().find(|n| *n == want).cloned().ok_or_else(|| {
                let list = names.iter().take(20).map(|n| crate::xlsx::shown(n)).collect::<Vec<_>>().join("、");
                err(format!("工作簿中没有名为“{}”的工作表；现有工作表：{list}", crate::xlsx::shown(want)), format!("the workbook has no sheet named “{}”; sheets: {list}", crate::xlsx::shown(want)))
            }),
        }
    };
    let range = match kind {
        Legacy::Xls => {
            let mut wb = calamine::Xls::new(f).map_err(|e| match e {
                calamine::XlsError::Password => err(format!("{}已加密；请取消密码后重新保存", kind.zh()), format!("the {} is encrypted; save it again without a password", kind.en())),
                e => damaged(short(&e.to_string())),
            })?;
            let name = pick(wb.sheet_names())?;
            wb.worksheet_range(&name).map_err(|e| damaged(short(&e.to_string())))?
        }
        Legacy::Ods => {
            let mut wb = calamine::Ods::new(f).map_err(|e| damaged(short(&e.to_string())))?;
            let name = pick(wb.sheet_names())?;
            wb.worksheet_range(&name).map_err(|e| damaged(short(&e.to_string())))?
        }
    };
    let start = range.start().unwrap_or((0, 0));
    Ok((range, start))
}

/// The reader's own words, kept short (they never hold a cell's content, but may be long).
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(120).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}

fn write_xlsx(range: &Sheet, start: (u32, u32), dir: &Path) -> Result<Converted, LegacyError> {
    let (file, path) = private(dir).map_err(|e| err(format!("无法创建临时文件：{e}"), format!("cannot create a temporary file: {e}")))?;
    drop(file);
    let out = Converted { path };
    let fail = |e: rust_xlsxwriter::XlsxError| match e {
        rust_xlsxwriter::XlsxError::MaxStringLengthExceeded => err("有单元格超过 32,767 个字符（Excel 本身的上限）；请缩短该单元格", "a cell holds more than 32,767 characters (Excel's own limit); shorten it"),
        e => err(format!("无法转换文件：{e}"), format!("cannot convert the file: {e}")),
    };
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_tempdir(dir).map_err(fail)?;
    let ws = wb.add_worksheet_with_constant_memory().map_err(fail)?;
    for (r, row) in range.rows().enumerate() {
        let rn = start.0 + r as u32;
        if rn >= crate::xlsx::MAX_ROWS as u32 {
            break;
        }
        for (c, cell) in row.iter().enumerate() {
            let t = text(cell);
            if !t.is_empty() {
                ws.write_string(rn, (start.1 as usize + c).min(crate::xlsx::MAX_COLS - 1) as u16, t).map_err(fail)?;
            }
        }
    }
    wb.save(&out.path).map_err(fail)?;
    Ok(out)
}
