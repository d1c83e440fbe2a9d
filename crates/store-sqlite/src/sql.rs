//! [`store::sql`] on rusqlite: arguments as SQLite values, rows read through [`SqlRow`], and
//! queries whose rows are decoded by the decoders written once in `store`.

use crate::map_err;
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;
use store::sql::{Arg, SqlRow};
use store::StoreError;

pub(crate) fn value(a: Arg) -> Value {
    match a {
        Arg::I32(v) => Value::Integer(v.into()),
        Arg::I64(v) => Value::Integer(v),
        Arg::Text(v) => Value::Text(v),
        Arg::Bool(v) => Value::Integer(v.into()),
    }
}

/// The arguments of a statement, in placeholder order.
pub(crate) fn params(args: Vec<Arg>) -> rusqlite::ParamsFromIter<impl Iterator<Item = Value>> {
    rusqlite::params_from_iter(args.into_iter().map(value))
}

/// A rusqlite row as a [`SqlRow`].
pub(crate) struct Row<'a, 'b>(pub &'a rusqlite::Row<'b>);

fn wrong(i: usize, want: &str) -> StoreError {
    StoreError::Internal(format!("column {i} is not {want}"))
}

impl SqlRow for Row<'_, '_> {
    fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.0.get_ref(i).map_err(map_err)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(v) => Ok(Some(v)),
            _ => Err(wrong(i, "an integer")),
        }
    }
    fn opt_string(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.0.get_ref(i).map_err(map_err)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t).map(|s| Some(s.to_string())).map_err(|_| wrong(i, "UTF-8 text")),
            _ => Err(wrong(i, "text")),
        }
    }
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, StoreError> {
        Ok(self.opt_i64(i)?.map(|v| v != 0))
    }
}

/// Runs a (cached) query, decoding every row with `decode`.
pub(crate) fn query<T>(conn: &Connection, sql: &str, p: impl rusqlite::Params, decode: impl Fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let mut st = conn.prepare_cached(sql).map_err(map_err)?;
    let mut rows = st.query(p).map_err(map_err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(map_err)? {
        out.push(decode(&Row(r))?);
    }
    Ok(out)
}

/// The first row of a (cached) query, decoded, if any.
pub(crate) fn query_opt<T>(conn: &Connection, sql: &str, p: impl rusqlite::Params, decode: impl Fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Option<T>, StoreError> {
    let mut st = conn.prepare_cached(sql).map_err(map_err)?;
    let mut rows = st.query(p).map_err(map_err)?;
    match rows.next().map_err(map_err)? {
        Some(r) => decode(&Row(r)).map(Some),
        None => Ok(None),
    }
}
