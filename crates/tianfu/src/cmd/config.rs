//! `tianfu config`: the effective configuration, every key with its value and where the value
//! came from (default, the file, an environment variable, a flag); passwords and secrets hidden.

use super::{conf, out, FormatArg, LangArg};

#[derive(clap::Args)]
pub struct Args {
    /// Show the configuration as it would be with this database (as `--db` of other commands).
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

pub fn run(a: Args) -> u8 {
    let c = match conf::resolve(a.lang.into(), &[conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match a.format {
        FormatArg::Json => {
            let rows: serde_json::Map<String, serde_json::Value> = c
                .describe()
                .into_iter()
                .map(|e| (e.key.to_string(), serde_json::json!({ "value": e.json, "source": e.source })))
                .collect();
            out(&(serde_json::to_string_pretty(&rows).expect("serialises") + "\n"));
        }
        FormatArg::Text => out(&c.describe_text()),
    }
    0
}
