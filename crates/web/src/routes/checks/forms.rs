//! The console forms of the issuing side: issue a special inspection (`/checks/new`, a preview
//! that says to how many units before a confirmed second post issues it), plan a drill with its
//! red and blue participants (`/drills/new`) and record a drill's report
//! (`/drills/{id}/report`). Every problem at once in Chinese with the values kept; the store
//! refuses what lies outside the writer's area (404 like a missing record); every write audited.

use super::{audit, issues, written};
use crate::auth::Identity;
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::sync::Arc;
use store::checks::{Target, Team};
use store::{OrgLevel, Scope};

fn with_status(mut r: Response, bad: bool) -> Response {
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

/// The writer's own division (it issues and organises in that name).
fn own_division(me: &Identity) -> Result<i64, AppError> {
    match &me.scope {
        Scope::Region { lo, .. } => Ok(i64::from(*lo)),
        _ => Err(AppError::Forbidden),
    }
}

/// The inspection form as typed: the API's fields ([`super::api::InspectionBody`]) and the
/// preview's confirmation.
#[derive(Deserialize, Default, Clone)]
pub struct IssueForm {
    #[serde(flatten)]
    pub fields: super::api::InspectionBody,
    /// "1" once the writer has seen how many units it goes to.
    #[serde(default)]
    pub confirmed: String,
    /// The count the writer confirmed: a form changed after the preview is previewed again.
    #[serde(default)]
    pub count: String,
}

impl std::ops::Deref for IssueForm {
    type Target = super::api::InspectionBody;
    fn deref(&self) -> &super::api::InspectionBody {
        &self.fields
    }
}

#[derive(Template)]
#[template(path = "check_new.html")]
struct IssuePage {
    c: Ctx,
    f: IssueForm,
    errors: Vec<String>,
    /// The preview: how many units the inspection goes to.
    count: Option<u64>,
}

async fn render_issue(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: IssueForm, errors: Vec<String>, count: Option<u64>) -> Result<Response, AppError> {
    let bad = !errors.is_empty();
    let r = html(IssuePage { c: Ctx::new(app, headers, Some(me), "/checks", "checks"), f, errors, count })?;
    Ok(with_status(r, bad))
}

pub async fn issue_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    own_division(&me)?;
    let today = app.clock.today();
    let f = IssueForm { fields: super::api::InspectionBody { starts_on: today.to_string(), rect_days: "20".into(), target: "schools".into(), ..Default::default() }, ..Default::default() };
    render_issue(&app, &headers, &me, f, Vec::new(), None).await
}

/// How many units of `division`'s area a target reaches (the same units the store assigns).
fn target_count(s: &mut dyn store::Backend, division: i64, target: &Target) -> Result<u64, AppError> {
    match target {
        Target::Units(list) => Ok(list.iter().collect::<std::collections::BTreeSet<_>>().len() as u64),
        Target::AllSchools | Target::AllBureaus => {
            let schools = matches!(target, Target::AllSchools);
            let mut n = 0u64;
            let mut todo = vec![division];
            while let Some(code) = todo.pop() {
                for u in s.org_children(code)? {
                    match u.level {
                        OrgLevel::School => n += u64::from(schools),
                        OrgLevel::City | OrgLevel::County => {
                            n += u64::from(!schools);
                            todo.push(u.code);
                        }
                        OrgLevel::Province => {}
                    }
                }
            }
            Ok(n)
        }
    }
}

/// Checks the form; without `confirmed=1` shows how many units it goes to; with it, issues.
pub async fn issue(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<IssueForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    let division = own_division(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/checks", "checks").t;
    let (new, target) = match secman::checks::parse_inspection(&f.input(), division, app.clock.today()) {
        Ok(x) => x,
        Err(p) => return render_issue(&app, &headers, &me, f, crate::routes::mlps::messages(&t, &p), None).await,
    };
    let scope = super::read_scope(&app, &me).await?;
    let confirmed = f.confirmed.trim() == "1";
    if !confirmed || !f.count.trim().is_empty() {
        let tg = target.clone();
        let n = app.pool.run(move |s| target_count(s, division, &tg)).await?;
        if confirmed && f.count.trim() == n.to_string() {
            // Confirmed as previewed: issue below.
        } else if n == 0 {
            let e = t.s("检查对象中没有任何单位，请重新选择。", "The inspection reaches no unit; choose again.").to_string();
            return render_issue(&app, &headers, &me, f, vec![e], None).await;
        } else {
            return render_issue(&app, &headers, &me, f, Vec::new(), Some(n)).await;
        }
    }
    let by = me.user.name.clone();
    let now = app.clock.now();
    let r = app.pool.run(move |s| Ok(written(s.create_inspection(&scope, &new, &target, &by, now).map(|(i, n)| (i.id, i.new.items.len(), n))))).await?;
    match r {
        Ok((id, items, n)) => {
            audit(&app, &me, "checks_inspection_create", format!("inspection:{id}"), serde_json::json!({ "issuer": division, "items": items, "assigned": n }), &ip(&headers, &peer)).await?;
            Ok(Redirect::to(&format!("/checks/{id}")).into_response())
        }
        Err(AppError::NotFound) => {
            let e = t.s("所列单位中有的不存在或不在您的管辖范围内，请检查单位代码。", "A listed unit is unknown or outside your area; check the codes.").to_string();
            render_issue(&app, &headers, &me, IssueForm { confirmed: String::new(), ..f }, vec![e], None).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let msg = crate::routes::sites::message(&t, &e);
            render_issue(&app, &headers, &me, IssueForm { confirmed: String::new(), ..f }, vec![msg], None).await
        }
        Err(e) => Err(e),
    }
}

/// The drill form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct DrillForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub scope_text: String,
    /// One participant a line: a unit code, then 红 / 蓝 (red / blue).
    #[serde(default)]
    pub participants: String,
}

#[derive(Template)]
#[template(path = "drill_new.html")]
struct DrillNewPage {
    c: Ctx,
    f: DrillForm,
    errors: Vec<String>,
}

async fn render_drill_new(app: &Arc<AppState>, headers: &HeaderMap, me: &Identity, f: DrillForm, errors: Vec<String>) -> Result<Response, AppError> {
    let bad = !errors.is_empty();
    let r = html(DrillNewPage { c: Ctx::new(app, headers, Some(me), "/drills", "checks"), f, errors })?;
    Ok(with_status(r, bad))
}

pub async fn drill_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    own_division(&me)?;
    let today = app.clock.today().to_string();
    let f = DrillForm { kind: "drill".into(), starts_on: today.clone(), ends_on: today, ..Default::default() };
    render_drill_new(&app, &headers, &me, f, Vec::new()).await
}

/// Reads the participant lines: `code 红` / `code 蓝` (红队, 蓝队, red, blue also do).
pub fn parse_participants(text: &str) -> (Vec<(i64, Team)>, Vec<String>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '|' || c == '｜').filter(|p| !p.is_empty());
        let code = parts.next().and_then(|c| c.parse::<i64>().ok().filter(|_| matches!(c.len(), 6 | 10)));
        let team = match parts.next().map(|t| t.to_lowercase()) {
            Some(t) if t.starts_with('红') || t == "red" => Some(Team::Red),
            Some(t) if t.starts_with('蓝') || t == "blue" => Some(Team::Blue),
            _ => None,
        };
        match (code, team) {
            (Some(c), Some(t)) => out.push((c, t)),
            _ => bad.push(format!("第 {} 行", n + 1)),
        }
    }
    (out, bad)
}

pub async fn plan_drill(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<DrillForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    let organiser = own_division(&me)?;
    let t = Ctx::new(&app, &headers, Some(&me), "/drills", "checks").t;
    let input = secman::checks::DrillInput { name: f.name.clone(), kind: f.kind.clone(), starts_on: f.starts_on.clone(), ends_on: f.ends_on.clone(), scope_text: f.scope_text.clone() };
    let parsed = secman::checks::parse_drill(&input, organiser);
    let mut errors = match &parsed {
        Ok(_) => Vec::new(),
        Err(p) => crate::routes::mlps::messages(&t, p),
    };
    let (parts, bad) = parse_participants(&f.participants);
    if !bad.is_empty() {
        errors.push(if t.is_en() {
            format!("Participants: lines {} should read a unit code then red or blue.", bad.len())
        } else {
            format!("参演单位{}格式不对：每行填单位代码（10 位学校标识码或 6 位行政区划代码），再填“红”或“蓝”。", bad.join("、"))
        });
    }
    // Every participant must be a unit of the organiser's area (checked before anything is kept).
    let scope = super::read_scope(&app, &me).await?;
    let codes: Vec<i64> = parts.iter().map(|(c, _)| *c).collect();
    let sc = scope.clone();
    let outside: Vec<i64> = app
        .pool
        .run(move |s| {
            let mut out = Vec::new();
            for c in codes {
                let ok = match s.org_unit(c)? {
                    Some(u) => {
                        let region = if u.level == OrgLevel::School { u.parent.unwrap_or(0) } else { c };
                        store::checks::may_write_unit(&sc, region, c)
                    }
                    None => false,
                };
                if !ok {
                    out.push(c);
                }
            }
            Ok(out)
        })
        .await?;
    if !outside.is_empty() {
        let list = outside.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("、");
        errors.push(if t.is_en() { format!("Participants {list} are unknown or outside your area.") } else { format!("参演单位 {list} 不存在或不在您的管辖范围内。") });
    }
    let new = match parsed {
        Ok(n) if errors.is_empty() => n,
        _ => return render_drill_new(&app, &headers, &me, f, errors).await,
    };
    let by = me.user.name.clone();
    let now = app.clock.now();
    let n = parts.len();
    let id = app
        .pool
        .run(move |s| {
            let d = written(s.create_drill(&scope, &new, &by, now))?;
            for (code, team) in &parts {
                written(s.add_participant(&scope, d.id, *code, *team))?;
            }
            Ok(d.id)
        })
        .await?;
    audit(&app, &me, "checks_drill_create", format!("drill:{id}"), serde_json::json!({ "organiser": organiser, "kind": f.kind, "participants": n }), &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/drills/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    pub report: String,
}

/// Records (or rewrites) a drill's report: the organiser's area only, audited.
pub async fn record_report(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>, Form(f): Form<ReportForm>) -> Result<Response, AppError> {
    let me = ready(me)?;
    issues(&me)?;
    let report = f.report.trim().to_string();
    let n = report.chars().count();
    let problem = if n == 0 {
        Some(("请填写总结报告。", "Write the report."))
    } else if n > 10_000 {
        Some(("总结报告过长（最多 10000 字）。", "The report is too long (10000 characters at most)."))
    } else {
        None
    };
    if let Some((zh, en)) = problem {
        // The drill must be readable first: an out-of-area drill answers 404 like a missing one.
        let scope = super::read_scope(&app, &me).await?;
        app.pool.run(move |s| s.drill(&scope, id)?.map(|_| ()).ok_or(AppError::NotFound)).await?;
        return super::pages::drill_with_report_error(&app, &headers, &me, id, &report, AppError::invalid(zh, en)).await;
    }
    let scope = super::read_scope(&app, &me).await?;
    let r2 = report.clone();
    app.pool.run(move |s| written(s.set_report(&scope, id, &r2, None))).await?;
    audit(&app, &me, "checks_drill_report", format!("drill:{id}"), serde_json::json!({ "chars": n }), &ip(&headers, &peer)).await?;
    Ok(Redirect::to(&format!("/drills/{id}")).into_response())
}
