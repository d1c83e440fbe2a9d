//! A worksheet's rows, read in batches: each batch keeps every cell's text in one buffer, and a
//! cell is its column and a byte range of that buffer, so reading allocates nothing per cell.
//! Caps: one cell's text, one row's text, cells per row, Excel's row and column limits.

use super::fast;
use super::parts::{DateStyles, SharedStrings};
use super::scan::{attrs, unescape_into, Scanner, Tok, Unescape};
use super::{column_name, Limits, XlsxError, MAX_COLS, MAX_ROWS};
use std::io::Write;

/// A batch ends at this many rows, bytes of text or cells, whichever comes first.
const BATCH_ROWS: usize = 8192;
const BATCH_TEXT: usize = 2 << 20;
const BATCH_CELLS: usize = 1 << 18;

#[derive(Debug, Clone, Copy)]
struct Cell {
    col: u32,
    start: u32,
    end: u32,
}

#[derive(Debug, Clone, Copy)]
struct RowSpan {
    line: u64,
    first: u32,
    end: u32,
    width: u32,
}

/// A batch of rows of a sheet, in file order. Its text was checked to be UTF-8 (every cell on
/// character boundaries) when it was read; [`Rows::view`] reads the cells.
#[derive(Debug, Default)]
pub struct Rows {
    text: Vec<u8>,
    cells: Vec<Cell>,
    rows: Vec<RowSpan>,
    /// Rows before this one were taken out (the header).
    from: usize,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len() - self.from
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sheet row number (1-based) of row `i` of the batch.
    pub fn line(&self, i: usize) -> u64 {
        self.rows[self.from + i].line
    }

    /// Columns up to the last cell written in row `i` (empty cells included).
    pub fn width(&self, i: usize) -> usize {
        self.rows[self.from + i].width as usize
    }

    /// The cells as text (one vectorised pass over the batch, on the caller's thread).
    pub fn view(&self) -> View<'_> {
        View { rows: self, text: simdutf8::basic::from_utf8(&self.text).expect("checked when the batch was read") }
    }

    /// Leaves out the first `n` rows (e.g. up to the header).
    pub fn skip(&mut self, n: usize) {
        self.from = (self.from + n).min(self.rows.len());
    }

    /// The text buffer, to be reused for a later batch.
    pub fn into_buffer(self) -> Vec<u8> {
        self.text
    }
}

/// The cells of a batch of rows, as text.
#[derive(Clone, Copy)]
pub struct View<'a> {
    rows: &'a Rows,
    text: &'a str,
}

impl<'a> View<'a> {
    /// The cells of row `i` as written, (column, text), in file order; a column written twice
    /// appears twice and the later one counts.
    pub fn cells(&self, i: usize) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let (rows, text) = (self.rows, self.text);
        let r = rows.rows[rows.from + i];
        rows.cells[r.first as usize..r.end as usize].iter().map(move |c| (c.col as usize, &text[c.start as usize..c.end as usize]))
    }

    /// Row `i` as one text per column, `width(i)` long: `out[c]` is column c's text or "".
    pub fn dense(&self, i: usize, out: &mut Vec<&'a str>) {
        out.clear();
        out.resize(self.rows.width(i), "");
        for (c, t) in self.cells(i) {
            out[c] = t;
        }
    }

    /// Row `i` as owned strings (a header, a rejected row's original values).
    pub fn to_strings(&self, i: usize) -> Vec<String> {
        let mut v = Vec::new();
        self.dense(i, &mut v);
        v.into_iter().map(str::to_string).collect()
    }

    /// Whether every cell of row `i` is empty or white space.
    pub fn is_blank(&self, i: usize) -> bool {
        self.cells(i).all(|(_, t)| t.trim().is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CellType {
    Shared,
    Inline,
    Str,
    Bool,
    Error,
    Number,
}

/// Reads one sheet's rows in batches.
pub struct SheetReader<'w> {
    scan: Scanner,
    sheet: String,
    shared: &'w SharedStrings,
    dates: &'w DateStyles,
    limits: Limits,
    done: bool,
    /// Text of the batches handed out so far.
    total_text: u64,
    row_num: u64,
    in_row: bool,
    col: usize,
    cell: Option<(CellType, usize)>,
    in_value: bool,
    in_phonetic: bool,
    value: Vec<u8>,
    // The batch being built.
    text: Vec<u8>,
    cells: Vec<Cell>,
    rows: Vec<RowSpan>,
    row_first: usize,
    row_text: usize,
    row_width: usize,
}

impl<'w> SheetReader<'w> {
    pub(crate) fn new(scan: Scanner, sheet: &str, shared: &'w SharedStrings, dates: &'w DateStyles, limits: Limits) -> SheetReader<'w> {
        SheetReader {
            scan,
            sheet: super::shown(sheet),
            shared,
            dates,
            limits,
            done: false,
            total_text: 0,
            row_num: 0,
            in_row: false,
            col: 0,
            cell: None,
            in_value: false,
            in_phonetic: false,
            value: Vec::new(),
            text: Vec::new(),
            cells: Vec::new(),
            rows: Vec::new(),
            row_first: 0,
            row_text: 0,
            row_width: 0,
        }
    }

    /// The next batch of rows, built in `buf` (a buffer given back by [`Rows::into_buffer`], or
    /// a new one); None at the end of the sheet.
    pub fn next_batch(&mut self, buf: Vec<u8>) -> Result<Option<Rows>, XlsxError> {
        self.text = buf;
        self.text.clear();
        self.cells.clear();
        self.rows.clear();
        // A batch ends between rows only.
        while !self.done && (self.in_row || (self.rows.len() < BATCH_ROWS && self.text.len() < BATCH_TEXT && self.cells.len() < BATCH_CELLS)) {
            self.step()?;
        }
        if self.rows.is_empty() {
            return Ok(None);
        }
        self.freeze().map(Some)
    }

    /// The batch as text: checked once here for UTF-8, with every cell on character boundaries.
    fn freeze(&mut self) -> Result<Rows, XlsxError> {
        self.total_text += self.text.len() as u64;
        if self.total_text > self.limits.sheet_text_bytes {
            return Err(XlsxError::TooMuchText { limit_mib: self.limits.sheet_text_bytes >> 20 });
        }
        let text = std::mem::take(&mut self.text);
        let cells = std::mem::take(&mut self.cells);
        let rows = std::mem::take(&mut self.rows);
        let bad_at = |at: usize| {
            let r = rows.iter().find(|r| cells[r.first as usize..r.end as usize].iter().any(|c| c.end as usize >= at)).or(rows.last());
            let line = r.map_or(0, |r| r.line);
            XlsxError::invalid(format!("sheet “{}”, row {line}: the text is not valid UTF-8", self.sheet))
        };
        if simdutf8::basic::from_utf8(&text).is_err() {
            let at = simdutf8::compat::from_utf8(&text).err().map_or(0, |e| e.valid_up_to());
            return Err(bad_at(at));
        }
        // A cell may not start or end inside a character (the whole may be valid when one cell
        // ends with the first bytes of a character and the next begins with the rest).
        let boundary = |at: u32| text.get(at as usize).is_none_or(|&b| (b as i8) >= -0x40);
        if let Some(c) = cells.iter().find(|c| !boundary(c.start) || !boundary(c.end)) {
            return Err(bad_at(c.start as usize));
        }
        Ok(Rows { text, cells, rows, from: 0 })
    }

    /// Whole cells of the common shapes, straight from the window, until the next thing is not
    /// one (the general scanner takes that).
    fn fast_cells(&mut self) -> Result<(), XlsxError> {
        while let Some(c) = fast::cell(self.scan.window()) {
            let (col, kind, style) = {
                let w = self.scan.window();
                let at = |r: Option<(usize, usize)>| r.map(|(a, b)| &w[a..b]);
                cell_attrs(at(c.r), at(c.t), at(c.s))
            };
            self.open_cell(col, kind, style, c.empty)?;
            self.cell = None;
            if c.empty {
                self.scan.consume(c.len);
                continue;
            }
            let start = self.text.len();
            let (a, b) = c.value.unwrap_or((0, 0));
            let raw = &self.scan.window()[a..b];
            if c.escaped {
                self.value.clear();
                if let Err(e) = unescape_into(raw, &mut self.value, self.limits.cell_bytes) {
                    return Err(self.unescape_error(e));
                }
                render(kind, style, &self.value, self.shared, self.dates, &mut self.text);
            } else {
                // Rendered straight from the window: no copy in between.
                if raw.len() > self.limits.cell_bytes {
                    return Err(self.cell_too_large());
                }
                render(kind, style, raw, self.shared, self.dates, &mut self.text);
            }
            self.scan.consume(c.len);
            self.push_cell(start)?;
        }
        Ok(())
    }

    /// A `<c>` start tag: its column (from `r`, else the next one), type and format.
    fn open_cell(&mut self, col: Option<usize>, kind: CellType, style: usize, empty: bool) -> Result<(), XlsxError> {
        let col = col.unwrap_or(self.col);
        if empty {
            // A styled cell with no value.
            self.col = col.saturating_add(1);
            return Ok(());
        }
        if col >= MAX_COLS {
            return Err(XlsxError::TooManyColumns { sheet: self.sheet.clone(), row: self.row_num, limit: MAX_COLS });
        }
        self.col = col;
        self.cell = Some((kind, style));
        self.value.clear();
        Ok(())
    }

    fn unescape_error(&self, e: Unescape) -> XlsxError {
        match e {
            Unescape::TooLong => self.cell_too_large(),
            Unescape::BadEntity => {
                XlsxError::invalid(format!("sheet “{}”, cell {}{}: an unknown entity reference (&…;)", self.sheet, column_name(self.col), self.row_num))
            }
        }
    }

    fn step(&mut self) -> Result<(), XlsxError> {
        if self.in_row && self.cell.is_none() {
            self.fast_cells()?;
        }
        let tok = self.scan.next()?;
        match tok {
            Tok::Start { name, attrs: a, empty } => match name {
                b"c" => {
                    let (mut r, mut t, mut s) = (None, None, None);
                    for (k, v) in attrs(a) {
                        match k {
                            b"r" => r = Some(v),
                            b"t" => t = Some(v),
                            b"s" => s = Some(v),
                            _ => {}
                        }
                    }
                    let (col, kind, style) = cell_attrs(r, t, s);
                    self.open_cell(col, kind, style, empty)?;
                }
                b"v" | b"t" if !empty => self.in_value = true,
                b"rPh" if !empty => self.in_phonetic = true,
                b"row" => {
                    let r = attrs(a).find(|(k, _)| *k == b"r").and_then(|(_, v)| parse_usize(v)).map(|v| v as u64);
                    self.row_num = r.unwrap_or(self.row_num + 1);
                    if !empty {
                        if self.row_num > MAX_ROWS {
                            return Err(XlsxError::TooManyRows { sheet: self.sheet.clone(), limit: MAX_ROWS });
                        }
                        self.in_row = true;
                        self.col = 0;
                        self.row_first = self.cells.len();
                        self.row_text = self.text.len();
                        self.row_width = 0;
                    }
                }
                _ => {}
            },
            Tok::End { name } => match name {
                b"c" => self.end_cell()?,
                b"v" | b"t" => self.in_value = false,
                b"rPh" => self.in_phonetic = false,
                b"row" if self.in_row => {
                    self.in_row = false;
                    self.rows.push(RowSpan { line: self.row_num, first: self.row_first as u32, end: self.cells.len() as u32, width: self.row_width as u32 });
                }
                // Nothing after the cells matters (merged cells, validations, drawings…).
                b"sheetData" => self.finish(),
                _ => {}
            },
            Tok::Text(raw) => {
                if self.in_value && !self.in_phonetic && self.cell.is_some() {
                    if let Err(e) = unescape_into(raw, &mut self.value, self.limits.cell_bytes) {
                        return Err(self.unescape_error(e));
                    }
                }
            }
            Tok::CData(raw) => {
                if self.in_value && !self.in_phonetic && self.cell.is_some() {
                    if self.value.len() + raw.len() > self.limits.cell_bytes {
                        return Err(self.cell_too_large());
                    }
                    self.value.extend_from_slice(raw);
                }
            }
            Tok::Eof => self.finish(),
        }
        Ok(())
    }

    fn finish(&mut self) {
        self.done = true;
        self.scan.close();
    }

    fn cell_too_large(&self) -> XlsxError {
        XlsxError::CellTooLarge { sheet: self.sheet.clone(), cell: format!("{}{}", column_name(self.col), self.row_num), limit_kib: self.limits.cell_bytes >> 10 }
    }

    /// The end of a cell read by the general scanner.
    fn end_cell(&mut self) -> Result<(), XlsxError> {
        let Some((kind, style)) = self.cell.take() else { return Ok(()) };
        self.in_value = false;
        if !self.in_row {
            return Ok(());
        }
        let start = self.text.len();
        render(kind, style, &self.value, self.shared, self.dates, &mut self.text);
        self.push_cell(start)
    }

    /// Records the cell rendered from `start`, within the caps on the row.
    fn push_cell(&mut self, start: usize) -> Result<(), XlsxError> {
        if self.text.len() - self.row_text > self.limits.row_bytes {
            return Err(XlsxError::RowTooLarge { sheet: self.sheet.clone(), row: self.row_num, limit_mib: self.limits.row_bytes >> 20 });
        }
        if self.cells.len() - self.row_first >= MAX_COLS {
            return Err(XlsxError::TooManyColumns { sheet: self.sheet.clone(), row: self.row_num, limit: MAX_COLS });
        }
        self.cells.push(Cell { col: self.col as u32, start: start as u32, end: self.text.len() as u32 });
        self.row_width = self.row_width.max(self.col + 1);
        self.col += 1;
        Ok(())
    }
}

/// The cell's text, rendered as the old reader did: shared strings looked up, booleans as
/// TRUE/FALSE, integral numbers without ".0", date-formatted numbers as whole Excel serials.
#[inline]
fn render(kind: CellType, style: usize, v: &[u8], shared: &SharedStrings, dates: &DateStyles, out: &mut Vec<u8>) {
    match kind {
        CellType::Shared => {
            let index = digits(v).or_else(|| std::str::from_utf8(v).ok().and_then(|s| s.trim().parse::<usize>().ok()));
            if let Some(s) = index.and_then(|i| shared.get_bytes(i)) {
                out.extend_from_slice(s);
            }
        }
        CellType::Inline | CellType::Str | CellType::Error => out.extend_from_slice(v),
        CellType::Bool => out.extend_from_slice(if v == b"1" { b"TRUE" } else { b"FALSE" }),
        CellType::Number => {
            if plain_integer(v) {
                out.extend_from_slice(v);
            } else {
                render_number(v, dates.is_date(style), out);
            }
        }
    }
}

/// Digits only, 1 to 15 of them, no leading zero: printed as they are either way.
fn plain_integer(v: &[u8]) -> bool {
    !v.is_empty() && v.len() <= 15 && v.iter().all(u8::is_ascii_digit) && (v[0] != b'0' || v.len() == 1)
}

/// Other numbers: integral ones print as integers ("40422", not "40422.0"), others as written;
/// a date-formatted number is an Excel serial and keeps its whole days (the date rules read it,
/// counted as date_normalized).
fn render_number(v: &[u8], date: bool, out: &mut Vec<u8>) {
    let Ok(s) = std::str::from_utf8(v) else {
        out.extend_from_slice(v);
        return;
    };
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(x) if date => {
            let _ = write!(out, "{}", x.floor() as i64);
        }
        Ok(x) if x.fract() == 0.0 && x.abs() < 1e15 => {
            let _ = write!(out, "{}", x as i64);
        }
        _ if date => out.extend_from_slice(v),
        _ => out.extend_from_slice(t.as_bytes()),
    }
}

/// A cell's column (from its reference), type and format index, from its attributes.
fn cell_attrs(r: Option<&[u8]>, t: Option<&[u8]>, s: Option<&[u8]>) -> (Option<usize>, CellType, usize) {
    let kind = match t {
        Some(b"s") => CellType::Shared,
        Some(b"inlineStr") => CellType::Inline,
        Some(b"str") => CellType::Str,
        Some(b"b") => CellType::Bool,
        Some(b"e") => CellType::Error,
        _ => CellType::Number,
    };
    (r.and_then(column_index), kind, s.and_then(parse_usize).unwrap_or(0))
}

fn parse_usize(v: &[u8]) -> Option<usize> {
    digits(v).or_else(|| std::str::from_utf8(v).ok()?.parse().ok())
}

/// 1 to 19 ASCII digits as a number (what `str::parse` gives for them, without its checks);
/// None for anything else, which then takes the general path.
#[inline]
fn digits(v: &[u8]) -> Option<usize> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (b - b'0') as u64;
    }
    usize::try_from(n).ok()
}

/// "B3" → 1: the leading capital letters of a cell reference.
pub(crate) fn column_index(r: &[u8]) -> Option<usize> {
    let mut n = 0usize;
    let mut any = false;
    for &b in r {
        if b.is_ascii_uppercase() {
            n = n.checked_mul(26)?.checked_add((b - b'A' + 1) as usize)?;
            any = true;
        } else {
            break;
        }
    }
    any.then(|| n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_numbers() {
        assert_eq!(column_index(b"A1"), Some(0));
        assert_eq!(column_index(b"AB12"), Some(27));
        assert_eq!(column_index(b"1"), None);
        let n = |v: &str, date: bool| {
            let mut out = Vec::new();
            if plain_integer(v.as_bytes()) {
                out.extend_from_slice(v.as_bytes());
            } else {
                render_number(v.as_bytes(), date, &mut out);
            }
            String::from_utf8(out).unwrap()
        };
        assert_eq!(n("40422", false), "40422");
        assert_eq!(n("40422.0", false), "40422");
        assert_eq!(n("104.5", false), "104.5");
        assert_eq!(n("007", false), "7");
        assert_eq!(n(" 12 ", false), "12");
        assert_eq!(n("1E3", false), "1000");
        assert_eq!(n("1234567890123456", false), "1234567890123456");
        assert_eq!(n("40422.75", true), "40422");
        assert_eq!(n("abc", true), "abc");
        assert_eq!(n(" abc ", false), "abc");
    }
}
