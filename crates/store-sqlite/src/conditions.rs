//! 办学条件's reads on SQLite (the queries are written once in `store::conditions`; the rows are
//! written by the import batch, `batch.rs`, as `Entity::Conditions`).

use crate::sql::{params, Row};
use crate::{map_err, SqliteStore};
use store::conditions::ConditionsSql;
use store::sql::{Arg, Dialect, SqlRow};
use store::StoreError;

impl ConditionsSql for SqliteStore {
    fn conditions_dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn conditions_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut st = self.conn().prepare_cached(sql).map_err(map_err)?;
        let mut rows = st.query(params(args)).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            each(&Row(r))?;
        }
        Ok(())
    }
}
