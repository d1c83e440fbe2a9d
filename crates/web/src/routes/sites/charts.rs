//! A site's charts over a range: response times and availability, from raw checks and the
//! hourly and daily aggregates.

use crate::i18n::T;
use serde::Serialize;
use std::collections::BTreeMap;
use store::monitor::{day_start, hour_start, CheckSummary, History, DAY};

#[derive(Default, Clone, Copy)]
struct Acc {
    checks: u64,
    up: u64,
    v4_sum: u64,
    v4_n: u64,
    v6_sum: u64,
    v6_n: u64,
}

impl Acc {
    fn raw(&mut self, c: &CheckSummary) {
        self.checks += 1;
        self.up += c.available() as u64;
        if c.v4.reachable {
            self.v4_sum += c.v4.elapsed_ms as u64;
            self.v4_n += 1;
        }
        if c.v6.reachable {
            self.v6_sum += c.v6.elapsed_ms as u64;
            self.v6_n += 1;
        }
    }
    /// Aggregates keep the IPv4 times only (their sum over every check).
    fn agg(&mut self, a: &store::monitor::Aggregate) {
        self.checks += a.checks;
        self.up += a.up;
        self.v4_sum += a.ms_sum;
        self.v4_n += a.checks;
    }
    fn mean(sum: u64, n: u64) -> Option<u64> {
        (n > 0).then(|| sum / n)
    }
}

/// The charts of a site over a range: response times (raw points for a day, hourly means for
/// a week, daily means beyond) and availability per hour (a day) or per day.
#[derive(Serialize, Default)]
pub struct Charts {
    pub rt: Series,
    pub avail: Series,
}

#[derive(Serialize, Default)]
pub struct Series {
    pub labels: Vec<String>,
    /// IPv4 ms, or availability in percent.
    pub v4: Vec<Option<f64>>,
    pub v6: Vec<Option<f64>>,
    pub unit: String,
    pub names: [String; 2],
}

fn buckets(h: &History, f: fn(i64) -> i64) -> BTreeMap<i64, Acc> {
    let mut out: BTreeMap<i64, Acc> = BTreeMap::new();
    for c in &h.raw {
        out.entry(f(c.at)).or_default().raw(c);
    }
    for a in h.hourly.iter().chain(&h.daily) {
        out.entry(f(a.bucket)).or_default().agg(a);
    }
    out
}

pub fn charts(t: &T, h: &History, span: i64) -> Charts {
    let label = |at: i64, daily: bool| {
        let s = t.time(at);
        if daily {
            s[5..10].to_string()
        } else {
            s[5..16].to_string()
        }
    };
    let mut rt = Series { unit: t.s("毫秒", "ms").into(), names: ["IPv4".into(), "IPv6".into()], ..Default::default() };
    if span <= DAY {
        for c in &h.raw {
            rt.labels.push(label(c.at, false));
            rt.v4.push(c.v4.reachable.then_some(c.v4.elapsed_ms as f64));
            rt.v6.push(c.v6.reachable.then_some(c.v6.elapsed_ms as f64));
        }
        // Hourly aggregates inside a day only with a raw retention under a day.
        for a in h.hourly.iter().chain(&h.daily) {
            rt.labels.push(label(a.bucket, false));
            rt.v4.push(Acc::mean(a.ms_sum, a.checks).map(|v| v as f64));
            rt.v6.push(None);
        }
    } else {
        let daily = span > 7 * DAY;
        let by = buckets(h, if daily { day_start } else { hour_start });
        for (b, a) in &by {
            rt.labels.push(label(*b, daily));
            rt.v4.push(Acc::mean(a.v4_sum, a.v4_n).map(|v| v as f64));
            rt.v6.push(Acc::mean(a.v6_sum, a.v6_n).map(|v| v as f64));
        }
    }
    let mut avail = Series { unit: "%".into(), names: [t.s("可用率", "Availability").into(), String::new()], ..Default::default() };
    let daily = span > DAY;
    for (b, a) in buckets(h, if daily { day_start } else { hour_start }) {
        avail.labels.push(label(b, daily));
        avail.v4.push((a.checks > 0).then(|| (a.up as f64 * 1000.0 / a.checks as f64).round() / 10.0));
    }
    Charts { rt, avail }
}

/// "99.31%" of the checks in the history, or None without checks.
pub fn availability(h: &History) -> Option<String> {
    let n = h.checks();
    (n > 0).then(|| format!("{:.2}%", h.up() as f64 * 100.0 / n as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::monitor::{FamilySummary, SiteState};

    fn check(at: i64, up: bool, ms: u32) -> CheckSummary {
        CheckSummary {
            at,
            state: if up { SiteState::Up } else { SiteState::Down },
            v4: FamilySummary { reachable: up, status: Some(200), elapsed_ms: ms },
            v6: FamilySummary { reachable: up, status: Some(200), elapsed_ms: ms + 10 },
            tls_days: None,
            tls_grade: None,
            header_score: None,
            ipv6_aaaa: true,
            ipv6_home: up,
            ipv6_consistent: None,
            findings: vec![],
        }
    }

    #[test]
    fn charts_and_availability() {
        let t = T { lang: crate::i18n::Lang::Zh };
        let base = 1_767_196_800; // 2026-01-01 00:00 Beijing
        let h = History { raw: (0..24).map(|i| check(base + i * 600, i % 4 != 0, 100)).collect(), ..Default::default() };
        assert_eq!(availability(&h).as_deref(), Some("75.00%"));
        let c = charts(&t, &h, DAY);
        assert_eq!(c.rt.labels.len(), 24);
        assert_eq!(c.rt.v4[0], None);
        assert_eq!(c.rt.v6[1], Some(110.0));
        // 24 checks 10 minutes apart: four hours.
        assert_eq!(c.avail.labels, ["01-01 00:00", "01-01 01:00", "01-01 02:00", "01-01 03:00"]);
        assert!(c.avail.v4.iter().all(|v| v.is_some()));
        let week = History { hourly: vec![store::monitor::Aggregate { bucket: base, checks: 12, up: 6, v4_up: 6, v6_up: 0, ms_sum: 1200, ms_max: 300 }], ..h.clone() };
        let c = charts(&t, &week, 7 * DAY);
        assert_eq!(c.rt.v4[0], Some(100.0));
        assert_eq!(c.avail.labels, ["01-01"]);
        assert_eq!(c.avail.v4[0], Some(((6 + 18) as f64 * 1000.0 / 36.0).round() / 10.0));
    }

    #[test]
    fn an_outage_hour_is_zero_not_a_gap() {
        let t = T { lang: crate::i18n::Lang::Zh };
        let base = 1_767_196_800;
        // Up for an hour, down for the next, up again: the middle hour is 0 %, in raw checks and
        // in hourly aggregates alike.
        let h = History { raw: (0..18).map(|i| check(base + i * 600, !(6..12).contains(&i), 100)).collect(), ..Default::default() };
        assert_eq!(charts(&t, &h, DAY).avail.v4, [Some(100.0), Some(0.0), Some(100.0)]);
        let agg = |b: i64, up: u64| store::monitor::Aggregate { bucket: base + b * 3600, checks: 12, up, v4_up: up, v6_up: 0, ms_sum: 1200, ms_max: 100 };
        let h = History { hourly: vec![agg(0, 12), agg(1, 0), agg(2, 12)], ..Default::default() };
        assert_eq!(charts(&t, &h, DAY).avail.v4, [Some(100.0), Some(0.0), Some(100.0)]);
    }

}
