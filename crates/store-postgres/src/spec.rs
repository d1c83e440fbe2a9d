//! Which table holds which template field: derived from the templates, so the SQL the backend
//! writes cannot drift from the standard.

use standard::Entity;
use std::sync::LazyLock;
use store::keys::ENROLMENT_FIELDS;

pub struct Spec {
    pub entity: Entity,
    /// The main table: `schools`, `teachers`, `students`.
    pub table: &'static str,
    /// Its key column: `school_code` (a template field) or `record_key`.
    pub key_col: &'static str,
    /// Every template field, in template order.
    pub fields: Vec<&'static str>,
    /// The template fields stored in the main table, in template order.
    pub main: Vec<&'static str>,
    /// The fields stored in `enrolments` (students only), in template order.
    pub enrol: Vec<&'static str>,
    /// Template indices of `main` and `enrol`.
    pub main_idx: Vec<usize>,
    pub enrol_idx: Vec<usize>,
    pub school_idx: Option<usize>,
    pub region_idx: Option<usize>,
    pub grade_idx: Option<usize>,
}

impl Spec {
    fn new(entity: Entity) -> Spec {
        let t = entity.template();
        let fields: Vec<&'static str> = t.fields.iter().map(|f| f.key).collect();
        let is_enrol = |k: &str| entity == Entity::Student && ENROLMENT_FIELDS.contains(&k);
        Spec {
            entity,
            table: match entity {
                Entity::School => "schools",
                Entity::Teacher => "teachers",
                Entity::Student => "students",
                Entity::Conditions => "conditions",
            },
            key_col: if entity == Entity::School {
                "school_code"
            } else {
                "record_key"
            },
            main: fields.iter().copied().filter(|k| !is_enrol(k)).collect(),
            enrol: fields.iter().copied().filter(|k| is_enrol(k)).collect(),
            main_idx: (0..fields.len())
                .filter(|&i| !is_enrol(fields[i]))
                .collect(),
            enrol_idx: (0..fields.len()).filter(|&i| is_enrol(fields[i])).collect(),
            school_idx: t.index("school_code"),
            region_idx: t.index("region_code"),
            grade_idx: t.index("grade"),
            fields,
        }
    }

    pub fn of(entity: Entity) -> &'static Spec {
        static SPECS: LazyLock<[Spec; 4]> = LazyLock::new(|| {
            [
                Spec::new(Entity::School),
                Spec::new(Entity::Teacher),
                Spec::new(Entity::Student),
                Spec::new(Entity::Conditions),
            ]
        });
        match entity {
            Entity::School => &SPECS[0],
            Entity::Teacher => &SPECS[1],
            Entity::Student => &SPECS[2],
            Entity::Conditions => &SPECS[3],
        }
    }

    /// The main table's columns written at insert: the key (unless it is a template field),
    /// the main fields, then row_hash, batch_id, updated_at.
    pub fn insert_columns(&self) -> String {
        let mut cols = Vec::new();
        if self.key_col == "record_key" {
            cols.push("record_key".to_string());
        }
        cols.extend(self.main.iter().map(|k| q(k)));
        cols.extend(["row_hash", "batch_id", "updated_at"].map(String::from));
        cols.join(", ")
    }

    /// The same, as expressions over the staging alias `c` ($1 = batch id, $2 = timestamp).
    pub fn insert_values(&self) -> String {
        let mut cols = Vec::new();
        if self.key_col == "record_key" {
            cols.push("c.record_key".to_string());
        }
        cols.extend(self.main.iter().map(|k| format!("c.{}", q(k))));
        cols.extend(["c.row_hash", "$1", "$2"].map(String::from));
        cols.join(", ")
    }

    /// The enrolments columns written at insert (students).
    pub fn enrol_columns(&self) -> String {
        let mut cols = vec!["record_key".to_string()];
        cols.extend(self.enrol.iter().map(|k| q(k)));
        cols.extend(["county_code", "batch_id"].map(String::from));
        cols.join(", ")
    }

    /// Template-ordered SELECT list: main fields from `t`, enrolment fields from `e`.
    pub fn select_list(&self) -> String {
        self.fields
            .iter()
            .map(|k| {
                format!(
                    "{}.{}",
                    if self.enrol.contains(k) { "e" } else { "t" },
                    q(k)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// FROM clause for reading records: `t` (and `e` for students).
    pub fn record_tables(&self) -> String {
        if self.entity == Entity::Student {
            "students t JOIN enrolments e ON e.record_key = t.record_key".to_string()
        } else {
            format!("{} t", self.table)
        }
    }
}

/// A quoted identifier (the template keys are plain lower-case words, but `name`, `title` and
/// the like are keywords in some dialects).
pub fn q(ident: &str) -> String {
    format!("\"{ident}\"")
}

/// The collation clause of a staged or stored field: codes compared across tables use "C".
pub fn collate(field: &str) -> &'static str {
    if field == "school_code" {
        " COLLATE \"C\""
    } else {
        ""
    }
}
