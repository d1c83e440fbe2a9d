//! 值班与重要时期保障's primitives (the queries and rules are in `store::duty`).

use crate::error::pg;
use crate::sql::{args as pg_args, refs, Row};
use crate::PgStore;
use store::duty::DutySql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl DutySql for PgStore {
    fn duty_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn duty_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = pg_args(args);
        for r in self.client.query(sql, &refs(&a)).map_err(pg)?.iter() {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn duty_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let a = pg_args(args);
        self.client.execute(sql, &refs(&a)).map_err(pg)
    }

    fn duty_org_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.duty_rows(sql, args, each)
    }
}
