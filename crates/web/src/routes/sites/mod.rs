//! 网站安全监测 in the console, one module per action: the status board of the sites in scope
//! ([`board`]), a site's page ([`detail`], its charts in [`charts`]), the register's management
//! ([`manage`]: add, edit; [`switch`]: enable/disable and baselines; [`import`]: CSV/XLSX, the
//! rules in `guard::register`), every change audited, and the JSON API's site routes ([`api`],
//! mounted by [`super::api`]). Alerts are [`super::alerts`]. Scope as everywhere: a site lies in
//! its owner's region (see `store::monitor`), and a site outside the user's area is 404.

pub mod api;
pub mod board;
pub mod charts;
pub mod detail;
pub mod import;
pub mod manage;
pub mod switch;

use crate::error::AppError;
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::sync::Arc;
use store::monitor::Site;
use store::{Backend, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/sites", get(board::board))
        .route("/sites/new", get(manage::new_form).post(manage::create))
        .route("/sites/baselines", post(switch::accept_missing))
        .route("/sites/{id}", get(detail::detail))
        .route("/sites/{id}/edit", get(manage::edit_form).post(manage::update))
        .route("/sites/{id}/{action}", post(switch::switch))
}

/// The import (a multipart upload: the caller gives it the upload size limit).
pub fn import_router() -> Router<Arc<AppState>> {
    Router::new().route("/sites/import", get(import::import_page).post(import::import))
}

/// Routes under `/api/v1`, documented (see [`crate::apidoc`]).
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(api::api_sites, api::api_create)).routes(routes!(api::api_site, api::api_update))
}

/// Whether a site lies inside the scope (the same cut as the store's list queries).
pub fn site_in_scope(scope: &Scope, s: &Site) -> bool {
    match scope {
        Scope::Region { lo, hi } => (*lo as i64..=*hi as i64).contains(&s.region_code),
        Scope::School { code, .. } => s.org_code.to_string() == *code,
        Scope::Nothing => false,
    }
}

/// The site, when it exists and lies in the scope; else 404.
pub fn scoped_site(s: &mut dyn Backend, scope: &Scope, id: i64) -> Result<Site, AppError> {
    match s.site(id)? {
        Some(site) if site_in_scope(scope, &site) => Ok(site),
        _ => Err(AppError::NotFound),
    }
}

pub fn owner_name(s: &mut dyn Backend, org: i64, cache: &mut HashMap<i64, String>) -> Result<String, AppError> {
    if let Some(n) = cache.get(&org) {
        return Ok(n.clone());
    }
    let n = s.org_unit(org)?.map(|u| u.name).unwrap_or_else(|| org.to_string());
    cache.insert(org, n.clone());
    Ok(n)
}

/// An error's message in the reader's language (forms show it above the fields).
pub fn message(t: &crate::i18n::T, e: &AppError) -> String {
    let (zh, en) = e.message();
    if t.is_en() {
        en
    } else {
        zh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::monitor::{SiteCategory, SiteState};

    #[test]
    fn scope_of_sites() {
        let site = |org: i64, region: i64| Site {
            id: 1, name: "x".into(), url: "https://x.edu.cn/".into(), org_code: org, region_code: region, category: SiteCategory::School, interval_minutes: 5,
            enabled: true, state: SiteState::Up, next_due: 0, last_checked: None, ipv6_ok: None, claimed_by: None, lease_until: None, created_at: 0, updated_at: 0,
        };
        let city = Scope::Region { lo: 510100, hi: 510199 };
        assert!(site_in_scope(&city, &site(510100, 510100)));
        assert!(site_in_scope(&city, &site(2151010401, 510104)));
        assert!(!site_in_scope(&city, &site(510000, 510000)));
        let school = Scope::School { code: "2151010401".into(), county: 510104 };
        assert!(site_in_scope(&school, &site(2151010401, 510104)));
        assert!(!site_in_scope(&school, &site(510104, 510104)));
        assert!(!site_in_scope(&Scope::Nothing, &site(510104, 510104)));
    }
}
