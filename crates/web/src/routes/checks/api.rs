//! The JSON API under `/api/v1/checks`: inspections (issue, list, progress by region, a unit's
//! answers), rectification items (list, submit, verify or reopen), drills (plan, list, findings).
//! The same roles, checks, scope and audit as the pages.

use super::pages::{self, FindingBody, ItemFilters, RegionQuery, ReviewBody, SubmitBody};
use super::{audit, drill_view, inspection_view, issues, written, DrillView, InspectionView, ItemView};
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
use store::checks::Answer;

const TAG: &str = "专项检查与整改";

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<Arc<AppState>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(inspections, create_inspection))
        .routes(routes!(progress))
        .routes(routes!(submit_answers))
        .routes(routes!(items))
        .routes(routes!(submit_item))
        .routes(routes!(review_item))
        .routes(routes!(drills, create_drill))
        .routes(routes!(drill_report))
        .merge(utoipa_axum::router::OpenApiRouter::new().routes(routes!(answer_file)).routes(routes!(item_evidence)).layer(axum::extract::DefaultBodyLimit::max(1025 << 20)))
        .routes(routes!(answer_file_download))
        .routes(routes!(item_evidence_download))
        .routes(routes!(findings, add_finding))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksInspections)]
pub struct InspectionsOut {
    pub items: Vec<InspectionView>,
}

/// 专项检查 — inspections issued in the caller's area and those assigned to a unit inside it,
/// newest first (the latest 200).
#[utoipa::path(get, path = "/checks/inspections", tag = TAG, responses((status = 200, description = "专项检查 / Inspections", body = InspectionsOut), crate::apidoc::Errors))]
async fn inspections(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<InspectionsOut>, AppError> {
    let me = ready(me)?;
    super::reads(&me)?;
    Ok(Json(InspectionsOut { items: pages::list_inspections(&app, &me).await? }))
}

/// The fields of an inspection, as the API's body and inside the console's form
/// ([`super::forms::IssueForm`] flattens it): one definition for both.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[schema(as = ChecksInspectionInput)]
pub struct InspectionBody {
    #[serde(default)]
    pub name: String,
    /// 依据 (document number).
    #[serde(default)]
    pub basis: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub deadline: String,
    /// Working days to rectify a finding (default 20).
    #[serde(default)]
    pub rect_days: String,
    /// One checklist item a line; `|文字` marks a text answer, `|需证明` evidence required.
    #[serde(default)]
    pub items: String,
    /// bureaus, schools or units.
    #[serde(default)]
    pub target: String,
    /// With `units`: the codes.
    #[serde(default)]
    pub units: String,
}

impl InspectionBody {
    pub fn input(&self) -> secman::checks::InspectionInput {
        secman::checks::InspectionInput {
            name: self.name.clone(),
            basis: self.basis.clone(),
            starts_on: self.starts_on.clone(),
            deadline: self.deadline.clone(),
            rect_days: self.rect_days.clone(),
            items: self.items.clone(),
            target: self.target.clone(),
            units: self.units.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksIssued)]
pub struct IssuedOut {
    pub inspection: InspectionView,
    /// Units assigned.
    pub assigned: u64,
}

/// 下发专项检查 — issues an inspection in the caller's division's name to units of its area;
/// every problem of the body at once.
#[utoipa::path(post, path = "/checks/inspections", tag = TAG, request_body = InspectionBody, responses((status = 201, description = "已下发 / Issued", body = IssuedOut), crate::apidoc::WriteErrors))]
async fn create_inspection(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<InspectionBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    let issuer = match &me.scope {
        store::Scope::Region { lo, .. } => i64::from(*lo),
        _ => return Err(AppError::Forbidden),
    };
    let (new, target) = secman::checks::parse_inspection(&b.input(), issuer, app.clock.today()).map_err(|p| crate::routes::mlps::invalid(&p))?;
    let scope = super::read_scope(&app, &me).await?;
    let by = me.user.name.clone();
    let now = app.clock.now();
    let (v, n) = app
        .pool
        .run(move |s| {
            let (i, n) = written(s.create_inspection(&scope, &new, &target, &by, now))?;
            Ok((inspection_view(s, &scope, &i, &mut HashMap::new())?, n))
        })
        .await?;
    audit(&app, &me, "checks_inspection_create", format!("inspection:{}", v.id), serde_json::json!({ "issuer": v.issuer_code, "items": v.items.len(), "assigned": n }), &ip(&headers, &peer)).await?;
    Ok((StatusCode::CREATED, Json(IssuedOut { inspection: v, assigned: n })).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksProgressRow)]
pub struct ProgressOut {
    /// A city, a county or a unit.
    pub code: i64,
    pub name: String,
    pub assigned: u64,
    pub submitted: u64,
    /// Not-compliant answers.
    pub findings: u64,
    /// Items not yet verified.
    pub open_items: u64,
    pub overdue_items: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksProgress)]
pub struct ProgressPage {
    pub inspection: InspectionView,
    pub rows: Vec<ProgressOut>,
    pub total: ProgressOut,
}

fn progress_out(code: i64, name: String, p: &store::checks::Progress) -> ProgressOut {
    ProgressOut { code, name, assigned: p.assigned, submitted: p.submitted, findings: p.findings, open_items: p.open_items, overdue_items: p.overdue_items }
}

/// 检查进度 — by the cities of the province, the counties of a city, or the units of a county
/// (`region`), inside the caller's area; counted in the database.
#[utoipa::path(get, path = "/checks/inspections/{id}/progress", tag = TAG, params(("id" = i64, Path, description = "检查编号 / Inspection number"), RegionQuery), responses((status = 200, description = "进度 / Progress", body = ProgressPage), crate::apidoc::Errors))]
async fn progress(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>, Query(q): Query<RegionQuery>) -> Result<Json<ProgressPage>, AppError> {
    let me = ready(me)?;
    let region = match q.region.trim() {
        "" => None,
        r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
    };
    let (v, rows, total) = pages::progress_rows(&app, &me, id, region).await?;
    Ok(Json(ProgressPage { inspection: v, rows: rows.iter().map(|r| progress_out(r.code, r.name.clone(), &r.p)).collect(), total: progress_out(0, String::new(), &total) }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ChecksAnswerInput)]
pub struct AnswersBody {
    /// The unit answering (default: the caller's own).
    #[serde(default)]
    pub unit: Option<i64>,
    /// One per checklist item: `item` (its index from 0), `verdict` (compliant, not_compliant,
    /// not_applicable), `note`, `evidence`.
    #[serde(default)]
    pub answers: Vec<AnswerIn>,
    /// 整改责任人 and their post (required when an answer is not compliant).
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub owner_post: String,
    /// false saves a draft; true submits (refused with every problem when incomplete).
    #[serde(default)]
    pub submit: bool,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ChecksAnswer)]
pub struct AnswerIn {
    pub item: u32,
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub evidence: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksAssignment)]
pub struct AssignmentOut {
    pub unit: i64,
    /// assigned or submitted.
    pub state: String,
    pub findings: u32,
}

/// 填报检查结果 — saves or submits a unit's answers; not-compliant answers become items due
/// the inspection's working days after submission.
#[utoipa::path(post, path = "/checks/inspections/{id}/answers", tag = TAG, params(("id" = i64, Path, description = "检查编号 / Inspection number")), request_body = AnswersBody, responses((status = 200, description = "已保存 / Saved", body = AssignmentOut), crate::apidoc::WriteErrors))]
async fn submit_answers(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<AnswersBody>) -> Result<Json<AssignmentOut>, AppError> {
    let me = ready(me)?;
    super::answers(&me)?;
    let unit = match b.unit {
        Some(u) => u,
        None => secman::checks::own_unit(&me.scope).ok_or(AppError::NotFound)?,
    };
    let mut sheet = Vec::new();
    for a in &b.answers {
        let verdict = match a.verdict.trim() {
            "" => None,
            v => Some(store::checks::Verdict::parse(v).ok_or_else(|| AppError::invalid(format!("第 {} 项的结论“{v}”应为符合、不符合或不适用。", a.item + 1), format!("Item {}: the verdict is compliant, not_compliant or not_applicable.", a.item + 1)))?),
        };
        sheet.push(Answer { item: a.item, verdict, note: a.note.trim().into(), evidence: a.evidence.trim().into(), attachment: None });
    }
    let scope = super::read_scope(&app, &me).await?;
    let by = me.user.name.clone();
    let clock = app.clock.clone();
    let (submit, on, op, n) = (b.submit, b.owner_name.clone(), b.owner_post.clone(), sheet.len());
    let a = app
        .pool
        .run(move |s| {
            let cal = store::calendar::Calendar::load(s)?;
            let r = if submit { secman::checks::submit(s, &scope, id, unit, &sheet, (&on, &op), &by, &cal, clock.as_ref()) } else { s.save_answers(&scope, id, unit, &sheet, None, &by, clock.now()) };
            written(r)
        })
        .await?;
    let action = if submit { "checks_answers_submit" } else { "checks_answers_save" };
    audit(&app, &me, action, format!("inspection:{id}:{unit}"), serde_json::json!({ "unit": unit, "answers": n, "findings": a.findings }), &ip(&headers, &peer)).await?;
    Ok(Json(AssignmentOut { unit, state: a.state.code().into(), findings: a.findings }))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksItems)]
pub struct ItemsOut {
    pub items: Vec<ItemView>,
    /// The next page's cursor (pass as `after` with the same filters), or null.
    pub next: Option<String>,
}

/// 整改项 — rectification items of units in the caller's area, 50 a page.
#[utoipa::path(get, path = "/checks/items", tag = TAG, params(ItemFilters), responses((status = 200, description = "整改项 / Items", body = ItemsOut), crate::apidoc::Errors))]
async fn items(State(app): State<Arc<AppState>>, me: Me, Query(f): Query<ItemFilters>) -> Result<Json<ItemsOut>, AppError> {
    let me = ready(me)?;
    let (items, next) = pages::read_items(&app, &me, &f).await?;
    Ok(Json(ItemsOut { items, next }))
}

/// 提交整改 — the owner unit's side: open or reopened → submitted, with what was done.
#[utoipa::path(post, path = "/checks/items/{id}/submit", tag = TAG, params(("id" = i64, Path, description = "整改项编号 / Item number")), request_body = SubmitBody, responses((status = 200, description = "已提交 / Submitted", body = ItemView), crate::apidoc::WriteErrors))]
async fn submit_item(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<SubmitBody>) -> Result<Json<ItemView>, AppError> {
    let me = ready(me)?;
    Ok(Json(pages::do_submit(&app, &me, &ip(&headers, &peer), id, &b).await?))
}

/// 验证或退回 — the issuing level's side: submitted → verified, or reopened with a reason.
#[utoipa::path(post, path = "/checks/items/{id}/review", tag = TAG, params(("id" = i64, Path, description = "整改项编号 / Item number")), request_body = ReviewBody, responses((status = 200, description = "已验证或退回 / Reviewed", body = ItemView), crate::apidoc::WriteErrors))]
async fn review_item(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<ReviewBody>) -> Result<Json<ItemView>, AppError> {
    let me = ready(me)?;
    Ok(Json(pages::do_review(&app, &me, &ip(&headers, &peer), id, &b).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksDrills)]
pub struct DrillsOut {
    pub items: Vec<DrillView>,
}

/// 攻防演练与技能竞赛 — organised in the caller's area or with a participant inside it.
#[utoipa::path(get, path = "/checks/drills", tag = TAG, responses((status = 200, description = "演练 / Drills", body = DrillsOut), crate::apidoc::Errors))]
async fn drills(State(app): State<Arc<AppState>>, me: Me) -> Result<Json<DrillsOut>, AppError> {
    let me = ready(me)?;
    Ok(Json(DrillsOut { items: pages::list_drills(&app, &me).await? }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ChecksDrillInput)]
pub struct DrillBody {
    #[serde(default)]
    pub name: String,
    /// drill (攻防演练) or contest (技能竞赛).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    /// 演练范围.
    #[serde(default)]
    pub scope_text: String,
    /// Participants: `code` and `team` (red or blue).
    #[serde(default)]
    pub participants: Vec<ParticipantIn>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = ChecksParticipant)]
pub struct ParticipantIn {
    pub code: i64,
    #[serde(default)]
    pub team: String,
}

/// The multipart body of an answer's evidence file (for the API document).
#[derive(utoipa::ToSchema)]
#[schema(as = ChecksAnswerFileUpload)]
#[allow(dead_code)]
pub struct AnswerFileBody {
    /// The checklist item the file is for, 0-based.
    item: u32,
    /// PDF, PNG, JPEG, XLSX, DOCX or UTF-8 text, at most `[security] attachment_limit_mib`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// 上传检查项证明材料 — keeps a file (the type judged by the content) as the evidence of a unit's
/// answer to one checklist item, before the unit submits (a new file for the item replaces the
/// old one); an item that requires evidence is then answered with it.
#[utoipa::path(post, path = "/checks/inspections/{id}/units/{unit}/files", tag = TAG, params(("id" = i64, Path, description = "检查编号 / Inspection number"), ("unit" = i64, Path, description = "单位代码 / Unit code")), request_body(content = AnswerFileBody, content_type = "multipart/form-data"), responses((status = 201, description = "已上传 / Kept", body = super::files::AnswerFile), crate::apidoc::WriteErrors))]
async fn answer_file(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, unit)): Path<(i64, i64)>, form: axum::extract::Multipart) -> Result<Response, AppError> {
    let me = ready(me)?;
    let f = super::files::answer_upload(&app, &me, &ip(&headers, &peer), id, unit, form).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

/// 下载检查项证明材料 — a unit's answer file, for the issuing level, the auditor and the unit.
#[utoipa::path(get, path = "/checks/inspections/{id}/units/{unit}/files/{file}", tag = TAG, params(("id" = i64, Path, description = "检查编号 / Inspection number"), ("unit" = i64, Path, description = "单位代码 / Unit code"), ("file" = i64, Path, description = "附件编号 / File number")), responses((status = 200, description = "文件 / The file", content_type = "application/octet-stream"), crate::apidoc::Errors))]
async fn answer_file_download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, unit, file)): Path<(i64, i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::files::answer_fetch(&app, &me, &ip(&headers, &peer), id, unit, file).await
}

/// The multipart body of a rectification item's evidence (for the API document).
#[derive(utoipa::ToSchema)]
#[schema(as = ChecksItemEvidenceUpload)]
#[allow(dead_code)]
pub struct ItemEvidenceBody {
    /// 整改情况: what was done (at most 1000 characters; empty: "见附件：<file name>").
    evidence: Option<String>,
    /// PDF, PNG, JPEG, XLSX, DOCX or UTF-8 text, at most `[security] attachment_limit_mib`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// 附证明材料提交整改 — the owner unit's side with a file: keeps the file (the type judged by the
/// content) and submits the open or reopened item with it, as the console's form does.
#[utoipa::path(post, path = "/checks/items/{id}/evidence", tag = TAG, params(("id" = i64, Path, description = "整改项编号 / Item number")), request_body(content = ItemEvidenceBody, content_type = "multipart/form-data"), responses((status = 200, description = "已提交 / Submitted", body = ItemView), crate::apidoc::WriteErrors))]
async fn item_evidence(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, form: axum::extract::Multipart) -> Result<Json<ItemView>, AppError> {
    let me = ready(me)?;
    Ok(Json(super::files::submit_with_file(&app, &me, &ip(&headers, &peer), id, form).await?))
}

/// 下载整改证明材料 — an item's evidence file, for the readers of the item.
#[utoipa::path(get, path = "/checks/items/{id}/evidence/{file}", tag = TAG, params(("id" = i64, Path, description = "整改项编号 / Item number"), ("file" = i64, Path, description = "附件编号 / File number")), responses((status = 200, description = "文件 / The file", content_type = "application/octet-stream"), crate::apidoc::Errors))]
async fn item_evidence_download(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path((id, file)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let me = ready(me)?;
    super::files::item_fetch(&app, &me, &ip(&headers, &peer), id, file).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ChecksDrillReport)]
pub struct DrillReportBody {
    /// 总结报告 (at most 10000 characters).
    #[serde(default)]
    pub report: String,
}

/// 演练总结报告 — records (or rewrites) a drill's report: the organiser's area only.
#[utoipa::path(put, path = "/checks/drills/{id}/report", tag = TAG, params(("id" = i64, Path, description = "演练编号 / Drill number")), request_body = DrillReportBody, responses((status = 200, description = "演练 / The drill", body = DrillView), crate::apidoc::WriteErrors))]
async fn drill_report(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<DrillReportBody>) -> Result<Json<DrillView>, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    let report = b.report.trim().to_string();
    let n = report.chars().count();
    let scope = super::read_scope(&app, &me).await?;
    // The drill must be readable first: an out-of-area drill answers 404 like a missing one.
    let sc = scope.clone();
    app.pool.run(move |s| s.drill(&sc, id)?.map(|_| ()).ok_or(AppError::NotFound)).await?;
    if n == 0 {
        return Err(AppError::invalid("请填写总结报告。", "Write the report."));
    }
    if n > 10_000 {
        return Err(AppError::invalid("总结报告过长（最多 10000 字）。", "The report is too long (10000 characters at most)."));
    }
    let v = app
        .pool
        .run(move |s| {
            written(s.set_report(&scope, id, &report, None))?;
            let d = s.drill(&scope, id)?.ok_or(AppError::NotFound)?;
            drill_view(s, &d, &mut HashMap::new())
        })
        .await?;
    audit(&app, &me, "checks_drill_report", format!("drill:{id}"), serde_json::json!({ "chars": n, "via": "api" }), &ip(&headers, &peer)).await?;
    Ok(Json(v))
}

/// 组织演练 — plans a drill or a contest in the caller's division's name, with its participants.
#[utoipa::path(post, path = "/checks/drills", tag = TAG, request_body = DrillBody, responses((status = 201, description = "已创建 / Planned", body = DrillView), crate::apidoc::WriteErrors))]
async fn create_drill(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Json(b): Json<DrillBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    let organiser = match &me.scope {
        store::Scope::Region { lo, .. } => i64::from(*lo),
        _ => return Err(AppError::Forbidden),
    };
    let input = secman::checks::DrillInput { name: b.name, kind: b.kind, starts_on: b.starts_on, ends_on: b.ends_on, scope_text: b.scope_text };
    let new = secman::checks::parse_drill(&input, organiser).map_err(|p| crate::routes::mlps::invalid(&p))?;
    let mut parts = Vec::new();
    for p in &b.participants {
        let team = store::checks::Team::parse(&p.team).ok_or_else(|| AppError::invalid(format!("参演单位 {} 的队伍应为红队或蓝队。", p.code), format!("Participant {}: the team is red or blue.", p.code)))?;
        parts.push((p.code, team));
    }
    let scope = super::read_scope(&app, &me).await?;
    let by = me.user.name.clone();
    let now = app.clock.now();
    let v = app
        .pool
        .run(move |s| {
            let d = written(s.create_drill(&scope, &new, &by, now))?;
            for (code, team) in &parts {
                written(s.add_participant(&scope, d.id, *code, *team))?;
            }
            drill_view(s, &d, &mut HashMap::new())
        })
        .await?;
    audit(&app, &me, "checks_drill_create", format!("drill:{}", v.id), serde_json::json!({ "organiser": v.organiser_code, "kind": v.kind }), &ip(&headers, &peer)).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksFinding)]
pub struct FindingOut {
    pub id: i64,
    pub title: String,
    /// low, medium, high, critical.
    pub severity: String,
    pub unit_code: i64,
    pub target: String,
    pub found_by: String,
    /// The rectification item it became.
    pub item_id: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksFindings)]
pub struct FindingsOut {
    pub items: Vec<FindingOut>,
}

/// 演练发现 — every finding for the organiser's area, a participant's own otherwise.
#[utoipa::path(get, path = "/checks/drills/{id}/findings", tag = TAG, params(("id" = i64, Path, description = "演练编号 / Drill number")), responses((status = 200, description = "发现的问题 / Findings", body = FindingsOut), crate::apidoc::Errors))]
async fn findings(State(app): State<Arc<AppState>>, me: Me, Path(id): Path<i64>) -> Result<Json<FindingsOut>, AppError> {
    let me = ready(me)?;
    super::reads(&me)?;
    let scope = super::read_scope(&app, &me).await?;
    let items = app
        .pool
        .run(move |s| {
            if s.drill(&scope, id)?.is_none() {
                return Err(AppError::NotFound);
            }
            Ok(s.findings(&scope, id)?.into_iter().map(|f| FindingOut { id: f.id, title: f.title, severity: f.severity.code().into(), unit_code: f.unit_code, target: f.target, found_by: f.found_by, item_id: f.item_id }).collect())
        })
        .await?;
    Ok(Json(FindingsOut { items }))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ChecksFindingAdded)]
pub struct FindingAdded {
    pub finding: i64,
    pub item: i64,
}

/// 登记发现 — the organiser records a finding; it becomes a rectification item of the affected unit.
#[utoipa::path(post, path = "/checks/drills/{id}/findings", tag = TAG, params(("id" = i64, Path, description = "演练编号 / Drill number")), request_body = FindingBody, responses((status = 201, description = "已登记 / Recorded", body = FindingAdded), crate::apidoc::WriteErrors))]
async fn add_finding(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Json(b): Json<FindingBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    match pages::do_finding(&app, &me, &ip(&headers, &peer), id, &b).await? {
        Ok((finding, item)) => Ok((StatusCode::CREATED, Json(FindingAdded { finding, item })).into_response()),
        Err(p) => Err(crate::routes::mlps::invalid(&p)),
    }
}
