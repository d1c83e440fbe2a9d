//! 办学条件 (school conditions): one row per school and school year, imported through the same
//! batches as the registers (`Entity::Conditions`; see `store::keys::conditions_key` for the key).
//! A school's county decides who may write its conditions (`Scope::may_write` with the school's
//! place, inside each backend's batch, the same refusal as for teachers and students).
//!
//! The reads are written once here over a backend's two primitives ([`ConditionsSql`]): every
//! query joins `schools` and carries the scope as SQL conditions (the school's county in the
//! scope's range, and the school itself for a school scope), so nothing outside the scope is read.

use crate::sql::{text_range, Arg, Dialect, SqlRow, Where};
use crate::{cursor, Entity, Page, Scope, StoreError};
use serde::{Deserialize, Serialize};

/// One school's conditions in one school year, with the school's name and county.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolConditions {
    pub school_code: String,
    pub school_name: String,
    /// The school's county (GB/T 2260, 6 digits).
    pub region_code: String,
    pub school_year: String,
    /// Every field of the conditions template (`standard::CONDITIONS`), in template order, as
    /// ingest normalised it ('' for empty).
    pub values: Vec<String>,
}

impl SchoolConditions {
    /// A field by its template key; '' for an unknown key.
    pub fn get(&self, key: &str) -> &str {
        Entity::Conditions.template().index(key).and_then(|i| self.values.get(i)).map_or("", String::as_str)
    }

    /// A numeric field (areas in m², the equipment value in yuan, counts); None when empty.
    pub fn number(&self, key: &str) -> Option<f64> {
        let v = self.get(key);
        (!v.is_empty()).then(|| v.parse().ok()).flatten()
    }

    /// A yes/no field (`county_public`, `teaching_point`): true for 1.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key) == "1"
    }

    /// What the 优质均衡 indicators take from this row (`insight::balance::Conditions` and the
    /// school's flags): sports space is the ground plus the hall (an empty hall is none).
    pub fn balance_inputs(&self) -> BalanceInputs {
        BalanceInputs {
            school_code: self.school_code.clone(),
            county: self.region_code.parse().unwrap_or(0),
            county_public: self.flag("county_public"),
            teaching_point: self.flag("teaching_point"),
            teaching_area: self.number("teaching_area").unwrap_or(0.0),
            sports_area: self.number("sports_ground_area").unwrap_or(0.0) + self.number("sports_hall_area").unwrap_or(0.0),
            equipment_yuan: self.number("equipment_value").unwrap_or(0.0),
            multimedia_rooms: self.number("multimedia_rooms").map_or(0, |n| n as u64),
        }
    }
}

/// One school's 办学条件 as the 优质均衡 indicators need them (the fields of
/// `insight::balance::Conditions`, with the school's county and flags): store knows nothing of
/// `insight`, so the dashboard copies these across one to one.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceInputs {
    pub school_code: String,
    /// GB/T 2260 county code.
    pub county: u32,
    pub county_public: bool,
    pub teaching_point: bool,
    /// 教学及辅助用房面积, m².
    pub teaching_area: f64,
    /// 体育运动场地面积 + 体育馆面积, m².
    pub sports_area: f64,
    /// 教学仪器设备值, yuan.
    pub equipment_yuan: f64,
    /// 网络多媒体教室数.
    pub multimedia_rooms: u64,
}

/// A backend's primitives under [`Conditions`].
pub trait ConditionsSql {
    fn conditions_dialect(&self) -> Dialect;
    /// Runs a query on the base data, each row to `each`.
    fn conditions_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
}

/// The conditions the dashboard and the school's page read, always cut to a [`Scope`].
pub trait Conditions {
    /// The conditions of the schools in scope for `year` (`2024-2025`), by 学校标识码, up to
    /// `limit` rows after the cursor `after` (a page's `next`).
    fn conditions_of_year(&mut self, scope: &Scope, year: &str, after: Option<&str>, limit: usize) -> Result<Page<SchoolConditions>, StoreError>;
    /// Every row of [`conditions_of_year`](Self::conditions_of_year), page after page, each
    /// given to `f`, which returns false to stop.
    fn each_conditions_of_year(&mut self, scope: &Scope, year: &str, f: &mut dyn FnMut(SchoolConditions) -> bool) -> Result<(), StoreError> {
        crate::browse::each_page(|after| self.conditions_of_year(scope, year, after.as_deref(), crate::browse::MAX_PAGE), f)
    }
    /// One school's conditions, newest school year first; empty when the school has none or
    /// lies outside the scope (the same answer).
    fn conditions_history(&mut self, scope: &Scope, school: &str) -> Result<Vec<SchoolConditions>, StoreError>;
    /// The school years with conditions in scope, newest first.
    fn conditions_years(&mut self, scope: &Scope) -> Result<Vec<String>, StoreError>;
    /// The kept figures ([`KeptBalance`]) of the counties inside `scope` for the 办学条件 year
    /// `year`, by county; a school's scope reads none. Empty where none were kept yet (a
    /// PostgreSQL store upgraded before its next import or refresh): the reader then computes.
    fn kept_balances(&mut self, scope: &Scope, year: &str) -> Result<Vec<KeptBalance>, StoreError>;
    /// Per school of the scope with conditions in `year`, by 学校标识码, what the 优质均衡
    /// indicators take from them ([`SchoolConditions::balance_inputs`]).
    fn balance_inputs(&mut self, scope: &Scope, year: &str) -> Result<Vec<BalanceInputs>, StoreError> {
        let mut out = Vec::new();
        self.each_conditions_of_year(scope, year, &mut |c| {
            out.push(c.balance_inputs());
            true
        })?;
        Ok(out)
    }
}

/// The scope as conditions over `c` (conditions) and `sc` (its school); None when it sees nothing.
fn scoped(dialect: Dialect, scope: &Scope) -> Option<Where> {
    let (lo, hi) = scope.county_range()?;
    let mut w = Where::new(dialect);
    let (a, b) = text_range(lo, hi);
    let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
    w.cond(c);
    if let Some(code) = scope.school() {
        let c = format!("c.school_code = {}", w.arg(code));
        w.cond(c);
    }
    Some(w)
}

fn select() -> String {
    let cols: Vec<String> = Entity::Conditions.template().fields.iter().map(|f| format!("c.{}", f.key)).collect();
    format!("SELECT c.school_code, sc.name, sc.region_code, c.school_year, {} FROM conditions c JOIN schools sc ON sc.school_code = c.school_code", cols.join(", "))
}

fn decode(r: &dyn SqlRow) -> Result<SchoolConditions, StoreError> {
    let n = Entity::Conditions.template().fields.len();
    Ok(SchoolConditions {
        school_code: r.string(0)?,
        school_name: r.string(1)?,
        region_code: r.string(2)?,
        school_year: r.string(3)?,
        values: (0..n).map(|i| r.string(4 + i)).collect::<Result<_, _>>()?,
    })
}

impl<T: ConditionsSql + ?Sized> Conditions for T {
    fn conditions_of_year(&mut self, scope: &Scope, year: &str, after: Option<&str>, limit: usize) -> Result<Page<SchoolConditions>, StoreError> {
        let Some(mut w) = scoped(self.conditions_dialect(), scope) else { return Ok(crate::sql::empty()) };
        let c = format!("c.school_year = {}", w.arg(year));
        w.cond(c);
        if let Some(a) = after {
            let c = format!("c.school_code > {}", w.arg(cursor::read_key(a, 's')?));
            w.cond(c);
        }
        let n = crate::sql::limit(limit);
        let sql = format!("{}{} ORDER BY c.school_code LIMIT {}", select(), w.where_(), n + 1);
        let mut rows = Vec::new();
        self.conditions_rows(&sql, w.args, &mut |r| {
            rows.push(decode(r)?);
            Ok(())
        })?;
        Ok(crate::sql::page(rows, n, |r| cursor::key('s', &r.school_code)))
    }

    fn conditions_history(&mut self, scope: &Scope, school: &str) -> Result<Vec<SchoolConditions>, StoreError> {
        let Some(mut w) = scoped(self.conditions_dialect(), scope) else { return Ok(Vec::new()) };
        let c = format!("c.school_code = {}", w.arg(school));
        w.cond(c);
        let sql = format!("{}{} ORDER BY c.school_year DESC", select(), w.where_());
        let mut rows = Vec::new();
        self.conditions_rows(&sql, w.args, &mut |r| {
            rows.push(decode(r)?);
            Ok(())
        })?;
        Ok(rows)
    }

    fn conditions_years(&mut self, scope: &Scope) -> Result<Vec<String>, StoreError> {
        let Some(w) = scoped(self.conditions_dialect(), scope) else { return Ok(Vec::new()) };
        let sql = format!("SELECT DISTINCT c.school_year FROM conditions c JOIN schools sc ON sc.school_code = c.school_code{} ORDER BY c.school_year DESC", w.where_());
        let mut years = Vec::new();
        self.conditions_rows(&sql, w.args, &mut |r| {
            years.push(r.string(0)?);
            Ok(())
        })?;
        Ok(years)
    }

    fn kept_balances(&mut self, scope: &Scope, year: &str) -> Result<Vec<KeptBalance>, StoreError> {
        let Some((lo, hi)) = scope.county_range().filter(|_| scope.school().is_none()) else { return Ok(Vec::new()) };
        let sql = self
            .conditions_dialect()
            .render("SELECT county_code, migrant_public, balance FROM county_balance WHERE cond_year = ?1 AND county_code BETWEEN ?2 AND ?3 ORDER BY county_code")
            .into_owned();
        let mut out = Vec::new();
        self.conditions_rows(&sql, vec![Arg::Text(year.into()), Arg::I64(lo as i64), Arg::I64(hi as i64)], &mut |r| {
            out.push(kept_decode(year, r)?);
            Ok(())
        })?;
        Ok(out)
    }
}

/// One school as the 优质均衡 screen and the migrant share read it: its facts (enrolment by
/// section, teachers, migrant children) joined to its 办学条件 of one school year.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceSchool {
    pub name: String,
    /// 办学类型.
    pub school_type: String,
    /// Whether it has a 办学条件 row for the year (without one: not county-run public, its
    /// four conditions indicators absent, its pass unknown).
    pub has_conditions: bool,
    /// Migrant children (随迁子女) in compulsory grades.
    pub migrant: u64,
    /// What `insight::balance` judges; `teaching_point` is the row's flag or 办学类型 218.
    pub resources: insight::balance::SchoolResources,
}

impl BalanceSchool {
    /// Migrant children counted in county-run public schools (none without a 办学条件 row).
    pub fn migrant_public(&self) -> u64 {
        if self.resources.county_public { self.migrant } else { 0 }
    }
}

/// Every school of the scope with facts, by county then 学校标识码, joined to its 办学条件 of
/// `year` (two scoped reads: the facts and [`Conditions::balance_inputs`]; a school's conditions
/// outside the scope are never read).
pub fn balance_schools<S: crate::facts::Facts + Conditions + ?Sized>(s: &mut S, scope: &Scope, year: &str) -> Result<Vec<BalanceSchool>, StoreError> {
    let facts = s.school_facts(scope)?;
    let inputs = s.balance_inputs(scope, year)?;
    Ok(join_balance(facts, inputs))
}

/// Each school of `facts` joined to its row of `inputs` (one school year's), in the facts' order.
pub fn join_balance(facts: Vec<crate::facts::SchoolFacts>, inputs: Vec<BalanceInputs>) -> Vec<BalanceSchool> {
    let mut inputs: std::collections::HashMap<String, BalanceInputs> = inputs.into_iter().map(|i| (i.school_code.clone(), i)).collect();
    facts
        .into_iter()
        .map(|f| {
            let c = inputs.remove(&f.school);
            let resources = insight::balance::SchoolResources {
                school: f.school.clone(),
                county: f.county,
                county_public: c.as_ref().is_some_and(|c| c.county_public),
                teaching_point: insight::balance::is_teaching_point(&f.school_type, c.as_ref().is_some_and(|c| c.teaching_point)),
                students: f.sections(),
                teachers_college_up: f.college_up,
                teachers_bachelor_up: f.bachelor_up,
                backbone: f.backbone,
                pe_arts: f.pe_arts,
                conditions: c.as_ref().map(|c| insight::balance::Conditions { teaching_area: c.teaching_area, sports_area: c.sports_area, equipment_yuan: c.equipment_yuan, multimedia_rooms: c.multimedia_rooms }),
            };
            BalanceSchool { has_conditions: c.is_some(), name: f.name, school_type: f.school_type, migrant: f.migrant, resources }
        })
        .collect()
}

// ------------------------------------------------------------ kept per county (issue 15)

/// The two stages 教督〔2017〕6号 evaluates, in the screens' column order.
pub const BALANCE_STAGES: [insight::Stage; 2] = [insight::Stage::Primary, insight::Stage::Junior];

/// One county's 优质均衡 figures and its migrant children in county-run public schools for one
/// 办学条件 school year (`county_balance`): kept with the county aggregates (every import — a
/// 办学条件 import touches its schools —, `tianfu insight refresh`) for every school year with
/// 办学条件, so that the province and city screens read one row per county, not every school.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptBalance {
    /// The 办学条件 school year (`2024-2025`).
    pub year: String,
    pub county: u32,
    /// Σ [`BalanceSchool::migrant_public`] over the county's schools.
    pub migrant_public: u64,
    /// Per stage of [`BALANCE_STAGES`]: the county's balance, None without a school of the stage.
    pub stages: [Option<insight::balance::CountyBalance>; 2],
    /// Per stage, each indicator's unweighted CV over the schools in the CV (comparison only).
    pub unweighted: [[Option<f64>; 7]; 2],
}

/// The figures of `county` over its schools as [`balance_schools`] joins them for `year` (other
/// counties' schools are skipped). The screens compute a county's view with this too, so what is
/// kept is what they would compute.
pub fn balance_of_county(year: &str, county: u32, schools: &[BalanceSchool]) -> KeptBalance {
    use insight::balance::{county_balance, unweighted_cv};
    let mine: Vec<&BalanceSchool> = schools.iter().filter(|b| b.resources.county == county).collect();
    let resources: Vec<insight::balance::SchoolResources> = mine.iter().map(|b| b.resources.clone()).collect();
    let mut k = KeptBalance { year: year.to_string(), county, migrant_public: mine.iter().map(|b| b.migrant_public()).sum(), stages: [None, None], unweighted: [[None; 7]; 2] };
    for (i, &st) in BALANCE_STAGES.iter().enumerate() {
        k.stages[i] = county_balance(&resources, st).remove(&county);
        let values: Vec<[Option<f64>; 7]> = resources.iter().filter(|r| r.in_county_cv(st)).map(|r| r.values(st)).collect();
        for m in 0..7 {
            let xs: Vec<f64> = values.iter().filter_map(|v| v[m]).collect();
            k.unweighted[i][m] = unweighted_cv(&xs);
        }
    }
    k
}

/// The kept figures of every county of `facts` (sorted by county, as the facts reads are) for
/// each of `years`, from the counties' 办学条件 rows of every year (`conditions`, any order).
pub fn kept_for_counties(years: &[String], facts: &[crate::facts::SchoolFacts], conditions: &[SchoolConditions]) -> Vec<KeptBalance> {
    let mut by_county: std::collections::HashMap<u32, Vec<&SchoolConditions>> = Default::default();
    for c in conditions {
        by_county.entry(c.region_code.parse().unwrap_or(0)).or_default().push(c);
    }
    let mut out = Vec::new();
    for chunk in facts.chunk_by(|a, b| a.county == b.county) {
        let county = chunk[0].county;
        let mine = by_county.get(&county).map_or(&[][..], Vec::as_slice);
        for y in years {
            let inputs = mine.iter().filter(|c| &c.school_year == y).map(|c| c.balance_inputs()).collect();
            out.push(balance_of_county(y, county, &join_balance(chunk.to_vec(), inputs)));
        }
    }
    out
}

/// The kept row's `balance` column: JSON with every float as its bits, so it reads back exactly.
#[derive(Serialize, Deserialize)]
struct StageJson {
    schools: usize,
    passing: usize,
    failing: usize,
    unknown: usize,
    /// Per indicator: (mean, sd, cv) as f64 bits and the schools.
    dispersion: Vec<Option<(u64, u64, Option<u64>, usize)>>,
    cv_met: Vec<Option<bool>>,
}

#[derive(Serialize, Deserialize)]
struct BalanceJson {
    stages: Vec<Option<StageJson>>,
    unweighted: Vec<Vec<Option<u64>>>,
}

/// `INSERT INTO county_balance` in a dialect, with [`kept_args`].
pub fn kept_insert_sql(d: Dialect) -> String {
    d.render("INSERT INTO county_balance (cond_year, county_code, migrant_public, balance) VALUES (?1, ?2, ?3, ?4)").into_owned()
}

pub fn kept_args(k: &KeptBalance) -> Vec<Arg> {
    let j = BalanceJson {
        stages: k
            .stages
            .iter()
            .map(|s| {
                s.as_ref().map(|b| StageJson {
                    schools: b.schools,
                    passing: b.passing,
                    failing: b.failing,
                    unknown: b.unknown,
                    dispersion: b.dispersion.iter().map(|d| d.map(|d| (d.mean.to_bits(), d.sd.to_bits(), d.cv.map(f64::to_bits), d.schools))).collect(),
                    cv_met: b.cv_met.to_vec(),
                })
            })
            .collect(),
        unweighted: k.unweighted.iter().map(|u| u.iter().map(|x| x.map(f64::to_bits)).collect()).collect(),
    };
    vec![Arg::Text(k.year.clone()), Arg::I64(k.county as i64), Arg::I64(k.migrant_public as i64), Arg::Text(serde_json::to_string(&j).unwrap_or_default())]
}

fn kept_decode(year: &str, r: &dyn SqlRow) -> Result<KeptBalance, StoreError> {
    let county = r.i64(0)? as u32;
    let j: BalanceJson = serde_json::from_str(&r.string(2)?).map_err(|e| StoreError::Internal(format!("county_balance {county}: {e}")))?;
    let mut k = KeptBalance { year: year.to_string(), county, migrant_public: r.i64(1)?.max(0) as u64, stages: [None, None], unweighted: [[None; 7]; 2] };
    for (i, s) in j.stages.into_iter().take(2).enumerate() {
        k.stages[i] = s.map(|s| {
            let mut b = insight::balance::CountyBalance {
                county,
                stage: BALANCE_STAGES[i],
                schools: s.schools,
                dispersion: [None; 7],
                cv_met: [None; 7],
                passing: s.passing,
                failing: s.failing,
                unknown: s.unknown,
            };
            for (m, d) in s.dispersion.into_iter().take(7).enumerate() {
                b.dispersion[m] = d.map(|(mean, sd, cv, n)| insight::balance::Dispersion { mean: f64::from_bits(mean), sd: f64::from_bits(sd), cv: cv.map(f64::from_bits), schools: n });
            }
            for (m, x) in s.cv_met.into_iter().take(7).enumerate() {
                b.cv_met[m] = x;
            }
            b
        });
    }
    for (i, u) in j.unweighted.into_iter().take(2).enumerate() {
        for (m, x) in u.into_iter().take(7).enumerate() {
            k.unweighted[i][m] = x.map(f64::from_bits);
        }
    }
    Ok(k)
}

/// The 办学条件 rows of the schools of one county (`?1`, its code as text), every year.
pub fn county_conditions_sql(d: Dialect) -> String {
    d.render(&format!("{} WHERE sc.region_code = ?1 ORDER BY c.school_code, c.school_year", select())).into_owned()
}

/// Decodes a row of [`county_conditions_sql`].
pub fn conditions_decode(r: &dyn SqlRow) -> Result<SchoolConditions, StoreError> {
    decode(r)
}
