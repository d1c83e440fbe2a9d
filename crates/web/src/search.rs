//! Searches for people, by number or by name: who may search, how often, and the audit entry.
//! Every person list of the console and the API goes through [`check`] and [`audit`], so the
//! rules hold on every route:
//!
//! - An exact ID number or 学籍号 search confirms that a number exists (a masked number plus its
//!   check digit leaves a few dozen candidates): only roles that may reveal records search by
//!   number, and each such search is audited.
//! - A name search is a prefix search: one character (a surname) lists a county, and prefix after
//!   prefix spells out a masked name. It needs [`NAME_MIN_CHARS`] characters and each account
//!   may start [`PER_MINUTE`] searches a minute (numbers and names together; the configuration's
//!   `searches_per_minute`).
//! - Searches through the API are audited, by name too (the console's name searches are only
//!   limited: the console is used by the officers who keep the records).
//!
//! The audit entry names the searched value by its keyed hash ([`crate::seal::audit_hash`]), never
//! the value itself.

use crate::auth::Identity;
use crate::error::AppError;
use crate::state::AppState;
use std::time::Instant;
use store::{Entity, PersonQuery};

/// The shortest name prefix searched.
pub const NAME_MIN_CHARS: usize = 2;
pub use crate::throttle::{SearchLimiter as Limiter, SEARCHES_PER_MINUTE as PER_MINUTE};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Number,
    Name,
}

/// A search a query makes.
#[derive(Debug, Clone)]
pub struct Search {
    pub by: By,
    value: String,
}

/// Whether `me` may run `q`, and the search it makes if any. A continued page (`after`) of a
/// search is the same search: it is not counted again.
pub fn check(app: &AppState, me: &Identity, q: &PersonQuery) -> Result<Option<Search>, AppError> {
    let search = if let Some(id) = q.id.as_deref().filter(|s| !s.is_empty()) {
        if !me.user.role.may_reveal() {
            return Err(AppError::Forbidden);
        }
        Search { by: By::Number, value: id.to_string() }
    } else if let Some(name) = q.name.as_deref().filter(|s| !s.is_empty()) {
        if name.chars().count() < NAME_MIN_CHARS {
            return Err(AppError::invalid(
                format!("按姓名查询请至少输入 {NAME_MIN_CHARS} 个字（姓名的开头部分）。"),
                format!("A name search needs at least {NAME_MIN_CHARS} characters (the beginning of the name)."),
            ));
        }
        Search { by: By::Name, value: name.to_string() }
    } else {
        return Ok(None);
    };
    if q.after.is_none() && !app.searches.allow(me.user.id, Instant::now()) {
        let n = app.searches.per_minute();
        return Err(AppError::TooMany {
            zh: format!("查询过于频繁：每个账号每分钟最多查询 {n} 次。请稍后再试，或按学校、地区浏览。"),
            en: format!("Too many searches: an account may search {n} times a minute. Try again shortly, or browse by school or region."),
        });
    }
    Ok(Some(search))
}

/// Writes a search to the audit log when it must be: every search by number, every search
/// through the API. `hits`: the rows answered.
pub async fn audit(app: &AppState, me: &Identity, entity: Entity, s: Option<&Search>, hits: usize, via: &str, ip: &str) -> Result<(), AppError> {
    let Some(s) = s else { return Ok(()) };
    if s.by == By::Name && via != "api" {
        return Ok(());
    }
    let detail = serde_json::json!({
        "entity": entity.key(),
        "by": match s.by { By::Number => "number", By::Name => "name" },
        "via": via,
        "query_hmac": crate::seal::audit_hash(&s.value),
        "hits": hits,
    });
    app.audit_by(me, "search", entity.key(), detail.to_string(), ip).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn limiter_counts_per_account_and_minute() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..PER_MINUTE {
            assert!(l.allow(1, t0));
        }
        assert!(!l.allow(1, t0 + Duration::from_secs(59)));
        assert!(l.allow(2, t0), "another account has its own count");
        assert!(l.allow(1, t0 + Duration::from_secs(60)), "a new minute");
    }
}
