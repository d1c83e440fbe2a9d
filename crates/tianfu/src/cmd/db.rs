//! Opening the database the configuration names ([`super::conf`]: `--db`, else
//! `TIANFU_DATABASE_URL`, else `db` in the configuration file, else `data_dir/tianfu.db`): the same
//! one for every command.

use store::{AuditChain, Backend, Store, StoreError};
use std::path::PathBuf;
use std::sync::Arc;
use web::{Config, ConfigExt};

pub fn is_postgres(target: &str) -> bool {
    target.starts_with("postgres://") || target.starts_with("postgresql://")
}

/// A connection to either backend, before it is boxed as whatever the caller needs.
enum Db {
    Pg(store_postgres::PgStore),
    Sqlite(store_sqlite::SqliteStore),
}

/// PostgreSQL for a `postgres://` URL (its schema must be migrated with `tianfu migrate`), else
/// SQLite at the path (created and migrated on first use), with a page cache of `cache_kib` when
/// given (servers keep several connections; an import wants the default).
fn connect(target: &str, cache_kib: Option<u32>) -> Result<Db, StoreError> {
    if is_postgres(target) {
        return Ok(Db::Pg(store_postgres::PgStore::connect(target)?));
    }
    let s = store_sqlite::SqliteStore::open(&PathBuf::from(target.strip_prefix("sqlite://").unwrap_or(target)))?;
    if let Some(kib) = cache_kib {
        s.set_cache_kib(kib)?;
    }
    Ok(Db::Sqlite(s))
}

/// Opens the configuration's store.
pub fn open(c: &Config) -> Result<Box<dyn Store>, StoreError> {
    Ok(match connect(&c.database(), None)? {
        Db::Pg(s) => Box::new(s),
        Db::Sqlite(s) => Box::new(s),
    })
}

/// The account name for records of who did what at the console.
pub fn console_user(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "console".to_string())
}

/// Why a store could not be opened for the platform: the database, the configuration or the
/// audit chain's files (what is wrong and what to do; `zh()` and `to_string()` like
/// [`StoreError`]).
#[derive(Debug)]
pub struct OpenError {
    zh: String,
    en: String,
}

impl OpenError {
    pub fn zh(&self) -> String {
        self.zh.clone()
    }
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl From<StoreError> for OpenError {
    fn from(e: StoreError) -> OpenError {
        OpenError { zh: e.zh(), en: e.to_string() }
    }
}

impl From<store::secret::SecretError> for OpenError {
    fn from(e: store::secret::SecretError) -> OpenError {
        OpenError { zh: e.zh, en: e.en }
    }
}

/// Opens the store with everything the web platform needs (accounts, audit, scoped reading),
/// with the configuration's audit chain: the one `tianfu serve` writes with the same
/// configuration.
pub fn open_backend(c: &Config) -> Result<Box<dyn Backend>, OpenError> {
    let chain = c.audit_chain()?;
    open_backend_with(c, chain)
}

/// [`open_backend`] with a given audit chain.
pub fn open_backend_with(c: &Config, chain: Arc<AuditChain>) -> Result<Box<dyn Backend>, OpenError> {
    let mut s: Box<dyn Backend> = match connect(&c.database(), None)? {
        Db::Pg(s) => Box::new(s),
        Db::Sqlite(s) => Box::new(s),
    };
    s.set_audit_chain(chain);
    Ok(s)
}

/// The actor of console commands in the audit log.
pub fn console_actor() -> String {
    format!("console:{}", console_user(None))
}

/// Opens connections for the web server's pool (SQLite: a 64 MiB page cache each); the web
/// platform hands each its audit chain (`web::audited`).
pub fn opener(db: &str) -> web::Opener {
    let t = db.to_string();
    std::sync::Arc::new(move || -> Result<Box<dyn Backend>, StoreError> {
        Ok(match connect(&t, Some(64 * 1024))? {
            Db::Pg(s) => Box::new(s),
            Db::Sqlite(s) => Box::new(s),
        })
    })
}

/// What the monitor commands need of a backend: the register, claims and history, and the
/// organisation tree to check site owners against.
pub trait MonitorDb: store::Monitor + store::Browse + store::mlps::Mlps + Send {}
impl<T: store::Monitor + store::Browse + store::mlps::Mlps + Send> MonitorDb for T {}

pub fn open_monitor(c: &Config) -> Result<Box<dyn MonitorDb>, StoreError> {
    Ok(match connect(&c.database(), None)? {
        Db::Pg(s) => Box::new(s),
        Db::Sqlite(s) => Box::new(s),
    })
}

/// Opens the worker's connection (SQLite: a 16 MiB page cache).
pub fn monitor_opener(c: &Config) -> guard::worker::Opener {
    let t = c.database();
    std::sync::Arc::new(move || -> Result<Box<dyn store::Monitor + Send>, StoreError> {
        Ok(match connect(&t, Some(16 * 1024))? {
            Db::Pg(s) => Box::new(s),
            Db::Sqlite(s) => Box::new(s),
        })
    })
}
