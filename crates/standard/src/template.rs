//! Entity templates: the columns of the school, teacher and student records, with their keys,
//! Chinese headers, requirement and code tables.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    School,
    Teacher,
    Student,
    /// 办学条件: a school's conditions in a school year ([`CONDITIONS`]). Not a register (not in
    /// [`Entity::ALL`]), but imported through the same spine: the same validation, batches,
    /// rejected-row reports and scope refusals.
    Conditions,
}

impl Entity {
    /// The three registers (schools, teachers, students).
    pub const ALL: [Entity; 3] = [Entity::School, Entity::Teacher, Entity::Student];
    /// Everything a file may be imported as: the registers, then the school conditions.
    pub const IMPORTS: [Entity; 4] = [Entity::School, Entity::Teacher, Entity::Student, Entity::Conditions];

    pub fn key(self) -> &'static str {
        match self {
            Entity::School => "school",
            Entity::Teacher => "teacher",
            Entity::Student => "student",
            Entity::Conditions => "conditions",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Entity::School => "学校",
            Entity::Teacher => "教师",
            Entity::Student => "学生",
            Entity::Conditions => "办学条件",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        Entity::IMPORTS.into_iter().find(|e| e.key() == s || e.zh() == s)
    }

    pub fn template(self) -> &'static Template {
        match self {
            Entity::School => &SCHOOL,
            Entity::Teacher => &TEACHER,
            Entity::Student => &STUDENT,
            Entity::Conditions => &CONDITIONS,
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
    /// A code from a short list fixed by the standard ([`Choices`]); the name is also accepted.
    Choice(&'static Choices),
    /// A school year written `2024-2025` (two consecutive years).
    SchoolYear,
    /// A non-negative decimal number (area in m², value in yuan) at most `max`.
    Amount(u64),
    /// A non-negative whole number at most `max`.
    Count(u64),
}

/// A short code list fixed by the standard (no national table to embed), e.g. 是/否.
#[derive(Debug, PartialEq, Eq)]
pub struct Choices {
    pub id: &'static str,
    pub title_zh: &'static str,
    /// Where the list comes from.
    pub standard: &'static str,
    /// (code, name).
    pub codes: &'static [(&'static str, &'static str)],
}

impl Choices {
    pub fn contains(&self, code: &str) -> bool {
        self.codes.iter().any(|(c, _)| *c == code)
    }
    pub fn by_name(&self, name: &str) -> Option<&'static str> {
        self.codes.iter().find(|(_, n)| *n == name).map(|(c, _)| *c)
    }
}

/// 是否: 0 否, 1 是 (the 是否 codes of JY/T 1001).
pub static YES_NO: Choices = Choices { id: "SF", title_zh: "是否", standard: "JY/T 1001-2012 是否标志", codes: &[("0", "否"), ("1", "是")] };

/// 骨干教师级别. No national code table: Tianfu's list, in rising order; 2 and above count as
/// "county level and above" (教督〔2017〕6号).
pub static BACKBONE: Choices = Choices {
    id: "GGJB",
    title_zh: "骨干教师级别",
    standard: "天府平台代码（无国家代码表；县级及以上为 2–5）",
    codes: &[("0", "无"), ("1", "校级"), ("2", "县级"), ("3", "市级"), ("4", "省级"), ("5", "国家级")],
};

/// 残疾类型, the categories of GB/T 26341-2010 (0 = none).
pub static DISABILITY: Choices = Choices {
    id: "CJLX",
    title_zh: "残疾类型",
    standard: "GB/T 26341-2010 残疾人残疾分类和分级",
    codes: &[("0", "无"), ("1", "视力残疾"), ("2", "听力残疾"), ("3", "言语残疾"), ("4", "肢体残疾"), ("5", "智力残疾"), ("6", "精神残疾"), ("7", "多重残疾")],
};

/// Every [`Choices`] list, for the 数据标准 page.
pub static CHOICES: [&Choices; 3] = [&YES_NO, &BACKBONE, &DISABILITY];

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

/// What a template's rows are: one of the three registers, or a school's conditions in a school
/// year (办学条件, keyed by school and year, not a register of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Register(Entity),
    /// 办学条件: [`CONDITIONS`].
    Conditions,
}

#[derive(Debug)]
pub struct Template {
    pub form: Form,
    pub fields: &'static [Field],
}

impl Template {
    /// The register the template is of; None for the school conditions.
    pub fn entity(&self) -> Option<Entity> {
        match self.form {
            Form::Register(e) => Some(e),
            Form::Conditions => None,
        }
    }

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

impl Required {
    /// How the 数据标准 page and the template's explanation sheet say it.
    pub fn zh(self) -> &'static str {
        match self {
            Required::Yes => "必填",
            Required::No => "选填",
            Required::IfResidentId => "证件类型为居民身份证时必填",
        }
    }
}

impl Kind {
    /// What a value of this kind looks like, in Chinese, for people filling a template.
    pub fn zh(self) -> String {
        match self {
            Kind::Text(n) => format!("文字，最多 {n} 个字"),
            Kind::IdType => "身份证件类型代码，空白视为 1（居民身份证）".into(),
            Kind::IdNumber => "18 位公民身份号码（GB 11643-1999），末位校验码可为 X".into(),
            Kind::StudentId => "全国学籍号：G+身份证件号，或 J+18 位编码，或 L+行政区划码+出生日期+4 位数字".into(),
            Kind::SchoolCode => "10 位学校标识码：前两位为类别码，三四位为省份码".into(),
            Kind::CreditCode => "18 位统一社会信用代码（GB 32100-2015）".into(),
            Kind::Mobile => "11 位手机号码，以 13–19 开头".into(),
            Kind::Phone => "固定电话（含区号）或 11 位手机号码".into(),
            Kind::Date => "日期，写作 YYYY-MM-DD（如 2012-09-01），不晚于今天".into(),
            Kind::YearMonth => "年月，写作 YYYY-MM（如 2018-09），不晚于本月".into(),
            Kind::Gender => "性别代码：1 男，2 女；须与身份证件号第 17 位一致".into(),
            Kind::Ethnicity => "两位民族代码（GB 3304），如 01 汉族；也可填民族名称".into(),
            Kind::Region => "六位县级行政区划代码（GB/T 2260），须属于本省".into(),
            Kind::Grade => "年级代码：11–16 小学一至六年级，21–23 初中，31–33 高中".into(),
            Kind::SchoolType => "办学类型三级代码（JY/T 1001），如 211 小学".into(),
            Kind::UrbanRural => "城乡分类三级代码，如 111 主城区".into(),
            Kind::Longitude => "经度，十进制度数（73–136）".into(),
            Kind::Latitude => "纬度，十进制度数（3–54）".into(),
            Kind::PostalCode => "6 位邮政编码".into(),
            Kind::Xueji(_) => "学籍代码表中的代码；也可填名称".into(),
            Kind::Choice(c) => format!("{}代码：{}；也可填名称", c.title_zh, c.codes.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join("，")),
            Kind::SchoolYear => "学年，写作 2024-2025（前后两年相连），不晚于本年开始的学年".into(),
            Kind::Amount(max) => format!("不小于 0 的数字（可带小数），不超过 {max}"),
            Kind::Count(max) => format!("不小于 0 的整数，不超过 {max}"),
        }
    }
}

impl Field {
    /// The codes a field accepts, (code, name), when they form a list a person can pick from:
    /// the drop-downs of the import template and the tables of the 数据标准 page. `province` is
    /// the GB/T 2260 prefix whose counties a region field accepts.
    pub fn choices(&self, province: u32) -> Option<Vec<(String, String)>> {
        use crate::codes::{xueji, DIVISIONS, ETHNIC_GROUPS, SCHOOL_TYPES, URBAN_RURAL};
        let pairs = |t: &crate::codes::CodeTable, keep: &dyn Fn(&crate::codes::Code) -> bool| {
            t.codes.iter().filter(|c| keep(c)).map(|c| (c.code.clone(), c.name.clone())).collect::<Vec<_>>()
        };
        Some(match self.kind {
            // GB/T 2261.1 has 0 and 9 too, but a record's sex is 1 or 2 (rule gender_enum).
            Kind::Gender => vec![("1".into(), "男".into()), ("2".into(), "女".into())],
            Kind::Ethnicity => pairs(&ETHNIC_GROUPS, &|_| true),
            Kind::SchoolType => pairs(&SCHOOL_TYPES, &|c| c.level == 3),
            Kind::UrbanRural => pairs(&URBAN_RURAL, &|c| c.level == 3),
            Kind::IdType => pairs(xueji("SFZJLX")?, &|_| true),
            Kind::Xueji(t) => pairs(xueji(t)?, &|_| true),
            Kind::Choice(c) => c.codes.iter().map(|(k, n)| (k.to_string(), n.to_string())).collect(),
            Kind::Region => DIVISIONS
                .counties_of(province)
                .map(|d| {
                    let city = DIVISIONS.city_of(d.code).map(|c| c.name.as_str()).unwrap_or("");
                    (d.code.to_string(), format!("{city}{}", d.name))
                })
                .collect(),
            Kind::Grade => [
                ("11", "小学一年级"), ("12", "小学二年级"), ("13", "小学三年级"), ("14", "小学四年级"), ("15", "小学五年级"), ("16", "小学六年级"),
                ("21", "初中一年级"), ("22", "初中二年级"), ("23", "初中三年级"), ("31", "高中一年级"), ("32", "高中二年级"), ("33", "高中三年级"),
            ]
            .iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect(),
            _ => return None,
        })
    }
}

impl Entity {
    /// One row that passes every rule, in template field order: the example row of the import
    /// template. Its names say 示例 and its codes are unlikely to be real (school 2151999999),
    /// so a forgotten example is easy to find.
    pub fn example(self) -> Vec<String> {
        // GB 11643-1999: 510104 (锦江区), born 2012-09-01, sequence 002 (even: female).
        let id = {
            let first = *b"51010420120901002";
            let mut s = String::from_utf8(first.to_vec()).expect("ASCII");
            s.push(crate::ids::id_check_char(&first) as char);
            s
        };
        // A teacher born 1988-03-15, sequence 013 (odd: male).
        let tid = {
            let first = *b"51010419880315013";
            let mut s = String::from_utf8(first.to_vec()).expect("ASCII");
            s.push(crate::ids::id_check_char(&first) as char);
            s
        };
        let school = "2151999999";
        let v: Vec<String> = match self {
            Entity::Student => vec![
                format!("G{id}"), "1".into(), id, "示例学生".into(), "2".into(), "2012-09-01".into(), "01".into(), "510104".into(),
                school.into(), "21".into(), "初一（1）班".into(), "2024-09".into(), "13800000000".into(), "成都市锦江区示例路 1 号".into(),
                "1".into(), "0".into(), "0".into(), "0".into(),
            ],
            Entity::Teacher => vec![
                "1".into(), tid, "示例教师".into(), "1".into(), "1988-03-15".into(), "01".into(), school.into(), "2010-09-01".into(),
                "语文".into(), "13800000001".into(), "本科".into(), "一级教师".into(), "2".into(), "1".into(),
            ],
            Entity::School => vec![
                school.into(), "示例小学".into(), "211".into(), "510104".into(), "111".into(), String::new(), "成都市锦江区示例路 1 号".into(),
                "104.08".into(), "30.65".into(), "示例校长".into(), "028-80000000".into(), "610000".into(),
            ],
            Entity::Conditions => return conditions_example(),
        };
        debug_assert_eq!(v.len(), self.template().fields.len());
        v
    }
}

macro_rules! field {
    ($key:literal, $zh:literal, [$($alias:literal),*], $req:ident, $kind:expr, $table:expr, $note:literal) => {
        Field { key: $key, zh: $zh, aliases: &[$($alias),*], required: Required::$req, kind: $kind, table: $table, note: $note }
    };
}

pub static STUDENT: Template = Template {
    form: Form::Register(Entity::Student),
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
        field!("disability", "残疾类型", ["残疾人类型", "是否残疾"], No, Kind::Choice(&DISABILITY), Some("CJLX"), "GB/T 26341-2010: 0 none, 1–7 category; masked like personal data"),
    ],
};

pub static TEACHER: Template = Template {
    form: Form::Register(Entity::Teacher),
    fields: &[
        field!("id_type", "身份证件类型", ["证件类型"], No, Kind::IdType, Some("SFZJLX"), "empty means 1 居民身份证"),
        field!("id_number", "身份证件号", ["身份证号", "身份证件号码", "身份证号码", "证件号码"], IfResidentId, Kind::IdNumber, None, "GB 11643-1999"),
        field!("name", "姓名", ["教师姓名"], Yes, Kind::Text(50), None, ""),
        field!("gender_code", "性别码", ["性别"], No, Kind::Gender, Some("gender"), ""),
        field!("birth_date", "出生日期", [], No, Kind::Date, None, ""),
        field!("ethnicity_code", "民族码", ["民族"], No, Kind::Ethnicity, Some("ethnicity"), ""),
        field!("school_code", "学校标识码", ["学校代码", "任职学校标识码"], Yes, Kind::SchoolCode, Some("school_id_category"), ""),
        field!("hire_date", "入职日期", ["进本校年月", "参加工作年月", "入职年月"], No, Kind::Date, None, ""),
        field!("subject", "任教学科", ["学科"], No, Kind::Text(30), None, "one or more, separated by 、 (体育, 音乐, 美术 count as PE/arts)"),
        field!("phone", "手机号码", ["联系电话", "手机号"], No, Kind::Mobile, None, ""),
        field!("education", "最高学历", ["学历"], No, Kind::Text(30), None, "e.g. 本科, 硕士研究生"),
        field!("title", "专业技术职务", ["职称"], No, Kind::Text(30), None, "e.g. 一级教师, 高级教师"),
        field!("backbone", "骨干教师级别", ["骨干级别", "骨干教师"], No, Kind::Choice(&BACKBONE), Some("GGJB"), "0 none, 1 school, 2 county, 3 city, 4 province, 5 national"),
        field!("full_time", "是否专任教师", ["专任教师"], No, Kind::Choice(&YES_NO), Some("SF"), "0 no, 1 yes"),
    ],
};

pub static SCHOOL: Template = Template {
    form: Form::Register(Entity::School),
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

/// 办学条件: one school's conditions in one school year (the data the 优质均衡 indicators need).
/// Keyed by (school_code, school_year); the school must be on the register and in the
/// importer's area, like a teacher's or a student's.
pub static CONDITIONS: Template = Template {
    form: Form::Conditions,
    fields: &[
        field!("school_code", "学校标识码", ["学校代码"], Yes, Kind::SchoolCode, Some("school_id_category"), "must be on the school register"),
        field!("school_year", "学年", ["统计学年"], Yes, Kind::SchoolYear, None, "2024-2025"),
        field!("building_area", "校舍建筑面积", ["校舍面积"], Yes, Kind::Amount(2_000_000), None, "m²"),
        field!("teaching_area", "教学及辅助用房面积", ["教学及辅助用房"], Yes, Kind::Amount(1_000_000), None, "m²; not more than the building area"),
        field!("sports_ground_area", "体育运动场地面积", ["运动场地面积", "运动场面积"], Yes, Kind::Amount(2_000_000), None, "m²"),
        field!("sports_hall_area", "体育馆面积", ["风雨操场面积"], No, Kind::Amount(200_000), None, "m²; empty means none"),
        field!("equipment_value", "教学仪器设备值", ["教学仪器设备资产值", "仪器设备值"], Yes, Kind::Amount(2_000_000_000), None, "yuan"),
        field!("multimedia_rooms", "网络多媒体教室数", ["多媒体教室数", "网络多媒体教室"], Yes, Kind::Count(5_000), None, "rooms"),
        field!("library_books", "图书藏量", ["图书册数", "图书"], No, Kind::Count(10_000_000), None, "volumes"),
        field!("boarding_places", "寄宿床位数", ["住宿床位数"], No, Kind::Count(100_000), None, "beds"),
        field!("county_public", "是否县域内公办", ["县域内公办"], Yes, Kind::Choice(&YES_NO), Some("SF"), "0 no, 1 yes: run by the county government"),
        field!("teaching_point", "是否教学点", ["教学点"], Yes, Kind::Choice(&YES_NO), Some("SF"), "0 no, 1 yes"),
    ],
};

/// The example row of the conditions template, in field order: it passes every rule (the school
/// 2151999999 is the other templates' example school).
pub fn conditions_example() -> Vec<String> {
    let v: Vec<String> = ["2151999999", "2024-2025", "6800", "3200", "9000", "800", "1500000", "18", "30000", "0", "1", "0"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    debug_assert_eq!(v.len(), CONDITIONS.fields.len());
    v
}

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
        for t in Entity::ALL.iter().map(|e| e.template()).chain([&CONDITIONS]) {
            let e = t.form;
            let mut seen = std::collections::HashSet::new();
            for f in t.fields {
                for h in [f.key, f.zh].iter().chain(f.aliases) {
                    assert!(seen.insert(*h), "{e:?}: {h} twice");
                }
            }
        }
    }
}
