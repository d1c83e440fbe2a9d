//! `tianfu demo`: generate a synthetic province and validate it.

use super::LangArg;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

pub fn run(_a: Args) -> u8 {
    0
}
