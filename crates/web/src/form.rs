//! Form problems (issue 12): a form is checked field by field and every problem is shown at once,
//! in the console's language, at the top (each linking to its field) and beside the field it
//! concerns; the values entered are kept. Templates: `{% include "form_problems.html" %}` at the
//! top and `{% if let Some(e) = problems.of("name") %}…{% endif %}` beside a field.

use crate::i18n::T;

/// One problem: the field it concerns ("" for the form as a whole) and what to do, Chinese and English.
#[derive(Clone, Debug)]
pub struct Problem {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// Every problem of one submitted form, in the order of its fields.
#[derive(Clone, Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
    en: bool,
}

impl Problems {
    pub fn new(t: &T) -> Problems {
        Problems { list: Vec::new(), en: t.is_en() }
    }

    pub fn add(&mut self, field: &'static str, zh: impl Into<String>, en: impl Into<String>) {
        self.list.push(Problem { field, zh: zh.into(), en: en.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when the field already has a problem (a later check of it is then not repeated).
    pub fn has(&self, field: &str) -> bool {
        self.list.iter().any(|p| p.field == field)
    }

    /// The problems as (field, text in the console's language).
    pub fn shown(&self) -> Vec<(&'static str, &str)> {
        self.list.iter().map(|p| (p.field, if self.en { p.en.as_str() } else { p.zh.as_str() })).collect()
    }

    /// The problems as one API error (both languages, every problem).
    pub fn error(&self) -> crate::error::AppError {
        let zh: Vec<&str> = self.list.iter().map(|p| p.zh.as_str()).collect();
        let en: Vec<&str> = self.list.iter().map(|p| p.en.as_str()).collect();
        crate::error::AppError::invalid(zh.join(""), en.join(" "))
    }

    /// The problems of one field, joined, in the console's language.
    pub fn of(&self, field: &str) -> Option<String> {
        let v: Vec<&str> = self.shown().into_iter().filter(|(f, _)| *f == field).map(|(_, m)| m).collect();
        if v.is_empty() {
            None
        } else {
            Some(v.join(if self.en { " " } else { "" }))
        }
    }
}
