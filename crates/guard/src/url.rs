//! A small URL type: just what the probe needs (http/https, host, port, path with query), and the
//! resolution of links and `Location` headers against a base. The `url` crate would do more than
//! we need; this one allocates one string per URL.

use serde::{Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Url {
    pub https: bool,
    /// Lower-case host name, or an IP literal without brackets.
    pub host: String,
    pub port: u16,
    /// Path and query, always starting with `/`; no fragment.
    pub path: String,
}

impl Url {
    pub fn parse(s: &str) -> Option<Url> {
        let s = s.trim();
        let (https, rest) = if let Some(r) = strip_prefix_ci(s, "https://") {
            (true, r)
        } else if let Some(r) = strip_prefix_ci(s, "http://") {
            (false, r)
        } else {
            return None;
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = if let Some(h) = authority.strip_prefix('[') {
            let close = h.find(']')?;
            let port = h[close + 1..].strip_prefix(':');
            (&h[..close], port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return None;
        }
        let port = match port {
            Some("") | None => if https { 443 } else { 80 },
            Some(p) => p.parse().ok()?,
        };
        let tail = tail.split('#').next().unwrap_or("");
        let path = if tail.starts_with('/') { normalise_path(tail) } else { format!("/{tail}") };
        Some(Url { https, host: host.to_ascii_lowercase(), port, path })
    }

    /// Resolves `href` against this URL as a browser would for the cases that matter to the probe.
    /// None for non-HTTP schemes (`mailto:`, `javascript:`, `tel:`, `data:`) and fragment-only links.
    pub fn join(&self, href: &str) -> Option<Url> {
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') {
            return None;
        }
        if let Some(rest) = href.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", if self.https { "https" } else { "http" }));
        }
        if let Some(colon) = href.find(':') {
            let scheme = &href[..colon];
            if scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) && !scheme.is_empty() {
                return Url::parse(href);
            }
        }
        let href = href.split('#').next().unwrap_or("");
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
        Some(Url { https: self.https, host: self.host.clone(), port: self.port, path: normalise_path(&path) })
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

fn strip_prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    if s.len() >= p.len() && s.is_char_boundary(p.len()) && s[..p.len()].eq_ignore_ascii_case(p) {
        Some(&s[p.len()..])
    } else {
        None
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
