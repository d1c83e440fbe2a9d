//! The small parts of a workbook (its sheet list, relationships, cell formats) and the shared
//! string table, all read through the same streaming scanner and caps as the sheets.

use super::fast;
use super::scan::{attr, attrs, unescape_into, unescape_string, Scanner, Tok, Unescape};
use super::{Limits, XlsxError};
use std::collections::{HashMap, HashSet};

/// The shared string table: all strings in one buffer, each ending at an offset. The buffer
/// is checked once, when read, to be UTF-8 with every string on character boundaries.
#[derive(Debug, Default)]
pub struct SharedStrings {
    text: Vec<u8>,
    ends: Vec<u32>,
}

impl SharedStrings {
    pub fn get(&self, i: usize) -> Option<&str> {
        simdutf8::basic::from_utf8(self.get_bytes(i)?).ok()
    }

    /// String `i` as bytes, for copying.
    #[inline]
    pub(crate) fn get_bytes(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Reads `xl/sharedStrings.xml`: the text of each `<si>` (rich text runs joined, phonetic
    /// runs left out), within the caps on each string, their total and their count.
    pub(crate) fn read(mut scan: Scanner, limits: &Limits) -> Result<SharedStrings, XlsxError> {
        let total_cap = limits.shared_text_bytes.min(u32::MAX as usize);
        let mut text: Vec<u8> = Vec::new();
        let mut ends: Vec<u32> = Vec::new();
        let mut start = 0usize;
        let (mut in_si, mut in_t, mut in_phonetic) = (false, false, false);
        loop {
            // The common shape, whole: `<si><t>text</t></si>`.
            while let Some((len, (a, b), escaped)) = fast::shared_string(scan.window()).filter(|_| !in_si) {
                let raw = &scan.window()[a..b];
                let cap = cap(text.len(), total_cap, limits);
                if escaped {
                    match unescape_into(raw, &mut text, cap) {
                        Ok(()) => {}
                        Err(Unescape::TooLong) => return Err(too_long(&ends, total_cap, limits, cap)),
                        Err(Unescape::BadEntity) => return Err(XlsxError::invalid("the shared string table holds an unknown entity reference (&…;)")),
                    }
                } else if text.len() + raw.len() > cap {
                    return Err(too_long(&ends, total_cap, limits, cap));
                } else {
                    text.extend_from_slice(raw);
                }
                scan.consume(len);
                push_end(&mut ends, text.len(), limits)?;
            }
            match scan.next()? {
                Tok::Start { name, empty, .. } => match name {
                    b"si" if empty => {
                        push_end(&mut ends, text.len(), limits)?;
                    }
                    b"si" => {
                        in_si = true;
                        start = text.len();
                    }
                    b"t" if !empty => in_t = true,
                    b"rPh" if !empty => in_phonetic = true,
                    _ => {}
                },
                Tok::End { name } => match name {
                    b"si" if in_si => {
                        in_si = false;
                        push_end(&mut ends, text.len(), limits)?;
                    }
                    b"t" => in_t = false,
                    b"rPh" => in_phonetic = false,
                    _ => {}
                },
                Tok::Text(raw) if in_si && in_t && !in_phonetic => {
                    let cap = cap(start, total_cap, limits);
                    match unescape_into(raw, &mut text, cap) {
                        Ok(()) => {}
                        Err(Unescape::TooLong) => return Err(too_long(&ends, total_cap, limits, cap)),
                        Err(Unescape::BadEntity) => return Err(XlsxError::invalid("the shared string table holds an unknown entity reference (&…;)")),
                    }
                }
                Tok::CData(raw) if in_si && in_t && !in_phonetic => {
                    let cap = cap(start, total_cap, limits);
                    if text.len() + raw.len() > cap {
                        return Err(too_long(&ends, total_cap, limits, cap));
                    }
                    text.extend_from_slice(raw);
                }
                Tok::Eof => break,
                _ => {}
            }
        }
        // One check of the whole table; a string may not end inside a character.
        let boundary = |e: u32| text.get(e as usize).is_none_or(|&b| (b as i8) >= -0x40);
        if simdutf8::basic::from_utf8(&text).is_err() || !ends.iter().all(|&e| boundary(e)) {
            return Err(XlsxError::invalid("the shared string table is not valid UTF-8"));
        }
        Ok(SharedStrings { text, ends })
    }
}

/// How far the string that starts at `start` may grow: the cap on one string, or the cap on
/// the whole table when it binds first.
#[inline]
fn cap(start: usize, total_cap: usize, limits: &Limits) -> usize {
    (start + limits.cell_bytes).min(total_cap)
}

/// The error for a string that passed `cap`.
fn too_long(ends: &[u32], total_cap: usize, limits: &Limits, cap: usize) -> XlsxError {
    if cap == total_cap {
        XlsxError::SharedStringsTooLarge { limit_mib: total_cap >> 20 }
    } else {
        XlsxError::SharedStringTooLong { index: ends.len(), limit_kib: limits.cell_bytes >> 10 }
    }
}

fn push_end(ends: &mut Vec<u32>, end: usize, limits: &Limits) -> Result<(), XlsxError> {
    if ends.len() >= limits.shared_count {
        return Err(XlsxError::TooManySharedStrings { limit: limits.shared_count });
    }
    ends.push(end as u32);
    Ok(())
}

/// Which cell formats (cellXfs indexes) display dates.
#[derive(Debug, Default)]
pub struct DateStyles(Vec<bool>);

impl DateStyles {
    pub fn is_date(&self, style: usize) -> bool {
        self.0.get(style).copied().unwrap_or(false)
    }

    /// Reads `xl/styles.xml`: built-in date formats (ECMA-376 §18.8.30) and custom formats whose
    /// code holds y, d, m/ or 年.
    pub(crate) fn read(mut scan: Scanner) -> Result<DateStyles, XlsxError> {
        let part = scan.part().to_string();
        let mut custom: HashSet<u32> = HashSet::new();
        let mut out = Vec::new();
        let mut in_xfs = false;
        loop {
            match scan.next()? {
                Tok::Start { name: b"numFmt", attrs: a, .. } => {
                    let id = attr(a, b"numFmtId").and_then(parse_u32).unwrap_or(0);
                    let code = attr(a, b"formatCode").map(|c| unescape_string(c, &part)).transpose()?.unwrap_or_default().to_ascii_lowercase();
                    if code.contains('y') || code.contains('d') || code.contains("m/") || code.contains('年') {
                        custom.insert(id);
                    }
                }
                Tok::Start { name: b"cellXfs", empty: false, .. } => in_xfs = true,
                Tok::End { name: b"cellXfs" } => in_xfs = false,
                Tok::Start { name: b"xf", attrs: a, .. } if in_xfs => {
                    let id = attr(a, b"numFmtId").and_then(parse_u32).unwrap_or(0);
                    out.push(matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58) || custom.contains(&id));
                }
                Tok::Eof => return Ok(DateStyles(out)),
                _ => {}
            }
        }
    }
}

fn parse_u32(v: &[u8]) -> Option<u32> {
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// The relationships of `xl/workbook.xml`: (Id, Target).
pub(crate) fn read_rels(mut scan: Scanner) -> Result<Vec<(String, String)>, XlsxError> {
    let part = scan.part().to_string();
    let mut out = Vec::new();
    loop {
        match scan.next()? {
            Tok::Start { name: b"Relationship", attrs: a, .. } => {
                let (mut id, mut target) = (None, None);
                for (k, v) in attrs(a) {
                    match k {
                        b"Id" => id = Some(unescape_string(v, &part)?),
                        b"Target" => target = Some(unescape_string(v, &part)?),
                        _ => {}
                    }
                }
                if let (Some(id), Some(t)) = (id, target) {
                    out.push((id, t));
                }
            }
            Tok::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// The sheets listed in `xl/workbook.xml`, as (name, part path), in workbook order.
pub(crate) fn read_sheets(mut scan: Scanner, rels: &[(String, String)]) -> Result<Vec<(String, String)>, XlsxError> {
    let part = scan.part().to_string();
    // The first relationship of each Id (a map: thousands of sheets must not cost quadratic time).
    let mut targets: HashMap<&str, &str> = HashMap::with_capacity(rels.len());
    for (id, t) in rels {
        targets.entry(id.as_str()).or_insert(t.as_str());
    }
    let mut sheets = Vec::new();
    loop {
        match scan.next()? {
            Tok::Start { name: b"sheet", attrs: a, .. } => {
                let (mut name, mut rid) = (String::new(), String::new());
                for (k, v) in attrs(a) {
                    match k {
                        b"name" => name = unescape_string(v, &part)?,
                        b"id" => rid = unescape_string(v, &part)?,
                        _ => {}
                    }
                }
                if let Some(target) = targets.get(rid.as_str()) {
                    let t = target.trim_start_matches('/');
                    let path = if t.starts_with("xl/") { t.to_string() } else { format!("xl/{t}") };
                    sheets.push((name, path));
                }
            }
            Tok::Eof => return Ok(sheets),
            _ => {}
        }
    }
}
