//! 告警推送 — alert and recovery notices to the group robots of DingTalk (钉钉), WeCom (企业微信)
//! and Feishu (飞书), and to a generic JSON webhook. Messages are Chinese.
//!
//! Signatures, as each platform documents them:
//! - DingTalk 自定义机器人 “加签”: `sign = base64(HMAC-SHA256(key = secret, "timestamp\nsecret"))`,
//!   timestamp in milliseconds, both appended to the URL as `&timestamp=…&sign=…` (URL-encoded).
//! - Feishu 自定义机器人 “签名校验”: `sign = base64(HMAC-SHA256(key = "timestamp\nsecret", ""))`,
//!   timestamp in seconds, both in the JSON body.
//! - WeCom 群机器人: no signature (the key in the URL is the secret).
//! - Generic: `X-Tianfu-Signature: sha256=<hex HMAC-SHA256(key = secret, body)>` and
//!   `X-Tianfu-Timestamp`; the body carries `sent_at` too, so the signature covers the time and
//!   a receiver can refuse replays.
//!
//! Sent like the probe sends: hyper HTTP/1.1 on a connection of our own, rustls for HTTPS, but
//! with certificates verified (webpki roots plus configured CAs): a webhook carries secrets.

use crate::resolve::{Family, Resolver};
use crate::url::Url;
use base64::Engine as _;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    Dingtalk,
    Wecom,
    Feishu,
    Generic,
}

/// One configured receiver.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTarget {
    pub kind: WebhookKind,
    pub url: String,
    /// The signing secret (DingTalk 加签, Feishu 签名校验, the generic webhook's key).
    #[serde(default, skip_serializing)]
    pub secret: Option<String>,
}

impl WebhookKind {
    pub const ALL: [WebhookKind; 4] = [WebhookKind::Dingtalk, WebhookKind::Wecom, WebhookKind::Feishu, WebhookKind::Generic];
    pub fn code(self) -> &'static str {
        match self {
            WebhookKind::Dingtalk => "dingtalk",
            WebhookKind::Wecom => "wecom",
            WebhookKind::Feishu => "feishu",
            WebhookKind::Generic => "generic",
        }
    }
    pub fn parse(s: &str) -> Option<WebhookKind> {
        WebhookKind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            WebhookKind::Dingtalk => "钉钉",
            WebhookKind::Wecom => "企业微信",
            WebhookKind::Feishu => "飞书",
            WebhookKind::Generic => "通用 JSON",
        }
    }
}

impl WebhookTarget {
    /// A target kept in the database, when its kind is known.
    pub fn of_stored(w: &store::monitor::StoredWebhook) -> Option<WebhookTarget> {
        Some(WebhookTarget { kind: WebhookKind::parse(&w.kind)?, url: w.url.clone(), secret: w.secret.clone() })
    }
}

/// The console's page of an alert under `public_url`.
pub fn alert_link(public_url: Option<&str>, alert_id: i64) -> Option<String> {
    public_url.map(|u| format!("{}/alerts/{alert_id}", u.trim_end_matches('/')))
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold an access token and the secret is one: neither is printed.
        let host = Url::parse(&self.url).map(|u| u.host).unwrap_or_default();
        f.debug_struct("WebhookTarget").field("kind", &self.kind).field("host", &host).field("secret", &self.secret.as_ref().map(|_| "***")).finish()
    }
}

/// An alert opened or resolved, as told to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub site_name: String,
    pub site_url: String,
    /// The alert kind (`guard::alerts` constants).
    pub kind: String,
    pub severity: String,
    pub message: String,
    /// Unix seconds of the check.
    pub at: i64,
    /// A recovery notice rather than an alert.
    pub recovered: bool,
    /// The alert in the console (`public_url` + `/alerts/{id}`), when the address is known.
    #[serde(default)]
    pub link: Option<String>,
}

impl Notice {
    pub fn title(&self) -> String {
        let what = crate::alerts::kind_zh(&self.kind);
        if self.recovered {
            format!("【恢复】{} {what}", self.site_name)
        } else {
            format!("【告警】{} {what}", self.site_name)
        }
    }

    fn lines(&self) -> Vec<String> {
        let mut v = vec![
            format!("网站：{}", self.site_name),
            format!("网址：{}", self.site_url),
            format!("{}：{}", if self.recovered { "恢复" } else { "详情" }, self.message),
            format!("级别：{}", severity_zh(&self.severity)),
            format!("时间：{}", cst(self.at)),
        ];
        if let Some(l) = &self.link {
            v.push(format!("处置：{l}"));
        }
        v
    }
}

fn severity_zh(s: &str) -> &str {
    match s {
        "critical" => "严重",
        "high" => "高",
        "medium" => "中",
        "low" => "低",
        "info" => "提示",
        other => other,
    }
}

/// A Unix time as Beijing time, `YYYY-MM-DD HH:MM:SS`.
fn cst(t: i64) -> String {
    let s = store::time::rfc3339(t + 8 * 3600);
    format!("{} {}（北京时间）", &s[..10], &s[11..19])
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub(crate) fn url_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// DingTalk's signature for `timestamp_ms`.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    b64(&hmac_sha256(secret.as_bytes(), format!("{timestamp_ms}\n{secret}").as_bytes()))
}

/// Feishu's signature for `timestamp` (seconds).
pub fn feishu_sign(secret: &str, timestamp: i64) -> String {
    b64(&hmac_sha256(format!("{timestamp}\n{secret}").as_bytes(), b""))
}

/// The generic webhook's signature header value for `body`.
pub fn generic_sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&hmac_sha256(secret.as_bytes(), body)))
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The request for `target` (pure: `now_ms` is the signing time in milliseconds).
pub fn render(target: &WebhookTarget, n: &Notice, now_ms: i64) -> Outgoing {
    let title = n.title();
    let color = if n.recovered { "info" } else { "warning" };
    let generic = json!({
        "event": if n.recovered { "recovery" } else { "alert" },
        "title": title,
        "site": { "name": n.site_name, "url": n.site_url },
        "kind": n.kind,
        "severity": n.severity,
        "message": n.message,
        "at": n.at,
        "link": n.link,
        "sent_at": now_ms / 1000,
    });
    envelope(target, now_ms, &title, &format!("<font color=\"{color}\">{title}</font>"), &n.lines(), generic)
}

/// A message (`title`, `lines`) as `target`'s kind of receiver takes it, signed when it has a
/// secret: DingTalk markdown (signature in the URL), WeCom markdown (`wecom_title`, which may
/// carry a colour), Feishu text (signature in the body), or the `generic` JSON body with a
/// timestamp and an HMAC header. Alerts and [`crate::notify`] events both go through it.
pub(crate) fn envelope(target: &WebhookTarget, now_ms: i64, title: &str, wecom_title: &str, lines: &[String], generic: serde_json::Value) -> Outgoing {
    let secret = target.secret.as_deref().filter(|s| !s.is_empty());
    let mut url = target.url.clone();
    let mut headers = Vec::new();
    let body = match target.kind {
        WebhookKind::Dingtalk => {
            if let Some(s) = secret {
                let sep = if url.contains('?') { '&' } else { '?' };
                url.push_str(&format!("{sep}timestamp={now_ms}&sign={}", url_encode(&dingtalk_sign(s, now_ms))));
            }
            let text = format!("### {title}\n\n{}", lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"));
            json!({ "msgtype": "markdown", "markdown": { "title": title, "text": text } })
        }
        WebhookKind::Wecom => {
            let text = format!("### {wecom_title}\n{}", lines.iter().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n"));
            json!({ "msgtype": "markdown", "markdown": { "content": text } })
        }
        WebhookKind::Feishu => {
            let text = format!("{title}\n{}", lines.join("\n"));
            let mut v = json!({ "msg_type": "text", "content": { "text": text } });
            if let Some(s) = secret {
                let ts = now_ms / 1000;
                v["timestamp"] = json!(ts.to_string());
                v["sign"] = json!(feishu_sign(s, ts));
            }
            v
        }
        WebhookKind::Generic => generic,
    };
    let body = serde_json::to_vec(&body).expect("JSON values serialise");
    if target.kind == WebhookKind::Generic {
        headers.push(("X-Tianfu-Timestamp".into(), (now_ms / 1000).to_string()));
        if let Some(s) = secret {
            headers.push(("X-Tianfu-Signature".into(), generic_sign(s, &body)));
        }
    }
    Outgoing { url, headers, body }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("invalid webhook URL")]
    Url,
    #[error("DNS: {0}")]
    Dns(String),
    #[error("connect: {0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("timed out")]
    Timeout,
    /// The receiver answered with an error status or an error code in its JSON.
    #[error("rejected: HTTP {status}: {body}")]
    Rejected { status: u16, body: String },
    /// Every address of the receiver is one the network policy refuses (loopback, private,
    /// link-local, metadata … outside the allowed networks): nothing was sent.
    #[error("refused by the network policy: {0}")]
    Blocked(String),
}

/// Sends notices. Cheap to share behind an `Arc`.
pub struct Sender {
    tls: Arc<rustls::ClientConfig>,
    resolver: Arc<dyn Resolver>,
    pub timeout: Duration,
}

impl Sender {
    pub fn new(resolver: Arc<dyn Resolver>, extra_cas: &[CertificateDer<'static>]) -> Result<Sender, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for ca in extra_cas {
            roots.add(ca.clone()).map_err(|e| format!("CA: {e}"))?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().map_err(|e| e.to_string())?.with_root_certificates(roots).with_no_client_auth();
        Ok(Sender { tls: Arc::new(tls), resolver, timeout: Duration::from_secs(10) })
    }

    /// Sends one notice to one target; the receiver's status.
    pub async fn send(&self, target: &WebhookTarget, n: &Notice) -> Result<u16, WebhookError> {
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let out = render(target, n, now_ms);
        tokio::time::timeout(self.timeout, self.post(&out, None)).await.map_err(|_| WebhookError::Timeout)?
    }

    /// Sends a rendered request, connecting only to addresses `policy` permits (judged after
    /// resolution, so a name that resolves to a private address is refused too; no redirects
    /// are followed). `crate::notify` sends through here.
    pub async fn send_checked(&self, out: &Outgoing, policy: &crate::NetPolicy) -> Result<u16, WebhookError> {
        tokio::time::timeout(self.timeout, self.post(out, Some(policy))).await.map_err(|_| WebhookError::Timeout)?
    }

    async fn post(&self, out: &Outgoing, policy: Option<&crate::NetPolicy>) -> Result<u16, WebhookError> {
        let url = Url::parse(&out.url).ok_or(WebhookError::Url)?;
        let ips = match url.ip_literal() {
            Some(ip) => vec![ip],
            None => {
                let mut v = self.resolver.lookup(&url.host, Family::Ipv4).await.unwrap_or_default();
                v.extend(self.resolver.lookup(&url.host, Family::Ipv6).await.unwrap_or_default());
                v
            }
        };
        let mut last = WebhookError::Dns(format!("{} has no address", url.host));
        for ip in ips {
            if let Some(p) = policy {
                if let crate::netpolicy::Verdict::Denied(class) = p.judge(ip) {
                    last = WebhookError::Blocked(format!("{} is {}", url.host, class.code()));
                    continue;
                }
            }
            match TcpStream::connect(SocketAddr::new(ip, url.port)).await {
                Ok(tcp) => {
                    if !url.https {
                        return request(tcp, &url, out).await;
                    }
                    let name = ServerName::try_from(url.host.clone()).map_err(|e| WebhookError::Tls(e.to_string()))?;
                    let tls = tokio_rustls::TlsConnector::from(self.tls.clone()).connect(name, tcp).await.map_err(|e| WebhookError::Tls(e.to_string()))?;
                    return request(tls, &url, out).await;
                }
                Err(e) => last = WebhookError::Connect(e.to_string()),
            }
        }
        Err(last)
    }
}

async fn request<IO>(io: IO, url: &Url, out: &Outgoing) -> Result<u16, WebhookError>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let err = |e: hyper::Error| WebhookError::Http(e.to_string());
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(err)?;
    let driver = tokio::spawn(conn);
    let mut req = http::Request::post(url.path.as_str())
        .header(http::header::HOST, url.authority())
        .header(http::header::USER_AGENT, "Tianfu-Guard/0.1")
        .header(http::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(http::header::CONNECTION, "close");
    for (k, v) in &out.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req.body(Full::new(Bytes::from(out.body.clone()))).map_err(|e| WebhookError::Http(e.to_string()))?;
    let result = async {
        let resp = sender.send_request(req).await.map_err(err)?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.map_err(err)?.to_bytes();
        let text = String::from_utf8_lossy(&body[..body.len().min(2048)]).into_owned();
        // DingTalk and WeCom answer 200 with `errcode`, Feishu with `code`: non-zero is refusal.
        let code = serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| v.get("errcode").or_else(|| v.get("code")).and_then(|c| c.as_i64()));
        if !(200..300).contains(&status) || code.is_some_and(|c| c != 0) {
            return Err(WebhookError::Rejected { status, body: text });
        }
        Ok(status)
    }
    .await;
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_documented_examples() {
        // HMAC-SHA256 test vector (RFC 4231 case 2).
        assert_eq!(hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // DingTalk: HMAC(secret, "ts\nsecret"); Feishu: HMAC("ts\nsecret", "").
        assert_eq!(dingtalk_sign("SEC", 1_700_000_000_000), b64(&hmac_sha256(b"SEC", b"1700000000000\nSEC")));
        assert_eq!(feishu_sign("SEC", 1_700_000_000), b64(&hmac_sha256(b"1700000000\nSEC", b"")));
        assert_eq!(url_encode("a+b/c="), "a%2Bb%2Fc%3D");
    }

    #[test]
    fn secrets_are_not_printed() {
        let t = WebhookTarget { kind: WebhookKind::Dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=TOKEN".into(), secret: Some("SECRET".into()) };
        let s = format!("{t:?}");
        assert!(!s.contains("TOKEN") && !s.contains("SECRET"), "{s}");
    }
}
