//! 监测目标登记检查 — what every path that registers or edits a monitored site runs before the
//! site is stored (the console's form and import, the API, `tianfu sites import`): the URL is
//! parsed as a browser would ([`crate::url`]) and its host judged by the address policy
//! ([`crate::netpolicy`]): an IP address as written, a name by the addresses it resolves to now.
//!
//! This check answers early and clearly; it is not what keeps the worker out of the intranet (a
//! name can change its addresses after registration). The probe judges every address again
//! after its own lookup, before every connection and on every redirect (see [`crate::http`]).

use crate::netpolicy::{self, NetPolicy};
use crate::resolve::{Family, Resolver};
use crate::url::{Url, UrlError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

/// The refusal people read (the wording), Chinese and English.
pub const FORBIDDEN_ZH: &str = "该地址属于内网/保留地址，不能作为监测目标；如确需监测内网网站，请由省级管理员在配置中放行该网段";
pub const FORBIDDEN_EN: &str = "the address is internal or reserved and cannot be monitored; to monitor an intranet site, a province administrator must allow its network in the configuration";

/// Why a URL cannot be registered. The messages never say what a name resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("invalid URL: {0}")]
    Invalid(UrlError),
    #[error("{}", FORBIDDEN_EN)]
    Forbidden,
}

impl Refusal {
    pub fn zh(&self) -> String {
        match self {
            Refusal::Invalid(e) => format!("网址无效：{}", e.zh()),
            Refusal::Forbidden => FORBIDDEN_ZH.to_string(),
        }
    }
    pub fn en(&self) -> String {
        self.to_string()
    }
    /// `中文（English）`, as the register's rejected rows give their reasons.
    pub fn reason(&self) -> String {
        format!("{}（{}）", self.zh(), self.en())
    }
}

/// The registration check: the policy and a resolver (the system's, with pins in front).
#[derive(Clone)]
pub struct TargetCheck {
    policy: Arc<NetPolicy>,
    resolver: Arc<dyn Resolver>,
    /// Bound on one name's lookups.
    timeout: Duration,
    /// Bound on a whole import's lookups ([`TargetCheck::check_many`]).
    budget: Duration,
}

/// Lookups in flight at once during an import.
const LOOKUPS_IN_FLIGHT: usize = 32;

impl TargetCheck {
    pub fn new(policy: NetPolicy, resolver: Arc<dyn Resolver>) -> TargetCheck {
        TargetCheck { policy: Arc::new(policy), resolver, timeout: Duration::from_secs(5), budget: Duration::from_secs(60) }
    }

    /// Changes the bound on one name's lookups and on a whole import's.
    pub fn with_timeouts(mut self, one: Duration, all: Duration) -> TargetCheck {
        self.timeout = one;
        self.budget = all;
        self
    }

    pub fn policy(&self) -> &NetPolicy {
        &self.policy
    }

    /// The resolver names are looked up with (webhook tests from the console send through it).
    pub fn resolver(&self) -> Arc<dyn Resolver> {
        self.resolver.clone()
    }

    /// Refuses a URL that does not parse, whose host is a denied address, or whose name
    /// resolves only to denied addresses. A name that does not resolve (yet), or whose lookup
    /// fails, is accepted: the worker judges it at every connection.
    pub async fn check(&self, url: &str) -> Result<(), Refusal> {
        let u = Url::parse_checked(url).map_err(Refusal::Invalid)?;
        let addrs: Vec<IpAddr> = if let Some(ip) = u.ip_literal() {
            vec![ip]
        } else if netpolicy::is_localhost_name(&u.host) {
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]
        } else {
            let (a, aaaa) = tokio::join!(self.lookup(&u.host, Family::Ipv4), self.lookup(&u.host, Family::Ipv6));
            a.into_iter().chain(aaaa).collect()
        };
        if !addrs.is_empty() && addrs.iter().all(|ip| !self.policy.permits(*ip)) {
            return Err(Refusal::Forbidden);
        }
        Ok(())
    }

    /// A family's addresses of `host`; none when the lookup fails or takes too long.
    async fn lookup(&self, host: &str, family: Family) -> Vec<IpAddr> {
        tokio::time::timeout(self.timeout, self.resolver.lookup(host, family)).await.ok().and_then(Result::ok).unwrap_or_default()
    }

    /// [`TargetCheck::check`] for each URL, in order, with a bounded number of lookups in
    /// flight. Names still unresolved when the import's budget runs out are accepted (the
    /// worker judges them), so that a slow DNS cannot hold an import for long.
    pub async fn check_many(&self, urls: &[&str]) -> Vec<Result<(), Refusal>> {
        let deadline = tokio::time::Instant::now() + self.budget;
        let permits = Arc::new(tokio::sync::Semaphore::new(LOOKUPS_IN_FLIGHT));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, u) in urls.iter().enumerate() {
            let (this, url, permits) = (self.clone(), u.to_string(), permits.clone());
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (i, tokio::time::timeout_at(deadline, this.check(&url)).await.unwrap_or(Ok(())))
            });
        }
        let mut out = vec![Ok(()); urls.len()];
        while let Some(done) = tasks.join_next().await {
            // A task cannot fail but by a panic; its URL is then left to the worker's judgement.
            if let Ok((i, v)) = done {
                out[i] = v;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StaticResolver;

    fn checker(policy: NetPolicy) -> TargetCheck {
        let mut r = StaticResolver::new();
        r.insert("inner.test", "127.0.0.1".parse().unwrap())
            .insert("meta.test", "169.254.169.254".parse().unwrap())
            .insert("mixed.test", "10.0.0.1".parse().unwrap())
            .insert("mixed.test", "202.115.32.1".parse().unwrap())
            .insert("v6inner.test", "fd00::1".parse().unwrap())
            .insert("public.test", "202.115.32.1".parse().unwrap());
        TargetCheck::new(policy, Arc::new(r))
    }

    #[tokio::test]
    async fn literal_and_resolved_addresses() {
        let c = checker(NetPolicy::default());
        let refused = [
            "http://127.0.0.1:8080/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://127.0.0.1./",
            "http://%31%32%37.0.0.1/",
            "http://１２７.０.０.１/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::1]/",
            "http://[fd00::1]:8443/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "https://0.0.0.0/",
            "http://localhost:5432/",
            "http://db.localhost/",
            "http://inner.test/",
            "http://INNER.test./",
            "http://meta.test/",
            "http://v6inner.test/",
            "http://www.scu.edu.cn@127.0.0.1/",
        ];
        for u in refused {
            let e = c.check(u).await.expect_err(u);
            assert!(matches!(e, Refusal::Forbidden | Refusal::Invalid(UrlError::Credentials)), "{u}: {e:?}");
        }
        assert_eq!(c.check("http://www.scu.edu.cn@127.0.0.1/").await, Err(Refusal::Invalid(UrlError::Credentials)));
        for u in ["http://public.test/", "http://mixed.test/", "http://unknown.test/", "https://202.115.32.1/", "http://[2001:da8::1]/"] {
            assert_eq!(c.check(u).await, Ok(()), "{u}");
        }
        assert_eq!(c.check("http://[fe80::1%25eth0]/").await, Err(Refusal::Invalid(UrlError::Host)));
        assert_eq!(c.check("ftp://x/").await, Err(Refusal::Invalid(UrlError::Scheme)));
        let e = c.check("http://inner.test/").await.unwrap_err();
        assert!(e.zh().starts_with("该地址属于内网/保留地址") && !e.reason().contains("127.0.0.1"), "{}", e.reason());
    }

    #[tokio::test]
    async fn allowed_networks_and_many_at_once() {
        let c = checker(NetPolicy::default().allowing("本机测试", "127.0.0.0/8").unwrap());
        assert_eq!(c.check("http://inner.test/").await, Ok(()));
        assert_eq!(c.check("http://0x7f.1/").await, Ok(()));
        assert_eq!(c.check("http://localhost/").await, Ok(()));
        assert_eq!(c.check("http://[::1]/").await, Err(Refusal::Forbidden));
        let urls = ["http://inner.test/", "http://meta.test/", "bad", "http://public.test/"];
        let got = c.check_many(&urls).await;
        assert_eq!(got, [Ok(()), Err(Refusal::Forbidden), Err(Refusal::Invalid(UrlError::Scheme)), Ok(())]);
    }
}
