//! `make bench-guard`: one full monitor cycle over many sites on loopback. Two processes of this
//! one program, so that the checker's CPU time and peak RSS are its own:
//!
//! * `bench_guard serve --dir D` — the fixture. A CA made at start and one wildcard certificate
//!   for `*.bench.test` (ECDSA P-256, as the tests' certificates), HTTPS on 127.0.0.1 and [::1]
//!   on the same port, and for every host `siteNNNNN.bench.test` a Chinese school portal page of
//!   20–50 KB that differs from site to site (navigation, news lists with dates, a footer with a
//!   visit counter, styles and scripts) with the usual security headers. It writes `D/ca.pem`
//!   and then `D/port`, and exits by itself after `--max-seconds` (an hour by default).
//! * `bench_guard run --dir D --sites N` — the checker. Registers N sites into a fresh SQLite
//!   store in a temporary directory, pins every name to 127.0.0.1 and ::1 with the prober's
//!   [`StaticResolver`] (A, AAAA and the zone's NS with its IPv6 address are all answered there:
//!   nothing leaves the machine), runs the real [`Worker`] for one full cycle (every site claimed
//!   in one batch by default, checked over both families, results and alerts stored) and prints
//!   checks/s, CPU seconds per check, full checks per CPU-second and peak RSS of this process,
//!   then reads the stored results back and counts the checks that did not come back healthy.
//!
//! `scripts/bench-guard.sh` runs both; see docs/benchmarks.md.

use guard::worker::{Opener, Options, Worker};
use guard::{Config, Prober, StaticResolver};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::monitor::{Monitor, NewSite, SiteCategory, SiteQuery, SiteState};
use store::Scope;
use store_sqlite::SqliteStore;

const ZONE: &str = "bench.test";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let num = |name: &str, default: u64| opt(name).map(|v| v.parse::<u64>().unwrap_or_else(|_| die(&format!("{name}: not a number: {v}")))).unwrap_or(default);
    let dir = PathBuf::from(opt("--dir").unwrap_or_else(|| die("--dir is required")));
    match args.first().map(String::as_str) {
        Some("serve") => serve(&dir, Duration::from_secs(num("--max-seconds", 3600))),
        Some("run") => run(&dir, num("--sites", 50_000) as usize, num("--concurrency", 64) as usize, num("--batch", 0) as usize),
        _ => die("usage: bench_guard serve --dir D [--max-seconds S] | bench_guard run --dir D [--sites N] [--concurrency C] [--batch B]\n(run: two full cycles, the second after every page was accepted as its site's baseline)"),
    }
}

fn die(msg: &str) -> ! {
    eprintln!("bench_guard: {msg}");
    std::process::exit(2)
}

fn host(i: usize) -> String {
    format!("site{i:05}.{ZONE}")
}

// ---------------------------------------------------------------------------------------------
// The fixture
// ---------------------------------------------------------------------------------------------

fn serve(dir: &Path, max: Duration) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    std::fs::create_dir_all(dir).unwrap_or_else(|e| die(&format!("{}: {e}", dir.display())));
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, "Tianfu Bench CA");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().unwrap();
    let ca = p.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(p, ca_key);
    let mut lp = CertificateParams::new(vec![format!("*.{ZONE}"), ZONE.to_string()]).unwrap();
    lp.distinguished_name.push(DnType::CommonName, format!("*.{ZONE}"));
    lp.distinguished_name.push(DnType::OrganizationName, "天府教育网站基准测试");
    let key = KeyPair::generate().unwrap();
    let leaf = lp.signed_by(&key, &issuer).unwrap();
    let chain = vec![leaf.der().clone(), ca.der().clone()];
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())))
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let (port, listeners) = bind().await;
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        // The port last: the checker waits for it, and then everything is ready.
        let tmp = dir.join("port.tmp");
        std::fs::write(&tmp, port.to_string()).unwrap();
        std::fs::rename(&tmp, dir.join("port")).unwrap();
        eprintln!("bench_guard serve: https://*.{ZONE}:{port}/ on 127.0.0.1 and [::1]");
        let counter = Arc::new(AtomicU64::new(1_234_567));
        for l in listeners {
            let (acceptor, counter) = (acceptor.clone(), counter.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((s, _)) = l.accept().await else { continue };
                    let (acceptor, counter) = (acceptor.clone(), counter.clone());
                    tokio::spawn(async move {
                        let _ = s.set_nodelay(true);
                        if let Ok(Ok(t)) = tokio::time::timeout(Duration::from_secs(30), acceptor.accept(s)).await {
                            let _ = tokio::time::timeout(Duration::from_secs(30), answer(t, &counter)).await;
                        }
                    });
                }
            });
        }
        tokio::time::sleep(max).await;
        eprintln!("bench_guard serve: stopping after {} s", max.as_secs());
    });
}

/// Listeners on 127.0.0.1 and [::1], the same port on both (as one name with A and AAAA has).
async fn bind() -> (u16, Vec<tokio::net::TcpListener>) {
    for _ in 0..50 {
        let v4 = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap_or_else(|e| die(&format!("bind 127.0.0.1: {e}")));
        let port = v4.local_addr().unwrap().port();
        if let Ok(v6) = tokio::net::TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
            return (port, vec![v4, v6]);
        }
    }
    die("no port free on both 127.0.0.1 and [::1]")
}

async fn answer<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut s: S, counter: &AtomicU64) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 16 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let host = head.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("host")).map(|(_, v)| v.trim())).unwrap_or("");
    let site = host.strip_prefix("site").and_then(|r| r.split('.').next()).and_then(|n| n.parse::<usize>().ok());
    let (status, body) = match (site, path) {
        (Some(n), "/") => ("200 OK", portal(n, counter.fetch_add(1, Ordering::Relaxed), unix_now())),
        _ => ("404 Not Found", "<html><body><h1>404 页面不存在</h1></body></html>".to_string()),
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\
         Strict-Transport-Security: max-age=31536000\r\nContent-Security-Policy: default-src 'self'; script-src 'self' https://hm.baidu.com; frame-ancestors 'self'\r\n\
         X-Frame-Options: SAMEORIGIN\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: strict-origin-when-cross-origin\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(resp.as_bytes()).await;
    let _ = s.flush().await;
    let _ = s.shutdown().await;
}

/// A small deterministic generator (splitmix64), so that site N always gets the same page.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const DISTRICTS: &[&str] = &["锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区", "温江区", "双流区", "郫都区", "新津区", "金堂县", "大邑县", "蒲江县", "都江堰市", "彭州市", "邛崃市", "崇州市", "简阳市"];
const PLACES: &[&str] = &["东城", "西城", "南湖", "北辰", "锦城", "青云", "玉林", "光华", "望江", "桂溪", "石室", "七中", "树德", "盐道街", "龙江路", "泡桐树", "草堂", "棕北", "双楠", "天府"];
const KINDS: &[&str] = &["小学", "实验小学", "中学", "实验中学", "外国语学校", "职业技术学校", "幼儿园", "九年制学校", "高级中学", "教育局"];
const TOPICS: &[&str] = &[
    "召开2026年春季学期教育教学工作会议", "开展“安全教育日”主题活动", "举行新学期开学典礼", "组织教师参加信息技术应用能力提升培训", "荣获市级文明校园称号", "开展学生心理健康教育讲座",
    "举办校园科技节活动", "党支部开展主题党日活动", "召开家长委员会会议", "开展教学开放周活动", "组织学生参观科技馆", "举行春季运动会", "开展防溺水安全教育",
    "教研组开展集体备课活动", "迎接区教育督导评估", "举办青年教师赛课活动", "开展“双减”工作专题研讨", "召开师德师风建设推进会", "开展劳动教育实践周活动", "举行国旗下讲话",
];
const NOTICES: &[&str] = &[
    "关于2026年秋季招生工作的通知", "关于做好五一劳动节假期安全工作的通知", "关于公布2026年度优秀教师名单的公示", "关于开展教师资格定期注册工作的通知", "关于举办全区中小学生艺术展演的通知",
    "关于公开招聘临时代课教师的公告", "关于规范校外培训的温馨提示", "关于做好学生资助工作的通知", "关于校园开放日预约的说明", "关于寒假作息时间安排的通知",
];
const SECTIONS: &[(&str, &str)] = &[("学校新闻", "xxxw"), ("通知公告", "tzgg"), ("教研动态", "jydt"), ("德育园地", "dyyd"), ("党建工作", "djgz"), ("校园风采", "xyfc"), ("招生信息", "zsxx"), ("教师发展", "jsfz")];
const NAV: &[(&str, &str)] = &[("首页", "/"), ("学校概况", "/xxgk/"), ("新闻中心", "/xwzx/"), ("通知公告", "/tzgg/"), ("教育教学", "/jyjx/"), ("德育工作", "/dygz/"), ("党建工作", "/djgz/"), ("招生信息", "/zsxx/"), ("教师发展", "/jsfz/"), ("信息公开", "/xxgk/gk/"), ("联系我们", "/lxwm/")];
const STYLE: &str = "*{margin:0;padding:0}body{font:14px/1.6 \"Microsoft YaHei\",\"PingFang SC\",SimSun,sans-serif;color:#333;background:#f4f6f9}a{color:#333;text-decoration:none}a:hover{color:#b3261e}\
.wrap{width:1200px;margin:0 auto}.top{height:36px;line-height:36px;background:#0b4f9c;color:#fff;font-size:12px}.top a{color:#fff;margin-left:12px}\
.header{height:120px;background:url(/images/head_bg.jpg) no-repeat center}.logo{float:left;margin-top:22px}.search{float:right;margin-top:44px}\
.search input{width:200px;height:30px;border:1px solid #ccc;padding:0 8px}.nav{background:#0b4f9c;height:48px}.nav li{float:left;position:relative;list-style:none}\
.nav li a{display:block;padding:0 22px;line-height:48px;color:#fff;font-size:16px}.nav li:hover .sub{display:block}.sub{display:none;position:absolute;top:48px;left:0;background:#fff;width:160px;z-index:9}\
.banner{height:380px;overflow:hidden}.banner img{width:100%}.box{background:#fff;margin-top:16px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}\
.box h2{font-size:18px;border-bottom:2px solid #0b4f9c;padding-bottom:8px;margin-bottom:8px}.box h2 a.more{float:right;font-size:12px;color:#999}\
.list li{list-style:none;height:34px;line-height:34px;border-bottom:1px dashed #e5e5e5;overflow:hidden}.list li span{float:right;color:#999;font-size:12px}\
.col{float:left;width:390px;margin-right:15px}.col.last{margin-right:0}.links select{width:180px;height:28px;margin-right:10px}\
.footer{background:#233a5e;color:#c9d3e3;padding:24px 0;margin-top:24px;text-align:center;font-size:12px;line-height:24px}.footer a{color:#c9d3e3}\
@media (max-width:768px){.wrap{width:100%}.col{width:100%;float:none}.nav li a{padding:0 10px;font-size:14px}.banner{height:180px}}";

/// The home page of site `n`: 20–50 KB (by the site's number), different content per site;
/// `visits` and the time differ on every request, as on a real portal (both are normalised away
/// by the probe, so that IPv4 and IPv6 still compare equal).
pub fn portal(n: usize, visits: u64, secs: u64) -> String {
    let mut r = Rng(n as u64 * 0x2545_F491_4F6C_DD1D + 7);
    let district = r.pick(DISTRICTS);
    let name = format!("成都市{district}{}{}", r.pick(PLACES), r.pick(KINDS));
    let target = 20_000 + r.below(30_000);
    let mut h = String::with_capacity(target + 8_192);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{name}</title>\n<meta name=\"keywords\" content=\"{name},{district}教育,学校新闻,通知公告\">\n\
         <meta name=\"description\" content=\"{name}官方网站，发布学校新闻、通知公告、教育教学与招生信息。\">\n<link rel=\"stylesheet\" href=\"/css/style.css?v={}\">\n\
         <style type=\"text/css\">{STYLE}</style>\n<script src=\"/js/jquery-1.12.4.min.js\"></script>\n<script src=\"/js/jquery.SuperSlide.2.1.3.js\"></script>\n</head>\n<body>\n",
        n % 97
    );
    let _ = write!(
        h,
        "<div class=\"top\"><div class=\"wrap\"><span id=\"today\">今天是 {} 星期{}</span><a href=\"/\">设为首页</a><a href=\"/\">加入收藏</a><a href=\"/lxwm/\">联系我们</a>\
         <a href=\"/wza/\">无障碍浏览</a></div></div>\n<div class=\"header\"><div class=\"wrap\"><div class=\"logo\"><a href=\"/\"><img src=\"/images/logo.png\" alt=\"{name}\"></a></div>\
         <div class=\"search\"><form action=\"/search.jsp\" method=\"get\"><input type=\"text\" name=\"q\" placeholder=\"请输入关键字\"><button type=\"submit\">搜索</button></form></div></div></div>\n",
        date(secs / 86_400),
        ["四", "五", "六", "日", "一", "二", "三"][(secs / 86_400 % 7) as usize],
    );
    h.push_str("<div class=\"nav\"><div class=\"wrap\"><ul>\n");
    for (label, href) in NAV {
        let _ = write!(h, "<li><a href=\"{href}\">{label}</a><div class=\"sub\">");
        for k in 0..r.below(4) {
            let _ = write!(h, "<a href=\"{href}list{k}.htm\">{}</a>", ["机构设置", "学校简介", "历史沿革", "现任领导"][k]);
        }
        h.push_str("</div></li>\n");
    }
    h.push_str("</ul></div></div>\n<div class=\"banner\" id=\"slide\"><div class=\"bd\"><ul>");
    for k in 0..4 {
        let _ = write!(h, "<li><a href=\"/xwzx/{}.htm\"><img src=\"/images/banner{k}.jpg\" alt=\"{}\"></a></li>", 1000 + r.below(9000), r.pick(TOPICS));
    }
    h.push_str("</ul></div><div class=\"hd\"><ul></ul></div></div>\n<div class=\"wrap\">\n");
    let mut article = 3000 + r.below(4000);
    let mut s = 0;
    while h.len() < target.saturating_sub(1500) {
        let (title, path) = SECTIONS[s % SECTIONS.len()];
        let _ = write!(h, "<div class=\"col box{}\"><h2>{title}<a class=\"more\" href=\"/{path}/\">更多&gt;&gt;</a></h2><ul class=\"list\">\n", if s % 3 == 2 { " last" } else { "" });
        for _ in 0..(6 + r.below(6)) {
            article += 1 + r.below(20);
            let text = if path == "tzgg" { r.pick(NOTICES).to_string() } else { format!("{name}{}", r.pick(TOPICS)) };
            let day = 20_000 + r.below(500) as u64;
            let _ = write!(h, "<li><a href=\"/info/{}/{article}.htm\" title=\"{text}\" target=\"_blank\">{text}</a><span>{}</span></li>\n", 1000 + s * 10 + r.below(10), iso_date(day));
        }
        h.push_str("</ul></div>\n");
        s += 1;
    }
    h.push_str("</div>\n<div class=\"wrap box links\"><h2>友情链接</h2>\
        <a href=\"http://www.moe.gov.cn/\" target=\"_blank\">中华人民共和国教育部</a> <a href=\"http://edu.sc.gov.cn/\" target=\"_blank\">四川省教育厅</a> \
        <a href=\"http://edu.chengdu.gov.cn/\" target=\"_blank\">成都市教育局</a> <a href=\"https://www.smartedu.cn/\" target=\"_blank\">国家智慧教育公共服务平台</a></div>\n");
    let _ = write!(
        h,
        "<div class=\"footer\"><div class=\"wrap\"><p>版权所有 © 2026 {name} 地址：成都市{district}{}路{}号 邮编：6100{:02}</p>\
         <p>电话：028-8{:07} 蜀ICP备{:08}号-1 川公网安备 51010{:09}号</p><p>访问量：{visits} 更新时间：{}</p></div></div>\n",
        r.pick(PLACES),
        1 + r.below(300),
        r.below(100),
        r.below(10_000_000),
        r.below(100_000_000),
        r.below(1_000_000_000),
        time_of(secs),
    );
    let _ = write!(
        h,
        "<script type=\"text/javascript\">\njQuery(\".banner\").slide({{mainCell:\".bd ul\",titCell:\".hd ul\",autoPage:true,effect:\"fold\",autoPlay:true,interTime:4000}});\n\
         var _hmt = _hmt || [];\n(function() {{\n  var hm = document.createElement(\"script\");\n  hm.src = \"https://hm.baidu.com/hm.js?{:016x}{:016x}\";\n\
         var s = document.getElementsByTagName(\"script\")[0];\n  s.parentNode.insertBefore(hm, s);\n}})();\n</script>\n</body>\n</html>\n",
        r.next(),
        r.next()
    );
    h
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `2026年5月9日` for a day number (days since 1970-01-01).
fn date(day: u64) -> String {
    let (y, m, d) = civil(day as i64);
    format!("{y}年{m}月{d}日")
}

fn iso_date(day: u64) -> String {
    let (y, m, d) = civil(day as i64);
    format!("{y}-{m:02}-{d:02}")
}

fn time_of(secs: u64) -> String {
    let (y, m, d) = civil((secs / 86_400) as i64);
    let t = secs % 86_400;
    format!("{y}-{m:02}-{d:02} {:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

/// H. Hinnant's `civil_from_days`.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

// ---------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------

/// CPU seconds (user + system) of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0 // utime, stime; USER_HZ is 100 on Linux
}

/// Peak resident set of this process (VmHWM), MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok()).unwrap_or(0.0);
    kib / 1024.0
}

fn run(dir: &Path, n: usize, concurrency: usize, batch: usize) {
    // The fixture's port and CA (written by `serve`; the script waits for the port file).
    let port: u16 = std::fs::read_to_string(dir.join("port")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or_else(|| die("no fixture port: start `bench_guard serve` first"));
    let ca = guard::pem_certificates(&std::fs::read_to_string(dir.join("ca.pem")).unwrap_or_else(|e| die(&format!("ca.pem: {e}"))));

    let work = dir.join("store");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let db = work.join("bench.db");
    let t = Instant::now();
    let mut s = SqliteStore::open(&db).unwrap_or_else(|e| die(&format!("store: {e}")));
    let counties = [510104, 510105, 510106, 510107, 510108, 510112, 510113, 510114, 510115, 510116, 510117, 510118, 510121, 510129, 510131, 510181, 510182, 510183, 510184, 510185];
    let categories = [SiteCategory::School, SiteCategory::School, SiteCategory::School, SiteCategory::Vocational, SiteCategory::University, SiteCategory::Bureau];
    let sites: Vec<NewSite> = (0..n)
        .map(|i| NewSite { name: format!("基准站点{i:05}"), url: format!("https://{}:{port}/", host(i)), org_code: counties[i % counties.len()], category: categories[i % categories.len()], interval_minutes: 5 })
        .collect();
    let now = store::time::unix_now();
    s.upsert_sites(&store::Scope::all(), &sites, now - 60).unwrap_or_else(|e| die(&format!("register: {e}")));
    drop(sites);
    drop(s);
    let registered_in = t.elapsed().as_secs_f64();

    // Every name on loopback, both families; the zone's name server has an IPv6 address too.
    let mut r = StaticResolver::new();
    for i in 0..n {
        let h = host(i);
        r.insert(&h, IpAddr::V4(Ipv4Addr::LOCALHOST)).insert(&h, IpAddr::V6(Ipv6Addr::LOCALHOST));
    }
    r.insert(&format!("ns1.{ZONE}"), IpAddr::V4(Ipv4Addr::LOCALHOST)).insert(&format!("ns1.{ZONE}"), IpAddr::V6(Ipv6Addr::LOCALHOST));
    r.insert_ns(ZONE, &[&format!("ns1.{ZONE}")]);

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (cycles, rss_before) = rt.block_on(async {
        // The fixture lives on loopback, which the monitor denies by default: allowed here as an
        // administrator would allow an intranet network (every connection is still judged).
        let policy = guard::NetPolicy::default().allowing("基准回环 IPv4", "127.0.0.0/8").and_then(|p| p.allowing("基准回环 IPv6", "::1/128")).unwrap_or_else(|e| die(&e));
        let prober = Arc::new(Prober::new(Config { timeout: Duration::from_secs(30), extra_cas: ca, policy, ..Config::default() }, Arc::new(r)).unwrap_or_else(|e| die(&e.to_string())));
        let p = db.clone();
        let opener: Opener = Arc::new(move || Ok(Box::new(SqliteStore::open(&p)?) as Box<dyn Monitor + Send>));
        let options = Options { worker_id: "bench".into(), concurrency, batch: if batch == 0 { n } else { batch }, ..Options::default() };
        let w = Worker::new(&opener, prober, options).await.unwrap_or_else(|e| die(&format!("worker: {e}")));
        let rss_before = peak_rss_mib();
        // Two full cycles: the first of a new register (no baselines: every page is stored as
        // its site's snapshot); then every page accepted as the baseline, as a person would after
        // the first round, and the steady state: every page compared with its baseline.
        let mut cycles = Vec::new();
        for (k, at) in [now, now + 600].into_iter().enumerate() {
            if k == 1 {
                let p = db.clone();
                let accepted = tokio::task::spawn_blocking(move || SqliteStore::open(&p).and_then(|mut s| s.accept_missing_baselines(&Scope::Region { lo: 0, hi: 999_999 }, "bench", at)))
                    .await
                    .unwrap()
                    .unwrap_or_else(|e| die(&format!("baselines: {e}")));
                if accepted as usize != n {
                    die(&format!("{accepted} baselines accepted of {n}"));
                }
            }
            let (cpu0, t0) = (cpu_seconds(), Instant::now());
            // A full cycle: every site once. With the default batch that is one claim of all.
            let mut total = guard::worker::CycleReport::default();
            loop {
                let c = w.cycle_at(at).await.unwrap_or_else(|e| die(&format!("cycle: {e}")));
                if c.claimed == 0 {
                    break;
                }
                total.claimed += c.claimed;
                total.checked += c.checked;
                total.alerts_opened += c.alerts_opened;
                total.alerts_resolved += c.alerts_resolved;
            }
            cycles.push((total, t0.elapsed().as_secs_f64(), cpu_seconds() - cpu0));
        }
        (cycles, rss_before)
    });
    drop(rt);
    let peak = peak_rss_mib();

    // What was stored: every site's state and its one result.
    let mut s = SqliteStore::open(&db).unwrap_or_else(|e| die(&format!("store: {e}")));
    let scope = Scope::Region { lo: 0, hi: 999_999 };
    let (mut up, mut results, mut failures) = (0usize, 0usize, Vec::new());
    let sites = s.all_sites(&scope, &SiteQuery::default()).unwrap_or_else(|e| die(&format!("sites: {e}")));
    {
        for site in &sites {
            let h = s.history(site.id, now - 86_400, now + 86_400).unwrap_or_else(|e| die(&format!("history: {e}")));
            results += h.raw.len();
            let healthy = h.raw.len() == cycles.len()
                && h.raw.iter().all(|c| c.state == SiteState::Up && c.v4.reachable && c.v6.reachable && c.findings.is_empty() && c.ipv6_consistent == Some(true) && c.tls_grade.as_deref() == Some("A+") && c.header_score == Some(100));
            up += usize::from(site.state == SiteState::Up);
            if !healthy && failures.len() < 1_000_000 {
                failures.push(format!("{} {:?} {:?}", site.url, site.state, h.raw.first()));
            }
        }
    }
    let alerts = s.list_alerts(&scope, true, 100_000).map(|a| a.len()).unwrap_or(0);
    for f in failures.iter().take(10) {
        eprintln!("bench_guard: not healthy: {f}");
    }
    println!("bench-guard: {n} sites registered in {registered_in:.1} s; two full cycles, concurrency {concurrency}, batch {}", if batch == 0 { n } else { batch });
    println!("  results stored {results} (sites up {up}, open alerts {alerts}); failures {} (checks not up over both families with TLS A+, headers 100, no finding)", failures.len());
    for (k, (report, wall, cpu)) in cycles.iter().enumerate() {
        let checks = report.checked.max(1) as f64;
        println!("  cycle {} ({}):", k + 1, if k == 0 { "a new register, no baselines" } else { "steady state, every page against its baseline" });
        println!("    sites checked        {} (claimed {})", report.checked, report.claimed);
        println!("    wall                 {wall:.1} s");
        println!("    checks/s             {:.0}", checks / wall);
        println!("    CPU                  {cpu:.1} s ({:.2} cores while it ran; {:.2} cores spread over the 5-minute budget)", cpu / wall, cpu / 300.0);
        println!("    CPU per check        {:.2} ms", cpu / checks * 1000.0);
        println!("    checks per CPU-s     {:.0}", checks / cpu.max(0.01));
    }
    println!("  peak RSS             {peak:.0} MiB (before the cycles {rss_before:.0} MiB)");
    let _ = std::fs::remove_dir_all(&work);
    if !failures.is_empty() || cycles.iter().any(|c| c.0.checked != n) {
        std::process::exit(1);
    }
}

