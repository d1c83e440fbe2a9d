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
        match crate::auth::cookie(headers, "lang") {
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

    /// A Unix time as RFC 3339 (UTC).
    pub fn time(&self, t: impl Int) -> String {
        store::time::rfc3339(t.int())
    }

    pub fn role(&self, r: &store::Role) -> &'static str {
        match self.lang {
            Lang::Zh => r.zh(),
            Lang::En => r.en(),
        }
    }

    pub fn entity(&self, e: &store::Entity) -> String {
        match self.lang {
            Lang::Zh => e.zh().to_string(),
            Lang::En => e.to_string(),
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
