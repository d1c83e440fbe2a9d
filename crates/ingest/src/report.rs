//! The validation report: counts per rule and warning, as JSON or readable text.

use crate::columns::Columns;
use standard::{Entity, Lang, Rule, Warning};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Report {
    pub entity: Entity,
    pub file: String,
    pub encoding: String,
    pub rows_read: u64,
    pub rows_valid: u64,
    pub rows_rejected: u64,
    /// Rule code → number of rows that broke it.
    pub errors: BTreeMap<String, u64>,
    /// Warning code → number of cells normalised that way.
    pub warnings: BTreeMap<String, u64>,
    pub unknown_columns: Vec<String>,
    /// The header row as read (for writing rejected rows back out later).
    #[serde(default)]
    pub columns: Vec<String>,
    /// Lines with no content (not counted as rows).
    pub blank_rows: u64,
    pub elapsed_ms: u64,
    /// Peak resident memory of this process so far, in MiB (Linux; absent elsewhere).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub peak_rss_mib: Option<u64>,
    /// The data standard's version the rows were validated against (`standard::versions`);
    /// empty in reports written before versions were published.
    #[serde(default)]
    pub standard: String,
}

impl Report {
    pub fn new(entity: Entity, columns: &Columns, encoding: &str) -> Report {
        Report {
            entity,
            file: String::new(),
            encoding: encoding.to_string(),
            rows_read: 0,
            rows_valid: 0,
            rows_rejected: 0,
            errors: BTreeMap::new(),
            warnings: BTreeMap::new(),
            unknown_columns: columns.unknown.iter().take(1000).cloned().collect(),
            columns: columns.headers.iter().take(crate::columns::MAX_HEADER_COLUMNS).cloned().collect(),
            blank_rows: 0,
            elapsed_ms: 0,
            peak_rss_mib: None,
            standard: standard::versions::VERSION.to_string(),
        }
    }

    pub fn finish(&mut self, elapsed: Duration) {
        self.elapsed_ms = elapsed.as_millis() as u64;
        self.peak_rss_mib = peak_rss_kib().map(|k| k / 1024);
    }

    /// A summary for people, in Chinese or English.
    pub fn to_text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut s = String::new();
        let secs = self.elapsed_ms as f64 / 1000.0;
        let rate = if secs > 0.0 { self.rows_read as f64 / secs } else { 0.0 };
        if zh {
            let _ = writeln!(s, "文件：{}（{}，编码 {}）", self.file, self.entity.zh(), self.encoding);
            let _ = writeln!(s, "读取 {} 行：有效 {} 行，拒收 {} 行。用时 {:.2} 秒（{:.0} 行/秒）。", self.rows_read, self.rows_valid, self.rows_rejected, secs, rate);
        } else {
            let _ = writeln!(s, "File: {} ({}, encoding {})", self.file, self.entity, self.encoding);
            let _ = writeln!(s, "Read {} rows: {} valid, {} rejected, in {:.2} s ({:.0} rows/s).", self.rows_read, self.rows_valid, self.rows_rejected, secs, rate);
        }
        if !self.errors.is_empty() {
            let _ = writeln!(s, "{}", if zh { "\n错误（行数）：" } else { "\nErrors (rows):" });
            let mut errs: Vec<_> = self.errors.iter().collect();
            errs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (code, n) in errs {
                let msg = Rule::from_code(code).map(|r| r.message(lang)).unwrap_or("");
                let _ = writeln!(s, "  {n:>10}  {code:<24} {msg}");
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(s, "{}", if zh { "\n已自动规范（单元格数，不影响有效性）：" } else { "\nNormalised (cells; rows stay valid):" });
            for (code, n) in &self.warnings {
                let msg = Warning::from_code(code).map(|w| w.message(lang)).unwrap_or("");
                let _ = writeln!(s, "  {n:>10}  {code:<24} {msg}");
            }
        }
        if !self.unknown_columns.is_empty() {
            let _ = writeln!(
                s,
                "{}{}",
                if zh { "\n未识别的列（已忽略）：" } else { "\nUnknown columns (ignored): " },
                self.unknown_columns.join(if zh { "、" } else { ", " })
            );
        }
        if self.blank_rows > 0 {
            let _ = writeln!(s, "{}", if zh { format!("空行 {} 行已跳过。", self.blank_rows) } else { format!("{} blank lines skipped.", self.blank_rows) });
        }
        s
    }
}

/// VmHWM from /proc/self/status: the most memory this process has held.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
