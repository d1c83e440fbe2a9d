//! 安全管理 — Tianfu security management: the registers of the plan that makes every unit
//! responsible for its network security, with deadlines nobody can miss — incidents by the
//! emergency plan, the 等保 register (the education-app register and inspections to come).
//! Rules only (no HTTP, no SQL): the types and the storage traits are in `store`, the pages in
//! `web`.
#![forbid(unsafe_code)]

pub mod checks;
pub mod incidents;
pub mod ledger;
pub mod duty;
pub mod form;
pub mod apps;
pub mod mlps;
pub mod mlps_import;
pub mod plan;
