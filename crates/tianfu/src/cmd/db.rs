//! Choosing the database: `--db`, else `TIANFU_DATABASE_URL`, else the embedded SQLite file.

use store::{Backend, Store, StoreError};
use std::path::PathBuf;

pub const DEFAULT_SQLITE: &str = "tianfu-data/tianfu.db";

/// Where the data lives, as the user named it.
pub fn target(db: Option<&str>) -> String {
    db.map(str::to_string)
        .or_else(|| std::env::var("TIANFU_DATABASE_URL").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_SQLITE.to_string())
}

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

/// Opens the store named by `--db`, `TIANFU_DATABASE_URL` or the default file.
pub fn open(db: Option<&str>) -> Result<Box<dyn Store>, StoreError> {
    Ok(match connect(&target(db), None)? {
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

/// Opens the store with everything the web platform needs (accounts, audit, scoped reading).
pub fn open_backend(db: Option<&str>) -> Result<Box<dyn Backend>, StoreError> {
    Ok(match connect(&target(db), None)? {
        Db::Pg(s) => Box::new(s),
        Db::Sqlite(s) => Box::new(s),
    })
}

/// Opens connections for the web server's pool (SQLite: a 64 MiB page cache each).
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
pub trait MonitorDb: store::Monitor + store::Browse + Send {}
impl<T: store::Monitor + store::Browse + Send> MonitorDb for T {}

pub fn open_monitor(db: Option<&str>) -> Result<Box<dyn MonitorDb>, StoreError> {
    Ok(match connect(&target(db), None)? {
        Db::Pg(s) => Box::new(s),
        Db::Sqlite(s) => Box::new(s),
    })
}

/// Opens the worker's connection (SQLite: a 16 MiB page cache).
pub fn monitor_opener(db: Option<&str>) -> guard::worker::Opener {
    let t = target(db);
    std::sync::Arc::new(move || -> Result<Box<dyn store::Monitor + Send>, StoreError> {
        Ok(match connect(&t, Some(16 * 1024))? {
            Db::Pg(s) => Box::new(s),
            Db::Sqlite(s) => Box::new(s),
        })
    })
}
