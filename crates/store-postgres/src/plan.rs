//! The plan tracker's primitives (the queries and rules are in `store::plan`).

use crate::error::pg;
use crate::sql::{args as pg_args, refs, Row};
use crate::PgStore;
use store::plan::PlanSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl PlanSql for PgStore {
    fn plan_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn plan_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = pg_args(args);
        for r in self.client.query(sql, &refs(&a)).map_err(pg)?.iter() {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn plan_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let a = pg_args(args);
        self.client.execute(sql, &refs(&a)).map_err(pg)
    }

    fn plan_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(pg)
    }

    fn plan_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        let sql = Dialect::Postgres.render(store::monitor::sql::ORG_NODE).into_owned();
        let row = self.client.query_opt(&sql, &[&code]).map_err(pg)?;
        Ok(row.map(|r| store::monitor::sql::org_node_from(&Row(&r))).transpose()?)
    }
}
