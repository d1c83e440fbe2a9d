//! Sensitive words: an Aho–Corasick scan of a page's visible text against a lexicon.
//!
//! Lexicon file format (UTF-8), one entry a line:
//!
//! ```text
//! # comment lines start with '#'; blank lines are ignored
//! 某敏感词
//! another phrase<TAB>category
//! ```
//!
//! The optional category (after a tab) is reported with each hit; it defaults to `default`.
//! Matching is case-insensitive for ASCII letters and finds the longest entry at each place.
//! The shipped default lexicon (`crates/guard/data/lexicon.txt`) is empty apart from this format
//! described in comments: each deployment supplies its own list.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    ac: Option<AhoCorasick>,
    entries: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct WordHit {
    pub word: String,
    pub category: String,
    /// The line of visible text around the hit (up to 20 characters either side).
    pub context: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("line {line}: {msg}")]
    Line { line: usize, msg: String },
    #[error("{0}")]
    Build(String),
}

/// The shipped default: no entries, the format documented in its comments.
pub const DEFAULT_LEXICON: &str = include_str!("../data/lexicon.txt");

impl Lexicon {
    pub fn parse(text: &str) -> Result<Lexicon, LexiconError> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let (word, cat) = match line.split_once('\t') {
                Some((w, c)) => (w.trim(), c.trim()),
                None => (line.trim(), "default"),
            };
            if word.is_empty() {
                return Err(LexiconError::Line { line: n + 1, msg: "empty word / 词条为空".into() });
            }
            entries.push((word.to_string(), if cat.is_empty() { "default".into() } else { cat.to_string() }));
        }
        Lexicon::from_entries(entries)
    }

    pub fn from_entries(entries: Vec<(String, String)>) -> Result<Lexicon, LexiconError> {
        if entries.is_empty() {
            return Ok(Lexicon::default());
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(entries.iter().map(|(w, _)| w))
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        Ok(Lexicon { ac: Some(ac), entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every hit in `lines`, at most `max`.
    pub fn scan(&self, lines: &[String], max: usize) -> Vec<WordHit> {
        let Some(ac) = &self.ac else { return Vec::new() };
        let mut hits = Vec::new();
        for line in lines {
            for m in ac.find_iter(line.as_str()) {
                let (word, category) = &self.entries[m.pattern().as_usize()];
                let before: String = line[..m.start()].chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
                let after: String = line[m.end()..].chars().take(20).collect();
                hits.push(WordHit { word: word.clone(), category: category.clone(), context: format!("{before}【{}】{after}", &line[m.start()..m.end()]) });
                if hits.len() >= max {
                    return hits;
                }
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn format_and_scan() {
        let lx = Lexicon::parse("# 测试词表\n\n赌场\t赌博\nCasino\n").unwrap();
        assert_eq!(lx.len(), 2);
        let hits = lx.scan(&["欢迎光临澳门赌场，best CASINO online".to_string()], 10);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].category, "赌博");
        assert_eq!(hits[0].context, "欢迎光临澳门【赌场】，best CASINO online");
        assert_eq!(hits[1].word, "Casino");
        assert!(Lexicon::parse("").unwrap().scan(&["赌场".into()], 10).is_empty());
        assert!(Lexicon::parse(DEFAULT_LEXICON).unwrap().is_empty());
    }
}
