//! The streaming XLSX reader gives the same rows as the reader it replaced (kept as an oracle in
//! tests/support/old_xlsx.rs) on what Excel, WPS, LibreOffice and rust_xlsxwriter write, and
//! `ingest::run` gives the same results on a workbook as on the CSV file it was made from.

#[path = "support/old_xlsx.rs"]
mod old_xlsx;

use ingest::{Options, RejectedRow, Report, Sink};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use standard::{Date, Entity};
use std::io::Write;
use std::path::{Path, PathBuf};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("tianfu-xlsx-eq-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

type Rows = Vec<(u64, Vec<String>)>;

fn old_rows(path: &Path, sheet: Option<&str>) -> Rows {
    let mut wb = old_xlsx::Workbook::open(path).unwrap();
    let mut rows = Vec::new();
    wb.rows(sheet, |n, cells| {
        rows.push((n, cells.to_vec()));
        true
    })
    .unwrap();
    rows
}

fn new_rows(path: &Path, sheet: Option<&str>) -> Rows {
    let mut wb = ingest::xlsx::Workbook::open(path).unwrap();
    let mut rows = Vec::new();
    wb.rows(sheet, |n, cells| {
        rows.push((n, cells.to_vec()));
        true
    })
    .unwrap();
    rows
}

fn assert_same(path: &Path, sheet: Option<&str>) -> Rows {
    assert_same_but(path, sheet, |_| {})
}

/// As [`assert_same`], after `fix` corrects the old reader's rows where it was wrong.
fn assert_same_but(path: &Path, sheet: Option<&str>, fix: impl Fn(&mut Rows)) -> Rows {
    let (mut old, new) = (old_rows(path, sheet), new_rows(path, sheet));
    fix(&mut old);
    assert_eq!(old.len(), new.len(), "{}: row count", path.display());
    for (o, n) in old.iter().zip(&new) {
        assert_eq!(o, n, "{}", path.display());
    }
    new
}

/// Every kind of cell rust_xlsxwriter writes, in a shared-string workbook (its normal mode, as
/// Excel and WPS write) and an inline-string one (its constant-memory mode).
#[test]
fn rust_xlsxwriter_cells_read_as_before() {
    let d = TempDir::new("writer");
    for inline in [false, true] {
        let p = d.join(if inline { "inline.xlsx" } else { "shared.xlsx" });
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let cn_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        let builtin_date = Format::new().set_num_format_index(14);
        let bold = Format::new().set_bold();
        let red = Format::new().set_font_color(rust_xlsxwriter::Color::Red);
        let ws = if inline { wb.add_worksheet_with_constant_memory().unwrap() } else { wb.add_worksheet() };
        ws.set_name("学生").unwrap();
        let texts = ["学籍号", " leading", "trailing ", "a & b < c > d \"q\" 'a'", "中文\n换行\t制表", "😀 emoji", "=1+1", "", "  ", "0123", "1.50"];
        for (c, t) in texts.iter().enumerate() {
            ws.write_string(0, c as u16, *t).unwrap();
        }
        let numbers = [0.0, 1.0, -1.0, 40422.0, 104.5, 1e15, 1e16, 123456789012345.0, 0.1 + 0.2, -0.0, 2.5e-7];
        for (c, x) in numbers.iter().enumerate() {
            ws.write_number(1, c as u16, *x).unwrap();
        }
        let dt = ExcelDateTime::from_ymd(2010, 9, 1).unwrap();
        ws.write_datetime_with_format(2, 0, &dt, &date).unwrap();
        ws.write_datetime_with_format(2, 1, &dt, &cn_date).unwrap();
        ws.write_datetime_with_format(2, 2, &dt, &builtin_date).unwrap();
        ws.write_datetime_with_format(2, 3, ExcelDateTime::parse_from_str("2010-09-01 18:30:00").unwrap(), &date).unwrap();
        ws.write_boolean(2, 4, true).unwrap();
        ws.write_boolean(2, 5, false).unwrap();
        ws.write_formula(2, 6, Formula::new("=\"a\"&\"b\"").set_result("ab")).unwrap();
        ws.write_formula(2, 7, Formula::new("=1+2").set_result("3")).unwrap();
        ws.write_blank(2, 8, &bold).unwrap();
        ws.write_rich_string(2, 9, &[(&bold, "粗体"), (&red, "红色"), (&Format::default(), " plain")]).unwrap();
        ws.write_string_with_format(2, 10, "bold text", &bold).unwrap();
        // A sparse row far out, and a gap of rows.
        ws.write_string(9, 3, "D10").unwrap();
        ws.write_string(9, 700, "AAY10").unwrap();
        ws.write_number(20, 16_383, 7.0).unwrap();
        for r in 30..2030u32 {
            ws.write_string(r, 0, format!("行{r}")).unwrap();
            ws.write_number(r, 1, r as f64 * 1.25).unwrap();
            ws.write_string(r, 2, "重复的文字").unwrap();
        }
        wb.save(&p).unwrap();
        let rows = assert_same(&p, Some("学生"));
        assert_eq!(rows[0].1[3], "a & b < c > d \"q\" 'a'");
        assert_eq!(rows[0].1[1], " leading");
        assert_eq!(rows[2].1[1], "40422");
        assert_eq!(rows[2].1[9], "粗体红色 plain");
        assert_eq!(rows[3].0, 10);
        assert_eq!(rows[4].1.len(), 16_384);
        assert_eq!(rows.len(), 5 + 2000);
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#;

/// A workbook from parts written by hand: (path in the archive, text).
pub fn zip_parts(path: &Path, parts: &[(&str, &str)]) {
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    z.start_file("[Content_Types].xml", opts).unwrap();
    z.write_all(CONTENT_TYPES.as_bytes()).unwrap();
    for (name, text) in parts {
        z.start_file(*name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id='rId2' Type="x" Target="/xl/worksheets/sheet2.xml"/></Relationships>"#;

/// What other writers do: the `x:` prefix (the .NET Open XML SDK), cells and rows without `r`
/// (some exporters), empty `<c/>`, formula results, errors, booleans, entities and character
/// references, `xml:space`, CDATA, comments, CRLF between tags, rich text and phonetic runs in
/// shared strings, an empty `<si/>`, single-quoted attributes, `>` inside an attribute.
#[test]
fn hand_written_workbooks_read_as_before() {
    let d = TempDir::new("hand");
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="名单 &amp; 表" sheetId="1" r:id="rId1"/><x:sheet name='Two' sheetId="2" r:id="rId2"/></x:sheets></x:workbook>"#;
    let shared = r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6"><si><t>张三</t></si><si><r><rPr><b/></rPr><t xml:space="preserve">富 </t></r><r><t>文本</t></r></si><si/><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si><si><t>&amp;&lt;&#x4E2D;&#25991;</t></si><si><t><![CDATA[<raw & cdata>]]></t></si></sst>"#;
    let styles = r#"<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;
    let sheet1 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><x:dimension ref=\"A1:C2\"/><!-- a comment <row> --><x:sheetData>\r\n\
<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"B1\" t=\"s\"><x:v>1</x:v></x:c><x:c r=\"C1\" t=\"s\"><x:v>2</x:v></x:c><x:c r=\"D1\" t=\"s\"><x:v>3</x:v></x:c><x:c r=\"E1\" t=\"s\"><x:v>4</x:v></x:c><x:c r=\"F1\" t=\"s\"><x:v>5</x:v></x:c><x:c r=\"G1\" t=\"s\"><x:v> 99 </x:v></x:c></x:row>\r\n\
<x:row><x:c><x:v>1</x:v></x:c><x:c/><x:c t=\"b\"><x:v>1</x:v></x:c><x:c t=\"b\"><x:v>0</x:v></x:c><x:c t=\"e\"><x:v>#N/A</x:v></x:c><x:c t=\"str\"><x:f>A1&amp;\"x\"</x:f><x:v>张三x</x:v></x:c><x:c s=\"1\"><x:v>40422.5</x:v></x:c><x:c s=\"2\"><x:v>40422</x:v></x:c><x:c s=\"1\"><x:v>not a number</x:v></x:c></x:row>\r\n\
<x:row r=\"5\" spans=\"1:3\"><x:c r=\"C5\" t=\"inlineStr\"><x:is><x:t xml:space=\"preserve\">  空格  </x:t></x:is></x:c><x:c r=\"A5\" t='inlineStr'><x:is><x:r><x:t>a</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>&gt;b</x:t></x:r></x:is></x:c><x:c r=\"E5\" data=\"x>y\"><x:v>-3.25</x:v></x:c></x:row>\r\n\
<x:row r=\"6\"/><x:row r=\"7\"><x:c r=\"B7\" s=\"3\"/></x:row><x:row r=\"8\"><x:c r=\"A8\"><x:v>1E+3</x:v></x:c><x:c r=\"B8\" t=\"d\"><x:v>2010-09-01</x:v></x:c><x:c r=\"C8\" t=\"s\"><x:v>999</x:v></x:c><x:c r=\"D8\"></x:c></x:row>\r\n\
</x:sheetData><x:mergeCells count=\"1\"><x:mergeCell ref=\"A1:B1\"/></x:mergeCells></x:worksheet>";
    let sheet2 = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>two</t></is></c></row></sheetData></worksheet>"#;
    let p = d.join("hand.xlsx");
    zip_parts(
        &p,
        &[
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", RELS),
            ("xl/sharedStrings.xml", shared),
            ("xl/styles.xml", styles),
            ("xl/worksheets/sheet1.xml", sheet1),
            ("xl/worksheets/sheet2.xml", sheet2),
        ],
    );
    // The old reader dropped a shared string's CDATA section; the new one keeps its text.
    let cdata = |old: &mut Rows| {
        assert_eq!(old[0].1[5], "");
        old[0].1[5] = "<raw & cdata>".into();
    };
    let rows = assert_same_but(&p, None, cdata);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(rows[0], (1, s(&["张三", "富 文本", "", "東京", "&<中文", "<raw & cdata>", ""])));
    assert_eq!(rows[1], (2, s(&["1", "", "TRUE", "FALSE", "#N/A", "张三x", "40422", "40422", "not a number"])));
    assert_eq!(rows[2], (5, s(&["a>b", "", "  空格  ", "", "-3.25"])));
    assert_eq!(rows[3], (7, s(&[])));
    assert_eq!(rows[4], (8, s(&["1000", "2010-09-01", "", ""])));
    assert_same_but(&p, Some("名单 & 表"), cdata);
    assert_eq!(assert_same(&p, Some("Two")), vec![(1, s(&["two"]))]);
}

/// Collects what a sink is given.
#[derive(Default)]
struct Collect {
    rejected: Vec<(u64, Vec<String>, Vec<String>)>,
    valid: Vec<(u64, Vec<String>)>,
}

impl Sink for Collect {
    fn valid(&mut self, line: u64, values: &[&str]) -> Result<(), String> {
        self.valid.push((line, values.iter().map(|v| v.to_string()).collect()));
        Ok(())
    }
    fn rejected(&mut self, row: &RejectedRow) -> Result<(), String> {
        let mut raw = row.raw.clone();
        // A CSV row keeps its trailing empty fields; a sheet row ends at its last cell.
        while raw.last().is_some_and(String::is_empty) {
            raw.pop();
        }
        let codes = row.violations.iter().map(|v| format!("{}:{:?}", v.rule.code(), v.field)).collect();
        self.rejected.push((row.line, raw, codes));
        Ok(())
    }
}

fn run(path: &Path, entity: Entity, today: Date) -> (Report, Collect) {
    let mut opts = Options::new(entity);
    opts.today = today;
    opts.keep_valid = true;
    let mut sink = Collect::default();
    let r = ingest::run(path, &opts, &mut sink).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (r, sink)
}

/// The CSV file's cells as text cells of a workbook.
fn csv_to_xlsx(csv: &Path, xlsx: &Path, inline: bool) {
    let bytes = std::fs::read(csv).unwrap();
    let mut wb = Workbook::new();
    let ws = if inline { wb.add_worksheet_with_constant_memory().unwrap() } else { wb.add_worksheet() };
    let mut p = ingest::csv::Parser::new(&bytes, b',', 1);
    let mut rec = ingest::csv::Record::default();
    let mut row = 0u32;
    while p.next_into(&mut rec) {
        for c in 0..rec.len() {
            let cell = std::str::from_utf8(rec.field(c)).unwrap();
            if !cell.is_empty() {
                ws.write_string(row, c as u16, cell).unwrap();
            }
        }
        row += 1;
    }
    wb.save(xlsx).unwrap();
}

/// Schools, teachers and students of the demo province (with its planted errors and warnings)
/// as CSV and as both kinds of workbook: the same counts, the same rejected rows with the same
/// rules, the same valid values; and the old reader agrees on every row of the workbooks.
#[test]
fn demo_files_validate_the_same_as_csv() {
    let d = TempDir::new("demo");
    let today = Date::new(2025, 11, 1).unwrap();
    let mut g = demo::GenOptions::new(3_000, 7, today);
    g.error_rate = 0.05;
    g.warning_rate = 0.05;
    demo::generate(&g, &d).unwrap();
    for (file, entity) in [("schools.csv", Entity::School), ("teachers.csv", Entity::Teacher), ("students.csv", Entity::Student)] {
        let csv = d.join(file);
        let (want, want_rows) = run(&csv, entity, today);
        assert!(want.rows_rejected > 0 && want.rows_valid > 0, "{file}: {want:?}");
        for inline in [false, true] {
            let xlsx = d.join(format!("{file}-{inline}.xlsx"));
            csv_to_xlsx(&csv, &xlsx, inline);
            assert_same(&xlsx, None);
            let (got, got_rows) = run(&xlsx, entity, today);
            let what = format!("{file} as {} strings", if inline { "inline" } else { "shared" });
            assert_eq!(got.encoding, "xlsx");
            assert_eq!(
                (got.rows_read, got.rows_valid, got.rows_rejected, got.blank_rows),
                (want.rows_read, want.rows_valid, want.rows_rejected, want.blank_rows),
                "{what}"
            );
            assert_eq!(got.errors, want.errors, "{what}");
            assert_eq!(got.warnings, want.warnings, "{what}");
            assert_eq!(got.unknown_columns, want.unknown_columns, "{what}");
            assert_eq!(got_rows.rejected, want_rows.rejected, "{what}");
            assert_eq!(got_rows.valid, want_rows.valid, "{what}");
        }
    }
}

/// Sheets written with random choices among what writers do (prefixes, quotes, white space
/// between elements, references present or not, every cell type, entities, long texts that
/// cross the reader's 256 KiB blocks): the new reader, whose fast road takes the plain shapes
/// and whose general scanner takes the rest, gives the old reader's rows on each.
#[test]
fn random_sheets_read_as_before() {
    let d = TempDir::new("random");
    let mut seed = 0x0123_4567_89AB_CDEFu64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let texts = ["张三", "a&amp;b", "&lt;tag&gt;", "&#x4E2D;&#25991;", " spaced ", "", "x\"y", "line\nbreak", "40422", "1.5"];
    for case in 0..60 {
        let prefix = if next(3) == 0 { "x:" } else { "" };
        let ws = if next(3) == 0 { "\n  " } else { "" };
        let q = if next(4) == 0 { '\'' } else { '"' };
        let mut shared: Vec<String> = Vec::new();
        let mut sheet = format!("<{prefix}worksheet xmlns{}=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><{prefix}sheetData>", if prefix.is_empty() { "" } else { ":x" });
        let rows = 1 + next(if case % 10 == 0 { 3000 } else { 40 });
        let mut r = 0;
        for _ in 0..rows {
            r += 1 + next(3) * next(2);
            let with_r = next(4) != 0;
            sheet += &if with_r { format!("{ws}<{prefix}row r={q}{r}{q}>") } else { format!("{ws}<{prefix}row>") };
            let mut col = 0;
            for _ in 0..next(12) {
                col += 1 + next(2) * next(3);
                let reference = if with_r && next(5) != 0 { format!(" r={q}{}{r}{q}", col_name(col)) } else { String::new() };
                let style = if next(3) == 0 { format!(" s={q}{}{q}", next(3)) } else { String::new() };
                let text = if next(20) == 0 { "长".repeat(1 + next(32_767) as usize) } else { texts[next(texts.len() as u64) as usize].to_string() };
                let (t, body) = match next(7) {
                    0 => ("s", {
                        shared.push(text);
                        format!("<{prefix}v>{}</{prefix}v>", shared.len() - 1)
                    }),
                    1 => ("inlineStr", format!("<{prefix}is>{ws}<{prefix}t xml:space=\"preserve\">{text}</{prefix}t></{prefix}is>")),
                    2 => ("b", format!("<{prefix}v>{}</{prefix}v>", next(2))),
                    3 => ("str", format!("<{prefix}f>A1&amp;B1</{prefix}f><{prefix}v>{text}</{prefix}v>")),
                    4 => ("", String::new()),
                    _ => ("n", format!("<{prefix}v>{}</{prefix}v>", ["12", "-3.5", "40422.75", "1E3", "007", " 8 "][next(6) as usize])),
                };
                let t = if t.is_empty() || (t == "n" && next(2) == 0) { String::new() } else { format!(" t={q}{t}{q}") };
                sheet += &if body.is_empty() && next(2) == 0 {
                    format!("<{prefix}c{reference}{style}{t}/>")
                } else {
                    format!("<{prefix}c{reference}{style}{t}>{ws}{body}</{prefix}c>")
                };
            }
            sheet += &format!("</{prefix}row>");
        }
        sheet += &format!("</{prefix}sheetData></{prefix}worksheet>");
        let sst = format!("<sst>{}</sst>", shared.iter().map(|s| format!("<si><t>{s}</t></si>")).collect::<String>());
        let styles = r#"<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="49"/></cellXfs></styleSheet>"#;
        let workbook = r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
        let p = d.join(format!("r{case}.xlsx"));
        zip_parts(
            &p,
            &[("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", RELS), ("xl/sharedStrings.xml", &sst), ("xl/styles.xml", styles), ("xl/worksheets/sheet1.xml", &sheet)],
        );
        assert_same(&p, None);
    }
}

fn col_name(c: u64) -> String {
    let mut n = c;
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}
