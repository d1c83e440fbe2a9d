//! Opaque, authenticated tokens in URLs, and the other keys derived from the instance secret.
//!
//! A record's natural key is often an ID number, and a page cursor holds a name or a key: neither
//! may appear in an address (browser history, proxy logs, the link behind a masked name) nor be
//! made up by a client. URLs carry them sealed, SIV-style: a 128-bit tag (HMAC-SHA256 of the
//! plaintext) comes first and seeds the key stream the plaintext is XORed with, so the same
//! plaintext always seals alike (a record's link is stable) but no two plaintexts share a key
//! stream (knowing one record's ID and its reference reveals nothing about another's). A
//! tampered or made-up token does not open.
//!
//! Each use has keys of its own, derived from the secret with a label ([`subkey`]): a record
//! reference ([`seal`]) never opens as a page cursor ([`seal_cursor`]) nor the reverse, and a
//! cursor is bound to a context — the account and the query it was made for — so that it opens
//! for no other. The audit log's keyed hash of ID numbers ([`audit_hash`]) has its own key too.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

static SECRET: OnceLock<[u8; 32]> = OnceLock::new();

fn secret() -> &'static [u8; 32] {
    SECRET.get_or_init(|| Sha256::digest(random_token().as_bytes()).into())
}

/// Uses the instance secret ([`store::secret::Secret`], the same file as the audit chain's
/// keys): the key this module derives its keys from is the secret's key for `web-seal`, so that
/// references stay valid across restarts and between servers that share the file. Without it, a
/// random secret lives as long as the process.
pub fn init(secret: &store::secret::Secret) {
    let _ = SECRET.set(secret.derive("web-seal"));
}

/// [`init`] from the secret file at `path` (created, 0600, when missing).
pub fn init_file(path: &std::path::Path) -> Result<(), store::secret::SecretError> {
    init(&store::secret::Secret::load_or_create(path)?);
    Ok(())
}

/// An HMAC-SHA256 key (RFC 2104) with its two padded blocks already absorbed, so that a MAC of a
/// short message costs two compressions.
#[derive(Clone)]
pub struct MacKey {
    inner: Sha256,
    outer: Sha256,
}

impl MacKey {
    /// A key of up to 64 bytes (longer keys are hashed first, as RFC 2104 says).
    pub fn new(key: &[u8]) -> MacKey {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let (mut inner, mut outer) = (Sha256::new(), Sha256::new());
        inner.update(k.map(|b| b ^ 0x36));
        outer.update(k.map(|b| b ^ 0x5c));
        MacKey { inner, outer }
    }

    /// HMAC-SHA256 of the concatenated parts.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut h = self.inner.clone();
        for p in parts {
            h.update(p);
        }
        let mut o = self.outer.clone();
        o.update(h.finalize());
        o.finalize().into()
    }
}

/// A key for one purpose, derived from the instance secret: HMAC(secret, "tianfu/" + label).
/// Every key the web layer derives from the secret comes from here, each with its own label.
pub fn subkey(label: &str) -> [u8; 32] {
    MacKey::new(secret()).mac(&[b"tianfu/", label.as_bytes()])
}

/// The keys of one kind of sealed token: one authenticates, the other makes the key stream.
struct Domain {
    tag: MacKey,
    stream: [u8; 32],
}

impl Domain {
    fn new(label: &str) -> Domain {
        Domain { tag: MacKey::new(&subkey(&format!("{label}/tag"))), stream: subkey(&format!("{label}/stream")) }
    }

    /// The tag of `plain` in `context` (length-prefixed, so no context runs into the plaintext).
    fn tag(&self, context: &[u8], plain: &[u8]) -> [u8; TAG] {
        let d = self.tag.mac(&[&(context.len() as u32).to_le_bytes(), context, plain]);
        d[..TAG].try_into().expect("TAG bytes")
    }

    /// The key stream block `i` under tag `t`: SHA-256 of the stream key, the tag and the block
    /// number (fixed-length input, so a keyed prefix is a sound PRF here).
    fn block(&self, t: &[u8], i: u32) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.stream);
        h.update(t);
        h.update(i.to_le_bytes());
        h.finalize().into()
    }

    fn seal_into(&self, context: &[u8], s: &str, out: &mut Vec<u8>) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = |x: u8| out.extend_from_slice(&[DIGITS[(x >> 4) as usize], DIGITS[(x & 15) as usize]]);
        let p = s.as_bytes();
        let t = self.tag(context, p);
        t.iter().for_each(|&x| hex(x));
        for (i, chunk) in p.chunks(32).enumerate() {
            let block = self.block(&t, i as u32);
            chunk.iter().zip(block.iter()).for_each(|(a, b)| hex(a ^ b));
        }
    }

    fn open(&self, context: &[u8], s: &str) -> Option<String> {
        if s.len() % 2 != 0 || s.len() < 2 * TAG || s.len() > MAX_SEALED {
            return None;
        }
        let bytes: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect::<Option<_>>()?;
        let (t, body) = bytes.split_at(TAG);
        let mut plain = Vec::with_capacity(body.len());
        for (i, chunk) in body.chunks(32).enumerate() {
            let block = self.block(t, i as u32);
            plain.extend(chunk.iter().zip(block.iter()).map(|(a, b)| a ^ b));
        }
        let want = self.tag(context, &plain);
        // Constant-time comparison: the tag is what a forger would guess byte by byte.
        let diff = want.iter().zip(t).fold(0u8, |d, (a, b)| d | (a ^ b));
        (diff == 0).then(|| String::from_utf8(plain).ok()).flatten()
    }
}

/// Tag bytes (128 bits).
const TAG: usize = 16;

/// The longest sealed token opened (hex characters): a cursor holds a name and a key.
const MAX_SEALED: usize = 2 * (TAG + 1024);

struct Keys {
    reference: Domain,
    cursor: Domain,
    audit: MacKey,
}

fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| Keys { reference: Domain::new("ref/v2"), cursor: Domain::new("cursor/v1"), audit: MacKey::new(&subkey("audit-id/v1")) })
}

/// A record reference: the natural key, sealed (not bound to a user: a link may be passed on,
/// and the scope check still decides what it shows).
pub fn seal(s: &str) -> String {
    let mut out = Vec::with_capacity(2 * TAG + 2 * s.len());
    seal_into(s, &mut out);
    String::from_utf8(out).expect("hex")
}

/// [`seal`], its hex appended to `out` (a JSON page seals a reference per record).
pub fn seal_into(s: &str, out: &mut Vec<u8>) {
    keys().reference.seal_into(b"", s, out);
}

/// The natural key of a record reference; None when it is not one this instance sealed.
pub fn open(s: &str) -> Option<String> {
    keys().reference.open(b"", s)
}

/// A page cursor, bound to `context` (see [`cursor_context`]).
pub fn seal_cursor(s: &str, context: &str) -> String {
    let mut out = Vec::with_capacity(2 * TAG + 2 * s.len());
    keys().cursor.seal_into(context.as_bytes(), s, &mut out);
    String::from_utf8(out).expect("hex")
}

/// A page cursor sealed for this very context, or None (forged, cut, a reference, or made for
/// another account or other filters).
pub fn open_cursor(s: &str, context: &str) -> Option<String> {
    keys().cursor.open(context.as_bytes(), s)
}

/// What a cursor is bound to: the account, the list and its filters as the query uses them.
pub fn cursor_context(user_id: i64, list: &str, filters: &[&str]) -> String {
    let mut c = format!("{user_id}\u{0}{list}");
    for f in filters {
        c.push('\u{0}');
        c.push_str(f);
    }
    c
}

/// The keyed hash (HMAC-SHA256, hex) by which the audit log names an ID number, 学籍号 or a
/// searched value: whoever holds the instance secret (the server, `tianfu` on the server) can
/// find every access to a known number, but the log alone does not reveal it — an unkeyed hash
/// of an 18-digit ID with a known region and birth year falls to a few thousand guesses.
pub fn audit_hash(v: &str) -> String {
    store::audit::hex(&keys().audit.mac(&[v.as_bytes()]))
}

/// A random secret, hex (32 bytes).
pub fn random_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    store::audit::hex(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let s = seal("51010420140901002X");
        assert!(!s.contains("510104"));
        assert_eq!(open(&s).as_deref(), Some("51010420140901002X"));
        let mut t = s.clone().into_bytes();
        t[0] = if t[0] == b'0' { b'1' } else { b'0' };
        assert_eq!(open(std::str::from_utf8(&t).unwrap()), None);
        assert_eq!(open("zz"), None);
        assert_eq!(open(&seal("n:1:张三")).as_deref(), Some("n:1:张三"));
        assert_eq!(seal("51010420140901002X"), s, "deterministic");
        // Longer than one key-stream block.
        let long = "n:12345678:".to_string() + &"长".repeat(30);
        assert_eq!(open(&seal(&long)).as_deref(), Some(long.as_str()));
        assert_eq!(open(&seal("")).as_deref(), Some(""));
        assert_eq!(open(&"0".repeat(2 * TAG + 2 * 2000)), None, "too long to be ours");
    }

    /// Knowing one plaintext and its seal must not unseal another of the same length.
    #[test]
    fn no_shared_key_stream() {
        let bytes = |h: &str| (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect::<Vec<u8>>();
        let (a, b) = ("510104201409010021", "510104201409010039");
        let (sa, sb) = (bytes(&seal(a)), bytes(&seal(b)));
        let xc: Vec<u8> = sa[TAG..].iter().zip(&sb[TAG..]).map(|(x, y)| x ^ y).collect();
        let xp: Vec<u8> = a.bytes().zip(b.bytes()).map(|(x, y)| x ^ y).collect();
        assert_ne!(xc, xp, "the two seals used the same key stream");
    }

    /// A reference never opens as a cursor nor a cursor as a reference, and a cursor opens only
    /// in the context it was sealed for.
    #[test]
    fn domains_and_contexts_are_separate() {
        let ctx = cursor_context(7, "students", &["张三", "", "", ""]);
        let r = seal("nt6:张三t18:51010420140901002X");
        let c = seal_cursor("nt6:张三t18:51010420140901002X", &ctx);
        assert_ne!(r, c);
        assert_eq!(open_cursor(&r, &ctx), None, "a reference is not a cursor");
        assert_eq!(open_cursor(&r, ""), None);
        assert_eq!(open(&c), None, "a cursor is not a reference");
        assert!(open_cursor(&c, &ctx).is_some());
        for other in [cursor_context(8, "students", &["张三", "", "", ""]), cursor_context(7, "teachers", &["张三", "", "", ""]), cursor_context(7, "students", &["张", "", "", ""]), cursor_context(7, "students", &["张三", "", "", "510104"])] {
            assert_eq!(open_cursor(&c, &other), None, "{other:?}");
        }
        // The context is delimited: moving a character between filters is another context.
        assert_ne!(cursor_context(1, "a", &["bc", ""]), cursor_context(1, "a", &["b", "c"]));
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than a block).
    #[test]
    fn hmac_sha256_known_answers() {
        let hex = |d: [u8; 32]| store::audit::hex(&d);
        assert_eq!(hex(MacKey::new(&[0x0b; 20]).mac(&[b"Hi There"])), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assert_eq!(hex(MacKey::new(b"Jefe").mac(&[b"what do ya want ", b"for nothing?"])), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(
            hex(MacKey::new(&[0xaa; 131]).mac(&[b"Test Using Larger Than Block-Size Key - Hash Key First"])),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn audit_hash_is_keyed_and_stable() {
        let h = audit_hash("51010420140901002X");
        assert_eq!(h, audit_hash("51010420140901002X"));
        assert_eq!(h.len(), 64);
        assert_ne!(h, crate::auth::sha256_hex("51010420140901002X"), "not the unkeyed hash");
        assert_ne!(h, audit_hash("51010420140901003X"));
    }
}
