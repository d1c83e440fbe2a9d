//! `tianfu probe` run as a binary against fixture servers on 127.0.0.1 and [::1], pinned with
//! `--resolve`, trusting the test's CA with `--ca`.

#[path = "../../guard/tests/fixture/mod.rs"]
mod fixture;

use fixture::{handler, serve, Pki, Response, Validity};
use serde_json::Value;
use std::process::Command;

const PAGE: &str = "<html><head><title>成都市某某小学</title></head><body><h1>成都市某某小学</h1>\
<p>欢迎访问学校网站。<a href=\"/about.html\">学校概况</a></p><div style=\"display:none\"><a href=\"http://spam.example/\">彩票</a></div></body></html>";

/// `tianfu probe` with loopback allowed (the fixture's servers live there; the monitor refuses
/// loopback unless a network is allowed).
fn probe(args: &[&str]) -> (i32, String, String) {
    probe_with_policy(&[args, &["--allow-network", "127.0.0.0/8", "--allow-network", "::1"]].concat())
}

fn probe_with_policy(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tianfu")).arg("probe").args(args).output().expect("run tianfu");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn probe_json_over_both_families() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let pki = Pki::new();
    let tls = pki.server_config(&["school.test"], Validity::Good);
    let port = rt.block_on(serve(true, true, Some(tls), handler(|_| Response::html(PAGE))));
    let dir = std::env::temp_dir().join(format!("tianfu-probe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let url = format!("https://school.test:{port}/");
    let pin4 = format!("school.test:{port}:127.0.0.1");
    let pin6 = format!("school.test:{port}:[::1]");
    let ca_arg = ca.to_str().unwrap();

    let (code, stdout, stderr) = probe(&[&url, "--resolve", &pin4, "--resolve", &pin6, "--ca", ca_arg, "--format", "json", "--timeout", "5"]);
    assert_eq!(code, 1, "a hidden link is a high finding: {stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(v["url"], url);
    for fam in ["ipv4", "ipv6"] {
        let f = &v[fam];
        assert_eq!(f["reachable"], true, "{fam}: {f}");
        assert_eq!(f["status"], 200);
        assert!(f["elapsed_ms"].is_u64());
        assert!(f["error"].is_null());
    }
    assert_eq!(v["ipv4"]["addresses"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(v["ipv6"]["addresses"], serde_json::json!(["::1"]));
    assert_eq!(v["tls"]["valid"], true);
    assert_eq!(v["tls"]["protocol"], "TLSv1.3");
    assert!(v["tls"]["days_to_expiry"].as_i64().unwrap() > 365);
    assert_eq!(v["tls"]["grade"], "A");
    let missing: Vec<&str> = v["headers"]["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(missing.contains(&"strict-transport-security") && missing.contains(&"content-security-policy"), "{missing:?}");
    assert!(v["headers"]["score"].as_u64().unwrap() < 50);
    assert_eq!(v["ipv6_support"]["aaaa"], true);
    assert_eq!(v["ipv6_support"]["home_reachable"], true);
    assert_eq!(v["ipv6_support"]["consistent_with_ipv4"], true);
    let findings = v["findings"].as_array().unwrap();
    let kinds: Vec<&str> = findings.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["hidden_link", "headers_missing"]);
    assert_eq!(findings[0]["severity"], "high");
    assert!(findings[0]["detail"].as_str().unwrap().contains("spam.example"));
    assert!(findings[0]["detail_en"].as_str().unwrap().contains("display:none"));

    // The same check as Chinese text.
    let (code, text, _) = probe(&[&url, "--resolve", &pin4, "--resolve", &pin6, "--ca", ca_arg]);
    assert_eq!(code, 1);
    assert!(text.contains("网站检测") && text.contains("IPv6 支持") && text.contains("hidden_link"), "{text}");

    // With the IPv6 link crawl: level 2 is /about.html (reached over IPv6); it links nowhere new.
    let (_, stdout, _) = probe(&[&url, "--resolve", &pin4, "--resolve", &pin6, "--ca", ca_arg, "--format", "json", "--crawl"]);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["crawl"]["level2"]["checked"], 1);
    assert_eq!(v["ipv6_support"]["level2_rate"], 1.0);
    assert!(v["ipv6_support"]["level3_rate"].is_null());

    // Baseline saved, then compared: unchanged, so no tampering.
    let base = dir.join("base.json");
    let base_arg = base.to_str().unwrap();
    let (_, _, _) = probe(&[&url, "--resolve", &pin4, "--ca", ca_arg, "--save-baseline", base_arg]);
    let (_, stdout, _) = probe(&[&url, "--resolve", &pin4, "--ca", ca_arg, "--baseline", base_arg, "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["ipv4"]["similarity_to_baseline"], 1.0);
    assert!(!v["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "tampered"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn probe_usage_errors_exit_2() {
    let (code, _, stderr) = probe(&["https://x.test/", "--resolve", "x.test:443"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("HOST:PORT:ADDR"), "{stderr}");
    let (code, _, stderr) = probe(&["ftp://x.test/", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: invalid URL"), "{stderr}");
}

/// SSRF (issue 10): without an allowed network, `tianfu probe` never connects to loopback, in
/// any form the URL or a pinned name gives it, and prints no content of it.
#[test]
fn probe_refuses_internal_targets_by_default() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let port = rt.block_on(serve(true, true, None, handler(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        Response::html("<p>db password: hunter2</p>")
    })));
    let pin = format!("inner.test:{port}:127.0.0.1");
    for url in [format!("http://127.0.0.1:{port}/"), format!("http://0x7f.1:{port}/"), format!("http://2130706433:{port}/"), format!("http://[::ffff:127.0.0.1]:{port}/"), format!("http://[::1]:{port}/"), format!("http://inner.test:{port}/")] {
        let (code, stdout, stderr) = probe_with_policy(&[&url, "--resolve", &pin, "--format", "json"]);
        assert_eq!(code, 1, "{url}: {stderr}");
        let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        assert_eq!(v["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["target_forbidden"], "{url}: {stdout}");
        assert!(v["ipv4"]["status"].is_null() && v["tls"].is_null() && v["headers"].is_null() && v["dns"]["a"].as_array().unwrap().is_empty(), "{url}: {stdout}");
        assert!(!stdout.contains("hunter2"));
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no request reached the loopback server");
    // Allowed by a flag (or the configuration file), the same site is checked.
    let (_, stdout, stderr) = probe_with_policy(&[&format!("http://inner.test:{port}/"), "--resolve", &pin, "--allow-network", "127.0.0.1/32", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["ipv4"]["status"], 200, "{stdout}");
    assert!(stderr.contains("允许监测的内网网段：--allow-network 127.0.0.1/32"), "{stderr}");
    let dir = std::env::temp_dir().join(format!("tianfu-probe-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tianfu.toml"), "[[monitor.allow]]\nname = \"测试回环\"\ncidr = \"127.0.0.0/8\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tianfu")).current_dir(&dir).args(["probe", &format!("http://inner.test:{port}/"), "--resolve", &pin, "--format", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ipv4"]["status"], 200, "the [[monitor.allow]] networks of tianfu.toml apply");
    let (code, _, stderr) = probe_with_policy(&["http://x.test/", "--allow-network", "10.0.0.0/33"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--allow-network") && stderr.contains("CIDR"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
