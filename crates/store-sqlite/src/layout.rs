//! Where each template field of each entity lives, and the SQL built from it: the statements
//! follow the templates, so a field added to a template fails loudly (at prepare) until a
//! migration adds its column.

use std::sync::LazyLock;
use store::keys::ENROLMENT_FIELDS;
use store::Entity;

pub(crate) struct Layout {
    pub entity: Entity,
    /// The table holding the record (students: the personal fields).
    pub table: &'static str,
    /// Its integer row id column.
    pub rowid: &'static str,
    /// The column the natural key is found by.
    pub key_col: &'static str,
    /// True when the key has its own column (teachers, students); schools are keyed by a field.
    pub key_is_extra: bool,
    /// Template indices of the fields stored in `table`, in template order.
    pub main: Vec<usize>,
    /// Students: template indices of the enrolment fields, in `ENROLMENT_FIELDS` order.
    pub enrol: Vec<usize>,
    /// The record's values in template order, as a SELECT list over `from`.
    pub select: String,
    /// `students s LEFT JOIN enrolments e ...` or `schools s` etc.
    pub from: String,
    /// Each template field's expression in `select`.
    exprs: Vec<String>,
}

impl Layout {
    fn new(entity: Entity) -> Layout {
        let t = entity.template();
        let (table, rowid, key_col, key_is_extra) = match entity {
            Entity::School => ("schools", "rowid", "school_code", false),
            Entity::Teacher => ("teachers", "id", "record_key", true),
            Entity::Student => ("students", "id", "record_key", true),
            Entity::Conditions => ("conditions", "id", "record_key", true),
        };
        let is_enrol = |k: &str| entity == Entity::Student && ENROLMENT_FIELDS.contains(&k);
        let main = (0..t.fields.len())
            .filter(|&i| !is_enrol(t.fields[i].key))
            .collect();
        let enrol = if entity == Entity::Student {
            ENROLMENT_FIELDS
                .iter()
                .map(|k| t.index(k).expect("enrolment field in the student template"))
                .collect()
        } else {
            Vec::new()
        };
        let exprs: Vec<String> = t
            .fields
            .iter()
            .map(|f| {
                if is_enrol(f.key) {
                    format!("COALESCE(e.{}, '')", f.key)
                } else {
                    format!("s.{}", f.key)
                }
            })
            .collect();
        let select = exprs.join(", ");
        let from = if entity == Entity::Student {
            "students s LEFT JOIN enrolments e ON e.student_id = s.id".to_string()
        } else {
            format!("{table} s")
        };
        Layout {
            entity,
            table,
            rowid,
            key_col,
            key_is_extra,
            main,
            enrol,
            select,
            from,
            exprs,
        }
    }

    pub fn of(entity: Entity) -> &'static Layout {
        static L: LazyLock<[Layout; 4]> = LazyLock::new(|| {
            [
                Layout::new(Entity::School),
                Layout::new(Entity::Teacher),
                Layout::new(Entity::Student),
                Layout::new(Entity::Conditions),
            ]
        });
        match entity {
            Entity::School => &L[0],
            Entity::Teacher => &L[1],
            Entity::Student => &L[2],
            Entity::Conditions => &L[3],
        }
    }

    /// A SELECT list of only the template fields `fields`, in that order.
    pub fn select_of(&self, fields: &[usize]) -> String {
        fields.iter().map(|&i| self.exprs[i].as_str()).collect::<Vec<_>>().join(", ")
    }

    pub fn width(&self) -> usize {
        self.entity.template().fields.len()
    }

    fn col(&self, i: usize) -> &'static str {
        self.entity.template().fields[i].key
    }

    /// `SELECT rowid, row_hash` by key.
    pub fn find_sql(&self) -> String {
        format!(
            "SELECT {}, row_hash FROM {} WHERE {} = ?1",
            self.rowid, self.table, self.key_col
        )
    }

    /// `SELECT rowid, row_hash, school, county` by key: the record with its place in the tree
    /// (a school's region; a teacher's school and its region; a student's enrolment).
    pub fn find_place_sql(&self) -> String {
        match self.entity {
            Entity::School => "SELECT rowid, row_hash, NULL, region_code FROM schools WHERE school_code = ?1".into(),
            Entity::Teacher => "SELECT t.id, t.row_hash, t.school_code, s.region_code FROM teachers t \
                 LEFT JOIN schools s ON s.school_code = t.school_code WHERE t.record_key = ?1"
                .into(),
            Entity::Conditions => "SELECT t.id, t.row_hash, t.school_code, s.region_code FROM conditions t \
                 LEFT JOIN schools s ON s.school_code = t.school_code WHERE t.record_key = ?1"
                .into(),
            Entity::Student => "SELECT s.id, s.row_hash, e.school_code, e.county_code FROM students s \
                 LEFT JOIN enrolments e ON e.student_id = s.id WHERE s.record_key = ?1"
                .into(),
        }
    }

    /// Parameters: [key,] main fields..., row_hash, batch_id, updated_at. Does nothing when the
    /// key exists (the caller sees 0 changes).
    pub fn insert_sql(&self) -> String {
        let mut cols: Vec<&str> = Vec::new();
        if self.key_is_extra {
            cols.push(self.key_col);
        }
        cols.extend(self.main.iter().map(|&i| self.col(i)));
        cols.extend(["row_hash", "batch_id", "updated_at"]);
        let marks = (1..=cols.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO {} ({}) VALUES ({marks}) ON CONFLICT ({}) DO NOTHING",
            self.table,
            cols.join(", "),
            self.key_col
        )
    }

    /// Parameters: main fields..., row_hash, batch_id, updated_at, rowid.
    pub fn update_sql(&self) -> String {
        let mut sets: Vec<String> = self
            .main
            .iter()
            .enumerate()
            .map(|(n, &i)| format!("{} = ?{}", self.col(i), n + 1))
            .collect();
        let m = self.main.len();
        sets.push(format!("row_hash = ?{}", m + 1));
        sets.push(format!("batch_id = ?{}", m + 2));
        sets.push(format!("updated_at = ?{}", m + 3));
        format!(
            "UPDATE {} SET {} WHERE {} = ?{}",
            self.table,
            sets.join(", "),
            self.rowid,
            m + 4
        )
    }

    /// The stored values in template order (students: then the enrolment's county_code) by rowid.
    pub fn old_sql(&self) -> String {
        let extra = if self.entity == Entity::Student {
            ", e.county_code"
        } else {
            ""
        };
        format!(
            "SELECT {}{extra} FROM {} WHERE s.{} = ?1",
            self.select, self.from, self.rowid
        )
    }

    /// Students: parameters student_id, county_code, enrolment fields..., batch_id.
    pub fn enrol_upsert_sql(&self) -> String {
        let fields: Vec<&str> = self.enrol.iter().map(|&i| self.col(i)).collect();
        let n = fields.len();
        let marks = (1..=n + 3)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sets = fields
            .iter()
            .map(|f| format!("{f} = excluded.{f}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO enrolments (student_id, county_code, {}, batch_id) VALUES ({marks}) \
             ON CONFLICT (student_id) DO UPDATE SET county_code = excluded.county_code, {sets}, batch_id = excluded.batch_id",
            fields.join(", ")
        )
    }
}
