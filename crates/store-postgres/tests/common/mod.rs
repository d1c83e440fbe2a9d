//! The test database: a fresh schema per test, `tianfu_test_{pid}_{n}`, dropped when the test
//! ends (and, on the next run, when a crashed run left one behind). Without
//! `TIANFU_TEST_DATABASE_URL` every test that needs the server prints a skip notice and passes.
#![allow(dead_code)] // each test binary uses a part

use standard::Entity;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;
use store::{
    Accounts, Anchor, ApiToken, AuditEntry, AuditEvent, AuditFilter, AuditLog, BatchId, BatchMeta, BatchSummary, Browse,
    Change, CityCounts, CountyGrade, ExportEntry, GradeCount, ImportBatch, NewApiToken, NewUser, OrgLevel, OrgUnit,
    Page, PersonQuery, Record, RecordFilter, RegionFigures, RejectedRow, SchoolQuery, Scope, SessionRecord, Store,
    StoreError, TableCounts, Transfer, User,
};
use store_postgres::PgStore;

pub const ENV: &str = "TIANFU_TEST_DATABASE_URL";
pub const PREFIX: &str = "tianfu_test_";

pub fn url() -> Option<String> {
    store_postgres::testing::database_url()
}

pub fn admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to the test database")
}

/// Drops the test schemas of processes that are gone (a crashed or killed run).
pub fn sweep(url: &str) {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| {
        if !std::path::Path::new("/proc/self").exists() {
            return;
        }
        let mut c = admin(url);
        let rows = c
            .query(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tianfu\\_test\\_%'",
                &[],
            )
            .unwrap();
        for r in rows {
            let name: &str = r.get(0);
            // `tianfu_test_<pid>_<n>`, and other suites' `tianfu_test_<tag>_<pid>[_<n>]`: the
            // first number is the process. A name without one is left alone (it is not ours to
            // judge; dropping it raced with other test binaries running at the same time).
            let Some(pid) = name[PREFIX.len()..].split('_').find(|p| p.parse::<u32>().is_ok()) else { continue };
            if pid != std::process::id().to_string()
                && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"));
            }
        }
    });
}

pub fn schema_name() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{PREFIX}{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A migrated store in a schema of its own, dropped with it.
pub struct TestStore {
    pub store: Option<PgStore>,
    pub url: String,
    pub schema: String,
}

impl TestStore {
    pub fn s(&mut self) -> &mut PgStore {
        self.store.as_mut().expect("store")
    }

    /// Another connection to the same schema.
    pub fn second(&self) -> PgStore {
        PgStore::connect_with_schema(&self.url, &self.schema).expect("second connection")
    }

    /// A plain client with the search path set to this schema.
    pub fn sql(&self) -> postgres::Client {
        let mut c = admin(&self.url);
        c.batch_execute(&format!("SET search_path TO \"{}\"", self.schema))
            .unwrap();
        c
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        self.store = None;
        let mut c = admin(&self.url);
        let _ = c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            self.schema
        ));
    }
}

/// The attacker of the audit suite: a plain client on the test's schema, with the audit log's
/// triggers switched off as the table's owner can.
pub struct Attacker {
    pub url: String,
    pub schema: String,
}

impl store::suite_audit::Tamper for Attacker {
    fn exec(&mut self, sql: &str) {
        let mut c = admin(&self.url);
        c.batch_execute(&format!("SET search_path TO \"{}\"; ALTER TABLE audit_log DISABLE TRIGGER USER", self.schema)).unwrap();
        c.batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    fn connect(&self) -> Box<dyn store::Backend> {
        Box::new(PgStore::connect_with_schema(&self.url, &self.schema).expect("another connection"))
    }
}

/// A fresh store and its attacker.
pub fn attacked() -> Option<(TestStore, Attacker)> {
    let t = fresh()?;
    let a = Attacker { url: t.url.clone(), schema: t.schema.clone() };
    Some((t, a))
}

/// A drop guard for a schema that a test created without a store.
pub struct SchemaGuard(pub String, pub String);

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let _ =
            admin(&self.0).batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.1));
    }
}

pub fn fresh() -> Option<TestStore> {
    let url = url()?;
    sweep(&url);
    let schema = schema_name();
    let (store, applied) =
        PgStore::connect_with_schema_and_migrate(&url, &schema).expect("connect and migrate");
    assert_eq!(applied as usize, store_postgres::MIGRATIONS.len(), "every migration once (the versions may have gaps)");
    Some(TestStore {
        store: Some(store),
        url,
        schema,
    })
}

impl Store for TestStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }
    fn begin_import<'a>(
        &'a mut self,
        meta: &BatchMeta,
    ) -> Result<Box<dyn ImportBatch + 'a>, StoreError> {
        self.s().begin_import(meta)
    }
    fn find_batch_by_hash(
        &mut self,
        entity: Entity,
        file_hash: &str,
    ) -> Result<Option<BatchSummary>, StoreError> {
        self.s().find_batch_by_hash(entity, file_hash)
    }
    fn school_codes(&mut self) -> Result<HashSet<u64>, StoreError> {
        self.s().school_codes()
    }
    fn list_batches(&mut self, limit: usize) -> Result<Vec<BatchSummary>, StoreError> {
        self.s().list_batches(limit)
    }
    fn get_batch(&mut self, id: BatchId) -> Result<Option<BatchSummary>, StoreError> {
        self.s().get_batch(id)
    }
    fn rejected_rows(
        &mut self,
        id: BatchId,
        f: &mut dyn FnMut(RejectedRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.s().rejected_rows(id, f)
    }
    fn export(
        &mut self,
        entity: Entity,
        filter: &RecordFilter,
        f: &mut dyn FnMut(&[String]) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        self.s().export(entity, filter, f)
    }
    fn log_export(&mut self, entry: &ExportEntry) -> Result<(), StoreError> {
        self.s().log_export(entry)
    }
    fn export_log(&mut self, limit: usize) -> Result<Vec<ExportEntry>, StoreError> {
        self.s().export_log(limit)
    }
    fn get_record(&mut self, entity: Entity, key: &str) -> Result<Option<Vec<String>>, StoreError> {
        self.s().get_record(entity, key)
    }
    fn changes(&mut self, entity: Entity, key: &str) -> Result<Vec<Change>, StoreError> {
        self.s().changes(entity, key)
    }
    fn transfers(&mut self, student_key: &str) -> Result<Vec<Transfer>, StoreError> {
        self.s().transfers(student_key)
    }
    fn student_counts(&mut self, region: Option<u32>) -> Result<Vec<CountyGrade>, StoreError> {
        self.s().student_counts(region)
    }
    fn city_counts(&mut self) -> Result<Vec<CityCounts>, StoreError> {
        self.s().city_counts()
    }
    fn table_counts(&mut self) -> Result<TableCounts, StoreError> {
        self.s().table_counts()
    }
}

impl Accounts for TestStore {
    fn user_count(&mut self) -> Result<u64, StoreError> {
        self.s().user_count()
    }
    fn create_user(&mut self, writer: &Scope, u: &NewUser) -> Result<i64, StoreError> {
        self.s().create_user(writer, u)
    }
    fn user_by_name(&mut self, name: &str) -> Result<Option<User>, StoreError> {
        self.s().user_by_name(name)
    }
    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StoreError> {
        self.s().user_by_id(id)
    }
    fn list_users(&mut self) -> Result<Vec<User>, StoreError> {
        self.s().list_users()
    }
    fn update_user(&mut self, writer: &Scope, u: &User) -> Result<(), StoreError> {
        self.s().update_user(writer, u)
    }
    fn begin_login_attempt(&mut self, user_id: i64, now: i64) -> Result<Option<u32>, StoreError> {
        self.s().begin_login_attempt(user_id, now)
    }
    fn login_succeeded(&mut self, user_id: i64, now: i64) -> Result<(), StoreError> {
        self.s().login_succeeded(user_id, now)
    }
    fn create_session(&mut self, s: &SessionRecord) -> Result<(), StoreError> {
        self.s().create_session(s)
    }
    fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.s().session(token_hash)
    }
    fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        self.s().touch_session(token_hash, now)
    }
    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.s().delete_session(token_hash)
    }
    fn delete_user_sessions(&mut self, user_id: i64) -> Result<(), StoreError> {
        self.s().delete_user_sessions(user_id)
    }
    fn expire_sessions(&mut self, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
        self.s().expire_sessions(idle_before, created_before)
    }
    fn create_token(&mut self, writer: &Scope, t: &NewApiToken) -> Result<ApiToken, StoreError> {
        self.s().create_token(writer, t)
    }
    fn token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        self.s().token_by_hash(token_hash)
    }
    fn list_tokens(&mut self) -> Result<Vec<ApiToken>, StoreError> {
        self.s().list_tokens()
    }
    fn revoke_token(&mut self, writer: &Scope, id: i64, now: i64) -> Result<bool, StoreError> {
        self.s().revoke_token(writer, id, now)
    }
}

impl AuditLog for TestStore {
    fn set_audit_chain(&mut self, chain: std::sync::Arc<store::AuditChain>) {
        self.s().set_audit_chain(chain)
    }
    fn append_audit(&mut self, e: &AuditEvent) -> Result<AuditEntry, StoreError> {
        self.s().append_audit(e)
    }
    fn append_audits(&mut self, es: &[AuditEvent]) -> Result<Vec<AuditEntry>, StoreError> {
        self.s().append_audits(es)
    }
    fn audit_entries(&mut self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        self.s().audit_entries(f)
    }
    fn audit_scan(&mut self, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().audit_scan(f)
    }
    fn audit_anchor(&mut self) -> Result<Option<Anchor>, StoreError> {
        self.s().audit_anchor()
    }
    fn prune_audit(&mut self, before: &str) -> Result<u64, StoreError> {
        self.s().prune_audit(before)
    }
}

impl Browse for TestStore {
    fn org_unit(&mut self, code: i64) -> Result<Option<OrgUnit>, StoreError> {
        self.s().org_unit(code)
    }
    fn org_children(&mut self, code: i64) -> Result<Vec<OrgUnit>, StoreError> {
        self.s().org_children(code)
    }
    fn schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<Page<Record>, StoreError> {
        self.s().schools(scope, q)
    }
    fn people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<Page<Record>, StoreError> {
        self.s().people(scope, entity, q)
    }
    fn record(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<Record>, StoreError> {
        self.s().record(scope, entity, key)
    }
    fn region_figures(&mut self, scope: &Scope, level: OrgLevel) -> Result<Vec<RegionFigures>, StoreError> {
        self.s().region_figures(scope, level)
    }
    fn grade_counts(&mut self, scope: &Scope) -> Result<Vec<GradeCount>, StoreError> {
        self.s().grade_counts(scope)
    }
    fn count_schools(&mut self, scope: &Scope, q: &SchoolQuery) -> Result<store::Total, StoreError> {
        self.s().count_schools(scope, q)
    }
    fn count_people(&mut self, scope: &Scope, entity: Entity, q: &PersonQuery) -> Result<store::Total, StoreError> {
        self.s().count_people(scope, entity, q)
    }
    fn record_history(&mut self, scope: &Scope, entity: Entity, key: &str) -> Result<Option<store::History>, StoreError> {
        self.s().record_history(scope, entity, key)
    }
    fn school_figures(&mut self, scope: &Scope) -> Result<Vec<store::SchoolFigures>, StoreError> {
        self.s().school_figures(scope)
    }
    fn change_batches(&mut self, entity: Entity, since: i64, limit: usize) -> Result<Vec<i64>, StoreError> {
        self.s().change_batches(entity, since, limit)
    }
    fn changed(&mut self, scope: &Scope, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Record)>, StoreError> {
        self.s().changed(scope, entity, batch, after, limit)
    }
    fn moved(&mut self, entity: Entity, batch: i64, after: Option<&str>, limit: usize) -> Result<Vec<(String, Vec<(String, String)>)>, StoreError> {
        self.s().moved(entity, batch, after, limit)
    }
}

impl store::Monitor for TestStore {
    fn create_site(&mut self, scope: &Scope, s: &store::NewSite, now: i64) -> Result<store::Site, StoreError> {
        self.s().create_site(scope, s, now)
    }
    fn update_site(&mut self, scope: &Scope, id: i64, s: &store::NewSite, now: i64) -> Result<bool, StoreError> {
        self.s().update_site(scope, id, s, now)
    }
    fn set_site_enabled(&mut self, scope: &Scope, id: i64, enabled: bool, now: i64) -> Result<bool, StoreError> {
        self.s().set_site_enabled(scope, id, enabled, now)
    }
    fn site(&mut self, id: i64) -> Result<Option<store::Site>, StoreError> {
        self.s().site(id)
    }
    fn sites(&mut self, scope: &Scope, q: &store::SiteQuery) -> Result<Page<store::Site>, StoreError> {
        self.s().sites(scope, q)
    }
    fn upsert_sites(&mut self, scope: &Scope, sites: &[store::NewSite], now: i64) -> Result<store::monitor::Upserted, StoreError> {
        self.s().upsert_sites(scope, sites, now)
    }
    fn claim_due(&mut self, worker: &str, now: i64, limit: usize) -> Result<Vec<store::Site>, StoreError> {
        self.s().claim_due(worker, now, limit)
    }
    fn record_result(&mut self, site_id: i64, r: &store::CheckSummary, next_due: i64) -> Result<(), StoreError> {
        self.s().record_result(site_id, r, next_due)
    }
    fn history(&mut self, site_id: i64, from: i64, to: i64) -> Result<store::monitor::History, StoreError> {
        self.s().history(site_id, from, to)
    }
    fn compact(&mut self, now: i64, r: &store::monitor::Retention) -> Result<store::monitor::Compaction, StoreError> {
        self.s().compact(now, r)
    }
    fn open_alert(&mut self, a: &store::NewAlert) -> Result<(store::Alert, bool), StoreError> {
        self.s().open_alert(a)
    }
    fn resolve_alert(&mut self, site_id: i64, kind: &str, at: i64) -> Result<Option<store::Alert>, StoreError> {
        self.s().resolve_alert(site_id, kind, at)
    }
    fn site_alerts(&mut self, site_id: i64) -> Result<Vec<store::Alert>, StoreError> {
        self.s().site_alerts(site_id)
    }
    fn list_alerts(&mut self, scope: &Scope, open_only: bool, limit: usize) -> Result<Vec<store::Alert>, StoreError> {
        self.s().list_alerts(scope, open_only, limit)
    }
    fn alerts_page(&mut self, scope: &Scope, q: &store::monitor::AlertQuery) -> Result<Page<store::Alert>, StoreError> {
        self.s().alerts_page(scope, q)
    }
    fn alert_counts(&mut self, scope: &Scope, q: &store::monitor::AlertQuery) -> Result<Vec<(String, store::monitor::AlertStatus, u64)>, StoreError> {
        self.s().alert_counts(scope, q)
    }
    fn alert_in(&mut self, scope: &Scope, id: i64) -> Result<Option<store::Alert>, StoreError> {
        self.s().alert_in(scope, id)
    }
    fn change_alert(&mut self, id: i64, c: &store::monitor::AlertChange) -> Result<bool, StoreError> {
        self.s().change_alert(id, c)
    }
    fn add_alert_note(&mut self, alert_id: i64, author: &str, at: i64, text: &str) -> Result<i64, StoreError> {
        self.s().add_alert_note(alert_id, author, at, text)
    }
    fn alert_notes(&mut self, alert_id: i64) -> Result<Vec<store::monitor::AlertNote>, StoreError> {
        self.s().alert_notes(alert_id)
    }
    fn webhooks(&mut self, scope: &Scope) -> Result<Vec<store::monitor::StoredWebhook>, StoreError> {
        self.s().webhooks(scope)
    }
    fn add_webhook(&mut self, scope: &Scope, w: &store::monitor::StoredWebhook) -> Result<i64, StoreError> {
        self.s().add_webhook(scope, w)
    }
    fn set_webhook_enabled(&mut self, scope: &Scope, id: i64, enabled: bool) -> Result<bool, StoreError> {
        self.s().set_webhook_enabled(scope, id, enabled)
    }
    fn delete_webhook(&mut self, scope: &Scope, id: i64) -> Result<bool, StoreError> {
        self.s().delete_webhook(scope, id)
    }
    fn site_counts(&mut self, scope: &Scope, q: &store::SiteQuery) -> Result<Vec<(store::SiteState, u64)>, StoreError> {
        self.s().site_counts(scope, q)
    }
    fn record_check(&mut self, site_id: i64, r: &store::CheckSummary, page: Option<&store::monitor::Snapshot>, next_due: i64) -> Result<(), StoreError> {
        self.s().record_check(site_id, r, page, next_due)
    }
    fn record_snapshot(&mut self, site_id: i64, page: &store::monitor::Snapshot) -> Result<(), StoreError> {
        self.s().record_snapshot(site_id, page)
    }
    fn snapshot(&mut self, site_id: i64) -> Result<Option<store::monitor::Snapshot>, StoreError> {
        self.s().snapshot(site_id)
    }
    fn baseline(&mut self, site_id: i64) -> Result<Option<store::monitor::Baseline>, StoreError> {
        self.s().baseline(site_id)
    }
    fn accept_baseline(&mut self, scope: &Scope, site_id: i64, by: &str, now: i64) -> Result<bool, StoreError> {
        self.s().accept_baseline(scope, site_id, by, now)
    }
    fn accept_missing_baselines(&mut self, scope: &Scope, by: &str, now: i64) -> Result<u64, StoreError> {
        self.s().accept_missing_baselines(scope, by, now)
    }
    fn missing_baselines(&mut self, scope: &Scope) -> Result<u64, StoreError> {
        self.s().missing_baselines(scope)
    }
    fn freshness(&mut self, scope: &Scope) -> Result<store::monitor::Freshness, StoreError> {
        self.s().freshness(scope)
    }
    fn claim_crawls(&mut self, worker: &str, now: i64, limit: usize) -> Result<Vec<store::Site>, StoreError> {
        self.s().claim_crawls(worker, now, limit)
    }
    fn record_crawl(&mut self, site_id: i64, c: &store::monitor::CrawlSummary, next_due: i64) -> Result<(), StoreError> {
        self.s().record_crawl(site_id, c, next_due)
    }
    fn ipv6_results(&mut self, scope: &Scope, category: Option<store::SiteCategory>) -> Result<Vec<store::monitor::Ipv6Result>, StoreError> {
        self.s().ipv6_results(scope, category)
    }
}

impl store::transfers::Transfers for TestStore {
    fn insert_transfer(&mut self, t: &store::transfers::TransferRequest) -> Result<i64, StoreError> {
        self.s().insert_transfer(t)
    }
    fn transfer(&mut self, id: i64) -> Result<Option<store::transfers::TransferRequest>, StoreError> {
        self.s().transfer(id)
    }
    fn transfers_in(&mut self, scope: &Scope, state: Option<store::transfers::TransferState>, limit: usize) -> Result<Vec<store::transfers::TransferRequest>, StoreError> {
        self.s().transfers_in(scope, state, limit)
    }
    fn finish_transfer(&mut self, id: i64, state: store::transfers::TransferState, by: &str, note: &str, batch_id: Option<i64>, at: i64) -> Result<bool, StoreError> {
        self.s().finish_transfer(id, state, by, note, batch_id, at)
    }
}

impl store::calendar::CalendarStore for TestStore {
    fn put_calendar_year(&mut self, y: &store::calendar::CalendarYear, by: &str, at: i64) -> Result<(), StoreError> {
        self.s().put_calendar_year(y, by, at)
    }
    fn calendar_years(&mut self) -> Result<Vec<store::calendar::CalendarYear>, StoreError> {
        self.s().calendar_years()
    }
}

impl store::attachments::AttachmentIndex for TestStore {
    fn insert_attachment(&mut self, a: &store::attachments::Attachment) -> Result<i64, StoreError> {
        self.s().insert_attachment(a)
    }
    fn attachment(&mut self, scope: &Scope, id: i64) -> Result<Option<store::attachments::Attachment>, StoreError> {
        self.s().attachment(scope, id)
    }
    fn attachments_in(&mut self, scope: &Scope, limit: usize) -> Result<Vec<store::attachments::Attachment>, StoreError> {
        self.s().attachments_in(scope, limit)
    }
}

impl store::failed_uploads::FailedUploads for TestStore {
    fn record_failed_upload(&mut self, writer: &Scope, u: &store::failed_uploads::NewFailedUpload) -> Result<i64, StoreError> {
        self.s().record_failed_upload(writer, u)
    }
    fn failed_uploads(&mut self, reader: &Scope, account: Option<&str>, limit: usize) -> Result<Vec<store::failed_uploads::FailedUpload>, StoreError> {
        self.s().failed_uploads(reader, account, limit)
    }
}

// The 等保 register's primitives (store::mlps gives the scoped trait on top).
impl store::duty::DutySql for TestStore {
    fn duty_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn duty_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().duty_rows(sql, args, each)
    }
    fn duty_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        self.s().duty_exec(sql, args)
    }
    fn duty_org_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().duty_org_rows(sql, args, each)
    }
}

impl store::mlps::MlpsSql for TestStore {
    fn mlps_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn mlps_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().mlps_rows(sql, args, each)
    }
    fn mlps_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        self.s().mlps_exec(sql, args)
    }
    fn mlps_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.s().mlps_batch(sql)
    }
    fn mlps_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        self.s().mlps_org(code)
    }
}

// The remembered aggregates' tables (store::memo).
impl store::memo::MemoSql for TestStore {
    fn memo_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn memo_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().memo_rows(sql, args, each)
    }
    fn memo_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        self.s().memo_exec(sql, args)
    }
}

// The 责任制 / 正版化 registers' primitives (store::ledger gives the scoped trait on top).
impl store::ledger::LedgerSql for TestStore {
    fn ledger_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn ledger_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().ledger_rows(sql, args, each)
    }
    fn ledger_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        self.s().ledger_exec(sql, args)
    }
    fn ledger_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        self.s().ledger_org(code)
    }
}

// The plan tracker's primitives (store::plan gives the scoped trait on top).
impl store::plan::PlanSql for TestStore {
    fn plan_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn plan_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        store::plan::PlanSql::plan_rows(self.s(), sql, args, each)
    }
    fn plan_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        store::plan::PlanSql::plan_exec(self.s(), sql, args)
    }
    fn plan_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        store::plan::PlanSql::plan_batch(self.s(), sql)
    }
    fn plan_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        store::plan::PlanSql::plan_org(self.s(), code)
    }
}

// The education-app register's primitives (store::apps gives the scoped trait on top).
impl store::apps::AppsSql for TestStore {
    fn apps_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn apps_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().apps_rows(sql, args, each)
    }
    fn apps_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        self.s().apps_exec(sql, args)
    }
    fn apps_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.s().apps_batch(sql)
    }
    fn apps_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError> {
        self.s().apps_org(code)
    }
}

// The primitives of inspections, drills and items (store::checks gives the scoped trait).
impl store::checks::ChecksSql for TestStore {
    fn checks_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn checks_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().checks_rows(sql, args, each)
    }
    fn checks_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        self.s().checks_exec(sql, args)
    }
    fn checks_tree_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().checks_tree_rows(sql, args, each)
    }
}

impl store::incidents::Incidents for TestStore {
    fn insert_incident(&mut self, scope: &Scope, i: &store::incidents::Incident, first: &store::incidents::Step) -> Result<i64, StoreError> {
        self.s().insert_incident(scope, i, first)
    }
    fn incident(&mut self, scope: &Scope, id: i64) -> Result<Option<store::incidents::Incident>, StoreError> {
        self.s().incident(scope, id)
    }
    fn incidents(&mut self, scope: &Scope, q: &store::incidents::IncidentQuery) -> Result<Vec<store::incidents::Incident>, StoreError> {
        self.s().incidents(scope, q)
    }
    fn incident_counts(&mut self, scope: &Scope, q: &store::incidents::IncidentQuery) -> Result<Vec<(store::incidents::IncidentState, u64)>, StoreError> {
        self.s().incident_counts(scope, q)
    }
    fn update_incident(&mut self, scope: &Scope, i: &store::incidents::Incident, from: store::incidents::IncidentState, step: &store::incidents::Step) -> Result<bool, StoreError> {
        self.s().update_incident(scope, i, from, step)
    }
    fn incident_steps(&mut self, scope: &Scope, id: i64) -> Result<Vec<store::incidents::Step>, StoreError> {
        self.s().incident_steps(scope, id)
    }
    fn open_incident_for(&mut self, scope: &Scope, site_id: i64, finding: &str) -> Result<Option<store::incidents::Incident>, StoreError> {
        self.s().open_incident_for(scope, site_id, finding)
    }
    fn attach_to_incident(&mut self, scope: &Scope, incident_id: i64, attachment_id: i64, step: &store::incidents::Step) -> Result<(), StoreError> {
        self.s().attach_to_incident(scope, incident_id, attachment_id, step)
    }
    fn incident_files(&mut self, scope: &Scope, incident_id: i64) -> Result<Vec<store::incidents::IncidentFile>, StoreError> {
        self.s().incident_files(scope, incident_id)
    }
}

impl store::facts::Facts for TestStore {
    fn school_facts(&mut self, scope: &Scope) -> Result<Vec<store::facts::SchoolFacts>, StoreError> {
        self.s().school_facts(scope)
    }
    fn teacher_births(&mut self, scope: &Scope, per_school: bool) -> Result<Vec<store::facts::BirthBucket>, StoreError> {
        self.s().teacher_births(scope, per_school)
    }
    fn refresh_facts(&mut self, scope: &Scope) -> Result<u64, StoreError> {
        self.s().refresh_facts(scope)
    }
    fn county_facts(&mut self, scope: &Scope) -> Result<Vec<store::facts::CountyFacts>, StoreError> {
        self.s().county_facts(scope)
    }
    fn county_births(&mut self, scope: &Scope, school_year: u16) -> Result<Vec<store::facts::BirthBucket>, StoreError> {
        self.s().county_births(scope, school_year)
    }
    fn keep_county_facts(&mut self, scope: &Scope, rows: &[store::facts::CountyFacts]) -> Result<u64, StoreError> {
        self.s().keep_county_facts(scope, rows)
    }
    fn class_sizes(&mut self, scope: &Scope, school: Option<&str>, band: store::facts::Band) -> Result<Vec<store::facts::ClassSize>, StoreError> {
        self.s().class_sizes(scope, school, band)
    }
}

impl store::conditions::ConditionsSql for TestStore {
    fn conditions_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn conditions_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().conditions_rows(sql, args, each)
    }
}

impl store::quality::Quality for TestStore {
    fn refresh_quality(&mut self, scope: &Scope, day: standard::Date) -> Result<u64, StoreError> {
        self.s().refresh_quality(scope, day)
    }
    fn quality(&mut self, scope: &Scope) -> Result<Vec<store::quality::ProviderQuality>, StoreError> {
        self.s().quality(scope)
    }
    fn quality_trend(&mut self, scope: &Scope, county: u32, school: &str) -> Result<Vec<store::quality::ProviderQuality>, StoreError> {
        self.s().quality_trend(scope, county, school)
    }
    fn offenders(&mut self, scope: &Scope, offence: store::quality::Offence, county: u32, school: &str) -> Result<Vec<store::quality::Offender>, StoreError> {
        self.s().offenders(scope, offence, county, school)
    }
    fn create_round(&mut self, scope: &Scope, r: &store::quality::NewRound, by: &str) -> Result<i64, StoreError> {
        self.s().create_round(scope, r, by)
    }
    fn rounds(&mut self, scope: &Scope) -> Result<Vec<store::quality::Round>, StoreError> {
        self.s().rounds(scope)
    }
    fn round_status(&mut self, scope: &Scope, id: i64, today: standard::Date) -> Result<(store::quality::Round, Vec<store::quality::RoundStatus>), StoreError> {
        self.s().round_status(scope, id, today)
    }
    fn record_round_reminder(&mut self, scope: &Scope, id: i64, county: u32, day: standard::Date) -> Result<bool, StoreError> {
        self.s().record_round_reminder(scope, id, county, day)
    }
}

impl store::schoolmap::SchoolMapSql for TestStore {
    fn map_dialect(&self) -> store::sql::Dialect {
        store::sql::Dialect::Postgres
    }
    fn map_base_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().map_base_rows(sql, args, each)
    }
    fn map_note_rows(&mut self, sql: &str, args: Vec<store::sql::Arg>, each: &mut dyn FnMut(&dyn store::sql::SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        self.s().map_note_rows(sql, args, each)
    }
    fn map_note_exec(&mut self, sql: &str, args: Vec<store::sql::Arg>) -> Result<u64, StoreError> {
        self.s().map_note_exec(sql, args)
    }
}
