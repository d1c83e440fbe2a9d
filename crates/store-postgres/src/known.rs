//! The stored rows of a table as (key fingerprint, row_hash) pairs, loaded once per large
//! import so that a row whose key and hash are both already stored is recognised as unchanged
//! without being sent to the server. 16 bytes per stored row.
//!
//! A row is skipped only when its 64-bit key fingerprint *and* its 64-bit row hash match a
//! stored row; anything else (new, changed, or a fingerprint shared by two stored keys) goes
//! to the staging table and the exact SQL comparison.

use crate::error::pg;
use postgres::Client;
use std::collections::HashSet;
use std::io::{BufReader, Read};
use store::StoreError;

/// A 64-bit fingerprint of a key: 8-byte words, multiply–xor, splitmix64's finaliser.
/// Unrelated to `row_hash` (FNV-1a), so the two checks are independent.
pub fn fingerprint(key: &[u8]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15 ^ key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(0xBF58_476D_1CE4_E5B9).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(b))
            .wrapping_mul(0x94D0_49BB_1331_11EB)
            .rotate_left(29);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

pub struct Known {
    /// Sorted by fingerprint.
    pairs: Vec<(u64, i64)>,
    /// `pairs[starts[b]..starts[b + 1]]` have `fp >> shift == b`; about 4 per bucket.
    starts: Vec<u32>,
    shift: u32,
    /// Fingerprints of two stored keys at once: never trusted.
    ambiguous: HashSet<u64>,
}

impl Known {
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Reads `key_col, row_hash` of every row of `table` in the transaction's snapshot.
    pub fn load(db: &mut Client, table: &str, key_col: &str) -> Result<Known, StoreError> {
        let sql =
            format!("COPY (SELECT {key_col}, row_hash FROM {table}) TO STDOUT (FORMAT binary)");
        let reader = db.copy_out(sql.as_str()).map_err(pg)?;
        let mut r = BufReader::with_capacity(1 << 20, reader);
        let bad = |what: &str| StoreError::Internal(format!("reading {table}: {what}"));
        let io = |e: std::io::Error| StoreError::Unavailable(format!("reading {table}: {e}"));
        let mut header = [0u8; 19];
        r.read_exact(&mut header).map_err(io)?;
        if &header[..11] != b"PGCOPY\n\xff\r\n\0" {
            return Err(bad("not binary COPY data"));
        }
        let ext = u32::from_be_bytes([header[15], header[16], header[17], header[18]]) as usize;
        std::io::copy(&mut (&mut r).take(ext as u64), &mut std::io::sink()).map_err(io)?;
        let mut pairs: Vec<(u64, i64)> = Vec::new();
        let mut key = Vec::with_capacity(64);
        let mut b2 = [0u8; 2];
        let mut b4 = [0u8; 4];
        let mut b8 = [0u8; 8];
        loop {
            r.read_exact(&mut b2).map_err(io)?;
            match i16::from_be_bytes(b2) {
                -1 => break,
                2 => {}
                n => return Err(bad(&format!("{n} fields in a row"))),
            }
            r.read_exact(&mut b4).map_err(io)?;
            let len = i32::from_be_bytes(b4);
            if len < 0 {
                return Err(bad("a NULL key"));
            }
            key.resize(len as usize, 0);
            r.read_exact(&mut key).map_err(io)?;
            r.read_exact(&mut b4).map_err(io)?;
            if i32::from_be_bytes(b4) != 8 {
                return Err(bad("a row_hash that is not bigint"));
            }
            r.read_exact(&mut b8).map_err(io)?;
            pairs.push((fingerprint(&key), i64::from_be_bytes(b8)));
        }
        // Drain to the end of the COPY so that the connection is ready for the next statement.
        std::io::copy(&mut r, &mut std::io::sink()).map_err(io)?;
        Ok(Known::build(pairs))
    }

    pub fn build(mut pairs: Vec<(u64, i64)>) -> Known {
        pairs.sort_unstable_by_key(|p| p.0);
        let mut ambiguous = HashSet::new();
        for w in pairs.windows(2) {
            if w[0].0 == w[1].0 {
                ambiguous.insert(w[0].0);
            }
        }
        let bits = (pairs.len() / 4)
            .max(1)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(1, 30);
        let shift = 64 - bits;
        let buckets = 1usize << bits;
        let mut starts = vec![0u32; buckets + 1];
        for p in &pairs {
            starts[(p.0 >> shift) as usize + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        pairs.shrink_to_fit();
        Known {
            pairs,
            starts,
            shift,
            ambiguous,
        }
    }

    /// The stored row hash of the key with this fingerprint, if exactly one stored key has it.
    pub fn get(&self, fp: u64) -> Option<i64> {
        let b = (fp >> self.shift) as usize;
        let (lo, hi) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        let hit = self.pairs[lo..hi].iter().find(|p| p.0 == fp)?;
        if !self.ambiguous.is_empty() && self.ambiguous.contains(&fp) {
            return None;
        }
        Some(hit.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_stored() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("5101042014{i:08}")).collect();
        let k = Known::build(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (fingerprint(k.as_bytes()), i as i64))
                .collect(),
        );
        assert_eq!(k.len(), 10_000);
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(k.get(fingerprint(key.as_bytes())), Some(i as i64));
        }
        assert_eq!(k.get(fingerprint(b"nobody")), None);
        let fps: HashSet<u64> = keys.iter().map(|k| fingerprint(k.as_bytes())).collect();
        assert_eq!(fps.len(), keys.len());
        assert_ne!(fingerprint(b""), fingerprint(b"\0"));
        assert_ne!(fingerprint(b"abcdefgh"), fingerprint(b"abcdefgh\0"));
    }

    #[test]
    fn a_shared_fingerprint_is_never_trusted() {
        let k = Known::build(vec![(7, 1), (7, 2), (9, 3)]);
        assert_eq!(k.get(7), None);
        assert_eq!(k.get(9), Some(3));
        let empty = Known::build(Vec::new());
        assert_eq!(empty.get(7), None);
    }
}
