//! The network-security monitor (migration 0003): sites, claims, check history and alerts.
//! Workers on several hosts claim due sites with one `UPDATE … WHERE id IN (SELECT … FOR UPDATE
//! SKIP LOCKED) RETURNING`: a row another claimer holds is skipped, never waited for, and a
//! row it has just claimed fails the re-checked lease condition.

use crate::error::pg;
use crate::PgStore;
use postgres::types::ToSql;
use postgres::Row;
use store::browse::MAX_PAGE;
use store::monitor::*;
use store::{OrgLevel, Page, Scope, StoreError};

const SITE_COLS: &str = "id, name, url, org_code, region_code, category, interval_minutes, enabled, state, next_due, last_checked, ipv6_ok, claimed_by, lease_until, created_at, updated_at";

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Internal(format!("unknown {what} “{v}” in the monitor tables"))
}

fn site_from(r: &Row) -> Result<Site, StoreError> {
    let cat: &str = r.get(5);
    let state: &str = r.get(8);
    Ok(Site {
        id: r.get(0),
        name: r.get(1),
        url: r.get(2),
        org_code: r.get(3),
        region_code: r.get(4),
        category: SiteCategory::parse(cat).ok_or_else(|| bad("category", cat))?,
        interval_minutes: r.get::<_, i64>(6) as u32,
        enabled: r.get(7),
        state: SiteState::parse(state).ok_or_else(|| bad("state", state))?,
        next_due: r.get(9),
        last_checked: r.get(10),
        ipv6_ok: r.get(11),
        claimed_by: r.get(12),
        lease_until: r.get(13),
        created_at: r.get(14),
        updated_at: r.get(15),
    })
}

const RESULT_COLS: &str = "at, state, v4_ok, v4_status, v4_ms, v6_ok, v6_status, v6_ms, tls_days, tls_grade, header_score, ipv6_aaaa, ipv6_home, ipv6_consistent, findings";

fn summary_from(r: &Row) -> Result<CheckSummary, StoreError> {
    let state: &str = r.get(1);
    Ok(CheckSummary {
        at: r.get(0),
        state: SiteState::parse(state).ok_or_else(|| bad("state", state))?,
        v4: FamilySummary { reachable: r.get(2), status: r.get::<_, Option<i32>>(3).map(|s| s as u16), elapsed_ms: r.get::<_, i64>(4) as u32 },
        v6: FamilySummary { reachable: r.get(5), status: r.get::<_, Option<i32>>(6).map(|s| s as u16), elapsed_ms: r.get::<_, i64>(7) as u32 },
        tls_days: r.get(8),
        tls_grade: r.get(9),
        header_score: r.get::<_, Option<i32>>(10).map(|s| s as u8),
        ipv6_aaaa: r.get(11),
        ipv6_home: r.get(12),
        ipv6_consistent: r.get(13),
        findings: CheckSummary::split_findings(r.get(14)),
    })
}

fn agg_from(r: &Row) -> Aggregate {
    let g = |i| r.get::<_, i64>(i) as u64;
    Aggregate { bucket: r.get(0), checks: g(1), up: g(2), v4_up: g(3), v6_up: g(4), ms_sum: g(5), ms_max: g(6) }
}

const ALERT_COLS: &str = "a.id, a.site_id, a.kind, a.severity, a.message, a.opened_at, a.last_seen, a.count, a.resolved_at";

fn alert_from(r: &Row) -> Alert {
    Alert {
        id: r.get(0),
        site_id: r.get(1),
        kind: r.get(2),
        severity: r.get(3),
        message: r.get(4),
        opened_at: r.get(5),
        last_seen: r.get(6),
        count: r.get::<_, i64>(7) as u32,
        resolved_at: r.get(8),
    }
}

type Args = Vec<Box<dyn ToSql + Sync>>;

/// A page unchanged since the snapshot before leaves it as it is (its time is when the page
/// took this form): no rewrite of an unchanged page at every check.
const SNAPSHOT_UPSERT: &str = "INSERT INTO snapshots (site_id, at, fingerprint, text) VALUES ($1, $2, $3, $4) ON CONFLICT (site_id) DO UPDATE SET at = excluded.at, fingerprint = excluded.fingerprint, text = excluded.text WHERE snapshots.text <> excluded.text OR snapshots.fingerprint <> excluded.fingerprint";

/// The bits of the IPv6 probe window.
const WINDOW_MASK: i64 = (1i64 << IPV6_WINDOW) - 1;

fn refs(a: &Args) -> Vec<&(dyn ToSql + Sync)> {
    a.iter().map(|b| &**b).collect()
}

/// The scope as conditions on `sites` (aliased `s`).
fn scope_sql(scope: &Scope, args: &mut Args) -> Option<String> {
    let (lo, hi) = scope.county_range()?;
    args.push(Box::new(lo as i64));
    args.push(Box::new(hi as i64));
    let mut c = format!("s.region_code BETWEEN ${} AND ${}", args.len() - 1, args.len());
    if let Some(code) = scope.school() {
        args.push(Box::new(code.parse::<i64>().unwrap_or(-1)));
        c.push_str(&format!(" AND s.org_code = ${}", args.len()));
    }
    Some(c)
}

/// The conditions of a site query but its state and cursor; None when nothing can match.
fn site_conds(scope: &Scope, q: &SiteQuery, args: &mut Args) -> Option<Vec<String>> {
    let scope = match q.region {
        None => scope.clone(),
        Some(r) => scope.narrow(r)?,
    };
    let mut conds = vec![scope_sql(&scope, args)?];
    if let Some(c) = q.category {
        args.push(Box::new(c.code()));
        conds.push(format!("s.category = ${}", args.len()));
    }
    if !q.include_disabled {
        conds.push("s.enabled".into());
    }
    Some(conds)
}

const AGG_UPDATE: &str = "checks = {t}.checks + excluded.checks, up = {t}.up + excluded.up, v4_up = {t}.v4_up + excluded.v4_up, \
     v6_up = {t}.v6_up + excluded.v6_up, ms_sum = {t}.ms_sum + excluded.ms_sum, ms_max = GREATEST({t}.ms_max, excluded.ms_max)";

impl PgStore {
    fn site_region(&mut self, org: i64) -> Result<i64, StoreError> {
        let unit = self.client.query_opt("SELECT level, parent_code FROM org_units WHERE code = $1", &[&org]).map_err(pg)?;
        match unit {
            None => Err(StoreError::Conflict(format!("单位代码 {org} 不在组织机构树中（unknown organisation {org}）"))),
            Some(r) => {
                let level: &str = r.get(0);
                let parent: Option<i64> = r.get(1);
                Ok(if OrgLevel::from_code(level) == Some(OrgLevel::School) { parent.unwrap_or(0) } else { org })
            }
        }
    }

    fn checked(&mut self, s: &NewSite) -> Result<i64, StoreError> {
        validate_site(s).map_err(StoreError::Conflict)?;
        self.site_region(s.org_code)
    }

    /// Whether the site exists and lies inside the scope (the register's write rule).
    fn site_in(&mut self, scope: &Scope, id: i64) -> Result<bool, StoreError> {
        let r = self.client.query_opt("SELECT region_code, org_code FROM sites WHERE id = $1", &[&id]).map_err(pg)?;
        Ok(r.is_some_and(|r| may_write_site(scope, r.get(0), r.get(1))))
    }
}

fn url_taken(e: postgres::Error, url: &str) -> StoreError {
    match pg(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("网址 {url} 已登记（the URL is registered）")),
        other => other,
    }
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
            .execute(
                "UPDATE sites SET name = $2, url = $3, org_code = $4, region_code = $5, category = $6, interval_minutes = $7, updated_at = $8 WHERE id = $1",
                &[&id, &s.name.trim(), &s.url, &s.org_code, &region, &s.category.code(), &(s.interval_minutes as i64), &now],
            )
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
        let r = self.client.query_opt(&format!("SELECT {SITE_COLS} FROM sites WHERE id = $1"), &[&id]).map_err(pg)?;
        r.as_ref().map(site_from).transpose()
    }

    fn sites(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Page<Site>, StoreError> {
        let mut args: Args = Vec::new();
        let Some(mut conds) = site_conds(scope, q, &mut args) else { return Ok(Page { rows: Vec::new(), next: None }) };
        if let Some(st) = q.state {
            args.push(Box::new(st.code()));
            conds.push(format!("s.state = ${}", args.len()));
        }
        if let Some(after) = q.after.as_deref().and_then(|a| a.parse::<i64>().ok()) {
            args.push(Box::new(after));
            conds.push(format!("s.id > ${}", args.len()));
        }
        let limit = q.limit.clamp(1, MAX_PAGE);
        let sql = format!("SELECT {SITE_COLS} FROM sites s WHERE {} ORDER BY s.id LIMIT {}", conds.join(" AND "), limit + 1);
        let rows = self.client.query(&sql, &refs(&args)).map_err(pg)?;
        let mut rows = rows.iter().map(site_from).collect::<Result<Vec<_>, _>>()?;
        let next = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows[limit - 1].id.to_string()
        });
        Ok(Page { rows, next })
    }

    fn site_counts(&mut self, scope: &Scope, q: &SiteQuery) -> Result<Vec<(SiteState, u64)>, StoreError> {
        let mut args: Args = Vec::new();
        let Some(conds) = site_conds(scope, q, &mut args) else { return Ok(Vec::new()) };
        let sql = format!("SELECT s.state, COUNT(*) FROM sites s WHERE {} GROUP BY s.state", conds.join(" AND "));
        let rows = self.client.query(&sql, &refs(&args)).map_err(pg)?;
        rows.iter()
            .map(|r| {
                let st: &str = r.get(0);
                Ok((SiteState::parse(st).ok_or_else(|| StoreError::Internal(format!("unknown state {st}")))?, r.get::<_, i64>(1) as u64))
            })
            .collect()
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
            Ok(self.client.query(&sql, &[&site_id, &from, &to]).map_err(pg)?.iter().map(agg_from).collect())
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
                return Ok((alert_from(&r), false));
            }
            let ins = self
                .client
                .query_opt(
                    &format!("INSERT INTO alerts AS a (site_id, kind, severity, message, opened_at, last_seen, open_key) VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (open_key) DO NOTHING RETURNING {ALERT_COLS}"),
                    &[&a.site_id, &a.kind, &a.severity, &a.message, &a.at, &key],
                )
                .map_err(pg)?;
            if let Some(r) = ins {
                return Ok((alert_from(&r), true));
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
        Ok(r.as_ref().map(alert_from))
    }

    fn site_alerts(&mut self, site_id: i64) -> Result<Vec<Alert>, StoreError> {
        let rows = self.client.query(&format!("SELECT {ALERT_COLS} FROM alerts a WHERE site_id = $1 AND resolved_at IS NULL ORDER BY id"), &[&site_id]).map_err(pg)?;
        Ok(rows.iter().map(alert_from).collect())
    }

    fn list_alerts(&mut self, scope: &Scope, open_only: bool, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let mut args: Args = Vec::new();
        let Some(cond) = scope_sql(scope, &mut args) else { return Ok(Vec::new()) };
        let open = if open_only { " AND a.resolved_at IS NULL" } else { "" };
        let sql = format!("SELECT {ALERT_COLS} FROM alerts a JOIN sites s ON s.id = a.site_id WHERE {cond}{open} ORDER BY a.id DESC LIMIT {}", limit.clamp(1, MAX_PAGE));
        Ok(self.client.query(&sql, &refs(&args)).map_err(pg)?.iter().map(alert_from).collect())
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
        let mut args: Args = vec![Box::new(by.to_string()), Box::new(now)];
        let Some(cond) = scope_sql(scope, &mut args) else { return Ok(0) };
        let sql = format!(
            "INSERT INTO baselines (site_id, at, fingerprint, text, accepted_by, accepted_at)
             SELECT p.site_id, p.at, p.fingerprint, p.text, $1, $2 FROM snapshots p JOIN sites s ON s.id = p.site_id
             WHERE {cond} AND s.enabled AND NOT EXISTS (SELECT 1 FROM baselines b WHERE b.site_id = p.site_id)
             ON CONFLICT (site_id) DO NOTHING"
        );
        self.client.execute(&sql, &refs(&args)).map_err(pg)
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
        let mut args: Args = Vec::new();
        let Some(mut cond) = scope_sql(scope, &mut args) else { return Ok(Vec::new()) };
        if let Some(c) = category {
            args.push(Box::new(c.code().to_string()));
            cond.push_str(&format!(" AND s.category = ${}", args.len()));
        }
        let sql = format!(
            "SELECT s.id, s.name, s.url, s.category, s.region_code, s.last_checked, s.ipv6_aaaa, s.ipv6_ok, s.ipv6_consistent, s.v6_bits, s.v6_probes,
                    c.at, c.l2_checked, c.l2_ok, c.l3_checked, c.l3_ok, c.out_of_time
             FROM sites s LEFT JOIN ipv6_crawls c ON c.site_id = s.id WHERE {cond} AND s.enabled ORDER BY s.id"
        );
        let rows = self.client.query(&sql, &refs(&args)).map_err(pg)?;
        rows.iter()
            .map(|r| {
                let cat: &str = r.get(3);
                let probes = r.get::<_, i64>(10) as u32;
                let crawl_at: Option<i64> = r.get(11);
                let n = |i| r.get::<_, i64>(i) as u32;
                Ok(Ipv6Result {
                    site_id: r.get(0),
                    name: r.get(1),
                    url: r.get(2),
                    category: SiteCategory::parse(cat).ok_or_else(|| StoreError::Internal(format!("unknown category {cat}")))?,
                    region_code: r.get(4),
                    checked: r.get(5),
                    aaaa: r.get::<_, Option<bool>>(6).unwrap_or(false),
                    home: r.get::<_, Option<bool>>(7).unwrap_or(false),
                    consistent: r.get(8),
                    probes,
                    successes: window_successes(r.get(9), probes),
                    crawl: crawl_at.map(|at| CrawlSummary { at, l2_checked: n(12), l2_ok: n(13), l3_checked: n(14), l3_ok: n(15), out_of_time: r.get(16) }),
                })
            })
            .collect()
    }
}
