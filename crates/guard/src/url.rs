//! A small URL type: just what the probe needs (http/https, host, port, path with query), and the
//! resolution of links and `Location` headers against a base.
//!
//! Parsing is the WHATWG URL Standard's, done by the `url` crate, exactly as browsers do it:
//! hosts written as `2130706433`, `0x7f.1`, `0177.0.0.1` or `127.1` are the IPv4 address they
//! denote, percent-encoding and full-width characters in hosts are decoded (IDNA), `a@host`
//! keeps `host`, a trailing dot of an address is dropped, IPv6 zone ids are refused. The host we
//! judge ([`crate::netpolicy`]) is therefore the host a browser, and our own connection, would
//! reach: there is no second parser to disagree with.

use serde::{Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Url {
    pub https: bool,
    /// Lower-case ASCII host name (IDNA: punycode), or an IP address in its canonical text
    /// form, without brackets.
    pub host: String,
    pub port: u16,
    /// Path and query, always starting with `/`, percent-encoded; no fragment.
    pub path: String,
}

/// Why a string is not a URL the monitor can check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("the URL must begin with http:// or https://")]
    Scheme,
    #[error("the host is not a valid name or IP address (IPv6 zone ids are not accepted)")]
    Host,
    #[error("the URL must not carry a user name or password")]
    Credentials,
    #[error("the URL cannot be parsed")]
    Malformed,
}

impl UrlError {
    pub fn zh(self) -> &'static str {
        match self {
            UrlError::Scheme => "网址应以 http:// 或 https:// 开头",
            UrlError::Host => "网址中的主机名或 IP 地址无效（不接受带区域标识的 IPv6 地址）",
            UrlError::Credentials => "网址不能包含用户名或密码",
            UrlError::Malformed => "网址格式无效",
        }
    }
}

impl Url {
    pub fn parse(s: &str) -> Option<Url> {
        Url::parse_checked(s).ok()
    }

    /// Parses an absolute `http://` or `https://` URL as a browser would, or says why not.
    pub fn parse_checked(s: &str) -> Result<Url, UrlError> {
        let s = s.trim();
        // Only these two schemes, spelled out (WHATWG would also take `http:host`).
        if strip_prefix_ci(s, "https://").is_none() && strip_prefix_ci(s, "http://").is_none() {
            return Err(UrlError::Scheme);
        }
        let u = ::url::Url::parse(s).map_err(|e| match e {
            ::url::ParseError::EmptyHost | ::url::ParseError::IdnaError | ::url::ParseError::InvalidIpv4Address | ::url::ParseError::InvalidIpv6Address | ::url::ParseError::InvalidDomainCharacter => UrlError::Host,
            _ => UrlError::Malformed,
        })?;
        Url::from_whatwg(&u)
    }

    fn from_whatwg(u: &::url::Url) -> Result<Url, UrlError> {
        let https = match u.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(UrlError::Scheme),
        };
        if !u.username().is_empty() || u.password().is_some() {
            return Err(UrlError::Credentials);
        }
        let host = match u.host().ok_or(UrlError::Host)? {
            ::url::Host::Domain(d) if !d.is_empty() => d.to_string(),
            ::url::Host::Domain(_) => return Err(UrlError::Host),
            ::url::Host::Ipv4(a) => a.to_string(),
            ::url::Host::Ipv6(a) => a.to_string(),
        };
        let port = u.port_or_known_default().ok_or(UrlError::Malformed)?;
        let mut path = String::with_capacity(u.path().len() + u.query().map_or(0, |q| q.len() + 1));
        path.push_str(u.path());
        if let Some(q) = u.query() {
            path.push('?');
            path.push_str(q);
        }
        Ok(Url { https, host, port, path })
    }

    /// This URL as a base to resolve many links against (see [`Base`]).
    pub fn base(&self) -> Base {
        Base { ours: self.clone(), whatwg: ::url::Url::parse(&self.to_string()).ok() }
    }

    /// Resolves `href` against this URL as a browser would. None for non-HTTP schemes
    /// (`mailto:`, `javascript:`, `tel:`, `data:`), fragment-only links and what does not parse.
    pub fn join(&self, href: &str) -> Option<Url> {
        self.base().join(href)
    }

    pub fn default_port(&self) -> bool {
        self.port == if self.https { 443 } else { 80 }
    }

    /// The `Host` header value.
    pub fn authority(&self) -> String {
        let h = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.default_port() { h } else { format!("{h}:{}", self.port) }
    }

    pub fn ip_literal(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// The registrable part used to tell "same site" from "other domain": the host without a
    /// leading `www.`. Deliberately simple (no public-suffix list): `a.school.edu.cn` and
    /// `school.edu.cn` are the same site when one is a suffix of the other on a label boundary.
    pub fn same_site(&self, other: &Url) -> bool {
        same_site_host(&self.host, &other.host)
    }
}

pub fn same_site_host(a: &str, b: &str) -> bool {
    let a = a.strip_prefix("www.").unwrap_or(a);
    let b = b.strip_prefix("www.").unwrap_or(b);
    // `a` ends with `.b` or `b` with `.a`, without building either string.
    let under = |x: &str, y: &str| x.len() > y.len() && x.ends_with(y) && x.as_bytes()[x.len() - y.len() - 1] == b'.';
    a == b || under(a, b) || under(b, a)
}

/// A parsed base URL that many links are resolved against (one page's links), WHATWG-style.
pub struct Base {
    ours: Url,
    whatwg: Option<::url::Url>,
}

impl Base {
    pub fn join(&self, href: &str) -> Option<Url> {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            return None;
        }
        let href = href.split('#').next().unwrap_or("");
        // Most links of a page are plain relative paths: they keep the base's host, and for
        // these characters the WHATWG result is the dot-segment removal below; resolving them
        // by hand saves the `url` crate's work on every link of every page.
        if plain_relative(href) {
            return Some(self.ours.resolve_plain(href));
        }
        let joined = self.whatwg.as_ref()?.join(href).ok()?;
        Url::from_whatwg(&joined).ok()
    }
}

/// A relative reference with no scheme, authority, percent sign or character that WHATWG
/// would encode or treat specially (`\`, `%2e`, spaces, non-ASCII, …).
fn plain_relative(href: &str) -> bool {
    !href.starts_with("//") && href.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._~-?=&+,;!*".contains(&b))
}

impl Url {
    /// `href` (a [`plain_relative`] reference) against this URL, as RFC 3986 §5.2 resolves it.
    fn resolve_plain(&self, href: &str) -> Url {
        let path = if href.starts_with('/') {
            href.to_string()
        } else if href.starts_with('?') {
            let base = self.path.split('?').next().unwrap_or("/");
            format!("{base}{href}")
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{href}")
        };
        Url { https: self.https, host: self.host.clone(), port: self.port, path: normalise_path(&path) }
    }
}

/// Removes `.` and `..` segments (RFC 3986 §5.2.4) from the path, keeping the query.
fn normalise_path(p: &str) -> String {
    let (path, query) = match p.find('?') {
        Some(i) => (&p[..i], &p[i..]),
        None => (p, ""),
    };
    if !path.contains("/.") {
        return format!("{path}{query}");
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let trailing = path.ends_with("/.") || path.ends_with("/..");
    let mut s = String::with_capacity(path.len());
    for seg in &out {
        s.push('/');
        s.push_str(seg);
    }
    if s.is_empty() || trailing {
        s.push('/');
    }
    s + query
}

fn strip_prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    if s.len() >= p.len() && s.is_char_boundary(p.len()) && s[..p.len()].eq_ignore_ascii_case(p) {
        Some(&s[p.len()..])
    } else {
        None
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As `scheme://` + [`Url::authority`] + path, without building the authority first.
        f.write_str(if self.https { "https://" } else { "http://" })?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if !self.default_port() {
            write!(f, ":{}", self.port)?;
        }
        f.write_str(&self.path)
    }
}

impl Serialize for Url {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn same_site_on_label_boundaries() {
        assert!(same_site_host("www.school.edu.cn", "school.edu.cn"));
        assert!(same_site_host("news.school.edu.cn", "www.school.edu.cn"));
        assert!(!same_site_host("badschool.edu.cn", "school.edu.cn"));
        assert!(!same_site_host("school.edu.cn", "other.edu.cn"));
        assert_eq!(Url::parse("https://[::1]:8443/a?b").unwrap().to_string(), "https://[::1]:8443/a?b");
        assert_eq!(Url::parse("HTTP://Example.edu.cn:80").unwrap().to_string(), "http://example.edu.cn/");
    }

    #[test]
    fn hosts_as_browsers_read_them() {
        let host = |s: &str| Url::parse_checked(s).map(|u| u.host);
        for s in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7F000001/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://127.0.1/",
            "http://127.0.0.1./",
            "http://%31%32%37.0.0.1/",
            "http://１２７.０.０.１/",
            "http://127。0。0。1/",
            " http://127.0.0.1 ",
        ] {
            assert_eq!(host(s).as_deref(), Ok("127.0.0.1"), "{s}");
        }
        assert_eq!(host("http://[::ffff:127.0.0.1]/").as_deref(), Ok("::ffff:127.0.0.1"));
        assert_eq!(host("http://[0:0:0:0:0:0:0:1]:8080/").as_deref(), Ok("::1"));
        assert_eq!(host("HTTPS://WWW.SCU.EDU.CN./").as_deref(), Ok("www.scu.edu.cn."));
        let idn = host("http://四川大学.中国/").unwrap();
        assert!(idn.starts_with("xn--") && idn.ends_with(".xn--fiqs8s"), "{idn}");
        assert_eq!(host("http://[fe80::1%25eth0]/"), Err(UrlError::Host), "zone ids are refused, as browsers do");
        assert_eq!(host("http://[fe80::1%eth0]/"), Err(UrlError::Host));
        assert_eq!(host("http://0x7f.1.2.3.4/"), Err(UrlError::Host), "a name ending in a number must be an address");
        assert_eq!(host("http://999.0.0.1/"), Err(UrlError::Host));
        assert_eq!(host("http://a b.test/"), Err(UrlError::Host));
        assert_eq!(host("http://www.scu.edu.cn@127.0.0.1/"), Err(UrlError::Credentials));
        assert_eq!(host("http://u:p@www.scu.edu.cn/"), Err(UrlError::Credentials));
        assert_eq!(host("ftp://127.0.0.1/"), Err(UrlError::Scheme));
        assert_eq!(host("http:127.0.0.1"), Err(UrlError::Scheme));
        assert_eq!(host("http://127.0.0.1:99999/"), Err(UrlError::Malformed));
        // Redirects and links are resolved the same way (a backslash is a slash in http URLs).
        let base = Url::parse("http://www.school.edu.cn/a/").unwrap();
        for href in ["http://0x7f.1/", "//2130706433/x", "http:\\\\127.0.0.1\\x", "\\\\127.0.0.1/", "HTTP://%31%32%37.1"] {
            assert_eq!(base.join(href).map(|u| u.host).as_deref(), Some("127.0.0.1"), "{href}");
        }
        assert!(base.join("http://u@127.0.0.1/").is_none(), "credentials are refused in links too");
        assert_eq!(base.join("x y?q=a b").unwrap().path, "/a/x%20y?q=a%20b");
    }

    /// The hand-resolved plain links agree with the `url` crate's resolution.
    #[test]
    fn plain_links_resolve_as_whatwg_does() {
        let hrefs = ["a", "a/b.html", "../x", "../../../../y", "./", ".", "..", "/", "/p/./q/../r", "?q=1", "?", "a?b=c&d=e", "/x/..", "/x/.", "a/./b/../c/", "..a/.b/c..", "~u/x-y_z", "a,b;c!d*e+f", "", "/"];
        for base in ["http://h.edu.cn/", "https://h.edu.cn:8443/a/b/c.html?x=1", "http://h.edu.cn/a/b/", "http://[::1]:8080/d/e?f"] {
            let b = Url::parse(base).unwrap().base();
            for href in hrefs.iter().filter(|h| !h.is_empty() && plain_relative(h)) {
                let whatwg = b.whatwg.as_ref().unwrap().join(href).ok().and_then(|u| Url::from_whatwg(&u).ok());
                assert_eq!(Some(b.ours.resolve_plain(href)), whatwg, "{base} + {href}");
            }
        }
        assert!(!plain_relative("\\\\evil/") && !plain_relative("//evil/") && !plain_relative("%2e%2e/") && !plain_relative("a b") && !plain_relative("http:x"));
    }

    #[test]
    fn parse_and_join() {
        let u = Url::parse("HTTPS://WWW.Example.edu.cn:8443/a/b/c.html?x=1#frag").unwrap();
        assert_eq!((u.https, u.host.as_str(), u.port, u.path.as_str()), (true, "www.example.edu.cn", 8443, "/a/b/c.html?x=1"));
        assert_eq!(u.join("../d.html").unwrap().path, "/a/d.html");
        assert_eq!(u.join("e").unwrap().path, "/a/b/e");
        assert_eq!(u.join("/f?y").unwrap().path, "/f?y");
        assert_eq!(u.join("//other.com/g").unwrap().to_string(), "https://other.com/g");
        assert!(u.join("javascript:void(0)").is_none());
        assert!(u.join("#top").is_none());
        let v6 = Url::parse("http://[::1]:8080").unwrap();
        assert_eq!((v6.host.as_str(), v6.port, v6.path.as_str()), ("::1", 8080, "/"));
        assert_eq!(v6.authority(), "[::1]:8080");
        assert!(same_site_host("www.school.edu.cn", "news.school.edu.cn"));
        assert!(!same_site_host("school.edu.cn", "casino.example"));
        assert!(same_site_host("www.school.edu.cn", "school.edu.cn"));
    }
}
