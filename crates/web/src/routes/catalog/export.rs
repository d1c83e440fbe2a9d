//! The catalog as XLSX or CSV (`/export/catalog?q=&class=&provider=&share=&origin=`): every
//! dataset the caller reads under the list page's filters, with the national guide's core
//! metadata and its fields (code, title; personal ones marked with their mask), through the one
//! export writer (`crate::download`, audited with the row count by `routes::exports`).

use super::pages::Filters;
use super::{dataset_view, read_scope, reads};
use crate::auth::Identity;
use crate::download::Sheet;
use crate::error::AppError;
use crate::export_job::{Job, List};
use crate::i18n::T;
use store::browse::MAX_PAGE;

pub fn job(mut f: Filters, me: &Identity, t: T) -> Result<Job, AppError> {
    reads(me)?;
    f.after.clear();
    let mut q = f.query(me.user.id, MAX_PAGE)?;
    let scope = read_scope(me);
    let zh = ["资源代码", "资源分类", "资源名称", "提供方", "提供方代码", "摘要", "资源格式", "共享类型", "共享条件", "不予共享依据", "共享方式", "更新周期", "发布日期", "状态", "来源", "版本", "字段（* 为个人信息）"];
    let en = ["Resource code", "Class", "Name", "Provider", "Provider code", "Summary", "Format", "Share type", "Condition", "Legal basis", "Method", "Update cycle", "Published on", "Status", "Origin", "Version", "Fields (* personal)"];
    let headers = if t.is_en() { &en } else { &zh }.iter().map(|s| s.to_string()).collect();
    let filter = serde_json::json!({ "q": f.q, "class": f.class, "provider": f.provider, "share": f.share, "origin": f.origin });
    Ok(Job {
        list: List::Catalog,
        headers,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            loop {
                let page = s.catalog_list(&scope, &q)?;
                for r in &page.rows {
                    let Some(d) = s.catalog_dataset(&scope, r.id)? else { continue };
                    let v = dataset_view(&t, &d);
                    let fields: Vec<String> = v
                        .fields
                        .iter()
                        .map(|f| if f.personal { format!("{} {}*（{}）", f.name, f.title, f.mask_name) } else { format!("{} {}", f.name, f.title) })
                        .collect();
                    for c in [
                        v.resource_code.as_str(),
                        &format!("{} {}", v.class_display, v.class_name),
                        &v.name,
                        &v.provider_name,
                        &v.provider_code.to_string(),
                        &v.summary,
                        &v.format_name,
                        &v.share_type_name,
                        &v.share_condition,
                        &v.legal_basis,
                        &v.method_name,
                        &v.cycle_name,
                        &v.publish_date,
                        &v.status_name,
                        &v.origin_name,
                        &v.version.to_string(),
                        &fields.join("；"),
                    ] {
                        sheet.cell(c)?;
                    }
                    sheet.end_row()?;
                }
                match page.next {
                    Some(n) => q.after = Some(n.parse::<i64>().map_err(|_| store::StoreError::Internal(format!("catalog cursor {n}")))?),
                    None => break,
                }
            }
            Ok(())
        }),
    })
}
