//! The monitor's ordinary queries, written once for both backends: the scope and filter
//! conditions of the site register, the column lists, and the decoding of each row kind through
//! [`SqlRow`]. Claims (SKIP LOCKED on PostgreSQL, an IMMEDIATE transaction on SQLite), upserts and
//! compaction stay in the backends.

use super::{Aggregate, Alert, AlertChange, Freshness, AlertNote, AlertQuery, AlertStatus, CheckSummary, StoredWebhook, CrawlSummary, FamilySummary, Ipv6Result, NewSite, Site, SiteCategory, SiteQuery, SiteState};
use crate::sql::{self, Arg, Dialect, SqlRow, Where};
use crate::{OrgLevel, Page, Scope, StoreError};

pub const SITE_COLS: &str = "id, name, url, org_code, region_code, category, interval_minutes, enabled, state, next_due, last_checked, ipv6_ok, claimed_by, lease_until, created_at, updated_at";

pub const RESULT_COLS: &str = "at, state, v4_ok, v4_status, v4_ms, v6_ok, v6_status, v6_ms, tls_days, tls_grade, header_score, ipv6_aaaa, ipv6_home, ipv6_consistent, findings";

pub const ALERT_COLS: &str = "a.id, a.site_id, a.kind, a.severity, a.message, a.opened_at, a.last_seen, a.count, a.resolved_at, a.status, a.assignee, a.closed_by, a.closed_at, a.disposition";

/// A registered site's new values, after its id (`?1`).
pub const UPDATE_SITE: &str = "UPDATE sites SET name = ?2, url = ?3, org_code = ?4, region_code = ?5, category = ?6, interval_minutes = ?7, updated_at = ?8 WHERE id = ?1";

/// The node a site belongs to: its level and parent (see [`site_region`]).
pub const ORG_NODE: &str = "SELECT level, parent_code FROM org_units WHERE code = ?1";

/// Where a site stands, for the write rule.
pub const SITE_PLACE: &str = "SELECT region_code, org_code FROM sites WHERE id = ?1";

/// The arguments of [`UPDATE_SITE`].
pub fn update_site_args(id: i64, s: &NewSite, region: i64, now: i64) -> Vec<Arg> {
    vec![id.into(), s.name.trim().into(), s.url.as_str().into(), s.org_code.into(), region.into(), s.category.code().into(), i64::from(s.interval_minutes).into(), now.into()]
}

/// The region of an organisation node (a school's county, a division itself), from the row
/// of [`ORG_NODE`]; Conflict when the tree has no such node.
pub fn site_region(org: i64, node: Option<(String, Option<i64>)>) -> Result<i64, StoreError> {
    match node {
        None => Err(StoreError::Conflict(format!("单位代码 {org} 不在组织机构树中（unknown organisation {org}）"))),
        Some((level, parent)) => Ok(if OrgLevel::from_code(&level) == Some(OrgLevel::School) { parent.unwrap_or(0) } else { org }),
    }
}

/// A row of [`ORG_NODE`].
pub fn org_node_from(r: &dyn SqlRow) -> Result<(String, Option<i64>), StoreError> {
    Ok((r.string(0)?, r.opt_i64(1)?))
}

/// A row of [`SITE_PLACE`].
pub fn site_place_from(r: &dyn SqlRow) -> Result<(i64, i64), StoreError> {
    Ok((r.i64(0)?, r.i64(1)?))
}

/// A unique violation on a site's URL, said so.
pub fn url_taken(e: StoreError, url: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(format!("网址 {url} 已登记（the URL is registered）")),
        other => other,
    }
}

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Internal(format!("unknown {what} “{v}” in the monitor tables"))
}

fn category(v: &str) -> Result<SiteCategory, StoreError> {
    SiteCategory::parse(v).ok_or_else(|| bad("category", v))
}

fn state(v: &str) -> Result<SiteState, StoreError> {
    SiteState::parse(v).ok_or_else(|| bad("state", v))
}

/// A row of [`SITE_COLS`].
pub fn site_from(r: &dyn SqlRow) -> Result<Site, StoreError> {
    Ok(Site {
        id: r.i64(0)?,
        name: r.string(1)?,
        url: r.string(2)?,
        org_code: r.i64(3)?,
        region_code: r.i64(4)?,
        category: category(&r.string(5)?)?,
        interval_minutes: r.i64(6)? as u32,
        enabled: r.bool(7)?,
        state: state(&r.string(8)?)?,
        next_due: r.i64(9)?,
        last_checked: r.opt_i64(10)?,
        ipv6_ok: r.opt_bool(11)?,
        claimed_by: r.opt_string(12)?,
        lease_until: r.opt_i64(13)?,
        created_at: r.i64(14)?,
        updated_at: r.i64(15)?,
    })
}

/// A row of [`RESULT_COLS`].
pub fn summary_from(r: &dyn SqlRow) -> Result<CheckSummary, StoreError> {
    let family = |ok, status, ms| -> Result<FamilySummary, StoreError> {
        Ok(FamilySummary { reachable: r.bool(ok)?, status: r.opt_i64(status)?.map(|s| s as u16), elapsed_ms: r.i64(ms)? as u32 })
    };
    Ok(CheckSummary {
        at: r.i64(0)?,
        state: state(&r.string(1)?)?,
        v4: family(2, 3, 4)?,
        v6: family(5, 6, 7)?,
        tls_days: r.opt_i64(8)?.map(|d| d as i32),
        tls_grade: r.opt_string(9)?,
        header_score: r.opt_i64(10)?.map(|s| s as u8),
        ipv6_aaaa: r.bool(11)?,
        ipv6_home: r.bool(12)?,
        ipv6_consistent: r.opt_bool(13)?,
        findings: CheckSummary::split_findings(&r.string(14)?),
    })
}

/// A row of `bucket, checks, up, v4_up, v6_up, ms_sum, ms_max`.
pub fn agg_from(r: &dyn SqlRow) -> Result<Aggregate, StoreError> {
    let g = |i| r.i64(i).map(|v| v as u64);
    Ok(Aggregate { bucket: r.i64(0)?, checks: g(1)?, up: g(2)?, v4_up: g(3)?, v6_up: g(4)?, ms_sum: g(5)?, ms_max: g(6)? })
}

/// A row of [`ALERT_COLS`].
pub fn alert_from(r: &dyn SqlRow) -> Result<Alert, StoreError> {
    Ok(Alert {
        id: r.i64(0)?,
        site_id: r.i64(1)?,
        kind: r.string(2)?,
        severity: r.string(3)?,
        message: r.string(4)?,
        opened_at: r.i64(5)?,
        last_seen: r.i64(6)?,
        count: r.i64(7)? as u32,
        resolved_at: r.opt_i64(8)?,
        status: AlertStatus::parse(&r.string(9)?).ok_or_else(|| bad("alert status", "?"))?,
        assignee: r.opt_string(10)?,
        closed_by: r.opt_string(11)?,
        closed_at: r.opt_i64(12)?,
        disposition: r.opt_string(13)?,
    })
}

/// The conditions of an alert query but its cursor; None when nothing can match.
fn alert_conds(dialect: Dialect, scope: &Scope, q: &AlertQuery) -> Option<Where> {
    let scope = match q.region {
        None => scope.clone(),
        Some(r) => scope.narrow(r)?,
    };
    let mut w = Where::new(dialect);
    scope_cond(&scope, &mut w)?;
    if let Some(k) = &q.kind {
        let c = format!("a.kind = {}", w.arg(k.as_str()));
        w.cond(c);
    }
    if let Some(v) = &q.severity {
        let c = format!("a.severity = {}", w.arg(v.as_str()));
        w.cond(c);
    }
    if !q.statuses.is_empty() {
        let list: Vec<String> = q.statuses.iter().map(|st| w.arg(st.code())).collect();
        w.cond(format!("a.status IN ({})", list.join(", ")));
    }
    if q.active_only {
        w.cond("a.resolved_at IS NULL");
    }
    if let Some(t) = q.from {
        let c = format!("a.opened_at >= {}", w.arg(t));
        w.cond(c);
    }
    if let Some(t) = q.to {
        let c = format!("a.opened_at < {}", w.arg(t));
        w.cond(c);
    }
    Some(w)
}

/// A page of alerts, newest first: its statement and page size, or None when nothing can
/// match. Cursors are the last row's id.
pub fn alerts_page_query(dialect: Dialect, scope: &Scope, q: &AlertQuery) -> Option<(String, Where, usize)> {
    let mut w = alert_conds(dialect, scope, q)?;
    if let Some(after) = q.after.as_deref().and_then(|a| a.parse::<i64>().ok()) {
        let c = format!("a.id < {}", w.arg(after));
        w.cond(c);
    }
    let limit = sql::limit(q.limit);
    let sql = format!("SELECT {ALERT_COLS} FROM alerts a JOIN sites s ON s.id = a.site_id{} ORDER BY a.id DESC LIMIT {}", w.where_(), limit + 1);
    Some((sql, w, limit))
}

/// The page of alerts read by [`alerts_page_query`].
pub fn alerts_page(rows: Vec<Alert>, limit: usize) -> Page<Alert> {
    sql::page(rows, limit, |a| a.id.to_string())
}

/// Alerts by severity and status under the list's filters.
pub fn alert_counts_query(dialect: Dialect, scope: &Scope, q: &AlertQuery) -> Option<(String, Where)> {
    let w = alert_conds(dialect, scope, q)?;
    Some((format!("SELECT a.severity, a.status, COUNT(*) FROM alerts a JOIN sites s ON s.id = a.site_id{} GROUP BY a.severity, a.status", w.where_()), w))
}

/// A row of [`alert_counts_query`].
pub fn alert_count_from(r: &dyn SqlRow) -> Result<(String, AlertStatus, u64), StoreError> {
    let st = r.string(1)?;
    Ok((r.string(0)?, AlertStatus::parse(&st).ok_or_else(|| bad("alert status", &st))?, r.i64(2)?.max(0) as u64))
}

/// One alert of a site in the scope.
pub fn alert_in_query(dialect: Dialect, scope: &Scope, id: i64) -> Option<(String, Where)> {
    let mut w = Where::new(dialect);
    scope_cond(scope, &mut w)?;
    let c = format!("a.id = {}", w.arg(id));
    w.cond(c);
    Some((format!("SELECT {ALERT_COLS} FROM alerts a JOIN sites s ON s.id = a.site_id{}", w.where_()), w))
}

/// The statement of a handling step: the row changes only while it is in the step's state.
pub fn change_alert_stmt(dialect: Dialect, id: i64, c: &AlertChange) -> (String, Vec<Arg>) {
    let mut w = Where::new(dialect);
    let mut sets = vec![format!("status = {}", w.arg(c.to.code()))];
    match &c.assignee {
        Some(Some(a)) => sets.push(format!("assignee = {}", w.arg(a.as_str()))),
        Some(None) => sets.push("assignee = NULL".into()),
        None => {}
    }
    if let Some((by, at, disposition)) = &c.closed {
        sets.push(format!("closed_by = {}", w.arg(by.as_str())));
        sets.push(format!("closed_at = {}", w.arg(*at)));
        sets.push(format!("disposition = {}", w.arg(disposition.as_str())));
    }
    let cond = format!("id = {} AND status = {}", w.arg(id), w.arg(c.from.code()));
    (format!("UPDATE alerts SET {} WHERE {cond}", sets.join(", ")), w.args)
}

pub const ALERT_NOTES: &str = "SELECT id, alert_id, author, at, text FROM alert_notes WHERE alert_id = ?1 ORDER BY id";

/// A row of [`ALERT_NOTES`].
pub fn alert_note_from(r: &dyn SqlRow) -> Result<AlertNote, StoreError> {
    Ok(AlertNote { id: r.i64(0)?, alert_id: r.i64(1)?, author: r.string(2)?, at: r.i64(3)?, text: r.string(4)? })
}

pub const WEBHOOKS: &str = "SELECT id, name, kind, url, secret, enabled, created_by, created_at FROM webhook_targets ORDER BY id";

/// A row of [`WEBHOOKS`].
pub fn webhook_from(r: &dyn SqlRow) -> Result<StoredWebhook, StoreError> {
    Ok(StoredWebhook { id: r.i64(0)?, name: r.string(1)?, kind: r.string(2)?, url: r.string(3)?, secret: r.opt_string(4)?, enabled: r.bool(5)?, created_by: r.string(6)?, created_at: r.i64(7)? })
}

/// The scope as conditions on `sites` (aliased `s`); None when nothing can match.
pub fn scope_cond(scope: &Scope, w: &mut Where) -> Option<()> {
    let (lo, hi) = scope.county_range()?;
    let c = format!("s.region_code BETWEEN {} AND {}", w.arg(lo as i64), w.arg(hi as i64));
    w.cond(c);
    if let Some(code) = scope.school() {
        let c = format!("s.org_code = {}", w.arg(code.parse::<i64>().unwrap_or(-1)));
        w.cond(c);
    }
    Some(())
}

/// The conditions of a site query but its state and cursor; None when nothing can match.
pub fn site_conds(dialect: Dialect, scope: &Scope, q: &SiteQuery) -> Option<Where> {
    let scope = match q.region {
        None => scope.clone(),
        Some(r) => scope.narrow(r)?,
    };
    let mut w = Where::new(dialect);
    scope_cond(&scope, &mut w)?;
    if let Some(c) = q.category {
        let c = format!("s.category = {}", w.arg(c.code()));
        w.cond(c);
    }
    if !q.include_disabled {
        w.cond(dialect.is_true("s.enabled"));
    }
    Some(w)
}

/// A page of the register: its statement and the page size, or None when nothing can match.
/// Cursors are the last row's id.
pub fn sites_query(dialect: Dialect, scope: &Scope, q: &SiteQuery) -> Option<(String, Where, usize)> {
    let mut w = site_conds(dialect, scope, q)?;
    if let Some(st) = q.state {
        let c = format!("s.state = {}", w.arg(st.code()));
        w.cond(c);
    }
    if let Some(after) = q.after.as_deref().and_then(|a| a.parse::<i64>().ok()) {
        let c = format!("s.id > {}", w.arg(after));
        w.cond(c);
    }
    let limit = sql::limit(q.limit);
    let sql = format!("SELECT {SITE_COLS} FROM sites s{} ORDER BY s.id LIMIT {}", w.where_(), limit + 1);
    Some((sql, w, limit))
}

/// The page of sites read by [`sites_query`].
pub fn sites_page(rows: Vec<Site>, limit: usize) -> Page<Site> {
    sql::page(rows, limit, |s| s.id.to_string())
}

/// Sites by state under the same filters as the list.
pub fn site_counts_query(dialect: Dialect, scope: &Scope, q: &SiteQuery) -> Option<(String, Where)> {
    let w = site_conds(dialect, scope, q)?;
    Some((format!("SELECT s.state, COUNT(*) FROM sites s{} GROUP BY s.state", w.where_()), w))
}

/// A row of [`site_counts_query`].
pub fn site_count_from(r: &dyn SqlRow) -> Result<(SiteState, u64), StoreError> {
    Ok((state(&r.string(0)?)?, r.i64(1)?.max(0) as u64))
}

/// The newest alerts of the sites in the scope.
pub fn alerts_query(dialect: Dialect, scope: &Scope, open_only: bool, limit: usize) -> Option<(String, Where)> {
    let mut w = Where::new(dialect);
    scope_cond(scope, &mut w)?;
    if open_only {
        w.cond("a.resolved_at IS NULL");
    }
    let sql = format!("SELECT {ALERT_COLS} FROM alerts a JOIN sites s ON s.id = a.site_id{} ORDER BY a.id DESC LIMIT {}", w.where_(), sql::limit(limit));
    Some((sql, w))
}

/// Baselines from the latest snapshots of the enabled sites in the scope that have none.
pub fn accept_missing_query(dialect: Dialect, scope: &Scope, by: &str, now: i64) -> Option<(String, Where)> {
    let mut w = Where::new(dialect);
    let (by, now) = (w.arg(by), w.arg(now));
    scope_cond(scope, &mut w)?;
    w.cond(dialect.is_true("s.enabled"));
    w.cond("NOT EXISTS (SELECT 1 FROM baselines b WHERE b.site_id = p.site_id)");
    let sql = format!(
        "INSERT INTO baselines (site_id, at, fingerprint, text, accepted_by, accepted_at)
         SELECT p.site_id, p.at, p.fingerprint, p.text, {by}, {now} FROM snapshots p JOIN sites s ON s.id = p.site_id{}
         ON CONFLICT (site_id) DO NOTHING",
        w.where_()
    );
    Some((sql, w))
}

/// The IPv6 figures of the enabled sites in the scope, by id.
pub fn ipv6_query(dialect: Dialect, scope: &Scope, category: Option<SiteCategory>) -> Option<(String, Where)> {
    let mut w = Where::new(dialect);
    scope_cond(scope, &mut w)?;
    if let Some(c) = category {
        let c = format!("s.category = {}", w.arg(c.code()));
        w.cond(c);
    }
    w.cond(dialect.is_true("s.enabled"));
    let sql = format!(
        "SELECT s.id, s.name, s.url, s.category, s.region_code, s.last_checked, s.ipv6_aaaa, s.ipv6_ok, s.ipv6_consistent, s.v6_bits, s.v6_probes,
                c.at, c.l2_checked, c.l2_ok, c.l3_checked, c.l3_ok, c.out_of_time
         FROM sites s LEFT JOIN ipv6_crawls c ON c.site_id = s.id{} ORDER BY s.id",
        w.where_()
    );
    Some((sql, w))
}

/// A row of [`ipv6_query`].
pub fn ipv6_from(r: &dyn SqlRow) -> Result<Ipv6Result, StoreError> {
    let probes = r.i64(10)? as u32;
    let n = |i| r.i64(i).map(|v| v as u32);
    Ok(Ipv6Result {
        site_id: r.i64(0)?,
        name: r.string(1)?,
        url: r.string(2)?,
        category: category(&r.string(3)?)?,
        region_code: r.i64(4)?,
        checked: r.opt_i64(5)?,
        aaaa: r.opt_bool(6)?.unwrap_or(false),
        home: r.opt_bool(7)?.unwrap_or(false),
        consistent: r.opt_bool(8)?,
        probes,
        successes: super::window_successes(r.i64(9)?, probes),
        crawl: match r.opt_i64(11)? {
            None => None,
            Some(at) => Some(CrawlSummary { at, l2_checked: n(12)?, l2_ok: n(13)?, l3_checked: n(14)?, l3_ok: n(15)?, out_of_time: r.bool(16)? }),
        },
    })
}

/// How many enabled sites in the scope have a snapshot and no baseline (as
/// [`accept_missing_query`] would accept).
pub fn missing_baselines_query(dialect: Dialect, scope: &Scope) -> Option<(String, Where)> {
    let mut w = Where::new(dialect);
    scope_cond(scope, &mut w)?;
    w.cond(dialect.is_true("s.enabled"));
    w.cond("NOT EXISTS (SELECT 1 FROM baselines b WHERE b.site_id = p.site_id)");
    Some((format!("SELECT COUNT(*) FROM snapshots p JOIN sites s ON s.id = p.site_id{}", w.where_()), w))
}

/// A single count.
pub fn count_from(r: &dyn SqlRow) -> Result<u64, StoreError> {
    Ok(r.i64(0)?.max(0) as u64)
}

/// The newest check and the oldest due time of the enabled sites in the scope.
pub fn freshness_query(dialect: Dialect, scope: &Scope) -> Option<(String, Where)> {
    let mut w = Where::new(dialect);
    scope_cond(scope, &mut w)?;
    w.cond(dialect.is_true("s.enabled"));
    Some((format!("SELECT COUNT(*), MAX(s.last_checked), MIN(s.next_due) FROM sites s{}", w.where_()), w))
}

/// A row of [`freshness_query`].
pub fn freshness_from(r: &dyn SqlRow) -> Result<Freshness, StoreError> {
    Ok(Freshness { sites: r.i64(0)?.max(0) as u64, newest_check: r.opt_i64(1)?, oldest_due: r.opt_i64(2)? })
}
