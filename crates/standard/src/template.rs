//! Entity templates: the columns of the school, teacher and student records, with their keys,
//! Chinese headers, requirement and code tables.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    School,
    Teacher,
    Student,
}

impl Entity {
    pub const ALL: [Entity; 3] = [Entity::School, Entity::Teacher, Entity::Student];

    pub fn key(self) -> &'static str {
        match self {
            Entity::School => "school",
            Entity::Teacher => "teacher",
            Entity::Student => "student",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Entity::School => "学校",
            Entity::Teacher => "教师",
            Entity::Student => "学生",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.key() == s || e.zh() == s)
    }

    pub fn template(self) -> &'static Template {
        match self {
            Entity::School => &SCHOOL,
            Entity::Teacher => &TEACHER,
            Entity::Student => &STUDENT,
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What a field holds, which decides how it is normalised and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text with a maximum length in characters.
    Text(usize),
    IdType,
    IdNumber,
    StudentId,
    SchoolCode,
    CreditCode,
    Mobile,
    /// A landline or mobile number: digits with an optional area code.
    Phone,
    Date,
    YearMonth,
    Gender,
    Ethnicity,
    Region,
    Grade,
    SchoolType,
    UrbanRural,
    Longitude,
    Latitude,
    PostalCode,
    /// A code from one of the 学籍 registry enumerations (e.g. "JDFS").
    Xueji(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    Yes,
    No,
    /// Required when the record's ID document type is 1 (居民身份证).
    IfResidentId,
}

#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub zh: &'static str,
    /// Other headers seen in the wild for the same column.
    pub aliases: &'static [&'static str],
    pub required: Required,
    pub kind: Kind,
    /// The code table, where the field is coded.
    pub table: Option<&'static str>,
    pub note: &'static str,
}

#[derive(Debug)]
pub struct Template {
    pub entity: Entity,
    pub fields: &'static [Field],
}

impl Template {
    pub fn index(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }

    /// Finds the field a header names: the English key, the Chinese header or an alias,
    /// ignoring case, surrounding spaces and a trailing `*` (a common mark for required columns).
    pub fn match_header(&self, header: &str) -> Option<usize> {
        let h = header.trim().trim_end_matches(['*', '＊']).trim();
        self.fields.iter().position(|f| {
            f.key.eq_ignore_ascii_case(h) || f.zh == h || f.aliases.iter().any(|a| *a == h)
        })
    }
}

macro_rules! field {
    ($key:literal, $zh:literal, [$($alias:literal),*], $req:ident, $kind:expr, $table:expr, $note:literal) => {
        Field { key: $key, zh: $zh, aliases: &[$($alias),*], required: Required::$req, kind: $kind, table: $table, note: $note }
    };
}

pub static STUDENT: Template = Template {
    entity: Entity::Student,
    fields: &[
        field!("student_id", "学籍号", ["全国学籍号", "学籍编号"], Yes, Kind::StudentId, None, "G+ID number, J+18-character code, or L+region+birth date+4 digits"),
        field!("id_type", "身份证件类型", ["证件类型", "身份证件类型码"], No, Kind::IdType, Some("SFZJLX"), "学籍 SFZJLX; empty means 1 居民身份证"),
        field!("id_number", "身份证件号", ["身份证号", "身份证件号码", "身份证号码", "证件号码"], IfResidentId, Kind::IdNumber, None, "GB 11643-1999 when the document is a resident ID card"),
        field!("name", "姓名", ["学生姓名"], Yes, Kind::Text(50), None, ""),
        field!("gender_code", "性别码", ["性别"], No, Kind::Gender, Some("gender"), "1 male, 2 female; must agree with the ID number"),
        field!("birth_date", "出生日期", [], No, Kind::Date, None, "must agree with the ID number"),
        field!("ethnicity_code", "民族码", ["民族"], No, Kind::Ethnicity, Some("ethnicity"), ""),
        field!("region_code", "行政区划码", ["户籍所在地行政区划码", "行政区划"], No, Kind::Region, Some("divisions"), "county-level code in the configured province"),
        field!("school_code", "学校标识码", ["学校代码"], No, Kind::SchoolCode, Some("school_id_category"), ""),
        field!("grade", "年级", ["年级码"], No, Kind::Grade, None, "11–16 primary, 21–23 junior secondary, 31–33 senior secondary"),
        field!("class_name", "班级", ["班级名称"], No, Kind::Text(30), None, ""),
        field!("enrollment_date", "入学年月", ["入学日期"], No, Kind::YearMonth, None, "stored as YYYY-MM"),
        field!("guardian_phone", "监护人电话", ["监护人联系电话", "联系电话"], No, Kind::Mobile, None, ""),
        field!("address", "现住址", ["家庭住址", "住址"], No, Kind::Text(200), None, ""),
        field!("boarding", "就读方式", [], No, Kind::Xueji("JDFS"), Some("JDFS"), "学籍 JDFS: 1 走读, 2 住校"),
        field!("left_behind", "是否留守儿童", ["留守儿童"], No, Kind::Xueji("SFLSET"), Some("SFLSET"), "学籍 SFLSET: 0, 1, 2"),
        field!("migrant_child", "是否进城务工人员随迁子女", ["随迁子女"], No, Kind::Xueji("SFSQZN"), Some("SFSQZN"), "学籍 SFSQZN: 0, 1"),
    ],
};

pub static TEACHER: Template = Template {
    entity: Entity::Teacher,
    fields: &[
        field!("id_type", "身份证件类型", ["证件类型"], No, Kind::IdType, Some("SFZJLX"), "empty means 1 居民身份证"),
        field!("id_number", "身份证件号", ["身份证号", "身份证件号码", "身份证号码", "证件号码"], IfResidentId, Kind::IdNumber, None, "GB 11643-1999"),
        field!("name", "姓名", ["教师姓名"], Yes, Kind::Text(50), None, ""),
        field!("gender_code", "性别码", ["性别"], No, Kind::Gender, Some("gender"), ""),
        field!("birth_date", "出生日期", [], No, Kind::Date, None, ""),
        field!("ethnicity_code", "民族码", ["民族"], No, Kind::Ethnicity, Some("ethnicity"), ""),
        field!("school_code", "学校标识码", ["学校代码", "任职学校标识码"], Yes, Kind::SchoolCode, Some("school_id_category"), ""),
        field!("hire_date", "入职日期", ["进本校年月", "参加工作年月", "入职年月"], No, Kind::Date, None, ""),
        field!("subject", "任教学科", ["学科"], No, Kind::Text(30), None, ""),
        field!("phone", "手机号码", ["联系电话", "手机号"], No, Kind::Mobile, None, ""),
        field!("education", "最高学历", ["学历"], No, Kind::Text(30), None, "e.g. 本科, 硕士研究生"),
        field!("title", "专业技术职务", ["职称"], No, Kind::Text(30), None, "e.g. 一级教师, 高级教师"),
    ],
};

pub static SCHOOL: Template = Template {
    entity: Entity::School,
    fields: &[
        field!("school_code", "学校标识码", ["学校代码"], Yes, Kind::SchoolCode, Some("school_id_category"), ""),
        field!("name", "学校名称", ["名称"], Yes, Kind::Text(100), None, ""),
        field!("school_type", "办学类型", ["办学类型码"], Yes, Kind::SchoolType, Some("school_type"), "JY/T 1001 level-3 code"),
        field!("region_code", "行政区划码", ["所在地行政区划码", "行政区划"], Yes, Kind::Region, Some("divisions"), "county-level code in the configured province"),
        field!("urban_rural", "城乡分类", ["城乡分类码"], No, Kind::UrbanRural, Some("urban_rural"), ""),
        field!("credit_code", "统一社会信用代码", ["信用代码"], No, Kind::CreditCode, None, "GB 32100-2015"),
        field!("address", "地址", ["学校地址", "详细地址"], No, Kind::Text(200), None, ""),
        field!("longitude", "经度", [], No, Kind::Longitude, None, "decimal degrees"),
        field!("latitude", "纬度", [], No, Kind::Latitude, None, "decimal degrees"),
        field!("principal", "校长", ["校长姓名"], No, Kind::Text(50), None, ""),
        field!("phone", "联系电话", ["电话"], No, Kind::Phone, None, "landline with area code, or mobile"),
        field!("postal_code", "邮政编码", ["邮编"], No, Kind::PostalCode, None, ""),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_by_key_chinese_and_alias() {
        let t = Entity::Student.template();
        assert_eq!(t.match_header("student_id"), Some(0));
        assert_eq!(t.match_header("学籍号"), Some(0));
        assert_eq!(t.match_header(" 身份证号 "), Some(2));
        assert_eq!(t.match_header("姓名*"), Some(3));
        assert_eq!(t.match_header("nonsense"), None);
    }

    #[test]
    fn keys_and_headers_are_unique() {
        for e in Entity::ALL {
            let t = e.template();
            let mut seen = std::collections::HashSet::new();
            for f in t.fields {
                for h in [f.key, f.zh].iter().chain(f.aliases) {
                    assert!(seen.insert(*h), "{e}: {h} twice");
                }
            }
        }
    }
}
