//! One SQL text for both backends where the dialects agree: a WHERE-clause builder whose
//! placeholders and arguments each backend binds in its own way, and the pieces of ordinary
//! queries (scope conditions, paging, overview grouping) that used to be written twice.
//!
//! What truly differs stays in the backends: bulk paths, locking, and dialect that does not
//! reduce to a placeholder (PostgreSQL's `COLLATE "C"` ranges, SQLite's split keyset queries).
//! A backend turns [`Arg`]s into its own values (`rusqlite::types::Value`, a boxed
//! `postgres::types::ToSql`); PostgreSQL is strict about integer widths, hence [`Arg::I32`].

use crate::browse::MAX_PAGE;
use crate::{OrgLevel, Page, RegionFigures, SchoolFigures, Scope, StoreError};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Which placeholders a statement uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `?1, ?2, …`
    Sqlite,
    /// `$1, $2, …`
    Postgres,
}

impl Dialect {
    /// The placeholder of the `n`th argument (from 1).
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// A boolean column as a condition (SQLite keeps booleans as 0/1).
    pub fn is_true(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{col} = 1"),
            Dialect::Postgres => col.to_string(),
        }
    }

    /// `sql` written with SQLite's numbered placeholders (`?1`), in this dialect: for
    /// PostgreSQL every `?N` outside a quoted string or identifier becomes `$N`.
    pub fn render(self, sql: &str) -> Cow<'_, str> {
        if self == Dialect::Sqlite || !sql.contains('?') {
            return Cow::Borrowed(sql);
        }
        let mut out = String::with_capacity(sql.len());
        let mut quote: Option<char> = None;
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (None, '\'' | '"') => quote = Some(c),
                (None, '?') if chars.peek().is_some_and(char::is_ascii_digit) => {
                    out.push('$');
                    continue;
                }
                _ => {}
            }
            out.push(c);
        }
        Cow::Owned(out)
    }
}

/// A bound value, typed as the column it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// An `integer` column of PostgreSQL (county codes).
    I32(i32),
    /// A `bigint` column.
    I64(i64),
    Text(String),
    Bool(bool),
}

impl From<i32> for Arg {
    fn from(v: i32) -> Arg {
        Arg::I32(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::I64(v)
    }
}
/// As a `bigint` (PostgreSQL's `integer` columns take [`Arg::I32`]).
impl From<u32> for Arg {
    fn from(v: u32) -> Arg {
        Arg::I64(v.into())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_string())
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}

/// A result row as both backends read it: integers of any width, text, booleans (SQLite's 0/1),
/// each possibly NULL. Row decoders written against it serve both backends.
pub trait SqlRow {
    /// An integer column; None for NULL.
    fn opt_i64(&self, i: usize) -> Result<Option<i64>, StoreError>;
    fn opt_string(&self, i: usize) -> Result<Option<String>, StoreError>;
    fn opt_bool(&self, i: usize) -> Result<Option<bool>, StoreError>;

    fn i64(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_i64(i)?.ok_or_else(|| null(i))
    }
    fn string(&self, i: usize) -> Result<String, StoreError> {
        self.opt_string(i)?.ok_or_else(|| null(i))
    }
    fn bool(&self, i: usize) -> Result<bool, StoreError> {
        self.opt_bool(i)?.ok_or_else(|| null(i))
    }
}

fn null(i: usize) -> StoreError {
    StoreError::Internal(format!("column {i} is NULL where a value was expected"))
}

/// Conditions joined by AND, with their arguments in placeholder order.
#[derive(Debug, Clone)]
pub struct Where {
    pub dialect: Dialect,
    conds: Vec<String>,
    pub args: Vec<Arg>,
}

impl Where {
    pub fn new(dialect: Dialect) -> Where {
        Where { dialect, conds: Vec::new(), args: Vec::new() }
    }

    /// Adds an argument; returns its placeholder.
    pub fn arg(&mut self, v: impl Into<Arg>) -> String {
        self.args.push(v.into());
        self.dialect.placeholder(self.args.len())
    }

    pub fn cond(&mut self, c: impl Into<String>) {
        self.conds.push(c.into());
    }

    /// ` WHERE a AND b`, or nothing.
    pub fn where_(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }
}

/// The scope narrowed by a region the user filtered on; None when nothing can match.
pub fn effective(scope: &Scope, region: Option<u32>) -> Option<Scope> {
    match (scope, region) {
        (Scope::Nothing, _) => None,
        (s, None) => Some(s.clone()),
        (s, Some(r)) => s.narrow(r),
    }
}

/// A page size as asked, kept within 1..=[`MAX_PAGE`].
pub fn limit(n: usize) -> usize {
    n.clamp(1, MAX_PAGE)
}

/// Schools keep their county as the 6-digit text `region_code`.
pub fn text_range(lo: u32, hi: u32) -> (String, String) {
    (format!("{lo:06}"), format!("{hi:06}"))
}

/// The conditions of a page of schools (the scope already narrowed by [`effective`]): the scope,
/// the list's filters and the cursor (`s`, the last school code). `t` is the alias of `schools`.
pub fn school_conds(dialect: Dialect, t: &str, scope: &Scope, q: &crate::SchoolQuery) -> Result<Where, StoreError> {
    let mut w = Where::new(dialect);
    let (lo, hi) = scope.county_range().ok_or(StoreError::OutOfScope)?;
    let (lo, hi) = text_range(lo, hi);
    let c = format!("{t}.region_code BETWEEN {} AND {}", w.arg(lo), w.arg(hi));
    w.cond(c);
    if let Some(code) = scope.school() {
        let c = format!("{t}.school_code = {}", w.arg(code));
        w.cond(c);
    }
    if let Some(v) = q.school_type.as_deref().filter(|v| !v.is_empty()) {
        let c = format!("{t}.school_type = {}", w.arg(v));
        w.cond(c);
    }
    if let Some(u) = q.urban_rural.as_deref().filter(|v| !v.is_empty()) {
        // A full code, or its leading digit (1 urban, 2 rural).
        let c = format!("substr({t}.urban_rural, 1, {}) = {}", u.chars().count(), w.arg(u));
        w.cond(c);
    }
    if let Some(v) = q.name.as_deref().filter(|v| !v.is_empty()) {
        let v = w.arg(v);
        w.cond(match dialect {
            Dialect::Sqlite => format!("instr({t}.name, {v}) > 0"),
            Dialect::Postgres => format!("position({v} IN {t}.name) > 0"),
        });
    }
    if let Some(a) = &q.after {
        let c = format!("{t}.school_code > {}", w.arg(crate::cursor::read_key(a, 's')?));
        w.cond(c);
    }
    Ok(w)
}

/// A page from up to `n + 1` rows read in keyset order: the extra row says there is more, and
/// the cursor is made from the page's last row.
pub fn page<T>(mut rows: Vec<T>, n: usize, cursor: impl FnOnce(&T) -> String) -> Page<T> {
    let next = (rows.len() > n).then(|| {
        rows.truncate(n);
        cursor(&rows[n - 1])
    });
    Page { rows, next }
}

/// An empty page.
pub fn empty<T>() -> Page<T> {
    Page { rows: Vec::new(), next: None }
}

/// What an overview figures query counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Schools,
    Teachers,
    Students,
}

/// The overview's figures by region at `level`, added up from `(county, n)` rows.
#[derive(Debug)]
pub struct Figures {
    level: OrgLevel,
    by: BTreeMap<u32, RegionFigures>,
}

impl Figures {
    pub fn new(level: OrgLevel) -> Figures {
        Figures { level, by: BTreeMap::new() }
    }

    /// Adds `n` of `what` in `county` (a row with no county, or county 0, is skipped).
    pub fn add(&mut self, what: Figure, county: Option<u32>, n: i64) {
        let Some(county) = county.filter(|&c| c > 0) else { return };
        let code = match self.level {
            OrgLevel::Province => county / 10_000 * 10_000,
            OrgLevel::City => city_of(county),
            _ => county,
        };
        let f = self.by.entry(code).or_insert(RegionFigures { code, ..Default::default() });
        let n = n.max(0) as u64;
        match what {
            Figure::Schools => f.schools += n,
            Figure::Teachers => f.teachers += n,
            Figure::Students => f.students += n,
        }
    }

    /// The regions with anything in them, by code.
    pub fn finish(self) -> Vec<RegionFigures> {
        self.by.into_values().filter(|f| f.schools + f.teachers + f.students > 0).collect()
    }
}

/// The city of a county (a directly administered county counts as its own city), by the
/// GB/T 2260 table; a code outside it, by its digits.
pub fn city_of(county: u32) -> u32 {
    standard::codes::DIVISIONS.city_of(county).map(|d| d.code).unwrap_or(county / 100 * 100)
}

/// The three overview queries (schools, teachers, students by county) of a scope, in one SQL
/// text for both backends, in `dialect`. Counties come back as text (schools keep theirs as
/// text, enrolments as an integer, cast), counts as 64-bit integers.
pub fn figures_queries(dialect: Dialect, scope: &Scope) -> Option<[(Figure, String, Vec<Arg>); 3]> {
    let (lo, hi) = scope.county_range()?;
    let cast = |v: &str| match dialect {
        Dialect::Sqlite => format!("CAST({v} AS TEXT)"),
        Dialect::Postgres => format!("{v}::text"),
    };
    let sum = match dialect {
        Dialect::Sqlite => "SUM(students)",
        Dialect::Postgres => "sum(students)::bigint",
    };
    let r = |sql: String| dialect.render(&sql).into_owned();
    Some(match scope.school() {
        // One school, in the scope's county.
        Some(code) => {
            let args = || vec![Arg::Text(code.to_string()), Arg::Text(format!("{lo:06}"))];
            [
                (Figure::Schools, r(format!("SELECT {}, COUNT(*) FROM schools WHERE school_code = ?1", cast("?2"))), args()),
                (Figure::Teachers, r(format!("SELECT {}, COUNT(*) FROM teachers WHERE school_code = ?1", cast("?2"))), args()),
                (
                    Figure::Students,
                    r(format!("SELECT {}, COUNT(*) FROM enrolments WHERE school_code = ?1 AND county_code = ?2 GROUP BY county_code", cast("county_code"))),
                    vec![Arg::Text(code.to_string()), Arg::I32(lo as i32)],
                ),
            ]
        }
        None => {
            let (a, b) = text_range(lo, hi);
            [
                (Figure::Schools, r("SELECT region_code, COUNT(*) FROM schools WHERE region_code BETWEEN ?1 AND ?2 GROUP BY region_code".into()), vec![a.clone().into(), b.clone().into()]),
                (
                    Figure::Teachers,
                    r("SELECT sc.region_code, COUNT(*) FROM teachers t JOIN schools sc ON sc.school_code = t.school_code WHERE sc.region_code BETWEEN ?1 AND ?2 GROUP BY sc.region_code".into()),
                    vec![a.into(), b.into()],
                ),
                // Students from the aggregate kept current at import, not a count of millions.
                (
                    Figure::Students,
                    r(format!("SELECT {}, {sum} FROM student_counts WHERE county_code BETWEEN ?1 AND ?2 GROUP BY county_code", cast("county_code"))),
                    vec![Arg::I32(lo as i32), Arg::I32(hi as i32)],
                ),
            ]
        }
    })
}

/// The three queries of [`crate::Browse::school_figures`] in `dialect`: the schools in scope
/// (code, name, type), then teachers and enrolments per school, both as (code, n, classes) rows
/// of 64-bit integers (teachers with 0 classes). None for a scope that sees nothing.
pub fn school_figures_queries(dialect: Dialect, scope: &Scope) -> Option<[(String, Vec<Arg>); 3]> {
    let (lo, hi) = scope.county_range()?;
    let (a, b) = text_range(lo, hi);
    let one = scope.school().map(|c| c.to_string());
    let and = |col: &str| if one.is_some() { format!(" AND {col} = ?3") } else { String::new() };
    let args = |x: Arg, y: Arg| {
        let mut v = vec![x, y];
        v.extend(one.clone().map(Arg::Text));
        v
    };
    let count = match dialect {
        Dialect::Sqlite => "COUNT(*)",
        Dialect::Postgres => "count(*)::bigint",
    };
    let r = |sql: String| dialect.render(&sql).into_owned();
    Some([
        (r(format!("SELECT school_code, name, school_type FROM schools WHERE region_code BETWEEN ?1 AND ?2{} ORDER BY school_code", and("school_code"))), args(a.clone().into(), b.clone().into())),
        (
            r(format!(
                "SELECT t.school_code, {count}, {count} * 0 FROM teachers t JOIN schools sc ON sc.school_code = t.school_code WHERE sc.region_code BETWEEN ?1 AND ?2{} GROUP BY t.school_code",
                and("t.school_code")
            )),
            args(a.into(), b.into()),
        ),
        // A class is a distinct non-empty class name within a grade of its school: "1班" of
        // grade 11 and "1班" of grade 12 are two classes.
        (
            r(format!(
                "SELECT school_code, {count}, {} FROM enrolments WHERE county_code BETWEEN ?1 AND ?2{} GROUP BY school_code",
                match dialect {
                    Dialect::Sqlite => "COUNT(DISTINCT CASE WHEN class_name <> '' THEN grade || '/' || class_name END)",
                    Dialect::Postgres => "count(DISTINCT CASE WHEN class_name <> '' THEN grade || '/' || class_name END)::bigint",
                },
                and("school_code")
            )),
            args(Arg::I32(lo as i32), Arg::I32(hi as i32)),
        ),
    ])
}

/// The schools of [`school_figures_queries`], with the counts of its second and third query
/// added; counts for a school not in the first are dropped.
#[derive(Debug, Default)]
pub struct SchoolTally {
    by: BTreeMap<String, SchoolFigures>,
}

impl SchoolTally {
    pub fn school(&mut self, code: String, name: String, school_type: String) {
        self.by.insert(code.clone(), SchoolFigures { code, name, school_type, ..Default::default() });
    }

    /// A row of the second (`query` 1: teachers) or third (`query` 2: students, classes) query.
    pub fn add(&mut self, query: usize, code: &str, n: i64, classes: i64) {
        let Some(f) = self.by.get_mut(code) else { return };
        if query == 1 {
            f.teachers += n.max(0) as u64;
        } else {
            f.students += n.max(0) as u64;
            f.classes += classes.max(0) as u64;
        }
    }

    pub fn finish(self) -> Vec<SchoolFigures> {
        self.by.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_dialect() {
        let mut w = Where::new(Dialect::Postgres);
        let c = format!("a BETWEEN {} AND {}", w.arg(1i32), w.arg(2i64));
        w.cond(c);
        let c = format!("b = {}", w.arg("x"));
        w.cond(c);
        assert_eq!(w.where_(), " WHERE a BETWEEN $1 AND $2 AND b = $3");
        assert_eq!(w.args, vec![Arg::I32(1), Arg::I64(2), Arg::Text("x".into())]);
        let mut w = Where::new(Dialect::Sqlite);
        let c = format!("b = {}", w.arg(true));
        w.cond(c);
        assert_eq!(w.where_(), " WHERE b = ?1");
        assert_eq!(Where::new(Dialect::Sqlite).where_(), "");
    }

    #[test]
    fn rendering_leaves_quoted_text_alone() {
        let sql = "SELECT '?1', \"a?2\" FROM t WHERE x = ?1 AND y = ?12 AND z = ?";
        assert_eq!(Dialect::Postgres.render(sql), "SELECT '?1', \"a?2\" FROM t WHERE x = $1 AND y = $12 AND z = ?");
        assert_eq!(Dialect::Sqlite.render(sql), sql);
        assert_eq!(Dialect::Postgres.is_true("s.enabled"), "s.enabled");
        assert_eq!(Dialect::Sqlite.is_true("s.enabled"), "s.enabled = 1");
    }

    #[test]
    fn pages_carry_a_cursor_only_when_more_rows_follow() {
        let p = page(vec![1, 2, 3], 2, |v| v.to_string());
        assert_eq!((p.rows, p.next), (vec![1, 2], Some("2".to_string())));
        let p = page(vec![1, 2], 2, |v| v.to_string());
        assert_eq!((p.rows, p.next), (vec![1, 2], None));
        assert_eq!((limit(0), limit(10_000)), (1, MAX_PAGE));
        assert_eq!(text_range(510000, 519999), ("510000".into(), "519999".into()));
    }

    #[test]
    fn figures_group_counties_by_level() {
        let mut f = Figures::new(OrgLevel::Province);
        f.add(Figure::Schools, Some(510104), 2);
        f.add(Figure::Students, Some(511702), 5);
        f.add(Figure::Teachers, None, 9);
        f.add(Figure::Teachers, Some(0), 9);
        let v = f.finish();
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].code, v[0].schools, v[0].teachers, v[0].students), (510000, 2, 0, 5));
        let mut f = Figures::new(OrgLevel::County);
        f.add(Figure::Schools, Some(510104), 0);
        assert!(f.finish().is_empty(), "a region with nothing in it is left out");
    }
}
