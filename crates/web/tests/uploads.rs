//! Uploads, on SQLite and on PostgreSQL: streamed once to a private file (0600 in a 0700 folder),
//! hashed as they are written (the loader recognises the province's own file by that hash),
//! deleted on every path; imports wait in a bounded queue with a limit per account; size limits
//! for data and site-register uploads; no server path in any message.

mod common;

use axum::http::StatusCode;
use common::*;
use store::AuditFilter;

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default()
}

async fn wait_done(env: &Env, a: &Auth, job: &str) -> String {
    for _ in 0..1200 {
        let r = send(env, "GET", &format!("{job}/status"), a, None).await;
        assert_eq!(r.status, StatusCode::OK);
        if r.body.contains("data-state=\"done\"") {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}


async fn uploads(env: Env) {
    // One worker, two places in the queue.
    let env = rebuild(env, |c| web::Config { import_workers: 1, import_queue: 2, ..c });
    let dir = env.app.state.upload_dir.clone();
    let data_dir = env.app.state.config.data_dir.clone();
    let county = login(&env, "county", PASSWORD).await;
    let prov = login(&env, "prov", PASSWORD).await;
    // Someone else's import holds the worker.
    let (release, held) = std::sync::mpsc::channel::<()>();
    let slot = env.app.state.jobs.admit("someone").unwrap();
    env.app.state.jobs.run(slot, move || {
        let _ = held.recv();
    });
    let students = std::fs::read(env.demo.join("students.csv")).unwrap();
    let first = upload(&env, &county, "student", "学生名单.csv", &students).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let page = send(&env, "GET", &first.location, &county, None).await;
    assert!(page.body.contains("id=\"job-queued\""), "waits for the worker: {}", page.body);
    // The waiting upload: on disk whole, private.
    let on_disk = files_in(&dir);
    assert_eq!(on_disk.len(), 1);
    assert_eq!(std::fs::read(&on_disk[0]).unwrap(), students, "streamed whole");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&on_disk[0]).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    }
    // A file that is not a table, then a third one of the same account: refused before its body
    // is read; and the queue is full for everyone else.
    let second = upload(&env, &county, "student", "坏文件.csv", b"\x00\x01\x02 binary").await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    let third = upload(&env, &county, "student", "c.csv", b"a,b\n1,2\n").await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(third.body.contains("每个账号最多同时 2 个"), "{}", third.body);
    let other = upload(&env, &prov, "school", "s.csv", b"a,b\n1,2\n").await;
    assert_eq!(other.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(other.body.contains("导入队列已满"), "{}", other.body);
    let sites = upload_sites(&env, &prov, "sites.csv", b"name,url\n").await;
    assert_eq!(sites.status, StatusCode::TOO_MANY_REQUESTS, "the site register's import takes a place too");
    assert_eq!(files_in(&dir).len(), 2, "refused uploads leave nothing");
    // The worker is free: both run, one after the other; their files are gone.
    release.send(()).unwrap();
    let done = wait_done(&env, &county, &first.location).await;
    assert!(done.contains("id=\"batch-link\""), "{done}");
    let batch = with_store(&env, |s| s.list_batches(5).unwrap()).into_iter().find(|b| b.user == "county").unwrap();
    assert_eq!(batch.file_hash, loader::file_hash(&env.demo.join("students.csv")).unwrap(), "hashed while written: the same hash as reading the file");
    let failed = wait_done(&env, &county, &second.location).await;
    assert!(failed.contains("id=\"job-error\""), "{failed}");
    assert!(!failed.contains("uploads") && !failed.contains(&data_dir), "no server path: {failed}");
    for _ in 0..100 {
        if files_in(&dir).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
    let import = with_store(&env, |s| s.audit_entries(&AuditFilter { actor: Some("county".into()), action: Some("import".into()), limit: 10, ..Default::default() }).unwrap());
    let hash = loader::file_hash(&env.demo.join("students.csv")).unwrap();
    assert!(import.iter().any(|e| e.detail.contains(&hash)), "the audit names the file by its hash");

    // Size limits, streaming: over the limit is refused and nothing is left.
    let env = rebuild(env, |c| web::Config { upload_limit_mib: 1, ..c });
    let big = vec![b'x'; 3 << 20];
    let r = upload(&env, &county, "student", "big.csv", &big).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("超过 1 MB 上限"), "{}", r.body);
    let r = upload_sites(&env, &prov, "big.csv", &big).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("超过 1 MB 上限"), "{}", r.body);
    let r = upload(&env, &county, "", "x.csv", b"a,b\n1,2\n").await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("请选择数据类别"), "{}", r.body);
    // A register that is read: its file is gone afterwards, its hash in the audit log.
    let csv = format!("名称,网址,单位代码,类别\n测试学校网站,https://upload-test.example.edu.cn/,{},school\n", env.places.school);
    let r = upload_sites(&env, &prov, "站点.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
    let e = with_store(&env, |s| s.audit_entries(&AuditFilter { action: Some("site_import".into()), limit: 1, ..Default::default() }).unwrap());
    assert!(e[0].detail.contains("sha256"), "{}", e[0].detail);
    assert_eq!(env.app.state.jobs.admitted(), 0, "every place was given back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_sqlite() {
    uploads(sqlite("uploads")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_postgres() {
    let Some(env) = blocking(|| postgres("uploads")) else { return };
    uploads(env).await;
}
