//! The 办学条件 (school conditions) suite on SQLite.

store::conditions_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
