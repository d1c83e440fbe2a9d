//! The organisation-tree picker (市 → 区县 → 学校, searchable), cut to the caller's area: the
//! cities and counties of the area from GB/T 2260, its schools from the store (scoped there).
//! One partial (`org_picker.html`, behaviour in app.js) used wherever a region or an owner is
//! chosen: the people and school lists, a new account's organisation, a site's owner.
//! Names and codes of divisions and schools are not personal data.

use super::{ready, require, Me};
use crate::error::AppError;
use crate::present::get;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get as route_get;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;
use store::{Entity, SchoolQuery, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/org/picker", route_get(picker))
}

#[derive(Deserialize, Default)]
struct Params {
    /// Text to search the names for.
    #[serde(default)]
    q: String,
    /// A county whose schools to list.
    #[serde(default)]
    county: String,
    /// "1" when schools may be picked.
    #[serde(default)]
    schools: String,
}

/// One node of the tree.
pub struct Node {
    pub code: String,
    pub name: String,
    /// `city`, `county` or `school`.
    pub level: &'static str,
    /// Where it lies, for search results (`成都市 › 锦江区`).
    pub path: String,
    pub children: Vec<Node>,
}

#[derive(Template)]
#[template(path = "org_tree.html")]
struct Tree {
    c: Ctx,
    nodes: Vec<Node>,
    schools: bool,
    searched: bool,
}

/// The most schools a search or a county lists.
const SCHOOLS_MAX: usize = 300;

async fn picker(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(p): Query<Params>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let role = me.user.role;
    require(role.reads_base_data() || role.manages_users() || role.manages_sites())?;
    let c = Ctx::new(&app, &headers, Some(&me), "/", "");
    let schools = p.schools == "1";
    let q = p.q.trim().chars().take(40).collect::<String>();
    let province = app.config.province.code;
    let scope = me.scope.clone();
    if let Ok(county) = p.county.trim().parse::<u32>() {
        if !schools {
            return html(Tree { c, nodes: vec![], schools, searched: false });
        }
        let nodes = app.pool.run(move |s| Ok(schools_of(s, &scope, Some(county), None)?)).await?;
        return html(Tree { c, nodes, schools, searched: false });
    }
    let mut nodes = divisions(&scope, province);
    if q.is_empty() {
        return html(Tree { c, nodes, schools, searched: false });
    }
    // A search: the divisions whose names hold the text, then the schools.
    let mut found = Vec::new();
    for city in nodes.drain(..) {
        let city_name = city.name.clone();
        if city.name.contains(&q) {
            found.push(Node { children: vec![], path: String::new(), ..city });
            continue;
        }
        found.extend(city.children.into_iter().filter(|n| n.name.contains(&q)).map(|n| Node { path: city_name.clone(), ..n }));
    }
    if schools {
        let more = app.pool.run(move |s| Ok(schools_of(s, &scope, None, Some(q))?)).await?;
        found.extend(more);
    }
    html(Tree { c, nodes: found, schools, searched: true })
}

/// The cities of the area with their counties (a county scope: its city with that county).
fn divisions(scope: &Scope, province: u32) -> Vec<Node> {
    let Some((lo, hi)) = scope.county_range() else { return vec![] };
    let d = &standard::codes::DIVISIONS;
    let mut out = Vec::new();
    for city in d.cities_of(province) {
        let counties: Vec<Node> = d
            .counties_of(province)
            .filter(|c| c.code / 100 == city.code / 100 && (lo..=hi).contains(&c.code))
            .map(|c| Node { code: c.code.to_string(), name: c.name.clone(), level: "county", path: String::new(), children: vec![] })
            .collect();
        if counties.is_empty() {
            continue;
        }
        // A city is picked only by those whose area holds all of it.
        let level = if lo <= city.code && city.code + 99 <= hi { "city" } else { "" };
        out.push(Node { code: city.code.to_string(), name: city.name.clone(), level, path: String::new(), children: counties });
    }
    out
}

/// Schools in scope: of one county, or whose names hold `q`; each with where it lies.
fn schools_of(s: &mut dyn store::Backend, scope: &Scope, county: Option<u32>, q: Option<String>) -> Result<Vec<Node>, store::StoreError> {
    let mut out = Vec::new();
    let query = SchoolQuery { region: county, name: q, limit: store::browse::MAX_PAGE, ..Default::default() };
    s.each_school(scope, &query, &mut |r| {
        let region: u32 = get(Entity::School, &r, "region_code").parse().unwrap_or(0);
        let d = &standard::codes::DIVISIONS;
        let path = [d.city_of(region).map(|c| c.name.clone()), d.get(region).map(|c| c.name.clone())].into_iter().flatten().collect::<Vec<_>>().join(" › ");
        out.push(Node { code: r.key.clone(), name: get(Entity::School, &r, "name").to_string(), level: "school", path, children: vec![] });
        out.len() < SCHOOLS_MAX
    })?;
    Ok(out)
}
