//! IPv6 depth: crawl the site's internal links to the third level and measure, per level, the
//! share of pages that answer HTTP 200 over IPv6. Runs on its own, slower schedule; bounded in
//! pages per level, concurrency and total time, same site only. Links whose addresses the
//! policy denies are never fetched (the probe judges every address) and not counted.

use crate::content;
use crate::http::FetchError;
use crate::resolve::Family;
use crate::url::Url;
use crate::{Prober, SiteSpec};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct CrawlLimits {
    /// Pages checked at most on each of levels 2 and 3.
    pub per_level: usize,
    pub concurrency: usize,
    /// The whole crawl stops starting new fetches after this.
    pub time_budget: Duration,
}

impl Default for CrawlLimits {
    fn default() -> CrawlLimits {
        CrawlLimits { per_level: 50, concurrency: 4, time_budget: Duration::from_secs(120) }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct LevelRate {
    /// Internal links found on this level (after de-duplication, before the per-level bound).
    pub found: usize,
    pub checked: usize,
    /// Answered HTTP 200 over IPv6.
    pub ok_ipv6: usize,
    /// Links to addresses the policy denies: not fetched, not counted in `checked`.
    pub forbidden: usize,
    /// ok_ipv6 / checked; None when nothing was checked.
    pub rate: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CrawledPage {
    pub url: String,
    pub level: u8,
    pub ipv6_status: Option<u16>,
    pub ipv6_error: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct CrawlReport {
    pub level2: LevelRate,
    pub level3: LevelRate,
    pub pages: Vec<CrawledPage>,
    /// The time budget ran out before every chosen page was checked.
    pub out_of_time: bool,
    pub elapsed_ms: u64,
}

/// Files that are not pages: linked, but not crawled for links nor counted.
const NOT_PAGES: &[&str] = &[".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z", ".jpg", ".jpeg", ".png", ".gif", ".mp4", ".mp3", ".exe", ".apk"];

fn is_page(u: &Url) -> bool {
    let p = u.path.split('?').next().unwrap_or("").to_ascii_lowercase();
    !NOT_PAGES.iter().any(|e| p.ends_with(e))
}

struct Visit {
    /// Every address of the page's host (or of its redirect) is denied: nothing was fetched.
    forbidden: bool,
    ipv6_status: Option<u16>,
    ipv6_error: Option<String>,
    links: Vec<Url>,
}

/// Crawls from the site's home page (level 1) to its internal links (level 2) and theirs
/// (level 3). Links are discovered over IPv6 when the page answers there, else over IPv4.
pub async fn crawl_ipv6(prober: &Prober, site: &SiteSpec, limits: &CrawlLimits) -> CrawlReport {
    let start = Instant::now();
    let deadline = start + limits.time_budget;
    let mut report = CrawlReport::default();
    let Some(home) = Url::parse(&site.url) else { return report };
    let addrs = AddrCache::default();
    let home_visit = visit(prober, site, &addrs, &home).await;
    let mut seen: HashSet<Url> = HashSet::from([home.clone()]);
    let mut frontier = home_visit.links;
    for level in [2u8, 3u8] {
        let mut next: Vec<Url> = frontier.into_iter().filter(|u| seen.insert(u.clone())).collect();
        let rate = if level == 2 { &mut report.level2 } else { &mut report.level3 };
        rate.found = next.len();
        next.truncate(limits.per_level);
        let visits: Vec<(Url, Option<Visit>)> = stream::iter(next)
            .map(|u| {
                let addrs = &addrs;
                async move {
                    if Instant::now() >= deadline {
                        return (u, None);
                    }
                    let v = visit(prober, site, addrs, &u).await;
                    (u, Some(v))
                }
            })
            .buffered(limits.concurrency.max(1))
            .collect()
            .await;
        let mut found_next = Vec::new();
        for (u, v) in visits {
            let Some(v) = v else {
                report.out_of_time = true;
                continue;
            };
            if v.forbidden {
                rate.forbidden += 1;
                continue;
            }
            rate.checked += 1;
            if v.ipv6_status == Some(200) {
                rate.ok_ipv6 += 1;
            }
            report.pages.push(CrawledPage { url: u.to_string(), level, ipv6_status: v.ipv6_status, ipv6_error: v.ipv6_error });
            found_next.extend(v.links);
        }
        rate.rate = (rate.checked > 0).then(|| rate.ok_ipv6 as f64 / rate.checked as f64);
        frontier = found_next;
    }
    report.elapsed_ms = start.elapsed().as_millis() as u64;
    report
}

/// Addresses per host and family, looked up once per crawl.
#[derive(Default)]
struct AddrCache(tokio::sync::Mutex<HashMap<(String, Family), Vec<IpAddr>>>);

impl AddrCache {
    async fn get(&self, prober: &Prober, host: &str, family: Family) -> Vec<IpAddr> {
        if let Some(v) = self.0.lock().await.get(&(host.to_string(), family)) {
            return v.clone();
        }
        let v = prober.resolver().lookup(host, family).await.unwrap_or_default();
        self.0.lock().await.insert((host.to_string(), family), v.clone());
        v
    }
}

async fn visit(prober: &Prober, site: &SiteSpec, addrs: &AddrCache, u: &Url) -> Visit {
    let v6 = addrs.get(prober, &u.host, Family::Ipv6).await;
    let f6 = prober.fetch(u, Family::Ipv6, &v6).await;
    let ipv6_status = f6.status.filter(|_| f6.error.is_none());
    let ipv6_error = f6.error.as_ref().map(|e| e.to_string());
    let x6 = f6.error == Some(FetchError::Forbidden);
    let (fetched, x4, none4) = if ipv6_status == Some(200) {
        (f6, false, false)
    } else {
        let v4 = addrs.get(prober, &u.host, Family::Ipv4).await;
        let f4 = prober.fetch(u, Family::Ipv4, &v4).await;
        let x4 = f4.error == Some(FetchError::Forbidden);
        (f4, x4, v4.is_empty())
    };
    // A link (or its redirect) into denied space over every family it has: not the site's page.
    if (x6 || x4) && (x6 || v6.is_empty()) && (x4 || none4) {
        return Visit { forbidden: true, ipv6_status: None, ipv6_error: None, links: Vec::new() };
    }
    let mut links = Vec::new();
    if let (Some(final_url), None) = (&fetched.final_url, &fetched.error) {
        let text = content::decode_body(&fetched.body, fetched.header("content-type"));
        let page = content::analyse(&text, final_url, &site.ignore);
        let home = Url::parse(&site.url);
        for l in page.links.iter().filter(|l| l.internal) {
            if let Some(lu) = Url::parse(&l.url) {
                if home.as_ref().is_some_and(|h| h.same_site(&lu)) && is_page(&lu) {
                    links.push(lu);
                }
            }
        }
    }
    Visit { forbidden: false, ipv6_status, ipv6_error, links }
}
