//! A streaming scanner for the XML that spreadsheet programs write, over an inflating entry.
//!
//! It hands out tags and pieces of text borrowed from one window buffer, never a tree: memory is
//! the window (one inflated block plus at most one unfinished tag) whatever the input. A tag
//! longer than [`MAX_TAG_BYTES`] is refused; text of any length comes in pieces, so that the
//! caller decides how much of it to keep. Comments, processing instructions and CDATA are
//! handled; a DOCTYPE (entity definitions, "billion laughs") is refused: OOXML forbids it.

use super::entry::{EntryStream, HEADROOM};
use super::XlsxError;
use memchr::{memchr, memchr3, memmem};

/// Longest tag (name and attributes): Excel's longest are a few hundred bytes.
pub const MAX_TAG_BYTES: usize = 256 << 10;
/// Longest entity reference kept whole across a block boundary (`&#x0010FFFF;`).
const MAX_ENTITY: usize = 12;

/// What the scanner found next. Names are local names (`x:c` is `c`).
pub(crate) enum Tok<'a> {
    Start { name: &'a [u8], attrs: &'a [u8], empty: bool },
    End { name: &'a [u8] },
    /// A piece of character data, still escaped; never cuts an entity reference.
    Text(&'a [u8]),
    /// A piece of a CDATA section (literal text).
    CData(&'a [u8]),
    Eof,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Markup,
    CData,
    Comment,
}

enum Found {
    Start { name: (usize, usize), attrs: (usize, usize), empty: bool },
    End { name: (usize, usize) },
    Text(usize, usize),
    CData(usize, usize),
    Eof,
}

pub(crate) struct Scanner {
    src: Option<EntryStream>,
    part: String,
    buf: Vec<u8>,
    pos: usize,
    mode: Mode,
}

impl Scanner {
    pub fn new(src: EntryStream, part: &str) -> Scanner {
        Scanner { src: Some(src), part: super::shown(part), buf: Vec::new(), pos: 0, mode: Mode::Markup }
    }

    /// A scanner over bytes already in memory (tests, small documents).
    #[cfg(test)]
    pub fn from_bytes(bytes: &[u8], part: &str) -> Scanner {
        Scanner { src: None, part: part.to_string(), buf: bytes.to_vec(), pos: 0, mode: Mode::Markup }
    }

    pub fn part(&self) -> &str {
        &self.part
    }

    fn malformed(&self, what: &str) -> XlsxError {
        XlsxError::invalid(format!("the part {} is not well-formed XML ({what})", self.part))
    }

    /// Appends the next inflated block to the window, dropping what was consumed; false at the
    /// end of the entry.
    fn fill(&mut self) -> Result<bool, XlsxError> {
        let Some(src) = self.src.as_mut() else { return Ok(false) };
        match src.next_block()? {
            Some(mut block) => {
                let left = self.buf.len() - self.pos;
                if left <= HEADROOM {
                    // The unread end goes into the new block's headroom: a few bytes copied, not
                    // the block.
                    let at = HEADROOM - left;
                    block[at..HEADROOM].copy_from_slice(&self.buf[self.pos..]);
                    std::mem::swap(&mut self.buf, &mut block);
                    self.pos = at;
                } else {
                    self.buf.drain(..self.pos);
                    self.pos = 0;
                    self.buf.extend_from_slice(&block[HEADROOM..]);
                }
                src.recycle(block);
                Ok(true)
            }
            None => {
                // Stop the inflating thread now rather than when the scanner is dropped.
                self.src = None;
                Ok(false)
            }
        }
    }

    /// The unread bytes of the window, when the scanner stands between tokens (for the fast
    /// road of [`super::fast`]); empty inside a CDATA section or comment.
    pub fn window(&self) -> &[u8] {
        if self.mode == Mode::Markup {
            &self.buf[self.pos..]
        } else {
            &[]
        }
    }

    /// Marks `n` bytes of the window as read.
    pub fn consume(&mut self, n: usize) {
        self.pos += n;
    }

    /// Stops reading: the inflating thread ends and no further input is read.
    pub fn close(&mut self) {
        self.src = None;
    }

    pub fn next(&mut self) -> Result<Tok<'_>, XlsxError> {
        let found = self.find()?;
        let b = &self.buf;
        Ok(match found {
            Found::Start { name, attrs, empty } => Tok::Start { name: local(&b[name.0..name.1]), attrs: &b[attrs.0..attrs.1], empty },
            Found::End { name } => Tok::End { name: local(&b[name.0..name.1]) },
            Found::Text(a, z) => Tok::Text(&b[a..z]),
            Found::CData(a, z) => Tok::CData(&b[a..z]),
            Found::Eof => Tok::Eof,
        })
    }

    fn find(&mut self) -> Result<Found, XlsxError> {
        loop {
            if self.pos == self.buf.len() && !self.fill()? {
                return match self.mode {
                    Mode::Markup => Ok(Found::Eof),
                    _ => Err(self.malformed("a CDATA section or comment is not closed")),
                };
            }
            match self.mode {
                Mode::CData => {
                    let rest = &self.buf[self.pos..];
                    if let Some(i) = memmem::find(rest, b"]]>") {
                        let a = self.pos;
                        self.pos += i + 3;
                        self.mode = Mode::Markup;
                        if i > 0 {
                            return Ok(Found::CData(a, a + i));
                        }
                        continue;
                    }
                    // Keep two bytes back: the terminator may be cut by the block boundary.
                    let keep = rest.len().min(2);
                    let a = self.pos;
                    let z = self.buf.len() - keep;
                    if z > a {
                        self.pos = z;
                        return Ok(Found::CData(a, z));
                    }
                    if !self.fill()? {
                        return Err(self.malformed("a CDATA section is not closed"));
                    }
                }
                Mode::Comment => {
                    let rest = &self.buf[self.pos..];
                    if let Some(i) = memmem::find(rest, b"-->") {
                        self.pos += i + 3;
                        self.mode = Mode::Markup;
                        continue;
                    }
                    let keep = rest.len().min(2);
                    self.pos = self.buf.len() - keep;
                    if !self.fill()? {
                        return Err(self.malformed("a comment is not closed"));
                    }
                }
                Mode::Markup => {
                    if self.buf[self.pos] != b'<' {
                        if let Some(f) = self.text()? {
                            return Ok(f);
                        }
                        continue;
                    }
                    if let Some(f) = self.markup()? {
                        return Ok(f);
                    }
                }
            }
        }
    }

    /// Character data up to the next `<`, or as much of it as the window holds (never cutting
    /// an entity reference). None when more input is needed first.
    fn text(&mut self) -> Result<Option<Found>, XlsxError> {
        let a = self.pos;
        let rest = &self.buf[a..];
        if let Some(i) = memchr(b'<', rest) {
            self.pos = a + i;
            return Ok(Some(Found::Text(a, a + i)));
        }
        // The window ends inside the text: hand out all of it but an unfinished `&…`.
        let mut z = rest.len();
        if let Some(amp) = memchr::memrchr(b'&', &rest[rest.len().saturating_sub(MAX_ENTITY)..]) {
            let amp = rest.len().saturating_sub(MAX_ENTITY) + amp;
            if memchr(b';', &rest[amp..]).is_none() {
                z = amp;
            }
        }
        if z > 0 {
            self.pos = a + z;
            return Ok(Some(Found::Text(a, a + z)));
        }
        if !self.fill()? {
            // The entry ends inside text (after the root element, or cut short): the rest is
            // handed out as it is, and the unescaping judges it.
            let z = self.buf.len();
            self.pos = z;
            return Ok(Some(Found::Text(a, z)));
        }
        Ok(None)
    }

    /// A tag, comment, CDATA opening, processing instruction or declaration at `pos`. None
    /// when the scanner changed mode or skipped something and must look again.
    fn markup(&mut self) -> Result<Option<Found>, XlsxError> {
        // Enough bytes to tell `<![CDATA[` from `<!--` and `<!DOCTYPE`.
        while self.buf.len() - self.pos < 9 {
            if !self.fill()? {
                break;
            }
        }
        let rest = &self.buf[self.pos..];
        if rest.starts_with(b"<!--") {
            self.pos += 4;
            self.mode = Mode::Comment;
            return Ok(None);
        }
        if rest.starts_with(b"<![CDATA[") {
            self.pos += 9;
            self.mode = Mode::CData;
            return Ok(None);
        }
        if rest.starts_with(b"<!") {
            return Err(XlsxError::invalid(format!(
                "the part {} holds a document type declaration, which OOXML forbids (it can define entities that expand without limit)",
                self.part
            )));
        }
        let end = loop {
            if let Some(e) = tag_end(&self.buf[self.pos..]) {
                break self.pos + e;
            }
            if self.buf.len() - self.pos > MAX_TAG_BYTES {
                return Err(XlsxError::TagTooLarge { part: self.part.clone(), limit_kib: MAX_TAG_BYTES >> 10 });
            }
            if !self.fill()? {
                return Err(self.malformed("the last tag is not closed"));
            }
        };
        if end - self.pos > MAX_TAG_BYTES {
            return Err(XlsxError::TagTooLarge { part: self.part.clone(), limit_kib: MAX_TAG_BYTES >> 10 });
        }
        let a = self.pos;
        self.pos = end + 1;
        let b = &self.buf;
        match b.get(a + 1) {
            Some(b'?') => Ok(None),
            Some(b'/') => {
                let n = name_end(&b[a + 2..end]);
                Ok(Some(Found::End { name: (a + 2, a + 2 + n) }))
            }
            _ => {
                let empty = end > a + 1 && b[end - 1] == b'/';
                let inner_end = if empty { end - 1 } else { end };
                let n = name_end(&b[a + 1..inner_end]);
                if n == 0 {
                    return Err(self.malformed("a tag has no name"));
                }
                Ok(Some(Found::Start { name: (a + 1, a + 1 + n), attrs: (a + 1 + n, inner_end), empty }))
            }
        }
    }
}

/// The index of the `>` that ends the tag starting at `b[0]` (`<`), skipping quoted attribute
/// values, which may hold `>`.
fn tag_end(b: &[u8]) -> Option<usize> {
    // Most tags are short: a plain loop first, a vectorised search past 64 bytes.
    let mut i = 1;
    let stop = b.len().min(64);
    while i < stop {
        match b[i] {
            b'>' => return Some(i),
            q @ (b'"' | b'\'') => i += 1 + memchr(q, &b[i + 1..])?,
            _ => {}
        }
        i += 1;
    }
    loop {
        let j = i + memchr3(b'>', b'"', b'\'', &b[i..])?;
        if b[j] == b'>' {
            return Some(j);
        }
        let close = memchr(b[j], &b[j + 1..])?;
        i = j + 1 + close + 1;
    }
}

fn name_end(b: &[u8]) -> usize {
    b.iter().position(|&c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>')).unwrap_or(b.len())
}

/// `x:c` → `c`.
fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&c| c == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The attributes of a tag as (local name, raw value) pairs.
pub(crate) struct Attrs<'a> {
    b: &'a [u8],
}

pub(crate) fn attrs(b: &[u8]) -> Attrs<'_> {
    Attrs { b }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.b;
        let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
        let eq = start + memchr(b'=', &b[start..])?;
        let name = b[start..eq].trim_ascii_end();
        let q = eq + 1 + b[eq + 1..].iter().position(|c| !c.is_ascii_whitespace())?;
        let quote = b[q];
        if quote != b'"' && quote != b'\'' {
            self.b = &[];
            return None;
        }
        let close = q + 1 + memchr(quote, &b[q + 1..])?;
        self.b = &b[close + 1..];
        Some((local(name), &b[q + 1..close]))
    }
}

/// The raw value of attribute `name` (local name), if present.
pub(crate) fn attr<'a>(b: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    attrs(b).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Why text could not be unescaped.
#[derive(Debug, PartialEq)]
pub(crate) enum Unescape {
    /// `&…;` that is not one of XML's five entities or a character reference.
    BadEntity,
    /// The output would pass the cap.
    TooLong,
}

/// Appends `raw` (escaped character data or an attribute value) to `out`, decoding XML's five
/// entities and character references; refuses to let `out` grow past `cap` bytes.
pub(crate) fn unescape_into(raw: &[u8], out: &mut Vec<u8>, cap: usize) -> Result<(), Unescape> {
    let mut rest = raw;
    loop {
        let Some(amp) = memchr(b'&', rest) else {
            if out.len() + rest.len() > cap {
                return Err(Unescape::TooLong);
            }
            out.extend_from_slice(rest);
            return Ok(());
        };
        if out.len() + amp > cap {
            return Err(Unescape::TooLong);
        }
        out.extend_from_slice(&rest[..amp]);
        let tail = &rest[amp + 1..];
        let semi = memchr(b';', &tail[..tail.len().min(MAX_ENTITY)]).ok_or(Unescape::BadEntity)?;
        let name = &tail[..semi];
        let mut utf8 = [0u8; 4];
        let ch: &[u8] = match name {
            b"lt" => b"<",
            b"gt" => b">",
            b"amp" => b"&",
            b"apos" => b"'",
            b"quot" => b"\"",
            _ => {
                let code = match name {
                    [b'#', b'x', hex @ ..] => parse_radix(hex, 16),
                    [b'#', dec @ ..] => parse_radix(dec, 10),
                    _ => None,
                };
                let c = code.and_then(char::from_u32).filter(|&c| c != '\0').ok_or(Unescape::BadEntity)?;
                c.encode_utf8(&mut utf8).as_bytes()
            }
        };
        if out.len() + ch.len() > cap {
            return Err(Unescape::TooLong);
        }
        out.extend_from_slice(ch);
        rest = &tail[semi + 1..];
    }
}

fn parse_radix(digits: &[u8], radix: u32) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let mut n: u32 = 0;
    for &d in digits {
        n = n.checked_mul(radix)?.checked_add((d as char).to_digit(radix)?)?;
    }
    Some(n)
}

/// An attribute value or a short text as an owned string (names of sheets, targets, formats).
pub(crate) fn unescape_string(raw: &[u8], part: &str) -> Result<String, XlsxError> {
    let mut out = Vec::with_capacity(raw.len());
    unescape_into(raw, &mut out, MAX_TAG_BYTES).map_err(|_| XlsxError::invalid(format!("the part {part} holds an unknown entity reference")))?;
    String::from_utf8(out).map_err(|_| XlsxError::invalid(format!("the part {part} is not valid UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(xml: &str) -> Vec<String> {
        let mut s = Scanner::from_bytes(xml.as_bytes(), "t.xml");
        let mut out = Vec::new();
        loop {
            let t = match s.next().unwrap() {
                Tok::Start { name, attrs, empty } => {
                    format!("<{}{}{}>", String::from_utf8_lossy(name), String::from_utf8_lossy(attrs), if empty { "/" } else { "" })
                }
                Tok::End { name } => format!("</{}>", String::from_utf8_lossy(name)),
                Tok::Text(t) => format!("T{}", String::from_utf8_lossy(t)),
                Tok::CData(t) => format!("C{}", String::from_utf8_lossy(t)),
                Tok::Eof => break,
            };
            out.push(t);
        }
        out
    }

    #[test]
    fn tags_text_and_namespaces() {
        assert_eq!(
            tokens(r#"<?xml version="1.0"?><x:c r="A1" t='s'><v>1</v></x:c ><c a="x>y"/><!-- <c> --><t><![CDATA[a<b]]></t>"#),
            vec![r#"<c r="A1" t='s'>"#, "<v>", "T1", "</v>", "</c>", r#"<c a="x>y"/>"#, "<t>", "Ca<b", "</t>"]
        );
    }

    #[test]
    fn doctype_is_refused() {
        let mut s = Scanner::from_bytes(b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>", "t.xml");
        assert!(s.next().is_err());
    }

    #[test]
    fn entities() {
        let mut out = Vec::new();
        unescape_into(b"a&amp;b&lt;&#x4E2D;&#25991;&quot;&apos;&gt;", &mut out, 100).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a&b<中文\"'>");
        let mut out = Vec::new();
        assert_eq!(unescape_into(b"&nbsp;", &mut out, 100), Err(Unescape::BadEntity));
        assert_eq!(unescape_into(b"&#0;", &mut out, 100), Err(Unescape::BadEntity));
        assert_eq!(unescape_into(b"&#xD800;", &mut out, 100), Err(Unescape::BadEntity));
        assert_eq!(unescape_into(b"abcdef", &mut out, 5), Err(Unescape::TooLong));
    }

    #[test]
    fn attributes() {
        let a: Vec<_> = attrs(br#" r="B3"  x:t = 's' s="12""#).collect();
        assert_eq!(a, vec![(&b"r"[..], &b"B3"[..]), (&b"t"[..], &b"s"[..]), (&b"s"[..], &b"12"[..])]);
        assert_eq!(attr(br#" r:id="rId1" name="A&amp;B""#, b"id"), Some(&b"rId1"[..]));
    }
}
