//! Transfer requests (the rules are in `store::transfers`).

use crate::error::pg;
use crate::PgStore;
use postgres::Row;
use store::transfers::{TransferRequest, TransferState, Transfers};
use store::{Entity, Scope, StoreError};

const COLUMNS: &str = "id, entity, record_key, from_school, from_county, to_school, to_county, reason, requested_by, requested_at, state, decided_by, decided_at, note, batch_id";

fn from_row(r: &Row) -> TransferRequest {
    let county = |i: usize| r.get::<_, Option<i32>>(i).and_then(|c| u32::try_from(c).ok());
    TransferRequest {
        id: r.get(0),
        entity: Entity::parse(r.get(1)).unwrap_or(Entity::Student),
        record_key: r.get(2),
        from_school: r.get(3),
        from_county: county(4),
        to_school: r.get(5),
        to_county: county(6),
        reason: r.get(7),
        requested_by: r.get(8),
        requested_at: r.get(9),
        state: TransferState::parse(r.get(10)).unwrap_or(TransferState::Cancelled),
        decided_by: r.get(11),
        decided_at: r.get(12),
        note: r.get(13),
        batch_id: r.get(14),
    }
}

fn county(c: Option<u32>) -> Option<i32> {
    c.and_then(|c| i32::try_from(c).ok())
}

impl Transfers for PgStore {
    fn insert_transfer(&mut self, t: &TransferRequest) -> Result<i64, StoreError> {
        let pending = format!("{}:{}", t.entity.key(), t.record_key);
        let row = self
            .client
            .query_opt(
                "INSERT INTO transfer_requests (entity, record_key, from_school, from_county, to_school, to_county, reason, requested_by, requested_at, state, note, pending_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', '', $10) ON CONFLICT (pending_key) DO NOTHING RETURNING id",
                &[&t.entity.key(), &t.record_key, &t.from_school, &county(t.from_county), &t.to_school, &county(t.to_county), &t.reason, &t.requested_by, &t.requested_at, &pending],
            )
            .map_err(pg)?;
        match row {
            Some(r) => Ok(r.get(0)),
            None => Err(StoreError::Conflict("该记录已有待审批的转入申请，请等待转出方处理（a request for this record is already waiting）".into())),
        }
    }

    fn transfer(&mut self, id: i64) -> Result<Option<TransferRequest>, StoreError> {
        Ok(self.client.query_opt(&format!("SELECT {COLUMNS} FROM transfer_requests WHERE id = $1"), &[&id]).map_err(pg)?.map(|r| from_row(&r)))
    }

    fn transfers_in(&mut self, scope: &Scope, state: Option<TransferState>, limit: usize) -> Result<Vec<TransferRequest>, StoreError> {
        // Scope::may_write on either side, in SQL; the caller filters again with it.
        let (cond, lo, hi, school) = match scope {
            Scope::Region { lo, hi } => ("(from_county BETWEEN $1 AND $2 OR to_county BETWEEN $1 AND $2) AND $3::text IS NOT NULL", *lo as i32, *hi as i32, String::new()),
            Scope::School { code, .. } => ("(from_school = $3 OR to_school = $3) AND $1::int IS NOT NULL AND $2::int IS NOT NULL", 0, -1, code.clone()),
            Scope::Nothing => return Ok(Vec::new()),
        };
        let state = state.map(|s| s.code()).unwrap_or("");
        let sql = format!("SELECT {COLUMNS} FROM transfer_requests WHERE {cond} AND ($4 = '' OR state = $4) ORDER BY id DESC LIMIT $5");
        let rows = self.client.query(&sql, &[&lo, &hi, &school, &state, &(limit as i64)]).map_err(pg)?;
        Ok(rows.iter().map(from_row).filter(|r| r.visible_to(scope)).collect())
    }

    fn finish_transfer(&mut self, id: i64, state: TransferState, by: &str, note: &str, batch_id: Option<i64>, at: i64) -> Result<bool, StoreError> {
        let n = self
            .client
            .execute(
                "UPDATE transfer_requests SET state = $2, decided_by = $3, note = $4, batch_id = $5, decided_at = $6, pending_key = NULL WHERE id = $1 AND state = 'pending'",
                &[&id, &state.code(), &by, &note, &batch_id, &at],
            )
            .map_err(pg)?;
        Ok(n == 1)
    }
}
