//! Masking of personal fields for people who may see a record but not all of it — one function
//! per kind of field, and one list of which template fields are personal ([`kind_of`]), used by
//! every masked output: console pages, the API, `tianfu export`.
//!
//! ID number: first 6 + `********` + last 4 (the hidden 8 are the birth date); 学籍号: its letter
//! kept, the rest masked like an ID number (G + ID number, L + region + birth date + 4); phone:
//! first 3 + `****` + last 4; name: surname + `*`; address: its first 6 characters + `****`;
//! birth date: the year only (`2014-**-**`), since the full date is the ID number's hidden part;
//! a student's disability (残疾类型, health data): withheld whole (`*`, also for 0 = none, so the
//! mask does not tell who is disabled).

use standard::Entity;

/// How a personal field is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    IdNumber,
    StudentId,
    Name,
    Phone,
    Address,
    BirthDate,
    /// Sensitive personal data shown as `*` whatever its value.
    Withheld,
}

/// The mask of a template field, None when the field is not personal. Schools hold no personal
/// fields (their address and phone are the school's own).
pub fn kind_of(entity: Entity, key: &str) -> Option<Kind> {
    match (entity, key) {
        (Entity::School, _) => None,
        (_, "id_number") => Some(Kind::IdNumber),
        (Entity::Student, "student_id") => Some(Kind::StudentId),
        (_, "name") => Some(Kind::Name),
        (Entity::Teacher, "phone") | (Entity::Student, "guardian_phone") => Some(Kind::Phone),
        (Entity::Student, "address") => Some(Kind::Address),
        (_, "birth_date") => Some(Kind::BirthDate),
        (Entity::Student, "disability") => Some(Kind::Withheld),
        _ => None,
    }
}

pub fn is_personal(entity: Entity, key: &str) -> bool {
    kind_of(entity, key).is_some()
}

/// `v` masked as `kind`, appended to `out`. An empty value stays empty.
pub fn apply_into(kind: Kind, v: &str, out: &mut String) {
    match kind {
        Kind::IdNumber => id_number_into(v, out),
        Kind::StudentId => student_id_into(v, out),
        Kind::Name => name_into(v, out),
        Kind::Phone => phone_into(v, out),
        Kind::Address => address_into(v, out),
        Kind::BirthDate => birth_date_into(v, out),
        Kind::Withheld => {
            if !v.is_empty() {
                out.push('*');
            }
        }
    }
}

/// A field's value as a masked output shows it: masked when the field is personal.
pub fn field_into(entity: Entity, key: &str, v: &str, out: &mut String) {
    match kind_of(entity, key) {
        Some(k) => apply_into(k, v, out),
        None => out.push_str(v),
    }
}

/// [`field_into`], as a new string.
pub fn field(entity: Entity, key: &str, v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 8);
    field_into(entity, key, v, &mut s);
    s
}

/// Two-character surnames (复姓) that are masked as a whole surname.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离",
    "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠", "赫连", "万俟", "闻人", "拓跋",
];

pub fn id_number(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    id_number_into(v, &mut s);
    s
}

pub fn phone(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    phone_into(v, &mut s);
    s
}

pub fn name(v: &str) -> String {
    let mut s = String::with_capacity(8);
    name_into(v, &mut s);
    s
}

pub fn address(v: &str) -> String {
    let mut s = String::with_capacity(24);
    address_into(v, &mut s);
    s
}

/// The byte offset of the `n`-th character of `v` (its length when `v` is shorter).
fn at_char(v: &str, n: usize) -> usize {
    v.char_indices().nth(n).map_or(v.len(), |(i, _)| i)
}

/// Keeps the first `head` and the last `tail` characters of `v` with `stars` between them, or
/// stars every character when `v` has `short` characters or fewer.
fn keep_ends(v: &str, head: usize, stars: &str, tail: usize, short: usize, out: &mut String) {
    let n = v.chars().count();
    if n <= short {
        out.extend(std::iter::repeat_n('*', n));
        return;
    }
    out.push_str(&v[..at_char(v, head)]);
    out.push_str(stars);
    out.push_str(&v[at_char(v, n - tail)..]);
}

/// [`id_number`], appended to `out` (no allocation of its own).
pub fn id_number_into(v: &str, out: &mut String) {
    keep_ends(v, 6, "********", 4, 10, out);
}

/// [`phone`], appended to `out`.
pub fn phone_into(v: &str, out: &mut String) {
    keep_ends(v, 3, "****", 4, 7, out);
}

/// [`name`], appended to `out`.
pub fn name_into(v: &str, out: &mut String) {
    if v.is_empty() {
        return;
    }
    let surname = match COMPOUND_SURNAMES.iter().find(|s| v.starts_with(**s) && v.chars().count() > 2) {
        Some(s) => s,
        None => &v[..at_char(v, 1)],
    };
    out.push_str(surname);
    out.push('*');
}

/// [`address`], appended to `out`.
pub fn address_into(v: &str, out: &mut String) {
    if v.is_empty() {
        return;
    }
    out.push_str(&v[..at_char(v, 6)]);
    out.push_str("****");
}

/// A 学籍号: its letter kept, the rest masked like an ID number.
pub fn student_id_into(v: &str, out: &mut String) {
    match v.char_indices().nth(1) {
        Some((i, _)) => {
            out.push_str(&v[..i]);
            id_number_into(&v[i..], out);
        }
        None => out.push_str(v),
    }
}

/// A birth date: the year only (a value too short to hold a year is starred whole).
pub fn birth_date_into(v: &str, out: &mut String) {
    match v.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()) && v.len() > 4) {
        Some(y) => {
            out.push_str(y);
            out.push_str("-**-**");
        }
        None => out.extend(std::iter::repeat_n('*', v.chars().count())),
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
        assert_eq!(address("成都"), "成都****");
        assert_eq!(id_number("1234567890"), "**********");
        assert_eq!(id_number("12345678901"), "123456********8901");
        assert_eq!(id_number("一二三四五六七八九十甲"), "一二三四五六********八九十甲");
        assert_eq!(phone("1234567"), "*******");
        assert_eq!(phone("12345678"), "123****5678");
        assert_eq!(name("王"), "王*");
        assert_eq!(name(""), "");
        let mut b = String::new();
        birth_date_into("2014-09-01", &mut b);
        assert_eq!(b, "2014-**-**");
        assert_eq!(field(Entity::Student, "birth_date", "201"), "***");
        assert_eq!(field(Entity::Student, "student_id", "G51010420140901002X"), "G510104********002X");
        assert_eq!(field(Entity::Student, "student_id", "L5101042014090112345"), "L510104********2345");
        assert_eq!(field(Entity::School, "name", "锦江实验小学"), "锦江实验小学", "schools are not personal");
        assert_eq!(field(Entity::Teacher, "phone", "13812345678"), "138****5678");
        assert_eq!(field(Entity::Student, "grade", "11"), "11");
        assert_eq!(field(Entity::Student, "disability", "2"), "*");
        assert_eq!(field(Entity::Student, "disability", "0"), "*", "none is withheld too");
        assert_eq!(field(Entity::Student, "disability", ""), "");
        assert_eq!(field(Entity::Teacher, "backbone", "2"), "2");
        let mut out = String::from("x");
        name_into("欧阳修", &mut out);
        phone_into("13812345678", &mut out);
        assert_eq!(out, "x欧阳*138****5678");
    }
}
