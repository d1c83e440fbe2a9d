//! The incidents' demo data (issue 13): the monitor's open findings on the demo sites become
//! incidents awaiting confirmation (one of them a demo site's defaced home page), and a few
//! incidents reported by people in other states — closed with a review, being handled, overdue
//! and escalated — all through the same functions as the console, marked 演示.

use secman::incidents::{self, NewIncident, Rules, StepInput};
use store::clock::TestClock;
use store::flow::Actor;
use store::incidents::IncidentQuery;
use store::monitor::{AlertQuery, NewAlert};
use store::{Backend, Role, Scope, StoreError};

/// Seeds once (nothing when incidents exist); the number of incidents written.
pub fn seed(s: &mut dyn Backend, now: i64) -> Result<usize, StoreError> {
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
    step(s, a.id, "handle", note("重置涉事邮箱口令，封禁钓鱼域名，全员提醒"), &clock, 600)?;
    step(s, a.id, "recover", note("邮件系统运行正常"), &clock, 7200)?;
    step(s, a.id, "close", note("原因：仿冒通知的钓鱼邮件；影响：1 个邮箱口令泄露，未发现数据外泄；整改：开启双因素认证，每学期开展一次钓鱼演练。"), &clock, 86_400)?;
    // Being handled: ransomware in a school lab, reported upward in time.
    let clock = TestClock::at(now - 5 * 3600);
    let n = NewIncident { title: "【演示】锦江区某中学机房电脑感染勒索软件".into(), unit: "510104".into(), unit_kind: "other".into(), description: "机房 12 台电脑文件被加密，桌面出现勒索信息。".into(), discovered_at: Some(now - 5 * 3600 - 600), proposed_class: Some("C01-05".into()), proposed_grade: Some(3) };
    let b = incidents::report(s, &demo, &n, &rules, &clock)?;
    step(s, b.id, "confirm", StepInput { class_code: Some("C01-05".into()), grade: Some(3), note: "确认为勒索软件，已断网隔离".into(), to_unit: None }, &clock, 1200)?;
    step(s, b.id, "report_up", StepInput { to_unit: Some("成都市教育局".into()), note: "1 小时内电话报告".into(), ..Default::default() }, &clock, 600)?;
    step(s, b.id, "handle", note("断网隔离，保留样本，联系技术支撑单位"), &clock, 600)?;
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
