//! 安全态势: the security officer's landing page — the sites in scope by state, the alerts
//! still to deal with by level, the IPv6 gap by category, and a warning when the checks have
//! stopped (检测服务未运行). Administrators reach it from the menu.

use super::{ready, require, Me};
use crate::error::AppError;
use crate::labels::{category_label, pct, severity_label, state_class, state_label};
use crate::render::{html, Ctx};
use crate::routes::alerts::LEVELS;
use crate::routes::sites::board::STATES;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use store::monitor::{category_rates, AlertQuery, AlertStatus, Freshness, SiteQuery, SiteState};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/security", get(page))
}

pub struct LevelRow {
    pub code: &'static str,
    pub name: String,
    pub open: u64,
    pub acked: u64,
}

pub struct GapRow {
    pub name: &'static str,
    pub sites: u32,
    pub checked: u32,
    pub supported: u32,
    pub gap: u32,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "security.html")]
struct Page {
    c: Ctx,
    states: Vec<(SiteState, u64)>,
    total: u64,
    levels: Vec<LevelRow>,
    open_total: u64,
    gaps: Vec<GapRow>,
    gap_total: u32,
    fresh: Freshness,
    stale: bool,
    /// 等保 completion by region (None: the role does not read the register).
    mlps: Option<(Vec<crate::routes::mlps::overdue::RegionRow>, crate::routes::mlps::overdue::RegionRow)>,
}

impl Page {
    fn st(&self, s: &SiteState) -> &'static str {
        state_label(&self.c.t, *s)
    }
    fn st_class(&self, s: &SiteState) -> &'static str {
        state_class(*s)
    }
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let scope = me.scope.clone();
    let (counts, alerts, rates, fresh) = app
        .pool
        .run(move |s| {
            let counts = s.site_counts(&scope, &SiteQuery::default())?;
            let q = AlertQuery { statuses: vec![AlertStatus::Open, AlertStatus::Acked], ..Default::default() };
            let alerts = s.alert_counts(&scope, &q)?;
            let rates = category_rates(&s.ipv6_results(&scope, None)?);
            Ok((counts, alerts, rates, s.freshness(&scope)?))
        })
        .await?;
    let mlps = if store::mlps::role_reads(me.user.role) { Some(crate::routes::mlps::overdue::completion(&app, &me).await?) } else { None };
    let c = Ctx::new(&app, &headers, Some(&me), "/security", "security");
    let states: Vec<(SiteState, u64)> = STATES.iter().map(|st| (*st, counts.iter().filter(|(x, _)| x == st).map(|(_, n)| n).sum())).collect();
    let levels: Vec<LevelRow> = LEVELS
        .iter()
        .map(|l| {
            let n = |st: AlertStatus| alerts.iter().filter(|(sev, s, _)| sev == l && *s == st).map(|x| x.2).sum();
            LevelRow { code: l, name: severity_label(&c.t, l), open: n(AlertStatus::Open), acked: n(AlertStatus::Acked) }
        })
        .collect();
    let gaps: Vec<GapRow> = rates
        .iter()
        .map(|r| GapRow { name: category_label(&c.t, r.category), sites: r.sites, checked: r.checked, supported: r.supported, gap: r.checked - r.supported, rate: pct(r.rate) })
        .collect();
    html(Page {
        total: states.iter().map(|x| x.1).sum(),
        open_total: levels.iter().map(|l| l.open + l.acked).sum(),
        gap_total: gaps.iter().map(|g| g.gap).sum(),
        stale: fresh.stale(app.clock.now()),
        states,
        levels,
        gaps,
        fresh,
        mlps,
        c,
    })
}
