//! The audit chain against someone who can write to the database ([`audit_suite!`]): each
//! attack of the security review is made with real SQL on the backend's own database, through
//! [`Tamper`], and `verify` must catch it; legitimate pruning, concurrent writers on several
//! connections, the upgrade of an unkeyed log and the auditors' scopes must pass.

use crate::audit::{legacy_hash, reset_head, verify, AuditChain, AuditEntry, AuditEvent, AuditFilter, Verification, MIN_RETENTION_DAYS};
use crate::suite::{import, school};
use crate::{Backend, NewUser, Role, Scope, Store, StoreError};
use standard::Entity;
use std::sync::Arc;

/// Raw access to a backend's database, as the attacker has it.
pub trait Tamper {
    /// Runs SQL with the audit log's guards (triggers) switched off. Both dialects accept what
    /// the suite sends: plain INSERT, UPDATE, DELETE, `ON CONFLICT`, `TRUE`/`FALSE`.
    fn exec(&mut self, sql: &str);
    /// Another connection to the same database (another process, in effect).
    fn connect(&self) -> Box<dyn Backend>;
}

#[macro_export]
macro_rules! audit_suite {
    ($make:expr) => {
        $crate::audit_suite!(@tests $make;
            keyed_chain_appends_verifies_and_checkpoints, group_appends_chain_and_checkpoint_once,
            a_group_is_the_first_write, append_without_a_chain_is_refused,
            edit_recomputed_with_sha256_fails, deleted_newest_entries_fail_and_stop_writes,
            forged_appended_entry_fails, anchor_written_then_oldest_half_deleted_fails,
            pruning_past_the_retention_passes, concurrent_appends_keep_the_head_monotonic,
            unkeyed_log_is_keyed_at_first_write, broken_unkeyed_log_is_reported_not_blessed,
            missing_checkpoint_is_refused_and_reported, reset_head_after_a_restore,
            auditors_read_their_subtree_only);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let (mut s, mut t) = match $make { Some(x) => x, None => return };
                $crate::suite_audit::$name(&mut s, &mut t);
            }
        )*
    };
}

fn ev(actor: &str, target: &str) -> AuditEvent {
    AuditEvent { actor: actor.into(), action: "login".into(), target: target.into(), detail: "{}".into(), ip: "127.0.0.1".into(), outcome: "ok".into() }
}

fn keyed(s: &mut dyn Backend) -> Arc<AuditChain> {
    let c = AuditChain::temporary();
    s.set_audit_chain(c.clone());
    c
}

fn append(s: &mut dyn Backend, n: usize) -> Vec<AuditEntry> {
    (0..n).map(|i| s.append_audit(&ev("admin", &format!("t{i}"))).unwrap()).collect()
}

fn kinds(v: &Verification) -> Vec<(i64, String)> {
    v.problems.iter().map(|p| (p.id, p.kind.clone())).collect()
}

fn all(s: &mut dyn Backend) -> Vec<AuditEntry> {
    let mut v = Vec::new();
    s.audit_scan(&mut |e| {
        v.push(e);
        Ok(())
    })
    .unwrap();
    v
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn insert_sql(e: &AuditEntry) -> String {
    format!(
        "INSERT INTO audit_log (id, at, actor, action, target, detail, ip, outcome, prev_hash, hash, keyed) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        e.id,
        q(&e.at),
        q(&e.actor),
        q(&e.action),
        q(&e.target),
        q(&e.detail),
        q(&e.ip),
        q(&e.outcome),
        q(&e.prev_hash),
        q(&e.hash),
        if e.keyed { "TRUE" } else { "FALSE" }
    )
}

/// An entry as a writer without the key makes it: chained with the unkeyed hash.
fn unkeyed(id: i64, prev: &str, at: &str, target: &str) -> AuditEntry {
    let e = ev("admin", target);
    let hash = legacy_hash(prev, id, at, &e);
    AuditEntry { id, at: at.into(), actor: e.actor, action: e.action, target: e.target, detail: e.detail, ip: e.ip, outcome: e.outcome, actor_org: None, actor_region: None, keyed: false, prev_hash: prev.into(), hash }
}

pub fn keyed_chain_appends_verifies_and_checkpoints(s: &mut dyn Backend, _: &mut dyn Tamper) {
    let chain = keyed(s);
    let es = append(s, 3);
    assert_eq!(es[0].prev_hash, crate::audit::GENESIS);
    assert_eq!(es[1].prev_hash, es[0].hash);
    assert!(es.iter().all(|e| e.keyed && chain.keys().verifies(e)));
    assert_ne!(es[2].hash, legacy_hash(&es[2].prev_hash, es[2].id, &es[2].at, &es[2].event()), "keyed, not plain SHA-256");
    let c = chain.head().read(chain.keys()).unwrap().expect("checkpoint written");
    assert_eq!((c.id, c.hash.as_str(), c.keyed_from), (3, es[2].hash.as_str(), 1));
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!((v.entries, v.keyed_entries, v.head_id), (3, 3, 3));
    assert!(v.problems.is_empty() && v.notes.is_empty(), "{v:?}");
    // The checkpoint file is MAC'd: a hand-edited one is refused by writers and reported.
    let text = chain.head().read_text().unwrap().unwrap();
    std::fs::write(chain.head().path(), text.replace("\"id\":3", "\"id\":2")).unwrap();
    assert!(matches!(s.append_audit(&ev("admin", "x")), Err(StoreError::Integrity(_))));
    assert_eq!(kinds(&verify(s, &chain, 180).unwrap()), [(0, "checkpoint_invalid".to_string())]);
}

/// Several entries appended at once (the web layer's group commit): chained in order after the
/// newest, all keyed, the checkpoint at the last one, verify clean; after a tampered checkpoint
/// none of a group is written.
pub fn group_appends_chain_and_checkpoint_once(s: &mut dyn Backend, _: &mut dyn Tamper) {
    let chain = keyed(s);
    let first = append(s, 1);
    let group: Vec<AuditEvent> = (0..5).map(|i| ev("admin", &format!("g{i}"))).collect();
    let es = s.append_audits(&group).unwrap();
    assert_eq!(es.iter().map(|e| e.id).collect::<Vec<_>>(), [2, 3, 4, 5, 6]);
    assert_eq!(es[0].prev_hash, first[0].hash);
    assert!(es.windows(2).all(|w| w[1].prev_hash == w[0].hash));
    assert!(es.iter().all(|e| e.keyed && chain.keys().verifies(e)));
    assert_eq!(es.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(), ["g0", "g1", "g2", "g3", "g4"]);
    let c = chain.head().read(chain.keys()).unwrap().expect("checkpoint written");
    assert_eq!((c.id, c.hash.as_str()), (6, es[4].hash.as_str()));
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!((v.entries, v.head_id), (6, 6));
    assert!(v.problems.is_empty(), "{v:?}");
    assert!(s.append_audits(&[]).unwrap().is_empty());
    let text = chain.head().read_text().unwrap().unwrap();
    std::fs::write(chain.head().path(), text.replace("\"id\":6", "\"id\":5")).unwrap();
    assert!(matches!(s.append_audits(&group), Err(StoreError::Integrity(_))));
    assert_eq!(all(s).len(), 6, "nothing of a refused group is written");
}

/// A group can be the first write of all (a fresh log: no checkpoint file yet while the group's
/// first entry is already in the transaction) and the first keyed write to an unkeyed log: the
/// entries after the first follow the group's pending checkpoint. (Concurrent first requests of
/// a new installation failed with "checkpoint missing" before.)
pub fn a_group_is_the_first_write(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let chain = keyed(s);
    let group: Vec<AuditEvent> = (0..4).map(|i| ev("admin", &format!("f{i}"))).collect();
    let es = s.append_audits(&group).unwrap();
    assert_eq!(es.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let c = chain.head().read(chain.keys()).unwrap().expect("checkpoint written");
    assert_eq!((c.id, c.keyed_from), (4, 1));
    let v = verify(s, &chain, 180).unwrap();
    assert!(v.problems.is_empty() && v.head_id == 4, "{v:?}");
    // The same on a log written before the chain was keyed.
    t.exec("DELETE FROM audit_log");
    std::fs::remove_file(chain.head().path()).unwrap();
    let old = unkeyed(1, crate::audit::GENESIS, "2026-01-01T00:00:00.000000Z", "old1");
    t.exec(&insert_sql(&old));
    let es = s.append_audits(&group).unwrap();
    assert_eq!(es.iter().map(|e| e.id).collect::<Vec<_>>(), [3, 4, 5, 6], "after the old entry and the audit_keyed marker");
    let c = chain.head().read(chain.keys()).unwrap().expect("checkpoint written");
    assert_eq!((c.id, c.keyed_from), (6, 2));
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!((v.unkeyed_entries, v.keyed_entries, v.problems.len()), (1, 5, 0), "{v:?}");
}

pub fn append_without_a_chain_is_refused(s: &mut dyn Backend, _: &mut dyn Tamper) {
    let e = s.append_audit(&ev("admin", "x")).unwrap_err();
    assert!(matches!(&e, StoreError::Integrity(m) if m.contains("audit key")), "{e:?}");
    assert!(matches!(s.prune_audit("2000-01-01T00:00:00Z"), Err(StoreError::Integrity(_))));
    assert!(all(s).is_empty(), "nothing written unkeyed");
}

/// "Recomputing the chain after an edit passes (unkeyed SHA-256)": no longer.
pub fn edit_recomputed_with_sha256_fails(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let chain = keyed(s);
    append(s, 5);
    let es = all(s);
    let mut prev = es[1].hash.clone();
    for e in &es[2..] {
        let target = if e.id == 3 { "forged".to_string() } else { e.target.clone() };
        let hash = legacy_hash(&prev, e.id, &e.at, &AuditEvent { target: target.clone(), ..e.event() });
        t.exec(&format!("UPDATE audit_log SET target = {}, prev_hash = {}, hash = {} WHERE id = {}", q(&target), q(&prev), q(&hash), e.id));
        prev = hash;
    }
    let v = verify(s, &chain, 180).unwrap();
    let edited: Vec<i64> = v.problems.iter().filter(|p| p.kind == "edited").map(|p| p.id).collect();
    assert_eq!(edited, [3, 4, 5], "{v:?}");
    assert!(v.problems.iter().any(|p| p.kind == "checkpoint_mismatch" && p.id == 5), "{v:?}");
    // Marking the rewritten entries as unkeyed does not help: the checkpoint says where the
    // keyed chain starts.
    t.exec("UPDATE audit_log SET keyed = FALSE");
    assert!(verify(s, &chain, 180).unwrap().problems.iter().any(|p| p.kind == "edited" && p.id == 3));
}

/// "Deleting the newest entries passes (the head is recorded nowhere)": no longer, and the
/// platform stops writing to a log that lost entries.
pub fn deleted_newest_entries_fail_and_stop_writes(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let chain = keyed(s);
    append(s, 6);
    t.exec("DELETE FROM audit_log WHERE id > 4");
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!(kinds(&v), [(6, "truncated".to_string())], "{v:?}");
    let e = s.append_audit(&ev("admin", "after")).unwrap_err();
    assert!(matches!(&e, StoreError::Integrity(m) if m.contains("checkpoint") && m.contains("检查点")), "{e:?}");
    // Deleting everything (or swapping in an empty database) is the same.
    t.exec("DELETE FROM audit_log");
    assert_eq!(kinds(&verify(s, &chain, 180).unwrap()), [(6, "truncated".to_string())]);
    // The attacker's own entries up to the checkpoint's id do not match it either.
    let mut prev = crate::audit::GENESIS.to_string();
    for id in 1..=6 {
        let e = unkeyed(id, &prev, "2026-01-01T00:00:00.000000Z", "refill");
        t.exec(&insert_sql(&e));
        prev = e.hash;
    }
    let v = verify(s, &chain, 180).unwrap();
    assert!(v.problems.iter().any(|p| p.kind == "checkpoint_mismatch" && p.id == 6), "{v:?}");
    assert_eq!(v.problems.iter().filter(|p| p.kind == "edited").count(), 6);
}

/// "Appending forged entries passes": no longer.
pub fn forged_appended_entry_fails(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let chain = keyed(s);
    let es = append(s, 3);
    for keyed_flag in [false, true] {
        let mut f = unkeyed(4, &es[2].hash, "2026-01-01T00:00:00.000000Z", "forged");
        f.keyed = keyed_flag;
        t.exec("DELETE FROM audit_log WHERE id = 4");
        t.exec(&insert_sql(&f));
        let v = verify(s, &chain, 180).unwrap();
        assert_eq!(kinds(&v), [(4, "edited".to_string())], "{v:?}");
        assert_eq!(v.beyond_checkpoint, 1);
    }
    // The next real entry chains onto it; the forgery stays reported.
    let next = s.append_audit(&ev("admin", "real")).unwrap();
    assert_eq!(next.id, 5);
    assert_eq!(kinds(&verify(s, &chain, 180).unwrap()), [(4, "edited".to_string())]);
}

/// "Writing the anchor table then deleting the oldest half passes": no longer.
pub fn anchor_written_then_oldest_half_deleted_fails(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let chain = keyed(s);
    let es = append(s, 10);
    let h5 = &es[4].hash;
    for (cut, mac, kind) in [("2000-01-01T00:00:00Z", "", "anchor_unauthenticated"), ("2000-01-01T00:00:00Z", "0".repeat(64).as_str(), "anchor_forged")] {
        t.exec(&format!(
            "INSERT INTO audit_anchor (one, last_id, hash, cut, mac) VALUES (1, 5, {}, {}, {}) ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash, cut = excluded.cut, mac = excluded.mac",
            q(h5),
            q(cut),
            q(mac)
        ));
        t.exec("DELETE FROM audit_log WHERE id <= 5");
        let v = verify(s, &chain, 180).unwrap();
        assert_eq!(kinds(&v), [(5, kind.to_string())], "{v:?}");
    }
    // Pruning itself refuses to cut inside the minimum retention, whatever it is asked.
    let e = s.prune_audit(&crate::time::rfc3339(crate::time::unix_now())).unwrap_err();
    assert!(matches!(&e, StoreError::Conflict(m) if m.contains("180")), "{e:?}");
}

/// Entries past the retention pruned by the store: verify passes, with the anchor's cut; the
/// same anchor checked against a longer retention is inside its window.
pub fn pruning_past_the_retention_passes(s: &mut dyn Backend, _: &mut dyn Tamper) {
    let chain = keyed(s);
    chain.set_clock_offset(-400 * 86_400);
    append(s, 4);
    chain.set_clock_offset(-100 * 86_400);
    append(s, 2);
    chain.set_clock_offset(0);
    append(s, 2);
    let cut = chain.latest_cut();
    assert_eq!(s.prune_audit(&cut).unwrap(), 4);
    let a = s.audit_anchor().unwrap().expect("anchor");
    assert_eq!((a.last_id, a.cut.as_str()), (4, cut.as_str()));
    let v = verify(s, &chain, MIN_RETENTION_DAYS).unwrap();
    assert_eq!((v.entries, v.problems.len()), (4, 0), "{v:?}");
    let v = verify(s, &chain, 365).unwrap();
    assert_eq!(kinds(&v), [(4, "anchor_inside_retention".to_string())], "{v:?}");
    // Later entries go on from the anchor; pruning everything leaves the anchor at the head.
    s.append_audit(&ev("admin", "after")).unwrap();
    chain.set_clock_offset(400 * 86_400);
    let n = s.prune_audit(&chain.latest_cut()).unwrap();
    assert_eq!(n, 5);
    chain.set_clock_offset(400 * 86_400 + 1);
    let v = verify(s, &chain, MIN_RETENTION_DAYS).unwrap();
    assert_eq!((v.entries, v.problems.len(), v.head_id), (0, 0, 9), "{v:?}");
    s.append_audit(&ev("admin", "again")).unwrap();
}

/// Several connections (with chains of their own over the same key and head file, as separate
/// processes have) append at once: one chain, and the checkpoint never behind an entry that
/// was acknowledged.
pub fn concurrent_appends_keep_the_head_monotonic(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let chain = keyed(s);
    let key = chain.head().path().with_file_name("secret.key");
    let (threads, each) = (4, 15);
    let writers: Vec<_> = (0..threads)
        .map(|w| {
            let mut c = t.connect();
            let mine = Arc::new(AuditChain::open(&key, chain.head().path()).unwrap());
            c.set_audit_chain(mine.clone());
            std::thread::spawn(move || {
                let mut last_seen = 0;
                for i in 0..each {
                    let e = c.append_audit(&ev(&format!("w{w}"), &i.to_string())).unwrap();
                    let head = mine.head().read(mine.keys()).unwrap().unwrap();
                    assert!(head.id >= e.id && head.id >= last_seen, "checkpoint {} behind entry {} / {last_seen}", head.id, e.id);
                    last_seen = head.id;
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!((v.entries, v.problems.len(), v.beyond_checkpoint), ((threads * each) as u64, 0, 0), "{v:?}");
    assert_eq!(v.checkpoint.unwrap().id, (threads * each) as i64);
}

/// A log written before the chain was keyed: the first keyed write checks it, says so in an
/// `audit_keyed` entry linked to it, and from then on its unkeyed part is covered too.
pub fn unkeyed_log_is_keyed_at_first_write(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let mut prev = crate::audit::GENESIS.to_string();
    let mut old = Vec::new();
    for id in 1..=3 {
        let e = unkeyed(id, &prev, &format!("2026-01-0{id}T00:00:00.000000Z"), &format!("old{id}"));
        t.exec(&insert_sql(&e));
        prev = e.hash.clone();
        old.push(e);
    }
    let chain = keyed(s);
    let v = verify(s, &chain, 180).unwrap();
    assert!(v.problems.is_empty() && v.notes.iter().any(|n| n.kind == "unkeyed_log"), "{v:?}");
    let e = s.append_audit(&ev("admin", "first keyed")).unwrap();
    assert_eq!(e.id, 5);
    let marker = &all(s)[3];
    assert_eq!((marker.id, marker.action.as_str(), marker.prev_hash.as_str()), (4, "audit_keyed", prev.as_str()));
    let d: serde_json::Value = serde_json::from_str(&marker.detail).unwrap();
    assert_eq!((d["unkeyed_entries"].as_u64(), d["unkeyed_problems"].as_u64()), (Some(3), Some(0)));
    assert_eq!(chain.head().read(chain.keys()).unwrap().unwrap().keyed_from, 4);
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!((v.unkeyed_entries, v.keyed_entries, v.problems.len()), (3, 2, 0), "{v:?}");
    // Rewriting the old part afterwards, however consistently, breaks the keyed link.
    let mut prev = crate::audit::GENESIS.to_string();
    for o in &old {
        let target = if o.id == 2 { "rewritten" } else { o.target.as_str() };
        let e = unkeyed(o.id, &prev, &o.at, target);
        t.exec(&format!("UPDATE audit_log SET target = {}, prev_hash = {}, hash = {} WHERE id = {}", q(&e.target), q(&e.prev_hash), q(&e.hash), e.id));
        prev = e.hash;
    }
    assert_eq!(kinds(&verify(s, &chain, 180).unwrap()), [(4, "broken_link".to_string())]);
}

pub fn broken_unkeyed_log_is_reported_not_blessed(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let a = unkeyed(1, crate::audit::GENESIS, "2026-01-01T00:00:00.000000Z", "a");
    let mut b = unkeyed(2, &a.hash, "2026-01-02T00:00:00.000000Z", "b");
    b.target = "edited before the upgrade".into();
    t.exec(&insert_sql(&a));
    t.exec(&insert_sql(&b));
    let chain = keyed(s);
    s.append_audit(&ev("admin", "first keyed")).unwrap();
    let marker = all(s).into_iter().find(|e| e.action == "audit_keyed").unwrap();
    assert_eq!(marker.outcome, "failed");
    assert!(marker.detail.contains("\"unkeyed_problems\":1"), "{}", marker.detail);
    assert_eq!(kinds(&verify(s, &chain, 180).unwrap()), [(2, "edited".to_string())]);
}

/// A writer pointed at another head file (another data folder) does not start a second head
/// over a keyed log; verify without the head file says it cannot rule out truncation.
pub fn missing_checkpoint_is_refused_and_reported(s: &mut dyn Backend, _: &mut dyn Tamper) {
    let chain = keyed(s);
    append(s, 2);
    let key = chain.head().path().with_file_name("secret.key");
    let other = Arc::new(AuditChain::open(&key, &chain.head().path().with_file_name("elsewhere.head")).unwrap());
    s.set_audit_chain(other.clone());
    let e = s.append_audit(&ev("admin", "x")).unwrap_err();
    assert!(matches!(&e, StoreError::Integrity(m) if m.contains("missing") && m.contains("不存在")), "{e:?}");
    assert_eq!(kinds(&verify(s, &other, 180).unwrap()), [(0, "checkpoint_missing".to_string())]);
    // A different key altogether: every entry fails, and so does the checkpoint.
    let stranger = AuditChain::temporary();
    let text = chain.head().read_text().unwrap().unwrap();
    std::fs::write(stranger.head().path(), text).unwrap();
    let v = verify(s, &stranger, 180).unwrap();
    assert!(v.problems.iter().any(|p| p.kind == "checkpoint_invalid"), "{v:?}");
}

/// After a deliberate restore of an older copy, an operator resets the head: the reset is in
/// the log, and writing resumes.
pub fn reset_head_after_a_restore(s: &mut dyn Backend, t: &mut dyn Tamper) {
    let chain = keyed(s);
    append(s, 5);
    t.exec("DELETE FROM audit_log WHERE id > 3");
    assert!(s.append_audit(&ev("admin", "x")).is_err());
    let (old, new) = reset_head(s, &chain, "console:root").unwrap();
    assert!(old.unwrap().contains("\"id\":5"));
    assert_eq!(new.id, 3);
    let es = all(s);
    let r = es.last().unwrap();
    assert_eq!((r.id, r.action.as_str(), r.actor.as_str()), (4, "audit_head_reset", "console:root"));
    assert!(r.detail.contains("\"id\":5") && r.detail.contains("\"id\":3"), "{}", r.detail);
    s.append_audit(&ev("admin", "resumed")).unwrap();
    let v = verify(s, &chain, 180).unwrap();
    assert!(v.problems.is_empty(), "{v:?}");
}

/// An auditor reads the entries of actors in their part of the tree, filtered in the query:
/// a county auditor their county's accounts and its schools', a school's its own, a city's
/// its counties', the province everything (the console and the platform are province level).
pub fn auditors_read_their_subtree_only(s: &mut dyn Backend, _: &mut dyn Tamper) {
    keyed(s);
    let st: &mut dyn Store = s;
    import(st, Entity::School, "s", &[school("2151010401", "510104", "锦江实验小学"), school("2151030201", "510302", "自贡一小")]);
    let users = [("prov", 510000), ("chengdu", 510100), ("jinjiang", 510104), ("school", 2151010401), ("zigong", 510302), ("zgschool", 2151030201)];
    for (name, org) in users {
        // Accounts of every level: auditors at divisions, administrators at schools.
        let role = if org >= 1_000_000_000 { Role::SchoolAdmin } else { Role::Auditor };
        s.create_user(&crate::Scope::all(), &NewUser { name: name.into(), display_name: name.into(), role, org_code: org, password_hash: "x".into(), must_change_password: false }).unwrap();
    }
    for (name, _) in users {
        s.append_audit(&ev(name, "t")).unwrap();
    }
    for actor in ["console:root", "system", "nobody"] {
        s.append_audit(&ev(actor, "t")).unwrap();
    }
    let e = s.audit_entries(&AuditFilter { actor: Some("school".into()), limit: 5, ..Default::default() }).unwrap();
    assert_eq!((e[0].actor_org, e[0].actor_region), (Some(2151010401), Some(510104)));
    let read = |s: &mut dyn Backend, scope: Option<Scope>| -> Vec<String> {
        let mut v: Vec<String> = s.audit_entries(&AuditFilter { limit: 100, scope, ..Default::default() }).unwrap().into_iter().map(|e| e.actor).collect();
        v.sort();
        v
    };
    assert_eq!(read(s, Some(Scope::Region { lo: 510104, hi: 510104 })), ["jinjiang", "school"]);
    assert_eq!(read(s, Some(Scope::School { code: "2151010401".into(), county: 510104 })), ["school"]);
    assert_eq!(read(s, Some(Scope::Region { lo: 510100, hi: 510199 })), ["chengdu", "jinjiang", "school"]);
    assert_eq!(read(s, Some(Scope::Region { lo: 510302, hi: 510302 })), ["zgschool", "zigong"]);
    assert_eq!(read(s, Some(Scope::Region { lo: 510000, hi: 519999 })).len(), 9);
    assert!(read(s, Some(Scope::Nothing)).is_empty());
    // Paging and the other filters combine with the scope.
    let page = s.audit_entries(&AuditFilter { limit: 1, scope: Some(Scope::Region { lo: 510104, hi: 510104 }), ..Default::default() }).unwrap();
    assert_eq!(page[0].actor, "school");
    let next = s.audit_entries(&AuditFilter { limit: 1, before_id: Some(page[0].id), scope: Some(Scope::Region { lo: 510104, hi: 510104 }), ..Default::default() }).unwrap();
    assert_eq!(next[0].actor, "jinjiang");
}
