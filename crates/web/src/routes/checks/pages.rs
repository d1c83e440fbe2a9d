//! The pages: inspections, an inspection's progress (drill-down province → city → county →
//! units), a unit's answer sheet, rectification items with their flow, drills and a drill.

use super::{answers, audit, drill_view, inspection_view, issues, item_view, label, reads, state_class, written, DrillView, InspectionView, ItemView};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::checks::{progress_by_level, progress_total, AssignState, Answer, ItemQuery, ItemState, Progress, Source};
use store::{OrgLevel, Scope};

fn with_status(mut r: Response, bad: bool) -> Response {
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

#[derive(Template)]
#[template(path = "checks.html")]
struct InspectionsPage {
    c: Ctx,
    rows: Vec<InspectionView>,
    can_issue: bool,
}

impl InspectionsPage {
    fn mine(&self, s: &Option<String>) -> &'static str {
        match s.as_deref().and_then(AssignState::parse) {
            Some(a) => self.c.t.s(a.zh(), a.en()),
            None => "",
        }
    }
}

/// Inspections of my area and those assigned to my unit, newest first (the latest 200).
pub async fn inspections(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let rows = list_inspections(&app, &me).await?;
    html(InspectionsPage { c: Ctx::new(&app, &headers, Some(&me), "/checks", "checks"), rows, can_issue: store::checks::role_issues(me.user.role) && matches!(me.scope, Scope::Region { .. }) })
}

pub async fn list_inspections(app: &Arc<AppState>, me: &Identity) -> Result<Vec<InspectionView>, AppError> {
    let scope = super::read_scope(&app, &me).await?;
    app.pool
        .run(move |s| {
            let page = s.inspections(&scope, None, 200)?;
            let mut names = HashMap::new();
            page.rows.iter().map(|x| inspection_view(s, &scope, x, &mut names)).collect::<Result<Vec<_>, _>>()
        })
        .await
}

/// One row of the progress table, named.
pub struct ProgressRow {
    pub code: i64,
    pub name: String,
    pub p: Progress,
    /// Where the row drills down to (a city or a county), if anywhere.
    pub down: Option<String>,
    /// A unit's answers (the per-unit view), for a row of a unit.
    pub answers: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// A division inside the caller's area: its cities, counties or units.
    #[serde(default)]
    pub region: String,
}

/// The level a progress table is drawn at: a region filter's, else the scope's.
fn level_of(scope: &Scope, region: Option<u32>) -> Option<OrgLevel> {
    let (lo, hi) = match (region, scope) {
        (Some(r), _) => store::region_range(r),
        (None, Scope::Region { lo, hi }) => (*lo, *hi),
        _ => return None,
    };
    Some(if hi - lo >= 9_999 { OrgLevel::Province } else if hi - lo >= 99 { OrgLevel::City } else { OrgLevel::County })
}

fn parse_region(r: &str) -> Result<Option<u32>, AppError> {
    match r.trim() {
        "" => Ok(None),
        r => r.parse::<u32>().ok().filter(|_| r.len() == 6).map(Some).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code.")),
    }
}

/// An inspection's progress rows at the level of `region` (or the scope), named, with totals.
pub async fn progress_rows(app: &Arc<AppState>, me: &Identity, id: i64, region: Option<u32>) -> Result<(InspectionView, Vec<ProgressRow>, Progress), AppError> {
    reads(me)?;
    let scope = super::read_scope(&app, &me).await?;
    let today = app.clock.today();
    let level = level_of(&scope, region);
    app.pool
        .run(move |s| {
            let insp = s.inspection(&scope, id)?.ok_or(AppError::NotFound)?;
            let mut names = HashMap::new();
            let v = inspection_view(s, &scope, &insp, &mut names)?;
            let by_unit = matches!(level, Some(OrgLevel::County) | None);
            let raw = s.progress(&scope, id, region, by_unit, today)?;
            let rows = match level {
                Some(OrgLevel::Province) => progress_by_level(&raw, OrgLevel::Province),
                _ => raw,
            };
            let total = progress_total(&rows);
            let mut out = Vec::new();
            for p in rows {
                let down = match level {
                    Some(OrgLevel::Province) | Some(OrgLevel::City) if p.code < 1_000_000 && p.code % 10_000 != 0 && region != u32::try_from(p.code).ok() => Some(format!("/checks/{id}?region={}", p.code)),
                    _ => None,
                };
                let answers = by_unit.then(|| format!("/checks/{id}/units/{}", p.code));
                out.push(ProgressRow { code: p.code, name: crate::routes::sites::owner_name(s, p.code, &mut names)?, p, down, answers });
            }
            Ok((v, out, total))
        })
        .await
}

#[derive(Template)]
#[template(path = "check.html")]
struct InspectionPage {
    c: Ctx,
    v: InspectionView,
    rows: Vec<ProgressRow>,
    total: Progress,
    region: String,
    may_answer: bool,
}

impl InspectionPage {
    fn l(&self, code: &str) -> &'static str {
        label(&self.c.t, code)
    }
    fn export_q(&self) -> String {
        format!("inspection={}&region={}", self.v.id, crate::render::urlencode(&self.region))
    }
    fn mine(&self) -> &'static str {
        match self.v.my_state.as_deref().and_then(AssignState::parse) {
            Some(a) => self.c.t.s(a.zh(), a.en()),
            None => "",
        }
    }
}

pub async fn inspection(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, Query(q): Query<RegionQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let region = parse_region(&q.region)?;
    let (v, rows, total) = progress_rows(&app, &me, id, region).await?;
    let may_answer = store::checks::role_answers(me.user.role) && v.my_state.as_deref() == Some("assigned");
    html(InspectionPage { c: Ctx::new(&app, &headers, Some(&me), "/checks", "checks"), v, rows, total, region: q.region.trim().to_string(), may_answer })
}

/// One line of the answer sheet as shown (values kept after a refusal).
pub struct SheetRow {
    pub i: usize,
    pub text: String,
    pub text_kind: bool,
    pub evidence_required: bool,
    pub verdict: String,
    pub note: String,
    pub evidence: String,
    /// The file kept as this answer's evidence.
    pub file: Option<crate::routes::evidence::FileOut>,
}

#[derive(Template)]
#[template(path = "check_answer.html")]
struct AnswerPage {
    c: Ctx,
    v: InspectionView,
    unit: i64,
    unit_name: String,
    rows: Vec<SheetRow>,
    owner_name: String,
    owner_post: String,
    errors: Vec<String>,
    saved: bool,
    limit_mib: u64,
}

#[derive(Deserialize, Default)]
pub struct UnitQuery {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub saved: String,
}

pub fn unit_of(me: &Identity, unit: &str) -> Result<i64, AppError> {
    match unit.trim() {
        "" => secman::checks::own_unit(&me.scope).ok_or(AppError::NotFound),
        u => u.parse::<i64>().map_err(|_| AppError::NotFound),
    }
}

async fn render_answer(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, unit: i64, typed: Option<(Vec<Answer>, String, String)>, errors: Vec<String>, saved: bool) -> Result<Response, AppError> {
    reads(me)?;
    let scope = super::read_scope(&app, &me).await?;
    let (v, a, unit_name, mut files) = app
        .pool
        .run(move |s| {
            let insp = s.inspection(&scope, id)?.ok_or(AppError::NotFound)?;
            let a = s.assignment(&scope, id, unit)?.ok_or(AppError::NotFound)?;
            let mut names = HashMap::new();
            let name = crate::routes::sites::owner_name(s, unit, &mut names)?;
            let files = super::files::answer_files(s, &scope, id, &a)?;
            Ok((inspection_view(s, &scope, &insp, &mut names)?, a, name, files))
        })
        .await?;
    if a.state == AssignState::Submitted && typed.is_none() && !saved && errors.is_empty() {
        return Ok(Redirect::to(&format!("/checks/{id}")).into_response());
    }
    let (answers, owner_name, owner_post) = typed.unwrap_or((a.answers.clone(), String::new(), String::new()));
    let rows = v
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let a = answers.iter().find(|a| a.item as usize == i);
            SheetRow {
                i,
                text: it.text.clone(),
                text_kind: it.kind == "text",
                evidence_required: it.evidence_required,
                verdict: a.and_then(|a| a.verdict).map(|v| v.code().to_string()).unwrap_or_default(),
                note: a.map(|a| a.note.clone()).unwrap_or_default(),
                evidence: a.map(|a| a.evidence.clone()).unwrap_or_default(),
                file: files.remove(&(i as u32)),
            }
        })
        .collect();
    let bad = !errors.is_empty();
    let r = html(AnswerPage { c: Ctx::new(app, headers, Some(me), "/checks", "checks"), v, unit, unit_name, rows, owner_name, owner_post, errors, saved, limit_mib: app.config.security.attachment_limit_mib })?;
    Ok(with_status(r, bad))
}

/// The sheet as stored, with `errors` (the file form's refusals).
pub async fn answer_page(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, unit: i64, errors: Vec<String>) -> Result<Response, AppError> {
    render_answer(app, headers, me, id, unit, None, errors, false).await
}

/// One answer as the per-unit view shows it.
pub struct UnitAnswerRow {
    pub i: usize,
    pub text: String,
    pub evidence_required: bool,
    pub verdict: String,
    pub note: String,
    pub evidence: String,
    pub file: Option<crate::routes::evidence::FileOut>,
}

#[derive(Template)]
#[template(path = "check_unit.html")]
struct UnitAnswersPage {
    c: Ctx,
    v: InspectionView,
    unit_name: String,
    state: String,
    submitted_by: String,
    submitted_at: Option<i64>,
    rows: Vec<UnitAnswerRow>,
}

impl UnitAnswersPage {
    fn l(&self, code: &str) -> &'static str {
        label(&self.c.t, code)
    }
}

/// 单位填报情况 — one unit's answers to an inspection with their evidence files, for the
/// issuing level, the auditor and the unit (the assignment found through the reader's scope:
/// 404 outside).
pub async fn unit_answers(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path((id, unit)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    reads(&me)?;
    let scope = super::read_scope(&app, &me).await?;
    let (v, a, unit_name, mut files) = app
        .pool
        .run(move |s| {
            let insp = s.inspection(&scope, id)?.ok_or(AppError::NotFound)?;
            let a = s.assignment(&scope, id, unit)?.ok_or(AppError::NotFound)?;
            let mut names = HashMap::new();
            let name = crate::routes::sites::owner_name(s, unit, &mut names)?;
            let files = super::files::answer_files(s, &scope, id, &a)?;
            Ok((inspection_view(s, &scope, &insp, &mut names)?, a, name, files))
        })
        .await?;
    let rows = v
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let x = a.answers.iter().find(|x| x.item as usize == i);
            UnitAnswerRow {
                i,
                text: it.text.clone(),
                evidence_required: it.evidence_required,
                verdict: x.and_then(|x| x.verdict).map(|v| v.code().to_string()).unwrap_or_default(),
                note: x.map(|x| x.note.clone()).unwrap_or_default(),
                evidence: x.map(|x| x.evidence.clone()).unwrap_or_default(),
                file: files.remove(&(i as u32)),
            }
        })
        .collect();
    let c = Ctx::new(&app, &headers, Some(&me), "/checks", "checks");
    html(UnitAnswersPage { c, v, unit_name, state: a.state.code().to_string(), submitted_by: a.submitted_by.clone(), submitted_at: a.submitted_at, rows })
}

pub async fn answer_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>, Query(q): Query<UnitQuery>) -> Result<Response, AppError> {
    let me = ready(me)?;
    answers(&me)?;
    let unit = unit_of(&me, &q.unit)?;
    render_answer(&app, &headers, &me, id, unit, None, Vec::new(), q.saved == "1").await
}

/// Saves (`action=save`) or submits (`action=submit`) a unit's sheet; a refusal lists every
/// problem with the values kept.
pub async fn answer(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> Result<Response, AppError> {
    let me = ready(me)?;
    answers(&me)?;
    let unit = unit_of(&me, f.get("unit").map(String::as_str).unwrap_or(""))?;
    let n = f.keys().filter(|k| k.starts_with("verdict_") || k.starts_with("note_")).filter_map(|k| k.rsplit('_').next()?.parse::<usize>().ok()).max().map_or(0, |m| m + 1).min(200);
    let sheet = secman::checks::answers_from(n, |k| f.get(k).cloned());
    let sheet: Vec<Answer> = sheet.into_iter().filter(|a| a.verdict.is_some() || !a.note.is_empty() || !a.evidence.is_empty()).collect();
    let owner_name = f.get("owner_name").cloned().unwrap_or_default();
    let owner_post = f.get("owner_post").cloned().unwrap_or_default();
    let submit = f.get("action").map(String::as_str) == Some("submit");
    let scope = super::read_scope(&app, &me).await?;
    let by = me.user.name.clone();
    let clock = app.clock.clone();
    let (s2, on, op) = (sheet.clone(), owner_name.clone(), owner_post.clone());
    let r = app
        .pool
        .run(move |s| {
            let cal = store::calendar::Calendar::load(s)?;
            let r = if submit {
                secman::checks::submit(s, &scope, id, unit, &s2, (&on, &op), &by, &cal, clock.as_ref())
            } else {
                s.save_answers(&scope, id, unit, &s2, None, &by, clock.now())
            };
            Ok(written(r))
        })
        .await?;
    match r {
        Ok(a) => {
            let action = if submit { "checks_answers_submit" } else { "checks_answers_save" };
            audit(&app, &me, action, format!("inspection:{id}:{unit}"), serde_json::json!({ "unit": unit, "answers": sheet.len(), "findings": a.findings }), &ip(&headers, &peer)).await?;
            if submit {
                Ok(Redirect::to(&format!("/checks/{id}")).into_response())
            } else {
                Ok(Redirect::to(&format!("/checks/{id}/answer?unit={unit}&saved=1")).into_response())
            }
        }
        Err(AppError::Conflict { zh, en }) => {
            let t = Ctx::new(&app, &headers, Some(&me), "/checks", "checks").t;
            let msg = if t.is_en() { en } else { zh };
            let errors = msg.split('；').map(|p| p.split('（').next().unwrap_or(p).to_string()).filter(|p| !p.is_empty()).collect();
            render_answer(&app, &headers, &me, id, unit, Some((sheet, owner_name, owner_post)), errors, false).await
        }
        Err(e) => Err(e),
    }
}

/// Filters of the item list.
#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemFilters {
    /// open (not verified), overdue, or one state: submitted, verified, reopened.
    #[serde(default)]
    pub state: String,
    /// inspection or drill.
    #[serde(default)]
    pub source: String,
    /// A division inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// The previous page's last id.
    #[serde(default)]
    pub after: String,
}

impl ItemFilters {
    pub fn query(&self, today: standard::Date, limit: usize) -> Result<ItemQuery, AppError> {
        let mut q = ItemQuery { limit, ..ItemQuery::on(today) };
        match self.state.trim() {
            "" => {}
            "open" => q.open = true,
            "overdue" => q.overdue = true,
            s => q.state = Some(ItemState::parse(s).ok_or_else(|| AppError::invalid(format!("未知状态“{s}”。"), format!("Unknown state “{s}”.")))?),
        }
        q.source = match self.source.trim() {
            "" => None,
            s => Some(Source::parse(s).ok_or_else(|| AppError::invalid(format!("未知来源“{s}”。"), format!("Unknown source “{s}”.")))?),
        };
        q.region = parse_region(&self.region)?;
        q.after = match self.after.trim() {
            "" => None,
            a => Some(a.parse::<i64>().map_err(|_| AppError::bad_cursor())?),
        };
        Ok(q)
    }

    pub fn with_after(&self, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("state={}&source={}&region={}&after={}", e(&self.state), e(&self.source), e(&self.region), e(after))
    }
}

pub async fn read_items(app: &Arc<AppState>, me: &Identity, f: &ItemFilters) -> Result<(Vec<ItemView>, Option<String>), AppError> {
    reads(me)?;
    let today = app.clock.today();
    let q = f.query(today, 50)?;
    let scope = super::read_scope(&app, &me).await?;
    app.pool
        .run(move |s| {
            let page = s.items(&scope, &q)?;
            let mut names = HashMap::new();
            let rows = page.rows.iter().map(|x| item_view(s, x, today, &mut names)).collect::<Result<Vec<_>, _>>()?;
            Ok((rows, page.next))
        })
        .await
}

#[derive(Template)]
#[template(path = "rectifications.html")]
struct ItemsPage {
    c: Ctx,
    f: ItemFilters,
    rows: Vec<ItemView>,
    regions: Vec<(u32, String)>,
    next: Option<String>,
    can_answer: bool,
    can_review: bool,
    errors: Vec<String>,
    scope: Scope,
}

impl ItemsPage {
    /// The caller's level issued the item (it verifies or reopens it).
    fn may_review(&self, r: &ItemView) -> bool {
        self.can_review && store::checks::may_issue(&self.scope, r.issuer_code)
    }
    fn l(&self, code: &str) -> &'static str {
        label(&self.c.t, code)
    }
    fn cls(&self, r: &ItemView) -> &'static str {
        state_class(&r.state, r.overdue)
    }
}

pub async fn render_items(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: ItemFilters, errors: Vec<String>) -> Result<Response, AppError> {
    let (rows, next) = read_items(app, me, &f).await?;
    let bad = !errors.is_empty();
    let r = html(ItemsPage {
        c: Ctx::new(app, headers, Some(me), "/rectifications", "checks"),
        regions: crate::labels::region_options(&me.scope, app.config.province.code),
        next: next.map(|n| f.with_after(&n)),
        rows,
        f,
        can_answer: store::checks::role_answers(me.user.role),
        can_review: store::checks::role_issues(me.user.role),
        errors,
        scope: me.scope.clone(),
    })?;
    Ok(with_status(r, bad))
}

pub async fn items(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<ItemFilters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    render_items(&app, &headers, &me, f, Vec::new()).await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ChecksItemSubmit)]
pub struct SubmitBody {
    /// 整改情况: what was done, a document's number.
    #[serde(default)]
    pub evidence: String,
    /// An attachment already uploaded (its id), if any.
    #[serde(default)]
    pub attachment_id: Option<i64>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ChecksItemReview)]
pub struct ReviewBody {
    /// "1" (or true) verifies; anything else reopens.
    #[serde(default)]
    pub accept: String,
    /// Why it is reopened (required then).
    #[serde(default)]
    pub note: String,
}

/// Submits an item's rectification (the owner's side), audited.
pub async fn do_submit(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, b: &SubmitBody) -> Result<ItemView, AppError> {
    answers(me)?;
    if b.evidence.trim().is_empty() {
        return Err(AppError::invalid("请填写整改情况（做了什么、文件编号）。", "Describe what was done."));
    }
    if b.evidence.chars().count() > 1000 {
        return Err(AppError::invalid("整改情况过长（最多 1000 字）。", "The evidence is too long (1000 characters at most)."));
    }
    let scope = super::read_scope(&app, &me).await?;
    let now = app.clock.now();
    let today = app.clock.today();
    let (ev, att) = (b.evidence.clone(), b.attachment_id);
    let v = app
        .pool
        .run(move |s| {
            let it = written(s.submit_item(&scope, id, &ev, att, now))?;
            item_view(s, &it, today, &mut HashMap::new())
        })
        .await?;
    audit(app, me, "checks_item_submit", format!("check_item:{id}"), serde_json::json!({ "unit": v.owner_unit, "attachment": v.attachment_id }), ipaddr).await?;
    Ok(v)
}

/// Verifies or reopens an item (the issuing level), audited.
pub async fn do_review(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, b: &ReviewBody) -> Result<ItemView, AppError> {
    issues(me)?;
    let accept = matches!(b.accept.trim(), "1" | "true" | "on");
    if !accept && b.note.trim().is_empty() {
        return Err(AppError::invalid("退回重改时请写明原因。", "Say why the item is reopened."));
    }
    let scope = super::read_scope(&app, &me).await?;
    let now = app.clock.now();
    let today = app.clock.today();
    let by = me.user.name.clone();
    let note = b.note.clone();
    let v = app
        .pool
        .run(move |s| {
            let it = written(s.review_item(&scope, id, accept, &note, &by, now))?;
            item_view(s, &it, today, &mut HashMap::new())
        })
        .await?;
    let action = if accept { "checks_item_verify" } else { "checks_item_reopen" };
    audit(app, me, action, format!("check_item:{id}"), serde_json::json!({ "unit": v.owner_unit }), ipaddr).await?;
    Ok(v)
}

async fn back_to_items(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, r: Result<ItemView, AppError>) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(Redirect::to("/rectifications").into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let t = Ctx::new(app, headers, Some(me), "/rectifications", "checks").t;
            render_items(app, headers, me, ItemFilters::default(), vec![crate::routes::sites::message(&t, &e)]).await
        }
        Err(e) => Err(e),
    }
}

pub async fn submit_item(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(b): Form<SubmitBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let r = do_submit(&app, &me, &ip(&headers, &peer), id, &b).await;
    back_to_items(&app, &headers, &me, r).await
}

pub async fn review_item(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(b): Form<ReviewBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let r = do_review(&app, &me, &ip(&headers, &peer), id, &b).await;
    back_to_items(&app, &headers, &me, r).await
}

#[derive(Template)]
#[template(path = "drills.html")]
struct DrillsPage {
    c: Ctx,
    rows: Vec<DrillView>,
    can_plan: bool,
}

impl DrillsPage {
    fn l(&self, code: &str) -> &'static str {
        label(&self.c.t, code)
    }
}

pub async fn list_drills(app: &Arc<AppState>, me: &Identity) -> Result<Vec<DrillView>, AppError> {
    reads(me)?;
    let scope = super::read_scope(&app, &me).await?;
    app.pool
        .run(move |s| {
            let page = s.drills(&scope, None, 200)?;
            let mut names = HashMap::new();
            page.rows.iter().map(|x| drill_view(s, x, &mut names)).collect::<Result<Vec<_>, _>>()
        })
        .await
}

pub async fn drills(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    let rows = list_drills(&app, &me).await?;
    let can_plan = store::checks::role_issues(me.user.role) && matches!(me.scope, Scope::Region { .. });
    html(DrillsPage { c: Ctx::new(&app, &headers, Some(&me), "/drills", "checks"), rows, can_plan })
}

/// A participant or a finding as the drill page shows it.
pub struct UnitRow {
    pub code: i64,
    pub name: String,
    pub team: String,
}

pub struct FindingRow {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub unit_name: String,
    pub target: String,
    pub found_by: String,
    pub item_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "drill.html")]
struct DrillPage {
    c: Ctx,
    v: DrillView,
    participants: Vec<UnitRow>,
    findings: Vec<FindingRow>,
    organiser: bool,
    form: secman::checks::FindingInput,
    errors: Vec<String>,
    /// The report as typed (kept after a refusal), else the one recorded.
    report_form: String,
}

impl DrillPage {
    fn l(&self, code: &str) -> &'static str {
        label(&self.c.t, code)
    }
}

async fn render_drill(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, form: secman::checks::FindingInput, errors: Vec<String>) -> Result<Response, AppError> {
    render_drill_with(app, headers, me, id, form, errors, None).await
}

/// The drill page again after a refused report, the typed text kept.
pub async fn drill_with_report_error(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, report: &str, e: AppError) -> Result<Response, AppError> {
    let t = Ctx::new(app, headers, Some(me), "/drills", "checks").t;
    let msg = crate::routes::sites::message(&t, &e);
    let form = secman::checks::FindingInput { due: "10 个工作日".into(), severity: "medium".into(), ..Default::default() };
    render_drill_with(app, headers, me, id, form, vec![msg], Some(report.to_string())).await
}

async fn render_drill_with(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, id: i64, form: secman::checks::FindingInput, errors: Vec<String>, report: Option<String>) -> Result<Response, AppError> {
    reads(me)?;
    let scope = super::read_scope(&app, &me).await?;
    let (v, participants, findings) = app
        .pool
        .run(move |s| {
            let d = s.drill(&scope, id)?.ok_or(AppError::NotFound)?;
            let mut names = HashMap::new();
            let v = drill_view(s, &d, &mut names)?;
            let mut ps = Vec::new();
            for p in s.participants(&scope, id)? {
                ps.push(UnitRow { code: p.unit_code, name: crate::routes::sites::owner_name(s, p.unit_code, &mut names)?, team: p.team.code().into() });
            }
            let mut fs = Vec::new();
            for f in s.findings(&scope, id)? {
                fs.push(FindingRow { id: f.id, title: f.title, severity: f.severity.code().into(), unit_name: crate::routes::sites::owner_name(s, f.unit_code, &mut names)?, target: f.target, found_by: f.found_by, item_id: f.item_id });
            }
            Ok((v, ps, fs))
        })
        .await?;
    let organiser = store::checks::role_issues(me.user.role) && store::checks::may_issue(&me.scope, v.organiser_code);
    let bad = !errors.is_empty();
    let report_form = report.unwrap_or_else(|| v.report.clone());
    let r = html(DrillPage { c: Ctx::new(app, headers, Some(me), "/drills", "checks"), v, participants, findings, organiser, form, errors, report_form })?;
    Ok(with_status(r, bad))
}

pub async fn drill(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    render_drill(&app, &headers, &me, id, secman::checks::FindingInput { due: "10 个工作日".into(), severity: "medium".into(), ..Default::default() }, Vec::new()).await
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = ChecksFindingInput)]
pub struct FindingBody {
    #[serde(default)]
    pub title: String,
    /// low, medium, high, critical (低, 中, 高, 严重).
    #[serde(default)]
    pub severity: String,
    /// The affected unit: a 10-digit school code or a 6-digit division code.
    #[serde(default)]
    pub unit_code: String,
    /// The affected system or site.
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub found_by: String,
    /// 整改责任人 (a name) and their post; no phone number.
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub owner_post: String,
    /// A date (2026-11-20) or a number of working days (10 个工作日).
    #[serde(default)]
    pub due: String,
}

impl FindingBody {
    pub fn input(&self) -> secman::checks::FindingInput {
        secman::checks::FindingInput {
            title: self.title.clone(),
            severity: self.severity.clone(),
            unit_code: self.unit_code.clone(),
            target: self.target.clone(),
            found_by: self.found_by.clone(),
            owner_name: self.owner_name.clone(),
            owner_post: self.owner_post.clone(),
            due: self.due.clone(),
        }
    }
}

/// Records a finding and its item (the organiser), audited.
pub async fn do_finding(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: i64, b: &FindingBody) -> Result<Result<(i64, i64), Vec<secman::mlps::Problem>>, AppError> {
    issues(me)?;
    let scope = super::read_scope(&app, &me).await?;
    let clock = app.clock.clone();
    let by = me.user.name.clone();
    let input = b.input();
    let r = app
        .pool
        .run(move |s| {
            let cal = store::calendar::Calendar::load(s)?;
            let f = match secman::checks::parse_finding(&input, clock.today(), &cal) {
                Ok(f) => f,
                Err(p) => return Ok(Err(p)),
            };
            let (f, it) = written(s.add_finding(&scope, id, &f, &by, clock.now()))?;
            Ok(Ok((f.id, it.id, f.unit_code)))
        })
        .await?;
    match r {
        Ok((fid, item, unit)) => {
            audit(app, me, "checks_finding_add", format!("drill:{id}"), serde_json::json!({ "finding": fid, "item": item, "unit": unit }), ipaddr).await?;
            Ok(Ok((fid, item)))
        }
        Err(p) => Ok(Err(p)),
    }
}

pub async fn add_finding(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(b): Form<FindingBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/drills", "checks").t;
    match do_finding(&app, &me, &ip(&headers, &peer), id, &b).await {
        Ok(Ok(_)) => Ok(Redirect::to(&format!("/drills/{id}")).into_response()),
        Ok(Err(p)) => render_drill(&app, &headers, &me, id, b.input(), crate::routes::mlps::messages(&t, &p)).await,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => render_drill(&app, &headers, &me, id, b.input(), vec![crate::routes::sites::message(&t, &e)]).await,
        Err(e) => Err(e),
    }
}
