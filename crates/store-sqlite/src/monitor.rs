//! The network-security monitor in its own file (`<name>.monitor.db`, see
//! `monitor/0001_monitor.sql`): sites, claims, check history and alerts. Organisation nodes are
//! looked up in the base file. Claims run in a `BEGIN IMMEDIATE` transaction: one writer at a
//! time, so two workers on the same file never claim the same site.

use crate::{map_err, SqliteStore};
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use store::browse::MAX_PAGE;
use store::monitor::*;
use store::{OrgLevel, Page, Scope, StoreError};

const SITE_COLS: &str = "id, name, url, org_code, region_code, category, interval_minutes, enabled, state, next_due, last_checked, ipv6_ok, claimed_by, lease_until, created_at, updated_at";

/// A page unchanged since the snapshot before leaves it as it is (its time is when the page
/// took this form): no rewrite of an unchanged page at every check.
const SNAPSHOT_UPSERT: &str = "INSERT INTO snapshots (site_id, at, fingerprint, text) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, fingerprint = excluded.fingerprint, text = excluded.text WHERE snapshots.text <> excluded.text OR snapshots.fingerprint <> excluded.fingerprint";

/// The bits of the IPv6 probe window.
const WINDOW_MASK: i64 = (1i64 << IPV6_WINDOW) - 1;

fn bad(i: usize, what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(i, format!("{what} {v}"), rusqlite::types::Type::Text)
}

fn site_from(r: &Row<'_>) -> rusqlite::Result<Site> {
    let cat: String = r.get(5)?;
    let state: String = r.get(8)?;
    Ok(Site {
        id: r.get(0)?,
        name: r.get(1)?,
        url: r.get(2)?,
        org_code: r.get(3)?,
        region_code: r.get(4)?,
        category: SiteCategory::parse(&cat).ok_or_else(|| bad(5, "category", &cat))?,
        interval_minutes: r.get::<_, i64>(6)? as u32,
        enabled: r.get(7)?,
        state: SiteState::parse(&state).ok_or_else(|| bad(8, "state", &state))?,
        next_due: r.get(9)?,
        last_checked: r.get(10)?,
        ipv6_ok: r.get(11)?,
        claimed_by: r.get(12)?,
        lease_until: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

const RESULT_COLS: &str = "at, state, v4_ok, v4_status, v4_ms, v6_ok, v6_status, v6_ms, tls_days, tls_grade, header_score, ipv6_aaaa, ipv6_home, ipv6_consistent, findings";

fn summary_from(r: &Row<'_>) -> rusqlite::Result<CheckSummary> {
    let state: String = r.get(1)?;
    let findings: String = r.get(14)?;
    Ok(CheckSummary {
        at: r.get(0)?,
        state: SiteState::parse(&state).ok_or_else(|| bad(1, "state", &state))?,
        v4: FamilySummary { reachable: r.get(2)?, status: r.get::<_, Option<i64>>(3)?.map(|s| s as u16), elapsed_ms: r.get::<_, i64>(4)? as u32 },
        v6: FamilySummary { reachable: r.get(5)?, status: r.get::<_, Option<i64>>(6)?.map(|s| s as u16), elapsed_ms: r.get::<_, i64>(7)? as u32 },
        tls_days: r.get(8)?,
        tls_grade: r.get(9)?,
        header_score: r.get::<_, Option<i64>>(10)?.map(|s| s as u8),
        ipv6_aaaa: r.get(11)?,
        ipv6_home: r.get(12)?,
        ipv6_consistent: r.get(13)?,
        findings: CheckSummary::split_findings(&findings),
    })
}

fn agg_from(r: &Row<'_>) -> rusqlite::Result<Aggregate> {
    let g = |i| r.get::<_, i64>(i).map(|v| v as u64);
    Ok(Aggregate { bucket: r.get(0)?, checks: g(1)?, up: g(2)?, v4_up: g(3)?, v6_up: g(4)?, ms_sum: g(5)?, ms_max: g(6)? })
}

const ALERT_COLS: &str = "a.id, a.site_id, a.kind, a.severity, a.message, a.opened_at, a.last_seen, a.count, a.resolved_at";
/// The same, unqualified (SQLite's RETURNING takes no table names).
const ALERT_COLS_BARE: &str = "id, site_id, kind, severity, message, opened_at, last_seen, count, resolved_at";

fn alert_from(r: &Row<'_>) -> rusqlite::Result<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        site_id: r.get(1)?,
        kind: r.get(2)?,
        severity: r.get(3)?,
        message: r.get(4)?,
        opened_at: r.get(5)?,
        last_seen: r.get(6)?,
        count: r.get::<_, i64>(7)? as u32,
        resolved_at: r.get(8)?,
    })
}

/// The scope as conditions on `sites` (aliased `s`), with their arguments.
fn scope_sql(scope: &Scope, args: &mut Vec<Value>) -> Option<String> {
    let (lo, hi) = scope.county_range()?;
    args.push((lo as i64).into());
    args.push((hi as i64).into());
    let mut c = format!("s.region_code BETWEEN ?{} AND ?{}", args.len() - 1, args.len());
    if let Some(code) = scope.school() {
        args.push(code.parse::<i64>().unwrap_or(-1).into());
        c.push_str(&format!(" AND s.org_code = ?{}", args.len()));
    }
    Some(c)
}

/// The conditions of a site query but its state and cursor; None when nothing can match.
fn site_conds(scope: &Scope, q: &SiteQuery, args: &mut Vec<Value>) -> Option<Vec<String>> {
    let scope = match q.region {
        None => scope.clone(),
        Some(r) => scope.narrow(r)?,
    };
    let mut conds = vec![scope_sql(&scope, args)?];
    if let Some(c) = q.category {
        args.push(c.code().to_string().into());
        conds.push(format!("s.category = ?{}", args.len()));
    }
    if !q.include_disabled {
        conds.push("s.enabled = 1".into());
    }
    Some(conds)
}

/// Moves aggregates of `from` older than `cut` into `to`'s buckets (additively), deleting them.
fn roll(tx: &rusqlite::Transaction<'_>, from: &str, to: &str, cut: i64, bucket: &str) -> rusqlite::Result<usize> {
    tx.execute(
        &format!(
            "INSERT INTO {to} (site_id, bucket, checks, up, v4_up, v6_up, ms_sum, ms_max)
             SELECT site_id, {bucket} AS b, SUM(checks), SUM(up), SUM(v4_up), SUM(v6_up), SUM(ms_sum), MAX(ms_max)
             FROM {from} WHERE bucket < ?1 GROUP BY site_id, b
             ON CONFLICT (site_id, bucket) DO UPDATE SET checks = checks + excluded.checks, up = up + excluded.up,
               v4_up = v4_up + excluded.v4_up, v6_up = v6_up + excluded.v6_up, ms_sum = ms_sum + excluded.ms_sum,
               ms_max = MAX(ms_max, excluded.ms_max)"
        ),
        [cut],
    )?;
    tx.execute(&format!("DELETE FROM {from} WHERE bucket < ?1"), [cut])
}

impl SqliteStore {
    /// The region of an organisation node, or Conflict when the tree has no such node.
    fn site_region(&self, org: i64) -> Result<i64, StoreError> {
        let unit: Option<(String, Option<i64>)> = self
            .connection()
            .query_row("SELECT level, parent_code FROM org_units WHERE code = ?1", [org], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(map_err)?;
        match unit {
            None => Err(StoreError::Conflict(format!("单位代码 {org} 不在组织机构树中（unknown organisation {org}）"))),
            Some((level, parent)) => Ok(if OrgLevel::from_code(&level) == Some(OrgLevel::School) { parent.unwrap_or(0) } else { org }),
        }
    }

    /// Runs a claiming `UPDATE sites … RETURNING` in one write transaction (one writer at a
    /// time: two workers never claim the same site).
    fn claim_sites(&mut self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Site>, StoreError> {
        let tx = self.monitor.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
        let sites = {
            let mut st = tx.prepare_cached(sql).map_err(map_err)?;
            let rows = st.query_map(args, site_from).map_err(map_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?
        };
        tx.commit().map_err(map_err)?;
        Ok(sites)
    }

    fn checked(&self, s: &NewSite) -> Result<i64, StoreError> {
        validate_site(s).map_err(StoreError::Conflict)?;
        self.site_region(s.org_code)
    }

    /// Whether the site exists and lies inside the scope (the register's write rule).
    fn site_in(&self, scope: &Scope, id: i64) -> Result<bool, StoreError> {
        let at: Option<(i64, i64)> = self.monitor.query_row("SELECT region_code, org_code FROM sites WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(map_err)?;
        Ok(at.is_some_and(|(region, org)| may_write_site(scope, region, org)))
    }
}

fn url_taken(e: StoreError, url: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(format!("网址 {url} 已登记（the URL is registered）")),
        other => other,
    }
}

impl Monitor for SqliteStore {
    fn create_site(&mut self, scope: &Scope, s: &NewSite, now: i64) -> Result<Site, StoreError> {
        let region = self.checked(s)?;
        if !may_write_site(scope, region, s.org_code) {
            return Err(StoreError::OutOfScope);
        }
        self.monitor
            .execute(
                "INSERT INTO sites (name, url, org_code, region_code, category, interval_minutes, next_due, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
                params![s.name.trim(), s.url, s.org_code, region, s.category.code(), s.interval_minutes, now],
            )
            .map_err(|e| url_taken(map_err(e), &s.url))?;
        let id = self.monitor.last_insert_rowid();
        self.site(id)?.ok_or_else(|| StoreError::Internal("the new site is gone".into()))
    }

    fn update_site(&mut self, scope: &Scope, id: i64, s: &NewSite, now: i64) -> Result<bool, StoreError> {
        if !self.site_in(scope, id)? {
            return Ok(false);
        }
        let region = self.checked(s)?;
        if !may_write_site(scope, region, s.org_code) {
            return Err(StoreError::OutOfScope);
        }
        self.monitor
            .execute(
                "UPDATE sites SET name = ?2, url = ?3, org_code = ?4, region_code = ?5, category = ?6, interval_minutes = ?7, updated_at = ?8 WHERE id = ?1",
                params![id, s.name.trim(), s.url, s.org_code, region, s.category.code(), s.interval_minutes, now],
            )
            .map(|n| n == 1)
            .map_err(|e| url_taken(map_err(e), &s.url))
    }

    fn set_site_enabled(&mut self, scope: &Scope, id: i64, enabled: bool, now: i64) -> Result<bool, StoreError> {
        if !self.site_in(scope, id)? {
            return Ok(false);
        }
        self.monitor.execute("UPDATE sites SET enabled = ?2, updated_at = ?3 WHERE id = ?1", params![id, enabled, now]).map(|n| n == 1).map_err(map_err)
    }

    fn site(&mut self, id: i64) -> Result<Option<Site>, StoreError> {
        let mut st = self.monitor.prepare_cached(&format!("SELECT {SITE_COLS} FROM sites WHERE id = ?1")).map_err(map_err)?;
        st.query_row([id], site_from).optional().map_err(map_err)
    }

    fn sites(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Page<Site>, StoreError> {
        let mut args = Vec::new();
        let Some(mut conds) = site_conds(scope, q, &mut args) else { return Ok(Page { rows: Vec::new(), next: None }) };
        if let Some(st) = q.state {
            args.push(st.code().to_string().into());
            conds.push(format!("s.state = ?{}", args.len()));
        }
        if let Some(after) = q.after.as_deref().and_then(|a| a.parse::<i64>().ok()) {
            args.push(after.into());
            conds.push(format!("s.id > ?{}", args.len()));
        }
        let limit = q.limit.clamp(1, MAX_PAGE);
        let sql = format!("SELECT {SITE_COLS} FROM sites s WHERE {} ORDER BY s.id LIMIT {}", conds.join(" AND "), limit + 1);
        let mut st = self.monitor.prepare_cached(&sql).map_err(map_err)?;
        let mut rows = st.query_map(rusqlite::params_from_iter(args), site_from).map_err(map_err)?.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?;
        let next = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows[limit - 1].id.to_string()
        });
        Ok(Page { rows, next })
    }

    fn site_counts(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Vec<(SiteState, u64)>, StoreError> {
        let mut args = Vec::new();
        let Some(conds) = site_conds(scope, q, &mut args) else { return Ok(Vec::new()) };
        let sql = format!("SELECT s.state, COUNT(*) FROM sites s WHERE {} GROUP BY s.state", conds.join(" AND "));
        let mut st = self.monitor.prepare_cached(&sql).map_err(map_err)?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), |r| {
                let state: String = r.get(0)?;
                Ok((SiteState::parse(&state).ok_or_else(|| bad(0, "state", &state))?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn upsert_sites(&mut self, scope: &Scope, sites: &[NewSite], now: i64) -> Result<Upserted, StoreError> {
        let mut regions = Vec::with_capacity(sites.len());
        for s in sites {
            regions.push(self.checked(s).map_err(|e| match e {
                StoreError::Conflict(m) => StoreError::Conflict(format!("{}: {m}", s.url)),
                other => other,
            })?);
        }
        let tx = self.monitor.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
        let mut out = Upserted::default();
        let c = &mut out.counts;
        for (i, (s, region)) in sites.iter().zip(regions).enumerate() {
            let old: Option<(i64, String, i64, String, i64, i64)> = tx
                .query_row("SELECT id, name, org_code, category, interval_minutes, region_code FROM sites WHERE url = ?1", [&s.url], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
                .optional()
                .map_err(map_err)?;
            let stored_ok = old.as_ref().is_none_or(|o| may_write_site(scope, o.5, o.2));
            if !stored_ok || !may_write_site(scope, region, s.org_code) {
                c.refused += 1;
                out.refused.push(i);
                continue;
            }
            match old {
                None => {
                    tx.execute(
                        "INSERT INTO sites (name, url, org_code, region_code, category, interval_minutes, next_due, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
                        params![s.name.trim(), s.url, s.org_code, region, s.category.code(), s.interval_minutes, now],
                    )
                    .map_err(map_err)?;
                    c.inserted += 1;
                }
                Some((id, name, org, cat, interval, _)) => {
                    if (name.as_str(), org, cat.as_str(), interval) == (s.name.trim(), s.org_code, s.category.code(), s.interval_minutes as i64) {
                        c.unchanged += 1;
                        continue;
                    }
                    tx.execute(
                        "UPDATE sites SET name = ?2, org_code = ?3, region_code = ?4, category = ?5, interval_minutes = ?6, updated_at = ?7 WHERE id = ?1",
                        params![id, s.name.trim(), s.org_code, region, s.category.code(), s.interval_minutes, now],
                    )
                    .map_err(map_err)?;
                    c.updated += 1;
                }
            }
        }
        tx.commit().map_err(map_err)?;
        Ok(out)
    }

    fn claim_due(&mut self, worker: &str, now: i64, limit: usize) -> Result<Vec<Site>, StoreError> {
        let sql = format!(
            "UPDATE sites SET claimed_by = ?1, lease_until = ?2 WHERE id IN (
               SELECT id FROM sites WHERE enabled = 1 AND next_due <= ?3 AND (lease_until IS NULL OR lease_until < ?3)
               ORDER BY next_due, id LIMIT ?4)
             RETURNING {SITE_COLS}"
        );
        let mut sites = self.claim_sites(&sql, params![worker, now + LEASE_SECS, now, limit as i64])?;
        // RETURNING gives rows in no promised order: most overdue first, as PostgreSQL's.
        sites.sort_by_key(|s| (s.next_due, s.id));
        Ok(sites)
    }

    fn record_result(&mut self, site_id: i64, r: &CheckSummary, next_due: i64) -> Result<(), StoreError> {
        self.record_check(site_id, r, None, next_due)
    }

    fn record_check(&mut self, site_id: i64, r: &CheckSummary, page: Option<&Snapshot>, next_due: i64) -> Result<(), StoreError> {
        let tx = self.monitor.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
        if let Some(p) = page {
            tx.prepare_cached(SNAPSHOT_UPSERT).and_then(|mut st| st.execute(params![site_id, p.at, p.fingerprint, p.text])).map_err(map_err)?;
        }
        tx.execute(
            &format!("INSERT INTO check_results (site_id, {RESULT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
            params![
                site_id, r.at, r.state.code(), r.v4.reachable, r.v4.status, r.v4.elapsed_ms, r.v6.reachable, r.v6.status, r.v6.elapsed_ms,
                r.tls_days, r.tls_grade, r.header_score, r.ipv6_aaaa, r.ipv6_home, r.ipv6_consistent, r.findings_joined()
            ],
        )
        .map_err(map_err)?;
        tx.execute(
            "UPDATE sites SET state = ?2, last_checked = ?3, ipv6_ok = ?4, next_due = ?5, claimed_by = NULL, lease_until = NULL,
               ipv6_aaaa = ?6, ipv6_consistent = ?7, v6_bits = ((v6_bits << 1) | ?4) & ?8, v6_probes = MIN(v6_probes + 1, ?9) WHERE id = ?1",
            params![site_id, r.state.code(), r.at, r.ipv6_home, next_due, r.ipv6_aaaa, r.ipv6_consistent, WINDOW_MASK, IPV6_WINDOW],
        )
        .map_err(map_err)?;
        tx.commit().map_err(map_err)
    }

    fn history(&mut self, site_id: i64, from: i64, to: i64) -> Result<History, StoreError> {
        let mut st = self.monitor.prepare_cached(&format!("SELECT {RESULT_COLS} FROM check_results WHERE site_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY at")).map_err(map_err)?;
        let raw = st.query_map(params![site_id, from, to], summary_from).map_err(map_err)?.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?;
        let tier = |table: &str| -> Result<Vec<Aggregate>, StoreError> {
            let mut st = self.monitor.prepare_cached(&format!("SELECT bucket, checks, up, v4_up, v6_up, ms_sum, ms_max FROM {table} WHERE site_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket")).map_err(map_err)?;
            let rows = st.query_map(params![site_id, from, to], agg_from).map_err(map_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
        };
        let hourly = tier("check_hourly")?;
        let daily = tier("check_daily")?;
        Ok(History { raw, hourly, daily })
    }

    fn compact(&mut self, now: i64, r: &Retention) -> Result<Compaction, StoreError> {
        let raw_cut = hour_start(now - r.raw_days * DAY);
        let hourly_cut = day_start(now - r.hourly_days * DAY);
        let daily_cut = day_start(now - r.daily_days * DAY);
        let tx = self.monitor.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
        let run = || -> rusqlite::Result<Compaction> {
            tx.execute(
                "INSERT INTO check_hourly (site_id, bucket, checks, up, v4_up, v6_up, ms_sum, ms_max)
                 SELECT site_id, at - (at % 3600) AS b, COUNT(*), SUM(state <> 'down'), SUM(v4_ok), SUM(v6_ok), SUM(v4_ms), MAX(v4_ms)
                 FROM check_results WHERE at < ?1 GROUP BY site_id, b
                 ON CONFLICT (site_id, bucket) DO UPDATE SET checks = checks + excluded.checks, up = up + excluded.up,
                   v4_up = v4_up + excluded.v4_up, v6_up = v6_up + excluded.v6_up, ms_sum = ms_sum + excluded.ms_sum,
                   ms_max = MAX(ms_max, excluded.ms_max)",
                [raw_cut],
            )?;
            let raw_rolled = tx.execute("DELETE FROM check_results WHERE at < ?1", [raw_cut])? as u64;
            // Days begin at midnight China Standard Time (UTC+8).
            let day = format!("bucket - ((bucket + {CST_OFFSET}) % {DAY})");
            let hourly_rolled = roll(&tx, "check_hourly", "check_daily", hourly_cut, &day)? as u64;
            let daily_deleted = tx.execute("DELETE FROM check_daily WHERE bucket < ?1", [daily_cut])? as u64;
            Ok(Compaction { raw_rolled, hourly_rolled, daily_deleted })
        };
        let c = run().map_err(map_err)?;
        tx.commit().map_err(map_err)?;
        Ok(c)
    }

    fn open_alert(&mut self, a: &NewAlert) -> Result<(Alert, bool), StoreError> {
        let key = open_key(a.site_id, &a.kind);
        let tx = self.monitor.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
        let n = tx.execute("UPDATE alerts SET last_seen = ?2, count = count + 1 WHERE open_key = ?1", params![key, a.at]).map_err(map_err)?;
        if n == 0 {
            tx.execute(
                "INSERT INTO alerts (site_id, kind, severity, message, opened_at, last_seen, open_key) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                params![a.site_id, a.kind, a.severity, a.message, a.at, key],
            )
            .map_err(map_err)?;
        }
        let alert = tx.query_row(&format!("SELECT {ALERT_COLS} FROM alerts a WHERE open_key = ?1"), [&key], alert_from).map_err(map_err)?;
        tx.commit().map_err(map_err)?;
        Ok((alert, n == 0))
    }

    fn resolve_alert(&mut self, site_id: i64, kind: &str, at: i64) -> Result<Option<Alert>, StoreError> {
        let key = open_key(site_id, kind);
        let mut st = self
            .monitor
            .prepare_cached(&format!("UPDATE alerts SET resolved_at = ?2, open_key = NULL WHERE open_key = ?1 RETURNING {ALERT_COLS_BARE}"))
            .map_err(map_err)?;
        st.query_row(params![key, at], alert_from).optional().map_err(map_err)
    }

    fn site_alerts(&mut self, site_id: i64) -> Result<Vec<Alert>, StoreError> {
        let mut st = self.monitor.prepare_cached(&format!("SELECT {ALERT_COLS} FROM alerts a WHERE site_id = ?1 AND resolved_at IS NULL ORDER BY id")).map_err(map_err)?;
        let rows = st.query_map([site_id], alert_from).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn list_alerts(&mut self, scope: &Scope, open_only: bool, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let mut args = Vec::new();
        let Some(cond) = scope_sql(scope, &mut args) else { return Ok(Vec::new()) };
        let open = if open_only { " AND a.resolved_at IS NULL" } else { "" };
        let sql = format!("SELECT {ALERT_COLS} FROM alerts a JOIN sites s ON s.id = a.site_id WHERE {cond}{open} ORDER BY a.id DESC LIMIT {}", limit.clamp(1, MAX_PAGE));
        let mut st = self.monitor.prepare_cached(&sql).map_err(map_err)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), alert_from).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn record_snapshot(&mut self, site_id: i64, page: &Snapshot) -> Result<(), StoreError> {
        let mut st = self.monitor.prepare_cached(SNAPSHOT_UPSERT).map_err(map_err)?;
        st.execute(params![site_id, page.at, page.fingerprint, page.text]).map(drop).map_err(map_err)
    }

    fn snapshot(&mut self, site_id: i64) -> Result<Option<Snapshot>, StoreError> {
        let mut st = self.monitor.prepare_cached("SELECT at, fingerprint, text FROM snapshots WHERE site_id = ?1").map_err(map_err)?;
        st.query_row([site_id], |r| Ok(Snapshot { at: r.get(0)?, fingerprint: r.get(1)?, text: r.get(2)? })).optional().map_err(map_err)
    }

    fn baseline(&mut self, site_id: i64) -> Result<Option<Baseline>, StoreError> {
        let mut st = self.monitor.prepare_cached("SELECT at, fingerprint, text, accepted_by, accepted_at FROM baselines WHERE site_id = ?1").map_err(map_err)?;
        st.query_row([site_id], |r| Ok(Baseline { page: Snapshot { at: r.get(0)?, fingerprint: r.get(1)?, text: r.get(2)? }, accepted_by: r.get(3)?, accepted_at: r.get(4)? }))
            .optional()
            .map_err(map_err)
    }

    fn accept_baseline(&mut self, scope: &Scope, site_id: i64, by: &str, now: i64) -> Result<bool, StoreError> {
        if !self.site_in(scope, site_id)? {
            return Err(StoreError::OutOfScope);
        }
        self.monitor
            .execute(
                "INSERT INTO baselines (site_id, at, fingerprint, text, accepted_by, accepted_at)
                 SELECT site_id, at, fingerprint, text, ?2, ?3 FROM snapshots WHERE site_id = ?1
                 ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, fingerprint = excluded.fingerprint, text = excluded.text,
                   accepted_by = excluded.accepted_by, accepted_at = excluded.accepted_at",
                params![site_id, by, now],
            )
            .map(|n| n == 1)
            .map_err(map_err)
    }

    fn accept_missing_baselines(&mut self, scope: &Scope, by: &str, now: i64) -> Result<u64, StoreError> {
        let mut args: Vec<Value> = vec![by.to_string().into(), now.into()];
        let Some(cond) = scope_sql(scope, &mut args) else { return Ok(0) };
        let sql = format!(
            "INSERT INTO baselines (site_id, at, fingerprint, text, accepted_by, accepted_at)
             SELECT p.site_id, p.at, p.fingerprint, p.text, ?1, ?2 FROM snapshots p JOIN sites s ON s.id = p.site_id
             WHERE {cond} AND s.enabled = 1 AND NOT EXISTS (SELECT 1 FROM baselines b WHERE b.site_id = p.site_id)"
        );
        self.monitor.execute(&sql, rusqlite::params_from_iter(args)).map(|n| n as u64).map_err(map_err)
    }

    fn claim_crawls(&mut self, _worker: &str, now: i64, limit: usize) -> Result<Vec<Site>, StoreError> {
        let sql = format!(
            "UPDATE sites SET crawl_lease = ?1 WHERE id IN (
               SELECT id FROM sites WHERE enabled = 1 AND crawl_due <= ?2 AND last_checked IS NOT NULL
                 AND (crawl_lease IS NULL OR crawl_lease < ?2)
               ORDER BY crawl_due, id LIMIT ?3)
             RETURNING {SITE_COLS}"
        );
        let mut sites = self.claim_sites(&sql, params![now + LEASE_SECS, now, limit as i64])?;
        sites.sort_by_key(|s| s.id);
        Ok(sites)
    }

    fn record_crawl(&mut self, site_id: i64, c: &CrawlSummary, next_due: i64) -> Result<(), StoreError> {
        let tx = self.monitor.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
        tx.execute(
            "INSERT INTO ipv6_crawls (site_id, at, l2_checked, l2_ok, l3_checked, l3_ok, out_of_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, l2_checked = excluded.l2_checked, l2_ok = excluded.l2_ok,
               l3_checked = excluded.l3_checked, l3_ok = excluded.l3_ok, out_of_time = excluded.out_of_time",
            params![site_id, c.at, c.l2_checked, c.l2_ok, c.l3_checked, c.l3_ok, c.out_of_time],
        )
        .map_err(map_err)?;
        tx.execute("UPDATE sites SET crawl_due = ?2, crawl_lease = NULL WHERE id = ?1", params![site_id, next_due]).map_err(map_err)?;
        tx.commit().map_err(map_err)
    }

    fn ipv6_results(&mut self, scope: &Scope, category: Option<SiteCategory>) -> Result<Vec<Ipv6Result>, StoreError> {
        let mut args = Vec::new();
        let Some(mut cond) = scope_sql(scope, &mut args) else { return Ok(Vec::new()) };
        if let Some(c) = category {
            args.push(c.code().to_string().into());
            cond.push_str(&format!(" AND s.category = ?{}", args.len()));
        }
        let sql = format!(
            "SELECT s.id, s.name, s.url, s.category, s.region_code, s.last_checked, s.ipv6_aaaa, s.ipv6_ok, s.ipv6_consistent, s.v6_bits, s.v6_probes,
                    c.at, c.l2_checked, c.l2_ok, c.l3_checked, c.l3_ok, c.out_of_time
             FROM sites s LEFT JOIN ipv6_crawls c ON c.site_id = s.id WHERE {cond} AND s.enabled = 1 ORDER BY s.id"
        );
        let mut st = self.monitor.prepare_cached(&sql).map_err(map_err)?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), |r| {
                let cat: String = r.get(3)?;
                let probes = r.get::<_, i64>(10)? as u32;
                let crawl_at: Option<i64> = r.get(11)?;
                let n = |i| r.get::<_, i64>(i).map(|v| v as u32);
                Ok(Ipv6Result {
                    site_id: r.get(0)?,
                    name: r.get(1)?,
                    url: r.get(2)?,
                    category: SiteCategory::parse(&cat).ok_or_else(|| bad(3, "category", &cat))?,
                    region_code: r.get(4)?,
                    checked: r.get(5)?,
                    aaaa: r.get::<_, Option<bool>>(6)?.unwrap_or(false),
                    home: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
                    consistent: r.get(8)?,
                    probes,
                    successes: window_successes(r.get(9)?, probes),
                    crawl: match crawl_at {
                        None => None,
                        Some(at) => Some(CrawlSummary { at, l2_checked: n(12)?, l2_ok: n(13)?, l3_checked: n(14)?, l3_ok: n(15)?, out_of_time: r.get(16)? }),
                    },
                })
            })
            .map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }
}
