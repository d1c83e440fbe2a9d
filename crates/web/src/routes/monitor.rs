//! 网站安全监测 in the console: the status board of the sites in scope, a site's page (fields,
//! state, open alerts, the latest check's findings, response time and availability charts), the
//! alert list, and the register's management (add, edit, enable/disable, CSV/XLSX import, every
//! change audited). The JSON API's monitor routes live here too and are mounted by
//! [`super::api`]. Scope as everywhere: a site lies in its owner's region (see `store::monitor`),
//! and a site outside the user's area is 404.

use super::api::{check_limit, Limit};
use super::{ip, ready, require, Me, Peer};
use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::T;
use crate::render::{html, script_json, Ctx};
use crate::seal;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::monitor::{day_start, hour_start, validate_site, Alert, CheckSummary, History, Ipv6Result, NewSite, Site, SiteCategory, SiteQuery, SiteState, DAY};
use store::{Backend, OrgUnit, Scope};

/// Sites per page of the board.
const PAGE: usize = 50;
/// Alerts listed at most.
const ALERTS: usize = 200;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/sites", get(board))
        .route("/sites/new", get(new_form).post(create))
        .route("/sites/baselines", post(accept_missing))
        .route("/sites/{id}", get(detail))
        .route("/sites/{id}/edit", get(edit_form).post(update))
        .route("/sites/{id}/{action}", post(switch))
        .route("/alerts", get(alerts))
}

/// The import (a multipart upload: the caller gives it the upload size limit).
pub fn import_router() -> Router<Arc<AppState>> {
    Router::new().route("/sites/import", get(import_page).post(import))
}

/// Routes under `/api/v1`.
pub fn api_router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/sites", get(api_sites).post(api_create))
        .route("/sites/{id}", get(api_site).put(api_update))
        .route("/alerts", get(api_alerts))
}

// ------------------------------------------------------------------ labels

pub fn category_label(t: &T, c: SiteCategory) -> &'static str {
    let en = match c {
        SiteCategory::University => "University",
        SiteCategory::Vocational => "Vocational college",
        SiteCategory::School => "School",
        SiteCategory::Bureau => "Education bureau",
        SiteCategory::Other => "Other",
    };
    t.s(c.zh(), en)
}

pub fn state_label(t: &T, s: SiteState) -> &'static str {
    let en = match s {
        SiteState::Unknown => "Not checked",
        SiteState::Up => "Up",
        SiteState::Warning => "Warning",
        SiteState::Down => "Down",
    };
    t.s(s.zh(), en)
}

/// The tag colour of a state.
pub fn state_class(s: SiteState) -> &'static str {
    match s {
        SiteState::Up => "green",
        SiteState::Warning => "amber",
        SiteState::Down => "red",
        SiteState::Unknown => "",
    }
}

/// An alert kind (guard::alerts) in words.
pub fn alert_kind_label(t: &T, kind: &str) -> String {
    let en = match kind {
        "down" => "Site unreachable",
        "cert_expiring_30" => "Certificate expires within 30 days",
        "cert_expiring_7" => "Certificate expires within 7 days",
        "cert_expired" => "Certificate expired",
        "tampered" => "Home page possibly tampered with",
        "hidden_link" => "Hidden links found",
        "sensitive_word" => "Sensitive words found",
        "ipv6_lost" => "IPv6 access lost",
        other => other,
    };
    t.s(guard::alerts::kind_zh(kind), en).to_string()
}

/// A probe finding kind (`guard::Kind` names) in words.
pub fn finding_label(t: &T, kind: &str) -> String {
    let (zh, en) = match kind {
        "unreachable" => ("首页无法访问", "Home page unreachable"),
        "ipv6_missing" => ("未支持 IPv6（无 AAAA 记录）", "No IPv6 (no AAAA record)"),
        "ipv6_unreachable" => ("IPv6 无法访问", "Unreachable over IPv6"),
        "content_differs_v4_v6" => ("IPv4 与 IPv6 首页内容不一致", "IPv4 and IPv6 home pages differ"),
        "cert_expired" => ("证书已过期", "Certificate expired"),
        "cert_expiring" => ("证书即将过期", "Certificate expiring soon"),
        "cert_invalid" => ("证书无效", "Certificate invalid"),
        "tls_outdated" => ("TLS 版本过旧", "Outdated TLS version"),
        "headers_missing" => ("缺少安全响应头", "Security headers missing"),
        "tampered" => ("首页疑似被篡改", "Home page possibly tampered with"),
        "hidden_link" => ("发现隐藏链接（暗链）", "Hidden links"),
        "sensitive_word" => ("发现敏感词", "Sensitive words"),
        "timeout" => ("访问超时", "Timed out"),
        "redirect_loop" => ("重定向循环", "Redirect loop"),
        "too_large" => ("首页过大", "Home page too large"),
        "target_forbidden" => ("地址属于内网/保留地址，未检测", "Internal or reserved address: not checked"),
        other => (other, other),
    };
    t.s(zh, en).to_string()
}

pub fn severity_label(t: &T, s: &str) -> String {
    let zh = match s {
        "info" => "提示",
        "low" => "低",
        "medium" => "中",
        "high" => "高",
        "critical" => "严重",
        other => other,
    };
    t.s(zh, s).to_string()
}

fn severity_class(s: &str) -> &'static str {
    match s {
        "critical" | "high" => "red",
        "medium" => "amber",
        _ => "",
    }
}

// ------------------------------------------------------------------ scope

/// Whether a site lies inside the scope (the same cut as the store's list queries).
pub fn site_in_scope(scope: &Scope, s: &Site) -> bool {
    match scope {
        Scope::Region { lo, hi } => (*lo as i64..=*hi as i64).contains(&s.region_code),
        Scope::School { code, .. } => s.org_code.to_string() == *code,
        Scope::Nothing => false,
    }
}

/// Whether a site owned by `unit` would lie inside the scope.
pub fn owner_in_scope(scope: &Scope, unit: &OrgUnit) -> bool {
    let region = store::monitor::region_of(unit);
    match scope {
        Scope::Region { lo, hi } => (*lo as i64..=*hi as i64).contains(&region),
        Scope::School { code, .. } => unit.code.to_string() == *code,
        Scope::Nothing => false,
    }
}

/// The site, when it exists and lies in the scope; else 404.
fn scoped_site(s: &mut dyn Backend, scope: &Scope, id: i64) -> Result<Site, AppError> {
    match s.site(id)? {
        Some(site) if site_in_scope(scope, &site) => Ok(site),
        _ => Err(AppError::NotFound),
    }
}

fn owner_name(s: &mut dyn Backend, org: i64, cache: &mut HashMap<i64, String>) -> Result<String, AppError> {
    if let Some(n) = cache.get(&org) {
        return Ok(n.clone());
    }
    let n = s.org_unit(org)?.map(|u| u.name).unwrap_or_else(|| org.to_string());
    cache.insert(org, n.clone());
    Ok(n)
}

// ------------------------------------------------------------------ the board

#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub state: String,
    /// "1": disabled sites too.
    #[serde(default)]
    pub all: String,
    #[serde(default)]
    pub after: String,
    /// Set after accepting the missing baselines: how many were.
    #[serde(default)]
    pub baselines: String,
}

impl Filters {
    pub fn query(&self, limit: usize) -> Result<SiteQuery, AppError> {
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
        };
        let category = match self.category.trim() {
            "" => None,
            c => Some(SiteCategory::parse(c).ok_or_else(|| AppError::invalid(format!("未知类别：{c}"), format!("Unknown category: {c} (university, vocational, school, bureau, other)")))?),
        };
        let state = match self.state.trim() {
            "" => None,
            x => Some(SiteState::parse(x).ok_or_else(|| AppError::invalid(format!("未知状态：{x}"), format!("Unknown state: {x} (unknown, up, warning, down)")))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, &self.context()).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(SiteQuery { category, state, region, include_disabled: self.all == "1", after, limit })
    }

    /// What the board's cursors are bound to: its filters (a site's number is no secret, but a
    /// cursor opens only in the list it was made for, as every cursor does).
    pub fn context(&self) -> String {
        seal::cursor_context(0, "sites", &[self.category.trim(), self.region.trim(), self.state.trim(), &self.all])
    }

    /// The query string of these filters with another state and cursor.
    pub fn with(&self, state: &str, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("category={}&region={}&state={}&all={}&after={}", e(&self.category), e(&self.region), e(state), e(&self.all), e(after))
    }

    pub fn with_after(&self, after: &str) -> String {
        self.with(&self.state, after)
    }
}

/// The board's tiles, in this order.
pub const STATES: [SiteState; 4] = [SiteState::Up, SiteState::Warning, SiteState::Down, SiteState::Unknown];

/// Sites in scope by state, with the other filters.
fn state_counts(s: &mut dyn Backend, scope: &Scope, q: &SiteQuery) -> Result<[u64; 4], AppError> {
    let mut n = [0u64; 4];
    for (state, count) in s.site_counts(scope, q)? {
        n[STATES.iter().position(|x| *x == state).unwrap_or(3)] += count;
    }
    Ok(n)
}

pub struct SiteRow {
    pub site: Site,
    pub owner: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct BoardPage {
    c: Ctx,
    f: Filters,
    counts: Vec<(SiteState, u64)>,
    total: u64,
    regions: Vec<(u32, String)>,
    rows: Vec<SiteRow>,
    next: Option<String>,
    can_manage: bool,
}

impl BoardPage {
    fn cat(&self, c: &SiteCategory) -> &'static str {
        category_label(&self.c.t, *c)
    }
    fn st(&self, s: &SiteState) -> &'static str {
        state_label(&self.c.t, *s)
    }
    fn st_class(&self, s: &SiteState) -> &'static str {
        state_class(*s)
    }
    fn categories(&self) -> Vec<(&'static str, &'static str)> {
        SiteCategory::ALL.iter().map(|c| (c.code(), category_label(&self.c.t, *c))).collect()
    }
}

async fn board(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(mut f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    if f.baselines.parse::<u64>().is_err() {
        f.baselines.clear();
    }
    require(me.user.role.reads_monitor())?;
    let q = f.query(PAGE)?;
    let scope = me.scope.clone();
    let (counts, page, rows) = app
        .pool
        .run(move |s| {
            let counts = state_counts(s, &scope, &q)?;
            let page = s.sites(&scope, &q)?;
            let mut names = HashMap::new();
            let mut rows = Vec::with_capacity(page.rows.len());
            for site in &page.rows {
                rows.push(SiteRow { owner: owner_name(s, site.org_code, &mut names)?, site: site.clone() });
            }
            Ok((counts, page.next, rows))
        })
        .await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/sites", "sites");
    html(BoardPage {
        counts: STATES.iter().copied().zip(counts).collect(),
        total: counts.iter().sum(),
        regions: super::schools::region_options(&me.scope, app.config.province.code),
        rows,
        next: page.map(|n| f.with_after(&seal::seal_cursor(&n, &f.context()))),
        can_manage: me.user.role.manages_sites(),
        f,
        c,
    })
}

// ------------------------------------------------------------------ a site

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    range: String,
}

/// The ranges a site's charts offer.
pub const RANGES: [(&str, i64); 3] = [("24h", DAY), ("7d", 7 * DAY), ("90d", 90 * DAY)];

#[derive(Default, Clone, Copy)]
struct Acc {
    checks: u64,
    up: u64,
    v4_sum: u64,
    v4_n: u64,
    v6_sum: u64,
    v6_n: u64,
}

impl Acc {
    fn raw(&mut self, c: &CheckSummary) {
        self.checks += 1;
        self.up += c.available() as u64;
        if c.v4.reachable {
            self.v4_sum += c.v4.elapsed_ms as u64;
            self.v4_n += 1;
        }
        if c.v6.reachable {
            self.v6_sum += c.v6.elapsed_ms as u64;
            self.v6_n += 1;
        }
    }
    /// Aggregates keep the IPv4 times only (their sum over every check).
    fn agg(&mut self, a: &store::monitor::Aggregate) {
        self.checks += a.checks;
        self.up += a.up;
        self.v4_sum += a.ms_sum;
        self.v4_n += a.checks;
    }
    fn mean(sum: u64, n: u64) -> Option<u64> {
        (n > 0).then(|| sum / n)
    }
}

/// The charts of a site over a range: response times (raw points for a day, hourly means for
/// a week, daily means beyond) and availability per hour (a day) or per day.
#[derive(Serialize, Default)]
pub struct Charts {
    pub rt: Series,
    pub avail: Series,
}

#[derive(Serialize, Default)]
pub struct Series {
    pub labels: Vec<String>,
    /// IPv4 ms, or availability in percent.
    pub v4: Vec<Option<f64>>,
    pub v6: Vec<Option<f64>>,
    pub unit: String,
    pub names: [String; 2],
}

fn buckets(h: &History, f: fn(i64) -> i64) -> BTreeMap<i64, Acc> {
    let mut out: BTreeMap<i64, Acc> = BTreeMap::new();
    for c in &h.raw {
        out.entry(f(c.at)).or_default().raw(c);
    }
    for a in h.hourly.iter().chain(&h.daily) {
        out.entry(f(a.bucket)).or_default().agg(a);
    }
    out
}

pub fn charts(t: &T, h: &History, span: i64) -> Charts {
    let label = |at: i64, daily: bool| {
        let s = t.time(at);
        if daily {
            s[5..10].to_string()
        } else {
            s[5..16].to_string()
        }
    };
    let mut rt = Series { unit: t.s("毫秒", "ms").into(), names: ["IPv4".into(), "IPv6".into()], ..Default::default() };
    if span <= DAY {
        for c in &h.raw {
            rt.labels.push(label(c.at, false));
            rt.v4.push(c.v4.reachable.then_some(c.v4.elapsed_ms as f64));
            rt.v6.push(c.v6.reachable.then_some(c.v6.elapsed_ms as f64));
        }
        // Hourly aggregates inside a day only with a raw retention under a day.
        for a in h.hourly.iter().chain(&h.daily) {
            rt.labels.push(label(a.bucket, false));
            rt.v4.push(Acc::mean(a.ms_sum, a.checks).map(|v| v as f64));
            rt.v6.push(None);
        }
    } else {
        let daily = span > 7 * DAY;
        let by = buckets(h, if daily { day_start } else { hour_start });
        for (b, a) in &by {
            rt.labels.push(label(*b, daily));
            rt.v4.push(Acc::mean(a.v4_sum, a.v4_n).map(|v| v as f64));
            rt.v6.push(Acc::mean(a.v6_sum, a.v6_n).map(|v| v as f64));
        }
    }
    let mut avail = Series { unit: "%".into(), names: [t.s("可用率", "Availability").into(), String::new()], ..Default::default() };
    let daily = span > DAY;
    for (b, a) in buckets(h, if daily { day_start } else { hour_start }) {
        avail.labels.push(label(b, daily));
        avail.v4.push((a.checks > 0).then(|| (a.up as f64 * 1000.0 / a.checks as f64).round() / 10.0));
    }
    Charts { rt, avail }
}

/// "99.31%" of the checks in the history, or None without checks.
pub fn availability(h: &History) -> Option<String> {
    let n = h.checks();
    (n > 0).then(|| format!("{:.2}%", h.up() as f64 * 100.0 / n as f64))
}

pub struct AlertRow {
    pub a: Alert,
    pub site_name: String,
}

#[derive(Template)]
#[template(path = "site.html")]
struct DetailPage {
    c: Ctx,
    site: Site,
    owner: String,
    alerts: Vec<Alert>,
    last: Option<CheckSummary>,
    range: &'static str,
    availability: Option<String>,
    checks: u64,
    charts_json: String,
    can_manage: bool,
    base: BaselineView,
    ipv6: Option<Ipv6Result>,
}

/// The tamper baseline as a site's page shows it.
#[derive(Default)]
pub struct BaselineView {
    pub baseline: Option<store::monitor::Baseline>,
    /// When the latest page was seen (the one accepting would take).
    pub snapshot_at: Option<i64>,
    /// The latest page differs from the baseline.
    pub differs: bool,
    pub similarity: Option<String>,
    /// Lines removed (`- `) and added (`+ `), at most [`DIFF_LINES`].
    pub diff: Vec<String>,
    /// The site's address is refused (`target_forbidden`): nothing of its pages is shown.
    pub forbidden: bool,
}

/// Lines of a baseline diff shown.
const DIFF_LINES: usize = 40;

fn baseline_view(s: &mut dyn Backend, id: i64) -> Result<BaselineView, AppError> {
    let baseline = s.baseline(id)?;
    let snap = s.snapshot(id)?;
    let mut v = BaselineView { snapshot_at: snap.as_ref().map(|p| p.at), ..Default::default() };
    if let (Some(b), Some(p)) = (&baseline, &snap) {
        if b.page.fingerprint != p.fingerprint || b.page.text != p.text {
            let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
            v.differs = true;
            v.diff = guard::fingerprint::diff(&lines(&b.page.text), &lines(&p.text), DIFF_LINES);
            let fp = |f: &str| guard::fingerprint::decode(f);
            if let (Some(x), Some(y)) = (fp(&b.page.fingerprint), fp(&p.fingerprint)) {
                v.similarity = Some(format!("{:.0}%", guard::fingerprint::similarity(&x, &y) * 100.0));
            }
        }
    }
    v.baseline = baseline;
    Ok(v)
}

/// The site's IPv6 result (read among its region's sites of its category: a handful).
fn ipv6_of(s: &mut dyn Backend, site: &Site) -> Result<Option<Ipv6Result>, AppError> {
    let r = site.region_code as u32;
    let all = s.ipv6_results(&Scope::Region { lo: r, hi: r }, Some(site.category))?;
    Ok(all.into_iter().find(|x| x.site_id == site.id))
}

impl DetailPage {
    fn pct(&self, r: Option<f64>) -> String {
        super::ipv6::pct(r)
    }
    fn shortfall(&self, r: &Ipv6Result) -> String {
        super::ipv6::shortfall_text(&self.c.t, r)
    }
    fn cat(&self) -> &'static str {
        category_label(&self.c.t, self.site.category)
    }
    fn st(&self) -> &'static str {
        state_label(&self.c.t, self.site.state)
    }
    fn st_class(&self) -> &'static str {
        state_class(self.site.state)
    }
    fn kind(&self, k: &str) -> String {
        alert_kind_label(&self.c.t, k)
    }
    fn finding(&self, k: &str) -> String {
        finding_label(&self.c.t, k)
    }
    fn sev(&self, s: &str) -> String {
        severity_label(&self.c.t, s)
    }
    fn sev_class(&self, s: &str) -> &'static str {
        severity_class(s)
    }
    fn is_range(&self, k: &str) -> bool {
        k == self.range
    }
    fn ranges(&self) -> Vec<(&'static str, &'static str)> {
        let t = &self.c.t;
        vec![("24h", t.s("24 小时", "24 h")), ("7d", t.s("7 天", "7 days")), ("90d", t.s("90 天", "90 days"))]
    }
}

/// What a site's page and the API's site need, read in one go.
pub struct SiteView {
    pub site: Site,
    pub owner: String,
    pub alerts: Vec<Alert>,
    pub last: Option<CheckSummary>,
    pub history: History,
}

fn site_view(s: &mut dyn Backend, scope: &Scope, id: i64, from: i64, to: i64) -> Result<SiteView, AppError> {
    let site = scoped_site(s, scope, id)?;
    let owner = owner_name(s, site.org_code, &mut HashMap::new())?;
    let alerts = s.site_alerts(id)?;
    let history = s.history(id, from, to)?;
    let last = match site.last_checked {
        Some(at) if history.raw.last().is_some_and(|c| c.at == at) => history.raw.last().cloned(),
        Some(at) => s.history(id, at, at + 1)?.raw.pop(),
        None => None,
    };
    Ok(SiteView { site, owner, alerts, last, history })
}

async fn detail(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, Query(r): Query<RangeQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let (range, span) = RANGES.iter().copied().find(|(k, _)| *k == r.range).unwrap_or(RANGES[0]);
    let now = store::time::unix_now();
    let scope = me.scope.clone();
    let (v, base, ipv6) = app
        .pool
        .run(move |s| {
            let v = site_view(s, &scope, id, now - span, now + 1)?;
            // A site whose address is refused shows nothing that was fetched from it (a page
            // kept before the policy existed included).
            let refused = v.last.as_ref().is_some_and(|l| l.findings.iter().any(|k| k == guard::Kind::TargetForbidden.as_str()));
            let base = if refused { BaselineView { forbidden: true, ..Default::default() } } else { baseline_view(s, id)? };
            let ipv6 = ipv6_of(s, &v.site)?;
            Ok((v, base, ipv6))
        })
        .await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/sites", "sites");
    let charts_json = script_json(&charts(&c.t, &v.history, span));
    html(DetailPage {
        availability: availability(&v.history),
        checks: v.history.checks(),
        charts_json,
        range,
        can_manage: me.user.role.manages_sites(),
        site: v.site,
        owner: v.owner,
        alerts: v.alerts,
        last: v.last,
        base,
        ipv6,
        c,
    })
}

// ------------------------------------------------------------------ alerts

#[derive(Deserialize, Default)]
pub struct AlertFilters {
    /// "1": resolved alerts too.
    #[serde(default)]
    all: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Ctx,
    all: bool,
    rows: Vec<AlertRow>,
}

impl AlertsPage {
    fn kind(&self, k: &str) -> String {
        alert_kind_label(&self.c.t, k)
    }
    fn sev(&self, s: &str) -> String {
        severity_label(&self.c.t, s)
    }
    fn sev_class(&self, s: &str) -> &'static str {
        severity_class(s)
    }
}

/// Alerts in scope, newest first, with their sites' names.
async fn alert_rows(app: &Arc<AppState>, me: &Identity, open_only: bool, limit: usize) -> Result<Vec<AlertRow>, AppError> {
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            let list = s.list_alerts(&scope, open_only, limit)?;
            let mut names: HashMap<i64, String> = HashMap::new();
            let mut out = Vec::with_capacity(list.len());
            for a in list {
                if !names.contains_key(&a.site_id) {
                    let n = s.site(a.site_id)?.map(|x| x.name).unwrap_or_default();
                    names.insert(a.site_id, n);
                }
                out.push(AlertRow { site_name: names[&a.site_id].clone(), a });
            }
            // Newest first by when they were opened (the store gives the latest by id).
            out.sort_by_key(|r| std::cmp::Reverse((r.a.opened_at, r.a.id)));
            Ok(out)
        })
        .await
}

async fn alerts(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<AlertFilters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let all = f.all == "1";
    let rows = alert_rows(&app, &me, !all, ALERTS).await?;
    html(AlertsPage { c: Ctx::new(&app, &headers, Some(&me), "/alerts", "alerts"), all, rows })
}

// ------------------------------------------------------------------ management

#[derive(Deserialize, Default, Clone)]
pub struct SiteForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub org_code: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub interval_minutes: String,
}

impl SiteForm {
    fn of(s: &Site) -> SiteForm {
        SiteForm { name: s.name.clone(), url: s.url.clone(), org_code: s.org_code.to_string(), category: s.category.code().into(), interval_minutes: s.interval_minutes.to_string() }
    }

    /// The site, or every problem of the form (Chinese, then English).
    fn site(&self) -> Result<NewSite, Vec<String>> {
        let mut errors = Vec::new();
        let org = self.org_code.trim().parse::<i64>();
        if org.is_err() {
            errors.push("单位代码应为行政区划代码（6 位）或学校标识码（10 位）（the owner is a division code or a school identifier）".to_string());
        }
        let category = SiteCategory::parse(&self.category);
        if category.is_none() {
            errors.push("请选择类别（choose a category）".to_string());
        }
        let interval = match self.interval_minutes.trim() {
            "" => Ok(guard::register::DEFAULT_INTERVAL),
            s => s.parse::<u32>(),
        };
        if interval.is_err() {
            errors.push(format!("检查间隔应为整数分钟：{}（the interval is whole minutes）", self.interval_minutes.trim()));
        }
        let site = NewSite {
            name: self.name.trim().to_string(),
            url: self.url.trim().to_string(),
            org_code: org.unwrap_or(0),
            category: category.unwrap_or(SiteCategory::Other),
            interval_minutes: interval.unwrap_or(guard::register::DEFAULT_INTERVAL),
        };
        if let Err(e) = validate_site(&site) {
            errors.insert(0, e);
        }
        if errors.is_empty() {
            Ok(site)
        } else {
            Err(errors)
        }
    }
}

/// Checks the owner: in the tree and inside the user's area.
fn check_owner(s: &mut dyn Backend, scope: &Scope, org: i64) -> Result<(), AppError> {
    match s.org_unit(org)? {
        None => Err(AppError::invalid(format!("单位代码 {org} 不在组织机构树中。请输入本省的行政区划代码或已导入学校的标识码。"), format!("No organisation {org}: give a division code of this province or the identifier of an imported school."))),
        Some(u) if !owner_in_scope(scope, &u) => Err(AppError::invalid(format!("单位 {}（{org}）不在您的管辖范围内，不能为其登记网站。", u.name), format!("{} ({org}) is outside your area: you cannot register its sites.", u.name))),
        Some(_) => Ok(()),
    }
}

#[derive(Template)]
#[template(path = "site_form.html")]
struct FormPage {
    c: Ctx,
    /// None: a new site.
    id: Option<i64>,
    f: SiteForm,
    errors: Vec<String>,
}

impl FormPage {
    fn categories(&self) -> Vec<(&'static str, &'static str)> {
        SiteCategory::ALL.iter().map(|c| (c.code(), category_label(&self.c.t, *c))).collect()
    }
    fn picked(&self, code: &str) -> bool {
        SiteCategory::parse(&self.f.category).is_some_and(|c| c.code() == code)
    }
}

fn form_page(app: &AppState, headers: &HeaderMap, me: &Identity, id: Option<i64>, f: SiteForm, errors: Vec<String>) -> Result<Response, AppError> {
    let bad = !errors.is_empty();
    let mut r = html(FormPage { c: Ctx::new(app, headers, Some(me), "/sites", "sites"), id, f, errors })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

fn message(t: &T, e: &AppError) -> String {
    let (zh, en) = e.message();
    if t.is_en() {
        en
    } else {
        zh
    }
}

async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let f = SiteForm { interval_minutes: guard::register::DEFAULT_INTERVAL.to_string(), org_code: me.user.org_code.to_string(), ..Default::default() };
    form_page(&app, &headers, &me, None, f, vec![])
}

fn site_detail(s: &NewSite) -> Value {
    json!({ "name": s.name, "url": s.url, "org": s.org_code, "category": s.category.code(), "interval_minutes": s.interval_minutes })
}

/// The monitor's registration check on a site's URL: no internal or reserved target (the
/// configuration's allowed networks aside), the same for every path that registers or edits.
async fn check_target(app: &AppState, url: &str) -> Result<(), AppError> {
    app.targets.check(url).await.map_err(|r| AppError::invalid(r.zh(), r.en()))
}

/// Registers a site (the target checked, the owner against the tree and the scope) and audits it.
async fn create_site(app: &Arc<AppState>, me: &Identity, ipaddr: &str, new: NewSite, via: &str) -> Result<Site, AppError> {
    check_target(app, &new.url).await?;
    let scope = me.scope.clone();
    let n2 = new.clone();
    let site = app
        .pool
        .run(move |s| {
            check_owner(s, &scope, n2.org_code)?;
            s.create_site(&scope, &n2, store::time::unix_now()).map_err(|e| match e {
                store::StoreError::OutOfScope => AppError::invalid("该单位不在您的管辖范围内，不能为其登记网站。", "The owner is outside your area: you cannot register its sites."),
                store::StoreError::Conflict(m) => AppError::Conflict { zh: format!("{m}。该网址可能已登记。"), en: format!("{m}. The URL may be registered already.") },
                e => e.into(),
            })
        })
        .await?;
    let mut d = site_detail(&new);
    d["via"] = via.into();
    app.audit_by(me, "site_create", &format!("site:{}", site.id), d.to_string(), ipaddr).await?;
    Ok(site)
}

/// Changes a site in scope (its target checked, its new owner in scope too) and audits the change.
async fn update_site(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, new: NewSite, enabled: Option<bool>, via: &str) -> Result<Site, AppError> {
    check_target(app, &new.url).await?;
    let scope = me.scope.clone();
    let n2 = new.clone();
    let (before, after) = app
        .pool
        .run(move |s| {
            let before = scoped_site(s, &scope, id)?;
            check_owner(s, &scope, n2.org_code)?;
            let now = store::time::unix_now();
            if !s.update_site(&scope, id, &n2, now).map_err(|e| match e {
                store::StoreError::OutOfScope => AppError::invalid("新的所属单位不在您的管辖范围内。", "The new owner is outside your area."),
                store::StoreError::Conflict(m) => AppError::Conflict { zh: m.clone(), en: m },
                e => e.into(),
            })? {
                return Err(AppError::NotFound);
            }
            if let Some(on) = enabled.filter(|on| *on != before.enabled) {
                s.set_site_enabled(&scope, id, on, now)?;
            }
            let after = s.site(id)?.ok_or(AppError::NotFound)?;
            Ok((before, after))
        })
        .await?;
    let old = NewSite { name: before.name.clone(), url: before.url.clone(), org_code: before.org_code, category: before.category, interval_minutes: before.interval_minutes };
    let mut d = json!({ "before": site_detail(&old), "after": site_detail(&new), "via": via });
    if before.enabled != after.enabled {
        d["enabled"] = after.enabled.into();
    }
    app.audit_by(me, "site_update", &format!("site:{id}"), d.to_string(), ipaddr).await?;
    Ok(after)
}

async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<SiteForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let new = match f.site() {
        Ok(n) => n,
        Err(errors) => return form_page(&app, &headers, &me, None, f, errors),
    };
    match create_site(&app, &me, &ip(&headers, &peer), new, "console").await {
        Ok(site) => Ok(Redirect::to(&format!("/sites/{}", site.id)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => form_page(&app, &headers, &me, None, f, vec![message(&t, &e)]),
        Err(e) => Err(e),
    }
}

async fn edit_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let scope = me.scope.clone();
    let site = app.pool.run(move |s| scoped_site(s, &scope, id)).await?;
    form_page(&app, &headers, &me, Some(id), SiteForm::of(&site), vec![])
}

async fn update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<SiteForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let new = match f.site() {
        Ok(n) => n,
        Err(errors) => {
            // Only a site in scope gets its form back.
            let scope = me.scope.clone();
            app.pool.run(move |s| scoped_site(s, &scope, id)).await?;
            return form_page(&app, &headers, &me, Some(id), f, errors);
        }
    };
    match update_site(&app, &me, &ip(&headers, &peer), id, new, None, "console").await {
        Ok(_) => Ok(Redirect::to(&format!("/sites/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => form_page(&app, &headers, &me, Some(id), f, vec![message(&t, &e)]),
        Err(e) => Err(e),
    }
}

/// `POST /sites/{id}/enable` and `/disable`.
async fn switch(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let on = match action.as_str() {
        "enable" => true,
        "disable" => false,
        "baseline" => return accept_baseline(app, headers, peer, me, id).await,
        _ => return Err(AppError::NotFound),
    };
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            if !s.set_site_enabled(&scope, id, on, store::time::unix_now())? {
                return Err(AppError::NotFound);
            }
            Ok(())
        })
        .await?;
    app.audit_by(&me, if on { "site_enable" } else { "site_disable" }, &format!("site:{id}"), "{}".into(), &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/sites/{id}")).into_response())
}

/// `POST /sites/{id}/baseline`: the site's latest page becomes its baseline (first accepted, or
/// renewed after a change that was meant). Audited.
async fn accept_baseline(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Identity, id: i64) -> Result<Response, AppError> {
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let (renewed, at) = app
        .pool
        .run(move |s| {
            scoped_site(s, &scope, id)?;
            let renewed = s.baseline(id)?.is_some();
            let at = s.snapshot(id)?.map(|p| p.at);
            if !s.accept_baseline(&scope, id, &by, store::time::unix_now())? {
                return Err(AppError::Invalid {
                    zh: "该站点尚未检测到首页，检测后才能设为基线".into(),
                    en: "the site's home page has not been fetched yet: accept a baseline after a check".into(),
                });
            }
            Ok((renewed, at))
        })
        .await?;
    let detail = json!({ "renewed": renewed, "page_at": at }).to_string();
    app.audit_by(&me, "site_baseline", &format!("site:{id}"), detail, &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/sites/{id}#baseline")).into_response())
}

/// `POST /sites/baselines`: every site in the user's area without a baseline takes its latest
/// page as one (the first round after registering many sites). Audited with the count.
async fn accept_missing(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let (scope, by) = (me.scope.clone(), me.user.name.clone());
    let n = app.pool.run(move |s| Ok(s.accept_missing_baselines(&scope, &by, store::time::unix_now())?)).await?;
    app.audit_by(&me, "site_baseline", "sites:missing", json!({ "accepted": n }).to_string(), &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/sites?baselines={n}")).into_response())
}

// ------------------------------------------------------------------ import

#[derive(Template)]
#[template(path = "site_import.html")]
struct ImportPage {
    c: Ctx,
    error: Option<String>,
    file: String,
    report: Option<guard::register::ImportReport>,
}

async fn import_page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    html(ImportPage { c: Ctx::new(&app, &headers, Some(&me), "/sites", "sites"), error: None, file: String::new(), report: None })
}

/// The largest site register a user may upload, MiB: the import takes 100,000 rows at most (a
/// CSV of them is ≈ 15 MB), and a CSV is parsed in memory.
pub const SITES_UPLOAD_MIB: u64 = 32;

/// The rows of the first sheet of an XLSX workbook on disk, as (row number, cells): the bounded
/// reader's caps, and at most 100,001 rows and 64 MiB of text kept in memory.
pub fn xlsx_records(path: &std::path::Path) -> Result<Vec<(u64, Vec<String>)>, String> {
    let read = ingest::xlsx::Workbook::open(path).and_then(|mut wb| wb.collect(None, 100_001, 64 << 20));
    read.map_err(|e| format!("无法读取 XLSX 文件：{}（{e}）", e.zh()))
}

/// Parses an upload (XLSX by its name or its ZIP signature, else CSV) and upserts its valid rows
/// whose owners are in the tree and in the user's area.
async fn import_file(app: &Arc<AppState>, me: &Identity, file: &crate::upload::Upload) -> Result<guard::register::ImportReport, AppError> {
    let path = file.path.clone();
    let xlsx_name = file.name.to_ascii_lowercase().ends_with(".xlsx");
    let rows = tokio::task::spawn_blocking(move || {
        let mut head = [0u8; 4];
        let zip = std::io::Read::read_exact(&mut std::fs::File::open(&path).map_err(|e| e.to_string())?, &mut head).is_ok() && head == *b"PK\x03\x04";
        if xlsx_name || zip {
            xlsx_records(&path).and_then(guard::register::parse_site_records)
        } else {
            // At most SITES_UPLOAD_MIB in memory.
            guard::register::parse_sites_csv(&std::fs::read(&path).map_err(|e| e.to_string())?)
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("import task: {e}")))?
    .map_err(|e| AppError::invalid(e.clone(), e))?;
    let mut rows = rows;
    guard::register::screen_rows(&mut rows, &app.targets).await;
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            // The owners first, then the upsert (which holds the store).
            let mut verdict: HashMap<i64, Option<String>> = HashMap::new();
            for (_, site) in &rows.valid {
                if !verdict.contains_key(&site.org_code) {
                    let v = match s.org_unit(site.org_code)? {
                        None => Some(format!("单位代码 {} 不在组织机构树中（unknown organisation）", site.org_code)),
                        Some(u) if !owner_in_scope(&scope, &u) => Some(format!("单位 {}（{}）不在您的管辖范围内（outside your area）", u.name, u.code)),
                        Some(_) => None,
                    };
                    verdict.insert(site.org_code, v);
                }
            }
            let mut check = |code: i64| Ok(verdict.get(&code).cloned().flatten());
            let m: &mut dyn store::Monitor = s;
            // The store refuses rows outside the user's area (the owner, or a URL another area
            // registered), inside the upsert.
            guard::register::import_site_rows(m, &scope, rows, store::time::unix_now(), &mut check).map_err(|e| match e {
                guard::register::ImportError::File(m) => AppError::invalid(m.clone(), m),
                guard::register::ImportError::Store(e) => e.into(),
            })
        })
        .await
}

async fn import(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, mut form: Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let c = Ctx::new(&app, &headers, Some(&me), "/sites", "sites");
    // The same queue places as data imports: a bounded number at once, two per account.
    let _slot = app.jobs.admit(&me.user.name)?;
    let limit = SITES_UPLOAD_MIB.min(app.config.upload_limit_mib);
    let mut file: Option<crate::upload::Upload> = None;
    while let Some(mut field) = form.next_field().await.map_err(|_| crate::upload::too_big(limit))? {
        if field.name() == Some("file") {
            file = crate::upload::save(&mut field, &app.upload_dir, limit, "sites.csv").await?;
        }
    }
    let Some(file) = file else {
        let e = AppError::invalid("请选择要上传的文件（CSV 或 XLSX）。", "Choose a file to upload (CSV or XLSX).");
        let mut r = html(ImportPage { c, error: Some(message(&t, &e)), file: String::new(), report: None })?;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(r);
    };
    let name = file.name.clone();
    match import_file(&app, &me, &file).await {
        Ok(report) => {
            let d = json!({ "file": name, "sha256": file.hash, "rows": report.rows, "inserted": report.counts.inserted, "updated": report.counts.updated, "unchanged": report.counts.unchanged, "rejected": report.rejected.len() });
            app.audit_by(&me, "site_import", &name, d.to_string(), &ip(&headers, &peer)).await?;
            html(ImportPage { c, error: None, file: name, report: Some(report) })
        }
        Err(e @ AppError::Invalid { .. }) => {
            let mut r = html(ImportPage { c, error: Some(message(&t, &e)), file: name, report: None })?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------ API

/// A site as the API shows it (the worker's claim left out).
pub fn site_json(s: &Site) -> Value {
    json!({
        "id": s.id, "name": s.name, "url": s.url, "org_code": s.org_code, "region_code": s.region_code,
        "category": s.category, "interval_minutes": s.interval_minutes, "enabled": s.enabled, "state": s.state,
        "last_checked": s.last_checked.map(store::time::rfc3339), "ipv6_ok": s.ipv6_ok, "next_due": store::time::rfc3339(s.next_due),
        "created_at": store::time::rfc3339(s.created_at), "updated_at": store::time::rfc3339(s.updated_at),
    })
}

pub fn alert_json(a: &Alert, site_name: Option<&str>) -> Value {
    let mut v = json!({
        "id": a.id, "site_id": a.site_id, "kind": a.kind, "kind_zh": guard::alerts::kind_zh(&a.kind), "severity": a.severity, "message": a.message,
        "opened_at": store::time::rfc3339(a.opened_at), "last_seen": store::time::rfc3339(a.last_seen), "count": a.count,
        "resolved_at": a.resolved_at.map(store::time::rfc3339),
    });
    if let Some(n) = site_name {
        v["site_name"] = n.into();
    }
    v
}

async fn api_sites(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>, Query(l): Query<Limit>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let q = f.query(check_limit(l.limit)?)?;
    let scope = me.scope.clone();
    let page = app.pool.run(move |s| s.sites(&scope, &q).map_err(AppError::from)).await?;
    Ok(Json(json!({ "items": page.rows.iter().map(site_json).collect::<Vec<_>>(), "next": page.next.map(|n| seal::seal_cursor(&n, &f.context())) })))
}

fn period(h: &History) -> Value {
    let ms: Vec<u64> = h.raw.iter().filter(|c| c.v4.reachable).map(|c| c.v4.elapsed_ms as u64).collect();
    json!({
        "checks": h.checks(), "up": h.up(), "availability": (h.checks() > 0).then(|| h.up() as f64 / h.checks() as f64),
        "v4_mean_ms": (!ms.is_empty()).then(|| ms.iter().sum::<u64>() / ms.len() as u64),
        "v6_reachable": h.raw.iter().filter(|c| c.v6.reachable).count(),
    })
}

async fn api_site(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let now = store::time::unix_now();
    let scope = me.scope.clone();
    let (v, week) = app
        .pool
        .run(move |s| {
            let v = site_view(s, &scope, id, now - DAY, now + 1)?;
            let week = s.history(id, now - 7 * DAY, now + 1)?;
            Ok((v, week))
        })
        .await?;
    let mut site = site_json(&v.site);
    site["owner_name"] = v.owner.clone().into();
    Ok(Json(json!({
        "site": site,
        "open_alerts": v.alerts.iter().map(|a| alert_json(a, None)).collect::<Vec<_>>(),
        "last_check": v.last,
        "history": { "24h": period(&v.history), "7d": period(&week) },
    })))
}

/// The body of `POST /sites` and `PUT /sites/{id}`.
#[derive(Deserialize)]
pub struct SiteBody {
    pub name: String,
    pub url: String,
    pub org_code: i64,
    pub category: String,
    #[serde(default)]
    pub interval_minutes: Option<u32>,
    /// PUT only: enable or disable.
    #[serde(default)]
    pub enabled: Option<bool>,
}

fn body_site(body: &Bytes) -> Result<(NewSite, Option<bool>), AppError> {
    let b: SiteBody = serde_json::from_slice(body).map_err(|e| {
        AppError::invalid(format!("请求体应为 JSON：name, url, org_code, category, interval_minutes（{e}）"), format!("The body must be JSON with name, url, org_code, category, interval_minutes ({e})"))
    })?;
    let category = SiteCategory::parse(&b.category).ok_or_else(|| AppError::invalid(format!("未知类别：{}", b.category), format!("Unknown category {} (university, vocational, school, bureau, other)", b.category)))?;
    let s = NewSite { name: b.name.trim().into(), url: b.url.trim().into(), org_code: b.org_code, category, interval_minutes: b.interval_minutes.unwrap_or(guard::register::DEFAULT_INTERVAL) };
    validate_site(&s).map_err(|e| AppError::invalid(e.clone(), e))?;
    Ok((s, b.enabled))
}

async fn api_create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, body: Bytes) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let (new, enabled) = body_site(&body)?;
    let mut site = create_site(&app, &me, &ip(&headers, &peer), new.clone(), "api").await?;
    if enabled == Some(false) {
        site = update_site(&app, &me, &ip(&headers, &peer), site.id, new, Some(false), "api").await?;
    }
    Ok((StatusCode::CREATED, Json(site_json(&site))).into_response())
}

async fn api_update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, body: Bytes) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let (new, enabled) = body_site(&body)?;
    let site = update_site(&app, &me, &ip(&headers, &peer), id, new, enabled, "api").await?;
    Ok(Json(site_json(&site)))
}

#[derive(Deserialize)]
pub struct ApiAlerts {
    /// false: resolved alerts too.
    #[serde(default = "yes")]
    open: bool,
}

fn yes() -> bool {
    true
}

async fn api_alerts(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<ApiAlerts>, Query(l): Query<Limit>) -> Result<Json<Value>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let rows = alert_rows(&app, &me, f.open, check_limit(l.limit)?).await?;
    Ok(Json(json!({ "items": rows.iter().map(|r| alert_json(&r.a, Some(&r.site_name))).collect::<Vec<_>>() })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::monitor::FamilySummary;

    fn check(at: i64, up: bool, ms: u32) -> CheckSummary {
        CheckSummary {
            at,
            state: if up { SiteState::Up } else { SiteState::Down },
            v4: FamilySummary { reachable: up, status: Some(200), elapsed_ms: ms },
            v6: FamilySummary { reachable: up, status: Some(200), elapsed_ms: ms + 10 },
            tls_days: None,
            tls_grade: None,
            header_score: None,
            ipv6_aaaa: true,
            ipv6_home: up,
            ipv6_consistent: None,
            findings: vec![],
        }
    }

    #[test]
    fn charts_and_availability() {
        let t = T { lang: crate::i18n::Lang::Zh };
        let base = 1_767_196_800; // 2026-01-01 00:00 Beijing
        let h = History { raw: (0..24).map(|i| check(base + i * 600, i % 4 != 0, 100)).collect(), ..Default::default() };
        assert_eq!(availability(&h).as_deref(), Some("75.00%"));
        let c = charts(&t, &h, DAY);
        assert_eq!(c.rt.labels.len(), 24);
        assert_eq!(c.rt.v4[0], None);
        assert_eq!(c.rt.v6[1], Some(110.0));
        // 24 checks 10 minutes apart: four hours.
        assert_eq!(c.avail.labels, ["01-01 00:00", "01-01 01:00", "01-01 02:00", "01-01 03:00"]);
        assert!(c.avail.v4.iter().all(|v| v.is_some()));
        let week = History { hourly: vec![store::monitor::Aggregate { bucket: base, checks: 12, up: 6, v4_up: 6, v6_up: 0, ms_sum: 1200, ms_max: 300 }], ..h.clone() };
        let c = charts(&t, &week, 7 * DAY);
        assert_eq!(c.rt.v4[0], Some(100.0));
        assert_eq!(c.avail.labels, ["01-01"]);
        assert_eq!(c.avail.v4[0], Some(((6 + 18) as f64 * 1000.0 / 36.0).round() / 10.0));
    }

    #[test]
    fn scope_of_sites() {
        let site = |org: i64, region: i64| Site {
            id: 1, name: "x".into(), url: "https://x.edu.cn/".into(), org_code: org, region_code: region, category: SiteCategory::School, interval_minutes: 5,
            enabled: true, state: SiteState::Up, next_due: 0, last_checked: None, ipv6_ok: None, claimed_by: None, lease_until: None, created_at: 0, updated_at: 0,
        };
        let city = Scope::Region { lo: 510100, hi: 510199 };
        assert!(site_in_scope(&city, &site(510100, 510100)));
        assert!(site_in_scope(&city, &site(2151010401, 510104)));
        assert!(!site_in_scope(&city, &site(510000, 510000)));
        let school = Scope::School { code: "2151010401".into(), county: 510104 };
        assert!(site_in_scope(&school, &site(2151010401, 510104)));
        assert!(!site_in_scope(&school, &site(510104, 510104)));
        assert!(!site_in_scope(&Scope::Nothing, &site(510104, 510104)));
    }
}
