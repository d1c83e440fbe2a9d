//! Tianfu's configuration, one path for every command: defaults → `tianfu.toml` → `TIANFU_*`
//! environment → command-line flags, each layer over the one before. Every value remembers where it
//! came from ([`Source`]), so `tianfu config` can say why the server and an import use the database
//! they use. Unknown keys are reported, never silently ignored; secrets are never printed
//! ([`Config::describe`]).
//!
//! Adding a setting: a field in [`Config`] with its default, and a row in [`KEYS`] (its kind, and
//! whether it is secret). Nothing else reads the file or the environment.
#![forbid(unsafe_code)]

mod cidr;
mod load;
mod show;

pub use cidr::parse_cidr;
pub use load::{Flag, Source, Sources};
pub use show::Entry;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Database: a SQLite path or a postgres:// URL (None: `data_dir/tianfu.db`).
    pub db: Option<String>,
    /// Folder for the embedded database and uploads.
    pub data_dir: String,
    /// `data_dir` was set (file, environment or flag), not defaulted: see [`Config::apply_db`].
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
    /// The province the installation serves: `province = 52`, or a `[province]` table.
    pub province: Province,
    /// The instance secret the audit chain's keys derive from (None: `data_dir/secret.key`).
    /// Keep it outside the database and readable by Tianfu only.
    pub audit_key_file: Option<String>,
    /// The audit log's head checkpoint (None: `data_dir/audit.head`). Every process that writes
    /// the same log must use the same file (PostgreSQL on several hosts: a shared folder).
    pub audit_head_file: Option<String>,
    /// Person searches (by name or number) an account may start per minute.
    pub searches_per_minute: u32,
    /// Up to how many students a county's comparison counts the classes of its city and province
    /// while the page waits; larger divisions are counted in the background once per import and
    /// shown when ready (“统计中” meanwhile).
    pub class_scan_max: u64,
    /// A 有条件 sharing request is answered by the end of this working day after it is
    /// submitted (`store::share`; 5 unless configured).
    pub share_answer_days: u32,
    /// The NATS server (with JetStream) that grants asking for it get their change feed
    /// published to (`nats://host:4222`, optionally `nats://user:password@host:4222`); None: no
    /// publishing (the grants' feeds are still read through the API).
    pub nats_url: Option<String>,
    /// The subject prefix of the published feeds: a grant's subject is `<prefix>.grant.<id>`.
    pub nats_prefix: String,
    /// The JetStream stream that holds them (made when missing, with the subjects
    /// `<prefix>.grant.>`).
    pub nats_stream: String,
    /// The site monitor: `[monitor]`.
    pub monitor: MonitorConfig,
    /// Logs on stderr: `text` (human-readable) or `json` (one object a line).
    pub log_format: String,
    /// Which log events are written: a level (`info`) or targets (`warn,web=debug`); None: `info`
    /// for `serve` and `worker`, `warn` for one-off commands. `RUST_LOG` is read when unset.
    pub log_level: Option<String>,
    /// Security management: `[security]` (incidents, attachments).
    pub security: SecurityConfig,
    /// Who may read `/metrics` (addresses or CIDR networks, as the client address is found:
    /// see `trusted_proxies`); others get 404. Default: this machine only.
    pub metrics_allow: Vec<String>,
    /// Where each value came from.
    #[serde(skip)]
    pub sources: Sources,
}

/// The province: its GB/T 2260 prefix and, optionally, its names and map. Written `province = 52`
/// (names from the GB/T 2260 table, no map unless it is Sichuan's, which is built in) or
/// `[province]` with `code`, `name`, `name_en`, `map` (a GeoJSON file of its cities, features
/// named as in GB/T 2260).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Province {
    /// GB/T 2260 province prefix (51 = Sichuan, 52 = Guizhou).
    pub code: u32,
    /// The Chinese name (None: from GB/T 2260).
    pub name: Option<String>,
    /// The English name (None: from the built-in table).
    pub name_en: Option<String>,
    /// A GeoJSON map of the province's cities (None: the built-in map when there is one).
    pub map: Option<String>,
}

impl Default for Province {
    fn default() -> Province {
        Province { code: 51, name: None, name_en: None, map: None }
    }
}

impl Province {
    /// The GB/T 2260 codes of the province: `code`0000..=`code`9999.
    pub fn range(&self) -> (u32, u32) {
        (self.code * 10_000, self.code * 10_000 + 9_999)
    }
}

impl<'de> Deserialize<'de> for Province {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Province, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            code: u32,
            name: Option<String>,
            name_en: Option<String>,
            map: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Code(u32),
            Table(Table),
        }
        match Either::deserialize(d).map_err(|_| serde::de::Error::custom("province: give a GB/T 2260 province code (province = 52) or a [province] table with code, and optionally name, name_en, map"))? {
            Either::Code(code) => Ok(Province { code, ..Province::default() }),
            Either::Table(t) => Ok(Province { code: t.code, name: t.name, name_en: t.name_en, map: t.map }),
        }
    }
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

/// Security management's settings (`[security]` in tianfu.toml; `TIANFU_SECURITY_<KEY>` in the
/// environment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// The incident classification in use: `2023` (GB/T 20986-2023) or `2007` (GB/Z 20986-2007,
    /// for emergency plans that still cite it).
    pub incident_classification: String,
    /// Reporting deadlines in hours by unit kind (`cii=1,central=2,other=4,minor=24`; any subset,
    /// 1..=720 hours each), read by `secman::incidents::Deadlines::parse`.
    pub incident_deadlines: String,
    /// A site the monitor finds unreachable this many minutes opens an incident.
    pub incident_outage_minutes: u64,
    /// The largest attachment (evidence, reports) on an incident, in MiB.
    pub attachment_limit_mib: u64,
    /// The post-incident review (复盘) is due this many working days after the incident is
    /// recovered (by `store::calendar`, holidays and adjusted working days counted).
    pub incident_review_days: u64,
}

impl Default for SecurityConfig {
    fn default() -> SecurityConfig {
        SecurityConfig { incident_classification: "2023".into(), incident_deadlines: "cii=1,central=2,other=4,minor=24".into(), incident_outage_minutes: 60, attachment_limit_mib: 20, incident_review_days: 5 }
    }
}

/// One allowed network: `name = "省教育城域网"`, `cidr = "10.20.0.0/16"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedNetwork {
    pub name: String,
    pub cidr: String,
}

/// Person searches an account may start per minute, unless configured.
pub const SEARCHES_PER_MINUTE: u32 = 30;

/// The default of [`Config::class_scan_max`]: counting the classes of 2 M enrolments took 3 s of
/// CPU on SQLite here, so a page waits for at most about 1.5 s.
pub const CLASS_SCAN_MAX: u64 = 1_000_000;

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
            province: Province::default(),
            searches_per_minute: SEARCHES_PER_MINUTE,
            class_scan_max: CLASS_SCAN_MAX,
            share_answer_days: 5,
            nats_url: None,
            nats_prefix: "tianfu.share".into(),
            nats_stream: "TIANFU_SHARE".into(),
            monitor: MonitorConfig::default(),
            security: SecurityConfig::default(),
            audit_key_file: None,
            audit_head_file: None,
            log_format: "text".into(),
            log_level: None,
            metrics_allow: vec!["127.0.0.1".into(), "::1".into()],
            sources: Sources::default(),
        }
    }
}

/// The fewest days of audit log a configuration may keep (网络安全法 art. 21: six months).
pub const MIN_AUDIT_DAYS: u32 = 180;

/// How a value is written in the environment and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    /// Comma-separated: `TIANFU_TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16"`.
    List,
    /// A GB/T 2260 province code in the environment; a code or a table in the file.
    Province,
    /// In the file only.
    FileOnly,
}

/// One setting: its key in the file (`TIANFU_<KEY>` in the environment), how it is written, and
/// whether its value is secret (never printed; a database URL's password is hidden always).
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub secret: bool,
}

const fn key(name: &'static str, kind: Kind) -> Key {
    Key { name, kind, secret: false }
}

/// Every setting. Keep the order: `tianfu config` prints them so.
pub const KEYS: &[Key] = &[
    key("listen", Kind::Text),
    key("db", Kind::Text),
    key("data_dir", Kind::Text),
    key("province", Kind::Province),
    key("lang", Kind::Text),
    key("public_url", Kind::Text),
    key("pool_size", Kind::Int),
    key("session_idle_minutes", Kind::Int),
    key("session_max_hours", Kind::Int),
    key("token_days", Kind::Int),
    key("searches_per_minute", Kind::Int),
    key("class_scan_max", Kind::Int),
    key("share_answer_days", Kind::Int),
    Key { name: "nats_url", kind: Kind::Text, secret: true },
    key("nats_prefix", Kind::Text),
    key("nats_stream", Kind::Text),
    key("trusted_proxies", Kind::List),
    key("upload_limit_mib", Kind::Int),
    key("import_workers", Kind::Int),
    key("import_queue", Kind::Int),
    key("audit_retention_days", Kind::Int),
    key("audit_key_file", Kind::Text),
    key("audit_head_file", Kind::Text),
    key("log_format", Kind::Text),
    key("log_level", Kind::Text),
    key("metrics_allow", Kind::List),
    key("monitor", Kind::FileOnly),
    key("security.incident_classification", Kind::Text),
    key("security.incident_deadlines", Kind::Text),
    key("security.incident_outage_minutes", Kind::Int),
    key("security.attachment_limit_mib", Kind::Int),
    key("security.incident_review_days", Kind::Int),
];

/// Whether `name` is a section of dotted keys (`security` for `security.incident_deadlines`).
pub fn is_section(name: &str) -> bool {
    KEYS.iter().any(|k| k.name.split_once('.').is_some_and(|(s, _)| s == name))
}

/// The key a `TIANFU_<KEY>` variable sets, lower-cased without the prefix: `security_attachment_limit_mib`
/// is `security.attachment_limit_mib`.
pub fn key_of_env(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name.replace('.', "_") == name)
}

/// The row of `name` in [`KEYS`].
pub fn key_of(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

impl Config {
    /// Defaults, then the TOML file (when it exists), then `TIANFU_<KEY>` variables from `env`.
    /// Returns the configuration and warnings (unknown keys).
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<(Config, Vec<String>), String> {
        Config::load_with(file, env, &[])
    }

    /// [`Config::load`], then the command-line flags over everything: the one path every command
    /// takes.
    pub fn load_with(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>, flags: &[Flag]) -> Result<(Config, Vec<String>), String> {
        load::load(file, env, flags)
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
            self.sources.set("data_dir", Source::Derived("the folder of the SQLite database".into()));
        }
    }

    /// The database every command opens: `db`, else `data_dir/tianfu.db`.
    pub fn database(&self) -> String {
        self.db.clone().unwrap_or_else(|| format!("{}/tianfu.db", self.data_dir))
    }

    /// Whether [`Config::database`] is a PostgreSQL URL.
    pub fn is_postgres(&self) -> bool {
        let d = self.database();
        d.starts_with("postgres://") || d.starts_with("postgresql://")
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
        let token = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !self.nats_prefix.split('.').all(token) {
            return Err(format!("nats_prefix = {:?} must be dot-separated words of letters, digits, _ and - (NATS 主题前缀，如 tianfu.share)", self.nats_prefix));
        }
        if !token(&self.nats_stream) {
            return Err(format!("nats_stream = {:?} must be letters, digits, _ and - (JetStream 流名称，如 TIANFU_SHARE)", self.nats_stream));
        }
        if let Some(u) = self.nats_url.as_deref().filter(|u| !u.trim().is_empty()) {
            if !(u.starts_with("nats://") || u.contains(':')) {
                return Err("nats_url must look like nats://host:4222 (NATS 服务器地址)".into());
            }
        }
        if !(1..=30).contains(&self.share_answer_days) {
            return Err(format!("share_answer_days = {} must be 1..=30 (共享申请答复期限，工作日)", self.share_answer_days));
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
        // GB/T 2260: provinces are 11 (北京) to 82 (澳门).
        if !(11..=82).contains(&self.province.code) {
            return Err(format!("province = {} is not a GB/T 2260 province code (11..=82, e.g. 51 四川, 52 贵州)", self.province.code));
        }
        for p in &self.trusted_proxies {
            parse_cidr(p).map_err(|e| format!("trusted_proxies: {e}"))?;
        }
        for p in &self.metrics_allow {
            parse_cidr(p).map_err(|e| format!("metrics_allow: {e}"))?;
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(format!("log_format = {} must be text or json", self.log_format));
        }
        let sec = &self.security;
        if !matches!(sec.incident_classification.trim(), "2023" | "2007") {
            return Err(format!("security.incident_classification = {} must be 2023 (GB/T 20986-2023) or 2007 (GB/Z 20986-2007)", sec.incident_classification));
        }
        if !(1..=1440).contains(&sec.incident_outage_minutes) {
            return Err(format!("security.incident_outage_minutes = {} must be 1..=1440 (网站无法访问多少分钟生成事件)", sec.incident_outage_minutes));
        }
        if !(1..=1024).contains(&sec.attachment_limit_mib) {
            return Err(format!("security.attachment_limit_mib = {} must be 1..=1024 (事件附件大小上限，MiB)", sec.attachment_limit_mib));
        }
        if !(1..=60).contains(&sec.incident_review_days) {
            return Err(format!("security.incident_review_days = {} must be 1..=60 (恢复后几个工作日内完成复盘)", sec.incident_review_days));
        }
        for a in &self.monitor.allow {
            if a.name.trim().is_empty() {
                return Err(format!("[[monitor.allow]] cidr = \"{}\": give the network a name (name = \"…\"), so that people know what is allowed", a.cidr));
            }
            parse_cidr(&a.cidr).map_err(|e| format!("[[monitor.allow]] {}: {e}", a.name))?;
        }
        Ok(())
    }

    /// Where the database is, as a display string with any password hidden.
    pub fn db_display(&self) -> String {
        show::hide_password(&self.database())
    }

    /// Where the audit chain's secret is.
    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_file.as_ref().map_or_else(|| Path::new(&self.data_dir).join("secret.key"), PathBuf::from)
    }

    /// Where the audit log's head checkpoint is.
    pub fn audit_head_path(&self) -> PathBuf {
        self.audit_head_file.as_ref().map_or_else(|| Path::new(&self.data_dir).join("audit.head"), PathBuf::from)
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests;
