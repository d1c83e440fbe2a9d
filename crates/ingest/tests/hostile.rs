//! Hostile input: truncated, oversized, binary, mis-encoded and zip-bomb files. Each must give a
//! clear error or exact counts, quickly, and never panic or hang. Every `ingest::run` call runs
//! in its own thread and fails the test if it takes more than 30 s (debug build).

use ingest::xlsx::XlsxError;
use ingest::{IngestError, NullSink, Options, Report};
use standard::ids::id_check_char;
use standard::template::STUDENT;
use standard::Entity;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

/// A fresh, empty folder for one test, removed when the test passes (kept for a look when it fails).
fn dir(name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("tianfu-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

struct TempDir(PathBuf);

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

/// `ingest::run` for the student entity, bounded in time; a panic inside fails the test.
fn run(path: &Path) -> Result<Report, IngestError> {
    let p = path.to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("hostile-run".into())
        .spawn(move || {
            let r = ingest::run(&p, &Options::new(Entity::Student), &mut NullSink);
            let _ = tx.send(r);
        })
        .unwrap();
    match rx.recv_timeout(LIMIT) {
        Ok(r) => r,
        Err(RecvTimeoutError::Timeout) => panic!("ingest::run on {} took more than {LIMIT:?}", path.display()),
        Err(RecvTimeoutError::Disconnected) => panic!("ingest::run panicked on {}", path.display()),
    }
}

fn ok(path: &Path) -> Report {
    match run(path) {
        Ok(r) => r,
        Err(e) => panic!("{}: unexpected error: {e}", path.display()),
    }
}

/// Rows read = valid + rejected, and the given counts.
fn assert_counts(r: &Report, read: u64, valid: u64) {
    assert_eq!(r.rows_read, r.rows_valid + r.rows_rejected, "{r:?}");
    assert_eq!((r.rows_read, r.rows_valid, r.rows_rejected), (read, valid, read - valid), "{r:?}");
}

fn errors(r: &Report, code: &str) -> u64 {
    r.errors.get(code).copied().unwrap_or(0)
}

fn col(key: &str) -> usize {
    STUDENT.index(key).unwrap_or_else(|| panic!("no field {key}"))
}

fn header() -> String {
    STUDENT.fields.iter().map(|f| f.zh).collect::<Vec<_>>().join(",")
}

/// A GB 11643 ID number with its check character.
fn id(body17: &str) -> String {
    format!("{body17}{}", id_check_char(body17.as_bytes()) as char)
}

/// The fields of valid student row `i` (unique IDs for i < 336,000), in template order.
fn fields(i: usize) -> Vec<String> {
    let (m, d, seq) = (1 + i / 1000 % 12, 1 + i / 12_000 % 28, i % 1000);
    let birth = format!("2010{m:02}{d:02}");
    let idn = id(&format!("510104{birth}{seq:03}"));
    let gender = if seq % 2 == 1 { "1" } else { "2" };
    let mut v = vec![String::new(); STUDENT.fields.len()];
    let mut set = |k: &str, s: String| v[col(k)] = s;
    set("student_id", format!("G{idn}"));
    set("id_type", "1".into());
    set("id_number", idn);
    set("name", format!("学生{i}"));
    set("gender_code", gender.into());
    set("birth_date", format!("2010-{m:02}-{d:02}"));
    set("ethnicity_code", "01".into());
    set("region_code", "510104".into());
    set("school_code", "2151000001".into());
    set("grade", "16".into());
    set("class_name", "3班".into());
    set("enrollment_date", "2016-09".into());
    set("guardian_phone", "13812345678".into());
    set("address", "成都市锦江区人民南路1号".into());
    set("boarding", "1".into());
    set("left_behind", "0".into());
    set("migrant_child", "0".into());
    v
}

fn row(i: usize) -> String {
    fields(i).join(",")
}

/// The header and rows `0..n`, each line ending in `\n`.
fn csv(n: usize) -> String {
    let mut s = header() + "\n";
    for i in 0..n {
        s += &row(i);
        s.push('\n');
    }
    s
}

/// Row `i` as bytes with field `key` replaced by `value`.
fn row_with(i: usize, key: &str, value: &[u8]) -> Vec<u8> {
    let f = fields(i);
    let mut out = Vec::new();
    for (c, v) in f.iter().enumerate() {
        if c > 0 {
            out.push(b',');
        }
        if c == col(key) {
            out.extend_from_slice(value);
        } else {
            out.extend_from_slice(v.as_bytes());
        }
    }
    out
}

/// The header, rows `0..n` with row `k` replaced by `special` (no line end added to it).
fn csv_with(n: usize, k: usize, special: &[u8]) -> Vec<u8> {
    let mut out = (header() + "\n").into_bytes();
    for i in 0..n {
        if i == k {
            out.extend_from_slice(special);
        } else {
            out.extend_from_slice(row(i).as_bytes());
        }
        out.push(b'\n');
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn baseline_rows_are_valid() {
    let d = dir("baseline");
    // 20,000 rows is about 3 MB: more than one 2 MiB chunk.
    let r = ok(&write(&d, "s.csv", csv(20_000).as_bytes()));
    assert_counts(&r, 20_000, 20_000);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

// ---------------------------------------------------------------------------------------------
// Truncated files: the complete rows count, the cut row is reported, not lost.

#[test]
fn truncated_mid_row() {
    let d = dir("trunc-row");
    for n in [10, 20_000] {
        let mut text = csv(n).into_bytes();
        // Cut the next row in the middle of its ID number.
        let next = row(n);
        let cut = next.find(',').unwrap() + 1 + 2 + 9; // past the student ID and "1,", 9 digits in
        text.extend_from_slice(&next.as_bytes()[..cut]);
        let r = ok(&write(&d, &format!("cut{n}.csv"), &text));
        assert_counts(&r, n as u64 + 1, n as u64);
        assert_eq!(errors(&r, "id_format"), 1, "{:?}", r.errors);
    }
}

#[test]
fn truncated_mid_utf8_character() {
    let d = dir("trunc-utf8");
    for n in [10, 20_000] {
        let mut text = csv(n).into_bytes();
        let next = row(n);
        // Cut inside the first character of the address, 成 = E6 88 90, after two of its bytes.
        let at = next.find("成都市").unwrap() + 2;
        text.extend_from_slice(&next.as_bytes()[..at]);
        let r = ok(&write(&d, &format!("cut{n}.csv"), &text));
        assert_counts(&r, n as u64 + 1, n as u64);
        assert_eq!(errors(&r, "encoding_invalid"), 1, "{:?}", r.errors);
    }
}

#[test]
fn truncated_mid_quoted_field() {
    let d = dir("trunc-quote");
    for n in [10, 20_000] {
        let mut text = csv(n).into_bytes();
        let cut = row_with(n, "address", "\"成都市,锦江区\n人民南路1号\"".as_bytes());
        // Keep the opening quote and part of the address, with its comma and line break.
        let at = cut.len() - "民南路1号\",1,0,0".len();
        text.extend_from_slice(&cut[..at]);
        let r = ok(&write(&d, &format!("cut{n}.csv"), &text));
        assert_counts(&r, n as u64 + 1, n as u64);
        assert_eq!(errors(&r, "unbalanced_quote"), 1, "{:?}", r.errors);
    }
}

// ---------------------------------------------------------------------------------------------
// Oversized values, control characters.

#[test]
fn ten_megabyte_address_field() {
    let d = dir("big-address");
    let n = 100;
    // Quoted, with commas inside, 10 MB long. (A line break inside would make it
    // invalid_character, which is checked before the length.)
    let mut big = "\"成都,".as_bytes().to_vec();
    big.resize(big.len() + (10 << 20), b'a');
    big.extend_from_slice(b",\"");
    let text = csv_with(n, 50, &row_with(50, "address", &big));
    let r = ok(&write(&d, "s.csv", &text));
    assert_counts(&r, n as u64, n as u64 - 1);
    assert_eq!(errors(&r, "text_too_long"), 1, "{:?}", r.errors);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
}

#[test]
fn ten_megabyte_name_field() {
    let d = dir("big-name");
    let n = 100;
    let big = "张".repeat((10 << 20) / 3);
    let text = csv_with(n, 0, &row_with(0, "name", big.as_bytes()));
    let r = ok(&write(&d, "s.csv", &text));
    assert_counts(&r, n as u64, n as u64 - 1);
    assert_eq!(errors(&r, "text_too_long"), 1, "{:?}", r.errors);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
}

#[test]
fn nul_bytes_inside_fields() {
    let d = dir("nul");
    let n = 50;
    let mut text = Vec::new();
    for (i, line) in csv(n).lines().enumerate() {
        let l = match i {
            5 => line.replacen("学生4", "学\0生4", 1),
            9 => line.replacen("人民南路", "人民\0\0南路", 1),
            _ => line.to_string(),
        };
        text.extend_from_slice(l.as_bytes());
        text.push(b'\n');
    }
    let r = ok(&write(&d, "s.csv", &text));
    assert_counts(&r, n as u64, n as u64 - 2);
    assert_eq!(errors(&r, "invalid_character"), 2, "{:?}", r.errors);
}

// ---------------------------------------------------------------------------------------------
// Unbalanced quotes.

#[test]
fn unbalanced_quote_in_the_middle_runs_to_the_end() {
    let d = dir("unbalanced");
    // About 5 MB: the quote opens in the first chunk and the record spans the rest of the file.
    let (n, k) = (30_000, 10_000);
    let text = csv_with(n, k, &row_with(k, "address", "\"成都市锦江区".as_bytes()));
    let r = ok(&write(&d, "s.csv", &text));
    assert_counts(&r, k as u64 + 1, k as u64);
    assert_eq!(errors(&r, "unbalanced_quote"), 1, "{:?}", r.errors);
}

#[test]
fn unbalanced_quote_past_64_mib_is_refused() {
    let d = dir("unbalanced-big");
    let p = d.join("s.csv");
    let mut w = BufWriter::new(std::fs::File::create(&p).unwrap());
    w.write_all(csv(100).as_bytes()).unwrap();
    w.write_all(&row_with(100, "address", b"\"never closed")).unwrap();
    w.write_all(b"\n").unwrap();
    // About 70 MB of rows (with no quotes) after it.
    let filler = row(101) + "\n";
    for _ in 0..(70 << 20) / filler.len() {
        w.write_all(filler.as_bytes()).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let started = Instant::now();
    match run(&p) {
        // Header on line 1, rows 0..100 on lines 2..=101, the unclosed one on line 102.
        Err(IngestError::RecordTooLarge { line, limit_mib }) => {
            assert_eq!((line, limit_mib), (102, 64));
        }
        other => panic!("expected RecordTooLarge, got {other:?}"),
    }
    eprintln!("70 MB unbalanced-quote file refused in {:?}", started.elapsed());
    let _ = std::fs::remove_file(&p);
}

#[test]
fn stray_quote_inside_a_field_is_text() {
    let d = dir("stray-quote");
    // A quote in the middle of a field does not open a quoted field: it is a character of the
    // name. Row 200 has a real quoted field with a line break (a two-line address, valid). The
    // file is about 5 MB, so that chunk boundaries must be found around them.
    let n = 30_000;
    let mut text = csv_with(n, 100, &row_with(100, "name", "张\"三".as_bytes()));
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    lines[201] = row_with(200, "address", "\"成都\n锦江\"".as_bytes());
    text = lines.join(&b'\n');
    let r = ok(&write(&d, "s.csv", &text));
    assert_counts(&r, n as u64, n as u64);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

#[test]
fn stray_quote_inside_a_header_cell() {
    let d = dir("stray-quote-header");
    // An extra, unknown column whose name holds a quote: the header is still one line.
    let n = 20;
    let mut text = header() + ",备\"注\n";
    for i in 0..n {
        text += &row(i);
        text += ",x\n";
    }
    let r = ok(&write(&d, "s.csv", text.as_bytes()));
    assert_eq!(r.unknown_columns, vec!["备\"注".to_string()]);
    assert_counts(&r, n as u64, n as u64);
}

#[test]
fn stray_quote_inside_a_field_in_a_large_file() {
    let d = dir("stray-quote-big");
    let p = d.join("s.csv");
    let mut w = BufWriter::new(std::fs::File::create(&p).unwrap());
    w.write_all(header().as_bytes()).unwrap();
    w.write_all(b"\n").unwrap();
    w.write_all(&row_with(0, "name", "张\"三".as_bytes())).unwrap();
    w.write_all(b"\n").unwrap();
    // About 70 MB of rows with no quote after it: no record is open, nothing is too large.
    let n = (70 << 20) / (row(1).len() + 1);
    for i in 1..n {
        w.write_all(row(i % 300_000 + 1).as_bytes()).unwrap();
        w.write_all(b"\n").unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let r = ok(&p);
    assert_eq!(r.rows_read, n as u64);
    assert_eq!(r.rows_read, r.rows_valid + r.rows_rejected);
    let _ = std::fs::remove_file(&p);
}

#[test]
fn unbalanced_quote_in_the_header_past_64_mib_is_refused() {
    let d = dir("unbalanced-header");
    let p = d.join("s.csv");
    let mut w = BufWriter::new(std::fs::File::create(&p).unwrap());
    w.write_all(header().as_bytes()).unwrap();
    w.write_all(b",\"remark\n").unwrap();
    let filler = row(1) + "\n";
    for _ in 0..(70 << 20) / filler.len() {
        w.write_all(filler.as_bytes()).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    match run(&p) {
        Err(IngestError::RecordTooLarge { line, limit_mib }) => assert_eq!((line, limit_mib), (1, 64)),
        other => panic!("expected RecordTooLarge, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// A million columns.

#[test]
fn header_with_a_million_columns() {
    let d = dir("wide-header");
    let mut text = header();
    for i in 0..1_000_000 {
        text += if i % 2 == 0 { ",c" } else { ",x" };
    }
    text += "\n";
    text += &row(0);
    text += "\n";
    match run(&write(&d, "s.csv", text.as_bytes())) {
        Err(IngestError::TooManyColumns { found, max }) => {
            assert_eq!(max, ingest::columns::MAX_HEADER_COLUMNS);
            assert_eq!(found, STUDENT.fields.len() + 1_000_000);
        }
        other => panic!("expected TooManyColumns, got {other:?}"),
    }
}

#[test]
fn data_row_with_a_million_columns() {
    let d = dir("wide-row");
    let n = 100;
    let mut wide = row(7);
    for _ in 0..1_000_000 {
        wide += ",x";
    }
    let text = csv_with(n, 7, wide.as_bytes());
    let r = ok(&write(&d, "s.csv", &text));
    assert_counts(&r, n as u64, n as u64 - 1);
    assert_eq!(errors(&r, "column_count"), 1, "{:?}", r.errors);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
}

// ---------------------------------------------------------------------------------------------
// Encodings.

#[test]
fn gbk_file_with_one_undecodable_row() {
    let d = dir("gbk");
    // About 2.5 MB in GBK: the bad row's chunk is decoded record by record.
    let (n, k) = (20_000, 1_234);
    let mut text = Vec::new();
    for (i, line) in csv(n).lines().enumerate() {
        let mut b = encoding_rs::GBK.encode(line).0.into_owned();
        if i == k + 1 {
            // 0xFF is never valid in GBK/GB18030.
            let at = b.iter().position(|&c| c == b',').unwrap() + 5;
            b.insert(at, 0xFF);
        }
        text.extend_from_slice(&b);
        text.extend_from_slice(b"\r\n");
    }
    let p = write(&d, "s.csv", &text);
    let r = ok(&p);
    assert_eq!(r.encoding, "gbk");
    assert_counts(&r, n as u64, n as u64 - 1);
    assert_eq!(errors(&r, "encoding_invalid"), 1, "{:?}", r.errors);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
}

#[test]
fn utf8_file_with_one_undecodable_row() {
    let d = dir("utf8-bad");
    // The bad byte early (inside the 64 KiB sample the encoding is detected from) and late.
    for (n, k) in [(50, 3), (20_000, 3), (20_000, 15_000)] {
        let mut text = Vec::new();
        for (i, line) in csv(n).lines().enumerate() {
            let mut b = line.as_bytes().to_vec();
            if i == k + 1 {
                let at = b.iter().position(|&c| c == b',').unwrap() + 5;
                b.insert(at, 0xFF);
            }
            text.extend_from_slice(&b);
            text.push(b'\n');
        }
        let r = ok(&write(&d, &format!("s{n}-{k}.csv"), &text));
        assert_eq!(r.encoding, "utf-8", "{n} rows, bad row {k}");
        assert_counts(&r, n as u64, n as u64 - 1);
        assert_eq!(errors(&r, "encoding_invalid"), 1, "{:?}", r.errors);
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    }
}

#[test]
fn utf8_character_cut_by_a_delimiter() {
    let d = dir("utf8-split");
    // `\xE6,\x88\x90`: 成 with a comma inside. Each field on its own is invalid, but a line with
    // a quote takes the parser's slow path, which drops the delimiters: the row's text is valid
    // and the field boundary falls inside a character. (Found by fuzzing: this used to panic.)
    let n = 30;
    let mut f = fields(4);
    f[col("name")] = "\"学生4\"".into();
    f.truncate(col("address"));
    let mut bad = f.join(",").into_bytes();
    bad.extend_from_slice(",成都市".as_bytes());
    bad.extend_from_slice(b"\xE6,\x88\x90,0,0");
    let text = csv_with(n, 4, &bad);
    let r = ok(&write(&d, "s.csv", &text));
    assert_counts(&r, n as u64, n as u64 - 1);
    assert_eq!(errors(&r, "encoding_invalid"), 1, "{:?}", r.errors);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
}

#[test]
fn utf16_is_refused() {
    let d = dir("utf16");
    let text = csv(5);
    let le: Vec<u8> = "\u{feff}".encode_utf16().chain(text.encode_utf16()).flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = "\u{feff}".encode_utf16().chain(text.encode_utf16()).flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [("le.csv", &le), ("be.csv", &be)] {
        match run(&write(&d, name, bytes)) {
            Err(IngestError::Utf16 { .. }) => {}
            other => panic!("{name}: expected Utf16, got {other:?}"),
        }
    }
    // Without a BOM: recognised by the zero bytes ASCII leaves, and refused with the same advice.
    let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    match run(&write(&d, "bare.csv", &bare)) {
        Err(IngestError::Utf16 { .. }) => {}
        other => panic!("bare UTF-16: expected Utf16, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Not a table at all.

#[test]
fn empty_files_are_refused() {
    let d = dir("empty");
    for (name, bytes) in [("empty.csv", &b""[..]), ("blank.csv", &b"\n\r\n   \n\t\n"[..]), ("bom.csv", &b"\xEF\xBB\xBF"[..])] {
        match run(&write(&d, name, bytes)) {
            Err(IngestError::Empty) => {}
            other => panic!("{name}: expected Empty, got {other:?}"),
        }
    }
}

#[test]
fn a_directory_is_not_a_table() {
    let d = dir("directory");
    let sub = d.join("folder.csv");
    std::fs::create_dir_all(&sub).unwrap();
    match run(&sub) {
        Err(IngestError::NotATable { .. }) => {}
        other => panic!("expected NotATable, got {other:?}"),
    }
    match run(&d.join("missing.csv")) {
        Err(IngestError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// xorshift64*: repeatable noise.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

#[test]
fn binary_files_are_errors_not_panics() {
    let d = dir("binary");
    let png_head = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    for seed in 1..=8u64 {
        let mut png = png_head.to_vec();
        png.extend(noise(1 << 20, seed));
        let r = run(&write(&d, &format!("x{seed}.png"), &png));
        assert!(r.is_err(), "png {seed}: {r:?}");
        // Pure noise, and noise behind a valid header (the rows are garbage, not a panic).
        let r = run(&write(&d, &format!("n{seed}.csv"), &noise(1 << 20, seed)));
        assert!(r.is_err(), "noise {seed}: {r:?}");
        let mut behind = (header() + "\n").into_bytes();
        behind.extend(noise(1 << 20, seed));
        if let Ok(r) = run(&write(&d, &format!("h{seed}.csv"), &behind)) {
            assert_eq!(r.rows_read, r.rows_valid + r.rows_rejected);
            assert_eq!(r.rows_valid, 0, "{r:?}");
        }
    }
    // An Excel 97-2003 workbook and a zip that is not a workbook.
    let r = run(&write(&d, "old.xls", &[&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..], &noise(4096, 9)].concat()));
    assert!(matches!(r, Err(IngestError::NotATable { .. })), "{r:?}");
    let r = run(&write(&d, "fake.xlsx", &[&b"PK\x03\x04"[..], &noise(4096, 10)].concat()));
    assert!(matches!(r, Err(IngestError::Xlsx { .. })), "{r:?}");
}

#[test]
fn missing_required_column_is_named() {
    let d = dir("missing");
    let keep: Vec<usize> = (0..STUDENT.fields.len()).filter(|&c| c != col("name")).collect();
    let mut text = keep.iter().map(|&c| STUDENT.fields[c].zh).collect::<Vec<_>>().join(",") + "\n";
    let f = fields(0);
    text += &keep.iter().map(|&c| f[c].as_str()).collect::<Vec<_>>().join(",");
    text += "\n";
    match run(&write(&d, "s.csv", text.as_bytes())) {
        Err(IngestError::MissingColumns { entity: Entity::Student, columns, .. }) => {
            assert_eq!(columns, vec!["姓名 (name)".to_string()]);
        }
        other => panic!("expected MissingColumns, got {other:?}"),
    }
}

#[test]
fn columns_matching_nothing_are_refused() {
    let d = dir("nomatch");
    match run(&write(&d, "s.csv", b"foo,bar,baz\n1,2,3\n")) {
        Err(IngestError::NoMatchingColumns { entity: Entity::Student, looks_like: None }) => {}
        other => panic!("expected NoMatchingColumns, got {other:?}"),
    }
    // A school file offered as students: the error says which entity it looks like.
    match run(&write(&d, "school.csv", "学校标识码,学校名称,办学类型,行政区划码\n2151000001,x,211,510104\n".as_bytes())) {
        Err(IngestError::MissingColumns { .. }) | Err(IngestError::NoMatchingColumns { .. }) => {}
        other => panic!("expected a column error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// XLSX.

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// The uncompressed size of the bomb's sheet.
const BOMB_BYTES: u64 = 2 << 30;

/// A minimal valid workbook whose sheet is 2 GiB of empty rows and spaces, deflated to a few MB.
/// Built once.
fn zip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let started = Instant::now();
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in [("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)] {
            z.start_file(name, opts).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let head = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
        let tail = b"</sheetData></worksheet>";
        z.write_all(head).unwrap();
        // Empty rows between long runs of spaces: deflate packs those about 1000:1 (`<row/>` alone
        // only about 230:1, too close to the reader's 200:1 limit to test it).
        let mut block = vec![b' '; 1 << 20];
        block[..6].copy_from_slice(b"<row/>");
        let mut left = BOMB_BYTES - (head.len() + tail.len()) as u64;
        while left > 0 {
            let k = (block.len() as u64).min(left) as usize;
            z.write_all(&block[..k]).unwrap();
            left -= k as u64;
        }
        z.write_all(tail).unwrap();
        let bytes = z.finish().unwrap().into_inner();
        eprintln!("zip bomb: {BOMB_BYTES} bytes deflated to {} in {:?}", bytes.len(), started.elapsed());
        bytes
    })
}

#[test]
fn xlsx_zip_bomb_is_refused_quickly() {
    let d = dir("bomb");
    let bomb = zip_bomb();
    assert!(bomb.len() < 4 << 20, "the bomb should be small: {} bytes", bomb.len());
    let p = write(&d, "bomb.xlsx", bomb);
    let started = Instant::now();
    let r = run(&p);
    let took = started.elapsed();
    match &r {
        Err(e @ IngestError::Xlsx { source: XlsxError::Bomb { part, .. }, .. }) => {
            assert_eq!(part, "xl/worksheets/sheet1.xml");
            assert!(e.to_string().contains("zip bomb"), "{e}");
        }
        other => panic!("expected a zip bomb error, got {other:?}"),
    }
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

/// Rewrites the uncompressed size an archive declares for `name` (local header and central
/// directory), as a bomb would to slip past a ratio check.
fn forge_size(zip: &mut [u8], name: &str, size: u32) {
    let eocd = zip.len() - 22;
    assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let le32 = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
    let mut at = le32(zip, eocd + 16);
    let mut found = false;
    while zip[at..at + 4] == *b"PK\x01\x02" {
        let (n, x, c) = (le16(zip, at + 28), le16(zip, at + 30), le16(zip, at + 32));
        if &zip[at + 46..at + 46 + n] == name.as_bytes() {
            let local = le32(zip, at + 42);
            zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
            found = true;
        }
        at += 46 + n + x + c;
    }
    assert!(found, "{name} not in the archive");
}

#[test]
fn xlsx_zip_bomb_with_forged_sizes_is_refused() {
    let d = dir("bomb-forged");
    let mut bomb = zip_bomb().to_vec();
    // It claims 1 MB, under any ratio check: the reader must stop at the declared size.
    forge_size(&mut bomb, "xl/worksheets/sheet1.xml", 1 << 20);
    let p = write(&d, "forged.xlsx", &bomb);
    let started = Instant::now();
    let r = run(&p);
    match &r {
        Err(e @ IngestError::Xlsx { .. }) => eprintln!("forged bomb refused: {e}"),
        other => panic!("expected an XLSX error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn xlsx_small_workbook_validates() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let d = dir("xlsx");
    let p = d.join("s.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, f) in STUDENT.fields.iter().enumerate() {
        ws.write_string(0, c as u16, f.zh).unwrap();
    }
    let n = 6u32;
    for r in 0..n {
        let i = r as usize * 7 + 3;
        let mut v = fields(i);
        if r == 4 {
            // A wrong check character: rejected.
            let idn = &mut v[col("id_number")];
            let last = if idn.ends_with('0') { "1" } else { "0" };
            idn.replace_range(17.., last);
            v[col("student_id")] = format!("G{idn}");
        }
        for (c, s) in v.iter().enumerate() {
            let (row, c16) = (r + 1, c as u16);
            match STUDENT.fields[c].key {
                "birth_date" => {
                    let (y, m, dd) = (s[..4].parse().unwrap(), s[5..7].parse().unwrap(), s[8..].parse().unwrap());
                    ws.write_datetime_with_format(row, c16, ExcelDateTime::from_ymd(y, m, dd).unwrap(), &date).unwrap();
                }
                // Codes typed as numbers, as spreadsheets do.
                "school_code" | "region_code" | "grade" | "guardian_phone" | "id_type" => {
                    ws.write_number(row, c16, s.parse::<f64>().unwrap()).unwrap();
                }
                _ => {
                    ws.write_string(row, c16, s).unwrap();
                }
            }
        }
    }
    wb.save(&p).unwrap();
    let r = ok(&p);
    assert_eq!(r.encoding, "xlsx");
    assert_counts(&r, n as u64, n as u64 - 1);
    assert_eq!(errors(&r, "id_check_digit"), 1, "{:?}", r.errors);
    assert_eq!(r.warnings.get("date_normalized"), Some(&(n as u64)), "{:?}", r.warnings);
}
