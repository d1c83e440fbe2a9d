//! 县域义务教育优质均衡 (教督〔2017〕6号) at `/insight/balance`: for the province or a city one
//! row per county (under its city at province level) with, for primary and for junior, the
//! schools judged, passing and unknown and each indicator's enrolment-weighted CV against 0.50 /
//! 0.45; for a county (or a school) the pass matrix of its schools with their seven values, the
//! county's weighted CV with the unweighted one beside it, and the list of what to fix. The rules
//! are `insight::balance`'s; the inputs are `store::conditions::balance_schools` (facts joined to
//! the newest school year's 办学条件 in the area). The same figures are the JSON API
//! (`/api/v1/insight/balance`) and the XLSX export (`insight_balance`).

use super::model::{at_least, at_most, hover, level_of, Level, Rag};
use super::Filters;
use crate::download::Sheet;
use crate::error::AppError;
use crate::export_job::{Job, List};
use crate::figures::name_of;
use crate::i18n::T;
use crate::config::ConfigExt;
use crate::render::{html, Ctx};
use crate::routes::{ready, require, Me};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use insight::balance::{cv_limit, judge, CountyBalance, Measure, Verdict};
use insight::Stage;
use serde::Serialize;
use std::sync::Arc;
use store::conditions::{balance_of_county, balance_schools, BalanceSchool, KeptBalance};
use store::{Backend, Scope, StoreError};
use utoipa::ToSchema;

/// The two evaluated stages, in column order (those of the kept figures).
pub const STAGES: [Stage; 2] = store::conditions::BALANCE_STAGES;

/// The seven indicators' short names (zh, en), in [`Measure::ALL`] order.
pub const NAMES: [(&str, &str); 7] = [
    ("高于规定学历教师（每百生）", "Teachers above the required degree /100"),
    ("县级以上骨干教师（每百生）", "Backbone teachers /100"),
    ("体育艺术教师（每百生）", "PE and arts teachers /100"),
    ("生均教学及辅助用房（㎡）", "Teaching space per student (m²)"),
    ("生均体育运动场馆（㎡）", "Sports space per student (m²)"),
    ("生均教学仪器设备值（元）", "Equipment per student (yuan)"),
    ("网络多媒体教室（每百生）", "Multimedia rooms /100"),
];

pub fn stage_name(s: Stage, t: T) -> &'static str {
    match s {
        Stage::Primary => t.s("小学", "Primary"),
        _ => t.s("初中", "Junior"),
    }
}

/// One school of a county view.
pub struct SchoolView {
    pub b: BalanceSchool,
    /// Per stage of [`STAGES`]: its verdict, None when it has no students of the stage.
    pub verdicts: [Option<Verdict>; 2],
}

impl SchoolView {
    pub fn in_cv(&self, i: usize) -> bool {
        self.b.resources.in_county_cv(STAGES[i])
    }
}

/// One county's balance.
pub struct CountyView {
    pub code: u32,
    pub name: String,
    pub city: u32,
    /// Per stage: the county's balance (None without schools of the stage) and the unweighted
    /// CV of each indicator over the same schools.
    pub stages: [Option<CountyBalance>; 2],
    pub unweighted: [[Option<f64>; 7]; 2],
}

impl CountyView {
    /// Red: an indicator's CV over its limit; green: every CV within it and no school failing or
    /// unknown; amber: CVs within but schools failing or not judged, or a CV missing; none: no
    /// school of either stage.
    pub fn rag(&self) -> Rag {
        let present: Vec<&CountyBalance> = self.stages.iter().flatten().collect();
        if present.is_empty() {
            return Rag::None;
        }
        if present.iter().any(|b| b.cv_met.iter().any(|m| *m == Some(false))) {
            return Rag::Red;
        }
        if present.iter().all(|b| b.all_cv_met() == Some(true) && b.failing == 0 && b.unknown == 0) {
            Rag::Green
        } else {
            Rag::Amber
        }
    }
}

pub struct BalanceView {
    pub level: Level,
    /// The school year of the 办学条件 used (the newest in the area); empty when none.
    pub year: String,
    pub counties: Vec<CountyView>,
    /// Every school of the area at county (or school) level, for the pass matrix; empty above.
    pub schools: Vec<SchoolView>,
}

impl CountyView {
    fn of(k: KeptBalance) -> CountyView {
        CountyView { code: k.county, name: name_of(k.county), city: store::sql::city_of(k.county), stages: k.stages, unweighted: k.unweighted }
    }
}

/// Reads and judges the area's schools. Above a county the figures kept per county at import are
/// read (`county_balance`: one row per county, not every school); a county (or a school)
/// computes its own from its schools with the same function, as does a store whose figures are
/// not kept yet (PostgreSQL upgraded, before its next import or refresh).
pub fn load(s: &mut dyn Backend, scope: &Scope) -> Result<BalanceView, StoreError> {
    let year = s.conditions_years(scope)?.into_iter().next().unwrap_or_default();
    let level = level_of(scope);
    if matches!(level, Level::Province | Level::City) {
        let kept = s.kept_balances(scope, &year)?;
        if !kept.is_empty() {
            return Ok(BalanceView { level, year, counties: kept.into_iter().map(CountyView::of).collect(), schools: Vec::new() });
        }
    }
    let rows = balance_schools(s, scope, &year)?;
    let mut codes: Vec<u32> = rows.iter().map(|r| r.resources.county).collect();
    codes.sort_unstable();
    codes.dedup();
    let counties = codes.into_iter().map(|c| CountyView::of(balance_of_county(&year, c, &rows))).collect();
    let schools = rows
        .into_iter()
        .map(|b| {
            let verdicts = STAGES.map(|st| (b.resources.students.get(st) > 0).then(|| judge(b.resources.values(st), st)));
            SchoolView { b, verdicts }
        })
        .collect();
    Ok(BalanceView { level, year, counties, schools })
}

async fn cached(app: &Arc<AppState>, scope: &Scope) -> Result<Arc<BalanceView>, AppError> {
    let key = format!("balance|{scope:?}");
    if let Some((at, v)) = app.screens.lock().expect("lock").get(&key) {
        if at.elapsed() < crate::figures::OVERVIEW_TTL {
            if let Ok(v) = v.clone().downcast::<BalanceView>() {
                return Ok(v);
            }
        }
    }
    let sc = scope.clone();
    let view = Arc::new(app.pool.run(move |s| Ok(load(s, &sc)?)).await?);
    let mut cache = app.screens.lock().expect("lock");
    if cache.len() > 1_000 {
        cache.clear();
    }
    cache.insert(key, (std::time::Instant::now(), view.clone()));
    Ok(view)
}

/// A school's value against its threshold: green met, amber ≥ 85 %, red below.
pub fn value_rag(v: Option<f64>, m: Measure, st: Stage) -> Rag {
    m.threshold(st).map_or(Rag::None, |t| at_least(v, t))
}

/// A county CV against its limit (amber up to limit ÷ 85 %).
pub fn cv_rag(cv: Option<f64>, st: Stage) -> Rag {
    cv_limit(st).map_or(Rag::None, |l| at_most(cv, l))
}

fn verdict_word(p: Option<bool>, t: T) -> &'static str {
    match p {
        Some(true) => t.s("达标", "passes"),
        Some(false) => t.s("未达标", "fails"),
        None => t.s("无法判定", "cannot be judged"),
    }
}

fn verdict_rag(p: Option<bool>) -> Rag {
    match p {
        Some(true) => Rag::Green,
        Some(false) => Rag::Red,
        None => Rag::None,
    }
}

/// A value as shown: equipment in whole yuan, others with two decimals.
pub fn value_text(v: Option<f64>, m: Measure) -> String {
    match v {
        None => "—".into(),
        Some(v) if m == Measure::Equipment => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
    }
}

pub fn cv_text(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.3}"))
}

// ---------------------------------------------------------------- page

pub struct Cell {
    pub text: String,
    pub class: &'static str,
    pub rag: &'static str,
}

fn cell(text: String, r: Rag, t: T) -> Cell {
    Cell { text, class: r.class(), rag: if t.is_en() { r.en() } else { r.zh() } }
}

fn plain(text: String) -> Cell {
    Cell { text, class: "", rag: "" }
}

pub struct Head {
    pub text: String,
    pub title: String,
}

pub struct PRow {
    pub code: String,
    pub name: String,
    pub href: String,
    /// Marks after the name (教学点, 非县域内公办, 无办学条件).
    pub marks: Vec<&'static str>,
    /// A city heading at province level (no cells).
    pub heading: bool,
    pub cells: Vec<Cell>,
}

pub struct Matrix {
    pub stage: &'static str,
    pub key: &'static str,
    pub heads: Vec<Head>,
    pub rows: Vec<PRow>,
    /// The county's weighted CV and the unweighted one (labelled), per indicator.
    pub cv: Vec<Cell>,
    pub unweighted: Vec<Cell>,
    pub limit: String,
}

#[derive(Template)]
#[template(path = "insight_balance.html")]
struct Page {
    c: Ctx,
    screens: &'static [super::screens::Tab],
    name: String,
    region: String,
    year: String,
    county_level: bool,
    heads: Vec<Head>,
    rows: Vec<PRow>,
    matrices: Vec<Matrix>,
    fix: Vec<(String, String, String)>,
}

fn county_heads(t: T) -> Vec<Head> {
    let mut h = Vec::new();
    for st in STAGES {
        let sn = stage_name(st, t);
        let lim = cv_limit(st).unwrap_or(0.0);
        h.push(Head { text: format!("{sn}{}", t.s("判定学校", " schools judged")), title: t.s("有全部七项数值、可判定是否达标的学校（含教学点和非县域内公办学校）", "Schools with all seven values, so judged (teaching points and schools not county-run public included)").into() });
        h.push(Head { text: format!("{sn}{}", t.s("达标学校", " passing")), title: t.s("七项中至少六项达到标准、其余不低于标准的 85%", "At least 6 of 7 met and the rest at 85 % of the standard or more").into() });
        h.push(Head { text: format!("{sn}{}", t.s("无法判定", " unknown")), title: t.s("缺少办学条件（或缺少学生）的学校", "Schools missing 办学条件 (or students)").into() });
        for (i, m) in Measure::ALL.iter().enumerate() {
            h.push(Head { text: format!("{sn}{}{}", t.s("差异系数：", " CV "), t.s(NAMES[i].0, NAMES[i].1)), title: format!("{}\n\n{}\n{}", hover(m.key()), hover("county_cv"), t.s(&format!("限值 {lim:.2}", ), &format!("limit {lim:.2}"))) });
        }
        h.push(Head { text: format!("{sn}{}", t.s("差异系数全部达标", " all CVs met")), title: hover("county_cv") });
    }
    h
}

fn county_cells(c: &CountyView, t: T) -> Vec<Cell> {
    let mut v = Vec::new();
    for (i, &st) in STAGES.iter().enumerate() {
        match &c.stages[i] {
            None => v.extend((0..11).map(|_| plain("—".into()))),
            Some(b) => {
                v.push(plain(t.n((b.passing + b.failing) as u64)));
                v.push(plain(t.n(b.passing as u64)));
                v.push(plain(t.n(b.unknown as u64)));
                for m in 0..7 {
                    let cv = b.dispersion[m].and_then(|d| d.cv);
                    v.push(cell(cv_text(cv), cv_rag(cv, st), t));
                }
                let all = b.all_cv_met();
                v.push(cell(match all { Some(true) => t.s("是", "yes").into(), Some(false) => t.s("否", "no").into(), None => "—".into() }, verdict_rag(all), t));
            }
        }
    }
    v
}

fn matrices(view: &BalanceView, t: T) -> Vec<Matrix> {
    let county = view.counties.first();
    let mut out = Vec::new();
    for (i, &st) in STAGES.iter().enumerate() {
        let mut heads: Vec<Head> = Measure::ALL.iter().enumerate().map(|(m, me)| Head { text: t.s(NAMES[m].0, NAMES[m].1).into(), title: format!("{}\n{}{}", hover(me.key()), t.s("标准：", "Standard: "), me.threshold(st).unwrap_or(0.0)) }).collect();
        heads.push(Head { text: t.s("达标项数", "Met").into(), title: t.s("七项中达到标准的项数", "How many of the seven meet the standard").into() });
        heads.push(Head { text: t.s("结论", "Verdict").into(), title: t.s("至少六项达标、其余不低于标准的 85% 为达标", "Passes with at least 6 met and the rest at 85 % or more").into() });
        let rows: Vec<PRow> = view
            .schools
            .iter()
            .filter_map(|s| s.verdicts[i].map(|v| (s, v)))
            .map(|(s, v)| {
                let mut cells: Vec<Cell> = Measure::ALL.iter().enumerate().map(|(m, me)| cell(value_text(v.values[m], *me), value_rag(v.values[m], *me, st), t)).collect();
                cells.push(plain(format!("{}/7", v.met_count)));
                cells.push(cell(verdict_word(v.passes, t).into(), verdict_rag(v.passes), t));
                PRow { code: s.b.resources.school.clone(), name: s.b.name.clone(), href: format!("/schools/{}", s.b.resources.school), marks: marks(s, i, t), heading: false, cells }
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let (cv, unweighted) = match county.and_then(|c| c.stages[i].as_ref().map(|b| (b, c.unweighted[i]))) {
            Some((b, u)) => (
                (0..7).map(|m| { let x = b.dispersion[m].and_then(|d| d.cv); cell(cv_text(x), cv_rag(x, st), t) }).collect(),
                u.iter().map(|x| plain(cv_text(*x))).collect(),
            ),
            None => ((0..7).map(|_| plain("—".into())).collect(), (0..7).map(|_| plain("—".into())).collect()),
        };
        out.push(Matrix { stage: stage_name(st, t), key: if i == 0 { "primary" } else { "junior" }, heads, rows, cv, unweighted, limit: format!("{:.2}", cv_limit(st).unwrap_or(0.0)) });
    }
    out
}

fn marks(s: &SchoolView, i: usize, t: T) -> Vec<&'static str> {
    let mut m = Vec::new();
    if !s.b.has_conditions {
        m.push(t.s("无办学条件", "no 办学条件"));
    } else if s.b.resources.teaching_point {
        m.push(t.s("教学点，不计入差异系数", "teaching point, not in the CV"));
    } else if !s.b.resources.county_public {
        m.push(t.s("非县域内公办，不计入差异系数", "not county-run public, not in the CV"));
    }
    let _ = i;
    m
}

/// The schools that fail, with the indicators below their standard.
pub fn to_fix(view: &BalanceView, t: T) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for s in &view.schools {
        for (i, &st) in STAGES.iter().enumerate() {
            let Some(v) = s.verdicts[i] else { continue };
            if v.passes != Some(false) {
                continue;
            }
            let low: Vec<String> = Measure::ALL
                .iter()
                .enumerate()
                .filter(|(m, _)| v.met[*m] == Some(false))
                .map(|(m, me)| format!("{} {}{}{}{}", t.s(NAMES[m].0, NAMES[m].1), value_text(v.values[m], *me), t.s("（标准 ", " (standard "), me.threshold(st).unwrap_or(0.0), t.s("）", ")")))
                .collect();
            out.push((s.b.resources.school.clone(), format!("{}（{}）", s.b.name, stage_name(st, t)), low.join("；")));
        }
    }
    out
}

fn region_name(app: &AppState, c: &Ctx, scope: &Scope, level: Level) -> String {
    match (level, scope) {
        (Level::Province, _) => app.config.province_name(!c.t.is_en()),
        (Level::School, _) => c.org_name().to_string(),
        (_, Scope::Region { lo, .. }) => name_of(if level == Level::City { store::sql::city_of(*lo) } else { *lo }),
        _ => String::new(),
    }
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let scope = f.scope(&me.scope)?;
    let view = cached(&app, &scope).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/insight/balance", "insight");
    let t = c.t;
    let county_level = matches!(view.level, Level::County | Level::School);
    let mut rows = Vec::new();
    let mut last_city = 0;
    for cv in &view.counties {
        if view.level == Level::Province && cv.city != last_city {
            last_city = cv.city;
            rows.push(PRow { code: cv.city.to_string(), name: name_of(cv.city), href: format!("/insight/balance?region={}", cv.city), marks: vec![], heading: true, cells: vec![] });
        }
        let r = cv.rag();
        let mut cells = vec![cell(if t.is_en() { r.en() } else { r.zh() }.to_string(), r, t)];
        cells.extend(county_cells(cv, t));
        rows.push(PRow { code: cv.code.to_string(), name: cv.name.clone(), href: format!("/insight/balance?region={}", cv.code), marks: vec![], heading: false, cells });
    }
    let mut heads = vec![Head { text: t.s("县域判定", "County status").into(), title: t.s("红：有差异系数超过限值；绿：差异系数全部达标且学校全部达标；黄：其余（有学校未达标或无法判定）", "Red: a CV over its limit; green: every CV met and every school passing; amber: otherwise (schools failing or not judged)").into() }];
    heads.extend(county_heads(t));
    let matrices = if county_level { matrices(&view, t) } else { Vec::new() };
    let fix = if county_level { to_fix(&view, t) } else { Vec::new() };
    let name = region_name(&app, &c, &scope, view.level);
    html(Page { c, screens: &super::screens::TABS, name, region: f.region.trim().to_string(), year: view.year.clone(), county_level, heads, rows, matrices, fix })
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct BalanceStageOut {
    /// Schools with a verdict (passing + failing), passing, and without one (missing data).
    pub judged: usize,
    pub passing: usize,
    pub unknown: usize,
    /// Schools in the CV (county-run public, not teaching points, with students of the stage).
    pub cv_schools: usize,
    /// Per indicator (教督〔2017〕6号 order): the enrolment-weighted CV, the unweighted one (for
    /// comparison), and the weighted one against the limit.
    pub cv: Vec<Option<f64>>,
    pub unweighted_cv: Vec<Option<f64>>,
    pub cv_met: Vec<Option<bool>>,
    pub all_cv_met: Option<bool>,
    pub limit: f64,
}

#[derive(Serialize, ToSchema)]
pub struct BalanceCountyOut {
    pub code: String,
    pub name: String,
    pub city: String,
    /// green, amber, red or empty.
    pub status: String,
    pub primary: Option<BalanceStageOut>,
    pub junior: Option<BalanceStageOut>,
}

#[derive(Serialize, ToSchema)]
pub struct BalanceVerdictOut {
    /// The seven values, then each one's status (green, amber, red, or empty when absent).
    pub values: Vec<Option<f64>>,
    pub status: Vec<String>,
    pub met: usize,
    /// Null when a value is missing.
    pub passes: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct BalanceSchoolOut {
    pub code: String,
    pub name: String,
    pub county: String,
    pub county_public: bool,
    pub teaching_point: bool,
    pub has_conditions: bool,
    pub primary: Option<BalanceVerdictOut>,
    pub junior: Option<BalanceVerdictOut>,
}

#[derive(Serialize, ToSchema)]
pub struct BalanceOut {
    /// province, city, county or school.
    pub level: String,
    /// The school year of the 办学条件 used (the newest in the area).
    pub year: String,
    /// The seven indicators' keys in `insight::INDICATORS`, in column order.
    pub indicators: Vec<String>,
    pub counties: Vec<BalanceCountyOut>,
    /// The schools with their verdicts: at county (or school) level only.
    pub schools: Vec<BalanceSchoolOut>,
}

fn stage_out(c: &CountyView, i: usize) -> Option<BalanceStageOut> {
    c.stages[i].as_ref().map(|b| BalanceStageOut {
        judged: b.passing + b.failing,
        passing: b.passing,
        unknown: b.unknown,
        cv_schools: b.schools,
        cv: b.dispersion.iter().map(|d| d.and_then(|d| d.cv)).collect(),
        unweighted_cv: c.unweighted[i].to_vec(),
        cv_met: b.cv_met.to_vec(),
        all_cv_met: b.all_cv_met(),
        limit: cv_limit(STAGES[i]).unwrap_or(0.0),
    })
}

fn verdict_out(v: &Verdict, st: Stage) -> BalanceVerdictOut {
    BalanceVerdictOut {
        values: v.values.to_vec(),
        status: Measure::ALL.iter().enumerate().map(|(m, me)| value_rag(v.values[m], *me, st).key().to_string()).collect(),
        met: v.met_count,
        passes: v.passes,
    }
}

/// 优质均衡 — each county's school pass counts and enrolment-weighted CVs (province, city), or a county's pass matrix.
#[utoipa::path(get, path = "/insight/balance", tag = "决策指标", params(Filters), responses((status = 200, description = "县域义务教育优质均衡 / County balance", body = BalanceOut), crate::apidoc::Errors))]
pub async fn api(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>) -> Result<Json<BalanceOut>, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let scope = f.scope(&me.scope)?;
    let view = cached(&app, &scope).await?;
    let level = match view.level {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
        Level::School => "school",
    };
    let county_level = matches!(view.level, Level::County | Level::School);
    Ok(Json(BalanceOut {
        level: level.into(),
        year: view.year.clone(),
        indicators: Measure::ALL.iter().map(|m| m.key().to_string()).collect(),
        counties: view
            .counties
            .iter()
            .map(|c| BalanceCountyOut { code: c.code.to_string(), name: c.name.clone(), city: c.city.to_string(), status: c.rag().key().into(), primary: stage_out(c, 0), junior: stage_out(c, 1) })
            .collect(),
        schools: if county_level {
            view.schools
                .iter()
                .map(|s| BalanceSchoolOut {
                    code: s.b.resources.school.clone(),
                    name: s.b.name.clone(),
                    county: s.b.resources.county.to_string(),
                    county_public: s.b.resources.county_public,
                    teaching_point: s.b.resources.teaching_point,
                    has_conditions: s.b.has_conditions,
                    primary: s.verdicts[0].as_ref().map(|v| verdict_out(v, Stage::Primary)),
                    junior: s.verdicts[1].as_ref().map(|v| verdict_out(v, Stage::Junior)),
                })
                .collect()
        } else {
            Vec::new()
        },
    }))
}

// ---------------------------------------------------------------- export

/// At province or city level one row per county and stage; at county level one row per school
/// and stage, then the county's weighted and unweighted CV rows.
pub fn job(list: List, f: Filters, mine: &Scope, t: T) -> Result<Job, AppError> {
    let scope = f.scope(mine)?;
    let county_level = matches!(level_of(&scope), Level::County | Level::School);
    let mut headers: Vec<String> = vec![t.s("代码", "Code").into(), t.s("名称", "Name").into(), t.s("学段", "Stage").into()];
    if county_level {
        headers.push(t.s("说明", "Note").into());
    } else {
        for h in [("判定学校", "Judged"), ("达标学校", "Passing"), ("无法判定", "Unknown")] {
            headers.push(t.s(h.0, h.1).into());
        }
    }
    for n in NAMES {
        headers.push(t.s(n.0, n.1).into());
    }
    headers.push(if county_level { t.s("达标项数", "Met").into() } else { t.s("差异系数全部达标", "All CVs met").into() });
    headers.push(if county_level { t.s("结论", "Verdict").into() } else { t.s("县域判定", "County status").into() });
    Ok(Job {
        list,
        headers,
        filter: serde_json::json!({ "region": f.region.trim() }),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let view = load(s, &scope)?;
            let yes_no = |b: Option<bool>| match b {
                Some(true) => t.s("是", "yes"),
                Some(false) => t.s("否", "no"),
                None => "",
            };
            if county_level {
                for (i, &st) in STAGES.iter().enumerate() {
                    for sv in &view.schools {
                        let Some(v) = sv.verdicts[i] else { continue };
                        sheet.cell(&sv.b.resources.school)?;
                        sheet.cell(&sv.b.name)?;
                        sheet.cell(stage_name(st, t))?;
                        sheet.cell(&marks(sv, i, t).join("；"))?;
                        for (m, me) in Measure::ALL.iter().enumerate() {
                            sheet.cell(&value_text(v.values[m], *me))?;
                        }
                        sheet.cell(&v.met_count.to_string())?;
                        sheet.cell(verdict_word(v.passes, t))?;
                        sheet.end_row()?;
                    }
                    for c in &view.counties {
                        let Some(b) = &c.stages[i] else { continue };
                        for (label, xs, judged) in [(t.s("加权差异系数", "weighted CV"), b.dispersion.map(|d| d.and_then(|d| d.cv)), true), (t.s("不加权差异系数（仅供比较）", "unweighted CV (comparison only)"), c.unweighted[i], false)] {
                            sheet.cell(&c.code.to_string())?;
                            sheet.cell(&c.name)?;
                            sheet.cell(stage_name(st, t))?;
                            sheet.cell(label)?;
                            for x in xs {
                                sheet.cell(&cv_text(x))?;
                            }
                            sheet.cell("")?;
                            sheet.cell(if judged { yes_no(b.all_cv_met()) } else { "" })?;
                            sheet.end_row()?;
                        }
                    }
                }
            } else {
                for c in &view.counties {
                    for (i, &st) in STAGES.iter().enumerate() {
                        let Some(b) = &c.stages[i] else { continue };
                        sheet.cell(&c.code.to_string())?;
                        sheet.cell(&c.name)?;
                        sheet.cell(stage_name(st, t))?;
                        for n in [b.passing + b.failing, b.passing, b.unknown] {
                            sheet.cell(&n.to_string())?;
                        }
                        for d in b.dispersion {
                            sheet.cell(&cv_text(d.and_then(|d| d.cv)))?;
                        }
                        sheet.cell(yes_no(b.all_cv_met()))?;
                        let r = c.rag();
                        sheet.cell(if t.is_en() { r.en() } else { r.zh() })?;
                        sheet.end_row()?;
                    }
                }
            }
            Ok(())
        }),
    })
}

/// The balance screen's judged cells for the indicators' overview (`/insight`), keyed as the
/// overview's rows are: above a county, one cell per county under its city (province) or itself
/// (city), judged by [`CountyView::rag`], its value the county and its passing schools; at a
/// county's level, one cell per school and stage, judged by the school's verdict.
pub async fn judged(app: &Arc<AppState>, scope: &Scope) -> Result<Vec<super::summary::Judged>, AppError> {
    use super::summary::Judged;
    let view = cached(app, scope).await?;
    let tab = super::screens::TABS.iter().find(|t| t.key == "balance").expect("the balance tab");
    let mut out = Vec::new();
    match view.level {
        Level::Province | Level::City => {
            for c in &view.counties {
                let key = if view.level == Level::Province { c.city } else { c.code };
                let (pass, all) = c.stages.iter().flatten().fold((0, 0), |(p, a), b| (p + b.passing, a + b.passing + b.failing + b.unknown));
                let over = c.stages.iter().flatten().flat_map(|b| b.cv_met.iter()).filter(|m| **m == Some(false)).count();
                out.push(Judged {
                    screen: tab,
                    code: key.to_string(),
                    name: name_of(key),
                    href: format!("/insight/balance?region={}", c.code),
                    col_zh: "县域优质均衡（学校达标、差异系数）",
                    col_en: "County balance (schools passing, CVs)",
                    value: format!("{}：{pass}/{all} 校达标{}", c.name, if over > 0 { format!("，{over} 项差异系数超限") } else { String::new() }),
                    rag: c.rag(),
                });
            }
        }
        Level::County | Level::School => {
            for s in &view.schools {
                for (i, v) in s.verdicts.iter().enumerate() {
                    let Some(v) = v else { continue };
                    let (zh, en) = match STAGES[i] {
                        Stage::Primary => ("优质均衡（小学）", "County balance (primary)"),
                        _ => ("优质均衡（初中）", "County balance (junior)"),
                    };
                    out.push(Judged {
                        screen: tab,
                        code: s.b.resources.school.clone(),
                        name: s.b.name.clone(),
                        href: format!("/schools/{}", s.b.resources.school),
                        col_zh: zh,
                        col_en: en,
                        value: format!("{}/7 {}", v.met_count, verdict_word(v.passes, T { lang: crate::i18n::Lang::Zh })),
                        rag: verdict_rag(v.passes),
                    });
                }
            }
        }
    }
    Ok(out)
}
