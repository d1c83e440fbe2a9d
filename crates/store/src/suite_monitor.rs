//! The tests of the monitor's storage ([`crate::monitor::Monitor`]) that every backend must pass
//! ([`monitor_suite!`]). Claiming from two connections at once is backend-specific and lives in
//! each backend's own tests.

use crate::monitor::*;
use crate::suite::{import, school};
use crate::{Scope, Store, StoreError};
use standard::Entity;

/// What the suite needs of a backend.
pub trait MonitorStore: Store + Monitor {}
impl<T: Store + Monitor> MonitorStore for T {}

#[macro_export]
macro_rules! monitor_suite {
    ($make:expr) => {
        $crate::monitor_suite!(@tests $make;
            sites_created_updated_disabled, sites_scoped_filtered_paged, sites_upserted_by_url,
            claims_lease_and_release, results_kept_with_state, compaction_exact_and_bounded,
            alerts_deduplicated_resolved_scoped, baselines_accepted_by_a_person, crawls_claimed_and_scheduled,
            ipv6_results_and_rates, site_writes_are_scoped, alerts_handled_by_area_and_role, alerts_filtered_paged_counted,
            webhooks_kept_for_the_province, freshness_tells_stopped_checks);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_monitor::$name(&mut s);
            }
        )*
    };
}

pub const T0: i64 = 1_800_000_000;

pub fn site(name: &str, url: &str, org: i64, cat: SiteCategory) -> NewSite {
    NewSite { name: name.into(), url: url.into(), org_code: org, category: cat, interval_minutes: 5 }
}

/// Two schools in 锦江区 (510104), one in 自流井区 (510302).
pub fn schools(s: &mut dyn MonitorStore) {
    import(s, Entity::School, "s", &[school("2151010401", "510104", "锦江实验小学"), school("2151010402", "510104", "锦江二小"), school("2151030201", "510302", "自流井小学")]);
}

pub fn summary(at: i64, up: bool, ms: u32) -> CheckSummary {
    CheckSummary {
        at,
        state: if up { SiteState::Up } else { SiteState::Down },
        v4: FamilySummary { reachable: up, status: up.then_some(200), elapsed_ms: ms },
        v6: FamilySummary { reachable: false, status: None, elapsed_ms: 0 },
        tls_days: Some(80),
        tls_grade: Some("A".into()),
        header_score: Some(60),
        ipv6_aaaa: false,
        ipv6_home: false,
        ipv6_consistent: None,
        findings: if up { vec!["ipv6_missing".into()] } else { vec!["unreachable".into(), "ipv6_missing".into()] },
    }
}

pub fn sites_created_updated_disabled(s: &mut dyn MonitorStore) {
    schools(s);
    let a = s.create_site(&crate::Scope::all(), &site("锦江实验小学", "https://a.example.edu.cn/", 2151010401, SiteCategory::School), T0).unwrap();
    assert_eq!((a.region_code, a.state, a.enabled, a.next_due, a.created_at), (510104, SiteState::Unknown, true, T0, T0));
    assert_eq!(s.site(a.id).unwrap().unwrap(), a);
    let e = s.create_site(&crate::Scope::all(), &site("again", "https://a.example.edu.cn/", 510104, SiteCategory::Bureau), T0).unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let e = s.create_site(&crate::Scope::all(), &site("nobody", "https://n.example.edu.cn/", 999, SiteCategory::Other), T0).unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let e = s.create_site(&crate::Scope::all(), &site("", "https://m.example.edu.cn/", 510104, SiteCategory::Other), T0).unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let b = s.create_site(&crate::Scope::all(), &site("锦江区教育局", "http://jj.example.gov.cn/", 510104, SiteCategory::Bureau), T0).unwrap();
    assert_eq!(b.region_code, 510104);
    let mut upd = site("锦江实验小学（新）", "https://a2.example.edu.cn/", 2151030201, SiteCategory::School);
    upd.interval_minutes = 60;
    assert!(s.update_site(&crate::Scope::all(), a.id, &upd, T0 + 10).unwrap());
    let a2 = s.site(a.id).unwrap().unwrap();
    assert_eq!((a2.name.as_str(), a2.url.as_str(), a2.region_code, a2.interval_minutes, a2.updated_at), ("锦江实验小学（新）", "https://a2.example.edu.cn/", 510302, 60, T0 + 10));
    assert!(!s.update_site(&crate::Scope::all(), 9999, &upd, T0).unwrap());
    assert!(s.set_site_enabled(&crate::Scope::all(), b.id, false, T0 + 20).unwrap());
    assert!(!s.site(b.id).unwrap().unwrap().enabled);
    assert!(s.site(9999).unwrap().is_none());
}

pub fn sites_scoped_filtered_paged(s: &mut dyn MonitorStore) {
    schools(s);
    let mk = |n: u32, org: i64, cat| site(&format!("站点{n}"), &format!("https://s{n}.example.edu.cn/"), org, cat);
    let mut ids = Vec::new();
    for (n, org, cat) in [(1, 2151010401, SiteCategory::School), (2, 2151010402, SiteCategory::School), (3, 510104, SiteCategory::Bureau), (4, 510100, SiteCategory::Bureau), (5, 2151030201, SiteCategory::School), (6, 510000, SiteCategory::University)] {
        ids.push(s.create_site(&crate::Scope::all(), &mk(n, org, cat), T0).unwrap().id);
    }
    let names = |p: &crate::Page<Site>| p.rows.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    let q = |limit| SiteQuery { limit, ..Default::default() };
    let province = Scope::Region { lo: 510000, hi: 519999 };
    assert_eq!(s.sites(&province, &q(50)).unwrap().rows.len(), 6);
    let city = Scope::Region { lo: 510100, hi: 510199 };
    assert_eq!(names(&s.sites(&city, &q(50)).unwrap()), ["站点1", "站点2", "站点3", "站点4"]);
    let county = Scope::Region { lo: 510104, hi: 510104 };
    assert_eq!(names(&s.sites(&county, &q(50)).unwrap()), ["站点1", "站点2", "站点3"]);
    let one = Scope::School { code: "2151010402".into(), county: 510104 };
    assert_eq!(names(&s.sites(&one, &q(50)).unwrap()), ["站点2"]);
    assert!(s.sites(&Scope::Nothing, &q(50)).unwrap().rows.is_empty());
    // Filters.
    let bureaus = s.sites(&province, &SiteQuery { category: Some(SiteCategory::Bureau), limit: 50, ..Default::default() }).unwrap();
    assert_eq!(names(&bureaus), ["站点3", "站点4"]);
    let zigong = s.sites(&province, &SiteQuery { region: Some(510302), limit: 50, ..Default::default() }).unwrap();
    assert_eq!(names(&zigong), ["站点5"]);
    assert!(s.sites(&county, &SiteQuery { region: Some(510302), limit: 50, ..Default::default() }).unwrap().rows.is_empty(), "a region outside the scope yields nothing");
    s.record_result(ids[1], &summary(T0, false, 0), T0 + 300).unwrap();
    let down = s.sites(&province, &SiteQuery { state: Some(SiteState::Down), limit: 50, ..Default::default() }).unwrap();
    assert_eq!(names(&down), ["站点2"]);
    s.set_site_enabled(&crate::Scope::all(), ids[0], false, T0).unwrap();
    assert_eq!(s.sites(&county, &q(50)).unwrap().rows.len(), 2);
    assert_eq!(s.sites(&county, &SiteQuery { include_disabled: true, limit: 50, ..Default::default() }).unwrap().rows.len(), 3);
    // Keyset pages.
    let p1 = s.sites(&province, &q(2)).unwrap();
    assert_eq!(names(&p1), ["站点2", "站点3"]);
    let p2 = s.sites(&province, &SiteQuery { after: p1.next.clone(), limit: 2, ..Default::default() }).unwrap();
    assert_eq!(names(&p2), ["站点4", "站点5"]);
    let p3 = s.sites(&province, &SiteQuery { after: p2.next.clone(), limit: 2, ..Default::default() }).unwrap();
    assert_eq!((names(&p3), p3.next), (vec!["站点6".to_string()], None));
    // Every page at once, from a cursor on, and stopping early (the traits' paging loop).
    let all = s.all_sites(&province, &SiteQuery::default()).unwrap();
    assert_eq!(all.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(), ["站点2", "站点3", "站点4", "站点5", "站点6"]);
    let rest = s.all_sites(&province, &SiteQuery { after: p1.next.clone(), ..Default::default() }).unwrap();
    assert_eq!(rest.len(), 3, "from the cursor on");
    let mut seen = 0;
    s.each_site(&province, &SiteQuery::default(), &mut |_| {
        seen += 1;
        seen < 2
    })
    .unwrap();
    assert_eq!(seen, 2, "stops when told");
    // Counts by state, with the same filters (the state and the cursor ignored).
    let mut counts = s.site_counts(&province, &SiteQuery { state: Some(SiteState::Up), after: Some("3".into()), ..Default::default() }).unwrap();
    counts.sort_by_key(|(st, _)| st.code());
    assert_eq!(counts, [(SiteState::Down, 1), (SiteState::Unknown, 4)], "site 1 is disabled");
    let all = SiteQuery { include_disabled: true, category: Some(SiteCategory::School), ..Default::default() };
    assert_eq!(s.site_counts(&county, &all).unwrap().iter().map(|c| c.1).sum::<u64>(), 2);
    assert_eq!(s.site_counts(&one, &all).unwrap(), [(SiteState::Down, 1)]);
    assert!(s.site_counts(&county, &SiteQuery { region: Some(510302), ..Default::default() }).unwrap().is_empty());
    assert!(s.site_counts(&Scope::Nothing, &all).unwrap().is_empty());
}

pub fn sites_upserted_by_url(s: &mut dyn MonitorStore) {
    schools(s);
    let a = site("甲", "https://a.example.edu.cn/", 2151010401, SiteCategory::School);
    let b = site("乙", "https://b.example.edu.cn/", 510104, SiteCategory::Bureau);
    let c = s.upsert_sites(&crate::Scope::all(), &[a.clone(), b.clone()], T0).unwrap();
    assert_eq!(c, Upserted { counts: UpsertCounts { inserted: 2, updated: 0, unchanged: 0, refused: 0 }, refused: vec![] });
    let b2 = NewSite { name: "乙（改名）".into(), interval_minutes: 30, ..b.clone() };
    let d = site("丙", "https://c.example.edu.cn/", 2151030201, SiteCategory::School);
    let c = s.upsert_sites(&crate::Scope::all(), &[a, b2, d], T0 + 5).unwrap();
    assert_eq!(c.counts, UpsertCounts { inserted: 1, updated: 1, unchanged: 1, refused: 0 });
    let all = s.sites(&Scope::Region { lo: 510000, hi: 519999 }, &SiteQuery { limit: 10, ..Default::default() }).unwrap();
    assert_eq!(all.rows.len(), 3);
    let bb = all.rows.iter().find(|x| x.url == "https://b.example.edu.cn/").unwrap();
    assert_eq!((bb.name.as_str(), bb.interval_minutes, bb.updated_at), ("乙（改名）", 30, T0 + 5));
    // An unknown organisation rejects the whole batch, nothing half-written.
    let bad = site("丁", "https://d.example.edu.cn/", 42, SiteCategory::Other);
    assert!(matches!(s.upsert_sites(&crate::Scope::all(), &[site("戊", "https://e.example.edu.cn/", 510104, SiteCategory::Other), bad], T0).unwrap_err(), StoreError::Conflict(_)));
    assert_eq!(s.sites(&Scope::Region { lo: 510000, hi: 519999 }, &SiteQuery { limit: 10, ..Default::default() }).unwrap().rows.len(), 3);
}

pub fn claims_lease_and_release(s: &mut dyn MonitorStore) {
    schools(s);
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(s.create_site(&crate::Scope::all(), &site(&format!("s{n}"), &format!("https://s{n}.example.edu.cn/"), 510104, SiteCategory::School), T0 + n).unwrap().id);
    }
    s.set_site_enabled(&crate::Scope::all(), ids[4], false, T0).unwrap();
    assert!(s.claim_due("w1", T0 - 1, 10).unwrap().is_empty(), "nothing is due before its time");
    let got = s.claim_due("w1", T0 + 10, 3).unwrap();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|x| x.claimed_by.as_deref() == Some("w1") && x.lease_until == Some(T0 + 10 + LEASE_SECS)));
    let more = s.claim_due("w2", T0 + 10, 10).unwrap();
    assert_eq!(more.len(), 1, "claimed and disabled sites are not claimed");
    assert!(s.claim_due("w2", T0 + 20, 10).unwrap().is_empty());
    // w1 records one; w2 finds the other two after w1's lease runs out.
    s.record_result(got[0].id, &summary(T0 + 12, true, 40), T0 + 2 * LEASE_SECS).unwrap();
    let done = s.site(got[0].id).unwrap().unwrap();
    assert_eq!((done.claimed_by, done.lease_until, done.next_due, done.state, done.last_checked), (None, None, T0 + 2 * LEASE_SECS, SiteState::Up, Some(T0 + 12)));
    let late = s.claim_due("w2", T0 + 10 + LEASE_SECS + 1, 10).unwrap();
    let mut late_ids: Vec<i64> = late.iter().map(|x| x.id).collect();
    late_ids.sort();
    let mut want: Vec<i64> = got[1..].iter().map(|x| x.id).chain(more.iter().map(|x| x.id)).collect();
    want.sort();
    assert_eq!(late_ids, want, "expired leases are claimed again, the recorded site is not due");
}

pub fn results_kept_with_state(s: &mut dyn MonitorStore) {
    schools(s);
    let a = s.create_site(&crate::Scope::all(), &site("a", "https://a.example.edu.cn/", 510104, SiteCategory::Bureau), T0).unwrap();
    let mut r = summary(T0 + 60, true, 35);
    r.v6 = FamilySummary { reachable: true, status: Some(200), elapsed_ms: 50 };
    r.ipv6_aaaa = true;
    r.ipv6_home = true;
    r.ipv6_consistent = Some(true);
    r.tls_days = Some(-3);
    r.state = SiteState::Warning;
    r.findings = vec!["cert_expired".into(), "hidden_link".into()];
    s.record_result(a.id, &r, T0 + 360).unwrap();
    s.record_result(a.id, &summary(T0 + 360, false, 0), T0 + 660).unwrap();
    let h = s.history(a.id, T0, T0 + 1000).unwrap();
    assert_eq!(h.raw, vec![r, summary(T0 + 360, false, 0)]);
    assert!(h.hourly.is_empty() && h.daily.is_empty());
    assert_eq!(s.history(a.id, T0 + 100, T0 + 1000).unwrap().raw.len(), 1);
    let site = s.site(a.id).unwrap().unwrap();
    assert_eq!((site.state, site.ipv6_ok, site.last_checked), (SiteState::Down, Some(false), Some(T0 + 360)));
}

pub fn compaction_exact_and_bounded(s: &mut dyn MonitorStore) {
    schools(s);
    let a = s.create_site(&crate::Scope::all(), &site("a", "https://a.example.edu.cn/", 510104, SiteCategory::Bureau), T0).unwrap();
    // 12 days of checks every 5 minutes, down one check in 7 (3 456 checks).
    let start = day_start(T0);
    let (mut checks, mut up) = (0u64, 0u64);
    let mut t = start;
    while t < start + 12 * DAY {
        let ok = checks % 7 != 3;
        s.record_result(a.id, &summary(t, ok, (checks % 100) as u32), t + 300).unwrap();
        checks += 1;
        up += ok as u64;
        t += 300;
    }
    let now = start + 12 * DAY;
    let before = s.history(a.id, 0, now + DAY).unwrap();
    assert_eq!((before.checks(), before.up()), (checks, up));
    let r = Retention { raw_days: 2, hourly_days: 5, daily_days: 30 };
    let c = s.compact(now, &r).unwrap();
    assert_eq!(c.raw_rolled, 10 * 288);
    let h = s.history(a.id, 0, now + DAY).unwrap();
    assert_eq!((h.checks(), h.up()), (checks, up), "counts and availability are exact");
    assert_eq!(h.raw.len(), 2 * 288);
    assert_eq!(h.hourly.len(), 3 * 24);
    assert_eq!(h.daily.len(), 7);
    assert!(h.hourly.iter().all(|x| x.checks == 12 && x.bucket % HOUR == 0));
    assert!(h.daily.iter().all(|x| x.checks == 288 && day_start(x.bucket) == x.bucket));
    let ms_max = h.daily.iter().map(|x| x.ms_max).max().unwrap();
    assert_eq!(ms_max, 99);
    assert_eq!(s.compact(now, &r).unwrap(), Compaction::default(), "compaction is idempotent");
    // A month later everything but the newest 30 days of daily aggregates is gone.
    let later = now + 40 * DAY;
    s.compact(later, &r).unwrap();
    let h = s.history(a.id, 0, later).unwrap();
    assert!(h.raw.is_empty() && h.hourly.is_empty());
    assert!(h.daily.len() <= 30 && h.daily.iter().all(|x| x.bucket >= later - 31 * DAY), "{:?}", h.daily.len());
}

pub fn alerts_deduplicated_resolved_scoped(s: &mut dyn MonitorStore) {
    schools(s);
    let a = s.create_site(&crate::Scope::all(), &site("a", "https://a.example.edu.cn/", 2151010401, SiteCategory::School), T0).unwrap();
    let b = s.create_site(&crate::Scope::all(), &site("b", "https://b.example.edu.cn/", 2151030201, SiteCategory::School), T0).unwrap();
    let al = |site_id, kind: &str, at| NewAlert { site_id, kind: kind.into(), severity: "high".into(), message: format!("{kind} 告警"), at };
    let (x, new) = s.open_alert(&al(a.id, "down", T0)).unwrap();
    assert!(new);
    let (y, new) = s.open_alert(&al(a.id, "down", T0 + 300)).unwrap();
    assert!(!new);
    assert_eq!((y.id, y.count, y.opened_at, y.last_seen), (x.id, 2, T0, T0 + 300));
    s.open_alert(&al(a.id, "cert_expiring_30", T0)).unwrap();
    s.open_alert(&al(b.id, "down", T0 + 1)).unwrap();
    assert_eq!(s.site_alerts(a.id).unwrap().len(), 2);
    let r = s.resolve_alert(a.id, "down", T0 + 600).unwrap().expect("resolved");
    assert_eq!((r.id, r.resolved_at), (x.id, Some(T0 + 600)));
    assert!(s.resolve_alert(a.id, "down", T0 + 601).unwrap().is_none(), "nothing open to resolve");
    let (z, new) = s.open_alert(&al(a.id, "down", T0 + 900)).unwrap();
    assert!(new && z.id != x.id, "a new outage is a new alert");
    let province = Scope::Region { lo: 510000, hi: 519999 };
    assert_eq!(s.list_alerts(&province, false, 10).unwrap().len(), 4);
    assert_eq!(s.list_alerts(&province, true, 10).unwrap().len(), 3);
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let mine = s.list_alerts(&county, false, 10).unwrap();
    assert_eq!(mine.iter().map(|x| x.site_id).collect::<std::collections::HashSet<_>>(), [a.id].into());
    assert_eq!(mine[0].id, z.id, "newest first");
    assert!(s.list_alerts(&Scope::Nothing, false, 10).unwrap().is_empty());
    assert_eq!(s.list_alerts(&Scope::School { code: "2151030201".into(), county: 510302 }, true, 10).unwrap().len(), 1);
}

fn page(at: i64, text: &str) -> Snapshot {
    Snapshot { at, fingerprint: format!("fp:{text}"), text: text.into() }
}

pub fn baselines_accepted_by_a_person(s: &mut dyn MonitorStore) {
    schools(s);
    let a = s.create_site(&crate::Scope::all(), &site("a", "https://a.example.edu.cn/", 510104, SiteCategory::School), T0).unwrap();
    let b = s.create_site(&crate::Scope::all(), &site("b", "https://b.example.edu.cn/", 510104, SiteCategory::School), T0).unwrap();
    let c = s.create_site(&crate::Scope::all(), &site("c", "https://c.example.edu.cn/", 510302, SiteCategory::School), T0).unwrap();
    assert_eq!(s.snapshot(a.id).unwrap(), None);
    assert!(!s.accept_baseline(&crate::Scope::all(), a.id, "sec", T0).unwrap(), "nothing to accept before a check");
    s.record_check(a.id, &summary(T0 + 1, true, 30), Some(&page(T0 + 1, "old")), T0 + 300).unwrap();
    assert_eq!(s.site(a.id).unwrap().unwrap().last_checked, Some(T0 + 1), "the check is recorded with its page");
    s.record_snapshot(a.id, &page(T0 + 2, "新闻\n通知")).unwrap();
    assert_eq!(s.snapshot(a.id).unwrap(), Some(page(T0 + 2, "新闻\n通知")), "the latest snapshot replaces the one before");
    s.record_snapshot(a.id, &page(T0 + 3, "新闻\n通知")).unwrap();
    assert_eq!(s.snapshot(a.id).unwrap().unwrap().at, T0 + 2, "an unchanged page keeps the time it took this form");
    assert_eq!(s.baseline(a.id).unwrap(), None, "a snapshot is not a baseline until a person accepts it");
    assert!(s.accept_baseline(&crate::Scope::all(), a.id, "sec", T0 + 10).unwrap());
    assert_eq!(s.baseline(a.id).unwrap(), Some(Baseline { page: page(T0 + 2, "新闻\n通知"), accepted_by: "sec".into(), accepted_at: T0 + 10 }));
    // A later page does not move the baseline; renewing does.
    s.record_snapshot(a.id, &page(T0 + 300, "changed")).unwrap();
    assert_eq!(s.baseline(a.id).unwrap().unwrap().page.text, "新闻\n通知");
    assert!(s.accept_baseline(&crate::Scope::all(), a.id, "sec2", T0 + 400).unwrap());
    let renewed = s.baseline(a.id).unwrap().unwrap();
    assert_eq!((renewed.page.text.as_str(), renewed.accepted_by.as_str(), renewed.accepted_at), ("changed", "sec2", T0 + 400));
    // Accepting the missing ones in a county's scope leaves other counties and accepted sites alone.
    s.record_snapshot(b.id, &page(T0 + 5, "b")).unwrap();
    s.record_snapshot(c.id, &page(T0 + 5, "c")).unwrap();
    // The count the console's confirmation names is what accepting then changes.
    let county = Scope::Region { lo: 510104, hi: 510104 };
    assert_eq!((s.missing_baselines(&county).unwrap(), s.missing_baselines(&Scope::all()).unwrap(), s.missing_baselines(&Scope::Nothing).unwrap()), (1, 2, 0));
    assert_eq!(s.accept_missing_baselines(&Scope::Region { lo: 510104, hi: 510104 }, "county", T0 + 500).unwrap(), 1);
    assert_eq!(s.missing_baselines(&county).unwrap(), 0);
    assert_eq!(s.baseline(b.id).unwrap().unwrap().accepted_by, "county");
    assert_eq!(s.baseline(a.id).unwrap().unwrap().accepted_by, "sec2");
    assert_eq!(s.baseline(c.id).unwrap(), None);
    assert_eq!(s.accept_missing_baselines(&Scope::Nothing, "x", T0).unwrap(), 0);
}

pub fn crawls_claimed_and_scheduled(s: &mut dyn MonitorStore) {
    schools(s);
    let a = s.create_site(&crate::Scope::all(), &site("a", "https://a.example.edu.cn/", 510104, SiteCategory::University), T0).unwrap();
    let b = s.create_site(&crate::Scope::all(), &site("b", "https://b.example.edu.cn/", 510104, SiteCategory::University), T0).unwrap();
    assert!(s.claim_crawls("w", T0, 10).unwrap().is_empty(), "a site is crawled after its first check");
    s.record_result(a.id, &summary(T0 + 5, true, 30), T0 + 300).unwrap();
    s.record_result(b.id, &summary(T0 + 5, true, 30), T0 + 300).unwrap();
    let got = s.claim_crawls("w1", T0 + 10, 1).unwrap();
    assert_eq!(got.iter().map(|x| x.id).collect::<Vec<_>>(), vec![a.id]);
    let other = s.claim_crawls("w2", T0 + 10, 10).unwrap();
    assert_eq!(other.iter().map(|x| x.id).collect::<Vec<_>>(), vec![b.id], "a claimed crawl is not claimed twice");
    // The crawl lease is its own: the site's check is still claimable meanwhile.
    assert_eq!(s.claim_due("w3", T0 + 400, 10).unwrap().len(), 2);
    let c = CrawlSummary { at: T0 + 20, l2_checked: 40, l2_ok: 38, l3_checked: 50, l3_ok: 25, out_of_time: false };
    s.record_crawl(a.id, &c, T0 + DAY).unwrap();
    assert!(s.claim_crawls("w1", T0 + 30, 10).unwrap().is_empty(), "a is scheduled a day on; b is still leased");
    let late = s.claim_crawls("w1", T0 + 10 + LEASE_SECS + 1, 10).unwrap();
    assert_eq!(late.iter().map(|x| x.id).collect::<Vec<_>>(), vec![b.id], "b's lease ran out; a is not due");
    let again = s.claim_crawls("w1", T0 + DAY + LEASE_SECS + 20, 10).unwrap();
    assert_eq!(again.len(), 2, "a due again, b's second lease ran out");
    let r = s.ipv6_results(&Scope::Region { lo: 510104, hi: 510104 }, None).unwrap();
    assert_eq!(r.iter().find(|x| x.site_id == a.id).unwrap().crawl, Some(c));
    assert_eq!(r.iter().find(|x| x.site_id == b.id).unwrap().crawl, None);
}

pub fn ipv6_results_and_rates(s: &mut dyn MonitorStore) {
    schools(s);
    let mk = |s: &mut dyn MonitorStore, n: &str, org: i64, cat| s.create_site(&crate::Scope::all(), &site(n, &format!("https://{n}.example.edu.cn/"), org, cat), T0).unwrap().id;
    let good = mk(s, "good", 510104, SiteCategory::University);
    let flaky = mk(s, "flaky", 510104, SiteCategory::University);
    let none = mk(s, "none", 510104, SiteCategory::University);
    let never = mk(s, "never", 510104, SiteCategory::University);
    let far = mk(s, "far", 510302, SiteCategory::University);
    let bureau = mk(s, "bureau", 510104, SiteCategory::Bureau);
    let v6 = |at: i64, ok: bool| {
        let mut r = summary(at, true, 30);
        r.ipv6_aaaa = true;
        r.ipv6_home = ok;
        r.ipv6_consistent = ok.then_some(true);
        r.v6 = FamilySummary { reachable: ok, status: ok.then_some(200), elapsed_ms: 40 };
        r
    };
    // 40 probes: good always; flaky fails 1 in 4 of the last 32 (75 %) though its latest is fine.
    for i in 0..40i64 {
        let at = T0 + i * 300;
        s.record_result(good, &v6(at, true), at + 300).unwrap();
        s.record_result(flaky, &v6(at, i == 39 || i % 4 != 0), at + 300).unwrap();
        s.record_result(far, &v6(at, true), at + 300).unwrap();
    }
    s.record_result(none, &summary(T0, true, 30), T0 + 300).unwrap();
    s.record_result(bureau, &v6(T0, true), T0 + 300).unwrap();
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let r = s.ipv6_results(&county, Some(SiteCategory::University)).unwrap();
    assert_eq!(r.iter().map(|x| x.site_id).collect::<Vec<_>>(), vec![good, flaky, none, never], "scoped, one category");
    let g = &r[0];
    assert_eq!((g.aaaa, g.home, g.consistent, g.probes, g.successes), (true, true, Some(true), IPV6_WINDOW, IPV6_WINDOW));
    assert!(g.supported());
    let f = &r[1];
    assert_eq!((f.home, f.probes, f.successes), (true, 32, 24));
    assert!(!f.supported(), "75 % of recent probes is below 90 %");
    assert!(!r[2].supported() && !r[2].aaaa && r[2].probes == 1 && r[2].successes == 0);
    assert_eq!(r[3].checked, None);
    // A crawl with poor third-level links takes support away.
    s.record_crawl(good, &CrawlSummary { at: T0 + DAY, l2_checked: 10, l2_ok: 10, l3_checked: 10, l3_ok: 5, out_of_time: false }, T0 + 2 * DAY).unwrap();
    let all = s.ipv6_results(&county, None).unwrap();
    assert_eq!(all.len(), 5);
    assert!(!all[0].supported());
    let rates = category_rates(&all);
    let uni = rates.iter().find(|c| c.category == SiteCategory::University).unwrap();
    assert_eq!((uni.sites, uni.checked, uni.aaaa, uni.home, uni.supported, uni.crawled), (4, 3, 2, 2, 0, 1));
    assert_eq!((uni.rate, uni.l2_rate, uni.l3_rate), (Some(0.0), Some(1.0), Some(0.5)));
    let bur = rates.iter().find(|c| c.category == SiteCategory::Bureau).unwrap();
    assert_eq!((bur.sites, bur.supported, bur.rate), (1, 1, Some(1.0)));
    assert!(rates.iter().all(|c| c.category != SiteCategory::School), "categories without sites are left out");
    assert!(s.ipv6_results(&Scope::Nothing, None).unwrap().is_empty());
}

/// The register's writes are judged in the store by the writer's area: 锦江区 (510104) cannot
/// register a site for 自流井区's school, change, disable or baseline 自流井区's site, or take it
/// over by importing its URL; the answers do not tell whether such a site exists. A school writes
/// only its own school's sites.
pub fn site_writes_are_scoped(s: &mut dyn MonitorStore) {
    schools(s);
    let all = Scope::all();
    let jinjiang = Scope::Region { lo: 510104, hi: 510104 };
    let theirs = s.create_site(&all, &site("自流井小学", "https://z.example.edu.cn/", 2151030201, SiteCategory::School), T0).unwrap();
    let e = s.create_site(&jinjiang, &site("x", "https://x.example.edu.cn/", 2151030201, SiteCategory::School), T0).unwrap_err();
    assert!(matches!(e, StoreError::OutOfScope), "{e:?}");
    let ours = s.create_site(&jinjiang, &site("锦江二小", "https://j2.example.edu.cn/", 2151010402, SiteCategory::School), T0).unwrap();
    // Another area's site: "no such site", the same as a missing one.
    assert!(!s.update_site(&jinjiang, theirs.id, &site("taken", "https://z.example.edu.cn/", 2151010401, SiteCategory::School), T0 + 1).unwrap());
    assert!(!s.update_site(&jinjiang, 424242, &site("taken", "https://q.example.edu.cn/", 2151010401, SiteCategory::School), T0 + 1).unwrap());
    assert!(!s.set_site_enabled(&jinjiang, theirs.id, false, T0 + 1).unwrap());
    assert!(matches!(s.accept_baseline(&jinjiang, theirs.id, "x", T0 + 1), Err(StoreError::OutOfScope)));
    assert!(matches!(s.accept_baseline(&jinjiang, 424242, "x", T0 + 1), Err(StoreError::OutOfScope)));
    // Its own site cannot be given away to another area either.
    assert!(matches!(s.update_site(&jinjiang, ours.id, &site("锦江二小", "https://j2.example.edu.cn/", 2151030201, SiteCategory::School), T0 + 1), Err(StoreError::OutOfScope)));
    assert_eq!(s.site(theirs.id).unwrap().unwrap(), theirs, "nothing of theirs changed");
    // An import that names their URL (with our school as owner) is refused for that row only.
    let up = s
        .upsert_sites(&jinjiang, &[site("taken", "https://z.example.edu.cn/", 2151010401, SiteCategory::School), site("新站", "https://n.example.edu.cn/", 510104, SiteCategory::Bureau), site("他区", "https://t.example.edu.cn/", 2151030201, SiteCategory::School)], T0 + 2)
        .unwrap();
    assert_eq!((up.counts.inserted, up.counts.refused, up.refused.clone()), (1, 2, vec![0, 2]));
    assert_eq!(s.site(theirs.id).unwrap().unwrap(), theirs);
    // A school's scope: its own sites only.
    let school = Scope::School { code: "2151010402".into(), county: 510104 };
    assert!(s.set_site_enabled(&school, ours.id, false, T0 + 3).unwrap());
    assert!(matches!(s.create_site(&school, &site("y", "https://y.example.edu.cn/", 2151010401, SiteCategory::School), T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.create_site(&school, &site("y", "https://y.example.edu.cn/", 510104, SiteCategory::Bureau), T0), Err(StoreError::OutOfScope)));
}

fn handling_setup(s: &mut (impl Store + Monitor + crate::Accounts)) -> (Site, Site, Alert, Alert) {
    schools(s);
    let a = s.create_site(&Scope::all(), &site("锦江实验小学", "https://a.example.edu.cn/", 2151010401, SiteCategory::School), T0).unwrap();
    let b = s.create_site(&Scope::all(), &site("自流井小学", "https://b.example.edu.cn/", 2151030201, SiteCategory::School), T0).unwrap();
    let al = |site_id, kind: &str, sev: &str, at| NewAlert { site_id, kind: kind.into(), severity: sev.into(), message: format!("{kind} 告警"), at };
    let (x, _) = s.open_alert(&al(a.id, "down", "critical", T0)).unwrap();
    let (y, _) = s.open_alert(&al(b.id, "down", "critical", T0 + 1)).unwrap();
    for (name, role, org) in [("jj_sec", crate::Role::SecurityOfficer, 510104), ("jj_sec2", crate::Role::SecurityOfficer, 510104), ("zlj_sec", crate::Role::SecurityOfficer, 510302), ("jj_aud", crate::Role::Auditor, 510104), ("jj_school", crate::Role::SchoolAdmin, 2151010401)] {
        let u = crate::NewUser { name: name.into(), display_name: name.into(), role, org_code: org, password_hash: "x".into(), must_change_password: false };
        s.create_user(&Scope::all(), &u).unwrap();
    }
    (a, b, x, y)
}

/// The people's side of an alert (store::monitor::handling): acknowledged, assigned within its
/// area, annotated and closed with a disposition, each step allowed or refused by role and
/// area and audited; an alert of another area is not found and leaves no trace in the log.
pub fn alerts_handled_by_area_and_role(s: &mut (impl Store + Monitor + crate::AuditLog + crate::Accounts + crate::Browse)) {
    use crate::flow::Actor;
    use crate::monitor::handling;
    use crate::Role;
    s.set_audit_chain(crate::AuditChain::temporary());
    let (_a, _b, x, y) = handling_setup(s);
    let jinjiang = Scope::Region { lo: 510104, hi: 510104 };
    let zigong = Scope::Region { lo: 510302, hi: 510302 };
    let sec = Actor::new("jj_sec", Role::SecurityOfficer, jinjiang.clone(), "127.0.0.1");
    let other = Actor::new("zlj_sec", Role::SecurityOfficer, zigong.clone(), "127.0.0.1");
    let auditor = Actor::new("jj_aud", Role::Auditor, jinjiang.clone(), "127.0.0.1");
    let clock = crate::clock::TestClock::at(T0 + 100);
    assert_eq!(x.status, AlertStatus::Open);
    // Another county's officer: not found, whatever the step.
    assert!(handling::acknowledge(s, &other, x.id, &clock).unwrap().is_none());
    assert!(handling::close(s, &other, x.id, "处理完毕", &clock).unwrap().is_none());
    // A role that does not handle alerts, in the right area: refused.
    let e = handling::acknowledge(s, &auditor, x.id, &clock).unwrap_err();
    assert!(e.to_string().contains("只有该告警所属地区"), "{e}");
    // Acknowledged once; a second time is stale.
    let acked = handling::acknowledge(s, &sec, x.id, &clock).unwrap().unwrap();
    assert_eq!(acked.status, AlertStatus::Acked);
    assert!(handling::acknowledge(s, &sec, x.id, &clock).is_err());
    // Assigned within the area; not to another county's account, a non-handler, or nobody known.
    let e = handling::assign(s, &sec, x.id, Some("zlj_sec"), &clock).unwrap_err();
    assert!(e.to_string().contains("只能指派给"), "{e}");
    assert!(handling::assign(s, &sec, x.id, Some("jj_aud"), &clock).is_err());
    assert!(handling::assign(s, &sec, x.id, Some("nobody"), &clock).is_err());
    let assigned = handling::assign(s, &sec, x.id, Some("jj_sec2"), &clock).unwrap().unwrap();
    assert_eq!((assigned.status, assigned.assignee.as_deref()), (AlertStatus::Acked, Some("jj_sec2")));
    // The province's officer may assign it too (a common parent); assigning an open alert
    // acknowledges it.
    let province = Actor::new("prov", Role::SecurityOfficer, Scope::Region { lo: 510000, hi: 519999 }, "127.0.0.1");
    let y2 = handling::assign(s, &province, y.id, Some("zlj_sec"), &clock).unwrap().unwrap();
    assert_eq!((y2.status, y2.assignee.as_deref()), (AlertStatus::Acked, Some("zlj_sec")));
    // Notes keep their author and time, in order; an empty note is refused.
    handling::annotate(s, &sec, x.id, "已联系学校网管", &clock).unwrap().unwrap();
    handling::annotate(s, &province, x.id, "省厅已知悉", &crate::clock::TestClock::at(T0 + 200)).unwrap().unwrap();
    assert!(handling::annotate(s, &sec, x.id, "  ", &clock).is_err());
    let notes = s.alert_notes(x.id).unwrap();
    assert_eq!(notes.iter().map(|n| (n.author.as_str(), n.at, n.text.as_str())).collect::<Vec<_>>(), vec![("jj_sec", T0 + 100, "已联系学校网管"), ("prov", T0 + 200, "省厅已知悉")]);
    // Closing needs a disposition.
    let e = handling::close(s, &sec, x.id, " ", &clock).unwrap_err();
    assert!(e.to_string().contains("处置说明"), "{e}");
    let closed = handling::close(s, &sec, x.id, "服务器已重启，网站恢复访问", &crate::clock::TestClock::at(T0 + 300)).unwrap().unwrap();
    assert_eq!((closed.status, closed.closed_by.as_deref(), closed.closed_at, closed.disposition.as_deref()), (AlertStatus::Closed, Some("jj_sec"), Some(T0 + 300), Some("服务器已重启，网站恢复访问")));
    assert!(handling::close(s, &sec, x.id, "again", &clock).is_err(), "closed once");
    assert!(handling::assign(s, &sec, x.id, Some("jj_sec"), &clock).is_err(), "a closed alert is not assigned");
    // A closed alert still takes notes.
    assert!(handling::annotate(s, &sec, x.id, "复查无异常", &clock).unwrap().is_some());
    // The checks still count a closed alert while the problem lasts: no new alert is opened.
    let (again, new) = s.open_alert(&NewAlert { site_id: x.site_id, kind: "down".into(), severity: "critical".into(), message: "仍无法访问".into(), at: T0 + 400 }).unwrap();
    assert!(!new && again.id == x.id && again.status == AlertStatus::Closed);
    // The log: every step taken or refused, nothing of the other county's attempts, no note text.
    let log = s.audit_entries(&crate::AuditFilter { limit: 100, ..Default::default() }).unwrap();
    let steps: Vec<(&str, &str, &str)> = log.iter().rev().map(|e| (e.actor.as_str(), e.action.as_str(), e.outcome.as_str())).collect();
    assert_eq!(
        steps,
        vec![
            ("jj_aud", "alert_ack", "denied"),
            ("jj_sec", "alert_ack", "ok"),
            ("jj_sec", "alert_ack", "denied"),
            ("jj_sec", "alert_assign", "denied"),
            ("jj_sec", "alert_assign", "denied"),
            ("jj_sec", "alert_assign", "denied"),
            ("jj_sec", "alert_assign", "ok"),
            ("prov", "alert_assign", "ok"),
            ("jj_sec", "alert_note", "ok"),
            ("prov", "alert_note", "ok"),
            ("jj_sec", "alert_note", "denied"),
            ("jj_sec", "alert_close", "denied"),
            ("jj_sec", "alert_close", "ok"),
            ("jj_sec", "alert_close", "denied"),
            ("jj_sec", "alert_assign", "denied"),
            ("jj_sec", "alert_note", "ok"),
        ]
    );
    assert!(log.iter().all(|e| e.target.starts_with("alert:") && !e.detail.contains("联系")), "{log:?}");
}

/// The alert list's filters, pages and counts, cut to the scope.
pub fn alerts_filtered_paged_counted(s: &mut (impl Store + Monitor + crate::Accounts)) {
    let (a, b, x, _y) = handling_setup(s);
    for i in 0..5 {
        s.open_alert(&NewAlert { site_id: a.id, kind: format!("k{i}"), severity: "high".into(), message: "m".into(), at: T0 + 10 + i }).unwrap();
    }
    s.resolve_alert(a.id, "k0", T0 + 50).unwrap();
    s.change_alert(x.id, &AlertChange { from: AlertStatus::Open, to: AlertStatus::Acked, assignee: None, closed: None }).unwrap();
    let province = Scope::Region { lo: 510000, hi: 519999 };
    let q = |f: &dyn Fn(&mut AlertQuery)| {
        let mut q = AlertQuery { limit: 3, ..Default::default() };
        f(&mut q);
        q
    };
    // Pages of 3, newest first, every alert once.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let p = s.alerts_page(&province, &q(&|q| q.after = after.clone())).unwrap();
        seen.extend(p.rows.iter().map(|r| r.id));
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    let mut ids = |q: AlertQuery| -> Vec<i64> { s.alerts_page(&province, &AlertQuery { limit: 100, ..q }).unwrap().rows.iter().map(|r| r.id).collect() };
    assert_eq!(ids(q(&|q| q.severity = Some("critical".into()))).len(), 2);
    assert_eq!(ids(q(&|q| q.kind = Some("k3".into()))).len(), 1);
    assert_eq!(ids(q(&|q| q.statuses = vec![AlertStatus::Acked])), vec![x.id]);
    assert_eq!(ids(q(&|q| q.active_only = true)).len(), 6);
    assert_eq!(ids(q(&|q| q.region = Some(510302))).len(), 1);
    assert_eq!(ids(q(&|q| q.region = Some(510100))).len(), 6, "a city holds its counties");
    assert_eq!(ids(q(&|q| { q.from = Some(T0 + 11); q.to = Some(T0 + 14) })).len(), 3);
    // Another county's scope sees only its own; a region filter outside the scope, nothing.
    let zigong = Scope::Region { lo: 510302, hi: 510302 };
    let mine = s.alerts_page(&zigong, &AlertQuery { limit: 100, ..Default::default() }).unwrap().rows;
    assert!(mine.iter().all(|r| r.site_id == b.id) && mine.len() == 1);
    assert!(s.alerts_page(&zigong, &AlertQuery { region: Some(510104), limit: 100, ..Default::default() }).unwrap().rows.is_empty());
    assert!(s.alert_in(&zigong, x.id).unwrap().is_none());
    assert_eq!(s.alert_in(&province, x.id).unwrap().unwrap().id, x.id);
    assert!(s.alert_in(&Scope::Nothing, x.id).unwrap().is_none());
    // Counts by severity and status under the same filters.
    let mut c = s.alert_counts(&province, &AlertQuery::default()).unwrap();
    c.sort();
    assert_eq!(c, vec![("critical".to_string(), AlertStatus::Open, 1), ("critical".to_string(), AlertStatus::Acked, 1), ("high".to_string(), AlertStatus::Open, 5)]);
    let c = s.alert_counts(&zigong, &AlertQuery { active_only: true, ..Default::default() }).unwrap();
    assert_eq!(c, vec![("critical".to_string(), AlertStatus::Open, 1)]);
}

/// Webhook targets: the province's alone, kept with their secret, switched and removed.
pub fn webhooks_kept_for_the_province(s: &mut (impl Store + Monitor)) {
    let province = Scope::Region { lo: 510000, hi: 519999 };
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let w = StoredWebhook { id: 0, name: "省厅值班群".into(), kind: "dingtalk".into(), url: "https://oapi.dingtalk.com/robot/send?access_token=t".into(), secret: Some("SEC123".into()), enabled: true, created_by: "admin".into(), created_at: T0 };
    assert!(matches!(s.add_webhook(&county, &w), Err(StoreError::OutOfScope)));
    assert!(matches!(s.webhooks(&county), Err(StoreError::OutOfScope)));
    let id = s.add_webhook(&province, &w).unwrap();
    let got = s.webhooks(&province).unwrap();
    assert_eq!(got, vec![StoredWebhook { id, ..w.clone() }]);
    assert!(matches!(s.set_webhook_enabled(&county, id, false), Err(StoreError::OutOfScope)));
    assert!(s.set_webhook_enabled(&province, id, false).unwrap());
    assert!(!s.webhooks(&province).unwrap()[0].enabled);
    assert!(!s.set_webhook_enabled(&province, id + 100, false).unwrap());
    assert!(matches!(s.delete_webhook(&county, id), Err(StoreError::OutOfScope)));
    assert!(s.delete_webhook(&province, id).unwrap());
    assert!(s.webhooks(&province).unwrap().is_empty());
}

/// Whether checks are being made: the newest check and the most overdue site, in scope.
pub fn freshness_tells_stopped_checks(s: &mut (impl Store + Monitor)) {
    schools(s);
    let a = s.create_site(&Scope::all(), &site("a", "https://a.example.edu.cn/", 2151010401, SiteCategory::School), T0).unwrap();
    let b = s.create_site(&Scope::all(), &site("b", "https://b.example.edu.cn/", 2151030201, SiteCategory::School), T0).unwrap();
    s.record_result(a.id, &summary(T0 + 60, true, 100), T0 + 360).unwrap();
    s.record_result(b.id, &summary(T0 + 120, true, 100), T0 + 420).unwrap();
    let f = s.freshness(&Scope::all()).unwrap();
    assert_eq!(f, Freshness { sites: 2, newest_check: Some(T0 + 120), oldest_due: Some(T0 + 360) });
    assert!(!f.stale(T0 + 400) && !f.stale(T0 + 360 + STALE_GRACE));
    assert!(f.stale(T0 + 361 + STALE_GRACE), "no check since the due time and the grace");
    let zigong = Scope::Region { lo: 510302, hi: 510302 };
    assert_eq!(s.freshness(&zigong).unwrap(), Freshness { sites: 1, newest_check: Some(T0 + 120), oldest_due: Some(T0 + 420) });
    // A disabled site is not waited for.
    s.set_site_enabled(&Scope::all(), a.id, false, T0).unwrap();
    assert_eq!(s.freshness(&Scope::all()).unwrap().oldest_due, Some(T0 + 420));
    assert_eq!(s.freshness(&Scope::Nothing).unwrap(), Freshness::default());
}
