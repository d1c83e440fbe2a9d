//! The catalog as DCAT (W3C Data Catalog Vocabulary, version 3) in JSON-LD: one `dcat:Catalog`
//! whose `dcat:dataset` lists every published dataset (current version) with `dct:identifier`
//! (the resource code), `dct:title`, `dct:description`, `dct:publisher` (the provider),
//! `dcat:keyword`, `dct:accrualPeriodicity` (a Dublin Core frequency), `dct:issued`,
//! `dct:modified`, `dct:accessRights` (the share type, with its condition or legal basis),
//! `dcat:distribution` (`dcat:mediaType`, the method) and the fields as a CSVW table schema
//! (`csvw:tableSchema` → `csvw:column`, with whether each is personal and its mask). Drafts are
//! not exported. Served at `/catalog.jsonld` and `/api/v1/catalog/dcat`; every export audited
//! (`catalog_export`, with the number of datasets).

use crate::auth::Identity;
use crate::error::AppError;
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use store::catalog::{CatalogQuery, Dataset, Status};

/// Every published dataset the caller reads, with its fields.
pub async fn published(app: &Arc<AppState>, me: &Identity) -> Result<Vec<Dataset>, AppError> {
    super::reads(me)?;
    let scope = super::read_scope(me);
    app.pool
        .run(move |s| {
            let mut out = Vec::new();
            let mut after = None;
            loop {
                let page = s.catalog_list(&scope, &CatalogQuery { after, limit: 500, ..Default::default() })?;
                for r in page.rows.iter().filter(|r| r.status == Status::Published) {
                    if let Some(d) = s.catalog_dataset(&scope, r.id)? {
                        out.push(d);
                    }
                }
                match page.next.and_then(|n| n.parse::<i64>().ok()) {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            Ok(out)
        })
        .await
}

fn dataset(d: &Dataset) -> Value {
    let m = &d.meta;
    let keywords: Vec<&str> = m.keywords.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|k| !k.is_empty()).collect();
    let mut rights = json!({"@type": "dct:RightsStatement", "rdfs:label": {"@value": m.share_type.zh(), "@language": "zh"}, "tianfu:shareType": m.share_type.code()});
    if !m.share_condition.is_empty() {
        rights["tianfu:condition"] = json!(m.share_condition);
    }
    if !m.legal_basis.is_empty() {
        rights["tianfu:legalBasis"] = json!(m.legal_basis);
    }
    let columns: Vec<Value> = m
        .fields
        .iter()
        .map(|f| {
            json!({
                "csvw:name": f.name,
                "csvw:titles": {"@value": f.title, "@language": "zh"},
                "csvw:datatype": match f.data_type {
                    store::catalog::FieldType::Integer => "integer",
                    store::catalog::FieldType::Decimal => "decimal",
                    store::catalog::FieldType::Date => "date",
                    store::catalog::FieldType::DateTime => "dateTime",
                    store::catalog::FieldType::Boolean => "boolean",
                    _ => "string",
                },
                "dct:description": f.description,
                "tianfu:personal": f.personal(),
                "tianfu:mask": f.mask.map(|k| k.code()).unwrap_or(""),
            })
        })
        .collect();
    let mut v = json!({
        "@id": format!("urn:tianfu:catalog:{}", d.id),
        "@type": "dcat:Dataset",
        "dct:identifier": d.resource_code,
        "dct:title": {"@value": m.name, "@language": "zh"},
        "dct:description": {"@value": m.summary, "@language": "zh"},
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": {"@value": d.provider_name, "@language": "zh"}, "dct:identifier": format!("{:06}", m.provider_code)},
        "dcat:keyword": keywords,
        "dct:accrualPeriodicity": {"@id": m.cycle.dcat_frequency()},
        "dct:modified": {"@value": store::time::rfc3339(d.changed_at), "@type": "xsd:dateTime"},
        "dct:accessRights": rights,
        "dcat:theme": {"@type": "skos:Concept", "skos:notation": m.class.code(), "skos:prefLabel": {"@value": m.class.lei_zh(), "@language": "zh"}},
        "dcat:version": d.version.to_string(),
        "tianfu:origin": d.origin.code(),
        "dcat:distribution": [{
            "@type": "dcat:Distribution",
            "dcat:mediaType": m.format.media_type(),
            "dct:format": m.format.zh(),
            "dct:title": {"@value": m.method.zh(), "@language": "zh"},
        }],
        "csvw:tableSchema": {"@type": "csvw:Schema", "csvw:column": columns},
    });
    if let Some(p) = d.publish_date {
        v["dct:issued"] = json!({"@value": p.to_string(), "@type": "xsd:date"});
    }
    v
}

/// The JSON-LD document of `datasets`.
pub fn document(province: &str, datasets: &[Dataset]) -> Value {
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "csvw": "http://www.w3.org/ns/csvw#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "tianfu": "urn:tianfu:vocab#"
        },
        "@id": "urn:tianfu:catalog",
        "@type": "dcat:Catalog",
        "dct:title": {"@value": format!("{province}教育数据资源目录"), "@language": "zh"},
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": {"@value": format!("{province}教育厅"), "@language": "zh"}},
        "dcat:dataset": datasets.iter().map(dataset).collect::<Vec<_>>(),
    })
}

/// Builds the export for `me` and audits it.
pub async fn export(app: &Arc<AppState>, me: &Identity, ipaddr: &str, via: &str) -> Result<Value, AppError> {
    let list = published(app, me).await?;
    let doc = document(&app.province.zh, &list);
    super::audit_export(app, me, ipaddr, list.len(), via).await?;
    Ok(doc)
}

pub fn respond(doc: &Value) -> Response {
    let mut r = axum::Json(doc).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/ld+json"));
    r
}

/// `GET /catalog.jsonld`.
pub async fn page_export(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    let doc = export(&app, &me, &ip(&headers, &peer), "console").await?;
    let mut r = respond(&doc);
    r.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"catalog.jsonld\""));
    Ok(r)
}
