//! The audit log: append-only, each entry carrying a keyed hash (HMAC-SHA256 under a key derived
//! from the instance secret, [`crate::secret`]) of its content and of the entry before it, so
//! that someone who can write to the database but cannot read the key file can neither edit an
//! entry, nor recompute the chain after an edit, nor forge a new one. The newest entry's id and
//! hash are checkpointed in a file outside the database at every append ([`chain`]), so that
//! removing the newest entries, or restoring an older copy of the database, is seen too; and
//! the anchor where the chain starts after retention pruning is authenticated and must lie
//! outside the retention window ([`verify`]).
//!
//! Entries are kept at least six months (网络安全法 art. 21); entries older than the retention
//! are pruned from the front, and the last pruned entry's hash is kept as the chain's anchor.
//! Entries written before the chain was keyed (unkeyed SHA-256, [`legacy_hash`]) stay
//! verifiable: the first keyed entry, `audit_keyed`, links to them, so its MAC also covers them.

mod chain;
mod verify;

pub use chain::{AuditChain, ChainLock, ChainTx, Checkpoint, HeadFile};
pub use verify::{reset_head, verify, Problem, Verification, Verifier};

use crate::access::Scope;
use crate::secret::{Mac32, Secret};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The fewest days of audit log kept (网络安全法 art. 21: six months). The store refuses to
/// prune closer to now than this, whatever the caller asks.
pub const MIN_RETENTION_DAYS: u32 = 180;

/// What happened, as the caller reports it; the store adds id, time, the actor's place in the
/// organisation tree and the hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The account name (or `console:<os user>` for the command line, `system` for the
    /// platform itself).
    pub actor: String,
    /// A stable code: `login`, `login_failed`, `logout`, `password_change`, `reveal`, `export`,
    /// `import`, `user_create`, `user_update`, `user_disable`, `user_enable`, `password_reset`,
    /// `token_create`, `token_revoke`, `audit_prune`, `audit_keyed`, `audit_head_reset`,
    /// `site_create`, `site_update`, `site_enable`, `site_disable`, `site_import`,
    /// `site_baseline`, the steps of a request machine (`store::flow`: `transfer_request`,
    /// `transfer_approve`, `transfer_reject`, `transfer_cancel`), `calendar_import`, the 等保 register's
    /// `mlps_system_create`, `mlps_system_update`, `mlps_assessment`, `mlps_item_add`, `mlps_item_close`,
    /// `mlps_remind` (the daily reminders sent to the robots, with counts).
    pub action: String,
    /// What it concerned (a record key, a batch id, an account name).
    pub target: String,
    /// Free text or JSON with the particulars.
    pub detail: String,
    /// The client address, when there is one.
    pub ip: String,
    /// `ok`, `denied`, `failed`, or for exports `started` and `interrupted`.
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
    /// The actor's node of the organisation tree when the entry was written (None for
    /// `console:` and `system` actors and names that are no account: province level). Used
    /// to scope auditors, not shown (the API's entries keep their documented fields).
    #[serde(skip)]
    pub actor_org: Option<i64>,
    /// The GB/T 2260 division of that node (a school's county, else the node itself): what an
    /// auditor's scope is matched against.
    #[serde(skip)]
    pub actor_region: Option<i64>,
    /// Written with the keyed hash (false: an entry from before the chain was keyed). Only a
    /// hint for a log without its checkpoint; the checkpoint says where the keyed chain starts.
    #[serde(skip)]
    pub keyed: bool,
    pub prev_hash: String,
    pub hash: String,
}

/// What a backend says when asked to append or prune without [`crate::AuditLog::set_audit_chain`].
pub const NO_CHAIN: &str = "审计密钥未配置：未设置审计链（密钥文件与检查点文件）不能写审计日志 / no audit key: the audit log is not written without its chain (key file and head file)";

/// The hash of the chain before its first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The unkeyed hash of entries written before the chain was keyed: SHA-256 over the previous
/// hash and every field, each length-prefixed. Anyone can recompute it, which is why the chain
/// is now keyed; it is kept to verify old entries.
pub fn legacy_hash(prev_hash: &str, id: i64, at: &str, e: &AuditEvent) -> String {
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

fn opt(v: Option<i64>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// The audit chain's keys, each derived from the instance secret for one purpose.
#[derive(Clone)]
pub struct AuditKeys {
    entry: [u8; 32],
    head: [u8; 32],
    anchor: [u8; 32],
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKeys(…)")
    }
}

impl AuditKeys {
    pub fn from_secret(s: &Secret) -> AuditKeys {
        AuditKeys { entry: s.derive("audit-entry"), head: s.derive("audit-head"), anchor: s.derive("audit-anchor") }
    }

    /// The keyed hash of an entry: HMAC-SHA256 over a version tag, the previous hash, the id,
    /// the time, every field of the event and the actor's place, each length-prefixed.
    pub fn entry_hash(&self, prev_hash: &str, id: i64, at: &str, e: &AuditEvent, actor_org: Option<i64>, actor_region: Option<i64>) -> String {
        let mut m = Mac32::new(&self.entry);
        let (id, org, region) = (id.to_string(), opt(actor_org), opt(actor_region));
        m.parts(["tianfu-audit/2", prev_hash, &id, at, &e.actor, &e.action, &e.target, &e.detail, &e.ip, &e.outcome, &org, &region]);
        m.hex()
    }

    /// Whether a stored entry's hash is its keyed hash.
    pub fn verifies(&self, e: &AuditEntry) -> bool {
        crate::secret::same(&self.entry_hash(&e.prev_hash, e.id, &e.at, &e.event(), e.actor_org, e.actor_region), &e.hash)
    }

    /// The MAC of an anchor: the last pruned entry and the cut that pruned it.
    pub fn anchor_mac(&self, last_id: i64, hash: &str, cut: &str) -> String {
        let mut m = Mac32::new(&self.anchor);
        m.parts(["tianfu-audit-anchor/1", &last_id.to_string(), hash, cut]);
        m.hex()
    }

    pub(crate) fn head_mac(&self, c: &Checkpoint) -> String {
        let mut m = Mac32::new(&self.head);
        m.parts([c.format.as_str(), &c.id.to_string(), &c.hash, &c.keyed_from.to_string(), &c.at]);
        m.hex()
    }
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

/// Where the chain starts: after pruning, the id and hash of the last pruned entry, the cut
/// (RFC 3339) that pruned it, and a MAC over the three that only pruning can write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub last_id: i64,
    pub hash: String,
    /// Empty for an anchor from before the chain was keyed (authenticated as it was then).
    pub cut: String,
    /// Empty for an anchor that was never authenticated.
    pub mac: String,
}

/// Whether an actor is the platform or the console rather than an account (province level).
pub fn is_system_actor(actor: &str) -> bool {
    actor == "system" || actor.starts_with("console:")
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
    /// Whose entries: those of actors whose node lies in this part of the tree ([`AuditView`]).
    /// None reads the whole log (the console's commands); the web platform always sets the
    /// auditor's.
    pub scope: Option<Scope>,
}

/// An auditor's part of the log as a condition on `actor_region` / `actor_org`, which both
/// backends put in their query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditView {
    /// Everything: a province-wide scope also sees the province-level entries (no region).
    All,
    /// Entries whose actor's region lies in `lo..=hi` (a city or a county).
    Regions { lo: i64, hi: i64 },
    /// Entries of actors at this school.
    Org(i64),
    /// Nothing.
    Nothing,
}

impl AuditView {
    pub fn of(scope: Option<&Scope>) -> AuditView {
        match scope {
            None => AuditView::All,
            // A province's range: every division of it, and the entries of no division.
            Some(Scope::Region { lo, hi }) if lo % 10_000 == 0 && *hi >= lo + 9_999 => AuditView::All,
            Some(Scope::Region { lo, hi }) => AuditView::Regions { lo: *lo as i64, hi: *hi as i64 },
            Some(Scope::School { code, .. }) => code.parse().map_or(AuditView::Nothing, AuditView::Org),
            Some(Scope::Nothing) => AuditView::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_of_scopes() {
        assert_eq!(AuditView::of(None), AuditView::All);
        assert_eq!(AuditView::of(Some(&Scope::Region { lo: 510000, hi: 519999 })), AuditView::All);
        assert_eq!(AuditView::of(Some(&Scope::Region { lo: 510100, hi: 510199 })), AuditView::Regions { lo: 510100, hi: 510199 });
        assert_eq!(AuditView::of(Some(&Scope::Region { lo: 510104, hi: 510104 })), AuditView::Regions { lo: 510104, hi: 510104 });
        assert_eq!(AuditView::of(Some(&Scope::School { code: "2151010401".into(), county: 510104 })), AuditView::Org(2151010401));
        assert_eq!(AuditView::of(Some(&Scope::Nothing)), AuditView::Nothing);
    }

    #[test]
    fn keyed_hash_covers_every_field_and_the_key() {
        let a = AuditKeys::from_secret(&Secret::from_token("a-token-of-thirty-two-characters!").unwrap());
        let b = AuditKeys::from_secret(&Secret::from_token("another-token-of-thirty-two-chars").unwrap());
        let e = AuditEvent { actor: "wang".into(), action: "login".into(), target: "wang".into(), detail: "{}".into(), ip: "::1".into(), outcome: "ok".into() };
        let h = a.entry_hash(GENESIS, 1, "2026-01-01T00:00:00.000000Z", &e, Some(510104), Some(510104));
        assert_ne!(h, b.entry_hash(GENESIS, 1, "2026-01-01T00:00:00.000000Z", &e, Some(510104), Some(510104)), "another key");
        assert_ne!(h, a.entry_hash(GENESIS, 1, "2026-01-01T00:00:00.000000Z", &e, Some(510104), None), "the region");
        assert_ne!(h, a.entry_hash(GENESIS, 2, "2026-01-01T00:00:00.000000Z", &e, Some(510104), Some(510104)), "the id");
        let moved = AuditEvent { actor: "wan".into(), target: "gwang".into(), ..e.clone() };
        assert_ne!(h, a.entry_hash(GENESIS, 1, "2026-01-01T00:00:00.000000Z", &moved, Some(510104), Some(510104)), "text moved between fields");
        assert_ne!(h, legacy_hash(GENESIS, 1, "2026-01-01T00:00:00.000000Z", &e), "not the unkeyed hash");
        assert_ne!(a.anchor_mac(5, &h, "2025-01-01T00:00:00Z"), a.anchor_mac(5, &h, "2025-06-01T00:00:00Z"), "the cut");
    }
}
