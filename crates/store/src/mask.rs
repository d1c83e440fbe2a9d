//! Masking of personal fields for people who may see a record but not all of it.
//! ID number: first 6 + `********` + last 4; phone: first 3 + `****` + last 4; name: surname +
//! `*`; address: its first 6 characters + `****`.

/// Two-character surnames (复姓) that are masked as a whole surname.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离",
    "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠", "赫连", "万俟", "闻人", "拓跋",
];

pub fn id_number(v: &str) -> String {
    let c: Vec<char> = v.chars().collect();
    if c.len() <= 10 {
        return "*".repeat(c.len());
    }
    format!("{}********{}", c[..6].iter().collect::<String>(), c[c.len() - 4..].iter().collect::<String>())
}

pub fn phone(v: &str) -> String {
    let c: Vec<char> = v.chars().collect();
    if c.len() < 8 {
        return "*".repeat(c.len());
    }
    format!("{}****{}", c[..3].iter().collect::<String>(), c[c.len() - 4..].iter().collect::<String>())
}

pub fn name(v: &str) -> String {
    if v.is_empty() {
        return String::new();
    }
    let surname = COMPOUND_SURNAMES.iter().find(|s| v.starts_with(**s) && v.chars().count() > 2).map(|s| s.to_string());
    let surname = surname.unwrap_or_else(|| v.chars().next().map(String::from).unwrap_or_default());
    format!("{surname}*")
}

pub fn address(v: &str) -> String {
    if v.is_empty() {
        return String::new();
    }
    format!("{}****", v.chars().take(6).collect::<String>())
}

/// The mask for a template field, if the field is personal.
pub fn for_field(key: &str) -> Option<fn(&str) -> String> {
    match key {
        "id_number" | "student_id" => Some(id_number),
        "guardian_phone" | "phone" => Some(phone),
        "name" => Some(name),
        "address" => Some(address),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(id_number("51010420100901123X"), "510104********123X");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("欧阳修文"), "欧阳*");
        assert_eq!(name("欧阳"), "欧*");
        assert_eq!(address("四川省成都市锦江区某路1号"), "四川省成都市****");
    }
}
