//! 事件分类与分级 — the classes of GB/T 20986-2023 (10 classes, which replaced GB/Z 20986-2007's
//! 7 on 2023-12-01) and of the 2007 version, still cited by older plans; the deployment chooses
//! one ([`Edition`]). Grades I–IV with the criteria shown when grading.
//!
//! The 2007 codes are the standard's abbreviations (MI, CVI, …). For 2023 the class and
//! subclass names are the standard's; the codes here (`C01`, `C01-05`) are Tianfu's own
//! numbering in the standard's order, not its Annex B codes, which an operator who files with
//! them should map. The 2023 subclasses listed are those an education system meets; the
//! "other" subclass of each class takes the rest.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Edition {
    /// GB/T 20986-2023 (in force).
    T2023,
    /// GB/Z 20986-2007 (replaced, still cited).
    Z2007,
}

impl Edition {
    pub fn code(self) -> &'static str {
        match self {
            Edition::T2023 => "2023",
            Edition::Z2007 => "2007",
        }
    }
    pub fn parse(s: &str) -> Option<Edition> {
        match s.trim() {
            "2023" | "GB/T 20986-2023" => Some(Edition::T2023),
            "2007" | "GB/Z 20986-2007" => Some(Edition::Z2007),
            _ => None,
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Edition::T2023 => "GB/T 20986-2023《信息安全技术 网络安全事件分类分级指南》",
            Edition::Z2007 => "GB/Z 20986-2007《信息安全技术 信息安全事件分类分级指南》",
        }
    }
}

/// A class and its subclasses (code, Chinese name).
#[derive(Debug, Serialize)]
pub struct Class {
    pub code: &'static str,
    pub zh: &'static str,
    pub subs: &'static [(&'static str, &'static str)],
}

pub const T2023: &[Class] = &[
    Class { code: "C01", zh: "恶意程序事件", subs: &[("C01-01", "计算机病毒事件"), ("C01-02", "网络蠕虫事件"), ("C01-03", "特洛伊木马事件"), ("C01-04", "僵尸网络事件"), ("C01-05", "勒索软件事件"), ("C01-06", "挖矿病毒事件"), ("C01-07", "混合攻击程序事件"), ("C01-08", "恶意代码内嵌网页事件"), ("C01-09", "恶意代码宿主站点事件"), ("C01-10", "其他恶意程序事件")] },
    Class { code: "C02", zh: "网络攻击事件", subs: &[("C02-01", "拒绝服务攻击事件"), ("C02-02", "后门利用事件"), ("C02-03", "漏洞利用事件"), ("C02-04", "网络扫描探测事件"), ("C02-05", "网络钓鱼事件"), ("C02-06", "干扰事件"), ("C02-07", "高级持续性威胁事件"), ("C02-08", "域名劫持事件"), ("C02-09", "路由劫持事件"), ("C02-10", "供应链攻击事件"), ("C02-11", "网页篡改事件"), ("C02-12", "暗链植入事件"), ("C02-13", "口令暴力破解事件"), ("C02-99", "其他网络攻击事件")] },
    Class { code: "C03", zh: "数据安全事件", subs: &[("C03-01", "数据篡改事件"), ("C03-02", "数据假冒事件"), ("C03-03", "数据泄露事件"), ("C03-04", "社会工程事件"), ("C03-05", "数据窃取事件"), ("C03-06", "数据拦截事件"), ("C03-07", "位置检测事件"), ("C03-08", "数据投毒事件"), ("C03-09", "数据滥用事件"), ("C03-10", "隐私侵犯事件"), ("C03-11", "数据丢失事件"), ("C03-12", "其他数据安全事件")] },
    Class { code: "C04", zh: "信息内容安全事件", subs: &[("C04-01", "违法有害信息传播事件"), ("C04-02", "敏感舆情事件"), ("C04-03", "其他信息内容安全事件")] },
    Class { code: "C05", zh: "设备设施故障事件", subs: &[("C05-01", "技术故障事件"), ("C05-02", "配套设施故障事件"), ("C05-03", "物理损害事件"), ("C05-04", "其他设备设施故障事件")] },
    Class { code: "C06", zh: "违规操作事件", subs: &[("C06-01", "权限滥用事件"), ("C06-02", "权限伪造事件"), ("C06-03", "误操作事件"), ("C06-04", "资源未授权使用事件"), ("C06-05", "其他违规操作事件")] },
    Class { code: "C07", zh: "安全隐患事件", subs: &[("C07-01", "网络安全漏洞隐患事件"), ("C07-02", "其他安全隐患事件")] },
    Class { code: "C08", zh: "异常行为事件", subs: &[("C08-01", "访问异常事件"), ("C08-02", "流量异常事件"), ("C08-03", "其他异常行为事件")] },
    Class { code: "C09", zh: "不可抗力事件", subs: &[("C09-01", "自然灾害事件"), ("C09-02", "事故灾难事件"), ("C09-03", "公共卫生事件"), ("C09-04", "社会安全事件")] },
    Class { code: "C10", zh: "其他事件", subs: &[("C10-01", "其他事件")] },
];

pub const Z2007: &[Class] = &[
    Class { code: "MI", zh: "有害程序事件", subs: &[("CVI", "计算机病毒事件"), ("WI", "蠕虫事件"), ("THI", "特洛伊木马事件"), ("BI", "僵尸网络事件"), ("BAI", "混合攻击程序事件"), ("WBPI", "网页内嵌恶意代码事件"), ("OMI", "其他有害程序事件")] },
    Class { code: "NAI", zh: "网络攻击事件", subs: &[("DOSAI", "拒绝服务攻击事件"), ("BDAI", "后门攻击事件"), ("VAI", "漏洞攻击事件"), ("NSEI", "网络扫描窃听事件"), ("PI", "网络钓鱼事件"), ("II", "干扰事件"), ("ONAI", "其他网络攻击事件")] },
    Class { code: "IDI", zh: "信息破坏事件", subs: &[("IAI", "信息篡改事件"), ("IMI", "信息假冒事件"), ("ILEI", "信息泄漏事件"), ("III", "信息窃取事件"), ("ILI", "信息丢失事件"), ("OIDI", "其他信息破坏事件")] },
    Class { code: "ICSI", zh: "信息内容安全事件", subs: &[("ICSI-1", "违反宪法和法律、行政法规的信息安全事件"), ("ICSI-2", "针对社会事项进行讨论、评论形成网上敏感的舆论热点的事件"), ("ICSI-3", "组织串连、煽动集会游行的信息安全事件"), ("ICSI-4", "其他信息内容安全事件")] },
    Class { code: "FI", zh: "设备设施故障", subs: &[("SHF", "软硬件自身故障"), ("PSFF", "外围保障设施故障"), ("MDA", "人为破坏事故"), ("IF-O", "其他设备设施故障")] },
    Class { code: "DI", zh: "灾害性事件", subs: &[("DI-1", "灾害性事件")] },
    Class { code: "OI", zh: "其他信息安全事件", subs: &[("OI-1", "其他信息安全事件")] },
];

pub fn classes(e: Edition) -> &'static [Class] {
    match e {
        Edition::T2023 => T2023,
        Edition::Z2007 => Z2007,
    }
}

/// A subclass code of the edition: its class and name.
pub fn find(e: Edition, sub: &str) -> Option<(&'static Class, &'static str)> {
    classes(e).iter().find_map(|c| c.subs.iter().find(|(code, _)| *code == sub).map(|(_, zh)| (c, *zh)))
}

/// `类别 / 子类` for a stored code, in either edition (a code kept from before a change of
/// edition still reads); the code itself when unknown.
pub fn label(sub: &str) -> String {
    [Edition::T2023, Edition::Z2007].into_iter().find_map(|e| find(e, sub)).map_or_else(|| sub.to_string(), |(c, zh)| format!("{} / {zh}", c.zh))
}

/// A grade: I 特别重大 … IV 一般, with the criteria shown when grading (after GB/T 20986-2023 §6
/// and the national emergency plan for cybersecurity incidents).
#[derive(Debug, Serialize)]
pub struct Grade {
    pub grade: u8,
    pub roman: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub criteria: &'static str,
}

pub const GRADES: [Grade; 4] = [
    Grade { grade: 1, roman: "Ⅰ", zh: "特别重大", en: "Extraordinarily serious", criteria: "重要网络和信息系统遭受特别严重的系统损失，造成系统大面积瘫痪、丧失业务处理能力；或国家秘密信息、重要敏感信息、关键数据丢失或被窃取、篡改、假冒，对国家安全和社会稳定构成特别严重威胁；或其他对国家安全、社会秩序、经济建设和公众利益构成特别严重威胁、造成特别严重影响的事件。" },
    Grade { grade: 2, roman: "Ⅱ", zh: "重大", en: "Serious", criteria: "重要网络和信息系统遭受严重的系统损失，造成系统长时间中断或局部瘫痪、业务处理能力受到极大影响；或国家秘密信息、重要敏感信息、关键数据丢失或被窃取、篡改、假冒，对国家安全和社会稳定构成严重威胁；或其他对国家安全、社会秩序、经济建设和公众利益构成严重威胁、造成严重影响的事件。" },
    Grade { grade: 3, roman: "Ⅲ", zh: "较大", en: "Relatively serious", criteria: "重要网络和信息系统遭受较大的系统损失，造成系统中断、明显影响系统效率、业务处理能力受到影响；或国家秘密信息、重要敏感信息、关键数据丢失或被窃取、篡改、假冒，对国家安全和社会稳定构成较严重威胁；或其他对国家安全、社会秩序、经济建设和公众利益构成较严重威胁、造成较严重影响的事件（如门户网站首页被篡改并在社会上传播）。" },
    Grade { grade: 4, roman: "Ⅳ", zh: "一般", en: "General", criteria: "除上述情形外，对国家安全、社会秩序、经济建设和公众利益构成一定威胁、造成一定影响的事件（如单个学校网站短时无法访问、页面出现少量异常内容且未扩散）。" },
];

pub fn grade(g: u8) -> Option<&'static Grade> {
    GRADES.iter().find(|x| x.grade == g)
}

/// `III 级（较大）`, or a dash.
pub fn grade_label(g: Option<u8>) -> String {
    g.and_then(grade).map_or_else(|| "—".to_string(), |x| format!("{}级（{}）", x.roman, x.zh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_hold_together() {
        assert_eq!(T2023.len(), 10, "ten classes in 2023");
        assert_eq!(Z2007.len(), 7, "seven in 2007");
        for e in [Edition::T2023, Edition::Z2007] {
            let mut seen = std::collections::HashSet::new();
            for c in classes(e) {
                assert!(!c.subs.is_empty());
                for (code, _) in c.subs {
                    assert!(seen.insert(*code), "{code} twice");
                    assert_eq!(find(e, code).unwrap().0.code, c.code);
                }
            }
        }
        assert_eq!(label("IAI"), "信息破坏事件 / 信息篡改事件");
        assert_eq!(label("C02-11"), "网络攻击事件 / 网页篡改事件");
        assert_eq!(label("nonsense"), "nonsense");
        assert_eq!(grade_label(Some(3)), "Ⅲ级（较大）");
        assert_eq!(Edition::parse("GB/Z 20986-2007"), Some(Edition::Z2007));
    }
}
