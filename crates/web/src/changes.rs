//! A record's change history (异动) as people read it, and the names of schools beside their
//! 学校标识码: values through the same masks as the record (a personal field's old and new values
//! are masked unless the record is revealed, which the reveal route audits).

use crate::present::{label, label_en, label_zh};
use standard::Entity;
use std::collections::BTreeMap;
use store::{mask, Browse, History, Record};

/// One changed field, as shown.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub at: String,
    pub batch_id: i64,
    pub field_zh: &'static str,
    pub field_en: String,
    pub old_value: String,
    pub new_value: String,
    pub masked: bool,
}

/// One move between schools, as shown (school names beside their codes).
#[derive(Debug, Clone)]
pub struct MoveRow {
    pub date: String,
    pub batch_id: i64,
    pub from: String,
    pub to: String,
}

/// The history of a record ready for a page; `names` gives schools' names by code.
#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    pub changes: Vec<ChangeRow>,
    pub moves: Vec<MoveRow>,
}

impl HistoryView {
    pub fn new(entity: Entity, h: &History, names: &BTreeMap<String, String>, reveal: bool) -> HistoryView {
        let t = entity.template();
        let changes = h
            .changes
            .iter()
            .map(|c| {
                let f = t.index(&c.field).map(|i| &t.fields[i]);
                let personal = crate::present::is_personal(entity, &c.field);
                let masked = personal && !reveal;
                let show = |v: &str| match f {
                    _ if v.is_empty() => String::new(),
                    _ if masked => mask::field(entity, &c.field, v),
                    _ if c.field == "school_code" => school_label(v, names),
                    Some(f) => label(&f.kind, v),
                    None => v.to_string(),
                };
                ChangeRow {
                    at: when(&c.at),
                    batch_id: c.batch_id,
                    field_zh: f.map(|f| label_zh(f.key, f.zh)).unwrap_or("其他"),
                    field_en: f.map(|f| label_en(f.key)).unwrap_or_else(|| "Other".into()),
                    old_value: show(&c.old_value),
                    new_value: show(&c.new_value),
                    masked: masked && !(c.old_value.is_empty() && c.new_value.is_empty()),
                }
            })
            .collect();
        let moves = h.transfers.iter().map(|m| MoveRow { date: m.date.clone(), batch_id: m.batch_id, from: school_label(&m.from_school, names), to: school_label(&m.to_school, names) }).collect();
        HistoryView { changes, moves }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.moves.is_empty()
    }
}

/// The school codes a history names (to look their names up).
pub fn school_codes(h: &History) -> Vec<String> {
    let mut v: Vec<String> = h.transfers.iter().flat_map(|m| [m.from_school.clone(), m.to_school.clone()]).collect();
    v.extend(h.changes.iter().filter(|c| c.field == "school_code").flat_map(|c| [c.old_value.clone(), c.new_value.clone()]));
    v
}

/// `2026-12-06T10:33:29Z` → `2026-12-06 10:33`.
fn when(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => at.to_string(),
    }
}

/// A school as people read it: its name, then its code (`锦江实验小学（2151010401）`); the code
/// alone when the name is unknown.
pub fn school_label(code: &str, names: &BTreeMap<String, String>) -> String {
    match names.get(code) {
        Some(n) if !code.is_empty() => format!("{n}（{code}）"),
        _ => code.to_string(),
    }
}

/// The names of these schools. A school's name is not personal data, and the codes come from
/// records the caller may read; schools that are no longer stored are left out.
pub fn school_names<S: Browse + ?Sized>(s: &mut S, codes: impl IntoIterator<Item = String>) -> Result<BTreeMap<String, String>, store::StoreError> {
    let mut out = BTreeMap::new();
    for code in codes {
        if out.contains_key(&code) || code.is_empty() {
            continue;
        }
        let Ok(n) = code.parse::<i64>() else { continue };
        if let Some(u) = s.org_unit(n)?.filter(|u| u.level == store::OrgLevel::School) {
            out.insert(code, u.name);
        }
    }
    Ok(out)
}

/// The school codes of a page of records.
pub fn codes_of(entity: Entity, rows: &[Record]) -> Vec<String> {
    let i = entity.template().index("school_code");
    rows.iter().filter_map(|r| i.and_then(|i| r.get(i))).map(str::to_string).collect()
}
