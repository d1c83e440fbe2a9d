//! The JSON API of the education-app register under `/api/v1/apps`: filings (the province
//! writes), the block list, school uses with their review steps, the overdue re-reviews. The
//! same roles, checks, scope and audit as the pages.

use super::{block_view, filing_view, invalid, reads, read_uses, use_view, writes_filings, BlockBody, BlockView, FilingView, ProposeBody, StateCount, StepBody, UseFilters, UseView};
use crate::error::AppError;
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use store::apps::{AppUse, FilingQuery, FilingStatus};

pub const TAG: &str = "教育移动应用备案";

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(filings, create_filing))
        .routes(routes!(filing))
        .routes(routes!(super::import::api))
        .routes(routes!(blocks, create_block))
        .routes(routes!(lift_block))
        .routes(routes!(uses, create_use))
        .routes(routes!(one_use))
        .routes(routes!(use_step))
        .routes(routes!(overdue_uses))
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilingFilters {
    /// Part of the app's or provider's name, or the filing number.
    #[serde(default)]
    pub q: String,
    /// valid or cancelled.
    #[serde(default)]
    pub status: String,
    /// The previous page's last id.
    #[serde(default)]
    pub after: String,
}

impl FilingFilters {
    pub fn query(&self, limit: usize) -> Result<FilingQuery, AppError> {
        let status = match self.status.trim() {
            "" => None,
            s => Some(FilingStatus::parse(s).ok_or_else(|| AppError::invalid("状态应为 有效 或 注销。", "The status must be valid or cancelled."))?),
        };
        let after = match self.after.trim() {
            "" => None,
            a => Some(a.parse::<i64>().map_err(|_| AppError::bad_cursor())?),
        };
        Ok(FilingQuery { text: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()), status, minors: None, after, limit })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AppFilings)]
pub struct FilingsOut {
    pub items: Vec<FilingView>,
    /// The next page's `after`, or null.
    pub next: Option<String>,
}

/// 备案应用 — the province's filings (every record-keeping area reads them), 50 a page.
#[utoipa::path(get, path = "/apps/filings", tag = TAG, params(FilingFilters), responses((status = 200, description = "备案 / Filings", body = FilingsOut), crate::apidoc::Errors))]
async fn filings(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<FilingFilters>) -> Result<Json<FilingsOut>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let q = f.query(50)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let (items, next) = app
        .pool
        .run(move |s| {
            let page = s.filings(&scope, &q)?;
            let mut out = Vec::new();
            for x in &page.rows {
                let b = s.block_of(&scope, &x.new)?;
                out.push(filing_view(x, b.as_ref()));
            }
            Ok((out, page.next))
        })
        .await?;
    Ok(Json(FilingsOut { items, next }))
}

/// A filing as typed (the API's body; lists as text separated by 、 or commas).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AppFilingInput)]
pub struct FilingBody {
    /// 教APP备 + 7 digits + 号.
    #[serde(default)]
    pub filing_no: String,
    #[serde(default)]
    pub provider: String,
    /// GB 32100 统一社会信用代码.
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub app_name: String,
    #[serde(default)]
    pub version: String,
    /// e.g. "iOS、Android、小程序".
    #[serde(default)]
    pub platforms: String,
    /// e.g. 京ICP备12345678号-1.
    #[serde(default)]
    pub icp_no: String,
    /// e.g. 11010813001-00001.
    #[serde(default)]
    pub mlps_no: String,
    #[serde(default)]
    pub permissions: String,
    #[serde(default)]
    pub personal_data: String,
    /// 是/否.
    #[serde(default)]
    pub minors: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub filed_on: String,
    /// 有效/注销 (valid/cancelled).
    #[serde(default)]
    pub status: String,
}

impl FilingBody {
    pub fn input(&self) -> secman::apps::FilingInput {
        secman::apps::FilingInput {
            filing_no: self.filing_no.clone(),
            provider: self.provider.clone(),
            credit_code: self.credit_code.clone(),
            app_name: self.app_name.clone(),
            version: self.version.clone(),
            platforms: self.platforms.clone(),
            icp_no: self.icp_no.clone(),
            mlps_no: self.mlps_no.clone(),
            permissions: self.permissions.clone(),
            personal_data: self.personal_data.clone(),
            minors: self.minors.clone(),
            filed_on: self.filed_on.clone(),
            status: self.status.clone(),
        }
    }
}

/// 登记备案 — the province registers a filing; every problem of the body at once.
#[utoipa::path(post, path = "/apps/filings", tag = TAG, request_body = FilingBody, responses((status = 201, description = "已登记 / Registered", body = FilingView), crate::apidoc::WriteErrors))]
async fn create_filing(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<FilingBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    let new = secman::apps::parse_filing(&b.input(), app.clock.today()).map_err(|p| {
        let v: Vec<(String, String)> = p.into_iter().map(|p| (p.zh, p.en)).collect();
        invalid(&v)
    })?;
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let now = app.clock.now();
    let f = app.pool.run(move |s| super::written(s.create_filing(&scope, &new, &by, now))).await?;
    app.audit_by(&me, "app_filing_create", &format!("app_filing:{}", f.id), serde_json::json!({"filing_no": f.new.filing_no}).to_string(), &ip(&headers, &peer)).await?;
    Ok((StatusCode::CREATED, Json(filing_view(&f, None))).into_response())
}

/// 备案详情 — one filing.
#[utoipa::path(get, path = "/apps/filings/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 200, description = "备案 / Filing", body = FilingView), crate::apidoc::Errors))]
async fn filing(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<FilingView>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let v = app
        .pool
        .run(move |s| {
            let f = s.filing(&scope, id)?.ok_or(AppError::NotFound)?;
            let b = s.block_of(&scope, &f.new)?;
            Ok(filing_view(&f, b.as_ref()))
        })
        .await?;
    Ok(Json(v))
}

/// 禁用名单 — every block, active ones first.
#[utoipa::path(get, path = "/apps/blocks", tag = TAG, responses((status = 200, description = "禁用名单 / Blocks", body = Vec<BlockView>), crate::apidoc::Errors))]
async fn blocks(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<Vec<BlockView>>, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let mut list = app.pool.run(move |s| Ok(s.blocks(&scope, false, 500)?)).await?;
    list.sort_by_key(|b| !b.active());
    Ok(Json(list.iter().map(block_view).collect()))
}

/// 禁用应用 — the province blocks an app, with the reason.
#[utoipa::path(post, path = "/apps/blocks", tag = TAG, request_body = BlockBody, responses((status = 201, description = "已禁用 / Blocked", body = BlockView), crate::apidoc::WriteErrors))]
async fn create_block(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<BlockBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    let new = b.parse(app.clock.today())?;
    let made = super::block(&app, &me, &ip(&headers, &peer), new).await?;
    Ok((StatusCode::CREATED, Json(block_view(&made))).into_response())
}

/// 解除禁用 — the province lifts a block (audited).
#[utoipa::path(post, path = "/apps/blocks/{id}/unblock", tag = TAG, params(("id" = i64, Path)), responses((status = 200, description = "已解除 / Lifted", body = BlockView), crate::apidoc::WriteErrors))]
async fn lift_block(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Json<BlockView>, AppError> {
    let me = ready(me)?;
    let b = super::unblock(&app, &me, &ip(&headers, &peer), id).await?;
    Ok(Json(block_view(&b)))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AppUses)]
pub struct UsesOut {
    pub items: Vec<UseView>,
    /// The next page's cursor (pass as `after` with the same filters), or null.
    pub next: Option<String>,
    /// The filters' counts by state (the state filter ignored).
    pub counts: Vec<StateCount>,
}

/// 学校使用 — the uses of apps in the caller's area, filtered, 50 a page, with counts by state.
#[utoipa::path(get, path = "/apps/uses", tag = TAG, params(UseFilters), responses((status = 200, description = "使用 / Uses", body = UsesOut), crate::apidoc::Errors))]
async fn uses(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<UseFilters>) -> Result<Json<UsesOut>, AppError> {
    let me = ready(me)?;
    let (counts, items, next) = read_uses(&app, &me, &f, 50).await?;
    Ok(Json(UsesOut { items, next, counts }))
}

async fn shown(app: &Arc<AppState>, u: AppUse) -> Result<UseView, AppError> {
    let today = app.clock.today();
    app.pool.run(move |s| use_view(s, &u, today, &mut HashMap::new())).await
}

/// 申请使用 — a school (or its county) proposes a use (凡进必审); a blocked app is refused with
/// the block's reason.
#[utoipa::path(post, path = "/apps/uses", tag = TAG, request_body = ProposeBody, responses((status = 201, description = "已申请 / Proposed", body = UseView), crate::apidoc::WriteErrors))]
async fn create_use(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<ProposeBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::writes_uses(&me)?;
    let new = b.parse().map_err(|p| invalid(&p))?;
    let u = super::propose(&app, &me, &ip(&headers, &peer), new).await?;
    Ok((StatusCode::CREATED, Json(shown(&app, u).await?)).into_response())
}

/// 使用详情 — one use.
#[utoipa::path(get, path = "/apps/uses/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 200, description = "使用 / Use", body = UseView), crate::apidoc::Errors))]
async fn one_use(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<UseView>, AppError> {
    let me = ready(me)?;
    super::reads_uses(&me)?;
    let scope = crate::routes::read_scope(&app, &me).await?;
    let u = app.pool.run(move |s| s.app_use(&scope, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(shown(&app, u).await?))
}

/// 审核 — a step of the review: school_approve, county_approve, rereview, reject (with a
/// reason) or withdraw.
#[utoipa::path(post, path = "/apps/uses/{id}/steps", tag = TAG, params(("id" = i64, Path)), request_body = StepBody, responses((status = 200, description = "已办理 / Done", body = UseView), crate::apidoc::WriteErrors))]
async fn use_step(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<StepBody>) -> Result<Json<UseView>, AppError> {
    let me = ready(me)?;
    let u = super::step(&app, &me, &ip(&headers, &peer), id, b).await?;
    Ok(Json(shown(&app, u).await?))
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionFilter {
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AppOverdue)]
pub struct OverdueOut {
    /// Overdue re-reviews by the county uses are kept under.
    pub regions: Vec<RegionCount>,
    /// Longest overdue first, 200 at most.
    pub items: Vec<UseView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AppOverdueRegion)]
pub struct RegionCount {
    pub code: u32,
    pub overdue: u64,
}

/// 复审逾期 — approved uses whose annual re-review is past due, by region.
#[utoipa::path(get, path = "/apps/uses/overdue", tag = TAG, params(RegionFilter), responses((status = 200, description = "逾期 / Overdue", body = OverdueOut), crate::apidoc::Errors))]
async fn overdue_uses(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<RegionFilter>) -> Result<Json<OverdueOut>, AppError> {
    let me = ready(me)?;
    let (regions, items) = super::pages::read_overdue(&app, &me, &f.region).await?;
    Ok(Json(OverdueOut { regions: regions.into_iter().map(|r| RegionCount { code: r.code, overdue: r.overdue }).collect(), items }))
}
