//! The 责任制 / 正版化 registers suite on SQLite.

store::ledger_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
