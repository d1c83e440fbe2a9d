//! Exact duplicate-key detection: keys are lossless encodings of the identifiers (see
//! `standard::ids`), so no two different identifiers ever collide.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast mixer for keys that are already well-spread integers (SipHash is needlessly slow here).
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        // splitmix64 finaliser: every input bit moves the high bits hashbrown uses.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = self.0.rotate_left(5) ^ n;
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64 ^ 0x9e37_79b9_7f4a_7c15);
    }
}

type Build = BuildHasherDefault<KeyHasher>;

/// The keys seen so far for one unique field.
#[derive(Default)]
pub struct KeySet {
    small: HashSet<u64, Build>,
    big: HashSet<u128, Build>,
}

impl KeySet {
    pub fn with_capacity(n: usize) -> KeySet {
        KeySet { small: HashSet::with_capacity_and_hasher(n, Build::default()), big: HashSet::default() }
    }

    /// True when the key is new.
    pub fn insert(&mut self, key: u128) -> bool {
        match u64::try_from(key) {
            Ok(k) => self.small.insert(k),
            Err(_) => self.big.insert(key),
        }
    }
}
