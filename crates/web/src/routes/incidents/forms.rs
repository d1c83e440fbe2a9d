//! The steps and the report, as the console's forms and the API's bodies give them.

use super::{actor, rules, View};
use crate::auth::Identity;
use crate::error::AppError;
use crate::state::AppState;
use secman::incidents::{self, StepInput};
use serde::Deserialize;
use std::sync::Arc;
use store::clock::Clock;

/// A step's form (console) and body (API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = IncidentStepInput)]
pub struct StepForm {
    /// What was done (结案: the review, at least 10 characters).
    #[serde(default)]
    pub note: String,
    /// confirm: a subclass code of the classification in use.
    #[serde(default)]
    pub class_code: String,
    /// confirm: 1–4.
    #[serde(default)]
    pub grade: String,
    /// report_up: to whom (a unit's name).
    #[serde(default)]
    pub to_unit: String,
}

/// Takes a step; the flow checks and audits it.
pub async fn step(app: &Arc<AppState>, me: &Identity, ip: &str, id: i64, action: &str, f: StepForm) -> Result<View, AppError> {
    if !["confirm", "handle", "note", "recover", "close", "report_up"].contains(&action) {
        return Err(AppError::NotFound);
    }
    let grade = match f.grade.trim() {
        "" => None,
        g => Some(g.parse::<u8>().map_err(|_| AppError::invalid("分级应为 1 至 4（I 至 IV 级）。", "grade must be 1 to 4."))?),
    };
    let input = StepInput { note: f.note, class_code: Some(f.class_code).filter(|c| !c.is_empty()), grade, to_unit: Some(f.to_unit).filter(|t| !t.trim().is_empty()) };
    let who = actor(me, ip);
    let (act, clock, rules) = (action.to_string(), app.clock.clone(), rules(app));
    app.pool
        .run(move |s| {
            let now = clock.now();
            let i = incidents::take(s, &who, id, &act, &input, &rules, clock.as_ref())?.ok_or(AppError::NotFound)?;
            Ok(View::of(&i, &who, now))
        })
        .await
}

/// The report form (console) and body (API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = IncidentInput)]
pub struct ReportForm {
    #[serde(default)]
    pub title: String,
    /// A school's 学校标识码 (10 digits) or a division's code (6 digits) in the caller's area.
    #[serde(default)]
    pub unit: String,
    /// other (default), cii, central
    #[serde(default)]
    pub unit_kind: String,
    #[serde(default)]
    pub description: String,
    /// A subclass code proposed by the reporter.
    #[serde(default)]
    pub proposed_class: String,
    /// 1–4 proposed by the reporter.
    #[serde(default)]
    pub proposed_grade: String,
}

pub async fn report(app: &Arc<AppState>, me: &Identity, ip: &str, f: ReportForm) -> Result<View, AppError> {
    let grade = match f.proposed_grade.trim() {
        "" => None,
        g => Some(g.parse::<u8>().map_err(|_| AppError::invalid("分级应为 1 至 4（I 至 IV 级）。", "grade must be 1 to 4."))?),
    };
    let n = incidents::NewIncident { title: f.title, unit: f.unit, unit_kind: f.unit_kind, description: f.description, discovered_at: None, proposed_class: Some(f.proposed_class).filter(|c| !c.is_empty()), proposed_grade: grade };
    let who = actor(me, ip);
    let (clock, rules) = (app.clock.clone(), rules(app));
    let url = app.config.public_url.clone();
    let (view, duty) = app
        .pool
        .run(move |s| {
            let i = incidents::report(s, &who, &n, &rules, clock.as_ref())?;
            // The people on duty of its unit (or the bureau above) hear of it at once.
            let duty = crate::remind::reported_messages(s, clock.as_ref(), &[i.id], url.as_deref())?;
            Ok((View::of(&i, &who, clock.now()), duty))
        })
        .await?;
    if !duty.is_empty() {
        // Off the request: a slow robot does not hold the reporter's page.
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::remind::send_duty(&app, duty).await {
                tracing::warn!(error = %e, "incident not sent to the duty robot");
            }
        });
    }
    Ok(view)
}

