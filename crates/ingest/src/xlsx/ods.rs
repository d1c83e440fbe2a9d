//! The size an OpenDocument spreadsheet (.ods) unfolds to, measured before a reader that holds
//! whole sheets in memory (calamine) is given it: `content.xml` streamed through the bounded
//! scanner, repeated rows and columns counted the way such a reader expands them.

use super::entry::{self, EntryStream};
use super::scan::{attr, Scanner, Tok};
use super::XlsxError;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// ODF's own limits as LibreOffice applies them (and Excel's): rows and columns of a sheet.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLS: u64 = 16_384;

fn number(v: Option<&[u8]>, cap: u64) -> u64 {
    v.and_then(|v| std::str::from_utf8(v).ok()).and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(1).clamp(1, cap)
}

/// The cells (over all sheets) that a reader expanding the file into rectangles would hold:
/// for each sheet, the rows up to its last row with a value times the widest such row (trailing
/// empty cells and rows, which LibreOffice writes as huge repeats, cost nothing). Stops counting
/// past `max_cells`; `content_limit` caps the inflated size of `content.xml`.
pub fn ods_cells(path: &Path, content_limit: u64, max_cells: u64) -> Result<u64, XlsxError> {
    let mut file = File::open(path)?;
    entry::check_directory(&mut file)?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file.try_clone()?)).map_err(|_| XlsxError::invalid("it is not a zip archive, or the archive is damaged"))?;
    let info = entry::locate(&mut archive, "content.xml")?.ok_or_else(|| XlsxError::invalid("content.xml is missing"))?;
    let mut scan = Scanner::new(EntryStream::open(file, info, content_limit)?, "content.xml");
    let (mut total, mut rows, mut pending, mut width) = (0u64, 0u64, 0u64, 0u64);
    let (mut repeat, mut pos, mut last) = (1u64, 0u64, 0u64);
    let mut in_row = false;
    loop {
        match scan.next()? {
            Tok::Start { name: b"table", empty: false, .. } => (rows, pending, width) = (0, 0, 0),
            Tok::Start { name: b"table-row", attrs, empty } => {
                repeat = number(attr(attrs, b"number-rows-repeated"), MAX_ROWS);
                (pos, last) = (0, 0);
                in_row = !empty;
                if empty {
                    pending = (pending + repeat).min(MAX_ROWS);
                }
            }
            Tok::Start { name: b"table-cell" | b"covered-table-cell", attrs, empty } if in_row => {
                pos = (pos + number(attr(attrs, b"number-columns-repeated"), MAX_COLS)).min(MAX_COLS);
                // A cell with a value, or with content (text, a formula's result): it counts.
                if attr(attrs, b"value-type").is_some() || !empty {
                    last = pos;
                }
            }
            Tok::End { name: b"table-row" } => {
                in_row = false;
                if last > 0 {
                    rows = (rows + pending + repeat).min(MAX_ROWS);
                    pending = 0;
                    width = width.max(last);
                } else {
                    pending = (pending + repeat).min(MAX_ROWS);
                }
            }
            Tok::End { name: b"table" } => {
                total = total.saturating_add(rows * width);
                if total > max_cells {
                    return Ok(total);
                }
            }
            Tok::Eof => return Ok(total),
            _ => {}
        }
    }
}
