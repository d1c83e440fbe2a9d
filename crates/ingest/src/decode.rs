//! Character encodings of incoming files: UTF-8 (with or without BOM), GBK and GB18030.

use encoding_rs::GB18030;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    /// GBK is read as GB18030, its superset: every GBK file decodes the same way.
    #[serde(rename = "gbk")]
    Gbk,
    #[serde(rename = "gb18030")]
    Gb18030,
}

impl TextEncoding {
    pub fn parse(s: &str) -> Option<TextEncoding> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(TextEncoding::Utf8),
            "gbk" | "cp936" | "gb2312" => Some(TextEncoding::Gbk),
            "gb18030" => Some(TextEncoding::Gb18030),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Gbk => "gbk",
            TextEncoding::Gb18030 => "gb18030",
        }
    }

    /// Decodes `bytes`; None when they are not valid in this encoding.
    pub fn decode(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            TextEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            TextEncoding::Gbk | TextEncoding::Gb18030 => {
                if bytes.is_ascii() {
                    return std::str::from_utf8(bytes).ok().map(Cow::Borrowed);
                }
                GB18030.decode_without_bom_handling_and_without_replacement(bytes)
            }
        }
    }

    /// Decodes with U+FFFD for bad bytes, for showing a broken row to a person.
    pub fn decode_lossy(self, bytes: &[u8]) -> String {
        match self {
            TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            _ => GB18030.decode_without_bom_handling(bytes).0.into_owned(),
        }
    }
}

/// Why the encoding could not be settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    Encoding { encoding: TextEncoding, bom_len: usize },
    Utf16,
}

/// Detects the encoding from the first bytes of a file: a BOM, else UTF-8 if the sample is valid
/// UTF-8 (a character cut at the end of the sample is allowed), else GB18030/GBK.
pub fn detect(sample: &[u8]) -> Detected {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Detected::Encoding { encoding: TextEncoding::Utf8, bom_len: 3 };
    }
    if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
        return Detected::Utf16;
    }
    if sample.starts_with(&[0x84, 0x31, 0x95, 0x33]) {
        return Detected::Encoding { encoding: TextEncoding::Gb18030, bom_len: 4 };
    }
    let valid = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // error_len() None: the sample ends inside a character that the next bytes may complete.
        Err(e) => e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    };
    // Valid in neither: a UTF-8 file with a stray bad byte has one bad sequence, while GBK text
    // read as UTF-8 has one per character (and UTF-8 Chinese read as GBK breaks at most commas).
    // Go by the fewer, so that one bad row does not turn the whole file, header included, into
    // the wrong encoding.
    let encoding = if valid || utf8_errors(sample) < gb18030_errors(sample) { TextEncoding::Utf8 } else { TextEncoding::Gbk };
    Detected::Encoding { encoding, bom_len: 0 }
}

/// Invalid UTF-8 sequences in `b`, not counting a character cut at the end.
fn utf8_errors(mut b: &[u8]) -> usize {
    let mut n = 0;
    loop {
        match std::str::from_utf8(b) {
            Ok(_) => return n,
            Err(e) => match e.error_len() {
                Some(len) => {
                    n += 1;
                    b = &b[e.valid_up_to() + len..];
                }
                None => return n,
            },
        }
    }
}

/// Invalid GB18030 sequences in `b`, not counting a character cut at the end.
fn gb18030_errors(b: &[u8]) -> usize {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(decoder.max_utf8_buffer_length(b.len()).unwrap_or(b.len() * 3));
    let _ = decoder.decode_to_string(b, &mut text, false);
    text.matches('\u{fffd}').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        let gbk = encoding_rs::GBK.encode("学籍号,姓名\n").0.into_owned();
        assert_eq!(detect(&gbk), Detected::Encoding { encoding: TextEncoding::Gbk, bom_len: 0 });
        assert_eq!(detect("学籍号".as_bytes()), Detected::Encoding { encoding: TextEncoding::Utf8, bom_len: 0 });
        assert_eq!(detect(&"学籍号".as_bytes()[..4]), Detected::Encoding { encoding: TextEncoding::Utf8, bom_len: 0 });
        assert_eq!(detect(b"\xEF\xBB\xBFa"), Detected::Encoding { encoding: TextEncoding::Utf8, bom_len: 3 });
        assert_eq!(detect(b"\xFF\xFEa\0"), Detected::Utf16);
        assert_eq!(TextEncoding::Gbk.decode(&gbk).unwrap(), "学籍号,姓名\n");
        assert!(TextEncoding::Utf8.decode(&gbk).is_none());
    }

    #[test]
    fn a_stray_byte_does_not_change_the_encoding() {
        let utf8 = "学籍号,姓名,现住址\nG1,张三,成都市锦江区\nG2,李\u{FFFD}四,成都\n".replace('\u{FFFD}', "\u{1}");
        let mut bad = utf8.into_bytes();
        let at = bad.iter().position(|&c| c == 1).unwrap();
        bad[at] = 0xFF;
        assert_eq!(detect(&bad), Detected::Encoding { encoding: TextEncoding::Utf8, bom_len: 0 });
        let mut gbk = encoding_rs::GBK.encode("学籍号,姓名,现住址\nG1,张三,成都市锦江区\nG2,李四,成都\n").0.into_owned();
        gbk.insert(gbk.len() - 8, 0xFF);
        assert_eq!(detect(&gbk), Detected::Encoding { encoding: TextEncoding::Gbk, bom_len: 0 });
        // ASCII with one stray byte: either reads the ASCII rows the same; GBK as before.
        assert_eq!(detect(b"a,b\n1,\xFF\n"), Detected::Encoding { encoding: TextEncoding::Gbk, bom_len: 0 });
    }
}
