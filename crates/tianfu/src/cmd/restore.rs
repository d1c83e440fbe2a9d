//! `tianfu restore DIR`: checks a backup of `tianfu backup` (manifest, sizes, SHA-256, SQLite's
//! quick_check, schema versions this release can open), refuses to write over a store in use or
//! holding data unless `--force`, puts the store, the instance secret and the audit checkpoint
//! back, brings the schema up to date, records the restore in the audit log and verifies the
//! chain. Exit code 0: restored and verified; 1: restored but the chain does not verify; 2: not
//! restored.

use super::backup::{sha256_file, target, FileEntry, Manifest, FORMAT};
use super::{db, fail, instance, out, LangArg};
use standard::Lang;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The folder `tianfu backup` wrote.
    pub dir: PathBuf,
    /// Database to restore into: a SQLite path or a postgres:// URL (default: the configuration's).
    #[arg(long)]
    pub db: Option<String>,
    /// Replace a store that holds data (the server must still be stopped).
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

type Failure = (String, String);

fn se(e: store::StoreError) -> Failure {
    (e.zh(), e.to_string())
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    match restore(&a) {
        Ok((v, manifest)) => {
            let ok = v.problems.is_empty();
            out(&match (lang, ok) {
                (Lang::Zh, true) => format!("已从 {} 恢复（{} 备份于 {}，版本 {}）；审计日志完整：{} 条记录，最新为第 {} 条。\n", a.dir.display(), manifest.backend, manifest.created_at, manifest.version, v.entries, v.head_id),
                (Lang::En, true) => format!("Restored from {} ({} backup of {}, release {}); the audit log is intact: {} entries, the newest is entry {}.\n", a.dir.display(), manifest.backend, manifest.created_at, manifest.version, v.entries, v.head_id),
                (Lang::Zh, false) => format!("已从 {} 恢复，但审计日志校验发现 {} 处问题：请运行 tianfu audit verify 查看。\n", a.dir.display(), v.problems.len()),
                (Lang::En, false) => format!("Restored from {}, but the audit log has {} problems: run tianfu audit verify for them.\n", a.dir.display(), v.problems.len()),
            });
            u8::from(!ok)
        }
        Err((zh, en)) => fail(lang, &zh, &en),
    }
}

/// Reads the manifest and checks every file it names against its size and SHA-256, and against
/// `SHA256SUMS`.
pub fn check(dir: &Path) -> Result<Manifest, Failure> {
    let mp = dir.join("manifest.json");
    let text = std::fs::read_to_string(&mp).map_err(|e| (format!("无法读取备份清单 {}：{e}（不是 tianfu backup 写的目录？）", mp.display()), format!("cannot read the backup manifest {}: {e} (not a folder written by tianfu backup?)", mp.display())))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| (format!("备份清单无效：{e}"), format!("the backup manifest is not valid: {e}")))?;
    if m.format != FORMAT {
        return Err((format!("不认识的备份格式 {}（本程序读取 {FORMAT}）", m.format), format!("unknown backup format {} (this program reads {FORMAT})", m.format)));
    }
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap_or_default();
    for FileEntry { name, bytes, sha256, .. } in &m.files {
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return Err((format!("备份清单中的文件名无效：{name}"), format!("invalid file name in the manifest: {name}")));
        }
        let p = dir.join(name);
        let (n, h) = sha256_file(&p).map_err(|e| (format!("备份文件 {} 缺失或无法读取：{e}", p.display()), format!("the backup file {} is missing or unreadable: {e}", p.display())))?;
        if n != *bytes || h != *sha256 || !sums.lines().any(|l| l == format!("{sha256}  {name}")) {
            return Err((
                format!("备份文件 {name} 校验失败（大小或 SHA-256 与清单不符）：备份已损坏或被改动，拒绝恢复"),
                format!("the backup file {name} fails its check (size or SHA-256 differs from the manifest): the backup is damaged or altered; not restoring"),
            ));
        }
    }
    Ok(m)
}

fn file<'a>(m: &'a Manifest, role: &str) -> Option<&'a FileEntry> {
    m.files.iter().find(|f| f.role == role)
}

fn restore(a: &Args) -> Result<(store::audit::Verification, Manifest), Failure> {
    let m = check(&a.dir)?;
    let mut c = super::conf::load(&[super::conf::db_flag(a.db.as_ref())]).map_err(|e| (e.clone(), e))?;
    let target = target(a.db.as_deref(), &c);
    c.db = Some(target.clone());
    let pg = db::is_postgres(&target);
    if (m.backend == "postgres") != pg {
        return Err((
            format!("这是 {} 的备份，目标数据库 {} 不是同一种；请用 --db 指定同类数据库", m.backend, c.db_display()),
            format!("this is a {} backup and the target {} is not; name a database of that kind with --db", m.backend, c.db_display()),
        ));
    }
    // The server must not run while its files are replaced, nor start half-way.
    let _lock = instance::exclusive(&c.data_dir).map_err(|h| match h {
        instance::Held::ByOther => (
            format!("数据目录 {} 正被运行中的 tianfu serve 使用：请先停止服务器（systemctl stop tianfu）再恢复", c.data_dir),
            format!("the data folder {} is in use by a running tianfu serve: stop the server (systemctl stop tianfu) before restoring", c.data_dir),
        ),
        instance::Held::Io(e) => (format!("无法锁定数据目录 {}：{e}", c.data_dir), format!("cannot lock the data folder {}: {e}", c.data_dir)),
    })?;
    let (key, head) = (c.audit_key_path(), c.audit_head_path());
    if let (Some(f), Ok(old)) = (file(&m, "secret_key"), std::fs::read(&key)) {
        if old != std::fs::read(a.dir.join(&f.name)).unwrap_or_default() && !a.force {
            return Err((
                format!("{} 已有另一实例的密钥：恢复将替换它（旧密钥签的审计记录将无法校验）；确认请加 --force", key.display()),
                format!("{} holds another instance's secret: a restore replaces it (entries signed with the old one no longer verify); add --force to confirm", key.display()),
            ));
        }
    }
    if pg {
        restore_pg(a, &m, &target)?;
    } else {
        restore_sqlite(a, &m, &target)?;
    }
    for (role, dest) in [("secret_key", &key), ("audit_head", &head)] {
        match file(&m, role) {
            Some(f) => replace(&a.dir.join(&f.name), dest)?,
            None => match std::fs::remove_file(dest) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err((format!("无法删除 {}：{e}", dest.display()), format!("cannot remove {}: {e}", dest.display()))),
            },
        }
    }
    let chain = web::ConfigExt::audit_chain(&c).map_err(|e| (e.zh, e.en))?;
    let mut s = db::open_backend_with(&c, chain.clone()).map_err(|e| (e.zh(), e.to_string()))?;
    s.append_audit(&store::AuditEvent {
        actor: db::console_actor(),
        action: "restore".into(),
        target: "backup".into(),
        detail: serde_json::json!({ "backup_created_at": m.created_at, "backup_version": m.version, "backend": m.backend }).to_string(),
        ip: String::new(),
        outcome: "ok".into(),
    })
    .map_err(se)?;
    let v = store::audit::verify(s.as_mut(), &chain, c.audit_retention_days).map_err(se)?;
    Ok((v, m))
}

fn newer(role: &str, have: u32, know: u32) -> Failure {
    (
        format!("备份的 {role} 结构版本为 {have}，本程序只认识到 {know}：请用更新的 tianfu 恢复"),
        format!("the backup's {role} schema is at version {have}; this program knows up to {know}: restore with a newer tianfu"),
    )
}

fn restore_sqlite(a: &Args, m: &Manifest, target: &str) -> Result<(), Failure> {
    let base = PathBuf::from(target.strip_prefix("sqlite://").unwrap_or(target));
    let known = store_sqlite::backup::known_versions();
    let mut copies: [PathBuf; 3] = Default::default();
    for (i, role) in store_sqlite::backup::ROLES.into_iter().enumerate() {
        let f = file(m, role).ok_or_else(|| (format!("备份缺少 {role} 文件"), format!("the backup has no {role} file")))?;
        let p = a.dir.join(&f.name);
        let v = store_sqlite::backup::check_file(&p).map_err(se)?;
        if v > known[i] {
            return Err(newer(role, v, known[i]));
        }
        copies[i] = p;
    }
    let live = store_sqlite::backup::files_of(&base).into_iter().find(|p| p.metadata().is_ok_and(|md| md.len() > 0));
    if let (Some(p), false) = (live, a.force) {
        return Err((
            format!("{} 已有数据：恢复将覆盖它；确认请加 --force（服务器须已停止）", p.display()),
            format!("{} holds data: a restore overwrites it; add --force to confirm (with the server stopped)", p.display()),
        ));
    }
    store_sqlite::backup::restore(&copies, &base).map_err(se)
}

fn restore_pg(a: &Args, m: &Manifest, url: &str) -> Result<(), Failure> {
    let f = file(m, "pg_dump").ok_or_else(|| ("备份缺少 pg_dump 文件".to_string(), "the backup has no pg_dump file".to_string()))?;
    let have = m.schema.get("postgres").copied().unwrap_or(0);
    if have > store_postgres::LATEST_VERSION {
        return Err(newer("postgres", have, store_postgres::LATEST_VERSION));
    }
    let st = store_postgres::backup::target_state(url).map_err(se)?;
    if let (Some(now), Some(was)) = (&st.schema, &m.pg_schema) {
        if now != was {
            return Err((
                format!("备份的表在模式 {was} 中，而 {} 的 search_path 指向 {now}：请用指向 {was} 的连接地址", st.target),
                format!("the backup's tables are in schema {was}, but {}'s search_path is {now}: use a URL whose search_path is {was}", st.target),
            ));
        }
    }
    if st.version > 0 && !a.force {
        return Err((
            format!("{}（模式 {}）已有天府数据表：恢复将替换它们；确认请加 --force（服务器须已停止）", st.target, st.schema.clone().unwrap_or_default()),
            format!("{} (schema {}) holds Tianfu tables: a restore replaces them; add --force to confirm (with the servers stopped)", st.target, st.schema.clone().unwrap_or_default()),
        ));
    }
    if st.other_sessions > 0 {
        eprintln!("warning: {} other sessions are connected to {}; make sure no Tianfu server or worker uses this schema", st.other_sessions, st.target);
    }
    let dump = a.dir.join(&f.name);
    let dump = dump.to_str().ok_or_else(|| ("备份路径不是 UTF-8".to_string(), "the backup path is not UTF-8".to_string()))?;
    super::backup::pg_tool("pg_restore", url, &["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", dump])?;
    store_postgres::PgStore::connect_and_migrate(url).map_err(se)?;
    Ok(())
}

/// Puts `src` at `dest` (0600), through a temporary file beside it and a rename.
fn replace(src: &Path, dest: &Path) -> Result<(), Failure> {
    let err = |e: std::io::Error| (format!("无法写入 {}：{e}", dest.display()), format!("cannot write {}: {e}", dest.display()));
    if let Some(d) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(err)?;
    }
    let tmp = dest.with_file_name(format!(".{}.restoring", dest.file_name().and_then(|n| n.to_str()).unwrap_or("file")));
    let _ = std::fs::remove_file(&tmp);
    super::backup::write_private(&tmp, &std::fs::read(src).map_err(err)?).map_err(err)?;
    std::fs::rename(&tmp, dest).map_err(err)?;
    Ok(())
}
