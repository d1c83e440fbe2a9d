//! TLS: one client configuration built once and shared by every check. Its certificate verifier
//! accepts any chain during the handshake (signatures of the handshake itself are still checked)
//! so that an expired or misnamed certificate can still be reported in detail; the webpki verdict
//! (valid, expired, wrong host, untrusted) is computed right after the handshake from the chain
//! the server sent. Servers that speak only TLS 1.0/1.1, which rustls refuses, are recognised by
//! a hand-built legacy ClientHello (see [`legacy_hello`]).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What webpki says of the chain for the host name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Valid,
    Expired,
    NotYetValid,
    WrongHost,
    Untrusted,
    Invalid,
}

impl Verdict {
    pub fn zh(self) -> &'static str {
        match self {
            Verdict::Valid => "有效",
            Verdict::Expired => "已过期",
            Verdict::NotYetValid => "尚未生效",
            Verdict::WrongHost => "与域名不匹配",
            Verdict::Untrusted => "签发者不受信任",
            Verdict::Invalid => "无效",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Expired => "expired",
            Verdict::NotYetValid => "not yet valid",
            Verdict::WrongHost => "not valid for the host name",
            Verdict::Untrusted => "issued by an untrusted authority",
            Verdict::Invalid => "invalid",
        }
    }
}

/// The TLS part of a check's result.
#[derive(Clone, Debug, Serialize)]
pub struct TlsReport {
    pub valid: bool,
    pub verdict: Verdict,
    /// `TLSv1.3`, `TLSv1.2`, `TLSv1.1`, `TLSv1.0`.
    pub protocol: String,
    pub cipher: Option<String>,
    pub days_to_expiry: Option<i64>,
    pub not_after: Option<i64>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub key_type: Option<String>,
    pub key_bits: Option<u32>,
    /// In the spirit of SSL Labs: A+, A, B, C, F; see [`grade`].
    pub grade: String,
    /// Why the grade is what it is, one line each (Chinese, English).
    pub grade_notes: Vec<(String, String)>,
}

/// Accepts any certificate chain but checks the handshake signatures, so that the connection
/// still proves possession of the certificate's key.
#[derive(Debug)]
struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The shared TLS client: the rustls configuration for handshakes and the webpki verifier for
/// verdicts, both built once.
#[derive(Clone)]
pub struct TlsClient {
    pub config: Arc<ClientConfig>,
    webpki: Arc<WebPkiServerVerifier>,
}

impl TlsClient {
    /// Trusts the Mozilla roots (webpki-roots) plus `extra_cas` (DER), e.g. a test CA or a
    /// provincial CA that a site uses.
    pub fn new(extra_cas: &[CertificateDer<'static>]) -> Result<TlsClient, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for ca in extra_cas {
            roots.add(ca.clone()).map_err(|e| format!("CA: {e}"))?;
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().map_err(|e| e.to_string())?;
        let mut config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(RecordingVerifier { provider }))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsClient { config: Arc::new(config), webpki })
    }

    /// The webpki verdict for `chain` (end entity first) and `host` at the current time.
    pub fn verdict(&self, chain: &[CertificateDer<'_>], host: &str) -> Verdict {
        let Some((ee, rest)) = chain.split_first() else { return Verdict::Invalid };
        let Ok(name) = ServerName::try_from(host.to_string()) else { return Verdict::WrongHost };
        match self.webpki.verify_server_cert(ee, rest, &name, &[], UnixTime::now()) {
            Ok(_) => Verdict::Valid,
            Err(rustls::Error::InvalidCertificate(e)) => match e {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => Verdict::Expired,
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => Verdict::NotYetValid,
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => Verdict::WrongHost,
                CertificateError::UnknownIssuer => Verdict::Untrusted,
                _ => Verdict::Invalid,
            },
            Err(_) => Verdict::Invalid,
        }
    }
}

pub fn protocol_name(v: u16) -> String {
    match v {
        0x0304 => "TLSv1.3".into(),
        0x0303 => "TLSv1.2".into(),
        0x0302 => "TLSv1.1".into(),
        0x0301 => "TLSv1.0".into(),
        0x0300 => "SSLv3".into(),
        v => format!("0x{v:04x}"),
    }
}

/// Builds the report for a chain: verdict, certificate details, grade. `hsts_ok` lifts an A to A+.
pub fn report(client: &TlsClient, chain: &[CertificateDer<'_>], host: &str, version: u16, cipher: Option<String>, forward_secret: bool) -> TlsReport {
    let verdict = client.verdict(chain, host);
    let mut r = TlsReport {
        valid: verdict == Verdict::Valid,
        verdict,
        protocol: protocol_name(version),
        cipher,
        days_to_expiry: None,
        not_after: None,
        issuer: None,
        subject: None,
        key_type: None,
        key_bits: None,
        grade: String::new(),
        grade_notes: Vec::new(),
    };
    if let Some(ee) = chain.first() {
        if let Ok((_, cert)) = x509_parser::parse_x509_certificate(ee.as_ref()) {
            let not_after = cert.validity().not_after.timestamp();
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
            r.not_after = Some(not_after);
            r.days_to_expiry = Some((not_after - now).div_euclid(86_400));
            r.issuer = Some(cert.issuer().to_string());
            r.subject = Some(cert.subject().to_string());
            if let Ok(pk) = cert.public_key().parsed() {
                use x509_parser::public_key::PublicKey;
                let (t, bits) = match &pk {
                    PublicKey::RSA(k) => ("RSA", k.key_size()),
                    PublicKey::EC(k) => ("EC", k.key_size()),
                    PublicKey::DSA(_) => ("DSA", pk.key_size()),
                    _ => ("other", 0),
                };
                r.key_type = Some(t.to_string());
                r.key_bits = (bits > 0).then_some(bits as u32);
            }
        }
    }
    let (g, notes) = grade(&r, forward_secret);
    r.grade = g;
    r.grade_notes = notes;
    r
}

/// An essentials grade in the spirit of SSL Labs' rating guide: an untrusted, misnamed or expired
/// certificate fails (F); TLS 1.0/1.1 as the best protocol caps at C; a weak key (RSA < 2048 bits,
/// EC < 256) or no forward secrecy caps at B; otherwise A. A+ (HSTS) is given by the caller.
pub fn grade(r: &TlsReport, forward_secret: bool) -> (String, Vec<(String, String)>) {
    let mut notes = Vec::new();
    let mut cap = 'A';
    let mut lower = |c: char, zh: String, en: String, notes: &mut Vec<(String, String)>| {
        if c > cap {
            cap = c;
        }
        notes.push((zh, en));
    };
    if r.verdict != Verdict::Valid {
        lower('F', format!("证书{}", r.verdict.zh()), format!("certificate {}", r.verdict.en()), &mut notes);
    }
    if r.protocol == "TLSv1.0" || r.protocol == "TLSv1.1" || r.protocol == "SSLv3" {
        lower('C', format!("仅支持过时的 {}", r.protocol), format!("only the outdated {} is offered", r.protocol), &mut notes);
    }
    match (r.key_type.as_deref(), r.key_bits) {
        (Some("RSA"), Some(b)) if b < 1024 => lower('F', format!("RSA 密钥过短（{b} 位）"), format!("RSA key too short ({b} bits)"), &mut notes),
        (Some("RSA"), Some(b)) if b < 2048 => lower('B', format!("RSA 密钥较弱（{b} 位）"), format!("weak RSA key ({b} bits)"), &mut notes),
        (Some("EC"), Some(b)) if b < 256 => lower('B', format!("EC 密钥较弱（{b} 位）"), format!("weak EC key ({b} bits)"), &mut notes),
        _ => {}
    }
    if !forward_secret && r.protocol != "TLSv1.0" && r.protocol != "TLSv1.1" {
        lower('B', "不支持前向保密".into(), "no forward secrecy".into(), &mut notes);
    }
    (cap.to_string(), notes)
}

/// What a server answered to a legacy (TLS 1.0/1.1) ClientHello.
#[derive(Debug, Clone)]
pub struct LegacyHello {
    /// The ServerHello's version: 0x0301 for TLS 1.0, 0x0302 for TLS 1.1.
    pub version: u16,
    /// The certificate chain from the (cleartext, before TLS 1.3) Certificate message, if any.
    pub chain: Vec<CertificateDer<'static>>,
}

/// Sends a minimal TLS 1.1 ClientHello (CBC-SHA suites a TLS 1.0/1.1 server supports, SNI, EC
/// groups) and reads the ServerHello and Certificate messages. Used after rustls failed to
/// negotiate TLS 1.2/1.3: a server that answers here speaks only an outdated protocol.
pub async fn legacy_hello(addr: SocketAddr, host: &str, timeout: Duration) -> Option<LegacyHello> {
    tokio::time::timeout(timeout, legacy_hello_inner(addr, host)).await.ok().flatten()
}

async fn legacy_hello_inner(addr: SocketAddr, host: &str) -> Option<LegacyHello> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(&client_hello(host)).await.ok()?;
    // Reassemble handshake messages from records until ServerHelloDone (14) or the data ends.
    let mut hs: Vec<u8> = Vec::new();
    let mut version = None;
    let mut chain = Vec::new();
    let mut pos = 0usize;
    loop {
        let mut head = [0u8; 5];
        if s.read_exact(&mut head).await.is_err() {
            break;
        }
        let len = u16::from_be_bytes([head[3], head[4]]) as usize;
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).await.ok()?;
        if head[0] != 22 {
            break; // an alert: no legacy protocol either
        }
        hs.extend_from_slice(&body);
        while hs.len() >= pos + 4 {
            let mlen = u32::from_be_bytes([0, hs[pos + 1], hs[pos + 2], hs[pos + 3]]) as usize;
            if hs.len() < pos + 4 + mlen {
                break;
            }
            let msg = &hs[pos + 4..pos + 4 + mlen];
            match hs[pos] {
                2 if msg.len() >= 2 => version = Some(u16::from_be_bytes([msg[0], msg[1]])),
                11 => chain = parse_certificate_msg(msg),
                14 => return version.map(|version| LegacyHello { version, chain }),
                _ => {}
            }
            pos += 4 + mlen;
        }
        if hs.len() > 256 * 1024 {
            break;
        }
    }
    version.map(|version| LegacyHello { version, chain })
}

fn parse_certificate_msg(msg: &[u8]) -> Vec<CertificateDer<'static>> {
    let mut out = Vec::new();
    let mut i = 3; // total length of the list
    while i + 3 <= msg.len() {
        let l = u32::from_be_bytes([0, msg[i], msg[i + 1], msg[i + 2]]) as usize;
        i += 3;
        if i + l > msg.len() {
            break;
        }
        out.push(CertificateDer::from(msg[i..i + l].to_vec()));
        i += l;
    }
    out
}

/// A TLS 1.1 ClientHello (RFC 4346 §7.4.1.2); a TLS 1.0 server answers with 0x0301.
pub fn client_hello(host: &str) -> Vec<u8> {
    let suites: [u16; 8] = [0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x0033, 0x000a];
    let mut ext = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() {
        let h = host.as_bytes();
        ext.extend_from_slice(&0u16.to_be_bytes()); // server_name
        ext.extend_from_slice(&((h.len() + 5) as u16).to_be_bytes());
        ext.extend_from_slice(&((h.len() + 3) as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(h.len() as u16).to_be_bytes());
        ext.extend_from_slice(h);
    }
    ext.extend_from_slice(&[0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x18]); // groups P-256, P-384
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]); // ec_point_formats: uncompressed
    let mut body = Vec::with_capacity(128 + ext.len());
    body.extend_from_slice(&[0x03, 0x02]);
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    for i in 0..32u32 {
        body.push((seed >> (i % 16 * 8)) as u8 ^ (i as u8).wrapping_mul(151));
    }
    body.push(0); // no session id
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1u8];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22u8, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}
