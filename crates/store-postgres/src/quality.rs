//! `store::quality` on PostgreSQL: the queries written once in `store::quality`, run on the
//! store's client.

use crate::error::pg;
use crate::sql::{args, refs, Row};
use crate::PgStore;
use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;
use standard::Date;
use store::facts::Facts;
use store::quality::{self, NewRound, Offence, Offender, ProviderQuality, Quality, Round, RoundStatus, Runner};
use store::sql::{Arg, Dialect, SqlRow};
use store::{Scope, StoreError};

struct Conn<'a>(&'a mut Client);

impl Runner for Conn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn each(&mut self, sql: &str, a: Vec<Arg>, f: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let a = args(a);
        let mut it = self.0.query_raw(sql, refs(&a)).map_err(pg)?;
        while let Some(r) = it.next().map_err(pg)? {
            f(&Row(&r))?;
        }
        Ok(())
    }

    fn exec(&mut self, sql: &str, a: Vec<Arg>) -> Result<u64, StoreError> {
        if a.is_empty() && matches!(sql, "BEGIN" | "COMMIT" | "ROLLBACK") {
            return self.0.batch_execute(sql).map(|_| 0).map_err(pg);
        }
        let a = args(a);
        self.0.execute(sql, &refs(&a)).map_err(pg)
    }
}

impl Quality for PgStore {
    fn refresh_quality(&mut self, scope: &Scope, day: Date) -> Result<u64, StoreError> {
        if !scope.is_province_wide() {
            return Err(StoreError::OutOfScope);
        }
        let facts = self.school_facts(&Scope::all())?;
        let mut c = Conn(&mut self.client);
        let rows: Vec<ProviderQuality> = quality::count(&mut c, &facts, day)?;
        quality::write_snapshot(&mut c, day, &rows)
    }

    fn quality(&mut self, scope: &Scope) -> Result<Vec<ProviderQuality>, StoreError> {
        quality::read_latest(&mut Conn(&mut self.client), scope)
    }

    fn quality_trend(&mut self, scope: &Scope, county: u32, school: &str) -> Result<Vec<ProviderQuality>, StoreError> {
        quality::read_trend(&mut Conn(&mut self.client), scope, county, school)
    }

    fn offenders(&mut self, scope: &Scope, offence: Offence, county: u32, school: &str) -> Result<Vec<Offender>, StoreError> {
        quality::read_offenders(&mut Conn(&mut self.client), scope, offence, county, school)
    }

    fn create_round(&mut self, scope: &Scope, r: &NewRound, by: &str) -> Result<i64, StoreError> {
        quality::create_round(&mut Conn(&mut self.client), scope, r, by)
    }

    fn rounds(&mut self, scope: &Scope) -> Result<Vec<Round>, StoreError> {
        quality::read_rounds(&mut Conn(&mut self.client), scope)
    }

    fn round_status(&mut self, scope: &Scope, id: i64, today: Date) -> Result<(Round, Vec<RoundStatus>), StoreError> {
        quality::read_round_status(&mut Conn(&mut self.client), scope, id, today)
    }

    fn record_round_reminder(&mut self, scope: &Scope, id: i64, county: u32, day: Date) -> Result<bool, StoreError> {
        quality::record_reminder(&mut Conn(&mut self.client), scope, id, county, day)
    }
}
