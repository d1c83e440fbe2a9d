//! 教育移动应用备案 — the education-app register in the console and the API: the province's
//! filings and block list ([`pages::filings`]), a filing with the uses of it in the reader's
//! area and the proposal form ([`pages::filing`]), the uses with their review states and counts
//! ([`pages::uses`]), a use with the review's steps ([`pages::app_use`]), the overdue re-reviews by
//! region ([`pages::overdue`]) and the API ([`api`]). Storage and scopes are `store::apps`; the
//! checks, the review machine and the block list `secman::apps`; this module shows and audits.

pub mod api;
pub mod export;
pub mod form;
pub mod import;
pub mod pages;

use crate::auth::Identity;
use crate::error::AppError;
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use standard::apps as sa;
use standard::{Date, Lang};
use std::collections::HashMap;
use std::sync::Arc;
use store::apps::{AppUse, Block, Filing, NewUse, UseQuery, UseState};
use store::flow::Actor;
use store::{Backend, StoreError};

pub use api::api_routes;

/// The import's upload (a multipart body: the caller gives it the upload size limit).
pub fn import_router() -> Router<Arc<AppState>> {
    Router::new().route("/apps/import", get(import::page).post(import::upload))
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/apps", get(pages::filings))
        .route("/apps/new", get(form::new_form).post(form::create))
        .route("/apps/import/template", get(import::template))
        .route("/apps/uses", get(pages::uses))
        .route("/apps/uses/overdue", get(pages::overdue))
        .route("/apps/uses/new", post(pages::propose))
        .route("/apps/uses/{id}", get(pages::app_use))
        .route("/apps/uses/{id}/step", post(pages::step))
        .route("/apps/blocks", post(pages::block))
        .route("/apps/blocks/{id}/unblock", post(pages::unblock))
        .route("/apps/{id}", get(pages::filing))
}

/// The role reads the register (pages and API).
pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::apps::role_reads(me.user.role))
}

/// The role reads the schools' uses (pages and API).
pub fn reads_uses(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::apps::role_reads_uses(me.user.role))
}

/// The role writes filings and blocks (the province; the store refuses any other area).
pub fn writes_filings(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::apps::role_writes_filings(me.user.role))
}

/// The role proposes and reviews uses (each step judged by the machine and the store).
pub fn writes_uses(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::apps::role_writes_uses(me.user.role))
}

fn lang(t: &crate::i18n::T) -> Lang {
    if t.is_en() {
        Lang::En
    } else {
        Lang::Zh
    }
}

/// Labels of list codes in the reader's language.
pub fn labels(t: &crate::i18n::T, list: &[(&'static str, &'static str, &'static str)], codes: &[String]) -> String {
    codes.iter().map(|c| sa::label(list, c, lang(t))).collect::<Vec<_>>().join(if t.is_en() { ", " } else { "、" })
}

/// A filing as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AppFiling)]
pub struct FilingView {
    pub id: i64,
    /// 教APP备1100871号.
    pub filing_no: String,
    pub provider: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    pub app_name: String,
    pub version: String,
    /// Codes: ios, android, harmonyos, miniprogram, web.
    pub platforms: Vec<String>,
    pub icp_no: String,
    pub mlps_no: String,
    pub permissions: Vec<String>,
    pub personal_data: Vec<String>,
    /// 面向未成年人.
    pub minors: bool,
    pub filed_on: Option<String>,
    /// valid or cancelled.
    pub status: String,
    /// The active block's reason, if the app is blocked.
    pub blocked: Option<String>,
}

pub fn filing_view(f: &Filing, blocked: Option<&Block>) -> FilingView {
    let n = &f.new;
    FilingView {
        id: f.id,
        filing_no: n.filing_no.clone(),
        provider: n.provider.clone(),
        credit_code: n.credit_code.clone(),
        app_name: n.app_name.clone(),
        version: n.version.clone(),
        platforms: n.platforms.clone(),
        icp_no: n.icp_no.clone(),
        mlps_no: n.mlps_no.clone(),
        permissions: n.permissions.clone(),
        personal_data: n.personal_data.clone(),
        minors: n.minors,
        filed_on: n.filed_on.map(|d| d.to_string()),
        status: n.status.code().into(),
        blocked: blocked.map(|b| b.new.reason.clone()),
    }
}

/// A block as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AppBlock)]
pub struct BlockView {
    pub id: i64,
    pub filing_no: String,
    pub app_name: String,
    pub credit_code: String,
    pub reason: String,
    pub blocked_on: Option<String>,
    pub active: bool,
    pub unblocked_on: Option<String>,
}

pub fn block_view(b: &Block) -> BlockView {
    BlockView {
        id: b.id,
        filing_no: b.new.filing_no.clone(),
        app_name: b.new.app_name.clone(),
        credit_code: b.new.credit_code.clone(),
        reason: b.new.reason.clone(),
        blocked_on: b.new.blocked_on.map(|d| d.to_string()),
        active: b.active(),
        unblocked_on: b.unblocked_on.map(|d| d.to_string()),
    }
}

/// A school's use of an app as the console and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AppUse)]
pub struct UseView {
    pub id: i64,
    pub school_code: i64,
    pub school_name: String,
    pub region_code: i64,
    pub filing_id: i64,
    pub filing_no: String,
    pub app_name: String,
    /// teaching, management, home_school, homework, assessment, other.
    pub purpose: String,
    /// 选用人 (谁选用谁负责).
    pub chosen_by: String,
    /// proposed, school_approved, county_approved, rejected, withdrawn.
    pub state: String,
    pub reason: String,
    pub school_reviewed_on: Option<String>,
    pub county_approved_on: Option<String>,
    /// The annual re-review's due date.
    pub review_due: Option<String>,
    /// The re-review is past due.
    pub overdue: bool,
}

pub fn use_view(s: &mut dyn Backend, u: &AppUse, today: Date, names: &mut HashMap<i64, String>) -> Result<UseView, AppError> {
    Ok(UseView {
        id: u.id,
        school_code: u.new.school_code,
        school_name: crate::routes::sites::owner_name(s, u.new.school_code, names)?,
        region_code: u.region_code,
        filing_id: u.new.filing_id,
        filing_no: u.filing_no.clone(),
        app_name: u.app_name.clone(),
        purpose: u.new.purpose.clone(),
        chosen_by: u.new.chosen_by.clone(),
        state: u.state.code().into(),
        reason: u.reason.clone(),
        school_reviewed_on: u.school_reviewed_on.map(|d| d.to_string()),
        county_approved_on: u.county_approved_on.map(|d| d.to_string()),
        review_due: u.review_due.map(|d| d.to_string()),
        overdue: u.state == UseState::CountyApproved && u.review_due.is_some_and(|d| d < today),
    })
}

/// Filters of the uses list (pages and API).
#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UseFilters {
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// proposed, school_approved, county_approved, rejected, withdrawn.
    #[serde(default)]
    pub state: String,
    /// A filing's id.
    #[serde(default)]
    pub filing: String,
    /// The cursor of the previous page.
    #[serde(default)]
    pub after: String,
}

impl UseFilters {
    pub fn query(&self, user: i64, limit: usize) -> Result<UseQuery, AppError> {
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().ok().filter(|_| r.len() == 6).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字，请从下拉列表选择。", "The region must be a 6-digit code: pick one from the list."))?),
        };
        let state = match self.state.trim() {
            "" => None,
            x => Some(UseState::parse(x).ok_or_else(|| AppError::invalid("未知的审核状态，请从下拉列表选择。", "Unknown state: pick one from the list."))?),
        };
        let filing_id = match self.filing.trim() {
            "" => None,
            x => Some(x.parse::<i64>().map_err(|_| AppError::invalid("应用编号应为数字。", "The filing must be a number."))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(crate::seal::open_cursor(a, &self.context(user)).and_then(|v| v.parse::<i64>().ok()).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(UseQuery { region, state, filing_id, after, limit, ..Default::default() })
    }

    pub fn context(&self, user: i64) -> String {
        crate::seal::cursor_context(user, "apps_uses", &[self.region.trim(), self.state.trim(), self.filing.trim()])
    }

    pub fn with(&self, state: &str, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("region={}&state={}&filing={}&after={}", e(&self.region), e(state), e(&self.filing), e(after))
    }
}

/// Counts by state, in the order of [`UseState::ALL`].
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = AppUseCount)]
pub struct StateCount {
    pub state: String,
    pub count: u64,
}

/// A page of uses, the counts of its filters, the next cursor (sealed).
pub async fn read_uses(app: &Arc<AppState>, me: &Identity, f: &UseFilters, limit: usize) -> Result<(Vec<StateCount>, Vec<UseView>, Option<String>), AppError> {
    reads_uses(me)?;
    let q = f.query(me.user.id, limit)?;
    let scope = crate::routes::read_scope(app, me).await?;
    let today = app.clock.today();
    let (counts, rows, next) = app
        .pool
        .run(move |s| {
            let counts = s.use_counts(&scope, &q)?;
            let page = s.uses(&scope, &q)?;
            let mut names = HashMap::new();
            let rows = page.rows.iter().map(|u| use_view(s, u, today, &mut names)).collect::<Result<Vec<_>, _>>()?;
            Ok((counts, rows, page.next))
        })
        .await?;
    let counts = counts.into_iter().map(|(s, n)| StateCount { state: s.code().into(), count: n }).collect();
    Ok((counts, rows, next.map(|n| crate::seal::seal_cursor(&n, &f.context(me.user.id)))))
}

/// A proposal as typed (the form and the API's body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AppUseInput)]
pub struct ProposeBody {
    /// 学校标识码 (10 digits), inside the caller's area.
    #[serde(default)]
    pub school_code: String,
    /// The filing's id.
    #[serde(default)]
    pub filing_id: String,
    /// teaching, management, home_school, homework, assessment, other (or the Chinese name).
    #[serde(default)]
    pub purpose: String,
    /// 选用人: a post or a teaching group, not a phone number.
    #[serde(default)]
    pub chosen_by: String,
}

impl ProposeBody {
    /// Every problem at once (Chinese, English).
    pub fn parse(&self) -> Result<NewUse, Vec<(String, String)>> {
        let mut out = Vec::new();
        let school = self.school_code.trim().parse::<i64>().ok().filter(|_| self.school_code.trim().len() == 10);
        if school.is_none() {
            out.push(("学校标识码应为 10 位数字。".to_string(), "The school code must be 10 digits.".to_string()));
        }
        let filing = self.filing_id.trim().parse::<i64>().ok();
        if filing.is_none() {
            out.push(("请选择应用。".into(), "Choose an app.".into()));
        }
        let purpose = sa::lookup(sa::PURPOSES, &self.purpose);
        if purpose.is_none() {
            out.push(("请选择用途（教学、管理、家校沟通等）。".into(), "Choose a purpose.".into()));
        }
        let chosen = self.chosen_by.trim();
        if chosen.is_empty() || chosen.chars().count() > 100 {
            out.push(("请填写选用人（部门或岗位，最多 100 字）：谁选用谁负责。".into(), "Enter who chose it (a department or post, 100 characters at most).".into()));
        }
        if !out.is_empty() {
            return Err(out);
        }
        Ok(NewUse { school_code: school.unwrap_or(0), filing_id: filing.unwrap_or(0), purpose: purpose.unwrap_or("other").into(), chosen_by: chosen.into() })
    }
}

/// A review step (the form and the API's body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AppUseStep)]
pub struct StepBody {
    /// school_approve, county_approve, rereview, reject, withdraw.
    #[serde(default)]
    pub action: String,
    /// Required to reject.
    #[serde(default)]
    pub reason: String,
}

/// The store's refusals as the web answers them: out of area or missing → 404.
pub fn written<T>(r: Result<T, StoreError>) -> Result<T, AppError> {
    r.map_err(|e| match e {
        StoreError::OutOfScope => AppError::NotFound,
        e => AppError::from(e),
    })
}

pub fn actor(me: &Identity, ip: &str) -> Actor {
    Actor::new(&me.user.name, me.user.role, me.scope.clone(), ip)
}

/// Proposes a use as `me` (the machine audits it).
pub async fn propose(app: &Arc<AppState>, me: &Identity, ip: &str, new: NewUse) -> Result<AppUse, AppError> {
    writes_uses(me)?;
    let a = actor(me, ip);
    let now = app.clock.now();
    app.pool.run(move |s| written(secman::apps::propose(s, &a, &new, now))).await
}

/// Takes a review step as `me` (the machine audits it).
pub async fn step(app: &Arc<AppState>, me: &Identity, ip: &str, id: i64, b: StepBody) -> Result<AppUse, AppError> {
    writes_uses(me)?;
    let a = actor(me, ip);
    let (today, now) = (app.clock.today(), app.clock.now());
    app.pool.run(move |s| written(secman::apps::step(s, &a, id, b.action.trim(), &b.reason, today, now))).await
}

/// A block as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AppBlockInput)]
pub struct BlockBody {
    /// 教APP备 number (or leave empty and give the name and credit code).
    #[serde(default)]
    pub filing_no: String,
    #[serde(default)]
    pub app_name: String,
    #[serde(default)]
    pub credit_code: String,
    /// 禁用原因 (required).
    #[serde(default)]
    pub reason: String,
}

impl BlockBody {
    pub fn parse(&self, today: Date) -> Result<store::apps::NewBlock, AppError> {
        let mut zh = Vec::new();
        let mut en = Vec::new();
        let no = self.filing_no.trim();
        if !no.is_empty() && sa::parse_filing_no(no).is_err() {
            zh.push(sa::AppRule::FilingNoFormat.zh().to_string() + "。");
            en.push("The filing number is malformed.".to_string());
        }
        if no.is_empty() && (self.app_name.trim().is_empty() || sa::parse_credit_code(&self.credit_code).is_err()) {
            zh.push("请填写备案号，或同时填写应用名称和提供者的统一社会信用代码。".into());
            en.push("Give the filing number, or the app's name and the provider's credit code.".into());
        }
        if self.reason.trim().is_empty() {
            zh.push("请填写禁用原因。".into());
            en.push("Give the reason.".into());
        }
        if !zh.is_empty() {
            return Err(AppError::invalid(zh.join(""), en.join(" ")));
        }
        Ok(store::apps::NewBlock {
            filing_no: no.into(),
            app_name: self.app_name.trim().into(),
            credit_code: sa::parse_credit_code(&self.credit_code).unwrap_or_default(),
            reason: self.reason.trim().into(),
            blocked_on: Some(today),
        })
    }
}

/// Blocks an app (the province), audited.
pub async fn block(app: &Arc<AppState>, me: &Identity, ip: &str, b: store::apps::NewBlock) -> Result<Block, AppError> {
    writes_filings(me)?;
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let now = app.clock.now();
    let made = app.pool.run(move |s| written(s.block(&scope, &b, &by, now))).await?;
    app.audit_by(me, "app_block", &format!("app_block:{}", made.id), serde_json::json!({"filing_no": made.new.filing_no, "reason_len": made.new.reason.chars().count()}).to_string(), ip).await?;
    Ok(made)
}

/// Lifts a block (the province), audited.
pub async fn unblock(app: &Arc<AppState>, me: &Identity, ip: &str, id: i64) -> Result<Block, AppError> {
    writes_filings(me)?;
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let today = app.clock.today();
    let b = app.pool.run(move |s| written(s.unblock(&scope, id, today, &by))).await?;
    app.audit_by(me, "app_unblock", &format!("app_block:{id}"), serde_json::json!({"filing_no": b.new.filing_no}).to_string(), ip).await?;
    Ok(b)
}

/// Problems as one error (the API).
pub fn invalid(p: &[(String, String)]) -> AppError {
    let zh: Vec<&str> = p.iter().map(|p| p.0.as_str()).collect();
    let en: Vec<&str> = p.iter().map(|p| p.1.as_str()).collect();
    AppError::invalid(zh.join(""), en.join(" "))
}
