//! `tianfu catalog sync`: brings the data resource catalog's automatic entries (the datasets the
//! platform holds, `store::catalog_auto`) up to date — idempotent, a new version only where the
//! derived metadata changed — and records the sync in the audit log. `tianfu serve` runs the same
//! sync on start. Exit codes: 0 done, 2 it could not be done.

use super::{db, fail, out, LangArg};
use standard::Lang;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: CatalogCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
}

#[derive(clap::Subcommand)]
pub enum CatalogCommand {
    /// Bring the automatic entries up to date (同步平台自动编目).
    Sync,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut s = match db::open_backend(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    match a.command {
        CatalogCommand::Sync => match sync(s.as_mut(), c.province.code, &db::console_actor()) {
            Ok(r) => {
                let msg = match lang {
                    Lang::Zh => format!("平台自动编目已同步：新增 {}，新版本 {}，未变 {}。\n", r.created, r.updated, r.unchanged),
                    Lang::En => format!("catalog synced: {} new, {} new versions, {} unchanged\n", r.created, r.updated, r.unchanged),
                };
                out(&msg);
                0
            }
            Err(e) => fail(lang, &e.zh(), &e.to_string()),
        },
    }
}

/// The sync, audited (`catalog_sync`) when it wrote something.
pub fn sync(s: &mut dyn store::Backend, province: u32, actor: &str) -> Result<store::catalog::SyncReport, store::StoreError> {
    let r = store::catalog_auto::sync(s, province, actor, store::time::unix_now())?;
    if r.created + r.updated > 0 {
        let detail = serde_json::json!({ "inserted": r.created, "updated": r.updated, "unchanged": r.unchanged }).to_string();
        let e = store::AuditEvent { actor: actor.to_string(), action: "catalog_sync".into(), target: "catalog".into(), detail, ip: String::new(), outcome: "ok".into() };
        s.append_audit(&e)?;
    }
    Ok(r)
}
