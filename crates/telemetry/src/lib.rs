//! 运行指标 — the process's metrics: counters, gauges and latency histograms, each with a few
//! labels of bounded cardinality (a route template, a status, an outcome, a kind — never a raw
//! path, a name or a number a person typed), rendered in the Prometheus text exposition format
//! (version 0.0.4) by [`Registry::render`].
//!
//! One registry per process ([`global`]): the web server's requests, the loader's imports and
//! the monitor's checks all count into it, and `/metrics` shows it. Hand-rolled rather than a
//! client crate: Tianfu needs three metric kinds and one output format, and every metric it
//! exposes is listed in [`HELP`], so that an operator reads what each means in one place.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

/// Every metric Tianfu exposes: name, type, help. A metric not listed here is rendered
/// without help (a test keeps the list complete).
pub const HELP: &[(&str, &str, &str)] = &[
    ("tianfu_http_requests_total", "counter", "HTTP requests answered, by route template, method and status"),
    ("tianfu_http_request_duration_seconds", "histogram", "Time to answer an HTTP request, by route template"),
    ("tianfu_import_batches_total", "counter", "Import batches finished, by entity and outcome (ok, failed, already_imported)"),
    ("tianfu_import_rows_total", "counter", "Rows read by imports, by entity and outcome (inserted, updated, unchanged, rejected)"),
    ("tianfu_import_queue_depth", "gauge", "Console imports admitted and not finished (running and waiting)"),
    ("tianfu_import_workers", "gauge", "Console imports that may run at once"),
    ("tianfu_monitor_checks_total", "counter", "Site checks done by this process's monitor worker, by result (up: reachable over IPv4 or IPv6; down)"),
    ("tianfu_monitor_findings_total", "counter", "Problems found by site checks, by kind (unreachable, timeout, cert_expired, ipv6_missing, ...)"),
    ("tianfu_db_pool_connections", "gauge", "Database connections of the request pool, by state (in_use, idle) and the pool's size (max)"),
    ("tianfu_up", "gauge", "1 while the process serves"),
];

/// Latency buckets, in seconds: from a cached page (≈1 ms) to a slow export.
pub const BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

type Key = (&'static str, String);

#[derive(Default)]
struct Inner {
    counters: BTreeMap<Key, u64>,
    gauges: BTreeMap<Key, f64>,
    histograms: BTreeMap<Key, Histogram>,
}

#[derive(Clone, Default)]
struct Histogram {
    /// Per bucket of [`BUCKETS`] (not cumulative), then +Inf.
    counts: [u64; 13],
    sum: f64,
}

/// A set of metrics.
#[derive(Default)]
pub struct Registry {
    inner: Mutex<Inner>,
}

/// The process's registry.
pub fn global() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::default)
}

/// Labels rendered once, in the order given: `route="/schools/{code}",status="200"`.
fn labels(pairs: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{k}=\"");
        for c in v.chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '"' => s.push_str("\\\""),
                '\n' => s.push_str("\\n"),
                c => s.push(c),
            }
        }
        s.push('"');
    }
    s
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while counting leaves numbers, not broken invariants: keep counting.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add(&self, name: &'static str, pairs: &[(&str, &str)], by: u64) {
        *self.lock().counters.entry((name, labels(pairs))).or_default() += by;
    }

    pub fn set(&self, name: &'static str, pairs: &[(&str, &str)], value: f64) {
        self.lock().gauges.insert((name, labels(pairs)), value);
    }

    /// One observation of a duration, in seconds.
    pub fn observe(&self, name: &'static str, pairs: &[(&str, &str)], secs: f64) {
        let i = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        let mut g = self.lock();
        let h = g.histograms.entry((name, labels(pairs))).or_default();
        h.counts[i] += 1;
        h.sum += secs;
    }

    /// A counter's value over all its label sets (progress displays, tests).
    pub fn total(&self, name: &str) -> u64 {
        self.lock().counters.iter().filter(|((n, _), _)| *n == name).map(|(_, v)| *v).sum()
    }

    /// A counter's value for one label set (0 when never counted).
    pub fn counter(&self, name: &'static str, pairs: &[(&str, &str)]) -> u64 {
        self.lock().counters.get(&(name, labels(pairs))).copied().unwrap_or(0)
    }

    /// The Prometheus text format: `# HELP`, `# TYPE`, then the samples of each metric.
    pub fn render(&self) -> String {
        let g = self.lock();
        let mut out = String::new();
        let mut last = "";
        let head = |out: &mut String, name: &'static str, kind: &str, last: &mut &'static str| {
            if *last != name {
                let help = HELP.iter().find(|h| h.0 == name).map_or("", |h| h.2);
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
                *last = name;
            }
        };
        let brace = |l: &str| if l.is_empty() { String::new() } else { format!("{{{l}}}") };
        for ((name, l), v) in &g.counters {
            head(&mut out, name, "counter", &mut last);
            let _ = writeln!(out, "{name}{} {v}", brace(l));
        }
        for ((name, l), v) in &g.gauges {
            head(&mut out, name, "gauge", &mut last);
            let _ = writeln!(out, "{name}{} {v}", brace(l));
        }
        for ((name, l), h) in &g.histograms {
            head(&mut out, name, "histogram", &mut last);
            let sep = if l.is_empty() { "" } else { "," };
            let mut cum = 0;
            for (i, c) in h.counts.iter().enumerate() {
                cum += c;
                let le = BUCKETS.get(i).map_or("+Inf".to_string(), |b| b.to_string());
                let _ = writeln!(out, "{name}_bucket{{{l}{sep}le=\"{le}\"}} {cum}");
            }
            let _ = writeln!(out, "{name}_sum{} {}", brace(l), h.sum);
            let _ = writeln!(out, "{name}_count{} {cum}", brace(l));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_text_format() {
        let r = Registry::default();
        r.add("tianfu_http_requests_total", &[("route", "/schools/{code}"), ("status", "200")], 1);
        r.add("tianfu_http_requests_total", &[("route", "/schools/{code}"), ("status", "200")], 2);
        r.add("tianfu_http_requests_total", &[("route", "a\"b\\c\nd"), ("status", "404")], 1);
        r.set("tianfu_up", &[], 1.0);
        r.observe("tianfu_http_request_duration_seconds", &[("route", "/")], 0.003);
        r.observe("tianfu_http_request_duration_seconds", &[("route", "/")], 0.2);
        r.observe("tianfu_http_request_duration_seconds", &[("route", "/")], 60.0);
        let t = r.render();
        assert!(t.contains("# TYPE tianfu_http_requests_total counter\n"), "{t}");
        assert!(t.contains("tianfu_http_requests_total{route=\"/schools/{code}\",status=\"200\"} 3\n"), "{t}");
        assert!(t.contains("tianfu_http_requests_total{route=\"a\\\"b\\\\c\\nd\",status=\"404\"} 1\n"), "label values escaped: {t}");
        assert_eq!(t.matches("# TYPE tianfu_http_requests_total").count(), 1, "one header per metric");
        assert!(t.contains("tianfu_up 1\n"), "{t}");
        assert!(t.contains("tianfu_http_request_duration_seconds_bucket{route=\"/\",le=\"0.001\"} 0\n"), "{t}");
        assert!(t.contains("tianfu_http_request_duration_seconds_bucket{route=\"/\",le=\"0.005\"} 1\n"), "{t}");
        assert!(t.contains("tianfu_http_request_duration_seconds_bucket{route=\"/\",le=\"0.25\"} 2\n"), "cumulative: {t}");
        assert!(t.contains("tianfu_http_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 3\n"), "{t}");
        assert!(t.contains("tianfu_http_request_duration_seconds_count{route=\"/\"} 3\n"), "{t}");
        assert!(t.contains("tianfu_http_request_duration_seconds_sum{route=\"/\"} 60.203"), "{t}");
        assert_eq!(r.total("tianfu_http_requests_total"), 4);
        assert_eq!(r.counter("tianfu_http_requests_total", &[("route", "/schools/{code}"), ("status", "200")]), 3);
        for line in t.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let base = name.trim_end_matches("_bucket").trim_end_matches("_sum").trim_end_matches("_count");
            assert!(HELP.iter().any(|h| h.0 == base), "{base} has no help");
        }
    }

    /// What a request costs the registry (`cargo test -p telemetry --release -- --ignored
    /// --nocapture`): one counter and one histogram update with a route label, on 1 and 2
    /// threads.
    #[test]
    #[ignore]
    fn cost_per_request() {
        for threads in [1, 2] {
            let r = std::sync::Arc::new(Registry::default());
            let n = 1_000_000;
            let t = std::time::Instant::now();
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    let r = r.clone();
                    std::thread::spawn(move || {
                        for i in 0..n {
                            let route = if i % 2 == 0 { "/api/v1/students" } else { "/schools/{code}" };
                            r.add("tianfu_http_requests_total", &[("route", route), ("method", "GET"), ("status", "200")], 1);
                            r.observe("tianfu_http_request_duration_seconds", &[("route", route)], 0.002);
                        }
                    })
                })
                .collect();
            hs.into_iter().for_each(|h| h.join().unwrap());
            let ns = t.elapsed().as_nanos() as f64 / (n * threads) as f64;
            println!("{threads} thread(s): {ns:.0} ns per request (wall time / requests)");
        }
    }
}
