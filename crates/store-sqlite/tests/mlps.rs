//! The 等保 register suite on SQLite.

store::mlps_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
