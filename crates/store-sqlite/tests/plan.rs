//! The plan tracker suite on SQLite.

store::plan_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
