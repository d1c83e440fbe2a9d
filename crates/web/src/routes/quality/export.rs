//! The ranking as XLSX or CSV through the one export writer (`List::Quality`, audited with its
//! row count by `routes::exports`): the rows `/quality` shows, scores then the counts behind them.

use super::{ranked, DIMENSIONS};
use crate::download::Sheet;
use crate::error::AppError;
use crate::export_job::{Job, List};
use crate::i18n::T;
use store::Scope;

pub fn job(scope: Scope, t: T) -> Result<Job, AppError> {
    let mut headers: Vec<String> = [("名次", "Rank"), ("区县代码", "County"), ("学校标识码", "School"), ("名称", "Name")].iter().map(|(z, e)| t.s(z, e).to_string()).collect();
    headers.extend(DIMENSIONS.iter().map(|(z, e)| t.s(z, e).to_string()));
    headers.extend(
        [
            ("学生", "Students"),
            ("教师", "Teachers"),
            ("应填项", "Cells checked"),
            ("已填项", "Cells filled"),
            ("近一年被拒绝的行", "Rows rejected (last year)"),
            ("最近更新", "Last update"),
            ("学校不在名录中的学生", "Students naming no school"),
            ("年龄偏小", "Too young"),
            ("年龄偏大", "Too old"),
            ("66 人及以上的班级", "Classes of 66+"),
            ("重复的学生", "Duplicate students"),
            ("重复的教师", "Duplicate teachers"),
            ("快照日期", "Snapshot day"),
        ]
        .iter()
        .map(|(z, e)| t.s(z, e).to_string()),
    );
    Ok(Job {
        list: List::Quality,
        headers,
        filter: serde_json::json!({}),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let rows = s.quality(&scope)?;
            for (rank, r, sc) in ranked(&rows, &scope) {
                sheet.cell(&rank.to_string())?;
                sheet.cell(&r.county.to_string())?;
                sheet.cell(&r.school)?;
                sheet.cell(&r.name)?;
                for i in 0..6 {
                    sheet.cell(&format!("{:.1}", sc.get(i)))?;
                }
                let k = &r.counts;
                for n in [k.students, k.teachers, k.cells, k.filled, k.rejected] {
                    sheet.cell(&n.to_string())?;
                }
                sheet.cell(&k.last_update)?;
                for n in [k.missing_school, k.too_young, k.too_old, k.classes_very_large, k.dup_students, k.dup_teachers] {
                    sheet.cell(&n.to_string())?;
                }
                sheet.cell(&r.day)?;
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}
