//! Rectification items (`/export/rectifications`, the list's filters) and an inspection's
//! progress by unit (`/export/check_progress?inspection=…&region=…`) as XLSX or CSV, through the
//! one export writer (`crate::download`, scoped and audited with the row count by
//! `routes::exports`). Items hold a person's name and post only (no phone number to mask).

use super::label;
use super::pages::ItemFilters;
use crate::download::{Sheet, Stop};
use crate::error::AppError;
use crate::i18n::T;
use crate::export_job::{Job, List};
use serde::Deserialize;
use std::collections::HashMap;
use store::browse::MAX_PAGE;
use store::Scope;

fn heads(t: T, zh: &[&str], en: &[&str]) -> Vec<String> {
    if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect()
}

fn name(s: &mut dyn store::Backend, code: i64, names: &mut HashMap<i64, String>) -> Result<String, Stop> {
    crate::routes::sites::owner_name(s, code, names).map_err(|e| Stop::Failed(format!("{e:?}")))
}

/// Every item of the filters `f` (no cursor: from the first), judged on `today`.
pub fn items_job(f: ItemFilters, scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let mut q = ItemFilters { after: String::new(), ..f.clone() }.query(today, MAX_PAGE)?;
    let filter = serde_json::json!({"state": f.state.trim(), "source": f.source.trim(), "region": f.region.trim()});
    let headers = heads(
        t,
        &["整改事项", "责任单位代码", "责任单位", "整改责任人", "职务", "来源", "危害程度", "整改期限", "状态", "是否逾期", "整改情况", "验证意见"],
        &["Item", "Unit code", "Unit", "Owner", "Post", "Source", "Severity", "Due", "State", "Overdue", "What was done", "Review"],
    );
    Ok(Job {
        list: List::Rectifications,
        headers,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            // An auditor reads its node's area, as on the pages (`checks::read_scope`).
            let scope = crate::routes::area(s, &scope, auditor)?;
            let mut names = HashMap::new();
            loop {
                let page = s.items(&scope, &q)?;
                for x in &page.rows {
                    let unit = name(s, x.new.owner_unit, &mut names)?;
                    for v in [x.new.description.as_str(), &x.new.owner_unit.to_string(), &unit, &x.new.owner_name, &x.new.owner_post, label(&t, x.new.source.code()), label(&t, x.new.severity.code()), &x.new.due_on.to_string(), label(&t, x.state.code()), if x.overdue(today) { t.s("是", "yes") } else { t.s("否", "no") }, &x.evidence, &x.review_note] {
                        sheet.cell(v)?;
                    }
                    sheet.end_row()?;
                }
                match page.rows.last() {
                    Some(last) if page.next.is_some() => q.after = Some(last.id),
                    _ => return Ok(()),
                }
            }
        }),
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct ProgressFilters {
    #[serde(default)]
    pub inspection: String,
    #[serde(default)]
    pub region: String,
}

/// An inspection's progress by unit inside the scope (narrowed to `region`).
pub fn progress_job(f: ProgressFilters, scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let id = f.inspection.trim().parse::<i64>().map_err(|_| AppError::invalid("请指定要导出的专项检查。", "Name the inspection to export."))?;
    let region = match f.region.trim() {
        "" => None,
        r => Some(r.parse::<u32>().ok().filter(|_| r.len() == 6).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?),
    };
    let filter = serde_json::json!({"inspection": id, "region": f.region.trim()});
    let headers = heads(
        t,
        &["单位代码", "单位", "所属地区代码", "下发", "已提交", "发现问题", "未完成整改", "逾期整改"],
        &["Unit code", "Unit", "Region code", "Assigned", "Submitted", "Findings", "Open items", "Overdue items"],
    );
    Ok(Job {
        list: List::CheckProgress,
        headers,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            if s.inspection(&scope, id)?.is_none() {
                return Ok(());
            }
            let mut regions = HashMap::new();
            let mut after = None;
            loop {
                let page = s.assignments(&scope, id, region, after, MAX_PAGE)?;
                for a in &page.rows {
                    regions.insert(a.unit_code, a.region_code);
                }
                match page.rows.last() {
                    Some(last) if page.next.is_some() => after = Some(last.unit_code),
                    _ => break,
                }
            }
            let mut names = HashMap::new();
            for p in s.progress(&scope, id, region, true, today)? {
                let unit = name(s, p.code, &mut names)?;
                let reg = regions.get(&p.code).copied().unwrap_or(p.code).to_string();
                for v in [p.code.to_string(), unit, reg, p.assigned.to_string(), p.submitted.to_string(), p.findings.to_string(), p.open_items.to_string(), p.overdue_items.to_string()] {
                    sheet.cell(&v)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}

/// The special inspections of the area (and those assigned to the caller's unit), newest first,
/// each with its progress summed over the units it went to inside the scope.
pub fn inspections_job(scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let headers = heads(
        t,
        &["检查名称", "下发单位代码", "下发单位", "依据", "开始日期", "截止日期", "整改时限（工作日）", "检查项数", "下发单位数", "已提交", "发现问题", "未完成整改", "逾期整改"],
        &["Inspection", "Issuer code", "Issued by", "Basis", "Starts", "Deadline", "Days to rectify (working)", "Items", "Units assigned", "Submitted", "Findings", "Open items", "Overdue items"],
    );
    Ok(Job {
        list: List::Inspections,
        headers,
        filter: serde_json::json!({}),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            let mut names = HashMap::new();
            let mut after = None;
            loop {
                let page = s.inspections(&scope, after, MAX_PAGE)?;
                for x in &page.rows {
                    let issuer = name(s, x.new.issuer_code, &mut names)?;
                    let p = store::checks::progress_total(&s.progress(&scope, x.id, None, false, today)?);
                    for v in [x.new.name.clone(), x.new.issuer_code.to_string(), issuer, x.new.basis.clone(), x.new.starts_on.to_string(), x.new.deadline.to_string(), x.new.rect_days.to_string(), x.new.items.len().to_string(), p.assigned.to_string(), p.submitted.to_string(), p.findings.to_string(), p.open_items.to_string(), p.overdue_items.to_string()] {
                        sheet.cell(&v)?;
                    }
                    sheet.end_row()?;
                }
                match page.rows.last() {
                    Some(last) if page.next.is_some() => after = Some(last.id),
                    _ => return Ok(()),
                }
            }
        }),
    })
}

/// The drills and skills contests of the area, newest first: the plan, the participants with
/// their teams, the findings (each became a rectification item) and the report.
pub fn drills_job(scope: Scope, auditor: Option<i64>, t: T) -> Result<Job, AppError> {
    let headers = heads(
        t,
        &["名称", "类型", "组织单位代码", "组织单位", "开始日期", "结束日期", "演练范围", "参与单位数", "参与单位（队伍）", "发现问题数", "发现问题", "总结报告"],
        &["Name", "Kind", "Organiser code", "Organiser", "Starts", "Ends", "Scope", "Participants", "Participants (team)", "Findings", "Findings (severity, unit)", "Report"],
    );
    Ok(Job {
        list: List::Drills,
        headers,
        filter: serde_json::json!({}),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            let mut names = HashMap::new();
            let mut after = None;
            loop {
                let page = s.drills(&scope, after, MAX_PAGE)?;
                for x in &page.rows {
                    let organiser = name(s, x.new.organiser_code, &mut names)?;
                    let mut parts = Vec::new();
                    let participants = s.participants(&scope, x.id)?;
                    for p in &participants {
                        parts.push(format!("{}{}{}", name(s, p.unit_code, &mut names)?, t.s("：", ": "), t.s(p.team.zh(), p.team.en())));
                    }
                    let findings = s.findings(&scope, x.id)?;
                    let mut found = Vec::new();
                    for f in &findings {
                        found.push(format!("{}{}{}{}{}{}", f.title, t.s("（", " ("), t.s(f.severity.zh(), f.severity.en()), t.s("，", ", "), name(s, f.unit_code, &mut names)?, t.s("）", ")")));
                    }
                    let sep = t.s("；", "; ");
                    for v in [x.new.name.clone(), t.s(x.new.kind.zh(), x.new.kind.en()).to_string(), x.new.organiser_code.to_string(), organiser, x.new.starts_on.to_string(), x.new.ends_on.to_string(), x.new.scope_text.clone(), participants.len().to_string(), parts.join(sep), findings.len().to_string(), found.join(sep), x.report.clone()] {
                        sheet.cell(&v)?;
                    }
                    sheet.end_row()?;
                }
                match page.rows.last() {
                    Some(last) if page.next.is_some() => after = Some(last.id),
                    _ => return Ok(()),
                }
            }
        }),
    })
}
