//! 数据质量 (issue 14, governance): the providers' quality scores and the collection calendar.
//!
//! `/quality` ranks the providers the caller reads (the province: its counties; a county: itself
//! and its schools; a school: itself) by the overall score of the newest snapshot
//! (`store::quality`); `/quality/{county}` (with `?school=`) shows one provider: each dimension's
//! score with its raw counts, the trend over the kept snapshots and, for a county, its schools;
//! each count links to the records behind it (`/quality/{county}/records/{offence}`: keys and
//! names masked; age–grade anomalies and classes of 66+ open the people list of the school). The
//! province's administrator refreshes the snapshot (`POST /quality/refresh`, audited; the
//! daily timer and `tianfu quality refresh` do too). Rounds of the calendar: [`rounds`].

pub mod api;
pub mod export;
pub mod rounds;

pub use api::api_routes;

use super::{ip, ready, require, Me, Peer};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;
use store::quality::{Offence, ProviderQuality, Scores};
use store::{Role, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/quality", get(ranking))
        .route("/quality/refresh", post(refresh))
        .route("/quality/rounds", get(rounds::list).post(rounds::create))
        .route("/quality/rounds/{id}", get(rounds::page))
        .route("/quality/{county}", get(provider))
        .route("/quality/{county}/records/{offence}", get(records))
}

/// Who reads quality: the roles that read the base data (the drill-downs list people).
pub fn may_read(role: Role) -> bool {
    role.reads_base_data()
}

/// Who refreshes the snapshot and creates rounds: the province's administrator.
pub fn may_manage(me: &Identity) -> bool {
    me.user.role == Role::ProvinceAdmin && me.scope.is_province_wide()
}

/// The dimensions in score order (zh, en), then the overall score.
pub const DIMENSIONS: [(&str, &str); 6] = [("完整性", "Completeness"), ("有效性", "Validity"), ("及时性", "Timeliness"), ("一致性", "Consistency"), ("唯一性", "Uniqueness"), ("综合得分", "Overall")];

/// A score as shown, with its band (green from 90, amber from 75, red below).
pub fn band(v: f64) -> &'static str {
    if v >= 90.0 {
        "rag-green"
    } else if v >= 75.0 {
        "rag-amber"
    } else {
        "rag-red"
    }
}

pub struct RankRow {
    pub rank: usize,
    pub county: u32,
    pub school: String,
    pub name: String,
    pub href: String,
    pub scores: Vec<(String, &'static str)>,
    pub people: u64,
    pub last_update: String,
}

/// The providers a page ranks: the province and a city see county rows; a county sees its own
/// row then its schools; a school its own row. Ranked by the overall score, best first.
pub fn ranked(rows: &[ProviderQuality], scope: &Scope) -> Vec<(usize, ProviderQuality, Scores)> {
    let county_level = matches!(scope, Scope::Region { lo, hi } if lo == hi);
    let mut keep: Vec<(ProviderQuality, Scores)> = rows
        .iter()
        .filter(|r| match scope {
            Scope::School { .. } => true,
            _ if county_level => true,
            _ => r.is_county(),
        })
        .map(|r| (r.clone(), r.scores()))
        .collect();
    keep.sort_by(|a, b| (a.0.is_county() as u8).cmp(&(b.0.is_county() as u8)).reverse().then(b.1.overall.total_cmp(&a.1.overall)).then(a.0.school.cmp(&b.0.school)));
    keep.into_iter().enumerate().map(|(i, (r, s))| (i + 1, r, s)).collect()
}

pub fn href(r: &ProviderQuality) -> String {
    if r.is_county() {
        format!("/quality/{}", r.county)
    } else {
        format!("/quality/{}?school={}", r.county, r.school)
    }
}

fn score_cells(s: &Scores) -> Vec<(String, &'static str)> {
    (0..6).map(|i| (format!("{:.1}", s.get(i)), band(s.get(i)))).collect()
}

#[derive(Template)]
#[template(path = "quality.html")]
struct RankingPage {
    c: Ctx,
    day: String,
    rows: Vec<RankRow>,
    dims: &'static [(&'static str, &'static str); 6],
    manage: bool,
    notice: bool,
}

#[derive(Deserialize, Default)]
pub struct Said {
    #[serde(default)]
    refreshed: String,
}

async fn ranking(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(q): Query<Said>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_read(me.user.role))?;
    let scope = me.scope.clone();
    let rows = app.pool.run(move |s| Ok(s.quality(&scope)?)).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/quality", "quality");
    let day = rows.first().map(|r| r.day.clone()).unwrap_or_default();
    let rows = ranked(&rows, &me.scope)
        .into_iter()
        .map(|(rank, r, s)| RankRow {
            rank,
            county: r.county,
            href: href(&r),
            scores: score_cells(&s),
            people: r.counts.students + r.counts.teachers,
            last_update: r.counts.last_update.clone(),
            school: r.school,
            name: r.name,
        })
        .collect();
    html(RankingPage { c, day, rows, dims: &DIMENSIONS, manage: may_manage(&me), notice: q.refreshed == "1" })
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Which {
    /// A school's 学校标识码 inside the county; empty: the county itself.
    #[serde(default)]
    pub school: String,
}

/// One count of a dimension with where its records are listed ('' for none).
pub struct Count {
    pub zh: &'static str,
    pub en: &'static str,
    pub n: u64,
    pub href: String,
}

/// The trend chart's data (the bar charts' shape, as the indicator screens').
#[derive(serde::Serialize)]
struct Bars {
    labels: Vec<String>,
    values: Vec<f64>,
    unit: &'static str,
}

pub struct TrendRow {
    pub day: String,
    pub scores: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "quality_provider.html")]
struct ProviderPage {
    c: Ctx,
    name: String,
    county: u32,
    school: String,
    day: String,
    scores: Vec<(String, &'static str)>,
    dims: &'static [(&'static str, &'static str); 6],
    counts: Vec<Count>,
    rules: Vec<(String, u64)>,
    trend: Vec<TrendRow>,
    trend_json: String,
    schools: Vec<RankRow>,
}

/// The county in the path, or 404 when the caller reads neither it nor a school in it.
pub fn county_of(me: &Identity, county: &str) -> Result<u32, AppError> {
    let c: u32 = county.parse().map_err(|_| AppError::NotFound)?;
    let ok = me.scope.covers_county(c) || matches!(&me.scope, Scope::School { county, .. } if *county == c);
    if ok { Ok(c) } else { Err(AppError::NotFound) }
}

/// The provider's rows: its trend (the newest last) and, for a county, the newest rows of its
/// schools in scope. A school user at its county's address sees its own school (no county row).
pub async fn load(app: &Arc<AppState>, me: &Identity, county: u32, school: &str) -> Result<(Vec<ProviderQuality>, Vec<ProviderQuality>), AppError> {
    let scope = me.scope.clone();
    let school = match (&scope, school) {
        (Scope::School { code, .. }, "") => code.clone(),
        _ => school.to_string(),
    };
    app.pool
        .run(move |s| {
            let trend = match s.quality_trend(&scope, county, &school) {
                Ok(t) => t,
                Err(store::StoreError::OutOfScope) => return Err(AppError::NotFound),
                Err(e) => return Err(e.into()),
            };
            let schools = if school.is_empty() { s.quality(&scope)?.into_iter().filter(|r| r.county == county && !r.is_county()).collect() } else { Vec::new() };
            Ok((trend, schools))
        })
        .await
}

async fn provider(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(county): Path<String>, Query(w): Query<Which>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_read(me.user.role))?;
    let county = county_of(&me, &county)?;
    let (trend, schools) = load(&app, &me, county, w.school.trim()).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/quality", "quality");
    let last = trend.last().cloned().unwrap_or_default();
    let school = last.school.clone();
    let s = last.scores();
    let k = &last.counts;
    let rec = |o: Offence| {
        let q = if school.is_empty() { String::new() } else { format!("?school={school}") };
        format!("/quality/{county}/records/{}{q}", o.key())
    };
    let people = if school.is_empty() { format!("/students?region={county}") } else { format!("/students?school={school}&sort=grade") };
    let mut counts = vec![
        Count { zh: "学生", en: "Students", n: k.students, href: String::new() },
        Count { zh: "教师", en: "Teachers", n: k.teachers, href: String::new() },
        Count { zh: "应填项 / 已填项（年级、班级、性别、学历）", en: "Cells checked / filled (grade, class, gender, education)", n: k.cells, href: String::new() },
        Count { zh: "已填项", en: "Cells filled", n: k.filled, href: String::new() },
        Count { zh: "近一年被拒绝的行", en: "Rows rejected in the last year", n: k.rejected, href: rec(Offence::Rejected) },
    ];
    if school.is_empty() {
        counts.push(Count { zh: "未填写或学校不在名录中的学生", en: "Students naming no school on the register", n: k.missing_school, href: rec(Offence::MissingSchool) });
    }
    counts.extend([
        Count { zh: "年龄偏小（年龄与年级不符）", en: "Too young for the grade", n: k.too_young, href: people.clone() },
        Count { zh: "年龄偏大（年龄与年级不符）", en: "Too old for the grade", n: k.too_old, href: people.clone() },
        Count { zh: "66 人及以上的班级", en: "Classes of 66 and more", n: k.classes_very_large, href: people },
        Count { zh: "重复的学生（同一学籍号两个主键）", en: "Duplicate students (one 学籍号 under two keys)", n: k.dup_students, href: rec(Offence::DupStudents) },
        Count { zh: "重复的教师（同一证件号两个主键）", en: "Duplicate teachers (one ID under two keys)", n: k.dup_teachers, href: rec(Offence::DupTeachers) },
    ]);
    let rules = k.rules.iter().map(|(a, b)| (a.clone(), *b)).collect();
    let trend_rows: Vec<TrendRow> = trend.iter().rev().map(|r| TrendRow { day: r.day.clone(), scores: score_cells(&r.scores()) }).collect();
    let trend_json = crate::render::script_json(&Bars { labels: trend.iter().map(|r| r.day.clone()).collect(), values: trend.iter().map(|r| r.scores().overall).collect(), unit: "" });
    let schools = ranked(&schools, &Scope::School { code: String::new(), county })
        .into_iter()
        .map(|(rank, r, s)| RankRow { rank, county, href: href(&r), scores: score_cells(&s), people: r.counts.students + r.counts.teachers, last_update: r.counts.last_update.clone(), school: r.school, name: r.name })
        .collect();
    let name = if last.name.is_empty() { crate::figures::name_of(county) } else { last.name.clone() };
    html(ProviderPage { c, name, county, school, day: last.day.clone(), scores: score_cells(&s), dims: &DIMENSIONS, counts, rules, trend: trend_rows, trend_json, schools })
}

pub struct OffenderRow {
    pub key: String,
    pub name: String,
    pub school: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "quality_records.html")]
struct RecordsPage {
    c: Ctx,
    county: u32,
    school: String,
    zh: &'static str,
    en: &'static str,
    rows: Vec<OffenderRow>,
    max: usize,
}

/// The title of a drill-down (zh, en).
pub fn offence_title(o: Offence) -> (&'static str, &'static str) {
    match o {
        Offence::MissingSchool => ("未填写或学校不在名录中的学生", "Students naming no school on the register"),
        Offence::DupStudents => ("重复的学生：同一学籍号的第二个主键", "Duplicate students: a second key for one 学籍号"),
        Offence::DupTeachers => ("重复的教师：同一证件号的第二个主键", "Duplicate teachers: a second key for one ID number"),
        Offence::Rejected => ("近一年被拒绝的行", "Rows rejected in the last year"),
    }
}

/// The records behind a number, masked: keys and ID numbers as `store::mask::id_number`, names
/// as `store::mask::name`; a rejected row by its batch and line with its rule codes.
pub fn masked(o: Offence, r: store::quality::Offender) -> OffenderRow {
    match o {
        Offence::Rejected => OffenderRow { key: r.key, name: String::new(), school: r.school, detail: r.detail },
        Offence::MissingSchool => OffenderRow { key: store::mask::id_number(&r.key), name: store::mask::name(&r.name), school: String::new(), detail: r.detail },
        _ => OffenderRow { key: store::mask::id_number(&r.key), name: store::mask::name(&r.name), school: r.school, detail: store::mask::id_number(&r.detail) },
    }
}

async fn records(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path((county, offence)): Path<(String, String)>, Query(w): Query<Which>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_read(me.user.role))?;
    let county = county_of(&me, &county)?;
    let o = Offence::parse(&offence).ok_or(AppError::NotFound)?;
    let scope = me.scope.clone();
    let school = match (&scope, w.school.trim()) {
        (Scope::School { code, .. }, "") => code.clone(),
        (_, s) => s.to_string(),
    };
    let sc = school.clone();
    let list = app
        .pool
        .run(move |s| match s.offenders(&scope, o, county, &sc) {
            Ok(v) => Ok(v),
            Err(store::StoreError::OutOfScope) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        })
        .await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/quality", "quality");
    let (zh, en) = offence_title(o);
    let rows = list.into_iter().map(|r| masked(o, r)).collect();
    html(RecordsPage { c, county, school, zh, en, rows, max: store::quality::MAX_OFFENDERS })
}

async fn refresh(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_manage(&me))?;
    let (scope, day) = (me.scope.clone(), app.clock.today());
    let t = std::time::Instant::now();
    let n = app.pool.run(move |s| Ok(s.refresh_quality(&scope, day)?)).await?;
    let detail = serde_json::json!({ "day": day.to_string(), "rows": n, "seconds": (t.elapsed().as_millis() as f64 / 10.0).round() / 100.0 }).to_string();
    app.audit_by(&me, "quality_refresh", &format!("quality:{day}"), detail, &ip(&headers, &peer)).await?;
    Ok(Redirect::to("/quality?refreshed=1").into_response())
}
