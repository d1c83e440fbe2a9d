//! The audit log: append-only, each entry carrying the hash of the one before it, so that an
//! edited or deleted entry breaks the chain ([`verify`]). Kept at least six months
//! (网络安全法 art. 21); entries older than the retention are pruned from the front, and the
//! last pruned entry's hash is kept as the chain's anchor.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What happened, as the caller reports it; the store adds id, time and hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The account name (or `console:<os user>` for the command line).
    pub actor: String,
    /// A stable code: `login`, `login_failed`, `logout`, `password_change`, `reveal`, `export`,
    /// `import`, `user_create`, `user_update`, `user_disable`, `user_enable`, `password_reset`,
    /// `token_create`, `token_revoke`, `audit_prune`, `site_create`, `site_update`, `site_enable`,
    /// `site_disable`, `site_import`, `site_baseline`.
    pub action: String,
    /// What it concerned (a record key, a batch id, an account name).
    pub target: String,
    /// Free text or JSON with the particulars.
    pub detail: String,
    /// The client address, when there is one.
    pub ip: String,
    /// `ok` or `denied`/`failed`.
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339 UTC with microseconds.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of the chain before its first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry: SHA-256 over the previous hash and every field, each length-prefixed so
/// that no two different entries hash alike by moving text between fields.
pub fn entry_hash(prev_hash: &str, id: i64, at: &str, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    for part in [prev_hash, &id.to_string(), at, &e.actor, &e.action, &e.target, &e.detail, &e.ip, &e.outcome] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(DIGITS[(x >> 4) as usize] as char);
        s.push(DIGITS[(x & 15) as usize] as char);
    }
    s
}

impl AuditEntry {
    pub fn event(&self) -> AuditEvent {
        AuditEvent {
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            detail: self.detail.clone(),
            ip: self.ip.clone(),
            outcome: self.outcome.clone(),
        }
    }
}

/// Where the chain starts: after pruning, the id and hash of the last pruned entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub last_id: i64,
    pub hash: String,
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub entries: u64,
    /// The newest entry's hash: write it down elsewhere to detect removal of the newest entries.
    pub head: String,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub id: i64,
    /// `edited` (the entry's hash does not match its content), `broken_link` (its prev_hash is
    /// not the previous entry's hash: an entry before it was deleted or edited) or `gap` (ids
    /// skip: entries were deleted).
    pub kind: String,
    pub detail: String,
}

/// Checks entries given oldest first.
pub struct Verifier {
    prev_hash: String,
    prev_id: i64,
    pub result: Verification,
}

impl Verifier {
    pub fn new(anchor: Option<&Anchor>) -> Verifier {
        let (prev_id, prev_hash) = anchor.map_or((0, GENESIS.to_string()), |a| (a.last_id, a.hash.clone()));
        Verifier { prev_hash: prev_hash.clone(), prev_id, result: Verification { entries: 0, head: prev_hash, problems: Vec::new() } }
    }

    pub fn push(&mut self, e: &AuditEntry) {
        self.result.entries += 1;
        if e.id != self.prev_id + 1 {
            self.result.problems.push(Problem {
                id: e.id,
                kind: "gap".into(),
                detail: format!("entries {}..{} are missing", self.prev_id + 1, e.id - 1),
            });
        }
        if e.prev_hash != self.prev_hash {
            self.result.problems.push(Problem {
                id: e.id,
                kind: "broken_link".into(),
                detail: "prev_hash does not match the previous entry".into(),
            });
        }
        let want = entry_hash(&e.prev_hash, e.id, &e.at, &e.event());
        if want != e.hash {
            self.result.problems.push(Problem { id: e.id, kind: "edited".into(), detail: "content does not match its hash".into() });
        }
        self.prev_id = e.id;
        self.prev_hash = e.hash.clone();
        self.result.head = e.hash.clone();
    }

    pub fn finish(self) -> Verification {
        self.result
    }
}

/// Filters for browsing the log; newest first, keyset paging by id.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// RFC 3339 bounds (or dates `YYYY-MM-DD`), inclusive of `from`, exclusive of `to`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Entries with ids below this (the last id of the previous page).
    pub before_id: Option<i64>,
    pub limit: usize,
}
