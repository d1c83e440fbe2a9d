//! The import templates: a real workbook whose data sheet has the Chinese header, drop-down
//! lists and an example row that the importer itself accepts, unchanged.

use ingest::xlsx::Workbook;
use ingest::{NullSink, Options};
use standard::Entity;
use std::io::Read;

#[test]
fn each_template_reads_back_and_its_example_row_is_valid() {
    let dir = std::env::temp_dir().join(format!("tianfu-templates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for e in Entity::ALL {
        let bytes = ingest::template::entity_template(e, 51).unwrap();
        let path = dir.join(format!("{}.xlsx", e.key()));
        std::fs::write(&path, &bytes).unwrap();

        // Three sheets, the data first; its header is the template's Chinese headers.
        let mut wb = Workbook::open(&path).unwrap();
        let names: Vec<&str> = wb.sheets.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, [e.zh(), "填写说明", "代码表"], "{e}");
        let rows = wb.collect(None, 10, 1 << 20).unwrap();
        let fields = e.template().fields;
        let header: Vec<String> = fields.iter().map(|f| if f.required == standard::Required::Yes { format!("{}*", f.zh) } else { f.zh.to_string() }).collect();
        assert_eq!(rows[0].1, header, "{e}");
        assert_eq!(rows[1].1, e.example(), "{e}");
        assert_eq!(rows.len(), 2, "{e}: the header and one example");
        // The explanation sheet has a row per column.
        let help = wb.collect(Some("填写说明"), 100, 1 << 20).unwrap();
        for f in fields {
            assert!(help.iter().any(|(_, r)| r.first().map(String::as_str) == Some(f.zh)), "{e}: {} not explained", f.zh);
        }

        // Coded columns carry a list validation pointing at the 代码表 sheet.
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
        let coded = fields.iter().filter(|f| f.choices(51).is_some()).count();
        assert!(coded > 0, "{e}");
        assert_eq!(xml.matches("<dataValidation ").count(), coded, "{e}");
        assert!(xml.contains("type=\"list\"") && xml.contains("代码表!$A$2"), "{e}");

        // The importer accepts the template as downloaded: one row, valid, no unknown column.
        let mut o = Options::new(e);
        o.threads = 1;
        let r = ingest::run(&path, &o, &mut NullSink).unwrap();
        assert_eq!((r.rows_read, r.rows_valid, r.rows_rejected), (1, 1, 0), "{e}: {:?}", r.errors);
        assert!(r.unknown_columns.is_empty(), "{e}: {:?}", r.unknown_columns);
        assert!(r.warnings.is_empty(), "{e}: {:?}", r.warnings);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The 办学条件 template reads back with its header, its example row passes the standard's
/// checker unchanged, and its coded columns (是否) carry drop-downs.
#[test]
fn the_conditions_template_reads_back_and_its_example_passes() {
    let dir = std::env::temp_dir().join(format!("tianfu-conditions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("conditions.xlsx");
    std::fs::write(&path, ingest::template::conditions_template(51).unwrap()).unwrap();
    let mut wb = Workbook::open(&path).unwrap();
    let names: Vec<&str> = wb.sheets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["办学条件", "填写说明", "代码表"]);
    let rows = wb.collect(None, 10, 1 << 20).unwrap();
    let t = &standard::CONDITIONS;
    let header: Vec<String> = t.fields.iter().map(|f| if f.required == standard::Required::Yes { format!("{}*", f.zh) } else { f.zh.to_string() }).collect();
    assert_eq!(rows[0].1, header);
    assert_eq!(rows[1].1, standard::template::conditions_example());
    // The header read back maps to the template's fields in order.
    for (i, h) in rows[0].1.iter().enumerate() {
        assert_eq!(t.match_header(h), Some(i), "{h}");
    }
    let ctx = standard::Context { today: standard::Date::new(2026, 11, 29).unwrap(), province: 51, schools: None, scope: None };
    let mut c = standard::RowChecker::for_template(t, ctx);
    assert!(c.check(rows[1].1.iter().map(String::as_str)).is_valid(), "{:?}", c.out.violations);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert_eq!(xml.matches("<dataValidation ").count(), 2, "county_public, teaching_point");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The console's error workbook is written from stored rule codes, without the field: an empty
/// required cell is marked (highlighted, with a note) all the same.
#[test]
fn empty_required_cells_are_marked_in_the_error_workbook() {
    use ingest::errors_file::ErrorsFile;
    use ingest::{Columns, RejectedRow, Sink};
    use standard::{Lang, Rule, Violation};
    let dir = std::env::temp_dir().join(format!("tianfu-errors-required-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("errors.xlsx");
    let t = Entity::Student.template();
    let headers: Vec<String> = t.fields.iter().map(|f| f.zh.to_string()).collect();
    let columns = Columns::map(Entity::Student, headers).unwrap();
    let mut raw = Entity::Student.example();
    let (name, id) = (t.index("name").unwrap(), t.index("id_number").unwrap());
    raw[name] = "  ".into();
    raw[id] = String::new();
    let mut sink = ErrorsFile::create(&path, Lang::Zh).unwrap();
    sink.begin(&columns).unwrap();
    sink.rejected(&RejectedRow { line: 2, raw: raw.clone(), violations: vec![Violation { rule: Rule::RequiredMissing, field: None }] }).unwrap();
    // Another document than the resident ID card (6, a Hong Kong one) needs no ID number: only
    // the name is marked.
    raw[t.index("id_type").unwrap()] = "6".into();
    sink.rejected(&RejectedRow { line: 3, raw, violations: vec![Violation { rule: Rule::RequiredMissing, field: None }] }).unwrap();
    sink.finish().unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/comments1.xml").unwrap().read_to_string(&mut xml).unwrap();
    let cell = |row: u32, field: usize| format!("ref=\"{}{row}\"", ingest::xlsx::column_name(field + 3));
    assert!(xml.contains(&cell(2, name)) && xml.contains(&cell(2, id)), "{xml}");
    assert!(xml.contains(&cell(3, name)) && !xml.contains(&cell(3, id)), "{xml}");
    assert!(xml.contains("required_missing"));
    let _ = std::fs::remove_dir_all(&dir);
}
