//! schools.csv: the school register. It is written first; the schools that are valid rows are
//! kept (a few numbers each) for the teacher and pupil files to refer to.

use crate::geo::{CountyClass, CITIES};
use crate::idgen::{ascii, credit_code, school_serial};
use crate::names::{self, push_chinese_number, Generation, BRANDS, STREETS, TOWNS, VILLAGES};
use crate::out::{push_fullwidth, push_micro, push_pad, push_u64, Cells, CsvOut};
use crate::planted::{Expected, Planter, SCHOOL_KINDS};
use crate::rng::Rng;
use crate::{GenOptions, World};
use standard::ids::CREDIT_ALPHABET;
use standard::template::SCHOOL;
use standard::{Entity, Rule, Warning};
use std::io;
use std::path::Path;

/// The 办学类型 the generator uses: schools for grades 1–12 (no kindergartens, since pupils
/// are in grades 11–33).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchoolType {
    Primary,
    Junior,
    /// 九年一贯制: grades 1–9.
    Nine,
    /// 完全中学: junior and senior secondary.
    Complete,
    Senior,
}

impl SchoolType {
    pub fn code(self) -> &'static str {
        match self {
            SchoolType::Primary => "211",
            SchoolType::Junior => "311",
            SchoolType::Nine => "312",
            SchoolType::Complete => "341",
            SchoolType::Senior => "342",
        }
    }

    /// The JY/T 1001 name, which the validator maps back to the code.
    fn zh(self) -> &'static str {
        match self {
            SchoolType::Primary => "小学",
            SchoolType::Junior => "初级中学",
            SchoolType::Nine => "九年一贯制学校",
            SchoolType::Complete => "完全中学",
            SchoolType::Senior => "高级中学",
        }
    }

    /// 学校标识码 category: 21 普通小学, 31 普通初中 (九年一贯制 included), 34 普通高中.
    fn category(self) -> u64 {
        match self {
            SchoolType::Primary => 21,
            SchoolType::Junior | SchoolType::Nine => 31,
            SchoolType::Complete | SchoolType::Senior => 34,
        }
    }

    pub fn grades(self) -> &'static [u8] {
        match self {
            SchoolType::Primary => &[11, 12, 13, 14, 15, 16],
            SchoolType::Junior => &[21, 22, 23],
            SchoolType::Nine => &[11, 12, 13, 14, 15, 16, 21, 22, 23],
            SchoolType::Complete => &[21, 22, 23, 31, 32, 33],
            SchoolType::Senior => &[31, 32, 33],
        }
    }

    pub fn secondary(self) -> bool {
        !matches!(self, SchoolType::Primary)
    }

    /// Typical enrolment, in pupils.
    fn size(self) -> u64 {
        match self {
            SchoolType::Primary => 600,
            SchoolType::Junior => 900,
            SchoolType::Nine => 800,
            SchoolType::Complete => 1500,
            SchoolType::Senior => 1800,
        }
    }
}

/// Where a school is, as its 城乡分类 says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Urban,
    Town,
    Rural,
}

/// A valid school, as the teacher and pupil files need it.
pub struct School {
    pub code: u64,
    pub county: usize,
    pub kind: SchoolType,
    pub area: Area,
    /// Relative enrolment.
    pub weight: u64,
}

/// (code, name, area) of the level-3 城乡分类 codes.
const URBAN_RURAL: [(&str, &str, Area); 6] = [
    ("111", "主城区", Area::Urban),
    ("112", "城乡结合区", Area::Urban),
    ("121", "镇中心区", Area::Town),
    ("122", "镇乡结合区", Area::Town),
    ("210", "乡中心区", Area::Rural),
    ("220", "村庄", Area::Rural),
];

fn urban_rural_weights(class: CountyClass) -> [(usize, u32); 6] {
    let w = match class {
        CountyClass::Core => [88, 12, 0, 0, 0, 0],
        CountyClass::District => [45, 20, 15, 5, 7, 8],
        CountyClass::CountyCity => [25, 12, 25, 8, 15, 15],
        CountyClass::Rural => [0, 0, 30, 10, 25, 35],
    };
    std::array::from_fn(|i| (i, w[i]))
}

const TYPE_WEIGHTS: [(SchoolType, u32); 5] = [
    (SchoolType::Primary, 55),
    (SchoolType::Junior, 12),
    (SchoolType::Nine, 20),
    (SchoolType::Complete, 6),
    (SchoolType::Senior, 7),
];

/// Valid schools for `students` pupils: one per 680, and a handful however few pupils there are.
pub fn valid_count(students: u64) -> u64 {
    ((students + 340) / 680).max(6)
}

/// Writes schools.csv; returns the valid schools in file order and what validation must report.
/// The cities' boundaries the console's map checks schools against.
const CITY_MAP: &[u8] = include_bytes!("../../../data/sichuan-cities.geojson");

/// Schools placed in another city, for the map's boundary check (issue 14): one valid school in
/// 400, at least 3, when errors are planted at all (none in a clean demo).
pub fn misplaced_count(valid: u64, error_rate: f64) -> u64 {
    if error_rate > 0.0 && valid > 0 {
        (valid / 400).clamp(3, 60).min(valid)
    } else {
        0
    }
}

/// Writes schools.csv; returns the valid schools, what validating the file must give, and the
/// codes of the valid schools whose coordinates were put in another city ([`misplaced_count`]).
pub fn write(opts: &GenOptions, world: &World, path: &Path) -> io::Result<(Vec<School>, Expected, Vec<String>)> {
    let mut rng = Rng::new(opts.seed, 1);
    let valid = valid_count(opts.students);
    // Planted schools come on top of the valid ones, which the other files need: the share of
    // bad rows is the error rate, capped at one half.
    let rate = opts.error_rate.clamp(0.0, 0.5);
    let planted = if rate > 0.0 {
        ((valid as f64 * rate / (1.0 - rate)).round() as u64).max(SCHOOL_KINDS.len() as u64)
    } else {
        0
    };
    let rows = valid + planted;
    if rows > 1_000_000 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "too many schools: 学校标识码 has six serial digits",
        ));
    }
    let mut planter = Planter::new(Entity::School, rows, planted, &mut rng);
    let mut out = CsvOut::create(path, opts.encoding)?;
    out.header(&SCHOOL, opts.headers)?;
    let mut cells = Cells::new(&SCHOOL);
    let col = |k| Cells::col(&SCHOOL, k);
    let (c_code, c_name, c_type, c_region, c_ur) = (
        col("school_code"),
        col("name"),
        col("school_type"),
        col("region_code"),
        col("urban_rural"),
    );
    let (c_credit, c_addr, c_lon, c_lat) = (
        col("credit_code"),
        col("address"),
        col("longitude"),
        col("latitude"),
    );
    let (c_principal, c_phone, c_post) = (col("principal"), col("phone"), col("postal_code"));

    let counties = &world.counties;
    let total_w: u64 = counties.iter().map(|c| c.weight).sum();
    // Every county gets a school once there are enough to go round; the rest by weight.
    let base = if rows >= 2 * counties.len() as u64 {
        1
    } else {
        0
    };
    let spread = rows - base * counties.len() as u64;
    let mut schools = Vec::with_capacity(valid as usize);
    // Valid rows chosen evenly (the middle of every `stride` rows) get another city's point. No
    // random draw is taken for it, so every other value of the files stays as it was.
    let misplace = misplaced_count(valid, opts.error_rate);
    let stride = if misplace > 0 { valid / misplace } else { 0 };
    let mut misplaced = Vec::new();
    let bounds = insight::geo::Boundaries::from_geojson(CITY_MAP).map_err(io::Error::other)?;
    let mut last_code: Option<u64> = None;
    let (mut cum, mut given, mut n) = (0u64, 0u64, 0u64);
    for (ci, county) in counties.iter().enumerate() {
        cum += county.weight;
        let upto = (spread as u128 * cum as u128 / total_w as u128) as u64;
        let here = base + upto - given;
        given = upto;
        // Numbering of 第N小学 / 第N中学 … within the county.
        let mut numbers = [0u32; 4];
        for _ in 0..here {
            let kind = planter.next_row(&mut rng, |k| {
                k != Rule::SchoolCodeDuplicate || last_code.is_some()
            });
            let mut stype = rng.weighted(&TYPE_WEIGHTS);
            let (ur_code, ur_name, mut area) =
                URBAN_RURAL[rng.weighted(&urban_rural_weights(county.class))];
            if area == Area::Rural && matches!(stype, SchoolType::Complete | SchoolType::Senior) {
                stype = SchoolType::Junior;
            }
            if county.class == CountyClass::Core {
                area = Area::Urban;
            }
            let private = area != Area::Rural && rng.chance(0.06);
            let code = stype.category() * 100_000_000 + 51_000_000 + school_serial(n, opts.seed);
            let town = rng.pick(TOWNS);
            let village = rng.pick(VILLAGES);
            cells.clear();

            let s = cells.set(c_name);
            s.push_str(&county.prefix);
            if private {
                s.push_str(rng.pick(BRANDS));
                s.push_str(match stype {
                    SchoolType::Primary => "小学",
                    SchoolType::Senior | SchoolType::Complete => "中学",
                    _ => "学校",
                });
            } else {
                let slot = match stype {
                    SchoolType::Primary => 0,
                    SchoolType::Junior | SchoolType::Complete => 1,
                    SchoolType::Nine => 2,
                    SchoolType::Senior => 3,
                };
                match (area, stype) {
                    (Area::Town, SchoolType::Primary | SchoolType::Junior | SchoolType::Nine) => {
                        s.push_str(town);
                        s.push('镇');
                        s.push_str(["中心小学", "中学", "九年制学校"][slot.min(2)]);
                    }
                    (Area::Rural, SchoolType::Primary) if ur_code == "220" => {
                        s.push_str(town);
                        s.push('乡');
                        s.push_str(village);
                        s.push_str("村小学");
                    }
                    (Area::Rural, _) => {
                        s.push_str(town);
                        s.push('乡');
                        s.push_str(["中心小学", "初级中学", "九年制学校"][slot.min(2)]);
                    }
                    // 九年一贯制 schools in town are usually named after their place.
                    (_, SchoolType::Nine) => {
                        s.push_str(town);
                        s.push_str("学校");
                    }
                    _ => {
                        numbers[slot] += 1;
                        s.push('第');
                        push_chinese_number(s, numbers[slot]);
                        s.push_str(["小学", "中学", "学校", "高级中学"][slot]);
                    }
                }
            }

            push_pad(cells.set(c_code), code, 10);
            cells.set(c_type).push_str(stype.code());
            push_u64(cells.set(c_region), county.code as u64);
            cells.set(c_ur).push_str(ur_code);
            cells
                .set(c_credit)
                .push_str(ascii(&credit_code(private, county.code, n, opts.seed)));

            let s = cells.set(c_addr);
            s.push_str(&county.full);
            match area {
                Area::Urban | Area::Town => {
                    if area == Area::Town {
                        s.push_str(town);
                        s.push('镇');
                    }
                    s.push_str(rng.pick(STREETS));
                    push_u64(s, rng.range(1, 399) as u64);
                    s.push('号');
                }
                Area::Rural => {
                    s.push_str(town);
                    s.push('乡');
                    s.push_str(village);
                    s.push('村');
                }
            }
            let mut lon = county.pos.0 + rng.range(-county.spread, county.spread);
            let mut lat = county.pos.1 + rng.range(-county.spread, county.spread);
            // Near a city's edge the jitter can cross it: such a school sits at its county's
            // point instead (inside the city), so that the only schools outside their city are
            // the misplaced ones below (no random draw is added).
            if !bounds.get(county.code / 100 * 100).is_none_or(|c| c.contains((lon as f64 / 1e6, lat as f64 / 1e6))) {
                (lon, lat) = county.pos;
            }
            push_micro(cells.set(c_lon), lon);
            push_micro(cells.set(c_lat), lat);
            let male = rng.chance(0.6);
            let eth = rng.weighted(county.mix);
            names::push_name(
                cells.set(c_principal),
                &mut rng,
                male,
                eth,
                Generation::Adult,
            );

            let city = &CITIES[county.city];
            let s = cells.set(c_phone);
            match rng.below(100) {
                0..=87 => {
                    s.push_str(city.area);
                    s.push('-');
                    if city.area.len() == 3 {
                        push_u64(s, rng.range(8000_0000, 8999_9999) as u64);
                    } else {
                        push_u64(s, rng.range(200_0000, 899_9999) as u64);
                    }
                }
                88..=93 => push_mobile(s, &mut rng),
                _ => {}
            }
            push_u64(
                cells.set(c_post),
                (county.postcode + 10 * rng.below(5) as u32) as u64,
            );

            if let Some(k) = kind {
                plant(&mut cells, &mut rng, k, last_code);
            }
            // A planted row's identifier still counts for duplicates unless it is malformed.
            if kind != Some(Rule::SchoolCodeFormat) {
                last_code = cells.get(c_code).parse().ok();
            }
            let warning = if kind.is_none() && rng.chance(opts.warning_rate) {
                Some(warn(&mut cells, &mut rng, stype, ur_name))
            } else {
                None
            };
            if kind.is_none() && stride > 0 && (schools.len() as u64) % stride == stride / 2 && (misplaced.len() as u64) < misplace {
                // A point well inside another city (its inner points are ≥ 0.06° from its
                // boundary; 1e-4 degrees, written in 1e-6).
                let other = &CITIES[(county.city + 7) % CITIES.len()];
                let (x, y) = other.inner[misplaced.len() % other.inner.len()];
                push_micro(cells.set(c_lon), x as i64 * 100);
                push_micro(cells.set(c_lat), y as i64 * 100);
                misplaced.push(cells.get(c_code).to_string());
            }
            if kind.is_none() {
                let weight = stype.size()
                    * match (county.class, area) {
                        (CountyClass::Core, _) => 16,
                        (_, Area::Urban) => 13,
                        (_, Area::Town) => 10,
                        (_, Area::Rural) => 5,
                    }
                    * (50 + rng.below(101))
                    / 100;
                schools.push(School {
                    code,
                    county: ci,
                    kind: stype,
                    area,
                    weight: weight.max(1),
                });
            }
            out.record(cells.record())?;
            planter.tally.row(kind, warning);
            n += 1;
        }
    }
    out.finish()?;
    Ok((schools, planter.tally.expected(), misplaced))
}

pub fn push_mobile(s: &mut String, rng: &mut Rng) {
    const PREFIX: [&str; 24] = [
        "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159",
        "177", "180", "181", "182", "183", "186", "187", "188", "189", "191", "199",
    ];
    s.push_str(rng.pick(&PREFIX));
    push_pad(s, rng.below(100_000_000), 8);
}

/// Breaks exactly one rule of a school row.
fn plant(cells: &mut Cells, rng: &mut Rng, kind: Rule, last_code: Option<u64>) {
    let col = |k| Cells::col(&SCHOOL, k);
    let variant = rng.below(3);
    match kind {
        Rule::RequiredMissing => {
            cells.set(col("name"));
        }
        Rule::SchoolCodeFormat => {
            let code = cells.get(col("school_code")).to_string();
            let s = cells.set(col("school_code"));
            match variant {
                // Category 20 does not exist; province 00 does not exist; nine digits.
                0 => {
                    s.push_str("20");
                    s.push_str(&code[2..]);
                }
                1 => {
                    s.push_str(&code[..2]);
                    s.push_str("00");
                    s.push_str(&code[4..]);
                }
                _ => s.push_str(&code[..9]),
            }
        }
        Rule::SchoolCodeDuplicate => {
            push_pad(cells.set(col("school_code")), last_code.unwrap_or(0), 10)
        }
        Rule::SchoolTypeUnknown => cells
            .set(col("school_type"))
            .push_str(["21", "999", "213"][variant as usize]),
        Rule::RegionUnknown => {
            let region = cells
                .get(col("region_code"))
                .parse::<u32>()
                .unwrap_or(510104);
            let s = cells.set(col("region_code"));
            match variant {
                // The prefecture, not the county; a Beijing district; no such code.
                0 => push_u64(s, (region / 100 * 100) as u64),
                1 => s.push_str("110101"),
                _ => s.push_str("519999"),
            }
        }
        Rule::UrbanRuralUnknown => cells
            .set(col("urban_rural"))
            .push_str(["11", "300", "230"][variant as usize]),
        Rule::CreditCodeFormat => {
            let code = cells.get(col("credit_code")).to_string();
            let s = cells.set(col("credit_code"));
            if variant == 2 {
                s.push_str(&code[..17]);
            } else {
                // I and O are not in the GB 32100 alphabet (they look like 1 and 0).
                s.push_str(&code[..10]);
                s.push(if variant == 0 { 'I' } else { 'O' });
                s.push_str(&code[11..]);
            }
        }
        Rule::CreditCodeCheckDigit => {
            let code = cells.get(col("credit_code")).to_string();
            let last = code.as_bytes()[17];
            let i = CREDIT_ALPHABET.iter().position(|&c| c == last).unwrap_or(0);
            let s = cells.set(col("credit_code"));
            s.push_str(&code[..17]);
            s.push(CREDIT_ALPHABET[(i + 1 + rng.below(30) as usize) % 31] as char);
        }
        Rule::CoordinatesInvalid => {
            let (lon, lat) = (
                cells.get(col("longitude")).to_string(),
                cells.get(col("latitude")).to_string(),
            );
            match variant {
                // Swapped; latitude missing; a longitude outside China.
                0 => {
                    cells.set(col("longitude")).push_str(&lat);
                    cells.set(col("latitude")).push_str(&lon);
                }
                1 => {
                    cells.set(col("latitude"));
                }
                _ => {
                    let s = cells.set(col("longitude"));
                    s.push('2');
                    s.push_str(&lon[1..]);
                }
            }
        }
        _ => unreachable!("not a school kind: {kind:?}"),
    }
}

/// Plants one normalisation warning on a valid school row.
fn warn(cells: &mut Cells, rng: &mut Rng, stype: SchoolType, ur_name: &str) -> Warning {
    let col = |k| Cells::col(&SCHOOL, k);
    match rng.below(3) {
        0 => {
            let name = cells.get(col("name")).to_string();
            pad(cells.set(col("name")), &name, rng);
            Warning::WhitespaceTrimmed
        }
        1 => {
            if rng.chance(0.5) {
                cells.set(col("school_type")).push_str(stype.zh());
            } else {
                cells.set(col("urban_rural")).push_str(ur_name);
            }
            Warning::ValueMapped
        }
        _ => {
            let c = if rng.chance(0.5) && !cells.get(col("phone")).is_empty() {
                col("phone")
            } else {
                col("postal_code")
            };
            let v = cells.get(c).to_string();
            push_fullwidth(cells.set(c), &v);
            Warning::FullwidthNormalized
        }
    }
}

/// Surrounds a value with the whitespace spreadsheets leave behind: spaces, or the ideographic
/// space U+3000 of Chinese input methods.
pub fn pad(s: &mut String, value: &str, rng: &mut Rng) {
    match rng.below(3) {
        0 => {
            s.push(' ');
            s.push_str(value);
        }
        1 => {
            s.push_str(value);
            s.push_str("  ");
        }
        _ => {
            s.push_str(value);
            s.push('\u{3000}');
        }
    }
}
