//! Matching a file's header row to an entity template.

use crate::IngestError;
use standard::{Entity, Required, Template};

/// Most columns a header may have: far more than any template, far less than a hostile file.
pub const MAX_HEADER_COLUMNS: usize = 4096;

/// How the file's columns map to the template's fields.
#[derive(Debug, Clone)]
pub struct Columns {
    pub entity: Entity,
    /// The header cells as they were written.
    pub headers: Vec<String>,
    /// For each file column, the template field it holds.
    pub field_of: Vec<Option<usize>>,
    /// For each template field, the file column that holds it.
    pub column_of: Vec<Option<usize>>,
    /// Header cells that name no field (reported, not fatal).
    pub unknown: Vec<String>,
}

impl Columns {
    pub fn map(entity: Entity, headers: Vec<String>) -> Result<Columns, IngestError> {
        if headers.len() > MAX_HEADER_COLUMNS {
            return Err(IngestError::TooManyColumns { found: headers.len(), max: MAX_HEADER_COLUMNS });
        }
        let t: &Template = entity.template();
        let mut field_of = Vec::with_capacity(headers.len());
        let mut column_of = vec![None; t.fields.len()];
        let mut unknown = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            match t.match_header(h) {
                Some(f) => {
                    if let Some(prev) = column_of[f] {
                        return Err(IngestError::DuplicateColumn {
                            field: format!("{} ({})", t.fields[f].zh, t.fields[f].key),
                            first: prev + 1,
                            second: c + 1,
                        });
                    }
                    column_of[f] = Some(c);
                    field_of.push(Some(f));
                }
                None => {
                    if !h.trim().is_empty() {
                        unknown.push(h.clone());
                    }
                    field_of.push(None);
                }
            }
        }
        let matched = column_of.iter().filter(|c| c.is_some()).count();
        // Another entity whose template names more of these columns: the likely mix-up.
        let best = Entity::ALL
            .into_iter()
            .filter(|e| *e != entity)
            .map(|e| (headers.iter().filter(|h| e.template().match_header(h).is_some()).count(), e))
            .max_by_key(|(n, _)| *n)
            .filter(|(n, _)| *n > matched)
            .map(|(_, e)| e);
        if matched == 0 {
            return Err(IngestError::NoMatchingColumns { entity, looks_like: best });
        }
        let has_id_type = t.index("id_type").is_some_and(|i| column_of[i].is_some());
        let missing: Vec<String> = t
            .fields
            .iter()
            .zip(&column_of)
            .filter(|(f, c)| {
                c.is_none()
                    && match f.required {
                        Required::Yes => true,
                        Required::IfResidentId => !has_id_type,
                        Required::No => false,
                    }
            })
            .map(|(f, _)| format!("{} ({})", f.zh, f.key))
            .collect();
        if !missing.is_empty() {
            return Err(IngestError::MissingColumns { entity, columns: missing, looks_like: best });
        }
        Ok(Columns { entity, headers, field_of, column_of, unknown })
    }
}
