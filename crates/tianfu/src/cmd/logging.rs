//! The log subscriber every subcommand installs: events on stderr, human-readable by default or
//! one JSON object a line (`--log-format json`, `log_format = "json"`), filtered by a level or
//! per-target levels (`--log-level`, `log_level`, `TIANFU_LOG_LEVEL`, `RUST_LOG`).

use std::io::IsTerminal;
use std::str::FromStr;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The flags, over the configuration (the file, then `TIANFU_*`: [`super::conf`]), over
/// `RUST_LOG`, over the command's default level (`info` for long-running servers, `warn` for
/// one-off commands, whose output is their answer).
pub fn resolve(format: Option<LogFormat>, level: Option<&str>, server: bool) -> (LogFormat, String) {
    // A configuration that does not load is reported by the command itself.
    let c = super::conf::load_quiet(&[]).unwrap_or_default();
    let format = format.unwrap_or(if c.log_format == "json" { LogFormat::Json } else { LogFormat::Text });
    let level = level
        .map(str::to_string)
        .or(c.log_level)
        .or_else(|| std::env::var("RUST_LOG").ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| if server { "info" } else { "warn" }.into());
    (format, level)
}

/// Installs the subscriber for the process. A filter that does not parse is reported and
/// replaced by `info`.
pub fn init(format: LogFormat, level: &str) {
    let targets = Targets::from_str(level).unwrap_or_else(|e| {
        eprintln!("warning: log_level `{level}`: {e}; using info");
        Targets::new().with_default(tracing::Level::INFO)
    });
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let r = match format {
        // The request span (with its request_id) is in `spans`, whichever span is innermost.
        LogFormat::Json => tracing_subscriber::registry().with(layer.json().with_current_span(false).with_span_list(true).with_filter(targets)).try_init(),
        LogFormat::Text => tracing_subscriber::registry().with(layer.with_ansi(std::io::stderr().is_terminal()).with_filter(targets)).try_init(),
    };
    // Only ever once per process; a second call changes nothing.
    let _ = r;
}
