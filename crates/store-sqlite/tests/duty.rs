store::duty_suite!(store_sqlite::SqliteStore::open_in_memory().unwrap());
