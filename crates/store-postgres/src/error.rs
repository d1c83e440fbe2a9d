//! PostgreSQL errors as [`StoreError`]s, by SQLSTATE.

use postgres::error::{DbError, SqlState};
use store::StoreError;

/// The message of a database error with its detail and hint, or the client error's text.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => describe_db(db),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                let t = inner.to_string();
                if !s.contains(&t) {
                    s.push_str(": ");
                    s.push_str(&t);
                }
                src = inner.source();
            }
            s
        }
    }
}

fn describe_db(db: &DbError) -> String {
    let mut s = format!("{} ({})", db.message(), db.code().code());
    if let Some(d) = db.detail() {
        s.push_str("; ");
        s.push_str(d);
    }
    if let Some(h) = db.hint() {
        s.push_str("; ");
        s.push_str(h);
    }
    s
}

/// Classifies an error of a statement on an open connection.
pub fn pg(e: postgres::Error) -> StoreError {
    let msg = describe(&e);
    if let Some(code) = e.code() {
        let c = code.code();
        if *code == SqlState::LOCK_NOT_AVAILABLE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
        {
            return StoreError::Locked(msg);
        }
        if *code == SqlState::UNDEFINED_TABLE
            || *code == SqlState::UNDEFINED_COLUMN
            || *code == SqlState::INVALID_SCHEMA_NAME
        {
            return StoreError::Schema(format!("{msg}: run tianfu migrate"));
        }
        if *code == SqlState::UNIQUE_VIOLATION {
            return StoreError::Conflict(msg);
        }
        if c.starts_with("08")
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
        {
            return StoreError::Unavailable(msg);
        }
        return StoreError::Internal(msg);
    }
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return StoreError::Unavailable(msg);
    }
    StoreError::Internal(msg)
}

/// The key named by a unique violation's detail, `Key (record_key)=(…) already exists.`
pub fn violated_key(e: &postgres::Error) -> Option<String> {
    let d = e.as_db_error()?.detail()?;
    let start = d.find(")=(")? + 3;
    let end = d.rfind(')')?;
    (end > start).then(|| d[start..end].to_string())
}
