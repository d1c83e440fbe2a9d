//! Legacy spreadsheets (.xls, WPS .et, .ods) through the same validation as XLSX: real files
//! from independent writers (tests/fixtures, see scripts/legacy_fixtures.py), and hostile ones
//! made here — each refused with a Chinese message saying what to do, quickly, leaving no copy.

use ingest::errors_file::ErrorsFile;
use ingest::{IngestError, NullSink, Options, Report};
use standard::{Entity, Lang};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tianfu-legacy-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_in(work: &Path, file: &Path) -> Result<Report, IngestError> {
    let mut o = Options::new(Entity::Student);
    o.threads = 1;
    o.work_dir = Some(work.to_path_buf());
    ingest::run(file, &o, &mut NullSink)
}

#[test]
fn xls_et_and_ods_read_like_xlsx() {
    let work = dir("read");
    // A WPS .et in BIFF is the same file under another name: the content decides.
    std::fs::copy(fixture("students.xls"), work.join("学生.et")).unwrap();
    for (file, kind) in [(fixture("students.xls"), "xls"), (work.join("学生.et"), "xls"), (fixture("students.ods"), "ods")] {
        let r = run_in(&work, &file).unwrap_or_else(|e| panic!("{}: {}", file.display(), e.zh()));
        assert_eq!((r.rows_read, r.rows_valid, r.rows_rejected), (3, 2, 1), "{kind}: {:?}", r.errors);
        assert_eq!(r.errors.get("id_check_digit"), Some(&1), "{kind}: {:?}", r.errors);
        assert_eq!(r.encoding, kind);
        assert!(r.unknown_columns.is_empty(), "{:?}", r.unknown_columns);
        // Real date cells arrive as dates, numbers without ".0": nothing needed normalising.
        assert!(r.warnings.is_empty(), "{kind}: {:?}", r.warnings);
        // The rejected row keeps its sheet row number and its values as shown in the sheet.
        let out = work.join(format!("errors-{kind}.xlsx"));
        let mut sink = ErrorsFile::create(&out, Lang::Zh).unwrap();
        let mut o = Options::new(Entity::Student);
        o.work_dir = Some(work.clone());
        ingest::run(&file, &o, &mut sink).unwrap();
        sink.finish().unwrap();
        let rows = ingest::xlsx::Workbook::open(&out).unwrap().collect(None, 10, 1 << 20).unwrap();
        assert_eq!(rows.len(), 2, "{kind}: header and one rejected row");
        assert_eq!(rows[1].1[0], "4", "{kind}: line");
        assert!(rows[1].1.contains(&"2012-09-01".to_string()) && rows[1].1.contains(&"旧格式三".to_string()), "{kind}: {:?}", rows[1].1);
        std::fs::remove_file(&out).unwrap();
    }
    let left: Vec<_> = std::fs::read_dir(&work).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("学生.et")], "the converted copies are removed");
    let _ = std::fs::remove_dir_all(&work);
}

/// An .ods written here: `rows` of XML inside one table.
fn ods(path: &Path, rows: &str) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    z.start_file("META-INF/manifest.xml", deflated).unwrap();
    z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    z.start_file("content.xml", deflated).unwrap();
    write!(z, r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="s">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#).unwrap();
    z.finish().unwrap();
}

fn refused(work: &Path, file: &Path) -> String {
    let t = Instant::now();
    let r = run_in(work, file);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    match r {
        Err(e @ IngestError::Legacy { .. }) => {
            let zh = e.zh();
            assert!(zh.contains("另存为 XLSX 格式"), "{zh}");
            // No English words of the reader in the Chinese message (the file's own name aside):
            // the programs' names, format names in capitals and MB only (issue 12).
            let name = file.display().to_string();
            let mut rest = zh.replace(&name, "");
            for ok in ["Excel", "WPS", "XLSX", "XLS", "ET", "ODS", "CSV", "MB"] {
                rest = rest.replace(ok, "");
            }
            assert!(!rest.chars().any(|c| c.is_ascii_alphabetic()), "{zh}");
            assert!(!e.to_string().contains("tianfu-legacy-") || e.to_string().starts_with(&file.display().to_string()), "{e}");
            zh
        }
        other => panic!("{}: {other:?}", file.display()),
    }
}

#[test]
fn hostile_legacy_files_are_refused_in_chinese() {
    let work = dir("hostile");
    // A damaged compound file.
    let junk = work.join("坏.xls");
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend((0..8192u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    std::fs::write(&junk, &bytes).unwrap();
    assert!(refused(&work, &junk).contains("无法读取") || refused(&work, &junk).contains("已损坏"));
    // Over the size cap: refused before it is read.
    let big = work.join("大.xls");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(ingest::legacy::MAX_BYTES + 1).unwrap();
    drop(f);
    let mut f = std::fs::OpenOptions::new().write(true).open(&big).unwrap();
    f.write_all(&bytes[..8]).unwrap();
    drop(f);
    assert!(refused(&work, &big).contains("16 MB"));
    // A row of 16,384 values repeated a million times: a few hundred bytes that would unfold to
    // 17 billion cells. Measured and refused before the reader sees it.
    let bomb = work.join("炸弹.ods");
    ods(&bomb, r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>"#);
    assert!(refused(&work, &bomb).contains("单元格"));
    // The same in BIFF: two cells at A1 and IV65536 (written by xlwt) would unfold to a whole
    // sheet of 16.7 million cells; measured through the compound file and refused.
    assert!(refused(&work, &fixture("sparse.xls")).contains("单元格"));
    // LibreOffice's trailing empty million rows cost nothing: a small sheet with them is read.
    let fine = work.join("尾部空行.ods");
    ods(&fine, r#"<table:table-row><table:table-cell office:value-type="string"><text:p>学籍号</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1022"/></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>G1</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>张三</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#);
    // (Read, and judged by its header: this student file lacks the ID number column.)
    let t = Instant::now();
    assert!(matches!(run_in(&work, &fine), Err(IngestError::MissingColumns { .. })));
    assert!(t.elapsed() < Duration::from_secs(10));
    // A zip that calls itself an .ods but has no content.
    let empty = work.join("空.ods");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&empty).unwrap());
        z.start_file("mimetype", zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
        z.finish().unwrap();
    }
    refused(&work, &empty);
    // A sheet that is not there.
    let mut o = Options::new(Entity::Student);
    o.sheet = Some("没有".into());
    o.work_dir = Some(work.clone());
    match ingest::run(&fixture("students.xls"), &o, &mut NullSink) {
        Err(e @ IngestError::Legacy { .. }) => assert!(e.zh().contains("学生名单"), "{}", e.zh()),
        other => panic!("{other:?}"),
    }
    for e in std::fs::read_dir(&work).unwrap() {
        let n = e.unwrap().file_name().into_string().unwrap();
        assert!(!n.starts_with(".tianfu-legacy-"), "a copy was left: {n}");
    }
    let _ = std::fs::remove_dir_all(&work);
}
