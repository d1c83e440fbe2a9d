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
