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
use serde_json::json;
use std::sync::Arc;
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
        Ok(NewTransfer { entity, key, name: self.name.trim().to_string(), to_school, reason: self.reason.clone(), by: me.user.name.clone() })
    }
}

fn audit_detail(r: &TransferRequest, note: &str) -> String {
    json!({ "entity": r.entity.key(), "from_school": r.from_school, "to_school": r.to_school, "state": r.state.code(), "note": note }).to_string()
}

/// Files a request and audits it (also when refused: who tried what, without the name).
async fn file(app: &Arc<AppState>, me: &Identity, ipaddr: &str, t: NewTransfer) -> Result<TransferRequest, AppError> {
    let scope = me.scope.clone();
    let t2 = t.clone();
    let r = app.pool.run(move |s| transfers::request(s, &scope, &t2, store::time::unix_now()).map_err(AppError::from)).await;
    let target = crate::present::audit_target(t.entity, &t.key);
    match &r {
        Ok(req) => app.audit_by(me, "transfer_request", &format!("transfer:{}", req.id), audit_detail(req, &t.reason), ipaddr).await?,
        Err(_) => app.audit(&me.user.name, "transfer_request", &target, json!({ "to_school": t.to_school }).to_string(), ipaddr, "denied").await?,
    }
    r
}

/// Approves, rejects or withdraws, and audits it.
async fn decide(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, action: &str, note: String) -> Result<TransferRequest, AppError> {
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let action_code = match action {
        "approve" => "transfer_approve",
        "reject" => "transfer_reject",
        "cancel" => "transfer_cancel",
        _ => return Err(AppError::NotFound),
    };
    let act = action.to_string();
    let n2 = note.clone();
    let r = app
        .pool
        .run(move |s| {
            let now = store::time::unix_now();
            let done = match act.as_str() {
                "cancel" => transfers::cancel(s, &scope, id, &by, now)?,
                a => transfers::decide(s, &scope, id, a == "approve", &by, &n2, now)?.map(|d| d.request),
            };
            done.ok_or(AppError::NotFound)
        })
        .await;
    match &r {
        Ok(req) => {
            app.audit_by(me, action_code, &format!("transfer:{id}"), audit_detail(req, &note), ipaddr).await?;
            if req.state == TransferState::Approved {
                app.clear_overview();
            }
        }
        Err(AppError::NotFound) => {}
        Err(_) => app.audit(&me.user.name, action_code, &format!("transfer:{id}"), "{}".into(), ipaddr, "denied").await?,
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
