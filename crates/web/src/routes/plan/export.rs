//! The progress report upward as XLSX or CSV (`/export/plan?plan=`): each point the caller reads
//! with its status, progress, latest update and bound figure, through the one export writer
//! (`crate::download`, audited with the row count by `routes::exports`).

use crate::download::{Sheet, Stop};
use crate::error::AppError;
use crate::export_job::{Job, List};
use crate::i18n::T;
use serde::Deserialize;
use std::collections::HashMap;
use store::Scope;

#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub plan: String,
}

pub fn job(f: Filters, scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let plan = f.plan.trim().parse::<i64>().map_err(|_| AppError::invalid("请从计划页面导出（缺少计划编号）。", "Export from a plan's page (the plan number is missing)."))?;
    let zh = ["部分", "编号", "工作要点", "牵头单位", "配合单位", "完成时限", "状态", "完成进度", "最近进展日期", "最近进展", "绑定指标", "当前值", "目标值"];
    let en = ["Part", "No.", "Work point", "Lead unit", "Co-operating units", "Deadline", "Status", "Progress", "Last update on", "Last update", "Indicator", "Now", "Target"];
    let headers = if t.is_en() { &en } else { &zh }.iter().map(|s| s.to_string()).collect();
    Ok(Job {
        list: List::Plan,
        headers,
        filter: serde_json::json!({ "plan": plan }),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            if s.plan(&scope, plan)?.is_none() {
                return Ok(());
            }
            let (mut names, mut lives) = (HashMap::new(), HashMap::new());
            let fail = |e: AppError| Stop::Failed(format!("{e:?}"));
            for p in s.plan_points(&scope, plan)? {
                let v = super::point_view(&t, s, &scope, &p, today, &mut names, &mut lives).map_err(fail)?;
                let last = s.plan_updates(&scope, p.id)?.into_iter().next();
                for c in [
                    v.part_name.as_str(),
                    &v.number,
                    &v.title,
                    &v.lead_name,
                    &v.coop_names.join("、"),
                    &v.deadline,
                    &v.status_name,
                    &format!("{}%", v.progress),
                    &last.as_ref().map(|u| u.on.to_string()).unwrap_or_default(),
                    &last.as_ref().map(|u| u.text.clone()).unwrap_or_default(),
                    &v.indicator_name,
                    v.live.as_deref().unwrap_or(""),
                    &v.target,
                ] {
                    sheet.cell(c)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}
