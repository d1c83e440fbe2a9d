//! 学校地理信息 (issue 14): the schools of the caller's area on the province's map, clustered
//! into a grid when many are in view; the boundary check of their coordinates (missing, out of
//! range, or outside the polygon of the school's CITY — the offline map has no county
//! boundaries); and each school's catchment note (学区/服务范围说明).
//!
//! Every read is `store::schoolmap::SchoolMap::school_places`, cut to the caller's scope in the
//! store (a region filter narrows the scope; a region outside it reads nothing), so the bins,
//! the counts and the flagged list hold nothing outside the area. The bins are computed here
//! from one read per request: 22,000 schools are binned and checked in a few milliseconds.

pub mod api;
pub mod export;
mod page;

use crate::error::AppError;
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use insight::geo::{Boundaries, Flag};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, Weak};
use store::schoolmap::{stage_prefixes, PlaceQuery, SchoolPlace};
use store::Scope;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/schools/map", get(page::page))
        .route("/schools/map.json", get(page::data))
        .route("/schools/{code}/note", post(page::save_note))
}

/// Points shown one by one when at most this many schools are in view; more are binned.
pub const POINTS_MAX: usize = 400;
/// The grid's cells across the view's width (and as many degrees high as wide).
pub const GRID: f64 = 24.0;
/// Rows of the flagged list shown on the page (the export holds them all).
pub const FLAGGED_SHOWN: usize = 200;

/// The map's filters: a region inside the area, a 办学类型 group, a stage.
#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapFilters {
    /// 地区代码（市或县，6 位） / A city or county code inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// 办学类型代码或其前缀（如 21 小学、312 九年一贯制学校） / A school-type code or its prefix.
    #[serde(default, rename = "type")]
    pub school_type: String,
    /// 学段：preschool, primary, junior, senior, vocational, special, higher
    #[serde(default)]
    pub stage: String,
}

impl MapFilters {
    /// The caller's scope narrowed to the region filter (outside the area: nothing).
    pub fn scope(&self, scope: &Scope) -> Result<Scope, AppError> {
        match self.region.trim() {
            "" => Ok(scope.clone()),
            r => {
                let r = r.parse::<u32>().ok().filter(|r| (100_000..1_000_000).contains(r)).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字。", "The region must be a 6-digit code."))?;
                Ok(scope.narrow(r).unwrap_or(Scope::Nothing))
            }
        }
    }

    pub fn query(&self) -> Result<PlaceQuery, AppError> {
        let t = self.school_type.trim();
        if !t.is_empty() && !(t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit())) {
            return Err(AppError::invalid("办学类型应为 1 至 3 位代码（如 21 小学）。", "The school type must be a code of 1 to 3 digits (21 for primary schools)."));
        }
        let stage = match self.stage.trim() {
            "" => Vec::new(),
            s => stage_prefixes(s)
                .ok_or_else(|| AppError::invalid("未知的学段（preschool、primary、junior、senior、vocational、special、higher）。", "Unknown stage (preschool, primary, junior, senior, vocational, special, higher)."))?
                .iter()
                .map(|p| p.to_string())
                .collect(),
        };
        Ok(PlaceQuery { types: if t.is_empty() { vec![] } else { vec![t.to_string()] }, stage_types: stage })
    }

    /// These filters as a query string.
    pub fn query_string(&self) -> String {
        use crate::render::urlencode as e;
        format!("region={}&type={}&stage={}", e(self.region.trim()), e(self.school_type.trim()), e(self.stage.trim()))
    }

    /// The filters as the audit log of an export records them.
    pub fn audited(&self) -> serde_json::Value {
        serde_json::json!({ "region": self.region.trim(), "type": self.school_type.trim(), "stage": self.stage.trim() })
    }
}

/// The province map's boundaries, parsed once per configured province (the map is read at start
/// and never changes while the server runs); None when the province has no map.
pub fn boundaries(app: &AppState) -> Option<Arc<Boundaries>> {
    static CACHE: Mutex<Vec<(Weak<crate::config::ProvinceInfo>, Arc<Boundaries>)>> = Mutex::new(Vec::new());
    let map = app.province.map.as_ref()?;
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache.retain(|(w, _)| w.strong_count() > 0);
    if let Some((_, b)) = cache.iter().find(|(w, _)| std::ptr::eq(w.as_ptr(), Arc::as_ptr(&app.province))) {
        return Some(b.clone());
    }
    let b = match Boundaries::from_geojson(map) {
        Ok(b) => Arc::new(b),
        Err(e) => {
            tracing::warn!(error = %e, "the province map cannot be read as boundaries; no school is judged against it");
            Arc::new(Boundaries::default())
        }
    };
    cache.push((Arc::downgrade(&app.province), b.clone()));
    Some(b)
}

/// One school as checked: its point when it has a valid one, its flag when it has one.
pub struct Checked {
    pub place: SchoolPlace,
    pub point: Option<(f64, f64)>,
    pub flag: Option<Flag>,
}

/// The boundary check of every place (no map: only missing and out-of-range are judged).
pub fn check_all(b: Option<&Boundaries>, places: Vec<SchoolPlace>) -> Vec<Checked> {
    let empty = Boundaries::default();
    let b = b.unwrap_or(&empty);
    places
        .into_iter()
        .map(|place| {
            let county = place.region_code.parse().unwrap_or(0);
            let flag = insight::geo::check(b, county, &place.longitude, &place.latitude);
            let point = insight::geo::parse_point(&place.longitude, &place.latitude).ok();
            Checked { place, point, flag }
        })
        .collect()
}

/// The summary of a view: the schools matching the filters, those placed on the map, and the
/// flagged ones by reason.
#[derive(Serialize, Default, Clone, Debug, PartialEq, utoipa::ToSchema)]
pub struct Summary {
    /// 符合筛选条件的学校数 / Schools matching the filters in the caller's area.
    pub schools: u64,
    /// 有有效坐标、可绘制的学校数 / Schools with valid coordinates.
    pub located: u64,
    /// 坐标质量问题合计 / Schools flagged, all reasons.
    pub flagged: u64,
    /// 坐标缺失 / Coordinates missing.
    pub missing: u64,
    /// 坐标超出有效范围 / Coordinates out of range.
    pub out_of_range: u64,
    /// 坐标超出所属市州边界 / Coordinates outside the school's city.
    pub outside_city: u64,
}

pub fn summary(all: &[Checked]) -> Summary {
    let mut s = Summary { schools: all.len() as u64, ..Default::default() };
    for c in all {
        s.located += c.point.is_some() as u64;
        match c.flag {
            Some(Flag::Missing) => s.missing += 1,
            Some(Flag::OutOfRange) => s.out_of_range += 1,
            Some(Flag::OutsideCity) => s.outside_city += 1,
            None => {}
        }
    }
    s.flagged = s.missing + s.out_of_range + s.outside_city;
    s
}

/// The view's bounds: west, south, east, north (degrees); None for the whole area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub w: f64,
    pub s: f64,
    pub e: f64,
    pub n: f64,
}

impl Bounds {
    /// `w,s,e,n` as the client sends it ('' for none).
    pub fn parse(v: &str) -> Result<Option<Bounds>, AppError> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        let bad = || AppError::invalid("视图范围应写作 西,南,东,北 四个经纬度数值。", "The bounds must read west,south,east,north in degrees.");
        let n: Vec<f64> = v.split(',').map(|x| x.trim().parse::<f64>().map_err(|_| bad())).collect::<Result<_, _>>()?;
        match n[..] {
            [w, s, e, n] if w.is_finite() && s.is_finite() && e.is_finite() && n.is_finite() && w < e && s < n => Ok(Some(Bounds { w, s, e, n })),
            _ => Err(bad()),
        }
    }
    fn holds(&self, (x, y): (f64, f64)) -> bool {
        x >= self.w && x <= self.e && y >= self.s && y <= self.n
    }
}

/// A cluster: the schools of one grid cell, at their mean position.
#[derive(Serialize, Debug, Clone, PartialEq, utoipa::ToSchema)]
pub struct Bin {
    pub lng: f64,
    pub lat: f64,
    pub count: u64,
    /// 其中坐标有问题的学校数 / Of them, flagged (outside their city).
    pub flagged: u64,
}

/// A school shown on its own.
#[derive(Serialize, Debug, Clone, PartialEq, utoipa::ToSchema)]
pub struct MapPoint {
    pub code: String,
    pub name: String,
    pub lng: f64,
    pub lat: f64,
    /// 坐标问题（outside_city），无则为空 / The flag's code, '' when none.
    pub flag: String,
    /// 学区/服务范围说明 / The school's catchment note ('' when none).
    pub note: String,
}

/// What the map draws for one view.
#[derive(Serialize, Debug, Clone, PartialEq, utoipa::ToSchema)]
pub struct MapView {
    pub summary: Summary,
    /// 视图内的学校数 / Schools in view.
    pub in_view: u64,
    /// clusters（聚合）or points（逐校） / What the view holds.
    pub mode: String,
    pub bins: Vec<Bin>,
    pub points: Vec<MapPoint>,
}

/// The view of `all` within `bounds`: every school when at most [`POINTS_MAX`] are in view,
/// else a [`GRID`]-wide grid of clusters (a cell with one school is shown as that school).
pub fn view(all: &[Checked], bounds: Option<Bounds>) -> MapView {
    let inside: Vec<&Checked> = all.iter().filter(|c| c.point.is_some_and(|p| bounds.is_none_or(|b| b.holds(p)))).collect();
    let point = |c: &Checked| {
        let (lng, lat) = c.point.unwrap_or_default();
        MapPoint { code: c.place.code.clone(), name: c.place.name.clone(), lng, lat, flag: c.flag.map(|f| f.code().to_string()).unwrap_or_default(), note: String::new() }
    };
    let summary = summary(all);
    if inside.len() <= POINTS_MAX {
        return MapView { summary, in_view: inside.len() as u64, mode: "points".into(), bins: vec![], points: inside.iter().map(|c| point(c)).collect() };
    }
    // The grid over the view (or the points' extent), square cells.
    let b = bounds.unwrap_or_else(|| {
        let mut b = Bounds { w: f64::MAX, s: f64::MAX, e: f64::MIN, n: f64::MIN };
        for (x, y) in inside.iter().filter_map(|c| c.point) {
            b = Bounds { w: b.w.min(x), s: b.s.min(y), e: b.e.max(x), n: b.n.max(y) };
        }
        b
    });
    let cell = ((b.e - b.w) / GRID).max(1e-6);
    let mut cells: std::collections::BTreeMap<(i64, i64), (f64, f64, u64, u64, usize)> = Default::default();
    for (i, c) in inside.iter().enumerate() {
        let (x, y) = c.point.unwrap_or_default();
        let k = (((x - b.w) / cell).floor() as i64, ((y - b.s) / cell).floor() as i64);
        let e = cells.entry(k).or_insert((0.0, 0.0, 0, 0, i));
        e.0 += x;
        e.1 += y;
        e.2 += 1;
        e.3 += c.flag.is_some() as u64;
    }
    let (mut bins, mut points) = (Vec::new(), Vec::new());
    for (sx, sy, n, flagged, first) in cells.into_values() {
        if n == 1 {
            points.push(point(inside[first]));
        } else {
            bins.push(Bin { lng: sx / n as f64, lat: sy / n as f64, count: n, flagged });
        }
    }
    MapView { summary, in_view: inside.len() as u64, mode: "clusters".into(), bins, points }
}

/// One flagged school, as the page, the API and the export list it.
#[derive(Serialize, Debug, Clone, PartialEq, utoipa::ToSchema)]
pub struct FlaggedSchool {
    pub code: String,
    pub name: String,
    /// 所在县（区）代码 / The school's county code.
    pub county: String,
    pub county_name: String,
    pub longitude: String,
    pub latitude: String,
    /// missing, out_of_range, outside_city
    pub reason: String,
    pub reason_zh: String,
    /// 坐标实际所在的市州（若在本省地图内） / The city the point lies in, when on the map.
    pub lies_in: String,
}

/// The flagged schools of `all`, by 学校标识码.
pub fn flagged(b: Option<&Boundaries>, all: &[Checked]) -> Vec<FlaggedSchool> {
    all.iter()
        .filter_map(|c| {
            let f = c.flag?;
            let lies_in = match (f, c.point, b) {
                (Flag::OutsideCity, Some(p), Some(b)) => b.area_at(p).map(|a| a.name.clone()).unwrap_or_default(),
                _ => String::new(),
            };
            Some(FlaggedSchool {
                code: c.place.code.clone(),
                name: c.place.name.clone(),
                county: c.place.region_code.clone(),
                county_name: c.place.region_code.parse().map(crate::figures::name_of).unwrap_or_default(),
                longitude: c.place.longitude.clone(),
                latitude: c.place.latitude.clone(),
                reason: f.code().into(),
                reason_zh: f.zh().into(),
                lies_in,
            })
        })
        .collect()
}

/// Reads and checks the places of the filters in the caller's area (one scoped store read).
pub async fn read(app: &Arc<AppState>, scope: &Scope, f: &MapFilters) -> Result<Vec<Checked>, AppError> {
    let scope = f.scope(scope)?;
    let q = f.query()?;
    let places = app.pool.run(move |s| Ok(s.school_places(&scope, &q)?)).await?;
    let b = boundaries(app);
    Ok(check_all(b.as_deref(), places))
}

/// Fills in the catchment notes of the points shown (at most [`POINTS_MAX`] plus a grid's).
pub async fn with_notes(app: &Arc<AppState>, scope: &Scope, mut v: MapView) -> Result<MapView, AppError> {
    if v.points.is_empty() {
        return Ok(v);
    }
    let codes: Vec<String> = v.points.iter().map(|p| p.code.clone()).collect();
    let scope = scope.clone();
    let notes = app.pool.run(move |s| Ok(s.catchment_notes(&scope, &codes)?)).await?;
    for p in &mut v.points {
        if let Some(n) = notes.get(&p.code) {
            p.note = n.note.clone();
        }
    }
    Ok(v)
}
