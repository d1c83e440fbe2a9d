//! 数据采集日历: collection rounds (`store::quality::Round`). `/quality/rounds` lists the rounds
//! whose region overlaps the caller's area and, for the province's administrator, a form to
//! create one (checked whole: every problem at once, the values kept); `/quality/rounds/{id}`
//! shows each county's status (已报送, 逾期报送, 未报送, 待报送) — a county or a school sees its
//! county's only. Reminders for counties still missing go through the webhooks (`crate::remind`).

use super::{may_manage, may_read};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use standard::{Date, Entity};
use std::sync::Arc;
use store::quality::{NewRound, Round, RoundStatus};

#[derive(Deserialize, Default, Clone)]
pub struct RoundForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub opens_on: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub region: String,
}

#[derive(Template)]
#[template(path = "quality_rounds.html")]
struct ListPage {
    c: Ctx,
    rounds: Vec<Round>,
    manage: bool,
    f: RoundForm,
    problems: Vec<String>,
}

/// An entity's name on the pages.
pub fn entity_name(e: impl std::borrow::Borrow<Entity>, en: bool) -> &'static str {
    match (*e.borrow(), en) {
        (Entity::School, false) => "学校",
        (Entity::Teacher, false) => "教师",
        (_, false) => "学生",
        (Entity::School, true) => "schools",
        (Entity::Teacher, true) => "teachers",
        (_, true) => "students",
    }
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &crate::auth::Identity, f: RoundForm, problems: Vec<String>) -> Result<Response, AppError> {
    let scope = me.scope.clone();
    let rounds = app.pool.run(move |s| Ok(s.rounds(&scope)?)).await?;
    let c = Ctx::new(app, headers, Some(me), "/quality/rounds", "quality");
    let bad = !problems.is_empty();
    let mut r = html(ListPage { c, rounds, manage: may_manage(me), f, problems })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn list(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_read(me.user.role))?;
    render(&app, &headers, &me, RoundForm { entity: "student".into(), region: app.province.code.to_string(), ..Default::default() }, Vec::new()).await
}

/// The form read whole: every problem (Chinese, then English) at once.
pub fn parse(f: &RoundForm, en: bool) -> Result<NewRound, Vec<String>> {
    let say = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    let mut p = Vec::new();
    let name = f.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        p.push(say("请填写轮次名称（100 字以内），例如“2026年秋季学期开学普查”。", "Enter the round's name (100 characters at most), e.g. 2026 autumn census."));
    }
    let entity = match Entity::parse(f.entity.trim()) {
        Some(e @ (Entity::School | Entity::Teacher | Entity::Student)) => Some(e),
        _ => {
            p.push(say("请选择采集的数据：学校、教师或学生。", "Choose what is collected: schools, teachers or students."));
            None
        }
    };
    let opens = Date::parse_iso(f.opens_on.trim());
    if opens.is_none() {
        p.push(say("开始日期应写作 2026-09-01。", "The opening day must read 2026-09-01."));
    }
    let due = Date::parse_iso(f.due_on.trim());
    if due.is_none() {
        p.push(say("截止日期应写作 2026-09-30。", "The due day must read 2026-09-30."));
    }
    if let (Some(o), Some(d)) = (opens, due) {
        if d < o {
            p.push(say("截止日期不能早于开始日期。", "The due day cannot be before the opening day."));
        }
    }
    let region = f.region.trim().parse::<u32>().ok().filter(|c| standard::codes::DIVISIONS.get(*c).is_some());
    if region.is_none() {
        p.push(say("报送地区应为 6 位行政区划代码（省、市或区县）。", "The region must be a 6-digit division code (province, city or county)."));
    }
    match (p.is_empty(), entity, opens, due, region) {
        (true, Some(entity), Some(opens_on), Some(due_on), Some(region)) => Ok(NewRound { name, entity, opens_on, due_on, region }),
        _ => Err(p),
    }
}

pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<RoundForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_manage(&me))?;
    let en = crate::auth::lang(&headers, &app) == crate::i18n::Lang::En;
    let n = match parse(&f, en) {
        Ok(n) => n,
        Err(p) => return render(&app, &headers, &me, f, p).await,
    };
    let (scope, by, round) = (me.scope.clone(), me.user.name.clone(), n.clone());
    let id = app.pool.run(move |s| Ok(s.create_round(&scope, &round, &by)?)).await?;
    let detail = serde_json::json!({ "entity": n.entity.key(), "opens_on": n.opens_on.to_string(), "due_on": n.due_on.to_string(), "region": n.region }).to_string();
    app.audit_by(&me, "quality_round_create", &format!("quality_round:{id}"), detail, &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/quality/rounds/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "quality_round.html")]
struct RoundPage {
    c: Ctx,
    round: Round,
    rows: Vec<RoundStatus>,
    counts: [usize; 4],
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_read(me.user.role))?;
    let (scope, today) = (me.scope.clone(), app.clock.today());
    let (round, rows) = app
        .pool
        .run(move |s| match s.round_status(&scope, id, today) {
            Ok(v) => Ok(v),
            Err(store::StoreError::OutOfScope) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        })
        .await?;
    let mut counts = [0; 4];
    for r in &rows {
        counts[r.status as usize] += 1;
    }
    let c = Ctx::new(&app, &headers, Some(&me), "/quality/rounds", "quality");
    html(RoundPage { c, round, rows, counts })
}
