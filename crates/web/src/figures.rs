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
}

fn ratio(students: u64, teachers: u64) -> String {
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
    let key = format!("{scope:?}");
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
            Ok((level, rows, grades))
        })
        .await?;
    let (level, rows, grades) = f;
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
    let f = Arc::new(Figures { schools, teachers, students, ratio: ratio(students, teachers), level, regions, grades });
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
