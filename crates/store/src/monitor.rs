//! 网络安全监测 — the site register, due-check claiming, check history with retention and
//! downsampling, and alerts, as stored. The probe and the alert rules live in `guard`; the store
//! keeps the facts. Times are Unix seconds (UTC).
//!
//! A site belongs to a node of the organisation tree. It carries the node's *region*: the node's
//! own code for a division, the school's county for a school. A [`Scope`](crate::Scope) then
//! cuts sites with the same range of codes as records: a county sees the sites of its own
//! bureau and of its schools, a city also those of the city's bureau (`510100` lies in the
//! city's range `510100..=510199`).

use serde::{Deserialize, Serialize};

pub mod handling;
pub mod sql;

/// How long a claim holds a site: a worker that dies leaves its sites to be claimed again after
/// this. A check takes at most a few fetches of 15 s each; the lease leaves ample room.
pub const LEASE_SECS: i64 = 600;

/// Check intervals accepted, in minutes.
pub const MIN_INTERVAL: u32 = 1;
pub const MAX_INTERVAL: u32 = 7 * 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteCategory {
    University,
    Vocational,
    School,
    Bureau,
    Other,
}

impl SiteCategory {
    pub const ALL: [SiteCategory; 5] = [SiteCategory::University, SiteCategory::Vocational, SiteCategory::School, SiteCategory::Bureau, SiteCategory::Other];
    pub fn code(self) -> &'static str {
        match self {
            SiteCategory::University => "university",
            SiteCategory::Vocational => "vocational",
            SiteCategory::School => "school",
            SiteCategory::Bureau => "bureau",
            SiteCategory::Other => "other",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            SiteCategory::University => "高等学校",
            SiteCategory::Vocational => "职业院校",
            SiteCategory::School => "中小学校",
            SiteCategory::Bureau => "教育行政部门",
            SiteCategory::Other => "其他",
        }
    }
    /// The code or a Chinese name as people write it in a spreadsheet.
    pub fn parse(s: &str) -> Option<SiteCategory> {
        let s = s.trim();
        let by_code = SiteCategory::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(s) || c.zh() == s);
        by_code.or(match s {
            "高校" | "大学" => Some(SiteCategory::University),
            "职业学校" | "职校" | "高职" | "中职" => Some(SiteCategory::Vocational),
            "学校" | "中小学" | "中学" | "小学" => Some(SiteCategory::School),
            "教育局" | "教育厅" | "行政部门" => Some(SiteCategory::Bureau),
            _ => None,
        })
    }
}

/// A site's state after its latest check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    /// Not checked yet.
    Unknown,
    Up,
    /// Reachable, with a finding of high severity or worse.
    Warning,
    /// Unreachable over both families.
    Down,
}

impl SiteState {
    pub fn code(self) -> &'static str {
        match self {
            SiteState::Unknown => "unknown",
            SiteState::Up => "up",
            SiteState::Warning => "warning",
            SiteState::Down => "down",
        }
    }
    pub fn parse(s: &str) -> Option<SiteState> {
        [SiteState::Unknown, SiteState::Up, SiteState::Warning, SiteState::Down].into_iter().find(|x| x.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            SiteState::Unknown => "未检测",
            SiteState::Up => "正常",
            SiteState::Warning => "告警",
            SiteState::Down => "无法访问",
        }
    }
}

/// A site as registered (created, updated or imported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSite {
    pub name: String,
    /// `http://` or `https://`; the register's natural key.
    pub url: String,
    /// The owning node of the organisation tree (division code or 学校标识码).
    pub org_code: i64,
    pub category: SiteCategory,
    pub interval_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub org_code: i64,
    /// The division whose scope covers the site (see the module notes).
    pub region_code: i64,
    pub category: SiteCategory,
    pub interval_minutes: u32,
    pub enabled: bool,
    pub state: SiteState,
    pub next_due: i64,
    pub last_checked: Option<i64>,
    /// Whether the home page was reachable over IPv6 at the latest check.
    pub ipv6_ok: Option<bool>,
    pub claimed_by: Option<String>,
    pub lease_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Filters of the site list; `after` is the cursor of the previous page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteQuery {
    pub category: Option<SiteCategory>,
    pub state: Option<SiteState>,
    /// A division inside the scope.
    pub region: Option<u32>,
    pub include_disabled: bool,
    pub after: Option<String>,
    pub limit: usize,
}

/// What a bulk upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows outside the writer's area (see [`Upserted::refused`]).
    #[serde(default)]
    pub refused: u64,
}

/// A bulk upsert's counts and the rows it refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upserted {
    pub counts: UpsertCounts,
    /// Indices of the rows refused because the new owner, or the site already registered under
    /// the URL, lies outside the writer's area (one reason for both, like base records).
    pub refused: Vec<usize>,
}

/// The write rule of the site register, [`crate::Scope::may_write`] at a site's place: its
/// region (the owner's division, or a school owner's county) and, for a school's site, the
/// school. The same cut as the list queries, so a writer changes exactly the sites it sees.
pub fn may_write_site(scope: &crate::Scope, region_code: i64, org_code: i64) -> bool {
    let org = org_code.to_string();
    // 学校标识码 are 10 digits, GB/T 2260 codes 6.
    let school = (org.len() == 10).then_some(org.as_str());
    let county = u32::try_from(region_code).ok();
    scope.may_write(&crate::Place { county, school })
}

/// One family's part of a check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilySummary {
    pub reachable: bool,
    pub status: Option<u16>,
    pub elapsed_ms: u32,
}

/// One check, as kept in the history: a few dozen bytes, not the full result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSummary {
    pub at: i64,
    pub state: SiteState,
    pub v4: FamilySummary,
    pub v6: FamilySummary,
    pub tls_days: Option<i32>,
    pub tls_grade: Option<String>,
    pub header_score: Option<u8>,
    pub ipv6_aaaa: bool,
    pub ipv6_home: bool,
    pub ipv6_consistent: Option<bool>,
    /// Finding kinds (`guard::Kind` names), each once.
    pub findings: Vec<String>,
}

impl CheckSummary {
    /// The site answered over at least one family.
    pub fn available(&self) -> bool {
        self.state != SiteState::Down
    }
    pub fn findings_joined(&self) -> String {
        self.findings.join(",")
    }
    pub fn split_findings(s: &str) -> Vec<String> {
        s.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect()
    }
}

/// Checks rolled up into one hour or one day (China Standard Time days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Start of the hour or day, Unix seconds.
    pub bucket: i64,
    pub checks: u64,
    /// Checks with the site available ([`CheckSummary::available`]).
    pub up: u64,
    pub v4_up: u64,
    pub v6_up: u64,
    /// Sum and maximum of the IPv4 elapsed times (ms), for means and peaks.
    pub ms_sum: u64,
    pub ms_max: u64,
}

impl Aggregate {
    pub fn availability(&self) -> Option<f64> {
        (self.checks > 0).then(|| self.up as f64 / self.checks as f64)
    }
}

/// A site's history between two times: raw checks where they are still kept, then hourly and
/// daily aggregates. Every check is counted in exactly one of the three.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub raw: Vec<CheckSummary>,
    pub hourly: Vec<Aggregate>,
    pub daily: Vec<Aggregate>,
}

impl History {
    pub fn checks(&self) -> u64 {
        self.raw.len() as u64 + self.hourly.iter().chain(&self.daily).map(|a| a.checks).sum::<u64>()
    }
    pub fn up(&self) -> u64 {
        self.raw.iter().filter(|c| c.available()).count() as u64 + self.hourly.iter().chain(&self.daily).map(|a| a.up).sum::<u64>()
    }
}

/// How long each tier is kept. A year of 5-minute checks of one site is 105 120 raw rows; with
/// the defaults it is at most 2 016 raw + 2 160 hourly + 730 daily.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub raw_days: i64,
    pub hourly_days: i64,
    pub daily_days: i64,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention { raw_days: 7, hourly_days: 90, daily_days: 730 }
    }
}

/// What a compaction did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compaction {
    pub raw_rolled: u64,
    pub hourly_rolled: u64,
    pub daily_deleted: u64,
}

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;
/// China Standard Time (UTC+8): days of the daily aggregates begin at local midnight.
pub const CST_OFFSET: i64 = 8 * HOUR;

pub fn hour_start(t: i64) -> i64 {
    t - t.rem_euclid(HOUR)
}

pub fn day_start(t: i64) -> i64 {
    t - (t + CST_OFFSET).rem_euclid(DAY)
}

/// When a site is due next after a check at `now`: its interval, give or take a tenth of it
/// (at most two minutes), so that sites registered together drift apart instead of being
/// checked in bursts. Deterministic in `(site, now)`, so that backends agree.
pub fn next_due(site_id: i64, now: i64, interval_minutes: u32) -> i64 {
    let interval = interval_minutes.max(1) as i64 * 60;
    let spread = (interval / 10).min(120);
    let mut h = (site_id as u64 ^ (now as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^= h >> 29;
    let jitter = if spread == 0 { 0 } else { (h % (2 * spread as u64 + 1)) as i64 - spread };
    now + interval + jitter
}

/// An alert to open (or, when one of the same site and kind is open, to count again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAlert {
    pub site_id: i64,
    /// A stable kind: `down`, `cert_expiring_30`, `cert_expiring_7`, `cert_expired`, `tampered`,
    /// `hidden_link`, `sensitive_word`, `ipv6_lost`.
    pub kind: String,
    pub severity: String,
    pub message: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub site_id: i64,
    pub kind: String,
    pub severity: String,
    pub message: String,
    pub opened_at: i64,
    pub last_seen: i64,
    /// Checks that raised it while open.
    pub count: u32,
    /// When the checks found the problem gone (set by the worker, not by people).
    pub resolved_at: Option<i64>,
    /// What people did about it ([`handling`]).
    pub status: AlertStatus,
    /// The account it is assigned to (an account of the alert's area).
    pub assignee: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    /// 处置说明: how it was dealt with, required to close it.
    pub disposition: Option<String>,
}

/// Where an alert stands with the people handling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// 未处理: nobody has taken it yet.
    Open,
    /// 已确认: acknowledged, being dealt with.
    Acked,
    /// 已关闭: dealt with, with a disposition.
    Closed,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 3] = [AlertStatus::Open, AlertStatus::Acked, AlertStatus::Closed];
    pub fn code(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acked => "acked",
            AlertStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<AlertStatus> {
        AlertStatus::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            AlertStatus::Open => "未处理",
            AlertStatus::Acked => "已确认",
            AlertStatus::Closed => "已关闭",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            AlertStatus::Open => "Open",
            AlertStatus::Acked => "Acknowledged",
            AlertStatus::Closed => "Closed",
        }
    }
}

/// A note (批注) on an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertNote {
    pub id: i64,
    pub alert_id: i64,
    pub author: String,
    pub at: i64,
    pub text: String,
}

/// Filters of the alert list (the console's list, its export and the API read the same);
/// `after` is the cursor of the previous page (alerts come newest first, by id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertQuery {
    pub kind: Option<String>,
    pub severity: Option<String>,
    /// A division inside the scope.
    pub region: Option<u32>,
    /// The people's states to list; empty: all.
    pub statuses: Vec<AlertStatus>,
    /// Only alerts whose problem the checks still see (not resolved).
    pub active_only: bool,
    /// Opened at or after / before (Unix seconds).
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub after: Option<String>,
    pub limit: usize,
}

/// A step's change to an alert's row, applied only when the alert is still in `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChange {
    pub from: AlertStatus,
    pub to: AlertStatus,
    /// Some: the new assignee (None clears it).
    pub assignee: Option<Option<String>>,
    /// Closing: who, when, the disposition.
    pub closed: Option<(String, i64, String)>,
}

/// A group robot kept in the platform database (the console's; the configuration file's are
/// beside them). `kind` is `dingtalk`, `wecom`, `feishu` or `generic` (`guard::webhook`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredWebhook {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub url: String,
    #[serde(skip_serializing)]
    pub secret: Option<String>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
}

impl std::fmt::Debug for StoredWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry an access token, the secret is one.
        f.debug_struct("StoredWebhook").field("id", &self.id).field("name", &self.name).field("kind", &self.kind).field("enabled", &self.enabled).finish()
    }
}

/// Whether the checks are being made: the newest check of the enabled sites in scope and the
/// most overdue of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    pub sites: u64,
    pub newest_check: Option<i64>,
    pub oldest_due: Option<i64>,
}

/// How long past its due time a site may wait for its check before the checks count as
/// stopped: a claim's lease (a check in progress) and five minutes more.
pub const STALE_GRACE: i64 = LEASE_SECS + 300;

impl Freshness {
    /// The checks have stopped (检测服务未运行): a site has waited past its due time and the
    /// grace, i.e. no worker has claimed it.
    pub fn stale(&self, now: i64) -> bool {
        self.oldest_due.is_some_and(|d| d + STALE_GRACE < now)
    }
}

/// Webhook targets are the province's: written and read only by a province-wide scope.
pub fn may_manage_webhooks(scope: &crate::Scope) -> bool {
    scope.is_province_wide()
}

/// A site's home page as a check saw it, kept so that a person can accept it as the site's
/// baseline. The fingerprint is the prober's, opaque to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub at: i64,
    pub fingerprint: String,
    /// The normalised visible lines, one per line: what a tamper finding's diff is made of.
    pub text: String,
}

/// The page a person accepted as what the site should look like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub page: Snapshot,
    pub accepted_by: String,
    pub accepted_at: i64,
}

/// What an IPv6 depth crawl found: internal links of levels 2 and 3 and how many answered
/// HTTP 200 over IPv6.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlSummary {
    pub at: i64,
    pub l2_checked: u32,
    pub l2_ok: u32,
    pub l3_checked: u32,
    pub l3_ok: u32,
    pub out_of_time: bool,
}

/// How long between two IPv6 depth crawls of a site by default: daily.
pub const CRAWL_INTERVAL_MINUTES: u32 = 24 * 60;

/// Probes an IPv6 success rate is computed over (the last ones, one bit each).
pub const IPV6_WINDOW: u32 = 32;

/// A site's IPv6 support as the store keeps it: the latest check's flags, the latest probes'
/// successes, the latest crawl.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ipv6Result {
    pub site_id: i64,
    pub name: String,
    pub url: String,
    pub category: SiteCategory,
    pub region_code: i64,
    /// None until the first check.
    pub checked: Option<i64>,
    pub aaaa: bool,
    pub home: bool,
    /// None when there was nothing to compare (IPv4 or IPv6 not reached).
    pub consistent: Option<bool>,
    /// The last `probes` checks (at most [`IPV6_WINDOW`]), of which `successes` reached the
    /// home page over IPv6.
    pub probes: u32,
    pub successes: u32,
    pub crawl: Option<CrawlSummary>,
}

/// A share below which a site's IPv6 is not counted as supported.
pub const IPV6_SUPPORT_THRESHOLD: f64 = 0.9;

impl Ipv6Result {
    pub fn success_rate(&self) -> Option<f64> {
        (self.probes > 0).then(|| self.successes as f64 / self.probes as f64)
    }
    pub fn l2_rate(&self) -> Option<f64> {
        self.crawl.filter(|c| c.l2_checked > 0).map(|c| c.l2_ok as f64 / c.l2_checked as f64)
    }
    pub fn l3_rate(&self) -> Option<f64> {
        self.crawl.filter(|c| c.l3_checked > 0).map(|c| c.l3_ok as f64 / c.l3_checked as f64)
    }
    /// Supports IPv6: AAAA records; the home page reached over IPv6 in the latest check and in
    /// at least 90 % of the recent ones; the same content as over IPv4 (when both were reached);
    /// and, once crawled, at least 90 % of the second- and third-level internal links reached
    /// over IPv6 (a level without internal links does not count against it).
    pub fn supported(&self) -> bool {
        self.checked.is_some()
            && self.aaaa
            && self.home
            && self.consistent != Some(false)
            && self.success_rate().is_some_and(|r| r >= IPV6_SUPPORT_THRESHOLD)
            && self.l2_rate().is_none_or(|r| r >= IPV6_SUPPORT_THRESHOLD)
            && self.l3_rate().is_none_or(|r| r >= IPV6_SUPPORT_THRESHOLD)
    }
}

/// One category's IPv6 figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryIpv6 {
    pub category: SiteCategory,
    pub sites: u32,
    /// Sites checked at least once: the rate's denominator.
    pub checked: u32,
    pub aaaa: u32,
    pub home: u32,
    pub supported: u32,
    /// supported / checked; None before any check.
    pub rate: Option<f64>,
    /// Mean of the crawled sites' level-2 and level-3 rates.
    pub l2_rate: Option<f64>,
    pub l3_rate: Option<f64>,
    pub crawled: u32,
}

/// The per-category rates, in [`SiteCategory::ALL`] order, categories without sites left out.
pub fn category_rates(results: &[Ipv6Result]) -> Vec<CategoryIpv6> {
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    SiteCategory::ALL
        .iter()
        .filter_map(|&cat| {
            let of: Vec<&Ipv6Result> = results.iter().filter(|r| r.category == cat).collect();
            if of.is_empty() {
                return None;
            }
            let checked: Vec<&&Ipv6Result> = of.iter().filter(|r| r.checked.is_some()).collect();
            let count = |f: &dyn Fn(&Ipv6Result) -> bool| checked.iter().filter(|r| f(r)).count() as u32;
            let supported = count(&|r| r.supported());
            Some(CategoryIpv6 {
                category: cat,
                sites: of.len() as u32,
                checked: checked.len() as u32,
                aaaa: count(&|r| r.aaaa),
                home: count(&|r| r.home),
                supported,
                rate: (!checked.is_empty()).then(|| supported as f64 / checked.len() as f64),
                l2_rate: mean(of.iter().filter_map(|r| r.l2_rate()).collect()),
                l3_rate: mean(of.iter().filter_map(|r| r.l3_rate()).collect()),
                crawled: of.iter().filter(|r| r.crawl.is_some()).count() as u32,
            })
        })
        .collect()
}

/// Successes among the last `n` probes recorded in `bits` (newest in the lowest bit).
pub fn window_successes(bits: i64, n: u32) -> u32 {
    let n = n.min(IPV6_WINDOW);
    let mask = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    ((bits as u64) & mask).count_ones()
}

/// The key that keeps one open alert per (site, kind): unique while set, cleared on resolving
/// (a unique column allows many NULLs on every database we support, unlike partial indexes).
pub fn open_key(site_id: i64, kind: &str) -> String {
    format!("{site_id}:{kind}")
}

/// Checks a site's fields; the messages are for people (Chinese, then English).
pub fn validate_site(s: &NewSite) -> Result<(), String> {
    if s.name.trim().is_empty() {
        return Err("名称不能为空（the name is empty）".into());
    }
    let lower = s.url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    if rest.is_none_or(|r| r.is_empty() || r.starts_with('/') || r.contains(char::is_whitespace)) {
        return Err(format!("网址无效：{}（the URL must begin with http:// or https://）", s.url));
    }
    if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&s.interval_minutes) {
        return Err(format!("检查间隔 {} 分钟超出范围 {MIN_INTERVAL}–{MAX_INTERVAL}（interval out of range）", s.interval_minutes));
    }
    Ok(())
}

/// The register, claiming, history and alerts.
pub trait Monitor {
    /// [`crate::StoreError::Conflict`] when the URL is registered or the organisation unknown;
    /// [`crate::StoreError::OutOfScope`] when the owner lies outside the writer's `scope`.
    /// Every write of the register is judged by [`may_write_site`] inside the store.
    fn create_site(&mut self, scope: &crate::Scope, s: &NewSite, now: i64) -> Result<Site, crate::StoreError>;
    /// False when there is no such site in the scope; [`crate::StoreError::OutOfScope`] when the
    /// new owner lies outside it.
    fn update_site(&mut self, scope: &crate::Scope, id: i64, s: &NewSite, now: i64) -> Result<bool, crate::StoreError>;
    /// False when there is no such site in the scope.
    fn set_site_enabled(&mut self, scope: &crate::Scope, id: i64, enabled: bool, now: i64) -> Result<bool, crate::StoreError>;
    fn site(&mut self, id: i64) -> Result<Option<Site>, crate::StoreError>;
    /// Sites in scope, by id, a page at a time.
    fn sites(&mut self, scope: &crate::Scope, q: &SiteQuery) -> Result<crate::Page<Site>, crate::StoreError>;
    /// Every site of the query (from its cursor on), page after page, each given to `f`, which
    /// returns false to stop.
    fn each_site(&mut self, scope: &crate::Scope, q: &SiteQuery, f: &mut dyn FnMut(Site) -> bool) -> Result<(), crate::StoreError> {
        let mut q = SiteQuery { limit: crate::browse::MAX_PAGE, ..q.clone() };
        crate::browse::each_page(|after| {
            if after.is_some() {
                q.after = after;
            }
            self.sites(scope, &q)
        }, f)
    }
    /// Every site of the query, in id order.
    fn all_sites(&mut self, scope: &crate::Scope, q: &SiteQuery) -> Result<Vec<Site>, crate::StoreError> {
        let mut out = Vec::new();
        self.each_site(scope, q, &mut |s| {
            out.push(s);
            true
        })?;
        Ok(out)
    }
    /// Sites in scope by state, with the query's other filters (its state and cursor ignored);
    /// states without sites left out.
    fn site_counts(&mut self, scope: &crate::Scope, q: &SiteQuery) -> Result<Vec<(SiteState, u64)>, crate::StoreError>;
    /// Inserts or updates by URL, in one transaction; a new site is due at once. Rows whose
    /// owner, or whose stored site, lies outside `scope` are refused (see [`Upserted`]).
    fn upsert_sites(&mut self, scope: &crate::Scope, sites: &[NewSite], now: i64) -> Result<Upserted, crate::StoreError>;

    /// Claims up to `limit` enabled sites that are due (and not held under a live lease) for
    /// `worker`, until `now + LEASE_SECS`. Two workers never get the same site.
    fn claim_due(&mut self, worker: &str, now: i64, limit: usize) -> Result<Vec<Site>, crate::StoreError>;
    /// Stores a check, sets the site's state, releases its claim and schedules it at `next_due`.
    fn record_result(&mut self, site_id: i64, r: &CheckSummary, next_due: i64) -> Result<(), crate::StoreError>;
    /// [`Monitor::record_result`] and, when the check fetched the home page, its snapshot, in
    /// one transaction.
    fn record_check(&mut self, site_id: i64, r: &CheckSummary, page: Option<&Snapshot>, next_due: i64) -> Result<(), crate::StoreError>;
    /// The site's checks with `from <= at < to`, oldest first in each tier.
    fn history(&mut self, site_id: i64, from: i64, to: i64) -> Result<History, crate::StoreError>;
    /// Rolls raw checks older than the retention into hourly aggregates, hourly into daily,
    /// and deletes daily aggregates past theirs.
    fn compact(&mut self, now: i64, r: &Retention) -> Result<Compaction, crate::StoreError>;

    /// Opens an alert, or counts it again when one of the same (site, kind) is open; the flag
    /// says whether it is new.
    fn open_alert(&mut self, a: &NewAlert) -> Result<(Alert, bool), crate::StoreError>;
    /// Resolves the open alert of (site, kind), if any, and returns it.
    fn resolve_alert(&mut self, site_id: i64, kind: &str, at: i64) -> Result<Option<Alert>, crate::StoreError>;
    /// A site's open alerts.
    fn site_alerts(&mut self, site_id: i64) -> Result<Vec<Alert>, crate::StoreError>;
    /// Alerts of sites in scope, newest first.
    fn list_alerts(&mut self, scope: &crate::Scope, open_only: bool, limit: usize) -> Result<Vec<Alert>, crate::StoreError>;
    /// A page of the alerts of sites in scope that match `q`, newest first.
    fn alerts_page(&mut self, scope: &crate::Scope, q: &AlertQuery) -> Result<crate::Page<Alert>, crate::StoreError>;
    /// Alerts of sites in scope matching `q` (its cursor ignored) by severity and status.
    fn alert_counts(&mut self, scope: &crate::Scope, q: &AlertQuery) -> Result<Vec<(String, AlertStatus, u64)>, crate::StoreError>;
    /// One alert, when its site lies in the scope.
    fn alert_in(&mut self, scope: &crate::Scope, id: i64) -> Result<Option<Alert>, crate::StoreError>;
    /// Applies a handling step's change when the alert is still in `c.from`; false otherwise.
    /// The rules are [`handling`]'s: call its functions, not this.
    fn change_alert(&mut self, id: i64, c: &AlertChange) -> Result<bool, crate::StoreError>;
    fn add_alert_note(&mut self, alert_id: i64, author: &str, at: i64, text: &str) -> Result<i64, crate::StoreError>;
    /// An alert's notes, oldest first.
    fn alert_notes(&mut self, alert_id: i64) -> Result<Vec<AlertNote>, crate::StoreError>;

    /// The webhook targets kept in the database; [`crate::StoreError::OutOfScope`] unless the
    /// scope is province-wide ([`may_manage_webhooks`]).
    fn webhooks(&mut self, scope: &crate::Scope) -> Result<Vec<StoredWebhook>, crate::StoreError>;
    /// Stores a new target (id, created_by and created_at as given are replaced by the store's
    /// id); the same scope rule.
    fn add_webhook(&mut self, scope: &crate::Scope, w: &StoredWebhook) -> Result<i64, crate::StoreError>;
    /// False when there is no such target.
    fn set_webhook_enabled(&mut self, scope: &crate::Scope, id: i64, enabled: bool) -> Result<bool, crate::StoreError>;
    fn delete_webhook(&mut self, scope: &crate::Scope, id: i64) -> Result<bool, crate::StoreError>;

    /// Keeps `page` as the site's latest snapshot (one per site, replaced when the page changed;
    /// an unchanged page keeps the time it took this form).
    fn record_snapshot(&mut self, site_id: i64, page: &Snapshot) -> Result<(), crate::StoreError>;
    fn snapshot(&mut self, site_id: i64) -> Result<Option<Snapshot>, crate::StoreError>;
    fn baseline(&mut self, site_id: i64) -> Result<Option<Baseline>, crate::StoreError>;
    /// Makes the site's latest snapshot its baseline (accepting a first one, or renewing it
    /// after a change that was meant); false when there is no snapshot yet;
    /// [`crate::StoreError::OutOfScope`] when there is no such site in the scope.
    fn accept_baseline(&mut self, scope: &crate::Scope, site_id: i64, by: &str, now: i64) -> Result<bool, crate::StoreError>;
    /// Accepts the latest snapshot of every site in scope that has none yet; returns how many.
    fn accept_missing_baselines(&mut self, scope: &crate::Scope, by: &str, now: i64) -> Result<u64, crate::StoreError>;

    /// Enabled sites in scope without a baseline that have a snapshot to accept: how many
    /// [`Monitor::accept_missing_baselines`] would change.
    fn missing_baselines(&mut self, scope: &crate::Scope) -> Result<u64, crate::StoreError>;
    /// When the enabled sites in scope were last checked and are next due.
    fn freshness(&mut self, scope: &crate::Scope) -> Result<Freshness, crate::StoreError>;

    /// Claims up to `limit` enabled, checked sites whose IPv6 depth crawl is due, for `worker`,
    /// until `now + LEASE_SECS` (a lease of its own: a crawl and a check may run together).
    fn claim_crawls(&mut self, worker: &str, now: i64, limit: usize) -> Result<Vec<Site>, crate::StoreError>;
    /// Stores a crawl's figures (the latest per site), releases the claim, schedules the next.
    fn record_crawl(&mut self, site_id: i64, c: &CrawlSummary, next_due: i64) -> Result<(), crate::StoreError>;
    /// The IPv6 result of every enabled site in scope, by id.
    fn ipv6_results(&mut self, scope: &crate::Scope, category: Option<SiteCategory>) -> Result<Vec<Ipv6Result>, crate::StoreError>;
}

/// The region a site of a node lies in: the node's code for a division, the parent county
/// for a school.
pub fn region_of(unit: &crate::OrgUnit) -> i64 {
    match unit.level {
        crate::OrgLevel::School => unit.parent.unwrap_or(0),
        _ => unit.code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_tenth() {
        for id in 0..200 {
            let d = next_due(id, 1_800_000_000, 5) - 1_800_000_000;
            assert!((270..=330).contains(&d), "{d}");
            let d = next_due(id, 1_800_000_000, 1440) - 1_800_000_000;
            assert!((86_400 - 120..=86_400 + 120).contains(&d), "{d}");
        }
        let spread: std::collections::HashSet<i64> = (0..50).map(|id| next_due(id, 1_800_000_000, 5)).collect();
        assert!(spread.len() > 10);
    }

    #[test]
    fn buckets_and_categories() {
        // 2026-01-01T00:00+08:00 = 2025-12-31T16:00Z = 1767196800.
        assert_eq!(day_start(1_767_196_800 + 5), 1_767_196_800);
        assert_eq!(day_start(1_767_196_800 - 1), 1_767_196_800 - DAY);
        assert_eq!(hour_start(7201), 7200);
        assert_eq!(SiteCategory::parse("高校"), Some(SiteCategory::University));
        assert_eq!(SiteCategory::parse("Bureau"), Some(SiteCategory::Bureau));
        assert_eq!(SiteCategory::parse("x"), None);
        let ok = NewSite { name: "a".into(), url: "https://a.edu.cn/".into(), org_code: 510104, category: SiteCategory::School, interval_minutes: 5 };
        assert!(validate_site(&ok).is_ok());
        assert!(validate_site(&NewSite { url: "ftp://a".into(), ..ok.clone() }).is_err());
        assert!(validate_site(&NewSite { interval_minutes: 0, ..ok.clone() }).is_err());
    }
}
