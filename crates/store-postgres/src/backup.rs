//! What `tianfu backup` and `tianfu restore` need of PostgreSQL besides `pg_dump` and
//! `pg_restore`: a snapshot exported at a chosen moment (so that the dump and the audit head
//! checkpoint read under the chain's lock show the same log), and the state of a target
//! database before a restore writes into it.

use crate::error::pg;
use crate::{describe_target, migrate, PgStore, CONNECT_TIMEOUT};
use postgres::{Config, NoTls};
use store::StoreError;

impl PgStore {
    /// Starts a read-only repeatable-read transaction on this connection and exports its
    /// snapshot (`pg_dump --snapshot=ID` then dumps exactly what it sees). The connection must
    /// stay open, and do nothing else, until the dump has started; [`PgStore::end_snapshot`]
    /// ends it.
    pub fn export_snapshot(&mut self) -> Result<String, StoreError> {
        self.client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .map_err(pg)?;
        let id: String = self.client.query_one("SELECT pg_export_snapshot()", &[]).map_err(pg)?.get(0);
        Ok(id)
    }

    /// Ends the transaction of [`PgStore::export_snapshot`].
    pub fn end_snapshot(&mut self) -> Result<(), StoreError> {
        self.client.batch_execute("ROLLBACK").map_err(pg)
    }

    /// The applied schema version.
    pub fn schema_version(&mut self) -> Result<u32, StoreError> {
        migrate::current_version(&mut self.client, &self.schema)
    }
}

/// A database before a restore: where tables would go and what is there.
#[derive(Debug, Clone)]
pub struct TargetState {
    /// `host:port/dbname`, for messages (never the password).
    pub target: String,
    /// `current_schema()`, None when no schema on the search path exists.
    pub schema: Option<String>,
    /// The applied Tianfu schema version (0: no Tianfu tables).
    pub version: u32,
    /// Other sessions connected to the same database (servers, workers, psql).
    pub other_sessions: i64,
}

/// Connects to `url` without checking its schema and reports its state.
pub fn target_state(url: &str) -> Result<TargetState, StoreError> {
    let mut cfg: Config = url.parse().map_err(|e| StoreError::Unavailable(format!("invalid database URL: {e}")))?;
    if cfg.get_connect_timeout().is_none() {
        cfg.connect_timeout(CONNECT_TIMEOUT);
    }
    cfg.application_name("tianfu restore");
    let target = describe_target(&cfg);
    let mut client = cfg
        .connect(NoTls)
        .map_err(|e| StoreError::Unavailable(format!("{target}: {}", crate::error::describe(&e))))?;
    let schema: Option<String> = client.query_one("SELECT current_schema()", &[]).map_err(pg)?.get(0);
    let version = match &schema {
        Some(s) => migrate::current_version(&mut client, s)?,
        None => 0,
    };
    let other_sessions: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            &[],
        )
        .map_err(pg)?
        .get(0);
    Ok(TargetState { target, schema, version, other_sessions })
}

/// The password of `url` (decoded) and the URL without it: the child processes get the password
/// through `PGPASSWORD`, never on their command line (visible to every user in `ps`).
pub fn split_password(url: &str) -> (String, Option<String>) {
    let password = url
        .parse::<Config>()
        .ok()
        .and_then(|c| c.get_password().map(|p| String::from_utf8_lossy(p).into_owned()));
    let Some(start) = url.find("://").map(|i| i + 3) else { return (url.to_string(), password) };
    let end = url[start..].find(['/', '?']).map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let Some(at) = authority.rfind('@') else { return (url.to_string(), password) };
    let userinfo = &authority[..at];
    let user = userinfo.split(':').next().unwrap_or("");
    (format!("{}{}{}{}", &url[..start], user, &authority[at..], &url[end..]), password)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_leaves_the_url() {
        let (u, p) = super::split_password("postgres://tianfu:s%40cret@db.local:5432/tianfu?sslmode=disable");
        assert_eq!(u, "postgres://tianfu@db.local:5432/tianfu?sslmode=disable");
        assert_eq!(p.as_deref(), Some("s@cret"));
        let (u, p) = super::split_password("postgres://postgres@127.0.0.1/t");
        assert_eq!((u.as_str(), p), ("postgres://postgres@127.0.0.1/t", None));
    }
}
