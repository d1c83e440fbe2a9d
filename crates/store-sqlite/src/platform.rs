//! Accounts, sessions, API tokens and the audit log, in the platform file.

use crate::{map_err, SqliteStore};
use rusqlite::{params, OptionalExtension, Row};
use store::audit::{AuditView, ChainTx, NO_CHAIN};
use store::accounts::{check_account_write, check_area, check_token, must_change, AttemptState, LOGIN_BACKOFF};
use store::{
    Accounts, Anchor, ApiToken, AuditChain, AuditEntry, AuditEvent, AuditFilter, AuditLog, NewApiToken, NewUser, Role, Scope,
    SessionRecord, StoreError, User,
};

const USER_COLS: &str = "id, name, display_name, role, org_code, password_hash, must_change_password, disabled, failed_logins, locked_until, created_at, last_login_at";

fn user_from(r: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::from_code(&role).ok_or_else(|| rusqlite::Error::InvalidColumnType(3, format!("role {role}"), rusqlite::types::Type::Text))?,
        org_code: r.get(4)?,
        password_hash: r.get(5)?,
        must_change_password: r.get(6)?,
        disabled: r.get(7)?,
        failed_logins: r.get::<_, i64>(8)? as u32,
        locked_until: r.get(9)?,
        created_at: r.get(10)?,
        last_login_at: r.get(11)?,
    })
}

const TOKEN_COLS: &str = "id, name, user_id, token_hash, prefix, created_at, created_by, revoked_at, expires_at";

fn token_from(r: &Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: r.get(0)?,
        name: r.get(1)?,
        user_id: r.get(2)?,
        token_hash: r.get(3)?,
        prefix: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
        revoked_at: r.get(7)?,
        expires_at: r.get(8)?,
    })
}

use store::time::unix_now as now;

impl Accounts for SqliteStore {
    fn user_count(&mut self) -> Result<u64, StoreError> {
        self.platform.query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(map_err)
    }

    fn create_user(&mut self, writer: &Scope, u: &NewUser) -> Result<i64, StoreError> {
        check_account_write(self, writer, u.role, u.org_code, None)?;
        let r = self.platform.execute(
            "INSERT INTO users (name, display_name, role, org_code, password_hash, must_change_password, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![u.name, u.display_name, u.role.code(), u.org_code, u.password_hash, must_change(u.role, u.must_change_password), now()],
        );
        match r {
            Ok(_) => Ok(self.platform.last_insert_rowid()),
            Err(e) => Err(match map_err(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("用户名 {} 已存在（the account name {} is taken）", u.name, u.name)),
                other => other,
            }),
        }
    }

    fn user_by_name(&mut self, name: &str) -> Result<Option<User>, StoreError> {
        let mut st = self.platform.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE name = ?1")).map_err(map_err)?;
        st.query_row([name], user_from).optional().map_err(map_err)
    }

    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StoreError> {
        let mut st = self.platform.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1")).map_err(map_err)?;
        st.query_row([id], user_from).optional().map_err(map_err)
    }

    fn list_users(&mut self) -> Result<Vec<User>, StoreError> {
        let mut st = self.platform.prepare_cached(&format!("SELECT {USER_COLS} FROM users ORDER BY name")).map_err(map_err)?;
        let rows = st.query_map([], user_from).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn update_user(&mut self, writer: &Scope, u: &User) -> Result<(), StoreError> {
        let Some(old) = self.user_by_id(u.id)? else { return Err(StoreError::Conflict(format!("没有账号 {}（no account {}）", u.name, u.name))) };
        check_account_write(self, writer, u.role, u.org_code, Some(old.org_code))?;
        let tx = self.platform.transaction().map_err(map_err)?;
        tx.execute(
            "UPDATE users SET display_name = ?2, role = ?3, org_code = ?4, password_hash = ?5, must_change_password = ?6, disabled = ?7, failed_logins = ?8, locked_until = ?9, last_login_at = ?10 WHERE id = ?1",
            params![u.id, u.display_name, u.role.code(), u.org_code, u.password_hash, must_change(u.role, u.must_change_password), u.disabled, u.failed_logins as i64, u.locked_until, u.last_login_at],
        )
        .map_err(map_err)?;
        if u.role != Role::DataConsumer {
            tx.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL", params![u.id, now()]).map_err(map_err)?;
        }
        tx.commit().map_err(map_err)
    }

    fn begin_login_attempt(&mut self, user_id: i64, at: i64) -> Result<Option<u32>, StoreError> {
        // One writer at a time on this file: the read and the write below are one step.
        let tx = self.platform.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(map_err)?;
        let state = tx
            .query_row("SELECT failed_logins, locked_until FROM users WHERE id = ?1", [user_id], |r| {
                Ok(AttemptState { failures: r.get::<_, i64>(0)?.clamp(0, u32::MAX as i64) as u32, not_before: r.get(1)? })
            })
            .optional()
            .map_err(map_err)?;
        let Some(next) = state.and_then(|s| LOGIN_BACKOFF.admit(s, at)) else { return Ok(None) };
        tx.execute("UPDATE users SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1", params![user_id, next.failures as i64, next.not_before]).map_err(map_err)?;
        tx.commit().map_err(map_err)?;
        Ok(Some(next.failures))
    }

    fn login_succeeded(&mut self, user_id: i64, at: i64) -> Result<(), StoreError> {
        self.platform
            .execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?2 WHERE id = ?1", params![user_id, at])
            .map_err(map_err)?;
        Ok(())
    }

    fn create_session(&mut self, s: &SessionRecord) -> Result<(), StoreError> {
        self.platform
            .execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, ip) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![s.token_hash, s.user_id, s.csrf, s.created_at, s.last_seen, s.ip],
            )
            .map_err(map_err)?;
        Ok(())
    }

    fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let mut st = self.platform.prepare_cached("SELECT token_hash, user_id, csrf, created_at, last_seen, ip FROM sessions WHERE token_hash = ?1").map_err(map_err)?;
        st.query_row([token_hash], |r| {
            Ok(SessionRecord { token_hash: r.get(0)?, user_id: r.get(1)?, csrf: r.get(2)?, created_at: r.get(3)?, last_seen: r.get(4)?, ip: r.get(5)? })
        })
        .optional()
        .map_err(map_err)
    }

    fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        self.platform.execute("UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1", params![token_hash, now]).map_err(map_err)?;
        Ok(())
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.platform.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash]).map_err(map_err)?;
        Ok(())
    }

    fn delete_user_sessions(&mut self, user_id: i64) -> Result<(), StoreError> {
        self.platform.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id]).map_err(map_err)?;
        Ok(())
    }

    fn expire_sessions(&mut self, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
        self.platform
            .execute("DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2", [idle_before, created_before])
            .map(|n| n as u64)
            .map_err(map_err)
    }

    fn create_token(&mut self, writer: &Scope, t: &NewApiToken) -> Result<ApiToken, StoreError> {
        let at = now();
        let holder = self.user_by_id(t.user_id)?.ok_or_else(|| StoreError::Conflict(format!("没有编号为 {} 的账号（no account {}）", t.user_id, t.user_id)))?;
        check_token(self, writer, &holder, t.expires_at, at)?;
        self.platform
            .execute(
                "INSERT INTO api_tokens (name, user_id, token_hash, prefix, created_at, created_by, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![t.name, t.user_id, t.token_hash, t.prefix, at, t.created_by, t.expires_at],
            )
            .map_err(map_err)?;
        Ok(ApiToken {
            id: self.platform.last_insert_rowid(),
            name: t.name.clone(),
            user_id: t.user_id,
            token_hash: t.token_hash.clone(),
            prefix: t.prefix.clone(),
            created_at: at,
            created_by: t.created_by.clone(),
            revoked_at: None,
            expires_at: t.expires_at,
        })
    }

    fn token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let mut st = self.platform.prepare_cached(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = ?1")).map_err(map_err)?;
        st.query_row([token_hash], token_from).optional().map_err(map_err)
    }

    fn list_tokens(&mut self) -> Result<Vec<ApiToken>, StoreError> {
        let mut st = self.platform.prepare_cached(&format!("SELECT {TOKEN_COLS} FROM api_tokens ORDER BY id DESC")).map_err(map_err)?;
        let rows = st.query_map([], token_from).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn revoke_token(&mut self, writer: &Scope, id: i64, now: i64) -> Result<bool, StoreError> {
        let holder: Option<i64> = self.platform.query_row("SELECT user_id FROM api_tokens WHERE id = ?1", [id], |r| r.get(0)).optional().map_err(map_err)?;
        let Some(holder) = holder.map(|h| self.user_by_id(h)).transpose()?.flatten() else { return Ok(false) };
        match check_area(self, writer, holder.org_code) {
            Err(StoreError::Conflict(_)) => return Ok(false),
            other => other?,
        };
        self.platform
            .execute("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, now])
            .map(|n| n == 1)
            .map_err(map_err)
    }
}

const AUDIT_COLS: &str = "id, at, actor, action, target, detail, ip, outcome, actor_org, actor_region, keyed, prev_hash, hash";

fn audit_from(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        detail: r.get(5)?,
        ip: r.get(6)?,
        outcome: r.get(7)?,
        actor_org: r.get(8)?,
        actor_region: r.get(9)?,
        keyed: r.get(10)?,
        prev_hash: r.get(11)?,
        hash: r.get(12)?,
    })
}

fn anchor_from(r: &Row<'_>) -> rusqlite::Result<Anchor> {
    Ok(Anchor { last_id: r.get(0)?, hash: r.get(1)?, cut: r.get(2)?, mac: r.get(3)? })
}

/// The chain's operations inside an append or prune transaction of the platform file; the
/// actor's place is read from `users` there and from `org_units` in the base file.
struct Tx<'a> {
    tx: &'a rusqlite::Connection,
    base: Option<&'a rusqlite::Connection>,
}

impl ChainTx for Tx<'_> {
    fn newest(&mut self) -> Result<Option<AuditEntry>, StoreError> {
        self.tx.query_row(&format!("SELECT {AUDIT_COLS} FROM audit_log ORDER BY id DESC LIMIT 1"), [], audit_from).optional().map_err(map_err)
    }
    fn anchor(&mut self) -> Result<Option<Anchor>, StoreError> {
        self.tx.query_row("SELECT last_id, hash, cut, mac FROM audit_anchor", [], anchor_from).optional().map_err(map_err)
    }
    fn hash_of(&mut self, id: i64) -> Result<Option<String>, StoreError> {
        self.tx.query_row("SELECT hash FROM audit_log WHERE id = ?1", [id], |r| r.get(0)).optional().map_err(map_err)
    }
    fn any_keyed(&mut self) -> Result<bool, StoreError> {
        self.tx.query_row("SELECT EXISTS (SELECT 1 FROM audit_log WHERE keyed)", [], |r| r.get(0)).map_err(map_err)
    }
    fn scan(&mut self, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
        scan(self.tx, f)
    }
    fn actor_org(&mut self, actor: &str) -> Result<(Option<i64>, Option<i64>), StoreError> {
        let org: Option<i64> = self.tx.query_row("SELECT org_code FROM users WHERE name = ?1", [actor], |r| r.get(0)).optional().map_err(map_err)?;
        let Some(org) = org else { return Ok((None, None)) };
        let unit: Option<(String, Option<i64>)> = match self.base {
            Some(c) => c.query_row("SELECT level, parent_code FROM org_units WHERE code = ?1", [org], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(map_err)?,
            None => None,
        };
        Ok((Some(org), unit.map(|(level, parent)| if level == "school" { parent.unwrap_or(org) } else { org })))
    }
    fn insert(&mut self, e: &AuditEntry) -> Result<(), StoreError> {
        self.tx
            .execute(
                &format!("INSERT INTO audit_log ({AUDIT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
                params![e.id, e.at, e.actor, e.action, e.target, e.detail, e.ip, e.outcome, e.actor_org, e.actor_region, e.keyed, e.prev_hash, e.hash],
            )
            .map(|_| ())
            .map_err(map_err)
    }
    fn set_anchor(&mut self, a: &Anchor) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO audit_anchor (one, last_id, hash, cut, mac) VALUES (1, ?1, ?2, ?3, ?4) \
                 ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash, cut = excluded.cut, mac = excluded.mac",
                params![a.last_id, a.hash, a.cut, a.mac],
            )
            .map(|_| ())
            .map_err(map_err)
    }
    fn newest_before(&mut self, cut: &str) -> Result<Option<(i64, String)>, StoreError> {
        // Entries are in time order by id (one writer at a time assigns both).
        self.tx.query_row("SELECT id, hash FROM audit_log WHERE at < ?1 ORDER BY id DESC LIMIT 1", [cut], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(map_err)
    }
    fn delete_through(&mut self, id: i64) -> Result<u64, StoreError> {
        self.tx.execute("DELETE FROM audit_log WHERE id <= ?1", [id]).map(|n| n as u64).map_err(map_err)
    }
}

fn scan(c: &rusqlite::Connection, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
    let mut st = c.prepare(&format!("SELECT {AUDIT_COLS} FROM audit_log ORDER BY id")).map_err(map_err)?;
    let mut rows = st.query([]).map_err(map_err)?;
    while let Some(r) = rows.next().map_err(map_err)? {
        f(audit_from(r).map_err(map_err)?)?;
    }
    Ok(())
}

impl SqliteStore {
    fn audit_chain(&self) -> Result<std::sync::Arc<AuditChain>, StoreError> {
        self.audit_chain.clone().ok_or_else(|| StoreError::Integrity(NO_CHAIN.into()))
    }
}

impl AuditLog for SqliteStore {
    fn set_audit_chain(&mut self, chain: std::sync::Arc<AuditChain>) {
        self.audit_chain = Some(chain);
    }

    fn append_audit(&mut self, e: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let mut entries = self.append_audits(std::slice::from_ref(e))?;
        Ok(entries.pop().expect("one entry per event"))
    }

    fn append_audits(&mut self, es: &[AuditEvent]) -> Result<Vec<AuditEntry>, StoreError> {
        let chain = self.audit_chain()?;
        let mut lock = chain.lock()?;
        let tx = self.platform.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(map_err)?;
        let mut t = Tx { tx: &tx, base: self.conn.as_ref() };
        let entries = es.iter().map(|e| lock.append(&mut t, e)).collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(map_err)?;
        lock.finish()?;
        Ok(entries)
    }

    fn audit_entries(&mut self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = format!("SELECT {AUDIT_COLS} FROM audit_log WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut add = |cond: &str, v: rusqlite::types::Value, sql: &mut String| {
            args.push(v);
            sql.push_str(&format!(" AND {cond} ?{}", args.len()));
        };
        match AuditView::of(f.scope.as_ref()) {
            AuditView::All => {}
            AuditView::Regions { lo, hi } => {
                add("actor_region >=", lo.into(), &mut sql);
                add("actor_region <=", hi.into(), &mut sql);
            }
            AuditView::Org(org) => add("actor_org =", org.into(), &mut sql),
            AuditView::Nothing => return Ok(Vec::new()),
        }
        if let Some(a) = &f.actor {
            add("actor =", a.clone().into(), &mut sql);
        }
        if let Some(a) = &f.action {
            add("action =", a.clone().into(), &mut sql);
        }
        if let Some(a) = &f.from {
            add("at >=", a.clone().into(), &mut sql);
        }
        if let Some(a) = &f.to {
            add("at <", a.clone().into(), &mut sql);
        }
        if let Some(id) = f.before_id {
            add("id <", id.into(), &mut sql);
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", f.limit.clamp(1, 1000)));
        let mut st = self.platform.prepare_cached(&sql).map_err(map_err)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), audit_from).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)
    }

    fn audit_scan(&mut self, f: &mut dyn FnMut(AuditEntry) -> Result<(), StoreError>) -> Result<(), StoreError> {
        scan(&self.platform, f)
    }

    fn audit_anchor(&mut self) -> Result<Option<Anchor>, StoreError> {
        self.platform.query_row("SELECT last_id, hash, cut, mac FROM audit_anchor", [], anchor_from).optional().map_err(map_err)
    }

    fn prune_audit(&mut self, before: &str) -> Result<u64, StoreError> {
        let chain = self.audit_chain()?;
        let tx = self.platform.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(map_err)?;
        let n = chain.prune(&mut Tx { tx: &tx, base: None }, before)?;
        tx.commit().map_err(map_err)?;
        Ok(n)
    }
}
