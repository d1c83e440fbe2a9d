//! 学校地理信息's boundary check (issue 14): whether a school's coordinates lie inside the
//! boundary of the area it is registered in. The offline data holds the province's CITY polygons
//! only (`data/sichuan-cities.geojson`, ids = 6-digit city codes), no county boundaries: a
//! school is judged against its city (the first four digits of its county code + `00`).
//!
//! Pure: the GeoJSON is parsed once into rings with bounding boxes ([`Boundaries`]), and each
//! test is an even–odd ray cast over the rings of the one city, skipped when the point is outside
//! the city's box. A polygon's holes (inner rings) are honoured; a multipolygon is inside when
//! any of its polygons is.

use std::collections::HashMap;

/// A closed ring of (longitude, latitude) vertices (the last may repeat the first), with its
/// edges indexed by horizontal bands: a point's ray is tested against the edges of its band
/// only (a city's ring has up to 4,707 vertices; a band holds a few dozen edges).
#[derive(Debug, Clone, PartialEq)]
struct Ring {
    pts: Vec<(f64, f64)>,
    bbox: BBox,
    /// Band height (degrees) and, per band from the box's south edge, the edges (by their end
    /// vertex `i`, from `i - 1`) whose latitude span meets it.
    band: f64,
    bands: Vec<Vec<u32>>,
}

/// Bands per ring: about one per 32 vertices, at most 256.
fn band_count(vertices: usize) -> usize {
    (vertices / 32).clamp(1, 256)
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct BBox {
    min: (f64, f64),
    max: (f64, f64),
}

impl BBox {
    fn of(pts: &[(f64, f64)]) -> BBox {
        let mut b = BBox { min: (f64::INFINITY, f64::INFINITY), max: (f64::NEG_INFINITY, f64::NEG_INFINITY) };
        for &(x, y) in pts {
            b.min = (b.min.0.min(x), b.min.1.min(y));
            b.max = (b.max.0.max(x), b.max.1.max(y));
        }
        b
    }
    fn union(self, o: BBox) -> BBox {
        BBox { min: (self.min.0.min(o.min.0), self.min.1.min(o.min.1)), max: (self.max.0.max(o.max.0), self.max.1.max(o.max.1)) }
    }
    fn holds(&self, (x, y): (f64, f64)) -> bool {
        x >= self.min.0 && x <= self.max.0 && y >= self.min.1 && y <= self.max.1
    }
}

impl Ring {
    fn new(pts: Vec<(f64, f64)>) -> Ring {
        let bbox = BBox::of(&pts);
        let n = band_count(pts.len());
        let band = ((bbox.max.1 - bbox.min.1) / n as f64).max(f64::MIN_POSITIVE);
        let mut bands = vec![Vec::new(); n];
        let at = |y: f64| (((y - bbox.min.1) / band).floor().max(0.0) as usize).min(n - 1);
        for i in 0..pts.len() {
            let j = if i == 0 { pts.len() - 1 } else { i - 1 };
            let (lo, hi) = (pts[i].1.min(pts[j].1), pts[i].1.max(pts[j].1));
            for b in &mut bands[at(lo)..=at(hi)] {
                b.push(i as u32);
            }
        }
        Ring { pts, bbox, band, bands }
    }

    /// Even–odd rule over the edges of the point's band: the same answer as [`point_in_ring`]
    /// (an edge the eastward ray crosses spans the point's latitude, so it is in that band).
    fn contains(&self, p: (f64, f64)) -> bool {
        if self.pts.len() < 3 || !self.bbox.holds(p) {
            return false;
        }
        let (x, y) = p;
        let n = self.bands.len();
        let b = (((y - self.bbox.min.1) / self.band).floor().max(0.0) as usize).min(n - 1);
        let mut inside = false;
        for &i in &self.bands[b] {
            let i = i as usize;
            let j = if i == 0 { self.pts.len() - 1 } else { i - 1 };
            let ((xi, yi), (xj, yj)) = (self.pts[i], self.pts[j]);
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
        }
        inside
    }
}

/// Whether `p` lies inside the ring `ring` (even–odd ray casting; points exactly on an edge may
/// fall either way, which at survey precision does not matter).
pub fn point_in_ring(p: (f64, f64), ring: &[(f64, f64)]) -> bool {
    let (x, y) = p;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// One polygon: its outer ring and its holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    outer: Ring,
    holes: Vec<Ring>,
}

impl Polygon {
    /// A polygon of an outer ring and holes, each a list of (longitude, latitude).
    pub fn new(outer: Vec<(f64, f64)>, holes: Vec<Vec<(f64, f64)>>) -> Polygon {
        Polygon { outer: Ring::new(outer), holes: holes.into_iter().map(Ring::new).collect() }
    }
    pub fn contains(&self, p: (f64, f64)) -> bool {
        self.outer.contains(p) && !self.holes.iter().any(|h| h.contains(p))
    }
}

/// One area of the map (a city): one or more polygons.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub code: u32,
    pub name: String,
    polygons: Vec<Polygon>,
    bbox: BBox,
}

impl Area {
    pub fn new(code: u32, name: &str, polygons: Vec<Polygon>) -> Area {
        let bbox = polygons.iter().map(|p| p.outer.bbox).reduce(BBox::union).unwrap_or(BBox { min: (0.0, 0.0), max: (-1.0, -1.0) });
        Area { code, name: name.to_string(), polygons, bbox }
    }
    pub fn contains(&self, p: (f64, f64)) -> bool {
        self.bbox.holds(p) && self.polygons.iter().any(|g| g.contains(p))
    }
}

/// The areas of a map, by code.
#[derive(Debug, Clone, Default)]
pub struct Boundaries {
    areas: Vec<Area>,
    by_code: HashMap<u32, usize>,
}

impl Boundaries {
    pub fn new(areas: Vec<Area>) -> Boundaries {
        let by_code = areas.iter().enumerate().map(|(i, a)| (a.code, i)).collect();
        Boundaries { areas, by_code }
    }

    /// The features of a GeoJSON FeatureCollection whose code (`properties.code`, else `id`) is
    /// a 6-digit number, with Polygon or MultiPolygon geometries; others are skipped.
    pub fn from_geojson(bytes: &[u8]) -> Result<Boundaries, String> {
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("GeoJSON: {e}"))?;
        let features = v.get("features").and_then(|f| f.as_array()).ok_or("GeoJSON: no features")?;
        let mut areas = Vec::new();
        for f in features {
            let props = f.get("properties");
            let code = props
                .and_then(|p| p.get("code"))
                .or_else(|| f.get("id"))
                .and_then(|c| c.as_str().map(str::to_string).or_else(|| c.as_u64().map(|n| n.to_string())))
                .and_then(|c| c.parse::<u32>().ok());
            let Some(code) = code.filter(|c| (100_000..1_000_000).contains(c)) else { continue };
            let name = props.and_then(|p| p.get("name")).and_then(|n| n.as_str()).unwrap_or_default();
            let Some(g) = f.get("geometry") else { continue };
            let coords = g.get("coordinates");
            let polys: Vec<&serde_json::Value> = match (g.get("type").and_then(|t| t.as_str()), coords.and_then(|c| c.as_array())) {
                (Some("Polygon"), Some(_)) => vec![coords.unwrap()],
                (Some("MultiPolygon"), Some(list)) => list.iter().collect(),
                _ => continue,
            };
            let polygons = polys.into_iter().filter_map(polygon_of).collect();
            areas.push(Area::new(code, name, polygons));
        }
        Ok(Boundaries::new(areas))
    }

    pub fn get(&self, code: u32) -> Option<&Area> {
        self.by_code.get(&code).map(|&i| &self.areas[i])
    }

    /// The area holding `p`, if any (the first by the map's order).
    pub fn area_at(&self, p: (f64, f64)) -> Option<&Area> {
        self.areas.iter().find(|a| a.contains(p))
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }
}

fn ring_of(v: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?.iter().map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect()
}

fn polygon_of(v: &serde_json::Value) -> Option<Polygon> {
    let rings = v.as_array()?;
    let outer = ring_of(rings.first()?)?;
    let holes = rings[1..].iter().filter_map(ring_of).collect();
    Some(Polygon::new(outer, holes))
}

/// Why a school's coordinates are flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// 坐标缺失: no longitude or latitude, or both zero.
    Missing,
    /// 坐标超出有效范围: not a number, or outside the ranges the data standard allows
    /// (longitude 73–136, latitude 3–54).
    OutOfRange,
    /// 坐标超出所属市州边界: a valid point outside the polygon of the school's city.
    OutsideCity,
}

impl Flag {
    pub const ALL: [Flag; 3] = [Flag::Missing, Flag::OutOfRange, Flag::OutsideCity];

    pub fn code(self) -> &'static str {
        match self {
            Flag::Missing => "missing",
            Flag::OutOfRange => "out_of_range",
            Flag::OutsideCity => "outside_city",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Flag::Missing => "坐标缺失",
            Flag::OutOfRange => "坐标超出有效范围",
            Flag::OutsideCity => "坐标超出所属市州边界",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Flag::Missing => "coordinates missing",
            Flag::OutOfRange => "coordinates out of range",
            Flag::OutsideCity => "coordinates outside the school's city",
        }
    }
}

/// The coordinates as numbers when both are present, not both zero and in the standard's
/// ranges; else why not.
pub fn parse_point(longitude: &str, latitude: &str) -> Result<(f64, f64), Flag> {
    let (lon, lat) = (longitude.trim(), latitude.trim());
    if lon.is_empty() || lat.is_empty() {
        return Err(Flag::Missing);
    }
    let (Ok(x), Ok(y)) = (lon.parse::<f64>(), lat.parse::<f64>()) else { return Err(Flag::OutOfRange) };
    if x == 0.0 && y == 0.0 {
        return Err(Flag::Missing);
    }
    if !(73.0..=136.0).contains(&x) || !(3.0..=54.0).contains(&y) {
        return Err(Flag::OutOfRange);
    }
    Ok((x, y))
}

/// The city of a county code (GB/T 2260: the first four digits): 510104 → 510100.
pub fn city_of(county: u32) -> u32 {
    county / 100 * 100
}

/// The boundary check of one school: None when its coordinates are fine, or when its city has
/// no polygon on the map (nothing to judge against), else why it is flagged.
pub fn check(b: &Boundaries, county: u32, longitude: &str, latitude: &str) -> Option<Flag> {
    match parse_point(longitude, latitude) {
        Err(f) => Some(f),
        Ok(p) => match b.get(city_of(county)) {
            Some(city) if !city.contains(p) => Some(Flag::OutsideCity),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, side: f64) -> Vec<(f64, f64)> {
        vec![(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side), (x0, y0)]
    }

    #[test]
    fn rings_polygons_with_holes_and_multipolygons() {
        // A 10° square with a 2° hole in its middle, and a second, separate island.
        let donut = Polygon::new(square(100.0, 25.0, 10.0), vec![square(104.0, 29.0, 2.0)]);
        let island = Polygon::new(square(120.0, 25.0, 1.0), vec![]);
        let a = Area::new(510100, "甲市", vec![donut, island]);
        assert!(a.contains((101.0, 26.0)));
        assert!(!a.contains((105.0, 30.0)), "inside the hole is outside the area");
        assert!(a.contains((103.9, 30.0)), "beside the hole is inside");
        assert!(a.contains((120.5, 25.5)), "the multipolygon's second part");
        assert!(!a.contains((115.0, 26.0)), "between the parts");
        assert!(!a.contains((99.9, 26.0)));
        // A concave ring (an L): the notch is outside.
        let l = vec![(0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0), (0.0, 2.0)];
        assert!(point_in_ring((0.5, 1.5), &l));
        assert!(!point_in_ring((1.5, 1.5), &l));
        assert!(!point_in_ring((0.5, 0.5), &[(0.0, 0.0), (1.0, 1.0)]), "two points are no ring");
    }

    /// The banded test answers as the plain ray cast, on the real map's rings.
    #[test]
    fn bands_answer_as_the_plain_ray_cast() {
        let b = Boundaries::from_geojson(include_bytes!("../../../data/sichuan-cities.geojson")).unwrap();
        let mut x: u64 = 7;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut inside, mut n) = (0, 0);
        for a in &b.areas {
            for g in &a.polygons {
                let r = &g.outer;
                for _ in 0..400 {
                    let p = (r.bbox.min.0 + next() * (r.bbox.max.0 - r.bbox.min.0), r.bbox.min.1 + next() * (r.bbox.max.1 - r.bbox.min.1));
                    let want = point_in_ring(p, &r.pts);
                    assert_eq!(r.contains(p), want, "{} at {p:?}", a.name);
                    inside += want as u32;
                    n += 1;
                }
            }
        }
        assert!(inside > n / 5 && inside < n, "{inside} of {n} inside: both answers exercised");
    }

    #[test]
    fn geojson_holes_codes_and_checks() {
        let gj = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"510100","properties":{"name":"甲市"},"geometry":{"type":"Polygon","coordinates":[[[100,25],[110,25],[110,35],[100,35],[100,25]],[[104,29],[106,29],[106,31],[104,31],[104,29]]]}},
          {"type":"Feature","properties":{"code":"510300","name":"乙市"},"geometry":{"type":"MultiPolygon","coordinates":[[[[110,25],[112,25],[112,27],[110,27],[110,25]]],[[[120,25],[121,25],[121,26],[120,26],[120,25]]]]}},
          {"type":"Feature","properties":{"name":"无码"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let b = Boundaries::from_geojson(gj.as_bytes()).unwrap();
        assert_eq!(b.len(), 2, "the feature without a code is skipped");
        assert_eq!(check(&b, 510104, "101.5", "26.5"), None);
        assert_eq!(check(&b, 510104, "105", "30"), Some(Flag::OutsideCity), "in the hole");
        assert_eq!(check(&b, 510104, "120.5", "25.5"), Some(Flag::OutsideCity), "in another city");
        assert_eq!(b.area_at((120.5, 25.5)).map(|a| a.code), Some(510300));
        assert_eq!(check(&b, 510302, "120.5", "25.5"), None, "the multipolygon's second part");
        assert_eq!(check(&b, 510104, "", "30"), Some(Flag::Missing));
        assert_eq!(check(&b, 510104, "0", "0"), Some(Flag::Missing));
        assert_eq!(check(&b, 510104, "204.1", "30"), Some(Flag::OutOfRange));
        assert_eq!(check(&b, 510104, "东经104", "30"), Some(Flag::OutOfRange));
        assert_eq!(check(&b, 519904, "101", "26"), None, "a city without a polygon is not judged");
        assert!(Boundaries::from_geojson(b"{}").is_err());
    }
}
