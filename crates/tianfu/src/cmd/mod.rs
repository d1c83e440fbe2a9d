pub mod audit;
pub mod backup;
pub mod batches;
pub mod calendar;
pub mod catalog;
pub mod conf;
pub mod config;
pub mod db;
pub mod demo;
pub mod export;
pub mod import;
pub mod incidents;
pub mod insight;
pub mod quality;
pub mod instance;
pub mod logging;
pub mod migrate;
pub mod progress;
pub mod remind;
pub mod serve;
pub mod sites;
pub mod probe;
pub mod restore;
pub mod standard;
pub mod stats;
pub mod targets;
pub mod user;
pub mod validate;
pub mod worker;

use ::standard::Lang;
use std::io::Write;

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum FormatArg {
    Text,
    Json,
}

/// Prints to stdout, quietly stopping when the reader has gone away (`| head`).
pub fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    if o.write_all(s.as_bytes()).and_then(|_| o.flush()).is_err() {
        std::process::exit(0);
    }
}

/// Exit code 2 with a message saying what went wrong and what to do.
pub fn fail(lang: Lang, zh: &str, en: &str) -> u8 {
    let msg = match lang {
        Lang::Zh => format!("错误：{zh}\n"),
        Lang::En => format!("error: {en}\n"),
    };
    let _ = std::io::stderr().write_all(msg.as_bytes());
    2
}

/// The `--encoding` flag: None to detect, or the named encoding; an unknown name is exit code 2.
pub fn encoding_arg(lang: Lang, name: Option<&str>) -> Result<Option<ingest::TextEncoding>, u8> {
    match name {
        None => Ok(None),
        Some(e) => ingest::TextEncoding::parse(e).map(Some).ok_or_else(|| {
            fail(lang, &format!("不支持的编码 “{e}”；可用 utf-8、gbk、gb18030"), &format!("unknown encoding “{e}”; use utf-8, gbk or gb18030"))
        }),
    }
}
