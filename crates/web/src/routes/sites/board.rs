//! The status board: the sites in scope by state, filtered, 50 a page.

use super::owner_name;
use crate::labels::{category_label, state_class, state_label};
use crate::render::{html, Ctx};
use crate::routes::{ready, require, Me};
use crate::seal;
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;
use store::monitor::{SiteCategory, SiteQuery, SiteState, Site};
use store::{Backend, Scope};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::Arc;

/// Sites per page of the board.
const PAGE: usize = 50;

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub state: String,
    /// "1": disabled sites too.
    #[serde(default)]
    pub all: String,
    #[serde(default)]
    pub after: String,
    /// Set after accepting the missing baselines: how many were.
    #[serde(default)]
    #[param(ignore)]
    pub baselines: String,
}

impl Filters {
    pub fn query(&self, limit: usize) -> Result<SiteQuery, AppError> {
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
        };
        let category = match self.category.trim() {
            "" => None,
            c => Some(SiteCategory::parse(c).ok_or_else(|| AppError::invalid(format!("未知类别：{c}"), format!("Unknown category: {c} (university, vocational, school, bureau, other)")))?),
        };
        let state = match self.state.trim() {
            "" => None,
            x => Some(SiteState::parse(x).ok_or_else(|| AppError::invalid(format!("未知状态：{x}"), format!("Unknown state: {x} (unknown, up, warning, down)")))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, &self.context()).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(SiteQuery { category, state, region, include_disabled: self.all == "1", after, limit })
    }

    /// What the board's cursors are bound to: its filters (a site's number is no secret, but a
    /// cursor opens only in the list it was made for, as every cursor does).
    pub fn context(&self) -> String {
        seal::cursor_context(0, "sites", &[self.category.trim(), self.region.trim(), self.state.trim(), &self.all])
    }

    /// The query string of these filters with another state and cursor.
    pub fn with(&self, state: &str, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("category={}&region={}&state={}&all={}&after={}", e(&self.category), e(&self.region), e(state), e(&self.all), e(after))
    }

    pub fn with_after(&self, after: &str) -> String {
        self.with(&self.state, after)
    }
}

/// The board's tiles, in this order.
pub const STATES: [SiteState; 4] = [SiteState::Up, SiteState::Warning, SiteState::Down, SiteState::Unknown];

/// Sites in scope by state, with the other filters.
fn state_counts(s: &mut dyn Backend, scope: &Scope, q: &SiteQuery) -> Result<[u64; 4], AppError> {
    let mut n = [0u64; 4];
    for (state, count) in s.site_counts(scope, q)? {
        n[STATES.iter().position(|x| *x == state).unwrap_or(3)] += count;
    }
    Ok(n)
}

pub struct SiteRow {
    pub site: Site,
    pub owner: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct BoardPage {
    c: Ctx,
    f: Filters,
    counts: Vec<(SiteState, u64)>,
    total: u64,
    regions: Vec<(u32, String)>,
    rows: Vec<SiteRow>,
    next: Option<String>,
    can_manage: bool,
    fresh: store::monitor::Freshness,
    stale: bool,
    /// Sites a bulk baseline acceptance would change (named in its confirmation).
    missing: u64,
}

impl BoardPage {
    fn cat(&self, c: &SiteCategory) -> &'static str {
        category_label(&self.c.t, *c)
    }
    fn st(&self, s: &SiteState) -> &'static str {
        state_label(&self.c.t, *s)
    }
    fn st_class(&self, s: &SiteState) -> &'static str {
        state_class(*s)
    }
    fn categories(&self) -> Vec<(&'static str, &'static str)> {
        SiteCategory::ALL.iter().map(|c| (c.code(), category_label(&self.c.t, *c))).collect()
    }
}

pub async fn board(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(mut f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    if f.baselines.parse::<u64>().is_err() {
        f.baselines.clear();
    }
    require(me.user.role.reads_monitor())?;
    let q = f.query(PAGE)?;
    let scope = me.scope.clone();
    let can_manage = me.user.role.manages_sites();
    let (counts, page, rows, fresh, missing) = app
        .pool
        .run(move |s| {
            let counts = state_counts(s, &scope, &q)?;
            let page = s.sites(&scope, &q)?;
            let mut names = HashMap::new();
            let mut rows = Vec::with_capacity(page.rows.len());
            for site in &page.rows {
                rows.push(SiteRow { owner: owner_name(s, site.org_code, &mut names)?, site: site.clone() });
            }
            let missing = if can_manage { s.missing_baselines(&scope)? } else { 0 };
            Ok((counts, page.next, rows, s.freshness(&scope)?, missing))
        })
        .await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/sites", "sites");
    html(BoardPage {
        counts: STATES.iter().copied().zip(counts).collect(),
        total: counts.iter().sum(),
        regions: crate::labels::region_options(&me.scope, app.config.province.code),
        rows,
        next: page.map(|n| f.with_after(&seal::seal_cursor(&n, &f.context()))),
        can_manage,
        stale: fresh.stale(app.clock.now()),
        fresh,
        missing,
        f,
        c,
    })
}
