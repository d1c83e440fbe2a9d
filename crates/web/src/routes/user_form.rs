//! The new-account form of 用户与令牌 ([`super::admin`]): its fields as entered and every problem
//! of them at once (issue 12).

use crate::auth::Identity;
use crate::error::AppError;
use crate::form::Problems;
use crate::state::AppState;
use serde::Deserialize;
use std::sync::Arc;
use store::Role;

/// The roles as the new-account form lists them, the least powerful first (issue 12: a new
/// account gets the least powerful role unless the administrator chooses another). A data
/// consumer cannot sign in at all, and reads masked data only once a token is made for it.
pub const ROLES_BY_POWER: [Role; 7] = [Role::DataConsumer, Role::Auditor, Role::SchoolAdmin, Role::SecurityOfficer, Role::CountyOfficer, Role::CityOfficer, Role::ProvinceAdmin];

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    /// Empty or missing: the least powerful role ([`ROLES_BY_POWER`]).
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub org_code: String,
}

impl NewUserForm {
    /// The role to show as chosen: the one entered, else the least powerful.
    pub fn picked(&self, r: &Role) -> bool {
        Role::from_code(self.role.trim()).unwrap_or(ROLES_BY_POWER[0]) == *r
    }
}

/// Every problem of the new-account form at once, each against its field (issue 12): the fields'
/// formats, then the node and the role against the writer's area as the store will judge them
/// ([`store::accounts::check_account_write`]). Ok: the account name, the role and the node.
pub async fn check_new_user(app: &Arc<AppState>, me: &Identity, t: &crate::i18n::T, f: &NewUserForm) -> Result<Result<(String, Role, i64), Problems>, AppError> {
    let mut p = Problems::new(t);
    let name = f.name.trim().to_string();
    if name.is_empty() {
        p.add("name", "请填写用户名：2–32 位，由英文字母、数字、点、下划线或连字符组成。", "Enter an account name: 2–32 letters, digits or . _ -, e.g. zhangsan.");
    } else if !((2..=32).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        p.add("name", "用户名应为 2–32 位，由英文字母、数字、点、下划线或连字符组成，不含汉字和空格。", "An account name is 2–32 letters, digits or . _ - (no spaces), e.g. zhangsan.");
    }
    let shown = f.display_name.trim().chars().count();
    if shown > 50 {
        p.add("display_name", format!("姓名不超过 50 个字（现为 {shown} 个），请缩短。"), format!("The full name is at most 50 characters (it has {shown}): shorten it."));
    }
    let role = if f.role.trim().is_empty() { Some(ROLES_BY_POWER[0]) } else { Role::from_code(f.role.trim()) };
    if role.is_none() {
        p.add("role", "请从列表中选择角色。", "Choose a role from the list.");
    }
    let org = f.org_code.trim().parse::<i64>().ok().filter(|o| (100_000..=9_999_999_999).contains(o));
    if org.is_none() {
        p.add("org_code", "所属单位代码应为行政区划代码（6 位数字）或学校标识码（10 位数字），可点“按组织树选择”查找。", "The organisation is a division code (6 digits) or a school identifier (10 digits); use \"Choose from the tree\" to find it.");
    }
    if let (Some(role), Some(org)) = (role, org) {
        let writer = me.scope.clone();
        if let Err(e) = app.pool.run(move |s| store::accounts::check_account_write(s, &writer, role, org, None).map_err(AppError::from)).await {
            let AppError::Conflict { zh, en } = e else { return Err(e) };
            p.add("org_code", zh, en);
        }
    }
    Ok(match (role, org) {
        (Some(role), Some(org)) if p.is_empty() => Ok((name, role, org)),
        _ => Err(p),
    })
}

