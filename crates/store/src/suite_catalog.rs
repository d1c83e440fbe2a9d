//! The tests of the data resource catalog's storage ([`crate::catalog::Catalog`]) every backend
//! must pass ([`catalog_suite!`]): versions (old ones readable, the same metadata writes
//! nothing), the resource codes, the share-type rules, the scope (a county writes its own bureau's
//! datasets only, a city its own and its counties', the province all; drafts are read by the
//! provider's area only, published entries by everyone), search and filters, and the automatic
//! entries' idempotent sync.

use crate::catalog::*;
use crate::{Scope, StoreError};

#[macro_export]
macro_rules! catalog_suite {
    ($make:expr) => {
        $crate::catalog_suite!(@tests $make;
            versions_kept_and_idempotent, share_rules_refused_whole, writes_are_scoped, drafts_read_by_their_area_only, search_and_filters, auto_sync_is_idempotent);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_catalog::$name(&mut s);
            }
        )*
    };
}

const T0: i64 = 1_780_000_000;

fn province() -> Scope {
    Scope::Region { lo: 510000, hi: 519999 }
}
fn chengdu() -> Scope {
    Scope::Region { lo: 510100, hi: 510199 }
}
fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}
fn school() -> Scope {
    Scope::School { code: "2151010401".into(), county: 510104 }
}

/// A hand-made dataset of `provider`.
pub fn dataset(provider: i64, name: &str, status: Status) -> NewDataset {
    NewDataset {
        class: Class { lei: 3, xiang: 9, mu: 1, ximu: 0 },
        name: name.into(),
        provider_code: provider,
        summary: "区县学生体质健康测试汇总".into(),
        format: Format::Xlsx,
        share_type: ShareType::Unconditional,
        share_condition: String::new(),
        legal_basis: String::new(),
        method: ShareMethod::File,
        cycle: UpdateCycle::Yearly,
        status,
        keywords: "体质、健康".into(),
        fields: vec![
            Field { name: "school_code".into(), title: "学校标识码".into(), data_type: FieldType::Text, description: String::new(), mask: None },
            Field { name: "pass_rate".into(), title: "合格率".into(), data_type: FieldType::Decimal, description: "百分比".into(), mask: None },
        ],
    }
}

pub fn versions_kept_and_idempotent(s: &mut dyn Catalog) {
    let d = s.catalog_register(&county(510104), &dataset(510104, "锦江区学生体质健康汇总", Status::Published), "jj", T0).unwrap();
    assert_eq!(d.version, 1);
    assert_eq!(d.resource_code, "309001000/510104-0001");
    assert_eq!(d.origin, Origin::Manual);
    assert_eq!(d.provider_name, "锦江区教育局");
    assert_eq!(d.publish_date, Some(day_of(T0)));
    assert_eq!(d.meta.fields.len(), 2);
    // A second one of the same class and provider: the next sequence.
    let d2 = s.catalog_register(&county(510104), &dataset(510104, "锦江区近视率", Status::Draft), "jj", T0).unwrap();
    assert_eq!(d2.resource_code, "309001000/510104-0002");
    assert_eq!(d2.publish_date, None);

    // An edit: version 2 with a field more; version 1 unchanged and readable.
    let mut n = d.meta.clone();
    n.fields.push(Field { name: "myopia_rate".into(), title: "近视率".into(), data_type: FieldType::Decimal, description: String::new(), mask: None });
    n.summary = "新的摘要".into();
    let v2 = s.catalog_update(&county(510104), d.id, &n, "加近视率", "jj", T0 + 60).unwrap();
    assert_eq!((v2.version, v2.current_version, v2.meta.fields.len()), (2, 2, 3));
    assert_eq!(v2.resource_code, d.resource_code);
    assert_eq!(v2.publish_date, d.publish_date, "the first publish date is kept");
    assert_eq!(v2.note, "加近视率");
    let v1 = s.catalog_version(&county(510104), d.id, 1).unwrap().unwrap();
    assert_eq!((v1.version, v1.current_version, v1.meta.fields.len()), (1, 2, 2));
    assert_eq!(v1.meta.summary, "区县学生体质健康测试汇总");
    assert!(s.catalog_version(&county(510104), d.id, 3).unwrap().is_none());
    // The same metadata again (spaces aside): no new version.
    let mut same = n.clone();
    same.name = format!("  {}  ", same.name);
    let again = s.catalog_update(&county(510104), d.id, &same, "", "jj", T0 + 120).unwrap();
    assert_eq!(again.version, 2);
    let h = s.catalog_versions(&province(), d.id).unwrap();
    assert_eq!(h.iter().map(|v| (v.version, v.fields)).collect::<Vec<_>>(), vec![(2, 3), (1, 2)]);
    assert_eq!(h[0].changed_by, "jj");
}

pub fn share_rules_refused_whole(s: &mut dyn Catalog) {
    let mut n = dataset(510104, "", Status::Published);
    n.share_type = ShareType::None;
    n.fields.push(n.fields[0].clone());
    let p = problems(&n);
    let keys: Vec<&str> = p.iter().map(|x| x.0).collect();
    assert!(keys.contains(&"name") && keys.contains(&"legal_basis") && keys.contains(&"fields"), "{keys:?}");
    assert!(matches!(s.catalog_register(&county(510104), &n, "jj", T0), Err(StoreError::Conflict(_))));
    let mut c = dataset(510104, "有条件", Status::Published);
    c.share_type = ShareType::Conditional;
    assert!(problems(&c).iter().any(|x| x.0 == "share_condition"));
    c.share_condition = "仅用于学生资助核对".into();
    assert!(problems(&c).is_empty());
    let mut none = dataset(510104, "不予共享", Status::Published);
    none.share_type = ShareType::None;
    none.legal_basis = "《未成年人保护法》第七十二条".into();
    let d = s.catalog_register(&county(510104), &none, "jj", T0).unwrap();
    assert_eq!(d.meta.legal_basis, "《未成年人保护法》第七十二条");
}

pub fn writes_are_scoped(s: &mut dyn Catalog) {
    // A county registers for itself only; a city for itself and its counties; the province all.
    assert!(matches!(s.catalog_register(&county(510104), &dataset(510100, "成都", Status::Published), "jj", T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.catalog_register(&county(510104), &dataset(510105, "青羊", Status::Published), "jj", T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.catalog_register(&school(), &dataset(510104, "学校", Status::Published), "sc", T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.catalog_register(&Scope::Nothing, &dataset(510104, "无", Status::Published), "x", T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.catalog_register(&province(), &dataset(999999, "无此地", Status::Published), "p", T0), Err(StoreError::OutOfScope)));
    let city = s.catalog_register(&chengdu(), &dataset(510100, "成都市汇总", Status::Published), "cd", T0).unwrap();
    let jj = s.catalog_register(&chengdu(), &dataset(510104, "锦江由市登记", Status::Published), "cd", T0).unwrap();
    let zg = s.catalog_register(&province(), &dataset(510302, "自流井", Status::Published), "p", T0).unwrap();
    // Edits: the county edits its own, not the city's nor another county's; moving the provider
    // out of the area is refused; an unknown id gives the same answer.
    let mut n = jj.meta.clone();
    n.summary = "区县修改".into();
    assert_eq!(s.catalog_update(&county(510104), jj.id, &n, "", "jj", T0).unwrap().version, 2);
    let mut m = city.meta.clone();
    m.summary = "区县改市".into();
    assert!(matches!(s.catalog_update(&county(510104), city.id, &m, "", "jj", T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.catalog_update(&chengdu(), zg.id, &zg.meta, "", "cd", T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.catalog_update(&chengdu(), 987_654, &zg.meta, "", "cd", T0), Err(StoreError::OutOfScope)));
    let mut moved = jj.meta.clone();
    moved.provider_code = 510302;
    assert!(matches!(s.catalog_update(&chengdu(), jj.id, &moved, "", "cd", T0), Err(StoreError::OutOfScope)));
    assert_eq!(s.catalog_dataset(&province(), jj.id).unwrap().unwrap().version, 2, "a refused write changes nothing");
    m.summary = "省改市".into();
    assert_eq!(s.catalog_update(&province(), city.id, &m, "", "p", T0).unwrap().version, 2);
}

pub fn drafts_read_by_their_area_only(s: &mut dyn Catalog) {
    let draft = s.catalog_register(&county(510104), &dataset(510104, "草稿数据集", Status::Draft), "jj", T0).unwrap();
    let public = s.catalog_register(&county(510104), &dataset(510104, "已发布数据集", Status::Published), "jj", T0).unwrap();
    let q = CatalogQuery { limit: 50, ..Default::default() };
    for sc in [county(510104), chengdu(), province()] {
        assert!(s.catalog_dataset(&sc, draft.id).unwrap().is_some(), "{sc:?}");
        assert_eq!(s.catalog_list(&sc, &q).unwrap().rows.len(), 2, "{sc:?}");
        assert_eq!(s.catalog_versions(&sc, draft.id).unwrap().len(), 1);
    }
    for sc in [county(510105), county(510302), school(), Scope::Nothing] {
        assert!(s.catalog_dataset(&sc, draft.id).unwrap().is_none(), "{sc:?}");
        assert!(s.catalog_version(&sc, draft.id, 1).unwrap().is_none(), "{sc:?}");
        assert!(s.catalog_versions(&sc, draft.id).unwrap().is_empty(), "{sc:?}");
        assert!(s.catalog_dataset(&sc, public.id).unwrap().is_some(), "{sc:?}");
        let rows = s.catalog_list(&sc, &q).unwrap().rows;
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![public.id], "{sc:?}");
    }
    // Publishing the draft: everyone reads it, with the day it was published.
    let mut n = draft.meta.clone();
    n.status = Status::Published;
    let p = s.catalog_update(&county(510104), draft.id, &n, "发布", "jj", T0 + 86_400).unwrap();
    assert_eq!(p.publish_date, Some(day_of(T0 + 86_400)));
    assert!(s.catalog_dataset(&Scope::Nothing, draft.id).unwrap().is_some());
}

pub fn search_and_filters(s: &mut dyn Catalog) {
    crate::catalog_auto::sync(s, 51, "system", T0).unwrap();
    let mut n = dataset(510104, "锦江区学生体质健康汇总", Status::Published);
    n.share_type = ShareType::Conditional;
    n.share_condition = "仅用于体质监测".into();
    let jj = s.catalog_register(&county(510104), &n, "jj", T0).unwrap();
    let list = |s: &mut dyn Catalog, q: CatalogQuery| s.catalog_list(&province(), &CatalogQuery { limit: 100, ..q }).unwrap().rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(list(s, CatalogQuery { text: "体质".into(), ..Default::default() }), vec!["锦江区学生体质健康汇总".to_string()]);
    // By a field's code and by its title.
    assert!(list(s, CatalogQuery { text: "guardian_phone".into(), ..Default::default() }).contains(&"学生基本信息".to_string()));
    assert_eq!(list(s, CatalogQuery { text: "pass_rate".into(), ..Default::default() }), vec!["锦江区学生体质健康汇总".to_string()]);
    assert_eq!(list(s, CatalogQuery { text: "合格率".into(), ..Default::default() }), vec!["锦江区学生体质健康汇总".to_string()]);
    // By the resource code; a `%` typed is a character, not a wildcard.
    assert_eq!(list(s, CatalogQuery { text: jj.resource_code.clone(), ..Default::default() }), vec!["锦江区学生体质健康汇总".to_string()]);
    assert!(list(s, CatalogQuery { text: "%".into(), ..Default::default() }).is_empty());
    assert_eq!(list(s, CatalogQuery { provider: Some(510104), ..Default::default() }).len(), 1);
    assert_eq!(list(s, CatalogQuery { class: "309".into(), ..Default::default() }).len(), 1);
    assert_eq!(list(s, CatalogQuery { class: "301".into(), ..Default::default() }).len(), 5);
    let none = list(s, CatalogQuery { share_type: Some(ShareType::None), ..Default::default() });
    assert_eq!(none, vec!["等级保护定级备案系统".to_string(), "网络安全事件".to_string()]);
    assert_eq!(list(s, CatalogQuery { origin: Some(Origin::Manual), ..Default::default() }).len(), 1);
    // Pages follow the id.
    let p1 = s.catalog_list(&province(), &CatalogQuery { limit: 5, ..Default::default() }).unwrap();
    assert_eq!(p1.rows.len(), 5);
    let after = p1.next.unwrap().parse::<i64>().unwrap();
    let p2 = s.catalog_list(&province(), &CatalogQuery { limit: 5, after: Some(after), ..Default::default() }).unwrap();
    assert!(p2.rows.iter().all(|r| r.id > after));
}

pub fn auto_sync_is_idempotent(s: &mut dyn Catalog) {
    let derived = crate::catalog_auto::derive(51);
    assert!(derived.len() >= 14);
    let r = crate::catalog_auto::sync(s, 51, "system", T0).unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (derived.len() as u32, 0, 0));
    let r = crate::catalog_auto::sync(s, 51, "system", T0 + 10).unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, derived.len() as u32));
    // Every derived dataset is there, once, with its fields; the students' personal fields carry
    // their masks.
    let all = s.catalog_list(&Scope::Nothing, &CatalogQuery { limit: 100, origin: Some(Origin::Auto), ..Default::default() }).unwrap().rows;
    assert_eq!(all.len(), derived.len());
    let students = all.iter().find(|r| r.name == "学生基本信息").unwrap();
    assert_eq!(students.resource_code, "301003001/510000-0001");
    let d = s.catalog_dataset(&Scope::Nothing, students.id).unwrap().unwrap();
    let mask = |n: &str| d.meta.fields.iter().find(|f| f.name == n).unwrap().mask;
    assert_eq!(mask("id_number"), Some(MaskKind::IdNumber));
    assert_eq!(mask("guardian_phone"), Some(MaskKind::Phone));
    assert_eq!(mask("disability"), Some(MaskKind::Withheld));
    assert_eq!(mask("grade"), None);
    assert_eq!(d.meta.fields.len(), standard::Entity::Student.template().fields.len());
    // The derived metadata changes (a new field): one new version, of that dataset only.
    let mut changed = derived.clone();
    let i = changed.iter().position(|(k, _)| k == "students").unwrap();
    changed[i].1.fields.push(Field { name: "new_field".into(), title: "新字段".into(), data_type: FieldType::Text, description: String::new(), mask: None });
    let r = s.catalog_sync(&province(), &changed, "system", T0 + 20).unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 1, derived.len() as u32 - 1));
    let v = s.catalog_versions(&province(), students.id).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(s.catalog_version(&province(), students.id, 1).unwrap().unwrap().meta.fields.len(), d.meta.fields.len());
    // Only the province syncs its entries.
    assert!(matches!(s.catalog_sync(&chengdu(), &derived, "x", T0), Err(StoreError::OutOfScope)));
}
