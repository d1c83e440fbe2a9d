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
    /// `data_dir` was set (file or environment), not defaulted: see [`Config::apply_db`].
    #[serde(skip)]
    pub data_dir_given: bool,
    /// Sessions end after this many idle minutes (等保 2.0: 30).
    pub session_idle_minutes: u64,
    /// Sessions end this many hours after sign-in, however active (1..=24).
    pub session_max_hours: u64,
    /// API tokens expire this many days after they are made (the administrator may choose fewer).
    pub token_days: u64,
    /// The reverse proxies in front of the server (addresses or CIDR networks, e.g. `10.0.0.5`,
    /// `10.1.0.0/16`): only a request from one of them has its `X-Forwarded-For` read, for the
    /// client address in the audit log and the sign-in throttle. Empty: the socket's peer is the
    /// client.
    pub trusted_proxies: Vec<String>,
    /// Audit entries are kept this many days; never below 180 (网络安全法 art. 21).
    pub audit_retention_days: u32,
    /// The language of pages for visitors who have not chosen one: `zh` or `en`.
    pub lang: String,
    /// The largest upload, in MiB (the largest real file, a province's students, is ≈ 200 MiB).
    pub upload_limit_mib: u64,
    /// Imports run at once; further ones wait in a queue.
    pub import_workers: usize,
    /// Imports that may wait for a worker; a full queue refuses uploads (429).
    pub import_queue: usize,
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
    /// Person searches (by name or number) an account may start per minute (see `web::search`).
    pub searches_per_minute: u32,
    /// The site monitor: `[monitor]`.
    pub monitor: MonitorConfig,
    /// Logs on stderr: `text` (human-readable) or `json` (one object a line).
    pub log_format: String,
    /// Which log events are written: a level (`info`) or targets (`warn,web=debug`); None: `info`
    /// for `serve` and `worker`, `warn` for one-off commands. `RUST_LOG` is read when unset.
    pub log_level: Option<String>,
    /// Who may read `/metrics` (addresses or CIDR networks, as the client address is found:
    /// see `trusted_proxies`); others get 404. Default: this machine only.
    pub metrics_allow: Vec<String>,
}

/// The site monitor's settings (`[monitor]` in tianfu.toml).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Networks the monitor may reach besides public addresses, for intranet sites:
    /// `[[monitor.allow]]` tables with `name` and `cidr`. Loopback, private, link-local and
    /// other special addresses are refused unless listed here. Set in the file only (by the
    /// province's administrators, who keep the server): never from the database or a request.
    pub allow: Vec<AllowedNetwork>,
}

/// One allowed network: `name = "省教育城域网"`, `cidr = "10.20.0.0/16"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedNetwork {
    pub name: String,
    pub cidr: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".into(),
            db: None,
            data_dir: "tianfu-data".into(),
            data_dir_given: false,
            session_idle_minutes: 30,
            session_max_hours: 12,
            token_days: 365,
            trusted_proxies: Vec::new(),
            audit_retention_days: 180,
            lang: "zh".into(),
            upload_limit_mib: 200,
            import_workers: 2,
            import_queue: 8,
            pool_size: 4,
            public_url: None,
            province: 51,
            searches_per_minute: crate::search::PER_MINUTE,
            monitor: MonitorConfig::default(),
            audit_key_file: None,
            audit_head_file: None,
            log_format: "text".into(),
            log_level: None,
            metrics_allow: vec!["127.0.0.1".into(), "::1".into()],
        }
    }
}

/// The fewest days of audit log a configuration may keep (网络安全法 art. 21: six months).
pub const MIN_AUDIT_DAYS: u32 = 180;

const KEYS: &[&str] = &[
    "listen", "db", "data_dir", "session_idle_minutes", "audit_retention_days", "lang", "upload_limit_mib", "pool_size", "public_url", "province",
    "searches_per_minute", "session_max_hours", "token_days", "trusted_proxies", "import_workers", "import_queue", "monitor",
    "audit_key_file", "audit_head_file", "log_format", "log_level", "metrics_allow",
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
            if key == "monitor" {
                return Err("TIANFU_MONITOR: the monitor's allowed networks are set in the configuration file ([[monitor.allow]] name, cidr) or with --allow-network, not in the environment".into());
            }
            let value = match Config::default_kind(&key) {
                Kind::Int => toml::Value::Integer(v.trim().parse().map_err(|_| format!("TIANFU_{}: `{v}` is not a whole number", key.to_ascii_uppercase()))?),
                Kind::Text => toml::Value::String(v),
                // A comma-separated list: TIANFU_TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16".
                Kind::List => toml::Value::Array(v.split(',').map(str::trim).filter(|x| !x.is_empty()).map(|x| toml::Value::String(x.into())).collect()),
            };
            table.insert(key, value);
        }
        let given = table.contains_key("data_dir");
        let mut c: Config = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| format!("configuration: {e}"))?;
        c.data_dir_given = given;
        let db = c.db.clone();
        c.apply_db(db.as_deref());
        c.check()?;
        Ok((c, warnings))
    }

    /// Takes the database (`--db`, or the configured one): a SQLite file's installation is the
    /// folder it lies in, so when `data_dir` was not set the data folder (instance secret,
    /// audit checkpoint, uploads) is the database's folder — `tianfu import --db X` and `tianfu
    /// serve --db X` then use one audit chain wherever they are started. A PostgreSQL URL leaves
    /// `data_dir` as it is.
    pub fn apply_db(&mut self, db: Option<&str>) {
        let Some(db) = db else { return };
        self.db = Some(db.to_string());
        if self.data_dir_given || db.contains("://") {
            return;
        }
        if let Some(parent) = Path::new(db).parent().filter(|p| !p.as_os_str().is_empty()) {
            self.data_dir = parent.display().to_string();
        }
    }

    fn default_kind(key: &str) -> Kind {
        match key {
            "session_idle_minutes" | "audit_retention_days" | "upload_limit_mib" | "pool_size" | "province" | "searches_per_minute" | "session_max_hours" | "token_days" | "import_workers" | "import_queue" => Kind::Int,
            "trusted_proxies" | "metrics_allow" => Kind::List,
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
        if self.searches_per_minute == 0 {
            return Err("searches_per_minute must be at least 1".into());
        }
        if !(1..=24).contains(&self.session_max_hours) {
            return Err(format!("session_max_hours = {} must be 1..=24 (会话最长有效期)", self.session_max_hours));
        }
        if !(1..=3650).contains(&self.token_days) {
            return Err(format!("token_days = {} must be 1..=3650 (API 令牌有效期)", self.token_days));
        }
        if self.upload_limit_mib == 0 {
            return Err("upload_limit_mib must be at least 1".into());
        }
        if self.import_workers == 0 || self.import_queue == 0 {
            return Err("import_workers and import_queue must be at least 1".into());
        }
        crate::net::Proxies::parse(&self.trusted_proxies).map_err(|e| format!("trusted_proxies: {e}"))?;
        crate::net::Proxies::parse(&self.metrics_allow).map_err(|e| format!("metrics_allow: {e}"))?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(format!("log_format = {} must be text or json", self.log_format));
        }
        self.net_policy()?;
        Ok(())
    }

    /// The monitor's address policy: public addresses, and the allowed networks.
    pub fn net_policy(&self) -> Result<guard::NetPolicy, String> {
        let mut p = guard::NetPolicy::default();
        for a in &self.monitor.allow {
            if a.name.trim().is_empty() {
                return Err(format!("[[monitor.allow]] cidr = \"{}\": give the network a name (name = \"…\"), so that people know what is allowed", a.cidr));
            }
            p.allow(&a.name, &a.cidr).map_err(|e| format!("[[monitor.allow]] {}: {e}", a.name))?;
        }
        Ok(p)
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
    List,
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
        let (c, _) = Config::load(None, [("TIANFU_TRUSTED_PROXIES".to_string(), "10.0.0.5, fd00::/8".to_string())]).unwrap();
        assert_eq!(c.trusted_proxies, ["10.0.0.5", "fd00::/8"]);
        assert_eq!((c.upload_limit_mib, c.session_max_hours, c.token_days), (200, 12, 365), "defaults");
        let e = Config::load(None, [("TIANFU_TRUSTED_PROXIES".to_string(), "10.0.0.0/33".to_string())]).unwrap_err();
        assert!(e.contains("trusted_proxies"), "{e}");
        let e = Config::load(None, [("TIANFU_SESSION_MAX_HOURS".to_string(), "0".to_string())]).unwrap_err();
        assert!(e.contains("session_max_hours"), "{e}");
        assert_eq!(Config::default().metrics_allow, ["127.0.0.1", "::1"], "metrics for this machine only");
        let (c, _) = Config::load(None, [("TIANFU_METRICS_ALLOW".to_string(), "10.0.0.0/8, ::1".to_string()), ("TIANFU_LOG_FORMAT".into(), "json".into()), ("TIANFU_LOG_LEVEL".into(), "warn,web=debug".into())]).unwrap();
        assert_eq!((c.metrics_allow.as_slice(), c.log_format.as_str(), c.log_level.as_deref()), (&["10.0.0.0/8".to_string(), "::1".to_string()][..], "json", Some("warn,web=debug")));
        let e = Config::load(None, [("TIANFU_LOG_FORMAT".to_string(), "xml".to_string())]).unwrap_err();
        assert!(e.contains("log_format"), "{e}");
        let e = Config::load(None, [("TIANFU_METRICS_ALLOW".to_string(), "everyone".to_string())]).unwrap_err();
        assert!(e.contains("metrics_allow"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn monitor_allowed_networks_from_the_file_only() {
        let dir = std::env::temp_dir().join(format!("tianfu-config-monitor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("tianfu.toml");
        std::fs::write(&f, "[[monitor.allow]]\nname = \"省教育城域网\"\ncidr = \"10.20.0.0/16\"\n\n[[monitor.allow]]\nname = \"本机\"\ncidr = \"::1\"\n").unwrap();
        let (c, w) = Config::load(Some(&f), []).unwrap();
        assert!(w.is_empty(), "{w:?}");
        let p = c.net_policy().unwrap();
        assert_eq!(p.to_string(), "省教育城域网 10.20.0.0/16, 本机 ::1/128");
        assert!(p.permits("10.20.1.1".parse().unwrap()) && !p.permits("10.21.0.1".parse().unwrap()) && !p.permits("127.0.0.1".parse().unwrap()));
        assert!(!Config::default().net_policy().unwrap().permits("10.20.1.1".parse().unwrap()), "nothing is allowed by default");
        for (bad, says) in [
            ("[[monitor.allow]]\nname = \"x\"\ncidr = \"10.20.0.0/33\"\n", "CIDR"),
            ("[[monitor.allow]]\nname = \"\"\ncidr = \"10.20.0.0/16\"\n", "name"),
            ("[[monitor.allow]]\ncidr = \"10.20.0.0/16\"\n", "name"),
            ("[[monitor.alow]]\nname = \"x\"\ncidr = \"10.0.0.0/8\"\n", "alow"),
        ] {
            std::fs::write(&f, bad).unwrap();
            let e = Config::load(Some(&f), []).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let e = Config::load(None, [("TIANFU_MONITOR".to_string(), "10.0.0.0/8".to_string())]).unwrap_err();
        assert!(e.contains("configuration file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
