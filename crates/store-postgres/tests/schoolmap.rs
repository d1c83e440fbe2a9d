//! The school map's suite (places and catchment notes) on PostgreSQL. Needs
//! `TIANFU_TEST_DATABASE_URL`; each test in a schema of its own.

mod common;

use common::fresh;

store::schoolmap_suite!(match fresh() {
    Some(s) => s,
    None => return,
});
