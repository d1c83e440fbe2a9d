//! Progress on a terminal: a bar of rows read, rows/s and the time left while a file is
//! imported; a line of checks done while the monitor worker runs. Nothing at all when stderr is
//! not a terminal (pipes, cron, systemd, tests): the commands' output stays their answer.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Whether progress is shown.
pub fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The rows of a text file of `size` bytes, guessed from its first bytes (`sample`): the header
/// line is left out and the others are taken to be as long as those in the sample. None when
/// the sample has no complete data line (or the file is compressed, like XLSX).
pub fn estimate_rows(size: u64, sample: &[u8]) -> Option<u64> {
    let first = sample.iter().position(|&b| b == b'\n')?;
    let last = sample.iter().rposition(|&b| b == b'\n')?;
    let lines = sample[first + 1..=last].iter().filter(|&&b| b == b'\n').count() as u64;
    if lines == 0 {
        return None;
    }
    let mean = (last - first) as f64 / lines as f64;
    Some(((size.saturating_sub(first as u64 + 1)) as f64 / mean).round().max(1.0) as u64)
}

/// The bar's length once `done` rows are read of an estimated `estimate`: a guess that proves
/// short grows by a tenth, so that the bar never shows more than all.
pub fn length_for(estimate: u64, done: u64) -> u64 {
    if done < estimate {
        estimate
    } else {
        done + done / 10 + 1
    }
}

/// A display updated from a thread until dropped.
pub struct Display {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn spawn(bar: ProgressBar, mut tick: impl FnMut(&ProgressBar) + Send + 'static) -> Display {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let thread = std::thread::spawn(move || {
        // Redrawing, not waiting for anything: ten frames a second.
        while !s.load(Ordering::Relaxed) {
            tick(&bar);
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
    });
    Display { stop, thread: Some(thread) }
}

/// The import's bar over `rows` (rows read so far), or None off a terminal.
pub fn import(file: &Path, rows: Arc<AtomicU64>) -> Option<Display> {
    if !on_terminal() {
        return None;
    }
    let xlsx = file.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let estimate = if xlsx { None } else { sample_estimate(file) };
    let bar = match estimate {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:32} {pos}/{len} 行 rows  {per_sec}  剩余 ETA {eta}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {pos} 行 rows  {per_sec}  {elapsed}").unwrap_or_else(|_| ProgressStyle::default_spinner())),
    };
    Some(spawn(bar, move |b| {
        let done = rows.load(Ordering::Relaxed);
        if let Some(n) = estimate {
            b.set_length(length_for(n, done));
        }
        b.set_position(done);
    }))
}

fn sample_estimate(file: &Path) -> Option<u64> {
    let size = std::fs::metadata(file).ok()?.len();
    let mut sample = Vec::with_capacity(1 << 16);
    std::fs::File::open(file).ok()?.take(1 << 16).read_to_end(&mut sample).ok()?;
    estimate_rows(size, &sample)
}

/// The monitor worker's line: checks and problems found so far (from the process's metrics),
/// or None off a terminal.
pub fn worker() -> Option<Display> {
    if !on_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg}  {elapsed}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    Some(spawn(bar, |b| {
        let m = telemetry::global();
        let (checks, down, findings) = (m.total("tianfu_monitor_checks_total"), m.counter("tianfu_monitor_checks_total", &[("result", "down")]), m.total("tianfu_monitor_findings_total"));
        b.set_message(format!("已检测 {checks} 次（无法访问 {down}），发现问题 {findings} / {checks} checks ({down} down), {findings} findings"));
        b.tick();
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_from_the_file_size() {
        // A header and three data lines of 10 bytes: a 1,000,011-byte file holds 100,000 rows.
        let sample = b"a,b,c,d,e\n123456789\n123456789\n123456789\n";
        assert_eq!(estimate_rows(sample.len() as u64, sample), Some(3));
        assert_eq!(estimate_rows(10 + 1_000_000, sample), Some(100_000));
        // A cut line at the sample's end is not counted.
        assert_eq!(estimate_rows(10 + 1_000_000, b"a,b,c,d,e\n123456789\n1234"), Some(100_000));
        assert_eq!(estimate_rows(100, b"only a header\n"), None);
        assert_eq!(estimate_rows(100, b"no newline at all"), None);
        assert_eq!(estimate_rows(0, b""), None);
    }

    #[test]
    fn the_bar_never_overflows() {
        assert_eq!(length_for(1000, 0), 1000);
        assert_eq!(length_for(1000, 999), 1000);
        assert_eq!(length_for(1000, 1000), 1101);
        assert!(length_for(1000, 5000) > 5000);
    }
}
