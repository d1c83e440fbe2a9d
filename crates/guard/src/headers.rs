//! Security headers, scored in the spirit of the Mozilla HTTP Observatory: start from 100, take
//! off points for each missing or weak protection, explain every item.

use serde::Serialize;

/// HSTS must last at least 180 days (Observatory: `hsts-implemented-max-age-less-than-six-months`).
pub const HSTS_MIN_SECONDS: u64 = 180 * 86_400;

#[derive(Clone, Debug, Serialize)]
pub struct HeaderItem {
    /// Stable name: `strict-transport-security`, `content-security-policy`, `x-frame-options`,
    /// `x-content-type-options`, `referrer-policy`, `redirect-to-https`.
    pub name: &'static str,
    pub pass: bool,
    /// Points taken off (0 when it passes).
    pub penalty: u32,
    pub detail: String,
    pub detail_en: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct HeadersReport {
    /// 0–100.
    pub score: u32,
    /// A+ (100), A (≥ 90), B (≥ 70), C (≥ 50), D (≥ 30), F.
    pub grade: &'static str,
    /// Names of the items that did not pass.
    pub missing: Vec<&'static str>,
    pub items: Vec<HeaderItem>,
}

fn item(name: &'static str, pass: bool, penalty: u32, zh: String, en: String) -> HeaderItem {
    HeaderItem { name, pass, penalty: if pass { 0 } else { penalty }, detail: zh, detail_en: en }
}

/// `headers` are the final response's (lower-case names). `https` says whether the final page
/// came over HTTPS; `redirects_to_https` whether the plain-HTTP URL sends browsers to HTTPS
/// (None when not known, e.g. the site was given as https://).
pub fn analyse(headers: &[(String, String)], https: bool, redirects_to_https: Option<bool>) -> HeadersReport {
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim());
    let mut items = Vec::with_capacity(6);

    if https {
        let hsts = get("strict-transport-security");
        let max_age = hsts.and_then(|v| {
            v.split(';').find_map(|p| {
                let (k, val) = p.split_once('=')?;
                k.trim().eq_ignore_ascii_case("max-age").then(|| val.trim().trim_matches('"').parse::<u64>().ok()).flatten()
            })
        });
        items.push(match (hsts, max_age) {
            (None, _) => item("strict-transport-security", false, 20, "缺少 Strict-Transport-Security（HSTS）".into(), "Strict-Transport-Security (HSTS) is missing".into()),
            (Some(_), Some(a)) if a >= HSTS_MIN_SECONDS => item("strict-transport-security", true, 0, format!("HSTS 有效期 {} 天", a / 86_400), format!("HSTS max-age {} days", a / 86_400)),
            (Some(_), a) => item(
                "strict-transport-security",
                false,
                10,
                format!("HSTS 有效期不足 180 天（{} 天）", a.unwrap_or(0) / 86_400),
                format!("HSTS max-age under 180 days ({} days)", a.unwrap_or(0) / 86_400),
            ),
        });
    } else {
        items.push(item("strict-transport-security", false, 20, "网站未使用 HTTPS，无法启用 HSTS".into(), "the site is not served over HTTPS, so HSTS cannot apply".into()));
    }
    if let Some(r) = redirects_to_https {
        items.push(if r {
            item("redirect-to-https", true, 0, "HTTP 重定向到 HTTPS".into(), "HTTP redirects to HTTPS".into())
        } else {
            item("redirect-to-https", false, 20, "HTTP 未重定向到 HTTPS".into(), "HTTP does not redirect to HTTPS".into())
        });
    }

    let csp = get("content-security-policy");
    let frame_ancestors = csp.is_some_and(|c| c.to_ascii_lowercase().contains("frame-ancestors"));
    items.push(match csp {
        None => item("content-security-policy", false, 25, "缺少 Content-Security-Policy".into(), "Content-Security-Policy is missing".into()),
        Some(c) if c.contains("'unsafe-inline'") && !c.contains("nonce-") && !c.contains("sha256-") => {
            item("content-security-policy", false, 10, "CSP 允许 'unsafe-inline' 脚本".into(), "CSP allows 'unsafe-inline'".into())
        }
        Some(_) => item("content-security-policy", true, 0, "已设置 CSP".into(), "CSP is set".into()),
    });

    let xfo = get("x-frame-options").map(|v| v.to_ascii_lowercase());
    let xfo_ok = matches!(xfo.as_deref(), Some("deny") | Some("sameorigin"));
    items.push(if xfo_ok || frame_ancestors {
        item("x-frame-options", true, 0, "已防止被嵌入框架（点击劫持）".into(), "framing is restricted (clickjacking)".into())
    } else {
        item("x-frame-options", false, 20, "缺少 X-Frame-Options 或 CSP frame-ancestors".into(), "X-Frame-Options or CSP frame-ancestors is missing".into())
    });

    let xcto = get("x-content-type-options").is_some_and(|v| v.eq_ignore_ascii_case("nosniff"));
    items.push(if xcto {
        item("x-content-type-options", true, 0, "X-Content-Type-Options: nosniff".into(), "X-Content-Type-Options: nosniff".into())
    } else {
        item("x-content-type-options", false, 5, "缺少 X-Content-Type-Options: nosniff".into(), "X-Content-Type-Options: nosniff is missing".into())
    });

    let rp = get("referrer-policy").map(|v| v.to_ascii_lowercase());
    items.push(match rp.as_deref() {
        None => item("referrer-policy", false, 5, "缺少 Referrer-Policy".into(), "Referrer-Policy is missing".into()),
        Some(v) if v.contains("unsafe-url") || v.contains("no-referrer-when-downgrade") => {
            item("referrer-policy", false, 5, format!("Referrer-Policy 不安全（{v}）"), format!("unsafe Referrer-Policy ({v})"))
        }
        Some(v) => item("referrer-policy", true, 0, format!("Referrer-Policy: {v}"), format!("Referrer-Policy: {v}")),
    });

    let lost: u32 = items.iter().map(|i| i.penalty).sum();
    let score = 100u32.saturating_sub(lost);
    let grade = match score {
        100 => "A+",
        90..=99 => "A",
        70..=89 => "B",
        50..=69 => "C",
        30..=49 => "D",
        _ => "F",
    };
    let missing = items.iter().filter(|i| !i.pass).map(|i| i.name).collect();
    HeadersReport { score, grade, missing, items }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn h(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }
    #[test]
    fn full_marks_and_short_hsts() {
        let good = h(&[
            ("strict-transport-security", "max-age=31536000; includeSubDomains"),
            ("content-security-policy", "default-src 'self'; frame-ancestors 'none'"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
        ]);
        let r = analyse(&good, true, Some(true));
        assert_eq!((r.score, r.grade), (100, "A+"));
        assert!(r.missing.is_empty());
        let r = analyse(&h(&[("strict-transport-security", "max-age=86400")]), true, None);
        assert_eq!(r.score, 100 - 10 - 25 - 20 - 5 - 5);
        assert_eq!(r.missing, ["strict-transport-security", "content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"]);
    }
}
