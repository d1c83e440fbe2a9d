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
    set("disability", "0".into());
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
        let at = cut.len() - "民南路1号\",1,0,0,0".len();
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
    // (Legacy workbooks are read since issue 12: a damaged one is refused saying so.)
    assert!(matches!(&r, Err(e @ IngestError::Legacy { .. }) if e.zh().contains("另存为 XLSX 格式")), "{r:?}");
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

// ---------------------------------------------------------------------------------------------
// XLSX that inflates within the zip-bomb guard but holds what no spreadsheet holds. Each is
// refused with its own error (naming the sheet, row or cell, saying what to do) or read in full,
// and reading stays far below 1 GiB: the tests that say "in a child" run the reading alone in a
// child process of this test binary and read that process's peak resident memory (VmHWM).

#[path = "support/hostile_xlsx.rs"]
mod hostile_xlsx;

use hostile_xlsx::{filler, inline_row, workbook, Part, SHEET_HEAD, SHEET_TAIL};
use ingest::xlsx::{Limits, Workbook};

/// The issue's bound, on any input.
const RSS_LIMIT_KIB: u64 = 1 << 20;
const CHILD: &str = "TIANFU_HOSTILE_CHILD";

fn peak_rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Runs test `name` again, alone, in a child process with `CHILD` set to `file`, and returns the
/// child's peak resident memory in KiB, which must stay under 1 GiB. The child checks the
/// outcome itself (a failure there fails this test).
fn in_child(name: &str, file: &Path) -> u64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child {name} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // The harness prints the test's name on the same line, before the test's own output.
    let at = stdout.find("peak_rss_kib=").unwrap_or_else(|| panic!("the child printed no peak: {stdout}")) + "peak_rss_kib=".len();
    let kib: u64 = stdout[at..].split_whitespace().next().unwrap().parse().unwrap();
    eprintln!("{name}: peak RSS of the child {} MiB", kib >> 10);
    assert!(kib < RSS_LIMIT_KIB, "{name}: peak RSS {kib} KiB");
    kib
}

/// In the child: the file to read. In the parent: None.
fn child_file() -> Option<PathBuf> {
    std::env::var_os(CHILD).map(PathBuf::from)
}

fn report_peak() {
    println!("peak_rss_kib={}", peak_rss_kib());
}

fn header_cells() -> Vec<&'static str> {
    STUDENT.fields.iter().map(|f| f.zh).collect()
}

/// The XLSX error of a run, and its messages (Chinese, then English).
fn xlsx_err(r: Result<Report, IngestError>) -> (XlsxError, String) {
    match r {
        Err(e @ IngestError::Xlsx { .. }) => {
            let msg = format!("{}\n{e}", e.zh());
            let IngestError::Xlsx { source, .. } = e else { unreachable!() };
            (source, msg)
        }
        other => panic!("expected an XLSX error, got {other:?}"),
    }
}

/// A workbook of the student header, row 2 valid, then `middle` (rows or anything), then row
/// `n` valid, as inline strings.
fn sheet_around(middle: &str, n: u64) -> String {
    let (a, b) = (fields(0), fields(1));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    format!("{SHEET_HEAD}{}{}{middle}{}{SHEET_TAIL}", inline_row(1, &header_cells()), inline_row(2, &a), inline_row(n, &b))
}

/// The finding: a 27 MB workbook, inflating 58:1 (under the guard), whose row 3 holds one
/// 1.5 GiB cell; `tianfu serve` reached 4.9 GB and aborted. Now it is refused as soon as the
/// cell passes 128 KiB, naming the sheet and the cell, in a few megabytes, in seconds.
#[test]
fn xlsx_one_cell_of_one_and_a_half_gib_is_refused_in_bounded_memory() {
    if let Some(p) = child_file() {
        let started = Instant::now();
        let (e, msg) = xlsx_err(run(&p));
        match &e {
            XlsxError::CellTooLarge { sheet, cell, limit_kib } => assert_eq!((sheet.as_str(), cell.as_str(), *limit_kib), ("Sheet1", "N3", 128)),
            other => panic!("expected CellTooLarge, got {other:?}"),
        }
        assert!(msg.contains("工作表“Sheet1”单元格 N3") && msg.contains("32,767") && msg.contains("CSV"), "{msg}");
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
        return report_peak();
    }
    let d = dir("giant-cell");
    let p = d.join("giant.xlsx");
    let row2 = fields(0);
    let row2: Vec<&str> = row2.iter().map(String::as_str).collect();
    assert_eq!(hostile_xlsx::col_name(col("address")), "N");
    let size = hostile_xlsx::giant_cell(&p, &header_cells(), &row2, col("address"), 1536 << 20);
    let ratio = (1536u64 << 20) / size;
    eprintln!("giant cell: 1.5 GiB in a workbook of {size} bytes ({ratio}:1)");
    assert!((20 << 20..35 << 20).contains(&size), "{size}");
    assert!((40..100).contains(&ratio), "{ratio}");
    // A sound archive: the zip crate lists the sheet at its full size and inflates its start.
    let mut z = zip::ZipArchive::new(std::fs::File::open(&p).unwrap()).unwrap();
    let mut sheet = z.by_name("xl/worksheets/sheet1.xml").unwrap();
    assert!(sheet.size() > 1536 << 20);
    let mut start = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut sheet, 4 << 20), &mut start).unwrap();
    assert_eq!(start.len(), 4 << 20);
    drop(sheet);
    in_child("xlsx_one_cell_of_one_and_a_half_gib_is_refused_in_bounded_memory", &p);
}

/// The same cell as one string of the shared string table: 256 MiB, refused at 128 KiB; at
/// 1.5 GiB the table's part is past its own cap (512 MiB inflated) and refused before reading.
#[test]
fn xlsx_giant_shared_string_is_refused_in_bounded_memory() {
    if let Some(p) = child_file() {
        let (e, msg) = xlsx_err(run(&p));
        assert!(matches!(e, XlsxError::SharedStringTooLong { index: 1, limit_kib: 128 }), "{e:?}");
        assert!(msg.contains("共享字符串表第 1 项") && msg.contains("32,767"), "{msg}");
        return report_peak();
    }
    let d = dir("giant-shared");
    let giant = |name: &str, mib: u64| {
        let p = d.join(name);
        let shared = Part::Repeat {
            head: b"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>first</t></si><si><t>".to_vec(),
            unit: filler(1 << 20, 11),
            times: mib,
            tail: b"</t></si></sst>".to_vec(),
        };
        let sheet = format!("{SHEET_HEAD}<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>{SHEET_TAIL}");
        workbook(&p, Part::Bytes(sheet.into_bytes()), Some(shared));
        p
    };
    let (e, msg) = xlsx_err(run(&giant("huge.xlsx", 1536)));
    assert!(matches!(&e, XlsxError::TooLargePart { part, limit_mib: 512 } if part == "xl/sharedStrings.xml"), "{e:?}");
    assert!(msg.contains("解压后超过 512 MiB") && msg.contains("save the sheet as CSV"), "{msg}");
    in_child("xlsx_giant_shared_string_is_refused_in_bounded_memory", &giant("big.xlsx", 256));
}

/// A shared string table of 300 MiB of text in strings of 100 KiB each (each under the cap on
/// one string): refused at 256 MiB. The table is held in one buffer with an offset per string.
#[test]
fn xlsx_shared_string_table_past_256_mib_is_refused_in_bounded_memory() {
    if let Some(p) = child_file() {
        let (e, msg) = xlsx_err(run(&p));
        assert!(matches!(e, XlsxError::SharedStringsTooLarge { limit_mib: 256 }), "{e:?}");
        assert!(msg.contains("共享字符串表的文字超过 256 MiB") && msg.contains("split the workbook"), "{msg}");
        return report_peak();
    }
    let d = dir("big-table");
    let p = d.join("table.xlsx");
    let mut unit = b"<si><t>".to_vec();
    unit.extend(filler(100 << 10, 5));
    unit.extend_from_slice(b"</t></si>");
    let shared = Part::Repeat { head: b"<sst count=\"3000\" uniqueCount=\"3000\">".to_vec(), unit, times: 3000, tail: b"</sst>".to_vec() };
    let sheet = format!("{SHEET_HEAD}<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>{SHEET_TAIL}");
    workbook(&p, Part::Bytes(sheet.into_bytes()), Some(shared));
    let kib = in_child("xlsx_shared_string_table_past_256_mib_is_refused_in_bounded_memory", &p);
    // The text, its offsets and the reading buffers, not a String per entry.
    assert!(kib < 400 << 10, "{kib} KiB");
}

/// More strings than the table may hold (the count cap, lowered here so that the test is quick;
/// the default is 16,777,216), with a `uniqueCount` that lies: nothing is allocated from it.
#[test]
fn xlsx_shared_string_count_is_capped_and_counts_are_not_trusted() {
    let d = dir("table-count");
    let p = d.join("count.xlsx");
    let shared = format!("<sst count=\"4294967295\" uniqueCount=\"4294967295\">{}</sst>", "<si><t>x</t></si><si/>".repeat(600));
    let sheet = format!("{SHEET_HEAD}<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>{SHEET_TAIL}");
    workbook(&p, Part::Bytes(sheet.into_bytes()), Some(Part::Bytes(shared.into_bytes())));
    let limits = Limits { shared_count: 1000, ..Limits::default() };
    match Workbook::open_with(&p, limits) {
        Err(XlsxError::TooManySharedStrings { limit: 1000 }) => {}
        other => panic!("expected TooManySharedStrings, got {:?}", other.err()),
    }
    let wb = Workbook::open_with(&p, Limits { shared_count: 1200, ..Limits::default() }).unwrap();
    assert_eq!(wb.shared_strings().len(), 1200);
    assert_eq!((wb.shared_strings().get(0), wb.shared_strings().get(1)), (Some("x"), Some("")));
}

/// One `<c>` tag with a 64 MiB attribute: refused at 256 KiB of tag, without buffering it.
#[test]
fn xlsx_tag_of_64_mib_is_refused_in_bounded_memory() {
    if let Some(p) = child_file() {
        let (e, msg) = xlsx_err(run(&p));
        assert!(matches!(&e, XlsxError::TagTooLarge { part, limit_kib: 256 } if part == "xl/worksheets/sheet1.xml"), "{e:?}");
        assert!(msg.contains("XML 标记") && msg.contains("save it again"), "{msg}");
        return report_peak();
    }
    let d = dir("big-tag");
    let p = d.join("tag.xlsx");
    let head = format!("{SHEET_HEAD}{}<row r=\"2\"><c r=\"A2\" t=\"inlineStr\" x=\"", inline_row(1, &header_cells()));
    let tail = format!("\"><is><t>x</t></is></c></row>{SHEET_TAIL}");
    workbook(&p, Part::Repeat { head: head.into_bytes(), unit: filler(1 << 20, 3), times: 64, tail: tail.into_bytes() }, None);
    let kib = in_child("xlsx_tag_of_64_mib_is_refused_in_bounded_memory", &p);
    assert!(kib < 64 << 10, "{kib} KiB");
}

/// Two million nested elements before the rows (a parser that recursed or kept a stack of
/// open tags would grow with them), then a lying dimension, spans and row numbers out of the
/// ordinary: the rows are read, exactly.
#[test]
fn xlsx_deep_nesting_and_lying_sizes_are_read_in_bounded_memory() {
    let d = dir("nesting");
    let p = d.join("nested.xlsx");
    let sheet = sheet_around("", 3).replacen("<sheetData>", "<dimension ref=\"A1:XFD1048576\"/><sheetData>", 1);
    let at = sheet.find("<row r=\"2\"").unwrap();
    // `<a` and white space of random kinds: about 5:1, so the bomb guard does not stop it first.
    let mut unit = Vec::with_capacity(1 << 20);
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    while unit.len() < 1 << 20 {
        unit.extend_from_slice(b"<a");
        for _ in 0..13 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            unit.push(b" \t\r\n"[(x % 4) as usize]);
        }
        unit.push(b'>');
    }
    let part = Part::Repeat { head: sheet.as_bytes()[..at].to_vec(), unit, times: 32, tail: sheet[at..].replace("<row r=\"2\"", "<row r=\"2\" spans=\"1:16384\"").into_bytes() };
    workbook(&p, part, None);
    let r = ok(&p);
    assert_counts(&r, 2, 2);
}

/// Two million empty cells (`<c r="B2" s="1"/>`, as a formatted but empty range is written) and
/// a hundred thousand empty rows: no memory per empty cell, nothing counted.
#[test]
fn xlsx_millions_of_empty_cells_and_rows_are_free() {
    if let Some(p) = child_file() {
        let r = ok(&p);
        assert_counts(&r, 2, 2);
        return report_peak();
    }
    let d = dir("empty-cells");
    let p = d.join("empty.xlsx");
    let mut unit = Vec::new();
    let mut i = 0u64;
    while unit.len() < 1 << 20 {
        // Columns vary so that the text does not compress past the guard.
        unit.extend_from_slice(format!("<c r=\"{}2\" s=\"1\"/>", hostile_xlsx::col_name((i * 7919 % 16_384) as usize)).as_bytes());
        i += 1;
    }
    let times = 2_000_000 / i + 1;
    let empty_rows: String = (3..100_003).map(|n| format!("<row r=\"{n}\" s=\"1\"/><row r=\"{n}\"><c r=\"A{n}\" s=\"2\"/></row>")).collect();
    let sheet = sheet_around(&empty_rows, 100_003);
    let at = sheet.find("<row r=\"3\"").unwrap();
    // The empty cells go inside row 2, after its real cells.
    let row2_end = sheet[..at].rfind("</row>").unwrap();
    let part = Part::Repeat { head: sheet.as_bytes()[..row2_end].to_vec(), unit, times, tail: sheet.as_bytes()[row2_end..].to_vec() };
    let size = workbook(&p, part, None);
    eprintln!("{} empty cells in {size} bytes", times * i);
    let kib = in_child("xlsx_millions_of_empty_cells_and_rows_are_free", &p);
    assert!(kib < 128 << 10, "{kib} KiB");
}

#[test]
fn xlsx_rows_and_columns_past_excels_limits_are_refused() {
    let d = dir("limits");
    let cases = [
        ("row.xlsx", sheet_around("", 1_048_577), "TooManyRows"),
        ("col.xlsx", sheet_around("<row r=\"3\"><c r=\"XFE3\"><v>1</v></c></row>", 4), "TooManyColumns"),
        // 20,000 cells all written at A3: more cells in a row than Excel has columns.
        ("same.xlsx", sheet_around(&format!("<row r=\"3\">{}</row>", "<c r=\"A3\"><v>1</v></c>".repeat(20_000)), 4), "TooManyColumns"),
        // Cells without references count up from A: past XFD.
        ("count.xlsx", sheet_around(&format!("<row r=\"3\">{}<c><v>1</v></c></row>", "<c/>".repeat(16_384)), 4), "TooManyColumns"),
    ];
    for (name, sheet, want) in cases {
        let p = d.join(name);
        workbook(&p, Part::Bytes(sheet.into_bytes()), None);
        let (e, msg) = xlsx_err(run(&p));
        let got = match &e {
            XlsxError::TooManyRows { sheet, limit: 1_048_576 } if sheet == "Sheet1" => "TooManyRows",
            XlsxError::TooManyColumns { sheet, row: 3, limit: 16_384 } if sheet == "Sheet1" => "TooManyColumns",
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(got, want, "{name}");
        assert!(msg.contains("Excel 本身的上限") && msg.contains("Excel's own limit"), "{msg}");
    }
}

/// A row of 200 cells of 100 KiB each (each under the cap on one cell): 20 MiB, refused at
/// 4 MiB of row text, naming the row.
#[test]
fn xlsx_row_past_4_mib_is_refused() {
    let d = dir("big-row");
    let p = d.join("row.xlsx");
    let mut unit = b"<c t=\"inlineStr\"><is><t>".to_vec();
    unit.extend(filler(100 << 10, 2));
    unit.extend_from_slice(b"</t></is></c>");
    let sheet = sheet_around("<row r=\"3\">|</row>", 4);
    let (head, tail) = sheet.split_once('|').unwrap();
    workbook(&p, Part::Repeat { head: head.as_bytes().to_vec(), unit, times: 200, tail: tail.as_bytes().to_vec() }, None);
    let (e, msg) = xlsx_err(run(&p));
    assert!(matches!(&e, XlsxError::RowTooLarge { sheet, row: 3, limit_mib: 4 } if sheet == "Sheet1"), "{e:?}");
    assert!(msg.contains("第 3 行") && msg.contains("row 3"), "{msg}");
}

/// Shared strings let a small sheet render a lot: 40 references to one 100 KiB string are
/// 4,000 KiB of text from 1.5 KB of XML. Rows of it are read within the cap on a row (and
/// rejected: the text is too long), in bounded memory; a 41st reference passes the cap; and
/// the text of the whole sheet is capped too (4 GiB; lowered here so that the test is quick).
#[test]
fn xlsx_shared_string_amplification_is_bounded() {
    if let Some(p) = child_file() {
        let r = ok(&p);
        assert_eq!((r.rows_read, r.rows_valid), (24, 0), "{r:?}");
        assert_eq!(errors(&r, "text_too_long"), 24, "{:?}", r.errors);
        let mut opts = Options::new(Entity::Student);
        opts.xlsx.sheet_text_bytes = 32 << 20;
        match ingest::run(&p, &opts, &mut NullSink) {
            Err(IngestError::Xlsx { source: XlsxError::TooMuchText { limit_mib: 32 }, .. }) => {}
            other => panic!("expected TooMuchText, got {other:?}"),
        }
        return report_peak();
    }
    let d = dir("amplify");
    let mut shared = b"<sst><si><t>".to_vec();
    shared.extend(filler(100 << 10, 4));
    shared.extend_from_slice(b"</t></si></sst>");
    let refs = |n: u64, k: usize| -> String {
        let cells: String = (0..k).map(|c| format!("<c r=\"{}{n}\" t=\"s\"><v>0</v></c>", hostile_xlsx::col_name(c))).collect();
        format!("<row r=\"{n}\">{cells}</row>")
    };
    let rows: String = (2..26).map(|n| refs(n, 40)).collect();
    let sheet = format!("{SHEET_HEAD}{}{rows}{SHEET_TAIL}", inline_row(1, &header_cells()));
    let p = d.join("amplify.xlsx");
    workbook(&p, Part::Bytes(sheet.into_bytes()), Some(Part::Bytes(shared.clone())));
    let over = format!("{SHEET_HEAD}{}{}{SHEET_TAIL}", inline_row(1, &header_cells()), refs(2, 41));
    let q = d.join("over.xlsx");
    workbook(&q, Part::Bytes(over.into_bytes()), Some(Part::Bytes(shared)));
    let (e, _) = xlsx_err(run(&q));
    assert!(matches!(e, XlsxError::RowTooLarge { row: 2, limit_mib: 4, .. }), "{e:?}");
    let kib = in_child("xlsx_shared_string_amplification_is_bounded", &p);
    assert!(kib < 256 << 10, "{kib} KiB");
}

/// Entity definitions that expand a billion times ("billion laughs"): OOXML forbids document
/// type declarations, and the reader refuses them instead of expanding anything.
#[test]
fn xlsx_document_type_declaration_is_refused() {
    let d = dir("dtd");
    let p = d.join("lol.xlsx");
    let mut dtd = String::from("<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        dtd += &format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10));
    }
    dtd += "]>";
    let sheet = sheet_around("<row r=\"3\"><c t=\"inlineStr\"><is><t>&lol9;</t></is></c></row>", 4);
    workbook(&p, Part::Bytes(format!("{dtd}{}", &sheet[sheet.find("<worksheet").unwrap()..]).into_bytes()), None);
    let (e, msg) = xlsx_err(run(&p));
    assert!(matches!(e, XlsxError::Invalid(_)), "{e:?}");
    assert!(msg.contains("document type declaration"), "{msg}");
}

/// Damaged archives: a flipped byte in the sheet's compressed data, a checksum that does not
/// match, a file cut short. Each is an error that says the file is damaged, not a panic.
#[test]
fn xlsx_damaged_archives_are_refused() {
    let d = dir("damaged");
    let p = d.join("good.xlsx");
    let sheet = sheet_around(&(3..2000).map(|n| inline_row(n, &["x"])).collect::<String>(), 2000);
    workbook(&p, Part::Bytes(sheet.clone().into_bytes()), None);
    assert_eq!(ok(&p).rows_read, 1999);
    let good = std::fs::read(&p).unwrap();
    let at = find(&good, b"xl/worksheets/sheet1.xml") + "xl/worksheets/sheet1.xml".len();
    // The CRC-32 in both headers, then a byte of the deflated data.
    let mut bad_crc = good.clone();
    for h in [rfind(&good[..at], b"PK\x03\x04"), rfind(&good, b"PK\x01\x02")] {
        bad_crc[h + if good[h + 2] == 3 { 14 } else { 16 }] ^= 0xFF;
    }
    let mut bad_data = good.clone();
    bad_data[at + 100] ^= 0x55;
    let cut = good[..good.len() / 2].to_vec();
    for (name, bytes) in [("crc.xlsx", bad_crc), ("data.xlsx", bad_data), ("cut.xlsx", cut)] {
        let (e, msg) = xlsx_err(run(&write(&d, name, &bytes)));
        assert!(matches!(e, XlsxError::Invalid(_) | XlsxError::Bomb { .. }), "{name}: {e:?}");
        eprintln!("{name}: {msg}");
    }
}

fn find(h: &[u8], n: &[u8]) -> usize {
    h.windows(n.len()).position(|w| w == n).unwrap()
}

fn rfind(h: &[u8], n: &[u8]) -> usize {
    h.windows(n.len()).rposition(|w| w == n).unwrap()
}

/// A thousand random mutations of a small valid sheet (bytes flipped, cut, duplicated, tags
/// broken): every one ends in an error or exact counts, never a panic, a hang or a row lost.
#[test]
fn xlsx_mutated_sheets_never_panic() {
    let d = dir("mutations");
    let sheet = sheet_around(&inline_row(3, &["a&amp;b", "中文", "<x>"]), 4).into_bytes();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let specials: &[&[u8]] = &[b"<", b">", b"&", b"\"", b"/", b"<![CDATA[", b"]]>", b"<!--", b"<?", b"&#x0;", b"&#1114112;", b"\xFF", b"\xE4\xB8", b"<c r=\"XFD3\">", b"<row r=\"99999999999999999999\">", b"</sheetData>"];
    for i in 0..1000 {
        let mut s = sheet.clone();
        for _ in 0..1 + next(4) {
            let at = next(s.len());
            match next(4) {
                0 => s[at] = next(256) as u8,
                1 => s.truncate(at),
                2 => {
                    let piece = specials[next(specials.len())];
                    s.splice(at..at, piece.iter().copied());
                }
                _ => {
                    let len = next(64).min(s.len() - at);
                    let copy = s[at..at + len].to_vec();
                    s.splice(at..at, copy);
                }
            }
            if s.is_empty() {
                break;
            }
        }
        let p = d.join(format!("m{i}.xlsx"));
        workbook(&p, Part::Bytes(s), None);
        if let Ok(r) = run(&p) {
            assert_eq!(r.rows_read, r.rows_valid + r.rows_rejected, "{i}");
        }
        let _ = std::fs::remove_file(&p);
    }
}

/// Parts stored without compression (some writers store small parts) read as deflated ones do.
#[test]
fn xlsx_stored_parts_are_read() {
    let d = dir("stored");
    let p = d.join("stored.xlsx");
    hostile_xlsx::write_zip(
        &p,
        &[
            ("[Content_Types].xml", Part::Stored(hostile_xlsx::CONTENT_TYPES.as_bytes().to_vec())),
            ("xl/workbook.xml", Part::Stored(hostile_xlsx::WORKBOOK.as_bytes().to_vec())),
            ("xl/_rels/workbook.xml.rels", Part::Stored(hostile_xlsx::WORKBOOK_RELS.as_bytes().to_vec())),
            ("xl/worksheets/sheet1.xml", Part::Stored(sheet_around("", 3).into_bytes())),
        ],
    );
    assert_counts(&ok(&p), 2, 2);
}

/// An archive of a million empty entries beside the workbook's parts (zip64, about 90 MB): the
/// zip reader would spend over 200 MiB on its directory; it is refused first, in a few MiB. An
/// archive of 60,000 entries (too small a file to matter) is read.
#[test]
fn xlsx_archive_of_a_million_entries_is_refused_in_bounded_memory() {
    if let Some(p) = child_file() {
        let (e, msg) = xlsx_err(run(&p));
        assert!(matches!(e, XlsxError::TooManyParts { limit: 65_535 }), "{e:?}");
        assert!(msg.contains("部件超过 65535 个") && msg.contains("save it again"), "{msg}");
        return report_peak();
    }
    let d = dir("entries");
    let archive = |name: &str, n: usize| {
        let p = d.join(name);
        let names: Vec<String> = (0..n).map(|i| format!("x/{i}")).collect();
        let mut parts: Vec<(&str, Part)> = vec![
            ("[Content_Types].xml", Part::text(hostile_xlsx::CONTENT_TYPES)),
            ("xl/workbook.xml", Part::text(hostile_xlsx::WORKBOOK)),
            ("xl/_rels/workbook.xml.rels", Part::text(hostile_xlsx::WORKBOOK_RELS)),
            ("xl/worksheets/sheet1.xml", Part::Bytes(sheet_around("", 3).into_bytes())),
        ];
        parts.extend(names.iter().map(|n| (n.as_str(), Part::Stored(Vec::new()))));
        let size = hostile_xlsx::write_zip(&p, &parts);
        eprintln!("{n} entries in {size} bytes");
        p
    };
    assert_counts(&ok(&archive("some.xlsx", 60_000)), 2, 2);
    in_child("xlsx_archive_of_a_million_entries_is_refused_in_bounded_memory", &archive("million.xlsx", 1_000_000));
}

/// Names an attacker chooses (a sheet's, a part's) are shown short and without control
/// characters: an error message is one readable line, not 200 KiB or terminal escapes.
#[test]
fn xlsx_names_in_messages_are_short_and_printable() {
    let d = dir("names");
    let p = d.join("names.xlsx");
    let long = "\u{1b}[2J".to_string() + &"长".repeat(50_000);
    let workbook = hostile_xlsx::WORKBOOK.replace("name=\"Sheet1\"", &format!("name=\"{long}\""));
    let rels = hostile_xlsx::WORKBOOK_RELS.replace("worksheets/sheet1.xml", &format!("worksheets/{}.xml", "x".repeat(100_000)));
    hostile_xlsx::write_zip(&p, &[("xl/workbook.xml", Part::Bytes(workbook.into_bytes())), ("xl/_rels/workbook.xml.rels", Part::Bytes(rels.into_bytes()))]);
    let (e, msg) = xlsx_err(run(&p));
    assert!(matches!(e, XlsxError::Invalid(_)), "{e:?}");
    assert!(msg.len() < 2000 && !msg.contains('\u{1b}') && msg.contains("…"), "{msg}");
    let mut opts = Options::new(Entity::Student);
    opts.sheet = Some("nope".into());
    match ingest::run(&p, &opts, &mut NullSink) {
        Err(e @ IngestError::Xlsx { source: XlsxError::NoSuchSheet { .. }, .. }) => {
            let msg = format!("{}\n{e}", e.zh());
            assert!(msg.len() < 2000 && !msg.contains('\u{1b}'), "{msg}");
        }
        other => panic!("expected NoSuchSheet, got {other:?}"),
    }
}
