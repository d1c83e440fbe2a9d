//! 审计日志 (auditors only): browse and filter by account, action and time, newest first. An
//! auditor reads the entries of accounts in their own part of the organisation tree ([`read`]).

use super::{ready, require, Me};
use crate::error::AppError;
use crate::render::{html, urlencode, Ctx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;
use crate::auth::Identity;
use store::{AuditEntry, AuditFilter, Scope};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/audit", get(page))
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub before: Option<i64>,
}

impl Filters {
    /// These filters as a query string (the export's link).
    pub fn query(&self) -> String {
        format!("actor={}&action={}&from={}&to={}", urlencode(&self.actor), urlencode(&self.action), urlencode(&self.from), urlencode(&self.to))
    }

    /// The filter, before its scope is set by [`read`].
    pub(crate) fn filter(&self, limit: usize) -> AuditFilter {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        AuditFilter { actor: opt(&self.actor), action: opt(&self.action), from: opt(&self.from), to: opt(&self.to), before_id: self.before, limit, scope: Some(Scope::Nothing) }
    }
}

/// The log as `me` may read it, newest first: entries of actors whose node lies in the
/// subtree of `me`'s node (a province auditor's also those of the console and the platform),
/// cut inside the store's query. The console page and the API both read through here.
pub async fn read(app: &AppState, me: &Identity, f: &Filters, limit: usize) -> Result<Vec<AuditEntry>, AppError> {
    let mut filter = f.filter(limit);
    let org = me.user.org_code;
    app.pool
        .run(move |s| {
            filter.scope = Some(s.org_unit(org)?.map_or(Scope::Nothing, |u| Scope::of(&u)));
            s.audit_entries(&filter).map_err(AppError::from)
        })
        .await
}

pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("login", "登录", "sign-in"),
    ("login_failed", "登录失败", "failed sign-in"),
    ("logout", "退出", "sign-out"),
    ("password_change", "修改密码", "password change"),
    ("reveal", "查看完整个人信息", "reveal personal data"),
    ("search", "按证件号或姓名查询", "search by number or name"),
    ("export", "导出", "export"),
    ("import", "导入", "import"),
    ("user_create", "创建用户", "user created"),
    ("user_update", "修改用户", "user changed"),
    ("user_disable", "停用用户", "user disabled"),
    ("user_enable", "启用用户", "user enabled"),
    ("password_reset", "重置密码", "password reset"),
    ("token_create", "创建令牌", "token created"),
    ("token_revoke", "吊销令牌", "token revoked"),
    ("site_create", "登记网站", "site registered"),
    ("site_update", "修改网站", "site changed"),
    ("site_enable", "启用网站监测", "site enabled"),
    ("site_disable", "停用网站监测", "site disabled"),
    ("site_import", "导入网站名单", "sites imported"),
    ("site_baseline", "设定网站基线", "site baseline accepted"),
    ("alert_ack", "确认告警", "alert acknowledged"),
    ("alert_assign", "指派告警", "alert assigned"),
    ("alert_note", "批注告警", "alert annotated"),
    ("alert_close", "关闭告警", "alert closed"),
    ("webhook_add", "添加推送机器人", "alert robot added"),
    ("webhook_test", "测试推送机器人", "alert robot tested"),
    ("webhook_enable", "启用推送机器人", "alert robot enabled"),
    ("webhook_disable", "停用推送机器人", "alert robot disabled"),
    ("webhook_delete", "删除推送机器人", "alert robot deleted"),
    ("transfer_request", "申请转入", "transfer requested"),
    ("transfer_approve", "同意转出", "transfer approved"),
    ("transfer_reject", "驳回转出", "transfer rejected"),
    ("transfer_cancel", "撤回转入申请", "transfer withdrawn"),
    ("mlps_system_create", "登记等保系统", "MLPS system registered"),
    ("mlps_system_update", "修改等保系统", "MLPS system changed"),
    ("mlps_assessment", "登记等级测评", "MLPS assessment recorded"),
    ("mlps_item_add", "添加整改事项", "rectification item added"),
    ("mlps_item_close", "完成整改事项", "rectification item done"),
    ("duty_checklist_publish", "发布责任制清单", "responsibility checklist published"),
    ("duty_item_update", "更新清单事项", "checklist item updated"),
    ("software_create", "登记正版软件", "software entry added"),
    ("software_update", "修改正版软件", "software entry changed"),
    ("software_check", "登记正版化检查", "software check recorded"),
    ("catalog_register", "登记数据资源", "dataset registered"),
    ("catalog_update", "修改数据资源（新版本）", "dataset edited (new version)"),
    ("catalog_sync", "同步平台自动编目", "catalog synced"),
    ("insight_refresh", "重算各校指标事实", "indicator facts recomputed"),
    ("quality_refresh", "重算数据质量得分", "data quality recomputed"),
    ("quality_round_create", "新建数据采集轮次", "collection round created"),
    ("quality_remind", "发送数据采集催报提醒", "collection reminders sent"),
    ("catalog_export", "导出数据资源目录", "catalog exported"),
    ("school_note", "修改学区/服务范围说明", "catchment note changed"),
    ("share_consumer_register", "登记共享使用方", "sharing consumer registered"),
    ("share_account_link", "关联使用方账号", "consumer account linked"),
    ("share_request_submit", "提交共享申请", "sharing request submitted"),
    ("share_request_approve", "批准共享申请", "sharing request approved"),
    ("share_request_reject", "不予批准共享申请", "sharing request rejected"),
    ("share_request_withdraw", "撤回共享申请", "sharing request withdrawn"),
    ("share_grant_revoke", "撤销共享授权", "sharing grant revoked"),
    ("share_publish", "共享变更推送（NATS）", "sharing changes published (NATS)"),
    ("share_remind", "共享申请逾期提醒", "overdue sharing requests reminded"),
    ("duty_remind", "发送值班零报告催报", "duty missing-report reminders sent"),
    ("ledger_remind", "发送软件正版化提醒", "software ledger reminders sent"),
    ("calendar_import", "导入工作日历", "working calendar imported"),
    ("restore", "从备份恢复", "restored from a backup"),
    ("share_pull", "共享取数", "shared data pulled"),
    ("mlps_remind", "发送等保到期提醒", "MLPS reminders sent"),
    ("mlps_import", "导入等保系统", "MLPS systems imported"),
    ("plan_import", "导入信息化工作要点", "work plan imported"),
    ("plan_update", "报送工作要点进展", "work-point progress posted"),
    ("plan_attachment_download", "下载工作要点佐证材料", "work-point evidence downloaded"),
    ("app_filing_create", "登记备案应用", "app filing registered"),
    ("app_filing_import", "导入备案应用", "app filings imported"),
    ("app_block", "禁用应用", "app blocked"),
    ("app_unblock", "解除应用禁用", "app block lifted"),
    ("app_use_propose", "申请使用应用", "app use proposed"),
    ("app_use_school_approve", "学校审核应用使用", "app use approved by the school"),
    ("app_use_county_approve", "区县审核应用使用", "app use approved by the county"),
    ("app_use_rereview", "应用使用年度复审", "app use re-reviewed"),
    ("app_use_reject", "驳回应用使用", "app use rejected"),
    ("app_use_withdraw", "停用应用", "app use withdrawn"),
    ("incident_report", "报告网络安全事件", "incident reported"),
    ("incident_confirm", "确认事件分类分级", "incident confirmed"),
    ("incident_handle", "开始处置事件", "incident handling started"),
    ("incident_note", "记录处置情况", "incident handling noted"),
    ("incident_recover", "事件已恢复", "incident recovered"),
    ("incident_close", "事件结案", "incident closed"),
    ("incident_report_up", "向上级报告事件", "incident reported upward"),
    ("incident_escalate", "事件超时升级", "incident escalated (overdue)"),
    ("incident_review_overdue", "事件复盘逾期", "incident review overdue"),
    ("incident_monitor_open", "监测发现生成事件", "incident opened by the monitor"),
    ("incident_monitor_seen", "监测再次发现", "monitor finding seen again"),
    ("incident_attach", "添加事件附件", "incident attachment added"),
    ("incident_attachment_download", "下载事件附件", "incident attachment downloaded"),
    ("incident_report_export", "导出事件报告", "incident report exported"),
    ("audit_prune", "按保留期清理日志", "retention pruning"),
    ("audit_keyed", "审计链启用密钥", "audit chain keyed"),
    ("audit_head_reset", "重置审计检查点", "audit checkpoint reset"),
];

#[derive(Template)]
#[template(path = "audit.html")]
struct Page {
    c: Ctx,
    f: Filters,
    entries: Vec<AuditEntry>,
    next: Option<String>,
    actions: &'static [(&'static str, &'static str, &'static str)],
}

impl Page {
    fn action_name(&self, code: &str) -> String {
        action_name(&self.c.t, code)
    }

    /// The entry's particulars as a readable line ([`crate::audit_text`]).
    fn detail_text(&self, detail: &str) -> String {
        crate::audit_text::describe_html(detail, self.c.t.is_en())
    }
}

/// An action's name in the reader's language (the page and its export).
pub fn action_name(t: &crate::i18n::T, code: &str) -> String {
    ACTIONS.iter().find(|a| a.0 == code).map(|a| if t.is_en() { a.2 } else { a.1 }).unwrap_or(code).to_string()
}

async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_audit())?;
    let entries = read(&app, &me, &f, 100).await?;
    let next = (entries.len() == 100).then(|| {
        let last = entries.last().map_or(0, |e| e.id);
        format!("actor={}&action={}&from={}&to={}&before={last}", urlencode(&f.actor), urlencode(&f.action), urlencode(&f.from), urlencode(&f.to))
    });
    html(Page { c: Ctx::new(&app, &headers, Some(&me), "/audit", "audit"), f, entries, next, actions: ACTIONS })
}
