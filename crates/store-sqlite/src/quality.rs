//! `store::quality` on SQLite: the queries written once in `store::quality`, run on the base
//! file's connection (snapshots and the calendar live beside the batches they are counted from).

use crate::sql::{params, Row};
use crate::{map_err, SqliteStore};
use rusqlite::Connection;
use standard::Date;
use store::facts::Facts;
use store::quality::{self, NewRound, Offence, Offender, ProviderQuality, Quality, Round, RoundStatus, Runner};
use store::sql::{Arg, Dialect, SqlRow};
use store::{Scope, StoreError};

struct Conn<'a>(&'a Connection);

impl Runner for Conn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn each(&mut self, sql: &str, args: Vec<Arg>, f: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let mut st = self.0.prepare_cached(sql).map_err(map_err)?;
        let mut rows = st.query(params(args)).map_err(map_err)?;
        while let Some(r) = rows.next().map_err(map_err)? {
            f(&Row(r))?;
        }
        Ok(())
    }

    fn exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        if args.is_empty() && matches!(sql, "BEGIN" | "COMMIT" | "ROLLBACK") {
            let sql = if sql == "BEGIN" { "BEGIN IMMEDIATE" } else { sql };
            return self.0.execute_batch(sql).map(|_| 0).map_err(map_err);
        }
        let mut st = self.0.prepare_cached(sql).map_err(map_err)?;
        st.execute(params(args)).map(|n| n as u64).map_err(map_err)
    }
}

impl Quality for SqliteStore {
    fn refresh_quality(&mut self, scope: &Scope, day: Date) -> Result<u64, StoreError> {
        if !scope.is_province_wide() {
            return Err(StoreError::OutOfScope);
        }
        let facts = self.school_facts(&Scope::all())?;
        let mut c = Conn(self.connection());
        let rows: Vec<ProviderQuality> = quality::count(&mut c, &facts, day)?;
        quality::write_snapshot(&mut c, day, &rows)
    }

    fn quality(&mut self, scope: &Scope) -> Result<Vec<ProviderQuality>, StoreError> {
        quality::read_latest(&mut Conn(self.connection()), scope)
    }

    fn quality_trend(&mut self, scope: &Scope, county: u32, school: &str) -> Result<Vec<ProviderQuality>, StoreError> {
        quality::read_trend(&mut Conn(self.connection()), scope, county, school)
    }

    fn offenders(&mut self, scope: &Scope, offence: Offence, county: u32, school: &str) -> Result<Vec<Offender>, StoreError> {
        quality::read_offenders(&mut Conn(self.connection()), scope, offence, county, school)
    }

    fn create_round(&mut self, scope: &Scope, r: &NewRound, by: &str) -> Result<i64, StoreError> {
        quality::create_round(&mut Conn(self.connection()), scope, r, by)
    }

    fn rounds(&mut self, scope: &Scope) -> Result<Vec<Round>, StoreError> {
        quality::read_rounds(&mut Conn(self.connection()), scope)
    }

    fn round_status(&mut self, scope: &Scope, id: i64, today: Date) -> Result<(Round, Vec<RoundStatus>), StoreError> {
        quality::read_round_status(&mut Conn(self.connection()), scope, id, today)
    }

    fn record_round_reminder(&mut self, scope: &Scope, id: i64, county: u32, day: Date) -> Result<bool, StoreError> {
        quality::record_reminder(&mut Conn(self.connection()), scope, id, county, day)
    }
}
