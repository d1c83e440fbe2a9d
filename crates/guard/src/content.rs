//! One pass over the HTML: visible text in lines, links, hidden links to other domains, and
//! script tricks. A hand-written scanner rather than a DOM: it keeps a stack of open elements
//! with inherited "hidden" and "volatile" flags and allocates little besides the text it keeps.

use crate::fingerprint::{self, Fingerprint};
use crate::markup::{attr, attrs, decode_entities, excerpt, find_ci, length_px, lower, memchr, raw_text, tag_end, tag_name};
pub use crate::markup::decode_body;
use crate::url::Url;
use serde::Serialize;
use std::collections::HashMap;

/// How a link was hidden from people while left for search engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    DisplayNone,
    VisibilityHidden,
    OffScreen,
    TinyFont,
    ZeroSize,
    TinyMarquee,
    ScriptWritten,
    ReferrerRedirect,
}

impl Technique {
    pub fn zh(self) -> &'static str {
        match self {
            Technique::DisplayNone => "用样式设为不显示",
            Technique::VisibilityHidden => "用样式设为不可见或完全透明",
            Technique::OffScreen => "定位到屏幕之外",
            Technique::TinyFont => "字号为零或极小",
            Technique::ZeroSize => "尺寸为零",
            Technique::TinyMarquee => "极小或极快的滚动字幕",
            Technique::ScriptWritten => "由脚本写入的链接",
            Technique::ReferrerRedirect => "按来源页跳转的脚本",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Technique::DisplayNone => "hidden with display:none",
            Technique::VisibilityHidden => "hidden with visibility:hidden or opacity",
            Technique::OffScreen => "positioned off screen",
            Technique::TinyFont => "zero or tiny font size",
            Technique::ZeroSize => "zero-size box",
            Technique::TinyMarquee => "tiny or very fast marquee",
            Technique::ScriptWritten => "link written by a script",
            Technique::ReferrerRedirect => "referrer-based redirect script",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct HiddenLink {
    pub technique: Technique,
    pub href: String,
    pub snippet: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Link {
    pub url: String,
    pub internal: bool,
}

/// What the scanner found in one page.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Page {
    /// Every visible line (volatile regions included: they can carry sensitive words too).
    pub lines: Vec<String>,
    /// Visible lines outside volatile regions, normalised (dates, times, counters).
    pub normalised: Vec<String>,
    pub links: Vec<Link>,
    pub hidden: Vec<HiddenLink>,
    pub fingerprint: Fingerprint,
}

// Element classes by lower-case name: a `match` is a few comparisons where searching a list
// compared every entry (this runs for every tag of every page).
fn is_void(name: &str) -> bool {
    matches!(name, "area" | "base" | "br" | "col" | "embed" | "hr" | "img" | "input" | "link" | "meta" | "param" | "source" | "track" | "wbr")
}
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address" | "article" | "aside" | "blockquote" | "br" | "dd" | "div" | "dl" | "dt" | "fieldset" | "figcaption" | "figure" | "footer" | "form" | "h1" | "h2" | "h3" | "h4" | "h5"
            | "h6" | "header" | "hr" | "li" | "main" | "marquee" | "nav" | "ol" | "option" | "p" | "pre" | "section" | "table" | "td" | "th" | "title" | "tr" | "ul"
    )
}
/// Elements whose content is never shown.
fn is_invisible(name: &str) -> bool {
    matches!(name, "head" | "noscript" | "template" | "select" | "iframe" | "object")
}

/// `.class` and `#id` rules that hide, from the page's `<style>` blocks; names without the `.`
/// or `#`, so that an element's classes are looked up without building strings.
#[derive(Default)]
struct Sheet {
    classes: HashMap<String, Technique>,
    ids: HashMap<String, Technique>,
}

impl Sheet {
    fn is_empty(&self) -> bool {
        self.classes.is_empty() && self.ids.is_empty()
    }
}

struct Frame<'a> {
    name: &'a str,
    start: usize,
    hidden: Option<Technique>,
    invisible: bool,
    volatile: bool,
}

/// `ignore` lists volatile regions as simple selectors: `tag`, `#id` or `.class`.
pub fn analyse(html: &str, base: &Url, ignore: &[String]) -> Page {
    let sheet = hidden_rules(html);
    let mut s = Scanner { html, base, joiner: base.base(), ignore, sheet, stack: Vec::with_capacity(64), page: Page::default(), line: String::new(), line_volatile: false };
    s.run();
    s.flush();
    let page = &mut s.page;
    page.fingerprint = fingerprint::fingerprint(&page.normalised, page.links.iter().filter(|l| l.internal).map(|l| l.url.as_str()));
    s.page
}

struct Scanner<'a> {
    html: &'a str,
    base: &'a Url,
    /// The base parsed once for the page's links.
    joiner: crate::url::Base,
    ignore: &'a [String],
    /// `.class` / `#id` → technique, from the page's own `<style>` rules.
    sheet: Sheet,
    stack: Vec<Frame<'a>>,
    page: Page,
    line: String,
    line_volatile: bool,
}

impl<'a> Scanner<'a> {
    fn top_hidden(&self) -> Option<(Technique, usize)> {
        self.stack.iter().find(|f| f.hidden.is_some()).map(|f| (f.hidden.unwrap_or(Technique::DisplayNone), f.start))
    }
    fn invisible(&self) -> bool {
        self.stack.last().is_some_and(|f| f.invisible || f.hidden.is_some())
    }
    fn volatile(&self) -> bool {
        self.stack.last().is_some_and(|f| f.volatile)
    }

    fn run(&mut self) {
        let html = self.html;
        let b = html.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let Some(lt) = memchr(b'<', &b[i..]).map(|p| p + i) else {
                self.text(&html[i..]);
                break;
            };
            if lt > i {
                self.text(&html[i..lt]);
            }
            i = lt;
            let next = b.get(i + 1).copied().unwrap_or(0);
            if html[i..].starts_with("<!--") {
                i = html[i + 4..].find("-->").map_or(b.len(), |p| i + 4 + p + 3);
            } else if next == b'!' || next == b'?' {
                i = memchr(b'>', &b[i..]).map_or(b.len(), |p| i + p + 1);
            } else if next == b'/' {
                let end = memchr(b'>', &b[i..]).map_or(b.len(), |p| i + p + 1);
                let name = tag_name(&html[i + 2..end]);
                self.close(name);
                i = end;
            } else if next.is_ascii_alphabetic() {
                let end = tag_end(b, i + 1);
                let inner_end = if b[end - 1] == b'>' && end - 1 > i { end - 1 } else { end };
                let inner = &html[i + 1..inner_end];
                let name = tag_name(inner);
                let attrs = &inner[name.len()..];
                if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style") || name.eq_ignore_ascii_case("textarea") {
                    let (content, after) = raw_text(html, end, name);
                    if name.eq_ignore_ascii_case("script") {
                        self.script(content, i, after);
                    }
                    i = after;
                    continue;
                }
                self.open(name, attrs, i, end);
                i = end;
            } else {
                self.text("<");
                i += 1;
            }
        }
    }

    fn open(&mut self, name: &'a str, attr_text: &'a str, start: usize, end: usize) {
        let mut buf = [0u8; 16];
        let lname = lower(name, &mut buf);
        if is_block(lname) {
            self.flush();
        }
        // Elements that close their open sibling implicitly (HTML §13.2.6.4.7, the common cases).
        if matches!(lname, "p" | "li" | "option" | "td" | "tr" | "dt" | "dd") && self.stack.last().is_some_and(|f| f.name.eq_ignore_ascii_case(name)) {
            self.stack.pop();
        }
        let (mut style, mut class, mut id, mut href, mut hidden_attr) = (None, None, None, None, false);
        for (n, v) in attrs(attr_text) {
            let mut nb = [0u8; 16];
            match lower(n, &mut nb) {
                "style" => style = Some(v),
                "class" => class = Some(v),
                "id" => id = Some(v),
                "href" => href = Some(v),
                "hidden" => hidden_attr = true,
                _ => {}
            }
        }
        let mut hidden = style.and_then(hidden_by_style);
        if hidden.is_none() && hidden_attr {
            hidden = Some(Technique::DisplayNone);
        }
        if hidden.is_none() && !self.sheet.is_empty() {
            if let Some(c) = class {
                hidden = c.split_ascii_whitespace().find_map(|c| self.sheet.classes.get(c).copied());
            }
            if let Some(i) = id {
                hidden = hidden.or_else(|| self.sheet.ids.get(i).copied());
            }
        }
        if lname == "marquee" && hidden.is_none() && tiny_marquee(attr_text, style) {
            hidden = Some(Technique::TinyMarquee);
        }
        let inherited = self.stack.last();
        let volatile = inherited.is_some_and(|f| f.volatile)
            || self.ignore.iter().any(|sel| {
                if let Some(i) = sel.strip_prefix('#') {
                    id == Some(i)
                } else if let Some(c) = sel.strip_prefix('.') {
                    class.is_some_and(|cl| cl.split_ascii_whitespace().any(|x| x == c))
                } else {
                    sel.eq_ignore_ascii_case(name)
                }
            });
        // The title sits in the invisible head but is shown (tab, search results) and often defaced.
        let invisible = lname != "title" && (inherited.is_some_and(|f| f.invisible) || is_invisible(lname));
        let parent_hidden = inherited.and_then(|f| f.hidden);
        if lname == "a" {
            if let Some(href) = href {
                self.link(&decode_entities(href), hidden.or(parent_hidden), start, end);
            }
        }
        if is_void(lname) || self.html[..end].ends_with("/>") {
            return;
        }
        // A hidden ancestor's technique wins: it is where the hiding happened.
        let frame = Frame { name, start, hidden: parent_hidden.or(hidden), invisible, volatile };
        let frame = if parent_hidden.is_some() { Frame { start: self.top_hidden().map_or(start, |h| h.1), ..frame } } else { frame };
        self.stack.push(frame);
    }

    fn close(&mut self, name: &str) {
        if let Some(pos) = self.stack.iter().rposition(|f| f.name.eq_ignore_ascii_case(name)) {
            self.stack.truncate(pos);
        }
        let mut buf = [0u8; 16];
        if is_block(lower(name, &mut buf)) {
            self.flush();
        }
    }

    fn text(&mut self, t: &str) {
        if self.invisible() || t.trim().is_empty() && self.line.is_empty() {
            return;
        }
        let volatile = self.volatile();
        if volatile != self.line_volatile && !self.line.trim().is_empty() {
            self.flush();
        }
        self.line_volatile = volatile;
        let t = decode_entities(t);
        let mut space = self.line.ends_with(' ');
        for c in t.chars() {
            if c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' {
                if !space && !self.line.is_empty() {
                    self.line.push(' ');
                    space = true;
                }
            } else {
                self.line.push(c);
                space = false;
            }
        }
    }

    fn flush(&mut self) {
        let l = self.line.trim();
        if !l.is_empty() {
            if !self.line_volatile {
                self.page.normalised.push(fingerprint::normalise_line(l));
            }
            self.page.lines.push(l.to_string());
        }
        self.line.clear();
    }

    fn link(&mut self, href: &str, hidden: Option<Technique>, start: usize, end: usize) {
        let Some(u) = self.joiner.join(href) else { return };
        let internal = self.base.same_site(&u);
        if let (Some(t), false) = (hidden, internal) {
            let from = self.top_hidden().map_or(start, |h| h.1).max(start.saturating_sub(300));
            self.page.hidden.push(HiddenLink { technique: t, href: u.to_string(), snippet: excerpt(self.html, from, end + 80) });
        }
        if !self.volatile() {
            self.page.links.push(Link { url: u.to_string(), internal });
        }
    }

    /// Inline scripts: links written with document.write/innerHTML to other domains, and
    /// redirects that depend on document.referrer (the classic search-engine spam hook).
    fn script(&mut self, code: &str, start: usize, end: usize) {
        let writes = code.contains("document.write") || code.contains("innerHTML") || code.contains("insertAdjacentHTML");
        if writes && code.contains("<a") {
            for href in urls_in(code) {
                if let Some(u) = self.joiner.join(href) {
                    if !self.base.same_site(&u) {
                        self.page.hidden.push(HiddenLink { technique: Technique::ScriptWritten, href: u.to_string(), snippet: excerpt(self.html, start, end.min(start + 400)) });
                    }
                }
            }
        }
        if code.contains("document.referrer") {
            let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            let redirects = ["location.href=", "location=", "location.replace(", "location.assign(", ".location=\"", "window.open("].iter().any(|p| compact.contains(p));
            // A target on this site is harmless; an external one, or none readable (spam scripts
            // build it with atob or String.fromCharCode), is the hook.
            let targets: Vec<Url> = urls_in(code).filter_map(|h| self.joiner.join(h)).collect();
            let external = targets.iter().find(|u| !self.base.same_site(u));
            if redirects && (targets.is_empty() || external.is_some()) {
                let href = external.map(|u| u.to_string()).unwrap_or_default();
                self.page.hidden.push(HiddenLink { technique: Technique::ReferrerRedirect, href, snippet: excerpt(self.html, start, end.min(start + 400)) });
            }
        }
    }
}

/// Absolute http(s) URLs quoted in script text (`"http://x/"`, `'https://y'`, `\"http://z\"`).
fn urls_in(code: &str) -> impl Iterator<Item = &str> {
    code.match_indices("http").filter_map(move |(i, _)| {
        let rest = &code[i..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            return None;
        }
        let end = rest.find(['"', '\'', '\\', ' ', '>', '<', ')']).unwrap_or(rest.len());
        Some(&rest[..end])
    })
}

/// Whether an inline style hides its element, and how.
pub fn hidden_by_style(style: &str) -> Option<Technique> {
    let s: String = style.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let decls: Vec<(&str, &str)> = s.split(';').filter_map(|d| d.split_once(':')).map(|(k, v)| (k, v.trim_end_matches("!important"))).collect();
    let get = |k: &str| decls.iter().rev().find(|(n, _)| *n == k).map(|(_, v)| *v);
    if get("display") == Some("none") {
        return Some(Technique::DisplayNone);
    }
    if get("visibility") == Some("hidden") || get("opacity").and_then(|v| v.parse::<f32>().ok()).is_some_and(|o| o < 0.05) {
        return Some(Technique::VisibilityHidden);
    }
    if get("font-size").and_then(length_px).is_some_and(|px| px < 3.0) {
        return Some(Technique::TinyFont);
    }
    let far = |k: &str| get(k).and_then(length_px).is_some_and(|px| px <= -500.0);
    let positioned = matches!(get("position"), Some("absolute") | Some("fixed") | Some("relative"));
    if far("text-indent") || (positioned && (far("left") || far("top") || far("right"))) || far("margin-left") || far("margin-top") {
        return Some(Technique::OffScreen);
    }
    let small = |k: &str| get(k).and_then(length_px).is_some_and(|px| px < 2.0);
    if (small("height") || small("width")) && get("overflow") == Some("hidden") {
        return Some(Technique::ZeroSize);
    }
    None
}

fn tiny_marquee(attrs: &str, style: Option<&str>) -> bool {
    let small = |v: Option<&str>| v.and_then(length_px).is_some_and(|px| px <= 5.0);
    let in_style = |k: &str| style.and_then(|s| s.to_ascii_lowercase().replace(' ', "").split(';').find_map(|d| d.strip_prefix(&format!("{k}:")).and_then(length_px))).is_some_and(|px| px <= 5.0);
    let fast = attr(attrs, "scrollamount").and_then(|v| v.trim().parse::<u32>().ok()).is_some_and(|n| n >= 1000);
    small(attr(attrs, "height")) || small(attr(attrs, "width")) || in_style("height") || in_style("width") || fast
}

/// `.class` and `#id` rules in the page's `<style>` blocks that hide what they match. Only simple
/// selectors count: enough for the usual spam trick of a hiding class defined in the page.
fn hidden_rules(html: &str) -> Sheet {
    let mut out = Sheet::default();
    let mut from = 0;
    while let Some(p) = find_ci(&html[from..], "<style") {
        let start = from + p;
        let open_end = tag_end(html.as_bytes(), start + 1);
        let (css, after) = raw_text(html, open_end, "style");
        for rule in css.split('}') {
            let Some((sel, body)) = rule.split_once('{') else { continue };
            let Some(t) = hidden_by_style(body) else { continue };
            for s in sel.split(',') {
                let s = s.trim();
                let last = s.rsplit(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(s);
                if let Some(p) = last.find(['.', '#']) {
                    let key = &last[p..];
                    if key.len() > 1 && key[1..].chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                        let map = if key.starts_with('.') { &mut out.classes } else { &mut out.ids };
                        map.insert(key[1..].to_string(), t);
                    }
                }
            }
        }
        from = after.max(start + 1);
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://www.school.edu.cn/").unwrap()
    }

    #[test]
    fn visible_text_lines_links_and_entities() {
        let html = "<!DOCTYPE html><html><head><title>某某学校 &amp; 幼儿园</title><meta charset=utf-8><script>var a='<p>不可见</p>';</script>\
            <style>p{color:red}</style></head><body><!-- 注释 --><p>第一段<b>加粗</b>文字<p>第二段&nbsp;&#x4E2D;&#25991;<br>换行\
            <a href='/x.html'>内部</a> <a href=\"https://www.moe.gov.cn/\">教育部</a><noscript>请启用脚本</noscript><textarea>输入</textarea></body></html>";
        let p = analyse(html, &base(), &[]);
        assert_eq!(p.lines, ["某某学校 & 幼儿园", "第一段加粗文字", "第二段 中文", "换行内部 教育部"]);
        assert_eq!(p.links.len(), 2);
        assert!(p.links[0].internal && !p.links[1].internal);
        assert!(p.hidden.is_empty());
    }

    #[test]
    fn hidden_region_ends_with_its_element() {
        let html = "<div style='display:none'><div><a href='http://x.example/'>隐</a></div></div><p>可见<a href='http://y.example/'>外链</a></p>";
        let p = analyse(html, &base(), &[]);
        assert_eq!(p.hidden.len(), 1);
        assert_eq!(p.hidden[0].href, "http://x.example/");
        assert!(p.hidden[0].snippet.starts_with("<div style='display:none'>"));
        assert_eq!(p.lines, ["可见外链"]);
    }

    #[test]
    fn referrer_redirects() {
        let page = |js: &str| analyse(&format!("<script>{js}</script>"), &base(), &[]);
        let spam = page("if(/baidu|sogou/.test(document.referrer)){location.replace(atob('aHR0cDovL3guY29t'))}");
        assert_eq!(spam.hidden.len(), 1);
        assert_eq!(spam.hidden[0].technique, Technique::ReferrerRedirect);
        assert!(page("if(document.referrer===''){window.location.href='http://www.school.edu.cn/m/'}").hidden.is_empty());
        assert!(page("stats.push(document.referrer)").hidden.is_empty());
    }

    #[test]
    fn garbage_never_panics() {
        // A tiny generator of tag soup, multibyte text and broken quoting, run many times.
        let parts = ["<", ">", "</", "/>", "a", "p", "div", "script", "style", "=", "\"", "'", " ", "中", "文", "&", ";", "#x4e2d", "&amp", "<!--", "-->", "<!", "href", "style=", "display:none", "\u{1F600}", "marquee", "font-size:0", "http://e.example/", "document.write(", "<a", "\n"];
        let mut seed: u64 = 0x1234_5678;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(seed % 40) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                s.push_str(parts[(seed >> 33) as usize % parts.len()]);
            }
            let _ = analyse(&s, &base(), &["#a".to_string()]);
            seed = seed.wrapping_add(7);
        }
    }
}
