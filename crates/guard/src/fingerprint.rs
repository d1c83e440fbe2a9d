//! Normalisation of visible text (dates, times and counters taken out so that a page whose only
//! change is "访问量：12345" or "2026年11月29日" compares equal), a bottom-k MinHash fingerprint of
//! character 4-grams and link targets, similarity between fingerprints, and a short line diff.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Sketch size: the similarity estimate's standard error is about 1/√K (≈ 0.06); exact for pages
/// with fewer distinct shingles than this.
pub const K: usize = 256;
const SHINGLE: usize = 4;

/// Words after which a number is a counter (visits, views, clicks) rather than content.
const COUNTER_WORDS: &[&str] = &[
    "访问量", "访问次数", "访问人次", "访问", "浏览量", "浏览次数", "浏览", "点击量", "点击数", "点击", "阅读量", "阅读", "访客", "人次", "计数器",
    "您是第", "visits", "visitors", "views", "hits", "counter", "visitor",
];

/// [`COUNTER_WORDS`] in one automaton, ASCII letters in either case: one pass over a line instead
/// of lower-casing it and searching it once per word. (The same matches as searching the line
/// lower-cased: the words are Chinese or lower-case ASCII, and no other character lower-cases to
/// a run of their ASCII letters.)
fn counter_words() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(COUNTER_WORDS).expect("the counter words make an automaton"))
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The K smallest distinct shingle hashes, ascending.
    pub sketch: Vec<u64>,
    /// Distinct shingles seen (before truncation to K).
    pub shingles: usize,
}

/// The text form the store keeps: `v1:<shingles>:<hash>,<hash>,…` (hashes in hex).
pub fn encode(f: &Fingerprint) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(8 + f.sketch.len() * 17);
    let _ = write!(s, "v1:{}:", f.shingles);
    for (i, h) in f.sketch.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{h:x}");
    }
    s
}

/// The inverse of [`encode`]; None for anything else.
pub fn decode(s: &str) -> Option<Fingerprint> {
    let rest = s.strip_prefix("v1:")?;
    let (shingles, hashes) = rest.split_once(':')?;
    let sketch = if hashes.is_empty() { Vec::new() } else { hashes.split(',').map(|h| u64::from_str_radix(h, 16).ok()).collect::<Option<Vec<u64>>>()? };
    Some(Fingerprint { sketch, shingles: shingles.parse().ok()? })
}

/// Replaces dates, times and counters in one line of visible text with fixed tokens.
///
/// Works on bytes: digits are ASCII and never part of a multi-byte character, so runs of other
/// text are copied whole and positions step over a separator by its UTF-8 length.
pub fn normalise_line(line: &str) -> String {
    let b = line.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) {
        return line.to_string();
    }
    let counters = counter_words().is_match(line);
    let mut out = String::with_capacity(line.len() + 16);
    let run_end = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let at = |j: usize| line.get(j..).and_then(|s| s.chars().next()).unwrap_or('\0');
    let digit_at = |j: usize| b.get(j).is_some_and(u8::is_ascii_digit);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            let next = b[i..].iter().position(u8::is_ascii_digit).map_or(b.len(), |p| i + p);
            out.push_str(&line[i..next]);
            i = next;
            continue;
        }
        let e1 = run_end(i);
        let c1 = at(e1);
        // 2026-11-29, 2026/11/29, 2026.11.29 (and 29/11/2026)
        if matches!(c1, '-' | '/' | '.') && digit_at(e1 + 1) {
            let e2 = run_end(e1 + 1);
            if at(e2) == c1 && digit_at(e2 + 1) {
                out.push_str("〈日期〉");
                i = run_end(e2 + 1);
                continue;
            }
        }
        // 2026年11月29日, 11月29日, 2026年11月
        if c1 == '年' || c1 == '月' {
            let mut j = e1 + c1.len_utf8();
            let mut parts = 1;
            while digit_at(j) {
                let e = run_end(j);
                let c = at(e);
                if matches!(c, '月' | '日' | '号') {
                    j = e + c.len_utf8();
                    parts += 1;
                } else {
                    break;
                }
            }
            if parts >= 2 {
                out.push_str("〈日期〉");
                i = j;
                continue;
            }
        }
        // 12:34 and 12:34:56
        if c1 == ':' && digit_at(e1 + 1) && e1 - i <= 2 {
            let mut j = run_end(e1 + 1);
            if at(j) == ':' && digit_at(j + 1) {
                j = run_end(j + 1);
            }
            out.push_str("〈时间〉");
            i = j;
            continue;
        }
        // A number followed by 次 / 人次 / 人 (visits), or preceded by a counter word.
        let followed = c1 == '次' || (c1 == '人' && at(e1 + '人'.len_utf8()) == '次');
        let counted = followed
            || (counters && {
                let before: String = out.trim_end_matches([' ', ':', '：', '\u{a0}', '为', '是']).chars().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
                let before_lc = before.to_lowercase();
                COUNTER_WORDS.iter().any(|w| before_lc.ends_with(w))
            });
        if counted {
            out.push_str("〈计数〉");
            i = e1;
            continue;
        }
        out.push_str(&line[i..e1]);
        i = e1;
    }
    out
}

fn mix(mut z: u64) -> u64 {
    // splitmix64 finaliser: spreads the bits so that the smallest hashes are a fair sample.
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn str_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// Fingerprint of normalised lines plus link targets (the link structure).
pub fn fingerprint<'a>(lines: &[String], links: impl Iterator<Item = &'a str>) -> Fingerprint {
    let mut hashes: Vec<u64> = Vec::with_capacity(1024);
    let mut window: Vec<char> = Vec::with_capacity(64);
    for line in lines {
        window.clear();
        window.extend(line.chars().filter(|c| !c.is_whitespace()));
        if window.len() < SHINGLE {
            if !window.is_empty() {
                hashes.push(str_hash(line));
            }
            continue;
        }
        for w in window.windows(SHINGLE) {
            let mut h: u64 = 0;
            for &c in w {
                h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(c as u64 + 1);
            }
            hashes.push(mix(h));
        }
    }
    for l in links {
        hashes.push(str_hash(l) ^ 0x5555);
    }
    hashes.sort_unstable();
    hashes.dedup();
    let shingles = hashes.len();
    hashes.truncate(K);
    Fingerprint { sketch: hashes, shingles }
}

/// Estimated Jaccard similarity (0–1) of the two shingle sets, from bottom-k sketches.
pub fn similarity(a: &Fingerprint, b: &Fingerprint) -> f64 {
    match (a.sketch.is_empty(), b.sketch.is_empty()) {
        (true, true) => return 1.0,
        (true, false) | (false, true) => return 0.0,
        _ => {}
    }
    // The K smallest of the union are a uniform sample of it, and each sketch holds every member
    // of its set below its own K-th value, so membership of those K is known exactly.
    let (mut i, mut j, mut taken, mut both) = (0, 0, 0, 0);
    while taken < K && (i < a.sketch.len() || j < b.sketch.len()) {
        let x = a.sketch.get(i).copied().unwrap_or(u64::MAX);
        let y = b.sketch.get(j).copied().unwrap_or(u64::MAX);
        if i < a.sketch.len() && j < b.sketch.len() && x == y {
            both += 1;
            i += 1;
            j += 1;
        } else if j >= b.sketch.len() || (i < a.sketch.len() && x < y) {
            i += 1;
        } else {
            j += 1;
        }
        taken += 1;
    }
    if taken == 0 {
        0.0
    } else {
        both as f64 / taken as f64
    }
}

/// A short diff of normalised lines: `- ` removed, `+ ` added, in page order, at most `max` lines
/// of at most 120 characters each.
pub fn diff(old: &[String], new: &[String], max: usize) -> Vec<String> {
    let old_set: HashSet<&str> = old.iter().map(String::as_str).collect();
    let new_set: HashSet<&str> = new.iter().map(String::as_str).collect();
    let clip = |s: &str| -> String {
        let mut c: String = s.chars().take(120).collect();
        if c.len() < s.len() {
            c.push('…');
        }
        c
    };
    let removed = old.iter().filter(|l| !new_set.contains(l.as_str())).map(|l| format!("- {}", clip(l)));
    let added = new.iter().filter(|l| !old_set.contains(l.as_str())).map(|l| format!("+ {}", clip(l)));
    removed.chain(added).take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn dates_times_counters_are_normalised() {
        assert_eq!(normalise_line("更新于 2026-11-29 08:30"), "更新于 〈日期〉 〈时间〉");
        assert_eq!(normalise_line("2026年11月29日 星期日"), "〈日期〉 星期日");
        assert_eq!(normalise_line("访问量：12345"), "访问量：〈计数〉");
        assert_eq!(normalise_line("您是第 778 位访客"), "您是第 〈计数〉 位访客");
        assert_eq!(normalise_line("阅读 35 次"), "阅读 〈计数〉 次");
        assert_eq!(normalise_line("电话 028-86112233"), "电话 028-86112233");
        assert_eq!(normalise_line("2026-11-30"), normalise_line("2026/1/2"));
    }
    #[test]
    fn similarity_behaves() {
        let a: Vec<String> = vec!["四川省教育厅关于做好2026年普通高校招生工作的通知".into(), "联系我们 地址 成都市".into()];
        let fa = fingerprint(&a, ["/a", "/b"].into_iter());
        assert_eq!(similarity(&fa, &fa), 1.0);
        let b: Vec<String> = vec!["本站已被黑客攻破 hacked by nobody".into()];
        let fb = fingerprint(&b, std::iter::empty());
        assert!(similarity(&fa, &fb) < 0.1);
        let big: Vec<String> = (0..400).map(|i| format!("第{i}条新闻标题内容示例文字")).collect();
        let mut big2 = big.clone();
        big2[0] = "改动的一行文字内容".into();
        let s = similarity(&fingerprint(&big, std::iter::empty()), &fingerprint(&big2, std::iter::empty()));
        assert!(s > 0.9, "{s}");
        assert_eq!(diff(&a, &b, 10).len(), 3);
    }

    #[test]
    fn encoded_for_the_store_and_back() {
        let f = Fingerprint { sketch: vec![0, 1, 0xdead_beef, u64::MAX], shingles: 7 };
        assert_eq!(encode(&f), "v1:7:0,1,deadbeef,ffffffffffffffff");
        assert_eq!(decode(&encode(&f)), Some(f));
        let empty = Fingerprint::default();
        assert_eq!(decode(&encode(&empty)), Some(empty));
        assert_eq!(decode("v2:1:0"), None);
        assert_eq!(decode("v1:x:0"), None);
        assert_eq!(decode("v1:1:zz"), None);
    }
}
