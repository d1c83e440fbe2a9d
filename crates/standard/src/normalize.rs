//! Normalisation of raw cells before they are checked. Every change made here is a warning,
//! never an error: the value a person meant is kept, written the standard way.

use crate::codes::{xueji, ETHNIC_GROUPS, SCHOOL_TYPES, URBAN_RURAL};
use crate::date::{Date, DateForm};
use crate::rules::Warning;
use crate::template::Kind;
use std::fmt::Write;

/// Warnings raised while normalising one cell, one bit per [`Warning`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Warnings(pub u16);

impl Warnings {
    fn add(&mut self, w: Warning) {
        self.0 |= 1 << (w as u16);
    }
    pub fn contains(self, w: Warning) -> bool {
        self.0 & (1 << (w as u16)) != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Warning> {
        Warning::ALL.iter().copied().filter(move |w| self.contains(*w))
    }
}

fn is_trim_char(c: char) -> bool {
    // char::is_whitespace covers U+3000 (ideographic space) and U+00A0; U+FEFF is a stray BOM.
    c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}'
}

/// Normalises `raw` for a field of `kind`, appending the result to `out`.
pub fn normalize(kind: Kind, raw: &str, out: &mut String) -> Warnings {
    // The common case, checked cheaply: a clean ASCII value already in standard form.
    if is_clean(kind, raw) {
        out.push_str(raw);
        return Warnings::default();
    }
    let mut w = Warnings::default();
    let b = raw.as_bytes();
    let edges_clean = b.first().is_some_and(|&c| c > b' ' && c < 0x80) && b.last().is_some_and(|&c| c > b' ' && c < 0x80);
    let trimmed = if edges_clean { raw } else { raw.trim_matches(is_trim_char) };
    if trimmed.len() != raw.len() {
        w.add(Warning::WhitespaceTrimmed);
    }
    let start = out.len();
    // Full-width digits and letters (U+FF10..U+FF5A) are encoded EF BC 90 .. EF BD 9A: without
    // an 0xEF byte there is nothing to convert.
    if trimmed.is_ascii() || !trimmed.as_bytes().contains(&0xEF) {
        out.push_str(trimmed);
    } else {
        let mut changed = false;
        for c in trimmed.chars() {
            let c2 = match c {
                '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                    changed = true;
                    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                }
                _ => c,
            };
            out.push(c2);
        }
        if changed {
            w.add(Warning::FullwidthNormalized);
        }
    }
    if out.len() == start {
        return w;
    }
    let mapped = {
        let v = &out[start..];
        match kind {
            Kind::IdNumber | Kind::StudentId | Kind::CreditCode => {
                if v.bytes().any(|b| b.is_ascii_lowercase()) {
                    w.add(Warning::CaseNormalized);
                    Some(v.to_ascii_uppercase())
                } else {
                    None
                }
            }
            Kind::Mobile | Kind::Phone => {
                let mut s: String = v.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
                if kind == Kind::Mobile {
                    if let Some(rest) = s.strip_prefix("+86").or_else(|| s.strip_prefix("0086")) {
                        s = rest.to_string();
                    } else if s.len() == 13 && s.starts_with("86") {
                        s = s[2..].to_string();
                    }
                }
                (s != v && kind == Kind::Mobile).then(|| {
                    w.add(Warning::SeparatorsRemoved);
                    s
                })
            }
            Kind::Gender => map_value(&mut w, match v {
                "男" | "男性" | "M" | "m" | "male" | "Male" => Some("1"),
                "女" | "女性" | "F" | "f" | "female" | "Female" => Some("2"),
                _ => None,
            }),
            Kind::Ethnicity => {
                if v.len() == 1 && v.as_bytes()[0].is_ascii_digit() {
                    map_value(&mut w, Some(&format!("0{v}")))
                } else if v.is_ascii() {
                    None
                } else {
                    let found = ETHNIC_GROUPS
                        .by_name(v)
                        .or_else(|| ETHNIC_GROUPS.by_name(&format!("{v}族")))
                        .map(|c| c.code.as_str());
                    map_value(&mut w, found)
                }
            }
            Kind::Grade => map_value(&mut w, grade_by_name(v)),
            Kind::IdType if !v.is_ascii() => {
                map_value(&mut w, xueji("SFZJLX").and_then(|t| t.by_name(v)).map(|c| c.code.as_str()))
            }
            Kind::Xueji(table) if !v.is_ascii() => {
                map_value(&mut w, xueji(table).and_then(|t| t.by_name(v)).map(|c| c.code.as_str()))
            }
            Kind::Choice(c) if !v.is_ascii() => map_value(&mut w, c.by_name(v)),
            Kind::Amount(_) | Kind::Count(_) if v.contains([',', '，', ' ']) => {
                // Thousands separators (1,500,000) and spaces are dropped.
                w.add(Warning::SeparatorsRemoved);
                Some(v.chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect())
            }
            Kind::SchoolType if !v.is_ascii() => map_value(
                &mut w,
                SCHOOL_TYPES.by_name(v).filter(|c| c.level == 3).map(|c| c.code.as_str()),
            ),
            Kind::UrbanRural if !v.is_ascii() => map_value(
                &mut w,
                URBAN_RURAL.by_name(v).filter(|c| c.level == 3).map(|c| c.code.as_str()),
            ),
            Kind::Date => match Date::parse_lenient(v) {
                Some((d, DateForm::Normalized)) => {
                    w.add(Warning::DateNormalized);
                    Some(d.to_string())
                }
                _ => None,
            },
            Kind::YearMonth => match Date::parse_year_month(v) {
                Some((d, DateForm::Normalized)) => {
                    w.add(Warning::DateNormalized);
                    let mut s = String::with_capacity(7);
                    let _ = write!(s, "{}", d.year_month());
                    Some(s)
                }
                _ => None,
            },
            _ => None,
        }
    };
    if let Some(m) = mapped {
        out.truncate(start);
        out.push_str(&m);
    }
    w
}

fn is_clean(kind: Kind, v: &str) -> bool {
    let b = v.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else { return true };
    if first <= b' ' || last <= b' ' {
        return false;
    }
    if !v.is_ascii() {
        // Free text in Chinese: clean unless an edge character is a space (U+3000, U+00A0, ...)
        // or it holds a full-width form (all start with byte 0xEF).
        return matches!(kind, Kind::Text(_))
            && !b.iter().fold(false, |acc, &c| acc | (c == 0xEF))
            && !v.chars().next().is_some_and(is_trim_char)
            && !v.chars().next_back().is_some_and(is_trim_char);
    }
    match kind {
        Kind::IdNumber | Kind::StudentId | Kind::CreditCode => !b.iter().any(u8::is_ascii_lowercase),
        Kind::Mobile => b.len() == 11 && b.iter().all(u8::is_ascii_digit),
        Kind::Gender => b.len() == 1 && b[0].is_ascii_digit(),
        Kind::Ethnicity => b.len() != 1,
        Kind::Grade => true,
        Kind::Date => b.len() == 10 && b[4] == b'-' && b[7] == b'-',
        Kind::YearMonth => b.len() == 7 && b[4] == b'-',
        Kind::Amount(_) | Kind::Count(_) => !b.iter().any(|&c| c == b',' || c == b' '),
        _ => true,
    }
}

fn map_value(w: &mut Warnings, v: Option<&str>) -> Option<String> {
    v.map(|v| {
        w.add(Warning::ValueMapped);
        v.to_string()
    })
}

fn grade_by_name(v: &str) -> Option<&'static str> {
    Some(match v {
        "一年级" | "1年级" => "11",
        "二年级" | "2年级" => "12",
        "三年级" | "3年级" => "13",
        "四年级" | "4年级" => "14",
        "五年级" | "5年级" => "15",
        "六年级" | "6年级" => "16",
        "七年级" | "初一" | "初中一年级" => "21",
        "八年级" | "初二" | "初中二年级" => "22",
        "九年级" | "初三" | "初中三年级" => "23",
        "高一" | "高中一年级" => "31",
        "高二" | "高中二年级" => "32",
        "高三" | "高中三年级" => "33",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(kind: Kind, raw: &str) -> (String, Vec<&'static str>) {
        let mut out = String::new();
        let w = normalize(kind, raw, &mut out);
        (out, w.iter().map(|w| w.code()).collect())
    }

    #[test]
    fn each_warning() {
        assert_eq!(n(Kind::Text(50), "  张三 "), ("张三".into(), vec!["whitespace_trimmed"]));
        assert_eq!(n(Kind::Text(50), "\u{3000}张三"), ("张三".into(), vec!["whitespace_trimmed"]));
        assert_eq!(n(Kind::Grade, "１１"), ("11".into(), vec!["fullwidth_normalized"]));
        assert_eq!(n(Kind::Gender, "男"), ("1".into(), vec!["value_mapped"]));
        assert_eq!(n(Kind::Ethnicity, "汉族"), ("01".into(), vec!["value_mapped"]));
        assert_eq!(n(Kind::Ethnicity, "藏"), ("04".into(), vec!["value_mapped"]));
        assert_eq!(n(Kind::Ethnicity, "1"), ("01".into(), vec!["value_mapped"]));
        assert_eq!(n(Kind::Grade, "初二"), ("22".into(), vec!["value_mapped"]));
        assert_eq!(n(Kind::SchoolType, "小学"), ("211".into(), vec!["value_mapped"]));
        assert_eq!(n(Kind::IdType, "居民身份证"), ("1".into(), vec!["value_mapped"]));
        assert_eq!(n(Kind::Date, "2010/9/1"), ("2010-09-01".into(), vec!["date_normalized"]));
        assert_eq!(n(Kind::Date, "2010年9月1日"), ("2010-09-01".into(), vec!["date_normalized"]));
        assert_eq!(n(Kind::Date, "40422"), ("2010-09-01".into(), vec!["date_normalized"]));
        assert_eq!(n(Kind::YearMonth, "2016年9月"), ("2016-09".into(), vec!["date_normalized"]));
        assert_eq!(n(Kind::IdNumber, "11010519491231002x"), ("11010519491231002X".into(), vec!["case_normalized"]));
        assert_eq!(n(Kind::Mobile, "138-1234-5678"), ("13812345678".into(), vec!["separators_removed"]));
        assert_eq!(n(Kind::Mobile, "+8613812345678"), ("13812345678".into(), vec!["separators_removed"]));
    }

    #[test]
    fn clean_values_pass_untouched() {
        for (k, v) in [(Kind::Date, "2010-09-01"), (Kind::Gender, "1"), (Kind::Ethnicity, "01"), (Kind::Text(9), "李四")] {
            assert_eq!(n(k, v), (v.to_string(), vec![]));
        }
        // An unknown name stays as it was, to be reported by the rule that checks it.
        assert_eq!(n(Kind::Gender, "未知"), ("未知".into(), vec![]));
    }
}
