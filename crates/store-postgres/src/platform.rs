//! Accounts, sessions, API tokens and the audit log (migration 0002), beside the base tables.

use crate::error::pg;
use crate::PgStore;
use postgres::types::ToSql;
use postgres::Row;
use postgres::{GenericClient, Transaction};
use store::audit::{AuditView, ChainTx, NO_CHAIN};
use store::time::unix_now as now;
use store::accounts::{check_account_write, check_area, check_token, must_change, AttemptState, LOGIN_BACKOFF};
use store::{
    Accounts, Anchor, ApiToken, AuditChain, AuditEntry, AuditEvent, AuditFilter, AuditLog, NewApiToken, NewUser, Role, Scope,
    SessionRecord, StoreError, User,
};

const USER_COLS: &str = "id, name, display_name, role, org_code, password_hash, must_change_password, disabled, failed_logins, locked_until, created_at, last_login_at";

fn user_from(r: &Row) -> Result<User, StoreError> {
    let role: &str = r.get(3);
    Ok(User {
        id: r.get(0),
        name: r.get(1),
        display_name: r.get(2),
        role: Role::from_code(role).ok_or_else(|| StoreError::Internal(format!("unknown role “{role}” in users")))?,
        org_code: r.get(4),
        password_hash: r.get(5),
        must_change_password: r.get(6),
        disabled: r.get(7),
        failed_logins: r.get::<_, i32>(8).max(0) as u32,
        locked_until: r.get(9),
        created_at: r.get(10),
        last_login_at: r.get(11),
    })
}

const TOKEN_COLS: &str = "id, name, user_id, token_hash, prefix, created_at, created_by, revoked_at, expires_at";

fn token_from(r: &Row) -> ApiToken {
    ApiToken {
        id: r.get(0),
        name: r.get(1),
        user_id: r.get(2),
        token_hash: r.get(3),
        prefix: r.get(4),
        created_at: r.get(5),
        created_by: r.get(6),
        revoked_at: r.get(7),
        expires_at: r.get(8),
    }
}

fn session_from(r: &Row) -> SessionRecord {
    SessionRecord { token_hash: r.get(0), user_id: r.get(1), csrf: r.get(2), created_at: r.get(3), last_seen: r.get(4), ip: r.get(5) }
}

impl Accounts for PgStore {
    fn user_count(&mut self) -> Result<u64, StoreError> {
        let r = self.client.query_one("SELECT count(*) FROM users", &[]).map_err(pg)?;
        Ok(r.get::<_, i64>(0) as u64)
    }

    fn create_user(&mut self, writer: &Scope, u: &NewUser) -> Result<i64, StoreError> {
        check_account_write(self, writer, u.role, u.org_code, None)?;
        let r = self.client.query_one(
            "INSERT INTO users (name, display_name, role, org_code, password_hash, must_change_password, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[&u.name, &u.display_name, &u.role.code(), &u.org_code, &u.password_hash, &must_change(u.role, u.must_change_password), &now()],
        );
        match r {
            Ok(r) => Ok(r.get(0)),
            Err(e) => Err(match pg(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("用户名 {} 已存在（the account name {} is taken）", u.name, u.name)),
                other => other,
            }),
        }
    }

    fn user_by_name(&mut self, name: &str) -> Result<Option<User>, StoreError> {
        let r = self.client.query_opt(&format!("SELECT {USER_COLS} FROM users WHERE name = $1"), &[&name]).map_err(pg)?;
        r.as_ref().map(user_from).transpose()
    }

    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StoreError> {
        let r = self.client.query_opt(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"), &[&id]).map_err(pg)?;
        r.as_ref().map(user_from).transpose()
    }

    fn list_users(&mut self) -> Result<Vec<User>, StoreError> {
        let rows = self.client.query(&format!("SELECT {USER_COLS} FROM users ORDER BY name"), &[]).map_err(pg)?;
        rows.iter().map(user_from).collect()
    }

    fn update_user(&mut self, writer: &Scope, u: &User) -> Result<(), StoreError> {
        let Some(old) = self.user_by_id(u.id)? else { return Err(StoreError::Conflict(format!("没有账号 {}（no account {}）", u.name, u.name))) };
        check_account_write(self, writer, u.role, u.org_code, Some(old.org_code))?;
        let failed = u.failed_logins.min(i32::MAX as u32) as i32;
        let mut tx = self.client.transaction().map_err(pg)?;
        tx.execute(
            "UPDATE users SET display_name = $2, role = $3, org_code = $4, password_hash = $5, must_change_password = $6, disabled = $7, failed_logins = $8, locked_until = $9, last_login_at = $10 WHERE id = $1",
            &[&u.id, &u.display_name, &u.role.code(), &u.org_code, &u.password_hash, &must_change(u.role, u.must_change_password), &u.disabled, &failed, &u.locked_until, &u.last_login_at],
        )
        .map_err(pg)?;
        if u.role != Role::DataConsumer {
            tx.execute("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", &[&u.id, &now()]).map_err(pg)?;
        }
        tx.commit().map_err(pg)
    }

    fn begin_login_attempt(&mut self, user_id: i64, at: i64) -> Result<Option<u32>, StoreError> {
        // The row lock makes parallel attempts of one account take turns: each sees the count
        // the one before wrote.
        let mut tx = self.client.transaction().map_err(pg)?;
        let row = tx.query_opt("SELECT failed_logins, locked_until FROM users WHERE id = $1 FOR UPDATE", &[&user_id]).map_err(pg)?;
        let state = row.map(|r| AttemptState { failures: r.get::<_, i32>(0).max(0) as u32, not_before: r.get(1) });
        let Some(next) = state.and_then(|s| LOGIN_BACKOFF.admit(s, at)) else { return Ok(None) };
        let failures = next.failures.min(i32::MAX as u32) as i32;
        tx.execute("UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1", &[&user_id, &failures, &next.not_before]).map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(Some(next.failures))
    }

    fn login_succeeded(&mut self, user_id: i64, at: i64) -> Result<(), StoreError> {
        self.client.execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2 WHERE id = $1", &[&user_id, &at]).map_err(pg)?;
        Ok(())
    }

    fn create_session(&mut self, s: &SessionRecord) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, ip) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&s.token_hash, &s.user_id, &s.csrf, &s.created_at, &s.last_seen, &s.ip],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let r = self
            .client
            .query_opt("SELECT token_hash, user_id, csrf, created_at, last_seen, ip FROM sessions WHERE token_hash = $1", &[&token_hash])
            .map_err(pg)?;
        Ok(r.as_ref().map(session_from))
    }

    fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        self.client.execute("UPDATE sessions SET last_seen = $2 WHERE token_hash = $1", &[&token_hash, &now]).map_err(pg)?;
        Ok(())
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.client.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]).map_err(pg)?;
        Ok(())
    }

    fn delete_user_sessions(&mut self, user_id: i64) -> Result<(), StoreError> {
        self.client.execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id]).map_err(pg)?;
        Ok(())
    }

    fn expire_sessions(&mut self, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
        self.client.execute("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2", &[&idle_before, &created_before]).map_err(pg)
    }

    fn create_token(&mut self, writer: &Scope, t: &NewApiToken) -> Result<ApiToken, StoreError> {
        let at = now();
        let holder = self.user_by_id(t.user_id)?.ok_or_else(|| StoreError::Conflict(format!("没有编号为 {} 的账号（no account {}）", t.user_id, t.user_id)))?;
        check_token(self, writer, &holder, t.expires_at, at)?;
        let r = self
            .client
            .query_one(
                &format!("INSERT INTO api_tokens (name, user_id, token_hash, prefix, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TOKEN_COLS}"),
                &[&t.name, &t.user_id, &t.token_hash, &t.prefix, &at, &t.created_by, &t.expires_at],
            )
            .map_err(pg)?;
        Ok(token_from(&r))
    }

    fn token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let r = self.client.query_opt(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1"), &[&token_hash]).map_err(pg)?;
        Ok(r.as_ref().map(token_from))
    }

    fn list_tokens(&mut self) -> Result<Vec<ApiToken>, StoreError> {
        let rows = self.client.query(&format!("SELECT {TOKEN_COLS} FROM api_tokens ORDER BY id DESC"), &[]).map_err(pg)?;
        Ok(rows.iter().map(token_from).collect())
    }

    fn revoke_token(&mut self, writer: &Scope, id: i64, now: i64) -> Result<bool, StoreError> {
        let holder: Option<i64> = self.client.query_opt("SELECT user_id FROM api_tokens WHERE id = $1", &[&id]).map_err(pg)?.map(|r| r.get(0));
        let Some(holder) = holder.map(|h| self.user_by_id(h)).transpose()?.flatten() else { return Ok(false) };
        match check_area(self, writer, holder.org_code) {
            Err(StoreError::Conflict(_)) => return Ok(false),
            other => other?,
        };
        self.client
            .execute("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", &[&id, &now])
            .map(|n| n == 1)
            .map_err(pg)
    }
}

const AUDIT_COLS: &str = "id, at, actor, action, target, detail, ip, outcome, actor_org, actor_region, keyed, prev_hash, hash";

fn audit_from(r: &Row) -> AuditEntry {
    AuditEntry {
        id: r.get(0),
        at: r.get(1),
        actor: r.get(2),
        action: r.get(3),
        target: r.get(4),
        detail: r.get(5),
        ip: r.get(6),
        outcome: r.get(7),
        actor_org: r.get(8),
        actor_region: r.get(9),
        keyed: r.get(10),
        prev_hash: r.get(11),
        hash: r.get(12),
    }
}

fn anchor_from(r: &Row) -> Anchor {
    Anchor { last_id: r.get(0), hash: r.get(1), cut: r.get(2), mac: r.get(3) }
}

/// Entries read per round trip by [`AuditLog::audit_scan`].
const SCAN_ROWS: i64 = 5_000;

/// Reads every entry oldest first, in keyset pages by id rather than one snapshot: memory
/// stays flat on a log of millions.
fn scan(c: &mut impl GenericClient, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
    let mut after = i64::MIN;
    loop {
        let rows = c.query(&format!("SELECT {AUDIT_COLS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT {SCAN_ROWS}"), &[&after]).map_err(pg)?;
        for r in &rows {
            let e = audit_from(r);
            after = e.id;
            f(e)?;
        }
        if (rows.len() as i64) < SCAN_ROWS {
            return Ok(());
        }
    }
}

/// The chain's operations inside an append or prune transaction holding the chain's advisory
/// lock.
struct Tx<'a, 'b>(&'a mut Transaction<'b>);

impl ChainTx for Tx<'_, '_> {
    fn newest(&mut self) -> Result<Option<AuditEntry>, StoreError> {
        // Read committed: this statement's snapshot is taken after the lock, so it sees the
        // entry of the writer that held it before.
        Ok(self.0.query_opt(&format!("SELECT {AUDIT_COLS} FROM audit_log ORDER BY id DESC LIMIT 1"), &[]).map_err(pg)?.as_ref().map(audit_from))
    }
    fn anchor(&mut self) -> Result<Option<Anchor>, StoreError> {
        Ok(self.0.query_opt("SELECT last_id, hash, cut, mac FROM audit_anchor", &[]).map_err(pg)?.as_ref().map(anchor_from))
    }
    fn hash_of(&mut self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self.0.query_opt("SELECT hash FROM audit_log WHERE id = $1", &[&id]).map_err(pg)?.map(|r| r.get(0)))
    }
    fn any_keyed(&mut self) -> Result<bool, StoreError> {
        Ok(self.0.query_one("SELECT EXISTS (SELECT 1 FROM audit_log WHERE keyed)", &[]).map_err(pg)?.get(0))
    }
    fn scan(&mut self, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
        scan(self.0, f)
    }
    fn actor_org(&mut self, actor: &str) -> Result<(Option<i64>, Option<i64>), StoreError> {
        let r = self
            .0
            .query_opt(
                "SELECT u.org_code, CASE WHEN o.level = 'school' THEN COALESCE(o.parent_code, u.org_code) WHEN o.level IS NOT NULL THEN u.org_code END \
                 FROM users u LEFT JOIN org_units o ON o.code = u.org_code WHERE u.name = $1",
                &[&actor],
            )
            .map_err(pg)?;
        Ok(r.map_or((None, None), |r| (Some(r.get(0)), r.get(1))))
    }
    fn insert(&mut self, e: &AuditEntry) -> Result<(), StoreError> {
        self.0
            .execute(
                &format!("INSERT INTO audit_log ({AUDIT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"),
                &[&e.id, &e.at, &e.actor, &e.action, &e.target, &e.detail, &e.ip, &e.outcome, &e.actor_org, &e.actor_region, &e.keyed, &e.prev_hash, &e.hash],
            )
            .map(|_| ())
            .map_err(pg)
    }
    fn set_anchor(&mut self, a: &Anchor) -> Result<(), StoreError> {
        self.0
            .execute(
                "INSERT INTO audit_anchor (one, last_id, hash, cut, mac) VALUES (1, $1, $2, $3, $4) \
                 ON CONFLICT (one) DO UPDATE SET last_id = EXCLUDED.last_id, hash = EXCLUDED.hash, cut = EXCLUDED.cut, mac = EXCLUDED.mac",
                &[&a.last_id, &a.hash, &a.cut, &a.mac],
            )
            .map(|_| ())
            .map_err(pg)
    }
    fn newest_before(&mut self, cut: &str) -> Result<Option<(i64, String)>, StoreError> {
        // Entries are in time order by id (one writer at a time assigns both).
        Ok(self.0.query_opt("SELECT id, hash FROM audit_log WHERE at < $1 ORDER BY id DESC LIMIT 1", &[&cut]).map_err(pg)?.map(|r| (r.get(0), r.get(1))))
    }
    fn delete_through(&mut self, id: i64) -> Result<u64, StoreError> {
        // The anchor is written first: the delete trigger lets through only entries up to it.
        self.0.execute("DELETE FROM audit_log WHERE id <= $1", &[&id]).map_err(pg)
    }
}

impl PgStore {
    /// The advisory-lock key of this schema's audit chain: every writer of the chain (append,
    /// prune) holds it for its transaction, so that ids and links are assigned one at a time.
    fn audit_lock(&self) -> i64 {
        crate::batch::lock_key(&format!("audit:{}", self.schema))
    }

    fn audit_chain(&self) -> Result<std::sync::Arc<AuditChain>, StoreError> {
        self.audit_chain.clone().ok_or_else(|| StoreError::Integrity(NO_CHAIN.into()))
    }
}

impl AuditLog for PgStore {
    fn set_audit_chain(&mut self, chain: std::sync::Arc<AuditChain>) {
        self.audit_chain = Some(chain);
    }

    fn append_audit(&mut self, e: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let mut entries = self.append_audits(std::slice::from_ref(e))?;
        Ok(entries.pop().expect("one entry per event"))
    }

    fn append_audits(&mut self, es: &[AuditEvent]) -> Result<Vec<AuditEntry>, StoreError> {
        let chain = self.audit_chain()?;
        let key = self.audit_lock();
        let mut lock = chain.lock()?;
        let mut tx = self.client.transaction().map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&key]).map_err(pg)?;
        let entries = es.iter().map(|e| lock.append(&mut Tx(&mut tx), e)).collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(pg)?;
        lock.finish()?;
        Ok(entries)
    }

    fn audit_entries(&mut self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = format!("SELECT {AUDIT_COLS} FROM audit_log WHERE true");
        let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let mut add = |cond: &str, v: Box<dyn ToSql + Sync>| {
            args.push(v);
            sql.push_str(&format!(" AND {cond} ${}", args.len()));
        };
        match AuditView::of(f.scope.as_ref()) {
            AuditView::All => {}
            AuditView::Regions { lo, hi } => {
                add("actor_region >=", Box::new(lo));
                add("actor_region <=", Box::new(hi));
            }
            AuditView::Org(org) => add("actor_org =", Box::new(org)),
            AuditView::Nothing => return Ok(Vec::new()),
        }
        if let Some(a) = &f.actor {
            add("actor =", Box::new(a.clone()));
        }
        if let Some(a) = &f.action {
            add("action =", Box::new(a.clone()));
        }
        if let Some(a) = &f.from {
            add("at >=", Box::new(a.clone()));
        }
        if let Some(a) = &f.to {
            add("at <", Box::new(a.clone()));
        }
        if let Some(id) = f.before_id {
            add("id <", Box::new(id));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", f.limit.clamp(1, 1000)));
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let rows = self.client.query(&sql, &refs).map_err(pg)?;
        Ok(rows.iter().map(audit_from).collect())
    }

    fn audit_scan(&mut self, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
        // Entries appended meanwhile are checked too.
        scan(&mut self.client, f)
    }

    fn audit_anchor(&mut self) -> Result<Option<Anchor>, StoreError> {
        Ok(self.client.query_opt("SELECT last_id, hash, cut, mac FROM audit_anchor", &[]).map_err(pg)?.as_ref().map(anchor_from))
    }

    fn prune_audit(&mut self, before: &str) -> Result<u64, StoreError> {
        let chain = self.audit_chain()?;
        let key = self.audit_lock();
        let mut tx = self.client.transaction().map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&key]).map_err(pg)?;
        let n = chain.prune(&mut Tx(&mut tx), before)?;
        tx.commit().map_err(pg)?;
        Ok(n)
    }
}
