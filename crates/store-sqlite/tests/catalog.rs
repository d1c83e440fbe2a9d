//! The data resource catalog suite on SQLite.

store::catalog_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
