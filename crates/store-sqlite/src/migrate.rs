//! Embedded, additive migrations, applied when a store is opened.
//!
//! Each migration is a SQL file under `migrations/` plus optional seeding code, applied once in
//! its own `BEGIN IMMEDIATE` transaction and recorded in `schema_version`. Two processes opening
//! a new file at once are safe: the version is read again inside the write transaction.

use crate::map_err;
use rusqlite::{params, Connection};
use store::StoreError;

pub(crate) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
    /// Data the migration adds, in the same transaction.
    pub seed: Option<fn(&Connection) -> rusqlite::Result<()>>,
}

/// The facts of the data the store holds when it has none yet (a store migrated from before
/// 0009, when they were first kept); a store that has them keeps them.
fn seed_facts_if_none(conn: &Connection) -> rusqlite::Result<()> {
    let kept: i64 = conn.query_row("SELECT COUNT(*) FROM school_facts", [], |r| r.get(0))?;
    if kept > 0 {
        return Ok(());
    }
    crate::facts::recompute(conn, None).map(|_| ())
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_base",
        sql: include_str!("../migrations/0001_base.sql"),
        seed: Some(seed_divisions),
    },
    Migration {
        version: 2,
        name: "0002_browse",
        sql: include_str!("../migrations/0002_browse.sql"),
        seed: None,
    },
    Migration {
        version: 3,
        name: "0003_transfers",
        sql: include_str!("../migrations/0003_transfers.sql"),
        seed: None,
    },
    Migration {
        version: 4,
        name: "0004_sort_grade_time",
        sql: include_str!("../migrations/0004_sort_grade_time.sql"),
        seed: None,
    },
    Migration {
        version: 5,
        name: "0005_indicator_fields",
        sql: include_str!("../migrations/0005_indicator_fields.sql"),
        seed: None,
    },
    Migration {
        version: 6,
        name: "0006_conditions",
        sql: include_str!("../migrations/0006_conditions.sql"),
        seed: Some(bump_schema_version),
    },
    Migration {
        version: 7,
        name: "0007_school_facts",
        sql: include_str!("../migrations/0007_school_facts.sql"),
        // A store upgraded with data gets its facts at once (PostgreSQL: `tianfu insight refresh`),
        // from 0008's seed: the recompute writes the county aggregates too, whose table is 0008's.
        seed: None,
    },
    Migration {
        version: 8,
        name: "0008_county_facts",
        sql: include_str!("../migrations/0008_county_facts.sql"),
        // The facts and county aggregates of the data the store already holds: 0009's seed (the
        // recompute writes 0009's table too).
        seed: None,
    },
    Migration {
        version: 9,
        name: "0009_county_balance",
        sql: include_str!("../migrations/0009_county_balance.sql"),
        // The facts, county aggregates and kept figures of the data the store already holds come
        // from 0012's seed: the recompute writes 0012's column too.
        seed: None,
    },
    Migration {
        // Issue 14: quality snapshots and the collection calendar.
        version: 10,
        name: "0010_quality",
        sql: include_str!("../migrations/0010_quality.sql"),
        seed: None,
    },
    Migration {
        // Issue 14: the change feed's index of moved records.
        version: 11,
        name: "0011_change_feed",
        sql: include_str!("../migrations/0011_change_feed.sql"),
        seed: None,
    },
    Migration {
        // Issue 14: the newest batch per school kept with the facts (the quality refresh's
        // timeliness).
        version: 12,
        name: "0012_facts_last_batch",
        sql: include_str!("../migrations/0012_facts_last_batch.sql"),
        // A store upgraded from before 0009 gets its facts here (one with facts already has them,
        // and its newest batches from the SQL above).
        seed: Some(seed_facts_if_none),
    },
];

/// Migrations of the monitor file (sites, check history, alerts).
pub(crate) const MONITOR_MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "0001_monitor", sql: include_str!("../monitor/0001_monitor.sql"), seed: None },
    Migration { version: 2, name: "0002_baselines_ipv6", sql: include_str!("../monitor/0002_baselines_ipv6.sql"), seed: None },
    Migration { version: 3, name: "0003_alert_handling", sql: include_str!("../monitor/0003_alert_handling.sql"), seed: None },
];

/// The newest schema version this program knows.
pub const SCHEMA_VERSION: u32 = 12;

/// Migrations of the platform file (accounts, sessions, tokens, audit).
pub(crate) const PLATFORM_MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "0001_accounts_audit", sql: include_str!("../platform/0001_accounts_audit.sql"), seed: None },
    Migration { version: 2, name: "0002_tokens_backoff", sql: include_str!("../platform/0002_tokens_backoff.sql"), seed: None },
    Migration { version: 3, name: "0003_audit_keyed", sql: include_str!("../platform/0003_audit_keyed.sql"), seed: None },
    Migration { version: 4, name: "0004_calendar_attachments", sql: include_str!("../platform/0004_calendar_attachments.sql"), seed: None },
    Migration { version: 5, name: "0005_webhook_targets", sql: include_str!("../platform/0005_webhook_targets.sql"), seed: None },
    Migration { version: 6, name: "0006_failed_uploads", sql: include_str!("../platform/0006_failed_uploads.sql"), seed: None },
    Migration { version: 7, name: "0007_mlps", sql: include_str!("../platform/0007_mlps.sql"), seed: None },
    Migration { version: 8, name: "0008_incidents", sql: include_str!("../platform/0008_incidents.sql"), seed: None },
    Migration { version: 9, name: "0009_incident_attachments", sql: include_str!("../platform/0009_incident_attachments.sql"), seed: None },
    Migration { version: 10, name: "0010_duty", sql: include_str!("../platform/0010_duty.sql"), seed: None },
    Migration { version: 11, name: "0011_apps", sql: include_str!("../platform/0011_apps.sql"), seed: None },
    Migration { version: 12, name: "0012_checks", sql: include_str!("../platform/0012_checks.sql"), seed: None },
    Migration { version: 13, name: "0013_ledger", sql: include_str!("../platform/0013_ledger.sql"), seed: None },
    Migration { version: 14, name: "0014_mlps_reminders", sql: include_str!("../platform/0014_mlps_reminders.sql"), seed: None },
    Migration { version: 15, name: "0015_mlps_files", sql: include_str!("../platform/0015_mlps_files.sql"), seed: None },
    Migration { version: 16, name: "0016_reminders_outbox", sql: include_str!("../platform/0016_reminders_outbox.sql"), seed: None },
    Migration { version: 17, name: "0017_incident_review", sql: include_str!("../platform/0017_incident_review.sql"), seed: None },
    Migration { version: 18, name: "0018_register_memo", sql: include_str!("../platform/0018_register_memo.sql"), seed: None },
    Migration { version: 19, name: "0019_registers_memo", sql: include_str!("../platform/0019_registers_memo.sql"), seed: None },
    Migration { version: 20, name: "0020_plan", sql: include_str!("../platform/0020_plan.sql"), seed: None },
    Migration { version: 21, name: "0021_catalog", sql: include_str!("../platform/0021_catalog.sql"), seed: None },
    Migration { version: 22, name: "0022_school_notes", sql: include_str!("../platform/0022_school_notes.sql"), seed: None },
    Migration { version: 23, name: "0023_share", sql: include_str!("../platform/0023_share.sql"), seed: None },
    Migration { version: 24, name: "0024_share_nats", sql: include_str!("../platform/0024_share_nats.sql"), seed: None },
];

const _: () = assert!(MIGRATIONS[MIGRATIONS.len() - 1].version == SCHEMA_VERSION);

pub(crate) fn current_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )
}

/// Brings the schema up to date; returns the version it is at.
pub(crate) fn migrate(conn: &Connection) -> Result<u32, StoreError> {
    migrate_with(conn, MIGRATIONS)
}

/// Applies `list` (ordered by version) to `conn`.
pub(crate) fn migrate_with(conn: &Connection, list: &[Migration]) -> Result<u32, StoreError> {
    let newest = list[list.len() - 1].version;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .map_err(map_err)?;
    let current = current_version(conn).map_err(map_err)?;
    if current > newest {
        return Err(StoreError::Schema(format!(
            "the database is at schema version {current}, newer than this program ({newest}): use a newer tianfu"
        )));
    }
    for m in list.iter().filter(|m| m.version > current) {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(map_err)?;
        let applied = (|| -> rusqlite::Result<()> {
            // Another process may have applied it since we looked.
            if current_version(conn)? >= m.version {
                return Ok(());
            }
            conn.execute_batch(m.sql)?;
            if let Some(seed) = m.seed {
                seed(conn)?;
            }
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![m.version, m.name, store::time::now_rfc3339()],
            )?;
            Ok(())
        })();
        match applied.and_then(|()| conn.execute_batch("COMMIT")) {
            Ok(()) => {}
            Err(e) => {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                return Err(match map_err(e) {
                    StoreError::Internal(s) => {
                        StoreError::Schema(format!("migration {} failed: {s}", m.name))
                    }
                    other => other,
                });
            }
        }
    }
    Ok(newest)
}

/// After 0006's edit of `sqlite_schema` under `writable_schema` (it widens the CHECK of
/// `batches.entity`): the edit must have taken (a store whose table was written otherwise fails
/// the migration here rather than every conditions import later), then a new schema cookie, so
/// that every connection, this one included, reads the schema again.
fn bump_schema_version(conn: &Connection) -> rusqlite::Result<()> {
    let batches: String = conn.query_row("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'batches'", [], |r| r.get(0))?;
    if batches.contains("CHECK (entity IN") && !batches.contains("'conditions'") {
        return Err(rusqlite::Error::ToSqlConversionFailure(Box::new(std::io::Error::other("batches.entity's CHECK could not be widened to 'conditions'"))));
    }
    let v: i64 = conn.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    conn.execute_batch(&format!("PRAGMA schema_version = {}", v + 1))
}

/// Every province, city and county of GB/T 2260, with their parents ([`store::divisions`]):
/// the configured province decides the administrators' scope.
fn seed_divisions(conn: &Connection) -> rusqlite::Result<()> {
    let mut st = conn.prepare(
        "INSERT OR IGNORE INTO org_units (code, name, level, parent_code) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (code, name, level, parent) in store::divisions::org_rows() {
        st.execute(params![code, name, level, parent])?;
    }
    Ok(())
}
