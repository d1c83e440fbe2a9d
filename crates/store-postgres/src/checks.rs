//! The primitives of inspections, drills and rectification items (the queries and rules are in
//! `store::checks`).

use crate::error::pg;
use crate::sql::{args as pg_args, refs, Row};
use crate::PgStore;
use store::checks::ChecksSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl ChecksSql for PgStore {
    fn checks_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn checks_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = pg_args(args);
        for r in self.client.query(sql, &refs(&a)).map_err(pg)?.iter() {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn checks_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let a = pg_args(args);
        self.client.execute(sql, &refs(&a)).map_err(pg)
    }

    fn checks_tree_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.checks_rows(sql, args, each)
    }
}
