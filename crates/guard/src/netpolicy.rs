//! 监测目标地址策略 — which addresses the monitor may connect to. Deny by default every address
//! that is not public unicast (loopback, private, link-local with the cloud metadata address,
//! CGNAT, unique-local, reserved, …, and IPv6 forms that carry such an IPv4 address inside), so
//! that a registered site, a redirect or a crawled link cannot make the worker reach the
//! intranet it runs in (SSRF). A province administrator may allow named networks in the
//! configuration file for intranet sites; nothing in the database can.
//!
//! The ranges follow the IANA special-purpose address registries (RFC 6890 and its updates):
//! <https://www.iana.org/assignments/iana-ipv4-special-registry/>,
//! <https://www.iana.org/assignments/iana-ipv6-special-registry/>.
//! Judging an address is a handful of integer comparisons: it runs before every connection.

use ipnet::IpNet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a public unicast address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// 0.0.0.0/8 ("this network"; 0.0.0.0 reaches the local host on Linux), `::`.
    Unspecified,
    /// 127.0.0.0/8, `::1`.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16 (RFC 1918).
    Private,
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    SharedCgnat,
    /// 169.254.0.0/16 (with the cloud metadata address 169.254.169.254), fe80::/10.
    LinkLocal,
    /// fc00::/7 (RFC 4193).
    UniqueLocal,
    /// fec0::/10, deprecated site-local (RFC 3879).
    SiteLocal,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 255.255.255.255.
    Broadcast,
    /// 198.18.0.0/15, 2001:2::/48 (RFC 2544, RFC 5180).
    Benchmarking,
    /// 192.0.0.0/24, IETF protocol assignments (RFC 6890).
    IetfProtocol,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    /// 240.0.0.0/4, 192.88.99.0/24, and IPv6 outside 2000::/3 not listed above (discard-only
    /// 100::/64, local-use NAT64 64:ff9b:1::/48, ORCHID, SRv6 5f00::/16, unassigned space).
    Reserved,
}

impl Class {
    pub fn code(self) -> &'static str {
        match self {
            Class::Unspecified => "unspecified",
            Class::Loopback => "loopback",
            Class::Private => "private",
            Class::SharedCgnat => "shared_cgnat",
            Class::LinkLocal => "link_local",
            Class::UniqueLocal => "unique_local",
            Class::SiteLocal => "site_local",
            Class::Multicast => "multicast",
            Class::Broadcast => "broadcast",
            Class::Benchmarking => "benchmarking",
            Class::IetfProtocol => "ietf_protocol",
            Class::Documentation => "documentation",
            Class::Reserved => "reserved",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Class::Unspecified => "未指定地址",
            Class::Loopback => "回环地址",
            Class::Private => "内网地址",
            Class::SharedCgnat => "运营商级 NAT 地址",
            Class::LinkLocal => "链路本地地址",
            Class::UniqueLocal => "IPv6 唯一本地地址",
            Class::SiteLocal => "IPv6 站点本地地址",
            Class::Multicast => "组播地址",
            Class::Broadcast => "广播地址",
            Class::Benchmarking => "测试基准地址",
            Class::IetfProtocol => "IETF 协议保留地址",
            Class::Documentation => "文档示例地址",
            Class::Reserved => "保留地址",
        }
    }
    /// Unspecified, multicast and broadcast addresses are never a site, whatever the
    /// configuration allows: a connection to them is always a trick (0.0.0.0 is this host).
    pub fn allowable(self) -> bool {
        !matches!(self, Class::Unspecified | Class::Multicast | Class::Broadcast)
    }
}

/// A network the configuration allows, with the name people know it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedNet {
    pub name: String,
    pub net: IpNet,
}

/// What the policy says of one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Public unicast.
    Public,
    /// Special, but inside a network the configuration allows (its name).
    Allowed(&'a str),
    Denied(Class),
}

impl Verdict<'_> {
    pub fn permitted(self) -> bool {
        !matches!(self, Verdict::Denied(_))
    }
}

/// The address policy: deny every special address but those in the allowed networks.
/// `NetPolicy::default()` allows none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetPolicy {
    allow: Vec<AllowedNet>,
}

impl NetPolicy {
    /// Adds an allowed network: `cidr` is `10.20.0.0/16`, `fd00::/8`, or one address.
    pub fn allow(&mut self, name: &str, cidr: &str) -> Result<&mut Self, String> {
        let net = parse_net(cidr)?;
        let name = if name.trim().is_empty() { cidr.trim() } else { name.trim() };
        self.allow.push(AllowedNet { name: name.to_string(), net });
        Ok(self)
    }

    /// [`NetPolicy::allow`] by value, for building one in an expression.
    pub fn allowing(mut self, name: &str, cidr: &str) -> Result<NetPolicy, String> {
        self.allow(name, cidr)?;
        Ok(self)
    }

    pub fn networks(&self) -> &[AllowedNet] {
        &self.allow
    }

    /// The verdict on `ip`.
    pub fn judge(&self, ip: IpAddr) -> Verdict<'_> {
        let ip = canonical(ip);
        match classify(ip) {
            Some(c) if c.allowable() => self.allowed(ip).map_or(Verdict::Denied(c), Verdict::Allowed),
            Some(c) => Verdict::Denied(c),
            None => {
                // A global IPv6 address that carries an IPv4 one (NAT64, 6to4, Teredo, SIIT) is
                // judged by what it carries, unless the IPv6 network itself is allowed.
                if let IpAddr::V6(v6) = ip {
                    for v4 in embedded(v6).into_iter().flatten() {
                        if let Verdict::Denied(c) = self.judge(IpAddr::V4(v4)) {
                            return self.allowed(ip).map_or(Verdict::Denied(c), Verdict::Allowed);
                        }
                    }
                }
                Verdict::Public
            }
        }
    }

    /// Whether the monitor may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.judge(ip).permitted()
    }

    fn allowed(&self, ip: IpAddr) -> Option<&str> {
        self.allow.iter().find(|a| a.net.contains(&ip)).map(|a| a.name.as_str())
    }
}

impl fmt::Display for NetPolicy {
    /// `省教育城域网 10.20.0.0/16, 测试 ::1/128`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.allow.is_empty() {
            return f.write_str("none");
        }
        for (i, a) in self.allow.iter().enumerate() {
            write!(f, "{}{} {}", if i > 0 { ", " } else { "" }, a.name, a.net)?;
        }
        Ok(())
    }
}

/// A network in CIDR notation, or one address (as /32 or /128). Host bits are cleared.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    let net = match s.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => match s.parse::<IpAddr>() {
            Ok(ip) => IpNet::from(ip),
            Err(_) => return Err(format!("网段格式应为 CIDR，如 10.20.0.0/16 或 fd00::/8：{s}（a network is written in CIDR notation）")),
        },
    };
    Ok(net.trunc())
}

/// IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) addresses are the IPv4
/// host itself (a socket connects to it): they are judged, and allowed, as that address.
/// `::` and `::1` are IPv6's own.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let compat = s[..6] == [0; 6] && v6 != Ipv6Addr::UNSPECIFIED && v6 != Ipv6Addr::LOCALHOST;
            let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
            if compat || mapped {
                IpAddr::V4(low32(v6))
            } else {
                ip
            }
        }
        v4 => v4,
    }
}

fn low32(v6: Ipv6Addr) -> Ipv4Addr {
    let o = v6.octets();
    Ipv4Addr::new(o[12], o[13], o[14], o[15])
}

/// The IPv4 addresses a global IPv6 address carries: NAT64's well-known prefix 64:ff9b::/96
/// (RFC 6052), SIIT's `::ffff:0:a.b.c.d` (RFC 2765), 6to4 2002::/16 (RFC 3056), and Teredo
/// 2001::/32 (RFC 4380: the server, and the client obfuscated in the last 32 bits).
fn embedded(v6: Ipv6Addr) -> [Option<Ipv4Addr>; 2] {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || s[..6] == [0, 0, 0, 0, 0xffff, 0] {
        [Some(low32(v6)), None]
    } else if s[0] == 0x2002 {
        [Some(v4(s[1], s[2])), None]
    } else if s[0] == 0x2001 && s[1] == 0 {
        [Some(v4(s[2], s[3])), Some(v4(!s[6], !s[7]))]
    } else {
        [None, None]
    }
}

/// The class of a special address; None for public unicast. IPv4-mapped and -compatible
/// addresses are expected in their IPv4 form ([`canonical`]).
pub fn classify(ip: IpAddr) -> Option<Class> {
    match ip {
        IpAddr::V4(a) => classify_v4(a),
        IpAddr::V6(a) => classify_v6(a),
    }
}

fn classify_v4(a: Ipv4Addr) -> Option<Class> {
    let n = u32::from(a);
    let within = |net: u32, len: u32| n >> (32 - len) == net >> (32 - len);
    Some(match a.octets() {
        [0, ..] => Class::Unspecified,
        [10, ..] => Class::Private,
        [127, ..] => Class::Loopback,
        [169, 254, ..] => Class::LinkLocal,
        [172, b, ..] if (16..32).contains(&b) => Class::Private,
        [192, 168, ..] => Class::Private,
        [192, 0, 0, _] => Class::IetfProtocol,
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => Class::Documentation,
        [192, 88, 99, _] => Class::Reserved,
        [255, 255, 255, 255] => Class::Broadcast,
        _ if within(0x6440_0000, 10) => Class::SharedCgnat,
        _ if within(0xc612_0000, 15) => Class::Benchmarking,
        [224..=239, ..] => Class::Multicast,
        [240..=255, ..] => Class::Reserved,
        _ => return None,
    })
}

fn classify_v6(a: Ipv6Addr) -> Option<Class> {
    let s = a.segments();
    Some(match s[0] {
        _ if a == Ipv6Addr::UNSPECIFIED => Class::Unspecified,
        _ if a == Ipv6Addr::LOCALHOST => Class::Loopback,
        // NAT64 and SIIT: judged by the address they carry (see `embedded`).
        0x64 if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => return None,
        0 if s[..6] == [0, 0, 0, 0, 0xffff, 0] => return None,
        0xff00..=0xffff => Class::Multicast,
        0xfe80..=0xfebf => Class::LinkLocal,
        0xfec0..=0xfeff => Class::SiteLocal,
        0xfc00..=0xfdff => Class::UniqueLocal,
        0x2001 if s[1] == 0xdb8 => Class::Documentation,
        0x2001 if s[1] == 2 && s[2] == 0 => Class::Benchmarking,
        0x2001 if (0x10..0x30).contains(&s[1]) => Class::Reserved, // ORCHID (v1, v2)
        0x3fff if s[1] < 0x1000 => Class::Documentation,
        0x2000..=0x3fff => return None,
        // Outside global unicast 2000::/3: discard-only, local-use NAT64, SRv6, unassigned.
        _ => Class::Reserved,
    })
}

/// `localhost` and names under `.localhost` are the local host (RFC 6761 §6.3), whatever a
/// resolver answers.
pub fn is_localhost_name(host: &str) -> bool {
    let h = host.trim_end_matches('.');
    h.eq_ignore_ascii_case("localhost") || h.len() > 10 && h.as_bytes()[h.len() - 10..].eq_ignore_ascii_case(b".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    fn class(s: &str) -> Option<Class> {
        match NetPolicy::default().judge(ip(s)) {
            Verdict::Denied(c) => Some(c),
            _ => None,
        }
    }

    #[test]
    fn every_special_range_is_denied_by_default() {
        use Class::*;
        let cases = [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.1.2.3", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("169.254.169.254", LinkLocal),
            ("192.0.0.8", IetfProtocol),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("192.88.99.1", Reserved),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Broadcast),
            ("::", Unspecified),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", SiteLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001:2::1", Benchmarking),
            ("2001:10::1", Reserved),
            ("100::1", Reserved),
            ("64:ff9b:1::1", Reserved),
            ("5f00::1", Reserved),
            ("4000::1", Reserved),
            // IPv6 forms of IPv4 addresses, judged by the IPv4 address.
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::127.0.0.1", Loopback),
            ("::10.0.0.1", Private),
            ("::0.0.0.2", Unspecified),
            ("64:ff9b::127.0.0.1", Loopback),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("::ffff:0:10.1.1.1", Private),
            ("2002:7f00:1::1", Loopback),
            ("2002:c0a8:0101::", Private),
            // Teredo: server 65.54.227.120 (public), client 127.0.0.1 obfuscated (80ff:fffe).
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", Loopback),
            ("2001:0:a00:1::", Private),
        ];
        for (s, want) in cases {
            assert_eq!(class(s), Some(want), "{s}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "202.115.32.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2001:da8::1",
            "240e::1",
            "2400:3200::1",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
        ] {
            assert_eq!(NetPolicy::default().judge(ip(s)), Verdict::Public, "{s}");
        }
    }

    #[test]
    fn allowed_networks_by_name_but_never_unspecified_or_multicast() {
        let p = NetPolicy::default().allowing("省教育城域网", "10.20.0.0/16").unwrap().allowing("", "::1").unwrap().allowing("全部", "0.0.0.0/0").unwrap();
        assert_eq!(p.judge(ip("10.20.3.4")), Verdict::Allowed("省教育城域网"));
        assert_eq!(p.judge(ip("::ffff:10.20.3.4")), Verdict::Allowed("省教育城域网"), "the mapped form is the same host");
        assert_eq!(p.judge(ip("::1")), Verdict::Allowed("::1"), "an unnamed network is named by itself");
        assert_eq!(p.judge(ip("10.21.0.1")), Verdict::Allowed("全部"));
        assert_eq!(p.judge(ip("0.0.0.0")), Verdict::Denied(Class::Unspecified));
        assert_eq!(p.judge(ip("224.0.0.1")), Verdict::Denied(Class::Multicast));
        assert_eq!(p.judge(ip("255.255.255.255")), Verdict::Denied(Class::Broadcast));
        assert_eq!(p.judge(ip("fe80::1")), Verdict::Denied(Class::LinkLocal));
        let only = NetPolicy::default().allowing("本机", "127.0.0.1/32").unwrap();
        assert!(only.permits(ip("127.0.0.1")) && !only.permits(ip("127.0.0.2")) && !only.permits(ip("::1")));
        assert!(only.permits(ip("::ffff:127.0.0.1")) && only.permits(ip("2002:7f00:1::")));
        assert_eq!(only.to_string(), "本机 127.0.0.1/32");
        assert_eq!(NetPolicy::default().to_string(), "none");
    }

    #[test]
    fn networks_parse_with_host_bits_cleared() {
        assert_eq!(parse_net(" 10.20.1.2/16 ").unwrap().to_string(), "10.20.0.0/16");
        assert_eq!(parse_net("fd00::1/8").unwrap().to_string(), "fd00::/8");
        assert_eq!(parse_net("192.168.1.5").unwrap().to_string(), "192.168.1.5/32");
        for bad in ["10.20.0.0/33", "ten", "", "10.20/16", "0x7f.1/8"] {
            assert!(parse_net(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn localhost_names() {
        assert!(is_localhost_name("localhost") && is_localhost_name("LOCALHOST.") && is_localhost_name("a.b.localhost"));
        assert!(!is_localhost_name("localhost.edu.cn") && !is_localhost_name("mylocalhost") && !is_localhost_name("xlocalhost"));
    }

    /// Property: over random addresses, the verdict agrees with a slow reference built from
    /// the networks themselves, and an IPv4 address and its mapped form always agree.
    #[test]
    fn agrees_with_a_reference_over_random_addresses() {
        let denied4: Vec<IpNet> = [
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
            "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let reference4 = |a: Ipv4Addr| denied4.iter().any(|n| n.contains(&IpAddr::V4(a)));
        let p = NetPolicy::default();
        // xorshift64*: deterministic, no dependency.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        for i in 0..200_000u32 {
            // Half uniformly random, half near the edges of the special networks.
            let r = next();
            let a = if i % 2 == 0 {
                Ipv4Addr::from(r as u32)
            } else {
                let n = denied4[(r % denied4.len() as u64) as usize];
                let base = match n.network() {
                    IpAddr::V4(b) => u32::from(b),
                    _ => unreachable!(),
                };
                let size = 1u64 << (32 - n.prefix_len());
                let off = (r >> 32) % 8;
                Ipv4Addr::from((base as u64 + if r & 1 == 0 { off } else { size.wrapping_sub(4) + off }) as u32)
            };
            let v = p.permits(IpAddr::V4(a));
            assert_eq!(v, !reference4(a), "{a}");
            assert_eq!(p.permits(IpAddr::V6(a.to_ipv6_mapped())), v, "{a} mapped");
            assert_eq!(p.permits(IpAddr::V6(Ipv6Addr::from((0x2002u128 << 112) | ((a.to_bits() as u128) << 80)))), v, "{a} in 6to4");
            assert_eq!(p.permits(ip(&format!("64:ff9b::{a}"))), v, "{a} in NAT64");
            // Random IPv6: only 2000::/3 less its special parts is public.
            let b = Ipv6Addr::from(((next() as u128) << 64) | next() as u128);
            let s = b.segments();
            if !(0x2000..=0x3fff).contains(&s[0]) {
                assert!(!p.permits(IpAddr::V6(b)), "{b}");
            }
        }
    }
}
