//! `tianfu migrate [--db URL]`: applies the embedded migrations (PostgreSQL; SQLite migrates itself).

use super::{db, fail, out, LangArg};
use standard::Lang;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let target = c.database();
    if c.is_postgres() {
        match store_postgres::PgStore::connect_and_migrate(&target) {
            Ok((_, applied)) => {
                out(&match lang {
                    Lang::Zh => format!("PostgreSQL 迁移完成：新应用 {applied} 个迁移。\n"),
                    Lang::En => format!("PostgreSQL migrated: {applied} migration(s) applied.\n"),
                });
                0
            }
            Err(e) => fail(lang, &e.zh(), &e.to_string()),
        }
    } else {
        match db::open(&c) {
            Ok(_) => {
                out(&match lang {
                    Lang::Zh => format!("SQLite 数据库 {target} 已是最新结构（SQLite 在打开时自动迁移）。\n"),
                    Lang::En => format!("SQLite database {target} is up to date (SQLite migrates itself when opened).\n"),
                });
                0
            }
            Err(e) => fail(lang, &e.zh(), &e.to_string()),
        }
    }
}
