//! `store::facts` on PostgreSQL: the per-school facts recomputed from the stored rows (for the
//! schools an import touched, inside its transaction, or all of them) and read by scope.

use crate::error::pg;
use crate::PgStore;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::Client;
use std::collections::{BTreeSet, HashSet};
use store::facts::{self, BirthBucket, Builder, CountyFacts, Facts, SchoolFacts, SchoolIn, StudentIn, TeacherIn};
use store::sql::Dialect;
use store::{Scope, StoreError};

/// Which schools a recompute covers.
pub(crate) enum Only<'a> {
    All,
    /// The school codes of a temporary table (column `school_code`).
    Table(&'a str),
    Codes(&'a HashSet<String>),
}

const NO_PARAMS: [&(dyn ToSql + Sync); 0] = [];

/// Streams a query's rows into `f` (text columns).
fn each(db: &mut Client, sql: &str, params: &[&(dyn ToSql + Sync)], mut f: impl FnMut(&postgres::Row)) -> Result<(), StoreError> {
    let mut it = db.query_raw(sql, params.iter().copied()).map_err(pg)?;
    while let Some(r) = it.next().map_err(pg)? {
        f(&r);
    }
    Ok(())
}

/// Recomputes the facts of `only`, inside the caller's transaction; returns schools written.
pub(crate) fn recompute(db: &mut Client, only: Only<'_>) -> Result<u64, StoreError> {
    let year = facts::school_year_of(standard::Date::today());
    let mut b = Builder::new(year);
    let (filter_s, filter_e, filter_t) = match &only {
        Only::All => (String::new(), String::new(), String::new()),
        Only::Table(t) => (
            format!(" WHERE school_code IN (SELECT school_code FROM {t})"),
            format!(" WHERE e.school_code IN (SELECT school_code FROM {t})"),
            format!(" WHERE school_code IN (SELECT school_code FROM {t})"),
        ),
        Only::Codes(_) => (
            " WHERE school_code = ANY($1)".to_string(),
            " WHERE e.school_code = ANY($1)".to_string(),
            " WHERE school_code = ANY($1)".to_string(),
        ),
    };
    let codes: Vec<String> = match &only {
        Only::Codes(c) => c.iter().cloned().collect(),
        _ => Vec::new(),
    };
    let p: Vec<&(dyn ToSql + Sync)> = match &only {
        Only::Codes(_) => vec![&codes],
        _ => NO_PARAMS.to_vec(),
    };
    let s = |r: &postgres::Row, i: usize| -> String { r.get::<_, String>(i) };
    each(db, &format!("SELECT school_code, name, region_code, school_type, batch_id FROM schools{filter_s}"), &p, |r| {
        let (code, name, region, ty) = (s(r, 0), s(r, 1), s(r, 2), s(r, 3));
        b.school(SchoolIn { code: &code, name: &name, region: &region, school_type: &ty });
        b.batch(&code, r.get::<_, i64>(4));
    })?;
    each(
        db,
        &format!(
            "SELECT e.school_code, e.grade, e.class_name, s.birth_date, s.boarding, s.left_behind, s.migrant_child, \
             s.ethnicity_code, s.disability, e.batch_id FROM enrolments e JOIN students s ON s.record_key = e.record_key{filter_e}"
        ),
        &p,
        |r| {
            let t = |i: usize| -> &str { r.get::<_, &str>(i) };
            b.student(&StudentIn {
                school: t(0),
                grade: t(1),
                class_name: t(2),
                birth: t(3),
                boarding: t(4),
                left_behind: t(5),
                migrant_child: t(6),
                ethnicity: t(7),
                disability: t(8),
            });
            b.batch(t(0), r.get::<_, i64>(9));
        },
    )?;
    each(
        db,
        &format!("SELECT school_code, gender_code, birth_date, education, title, backbone, full_time, subject, batch_id FROM teachers{filter_t}"),
        &p,
        |r| {
            let t = |i: usize| -> &str { r.get::<_, &str>(i) };
            b.teacher(&TeacherIn {
                school: t(0),
                gender: t(1),
                birth: t(2),
                education: t(3),
                title: t(4),
                backbone: t(5),
                full_time: t(6),
                subject: t(7),
            });
            b.batch(t(0), r.get::<_, i64>(8));
        },
    )?;
    let (rows, births) = b.finish();
    // The counties whose aggregate changes: those of the schools' facts before and after.
    let mut counties: BTreeSet<i64> = rows.iter().map(|f| f.county as i64).collect();
    let old_sql = match &only {
        Only::All => "SELECT DISTINCT county_code FROM school_facts".to_string(),
        _ => format!("SELECT DISTINCT county_code FROM school_facts{filter_s}"),
    };
    each(db, &old_sql, &p, |r| {
        counties.insert(r.get::<_, i64>(0));
    })?;
    for table in ["school_facts", "school_teacher_births"] {
        let sql = match &only {
            Only::All => format!("DELETE FROM {table}"),
            _ => format!("DELETE FROM {table}{filter_s}"),
        };
        db.execute(&sql, &p).map_err(pg)?;
    }
    write(db, &rows, &births)?;
    keep_counties(db, year, &counties)?;
    keep_balance(db, &counties)?;
    Ok(rows.len() as u64)
}

/// Rewrites the aggregates of `counties` for `school_year` from the school facts just written
/// (same transaction): the county row and its teachers' birth buckets; a county left without
/// schools loses its row of that year. Other years' rows stay.
fn keep_counties(db: &mut Client, school_year: u16, counties: &BTreeSet<i64>) -> Result<(), StoreError> {
    let sy = school_year as i64;
    let list: Vec<i64> = counties.iter().copied().collect();
    db.execute("DELETE FROM county_facts WHERE school_year = $1 AND county_code = ANY($2)", &[&sy, &list]).map_err(pg)?;
    db.execute("DELETE FROM county_teacher_births WHERE school_year = $1 AND county_code = ANY($2)", &[&sy, &list]).map_err(pg)?;
    let rows = crate::sql::query(
        db,
        &facts::select_sql(Dialect::Postgres).replace("county_code BETWEEN $1 AND $2 AND ($3 = '' OR school_code = $3)", "county_code = ANY($1)"),
        &[&list],
        facts::decode,
    )?;
    let ins = facts::county_insert_sql(Dialect::Postgres);
    let mut i = 0;
    while i < rows.len() {
        let c = rows[i].county;
        let j = rows[i..].iter().position(|f| f.county != c).map_or(rows.len(), |k| i + k);
        let agg = facts::aggregate(school_year, c, &rows[i..j]);
        let a = crate::sql::args(facts::county_args(&agg));
        db.execute(&ins, &crate::sql::refs(&a)).map_err(pg)?;
        i = j;
    }
    db.execute(
        "INSERT INTO county_teacher_births (school_year, county_code, gender, ym, teachers) \
         SELECT $1, county_code, gender, ym, SUM(teachers)::bigint FROM school_teacher_births WHERE county_code = ANY($2) GROUP BY county_code, gender, ym",
        &[&sy, &list],
    )
    .map_err(pg)?;
    Ok(())
}

/// Rewrites the kept 优质均衡 figures and migrant counts (`county_balance`, every 办学条件 school
/// year, and '' — no 办学条件 at all — which an area without any shows) of `counties`, and of every county with facts still missing a year's row (a year's first
/// 办学条件 import, a store just upgraded), from the school facts and 办学条件 stored (same
/// transaction). A county without school facts keeps no row.
fn keep_balance(db: &mut Client, counties: &BTreeSet<i64>) -> Result<(), StoreError> {
    let years: Vec<String> = db.query("SELECT '' UNION SELECT school_year FROM conditions ORDER BY 1", &[]).map_err(pg)?.iter().map(|r| r.get(0)).collect();
    let mut all = counties.clone();
    for y in &years {
        let missing = db
            .query("SELECT DISTINCT county_code FROM school_facts f WHERE NOT EXISTS (SELECT 1 FROM county_balance b WHERE b.cond_year = $1 AND b.county_code = f.county_code)", &[y])
            .map_err(pg)?;
        all.extend(missing.iter().map(|r| r.get::<_, i64>(0)));
    }
    let list: Vec<i64> = all.into_iter().collect();
    db.execute("DELETE FROM county_balance WHERE county_code = ANY($1)", &[&list]).map_err(pg)?;
    if list.is_empty() {
        return Ok(());
    }
    let rows = crate::sql::query(
        db,
        &facts::select_sql(Dialect::Postgres).replace("county_code BETWEEN $1 AND $2 AND ($3 = '' OR school_code = $3)", "county_code = ANY($1)"),
        &[&list],
        facts::decode,
    )?;
    let texts: Vec<String> = list.iter().map(|c| c.to_string()).collect();
    let conds = crate::sql::query(
        db,
        &store::conditions::county_conditions_sql(Dialect::Postgres).replace("sc.region_code = $1", "sc.region_code = ANY($1)"),
        &[&texts],
        store::conditions::conditions_decode,
    )?;
    let ins = store::conditions::kept_insert_sql(Dialect::Postgres);
    for k in store::conditions::kept_for_counties(&years, &rows, &conds) {
        let a = crate::sql::args(store::conditions::kept_args(&k));
        db.execute(&ins, &crate::sql::refs(&a)).map_err(pg)?;
    }
    Ok(())
}

fn write(db: &mut Client, rows: &[SchoolFacts], births: &[BirthBucket]) -> Result<(), StoreError> {
    let base = facts::insert_sql(Dialect::Postgres);
    let head = &base[..base.find(" VALUES").expect("insert sql")];
    let width = 5 + facts::INT_COLUMNS.len();
    for chunk in rows.chunks(500) {
        let mut vals: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(chunk.len() * width);
        let mut tuples = Vec::with_capacity(chunk.len());
        for f in chunk {
            let n = vals.len();
            tuples.push(format!("({})", (1..=width).map(|i| format!("${}", n + i)).collect::<Vec<_>>().join(", ")));
            vals.push(Box::new(f.school.clone()));
            vals.push(Box::new(f.name.clone()));
            vals.push(Box::new(f.school_type.clone()));
            vals.push(Box::new(serde_json::to_string(&f.titles).unwrap_or_else(|_| "{}".into())));
            for v in f.ints() {
                vals.push(Box::new(v));
            }
            vals.push(Box::new(f.last_batch));
        }
        let refs: Vec<&(dyn ToSql + Sync)> = vals.iter().map(|b| &**b).collect();
        db.execute(&format!("{head} VALUES {}", tuples.join(", ")), &refs).map_err(pg)?;
    }
    for chunk in births.chunks(5000) {
        let mut vals: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(chunk.len() * 5);
        let mut tuples = Vec::with_capacity(chunk.len());
        for x in chunk {
            let n = vals.len();
            tuples.push(format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5));
            vals.push(Box::new(x.school.clone()));
            vals.push(Box::new(x.county as i64));
            vals.push(Box::new(x.gender as i64));
            vals.push(Box::new(x.ym as i64));
            vals.push(Box::new(x.teachers as i64));
        }
        let refs: Vec<&(dyn ToSql + Sync)> = vals.iter().map(|b| &**b).collect();
        db.execute(
            &format!("INSERT INTO school_teacher_births (school_code, county_code, gender, ym, teachers) VALUES {}", tuples.join(", ")),
            &refs,
        )
        .map_err(pg)?;
    }
    Ok(())
}

impl Facts for PgStore {
    fn class_sizes(&mut self, scope: &Scope, school: Option<&str>, band: facts::Band) -> Result<Vec<facts::ClassSize>, StoreError> {
        let Some((lo, hi, school)) = facts::class_args(scope, school) else { return Ok(Vec::new()) };
        let rows = crate::sql::query(&mut self.client, &facts::class_rows_sql(Dialect::Postgres), &[&lo, &hi, &school], |r| Ok((r.string(0)?, r.string(1)?, r.string(2)?)))?;
        Ok(facts::classes_of(rows, band))
    }

    fn school_facts(&mut self, scope: &Scope) -> Result<Vec<SchoolFacts>, StoreError> {
        let Some((lo, hi, school)) = facts::scope_args(scope) else { return Ok(Vec::new()) };
        crate::sql::query(&mut self.client, &facts::select_sql(Dialect::Postgres), &[&lo, &hi, &school], facts::decode)
    }

    fn teacher_births(&mut self, scope: &Scope, per_school: bool) -> Result<Vec<BirthBucket>, StoreError> {
        let Some((lo, hi, school)) = facts::scope_args(scope) else { return Ok(Vec::new()) };
        let (key, group) = if per_school { ("school_code", "school_code, county_code") } else { ("''::text", "county_code") };
        let sql = format!(
            "SELECT {key}, county_code, gender, ym, SUM(teachers)::bigint FROM school_teacher_births \
             WHERE county_code BETWEEN $1 AND $2 AND ($3 = '' OR school_code = $3) GROUP BY {group}, gender, ym ORDER BY 2, 1, 3, 4"
        );
        crate::sql::query(&mut self.client, &sql, &[&lo, &hi, &school], |r| {
            Ok(BirthBucket {
                school: r.string(0)?,
                county: r.i64(1)? as u32,
                gender: r.i64(2)? as u8,
                ym: r.i64(3)? as u32,
                teachers: r.i64(4)? as u64,
            })
        })
    }

    fn county_facts(&mut self, scope: &Scope) -> Result<Vec<CountyFacts>, StoreError> {
        let Some((lo, hi)) = scope.county_range().filter(|_| scope.school().is_none()) else { return Ok(Vec::new()) };
        let (lo, hi) = (lo as i64, hi as i64);
        crate::sql::query(&mut self.client, &facts::county_select_sql(Dialect::Postgres), &[&lo, &hi], facts::county_decode)
    }

    fn county_births(&mut self, scope: &Scope, school_year: u16) -> Result<Vec<BirthBucket>, StoreError> {
        let Some((lo, hi)) = scope.county_range().filter(|_| scope.school().is_none()) else { return Ok(Vec::new()) };
        let (sy, lo, hi) = (school_year as i64, lo as i64, hi as i64);
        let sql = "SELECT ''::text, county_code, gender, ym, teachers FROM county_teacher_births \
                   WHERE school_year = $1 AND county_code BETWEEN $2 AND $3 ORDER BY 2, 3, 4";
        crate::sql::query(&mut self.client, sql, &[&sy, &lo, &hi], facts::decode_bucket)
    }

    fn keep_county_facts(&mut self, scope: &Scope, rows: &[CountyFacts]) -> Result<u64, StoreError> {
        let current = facts::school_year_of(standard::Date::today());
        if rows.iter().any(|c| !facts::may_keep_county(scope, c, current)) {
            return Err(StoreError::OutOfScope);
        }
        let ins = facts::county_insert_sql(Dialect::Postgres);
        let mut tx = self.client.transaction().map_err(pg)?;
        for c in rows {
            let (sy, county) = (c.school_year as i64, c.county as i64);
            tx.execute("DELETE FROM county_facts WHERE school_year = $1 AND county_code = $2", &[&sy, &county]).map_err(pg)?;
            let a = crate::sql::args(facts::county_args(c));
            tx.execute(&ins, &crate::sql::refs(&a)).map_err(pg)?;
        }
        tx.commit().map_err(pg)?;
        Ok(rows.len() as u64)
    }

    fn refresh_facts(&mut self, scope: &Scope) -> Result<u64, StoreError> {
        let only: Option<HashSet<String>> = if *scope == Scope::all() {
            None
        } else {
            let Some((lo, hi, school)) = facts::scope_args(scope) else { return Ok(0) };
            let rows = self.client.query("SELECT school_code, region_code FROM schools", &[]).map_err(pg)?;
            Some(
                rows.iter()
                    .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
                    .filter(|(c, reg)| {
                        let county = reg.parse::<i64>().unwrap_or(-1);
                        (lo..=hi).contains(&county) && (school.is_empty() || *c == school)
                    })
                    .map(|(c, _)| c)
                    .collect(),
            )
        };
        self.client.batch_execute("BEGIN").map_err(pg)?;
        let run = (|| {
            // A refresh and an import of any entity do not interleave their facts writes.
            self.client.execute("LOCK TABLE school_facts IN EXCLUSIVE MODE", &[]).map_err(pg)?;
            match &only {
                None => recompute(&mut self.client, Only::All),
                Some(set) => recompute(&mut self.client, Only::Codes(set)),
            }
        })();
        let n = match run {
            Ok(n) => n,
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK");
                return Err(e);
            }
        };
        self.client.batch_execute("COMMIT").map_err(pg)?;
        Ok(n)
    }
}
