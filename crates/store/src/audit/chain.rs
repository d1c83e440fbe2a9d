//! Writing the chain: the keys, the head checkpoint outside the database, and the one append
//! and prune procedure both backends run inside their own transaction ([`ChainTx`]).
//!
//! An append takes, in this order, an exclusive `flock` on `<head file>.lock` (writers on this
//! host, in every process, one at a time), the backend's lock on the chain (SQLite's write
//! lock, PostgreSQL's advisory lock: writers on every host), checks that the database still
//! holds the checkpointed entry, inserts, commits, and only then writes the new checkpoint
//! (temporary file, fsync, rename). The checkpoint therefore never gets
//! ahead of a committed entry and never moves backwards; a database that no longer holds the
//! checkpointed entry (its newest entries deleted, an older copy restored, another database)
//! is refused until an operator has looked at it (`tianfu audit verify`, then, after a
//! deliberate restore, `tianfu audit reset-head`).

use super::{is_system_actor, legacy_hash, AuditEntry, AuditEvent, AuditKeys, Anchor, GENESIS, MIN_RETENTION_DAYS};
use crate::secret::{Secret, SecretError};
use crate::StoreError;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The checkpoint's format tag.
pub const HEAD_FORMAT: &str = "tianfu-audit-head/1";

/// The newest entry as last written, kept outside the database and MAC'd with the head key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    pub id: i64,
    pub hash: String,
    /// The first entry of the keyed chain: entries before it carry the unkeyed hash.
    pub keyed_from: i64,
    /// When it was written (RFC 3339).
    pub at: String,
    pub mac: String,
}

/// What a backend does for [`ChainLock::append`] and [`AuditChain::prune`], inside one
/// transaction that holds its lock on the chain.
pub trait ChainTx {
    /// The entry with the highest id.
    fn newest(&mut self) -> Result<Option<AuditEntry>, StoreError>;
    fn anchor(&mut self) -> Result<Option<Anchor>, StoreError>;
    /// The stored hash of entry `id`.
    fn hash_of(&mut self, id: i64) -> Result<Option<String>, StoreError>;
    /// Whether any entry was written keyed (a log that has been written by this version).
    fn any_keyed(&mut self) -> Result<bool, StoreError>;
    /// Every entry, oldest first.
    fn scan(&mut self, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError>;
    /// The account's node of the organisation tree and its region (a school's county, else the
    /// node itself); None for a name that is no account.
    fn actor_org(&mut self, actor: &str) -> Result<(Option<i64>, Option<i64>), StoreError>;
    fn insert(&mut self, e: &AuditEntry) -> Result<(), StoreError>;
    /// Writes the one anchor row (insert or replace).
    fn set_anchor(&mut self, a: &Anchor) -> Result<(), StoreError>;
    /// The id and hash of the newest entry written before `cut`.
    fn newest_before(&mut self, cut: &str) -> Result<Option<(i64, String)>, StoreError>;
    /// Deletes entries up to `id` (the anchor must already say so); returns how many.
    fn delete_through(&mut self, id: i64) -> Result<u64, StoreError>;
}

/// The head checkpoint file and its lock file beside it.
#[derive(Debug, Clone)]
pub struct HeadFile {
    path: PathBuf,
}

impl HeadFile {
    pub fn new(path: impl Into<PathBuf>) -> HeadFile {
        HeadFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let name = self.path.file_name().and_then(|n| n.to_str()).unwrap_or("audit.head");
        self.path.with_file_name(format!("{name}.lock"))
    }

    /// The file's text, None when there is no file.
    pub fn read_text(&self) -> Result<Option<String>, StoreError> {
        match std::fs::read_to_string(&self.path) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(head_io(&self.path, "读取", "read", &e)),
        }
    }

    /// The checkpoint, checked against its MAC: Err when the file cannot be read, is not a
    /// checkpoint, or its MAC is wrong (written by someone without the key, or another key).
    pub fn read(&self, keys: &AuditKeys) -> Result<Option<Checkpoint>, StoreError> {
        let Some(text) = self.read_text()? else { return Ok(None) };
        parse_checkpoint(&text, keys).map(Some).map_err(|why| {
            StoreError::Integrity(format!(
                "审计检查点文件 {} 无效：{why}（密钥文件不对，或文件被改动；请运行 tianfu audit verify）/ the audit checkpoint {} is not valid: {why} (a different key file, or the file was altered; run tianfu audit verify)",
                self.path.display(),
                self.path.display()
            ))
        })
    }

    /// Replaces the checkpoint atomically and durably.
    pub(crate) fn write(&self, c: &Checkpoint) -> Result<(), StoreError> {
        let text = serde_json::to_string(c).expect("serialises") + "\n";
        let tmp = crate::secret::temp_beside(&self.path);
        let r = (|| -> std::io::Result<()> {
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let mut f = o.open(&tmp)?;
            f.write_all(text.as_bytes())?;
            // The content is durable before it replaces the old file, so a crash never leaves a
            // torn checkpoint. The rename itself is not synced (a second fsync per append):
            // after a crash the checkpoint may be the previous one, behind a committed entry,
            // which verify notes and writers accept — never ahead of one, since the entry's
            // commit was durable first.
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        r.map_err(|e| head_io(&self.path, "写入", "write", &e))
    }

    /// Holds the exclusive lock of the head until dropped.
    fn lock(&self) -> Result<std::fs::File, StoreError> {
        let lp = self.lock_path();
        if let Some(d) = lp.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).map_err(|e| head_io(&lp, "创建所在目录", "create the folder of", &e))?;
        }
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let f = o.open(&lp).map_err(|e| head_io(&lp, "打开", "open", &e))?;
        f.lock().map_err(|e| head_io(&lp, "锁定", "lock", &e))?;
        Ok(f)
    }
}

pub(crate) fn parse_checkpoint(text: &str, keys: &AuditKeys) -> Result<Checkpoint, String> {
    let c: Checkpoint = serde_json::from_str(text.trim()).map_err(|e| format!("not a checkpoint ({e})"))?;
    if c.format != HEAD_FORMAT {
        return Err(format!("unknown format {}", c.format));
    }
    if !crate::secret::same(&keys.head_mac(&c), &c.mac) {
        return Err("its MAC does not match".into());
    }
    Ok(c)
}

fn head_io(path: &Path, zh: &str, en: &str, e: &std::io::Error) -> StoreError {
    StoreError::Integrity(format!(
        "无法{zh}审计检查点文件 {}：{e}（请检查路径与权限；配置项 audit_head_file 可指定位置）/ cannot {en} the audit checkpoint {}: {e} (check the path and its permissions; the setting audit_head_file chooses it)",
        path.display(),
        path.display()
    ))
}

/// The keys and the head file: what a backend needs to append to the chain, and what
/// `tianfu audit verify` needs to check it. Every process that opens a backend for the platform
/// hands it one ([`crate::AuditLog::set_audit_chain`]); a backend without one refuses to append.
pub struct AuditChain {
    keys: AuditKeys,
    head: HeadFile,
    /// Seconds added to the system clock (tests write entries "in the past").
    clock_offset: AtomicI64,
    /// A folder removed with the chain ([`AuditChain::temporary`]).
    temp_dir: Option<PathBuf>,
}

impl std::fmt::Debug for AuditChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditChain").field("head", &self.head.path).finish_non_exhaustive()
    }
}

impl Drop for AuditChain {
    fn drop(&mut self) {
        if let Some(d) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

impl AuditChain {
    /// The chain of the secret in `key_file` (created when missing) and the checkpoint in
    /// `head_file` (created at the first append).
    pub fn open(key_file: &Path, head_file: &Path) -> Result<AuditChain, SecretError> {
        Ok(AuditChain::with_secret(&Secret::load_or_create(key_file)?, head_file))
    }

    /// Like [`AuditChain::open`], but the key file must exist (checking, not writing).
    pub fn open_existing(key_file: &Path, head_file: &Path) -> Result<AuditChain, SecretError> {
        Ok(AuditChain::with_secret(&Secret::load(key_file)?, head_file))
    }

    pub fn with_secret(secret: &Secret, head_file: &Path) -> AuditChain {
        AuditChain { keys: AuditKeys::from_secret(secret), head: HeadFile::new(head_file), clock_offset: AtomicI64::new(0), temp_dir: None }
    }

    /// A chain with a random secret and its head file in a new temporary folder, removed when
    /// the chain is dropped: for tests.
    pub fn temporary() -> Arc<AuditChain> {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("tianfu-audit-chain-{}-{}-{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let mut c = AuditChain::open(&dir.join("secret.key"), &dir.join("audit.head")).expect("a temporary audit chain");
        c.temp_dir = Some(dir);
        Arc::new(c)
    }

    pub fn keys(&self) -> &AuditKeys {
        &self.keys
    }

    pub fn head(&self) -> &HeadFile {
        &self.head
    }

    /// Shifts this chain's clock by `secs` (negative: the past), for tests of retention.
    pub fn set_clock_offset(&self, secs: i64) {
        self.clock_offset.store(secs, Ordering::Relaxed);
    }

    /// Now: Unix seconds and the entry time (RFC 3339 with microseconds).
    pub fn now(&self) -> (i64, String) {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let secs = d.as_secs() as i64 + self.clock_offset.load(Ordering::Relaxed);
        (secs, format!("{}.{:06}Z", &crate::time::rfc3339(secs)[..19], d.subsec_micros()))
    }

    /// Takes the head's lock: the caller then opens its transaction and calls
    /// [`ChainLock::append`], commits, and calls [`ChainLock::finish`].
    pub fn lock(&self) -> Result<ChainLock<'_>, StoreError> {
        Ok(ChainLock { chain: self, _file: self.head.lock()?, pending: None })
    }

    /// The latest cut the store accepts now: the minimum retention before now.
    pub fn latest_cut(&self) -> String {
        crate::time::rfc3339(self.now().0 - MIN_RETENTION_DAYS as i64 * 86_400)
    }

    /// Deletes the entries written before `cut` from the front of the chain and writes the
    /// authenticated anchor; returns how many. A cut inside the minimum retention is refused.
    pub fn prune(&self, tx: &mut dyn ChainTx, cut: &str) -> Result<u64, StoreError> {
        if cut > self.latest_cut().as_str() {
            return Err(StoreError::Conflict(format!(
                "审计日志至少保留 {MIN_RETENTION_DAYS} 天（网络安全法第二十一条），不能清理 {cut} 之前的记录 / audit entries are kept at least {MIN_RETENTION_DAYS} days: cannot prune before {cut}"
            )));
        }
        let Some((id, hash)) = tx.newest_before(cut)? else { return Ok(0) };
        let mac = self.keys.anchor_mac(id, &hash, cut);
        tx.set_anchor(&Anchor { last_id: id, hash, cut: cut.to_string(), mac })?;
        tx.delete_through(id)
    }
}

/// The head's lock, held from before the backend's transaction until the checkpoint is written.
pub struct ChainLock<'a> {
    chain: &'a AuditChain,
    _file: std::fs::File,
    pending: Option<Checkpoint>,
}

impl ChainLock<'_> {
    /// Checks the database against the checkpoint and inserts the entry (after an
    /// `audit_keyed` entry when this is the first keyed write to an older log).
    pub fn append(&mut self, tx: &mut dyn ChainTx, e: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let chain = self.chain;
        // Within a group the checkpoint file is written once, at the end: the entries after the
        // first follow the group's own pending checkpoint (on a fresh log, the file does not
        // exist yet while the group's first keyed entry already does).
        let (ckpt, ours) = match self.pending.take() {
            Some(p) => (Some(p), true),
            None => (chain.head.read(&chain.keys)?, false),
        };
        let newest = tx.newest()?;
        let anchor = tx.anchor()?;
        let mut prev = match (&newest, &anchor) {
            (Some(n), _) => (n.id, n.hash.clone()),
            (None, Some(a)) => (a.last_id, a.hash.clone()),
            (None, None) => (0, GENESIS.to_string()),
        };
        let keyed_from = match &ckpt {
            Some(c) => {
                if !ours {
                    check_holds(c, tx, anchor.as_ref(), chain.head.path())?;
                }
                c.keyed_from
            }
            None => {
                if tx.any_keyed()? || anchor.as_ref().is_some_and(|a| !a.mac.is_empty()) {
                    return Err(StoreError::Integrity(format!(
                        "审计检查点文件 {} 不存在，但审计日志已按密钥写入过：可能用错了数据目录（data_dir / audit_head_file），或检查点文件被删除。请用与服务器相同的配置运行，并运行 tianfu audit verify / the audit checkpoint {} is missing but the log has keyed entries: a different data folder (data_dir / audit_head_file), or the file was deleted; use the server's configuration and run tianfu audit verify",
                        chain.head.path().display(),
                        chain.head.path().display()
                    )));
                }
                if newest.is_some() || anchor.is_some() {
                    // The first keyed write to a log written before the chain was keyed: check
                    // what is there and say so in the first keyed entry, which links to it.
                    let marker = self.legacy_marker(tx, anchor.as_ref(), &prev)?;
                    let m = self.insert(tx, prev.clone(), &marker, (None, None))?;
                    let keyed_from = m.id;
                    prev = (m.id, m.hash);
                    let entry = self.insert_event(tx, prev, e)?;
                    self.pending = Some(self.checkpoint(&entry, keyed_from));
                    return Ok(entry);
                }
                prev.0 + 1
            }
        };
        let entry = self.insert_event(tx, prev, e)?;
        self.pending = Some(self.checkpoint(&entry, keyed_from));
        Ok(entry)
    }

    /// Writes the checkpoint of the committed entry (call after the commit).
    pub fn finish(self) -> Result<(), StoreError> {
        match &self.pending {
            Some(c) => self.chain.head.write(c),
            None => Ok(()),
        }
    }

    fn insert_event(&self, tx: &mut dyn ChainTx, prev: (i64, String), e: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let place = if is_system_actor(&e.actor) { (None, None) } else { tx.actor_org(&e.actor)? };
        self.insert(tx, prev, e, place)
    }

    fn insert(&self, tx: &mut dyn ChainTx, (prev_id, prev_hash): (i64, String), e: &AuditEvent, (org, region): (Option<i64>, Option<i64>)) -> Result<AuditEntry, StoreError> {
        let id = prev_id + 1;
        let (_, at) = self.chain.now();
        let hash = self.chain.keys.entry_hash(&prev_hash, id, &at, e, org, region);
        let entry = AuditEntry {
            id,
            at,
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            detail: e.detail.clone(),
            ip: e.ip.clone(),
            outcome: e.outcome.clone(),
            actor_org: org,
            actor_region: region,
            keyed: true,
            prev_hash,
            hash,
        };
        tx.insert(&entry)?;
        Ok(entry)
    }

    fn checkpoint(&self, e: &AuditEntry, keyed_from: i64) -> Checkpoint {
        let mut c = Checkpoint { format: HEAD_FORMAT.into(), id: e.id, hash: e.hash.clone(), keyed_from, at: crate::time::rfc3339(self.chain.now().0), mac: String::new() };
        c.mac = self.chain.keys.head_mac(&c);
        c
    }

    /// Checks the unkeyed entries (and authenticates an unkeyed anchor as it stands) and
    /// describes them in the `audit_keyed` entry. Problems are recorded, not repaired: `tianfu
    /// audit verify` keeps reporting them.
    fn legacy_marker(&self, tx: &mut dyn ChainTx, anchor: Option<&Anchor>, head: &(i64, String)) -> Result<AuditEvent, StoreError> {
        let (mut prev_id, mut prev_hash) = anchor.map_or((0, GENESIS.to_string()), |a| (a.last_id, a.hash.clone()));
        let (mut entries, mut problems) = (0u64, 0u64);
        tx.scan(&mut |e| {
            entries += 1;
            if e.id != prev_id + 1 || e.prev_hash != prev_hash || legacy_hash(&e.prev_hash, e.id, &e.at, &e.event()) != e.hash {
                problems += 1;
            }
            prev_id = e.id;
            prev_hash = e.hash.clone();
            Ok(())
        })?;
        if let Some(a) = anchor.filter(|a| a.mac.is_empty()) {
            let mac = self.chain.keys.anchor_mac(a.last_id, &a.hash, "");
            tx.set_anchor(&Anchor { cut: String::new(), mac, ..a.clone() })?;
        }
        let detail = serde_json::json!({
            "unkeyed_entries": entries,
            "unkeyed_problems": problems,
            "unkeyed_head": { "id": head.0, "hash": head.1 },
            "anchor": anchor.map(|a| serde_json::json!({ "last_id": a.last_id, "hash": a.hash })),
        });
        Ok(AuditEvent {
            actor: "system".into(),
            action: "audit_keyed".into(),
            target: format!("{}", head.0 + 1),
            detail: detail.to_string(),
            ip: String::new(),
            outcome: if problems == 0 { "ok".into() } else { "failed".into() },
        })
    }
}

/// The database must still hold the checkpointed entry (or have pruned past it).
fn check_holds(c: &Checkpoint, tx: &mut dyn ChainTx, anchor: Option<&Anchor>, path: &Path) -> Result<(), StoreError> {
    let held = match tx.hash_of(c.id)? {
        Some(h) => h == c.hash,
        None => anchor.is_some_and(|a| (a.last_id == c.id && a.hash == c.hash) || a.last_id > c.id),
    };
    if held {
        return Ok(());
    }
    let newest = tx.newest()?.map_or(0, |e| e.id);
    Err(StoreError::Integrity(format!(
        "审计日志与检查点 {} 不一致：检查点记录到第 {} 条，数据库中最新为第 {newest} 条{}。可能是最新记录被删除、数据库被替换或从旧备份恢复。已拒绝写入；请运行 tianfu audit verify 查明原因，确属有意恢复备份时运行 tianfu audit reset-head / the audit log disagrees with its checkpoint {}: the checkpoint is at entry {}, the database's newest is {newest}{}: newest entries deleted, the database replaced or restored from an older copy. Writing is refused; run tianfu audit verify, and tianfu audit reset-head after a deliberate restore",
        path.display(),
        c.id,
        if newest >= c.id { "，且该条内容不同" } else { "" },
        path.display(),
        c.id,
        if newest >= c.id { " and that entry differs" } else { "" },
    )))
}
