//! Where the PostgreSQL tests of every crate find their server.
//!
//! `TIANFU_TEST_DATABASE_URL` names a database where tests may create schemas. Without it the
//! PostgreSQL halves of the tests are skipped with a notice — unless `TIANFU_REQUIRE_POSTGRES=1`
//! (as CI sets it), when a missing database fails the tests instead of letting them pass
//! without having run. A set but unreachable server always fails them (at connect).

use std::io::Write as _;
use std::sync::Once;

pub const URL_VAR: &str = "TIANFU_TEST_DATABASE_URL";
pub const REQUIRE_VAR: &str = "TIANFU_REQUIRE_POSTGRES";

/// The test database's URL, or None to skip; panics when PostgreSQL is required and not given.
pub fn database_url() -> Option<String> {
    match decide(std::env::var(URL_VAR).ok(), std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")) {
        Ok(Some(url)) => Some(url),
        Ok(None) => {
            static NOTICE: Once = Once::new();
            NOTICE.call_once(|| {
                // Straight to stderr, past the test harness's capture, so the skip is seen.
                let _ = writeln!(std::io::stderr(), "{URL_VAR} is not set: skipping the PostgreSQL tests (e.g. {URL_VAR}=postgres://postgres@127.0.0.1:5432/postgres; {REQUIRE_VAR}=1 makes this an error)");
            });
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// The rule, apart from the environment.
pub fn decide(url: Option<String>, required: bool) -> Result<Option<String>, String> {
    match url.filter(|u| !u.trim().is_empty()) {
        Some(u) => Ok(Some(u)),
        None if required => Err(format!("{REQUIRE_VAR}=1 but {URL_VAR} is not set: the PostgreSQL tests must run here (start PostgreSQL and set {URL_VAR}, as .ci/run does)")),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn required_means_required() {
        assert_eq!(super::decide(Some("postgres://x/db".into()), true), Ok(Some("postgres://x/db".into())));
        assert_eq!(super::decide(None, false), Ok(None));
        assert_eq!(super::decide(Some("  ".into()), false), Ok(None));
        assert!(super::decide(None, true).unwrap_err().contains("TIANFU_REQUIRE_POSTGRES=1"));
        assert!(super::decide(Some(String::new()), true).is_err());
    }
}
