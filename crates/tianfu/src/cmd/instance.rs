//! The instance lock: `tianfu serve` holds a shared lock on `DATA_DIR/tianfu.lock` while it runs;
//! `tianfu restore` takes it exclusively, so that it never replaces files under a running server
//! and no server starts half-way through a restore. (An operating-system lock: it goes away with
//! the process, also after a crash, so there is no stale lock to clean up.)

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

pub fn lock_path(data_dir: &str) -> PathBuf {
    Path::new(data_dir).join("tianfu.lock")
}

fn open(data_dir: &str) -> std::io::Result<File> {
    std::fs::create_dir_all(data_dir)?;
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(lock_path(data_dir))
}

/// Why the lock could not be taken: someone holds it, or the file could not be opened.
pub enum Held {
    ByOther,
    Io(std::io::Error),
}

/// The server's lock (shared: a second server or a worker on the same folder may run too).
pub fn shared(data_dir: &str) -> Result<File, Held> {
    let f = open(data_dir).map_err(Held::Io)?;
    match f.try_lock_shared() {
        Ok(()) => Ok(f),
        Err(TryLockError::WouldBlock) => Err(Held::ByOther),
        Err(TryLockError::Error(e)) => Err(Held::Io(e)),
    }
}

/// The restore's lock (exclusive: no server may have the folder open).
pub fn exclusive(data_dir: &str) -> Result<File, Held> {
    let f = open(data_dir).map_err(Held::Io)?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(TryLockError::WouldBlock) => Err(Held::ByOther),
        Err(TryLockError::Error(e)) => Err(Held::Io(e)),
    }
}

/// [`shared`] for a long-running command (`serve`, `worker`), or its exit code with the reason.
pub fn hold(data_dir: &str, lang: standard::Lang) -> Result<File, u8> {
    shared(data_dir).map_err(|h| match h {
        Held::ByOther => super::fail(lang, &format!("数据目录 {data_dir} 正在恢复（tianfu restore），请在恢复完成后再启动"), &format!("the data folder {data_dir} is being restored (tianfu restore); start again once it is done")),
        Held::Io(e) => super::fail(lang, &format!("无法锁定数据目录 {data_dir}：{e}"), &format!("cannot lock the data folder {data_dir}: {e}")),
    })
}
