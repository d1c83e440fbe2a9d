//! The one way every command reads its configuration: defaults → the configuration file →
//! `TIANFU_*` → the command's flags (see the `config` crate). The file is `--config FILE` (a
//! global flag), else `TIANFU_CONFIG`, else `tianfu.toml` in the working folder when it exists.

use super::fail;
pub use ::config::Flag;
use standard::Lang;
use std::path::PathBuf;
use std::sync::OnceLock;

static FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Set once by `main` from the global `--config` flag.
pub fn set_file(f: Option<PathBuf>) {
    let _ = FILE.set(f);
}

/// The configuration file and whether it was named (then it must exist).
fn file() -> (PathBuf, bool) {
    if let Some(Some(f)) = FILE.get() {
        return (f.clone(), true);
    }
    match std::env::var_os("TIANFU_CONFIG").filter(|v| !v.is_empty()) {
        Some(f) => (PathBuf::from(f), true),
        None => (PathBuf::from("tianfu.toml"), false),
    }
}

/// The configuration with these flags over it, or why not (English; [`resolve`] says it in the
/// user's language).
pub fn load(flags: &[Option<Flag>]) -> Result<::config::Config, String> {
    let (c, warnings) = load_with_warnings(flags)?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(c)
}

/// [`load`] without printing the warnings (the log setup reads the configuration before the
/// command, which reports them).
pub fn load_quiet(flags: &[Option<Flag>]) -> Result<::config::Config, String> {
    load_with_warnings(flags).map(|(c, _)| c)
}

fn load_with_warnings(flags: &[Option<Flag>]) -> Result<(::config::Config, Vec<String>), String> {
    let (path, named) = file();
    if named && !path.is_file() {
        return Err(format!("配置文件 {0} 不存在 / the configuration file {0} does not exist", path.display()));
    }
    let flags: Vec<Flag> = flags.iter().flatten().cloned().collect();
    ::config::Config::load_with(Some(&path), std::env::vars(), &flags)
}

/// [`load`], or exit code 2 after saying what is wrong.
pub fn resolve(lang: Lang, flags: &[Option<Flag>]) -> Result<::config::Config, u8> {
    load(flags).map_err(|e| fail(lang, &format!("配置错误：{e}"), &format!("configuration error: {e}")))
}

/// The `--db` flag as a configuration layer.
pub fn db_flag(db: Option<&String>) -> Option<Flag> {
    Flag::opt("--db", "db", db)
}
