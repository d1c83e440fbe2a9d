//! 时钟 — an injectable clock, so that domain rules read time from one place and tests set it
//! instead of sleeping.
//!
//! Domain code takes `&dyn Clock` (or a time read from one by its caller); the server and the
//! CLI pass [`SystemClock`], tests a [`TestClock`] they move forward by hand.

use standard::Date;
use std::sync::atomic::{AtomicI64, Ordering};

/// China Standard Time's offset from UTC: the calendar's days begin at 00:00 UTC+8.
pub const CST_OFFSET_SECS: i64 = 8 * 3600;

/// Where time comes from.
pub trait Clock: Send + Sync {
    /// Now, in Unix milliseconds.
    fn now_millis(&self) -> i64;

    /// Now, in Unix seconds.
    fn now(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Today's date in China Standard Time (UTC+8): the day deadlines count in.
    fn today(&self) -> Date {
        Date::from_days_since_epoch((self.now() + CST_OFFSET_SECS).div_euclid(86_400))
    }

    /// Now as `YYYY-MM-DDTHH:MM:SSZ`.
    fn rfc3339(&self) -> String {
        crate::time::rfc3339(self.now())
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }
}

/// A clock that stands still until told to move: tests control time with it.
#[derive(Debug, Default)]
pub struct TestClock(AtomicI64);

impl TestClock {
    /// Stopped at `secs` (Unix seconds).
    pub fn at(secs: i64) -> TestClock {
        TestClock(AtomicI64::new(secs * 1000))
    }

    /// Stopped at 09:00 China Standard Time on `date`.
    pub fn on(date: Date) -> TestClock {
        TestClock::at(date.days_since_epoch() * 86_400 + 9 * 3600 - CST_OFFSET_SECS)
    }

    /// Moves forward (or back, when negative) by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    /// Moves forward by `millis`.
    pub fn advance_millis(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }

    pub fn set(&self, secs: i64) {
        self.0.store(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now_millis(&self) -> i64 {
        (**self).now_millis()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_millis(&self) -> i64 {
        (**self).now_millis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_moves_only_when_told() {
        let c = TestClock::on(Date::new(2026, 2, 13).unwrap());
        assert_eq!(c.today(), Date::new(2026, 2, 13).unwrap());
        assert_eq!(c.now(), c.now());
        c.advance(15 * 3600); // 09:00 + 15 h = 00:00 CST the next day
        assert_eq!(c.today(), Date::new(2026, 2, 14).unwrap());
        assert_eq!(c.rfc3339(), "2026-02-13T16:00:00Z");
        c.advance_millis(-1);
        assert_eq!(c.today(), Date::new(2026, 2, 13).unwrap());
    }

    #[test]
    fn system_clock_is_now() {
        let a = SystemClock.now();
        assert!((a - crate::time::unix_now()).abs() <= 1);
        let shared: std::sync::Arc<dyn Clock> = std::sync::Arc::new(TestClock::at(5));
        assert_eq!(shared.now(), 5);
    }
}
