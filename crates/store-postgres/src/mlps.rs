//! The 等保 register's primitives (the queries and rules are in `store::mlps`).

use crate::error::pg;
use crate::sql::{args as pg_args, refs, Row};
use crate::PgStore;
use store::mlps::MlpsSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl MlpsSql for PgStore {
    fn mlps_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn mlps_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = pg_args(args);
        for r in self.client.query(sql, &refs(&a)).map_err(pg)?.iter() {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn mlps_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let a = pg_args(args);
        self.client.execute(sql, &refs(&a)).map_err(pg)
    }

    fn mlps_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(pg)
    }

    fn mlps_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        let sql = Dialect::Postgres.render(store::monitor::sql::ORG_NODE).into_owned();
        let row = self.client.query_opt(&sql, &[&code]).map_err(pg)?;
        Ok(row.map(|r| store::monitor::sql::org_node_from(&Row(&r))).transpose()?)
    }
}

/// The remembered aggregates (`store::memo`).
impl store::memo::MemoSql for PgStore {
    fn memo_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn memo_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.mlps_rows(sql, args, each)
    }

    fn memo_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        self.mlps_exec(sql, args)
    }
}
