//! The remembered aggregates' suite on SQLite: a database file (a second handle opens the same
//! file, as the worker and the CLI do beside the server).

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use store_sqlite::SqliteStore;

thread_local!(static PATH: RefCell<PathBuf> = RefCell::new(PathBuf::new()));

fn open() -> SqliteStore {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!("tianfu-memo-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    PATH.with(|p| *p.borrow_mut() = path.clone());
    SqliteStore::open(&path).unwrap()
}

fn second(_: &SqliteStore) -> SqliteStore {
    SqliteStore::open(&PATH.with(|p| p.borrow().clone())).unwrap()
}

store::memo_suite!(open(), second);
