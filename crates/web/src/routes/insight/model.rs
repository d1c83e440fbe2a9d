//! What the indicator screens show, computed once for the page, the JSON API and the XLSX export:
//! the facts of the schools in a (narrowed) scope, grouped one level down (the province's cities,
//! a city's counties, a county's schools), each screen's columns as data, red/amber/green from
//! the thresholds of `insight::INDICATORS`.

use crate::figures::name_of;
use insight::Stage;
use store::facts::{self, BirthBucket, SchoolFacts, TeacherAges};
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
    pub schools: Vec<SchoolFacts>,
    pub ages: TeacherAges,
    /// Students per teacher by stage (computed once: the screens show and judge them).
    pub ratios: [Option<f64>; 3],
    /// Migrant children (compulsory grades) in county-run public schools: those of schools whose
    /// newest 办学条件 row in the area says 县域内公办 (a school without a row counts as not
    /// public). Read for the students screen only (0 elsewhere).
    pub migrant_public: u64,
}

fn ratios(schools: &[SchoolFacts]) -> [Option<f64>; 3] {
    let staffing: Vec<_> = schools.iter().map(|f| f.staffing()).collect();
    let by = insight::staffing::by_stage(&staffing);
    [by[0].ratio(), by[1].ratio(), by[2].ratio()]
}

pub struct View {
    pub level: Level,
    pub groups: Vec<Group>,
    /// Every school of the view, summed.
    pub total: Group,
}

/// Reads and groups the facts of `scope` (today: the day the teachers' ages are taken on).
pub fn load(s: &mut dyn Backend, scope: &Scope, screen: &str, today: standard::Date) -> Result<View, StoreError> {
    let level = level_of(scope);
    let rows = s.school_facts(scope)?;
    let births = s.teacher_births(scope, matches!(level, Level::County | Level::School))?;
    let public: std::collections::HashSet<String> = if screen == "students" {
        match s.conditions_years(scope)?.into_iter().next() {
            Some(year) => s.balance_inputs(scope, &year)?.into_iter().filter(|i| i.county_public).map(|i| i.school_code).collect(),
            None => Default::default(),
        }
    } else {
        Default::default()
    };
    let migrant_public = |schools: &[SchoolFacts]| schools.iter().filter(|f| public.contains(&f.school)).map(|f| f.migrant).sum::<u64>();
    let key_school = |f: &SchoolFacts| match level {
        Level::Province => store::sql::city_of(f.county).to_string(),
        Level::City => f.county.to_string(),
        _ => f.school.clone(),
    };
    let key_birth = |b: &BirthBucket| match level {
        Level::Province => store::sql::city_of(b.county).to_string(),
        Level::City => b.county.to_string(),
        _ => b.school.clone(),
    };
    let mut order: Vec<String> = Vec::new();
    let mut by: std::collections::HashMap<String, (Vec<SchoolFacts>, Vec<BirthBucket>)> = Default::default();
    for f in &rows {
        let k = key_school(f);
        if !by.contains_key(&k) {
            order.push(k.clone());
        }
        by.entry(k).or_default().0.push(f.clone());
    }
    for b in &births {
        if let Some(e) = by.get_mut(&key_birth(b)) {
            e.1.push(b.clone());
        }
    }
    let groups = order
        .into_iter()
        .map(|k| {
            let (schools, births) = by.remove(&k).unwrap_or_default();
            let (name, href) = match level {
                Level::Province | Level::City => {
                    let code: u32 = k.parse().unwrap_or(0);
                    (name_of(code), format!("/insight/{screen}?region={code}"))
                }
                _ => (schools.first().map(|f| f.name.clone()).unwrap_or_default(), format!("/schools/{k}")),
            };
            Group { facts: facts::sum(&schools), ages: facts::teacher_ages(&births, today), ratios: ratios(&schools), migrant_public: migrant_public(&schools), code: k, name, href, schools }
        })
        .collect();
    let total = Group {
        code: String::new(),
        name: String::new(),
        href: String::new(),
        facts: facts::sum(&rows),
        ages: facts::teacher_ages(&births, today),
        ratios: ratios(&rows),
        migrant_public: migrant_public(&rows),
        schools: rows,
    };
    Ok(View { level, groups, total })
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
