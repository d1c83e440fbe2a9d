//! Scoped reading for the web console: keyset pages, searches, one record, overview figures.
//!
//! Every query carries the scope as SQL conditions (a range of county codes, and a school when
//! the scope is one school); nothing is filtered after the fact. Records are keyed by text
//! (`record_key`, `school_code`, C collation), so the keyset cursors ([`store::cursor`]) hold the
//! last row's sort key: `c` county and key (students of a region), `k` key (students of one
//! school, teachers), `n` name and key (a name search), `s` school code.

use crate::error::pg;
use crate::spec::Spec;
use crate::PgStore;
use postgres::types::ToSql;
use postgres::Row;
use std::collections::BTreeMap;
use store::browse::MAX_PAGE;
use store::cursor;
use store::{Browse, Entity, GradeCount, OrgLevel, OrgUnit, Page, PersonQuery, Record, RegionFigures, SchoolQuery, Scope, StoreError};

/// A WHERE clause and its arguments.
#[derive(Default)]
struct Sql {
    conds: Vec<String>,
    args: Vec<Box<dyn ToSql + Sync>>,
}

impl Sql {
    /// Adds an argument; returns its placeholder.
    fn arg(&mut self, v: impl ToSql + Sync + 'static) -> String {
        self.args.push(Box::new(v));
        format!("${}", self.args.len())
    }
    fn cond(&mut self, c: String) {
        self.conds.push(c);
    }
    fn where_(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }
    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

/// The scope narrowed by a region the user filtered on; None when nothing can match.
fn effective(scope: &Scope, region: Option<u32>) -> Option<Scope> {
    match (scope, region) {
        (Scope::Nothing, _) => None,
        (s, None) => Some(s.clone()),
        (s, Some(r)) => s.narrow(r),
    }
}

fn limit(n: usize) -> usize {
    n.clamp(1, MAX_PAGE)
}

/// Schools keep their county as the 6-digit text `region_code`.
fn text_range(lo: u32, hi: u32) -> (String, String) {
    (format!("{lo:06}"), format!("{hi:06}"))
}

fn empty() -> Page<Record> {
    Page { rows: vec![], next: None }
}


/// A name-prefix search as a range on the C collation, so that the `(name COLLATE "C", key)`
/// index serves it: every name that starts with `name` sorts in `[name, name + U+10FFFF)`.
fn name_prefix(w: &mut Sql, col: &str, name: &str) {
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

/// A cursor of one key (`k`, or `s` for schools).
fn key_cursor(kind: char, key: &str) -> String {
    cursor::Writer::new(kind).text(key).finish()
}

fn parse_key_cursor(a: &str, kind: char) -> Result<String, StoreError> {
    let mut r = cursor::read(a, kind)?;
    let key = r.text()?.to_string();
    r.end()?;
    Ok(key)
}

fn org_from(r: &Row) -> OrgUnit {
    let level: &str = r.get(2);
    OrgUnit { code: r.get(0), name: r.get(1), level: OrgLevel::from_code(level).unwrap_or(OrgLevel::School), parent: r.get(3) }
}

impl PgStore {
    /// Runs a query selecting the template fields, then the key, then `extra` text columns.
    fn records(&mut self, sql: &str, w: &Sql, width: usize, extra: usize) -> Result<Vec<(Record, Vec<String>)>, StoreError> {
        let rows = self.client.query(sql, &w.refs()).map_err(pg)?;
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
            (Some(a), Some(b)) if a != b => return Ok(empty()),
            (Some(a), _) => Some(a.to_string()),
            (None, b) => b.map(str::to_string),
        };
        let mut w = Sql::default();
        let c = format!("e.county_code BETWEEN {} AND {}", w.arg(lo as i32), w.arg(hi as i32));
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
        let (order, kind) = if let Some(name) = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            name_prefix(&mut w, "t.name", name);
            if let Some(a) = &q.after {
                let (nm, key) = parse_name_cursor(a)?;
                let c = format!("(t.name COLLATE \"C\", t.record_key) > ({}, {})", w.arg(nm), w.arg(key));
                w.cond(c);
            }
            ("t.name COLLATE \"C\", t.record_key", 'n')
        } else if school.is_some() {
            if let Some(a) = &q.after {
                let key = parse_key_cursor(a, 'k')?;
                let c = format!("e.record_key > {}", w.arg(key));
                w.cond(c);
            }
            ("e.record_key", 'k')
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
            "SELECT {select}, t.record_key, e.county_code::text, t.name FROM {from}{} ORDER BY {order} LIMIT {}",
            w.where_(),
            n + 1
        );
        let mut rows = self.records(&sql, &w, spec.fields.len(), 2)?;
        let next = (rows.len() > n).then(|| {
            rows.truncate(n);
            let (r, t) = &rows[n - 1];
            match kind {
                'n' => name_cursor(&t[1], &r.key),
                'k' => key_cursor('k', &r.key),
                _ => cursor::Writer::new('c').int(t[0].parse().unwrap_or(0)).text(&r.key).finish(),
            }
        });
        Ok(Page { rows: rows.into_iter().map(|r| r.0).collect(), next })
    }

    fn teachers(&mut self, scope: &Scope, q: &PersonQuery) -> Result<Page<Record>, StoreError> {
        let spec = Spec::of(Entity::Teacher);
        let (lo, hi) = scope.county_range().expect("not Nothing");
        let mut w = Sql::default();
        let (a, b) = text_range(lo, hi);
        let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
        w.cond(c);
        match (scope.school(), q.school.as_deref().filter(|s| !s.is_empty())) {
            (Some(a), Some(b)) if a != b => return Ok(empty()),
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
        let (order, kind) = if let Some(name) = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            name_prefix(&mut w, "t.name", name);
            if let Some(a) = &q.after {
                let (nm, key) = parse_name_cursor(a)?;
                let c = format!("(t.name COLLATE \"C\", t.record_key) > ({}, {})", w.arg(nm), w.arg(key));
                w.cond(c);
            }
            ("t.name COLLATE \"C\", t.record_key", 'n')
        } else {
            if let Some(a) = &q.after {
                let key = parse_key_cursor(a, 'k')?;
                let c = format!("t.record_key > {}", w.arg(key));
                w.cond(c);
            }
            ("t.record_key", 'k')
        };
        let sql = format!("SELECT {select}, t.record_key, t.name FROM {from}{} ORDER BY {order} LIMIT {}", w.where_(), n + 1);
        let mut rows = self.records(&sql, &w, spec.fields.len(), 1)?;
        let next = (rows.len() > n).then(|| {
            rows.truncate(n);
            let (r, t) = &rows[n - 1];
            match kind {
                'n' => name_cursor(&t[0], &r.key),
                _ => key_cursor('k', &r.key),
            }
        });
        Ok(Page { rows: rows.into_iter().map(|r| r.0).collect(), next })
    }

    /// `(group, n)` rows of a figures query, added into `by` (`which`: 0 schools, 1 teachers,
    /// 2 students).
    fn add_figures(
        &mut self,
        sql: &str,
        args: &[&(dyn ToSql + Sync)],
        which: usize,
        group: &dyn Fn(u32) -> u32,
        by: &mut BTreeMap<u32, RegionFigures>,
    ) -> Result<(), StoreError> {
        for r in self.client.query(sql, args).map_err(pg)? {
            let county: Option<String> = r.get(0);
            let n = r.get::<_, i64>(1).max(0) as u64;
            let Some(county) = county.and_then(|c| c.parse::<u32>().ok()).filter(|&c| c > 0) else { continue };
            let code = group(county);
            let f = by.entry(code).or_insert(RegionFigures { code, ..Default::default() });
            match which {
                0 => f.schools += n,
                1 => f.teachers += n,
                _ => f.students += n,
            }
        }
        Ok(())
    }
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
        let Some(scope) = effective(scope, q.region) else { return Ok(empty()) };
        let spec = Spec::of(Entity::School);
        let mut w = Sql::default();
        let (lo, hi) = scope.county_range().expect("not Nothing");
        let (lo, hi) = text_range(lo, hi);
        let c = format!("t.region_code BETWEEN {} AND {}", w.arg(lo), w.arg(hi));
        w.cond(c);
        if let Some(code) = scope.school() {
            let c = format!("t.school_code = {}", w.arg(code.to_string()));
            w.cond(c);
        }
        if let Some(v) = q.school_type.as_deref().filter(|v| !v.is_empty()) {
            let c = format!("t.school_type = {}", w.arg(v.to_string()));
            w.cond(c);
        }
        if let Some(u) = q.urban_rural.as_deref().filter(|v| !v.is_empty()) {
            // A full code, or its leading digit (1 urban, 2 rural).
            let c = format!("substr(t.urban_rural, 1, {}) = {}", u.chars().count(), w.arg(u.to_string()));
            w.cond(c);
        }
        if let Some(v) = q.name.as_deref().filter(|v| !v.is_empty()) {
            let c = format!("position({} IN t.name) > 0", w.arg(v.to_string()));
            w.cond(c);
        }
        if let Some(a) = &q.after {
            let c = format!("t.school_code > {}", w.arg(parse_key_cursor(a, 's')?));
            w.cond(c);
        }
        let n = limit(q.limit);
        let sql = format!("SELECT {}, t.school_code FROM {}{} ORDER BY t.school_code LIMIT {}", spec.select_list(), spec.record_tables(), w.where_(), n + 1);
        let mut rows: Vec<Record> = self.records(&sql, &w, spec.fields.len(), 0)?.into_iter().map(|r| r.0).collect();
        let next = (rows.len() > n).then(|| {
            rows.truncate(n);
            key_cursor('s', &rows[n - 1].key)
        });
        Ok(Page { rows, next })
    }

    fn people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<Page<Record>, StoreError> {
        let Some(scope) = effective(scope, q.region) else { return Ok(empty()) };
        match entity {
            Entity::Student => self.students(&scope, q),
            Entity::Teacher => self.teachers(&scope, q),
            Entity::School => Err(StoreError::Internal("people() of schools: use schools()".into())),
        }
    }

    fn record(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<Record>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(None) };
        let spec = Spec::of(entity);
        let mut w = Sql::default();
        let c = format!("t.{} = {}", spec.key_col, w.arg(key.to_string()));
        w.cond(c);
        let mut from = spec.record_tables();
        match entity {
            Entity::School | Entity::Teacher => {
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
        let sql = format!("SELECT {}, t.{} FROM {from}{}", spec.select_list(), spec.key_col, w.where_());
        Ok(self.records(&sql, &w, spec.fields.len(), 0)?.into_iter().next().map(|r| r.0))
    }

    fn region_figures(&mut self, scope: &Scope, level: OrgLevel) -> Result<Vec<RegionFigures>, StoreError> {
        let Some((lo, hi)) = scope.county_range() else { return Ok(vec![]) };
        let group = |county: u32| -> u32 {
            match level {
                OrgLevel::Province => county / 10_000 * 10_000,
                OrgLevel::City => standard::codes::DIVISIONS.city_of(county).map(|d| d.code).unwrap_or(county / 100 * 100),
                _ => county,
            }
        };
        let mut by: BTreeMap<u32, RegionFigures> = BTreeMap::new();
        match scope.school() {
            Some(code) => {
                // One school, in the scope's county.
                let (code, county) = (code.to_string(), lo.to_string());
                let county_i = lo as i32;
                self.add_figures("SELECT $2::text, count(*) FROM schools WHERE school_code = $1", &[&code, &county], 0, &group, &mut by)?;
                self.add_figures("SELECT $2::text, count(*) FROM teachers WHERE school_code = $1", &[&code, &county], 1, &group, &mut by)?;
                self.add_figures(
                    "SELECT county_code::text, count(*) FROM enrolments WHERE school_code = $1 AND county_code = $2 GROUP BY county_code",
                    &[&code, &county_i],
                    2,
                    &group,
                    &mut by,
                )?;
            }
            None => {
                let (a, b) = text_range(lo, hi);
                let (lo, hi) = (lo as i32, hi as i32);
                self.add_figures("SELECT region_code, count(*) FROM schools WHERE region_code BETWEEN $1 AND $2 GROUP BY region_code", &[&a, &b], 0, &group, &mut by)?;
                self.add_figures(
                    "SELECT sc.region_code, count(*) FROM teachers t JOIN schools sc ON sc.school_code = t.school_code WHERE sc.region_code BETWEEN $1 AND $2 GROUP BY sc.region_code",
                    &[&a, &b],
                    1,
                    &group,
                    &mut by,
                )?;
                // Students from the aggregate kept current at import, not a count of millions.
                self.add_figures(
                    "SELECT county_code::text, sum(students)::bigint FROM student_counts WHERE county_code BETWEEN $1 AND $2 GROUP BY county_code",
                    &[&lo, &hi],
                    2,
                    &group,
                    &mut by,
                )?;
            }
        }
        Ok(by.into_values().filter(|f| f.schools + f.teachers + f.students > 0).collect())
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
}
