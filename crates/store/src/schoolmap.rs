//! 学校地理信息 (issue 14): the schools as places on the map, and each school's catchment note
//! (学区/服务范围说明: which villages or streets it serves).
//!
//! - [`SchoolMap::school_places`] reads the schools of a scope (code, name, type, county,
//!   coordinates), cut to the scope in the query and filtered by 办学类型 code prefixes (a type
//!   group or a stage, [`STAGES`]); the map's bins and the boundary check are computed from it
//!   above the store.
//! - The notes live in the platform tables (`school_notes`: SQLite platform 0022, PostgreSQL
//!   0034), keyed by 学校标识码. A note is read only through its school read in scope first, and
//!   written only when the writer may write that school (`Scope::may_write` at the school's
//!   county: the officers of its county, city or province; a school's own account writes no
//!   school record, so no note either). An unknown school and another area's school get the
//!   same [`StoreError::OutOfScope`].

use crate::access::Place;
use crate::sql::{text_range, Arg, Dialect, SqlRow, Where};
use crate::{Scope, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The longest catchment note kept, in characters.
pub const NOTE_MAX: usize = 2000;

/// The stages (学段) a map filters on, with the 办学类型 code prefixes of the schools that
/// teach it: a 九年一贯制学校 (312) teaches primary and junior grades, a 完全中学 (341) junior and
/// senior, a 十二年一贯制学校 (345) all three.
pub const STAGES: [(&str, &str, &str, &[&str]); 7] = [
    ("preschool", "学前", "Pre-school", &["11"]),
    ("primary", "小学", "Primary", &["21", "22", "312", "345"]),
    ("junior", "初中", "Junior secondary", &["31", "32", "33", "341", "345"]),
    ("senior", "高中", "Senior secondary", &["34", "35"]),
    ("vocational", "中职", "Vocational", &["36"]),
    ("special", "特殊教育", "Special education", &["51"]),
    ("higher", "高等教育", "Higher education", &["41", "42"]),
];

/// The 办学类型 prefixes of a stage code of [`STAGES`]; None for an unknown stage.
pub fn stage_prefixes(stage: &str) -> Option<&'static [&'static str]> {
    STAGES.iter().find(|s| s.0 == stage).map(|s| s.3)
}

/// One school as the map reads it (coordinates as stored: text, '' when none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolPlace {
    pub code: String,
    pub name: String,
    pub school_type: String,
    /// GB/T 2260 county code, 6 digits.
    pub region_code: String,
    pub longitude: String,
    pub latitude: String,
}

/// The map's filters beyond the scope (narrow the scope for a region).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaceQuery {
    /// 办学类型 code prefixes, any of which a school's type starts with (a type group such as
    /// `21`, a full code such as `218`, or a stage's list); empty: every type.
    pub types: Vec<String>,
    /// Both lists given: a school must match one of each (a type group and a stage).
    pub stage_types: Vec<String>,
}

/// A school's catchment note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchmentNote {
    pub school_code: String,
    pub note: String,
    /// The account that wrote it last.
    pub updated_by: String,
    /// Unix seconds.
    pub updated_at: i64,
}

/// A backend's primitives under [`SchoolMap`]: reads of the base data (`schools`), and reads and
/// writes of the platform tables (`school_notes`).
pub trait SchoolMapSql {
    fn map_dialect(&self) -> Dialect;
    fn map_base_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn map_note_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn map_note_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
}

/// The map's reads and the notes' writes, always cut to a [`Scope`].
pub trait SchoolMap {
    /// Every school in scope matching `q`, by 学校标识码.
    fn school_places(&mut self, scope: &Scope, q: &PlaceQuery) -> Result<Vec<SchoolPlace>, StoreError>;
    /// The notes of those of `codes` that are schools in scope (others are left out).
    fn catchment_notes(&mut self, scope: &Scope, codes: &[String]) -> Result<HashMap<String, CatchmentNote>, StoreError>;
    /// One school's note; None when it has none, or is not a school in scope (one answer).
    fn catchment_note(&mut self, scope: &Scope, code: &str) -> Result<Option<CatchmentNote>, StoreError> {
        Ok(self.catchment_notes(scope, &[code.to_string()])?.remove(code))
    }
    /// Writes (or, for a blank `note`, removes) a school's note, when `scope` may write the
    /// school; returns the note it replaced. The text is trimmed and cut to [`NOTE_MAX`]
    /// characters. Unknown or outside: [`StoreError::OutOfScope`].
    fn set_catchment_note(&mut self, scope: &Scope, code: &str, note: &str, by: &str, at: i64) -> Result<Option<CatchmentNote>, StoreError>;
}

/// The scope (and the filters) as conditions over `sc` (schools); None when it sees nothing.
fn scoped(dialect: Dialect, scope: &Scope) -> Option<Where> {
    let (lo, hi) = scope.county_range()?;
    let mut w = Where::new(dialect);
    let (a, b) = text_range(lo, hi);
    let c = format!("sc.region_code BETWEEN {} AND {}", w.arg(a), w.arg(b));
    w.cond(c);
    if let Some(code) = scope.school() {
        let c = format!("sc.school_code = {}", w.arg(code));
        w.cond(c);
    }
    Some(w)
}

/// `substr(sc.school_type, 1, n) = prefix` for any of the prefixes (digits only; others match
/// nothing); None for an empty list.
fn any_prefix(w: &mut Where, prefixes: &[String]) -> Option<String> {
    if prefixes.is_empty() {
        return None;
    }
    let mut any = Vec::new();
    for p in prefixes.iter().map(|p| p.trim()) {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            any.push("1 = 0".to_string());
            continue;
        }
        any.push(format!("substr(sc.school_type, 1, {}) = {}", p.len(), w.arg(p)));
    }
    Some(format!("({})", any.join(" OR ")))
}

const NOTE_COLS: &str = "school_code, note, updated_by, updated_at";

fn note_of(r: &dyn SqlRow) -> Result<CatchmentNote, StoreError> {
    Ok(CatchmentNote { school_code: r.string(0)?, note: r.string(1)?, updated_by: r.string(2)?, updated_at: r.i64(3)? })
}

impl<T: SchoolMapSql + ?Sized> SchoolMap for T {
    fn school_places(&mut self, scope: &Scope, q: &PlaceQuery) -> Result<Vec<SchoolPlace>, StoreError> {
        let Some(mut w) = scoped(self.map_dialect(), scope) else { return Ok(Vec::new()) };
        for list in [&q.types, &q.stage_types] {
            if let Some(c) = any_prefix(&mut w, list) {
                w.cond(c);
            }
        }
        let sql = format!("SELECT sc.school_code, sc.name, sc.school_type, sc.region_code, sc.longitude, sc.latitude FROM schools sc{} ORDER BY sc.school_code", w.where_());
        let mut out = Vec::new();
        self.map_base_rows(&sql, w.args, &mut |r| {
            out.push(SchoolPlace { code: r.string(0)?, name: r.string(1)?, school_type: r.string(2)?, region_code: r.string(3)?, longitude: r.string(4)?, latitude: r.string(5)? });
            Ok(())
        })?;
        Ok(out)
    }

    fn catchment_notes(&mut self, scope: &Scope, codes: &[String]) -> Result<HashMap<String, CatchmentNote>, StoreError> {
        let mut out = HashMap::new();
        // The base and the platform tables may be two files (SQLite): first which of the codes
        // are schools in scope, then their notes; a note is never read for a school outside.
        for chunk in codes.chunks(500) {
            let Some(mut w) = scoped(self.map_dialect(), scope) else { return Ok(out) };
            let list: Vec<String> = chunk.iter().map(|c| w.arg(c.as_str())).collect();
            w.cond(format!("sc.school_code IN ({})", list.join(", ")));
            let mut inside = Vec::new();
            self.map_base_rows(&format!("SELECT sc.school_code FROM schools sc{}", w.where_()), w.args, &mut |r| {
                inside.push(r.string(0)?);
                Ok(())
            })?;
            if inside.is_empty() {
                continue;
            }
            let mut w = Where::new(self.map_dialect());
            let list: Vec<String> = inside.iter().map(|c| w.arg(c.as_str())).collect();
            w.cond(format!("school_code IN ({})", list.join(", ")));
            self.map_note_rows(&format!("SELECT {NOTE_COLS} FROM school_notes{}", w.where_()), w.args, &mut |r| {
                let n = note_of(r)?;
                out.insert(n.school_code.clone(), n);
                Ok(())
            })?;
        }
        Ok(out)
    }

    fn set_catchment_note(&mut self, scope: &Scope, code: &str, note: &str, by: &str, at: i64) -> Result<Option<CatchmentNote>, StoreError> {
        let d = self.map_dialect();
        // The school's county, read without the scope: the write rule judges it.
        let mut county = None;
        self.map_base_rows(&d.render("SELECT region_code FROM schools WHERE school_code = ?1"), vec![code.into()], &mut |r| {
            county = r.string(0)?.parse::<u32>().ok();
            Ok(())
        })?;
        if county.is_none() || !scope.may_write(&Place::school_record(county)) {
            return Err(StoreError::OutOfScope);
        }
        let before = {
            let mut n = None;
            self.map_note_rows(&d.render(&format!("SELECT {NOTE_COLS} FROM school_notes WHERE school_code = ?1")), vec![code.into()], &mut |r| {
                n = Some(note_of(r)?);
                Ok(())
            })?;
            n
        };
        let text: String = note.trim().chars().take(NOTE_MAX).collect();
        if text.is_empty() {
            self.map_note_exec(&d.render("DELETE FROM school_notes WHERE school_code = ?1"), vec![code.into()])?;
        } else {
            self.map_note_exec(
                &d.render(
                    "INSERT INTO school_notes (school_code, note, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (school_code) DO UPDATE SET note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                ),
                vec![code.into(), text.into(), by.into(), Arg::I64(at)],
            )?;
        }
        Ok(before)
    }
}

/// Who writes catchment notes: the officers who may write schools (province, city, county); the
/// store judges the school's county against their area.
pub fn role_writes(role: crate::Role) -> bool {
    matches!(role, crate::Role::ProvinceAdmin | crate::Role::CityOfficer | crate::Role::CountyOfficer)
}
