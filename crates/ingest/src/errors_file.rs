//! Writing rejected rows for people to fix: CSV (UTF-8 with BOM, so Excel shows Chinese) or an
//! XLSX workbook whose offending cells are highlighted.

use crate::columns::Columns;
use crate::{RejectedRow, Sink};
use rust_xlsxwriter::{Color, Format, FormatBorder, Note, Workbook};
use standard::{Lang, Rule};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const XLSX_MAX_ROWS: u32 = 1_048_576;

/// Rows whose offending cells also get a note (cell comment) with the rule: notes are kept in
/// memory until the workbook is written, so they stop after this many (the row's own columns
/// still name every rule, and the cells stay highlighted).
const XLSX_NOTE_ROWS: u32 = 10_000;

enum Out {
    Csv(BufWriter<File>),
    /// Worksheets in rust_xlsxwriter's constant-memory mode: each row goes to a temporary file
    /// (beside the output) as soon as the next one starts, so a file of a million rejected rows
    /// is written in bounded memory.
    Xlsx { wb: Box<Workbook>, sheets: usize, row: u32, noted: u32, path: PathBuf },
}

/// A [`Sink`] that writes every rejected row with its line, rule codes and messages.
pub struct ErrorsFile {
    out: Out,
    lang: Lang,
    headers: Vec<String>,
    column_of: Vec<Option<usize>>,
    entity: Option<standard::Entity>,
    bad: Format,
    head: Format,
    pub written: u64,
}

impl ErrorsFile {
    /// Chooses CSV or XLSX by the file's extension.
    pub fn create(path: &Path, lang: Lang) -> std::io::Result<ErrorsFile> {
        let xlsx = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        let out = if xlsx {
            // Fail now, not after the whole run, when the folder cannot be written.
            File::create(path)?;
            let mut wb = Workbook::new();
            // The rows wait in temporary files beside the output, not in a memory-backed /tmp.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                wb.set_tempdir(dir).map_err(|e| std::io::Error::other(e.to_string()))?;
            }
            Out::Xlsx { wb: Box::new(wb), sheets: 0, row: 0, noted: 0, path: path.to_path_buf() }
        } else {
            let mut w = BufWriter::with_capacity(1 << 16, File::create(path)?);
            w.write_all(b"\xEF\xBB\xBF")?;
            Out::Csv(w)
        };
        Ok(ErrorsFile {
            out,
            lang,
            headers: Vec::new(),
            column_of: Vec::new(),
            entity: None,
            bad: Format::new().set_background_color(Color::RGB(0xFFC7CE)).set_font_color(Color::RGB(0x9C0006)).set_border(FormatBorder::Thin),
            head: Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)),
            written: 0,
        })
    }

    fn fixed_headers(&self) -> [&'static str; 3] {
        match self.lang {
            Lang::Zh => ["行号", "错误代码", "错误说明"],
            Lang::En => ["line", "codes", "messages"],
        }
    }

    fn sheet_name(&self, n: usize) -> String {
        match (self.lang, n) {
            (Lang::Zh, 0) => "错误行".to_string(),
            (Lang::Zh, n) => format!("错误行{}", n + 1),
            (Lang::En, 0) => "rejected".to_string(),
            (Lang::En, n) => format!("rejected{}", n + 1),
        }
    }

    /// Starts sheet `n` (constant memory) with its header row.
    fn add_sheet(wb: &mut Workbook, name: String, headers: &[&str], head: &Format) -> Result<(), String> {
        let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
        let ws = wb.add_worksheet_with_constant_memory().map_err(e)?;
        ws.set_name(name).map_err(e)?;
        ws.set_column_width(2, 48).map_err(e)?;
        ws.set_freeze_panes(1, 0).map_err(e)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, head).map_err(e)?;
        }
        Ok(())
    }

    /// Flushes and closes the file.
    pub fn finish(mut self) -> Result<(), String> {
        let mut headers: Vec<String> = self.fixed_headers().iter().map(|s| s.to_string()).collect();
        headers.extend(self.headers.iter().cloned());
        let first = self.sheet_name(0);
        match &mut self.out {
            Out::Csv(w) => w.flush().map_err(|e| e.to_string()),
            Out::Xlsx { wb, sheets, path, .. } => {
                if *sheets == 0 {
                    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
                    ErrorsFile::add_sheet(wb, first, &h, &self.head)?;
                }
                wb.save(&*path).map_err(|e| format!("cannot write {}: {e}", path.display()))
            }
        }
    }
}

/// One CSV field, quoted as needed and neutralised against formula injection.
fn csv_field(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    crate::formula::write_field(w, s)
}

impl Sink for ErrorsFile {
    fn begin(&mut self, columns: &Columns) -> Result<(), String> {
        self.headers = columns.headers.clone();
        self.column_of = columns.column_of.clone();
        self.entity = Some(columns.entity);
        let fixed = self.fixed_headers();
        match &mut self.out {
            Out::Csv(w) => {
                let mut line = fixed.iter().map(|s| s.to_string()).collect::<Vec<_>>();
                line.extend(columns.headers.iter().cloned());
                let mut buf = Vec::new();
                for (i, h) in line.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    csv_field(&mut buf, h).map_err(|e| e.to_string())?;
                }
                buf.push(b'\n');
                w.write_all(&buf).map_err(|e| e.to_string())
            }
            Out::Xlsx { .. } => Ok(()),
        }
    }

    fn rejected(&mut self, row: &RejectedRow) -> Result<(), String> {
        let lang = self.lang;
        let mut codes: Vec<Rule> = row.violations.iter().map(|v| v.rule).collect();
        codes.dedup();
        let mut seen = 0u64;
        codes.retain(|r| {
            let new = seen & r.bit() == 0;
            seen |= r.bit();
            new
        });
        let code_text = codes.iter().map(|r| r.code()).collect::<Vec<_>>().join(";");
        let msg_text = codes.iter().map(|r| r.message(lang)).collect::<Vec<_>>().join(if lang == Lang::Zh { "；" } else { "; " });
        self.written += 1;
        let mut bad_cols: Vec<(usize, Rule)> = row
            .violations
            .iter()
            .filter_map(|v| v.field.and_then(|f| self.column_of.get(f as usize).copied().flatten()).map(|c| (c, v.rule)))
            .collect();
        // A row read back with its rule codes only (the console's workbook) does not say which
        // required cell was empty: every empty required cell is marked.
        if row.violations.iter().any(|v| v.rule == Rule::RequiredMissing && v.field.is_none()) {
            for c in self.empty_required(&row.raw) {
                if !bad_cols.iter().any(|(bc, _)| *bc == c) {
                    bad_cols.push((c, Rule::RequiredMissing));
                }
            }
        }
        let need_sheet = matches!(&self.out, Out::Xlsx { sheets, row: r, .. } if *sheets == 0 || *r + 1 >= XLSX_MAX_ROWS);
        if need_sheet {
            let n = match &self.out {
                Out::Xlsx { sheets, .. } => *sheets,
                Out::Csv(_) => 0,
            };
            let name = self.sheet_name(n);
            let mut headers: Vec<&str> = self.fixed_headers().to_vec();
            headers.extend(self.headers.iter().map(String::as_str));
            let head = self.head.clone();
            if let Out::Xlsx { wb, sheets, row: r, .. } = &mut self.out {
                ErrorsFile::add_sheet(wb, name, &headers, &head)?;
                *sheets += 1;
                *r = 0;
            }
        }
        let bad = self.bad.clone();
        match &mut self.out {
            Out::Csv(w) => {
                let mut buf = Vec::with_capacity(256);
                let _ = write!(buf, "{},", row.line);
                let _ = csv_field(&mut buf, &code_text);
                buf.push(b',');
                let _ = csv_field(&mut buf, &msg_text);
                for v in &row.raw {
                    buf.push(b',');
                    let _ = csv_field(&mut buf, v);
                }
                buf.push(b'\n');
                w.write_all(&buf).map_err(|e| e.to_string())
            }
            Out::Xlsx { wb, sheets, row: r, noted, .. } => {
                let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
                let ws = wb.worksheet_from_index(*sheets - 1).map_err(e)?;
                *r += 1;
                let x = *r;
                let note_row = *noted < XLSX_NOTE_ROWS;
                if note_row && !bad_cols.is_empty() {
                    *noted += 1;
                }
                ws.write_number(x, 0, row.line as f64).map_err(e)?;
                ws.write_string(x, 1, &code_text).map_err(e)?;
                ws.write_string(x, 2, &msg_text).map_err(e)?;
                for (c, v) in row.raw.iter().enumerate().take(16_381) {
                    // Excel cells hold at most 32,767 characters.
                    let v: String = if v.len() > 32_000 { v.chars().take(32_000).collect() } else { v.clone() };
                    let col = (c + 3) as u16;
                    match bad_cols.iter().find(|(bc, _)| *bc == c) {
                        Some((_, rule)) => {
                            ws.write_string_with_format(x, col, &v, &bad).map_err(e)?;
                            if note_row {
                                let note = Note::new(format!("{}: {}", rule.code(), rule.message(lang))).set_author("Tianfu");
                                ws.insert_note(x, col, &note).map_err(e)?;
                            }
                        }
                        None => {
                            ws.write_string(x, col, &v).map_err(e)?;
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// The field a rule usually concerns, for highlighting rows whose violations were stored as
/// codes only (rows read back from the database).
pub fn field_of_rule(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::StudentIdFormat | Rule::StudentIdMismatch | Rule::StudentIdDuplicate => "student_id",
        Rule::IdFormat | Rule::IdCheckDigit | Rule::IdDuplicate => "id_number",
        Rule::IdTypeUnknown => "id_type",
        Rule::BirthDateFormat | Rule::BirthMismatch => "birth_date",
        Rule::GenderEnum | Rule::GenderMismatch => "gender_code",
        Rule::EthnicityUnknown => "ethnicity_code",
        Rule::RegionUnknown => "region_code",
        Rule::SchoolCodeFormat | Rule::SchoolCodeDuplicate | Rule::SchoolUnknown => "school_code",
        Rule::OutOfScope => "school_code",
        Rule::GradeEnum => "grade",
        Rule::EnrollmentFormat => "enrollment_date",
        Rule::HireDateFormat => "hire_date",
        Rule::SchoolTypeUnknown => "school_type",
        Rule::UrbanRuralUnknown => "urban_rural",
        Rule::CreditCodeFormat | Rule::CreditCodeCheckDigit | Rule::CreditCodeDuplicate => "credit_code",
        Rule::PostalCodeInvalid => "postal_code",
        _ => return None,
    })
}

impl ErrorsFile {
    /// The file columns of required fields whose cell in `raw` is empty (the ID number counts
    /// when the document type is empty or 1, 居民身份证).
    fn empty_required(&self, raw: &[String]) -> Vec<usize> {
        use standard::template::Required;
        let Some(t) = self.entity.map(|e| e.template()) else { return Vec::new() };
        let cell = |field: usize| self.column_of.get(field).copied().flatten().map(|c| (c, raw.get(c).map(|v| v.trim()).unwrap_or("")));
        let resident = t.index("id_type").and_then(cell).is_none_or(|(_, v)| v.is_empty() || v == "1");
        t.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.required == Required::Yes || (f.required == Required::IfResidentId && resident))
            .filter_map(|(i, _)| cell(i))
            .filter(|(_, v)| v.is_empty())
            .map(|(c, _)| c)
            .collect()
    }

    pub fn path_is_xlsx(path: &Path) -> bool {
        path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    }
}
