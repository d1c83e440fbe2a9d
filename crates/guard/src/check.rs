//! [`Prober::check`]: one check of one site, IPv4 and IPv6 each on its own, and the findings.

use crate::content::{self, Page};
use crate::findings::{Finding, Kind, Severity};
use crate::fingerprint::{diff, similarity};
use crate::headers::{self, HeadersReport};
use crate::http::{Fetch, FetchError, Hop, Timings};
use crate::resolve::Family;
use crate::tls::{self, TlsReport};
use crate::url::Url;
use crate::{Baseline, Prober, SiteSpec};
use serde::Serialize;
use std::net::IpAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, Default, Serialize)]
pub struct DnsReport {
    pub a: Vec<IpAddr>,
    pub aaaa: Vec<IpAddr>,
    pub name_servers: Vec<String>,
    /// Whether any authoritative name server has an IPv6 address (None: not known).
    pub ns_ipv6: Option<bool>,
    pub elapsed_ms: u64,
    pub error: Option<String>,
}

/// The result over one address family.
#[derive(Clone, Debug, Serialize)]
pub struct FamilyResult {
    pub family: Family,
    pub addresses: Vec<IpAddr>,
    /// An HTTP response with status 2xx after redirects.
    pub reachable: bool,
    pub status: Option<u16>,
    pub elapsed_ms: u64,
    pub error: Option<String>,
    pub error_en: Option<String>,
    pub final_url: Option<String>,
    /// Every response in order: the redirects, then the final one.
    pub chain: Vec<Hop>,
    pub timings: Timings,
    pub size: usize,
    pub truncated: bool,
    pub similarity_to_baseline: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Ipv6Support {
    pub aaaa: bool,
    pub home_reachable: bool,
    /// None when either family could not be fetched.
    pub consistent_with_ipv4: Option<bool>,
    pub similarity_v4_v6: Option<f64>,
    pub ns_ipv6: Option<bool>,
    /// Filled by [`crate::crawl_ipv6`], which runs on its own schedule.
    pub level2_rate: Option<f64>,
    pub level3_rate: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub url: String,
    /// Unix seconds.
    pub checked_at: u64,
    pub elapsed_ms: u64,
    pub dns: DnsReport,
    pub ipv4: FamilyResult,
    pub ipv6: FamilyResult,
    /// Whether the plain-HTTP URL redirects to HTTPS (None when the site was given as https://).
    pub http_to_https: Option<bool>,
    pub tls: Option<TlsReport>,
    pub headers: Option<HeadersReport>,
    pub ipv6_support: Ipv6Support,
    pub findings: Vec<Finding>,
    /// The IPv6 link crawl, when one was run with this check (see [`CheckResult::add_crawl`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawl: Option<crate::CrawlReport>,
    /// The analysed home page (IPv4's when it was reached, else IPv6's), to make a baseline of.
    #[serde(skip)]
    pub page: Option<Page>,
}

impl CheckResult {
    /// The result of a check that was not made: the site is, resolves to or redirects to an
    /// address the policy denies. It carries no address, status, header, certificate or page.
    fn forbidden(url: String, checked_at: u64, start: Instant, redirected: bool) -> CheckResult {
        let f = Fetch { error: Some(FetchError::Forbidden), ..Fetch::default() };
        let (zh, en) = if redirected {
            ("首页重定向到内网/保留地址，未跟随", "the home page redirects to an internal or reserved address, which was not followed")
        } else {
            ("该地址属于内网/保留地址，不能作为监测目标", "the address is internal or reserved and cannot be monitored")
        };
        let finding = Finding::new(
            Kind::TargetForbidden,
            Severity::High,
            format!("{zh}；如确需监测内网网站，请由省级管理员在配置中放行该网段"),
            format!("{en}; to monitor an intranet site, a province administrator must allow its network in the configuration"),
        );
        CheckResult {
            url,
            checked_at,
            elapsed_ms: start.elapsed().as_millis() as u64,
            dns: DnsReport::default(),
            ipv4: family_result(Family::Ipv4, Vec::new(), &f),
            ipv6: family_result(Family::Ipv6, Vec::new(), &f),
            http_to_https: None,
            tls: None,
            headers: None,
            ipv6_support: Ipv6Support::default(),
            findings: vec![finding],
            crawl: None,
            page: None,
        }
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
    pub fn has(&self, kind: Kind) -> bool {
        self.findings.iter().any(|f| f.kind == kind)
    }
    /// Completes the IPv6 support result with the link rates of a crawl.
    pub fn add_crawl(&mut self, crawl: crate::CrawlReport) {
        self.ipv6_support.level2_rate = crawl.level2.rate;
        self.ipv6_support.level3_rate = crawl.level3.rate;
        self.crawl = Some(crawl);
    }
}

fn family_result(family: Family, addresses: Vec<IpAddr>, f: &Fetch) -> FamilyResult {
    let reachable = f.error.is_none() && f.status.is_some_and(|s| (200..300).contains(&s));
    let (error, error_en) = match (&f.error, f.status) {
        (Some(e), _) => (Some(e.zh()), Some(e.to_string())),
        (None, Some(s)) if !reachable => (Some(format!("首页返回 HTTP {s}")), Some(format!("the home page answered HTTP {s}"))),
        _ => (None, None),
    };
    FamilyResult {
        family,
        addresses,
        reachable,
        status: f.status,
        elapsed_ms: f.timings.total_ms,
        error,
        error_en,
        final_url: f.final_url.as_ref().map(Url::to_string),
        chain: f.hops.clone(),
        timings: f.timings.clone(),
        size: f.body.len(),
        truncated: f.truncated,
        similarity_to_baseline: None,
    }
}

impl Prober {
    async fn lookup(&self, url: &Url, family: Family) -> Result<Vec<IpAddr>, String> {
        if let Some(ip) = url.ip_literal() {
            return Ok(if family.matches(&ip) { vec![ip] } else { Vec::new() });
        }
        match tokio::time::timeout(self.config.timeout, self.resolver.lookup(&url.host, family)).await {
            Ok(r) => r.map_err(|e| e.0),
            Err(_) => Err("DNS timed out".into()),
        }
    }

    async fn ns_ipv6(&self, host: &str) -> (Vec<String>, Option<bool>) {
        if host.parse::<IpAddr>().is_ok() {
            return (Vec::new(), None);
        }
        let fut = async {
            let ns = self.resolver.name_servers(host).await.ok()?;
            let mut any = false;
            for n in &ns {
                any |= self.resolver.lookup(n, Family::Ipv6).await.is_ok_and(|v| !v.is_empty());
            }
            Some((ns.clone(), (!ns.is_empty()).then_some(any)))
        };
        tokio::time::timeout(self.config.timeout, fut).await.ok().flatten().unwrap_or((Vec::new(), None))
    }

    fn analyse(&self, f: &Fetch, site: &SiteSpec) -> Option<Page> {
        let ok = f.error.is_none() && f.status.is_some_and(|s| (200..300).contains(&s));
        let base = f.final_url.as_ref().filter(|_| ok)?;
        let text = content::decode_body(&f.body, f.header("content-type"));
        Some(content::analyse(&text, base, &site.ignore))
    }

    /// Checks one site now. Never fails: every problem is a field or a finding of the result.
    ///
    /// The check's state (two fetches with their TLS and HTTP machinery) lives in a box made when
    /// the check starts, so that a task waiting to check (a worker spawns a whole claim at once)
    /// holds a few bytes rather than the full state: 50,000 waiting tasks cost a few MB, not 1 GB.
    pub async fn check(&self, site: &SiteSpec, baseline: Option<&Baseline>) -> CheckResult {
        Box::pin(self.check_now(site, baseline)).await
    }

    async fn check_now(&self, site: &SiteSpec, baseline: Option<&Baseline>) -> CheckResult {
        let start = Instant::now();
        let checked_at = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let Some(url) = Url::parse(&site.url) else {
            let empty = |family| family_result(family, Vec::new(), &Fetch { error: Some(FetchError::Http("invalid URL".into())), ..Fetch::default() });
            let mut r = CheckResult {
                url: site.url.clone(),
                checked_at,
                elapsed_ms: 0,
                dns: DnsReport::default(),
                ipv4: empty(Family::Ipv4),
                ipv6: empty(Family::Ipv6),
                http_to_https: None,
                tls: None,
                headers: None,
                ipv6_support: Ipv6Support::default(),
                findings: Vec::new(),
                crawl: None,
                page: None,
            };
            r.findings.push(Finding::new(Kind::Unreachable, Severity::High, format!("网址无效：{}", site.url), format!("invalid URL: {}", site.url)));
            return r;
        };

        let t = Instant::now();
        let (a, aaaa, (ns, ns_ipv6)) = tokio::join!(self.lookup(&url, Family::Ipv4), self.lookup(&url, Family::Ipv6), self.ns_ipv6(&url.host));
        let dns = DnsReport {
            error: match (&a, &aaaa) {
                (Err(e), Err(_)) => Some(e.clone()),
                _ => None,
            },
            a: a.clone().unwrap_or_default(),
            aaaa: aaaa.clone().unwrap_or_default(),
            name_servers: ns,
            ns_ipv6,
            elapsed_ms: t.elapsed().as_millis() as u64,
        };

        let (mut f4, mut f6) = tokio::join!(self.fetch(&url, Family::Ipv4, &dns.a), self.fetch(&url, Family::Ipv6, &dns.aaaa));
        // A family whose addresses (or whose redirect's) the policy denies keeps nothing of its
        // fetch; when no family reached a permitted server, the check is that and nothing else.
        let forbidden = |f: &Fetch| f.error == Some(FetchError::Forbidden);
        let (x4, x6) = (forbidden(&f4), forbidden(&f6));
        if (x4 || x6) && (x4 || dns.a.is_empty()) && (x6 || dns.aaaa.is_empty()) {
            let redirected = [&f4, &f6].iter().any(|f| forbidden(f) && !f.hops.is_empty());
            return CheckResult::forbidden(site.url.clone(), checked_at, start, redirected);
        }
        for (f, x) in [(&mut f4, x4), (&mut f6, x6)] {
            if x {
                *f = Fetch { error: Some(FetchError::Forbidden), ..Fetch::default() };
            }
        }
        for (f, r) in [(&mut f4, &a), (&mut f6, &aaaa)] {
            if let (Err(e), Some(FetchError::NoAddress)) = (r, &f.error) {
                f.error = Some(FetchError::Dns(e.clone()));
            }
            f.timings.dns_ms += dns.elapsed_ms;
        }
        let permitted = |ips: &[IpAddr]| ips.iter().copied().filter(|ip| self.config.policy.permits(*ip)).collect::<Vec<_>>();
        let mut v4 = family_result(Family::Ipv4, permitted(&dns.a), &f4);
        let mut v6 = family_result(Family::Ipv6, permitted(&dns.aaaa), &f6);
        let p4 = self.analyse(&f4, site);
        let p6 = self.analyse(&f6, site);
        let mut findings = Vec::new();

        // Reachability, family by family.
        for (fam, f, r, addrs) in [(Family::Ipv4, &f4, &v4, &dns.a), (Family::Ipv6, &f6, &v6, &dns.aaaa)] {
            let label = fam.label();
            if f.error == Some(FetchError::Forbidden) {
                findings.push(
                    Finding::new(Kind::TargetForbidden, Severity::Medium, format!("{label} 地址属于内网/保留地址，未检测"), format!("the {label} address is internal or reserved: not checked")).family(fam),
                );
                continue;
            }
            if addrs.is_empty() {
                // An address given by hand has no name whose records could be missing.
                let named = url.ip_literal().is_none() && dns.error.is_none();
                if named && fam == Family::Ipv6 {
                    findings.push(Finding::new(Kind::Ipv6Missing, Severity::Medium, "域名没有 AAAA 记录，网站不支持 IPv6", "the name has no AAAA record: no IPv6 support").family(fam));
                } else if named && fam == Family::Ipv4 {
                    findings.push(Finding::new(Kind::Unreachable, Severity::Medium, "域名没有 A 记录，IPv4 用户无法访问", "the name has no A record: unreachable over IPv4").family(fam));
                }
                continue;
            }
            if r.reachable {
                continue;
            }
            let (zh, en) = (r.error.clone().unwrap_or_default(), r.error_en.clone().unwrap_or_default());
            match &f.error {
                Some(FetchError::Timeout) => findings.push(Finding::new(Kind::Timeout, Severity::High, format!("{label} 访问首页超时（{} 秒）", self.config.timeout.as_secs_f32()), format!("fetching the home page over {label} timed out ({} s)", self.config.timeout.as_secs_f32())).family(fam)),
                Some(FetchError::RedirectLoop) => {
                    let chain: Vec<String> = f.hops.iter().map(|h| format!("{} {}", h.status, h.url)).collect();
                    findings.push(Finding::new(Kind::RedirectLoop, Severity::High, format!("{label} 首页重定向循环"), format!("redirect loop over {label}")).family(fam).snippet(chain.join("\n")))
                }
                Some(FetchError::TlsOutdated(_)) => {} // reported once below as tls_outdated
                // IPv6 failing while IPv4 works is the IPv6 finding below, not an outage.
                _ if fam == Family::Ipv6 && v4.reachable => {}
                _ => findings.push(Finding::new(Kind::Unreachable, Severity::High, format!("{label} 无法访问首页：{zh}"), format!("home page unreachable over {label}: {en}")).family(fam)),
            }
            if fam == Family::Ipv6 && v4.reachable {
                findings.push(Finding::new(Kind::Ipv6Unreachable, Severity::High, format!("有 AAAA 记录但 IPv6 无法访问首页：{zh}"), format!("AAAA published but the home page is unreachable over IPv6: {en}")).family(fam));
            }
        }
        if dns.a.is_empty() && dns.aaaa.is_empty() {
            let e = dns.error.clone().unwrap_or_else(|| "no A or AAAA record".into());
            findings.clear();
            findings.push(Finding::new(Kind::Unreachable, Severity::Critical, format!("域名无法解析：{e}"), format!("the name does not resolve: {e}")));
        }
        for (f, fam) in [(&f4, Family::Ipv4), (&f6, Family::Ipv6)] {
            if f.truncated {
                findings.push(Finding::new(Kind::TooLarge, Severity::Low, format!("{} 首页超过 {} 字节，只分析了前 {} 字节", fam.label(), self.config.max_body, self.config.max_body), format!("the home page over {} exceeds {} bytes; only that much was analysed", fam.label(), self.config.max_body)).family(fam));
            }
        }

        // TLS: from the family that reached the site (IPv4 first), or whichever shook hands.
        let seen = [&f4, &f6].into_iter().filter(|f| f.ok()).chain([&f4, &f6]).find_map(|f| f.tls.as_ref());
        let mut tls_report = seen.map(|s| tls::report(&self.tls, &s.chain, &s.host, s.version, s.cipher.clone(), s.forward_secret));
        let primary = if f4.ok() { &f4 } else { &f6 };
        let final_https = primary.final_url.as_ref().is_some_and(|u| u.https);
        let http_to_https = (!url.https && primary.final_url.is_some()).then_some(final_https);
        let headers = primary.ok().then(|| headers::analyse(&primary.headers, final_https, http_to_https));
        if let Some(t) = &mut tls_report {
            if t.grade == "A" && headers.as_ref().is_some_and(|h| h.items.iter().any(|i| i.name == "strict-transport-security" && i.pass)) {
                t.grade = "A+".into();
            }
            tls_findings(t, self.config.expiring_days, &mut findings);
        }
        if let Some(h) = headers.as_ref().filter(|h| !h.missing.is_empty()) {
            let items: Vec<&str> = h.items.iter().filter(|i| !i.pass).map(|i| i.detail.as_str()).collect();
            let items_en: Vec<&str> = h.items.iter().filter(|i| !i.pass).map(|i| i.detail_en.as_str()).collect();
            let sev = if h.score >= 70 { Severity::Low } else { Severity::Medium };
            findings.push(Finding::new(Kind::HeadersMissing, sev, format!("安全响应头得分 {}：{}", h.score, items.join("；")), format!("security headers score {}: {}", h.score, items_en.join("; "))));
        }

        // Content: IPv4 against IPv6, then against the baseline.
        let sim46 = match (&p4, &p6) {
            (Some(a), Some(b)) => Some(similarity(&a.fingerprint, &b.fingerprint)),
            _ => None,
        };
        let consistent = sim46.map(|s| s >= self.config.consistency_threshold);
        if let (Some(false), Some(a), Some(b), Some(s)) = (consistent, &p4, &p6, sim46) {
            findings.push(
                Finding::new(Kind::ContentDiffersV4V6, Severity::High, format!("IPv4 与 IPv6 首页内容不一致（相似度 {:.0}%）", s * 100.0), format!("the IPv4 and IPv6 home pages differ (similarity {:.0}%)", s * 100.0))
                    .snippet(diff(&a.normalised, &b.normalised, 20).join("\n")),
            );
        }
        let mut confirmed: Option<Page> = None;
        if let Some(base) = baseline {
            let primary_family = if p4.is_some() { Family::Ipv4 } else { Family::Ipv6 };
            for (p, r) in [(&p4, &mut v4), (&p6, &mut v6)] {
                r.similarity_to_baseline = p.as_ref().map(|p| similarity(&base.fingerprint, &p.fingerprint));
            }
            let first = if primary_family == Family::Ipv4 { v4.similarity_to_baseline } else { v6.similarity_to_baseline };
            if let Some(s) = first.filter(|s| *s < self.config.tamper_threshold) {
                // Confirm with a second fetch before raising: a half-deployed update or a
                // transient error page should not page anyone.
                let addrs = if primary_family == Family::Ipv4 { &dns.a } else { &dns.aaaa };
                let again = self.fetch(&url, primary_family, addrs).await;
                if let Some(p2) = self.analyse(&again, site) {
                    let s2 = similarity(&base.fingerprint, &p2.fingerprint);
                    if s2 < self.config.tamper_threshold {
                        findings.push(
                            Finding::new(Kind::Tampered, Severity::Critical, format!("首页内容与基线相差过大（相似度 {:.0}%，复查 {:.0}%），疑似被篡改", s * 100.0, s2 * 100.0), format!("the home page differs from its baseline (similarity {:.0}%, re-fetch {:.0}%): possible tampering", s * 100.0, s2 * 100.0))
                                .family(primary_family)
                                .snippet(diff(&base.lines, &p2.normalised, 20).join("\n")),
                        );
                        confirmed = Some(p2);
                    }
                }
            }
        }

        // Hidden links and sensitive words: from the page people see, and from the other
        // family's page too when it differs (a tampered IPv6 server is still a tampered site).
        let mut pages: Vec<&Page> = confirmed.as_ref().or(p4.as_ref()).or(p6.as_ref()).into_iter().collect();
        if consistent == Some(false) {
            pages.extend(p6.iter());
        }
        let mut seen_links = std::collections::HashSet::new();
        let mut seen_words = std::collections::HashSet::new();
        for p in pages {
            for h in &p.hidden {
                if seen_links.insert((h.technique, h.href.clone())) {
                    findings.push(
                        Finding::new(Kind::HiddenLink, Severity::High, format!("隐藏的外部链接（{}）：{}", h.technique.zh(), h.href), format!("hidden link to another domain ({}): {}", h.technique.en(), h.href))
                            .snippet(h.snippet.clone()),
                    );
                }
            }
            for w in self.config.lexicon.scan(&p.lines, 50) {
                if seen_words.insert(w.context.clone()) {
                    findings.push(Finding::new(Kind::SensitiveWord, Severity::High, format!("发现敏感词“{}”（{}）", w.word, w.category), format!("sensitive word “{}” ({})", w.word, w.category)).snippet(w.context));
                }
            }
        }

        let ipv6_support = Ipv6Support {
            aaaa: !dns.aaaa.is_empty(),
            home_reachable: v6.reachable,
            consistent_with_ipv4: consistent,
            similarity_v4_v6: sim46,
            ns_ipv6: dns.ns_ipv6,
            level2_rate: None,
            level3_rate: None,
        };
        let page = confirmed.or(p4).or(p6);
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        // Denied addresses are not shown: they are the intranet's, not the site's.
        let dns = DnsReport { a: permitted(&dns.a), aaaa: permitted(&dns.aaaa), ..dns };
        CheckResult { url: url.to_string(), checked_at, elapsed_ms: start.elapsed().as_millis() as u64, dns, ipv4: v4, ipv6: v6, http_to_https, tls: tls_report, headers, ipv6_support, findings, crawl: None, page }
    }
}

fn tls_findings(t: &TlsReport, expiring_days: i64, findings: &mut Vec<Finding>) {
    use crate::tls::Verdict;
    let days = t.days_to_expiry.unwrap_or(0);
    match t.verdict {
        Verdict::Valid => {}
        Verdict::Expired => findings.push(Finding::new(Kind::CertExpired, Severity::Critical, format!("证书已过期（{} 天前）", -days), format!("the certificate expired {} days ago", -days))),
        v => findings.push(Finding::new(Kind::CertInvalid, Severity::Critical, format!("证书无效：{}", v.zh()), format!("invalid certificate: {}", v.en()))),
    }
    if t.verdict != Verdict::Expired && t.days_to_expiry.is_some() && days < expiring_days {
        let sev = if days < 7 { Severity::High } else { Severity::Medium };
        findings.push(Finding::new(Kind::CertExpiring, sev, format!("证书将在 {days} 天后过期"), format!("the certificate expires in {days} days")));
    }
    if matches!(t.protocol.as_str(), "TLSv1.0" | "TLSv1.1" | "SSLv3") {
        findings.push(Finding::new(Kind::TlsOutdated, Severity::High, format!("服务器仅支持过时的 {}，现代浏览器无法访问", t.protocol), format!("the server speaks only the outdated {}, which current browsers refuse", t.protocol)));
    }
}
