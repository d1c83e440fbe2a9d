//! 事件列表: filters (state, grade, region, overdue), overdue rows in red, totals by state, and
//! the form to report an incident.

use super::{may_read, read_list, report, Filters, ReportForm, View};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secman::incidents::{classes, UNIT_KINDS};
use std::sync::Arc;
use store::incidents::IncidentState;

#[derive(Template)]
#[template(path = "incidents.html")]
struct Page {
    c: Ctx,
    rows: Vec<View>,
    totals: Vec<(IncidentState, u64)>,
    all: u64,
    /// The next page's cursor.
    next: Option<String>,
    f: Filters,
    form: ReportForm,
    may_report: bool,
    error: Option<String>,
    classes: &'static [classes::Class],
    grades: &'static [classes::Grade],
    kinds: &'static [(&'static str, &'static str)],
}

impl Page {
    fn total(&self, s: &IncidentState) -> u64 {
        self.totals.iter().find(|(x, _)| x == s).map_or(0, |(_, n)| *n)
    }
}

async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: Filters, form: ReportForm, error: Option<String>) -> Result<Response, AppError> {
    let super::ListPage { rows, totals, next } = read_list(app, me, &f).await?;
    let all = totals.iter().map(|(_, n)| n).sum();
    let bad = error.is_some();
    let page = Page {
        c: Ctx::new(app, headers, Some(me), "/incidents", "incidents"),
        rows,
        totals,
        all,
        next,
        f,
        form,
        may_report: store::incidents::writes(me.user.role),
        error,
        classes: classes::classes(super::rules(app).edition),
        grades: &classes::GRADES,
        kinds: &UNIT_KINDS,
    };
    let mut r = html(page)?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(may_read(&me))?;
    render(&app, &headers, &me, f, ReportForm::default(), None).await
}

pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<ReportForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(store::incidents::writes(me.user.role))?;
    match report(&app, &me, &ip(&headers, &peer), f.clone()).await {
        Ok(v) => Ok(Redirect::to(&format!("/incidents/{}", v.id)).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let msg = super::detail::message(&headers, &app, &e);
            render(&app, &headers, &me, Filters::default(), f, Some(msg)).await
        }
        Err(e) => Err(e),
    }
}
