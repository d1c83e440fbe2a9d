//! Name resolution behind a trait, so that tests and `--resolve` pin names to loopback addresses
//! while production asks the system's DNS servers (hickory, reading /etc/resolv.conf).

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which address family a lookup or a fetch is for. The probe never mixes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn matches(self, ip: &IpAddr) -> bool {
        matches!((self, ip), (Family::Ipv4, IpAddr::V4(_)) | (Family::Ipv6, IpAddr::V6(_)))
    }
    pub fn label(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }
}

/// A DNS failure; "no records" is not an error but an empty list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DnsError(pub String);

pub trait Resolver: Send + Sync {
    /// A records (Ipv4) or AAAA records (Ipv6) of `host`.
    fn lookup<'a>(&'a self, host: &'a str, family: Family) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>>;
    /// The authoritative name servers of the zone holding `host` (walking up the labels).
    fn name_servers<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<String>, DnsError>>;
}

/// A fixed map of names to addresses, like curl's `--resolve` or an /etc/hosts file. Names it
/// does not know go to the fallback resolver if there is one, else they do not exist.
#[derive(Default)]
pub struct StaticResolver {
    hosts: HashMap<String, Vec<IpAddr>>,
    ns: HashMap<String, Vec<String>>,
    fallback: Option<Arc<dyn Resolver>>,
}

impl StaticResolver {
    pub fn new() -> StaticResolver {
        StaticResolver::default()
    }
    pub fn with_fallback(fallback: Arc<dyn Resolver>) -> StaticResolver {
        StaticResolver { fallback: Some(fallback), ..Default::default() }
    }
    pub fn insert(&mut self, host: &str, ip: IpAddr) -> &mut Self {
        let v = self.hosts.entry(host.to_ascii_lowercase()).or_default();
        if !v.contains(&ip) {
            v.push(ip);
        }
        self
    }
    /// Name servers for a zone; each name server's own addresses are looked up in this map too.
    pub fn insert_ns(&mut self, zone: &str, servers: &[&str]) -> &mut Self {
        self.ns.insert(zone.to_ascii_lowercase(), servers.iter().map(|s| s.to_ascii_lowercase()).collect());
        self
    }

    /// Parses a curl-style `HOST:PORT:ADDR` pin (ADDR may be `[::1]`). The port is accepted for
    /// curl compatibility; the pin applies to the host name on every port.
    pub fn parse_pin(s: &str) -> Option<(String, u16, IpAddr)> {
        let (host, rest) = s.split_once(':')?;
        let (port, addr) = rest.split_once(':')?;
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        Some((host.to_string(), port.parse().ok()?, addr.parse().ok()?))
    }
}

impl Resolver for StaticResolver {
    fn lookup<'a>(&'a self, host: &'a str, family: Family) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>> {
        Box::pin(async move {
            // `name.` is the same name, written absolute.
            match self.hosts.get(host.strip_suffix('.').unwrap_or(host)) {
                Some(ips) => Ok(ips.iter().filter(|ip| family.matches(ip)).copied().collect()),
                None => match &self.fallback {
                    Some(f) => f.lookup(host, family).await,
                    None => Err(DnsError(format!("{host}: NXDOMAIN"))),
                },
            }
        })
    }
    fn name_servers<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<String>, DnsError>> {
        Box::pin(async move {
            let host = host.strip_suffix('.').unwrap_or(host);
            let mut zone = host;
            loop {
                if let Some(ns) = self.ns.get(zone) {
                    return Ok(ns.clone());
                }
                match zone.split_once('.') {
                    Some((_, up)) => zone = up,
                    None => break,
                }
            }
            match &self.fallback {
                Some(f) if !self.hosts.contains_key(host) => f.name_servers(host).await,
                _ => Ok(Vec::new()),
            }
        })
    }
}

/// The system's resolver (hickory, configured from /etc/resolv.conf), built once and shared.
pub struct SystemResolver {
    inner: hickory_resolver::TokioResolver,
}

impl SystemResolver {
    pub fn new() -> Result<SystemResolver, DnsError> {
        let b = hickory_resolver::Resolver::builder_tokio().map_err(|e| DnsError(e.to_string()))?;
        Ok(SystemResolver { inner: b.build() })
    }
}

fn no_records(e: &hickory_resolver::ResolveError) -> bool {
    e.is_no_records_found()
}

impl Resolver for SystemResolver {
    fn lookup<'a>(&'a self, host: &'a str, family: Family) -> BoxFuture<'a, Result<Vec<IpAddr>, DnsError>> {
        Box::pin(async move {
            let r = match family {
                Family::Ipv4 => self.inner.ipv4_lookup(host).await.map(|l| l.iter().map(|a| IpAddr::V4(a.0)).collect()),
                Family::Ipv6 => self.inner.ipv6_lookup(host).await.map(|l| l.iter().map(|a| IpAddr::V6(a.0)).collect()),
            };
            match r {
                Ok(v) => Ok(v),
                Err(e) if no_records(&e) => Ok(Vec::new()),
                Err(e) => Err(DnsError(e.to_string())),
            }
        })
    }
    fn name_servers<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<String>, DnsError>> {
        Box::pin(async move {
            let mut zone = host.trim_end_matches('.');
            loop {
                match self.inner.ns_lookup(format!("{zone}.")).await {
                    Ok(l) => {
                        let v: Vec<String> = l.iter().map(|n| n.0.to_utf8().trim_end_matches('.').to_string()).collect();
                        if !v.is_empty() {
                            return Ok(v);
                        }
                    }
                    Err(e) if no_records(&e) => {}
                    Err(e) => return Err(DnsError(e.to_string())),
                }
                match zone.split_once('.') {
                    Some((_, up)) if up.contains('.') => zone = up,
                    _ => return Ok(Vec::new()),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pins_and_lookups() {
        assert_eq!(StaticResolver::parse_pin("a.test:443:[::1]"), Some(("a.test".into(), 443, "::1".parse().unwrap())));
        assert_eq!(StaticResolver::parse_pin("a.test:80:127.0.0.1"), Some(("a.test".into(), 80, "127.0.0.1".parse().unwrap())));
        assert_eq!(StaticResolver::parse_pin("a.test:80"), None);
        assert_eq!(StaticResolver::parse_pin("a.test:x:127.0.0.1"), None);
        let mut r = StaticResolver::new();
        r.insert("A.test", "127.0.0.1".parse().unwrap()).insert("a.test", "::1".parse().unwrap()).insert("ns1.test", "::1".parse().unwrap());
        r.insert_ns("test", &["ns1.test"]);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            assert_eq!(r.lookup("a.test", Family::Ipv4).await.unwrap(), vec!["127.0.0.1".parse::<IpAddr>().unwrap()]);
            assert_eq!(r.lookup("a.test", Family::Ipv6).await.unwrap(), vec!["::1".parse::<IpAddr>().unwrap()]);
            assert_eq!(r.lookup("a.test.", Family::Ipv4).await.unwrap(), vec!["127.0.0.1".parse::<IpAddr>().unwrap()], "the absolute name is the same");
            assert!(r.lookup("b.test", Family::Ipv4).await.is_err());
            assert_eq!(r.name_servers("www.a.test").await.unwrap(), vec!["ns1.test".to_string()]);
        });
    }
}
