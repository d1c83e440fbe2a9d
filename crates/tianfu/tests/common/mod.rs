//! What several CLI tests share: the data folder of a test database and running the binary with it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The data folder (instance secret, audit head checkpoint) of the database `--db` names: one per
/// database, as each installation has its own — beside a SQLite file, or in the temporary folder
/// named after a PostgreSQL URL's schema (never the shared `./tianfu-data` of the working folder).
pub fn data_dir_for(db: &str) -> PathBuf {
    if db.contains("://") {
        let tail: String = db.chars().rev().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        std::env::temp_dir().join(format!("tianfu-test-data-{}", tail.chars().rev().collect::<String>()))
    } else {
        PathBuf::from(format!("{db}.data"))
    }
}

/// Runs `tianfu` with the data folder of its `--db`: (exit code, stdout, stderr).
pub fn tianfu(args: &[&str]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tianfu"));
    c.args(args);
    if let Some(w) = args.windows(2).find(|w| w[0] == "--db") {
        c.env("TIANFU_DATA_DIR", data_dir_for(w[1]));
    }
    let out = c.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A folder of a test's own under the temporary folder, removed when dropped.
pub struct Dir(pub PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, empty [`Dir`] named after the test binary's `area`, the `tag` and the process.
pub fn tmp_dir(area: &str, tag: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("tianfu-{area}-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}
