//! The common shapes of machine-written sheet XML, recognised whole in one pass over the window
//! with plain byte loops: `<c r="B2" s="1" t="s"><v>12</v></c>`, `<c …><is><t>text</t></is></c>`,
//! `<c …><f>…</f><v>…</v></c>`, `<c …/>`, and a shared string's `<si><t>text</t></si>`. What
//! they do not recognise (namespace prefixes, rich text, CDATA, white space between elements,
//! an element cut by the end of the window) goes through the general scanner, token by token,
//! with the same result: this is only the fast road to the same place.

/// A cell recognised whole. Ranges are offsets in the window it was read from.
pub(crate) struct FastCell {
    /// Bytes the cell takes in the window.
    pub len: usize,
    pub r: Option<(usize, usize)>,
    pub t: Option<(usize, usize)>,
    pub s: Option<(usize, usize)>,
    /// `<c …/>`: no value.
    pub empty: bool,
    /// The escaped text of its `<v>` or inline `<t>`, if any.
    pub value: Option<(usize, usize)>,
    /// Whether that text holds an entity reference (`&…;`) to decode.
    pub escaped: bool,
}

/// The end of the text starting at `i` (the next `<`), and whether it holds an `&`.
#[inline]
fn text_end(w: &[u8], mut i: usize) -> Option<(usize, bool)> {
    let mut amp = false;
    // Cells are short: a plain loop beats a vectorised search's setup for the first bytes.
    let stop = w.len().min(i + 64);
    while i < stop {
        match w[i] {
            b'<' => return Some((i, amp)),
            b'&' => amp = true,
            _ => {}
        }
        i += 1;
    }
    let lt = i + memchr::memchr(b'<', &w[i..])?;
    Some((lt, amp || memchr::memchr(b'&', &w[i..lt]).is_some()))
}

#[inline]
fn starts(w: &[u8], i: usize, s: &[u8]) -> bool {
    w.len() >= i + s.len() && &w[i..i + s.len()] == s
}

/// Attributes from `i` up to the tag's end: calls `f(name, value range)` for each; returns the
/// index of the `>` and whether the tag closed itself (`/>`). None for anything unusual.
#[inline]
fn attributes(w: &[u8], mut i: usize, mut f: impl FnMut(&[u8], (usize, usize))) -> Option<(usize, bool)> {
    loop {
        while matches!(*w.get(i)?, b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        match w[i] {
            b'>' => return Some((i, false)),
            b'/' => return (*w.get(i + 1)? == b'>').then_some((i + 1, true)),
            _ => {}
        }
        let name = i;
        let mut colon = None;
        while *w.get(i)? != b'=' {
            match w[i] {
                b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'"' | b'\'' | b'<' | b'/' => return None,
                b':' => colon = Some(i),
                _ => {}
            }
            i += 1;
        }
        // Local names, as the general scanner reads them (`x:r` is `r`).
        let name = colon.map_or(name, |c| c + 1);
        let name_end = i;
        if *w.get(i + 1)? != b'"' {
            return None;
        }
        let v = i + 2;
        let mut j = v;
        while *w.get(j)? != b'"' {
            if matches!(w[j], b'&' | b'<') {
                return None;
            }
            j += 1;
        }
        f(&w[name..name_end], (v, j));
        i = j + 1;
    }
}

/// A whole `<c>` element at the start of `w`, or None.
pub(crate) fn cell(w: &[u8]) -> Option<FastCell> {
    if w.len() < 4 || w[0] != b'<' || w[1] != b'c' || !matches!(w[2], b' ' | b'>' | b'/') {
        return None;
    }
    let mut c = FastCell { len: 0, r: None, t: None, s: None, empty: false, value: None, escaped: false };
    let (gt, empty) = attributes(w, 2, |name, v| match name {
        b"r" => c.r = Some(v),
        b"t" => c.t = Some(v),
        b"s" => c.s = Some(v),
        _ => {}
    })?;
    if empty {
        c.empty = true;
        c.len = gt + 1;
        return Some(c);
    }
    let mut i = gt + 1;
    loop {
        if starts(w, i, b"</c>") {
            c.len = i + 4;
            return Some(c);
        }
        if c.value.is_some() {
            return None;
        }
        if starts(w, i, b"<v>") {
            let (end, amp) = text_end(w, i + 3)?;
            if !starts(w, end, b"</v>") {
                return None;
            }
            c.value = Some((i + 3, end));
            c.escaped = amp;
            i = end + 4;
        } else if starts(w, i, b"<is><t") {
            let (gt, empty) = attributes(w, i + 6, |_, _| {})?;
            if empty {
                return None;
            }
            let (end, amp) = text_end(w, gt + 1)?;
            if !starts(w, end, b"</t></is>") {
                return None;
            }
            c.value = Some((gt + 1, end));
            c.escaped = amp;
            i = end + 9;
        } else if starts(w, i, b"<f") {
            // A formula: its text does not count, its cached result (<v>) does.
            let (gt, empty) = attributes(w, i + 2, |_, _| {})?;
            if empty {
                i = gt + 1;
            } else {
                let (end, _) = text_end(w, gt + 1)?;
                if !starts(w, end, b"</f>") {
                    return None;
                }
                i = end + 4;
            }
        } else {
            return None;
        }
    }
}

/// A whole `<si><t>text</t></si>` at the start of `w`: (bytes taken, text range, whether the
/// text holds an entity reference), or None.
pub(crate) fn shared_string(w: &[u8]) -> Option<(usize, (usize, usize), bool)> {
    if !starts(w, 0, b"<si><t") {
        return None;
    }
    let (gt, empty) = attributes(w, 6, |_, _| {})?;
    if empty {
        return None;
    }
    let (end, amp) = text_end(w, gt + 1)?;
    if !starts(w, end, b"</t></si>") {
        return None;
    }
    Some((end + 9, (gt + 1, end), amp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(w: &[u8], r: Option<(usize, usize)>) -> Option<&str> {
        r.map(|(a, b)| std::str::from_utf8(&w[a..b]).unwrap())
    }

    #[test]
    fn shapes() {
        let w = br#"<c r="B2" s="1" t="s"><v>12</v></c><c"#;
        let c = cell(w).unwrap();
        assert_eq!((c.len, at(w, c.r), at(w, c.t), at(w, c.s), at(w, c.value)), (35, Some("B2"), Some("s"), Some("1"), Some("12")));
        let w = br#"<c r="A1" t="inlineStr"><is><t xml:space="preserve"> a&amp;b </t></is></c>"#;
        let c = cell(w).unwrap();
        assert_eq!((c.len, at(w, c.value)), (w.len(), Some(" a&amp;b ")));
        let w = br#"<c r="C3" t="str"><f>A1&amp;"x"</f><v>yx</v></c>"#;
        assert_eq!(at(w, cell(w).unwrap().value), Some("yx"));
        let w = br#"<c r="D4" s="3"/>"#;
        let c = cell(w).unwrap();
        assert!(c.empty && c.len == w.len());
        let w = br#"<c r="E5"></c>"#;
        assert!(cell(w).unwrap().value.is_none());
        // Not for the fast road: cut short, rich text, prefixes, white space, CDATA, `'`.
        for w in [
            &br#"<c r="B2" t="s"><v>12</v></"#[..],
            br#"<c t="inlineStr"><is><r><t>a</t></r></is></c>"#,
            br#"<x:c r="A1"><x:v>1</x:v></x:c>"#,
            b"<c r=\"A1\">\n<v>1</v></c>",
            br#"<c><v><![CDATA[1]]></v></c>"#,
            br#"<c r='A1'><v>1</v></c>"#,
            br#"<col min="1"/>"#,
        ] {
            assert!(cell(w).is_none(), "{}", String::from_utf8_lossy(w));
        }
        let w = br#"<si><t xml:space="preserve">x </t></si><si>"#;
        assert_eq!(shared_string(w), Some((w.len() - 4, (28, 30), false)));
        assert!(shared_string(b"<si><r><t>a</t></r></si>").is_none());
    }
}
