//! Embedded migrations, tracked in `schema_version`. Each runs in its own transaction under an
//! advisory lock (two `tianfu migrate` at once serialise), is additive (creates, never drops) and
//! idempotent (`IF NOT EXISTS`, `ON CONFLICT DO NOTHING`).

use crate::error::pg;
use postgres::{Client, Transaction};
use store::StoreError;

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
    (9, "student_id_bytes", include_str!("../migrations/0009_student_id_bytes.sql")),
    (10, "alert_handling", include_str!("../migrations/0010_alert_handling.sql")),
    (11, "failed_uploads", include_str!("../migrations/0011_failed_uploads.sql")),
    (12, "sort_grade_time", include_str!("../migrations/0012_sort_grade_time.sql")),
    (13, "mlps", include_str!("../migrations/0013_mlps.sql")),
    (14, "incidents", include_str!("../migrations/0014_incidents.sql")),
    (15, "incident_attachments", include_str!("../migrations/0015_incident_attachments.sql")),
    (16, "duty", include_str!("../migrations/0016_duty.sql")),
    (17, "apps", include_str!("../migrations/0017_apps.sql")),
    (18, "checks", include_str!("../migrations/0018_checks.sql")),
    (19, "ledger", include_str!("../migrations/0019_ledger.sql")),
    (20, "mlps_reminders", include_str!("../migrations/0020_mlps_reminders.sql")),
    (21, "mlps_files", include_str!("../migrations/0021_mlps_files.sql")),
    (22, "reminders_outbox", include_str!("../migrations/0022_reminders_outbox.sql")),
    (23, "incident_review", include_str!("../migrations/0023_incident_review.sql")),
    (24, "register_memo", include_str!("../migrations/0024_register_memo.sql")),
    (25, "indicator_fields", include_str!("../migrations/0025_indicator_fields.sql")),
    (27, "registers_memo", include_str!("../migrations/0027_registers_memo.sql")),
    (28, "conditions", include_str!("../migrations/0028_conditions.sql")),
    (29, "plan", include_str!("../migrations/0029_plan.sql")),
    (30, "school_facts", include_str!("../migrations/0030_school_facts.sql")),
    (31, "catalog", include_str!("../migrations/0031_catalog.sql")),
    (32, "county_facts", include_str!("../migrations/0032_county_facts.sql")),
    (33, "county_balance", include_str!("../migrations/0033_county_balance.sql")),
    (34, "school_notes", include_str!("../migrations/0034_school_notes.sql")),
    (35, "quality", include_str!("../migrations/0035_quality.sql")),
    (36, "share", include_str!("../migrations/0036_share.sql")),
    (37, "change_feed", include_str!("../migrations/0037_change_feed.sql")),
    (38, "facts_last_batch", include_str!("../migrations/0038_facts_last_batch.sql")),
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

/// Every province, city and county of GB/T 2260, with their parents ([`store::divisions`]), in
/// one statement (some 3,300 rows): the configured province decides the administrators' scope.
fn seed_org_units(tx: &mut Transaction<'_>) -> Result<(), StoreError> {
    let rows = store::divisions::org_rows();
    let codes: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.1).collect();
    let levels: Vec<&str> = rows.iter().map(|r| r.2).collect();
    let parents: Vec<Option<i64>> = rows.iter().map(|r| r.3).collect();
    tx.execute(
        "INSERT INTO org_units (code, name, level, parent_code) \
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) ON CONFLICT (code) DO NOTHING",
        &[&codes, &names, &levels, &parents],
    )
    .map_err(pg)?;
    Ok(())
}
