//! A site's page: its fields and state, open alerts, the latest check's findings, the tamper
//! baseline, its IPv6 result, and response-time and availability charts.

use super::charts::{availability, charts};
use super::{owner_name, scoped_site};
use crate::labels::{alert_kind_label, category_label, finding_label, severity_class, severity_label, state_class, state_label};
use crate::render::{html, script_json, Ctx};
use crate::routes::{ready, require, Me};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;
use store::monitor::{Alert, CheckSummary, History, Ipv6Result, Site, DAY};
use store::{Backend, Scope};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    pub range: String,
}

/// The ranges a site's charts offer.
pub const RANGES: [(&str, i64); 3] = [("24h", DAY), ("7d", 7 * DAY), ("90d", 90 * DAY)];

#[derive(Template)]
#[template(path = "site.html")]
struct DetailPage {
    c: Ctx,
    site: Site,
    owner: String,
    alerts: Vec<Alert>,
    last: Option<CheckSummary>,
    range: &'static str,
    availability: Option<String>,
    checks: u64,
    charts_json: String,
    can_manage: bool,
    base: BaselineView,
    ipv6: Option<Ipv6Result>,
}

/// The tamper baseline as a site's page shows it.
#[derive(Default)]
pub struct BaselineView {
    pub baseline: Option<store::monitor::Baseline>,
    /// When the latest page was seen (the one accepting would take).
    pub snapshot_at: Option<i64>,
    /// The latest page differs from the baseline.
    pub differs: bool,
    pub similarity: Option<String>,
    /// Lines removed (`- `) and added (`+ `), at most [`DIFF_LINES`].
    pub diff: Vec<String>,
    /// The site's address is refused (`target_forbidden`): nothing of its pages is shown.
    pub forbidden: bool,
}

/// Lines of a baseline diff shown.
const DIFF_LINES: usize = 40;

fn baseline_view(s: &mut dyn Backend, id: i64) -> Result<BaselineView, AppError> {
    let baseline = s.baseline(id)?;
    let snap = s.snapshot(id)?;
    let mut v = BaselineView { snapshot_at: snap.as_ref().map(|p| p.at), ..Default::default() };
    if let (Some(b), Some(p)) = (&baseline, &snap) {
        if b.page.fingerprint != p.fingerprint || b.page.text != p.text {
            let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
            v.differs = true;
            v.diff = guard::fingerprint::diff(&lines(&b.page.text), &lines(&p.text), DIFF_LINES);
            let fp = |f: &str| guard::fingerprint::decode(f);
            if let (Some(x), Some(y)) = (fp(&b.page.fingerprint), fp(&p.fingerprint)) {
                v.similarity = Some(format!("{:.0}%", guard::fingerprint::similarity(&x, &y) * 100.0));
            }
        }
    }
    v.baseline = baseline;
    Ok(v)
}

/// The site's IPv6 result (read among its region's sites of its category: a handful).
fn ipv6_of(s: &mut dyn Backend, site: &Site) -> Result<Option<Ipv6Result>, AppError> {
    let r = site.region_code as u32;
    let all = s.ipv6_results(&Scope::Region { lo: r, hi: r }, Some(site.category))?;
    Ok(all.into_iter().find(|x| x.site_id == site.id))
}

impl DetailPage {
    fn pct(&self, r: Option<f64>) -> String {
        crate::labels::pct(r)
    }
    fn shortfall(&self, r: &Ipv6Result) -> String {
        crate::labels::shortfall_text(&self.c.t, r)
    }
    fn cat(&self) -> &'static str {
        category_label(&self.c.t, self.site.category)
    }
    fn st(&self) -> &'static str {
        state_label(&self.c.t, self.site.state)
    }
    fn st_class(&self) -> &'static str {
        state_class(self.site.state)
    }
    fn kind(&self, k: &str) -> String {
        alert_kind_label(&self.c.t, k)
    }
    fn finding(&self, k: &str) -> String {
        finding_label(&self.c.t, k)
    }
    fn sev(&self, s: &str) -> String {
        severity_label(&self.c.t, s)
    }
    fn sev_class(&self, s: &str) -> &'static str {
        severity_class(s)
    }
    fn is_range(&self, k: &str) -> bool {
        k == self.range
    }
    fn ranges(&self) -> Vec<(&'static str, &'static str)> {
        let t = &self.c.t;
        vec![("24h", t.s("24 小时", "24 h")), ("7d", t.s("7 天", "7 days")), ("90d", t.s("90 天", "90 days"))]
    }
}

/// What a site's page and the API's site need, read in one go.
pub struct SiteView {
    pub site: Site,
    pub owner: String,
    pub alerts: Vec<Alert>,
    pub last: Option<CheckSummary>,
    pub history: History,
}

pub fn site_view(s: &mut dyn Backend, scope: &Scope, id: i64, from: i64, to: i64) -> Result<SiteView, AppError> {
    let site = scoped_site(s, scope, id)?;
    let owner = owner_name(s, site.org_code, &mut HashMap::new())?;
    let alerts = s.site_alerts(id)?;
    let history = s.history(id, from, to)?;
    let last = match site.last_checked {
        Some(at) if history.raw.last().is_some_and(|c| c.at == at) => history.raw.last().cloned(),
        Some(at) => s.history(id, at, at + 1)?.raw.pop(),
        None => None,
    };
    Ok(SiteView { site, owner, alerts, last, history })
}

pub async fn detail(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, Query(r): Query<RangeQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_monitor())?;
    let (range, span) = RANGES.iter().copied().find(|(k, _)| *k == r.range).unwrap_or(RANGES[0]);
    let now = store::time::unix_now();
    let scope = me.scope.clone();
    let (v, base, ipv6) = app
        .pool
        .run(move |s| {
            let v = site_view(s, &scope, id, now - span, now + 1)?;
            // A site whose address is refused shows nothing that was fetched from it (a page
            // kept before the policy existed included).
            let refused = v.last.as_ref().is_some_and(|l| l.findings.iter().any(|k| k == guard::Kind::TargetForbidden.as_str()));
            let base = if refused { BaselineView { forbidden: true, ..Default::default() } } else { baseline_view(s, id)? };
            let ipv6 = ipv6_of(s, &v.site)?;
            Ok((v, base, ipv6))
        })
        .await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/sites", "sites");
    let charts_json = script_json(&charts(&c.t, &v.history, span));
    html(DetailPage {
        availability: availability(&v.history),
        checks: v.history.checks(),
        charts_json,
        range,
        can_manage: me.user.role.manages_sites(),
        site: v.site,
        owner: v.owner,
        alerts: v.alerts,
        last: v.last,
        base,
        ipv6,
        c,
    })
}
