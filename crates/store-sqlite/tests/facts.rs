//! The per-school facts suite on SQLite.

store::facts_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
