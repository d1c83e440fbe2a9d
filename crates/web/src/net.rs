//! The client's address, as the audit log and the sign-in throttle record it. Behind a reverse
//! proxy the socket's peer is the proxy, and the client is in `X-Forwarded-For` — but anyone can
//! send that header, so it is read only when the peer is one of the configured `trusted_proxies`,
//! and then only as far as it was written by them: the right-most address that is not a trusted
//! proxy is the client (everything to its left is the client's own claim).

use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// The client's address of a request, put in its extensions by [`crate::auth::identify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

/// The trusted proxies: addresses and CIDR networks.
#[derive(Debug, Clone, Default)]
pub struct Proxies(Vec<(IpAddr, u8)>);

impl Proxies {
    /// Parses `10.0.0.5`, `10.1.0.0/16`, `::1`, `fd00::/8` (as the configuration checks them:
    /// [`config::parse_cidr`]); an error names the bad entry.
    pub fn parse(list: &[String]) -> Result<Proxies, String> {
        list.iter().map(|item| ::config::parse_cidr(item)).collect::<Result<_, _>>().map(Proxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), bits),
            _ => false,
        })
    }

    /// The client of a request that came from `peer`: the peer itself unless it is a trusted
    /// proxy; else, walking `X-Forwarded-For` from the right, the first address that is not a
    /// trusted proxy (or the left-most, when all are; or the last trusted one before an entry
    /// that is not an address).
    pub fn client(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.contains(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:80`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>().ok().or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip())).map(canonical)
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.5`, as a dual-stack socket reports it) is the
/// IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = ((bits / 8) as usize, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

/// One cookie's value from the request.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(xff: &[&str]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for v in xff {
            m.append("x-forwarded-for", v.parse().unwrap());
        }
        m
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let none = Proxies::default();
        assert_eq!(none.client(&h(&["1.2.3.4"]), ip("10.0.0.5")), ip("10.0.0.5"), "no proxies: the header is ignored");
        let p = Proxies::parse(&["10.0.0.0/24".into(), "fd00::1".into()]).unwrap();
        assert_eq!(p.client(&h(&["1.2.3.4"]), ip("192.0.2.9")), ip("192.0.2.9"), "an untrusted peer's header is ignored");
        assert_eq!(p.client(&h(&["1.2.3.4"]), ip("10.0.0.5")), ip("1.2.3.4"));
        // The client forged a hop in front of its own address: the proxy appended the real one.
        assert_eq!(p.client(&h(&["6.6.6.6, 1.2.3.4"]), ip("10.0.0.5")), ip("1.2.3.4"));
        assert_eq!(p.client(&h(&["6.6.6.6", "1.2.3.4, 10.0.0.7"]), ip("10.0.0.5")), ip("1.2.3.4"), "two proxies, two headers");
        assert_eq!(p.client(&h(&["10.0.0.8, 10.0.0.7"]), ip("10.0.0.5")), ip("10.0.0.8"), "all trusted: the left-most");
        assert_eq!(p.client(&h(&["garbage, 10.0.0.7"]), ip("10.0.0.5")), ip("10.0.0.7"), "not an address: the last trusted hop");
        assert_eq!(p.client(&h(&["[2001:db8::1]:443"]), ip("fd00::1")), ip("2001:db8::1"));
        assert_eq!(p.client(&h(&["1.2.3.4:5678"]), ip("::ffff:10.0.0.5")), ip("1.2.3.4"), "an IPv4-mapped peer");
        assert_eq!(p.client(&h(&[]), ip("10.0.0.5")), ip("10.0.0.5"));
        assert_eq!(p.client(&h(&["1.2.3.4"]), None), None);
        assert!(p.contains("10.0.0.255".parse().unwrap()) && !p.contains("10.0.1.0".parse().unwrap()));
        assert!(Proxies::parse(&["0.0.0.0/0".into()]).unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(Proxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(Proxies::parse(&["example.org".into()]).is_err());
        assert!(Proxies::parse(&["fd00::/129".into()]).is_err());
        assert!(Proxies::parse(&["fd00::/7".into()]).unwrap().contains("fdff::1".parse().unwrap()));
    }
}
