//! The network-security monitor in its own file (`<name>.monitor.db`, see
//! `monitor/0001_monitor.sql`): sites, claims, check history and alerts. Organisation nodes are
//! looked up in the base file. Claims run in a `BEGIN IMMEDIATE` transaction: one writer at a
//! time, so two workers on the same file never claim the same site.

use crate::sql::{params as args, query, query_opt};
use crate::{map_err, SqliteStore};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use store::monitor::sql::*;
use store::monitor::*;
use store::sql::Dialect;
use store::{Page, Scope, StoreError};

/// A page unchanged since the snapshot before leaves it as it is (its time is when the page
/// took this form): no rewrite of an unchanged page at every check.
const SNAPSHOT_UPSERT: &str = "INSERT INTO snapshots (site_id, at, fingerprint, text) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, fingerprint = excluded.fingerprint, text = excluded.text WHERE snapshots.text <> excluded.text OR snapshots.fingerprint <> excluded.fingerprint";

/// The bits of the IPv6 probe window.
const WINDOW_MASK: i64 = (1i64 << IPV6_WINDOW) - 1;

/// [`ALERT_COLS`], unqualified (SQLite's RETURNING takes no table names).
const ALERT_COLS_BARE: &str = "id, site_id, kind, severity, message, opened_at, last_seen, count, resolved_at, status, assignee, closed_by, closed_at, disposition";

const D: Dialect = Dialect::Sqlite;

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
        site_region(org, query_opt(self.connection(), ORG_NODE, [org], org_node_from)?)
    }

    /// Runs a claiming `UPDATE sites … RETURNING` in one write transaction (one writer at a
    /// time: two workers never claim the same site).
    fn claim_sites(&mut self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Site>, StoreError> {
        let tx = self.monitor.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
        let sites = query(&tx, sql, args, site_from)?;
        tx.commit().map_err(map_err)?;
        Ok(sites)
    }

    fn checked(&self, s: &NewSite) -> Result<i64, StoreError> {
        validate_site(s).map_err(StoreError::Conflict)?;
        self.site_region(s.org_code)
    }

    /// Whether the site exists and lies inside the scope (the register's write rule).
    fn site_in(&self, scope: &Scope, id: i64) -> Result<bool, StoreError> {
        let at = query_opt(&self.monitor, SITE_PLACE, [id], site_place_from)?;
        Ok(at.is_some_and(|(region, org)| may_write_site(scope, region, org)))
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
            .execute(UPDATE_SITE, args(update_site_args(id, s, region, now)))
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
        query_opt(&self.monitor, &format!("SELECT {SITE_COLS} FROM sites WHERE id = ?1"), [id], site_from)
    }

    fn sites(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Page<Site>, StoreError> {
        let Some((sql, w, limit)) = sites_query(D, scope, q) else { return Ok(store::sql::empty()) };
        Ok(sites_page(query(&self.monitor, &sql, args(w.args), site_from)?, limit))
    }

    fn site_counts(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Vec<(SiteState, u64)>, StoreError> {
        let Some((sql, w)) = site_counts_query(D, scope, q) else { return Ok(Vec::new()) };
        query(&self.monitor, &sql, args(w.args), site_count_from)
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
        let raw = query(&self.monitor, &format!("SELECT {RESULT_COLS} FROM check_results WHERE site_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY at"), params![site_id, from, to], summary_from)?;
        let tier = |table: &str| -> Result<Vec<Aggregate>, StoreError> {
            query(&self.monitor, &format!("SELECT bucket, checks, up, v4_up, v6_up, ms_sum, ms_max FROM {table} WHERE site_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket"), params![site_id, from, to], agg_from)
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
        let alert = query_opt(&tx, &format!("SELECT {ALERT_COLS} FROM alerts a WHERE open_key = ?1"), [&key], alert_from)?.ok_or_else(|| StoreError::Internal("the open alert is gone".into()))?;
        tx.commit().map_err(map_err)?;
        Ok((alert, n == 0))
    }

    fn resolve_alert(&mut self, site_id: i64, kind: &str, at: i64) -> Result<Option<Alert>, StoreError> {
        let key = open_key(site_id, kind);
        query_opt(&self.monitor, &format!("UPDATE alerts SET resolved_at = ?2, open_key = NULL WHERE open_key = ?1 RETURNING {ALERT_COLS_BARE}"), params![key, at], alert_from)
    }

    fn site_alerts(&mut self, site_id: i64) -> Result<Vec<Alert>, StoreError> {
        query(&self.monitor, &format!("SELECT {ALERT_COLS} FROM alerts a WHERE site_id = ?1 AND resolved_at IS NULL ORDER BY id"), [site_id], alert_from)
    }

    fn list_alerts(&mut self, scope: &Scope, open_only: bool, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let Some((sql, w)) = alerts_query(D, scope, open_only, limit) else { return Ok(Vec::new()) };
        query(&self.monitor, &sql, args(w.args), alert_from)
    }

    fn alerts_page(&mut self, scope: &Scope, q: &AlertQuery) -> Result<Page<Alert>, StoreError> {
        let Some((sql, w, limit)) = alerts_page_query(D, scope, q) else { return Ok(store::sql::empty()) };
        Ok(alerts_page(query(&self.monitor, &sql, args(w.args), alert_from)?, limit))
    }

    fn alert_counts(&mut self, scope: &Scope, q: &AlertQuery) -> Result<Vec<(String, AlertStatus, u64)>, StoreError> {
        let Some((sql, w)) = alert_counts_query(D, scope, q) else { return Ok(Vec::new()) };
        query(&self.monitor, &sql, args(w.args), alert_count_from)
    }

    fn alert_in(&mut self, scope: &Scope, id: i64) -> Result<Option<Alert>, StoreError> {
        let Some((sql, w)) = alert_in_query(D, scope, id) else { return Ok(None) };
        query_opt(&self.monitor, &sql, args(w.args), alert_from)
    }

    fn change_alert(&mut self, id: i64, c: &AlertChange) -> Result<bool, StoreError> {
        let (sql, a) = change_alert_stmt(D, id, c);
        self.monitor.execute(&sql, args(a)).map(|n| n == 1).map_err(map_err)
    }

    fn add_alert_note(&mut self, alert_id: i64, author: &str, at: i64, text: &str) -> Result<i64, StoreError> {
        self.monitor.execute("INSERT INTO alert_notes (alert_id, author, at, text) VALUES (?1, ?2, ?3, ?4)", params![alert_id, author, at, text]).map_err(map_err)?;
        Ok(self.monitor.last_insert_rowid())
    }

    fn alert_notes(&mut self, alert_id: i64) -> Result<Vec<AlertNote>, StoreError> {
        query(&self.monitor, ALERT_NOTES, [alert_id], alert_note_from)
    }

    fn webhooks(&mut self, scope: &Scope) -> Result<Vec<StoredWebhook>, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        query(&self.platform, WEBHOOKS, [], webhook_from)
    }

    fn add_webhook(&mut self, scope: &Scope, w: &StoredWebhook) -> Result<i64, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        self.platform
            .execute(
                "INSERT INTO webhook_targets (name, kind, url, secret, enabled, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![w.name, w.kind, w.url, w.secret, w.enabled, w.created_by, w.created_at],
            )
            .map_err(map_err)?;
        Ok(self.platform.last_insert_rowid())
    }

    fn set_webhook_enabled(&mut self, scope: &Scope, id: i64, enabled: bool) -> Result<bool, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        self.platform.execute("UPDATE webhook_targets SET enabled = ?2 WHERE id = ?1", params![id, enabled]).map(|n| n == 1).map_err(map_err)
    }

    fn delete_webhook(&mut self, scope: &Scope, id: i64) -> Result<bool, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        self.platform.execute("DELETE FROM webhook_targets WHERE id = ?1", [id]).map(|n| n == 1).map_err(map_err)
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
        let Some((sql, w)) = accept_missing_query(D, scope, by, now) else { return Ok(0) };
        self.monitor.execute(&sql, args(w.args)).map(|n| n as u64).map_err(map_err)
    }

    fn missing_baselines(&mut self, scope: &Scope) -> Result<u64, StoreError> {
        let Some((sql, w)) = missing_baselines_query(D, scope) else { return Ok(0) };
        query_opt(&self.monitor, &sql, args(w.args), count_from).map(Option::unwrap_or_default)
    }

    fn freshness(&mut self, scope: &Scope) -> Result<Freshness, StoreError> {
        let Some((sql, w)) = freshness_query(D, scope) else { return Ok(Freshness::default()) };
        query_opt(&self.monitor, &sql, args(w.args), freshness_from).map(Option::unwrap_or_default)
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
        let Some((sql, w)) = ipv6_query(D, scope, category) else { return Ok(Vec::new()) };
        query(&self.monitor, &sql, args(w.args), ipv6_from)
    }
}
