//! `tianfu serve`: the web platform. Configuration: defaults → tianfu.toml → TIANFU_* → flags.

use super::conf::{self, Flag};
use super::{db, fail, out, LangArg};
use standard::Lang;
use web::ConfigExt;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// Database: a SQLite path or a postgres:// URL (over TIANFU_DATABASE_URL and the
    /// configuration file; default data_dir/tianfu.db).
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

/// The configuration from the file, the environment and these flags, in that order.
pub fn config(a: &Args) -> Result<web::Config, String> {
    conf::load(&[Flag::opt("--listen", "listen", a.listen.as_ref()), conf::db_flag(a.db.as_ref())])
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match config(&a) {
        Ok(c) => c,
        Err(e) => return fail(lang, &format!("配置错误：{e}"), &format!("configuration error: {e}")),
    };
    serve(c, lang, None)
}

/// Starts the server on `c`; prints the address and, on a new database, the administrator's
/// one-time password. `banner` is printed before the address (the demo's summary).
pub fn serve(c: web::Config, lang: Lang, banner: Option<String>) -> u8 {
    let zh = lang == Lang::Zh;
    // `[security]`: the incident rules (classification, deadlines); bad settings stop the start.
    if let Err(e) = c.incident_rules() {
        return fail(lang, &format!("配置错误：{e}"), &format!("configuration error: {e}"));
    }
    let target = c.database();
    // Held while the server runs: `tianfu restore` refuses to replace the files meanwhile.
    let _instance = match super::instance::hold(&c.data_dir, lang) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let chain = match c.audit_chain() {
        Ok(x) => x,
        Err(e) => return fail(lang, &e.zh, &e.en),
    };
    let mut s = match db::open_backend_with(&c, chain) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let password = match web::ensure_admin(s.as_mut(), c.province.code) {
        Ok(p) => p,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    // The catalog's automatic entries (idempotent: a new version only where they changed).
    match super::catalog::sync(s.as_mut(), c.province.code, "system") {
        Ok(r) => tracing::info!(created = r.created, updated = r.updated, unchanged = r.unchanged, "catalog synced"),
        Err(e) => tracing::warn!(error = %e, "catalog sync failed"),
    }
    drop(s);
    if let Err(e) = web::seal::init_file(&c.audit_key_path()) {
        return fail(lang, &e.zh, &e.en);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(lang, &format!("无法启动：{e}"), &format!("cannot start: {e}")),
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&c.listen).await {
            Ok(l) => l,
            Err(e) => return fail(lang, &format!("无法监听 {}：{e}（端口被占用？用 --listen 换一个地址）", c.listen), &format!("cannot listen on {}: {e} (port in use? choose another with --listen)", c.listen)),
        };
        let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| c.listen.clone());
        let mut msg = banner.unwrap_or_default();
        let host = addr.replace("0.0.0.0", "127.0.0.1");
        if zh {
            msg.push_str(&format!("\n天府平台已启动：http://{host}/   （数据库 {}；Ctrl+C 停止）\n", c.db_display()));
        } else {
            msg.push_str(&format!("\nTianfu is running at http://{host}/   (database {}; Ctrl+C stops it)\n", c.db_display()));
        }
        match &password {
            Some(p) if zh => msg.push_str(&format!("首次启动，已创建管理员：用户名 admin，一次性密码 {p}（首次登录须修改）\n")),
            Some(p) => msg.push_str(&format!("First start: administrator created: account admin, one-time password {p} (must be changed at first sign-in)\n")),
            None if zh => msg.push_str("登录：使用已有账号（管理员 admin；忘记密码可运行 tianfu user reset-password admin）\n"),
            None => msg.push_str("Sign in with an existing account (administrator admin; tianfu user reset-password admin if forgotten)\n"),
        }
        out(&msg);
        // The database as displayed (a password in its URL hidden).
        tracing::info!(addr = %addr, db = %c.db_display(), "listening");
        let app = web::build(c.clone(), db::opener(&target));
        // The incidents' deadline sweep every minute, worker or not (idempotent: each escalation once).
        let _sweep = web::sweep::spawn(app.state.clone());
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match web::run(app, listener, shutdown).await {
            Ok(()) => {
                tracing::info!("stopped");
                0
            }
            Err(e) => fail(lang, &format!("服务器错误：{e}"), &format!("server error: {e}")),
        }
    })
}
