//! 告警规则 — from a site's previous state and a new check, the alerts to raise and to resolve.
//! Pure: the worker reads the open alerts from the store, calls [`changes`], and writes back
//! (the store de-duplicates a raise of an alert that is already open).
//!
//! Each alert kind holds while its condition holds and is resolved, with a recovery notice, when
//! a check shows it gone. A condition that a check cannot see (the certificate of a site that is
//! down, the content of a page that was not fetched) leaves its alert as it is.

use crate::check::CheckResult;
use crate::findings::{Kind, Severity};
use store::monitor::{CheckSummary, FamilySummary, SiteState};

/// The alert kinds: stable strings the store and the webhooks key on.
pub const DOWN: &str = "down";
pub const CERT_EXPIRING_30: &str = "cert_expiring_30";
pub const CERT_EXPIRING_7: &str = "cert_expiring_7";
pub const CERT_EXPIRED: &str = "cert_expired";
pub const TAMPERED: &str = "tampered";
pub const HIDDEN_LINK: &str = "hidden_link";
pub const SENSITIVE_WORD: &str = "sensitive_word";
pub const IPV6_LOST: &str = "ipv6_lost";

pub const KINDS: [&str; 8] = [DOWN, CERT_EXPIRING_30, CERT_EXPIRING_7, CERT_EXPIRED, TAMPERED, HIDDEN_LINK, SENSITIVE_WORD, IPV6_LOST];

/// The Chinese name of an alert kind, for messages.
pub fn kind_zh(kind: &str) -> &'static str {
    match kind {
        DOWN => "网站无法访问",
        CERT_EXPIRING_30 => "证书 30 天内过期",
        CERT_EXPIRING_7 => "证书 7 天内过期",
        CERT_EXPIRED => "证书已过期",
        TAMPERED => "首页疑似被篡改",
        HIDDEN_LINK => "发现隐藏链接",
        SENSITIVE_WORD => "发现敏感词",
        IPV6_LOST => "IPv6 访问中断",
        _ => "告警",
    }
}

/// What a check showed, reduced to what the rules need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// Reachable over at least one family.
    pub reachable: bool,
    /// Why not, when not (Chinese).
    pub down_reason: String,
    /// A home page was fetched and analysed (content rules apply).
    pub page_seen: bool,
    pub ipv6_reachable: bool,
    /// A certificate was seen: days to expiry (negative when expired) and whether it is expired.
    pub cert: Option<(i64, bool)>,
    /// Content findings: (kind, detail in Chinese).
    pub content: Vec<(Kind, String)>,
}

impl Observation {
    pub fn of(r: &CheckResult) -> Observation {
        let reachable = r.ipv4.reachable || r.ipv6.reachable;
        let down_reason = if reachable {
            String::new()
        } else {
            r.findings.iter().find(|f| matches!(f.kind, Kind::TargetForbidden | Kind::Unreachable | Kind::Timeout | Kind::RedirectLoop | Kind::CertInvalid | Kind::TlsOutdated)).map(|f| f.detail.clone()).unwrap_or_else(|| "首页无法访问".into())
        };
        let cert = r.tls.as_ref().and_then(|t| t.days_to_expiry.map(|d| (d, t.verdict == crate::tls::Verdict::Expired || d < 0)));
        let content = r.findings.iter().filter(|f| matches!(f.kind, Kind::Tampered | Kind::HiddenLink | Kind::SensitiveWord)).map(|f| (f.kind, f.detail.clone())).collect();
        Observation { reachable, down_reason, page_seen: r.page.is_some(), ipv6_reachable: r.ipv6.reachable, cert, content }
    }
}

/// A site's state before the check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Previous {
    /// Kinds of the site's open alerts.
    pub open: Vec<String>,
    /// Whether the home page was reachable over IPv6 at the previous check.
    pub ipv6_ok: Option<bool>,
}

impl Previous {
    fn is_open(&self, kind: &str) -> bool {
        self.open.iter().any(|k| k == kind)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Raise { kind: &'static str, severity: Severity, message: String },
    Resolve { kind: &'static str, message: String },
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Raise { kind, .. } | Change::Resolve { kind, .. } => kind,
        }
    }
}

/// The alerts to raise (again, while they hold) and to resolve after a check.
pub fn changes(prev: &Previous, o: &Observation) -> Vec<Change> {
    let mut out = Vec::new();
    let mut rule = |kind: &'static str, holds: Option<bool>, severity: Severity, message: String, recovered: &str| match holds {
        Some(true) => out.push(Change::Raise { kind, severity, message }),
        Some(false) if prev.is_open(kind) => out.push(Change::Resolve { kind, message: recovered.to_string() }),
        _ => {}
    };
    rule(DOWN, Some(!o.reachable), Severity::Critical, format!("网站无法访问：{}", o.down_reason), "网站已恢复访问");

    // Certificates: nested conditions (30 ⊇ 7 ⊇ expired), each resolved when renewed. Not seen
    // while the site is down; a site reached without TLS has no certificate to expire.
    let cert = match (o.cert, o.reachable) {
        (Some(c), _) => Some(Some(c)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let days = |f: fn(i64, bool) -> bool| cert.map(|c| c.is_some_and(|(d, e)| f(d, e)));
    let d = o.cert.map_or(0, |c| c.0);
    rule(CERT_EXPIRED, days(|_, e| e), Severity::Critical, format!("证书已过期（{} 天前）", -d), "证书已更新，不再过期");
    rule(CERT_EXPIRING_7, days(|d, e| e || d < 7), Severity::High, format!("证书将在 {d} 天后过期"), "证书已更新，有效期超过 7 天");
    rule(CERT_EXPIRING_30, days(|d, e| e || d < 30), Severity::Medium, format!("证书将在 {d} 天后过期"), "证书已更新，有效期超过 30 天");

    for (kind, k, sev, recovered) in [
        (TAMPERED, Kind::Tampered, Severity::Critical, "首页内容已恢复正常"),
        (HIDDEN_LINK, Kind::HiddenLink, Severity::High, "隐藏链接已清除"),
        (SENSITIVE_WORD, Kind::SensitiveWord, Severity::High, "敏感词已清除"),
    ] {
        let found: Vec<&str> = o.content.iter().filter(|(x, _)| *x == k).map(|(_, d)| d.as_str()).collect();
        let mut msg = found.iter().take(3).copied().collect::<Vec<_>>().join("；");
        if found.len() > 3 {
            msg.push_str(&format!("等 {} 处", found.len()));
        }
        rule(kind, o.page_seen.then_some(!found.is_empty()), sev, msg, recovered);
    }

    // IPv6 lost: a site that answered over IPv6 no longer does. Not judged while it is down
    // altogether (that is the outage alert).
    let had = prev.ipv6_ok == Some(true) || prev.is_open(IPV6_LOST);
    let lost = o.reachable.then_some(had && !o.ipv6_reachable);
    let lost = if o.ipv6_reachable { Some(false) } else { lost };
    rule(IPV6_LOST, lost, Severity::High, "网站首页 IPv6 访问中断（此前可通过 IPv6 访问）".into(), "IPv6 访问已恢复");
    out
}

/// The site's state after a check.
pub fn site_state(r: &CheckResult) -> SiteState {
    if !(r.ipv4.reachable || r.ipv6.reachable) {
        SiteState::Down
    } else if r.worst().is_some_and(|s| s >= Severity::High) {
        SiteState::Warning
    } else {
        SiteState::Up
    }
}

/// The compact record of a check that the store keeps.
pub fn summarise(r: &CheckResult) -> CheckSummary {
    let fam = |f: &crate::FamilyResult| FamilySummary { reachable: f.reachable, status: f.status, elapsed_ms: f.elapsed_ms.min(u32::MAX as u64) as u32 };
    let mut findings: Vec<String> = Vec::new();
    for f in &r.findings {
        if !findings.iter().any(|k| k == f.kind.as_str()) {
            findings.push(f.kind.as_str().to_string());
        }
    }
    CheckSummary {
        at: r.checked_at as i64,
        state: site_state(r),
        v4: fam(&r.ipv4),
        v6: fam(&r.ipv6),
        tls_days: r.tls.as_ref().and_then(|t| t.days_to_expiry).map(|d| d.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
        tls_grade: r.tls.as_ref().map(|t| t.grade.clone()),
        header_score: r.headers.as_ref().map(|h| h.score.min(100) as u8),
        ipv6_aaaa: r.ipv6_support.aaaa,
        ipv6_home: r.ipv6_support.home_reachable,
        ipv6_consistent: r.ipv6_support.consistent_with_ipv4,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up() -> Observation {
        Observation { reachable: true, page_seen: true, ipv6_reachable: true, cert: Some((90, false)), ..Default::default() }
    }
    fn prev(open: &[&str], v6: Option<bool>) -> Previous {
        Previous { open: open.iter().map(|s| s.to_string()).collect(), ipv6_ok: v6 }
    }
    fn raised(c: &[Change]) -> Vec<&'static str> {
        c.iter().filter(|c| matches!(c, Change::Raise { .. })).map(Change::kind).collect()
    }
    fn resolved(c: &[Change]) -> Vec<&'static str> {
        c.iter().filter(|c| matches!(c, Change::Resolve { .. })).map(Change::kind).collect()
    }

    #[test]
    fn healthy_site_raises_nothing() {
        assert!(changes(&prev(&[], Some(true)), &up()).is_empty());
    }

    #[test]
    fn down_then_up() {
        let down = Observation { reachable: false, down_reason: "连接失败".into(), ..Default::default() };
        let c = changes(&prev(&[CERT_EXPIRING_30], Some(true)), &down);
        assert_eq!(raised(&c), [DOWN]);
        assert!(resolved(&c).is_empty(), "nothing else is judged while down: {c:?}");
        assert!(matches!(&c[0], Change::Raise { severity: Severity::Critical, message, .. } if message.contains("连接失败")));
        let c = changes(&prev(&[DOWN], Some(true)), &up());
        assert_eq!((raised(&c), resolved(&c)), (vec![], vec![DOWN]));
    }

    #[test]
    fn certificates_30_7_expired_and_renewed() {
        let with = |d: i64| Observation { cert: Some((d, d < 0)), ..up() };
        assert_eq!(raised(&changes(&prev(&[], None), &with(29))), [CERT_EXPIRING_30]);
        assert_eq!(raised(&changes(&prev(&[CERT_EXPIRING_30], None), &with(6))), [CERT_EXPIRING_7, CERT_EXPIRING_30]);
        assert_eq!(raised(&changes(&prev(&[], None), &with(-2))), [CERT_EXPIRED, CERT_EXPIRING_7, CERT_EXPIRING_30]);
        let c = changes(&prev(&[CERT_EXPIRED, CERT_EXPIRING_7, CERT_EXPIRING_30], None), &with(365));
        assert_eq!((raised(&c), resolved(&c)), (vec![], vec![CERT_EXPIRED, CERT_EXPIRING_7, CERT_EXPIRING_30]));
        // Moved to plain HTTP: no certificate left to expire.
        let c = changes(&prev(&[CERT_EXPIRING_7], None), &Observation { cert: None, ..up() });
        assert_eq!(resolved(&c), [CERT_EXPIRING_7]);
        assert!(matches!(&changes(&prev(&[], None), &with(20))[0], Change::Raise { message, .. } if message.contains("20 天")));
    }

    #[test]
    fn content_alerts_need_a_page() {
        let bad = Observation { content: vec![(Kind::Tampered, "相似度 10%".into()), (Kind::HiddenLink, "a".into()), (Kind::SensitiveWord, "w".into())], ..up() };
        assert_eq!(raised(&changes(&prev(&[], Some(true)), &bad)), [TAMPERED, HIDDEN_LINK, SENSITIVE_WORD]);
        let c = changes(&prev(&[TAMPERED, HIDDEN_LINK, SENSITIVE_WORD], Some(true)), &up());
        assert_eq!(resolved(&c), [TAMPERED, HIDDEN_LINK, SENSITIVE_WORD]);
        // Reachable but no page analysed (e.g. an error page): content alerts stay as they are.
        let c = changes(&prev(&[TAMPERED], Some(true)), &Observation { page_seen: false, ..up() });
        assert!(c.is_empty(), "{c:?}");
        let many = Observation { content: (0..5).map(|i| (Kind::SensitiveWord, format!("w{i}"))).collect(), ..up() };
        assert!(matches!(&changes(&prev(&[], Some(true)), &many)[0], Change::Raise { message, .. } if message.ends_with("等 5 处")));
    }

    #[test]
    fn ipv6_lost_and_restored() {
        let v4_only = Observation { ipv6_reachable: false, ..up() };
        assert_eq!(raised(&changes(&prev(&[], Some(true)), &v4_only)), [IPV6_LOST]);
        assert!(changes(&prev(&[], Some(false)), &v4_only).is_empty(), "a site that never had IPv6 did not lose it");
        assert!(changes(&prev(&[], None), &v4_only).is_empty());
        assert_eq!(raised(&changes(&prev(&[IPV6_LOST], Some(false)), &v4_only)), [IPV6_LOST], "still lost: raised again (the store counts it)");
        assert_eq!(resolved(&changes(&prev(&[IPV6_LOST], Some(false)), &up())), [IPV6_LOST]);
        let down = Observation { reachable: false, ..Default::default() };
        assert_eq!(raised(&changes(&prev(&[], Some(true)), &down)), [DOWN], "an outage is not also an IPv6 loss");
    }
}
