//! Records as people read them: code values with their names, personal fields masked unless
//! revealed (store::mask, as `tianfu export` does).

use serde::Serialize;
use standard::codes::{DIVISIONS, ETHNIC_GROUPS, GENDERS, SCHOOL_TYPES, URBAN_RURAL};
use standard::template::Kind;
use standard::Entity;
use store::{mask, Record};

/// Personal fields: masked for everyone by default.
pub fn is_personal(entity: Entity, key: &str) -> bool {
    match entity {
        Entity::School => false,
        Entity::Teacher => matches!(key, "id_number" | "name" | "phone" | "birth_date"),
        Entity::Student => matches!(key, "student_id" | "id_number" | "name" | "guardian_phone" | "address" | "birth_date"),
    }
}

pub fn mask_value(key: &str, v: &str) -> String {
    match key {
        "id_number" => mask::id_number(v),
        // A 学籍号 G+ID number carries the ID number: masked like it, the letter kept.
        "student_id" => match v.char_indices().nth(1) {
            Some((i, _)) => format!("{}{}", &v[..i], mask::id_number(&v[i..])),
            None => v.to_string(),
        },
        "name" => mask::name(v),
        "phone" | "guardian_phone" => mask::phone(v),
        "address" => mask::address(v),
        // Year only.
        "birth_date" => v.get(..4).map(|y| format!("{y}-**-**")).unwrap_or_default(),
        _ => v.to_string(),
    }
}

/// A value with its code table's name, e.g. `211 小学`.
pub fn label(kind: &Kind, v: &str) -> String {
    if v.is_empty() {
        return String::new();
    }
    let name = match kind {
        Kind::Gender => GENDERS.get(v).map(|c| c.name.clone()),
        Kind::Ethnicity => ETHNIC_GROUPS.get(v).map(|c| c.name.clone()),
        Kind::SchoolType => SCHOOL_TYPES.get(v).map(|c| c.name.clone()),
        Kind::UrbanRural => URBAN_RURAL.get(v).map(|c| c.name.clone()),
        Kind::Region => v.parse().ok().and_then(|c| DIVISIONS.get(c)).map(|d| d.name.clone()),
        Kind::Grade => v.parse().ok().map(|g| crate::routes::overview::grade_names(g).0),
        Kind::Xueji(t) => standard::codes::xueji(t).and_then(|t| t.get(v)).map(|c| c.name.clone()),
        Kind::IdType => standard::codes::xueji("SFZJLX").and_then(|t| t.get(v)).map(|c| c.name.clone()),
        _ => None,
    };
    match name {
        Some(n) if matches!(kind, Kind::Gender | Kind::Grade) => n,
        Some(n) => format!("{v} {n}"),
        None => v.to_string(),
    }
}

/// One field as shown.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub key: &'static str,
    pub header: &'static str,
    pub value: String,
    pub masked: bool,
}

impl Cell {
    pub fn header_en(&self) -> String {
        label_en(self.key)
    }
}

/// A field's label for people: the template's header without the data dictionary's "码" where
/// the value is shown with its name (性别码 → 性别).
pub fn label_zh(key: &str, zh: &'static str) -> &'static str {
    match key {
        "gender_code" | "ethnicity_code" | "region_code" => zh.strip_suffix('码').unwrap_or(zh),
        _ => zh,
    }
}

pub fn label_en(key: &str) -> String {
    match key {
        "id_number" => "ID number".into(),
        "id_type" => "ID document".into(),
        "student_id" => "Student number".into(),
        "gender_code" => "Sex".into(),
        "ethnicity_code" => "Ethnic group".into(),
        "region_code" => "Region".into(),
        "school_code" => "School identifier".into(),
        "name" => "Name".into(),
        k => {
            let s = k.replace('_', " ");
            let mut c = s.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        }
    }
}

/// A record for display: every field, personal ones masked unless `reveal`.
pub fn cells(entity: Entity, r: &Record, reveal: bool) -> Vec<Cell> {
    let t = entity.template();
    (0..t.fields.len()).filter_map(|i| cell(entity, r, i, reveal)).collect()
}

/// Only the named fields, in that order (a list row computes no more than it shows).
pub fn cells_of(entity: Entity, r: &Record, keys: &[&str]) -> Vec<Cell> {
    let t = entity.template();
    keys.iter().filter_map(|k| t.index(k)).filter_map(|i| cell(entity, r, i, false)).collect()
}

fn cell(entity: Entity, r: &Record, i: usize, reveal: bool) -> Option<Cell> {
    let f = entity.template().fields.get(i)?;
    let v = r.values.get(i)?;
    let masked = is_personal(entity, f.key) && !reveal && !v.is_empty();
    let value = if masked { mask_value(f.key, v) } else { label(&f.kind, v) };
    Some(Cell { key: f.key, header: label_zh(f.key, f.zh), value, masked })
}

/// The value of one field.
pub fn get<'a>(entity: Entity, r: &'a Record, key: &str) -> &'a str {
    entity.template().index(key).and_then(|i| r.values.get(i)).map_or("", String::as_str)
}

/// How a revealed record is named in the audit log: masked like the lists (the auditor must not
/// read personal data there either), e.g. `student:510104********2778`.
pub fn audit_target(entity: Entity, key: &str) -> String {
    format!("{}:{}", entity.key(), mask::id_number(key))
}

/// The particulars of a reveal: the school, the channel, and the SHA-256 of the record's key, by
/// which an investigator who holds the ID number can find every access to it exactly.
pub fn audit_detail(entity: Entity, r: &Record, via: &str) -> String {
    serde_json::json!({ "entity": entity.key(), "school": get(entity, r, "school_code"), "via": via, "key_sha256": crate::auth::sha256_hex(&r.key) }).to_string()
}

/// A record as JSON, written straight to the output (no intermediate map: an API page of 100
/// students is 1,900 fields, and building maps of them spent most of the request in malloc).
pub struct JsonRecord<'a> {
    pub entity: Entity,
    pub record: &'a Record,
    pub reveal: bool,
}

impl serde::Serialize for JsonRecord<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let t = self.entity.template();
        let with_ref = self.entity != Entity::School;
        let mut m = s.serialize_map(Some(t.fields.len() + with_ref as usize))?;
        for (f, v) in t.fields.iter().zip(&self.record.values) {
            if is_personal(self.entity, f.key) && !self.reveal && !v.is_empty() {
                m.serialize_entry(f.key, &mask_value(f.key, v))?;
            } else {
                m.serialize_entry(f.key, v)?;
            }
        }
        if with_ref {
            m.serialize_entry("ref", &crate::seal::seal(&self.record.key))?;
        }
        m.end()
    }
}

/// A page of records as JSON: `{"items": [...], "next": "..."|null}`.
pub struct JsonPage<'a> {
    pub entity: Entity,
    pub rows: &'a [Record],
    pub next: Option<String>,
}

impl serde::Serialize for JsonPage<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Items<'b>(Entity, &'b [Record]);
        impl serde::Serialize for Items<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut q = s.serialize_seq(Some(self.1.len()))?;
                for r in self.1 {
                    q.serialize_element(&JsonRecord { entity: self.0, record: r, reveal: false })?;
                }
                q.end()
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("items", &Items(self.entity, self.rows))?;
        m.serialize_entry("next", &self.next.as_deref().map(crate::seal::seal))?;
        m.end()
    }
}
