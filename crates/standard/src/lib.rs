//! 数据标准 — the education data standard Tianfu holds records to.
//!
//! Pure: code tables are embedded, nothing here reads files, the network or the clock (except
//! [`Date::today`], which callers pass in through [`check::Context`]).
#![forbid(unsafe_code)]

pub mod check;
pub mod codes;
pub mod date;
pub mod ids;
pub mod normalize;
#[macro_use]
pub mod rules;
pub mod apps;
pub mod template;
pub mod versions;

pub use check::{Checked, Context, DupKey, RowChecker, Violation};
pub use date::Date;
pub use ids::{CreditCode, IdError, IdNumber, Mobile, SchoolCode, StudentId};
pub use rules::{Rule, RuleSet, Warning};
pub use template::{Choices, Entity, Field, Form, Kind, Required, Template, CONDITIONS};

/// The language of messages shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}
