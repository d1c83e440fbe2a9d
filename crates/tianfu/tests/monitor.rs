//! The monitor at the console: `tianfu sites import` (rows rejected with reasons, exit code 1),
//! `tianfu sites list`, and `tianfu worker --once` checking a site served on 127.0.0.1.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn tianfu(args: &[&str], dir: &Path) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).current_dir(dir).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tianfu-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A home page on 127.0.0.1, answering every request the same; its port.
fn serve_home() -> u16 {
    serve_counting().0
}

/// The same, with the number of connections it accepted.
fn serve_counting() -> (u16, Arc<AtomicUsize>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let count = n.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let body = "<html><body><h1>锦江区教育局</h1><p>欢迎访问，这里发布教育新闻与通知公告。</p></body></html>";
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    (port, n)
}

#[test]
fn sites_imported_listed_and_checked() {
    let d = tmp("sites");
    let db = d.join("t.db");
    let db = db.to_str().unwrap();
    let port = serve_home();
    let csv = format!(
        "名称,网址,单位代码,类别,检查间隔\n锦江区教育局,http://jj.test:{port}/,510104,教育局,5\n不存在的单位,https://x.example.edu.cn/,42,school,5\n无效类别,https://y.example.edu.cn/,510104,火星,5\n"
    );
    std::fs::write(d.join("sites.csv"), csv).unwrap();
    // Every name of the file is pinned: the test asks no DNS server.
    let jj = format!("jj.test:{port}:127.0.0.1");
    let (x, y) = ("x.example.edu.cn:443:202.115.32.1", "y.example.edu.cn:443:202.115.32.1");
    let loopback = ["--allow-network", "127.0.0.0/8"];
    // The register refuses a site on loopback unless its network is allowed (SSRF, issue 10).
    let (code, out, err) = tianfu(&["sites", "import", "sites.csv", "--db", db, "--resolve", &jj, "--resolve", x, "--resolve", y], &d);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("读取 3 行：新增 0，更新 0，未变 0，拒绝 3") && out.contains("第 2 行：该地址属于内网/保留地址，不能作为监测目标"), "{out}");
    assert!(!out.contains("127.0.0.1"), "what the name resolved to is not shown: {out}");
    let (code, out, err) = tianfu(&["sites", "import", "sites.csv", "--db", db, "--resolve", &jj, "--resolve", x, "--resolve", y, loopback[0], loopback[1]], &d);
    assert_eq!(code, 1, "rejected rows: exit code 1\n{out}{err}");
    assert!(out.contains("读取 3 行：新增 1，更新 0，未变 0，拒绝 2"), "{out}");
    assert!(out.contains("第 3 行：单位代码 42 不在组织机构树中") && out.contains("类别无效"), "{out}");
    let (code, out, _) = tianfu(&["sites", "import", "sites.csv", "--db", db, "--format", "json", "--resolve", &jj, "--resolve", x, "--resolve", y, loopback[0], loopback[1]], &d);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["counts"]["unchanged"], 1);

    let (code, out, _) = tianfu(&["sites", "list", "--db", db], &d);
    assert_eq!(code, 0);
    assert!(out.contains("锦江区教育局") && out.contains("未检测"), "{out}");

    let pin = format!("jj.test:{port}:127.0.0.1");
    let (code, out, err) = tianfu(&["worker", "--once", "--db", db, "--resolve", &pin, "--timeout", "5", loopback[0], loopback[1]], &d);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((r["claimed"].as_u64(), r["checked"].as_u64()), (Some(1), Some(1)), "{out}");
    assert_eq!((r["crawls"]["claimed"].as_u64(), r["crawls"]["crawled"].as_u64()), (Some(1), Some(1)), "the first depth crawl follows the first check: {out}");
    // The page the check saw becomes the baseline when a person accepts it.
    let (code, out, _) = tianfu(&["sites", "baseline", "--missing", "--db", db], &d);
    assert_eq!((code, out.as_str()), (0, "已设基线：1 个站点\n"));
    let (code, out, _) = tianfu(&["sites", "baseline", "--missing", "--db", db], &d);
    assert_eq!((code, out.as_str()), (0, "已设基线：0 个站点\n"), "accepted ones are left alone");
    let (code, _, err) = tianfu(&["sites", "baseline", "999", "--db", db], &d);
    assert_eq!(code, 2);
    assert!(err.contains("尚无检测到的首页"), "{err}");
    let (code, _, err) = tianfu(&["sites", "ipv6", "--db", db, "--region", "110101"], &d);
    assert_eq!(code, 2);
    assert!(err.contains("地区代码 110101 不在四川省内"), "{err}");
    let (code, out, _) = tianfu(&["sites", "ipv6", "--db", db, "--format", "json"], &d);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["categories"][0]["category"].as_str(), v["categories"][0]["checked"].as_u64(), v["categories"][0]["supported"].as_u64()), (Some("bureau"), Some(1), Some(0)), "{out}");
    assert_eq!((v["sites"][0]["aaaa"].as_bool(), v["sites"][0]["supported"].as_bool(), v["sites"][0]["crawl"]["l2_checked"].as_u64()), (Some(false), Some(false), Some(0)), "{out}");
    let (_, out, _) = tianfu(&["sites", "list", "--db", db, "--state", "up", "--format", "json"], &d);
    let sites: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sites.as_array().unwrap().len(), 1, "{out}");
    assert_eq!(sites[0]["state"], "up");
    let (code, out, _) = tianfu(&["worker", "--once", "--db", db, "--resolve", &pin, loopback[0], loopback[1]], &d);
    assert_eq!((code, out.contains("\"claimed\":0")), (0, true), "nothing due right after: {out}");
    let _ = std::fs::remove_dir_all(&d);
}

/// The CLI reads an XLSX register too (the console's import, `guard::register::read_site_file`):
/// by its content even when named `.csv`, with the same row numbers and reasons.
#[test]
fn sites_imported_from_xlsx() {
    let d = tmp("sites-xlsx");
    let db = d.join("t.db");
    let db = db.to_str().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["名称", "网址", "单位代码", "类别", "检查间隔"],
        ["四川大学", "https://www.scu.example.edu.cn/", "510000", "高校", "10"],
        ["锦江区教育局", "https://jj.example.gov.cn/", "510104", "bureau", ""],
        ["不存在的单位", "https://x.example.edu.cn/", "42", "school", "5"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save(d.join("sites.xlsx")).unwrap();
    std::fs::copy(d.join("sites.xlsx"), d.join("misnamed.csv")).unwrap();
    let pins = ["www.scu.example.edu.cn:443:202.115.32.1", "jj.example.gov.cn:443:202.115.32.2", "x.example.edu.cn:443:202.115.32.3"];
    let args = |file: &'static str| -> Vec<&str> { vec!["sites", "import", file, "--db", db, "--resolve", pins[0], "--resolve", pins[1], "--resolve", pins[2]] };
    let (code, out, err) = tianfu(&args("sites.xlsx"), &d);
    assert_eq!(code, 1, "one row rejected: exit code 1\n{out}{err}");
    assert!(out.contains("读取 3 行：新增 2，更新 0，未变 0，拒绝 1") && out.contains("第 4 行：单位代码 42 不在组织机构树中"), "{out}");
    let (code, out, err) = tianfu(&args("misnamed.csv"), &d);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("读取 3 行：新增 0，更新 0，未变 2，拒绝 1"), "an XLSX named .csv is read as XLSX: {out}");
    let (_, out, _) = tianfu(&["sites", "list", "--db", db, "--format", "json"], &d);
    let sites: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sites.as_array().unwrap().len(), 2, "{out}");
    let _ = std::fs::remove_dir_all(&d);
}

/// SSRF (issue 10): a site on loopback registered while loopback was allowed is never connected
/// to by a worker that does not allow it; its check is `target_forbidden`.
#[test]
fn worker_without_the_allowed_network_never_connects() {
    let d = tmp("ssrf");
    let db = d.join("t.db");
    let db = db.to_str().unwrap();
    let (port, hits) = serve_counting();
    std::fs::write(d.join("sites.csv"), format!("名称,网址,单位代码,类别\n内网站点,http://intranet.test:{port}/,510104,教育局\n回环,http://0x7f.1:{port}/,510104,教育局\n")).unwrap();
    let pin = format!("intranet.test:{port}:127.0.0.1");
    let (code, out, err) = tianfu(&["sites", "import", "sites.csv", "--db", db, "--resolve", &pin, "--allow-network", "127.0.0.0/8"], &d);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("新增 2"), "{out}");
    let (code, out, err) = tianfu(&["worker", "--once", "--db", db, "--resolve", &pin, "--timeout", "5"], &d);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["checked"].as_u64(), Some(2), "{out}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the worker never connected");
    let (_, out, _) = tianfu(&["sites", "list", "--db", db, "--format", "json"], &d);
    let sites: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(sites.as_array().unwrap().iter().all(|s| s["state"] == "down"), "{out}");
    // A configuration file that allows the network lets the worker check them.
    std::fs::write(d.join("tianfu.toml"), "[[monitor.allow]]\nname = \"测试回环\"\ncidr = \"127.0.0.0/8\"\n").unwrap();
    let (code, _, err) = tianfu(&["worker", "--once", "--db", db, "--resolve", &pin, "--timeout", "5"], &d);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("允许监测的内网网段：测试回环 127.0.0.0/8"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
