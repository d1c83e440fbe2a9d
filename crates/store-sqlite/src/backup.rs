//! Consistent copies of the three files (base, platform, monitor) while other processes write,
//! with SQLite's online backup API, and putting such copies back.
//!
//! [`Snapshot::begin`] opens one connection with the platform and monitor files attached and
//! starts one read transaction over all three: in WAL mode writers go on, and each file is copied
//! as it was at that moment. Each file is then copied in a single backup step (`step(-1)`): a
//! step-wise copy would restart whenever another connection writes, and under a busy server
//! might never finish. The caller decides what else must be read at the same moment (the audit
//! head checkpoint, under the chain's lock) between `begin` and [`Snapshot::write`].

use crate::{map_err, migrate, monitor_path, platform_path, BUSY_TIMEOUT};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use store::StoreError;

/// The role of each file, in the order [`files_of`] names them.
pub const ROLES: [&str; 3] = ["base", "platform", "monitor"];

/// The three files of the store whose base file is `base`, in [`ROLES`] order.
pub fn files_of(base: &Path) -> [PathBuf; 3] {
    [base.to_path_buf(), platform_path(base), monitor_path(base)]
}

/// The newest schema version of each file this program knows, in [`ROLES`] order.
pub fn known_versions() -> [u32; 3] {
    let last = |l: &[migrate::Migration]| l[l.len() - 1].version;
    [last(migrate::MIGRATIONS), last(migrate::PLATFORM_MIGRATIONS), last(migrate::MONITOR_MIGRATIONS)]
}

/// One file copied: its role, where the copy is, and the schema version it holds.
#[derive(Debug, Clone)]
pub struct Copied {
    pub role: &'static str,
    pub path: PathBuf,
    pub schema_version: u32,
}

/// A read transaction over the three files of one store.
pub struct Snapshot {
    conn: Connection,
}

fn unavailable(p: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("{}: {e}", p.display()))
}

impl Snapshot {
    /// Starts the snapshot of the store at `base`. The files must exist (a backup never creates
    /// an empty store where the operator expected data).
    pub fn begin(base: &Path) -> Result<Snapshot, StoreError> {
        let files = files_of(base);
        for p in &files {
            if !p.is_file() {
                return Err(StoreError::Unavailable(format!(
                    "{} 不存在（数据目录或 --db 不对？）/ {} does not exist (wrong data folder or --db?)",
                    p.display(),
                    p.display()
                )));
            }
        }
        let conn = Connection::open(base).map_err(|e| unavailable(base, e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(map_err)?;
        for (p, name) in files.iter().zip(ROLES).skip(1) {
            let path = p.to_str().ok_or_else(|| unavailable(p, "not UTF-8"))?;
            conn.execute("ATTACH DATABASE ?1 AS ?2", [path, name]).map_err(|e| unavailable(p, e))?;
        }
        // The first read of each file inside the transaction fixes its snapshot.
        conn.execute_batch("BEGIN").map_err(map_err)?;
        for name in ["main", "platform", "monitor"] {
            conn.query_row(&format!("SELECT count(*) FROM {name}.sqlite_master"), [], |r| r.get::<_, i64>(0))
                .map_err(map_err)?;
        }
        Ok(Snapshot { conn })
    }

    /// The schema version of each file in the snapshot, in [`ROLES`] order.
    pub fn versions(&self) -> Result<[u32; 3], StoreError> {
        let mut v = [0; 3];
        for (i, name) in ["main", "platform", "monitor"].into_iter().enumerate() {
            v[i] = self
                .conn
                .query_row(&format!("SELECT COALESCE(MAX(version), 0) FROM {name}.schema_version"), [], |r| r.get(0))
                .map_err(map_err)?;
        }
        Ok(v)
    }

    /// Copies the three files into `dir` under `names` (created 0600; existing files are
    /// refused) and ends the snapshot.
    pub fn write(self, dir: &Path, names: [&str; 3]) -> Result<Vec<Copied>, StoreError> {
        let versions = self.versions()?;
        let mut out = Vec::new();
        for (i, name) in ["main", "platform", "monitor"].into_iter().enumerate() {
            let dest = dir.join(names[i]);
            crate::create_new_private(&dest).map_err(|e| unavailable(&dest, e))?;
            let mut to = Connection::open(&dest).map_err(|e| unavailable(&dest, e))?;
            {
                let b = Backup::new_with_names(&self.conn, name, &mut to, "main").map_err(map_err)?;
                match b.step(-1).map_err(map_err)? {
                    StepResult::Done => {}
                    other => {
                        return Err(StoreError::Locked(format!("backup of {name} did not complete ({other:?})")));
                    }
                }
            }
            // The copy is one self-contained file: no WAL beside it.
            to.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0)).map_err(map_err)?;
            to.close().map_err(|(_, e)| map_err(e))?;
            out.push(Copied { role: ROLES[i], path: dest, schema_version: versions[i] });
        }
        self.conn.execute_batch("COMMIT").map_err(map_err)?;
        Ok(out)
    }
}

/// Checks that `file` is a SQLite database that passes `PRAGMA quick_check`, and returns its
/// schema version.
pub fn check_file(file: &Path) -> Result<u32, StoreError> {
    let c = Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| unavailable(file, e))?;
    let ok: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| unavailable(file, e))?;
    if ok != "ok" {
        return Err(StoreError::Integrity(format!("{}: quick_check: {ok}", file.display())));
    }
    c.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_version", [], |r| r.get(0)).map_err(|e| unavailable(file, e))
}

/// Puts copies back: `copies` (in [`ROLES`] order) replace the three files of the store at
/// `base`. Each copy is first written beside its target under a temporary name and synced; the
/// target's `-wal` and `-shm` files are removed (they belong to the old file) before the rename.
/// The caller must make sure no process has the store open.
pub fn restore(copies: &[PathBuf; 3], base: &Path) -> Result<(), StoreError> {
    if let Some(d) = base.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(|e| unavailable(d, e))?;
    }
    let targets = files_of(base);
    let mut staged = Vec::new();
    for (src, dst) in copies.iter().zip(&targets) {
        let tmp = dst.with_extension("db.restoring");
        let _ = std::fs::remove_file(&tmp);
        crate::create_new_private(&tmp).map_err(|e| unavailable(&tmp, e))?;
        let r = (|| -> std::io::Result<()> {
            let mut from = std::fs::File::open(src)?;
            let mut to = std::fs::OpenOptions::new().write(true).truncate(true).open(&tmp)?;
            std::io::copy(&mut from, &mut to)?;
            to.sync_all()
        })();
        if let Err(e) = r {
            let _ = std::fs::remove_file(&tmp);
            return Err(unavailable(&tmp, e));
        }
        staged.push((tmp, dst.clone()));
    }
    for (tmp, dst) in staged {
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", dst.display()));
            match std::fs::remove_file(&side) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(unavailable(&side, e)),
            }
        }
        std::fs::rename(&tmp, &dst).map_err(|e| unavailable(&dst, e))?;
    }
    Ok(())
}
