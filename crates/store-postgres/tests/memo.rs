//! The remembered aggregates' suite on PostgreSQL (`TIANFU_TEST_DATABASE_URL`; each test in a
//! schema of its own): the second handle is another connection to the same schema.

mod common;

use common::{fresh, TestStore};

store::memo_suite!(
    match fresh() {
        Some(s) => s,
        None => return,
    },
    |t: &TestStore| t.second()
);
