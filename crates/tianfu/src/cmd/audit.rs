//! `tianfu audit verify`: checks the audit log's keyed hash chain, that the database still holds
//! the newest entry checkpointed outside it (the head file), and the anchor left by retention
//! pruning. Exit code 0: intact; 1: problems (each reported with its entry id); 2: it could not
//! be checked. `tianfu audit reset-head`: after a deliberate restore of the database from a
//! backup, makes the checkpoint the restored log's newest entry and records that in the log.

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;
use store::audit::{AuditChain, Problem, Verification};

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
    /// Check the chain, the head checkpoint and the anchor (审计日志校验).
    Verify,
    /// After restoring the database from a backup on purpose: checkpoint its newest entry
    /// (重置审计检查点；会记入审计日志).
    ResetHead,
    /// Every entry concerning one person: the log keeps an ID number or 学籍号 only as a keyed
    /// hash (`key_hmac`, `query_hmac`), which this command computes with the instance secret
    /// (按证件号查找访问记录；此次查找本身也记入审计日志).
    FindId {
        /// The ID number or 学籍号, as stored (a teacher's other document: TYPE:NUMBER).
        id: String,
    },
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // Checking never creates a key: a missing key file is a question for the operator.
    let chain = match AuditChain::open_existing(&c.audit_key_path(), &c.audit_head_path()) {
        Ok(x) => std::sync::Arc::new(x),
        Err(e) => return fail(lang, &e.zh, &e.en),
    };
    let mut s = match db::open_backend_with(&c, chain.clone()) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    match a.command {
        AuditCommand::Verify => {
            let r = match store::audit::verify(s.as_mut(), &chain, c.audit_retention_days) {
                Ok(r) => r,
                Err(e) => return fail(lang, &e.zh(), &e.to_string()),
            };
            if a.format == FormatArg::Json {
                let mut v = serde_json::to_value(&r).expect("serialises");
                v["ok"] = r.problems.is_empty().into();
                v["head_file"] = chain.head().path().display().to_string().into();
                out(&(serde_json::to_string_pretty(&v).expect("serialises") + "\n"));
            } else {
                out(&report(&r, lang, &chain));
            }
            u8::from(!r.problems.is_empty())
        }
        AuditCommand::FindId { id } => {
            if let Err(e) = web::seal::init_file(&c.audit_key_path()) {
                return fail(lang, &e.zh, &e.en);
            }
            let hash = web::seal::audit_hash(id.trim());
            let mut found = Vec::new();
            let scanned = s.audit_scan(&mut |e| {
                if e.detail.contains(&hash) {
                    found.push(e);
                }
                Ok(())
            });
            if let Err(e) = scanned {
                return fail(lang, &e.zh(), &e.to_string());
            }
            // Looking someone up is itself an access to record.
            let ev = store::AuditEvent {
                actor: db::console_actor(),
                action: "search".into(),
                target: "audit".into(),
                detail: serde_json::json!({ "via": "audit find-id", "query_hmac": hash, "hits": found.len() }).to_string(),
                ip: String::new(),
                outcome: "ok".into(),
            };
            if let Err(e) = s.append_audit(&ev) {
                return fail(lang, &e.zh(), &e.to_string());
            }
            if a.format == FormatArg::Json {
                out(&(serde_json::to_string_pretty(&serde_json::json!({ "hmac": hash, "entries": found })).expect("serialises") + "\n"));
            } else {
                let mut t = match lang {
                    Lang::Zh => format!("共 {} 条记录涉及该证件号（keyed hash {}）：\n", found.len(), &hash[..16]),
                    Lang::En => format!("{} entries concern this number (keyed hash {}):\n", found.len(), &hash[..16]),
                };
                for e in &found {
                    t.push_str(&format!("{:>8}  {}  {:<16} {:<12} {:<10} {}\n", e.id, e.at, e.actor, e.action, e.outcome, e.target));
                }
                out(&t);
            }
            0
        }
        AuditCommand::ResetHead => match store::audit::reset_head(s.as_mut(), &chain, &db::console_actor()) {
            Ok((old, new)) => {
                let old = old.as_deref().and_then(|t| serde_json::from_str::<serde_json::Value>(t.trim()).ok()).map_or("-".to_string(), |o| o["id"].to_string());
                out(&match lang {
                    Lang::Zh => format!("审计检查点已由第 {old} 条重置为第 {} 条（{}），已记入审计日志。\n", new.id, chain.head().path().display()),
                    Lang::En => format!("The audit checkpoint was reset from entry {old} to entry {} ({}); recorded in the audit log.\n", new.id, chain.head().path().display()),
                });
                0
            }
            Err(e) => fail(lang, &e.zh(), &e.to_string()),
        },
    }
}

fn label(lang: Lang, kind: &str) -> &str {
    if lang == Lang::En {
        return kind;
    }
    match kind {
        "edited" => "内容被修改或伪造",
        "gap" => "记录被删除",
        "broken_link" => "链接断裂",
        "truncated" => "最新记录被删除",
        "checkpoint_mismatch" => "与检查点不符",
        "checkpoint_missing" => "检查点文件缺失",
        "checkpoint_invalid" => "检查点文件无效",
        "anchor_unauthenticated" => "起点未经认证",
        "anchor_forged" => "起点被伪造",
        "anchor_inside_retention" => "起点在保留期内",
        "unkeyed_log" => "尚未启用密钥",
        "unkeyed_anchor" => "启用密钥前的起点",
        "beyond_checkpoint" => "检查点之后的新记录",
        k => k,
    }
}

fn lines(t: &mut String, lang: Lang, list: &[Problem]) {
    for p in list {
        t.push_str(&format!("  #{:<8} {}  {}\n", p.id, label(lang, &p.kind), p.detail));
    }
}

fn report(r: &Verification, lang: Lang, chain: &AuditChain) -> String {
    let mut t = String::new();
    let zh = lang == Lang::Zh;
    let head = chain.head().path().display();
    if r.problems.is_empty() && r.checkpoint.is_none() {
        t.push_str(&if zh {
            format!("审计日志完整：{} 条记录，哈希链无断裂；尚无检查点 {head}（本版本写入第一条记录时建立）。\n", r.entries)
        } else {
            format!("The audit log is intact: {} entries, the chain unbroken; no checkpoint {head} yet (written with this version's first entry).\n", r.entries)
        });
    } else if r.problems.is_empty() {
        t.push_str(&if zh {
            format!("审计日志完整：{} 条记录（{} 条带密钥哈希），哈希链无断裂；最新为第 {} 条，与检查点 {head} 相符；保留期 {} 天。\n", r.entries, r.keyed_entries, r.head_id, r.retention_days)
        } else {
            format!("The audit log is intact: {} entries ({} with keyed hashes), the chain unbroken; the newest is entry {}, as the checkpoint {head} records; retention {} days.\n", r.entries, r.keyed_entries, r.head_id, r.retention_days)
        });
    } else {
        t.push_str(&if zh {
            format!("审计日志已被篡改或不完整：{} 条记录中发现 {} 处问题：\n", r.entries, r.problems.len())
        } else {
            format!("The audit log has been tampered with or is incomplete: {} problems in {} entries:\n", r.problems.len(), r.entries)
        });
        lines(&mut t, lang, &r.problems);
    }
    if !r.notes.is_empty() {
        t.push_str(if zh { "说明：\n" } else { "Notes:\n" });
        lines(&mut t, lang, &r.notes);
    }
    t
}
