//! 办学条件's reads on PostgreSQL (the queries are written once in `store::conditions`; the rows
//! are written by the import batch, `batch.rs`, as `Entity::Conditions`).

use crate::error::pg;
use crate::sql::{args as pg_args, refs, Row};
use crate::PgStore;
use store::conditions::ConditionsSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl ConditionsSql for PgStore {
    fn conditions_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn conditions_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = pg_args(args);
        for r in self.client.query(sql, &refs(&a)).map_err(pg)?.iter() {
            each(&Row(r))?;
        }
        Ok(())
    }
}
