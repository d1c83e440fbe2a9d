//! The quality and collection-calendar suite on SQLite.

store::quality_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
