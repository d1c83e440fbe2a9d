//! Embedded migrations, tracked in `schema_version`. Each runs in its own transaction under an
//! advisory lock (two `tianfu migrate` at once serialise), is additive (creates, never drops) and
//! idempotent (`IF NOT EXISTS`, `ON CONFLICT DO NOTHING`).

use crate::error::pg;
use postgres::{Client, Transaction};
use standard::codes::{DivisionLevel, DIVISIONS};
use store::StoreError;

/// The province whose divisions seed `org_units` (GB/T 2260 prefix: 51 四川省).
pub const PROVINCE: u32 = 51;

/// (version, name, SQL). Append only; never edit one that has shipped.
pub const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "base", include_str!("../migrations/0001_base.sql")),
    (2, "platform", include_str!("../migrations/0002_platform.sql")),
    (3, "monitor", include_str!("../migrations/0003_monitor.sql")),
    (4, "baselines_ipv6", include_str!("../migrations/0004_baselines_ipv6.sql")),
    (5, "transfers", include_str!("../migrations/0005_transfers.sql")),
    (6, "tokens_backoff", include_str!("../migrations/0006_tokens_backoff.sql")),
    (7, "audit_keyed", include_str!("../migrations/0007_audit_keyed.sql")),
    (8, "calendar_attachments", include_str!("../migrations/0008_calendar_attachments.sql")),
];

/// The version this program needs.
pub const LATEST_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)";

/// The applied version in the current schema: 0 when there is no `schema_version`.
pub fn current_version(client: &mut Client, schema: &str) -> Result<u32, StoreError> {
    let exists = client
        .query_opt("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_version'", &[&schema])
        .map_err(pg)?
        .is_some();
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = client
        .query_one("SELECT max(version) FROM schema_version", &[])
        .map_err(pg)?
        .get(0);
    Ok(v.unwrap_or(0).max(0) as u32)
}

pub fn run(client: &mut Client, schema: &str) -> Result<u32, StoreError> {
    let lock = crate::batch::lock_key(&format!("migrate:{schema}"));
    let mut applied = 0;
    for &(version, name, sql) in MIGRATIONS {
        let mut tx = client.transaction().map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock])
            .map_err(pg)?;
        tx.batch_execute(VERSION_TABLE).map_err(pg)?;
        let done = tx
            .query_opt(
                "SELECT 1 FROM schema_version WHERE version = $1",
                &[&(version as i32)],
            )
            .map_err(pg)?
            .is_some();
        if done {
            tx.rollback().map_err(pg)?;
            continue;
        }
        tx.batch_execute(sql).map_err(|e| {
            StoreError::Schema(format!(
                "migration {version:04}_{name}: {}",
                crate::error::describe(&e)
            ))
        })?;
        if version == 1 {
            seed_org_units(&mut tx)?;
        }
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&(version as i32), &name, &store::time::now_rfc3339()],
        )
        .map_err(pg)?;
        tx.commit().map_err(pg)?;
        applied += 1;
    }
    Ok(applied)
}

/// The province, its cities and its counties (GB/T 2260), with their parents.
fn seed_org_units(tx: &mut Transaction<'_>) -> Result<(), StoreError> {
    let stmt = tx.prepare("INSERT INTO org_units (code, name, level, parent_code) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING").map_err(pg)?;
    for d in DIVISIONS
        .list
        .iter()
        .filter(|d| d.code / 10_000 == PROVINCE)
    {
        let level = match d.level {
            DivisionLevel::Province => "province",
            DivisionLevel::City => "city",
            DivisionLevel::County => "county",
        };
        let parent = d.parent.map(|p| p as i64);
        tx.execute(&stmt, &[&(d.code as i64), &d.name, &level, &parent])
            .map_err(pg)?;
    }
    Ok(())
}
