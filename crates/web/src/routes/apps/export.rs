//! The register as XLSX or CSV (`/export/apps` the filings, `/export/apps_uses` the uses in the
//! reader's area with the list's filters), every page of them, through the one export writer
//! (`crate::download`, audited with its row count by `routes::exports`). Nothing personal is
//! held (选用人 is a post), so nothing is masked.

use super::UseFilters;
use crate::download::{Sheet, Stop};
use crate::error::AppError;
use crate::i18n::T;
use crate::export_job::{Job, List};
use standard::apps as sa;
use std::collections::HashMap;
use store::browse::MAX_PAGE;
use store::Scope;

fn lang(t: &T) -> standard::Lang {
    if t.is_en() {
        standard::Lang::En
    } else {
        standard::Lang::Zh
    }
}

/// The filings (all of them; `q` and `status` as the page filters).
pub fn filings_job(f: super::api::FilingFilters, scope: Scope, auditor: Option<i64>, t: T) -> Result<Job, AppError> {
    let mut q = super::api::FilingFilters { after: String::new(), ..f.clone() }.query(MAX_PAGE)?;
    let filter = serde_json::json!({"q": f.q.trim(), "status": f.status.trim()});
    let h = |zh: &[&str], en: &[&str]| -> Vec<String> { if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect() };
    let headers = h(
        &["备案号", "提供者", "统一社会信用代码", "应用名称", "版本", "平台", "ICP备案号", "等保备案号", "权限", "收集的个人信息", "面向未成年人", "备案日期", "状态", "禁用原因"],
        &["Filing number", "Provider", "Credit code", "App", "Version", "Platforms", "ICP number", "MLPS filing", "Permissions", "Personal data", "For minors", "Filed on", "Status", "Block reason"],
    );
    Ok(Job {
        list: List::AppFilings,
        headers,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            loop {
                let page = s.filings(&scope, &q)?;
                for x in &page.rows {
                    let n = &x.new;
                    let blocked = s.block_of(&scope, n)?.map(|b| b.new.reason).unwrap_or_default();
                    let l = |list, v: &[String]| v.iter().map(|c| sa::label(list, c, lang(&t))).collect::<Vec<_>>().join("、");
                    for v in [n.filing_no.as_str(), &n.provider, &n.credit_code, &n.app_name, &n.version, &l(sa::PLATFORMS, &n.platforms), &n.icp_no, &n.mlps_no, &l(sa::PERMISSIONS, &n.permissions), &l(sa::PERSONAL_DATA, &n.personal_data), if n.minors { t.s("是", "yes") } else { t.s("否", "no") }, &n.filed_on.map(|d| d.to_string()).unwrap_or_default(), t.s(n.status.zh(), n.status.en()), &blocked] {
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

/// The uses of the reader's area with filters `f` (no cursor: from the first row).
pub fn uses_job(f: UseFilters, user: i64, scope: Scope, auditor: Option<i64>, t: T) -> Result<Job, AppError> {
    let mut q = UseFilters { after: String::new(), ..f.clone() }.query(user, MAX_PAGE)?;
    let filter = serde_json::json!({"region": f.region.trim(), "state": f.state.trim(), "filing": f.filing.trim()});
    Ok(Job {
        list: List::AppUses,
        headers: use_headers(t),
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            let mut names = HashMap::new();
            loop {
                let page = s.uses(&scope, &q)?;
                for u in &page.rows {
                    use_row(s, sheet, u, t, &mut names)?;
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

fn use_headers(t: T) -> Vec<String> {
    let (zh, en): (&[&str], &[&str]) = (
        &["学校标识码", "学校", "应用", "备案号", "用途", "选用人", "状态", "学校审核日期", "区县审核日期", "年度复审到期", "驳回理由"],
        &["School code", "School", "App", "Filing number", "Purpose", "Chosen by", "State", "School review", "County approval", "Re-review due", "Reason"],
    );
    if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect()
}

/// A use's cells (the row is ended by the caller, which may add more).
fn use_row(s: &mut dyn store::Backend, sheet: &mut Sheet, u: &store::apps::AppUse, t: T, names: &mut HashMap<i64, String>) -> Result<(), Stop> {
    let d = |d: Option<standard::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let school = crate::routes::sites::owner_name(s, u.new.school_code, names).map_err(|e| Stop::Failed(format!("{e:?}")))?;
    for v in [u.new.school_code.to_string().as_str(), &school, &u.app_name, &u.filing_no, &sa::label(sa::PURPOSES, &u.new.purpose, lang(&t)), &u.new.chosen_by, t.s(u.state.zh(), u.state.en()), &d(u.school_reviewed_on), &d(u.county_approved_on), &d(u.review_due), &u.reason] {
        sheet.cell(v)?;
    }
    Ok(())
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct OverdueFilters {
    /// A division inside the area.
    #[serde(default)]
    pub region: String,
}

/// The approved uses whose annual re-review is overdue on `today` (as `/apps/uses/overdue` lists
/// them, but every one, not the longest 200), with the days overdue.
pub fn overdue_job(f: OverdueFilters, scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let region = crate::routes::ledger::region_filter(&f.region)?;
    let mut headers = use_headers(t);
    headers.push(t.s("逾期天数", "Days overdue").to_string());
    Ok(Job {
        list: List::AppsOverdue,
        headers,
        filter: serde_json::json!({"region": f.region.trim()}),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            let mut names = HashMap::new();
            for u in s.overdue_uses(&scope, region, today, 1_000_000)? {
                use_row(s, sheet, &u, t, &mut names)?;
                let late = u.review_due.map(|d| today.days_since_epoch() - d.days_since_epoch()).unwrap_or_default();
                sheet.cell(&late.to_string())?;
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}

/// The block list (禁用名单), newest first: every block, lifted ones with the day they were lifted.
pub fn blocks_job(scope: Scope, auditor: Option<i64>, t: T) -> Result<Job, AppError> {
    let (zh, en): (&[&str], &[&str]) = (
        &["备案号", "应用名称", "提供者统一社会信用代码", "禁用原因", "禁用日期", "禁用人", "状态", "解除日期", "解除人"],
        &["Filing number", "App", "Provider credit code", "Reason", "Blocked on", "Blocked by", "State", "Lifted on", "Lifted by"],
    );
    Ok(Job {
        list: List::AppBlocks,
        headers: if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect(),
        filter: serde_json::json!({}),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            let d = |d: Option<standard::Date>| d.map(|d| d.to_string()).unwrap_or_default();
            for b in s.blocks(&scope, false, usize::MAX >> 2)? {
                let state = if b.active() { t.s("禁用中", "active") } else { t.s("已解除", "lifted") };
                for v in [b.new.filing_no.as_str(), &b.new.app_name, &b.new.credit_code, &b.new.reason, &d(b.new.blocked_on), &b.blocked_by, state, &d(b.unblocked_on), &b.unblocked_by] {
                    sheet.cell(v)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}
