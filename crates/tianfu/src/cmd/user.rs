//! `tianfu user add|list|disable|enable|reset-password`: accounts at the console, for
//! administrators with access to the server. Every change is audited as `console:<os user>`.

use super::{db, fail, out, LangArg};
use standard::Lang;
use store::{AuditEvent, NewUser, Role};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
}

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create an account with a one-time password (printed once).
    Add {
        name: String,
        /// province_admin, city_officer, county_officer, school_admin, security_officer, auditor, data_consumer
        #[arg(long)]
        role: String,
        /// The node of the organisation tree: a GB/T 2260 code or a 学校标识码.
        #[arg(long)]
        org: i64,
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// List accounts.
    List,
    /// Disable an account (its sessions end).
    Disable { name: String },
    /// Enable a disabled account.
    Enable { name: String },
    /// Set a new one-time password (printed once) and unlock the account.
    ResetPassword { name: String },
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let zh = lang == Lang::Zh;
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut s = match db::open_backend(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let actor = db::console_actor();
    // Whoever runs this on the server administers every account: the configured province is its
    // area (the store still checks each account's node and role).
    let everywhere = web::ConfigExt::province_scope(&c);
    let audit = |s: &mut dyn store::Backend, action: &str, target: &str, detail: String| {
        s.append_audit(&AuditEvent { actor: actor.clone(), action: action.into(), target: target.into(), detail, ip: String::new(), outcome: "ok".into() })
    };
    let r: Result<String, (String, String)> = (|| match &a.command {
        UserCommand::Add { name, role, org, display_name } => {
            let role = Role::from_code(role).ok_or_else(|| (format!("未知角色 {role}"), format!("unknown role {role}")))?;
            let unit = s.org_unit(*org).map_err(|e| (e.zh(), e.to_string()))?.ok_or_else(|| (format!("找不到单位 {org}"), format!("no organisation {org}")))?;
            // A data consumer has no console: no password anyone knows, API tokens only.
            let console = role.uses_console();
            let p = if console { web::auth::one_time_password() } else { web::auth::random_token() };
            let dn = if display_name.is_empty() { name.clone() } else { display_name.clone() };
            s.create_user(&everywhere, &NewUser { name: name.clone(), display_name: dn, role, org_code: *org, password_hash: web::auth::hash_password(&p), must_change_password: console })
                .map_err(|e| (e.zh(), e.to_string()))?;
            audit(s.as_mut(), "user_create", name, format!("{{\"role\":\"{}\",\"org\":{org}}}", role.code())).map_err(|e| (e.zh(), e.to_string()))?;
            Ok(match (console, zh) {
                (true, true) => format!("已创建 {name}（{}，{}），一次性密码：{p}\n", role.zh(), unit.name),
                (true, false) => format!("Created {name} ({}, {}); one-time password: {p}\n", role.en(), unit.name),
                (false, true) => format!("已创建 {name}（{}，{}）；数据使用方不能登录控制台，请在“用户与令牌”中为其创建 API 令牌\n", role.zh(), unit.name),
                (false, false) => format!("Created {name} ({}, {}); a data consumer cannot sign in to the console: create an API token for it under Users & tokens\n", role.en(), unit.name),
            })
        }
        UserCommand::List => {
            let users = s.list_users().map_err(|e| (e.zh(), e.to_string()))?;
            let mut t = String::new();
            for u in users {
                let state = if u.disabled { "disabled" } else if u.locked_until.is_some_and(|x| x > store::time::unix_now()) { "delayed" } else { "active" };
                t.push_str(&format!("{:<20} {:<18} {:<12} {}\n", u.name, u.role.code(), u.org_code, state));
            }
            Ok(t)
        }
        UserCommand::Disable { name } | UserCommand::Enable { name } | UserCommand::ResetPassword { name } => {
            let mut u = s.user_by_name(name).map_err(|e| (e.zh(), e.to_string()))?.ok_or_else(|| (format!("没有账号 {name}"), format!("no account {name}")))?;
            let (action, msg, secret) = match &a.command {
                UserCommand::Disable { .. } => {
                    u.disabled = true;
                    ("user_disable", if zh { format!("已停用 {name}\n") } else { format!("Disabled {name}\n") }, None)
                }
                UserCommand::Enable { .. } => {
                    u.disabled = false;
                    ("user_enable", if zh { format!("已启用 {name}\n") } else { format!("Enabled {name}\n") }, None)
                }
                _ if !u.role.uses_console() => {
                    return Err((format!("{name} 是数据使用方账号，不使用密码；请为其创建或吊销 API 令牌"), format!("{name} is a data-consumer account and has no password: create or revoke its API tokens instead")));
                }
                _ => {
                    let p = web::auth::one_time_password();
                    u.password_hash = web::auth::hash_password(&p);
                    u.must_change_password = true;
                    u.locked_until = None;
                    u.failed_logins = 0;
                    ("password_reset", if zh { format!("已重置 {name} 的密码，一次性密码：{p}\n") } else { format!("Reset {name}'s password; one-time password: {p}\n") }, Some(()))
                }
            };
            s.update_user(&everywhere, &u).map_err(|e| (e.zh(), e.to_string()))?;
            if action != "user_enable" {
                s.delete_user_sessions(u.id).map_err(|e| (e.zh(), e.to_string()))?;
            }
            let _ = secret;
            audit(s.as_mut(), action, name, "{}".into()).map_err(|e| (e.zh(), e.to_string()))?;
            Ok(msg)
        }
    })();
    match r {
        Ok(t) => {
            out(&t);
            0
        }
        Err((z, e)) => fail(lang, &z, &e),
    }
}
