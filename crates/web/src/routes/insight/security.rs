//! 网络安全 screen (`/insight/security`): per city, county or unit of the (narrowed) area, the
//! university portals' IPv6 rate against the plan's 100 %, the sites monitored and those down
//! now, the 等保 systems overdue for filing or assessment, and the open incidents with those not
//! reported upward in time. Every figure comes from the store calls the security pages use
//! (`all_sites`, `ipv6_results`, `overdue_systems`, `incidents`), grouped here one level down:
//! a site, system or incident lies where its unit does (a school's county, a bureau itself).
//!
//! University portals are the monitor's sites of category 高等学校 (`SiteCategory::University`):
//! the category the site register records for each site (the unit kind of the register).

use super::model::{at_least, level_of, Level, Rag};
use super::screens::{Col, Kind};
use store::incidents::IncidentQuery;
use store::monitor::{SiteCategory, SiteQuery, SiteState};
use store::{Backend, Scope, StoreError};

/// What the caller's role reads besides the monitor (the overview's readers all read it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads {
    pub mlps: bool,
    pub incidents: bool,
}

impl Reads {
    pub fn of(role: store::Role) -> Reads {
        Reads { mlps: store::mlps::role_reads(role), incidents: store::incidents::reads(role) }
    }
}

/// One row: a city, a county or a unit (school or bureau), with its figures.
#[derive(Debug, Clone, Default)]
pub struct SecGroup {
    pub code: String,
    pub name: String,
    pub href: String,
    /// University portals checked at least once, and those supporting IPv6.
    pub uni_checked: u64,
    pub uni_supported: u64,
    /// Enabled sites monitored, and those down at their latest check.
    pub sites: u64,
    pub down: u64,
    /// None where the role does not read the 等保 register.
    pub mlps: Option<(u64, u64)>,
    /// Open incidents and those overdue for the report upward; None where the role does not read incidents.
    pub incidents: Option<(u64, u64)>,
}

impl SecGroup {
    pub fn ipv6_rate(&self) -> Option<f64> {
        insight::share(self.uni_supported, self.uni_checked)
    }
    fn add(&mut self, o: &SecGroup) {
        self.uni_checked += o.uni_checked;
        self.uni_supported += o.uni_supported;
        self.sites += o.sites;
        self.down += o.down;
        self.mlps = match (self.mlps, o.mlps) {
            (Some(a), Some(b)) => Some((a.0 + b.0, a.1 + b.1)),
            (a, b) => a.or(b),
        };
        self.incidents = match (self.incidents, o.incidents) {
            (Some(a), Some(b)) => Some((a.0 + b.0, a.1 + b.1)),
            (a, b) => a.or(b),
        };
    }
}

pub struct SecView {
    pub level: Level,
    pub groups: Vec<SecGroup>,
    pub total: SecGroup,
}

/// Incidents read per page (the store's most).
const PAGE: usize = 500;
/// Overdue systems read at most (the 等保 overdue list's cap is far lower; this counts them all
/// in any real province).
const SYSTEMS_MAX: usize = 1_000_000;

/// A count at most 0 to be met: red above, green at 0.
fn none_allowed(n: u64) -> Rag {
    if n > 0 { Rag::Red } else { Rag::Green }
}

/// Reads and groups the figures of `scope` (`today` for the 等保 dues, `now` for the incidents').
pub fn load(s: &mut dyn Backend, scope: &Scope, reads: Reads, today: standard::Date, now: i64) -> Result<SecView, StoreError> {
    let level = level_of(scope);
    let key = |region: i64, unit: i64| -> String {
        match level {
            Level::Province => store::sql::city_of(u32::try_from(region).unwrap_or(0)).to_string(),
            Level::City => region.to_string(),
            _ => unit.to_string(),
        }
    };
    let mut by: std::collections::BTreeMap<String, SecGroup> = Default::default();
    let sites = s.all_sites(scope, &SiteQuery::default())?;
    let mut org_of = std::collections::HashMap::new();
    for site in sites.iter().filter(|x| x.enabled) {
        org_of.insert(site.id, site.org_code);
        let g = by.entry(key(site.region_code, site.org_code)).or_default();
        g.sites += 1;
        g.down += u64::from(site.state == SiteState::Down);
    }
    for r in s.ipv6_results(scope, Some(SiteCategory::University))? {
        if r.checked.is_none() {
            continue;
        }
        let g = by.entry(key(r.region_code, org_of.get(&r.site_id).copied().unwrap_or(r.region_code))).or_default();
        g.uni_checked += 1;
        g.uni_supported += u64::from(r.supported());
    }
    if reads.mlps {
        for sys in s.overdue_systems(scope, None, today, SYSTEMS_MAX)? {
            let g = by.entry(key(sys.region_code, sys.new.unit_code)).or_default();
            let (f, a) = g.mlps.unwrap_or((0, 0));
            g.mlps = Some((f + u64::from(sys.dues.filing.is_some_and(|d| d < today)), a + u64::from(sys.dues.assessment.is_some_and(|d| d < today))));
        }
    }
    if reads.incidents {
        let mut before = None;
        loop {
            let page = s.incidents(scope, &IncidentQuery { open: true, before, limit: PAGE, ..Default::default() })?;
            for i in &page {
                let g = by.entry(key(i.region, i.unit_code)).or_default();
                let (o, late) = g.incidents.unwrap_or((0, 0));
                g.incidents = Some((o + 1, late + u64::from(i.overdue(now))));
            }
            match page.last() {
                Some(last) if page.len() == PAGE => before = Some(last.id),
                _ => break,
            }
        }
    }
    let own = match scope {
        Scope::Region { lo, .. } => *lo,
        _ => 0,
    };
    let mut groups = Vec::new();
    for (code, mut g) in by {
        if reads.mlps && g.mlps.is_none() {
            g.mlps = Some((0, 0));
        }
        if reads.incidents && g.incidents.is_none() {
            g.incidents = Some((0, 0));
        }
        let n: i64 = code.parse().unwrap_or(0);
        (g.name, g.href) = match level {
            // The city's or province's own units (its bureau's sites) stay on this page.
            Level::Province | Level::City if n == own as i64 => (format!("{}{}", crate::figures::name_of(own), "（本级）"), String::new()),
            Level::Province | Level::City => (crate::figures::name_of(n as u32), format!("/insight/security?region={n}")),
            _ => match s.org_unit(n)? {
                Some(u) if u.level == store::OrgLevel::School => (u.name, format!("/schools/{n}")),
                Some(u) => (u.name, String::new()),
                None => (code.clone(), String::new()),
            },
        };
        g.code = code;
        groups.push(g);
    }
    let mut total = SecGroup { mlps: reads.mlps.then_some((0, 0)), incidents: reads.incidents.then_some((0, 0)), ..Default::default() };
    for g in &groups {
        total.add(g);
    }
    Ok(SecView { level, groups, total })
}

fn n(v: u64) -> Option<f64> {
    Some(v as f64)
}

const fn col(key: &'static str, zh: &'static str, en: &'static str, indicator: &'static str, kind: Kind, get: fn(&SecGroup) -> Option<f64>, rag: Option<fn(&SecGroup) -> Rag>) -> Col<SecGroup> {
    Col { key, zh, en, indicator, kind, get, rag, drill: None }
}

/// The columns: the plan's 100 % for the portals (amber from 85 %); a site down, a system
/// overdue, an incident not reported in time are each red (none is allowed); open incidents
/// are counted, not judged.
pub static COLS: &[Col<SecGroup>] = &[
    col("uni_checked", "已检测高校门户网站", "University portals checked", "university_portal_ipv6", Kind::Count, |g| n(g.uni_checked), None),
    col("uni_supported", "支持 IPv6", "Supporting IPv6", "university_portal_ipv6", Kind::Count, |g| n(g.uni_supported), None),
    col("uni_rate", "高校门户 IPv6 支持率", "University portal IPv6 rate", "university_portal_ipv6", Kind::Share, |g| g.ipv6_rate(), Some(|g| at_least(g.ipv6_rate(), 1.0))),
    col("sites", "监测网站", "Sites monitored", "sites_down", Kind::Count, |g| n(g.sites), None),
    col("down", "当前无法访问", "Down now", "sites_down", Kind::Count, |g| n(g.down), Some(|g| if g.sites == 0 { Rag::None } else { none_allowed(g.down) })),
    col("mlps_filing", "逾期未备案（等保）", "MLPS filings overdue", "mlps_overdue", Kind::Count, |g| g.mlps.map(|m| m.0 as f64), Some(|g| g.mlps.map_or(Rag::None, |m| none_allowed(m.0)))),
    col("mlps_assessment", "逾期未测评（等保）", "MLPS assessments overdue", "mlps_overdue", Kind::Count, |g| g.mlps.map(|m| m.1 as f64), Some(|g| g.mlps.map_or(Rag::None, |m| none_allowed(m.1)))),
    col("incidents_open", "未结案事件", "Open incidents", "incident_reports_overdue", Kind::Count, |g| g.incidents.map(|m| m.0 as f64), None),
    col("incidents_late", "逾期未上报事件", "Incidents reported late", "incident_reports_overdue", Kind::Count, |g| g.incidents.map(|m| m.1 as f64), Some(|g| g.incidents.map_or(Rag::None, |m| none_allowed(m.1)))),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(key: &str, g: &SecGroup) -> Rag {
        COLS.iter().find(|c| c.key == key).unwrap().judge(g)
    }

    #[test]
    fn two_of_three_portals_is_red_and_each_overdue_thing_is_red() {
        let g = SecGroup { uni_checked: 3, uni_supported: 2, sites: 4, down: 1, mlps: Some((0, 1)), incidents: Some((2, 0)), ..Default::default() };
        assert_eq!(format!("{:.1}", g.ipv6_rate().unwrap() * 100.0), "66.7");
        assert_eq!(judge("uni_rate", &g), Rag::Red);
        assert_eq!(judge("down", &g), Rag::Red);
        assert_eq!(judge("mlps_filing", &g), Rag::Green);
        assert_eq!(judge("mlps_assessment", &g), Rag::Red);
        assert_eq!(judge("incidents_open", &g), Rag::None);
        assert_eq!(judge("incidents_late", &g), Rag::Green);
        // 17 of 20 is 85 %: amber; all: green; nothing checked: not judged.
        assert_eq!(judge("uni_rate", &SecGroup { uni_checked: 20, uni_supported: 17, ..Default::default() }), Rag::Amber);
        assert_eq!(judge("uni_rate", &SecGroup { uni_checked: 2, uni_supported: 2, ..Default::default() }), Rag::Green);
        assert_eq!(judge("uni_rate", &SecGroup::default()), Rag::None);
        // A role that does not read the register sees no judgement of it.
        assert_eq!(judge("mlps_filing", &SecGroup::default()), Rag::None);
        assert_eq!(judge("down", &SecGroup::default()), Rag::None);
    }
}
