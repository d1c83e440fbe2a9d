//! The flagged schools as XLSX or CSV (`/export/school_map_flagged`, `List::SchoolMapFlagged`):
//! the map page's filters, the same scoped read and check, through the one export writer
//! (`crate::download`, audited with the row count by `routes::exports`).

use super::{check_all, flagged, MapFilters};
use crate::error::AppError;
use crate::export_job::{Job, List};
use crate::i18n::T;
use insight::geo::Boundaries;
use std::sync::Arc;
use store::Scope;

pub fn job(f: MapFilters, scope: Scope, boundaries: Option<Arc<Boundaries>>, t: T) -> Result<Job, AppError> {
    let scope = f.scope(&scope)?;
    let q = f.query()?;
    let zh = ["学校标识码", "学校名称", "所在县（区）代码", "所在县（区）", "经度", "纬度", "问题", "坐标实际所在市州"];
    let en = ["School identifier", "Name", "County code", "County", "Longitude", "Latitude", "Problem", "The point lies in"];
    let headers = if t.is_en() { &en } else { &zh }.iter().map(|s| s.to_string()).collect();
    Ok(Job {
        list: List::SchoolMapFlagged,
        headers,
        filter: f.audited(),
        produce: Box::new(move |s, sheet| {
            let all = check_all(boundaries.as_deref(), s.school_places(&scope, &q)?);
            for r in flagged(boundaries.as_deref(), &all) {
                let reason = match insight::geo::Flag::ALL.iter().find(|x| x.code() == r.reason) {
                    Some(x) if t.is_en() => x.en(),
                    _ => r.reason_zh.as_str(),
                };
                for c in [r.code.as_str(), &r.name, &r.county, &r.county_name, &r.longitude, &r.latitude, reason, &r.lies_in] {
                    sheet.cell(c)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}
