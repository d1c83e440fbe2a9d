//! The network-security monitor (migration 0003): sites, claims, check history and alerts.
//! Workers on several hosts claim due sites with one `UPDATE … WHERE id IN (SELECT … FOR UPDATE
//! SKIP LOCKED) RETURNING`: a row another claimer holds is skipped, never waited for, and a
//! row it has just claimed fails the re-checked lease condition.

use crate::error::pg;
use crate::sql::{self, args, refs};
use crate::PgStore;
use postgres::Row;
use store::monitor::sql::{self as shared, ALERT_COLS, RESULT_COLS, SITE_COLS};
use store::monitor::*;
use store::sql::Dialect;
use store::{Page, Scope, StoreError};

/// A page unchanged since the snapshot before leaves it as it is (its time is when the page
/// took this form): no rewrite of an unchanged page at every check.
const SNAPSHOT_UPSERT: &str = "INSERT INTO snapshots (site_id, at, fingerprint, text) VALUES ($1, $2, $3, $4) ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, fingerprint = excluded.fingerprint, text = excluded.text WHERE snapshots.text <> excluded.text OR snapshots.fingerprint <> excluded.fingerprint";

/// The bits of the IPv6 probe window.
const WINDOW_MASK: i64 = (1i64 << IPV6_WINDOW) - 1;

const D: Dialect = Dialect::Postgres;

// The shared decoders (store::monitor::sql) on postgres rows.
fn site_from(r: &Row) -> Result<Site, StoreError> {
    shared::site_from(&sql::Row(r))
}
fn summary_from(r: &Row) -> Result<CheckSummary, StoreError> {
    shared::summary_from(&sql::Row(r))
}
fn agg_from(r: &Row) -> Result<Aggregate, StoreError> {
    shared::agg_from(&sql::Row(r))
}
fn alert_from(r: &Row) -> Result<Alert, StoreError> {
    shared::alert_from(&sql::Row(r))
}

const AGG_UPDATE: &str = "checks = {t}.checks + excluded.checks, up = {t}.up + excluded.up, v4_up = {t}.v4_up + excluded.v4_up, \
     v6_up = {t}.v6_up + excluded.v6_up, ms_sum = {t}.ms_sum + excluded.ms_sum, ms_max = GREATEST({t}.ms_max, excluded.ms_max)";

impl PgStore {
    fn site_region(&mut self, org: i64) -> Result<i64, StoreError> {
        let node = sql::query_opt(&mut self.client, &D.render(shared::ORG_NODE), &[&org], shared::org_node_from)?;
        shared::site_region(org, node)
    }

    fn checked(&mut self, s: &NewSite) -> Result<i64, StoreError> {
        validate_site(s).map_err(StoreError::Conflict)?;
        self.site_region(s.org_code)
    }

    /// Whether the site exists and lies inside the scope (the register's write rule).
    fn site_in(&mut self, scope: &Scope, id: i64) -> Result<bool, StoreError> {
        let at = sql::query_opt(&mut self.client, &D.render(shared::SITE_PLACE), &[&id], shared::site_place_from)?;
        Ok(at.is_some_and(|(region, org)| may_write_site(scope, region, org)))
    }
}

fn url_taken(e: postgres::Error, url: &str) -> StoreError {
    shared::url_taken(pg(e), url)
}

const INSERT_SITE: &str = "INSERT INTO sites (name, url, org_code, region_code, category, interval_minutes, next_due, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) RETURNING id";

impl Monitor for PgStore {
    fn create_site(&mut self, scope: &Scope, s: &NewSite, now: i64) -> Result<Site, StoreError> {
        let region = self.checked(s)?;
        if !may_write_site(scope, region, s.org_code) {
            return Err(StoreError::OutOfScope);
        }
        let r = self
            .client
            .query_one(INSERT_SITE, &[&s.name.trim(), &s.url, &s.org_code, &region, &s.category.code(), &(s.interval_minutes as i64), &now])
            .map_err(|e| url_taken(e, &s.url))?;
        self.site(r.get(0))?.ok_or_else(|| StoreError::Internal("the new site is gone".into()))
    }

    fn update_site(&mut self, scope: &Scope, id: i64, s: &NewSite, now: i64) -> Result<bool, StoreError> {
        if !self.site_in(scope, id)? {
            return Ok(false);
        }
        let region = self.checked(s)?;
        if !may_write_site(scope, region, s.org_code) {
            return Err(StoreError::OutOfScope);
        }
        self.client
            .execute(&*D.render(shared::UPDATE_SITE), &refs(&args(shared::update_site_args(id, s, region, now))))
            .map(|n| n == 1)
            .map_err(|e| url_taken(e, &s.url))
    }

    fn set_site_enabled(&mut self, scope: &Scope, id: i64, enabled: bool, now: i64) -> Result<bool, StoreError> {
        if !self.site_in(scope, id)? {
            return Ok(false);
        }
        self.client.execute("UPDATE sites SET enabled = $2, updated_at = $3 WHERE id = $1", &[&id, &enabled, &now]).map(|n| n == 1).map_err(pg)
    }

    fn site(&mut self, id: i64) -> Result<Option<Site>, StoreError> {
        sql::query_opt(&mut self.client, &format!("SELECT {SITE_COLS} FROM sites WHERE id = $1"), &[&id], shared::site_from)
    }

    fn sites(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Page<Site>, StoreError> {
        let Some((sql, w, limit)) = shared::sites_query(D, scope, q) else { return Ok(store::sql::empty()) };
        Ok(shared::sites_page(sql::query(&mut self.client, &sql, &refs(&args(w.args)), shared::site_from)?, limit))
    }

    fn site_counts(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Vec<(SiteState, u64)>, StoreError> {
        let Some((sql, w)) = shared::site_counts_query(D, scope, q) else { return Ok(Vec::new()) };
        sql::query(&mut self.client, &sql, &refs(&args(w.args)), shared::site_count_from)
    }

    fn upsert_sites(&mut self, scope: &Scope, sites: &[NewSite], now: i64) -> Result<Upserted, StoreError> {
        let mut regions = Vec::with_capacity(sites.len());
        for s in sites {
            regions.push(self.checked(s).map_err(|e| match e {
                StoreError::Conflict(m) => StoreError::Conflict(format!("{}: {m}", s.url)),
                other => other,
            })?);
        }
        let mut tx = self.client.transaction().map_err(pg)?;
        let mut out = Upserted::default();
        let c = &mut out.counts;
        for (i, (s, region)) in sites.iter().zip(regions).enumerate() {
            let old = tx.query_opt("SELECT id, name, org_code, category, interval_minutes, region_code FROM sites WHERE url = $1 FOR UPDATE", &[&s.url]).map_err(pg)?;
            let stored_ok = old.as_ref().is_none_or(|o| may_write_site(scope, o.get(5), o.get(2)));
            if !stored_ok || !may_write_site(scope, region, s.org_code) {
                c.refused += 1;
                out.refused.push(i);
                continue;
            }
            match old {
                None => {
                    tx.query_one(INSERT_SITE, &[&s.name.trim(), &s.url, &s.org_code, &region, &s.category.code(), &(s.interval_minutes as i64), &now]).map_err(|e| url_taken(e, &s.url))?;
                    c.inserted += 1;
                }
                Some(r) => {
                    let same = (r.get::<_, &str>(1), r.get::<_, i64>(2), r.get::<_, &str>(3), r.get::<_, i64>(4)) == (s.name.trim(), s.org_code, s.category.code(), s.interval_minutes as i64);
                    if same {
                        c.unchanged += 1;
                        continue;
                    }
                    let id: i64 = r.get(0);
                    tx.execute(
                        "UPDATE sites SET name = $2, org_code = $3, region_code = $4, category = $5, interval_minutes = $6, updated_at = $7 WHERE id = $1",
                        &[&id, &s.name.trim(), &s.org_code, &region, &s.category.code(), &(s.interval_minutes as i64), &now],
                    )
                    .map_err(pg)?;
                    c.updated += 1;
                }
            }
        }
        tx.commit().map_err(pg)?;
        Ok(out)
    }

    fn claim_due(&mut self, worker: &str, now: i64, limit: usize) -> Result<Vec<Site>, StoreError> {
        let sql = format!(
            "UPDATE sites SET claimed_by = $1, lease_until = $2 WHERE id IN (
               SELECT id FROM sites WHERE enabled AND next_due <= $3 AND (lease_until IS NULL OR lease_until < $3)
               ORDER BY next_due, id LIMIT $4 FOR UPDATE SKIP LOCKED)
             RETURNING {SITE_COLS}"
        );
        let rows = self.client.query(&sql, &[&worker, &(now + LEASE_SECS), &now, &(limit as i64)]).map_err(pg)?;
        let mut sites = rows.iter().map(site_from).collect::<Result<Vec<_>, _>>()?;
        sites.sort_by_key(|s| (s.next_due, s.id));
        Ok(sites)
    }

    fn record_result(&mut self, site_id: i64, r: &CheckSummary, next_due: i64) -> Result<(), StoreError> {
        self.record_check(site_id, r, None, next_due)
    }

    fn record_check(&mut self, site_id: i64, r: &CheckSummary, page: Option<&Snapshot>, next_due: i64) -> Result<(), StoreError> {
        let mut tx = self.client.transaction().map_err(pg)?;
        if let Some(p) = page {
            tx.execute(SNAPSHOT_UPSERT, &[&site_id, &p.at, &p.fingerprint, &p.text]).map_err(pg)?;
        }
        let (v4s, v6s) = (r.v4.status.map(i32::from), r.v6.status.map(i32::from));
        let hs = r.header_score.map(i32::from);
        tx.execute(
            &format!("INSERT INTO check_results (site_id, {RESULT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"),
            &[
                &site_id, &r.at, &r.state.code(), &r.v4.reachable, &v4s, &(r.v4.elapsed_ms as i64), &r.v6.reachable, &v6s, &(r.v6.elapsed_ms as i64),
                &r.tls_days, &r.tls_grade, &hs, &r.ipv6_aaaa, &r.ipv6_home, &r.ipv6_consistent, &r.findings_joined(),
            ],
        )
        .map_err(pg)?;
        tx.execute(
            "UPDATE sites SET state = $2, last_checked = $3, ipv6_ok = $4, next_due = $5, claimed_by = NULL, lease_until = NULL,
               ipv6_aaaa = $6, ipv6_consistent = $7, v6_bits = ((v6_bits << 1) | (CASE WHEN $4 THEN 1 ELSE 0 END)) & $8,
               v6_probes = LEAST(v6_probes + 1, $9) WHERE id = $1",
            &[&site_id, &r.state.code(), &r.at, &r.ipv6_home, &next_due, &r.ipv6_aaaa, &r.ipv6_consistent, &WINDOW_MASK, &(IPV6_WINDOW as i64)],
        )
        .map_err(pg)?;
        tx.commit().map_err(pg)
    }

    fn history(&mut self, site_id: i64, from: i64, to: i64) -> Result<History, StoreError> {
        let rows = self.client.query(&format!("SELECT {RESULT_COLS} FROM check_results WHERE site_id = $1 AND at >= $2 AND at < $3 ORDER BY at"), &[&site_id, &from, &to]).map_err(pg)?;
        let raw = rows.iter().map(summary_from).collect::<Result<Vec<_>, _>>()?;
        let mut tier = |table: &str| -> Result<Vec<Aggregate>, StoreError> {
            let sql = format!("SELECT bucket, checks, up, v4_up, v6_up, ms_sum, ms_max FROM {table} WHERE site_id = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket");
            self.client.query(&sql, &[&site_id, &from, &to]).map_err(pg)?.iter().map(agg_from).collect()
        };
        let hourly = tier("check_hourly")?;
        let daily = tier("check_daily")?;
        Ok(History { raw, hourly, daily })
    }

    fn compact(&mut self, now: i64, r: &Retention) -> Result<Compaction, StoreError> {
        let raw_cut = hour_start(now - r.raw_days * DAY);
        let hourly_cut = day_start(now - r.hourly_days * DAY);
        let daily_cut = day_start(now - r.daily_days * DAY);
        let mut tx = self.client.transaction().map_err(pg)?;
        // One compaction at a time: two would both roll the same raw rows up before either
        // deleted them. Each later statement reads what the one before us committed.
        let lock = crate::batch::lock_key(&format!("compact:{}", self.schema));
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock]).map_err(pg)?;
        tx.execute(
            &format!(
                "INSERT INTO check_hourly (site_id, bucket, checks, up, v4_up, v6_up, ms_sum, ms_max)
                 SELECT site_id, at - MOD(at, 3600) AS b, COUNT(*),
                   SUM(CASE WHEN state <> 'down' THEN 1 ELSE 0 END), SUM(CASE WHEN v4_ok THEN 1 ELSE 0 END),
                   SUM(CASE WHEN v6_ok THEN 1 ELSE 0 END), CAST(SUM(v4_ms) AS bigint), MAX(v4_ms)
                 FROM check_results WHERE at < $1 GROUP BY site_id, at - MOD(at, 3600)
                 ON CONFLICT (site_id, bucket) DO UPDATE SET {}",
                AGG_UPDATE.replace("{t}", "check_hourly")
            ),
            &[&raw_cut],
        )
        .map_err(pg)?;
        let raw_rolled = tx.execute("DELETE FROM check_results WHERE at < $1", &[&raw_cut]).map_err(pg)?;
        // Days begin at midnight China Standard Time (UTC+8).
        let day = format!("bucket - MOD(bucket + {CST_OFFSET}, {DAY})");
        tx.execute(
            &format!(
                "INSERT INTO check_daily (site_id, bucket, checks, up, v4_up, v6_up, ms_sum, ms_max)
                 SELECT site_id, {day} AS b, CAST(SUM(checks) AS bigint), CAST(SUM(up) AS bigint), CAST(SUM(v4_up) AS bigint),
                   CAST(SUM(v6_up) AS bigint), CAST(SUM(ms_sum) AS bigint), MAX(ms_max)
                 FROM check_hourly WHERE bucket < $1 GROUP BY site_id, {day}
                 ON CONFLICT (site_id, bucket) DO UPDATE SET {}",
                AGG_UPDATE.replace("{t}", "check_daily")
            ),
            &[&hourly_cut],
        )
        .map_err(pg)?;
        let hourly_rolled = tx.execute("DELETE FROM check_hourly WHERE bucket < $1", &[&hourly_cut]).map_err(pg)?;
        let daily_deleted = tx.execute("DELETE FROM check_daily WHERE bucket < $1", &[&daily_cut]).map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(Compaction { raw_rolled, hourly_rolled, daily_deleted })
    }

    fn open_alert(&mut self, a: &NewAlert) -> Result<(Alert, bool), StoreError> {
        let key = open_key(a.site_id, &a.kind);
        let bump = format!("UPDATE alerts a SET last_seen = $2, count = a.count + 1 WHERE open_key = $1 RETURNING {ALERT_COLS}");
        // Two tries: a concurrent worker may open the same alert between our update and insert.
        for _ in 0..2 {
            if let Some(r) = self.client.query_opt(&bump, &[&key, &a.at]).map_err(pg)? {
                return Ok((alert_from(&r)?, false));
            }
            let ins = self
                .client
                .query_opt(
                    &format!("INSERT INTO alerts AS a (site_id, kind, severity, message, opened_at, last_seen, open_key) VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (open_key) DO NOTHING RETURNING {ALERT_COLS}"),
                    &[&a.site_id, &a.kind, &a.severity, &a.message, &a.at, &key],
                )
                .map_err(pg)?;
            if let Some(r) = ins {
                return Ok((alert_from(&r)?, true));
            }
        }
        Err(StoreError::Locked(format!("alert {key} is being opened and resolved concurrently")))
    }

    fn resolve_alert(&mut self, site_id: i64, kind: &str, at: i64) -> Result<Option<Alert>, StoreError> {
        let key = open_key(site_id, kind);
        let r = self
            .client
            .query_opt(&format!("UPDATE alerts a SET resolved_at = $2, open_key = NULL WHERE open_key = $1 RETURNING {ALERT_COLS}"), &[&key, &at])
            .map_err(pg)?;
        r.as_ref().map(alert_from).transpose()
    }

    fn site_alerts(&mut self, site_id: i64) -> Result<Vec<Alert>, StoreError> {
        let rows = self.client.query(&format!("SELECT {ALERT_COLS} FROM alerts a WHERE site_id = $1 AND resolved_at IS NULL ORDER BY id"), &[&site_id]).map_err(pg)?;
        rows.iter().map(alert_from).collect()
    }

    fn list_alerts(&mut self, scope: &Scope, open_only: bool, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let Some((sql, w)) = shared::alerts_query(D, scope, open_only, limit) else { return Ok(Vec::new()) };
        sql::query(&mut self.client, &sql, &refs(&args(w.args)), shared::alert_from)
    }

    fn alerts_page(&mut self, scope: &Scope, q: &AlertQuery) -> Result<Page<Alert>, StoreError> {
        let Some((sql, w, limit)) = shared::alerts_page_query(D, scope, q) else { return Ok(store::sql::empty()) };
        Ok(shared::alerts_page(sql::query(&mut self.client, &sql, &refs(&args(w.args)), shared::alert_from)?, limit))
    }

    fn alert_counts(&mut self, scope: &Scope, q: &AlertQuery) -> Result<Vec<(String, AlertStatus, u64)>, StoreError> {
        let Some((sql, w)) = shared::alert_counts_query(D, scope, q) else { return Ok(Vec::new()) };
        sql::query(&mut self.client, &sql, &refs(&args(w.args)), shared::alert_count_from)
    }

    fn alert_in(&mut self, scope: &Scope, id: i64) -> Result<Option<Alert>, StoreError> {
        let Some((sql, w)) = shared::alert_in_query(D, scope, id) else { return Ok(None) };
        sql::query_opt(&mut self.client, &sql, &refs(&args(w.args)), shared::alert_from)
    }

    fn change_alert(&mut self, id: i64, c: &AlertChange) -> Result<bool, StoreError> {
        let (stmt, a) = shared::change_alert_stmt(D, id, c);
        self.client.execute(&stmt, &refs(&args(a))).map(|n| n == 1).map_err(pg)
    }

    fn add_alert_note(&mut self, alert_id: i64, author: &str, at: i64, text: &str) -> Result<i64, StoreError> {
        let r = self.client.query_one("INSERT INTO alert_notes (alert_id, author, at, text) VALUES ($1, $2, $3, $4) RETURNING id", &[&alert_id, &author, &at, &text]).map_err(pg)?;
        Ok(r.get(0))
    }

    fn alert_notes(&mut self, alert_id: i64) -> Result<Vec<AlertNote>, StoreError> {
        sql::query(&mut self.client, &D.render(shared::ALERT_NOTES), &[&alert_id], shared::alert_note_from)
    }

    fn webhooks(&mut self, scope: &Scope) -> Result<Vec<StoredWebhook>, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        sql::query(&mut self.client, shared::WEBHOOKS, &[], shared::webhook_from)
    }

    fn add_webhook(&mut self, scope: &Scope, w: &StoredWebhook) -> Result<i64, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        let r = self
            .client
            .query_one(
                "INSERT INTO webhook_targets (name, kind, url, secret, enabled, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&w.name, &w.kind, &w.url, &w.secret, &w.enabled, &w.created_by, &w.created_at],
            )
            .map_err(pg)?;
        Ok(r.get(0))
    }

    fn set_webhook_enabled(&mut self, scope: &Scope, id: i64, enabled: bool) -> Result<bool, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        self.client.execute("UPDATE webhook_targets SET enabled = $2 WHERE id = $1", &[&id, &enabled]).map(|n| n == 1).map_err(pg)
    }

    fn delete_webhook(&mut self, scope: &Scope, id: i64) -> Result<bool, StoreError> {
        if !may_manage_webhooks(scope) {
            return Err(StoreError::OutOfScope);
        }
        self.client.execute("DELETE FROM webhook_targets WHERE id = $1", &[&id]).map(|n| n == 1).map_err(pg)
    }

    fn record_snapshot(&mut self, site_id: i64, page: &Snapshot) -> Result<(), StoreError> {
        self.client
            .execute(SNAPSHOT_UPSERT, &[&site_id, &page.at, &page.fingerprint, &page.text])
            .map(drop)
            .map_err(pg)
    }

    fn snapshot(&mut self, site_id: i64) -> Result<Option<Snapshot>, StoreError> {
        let r = self.client.query_opt("SELECT at, fingerprint, text FROM snapshots WHERE site_id = $1", &[&site_id]).map_err(pg)?;
        Ok(r.map(|r| Snapshot { at: r.get(0), fingerprint: r.get(1), text: r.get(2) }))
    }

    fn baseline(&mut self, site_id: i64) -> Result<Option<Baseline>, StoreError> {
        let r = self.client.query_opt("SELECT at, fingerprint, text, accepted_by, accepted_at FROM baselines WHERE site_id = $1", &[&site_id]).map_err(pg)?;
        Ok(r.map(|r| Baseline { page: Snapshot { at: r.get(0), fingerprint: r.get(1), text: r.get(2) }, accepted_by: r.get(3), accepted_at: r.get(4) }))
    }

    fn accept_baseline(&mut self, scope: &Scope, site_id: i64, by: &str, now: i64) -> Result<bool, StoreError> {
        if !self.site_in(scope, site_id)? {
            return Err(StoreError::OutOfScope);
        }
        self.client
            .execute(
                "INSERT INTO baselines (site_id, at, fingerprint, text, accepted_by, accepted_at)
                 SELECT site_id, at, fingerprint, text, $2, $3 FROM snapshots WHERE site_id = $1
                 ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, fingerprint = excluded.fingerprint, text = excluded.text,
                   accepted_by = excluded.accepted_by, accepted_at = excluded.accepted_at",
                &[&site_id, &by, &now],
            )
            .map(|n| n == 1)
            .map_err(pg)
    }

    fn accept_missing_baselines(&mut self, scope: &Scope, by: &str, now: i64) -> Result<u64, StoreError> {
        let Some((sql, w)) = shared::accept_missing_query(D, scope, by, now) else { return Ok(0) };
        self.client.execute(&sql, &refs(&args(w.args))).map_err(pg)
    }

    fn missing_baselines(&mut self, scope: &Scope) -> Result<u64, StoreError> {
        let Some((q, w)) = shared::missing_baselines_query(D, scope) else { return Ok(0) };
        sql::query_opt(&mut self.client, &q, &refs(&args(w.args)), shared::count_from).map(Option::unwrap_or_default)
    }

    fn freshness(&mut self, scope: &Scope) -> Result<Freshness, StoreError> {
        let Some((q, w)) = shared::freshness_query(D, scope) else { return Ok(Freshness::default()) };
        sql::query_opt(&mut self.client, &q, &refs(&args(w.args)), shared::freshness_from).map(Option::unwrap_or_default)
    }

    fn claim_crawls(&mut self, _worker: &str, now: i64, limit: usize) -> Result<Vec<Site>, StoreError> {
        let sql = format!(
            "UPDATE sites SET crawl_lease = $1 WHERE id IN (
               SELECT id FROM sites WHERE enabled AND crawl_due <= $2 AND last_checked IS NOT NULL
                 AND (crawl_lease IS NULL OR crawl_lease < $2)
               ORDER BY crawl_due, id LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING {SITE_COLS}"
        );
        let rows = self.client.query(&sql, &[&(now + LEASE_SECS), &now, &(limit as i64)]).map_err(pg)?;
        let mut sites = rows.iter().map(site_from).collect::<Result<Vec<_>, _>>()?;
        sites.sort_by_key(|s| s.id);
        Ok(sites)
    }

    fn record_crawl(&mut self, site_id: i64, c: &CrawlSummary, next_due: i64) -> Result<(), StoreError> {
        let mut tx = self.client.transaction().map_err(pg)?;
        let n = |v: u32| v as i64;
        tx.execute(
            "INSERT INTO ipv6_crawls (site_id, at, l2_checked, l2_ok, l3_checked, l3_ok, out_of_time) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, l2_checked = excluded.l2_checked, l2_ok = excluded.l2_ok,
               l3_checked = excluded.l3_checked, l3_ok = excluded.l3_ok, out_of_time = excluded.out_of_time",
            &[&site_id, &c.at, &n(c.l2_checked), &n(c.l2_ok), &n(c.l3_checked), &n(c.l3_ok), &c.out_of_time],
        )
        .map_err(pg)?;
        tx.execute("UPDATE sites SET crawl_due = $2, crawl_lease = NULL WHERE id = $1", &[&site_id, &next_due]).map_err(pg)?;
        tx.commit().map_err(pg)
    }

    fn ipv6_results(&mut self, scope: &Scope, category: Option<SiteCategory>) -> Result<Vec<Ipv6Result>, StoreError> {
        let Some((sql, w)) = shared::ipv6_query(D, scope, category) else { return Ok(Vec::new()) };
        sql::query(&mut self.client, &sql, &refs(&args(w.args)), shared::ipv6_from)
    }
}
