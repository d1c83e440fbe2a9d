//! Demo data resource catalog: a few datasets registered by hand by a city and a county bureau
//! (the automatic entries come from `tianfu serve`'s sync) — one shared without condition, one
//! with a condition, one 不予共享 with its legal basis. Names say （演示）. Written through
//! `store::catalog::Catalog` with the province's scope.

use store::catalog::{Catalog, CatalogQuery, Class, Field, FieldType, Format, MaskKind, NewDataset, Origin, ShareMethod, ShareType, Status, UpdateCycle};
use store::{Scope, StoreError};

fn field(name: &str, title: &str, data_type: FieldType, mask: Option<MaskKind>) -> Field {
    Field { name: name.into(), title: title.into(), data_type, description: String::new(), mask }
}

fn dataset(class: Class, name: &str, provider: i64, summary: &str, share: ShareType, condition: &str, basis: &str, cycle: UpdateCycle, fields: Vec<Field>) -> NewDataset {
    NewDataset { class, name: name.into(), provider_code: provider, summary: summary.into(), format: Format::Xlsx, share_type: share, share_condition: condition.into(), legal_basis: basis.into(), method: ShareMethod::File, cycle, status: Status::Published, keywords: "演示".into(), fields }
}

/// Registers the demo datasets unless hand-made ones exist; returns how many were written.
pub fn seed(s: &mut (impl Catalog + ?Sized), now: i64) -> Result<usize, StoreError> {
    let all = Scope::province(51);
    if !s.catalog_list(&all, &CatalogQuery { origin: Some(Origin::Manual), limit: 1, ..Default::default() })?.rows.is_empty() {
        return Ok(0);
    }
    let c = |xiang, mu| Class { lei: 3, xiang, mu, ximu: 0 };
    let list = [
        dataset(c(4, 1), "成都市中小学生体质健康测试汇总（演示）", 510100, "成都市各区县中小学生国家学生体质健康标准测试的汇总：参测人数、合格率、优良率，按学校和年级。", ShareType::Unconditional, "", "", UpdateCycle::Yearly, vec![field("school_code", "学校标识码", FieldType::Text, None), field("grade", "年级", FieldType::Code, None), field("tested", "参测人数", FieldType::Integer, None), field("pass_rate", "合格率", FieldType::Decimal, None)]),
        dataset(c(5, 1), "锦江区课后服务参与情况（演示）", 510104, "锦江区各校课后服务的开设项目、参与学生人数和收费标准，按学期汇总。", ShareType::Conditional, "仅向区财政、发展改革部门提供，用于课后服务经费核算（演示）", "", UpdateCycle::Termly, vec![field("school_code", "学校标识码", FieldType::Text, None), field("items", "服务项目数", FieldType::Integer, None), field("students", "参与学生数", FieldType::Integer, None)]),
        dataset(c(4, 2), "锦江区学生心理健康筛查结果（演示）", 510104, "锦江区中小学生心理健康筛查的个人结果与干预记录。", ShareType::None, "", "《中华人民共和国未成年人保护法》第七十二条、《中华人民共和国个人信息保护法》第二十八条：未成年人的健康信息属敏感个人信息，不予共享（演示）", UpdateCycle::Termly, vec![field("student_name", "学生姓名", FieldType::Text, Some(MaskKind::Name)), field("school_code", "学校标识码", FieldType::Text, None), field("level", "筛查等级", FieldType::Code, None), field("intervention", "干预记录", FieldType::Text, Some(MaskKind::Withheld))]),
    ];
    for n in &list {
        s.catalog_register(&all, n, "demo", now)?;
    }
    Ok(list.len())
}
