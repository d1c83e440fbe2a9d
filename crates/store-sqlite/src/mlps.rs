//! The 等保 register's primitives (the queries and rules are in `store::mlps`): its tables are
//! in the platform file, the organisation tree in the base file.

use crate::sql::{params, Row};
use crate::{map_err, SqliteStore};
use rusqlite::OptionalExtension;
use store::mlps::MlpsSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl MlpsSql for SqliteStore {
    fn mlps_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn mlps_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut st = self.platform.prepare_cached(sql).map_err(map_err)?;
        let mut rows = st.query(params(args)).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn mlps_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let mut st = self.platform.prepare_cached(sql).map_err(map_err)?;
        st.execute(params(args)).map(|n| n as u64).map_err(map_err)
    }

    fn mlps_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.platform.execute_batch(sql).map_err(map_err)
    }

    fn mlps_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        self.conn()
            .prepare_cached(store::monitor::sql::ORG_NODE)
            .and_then(|mut st| st.query_row([code], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(map_err)
    }
}

/// The remembered aggregates (`store::memo`): their tables are in the platform file, beside the
/// registers whose triggers bump the versions.
impl store::memo::MemoSql for SqliteStore {
    fn memo_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn memo_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.mlps_rows(sql, args, each)
    }

    fn memo_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        self.mlps_exec(sql, args)
    }
}
