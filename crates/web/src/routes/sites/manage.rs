//! The register's forms: add a site and edit one, each change checked (the target, the owner
//! against the tree and the user's area) and audited. The API's writes go through here too.

use super::{message, scoped_site};
use crate::auth::Identity;
use crate::i18n::T;
use crate::labels::category_label;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use askama::Template;
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};
use store::monitor::{validate_site, NewSite, Site, SiteCategory};
use store::{Backend, Scope};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

#[derive(Deserialize, Default, Clone)]
pub struct SiteForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub org_code: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub interval_minutes: String,
}

impl SiteForm {
    fn of(s: &Site) -> SiteForm {
        SiteForm { name: s.name.clone(), url: s.url.clone(), org_code: s.org_code.to_string(), category: s.category.code().into(), interval_minutes: s.interval_minutes.to_string() }
    }

    /// The site, or every problem of the form (Chinese, then English).
    fn site(&self) -> Result<NewSite, Vec<String>> {
        let mut errors = Vec::new();
        let org = self.org_code.trim().parse::<i64>();
        if org.is_err() {
            errors.push("单位代码应为行政区划代码（6 位）或学校标识码（10 位）（the owner is a division code or a school identifier）".to_string());
        }
        let category = SiteCategory::parse(&self.category);
        if category.is_none() {
            errors.push("请选择类别（choose a category）".to_string());
        }
        let interval = match self.interval_minutes.trim() {
            "" => Ok(guard::register::DEFAULT_INTERVAL),
            s => s.parse::<u32>(),
        };
        if interval.is_err() {
            errors.push(format!("检查间隔应为整数分钟：{}（the interval is whole minutes）", self.interval_minutes.trim()));
        }
        let site = NewSite {
            name: self.name.trim().to_string(),
            url: self.url.trim().to_string(),
            org_code: org.unwrap_or(0),
            category: category.unwrap_or(SiteCategory::Other),
            interval_minutes: interval.unwrap_or(guard::register::DEFAULT_INTERVAL),
        };
        if let Err(e) = validate_site(&site) {
            errors.insert(0, e);
        }
        if errors.is_empty() {
            Ok(site)
        } else {
            Err(errors)
        }
    }
}

/// Checks the owner: in the tree and inside the user's area.
fn check_owner(s: &mut dyn Backend, scope: &Scope, org: i64) -> Result<(), AppError> {
    match s.org_unit(org)? {
        None => Err(AppError::invalid(format!("单位代码 {org} 不在组织机构树中。请输入本省的行政区划代码或已导入学校的标识码。"), format!("No organisation {org}: give a division code of this province or the identifier of an imported school."))),
        Some(u) if !guard::register::owner_in_scope(scope, &u) => Err(AppError::invalid(format!("单位 {}（{org}）不在您的管辖范围内，不能为其登记网站。", u.name), format!("{} ({org}) is outside your area: you cannot register its sites.", u.name))),
        Some(_) => Ok(()),
    }
}

#[derive(Template)]
#[template(path = "site_form.html")]
struct FormPage {
    c: Ctx,
    /// None: a new site.
    id: Option<i64>,
    f: SiteForm,
    errors: Vec<String>,
}

impl FormPage {
    fn categories(&self) -> Vec<(&'static str, &'static str)> {
        SiteCategory::ALL.iter().map(|c| (c.code(), category_label(&self.c.t, *c))).collect()
    }
    fn picked(&self, code: &str) -> bool {
        SiteCategory::parse(&self.f.category).is_some_and(|c| c.code() == code)
    }
}

fn form_page(app: &AppState, headers: &HeaderMap, me: &Identity, id: Option<i64>, f: SiteForm, errors: Vec<String>) -> Result<Response, AppError> {
    let bad = !errors.is_empty();
    let mut r = html(FormPage { c: Ctx::new(app, headers, Some(me), "/sites", "sites"), id, f, errors })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let f = SiteForm { interval_minutes: guard::register::DEFAULT_INTERVAL.to_string(), org_code: me.user.org_code.to_string(), ..Default::default() };
    form_page(&app, &headers, &me, None, f, vec![])
}

fn site_detail(s: &NewSite) -> Value {
    json!({ "name": s.name, "url": s.url, "org": s.org_code, "category": s.category.code(), "interval_minutes": s.interval_minutes })
}

/// The monitor's registration check on a site's URL: no internal or reserved target (the
/// configuration's allowed networks aside), the same for every path that registers or edits.
async fn check_target(app: &AppState, url: &str) -> Result<(), AppError> {
    app.targets.check(url).await.map_err(|r| AppError::invalid(r.zh(), r.en()))
}

/// Registers a site (the target checked, the owner against the tree and the scope) and audits it.
pub async fn create_site(app: &Arc<AppState>, me: &Identity, ipaddr: &str, new: NewSite, via: &str) -> Result<Site, AppError> {
    check_target(app, &new.url).await?;
    let scope = me.scope.clone();
    let n2 = new.clone();
    let site = app
        .pool
        .run(move |s| {
            check_owner(s, &scope, n2.org_code)?;
            s.create_site(&scope, &n2, store::time::unix_now()).map_err(|e| match e {
                store::StoreError::OutOfScope => AppError::invalid("该单位不在您的管辖范围内，不能为其登记网站。", "The owner is outside your area: you cannot register its sites."),
                store::StoreError::Conflict(m) => AppError::Conflict { zh: format!("{m}。该网址可能已登记。"), en: format!("{m}. The URL may be registered already.") },
                e => e.into(),
            })
        })
        .await?;
    let mut d = site_detail(&new);
    d["via"] = via.into();
    app.audit_by(me, "site_create", &format!("site:{}", site.id), d.to_string(), ipaddr).await?;
    Ok(site)
}

/// Changes a site in scope (its target checked, its new owner in scope too) and audits the change.
pub async fn update_site(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, new: NewSite, enabled: Option<bool>, via: &str) -> Result<Site, AppError> {
    check_target(app, &new.url).await?;
    let scope = me.scope.clone();
    let n2 = new.clone();
    let (before, after) = app
        .pool
        .run(move |s| {
            let before = scoped_site(s, &scope, id)?;
            check_owner(s, &scope, n2.org_code)?;
            let now = store::time::unix_now();
            if !s.update_site(&scope, id, &n2, now).map_err(|e| match e {
                store::StoreError::OutOfScope => AppError::invalid("新的所属单位不在您的管辖范围内。", "The new owner is outside your area."),
                store::StoreError::Conflict(m) => AppError::Conflict { zh: m.clone(), en: m },
                e => e.into(),
            })? {
                return Err(AppError::NotFound);
            }
            if let Some(on) = enabled.filter(|on| *on != before.enabled) {
                s.set_site_enabled(&scope, id, on, now)?;
            }
            let after = s.site(id)?.ok_or(AppError::NotFound)?;
            Ok((before, after))
        })
        .await?;
    let old = NewSite { name: before.name.clone(), url: before.url.clone(), org_code: before.org_code, category: before.category, interval_minutes: before.interval_minutes };
    let mut d = json!({ "before": site_detail(&old), "after": site_detail(&new), "via": via });
    if before.enabled != after.enabled {
        d["enabled"] = after.enabled.into();
    }
    app.audit_by(me, "site_update", &format!("site:{id}"), d.to_string(), ipaddr).await?;
    Ok(after)
}

pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<SiteForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let new = match f.site() {
        Ok(n) => n,
        Err(errors) => return form_page(&app, &headers, &me, None, f, errors),
    };
    match create_site(&app, &me, &ip(&headers, &peer), new, "console").await {
        Ok(site) => Ok(Redirect::to(&format!("/sites/{}", site.id)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => form_page(&app, &headers, &me, None, f, vec![message(&t, &e)]),
        Err(e) => Err(e),
    }
}

pub async fn edit_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let scope = me.scope.clone();
    let site = app.pool.run(move |s| scoped_site(s, &scope, id)).await?;
    form_page(&app, &headers, &me, Some(id), SiteForm::of(&site), vec![])
}

pub async fn update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<SiteForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let new = match f.site() {
        Ok(n) => n,
        Err(errors) => {
            // Only a site in scope gets its form back.
            let scope = me.scope.clone();
            app.pool.run(move |s| scoped_site(s, &scope, id)).await?;
            return form_page(&app, &headers, &me, Some(id), f, errors);
        }
    };
    match update_site(&app, &me, &ip(&headers, &peer), id, new, None, "console").await {
        Ok(_) => Ok(Redirect::to(&format!("/sites/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => form_page(&app, &headers, &me, Some(id), f, vec![message(&t, &e)]),
        Err(e) => Err(e),
    }
}
