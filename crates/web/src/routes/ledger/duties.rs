//! 责任制落实清单 pages: the checklists of the caller's area, a checklist's completion by region
//! (province → cities → counties → units), a unit's items, the item form and the publish form.

use super::{checklist_view, duty_view, messages, pct, publishes, reads, region_filter, region_name, write, writes, ChecklistBody, ChecklistView, DutyBody, DutyView, Write, Written};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::ledger::{duty_by_level, duty_total, DutyCompletion, DutyQuery};
use store::{OrgLevel, Scope};

/// One row of the completion table: a region or a unit.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = LedgerDutyCompletion)]
pub struct CompletionRow {
    pub code: i64,
    pub name: String,
    pub items: u64,
    /// 已落实 or 不适用.
    pub settled: u64,
    pub units: u64,
    pub units_complete: u64,
    /// e.g. "75.0%".
    pub rate: String,
    /// Where the row drills down to (a region's next level, or a unit's items).
    pub link: String,
}

fn row(c: &DutyCompletion, checklist: i64, name: String, unit: bool) -> CompletionRow {
    let link = if unit { format!("/duties/{checklist}/units/{}", c.code) } else { format!("/duties/{checklist}?region={}", c.code) };
    CompletionRow { code: c.code, name, items: c.items, settled: c.settled, units: c.units, units_complete: c.units_complete, rate: pct(c.rate()), link }
}

/// A checklist's completion in the caller's area, at the level below `region` (or the area's
/// own level): cities of a province, counties of a city, units of a county.
pub async fn completion(app: &Arc<AppState>, me: &Identity, checklist: i64, region: &str) -> Result<(Vec<CompletionRow>, CompletionRow), AppError> {
    reads(me)?;
    let region = region_filter(region)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let level = match region {
        Some(r) if r % 10_000 == 0 => OrgLevel::Province,
        Some(r) if r % 100 == 0 => OrgLevel::City,
        Some(_) => OrgLevel::County,
        None => match &scope {
            Scope::Region { lo, hi } if lo == hi => OrgLevel::County,
            Scope::School { .. } => OrgLevel::County,
            s => super::level_of(s),
        },
    };
    let by_unit = level == OrgLevel::County;
    let rows = app
        .pool
        .run(move |s| {
            let rows = s.duty_completion(&scope, checklist, region, by_unit)?;
            let mut names = HashMap::new();
            let named = rows.iter().map(|r| Ok((*r, if by_unit { super::unit_name(s, r.code, &mut names)? } else { String::new() }))).collect::<Result<Vec<_>, AppError>>()?;
            Ok(named)
        })
        .await?;
    let plain: Vec<DutyCompletion> = rows.iter().map(|r| r.0).collect();
    let out = if by_unit {
        rows.iter().map(|(r, n)| row(r, checklist, n.clone(), true)).collect()
    } else {
        duty_by_level(&plain, level).iter().map(|r| row(r, checklist, region_name(r.code), false)).collect()
    };
    let mut sum = row(&duty_total(&plain), checklist, String::new(), false);
    sum.link = String::new();
    Ok((out, sum))
}

#[derive(Template)]
#[template(path = "duties.html")]
struct IndexPage {
    c: Ctx,
    lists: Vec<ChecklistView>,
    can_publish: bool,
}

pub async fn index(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let lists = app.pool.run(move |s| Ok(s.checklists(&scope)?)).await?;
    html(IndexPage { c: Ctx::new(&app, &headers, Some(&me), "/duties", "duties"), lists: lists.iter().map(checklist_view).collect(), can_publish: store::ledger::role_publishes(me.user.role) })
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// A division code inside the caller's area (drills down one level).
    #[serde(default)]
    pub region: String,
}

#[derive(Template)]
#[template(path = "duty_checklist.html")]
struct ChecklistPage {
    c: Ctx,
    list: ChecklistView,
    rows: Vec<CompletionRow>,
    sum: CompletionRow,
    region: String,
    region_name: String,
    by_unit: bool,
    export_q: String,
}

pub async fn checklist(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, Query(q): Query<RegionQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let list = app.pool.run(move |s| s.checklist(&scope, id)?.ok_or(AppError::NotFound)).await?;
    let (rows, sum) = completion(&app, &me, id, &q.region).await?;
    let by_unit = rows.iter().any(|r| r.link.contains("/units/"));
    let region = q.region.trim().to_string();
    let export_q = format!("checklist={id}&region={}", crate::render::urlencode(&region));
    html(ChecklistPage { export_q, c: Ctx::new(&app, &headers, Some(&me), "/duties", "duties"), list: checklist_view(&list), rows, sum, region_name: if region.is_empty() { String::new() } else { region_name(region.parse().unwrap_or(0)) }, region, by_unit })
}

#[derive(Template)]
#[template(path = "duty_unit.html")]
struct UnitPage {
    c: Ctx,
    list: ChecklistView,
    unit_name: String,
    rows: Vec<DutyView>,
    can_write: bool,
    export_q: String,
}

/// A unit's items of a checklist (at most 500).
pub async fn unit_items(app: &Arc<AppState>, me: &Identity, t: crate::i18n::T, checklist: i64, unit: i64) -> Result<Vec<DutyView>, AppError> {
    reads(me)?;
    let scope = crate::routes::read_scope(app, me).await?;
    app.pool
        .run(move |s| {
            let page = s.duty_items(&scope, &DutyQuery { checklist: Some(checklist), unit: Some(unit), limit: store::browse::MAX_PAGE, ..Default::default() })?;
            let mut names = HashMap::new();
            page.rows.iter().map(|d| duty_view(&t, s, d, &mut names)).collect()
        })
        .await
}

pub async fn unit(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path((id, unit)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let list = app.pool.run(move |s| s.checklist(&scope, id)?.ok_or(AppError::NotFound)).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/duties", "duties");
    let rows = unit_items(&app, &me, c.t, id, unit).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let unit_name = rows[0].unit_name.clone();
    html(UnitPage { export_q: format!("checklist={id}&unit={unit}"), can_write: store::ledger::role_writes(me.user.role), c, list: checklist_view(&list), unit_name, rows })
}

#[derive(Template)]
#[template(path = "duty_item.html")]
struct ItemPage {
    c: Ctx,
    item: DutyView,
    f: DutyBody,
    errors: Vec<String>,
    file: Option<crate::routes::evidence::FileOut>,
    limit_mib: u64,
}

impl ItemPage {
    fn status_label(&self, code: &str) -> &'static str {
        store::ledger::DutyStatus::parse(code).map(|s| self.c.t.s(s.zh(), s.en())).unwrap_or("")
    }
}


pub async fn item_page(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, f: Option<DutyBody>, errors: Vec<String>) -> Result<Response, AppError> {
    let scope = crate::routes::read_scope(app, me).await?;
    let c = Ctx::new(app, headers, Some(me), "/duties", "duties");
    let t = c.t;
    let (item, stored) = app
        .pool
        .run(move |s| {
            let d = s.duty_item(&scope, id)?.ok_or(AppError::NotFound)?;
            Ok((duty_view(&t, s, &d, &mut HashMap::new())?, DutyBody::of(&d)))
        })
        .await?;
    let bad = !errors.is_empty();
    let file = super::files::file_of(app, me, id).await?;
    let mut r = html(ItemPage { c, item, f: f.unwrap_or(stored), errors, file, limit_mib: app.config.security.attachment_limit_mib })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn item_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    item_page(&app, &headers, &me, id, None, Vec::new()).await
}

pub async fn item_save(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<DutyBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/duties", "duties").t;
    let u = match super::parse_duty(&app, &me, id, &f).await? {
        Ok(u) => u,
        Err(p) => return item_page(&app, &headers, &me, id, Some(f), messages(&t, &p)).await,
    };
    match write(&app, &me, &ip(&headers, &peer), Write::Duty(id, u)).await? {
        Written::Duty(d) => Ok(Redirect::to(&format!("/duties/{}/units/{}", d.checklist_id, d.unit_code)).into_response()),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Template)]
#[template(path = "duty_new.html")]
struct NewPage {
    c: Ctx,
    division: String,
    f: ChecklistBody,
    errors: Vec<String>,
}

fn new_page(app: &AppState, headers: &HeaderMap, me: &Identity, f: ChecklistBody, errors: Vec<String>) -> Result<Response, AppError> {
    let bad = !errors.is_empty();
    let mut r = html(NewPage { c: Ctx::new(app, headers, Some(me), "/duties", "duties"), division: region_name(me.user.org_code), f, errors })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    publishes(&me)?;
    let year = app.clock.today().year;
    let f = ChecklistBody { year: year.to_string(), title: format!("{year} 年网络安全责任制落实清单"), include_schools: String::new(), items: secman::ledger::DEFAULT_ITEMS.into() };
    new_page(&app, &headers, &me, f, Vec::new())
}

pub async fn publish(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<ChecklistBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    publishes(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/duties", "duties").t;
    let c = match secman::ledger::parse_checklist(&f.input(), me.user.org_code, app.clock.today()) {
        Ok(c) => c,
        Err(p) => return new_page(&app, &headers, &me, f, messages(&t, &p)),
    };
    match write(&app, &me, &ip(&headers, &peer), Write::Publish(c)).await {
        Ok(Written::Checklist(c)) => Ok(Redirect::to(&format!("/duties/{}", c.id)).into_response()),
        Ok(_) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}
