//! Records as people read them: code values with their names, personal fields masked unless
//! revealed (store::mask, as `tianfu export` does).

use serde::Serialize;
use standard::codes::{DIVISIONS, ETHNIC_GROUPS, GENDERS, SCHOOL_TYPES, URBAN_RURAL};
use standard::template::Kind;
use standard::Entity;
use store::{mask, Record};

/// Personal fields: masked for everyone by default (the one list, [`store::mask::kind_of`]).
pub fn is_personal(entity: Entity, key: &str) -> bool {
    mask::is_personal(entity, key)
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
        Kind::Grade => v.parse().ok().map(|g| crate::labels::grade_names(g).0),
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
    let v = r.get(i)?;
    let masked = is_personal(entity, f.key) && !reveal && !v.is_empty();
    let value = if masked { mask::field(entity, f.key, v) } else { label(&f.kind, v) };
    Some(Cell { key: f.key, header: label_zh(f.key, f.zh), value, masked })
}

/// The value of one field.
pub fn get<'a>(entity: Entity, r: &'a Record, key: &str) -> &'a str {
    entity.template().index(key).and_then(|i| r.get(i)).unwrap_or("")
}

/// How a revealed record is named in the audit log: masked like the lists (the auditor must not
/// read personal data there either), e.g. `student:510104********2778`.
pub fn audit_target(entity: Entity, key: &str) -> String {
    format!("{}:{}", entity.key(), mask::id_number(key))
}

/// The particulars of a reveal: the school, the channel, and the keyed hash of the record's key
/// ([`crate::seal::audit_hash`]), by which an investigator on the server who holds the ID number
/// can find every access to it — and someone who reads only the log cannot recover it.
pub fn audit_detail(entity: Entity, r: &Record, via: &str) -> String {
    serde_json::json!({ "entity": entity.key(), "school": get(entity, r, "school_code"), "via": via, "key_hmac": crate::seal::audit_hash(&r.key) }).to_string()
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
        for (f, v) in t.fields.iter().zip(self.record.values()) {
            if is_personal(self.entity, f.key) && !self.reveal && !v.is_empty() {
                m.serialize_entry(f.key, &mask::field(self.entity, f.key, v))?;
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

/// A page of records as JSON, `{"items": [...], "next": "..."|null}` (`next` already sealed), each item as
/// [`JsonRecord`] writes it (the same bytes): written straight into one buffer sized for the
/// page, masked values built in one scratch string, no `String` per field.
pub fn json_page(entity: Entity, rows: &[Record], next: Option<&str>) -> Vec<u8> {
    let fields = json_fields(entity);
    let mut out = Vec::with_capacity(64 + rows.len() * JSON_RECORD_BYTES);
    let mut scratch = String::new();
    out.extend_from_slice(b"{\"items\":[");
    for (n, r) in rows.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.push(b'{');
        let mut first = true;
        for (f, v) in fields.iter().zip(r.values()) {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(f.prefix.as_bytes());
            if let (Some(kind), false) = (f.mask, v.is_empty()) {
                scratch.clear();
                mask::apply_into(kind, v, &mut scratch);
                push_json_str(&mut out, &scratch);
            } else {
                push_json_str(&mut out, v);
            }
        }
        if entity != Entity::School {
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(b"\"ref\":\"");
            crate::seal::seal_into(&r.key, &mut out);
            out.push(b'"');
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"next\":");
    match next {
        Some(c) => push_json_str(&mut out, c),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
    out
}

/// Room reserved per record of a JSON page (a generated student is about 650 bytes).
const JSON_RECORD_BYTES: usize = 768;

/// A template field as [`json_page`] writes it.
struct JsonField {
    /// `"key":`, escaped once.
    prefix: String,
    mask: Option<mask::Kind>,
}

fn json_fields(entity: Entity) -> &'static [JsonField] {
    static F: std::sync::LazyLock<[Vec<JsonField>; 4]> = std::sync::LazyLock::new(|| {
        [Entity::School, Entity::Teacher, Entity::Student, Entity::Conditions].map(|e| {
            e.template()
                .fields
                .iter()
                .map(|f| {
                    let mut prefix = Vec::new();
                    push_json_str(&mut prefix, f.key);
                    prefix.push(b':');
                    JsonField { prefix: String::from_utf8(prefix).expect("UTF-8"), mask: mask::kind_of(e, f.key) }
                })
                .collect()
        })
    });
    match entity {
        Entity::School => &F[0],
        Entity::Teacher => &F[1],
        Entity::Student => &F[2],
        Entity::Conditions => &F[3],
    }
}

/// A JSON string as serde_json writes it: `"` and `\\` escaped, control characters as `\b`,
/// `\t`, `\n`, `\f`, `\r` or `\u00XX`, everything else (non-ASCII included) as it is.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let short: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        if short.is_empty() {
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// A row of a list page: where it links and its cells, masked.
#[derive(Serialize, Clone)]
pub struct Row {
    pub href: String,
    pub cells: Vec<Cell>,
}

/// The fields a list of people shows.
pub fn list_fields(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Student => &["student_id", "name", "gender_code", "birth_date", "school_code", "grade", "class_name"],
        _ => &["id_number", "name", "gender_code", "school_code", "subject", "title"],
    }
}

pub fn path_of(entity: Entity) -> &'static str {
    match entity {
        Entity::Student => "students",
        _ => "teachers",
    }
}

/// A list row: masked cells and a link by sealed key.
pub fn person_row(entity: Entity, r: &Record) -> Row {
    let fields = list_fields(entity);
    Row { href: format!("/{}/{}", path_of(entity), crate::seal::seal(&r.key)), cells: cells_of(entity, r, fields) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page writer gives exactly what serde_json gives for the same records.
    #[test]
    fn json_page_is_serde_json_byte_for_byte() {
        let t = Entity::Student.template();
        let tricky = ["", "a\"b\\c", "tab\tnl\ncr\rff\u{c}bs\u{8}", "\u{1}\u{1f}\u{7f}", "四川省成都市锦江区某路1号", "欧阳修文", "2014-09-01"];
        let rows: Vec<Record> = (0..7)
            .map(|n| {
                let values: Vec<String> = t.fields.iter().enumerate().map(|(i, f)| match f.key {
                    "id_number" if n == 1 => "51010420140901002X".to_string(),
                    "name" if n == 2 => "欧阳修文".to_string(),
                    "student_id" if n == 3 => "G51010420140901002X".to_string(),
                    "guardian_phone" if n == 3 => "13812345678".to_string(),
                    "birth_date" if n == 4 => "201".to_string(),
                    _ => tricky[(i + n) % tricky.len()].to_string(),
                }).collect();
                Record::from_values(format!("key-{n}\"\u{2}"), &values)
            })
            .collect();
        for next in [None, Some("0123abcdef")] {
            for (entity, rows) in [(Entity::Student, &rows[..]), (Entity::Student, &rows[..0]), (Entity::School, &rows[..2])] {
                let items: Vec<String> = rows.iter().map(|r| serde_json::to_string(&JsonRecord { entity, record: r, reveal: false }).unwrap()).collect();
                let want = format!("{{\"items\":[{}],\"next\":{}}}", items.join(","), serde_json::to_string(&next).unwrap());
                assert_eq!(String::from_utf8(json_page(entity, rows, next)).unwrap(), want);
            }
        }
        // The masks reached the output.
        let page = String::from_utf8(json_page(Entity::Student, &rows, None)).unwrap();
        assert!(page.contains("\"510104********002X\"") && page.contains("\"欧阳*\"") && page.contains("\"G510104********002X\""));
        assert!(page.contains("\"138****5678\"") && !page.contains("51010420140901002X"));
    }
}
