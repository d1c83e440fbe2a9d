//! The incidents' demo data (issue 13): the monitor's open findings on the demo sites become
//! incidents awaiting confirmation (one of them a demo site's defaced home page), and a few
//! incidents reported by people in other states — closed with a review, being handled, overdue
//! and escalated, recovered with its review (复盘) overdue — all through the same functions as
//! the console, marked 演示. Evidence files and a report (a small PNG screenshot, UTF-8 text)
//! are stored through `store::attachments` and linked to their incidents' timelines, as an
//! upload on the console does (audited `incident_attach`).

use secman::incidents::{self, NewIncident, Rules, StepInput};
use store::clock::TestClock;
use store::flow::Actor;
use store::incidents::IncidentQuery;
use store::monitor::{AlertQuery, NewAlert};
use store::attachments::{self, Files, Owner};
use store::audit::AuditEvent;
use store::incidents::{Incident, Step};
use store::{Backend, Role, Scope, StoreError};

/// A demo screenshot (48×32 PNG: a red banner over grey lines, standing for a defaced page).
const SCREENSHOT: &[u8] = include_bytes!("demo_screenshot.png");

/// Stores `content` as `name` and puts it on the incident's timeline at the clock's time.
fn attach(s: &mut dyn Backend, files: &Files, who: &Actor, id: i64, name: &str, content: &[u8], clock: &TestClock) -> Result<(), StoreError> {
    let i: Incident = s.incident(&who.scope, id)?.ok_or(StoreError::OutOfScope)?;
    let owner = Owner { region: u32::try_from(i.region).unwrap_or(0), school: i.school.clone() };
    let a = attachments::save(s, files, &who.scope, &who.name, owner, name, None, &mut &content[..], clock).map_err(|e| StoreError::Internal(format!("demo attachment {name}: {e:?}")))?;
    let step = Step { incident_id: id, at: a.uploaded_at, actor: who.name.clone(), action: "attach".into(), state: i.state, note: a.name.clone(), to_unit: None };
    s.attach_to_incident(&who.scope, id, a.id, &step)?;
    let detail = serde_json::json!({ "attachment": a.id, "name": a.name, "size": a.size, "kind": a.kind.code() }).to_string();
    s.append_audit(&AuditEvent { actor: who.name.clone(), action: "incident_attach".into(), target: format!("incident:{id}"), detail, ip: who.ip.clone(), outcome: "ok".into() })?;
    Ok(())
}

/// Seeds once (nothing when incidents exist); the number of incidents written. Attachments go to
/// `files` (`<data dir>/attachments`).
pub fn seed(s: &mut dyn Backend, now: i64, files: &Files) -> Result<usize, StoreError> {
    if !s.incidents(&Scope::all(), &IncidentQuery { limit: 1, ..Default::default() })?.is_empty() {
        return Ok(0);
    }
    let rules = Rules::default();
    let demo = Actor::new("演示·安全管理员", Role::SecurityOfficer, Scope::province(51), "127.0.0.1");
    // A demo site whose home page was defaced 40 minutes ago (its alert as the worker raises it).
    let open = s.alerts_page(&Scope::all(), &AlertQuery { active_only: true, limit: 500, ..Default::default() })?.rows;
    let quiet = s.all_sites(&Scope::province(51), &Default::default())?.into_iter().find(|x| !open.iter().any(|a| a.site_id == x.id));
    if let Some(site) = quiet {
        s.open_alert(&NewAlert { site_id: site.id, kind: "tampered".into(), severity: "critical".into(), message: format!("{}首页内容与基线差异 72%：新增“网站已被接管”等文字", crate::sites::MARK), at: now - 40 * 60 })?;
    }
    let clock = TestClock::at(now - 3 * 86_400);
    let step = |s: &mut dyn Backend, id: i64, action: &str, input: StepInput, clock: &TestClock, after: i64| -> Result<(), StoreError> {
        clock.advance(after);
        incidents::take(s, &demo, id, action, &input, &rules, clock).map(drop)
    };
    let note = |n: &str| StepInput { note: n.into(), ..Default::default() };
    // Closed three days on: a phishing mail at a district bureau.
    let n = NewIncident { title: "【演示】武侯区教育局邮箱遭钓鱼邮件攻击".into(), unit: "510107".into(), unit_kind: "other".into(), description: "多名工作人员收到仿冒“教育厅通知”的钓鱼邮件，1 人点击链接并输入了邮箱口令。".into(), discovered_at: Some(now - 3 * 86_400 - 1800), proposed_class: Some("C02-05".into()), proposed_grade: Some(4) };
    let a = incidents::report(s, &demo, &n, &rules, &clock)?;
    step(s, a.id, "confirm", StepInput { class_code: Some("C02-05".into()), grade: Some(4), note: "核实为网络钓鱼，未发现数据外泄".into(), to_unit: None }, &clock, 900)?;
    step(s, a.id, "report_up", StepInput { to_unit: Some("成都市教育局".into()), note: "电话报告并报送书面材料".into(), ..Default::default() }, &clock, 600)?;
    clock.advance(300);
    attach(s, files, &demo, a.id, "钓鱼邮件原文（演示）.txt", "【演示数据】\n发件人：教育厅办公室 <notice@edu-sc-gov.example>\n主题：关于核对教职工邮箱账号的紧急通知\n正文：请于今日内点击下方链接登录核对，逾期账号将被停用。\n链接：http://mail-check.example/login\n（发件域名与教育厅域名不符，链接指向仿冒登录页。）\n".as_bytes(), &clock)?;
    step(s, a.id, "handle", note("重置涉事邮箱口令，封禁钓鱼域名，全员提醒"), &clock, 300)?;
    step(s, a.id, "recover", note("邮件系统运行正常"), &clock, 7200)?;
    clock.advance(3600);
    attach(s, files, &demo, a.id, "事件处置报告（演示）.txt", "【演示数据】武侯区教育局钓鱼邮件事件处置报告\n一、事件经过：多名工作人员收到仿冒通知的钓鱼邮件，1 人输入了邮箱口令。\n二、处置情况：重置口令，封禁钓鱼域名，全员提醒。\n三、影响：1 个邮箱口令泄露，未发现数据外泄。\n四、整改措施：开启双因素认证，每学期开展一次钓鱼演练。\n".as_bytes(), &clock)?;
    step(s, a.id, "close", note("原因：仿冒通知的钓鱼邮件；影响：1 个邮箱口令泄露，未发现数据外泄；整改：开启双因素认证，每学期开展一次钓鱼演练。"), &clock, 86_400)?;
    // Being handled: ransomware in a school lab, reported upward in time.
    let clock = TestClock::at(now - 5 * 3600);
    let n = NewIncident { title: "【演示】锦江区某中学机房电脑感染勒索软件".into(), unit: "510104".into(), unit_kind: "other".into(), description: "机房 12 台电脑文件被加密，桌面出现勒索信息。".into(), discovered_at: Some(now - 5 * 3600 - 600), proposed_class: Some("C01-05".into()), proposed_grade: Some(3) };
    let b = incidents::report(s, &demo, &n, &rules, &clock)?;
    step(s, b.id, "confirm", StepInput { class_code: Some("C01-05".into()), grade: Some(3), note: "确认为勒索软件，已断网隔离".into(), to_unit: None }, &clock, 1200)?;
    step(s, b.id, "report_up", StepInput { to_unit: Some("成都市教育局".into()), note: "1 小时内电话报告".into(), ..Default::default() }, &clock, 600)?;
    step(s, b.id, "handle", note("断网隔离，保留样本，联系技术支撑单位"), &clock, 600)?;
    clock.advance(300);
    attach(s, files, &demo, b.id, "勒索信息截图（演示）.png", SCREENSHOT, &clock)?;
    // Recovered two weeks ago, its review (复盘) not written: overdue by the working days.
    let clock = TestClock::at(now - 14 * 86_400);
    let n = NewIncident { title: "【演示】青羊区某小学网站遭流量攻击无法访问".into(), unit: "510105".into(), unit_kind: "other".into(), description: "网站连续 3 小时无法访问，服务器带宽被占满。".into(), discovered_at: Some(now - 14 * 86_400 - 600), proposed_class: Some("C02-01".into()), proposed_grade: Some(4) };
    let d = incidents::report(s, &demo, &n, &rules, &clock)?;
    step(s, d.id, "confirm", StepInput { class_code: Some("C02-01".into()), grade: Some(4), note: "确认为拒绝服务攻击".into(), to_unit: None }, &clock, 900)?;
    step(s, d.id, "report_up", StepInput { to_unit: Some("青羊区教育局".into()), note: "电话报告".into(), ..Default::default() }, &clock, 600)?;
    step(s, d.id, "handle", note("联系运营商清洗流量，启用备用线路"), &clock, 600)?;
    step(s, d.id, "recover", note("网站恢复访问"), &clock, 3 * 3600)?;
    clock.advance(600);
    attach(s, files, &demo, d.id, "流量监测截图（演示）.png", SCREENSHOT, &clock)?;
    // Overdue: reported six hours ago, never reported upward — the sweep escalates it.
    let clock = TestClock::at(now - 6 * 3600);
    let n = NewIncident { title: "【演示】龙泉驿区教育局门户网站首页被篡改".into(), unit: "510112".into(), unit_kind: "other".into(), description: "首页标题被改为博彩广告。".into(), discovered_at: Some(now - 6 * 3600), proposed_class: Some("C02-11".into()), proposed_grade: Some(3) };
    incidents::report(s, &demo, &n, &rules, &clock)?;
    // The monitor's findings (hidden links, the defaced page, outages longer than an hour).
    let now_clock = TestClock::at(now);
    incidents::intake(s, &rules, &now_clock)?;
    incidents::sweep(s, &rules, &now_clock)?;
    Ok(s.incidents(&Scope::all(), &IncidentQuery { limit: 500, ..Default::default() })?.len())
}
