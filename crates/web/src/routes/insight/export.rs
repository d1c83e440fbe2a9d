//! A screen's table as XLSX or CSV through the one export writer (`crate::download`, audited with
//! its row count by `routes::exports`): the rows the page shows, the total last, each judged
//! value followed by its status.

use super::{model, screens, Filters};
use crate::download::Sheet;
use crate::error::AppError;
use crate::export_job::{Job, List};
use crate::i18n::T;
use store::Scope;

pub fn job(list: List, f: Filters, mine: &Scope, t: T, today: standard::Date) -> Result<Job, AppError> {
    let key = list.key().trim_start_matches("insight_");
    let screen = screens::by_key(key).ok_or(AppError::NotFound)?;
    let scope = f.scope(mine)?;
    let mut headers = vec![t.s("代码", "Code").to_string(), t.s("名称", "Name").to_string()];
    for c in screen.cols {
        headers.push(t.s(c.zh, c.en).to_string());
        if c.rag.is_some() {
            headers.push(format!("{}{}", t.s(c.zh, c.en), t.s("（判定）", " (status)")));
        }
        headers.push(format!("{}{}", t.s(c.zh, c.en), t.s("（上学年）", " (last year)")));
    }
    Ok(Job {
        list,
        headers,
        filter: serde_json::json!({ "region": f.region.trim() }),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let view = model::load(s, &scope, screen.key, today)?;
            for g in view.groups.iter().chain(std::iter::once(&view.total)) {
                sheet.cell(&g.code)?;
                sheet.cell(if g.code.is_empty() { t.s("合计", "Total") } else { &g.name })?;
                for c in screen.cols {
                    sheet.cell(&screens::text(c.kind, (c.get)(g)))?;
                    if c.rag.is_some() {
                        let r = c.judge(g);
                        sheet.cell(if t.is_en() { r.en() } else { r.zh() })?;
                    }
                    sheet.cell(&g.prev.as_ref().map(|p| screens::text(c.kind, (c.get)(p))).unwrap_or_default())?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}

/// The security screen's table (`super::security`), read for `role` as the page is.
pub fn security_job(f: Filters, mine: &Scope, role: store::Role, t: T, today: standard::Date, now: i64) -> Result<Job, AppError> {
    let scope = f.scope(mine)?;
    let cols = super::security::COLS;
    let reads = super::security::Reads::of(role);
    let mut headers = vec![t.s("代码", "Code").to_string(), t.s("名称", "Name").to_string()];
    for c in cols {
        headers.push(t.s(c.zh, c.en).to_string());
        if c.rag.is_some() {
            headers.push(format!("{}{}", t.s(c.zh, c.en), t.s("（判定）", " (status)")));
        }
    }
    Ok(Job {
        list: List::InsightSecurity,
        headers,
        filter: serde_json::json!({ "region": f.region.trim() }),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let view = super::security::load(s, &scope, reads, today, now)?;
            for g in view.groups.iter().chain(std::iter::once(&view.total)) {
                sheet.cell(&g.code)?;
                sheet.cell(if g.code.is_empty() { t.s("合计", "Total") } else { &g.name })?;
                for c in cols {
                    sheet.cell(&screens::text(c.kind, (c.get)(g)))?;
                    if c.rag.is_some() {
                        let r = c.judge(g);
                        sheet.cell(if t.is_en() { r.en() } else { r.zh() })?;
                    }
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}
