//! 数据标准 — the data standard in the console, in Chinese: each import template's columns
//! (header, requirement, what a value looks like, its code table), the code tables, the rules
//! and warnings with their codes; and the import templates as XLSX downloads. Any signed-in role
//! may read it: it holds no personal data, and neither does a template (its example row is made up).

use super::{ready, Me};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use standard::versions::{Published, PUBLISHED, VERSION};
use standard::{Entity, Rule, Warning};
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/standard", get(page))
        .route("/standard/templates/{file}", get(download))
        .route("/standard/versions/{version}", get(version))
}

/// The templates offered, by file name: student.xlsx … site.xlsx.
pub const TEMPLATES: [(&str, &str, &str); 5] =
    [("student", "学生", "Students"), ("teacher", "教师", "Teachers"), ("school", "学校", "Schools"), ("conditions", "办学条件", "School conditions"), ("site", "网站", "Sites")];

pub struct Column {
    pub header: String,
    pub key: String,
    pub required: bool,
    pub requirement: String,
    pub explain: String,
    pub example: String,
    /// The anchor of its code table on the page, when it has one.
    pub table: Option<(String, usize)>,
}

pub struct Section {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub columns: Vec<Column>,
}

pub struct CodeList {
    pub anchor: String,
    pub title: String,
    pub entries: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "standard.html")]
struct Page {
    c: Ctx,
    sections: Vec<Section>,
    lists: Vec<CodeList>,
    rules: Vec<(&'static str, &'static str, &'static str)>,
    warnings: Vec<(&'static str, &'static str, &'static str)>,
    versions: &'static [Published],
    current: &'static str,
}

fn columns(what: &str, province: u32) -> Vec<ingest::template::Column> {
    match Entity::parse(what) {
        Some(e) => ingest::template::entity_columns(e, province),
        None => guard::register::template_columns(),
    }
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    let province = app.config.province.code;
    let mut lists: Vec<CodeList> = Vec::new();
    let sections = TEMPLATES
        .iter()
        .map(|&(key, zh, en)| Section {
            key,
            zh,
            en,
            columns: columns(key, province)
                .into_iter()
                .map(|col| {
                    // One table per header (性别码 of students and teachers is one list).
                    let table = col.choices.map(|entries| {
                        let anchor = format!("codes-{}", col.key);
                        if !lists.iter().any(|l| l.anchor == anchor) {
                            lists.push(CodeList { anchor: anchor.clone(), title: col.header.clone(), entries: entries.clone() });
                        }
                        (anchor, entries.len())
                    });
                    Column { header: col.header, key: col.key, required: col.required, requirement: col.requirement, explain: col.explain, example: col.example, table }
                })
                .collect(),
        })
        .collect();
    let rules = Rule::ALL.iter().map(|r| (r.code(), r.zh(), r.en())).collect();
    let warnings = Warning::ALL.iter().map(|w| (w.code(), w.zh(), w.en())).collect();
    html(Page { c: Ctx::new(&app, &headers, Some(&me), "/standard", "standard"), sections, lists, rules, warnings, versions: PUBLISHED, current: VERSION })
}

/// An import template: the same bytes as `tianfu standard --template`.
async fn download(State(app): State<Arc<AppState>>, me: Me, Path(file): Path<String>) -> Result<Response, AppError> {
    ready(me)?;
    let key = file.strip_suffix(".xlsx").ok_or(AppError::NotFound)?;
    let &(key, zh, _) = TEMPLATES.iter().find(|t| t.0 == key).ok_or(AppError::NotFound)?;
    let province = app.config.province.code;
    let bytes = tokio::task::spawn_blocking(move || match Entity::parse(key) {
        Some(e) => ingest::template::entity_template(e, province),
        None => guard::register::template(),
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(AppError::Internal)?;
    // RFC 6266: an ASCII fallback, and the Chinese name for browsers (学生导入模板.xlsx).
    let name = ingest::template::file_name(zh);
    let encoded: String = name.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"template-{key}.xlsx\"; filename*=UTF-8''{encoded}")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "standard_version.html")]
struct VersionPage {
    c: Ctx,
    p: &'static Published,
    current: bool,
    body: String,
}

/// A published version of the standard: `/standard/versions/1.0` shows it, `…/1.0.md` downloads
/// its document (Markdown, as published). An unknown version is 404.
async fn version(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Path(version): Path<String>) -> Result<Response, AppError> {
    let me = ready(me)?;
    if let Some(v) = version.strip_suffix(".md") {
        let p = standard::versions::get(v).ok_or(AppError::NotFound)?;
        return Ok((
            [
                (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"tianfu-standard-{}.md\"", p.version)),
            ],
            p.document,
        )
            .into_response());
    }
    let p = standard::versions::get(&version).ok_or(AppError::NotFound)?;
    html(VersionPage { c: Ctx::new(&app, &headers, Some(&me), "/standard", "standard"), p, current: p.version == VERSION, body: document_html(p.document) })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Inline `code` spans of an escaped line.
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(s).split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The published document as HTML. The documents are written by `standard::versions::document`
/// and use only headings (`## `), pipe tables and paragraphs with `code` spans, so this renders
/// exactly those; everything is escaped.
fn document_html(md: &str) -> String {
    let mut out = String::new();
    let mut table: Vec<Vec<String>> = Vec::new();
    let flush = |table: &mut Vec<Vec<String>>, out: &mut String| {
        if table.is_empty() {
            return;
        }
        out.push_str("<div class=\"scroll\"><table><thead><tr>");
        for h in &table[0] {
            out.push_str(&format!("<th>{}</th>", inline(h)));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &table[1..] {
            out.push_str("<tr>");
            for cell in row {
                out.push_str(&format!("<td>{}</td>", inline(cell)));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>");
        table.clear();
    };
    for line in md.lines() {
        let l = line.trim();
        if let Some(cells) = l.strip_prefix('|') {
            let cells: Vec<String> = cells.strip_suffix('|').unwrap_or(cells).split('|').map(|c| c.trim().to_string()).collect();
            // The separator under the header row.
            if !cells.is_empty() && cells.iter().all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':')) {
                continue;
            }
            table.push(cells);
            continue;
        }
        flush(&mut table, &mut out);
        if let Some(h) = l.strip_prefix("## ") {
            out.push_str(&format!("<h2>{}</h2>", inline(h)));
        } else if !l.is_empty() {
            out.push_str(&format!("<p>{}</p>", inline(l)));
        }
    }
    flush(&mut table, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::document_html;

    #[test]
    fn a_published_document_renders_as_headings_tables_and_escaped_text() {
        let html = document_html("## Rules\n\nA row <b>is</b> rejected.\n\n| code | 说明 |\n|---|---|\n| `R1` | 必填 & 非空 |\n| `R2` | x |\n");
        assert_eq!(
            html,
            "<h2>Rules</h2><p>A row &lt;b&gt;is&lt;/b&gt; rejected.</p><div class=\"scroll\"><table><thead><tr><th>code</th><th>说明</th></tr></thead>\
             <tbody><tr><td><code>R1</code></td><td>必填 &amp; 非空</td></tr><tr><td><code>R2</code></td><td>x</td></tr></tbody></table></div>"
        );
        // Every published version renders, with one table per section at least.
        for p in standard::versions::PUBLISHED {
            let h = document_html(p.document);
            assert!(h.matches("<table>").count() >= 5 && h.contains("<h2>Rules</h2>"), "{}", p.version);
        }
    }
}
