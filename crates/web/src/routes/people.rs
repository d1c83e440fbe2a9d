//! 教师 and 学生: search by name (prefix), ID number or 学籍号 (exact) and school; keyset pages
//! that stay fast at 15 M rows; a record's page, masked, with an audited "reveal".
//!
//! The console's search form is posted (`/students/search`, CSRF in the body): a number searched
//! comes back in the list's address sealed for the account (`idq`), never plain, and a list
//! address with a plain `id` is refused without echoing it (issue 12: ID numbers never travel in
//! URLs, which end up in logs and browser history).

use crate::labels::region_options;
use crate::present::{list_fields, path_of, person_row, Row};
use super::{ip, ready, require, Me, Peer};
use crate::error::AppError;
use crate::present::{cells, get, Cell};
use crate::render::{html, urlencode, Ctx};
use crate::seal;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get as route_get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use store::{Entity, PersonQuery, Record};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/teachers", route_get(list_teachers))
        .route("/students", route_get(list_students))
        .route("/teachers/search", post(search_teachers))
        .route("/students/search", post(search_students))
        .route("/teachers/{key}", route_get(detail_teacher))
        .route("/students/{key}", route_get(detail_student))
        .route("/teachers/{key}/reveal", post(reveal_teacher))
        .route("/students/{key}/reveal", post(reveal_student))
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    #[serde(default)]
    pub name: String,
    /// Not in an address: the console posts it (`search`), the API takes it in a body.
    #[serde(default)]
    #[param(ignore)]
    pub id: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub after: String,
}

impl Filters {
    /// The store query. A cursor must open in `context` ([`Filters::context`]): one forged, cut,
    /// or made for another account or other filters is the same generic error.
    pub fn query(&self, limit: usize, context: &str) -> Result<PersonQuery, AppError> {
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, context).ok_or_else(AppError::bad_cursor)?),
        };
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(PersonQuery { region, school: opt(&self.school), name: opt(&self.name), id: opt(&self.id).map(|s| s.to_ascii_uppercase()), after, limit })
    }

    /// What this list's cursors are bound to: the account, the entity and the filters.
    pub fn context(&self, user_id: i64, entity: Entity) -> String {
        seal::cursor_context(user_id, entity.key(), &[self.name.trim(), &self.id.trim().to_ascii_uppercase(), self.school.trim(), self.region.trim()])
    }
}

/// A page of people for `me`: the query checked ([`crate::search::check`]), run in scope, the
/// search audited; the next page's cursor comes back sealed for this list.
pub async fn page(app: &Arc<AppState>, me: &crate::auth::Identity, f: &Filters, limit: usize, entity: Entity, via: &str, ip: &str) -> Result<(Vec<Record>, Option<String>), AppError> {
    let context = f.context(me.user.id, entity);
    let q = f.query(limit, &context)?;
    let search = crate::search::check(app, me, &q)?;
    let scope = me.scope.clone();
    let page = app.pool.run(move |s| s.people(&scope, entity, &q).map_err(AppError::from)).await?;
    crate::search::audit(app, me, entity, search.as_ref(), page.rows.len(), via, ip).await?;
    Ok((page.rows, page.next.map(|n| seal::seal_cursor(&n, &context))))
}

/// The console list's address: the filters, a searched number only sealed (`idq`).
#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    name: String,
    /// A plain number: refused (see the module's note).
    #[serde(default)]
    id: String,
    #[serde(default)]
    idq: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    after: String,
}

/// What a sealed number (`idq`) is bound to: the account and the list.
fn idq_context(user_id: i64, entity: Entity) -> String {
    seal::cursor_context(user_id, &format!("{}/idq", entity.key()), &[])
}

impl ListQuery {
    fn filters(self, user_id: i64, entity: Entity) -> Result<(Filters, String), AppError> {
        if !self.id.trim().is_empty() {
            return Err(AppError::invalid(
                "证件号不在网址中传递：请在页面上方的查询表单中输入后查询。",
                "ID numbers are not taken from the address: enter it in the search form at the top of the page.",
            ));
        }
        let id = match self.idq.as_str() {
            "" => String::new(),
            q => seal::open_cursor(q, &idq_context(user_id, entity)).ok_or_else(AppError::bad_cursor)?,
        };
        Ok((Filters { name: self.name, id, school: self.school, region: self.region, after: self.after }, self.idq))
    }
}

/// A page of the list at the console: its filters with the number sealed as `idq`.
fn list_href(f: &Filters, idq: &str, after: &str) -> String {
    let e = urlencode;
    let mut h = format!("name={}&school={}&region={}", e(&f.name), e(&f.school), e(&f.region));
    if !idq.is_empty() {
        h.push_str(&format!("&idq={}", e(idq)));
    }
    if !after.is_empty() {
        h.push_str(&format!("&after={}", e(after)));
    }
    h
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    c: Ctx,
    entity: Entity,
    f: Filters,
    regions: Vec<(u32, String)>,
    headers: Vec<(&'static str, String)>,
    rows: Vec<Row>,
    first: String,
    next: Option<String>,
    base: &'static str,
}

async fn list(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, q: ListQuery, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let (f, idq) = q.filters(me.user.id, entity)?;
    let (rows, next) = page(&app, &me, &f, 50, entity, "console", &ip(&headers, &peer)).await?;
    let base = path_of(entity);
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/{base}"), base);
    let t = entity.template();
    html(ListPage {
        headers: list_fields(entity).iter().filter_map(|k| t.index(k)).map(|i| (crate::present::label_zh(t.fields[i].key, t.fields[i].zh), crate::present::label_en(t.fields[i].key))).collect(),
        regions: region_options(&me.scope, app.config.province.code),
        rows: rows.iter().map(|r| person_row(entity, r)).collect(),
        first: list_href(&f, &idq, ""),
        next: next.map(|n| list_href(&f, &idq, &n)),
        entity,
        f,
        c,
        base,
    })
}

async fn list_teachers(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    list(app, headers, peer, me, q, Entity::Teacher).await
}

async fn list_students(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    list(app, headers, peer, me, q, Entity::Student).await
}

/// The search form (posted, CSRF in the body): to the list, a number sealed for this account.
#[derive(Deserialize)]
struct SearchForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    region: String,
}

async fn search(me: Me, f: SearchForm, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let id = f.id.trim().to_ascii_uppercase();
    // Only roles that may reveal search by number (crate::search); refused before anything is sealed.
    if !id.is_empty() && !me.user.role.may_reveal() {
        return Err(AppError::Forbidden);
    }
    let idq = if id.is_empty() { String::new() } else { seal::seal_cursor(&id, &idq_context(me.user.id, entity)) };
    let filters = Filters { name: f.name.trim().to_string(), id: String::new(), school: f.school.trim().to_string(), region: f.region.trim().to_string(), after: String::new() };
    Ok(Redirect::to(&format!("/{}?{}", path_of(entity), list_href(&filters, &idq, ""))).into_response())
}

async fn search_teachers(me: Me, Form(f): Form<SearchForm>) -> Result<Response, AppError> {
    search(me, f, Entity::Teacher).await
}

async fn search_students(me: Me, Form(f): Form<SearchForm>) -> Result<Response, AppError> {
    search(me, f, Entity::Student).await
}

#[derive(Template)]
#[template(path = "person.html")]
struct DetailPage {
    c: Ctx,
    entity: Entity,
    title: String,
    reveal_url: String,
    fields: Vec<Cell>,
    can_reveal: bool,
    school_name: String,
    school_code: String,
}

#[derive(Template)]
#[template(path = "person_fields.html")]
struct FieldsPart {
    c: Ctx,
    fields: Vec<Cell>,
    revealed: bool,
    can_reveal: bool,
    reveal_url: String,
}

/// One record in the user's scope, by sealed key; 404 when outside it.
async fn load(app: &Arc<AppState>, me: &crate::auth::Identity, entity: Entity, sealed: &str) -> Result<(Record, String), AppError> {
    let key = seal::open(sealed).ok_or(AppError::NotFound)?;
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            let r = s.record(&scope, entity, &key)?.ok_or(AppError::NotFound)?;
            let sc = get(entity, &r, "school_code").to_string();
            let school = s.record(&scope, Entity::School, &sc)?.map(|s| get(Entity::School, &s, "name").to_string()).unwrap_or_default();
            Ok((r, school))
        })
        .await
}

async fn detail(app: Arc<AppState>, headers: HeaderMap, me: Me, sealed: String, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let (r, school_name) = load(&app, &me, entity, &sealed).await?;
    let base = path_of(entity);
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/{base}"), base);
    html(DetailPage {
        title: store::mask::name(get(entity, &r, "name")),
        school_code: get(entity, &r, "school_code").to_string(),
        fields: cells(entity, &r, false),
        can_reveal: me.user.role.may_reveal(),
        reveal_url: format!("/{base}/{sealed}/reveal"),
        school_name,
        entity,
        c,
    })
}

async fn detail_teacher(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(k): Path<String>) -> Result<Response, AppError> {
    detail(app, headers, me, k, Entity::Teacher).await
}

async fn detail_student(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(k): Path<String>) -> Result<Response, AppError> {
    detail(app, headers, me, k, Entity::Student).await
}

/// Shows the personal fields unmasked, once, and writes it to the audit log first.
async fn reveal(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, sealed: String, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_reveal())?;
    let (r, _) = load(&app, &me, entity, &sealed).await?;
    app.audit_by(&me, "reveal", &crate::present::audit_target(entity, &r.key), crate::present::audit_detail(entity, &r, "console"), &ip(&headers, &peer)).await?;
    let base = path_of(entity);
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/{base}"), base);
    html(FieldsPart { c, fields: cells(entity, &r, true), revealed: true, can_reveal: true, reveal_url: String::new() })
}

async fn reveal_teacher(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(k): Path<String>) -> Result<Response, AppError> {
    reveal(app, headers, peer, me, k, Entity::Teacher).await
}

async fn reveal_student(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(k): Path<String>) -> Result<Response, AppError> {
    reveal(app, headers, peer, me, k, Entity::Student).await
}
