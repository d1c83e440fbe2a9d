//! 专项检查、攻防演练与整改 in the console and the API: inspections in my area and those assigned
//! to my unit (`/checks`), an inspection's progress by region with drill-down (`/checks/{id}`),
//! a unit's answer sheet (`/checks/{id}/answer`), rectification items (`/rectifications`) with
//! their flow, drills and contests (`/drills`, `/drills/{id}`), the API ([`api`]). The storage
//! and its scope rules are `store::checks`; the forms and due dates `secman::checks`; this module
//! shows, forms and audits.

pub mod api;
pub mod export;
pub mod files;
pub mod forms;
pub mod pages;

use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::T;
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use standard::Date;
use std::collections::HashMap;
use std::sync::Arc;
use store::checks::{Drill, Inspection, Item};
use store::{Backend, StoreError};

pub use api::api_routes;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/checks", get(pages::inspections))
        .route("/checks/new", get(forms::issue_form).post(forms::issue))
        .route("/checks/{id}", get(pages::inspection))
        .route("/checks/{id}/answer", get(pages::answer_form).post(pages::answer))
        .route("/rectifications", get(pages::items))
        .route("/rectifications/{id}/submit", post(pages::submit_item))
        .route("/rectifications/{id}/review", post(pages::review_item))
        .route("/rectifications/{id}/files/{file}", get(files::download))
        .route("/checks/{id}/units/{unit}", get(pages::unit_answers))
        .route("/checks/{id}/units/{unit}/files/{file}", get(files::answer_download))
        .route("/drills", get(pages::drills))
        .route("/drills/new", get(forms::drill_form).post(forms::plan_drill))
        .route("/drills/{id}", get(pages::drill))
        .route("/drills/{id}/report", post(forms::record_report))
        .route("/drills/{id}/findings", post(pages::add_finding))
}

/// The evidence uploads (their bodies bounded by the attachment cap, see `routes::router`).
pub fn files_router() -> Router<Arc<AppState>> {
    Router::new().route("/rectifications/{id}/evidence", post(files::evidence)).route("/checks/{id}/answer/files", post(files::answer_attach))
}

/// The role reads inspections, drills and items.
pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::checks::role_reads(me.user.role))
}

/// The role answers and submits rectification (its unit's, judged in the store).
pub fn answers(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::checks::role_answers(me.user.role))
}

/// The role issues, organises and verifies (its area's, judged in the store).
pub fn issues(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::checks::role_issues(me.user.role))
}

/// A store error of a write: outside the area (or missing) answers as missing.
pub fn written<X>(r: Result<X, StoreError>) -> Result<X, AppError> {
    r.map_err(|e| match e {
        StoreError::OutOfScope => AppError::NotFound,
        e => AppError::from(e),
    })
}

/// A rectification item as the console and the API show it (the owner's name and post only: no
/// phone number is kept).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ChecksItem)]
pub struct ItemView {
    pub id: i64,
    /// inspection or drill.
    pub source: String,
    pub source_id: i64,
    pub owner_unit: i64,
    pub owner_unit_name: String,
    pub region_code: i64,
    /// The issuing division (it verifies).
    pub issuer_code: i64,
    pub owner_name: String,
    pub owner_post: String,
    pub description: String,
    /// low, medium, high, critical.
    pub severity: String,
    /// YYYY-MM-DD.
    pub due_on: String,
    /// open, submitted, verified, reopened.
    pub state: String,
    pub overdue: bool,
    pub evidence: String,
    pub attachment_id: Option<i64>,
    pub review_note: String,
    pub verified_by: String,
}

pub fn item_view(s: &mut dyn Backend, x: &Item, today: Date, names: &mut HashMap<i64, String>) -> Result<ItemView, AppError> {
    Ok(ItemView {
        id: x.id,
        source: x.new.source.code().into(),
        source_id: x.new.source_id,
        owner_unit: x.new.owner_unit,
        owner_unit_name: crate::routes::sites::owner_name(s, x.new.owner_unit, names)?,
        region_code: x.region_code,
        issuer_code: x.issuer_code,
        owner_name: x.new.owner_name.clone(),
        owner_post: x.new.owner_post.clone(),
        description: x.new.description.clone(),
        severity: x.new.severity.code().into(),
        due_on: x.new.due_on.to_string(),
        state: x.state.code().into(),
        overdue: x.overdue(today),
        evidence: x.evidence.clone(),
        attachment_id: x.attachment_id,
        review_note: x.review_note.clone(),
        verified_by: x.verified_by.clone(),
    })
}

/// An inspection as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ChecksInspection)]
pub struct InspectionView {
    pub id: i64,
    pub issuer_code: i64,
    pub issuer_name: String,
    pub name: String,
    /// 依据 (document number).
    pub basis: String,
    pub starts_on: String,
    pub deadline: String,
    /// Working days to rectify a finding after submission.
    pub rect_days: u32,
    pub items: Vec<ChecklistItemView>,
    /// The caller's own unit's state when it is assigned: assigned or submitted.
    pub my_state: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ChecksChecklistItem)]
pub struct ChecklistItemView {
    pub text: String,
    /// yes_no or text.
    pub kind: String,
    pub evidence_required: bool,
}

pub fn inspection_view(s: &mut dyn Backend, scope: &store::Scope, x: &Inspection, names: &mut HashMap<i64, String>) -> Result<InspectionView, AppError> {
    let mine = match secman::checks::own_unit(scope) {
        Some(u) => s.assignment(scope, x.id, u)?.map(|a| a.state.code().to_string()),
        None => None,
    };
    Ok(InspectionView {
        id: x.id,
        issuer_code: x.new.issuer_code,
        issuer_name: crate::routes::sites::owner_name(s, x.new.issuer_code, names)?,
        name: x.new.name.clone(),
        basis: x.new.basis.clone(),
        starts_on: x.new.starts_on.to_string(),
        deadline: x.new.deadline.to_string(),
        rect_days: x.new.rect_days,
        items: x.new.items.iter().map(|i| ChecklistItemView { text: i.text.clone(), kind: i.kind.code().into(), evidence_required: i.evidence_required }).collect(),
        my_state: mine,
    })
}

/// A drill as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ChecksDrill)]
pub struct DrillView {
    pub id: i64,
    pub organiser_code: i64,
    pub organiser_name: String,
    pub name: String,
    /// drill or contest.
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub scope_text: String,
    pub report: String,
    pub report_attachment: Option<i64>,
}

pub fn drill_view(s: &mut dyn Backend, x: &Drill, names: &mut HashMap<i64, String>) -> Result<DrillView, AppError> {
    Ok(DrillView {
        id: x.id,
        organiser_code: x.new.organiser_code,
        organiser_name: crate::routes::sites::owner_name(s, x.new.organiser_code, names)?,
        name: x.new.name.clone(),
        kind: x.new.kind.code().into(),
        starts_on: x.new.starts_on.to_string(),
        ends_on: x.new.ends_on.to_string(),
        scope_text: x.new.scope_text.clone(),
        report: x.report.clone(),
        report_attachment: x.report_attachment,
    })
}

/// Labels of the codes the pages show.
pub fn label(t: &T, code: &str) -> &'static str {
    use store::checks::*;
    macro_rules! find {
        ($($ty:ident),*) => {
            $(if let Some(v) = $ty::ALL.iter().find(|v| v.code() == code) { return t.s(v.zh(), v.en()); })*
        };
    }
    find!(ItemState, Severity, Source, Verdict, AssignState, DrillKind, Team, ItemKind);
    t.s("未知", "Unknown")
}

/// The CSS class of an item state.
pub fn state_class(code: &str, overdue: bool) -> &'static str {
    match code {
        _ if overdue => "red",
        "verified" => "green",
        "submitted" => "amber",
        "reopened" => "red",
        _ => "",
    }
}

/// Audits a write.
pub async fn audit(app: &Arc<AppState>, me: &Identity, action: &str, target: String, detail: serde_json::Value, ipaddr: &str) -> Result<(), AppError> {
    app.audit_by(me, action, &target, detail.to_string(), ipaddr).await
}

/// The area the caller reads in: its scope; an auditor (whose session scope holds no records)
/// reads its node's area, and writes nothing (its role does not).
pub async fn read_scope(app: &Arc<AppState>, me: &Identity) -> Result<store::Scope, AppError> {
    if me.user.role != store::Role::Auditor {
        return Ok(me.scope.clone());
    }
    let org = me.user.org_code;
    app.pool.run(move |s| Ok(s.org_unit(org)?.map_or(store::Scope::Nothing, |u| store::Scope::of(&u)))).await
}
