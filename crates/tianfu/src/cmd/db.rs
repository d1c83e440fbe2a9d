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

/// Opens the store: PostgreSQL for a `postgres://` URL (its schema must be migrated with
/// `tianfu migrate`), else SQLite at the path (created and migrated on first use).
pub fn open(db: Option<&str>) -> Result<Box<dyn Store>, StoreError> {
    let t = target(db);
    if is_postgres(&t) {
        Ok(Box::new(store_postgres::PgStore::connect(&t)?))
    } else {
        let path = PathBuf::from(t.strip_prefix("sqlite://").unwrap_or(&t));
        Ok(Box::new(store_sqlite::SqliteStore::open(&path)?))
    }
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
    let t = target(db);
    if is_postgres(&t) {
        Ok(Box::new(store_postgres::PgStore::connect(&t)?))
    } else {
        let path = PathBuf::from(t.strip_prefix("sqlite://").unwrap_or(&t));
        Ok(Box::new(store_sqlite::SqliteStore::open(&path)?))
    }
}

/// Opens connections for the web server's pool. SQLite connections get a smaller page cache
/// than an import's: the server keeps several open.
pub fn opener(db: &str) -> web::Opener {
    let t = db.to_string();
    std::sync::Arc::new(move || -> Result<Box<dyn Backend>, StoreError> {
        if is_postgres(&t) {
            Ok(Box::new(store_postgres::PgStore::connect(&t)?))
        } else {
            let path = PathBuf::from(t.strip_prefix("sqlite://").unwrap_or(&t));
            let s = store_sqlite::SqliteStore::open(&path)?;
            s.set_cache_kib(64 * 1024)?;
            Ok(Box::new(s))
        }
    })
}

/// What the monitor commands need of a backend: the register, claims and history, and the
/// organisation tree to check site owners against.
pub trait MonitorDb: store::Monitor + store::Browse + Send {}
impl<T: store::Monitor + store::Browse + Send> MonitorDb for T {}

pub fn open_monitor(db: Option<&str>) -> Result<Box<dyn MonitorDb>, StoreError> {
    let t = target(db);
    if is_postgres(&t) {
        Ok(Box::new(store_postgres::PgStore::connect(&t)?))
    } else {
        let path = PathBuf::from(t.strip_prefix("sqlite://").unwrap_or(&t));
        Ok(Box::new(store_sqlite::SqliteStore::open(&path)?))
    }
}

/// Opens the worker's connection.
pub fn monitor_opener(db: Option<&str>) -> guard::worker::Opener {
    let t = target(db);
    std::sync::Arc::new(move || -> Result<Box<dyn store::Monitor + Send>, StoreError> {
        if is_postgres(&t) {
            Ok(Box::new(store_postgres::PgStore::connect(&t)?))
        } else {
            let path = PathBuf::from(t.strip_prefix("sqlite://").unwrap_or(&t));
            let s = store_sqlite::SqliteStore::open(&path)?;
            s.set_cache_kib(16 * 1024)?;
            Ok(Box::new(s))
        }
    })
}
