//! Demo sites for the monitor: one site per city bureau, two county bureaus and a few
//! universities, with a day of synthetic check history and a few alerts, written through the
//! store directly. Nothing here touches the network, and `tianfu demo` starts no worker: the
//! host names are made up (under `demo-sc.edu.cn`), the names say 演示 and the alert messages
//! 【演示数据】, so that nobody takes them for real findings.

use standard::codes::DIVISIONS;
use store::monitor::{CheckSummary, CrawlSummary, FamilySummary, Monitor, NewAlert, NewSite, SiteCategory, SiteQuery, SiteState};
use store::{Scope, StoreError};

/// Minutes between the demo checks.
pub const INTERVAL: u32 = 30;
/// Hours of synthetic history.
pub const HOURS: i64 = 24;
pub const MARK: &str = "【演示数据】";

/// The demo register: (name, URL, owner, category).
pub fn sites() -> Vec<NewSite> {
    let mut out = Vec::new();
    for c in DIVISIONS.cities_of(51) {
        out.push(NewSite { name: format!("{}教育局（演示）", c.name), url: format!("https://jyj{}.demo-sc.edu.cn/", c.code), org_code: c.code as i64, category: SiteCategory::Bureau, interval_minutes: INTERVAL });
    }
    for (code, name) in [(510104, "锦江区"), (510302, "自流井区")] {
        out.push(NewSite { name: format!("{name}教育局（演示）"), url: format!("https://jyj{code}.demo-sc.edu.cn/"), org_code: code, category: SiteCategory::Bureau, interval_minutes: INTERVAL });
    }
    for (host, name, cat) in [
        ("daxue1", "四川演示大学", SiteCategory::University),
        ("daxue2", "西南演示理工大学", SiteCategory::University),
        ("daxue3", "成都演示师范学院", SiteCategory::University),
        ("zhiye1", "四川演示职业技术学院", SiteCategory::Vocational),
    ] {
        out.push(NewSite { name: format!("{name}（演示）"), url: format!("https://www.{host}.demo-sc.edu.cn/"), org_code: 510000, category: cat, interval_minutes: INTERVAL });
    }
    out
}

/// What happens to a demo site over the day.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Story {
    Fine,
    /// Down for the last two hours.
    DownNow,
    /// Hidden links on the home page for the last six hours.
    HiddenLink,
    /// Its certificate expires in 20 days.
    CertSoon,
    /// Reachable over IPv6 until five hours ago.
    Ipv6Lost,
    /// Down for an hour ten hours ago, recovered since.
    Outage,
}

fn story(url: &str, i: usize) -> Story {
    match url {
        u if u.contains("jyj510104.") => Story::CertSoon,
        u if u.contains("jyj510302.") => Story::DownNow,
        u if u.contains("daxue2.") => Story::HiddenLink,
        _ => match i % 7 {
            3 => Story::Outage,
            5 => Story::Ipv6Lost,
            _ => Story::Fine,
        },
    }
}

/// A small deterministic generator (the demo is the same every time).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u32) -> u32 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as u32
    }
}

fn checks(i: usize, s: Story, now: i64) -> Vec<CheckSummary> {
    let mut rng = Lcg(i as u64 * 7919 + 17);
    let ipv6 = i % 5 != 1 || s == Story::Ipv6Lost;
    let base = 60 + (i as u32 * 37) % 240;
    let n = HOURS * 60 / INTERVAL as i64;
    (0..n)
        .map(|k| {
            let at = now - (n - k) * INTERVAL as i64 * 60;
            let ago_h = (now - at) as f64 / 3600.0;
            let down = (s == Story::DownNow && ago_h <= 2.0) || (s == Story::Outage && (9.0..10.0).contains(&ago_h));
            let v6 = ipv6 && !(s == Story::Ipv6Lost && ago_h <= 5.0);
            let mut findings = Vec::new();
            if !v6 {
                findings.push(if ipv6 { "ipv6_unreachable" } else { "ipv6_missing" }.to_string());
            }
            if i % 3 == 0 {
                findings.push("headers_missing".into());
            }
            if s == Story::HiddenLink && ago_h <= 6.0 {
                findings.push("hidden_link".into());
            }
            if s == Story::CertSoon {
                findings.push("cert_expiring".into());
            }
            let ms = base + rng.next(base) + if (11.0..13.0).contains(&ago_h) { 300 } else { 0 };
            let state = if down {
                SiteState::Down
            } else if findings.iter().any(|f| f == "hidden_link") {
                SiteState::Warning
            } else {
                SiteState::Up
            };
            if down {
                findings = vec!["unreachable".into()];
            }
            CheckSummary {
                at,
                state,
                v4: FamilySummary { reachable: !down, status: (!down).then_some(200), elapsed_ms: if down { 15_000 } else { ms } },
                v6: FamilySummary { reachable: !down && v6, status: (!down && v6).then_some(200), elapsed_ms: if down || !v6 { 0 } else { ms + 15 + rng.next(40) } },
                tls_days: (!down).then_some(if s == Story::CertSoon { 20 } else { 60 + (i as i32 * 11) % 300 }),
                tls_grade: (!down).then(|| "A".to_string()),
                header_score: (!down).then_some(if i % 3 == 0 { 45 } else { 80 }),
                ipv6_aaaa: ipv6,
                ipv6_home: !down && v6,
                ipv6_consistent: (!down && v6).then_some(true),
                findings,
            }
        })
        .collect()
}

/// A made-up portal home page of a demo site, as a check would keep it.
fn home_page(name: &str, url: &str, at: i64) -> store::monitor::Snapshot {
    let news: String = ["关于做好2026年秋季学期开学工作的通知", "教育信息化工作推进会召开", "校园网络安全宣传周活动圆满结束", "教师发展中心开展信息技术应用能力培训", "学生资助政策问答"]
        .iter()
        .enumerate()
        .map(|(i, t)| format!("<li><a href=\"/xwzx/{i}.html\">{t}</a><span>2026-11-2{i}</span></li>"))
        .collect();
    let html = format!(
        "<html><head><title>{name}</title></head><body><h1>{name}</h1><nav><a href=\"/jggk/\">机构概况</a><a href=\"/zwgk/\">政务公开</a><a href=\"/xwzx/\">新闻中心</a></nav><ul>{news}</ul><footer>版权所有 {name}（演示数据）</footer></body></html>"
    );
    let base = guard::url::Url::parse(url).unwrap_or_else(|| guard::url::Url::parse("https://demo-sc.edu.cn/").expect("a valid URL"));
    guard::Baseline::snapshot_of(&guard::content::analyse(&html, &base, &[]), at)
}

/// Registers the demo sites (upserted by URL) and gives those never checked a day of history
/// and their alerts. Running it again changes nothing. Returns (sites, checks recorded).
pub fn seed(s: &mut dyn Monitor, now: i64) -> Result<(usize, usize), StoreError> {
    let list = sites();
    s.upsert_sites(&store::Scope::all(), &list, now - HOURS * 3600)?;
    let q = SiteQuery { include_disabled: true, ..Default::default() };
    let mut registered = Vec::new();
    s.each_site(&Scope::Region { lo: 510000, hi: 519999 }, &q, &mut |x| {
        if list.iter().any(|n| n.url == x.url) {
            registered.push(x);
        }
        true
    })?;
    let mut recorded = 0;
    for (i, site) in registered.iter().enumerate() {
        if site.last_checked.is_some() {
            continue;
        }
        let st = story(&site.url, i);
        let series = checks(i, st, now);
        let last = series.len().saturating_sub(1);
        for (k, c) in series.iter().enumerate() {
            // The latest check keeps the page it fetched (a made-up portal page), which a person
            // may accept as the site's tamper baseline.
            let page = (k == last && c.v4.reachable).then(|| home_page(&site.name, &site.url, c.at));
            s.record_check(site.id, c, page.as_ref(), c.at + INTERVAL as i64 * 60)?;
            recorded += 1;
        }
        // A depth crawl an hour ago for the universities and colleges reachable over IPv6, with
        // link rates that differ from site to site (some fall short of 90 %).
        let reaches_v6 = series.last().is_some_and(|c| c.ipv6_home);
        if reaches_v6 && matches!(site.category, SiteCategory::University | SiteCategory::Vocational) {
            let (l2_ok, l3_ok) = (40 - (i as u32 % 4) * 3, 50 - (i as u32 % 3) * 6);
            let c = CrawlSummary { at: now - 3600, l2_checked: 40, l2_ok, l3_checked: 50, l3_ok, out_of_time: false };
            s.record_crawl(site.id, &c, now - 3600 + store::monitor::DAY)?;
        }
        let alert = |kind: &str, severity: &str, message: String, at: i64| NewAlert { site_id: site.id, kind: kind.into(), severity: severity.into(), message: format!("{MARK}{message}"), at };
        match st {
            Story::DownNow => {
                s.open_alert(&alert("down", "critical", "网站无法访问：连接超时".into(), now - 2 * 3600))?;
            }
            Story::HiddenLink => {
                s.open_alert(&alert("hidden_link", "high", "首页发现 3 处隐藏链接".into(), now - 6 * 3600))?;
            }
            Story::CertSoon => {
                s.open_alert(&alert("cert_expiring_30", "medium", "证书将在 20 天后过期".into(), now - HOURS * 3600))?;
            }
            Story::Ipv6Lost => {
                s.open_alert(&alert("ipv6_lost", "high", "网站首页 IPv6 访问中断（此前可通过 IPv6 访问）".into(), now - 5 * 3600))?;
            }
            Story::Outage => {
                s.open_alert(&alert("down", "critical", "网站无法访问：连接被拒绝".into(), now - 10 * 3600))?;
                s.resolve_alert(site.id, "down", now - 9 * 3600)?;
            }
            Story::Fine => {}
        }
    }
    Ok((registered.len(), recorded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_sites_are_marked_and_stories_differ() {
        let list = sites();
        assert!(list.len() >= 25, "{}", list.len());
        assert!(list.iter().all(|s| s.name.contains("演示") && s.url.contains(".demo-sc.edu.cn/") && store::monitor::validate_site(s).is_ok()));
        let now = 1_800_000_000;
        let down = checks(0, Story::DownNow, now);
        assert_eq!(down.len() as i64, HOURS * 60 / INTERVAL as i64);
        assert_eq!(down.last().unwrap().state, SiteState::Down);
        assert_eq!(down[0].state, SiteState::Up);
        let hidden = checks(1, Story::HiddenLink, now);
        assert_eq!(hidden.last().unwrap().state, SiteState::Warning);
        assert!(checks(2, Story::Fine, now).iter().all(|c| c.state == SiteState::Up && c.at < now));
    }
}
