//! Words and formats the console pages share, below the routes: the monitor's labels (site
//! categories and states, alert and finding kinds, severities), IPv6 shortfalls and rates, the
//! divisions a user may filter by and grade names. Chinese first, English second.

use crate::i18n::T;
use store::monitor::{Ipv6Result, SiteCategory, SiteState, IPV6_SUPPORT_THRESHOLD};
use store::Scope;

pub fn category_label(t: &T, c: SiteCategory) -> &'static str {
    let en = match c {
        SiteCategory::University => "University",
        SiteCategory::Vocational => "Vocational college",
        SiteCategory::School => "School",
        SiteCategory::Bureau => "Education bureau",
        SiteCategory::Other => "Other",
    };
    t.s(c.zh(), en)
}

pub fn state_label(t: &T, s: SiteState) -> &'static str {
    let en = match s {
        SiteState::Unknown => "Not checked",
        SiteState::Up => "Up",
        SiteState::Warning => "Warning",
        SiteState::Down => "Down",
    };
    t.s(s.zh(), en)
}

/// The tag colour of a state.
pub fn state_class(s: SiteState) -> &'static str {
    match s {
        SiteState::Up => "green",
        SiteState::Warning => "amber",
        SiteState::Down => "red",
        SiteState::Unknown => "",
    }
}

/// An alert kind (guard::alerts) in words.
pub fn alert_kind_label(t: &T, kind: &str) -> String {
    let en = match kind {
        "down" => "Site unreachable",
        "cert_expiring_30" => "Certificate expires within 30 days",
        "cert_expiring_7" => "Certificate expires within 7 days",
        "cert_expired" => "Certificate expired",
        "tampered" => "Home page possibly tampered with",
        "hidden_link" => "Hidden links found",
        "sensitive_word" => "Sensitive words found",
        "ipv6_lost" => "IPv6 access lost",
        other => other,
    };
    t.s(guard::alerts::kind_zh(kind), en).to_string()
}

/// A probe finding kind (`guard::Kind` names) in words.
pub fn finding_label(t: &T, kind: &str) -> String {
    let (zh, en) = match kind {
        "unreachable" => ("首页无法访问", "Home page unreachable"),
        "ipv6_missing" => ("未支持 IPv6（无 AAAA 记录）", "No IPv6 (no AAAA record)"),
        "ipv6_unreachable" => ("IPv6 无法访问", "Unreachable over IPv6"),
        "content_differs_v4_v6" => ("IPv4 与 IPv6 首页内容不一致", "IPv4 and IPv6 home pages differ"),
        "cert_expired" => ("证书已过期", "Certificate expired"),
        "cert_expiring" => ("证书即将过期", "Certificate expiring soon"),
        "cert_invalid" => ("证书无效", "Certificate invalid"),
        "tls_outdated" => ("TLS 版本过旧", "Outdated TLS version"),
        "headers_missing" => ("缺少安全响应头", "Security headers missing"),
        "tampered" => ("首页疑似被篡改", "Home page possibly tampered with"),
        "hidden_link" => ("发现隐藏链接（暗链）", "Hidden links"),
        "sensitive_word" => ("发现敏感词", "Sensitive words"),
        "timeout" => ("访问超时", "Timed out"),
        "redirect_loop" => ("重定向循环", "Redirect loop"),
        "too_large" => ("首页过大", "Home page too large"),
        "target_forbidden" => ("地址属于内网/保留地址，未检测", "Internal or reserved address: not checked"),
        other => (other, other),
    };
    t.s(zh, en).to_string()
}

pub fn severity_label(t: &T, s: &str) -> String {
    let zh = match s {
        "info" => "提示",
        "low" => "低",
        "medium" => "中",
        "high" => "高",
        "critical" => "严重",
        other => other,
    };
    t.s(zh, s).to_string()
}

/// The tag class of a severity: 严重 and 高 in distinct colours (`app.css`).
pub fn severity_class(s: &str) -> &'static str {
    match s {
        "critical" => "sev-critical",
        "high" => "sev-high",
        "medium" => "sev-medium",
        "low" => "sev-low",
        _ => "sev-info",
    }
}

/// Why a site does not count as supporting IPv6, first reason first (Chinese, English).
pub fn shortfall(r: &Ipv6Result) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if r.checked.is_none() {
        out.push(("尚未检测", "not checked yet"));
        return out;
    }
    if !r.aaaa {
        out.push(("无 AAAA 记录", "no AAAA record"));
    }
    if r.aaaa && !r.home {
        out.push(("首页 IPv6 不可访问", "home page unreachable over IPv6"));
    }
    if r.consistent == Some(false) {
        out.push(("IPv6 与 IPv4 内容不一致", "IPv6 content differs from IPv4"));
    }
    if r.aaaa && r.success_rate().is_some_and(|x| x < IPV6_SUPPORT_THRESHOLD) {
        out.push(("近期 IPv6 访问成功率不足 90%", "recent IPv6 success below 90 %"));
    }
    if r.l2_rate().is_some_and(|x| x < IPV6_SUPPORT_THRESHOLD) {
        out.push(("二级链接 IPv6 支持率不足 90%", "level-2 links below 90 %"));
    }
    if r.l3_rate().is_some_and(|x| x < IPV6_SUPPORT_THRESHOLD) {
        out.push(("三级链接 IPv6 支持率不足 90%", "level-3 links below 90 %"));
    }
    out
}

/// [`shortfall`] in the reader's language, as one line.
pub fn shortfall_text(t: &T, r: &Ipv6Result) -> String {
    let en = t.is_en();
    shortfall(r).iter().map(|(zh, e)| if en { *e } else { *zh }).collect::<Vec<_>>().join(if en { "; " } else { "；" })
}

/// A rate as a percentage with one decimal, "—" when there is none.
pub fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

/// Divisions a user may filter by: the cities and counties inside their scope.
pub fn region_options(scope: &Scope, province: u32) -> Vec<(u32, String)> {
    let Some((lo, hi)) = scope.county_range() else { return vec![] };
    let mut out = Vec::new();
    for city in standard::codes::DIVISIONS.cities_of(province) {
        let counties: Vec<_> = standard::codes::DIVISIONS.counties_of(province).filter(|c| c.code / 100 == city.code / 100 && (lo..=hi).contains(&c.code)).collect();
        if counties.is_empty() {
            continue;
        }
        if lo <= city.code && city.code + 99 <= hi {
            out.push((city.code, city.name.clone()));
        }
        for c in counties {
            out.push((c.code, format!("　{}", c.name)));
        }
    }
    out
}

/// 学段 and grade names of the 学籍 grade codes.
pub fn grade_names(g: u8) -> (String, String) {
    let (stage, stage_en, n) = match g / 10 {
        1 => ("小学", "Primary", g % 10),
        2 => ("初中", "Junior", g % 10),
        3 => ("高中", "Senior", g % 10),
        _ => return ("未填年级".into(), "No grade".into()),
    };
    const CN: [&str; 7] = ["", "一", "二", "三", "四", "五", "六"];
    (format!("{stage}{}年级", CN.get(n as usize).unwrap_or(&"")), format!("{stage_en} {n}"))
}

/// Who did it, for a reader: the platform's own actors in words (`system`: the server's scheduled
/// work; `console`: the server's command line without a known operator); None for an account,
/// whose name is shown as it is (marked as a code).
pub fn actor_label(t: &T, name: &str) -> Option<&'static str> {
    match name {
        "system" => Some(t.s("系统（自动）", "system (automatic)")),
        "console" => Some(t.s("服务器命令行", "server command line")),
        _ => None,
    }
}

/// An audit entry's target as (what, which): `student:510104…` → ("学生", "510104…"), the kind in
/// words and the identifier shown as a code; a target without a known kind is all identifier.
pub fn target_parts(t: &T, target: &str) -> (String, String) {
    const KINDS: [(&str, &str, &str); 9] = [
        ("student", "学生", "student"),
        ("teacher", "教师", "teacher"),
        ("school", "学校", "school"),
        ("site", "网站", "site"),
        ("sites", "网站", "sites"),
        ("batch", "导入批次", "batch"),
        ("export", "导出", "export"),
        ("webhook", "告警机器人", "alert robot"),
        ("alert", "告警", "alert"),
    ];
    if let Some((kind, id)) = target.split_once(':') {
        if let Some(k) = KINDS.iter().find(|k| k.0 == kind) {
            return (t.s(k.1, k.2).to_string(), id.to_string());
        }
    }
    (String::new(), target.to_string())
}
