//! 责任制与正版化 — the responsibility checklist (`/duties`: the checklists, completion by region
//! with a drill-down from the province to counties to units, a unit's items and the item form,
//! publishing) and the software-asset ledger (`/software`: the entries with their flags, the
//! forms, the six-monthly checks and the units overdue by region), their API under
//! `/api/v1/ledger` ([`api`]) and exports ([`export`]). Storage and scope rules are
//! `store::ledger`; validation and due dates `secman::ledger`; this module shows, forms and audits.

pub mod api;
pub mod duties;
pub mod export;
pub mod files;
pub mod software;

use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::T;
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use secman::mlps::Problem;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use store::ledger::{Check, Checklist, DutyItem, Software, UnitCheck};
use store::{Backend, OrgLevel, Scope};

pub use api::api_routes;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/duties", get(duties::index))
        .route("/duties/new", get(duties::new_form).post(duties::publish))
        .route("/duties/{id}", get(duties::checklist))
        .route("/duties/{id}/units/{unit}", get(duties::unit))
        .route("/duties/items/{id}", get(duties::item_form).post(duties::item_save))
        .route("/duties/items/{id}/files/{file}", get(files::download))
        .route("/software", get(software::list))
        .route("/software/new", get(software::new_form).post(software::create))
        .route("/software/{id}/edit", get(software::edit_form).post(software::edit))
        .route("/software/checks", get(software::checks).post(software::record_check))
}

/// The evidence upload (its body bounded by the attachment cap, see `routes::router`).
pub fn files_router() -> Router<Arc<AppState>> {
    Router::new().route("/duties/items/{id}/evidence", axum::routing::post(files::attach))
}

/// The role reads the registers.
pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::ledger::role_reads(me.user.role))
}

/// The role writes a unit's items, software and checks (each write judged in the store).
pub fn writes(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::ledger::role_writes(me.user.role))
}

/// The role publishes checklists.
pub fn publishes(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::ledger::role_publishes(me.user.role))
}

/// Problems in the reader's language.
pub fn messages(t: &T, p: &[Problem]) -> Vec<String> {
    p.iter().map(|p| if t.is_en() { p.en.clone() } else { p.zh.clone() }).collect()
}

/// Problems as one error (the API).
pub fn invalid(p: &[Problem]) -> AppError {
    crate::routes::mlps::invalid(p)
}

/// A unit's name, cached over a page.
pub fn unit_name(s: &mut dyn Backend, code: i64, cache: &mut HashMap<i64, String>) -> Result<String, AppError> {
    crate::routes::sites::owner_name(s, code, cache)
}

/// A division's name.
pub fn region_name(code: i64) -> String {
    u32::try_from(code).ok().and_then(|c| standard::codes::DIVISIONS.get(c)).map(|d| d.name.clone()).unwrap_or_else(|| code.to_string())
}

/// The level a scope's regions are shown at: a province by city, a city or county by county.
pub fn level_of(scope: &Scope) -> OrgLevel {
    match scope {
        Scope::Region { lo, hi } if hi - lo >= 9_999 => OrgLevel::Province,
        _ => OrgLevel::City,
    }
}

/// A 6-digit region filter, or none.
pub fn region_filter(v: &str) -> Result<Option<u32>, AppError> {
    match v.trim() {
        "" => Ok(None),
        r => Ok(Some(r.parse::<u32>().ok().filter(|_| r.len() == 6).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字，请从下拉列表选择。", "The region must be a 6-digit code: pick one from the list."))?)),
    }
}

/// A checklist as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = LedgerChecklist)]
pub struct ChecklistView {
    pub id: i64,
    /// The publishing division.
    pub region_code: i64,
    pub region_name: String,
    pub year: i32,
    pub title: String,
    pub include_schools: bool,
    pub items: u32,
    pub units: u32,
    pub created_by: String,
}

pub fn checklist_view(c: &Checklist) -> ChecklistView {
    ChecklistView { id: c.id, region_code: c.region_code, region_name: region_name(c.region_code), year: c.year, title: c.title.clone(), include_schools: c.include_schools, items: c.items, units: c.units, created_by: c.created_by.clone() }
}

/// A unit's item as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = LedgerDutyItem)]
pub struct DutyView {
    pub id: i64,
    pub checklist_id: i64,
    pub year: i32,
    pub unit_code: i64,
    pub unit_name: String,
    pub seq: u32,
    pub text: String,
    /// leadership, rules, technical, emergency, training.
    pub category: String,
    pub category_name: String,
    pub evidence_required: bool,
    pub owner_name: String,
    pub owner_post: String,
    /// not_started, in_progress, done, not_applicable.
    pub status: String,
    pub status_name: String,
    pub reason: String,
    pub evidence: String,
    pub attachment: Option<i64>,
    pub updated_by: String,
    pub updated_at: i64,
}

pub fn duty_view(t: &T, s: &mut dyn Backend, d: &DutyItem, names: &mut HashMap<i64, String>) -> Result<DutyView, AppError> {
    Ok(DutyView {
        id: d.id,
        checklist_id: d.checklist_id,
        year: d.year,
        unit_code: d.unit_code,
        unit_name: unit_name(s, d.unit_code, names)?,
        seq: d.seq,
        text: d.text.clone(),
        category: d.category.code().into(),
        category_name: t.s(d.category.zh(), d.category.en()).into(),
        evidence_required: d.evidence_required,
        owner_name: d.owner_name.clone(),
        owner_post: d.owner_post.clone(),
        status: d.status.code().into(),
        status_name: t.s(d.status.zh(), d.status.en()).into(),
        reason: d.reason.clone(),
        evidence: d.evidence.clone(),
        attachment: d.attachment,
        updated_by: d.updated_by.clone(),
        updated_at: d.updated_at,
    })
}

/// A software entry as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = LedgerSoftware)]
pub struct SoftwareView {
    pub id: i64,
    pub unit_code: i64,
    pub unit_name: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    /// os, office, antivirus, other.
    pub kind: String,
    pub kind_name: String,
    /// commercial, open_source, free, procured.
    pub licence_kind: String,
    pub licence_kind_name: String,
    pub licence_no: String,
    pub licensed: u32,
    /// YYYY-MM-DD or null.
    pub expires_on: Option<String>,
    pub installed: u32,
    pub location: String,
    /// More installations than licensed seats.
    pub over_installed: bool,
    /// The licence has expired or expires within 60 days.
    pub expiring: bool,
}

pub fn software_view(t: &T, s: &mut dyn Backend, x: &Software, today: standard::Date, names: &mut HashMap<i64, String>) -> Result<SoftwareView, AppError> {
    Ok(SoftwareView {
        id: x.id,
        unit_code: x.new.unit_code,
        unit_name: unit_name(s, x.new.unit_code, names)?,
        name: x.new.name.clone(),
        vendor: x.new.vendor.clone(),
        version: x.new.version.clone(),
        kind: x.new.kind.code().into(),
        kind_name: t.s(x.new.kind.zh(), x.new.kind.en()).into(),
        licence_kind: x.new.licence_kind.code().into(),
        licence_kind_name: t.s(x.new.licence_kind.zh(), x.new.licence_kind.en()).into(),
        licence_no: x.new.licence_no.clone(),
        licensed: x.new.licensed,
        expires_on: x.new.expires_on.map(|d| d.to_string()),
        installed: x.new.installed,
        location: x.new.location.clone(),
        over_installed: x.over_installed(),
        expiring: x.expiring(today),
    })
}

/// A unit's six-monthly check state as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = LedgerUnitCheck)]
pub struct UnitCheckView {
    pub unit_code: i64,
    pub unit_name: String,
    pub region_code: i64,
    /// The next check's due date; null when never checked.
    pub next_due: Option<String>,
    pub overdue: bool,
}

pub fn unit_check_view(s: &mut dyn Backend, u: &UnitCheck, today: standard::Date, names: &mut HashMap<i64, String>) -> Result<UnitCheckView, AppError> {
    Ok(UnitCheckView { unit_code: u.unit_code, unit_name: unit_name(s, u.unit_code, names)?, region_code: u.region_code, next_due: u.next_due.map(|d| d.to_string()), overdue: u.overdue(today) })
}

/// A check as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = LedgerCheck)]
pub struct CheckView {
    pub id: i64,
    pub unit_code: i64,
    pub checked_on: String,
    /// 2026年上半年 / 2026 H1.
    pub half_year: String,
    pub checker: String,
    pub compliant: bool,
    pub problems: String,
    pub next_due: String,
}

pub fn check_view(t: &T, c: &Check) -> CheckView {
    CheckView { id: c.id, unit_code: c.new.unit_code, checked_on: c.new.checked_on.to_string(), half_year: secman::ledger::half_year_label(c.new.checked_on, t.is_en()), checker: c.new.checker.clone(), compliant: c.new.compliant, problems: c.new.problems.clone(), next_due: c.next_due.to_string() }
}

/// An item's update as typed (the form and the API's body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = LedgerDutyInput)]
pub struct DutyBody {
    #[serde(default)]
    pub owner_name: String,
    /// 职务 (a post; no phone).
    #[serde(default)]
    pub owner_post: String,
    /// not_started, in_progress, done, not_applicable (未开始, 进行中, 已落实, 不适用).
    #[serde(default)]
    pub status: String,
    /// Required with not_applicable.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub evidence: String,
}

impl DutyBody {
    pub fn input(&self, attachment: Option<i64>) -> secman::ledger::DutyInput {
        secman::ledger::DutyInput { owner_name: self.owner_name.clone(), owner_post: self.owner_post.clone(), status: self.status.clone(), reason: self.reason.clone(), evidence: self.evidence.clone(), attachment }
    }
    pub fn of(d: &DutyItem) -> DutyBody {
        DutyBody { owner_name: d.owner_name.clone(), owner_post: d.owner_post.clone(), status: d.status.code().into(), reason: d.reason.clone(), evidence: d.evidence.clone() }
    }
}

/// A software entry as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = LedgerSoftwareInput)]
pub struct SoftwareBody {
    /// A 10-digit school code or a 6-digit division code.
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub version: String,
    /// os, office, antivirus, other.
    #[serde(default)]
    pub kind: String,
    /// commercial, open_source, free, procured.
    #[serde(default)]
    pub licence_kind: String,
    #[serde(default)]
    pub licence_no: String,
    #[serde(default)]
    pub licensed: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub expires_on: String,
    #[serde(default)]
    pub installed: String,
    #[serde(default)]
    pub location: String,
}

impl SoftwareBody {
    pub fn input(&self) -> secman::ledger::SoftwareInput {
        secman::ledger::SoftwareInput {
            unit_code: self.unit_code.clone(),
            name: self.name.clone(),
            vendor: self.vendor.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
            licence_kind: self.licence_kind.clone(),
            licence_no: self.licence_no.clone(),
            licensed: self.licensed.clone(),
            expires_on: self.expires_on.clone(),
            installed: self.installed.clone(),
            location: self.location.clone(),
        }
    }
    pub fn of(x: &Software) -> SoftwareBody {
        SoftwareBody {
            unit_code: x.new.unit_code.to_string(),
            name: x.new.name.clone(),
            vendor: x.new.vendor.clone(),
            version: x.new.version.clone(),
            kind: x.new.kind.code().into(),
            licence_kind: x.new.licence_kind.code().into(),
            licence_no: x.new.licence_no.clone(),
            licensed: x.new.licensed.to_string(),
            expires_on: x.new.expires_on.map(|d| d.to_string()).unwrap_or_default(),
            installed: x.new.installed.to_string(),
            location: x.new.location.clone(),
        }
    }
}

/// A check as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = LedgerCheckInput)]
pub struct CheckBody {
    #[serde(default)]
    pub unit_code: String,
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    pub checked_on: String,
    #[serde(default)]
    pub checker: String,
    /// compliant or issues (合规, 发现问题).
    #[serde(default)]
    pub result: String,
    /// Required with issues.
    #[serde(default)]
    pub problems: String,
}

impl CheckBody {
    pub fn input(&self) -> secman::ledger::CheckInput {
        secman::ledger::CheckInput { unit_code: self.unit_code.clone(), checked_on: self.checked_on.clone(), checker: self.checker.clone(), result: self.result.clone(), problems: self.problems.clone() }
    }
}

/// A checklist as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = LedgerChecklistInput)]
pub struct ChecklistBody {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub title: String,
    /// "1", "on" or "true": the schools of the area get a copy too.
    #[serde(default)]
    pub include_schools: String,
    /// One item a line: `类别｜事项[｜需佐证]`.
    #[serde(default)]
    pub items: String,
}

impl ChecklistBody {
    pub fn input(&self) -> secman::ledger::ChecklistInput {
        secman::ledger::ChecklistInput { year: self.year.clone(), title: self.title.clone(), include_schools: matches!(self.include_schools.trim(), "1" | "on" | "true"), items: self.items.clone() }
    }
}

/// What a write does.
pub enum Write {
    Publish(store::ledger::NewChecklist),
    Duty(i64, store::ledger::DutyUpdate),
    CreateSoftware(store::ledger::NewSoftware),
    UpdateSoftware(i64, store::ledger::NewSoftware),
    Check(store::ledger::NewCheck),
}

/// What a write gives back.
pub enum Written {
    Checklist(Checklist),
    Duty(DutyItem),
    Software(Software),
    Check(Check),
}

/// Reads an item's update against the stored item (whether it needs evidence): Ok(Err) with
/// the problems; NotFound when the item is missing or outside the area.
pub async fn parse_duty(app: &Arc<AppState>, me: &Identity, id: i64, b: &DutyBody) -> Result<Result<store::ledger::DutyUpdate, Vec<Problem>>, AppError> {
    writes(me)?;
    let scope = me.scope.clone();
    let b = b.clone();
    app.pool
        .run(move |s| {
            let item = s.duty_item(&scope, id)?.ok_or(AppError::NotFound)?;
            // The file already kept stays (it is replaced only through the evidence upload).
            Ok(secman::ledger::parse_duty(&b.input(item.attachment), &item))
        })
        .await
}

/// Runs a write for `me`, judged in the store against their area, and audits it.
pub async fn write(app: &Arc<AppState>, me: &Identity, ipaddr: &str, w: Write) -> Result<Written, AppError> {
    match &w {
        Write::Publish(_) => publishes(me)?,
        _ => writes(me)?,
    }
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let now = app.clock.now();
    let (action, target, detail, out) = app
        .pool
        .run(move |s| {
            Ok(match w {
                Write::Publish(c) => {
                    let c = secman::ledger::publish(s, &scope, &c, &by, now)?;
                    ("duty_checklist_publish", format!("duty_checklist:{}", c.id), serde_json::json!({"region": c.region_code, "year": c.year, "items": c.items, "units": c.units}), Written::Checklist(c))
                }
                Write::Duty(id, u) => {
                    let item = s.duty_item(&scope, id)?.ok_or(AppError::NotFound)?;
                    let d = s.update_duty_item(&scope, id, &u, &by, now)?;
                    ("duty_item_update", format!("duty_item:{id}"), serde_json::json!({"unit": d.unit_code, "checklist": d.checklist_id, "status": d.status.code(), "from": item.status.code()}), Written::Duty(d))
                }
                Write::CreateSoftware(n) => {
                    if let Some(u) = s.org_unit(n.unit_code)? {
                        if !scope.covers_unit(&u) {
                            return Err(AppError::invalid(format!("单位 {}（{}）不在您的管辖范围内，不能为其登记软件。", u.name, u.code), format!("{} ({}) is outside your area.", u.name, u.code)));
                        }
                    }
                    let x = s.create_software(&scope, &n, &by, now)?;
                    ("software_create", format!("software:{}", x.id), serde_json::json!({"unit": x.new.unit_code, "licensed": x.new.licensed, "installed": x.new.installed}), Written::Software(x))
                }
                Write::UpdateSoftware(id, n) => {
                    let x = s.update_software(&scope, id, &n, now)?;
                    ("software_update", format!("software:{id}"), serde_json::json!({"unit": x.new.unit_code, "licensed": x.new.licensed, "installed": x.new.installed}), Written::Software(x))
                }
                Write::Check(c) => {
                    let x = secman::ledger::record_check(s, &scope, &c, &by, now)?;
                    ("software_check", format!("software_check:{}", x.id), serde_json::json!({"unit": x.new.unit_code, "compliant": x.new.compliant, "next_due": x.next_due.to_string()}), Written::Check(x))
                }
            })
        })
        .await?;
    app.audit_by(me, action, &target, detail.to_string(), ipaddr).await?;
    Ok(out)
}

/// The label of a completion share.
pub fn pct(r: Option<f64>) -> String {
    crate::labels::pct(r)
}
