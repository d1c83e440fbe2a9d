//! The layers: defaults, the file, `TIANFU_*`, flags — merged as TOML tables, so that a value
//! from the environment or a flag is checked exactly as one from the file is.

use crate::{is_section, key_of, key_of_env, Config, Kind, KEYS};
use std::collections::BTreeMap;
use std::path::Path;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    /// The configuration file, by its path.
    File(String),
    /// An environment variable, by its name.
    Env(String),
    /// A command-line flag, by its name (`--db`).
    Flag(String),
    /// Worked out from another value (why).
    Derived(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {p}"),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(n) => write!(f, "flag {n}"),
            Source::Derived(why) => write!(f, "derived: {why}"),
        }
    }
}

/// The source of every key that did not keep its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources(BTreeMap<String, Source>);

impl Sources {
    pub fn get(&self, key: &str) -> Source {
        self.0.get(key).cloned().unwrap_or(Source::Default)
    }

    pub fn set(&mut self, key: &str, s: Source) {
        self.0.insert(key.to_string(), s);
    }
}

/// A command-line flag that sets a key: `Flag::new("--db", "db", url)`. The value is written as
/// in the environment (numbers as digits, lists comma-separated).
#[derive(Debug, Clone)]
pub struct Flag {
    pub name: String,
    pub key: &'static str,
    pub value: String,
}

impl Flag {
    pub fn new(name: &str, key: &'static str, value: impl Into<String>) -> Flag {
        Flag { name: name.to_string(), key, value: value.into() }
    }

    /// The flag when it was given.
    pub fn opt(name: &str, key: &'static str, value: Option<impl ToString>) -> Option<Flag> {
        value.map(|v| Flag::new(name, key, v.to_string()))
    }
}

/// A value written as text (environment, flag) as TOML of the key's kind; `what` names where it
/// was written, for the error.
fn typed(key: &str, v: &str, what: &str) -> Result<toml::Value, String> {
    let Some(k) = key_of(key) else { return Err(format!("{what}: there is no setting `{key}`")) };
    Ok(match k.kind {
        Kind::Int | Kind::Province => toml::Value::Integer(v.trim().parse().map_err(|_| format!("{what}: `{v}` is not a whole number"))?),
        Kind::Text => toml::Value::String(v.to_string()),
        Kind::List => toml::Value::Array(v.split(',').map(str::trim).filter(|x| !x.is_empty()).map(|x| toml::Value::String(x.into())).collect()),
        Kind::FileOnly if key == "monitor" => {
            return Err(format!("{what}: the monitor's allowed networks are set in the configuration file ([[monitor.allow]] name, cidr) or with --allow-network, not in the environment"))
        }
        Kind::FileOnly => return Err(format!("{what}: `{key}` is set in the configuration file only")),
    })
}

/// Sets `key` in `table`; a dotted key (`security.incident_deadlines`) in its section's table.
fn put(table: &mut toml::Table, key: &str, v: toml::Value) {
    match key.split_once('.') {
        Some((section, sub)) => {
            let t = table.entry(section.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !t.is_table() {
                *t = toml::Value::Table(toml::Table::new());
            }
            if let Some(t) = t.as_table_mut() {
                t.insert(sub.to_string(), v);
            }
        }
        None => {
            table.insert(key.to_string(), v);
        }
    }
}

pub(crate) fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>, flags: &[Flag]) -> Result<(Config, Vec<String>), String> {
    let mut table = toml::Table::new();
    let mut sources = Sources::default();
    let mut warnings = Vec::new();
    if let Some(path) = file.filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        table = text.parse::<toml::Table>().map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
        let known = KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ");
        for k in table.keys() {
            if key_of(k).is_none() && !is_section(k) {
                warnings.push(format!("{}: unknown setting `{k}` ignored (known: {known})", path.display()));
            }
        }
        table.retain(|k, _| key_of(k).is_some() || is_section(k));
        for (k, v) in &table {
            if is_section(k) {
                // A section's unknown keys are refused when it is read (deny_unknown_fields).
                for sub in v.as_table().map(|t| t.keys().collect::<Vec<_>>()).unwrap_or_default() {
                    sources.set(&format!("{k}.{sub}"), Source::File(path.display().to_string()));
                }
            } else {
                sources.set(k, Source::File(path.display().to_string()));
            }
        }
    }
    let mut env: Vec<(String, String)> = env.into_iter().collect();
    // TIANFU_DB and TIANFU_DATABASE_URL both name the database; the longer, older name wins.
    env.sort_by_key(|(k, _)| k == "TIANFU_DATABASE_URL");
    for (var, v) in env {
        let Some(key) = var.strip_prefix("TIANFU_") else { continue };
        let key = key.to_ascii_lowercase();
        // TIANFU_DATABASE_URL is the database everywhere else in Tianfu.
        let key = if key == "database_url" { "db".to_string() } else { key };
        let Some(k) = key_of_env(&key) else { continue };
        put(&mut table, k.name, typed(k.name, &v, &var)?);
        sources.set(k.name, Source::Env(var));
    }
    for f in flags {
        put(&mut table, f.key, typed(f.key, &f.value, &f.name)?);
        sources.set(f.key, Source::Flag(f.name.clone()));
    }
    let given = table.contains_key("data_dir");
    let mut c: Config = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| format!("configuration: {e}"))?;
    c.sources = sources;
    c.data_dir_given = given;
    let db = c.db.clone();
    c.apply_db(db.as_deref());
    c.check()?;
    Ok((c, warnings))
}
