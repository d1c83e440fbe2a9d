//! What the indicator screens show, computed once for the page, the JSON API and the XLSX export:
//! the facts of the schools in a (narrowed) scope, grouped one level down (the province's cities,
//! a city's counties, a county's schools), each screen's columns as data, red/amber/green from
//! the thresholds of `insight::INDICATORS`.

use crate::figures::name_of;
use insight::Stage;
use store::facts::{self, BirthBucket, CountyFacts, SchoolFacts, TeacherAges};
use store::{Backend, Scope, StoreError};

/// The division a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Province,
    City,
    County,
    School,
}

pub fn level_of(scope: &Scope) -> Level {
    match scope {
        Scope::Region { lo, hi } if hi - lo >= 9_999 => Level::Province,
        Scope::Region { lo, hi } if hi > lo => Level::City,
        Scope::Region { .. } => Level::County,
        _ => Level::School,
    }
}

/// One row of a screen: a city, a county or a school, with its schools' facts summed.
pub struct Group {
    /// A division code or a school code.
    pub code: String,
    pub name: String,
    /// Where the row drills down to (a region view of the same screen, or the school's page).
    pub href: String,
    pub facts: SchoolFacts,
    /// Schools in the row, and those over the size limit.
    pub schools: u64,
    pub oversized: u64,
    pub ages: TeacherAges,
    /// Whether teachers' birth buckets were kept for the row (last year's may not be).
    pub ages_kept: bool,
    /// Students per teacher by stage (computed once: the screens show and judge them).
    pub ratios: [Option<f64>; 3],
    /// The same row in the previous school year, where its county aggregates are kept.
    pub prev: Option<Box<Group>>,
    /// Migrant children (compulsory grades) in county-run public schools: those of schools whose
    /// newest 办学条件 row in the area says 县域内公办 (a school without a row counts as not
    /// public). Read for the students screen only; None where not read (other screens, last year).
    pub migrant_public: Option<u64>,
}

impl Group {
    fn new(code: String, name: String, href: String) -> Group {
        Group { code, name, href, facts: SchoolFacts::default(), schools: 0, oversized: 0, ages: TeacherAges::default(), ages_kept: false, ratios: [None; 3], prev: None, migrant_public: None }
    }

    /// From school facts (a county's schools, one school).
    fn of_schools(mut self, rows: &[SchoolFacts], births: &[BirthBucket], today: standard::Date) -> Group {
        let staffing: Vec<_> = rows.iter().map(|f| f.staffing()).collect();
        let by = insight::staffing::by_stage(&staffing);
        self.ratios = [by[0].ratio(), by[1].ratio(), by[2].ratio()];
        self.facts = facts::sum(rows);
        self.schools = rows.len() as u64;
        self.oversized = rows.iter().filter(|f| f.oversized() == Some(true)).count() as u64;
        self.ages = facts::teacher_ages(births, today);
        self.ages_kept = true;
        self
    }

    /// From county aggregates (a city's counties, the province's).
    fn of_counties(mut self, rows: &[&CountyFacts], births: &[BirthBucket], today: standard::Date) -> Group {
        let t = facts::sum_counties(rows.iter().copied());
        let by = t.stage_figures();
        self.ratios = [by[0].ratio(), by[1].ratio(), by[2].ratio()];
        self.facts = t.facts;
        self.schools = t.schools;
        self.oversized = t.oversized;
        self.ages_kept = !births.is_empty() || self.facts.teachers == 0;
        self.ages = facts::teacher_ages(births, today);
        self
    }
}

pub struct View {
    pub level: Level,
    pub groups: Vec<Group>,
    /// Every school of the view, summed.
    pub total: Group,
    /// The school year shown, and the previous one where its aggregates are kept.
    pub school_year: u16,
    pub prev_year: Option<u16>,
    /// A county's or a school's view: its schools over the size limit.
    pub oversized_schools: Vec<SchoolFacts>,
}

/// The same day a year earlier (29 February: the 28th).
fn a_year_before(d: standard::Date) -> standard::Date {
    let y = d.year as u32 - 1;
    standard::Date::new(y, d.month as u32, (d.day as u32).min(standard::date::days_in_month(y, d.month as u32))).unwrap_or(d)
}

/// Reads and groups the facts of `scope` (today: the day the teachers' ages are taken on). The
/// province and a city read the county aggregates kept at import; a county (or a school) reads
/// its schools' facts. Last school year's figures come from its county aggregates, where kept.
pub fn load(s: &mut dyn Backend, scope: &Scope, screen: &str, today: standard::Date) -> Result<View, StoreError> {
    let level = level_of(scope);
    let counties = s.county_facts(scope)?;
    let school_year = counties.iter().map(|c| c.school_year).max().unwrap_or_else(|| facts::school_year_of(today));
    let prev: Vec<&CountyFacts> = counties.iter().filter(|c| c.school_year + 1 == school_year).collect();
    let prev_year = (!prev.is_empty()).then(|| school_year - 1);
    let prev_births = match prev_year {
        Some(y) => s.county_births(scope, y)?,
        None => Vec::new(),
    };
    let last_year = a_year_before(today);
    let region_key = |county: u32| match level {
        Level::Province => store::sql::city_of(county),
        _ => county,
    };
    // A region's previous-year row from the kept counties whose key is `key` (all when None).
    let prev_of = |key: Option<u32>| -> Option<Box<Group>> {
        let rows: Vec<&CountyFacts> = prev.iter().copied().filter(|c| key.is_none_or(|k| region_key(c.county) == k)).collect();
        if rows.is_empty() {
            return None;
        }
        let births: Vec<BirthBucket> = prev_births.iter().filter(|b| key.is_none_or(|k| region_key(b.county) == k)).cloned().collect();
        Some(Box::new(Group::new(String::new(), String::new(), String::new()).of_counties(&rows, &births, last_year)))
    };
    // Migrant children in county-run public schools (the students screen only), by county and
    // by school, from the schools' facts and the newest 办学条件 year's public flags. Above a
    // county the counts kept per county at import are read (`county_balance`); where none are
    // kept yet (a PostgreSQL store upgraded before its next import), every school is read.
    let mut mp_county: std::collections::HashMap<u32, u64> = Default::default();
    let mut mp_school: std::collections::HashMap<String, u64> = Default::default();
    let students_screen = screen == "students";
    if students_screen {
        if let Some(year) = s.conditions_years(scope)?.into_iter().next() {
            let kept = match level {
                Level::Province | Level::City => s.kept_balances(scope, &year)?,
                _ => Vec::new(),
            };
            if !kept.is_empty() {
                mp_county.extend(kept.iter().filter(|k| k.migrant_public > 0).map(|k| (k.county, k.migrant_public)));
            } else {
                let public: std::collections::HashSet<String> = s.balance_inputs(scope, &year)?.into_iter().filter(|i| i.county_public).map(|i| i.school_code).collect();
                if !public.is_empty() {
                    for f in s.school_facts(scope)? {
                        if public.contains(&f.school) {
                            *mp_county.entry(f.county).or_default() += f.migrant;
                            *mp_school.entry(f.school.clone()).or_default() += f.migrant;
                        }
                    }
                }
            }
        }
    }
    let mp_region = |key: Option<u32>| -> Option<u64> { students_screen.then(|| mp_county.iter().filter(|(c, _)| key.is_none_or(|k| region_key(**c) == k)).map(|(_, n)| n).sum()) };
    let mp_schools = |codes: &mut dyn Iterator<Item = &str>| -> Option<u64> { students_screen.then(|| codes.map(|c| mp_school.get(c).copied().unwrap_or(0)).sum()) };
    let mut oversized_schools = Vec::new();
    let (groups, total) = match level {
        Level::Province | Level::City => {
            let now: Vec<&CountyFacts> = counties.iter().filter(|c| c.school_year == school_year).collect();
            let births = s.county_births(scope, school_year)?;
            let mut keys: Vec<u32> = now.iter().map(|c| region_key(c.county)).collect();
            keys.dedup();
            let groups = keys
                .into_iter()
                .map(|k| {
                    let rows: Vec<&CountyFacts> = now.iter().copied().filter(|c| region_key(c.county) == k).collect();
                    let b: Vec<BirthBucket> = births.iter().filter(|x| region_key(x.county) == k).cloned().collect();
                    let mut g = Group::new(k.to_string(), name_of(k), format!("/insight/{screen}?region={k}")).of_counties(&rows, &b, today);
                    g.prev = prev_of(Some(k));
                    g.migrant_public = mp_region(Some(k));
                    g
                })
                .collect();
            let mut total = Group::new(String::new(), String::new(), String::new()).of_counties(&now, &births, today);
            total.prev = prev_of(None);
            total.migrant_public = mp_region(None);
            (groups, total)
        }
        Level::County | Level::School => {
            let rows = s.school_facts(scope)?;
            let births = s.teacher_births(scope, true)?;
            // Each school's buckets, found once (a county has hundreds of schools and tens of
            // thousands of buckets).
            let mut by_school: std::collections::HashMap<&str, Vec<BirthBucket>> = Default::default();
            for x in &births {
                by_school.entry(x.school.as_str()).or_default().push(x.clone());
            }
            let groups = rows
                .iter()
                .map(|f| {
                    let b = by_school.get(f.school.as_str()).map_or(&[][..], Vec::as_slice);
                    let mut g = Group::new(f.school.clone(), f.name.clone(), format!("/schools/{}", f.school)).of_schools(std::slice::from_ref(f), b, today);
                    g.migrant_public = mp_schools(&mut std::iter::once(f.school.as_str()));
                    g
                })
                .collect();
            let mut total = Group::new(String::new(), String::new(), String::new()).of_schools(&rows, &births, today);
            total.migrant_public = mp_schools(&mut rows.iter().map(|f| f.school.as_str()));
            if level == Level::County {
                total.prev = prev_of(None);
            }
            oversized_schools = rows.into_iter().filter(|f| f.oversized() == Some(true)).collect();
            (groups, total)
        }
    };
    Ok(View { level, groups, total, school_year, prev_year, oversized_schools })
}

/// Red, amber or green against a threshold; None when the figure cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rag {
    Green,
    Amber,
    Red,
    None,
}

impl Rag {
    pub fn class(self) -> &'static str {
        match self {
            Rag::Green => "rag-green",
            Rag::Amber => "rag-amber",
            Rag::Red => "rag-red",
            Rag::None => "",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Rag::Green => "达标",
            Rag::Amber => "接近",
            Rag::Red => "未达标",
            Rag::None => "",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Rag::Green => "met",
            Rag::Amber => "close",
            Rag::Red => "not met",
            Rag::None => "",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Rag::Green => "green",
            Rag::Amber => "amber",
            Rag::Red => "red",
            Rag::None => "",
        }
    }
}

/// Amber is within 85 % of a threshold (教督〔2017〕6号's margin for the one unmet indicator).
const AMBER: f64 = insight::balance::REST_AT_LEAST;

/// `v ≥ t`: green; `v ≥ 85 % of t`: amber; else red.
pub fn at_least(v: Option<f64>, t: f64) -> Rag {
    match v {
        None => Rag::None,
        Some(v) if insight::indicators::Cmp::AtLeast.met(v, t) => Rag::Green,
        Some(v) if v >= AMBER * t => Rag::Amber,
        _ => Rag::Red,
    }
}

/// `v ≤ t`: green; `v ≤ t ÷ 85 %`: amber; else red.
pub fn at_most(v: Option<f64>, t: f64) -> Rag {
    match v {
        None => Rag::None,
        Some(v) if insight::indicators::Cmp::AtMost.met(v, t) => Rag::Green,
        Some(v) if v <= t / AMBER => Rag::Amber,
        _ => Rag::Red,
    }
}

/// Class sizes: both shares must be 0 (国发〔2016〕40号): any 66+ class is red, 56–65 classes
/// only are amber.
pub fn classes_rag(f: &SchoolFacts) -> Rag {
    if f.classes == 0 {
        Rag::None
    } else if f.classes_very_large > 0 {
        Rag::Red
    } else if f.classes_large > 0 {
        Rag::Amber
    } else {
        Rag::Green
    }
}

/// The students per teacher of a stage over a group's schools (each school's teachers split
/// by section as `insight::staffing` does).
pub fn stage_ratio(g: &Group, s: Stage) -> Option<f64> {
    g.ratios[s as usize]
}

/// An indicator's definition, formula and thresholds as one hover text.
pub fn hover(key: &str) -> String {
    let Some(i) = insight::indicators::get(key) else { return String::new() };
    let mut s = format!("{}：{}\n公式：{}\n来源：{}", i.zh, i.definition, i.formula, i.source);
    for t in i.thresholds {
        s.push_str(&format!("\n标准（{}）：{} {}{}（{}）", t.applies_zh, t.cmp.symbol(), t.value, t.unit, t.document));
    }
    s
}
