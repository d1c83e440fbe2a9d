//! The inspections, drills and rectification items suite on SQLite.

store::checks_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
