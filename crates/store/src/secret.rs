//! The instance secret: one file outside every database (default `tianfu-data/secret.key`, mode
//! 0600) from which each purpose derives a key of its own by HMAC-SHA256 with a label, so that
//! a key leaked or misused for one purpose (say, sealing URLs) says nothing about another (the
//! audit chain). Someone who can write to the database but cannot read this file cannot forge
//! what these keys authenticate.
//!
//! The file holds a random token as text (64 hex digits when this module creates it); the
//! master key is SHA-256 of the trimmed text, as `web::seal` has always read it, so that an
//! existing file keeps working.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

type HmacSha256 = Hmac<Sha256>;

/// The shortest token accepted from a key file (a shorter one is a typo or a truncated file).
pub const MIN_TOKEN_CHARS: usize = 32;

/// The loaded secret. Its bytes never leave this module except through [`Secret::derive`].
#[derive(Clone)]
pub struct Secret {
    master: [u8; 32],
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Why the secret could not be had: what is wrong and what to do (zh, en). The messages name
/// the file: they are for the operator at the console, never for a web page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretError {
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for SecretError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for SecretError {}

impl Secret {
    /// Reads the secret in `path`, creating it when missing: a new random token written to a
    /// temporary file (0600, synced) and linked into place only if no other process made the
    /// file meanwhile — two processes starting at once end up with the same secret.
    pub fn load_or_create(path: &Path) -> Result<Secret, SecretError> {
        match Secret::load(path) {
            Ok(s) => return Ok(s),
            Err(_) if !path.exists() => {}
            // Made by another process (or thread) between the read and the look: read theirs.
            Err(_) => return Secret::load(path),
        }
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).map_err(|e| io_error(path, "创建所在目录", "create the folder of", &e))?;
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| SecretError {
            zh: format!("无法取得系统随机数（{e}），未能创建密钥文件 {}", path.display()),
            en: format!("cannot get random bytes from the system ({e}) to create the key file {}", path.display()),
        })?;
        let token = crate::audit::hex(&bytes);
        let tmp = temp_beside(path);
        let written = (|| -> std::io::Result<()> {
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let mut f = o.open(&tmp)?;
            f.write_all(token.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            match std::fs::hard_link(&tmp, path) {
                Ok(()) => sync_dir(path),
                // Another process created it first: theirs is the secret.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(e),
            }
        })();
        let _ = std::fs::remove_file(&tmp);
        written.map_err(|e| io_error(path, "创建", "create", &e))?;
        Secret::load(path)
    }

    /// Reads the secret in `path`, which must exist.
    pub fn load(path: &Path) -> Result<Secret, SecretError> {
        let text = std::fs::read_to_string(path).map_err(|e| io_error(path, "读取", "read", &e))?;
        Secret::from_token(text.trim()).ok_or_else(|| SecretError {
            zh: format!("密钥文件 {} 内容过短（至少 {MIN_TOKEN_CHARS} 个字符）：文件被截断或不是天府的密钥文件", path.display()),
            en: format!("the key file {} is too short (at least {MIN_TOKEN_CHARS} characters): truncated, or not a Tianfu key file", path.display()),
        })
    }

    /// The secret of a token (the trimmed text of a key file); None when it is too short.
    pub fn from_token(token: &str) -> Option<Secret> {
        (token.chars().count() >= MIN_TOKEN_CHARS).then(|| Secret { master: Sha256::digest(token.as_bytes()).into() })
    }

    /// The key for one purpose: HMAC-SHA256(master, "tianfu/" + label). Labels in use:
    /// `audit-entry`, `audit-head`, `audit-anchor` (the audit chain).
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(&self.master).expect("HMAC takes any key length");
        m.update(b"tianfu/");
        m.update(label.as_bytes());
        m.finalize().into_bytes().into()
    }

    /// HMAC-SHA256 of `bytes` under the key for `label`, as 64 hex digits.
    pub fn hmac_hex(&self, label: &str, bytes: &[u8]) -> String {
        let mut m = Mac32::new(&self.derive(label));
        m.update(bytes);
        m.hex()
    }
}

/// HMAC-SHA256 under a derived key, fed in parts.
pub struct Mac32(HmacSha256);

impl Mac32 {
    pub fn new(key: &[u8; 32]) -> Mac32 {
        Mac32(<HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length"))
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Each part with its length first (8 bytes, little-endian), so that no two different
    /// sequences of parts feed the same bytes.
    pub fn parts<'a>(&mut self, parts: impl IntoIterator<Item = &'a str>) {
        for p in parts {
            self.0.update(&(p.len() as u64).to_le_bytes());
            self.0.update(p.as_bytes());
        }
    }

    pub fn hex(self) -> String {
        crate::audit::hex(&self.0.finalize().into_bytes())
    }
}

/// Compares two strings in time independent of where they differ (MACs from a file or a row).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A temporary name beside `path`, unique to this process and call.
pub(crate) fn temp_beside(path: &Path) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("tianfu");
    path.with_file_name(format!(".{name}.{}.{}.tmp", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
}

/// Makes a rename or link in `path`'s folder durable.
pub(crate) fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::File::open(dir)?.sync_all()?;
    }
    let _ = path;
    Ok(())
}

fn io_error(path: &Path, zh: &str, en: &str, e: &std::io::Error) -> SecretError {
    SecretError {
        zh: format!("无法{zh}密钥文件 {}：{e}（请检查路径与权限；配置项 audit_key_file 可指定位置）", path.display()),
        en: format!("cannot {en} the key file {}: {e} (check the path and its permissions; the setting audit_key_file chooses it)", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tianfu-secret-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn created_once_private_and_stable() {
        let d = dir("create");
        let p = d.join("sub/secret.key");
        // Several threads race to create it: all get the same secret.
        let keys: Vec<[u8; 32]> = (0..8)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || Secret::load_or_create(&p).unwrap().derive("x"))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] == w[1]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1, "no temporary files left");
        assert_eq!(Secret::load(&p).unwrap().derive("x"), keys[0]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn labels_give_independent_keys_and_seal_compatible_master() {
        let s = Secret::from_token("0123456789abcdef0123456789abcdef").unwrap();
        assert_ne!(s.derive("audit-entry"), s.derive("audit-head"));
        // HMAC-SHA256 (RFC 4231 test case 2) through Mac32, to pin the construction.
        let mut m = Mac32(<HmacSha256 as KeyInit>::new_from_slice(b"Jefe").unwrap());
        m.update(b"what do ya want for nothing?");
        assert_eq!(m.hex(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // The master is SHA-256 of the token, as web::seal reads the same file.
        assert_eq!(s.master, <[u8; 32]>::from(Sha256::digest(b"0123456789abcdef0123456789abcdef")));
        assert_eq!(s.hmac_hex("l", b"x").len(), 64);
        assert_ne!(s.hmac_hex("l", b"x"), s.hmac_hex("m", b"x"));
        assert!(Secret::from_token("short").is_none());
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn a_truncated_file_is_refused_with_its_reason() {
        let d = dir("short");
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("secret.key");
        std::fs::write(&p, "abc\n").unwrap();
        let e = Secret::load_or_create(&p).unwrap_err();
        assert!(e.zh.contains("过短") && e.en.contains("too short"), "{e:?}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "abc\n", "an existing file is never replaced");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
