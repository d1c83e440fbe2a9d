//! 转学与调动 in the console and the API: the receiving side asks for a student or teacher of
//! another area, the sending side (or a common parent) approves or rejects, the receiving side
//! may withdraw. The rules live in `store::transfers`; this module shows, forms and audits.

pub mod api;

use super::{ip, ready, require, Me, Peer};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use store::flow::Actor;
use store::transfers::{self, NewTransfer, TransferRequest, TransferState};
use store::{Backend, Entity, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/transfers", get(page).post(create)).route("/transfers/{id}/{action}", post(act))
}

pub use api::api_routes;

/// A request as one side sees it: masked, with the other side's school named only where the
/// viewer's area holds it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Transfer)]
pub struct View {
    pub id: i64,
    /// student, teacher
    #[schema(value_type = String)]
    pub entity: Entity,
    /// The document number, masked.
    pub key: String,
    /// The stored name, masked, where the viewer's area holds the record.
    pub name: Option<String>,
    pub from_school: Option<String>,
    pub from_school_name: Option<String>,
    pub to_school: String,
    pub to_school_name: Option<String>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: i64,
    /// pending, approved, rejected, cancelled
    #[schema(value_type = String)]
    pub state: TransferState,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub note: String,
    pub may_decide: bool,
    pub may_cancel: bool,
}

fn view(s: &mut dyn Backend, scope: &Scope, r: &TransferRequest) -> Result<View, AppError> {
    let school_name = |s: &mut dyn Backend, code: &str| -> Result<Option<String>, AppError> {
        Ok(s.record(scope, Entity::School, code)?.map(|rec| crate::present::get(Entity::School, &rec, "name").to_string()))
    };
    let sees_from = scope.may_write(&r.from_place());
    let name = s.record(scope, r.entity, &r.record_key)?.map(|rec| store::mask::name(crate::present::get(r.entity, &rec, "name")));
    Ok(View {
        id: r.id,
        entity: r.entity,
        key: store::mask::id_number(&r.record_key),
        name,
        from_school: sees_from.then(|| r.from_school.clone()),
        from_school_name: if sees_from { school_name(s, &r.from_school)? } else { None },
        to_school: r.to_school.clone(),
        to_school_name: school_name(s, &r.to_school)?,
        reason: r.reason.clone(),
        requested_by: r.requested_by.clone(),
        requested_at: r.requested_at,
        state: r.state,
        decided_by: r.decided_by.clone(),
        decided_at: r.decided_at,
        note: r.note.clone(),
        may_decide: r.may_decide(scope),
        may_cancel: r.may_cancel(scope),
    })
}

async fn list(app: &Arc<AppState>, me: &Identity, state: Option<TransferState>) -> Result<Vec<View>, AppError> {
    let scope = me.scope.clone();
    app.pool
        .run(move |s| {
            let rows = s.transfers_in(&scope, state, 200)?;
            rows.iter().map(|r| view(s, &scope, r)).collect()
        })
        .await
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = TransferInput)]
pub struct NewForm {
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub to_school: String,
    #[serde(default)]
    pub reason: String,
}

impl NewForm {
    fn parse(&self, me: &Identity) -> Result<NewTransfer, AppError> {
        let entity = match self.entity.as_str() {
            "teacher" => Entity::Teacher,
            "student" | "" => Entity::Student,
            _ => return Err(AppError::invalid("类别应为学生或教师。", "Choose student or teacher.")),
        };
        let key = self.key.trim().to_ascii_uppercase();
        if key.is_empty() || key.chars().count() > 40 || self.name.trim().is_empty() {
            return Err(AppError::invalid("请填写证件号（或学籍号）和姓名。", "Enter the document number (or 学籍号) and the name."));
        }
        let to_school = match (self.to_school.trim(), me.scope.school()) {
            ("", Some(own)) => own.to_string(),
            (t, _) if t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit()) => t.to_string(),
            _ => return Err(AppError::invalid("转入学校应为 10 位学校标识码。", "The receiving school must be a 10-digit school code.")),
        };
        Ok(NewTransfer { entity, key, name: self.name.trim().to_string(), to_school, reason: self.reason.clone() })
    }
}

/// The flow's actor: the signed-in account, its role, area and address.
fn actor(me: &Identity, ipaddr: &str) -> Actor {
    Actor::new(&me.user.name, me.user.role, me.scope.clone(), ipaddr)
}

/// Files a request; the store's flow checks and audits it (also when refused).
async fn file(app: &Arc<AppState>, me: &Identity, ipaddr: &str, t: NewTransfer) -> Result<TransferRequest, AppError> {
    let who = actor(me, ipaddr);
    let clock = app.clock.clone();
    app.pool.run(move |s| transfers::request(s, &who, &t, clock.as_ref()).map_err(AppError::from)).await
}

/// Approves, rejects or withdraws; the store's flow checks and audits it.
async fn decide(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, action: &str, note: String) -> Result<TransferRequest, AppError> {
    if !matches!(action, "approve" | "reject" | "cancel") {
        return Err(AppError::NotFound);
    }
    let who = actor(me, ipaddr);
    let act = action.to_string();
    let clock = app.clock.clone();
    let r = app
        .pool
        .run(move |s| {
            let done = match act.as_str() {
                "cancel" => transfers::cancel(s, &who, id, clock.as_ref())?,
                a => transfers::decide(s, &who, id, a == "approve", &note, clock.as_ref())?.map(|d| d.request),
            };
            done.ok_or(AppError::NotFound)
        })
        .await;
    if r.as_ref().is_ok_and(|req| req.state == TransferState::Approved) {
        app.clear_overview();
    }
    r
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct Page {
    c: Ctx,
    rows: Vec<View>,
    f: NewForm,
    notice: Option<String>,
    error: Option<String>,
    own_school: Option<String>,
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: NewForm, notice: Option<String>, error: Option<String>) -> Result<Response, AppError> {
    let rows = list(app, me, None).await?;
    let bad = error.is_some();
    let mut r = html(Page { c: Ctx::new(app, headers, Some(me), "/transfers", "transfers"), rows, f, notice, error, own_school: me.scope.school().map(str::to_string) })?;
    if bad {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    render(&app, &headers, &me, NewForm::default(), None, None).await
}

fn message(headers: &HeaderMap, app: &AppState, e: &AppError) -> String {
    let (zh, en) = e.message();
    if crate::auth::lang(headers, app) == crate::i18n::Lang::En {
        en
    } else {
        zh
    }
}

async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<NewForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    let t = match f.parse(&me) {
        Ok(t) => t,
        Err(e) => return render(&app, &headers, &me, NewForm { key: String::new(), name: String::new(), ..f }, None, Some(message(&headers, &app, &e))).await,
    };
    match file(&app, &me, &ip(&headers, &peer), t).await {
        Ok(_) => Ok(Redirect::to("/transfers").into_response()),
        // The form comes back without the person's number and name: a page never shows an ID
        // number it was given, not even to the one who typed it.
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => render(&app, &headers, &me, NewForm { key: String::new(), name: String::new(), ..f }, None, Some(message(&headers, &app, &e))).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
}

async fn act(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, action)): Path<(i64, String)>, Form(n): Form<NoteForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.may_import())?;
    match decide(&app, &me, &ip(&headers, &peer), id, &action, n.note).await {
        Ok(_) => Ok(Redirect::to("/transfers").into_response()),
        Err(e @ AppError::Conflict { .. }) => render(&app, &headers, &me, NewForm::default(), None, Some(message(&headers, &app, &e))).await,
        Err(e) => Err(e),
    }
}
