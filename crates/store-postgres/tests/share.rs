//! The sharing exchange suite on PostgreSQL. Needs `TIANFU_TEST_DATABASE_URL`; each test in a
//! schema of its own.

mod common;

use common::fresh;

store::share_suite!(match fresh() {
    Some(s) => s,
    None => return,
});
