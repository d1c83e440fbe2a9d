//! One fetch of one URL over one address family: connect to that family's address explicitly
//! (never "happy eyeballs"), TLS with the site's name as SNI, HTTP/1.1 with the site's Host,
//! redirects followed by hand (re-resolving in the same family), body read up to a cap, timings.
//!
//! Every address is judged by the prober's [`crate::NetPolicy`] before it is connected to: the
//! first hop's and each redirect's, after the lookup (a name can resolve anywhere). Denied
//! addresses are skipped; when none is left the fetch ends as [`FetchError::Forbidden`].

use crate::resolve::Family;
use crate::tls::{self, LegacyHello};
use crate::url::Url;
use crate::Prober;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Redirects followed before giving up as a loop (browsers stop at about 20).
const MAX_REDIRECTS: usize = 10;
const USER_AGENT: &str = "Tianfu-Guard/0.1 (education website monitor; 教育网站安全监测)";

/// Phase timings in milliseconds. `dns_ms` adds up every lookup the fetch made; connect and TLS
/// are those of the last hop; first byte and total run from the start of the fetch.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub dns_ms: u64,
    pub connect_ms: u64,
    pub tls_ms: u64,
    pub first_byte_ms: u64,
    pub total_ms: u64,
}

/// One response in the redirect chain.
#[derive(Clone, Debug, Serialize)]
pub struct Hop {
    pub url: Url,
    pub status: u16,
    pub location: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("DNS: {0}")]
    Dns(String),
    #[error("no address in this family")]
    NoAddress,
    #[error("connect: {0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the server speaks only {0}")]
    TlsOutdated(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("timed out")]
    Timeout,
    #[error("redirect loop")]
    RedirectLoop,
    /// Every address of the (first or redirected) host is one the policy denies.
    #[error("the address is internal or reserved: not a monitoring target")]
    Forbidden,
}

impl FetchError {
    pub fn zh(&self) -> String {
        match self {
            FetchError::Dns(e) => format!("域名解析失败：{e}"),
            FetchError::NoAddress => "该协议族没有地址".into(),
            FetchError::Connect(e) => format!("连接失败：{e}"),
            FetchError::Tls(e) => format!("TLS 握手失败：{e}"),
            FetchError::TlsOutdated(v) => format!("服务器仅支持过时的 {v}"),
            FetchError::Http(e) => format!("HTTP 错误：{e}"),
            FetchError::Timeout => "超时".into(),
            FetchError::RedirectLoop => "重定向循环".into(),
            FetchError::Forbidden => "该地址属于内网/保留地址，不能作为监测目标".into(),
        }
    }
}

/// The certificate chain and parameters of an HTTPS hop, turned into a report only when needed.
#[derive(Clone, Debug)]
pub struct TlsSeen {
    pub host: String,
    pub chain: Vec<CertificateDer<'static>>,
    pub version: u16,
    pub cipher: Option<String>,
    pub forward_secret: bool,
}

/// What one fetch over one family gave.
#[derive(Clone, Debug, Default)]
pub struct Fetch {
    pub final_url: Option<Url>,
    pub address: Option<SocketAddr>,
    pub status: Option<u16>,
    pub hops: Vec<Hop>,
    /// Headers of the final response, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub truncated: bool,
    pub timings: Timings,
    /// The last HTTPS hop's TLS, or the legacy handshake of a TLS 1.0/1.1-only server.
    pub tls: Option<TlsSeen>,
    pub error: Option<FetchError>,
}

impl Fetch {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    /// Reached: an HTTP response other than a redirect, whatever its status.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.status.is_some()
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    truncated: bool,
}

impl Prober {
    /// Fetches `url` over `family`, starting from `addrs` (the first hop's addresses, already
    /// looked up by the caller) and re-resolving in the same family for other hosts.
    pub async fn fetch(&self, url: &Url, family: Family, addrs: &[IpAddr]) -> Fetch {
        let start = Instant::now();
        let mut f = Fetch::default();
        let r = tokio::time::timeout(self.config.timeout, self.fetch_inner(url, family, addrs, start, &mut f)).await;
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => f.error = Some(e),
            Err(_) => f.error = Some(FetchError::Timeout),
        }
        f.timings.total_ms = start.elapsed().as_millis() as u64;
        f
    }

    async fn fetch_inner(&self, url: &Url, family: Family, addrs: &[IpAddr], start: Instant, f: &mut Fetch) -> Result<(), FetchError> {
        let mut url = url.clone();
        let mut ips: Vec<IpAddr> = addrs.iter().filter(|ip| family.matches(ip)).copied().collect();
        loop {
            if let Some(ip) = url.ip_literal() {
                ips = if family.matches(&ip) { vec![ip] } else { Vec::new() };
            }
            if ips.is_empty() {
                return Err(FetchError::NoAddress);
            }
            // Denied addresses are never connected to; a name with public and private
            // addresses is reached on the public ones only.
            ips.retain(|ip| self.config.policy.permits(*ip));
            if ips.is_empty() {
                return Err(FetchError::Forbidden);
            }
            // The next address of the same family when one refuses, as a browser would.
            let mut resp = Err(FetchError::NoAddress);
            for ip in &ips {
                let addr = SocketAddr::new(*ip, url.port);
                f.address = Some(addr);
                resp = self.exchange(&url, addr, start, f).await;
                if !matches!(resp, Err(FetchError::Connect(_))) {
                    break;
                }
            }
            let resp = resp?;
            f.status = Some(resp.status);
            let location = (300..400).contains(&resp.status).then(|| resp.headers.iter().find(|(n, _)| n == "location").map(|(_, v)| v.clone())).flatten();
            f.hops.push(Hop { url: url.clone(), status: resp.status, location: location.clone() });
            match location.and_then(|l| url.join(&l)) {
                Some(next) => {
                    if f.hops.iter().any(|h| h.url == next) || f.hops.len() > MAX_REDIRECTS {
                        return Err(FetchError::RedirectLoop);
                    }
                    // An address is used as it is (judged at the top of the loop); a name is
                    // looked up again in this family.
                    if next.host != url.host && next.ip_literal().is_none() {
                        let t = Instant::now();
                        ips = self.resolver.lookup(&next.host, family).await.map_err(|e| FetchError::Dns(e.0))?;
                        f.timings.dns_ms += t.elapsed().as_millis() as u64;
                    }
                    url = next;
                }
                None => {
                    f.headers = resp.headers;
                    f.body = resp.body;
                    f.truncated = resp.truncated;
                    f.final_url = Some(url);
                    return Ok(());
                }
            }
        }
    }

    /// One request on a fresh connection to `addr`.
    async fn exchange(&self, url: &Url, addr: SocketAddr, start: Instant, f: &mut Fetch) -> Result<Response, FetchError> {
        // The last word before a socket opens, whatever the caller judged.
        if !self.config.policy.permits(addr.ip()) {
            return Err(FetchError::Forbidden);
        }
        let t = Instant::now();
        let tcp = TcpStream::connect(addr).await.map_err(|e| FetchError::Connect(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        f.timings.connect_ms = t.elapsed().as_millis() as u64;
        f.timings.tls_ms = 0;
        if !url.https {
            return self.request(tcp, url, start, f).await;
        }
        let t = Instant::now();
        let name = ServerName::try_from(url.host.clone()).map_err(|e| FetchError::Tls(e.to_string()))?;
        let connector = tokio_rustls::TlsConnector::from(self.tls.config.clone());
        let stream = match connector.connect(name, tcp).await {
            Ok(s) => s,
            Err(e) => {
                // rustls speaks only TLS 1.2 and 1.3: ask again the old way to tell an outdated
                // server from a broken one, keeping its certificate for the report.
                let left = self.config.timeout.saturating_sub(start.elapsed());
                return Err(match tls::legacy_hello(addr, &url.host, left).await {
                    Some(LegacyHello { version, chain }) if version <= 0x0302 => {
                        f.tls = Some(TlsSeen { host: url.host.clone(), chain, version, cipher: None, forward_secret: false });
                        FetchError::TlsOutdated(tls::protocol_name(version))
                    }
                    _ => FetchError::Tls(e.to_string()),
                });
            }
        };
        f.timings.tls_ms = t.elapsed().as_millis() as u64;
        let (_, conn) = stream.get_ref();
        let version = conn.protocol_version().map(u16::from).unwrap_or(0);
        let suite = conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite()));
        let forward_secret = version == 0x0304 || suite.as_deref().is_some_and(|s| s.contains("DHE"));
        let chain = conn.peer_certificates().map(|c| c.iter().map(|c| c.clone().into_owned()).collect()).unwrap_or_default();
        f.tls = Some(TlsSeen { host: url.host.clone(), chain, version, cipher: suite, forward_secret });
        self.request(stream, url, start, f).await
    }

    async fn request<IO>(&self, io: IO, url: &Url, start: Instant, f: &mut Fetch) -> Result<Response, FetchError>
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let http_err = |e: hyper::Error| FetchError::Http(e.to_string());
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(http_err)?;
        let driver = tokio::spawn(conn);
        let req = http::Request::get(url.path.as_str())
            .header(http::header::HOST, url.authority())
            .header(http::header::USER_AGENT, USER_AGENT)
            .header(http::header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .header(http::header::ACCEPT_ENCODING, "identity")
            .header(http::header::CONNECTION, "close")
            .body(Empty::<Bytes>::new())
            .map_err(|e| FetchError::Http(e.to_string()))?;
        let result = async {
            let resp = sender.send_request(req).await.map_err(http_err)?;
            f.timings.first_byte_ms = start.elapsed().as_millis() as u64;
            let status = resp.status().as_u16();
            let headers = resp.headers().iter().map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
            let mut body = resp.into_body();
            let cap = self.config.max_body;
            let mut buf = Vec::new();
            let mut truncated = false;
            // Redirect bodies are not read: only their Location matters.
            while !(300..400).contains(&status) {
                let Some(frame) = body.frame().await else { break };
                let frame = frame.map_err(http_err)?;
                if let Ok(data) = frame.into_data() {
                    let room = cap - buf.len();
                    if data.len() > room {
                        buf.extend_from_slice(&data[..room]);
                        truncated = true;
                        break;
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Ok(Response { status, headers, body: buf, truncated })
        }
        .await;
        driver.abort();
        result
    }
}
