//! The effective configuration as `tianfu config` prints it: every key, its value and where the
//! value came from, with secrets hidden.

use crate::{Config, Source, KEYS};
use serde::Serialize;

/// One printed setting.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub key: &'static str,
    /// The value as TOML (secrets as `"***"`, a URL's password as `***`).
    pub value: String,
    /// The same value as JSON (null when not set).
    pub json: serde_json::Value,
    /// `default`, `file PATH`, `env TIANFU_X`, `flag --x` or `derived: why`.
    pub source: String,
}

/// `scheme://user:password@host/…` with the password hidden; anything else unchanged.
pub fn hide_password(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(p), Some(at)) if at > p => {
            let creds = &s[p + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &s[..p + 3], &s[at..]),
                None => s.to_string(),
            }
        }
        // key=value connection strings: password=… anywhere.
        _ => s
            .split(' ')
            .map(|w| if w.to_ascii_lowercase().starts_with("password=") { "password=***" } else { w })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

impl Config {
    /// Every key with its effective value and source. The database is shown as it is opened
    /// (`data_dir/tianfu.db` when not set). Never contains a secret.
    pub fn describe(&self) -> Vec<Entry> {
        let table = toml::Value::try_from(self).ok();
        KEYS.iter()
            .map(|k| {
                let mut source = self.sources.get(k.name);
                let v: Option<toml::Value> = match k.name {
                    "db" => {
                        if self.db.is_none() {
                            source = Source::Derived("data_dir/tianfu.db".into());
                        }
                        Some(toml::Value::String(self.db_display()))
                    }
                    _ if k.secret => Some(toml::Value::String("***".into())),
                    _ => table.as_ref().and_then(|t| k.name.split('.').try_fold(t, |v, part| v.get(part))).cloned().map(hide_in),
                };
                let value = v.as_ref().map_or_else(|| "(none)".to_string(), |v| v.to_string());
                let json = v.map_or(serde_json::Value::Null, |v| serde_json::to_value(v).unwrap_or_default());
                Entry { key: k.name, value, json, source: source.to_string() }
            })
            .collect()
    }

    /// [`Config::describe`] as aligned text, one key a line.
    pub fn describe_text(&self) -> String {
        let rows = self.describe();
        let kw = rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
        let vw = rows.iter().map(|r| r.value.chars().count()).max().unwrap_or(0).min(48);
        let mut s = String::new();
        for r in rows {
            let pad = vw.saturating_sub(r.value.chars().count());
            s.push_str(&format!("{:kw$} = {}{}  # {}\n", r.key, r.value, " ".repeat(pad), r.source));
        }
        s
    }
}

/// Passwords in every string of a value hidden (URLs with credentials in lists or tables too).
fn hide_in(v: toml::Value) -> toml::Value {
    match v {
        toml::Value::String(s) => toml::Value::String(hide_password(&s)),
        toml::Value::Array(a) => toml::Value::Array(a.into_iter().map(hide_in).collect()),
        toml::Value::Table(t) => toml::Value::Table(t.into_iter().map(|(k, v)| (k, hide_in(v))).collect()),
        other => other,
    }
}
