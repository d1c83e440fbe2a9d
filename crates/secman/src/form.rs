//! The field checkers every register's input shares (等保, duty, checks, the ledger): one
//! [`Problem`] type, free text with its length and control-character rules, and the unit code (a
//! 10-digit school code or a 6-digit division code). Each problem is worded in Chinese and
//! English; the form shows it beside its field (`web::form::Problems`).

/// One thing wrong with an input, for people: which field, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

pub fn problem(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem { field, zh: zh.into(), en: en.into() }
}

fn checked(field: &'static str, zh: &str, en: &str, v: &str, max: usize, required: bool, lines: bool, out: &mut Vec<Problem>) -> String {
    let v = v.trim();
    if v.is_empty() && required {
        out.push(problem(field, format!("请填写{zh}。"), format!("Enter the {en}.")));
    } else if v.chars().count() > max {
        out.push(problem(field, format!("{zh}过长（最多 {max} 字），请精简。"), format!("The {en} is too long (at most {max} characters).")));
    } else if v.chars().any(|c| c.is_control() && !(lines && (c == '\n' || c == '\r'))) {
        out.push(problem(field, format!("{zh}含有控制字符，请删除。"), format!("The {en} contains control characters.")));
    }
    v.to_string()
}

/// A one-line text field (`zh`/`en` name it): trimmed; a problem when required and empty, longer
/// than `max` characters, or holding any control character.
pub fn text(field: &'static str, zh: &str, en: &str, v: &str, max: usize, required: bool, out: &mut Vec<Problem>) -> String {
    checked(field, zh, en, v, max, required, false, out)
}

/// [`text`] for a field of several lines: line breaks are kept, other control characters refused.
pub fn text_lines(field: &'static str, zh: &str, en: &str, v: &str, max: usize, required: bool, out: &mut Vec<Problem>) -> String {
    checked(field, zh, en, v, max, required, true, out)
}

/// A unit code as typed, when it is one: a 10-digit school code or a 6-digit division code.
pub fn unit_code_of(v: &str) -> Option<i64> {
    let v = v.trim();
    v.parse::<i64>().ok().filter(|c| (v.len() == 6 || v.len() == 10) && *c > 0)
}

/// The owning unit of a record (field `unit_code`), with the usual problem when it is not a unit
/// code; 0 then.
pub fn unit_code(v: &str, out: &mut Vec<Problem>) -> i64 {
    unit_code_of(v).unwrap_or_else(|| {
        out.push(problem("unit_code", "所属单位应为 10 位学校标识码或 6 位行政区划代码（教育行政部门）。", "The unit must be a 10-digit school code or a 6-digit division code (a bureau)."));
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_unit_codes() {
        let mut out = Vec::new();
        assert_eq!(text("a", "名称", "name", "  甲 ", 5, true, &mut out), "甲");
        text("b", "名称", "name", "", 5, true, &mut out);
        text("c", "名称", "name", "甲乙丙丁戊己", 5, true, &mut out);
        text("d", "名称", "name", "甲\n乙", 5, true, &mut out);
        text_lines("e", "说明", "note", "甲\r\n乙", 5, true, &mut out);
        text_lines("f", "说明", "note", "甲\u{7}乙", 5, true, &mut out);
        assert_eq!(out.iter().map(|p| p.field).collect::<Vec<_>>(), vec!["b", "c", "d", "f"]);
        assert!(out[0].zh == "请填写名称。" && out[1].en.contains("at most 5"));
        assert_eq!((unit_code_of("2151010401"), unit_code_of(" 510104 "), unit_code_of("-12345"), unit_code_of("51010")), (Some(2151010401), Some(510104), None, None));
        let mut out = Vec::new();
        assert_eq!(unit_code("x", &mut out), 0);
        assert_eq!(out[0].field, "unit_code");
    }
}
