//! Incidents (the rules are in `store::incidents` and the `secman` crate; the SQL is
//! `store::incidents::sql`, written once).

use crate::error::pg;
use crate::sql::{args, query, query_opt, refs};
use crate::PgStore;
use store::attachments::AttachmentIndex;
use store::incidents::{check_write, sql, Incident, IncidentFile, IncidentQuery, IncidentState, Incidents, Step};
use store::sql::Dialect;
use store::{Scope, StoreError};

const D: Dialect = Dialect::Postgres;

fn write_step(tx: &mut postgres::Transaction<'_>, id: i64, st: &Step) -> Result<(), StoreError> {
    let (q, a) = sql::bound(sql::INSERT_STEP, sql::step_args(id, st), D);
    let a = args(a);
    tx.execute(q.as_str(), &refs(&a)).map_err(pg)?;
    Ok(())
}

impl Incidents for PgStore {
    fn insert_incident(&mut self, scope: &Scope, i: &Incident, first: &Step) -> Result<i64, StoreError> {
        check_write(scope, i)?;
        let mut tx = self.client.transaction().map_err(pg)?;
        let (q, a) = sql::bound(sql::INSERT, sql::insert_args(i), D);
        let a = args(a);
        let id: i64 = tx.query_one(q.as_str(), &refs(&a)).map_err(pg)?.get(0);
        write_step(&mut tx, id, first)?;
        tx.commit().map_err(pg)?;
        Ok(id)
    }

    fn incident(&mut self, scope: &Scope, id: i64) -> Result<Option<Incident>, StoreError> {
        let Some((q, a)) = sql::one(D, scope, id) else { return Ok(None) };
        let a = args(a);
        Ok(query_opt(&mut self.client, &q, &refs(&a), sql::decode)?.filter(|i| i.visible_to(scope)))
    }

    fn incidents(&mut self, scope: &Scope, q: &IncidentQuery) -> Result<Vec<Incident>, StoreError> {
        let Some((text, a)) = sql::list(D, scope, q) else { return Ok(Vec::new()) };
        let a = args(a);
        Ok(query(&mut self.client, &text, &refs(&a), sql::decode)?.into_iter().filter(|i| i.visible_to(scope)).collect())
    }

    fn incident_counts(&mut self, scope: &Scope, q: &IncidentQuery) -> Result<Vec<(IncidentState, u64)>, StoreError> {
        // Remembered per area and filters until the register changes (store::memo); an
        // overdue filter depends on the second, so it is counted each time.
        let count = |db: &mut Self| -> Result<Vec<(IncidentState, u64)>, StoreError> {
            let Some((text, a)) = sql::counts(D, scope, q) else { return Ok(Vec::new()) };
            let a = args(a);
            query(&mut db.client, &text, &refs(&a), sql::decode_count)
        };
        if q.overdue_at.is_some() {
            return count(self);
        }
        let key = format!("open={};grade={:?};region={:?}", q.open, q.grade, q.region);
        store::memo::cached(self, store::memo::INCIDENTS, "counts", scope, &key, None, count)
    }

    fn update_incident(&mut self, scope: &Scope, i: &Incident, from: IncidentState, step: &Step) -> Result<bool, StoreError> {
        // The stored place is what is judged (the update does not write the place).
        let Some(stored) = self.incident(scope, i.id)? else { return Err(StoreError::OutOfScope) };
        check_write(scope, &stored)?;
        let mut tx = self.client.transaction().map_err(pg)?;
        let (q, a) = sql::bound(sql::UPDATE, sql::update_args(i, from), D);
        let a = args(a);
        let n = tx.execute(q.as_str(), &refs(&a)).map_err(pg)?;
        if n == 0 {
            return Ok(false);
        }
        write_step(&mut tx, i.id, step)?;
        tx.commit().map_err(pg)?;
        Ok(true)
    }

    fn incident_steps(&mut self, scope: &Scope, id: i64) -> Result<Vec<Step>, StoreError> {
        if self.incident(scope, id)?.is_none() {
            return Ok(Vec::new());
        }
        let (q, a) = sql::steps(D, id);
        let a = args(a);
        query(&mut self.client, &q, &refs(&a), sql::decode_step)
    }

    fn open_incident_for(&mut self, scope: &Scope, site_id: i64, finding: &str) -> Result<Option<Incident>, StoreError> {
        let Some((q, a)) = sql::open_for(D, scope, site_id, finding) else { return Ok(None) };
        let a = args(a);
        Ok(query_opt(&mut self.client, &q, &refs(&a), sql::decode)?.filter(|i| i.visible_to(scope)))
    }

    fn attach_to_incident(&mut self, scope: &Scope, incident_id: i64, attachment_id: i64, step: &Step) -> Result<(), StoreError> {
        let Some(stored) = self.incident(scope, incident_id)? else { return Err(StoreError::OutOfScope) };
        check_write(scope, &stored)?;
        if self.attachment(scope, attachment_id)?.is_none() {
            return Err(StoreError::OutOfScope);
        }
        let mut tx = self.client.transaction().map_err(pg)?;
        let (q, a) = sql::bound(sql::INSERT_STEP_ID, sql::step_args(incident_id, step), D);
        let a = args(a);
        let step_id: i64 = tx.query_one(q.as_str(), &refs(&a)).map_err(pg)?.get(0);
        let (q, a) = sql::bound(sql::INSERT_LINK, vec![incident_id.into(), attachment_id.into(), step_id.into()], D);
        let a = args(a);
        tx.execute(q.as_str(), &refs(&a)).map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(())
    }

    fn incident_files(&mut self, scope: &Scope, incident_id: i64) -> Result<Vec<IncidentFile>, StoreError> {
        if self.incident(scope, incident_id)?.is_none() {
            return Ok(Vec::new());
        }
        let (q, a) = sql::links(D, incident_id);
        let a = args(a);
        let links: Vec<(i64, i64)> = query(&mut self.client, &q, &refs(&a), sql::decode_link)?;
        let mut out = Vec::new();
        for (id, step_at) in links {
            if let Some(attachment) = self.attachment(scope, id)? {
                out.push(IncidentFile { attachment, step_at });
            }
        }
        Ok(out)
    }
}
