//! A system's page: its particulars and due dates with their reminders, its assessments and
//! rectification items, and (for writers) the forms to record them.

use super::{level_label, reads, state_class, state_label, view, View};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ready, Me};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use secman::mlps::Stage;
use std::collections::HashMap;
use std::sync::Arc;
use store::mlps::{Assessment, Rectification};

/// A due date as the page lists it.
pub struct DueRow {
    pub what: &'static str,
    pub date: String,
    pub stage: &'static str,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "mlps_system.html")]
struct Page {
    c: Ctx,
    v: View,
    dues: Vec<DueRow>,
    assessments: Vec<Assessment>,
    items: Vec<Rectification>,
    /// The report file of each assessment, the evidence file of each item (by their ids).
    reports: HashMap<i64, crate::routes::evidence::FileOut>,
    evidence: HashMap<i64, crate::routes::evidence::FileOut>,
    limit_mib: u64,
    can_write: bool,
    errors: Vec<String>,
    today: String,
}

impl Page {
    fn lv(&self, l: &u8) -> &'static str {
        level_label(&self.c.t, *l)
    }
    fn st(&self, s: &str) -> &'static str {
        state_label(&self.c.t, s)
    }
    fn st_class(&self, s: &str) -> &'static str {
        state_class(s)
    }
    fn conclusion(&self, a: &Assessment) -> &'static str {
        self.c.t.s(a.new.conclusion.zh(), a.new.conclusion.en())
    }
    fn score(&self, a: &Assessment) -> String {
        a.new.score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "—".into())
    }
}

/// The page of system `id`, with `errors` of a form above it (status 400 when there are any).
pub async fn render(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, errors: Vec<String>) -> Result<Response, AppError> {
    reads(me)?;
    let scope = super::read_scope(&app, &me).await?;
    let today = app.clock.today();
    let (v, sys, assessments, items, files) = app
        .pool
        .run(move |s| {
            let sys = s.system(&scope, id)?.ok_or(AppError::NotFound)?;
            let v = view(s, &sys, today, &mut HashMap::new())?;
            let (assessments, items) = (s.assessments(&scope, id)?, s.rectifications(&scope, id)?);
            let files = super::files::files_of(s, &scope, id, &assessments, &items)?;
            Ok((v, sys.clone(), assessments, items, files))
        })
        .await?;
    let (reports, evidence) = files;
    let c = Ctx::new(app, headers, Some(me), "/mlps", "mlps");
    let dues = secman::mlps::reminders(&sys, today)
        .into_iter()
        .map(|r| DueRow { what: c.t.s(r.due.zh(), r.due.en()), date: r.date.to_string(), stage: c.t.s(r.stage.zh(), r.stage.en()), late: r.stage == Stage::Overdue })
        .collect();
    let bad = !errors.is_empty();
    let mut r = html(Page { c, v, dues, assessments, items, reports, evidence, limit_mib: app.config.security.attachment_limit_mib, can_write: store::mlps::role_writes(me.user.role), errors, today: today.to_string() })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    render(&app, &headers, &me, id, Vec::new()).await
}
