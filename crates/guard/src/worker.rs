//! 监测进程 — the loop a `tianfu worker` runs: claim due sites from the database, check them
//! (a global limit on concurrent checks, and at most one check per host at a time), record each
//! result, apply the alert rules, send notices of alerts opened and resolved, and compact the
//! history now and then. Several workers on several hosts share the load through the claims.
//!
//! The store is synchronous: one connection per worker, used from blocking threads.

use crate::alerts::{self, Change, Observation, Previous};
use crate::webhook::{Notice, Sender, WebhookTarget};
use crate::crawl::CrawlLimits;
use crate::{Baseline, Prober, SiteSpec};
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::monitor::{next_due, CrawlSummary, Monitor, NewAlert, Retention, Site, CRAWL_INTERVAL_MINUTES};
use store::StoreError;

/// Opens a store connection for the worker.
pub type Opener = Arc<dyn Fn() -> Result<Box<dyn Monitor + Send>, StoreError> + Send + Sync>;

#[derive(Clone, Debug)]
pub struct Options {
    /// Names this worker in claims (host name and process id by default).
    pub worker_id: String,
    /// Checks in flight at once, over all hosts.
    pub concurrency: usize,
    /// Sites claimed per cycle.
    pub batch: usize,
    /// The pause after a cycle that found nothing due.
    pub idle: Duration,
    pub webhooks: Vec<WebhookTarget>,
    /// The console's address (`public_url`): notices link to the alert there.
    pub public_url: Option<String>,
    pub retention: Retention,
    /// How often this worker compacts the history.
    pub compact_every: Duration,
    /// Minutes between two IPv6 depth crawls of a site (daily by default).
    pub crawl_interval_minutes: u32,
    /// Crawls in flight at once (each is itself bounded by `crawl_limits`); 0 turns crawling off.
    pub crawl_concurrency: usize,
    pub crawl_limits: CrawlLimits,
    /// The pause after a crawl round that found nothing due.
    pub crawl_idle: Duration,
    /// Run after each cycle that checked sites, on a blocking thread (the binary hooks the
    /// incident intake of `secman` here; guard knows nothing of incidents).
    pub after_cycle: Option<AfterCycle>,
}

/// A hook given the cycle's time; its error is logged, the worker goes on.
#[derive(Clone)]
pub struct AfterCycle(pub Arc<dyn Fn(i64) -> Result<(), String> + Send + Sync>);

impl std::fmt::Debug for AfterCycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AfterCycle")
    }
}

impl Default for Options {
    fn default() -> Options {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
        Options {
            worker_id: format!("{host}:{}", std::process::id()),
            concurrency: 32,
            batch: 128,
            idle: Duration::from_secs(5),
            webhooks: Vec::new(),
            public_url: None,
            retention: Retention::default(),
            compact_every: Duration::from_secs(3600),
            crawl_interval_minutes: CRAWL_INTERVAL_MINUTES,
            crawl_concurrency: 2,
            crawl_limits: CrawlLimits::default(),
            crawl_idle: Duration::from_secs(60),
            after_cycle: None,
        }
    }
}

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CycleReport {
    pub claimed: usize,
    pub checked: usize,
    pub alerts_opened: usize,
    pub alerts_resolved: usize,
    pub notices_sent: usize,
    pub notice_errors: usize,
    pub compacted: bool,
}

/// What one round of IPv6 depth crawls did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CrawlRoundReport {
    pub claimed: usize,
    pub crawled: usize,
}

/// The worker's connection; None once the worker is dropped.
type Shared = Arc<Mutex<Option<Box<dyn Monitor + Send>>>>;

pub struct Worker {
    store: Shared,
    prober: Arc<Prober>,
    sender: Arc<Sender>,
    options: Options,
    last_compact: Mutex<Option<Instant>>,
}

/// A blocking store call on a blocking thread.
/// (Synchronous database clients, PostgreSQL's among them, must not block a runtime thread.)
async fn with_store<T: Send + 'static>(store: &Shared, f: impl FnOnce(&mut dyn Monitor) -> Result<T, StoreError> + Send + 'static) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut s = store.lock().map_err(|_| StoreError::Internal("the store connection was poisoned by a panic".into()))?;
        let s = s.as_mut().ok_or_else(|| StoreError::Unavailable("the worker is shutting down".into()))?;
        f(&mut **s)
    })
    .await
    .map_err(|e| StoreError::Internal(format!("store task: {e}")))?
}

/// The host a site's checks are polite to.
fn host_of(url: &str) -> String {
    crate::url::Url::parse(url).map(|u| u.host).unwrap_or_else(|| url.to_string())
}

struct Outcome {
    opened: usize,
    resolved: usize,
    notices: Vec<Notice>,
}

impl Worker {
    /// Opens the worker's connection (on a blocking thread).
    pub async fn new(opener: &Opener, prober: Arc<Prober>, options: Options) -> Result<Worker, StoreError> {
        let open = opener.clone();
        let store = tokio::task::spawn_blocking(move || open()).await.map_err(|e| StoreError::Internal(format!("open task: {e}")))??;
        let sender = Sender::new(prober.shared_resolver(), &prober.config.extra_cas).map_err(|e| StoreError::Internal(format!("webhook TLS: {e}")))?;
        Ok(Worker { store: Arc::new(Mutex::new(Some(store))), prober, sender: Arc::new(sender), options, last_compact: Mutex::new(None) })
    }

    /// One cycle now.
    pub async fn cycle(&self) -> Result<CycleReport, StoreError> {
        self.cycle_at(store::time::unix_now()).await
    }

    /// One cycle as if it were `now` (claims and schedules by it; checks run for real).
    #[tracing::instrument(name = "monitor_cycle", skip_all)]
    pub async fn cycle_at(&self, now: i64) -> Result<CycleReport, StoreError> {
        let (id, batch) = (self.options.worker_id.clone(), self.options.batch.max(1));
        let sites = with_store(&self.store, move |s| s.claim_due(&id, now, batch)).await?;
        let mut report = CycleReport { claimed: sites.len(), ..Default::default() };
        let permits = Arc::new(tokio::sync::Semaphore::new(self.options.concurrency.max(1)));
        let mut hosts: HashMap<String, Arc<tokio::sync::Mutex<()>>> = HashMap::new();
        let mut tasks = tokio::task::JoinSet::new();
        for site in sites {
            let host = hosts.entry(host_of(&site.url)).or_default().clone();
            let (permits, prober, store) = (permits.clone(), self.prober.clone(), self.store.clone());
            tasks.spawn(async move {
                // The host first, then a permit: a site waiting for its host holds no permit.
                let _host = host.lock().await;
                let _permit = permits.acquire().await.expect("the semaphore is never closed");
                // The accepted baseline is read when the check starts, not with the claim: a
                // claim of thousands of sites would otherwise hold thousands of pages at once.
                let id = site.id;
                let baseline = with_store(&store, move |s| s.baseline(id)).await?.as_ref().and_then(Baseline::from_stored);
                check_one(&store, &prober, site, baseline, now).await
            });
        }
        let mut notices = Vec::new();
        let mut first_err = None;
        while let Some(r) = tasks.join_next().await {
            match r.map_err(|e| StoreError::Internal(format!("check task: {e}"))).and_then(|r| r) {
                Ok(o) => {
                    report.checked += 1;
                    report.alerts_opened += o.opened;
                    report.alerts_resolved += o.resolved;
                    notices.extend(o.notices);
                }
                Err(e) => {
                    tracing_warn(&format!("检测结果无法保存（a check could not be recorded）：{}", e.zh()));
                    first_err.get_or_insert(e);
                }
            }
        }
        // Notices go out together: one slow receiver costs its timeout once, not per notice.
        let mut sends = tokio::task::JoinSet::new();
        // The console's targets (judged by the address policy, as the console's test button
        // is) beside the configuration's.
        let stored = if notices.is_empty() { Vec::new() } else { with_store(&self.store, |s| s.webhooks(&store::Scope::all())).await.unwrap_or_default() };
        let console: Vec<WebhookTarget> = stored.iter().filter(|w| w.enabled).filter_map(WebhookTarget::of_stored).collect();
        for mut n in notices {
            n.link = n.link.as_ref().and_then(|id| id.parse().ok()).and_then(|id| crate::webhook::alert_link(self.options.public_url.as_deref(), id));
            for t in self.options.webhooks.clone() {
                let (sender, n) = (self.sender.clone(), n.clone());
                sends.spawn(async move { sender.send(&t, &n).await.map_err(|e| format!("告警推送失败（webhook {:?} failed）：{e}", t.kind)) });
            }
            for t in console.clone() {
                let (sender, n, policy) = (self.sender.clone(), n.clone(), self.prober.config.policy.clone());
                let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
                let out = crate::webhook::render(&t, &n, now_ms);
                sends.spawn(async move { sender.send_checked(&out, &policy).await.map_err(|e| format!("告警推送失败（webhook {:?} failed）：{e}", t.kind)) });
            }
        }
        while let Some(r) = sends.join_next().await {
            match r.map_err(|e| e.to_string()).and_then(|r| r) {
                Ok(_) => report.notices_sent += 1,
                Err(e) => {
                    report.notice_errors += 1;
                    tracing_warn(&e);
                }
            }
        }
        if let (Some(hook), true) = (self.options.after_cycle.clone(), report.checked > 0) {
            match tokio::task::spawn_blocking(move || (hook.0)(now)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing_warn(&e),
                Err(e) => tracing_warn(&format!("after-cycle task: {e}")),
            }
        }
        report.compacted = self.maybe_compact(now).await?;
        if report.claimed > 0 {
            tracing::info!(claimed = report.claimed, checked = report.checked, alerts_opened = report.alerts_opened, alerts_resolved = report.alerts_resolved, notice_errors = report.notice_errors, "monitor cycle");
        }
        match first_err {
            Some(e) if report.checked == 0 => Err(e),
            _ => Ok(report),
        }
    }

    async fn maybe_compact(&self, now: i64) -> Result<bool, StoreError> {
        let due = {
            let mut last = self.last_compact.lock().expect("not poisoned");
            let due = last.is_none_or(|t| t.elapsed() >= self.options.compact_every);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if due {
            let r = self.options.retention;
            with_store(&self.store, move |s| s.compact(now, &r)).await?;
        }
        Ok(due)
    }

    /// One round of IPv6 depth crawls now.
    pub async fn crawl_round(&self) -> Result<CrawlRoundReport, StoreError> {
        self.crawl_round_at(store::time::unix_now()).await
    }

    /// Claims up to `crawl_concurrency` sites whose depth crawl is due, crawls them at once and
    /// records their level-2 and level-3 IPv6 rates; the next crawl is a day on (by default).
    pub async fn crawl_round_at(&self, now: i64) -> Result<CrawlRoundReport, StoreError> {
        let n = self.options.crawl_concurrency;
        if n == 0 {
            return Ok(CrawlRoundReport::default());
        }
        let id = self.options.worker_id.clone();
        let sites = with_store(&self.store, move |s| s.claim_crawls(&id, now, n)).await?;
        let mut report = CrawlRoundReport { claimed: sites.len(), crawled: 0 };
        let mut tasks = tokio::task::JoinSet::new();
        for site in sites {
            let (prober, store, limits, every) = (self.prober.clone(), self.store.clone(), self.options.crawl_limits.clone(), self.options.crawl_interval_minutes);
            tasks.spawn(async move {
                let c = crate::crawl_ipv6(&prober, &SiteSpec::new(site.url.clone()), &limits).await;
                let summary = CrawlSummary {
                    at: store::time::unix_now(),
                    l2_checked: c.level2.checked as u32,
                    l2_ok: c.level2.ok_ipv6 as u32,
                    l3_checked: c.level3.checked as u32,
                    l3_ok: c.level3.ok_ipv6 as u32,
                    out_of_time: c.out_of_time,
                };
                let due = next_due(site.id, now, every);
                with_store(&store, move |s| s.record_crawl(site.id, &summary, due)).await
            });
        }
        let mut first_err = None;
        while let Some(r) = tasks.join_next().await {
            match r.map_err(|e| StoreError::Internal(format!("crawl task: {e}"))).and_then(|r| r) {
                Ok(()) => report.crawled += 1,
                Err(e) => {
                    tracing_warn(&format!("IPv6 深度检测结果无法保存（a crawl could not be recorded）：{}", e.zh()));
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) if report.crawled == 0 => Err(e),
            _ => Ok(report),
        }
    }

    /// Checks and crawls until `shutdown` completes, side by side (a slow crawl never delays a
    /// check); a cycle or round under way is finished first (its sites would otherwise wait
    /// for their leases to run out).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), StoreError> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let checks = self.repeat(stopped.clone(), true, |w| async move {
            let r = w.cycle().await?;
            Ok(if r.claimed == 0 { w.options.idle } else { Duration::ZERO })
        });
        let crawls = self.repeat(stopped, false, |w| async move {
            if w.options.crawl_concurrency == 0 {
                return Ok(Duration::from_secs(3600));
            }
            let r = w.crawl_round().await?;
            Ok(if r.claimed == 0 { w.options.crawl_idle } else { Duration::ZERO })
        });
        let work = async { tokio::try_join!(checks, crawls).map(drop) };
        tokio::pin!(work);
        tokio::pin!(shutdown);
        tokio::select! {
            r = &mut work => return r,
            _ = &mut shutdown => {}
        }
        let _ = stop.send(true);
        work.await
    }

    /// Runs `step` until stopped, pausing as long as it asks; a store that is unavailable or
    /// locked is waited out, other errors end the loop. With `at_least_once`, a stop asked for
    /// before the first step still lets that step run (a worker started and stopped at once
    /// still does one cycle).
    async fn repeat<'a, F, Fut>(&'a self, mut stopped: tokio::sync::watch::Receiver<bool>, at_least_once: bool, step: F) -> Result<(), StoreError>
    where
        F: Fn(&'a Worker) -> Fut,
        Fut: Future<Output = Result<Duration, StoreError>>,
    {
        let mut first = at_least_once;
        loop {
            if !std::mem::take(&mut first) && *stopped.borrow() {
                return Ok(());
            }
            let pause = match step(self).await {
                Ok(p) => p,
                Err(e @ StoreError::Unavailable(_)) | Err(e @ StoreError::Locked(_)) => {
                    tracing_warn(&e.zh());
                    self.options.idle
                }
                Err(e) => return Err(e),
            };
            tokio::select! {
                _ = stopped.changed() => return Ok(()),
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }
}

/// Checks one site and records everything that follows from it.
async fn check_one(store: &Shared, prober: &Prober, site: Site, baseline: Option<Baseline>, now: i64) -> Result<Outcome, StoreError> {
    let result = prober.check(&SiteSpec::new(site.url.clone()), baseline.as_ref()).await;
    let m = telemetry::global();
    m.add("tianfu_monitor_checks_total", &[("result", if result.ipv4.reachable || result.ipv6.reachable { "up" } else { "down" })], 1);
    for f in &result.findings {
        m.add("tianfu_monitor_findings_total", &[("kind", f.kind.as_str())], 1);
    }
    let summary = alerts::summarise(&result);
    // The page as fetched, kept so that a person can accept (or renew) it as the baseline.
    let page = result.page.as_ref().map(|p| Baseline::snapshot_of(p, summary.at));
    let obs = Observation::of(&result);
    let due = next_due(site.id, now, site.interval_minutes);
    with_store(store, move |s| {
        let open = s.site_alerts(site.id)?;
        let prev = Previous { open: open.iter().map(|a| a.kind.clone()).collect(), ipv6_ok: site.ipv6_ok };
        let mut out = Outcome { opened: 0, resolved: 0, notices: Vec::new() };
        // The alert's id rides in `link` until the cycle makes it an address.
        let notice = |id: i64, kind: &str, severity: &str, message: String, recovered: bool| Notice { site_name: site.name.clone(), site_url: site.url.clone(), kind: kind.to_string(), severity: severity.to_string(), message, at: summary.at, recovered, link: Some(id.to_string()) };
        for c in alerts::changes(&prev, &obs) {
            match c {
                Change::Raise { kind, severity, message } => {
                    let (a, new) = s.open_alert(&NewAlert { site_id: site.id, kind: kind.to_string(), severity: severity.as_str().to_string(), message: message.clone(), at: summary.at })?;
                    if new {
                        out.opened += 1;
                        out.notices.push(notice(a.id, kind, severity.as_str(), message, false));
                    }
                }
                Change::Resolve { kind, message } => {
                    if let Some(a) = s.resolve_alert(site.id, kind, summary.at)? {
                        out.resolved += 1;
                        out.notices.push(notice(a.id, kind, &a.severity, message, true));
                    }
                }
            }
        }
        s.record_check(site.id, &summary, page.as_ref(), due)?;
        Ok(out)
    })
    .await
}

impl Drop for Worker {
    /// Closes the connection off the runtime's threads: closing a synchronous client may block.
    fn drop(&mut self) {
        let store = self.store.lock().ok().and_then(|mut s| s.take());
        if let Some(s) = store {
            let _ = std::thread::spawn(move || drop(s)).join();
        }
    }
}

/// Warnings go to stderr: the guard crate does not pull in a logging framework.
fn tracing_warn(msg: &str) {
    tracing::warn!("{msg}");
}
