//! Transfer requests in the base file (the rules are in `store::transfers`).

use crate::{map_err, SqliteStore};
use rusqlite::{params, OptionalExtension, Row};
use store::transfers::{TransferRequest, TransferState, Transfers};
use store::{Entity, Scope, StoreError};

const COLUMNS: &str = "id, entity, record_key, from_school, from_county, to_school, to_county, reason, requested_by, requested_at, state, decided_by, decided_at, note, batch_id";

fn from_row(r: &Row) -> rusqlite::Result<TransferRequest> {
    let entity: String = r.get(1)?;
    let state: String = r.get(10)?;
    Ok(TransferRequest {
        id: r.get(0)?,
        entity: Entity::parse(&entity).unwrap_or(Entity::Student),
        record_key: r.get(2)?,
        from_school: r.get(3)?,
        from_county: r.get(4)?,
        to_school: r.get(5)?,
        to_county: r.get(6)?,
        reason: r.get(7)?,
        requested_by: r.get(8)?,
        requested_at: r.get(9)?,
        state: TransferState::parse(&state).unwrap_or(TransferState::Cancelled),
        decided_by: r.get(11)?,
        decided_at: r.get(12)?,
        note: r.get(13)?,
        batch_id: r.get(14)?,
    })
}

impl Transfers for SqliteStore {
    fn insert_transfer(&mut self, t: &TransferRequest) -> Result<i64, StoreError> {
        let conn = self.conn();
        let pending = format!("{}:{}", t.entity.key(), t.record_key);
        let n = conn
            .execute(
                "INSERT INTO transfer_requests (entity, record_key, from_school, from_county, to_school, to_county, reason, requested_by, requested_at, state, note, pending_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', '', ?10) ON CONFLICT (pending_key) DO NOTHING",
                params![t.entity.key(), t.record_key, t.from_school, t.from_county, t.to_school, t.to_county, t.reason, t.requested_by, t.requested_at, pending],
            )
            .map_err(map_err)?;
        if n == 0 {
            return Err(StoreError::Conflict("该记录已有待审批的转入申请，请等待转出方处理（a request for this record is already waiting）".into()));
        }
        Ok(conn.last_insert_rowid())
    }

    fn transfer(&mut self, id: i64) -> Result<Option<TransferRequest>, StoreError> {
        self.conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM transfer_requests WHERE id = ?1"))
            .and_then(|mut st| st.query_row([id], from_row).optional())
            .map_err(map_err)
    }

    fn transfers_in(&mut self, scope: &Scope, state: Option<TransferState>, limit: usize) -> Result<Vec<TransferRequest>, StoreError> {
        // Scope::may_write on either side, in SQL; the caller filters again with it.
        let (cond, lo, hi, school) = match scope {
            Scope::Region { lo, hi } => ("(from_county BETWEEN ?1 AND ?2 OR to_county BETWEEN ?1 AND ?2)", *lo as i64, *hi as i64, String::new()),
            Scope::School { code, .. } => ("(from_school = ?3 OR to_school = ?3)", 0, -1, code.clone()),
            Scope::Nothing => return Ok(Vec::new()),
        };
        let state = state.map(|s| s.code()).unwrap_or("");
        let sql = format!("SELECT {COLUMNS} FROM transfer_requests WHERE {cond} AND (?4 = '' OR state = ?4) ORDER BY id DESC LIMIT ?5");
        let mut st = self.conn().prepare_cached(&sql).map_err(map_err)?;
        let rows = st
            .query_map(params![lo, hi, school, state, limit as i64], from_row)
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(map_err)?;
        Ok(rows.into_iter().filter(|r| r.visible_to(scope)).collect())
    }

    fn finish_transfer(&mut self, id: i64, state: TransferState, by: &str, note: &str, batch_id: Option<i64>, at: i64) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE transfer_requests SET state = ?2, decided_by = ?3, note = ?4, batch_id = ?5, decided_at = ?6, pending_key = NULL WHERE id = ?1 AND state = 'pending'",
                params![id, state.code(), by, note, batch_id, at],
            )
            .map_err(map_err)?;
        Ok(n == 1)
    }
}
