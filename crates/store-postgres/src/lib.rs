//! 存储 · PostgreSQL — the production backend of [`store::Store`], and of the platform traits
//! ([`store::Accounts`], [`store::AuditLog`], [`store::Browse`]; tables of migration 0002).
//!
//! - Connecting never changes the schema: [`PgStore::connect`] checks that the schema is
//!   migrated and fails with [`StoreError::Schema`] (“run tianfu migrate”) when it is behind;
//!   [`PgStore::connect_and_migrate`] applies the embedded migrations first (`tianfu migrate`,
//!   tests, development).
//! - An import streams its rows into a temporary staging table with binary `COPY`, then applies
//!   them at commit with a handful of set-based statements (see [`batch`]).
//! - SQL stays within what PostgreSQL-compatible government databases (openGauss, KingbaseES)
//!   accept: no extensions, no JSONB operators, no `MERGE`.
//!
//! Tests: `TIANFU_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p
//! store-postgres` (each test in a schema of its own; without the variable they are skipped).
//! Throughput: `cargo run --release -p store-postgres --example pg_import_bench -- 1000000`
//! (`TIANFU_PG_TRACE=1` prints the time of every import statement).
//!
//! The first import into an empty table drops the table's indexes and builds them again at
//! commit, which needs the role to own the tables (else rows are inserted with the indexes in
//! place, slower); readers of those tables wait for that commit. A large import into a large
//! table holds 16 bytes per stored row in memory (the stored hashes), plus the rows it has
//! read before deciding to load them (1/32 of the table, at most 500 000 rows, ~130 MB).
#![forbid(unsafe_code)]

pub mod backup;
mod batch;
mod browse;
mod copy;
mod error;
mod incidents;
mod kit;
mod known;
mod sender;
mod migrate;
mod ledger;
mod plan;
mod quality;
mod apps;
mod checks;
mod conditions;
mod mlps;
mod duty;
mod facts;
mod monitor;
mod platform;
mod schoolmap;
mod sql;
mod spec;
mod transfers;
pub mod testing;

use error::pg;
use postgres::types::ToSql;
use postgres::{Client, Config, IsolationLevel, NoTls, Row};
use spec::{q, Spec};
use standard::Entity;
use std::collections::HashSet;
use std::time::Duration;
use store::{
    BatchId, BatchMeta, BatchSummary, Change, CityCounts, CountyGrade, ExportEntry, ImportBatch,
    RecordFilter, RejectedRow, Store, StoreError, TableCounts, Transfer,
};

pub use batch::{lock_key, BULK_MIN_ROWS, LOAD_MAX_ROWS, LOAD_MIN_ROWS};
pub use migrate::{LATEST_VERSION, MIGRATIONS};

/// How long to wait for the server to accept a connection, unless the URL says
/// (`connect_timeout=` seconds).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows fetched per round trip when streaming (exports, rejected rows).
const FETCH_ROWS: i32 = 5_000;

/// How to open a [`PgStore`].
#[derive(Debug, Clone, Default)]
pub struct PgOptions {
    /// A schema other than the URL's default search path: created if missing, then the only
    /// schema on the search path. Plain identifiers only (`[a-z_][a-z0-9_]*`).
    pub schema: Option<String>,
    /// Apply the embedded migrations before checking the schema version.
    pub migrate: bool,
}

/// A PostgreSQL store: one connection.
pub struct PgStore {
    client: Client,
    /// `current_schema()` once connected: where the tables are.
    schema: String,
    /// `host:port/dbname`, for messages (never the password).
    target: String,
    /// The audit chain's keys and head file ([`store::AuditLog::set_audit_chain`]).
    audit_chain: Option<std::sync::Arc<store::AuditChain>>,
    /// How this store connected: a large import opens a second connection like it (see
    /// `sender`).
    cfg: Config,
}

impl PgStore {
    /// Connects to a migrated database (`postgres://user[:password]@host[:port]/dbname`).
    /// An unreachable server gives [`StoreError::Unavailable`] within [`CONNECT_TIMEOUT`];
    /// a schema that is not migrated, or older than this program, [`StoreError::Schema`].
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        PgStore::open(url, &PgOptions::default()).map(|(s, _)| s)
    }

    /// Like [`PgStore::connect`], in `schema` (created if missing; it must be migrated).
    pub fn connect_with_schema(url: &str, schema: &str) -> Result<PgStore, StoreError> {
        PgStore::open(
            url,
            &PgOptions {
                schema: Some(schema.to_string()),
                migrate: false,
            },
        )
        .map(|(s, _)| s)
    }

    /// Connects and applies the embedded migrations that are missing; returns how many were
    /// applied (0 when the schema was up to date). What `tianfu migrate` runs.
    pub fn connect_and_migrate(url: &str) -> Result<(PgStore, u32), StoreError> {
        PgStore::open(
            url,
            &PgOptions {
                schema: None,
                migrate: true,
            },
        )
    }

    /// [`PgStore::connect_and_migrate`] in `schema` (created if missing).
    pub fn connect_with_schema_and_migrate(
        url: &str,
        schema: &str,
    ) -> Result<(PgStore, u32), StoreError> {
        PgStore::open(
            url,
            &PgOptions {
                schema: Some(schema.to_string()),
                migrate: true,
            },
        )
    }

    /// The general constructor: returns the store and the number of migrations applied.
    pub fn open(url: &str, opts: &PgOptions) -> Result<(PgStore, u32), StoreError> {
        let mut cfg: Config = url
            .parse()
            .map_err(|e| StoreError::Unavailable(format!("invalid database URL: {e}")))?;
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(CONNECT_TIMEOUT);
        }
        if cfg.get_application_name().is_none() {
            cfg.application_name("tianfu");
        }
        let target = describe_target(&cfg);
        let mut client = cfg
            .connect(NoTls)
            .map_err(|e| StoreError::Unavailable(format!("{target}: {}", error::describe(&e))))?;

        let encoding: String = client
            .query_one("SHOW server_encoding", &[])
            .map_err(pg)?
            .get(0);
        if !encoding.eq_ignore_ascii_case("UTF8") {
            return Err(StoreError::Schema(format!("{target}: the database encoding is {encoding}; Tianfu needs UTF8 (CREATE DATABASE … ENCODING 'UTF8')")));
        }
        // A client killed in the middle of a long statement (an import's COPY or merge) would
        // otherwise keep its transaction, and the import's advisory lock, until that statement
        // ends; from PostgreSQL 14 the server checks the connection while it works and aborts.
        let version: i32 = client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .map_err(pg)?
            .get(0);
        if version >= 140_000 {
            client
                .batch_execute("SET client_connection_check_interval = '1s'")
                .map_err(pg)?;
        }
        if let Some(schema) = &opts.schema {
            if !valid_schema_name(schema) {
                return Err(StoreError::Internal(format!(
                    "invalid schema name “{schema}”: use [a-z_][a-z0-9_]*"
                )));
            }
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {0}; SET search_path TO {0}",
                    q(schema)
                ))
                .map_err(pg)?;
        }
        let schema: Option<String> = client
            .query_one("SELECT current_schema()", &[])
            .map_err(pg)?
            .get(0);
        let Some(schema) = schema else {
            return Err(StoreError::Schema(format!(
                "{target}: no schema on the search path exists: create it, then run tianfu migrate"
            )));
        };
        let mut store = PgStore {
            client,
            schema,
            target,
            audit_chain: None,
            cfg,
        };
        let applied = if opts.migrate { store.migrate()? } else { 0 };
        let version = migrate::current_version(&mut store.client, &store.schema)?;
        if version < LATEST_VERSION {
            return Err(StoreError::Schema(match version {
                0 => format!("{} (schema {}) has no Tianfu tables: run tianfu migrate", store.target, store.schema),
                v => format!("{} (schema {}) is at version {v}, this program needs {LATEST_VERSION}: run tianfu migrate", store.target, store.schema),
            }));
        }
        Ok((store, applied))
    }

    /// Applies the embedded migrations that are missing, each in its own transaction; returns
    /// how many were applied. Safe to run concurrently and repeatedly.
    pub fn migrate(&mut self) -> Result<u32, StoreError> {
        migrate::run(&mut self.client, &self.schema)
    }

    /// The schema the tables are in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    fn query_records(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        f: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        // A read-only snapshot; a portal pages through the result so that memory stays flat.
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .isolation_level(IsolationLevel::RepeatableRead)
            .start()
            .map_err(pg)?;
        let portal = tx.bind(sql, params).map_err(pg)?;
        let mut n = 0u64;
        loop {
            let rows = tx.query_portal(&portal, FETCH_ROWS).map_err(pg)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                f(r)?;
                n += 1;
            }
            if rows.len() < FETCH_ROWS as usize {
                break;
            }
        }
        tx.commit().map_err(pg)?;
        Ok(n)
    }
}

fn valid_schema_name(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_lowercase() || c == b'_')
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        && s.len() <= 63
}

fn describe_target(cfg: &Config) -> String {
    let host = match cfg.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let db = cfg.get_dbname().or(cfg.get_user()).unwrap_or("");
    format!("PostgreSQL {host}:{port}/{db}")
}

fn batch_from_row(r: &Row) -> Result<BatchSummary, StoreError> {
    let entity: String = r.get("entity");
    Ok(BatchSummary {
        id: r.get("id"),
        entity: Entity::parse(&entity)
            .ok_or_else(|| StoreError::Internal(format!("unknown entity “{entity}” in batches")))?,
        file_name: r.get("file_name"),
        file_hash: r.get("file_hash"),
        user: r.get("user_name"),
        started_at: r.get("started_at"),
        finished_at: r
            .get::<_, Option<String>>("finished_at")
            .unwrap_or_default(),
        rows_read: r.get::<_, i64>("rows_read") as u64,
        inserted: r.get::<_, i64>("inserted") as u64,
        updated: r.get::<_, i64>("updated") as u64,
        unchanged: r.get::<_, i64>("unchanged") as u64,
        rejected: r.get::<_, i64>("rejected") as u64,
        report_json: r.get("report_json"),
    })
}

const BATCH_COLUMNS: &str = "id, entity, file_name, file_hash, user_name, started_at, finished_at, rows_read, inserted, updated, unchanged, rejected, report_json";

/// A GB/T 2260 code as the range of county codes it covers: the province `xx0000` covers
/// `xx0000..=xx9999`, a city `xxyy00` covers `xxyy00..=xxyy99`, a county itself.
fn region_range(code: u32) -> (i32, i32) {
    let (lo, hi) = store::region_range(code);
    (lo as i32, hi as i32)
}

/// The same as a prefix of the 6-digit text code.
fn region_prefix(code: u32) -> String {
    let s = format!("{code:06}");
    if code / 10_000 * 10_000 == code {
        s[..2].to_string()
    } else if code / 100 * 100 == code {
        s[..4].to_string()
    } else {
        s
    }
}

fn row_values(r: &Row, n: usize, out: &mut Vec<String>) {
    out.clear();
    for i in 0..n {
        out.push(r.get::<_, String>(i));
    }
}

impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn begin_import<'a>(
        &'a mut self,
        meta: &BatchMeta,
    ) -> Result<Box<dyn ImportBatch + 'a>, StoreError> {
        let schema = self.schema.clone();
        let spare = batch::SpareConnection { cfg: self.cfg.clone(), schema: schema.clone() };
        Ok(Box::new(batch::PgBatch::begin(
            &mut self.client,
            &schema,
            meta,
            Some(spare),
        )?))
    }

    fn find_batch_by_hash(
        &mut self,
        entity: Entity,
        file_hash: &str,
    ) -> Result<Option<BatchSummary>, StoreError> {
        let sql = format!("SELECT {BATCH_COLUMNS} FROM batches WHERE entity = $1 AND file_hash = $2 AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1");
        self.client
            .query_opt(&sql, &[&entity.key(), &file_hash])
            .map_err(pg)?
            .map(|r| batch_from_row(&r))
            .transpose()
    }

    fn school_codes(&mut self) -> Result<HashSet<u64>, StoreError> {
        let rows = self
            .client
            .query("SELECT school_code FROM schools", &[])
            .map_err(pg)?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get::<_, &str>(0).parse::<u64>().ok())
            .collect())
    }

    fn list_batches(&mut self, limit: usize) -> Result<Vec<BatchSummary>, StoreError> {
        let sql = format!("SELECT {BATCH_COLUMNS} FROM batches WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT $1");
        let limit = limit.min(i64::MAX as usize) as i64;
        self.client
            .query(&sql, &[&limit])
            .map_err(pg)?
            .iter()
            .map(batch_from_row)
            .collect()
    }

    fn get_batch(&mut self, id: BatchId) -> Result<Option<BatchSummary>, StoreError> {
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1 AND finished_at IS NOT NULL"
        );
        self.client
            .query_opt(&sql, &[&id])
            .map_err(pg)?
            .map(|r| batch_from_row(&r))
            .transpose()
    }

    fn rejected_rows(
        &mut self,
        id: BatchId,
        f: &mut dyn FnMut(RejectedRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let sql =
            "SELECT line, raw_json, codes FROM rejected_rows WHERE batch_id = $1 ORDER BY line";
        self.query_records(sql, &[&id], &mut |r| {
            f(RejectedRow::from_stored(id, r.get::<_, i64>(0) as u64, r.get(1), r.get(2))?)
        })?;
        Ok(())
    }

    fn export(
        &mut self,
        entity: Entity,
        filter: &RecordFilter,
        f: &mut dyn FnMut(&[String]) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let spec = Spec::of(entity);
        let mut sql = format!(
            "SELECT {} FROM {}",
            spec.select_list(),
            spec.record_tables()
        );
        if matches!(entity, Entity::Teacher | Entity::Conditions) && filter.region.is_some() {
            sql.push_str(" LEFT JOIN schools sc ON sc.school_code = t.school_code");
        }
        let mut conds: Vec<String> = Vec::new();
        let mut params: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        if let Some(code) = filter.region {
            match entity {
                Entity::Student => {
                    let (lo, hi) = region_range(code);
                    params.push(Box::new(lo));
                    params.push(Box::new(hi));
                    conds.push(format!(
                        "e.county_code BETWEEN ${} AND ${}",
                        params.len() - 1,
                        params.len()
                    ));
                }
                Entity::School | Entity::Teacher | Entity::Conditions => {
                    let col = if entity == Entity::School {
                        "t.region_code"
                    } else {
                        "sc.region_code"
                    };
                    let prefix = region_prefix(code);
                    let n = prefix.len() as i32;
                    params.push(Box::new(prefix));
                    conds.push(format!("left({col}, {n}) = ${}", params.len()));
                }
            }
        }
        if let Some(school) = &filter.school {
            params.push(Box::new(school.clone()));
            let col = if entity == Entity::Student {
                "e.school_code"
            } else {
                "t.school_code"
            };
            conds.push(format!("{col} = ${}", params.len()));
        }
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY t.{}", spec.key_col));
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
        let n = spec.fields.len();
        let mut values = Vec::with_capacity(n);
        self.query_records(&sql, &refs, &mut |r| {
            row_values(r, n, &mut values);
            f(&values)
        })
    }

    fn log_export(&mut self, entry: &ExportEntry) -> Result<(), StoreError> {
        let rows = entry.rows.min(i64::MAX as u64) as i64;
        self.client
            .execute(
                "INSERT INTO exports (user_name, at, entity, filter, format, rows, masked) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&entry.user, &store::time::now_rfc3339(), &entry.entity.key(), &entry.filter, &entry.format, &rows, &entry.masked],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn export_log(&mut self, limit: usize) -> Result<Vec<ExportEntry>, StoreError> {
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = self.client.query("SELECT user_name, at, entity, filter, format, rows, masked FROM exports ORDER BY id DESC LIMIT $1", &[&limit]).map_err(pg)?;
        rows.iter()
            .map(|r| {
                let entity: &str = r.get(2);
                Ok(ExportEntry {
                    user: r.get(0),
                    at: r.get(1),
                    entity: Entity::parse(entity).ok_or_else(|| {
                        StoreError::Internal(format!("unknown entity “{entity}” in exports"))
                    })?,
                    filter: r.get(3),
                    format: r.get(4),
                    rows: r.get::<_, i64>(5) as u64,
                    masked: r.get(6),
                })
            })
            .collect()
    }

    fn get_record(&mut self, entity: Entity, key: &str) -> Result<Option<Vec<String>>, StoreError> {
        let spec = Spec::of(entity);
        let sql = format!(
            "SELECT {} FROM {} WHERE t.{} = $1",
            spec.select_list(),
            spec.record_tables(),
            spec.key_col
        );
        let row = self.client.query_opt(&sql, &[&key]).map_err(pg)?;
        Ok(row.map(|r| {
            let mut v = Vec::new();
            row_values(&r, spec.fields.len(), &mut v);
            v
        }))
    }

    fn changes(&mut self, entity: Entity, key: &str) -> Result<Vec<Change>, StoreError> {
        let rows = self.client.query("SELECT batch_id, field, old_value, new_value FROM change_log WHERE entity = $1 AND record_key = $2 ORDER BY id", &[&entity.key(), &key]).map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| Change {
                batch_id: r.get(0),
                entity,
                record_key: key.to_string(),
                field: r.get(1),
                old_value: r.get(2),
                new_value: r.get(3),
            })
            .collect())
    }

    fn transfers(&mut self, student_key: &str) -> Result<Vec<Transfer>, StoreError> {
        let rows = self.client.query("SELECT batch_id, from_school, to_school, transfer_date FROM transfers WHERE student_key = $1 ORDER BY id", &[&student_key]).map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| Transfer {
                batch_id: r.get(0),
                student_key: student_key.to_string(),
                from_school: r.get(1),
                to_school: r.get(2),
                date: r.get(3),
            })
            .collect())
    }

    fn student_counts(&mut self, region: Option<u32>) -> Result<Vec<CountyGrade>, StoreError> {
        // Grade 0 (students without a grade) is kept for the city totals, not listed here.
        let (lo, hi) = region.map(region_range).unwrap_or((0, i32::MAX));
        let rows = self.client.query("SELECT county_code, grade, students FROM student_counts WHERE grade > 0 AND county_code BETWEEN $1 AND $2 ORDER BY county_code, grade", &[&lo, &hi]).map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| CountyGrade {
                county: r.get::<_, i32>(0) as u32,
                grade: r.get::<_, i32>(1).clamp(0, 255) as u8,
                students: r.get::<_, i64>(2) as u64,
            })
            .collect())
    }

    fn city_counts(&mut self) -> Result<Vec<CityCounts>, StoreError> {
        Ok(store::Browse::region_figures(self, &store::Scope::all(), store::OrgLevel::City)?.into_iter().map(CityCounts::from).collect())
    }

    fn table_counts(&mut self) -> Result<TableCounts, StoreError> {
        let r = self
            .client
            .query_one(
                "SELECT (SELECT count(*) FROM enrolments), (SELECT count(*) FROM batches WHERE finished_at IS NOT NULL), \
                 (SELECT count(*) FROM rejected_rows), (SELECT count(*) FROM change_log), (SELECT count(*) FROM transfers), (SELECT count(*) FROM exports)",
                &[],
            )
            .map_err(pg)?;
        let n = |i: usize| r.get::<_, i64>(i) as u64;
        let mut c = TableCounts {
            enrolments: n(0),
            batches: n(1),
            rejected_rows: n(2),
            changes: n(3),
            transfers: n(4),
            exports: n(5),
            ..TableCounts::default()
        };
        // The digest: every stored record's row_hash added up, wrapped to 64 bits (summed as
        // numeric in SQL, so it cannot overflow there).
        let mut digest: i64 = 0;
        for (table, slot) in [
            ("schools", &mut c.schools),
            ("teachers", &mut c.teachers),
            ("students", &mut c.students),
        ] {
            let r = self
                .client
                .query_one(
                    &format!(
                        "SELECT count(*), coalesce(sum(row_hash::numeric), 0)::text FROM {table}"
                    ),
                    &[],
                )
                .map_err(pg)?;
            *slot = r.get::<_, i64>(0) as u64;
            let sum: &str = r.get(1);
            let sum: i128 = sum
                .parse()
                .map_err(|e| StoreError::Internal(format!("digest of {table}: {e}")))?;
            digest = digest.wrapping_add(sum as i64);
        }
        c.content_digest = digest;
        Ok(c)
    }
}
