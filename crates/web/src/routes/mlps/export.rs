//! The register as XLSX or CSV (`/export/mlps`), with the list's filters, every page of them,
//! through the one export writer (`crate::download`, audited by `routes::exports`).

use super::list::Filters;
use super::{level_label, state_label};
use crate::download::{Sheet, Stop};
use crate::error::AppError;
use crate::i18n::T;
use crate::export_job::{Job, List};
use std::collections::HashMap;
use store::browse::MAX_PAGE;
use store::mlps::DueState;
use store::Scope;

/// The export of the register with filters `f` (no cursor: from the first row), read on `today`.
/// `auditor`: the auditor's node, whose area is read instead of `scope` (`super::auditor_org`).
pub fn job(f: Filters, user: i64, scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let mut q = Filters { after: String::new(), ..f.clone() }.query(user, today, MAX_PAGE)?;
    let filter = serde_json::json!({"region": f.region.trim(), "level": f.level.trim(), "state": f.state.trim()});
    let h = |zh: &[&str], en: &[&str]| -> Vec<String> { if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect() };
    let headers = h(
        &["系统名称", "所属单位代码", "所属单位", "责任部门", "用途", "安全保护等级", "关键信息基础设施", "上线运行日期", "备案证明编号", "备案日期", "备案机关", "最近测评", "备案到期", "测评到期", "整改到期", "状态", "未完成整改"],
        &["System", "Unit code", "Unit", "Responsible department", "Purpose", "Level", "Critical infrastructure", "Went live", "Filing number", "Filed on", "Filing authority", "Last assessed", "Filing due", "Assessment due", "Rectification due", "State", "Open items"],
    );
    let d = |d: Option<standard::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    Ok(Job {
        list: List::Mlps,
        headers,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = match auditor {
                Some(org) => super::node_scope(s, org)?,
                None => scope.clone(),
            };
            let mut names = HashMap::new();
            loop {
                let page = s.systems(&scope, &q)?;
                for x in &page.rows {
                    let unit = super::unit_name(s, x.new.unit_code, &mut names).map_err(|e| Stop::Failed(format!("{e:?}")))?;
                    for v in [x.new.name.as_str(), &x.new.unit_code.to_string(), &unit, &x.new.owner, &x.new.purpose, level_label(&t, x.new.level), if x.new.cii { t.s("是", "yes") } else { t.s("否", "no") }, &d(x.new.live_on), &x.new.filing_no, &d(x.new.filing_on), &x.new.filing_authority, &d(x.last_assessed), &d(x.dues.filing), &d(x.dues.assessment), &d(x.dues.rectification), state_label(&t, DueState::of(x.next_due, today).code()), &x.open_items.to_string()] {
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
