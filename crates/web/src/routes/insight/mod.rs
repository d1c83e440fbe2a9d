//! 决策指标 screens (issue 15): class sizes, teachers (with the student–teacher ratio by stage)
//! and students, at `/insight/{screen}` for the user's area or `?region=` a city or county inside
//! it (outside: 404). The province sees its cities, a city its counties, a county its schools
//! (each row drills down; a school row opens the school). Every figure comes from the per-school
//! facts kept at import (`store::facts`); each header explains its indicator on hover, each
//! judged cell is red, amber or green (`model::Rag`). The same table is the JSON API
//! (`/api/v1/insight/{screen}`) and the XLSX export (`/export/insight_{screen}`). The province
//! and a city read the county aggregates kept at import (`store::facts::CountyFacts`), a county
//! its schools; where the previous school year's county aggregates are kept, each figure shows
//! last year's value beside this year's (year-on-year).

pub mod api;
pub mod balance;
pub mod classes;
pub mod export;
pub mod model;
pub mod screens;
pub mod security;
pub mod summary;

use super::{ready, require, Me};
use crate::config::ConfigExt;
use crate::error::AppError;
use crate::render::{html, script_json, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use model::{hover, Level, View};
use screens::{text, Col, Screen, Tab};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::Scope;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/insight", get(summary::page))
        .route("/insight/balance", get(balance::page))
        .route("/insight/classes/list", get(classes::page))
        .route("/insight/{screen}", get(page))
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// A city or county (GB/T 2260) inside the caller's area; empty: the whole area.
    #[serde(default)]
    pub region: String,
}

impl Filters {
    pub fn scope(&self, mine: &Scope) -> Result<Scope, AppError> {
        match self.region.trim() {
            "" => Ok(mine.clone()),
            r => {
                let code = r.parse::<u32>().map_err(|_| AppError::NotFound)?;
                standard::codes::DIVISIONS.get(code).ok_or(AppError::NotFound)?;
                mine.narrow(code).ok_or(AppError::NotFound)
            }
        }
    }
}

pub struct Head {
    pub zh: &'static str,
    pub en: &'static str,
    pub title: String,
}

pub struct Cell {
    pub text: String,
    pub class: &'static str,
    /// The judgement in words (红黄绿 is not told by colour alone).
    pub rag: &'static str,
    /// Last school year's value, where its county aggregates are kept (empty otherwise).
    pub prev: String,
    /// The records behind the figure (下钻: `screens::Link`), empty where it opens none.
    pub href: String,
}

pub struct Row {
    pub code: String,
    pub name: String,
    pub href: String,
    pub cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Bars {
    labels: Vec<String>,
    values: Vec<f64>,
    unit: String,
}

pub struct Chart {
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub json: String,
}

#[derive(Template)]
#[template(path = "insight.html")]
struct Page {
    c: Ctx,
    screen: &'static Tab,
    screens: &'static [Tab],
    name: String,
    region: String,
    row_label_zh: &'static str,
    row_label_en: &'static str,
    heads: Vec<Head>,
    rows: Vec<Row>,
    total: Row,
    charts: Vec<Chart>,
    /// Extra lists: schools over the size limit (classes), titles (teachers).
    notes: Vec<(String, String)>,
    notes_zh: &'static str,
    notes_en: &'static str,
    as_of: String,
    /// "2025–2026 学年" and, where kept, the previous school year's label.
    year: String,
    prev_year: String,
}

/// A school year as the pages name it: 2025 → "2025–2026".
pub fn year_label(y: u16) -> String {
    format!("{y}–{}", y + 1)
}

/// A row's cells: each value as shown, with its judgement.
pub fn cells<G>(cols: &[Col<G>], g: &G, t: crate::i18n::T) -> Vec<Cell> {
    cols.iter()
        .map(|c| {
            let rag = c.judge(g);
            Cell { text: text(c.kind, (c.get)(g)), class: rag.class(), rag: if t.is_en() { rag.en() } else { rag.zh() }, prev: String::new(), href: String::new() }
        })
        .collect()
}

/// The area of each row of a view ([`screens::Area`]): its cities or counties, or its schools;
/// the total covers `region` (the page's `?region=`, empty for the caller's whole area). The
/// second value: whether the area is more than one county.
pub fn area_of<'a>(view: &View, g: Option<&'a model::Group>, region: &'a str) -> (screens::Area<'a>, bool) {
    match (view.level, g) {
        (Level::Province, Some(g)) => (screens::Area::Region(&g.code), true),
        (Level::City, Some(g)) => (screens::Area::Region(&g.code), false),
        (_, Some(g)) => (screens::Area::School(&g.code), false),
        (l, None) => (screens::Area::Region(region), matches!(l, Level::Province | Level::City)),
    }
}

/// A screen's rows and total; `links`: the figures drill down to their records (for a role that
/// reads the people lists), the total's for the area `region`.
pub fn rows(view: &View, screen: &Screen, t: crate::i18n::T, region: &str, links: bool) -> (Vec<Row>, Row) {
    let row = |g: &model::Group, total: bool| Row {
        code: g.code.clone(),
        name: g.name.clone(),
        href: g.href.clone(),
        cells: screen
            .cols
            .iter()
            .map(|c| {
                let rag = c.judge(g);
                let prev = g.prev.as_ref().map(|p| text(c.kind, (c.get)(p))).unwrap_or_default();
                let v = (c.get)(g);
                let (area, wide) = area_of(view, (!total).then_some(g), region);
                let href = match (links, v, c.drill) {
                    // A wide total's class figures would open this very screen.
                    (true, Some(_), Some(screens::Link::Classes(_))) if total && wide => String::new(),
                    (true, Some(_), Some(l)) => l.href(area, wide, false).unwrap_or_default(),
                    _ => String::new(),
                };
                Cell { text: text(c.kind, v), class: rag.class(), rag: if t.is_en() { rag.en() } else { rag.zh() }, prev, href }
            })
            .collect(),
    };
    (view.groups.iter().map(|g| row(g, false)).collect(), row(&view.total, true))
}

fn tab(key: &str) -> &'static Tab {
    screens::TABS.iter().find(|t| t.key == key).unwrap_or(&screens::TABS[0])
}

/// The security screen's rows, read for the caller's role (`security::Reads`), remembered as the
/// facts screens' are.
pub async fn cached_security(app: &Arc<AppState>, scope: &Scope, reads: security::Reads) -> Result<Arc<security::SecView>, AppError> {
    let today = app.clock.today();
    let key = format!("security|{today}|{reads:?}|{scope:?}");
    if let Some((at, v)) = app.screens.lock().expect("lock").get(&key) {
        if at.elapsed() < crate::figures::OVERVIEW_TTL {
            if let Ok(v) = v.clone().downcast::<security::SecView>() {
                return Ok(v);
            }
        }
    }
    let sc = scope.clone();
    let now = app.clock.now();
    let view = Arc::new(app.pool.run(move |s| Ok(security::load(s, &sc, reads, today, now)?)).await?);
    let mut cache = app.screens.lock().expect("lock");
    if cache.len() > 1_000 {
        cache.clear();
    }
    cache.insert(key, (std::time::Instant::now(), view.clone()));
    Ok(view)
}

async fn security_page(app: Arc<AppState>, headers: HeaderMap, me: crate::auth::Identity, f: Filters) -> Result<Response, AppError> {
    let scope = f.scope(&me.scope)?;
    let view = cached_security(&app, &scope, security::Reads::of(me.user.role)).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/insight/security", "insight");
    let t = c.t;
    let row = |g: &security::SecGroup| Row { code: g.code.clone(), name: g.name.clone(), href: g.href.clone(), cells: cells(security::COLS, g, t) };
    let rows = view.groups.iter().map(row).collect();
    let total = row(&view.total);
    let heads = security::COLS.iter().map(|c| Head { zh: c.zh, en: c.en, title: hover(c.indicator) }).collect();
    let (row_label_zh, row_label_en) = match view.level {
        Level::Province => ("市（州）", "City"),
        Level::City => ("区县", "County"),
        _ => ("单位", "Unit"),
    };
    // Only the regions with checked portals: a region without any is not at 0 %.
    let charted: Vec<&security::SecGroup> = view.groups.iter().filter(|g| g.ipv6_rate().is_some()).collect();
    let labels: Vec<String> = charted.iter().map(|g| g.name.clone()).collect();
    let rates = charted.iter().map(|g| g.ipv6_rate().map_or(0.0, |r| (r * 1000.0).round() / 10.0)).collect();
    let mut charts = Vec::new();
    if !charted.is_empty() {
        charts.push(Chart { id: "chart-ipv6", zh: "高校门户网站 IPv6 支持率（目标 100%）", en: "University portals supporting IPv6 (target 100 %)", json: bars(labels, rates, "%") });
    }
    let name = region_name(&app, &c, &scope, view.level);
    html(Page {
        c,
        screen: tab("security"),
        screens: &screens::TABS,
        name,
        region: f.region.trim().to_string(),
        row_label_zh,
        row_label_en,
        heads,
        rows,
        total,
        charts,
        notes: Vec::new(),
        notes_zh: "",
        notes_en: "",
        as_of: String::new(),
        year: String::new(),
        prev_year: String::new(),
    })
}

/// The grouped facts of a scope for a screen, remembered for [`crate::figures::OVERVIEW_TTL`]
/// (imports clear them with the overview): the screens are read far more often than imported.
pub async fn cached_view(app: &Arc<AppState>, scope: &Scope, screen: &'static Screen, today: standard::Date) -> Result<Arc<View>, AppError> {
    let key = format!("{}|{today}|{scope:?}", screen.key);
    if let Some((at, v)) = app.screens.lock().expect("lock").get(&key) {
        if at.elapsed() < crate::figures::OVERVIEW_TTL {
            if let Ok(v) = v.clone().downcast::<View>() {
                return Ok(v);
            }
        }
    }
    let sc = scope.clone();
    let view = Arc::new(app.pool.run(move |s| Ok(model::load(s, &sc, screen.key, today)?)).await?);
    let mut cache = app.screens.lock().expect("lock");
    if cache.len() > 1_000 {
        cache.clear();
    }
    cache.insert(key, (std::time::Instant::now(), view.clone()));
    Ok(view)
}

pub fn region_name(app: &AppState, c: &Ctx, scope: &Scope, level: Level) -> String {
    match (level, scope) {
        (Level::Province, _) => app.config.province_name(!c.t.is_en()),
        (Level::School, _) => c.org_name().to_string(),
        (_, Scope::Region { lo, .. }) => crate::figures::name_of(if level == Level::City { store::sql::city_of(*lo) } else { *lo }),
        _ => String::new(),
    }
}

fn bars(labels: Vec<String>, values: Vec<f64>, unit: &str) -> String {
    script_json(&Bars { labels, values, unit: unit.into() })
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(key): Path<String>, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    if key == "security" {
        return security_page(app, headers, me, f).await;
    }
    let screen = screens::by_key(&key).ok_or(AppError::NotFound)?;
    let scope = f.scope(&me.scope)?;
    let today = app.clock.today();
    let view = cached_view(&app, &scope, screen, today).await?;
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/insight/{}", screen.key), "insight");
    let t = c.t;
    let (rows, total) = rows(&view, screen, t, f.region.trim(), me.user.role.reads_base_data());
    let heads = screen.cols.iter().map(|c| Head { zh: c.zh, en: c.en, title: hover(c.indicator) }).collect();
    let (row_label_zh, row_label_en) = match view.level {
        Level::Province => ("市（州）", "City"),
        Level::City => ("区县", "County"),
        _ => ("学校", "School"),
    };
    let labels: Vec<String> = view.groups.iter().map(|g| g.name.clone()).collect();
    let tf = &view.total.facts;
    let mut charts = Vec::new();
    let mut notes = Vec::new();
    let (mut notes_zh, mut notes_en) = ("", "");
    match screen.key {
        "classes" => {
            let v = view.groups.iter().map(|g| insight::share(g.facts.classes_large + g.facts.classes_very_large, g.facts.classes).map_or(0.0, |s| (s * 1000.0).round() / 10.0)).collect();
            charts.push(Chart { id: "chart-large", zh: "56 人及以上班级比例", en: "Share of classes of 56 and more", json: bars(labels, v, "%") });
            (notes_zh, notes_en) = ("超规模学校", "Schools over the size limit");
            if matches!(view.level, Level::Province | Level::City) {
                // Above a county the aggregates count the schools over the limit per region.
                for g in view.groups.iter().filter(|g| g.oversized > 0) {
                    notes.push((g.name.clone(), format!("{} {}", t.n(g.oversized), t.s("所", "schools"))));
                }
            }
            for s in view.oversized_schools.iter().take(200) {
                let limit = insight::classes::size_limit(&s.school_type).unwrap_or(0);
                notes.push((s.name.clone(), format!("{} / {}", t.n(s.students), t.n(limit))));
            }
        }
        "teachers" => {
            let a = &view.total.ages;
            let bl: Vec<String> = a.bands.keys().map(|b| format!("{b}–{}", b + 4)).collect();
            let bv: Vec<f64> = a.bands.values().map(|x| x.iter().sum::<u64>() as f64).collect();
            charts.push(Chart { id: "chart-ages", zh: "年龄结构（岁）", en: "Ages (years)", json: bars(bl, bv, "") });
            let dl = [("中专及以下", "Secondary"), ("专科", "College"), ("本科", "Bachelor"), ("研究生", "Postgraduate"), ("未填写", "Not stated")];
            charts.push(Chart {
                id: "chart-degree",
                zh: "最高学历",
                en: "Highest degree",
                json: bars(dl.iter().map(|(z, e)| t.s(z, e).to_string()).collect(), tf.degree.iter().map(|&n| n as f64).collect(), ""),
            });
            (notes_zh, notes_en) = ("专业技术职务", "Professional titles");
            let mut titles: Vec<_> = tf.titles.iter().collect();
            titles.sort_by(|a, b| b.1.cmp(a.1));
            for (k, v) in titles {
                notes.push((if k.is_empty() { t.s("未填写", "Not stated").to_string() } else { k.clone() }, t.n(*v)));
            }
        }
        _ => {
            let gl: Vec<String> = store::facts::GRADES
                .iter()
                .map(|g| {
                    let (zh, en) = crate::labels::grade_names(g.parse().unwrap_or(0));
                    if t.is_en() { en } else { zh }
                })
                .collect();
            charts.push(Chart { id: "chart-grades", zh: "各年级学生数", en: "Students by grade", json: bars(gl, tf.by_grade.iter().map(|&n| n as f64).collect(), "") });
        }
    }
    let name = region_name(&app, &c, &scope, view.level);
    let as_of = view.total.ages.as_of.clone();
    let year = year_label(view.school_year);
    let prev_year = view.prev_year.map(year_label).unwrap_or_default();
    html(Page { c, screen: tab(screen.key), screens: &screens::TABS, name, region: f.region.trim().to_string(), row_label_zh, row_label_en, heads, rows, total, charts, notes, notes_zh, notes_en, as_of, year, prev_year })
}
