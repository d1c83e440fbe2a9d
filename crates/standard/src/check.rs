//! Checking one record against its template: per-field rules, then cross-field rules.

use crate::codes::{xueji, LOOKUP, SCHOOL_TYPES, URBAN_RURAL};
use crate::date::Date;
use crate::ids::{CreditCode, IdError, IdNumber, Mobile, SchoolCode, StudentId};
use crate::normalize::{normalize, Warnings};
use crate::rules::{Rule, RuleSet};
use crate::template::{Entity, Form, Kind, Required, Template};
use std::collections::HashSet;
use std::sync::Arc;

/// What the rules depend on besides the record.
#[derive(Debug, Clone)]
pub struct Context {
    /// Dates after this are in the future.
    pub today: Date,
    /// The two-digit GB/T 2260 province prefix region codes must lie in (51 = Sichuan).
    pub province: u32,
    /// Known school identifiers; when set, a teacher's or student's school must be one of them.
    pub schools: Option<Arc<HashSet<u64>>>,
    /// The importer's area, when it is not the whole province: records outside it are refused.
    pub scope: Option<Arc<ScopeRule>>,
}

/// The part of the organisation tree an importer may write to: schools whose county lies in
/// `counties`, and (for teachers and students) the listed schools.
#[derive(Debug, Clone, Default)]
pub struct ScopeRule {
    /// GB/T 2260 county codes, inclusive.
    pub counties: (u32, u32),
    /// The schools inside the area (学校标识码 values).
    pub schools: HashSet<u64>,
}

impl Context {
    pub fn new(province: u32) -> Context {
        Context { today: Date::today(), province, schools: None, scope: None }
    }
}

/// A broken rule and the field (template index) it concerns, if one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub field: Option<u16>,
}

/// A key that must be unique within a file: `slot` tells which (e.g. 0 = 学籍号, 1 = ID number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DupKey {
    pub slot: u8,
    pub rule: Rule,
    pub field: u16,
    pub key: u128,
}

/// The result of checking one record; values stay readable through [`RowChecker::value`].
#[derive(Debug, Default)]
pub struct Checked {
    pub violations: Vec<Violation>,
    pub rules: RuleSet,
    /// Warnings per field (template index).
    pub warnings: Vec<Warnings>,
    pub keys: Vec<DupKey>,
}

impl Checked {
    pub fn is_valid(&self) -> bool {
        self.rules.is_empty()
    }
    fn fail(&mut self, rule: Rule, field: Option<usize>) {
        self.rules.insert(rule);
        self.violations.push(Violation { rule, field: field.map(|f| f as u16) });
    }
}

/// Normalises and checks records of one entity. Reuses its buffers: one per thread.
pub struct RowChecker {
    pub template: &'static Template,
    idx: Indices,
    ctx: Context,
    values: String,
    ends: Vec<usize>,
    pub out: Checked,
}

/// A 128-bit key for a document that is not a resident ID card, with the top bit set so that it
/// never equals the lossless key of a resident ID or a 学籍号 (both below 2^64). Two FNV-1a
/// hashes with different offsets: a collision between two real documents is not a practical risk.
fn document_key(id_type: &str, number: &str) -> u128 {
    let fnv = |seed: u64| {
        let mut h = seed;
        for b in id_type.bytes().chain([b':']).chain(number.bytes()) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    };
    (1u128 << 127) | ((fnv(0xcbf2_9ce4_8422_2325) as u128) << 64) | fnv(0x8422_2325_cbf2_9ce4) as u128
}

/// Field positions looked up once, not per row.
struct Indices {
    id_type: Option<usize>,
    id_number: Option<usize>,
    student_id: Option<usize>,
    gender: Option<usize>,
    birth: Option<usize>,
    hire: Option<usize>,
    longitude: Option<usize>,
    latitude: Option<usize>,
    school_code: Option<usize>,
    building_area: Option<usize>,
    teaching_area: Option<usize>,
    /// The 学籍 code table of each field, where it has one.
    tables: Vec<Option<&'static crate::codes::CodeTable>>,
    id_types: &'static crate::codes::CodeTable,
}

#[derive(Default)]
struct Parsed {
    resident_id: bool,
    id: Option<IdNumber>,
    student_id: Option<StudentId>,
    gender: Option<u8>,
    birth: Option<Date>,
    lon: Option<f64>,
    lat: Option<f64>,
    /// 办学条件: the school (identifier) and the school year's first year.
    school: Option<u64>,
    year: Option<u16>,
}

/// A school year `2024-2025`: the first year, when the second follows it and it is after 1949.
pub fn parse_school_year(v: &str) -> Option<u16> {
    let (a, b) = v.split_once('-')?;
    let ok = |s: &str| s.len() == 4 && s.bytes().all(|c| c.is_ascii_digit());
    if !ok(a) || !ok(b) {
        return None;
    }
    let (a, b): (u16, u16) = (a.parse().ok()?, b.parse().ok()?);
    (a >= 1949 && b == a + 1).then_some(a)
}

/// A non-negative number written with ASCII digits and at most one point (no sign, no
/// exponent); `whole` refuses the point.
pub fn parse_number(v: &str, whole: bool) -> Option<f64> {
    let b = v.as_bytes();
    let points = b.iter().filter(|&&c| c == b'.').count();
    let ok = !b.is_empty()
        && b.iter().all(|&c| c.is_ascii_digit() || c == b'.')
        && points <= if whole { 0 } else { 1 }
        && b[0] != b'.'
        && b[b.len() - 1] != b'.';
    if !ok {
        return None;
    }
    v.parse::<f64>().ok().filter(|x| x.is_finite())
}

impl RowChecker {
    pub fn new(entity: Entity, ctx: Context) -> RowChecker {
        RowChecker::for_template(entity.template(), ctx)
    }

    /// A checker of any template, e.g. [`crate::CONDITIONS`] (办学条件).
    pub fn for_template(template: &'static Template, ctx: Context) -> RowChecker {
        let i = |k| template.index(k);
        let idx = Indices {
            id_type: i("id_type"),
            id_number: i("id_number"),
            student_id: i("student_id"),
            gender: i("gender_code"),
            birth: i("birth_date"),
            hire: i("hire_date"),
            longitude: i("longitude"),
            latitude: i("latitude"),
            school_code: i("school_code"),
            building_area: i("building_area"),
            teaching_area: i("teaching_area"),
            tables: template
                .fields
                .iter()
                .map(|f| match f.kind {
                    Kind::Xueji(t) => xueji(t),
                    _ => None,
                })
                .collect(),
            id_types: xueji("SFZJLX").expect("the SFZJLX table is embedded"),
        };
        RowChecker {
            template,
            idx,
            ctx,
            values: String::new(),
            ends: Vec::with_capacity(template.fields.len()),
            out: Checked::default(),
        }
    }

    /// The normalised value of field `i` of the last checked record.
    pub fn value(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.values[start..self.ends[i]]
    }

    /// Normalises and checks one record whose cells are given by template field (empty when the
    /// column is absent). Results are in `self.out`.
    pub fn check<'a>(&mut self, cells: impl Iterator<Item = &'a str>) -> &Checked {
        self.values.clear();
        self.ends.clear();
        self.out.violations.clear();
        self.out.keys.clear();
        self.out.warnings.clear();
        self.out.rules = RuleSet::default();
        let fields = self.template.fields;
        for (f, raw) in fields.iter().zip(cells) {
            let w = normalize(f.kind, raw, &mut self.values);
            self.out.warnings.push(w);
            self.ends.push(self.values.len());
        }
        while self.ends.len() < fields.len() {
            self.out.warnings.push(Warnings::default());
            self.ends.push(self.values.len());
        }
        self.check_fields();
        &self.out
    }

    fn check_fields(&mut self) {
        let fields = self.template.fields;
        let mut p = Parsed { resident_id: true, ..Parsed::default() };
        // The document type decides whether the ID number is a GB 11643 number.
        if let Some(i) = self.idx.id_type {
            let v = self.value(i);
            if !v.is_empty() {
                if self.idx.id_types.contains(v) {
                    p.resident_id = v == "1";
                } else {
                    p.resident_id = false;
                    self.out.fail(Rule::IdTypeUnknown, Some(i));
                }
            }
        }
        let id_type_range = self.idx.id_type.map(|t| (if t == 0 { 0 } else { self.ends[t - 1] }, self.ends[t]));
        for (i, f) in fields.iter().enumerate() {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            let v = &self.values[start..self.ends[i]];
            if v.is_empty() {
                let required = match f.required {
                    Required::Yes => true,
                    Required::IfResidentId => p.resident_id,
                    Required::No => false,
                };
                if required {
                    self.out.fail(Rule::RequiredMissing, Some(i));
                }
                continue;
            }
            // Line breaks and tabs are text in free-text fields (a two-line address typed with
            // Alt+Enter in Excel); anywhere else, and any other control character, they are not.
            let text = matches!(f.kind, Kind::Text(_));
            if v.bytes().any(|b| (b < 0x20 && !(text && matches!(b, b'\t' | b'\n' | b'\r'))) || b == 0x7f) {
                self.out.fail(Rule::InvalidCharacter, Some(i));
                continue;
            }
            let out = &mut self.out;
            let ctx = &self.ctx;
            let fi = i as u16;
            match f.kind {
                Kind::Text(max) => {
                    if v.len() > max && v.chars().count() > max {
                        out.fail(Rule::TextTooLong, Some(i));
                    }
                }
                Kind::IdType => {}
                Kind::IdNumber => {
                    // Usually the 学籍号 was G + this very number, already parsed.
                    let known = match &p.student_id {
                        Some(StudentId::G(g)) if p.resident_id && g.as_str() == v => Some(*g),
                        _ => None,
                    };
                    if let Some(id) = known {
                        out.keys.push(DupKey { slot: 1, rule: Rule::IdDuplicate, field: fi, key: id.key() as u128 });
                        p.id = Some(id);
                    } else if p.resident_id {
                        match IdNumber::parse(v, ctx.today) {
                            Ok(id) => {
                                out.keys.push(DupKey { slot: 1, rule: Rule::IdDuplicate, field: fi, key: id.key() as u128 });
                                p.id = Some(id);
                            }
                            Err(IdError::Format) => out.fail(Rule::IdFormat, Some(i)),
                            Err(IdError::CheckDigit) => out.fail(Rule::IdCheckDigit, Some(i)),
                        }
                    } else if v.len() > 40 {
                        out.fail(Rule::IdFormat, Some(i));
                    } else if self.template.form == Form::Register(Entity::Teacher) {
                        // A teacher's natural key is the document (type and number) even when it is
                        // not a resident ID card: two rows with one passport are one person twice.
                        let id_type = id_type_range.map_or("", |(a, b)| &self.values[a..b]);
                        out.keys.push(DupKey { slot: 1, rule: Rule::IdDuplicate, field: fi, key: document_key(id_type, v) });
                    }
                }
                Kind::StudentId => match StudentId::parse(v, ctx.today) {
                    Ok(s) => {
                        out.keys.push(DupKey { slot: 0, rule: Rule::StudentIdDuplicate, field: fi, key: s.key() as u128 });
                        p.student_id = Some(s);
                    }
                    Err(_) => out.fail(Rule::StudentIdFormat, Some(i)),
                },
                Kind::SchoolCode => match SchoolCode::parse(v) {
                    Ok(code) => {
                        p.school = Some(code.value());
                        if self.template.form == Form::Register(Entity::School) {
                            out.keys.push(DupKey { slot: 0, rule: Rule::SchoolCodeDuplicate, field: fi, key: code.value() as u128 });
                        } else if ctx.schools.as_ref().is_some_and(|known| !known.contains(&code.value())) {
                            out.fail(Rule::SchoolUnknown, Some(i));
                        } else if ctx.scope.as_ref().is_some_and(|sc| !sc.schools.contains(&code.value())) {
                            out.fail(Rule::OutOfScope, Some(i));
                        }
                    }
                    Err(_) => out.fail(Rule::SchoolCodeFormat, Some(i)),
                },
                Kind::CreditCode => match CreditCode::parse(v) {
                    Ok(c) => out.keys.push(DupKey { slot: 1, rule: Rule::CreditCodeDuplicate, field: fi, key: c.key() }),
                    Err(IdError::Format) => out.fail(Rule::CreditCodeFormat, Some(i)),
                    Err(IdError::CheckDigit) => out.fail(Rule::CreditCodeCheckDigit, Some(i)),
                },
                Kind::Mobile => {
                    if Mobile::parse(v).is_err() {
                        out.fail(Rule::PhoneInvalid, Some(i));
                    }
                }
                Kind::Phone => {
                    let digits = v.bytes().filter(u8::is_ascii_digit).count();
                    let ok = v.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b' ' | b'(' | b')' | b','))
                        && (7..=20).contains(&digits);
                    if !ok {
                        out.fail(Rule::PhoneInvalid, Some(i));
                    }
                }
                Kind::Date => {
                    let rule = if Some(i) == self.idx.hire { Rule::HireDateFormat } else { Rule::BirthDateFormat };
                    match Date::parse_iso(v) {
                        Some(d) if d <= ctx.today => {
                            if Some(i) == self.idx.birth {
                                p.birth = Some(d);
                            }
                        }
                        _ => out.fail(rule, Some(i)),
                    }
                }
                Kind::YearMonth => match Date::parse_year_month(v) {
                    Some((d, _)) if d <= ctx.today => {}
                    _ => out.fail(Rule::EnrollmentFormat, Some(i)),
                },
                Kind::Gender => match v {
                    "1" => p.gender = Some(1),
                    "2" => p.gender = Some(2),
                    _ => out.fail(Rule::GenderEnum, Some(i)),
                },
                Kind::Ethnicity => {
                    let ok = v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()) && LOOKUP.is_ethnic(v.parse().unwrap_or(0));
                    if !ok {
                        out.fail(Rule::EthnicityUnknown, Some(i));
                    }
                }
                Kind::Region => {
                    let ok = v.len() == 6
                        && v.bytes().all(|b| b.is_ascii_digit())
                        && v.parse::<u32>().is_ok_and(|c| c / 10_000 == ctx.province && LOOKUP.is_county(c));
                    if !ok {
                        out.fail(Rule::RegionUnknown, Some(i));
                    } else if self.template.form == Form::Register(Entity::School) {
                        let c: u32 = v.parse().unwrap_or(0);
                        if ctx.scope.as_ref().is_some_and(|sc| !(sc.counties.0..=sc.counties.1).contains(&c)) {
                            out.fail(Rule::OutOfScope, Some(i));
                        }
                    }
                }
                Kind::Grade => {
                    if !matches!(v, "11" | "12" | "13" | "14" | "15" | "16" | "21" | "22" | "23" | "31" | "32" | "33") {
                        out.fail(Rule::GradeEnum, Some(i));
                    }
                }
                Kind::SchoolType => {
                    if !SCHOOL_TYPES.get(v).is_some_and(|c| c.level == 3) {
                        out.fail(Rule::SchoolTypeUnknown, Some(i));
                    }
                }
                Kind::UrbanRural => {
                    if !URBAN_RURAL.get(v).is_some_and(|c| c.level == 3) {
                        out.fail(Rule::UrbanRuralUnknown, Some(i));
                    }
                }
                Kind::Longitude | Kind::Latitude => {
                    // Decimal degrees inside China's extent.
                    let (lo, hi) = if f.kind == Kind::Longitude { (73.0, 136.0) } else { (3.0, 54.0) };
                    match v.parse::<f64>() {
                        Ok(x) if (lo..=hi).contains(&x) => {
                            if f.kind == Kind::Longitude {
                                p.lon = Some(x)
                            } else {
                                p.lat = Some(x)
                            }
                        }
                        _ => out.fail(Rule::CoordinatesInvalid, Some(i)),
                    }
                }
                Kind::PostalCode => {
                    if !(v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit())) {
                        out.fail(Rule::PostalCodeInvalid, Some(i));
                    }
                }
                Kind::Xueji(_) => {
                    if !self.idx.tables[i].is_some_and(|t| t.contains(v)) {
                        out.fail(Rule::CodeUnknown, Some(i));
                    }
                }
                Kind::Choice(c) => {
                    if !c.contains(v) {
                        out.fail(Rule::CodeUnknown, Some(i));
                    }
                }
                Kind::SchoolYear => match parse_school_year(v) {
                    Some(y) if y <= ctx.today.year => p.year = Some(y),
                    _ => out.fail(Rule::SchoolYearFormat, Some(i)),
                },
                Kind::Amount(max) | Kind::Count(max) => {
                    let whole = matches!(f.kind, Kind::Count(_));
                    match parse_number(v, whole) {
                        None => out.fail(Rule::NumberInvalid, Some(i)),
                        Some(x) if x > max as f64 => out.fail(Rule::NumberImplausible, Some(i)),
                        Some(_) => {}
                    }
                }
            }
        }
        self.cross_field(&p);
    }

    fn cross_field(&mut self, p: &Parsed) {
        let ix = &self.idx;
        if let Some(id) = &p.id {
            if let (Some(g), Some(i)) = (p.gender, ix.gender) {
                if g != id.gender_code() {
                    self.out.fail(Rule::GenderMismatch, Some(i));
                }
            }
            if let (Some(b), Some(i)) = (p.birth, ix.birth) {
                if b != id.birth_date() {
                    self.out.fail(Rule::BirthMismatch, Some(i));
                }
            }
        }
        if let Some(sid) = &p.student_id {
            let field = ix.student_id;
            match sid {
                // 学籍号 G + the student's own ID number.
                StudentId::G(g) => {
                    let id_value = ix.id_number.map(|i| self.value(i)).unwrap_or("");
                    if !id_value.is_empty() && g.as_str() != id_value {
                        self.out.fail(Rule::StudentIdMismatch, field);
                    }
                }
                StudentId::L { birth, .. } => {
                    if p.birth.is_some_and(|b| b != *birth) {
                        self.out.fail(Rule::StudentIdMismatch, field);
                    }
                }
                StudentId::J(_) => {}
            }
        }
        if self.template.form == Form::Conditions {
            if let (Some(school), Some(year), Some(field)) = (p.school, p.year, ix.school_code) {
                self.out.keys.push(DupKey { slot: 0, rule: Rule::ConditionsDuplicate, field: field as u16, key: (school as u128) << 16 | year as u128 });
            }
            if let (Some(b), Some(t)) = (ix.building_area, ix.teaching_area) {
                let (bv, tv) = (parse_number(self.value(b), false), parse_number(self.value(t), false));
                if let (Some(bv), Some(tv)) = (bv, tv) {
                    if tv > bv {
                        self.out.fail(Rule::AreaInconsistent, Some(t));
                    }
                }
            }
        }
        if p.lon.is_some() != p.lat.is_some() {
            let field = if p.lon.is_some() { ix.latitude } else { ix.longitude };
            self.out.fail(Rule::CoordinatesInvalid, field);
        }
    }
}
