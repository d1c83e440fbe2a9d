//! The school map's primitives on PostgreSQL (the queries are in `store::schoolmap`).

use crate::error::pg;
use crate::sql::{args as pg_args, refs, Row};
use crate::PgStore;
use store::schoolmap::SchoolMapSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl SchoolMapSql for PgStore {
    fn map_dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn map_base_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = pg_args(args);
        for r in self.client.query(sql, &refs(&a)).map_err(pg)?.iter() {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn map_note_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.map_base_rows(sql, args, each)
    }

    fn map_note_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let a = pg_args(args);
        self.client.execute(sql, &refs(&a)).map_err(pg)
    }
}
