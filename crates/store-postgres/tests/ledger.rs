//! The 责任制 / 正版化 registers suite on PostgreSQL. Needs `TIANFU_TEST_DATABASE_URL`; each test in a
//! schema of its own.

mod common;

use common::fresh;

store::ledger_suite!(match fresh() {
    Some(s) => s,
    None => return,
});
