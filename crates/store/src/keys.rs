//! Natural keys and row hashes, shared by every backend so that they agree to the byte.

use standard::Entity;

/// The natural key of a record given its template-ordered values:
/// - school: the 学校标识码;
/// - teacher: the ID number when the document is a resident ID card (type 1 or empty), else
///   `{type}:{number}` (e.g. `A:E12345678`);
/// - student: the ID number when the document is a resident ID card and one is given, else the
///   学籍号 (which then starts with G, J or L and cannot clash with an 18-digit ID number).
///
/// - conditions (办学条件): `{学校标识码}/{学年}`, e.g. `2151040001/2024-2025`.
///
/// None when the record has nothing to key on (a teacher with no document number).
pub fn record_key(entity: Entity, values: &[&str]) -> Option<String> {
    let t = entity.template();
    let get = |k: &str| t.index(k).map(|i| values.get(i).copied().unwrap_or("")).unwrap_or("");
    match entity {
        Entity::School => Some(get("school_code").to_string()).filter(|k| !k.is_empty()),
        Entity::Teacher => {
            let (ty, n) = (get("id_type"), get("id_number"));
            if n.is_empty() {
                None
            } else if ty.is_empty() || ty == "1" {
                Some(n.to_string())
            } else {
                Some(format!("{ty}:{n}"))
            }
        }
        Entity::Student => {
            let (ty, n) = (get("id_type"), get("id_number"));
            if (ty.is_empty() || ty == "1") && !n.is_empty() {
                Some(n.to_string())
            } else {
                Some(get("student_id").to_string()).filter(|k| !k.is_empty())
            }
        }
        Entity::Conditions => conditions_key(get("school_code"), get("school_year")),
    }
}

/// The key of a school's conditions in a school year (see [`record_key`]).
pub fn conditions_key(school: &str, year: &str) -> Option<String> {
    (!school.is_empty() && !year.is_empty()).then(|| format!("{school}/{year}"))
}

/// A 64-bit hash of a record's values (FNV-1a over the values with a separator), stored beside
/// each record: an unchanged row is recognised without comparing field by field.
pub fn row_hash(values: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.bytes().chain(std::iter::once(0x1f)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h as i64
}

/// Student fields that make up the current enrolment (stored in `enrolments`, not `students`).
pub const ENROLMENT_FIELDS: [&str; 4] = ["school_code", "grade", "class_name", "enrollment_date"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let t = Entity::Student.template();
        let mut v = vec![""; t.fields.len()];
        v[t.index("student_id").unwrap()] = "G11010519491231002X";
        v[t.index("id_number").unwrap()] = "11010519491231002X";
        assert_eq!(record_key(Entity::Student, &v).unwrap(), "11010519491231002X");
        v[t.index("id_type").unwrap()] = "A";
        v[t.index("student_id").unwrap()] = "J51010420100901123X";
        assert_eq!(record_key(Entity::Student, &v).unwrap(), "J51010420100901123X");
        assert_ne!(row_hash(&["a", "b"]), row_hash(&["ab", ""]));
    }
}
