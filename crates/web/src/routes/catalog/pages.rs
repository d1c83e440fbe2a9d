//! The catalog's pages: the list with search and filters, a dataset (fields and versions), and
//! the form to register or edit a hand-made dataset, checked whole.

use super::{dataset_view, reads, row_view, version_view, write, writes, DatasetForm, DatasetView, RowView, VersionView};
use crate::auth::Identity;
use crate::error::AppError;
use crate::form::Problems;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::seal;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::sync::Arc;
use store::catalog::{CatalogQuery, Format, Origin, ShareMethod, ShareType, Status, UpdateCycle};

const PAGE: usize = 50;

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// Words in the name, the resource code, the keywords or a field's code or title.
    #[serde(default)]
    pub q: String,
    /// A class prefix: `3` (类), `301` (类+项) … up to nine digits.
    #[serde(default)]
    pub class: String,
    /// A provider's division code.
    #[serde(default)]
    pub provider: String,
    /// unconditional, conditional or none.
    #[serde(default)]
    pub share: String,
    /// auto or manual.
    #[serde(default)]
    pub origin: String,
    /// The cursor of the previous page.
    #[serde(default)]
    pub after: String,
}

impl Filters {
    pub fn query(&self, user: i64, limit: usize) -> Result<CatalogQuery, AppError> {
        let class = self.class.trim();
        if !class.is_empty() && (class.len() > 9 || !class.bytes().all(|b| b.is_ascii_digit())) {
            return Err(AppError::invalid("资源分类应为 1–9 位数字。", "The class must be 1 to 9 digits."));
        }
        let provider = match self.provider.trim() {
            "" => None,
            p => Some(p.parse::<i64>().ok().filter(|_| p.len() == 6).ok_or_else(|| AppError::invalid("提供方应为 6 位行政区划代码。", "The provider must be a 6-digit division code."))?),
        };
        let share_type = match self.share.trim() {
            "" => None,
            x => Some(ShareType::parse(x).ok_or_else(|| AppError::invalid(format!("未知共享类型“{x}”。"), format!("Unknown share type “{x}”.")))?),
        };
        let origin = match self.origin.trim() {
            "" => None,
            x => Some(Origin::parse(x).ok_or_else(|| AppError::invalid(format!("未知来源“{x}”。"), format!("Unknown origin “{x}”.")))?),
        };
        if self.q.chars().count() > 100 {
            return Err(AppError::invalid("搜索词最多 100 个字。", "Search words: at most 100 characters."));
        }
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, &self.context(user)).and_then(|v| v.parse::<i64>().ok()).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(CatalogQuery { text: self.q.clone(), class: class.into(), provider, share_type, origin, after, limit })
    }

    pub fn context(&self, user: i64) -> String {
        seal::cursor_context(user, "catalog", &[self.q.trim(), self.class.trim(), self.provider.trim(), self.share.trim(), self.origin.trim()])
    }

    pub fn with_after(&self, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("q={}&class={}&provider={}&share={}&origin={}&after={}", e(&self.q), e(&self.class), e(&self.provider), e(&self.share), e(&self.origin), e(after))
    }
}

/// A page of the list (sealed cursor).
pub async fn read(app: &Arc<AppState>, me: &Identity, t: crate::i18n::T, f: &Filters, limit: usize) -> Result<(Vec<RowView>, Option<String>), AppError> {
    reads(me)?;
    let q = f.query(me.user.id, limit)?;
    let scope = super::read_scope(me);
    let (rows, next) = app
        .pool
        .run(move |s| {
            let page = s.catalog_list(&scope, &q)?;
            Ok((page.rows.iter().map(|r| row_view(&t, r)).collect::<Vec<_>>(), page.next))
        })
        .await?;
    Ok((rows, next.map(|n| seal::seal_cursor(&n, &f.context(me.user.id)))))
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct ListPage {
    c: Ctx,
    f: Filters,
    rows: Vec<RowView>,
    next: Option<String>,
    can_write: bool,
}

impl ListPage {
    /// The filters of the page, for its export.
    fn export_q(&self) -> String {
        use crate::render::urlencode as e;
        format!("q={}&class={}&provider={}&share={}&origin={}", e(&self.f.q), e(&self.f.class), e(&self.f.provider), e(&self.f.share), e(&self.f.origin))
    }
    fn shares(&self) -> Vec<(&'static str, &'static str)> {
        ShareType::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
    fn classes(&self) -> Vec<(&'static str, &'static str)> {
        vec![("1", self.c.t.s("基础信息资源", "Base resources")), ("2", self.c.t.s("主题信息资源", "Thematic resources")), ("3", self.c.t.s("部门信息资源", "Department resources"))]
    }
}

pub async fn list(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/catalog", "catalog");
    let (rows, next) = read(&app, &me, c.t, &f, PAGE).await?;
    html(ListPage { c, rows, next: next.map(|n| f.with_after(&n)), can_write: store::catalog::role_writes(me.user.role), f })
}

#[derive(Deserialize, Default)]
pub struct VersionQ {
    #[serde(default)]
    pub version: String,
}

#[derive(Template)]
#[template(path = "catalog_dataset.html")]
struct DetailPage {
    c: Ctx,
    d: DatasetView,
    versions: Vec<VersionView>,
    can_edit: bool,
    /// The records the entry holds inside the caller's area, live (base data registers, roles
    /// that read the overview's figures).
    records: Option<u64>,
}

/// A dataset (or one of its versions), its fields and history; 404 when unknown or a draft outside
/// the area.
pub async fn read_one(app: &Arc<AppState>, me: &Identity, t: crate::i18n::T, id: i64, version: Option<u32>) -> Result<(DatasetView, Vec<VersionView>, bool), AppError> {
    reads(me)?;
    let scope = super::read_scope(me);
    let write_scope = me.scope.clone();
    let role_writes = store::catalog::role_writes(me.user.role);
    app.pool
        .run(move |s| {
            let d = match version {
                None => s.catalog_dataset(&scope, id)?,
                Some(v) => s.catalog_version(&scope, id, v)?,
            }
            .ok_or(AppError::NotFound)?;
            let versions = s.catalog_versions(&scope, id)?.iter().map(|v| version_view(&t, v)).collect();
            let can = role_writes && d.origin == Origin::Manual && store::catalog::may_write(&write_scope, d.meta.provider_code);
            Ok((dataset_view(&t, &d), versions, can))
        })
        .await
}

pub async fn detail(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, Query(q): Query<VersionQ>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/catalog", "catalog");
    let version = match q.version.trim() {
        "" => None,
        v => Some(v.parse::<u32>().map_err(|_| AppError::NotFound)?),
    };
    let (d, versions, can_edit) = read_one(&app, &me, c.t, id, version).await?;
    let records = match d.auto_key.as_str() {
        "schools" | "teachers" | "students" if me.user.role.reads_overview() => {
            let f = crate::figures::figures(&app.pool, &app.overview, &me.scope).await?;
            Some(match d.auto_key.as_str() {
                "schools" => f.schools,
                "teachers" => f.teachers,
                _ => f.students,
            })
        }
        _ => None,
    };
    html(DetailPage { c, d, versions, can_edit, records })
}

#[derive(Template)]
#[template(path = "catalog_form.html")]
struct FormPage {
    c: Ctx,
    id: Option<i64>,
    f: DatasetForm,
    problems: Problems,
}

impl FormPage {
    fn shares(&self) -> Vec<(&'static str, &'static str)> {
        ShareType::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
    fn formats(&self) -> Vec<(&'static str, &'static str)> {
        Format::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
    fn methods(&self) -> Vec<(&'static str, &'static str)> {
        ShareMethod::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
    fn cycles(&self) -> Vec<(&'static str, &'static str)> {
        UpdateCycle::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
    fn statuses(&self) -> Vec<(&'static str, &'static str)> {
        Status::ALL.iter().map(|k| (k.code(), self.c.t.s(k.zh(), k.en()))).collect()
    }
}

fn form_page(app: &AppState, headers: &HeaderMap, me: &Identity, id: Option<i64>, f: DatasetForm, problems: Problems) -> Result<Response, AppError> {
    let bad = !problems.is_empty();
    let mut r = html(FormPage { c: Ctx::new(app, headers, Some(me), "/catalog", "catalog"), id, f, problems })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let f = DatasetForm { provider_code: me.user.org_code.to_string(), format: "xlsx".into(), share_type: "conditional".into(), method: "file".into(), cycle: "yearly".into(), status: "published".into(), ..Default::default() };
    form_page(&app, &headers, &me, None, f, Problems::default())
}

pub async fn edit_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let scope = me.scope.clone();
    let d = app
        .pool
        .run(move |s| match s.catalog_dataset(&scope, id)? {
            Some(d) if d.origin == Origin::Manual && store::catalog::may_write(&scope, d.meta.provider_code) => Ok(d),
            _ => Err(AppError::NotFound),
        })
        .await?;
    form_page(&app, &headers, &me, Some(id), DatasetForm::of(&d.meta), Problems::default())
}

async fn save(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, id: Option<i64>, f: DatasetForm) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/catalog", "catalog").t;
    let mut p = Problems::new(&t);
    let body = f.body(&mut p);
    let n = match body.parse(p) {
        Ok(n) => n,
        Err(p) => return form_page(&app, &headers, &me, id, f, p),
    };
    match write(&app, &me, &ip(&headers, &peer), id, n, f.note.clone()).await {
        Ok(d) => Ok(Redirect::to(&format!("/catalog/{}", d.id)).into_response()),
        Err(AppError::Invalid { zh, en }) | Err(AppError::Conflict { zh, en }) => {
            let mut p = Problems::new(&t);
            p.add("provider_code", zh, en);
            form_page(&app, &headers, &me, id, f, p)
        }
        Err(e) => Err(e),
    }
}

pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<DatasetForm>) -> Result<Response, AppError> {
    save(app, headers, peer, me, None, f).await
}

pub async fn edit(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<DatasetForm>) -> Result<Response, AppError> {
    save(app, headers, peer, me, Some(id), f).await
}
