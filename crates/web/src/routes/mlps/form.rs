//! Register a system and edit one: every problem of the form shown at once; the unit judged
//! against the writer's area in the store; audited.

use super::{messages, write, writes, SystemBody, Write};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "mlps_form.html")]
struct FormPage {
    c: Ctx,
    /// None: a new system.
    id: Option<i64>,
    f: SystemBody,
    errors: Vec<String>,
}

impl FormPage {
    fn lv(&self, l: &u8) -> &'static str {
        super::level_label(&self.c.t, *l)
    }
}

fn form_page(app: &AppState, headers: &HeaderMap, me: &Identity, id: Option<i64>, f: SystemBody, errors: Vec<String>) -> Result<Response, AppError> {
    let bad = !errors.is_empty();
    let mut r = html(FormPage { c: Ctx::new(app, headers, Some(me), "/mlps", "mlps"), id, f, errors })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let f = SystemBody { unit_code: me.user.org_code.to_string(), level: "2".into(), ..Default::default() };
    form_page(&app, &headers, &me, None, f, Vec::new())
}

pub async fn edit_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let scope = me.scope.clone();
    let sys = app.pool.run(move |s| s.system(&scope, id)?.ok_or(AppError::NotFound)).await?;
    form_page(&app, &headers, &me, Some(id), SystemBody::of(&sys), Vec::new())
}

/// Saves the form (`id` None: a new system): back to the form with its problems, or on to the
/// system's page.
async fn save(app: Arc<AppState>, headers: HeaderMap, peer: Peer, me: Me, id: Option<i64>, f: SystemBody) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes(&me)?;
    let c = Ctx::new(&app, &headers, Some(&me), "/mlps", "mlps");
    let new = match secman::mlps::parse_system(&f.input(), app.clock.today()) {
        Ok(n) => n,
        Err(p) => return form_page(&app, &headers, &me, id, f, messages(&c.t, &p)),
    };
    let w = match id {
        None => Write::Create(new),
        Some(id) => Write::Update(id, new),
    };
    match write(&app, &me, &ip(&headers, &peer), w).await {
        Ok(sys) => Ok(Redirect::to(&format!("/mlps/{}", sys.id)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let m = crate::routes::sites::message(&c.t, &e);
            form_page(&app, &headers, &me, id, f, vec![m])
        }
        Err(e) => Err(e),
    }
}

pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<SystemBody>) -> Result<Response, AppError> {
    save(app, headers, peer, me, None, f).await
}

pub async fn edit(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<SystemBody>) -> Result<Response, AppError> {
    save(app, headers, peer, me, Some(id), f).await
}
