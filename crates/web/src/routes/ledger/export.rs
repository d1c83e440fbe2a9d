//! The two registers as XLSX or CSV (`/export/duties`, `/export/software`), with their filters,
//! every page of them, through the one export writer (`crate::download`, audited with the row
//! count by `routes::exports`). Item owners are named by name and post only (no phone is kept).

use super::software::Filters;
use crate::download::{Sheet, Stop};
use crate::error::AppError;
use crate::i18n::T;
use crate::export_job::{Job, List};
use serde::Deserialize;
use std::collections::HashMap;
use store::browse::MAX_PAGE;
use store::ledger::{DutyQuery, DutyStatus};
use store::Scope;

#[derive(Deserialize, Default, Clone)]
pub struct DutyFilters {
    #[serde(default)]
    pub checklist: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub status: String,
}

fn headers(t: &T, zh: &[&str], en: &[&str]) -> Vec<String> {
    if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect()
}

/// The items of a checklist (or every checklist) in the caller's area.
pub fn duties_job(f: DutyFilters, scope: Scope, auditor: Option<i64>, t: T) -> Result<Job, AppError> {
    let num = |v: &str, zh: &str| -> Result<Option<i64>, AppError> {
        match v.trim() {
            "" => Ok(None),
            x => x.parse::<i64>().map(Some).map_err(|_| AppError::invalid(format!("{zh}应为数字。"), "Must be a number.")),
        }
    };
    let status = match f.status.trim() {
        "" => None,
        x => Some(DutyStatus::parse(x).ok_or_else(|| AppError::invalid(format!("未知状态“{x}”。"), format!("Unknown status “{x}”.")))?),
    };
    let mut q = DutyQuery { checklist: num(&f.checklist, "清单编号")?, region: super::region_filter(&f.region)?, unit: num(&f.unit, "单位代码")?, status, after: None, limit: MAX_PAGE };
    let filter = serde_json::json!({"checklist": f.checklist.trim(), "region": f.region.trim(), "unit": f.unit.trim(), "status": f.status.trim()});
    let h = headers(&t, &["年度", "单位代码", "单位", "序号", "类别", "事项", "需佐证", "责任人", "职务", "状态", "不适用理由", "落实情况与佐证"], &["Year", "Unit code", "Unit", "No.", "Category", "Item", "Evidence required", "Owner", "Post", "Status", "Reason", "Evidence"]);
    Ok(Job {
        list: List::Duties,
        headers: h,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            let mut names = HashMap::new();
            loop {
                let page = s.duty_items(&scope, &q)?;
                for d in &page.rows {
                    let unit = super::unit_name(s, d.unit_code, &mut names).map_err(|e| Stop::Failed(format!("{e:?}")))?;
                    for v in [d.year.to_string().as_str(), &d.unit_code.to_string(), &unit, &d.seq.to_string(), t.s(d.category.zh(), d.category.en()), &d.text, if d.evidence_required { t.s("是", "yes") } else { t.s("否", "no") }, &d.owner_name, &d.owner_post, t.s(d.status.zh(), d.status.en()), &d.reason, &d.evidence] {
                        sheet.cell(v)?;
                    }
                    sheet.end_row()?;
                }
                match page.next.and_then(|n| n.parse::<i64>().ok()) {
                    Some(n) => q.after = Some(n),
                    None => return Ok(()),
                }
            }
        }),
    })
}

/// The software entries with the list's filters.
pub fn software_job(f: Filters, user: i64, scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let mut q = Filters { after: String::new(), ..f.clone() }.query(user, today, MAX_PAGE)?;
    let filter = serde_json::json!({"region": f.region.trim(), "unit": f.unit.trim(), "flag": f.flag.trim()});
    let h = headers(&t, &["单位代码", "单位", "软件名称", "厂商", "版本", "类别", "授权方式", "授权编号或合同号", "授权数量", "授权到期日", "安装数量", "安装位置", "超装", "授权即将到期"], &["Unit code", "Unit", "Software", "Vendor", "Version", "Kind", "Licence", "Licence number", "Licensed", "Expires", "Installed", "Location", "Over-installed", "Expiring"]);
    Ok(Job {
        list: List::Software,
        headers: h,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            let mut names = HashMap::new();
            let yes = |b: bool| if b { t.s("是", "yes") } else { t.s("否", "no") };
            loop {
                let page = s.software_list(&scope, &q)?;
                for x in &page.rows {
                    let unit = super::unit_name(s, x.new.unit_code, &mut names).map_err(|e| Stop::Failed(format!("{e:?}")))?;
                    let n = &x.new;
                    for v in [n.unit_code.to_string().as_str(), &unit, &n.name, &n.vendor, &n.version, t.s(n.kind.zh(), n.kind.en()), t.s(n.licence_kind.zh(), n.licence_kind.en()), &n.licence_no, &n.licensed.to_string(), &n.expires_on.map(|d| d.to_string()).unwrap_or_default(), &n.installed.to_string(), &n.location, yes(x.over_installed()), yes(x.expiring(today))] {
                        sheet.cell(v)?;
                    }
                    sheet.end_row()?;
                }
                match page.next.and_then(|n| n.parse::<i64>().ok()) {
                    Some(n) => q.after = Some(n),
                    None => return Ok(()),
                }
            }
        }),
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct CheckFilters {
    /// A division inside the area.
    #[serde(default)]
    pub region: String,
    /// "1": the overdue units only.
    #[serde(default)]
    pub overdue: String,
}

/// The six-monthly checks by unit (as `/software/checks` lists them): every unit on the ledger in
/// the area (or the overdue ones), with its latest check, its result and its next due date.
pub fn checks_job(f: CheckFilters, scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let region = super::region_filter(&f.region)?;
    let overdue = f.overdue.trim() == "1";
    let filter = serde_json::json!({"region": f.region.trim(), "overdue": overdue});
    Ok(Job {
        list: List::SoftwareChecks,
        headers: headers(
            &t,
            &["单位代码", "单位", "所属地区代码", "最近检查日期", "检查期次", "检查人", "检查结论", "发现的问题", "下次检查期限", "状态", "检查次数"],
            &["Unit code", "Unit", "Region code", "Last checked", "Half-year", "Checker", "Result", "Problems found", "Next due", "State", "Checks"],
        ),
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            // Each unit's latest check and how many it has had, from every check of the area.
            let mut latest: HashMap<i64, (store::ledger::Check, u32)> = HashMap::new();
            let mut after = None;
            loop {
                let page = s.checks_in(&scope, region, after, MAX_PAGE)?;
                for c in &page {
                    let e = latest.entry(c.new.unit_code).or_insert_with(|| (c.clone(), 0));
                    e.1 += 1;
                    if (c.new.checked_on, c.id) > (e.0.new.checked_on, e.0.id) {
                        e.0 = c.clone();
                    }
                }
                match page.last() {
                    Some(last) if page.len() == MAX_PAGE => after = Some(last.id),
                    _ => break,
                }
            }
            let mut names = HashMap::new();
            for u in s.unit_checks(&scope, region, overdue.then_some(today), 1_000_000)? {
                let unit = crate::routes::sites::owner_name(s, u.unit_code, &mut names).map_err(|e| Stop::Failed(format!("{e:?}")))?;
                let state = match u.next_due {
                    None => t.s("从未检查", "never checked"),
                    Some(d) if d < today => t.s("逾期", "overdue"),
                    Some(_) => t.s("按期", "on time"),
                };
                let (last, half, checker, result, problems, n) = match latest.get(&u.unit_code) {
                    Some((c, n)) => (c.new.checked_on.to_string(), secman::ledger::half_year_label(c.new.checked_on, t.is_en()), c.new.checker.clone(), if c.new.compliant { t.s("合规", "compliant") } else { t.s("发现问题", "problems found") }.to_string(), c.new.problems.clone(), *n),
                    None => Default::default(),
                };
                for v in [u.unit_code.to_string(), unit, u.region_code.to_string(), last, half, checker, result, problems, u.next_due.map(|d| d.to_string()).unwrap_or_default(), state.to_string(), n.to_string()] {
                    sheet.cell(&v)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}
