//! The overview's figures (schools, teachers and students by region and grade) of a scope, kept
//! in memory for [`OVERVIEW_TTL`], and the recent import batches a user may see: what the overview
//! page, the API and the import pages read, below the routes.

use crate::error::AppError;
use crate::labels::grade_names;
use crate::pool::Pool;
use std::collections::HashMap;
use std::sync::Mutex;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{BatchSummary, OrgLevel, Scope};

/// Figures per scope, with when they were read (imports clear it).
pub type Cache = Mutex<HashMap<String, (Instant, Arc<Figures>)>>;

/// How long overview figures are served from memory.
pub const OVERVIEW_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionRow {
    pub code: u32,
    pub name: String,
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
    /// Students per teacher, one decimal ("" without teachers).
    pub ratio: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeRow {
    pub grade: u8,
    pub zh: String,
    pub en: String,
    pub students: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
    pub ratio: String,
    /// Cities (province scope), counties (city or county scope) or the school.
    #[schema(value_type = String)]
    pub level: OrgLevel,
    pub regions: Vec<RegionRow>,
    pub grades: Vec<GradeRow>,
    /// Each school with its classes ([`detailed`] only; empty otherwise).
    #[serde(skip)]
    pub school_list: Vec<store::SchoolFigures>,
    /// Distinct classes of the scope's schools ([`detailed`] only).
    #[serde(skip)]
    pub classes: Option<u64>,
}

impl Figures {
    /// Students per class, one decimal ("" without classes or before [`detailed`]).
    pub fn class_size(&self) -> String {
        class_size(self.students, self.classes)
    }
}

/// Students per class, one decimal ("" without classes, or before they are counted).
pub fn class_size(students: u64, classes: Option<u64>) -> String {
    match classes {
        Some(c) if c > 0 => format!("{:.1}", students as f64 / c as f64),
        _ => String::new(),
    }
}

pub fn ratio(students: u64, teachers: u64) -> String {
    if teachers == 0 {
        String::new()
    } else {
        format!("{:.1}", students as f64 / teachers as f64)
    }
}

pub fn name_of(code: u32) -> String {
    standard::codes::DIVISIONS.get(code).map(|d| d.name.to_string()).unwrap_or_else(|| code.to_string())
}

/// The figures of a scope, from the cache when fresh.
pub async fn figures(pool: &Arc<Pool>, cache: &Cache, scope: &Scope) -> Result<Arc<Figures>, AppError> {
    load(pool, cache, scope, false).await
}

/// The figures of a scope with each school and the classes (students / distinct classes): what
/// the view of a county compares, and the city and province it is compared with. A scan of the
/// enrolments, so asked only there; cached like [`figures`].
pub async fn detailed(pool: &Arc<Pool>, cache: &Cache, scope: &Scope) -> Result<Arc<Figures>, AppError> {
    load(pool, cache, scope, true).await
}

async fn load(pool: &Arc<Pool>, cache: &Cache, scope: &Scope, detail: bool) -> Result<Arc<Figures>, AppError> {
    let key = format!("{}{scope:?}", if detail { "detail " } else { "" });
    if let Some((at, f)) = cache.lock().expect("lock").get(&key) {
        if at.elapsed() < OVERVIEW_TTL {
            return Ok(f.clone());
        }
    }
    let sc = scope.clone();
    let f = pool
        .run(move |s| {
            let level = match &sc {
                Scope::Region { lo, hi } if hi - lo >= 9_999 => OrgLevel::City,
                Scope::School { .. } => OrgLevel::School,
                _ => OrgLevel::County,
            };
            let rows = s.region_figures(&sc, level)?;
            let grades = s.grade_counts(&sc)?;
            let list = if detail { s.school_figures(&sc)? } else { Vec::new() };
            Ok((level, rows, grades, list))
        })
        .await?;
    let (level, rows, grades, school_list) = f;
    let mut regions: Vec<RegionRow> = rows
        .iter()
        .map(|r| RegionRow { code: r.code, name: name_of(r.code), schools: r.schools, teachers: r.teachers, students: r.students, ratio: ratio(r.students, r.teachers) })
        .collect();
    if let (OrgLevel::School, Scope::School { code, .. }) = (level, scope) {
        for r in &mut regions {
            r.name = code.clone();
        }
    }
    let (schools, teachers, students) = regions.iter().fold((0, 0, 0), |a, r| (a.0 + r.schools, a.1 + r.teachers, a.2 + r.students));
    let grades = grades
        .into_iter()
        .map(|g| {
            let (zh, en) = grade_names(g.grade);
            GradeRow { grade: g.grade, zh, en, students: g.students }
        })
        .collect();
    let classes = detail.then(|| school_list.iter().map(|s| s.classes).sum());
    let f = Arc::new(Figures { schools, teachers, students, ratio: ratio(students, teachers), level, regions, grades, school_list, classes });
    cache.lock().expect("lock").insert(key, (Instant::now(), f.clone()));
    Ok(f)
}

/// Recent batches the user may see: all for the province administrator, else their own.
pub async fn recent_batches(pool: &Arc<Pool>, user: &store::User, n: usize) -> Result<Vec<BatchSummary>, AppError> {
    let all = user.role == store::Role::ProvinceAdmin;
    let name = user.name.clone();
    pool
        .run(move |s| {
            let list = s.list_batches(if all { n } else { 1000 })?;
            Ok(list.into_iter().filter(|b| all || b.user == name).take(n).collect())
        })
        .await
}

/// The classes of the divisions a county is compared with (its city, the province), by scope.
///
/// A class is a distinct non-empty `class_name` within a grade of a school: counting them is a
/// scan of the enrolments (`school_figures`), 2 M enrolments 3 s of CPU on SQLite here, so a
/// province of 15 M would hold a page for tens of seconds. Divisions up to `class_scan_max`
/// students are counted while the page waits ([`detailed`]); larger ones here, in the
/// background, once per data generation (an import clears the figures and starts a new one),
/// and the page shows "统计中" until the count is ready.
///
/// Why not an aggregate kept by the import, as `student_counts` is: it would cost every imported
/// or changed student an upsert into a (school, grade, class) table on both backends' batch paths
/// — the import is the path measured and tuned here: each B-tree written per enrolment shows in
/// it (the four list indexes of migration 0004 made an enrolment's insert about 3.5× dearer) —
/// for a figure read by county officers a few times per import, which one background scan per
/// import gives (1 M enrolments: 2.7–6.3 s on the shared machine; docs/benchmarks.md).
#[derive(Default)]
pub struct Classes {
    generation: std::sync::atomic::AtomicU64,
    counts: Mutex<HashMap<String, Option<u64>>>,
}

impl Classes {
    /// A new data generation: counts of the last one are dropped, counts under way are not kept.
    pub fn clear(&self) {
        let mut m = self.counts.lock().expect("lock");
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        m.clear();
    }

    /// The classes of `scope` when counted; else starts counting them (once) and answers None.
    pub fn get_or_start(self: &Arc<Self>, pool: &Arc<Pool>, scope: &Scope) -> Option<u64> {
        let key = format!("{scope:?}");
        let generation = {
            let mut m = self.counts.lock().expect("lock");
            if let Some(v) = m.get(&key) {
                return *v;
            }
            m.insert(key.clone(), None);
            self.generation.load(std::sync::atomic::Ordering::SeqCst)
        };
        let (me, pool, sc) = (self.clone(), pool.clone(), scope.clone());
        tokio::spawn(async move {
            let counted = pool.run(move |s| Ok(s.school_figures(&sc)?.iter().map(|f| f.classes).sum::<u64>())).await;
            let mut m = me.counts.lock().expect("lock");
            if me.generation.load(std::sync::atomic::Ordering::SeqCst) != generation {
                return;
            }
            match counted {
                Ok(n) => {
                    m.insert(key, Some(n));
                }
                Err(e) => {
                    // Counted again at the next view.
                    tracing::warn!(error = %e, "counting classes failed");
                    m.remove(&key);
                }
            }
        });
        None
    }
}

/// A headline figure: 万 from 100,000 on (1,234,567 → "123.5 万"; "1.23 million" in English),
/// separators below. Tables keep exact numbers.
pub fn headline(t: &crate::i18n::T, n: u64) -> String {
    if t.is_en() {
        if n >= 1_000_000 {
            return format!("{:.2} million", n as f64 / 1e6);
        }
    } else if n >= 100_000 {
        return format!("{:.1} 万", n as f64 / 1e4);
    }
    t.n(n)
}

/// Students of one 学段 with its grades, for subtotals.
#[derive(Debug, Clone)]
pub struct Stage {
    pub zh: &'static str,
    pub en: &'static str,
    pub students: u64,
    pub grades: Vec<GradeRow>,
}

/// The grades grouped by 学段 (grade codes 1x 小学, 2x 初中, 3x 高中; others 未填年级), in order.
pub fn stages(grades: &[GradeRow]) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    for g in grades {
        let (zh, en) = match g.grade / 10 {
            1 => ("小学", "Primary"),
            2 => ("初中", "Junior secondary"),
            3 => ("高中", "Senior secondary"),
            _ => ("未填年级", "No grade"),
        };
        match out.last_mut() {
            Some(s) if s.zh == zh => {
                s.students += g.students;
                s.grades.push(g.clone());
            }
            _ => out.push(Stage { zh, en, students: g.students, grades: vec![g.clone()] }),
        }
    }
    out
}

/// Students per teacher (staff) allowed by the national standard, by stage: 小学 19:1, 初中
/// 13.5:1, 高中 12.5:1 — 中央编办、教育部、财政部《关于统一城乡中小学教职工编制标准的通知》
/// (中央编办发〔2014〕72号), the county-town standard applied to town and country alike.
pub const RATIO_STANDARDS: [(&str, &str, f64); 3] = [("小学", "Primary", 19.0), ("初中", "Junior", 13.5), ("高中", "Senior", 12.5)];

/// The standard ratio of a school of one stage by its 办学类型 code (JY/T 1001: 211 小学,
/// 311 初级中学, 342 高级中学); None for schools of several stages (九年一贯制, 完全中学, …).
pub fn standard_of(school_type: &str) -> Option<f64> {
    match school_type {
        "211" => Some(RATIO_STANDARDS[0].2),
        "311" => Some(RATIO_STANDARDS[1].2),
        "342" => Some(RATIO_STANDARDS[2].2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, T};

    #[test]
    fn headline_figures_use_wan_from_ten_wan() {
        let zh = T { lang: Lang::Zh };
        assert_eq!(headline(&zh, 1_234_567), "123.5 万");
        assert_eq!(headline(&zh, 100_000), "10.0 万");
        assert_eq!(headline(&zh, 99_999), "99,999");
        assert_eq!(headline(&T { lang: Lang::En }, 1_234_567), "1.23 million");
        assert_eq!(headline(&T { lang: Lang::En }, 99_999), "99,999");
    }

    #[test]
    fn stages_add_up_their_grades() {
        let g = |grade, students| GradeRow { grade, zh: String::new(), en: String::new(), students };
        let s = stages(&[g(11, 5), g(16, 7), g(21, 3), g(33, 2)]);
        assert_eq!(s.iter().map(|s| (s.zh, s.students, s.grades.len())).collect::<Vec<_>>(), [("小学", 12, 2), ("初中", 3, 1), ("高中", 2, 1)]);
        assert_eq!((standard_of("211"), standard_of("341")), (Some(19.0), None));
    }
}
