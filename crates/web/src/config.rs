//! Configuration, layered: defaults → `tianfu.toml` → `TIANFU_*` environment → command-line flags
//! (the CLI applies its flags last). Unknown keys are reported, never silently ignored; secrets are
//! never printed.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Database: a SQLite path or a postgres:// URL (None: `data_dir/tianfu.db`).
    pub db: Option<String>,
    /// Folder for the embedded database and uploads.
    pub data_dir: String,
    /// Sessions end after this many idle minutes (等保 2.0: 30).
    pub session_idle_minutes: u64,
    /// Audit entries are kept this many days; never below 180 (网络安全法 art. 21).
    pub audit_retention_days: u32,
    /// The language of pages for visitors who have not chosen one: `zh` or `en`.
    pub lang: String,
    /// The largest upload, in MiB.
    pub upload_limit_mib: u64,
    /// Database connections for requests.
    pub pool_size: usize,
    /// The address users reach the console at (e.g. `https://tianfu.edu.sc.gov.cn`): an https
    /// address makes session cookies Secure.
    pub public_url: Option<String>,
    /// GB/T 2260 province prefix (51 = Sichuan).
    pub province: u32,
    /// The instance secret the audit chain's keys derive from (None: `data_dir/secret.key`).
    /// Keep it outside the database and readable by Tianfu only.
    pub audit_key_file: Option<String>,
    /// The audit log's head checkpoint (None: `data_dir/audit.head`). Every process that writes
    /// the same log must use the same file (PostgreSQL on several hosts: a shared folder).
    pub audit_head_file: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".into(),
            db: None,
            data_dir: "tianfu-data".into(),
            session_idle_minutes: 30,
            audit_retention_days: 180,
            lang: "zh".into(),
            upload_limit_mib: 2048,
            pool_size: 4,
            public_url: None,
            province: 51,
            audit_key_file: None,
            audit_head_file: None,
        }
    }
}

/// The fewest days of audit log a configuration may keep (网络安全法 art. 21: six months).
pub const MIN_AUDIT_DAYS: u32 = 180;

const KEYS: &[&str] = &[
    "listen", "db", "data_dir", "session_idle_minutes", "audit_retention_days", "lang", "upload_limit_mib", "pool_size", "public_url", "province",
    "audit_key_file", "audit_head_file",
];

impl Config {
    /// Defaults, then the TOML file (when it exists), then `TIANFU_<KEY>` variables from `env`.
    /// Returns the configuration and warnings (unknown keys).
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<(Config, Vec<String>), String> {
        let mut table = toml::Table::new();
        let mut warnings = Vec::new();
        if let Some(path) = file.filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            table = text.parse::<toml::Table>().map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
            for k in table.keys() {
                if !KEYS.iter().any(|x| *x == k) {
                    warnings.push(format!("{}: unknown setting `{k}` ignored (known: {})", path.display(), KEYS.join(", ")));
                }
            }
            table.retain(|k, _| KEYS.iter().any(|x| *x == k));
        }
        for (k, v) in env {
            let Some(key) = k.strip_prefix("TIANFU_") else { continue };
            let key = key.to_ascii_lowercase();
            // TIANFU_DATABASE_URL is the database everywhere else in Tianfu.
            let key = if key == "database_url" { "db".to_string() } else { key };
            if !KEYS.contains(&key.as_str()) {
                continue;
            }
            let value = match Config::default_kind(&key) {
                Kind::Int => toml::Value::Integer(v.trim().parse().map_err(|_| format!("TIANFU_{}: `{v}` is not a whole number", key.to_ascii_uppercase()))?),
                Kind::Text => toml::Value::String(v),
            };
            table.insert(key, value);
        }
        let c: Config = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| format!("configuration: {e}"))?;
        c.check()?;
        Ok((c, warnings))
    }

    fn default_kind(key: &str) -> Kind {
        match key {
            "session_idle_minutes" | "audit_retention_days" | "upload_limit_mib" | "pool_size" | "province" => Kind::Int,
            _ => Kind::Text,
        }
    }

    /// Rejects values that would break the rules the platform promises.
    pub fn check(&self) -> Result<(), String> {
        if self.audit_retention_days < MIN_AUDIT_DAYS {
            return Err(format!(
                "audit_retention_days = {} is below the legal minimum of {MIN_AUDIT_DAYS} days (网络安全法第二十一条：日志留存不少于六个月)",
                self.audit_retention_days
            ));
        }
        if self.session_idle_minutes == 0 || self.session_idle_minutes > 30 {
            return Err(format!("session_idle_minutes = {} must be 1..=30 (等保 2.0 三级：会话超时)", self.session_idle_minutes));
        }
        if !matches!(self.lang.as_str(), "zh" | "en") {
            return Err(format!("lang = {} must be zh or en", self.lang));
        }
        if self.pool_size == 0 {
            return Err("pool_size must be at least 1".into());
        }
        Ok(())
    }

    /// Where the database is, as a display string with any password hidden.
    pub fn db_display(&self) -> String {
        let db = self.db.clone().unwrap_or_else(|| format!("{}/tianfu.db", self.data_dir));
        match (db.find("://"), db.rfind('@')) {
            (Some(s), Some(at)) if at > s => {
                let creds = &db[s + 3..at];
                let user = creds.split(':').next().unwrap_or("");
                format!("{}{user}:***{}", &db[..s + 3], &db[at..])
            }
            _ => db,
        }
    }

    /// Where the audit chain's secret is.
    pub fn audit_key_path(&self) -> std::path::PathBuf {
        self.audit_key_file.as_ref().map_or_else(|| Path::new(&self.data_dir).join("secret.key"), std::path::PathBuf::from)
    }

    /// Where the audit log's head checkpoint is.
    pub fn audit_head_path(&self) -> std::path::PathBuf {
        self.audit_head_file.as_ref().map_or_else(|| Path::new(&self.data_dir).join("audit.head"), std::path::PathBuf::from)
    }

    /// The audit chain of this configuration (its key file created when missing).
    pub fn audit_chain(&self) -> Result<std::sync::Arc<store::AuditChain>, store::secret::SecretError> {
        store::AuditChain::open(&self.audit_key_path(), &self.audit_head_path()).map(std::sync::Arc::new)
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

enum Kind {
    Int,
    Text,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_in_order() {
        let dir = std::env::temp_dir().join(format!("tianfu-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("tianfu.toml");
        std::fs::write(&f, "listen = \"0.0.0.0:9000\"\npool_size = 8\ncolour = \"red\"\n").unwrap();
        let (c, w) = Config::load(Some(&f), [("TIANFU_POOL_SIZE".to_string(), "3".to_string()), ("HOME".into(), "/root".into())]).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000", "file over default");
        assert_eq!(c.pool_size, 3, "environment over file");
        assert_eq!(c.session_idle_minutes, 30, "default");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("colour"));
        let e = Config::load(Some(&f), [("TIANFU_AUDIT_RETENTION_DAYS".to_string(), "30".to_string())]).unwrap_err();
        assert!(e.contains("180"), "{e}");
        let e = Config::load(None, [("TIANFU_POOL_SIZE".to_string(), "many".to_string())]).unwrap_err();
        assert!(e.contains("TIANFU_POOL_SIZE"), "{e}");
        let (c, _) = Config::load(None, [("TIANFU_DATABASE_URL".to_string(), "postgres://u:secret@h/db".to_string())]).unwrap();
        assert_eq!(c.db_display(), "postgres://u:***@h/db");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
