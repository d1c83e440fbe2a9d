//! The plan tracker's primitives (the queries and rules are in `store::plan`): its tables are in
//! the platform file, the organisation tree in the base file.

use crate::sql::{params, Row};
use crate::{map_err, SqliteStore};
use rusqlite::OptionalExtension;
use store::plan::PlanSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl PlanSql for SqliteStore {
    fn plan_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn plan_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut st = self.platform.prepare_cached(sql).map_err(map_err)?;
        let mut rows = st.query(params(args)).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn plan_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let mut st = self.platform.prepare_cached(sql).map_err(map_err)?;
        st.execute(params(args)).map(|n| n as u64).map_err(map_err)
    }

    fn plan_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.platform.execute_batch(sql).map_err(map_err)
    }

    fn plan_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        self.conn()
            .prepare_cached(store::monitor::sql::ORG_NODE)
            .and_then(|mut st| st.query_row([code], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(map_err)
    }
}
