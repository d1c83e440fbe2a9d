//! Remembered aggregates of the registers (issue 13: "every register list answers in < 100 ms
//! p99 at province scale"): a province's totals, its completion by region, its counts by state
//! are full counts of 60,000–200,000 rows, too slow to redo on every page view.
//!
//! Two platform tables (SQLite platform 0018, PostgreSQL 0024):
//! - `register_versions (register, version)`: one row per register, bumped by **database
//!   triggers** on the register's table on every insert, update and delete — in the writing
//!   transaction itself, whoever writes (the console, the worker, the CLI, an import, a
//!   hand-written SQL fix). No write path can forget it, and a rolled-back write bumps nothing.
//! - `register_memo (register, aggregate, area, query, day) → (version, payload)`: a figure as
//!   computed at a version. The key holds the reader's area (`Scope`), so a county's figure
//!   never answers a city and the other way round; `day` is the date the figure was judged on
//!   for figures that depend on today ('' for the others).
//!
//! A read ([`cached`]) looks both up in one statement; when the memo's version is the
//! register's current one it is served, otherwise the figure is recomputed and stored under
//! the version read **before** computing (a write that lands meanwhile leaves the memo a
//! version behind, so the next read recomputes: never a stale figure under a new version).
//! Storing is best effort: a refused write (a busy or read-only database) only costs the memo.

use crate::access::Scope;
use crate::sql::{Arg, Dialect, SqlRow};
use crate::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use standard::Date;

/// The registers with a version row (the triggers name them).
pub const MLPS: &str = "mlps";
pub const APPS: &str = "apps";
pub const INCIDENTS: &str = "incidents";
/// The special inspections' assignments and rectification items (their progress).
pub const CHECKS: &str = "checks";
/// The responsibility checklists' item rows (their completion).
pub const DUTY_ITEMS: &str = "duty_items";
/// The software ledger's entries and checks (overdue units by region, totals).
pub const SOFTWARE: &str = "software";

/// Raw access to the platform tables, implemented by each backend.
pub trait MemoSql {
    fn memo_dialect(&self) -> Dialect;
    /// Runs `sql` (in this dialect's placeholders), calling `each` for every row.
    fn memo_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn memo_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
}

/// The key of a scope's area: `r:lo-hi` for a region, `s:code` for a school; None for
/// [`Scope::Nothing`] (nothing is remembered for it).
pub fn area(scope: &Scope) -> Option<String> {
    match scope {
        Scope::Region { lo, hi } => Some(format!("r:{lo}-{hi}")),
        Scope::School { code, .. } => Some(format!("s:{code}")),
        Scope::Nothing => None,
    }
}

/// The register's current version (0 when it has no row).
pub fn version(db: &mut (impl MemoSql + ?Sized), register: &str) -> Result<i64, StoreError> {
    let sql = db.memo_dialect().render("SELECT version FROM register_versions WHERE register = ?1").into_owned();
    let mut v = 0;
    db.memo_rows(&sql, vec![register.into()], &mut |r| {
        v = r.i64(0)?;
        Ok(())
    })?;
    Ok(v)
}

/// The figure `aggregate` of `register` for `scope` and the canonical text of its query (and
/// the day it is judged on, when it depends on today): the remembered one when the register has
/// not changed since, else `compute`'s, remembered.
pub fn cached<D: MemoSql + ?Sized, T: Serialize + DeserializeOwned>(
    db: &mut D,
    register: &str,
    aggregate: &str,
    scope: &Scope,
    query: &str,
    day: Option<Date>,
    compute: impl FnOnce(&mut D) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let Some(area) = area(scope) else { return compute(db) };
    let day = day.map(|d| d.to_string()).unwrap_or_default();
    let d = db.memo_dialect();
    let key = || -> Vec<Arg> { vec![register.into(), aggregate.into(), area.as_str().into(), query.into(), day.as_str().into()] };
    // One round trip: the register's version and the memo's, with its payload.
    let sql = d
        .render(
            "SELECT v.version, m.version, m.payload FROM register_versions v \
             LEFT JOIN register_memo m ON m.register = v.register AND m.aggregate = ?2 AND m.area = ?3 AND m.query = ?4 AND m.day = ?5 \
             WHERE v.register = ?1",
        )
        .into_owned();
    let mut found: Option<(i64, Option<i64>, Option<String>)> = None;
    db.memo_rows(&sql, key(), &mut |r| {
        found = Some((r.i64(0)?, r.opt_i64(1)?, r.opt_string(2)?));
        Ok(())
    })?;
    // A register without a version row is not watched by triggers: never remembered.
    let Some((current, memo_version, payload)) = found else { return compute(db) };
    if memo_version == Some(current) {
        if let Some(v) = payload.and_then(|p| serde_json::from_str::<T>(&p).ok()) {
            return Ok(v);
        }
    }
    let value = compute(db)?;
    if let Ok(payload) = serde_json::to_string(&value) {
        let mut args = key();
        args.extend([Arg::I64(current), payload.into()]);
        let sql = d
            .render(
                "INSERT INTO register_memo (register, aggregate, area, query, day, version, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (register, aggregate, area, query, day) DO UPDATE SET version = excluded.version, payload = excluded.payload",
            )
            .into_owned();
        if db.memo_exec(&sql, args).is_ok() {
            // The register's older figures will never be served again: drop them.
            let sql = d.render("DELETE FROM register_memo WHERE register = ?1 AND version < ?2").into_owned();
            let _ = db.memo_exec(&sql, vec![register.into(), Arg::I64(current)]);
        }
    }
    Ok(value)
}
