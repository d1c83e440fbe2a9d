//! 消息发布 — a small blocking NATS JetStream publisher on one [`std::net::TcpStream`], for the
//! sharing exchange's optional delivery of a grant's changes to a JetStream subject.
//!
//! The store layer is synchronous, so this client is too: one connection, `&mut self`, no
//! threads, no runtime. It speaks the subset of the NATS client protocol a publisher needs
//! (<https://docs.nats.io/reference/reference-protocols/nats-protocol>):
//!
//! * server → client: `INFO {json}` (the first is read at connect time; later ones, sent when
//!   the cluster changes, are ignored), `MSG <subject> <sid> [reply] <len>`,
//!   `HMSG <subject> <sid> [reply] <hdr_len> <total_len>` (each followed by the bytes and
//!   `\r\n`), `PING` (answered with `PONG` whenever it arrives), `PONG`, `+OK`, `-ERR '<text>'`;
//! * client → server: `CONNECT {json}` (with `headers` and `no_responders`, so that a request
//!   nobody listens to is answered at once with a `NATS/1.0 503` status instead of timing out),
//!   `PING`, one `SUB _INBOX.<random>.* 1` made at connect time, `PUB` and `HPUB` (headers
//!   `NATS/1.0\r\nNats-Msg-Id: <id>\r\n\r\n`). Every request gets its own reply subject
//!   `_INBOX.<random>.<n>` under that subscription; an answer to an earlier request that timed
//!   out is recognised by its number and dropped.
//!
//! JetStream is used through its request/reply API, whose answers are JSON with an optional
//! `"error":{"code","err_code","description"}` member (→ [`Error::Api`]):
//! `$JS.API.STREAM.INFO|CREATE|UPDATE|DELETE.<stream>` and `$JS.API.STREAM.MSG.GET.<stream>`.
//! A JetStream publish is a core publish with a reply subject; the stream that stores the message
//! answers `{"stream":..,"seq":..,"duplicate":true?}` ([`PubAck`]); the `Nats-Msg-Id` header
//! makes a republish within the stream's duplicate window (2 minutes here) a no-op that answers
//! the first sequence number with `duplicate: true`, which is what makes retries safe.
//! [`Client::publish_batch`] writes many publishes before reading their acknowledgements (a
//! window of [`BATCH_WINDOW`] outstanding), which is where the throughput comes from.
//!
//! Not covered: TLS, NKEY/JWT credentials, reconnection, consumers. After an I/O error, a write
//! timeout or a garbled server stream, the client refuses further use ([`Error::Broken`]);
//! connect again. A read timeout leaves the connection usable (the reader keeps partial input).
#![forbid(unsafe_code)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{json, Value};

/// The NATS port when an address names none.
pub const DEFAULT_PORT: u16 = 4222;
/// The duplicate window of the streams [`Client::ensure_stream`] creates (shortened to the
/// stream's `max_age` when that is shorter, which the server requires).
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// At most this many publishes of a batch wait for their acknowledgement at once.
pub const BATCH_WINDOW: usize = 4096;

const MAX_LINE: usize = 1 << 20;
const MAX_MSG: usize = 64 << 20;
const HDR_PREFIX: &str = "NATS/1.0\r\nNats-Msg-Id: ";

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("NATS at {addr}: {doing} failed: {source}; is nats-server running there (with JetStream, -js)?")]
    Io { addr: String, doing: String, source: io::Error },
    #[error("NATS at {addr} did not answer within {} while waiting for {waiting_for}: is nats-server running with JetStream (-js), and not overloaded?", human(.after))]
    Timeout { addr: String, waiting_for: String, after: Duration },
    /// The server sent something this client cannot read, or an answer lacks what it must hold.
    #[error("{0}")]
    Protocol(String),
    /// The server's `-ERR` text (quotes removed).
    #[error("NATS refused: '{0}'{hint}", hint = server_hint(.0))]
    Server(String),
    #[error("JetStream API error {code} (err_code {err_code}): {description}{}", api_hint(*.err_code))]
    Api { code: u16, err_code: u32, description: String },
    /// A JetStream publish nobody answered (`NATS/1.0 503`): no stream's subjects cover it.
    #[error("no JetStream stream stores subject {0:?} (the server answered 503, no responders), so the message was not kept: create a stream covering it first (Client::ensure_stream)")]
    NoStream(String),
    /// A core request nobody answered (`NATS/1.0 503`).
    #[error("no one answers requests on {0:?} (the server answered 503, no responders): start the service behind that subject")]
    NoResponders(String),
    #[error("NATS at {addr} does not offer JetStream (its INFO says jetstream false, or the JetStream API has no responders): start nats-server with -js, or enable JetStream for this account")]
    NoJetStream { addr: String },
    #[error("invalid NATS subject {subject:?}: {why} (use jetstream::subject_token for parts taken from data)")]
    Subject { subject: String, why: &'static str },
    #[error("invalid JetStream stream name {name:?}: {why} (use jetstream::subject_token to make one)")]
    StreamName { name: String, why: &'static str },
    #[error("invalid Nats-Msg-Id {id:?}: {why}")]
    MsgId { id: String, why: &'static str },
    #[error("a message of {size} bytes (headers included) exceeds the server's max_payload of {max} bytes: split it, or raise max_payload in nats-server's configuration")]
    TooLarge { size: usize, max: usize },
    #[error("invalid NATS address {addr:?}: {why} (write host:port or nats://[user:password@|token@]host[:port])")]
    Address { addr: String, why: &'static str },
    #[error("the connection to NATS at {addr} is unusable after an earlier error ({cause}): connect again")]
    Broken { addr: String, cause: String },
}

fn human(d: &Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else if *d >= Duration::from_secs(1) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn server_hint(text: &str) -> &'static str {
    let t = text.to_ascii_lowercase();
    if t.contains("authorization") || t.contains("authentication") {
        " — check the user and password (nats://user:password@host:port) or token (nats://token@host:port)"
    } else if t.contains("permissions violation") {
        " — this user may not publish or subscribe there: check the account's permissions"
    } else if t.contains("maximum payload") {
        " — the message is larger than the server's max_payload"
    } else {
        " — see nats-server's log"
    }
}

fn api_hint(err_code: u32) -> &'static str {
    match err_code {
        10059 => " — create the stream first (Client::ensure_stream)",
        10065 => " — another stream already takes some of these subjects: use that stream, or remove the subjects from it",
        10058 => " — a stream of that name exists with another configuration",
        10037 => " — no message with that sequence (never stored, deleted, or aged out)",
        10077 | 10047 => " — the stream is full: raise its limits or let messages age out",
        _ => "",
    }
}

/// What the server said about itself when the connection opened (its first `INFO`).
#[derive(Debug, Clone, Deserialize)]
pub struct ServerInfo {
    #[serde(default)]
    pub server_id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default = "default_max_payload")]
    pub max_payload: usize,
    #[serde(default)]
    pub headers: bool,
    #[serde(default)]
    pub jetstream: bool,
    #[serde(default)]
    pub auth_required: bool,
}

fn default_max_payload() -> usize {
    1 << 20
}

/// A stream's acknowledgement of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubAck {
    pub stream: String,
    pub seq: u64,
    /// The message id was seen within the duplicate window: nothing new was stored, and `seq`
    /// is the first copy's.
    pub duplicate: bool,
}

/// What [`Client::ensure_stream`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ensured {
    Found,
    Created,
    Updated,
}

/// A stream's configuration and state, as the JetStream API answered them.
#[derive(Debug, Clone)]
pub struct StreamInfo {
    pub name: String,
    pub subjects: Vec<String>,
    /// `None`: messages do not age out.
    pub max_age: Option<Duration>,
    pub duplicate_window: Duration,
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub ensured: Ensured,
    /// The whole `config` object (kept to update the stream without losing settings).
    pub config: Value,
}

/// A message as the stream stored it.
#[derive(Debug, Clone)]
pub struct StoredMsg {
    pub subject: String,
    pub seq: u64,
    pub headers: Vec<(String, String)>,
    pub data: Vec<u8>,
    /// RFC 3339, as the server wrote it.
    pub time: String,
}

impl StoredMsg {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn msg_id(&self) -> Option<&str> {
        self.header("Nats-Msg-Id")
    }
}

/// A token safe in any subject or stream name: ASCII letters, digits, `_` and `-` kept,
/// every other character (dots, spaces, wildcards, non-ASCII) replaced by `_`; never empty.
pub fn subject_token(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .collect();
    if t.is_empty() {
        "_".to_owned()
    } else {
        t
    }
}

fn bad_char(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// A subject to publish to: non-empty, no whitespace or control characters, no empty token,
/// no wildcard.
pub fn validate_subject(subject: &str) -> Result<()> {
    let err = |why| Err(Error::Subject { subject: subject.to_owned(), why });
    if subject.is_empty() {
        return err("it is empty");
    }
    if subject.chars().any(bad_char) {
        return err("it contains whitespace or a control character");
    }
    if subject.contains(['*', '>']) {
        return err("it contains a wildcard (* or >): publish to a concrete subject");
    }
    if subject.split('.').any(str::is_empty) {
        return err("it has an empty token (a leading, trailing or doubled dot)");
    }
    Ok(())
}

/// A stream's subject: like [`validate_subject`], but `*` (one token) and a final `>` (the
/// rest) are allowed as whole tokens.
pub fn validate_pattern(subject: &str) -> Result<()> {
    let err = |why| Err(Error::Subject { subject: subject.to_owned(), why });
    if subject.is_empty() {
        return err("it is empty");
    }
    if subject.chars().any(bad_char) {
        return err("it contains whitespace or a control character");
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    for (i, t) in tokens.iter().enumerate() {
        if t.is_empty() {
            return err("it has an empty token (a leading, trailing or doubled dot)");
        }
        if *t == ">" && i + 1 != tokens.len() {
            return err("> may only be the last token");
        }
        if t.len() > 1 && t.contains(['*', '>']) {
            return err("a wildcard (* or >) must be a whole token");
        }
    }
    Ok(())
}

/// A stream name: non-empty, none of `. * > / \`, no whitespace or control character.
pub fn validate_stream_name(name: &str) -> Result<()> {
    let err = |why| Err(Error::StreamName { name: name.to_owned(), why });
    if name.is_empty() {
        return err("it is empty");
    }
    if name.chars().any(bad_char) {
        return err("it contains whitespace or a control character");
    }
    if name.contains(['.', '*', '>', '/', '\\']) {
        return err("it contains one of . * > / \\");
    }
    Ok(())
}

fn validate_msg_id(id: &str) -> Result<()> {
    let err = |why| Err(Error::MsgId { id: id.to_owned(), why });
    if id.is_empty() {
        return err("it is empty (pass None for no id)");
    }
    if id.chars().any(char::is_control) {
        return err("it contains a control character");
    }
    if id.trim() != id {
        return err("it begins or ends with whitespace, which the server would drop");
    }
    Ok(())
}

/// Whether every subject `subject` matches is matched by `pattern` (both may hold wildcards).
pub fn pattern_covers(pattern: &str, subject: &str) -> bool {
    let (mut p, mut s) = (pattern.split('.'), subject.split('.'));
    loop {
        match (p.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(t)) if t != ">" => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Standard base64 (with or without `=` padding), as the JetStream API encodes stored messages.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A header block: `NATS/1.0[ <status>[ <description>]]\r\n(<name>: <value>\r\n)*\r\n`.
#[derive(Debug, Default, PartialEq)]
struct Headers {
    status: Option<u16>,
    description: String,
    fields: Vec<(String, String)>,
}

fn parse_headers(block: &[u8]) -> Result<Headers, String> {
    let text = std::str::from_utf8(block).map_err(|_| "a header block is not UTF-8".to_owned())?;
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let Some(rest) = first.strip_prefix("NATS/1.0") else {
        return Err(format!("a header block begins with {first:?}, not NATS/1.0"));
    };
    let mut h = Headers::default();
    let rest = rest.trim();
    if !rest.is_empty() {
        let (code, desc) = rest.split_once(' ').unwrap_or((rest, ""));
        h.status = Some(code.parse().map_err(|_| format!("a header status {code:?} is not a number"))?);
        h.description = desc.trim().to_owned();
    }
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!("a header line {line:?} has no colon"));
        };
        h.fields.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    Ok(h)
}

/// A message delivered to the inbox.
#[derive(Debug, PartialEq)]
struct Msg {
    subject: String,
    headers: Option<Vec<u8>>,
    payload: Vec<u8>,
}

#[derive(Debug, PartialEq)]
enum Op {
    Info(Vec<u8>),
    Msg(Msg),
    Ping,
    Pong,
    Ok,
    Err(String),
}

fn num(s: &str, what: &str) -> Result<usize, String> {
    s.parse().map_err(|_| format!("{what} {s:?} is not a number"))
}

/// One complete operation at the start of `buf` and the bytes it takes, or `None` when more
/// input is needed.
fn parse_op(buf: &[u8]) -> Result<Option<(Op, usize)>, String> {
    let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
        return if buf.len() > MAX_LINE { Err(format!("a line longer than {MAX_LINE} bytes")) } else { Ok(None) };
    };
    let line = &buf[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = std::str::from_utf8(line).map_err(|_| "a control line is not UTF-8".to_owned())?;
    let (name, rest) = line.split_once([' ', '\t']).unwrap_or((line, ""));
    let after = nl + 1;
    let op = match name.to_ascii_uppercase().as_str() {
        "PING" => Op::Ping,
        "PONG" => Op::Pong,
        "+OK" => Op::Ok,
        "-ERR" => Op::Err(rest.trim().trim_matches('\'').to_owned()),
        "INFO" => Op::Info(rest.trim().as_bytes().to_vec()),
        "MSG" | "HMSG" => {
            let args: Vec<&str> = rest.split_ascii_whitespace().collect();
            let headers = name.eq_ignore_ascii_case("HMSG");
            let (subject, hlen, total) = match (headers, args.as_slice()) {
                (false, [s, _sid, len]) | (false, [s, _sid, _, len]) => (*s, 0, num(len, "a MSG length")?),
                (true, [s, _sid, h, len]) | (true, [s, _sid, _, h, len]) => {
                    (*s, num(h, "an HMSG header length")?, num(len, "an HMSG length")?)
                }
                _ => return Err(format!("a malformed control line {line:?}")),
            };
            if total > MAX_MSG || hlen > total {
                return Err(format!("impossible lengths in {line:?}"));
            }
            if buf.len() < after + total + 2 {
                return Ok(None);
            }
            if &buf[after + total..after + total + 2] != b"\r\n" {
                return Err(format!("the message announced by {line:?} does not end with CRLF"));
            }
            let body = &buf[after..after + total];
            let msg = Msg {
                subject: subject.to_owned(),
                headers: headers.then(|| body[..hlen].to_vec()),
                payload: body[hlen..].to_vec(),
            };
            return Ok(Some((Op::Msg(msg), after + total + 2)));
        }
        _ => return Err(format!("an unknown operation {:?}", line.chars().take(80).collect::<String>())),
    };
    Ok(Some((op, after)))
}

enum Event {
    Msg(Msg),
    Pong,
}

struct Target {
    hostport: String,
    user: Option<String>,
    pass: Option<String>,
    token: Option<String>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_address(addr: &str) -> Result<Target> {
    let err = |why| Err(Error::Address { addr: addr.to_owned(), why });
    let s = addr.trim();
    let rest = match s.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("nats") => rest,
        Some(_) => return err("only nats:// is supported (no TLS)"),
        None => s,
    };
    let rest = rest.trim_end_matches('/');
    let (auth, hp) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    if hp.is_empty() || hp.contains('/') {
        return err("no host, or a path after it");
    }
    let has_port = if hp.starts_with('[') { hp.contains("]:") } else { hp.contains(':') };
    let hostport = if has_port { hp.to_owned() } else { format!("{hp}:{DEFAULT_PORT}") };
    let mut t = Target { hostport, user: None, pass: None, token: None };
    match auth {
        Some(a) if a.is_empty() => return err("an empty user before @"),
        Some(a) => match a.split_once(':') {
            Some((u, p)) => (t.user, t.pass) = (Some(percent_decode(u)), Some(percent_decode(p))),
            None => t.token = Some(percent_decode(a)),
        },
        None => {}
    }
    Ok(t)
}

fn random_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut out = String::with_capacity(22);
    for round in 0..2u8 {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u8(round);
        let mut x = h.finish();
        for _ in 0..11 {
            out.push(ALPHABET[(x % 62) as usize] as char);
            x /= 62;
        }
    }
    out
}

fn api_error(err: &Value) -> Error {
    Error::Api {
        code: err.get("code").and_then(Value::as_u64).unwrap_or(0) as u16,
        err_code: err.get("err_code").and_then(Value::as_u64).unwrap_or(0) as u32,
        description: err.get("description").and_then(Value::as_str).unwrap_or("(no description)").to_owned(),
    }
}

fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Api { err_code: 10059, .. } | Error::Api { code: 404, err_code: 0, .. })
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).min(i64::MAX as u64)
}

impl StreamInfo {
    fn from_api(v: &Value, ensured: Ensured) -> Result<StreamInfo> {
        let config = v.get("config").cloned().ok_or_else(|| {
            Error::Protocol(format!("a JetStream stream answer without a config: {}", snippet(v)))
        })?;
        let state = v.get("state").cloned().unwrap_or(Value::Null);
        let u = |o: &Value, k: &str| o.get(k).and_then(Value::as_u64).unwrap_or(0);
        let max_age = u(&config, "max_age");
        Ok(StreamInfo {
            name: config.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            subjects: config
                .get("subjects")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            max_age: (max_age > 0).then(|| Duration::from_nanos(max_age)),
            duplicate_window: Duration::from_nanos(u(&config, "duplicate_window")),
            messages: u(&state, "messages"),
            bytes: u(&state, "bytes"),
            first_seq: u(&state, "first_seq"),
            last_seq: u(&state, "last_seq"),
            ensured,
            config,
        })
    }
}

/// The largest char boundary at or below `i` (`str::floor_char_boundary` is newer than the MSRV).
fn floor(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn snippet(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 200 {
        format!("{}…", &s[..floor(&s, 200)])
    } else {
        s
    }
}

/// One connection to a NATS server. Not shared between threads by itself: wrap it in a mutex,
/// or open one per worker.
pub struct Client {
    stream: TcpStream,
    addr: String,
    timeout: Duration,
    info: ServerInfo,
    rbuf: Vec<u8>,
    rpos: usize,
    rend: usize,
    wbuf: Vec<u8>,
    inbox: String,
    next_reply: u64,
    broken: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("addr", &self.addr).field("server", &self.info.server_id).finish()
    }
}

impl Client {
    /// Connects to `addr` (`host:port`, or `nats://[user:password@|token@]host[:port]`, port
    /// 4222 by default), reads the server's INFO, sends CONNECT and PING and waits for PONG.
    /// `timeout` bounds the TCP connect and every later wait for the server (each read and
    /// write).
    pub fn connect(addr: &str, timeout: Duration) -> Result<Client> {
        let target = parse_address(addr)?;
        let timeout = timeout.max(Duration::from_millis(1));
        let hp = target.hostport.clone();
        let io = |doing: &str, source| Error::Io { addr: hp.clone(), doing: doing.to_owned(), source };
        let addrs: Vec<_> = target.hostport.to_socket_addrs().map_err(|e| io("resolving the address", e))?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address");
        let mut stream = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let Some(stream) = stream else {
            if matches!(last.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) {
                return Err(Error::Timeout { addr: hp, waiting_for: "the TCP connection".into(), after: timeout });
            }
            return Err(io("connecting", last));
        };
        let setup = |s: &TcpStream| -> io::Result<()> {
            s.set_read_timeout(Some(timeout))?;
            s.set_write_timeout(Some(timeout))?;
            s.set_nodelay(true)
        };
        setup(&stream).map_err(|e| io("setting up the socket", e))?;
        let mut c = Client {
            stream,
            addr: target.hostport.clone(),
            timeout,
            info: ServerInfo {
                server_id: String::new(),
                version: String::new(),
                max_payload: default_max_payload(),
                headers: false,
                jetstream: false,
                auth_required: false,
            },
            rbuf: vec![0; 64 << 10],
            rpos: 0,
            rend: 0,
            wbuf: Vec::with_capacity(64 << 10),
            inbox: format!("_INBOX.{}", random_token()),
            next_reply: 1,
            broken: None,
        };
        match c.next_op("the server's INFO greeting")? {
            Op::Info(json) => {
                c.info = serde_json::from_slice(&json).map_err(|e| {
                    c.fail(Error::Protocol(format!("NATS at {}: its INFO is not the expected JSON: {e}", c.addr)))
                })?;
            }
            Op::Err(text) => return Err(Error::Server(text)),
            other => {
                return Err(c.fail(Error::Protocol(format!(
                    "{} greeted with {other:?} instead of INFO: is that port a NATS server?",
                    c.addr
                ))))
            }
        }
        let mut connect = json!({
            "verbose": false, "pedantic": false, "headers": true, "no_responders": true,
            "name": "tianfu", "lang": "rust", "version": env!("CARGO_PKG_VERSION"), "protocol": 1,
        });
        if let Some(u) = target.user {
            connect["user"] = u.into();
        }
        if let Some(p) = target.pass {
            connect["pass"] = p.into();
        }
        if let Some(t) = target.token {
            connect["auth_token"] = t.into();
        }
        let inbox = c.inbox.clone();
        write!(c.wbuf, "CONNECT {connect}\r\nSUB {inbox}.* 1\r\nPING\r\n").expect("writing to a Vec");
        c.flush("sending CONNECT")?;
        c.wait_pong("the answer (PONG) to CONNECT and PING")?;
        Ok(c)
    }

    /// The server's INFO as read at connect time.
    pub fn server_info(&self) -> &ServerInfo {
        &self.info
    }

    /// `host:port` of the server.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// A round trip to the server; answers its time.
    pub fn ping(&mut self) -> Result<Duration> {
        self.usable()?;
        let start = Instant::now();
        self.wbuf.extend_from_slice(b"PING\r\n");
        self.flush("sending PING")?;
        self.wait_pong("PONG")?;
        Ok(start.elapsed())
    }

    /// A core request: publishes `payload` to `subject` with a fresh reply subject and returns
    /// the first answer's payload ([`Error::NoResponders`] when nobody listens).
    pub fn request(&mut self, subject: &str, payload: &[u8]) -> Result<Vec<u8>> {
        self.usable()?;
        validate_subject(subject)?;
        self.check_size(None, payload)?;
        let n = self.take_replies(1);
        self.write_pub(subject, n, None, payload);
        self.flush("sending a request")?;
        let msg = self.wait_reply(n, &format!("the answer to a request on {subject}"))?;
        match status(&msg)? {
            Some((503, _)) => Err(Error::NoResponders(subject.to_owned())),
            Some((code, desc)) => Err(Error::Protocol(format!(
                "NATS answered a request on {subject} with status {code} {desc}"
            ))),
            None => Ok(msg.payload),
        }
    }

    /// Publishes one message to JetStream and waits for the stream's acknowledgement. With a
    /// `msg_id`, a republish within the duplicate window stores nothing and answers
    /// `duplicate: true` with the first sequence number.
    pub fn publish(&mut self, subject: &str, msg_id: Option<&str>, payload: &[u8]) -> Result<PubAck> {
        self.usable()?;
        self.check_js()?;
        validate_subject(subject)?;
        if let Some(id) = msg_id {
            validate_msg_id(id)?;
        }
        self.check_size(msg_id, payload)?;
        let n = self.take_replies(1);
        self.write_pub(subject, n, msg_id, payload);
        self.flush("publishing")?;
        let msg = self.wait_reply(n, &format!("JetStream's acknowledgement of a publish to {subject}"))?;
        pub_ack(subject, msg)
    }

    /// Publishes `(subject, msg_id, payload)` messages, writing up to [`BATCH_WINDOW`] before
    /// reading acknowledgements, and returns the acknowledgements in the messages' order.
    /// Everything is validated before anything is sent. When a message is refused, the others
    /// were still sent and acknowledged, and the first refusal (in the messages' order) is
    /// returned: republishing the whole batch with the same message ids within the duplicate
    /// window stores only what is missing.
    pub fn publish_batch<S, I, P>(&mut self, msgs: &[(S, Option<I>, P)]) -> Result<Vec<PubAck>>
    where
        S: AsRef<str>,
        I: AsRef<str>,
        P: AsRef<[u8]>,
    {
        self.usable()?;
        self.check_js()?;
        for (subject, id, payload) in msgs {
            validate_subject(subject.as_ref())?;
            if let Some(id) = id {
                validate_msg_id(id.as_ref())?;
            }
            self.check_size(id.as_ref().map(AsRef::as_ref), payload.as_ref())?;
        }
        let first = self.take_replies(msgs.len() as u64);
        let mut results: Vec<Option<Result<PubAck>>> = (0..msgs.len()).map(|_| None).collect();
        let mut outstanding = 0usize;
        for (i, (subject, id, payload)) in msgs.iter().enumerate() {
            if outstanding >= BATCH_WINDOW {
                self.flush("publishing a batch")?;
                while outstanding > BATCH_WINDOW / 2 {
                    self.collect_ack(first, msgs, &mut results, &mut outstanding)?;
                }
            }
            self.write_pub(subject.as_ref(), first + i as u64, id.as_ref().map(AsRef::as_ref), payload.as_ref());
            outstanding += 1;
            if self.wbuf.len() >= 64 << 10 {
                self.flush("publishing a batch")?;
            }
        }
        self.flush("publishing a batch")?;
        while outstanding > 0 {
            self.collect_ack(first, msgs, &mut results, &mut outstanding)?;
        }
        results.into_iter().map(|r| r.expect("every acknowledgement was collected")).collect()
    }

    /// The stream's configuration and state ([`Error::Api`] with err_code 10059 when there is
    /// no such stream).
    pub fn stream_info(&mut self, name: &str) -> Result<StreamInfo> {
        validate_stream_name(name)?;
        let v = self.api(&format!("$JS.API.STREAM.INFO.{name}"), b"")?;
        StreamInfo::from_api(&v, Ensured::Found)
    }

    /// Makes sure stream `name` exists and takes `subjects` (which may hold wildcards):
    /// creates it (file storage, limits retention, discard old, `max_age` or no age limit,
    /// duplicate window [`DUPLICATE_WINDOW`]) or adds the subjects it lacks, keeping the rest
    /// of its configuration. An existing stream's `max_age` is left as it is.
    pub fn ensure_stream(&mut self, name: &str, subjects: &[String], max_age: Option<Duration>) -> Result<StreamInfo> {
        self.usable()?;
        validate_stream_name(name)?;
        if subjects.is_empty() {
            return Err(Error::Subject { subject: String::new(), why: "a stream needs at least one subject" });
        }
        for s in subjects {
            validate_pattern(s)?;
        }
        // Without duplicates or subjects another of the list already covers: the server refuses both.
        let mut wanted: Vec<&String> = Vec::new();
        for s in subjects {
            if !wanted.contains(&s) && !subjects.iter().any(|o| o != s && pattern_covers(o, s)) {
                wanted.push(s);
            }
        }
        match self.stream_info(name) {
            Ok(info) => {
                let missing: Vec<&String> =
                    wanted.into_iter().filter(|s| !info.subjects.iter().any(|e| pattern_covers(e, s))).collect();
                if missing.is_empty() {
                    return Ok(info);
                }
                let mut config = info.config.clone();
                let mut all: Vec<String> = info.subjects.iter().filter(|e| !missing.iter().any(|m| pattern_covers(m, e))).cloned().collect();
                all.extend(missing.into_iter().cloned());
                config["subjects"] = json!(all);
                let v = self.api(&format!("$JS.API.STREAM.UPDATE.{name}"), config.to_string().as_bytes())?;
                StreamInfo::from_api(&v, Ensured::Updated)
            }
            Err(e) if is_not_found(&e) => {
                let max_age = max_age.filter(|d| !d.is_zero());
                let window = max_age.map_or(DUPLICATE_WINDOW, |a| a.min(DUPLICATE_WINDOW));
                let config = json!({
                    "name": name, "subjects": wanted, "storage": "file", "retention": "limits",
                    "discard": "old", "max_age": max_age.map_or(0, nanos), "duplicate_window": nanos(window),
                });
                let v = self.api(&format!("$JS.API.STREAM.CREATE.{name}"), config.to_string().as_bytes())?;
                StreamInfo::from_api(&v, Ensured::Created)
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes stream `name` and its messages; `false` when there was no such stream.
    pub fn delete_stream(&mut self, name: &str) -> Result<bool> {
        validate_stream_name(name)?;
        match self.api(&format!("$JS.API.STREAM.DELETE.{name}"), b"") {
            Ok(v) => Ok(v.get("success").and_then(Value::as_bool).unwrap_or(false)),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The message stored at `seq` in `stream` ([`Error::Api`] with err_code 10037 when there
    /// is none).
    pub fn stream_msg_get(&mut self, stream: &str, seq: u64) -> Result<StoredMsg> {
        validate_stream_name(stream)?;
        let v = self.api(&format!("$JS.API.STREAM.MSG.GET.{stream}"), json!({ "seq": seq }).to_string().as_bytes())?;
        let bad = |what: &str| Error::Protocol(format!("a JetStream MSG.GET answer {what}: {}", snippet(&v)));
        let m = v.get("message").ok_or_else(|| bad("without a message"))?;
        let b64 = |k: &str| -> Result<Vec<u8>> {
            match m.get(k).and_then(Value::as_str) {
                None => Ok(Vec::new()),
                Some(s) => base64_decode(s).ok_or_else(|| bad(&format!("with {k} not in base64"))),
            }
        };
        let hdrs = b64("hdrs")?;
        let headers = if hdrs.is_empty() { Vec::new() } else { parse_headers(&hdrs).map_err(|e| bad(&e))?.fields };
        Ok(StoredMsg {
            subject: m.get("subject").and_then(Value::as_str).unwrap_or_default().to_owned(),
            seq: m.get("seq").and_then(Value::as_u64).ok_or_else(|| bad("without a seq"))?,
            headers,
            data: b64("data")?,
            time: m.get("time").and_then(Value::as_str).unwrap_or_default().to_owned(),
        })
    }

    // ---- internals ----

    fn api(&mut self, subject: &str, body: &[u8]) -> Result<Value> {
        self.usable()?;
        self.check_js()?;
        let payload = match self.request(subject, body) {
            Err(Error::NoResponders(_)) => return Err(Error::NoJetStream { addr: self.addr.clone() }),
            r => r?,
        };
        let v: Value = serde_json::from_slice(&payload).map_err(|e| {
            Error::Protocol(format!(
                "the JetStream API's answer on {subject} is not JSON ({e}): {}",
                String::from_utf8_lossy(&payload[..payload.len().min(200)])
            ))
        })?;
        match v.get("error") {
            Some(err) => Err(api_error(err)),
            None => Ok(v),
        }
    }

    fn usable(&self) -> Result<()> {
        match &self.broken {
            Some(cause) => Err(Error::Broken { addr: self.addr.clone(), cause: cause.clone() }),
            None => Ok(()),
        }
    }

    fn check_js(&self) -> Result<()> {
        if self.info.jetstream {
            Ok(())
        } else {
            Err(Error::NoJetStream { addr: self.addr.clone() })
        }
    }

    fn check_size(&self, msg_id: Option<&str>, payload: &[u8]) -> Result<()> {
        let size = msg_id.map_or(0, |id| HDR_PREFIX.len() + id.len() + 4) + payload.len();
        if size > self.info.max_payload {
            return Err(Error::TooLarge { size, max: self.info.max_payload });
        }
        if msg_id.is_some() && !self.info.headers {
            return Err(Error::Protocol(format!(
                "NATS at {} does not support headers (older than 2.2), which message ids need",
                self.addr
            )));
        }
        Ok(())
    }

    /// Marks the connection unusable and hands the error back.
    fn fail(&mut self, e: Error) -> Error {
        if self.broken.is_none() {
            let mut cause = e.to_string();
            cause.truncate(floor(&cause, 160));
            self.broken = Some(cause);
        }
        e
    }

    fn take_replies(&mut self, n: u64) -> u64 {
        let first = self.next_reply;
        self.next_reply += n;
        first
    }

    fn write_pub(&mut self, subject: &str, reply: u64, msg_id: Option<&str>, payload: &[u8]) {
        let inbox = &self.inbox;
        let w = &mut self.wbuf;
        match msg_id {
            Some(id) => {
                let hlen = HDR_PREFIX.len() + id.len() + 4;
                let total = hlen + payload.len();
                write!(w, "HPUB {subject} {inbox}.{reply} {hlen} {total}\r\n{HDR_PREFIX}{id}\r\n\r\n")
            }
            None => write!(w, "PUB {subject} {inbox}.{reply} {}\r\n", payload.len()),
        }
        .expect("writing to a Vec");
        w.extend_from_slice(payload);
        w.extend_from_slice(b"\r\n");
    }

    fn flush(&mut self, doing: &str) -> Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let r = self.stream.write_all(&self.wbuf);
        self.wbuf.clear();
        match r {
            Ok(()) => Ok(()),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                let e = Error::Timeout { addr: self.addr.clone(), waiting_for: format!("the server to take our data ({doing})"), after: self.timeout };
                Err(self.fail(e))
            }
            Err(source) => {
                let e = Error::Io { addr: self.addr.clone(), doing: doing.to_owned(), source };
                Err(self.fail(e))
            }
        }
    }

    fn fill(&mut self, waiting_for: &str) -> Result<()> {
        if self.rpos == self.rend {
            (self.rpos, self.rend) = (0, 0);
        } else if self.rend == self.rbuf.len() {
            if self.rpos > 0 {
                self.rbuf.copy_within(self.rpos..self.rend, 0);
                (self.rpos, self.rend) = (0, self.rend - self.rpos);
            } else {
                let n = self.rbuf.len() * 2;
                self.rbuf.resize(n, 0);
            }
        }
        loop {
            match self.stream.read(&mut self.rbuf[self.rend..]) {
                Ok(0) => {
                    let source = io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection");
                    let e = Error::Io { addr: self.addr.clone(), doing: format!("waiting for {waiting_for}"), source };
                    return Err(self.fail(e));
                }
                Ok(n) => {
                    self.rend += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return Err(Error::Timeout { addr: self.addr.clone(), waiting_for: waiting_for.to_owned(), after: self.timeout });
                }
                Err(source) => {
                    let e = Error::Io { addr: self.addr.clone(), doing: format!("waiting for {waiting_for}"), source };
                    return Err(self.fail(e));
                }
            }
        }
    }

    fn next_op(&mut self, waiting_for: &str) -> Result<Op> {
        loop {
            match parse_op(&self.rbuf[self.rpos..self.rend]) {
                Ok(Some((op, n))) => {
                    self.rpos += n;
                    return Ok(op);
                }
                Ok(None) => self.fill(waiting_for)?,
                Err(detail) => {
                    let e = Error::Protocol(format!(
                        "NATS at {} sent {detail}: is that port a NATS server? (the connection is unusable now: connect again)",
                        self.addr
                    ));
                    return Err(self.fail(e));
                }
            }
        }
    }

    /// The next message or PONG; answers PING, skips +OK and later INFOs, turns -ERR into
    /// [`Error::Server`].
    fn next_event(&mut self, waiting_for: &str) -> Result<Event> {
        loop {
            match self.next_op(waiting_for)? {
                Op::Ping => {
                    self.wbuf.extend_from_slice(b"PONG\r\n");
                    self.flush("answering PING")?;
                }
                Op::Pong => return Ok(Event::Pong),
                Op::Ok | Op::Info(_) => {}
                Op::Err(text) => return Err(Error::Server(text)),
                Op::Msg(m) => return Ok(Event::Msg(m)),
            }
        }
    }

    fn wait_pong(&mut self, waiting_for: &str) -> Result<()> {
        loop {
            if let Event::Pong = self.next_event(waiting_for)? {
                return Ok(());
            }
        }
    }

    /// The reply number of a message to our inbox.
    fn reply_number(&self, msg: &Msg) -> Option<u64> {
        msg.subject.strip_prefix(self.inbox.as_str())?.strip_prefix('.')?.parse().ok()
    }

    fn wait_reply(&mut self, n: u64, waiting_for: &str) -> Result<Msg> {
        loop {
            if let Event::Msg(m) = self.next_event(waiting_for)? {
                if self.reply_number(&m) == Some(n) {
                    return Ok(m);
                }
            }
        }
    }

    fn collect_ack<S: AsRef<str>, I, P>(
        &mut self,
        first: u64,
        msgs: &[(S, Option<I>, P)],
        results: &mut [Option<Result<PubAck>>],
        outstanding: &mut usize,
    ) -> Result<()> {
        let Event::Msg(m) = self.next_event("JetStream's acknowledgements of a batch")? else {
            return Ok(());
        };
        let Some(i) = self.reply_number(&m).and_then(|n| n.checked_sub(first)).map(|i| i as usize) else {
            return Ok(());
        };
        if i < results.len() && results[i].is_none() {
            results[i] = Some(pub_ack(msgs[i].0.as_ref(), m));
            *outstanding -= 1;
        }
        Ok(())
    }
}

fn status(msg: &Msg) -> Result<Option<(u16, String)>> {
    let Some(h) = &msg.headers else { return Ok(None) };
    let h = parse_headers(h).map_err(|e| Error::Protocol(format!("NATS sent {e}")))?;
    Ok(h.status.map(|s| (s, h.description)))
}

fn pub_ack(subject: &str, msg: Msg) -> Result<PubAck> {
    match status(&msg)? {
        Some((503, _)) => return Err(Error::NoStream(subject.to_owned())),
        Some((code, desc)) => {
            return Err(Error::Protocol(format!("a JetStream publish to {subject} was answered with status {code} {desc}")))
        }
        None => {}
    }
    #[derive(Deserialize)]
    struct Ack {
        stream: Option<String>,
        seq: Option<u64>,
        #[serde(default)]
        duplicate: bool,
        error: Option<Value>,
    }
    let bad = || {
        Error::Protocol(format!(
            "a JetStream acknowledgement of a publish to {subject} is not understood: {}",
            String::from_utf8_lossy(&msg.payload[..msg.payload.len().min(200)])
        ))
    };
    let ack: Ack = serde_json::from_slice(&msg.payload).map_err(|_| bad())?;
    if let Some(err) = ack.error {
        return Err(api_error(&err));
    }
    match (ack.stream, ack.seq) {
        (Some(stream), Some(seq)) => Ok(PubAck { stream, seq, duplicate: ack.duplicate }),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        let d = |s| base64_decode(s).unwrap();
        assert_eq!(d(""), b"");
        assert_eq!(d("aGVsbG8="), b"hello");
        assert_eq!(d("aGVsbG8"), b"hello");
        assert_eq!(d("aGVsbA=="), b"hell");
        assert_eq!(d("aGVs"), b"hel");
        assert_eq!(d("TkFUUy8xLjANCk5hdHMtTXNnLUlkOiBhMQ0KDQo="), b"NATS/1.0\r\nNats-Msg-Id: a1\r\n\r\n");
        assert_eq!(d("+/8="), [0xfb, 0xff]);
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(d("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w=="), all);
        assert_eq!(base64_decode("aGV*bG8="), None);
    }

    #[test]
    fn tokens_and_subjects() {
        assert_eq!(subject_token("grant-42_ok"), "grant-42_ok");
        assert_eq!(subject_token("成都.七中 a*b>c"), "______a_b_c");
        assert_eq!(subject_token(""), "_");
        assert!(validate_subject(&format!("tianfu.share.{}", subject_token("x.y z"))).is_ok());
        for bad in ["", "a b", "a..b", ".a", "a.", "a.*", "a.>", "a\r\nb", "a*b"] {
            assert!(matches!(validate_subject(bad), Err(Error::Subject { .. })), "{bad:?}");
        }
        for ok in ["a.*.c", "a.>", ">", "*", "a.b"] {
            assert!(validate_pattern(ok).is_ok(), "{ok:?}");
        }
        for bad in ["a.>.c", "a.b*", "a..b", "", "a >"] {
            assert!(validate_pattern(bad).is_err(), "{bad:?}");
        }
        assert!(validate_stream_name("TF_share-1").is_ok());
        for bad in ["", "a.b", "a*", "a b", "a/b"] {
            assert!(validate_stream_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_msg_id("g1:c42").is_ok());
        assert!(validate_msg_id("a\r\nX: y").is_err());
    }

    #[test]
    fn covering() {
        assert!(pattern_covers("a.>", "a.b.c"));
        assert!(pattern_covers("a.>", "a.*"));
        assert!(!pattern_covers("a.>", "a"));
        assert!(pattern_covers("a.*", "a.b"));
        assert!(pattern_covers("a.*", "a.*"));
        assert!(!pattern_covers("a.*", "a.>"));
        assert!(!pattern_covers("a.*", "a.b.c"));
        assert!(pattern_covers("a.b", "a.b"));
        assert!(!pattern_covers("a.b", "a.*"));
        assert!(pattern_covers(">", "x"));
    }

    #[test]
    fn operations() {
        // What nats-server 2.9 sends: an empty reply field leaves two spaces before the length.
        let (op, n) = parse_op(b"MSG _INBOX.x.2 1  28\r\n{\"stream\":\"S\", \"seq\":1}     \r\nPING").unwrap().unwrap();
        assert_eq!(n, 52);
        assert_eq!(op, Op::Msg(Msg { subject: "_INBOX.x.2".into(), headers: None, payload: b"{\"stream\":\"S\", \"seq\":1}     ".to_vec() }));
        let (op, _) = parse_op(b"HMSG _INBOX.x.3 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n").unwrap().unwrap();
        let Op::Msg(m) = op else { panic!() };
        assert_eq!(parse_headers(m.headers.as_deref().unwrap()).unwrap().status, Some(503));
        assert!(m.payload.is_empty());
        assert_eq!(parse_op(b"MSG a 1 r 5\r\nhel").unwrap(), None);
        assert_eq!(parse_op(b"PIN").unwrap(), None);
        assert_eq!(parse_op(b"-ERR 'Authorization Violation'\r\n").unwrap().unwrap().0, Op::Err("Authorization Violation".into()));
        assert_eq!(parse_op(b"INFO {\"a\":1} \r\n").unwrap().unwrap().0, Op::Info(b"{\"a\":1}".to_vec()));
        assert!(parse_op(b"HTTP/1.1 400 Bad Request\r\n").is_err());
        assert!(parse_op(b"MSG a 1 5\r\nhelloXX").is_err());
        let h = parse_headers(b"NATS/1.0\r\nNats-Msg-Id: a1\r\n\r\n").unwrap();
        assert_eq!((h.status, h.fields), (None, vec![("Nats-Msg-Id".into(), "a1".into())]));
    }

    #[test]
    fn addresses() {
        let t = parse_address("127.0.0.1:4222").unwrap();
        assert_eq!((t.hostport.as_str(), t.user, t.token), ("127.0.0.1:4222", None, None));
        assert_eq!(parse_address("nats://localhost").unwrap().hostport, "localhost:4222");
        assert_eq!(parse_address("nats://[::1]:5222/").unwrap().hostport, "[::1]:5222");
        let t = parse_address("nats://tf:p%40ss@nats.local:4223").unwrap();
        assert_eq!((t.hostport.as_str(), t.user.as_deref(), t.pass.as_deref()), ("nats.local:4223", Some("tf"), Some("p@ss")));
        assert_eq!(parse_address("nats://s3cret@h").unwrap().token.as_deref(), Some("s3cret"));
        assert!(parse_address("tls://h:4222").is_err());
        assert!(parse_address("nats://").is_err());
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = Error::Timeout { addr: "127.0.0.1:4222".into(), waiting_for: "PONG".into(), after: Duration::from_secs(2) };
        assert_eq!(
            e.to_string(),
            "NATS at 127.0.0.1:4222 did not answer within 2 s while waiting for PONG: is nats-server running with JetStream (-js), and not overloaded?"
        );
        assert!(Error::Server("Authorization Violation".into()).to_string().contains("user and password"));
        assert!(random_token() != random_token());
    }
}
