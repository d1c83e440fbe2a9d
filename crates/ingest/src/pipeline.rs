//! The validation pipeline: one reader thread cuts the file into chunks of whole records,
//! worker threads decode, parse, normalise and check chunks in parallel, and the calling thread
//! puts results back in file order, finds duplicate keys (first occurrence wins) and feeds the
//! sink. Memory is bounded by the chunks in flight plus the duplicate-key sets.

use crate::columns::Columns;
use crate::csv::{Parser, Record, Splitter};
use crate::decode::{detect, Detected, TextEncoding};
use crate::dedup::KeySet;
use crate::report::Report;
use crate::xlsx::{Rows, Workbook};
use crate::{IngestError, RejectedRow, Sink};
use standard::{Context, Date, Entity, Rule, RowChecker, Violation, Warning};
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const CHUNK_BYTES: usize = 1 << 21;
/// Checking threads for a workbook.
const MAX_XLSX_WORKERS: usize = 4;
/// Chunk buffers kept for reuse are at most this large.
const MAX_POOLED: usize = 4 * CHUNK_BYTES;
/// A single record may be this large (a 10 MB field is fine); past it the file is refused.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

#[derive(Debug, Clone)]
pub struct Options {
    pub entity: Entity,
    /// None: detect (BOM, else UTF-8 if valid, else GBK/GB18030).
    pub encoding: Option<TextEncoding>,
    /// XLSX sheet name; None is the first sheet.
    pub sheet: Option<String>,
    /// GB/T 2260 province prefix; 51 is Sichuan.
    pub province: u32,
    /// Known school identifiers (for `school_unknown`).
    pub schools: Option<Arc<HashSet<u64>>>,
    /// The importer's area (records outside it are refused with `out_of_scope`).
    pub scope: Option<Arc<standard::check::ScopeRule>>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// The XLSX reader's caps.
    pub xlsx: crate::xlsx::Limits,
    /// Hand valid rows' normalised values to the sink (import needs them; validate does not).
    pub keep_valid: bool,
    /// Where a legacy workbook (.xls, .et, .ods) is converted for reading; None: the system's
    /// temporary folder. The copy holds the file's data: the console points this at its
    /// private upload folder.
    pub work_dir: Option<PathBuf>,
    pub today: Date,
}

impl Options {
    pub fn new(entity: Entity) -> Options {
        Options {
            entity,
            encoding: None,
            sheet: None,
            province: 51,
            schools: None,
            scope: None,
            threads: 0,
            xlsx: crate::xlsx::Limits::default(),
            keep_valid: false,
            work_dir: None,
            today: Date::today(),
        }
    }
}

enum Payload {
    Bytes(Vec<u8>),
    /// A batch of sheet rows: cells are ranges of one text buffer.
    Sheet(Rows),
}

struct Chunk {
    seq: u64,
    first_line: u64,
    payload: Payload,
}

/// Chunk buffers go round (reader → worker → collector → reader) instead of being allocated and
/// faulted in afresh for every chunk.
#[derive(Default)]
struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    fn get(&self) -> Vec<u8> {
        let mut v = self.0.lock().expect("pool").pop().unwrap_or_default();
        v.clear();
        v
    }
    fn put(&self, v: Vec<u8>) {
        // A buffer that grew around one huge record goes back to the allocator.
        if v.capacity() > MAX_POOLED {
            return;
        }
        let mut p = self.0.lock().expect("pool");
        if p.len() < 16 {
            p.push(v);
        }
    }
}

/// A row's place in its chunk, to rebuild its original values if it turns out a duplicate.
struct RowMeta {
    line: u64,
    span: (u32, u32),
}

struct ChunkResult {
    seq: u64,
    rows: u64,
    blank: u64,
    rule_rows: [u64; 64],
    warnings: [u64; 16],
    /// Rows rejected by their own content, by row index in the chunk.
    rejected: Vec<(u32, RejectedRow)>,
    /// Unique keys by row index: (row, slot, rule, field, key).
    keys: Vec<(u32, u8, Rule, u16, u128)>,
    meta: Vec<RowMeta>,
    /// The decoded chunk text (CSV) or sheet rows (XLSX), for re-reading a duplicate row.
    text: Option<(Vec<u8>, u8, TextEncoding)>,
    sheet: Option<Rows>,
    /// Valid rows' normalised values: (row, line, values joined by \u{1f}).
    valid: Vec<(u32, u64, String)>,
}

/// Validates a file, feeding every row's outcome to `sink`, and returns the report.
pub fn run(path: &Path, opts: &Options, sink: &mut dyn Sink) -> Result<Report, IngestError> {
    let started = Instant::now();
    let mut file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => IngestError::NotFound(path.to_path_buf()),
        _ => IngestError::Io { path: path.to_path_buf(), source: e },
    })?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(IngestError::NotATable { path: path.into(), why: "it is a directory".into() });
    }
    let io = |e: std::io::Error| IngestError::Io { path: path.to_path_buf(), source: e };
    let mut head = vec![0u8; 64 << 10];
    let n = read_full(&mut file, &mut head).map_err(io)?;
    head.truncate(n);
    if let Some(kind) = crate::legacy::Legacy::sniff(&head) {
        drop(file);
        let dir = opts.work_dir.clone().unwrap_or_else(std::env::temp_dir);
        let copy = crate::legacy::convert(path, kind, opts.sheet.as_deref(), &dir).map_err(|e| IngestError::Legacy { path: path.into(), zh: e.zh, en: e.en })?;
        let mut o = opts.clone();
        o.sheet = None;
        let mut report = run_xlsx(&copy.path, &o, sink, started).map_err(|e| match e {
            // The copy's path is nobody's business: errors name the file given.
            IngestError::Xlsx { source, .. } => IngestError::Xlsx { path: path.into(), source },
            e => e,
        })?;
        report.file = path.display().to_string();
        report.encoding = kind.key().to_string();
        return Ok(report);
    }
    if head.starts_with(b"PK\x03\x04") {
        drop(file);
        return run_xlsx(path, opts, sink, started);
    }
    let (encoding, bom) = match opts.encoding {
        Some(e) => (e, if e == TextEncoding::Utf8 && head.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 }),
        None => match detect(&head) {
            Detected::Encoding { encoding, bom_len } => (encoding, bom_len),
            Detected::Utf16 => return Err(IngestError::Utf16 { path: path.into() }),
        },
    };
    // Read until the header record is complete.
    let mut buf = head.split_off(bom);
    let mut eof = n < 64 << 10;
    let header_end = loop {
        if let Some(e) = first_record_end(path, &buf) {
            break e;
        }
        if eof {
            break buf.len();
        }
        if buf.len() > MAX_RECORD_BYTES {
            return Err(IngestError::RecordTooLarge { line: 1, limit_mib: (MAX_RECORD_BYTES >> 20) as u64 });
        }
        let old = buf.len();
        buf.resize(old + CHUNK_BYTES, 0);
        let got = read_full(&mut file, &mut buf[old..]).map_err(io)?;
        buf.truncate(old + got);
        eof = got == 0;
    };
    if buf.iter().all(|b| b.is_ascii_whitespace()) && eof {
        return Err(IngestError::Empty);
    }
    let header_bytes = &buf[..header_end];
    if header_bytes.contains(&0) {
        // UTF-16 without a BOM: each ASCII character (the commas at least) leaves a zero byte,
        // always on the same side of its pair; binary data has zeros on both sides.
        let zeros = |parity: usize| header_bytes.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
        let (even, odd) = (zeros(0), zeros(1));
        if (even >= 2 && odd == 0) || (odd >= 2 && even == 0) {
            return Err(IngestError::Utf16 { path: path.into() });
        }
        return Err(IngestError::NotATable { path: path.into(), why: "the first line holds binary data (NUL bytes)".into() });
    }
    let delim = pick_delimiter(path, header_bytes);
    let mut p = Parser::new(header_bytes, delim, 1);
    let mut rec = Record::default();
    let mut header_line = 1;
    let mut headers = Vec::new();
    while p.next_into(&mut rec) {
        if rec.is_blank() {
            continue;
        }
        header_line = rec.line;
        let mut hs = Vec::with_capacity(rec.len());
        for i in 0..rec.len() {
            match encoding.decode(rec.field(i)) {
                Some(s) => hs.push(s.into_owned()),
                None => return Err(IngestError::WrongEncoding { path: path.into(), encoding: encoding.name() }),
            }
        }
        headers = hs;
        break;
    }
    if headers.is_empty() {
        return Err(IngestError::Empty);
    }
    let columns = Columns::map(opts.entity, headers)?;
    sink.begin(&columns).map_err(IngestError::Sink)?;
    let first_data_line = header_line + 1;
    let mut rest = buf.split_off(header_end);
    drop(buf);
    let estimate = estimate_rows(&file, header_end, &rest);

    let ctx = Context { today: opts.today, province: opts.province, schools: opts.schools.clone(), scope: opts.scope.clone() };
    let threads = worker_count(opts.threads);
    let path_buf = path.to_path_buf();
    let mut report = Report::new(opts.entity, &columns, encoding.name());
    report.file = path.display().to_string();
    let pool = &Pool::default();
    std::thread::scope(|s| -> Result<(), IngestError> {
        let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads * 2);
        let (res_tx, res_rx) = sync_channel::<ChunkResult>(threads * 2);
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        for _ in 0..threads {
            let rx = chunk_rx.clone();
            let tx = res_tx.clone();
            let cols = &columns;
            let ctx = ctx.clone();
            let keep = opts.keep_valid;
            std::thread::Builder::new()
                .name("tianfu-check".into())
                .spawn_scoped(s, move || worker(pool, rx, tx, cols, ctx, encoding, delim, keep))
                .expect("spawn worker");
        }
        drop(res_tx);
        let reader = std::thread::Builder::new().name("tianfu-read".into()).spawn_scoped(s, move || -> Result<(), IngestError> {
            let mut splitter = Splitter::new(delim);
            let mut seq = 0;
            let mut line = first_data_line;
            let mut scanned = 0;
            let mut rest_lines = 0u64;
            let mut last_end = 0usize;
            let mut lines_at_last_end = 0u64;
            let mut eof = eof;
            loop {
                let (end, lines_at_end, lines_total) = splitter.scan(&rest, scanned);
                if let Some(e) = end {
                    last_end = e;
                    lines_at_last_end = rest_lines + lines_at_end;
                }
                rest_lines += lines_total;
                scanned = rest.len();
                if eof {
                    if !rest.is_empty() {
                        let _ = chunk_tx.send(Chunk { seq, first_line: line, payload: Payload::Bytes(rest) });
                    }
                    return Ok(());
                }
                if rest.len() >= CHUNK_BYTES && last_end > 0 {
                    let mut tail = pool.get();
                    tail.extend_from_slice(&rest[last_end..]);
                    rest.truncate(last_end);
                    let data = std::mem::replace(&mut rest, tail);
                    if chunk_tx.send(Chunk { seq, first_line: line, payload: Payload::Bytes(data) }).is_err() {
                        return Ok(());
                    }
                    seq += 1;
                    line += lines_at_last_end;
                    rest_lines -= lines_at_last_end;
                    scanned = rest.len();
                    last_end = 0;
                    lines_at_last_end = 0;
                } else if rest.len() > MAX_RECORD_BYTES + CHUNK_BYTES {
                    return Err(IngestError::RecordTooLarge { line, limit_mib: (MAX_RECORD_BYTES >> 20) as u64 });
                }
                let got = (&mut file)
                    .take(CHUNK_BYTES as u64)
                    .read_to_end(&mut rest)
                    .map_err(|e| IngestError::Io { path: path_buf.clone(), source: e })?;
                eof = got == 0;
            }
        }).expect("spawn reader");
        let collected = collect(pool, res_rx, sink, &mut report, estimate);
        let read = reader.join().expect("reader thread panicked");
        collected?;
        read
    })?;
    report.finish(started.elapsed());
    Ok(report)
}

/// The end of the first non-blank record in `buf` (after its line end), if it is complete.
fn first_record_end(path: &Path, buf: &[u8]) -> Option<usize> {
    let mut pos = 0;
    let nl = loop {
        let nl = memchr::memchr(b'\n', &buf[pos..])?;
        if buf[pos..pos + nl].iter().all(|b| b.is_ascii_whitespace()) {
            pos += nl + 1;
        } else {
            break nl;
        }
    };
    // Quotes count the parser's way, which depends on the delimiter.
    let delim = pick_delimiter(path, &buf[pos..pos + nl]);
    crate::csv::first_record_end(&buf[pos..], delim).map(|e| pos + e)
}

fn pick_delimiter(path: &Path, header: &[u8]) -> u8 {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext == "tsv" || ext == "tab" {
        return b'\t';
    }
    let tabs = header.iter().filter(|&&b| b == b'\t').count();
    let commas = header.iter().filter(|&&b| b == b',').count();
    if tabs > commas {
        b'\t'
    } else {
        b','
    }
}

fn worker_count(n: usize) -> usize {
    if n > 0 {
        n
    } else {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    }
}

fn estimate_rows(file: &File, header_len: usize, sample: &[u8]) -> usize {
    let size = file.metadata().map(|m| m.len() as usize).unwrap_or(0).saturating_sub(header_len);
    let lines = memchr::memchr_iter(b'\n', sample).count().max(1);
    let avg = (sample.len() / lines).max(16);
    (size / avg).min(50_000_000) + 1024
}

fn read_full(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn run_xlsx(path: &Path, opts: &Options, sink: &mut dyn Sink, started: Instant) -> Result<Report, IngestError> {
    let xerr = |e| IngestError::Xlsx { path: path.to_path_buf(), source: e };
    let mut wb = Workbook::open_with(path, opts.xlsx).map_err(xerr)?;
    let ctx = Context { today: opts.today, province: opts.province, schools: opts.schools.clone(), scope: opts.scope.clone() };
    // One thread reads the sheet, at about the pace of two or three checking threads; more
    // would only hold more batches in memory (each up to 2 MiB of text beyond one row of up to
    // 4 MiB), so the batches in flight stay bounded however many cores there are.
    let threads = worker_count(opts.threads).min(MAX_XLSX_WORKERS);
    let mut report: Option<Report> = None;
    let pool = &Pool::default();
    std::thread::scope(|s| -> Result<(), IngestError> {
        let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads * 2);
        let (res_tx, res_rx) = sync_channel::<ChunkResult>(threads * 2);
        // The header decides the column mapping before any worker starts.
        let (hdr_tx, hdr_rx) = sync_channel::<Result<Columns, IngestError>>(1);
        let opts2 = opts.clone();
        let reader = std::thread::Builder::new().name("tianfu-xlsx".into()).spawn_scoped(s, move || -> Result<(), IngestError> {
            let mut sheet = match wb.sheet(opts2.sheet.as_deref()) {
                Ok(r) => r,
                Err(e) => {
                    let _ = hdr_tx.send(Err(xerr(e)));
                    return Ok(());
                }
            };
            let mut header = false;
            let mut seq = 0;
            loop {
                let mut batch = match sheet.next_batch(pool.get()) {
                    Ok(Some(b)) => b,
                    Ok(None) => break,
                    Err(e) if !header => {
                        let _ = hdr_tx.send(Err(xerr(e)));
                        return Ok(());
                    }
                    Err(e) => return Err(xerr(e)),
                };
                if !header {
                    // The first row with any text is the header; blank rows before it are not rows.
                    let view = batch.view();
                    let Some(h) = (0..batch.len()).find(|&i| !view.is_blank(i)) else {
                        pool.put(batch.into_buffer());
                        continue;
                    };
                    match Columns::map(opts2.entity, view.to_strings(h)) {
                        Ok(c) => {
                            header = true;
                            let _ = hdr_tx.send(Ok(c));
                            batch.skip(h + 1);
                        }
                        Err(e) => {
                            let _ = hdr_tx.send(Err(e));
                            return Ok(());
                        }
                    }
                }
                if batch.is_empty() {
                    pool.put(batch.into_buffer());
                    continue;
                }
                if chunk_tx.send(Chunk { seq, first_line: 0, payload: Payload::Sheet(batch) }).is_err() {
                    return Ok(());
                }
                seq += 1;
            }
            if !header {
                let _ = hdr_tx.send(Err(IngestError::Empty));
            }
            Ok(())
        })
        .expect("spawn the sheet reader");
        let columns = match hdr_rx.recv() {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                drop(chunk_rx);
                let _ = reader.join();
                return Err(e);
            }
            Err(_) => {
                return match reader.join().expect("reader thread panicked") {
                    Err(e) => Err(e),
                    Ok(()) => Err(IngestError::Empty),
                };
            }
        };
        sink.begin(&columns).map_err(IngestError::Sink)?;
        let mut rep = Report::new(opts.entity, &columns, "xlsx");
        rep.file = path.display().to_string();
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        // Workers run beside the collector (a bounded channel joins them), so they are spawned
        // on the outer scope and share the column mapping through an Arc.
        let columns = Arc::new(columns);
        for _ in 0..threads {
            let rx = chunk_rx.clone();
            let tx = res_tx.clone();
            let ctx = ctx.clone();
            let keep = opts.keep_valid;
            let cols = columns.clone();
            std::thread::Builder::new()
                .name("tianfu-check".into())
                .spawn_scoped(s, move || worker(pool, rx, tx, &cols, ctx, TextEncoding::Utf8, b',', keep))
                .expect("spawn worker");
        }
        drop(res_tx);
        let collected = collect(pool, res_rx, sink, &mut rep, 1 << 16);
        let read = reader.join().expect("reader thread panicked");
        collected?;
        read?;
        report = Some(rep);
        Ok(())
    })?;
    let mut report = report.expect("set on success");
    report.finish(started.elapsed());
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn worker(
    pool: &Pool,
    rx: Arc<Mutex<Receiver<Chunk>>>,
    tx: SyncSender<ChunkResult>,
    columns: &Columns,
    ctx: Context,
    encoding: TextEncoding,
    delim: u8,
    keep_valid: bool,
) {
    let mut checker = RowChecker::new(columns.entity, ctx);
    let mut rec = Record::default();
    loop {
        let chunk = match rx.lock().expect("chunk queue").recv() {
            Ok(c) => c,
            Err(_) => return,
        };
        let mut r = ChunkResult {
            seq: chunk.seq,
            rows: 0,
            blank: 0,
            rule_rows: [0; 64],
            warnings: [0; 16],
            rejected: Vec::new(),
            keys: Vec::new(),
            meta: Vec::new(),
            text: None,
            sheet: None,
            valid: Vec::new(),
        };
        match chunk.payload {
            Payload::Bytes(raw) => {
                // Decode the whole chunk at once when it is clean; otherwise decode record by record
                // so that only the broken rows are rejected.
                let (text, text_enc): (Vec<u8>, u8) = match encoding {
                    TextEncoding::Utf8 => (raw, 0),
                    _ => match decode_into(&raw, pool.get()) {
                        Some(decoded) => {
                            pool.put(raw);
                            (decoded, 0)
                        }
                        None => (raw, 1),
                    },
                };
                let mut parser = Parser::new(&text, delim, chunk.first_line);
                while parser.next_into(&mut rec) {
                    if rec.is_blank() {
                        r.blank += 1;
                        continue;
                    }
                    let row = r.rows as u32;
                    r.rows += 1;
                    r.meta.push(RowMeta { line: rec.line, span: (rec.span.0 as u32, rec.span.1 as u32) });
                    // The chunk decoded cleanly (text_enc 0): the record is UTF-8 if valid. Otherwise
                    // decode this record field by field and reject it only if its own bytes are bad.
                    let decoded: (String, Vec<(usize, usize)>);
                    let (whole, ends): (&str, &[(usize, usize)]) = if text_enc == 0 {
                        match simdutf8::basic::from_utf8(&rec.buf) {
                            // Each field must be valid on its own: the parser drops delimiters, which
                            // can join the halves of a character cut by one (`\xE6,\x88\x90`).
                            Ok(s) if rec.ranges.iter().all(|&(a, b)| s.is_char_boundary(a) && s.is_char_boundary(b)) => {
                                (s, &rec.ranges)
                            }
                            _ => {
                                reject_undecodable(&mut r, row, &rec, encoding);
                                continue;
                            }
                        }
                    } else {
                        match refield(&rec, encoding) {
                            Some(d) => {
                                decoded = d;
                                (&decoded.0, &decoded.1)
                            }
                            None => {
                                reject_undecodable(&mut r, row, &rec, encoding);
                                continue;
                            }
                        }
                    };
                    // A cell our own CSV output marked against formula injection reads as it was.
                    let field = |i: usize| -> &str { ends.get(i).map_or("", |&(a, b)| crate::formula::restore(&whole[a..b])) };
                    let mut pre = Vec::new();
                    if rec.unclosed_quote {
                        pre.push(Violation { rule: Rule::UnbalancedQuote, field: None });
                    }
                    if (columns.headers.len()..ends.len()).any(|i| !field(i).trim().is_empty()) {
                        pre.push(Violation { rule: Rule::ColumnCount, field: None });
                    }
                    let cells = columns.column_of.iter().map(|c| c.map_or("", field));
                    let raw_values = || (0..ends.len().max(columns.headers.len())).map(|i| field(i).to_string()).collect();
                    check_one(&mut checker, &mut r, row, rec.line, cells, pre, raw_values, keep_valid);
                }
                r.text = Some((text, text_enc, encoding));
            }
            Payload::Sheet(batch) => {
                // Cells are borrowed from the batch: nothing is allocated per cell or per row
                // unless the row is rejected.
                let view = batch.view();
                let mut dense: Vec<&str> = Vec::new();
                let width = columns.headers.len();
                for i in 0..batch.len() {
                    view.dense(i, &mut dense);
                    if dense.iter().all(|c| c.trim().is_empty()) {
                        r.blank += 1;
                        continue;
                    }
                    let row = r.rows as u32;
                    r.rows += 1;
                    let line = batch.line(i);
                    r.meta.push(RowMeta { line, span: (i as u32, 0) });
                    let mut pre = Vec::new();
                    if dense.len() > width && dense[width..].iter().any(|c| !c.trim().is_empty()) {
                        pre.push(Violation { rule: Rule::ColumnCount, field: None });
                    }
                    let cells = columns.column_of.iter().map(|c| c.and_then(|c| dense.get(c).copied()).unwrap_or(""));
                    check_one(&mut checker, &mut r, row, line, cells, pre, || view.to_strings(i), keep_valid);
                }
                drop(dense);
                r.sheet = Some(batch);
            }
        }
        if tx.send(r).is_err() {
            return;
        }
    }
}

/// A record of a chunk that did not decode as a whole, decoded field by field.
/// Decodes a GBK/GB18030 chunk into a recycled buffer; None if any byte is malformed.
fn decode_into(raw: &[u8], buf: Vec<u8>) -> Option<Vec<u8>> {
    let mut out = String::from_utf8(buf).unwrap_or_default();
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    out.reserve(decoder.max_utf8_buffer_length_without_replacement(raw.len())?);
    let (result, _) = decoder.decode_to_string_without_replacement(raw, &mut out, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Some(out.into_bytes()),
        _ => None,
    }
}

fn refield(rec: &Record, encoding: TextEncoding) -> Option<(String, Vec<(usize, usize)>)> {
    let mut text = String::new();
    let mut ranges = Vec::with_capacity(rec.len());
    for i in 0..rec.len() {
        let start = text.len();
        text.push_str(&encoding.decode(rec.field(i))?);
        ranges.push((start, text.len()));
    }
    Some((text, ranges))
}

fn reject_undecodable(r: &mut ChunkResult, row: u32, rec: &Record, encoding: TextEncoding) {
    let raw = (0..rec.len()).map(|i| encoding.decode_lossy(rec.field(i))).collect();
    r.rule_rows[Rule::EncodingInvalid as usize] += 1;
    r.rejected.push((row, RejectedRow { line: rec.line, raw, violations: vec![Violation { rule: Rule::EncodingInvalid, field: None }] }));
}

#[allow(clippy::too_many_arguments)]
fn check_one<'a>(
    checker: &mut RowChecker,
    r: &mut ChunkResult,
    row: u32,
    line: u64,
    cells: impl Iterator<Item = &'a str>,
    pre: Vec<Violation>,
    raw_values: impl FnOnce() -> Vec<String>,
    keep_valid: bool,
) {
    let out = checker.check(cells);
    for w in &out.warnings {
        if w.0 != 0 {
            for warn in w.iter() {
                r.warnings[warn as usize] += 1;
            }
        }
    }
    for k in &out.keys {
        r.keys.push((row, k.slot, k.rule, k.field, k.key));
    }
    if out.is_valid() && pre.is_empty() {
        if keep_valid {
            let n = checker.template.fields.len();
            let mut joined = String::new();
            for i in 0..n {
                if i > 0 {
                    joined.push('\u{1f}');
                }
                joined.push_str(checker.value(i));
            }
            r.valid.push((row, line, joined));
        }
        return;
    }
    let mut violations = pre;
    violations.extend_from_slice(&out.violations);
    let mut seen = 0u64;
    for v in &violations {
        if seen & v.rule.bit() == 0 {
            seen |= v.rule.bit();
            r.rule_rows[v.rule as usize] += 1;
        }
    }
    r.rejected.push((row, RejectedRow { line, raw: raw_values(), violations }));
}

fn collect(
    pool: &Pool,
    rx: Receiver<ChunkResult>,
    sink: &mut dyn Sink,
    report: &mut Report,
    estimate: usize,
) -> Result<(), IngestError> {
    let mut pending: BTreeMap<u64, ChunkResult> = BTreeMap::new();
    let mut next = 0;
    let mut sets: Vec<KeySet> = Vec::new();
    let mut first_error: Option<IngestError> = None;
    for r in rx {
        pending.insert(r.seq, r);
        while let Some(r) = pending.remove(&next) {
            next += 1;
            if first_error.is_none() {
                match finish_chunk(r, sink, report, &mut sets, estimate) {
                    Ok(Some(buf)) => pool.put(buf),
                    Ok(None) => {}
                    Err(e) => first_error = Some(e),
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn finish_chunk(
    mut r: ChunkResult,
    sink: &mut dyn Sink,
    report: &mut Report,
    sets: &mut Vec<KeySet>,
    estimate: usize,
) -> Result<Option<Vec<u8>>, IngestError> {
    // Duplicates, in file order: the first occurrence of a key stays, later ones are rejected.
    let mut dups: Vec<(u32, Rule, u16)> = Vec::new();
    if sets.is_empty() {
        sets.push(KeySet::with_capacity(estimate));
    }
    let set = &mut sets[0];
    // Warm the slot of a key a few places ahead so that its cache miss overlaps this one.
    const AHEAD: usize = 8;
    let mut warm = 0u64;
    let keys = &r.keys;
    let mut j = 0;
    while j < keys.len() {
        if let Some(&(_, _, _, _, k2)) = keys.get(j + AHEAD) {
            warm ^= set.touch(k2);
        }
        let (row, slot, rule, field, key) = keys[j];
        // The same value under both slots of one row (学籍号 G + ID number): one probe.
        let pair = keys.get(j + 1).filter(|n| n.0 == row && n.4 == key && n.1 != slot).copied();
        let slots = (1u8 << slot) | pair.map_or(0, |p| 1 << p.1);
        let seen = set.insert(key, slots);
        if seen & (1 << slot) != 0 {
            dups.push((row, rule, field));
        }
        if let Some(p) = pair {
            if seen & (1 << p.1) != 0 {
                dups.push((row, p.2, p.3));
            }
            j += 1;
        }
        j += 1;
    }
    std::hint::black_box(warm);
    for (rule, n) in Rule::ALL.iter().zip(r.rule_rows.iter()) {
        if *n > 0 {
            *report.errors.entry(rule.code().to_string()).or_default() += n;
        }
    }
    for (w, n) in Warning::ALL.iter().zip(r.warnings.iter()) {
        if *n > 0 {
            *report.warnings.entry(w.code().to_string()).or_default() += n;
        }
    }
    for (_, rule, _) in &dups {
        *report.errors.entry(rule.code().to_string()).or_default() += 1;
    }
    report.rows_read += r.rows;
    report.blank_rows += r.blank;
    // Merge the content-rejected rows with the duplicate ones, in row order.
    let mut dup_iter = dups.into_iter().peekable();
    let mut rejected = std::mem::take(&mut r.rejected).into_iter().peekable();
    let mut valid = std::mem::take(&mut r.valid).into_iter().peekable();
    let mut rejected_count = 0u64;
    loop {
        let next_row = [rejected.peek().map(|x| x.0), dup_iter.peek().map(|x| x.0), valid.peek().map(|x| x.0)]
            .into_iter()
            .flatten()
            .min();
        let Some(row) = next_row else { break };
        let mut extra: Vec<Violation> = Vec::new();
        while dup_iter.peek().is_some_and(|d| d.0 == row) {
            let (_, rule, field) = dup_iter.next().expect("peeked");
            extra.push(Violation { rule, field: Some(field) });
        }
        if rejected.peek().is_some_and(|x| x.0 == row) {
            let (_, mut rr) = rejected.next().expect("peeked");
            rr.violations.extend(extra);
            rejected_count += 1;
            sink.rejected(&rr).map_err(IngestError::Sink)?;
            if valid.peek().is_some_and(|v| v.0 == row) {
                valid.next();
            }
        } else if !extra.is_empty() {
            if valid.peek().is_some_and(|v| v.0 == row) {
                valid.next();
            }
            let rr = RejectedRow { line: r.meta[row as usize].line, raw: raw_of(&r, row as usize), violations: extra };
            rejected_count += 1;
            sink.rejected(&rr).map_err(IngestError::Sink)?;
        } else if let Some((_, line, joined)) = valid.next() {
            let values: Vec<&str> = joined.split('\u{1f}').collect();
            sink.valid(line, &values).map_err(IngestError::Sink)?;
        }
    }
    report.rows_rejected += rejected_count;
    report.rows_valid += r.rows - rejected_count;
    Ok(r.text.take().map(|t| t.0).or_else(|| r.sheet.take().map(Rows::into_buffer)))
}

/// The original values of a row, re-read from its chunk.
fn raw_of(r: &ChunkResult, row: usize) -> Vec<String> {
    let meta = &r.meta[row];
    if let Some((text, text_enc, encoding)) = &r.text {
        let (a, b) = (meta.span.0 as usize, meta.span.1 as usize);
        let mut p = Parser::new(&text[a..b], b',', meta.line);
        // The delimiter is not stored in the chunk; try comma, then tab, by which yields more fields.
        let mut rec = Record::default();
        p.next_into(&mut rec);
        let mut p2 = Parser::new(&text[a..b], b'\t', meta.line);
        let mut rec2 = Record::default();
        p2.next_into(&mut rec2);
        let rec = if rec2.len() > rec.len() { rec2 } else { rec };
        let enc = if *text_enc == 0 { TextEncoding::Utf8 } else { *encoding };
        (0..rec.len()).map(|i| enc.decode_lossy(rec.field(i))).collect()
    } else if let Some(batch) = &r.sheet {
        batch.view().to_strings(meta.span.0 as usize)
    } else {
        Vec::new()
    }
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<ChunkResult>();
    is_send::<PathBuf>();
}
