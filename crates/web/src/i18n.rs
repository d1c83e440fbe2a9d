//! Chinese first, English second. Templates carry both texts side by side (`t.s("总览", "Overview")`),
//! so a page reads naturally in its source and no key can be missing.

use axum::http::HeaderMap;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` cookie, else the default.
    pub fn of(headers: &HeaderMap, default: Lang) -> Lang {
        match crate::net::cookie(headers, "lang") {
            Some("en") => Lang::En,
            Some("zh") => Lang::Zh,
            _ => default,
        }
    }

    pub fn standard(self) -> standard::Lang {
        match self {
            Lang::Zh => standard::Lang::Zh,
            Lang::En => standard::Lang::En,
        }
    }
}

/// The translator templates get.
#[derive(Debug, Clone, Copy)]
pub struct T {
    pub lang: Lang,
}

impl T {
    pub fn s<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// Thousands separators: 15,000,000.
    pub fn n(&self, v: impl Int) -> String {
        let s = v.int().to_string();
        let mut out = String::with_capacity(s.len() + s.len() / 3);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// A Unix time as people in Sichuan read it: Beijing time (UTC+8, no daylight saving),
    /// `2026-11-29 21:29:05`.
    pub fn time(&self, t: impl Int) -> String {
        let s = store::time::rfc3339(t.int() + 8 * 3600);
        format!("{} {}", &s[..10], &s[11..19])
    }

    /// An RFC 3339 UTC time (as stored) in Beijing time; unparsable text is shown as it is.
    pub fn local(&self, rfc: &str) -> String {
        match unix_of(rfc) {
            Some(t) => self.time(t),
            None => rfc.to_string(),
        }
    }

    /// An audit outcome in words.
    pub fn outcome(&self, o: &str) -> String {
        match (self.lang, o) {
            (Lang::Zh, "ok") => "成功".into(),
            (Lang::Zh, "failed") => "失败".into(),
            (Lang::Zh, "denied") => "拒绝".into(),
            (Lang::Zh, "started") => "开始".into(),
            (Lang::Zh, "interrupted") => "中断".into(),
            (_, o) => o.to_string(),
        }
    }

    pub fn role(&self, r: &store::Role) -> &'static str {
        match self.lang {
            Lang::Zh => r.zh(),
            Lang::En => r.en(),
        }
    }

    pub fn entity(&self, e: &store::Entity) -> String {
        match (self.lang, e) {
            (Lang::Zh, e) => e.zh().to_string(),
            (Lang::En, store::Entity::School) => "Schools".into(),
            (Lang::En, store::Entity::Teacher) => "Teachers".into(),
            (Lang::En, store::Entity::Student) => "Students".into(),
            (Lang::En, store::Entity::Conditions) => "School conditions".into(),
        }
    }

    pub fn rule(&self, code: &str) -> String {
        standard::Rule::from_code(code)
            .map(|r| r.message(self.lang.standard()).to_string())
            .or_else(|| standard::Warning::from_code(code).map(|w| w.message(self.lang.standard()).to_string()))
            .unwrap_or_default()
    }
}

/// Whole numbers as templates hand them over (by value or by reference).
pub trait Int {
    fn int(&self) -> i64;
}
impl Int for u64 {
    fn int(&self) -> i64 {
        *self as i64
    }
}
impl Int for i64 {
    fn int(&self) -> i64 {
        *self
    }
}
impl<T: Int + ?Sized> Int for &T {
    fn int(&self) -> i64 {
        (**self).int()
    }
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SS...Z`.
pub fn unix_of(rfc: &str) -> Option<i64> {
    let b = rfc.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| rfc.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    #[test]
    fn beijing_time() {
        let t = super::T { lang: super::Lang::Zh };
        assert_eq!(t.local("2026-11-29T13:29:21.536022Z"), "2026-11-29 21:29:21");
        assert_eq!(t.local("2026-12-31T20:00:00Z"), "2027-01-01 04:00:00");
        assert_eq!(super::unix_of("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t.local("garbage"), "garbage");
    }
}
