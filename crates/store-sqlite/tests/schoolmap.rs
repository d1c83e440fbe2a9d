//! The school map's suite (places and catchment notes) on SQLite.

store::schoolmap_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
