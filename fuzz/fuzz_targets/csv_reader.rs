//! Arbitrary bytes through the CSV/TSV record parser and the chunk splitter, and (cheaply, one
//! small temp file per input) through the whole validation pipeline, CSV or XLSX.
//!
//! Properties:
//! - the parser terminates, with sane spans, field ranges and line numbers;
//! - cutting the input into chunks where the [`Splitter`] says records end, and parsing each
//!   chunk alone, gives exactly the records of parsing the whole input (what the parallel
//!   pipeline relies on);
//! - `ingest::run` never panics, and when it succeeds, rows read = valid + rejected.
#![no_main]

use ingest::csv::{Parser, Record, Splitter};
use ingest::{NullSink, Options, TextEncoding};
use libfuzzer_sys::fuzz_target;
use standard::{Date, Entity};
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

type Rec = (u64, Vec<Vec<u8>>, bool);

fn records(data: &[u8], delim: u8, first_line: u64) -> Vec<Rec> {
    let mut p = Parser::new(data, delim, first_line);
    let mut r = Record::default();
    let mut out = Vec::new();
    let newlines = memchr_count(data);
    let mut prev_end = 0;
    while p.next_into(&mut r) {
        assert!(out.len() <= data.len(), "more records than bytes");
        assert!(r.span.0 >= prev_end && r.span.0 <= r.span.1 && r.span.1 <= data.len(), "span {:?}", r.span);
        prev_end = r.span.1;
        assert!(r.line >= first_line && r.line <= first_line + newlines, "line {}", r.line);
        assert!(out.last().is_none_or(|l: &Rec| l.0 < r.line), "lines must increase");
        assert!(!r.is_empty(), "a record has at least one field");
        let fields = (0..r.len()).map(|i| r.field(i).to_vec()).collect();
        out.push((r.line, fields, r.unclosed_quote));
    }
    // Only the last record can run into the end of the input inside a quote.
    assert!(out.iter().rev().skip(1).all(|r| !r.2));
    out
}

fn memchr_count(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Parses `data` in chunks cut where the splitter finds record ends, feeding it `step` bytes at
/// a time the way the pipeline's reader does.
fn chunked(data: &[u8], delim: u8, step: usize) -> Vec<Rec> {
    let mut s = Splitter::new(delim);
    let mut out = Vec::new();
    let (mut start, mut avail, mut line) = (0usize, 0usize, 1u64);
    // Newlines scanned since `start`, as the pipeline counts them.
    let mut rest_lines = 0u64;
    while avail < data.len() {
        let from = avail - start;
        avail = (avail + step).min(data.len());
        let (end, lines_at_end, lines_total) = s.scan(&data[start..avail], from);
        let lines_to_end = rest_lines + lines_at_end;
        rest_lines += lines_total;
        if let Some(e) = end {
            assert!(e > from && e <= avail - start, "end {e} outside the scanned bytes");
            assert_eq!(data[start + e - 1], b'\n');
            assert_eq!(lines_to_end, memchr_count(&data[start..start + e]), "newlines up to the end");
            out.extend(records(&data[start..start + e], delim, line));
            line += lines_to_end;
            rest_lines -= lines_to_end;
            start += e;
        }
    }
    out.extend(records(&data[start..], delim, line));
    out
}

fn temp_path(ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tianfu-fuzz-{}.{ext}", std::process::id()))
}

fn header(delim: u8) -> Vec<u8> {
    let t = Entity::Student.template();
    let mut h = t.fields.iter().map(|f| f.zh).collect::<Vec<_>>().join(&(delim as char).to_string()).into_bytes();
    h.push(b'\n');
    h
}

/// A workbook whose first sheet is `sheet` (stored, not compressed), with shared strings holding
/// the student headers (indices 0..) and a date style (s="1").
fn xlsx(sheet: &[u8]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    static STATIC_PARTS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let parts = STATIC_PARTS.get_or_init(|| {
        let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
        let rel = r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
        let strings: String = Entity::Student.template().fields.iter().map(|f| format!("<si><t>{}</t></si>", f.zh)).collect();
        vec![
            ("xl/workbook.xml", format!(r#"<workbook {ns} {rel}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#)),
            ("xl/_rels/workbook.xml.rels", r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
            ("xl/sharedStrings.xml", format!("<sst {ns}>{strings}</sst>")),
            ("xl/styles.xml", format!(r#"<styleSheet {ns}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#)),
        ]
    });
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in parts {
        z.start_file(*name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    z.write_all(sheet).unwrap();
    z.finish().unwrap().into_inner()
}

fuzz_target!(|data: &[u8]| {
    // The parser and the splitter, with both delimiters.
    for delim in [b',', b'\t'] {
        let whole = records(data, delim, 1);
        for step in [1, 7, 64, 4096] {
            let parts = chunked(data, delim, step);
            assert!(parts == whole, "chunked parse (step {step}, delimiter {delim:?}) differs from the whole parse");
        }
    }

    // The whole pipeline, for one input in four (it costs a temp file and three threads): the
    // first byte picks whether and which route.
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 0xC0 != 0 {
        return;
    }
    let tsv = mode & 2 != 0;
    let delim = if tsv { b'\t' } else { b',' };
    let (bytes, ext) = if mode & 8 != 0 {
        (xlsx(rest), "xlsx")
    } else if mode & 1 != 0 {
        // A valid student header in front, so that rows get checked.
        ([header(delim).as_slice(), rest].concat(), if tsv { "tsv" } else { "csv" })
    } else {
        (rest.to_vec(), if tsv { "tsv" } else { "csv" })
    };
    let path = temp_path(ext);
    std::fs::write(&path, &bytes).unwrap();
    let mut opts = Options::new(Entity::Student);
    opts.threads = 1;
    opts.today = Date::new(2026, 6, 1).unwrap();
    opts.encoding = match mode >> 4 & 3 {
        1 => Some(TextEncoding::Gbk),
        2 => Some(TextEncoding::Utf8),
        _ => None,
    };
    if let Ok(r) = ingest::run(&path, &opts, &mut NullSink) {
        assert_eq!(r.rows_read, r.rows_valid + r.rows_rejected, "{r:?}");
        assert_eq!(r.errors.is_empty(), r.rows_rejected == 0, "{r:?}");
        if ext != "xlsx" {
            assert!(r.rows_read + r.blank_rows <= memchr_count(&bytes) + 1, "{r:?}");
        }
    }
});
