//! The education-app register suite on SQLite.

store::apps_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
