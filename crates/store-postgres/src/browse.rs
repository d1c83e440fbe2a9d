//! Scoped reading for the web console: keyset pages, searches, one record, overview figures.
//!
//! Every query carries the scope as SQL conditions (a range of county codes, and a school when
//! the scope is one school); nothing is filtered after the fact. Records are keyed by text
//! (`record_key`, `school_code`, C collation), so the keyset cursors ([`store::cursor`]) hold the
//! last row's sort key: `c` county and key (students of a region), `k` key (students of one
//! school, teachers), `n` name and key (a name search), `s` school code, `g` grade and key, `t`
//! batch and key (newest first). A cursor opens only as its own kind: one of another order is
//! the generic cursor error.

use crate::error::pg;
use crate::spec::Spec;
use crate::sql::{args, refs};
use crate::PgStore;
use postgres::Row;
use std::collections::BTreeMap;
use store::cursor;
use store::sql::{effective, figures_queries, limit, school_conds, school_figures_queries, text_range, Dialect, Figures, SchoolTally, Where};
use store::browse::{COUNT_CAP, HISTORY_MAX};
use store::{Browse, Entity, FieldChange, GradeCount, History, Move, OrgLevel, OrgUnit, Page, PersonQuery, PersonSort, Record, RegionFigures, SchoolFigures, SchoolQuery, Scope, StoreError, Total};

/// Conditions with PostgreSQL's placeholders.
fn sql() -> Where {
    Where::new(Dialect::Postgres)
}

/// A name-prefix search as a range on the C collation, so that the `(name COLLATE "C", key)`
/// index serves it: every name that starts with `name` sorts in `[name, name + U+10FFFF)`.
fn name_prefix(w: &mut Where, col: &str, name: &str) {
    let c = format!("{col} COLLATE \"C\" >= {} AND {col} COLLATE \"C\" < {}", w.arg(name.to_string()), w.arg(format!("{name}\u{10FFFF}")));
    w.cond(c);
}

fn name_cursor(name: &str, key: &str) -> String {
    cursor::Writer::new('n').text(name).text(key).finish()
}

fn parse_name_cursor(a: &str) -> Result<(String, String), StoreError> {
    let mut r = cursor::read(a, 'n')?;
    let (name, key) = (r.text()?.to_string(), r.text()?.to_string());
    r.end()?;
    Ok((name, key))
}

/// A student's `grade` value.
fn grade_of(r: &Record) -> &str {
    Entity::Student.template().index("grade").and_then(|i| r.get(i)).unwrap_or_default()
}

/// A record's `school_code` value.
fn school_of(entity: Entity, r: &Record) -> &str {
    entity.template().index("school_code").and_then(|i| r.get(i)).unwrap_or_default()
}

/// A cursor of a school sort: the last row's school and key.
fn school_cursor(code: &str, key: &str) -> String {
    cursor::Writer::new('h').text(code).text(key).finish()
}

fn parse_school_cursor(a: &str) -> Result<(String, String), StoreError> {
    let mut r = cursor::read(a, 'h')?;
    let (code, key) = (r.text()?.to_string(), r.text()?.to_string());
    r.end()?;
    Ok((code, key))
}

/// The OFFSET of a jump: only a first page jumps, and never further than `MAX_SKIP` rows.
fn offset_of(q: &PersonQuery) -> String {
    match (q.after.is_some(), q.skip.min(store::browse::MAX_SKIP)) {
        (false, n) if n > 0 => format!(" OFFSET {n}"),
        _ => String::new(),
    }
}

fn org_from(r: &Row) -> OrgUnit {
    let level: &str = r.get(2);
    OrgUnit { code: r.get(0), name: r.get(1), level: OrgLevel::from_code(level).unwrap_or(OrgLevel::School), parent: r.get(3) }
}

impl PgStore {
    /// Runs a query selecting the template fields, then the key, then `extra` text columns.
    fn records(&mut self, sql: &str, w: &Where, width: usize, extra: usize) -> Result<Vec<(Record, Vec<String>)>, StoreError> {
        let rows = self.client.query(sql, &refs(&args(w.args.clone()))).map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut rec = Record::with_capacity(r.get(width), width, 256);
                for i in 0..width {
                    rec.push(r.get::<_, &str>(i));
                }
                let tail = (0..extra).map(|i| r.get::<_, String>(width + 1 + i)).collect();
                (rec, tail)
            })
            .collect())
    }

    fn students(&mut self, scope: &Scope, q: &PersonQuery) -> Result<Page<Record>, StoreError> {
        let spec = Spec::of(Entity::Student);
        let (lo, hi) = scope.county_range().expect("not Nothing");
        let school = match (scope.school(), q.school.as_deref().filter(|s| !s.is_empty())) {
            (Some(a), Some(b)) if a != b => return Ok(store::sql::empty()),
            (Some(a), _) => Some(a.to_string()),
            (None, b) => b.map(str::to_string),
        };
        let mut w = sql();
        // One county: an equality, so that the (county, grade | batch, key) indexes give the rows
        // in order (a BETWEEN of one value is a range, whose rows are sorted).
        let c = if lo == hi { format!("e.county_code = {}", w.arg(lo as i32)) } else { format!("e.county_code BETWEEN {} AND {}", w.arg(lo as i32), w.arg(hi as i32)) };
        w.cond(c);
        if let Some(code) = &school {
            let c = format!("e.school_code = {}", w.arg(code.clone()));
            w.cond(c);
        }
        let n = limit(q.limit);
        let (select, from) = (spec.select_list(), spec.record_tables());
        if let Some(id) = q.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // The ID number is the record key; the 学籍号 has an index of its own.
            let a = w.arg(id.to_string());
            w.cond(format!("(t.record_key = {a} OR t.student_id = {a})"));
            let sql = format!("SELECT {select}, t.record_key FROM {from}{} ORDER BY t.record_key LIMIT {n}", w.where_());
            let rows = self.records(&sql, &w, spec.fields.len(), 0)?.into_iter().map(|r| r.0).collect();
            return Ok(Page { rows, next: None });
        }
        let name = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let (order, kind) = if name.is_some() || q.sort == PersonSort::Name {
            if let Some(name) = name {
                name_prefix(&mut w, "t.name", name);
            }
            if let Some(a) = &q.after {
                let (nm, key) = parse_name_cursor(a)?;
                let c = format!("(t.name COLLATE \"C\", t.record_key) > ({}, {})", w.arg(nm), w.arg(key));
                w.cond(c);
            }
            ("t.name COLLATE \"C\", t.record_key", 'n')
        } else if q.sort == PersonSort::Grade {
            // `enrolments_county_grade` in a county, `enrolments_grade_key` wider.
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'g')?;
                let (grade, key) = (r.text()?.to_string(), r.text()?.to_string());
                r.end()?;
                let c = format!("(e.grade, e.record_key) > ({}, {})", w.arg(grade), w.arg(key));
                w.cond(c);
            }
            ("e.grade, e.record_key", 'g')
        } else if q.sort == PersonSort::Time {
            // Newest first: `enrolments_county_batch` in a county, `enrolments_batch_key` wider.
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 't')?;
                let (batch, key) = (r.int()?, r.text()?.to_string());
                r.end()?;
                let c = format!("(e.batch_id, e.record_key) < ({}, {})", w.arg(batch), w.arg(key));
                w.cond(c);
            }
            ("e.batch_id DESC, e.record_key DESC", 't')
        } else if school.is_some() {
            if let Some(a) = &q.after {
                let key = cursor::read_key(a, 'k')?;
                let c = format!("e.record_key > {}", w.arg(key));
                w.cond(c);
            }
            ("e.record_key", 'k')
        } else if q.sort == PersonSort::School {
            if let Some(a) = &q.after {
                let (code, key) = parse_school_cursor(a)?;
                let c = format!("(e.school_code, e.record_key) > ({}, {})", w.arg(code), w.arg(key));
                w.cond(c);
            }
            ("e.school_code, e.record_key", 'h')
        } else {
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 'c')?;
                let (c, key) = (r.int()?, r.text()?.to_string());
                r.end()?;
                let c = i32::try_from(c).map_err(|_| StoreError::BadCursor)?;
                let c = format!("(e.county_code, e.record_key) > ({}, {})", w.arg(c), w.arg(key));
                w.cond(c);
            }
            ("e.county_code, e.record_key", 'c')
        };
        let sql = format!(
            "SELECT {select}, t.record_key, e.county_code::text, t.name, e.batch_id::text FROM {from}{} ORDER BY {order} LIMIT {}{}",
            w.where_(),
            n + 1,
            offset_of(q)
        );
        let mut rows = self.records(&sql, &w, spec.fields.len(), 3)?;
        let next = (rows.len() > n).then(|| {
            rows.truncate(n);
            let (r, t) = &rows[n - 1];
            match kind {
                'g' => cursor::Writer::new('g').text(grade_of(r)).text(&r.key).finish(),
                't' => cursor::Writer::new('t').int(t[2].parse().unwrap_or(0)).text(&r.key).finish(),
                'n' => name_cursor(&t[1], &r.key),
                'k' => cursor::key('k', &r.key),
                'h' => school_cursor(school_of(Entity::Student, r), &r.key),
                _ => cursor::Writer::new('c').int(t[0].parse().unwrap_or(0)).text(&r.key).finish(),
            }
        });
        Ok(Page { rows: rows.into_iter().map(|r| r.0).collect(), next })
    }

    fn teachers(&mut self, scope: &Scope, q: &PersonQuery) -> Result<Page<Record>, StoreError> {
        let spec = Spec::of(Entity::Teacher);
        let (lo, hi) = scope.county_range().expect("not Nothing");
        let mut w = sql();
        let (a, b) = text_range(lo, hi);
        let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
        w.cond(c);
        match (scope.school(), q.school.as_deref().filter(|s| !s.is_empty())) {
            (Some(a), Some(b)) if a != b => return Ok(store::sql::empty()),
            (Some(x), _) | (None, Some(x)) => {
                let c = format!("t.school_code = {}", w.arg(x.to_string()));
                w.cond(c);
            }
            (None, None) => {}
        }
        let n = limit(q.limit);
        let select = spec.select_list();
        let from = "teachers t JOIN schools sc ON sc.school_code = t.school_code";
        if let Some(id) = q.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // Teachers are keyed by their document number (`{type}:{number}` for other documents).
            let c = format!("t.record_key = {}", w.arg(id.to_string()));
            w.cond(c);
            let sql = format!("SELECT {select}, t.record_key FROM {from}{} ORDER BY t.record_key LIMIT {n}", w.where_());
            let rows = self.records(&sql, &w, spec.fields.len(), 0)?.into_iter().map(|r| r.0).collect();
            return Ok(Page { rows, next: None });
        }
        let name = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let (order, kind) = if name.is_some() || q.sort == PersonSort::Name {
            if let Some(name) = name {
                name_prefix(&mut w, "t.name", name);
            }
            if let Some(a) = &q.after {
                let (nm, key) = parse_name_cursor(a)?;
                let c = format!("(t.name COLLATE \"C\", t.record_key) > ({}, {})", w.arg(nm), w.arg(key));
                w.cond(c);
            }
            ("t.name COLLATE \"C\", t.record_key", 'n')
        } else if q.sort == PersonSort::Time {
            // Newest first: `teachers_school_batch` in a school, `teachers_batch_key` wider.
            if let Some(a) = &q.after {
                let mut r = cursor::read(a, 't')?;
                let (batch, key) = (r.int()?, r.text()?.to_string());
                r.end()?;
                let c = format!("(t.batch_id, t.record_key) < ({}, {})", w.arg(batch), w.arg(key));
                w.cond(c);
            }
            ("t.batch_id DESC, t.record_key DESC", 't')
        } else if q.sort == PersonSort::School {
            if let Some(a) = &q.after {
                let (code, key) = parse_school_cursor(a)?;
                let c = format!("(t.school_code, t.record_key) > ({}, {})", w.arg(code), w.arg(key));
                w.cond(c);
            }
            ("t.school_code, t.record_key", 'h')
        } else {
            if let Some(a) = &q.after {
                let key = cursor::read_key(a, 'k')?;
                let c = format!("t.record_key > {}", w.arg(key));
                w.cond(c);
            }
            ("t.record_key", 'k')
        };
        let sql = format!("SELECT {select}, t.record_key, t.name, t.batch_id::text FROM {from}{} ORDER BY {order} LIMIT {}{}", w.where_(), n + 1, offset_of(q));
        let mut rows = self.records(&sql, &w, spec.fields.len(), 2)?;
        let next = (rows.len() > n).then(|| {
            rows.truncate(n);
            let (r, t) = &rows[n - 1];
            match kind {
                't' => cursor::Writer::new('t').int(t[1].parse().unwrap_or(0)).text(&r.key).finish(),
                'n' => name_cursor(&t[0], &r.key),
                'h' => school_cursor(school_of(Entity::Teacher, r), &r.key),
                _ => cursor::key('k', &r.key),
            }
        });
        Ok(Page { rows: rows.into_iter().map(|r| r.0).collect(), next })
    }
}

/// The tables of one entity's records cut to `scope` (counties `lo..=hi`, and its school):
/// `FROM` text, the scope's conditions added to `w`. Shared by [`Browse::record`] and the change
/// feed's [`Browse::changed`].
fn scoped_tables(spec: &Spec, entity: Entity, scope: &Scope, lo: u32, hi: u32, w: &mut Where) -> String {
    let mut from = spec.record_tables();
    match entity {
        Entity::School | Entity::Teacher | Entity::Conditions => {
            let region = if entity == Entity::School {
                "t.region_code"
            } else {
                from.push_str(" JOIN schools sc ON sc.school_code = t.school_code");
                "sc.region_code"
            };
            let (a, b) = text_range(lo, hi);
            let c = format!("{region} BETWEEN {} AND {}", w.arg(a), w.arg(b));
            w.cond(c);
            if let Some(code) = scope.school() {
                let c = format!("t.school_code = {}", w.arg(code.to_string()));
                w.cond(c);
            }
        }
        Entity::Student => {
            let c = format!("e.county_code BETWEEN {} AND {}", w.arg(lo as i32), w.arg(hi as i32));
            w.cond(c);
            if let Some(code) = scope.school() {
                let c = format!("e.school_code = {}", w.arg(code.to_string()));
                w.cond(c);
            }
        }
    }
    from
}

impl Browse for PgStore {
    fn org_unit(&mut self, code: i64) -> Result<Option<OrgUnit>, StoreError> {
        let r = self.client.query_opt("SELECT code, name, level, parent_code FROM org_units WHERE code = $1", &[&code]).map_err(pg)?;
        Ok(r.as_ref().map(org_from))
    }

    fn org_children(&mut self, code: i64) -> Result<Vec<OrgUnit>, StoreError> {
        let rows = self.client.query("SELECT code, name, level, parent_code FROM org_units WHERE parent_code = $1 ORDER BY code", &[&code]).map_err(pg)?;
        Ok(rows.iter().map(org_from).collect())
    }

    fn schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<Page<Record>, StoreError> {
        let Some(scope) = effective(scope, q.region) else { return Ok(store::sql::empty()) };
        let spec = Spec::of(Entity::School);
        let w = school_conds(Dialect::Postgres, "t", &scope, q)?;
        let n = limit(q.limit);
        let sql = format!("SELECT {}, t.school_code FROM {}{} ORDER BY t.school_code LIMIT {}", spec.select_list(), spec.record_tables(), w.where_(), n + 1);
        let rows: Vec<Record> = self.records(&sql, &w, spec.fields.len(), 0)?.into_iter().map(|r| r.0).collect();
        Ok(store::sql::page(rows, n, |r| cursor::key('s', &r.key)))
    }

    fn people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<Page<Record>, StoreError> {
        if q.drill.is_some() {
            // 下钻: the plain list's own pages, cut by the facts' rule (store::drill).
            return store::drill::page(entity, q, &mut |p| self.people(scope, entity, p));
        }
        let Some(scope) = effective(scope, q.region) else { return Ok(store::sql::empty()) };
        match entity {
            Entity::Student => self.students(&scope, q),
            Entity::Teacher => self.teachers(&scope, q),
            Entity::School | Entity::Conditions => Err(StoreError::Internal("people() of schools or conditions".into())),
        }
    }

    fn record(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<Record>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(None) };
        let spec = Spec::of(entity);
        let mut w = sql();
        let c = format!("t.{} = {}", spec.key_col, w.arg(key.to_string()));
        w.cond(c);
        let from = scoped_tables(&spec, entity, scope, lo, hi, &mut w);
        let sql = format!("SELECT {}, t.{} FROM {from}{}", spec.select_list(), spec.key_col, w.where_());
        Ok(self.records(&sql, &w, spec.fields.len(), 0)?.into_iter().next().map(|r| r.0))
    }

    fn region_figures(&mut self, scope: &Scope, level: OrgLevel) -> Result<Vec<RegionFigures>, StoreError> {
        let Some(queries) = figures_queries(Dialect::Postgres, scope) else { return Ok(vec![]) };
        let mut by = Figures::new(level);
        for (what, sql, a) in queries {
            for r in self.client.query(&sql, &refs(&args(a))).map_err(pg)? {
                let county: Option<String> = r.get(0);
                by.add(what, county.and_then(|c| c.parse().ok()), r.get(1));
            }
        }
        Ok(by.finish())
    }

    fn grade_counts(&mut self, scope: &Scope) -> Result<Vec<GradeCount>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(vec![]) };
        let (lo, hi) = (lo as i32, hi as i32);
        let mut by: BTreeMap<u8, u64> = BTreeMap::new();
        match scope.school() {
            Some(code) => {
                // Grades are codes as text; an empty or unknown one counts as grade 0, as in the
                // aggregate.
                let rows = self
                    .client
                    .query("SELECT grade, count(*) FROM enrolments WHERE school_code = $1 AND county_code = $2 GROUP BY grade", &[&code, &lo])
                    .map_err(pg)?;
                for r in rows {
                    let grade = r.get::<_, &str>(0).trim().parse::<u8>().unwrap_or(0);
                    *by.entry(grade).or_default() += r.get::<_, i64>(1).max(0) as u64;
                }
            }
            None => {
                let rows = self
                    .client
                    .query("SELECT grade, sum(students)::bigint FROM student_counts WHERE county_code BETWEEN $1 AND $2 GROUP BY grade", &[&lo, &hi])
                    .map_err(pg)?;
                for r in rows {
                    let grade = r.get::<_, i32>(0).clamp(0, 255) as u8;
                    *by.entry(grade).or_default() += r.get::<_, i64>(1).max(0) as u64;
                }
            }
        }
        Ok(by.into_iter().filter(|&(_, n)| n > 0).map(|(grade, students)| GradeCount { grade, students }).collect())
    }

    fn count_schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<Total, StoreError> {
        let Some(scope) = effective(scope, q.region) else { return Ok(Total::capped(0)) };
        let w = school_conds(Dialect::Postgres, "t", &scope, &SchoolQuery { after: None, ..q.clone() })?;
        let sql = format!("SELECT count(*) FROM (SELECT 1 FROM schools t{} LIMIT {}) x", w.where_(), COUNT_CAP + 1);
        let r = self.client.query_one(&sql, &refs(&args(w.args.clone()))).map_err(pg)?;
        Ok(Total::capped(r.get::<_, i64>(0).max(0) as u64))
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
                    let r = self
                        .client
                        .query_one("SELECT COALESCE(sum(students), 0)::bigint FROM student_counts WHERE county_code BETWEEN $1 AND $2", &[&(lo as i32), &(hi as i32)])
                        .map_err(pg)?;
                    return Ok(Total { n: r.get::<_, i64>(0).max(0) as u64, exact: true });
                }
                let c = format!("e.county_code BETWEEN {} AND {}", w.arg(lo as i32), w.arg(hi as i32));
                w.cond(c);
                if let Some(code) = &school {
                    let c = format!("e.school_code = {}", w.arg(code.clone()));
                    w.cond(c);
                }
                if let Some(id) = &id {
                    let a = w.arg(id.clone());
                    w.cond(format!("(t.record_key = {a} OR t.student_id = {a})"));
                }
                Spec::of(Entity::Student).record_tables()
            }
            Entity::Teacher => {
                let (a, b) = text_range(lo, hi);
                let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
                w.cond(c);
                if let Some(code) = &school {
                    let c = format!("t.school_code = {}", w.arg(code.clone()));
                    w.cond(c);
                }
                if let Some(id) = &id {
                    let c = format!("t.record_key = {}", w.arg(id.clone()));
                    w.cond(c);
                }
                "teachers t JOIN schools sc ON sc.school_code = t.school_code".to_string()
            }
            Entity::School | Entity::Conditions => return Err(StoreError::Internal("count_people() of schools or conditions".into())),
        };
        if let (Some(name), None) = (&name, &id) {
            name_prefix(&mut w, "t.name", name);
        }
        let sql = format!("SELECT count(*) FROM (SELECT 1 FROM {from}{} LIMIT {}) x", w.where_(), COUNT_CAP + 1);
        let r = self.client.query_one(&sql, &refs(&args(w.args.clone()))).map_err(pg)?;
        Ok(Total::capped(r.get::<_, i64>(0).max(0) as u64))
    }

    fn record_history(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<History>, StoreError> {
        if self.record(scope, entity, key)?.is_none() {
            return Ok(None);
        }
        let sql = format!(
            "SELECT c.batch_id, COALESCE(b.finished_at, b.started_at), c.field, c.old_value, c.new_value FROM change_log c \
             JOIN batches b ON b.id = c.batch_id WHERE c.entity = $1 AND c.record_key = $2 ORDER BY c.id DESC LIMIT {HISTORY_MAX}"
        );
        let rows = self.client.query(&sql, &[&entity.key(), &key]).map_err(pg)?;
        let changes = rows.iter().map(|r| FieldChange { batch_id: r.get(0), at: r.get(1), field: r.get(2), old_value: r.get(3), new_value: r.get(4) }).collect();
        let mut transfers = Vec::new();
        if entity == Entity::Student {
            let sql = format!("SELECT batch_id, from_school, to_school, transfer_date FROM transfers WHERE student_key = $1 ORDER BY id DESC LIMIT {HISTORY_MAX}");
            let rows = self.client.query(&sql, &[&key]).map_err(pg)?;
            transfers = rows.iter().map(|r| Move { batch_id: r.get(0), from_school: r.get(1), to_school: r.get(2), date: r.get(3) }).collect();
        }
        Ok(Some(History { changes, transfers }))
    }

    fn change_batches(&mut self, entity: Entity, since: i64, limit: usize) -> Result<Vec<i64>, StoreError> {
        // A batch row is written inside its import's transaction, and an entity's imports are
        // serialised (the import's advisory lock): every batch seen here has committed, and no
        // lower one of the entity can commit after it.
        let rows = self
            .client
            .query("SELECT id FROM batches WHERE entity = $1 AND id > $2 AND finished_at IS NOT NULL ORDER BY id LIMIT $3", &[&entity.key(), &since, &(limit as i64)])
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn changed(&mut self, scope: &Scope, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Record)>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(vec![]) };
        let spec = Spec::of(entity);
        let mut w = sql();
        // Within a batch by record key (`enrolments_batch_key`, `teachers_batch_key`); schools by code.
        let (batch_col, pos) = match entity {
            Entity::Student => ("e.batch_id", "e.record_key"),
            Entity::School => ("t.batch_id", "t.school_code"),
            Entity::Teacher | Entity::Conditions => ("t.batch_id", "t.record_key"),
        };
        let c = format!("{batch_col} = {}", w.arg(batch));
        w.cond(c);
        if let Some(a) = after {
            let c = format!("{pos} > {}", w.arg(a.to_string()));
            w.cond(c);
        }
        let from = scoped_tables(&spec, entity, scope, lo, hi, &mut w);
        let sql = format!("SELECT {}, t.{} FROM {from}{} ORDER BY {pos} COLLATE \"C\" LIMIT {}", spec.select_list(), spec.key_col, w.where_(), limit.max(1));
        Ok(self.records(&sql, &w, spec.fields.len(), 0)?.into_iter().map(|(r, _)| (r.key.clone(), r)).collect())
    }

    fn moved(&mut self, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<(String, String)>)>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT record_key, field, old_value FROM change_log WHERE batch_id = $1 AND entity = $2 \
                 AND field IN ('school_code', 'grade', 'region_code', 'school_type') AND record_key > $3 ORDER BY record_key, field LIMIT $4",
                &[&batch, &entity.key(), &after.unwrap_or(""), &((limit.max(1) * store::share::PLACE_FIELDS.len()) as i64)],
            )
            .map_err(pg)?;
        Ok(store::share::group_moves(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))), limit))
    }

    fn school_figures(&mut self, scope: &Scope) -> Result<Vec<SchoolFigures>, StoreError> {
        let Some(queries) = school_figures_queries(Dialect::Postgres, scope) else { return Ok(vec![]) };
        let mut tally = SchoolTally::default();
        for (i, (sql, a)) in queries.into_iter().enumerate() {
            for r in self.client.query(&sql, &refs(&args(a))).map_err(pg)? {
                if i == 0 {
                    tally.school(r.get(0), r.get(1), r.get(2));
                } else {
                    tally.add(i, r.get::<_, &str>(0), r.get(1), r.get(2));
                }
            }
        }
        Ok(tally.finish())
    }
}
