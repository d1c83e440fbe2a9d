//! Opaque references in URLs. A record's natural key is often an ID number, and a page cursor can
//! hold a name or a key: neither may appear in an address (browser history, proxy logs, or simply
//! the link behind a masked name). URLs carry them sealed, SIV-style: a 64-bit tag (keyed SHA-256
//! of the plaintext) comes first and seeds the SHA-256 key stream the plaintext is XORed with, so
//! the same key always seals alike but no two plaintexts share a key stream (knowing one record's
//! ID and its reference reveals nothing about another's). A tampered reference does not open.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

static SECRET: OnceLock<[u8; 32]> = OnceLock::new();

fn secret() -> &'static [u8; 32] {
    SECRET.get_or_init(|| Sha256::digest(crate::auth::random_token().as_bytes()).into())
}

/// Uses the secret in `path`, creating it (mode 0600) when missing, so that references stay
/// valid across restarts and between servers that share the file. Without it, a random secret
/// lives as long as the process.
pub fn init(path: &std::path::Path) -> std::io::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d)?;
            }
            let t = crate::auth::random_token();
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            match o.open(path) {
                Ok(mut f) => std::io::Write::write_all(&mut f, t.as_bytes())?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            std::fs::read_to_string(path)?
        }
        Err(e) => return Err(e),
    };
    let _ = SECRET.set(Sha256::digest(text.trim().as_bytes()).into());
    Ok(())
}

fn stream(n: usize, label: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 32);
    let mut i = 0u32;
    while out.len() < n {
        let mut h = Sha256::new();
        h.update(secret());
        h.update(label);
        h.update(i.to_le_bytes());
        out.extend_from_slice(&h.finalize());
        i += 1;
    }
    out.truncate(n);
    out
}

fn tag(plain: &[u8]) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(secret());
    h.update(b"tag");
    h.update(plain);
    let d = h.finalize();
    d[..8].try_into().expect("8 bytes")
}

pub fn seal(s: &str) -> String {
    let mut out = Vec::with_capacity(16 + 2 * s.len());
    seal_into(s, &mut out);
    String::from_utf8(out).expect("hex")
}

/// [`seal`], its hex appended to `out` (a JSON page seals a reference per record).
pub fn seal_into(s: &str, out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = |x: u8| out.extend_from_slice(&[DIGITS[(x >> 4) as usize], DIGITS[(x & 15) as usize]]);
    let p = s.as_bytes();
    let t = tag(p);
    t.iter().for_each(|&x| hex(x));
    // The key stream of `stream(p.len(), &t)`, a block at a time.
    for (i, chunk) in p.chunks(32).enumerate() {
        let mut h = Sha256::new();
        h.update(secret());
        h.update(t);
        h.update((i as u32).to_le_bytes());
        let block = h.finalize();
        chunk.iter().zip(block.iter()).for_each(|(a, b)| hex(a ^ b));
    }
}

pub fn open(s: &str) -> Option<String> {
    if s.len() % 2 != 0 || s.len() < 16 {
        return None;
    }
    let bytes: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect::<Option<_>>()?;
    let (t, body) = bytes.split_at(8);
    let ks = stream(body.len(), t);
    let plain: Vec<u8> = body.iter().zip(ks).map(|(a, b)| a ^ b).collect();
    (tag(&plain) == t).then(|| String::from_utf8(plain).ok()).flatten()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_tamper() {
        let s = super::seal("51010420140901002X");
        assert!(!s.contains("510104"));
        assert_eq!(super::open(&s).as_deref(), Some("51010420140901002X"));
        let mut t = s.clone().into_bytes();
        t[0] = if t[0] == b'0' { b'1' } else { b'0' };
        assert_eq!(super::open(std::str::from_utf8(&t).unwrap()), None);
        assert_eq!(super::open("zz"), None);
        assert_eq!(super::open(&super::seal("n:1:张三")).as_deref(), Some("n:1:张三"));
        assert_eq!(super::seal("51010420140901002X"), s, "deterministic");
        // Longer than one key-stream block.
        let long = "n:12345678:".to_string() + &"长".repeat(30);
        assert_eq!(super::open(&super::seal(&long)).as_deref(), Some(long.as_str()));
        assert_eq!(super::seal(""), store::audit::hex(&super::tag(b"")));
    }

    /// Knowing one plaintext and its seal must not unseal another of the same length.
    #[test]
    fn no_shared_key_stream() {
        let bytes = |h: &str| (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect::<Vec<u8>>();
        let (a, b) = ("510104201409010021", "510104201409010039");
        let (sa, sb) = (bytes(&super::seal(a)), bytes(&super::seal(b)));
        let xc: Vec<u8> = sa[8..].iter().zip(&sb[8..]).map(|(x, y)| x ^ y).collect();
        let xp: Vec<u8> = a.bytes().zip(b.bytes()).map(|(x, y)| x ^ y).collect();
        assert_ne!(xc, xp, "the two seals used the same key stream");
    }
}
