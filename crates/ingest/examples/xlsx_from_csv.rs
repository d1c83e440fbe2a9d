//! Writes a CSV file (UTF-8, comma-separated, as `tianfu demo generate` writes them) as an XLSX
//! workbook with the same cells, as text, for the XLSX benchmarks and tests:
//!
//!     cargo run --release -p ingest --example xlsx_from_csv -- IN.csv OUT.xlsx inline|shared
//!
//! `inline`: every cell `t="inlineStr"`, as rust_xlsxwriter's constant-memory mode writes (the
//! sheet streams to a temporary file). `shared`: `t="s"` cells and a shared-string table
//! (`xl/sharedStrings.xml`), as Excel and WPS write them (rust_xlsxwriter's normal mode).

use ingest::csv::{Parser, Record};
use rust_xlsxwriter::Workbook;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, mode] = args.as_slice() else {
        eprintln!("usage: xlsx_from_csv IN.csv OUT.xlsx inline|shared");
        std::process::exit(2);
    };
    let bytes = std::fs::read(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut wb = Workbook::new();
    let ws = match mode.as_str() {
        "inline" => wb.add_worksheet_with_constant_memory().expect("a temporary file for the sheet"),
        "shared" => wb.add_worksheet(),
        _ => {
            eprintln!("the mode is inline or shared, not {mode}");
            std::process::exit(2);
        }
    };
    let mut parser = Parser::new(bytes, b',', 1);
    let mut rec = Record::default();
    let mut row = 0u32;
    while parser.next_into(&mut rec) {
        for c in 0..rec.len() {
            let cell = std::str::from_utf8(rec.field(c)).expect("the CSV is UTF-8");
            if !cell.is_empty() {
                ws.write_string(row, c as u16, cell).expect("write a cell");
            }
        }
        row += 1;
    }
    wb.save(output).unwrap_or_else(|e| panic!("{output}: {e}"));
    eprintln!("{output}: {row} rows ({mode} strings)");
}
