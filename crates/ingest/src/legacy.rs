//! Legacy spreadsheets: Excel 97–2003 (.xls, BIFF in an OLE compound file, which is also what
//! WPS writes as .et) and OpenDocument (.ods). calamine reads them; one sheet is copied as text
//! into a private temporary XLSX, which then takes the XLSX path (the same header mapping, rules,
//! line numbers and error workbook). calamine holds a whole workbook in memory, so the input is
//! capped first: [`MAX_BYTES`] of file, and the cells it would unfold to ([`MAX_CELLS`]:
//! for .ods measured by the bounded XML scanner, for .xls from the cell records of the workbook
//! stream). A panic inside the reader (a damaged file)
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
            Legacy::Xls => "Excel 97–2003 或 WPS 工作簿（XLS、ET 格式）",
            Legacy::Ods => "开放文档表格（ODS 格式）",
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

const RESAVE_ZH: &str = "请用 Excel 或 WPS 打开后另存为 XLSX 格式再上传";
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
            format!("{}超过 {mib} MB，旧格式文件需整体读入内存，不能更大；{RESAVE_ZH}（XLSX 和 CSV 格式没有这一限制）", kind.zh()),
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
    if kind == Legacy::Xls {
        // Measured before the reader; a container that cannot be measured is not handed to it.
        let cells = xls_cells(src, MAX_CELLS).map_err(|why| err(format!("{}已损坏或不是有效的表格文件，无法读取；{RESAVE_ZH}", kind.zh()), format!("the {} cannot be read ({why}); {RESAVE_EN}", kind.en())))?;
        if cells > MAX_CELLS {
            return Err(err(
                format!("{}的工作表展开后超过 {MAX_CELLS} 个单元格，超出旧格式的上限；请删除多余的行列，或{RESAVE_ZH}", kind.zh()),
                format!("the sheets of the {} span more than {MAX_CELLS} cells; remove what is not needed, or {RESAVE_EN}", kind.en()),
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

/// The cells a reader expanding each sheet of an .xls into a rectangle would hold: the BIFF
/// records of the workbook stream (found through the compound file's sector tables, MS-CFB)
/// scanned for the rows and columns their cells occupy (MS-XLS 2.4). Stops past `max_cells`.
fn xls_cells(path: &Path, max_cells: u64) -> Result<u64, String> {
    let b = std::fs::read(path).map_err(|e| e.to_string())?;
    let u16_at = |o: usize| -> Result<u16, String> { b.get(o..o + 2).map(|s| u16::from_le_bytes([s[0], s[1]])).ok_or_else(|| "short file".to_string()) };
    let u32_at = |o: usize| -> Result<u32, String> { b.get(o..o + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok_or_else(|| "short file".to_string()) };
    let shift = u16_at(0x1E)?;
    if shift != 9 && shift != 12 {
        return Err("sector size".into());
    }
    let sector = 1usize << shift;
    let at = |s: u32| (s as usize + 1) * sector;
    const END: u32 = 0xFFFF_FFFE;
    // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109).map(|i| u32_at(0x4C + 4 * i)).collect::<Result<_, _>>()?;
    // A FAT need not describe more sectors than the file holds: a header claiming more (or a
    // DIFAT chain that loops) is cut there, which keeps this in the file's own size.
    let max_fat = (b.len() / sector) / (sector / 4) + 1;
    let (mut difat, mut n) = (u32_at(0x44)?, u32_at(0x48)?);
    while difat < END && n > 0 && fat_sectors.len() <= 109 + max_fat {
        let o = at(difat);
        for i in 0..sector / 4 - 1 {
            fat_sectors.push(u32_at(o + 4 * i)?);
        }
        difat = u32_at(o + sector - 4)?;
        n -= 1;
    }
    let mut fat: Vec<u32> = Vec::new();
    for &s in fat_sectors.iter().filter(|&&s| s < END).take((u32_at(0x2C)? as usize).min(max_fat)) {
        let o = at(s);
        for i in 0..sector / 4 {
            fat.push(u32_at(o + 4 * i)?);
        }
    }
    // A chain's sectors, each visited once (a loop in the table ends it).
    let chain = |start: u32, table: &[u32]| -> Vec<u32> {
        let (mut out, mut s) = (Vec::new(), start);
        while (s as usize) < table.len() && out.len() <= table.len() {
            out.push(s);
            s = table[s as usize];
        }
        out
    };
    let read = |start: u32, size: usize| -> Vec<u8> {
        let mut v = Vec::with_capacity(size.min(b.len()));
        for s in chain(start, &fat) {
            let o = at(s);
            v.extend_from_slice(b.get(o..(o + sector).min(b.len())).unwrap_or(&[]));
            if v.len() >= size {
                break;
            }
        }
        v.truncate(size);
        v
    };
    let dir = read(u32_at(0x30)?, usize::MAX);
    let entry = |i: usize| dir.get(i * 128..i * 128 + 128);
    let name_of = |e: &[u8]| -> String {
        let len = (u16::from_le_bytes([e[64], e[65]]) as usize).min(64) / 2;
        String::from_utf16_lossy(&e[..len * 2].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<_>>()).trim_end_matches('\0').to_string()
    };
    let root = entry(0).ok_or("no directory")?;
    let (mut start, mut size) = (None, 0usize);
    for i in 0..dir.len() / 128 {
        let e = entry(i).ok_or("directory")?;
        if e[66] == 2 && matches!(name_of(e).as_str(), "Workbook" | "Book") {
            start = Some(u32::from_le_bytes([e[116], e[117], e[118], e[119]]));
            size = u32::from_le_bytes([e[120], e[121], e[122], e[123]]) as usize;
            break;
        }
    }
    let start = start.ok_or("no workbook stream")?;
    let stream = if size < u32_at(0x38)? as usize {
        // Small streams live in the mini stream, in 64-byte sectors of their own table.
        let mini = read(u32::from_le_bytes([root[116], root[117], root[118], root[119]]), usize::MAX);
        let table: Vec<u32> = read(u32_at(0x3C)?, usize::MAX).chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let mut v = Vec::new();
        for s in chain(start, &table) {
            let o = s as usize * 64;
            v.extend_from_slice(mini.get(o..(o + 64).min(mini.len())).unwrap_or(&[]));
        }
        v.truncate(size);
        v
    } else {
        read(start, size)
    };
    // MS-XLS: records of (type, length, data); a worksheet runs from its BOF to its EOF.
    let (mut total, mut p) = (0u64, 0usize);
    let mut sheet: Option<(u32, u32, u32, u32)> = None;
    let close = |s: Option<(u32, u32, u32, u32)>| s.filter(|s| s.0 <= s.1).map(|(r0, r1, c0, c1)| (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64).unwrap_or(0);
    while p + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[p], stream[p + 1]]);
        let len = u16::from_le_bytes([stream[p + 2], stream[p + 3]]) as usize;
        let d = stream.get(p + 4..(p + 4 + len).min(stream.len())).unwrap_or(&[]);
        p += 4 + len;
        let cell = |d: &[u8], last_col: bool| -> Option<(u32, u32, u32)> {
            let row = u16::from_le_bytes([*d.first()?, *d.get(1)?]) as u32;
            let col = u16::from_le_bytes([*d.get(2)?, *d.get(3)?]) as u32;
            let last = if last_col { u16::from_le_bytes([*d.get(d.len().checked_sub(2)?)?, *d.get(d.len() - 1)?]) as u32 } else { col };
            Some((row, col.min(last), col.max(last)))
        };
        match kind {
            0x0809 => {
                total = total.saturating_add(close(sheet.take()));
                sheet = Some((u32::MAX, 0, u32::MAX, 0));
            }
            0x000A => total = total.saturating_add(close(sheet.take())),
            0x0203 | 0x00FD | 0x027E | 0x0204 | 0x0205 | 0x0006 | 0x0201 | 0x00D6 | 0x00BD | 0x00BE => {
                if let (Some(s), Some((r, c0, c1))) = (sheet.as_mut(), cell(d, matches!(kind, 0x00BD | 0x00BE))) {
                    *s = (s.0.min(r), s.1.max(r), s.2.min(c0), s.3.max(c1));
                }
            }
            _ => {}
        }
        if total > max_cells {
            return Ok(total);
        }
    }
    Ok(total.saturating_add(close(sheet)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_xls_is_measured_sheet_by_sheet() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        // Header and three rows of nine columns.
        assert_eq!(super::xls_cells(std::path::Path::new(&format!("{dir}students.xls")), u64::MAX), Ok(36));
        // Two cells, at A1 and IV65536: the whole sheet.
        assert!(super::xls_cells(std::path::Path::new(&format!("{dir}sparse.xls")), u64::MAX).unwrap() >= 65_536 * 256);
    }

    /// Damaged copies (bytes overwritten here and there, the file cut short) give an answer, never
    /// a panic, quickly.
    #[test]
    fn damaged_compound_files_are_measured_or_refused() {
        let good = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/students.xls")).unwrap();
        let path = std::env::temp_dir().join(format!("tianfu-xls-mutants-{}.xls", std::process::id()));
        let mut x = 0x2545F491u32;
        let started = std::time::Instant::now();
        for i in 0..400 {
            let mut b = good.clone();
            for _ in 0..1 + i % 8 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let at = x as usize % b.len();
                b[at] = (x >> 8) as u8;
            }
            if i % 10 == 0 {
                b.truncate(x as usize % b.len());
            }
            std::fs::write(&path, &b).unwrap();
            let _ = super::xls_cells(&path, super::MAX_CELLS);
        }
        let _ = std::fs::remove_file(&path);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}
