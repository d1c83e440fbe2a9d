//! 教师 and 学生: search by name (prefix), ID number or 学籍号 (exact) and school; keyset pages
//! that stay fast at 15 M rows; a record's page, masked, with an audited "reveal".
//!
//! The console's search form is posted (`/students/search`, CSRF in the body): a number searched
//! comes back in the list's address sealed for the account (`idq`), never plain, and a list
//! address with a plain `id` is refused without echoing it (issue 12: ID numbers never travel in
//! URLs, which end up in logs and browser history). Sorting, page size and the jump carry `idq`.

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
use crate::changes::HistoryView;
use std::collections::BTreeMap;
use store::drill::{Drill, DrillOn};
use store::{Entity, History, PersonQuery, PersonSort, Record, Total};

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
    /// The order: `region` (default), `name`, `school`, `grade` (students) or `time` (the last
    /// change, newest first); a name search is always by name. A next-page cursor holds only in
    /// the order it was made for.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub after: String,
    /// 下钻: only the records behind one figure of the decision screens. Students: `boarders`,
    /// `migrant` (compulsory grades), `left_behind`, `minority`, `disabled`, `anomaly` (age does
    /// not fit the grade), `unassigned` (no class); teachers: `female`, `full_time`, `bachelor_up`, `backbone` (county
    /// and up), `pe_arts`, `retiring_3`, `retiring_5`. A drilled page may hold fewer rows than
    /// asked, even none, with a cursor to go on.
    #[serde(default)]
    pub drill: String,
}

/// The drill key of a list, checked: an unknown key is refused naming the allowed ones.
pub fn drill_of(entity: Entity, key: &str) -> Result<Option<Drill>, AppError> {
    match key.trim() {
        "" => Ok(None),
        k => Drill::from_key(entity, k).map(Some).ok_or_else(|| {
            let keys = Drill::of(entity).iter().map(|d| d.key()).collect::<Vec<_>>().join(", ");
            AppError::invalid(format!("下钻条件无效，可用：{keys}。"), format!("Unknown drill key; the allowed keys are: {keys}."))
        }),
    }
}

/// What only the console's list takes: the page size, a page to jump to, and the number of the
/// page shown (carried by the pager's links; it only labels the page).
#[derive(Deserialize, Default, Clone)]
pub struct View {
    #[serde(default)]
    pub size: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub at: String,
}

/// The page sizes offered.
pub const SIZES: [usize; 4] = [20, 50, 100, 200];

impl View {
    pub fn size(&self) -> usize {
        self.size.parse().ok().filter(|n| SIZES.contains(n)).unwrap_or(50)
    }

    /// The page to jump to (1-based), if asked.
    pub fn jump(&self) -> Option<usize> {
        self.page.trim().parse().ok().filter(|&p: &usize| p >= 1)
    }

    /// The number of the page shown.
    pub fn at(&self) -> usize {
        self.jump().or_else(|| self.at.parse().ok()).filter(|&p| p >= 1).unwrap_or(1)
    }
}

impl Filters {
    /// The store query. A cursor must open in `context` ([`Filters::context`]): one forged, cut,
    /// or made for another account or other filters is the same generic error.
    /// `today`: the day the drill's rules take (the screens' day, `app.clock`).
    pub fn query(&self, limit: usize, context: &str, entity: Entity, today: standard::Date) -> Result<PersonQuery, AppError> {
        let drill = drill_of(entity, &self.drill)?.map(|drill| DrillOn { drill, today });
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, context).ok_or_else(AppError::bad_cursor)?),
        };
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let sort = match self.sort.trim() {
            "" => PersonSort::Region,
            s => PersonSort::from_key(s).ok_or_else(|| AppError::invalid("排序方式无效。", "Unknown sort order."))?,
        };
        Ok(PersonQuery { region, school: opt(&self.school), name: opt(&self.name), id: opt(&self.id).map(|s| s.to_ascii_uppercase()), sort, skip: 0, after, limit, drill })
    }

    /// What this list's cursors are bound to: the account, the entity and the filters.
    pub fn context(&self, user_id: i64, entity: Entity) -> String {
        seal::cursor_context(user_id, entity.key(), &[self.name.trim(), &self.id.trim().to_ascii_uppercase(), self.school.trim(), self.region.trim(), self.sort.trim(), self.drill.trim()])
    }

    pub fn with_after(&self, after: &str) -> String {
        let e = urlencode;
        let mut h = format!("name={}&id={}&school={}&region={}&sort={}&after={}", e(&self.name), e(&self.id), e(&self.school), e(&self.region), e(&self.sort), e(after));
        if !self.drill.trim().is_empty() {
            h.push_str(&format!("&drill={}", e(self.drill.trim())));
        }
        h
    }

    /// The filters in another order, from the first page.
    pub fn with_sort(&self, sort: &str) -> String {
        Filters { sort: sort.to_string(), ..self.clone() }.with_after("")
    }

}

/// A page of people for `me`: the query checked ([`crate::search::check`]), run in scope, the
/// search audited; the next page's cursor comes back sealed for this list.
pub async fn page(app: &Arc<AppState>, me: &crate::auth::Identity, f: &Filters, limit: usize, entity: Entity, via: &str, ip: &str) -> Result<(Vec<Record>, Option<String>), AppError> {
    page_from(app, me, f, limit, 0, entity, via, ip).await
}

/// [`page`], `skip` rows in (a jump from the first page).
#[allow(clippy::too_many_arguments)]
pub async fn page_from(app: &Arc<AppState>, me: &crate::auth::Identity, f: &Filters, limit: usize, skip: usize, entity: Entity, via: &str, ip: &str) -> Result<(Vec<Record>, Option<String>), AppError> {
    let context = f.context(me.user.id, entity);
    let mut q = f.query(limit, &context, entity, app.clock.today())?;
    if entity == Entity::Teacher && q.sort == PersonSort::Grade {
        return Err(AppError::invalid("教师名单不能按年级排序，请选择其他排序方式。", "Teachers have no grade: choose another order."));
    }
    // A drilled list pages by cursor only (store::drill).
    q.skip = if q.drill.is_some() { 0 } else { skip };
    let search = crate::search::check(app, me, &q)?;
    let scope = me.scope.clone();
    let page = app.pool.run(move |s| s.people(&scope, entity, &q).map_err(AppError::from)).await?;
    crate::search::audit(app, me, entity, search.as_ref(), page.rows.len(), via, ip).await?;
    Ok((page.rows, page.next.map(|n| seal::seal_cursor(&n, &context))))
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    c: Ctx,
    entity: Entity,
    f: Filters,
    /// What the school box shows: the school's name and code once resolved.
    school_text: String,
    school_note: Option<(String, String)>,
    regions: Vec<(u32, String)>,
    headers: Vec<Header>,
    rows: Vec<Row>,
    /// The searched number, sealed for this account (carried by every link of the list).
    idq: String,
    first: String,
    next: Option<String>,
    base: &'static str,
    total: Total,
    size: usize,
    sizes: [usize; 4],
    at: usize,
    pages: u64,
    jump_max: usize,
    /// The drill-down filter shown as a removable chip ("仅显示：住校生"), and the list without it.
    drill: Option<(String, String)>,
    undrill: String,
}

impl ListPage {
    /// The list in another order, from its first page (the number sealed, never plain).
    fn sort_href(&self, sort: &str) -> String {
        list_href(&Filters { sort: sort.to_string(), ..self.f.clone() }, &self.idq, "")
    }
}

/// The console list's address: the filters ([`Filters`]; a plain number in `id` is refused, see
/// the module's note), a searched number only sealed (`idq`).
#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(flatten)]
    f: Filters,
    #[serde(default)]
    idq: String,
}

/// What a sealed number (`idq`) is bound to: the account and the list.
fn idq_context(user_id: i64, entity: Entity) -> String {
    seal::cursor_context(user_id, &format!("{}/idq", entity.key()), &[])
}

impl ListQuery {
    fn filters(self, user_id: i64, entity: Entity) -> Result<(Filters, String), AppError> {
        if !self.f.id.trim().is_empty() {
            return Err(AppError::invalid(
                "证件号不在网址中传递：请在页面上方的查询表单中输入后查询。",
                "ID numbers are not taken from the address: enter it in the search form at the top of the page.",
            ));
        }
        let id = match self.idq.as_str() {
            "" => String::new(),
            q => seal::open_cursor(q, &idq_context(user_id, entity)).ok_or_else(AppError::bad_cursor)?,
        };
        Ok((Filters { id, ..self.f }, self.idq))
    }
}

/// A page of the list at the console: its filters with the number sealed as `idq`.
fn list_href(f: &Filters, idq: &str, after: &str) -> String {
    let e = urlencode;
    let mut h = format!("name={}&school={}&region={}&sort={}", e(&f.name), e(&f.school), e(&f.region), e(&f.sort));
    if !idq.is_empty() {
        h.push_str(&format!("&idq={}", e(idq)));
    }
    if !f.drill.trim().is_empty() {
        h.push_str(&format!("&drill={}", e(f.drill.trim())));
    }
    if !after.is_empty() {
        h.push_str(&format!("&after={}", e(after)));
    }
    h
}

/// A column's header, and the order it sorts by when it can.
struct Header {
    zh: &'static str,
    en: String,
    sort: Option<&'static str>,
}

async fn list(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, q: ListQuery, v: View, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let (mut f, idq) = q.filters(me.user.id, entity)?;
    let size = v.size();
    let drill = drill_of(entity, &f.drill)?;
    let (school_text, school_note) = resolve_school(&app, &me, &mut f).await?;
    // A jump reaches as far as MAX_SKIP rows by OFFSET; deeper pages are reached by cursor.
    let jump_max = store::browse::MAX_SKIP / size + 1;
    let (skip, at) = match v.jump() {
        Some(p) => {
            f.after.clear();
            let p = p.min(jump_max);
            ((p - 1) * size, p)
        }
        None if f.after.is_empty() => (0, 1),
        None => (0, v.at()),
    };
    let (rows, next) = page_from(&app, &me, &f, size, skip, entity, "console", &ip(&headers, &peer)).await?;
    // The total of the same filters (checked above by the search rules), in scope.
    let q = Filters { after: String::new(), ..f.clone() }.query(size, "", entity, app.clock.today())?;
    let scope = me.scope.clone();
    let codes = crate::changes::codes_of(entity, &rows);
    let (total, names) = app
        .pool
        .run(move |s| {
            let total = s.count_people(&scope, entity, &q)?;
            Ok((total, crate::changes::school_names(s, codes)?))
        })
        .await?;
    let base = path_of(entity);
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/{base}"), base);
    let t = entity.template();
    let sort_of = |k: &str| match k {
        "name" => Some("name"),
        "school_code" => Some("school"),
        "grade" => Some("grade"),
        _ => None,
    };
    let mut heads = Vec::new();
    for i in list_fields(entity).iter().filter_map(|k| t.index(k)) {
        heads.push(Header { zh: crate::present::label_zh(t.fields[i].key, t.fields[i].zh), en: crate::present::label_en(t.fields[i].key), sort: sort_of(t.fields[i].key) });
        if t.fields[i].key == "school_code" {
            heads.push(Header { zh: "学校名称", en: "School name".into(), sort: None });
        }
    }
    // The chip's ×: the same list without the drill (the sealed number kept).
    let undrill = format!("{}&size={size}", list_href(&Filters { drill: String::new(), ..f.clone() }, &idq, ""));
    html(ListPage {
        headers: heads,
        regions: region_options(&me.scope, app.config.province.code),
        rows: rows
            .iter()
            .map(|r| {
                // The school's name beside its 学校标识码.
                let mut row = person_row(entity, r);
                if let Some(i) = row.cells.iter().position(|c| c.key == "school_code") {
                    let name = names.get(&row.cells[i].value).cloned().unwrap_or_default();
                    row.cells.insert(i + 1, crate::present::Cell { key: "school_name", header: "学校名称", value: name, masked: false });
                }
                row
            })
            .collect(),
        first: format!("{}&size={size}", list_href(&f, &idq, "")),
        next: next.map(|n| format!("{}&size={size}&at={}", list_href(&f, &idq, &n), at + 1)),
        idq,
        pages: total.n.div_ceil(size as u64).max(1),
        sizes: SIZES,
        school_text,
        school_note,
        total,
        size,
        at,
        jump_max,
        drill: drill.map(|d| {
            let (zh, en) = d.names();
            (format!("仅显示：{zh}"), format!("{en} only"))
        }),
        undrill,
        entity,
        f,
        c,
        base,
    })
}

/// A school given by name (typed, or chosen from the suggestions: `name（code）`) becomes its
/// code: the code in the parentheses, or the one school in scope whose name holds the text.
/// Returns what the box shows and, when the text names no school or several, a note.
async fn resolve_school(app: &Arc<AppState>, me: &crate::auth::Identity, f: &mut Filters) -> Result<(String, Option<(String, String)>), AppError> {
    let text = f.school.trim().to_string();
    if text.is_empty() || text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok((text, None));
    }
    let inner = text.strip_suffix('）').or_else(|| text.strip_suffix(')')).and_then(|t| t.rsplit_once(['（', '('])).map(|(_, c)| c.trim());
    if let Some(code) = inner.filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit())) {
        f.school = code.to_string();
        return Ok((text, None));
    }
    let scope = me.scope.clone();
    let name = text.clone();
    let found = app.pool.run(move |s| Ok(s.schools(&scope, &store::SchoolQuery { name: Some(name), limit: 2, ..Default::default() })?.rows)).await?;
    match found.as_slice() {
        [one] => {
            f.school = one.key.clone();
            Ok((format!("{}（{}）", get(Entity::School, one, "name"), one.key), None))
        }
        [] => {
            f.school = "-".into();
            Ok((text, Some(("没有名称含此文字的学校。".into(), "No school's name contains this text.".into()))))
        }
        _ => {
            f.school = "-".into();
            Ok((text, Some(("有多所学校名称含此文字，请从建议中选择一所。".into(), "Several schools' names contain this text: choose one from the suggestions.".into()))))
        }
    }
}

async fn list_teachers(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(q): Query<ListQuery>, Query(v): Query<View>) -> Result<Response, AppError> {
    list(app, headers, peer, me, q, v, Entity::Teacher).await
}

async fn list_students(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Query(q): Query<ListQuery>, Query(v): Query<View>) -> Result<Response, AppError> {
    list(app, headers, peer, me, q, v, Entity::Student).await
}

/// The search form (posted, CSRF in the body): to the list, a number sealed for this account.
/// The filters as the list reads them (its `after` is not used), and the page size.
#[derive(Deserialize)]
struct SearchForm {
    #[serde(flatten)]
    f: Filters,
    #[serde(default)]
    size: String,
}

async fn search(me: Me, f: SearchForm, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let id = f.f.id.trim().to_ascii_uppercase();
    // Only roles that may reveal search by number (crate::search); refused before anything is sealed.
    if !id.is_empty() && !me.user.role.may_reveal() {
        return Err(AppError::Forbidden);
    }
    let idq = if id.is_empty() { String::new() } else { seal::seal_cursor(&id, &idq_context(me.user.id, entity)) };
    let filters = Filters { name: f.f.name.trim().to_string(), id: String::new(), school: f.f.school.trim().to_string(), region: f.f.region.trim().to_string(), sort: f.f.sort.trim().to_string(), after: String::new(), drill: f.f.drill.trim().to_string() };
    let size = View { size: f.size, ..Default::default() }.size();
    Ok(Redirect::to(&format!("/{}?{}&size={size}", path_of(entity), list_href(&filters, &idq, ""))).into_response())
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
    history: HistoryView,
}

#[derive(Template)]
#[template(path = "person_fields.html")]
struct FieldsPart {
    c: Ctx,
    fields: Vec<Cell>,
    revealed: bool,
    can_reveal: bool,
    reveal_url: String,
    history: HistoryView,
}

/// One record in the user's scope, by sealed key, with its school's name, its change history
/// and the names of the schools that history names; 404 when outside the scope.
async fn load(app: &Arc<AppState>, me: &crate::auth::Identity, entity: Entity, sealed: &str) -> Result<(Record, String, History, BTreeMap<String, String>), AppError> {
    let key = seal::open(sealed).ok_or(AppError::NotFound)?;
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            let r = s.record(&scope, entity, &key)?.ok_or(AppError::NotFound)?;
            let sc = get(entity, &r, "school_code").to_string();
            let school = s.record(&scope, Entity::School, &sc)?.map(|s| get(Entity::School, &s, "name").to_string()).unwrap_or_default();
            let history = s.record_history(&scope, entity, &key)?.ok_or(AppError::NotFound)?;
            let names = crate::changes::school_names(s, crate::changes::school_codes(&history))?;
            Ok((r, school, history, names))
        })
        .await
}

async fn detail(app: Arc<AppState>, headers: HeaderMap, me: Me, sealed: String, entity: Entity) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let (r, school_name, history, names) = load(&app, &me, entity, &sealed).await?;
    let base = path_of(entity);
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/{base}"), base);
    html(DetailPage {
        title: store::mask::name(get(entity, &r, "name")),
        school_code: get(entity, &r, "school_code").to_string(),
        fields: cells(entity, &r, false),
        can_reveal: me.user.role.may_reveal(),
        reveal_url: format!("/{base}/{sealed}/reveal"),
        history: HistoryView::new(entity, &history, &names, false),
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
    let (r, _, history, names) = load(&app, &me, entity, &sealed).await?;
    app.audit_by(&me, "reveal", &crate::present::audit_target(entity, &r.key), crate::present::audit_detail(entity, &r, "console"), &ip(&headers, &peer)).await?;
    let base = path_of(entity);
    let c = Ctx::new(&app, &headers, Some(&me), &format!("/{base}"), base);
    html(FieldsPart { c, fields: cells(entity, &r, true), revealed: true, can_reveal: true, reveal_url: String::new(), history: HistoryView::new(entity, &history, &names, true) })
}

async fn reveal_teacher(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(k): Path<String>) -> Result<Response, AppError> {
    reveal(app, headers, peer, me, k, Entity::Teacher).await
}

async fn reveal_student(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(k): Path<String>) -> Result<Response, AppError> {
    reveal(app, headers, peer, me, k, Entity::Student).await
}
