//! What every request shares: configuration, the connection pool, session caches, import jobs
//! and the overview cache.

use crate::sessions::{Identity, Sessions};
use crate::config::Config;
use crate::error::AppError;
use crate::imports::Jobs;
use crate::pool::Pool;
use std::sync::Arc;
use store::AuditEvent;

pub struct AppState {
    pub config: Config,
    pub pool: Arc<Pool>,
    /// Audit entries appended in groups ([`crate::auditq`]).
    pub audits: Arc<crate::auditq::AuditQueue>,
    pub sessions: Sessions,
    pub jobs: Jobs,
    /// Overview figures per scope, with when they were read. Imports clear it.
    pub overview: crate::figures::Cache,
    /// The indicator screens' grouped facts per scope and screen, with when they were read
    /// (`routes::insight`; held as `Any` so that nothing below the routes names their type).
    /// Cleared with the overview.
    pub screens: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Arc<dyn std::any::Any + Send + Sync>)>>,
    /// Classes of large divisions, counted in the background once per import (cleared with
    /// the overview).
    pub classes: Arc<crate::figures::Classes>,
    /// Where uploads are kept while they are imported.
    pub upload_dir: std::path::PathBuf,
    /// Person searches started per account this minute (see [`crate::search`]).
    pub searches: crate::throttle::SearchLimiter,
    /// The reverse proxies whose `X-Forwarded-For` is believed (`trusted_proxies`).
    pub proxies: crate::net::Proxies,
    /// The monitor's registration check (the configuration's address policy and a resolver):
    /// every path that registers or edits a site runs it.
    pub targets: guard::target::TargetCheck,
    /// Where time comes from for sessions, sign-in backoff, tokens and transfers (tests set a
    /// `store::clock::TestClock` with [`crate::build_with`] instead of sleeping).
    pub clock: Arc<dyn store::clock::Clock>,
    /// The province's names and map (`[province]`).
    pub province: Arc<crate::config::ProvinceInfo>,
}

impl AppState {
    /// Appends to the audit log. A failure to audit fails the request: an action that cannot be
    /// recorded is not done silently.
    pub async fn audit(&self, actor: &str, action: &str, target: &str, detail: String, ip: &str, outcome: &str) -> Result<(), AppError> {
        let e = AuditEvent { actor: actor.into(), action: action.into(), target: target.into(), detail, ip: ip.into(), outcome: outcome.into() };
        self.audits.append(&self.pool, e).await
    }

    pub async fn audit_by(&self, who: &Identity, action: &str, target: &str, detail: String, ip: &str) -> Result<(), AppError> {
        self.audit(&who.user.name, action, target, detail, ip, "ok").await
    }

    pub fn clear_overview(&self) {
        self.overview.lock().expect("lock").clear();
        self.screens.lock().expect("lock").clear();
        self.classes.clear();
    }
}
