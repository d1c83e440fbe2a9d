//! The 责任制 / 正版化 registers' primitives (the queries and rules are in `store::ledger`).

use crate::error::pg;
use crate::sql::{args as pg_args, refs, Row};
use crate::PgStore;
use store::ledger::LedgerSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl LedgerSql for PgStore {
    fn ledger_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn ledger_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = pg_args(args);
        for r in self.client.query(sql, &refs(&a)).map_err(pg)?.iter() {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn ledger_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let a = pg_args(args);
        self.client.execute(sql, &refs(&a)).map_err(pg)
    }

    fn ledger_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        let sql = Dialect::Postgres.render(store::monitor::sql::ORG_NODE).into_owned();
        let row = self.client.query_opt(&sql, &[&code]).map_err(pg)?;
        Ok(row.map(|r| store::monitor::sql::org_node_from(&Row(&r))).transpose()?)
    }
}
