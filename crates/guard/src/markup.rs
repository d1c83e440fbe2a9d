//! Small pieces of HTML lexing shared by the page scanner: tags, attributes, raw text, character
//! references, and decoding bodies served in GBK/GB18030.

pub(crate) fn memchr(c: u8, b: &[u8]) -> Option<usize> {
    memchr::memchr(c, b)
}

/// End (just past `>`) of a start tag beginning at `i`, respecting quoted attribute values.
pub(crate) fn tag_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        let Some(p) = memchr::memchr3(b'>', b'"', b'\'', &b[i..]) else { break };
        let at = i + p;
        if b[at] == b'>' {
            return at + 1;
        }
        // A quoted value: skip to its closing quote (an unclosed one runs to the end).
        match memchr::memchr(b[at], &b[at + 1..]) {
            Some(q) => i = at + 1 + q + 1,
            None => break,
        }
    }
    b.len()
}

pub(crate) fn tag_name(s: &str) -> &str {
    let end = s.find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/').unwrap_or(s.len());
    &s[..end]
}

/// Content of a raw-text element and the offset after its end tag.
pub(crate) fn raw_text<'h>(html: &'h str, from: usize, name: &str) -> (&'h str, usize) {
    let b = html.as_bytes();
    let mut i = from;
    while let Some(p) = memchr(b'<', &b[i..]) {
        let at = i + p;
        if b.get(at + 1) == Some(&b'/') && html.get(at + 2..at + 2 + name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name)) {
            let end = memchr(b'>', &b[at..]).map_or(b.len(), |q| at + q + 1);
            return (&html[from..at], end);
        }
        i = at + 1;
    }
    (&html[from..], html.len())
}

/// The attributes of a start tag's attribute text, as (name, unquoted value) pairs, in order.
pub(crate) fn attrs(attrs: &str) -> impl Iterator<Item = (&str, &str)> {
    let b = attrs.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let before = i;
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            let ns = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' && b[i] != b'/' {
                i += 1;
            }
            let n = &attrs[ns..i];
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = "";
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    i = vs + memchr(q, &b[vs..]).unwrap_or(b.len() - vs);
                    value = &attrs[vs..i];
                    i = (i + 1).min(b.len());
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &attrs[vs..i];
                }
            }
            if i == before {
                // A stray '>' or the like: step over one character.
                i += 1;
                while i < b.len() && !attrs.is_char_boundary(i) {
                    i += 1;
                }
            }
            if !n.is_empty() {
                return Some((n, value));
            }
        }
        None
    })
}

/// The value of attribute `name`, unquoted.
pub(crate) fn attr<'a>(attrs_text: &'a str, name: &str) -> Option<&'a str> {
    attrs(attrs_text).find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// `name` in lower case, in `buf` (tag names that matter are short; longer ones are left as is).
pub(crate) fn lower<'b>(name: &'b str, buf: &'b mut [u8; 16]) -> &'b str {
    if name.len() > buf.len() || !name.is_ascii() {
        return name;
    }
    let out = &mut buf[..name.len()];
    out.copy_from_slice(name.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).unwrap_or(name)
}

/// A CSS length in px (pt, em and rem converted at 16 px; a bare number is px).
pub(crate) fn length_px(v: &str) -> Option<f32> {
    let v = v.trim();
    let (num, unit) = v.split_at(v.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(v.len()));
    let n: f32 = num.parse().ok()?;
    Some(match unit {
        "" | "px" => n,
        "pt" => n * 4.0 / 3.0,
        "em" | "rem" => n * 16.0,
        "%" if n == 0.0 => 0.0,
        _ => return None,
    })
}

/// The first place where `needle` (ASCII, lower case) stands in `h` all in lower case or all in
/// upper case (`<style` or `<STYLE`, not `<Style`). One pass: the first byte is found with
/// memchr, the rest compared in place.
pub(crate) fn find_ci(h: &str, needle: &str) -> Option<usize> {
    let (hb, nb) = (h.as_bytes(), needle.as_bytes());
    let (&first, rest) = nb.split_first()?;
    let upper = first.to_ascii_uppercase();
    let mut from = 0;
    loop {
        let p = from + if first == upper { memchr::memchr(first, &hb[from..])? } else { memchr::memchr2(first, upper, &hb[from..])? };
        let cand = hb.get(p + 1..p + nb.len())?;
        if (hb[p] == first && cand == rest) || (hb[p] == upper && cand.iter().zip(rest).all(|(c, r)| *c == r.to_ascii_uppercase())) {
            return Some(p);
        }
        from = p + 1;
    }
}

/// Up to ~300 bytes of the source from `from` to `to`, cut on character boundaries.
pub(crate) fn excerpt(html: &str, from: usize, to: usize) -> String {
    let mut a = from.min(html.len());
    while !html.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = to.min(html.len()).min(a + 400);
    while !html.is_char_boundary(b) {
        b -= 1;
    }
    html[a..b].trim().to_string()
}

/// The named and numeric character references that matter for text (HTML §13.5).
pub fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let semi = rest.as_bytes()[..rest.len().min(12)].iter().position(|&b| b == b';');
        let decoded = semi.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" | "#39" => '\'',
                "nbsp" => ' ',
                "copy" => '©',
                "middot" => '·',
                "ldquo" => '“',
                "rdquo" => '”',
                _ => {
                    let n = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")).map(|h| u32::from_str_radix(h, 16)).or_else(|| ent.strip_prefix('#').map(|d| d.parse::<u32>()))?;
                    char::from_u32(n.ok()?)?
                }
            };
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Decodes a body: UTF-8 when valid, else the declared charset (GBK/GB2312/GB18030 as GB18030,
/// which is a superset), else lossy UTF-8. Many provincial and county sites still serve GBK.
pub fn decode_body<'b>(body: &'b [u8], content_type: Option<&str>) -> std::borrow::Cow<'b, str> {
    if let Ok(s) = std::str::from_utf8(body) {
        return s.into();
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    let declared = content_type.map(str::to_ascii_lowercase).unwrap_or_default();
    if ["gbk", "gb2312", "gb18030"].iter().any(|c| declared.contains(c) || head.contains(&format!("charset={c}")) || head.contains(&format!("charset=\"{c}"))) {
        let (s, _, _) = encoding_rs::GB18030.decode(body);
        return s;
    }
    String::from_utf8_lossy(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_ci_takes_all_lower_or_all_upper() {
        assert_eq!(find_ci("<p><STYLE>x</STYLE><style>", "<style"), Some(3));
        assert_eq!(find_ci("<p><style>x", "<style"), Some(3));
        assert_eq!(find_ci("<Style><stYle><style", "<style"), Some(14));
        assert_eq!(find_ci("<<<styl", "<style"), None);
        assert_eq!(find_ci("", "<style"), None);
    }

    #[test]
    fn tag_end_skips_quoted_values() {
        let b = br#"<a href="x>y" title='a>b'>text"#;
        assert_eq!(tag_end(b, 1), 26);
        assert_eq!(tag_end(b"<a href=\"never closed>", 1), 22);
        assert_eq!(tag_end(b"<br>", 1), 4);
        assert_eq!(tag_end(b"<br", 1), 3);
    }
}
