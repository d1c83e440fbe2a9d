//! 安全管理 — Tianfu security management: the registers of the plan that makes every unit
//! responsible for its network security, with deadlines nobody can miss. Rules only (no HTTP):
//! the storage is in `store`, the pages in `web`.
#![forbid(unsafe_code)]

pub mod mlps;
