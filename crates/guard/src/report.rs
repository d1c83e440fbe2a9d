//! The check result as text for a person at a terminal: Chinese by default, English on request.

use crate::check::{CheckResult, FamilyResult};
use std::fmt::Write;

fn yes_no(b: Option<bool>, en: bool) -> &'static str {
    match (b, en) {
        (Some(true), false) => "是",
        (Some(false), false) => "否",
        (None, false) => "未知",
        (Some(true), true) => "yes",
        (Some(false), true) => "no",
        (None, true) => "unknown",
    }
}

fn family_line(out: &mut String, r: &FamilyResult, en: bool) {
    let addrs = if r.addresses.is_empty() { "-".to_string() } else { r.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ") };
    let state = match (r.reachable, en) {
        (true, false) => "可访问",
        (false, false) => "不可访问",
        (true, true) => "reachable",
        (false, true) => "unreachable",
    };
    let status = r.status.map_or("-".to_string(), |s| format!("HTTP {s}"));
    let _ = write!(out, "  {:<5} {addrs:<24} {state} {status} {} ms", r.family.label(), r.elapsed_ms);
    if let Some(e) = if en { &r.error_en } else { &r.error } {
        let _ = write!(out, " ({e})");
    }
    out.push('\n');
}

impl CheckResult {
    pub fn to_text(&self, en: bool) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "{} {}", if en { "Site check" } else { "网站检测" }, self.url);
        family_line(&mut o, &self.ipv4, en);
        family_line(&mut o, &self.ipv6, en);
        let d = &self.dns;
        if en {
            let _ = writeln!(o, "  DNS   {} A, {} AAAA, name servers with IPv6: {} ({} ms)", d.a.len(), d.aaaa.len(), yes_no(d.ns_ipv6, en), d.elapsed_ms);
        } else {
            let _ = writeln!(o, "  DNS   A 记录 {} 条，AAAA 记录 {} 条，权威服务器有 IPv6：{}（{} 毫秒）", d.a.len(), d.aaaa.len(), yes_no(d.ns_ipv6, en), d.elapsed_ms);
        }
        if let Some(t) = &self.tls {
            let days = t.days_to_expiry.map_or("-".into(), |d| d.to_string());
            let key = format!("{} {}", t.key_type.as_deref().unwrap_or("-"), t.key_bits.map_or(String::new(), |b| b.to_string()));
            if en {
                let _ = writeln!(o, "  TLS   {} certificate {}, {days} days left, issuer {}, key {key}, grade {}", t.protocol, t.verdict.en(), t.issuer.as_deref().unwrap_or("-"), t.grade);
            } else {
                let _ = writeln!(o, "  TLS   {} 证书{}，剩余 {days} 天，签发者 {}，密钥 {key} 位，评级 {}", t.protocol, t.verdict.zh(), t.issuer.as_deref().unwrap_or("-"), t.grade);
            }
        }
        if let Some(h) = &self.headers {
            let _ = writeln!(o, "  {} {} ({})", if en { "Headers score" } else { "安全响应头得分" }, h.score, h.grade);
            for i in h.items.iter().filter(|i| !i.pass) {
                let _ = writeln!(o, "        - {}", if en { &i.detail_en } else { &i.detail });
            }
        }
        let s = &self.ipv6_support;
        if en {
            let _ = writeln!(o, "  IPv6 support: AAAA {}, home page {}, consistent with IPv4 {}", yes_no(Some(s.aaaa), en), yes_no(Some(s.home_reachable), en), yes_no(s.consistent_with_ipv4, en));
        } else {
            let _ = writeln!(o, "  IPv6 支持：AAAA {}，首页可访问 {}，与 IPv4 内容一致 {}", yes_no(Some(s.aaaa), en), yes_no(Some(s.home_reachable), en), yes_no(s.consistent_with_ipv4, en));
        }
        if let Some(c) = &self.crawl {
            let rate = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0));
            if en {
                let _ = writeln!(o, "  IPv6 link rates: level 2 {} of {} ({}), level 3 {} of {} ({})", c.level2.ok_ipv6, c.level2.checked, rate(c.level2.rate), c.level3.ok_ipv6, c.level3.checked, rate(c.level3.rate));
            } else {
                let _ = writeln!(o, "  IPv6 链接支持率：二级 {}/{}（{}），三级 {}/{}（{}）", c.level2.ok_ipv6, c.level2.checked, rate(c.level2.rate), c.level3.ok_ipv6, c.level3.checked, rate(c.level3.rate));
            }
        }
        if self.findings.is_empty() {
            let _ = writeln!(o, "{}", if en { "No findings." } else { "未发现问题。" });
        } else {
            let _ = writeln!(o, "{} {}{}", if en { "Findings:" } else { "发现问题" }, self.findings.len(), if en { "" } else { " 项：" });
            for f in &self.findings {
                let sev = if en { f.severity.as_str() } else { f.severity.zh() };
                let _ = writeln!(o, "  [{sev}] {} {}", f.kind.as_str(), if en { &f.detail_en } else { &f.detail });
                if let Some(sn) = &f.snippet {
                    for l in sn.lines().take(12) {
                        let _ = writeln!(o, "        {l}");
                    }
                }
            }
        }
        o
    }
}
