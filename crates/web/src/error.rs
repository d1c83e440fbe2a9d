//! One error type for the web layer. Handlers return it; [`crate::errors::render`] turns it into an
//! HTML page in the user's language or, under `/api/`, JSON `{code, message}`. Internal details are
//! logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use store::StoreError;

#[derive(Debug, Clone)]
pub enum AppError {
    /// Not signed in (pages redirect to the login).
    Unauthorized,
    /// Signed in with an initial or reset password: pages redirect to the password form.
    MustChangePassword,
    /// Signed in, but the role may not do this.
    Forbidden,
    /// Nothing there — or nothing the user may see: out-of-scope records are 404, not 403, so
    /// that their existence does not leak.
    NotFound,
    /// The request is wrong: what, and what to do (zh, en).
    Invalid { zh: String, en: String },
    /// The form's CSRF token is missing or stale.
    Csrf,
    /// Too many attempts.
    TooMany { zh: String, en: String },
    Conflict { zh: String, en: String },
    /// Refused for a reason the caller can act on (403 with its own message: a grant expired).
    Refused { zh: String, en: String },
    /// It was there and is no more (410: a revoked grant).
    Gone { zh: String, en: String },
    /// Over a rate: 429 with `Retry-After` (seconds).
    RetryAfter { secs: i64 },
    /// The database is down or locked.
    Unavailable(String),
    /// A request the framework refused before any handler ran (a query string, path or JSON
    /// body that does not parse, a missing field, a wrong content type or method): its status,
    /// answered in the same envelope as every error. The framework's own text is not repeated,
    /// since it may quote what was sent.
    Rejected(StatusCode),
    Internal(String),
}

impl AppError {
    pub fn invalid(zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::Invalid { zh: zh.into(), en: en.into() }
    }

    /// Any page cursor that does not open or does not fit the query: one answer that repeats
    /// nothing of it (a cursor may hold a stored name or ID number).
    pub fn bad_cursor() -> AppError {
        AppError::invalid("翻页参数无效，请从第一页重新开始。", "The page link is invalid; start again from the first page.")
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf | AppError::MustChangePassword | AppError::Refused { .. } => StatusCode::FORBIDDEN,
            AppError::Gone { .. } => StatusCode::GONE,
            AppError::RetryAfter { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Rejected(s) => *s,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden | AppError::Refused { .. } => "forbidden",
            AppError::Gone { .. } => "gone",
            AppError::RetryAfter { .. } => "too_many_requests",
            AppError::MustChangePassword => "password_change_required",
            AppError::NotFound => "not_found",
            AppError::Invalid { .. } => "invalid",
            AppError::Csrf => "csrf",
            AppError::TooMany { .. } => "too_many_requests",
            AppError::Conflict { .. } => "conflict",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
            AppError::Rejected(s) => match s.as_u16() {
                405 => "method_not_allowed",
                413 => "too_large",
                415 => "unsupported_media_type",
                _ => "invalid",
            },
        }
    }

    /// What went wrong and what to do, in Chinese and English.
    pub fn message(&self) -> (String, String) {
        match self {
            AppError::Unauthorized => ("请先登录。".into(), "Please sign in.".into()),
            AppError::MustChangePassword => ("请先修改初始密码后再使用系统。".into(), "Change your initial password before using the platform.".into()),
            AppError::Forbidden => ("您的角色无权访问此功能。如需使用，请联系省级管理员调整角色。".into(), "Your role may not use this. Ask the province administrator to change your role if you need it.".into()),
            AppError::NotFound => ("没有找到该页面或记录，或它不在您的管辖范围内。请检查地址，或从菜单重新进入。".into(), "Nothing was found here, or it is outside your area. Check the address, or start again from the menu.".into()),
            AppError::Invalid { zh, en } | AppError::TooMany { zh, en } | AppError::Conflict { zh, en } | AppError::Refused { zh, en } | AppError::Gone { zh, en } => (zh.clone(), en.clone()),
            AppError::RetryAfter { secs } => (format!("调用过于频繁，已超过授权的每分钟次数，请 {secs} 秒后再试。"), format!("Too many calls: the grant's calls per minute are used up. Try again in {secs} seconds.")),
            AppError::Csrf => ("页面已过期（表单校验码不符）。请刷新页面后重新提交。".into(), "This page has expired (its form token does not match). Reload the page and submit again.".into()),
            AppError::Unavailable(_) => ("数据库暂时不可用，请稍后重试；如持续出现，请联系系统管理员。".into(), "The database is unavailable. Try again shortly; if it persists, contact the system administrator.".into()),
            AppError::Rejected(s) => match s.as_u16() {
                405 => ("该地址不支持此请求方法。".into(), "This address does not accept this method.".into()),
                413 => ("请求体过大。".into(), "The request body is too large.".into()),
                415 => ("请求体应为 JSON，并带 Content-Type: application/json。".into(), "The body must be JSON, sent with Content-Type: application/json.".into()),
                422 => ("JSON 请求体缺少必填字段，或字段类型不符。请对照接口文档检查。".into(), "The JSON body misses a required field or has one of the wrong type. Check it against the API reference.".into()),
                _ => ("请求参数无效（查询参数、路径或请求体格式不符）。请对照接口文档检查。".into(), "The request's parameters are invalid (query string, path or body). Check them against the API reference.".into()),
            },
            AppError::Internal(_) => ("服务器内部错误，已记录。请稍后重试；如持续出现，请联系系统管理员。".into(), "Internal server error; it has been logged. Try again; if it persists, contact the system administrator.".into()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Unavailable(s) | StoreError::Locked(s) | StoreError::Schema(s) => AppError::Unavailable(s),
            StoreError::Conflict(s) => {
                let (zh, en) = bilingual(&s);
                AppError::Conflict { zh, en }
            }
            StoreError::OutOfScope => AppError::NotFound,
            StoreError::Internal(s) => AppError::Internal(s),
            StoreError::BadCursor => AppError::bad_cursor(),
            // An audit chain that cannot be written: the action is not done, and the reason
            // (which names files) goes to the server's log only.
            StoreError::Integrity(s) => AppError::Unavailable(s),
        }
    }
}

/// A store's message for people in its convention, "中文（English）" (Chinese, then the English in
/// full-width brackets), as (Chinese, English), so that a Chinese page shows no English and an
/// English page no Chinese (issue 12). A message not in that form is both.
pub fn bilingual(s: &str) -> (String, String) {
    let split = s.strip_suffix('）').and_then(|body| body.rfind('（').map(|i| (&body[..i], &body[i + '（'.len_utf8()..])));
    match split {
        Some((zh, en)) if !zh.trim().is_empty() && english(en) => {
            let zh = zh.trim_end();
            let zh = if zh.ends_with(['。', '！', '？']) { zh.to_string() } else { format!("{zh}。") };
            let mut en = en.trim().to_string();
            if let Some(first) = en.get(..1) {
                en = first.to_ascii_uppercase() + &en[1..];
            }
            if !en.ends_with(['.', '!', '?']) {
                en.push('.');
            }
            (zh, en)
        }
        _ => (s.to_string(), s.to_string()),
    }
}

/// Whether the bracketed tail of a message is its English: ASCII letters and no Chinese — or,
/// when it quotes a value written in Chinese (`e.g. 教APP备1100871号`), it starts with an
/// English word, holds a lower-case word of three letters or more, and has more ASCII letters
/// than Chinese characters (so `（小学部）` or `（UTF-8 或 GBK）` stay Chinese).
fn english(en: &str) -> bool {
    let cjk = |c: &char| ('\u{3000}'..='\u{9fff}').contains(c) || ('\u{ff00}'..='\u{ffef}').contains(c);
    let letters = en.chars().filter(char::is_ascii_alphabetic).count();
    if letters == 0 {
        return false;
    }
    let han = en.chars().filter(cjk).count();
    if han == 0 {
        return true;
    }
    let word = en.split(|c: char| !c.is_ascii_alphabetic()).any(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_lowercase()));
    en.trim_start().starts_with(|c: char| c.is_ascii_alphabetic()) && word && letters > han
}

/// A storage error as the log may keep it: PostgreSQL appends the failing row or key to some
/// messages (`…; Failing row contains (…)`, `Key (id_number)=(…)`), so only the text before the
/// first `; ` is kept, and any run of six or more digits (an ID number, a phone) is starred.
pub fn loggable(s: &str) -> String {
    let head = s.split("; ").next().unwrap_or("");
    let mut out = String::with_capacity(head.len());
    let mut digits = String::new();
    for c in head.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits.len() >= 6 { "***" } else { &digits });
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message().1)
    }
}

/// The response carries the error itself; the `render` middleware, which knows the request's
/// language and whether it is an API call, writes the body.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            // Inside the request's span: the id on the error page finds this line.
            AppError::Internal(s) | AppError::Unavailable(s) => tracing::error!(error = %loggable(s), "request failed"),
            _ => {}
        }
        let mut r = self.status().into_response();
        r.extensions_mut().insert(self);
        r
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn logged_errors_keep_no_row_values() {
        use super::loggable;
        assert_eq!(loggable("null value in column \"name\" violates not-null constraint (23502); Failing row contains (510104199001011234, 张三)"), "null value in column \"name\" violates not-null constraint (23502)");
        assert_eq!(loggable("bad id 51010419900101123X at line 12"), "bad id ***X at line 12");
        assert_eq!(loggable("pool closed"), "pool closed");
        assert_eq!(loggable("123456"), "***");
    }

    #[test]
    fn store_messages_split_into_chinese_and_english() {
        use super::bilingual;
        assert_eq!(bilingual("用户名 zhang 已存在（the account name zhang is taken）"), ("用户名 zhang 已存在。".to_string(), "The account name zhang is taken.".to_string()));
        // The English part of a store's message never reaches the Chinese page, nor the reverse.
        let (zh, en) = bilingual("单位 510104 不在您的管辖范围内：只能管理本单位及下级单位的账号（organisation 510104 is outside your area: you manage accounts of your node and below only）");
        assert!(!zh.contains("organisation") && zh.ends_with("账号。"), "{zh}");
        assert!(en.starts_with("Organisation 510104") && !en.contains('单'), "{en}");
        // Brackets of Chinese text, or no brackets: the message as it is, in both.
        assert_eq!(bilingual("学校（小学部）"), ("学校（小学部）".to_string(), "学校（小学部）".to_string()));
        assert_eq!(bilingual("说明（UTF-8 或 GBK）").1, "说明（UTF-8 或 GBK）", "a Chinese note with codes stays Chinese");
        let (zh, en) = bilingual("备案号格式错误（应为“教APP备”+7位数字+“号”）（filing number is malformed (教APP备 + 7 digits + 号, e.g. 教APP备1100871号)）");
        assert_eq!((zh.as_str(), en.as_str()), ("备案号格式错误（应为“教APP备”+7位数字+“号”）。", "Filing number is malformed (教APP备 + 7 digits + 号, e.g. 教APP备1100871号)."), "English quoting a Chinese value");
        assert_eq!(bilingual("duplicate key"), ("duplicate key".to_string(), "duplicate key".to_string()));
    }
}
