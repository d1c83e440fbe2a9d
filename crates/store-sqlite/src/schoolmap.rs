//! The school map's primitives on SQLite (the queries are in `store::schoolmap`): the schools in
//! the base file, the catchment notes in the platform file.

use crate::sql::{params, Row};
use crate::{map_err, SqliteStore};
use store::schoolmap::SchoolMapSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

fn rows(c: &rusqlite::Connection, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
    let mut st = c.prepare_cached(sql).map_err(map_err)?;
    let mut rows = st.query(params(args)).map_err(map_err)?;
    while let Some(r) = rows.next().map_err(map_err)? {
        each(&Row(r))?;
    }
    Ok(())
}

impl SchoolMapSql for SqliteStore {
    fn map_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn map_base_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        rows(self.conn(), sql, args, each)
    }

    fn map_note_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        rows(&self.platform, sql, args, each)
    }

    fn map_note_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let mut st = self.platform.prepare_cached(sql).map_err(map_err)?;
        st.execute(params(args)).map(|n| n as u64).map_err(map_err)
    }
}
