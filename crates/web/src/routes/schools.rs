//! 学校: search and filter (region, type, urban/rural, name), keyset pages, a school's page with
//! its teachers and students by grade, and the schools as points on the map.

use super::{ready, require, Me};
use crate::error::AppError;
use crate::labels::region_options;
use crate::present::{cells, get, Cell, Row};
use crate::render::{html, script_json, Ctx};
use crate::seal;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get as route_get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{Entity, PersonQuery, Record, SchoolQuery, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/schools", route_get(list))
        .route("/schools/points.json", route_get(points))
        .route("/schools/suggest", route_get(suggest))
        .route("/schools/{code}", route_get(detail))
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    #[serde(default)]
    pub region: String,
    #[serde(default, rename = "type")]
    pub school_type: String,
    #[serde(default)]
    pub urban_rural: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub after: String,
}

impl Filters {
    /// What this list's cursors are bound to: the account and the filters.
    pub fn context(&self, user_id: i64) -> String {
        seal::cursor_context(user_id, "schools", &[self.region.trim(), self.school_type.trim(), self.urban_rural.trim(), self.name.trim()])
    }

    /// The store query; a cursor must open in `context` ([`Filters::context`]).
    pub fn query(&self, limit: usize, context: &str) -> Result<SchoolQuery, AppError> {
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, context).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(SchoolQuery {
            region,
            school_type: Some(self.school_type.trim().to_string()).filter(|s| !s.is_empty()),
            urban_rural: Some(self.urban_rural.trim().to_string()).filter(|s| !s.is_empty()),
            name: Some(self.name.trim().to_string()).filter(|s| !s.is_empty()),
            after,
            limit,
        })
    }

    /// The query string of these filters with another cursor.
    pub fn with_after(&self, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("region={}&type={}&urban_rural={}&name={}&after={}", e(&self.region), e(&self.school_type), e(&self.urban_rural), e(&self.name), e(after))
    }
}

#[derive(Template)]
#[template(path = "schools.html")]
struct ListPage {
    c: Ctx,
    headers: Vec<(&'static str, String)>,
    f: Filters,
    regions: Vec<(u32, String)>,
    types: Vec<(String, String)>,
    rows: Vec<Row>,
    next: Option<String>,
    total: store::Total,
    size: usize,
    sizes: [usize; 4],
}

/// The page size of the console's list (`size`, one of [`super::people::SIZES`]).
#[derive(Deserialize, Default)]
struct Size {
    #[serde(default)]
    size: String,
}

const LIST_FIELDS: [&str; 6] = ["school_code", "name", "school_type", "region_code", "urban_rural", "address"];

pub fn school_row(r: &Record) -> Row {
    Row { href: format!("/schools/{}", r.key), cells: crate::present::cells_of(Entity::School, r, &LIST_FIELDS) }
}

async fn list(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>, Query(sz): Query<Size>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let size = super::people::View { size: sz.size, ..Default::default() }.size();
    let context = f.context(me.user.id);
    let q = f.query(size, &context)?;
    let scope = me.scope.clone();
    let (page, total) = app.pool.run(move |s| Ok((s.schools(&scope, &q)?, s.count_schools(&scope, &q)?))).await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/schools", "schools");
    let types = standard::codes::SCHOOL_TYPES.codes.iter().filter(|t| t.level == 3).map(|t| (t.code.clone(), format!("{} {}", t.code, t.name))).collect();
    let t = Entity::School.template();
    html(ListPage {
        headers: LIST_FIELDS.iter().filter_map(|k| t.index(k)).map(|i| (crate::present::label_zh(t.fields[i].key, t.fields[i].zh), crate::present::label_en(t.fields[i].key))).collect(),
        regions: region_options(&me.scope, app.config.province.code),
        types,
        rows: page.rows.iter().map(school_row).collect(),
        next: page.next.map(|n| format!("{}&size={size}", f.with_after(&seal::seal_cursor(&n, &context)))),
        sizes: super::people::SIZES,
        total,
        size,
        f,
        c,
    })
}

#[derive(Deserialize)]
struct Suggest {
    /// The text typed (the school box of the people lists sends itself as `school`).
    #[serde(default)]
    q: String,
    #[serde(default)]
    school: String,
}

#[derive(Template)]
#[template(source = "{% for (code, name) in options %}<option value=\"{{ name }}（{{ code }}）\"></option>{% endfor %}", ext = "html")]
struct SuggestPart {
    options: Vec<(String, String)>,
}

/// Up to 10 schools in scope whose name holds the text, or whose code starts with it, as
/// `<option>`s of a datalist (`name（code）`, which the people lists read back as the code).
/// Schools' names and codes are not personal data; the search is scoped in the store.
async fn suggest(State(app): State<Arc<AppState>>, me: Me, Query(q): Query<Suggest>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let text = if q.q.trim().is_empty() { q.school.trim() } else { q.q.trim() };
    // A label picked from the list already: suggest its school again.
    let text = text.split(['（', '(']).next().unwrap_or_default().trim().to_string();
    if text.is_empty() || text.chars().count() > 40 {
        return html(SuggestPart { options: vec![] });
    }
    let scope = me.scope.clone();
    let rows = app
        .pool
        .run(move |s| {
            if text.bytes().all(|b| b.is_ascii_digit()) {
                // A code: the school itself, when it is in scope.
                return Ok(s.record(&scope, Entity::School, &text)?.into_iter().collect::<Vec<_>>());
            }
            Ok(s.schools(&scope, &SchoolQuery { name: Some(text), limit: 10, ..Default::default() })?.rows)
        })
        .await?;
    html(SuggestPart { options: rows.iter().map(|r| (r.key.clone(), get(Entity::School, r, "name").to_string())).collect() })
}

#[derive(Serialize)]
struct Point {
    name: String,
    lng: f64,
    lat: f64,
}

/// Every school in scope (with the list's filters) that has coordinates.
async fn points(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    // Every point from the first page on: the list's cursor plays no part.
    let q = Filters { after: String::new(), ..f }.query(store::browse::MAX_PAGE, "")?;
    let scope = me.scope.clone();
    let pts = app
        .pool
        .run(move |s| {
            let mut out = Vec::new();
            s.each_school(&scope, &q, &mut |r| {
                let (lng, lat) = (get(Entity::School, &r, "longitude").parse::<f64>(), get(Entity::School, &r, "latitude").parse::<f64>());
                if let (Ok(lng), Ok(lat)) = (lng, lat) {
                    out.push(Point { name: get(Entity::School, &r, "name").to_string(), lng, lat });
                }
                out.len() < 50_000
            })?;
            Ok(out)
        })
        .await?;
    Ok(Json(pts).into_response())
}

#[derive(Template)]
#[template(path = "school.html")]
struct DetailPage {
    c: Ctx,
    name: String,
    code: String,
    fields: Vec<Cell>,
    teachers: Vec<Row>,
    more_teachers: bool,
    grades_json: String,
    students: u64,
    point_json: String,
    history: crate::changes::HistoryView,
    /// 办学条件: the latest school year and the one before.
    conditions: Option<super::conditions::Panel>,
    /// 学区/服务范围说明, and whether the caller may edit it (`routes::schoolmap`).
    note: Option<store::schoolmap::CatchmentNote>,
    may_note: bool,
    note_saved: bool,
}

#[derive(Deserialize, Default)]
struct Saved {
    #[serde(default)]
    note: String,
}

async fn detail(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(code): Path<String>, Query(saved): Query<Saved>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_base_data())?;
    let scope = me.scope.clone();
    let code2 = code.clone();
    let (school, teachers, grades, history, conditions, note) = app
        .pool
        .run(move |s| {
            let Some(school) = s.record(&scope, Entity::School, &code2)? else { return Err(AppError::NotFound) };
            let county: u32 = get(Entity::School, &school, "region_code").parse().unwrap_or(0);
            let one = Scope::School { code: code2.clone(), county };
            let teachers = s.people(&one, Entity::Teacher, &PersonQuery { limit: 50, ..Default::default() })?;
            let grades = s.grade_counts(&one)?;
            let history = s.record_history(&scope, Entity::School, &code2)?.unwrap_or_default();
            let history = crate::changes::HistoryView::new(Entity::School, &history, &Default::default(), false);
            let conditions = super::conditions::panel(&s.conditions_history(&scope, &code2)?);
            let note = s.catchment_note(&scope, &code2)?;
            Ok((school, teachers, grades, history, conditions, note))
        })
        .await?;
    let c = Ctx::new(&app, &headers, Some(&me), "/schools", "schools");
    let en = c.t.is_en();
    let labels: Vec<String> = grades.iter().map(|g| {
        let (zh, e) = crate::labels::grade_names(g.grade);
        if en { e } else { zh }
    }).collect();
    let grades_json = script_json(&serde_json::json!({ "labels": labels, "values": grades.iter().map(|g| g.students).collect::<Vec<_>>(), "unit": c.t.s("人", "students") }));
    let (lng, lat) = (get(Entity::School, &school, "longitude").parse::<f64>().ok(), get(Entity::School, &school, "latitude").parse::<f64>().ok());
    let point_json = match (lng, lat) {
        (Some(lng), Some(lat)) => script_json(&[Point { name: get(Entity::School, &school, "name").to_string(), lng, lat }]),
        _ => "[]".into(),
    };
    let county: Option<u32> = get(Entity::School, &school, "region_code").parse().ok();
    let may_note = store::schoolmap::role_writes(me.user.role) && me.scope.may_write(&store::Place::school_record(county));
    html(DetailPage {
        name: get(Entity::School, &school, "name").to_string(),
        note,
        may_note,
        note_saved: saved.note == "saved",
        fields: cells(Entity::School, &school, false),
        teachers: teachers.rows.iter().map(|r| crate::present::person_row(Entity::Teacher, r)).collect(),
        more_teachers: teachers.next.is_some(),
        students: grades.iter().map(|g| g.students).sum(),
        grades_json,
        point_json,
        history,
        conditions,
        code,
        c,
    })
}
