//! Findings: what a check raises, with stable `kind` strings that storage, alerts and pages key on.

use serde::{Deserialize, Serialize};

/// The kinds of finding. The serialised names are a stable interface: never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Unreachable,
    Ipv6Missing,
    Ipv6Unreachable,
    ContentDiffersV4V6,
    CertExpired,
    CertExpiring,
    CertInvalid,
    TlsOutdated,
    HeadersMissing,
    Tampered,
    HiddenLink,
    SensitiveWord,
    Timeout,
    RedirectLoop,
    TooLarge,
    /// The site is, resolves to, or redirects to an address the policy denies (loopback,
    /// private, link-local, …): nothing was fetched from there, and nothing of it is kept.
    TargetForbidden,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unreachable => "unreachable",
            Kind::Ipv6Missing => "ipv6_missing",
            Kind::Ipv6Unreachable => "ipv6_unreachable",
            Kind::ContentDiffersV4V6 => "content_differs_v4_v6",
            Kind::CertExpired => "cert_expired",
            Kind::CertExpiring => "cert_expiring",
            Kind::CertInvalid => "cert_invalid",
            Kind::TlsOutdated => "tls_outdated",
            Kind::HeadersMissing => "headers_missing",
            Kind::Tampered => "tampered",
            Kind::HiddenLink => "hidden_link",
            Kind::SensitiveWord => "sensitive_word",
            Kind::Timeout => "timeout",
            Kind::RedirectLoop => "redirect_loop",
            Kind::TooLarge => "too_large",
            Kind::TargetForbidden => "target_forbidden",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
            Severity::Critical => "严重",
        }
    }
}

/// One finding. `detail` is Chinese (the product's language), `detail_en` the English text;
/// `snippet` holds the offending HTML, the word in context or the diff, when there is one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    pub detail: String,
    pub detail_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<crate::Family>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

impl Finding {
    pub fn new(kind: Kind, severity: Severity, zh: impl Into<String>, en: impl Into<String>) -> Finding {
        Finding { kind, severity, detail: zh.into(), detail_en: en.into(), family: None, snippet: None }
    }
    pub fn family(mut self, f: crate::Family) -> Finding {
        self.family = Some(f);
        self
    }
    pub fn snippet(mut self, s: impl Into<String>) -> Finding {
        self.snippet = Some(s.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn kind_names_are_the_documented_ones() {
        use Kind::*;
        let all = [Unreachable, Ipv6Missing, Ipv6Unreachable, ContentDiffersV4V6, CertExpired, CertExpiring, CertInvalid, TlsOutdated, HeadersMissing, Tampered, HiddenLink, SensitiveWord, Timeout, RedirectLoop, TooLarge, TargetForbidden];
        let names: Vec<String> = all.iter().map(|k| serde_json::to_value(k).unwrap().as_str().unwrap().to_string()).collect();
        assert_eq!(
            names,
            ["unreachable", "ipv6_missing", "ipv6_unreachable", "content_differs_v4_v6", "cert_expired", "cert_expiring", "cert_invalid", "tls_outdated", "headers_missing", "tampered", "hidden_link", "sensitive_word", "timeout", "redirect_loop", "too_large", "target_forbidden"]
        );
        assert!(all.iter().zip(&names).all(|(k, n)| k.as_str() == n));
        assert_eq!(serde_json::to_value(Severity::Critical).unwrap(), "critical");
    }
}
