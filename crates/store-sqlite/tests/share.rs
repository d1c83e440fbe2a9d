//! The sharing exchange suite on SQLite.

store::share_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
