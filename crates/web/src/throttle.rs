//! Sign-in throttling per client address, beside the per-account backoff the store counts
//! ([`store::accounts::Backoff`]). One address may fail [`ADDRESS_FAILURES`] sign-ins in
//! [`ADDRESS_WINDOW`] seconds, whatever the accounts: that stops one source from spraying
//! passwords over many accounts, each below its own backoff. An attempt is counted when it
//! starts (under a lock, so parallel attempts see each other) and refunded when it succeeds, so
//! the colleagues of a school behind one NAT address are not held back by each other's sign-ins.
//! Counts live in the process's memory (each server process counts its own).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const ADDRESS_FAILURES: u32 = 20;
pub const ADDRESS_WINDOW: i64 = 600;

#[derive(Default)]
pub struct AddressThrottle {
    map: Mutex<HashMap<String, (i64, u32)>>,
}

impl AddressThrottle {
    /// Counts an attempt from `ip` at `now`; Err(seconds to wait) when the address has used its
    /// failures of the window (the attempt is then not counted).
    pub fn reserve(&self, ip: &str, now: i64) -> Result<(), i64> {
        let mut m = self.map.lock().expect("lock");
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| now - *start < ADDRESS_WINDOW);
        }
        let e = m.entry(ip.to_string()).or_insert((now, 0));
        if now - e.0 >= ADDRESS_WINDOW {
            *e = (now, 0);
        }
        if e.1 >= ADDRESS_FAILURES {
            return Err(ADDRESS_WINDOW - (now - e.0));
        }
        e.1 += 1;
        Ok(())
    }

    /// The attempt succeeded: it was not a failure.
    pub fn refund(&self, ip: &str) {
        if let Some(e) = self.map.lock().expect("lock").get_mut(ip) {
            e.1 = e.1.saturating_sub(1);
        }
    }
}

/// Person searches started per account in the current minute ([`crate::search`]'s limit).
pub struct SearchLimiter {
    per_minute: u32,
    by_user: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl Default for SearchLimiter {
    fn default() -> SearchLimiter {
        SearchLimiter::new(SEARCHES_PER_MINUTE)
    }
}

impl SearchLimiter {
    pub fn new(per_minute: u32) -> SearchLimiter {
        SearchLimiter { per_minute, by_user: Mutex::default() }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Counts one search of `user`; false when the account has used its searches for this minute.
    pub fn allow(&self, user: i64, now: Instant) -> bool {
        let mut m = self.by_user.lock().expect("lock");
        if m.len() > 10_000 {
            m.retain(|_, (start, _)| now.duration_since(*start) < SEARCH_WINDOW);
        }
        let e = m.entry(user).or_insert((now, 0));
        if now.duration_since(e.0) >= SEARCH_WINDOW {
            *e = (now, 0);
        }
        if e.1 >= self.per_minute {
            return false;
        }
        e.1 += 1;
        true
    }

    /// Forgets every count (tests that search more than a minute's worth).
    pub fn clear(&self) {
        self.by_user.lock().expect("lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_per_address_in_a_window() {
        let t = AddressThrottle::default();
        for _ in 0..ADDRESS_FAILURES {
            t.reserve("192.0.2.1", 1000).unwrap();
        }
        assert_eq!(t.reserve("192.0.2.1", 1010), Err(ADDRESS_WINDOW - 10));
        assert!(t.reserve("192.0.2.2", 1010).is_ok(), "another address");
        t.refund("192.0.2.1");
        assert!(t.reserve("192.0.2.1", 1010).is_ok(), "a success gives its attempt back");
        assert!(t.reserve("192.0.2.1", 1011).is_err());
        assert!(t.reserve("192.0.2.1", 1000 + ADDRESS_WINDOW).is_ok(), "a new window");
    }
}

/// Searches an account may start per minute, unless configured (`searches_per_minute`).
pub const SEARCHES_PER_MINUTE: u32 = 30;
const SEARCH_WINDOW: Duration = Duration::from_secs(60);
