//! Reference code tables, embedded in the binary from `data/codes/`.
//!
//! Each table names its standard and version; `docs/standard.md` lists them.

use std::collections::HashMap;
use std::sync::LazyLock;

const DIVISIONS_CSV: &str = include_str!("../../../data/codes/divisions_gb2260.csv");
const ETHNIC_CSV: &str = include_str!("../../../data/codes/ethnic_groups_gb3304.csv");
const GENDER_CSV: &str = include_str!("../../../data/codes/gender_gb2261_1.csv");
const SCHOOL_TYPE_CSV: &str = include_str!("../../../data/codes/school_type_bxlx.csv");
const URBAN_RURAL_CSV: &str = include_str!("../../../data/codes/urban_rural_type.csv");
const SCHOOL_ID_CATEGORY_CSV: &str = include_str!("../../../data/codes/school_id_category.csv");
const XUEJI_CSV: &str = include_str!("../../../data/codes/xueji_student_enums.csv");

/// One row of a code table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Code {
    pub code: String,
    pub name: String,
    /// Hierarchy level (1 = top) where the table is hierarchical, else 0.
    pub level: u8,
    pub parent: Option<String>,
}

/// A code table with lookups by code and by name.
#[derive(Debug)]
pub struct CodeTable {
    pub id: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub standard: &'static str,
    pub codes: Vec<Code>,
    by_code: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    /// Codes of up to four bytes packed into integers, when every code is that short.
    packed: Option<Vec<u32>>,
}

fn pack(code: &str) -> Option<u32> {
    let b = code.as_bytes();
    // Seven bits per ASCII byte and the length: injective on ASCII codes (others are confirmed
    // by a string comparison after a match).
    (b.len() <= 4).then(|| b.iter().fold(0u32, |a, &c| (a << 7) | (c & 0x7f) as u32) | ((b.len() as u32) << 28))
}

impl CodeTable {
    fn new(
        id: &'static str,
        title_zh: &'static str,
        title_en: &'static str,
        standard: &'static str,
        codes: Vec<Code>,
    ) -> Self {
        let mut by_code = HashMap::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, c) in codes.iter().enumerate() {
            by_code.insert(c.code.clone(), i);
            // Keep the most specific (deepest) entry for a repeated name, e.g. 办学类型 "幼儿园"
            // exists at levels 2 and 3: a name maps to the level a record is coded at.
            match by_name.get(&c.name) {
                Some(&j) if codes[j].level >= c.level => {}
                _ => {
                    by_name.insert(c.name.clone(), i);
                }
            }
        }
        let packed: Option<Vec<u32>> = codes.iter().map(|c| pack(&c.code)).collect();
        // Packing must not merge two codes.
        let packed = packed.filter(|p| {
            let mut q = p.clone();
            q.sort_unstable();
            q.dedup();
            q.len() == p.len()
        });
        CodeTable { id, title_zh, title_en, standard, codes, by_code, by_name, packed }
    }

    pub fn get(&self, code: &str) -> Option<&Code> {
        self.by_code.get(code).map(|&i| &self.codes[i])
    }

    pub fn by_name(&self, name: &str) -> Option<&Code> {
        self.by_name.get(name).map(|&i| &self.codes[i])
    }

    pub fn contains(&self, code: &str) -> bool {
        // Most tables are a handful of short codes: comparing integers beats hashing the key.
        if let (Some(packed), true) = (&self.packed, self.codes.len() <= 64) {
            match pack(code) {
                Some(k) => packed.iter().position(|&p| p == k).is_some_and(|i| self.codes[i].code == code),
                None => false,
            }
        } else {
            self.by_code.contains_key(code)
        }
    }
}

/// Administrative level in GB/T 2260.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DivisionLevel {
    Province,
    City,
    County,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Division {
    pub code: u32,
    pub name: String,
    pub level: DivisionLevel,
    pub parent: Option<u32>,
}

/// GB/T 2260 administrative divisions.
#[derive(Debug)]
pub struct Divisions {
    pub list: Vec<Division>,
    by_code: HashMap<u32, usize>,
}

impl Divisions {
    pub fn get(&self, code: u32) -> Option<&Division> {
        self.by_code.get(&code).map(|&i| &self.list[i])
    }

    /// True when `prefix` (two digits) names a province.
    pub fn is_province_prefix(&self, prefix: u32) -> bool {
        self.get(prefix * 10_000).is_some_and(|d| d.level == DivisionLevel::Province)
    }

    /// County-level divisions inside a province (by its two-digit prefix), in code order.
    pub fn counties_of(&self, province: u32) -> impl Iterator<Item = &Division> {
        self.list
            .iter()
            .filter(move |d| d.level == DivisionLevel::County && d.code / 10_000 == province)
    }

    pub fn cities_of(&self, province: u32) -> impl Iterator<Item = &Division> {
        self.list
            .iter()
            .filter(move |d| d.level == DivisionLevel::City && d.code / 10_000 == province)
    }

    /// The city a county belongs to.
    pub fn city_of(&self, county: u32) -> Option<&Division> {
        let d = self.get(county)?;
        match d.level {
            DivisionLevel::County => d.parent.and_then(|p| self.get(p)),
            DivisionLevel::City => Some(d),
            DivisionLevel::Province => None,
        }
    }
}

fn csv_rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    // The embedded tables are simple: no quoted fields, no embedded commas.
    text.lines().skip(1).filter(|l| !l.trim().is_empty()).map(|l| l.split(',').collect())
}

fn hierarchical(text: &'static str) -> Vec<Code> {
    csv_rows(text)
        .map(|r| Code {
            code: r[0].to_string(),
            name: r[1].to_string(),
            level: r[2].parse().unwrap_or(0),
            parent: r.get(3).filter(|p| !p.is_empty()).map(|p| p.to_string()),
        })
        .collect()
}

fn flat(text: &'static str) -> Vec<Code> {
    csv_rows(text)
        .map(|r| Code { code: r[0].to_string(), name: r[1].to_string(), level: 0, parent: None })
        .collect()
}

pub static DIVISIONS: LazyLock<Divisions> = LazyLock::new(|| {
    let list: Vec<Division> = csv_rows(DIVISIONS_CSV)
        .map(|r| Division {
            code: r[0].parse().expect("embedded GB/T 2260 code"),
            name: r[1].to_string(),
            level: match r[2] {
                "province" => DivisionLevel::Province,
                "city" => DivisionLevel::City,
                _ => DivisionLevel::County,
            },
            parent: r.get(3).and_then(|p| p.parse().ok()),
        })
        .collect();
    let by_code = list.iter().enumerate().map(|(i, d)| (d.code, i)).collect();
    Divisions { list, by_code }
});

pub static ETHNIC_GROUPS: LazyLock<CodeTable> = LazyLock::new(|| {
    CodeTable::new("ethnicity", "民族", "Ethnic group", "GB 3304-1991", flat(ETHNIC_CSV))
});

pub static GENDERS: LazyLock<CodeTable> = LazyLock::new(|| {
    CodeTable::new("gender", "性别", "Sex", "GB/T 2261.1-2003", flat(GENDER_CSV))
});

pub static SCHOOL_TYPES: LazyLock<CodeTable> = LazyLock::new(|| {
    CodeTable::new(
        "school_type",
        "办学类型",
        "School type",
        "JY/T 1001-2012 (教育管理信息 教育管理基础代码) 办学类型",
        hierarchical(SCHOOL_TYPE_CSV),
    )
});

pub static URBAN_RURAL: LazyLock<CodeTable> = LazyLock::new(|| {
    CodeTable::new(
        "urban_rural",
        "城乡分类",
        "Urban–rural classification",
        "统计用区划代码和城乡划分代码 (NBS 统计上划分城乡的规定)",
        hierarchical(URBAN_RURAL_CSV),
    )
});

pub static SCHOOL_ID_CATEGORIES: LazyLock<CodeTable> = LazyLock::new(|| {
    CodeTable::new(
        "school_id_category",
        "学校标识码类别",
        "School identifier category",
        "教育部 学校(机构)标识码编制规则",
        flat(SCHOOL_ID_CATEGORY_CSV),
    )
});

/// 学籍 registry enumerations, one table per code_table id (e.g. "SFZJLX").
pub static XUEJI: LazyLock<Vec<CodeTable>> = LazyLock::new(|| {
    let mut groups: Vec<(&'static str, &'static str, Vec<Code>)> = Vec::new();
    for r in csv_rows(XUEJI_CSV) {
        let (id, title) = r[0].split_once(' ').unwrap_or((r[0], r[0]));
        let code = Code { code: r[1].to_string(), name: r[2].to_string(), level: 0, parent: None };
        match groups.iter_mut().find(|g| g.0 == id) {
            Some(g) => g.2.push(code),
            None => groups.push((id, title, vec![code])),
        }
    }
    groups
        .into_iter()
        .map(|(id, title, codes)| CodeTable::new(id, title, id, "全国中小学生学籍信息管理系统 填报说明", codes))
        .collect()
});

/// A 学籍 enumeration by its id, e.g. `xueji("SFZJLX")` for 身份证件类型.
pub fn xueji(id: &str) -> Option<&'static CodeTable> {
    XUEJI.iter().find(|t| t.id == id)
}

/// Fast membership tests used on the validation hot path.
pub struct Lookup {
    /// County-level GB/T 2260 codes, indexed by the 6-digit code.
    county: Vec<u64>,
    /// Valid province prefixes (two digits).
    province: [bool; 100],
    /// GB 3304 ethnic group codes (two digits).
    ethnic: [bool; 100],
    /// 学校标识码 category prefixes (two digits).
    school_category: [bool; 100],
}

impl Lookup {
    pub fn is_county(&self, code: u32) -> bool {
        let i = code as usize;
        i < 1_000_000 && self.county[i / 64] & (1 << (i % 64)) != 0
    }
    pub fn is_province(&self, prefix: u32) -> bool {
        prefix < 100 && self.province[prefix as usize]
    }
    pub fn is_ethnic(&self, code: u32) -> bool {
        code < 100 && self.ethnic[code as usize]
    }
    pub fn is_school_category(&self, prefix: u32) -> bool {
        prefix < 100 && self.school_category[prefix as usize]
    }
}

pub static LOOKUP: LazyLock<Lookup> = LazyLock::new(|| {
    let mut l = Lookup {
        county: vec![0; 1_000_000 / 64 + 1],
        province: [false; 100],
        ethnic: [false; 100],
        school_category: [false; 100],
    };
    for d in &DIVISIONS.list {
        match d.level {
            DivisionLevel::County => {
                let i = d.code as usize;
                l.county[i / 64] |= 1 << (i % 64);
            }
            DivisionLevel::Province => l.province[(d.code / 10_000) as usize] = true,
            DivisionLevel::City => {}
        }
    }
    for c in &ETHNIC_GROUPS.codes {
        if let Ok(n) = c.code.parse::<usize>() {
            l.ethnic[n] = true;
        }
    }
    for c in &SCHOOL_ID_CATEGORIES.codes {
        if let Ok(n) = c.code.parse::<usize>() {
            l.school_category[n] = true;
        }
    }
    l
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sichuan_has_21_cities_and_183_counties() {
        assert_eq!(DIVISIONS.cities_of(51).count(), 21);
        assert_eq!(DIVISIONS.counties_of(51).count(), 183);
        assert!(LOOKUP.is_county(510104));
        assert!(!LOOKUP.is_county(510100));
        assert!(!LOOKUP.is_county(510000));
        assert_eq!(DIVISIONS.city_of(510104).unwrap().name, "成都市");
    }

    #[test]
    fn tables_load() {
        assert_eq!(ETHNIC_GROUPS.get("01").unwrap().name, "汉族");
        assert_eq!(ETHNIC_GROUPS.by_name("藏族").unwrap().code, "04");
        assert!(LOOKUP.is_ethnic(56) && LOOKUP.is_ethnic(97) && LOOKUP.is_ethnic(98));
        assert!(!LOOKUP.is_ethnic(57) && !LOOKUP.is_ethnic(0));
        assert_eq!(SCHOOL_TYPES.by_name("小学").unwrap().code, "211");
        assert_eq!(SCHOOL_TYPES.by_name("幼儿园").unwrap().code, "111");
        assert_eq!(URBAN_RURAL.get("111").unwrap().name, "主城区");
        assert!(LOOKUP.is_school_category(21) && !LOOKUP.is_school_category(20));
        assert!(LOOKUP.is_province(51) && !LOOKUP.is_province(10));
        assert_eq!(xueji("SFZJLX").unwrap().get("1").unwrap().name, "居民身份证");
        assert_eq!(GENDERS.get("2").unwrap().name, "女");
    }
}

/// A province's English name by its GB/T 2260 prefix (the names the State Council's English
/// pages use), for the console's English pages.
pub fn province_name_en(prefix: u32) -> Option<&'static str> {
    Some(match prefix {
        11 => "Beijing",
        12 => "Tianjin",
        13 => "Hebei",
        14 => "Shanxi",
        15 => "Inner Mongolia",
        21 => "Liaoning",
        22 => "Jilin",
        23 => "Heilongjiang",
        31 => "Shanghai",
        32 => "Jiangsu",
        33 => "Zhejiang",
        34 => "Anhui",
        35 => "Fujian",
        36 => "Jiangxi",
        37 => "Shandong",
        41 => "Henan",
        42 => "Hubei",
        43 => "Hunan",
        44 => "Guangdong",
        45 => "Guangxi",
        46 => "Hainan",
        50 => "Chongqing",
        51 => "Sichuan",
        52 => "Guizhou",
        53 => "Yunnan",
        54 => "Tibet",
        61 => "Shaanxi",
        62 => "Gansu",
        63 => "Qinghai",
        64 => "Ningxia",
        65 => "Xinjiang",
        71 => "Taiwan",
        81 => "Hong Kong",
        82 => "Macao",
        _ => return None,
    })
}
