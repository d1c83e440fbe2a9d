//! 决策指标总览 (`/insight`, `?region=` a city or county inside the area): the indicators of
//! every screen judged per region one level down, in one place. The map (the province's cities,
//! or the city alone) is coloured by each region's count of red cells across the screens; the
//! table gives each region's red / amber / green per screen, each linking to that screen filtered
//! to the region; a city's rows are its counties, a county's its schools (each opening the
//! school's page); "what to fix" lists the red cells with where they are.
//!
//! The screens counted: class sizes, teachers, students (`screens::ALL`) and security
//! (`security`) and the county balance screen ([`balance_cells`]).

use super::model::{Level, Rag};
use super::screens::{self, text, Tab};
use super::{cached_security, cached_view, region_name, security, Filters};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, script_json, Ctx};
use crate::routes::{ready, require, Me};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::Scope;

/// One judged cell of a screen: which screen, which row, which column, its value and status.
#[derive(Debug, Clone)]
pub struct Judged {
    pub screen: &'static Tab,
    /// The row's division code or unit code.
    pub code: String,
    pub name: String,
    /// The row's own link (a region's view, a school's page; empty for none).
    pub href: String,
    pub col_zh: &'static str,
    pub col_en: &'static str,
    pub value: String,
    pub rag: Rag,
}

fn tab(key: &str) -> &'static Tab {
    screens::TABS.iter().find(|t| t.key == key).unwrap_or(&screens::TABS[0])
}

/// The county balance screen's judged cells (`super::balance::judged`): they join the counts,
/// the map's colours and the list of what to fix.
pub async fn balance_cells(app: &Arc<AppState>, scope: &Scope) -> Result<Vec<Judged>, AppError> {
    super::balance::judged(app, scope).await
}

/// Every judged cell of the screens for `scope`, as the caller's role reads them.
pub async fn judged(app: &Arc<AppState>, me: &Identity, scope: &Scope) -> Result<(Level, Vec<Judged>), AppError> {
    let today = app.clock.today();
    let mut out = Vec::new();
    // The three facts screens group the same facts the same way: one read serves them all
    // (the rows' own links are the schools' pages at a county's level, the same on every screen).
    let view = cached_view(app, scope, &screens::CLASSES, today).await?;
    let level = view.level;
    for screen in screens::ALL {
        for g in &view.groups {
            for c in screen.cols.iter().filter(|c| c.rag.is_some()) {
                out.push(Judged { screen: tab(screen.key), code: g.code.clone(), name: g.name.clone(), href: g.href.clone(), col_zh: c.zh, col_en: c.en, value: text(c.kind, (c.get)(g)), rag: c.judge(g) });
            }
        }
    }
    let sec = cached_security(app, scope, security::Reads::of(me.user.role)).await?;
    for g in &sec.groups {
        for c in security::COLS.iter().filter(|c| c.rag.is_some()) {
            out.push(Judged { screen: tab("security"), code: g.code.clone(), name: g.name.clone(), href: g.href.clone(), col_zh: c.zh, col_en: c.en, value: text(c.kind, (c.get)(g)), rag: c.judge(g) });
        }
    }
    out.extend(balance_cells(app, scope).await?);
    Ok((level, out))
}

/// A screen's counts for one region.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub key: &'static str,
    pub red: u64,
    pub amber: u64,
    pub green: u64,
    /// The screen filtered to the region.
    pub href: String,
}

/// A region (or, at a county's level, a school or unit) with its counts per screen.
pub struct Line {
    pub code: String,
    pub name: String,
    /// Drill-down: the region's overview, or the school's page.
    pub href: String,
    pub screens: Vec<Counts>,
    pub reds: u64,
}

/// One red cell: what to fix and where.
pub struct Fix {
    pub screen: &'static Tab,
    pub name: String,
    pub href: String,
    pub col_zh: &'static str,
    pub col_en: &'static str,
    pub value: String,
}

/// The red cells a page lists at most (the counts count all).
pub const FIXES: usize = 300;

/// The lines of a view, by code, and the red cells (screen by screen, region by region).
pub fn lines(level: Level, own: u32, judged: &[Judged]) -> (Vec<Line>, Vec<Fix>) {
    let mut by: BTreeMap<String, Line> = BTreeMap::new();
    for j in judged {
        let l = by.entry(j.code.clone()).or_insert_with(|| {
            let n: u32 = j.code.parse().unwrap_or(0);
            let region = matches!(level, Level::Province | Level::City);
            let href = if region && n != own { format!("/insight?region={n}") } else if region { String::new() } else { j.href.clone() };
            Line {
                code: j.code.clone(),
                name: j.name.clone(),
                href,
                screens: screens::TABS
                    .iter()
                    .map(|t| Counts { key: t.key, href: if region && n != own { format!("/insight/{}?region={n}", t.key) } else if own > 0 { format!("/insight/{}?region={own}", t.key) } else { format!("/insight/{}", t.key) }, ..Default::default() })
                    .collect(),
                reds: 0,
            }
        });
        if l.name.is_empty() || (l.href.is_empty() && !j.href.is_empty() && !matches!(level, Level::Province | Level::City)) {
            l.name = j.name.clone();
            l.href = j.href.clone();
        }
        if let Some(c) = l.screens.iter_mut().find(|c| c.key == j.screen.key) {
            match j.rag {
                Rag::Red => c.red += 1,
                Rag::Amber => c.amber += 1,
                Rag::Green => c.green += 1,
                Rag::None => {}
            }
        }
        if j.rag == Rag::Red {
            l.reds += 1;
        }
    }
    let fixes = judged
        .iter()
        .filter(|j| j.rag == Rag::Red)
        .take(FIXES)
        .map(|j| {
            let line = &by[&j.code];
            let href = line.screens.iter().find(|c| c.key == j.screen.key).map(|c| c.href.clone()).unwrap_or_default();
            Fix { screen: j.screen, name: line.name.clone(), href, col_zh: j.col_zh, col_en: j.col_en, value: j.value.clone() }
        })
        .collect();
    (by.into_values().collect(), fixes)
}

#[derive(Serialize)]
struct MapRegion {
    code: u32,
    name: String,
    value: u64,
}

#[derive(Serialize)]
struct MapData {
    cities: Vec<MapRegion>,
    label: String,
    focus: Option<String>,
    /// Where a click on a region goes (its code appended).
    link: &'static str,
    /// Colour by red counts (0 green … many dark red) rather than by quantiles.
    rag: bool,
}

struct Crumb {
    name: String,
    href: String,
}

#[derive(Template)]
#[template(path = "insight_overview.html")]
struct Page {
    c: Ctx,
    name: String,
    region: String,
    crumbs: Vec<Crumb>,
    tabs: &'static [Tab],
    row_label_zh: &'static str,
    row_label_en: &'static str,
    lines: Vec<Line>,
    fixes: Vec<Fix>,
    reds: u64,
    show_map: bool,
    map_json: String,
}

impl Page {
    fn tab_of(&self, key: &str) -> &'static Tab {
        tab(key)
    }
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let scope = f.scope(&me.scope)?;
    let (level, judged) = judged(&app, &me, &scope).await?;
    let own = match &scope {
        Scope::Region { lo, .. } => *lo,
        _ => 0,
    };
    let c = Ctx::new(&app, &headers, Some(&me), "/insight", "insight");
    let t = c.t;
    let (lines, fixes) = lines(level, own, &judged);
    let reds = lines.iter().map(|l| l.reds).sum();
    let name = region_name(&app, &c, &scope, level);
    let show_map = matches!(level, Level::Province | Level::City) && c.has_map();
    let map_json = match level {
        Level::Province => script_json(&MapData {
            cities: lines.iter().filter_map(|l| l.code.parse().ok().filter(|n| *n != own).map(|code| MapRegion { code, name: l.name.clone(), value: l.reds })).collect(),
            label: t.s("红色指标数", "Red indicators").into(),
            focus: None,
            link: "/insight?region=",
            rag: true,
        }),
        _ => script_json(&MapData { cities: vec![MapRegion { code: own, name: name.clone(), value: reds }], label: t.s("红色指标数", "Red indicators").into(), focus: Some(name.clone()), link: "/insight?region=", rag: true }),
    };
    let province = app.config.province.code * 10_000;
    let mut crumbs = vec![Crumb { name: t.s("全省", "Province").into(), href: if me.scope.narrow(province).is_some() && level != Level::Province { "/insight".into() } else { String::new() } }];
    if let (Level::City | Level::County, Scope::Region { lo, .. }) = (level, &scope) {
        let city = store::sql::city_of(*lo);
        crumbs.push(Crumb { name: crate::figures::name_of(city), href: if level == Level::County { format!("/insight?region={city}") } else { String::new() } });
        if level == Level::County && city != *lo {
            crumbs.push(Crumb { name: crate::figures::name_of(*lo), href: String::new() });
        }
    }
    // A user who sees only part of a division gets no link up to it.
    for k in crumbs.iter_mut() {
        if let Some(code) = k.href.strip_prefix("/insight?region=").and_then(|x| x.parse::<u32>().ok()) {
            let (lo, hi) = store::region_range(code);
            if me.scope.narrow(code) != Some(Scope::Region { lo, hi }) {
                k.href.clear();
            }
        } else if k.href == "/insight" && !matches!(me.scope, Scope::Region { lo, hi } if hi - lo >= 9_999) {
            k.href.clear();
        }
    }
    let (row_label_zh, row_label_en) = match level {
        Level::Province => ("市（州）", "City"),
        Level::City => ("区县", "County"),
        _ => ("学校 / 单位", "School / unit"),
    };
    html(Page { c, name, region: f.region.trim().to_string(), crumbs, tabs: &screens::TABS, row_label_zh, row_label_en, lines, fixes, reds, show_map, map_json })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(screen: &str, code: &str, col: &'static str, rag: Rag) -> Judged {
        Judged { screen: tab(screen), code: code.into(), name: format!("n{code}"), href: String::new(), col_zh: col, col_en: col, value: "1".into(), rag }
    }

    #[test]
    fn counts_per_screen_and_reds_per_region() {
        let cells = vec![
            j("classes", "510100", "a", Rag::Red),
            j("classes", "510100", "b", Rag::Amber),
            j("security", "510100", "c", Rag::Red),
            j("security", "510300", "c", Rag::Green),
            j("teachers", "510300", "d", Rag::None),
            j("security", "510000", "c", Rag::Red),
        ];
        let (lines, fixes) = lines(Level::Province, 510000, &cells);
        assert_eq!(lines.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(), ["510000", "510100", "510300"]);
        let chengdu = &lines[1];
        assert_eq!(chengdu.reds, 2);
        assert_eq!(chengdu.href, "/insight?region=510100");
        let classes = chengdu.screens.iter().find(|c| c.key == "classes").unwrap();
        assert_eq!((classes.red, classes.amber, classes.green), (1, 1, 0));
        assert_eq!(classes.href, "/insight/classes?region=510100");
        let zigong = &lines[2];
        assert_eq!(zigong.reds, 0);
        assert_eq!(zigong.screens.iter().map(|c| c.green).sum::<u64>(), 1);
        // The province's own units stay on the province's screens.
        assert_eq!(lines[0].href, "");
        assert_eq!(lines[0].screens.iter().find(|c| c.key == "security").unwrap().href, "/insight/security?region=510000");
        assert_eq!(fixes.len(), 3);
        assert_eq!(fixes[1].href, "/insight/security?region=510100");
    }
}
