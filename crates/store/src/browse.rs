//! Reading records back for people: searches and lists with keyset paging, one record, and the
//! figures of the overview — every one cut to a [`Scope`](crate::access::Scope) inside the query.

use serde::{Deserialize, Serialize};

/// A page of results and the cursor of the next one (opaque, backend-specific), if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next: Option<String>,
}

/// The most rows a page may hold.
pub const MAX_PAGE: usize = 500;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchoolQuery {
    /// A division inside the scope (province, city or county code).
    pub region: Option<u32>,
    /// 办学类型 code (JY/T 1001), e.g. `211`.
    pub school_type: Option<String>,
    /// 城乡分类 code (GB/T 2260 urban-rural code), e.g. `111`, or its first digit (`1` urban, `2` rural).
    pub urban_rural: Option<String>,
    /// Part of the name (substring).
    pub name: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
}

/// Teachers or students.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonQuery {
    /// A division inside the scope.
    pub region: Option<u32>,
    /// One school (学校标识码).
    pub school: Option<String>,
    /// The beginning of the name (a full name matches exactly it and longer names).
    pub name: Option<String>,
    /// An ID number or 学籍号, exactly.
    pub id: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
}

/// One record: its natural key and its values in template order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub key: String,
    pub values: Vec<String>,
}

/// Figures of one division (a city or a county) for the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RegionFigures {
    pub code: u32,
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
}

/// Students by grade code (`11`..`16` primary, `21`..`23` junior, `31`..`33` senior; `0` none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeCount {
    pub grade: u8,
    pub students: u64,
}
