//! Sichuan's geography as the generator needs it: the 21 prefecture-level cities with their
//! population, area code, postcode and map points, and the 183 counties taken from the standard's
//! own GB/T 2260 table, so every region code written is one the validator accepts.

use crate::rng::mix64;
use standard::codes::DIVISIONS;

/// Ethnic mix as (GB 3304 code, weight per mille).
pub type EthnicMix = &'static [(&'static str, u32)];

pub struct City {
    pub code: u32,
    /// Resident population, 2020 census, in units of 10,000.
    pub pop: u32,
    /// The city centre (from `data/sichuan-cities.geojson`, `properties.center`), 1e-4 degrees.
    pub center: (i32, i32),
    /// Points at least 0.06° inside the city boundary, spread over its area (farthest-point
    /// sampling of the same GeoJSON), 1e-4 degrees: counties are placed on these, so a school
    /// plus its small jitter stays inside the right city.
    pub inner: [(i32, i32); 12],
    /// Telephone area code.
    pub area: &'static str,
    pub postcode: u32,
    pub mix: EthnicMix,
}

const HAN: EthnicMix = &[
    ("01", 988),
    ("03", 2),
    ("04", 2),
    ("07", 2),
    ("06", 2),
    ("15", 2),
    ("33", 1),
    ("14", 1),
];
const PANZHIHUA: EthnicMix = &[
    ("01", 880),
    ("07", 75),
    ("20", 15),
    ("03", 10),
    ("14", 8),
    ("04", 6),
    ("06", 6),
];
const LIANGSHAN: EthnicMix = &[
    ("01", 440),
    ("07", 520),
    ("04", 18),
    ("20", 6),
    ("06", 6),
    ("03", 5),
    ("27", 3),
    ("09", 2),
];
const GARZE: EthnicMix = &[
    ("04", 780),
    ("01", 180),
    ("07", 20),
    ("33", 5),
    ("03", 12),
    ("11", 3),
];
const ABA: EthnicMix = &[("04", 580), ("33", 180), ("01", 205), ("03", 30), ("07", 5)];
/// 茂县, 汶川县, 理县 and 北川羌族自治县: the Qiang heartland.
const QIANG: EthnicMix = &[("33", 520), ("04", 140), ("01", 320), ("03", 20)];
/// 峨边 and 马边 彝族自治县 in Leshan.
const YI_COUNTY: EthnicMix = &[("07", 380), ("01", 605), ("04", 5), ("03", 5), ("06", 5)];
/// 木里藏族自治县: Tibetan, Yi, Han and a Pumi minority.
const MULI: EthnicMix = &[
    ("04", 330),
    ("07", 300),
    ("01", 320),
    ("40", 30),
    ("20", 20),
];
/// 兴文, 珙县, 叙永, 古蔺: Miao townships.
const MIAO_COUNTY: EthnicMix = &[("01", 935), ("06", 55), ("07", 5), ("03", 5)];

macro_rules! city {
    ($code:literal, $pop:literal, $c:expr, $area:literal, $post:literal, $mix:expr, [$($p:expr),*]) => {
        City { code: $code, pop: $pop, center: $c, inner: [$($p),*], area: $area, postcode: $post, mix: $mix }
    };
}

#[rustfmt::skip]
pub static CITIES: [City; 21] = [
    city!(510100, 2094, (1040657, 306595), "028", 610000, HAN, [(1032070,303126),(1037771,313517),(1047748,305808),(1034920,308154),(1036821,303461),(1044422,308489),(1038721,309830),(1041096,303126),(1031594,307149),(1034445,305137),(1037296,306478),(1035870,310836)]),
    city!(510300, 249, (1047734, 293528), "0813", 643000, HAN, [(1041899,294862),(1051352,290050),(1044644,292902),(1048303,290763),(1050438,292723),(1044339,295397),(1042509,292902),(1051962,291654),(1050133,291119),(1046169,293436),(1048913,292367),(1043424,294149)]),
    city!(510400, 121, (1017160, 265804), "0812", 617000, PANZHIHUA, [(1012062,271066),(1021508,270751),(1016785,270751),(1018174,262247),(1014562,267916),(1019841,267916),(1019563,265397),(1017341,268231),(1014284,270436),(1019008,270121),(1015118,265712),(1017063,263822)]),
    city!(510500, 425, (1054433, 288891), "0830", 646000, HAN, [(1062419,278470),(1053463,279723),(1062419,286820),(1057786,282228),(1053771,284315),(1057169,277636),(1058095,286820),(1056242,291830),(1059639,279723),(1053154,291412),(1059948,288907),(1057169,289325)]),
    city!(510600, 346, (1043987, 311280), "0838", 618000, HAN, [(1050895,306868),(1039856,315965),(1047791,309802),(1040546,312444),(1046411,312150),(1048481,307455),(1042616,313617),(1041926,310683),(1045721,310096),(1044686,313031),(1040891,314498),(1042271,312150)]),
    city!(510700, 487, (1047417, 314640), "0816", 621000, HAN, [(1041692,328377),(1056524,310865),(1040209,319621),(1051580,321956),(1050591,308530),(1045648,323707),(1053063,315535),(1042681,315535),(1045648,319037),(1040209,324291),(1049603,318453),(1050591,312616)]),
    city!(510800, 231, (1058298, 324337), "0839", 628000, HAN, [(1048061,325644),(1054539,316504),(1066414,323184),(1061016,318613),(1053459,321777),(1062636,325996),(1053999,326348),(1057238,320371),(1062636,322129),(1051300,324238),(1059397,327402),(1058317,317559)]),
    city!(510900, 281, (1055713, 305133), "0825", 629000, HAN, [(1052598,310254),(1051420,304330),(1056603,308773),(1053305,307045),(1056132,302602),(1053776,303589),(1058017,305317),(1054483,309020),(1055425,307045),(1057310,307045),(1053069,305317),(1057075,304083)]),
    city!(511000, 314, (1050661, 295871), "0832", 641000, HAN, [(1044604,296892),(1053709,293702),(1047835,298168),(1046954,294553),(1053415,297317),(1050478,298380),(1051360,293702),(1045779,298806),(1048422,296041),(1046660,296679),(1052241,295191),(1051653,297317)]),
    city!(511100, 316, (1037613, 295820), "0833", 614000, HAN, [(1033627,285528),(1030604,293444),(1039674,289298),(1034635,290429),(1029932,288921),(1040682,293067),(1033963,296837),(1041018,296460),(1036650,287790),(1037322,292313),(1033963,293444),(1036314,298345)]),
    city!(511300, 561, (1060830, 307953), "0817", 637000, HAN, [(1063370,317618),(1055367,314838),(1068324,311364),(1060321,313101),(1064132,310670),(1065657,314491),(1057653,309975),(1060321,316228),(1063751,307543),(1057272,312754),(1062989,313796),(1059178,305806)]),
    city!(511400, 296, (1038318, 300483), "028", 620000, HAN, [(1029283,294827),(1043998,298197),(1032647,299160),(1041896,301808),(1041055,298919),(1032226,296271),(1035169,300604),(1038112,297956),(1038532,302771),(1043577,300364),(1040214,300845),(1036851,301567)]),
    city!(511500, 459, (1046308, 287602), "0831", 644000, HAN, [(1045949,279299),(1038096,287135),(1052493,283217),(1042459,291410),(1051184,288560),(1043331,283929),(1048130,283573),(1042023,287491),(1045949,291053),(1049003,280367),(1050312,285710),(1045513,282148)]),
    city!(511600, 325, (1066334, 304564), "0826", 638000, HAN, [(1060331,304390),(1071869,302742),(1067797,300887),(1063385,306451),(1063385,303154),(1068815,306451),(1069154,303566),(1066439,307069),(1070172,301299),(1067118,302742),(1062367,304802),(1064403,304802)]),
    city!(511700, 539, (1075023, 312095), "0818", 635000, HAN, [(1082884,321624),(1067845,308516),(1076304,319103),(1081474,314566),(1073485,305491),(1078654,309020),(1070665,312549),(1083824,317591),(1077714,315574),(1072075,309020),(1080064,318599),(1078654,312549)]),
    city!(511800, 143, (1030010, 299877), "0835", 625000, HAN, [(1022830,289764),(1027937,308591),(1023925,296563),(1025019,303361),(1028666,293425),(1030490,304407),(1020642,293948),(1026113,299700),(1025019,292902),(1027572,296563),(1025384,306499),(1027937,302315)]),
    city!(511900, 271, (1067537, 318588), "0827", 636000, HAN, [(1076421,323112),(1069069,326470),(1074321,316397),(1071520,321993),(1069769,314159),(1071170,318263),(1068019,322366),(1074671,320128),(1065218,316397),(1073620,324231),(1071870,315651),(1065918,320501)]),
    city!(512000, 231, (1046419, 301222), "028", 641300, HAN, [(1056563,299536),(1051879,302203),(1045632,305597),(1042900,303172),(1049146,304627),(1053050,299051),(1049146,300506),(1054611,301475),(1055002,297839),(1047194,303415),(1044461,301718),(1051098,300021)]),
    city!(513200, 82, (1022214, 318998), "0837", 624000, ABA, [(1040954,335232),(1023358,338951),(1039976,317568),(1006740,324076),(1030201,309201),(1030201,328725),(1016515,329654),(1011627,315709),(1021403,307342),(1031178,319428),(1032156,337092),(1038021,326865)]),
    city!(513300, 111, (1019638, 300507), "0836", 626000, GARZE, [(975416,338195),(989569,310078),(993429,283524),(1003722,325698),(1002435,299144),(985709,325698),(1011442,313202),(1016588,286648),(990856,297582),(999862,314764),(1005009,288210),(975416,327260)]),
    city!(513400, 486, (1022587, 278868), "0834", 615000, LIANGSHAN, [(1006817,289372),(1020174,261681),(1037348,283671),(1009679,275526),(1026853,291001),(1028761,268196),(1013496,283671),(1031624,277155),(1017312,272269),(1004909,282042),(1021128,286114),(1028761,283671)]),
];

/// How built-up a county is, which decides school sizes, 城乡分类 and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountyClass {
    /// Chengdu's five central districts.
    Core,
    /// Other city districts (区).
    District,
    /// County-level cities (县级市).
    CountyCity,
    /// Counties (县, 自治县).
    Rural,
}

pub struct County {
    pub code: u32,
    /// "成都市锦江区" for a district, "都江堰市" or "金堂县" otherwise: the prefix of school
    /// names and addresses.
    pub prefix: String,
    /// "成都市锦江区" always: addresses name the city.
    pub full: String,
    pub city: usize,
    pub class: CountyClass,
    /// Relative share of the province's pupils.
    pub weight: u64,
    /// Where the county's schools cluster, 1e-6 degrees.
    pub pos: (i64, i64),
    /// Spread of schools around `pos`, 1e-6 degrees.
    pub spread: i64,
    pub postcode: u32,
    pub mix: EthnicMix,
}

/// The 183 counties of Sichuan in code order, with fixed (seed-independent) weights and places.
pub fn counties() -> Vec<County> {
    let mut out = Vec::with_capacity(183);
    for (ci, city) in CITIES.iter().enumerate() {
        let city_name = DIVISIONS
            .get(city.code)
            .map(|d| d.name.as_str())
            .unwrap_or("");
        let list: Vec<_> = DIVISIONS
            .counties_of(51)
            .filter(|d| d.parent == Some(city.code))
            .collect();
        let n = list.len().max(1) as u64;
        for (k, d) in list.iter().enumerate() {
            let name = d.name.as_str();
            let class = if city.code == 510100 && d.code <= 510108 {
                CountyClass::Core
            } else if name.ends_with('区') {
                CountyClass::District
            } else if name.ends_with('市') {
                CountyClass::CountyCity
            } else {
                CountyClass::Rural
            };
            let h = mix64(d.code as u64);
            // 0.6..1.4 of an even split of the city's population, a little more in built-up districts
            // (their schools are also larger, see `schools::write`).
            let jitter = 600 + h % 801;
            let boost = match class {
                CountyClass::Core => 1300,
                CountyClass::District => 1150,
                CountyClass::CountyCity => 1050,
                CountyClass::Rural => 1000,
            };
            let weight = city.pop as u64 * 1_000_000 / n * jitter / 1000 * boost / 1000;
            let (pos, spread) = match class {
                CountyClass::Core => {
                    let off = |s: u64| (s % 401) as i64 * 100 - 20_000;
                    (
                        (
                            city.center.0 as i64 * 100 + off(h),
                            city.center.1 as i64 * 100 + off(h >> 20),
                        ),
                        25_000,
                    )
                }
                CountyClass::District => {
                    let off = |s: u64| (s % 1201) as i64 * 100 - 60_000;
                    (
                        (
                            city.center.0 as i64 * 100 + off(h),
                            city.center.1 as i64 * 100 + off(h >> 20),
                        ),
                        40_000,
                    )
                }
                _ => {
                    let p = city.inner[(k + (h % 3) as usize) % city.inner.len()];
                    ((p.0 as i64 * 100, p.1 as i64 * 100), 50_000)
                }
            };
            let mix = county_mix(name).unwrap_or(city.mix);
            let full = format!("{city_name}{name}");
            let prefix = if class == CountyClass::District || class == CountyClass::Core {
                full.clone()
            } else {
                name.to_string()
            };
            let postcode = city.postcode + (k as u32 % 20) * 100;
            out.push(County {
                code: d.code,
                prefix,
                full,
                city: ci,
                class,
                weight,
                pos,
                spread,
                postcode,
                mix,
            });
        }
    }
    out
}

fn county_mix(name: &str) -> Option<EthnicMix> {
    Some(match name {
        "茂县" | "汶川县" | "理县" | "北川羌族自治县" => QIANG,
        "峨边彝族自治县" | "马边彝族自治县" => YI_COUNTY,
        "木里藏族自治县" => MULI,
        "兴文县" | "珙县" | "叙永县" | "古蔺县" => MIAO_COUNTY,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use standard::codes::{ETHNIC_GROUPS, LOOKUP};

    #[test]
    fn all_183_counties_with_valid_codes_and_places() {
        let cs = counties();
        assert_eq!(cs.len(), 183);
        for c in &cs {
            assert!(LOOKUP.is_county(c.code), "{}", c.code);
            let (lon, lat) = c.pos;
            assert!(
                (97_300_000..=108_600_000).contains(&lon)
                    && (26_000_000..=34_400_000).contains(&lat),
                "{}",
                c.full
            );
            assert!(c.weight > 0);
        }
        assert_eq!(
            cs.iter().filter(|c| c.class == CountyClass::Core).count(),
            5
        );
        assert!(cs.iter().any(|c| c.prefix == "成都市锦江区"));
        assert!(cs.iter().any(|c| c.prefix == "都江堰市"));
    }

    #[test]
    fn ethnic_codes_exist() {
        let cities = CITIES.iter().map(|c| c.mix);
        for mix in cities.chain([QIANG, YI_COUNTY, MULI, MIAO_COUNTY]) {
            assert_eq!(mix.iter().map(|m| m.1).sum::<u32>(), 1000);
            for (code, _) in mix {
                assert!(ETHNIC_GROUPS.get(code).is_some(), "{code}");
            }
        }
    }
}
