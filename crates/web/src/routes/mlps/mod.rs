//! 等保台账 — the register of information systems under 等保 2.0 in the console and the API:
//! the list with its filters and totals ([`list`]), a system's page with its assessments and
//! rectification items ([`detail`]), the forms ([`form`], [`record`]), the overdue list by region
//! ([`overdue`]), the API ([`api`]) and the export ([`export`]). The storage and its scope rules
//! are `store::mlps`; the checks and due dates `secman::mlps`; this module shows, forms and audits.

pub mod files;
pub mod api;
pub mod detail;
pub mod export;
pub mod form;
pub mod import;
pub mod list;
pub mod overdue;
pub mod record;

use crate::auth::Identity;
use crate::error::AppError;
use crate::i18n::T;
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use secman::mlps::{Problem, Stage};
use serde::{Deserialize, Serialize};
use standard::Date;
use std::collections::HashMap;
use std::sync::Arc;
use store::mlps::{DueState, System};
use store::{Backend, StoreError};

pub use api::api_routes;

/// The import's upload (a multipart body: the caller gives it the upload size limit).
pub fn import_router() -> Router<Arc<AppState>> {
    Router::new().route("/mlps/import", get(import::page).post(import::upload))
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/mlps", get(list::page))
        .route("/mlps/overdue", get(overdue::page))
        .route("/mlps/new", get(form::new_form).post(form::create))
        .route("/mlps/import/template", get(import::template))
        .route("/mlps/{id}", get(detail::page))
        .route("/mlps/{id}/edit", get(form::edit_form).post(form::edit))
        .route("/mlps/{id}/assessments", post(record::assessment))
        .route("/mlps/{id}/items", post(record::item))
        .route("/mlps/{id}/items/{item}/close", post(record::close))
        .route("/mlps/{id}/assessments/{a}/files/{file}", get(files::report_download))
        .route("/mlps/{id}/items/{item}/files/{file}", get(files::item_download))
}


/// The file uploads (their bodies bounded by the attachment cap, see `routes::router`).
pub fn files_router() -> Router<Arc<AppState>> {
    Router::new().route("/mlps/{id}/assessments/{a}/report", post(files::report)).route("/mlps/{id}/items/{item}/evidence", post(files::item_evidence))
}

/// The role reads the register (pages and API).
pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::mlps::role_reads(me.user.role))
}

/// The area an auditor reads the register in: its node of the tree (its session scope holds no
/// records); None for the other roles, who read in their session scope.
pub fn auditor_org(me: &Identity) -> Option<i64> {
    (me.user.role == store::Role::Auditor).then_some(me.user.org_code)
}

/// The scope of [`auditor_org`]'s node, read in the store (Nothing when it is not in the tree).
pub fn node_scope(s: &mut dyn Backend, org: i64) -> Result<store::Scope, StoreError> {
    Ok(s.org_unit(org)?.map_or(store::Scope::Nothing, |u| store::Scope::of(&u)))
}

/// The area the caller reads the register in: its session scope; an auditor's node of the tree.
pub async fn read_scope(app: &Arc<AppState>, me: &Identity) -> Result<store::Scope, AppError> {
    match auditor_org(me) {
        None => Ok(me.scope.clone()),
        Some(org) => app.pool.run(move |s| Ok(node_scope(s, org)?)).await,
    }
}

/// The role writes it (each write judged against the area in the store).
pub fn writes(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::mlps::role_writes(me.user.role))
}

/// A system as the console and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = MlpsSystem)]
pub struct View {
    pub id: i64,
    /// 所属单位: a school code or a bureau's division code.
    pub unit_code: i64,
    pub unit_name: String,
    /// The division the system is kept under (a school's county).
    pub region_code: i64,
    pub name: String,
    /// 责任部门.
    pub owner: String,
    pub purpose: String,
    /// 安全保护等级 1–5.
    pub level: u8,
    /// 关键信息基础设施.
    pub cii: bool,
    /// YYYY-MM-DD, or null.
    pub live_on: Option<String>,
    /// 备案证明编号 (empty: not filed).
    pub filing_no: String,
    pub filing_on: Option<String>,
    pub filing_authority: String,
    pub last_assessed: Option<String>,
    pub filing_due: Option<String>,
    pub assessment_due: Option<String>,
    pub rectification_due: Option<String>,
    pub next_due: Option<String>,
    /// overdue, due_soon (within 60 days), ok.
    pub state: String,
    /// The reminder the next due date calls for: overdue, 7, 30, 60, later.
    pub stage: String,
    pub open_items: u32,
}

fn ds(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A unit's name, cached over a page.
pub fn unit_name(s: &mut dyn Backend, code: i64, cache: &mut HashMap<i64, String>) -> Result<String, AppError> {
    crate::routes::sites::owner_name(s, code, cache)
}

pub fn view(s: &mut dyn Backend, x: &System, today: Date, cache: &mut HashMap<i64, String>) -> Result<View, AppError> {
    Ok(View {
        id: x.id,
        unit_code: x.new.unit_code,
        unit_name: unit_name(s, x.new.unit_code, cache)?,
        region_code: x.region_code,
        name: x.new.name.clone(),
        owner: x.new.owner.clone(),
        purpose: x.new.purpose.clone(),
        level: x.new.level,
        cii: x.new.cii,
        live_on: ds(x.new.live_on),
        filing_no: x.new.filing_no.clone(),
        filing_on: ds(x.new.filing_on),
        filing_authority: x.new.filing_authority.clone(),
        last_assessed: ds(x.last_assessed),
        filing_due: ds(x.dues.filing),
        assessment_due: ds(x.dues.assessment),
        rectification_due: ds(x.dues.rectification),
        next_due: ds(x.next_due),
        state: DueState::of(x.next_due, today).code().into(),
        stage: x.next_due.map(|d| Stage::of(d, today)).unwrap_or(Stage::Later).code().into(),
        open_items: x.open_items,
    })
}

/// The label of a state code.
pub fn state_label(t: &T, code: &str) -> &'static str {
    match code {
        "overdue" => t.s("已逾期", "Overdue"),
        "due_soon" => t.s("60 天内到期", "Due within 60 days"),
        _ => t.s("正常", "On time"),
    }
}

pub fn state_class(code: &str) -> &'static str {
    match code {
        "overdue" => "red",
        "due_soon" => "amber",
        _ => "green",
    }
}

/// The label of a reminder stage code.
pub fn stage_label(t: &T, code: &str) -> &'static str {
    let s = [Stage::Overdue, Stage::Days7, Stage::Days30, Stage::Days60, Stage::Later].into_iter().find(|s| s.code() == code).unwrap_or(Stage::Later);
    t.s(s.zh(), s.en())
}

pub fn level_label(t: &T, level: u8) -> &'static str {
    match level {
        1 => t.s("第一级", "Level 1"),
        2 => t.s("第二级", "Level 2"),
        3 => t.s("第三级", "Level 3"),
        4 => t.s("第四级", "Level 4"),
        _ => t.s("第五级", "Level 5"),
    }
}

/// A system as typed (the form and the API's body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MlpsSystemInput)]
pub struct SystemBody {
    /// 所属单位: a 10-digit school code or a 6-digit division code.
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub purpose: String,
    /// 1–5.
    #[serde(default)]
    pub level: String,
    /// "1", "on" or "true": a critical information infrastructure.
    #[serde(default)]
    pub cii: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub live_on: String,
    /// e.g. 51010199001-30001.
    #[serde(default)]
    pub filing_no: String,
    #[serde(default)]
    pub filing_on: String,
    #[serde(default)]
    pub filing_authority: String,
}

impl SystemBody {
    pub fn input(&self) -> secman::mlps::SystemInput {
        secman::mlps::SystemInput {
            unit_code: self.unit_code.clone(),
            name: self.name.clone(),
            owner: self.owner.clone(),
            purpose: self.purpose.clone(),
            level: self.level.clone(),
            cii: matches!(self.cii.trim(), "1" | "on" | "true"),
            live_on: self.live_on.clone(),
            filing_no: self.filing_no.clone(),
            filing_on: self.filing_on.clone(),
            filing_authority: self.filing_authority.clone(),
        }
    }

    pub fn of(x: &System) -> SystemBody {
        let d = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
        SystemBody {
            unit_code: x.new.unit_code.to_string(),
            name: x.new.name.clone(),
            owner: x.new.owner.clone(),
            purpose: x.new.purpose.clone(),
            level: x.new.level.to_string(),
            cii: if x.new.cii { "1".into() } else { String::new() },
            live_on: d(x.new.live_on),
            filing_no: x.new.filing_no.clone(),
            filing_on: d(x.new.filing_on),
            filing_authority: x.new.filing_authority.clone(),
        }
    }
}

/// Problems in the reader's language.
pub fn messages(t: &T, p: &[Problem]) -> Vec<String> {
    p.iter().map(|p| if t.is_en() { p.en.clone() } else { p.zh.clone() }).collect()
}

/// Problems as one error (the API).
pub fn invalid(p: &[Problem]) -> AppError {
    let zh: Vec<&str> = p.iter().map(|p| p.zh.as_str()).collect();
    let en: Vec<&str> = p.iter().map(|p| p.en.as_str()).collect();
    AppError::invalid(zh.join(""), en.join(" "))
}

/// A write's store error: outside the area (or missing) says so, in words that tell nothing of
/// what exists; the rest as they are.
fn written<T>(r: Result<T, StoreError>) -> Result<T, AppError> {
    r.map_err(|e| match e {
        StoreError::OutOfScope => AppError::NotFound,
        e => AppError::from(e),
    })
}

/// What a write does, run on the store with the calendar in effect (embedded years, replaced by
/// those imported).
pub enum Write {
    Create(store::mlps::NewSystem),
    Update(i64, store::mlps::NewSystem),
    Assess(i64, store::mlps::NewAssessment),
    AddItem(i64, store::mlps::NewRectification),
    CloseItem(i64, i64, Date, String),
}

impl Write {
    fn action(&self) -> &'static str {
        match self {
            Write::Create(_) => "mlps_system_create",
            Write::Update(..) => "mlps_system_update",
            Write::Assess(..) => "mlps_assessment",
            Write::AddItem(..) => "mlps_item_add",
            Write::CloseItem(..) => "mlps_item_close",
        }
    }
}

/// Runs a write for `me`, judged in the store against their area, and audits it.
pub async fn write(app: &Arc<AppState>, me: &Identity, ipaddr: &str, w: Write) -> Result<System, AppError> {
    writes(me)?;
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let now = app.clock.now();
    let action = w.action();
    let (sys, detail) = app
        .pool
        .run(move |s| {
            let cal = store::calendar::Calendar::load(s)?;
            use secman::mlps as m;
            let r = match &w {
                Write::Create(n) => {
                    // A unit outside the area is named as such: the tree is no secret.
                    if let Some(u) = s.org_unit(n.unit_code)? {
                        if !scope.covers_unit(&u) {
                            return Err(AppError::invalid(format!("单位 {}（{}）不在您的管辖范围内，不能为其登记系统。", u.name, u.code), format!("{} ({}) is outside your area: you cannot register its systems.", u.name, u.code)));
                        }
                    }
                    m::create(s, &scope, n, &by, &cal, now)
                }
                Write::Update(id, n) => m::update(s, &scope, *id, n, &cal, now),
                Write::Assess(id, a) => m::assess(s, &scope, *id, a, &by, &cal, now),
                Write::AddItem(id, r) => m::add_item(s, &scope, *id, r, &by, &cal, now),
                Write::CloseItem(id, item, on, ev) => m::close_item(s, &scope, *id, *item, *on, ev, &cal),
            };
            let sys = written(r)?;
            let detail = serde_json::json!({ "unit": sys.new.unit_code, "level": sys.new.level, "filed": !sys.new.filing_no.is_empty(), "next_due": ds(sys.next_due) });
            Ok((sys, detail.to_string()))
        })
        .await?;
    app.audit_by(me, action, &format!("mlps:{}", sys.id), detail, ipaddr).await?;
    Ok(sys)
}
