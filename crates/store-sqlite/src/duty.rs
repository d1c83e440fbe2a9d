//! 值班与重要时期保障's primitives (the queries and rules are in `store::duty`): its tables are
//! in the platform file, the organisation tree in the base file.

use crate::sql::{params, Row};
use crate::{map_err, SqliteStore};
use store::duty::DutySql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

fn each_row(c: &rusqlite::Connection, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
    let mut st = c.prepare_cached(sql).map_err(map_err)?;
    let mut rows = st.query(params(args)).map_err(map_err)?;
    while let Some(r) = rows.next().map_err(map_err)? {
        each(&Row(r))?;
    }
    Ok(())
}

impl DutySql for SqliteStore {
    fn duty_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn duty_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        each_row(&self.platform, sql, args, each)
    }

    fn duty_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let mut st = self.platform.prepare_cached(sql).map_err(map_err)?;
        st.execute(params(args)).map(|n| n as u64).map_err(map_err)
    }

    fn duty_org_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        each_row(self.conn(), sql, args, each)
    }
}
