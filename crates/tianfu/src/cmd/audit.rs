//! `tianfu audit verify`: checks the audit log's hash chain. An edited entry, a deleted one or a
//! broken link is reported with its id; exit code 1 then.

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;
use store::audit::Verifier;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: AuditCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub format: FormatArg,
}

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the whole log.
    Verify,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let mut s = match db::open_backend(a.db.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let AuditCommand::Verify = a.command;
    let anchor = match s.audit_anchor() {
        Ok(x) => x,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let mut v = Verifier::new(anchor.as_ref());
    if let Err(e) = s.audit_scan(&mut |e| {
        v.push(&e);
        Ok(())
    }) {
        return fail(lang, &e.zh(), &e.to_string());
    }
    let r = v.finish();
    if a.format == FormatArg::Json {
        out(&(serde_json::to_string_pretty(&r).expect("serialises") + "\n"));
    } else {
        let mut t = String::new();
        if r.problems.is_empty() {
            t.push_str(&match lang {
                Lang::Zh => format!("审计日志完整：{} 条记录，哈希链无断裂。最新哈希 {}（可另行记录，用于发现末尾记录被删除）\n", r.entries, r.head),
                Lang::En => format!("The audit log is intact: {} entries, the hash chain unbroken. Newest hash {} (write it down elsewhere to detect removal of the newest entries)\n", r.entries, r.head),
            });
        } else {
            t.push_str(&match lang {
                Lang::Zh => format!("审计日志已被篡改：{} 条记录中发现 {} 处问题：\n", r.entries, r.problems.len()),
                Lang::En => format!("The audit log has been tampered with: {} problems in {} entries:\n", r.problems.len(), r.entries),
            });
            for p in &r.problems {
                let kind = match (lang, p.kind.as_str()) {
                    (Lang::Zh, "edited") => "内容被修改",
                    (Lang::Zh, "gap") => "记录被删除",
                    (Lang::Zh, _) => "链接断裂",
                    (_, k) => k,
                };
                t.push_str(&format!("  #{:<8} {kind}  {}\n", p.id, p.detail));
            }
        }
        out(&t);
    }
    if r.problems.is_empty() {
        0
    } else {
        1
    }
}
