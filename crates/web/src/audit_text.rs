//! An audit entry's particulars as a sentence an auditor reads (`导入 学生 文件 students.csv：读取
//! 1,000 行，新增 990 条，拒绝 10 条`), not as the JSON the log stores. The stored JSON stays the
//! record of truth and is shown beside it, folded.
//!
//! Every key a detail may carry has a label here ([`KEYS`]); a test reads the sources of the
//! crates that write audit entries and fails on a key without one, so a new domain adds its
//! labels when it adds its entries. Values: numbers with separators, yes/no, entities, roles,
//! channels and the like by name; hashes shortened; anything else as written.

use serde_json::Value;

/// (key, Chinese, English). Keys whose value is a keyed hash (an investigator's handle, never
/// personal data) are shown shortened.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("entity", "数据类别", "records"),
    ("file", "文件", "file"),
    ("rows_read", "读取行数", "rows read"),
    ("rows", "行数", "rows"),
    ("inserted", "新增", "added"),
    ("updated", "更新", "updated"),
    ("unchanged", "未变", "unchanged"),
    ("rejected", "拒绝", "rejected"),
    ("already_imported", "此前已导入", "imported before"),
    ("bytes", "文件大小（字节）", "bytes"),
    ("sha256", "文件摘要", "file digest"),
    ("user", "导入账号", "account"),
    ("via", "途径", "via"),
    ("client_key", "推送键", "push key"),
    ("by", "查询方式", "searched by"),
    ("query_hmac", "查询值标识", "query handle"),
    ("key_hmac", "记录标识", "record handle"),
    ("hmac", "标识", "handle"),
    ("hits", "命中", "hits"),
    ("school", "学校标识码", "school code"),
    ("what", "内容", "content"),
    ("masked", "已脱敏", "masked"),
    ("format", "格式", "format"),
    ("filter", "筛选条件", "filter"),
    ("to", "至", "to"),
    ("review_due_at", "复盘期限", "review due"),
    ("review_overdue", "复盘逾期", "review overdue"),
    ("for", "代表账号", "on behalf of"),
    ("reason", "原因", "reason"),
    ("attempts", "连续失败次数", "failed attempts"),
    ("role", "角色", "role"),
    ("org", "所属单位代码", "organisation code"),
    ("unit", "所属单位代码", "unit code"),
    ("filed", "已备案", "filed"),
    ("next_due", "下一到期日", "next due date"),
    ("action", "操作", "action"),
    ("name", "名称", "name"),
    ("user_id", "账号编号", "account id"),
    ("expires_at", "有效期至", "expires"),
    ("url", "网址", "URL"),
    ("category", "网站类别", "site category"),
    ("interval_minutes", "检测间隔（分钟）", "check interval (minutes)"),
    ("before", "修改前", "before"),
    ("after", "修改后", "after"),
    ("renewed", "重新采集", "renewed"),
    ("page_at", "页面采集时间", "page captured at"),
    ("accepted", "接受基线的网站数", "sites accepted"),
    ("deleted", "删除条数", "entries deleted"),
    ("retention_days", "保留天数", "retention days"),
    ("first_start", "首次启动", "first start"),
    ("year", "年度", "year"),
    ("plan", "工作计划", "plan"),
    ("point", "工作要点", "work point"),
    ("points", "要点数", "work points"),
    ("progress", "完成进度", "progress"),
    ("task", "任务", "task"),
    ("holidays", "节假日天数", "holidays"),
    ("workdays", "调休上班天数", "working weekend days"),
    ("backup_created_at", "备份时间", "backup made at"),
    ("backup_version", "备份版本", "backup version"),
    ("backend", "数据库", "database"),
    ("unkeyed_entries", "未加密钥的旧记录", "unkeyed entries"),
    ("unkeyed_problems", "旧记录中的问题", "problems in unkeyed entries"),
    ("error", "错误", "error"),
    ("status", "状态", "status"),
    ("sites", "网站数", "sites"),
    ("entries", "条数", "entries"),
    ("id", "编号", "id"),
    ("list", "列表", "list"),
    ("kind", "类型", "kind"),
    ("host", "主机", "host"),
    ("site", "网站编号", "site id"),
    ("from", "自", "from"),
    ("to_school", "转入学校", "to school"),
    ("from_school", "转出学校", "from school"),
    ("state", "状态", "state"),
    ("note", "备注", "note"),
    ("assignee", "处理人", "assignee"),
    ("chars", "文字长度（字）", "characters"),
    ("region", "地区代码", "region code"),
    ("drill", "下钻条件", "drill-down filter"),
    ("type", "学校类型代码", "school type code"),
    ("urban_rural", "城乡分类代码", "urban/rural code"),
    ("actor", "账号", "account"),
    ("level", "级别", "level"),
    ("mine", "仅本人", "own only"),
    ("all", "全部", "all"),
    ("anchor", "清理锚点", "pruning anchor"),
    ("last_id", "最后编号", "last id"),
    ("hash", "哈希", "hash"),
    ("unkeyed_head", "旧日志末条", "last unkeyed entry"),
    ("old", "原值", "old value"),
    // Issue 13's registers.
    ("all_clear", "无异常", "all clear"),
    ("area", "区域", "area"),
    ("assessed", "含测评", "with assessments"),
    ("attachment", "附件", "attachment"),
    ("checklist", "清单", "checklist"),
    ("compliant", "符合项", "compliant"),
    ("day", "日期", "day"),
    ("ends", "结束", "ends"),
    ("ends_on", "结束日期", "ends on"),
    ("failed", "发送失败", "failed"),
    ("field", "字段", "field"),
    ("filing_no", "备案号", "filing number"),
    ("grade", "分级", "grade"),
    ("incident", "事件", "incident"),
    ("installed", "安装数量", "installed"),
    ("dataset", "数据资源代码", "dataset"),
    ("version", "版本", "version"),
    ("provider", "提供方", "provider"),
    ("share_type", "共享类型", "share type"),
    ("item", "检查项（第几项）", "checklist item (number)"),
    ("items", "事项数", "items"),
    ("late", "逾期上报", "late"),
    ("licensed", "授权数量", "licensed"),
    ("overdue", "超期", "overdue"),
    ("post", "岗位", "post"),
    ("mobile_changed", "手机号码已更改", "mobile changed"),
    ("reason_len", "原因字数", "reason length"),
    ("refused", "拒收原因", "refused"),
    ("reporters", "报告单位", "reporting units"),
    ("sent", "已发送", "sent"),
    ("size", "大小（字节）", "size (bytes)"),
    ("starts", "开始", "starts"),
    ("starts_on", "开始日期", "starts on"),
    ("steps", "步骤数", "steps"),
    ("units", "单位数", "units"),
    ("webhook", "机器人", "robot"),
    ("messages", "消息数", "messages"),
    ("scope", "范围", "scope"),
    ("schools_written", "写入学校数", "schools written"),
    ("seconds", "用时（秒）", "seconds"),
    ("opens_on", "开始日期", "opens on"),
    ("due_on", "截止日期", "due on"),
    ("counties", "区县数", "counties"),
    ("department", "部门类别", "department"),
    ("fields", "字段", "fields"),
    ("grant", "授权编号", "grant"),
    ("consumer", "使用方编号", "consumer"),
    ("subject", "推送主题", "subject"),
    ("requests", "申请数", "requests"),
];

/// Values shown by name: (value, Chinese, English), whatever the key.
const VALUES: &[(&str, &str, &str)] = &[
    ("school", "学校", "schools"),
    ("teacher", "教师", "teachers"),
    ("student", "学生", "students"),
    ("site", "网站", "sites"),
    ("console", "管理控制台", "console"),
    ("api", "数据接口", "API"),
    ("push", "推送接口（伴随式采集）", "push API"),
    ("cli", "命令行", "command line"),
    ("audit find-id", "命令行按证件号查找审计记录", "audit find-id (command line)"),
    ("number", "证件号", "ID number"),
    ("name", "姓名", "name"),
    ("records", "记录", "records"),
    ("error_workbook", "错误明细工作簿（含完整个人信息）", "error workbook (unmasked)"),
    ("rejected_rows", "被拒绝的行（含完整个人信息）", "rejected rows (unmasked)"),
    ("csv", "CSV", "CSV"),
    ("xlsx", "Excel（XLSX）", "Excel (XLSX)"),
    ("stdout", "标准输出", "standard output"),
    ("wrong_password", "密码错误", "wrong password"),
    ("disabled", "账号已停用", "account disabled"),
    ("unknown_account", "账号不存在", "no such account"),
    ("api_only", "数据接口账号不能登录控制台", "an API-only account"),
    ("delayed", "失败次数过多，需稍后再试", "too many failures: wait"),
    ("disable", "停用", "disable"),
    ("enable", "启用", "enable"),
    ("reset", "重置密码", "password reset"),
    ("sqlite", "SQLite", "SQLite"),
    ("list", "列表", "list"),
    ("report", "统计报表", "statistics report"),
    ("overview", "数据总览", "overview"),
    ("schools", "学校", "schools"),
    ("teachers", "教师", "teachers"),
    ("students", "学生", "students"),
    ("sites", "网站", "sites"),
    ("alerts", "安全告警", "alerts"),
    ("audit", "审计日志", "audit log"),
    ("batches", "导入批次", "import batches"),
    ("open", "未处理", "open"),
    ("acked", "已确认", "acknowledged"),
    ("closed", "已关闭", "closed"),
    ("pending", "待审批", "pending"),
    ("approved", "已同意", "approved"),
    ("rejected", "已驳回", "rejected"),
    ("cancelled", "已撤回", "withdrawn"),
    ("dingtalk", "钉钉", "DingTalk"),
    ("wecom", "企业微信", "WeCom"),
    ("feishu", "飞书", "Feishu"),
    ("generic", "通用 JSON", "generic JSON"),
    ("postgres", "PostgreSQL", "PostgreSQL"),
    ("submitted", "待审核", "submitted"),
    ("jsonl", "JSON Lines", "JSON Lines"),
    ("json", "JSON", "JSON"),
];

#[cfg(test)]
fn label(key: &str, en: bool) -> Option<&'static str> {
    KEYS.iter().find(|k| k.0 == key).map(|k| if en { k.2 } else { k.1 })
}

fn value_text(key: &str, v: &Value, en: bool) -> String {
    match v {
        Value::Bool(b) => (if *b { if en { "yes" } else { "是" } } else if en { "no" } else { "否" }).to_string(),
        Value::Number(n) => match n.as_u64() {
            Some(u) => thousands(u),
            None => n.to_string(),
        },
        Value::String(s) if key.ends_with("hmac") || key == "sha256" || key == "hash" => code(&(s.chars().take(12).collect::<String>() + "…")),
        Value::String(s) => match VALUES.iter().find(|x| x.0 == s) {
            Some(x) => (if en { x.2 } else { x.1 }).to_string(),
            None if key == "role" => match store::Role::from_code(s) {
                Some(r) => (if en { r.en() } else { r.zh() }).to_string(),
                None => s.clone(),
            },
            None if s.is_empty() => "—".to_string(),
            // An account, file or host name, an address: shown as written, marked as such.
            None if s.is_ascii() && s.chars().any(|c| c.is_ascii_alphabetic()) => code(s),
            // An attachment's name as uploaded (`钓鱼邮件原文.txt`): as written, whatever its script.
            None if key == "name" && s.chars().any(|c| c.is_ascii_alphabetic()) => code(s),
            None => s.clone(),
        },
        Value::Null => "—".to_string(),
        Value::Array(a) => a.iter().map(|x| value_text(key, x, en)).collect::<Vec<_>>().join(if en { ", " } else { "、" }),
        Value::Object(_) => format!("（{}）", fields(v, en)),
    }
}

fn fields(v: &Value, en: bool) -> String {
    let Value::Object(m) = v else { return String::new() };
    // In the order of KEYS (what was done, then counts, then particulars), not the JSON's.
    let parts: Vec<String> = KEYS
        .iter()
        .filter_map(|k| m.get(k.0).map(|x| format!("{}{}{}", if en { k.2 } else { k.1 }, if en { ": " } else { "：" }, value_text(k.0, x, en))))
        .collect();
    parts.join(if en { "; " } else { "；" })
}

fn thousands(v: u64) -> String {
    // The console's own separators (the same in both languages).
    crate::i18n::T { lang: crate::i18n::Lang::Zh }.n(v)
}

/// Marks a value shown as written (a hash, an account or file name) for [`describe_html`].
const CODE_START: char = '\u{1}';
const CODE_END: char = '\u{2}';

fn code(s: &str) -> String {
    format!("{CODE_START}{s}{CODE_END}")
}

fn sentence(detail: &str, en: bool) -> String {
    match serde_json::from_str::<Value>(detail) {
        Ok(v @ Value::Object(_)) => fields(&v, en),
        _ => String::new(),
    }
}

/// The particulars of an entry as one readable line ("" when it has none, or none we can name:
/// the stored JSON is shown beside it anyway).
pub fn describe(detail: &str, en: bool) -> String {
    sentence(detail, en).replace([CODE_START, CODE_END], "")
}

/// [`describe`] as HTML for the console: the text escaped, and each value shown as written
/// (hashes, account, file and host names) in a `<span data-code>`, told apart from the words
/// (issue 12: no code or English word is shown as if it were part of the Chinese sentence).
pub fn describe_html(detail: &str, en: bool) -> String {
    let mut out = String::new();
    for c in sentence(detail, en).chars() {
        match c {
            CODE_START => out.push_str("<span data-code>"),
            CODE_END => out.push_str("</span>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_reads_as_a_sentence() {
        let d = r#"{"file":"students.csv","entity":"student","rows_read":1000,"inserted":990,"rejected":10,"via":"console"}"#;
        let zh = describe(d, false);
        assert!(zh.contains("文件：students.csv"), "{zh}");
        assert!(zh.contains("数据类别：学生") && zh.contains("读取行数：1,000") && zh.contains("拒绝：10") && zh.contains("途径：管理控制台"), "{zh}");
        assert!(!zh.contains("rows_read") && !zh.contains('{'), "{zh}");
        let en = describe(d, true);
        assert!(en.contains("rows read: 1,000") && en.contains("records: students"), "{en}");
    }

    #[test]
    fn values_as_written_are_marked_and_escaped_in_html() {
        let d = r#"{"file":"<b>s.csv","entity":"student","key_hmac":"0123456789abcdef0123","via":"console"}"#;
        let h = describe_html(d, false);
        assert!(h.contains("文件：<span data-code>&lt;b&gt;s.csv</span>"), "{h}");
        assert!(h.contains("记录标识：<span data-code>0123456789ab…</span>") && h.contains("途径：管理控制台"), "{h}");
        assert!(!describe(d, false).contains('\u{1}'), "the plain line carries no marks");
        let h = describe_html(r#"{"name":"处置报告（演示）.txt","size":10}"#, false);
        assert!(h.contains("<span data-code>处置报告（演示）.txt</span>"), "a file name with Latin letters: {h}");
    }

    #[test]
    fn hashes_are_shortened_and_booleans_named() {
        let d = r#"{"entity":"student","by":"number","query_hmac":"0123456789abcdef0123","hits":1,"masked":false}"#;
        let zh = describe(d, false);
        assert!(zh.contains("查询方式：证件号") && zh.contains("查询值标识：0123456789ab…") && zh.contains("已脱敏：否"), "{zh}");
        assert_eq!(describe("{}", false), "");
        assert_eq!(describe("not json", false), "");
    }

    #[test]
    fn nested_objects_are_bracketed() {
        let d = r#"{"before":{"name":"甲","interval_minutes":5},"after":{"name":"乙","interval_minutes":10},"via":"api"}"#;
        let zh = describe(d, false);
        assert!(zh.contains("修改前：（名称：甲；检测间隔（分钟）：5）"), "{zh}");
        assert!(zh.contains("途径：数据接口"), "{zh}");
    }

    /// Every key written into an audit detail by the crates' sources has a label: `json!({ "key": …`
    /// in the code that writes audit entries (a new domain adds its labels here).
    #[test]
    fn every_detail_key_in_the_sources_has_a_label() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut missing = std::collections::BTreeSet::new();
        let mut files = Vec::new();
        for dir in ["web/src", "tianfu/src/cmd", "loader/src", "store/src"] {
            collect(&root.join(dir), &mut files);
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            if f.ends_with("audit_text.rs") || !(text.contains("audit_by(") || text.contains("AuditEvent {") || text.contains(".audit(")) {
                continue;
            }
            // Only the JSON objects of files that write audit entries; protocol bodies (webhooks,
            // API answers) live elsewhere.
            let mut rest = text.as_str();
            while let Some(i) = rest.find("json!({") {
                let body = &rest[i + 7..];
                let end = body.find("})").unwrap_or(body.len());
                for part in body[..end].split('"').collect::<Vec<_>>().chunks(2).filter_map(|c| c.get(1)) {
                    let after = body[..end].split(&format!("\"{part}\"")).nth(1).unwrap_or("");
                    if after.trim_start().starts_with(':') && part.chars().all(|c| c.is_ascii_lowercase() || c == '_') && label(part, false).is_none() {
                        missing.insert(format!("{part} ({})", f.file_name().unwrap().to_string_lossy()));
                    }
                }
                rest = &body[end..];
            }
        }
        assert!(missing.is_empty(), "audit detail keys without a label in audit_text::KEYS: {missing:?}");
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
}
