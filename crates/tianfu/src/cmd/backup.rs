//! `tianfu backup DIR`: a consistent copy of the store while the server runs, with what a restore
//! needs to be usable: the instance secret (the audit chain's keys and the cursors' key derive
//! from it) and the audit head checkpoint as of the copied log. `manifest.json` names every file
//! with its size and SHA-256; `SHA256SUMS` holds the same sums for `sha256sum -c`.
//!
//! SQLite: the three files through SQLite's online backup API, in one read snapshot started
//! under the audit chain's lock, when the head file is read too: the copied log and its
//! checkpoint agree exactly. PostgreSQL: `pg_dump --format=custom` of the Tianfu schema, from a
//! snapshot exported under the same lock.

use super::{db, fail, out, FormatArg, LangArg};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use standard::Lang;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "tianfu-backup/1";
pub const SQLITE_NAMES: [&str; 3] = ["tianfu.db", "tianfu.platform.db", "tianfu.monitor.db"];
pub const PG_DUMP_NAME: &str = "tianfu.pgdump";
pub const SECRET_NAME: &str = "secret.key";
pub const HEAD_NAME: &str = "audit.head";

#[derive(clap::Args)]
pub struct Args {
    /// The folder to write (must not exist, or be empty).
    pub dir: PathBuf,
    /// Database: a SQLite path or a postgres:// URL (default: the configuration's).
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// The release that wrote the backup.
    pub version: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub created_at: String,
    /// Schema version by role (`base`, `platform`, `monitor`; PostgreSQL: `postgres`).
    pub schema: std::collections::BTreeMap<String, u32>,
    /// PostgreSQL: the schema the tables are in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_schema: Option<String>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub role: String,
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

pub fn sha256_file(p: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((n, store::audit::hex(&h.finalize())))
}

/// Writes a new file readable by its owner only.
pub fn write_private(p: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(p)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// What to say and the exit code.
type Failure = (String, String);

fn io(p: &Path, e: std::io::Error) -> Failure {
    (format!("无法写入 {}：{e}", p.display()), format!("cannot write {}: {e}", p.display()))
}

/// The SQLite base file of the store: `--db`, else the configuration's `db`, else
/// `DATA_DIR/tianfu.db` (as `tianfu serve` chooses it).
pub fn target(db: Option<&str>, c: &web::Config) -> String {
    db.map(str::to_string).or_else(|| c.db.clone()).unwrap_or_else(|| format!("{}/tianfu.db", c.data_dir))
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    match backup(&a) {
        Ok(m) => {
            if a.format == FormatArg::Json {
                out(&(serde_json::to_string_pretty(&m).expect("serialises") + "\n"));
            } else {
                let total: u64 = m.files.iter().map(|f| f.bytes).sum();
                let mib = total as f64 / 1048576.0;
                let how = match (&m.pg_schema, lang) {
                    (Some(s), Lang::Zh) => format!("PostgreSQL 模式 {s} 由 pg_dump --format=custom 导出（{PG_DUMP_NAME}）"),
                    (Some(s), Lang::En) => format!("PostgreSQL schema {s} dumped by pg_dump --format=custom ({PG_DUMP_NAME})"),
                    (None, Lang::Zh) => "SQLite 三个文件经在线备份接口复制".to_string(),
                    (None, Lang::En) => "the three SQLite files copied through the online backup API".to_string(),
                };
                out(&match lang {
                    Lang::Zh => format!("备份完成：{}（{how}，连同实例密钥与审计检查点；{} 个文件，{mib:.1} MiB，清单 manifest.json 与 SHA256SUMS）。恢复：tianfu restore {}\n", a.dir.display(), m.files.len(), a.dir.display()),
                    Lang::En => format!("Backup written to {} ({how}, with the instance secret and the audit checkpoint; {} files, {mib:.1} MiB; manifest.json and SHA256SUMS). Restore with: tianfu restore {}\n", a.dir.display(), m.files.len(), a.dir.display()),
                });
            }
            0
        }
        Err((zh, en)) => fail(lang, &zh, &en),
    }
}

fn backup(a: &Args) -> Result<Manifest, Failure> {
    let c = super::conf::load(&[super::conf::db_flag(a.db.as_ref())]).map_err(|e| (e.clone(), e))?;
    let target = target(a.db.as_deref(), &c);
    prepare_dir(&a.dir)?;
    let key = c.audit_key_path();
    // A store never written by the platform has no secret yet: nothing to lock or to carry.
    let chain = if key.exists() {
        Some(store::AuditChain::open_existing(&key, &c.audit_head_path()).map_err(|e| (e.zh, e.en))?)
    } else {
        None
    };
    let mut m = Manifest {
        format: FORMAT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        backend: String::new(),
        created_at: store::time::now_rfc3339(),
        schema: Default::default(),
        pg_schema: None,
        files: Vec::new(),
    };
    // Connected before the lock is taken: the lock holds up every audited request meanwhile.
    let mut pg = if db::is_postgres(&target) { Some(store_postgres::PgStore::connect(&target).map_err(|e| (e.zh(), e.to_string()))?) } else { None };
    let lock = match &chain {
        Some(ch) => Some(ch.lock().map_err(|e| (e.zh(), e.to_string()))?),
        None => None,
    };
    let head_text = chain.as_ref().map(|ch| ch.head().read_text()).transpose().map_err(|e| (e.zh(), e.to_string()))?.flatten();
    if let Some(s) = pg.as_mut() {
        m.backend = "postgres".into();
        let snapshot = s.export_snapshot().map_err(|e| (e.zh(), e.to_string()))?;
        drop(lock);
        m.schema.insert("postgres".into(), s.schema_version().map_err(|e| (e.zh(), e.to_string()))?);
        m.pg_schema = Some(s.schema().to_string());
        let file = a.dir.join(PG_DUMP_NAME);
        let dumped = pg_dump(&target, s.schema(), &snapshot, &file);
        let _ = s.end_snapshot();
        dumped?;
        m.files.push(entry("pg_dump", &a.dir, PG_DUMP_NAME)?);
    } else {
        m.backend = "sqlite".into();
        let base = PathBuf::from(target.strip_prefix("sqlite://").unwrap_or(&target));
        let snap = store_sqlite::backup::Snapshot::begin(&base).map_err(|e| (e.zh(), e.to_string()))?;
        drop(lock);
        let copied = snap.write(&a.dir, SQLITE_NAMES).map_err(|e| (e.zh(), e.to_string()))?;
        for (cp, name) in copied.iter().zip(SQLITE_NAMES) {
            m.schema.insert(cp.role.into(), cp.schema_version);
            m.files.push(entry(cp.role, &a.dir, name)?);
        }
    }
    if chain.is_some() {
        let secret = std::fs::read(&key).map_err(|e| (format!("无法读取 {}：{e}", key.display()), format!("cannot read {}: {e}", key.display())))?;
        write_private(&a.dir.join(SECRET_NAME), &secret).map_err(|e| io(&a.dir.join(SECRET_NAME), e))?;
        m.files.push(entry("secret_key", &a.dir, SECRET_NAME)?);
    }
    if let Some(h) = head_text {
        write_private(&a.dir.join(HEAD_NAME), h.as_bytes()).map_err(|e| io(&a.dir.join(HEAD_NAME), e))?;
        m.files.push(entry("audit_head", &a.dir, HEAD_NAME)?);
    }
    let sums: String = m.files.iter().map(|f| format!("{}  {}\n", f.sha256, f.name)).collect();
    write_private(&a.dir.join("SHA256SUMS"), sums.as_bytes()).map_err(|e| io(&a.dir.join("SHA256SUMS"), e))?;
    let text = serde_json::to_string_pretty(&m).expect("serialises") + "\n";
    write_private(&a.dir.join("manifest.json"), text.as_bytes()).map_err(|e| io(&a.dir.join("manifest.json"), e))?;
    Ok(m)
}

/// The backup folder: new (0700: it holds personal data and the instance secret) or empty.
fn prepare_dir(dir: &Path) -> Result<(), Failure> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty {
            return Err((
                format!("备份目录 {} 已存在且不为空；请指定新目录", dir.display()),
                format!("the backup folder {} exists and is not empty; name a new folder", dir.display()),
            ));
        }
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| io(dir, e))
}

fn entry(role: &str, dir: &Path, name: &str) -> Result<FileEntry, Failure> {
    let p = dir.join(name);
    let (bytes, sha256) = sha256_file(&p).map_err(|e| io(&p, e))?;
    Ok(FileEntry { role: role.into(), name: name.into(), bytes, sha256 })
}

/// Runs a PostgreSQL client tool with the URL's password in `PGPASSWORD`, not on its command line.
pub fn pg_tool(tool: &str, url: &str, args: &[&str]) -> Result<(), Failure> {
    let (url, password) = store_postgres::backup::split_password(url);
    let mut cmd = std::process::Command::new(tool);
    cmd.args(args).arg("--dbname").arg(&url);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let o = cmd.output().map_err(|e| {
        (
            format!("无法运行 {tool}：{e}。请安装与服务器主版本相同的 PostgreSQL 客户端（Debian：apt install postgresql-client-15）"),
            format!("cannot run {tool}: {e}. Install the PostgreSQL client tools of the server's major version (Debian: apt install postgresql-client-15)"),
        )
    })?;
    if o.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&o.stderr);
    let err = err.lines().take(5).collect::<Vec<_>>().join("\n");
    Err((format!("{tool} 失败：\n{err}"), format!("{tool} failed:\n{err}")))
}

fn pg_dump(url: &str, schema: &str, snapshot: &str, file: &Path) -> Result<(), Failure> {
    let f = file.to_str().ok_or_else(|| io(file, std::io::Error::other("not UTF-8")))?;
    pg_tool("pg_dump", url, &["--format=custom", "--no-owner", "--no-privileges", &format!("--schema={schema}"), &format!("--snapshot={snapshot}"), "--file", f])?;
    #[cfg(unix)]
    std::fs::set_permissions(file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(|e| io(file, e))?;
    Ok(())
}
