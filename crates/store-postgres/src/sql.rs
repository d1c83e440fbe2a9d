//! [`store::sql`] on the postgres client: arguments as boxed `ToSql` values, rows read through
//! [`SqlRow`] (any integer width, so one decoder serves `integer` and `bigint` columns).

use crate::error::pg;
use postgres::types::{ToSql, Type};
use postgres::GenericClient;
use store::sql::{Arg, SqlRow};
use store::StoreError;

pub(crate) type Args = Vec<Box<dyn ToSql + Sync>>;

pub(crate) fn args(args: Vec<Arg>) -> Args {
    args.into_iter()
        .map(|a| -> Box<dyn ToSql + Sync> {
            match a {
                Arg::I32(v) => Box::new(v),
                Arg::I64(v) => Box::new(v),
                Arg::Text(v) => Box::new(v),
                Arg::Bool(v) => Box::new(v),
            }
        })
        .collect()
}

pub(crate) fn refs(a: &Args) -> Vec<&(dyn ToSql + Sync)> {
    a.iter().map(|b| &**b).collect()
}

/// A postgres row as a [`SqlRow`].
pub(crate) struct Row<'a>(pub &'a postgres::Row);

fn wrong(i: usize, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("column {i}: {e}"))
}

impl SqlRow for Row<'_> {
    fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError> {
        let r = self.0;
        match *r.columns().get(i).ok_or_else(|| wrong(i, "no such column"))?.type_() {
            Type::INT2 => r.try_get::<_, Option<i16>>(i).map(|v| v.map(i64::from)),
            Type::INT4 => r.try_get::<_, Option<i32>>(i).map(|v| v.map(i64::from)),
            _ => r.try_get::<_, Option<i64>>(i),
        }
        .map_err(|e| wrong(i, e))
    }
    fn opt_string(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.0.try_get(i).map_err(|e| wrong(i, e))
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, StoreError> {
        self.0.try_get(i).map_err(|e| wrong(i, e))
    }
}

/// Runs a query, decoding every row with `decode`.
pub(crate) fn query<T>(db: &mut impl GenericClient, sql: &str, params: &[&(dyn ToSql + Sync)], decode: impl Fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    db.query(sql, params).map_err(pg)?.iter().map(|r| decode(&Row(r))).collect()
}

/// The row of a query that returns at most one, decoded.
pub(crate) fn query_opt<T>(db: &mut impl GenericClient, sql: &str, params: &[&(dyn ToSql + Sync)], decode: impl Fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Option<T>, StoreError> {
    db.query_opt(sql, params).map_err(pg)?.as_ref().map(|r| decode(&Row(r))).transpose()
}
