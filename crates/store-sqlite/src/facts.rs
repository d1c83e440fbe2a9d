//! `store::facts` on SQLite: the per-school facts recomputed from the stored rows (for the
//! schools an import touched, inside its transaction, or all of them) and read by scope.

use crate::{map_err, SqliteStore};
use rusqlite::{params, Connection};
use std::collections::{BTreeSet, HashSet};
use store::facts::{self, BirthBucket, Builder, CountyFacts, Facts, SchoolFacts, SchoolIn, StudentIn, TeacherIn};
use store::sql::Dialect;
use store::{Scope, StoreError};

/// Past this many touched schools a recompute reads the tables whole rather than county by
/// county (a full import touches every school).
const WHOLE_FROM: usize = 2_000;

/// Recomputes the facts of `only` (every school when None) from the stored rows, on `conn`,
/// inside the caller's transaction. Returns the schools written.
pub(crate) fn recompute(conn: &Connection, only: Option<&HashSet<String>>) -> rusqlite::Result<u64> {
    if only.is_some_and(|s| s.is_empty()) {
        return Ok(0);
    }
    // `BENCH_FACTS_PHASES=1` (scripts/bench-insight.sh): the phases' times on standard error.
    let phases = std::env::var_os("BENCH_FACTS_PHASES").is_some();
    let t0 = std::time::Instant::now();
    let mut last = t0;
    let mut phase = |name: &str| {
        if phases {
            eprintln!("facts phase {name}: {:.3} s", last.elapsed().as_secs_f64());
            last = std::time::Instant::now();
        }
    };
    let b_year = facts::school_year_of(standard::Date::today());
    let mut b = Builder::new(b_year);
    let keep = |code: &str| only.is_none_or(|s| s.contains(code));
    let mut counties = BTreeSet::new();
    {
        let mut st = conn.prepare("SELECT school_code, name, region_code, school_type, batch_id FROM schools")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let code = r.get_ref(0)?.as_str()?;
            if !keep(code) {
                continue;
            }
            let region = r.get_ref(2)?.as_str()?;
            counties.insert(region.parse::<i64>().unwrap_or(-1));
            b.school(SchoolIn { code, name: r.get_ref(1)?.as_str()?, region, school_type: r.get_ref(3)?.as_str()? });
            b.batch(code, r.get(4)?);
        }
    }
    let whole = only.is_none_or(|s| s.len() >= WHOLE_FROM);
    // The batch as text: `each_kept` hands the values over as text.
    const STUDENTS: &str = "SELECT e.school_code, e.grade, e.class_name, s.birth_date, s.boarding, s.left_behind, s.migrant_child, \
        s.ethnicity_code, s.disability, CAST(e.batch_id AS TEXT) FROM enrolments e JOIN students s ON s.id = e.student_id";
    let mut read_students = |sql: &str, p: &[&dyn rusqlite::ToSql]| {
        each_kept(conn, sql, p, &keep, &mut |t| {
            b.student(&StudentIn {
                school: t(0)?,
                grade: t(1)?,
                class_name: t(2)?,
                birth: t(3)?,
                boarding: t(4)?,
                left_behind: t(5)?,
                migrant_child: t(6)?,
                ethnicity: t(7)?,
                disability: t(8)?,
            });
            b.batch(t(0)?, t(9)?.parse().unwrap_or(0));
            Ok(())
        })
    };
    phase("schools");
    if whole {
        read_students(STUDENTS, &[])?;
    } else {
        let sql = format!("{STUDENTS} WHERE e.county_code = ?1");
        for c in &counties {
            read_students(&sql, &[c])?;
        }
    }
    phase("students");
    const TEACHERS: &str = "SELECT school_code, gender_code, birth_date, education, title, backbone, full_time, subject, CAST(batch_id AS TEXT) FROM teachers";
    let mut read_teachers = |sql: &str, p: &[&dyn rusqlite::ToSql]| {
        each_kept(conn, sql, p, &keep, &mut |t| {
            b.teacher(&TeacherIn {
                school: t(0)?,
                gender: t(1)?,
                birth: t(2)?,
                education: t(3)?,
                title: t(4)?,
                backbone: t(5)?,
                full_time: t(6)?,
                subject: t(7)?,
            });
            b.batch(t(0)?, t(8)?.parse().unwrap_or(0));
            Ok(())
        })
    };
    match only {
        Some(set) if !whole => {
            let sql = format!("{TEACHERS} WHERE school_code = ?1");
            for code in set {
                read_teachers(&sql, &[code])?;
            }
        }
        _ => read_teachers(TEACHERS, &[])?,
    }
    phase("teachers");
    let (rows, births) = b.finish();
    phase("finish");
    // The counties whose aggregate changes: those of the schools' facts before and after.
    let mut touched_counties: BTreeSet<i64> = rows.iter().map(|f| f.county as i64).collect();
    match only {
        None => {
            let mut st = conn.prepare("SELECT DISTINCT county_code FROM school_facts")?;
            touched_counties.extend(st.query_map([], |r| r.get::<_, i64>(0))?.filter_map(Result::ok));
        }
        Some(set) => {
            let mut st = conn.prepare_cached("SELECT county_code FROM school_facts WHERE school_code = ?1")?;
            for code in set {
                touched_counties.extend(st.query_map([code], |r| r.get::<_, i64>(0))?.filter_map(Result::ok));
            }
        }
    }
    match only {
        None => {
            conn.execute("DELETE FROM school_facts", [])?;
            conn.execute("DELETE FROM school_teacher_births", [])?;
        }
        Some(set) => {
            let mut d1 = conn.prepare_cached("DELETE FROM school_facts WHERE school_code = ?1")?;
            let mut d2 = conn.prepare_cached("DELETE FROM school_teacher_births WHERE school_code = ?1")?;
            for code in set {
                d1.execute([code])?;
                d2.execute([code])?;
            }
        }
    }
    let mut ins = conn.prepare_cached(&facts::insert_sql(Dialect::Sqlite))?;
    for f in &rows {
        let titles = serde_json::to_string(&f.titles).unwrap_or_else(|_| "{}".into());
        let mut vals: Vec<rusqlite::types::Value> =
            vec![f.school.clone().into(), f.name.clone().into(), f.school_type.clone().into(), titles.into()];
        vals.extend(f.ints().into_iter().map(rusqlite::types::Value::from));
        vals.push(f.last_batch.into());
        ins.execute(rusqlite::params_from_iter(vals))?;
    }
    let mut ib = conn.prepare_cached(
        "INSERT INTO school_teacher_births (school_code, county_code, gender, ym, teachers) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for x in &births {
        ib.execute(params![x.school, x.county, x.gender, x.ym, x.teachers as i64])?;
    }
    phase("write school facts");
    keep_counties(conn, b_year, &touched_counties)?;
    phase("county aggregates");
    keep_balance(conn, &touched_counties)?;
    phase("county balance");
    Ok(rows.len() as u64)
}

fn internal(e: StoreError) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(std::io::Error::other(e.to_string())))
}

/// Rewrites the aggregates of `counties` for `school_year` from the school facts just written
/// (same transaction): the county row and its teachers' birth buckets; a county left without
/// schools loses its row of that year. Other years' rows stay.
fn keep_counties(conn: &Connection, school_year: u16, counties: &BTreeSet<i64>) -> rusqlite::Result<()> {
    let mut sel = conn.prepare_cached(&facts::select_sql(Dialect::Sqlite))?;
    let mut del = conn.prepare_cached("DELETE FROM county_facts WHERE school_year = ?1 AND county_code = ?2")?;
    let mut delb = conn.prepare_cached("DELETE FROM county_teacher_births WHERE school_year = ?1 AND county_code = ?2")?;
    let mut ins = conn.prepare_cached(&facts::county_insert_sql(Dialect::Sqlite))?;
    let mut insb = conn.prepare_cached(
        "INSERT INTO county_teacher_births (school_year, county_code, gender, ym, teachers) \
         SELECT ?1, county_code, gender, ym, SUM(teachers) FROM school_teacher_births WHERE county_code = ?2 GROUP BY county_code, gender, ym",
    )?;
    for &c in counties {
        let mut rows = Vec::new();
        let mut q = sel.query(params![c, c, ""])?;
        while let Some(r) = q.next()? {
            rows.push(facts::decode(&crate::sql::Row(r)).map_err(internal)?);
        }
        del.execute(params![school_year, c])?;
        delb.execute(params![school_year, c])?;
        if rows.is_empty() {
            continue;
        }
        let agg = facts::aggregate(school_year, c as u32, &rows);
        ins.execute(crate::sql::params(facts::county_args(&agg)))?;
        insb.execute(params![school_year, c])?;
    }
    Ok(())
}

/// Rewrites the kept 优质均衡 figures and migrant counts (`county_balance`, every 办学条件 school
/// year, and '' — no 办学条件 at all — which an area without any shows) of `counties`, and of every county with facts still missing a year's row (a year's first
/// 办学条件 import, a store just upgraded), from the school facts and 办学条件 stored (same
/// transaction). A county without school facts keeps no row.
fn keep_balance(conn: &Connection, counties: &BTreeSet<i64>) -> rusqlite::Result<()> {
    let years: Vec<String> = conn.prepare_cached("SELECT '' UNION SELECT school_year FROM conditions ORDER BY 1")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut all = counties.clone();
    let mut missing = conn.prepare_cached(
        "SELECT DISTINCT county_code FROM school_facts f WHERE NOT EXISTS \
         (SELECT 1 FROM county_balance b WHERE b.cond_year = ?1 AND b.county_code = f.county_code)",
    )?;
    for y in &years {
        all.extend(missing.query_map([y], |r| r.get::<_, i64>(0))?.filter_map(Result::ok));
    }
    let mut sel = conn.prepare_cached(&facts::select_sql(Dialect::Sqlite))?;
    let mut del = conn.prepare_cached("DELETE FROM county_balance WHERE county_code = ?1")?;
    let mut ins = conn.prepare_cached(&store::conditions::kept_insert_sql(Dialect::Sqlite))?;
    let cond_sql = store::conditions::county_conditions_sql(Dialect::Sqlite);
    for &c in &all {
        del.execute([c])?;
        let mut rows = Vec::new();
        let mut q = sel.query(params![c, c, ""])?;
        while let Some(r) = q.next()? {
            rows.push(facts::decode(&crate::sql::Row(r)).map_err(internal)?);
        }
        if rows.is_empty() {
            continue;
        }
        let conds = crate::sql::query(conn, &cond_sql, [c.to_string()], store::conditions::conditions_decode).map_err(internal)?;
        for k in store::conditions::kept_for_counties(&years, &rows, &conds) {
            ins.execute(crate::sql::params(store::conditions::kept_args(&k)))?;
        }
    }
    Ok(())
}

/// Runs `sql` and hands `each` the text cells of every row whose first column (a school code)
/// is kept.
fn each_kept(conn: &Connection, sql: &str, p: &[&dyn rusqlite::ToSql], keep: &dyn Fn(&str) -> bool, each: &mut dyn for<'r> FnMut(&'r dyn Fn(usize) -> rusqlite::Result<&'r str>) -> rusqlite::Result<()>) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = st.query(p)?;
    while let Some(r) = rows.next()? {
        let t = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
        if keep(t(0)?) {
            each(&t)?;
        }
    }
    Ok(())
}

impl Facts for SqliteStore {
    fn class_sizes(&mut self, scope: &Scope, school: Option<&str>, band: facts::Band) -> Result<Vec<facts::ClassSize>, StoreError> {
        let Some((lo, hi, school)) = facts::class_args(scope, school) else { return Ok(Vec::new()) };
        let rows = crate::sql::query(self.connection(), &facts::class_rows_sql(Dialect::Sqlite), params![lo, hi, school], |r| Ok((r.string(0)?, r.string(1)?, r.string(2)?)))?;
        Ok(facts::classes_of(rows, band))
    }

    fn school_facts(&mut self, scope: &Scope) -> Result<Vec<SchoolFacts>, StoreError> {
        let Some((lo, hi, school)) = facts::scope_args(scope) else { return Ok(Vec::new()) };
        crate::sql::query(self.connection(), &facts::select_sql(Dialect::Sqlite), params![lo, hi, school], facts::decode)
    }

    fn teacher_births(&mut self, scope: &Scope, per_school: bool) -> Result<Vec<BirthBucket>, StoreError> {
        let Some((lo, hi, school)) = facts::scope_args(scope) else { return Ok(Vec::new()) };
        let (key, group) = if per_school { ("school_code", "school_code, county_code") } else { ("''", "county_code") };
        let sql = format!(
            "SELECT {key}, county_code, gender, ym, SUM(teachers) FROM school_teacher_births \
             WHERE county_code BETWEEN ?1 AND ?2 AND (?3 = '' OR school_code = ?3) GROUP BY {group}, gender, ym ORDER BY 2, 1, 3, 4"
        );
        crate::sql::query(self.connection(), &sql, params![lo, hi, school], |r| {
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
        crate::sql::query(self.connection(), &facts::county_select_sql(Dialect::Sqlite), params![lo, hi], facts::county_decode)
    }

    fn county_births(&mut self, scope: &Scope, school_year: u16) -> Result<Vec<BirthBucket>, StoreError> {
        let Some((lo, hi)) = scope.county_range().filter(|_| scope.school().is_none()) else { return Ok(Vec::new()) };
        let sql = "SELECT '', county_code, gender, ym, teachers FROM county_teacher_births \
                   WHERE school_year = ?1 AND county_code BETWEEN ?2 AND ?3 ORDER BY 2, 3, 4";
        crate::sql::query(self.connection(), sql, params![school_year, lo, hi], facts::decode_bucket)
    }

    fn keep_county_facts(&mut self, scope: &Scope, rows: &[CountyFacts]) -> Result<u64, StoreError> {
        let current = facts::school_year_of(standard::Date::today());
        if rows.iter().any(|c| !facts::may_keep_county(scope, c, current)) {
            return Err(StoreError::OutOfScope);
        }
        let conn = self.connection();
        conn.execute_batch("BEGIN IMMEDIATE").map_err(map_err)?;
        let run = (|| -> rusqlite::Result<()> {
            let mut del = conn.prepare_cached("DELETE FROM county_facts WHERE school_year = ?1 AND county_code = ?2")?;
            let mut ins = conn.prepare_cached(&facts::county_insert_sql(Dialect::Sqlite))?;
            for c in rows {
                del.execute(params![c.school_year, c.county])?;
                ins.execute(crate::sql::params(facts::county_args(c)))?;
            }
            Ok(())
        })();
        match run {
            Ok(()) => {
                conn.execute_batch("COMMIT").map_err(map_err)?;
                Ok(rows.len() as u64)
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(map_err(e))
            }
        }
    }

    fn refresh_facts(&mut self, scope: &Scope) -> Result<u64, StoreError> {
        let conn = self.connection();
        let only: Option<HashSet<String>> = if *scope == Scope::all() {
            None
        } else {
            let Some((lo, hi, school)) = facts::scope_args(scope) else { return Ok(0) };
            let mut st = conn.prepare("SELECT school_code, region_code FROM schools").map_err(map_err)?;
            let codes = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(map_err)?
                .filter_map(Result::ok)
                .filter(|(c, reg)| {
                    let county = reg.parse::<i64>().unwrap_or(-1);
                    (lo..=hi).contains(&county) && (school.is_empty() || *c == school)
                })
                .map(|(c, _)| c)
                .collect();
            Some(codes)
        };
        conn.execute_batch("BEGIN IMMEDIATE").map_err(map_err)?;
        match recompute(conn, only.as_ref()) {
            Ok(n) => {
                conn.execute_batch("COMMIT").map_err(map_err)?;
                Ok(n)
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(map_err(e))
            }
        }
    }
}
