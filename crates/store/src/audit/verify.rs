//! Checking the chain: every entry's keyed hash and link, the checkpoint outside the database,
//! and the anchor. What it proves, against someone who can write to the database but can read
//! neither the key file nor write the head file: no entry was edited, inserted, removed from
//! the middle or the front (beyond legitimate pruning) or from the end (up to the checkpoint),
//! and the log is the one this instance wrote.

use super::chain::Checkpoint;
use super::{legacy_hash, AuditChain, AuditEntry, AuditEvent, AuditKeys, Anchor, GENESIS, MIN_RETENTION_DAYS};
use crate::{AuditLog, StoreError};
use serde::{Deserialize, Serialize};

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub entries: u64,
    /// Entries checked with the keyed hash, and with the unkeyed one (written before the chain
    /// was keyed).
    pub keyed_entries: u64,
    pub unkeyed_entries: u64,
    /// The newest entry's id and hash (the anchor's when the log is empty).
    pub head_id: i64,
    pub head: String,
    /// The checkpoint read from the head file, when there is a valid one.
    pub checkpoint: Option<Checkpoint>,
    /// Entries newer than the checkpoint (written since it was read, or by a writer whose
    /// checkpoint is another file); each is checked by its keyed hash like the others.
    pub beyond_checkpoint: u64,
    pub anchor: Option<Anchor>,
    /// The retention the anchor was checked against.
    pub retention_days: u32,
    pub problems: Vec<Problem>,
    /// Facts worth knowing that are not problems.
    pub notes: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub id: i64,
    /// `edited` (content does not match its hash), `broken_link` (its prev_hash is not the
    /// previous entry's hash), `gap` (ids skip: entries deleted), `truncated` (the newest
    /// entries up to the checkpoint are gone), `checkpoint_mismatch` (the checkpointed entry
    /// differs), `checkpoint_missing`, `checkpoint_invalid`, `anchor_unauthenticated`,
    /// `anchor_forged`, `anchor_inside_retention`. Notes: `unkeyed_log`, `unkeyed_anchor`,
    /// `beyond_checkpoint`.
    pub kind: String,
    pub detail: String,
}

fn problem(id: i64, kind: &str, detail: String) -> Problem {
    Problem { id, kind: kind.into(), detail }
}

/// Checks entries given oldest first.
pub struct Verifier<'a> {
    keys: &'a AuditKeys,
    /// From the checkpoint; without one, each entry's `keyed` flag decides.
    keyed_from: Option<i64>,
    prev_hash: String,
    prev_id: i64,
    checkpoint_seen: bool,
    result: Verification,
}

impl<'a> Verifier<'a> {
    /// `checkpoint_text`: the head file's content (None: no file); `now`: Unix seconds.
    pub fn new(keys: &'a AuditKeys, anchor: Option<Anchor>, checkpoint_text: Option<&str>, retention_days: u32, now: i64) -> Verifier<'a> {
        let retention_days = retention_days.max(MIN_RETENTION_DAYS);
        let mut r = Verification {
            entries: 0,
            keyed_entries: 0,
            unkeyed_entries: 0,
            head_id: 0,
            head: GENESIS.into(),
            checkpoint: None,
            beyond_checkpoint: 0,
            anchor: anchor.clone(),
            retention_days,
            problems: Vec::new(),
            notes: Vec::new(),
        };
        if let Some(text) = checkpoint_text {
            match super::chain::parse_checkpoint(text, keys) {
                Ok(c) => r.checkpoint = Some(c),
                Err(why) => r.problems.push(problem(0, "checkpoint_invalid", format!("the head file is not a valid checkpoint of this key: {why}"))),
            }
        }
        let (prev_id, prev_hash) = anchor.as_ref().map_or((0, GENESIS.to_string()), |a| (a.last_id, a.hash.clone()));
        r.head_id = prev_id;
        r.head = prev_hash.clone();
        if let Some(a) = &anchor {
            if a.mac.is_empty() {
                let kind = if r.checkpoint.is_some() { "anchor_unauthenticated" } else { "unkeyed_anchor" };
                let p = problem(a.last_id, kind, "the anchor (where the chain starts after pruning) carries no MAC: only pruning by this version writes an authenticated one".into());
                if r.checkpoint.is_some() { r.problems.push(p) } else { r.notes.push(p) }
            } else if !crate::secret::same(&keys.anchor_mac(a.last_id, &a.hash, &a.cut), &a.mac) {
                r.problems.push(problem(a.last_id, "anchor_forged", "the anchor's MAC does not match: it was not written by pruning (entries before it may have been deleted)".into()));
            } else if a.cut.is_empty() {
                r.notes.push(problem(a.last_id, "unkeyed_anchor", "the anchor dates from before the chain was keyed (authenticated as it stood then)".into()));
            } else {
                let window = crate::time::rfc3339(now - retention_days as i64 * 86_400);
                if a.cut.as_str() > window.as_str() {
                    r.problems.push(problem(
                        a.last_id,
                        "anchor_inside_retention",
                        format!("the anchor's cut {} lies inside the retention window ({retention_days} days, since {window}): entries that must be kept were deleted", a.cut),
                    ));
                }
            }
        }
        let keyed_from = r.checkpoint.as_ref().map(|c| c.keyed_from);
        Verifier { keys, keyed_from, prev_hash, prev_id, checkpoint_seen: false, result: r }
    }

    pub fn push(&mut self, e: &AuditEntry) {
        let r = &mut self.result;
        r.entries += 1;
        if e.id != self.prev_id + 1 {
            r.problems.push(problem(e.id, "gap", format!("entries {}..{} are missing", self.prev_id + 1, e.id - 1)));
        }
        if e.prev_hash != self.prev_hash {
            r.problems.push(problem(e.id, "broken_link", "prev_hash does not match the previous entry".into()));
        }
        let keyed = self.keyed_from.map_or(e.keyed, |k| e.id >= k);
        if keyed {
            r.keyed_entries += 1;
            if !self.keys.verifies(e) {
                r.problems.push(problem(e.id, "edited", "content does not match its keyed hash (edited, forged, or written with another key)".into()));
            }
        } else {
            r.unkeyed_entries += 1;
            if legacy_hash(&e.prev_hash, e.id, &e.at, &e.event()) != e.hash {
                r.problems.push(problem(e.id, "edited", "content does not match its hash (an entry from before the chain was keyed)".into()));
            }
        }
        if let Some(c) = &r.checkpoint {
            if e.id == c.id {
                self.checkpoint_seen = true;
                if e.hash != c.hash {
                    r.problems.push(problem(e.id, "checkpoint_mismatch", "the entry at the checkpoint is not the one checkpointed (the log was replaced or rewritten)".into()));
                }
            } else if e.id > c.id {
                r.beyond_checkpoint += 1;
            }
        }
        self.prev_id = e.id;
        self.prev_hash = e.hash.clone();
        r.head_id = e.id;
        r.head = e.hash.clone();
    }

    pub fn finish(mut self) -> Verification {
        let r = &mut self.result;
        match &r.checkpoint {
            Some(c) if !self.checkpoint_seen => {
                let pruned_past = r.anchor.as_ref().is_some_and(|a| (a.last_id == c.id && a.hash == c.hash) || a.last_id > c.id);
                if !pruned_past {
                    let p = if r.head_id < c.id {
                        problem(c.id, "truncated", format!("the checkpoint records entry {} but the newest is {}: entries {}..{} were deleted, or an older copy of the database was restored", c.id, r.head_id, r.head_id + 1, c.id))
                    } else {
                        problem(c.id, "checkpoint_mismatch", format!("the checkpointed entry {} is not in the log", c.id))
                    };
                    r.problems.push(p);
                }
            }
            Some(_) => {}
            None => {
                let keyed = r.keyed_entries > 0 || r.anchor.as_ref().is_some_and(|a| !a.mac.is_empty());
                if keyed && !r.problems.iter().any(|p| p.kind == "checkpoint_invalid") {
                    r.problems.push(problem(0, "checkpoint_missing", "the log has keyed entries but the head file is missing: removal of the newest entries cannot be ruled out (a different data folder or audit_head_file?)".into()));
                } else if !keyed && r.entries > 0 {
                    r.notes.push(problem(0, "unkeyed_log", "no entry has been written by this version yet: the entries carry the unkeyed hash, which anyone who can write to the database can recompute; the next entry starts the keyed chain".into()));
                }
            }
        }
        if r.beyond_checkpoint > 0 {
            let n = r.beyond_checkpoint;
            r.notes.push(problem(r.head_id, "beyond_checkpoint", format!("{n} entries are newer than the checkpoint (written meanwhile, or by a writer with another head file); their keyed hashes were checked")));
        }
        self.result
    }
}

/// Checks the whole log of `log` with `chain`'s keys and head file, against a retention of
/// `retention_days` (never below [`MIN_RETENTION_DAYS`]).
pub fn verify(log: &mut dyn AuditLog, chain: &AuditChain, retention_days: u32) -> Result<Verification, StoreError> {
    // The checkpoint first: entries appended after it was read are newer, never missing.
    let text = chain.head().read_text()?;
    let anchor = log.audit_anchor()?;
    let mut v = Verifier::new(chain.keys(), anchor, text.as_deref(), retention_days, chain.now().0);
    log.audit_scan(&mut |e| {
        v.push(&e);
        Ok(())
    })?;
    Ok(v.finish())
}

/// After a deliberate restore of the database from a backup: makes the checkpoint the
/// database's newest entry, then records that in the log (`audit_head_reset`, with the old and
/// the new checkpoint). Returns the old checkpoint's text and the new one.
pub fn reset_head(log: &mut dyn AuditLog, chain: &AuditChain, actor: &str) -> Result<(Option<String>, Checkpoint), StoreError> {
    let new = {
        let _lock = chain.lock()?;
        let old_text = chain.head().read_text()?;
        let old = chain.head().read(chain.keys()).ok().flatten();
        let newest = log.audit_entries(&super::AuditFilter { limit: 1, ..Default::default() })?.into_iter().next();
        let (id, hash) = match (newest, log.audit_anchor()?) {
            (Some(e), _) => (e.id, e.hash),
            (None, Some(a)) => (a.last_id, a.hash),
            (None, None) => (0, GENESIS.to_string()),
        };
        let keyed_from = match &old {
            Some(c) => c.keyed_from,
            None => {
                let mut first = None;
                log.audit_scan(&mut |e| {
                    if first.is_none() && e.keyed && chain.keys().verifies(&e) {
                        first = Some(e.id);
                    }
                    Ok(())
                })?;
                first.unwrap_or(id + 1)
            }
        };
        let mut c = Checkpoint { format: super::chain::HEAD_FORMAT.into(), id, hash, keyed_from, at: crate::time::rfc3339(chain.now().0), mac: String::new() };
        c.mac = chain.keys().head_mac(&c);
        chain.head().write(&c)?;
        (old_text, c)
    };
    let (old_text, c) = new;
    let old: Option<serde_json::Value> = old_text.as_deref().and_then(|t| serde_json::from_str(t.trim()).ok());
    log.append_audit(&AuditEvent {
        actor: actor.into(),
        action: "audit_head_reset".into(),
        target: c.id.to_string(),
        detail: serde_json::json!({
            "old": old.map(|o| serde_json::json!({ "id": o["id"], "hash": o["hash"] })),
            "new": { "id": c.id, "hash": c.hash },
        })
        .to_string(),
        ip: String::new(),
        outcome: "ok".into(),
    })?;
    Ok((old_text, c))
}
