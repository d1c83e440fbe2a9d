//! The data standard's published versions (数据标准版本). The standard is a document — code tables,
//! each import template's fields, rules and warnings — that [`document`] writes from the code; a
//! published version is that document frozen in `published/{version}.md`, with its date and notes.
//! A test keeps the code equal to the latest published version, so changing a template, a rule or a
//! code table's size fails the build until a new version is published (a new file and a line in
//! [`PUBLISHED`]). Every import batch records the version it was validated against
//! ([`VERSION`], in the batch's report), and the console lists, shows and offers each version.

use crate::codes::{DIVISIONS, ETHNIC_GROUPS, GENDERS, SCHOOL_ID_CATEGORIES, SCHOOL_TYPES, URBAN_RURAL, XUEJI};
use crate::template::Required;
use crate::{Entity, Rule, Warning};
use std::fmt::Write;

/// One published version.
#[derive(Debug)]
pub struct Published {
    /// "1.0", "1.1", … : the minor number grows with additions (fields, codes, rules), the major
    /// with changes that make earlier files invalid.
    pub version: &'static str,
    /// The publication date, YYYY-MM-DD.
    pub date: &'static str,
    pub notes_zh: &'static str,
    pub notes_en: &'static str,
    /// The document as published (Markdown).
    pub document: &'static str,
}

/// Every published version, oldest first; the last is the one the code implements.
pub static PUBLISHED: &[Published] = &[Published {
    version: "1.0",
    date: "2026-12-07",
    notes_zh: "首次发布：行政区划、性别、民族、学校类型、城乡分类、学校标识码类别及学籍代码表；学校、教师、学生、办学条件四个导入模板；校验规则与自动规范。",
    notes_en: "First publication: divisions, gender, ethnic group, school type, urban–rural, school ID category and 学籍 code tables; the school, teacher, student and conditions templates; rules and normalisations.",
    document: include_str!("../published/1.0.md"),
}];

/// The version the code implements (the last published).
pub const VERSION: &str = "1.0";

/// A published version by its number.
pub fn get(version: &str) -> Option<&'static Published> {
    PUBLISHED.iter().find(|p| p.version == version)
}

/// The version the code implements.
pub fn current() -> &'static Published {
    PUBLISHED.last().expect("at least one published version")
}

pub fn document() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Code tables\n");
    let _ = writeln!(s, "| table | 名称 | standard and version | entries |\n|---|---|---|---|");
    let sichuan = DIVISIONS.counties_of(51).count();
    let _ = writeln!(s, "| divisions | 行政区划 | GB/T 2260 (as published in china-division 2.7.0) | {} (Sichuan: {} cities, {} counties) |", DIVISIONS.list.len(), DIVISIONS.cities_of(51).count(), sichuan);
    for t in [&*GENDERS, &*ETHNIC_GROUPS, &*SCHOOL_TYPES, &*URBAN_RURAL, &*SCHOOL_ID_CATEGORIES] {
        let _ = writeln!(s, "| {} | {} | {} | {} |", t.id, t.title_zh, t.standard, t.codes.len());
    }
    for t in XUEJI.iter() {
        let _ = writeln!(s, "| {} | {} | {} | {} |", t.id, t.title_zh, t.standard, t.codes.len());
    }
    for t in crate::template::CHOICES {
        let codes: Vec<String> = t.codes.iter().map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(s, "| {} | {} | {} ({}) | {} |", t.id, t.title_zh, t.standard, codes.join(", "), t.codes.len());
    }
    let templates = Entity::ALL.iter().map(|e| (e.key(), e.zh(), e.template())).chain([("conditions", "办学条件", &crate::CONDITIONS)]);
    for (key, zh, t) in templates {
        let _ = writeln!(s, "\n## Template: {key} ({zh})\n");
        let _ = writeln!(s, "| key | 表头 | also accepted | required | code table | note |\n|---|---|---|---|---|---|");
        for f in t.fields {
            let req = match f.required {
                Required::Yes => "yes",
                Required::No => "",
                Required::IfResidentId => "if ID type 1",
            };
            let _ = writeln!(s, "| `{}` | {} | {} | {} | {} | {} |", f.key, f.zh, f.aliases.join("、"), req, f.table.unwrap_or(""), f.note);
        }
    }
    let _ = writeln!(s, "\n## Rules\n\nA row that breaks any rule is rejected. Codes are stable.\n");
    let _ = writeln!(s, "| code | 说明 | message |\n|---|---|---|");
    for r in Rule::ALL {
        let _ = writeln!(s, "| `{}` | {} | {} |", r.code(), r.zh(), r.en());
    }
    let _ = writeln!(s, "\n## Warnings\n\nNormalisations, counted per cell; they never reject a row.\n");
    let _ = writeln!(s, "| code | 说明 | message |\n|---|---|---|");
    for w in Warning::ALL {
        let _ = writeln!(s, "| `{}` | {} | {} |", w.code(), w.zh(), w.en());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code is the latest published version: a change to a template, a rule, a warning or a
    /// code table must be published as a new version before it lands.
    #[test]
    fn the_code_is_the_latest_published_version() {
        assert_eq!(current().version, VERSION);
        if document() != current().document {
            panic!(
                "the data standard in the code differs from published version {VERSION}: publish a new version — \
                 write `cargo run -q -- standard > crates/standard/published/X.Y.md` and add it to PUBLISHED \
                 (with its date and notes), then set VERSION"
            );
        }
    }

    #[test]
    fn versions_are_unique_dated_and_ordered() {
        let mut seen = std::collections::HashSet::new();
        for p in PUBLISHED {
            assert!(seen.insert(p.version), "version {} published twice", p.version);
            assert!(crate::Date::parse_iso(p.date).is_some(), "{}: bad date {}", p.version, p.date);
            assert!(!p.notes_zh.is_empty() && !p.notes_en.is_empty() && p.document.starts_with("## "));
        }
        assert!(PUBLISHED.windows(2).all(|w| w[0].date <= w[1].date));
        assert!(get("1.0").is_some() && get("0.9").is_none());
    }
}
