//! The lists an export can hold, each read exactly as its page reads it: the same role, the same
//! filters (parsed by the page's own `Filters`), the same scoped store call — only in pages of
//! [`MAX_PAGE`] until the end instead of one page of 50.

pub use crate::export_job::{Job, List};
use crate::auth::Identity;
use crate::download::{Sheet, Stop};
use crate::error::AppError;
use crate::i18n::{Lang, T};
use crate::labels::{alert_kind_label, category_label, severity_label, state_label};
use crate::routes::{audit, people, require, schools, sites};
use crate::state::AppState;
use axum::http::Uri;
use std::collections::HashMap;
use store::browse::MAX_PAGE;
use store::{AuditFilter, Backend, Entity, Role, Scope};

fn parse<F: serde::de::DeserializeOwned>(q: &str) -> Result<F, AppError> {
    let uri: Uri = format!("/?{q}").parse().map_err(|_| AppError::Rejected(axum::http::StatusCode::BAD_REQUEST))?;
    super::query(&uri)
}

/// The export of `list` for `me` with the filters of query string (or form) `q`: refused as its
/// page refuses; unmasked (`masked` false) only for people, by roles that may reveal.
pub fn prepare(app: &AppState, me: &Identity, list: List, q: &str, lang: Lang, masked: bool) -> Result<Job, AppError> {
    require(list.readable(me.user.role))?;
    let t = T { lang };
    let scope = me.scope.clone();
    // An auditor reads the security registers in its node's area (`crate::routes::area`).
    let auditor = crate::routes::mlps::auditor_org(me);
    if !masked {
        if list.entity().is_none() {
            return Err(AppError::NotFound);
        }
        require(me.user.role.may_reveal())?;
    }
    let h = |zh: &[&str], en: &[&str]| -> Vec<String> { if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect() };
    Ok(match list {
        List::Mlps => crate::routes::mlps::export::job(parse(q)?, me.user.id, scope, crate::routes::mlps::auditor_org(me), t, app.clock.today())?,
        List::Duties => crate::routes::ledger::export::duties_job(parse(q)?, scope, auditor, t)?,
        List::Software => crate::routes::ledger::export::software_job(parse(q)?, me.user.id, scope, auditor, t, app.clock.today())?,
        List::Incidents => crate::routes::incidents::export::job(parse(q)?, me, t, app.clock.now())?,
        List::DutyContacts => crate::routes::duty::export::contacts(scope, auditor, t)?,
        List::DutyRoster => crate::routes::duty::export::roster(scope, auditor, t, app.clock.today())?,
        List::DutyReports => crate::routes::duty::export::reports(parse(q)?, scope, auditor, t)?,
        List::AppFilings => crate::routes::apps::export::filings_job(parse(q)?, scope, auditor, t)?,
        List::AppUses => crate::routes::apps::export::uses_job(parse(q)?, me.user.id, scope, auditor, t)?,
        List::Rectifications => crate::routes::checks::export::items_job(parse(q)?, scope, auditor, t, app.clock.today())?,
        List::CheckProgress => crate::routes::checks::export::progress_job(parse(q)?, scope, auditor, t, app.clock.today())?,
        List::Inspections => crate::routes::checks::export::inspections_job(scope, auditor, t, app.clock.today())?,
        List::Drills => crate::routes::checks::export::drills_job(scope, auditor, t)?,
        List::SoftwareChecks => crate::routes::ledger::export::checks_job(parse(q)?, scope, auditor, t, app.clock.today())?,
        List::AppBlocks => crate::routes::apps::export::blocks_job(scope, auditor, t)?,
        List::AppsOverdue => crate::routes::apps::export::overdue_job(parse(q)?, scope, auditor, t, app.clock.today())?,
        List::DutyPeriods => crate::routes::duty::export::periods(scope, auditor, t, app.clock.today())?,
        List::InsightClasses | List::InsightTeachers | List::InsightStudents => crate::routes::insight::export::job(list, parse(q)?, &scope, t, app.clock.today())?,
        List::InsightBalance => crate::routes::insight::balance::job(list, parse(q)?, &scope, t)?,
        List::InsightSecurity => crate::routes::insight::export::security_job(parse(q)?, &scope, me.user.role, t, app.clock.today(), app.clock.now())?,
        List::Conditions => {
            let f: ConditionsFilters = parse(q)?;
            let region = match f.region.trim() {
                "" => None,
                r => Some(r.parse::<u32>().map_err(|_| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
            };
            let year = f.year.trim().to_string();
            if !year.is_empty() && standard::check::parse_school_year(&year).is_none() {
                return Err(AppError::invalid("学年应写作 2024-2025。", "The school year must read 2024-2025."));
            }
            let filter = serde_json::json!({"year": if year.is_empty() { "latest" } else { year.as_str() }, "region": f.region.trim()});
            // A region outside the area reads nothing, as the lists do.
            let scope = match region {
                Some(r) => scope.narrow(r).unwrap_or(Scope::Nothing),
                None => scope,
            };
            let mut headers = template_headers(Entity::Conditions, lang);
            headers.push(if lang == Lang::En { "school_name".into() } else { "学校名称".into() });
            Job { list, headers, filter, produce: Box::new(move |s, sheet| {
                let year = match year.is_empty() {
                    true => match s.conditions_years(&scope)?.into_iter().next() {
                        Some(y) => y,
                        None => return Ok(()),
                    },
                    false => year,
                };
                let mut after: Option<String> = None;
                loop {
                    let page = s.conditions_of_year(&scope, &year, after.as_deref(), MAX_PAGE)?;
                    for c in &page.rows {
                        for v in &c.values {
                            sheet.cell(v)?;
                        }
                        sheet.cell(&c.school_name)?;
                        sheet.end_row()?;
                    }
                    match page.next {
                        Some(n) => after = Some(n),
                        None => return Ok(()),
                    }
                }
            }) }
        }
        List::Plan => crate::routes::plan::export::job(parse(q)?, scope, auditor, t, app.clock.today())?,
        List::Catalog => crate::routes::catalog::export::job(parse(q)?, me, t)?,
        List::Quality => crate::routes::quality::export::job(scope, t)?,
        List::SchoolMapFlagged => crate::routes::schoolmap::export::job(parse(q)?, scope, crate::routes::schoolmap::boundaries(app), t)?,
        List::Schools => {
            let f: schools::Filters = parse(q)?;
            let mut sq = f.query(MAX_PAGE, "")?;
            let filter = serde_json::json!({"region": f.region.trim(), "type": f.school_type.trim(), "urban_rural": f.urban_rural.trim(), "name": f.name.trim()});
            Job { list, headers: template_headers(Entity::School, lang), filter, produce: Box::new(move |s, sheet| {
                loop {
                    let page = s.schools(&scope, &sq)?;
                    for r in &page.rows {
                        for v in r.values() {
                            sheet.cell(v)?;
                        }
                        sheet.end_row()?;
                    }
                    match page.next {
                        Some(n) => sq.after = Some(n),
                        None => return Ok(()),
                    }
                }
            }) }
        }
        List::Teachers | List::Students => {
            let entity = list.entity().expect("people");
            let f: people::Filters = parse(q)?;
            // A drilled list (下钻) exports its drilled rows: the same store call as its pages.
            let mut pq = f.query(MAX_PAGE, "", entity, app.clock.today())?;
            // A search by number needs a role that may reveal; by name, enough characters and
            // the per-minute allowance: the list's own rules (crate::search).
            let search = crate::search::check(app, me, &pq)?;
            let filter = serde_json::json!({
                "region": f.region.trim(), "school": f.school.trim(), "drill": f.drill.trim(),
                "search": search.as_ref().map(|_| if pq.id.is_some() { "number" } else { "name" }),
                "query_hmac": pq.id.as_deref().or(pq.name.as_deref()).map(crate::seal::audit_hash),
            });
            let tpl = entity.template();
            let masks: Vec<Option<store::mask::Kind>> = tpl.fields.iter().map(|fd| if masked { store::mask::kind_of(entity, fd.key) } else { None }).collect();
            Job { list, headers: template_headers(entity, lang), filter, produce: Box::new(move |s, sheet| {
                loop {
                    let page = s.people(&scope, entity, &pq)?;
                    for r in &page.rows {
                        for (i, v) in r.values().enumerate() {
                            sheet.masked(masks.get(i).copied().flatten(), v)?;
                        }
                        sheet.end_row()?;
                    }
                    match page.next {
                        Some(n) => pq.after = Some(n),
                        None => return Ok(()),
                    }
                }
            }) }
        }
        List::Sites => {
            let f: sites::board::Filters = parse(q)?;
            let mut sq = sites::board::Filters { after: String::new(), ..f.clone() }.query(MAX_PAGE)?;
            let filter = serde_json::json!({"category": f.category.trim(), "region": f.region.trim(), "state": f.state.trim(), "all": f.all == "1"});
            let headers = h(&["网站名称", "网址", "类别", "主办单位", "状态", "监测", "IPv6", "最近检测"], &["Site", "URL", "Category", "Owner", "State", "Monitored", "IPv6", "Last checked"]);
            Job { list, headers, filter, produce: Box::new(move |s, sheet| {
                let mut names = HashMap::new();
                loop {
                    let page = s.sites(&scope, &sq)?;
                    for x in &page.rows {
                        let owner = sites::owner_name(s, x.org_code, &mut names).map_err(|e| Stop::Failed(format!("{e:?}")))?;
                        sheet.cell(&x.name)?;
                        sheet.cell(&x.url)?;
                        sheet.cell(category_label(&t, x.category))?;
                        sheet.cell(&owner)?;
                        sheet.cell(state_label(&t, x.state))?;
                        sheet.cell(if x.enabled { t.s("是", "yes") } else { t.s("否", "no") })?;
                        sheet.cell(match x.ipv6_ok { Some(true) => t.s("可访问", "reachable"), Some(false) => t.s("不可访问", "unreachable"), None => "" })?;
                        sheet.cell(&x.last_checked.map(|c| t.time(c)).unwrap_or_default())?;
                        sheet.end_row()?;
                    }
                    match page.next {
                        Some(n) => sq.after = Some(n),
                        None => return Ok(()),
                    }
                }
            }) }
        }
        List::Alerts => {
            // The list's own filters (state, kind, level, region, dates), every page of them.
            let f: crate::routes::alerts::AlertFilters = parse(q)?;
            let mut aq = f.query(MAX_PAGE)?;
            aq.after = None;
            let headers = h(
                &["编号", "网站", "告警类型", "级别", "内容", "首次发生", "最近发生", "次数", "解除时间", "处置状态", "处理人", "处置说明"],
                &["No.", "Site", "Kind", "Severity", "Message", "Opened", "Last seen", "Count", "Resolved", "State", "Assignee", "Disposition"],
            );
            let filter = serde_json::json!({"state": f.state, "kind": f.kind, "level": f.level, "region": f.region, "from": f.from, "to": f.to});
            Job { list, headers, filter, produce: Box::new(move |s, sheet| {
                let mut names: HashMap<i64, String> = HashMap::new();
                loop {
                    let page = s.alerts_page(&scope, &aq)?;
                    for a in &page.rows {
                        if !names.contains_key(&a.site_id) {
                            names.insert(a.site_id, s.site(a.site_id)?.map(|x| x.name).unwrap_or_default());
                        }
                        sheet.cell(&a.id.to_string())?;
                        sheet.cell(&names[&a.site_id])?;
                        sheet.cell(&alert_kind_label(&t, &a.kind))?;
                        sheet.cell(&severity_label(&t, &a.severity))?;
                        sheet.cell(&a.message)?;
                        sheet.cell(&t.time(a.opened_at))?;
                        sheet.cell(&t.time(a.last_seen))?;
                        sheet.cell(&a.count.to_string())?;
                        sheet.cell(&a.resolved_at.map(|r| t.time(r)).unwrap_or_default())?;
                        sheet.cell(t.s(a.status.zh(), a.status.en()))?;
                        sheet.cell(a.assignee.as_deref().unwrap_or(""))?;
                        sheet.cell(a.disposition.as_deref().unwrap_or(""))?;
                        sheet.end_row()?;
                    }
                    match page.next {
                        Some(n) => aq.after = Some(n),
                        None => break,
                    }
                }
                Ok(())
            }) }
        }
        List::Audit => {
            let f: audit::Filters = parse(q)?;
            let mut af = f.filter(MAX_PAGE);
            af.before_id = None;
            let org = me.user.org_code;
            let filter = serde_json::json!({"actor": f.actor.trim(), "action": f.action.trim(), "from": f.from.trim(), "to": f.to.trim()});
            let headers = h(&["编号", "时间", "账号", "操作", "对象", "详情", "来源地址", "结果"], &["No.", "Time", "Account", "Action", "Target", "Detail", "Address", "Outcome"]);
            Job { list, headers, filter, produce: Box::new(move |s, sheet| audit_rows(s, sheet, org, af, t)) }
        }
        List::Batches => {
            let all = me.user.role == Role::ProvinceAdmin;
            let name = me.user.name.clone();
            let headers = h(
                &["批次", "数据类别", "文件", "导入人", "开始时间", "完成时间", "读取行数", "新增", "更新", "未变", "拒收"],
                &["Batch", "Entity", "File", "By", "Started", "Finished", "Rows read", "Inserted", "Updated", "Unchanged", "Rejected"],
            );
            Job { list, headers, filter: serde_json::json!({"mine": !all}), produce: Box::new(move |s, sheet| {
                // As the import page: the province administrator's all batches, others their own.
                for b in s.list_batches(1_000_000)?.into_iter().filter(|b| all || b.user == name) {
                    sheet.cell(&b.id.to_string())?;
                    sheet.cell(&t.entity(&b.entity))?;
                    sheet.cell(&b.file_name)?;
                    sheet.cell(&b.user)?;
                    sheet.cell(&t.local(&b.started_at))?;
                    sheet.cell(&t.local(&b.finished_at))?;
                    for n in [b.rows_read, b.inserted, b.updated, b.unchanged, b.rejected] {
                        sheet.cell(&n.to_string())?;
                    }
                    sheet.end_row()?;
                }
                Ok(())
            }) }
        }
    })
}

/// The audit log as its page reads it ([`audit::read`]: the auditor's part of the tree, cut in
/// the store's query), newest first, page after page.
fn audit_rows(s: &mut dyn Backend, sheet: &mut Sheet, org: i64, mut af: AuditFilter, t: T) -> Result<(), Stop> {
    af.scope = Some(s.org_unit(org)?.map_or(Scope::Nothing, |u| Scope::of(&u)));
    loop {
        let page = s.audit_entries(&af)?;
        for e in &page {
            sheet.cell(&e.id.to_string())?;
            sheet.cell(&t.local(&e.at))?;
            sheet.cell(&e.actor)?;
            sheet.cell(&audit::action_name(&t, &e.action))?;
            sheet.cell(&e.target)?;
            sheet.cell(&e.detail)?;
            sheet.cell(&e.ip)?;
            sheet.cell(&t.outcome(&e.outcome))?;
            sheet.end_row()?;
        }
        match page.last() {
            Some(last) if page.len() == af.limit => af.before_id = Some(last.id),
            _ => return Ok(()),
        }
    }
}

/// The conditions export's filters: a school year (default: the newest in the area) and a
/// division inside the area.
#[derive(serde::Deserialize, Default)]
struct ConditionsFilters {
    #[serde(default)]
    year: String,
    #[serde(default)]
    region: String,
}

/// The template's headers: Chinese (the data standard's names), or the English keys — the file
/// imports back as it is (`tianfu import`, the console's upload).
fn template_headers(entity: Entity, lang: Lang) -> Vec<String> {
    entity.template().fields.iter().map(|f| if lang == Lang::En { f.key.to_string() } else { f.zh.to_string() }).collect()
}
