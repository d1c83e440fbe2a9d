//! CSV cells that a spreadsheet cannot run (OWASP "CSV injection"), and the reading back of our own
//! output. Every CSV this platform writes — `tianfu export`, error files (`--errors x.csv`,
//! `tianfu batches show --errors`) — writes its cells through [`push_field`] / [`write_field`].
//!
//! A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (or the full-width
//! `＝＋－＠`, which WPS and Excel with an IME also take as formula starts) is written with a `'`
//! before it, as OWASP recommends: Excel and WPS show the value as text and hide the apostrophe.
//! That is done to every such cell, negative numbers and `+86` phone numbers included: the value
//! itself is never changed, and telling a harmless `-1` from `-1+cmd|…` is what attackers count on.
//!
//! Reading: the importer removes the apostrophe again ([`restore`]), so that our own export imports
//! unchanged. To make that exact for every value, the rule covers apostrophes too: a value made of
//! apostrophes and then a formula start gets one more apostrophe on writing, and one is removed on
//! reading (`=1` → `'=1` → `=1`; `'=1` → `''=1` → `'=1`); any other value is written and read
//! as it is (`'abc` stays `'abc`). XLSX outputs write text cells and need none of this.

use std::borrow::Cow;

/// Whether a cell starting with `c` may be read as a formula.
fn formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
}

/// Whether `v`, after any leading apostrophes, starts a formula.
fn needs_mark(v: &str) -> bool {
    v.trim_start_matches('\'').chars().next().is_some_and(formula_start)
}

/// `v` as a CSV cell shows it safely: with a `'` before it when it could start a formula.
pub fn neutralise(v: &str) -> Cow<'_, str> {
    if needs_mark(v) {
        Cow::Owned(format!("'{v}"))
    } else {
        Cow::Borrowed(v)
    }
}

/// A cell as read from a CSV file: the apostrophe [`neutralise`] added, removed.
pub fn restore(v: &str) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if needs_mark(rest) => rest,
        _ => v,
    }
}

/// Appends `v` as one CSV field (RFC 4180 quoting), neutralised.
pub fn push_field(out: &mut String, v: &str) {
    let v = neutralise(v);
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&v);
    }
}

/// [`push_field`] to a writer.
pub fn write_field(w: &mut impl std::io::Write, v: &str) -> std::io::Result<()> {
    let mut s = String::with_capacity(v.len() + 3);
    push_field(&mut s, v);
    w.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formula_cells_are_marked() {
        let cell = |v: &str| {
            let mut s = String::new();
            push_field(&mut s, v);
            s
        };
        assert_eq!(cell("=HYPERLINK(\"http://x\",\"a\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\"");
        assert_eq!(cell("+86 138"), "'+86 138");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\t=1"), "'\t=1");
        assert_eq!(cell("\r=1"), "\"'\r=1\"");
        assert_eq!(cell("＝1+1"), "'＝1+1");
        assert_eq!(cell("'=1"), "''=1");
        assert_eq!(cell("'abc"), "'abc");
        assert_eq!(cell("张三"), "张三");
        assert_eq!(cell("a=b"), "a=b");
        assert_eq!(cell(""), "");
        assert_eq!(cell("a,b"), "\"a,b\"");
    }

    #[test]
    fn restore_undoes_only_our_mark() {
        assert_eq!(restore("'=1"), "=1");
        assert_eq!(restore("''=1"), "'=1");
        assert_eq!(restore("'abc"), "'abc");
        assert_eq!(restore("'"), "'");
        assert_eq!(restore("abc"), "abc");
    }

    proptest! {
        /// Whatever the value, what we write reads back as it was.
        #[test]
        fn round_trip(v in "['=+\\-@\t\r＝a1 ]{0,6}") {
            let written = neutralise(&v);
            prop_assert_eq!(restore(&written), v.as_str());
            prop_assert!(!written.chars().next().is_some_and(formula_start));
        }
    }
}
