//! The monitor's address policy for the commands that register or check sites (`tianfu sites
//! import`, `tianfu worker`, `tianfu probe`): public addresses, plus the networks allowed by the
//! configuration file's `[[monitor.allow]]` tables (read as every command reads it: see
//! [`super::conf`]) and by `--allow-network` flags. Loopback, private, link-local and other
//! special addresses are refused unless allowed so.

use super::fail;
use guard::NetPolicy;
use standard::Lang;
use web::ConfigExt;

#[derive(clap::Args, Clone, Debug)]
pub struct PolicyArgs {
    /// Also allow this network as a monitoring target (intranet sites), in CIDR notation, e.g.
    /// 10.20.0.0/16 or fd00::/8 (repeatable). Loopback and private addresses are refused
    /// otherwise.
    #[arg(long = "allow-network", value_name = "CIDR", global = true)]
    pub allow_network: Vec<String>,
}

/// The policy from the configuration and the flags, or the exit code after saying what is wrong.
pub fn policy(lang: Lang, config: &web::Config, a: &PolicyArgs) -> Result<NetPolicy, u8> {
    let mut p = config.net_policy().map_err(|e| fail(lang, &format!("配置错误：{e}"), &format!("configuration error: {e}")))?;
    for cidr in &a.allow_network {
        if let Err(e) = p.allow("--allow-network", cidr) {
            return Err(fail(lang, &format!("--allow-network：{e}"), &format!("--allow-network: {e}")));
        }
    }
    if !p.networks().is_empty() {
        eprintln!("{}{p}", if lang == Lang::Zh { "允许监测的内网网段：" } else { "networks allowed as monitoring targets: " });
    }
    Ok(p)
}
