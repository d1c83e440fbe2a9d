//! 安全管理 — Tianfu security management: incidents by the emergency plan, the 等保 register,
//! the education-app register, inspections. Rules only (no HTTP, no SQL): the types and the
//! storage traits are in `store`, the pages in `web`.
#![forbid(unsafe_code)]

pub mod incidents;
