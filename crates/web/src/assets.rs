//! Static files embedded in the binary: ECharts and htmx (from npm, pinned by the committed
//! `package-lock.json` and copied by `make assets`), our stylesheet and script, and the city
//! boundaries of Sichuan from `data/`. No CDN: the console works on a network with no internet.

use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

pub const ASSETS: &[Asset] = &[
    Asset { name: "echarts.min.js", content_type: "text/javascript; charset=utf-8", bytes: include_bytes!("../assets/vendor/echarts.min.js") },
    Asset { name: "htmx.min.js", content_type: "text/javascript; charset=utf-8", bytes: include_bytes!("../assets/vendor/htmx.min.js") },
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", bytes: include_bytes!("../assets/app.css") },
    Asset { name: "app.js", content_type: "text/javascript; charset=utf-8", bytes: include_bytes!("../assets/app.js") },
    Asset { name: "favicon.svg", content_type: "image/svg+xml", bytes: include_bytes!("../assets/favicon.svg") },
    Asset { name: "sichuan-cities.geojson", content_type: "application/geo+json", bytes: include_bytes!("../../../data/sichuan-cities.geojson") },
];

/// A short content hash, so that URLs change when files do and can be cached for a year.
pub fn version() -> &'static str {
    static V: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for a in ASSETS {
            for b in a.bytes {
                h ^= *b as u64;
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        format!("{:08x}", h as u32)
    });
    &V
}

pub async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(a) = ASSETS.iter().find(|a| a.name == name) else { return StatusCode::NOT_FOUND.into_response() };
    let etag = format!("\"{}\"", version());
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::CONTENT_TYPE, a.content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable"), (header::ETAG, etag.as_str())], a.bytes).into_response()
}

/// `/favicon.ico`: browsers ask for it whatever the page links; it answers the SVG icon.
pub async fn favicon(headers: HeaderMap) -> Response {
    serve(Path("favicon.svg".to_string()), headers).await
}
