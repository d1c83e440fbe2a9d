//! The shared pieces' rows in the platform file: calendar years and attachment metadata (the
//! rules are in `store::calendar` and `store::attachments`).

use crate::{map_err, SqliteStore};
use rusqlite::{params, OptionalExtension, Row};
use store::attachments::{Attachment, AttachmentIndex, Kind, Owner};
use store::calendar::{CalendarStore, CalendarYear};
use store::failed_uploads::{self, Area, FailedUpload, FailedUploads, NewFailedUpload};
use store::{Scope, StoreError};

impl CalendarStore for SqliteStore {
    fn put_calendar_year(&mut self, y: &CalendarYear, by: &str, at: i64) -> Result<(), StoreError> {
        self.platform
            .execute(
                "INSERT INTO calendar_years (year, days, imported_by, imported_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (year) DO UPDATE SET days = excluded.days, imported_by = excluded.imported_by, imported_at = excluded.imported_at",
                params![y.year as i64, y.to_csv(), by, at],
            )
            .map_err(map_err)?;
        Ok(())
    }

    fn calendar_years(&mut self) -> Result<Vec<CalendarYear>, StoreError> {
        let mut st = self.platform.prepare_cached("SELECT year, days FROM calendar_years ORDER BY year").map_err(map_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(map_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(map_err)?;
        rows.iter().map(|(y, csv)| store::calendar::from_stored(*y, csv)).collect()
    }
}

const COLUMNS: &str = "id, sha256, name, size, kind, owner_region, owner_school, uploaded_by, uploaded_at";

fn from_row(r: &Row) -> rusqlite::Result<Attachment> {
    let kind: String = r.get(4)?;
    Ok(Attachment {
        id: r.get(0)?,
        sha256: r.get(1)?,
        name: r.get(2)?,
        size: r.get::<_, i64>(3)? as u64,
        kind: Kind::parse(&kind).ok_or_else(|| rusqlite::Error::InvalidColumnType(4, kind, rusqlite::types::Type::Text))?,
        owner: Owner { region: r.get::<_, i64>(5)? as u32, school: r.get(6)? },
        uploaded_by: r.get(7)?,
        uploaded_at: r.get(8)?,
    })
}

/// The scope as SQL over `owner_region` / `owner_school` (?1, ?2, ?3), like `Scope::may_write`.
fn scope_sql(scope: &Scope) -> Option<(&'static str, i64, i64, String)> {
    match scope {
        Scope::Region { lo, hi } => Some(("owner_region BETWEEN ?1 AND ?2 AND ?3 = ''", *lo as i64, *hi as i64, String::new())),
        Scope::School { code, .. } => Some(("owner_school = ?3 AND ?1 = ?2", 0, 0, code.clone())),
        Scope::Nothing => None,
    }
}

impl AttachmentIndex for SqliteStore {
    fn insert_attachment(&mut self, a: &Attachment) -> Result<i64, StoreError> {
        self.platform
            .execute(
                "INSERT INTO attachments (sha256, name, size, kind, owner_region, owner_school, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![a.sha256, a.name, a.size as i64, a.kind.code(), a.owner.region as i64, a.owner.school, a.uploaded_by, a.uploaded_at],
            )
            .map_err(map_err)?;
        Ok(self.platform.last_insert_rowid())
    }

    fn attachment(&mut self, scope: &Scope, id: i64) -> Result<Option<Attachment>, StoreError> {
        let Some((cond, lo, hi, school)) = scope_sql(scope) else { return Ok(None) };
        let sql = format!("SELECT {COLUMNS} FROM attachments WHERE id = ?4 AND ({cond})");
        let a = self.platform.prepare_cached(&sql).and_then(|mut st| st.query_row(params![lo, hi, school, id], from_row).optional()).map_err(map_err)?;
        Ok(a.filter(|a| a.visible_to(scope)))
    }

    fn attachments_in(&mut self, scope: &Scope, limit: usize) -> Result<Vec<Attachment>, StoreError> {
        let Some((cond, lo, hi, school)) = scope_sql(scope) else { return Ok(Vec::new()) };
        let sql = format!("SELECT {COLUMNS} FROM attachments WHERE ({cond}) ORDER BY id DESC LIMIT ?4");
        let mut st = self.platform.prepare_cached(&sql).map_err(map_err)?;
        let rows = st.query_map(params![lo, hi, school, limit as i64], from_row).map_err(map_err)?.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?;
        Ok(rows.into_iter().filter(|a| a.visible_to(scope)).collect())
    }
}

const FAILED_COLUMNS: &str = "id, account, entity, file_name, reason_zh, reason_en, at, area_lo, area_hi, area_school";

fn failed_from_row(r: &Row) -> rusqlite::Result<FailedUpload> {
    let entity: String = r.get(2)?;
    Ok(FailedUpload {
        id: r.get(0)?,
        account: r.get(1)?,
        entity: store::Entity::parse(&entity).ok_or_else(|| rusqlite::Error::InvalidColumnType(2, entity, rusqlite::types::Type::Text))?,
        file_name: r.get(3)?,
        reason_zh: r.get(4)?,
        reason_en: r.get(5)?,
        at: r.get(6)?,
        area: Area { lo: r.get::<_, i64>(7)? as u32, hi: r.get::<_, i64>(8)? as u32, school: r.get(9)? },
    })
}

impl FailedUploads for SqliteStore {
    fn record_failed_upload(&mut self, writer: &Scope, u: &NewFailedUpload) -> Result<i64, StoreError> {
        let Some((area, u)) = failed_uploads::prepare(writer, u) else { return Err(StoreError::OutOfScope) };
        let tx = self.platform.transaction().map_err(map_err)?;
        tx.execute(
            "INSERT INTO failed_uploads (account, entity, file_name, reason_zh, reason_en, at, area_lo, area_hi, area_school) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![u.account, u.entity.key(), u.file_name, u.reason_zh, u.reason_en, u.at, area.lo as i64, area.hi as i64, area.school],
        )
        .map_err(map_err)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "DELETE FROM failed_uploads WHERE at < ?1 OR id <= COALESCE((SELECT id FROM failed_uploads ORDER BY id DESC LIMIT 1 OFFSET ?2), 0)",
            params![failed_uploads::cut(u.at), failed_uploads::KEEP_ROWS as i64],
        )
        .map_err(map_err)?;
        tx.commit().map_err(map_err)?;
        Ok(id)
    }

    fn failed_uploads(&mut self, reader: &Scope, account: Option<&str>, limit: usize) -> Result<Vec<FailedUpload>, StoreError> {
        // The uploader's area inside the reader's: counties (?1..?2) or the school (?3).
        let (cond, lo, hi, school) = match reader {
            Scope::Region { lo, hi } => ("area_lo >= ?1 AND area_hi <= ?2 AND ?3 = ''", *lo as i64, *hi as i64, String::new()),
            Scope::School { code, .. } => ("area_school = ?3 AND ?1 = ?2", 0, 0, code.clone()),
            Scope::Nothing => return Ok(Vec::new()),
        };
        let sql = format!("SELECT {FAILED_COLUMNS} FROM failed_uploads WHERE ({cond}) AND (?4 IS NULL OR account = ?4) ORDER BY id DESC LIMIT ?5");
        let mut st = self.platform.prepare_cached(&sql).map_err(map_err)?;
        let rows = st.query_map(params![lo, hi, school, account, limit as i64], failed_from_row).map_err(map_err)?.collect::<rusqlite::Result<Vec<_>>>().map_err(map_err)?;
        Ok(rows.into_iter().filter(|f| f.visible_to(reader) && account.is_none_or(|a| f.account == a)).collect())
    }
}
