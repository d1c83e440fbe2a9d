//! Scoped reading for the web console: keyset pages, searches, one record, overview figures.
//!
//! Every query carries the scope as SQL conditions (a range of county codes, and a school when
//! the scope is one school); nothing is filtered after the fact. Cursors ([`store::cursor`]) hold
//! the sort key of the last row: `c` county and row id (region order), `i` row id (one school, or
//! teachers), `n` row id and name (name search), `s` school code, `h` school code and row id,
//! `g` grade and row id, `t` batch and row id (newest first). A cursor opens only as its own kind,
//! so a cursor of one order given to another is the generic cursor error.

use crate::layout::Layout;
use crate::sql::params;
use crate::{map_err, SqliteStore};
use rusqlite::types::ValueRef;
use rusqlite::OptionalExtension;
use store::cursor;
use store::sql::{effective, figures_queries, limit, school_conds, school_figures_queries, text_range, Arg, Dialect, Figures, SchoolTally, Where};
use store::browse::{COUNT_CAP, HISTORY_MAX};
use store::{Browse, Entity, FieldChange, GradeCount, History, Move, OrgLevel, OrgUnit, Page, PersonQuery, PersonSort, Record, RegionFigures, SchoolFigures, SchoolQuery, Scope, StoreError, Total};

/// Conditions with SQLite's placeholders.
fn sql() -> Where {
    Where::new(Dialect::Sqlite)
}

impl SqliteStore {
    /// Up to `n + 1` rows in keyset order: first the rest of the cursor's group (`split`: its
    /// conditions and order), then the rows after it (`w`, `order`). The limit is written into
    /// the SQL, not bound: SQLite (3.54) plans with a bound LIMIT's value and so re-prepares the
    /// statement at every new binding of it — a full parse and plan per query (measured: 10% of
    /// an API page). Both queries say `LIMIT n + 1` (the second stops reading when the page is
    /// full), so each query shape is one cached statement per page size.
    fn keyset(&self, select: &str, split: Option<(Where, &str)>, w: Where, order: &str, n: usize, skip: usize, width: usize, extra: usize) -> Result<Vec<(Record, Tail)>, StoreError> {
        let lim = n + 1;
        // A jump (skip) is made from the first page only: there is no split then.
        let offset = if skip > 0 && split.is_none() { format!(" OFFSET {}", skip.min(store::browse::MAX_SKIP)) } else { String::new() };
        let mut rows = Vec::with_capacity(lim);
        if let Some((first, first_order)) = split {
            let sql = format!("{select}{} ORDER BY {first_order} LIMIT {lim}", first.where_());
            self.records_into(&sql, first.args, width, extra, lim, &mut rows)?;
        }
        if rows.len() < lim {
            let sql = format!("{select}{} ORDER BY {order} LIMIT {lim}{offset}", w.where_());
            self.records_into(&sql, w.args, width, extra, lim, &mut rows)?;
        }
        Ok(rows)
    }

    /// Runs a query selecting the template fields, then the key, then up to [`TAIL`] integer
    /// columns of the sort key; each row is read straight into one [`Record`] buffer.
    fn records(&self, sql: &str, args: Vec<Arg>, width: usize, extra: usize) -> Result<Vec<(Record, Tail)>, StoreError> {
        let mut out = Vec::new();
        self.records_into(sql, args, width, extra, usize::MAX, &mut out)?;
        Ok(out)
    }

    /// [`records`](Self::records) appended to `out`, stopping when `out` holds `max` rows.
    fn records_into(&self, sql: &str, args: Vec<Arg>, width: usize, extra: usize, max: usize, out: &mut Vec<(Record, Tail)>) -> Result<(), StoreError> {
        debug_assert!(extra <= TAIL);
        let mut st = self.conn().prepare_cached(sql).map_err(map_err)?;
        let mut rows = st.query(params(args)).map_err(map_err)?;
        while out.len() < max {
            let Some(r) = rows.next().map_err(map_err)? else { break };
            let key = r.get_ref(width).and_then(|v| Ok(v.as_str()?.to_string())).map_err(map_err)?;
            let mut rec = Record::with_capacity(key, width, RECORD_BYTES);
            for i in 0..width {
                rec.push(r.get_ref(i).and_then(|v| Ok(v.as_str()?)).map_err(map_err)?);
            }
            let mut tail = [0; TAIL];
            for (i, t) in tail.iter_mut().enumerate().take(extra) {
                if let ValueRef::Integer(v) = r.get_ref(width + 1 + i).map_err(map_err)? {
                    *t = v;
                }
            }
            out.push((rec, tail));
        }
        Ok(())
    }
}

/// The integer sort-key columns read after a record's key (row id, county, batch); a name cursor takes
/// the name from the record itself.
const TAIL: usize = 3;
type Tail = [i64; TAIL];

/// Room reserved for a record's values (a generated student takes about 200 bytes).
const RECORD_BYTES: usize = 256;

/// A record's `name` value (the column `s.name` of students and teachers).
fn name_of(entity: Entity, r: &Record) -> &str {
    entity.template().index("name").and_then(|i| r.get(i)).unwrap_or_default()
}

/// A student's `grade` value.
fn grade_of(r: &Record) -> &str {
    Entity::Student.template().index("grade").and_then(|i| r.get(i)).unwrap_or_default()
}

/// A record's `school_code` value.
fn school_of(entity: Entity, r: &Record) -> &str {
    entity.template().index("school_code").and_then(|i| r.get(i)).unwrap_or_default()
}

/// The rows to skip for a query: only a first page jumps.
fn skip_of(q: &PersonQuery) -> usize {
    if q.after.is_some() { 0 } else { q.skip.min(store::browse::MAX_SKIP) }
}

/// The tables of one entity's records cut to `scope` (counties `lo..=hi`, and its school):
/// `FROM` text, the scope's conditions added to `w`. Shared by [`Browse::record`] and the change
/// feed's [`Browse::changed`].
fn scoped_tables(l: &Layout, entity: Entity, scope: &Scope, lo: u32, hi: u32, w: &mut Where) -> String {
    match entity {
        Entity::School => {
            let (a, b) = text_range(lo, hi);
            let c = format!("s.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
            w.cond(c);
            if let Some(code) = scope.school() {
                let c = format!("s.school_code = {}", w.arg(code.to_string()));
                w.cond(c);
            }
            l.from.clone()
        }
        Entity::Teacher | Entity::Conditions => {
            let (a, b) = text_range(lo, hi);
            let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
            w.cond(c);
            if let Some(code) = scope.school() {
                let c = format!("s.school_code = {}", w.arg(code.to_string()));
                w.cond(c);
            }
            format!("{} JOIN schools sc ON sc.school_code = s.school_code", l.from)
        }
        Entity::Student => {
            let c = format!("e.county_code BETWEEN {} AND {}", w.arg(lo), w.arg(hi));
            w.cond(c);
            if let Some(code) = scope.school() {
                let c = format!("e.school_code = {}", w.arg(code.to_string()));
                w.cond(c);
            }
            l.from.clone()
        }
    }
}

impl Browse for SqliteStore {
    fn org_unit(&mut self, code: i64) -> Result<Option<OrgUnit>, StoreError> {
        let mut st = self.conn().prepare_cached("SELECT code, name, level, parent_code FROM org_units WHERE code = ?1").map_err(map_err)?;
        st.query_row([code], org_from).optional().map_err(map_err)
    }

    fn org_children(&mut self, code: i64) -> Result<Vec<OrgUnit>, StoreError> {
        let mut st = self.conn().prepare_cached("SELECT code, name, level, parent_code FROM org_units WHERE parent_code = ?1 ORDER BY code").map_err(map_err)?;
        let rows = st.query_map([code], org_from).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<Page<Record>, StoreError> {
        let Some(scope) = effective(scope, q.region) else { return Ok(store::sql::empty()) };
        let l = Layout::of(Entity::School);
        let w = school_conds(Dialect::Sqlite, "s", &scope, q)?;
        let n = limit(q.limit);
        // A literal LIMIT, as in `keyset`.
        let sql = format!("SELECT {}, s.school_code FROM {}{} ORDER BY s.school_code LIMIT {}", l.select, l.from, w.where_(), n + 1);
        let rows: Vec<Record> = self.records(&sql, w.args, l.width(), 0)?.into_iter().map(|r| r.0).collect();
        Ok(store::sql::page(rows, n, |r| cursor::key('s', &r.key)))
    }

    fn people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<Page<Record>, StoreError> {
        if q.drill.is_some() {
            // 下钻: the plain list's own pages, cut by the facts' rule (store::drill).
            return store::drill::page(entity, q, &mut |p| self.people(scope, entity, p));
        }
        let Some(scope) = effective(scope, q.region) else { return Ok(store::sql::empty()) };
        match entity {
            Entity::Student => self.students(&scope, q, None),
            Entity::Teacher => self.teachers(&scope, q, None),
            Entity::School | Entity::Conditions => Err(StoreError::Internal("people() of schools or conditions".into())),
        }
    }

    /// The region order's cursors hold only row ids and counties, so its pages can select just
    /// `fields`; other orders read a sort value from the record and take the default.
    fn people_fields(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery, fields: &[usize]) -> Result<Page<Record>, StoreError> {
        let plain = q.drill.is_none() && q.sort == PersonSort::Region && q.name.as_deref().is_none_or(|n| n.trim().is_empty());
        let width = entity.template().fields.len();
        if !plain || fields.iter().any(|&i| i >= width) || !matches!(entity, Entity::Student | Entity::Teacher) {
            let p = self.people(scope, entity, q)?;
            return Ok(Page { rows: p.rows.iter().map(|r| r.only(fields)).collect(), next: p.next });
        }
        let Some(scope) = effective(scope, q.region) else { return Ok(store::sql::empty()) };
        if entity == Entity::Student {
            self.students(&scope, q, Some(fields))
        } else {
            self.teachers(&scope, q, Some(fields))
        }
    }

    fn record(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<Record>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(None) };
        let l = Layout::of(entity);
        let mut w = sql();
        let c = format!("s.{} = {}", l.key_col, w.arg(key.to_string()));
        w.cond(c);
        let from = scoped_tables(l, entity, scope, lo, hi, &mut w);
        let sql = format!("SELECT {}, s.{} FROM {from}{}", l.select, l.key_col, w.where_());
        Ok(self.records(&sql, w.args, l.width(), 0)?.into_iter().next().map(|r| r.0))
    }

    fn region_figures(&mut self, scope: &Scope, level: OrgLevel) -> Result<Vec<RegionFigures>, StoreError> {
        let Some(queries) = figures_queries(Dialect::Sqlite, scope) else { return Ok(vec![]) };
        let mut by = Figures::new(level);
        for (what, sql, args) in queries {
            let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
            let mut rows = st.query(params(args)).map_err(map_err)?;
            while let Some(r) = rows.next().map_err(map_err)? {
                let county: Option<String> = r.get(0).map_err(map_err)?;
                by.add(what, county.and_then(|c| c.parse().ok()), r.get(1).map_err(map_err)?);
            }
        }
        Ok(by.finish())
    }

    fn grade_counts(&mut self, scope: &Scope) -> Result<Vec<GradeCount>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(vec![]) };
        let (sql, args): (&str, Vec<Arg>) = match scope.school() {
            Some(code) => (
                "SELECT CAST(grade AS INTEGER) AS g, COUNT(*) FROM enrolments WHERE school_code = ?1 AND county_code = ?2 GROUP BY g ORDER BY g",
                vec![code.into(), (lo as i64).into()],
            ),
            None => (
                "SELECT grade, SUM(students) FROM student_counts WHERE county_code BETWEEN ?1 AND ?2 GROUP BY grade ORDER BY grade",
                vec![(lo as i64).into(), (hi as i64).into()],
            ),
        };
        let mut st = self.conn().prepare_cached(sql).map_err(map_err)?;
        let rows = st
            .query_map(params(args), |r| Ok(GradeCount { grade: r.get::<_, i64>(0)? as u8, students: r.get::<_, i64>(1)? as u64 }))
            .map_err(map_err)?;
        let v = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?;
        Ok(v.into_iter().filter(|g| g.students > 0).collect())
    }

    fn count_schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<Total, StoreError> {
        let Some(scope) = effective(scope, q.region) else { return Ok(Total::capped(0)) };
        let w = school_conds(Dialect::Sqlite, "s", &scope, &SchoolQuery { after: None, ..q.clone() })?;
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM schools s{} LIMIT {})", w.where_(), COUNT_CAP + 1);
        let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
        let n: i64 = st.query_row(params(w.args), |r| r.get(0)).map_err(map_err)?;
        Ok(Total::capped(n.max(0) as u64))
    }

    fn count_people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<Total, StoreError> {
        if q.drill.is_some() {
            return store::drill::count(entity, q, &mut |p| self.people(scope, entity, p));
        }
        let Some(scope) = effective(scope, q.region) else { return Ok(Total::capped(0)) };
        let (lo, hi) = scope.county_range().expect("not Nothing");
        let text = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let (name, id) = (text(q.name.as_deref()), text(q.id.as_deref()));
        let school = match (scope.school(), text(q.school.as_deref())) {
            (Some(a), Some(b)) if a != b => return Ok(Total::capped(0)),
            (Some(a), _) => Some(a.to_string()),
            (None, b) => b,
        };
        let mut w = sql();
        let from = match entity {
            Entity::Student => {
                if school.is_none() && name.is_none() && id.is_none() {
                    // A whole area: the aggregate kept by every import (students by county and grade).
                    let mut st = self.conn().prepare_cached("SELECT COALESCE(SUM(students), 0) FROM student_counts WHERE county_code BETWEEN ?1 AND ?2").map_err(map_err)?;
                    let n: i64 = st.query_row([lo as i64, hi as i64], |r| r.get(0)).map_err(map_err)?;
                    return Ok(Total { n: n.max(0) as u64, exact: true });
                }
                // With a name, the name's range is the narrow one: `+` keeps SQLite from walking the
                // area's enrolments instead (measured: 219 ms against 8 ms, 200,000 students).
                let col = if name.is_some() { "+e.county_code" } else { "e.county_code" };
                let c = format!("{col} BETWEEN {} AND {}", w.arg(lo as i64), w.arg(hi as i64));
                w.cond(c);
                if let Some(code) = &school {
                    let c = format!("e.school_code = {}", w.arg(code.clone()));
                    w.cond(c);
                }
                if let Some(id) = &id {
                    let stripped = id.strip_prefix('G').filter(|r| r.len() == 18).unwrap_or(id);
                    let c = format!("s.record_key IN ({a}, {b}) AND (s.record_key = {a} OR s.student_id = {a})", a = w.arg(id.clone()), b = w.arg(stripped.to_string()));
                    w.cond(c);
                }
                "students s JOIN enrolments e ON e.student_id = s.id"
            }
            Entity::Teacher => {
                let (a, b) = text_range(lo, hi);
                let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
                w.cond(c);
                if let Some(code) = &school {
                    let c = format!("s.school_code = {}", w.arg(code.clone()));
                    w.cond(c);
                }
                if let Some(id) = &id {
                    let c = format!("s.record_key = {}", w.arg(id.clone()));
                    w.cond(c);
                }
                "teachers s JOIN schools sc ON sc.school_code = s.school_code"
            }
            Entity::School | Entity::Conditions => return Err(StoreError::Internal("count_people() of schools or conditions".into())),
        };
        if let (Some(name), None) = (&name, &id) {
            let c = format!("s.name >= {} AND s.name < {}", w.arg(name.clone()), w.arg(format!("{name}\u{10FFFF}")));
            w.cond(c);
        }
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {from}{} LIMIT {})", w.where_(), COUNT_CAP + 1);
        let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
        let n: i64 = st.query_row(params(w.args), |r| r.get(0)).map_err(map_err)?;
        Ok(Total::capped(n.max(0) as u64))
    }

    fn record_history(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<History>, StoreError> {
        if self.record(scope, entity, key)?.is_none() {
            return Ok(None);
        }
        let mut h = History::default();
        let sql = format!(
            "SELECT c.batch_id, COALESCE(b.finished_at, b.started_at), c.field, c.old_value, c.new_value FROM change_log c \
             JOIN batches b ON b.id = c.batch_id WHERE c.record_key = ?1 AND c.entity = ?2 ORDER BY c.id DESC LIMIT {HISTORY_MAX}"
        );
        let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
        let rows = st
            .query_map(rusqlite::params![key, entity.key()], |r| Ok(FieldChange { batch_id: r.get(0)?, at: r.get(1)?, field: r.get(2)?, old_value: r.get(3)?, new_value: r.get(4)? }))
            .map_err(map_err)?;
        h.changes = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?;
        if entity == Entity::Student {
            let sql = format!("SELECT batch_id, from_school, to_school, transfer_date FROM transfers WHERE student_key = ?1 ORDER BY id DESC LIMIT {HISTORY_MAX}");
            let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
            let rows = st.query_map([key], |r| Ok(Move { batch_id: r.get(0)?, from_school: r.get(1)?, to_school: r.get(2)?, date: r.get(3)? })).map_err(map_err)?;
            h.transfers = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?;
        }
        Ok(Some(h))
    }

    fn change_batches(&mut self, entity: Entity, since: i64, limit: usize) -> Result<Vec<i64>, StoreError> {
        // One writer at a time: a batch row is written inside its import's transaction, so every
        // batch seen here has committed (or is the reader's own), and no lower one can follow.
        let mut st = self
            .conn()
            .prepare_cached("SELECT id FROM batches WHERE entity = ?1 AND id > ?2 AND finished_at IS NOT NULL ORDER BY id LIMIT ?3")
            .map_err(map_err)?;
        let rows = st.query_map(rusqlite::params![entity.key(), since, limit as i64], |r| r.get(0)).map_err(map_err)?;
        rows.collect::<Result<Vec<i64>, _>>().map_err(map_err)
    }

    fn changed(&mut self, scope: &Scope, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Record)>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(vec![]) };
        let l = Layout::of(entity);
        let mut w = sql();
        // Stored order within the batch: the row id (`enrolments_batch`, `teachers_batch` hold
        // it: a range of the index, in order), schools by code.
        let (batch_col, pos) = match entity {
            Entity::Student => ("e.batch_id", "e.student_id"),
            Entity::School => ("s.batch_id", "s.school_code"),
            Entity::Teacher | Entity::Conditions => ("s.batch_id", "s.id"),
        };
        let c = format!("{batch_col} = {}", w.arg(batch));
        w.cond(c);
        if let Some(a) = after {
            let c = if entity == Entity::School {
                format!("{pos} > {}", w.arg(a.to_string()))
            } else {
                format!("{pos} > {}", w.arg(a.parse::<i64>().map_err(|_| StoreError::BadCursor)?))
            };
            w.cond(c);
        }
        let from = scoped_tables(l, entity, scope, lo, hi, &mut w);
        let tail = if entity == Entity::School { "0" } else { pos };
        let sql = format!("SELECT {}, s.{}, {tail} FROM {from}{} ORDER BY {pos} LIMIT {}", l.select, l.key_col, w.where_(), limit.max(1));
        Ok(self
            .records(&sql, w.args, l.width(), 1)?
            .into_iter()
            .map(|(r, t)| (if entity == Entity::School { r.key.clone() } else { t[0].to_string() }, r))
            .collect())
    }

    fn moved(&mut self, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<(String, String)>)>, StoreError> {
        let sql = format!(
            "SELECT record_key, field, old_value FROM change_log WHERE batch_id = ?1 AND entity = ?2 \
             AND field IN ('school_code', 'grade', 'region_code', 'school_type') AND record_key > ?3 ORDER BY record_key, field LIMIT {}",
            limit.max(1) * store::share::PLACE_FIELDS.len()
        );
        let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
        let rows = st
            .query_map(rusqlite::params![batch, entity.key(), after.unwrap_or("")], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(map_err)?
            .collect::<Result<Vec<(String, String, String)>, _>>()
            .map_err(map_err)?;
        Ok(store::share::group_moves(rows, limit))
    }

    fn school_figures(&mut self, scope: &Scope) -> Result<Vec<SchoolFigures>, StoreError> {
        let Some(queries) = school_figures_queries(Dialect::Sqlite, scope) else { return Ok(vec![]) };
        let mut tally = SchoolTally::default();
        for (i, (sql, args)) in queries.into_iter().enumerate() {
            let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
            let mut rows = st.query(params(args)).map_err(map_err)?;
            while let Some(r) = rows.next().map_err(map_err)? {
                if i == 0 {
                    tally.school(r.get(0).map_err(map_err)?, r.get(1).map_err(map_err)?, r.get(2).map_err(map_err)?);
                } else {
                    let code: String = r.get(0).map_err(map_err)?;
                    tally.add(i, &code, r.get(1).map_err(map_err)?, r.get(2).map_err(map_err)?);
                }
            }
        }
        Ok(tally.finish())
    }
}

fn org_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrgUnit> {
    let level: String = r.get(2)?;
    Ok(OrgUnit {
        code: r.get(0)?,
        name: r.get(1)?,
        level: OrgLevel::from_code(&level).unwrap_or(OrgLevel::School),
        parent: r.get(3)?,
    })
}

impl SqliteStore {
    /// `fields`: only those template fields (the region order only: its cursor reads no value).
    fn students(&self, scope: &Scope, q: &PersonQuery, fields: Option<&[usize]>) -> Result<Page<Record>, StoreError> {
        let l = Layout::of(Entity::Student);
        let (list, width) = match fields {
            Some(f) => (l.select_of(f), f.len()),
            None => (l.select.clone(), l.width()),
        };
        let (lo, hi) = scope.county_range().expect("not Nothing");
        let school = match (scope.school(), q.school.as_deref().filter(|s| !s.is_empty())) {
            (Some(a), Some(b)) if a != b => return Ok(store::sql::empty()),
            (Some(a), _) => Some(a.to_string()),
            (None, b) => b.map(str::to_string),
        };
        let mut w = sql();
        // An order by name or school across more than one county, or a name search, walks the
        // order's index and checks each row's county: `+` keeps SQLite from reading the whole
        // area's enrolments by county and sorting them (measured at 200,000 students: 234 ms
        // for a first page by name, 855 ms for a jump to page 50; 1 M students would be 5×).
        let name = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let col = if name.is_some() || (lo != hi && q.sort != PersonSort::Region) { "+e.county_code" } else { "e.county_code" };
        // One county by grade or time: an equality, so that `(county_code, grade)` and
        // `(county_code, batch_id)` give the rows in order (a BETWEEN of one value is planned as
        // a range, read whole and sorted: measured 38 ms against 0.3 ms a first page, 1 M students).
        let c = if lo == hi && name.is_none() && matches!(q.sort, PersonSort::Grade | PersonSort::Time) {
            format!("e.county_code = {}", w.arg(lo as i64))
        } else {
            format!("{col} BETWEEN {} AND {}", w.arg(lo as i64), w.arg(hi as i64))
        };
        w.cond(c);
        if let Some(code) = &school {
            let c = format!("e.school_code = {}", w.arg(code.clone()));
            w.cond(c);
        }
        let n = limit(q.limit);
        let from = "students s JOIN enrolments e ON e.student_id = s.id";
        if let Some(id) = q.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // The key of a resident-ID student is the ID number and its 学籍号 is G + that number;
            // any other student's key is the 学籍号.
            let stripped = id.strip_prefix('G').filter(|r| r.len() == 18).unwrap_or(id);
            let c = format!("s.record_key IN ({a}, {b}) AND (s.record_key = {a} OR s.student_id = {a})", a = w.arg(id.to_string()), b = w.arg(stripped.to_string()));
            w.cond(c);
            let sql = format!("SELECT {}, s.record_key FROM {from}{} ORDER BY s.id LIMIT {n}", list, w.where_());
            let rows = self.records(&sql, w.args, width, 0)?.into_iter().map(|r| r.0).collect();
            return Ok(Page { rows, next: None });
        }
        // A cursor of two columns (a, id) is answered as "a = x AND id > y", then "a > x": SQLite
        // plans a row-value comparison as a range on `a` alone and would step through every
        // earlier row of x (measured: 13 ms 125 k rows into a county, 0.2 ms split).
        let mut split: Option<(Where, &'static str)> = None;
        let (order, kind) = if name.is_some() || q.sort == PersonSort::Name {
            if let Some(name) = name {
                let c = format!("s.name >= {} AND s.name < {}", w.arg(name.to_string()), w.arg(format!("{name}\u{10FFFF}")));
                w.cond(c);
            }
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'n')?;
                let (id, nm) = (r.int()?, r.text()?);
                r.end()?;
                split = Some(split_after(&mut w, "s.name", nm.to_string(), id, "s.id"));
            }
            ("s.name, s.id", 'n')
        } else if q.sort == PersonSort::Grade {
            // `enrolments_county_grade` in a county or school, `enrolments_grade` wider (`+` above).
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'g')?;
                let (grade, id) = (r.text()?, r.int()?);
                r.end()?;
                split = Some(split_after(&mut w, "e.grade", grade.to_string(), id, "e.student_id"));
            }
            ("e.grade, e.student_id", 'g')
        } else if q.sort == PersonSort::Time {
            // Newest first: `enrolments_county_batch` in a county or school, `enrolments_batch` wider.
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 't')?;
                let (batch, id) = (r.int()?, r.int()?);
                r.end()?;
                split = Some(split_after(&mut w, "e.batch_id", batch, id, "e.student_id DESC"));
            }
            ("e.batch_id DESC, e.student_id DESC", 't')
        } else if school.is_some() {
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'i')?;
                let id = r.int()?;
                r.end()?;
                let c = format!("e.student_id > {}", w.arg(id));
                w.cond(c);
            }
            ("e.student_id", 'i')
        } else if q.sort == PersonSort::School {
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'h')?;
                let (code, id) = (r.text()?, r.int()?);
                r.end()?;
                split = Some(split_after(&mut w, "e.school_code", code.to_string(), id, "e.student_id"));
            }
            ("e.school_code, e.student_id", 'h')
        } else {
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'c')?;
                let (c, id) = (r.int()?, r.int()?);
                r.end()?;
                // The rows after the cursor's county are one range, `BETWEEN max(c + 1, lo) AND
                // hi`, not the scope's BETWEEN plus "> c": given two lower bounds on the column,
                // SQLite seeks to one (the scope's) and tests the other on every row, so each
                // county's last page read the province's enrolments from its first county up to
                // the cursor's (15 M students: 11 ms at the second county, 150 ms past the
                // twentieth; the province's 14.85 M rows read in pages of 500 at 0.26 M rows/s,
                // 2.1 M with one range). Here `w` holds only the county range (no school, name or id
                // in this order), so it is made anew; the rest of the cursor's county keeps the
                // scope's range beside its equality.
                let mut first = sql();
                let cond = format!("e.county_code BETWEEN {} AND {}", first.arg(lo as i64), first.arg(hi as i64));
                first.cond(cond);
                let cond = format!("e.county_code = {} AND e.student_id > {}", first.arg(c), first.arg(id));
                first.cond(cond);
                w = sql();
                let cond = format!("e.county_code BETWEEN {} AND {}", w.arg(c.saturating_add(1).max(lo as i64)), w.arg(hi as i64));
                w.cond(cond);
                split = Some((first, "e.student_id"));
            }
            ("e.county_code, e.student_id", 'c')
        };
        let select = format!("SELECT {}, s.record_key, s.id, e.county_code, e.batch_id FROM {from}", list);
        let mut rows = self.keyset(&select, split, w, order, n, skip_of(q), width, 3)?;
        let next = (rows.len() > n).then(|| {
            rows.truncate(n);
            let (r, t) = &rows[n - 1];
            match kind {
                'n' => cursor::Writer::new('n').int(t[0]).text(&name_of(Entity::Student, r)).finish(),
                'i' => cursor::Writer::new('i').int(t[0]).finish(),
                'h' => cursor::Writer::new('h').text(school_of(Entity::Student, r)).int(t[0]).finish(),
                'g' => cursor::Writer::new('g').text(grade_of(r)).int(t[0]).finish(),
                't' => cursor::Writer::new('t').int(t[2]).int(t[0]).finish(),
                _ => cursor::Writer::new('c').int(t[1]).int(t[0]).finish(),
            }
        });
        Ok(Page { rows: rows.into_iter().map(|r| r.0).collect(), next })
    }

    /// `fields` as for [`students`](Self::students).
    fn teachers(&self, scope: &Scope, q: &PersonQuery, fields: Option<&[usize]>) -> Result<Page<Record>, StoreError> {
        let l = Layout::of(Entity::Teacher);
        let (list, width) = match fields {
            Some(f) => (l.select_of(f), f.len()),
            None => (l.select.clone(), l.width()),
        };
        let (lo, hi) = scope.county_range().expect("not Nothing");
        let mut w = sql();
        let (a, b) = text_range(lo, hi);
        let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
        w.cond(c);
        match (scope.school(), q.school.as_deref().filter(|s| !s.is_empty())) {
            (Some(a), Some(b)) if a != b => return Ok(store::sql::empty()),
            (Some(x), _) | (None, Some(x)) => {
                let c = format!("s.school_code = {}", w.arg(x.to_string()));
                w.cond(c);
            }
            (None, None) => {}
        }
        let n = limit(q.limit);
        let from = "teachers s JOIN schools sc ON sc.school_code = s.school_code";
        if let Some(id) = q.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // Teachers are keyed by their document number (`{type}:{number}` for other documents).
            let c = format!("s.record_key = {}", w.arg(id.to_string()));
            w.cond(c);
            let sql = format!("SELECT {}, s.record_key FROM {from}{} ORDER BY s.id LIMIT {n}", list, w.where_());
            let rows = self.records(&sql, w.args, width, 0)?.into_iter().map(|r| r.0).collect();
            return Ok(Page { rows, next: None });
        }
        let mut split: Option<(Where, &'static str)> = None;
        let name = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let (order, kind) = if name.is_some() || q.sort == PersonSort::Name {
            if let Some(name) = name {
                let c = format!("s.name >= {} AND s.name < {}", w.arg(name.to_string()), w.arg(format!("{name}\u{10FFFF}")));
                w.cond(c);
            }
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'n')?;
                let (id, nm) = (r.int()?, r.text()?);
                r.end()?;
                split = Some(split_after(&mut w, "s.name", nm.to_string(), id, "s.id"));
            }
            ("s.name, s.id", 'n')
        } else if q.sort == PersonSort::Time {
            // Newest first: `teachers_school_batch` in a school, `teachers_batch` wider.
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 't')?;
                let (batch, id) = (r.int()?, r.int()?);
                r.end()?;
                split = Some(split_after(&mut w, "s.batch_id", batch, id, "s.id DESC"));
            }
            ("s.batch_id DESC, s.id DESC", 't')
        } else if q.sort == PersonSort::School {
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'h')?;
                let (code, id) = (r.text()?, r.int()?);
                r.end()?;
                split = Some(split_after(&mut w, "s.school_code", code.to_string(), id, "s.id"));
            }
            ("s.school_code, s.id", 'h')
        } else {
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'i')?;
                let id = r.int()?;
                r.end()?;
                let c = format!("s.id > {}", w.arg(id));
                w.cond(c);
            }
            ("s.id", 'i')
        };
        let select = format!("SELECT {}, s.record_key, s.id, s.batch_id FROM {from}", list);
        let mut rows = self.keyset(&select, split, w, order, n, skip_of(q), width, 2)?;
        let next = (rows.len() > n).then(|| {
            rows.truncate(n);
            let (r, t) = &rows[n - 1];
            match kind {
                't' => cursor::Writer::new('t').int(t[1]).int(t[0]).finish(),
                'n' => cursor::Writer::new('n').int(t[0]).text(&name_of(Entity::Teacher, r)).finish(),
                'h' => cursor::Writer::new('h').text(school_of(Entity::Teacher, r)).int(t[0]).finish(),
                _ => cursor::Writer::new('i').int(t[0]).finish(),
            }
        });
        Ok(Page { rows: rows.into_iter().map(|r| r.0).collect(), next })
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    /// A cached keyset statement bound with new values (cursor, limit) runs without being
    /// parsed and planned again (SQLite re-prepares on such bindings unless the query planner
    /// stability guarantee is on).
    #[test]
    fn cached_statements_are_not_reprepared_by_new_bindings() {
        let s = crate::SqliteStore::open_in_memory().unwrap();
        let c = s.connection();
        let sql = "SELECT e.student_id FROM enrolments e WHERE e.county_code BETWEEN ?1 AND ?2 AND e.county_code = ?3 AND e.student_id > ?4 ORDER BY e.student_id LIMIT ?5";
        for i in 0..3i64 {
            let mut st = c.prepare_cached(sql).unwrap();
            let n = st.query_map(rusqlite::params![510000, 519999, 510104 + i, 1000 * i, 101 - i], |r| r.get::<_, i64>(0)).unwrap().count();
            assert_eq!(n, 0);
            assert_eq!(st.get_status(StatementStatus::RePrepare), 0, "run {i}");
        }
    }
}

/// A cursor of two columns (value, id) in the order `col, then`: the rest of the value's rows
/// (`col = value AND id after`, returned with `then`, their order) and the values after it (added
/// to `w`); descending when `then` ends in DESC. See the comment at `split` in `people`.
fn split_after(w: &mut Where, col: &str, value: impl Into<Arg>, id: i64, then: &'static str) -> (Where, &'static str) {
    let value = value.into();
    let (id_col, op) = match then.strip_suffix(" DESC") {
        Some(c) => (c, '<'),
        None => (then, '>'),
    };
    let mut first = w.clone();
    let c = format!("{col} = {} AND {id_col} {op} {}", first.arg(value.clone()), first.arg(id));
    first.cond(c);
    let c = format!("{col} {op} {}", w.arg(value));
    w.cond(c);
    (first, then)
}
