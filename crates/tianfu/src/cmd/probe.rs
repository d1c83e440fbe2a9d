//! `tianfu probe URL`: check one site now (DNS, IPv4 and IPv6 separately, TLS, headers, content).

use super::{fail, out, FormatArg, LangArg};
use guard::{Baseline, Config, Lexicon, Prober, Resolver, SiteSpec, StaticResolver, SystemResolver};
use standard::Lang;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The site's home page, http:// or https:// (give http:// to check the redirect to HTTPS).
    pub url: String,
    /// Pin a host name to an address, like curl: HOST:PORT:ADDR (ADDR may be [::1]); repeat for
    /// several addresses. The pin applies to the host on every port.
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    /// Seconds allowed for fetching the home page over each address family.
    #[arg(long, default_value_t = 15.0)]
    pub timeout: f64,
    /// Extra trusted CA certificates (PEM), besides the Mozilla roots.
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Sensitive-word lexicon: one word a line, optional TAB and category, '#' comments.
    #[arg(long, value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
    /// Volatile region left out of the fingerprint: #id, .class or a tag name (repeatable).
    #[arg(long, value_name = "SELECTOR")]
    pub ignore: Vec<String>,
    /// Compare with this baseline (JSON written by --save-baseline) and report tampering.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the page as checked now as the new baseline (a person accepts it by doing so).
    #[arg(long, value_name = "FILE")]
    pub save_baseline: Option<PathBuf>,
    /// Also crawl internal links to the third level and report the IPv6 link rates.
    #[arg(long)]
    pub crawl: bool,
    /// Pages checked at most on each of levels 2 and 3 when crawling.
    #[arg(long, default_value_t = 50)]
    pub crawl_pages: usize,
    /// Bytes of the home page read at most.
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    pub max_body: usize,
    #[command(flatten)]
    pub policy: super::targets::PolicyArgs,
}

/// A `--resolve HOST:PORT:ADDR` pin.
pub type Pin = (String, u16, std::net::IpAddr);

/// The `--resolve` pins, or the exit code after saying which one is malformed.
pub fn parse_pins(lang: Lang, given: &[String]) -> Result<Vec<Pin>, u8> {
    given
        .iter()
        .map(|r| StaticResolver::parse_pin(r).ok_or_else(|| fail(lang, &format!("--resolve 格式应为 HOST:PORT:ADDR：{r}"), &format!("--resolve must be HOST:PORT:ADDR: {r}"))))
        .collect()
}

/// Adds the certificates of the `--ca` files to the trusted ones, or the exit code after saying
/// which file could not be read or holds none.
pub fn load_cas(lang: Lang, files: &[PathBuf], config: &mut Config) -> Result<(), u8> {
    for path in files {
        let certs = match std::fs::read_to_string(path) {
            Ok(pem) => guard::pem_certificates(&pem),
            Err(e) => return Err(fail(lang, &format!("无法读取 CA 文件 {}：{e}", path.display()), &format!("cannot read the CA file {}: {e}", path.display()))),
        };
        if certs.is_empty() {
            return Err(fail(lang, &format!("CA 文件 {} 中没有证书", path.display()), &format!("no certificate in the CA file {}", path.display())));
        }
        config.extra_cas.extend(certs);
    }
    Ok(())
}

/// The system's resolver with the pins in front (without /etc/resolv.conf only pinned names
/// resolve). Called inside the runtime.
pub fn resolver(pins: &[Pin]) -> StaticResolver {
    let system: Option<Arc<dyn Resolver>> = SystemResolver::new().ok().map(|r| Arc::new(r) as Arc<dyn Resolver>);
    let mut resolver = match system {
        Some(s) => StaticResolver::with_fallback(s),
        None => StaticResolver::new(),
    };
    for (host, _port, ip) in pins {
        resolver.insert(host, *ip);
    }
    resolver
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    if let Err(e) = guard::url::Url::parse_checked(&a.url) {
        return fail(lang, &format!("网址无效：{}（{}）", a.url, e.zh()), &format!("invalid URL: {} ({e})", a.url));
    }
    if !(a.timeout > 0.0 && a.timeout < 3600.0) {
        return fail(lang, "--timeout 应为 0 到 3600 之间的秒数", "--timeout must be seconds between 0 and 3600");
    }
    let pins = match parse_pins(lang, &a.resolve) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let c = match super::conf::resolve(lang, &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let policy = match super::targets::policy(lang, &c, &a.policy) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut config = Config { timeout: Duration::from_secs_f64(a.timeout), max_body: a.max_body, policy, ..Config::default() };
    if let Err(code) = load_cas(lang, &a.ca, &mut config) {
        return code;
    }
    if let Some(path) = &a.lexicon {
        let parsed = std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| Lexicon::parse(&t).map_err(|e| e.to_string()));
        match parsed {
            Ok(l) => config.lexicon = l,
            Err(e) => return fail(lang, &format!("词表 {}：{e}", path.display()), &format!("lexicon {}: {e}", path.display())),
        }
    }
    let baseline: Option<Baseline> = match &a.baseline {
        None => None,
        Some(path) => match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string())) {
            Ok(b) => Some(b),
            Err(e) => return fail(lang, &format!("基线文件 {}：{e}", path.display()), &format!("baseline file {}: {e}", path.display())),
        },
    };
    let site = SiteSpec { url: a.url.clone(), ignore: a.ignore.clone() };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(lang, &format!("无法启动运行时：{e}"), &format!("cannot start the runtime: {e}")),
    };
    let result = rt.block_on(async {
        let prober = Prober::new(config, Arc::new(resolver(&pins))).map_err(|e| e.to_string())?;
        let mut result = prober.check(&site, baseline.as_ref()).await;
        if a.crawl {
            let limits = guard::CrawlLimits { per_level: a.crawl_pages, ..guard::CrawlLimits::default() };
            result.add_crawl(guard::crawl_ipv6(&prober, &site, &limits).await);
        }
        Ok::<_, String>(result)
    });
    let result = match result {
        Ok(r) => r,
        Err(e) => return fail(lang, &format!("无法创建检测器：{e}"), &format!("cannot set up the probe: {e}")),
    };
    if let Some(path) = &a.save_baseline {
        let Some(page) = &result.page else {
            return fail(lang, "首页无法访问，未保存基线", "the home page could not be fetched; no baseline saved");
        };
        let json = serde_json::to_string_pretty(&Baseline::from_page(page)).expect("baseline serialises");
        if let Err(e) = std::fs::write(path, json) {
            return fail(lang, &format!("无法写入基线文件 {}：{e}", path.display()), &format!("cannot write the baseline file {}: {e}", path.display()));
        }
    }
    match a.format {
        FormatArg::Json => out(&(serde_json::to_string_pretty(&result).expect("result serialises") + "\n")),
        FormatArg::Text => out(&result.to_text(lang == Lang::En)),
    }
    let serious = result.worst().is_some_and(|s| s >= guard::Severity::High);
    if (result.ipv4.reachable || result.ipv6.reachable) && !serious {
        0
    } else {
        1
    }
}
