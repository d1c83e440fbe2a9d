//! `guard`: the network-security monitor's probe. One [`Prober`] holds what every check shares
//! (TLS client configuration, resolver, lexicon automaton, limits); [`Prober::check`] checks one
//! site over IPv4 and IPv6 separately: DNS, HTTP(S) with redirects, TLS, security headers, page
//! content (fingerprint, baseline similarity, v4/v6 consistency, hidden links, sensitive words),
//! and returns a serialisable [`CheckResult`] with [`Finding`]s. [`crawl_ipv6`] measures the
//! IPv6 reachability of second- and third-level internal links on its own schedule.
//!
//! Every connection the probe makes goes to an address its [`NetPolicy`] permits, judged after
//! each lookup and on every redirect; a site that is, or resolves to, a loopback, private,
//! link-local or otherwise reserved address is a `target_forbidden` finding with no content.
//! [`target::TargetCheck`] refuses such sites at registration.
#![forbid(unsafe_code)]

pub mod alerts;
mod check;
pub mod content;
pub mod crawl;
pub mod findings;
pub mod fingerprint;
pub mod headers;
pub mod http;
mod markup;
pub mod netpolicy;
pub mod notify;
mod report;
pub mod resolve;
pub mod tls;
pub mod register;
pub mod target;
pub mod url;
pub mod webhook;
pub mod worker;
pub mod words;

pub use check::{CheckResult, DnsReport, FamilyResult, Ipv6Support};
pub use crawl::{crawl_ipv6, CrawlLimits, CrawlReport};
pub use findings::{Finding, Kind, Severity};
pub use netpolicy::NetPolicy;
pub use resolve::{Family, Resolver, StaticResolver, SystemResolver};
pub use words::Lexicon;

use fingerprint::Fingerprint;
use rustls::pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Limits and thresholds, shared by all checks.
#[derive(Clone, Debug)]
pub struct Config {
    /// Bound on one fetch over one family, redirects and body included.
    pub timeout: Duration,
    /// Bytes of a page read at most; a longer page is a `too_large` finding.
    pub max_body: usize,
    /// Similarity to the baseline below which a page is re-fetched and, if still below,
    /// reported as tampered.
    pub tamper_threshold: f64,
    /// Similarity between the IPv4 and IPv6 pages below which they "differ".
    pub consistency_threshold: f64,
    /// A certificate expiring within this many days is a `cert_expiring` finding.
    pub expiring_days: i64,
    /// CAs trusted besides the Mozilla roots (DER).
    pub extra_cas: Vec<CertificateDer<'static>>,
    pub lexicon: Lexicon,
    /// Which addresses may be connected to: public unicast, and the networks it allows. The
    /// default allows no special network (no loopback, private, link-local, …).
    pub policy: NetPolicy,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            timeout: Duration::from_secs(15),
            max_body: 2 * 1024 * 1024,
            tamper_threshold: 0.80,
            consistency_threshold: 0.90,
            expiring_days: 30,
            extra_cas: Vec::new(),
            lexicon: Lexicon::default(),
            policy: NetPolicy::default(),
        }
    }
}

/// One site to check.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SiteSpec {
    /// The home page, `http://` or `https://`. Give the `http://` URL to have the redirect to
    /// HTTPS checked.
    pub url: String,
    /// Volatile regions left out of the fingerprint: `#id`, `.class` or a tag name.
    #[serde(default)]
    pub ignore: Vec<String>,
}

impl SiteSpec {
    pub fn new(url: impl Into<String>) -> SiteSpec {
        SiteSpec { url: url.into(), ignore: Vec::new() }
    }
}

/// The accepted state of a site's home page, against which tampering is judged. Made from a
/// check's page with [`Baseline::from_page`] and accepted (or renewed) by a person.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub fingerprint: Fingerprint,
    /// Normalised visible lines, for the diff shown with a tamper finding.
    pub lines: Vec<String>,
}

impl Baseline {
    pub fn from_page(page: &content::Page) -> Baseline {
        Baseline { fingerprint: page.fingerprint.clone(), lines: page.normalised.clone() }
    }

    /// The page as the store keeps it (a snapshot a person may accept as the baseline).
    pub fn snapshot_of(page: &content::Page, at: i64) -> store::monitor::Snapshot {
        store::monitor::Snapshot { at, fingerprint: fingerprint::encode(&page.fingerprint), text: page.normalised.join("\n") }
    }

    /// A stored baseline; None when its fingerprint is not one this version can read (it is
    /// then as if there were none, and the page's next snapshot can be accepted).
    pub fn from_stored(b: &store::monitor::Baseline) -> Option<Baseline> {
        let fingerprint = fingerprint::decode(&b.page.fingerprint)?;
        let lines = if b.page.text.is_empty() { Vec::new() } else { b.page.text.split('\n').map(str::to_string).collect() };
        Some(Baseline { fingerprint, lines })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("TLS configuration: {0}")]
    Tls(String),
}

/// Shared state for all checks; cheap to share behind an `Arc` across tasks.
pub struct Prober {
    pub config: Config,
    tls: tls::TlsClient,
    resolver: Arc<dyn Resolver>,
}

impl Prober {
    pub fn new(config: Config, resolver: Arc<dyn Resolver>) -> Result<Prober, ProbeError> {
        let tls = tls::TlsClient::new(&config.extra_cas).map_err(ProbeError::Tls)?;
        Ok(Prober { config, tls, resolver })
    }
    pub fn resolver(&self) -> &dyn Resolver {
        &*self.resolver
    }
    /// The resolver, shared (the webhook sender uses the same one).
    pub fn shared_resolver(&self) -> Arc<dyn Resolver> {
        self.resolver.clone()
    }
}

/// Reads PEM certificates (for `--ca`): every `CERTIFICATE` block, as DER.
pub fn pem_certificates(pem: &str) -> Vec<CertificateDer<'static>> {
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(b) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[b + 27..];
        let Some(e) = body.find("-----END CERTIFICATE-----") else { break };
        let b64: String = body[..e].chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(der) = base64_decode(&b64) {
            out.push(CertificateDer::from(der));
        }
        rest = &body[e + 25..];
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let b = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    for chunk in b.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    Some(out)
}
