//! The tests of the school map's storage every backend must pass ([`schoolmap_suite!`]): the
//! places of a scope and their filters, and the catchment notes (read only through a school in
//! scope; written only by a scope that may write the school, one refusal for unknown and
//! outside).

use crate::schoolmap::{stage_prefixes, PlaceQuery, SchoolMap, NOTE_MAX};
use crate::suite::{import, school};
use crate::{Scope, Store, StoreError};
use standard::Entity;

/// What the suite needs of a backend.
pub trait SchoolMapStore: Store + SchoolMap {}
impl<T: Store + SchoolMap> SchoolMapStore for T {}

#[macro_export]
macro_rules! schoolmap_suite {
    ($make:expr) => {
        $crate::schoolmap_suite!(@tests $make; places_are_scoped_and_filtered, notes_are_scoped);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_schoolmap::$name(&mut s);
            }
        )*
    };
}

const S1: &str = "2151040001";
const S2: &str = "3151040002";
const S3: &str = "2151120003";

/// A school of `county` with a 办学类型 and coordinates.
fn typed(code: &str, county: &str, name: &str, school_type: &str, lon: &str, lat: &str) -> Vec<String> {
    let mut r = school(code, county, name);
    let t = Entity::School.template();
    for (k, v) in [("school_type", school_type), ("longitude", lon), ("latitude", lat)] {
        r[t.index(k).unwrap()] = v.to_string();
    }
    r
}

/// A primary school and a 九年一贯制 school in 锦江区 (510104), a primary school in 龙泉驿区
/// (510112) without coordinates.
fn base(s: &mut dyn SchoolMapStore) {
    import(s, Entity::School, "m-schools", &[typed(S1, "510104", "第一小学", "211", "104.08", "30.65"), typed(S2, "510104", "九年制学校", "312", "104.09", "30.64"), typed(S3, "510112", "龙泉小学", "211", "", "")]);
}

fn codes(v: Vec<crate::schoolmap::SchoolPlace>) -> Vec<String> {
    v.into_iter().map(|p| p.code).collect()
}

pub fn places_are_scoped_and_filtered(s: &mut dyn SchoolMapStore) {
    base(s);
    let all = s.school_places(&Scope::all(), &PlaceQuery::default()).unwrap();
    assert_eq!(codes(all.clone()), vec![S1, S3, S2], "by 学校标识码");
    let p = all.iter().find(|p| p.code == S1).unwrap();
    assert_eq!((p.name.as_str(), p.school_type.as_str(), p.region_code.as_str(), p.longitude.as_str(), p.latitude.as_str()), ("第一小学", "211", "510104", "104.08", "30.65"));
    assert_eq!(all.iter().find(|p| p.code == S3).unwrap().longitude, "");
    let jinjiang = Scope::Region { lo: 510104, hi: 510104 };
    assert_eq!(codes(s.school_places(&jinjiang, &PlaceQuery::default()).unwrap()), vec![S1, S2]);
    assert_eq!(codes(s.school_places(&Scope::School { code: S2.into(), county: 510104 }, &PlaceQuery::default()).unwrap()), vec![S2]);
    assert!(s.school_places(&Scope::Nothing, &PlaceQuery::default()).unwrap().is_empty());
    let types = |t: &[&str]| PlaceQuery { types: t.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    let stage = |st: &str| PlaceQuery { stage_types: stage_prefixes(st).unwrap().iter().map(|s| s.to_string()).collect(), ..Default::default() };
    assert_eq!(codes(s.school_places(&Scope::all(), &types(&["21"])).unwrap()), vec![S1, S3]);
    assert_eq!(codes(s.school_places(&Scope::all(), &types(&["312"])).unwrap()), vec![S2]);
    assert!(s.school_places(&Scope::all(), &types(&["2'1"])).unwrap().is_empty(), "not a code: nothing");
    assert_eq!(codes(s.school_places(&Scope::all(), &stage("primary")).unwrap()), vec![S1, S3, S2], "a 九年一贯制 school teaches primary grades");
    assert_eq!(codes(s.school_places(&Scope::all(), &stage("junior")).unwrap()), vec![S2]);
    assert!(s.school_places(&Scope::all(), &stage("senior")).unwrap().is_empty());
    assert_eq!(codes(s.school_places(&jinjiang, &PlaceQuery { types: vec!["21".into()], stage_types: vec!["21".into()] }).unwrap()), vec![S1], "both filters and the scope");
}

pub fn notes_are_scoped(s: &mut dyn SchoolMapStore) {
    base(s);
    let jinjiang = Scope::Region { lo: 510104, hi: 510104 };
    let longquan = Scope::Region { lo: 510112, hi: 510112 };
    let city = Scope::Region { lo: 510100, hi: 510199 };
    assert_eq!(s.set_catchment_note(&jinjiang, S1, "  服务锦江区春熙路街道、书院街街道  ", "jinjiang", 100).unwrap(), None);
    let n = s.catchment_note(&jinjiang, S1).unwrap().unwrap();
    assert_eq!((n.note.as_str(), n.updated_by.as_str(), n.updated_at), ("服务锦江区春熙路街道、书院街街道", "jinjiang", 100), "trimmed");
    // Another county's officer: refused, the same answer as for a school that does not exist.
    for code in [S1, "2151049999"] {
        assert!(matches!(s.set_catchment_note(&longquan, code, "改写", "longquan", 101), Err(StoreError::OutOfScope)));
    }
    assert_eq!(s.catchment_note(&city, S1).unwrap().unwrap().note, "服务锦江区春熙路街道、书院街街道", "nothing changed");
    // Reads are cut to the scope too.
    assert!(s.catchment_note(&longquan, S1).unwrap().is_none());
    assert!(s.catchment_note(&Scope::Nothing, S1).unwrap().is_none());
    assert_eq!(s.catchment_note(&Scope::School { code: S1.into(), county: 510104 }, S1).unwrap().map(|n| n.school_code), Some(S1.to_string()));
    assert!(s.catchment_note(&Scope::School { code: S2.into(), county: 510104 }, S1).unwrap().is_none());
    // A school's own account writes no school record, so no note; nothing writes nothing.
    assert!(matches!(s.set_catchment_note(&Scope::School { code: S1.into(), county: 510104 }, S1, "x", "school", 102), Err(StoreError::OutOfScope)));
    assert!(matches!(s.set_catchment_note(&Scope::Nothing, S1, "x", "nobody", 102), Err(StoreError::OutOfScope)));
    // The city rewrites it (the old note returned, for the audit), the county's own is cut to length.
    let before = s.set_catchment_note(&city, S1, "服务春熙路街道", "chengdu", 103).unwrap().unwrap();
    assert_eq!(before.updated_by, "jinjiang");
    s.set_catchment_note(&longquan, S3, &"村".repeat(NOTE_MAX + 10), "longquan", 104).unwrap();
    assert_eq!(s.catchment_note(&longquan, S3).unwrap().unwrap().note.chars().count(), NOTE_MAX);
    // Many at once: only the schools in scope.
    let all = s.catchment_notes(&jinjiang, &[S1.into(), S2.into(), S3.into()]).unwrap();
    assert_eq!(all.keys().cloned().collect::<Vec<_>>(), vec![S1.to_string()]);
    assert_eq!(s.catchment_notes(&city, &[S1.into(), S2.into(), S3.into()]).unwrap().len(), 2);
    // A blank note removes it.
    assert!(s.set_catchment_note(&jinjiang, S1, "  ", "jinjiang", 105).unwrap().is_some());
    assert!(s.catchment_note(&jinjiang, S1).unwrap().is_none());
}
