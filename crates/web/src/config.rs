//! The configuration lives in the `config` crate (one path for every command); here is what the
//! web platform makes of it: the monitor's address policy, the audit chain, the province's names
//! and map.

pub use ::config::*;

use standard::codes::DIVISIONS;
use std::sync::Arc;

/// The province's map: Sichuan's is built in; another province's is the `[province] map` file.
pub const SICHUAN_MAP: &str = "sichuan-cities.geojson";

/// What the web platform derives from a [`Config`].
pub trait ConfigExt {
    /// The monitor's address policy: public addresses, and the allowed networks.
    fn net_policy(&self) -> Result<guard::NetPolicy, String>;
    /// The audit chain of this configuration (its key file created when missing).
    fn audit_chain(&self) -> Result<Arc<store::AuditChain>, store::secret::SecretError>;
    /// The province's name: configured, else GB/T 2260's (`zh`), else the built-in table's (`en`).
    fn province_name(&self, zh: bool) -> String;
    /// The scope of the whole province.
    fn province_scope(&self) -> store::Scope;
    /// The incident rules of `[security]` (classification, deadlines, outage minutes); an error
    /// names the bad key. `tianfu serve` and `tianfu worker` check it at start.
    fn incident_rules(&self) -> Result<secman::incidents::Rules, String>;
}

impl ConfigExt for Config {
    fn net_policy(&self) -> Result<guard::NetPolicy, String> {
        let mut p = guard::NetPolicy::default();
        for a in &self.monitor.allow {
            if a.name.trim().is_empty() {
                return Err(format!("[[monitor.allow]] cidr = \"{}\": give the network a name (name = \"…\"), so that people know what is allowed", a.cidr));
            }
            p.allow(&a.name, &a.cidr).map_err(|e| format!("[[monitor.allow]] {}: {e}", a.name))?;
        }
        Ok(p)
    }

    fn audit_chain(&self) -> Result<Arc<store::AuditChain>, store::secret::SecretError> {
        store::AuditChain::open(&self.audit_key_path(), &self.audit_head_path()).map(Arc::new)
    }

    fn province_name(&self, zh: bool) -> String {
        let p = &self.province;
        let configured = if zh { p.name.clone() } else { p.name_en.clone() };
        configured.unwrap_or_else(|| {
            if zh {
                DIVISIONS.get(p.code * 10_000).map(|d| d.name.clone()).unwrap_or_else(|| format!("{}0000", p.code))
            } else {
                standard::codes::province_name_en(p.code).map(str::to_string).unwrap_or_else(|| format!("province {}", p.code))
            }
        })
    }

    fn province_scope(&self) -> store::Scope {
        let (lo, hi) = self.province.range();
        store::Scope::Region { lo, hi }
    }

    fn incident_rules(&self) -> Result<secman::incidents::Rules, String> {
        let s = &self.security;
        secman::incidents::Rules::from_settings(&s.incident_classification, &s.incident_deadlines, s.incident_outage_minutes, s.incident_review_days)
    }
}

/// The province as the console shows it, worked out once at start.
#[derive(Debug, Clone)]
pub struct ProvinceInfo {
    pub code: u32,
    pub zh: String,
    pub en: String,
    /// The GeoJSON of its cities, served at `/province/map.geojson`; None: no map.
    pub map: Option<axum::body::Bytes>,
}

impl ProvinceInfo {
    pub fn of(c: &Config) -> ProvinceInfo {
        ProvinceInfo { code: c.province.code, zh: c.province_name(true), en: c.province_name(false), map: province_map(c) }
    }
}

/// The province's city map, read once at start: the configured file, Sichuan's built-in map, or
/// none (the console then shows a note instead of a map, never another province's).
pub fn province_map(c: &Config) -> Option<axum::body::Bytes> {
    match &c.province.map {
        Some(path) => match std::fs::read(path) {
            Ok(b) => Some(b.into()),
            Err(e) => {
                tracing::warn!(error = %e, "the province map file cannot be read; the console shows no map");
                None
            }
        },
        None if c.province.code == 51 => crate::assets::ASSETS.iter().find(|a| a.name == SICHUAN_MAP).map(|a| axum::body::Bytes::from_static(a.bytes)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_networks_become_the_address_policy() {
        let mut c = Config::default();
        c.monitor.allow = vec![AllowedNetwork { name: "省教育城域网".into(), cidr: "10.20.0.0/16".into() }, AllowedNetwork { name: "本机".into(), cidr: "::1".into() }];
        let p = c.net_policy().unwrap();
        assert_eq!(p.to_string(), "省教育城域网 10.20.0.0/16, 本机 ::1/128");
        assert!(p.permits("10.20.1.1".parse().unwrap()) && !p.permits("10.21.0.1".parse().unwrap()) && !p.permits("127.0.0.1".parse().unwrap()));
        assert!(!Config::default().net_policy().unwrap().permits("10.20.1.1".parse().unwrap()), "nothing is allowed by default");
    }

    #[test]
    fn province_names_and_maps() {
        let mut c = Config::default();
        assert_eq!((c.province_name(true).as_str(), c.province_name(false).as_str()), ("四川省", "Sichuan"));
        assert!(province_map(&c).is_some(), "Sichuan's map is built in");
        c.province.code = 52;
        assert_eq!((c.province_name(true).as_str(), c.province_name(false).as_str()), ("贵州省", "Guizhou"));
        assert!(province_map(&c).is_none(), "never Sichuan's map for another province");
        assert_eq!(c.province_scope(), store::Scope::Region { lo: 520000, hi: 529999 });
        c.province.name = Some("贵州".into());
        assert_eq!(c.province_name(true), "贵州");
    }
}
