//! Page sizes of the JSON API, shared by every resource's list below the routes.

use crate::error::AppError;
use serde::Deserialize;

/// `?limit=`, 100 unless given (every list of the API).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Limit {
    /// 每页条数 1–500，默认 100 / Rows per page, 1–500 (100 unless given).
    #[serde(default = "default_limit")]
    #[param(default = 100, minimum = 1, maximum = 500)]
    pub limit: usize,
}

pub fn default_limit() -> usize {
    100
}

/// A page size the API accepts: 1 to `MAX_PAGE`.
pub fn check_limit(n: usize) -> Result<usize, AppError> {
    if (1..=store::browse::MAX_PAGE).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::invalid(format!("limit 应在 1–{} 之间。", store::browse::MAX_PAGE), format!("limit must be 1–{}.", store::browse::MAX_PAGE)))
    }
}
