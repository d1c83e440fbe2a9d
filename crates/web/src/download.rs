//! Files that stream to the browser: a list's rows as CSV or XLSX, written on a blocking thread
//! and handed to the response through a small channel, so that a county's 200,000 students are
//! never one file in memory (the channel holds a few 64 KiB chunks; a slow reader slows the
//! writer).
//!
//! CSV cells go through `ingest::formula` (OWASP CSV injection), with a UTF-8 BOM for Excel and
//! WPS. XLSX cells are text cells, as `tianfu export` writes them: a value is never taken as a
//! formula or a number (ID numbers keep their 18 digits). The workbook is written in
//! rust_xlsxwriter's constant-memory mode (rows go to temporary files as they come) to a file of
//! our own (`upload::private_file`: 0600, removed once open for sending), and sent once complete: a zip's directory
//! comes last.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use rust_xlsxwriter::{Format as XFormat, Workbook};
use std::io::Read;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

pub type Chunk = Result<Bytes, std::io::Error>;
pub type Sender = mpsc::Sender<Chunk>;

/// Chunks sent at a time.
const CHUNK: usize = 64 << 10;
/// Rows per worksheet (Excel and WPS open 1,048,576): a longer list goes on in a second sheet.
pub const ROWS_PER_SHEET: u32 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "" | "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => XLSX,
        }
    }
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why writing stopped.
#[derive(Debug)]
pub enum Stop {
    /// The reader went away (a closed tab, a cancelled download).
    Gone,
    Failed(String),
}

impl From<store::StoreError> for Stop {
    fn from(e: store::StoreError) -> Stop {
        Stop::Failed(e.to_string())
    }
}

impl From<rust_xlsxwriter::XlsxError> for Stop {
    fn from(e: rust_xlsxwriter::XlsxError) -> Stop {
        Stop::Failed(format!("xlsx: {e}"))
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Failed(format!("io: {e}"))
    }
}

/// Rows of one list, one cell at a time.
pub struct Sheet {
    out: Out,
    tx: Sender,
    rows: u64,
    col: u16,
    scratch: String,
}

enum Out {
    Csv { buf: Vec<u8>, line: String },
    Xlsx { wb: Box<Workbook>, title: String, headers: Vec<String>, row: u32, sheets: usize, file: (std::fs::File, PathBuf, crate::upload::Removed) },
}

impl Sheet {
    /// A sheet named `title` (XLSX) with a header row; temporary files go to `dir`.
    pub fn new(format: Format, title: &str, headers: &[String], dir: &Path, tx: Sender) -> Result<Sheet, Stop> {
        let out = match format {
            Format::Csv => {
                let mut line = String::new();
                for (i, h) in headers.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    ingest::formula::push_field(&mut line, h);
                }
                line.push_str("\r\n");
                let mut buf = Vec::with_capacity(CHUNK + 4096);
                buf.extend_from_slice(b"\xEF\xBB\xBF");
                buf.extend_from_slice(line.as_bytes());
                Out::Csv { buf, line: String::new() }
            }
            Format::Xlsx => {
                // Made first: the folder too (0700), where the rows' temporary files then go.
                let file = crate::upload::private_file(dir, "export.xlsx")?;
                let mut wb = Box::new(Workbook::new());
                wb.set_tempdir(dir)?;
                let mut out = Out::Xlsx { wb, title: title.to_string(), headers: headers.to_vec(), row: 0, sheets: 0, file };
                new_sheet(&mut out)?;
                out
            }
        };
        Ok(Sheet { out, tx, rows: 0, col: 0, scratch: String::new() })
    }

    /// The next cell of the current row.
    pub fn cell(&mut self, v: &str) -> Result<(), Stop> {
        match &mut self.out {
            Out::Csv { line, .. } => {
                if self.col > 0 {
                    line.push(',');
                }
                ingest::formula::push_field(line, v);
            }
            Out::Xlsx { wb, row, sheets, .. } => {
                wb.worksheet_from_index(*sheets - 1)?.write_string(*row, self.col, v)?;
            }
        }
        self.col += 1;
        Ok(())
    }

    /// The next cell, masked as `kind` when there is one (`store::mask`, the console's masks).
    pub fn masked(&mut self, kind: Option<store::mask::Kind>, v: &str) -> Result<(), Stop> {
        match kind {
            Some(k) if !v.is_empty() => {
                let mut s = std::mem::take(&mut self.scratch);
                s.clear();
                store::mask::apply_into(k, v, &mut s);
                let r = self.cell(&s);
                self.scratch = s;
                r
            }
            _ => self.cell(v),
        }
    }

    /// Ends the current row; the CSV's buffer goes out when a chunk is full.
    pub fn end_row(&mut self) -> Result<(), Stop> {
        self.col = 0;
        self.rows += 1;
        match &mut self.out {
            Out::Csv { buf, line } => {
                line.push_str("\r\n");
                buf.extend_from_slice(line.as_bytes());
                line.clear();
                if buf.len() >= CHUNK {
                    let full = std::mem::replace(buf, Vec::with_capacity(CHUNK + 4096));
                    self.tx.blocking_send(Ok(Bytes::from(full))).map_err(|_| Stop::Gone)?;
                }
            }
            Out::Xlsx { row, .. } => {
                *row += 1;
                if *row > ROWS_PER_SHEET {
                    new_sheet(&mut self.out)?;
                }
            }
        }
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Sends what was held back: the CSV's last chunk, or the whole workbook.
    pub fn finish(self) -> Result<u64, Stop> {
        let rows = self.rows;
        match self.out {
            Out::Csv { buf, .. } => {
                if !buf.is_empty() {
                    self.tx.blocking_send(Ok(Bytes::from(buf))).map_err(|_| Stop::Gone)?;
                }
            }
            Out::Xlsx { mut wb, file: (mut f, path, removed), .. } => {
                wb.save_to_writer(&mut f)?;
                drop(wb);
                drop(f);
                // Open for reading, then unlinked: nothing stays behind, whatever happens next.
                let mut f = std::fs::File::open(&path)?;
                drop(removed);
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    self.tx.blocking_send(Ok(Bytes::copy_from_slice(&buf[..n]))).map_err(|_| Stop::Gone)?;
                }
            }
        }
        Ok(rows)
    }

    /// Ends the download with an error: the browser shows it as failed, not as a short file.
    pub fn abort(tx: &Sender, why: &str) {
        let _ = tx.blocking_send(Err(std::io::Error::other(why.to_string())));
    }
}

/// A worksheet (the first, or the next once one is full) with its bold, frozen header row.
fn new_sheet(out: &mut Out) -> Result<(), Stop> {
    let Out::Xlsx { wb, title, headers, row, sheets, .. } = out else { return Ok(()) };
    let bold = XFormat::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory()?;
    *sheets += 1;
    ws.set_name(if *sheets == 1 { title.clone() } else { format!("{title} {sheets}") })?;
    for (c, h) in headers.iter().enumerate() {
        ws.set_column_width(c as u16, (h.chars().count() as f64 * 2.2).clamp(10.0, 40.0))?;
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    *row = 1;
    Ok(())
}

/// The response body fed by the channel's other end.
pub fn body(mut rx: mpsc::Receiver<Chunk>) -> Body {
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// `Content-Disposition` of a download named `name` (Chinese as a rule): an ASCII `fallback` and
/// the name itself as RFC 5987 `filename*`.
pub fn disposition(name: &str, fallback: &str) -> HeaderValue {
    let mut enc = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    let fallback: String = fallback.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{enc}")).unwrap_or(HeaderValue::from_static("attachment"))
}

/// The headers of a download.
pub fn headers(format_mime: &str, name: &str, fallback: &str) -> [(header::HeaderName, HeaderValue); 3] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_str(format_mime).unwrap_or(HeaderValue::from_static("application/octet-stream"))),
        (header::CONTENT_DISPOSITION, disposition(name, fallback)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_stream_in_chunks_and_cells_are_guarded() {
        let (tx, mut rx) = mpsc::channel(1024);
        let mut s = Sheet::new(Format::Csv, "学生", &["姓名".into(), "备注".into()], Path::new("."), tx).unwrap();
        for i in 0..20_000 {
            s.masked(Some(store::mask::Kind::Name), "王小明").unwrap();
            s.cell(if i == 0 { "=1+1" } else { "a,b" }).unwrap();
            s.end_row().unwrap();
        }
        assert!(rx.try_recv().is_ok(), "a full chunk is sent before the end");
        assert_eq!(s.finish().unwrap(), 20_000);
        let (tx, mut rx) = mpsc::channel(16);
        let mut s = Sheet::new(Format::Csv, "学生", &["姓名".into()], Path::new("."), tx).unwrap();
        s.cell("=HYPERLINK(\"x\")").unwrap();
        s.end_row().unwrap();
        s.finish().unwrap();
        let text = String::from_utf8(rx.try_recv().unwrap().unwrap().to_vec()).unwrap();
        assert_eq!(text, "\u{feff}姓名\r\n\"'=HYPERLINK(\"\"x\"\")\"\r\n");
    }

    #[test]
    fn names_are_rfc_5987() {
        let v = disposition("学生名单.csv", "students.csv");
        assert_eq!(v.to_str().unwrap(), "attachment; filename=\"students.csv\"; filename*=UTF-8''%E5%AD%A6%E7%94%9F%E5%90%8D%E5%8D%95.csv");
    }
}
