//! The primitives of inspections, drills and rectification items (the queries and rules are in
//! `store::checks`): their tables are in the platform file, the organisation tree in the base file.

use crate::sql::{params, Row};
use crate::{map_err, SqliteStore};
use store::checks::ChecksSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl ChecksSql for SqliteStore {
    fn checks_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn checks_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut st = self.platform.prepare_cached(sql).map_err(map_err)?;
        let mut rows = st.query(params(args)).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn checks_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let mut st = self.platform.prepare(sql).map_err(map_err)?;
        st.execute(params(args)).map(|n| n as u64).map_err(map_err)
    }

    fn checks_tree_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut st = self.conn().prepare_cached(sql).map_err(map_err)?;
        let mut rows = st.query(params(args)).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            each(&Row(r))?;
        }
        Ok(())
    }
}
