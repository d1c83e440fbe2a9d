//! The register's forms: add a site and edit one, each change checked (the target, the owner
//! against the tree and the user's area) and audited. The API's writes go through here too.

use super::scoped_site;
use crate::form::Problems;
use crate::auth::Identity;
use crate::i18n::T;
use crate::labels::category_label;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use askama::Template;
use axum::Form;
use serde::Deserialize;
use serde_json::{json, Value};
use store::monitor::{validate_site, NewSite, Site, SiteCategory, MAX_INTERVAL, MIN_INTERVAL};
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

    /// The site, or every problem of the form at once, each against its field (issue 12): the
    /// fields' formats here, then the target and the owner ([`checked`]).
    fn site(&self, t: &T) -> Result<NewSite, Problems> {
        let mut p = Problems::new(t);
        let name = self.name.trim();
        if name.is_empty() {
            p.add("name", "请填写网站名称，例如“成都市第七中学门户网站”。", "Enter the site's name, e.g. \"Chengdu No. 7 Middle School portal\".");
        } else if name.chars().count() > 100 {
            p.add("name", format!("网站名称不超过 100 个字（现为 {} 个），请缩短。", name.chars().count()), format!("The name is at most 100 characters (it has {}): shorten it.", name.chars().count()));
        }
        let url = self.url.trim();
        let lower = url.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
        if url.is_empty() {
            p.add("url", "请填写网站的完整地址，例如 https://www.example.edu.cn/。", "Enter the URL, beginning with http:// or https://, e.g. https://www.example.edu.cn/.");
        } else if rest.is_none_or(|r| r.is_empty() || r.starts_with('/') || r.contains(char::is_whitespace)) {
            p.add("url", "网址应为完整的网站地址（含开头的协议部分，不含空格），例如 https://www.example.edu.cn/。", "The URL begins with http:// or https:// followed by the host name, without spaces, e.g. https://www.example.edu.cn/.");
        }
        let org = self.org_code.trim().parse::<i64>();
        if org.is_err() {
            p.add("org_code", "所属单位代码应为行政区划代码（6 位数字）或学校标识码（10 位数字），可点“按组织树选择”查找。", "The owner is a division code (6 digits) or a school identifier (10 digits); use \"Choose from the tree\" to find it.");
        }
        let category = SiteCategory::parse(&self.category);
        if category.is_none() {
            p.add("category", "请从列表中选择网站类别。", "Choose the site's category from the list.");
        }
        let interval = match self.interval_minutes.trim() {
            "" => Ok(guard::register::DEFAULT_INTERVAL),
            s => s.parse::<u32>(),
        };
        match interval {
            Ok(m) if (MIN_INTERVAL..=MAX_INTERVAL).contains(&m) => {}
            _ => p.add(
                "interval_minutes",
                format!("检查间隔应为 {MIN_INTERVAL}–{MAX_INTERVAL} 之间的整数分钟（{MAX_INTERVAL} 分钟即 7 天），请改正。"),
                format!("The interval is a whole number of minutes from {MIN_INTERVAL} to {MAX_INTERVAL} ({MAX_INTERVAL} minutes = 7 days)."),
            ),
        }
        let site = NewSite {
            name: name.to_string(),
            url: url.to_string(),
            org_code: org.unwrap_or(0),
            category: category.unwrap_or(SiteCategory::Other),
            interval_minutes: interval.unwrap_or(guard::register::DEFAULT_INTERVAL),
        };
        if p.is_empty() && validate_site(&site).is_err() {
            p.add("", "网站信息不完整，请检查各项后重新提交。", "The site's details are incomplete: check each field and submit again.");
        }
        if p.is_empty() {
            Ok(site)
        } else {
            Err(p)
        }
    }
}

/// Every problem of the site form at once: the fields' formats, the monitor's target check of the
/// URL and the owner against the tree and the user's area (those two when their field is well formed).
async fn checked(app: &AppState, me: &Identity, t: &T, f: &SiteForm) -> Result<NewSite, Problems> {
    let (site, mut p) = match f.site(t) {
        Ok(s) => (Some(s), Problems::new(t)),
        Err(p) => (None, p),
    };
    if !p.has("url") {
        if let Err(e) = check_target(app, f.url.trim()).await {
            let (zh, en) = e.message();
            p.add("url", zh, en);
        }
    }
    if let (false, Ok(org)) = (p.has("org_code"), f.org_code.trim().parse::<i64>()) {
        let scope = me.scope.clone();
        match app.pool.run(move |s| check_owner(s, &scope, org)).await {
            Ok(()) => {}
            Err(e @ AppError::Invalid { .. }) => {
                let (zh, en) = e.message();
                p.add("org_code", zh, en);
            }
            Err(_) => p.add("org_code", "暂时无法核对所属单位，请稍后重试。", "The owner could not be checked just now: try again shortly."),
        }
    }
    match site {
        Some(s) if p.is_empty() => Ok(s),
        _ => Err(p),
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
    problems: Problems,
}

impl FormPage {
    fn categories(&self) -> Vec<(&'static str, &'static str)> {
        SiteCategory::ALL.iter().map(|c| (c.code(), category_label(&self.c.t, *c))).collect()
    }
    fn picked(&self, code: &str) -> bool {
        SiteCategory::parse(&self.f.category).is_some_and(|c| c.code() == code)
    }
}

fn form_page(app: &AppState, headers: &HeaderMap, me: &Identity, id: Option<i64>, f: SiteForm, problems: Problems) -> Result<Response, AppError> {
    let bad = !problems.is_empty();
    let mut r = html(FormPage { c: Ctx::new(app, headers, Some(me), "/sites", "sites"), id, f, problems })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let f = SiteForm { interval_minutes: guard::register::DEFAULT_INTERVAL.to_string(), org_code: me.user.org_code.to_string(), ..Default::default() };
    form_page(&app, &headers, &me, None, f, Problems::default())
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
    let new = match checked(&app, &me, &t, &f).await {
        Ok(n) => n,
        Err(p) => return form_page(&app, &headers, &me, None, f, p),
    };
    match create_site(&app, &me, &ip(&headers, &peer), new, "console").await {
        Ok(site) => Ok(Redirect::to(&format!("/sites/{}", site.id)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => form_page(&app, &headers, &me, None, f, one(&t, &e)),
        Err(e) => Err(e),
    }
}

pub async fn edit_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let scope = me.scope.clone();
    let site = app.pool.run(move |s| scoped_site(s, &scope, id)).await?;
    form_page(&app, &headers, &me, Some(id), SiteForm::of(&site), Problems::default())
}

pub async fn update(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<SiteForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.manages_sites())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    // Only a site in scope gets its form back.
    let scope = me.scope.clone();
    app.pool.run(move |s| scoped_site(s, &scope, id)).await?;
    let new = match checked(&app, &me, &t, &f).await {
        Ok(n) => n,
        Err(p) => return form_page(&app, &headers, &me, Some(id), f, p),
    };
    match update_site(&app, &me, &ip(&headers, &peer), id, new, None, "console").await {
        Ok(_) => Ok(Redirect::to(&format!("/sites/{id}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => form_page(&app, &headers, &me, Some(id), f, one(&t, &e)),
        Err(e) => Err(e),
    }
}

/// A refusal of the store (the URL registered meanwhile, say) as the form's one problem.
fn one(t: &T, e: &AppError) -> Problems {
    let mut p = Problems::new(t);
    let (zh, en) = e.message();
    p.add("", zh, en);
    p
}
