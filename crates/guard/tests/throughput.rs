//! A rough throughput figure, not a benchmark (that comes later with 50,000 sites): full checks
//! over IPv4 and IPv6 against a loopback fixture, CPU time of this process (prober and fixture
//! together) from /proc. Ignored by default; run with
//! `cargo test -p guard --release --test throughput -- --ignored --nocapture`.

mod fixture;

use fixture::{handler, serve, Pki, Response, Validity};
use guard::{Config, Prober, SiteSpec, StaticResolver};
use std::sync::Arc;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

async fn run(https: bool, n: usize) {
    let page = format!("<html><head><title>学校</title></head><body>{}</body></html>", "<div><p>学校新闻：教育教学质量提升工作推进会召开</p><a href=\"/news/1.html\">通知公告</a></div>".repeat(150));
    let pki = Pki::new();
    let tls = https.then(|| pki.server_config(&["bench.test"], Validity::Good));
    let port = serve(true, true, tls, handler(move |_| Response::html(&page).secure())).await;
    let mut r = StaticResolver::new();
    r.insert("bench.test", "127.0.0.1".parse().unwrap()).insert("bench.test", "::1".parse().unwrap());
    let prober = Arc::new(Prober::new(Config { extra_cas: vec![pki.ca_der.clone()], policy: fixture::loopback(), ..Config::default() }, Arc::new(r)).unwrap());
    let site = Arc::new(SiteSpec::new(format!("{}://bench.test:{port}/", if https { "https" } else { "http" })));
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..64 {
        let (p, s) = (prober.clone(), site.clone());
        tasks.spawn(async move {
            let mut ok = 0;
            for _ in (w..n).step_by(64) {
                ok += usize::from(p.check(&s, None).await.ipv6.reachable);
            }
            ok
        });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        ok += r.unwrap();
    }
    let cpu = cpu_seconds() - cpu0;
    let hwm = std::fs::read_to_string("/proc/self/status").unwrap_or_default().lines().find(|l| l.starts_with("VmHWM")).unwrap_or("").to_string();
    println!("{}: {n} checks ({ok} reached over IPv6) in {:.2} s wall, {cpu:.2} CPU-s: {:.0} checks per CPU-second; peak {hwm}", if https { "https" } else { "http" }, t0.elapsed().as_secs_f64(), n as f64 / cpu.max(0.01));
    assert_eq!(ok, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn throughput() {
    run(false, 2000).await;
    run(true, 1000).await;
}
