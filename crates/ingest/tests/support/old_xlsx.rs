//! The XLSX reader as it was before the streaming rewrite (quick-xml events, a String per cell),
//! kept only as an oracle: the equivalence tests compare its rows with the new reader's.
#![allow(dead_code, clippy::collapsible_match)]


use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Excel's own limits (ECMA-376): a sheet has at most 1,048,576 rows and 16,384 columns.
pub const MAX_ROWS: u64 = 1_048_576;
pub const MAX_COLS: usize = 16_384;
const MAX_SHARED_STRINGS_BYTES: u64 = 512 << 20;
const MAX_SHEET_BYTES: u64 = 8 << 30;
const MAX_XML_PART_BYTES: u64 = 16 << 20;
/// Deflate cannot reach ratios like this on real spreadsheets; bombs do.
const MAX_RATIO: u64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("not a valid XLSX workbook: {0}")]
    Invalid(String),
    #[error("the workbook has no sheet named “{wanted}”; sheets: {available}")]
    NoSuchSheet { wanted: String, available: String },
    #[error("the part {part} expands to more than {limit} MiB or with a compression ratio over {ratio}:1; the file looks like a zip bomb and was not read")]
    Bomb { part: String, limit: u64, ratio: u64 },
    #[error("the sheet has more than {0} rows or columns, beyond Excel's own limits")]
    TooBig(u64),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn invalid(e: impl std::fmt::Display) -> XlsxError {
    XlsxError::Invalid(e.to_string())
}

pub struct Workbook {
    archive: zip::ZipArchive<BufReader<File>>,
    pub sheets: Vec<(String, String)>,
    shared: Vec<String>,
    date_styles: Vec<bool>,
}

impl Workbook {
    pub fn open(path: &Path) -> Result<Workbook, XlsxError> {
        let file = File::open(path)?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(invalid)?;
        let workbook = read_part(&mut archive, "xl/workbook.xml", MAX_XML_PART_BYTES)?
            .ok_or_else(|| invalid("xl/workbook.xml is missing"))?;
        let rels = read_part(&mut archive, "xl/_rels/workbook.xml.rels", MAX_XML_PART_BYTES)?.unwrap_or_default();
        let targets = parse_rels(&rels)?;
        let mut sheets = Vec::new();
        let mut reader = Reader::from_str(&workbook);
        loop {
            match reader.read_event().map_err(invalid)? {
                Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"sheet" => {
                    let name = attr(&e, b"name").unwrap_or_default();
                    let rid = attr(&e, b"id").unwrap_or_default();
                    if let Some((_, target)) = targets.iter().find(|(id, _)| *id == rid) {
                        let t = target.trim_start_matches('/');
                        let path = if t.starts_with("xl/") { t.to_string() } else { format!("xl/{t}") };
                        sheets.push((name, path));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if sheets.is_empty() {
            return Err(invalid("the workbook lists no sheets"));
        }
        let shared = match read_part(&mut archive, "xl/sharedStrings.xml", MAX_SHARED_STRINGS_BYTES)? {
            Some(xml) => parse_shared_strings(&xml)?,
            None => Vec::new(),
        };
        let date_styles = match read_part(&mut archive, "xl/styles.xml", MAX_XML_PART_BYTES)? {
            Some(xml) => parse_date_styles(&xml)?,
            None => Vec::new(),
        };
        Ok(Workbook { archive, sheets, shared, date_styles })
    }

    /// Streams the rows of a sheet (by name, or the first) to `f` as (row number, cells).
    /// Cells are text; numbers print without a trailing `.0`; dates stay Excel serials, which
    /// the date rules read.
    pub fn rows(
        &mut self,
        sheet: Option<&str>,
        mut f: impl FnMut(u64, &[String]) -> bool,
    ) -> Result<(), XlsxError> {
        let path = match sheet {
            None => self.sheets[0].1.clone(),
            Some(name) => self
                .sheets
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| p.clone())
                .ok_or_else(|| XlsxError::NoSuchSheet {
                    wanted: name.to_string(),
                    available: self.sheets.iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(", "),
                })?,
        };
        let (shared, date_styles) = (&self.shared, &self.date_styles);
        let entry = self.archive.by_name(&path).map_err(|_| invalid(format!("{path} is missing")))?;
        check_ratio(&path, entry.size(), entry.compressed_size(), MAX_SHEET_BYTES)?;
        let limited = entry.take(MAX_SHEET_BYTES);
        let mut reader = Reader::from_reader(BufReader::with_capacity(1 << 16, limited));
        let mut buf = Vec::new();
        let mut cells: Vec<String> = Vec::new();
        let mut row_num = 0u64;
        let mut col = 0usize;
        let mut cell_type = CellType::Number;
        let mut cell_style = 0usize;
        let mut in_value = false;
        let mut value = String::new();
        loop {
            match reader.read_event_into(&mut buf).map_err(invalid)? {
                Event::Start(e) if e.local_name().as_ref() == b"row" => {
                    row_num = attr(&e, b"r").and_then(|r| r.parse().ok()).unwrap_or(row_num + 1);
                    if row_num > MAX_ROWS {
                        return Err(XlsxError::TooBig(MAX_ROWS));
                    }
                    cells.clear();
                    col = 0;
                }
                Event::Empty(e) if e.local_name().as_ref() == b"row" => {
                    row_num = attr(&e, b"r").and_then(|r| r.parse().ok()).unwrap_or(row_num + 1);
                }
                Event::End(e) if e.local_name().as_ref() == b"row" => {
                    if !f(row_num, &cells) {
                        return Ok(());
                    }
                }
                Event::Empty(e) if e.local_name().as_ref() == b"c" => {
                    // A styled cell with no value.
                    col = attr(&e, b"r").and_then(|r| column_index(&r)).unwrap_or(col) + 1;
                }
                Event::Start(e) if e.local_name().as_ref() == b"c" => {
                    col = attr(&e, b"r").and_then(|r| column_index(&r)).unwrap_or(col);
                    if col >= MAX_COLS {
                        return Err(XlsxError::TooBig(MAX_COLS as u64));
                    }
                    cell_type = match attr(&e, b"t").as_deref() {
                        Some("s") => CellType::Shared,
                        Some("inlineStr") => CellType::Inline,
                        Some("str") => CellType::Str,
                        Some("b") => CellType::Bool,
                        Some("e") => CellType::Error,
                        _ => CellType::Number,
                    };
                    cell_style = attr(&e, b"s").and_then(|s| s.parse().ok()).unwrap_or(0);
                    value.clear();
                }
                Event::End(e) if e.local_name().as_ref() == b"c" => {
                    if cells.len() <= col {
                        cells.resize(col + 1, String::new());
                    }
                    cells[col] = render(shared, date_styles, cell_type, cell_style, &value);
                    col += 1;
                }
                Event::Start(e) if matches!(e.local_name().as_ref(), b"v" | b"t") => {
                    in_value = true;
                }
                Event::End(e) if matches!(e.local_name().as_ref(), b"v" | b"t") => {
                    in_value = false;
                }
                Event::Text(t) if in_value => {
                    value.push_str(&t.unescape().map_err(invalid)?);
                }
                Event::CData(t) if in_value => {
                    value.push_str(&String::from_utf8_lossy(&t));
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
            buf.clear();
        }
    }

}

fn render(shared: &[String], date_styles: &[bool], t: CellType, style: usize, v: &str) -> String {
        match t {
            CellType::Shared => v.trim().parse::<usize>().ok().and_then(|i| shared.get(i)).cloned().unwrap_or_default(),
            CellType::Inline | CellType::Str | CellType::Error => v.to_string(),
            CellType::Bool => if v == "1" { "TRUE".into() } else { "FALSE".into() },
            // A date-formatted number is an Excel serial; it stays one here and the date rules
            // read it (counted as date_normalized). Other numbers lose a spurious ".0".
            CellType::Number if date_styles.get(style).copied().unwrap_or(false) => {
                v.trim().parse::<f64>().map(|x| format!("{}", x.floor() as i64)).unwrap_or_else(|_| v.to_string())
            }
            CellType::Number => format_number(v),
        }
}

#[derive(Debug, Clone, Copy)]
enum CellType {
    Shared,
    Inline,
    Str,
    Bool,
    Error,
    Number,
}

/// Integers print as integers ("40422", not "40422.0"); other numbers as written.
fn format_number(v: &str) -> String {
    let v = v.trim();
    match v.parse::<f64>() {
        Ok(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        _ => v.to_string(),
    }
}

/// "B3" → 1.
fn column_index(r: &str) -> Option<usize> {
    let mut n = 0usize;
    let mut any = false;
    for b in r.bytes() {
        if b.is_ascii_uppercase() {
            n = n.checked_mul(26)?.checked_add((b - b'A' + 1) as usize)?;
            any = true;
        } else {
            break;
        }
    }
    any.then(|| n - 1)
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn check_ratio(part: &str, size: u64, compressed: u64, limit: u64) -> Result<(), XlsxError> {
    if size > limit || (size > (16 << 20) && size / compressed.max(1) > MAX_RATIO) {
        return Err(XlsxError::Bomb { part: part.to_string(), limit: limit >> 20, ratio: MAX_RATIO });
    }
    Ok(())
}

fn read_part(archive: &mut zip::ZipArchive<BufReader<File>>, name: &str, limit: u64) -> Result<Option<String>, XlsxError> {
    let entry = match archive.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(invalid(e)),
    };
    check_ratio(name, entry.size(), entry.compressed_size(), limit)?;
    let mut s = String::new();
    let read = entry.take(limit + 1).read_to_string(&mut s).map_err(invalid)?;
    if read as u64 > limit {
        return Err(XlsxError::Bomb { part: name.to_string(), limit: limit >> 20, ratio: MAX_RATIO });
    }
    Ok(Some(s))
}

fn parse_rels(xml: &str) -> Result<Vec<(String, String)>, XlsxError> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event().map_err(invalid)? {
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(t)) = (attr(&e, b"Id"), attr(&e, b"Target")) {
                    out.push((id, t));
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

fn parse_shared_strings(xml: &str) -> Result<Vec<String>, XlsxError> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(xml);
    let mut cur = String::new();
    let mut in_t = false;
    let mut in_rph = false;
    loop {
        match reader.read_event().map_err(invalid)? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"si" => cur.clear(),
                b"t" => in_t = true,
                b"rPh" => in_rph = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => out.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                b"si" => out.push(std::mem::take(&mut cur)),
                b"t" => in_t = false,
                b"rPh" => in_rph = false,
                _ => {}
            },
            // Phonetic runs (rPh) are reading aids, not part of the text.
            Event::Text(t) if in_t && !in_rph => cur.push_str(&t.unescape().map_err(invalid)?),
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// For each cell format (cellXfs index), whether it displays a date.
fn parse_date_styles(xml: &str) -> Result<Vec<bool>, XlsxError> {
    let mut custom: Vec<(u32, bool)> = Vec::new();
    let mut out = Vec::new();
    let mut in_xfs = false;
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event().map_err(invalid)? {
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"numFmt" => {
                let id = attr(&e, b"numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0);
                let code = attr(&e, b"formatCode").unwrap_or_default().to_ascii_lowercase();
                let date = code.contains('y') || code.contains('d') || code.contains("m/") || code.contains('年');
                custom.push((id, date));
            }
            Event::Start(e) if e.local_name().as_ref() == b"cellXfs" => in_xfs = true,
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_xfs = false,
            Event::Empty(e) | Event::Start(e) if in_xfs && e.local_name().as_ref() == b"xf" => {
                let id: u32 = attr(&e, b"numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0);
                let date = matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
                    || custom.iter().any(|(c, d)| *c == id && *d);
                out.push(date);
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_numbers() {
        assert_eq!(column_index("A1"), Some(0));
        assert_eq!(column_index("AB12"), Some(27));
        assert_eq!(format_number("40422"), "40422");
        assert_eq!(format_number("40422.0"), "40422");
        assert_eq!(format_number("104.5"), "104.5");
    }
}
