//! A site's switches: enable, disable, and accepting its latest page as the tamper baseline (one
//! site, or every site in the user's area without one). Each audited.

use super::scoped_site;
use crate::auth::Identity;
use crate::routes::{ip, ready, require, Me, Peer};
use serde_json::json;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;


/// `POST /sites/{id}/enable` and `/disable`.
pub async fn switch(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let on = match action.as_str() {
        "enable" => true,
        "disable" => false,
        "baseline" => return accept_baseline(app, headers, peer, me, id).await,
        _ => return Err(AppError::NotFound),
    };
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            if !s.set_site_enabled(&scope, id, on, store::time::unix_now())? {
                return Err(AppError::NotFound);
            }
            Ok(())
        })
        .await?;
    app.audit_by(&me, if on { "site_enable" } else { "site_disable" }, &format!("site:{id}"), "{}".into(), &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/sites/{id}")).into_response())
}

/// `POST /sites/{id}/baseline`: the site's latest page becomes its baseline (first accepted, or
/// renewed after a change that was meant). Audited.
async fn accept_baseline(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Identity, id: i64) -> Result<Response, AppError> {
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let (renewed, at) = app
        .pool
        .run(move |s| {
            scoped_site(s, &scope, id)?;
            let renewed = s.baseline(id)?.is_some();
            let at = s.snapshot(id)?.map(|p| p.at);
            if !s.accept_baseline(&scope, id, &by, store::time::unix_now())? {
                return Err(AppError::Invalid {
                    zh: "该站点尚未检测到首页，检测后才能设为基线".into(),
                    en: "the site's home page has not been fetched yet: accept a baseline after a check".into(),
                });
            }
            Ok((renewed, at))
        })
        .await?;
    let detail = json!({ "renewed": renewed, "page_at": at }).to_string();
    app.audit_by(&me, "site_baseline", &format!("site:{id}"), detail, &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/sites/{id}#baseline")).into_response())
}

/// `POST /sites/baselines`: every site in the user's area without a baseline takes its latest
/// page as one (the first round after registering many sites). Audited with the count.
pub async fn accept_missing(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let (scope, by) = (me.scope.clone(), me.user.name.clone());
    let n = app.pool.run(move |s| Ok(s.accept_missing_baselines(&scope, &by, store::time::unix_now())?)).await?;
    app.audit_by(&me, "site_baseline", "sites:missing", json!({ "accepted": n }).to_string(), &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/sites?baselines={n}")).into_response())
}

