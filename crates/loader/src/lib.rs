//! 导入 — the import spine: a file is validated by `ingest` and its rows written to the `store`
//! in one batch (stored, unchanged or rejected, nothing lost); the CLI and the web console both
//! import through [`import_file`]. Also the error workbook of a stored batch ([`write_errors`]).
#![forbid(unsafe_code)]

use ingest::{Options, RejectedRow, Sink};
use sha2::{Digest, Sha256};
use standard::check::ScopeRule;
use standard::{Entity, Lang, Rule};
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use store::{BatchMeta, Browse, ImportBatch, SchoolQuery, Scope, StoreError};

/// What an import did, as printed (text or JSON).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub batch_id: Option<i64>,
    pub entity: Entity,
    pub file: String,
    /// The same file (by content hash) was imported before: nothing was written.
    pub already_imported: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_at: Option<String>,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub errors: std::collections::BTreeMap<String, u64>,
    pub warnings: std::collections::BTreeMap<String, u64>,
    pub unknown_columns: Vec<String>,
    pub elapsed_ms: u64,
    /// Peak resident memory of the process, MiB (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_mib: Option<u64>,
}

struct StoreSink<'a> {
    batch: Box<dyn ImportBatch + 'a>,
    failed: Option<StoreError>,
    progress: Option<Arc<AtomicU64>>,
}

impl Sink for StoreSink<'_> {
    fn begin(&mut self, columns: &ingest::Columns) -> Result<(), String> {
        self.batch.columns(store::FileColumns { width: columns.headers.len(), column_of: columns.column_of.clone() });
        Ok(())
    }
    fn valid(&mut self, line: u64, values: &[&str]) -> Result<(), String> {
        if let Some(p) = &self.progress {
            p.fetch_add(1, Ordering::Relaxed);
        }
        self.batch.record(line, values).map_err(|e| self.fail(e))
    }
    fn rejected(&mut self, row: &RejectedRow) -> Result<(), String> {
        if let Some(p) = &self.progress {
            p.fetch_add(1, Ordering::Relaxed);
        }
        let mut codes: Vec<&str> = Vec::with_capacity(row.violations.len());
        for v in &row.violations {
            if !codes.contains(&v.rule.code()) {
                codes.push(v.rule.code());
            }
        }
        self.batch.rejected(row.line, &row.raw, &codes).map_err(|e| self.fail(e))
    }
}

impl StoreSink<'_> {
    fn fail(&mut self, e: StoreError) -> String {
        let s = e.to_string();
        self.failed = Some(e);
        s
    }
}

/// The file's content hash, hex: SHA-256 over the file's length and the SHA-256 of each 64 MiB
/// part, the parts hashed in parallel (a 2.5 GB file in about half the time of one sequential
/// SHA-256 pass, which sits before the import on its critical path).
pub fn file_hash(path: &Path) -> std::io::Result<String> {
    file_hash_in_parts(path, HASH_PART)
}

/// The part size of [`file_hash`].
const HASH_PART: u64 = 64 << 20;

fn file_hash_in_parts(path: &Path, part_size: u64) -> std::io::Result<String> {
    let len = std::fs::metadata(path)?.len();
    let parts = len.div_ceil(part_size).max(1) as usize;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(parts);
    let digests: Vec<std::io::Result<Vec<(usize, [u8; 32])>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || -> std::io::Result<Vec<(usize, [u8; 32])>> {
                    use std::io::{Seek, SeekFrom};
                    let mut f = std::fs::File::open(path)?;
                    let mut buf = vec![0u8; 1 << 20];
                    let mut out = Vec::new();
                    for part in (t..parts).step_by(threads) {
                        f.seek(SeekFrom::Start(part as u64 * part_size))?;
                        let mut h = Sha256::new();
                        let mut left = part_size.min(len.saturating_sub(part as u64 * part_size));
                        while left > 0 {
                            let want = (left as usize).min(buf.len());
                            let n = f.read(&mut buf[..want])?;
                            if n == 0 {
                                break;
                            }
                            h.update(&buf[..n]);
                            left -= n as u64;
                        }
                        out.push((part, h.finalize().into()));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("hash thread")).collect()
    });
    let mut all: Vec<(usize, [u8; 32])> = Vec::with_capacity(parts);
    for d in digests {
        all.extend(d?);
    }
    all.sort_by_key(|p| p.0);
    Ok(combine(len, all.iter().map(|(_, d)| d)))
}

fn combine<'a>(len: u64, parts: impl Iterator<Item = &'a [u8; 32]>) -> String {
    let mut h = Sha256::new();
    h.update(len.to_le_bytes());
    for d in parts {
        h.update(d);
    }
    let mut s = String::with_capacity(64);
    for b in h.finalize() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// [`file_hash`] computed while the bytes go by (an upload hashed as it is written to disk, so
/// that the file is not read a second time for its hash).
pub struct StreamHash {
    part_size: u64,
    len: u64,
    in_part: u64,
    current: Sha256,
    parts: Vec<[u8; 32]>,
}

impl Default for StreamHash {
    fn default() -> StreamHash {
        StreamHash::with_part(HASH_PART)
    }
}

impl StreamHash {
    fn with_part(part_size: u64) -> StreamHash {
        StreamHash { part_size, len: 0, in_part: 0, current: Sha256::new(), parts: Vec::new() }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = ((self.part_size - self.in_part) as usize).min(data.len());
            self.current.update(&data[..take]);
            self.in_part += take as u64;
            self.len += take as u64;
            data = &data[take..];
            if self.in_part == self.part_size {
                self.parts.push(std::mem::take(&mut self.current).finalize().into());
                self.in_part = 0;
            }
        }
    }

    /// The bytes so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn finish(mut self) -> String {
        if self.in_part > 0 || self.parts.is_empty() {
            self.parts.push(self.current.finalize().into());
        }
        combine(self.len, self.parts.iter())
    }
}

/// A failure, with its message in both languages.
pub struct Failure {
    pub zh: String,
    pub en: String,
}

impl Failure {
    /// The same failure naming the file as the user knows it: an upload is stored under a
    /// server path that no message may show.
    pub fn naming(self, path: &Path, name: &str) -> Failure {
        let full = path.display().to_string();
        let base = path.file_name().map(|b| b.to_string_lossy().into_owned()).filter(|b| !b.is_empty());
        let fix = |s: String| {
            let s = s.replace(&full, name);
            match &base {
                Some(b) => s.replace(b.as_str(), name),
                None => s,
            }
        };
        Failure { zh: fix(self.zh), en: fix(self.en) }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure { zh: e.zh(), en: e.to_string() }
    }
}

impl From<ingest::IngestError> for Failure {
    fn from(e: ingest::IngestError) -> Failure {
        Failure { zh: e.zh(), en: e.to_string() }
    }
}

/// How to import: the validation options (entity, encoding, sheet, province) plus who and whether
/// to import a file seen before.
pub struct ImportOptions {
    pub validate: Options,
    pub user: String,
    pub force: bool,
    /// Rows read so far, for a progress bar.
    pub progress: Option<Arc<AtomicU64>>,
    /// The file's name as the user knows it (an upload is stored under another name): batches,
    /// outcomes and failure messages name the file by it.
    pub file_name: Option<String>,
    /// The writer's area: the store refuses every record outside it (`out_of_scope`).
    pub scope: Scope,
    /// The file's [`file_hash`], when it is known already (an upload hashed while it was
    /// written, see [`StreamHash`]): the file is then not read once more for it.
    pub file_hash: Option<String>,
}

/// Validates `file` and stores it in one batch; the previous state stays intact on any failure.
/// With `o.file_name`, messages name the file by it, never by its path. Logged (counts only:
/// neither the file's name nor its rows) and counted in the process's metrics.
#[tracing::instrument(name = "import", skip_all, fields(entity = o.validate.entity.key()))]
pub fn import_file(store: &mut dyn store::Store, file: &Path, o: ImportOptions) -> Result<Outcome, Failure> {
    let shown = o.file_name.clone();
    let entity = o.validate.entity.key();
    let r = import_named(store, file, o);
    count(entity, &r);
    match shown {
        Some(name) => r.map_err(|f| f.naming(file, &name)),
        None => r,
    }
}

/// The import's figures in the log and in `tianfu_import_*` metrics.
fn count(entity: &'static str, r: &Result<Outcome, Failure>) {
    let m = telemetry::global();
    match r {
        Ok(o) if o.already_imported => {
            m.add("tianfu_import_batches_total", &[("entity", entity), ("outcome", "already_imported")], 1);
            tracing::info!(batch = o.batch_id, "file imported before: nothing written");
        }
        Ok(o) => {
            m.add("tianfu_import_batches_total", &[("entity", entity), ("outcome", "ok")], 1);
            for (outcome, n) in [("inserted", o.inserted), ("updated", o.updated), ("unchanged", o.unchanged), ("rejected", o.rejected)] {
                m.add("tianfu_import_rows_total", &[("entity", entity), ("outcome", outcome)], n);
            }
            tracing::info!(batch = o.batch_id, rows = o.rows_read, inserted = o.inserted, updated = o.updated, unchanged = o.unchanged, rejected = o.rejected, ms = o.elapsed_ms, "import stored");
        }
        Err(_) => {
            m.add("tianfu_import_batches_total", &[("entity", entity), ("outcome", "failed")], 1);
            // The reason names the file and may quote the database: it goes to the user and
            // the audit log, not here.
            tracing::info!("import failed: nothing written");
        }
    }
}

fn import_named(store: &mut dyn store::Store, file: &Path, mut o: ImportOptions) -> Result<Outcome, Failure> {
    let started = std::time::Instant::now();
    let entity = o.validate.entity;
    if !file.is_file() {
        return Err(ingest::IngestError::NotFound(file.to_path_buf()).into());
    }
    let hash = match o.file_hash.take() {
        Some(h) => h,
        None => file_hash(file).map_err(|e| Failure { zh: format!("无法读取 {}：{e}", file.display()), en: format!("cannot read {}: {e}", file.display()) })?,
    };
    let file_name = o.file_name.clone().unwrap_or_else(|| file.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string());
    let shown = o.file_name.clone().unwrap_or_else(|| file.display().to_string());
    if !o.force {
        // Only the same account's earlier import of the file counts: another's batch would
        // tell its counts, and its rows were judged against another area.
        if let Some(b) = store.find_batch_by_hash(entity, &hash)?.filter(|b| b.user == o.user) {
            let report: ingest::Report = serde_json::from_str(&b.report_json).unwrap_or_else(|_| ingest::Report::new(entity, &empty_columns(entity), ""));
            return Ok(Outcome {
                batch_id: Some(b.id),
                entity,
                file: shown,
                already_imported: true,
                previous_at: Some(b.finished_at.clone()),
                rows_read: b.rows_read,
                inserted: 0,
                updated: 0,
                unchanged: b.rows_read - b.rejected,
                rejected: b.rejected,
                errors: report.errors,
                warnings: report.warnings,
                unknown_columns: report.unknown_columns,
                elapsed_ms: started.elapsed().as_millis() as u64,
                peak_rss_mib: ingest::report::peak_rss_kib().map(|k| k / 1024),
            });
        }
    }
    if entity != Entity::School {
        o.validate.schools = Some(Arc::new(store.school_codes()?));
    }
    o.validate.keep_valid = true;
    let meta = BatchMeta { entity, file_name, file_hash: hash, user: o.user.clone(), scope: o.scope.clone() };
    let batch = store.begin_import(&meta)?;
    let mut sink = StoreSink { batch, failed: None, progress: o.progress.clone() };
    let mut report = match ingest::run(file, &o.validate, &mut sink) {
        Ok(r) => r,
        // The batch is dropped unapplied: nothing was written.
        Err(e) => return Err(sink.failed.take().map(Failure::from).unwrap_or_else(|| e.into())),
    };
    let StoreSink { mut batch, .. } = sink;
    // Rows the store refused for the writer's area count as rejected rows of their rule.
    let refused = batch.settle()?;
    if refused > 0 {
        report.rows_valid = report.rows_valid.saturating_sub(refused);
        report.rows_rejected += refused;
        *report.errors.entry(store::OUT_OF_SCOPE.to_string()).or_insert(0) += refused;
    }
    let report_json = serde_json::to_string(&report).expect("report serialises");
    let summary = batch.commit(report.rows_read, &report_json)?;
    Ok(Outcome {
        batch_id: Some(summary.id),
        entity,
        file: shown,
        already_imported: false,
        previous_at: None,
        rows_read: summary.rows_read,
        inserted: summary.inserted,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: summary.rejected,
        errors: report.errors,
        warnings: report.warnings,
        unknown_columns: report.unknown_columns,
        elapsed_ms: started.elapsed().as_millis() as u64,
        peak_rss_mib: ingest::report::peak_rss_kib().map(|k| k / 1024),
    })
}

pub fn empty_columns(entity: Entity) -> ingest::Columns {
    ingest::Columns { entity, headers: vec![], field_of: vec![], column_of: vec![], unknown: vec![] }
}


/// The import restriction of a scope: None for the whole province (no restriction), else the
/// counties and the schools inside it.
pub fn scope_rule(store: &mut dyn Browse, scope: &Scope, province: u32) -> Result<Option<ScopeRule>, StoreError> {
    let (lo, hi) = match scope {
        Scope::Region { lo, hi } if *lo <= province * 10_000 && *hi >= province * 10_000 + 9_999 => return Ok(None),
        Scope::Region { lo, hi } => (*lo, *hi),
        Scope::School { county, .. } => (*county, *county),
        Scope::Nothing => (1, 0),
    };
    let mut rule = ScopeRule { counties: (lo, hi), schools: Default::default() };
    if matches!(scope, Scope::Nothing) {
        return Ok(Some(rule));
    }
    store.each_school(scope, &SchoolQuery::default(), &mut |r| {
        rule.schools.extend(r.key.parse::<u64>().ok());
        true
    })?;
    if let Scope::School { .. } = scope {
        // A school administrator imports the school's teachers and students, not schools.
        rule.counties = (1, 0);
    }
    Ok(Some(rule))
}

/// Writes a stored batch's rejected rows to `path` (`.csv` or `.xlsx`): the original cells, the
/// offending ones highlighted (XLSX), each row's reasons in the user's language.
pub fn write_errors(store: &mut dyn store::Store, batch: &store::BatchSummary, path: &Path, lang: Lang) -> Result<u64, Failure> {
    use ingest::errors_file::{field_of_rule, ErrorsFile};
    use ingest::Columns;
    use standard::check::Violation;
    let report: ingest::Report = serde_json::from_str(&batch.report_json).unwrap_or_else(|_| ingest::Report::new(batch.entity, &empty_columns(batch.entity), ""));
    let columns = Columns::map(batch.entity, report.columns.clone()).unwrap_or(Columns {
        entity: batch.entity,
        headers: report.columns.clone(),
        field_of: vec![],
        column_of: vec![None; batch.entity.template().fields.len()],
        unknown: vec![],
    });
    let mut sink = ErrorsFile::create(path, lang).map_err(|e| Failure { zh: format!("无法创建 {}：{e}", path.display()), en: format!("cannot create {}: {e}", path.display()) })?;
    sink.begin(&columns).map_err(|e| Failure { zh: e.clone(), en: e })?;
    let t = batch.entity.template();
    let mut write_err: Option<String> = None;
    let mut n = 0u64;
    store.rejected_rows(batch.id, &mut |r| {
        let violations = r
            .codes
            .iter()
            .filter_map(|c| Rule::from_code(c))
            .map(|rule| Violation { rule, field: field_of_rule(rule).and_then(|k| t.index(k)).map(|i| i as u16) })
            .collect();
        n += 1;
        if let Err(e) = sink.rejected(&RejectedRow { line: r.line, raw: r.raw, violations }) {
            write_err = Some(e);
        }
        Ok(())
    })?;
    if let Some(e) = write_err.or_else(|| sink.finish().err()) {
        return Err(Failure { zh: e.clone(), en: e });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_while_streaming_as_from_the_file() {
        let dir = std::env::temp_dir().join(format!("tianfu-loader-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        let part = 1000u64;
        for len in [0usize, 1, 999, 1000, 1001, 2000, 2505] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let mut h = StreamHash::with_part(part);
            for chunk in bytes.chunks(333) {
                h.update(chunk);
            }
            assert_eq!(h.len(), len as u64);
            assert_eq!(h.finish(), file_hash_in_parts(&path, part).unwrap(), "{len} bytes");
        }
        let mut h = StreamHash::default();
        h.update(b"a,b\n1,2\n");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap();
        assert_eq!(h.finish(), file_hash(&path).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failures_name_the_file_as_the_user_knows_it() {
        let path = Path::new("/srv/tianfu-data/uploads/3fa9c1d2e4b5-students.csv");
        let f = Failure::from(ingest::IngestError::NotFound(path.to_path_buf())).naming(path, "学生名单.csv");
        assert!(!f.zh.contains("uploads") && f.zh.contains("学生名单.csv"), "{}", f.zh);
        assert!(!f.en.contains("/srv") && f.en.contains("学生名单.csv"), "{}", f.en);
    }
}
