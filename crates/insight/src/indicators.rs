//! Each indicator as data: what it measures, how it is computed, where its numbers come from and
//! which document sets its threshold. The console shows these on hover and `docs/indicators.md`
//! prints them; a test keeps the two in step.

/// Which way a threshold is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// The value must be at least the threshold (≥).
    AtLeast,
    /// The value must be at most the threshold (≤).
    AtMost,
    /// The value must be below the threshold (<).
    Below,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::AtLeast => "≥",
            Cmp::AtMost => "≤",
            Cmp::Below => "<",
        }
    }

    /// Whether `value` meets `threshold` this way. Values within a relative 1e-9 of the threshold
    /// count as equal, so a ratio computed in floating point that is exactly on the line on
    /// paper (3.825 m² against 85 % of 4.5) is not lost to rounding.
    pub fn met(self, value: f64, threshold: f64) -> bool {
        let eps = 1e-9 * threshold.abs().max(1.0);
        match self {
            Cmp::AtLeast => value >= threshold - eps,
            Cmp::AtMost => value <= threshold + eps,
            Cmp::Below => value < threshold - eps,
        }
    }
}

/// One threshold of an indicator: for whom (a stage, a kind of school), the value, and the
/// document that sets it.
#[derive(Debug, Clone, Copy)]
pub struct Threshold {
    /// 适用范围, e.g. 小学, 初中, 九年一贯制学校.
    pub applies_zh: &'static str,
    pub cmp: Cmp,
    pub value: f64,
    /// The unit as shown after the value (人, m², 元, 间, or empty for a ratio or share).
    pub unit: &'static str,
    /// 文件, e.g. 教督〔2017〕6号.
    pub document: &'static str,
}

/// An indicator: key (stable, snake_case), names, definition, formula, data source, thresholds.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// 定义, in Chinese.
    pub definition: &'static str,
    /// 计算公式, in Chinese with symbols.
    pub formula: &'static str,
    /// 数据来源: the template fields the figure is computed from.
    pub source: &'static str,
    pub thresholds: &'static [Threshold],
}

/// The document numbers the thresholds cite.
pub mod docs {
    /// 中央编办 教育部 财政部《关于制定中小学教职工编制标准的意见》（国办发〔2001〕74号转发）.
    pub const STAFFING_2001: &str = "国办发〔2001〕74号";
    /// 中央编办 教育部 财政部《关于统一城乡中小学教职工编制标准的通知》: county and rural schools
    /// take the city standard.
    pub const STAFFING_2014: &str = "中央编办发〔2014〕72号";
    /// 教育部《县域义务教育优质均衡发展督导评估办法》.
    pub const BALANCE_2017: &str = "教督〔2017〕6号";
    /// 国务院《关于统筹推进县域内城乡义务教育一体化改革发展的若干意见》: eliminate 66+ classes
    /// by 2018 and 56+ classes by 2020.
    pub const CLASS_SIZE_2016: &str = "国发〔2016〕40号";
}

const fn t(applies_zh: &'static str, cmp: Cmp, value: f64, unit: &'static str, document: &'static str) -> Threshold {
    Threshold { applies_zh, cmp, value, unit, document }
}

use docs::*;
use Cmp::*;

/// Every indicator, in the order the docs and the console list them.
pub static INDICATORS: &[Indicator] = &[
    // ---- staffing ----
    Indicator {
        key: "student_teacher_ratio",
        zh: "生师比",
        en: "Student–teacher ratio",
        definition: "在校生数与教师数之比，按学段计算。编制标准按教职工（在编的全部教职员工）核定；本平台的教师名册若填写了“是否专任教师”，按专任教师计算并注明，未填写时按名册全部教师计算。九年一贯制、十二年一贯制学校按学段拆分：各学段学生按该学段标准折算应配教职工数，学校教师按各学段应配数的比例分到各学段。",
        formula: "生师比 = 学段在校生数 ÷ 学段教师数；应配教职工数 = Σ 学段在校生数 ÷ 学段标准生师比；达标：实有教师数 ≥ 应配教职工数",
        source: "学生名册（学校标识码、年级）；教师名册（学校标识码、是否专任教师）；学校名录（办学类型）",
        thresholds: &[
            t("小学（城市；2014 年起县镇、农村统一按城市标准）", AtMost, 19.0, "", STAFFING_2014),
            t("初中（同上）", AtMost, 13.5, "", STAFFING_2014),
            t("高中（同上）", AtMost, 12.5, "", STAFFING_2014),
            t("小学 县镇（2001 年原标准）", AtMost, 21.0, "", STAFFING_2001),
            t("小学 农村（2001 年原标准）", AtMost, 23.0, "", STAFFING_2001),
            t("初中 县镇（2001 年原标准）", AtMost, 16.0, "", STAFFING_2001),
            t("初中 农村（2001 年原标准）", AtMost, 18.0, "", STAFFING_2001),
            t("高中 县镇（2001 年原标准）", AtMost, 13.0, "", STAFFING_2001),
            t("高中 农村（2001 年原标准）", AtMost, 13.5, "", STAFFING_2001),
        ],
    },
    // ---- class sizes ----
    Indicator {
        key: "large_class_share",
        zh: "大班额比例",
        en: "Share of large classes (56–65)",
        definition: "学生数为 56–65 人的班级占班级总数的比例。班级由学生名册的学校、年级、班级三项确定。",
        formula: "大班额比例 = 56 ≤ 班级人数 ≤ 65 的班级数 ÷ 班级总数",
        source: "学生名册（学校标识码、年级、班级）",
        thresholds: &[t("小学、初中（2020 年起基本消除）", AtMost, 0.0, "", CLASS_SIZE_2016)],
    },
    Indicator {
        key: "very_large_class_share",
        zh: "超大班额比例",
        en: "Share of very large classes (66+)",
        definition: "学生数为 66 人及以上的班级占班级总数的比例。",
        formula: "超大班额比例 = 班级人数 ≥ 66 的班级数 ÷ 班级总数",
        source: "学生名册（学校标识码、年级、班级）",
        thresholds: &[t("小学、初中（2018 年起基本消除）", AtMost, 0.0, "", CLASS_SIZE_2016)],
    },
    Indicator {
        key: "oversized_school",
        zh: "超规模学校",
        en: "Schools over the size limit",
        definition: "在校生数超过规模上限的学校：小学、初中 2000 人，九年一贯制、十二年一贯制学校 2500 人。",
        formula: "超规模：在校生数 > 规模上限",
        source: "学生名册（学校标识码）；学校名录（办学类型）",
        thresholds: &[
            t("小学、初中", AtMost, 2000.0, "人", BALANCE_2017),
            t("九年一贯制、十二年一贯制学校", AtMost, 2500.0, "人", BALANCE_2017),
        ],
    },
    // ---- county balance: the seven per-school resource indicators ----
    Indicator {
        key: "teachers_above_degree_per_100",
        zh: "每百名学生拥有高于规定学历教师数",
        en: "Teachers above the required degree per 100 students",
        definition: "高于规定学历的教师数与在校生数之比乘以 100。规定学历：小学为中专（中师），初中为专科；故小学计专科及以上，初中计本科及以上。",
        formula: "100 × 高于规定学历教师数 ÷ 在校生数",
        source: "教师名册（最高学历）；学生名册",
        thresholds: &[t("小学", AtLeast, 4.2, "人", BALANCE_2017), t("初中", AtLeast, 5.3, "人", BALANCE_2017)],
    },
    Indicator {
        key: "backbone_teachers_per_100",
        zh: "每百名学生拥有县级及以上骨干教师数",
        en: "County-level and higher backbone teachers per 100 students",
        definition: "县级及以上骨干教师数与在校生数之比乘以 100。",
        formula: "100 × 县级及以上骨干教师数 ÷ 在校生数",
        source: "教师名册（骨干教师级别）；学生名册",
        thresholds: &[t("小学、初中", AtLeast, 1.0, "人", BALANCE_2017)],
    },
    Indicator {
        key: "pe_arts_teachers_per_100",
        zh: "每百名学生拥有体育、艺术（美术、音乐）专任教师数",
        en: "Full-time PE and arts teachers per 100 students",
        definition: "任教体育、音乐、美术（艺术）的专任教师数与在校生数之比乘以 100。",
        formula: "100 × 体育、艺术专任教师数 ÷ 在校生数",
        source: "教师名册（任教学科、是否专任教师）；学生名册",
        thresholds: &[t("小学、初中", AtLeast, 0.9, "人", BALANCE_2017)],
    },
    Indicator {
        key: "teaching_space_per_student",
        zh: "生均教学及辅助用房面积",
        en: "Teaching and auxiliary space per student",
        definition: "教学及辅助用房面积与在校生数之比。",
        formula: "教学及辅助用房面积（m²）÷ 在校生数",
        source: "办学条件（教学及辅助用房面积）；学生名册",
        thresholds: &[t("小学", AtLeast, 4.5, "m²", BALANCE_2017), t("初中", AtLeast, 5.8, "m²", BALANCE_2017)],
    },
    Indicator {
        key: "sports_space_per_student",
        zh: "生均体育运动场馆面积",
        en: "Sports ground and hall space per student",
        definition: "体育运动场地面积与体育馆面积之和与在校生数之比。",
        formula: "（运动场地面积 + 体育馆面积）（m²）÷ 在校生数",
        source: "办学条件（运动场地面积、体育馆面积）；学生名册",
        thresholds: &[t("小学", AtLeast, 7.5, "m²", BALANCE_2017), t("初中", AtLeast, 10.2, "m²", BALANCE_2017)],
    },
    Indicator {
        key: "equipment_value_per_student",
        zh: "生均教学仪器设备值",
        en: "Teaching equipment value per student",
        definition: "教学仪器设备资产值与在校生数之比。",
        formula: "教学仪器设备值（元）÷ 在校生数",
        source: "办学条件（教学仪器设备值）；学生名册",
        thresholds: &[t("小学", AtLeast, 2000.0, "元", BALANCE_2017), t("初中", AtLeast, 2500.0, "元", BALANCE_2017)],
    },
    Indicator {
        key: "multimedia_rooms_per_100",
        zh: "每百名学生拥有网络多媒体教室数",
        en: "Networked multimedia classrooms per 100 students",
        definition: "网络多媒体教室间数与在校生数之比乘以 100。",
        formula: "100 × 网络多媒体教室数 ÷ 在校生数",
        source: "办学条件（网络多媒体教室数）；学生名册",
        thresholds: &[t("小学", AtLeast, 2.3, "间", BALANCE_2017), t("初中", AtLeast, 2.4, "间", BALANCE_2017)],
    },
    Indicator {
        key: "school_balance_pass",
        zh: "学校资源配置达标",
        en: "School meets the resource standard",
        definition: "一所学校的七项资源配置指标中至少六项达到标准，且其余一项不低于标准的 85%。任一项缺数据时不作判断（显示为缺数）。",
        formula: "达标项数 ≥ 6，且未达标项 ≥ 0.85 × 标准值",
        source: "上列七项指标",
        thresholds: &[t("小学、初中", AtLeast, 6.0, "项", BALANCE_2017)],
    },
    Indicator {
        key: "county_cv",
        zh: "县域校际差异系数",
        en: "County coefficient of variation between schools",
        definition: "对每项资源配置指标，在一个县的县域内公办学校（不含教学点）之间按在校生数加权计算的差异系数。九年一贯制学校的小学部、初中部分别以各自在校生数为权重计入小学、初中。",
        formula: "X̄ = Σ PᵢXᵢ ÷ P；S = √( Σ (Pᵢ ÷ P)(Xᵢ − X̄)² )；CV = S ÷ X̄（Pᵢ 为第 i 校在校生数，P = Σ Pᵢ，Xᵢ 为该校指标值）",
        source: "上列七项指标；办学条件（县域内公办、教学点）",
        thresholds: &[t("小学", AtMost, 0.50, "", BALANCE_2017), t("初中", AtMost, 0.45, "", BALANCE_2017)],
    },
    // ---- students ----
    Indicator {
        key: "migrant_public_share",
        zh: "随迁子女在公办学校就读比例",
        en: "Share of migrant children in public schools",
        definition: "进城务工人员随迁子女中在公办学校就读的比例（义务教育阶段）。公办学校暂以办学条件的“是否县域内公办”判断：学校名录尚无办学性质（公办/民办）字段，市属、省属公办学校因此暂不计入公办，待标准补充办学性质后改正。",
        formula: "公办学校随迁子女数 ÷ 随迁子女总数",
        source: "学生名册（是否进城务工人员随迁子女、学校标识码）；办学条件（县域内公办）",
        thresholds: &[t("义务教育", AtLeast, 0.85, "", "教育部年度工作目标（随迁子女在公办学校就读比例 85% 以上）")],
    },
    Indicator {
        key: "age_grade_anomaly",
        zh: "年龄与年级不符",
        en: "Age does not fit the grade",
        definition: "数据质量信号：学年开始（9 月 1 日）时的周岁年龄比该年级的正常年龄小 2 岁及以上，或大 3 岁及以上的学生。正常年龄：一年级 6 岁，此后每升一级加 1 岁（初一 12 岁，高一 15 岁）。",
        formula: "正常年龄 = 6 + 年级序号（11→0 … 16→5，21→6 … 23→8，31→9 … 33→11）；异常：年龄 ≤ 正常年龄 − 2 或 ≥ 正常年龄 + 3",
        source: "学生名册（出生日期、年级）",
        thresholds: &[],
    },
    // ---- teachers ----
    Indicator {
        key: "retirements_due",
        zh: "3 年、5 年内到龄退休教师数",
        en: "Teachers reaching retirement in 3 and 5 years",
        definition: "按法定退休年龄（男 60 周岁、女 55 周岁）及 2025 年起渐进式延迟退休的规定，退休日期在今天之后 3 年、5 年内的教师数。",
        formula: "退休日期 = 出生日期 + 原退休年龄 + 延迟月数；延迟月数：男 1965 年 1 月起、女 1970 年 1 月起出生者每 4 个月延迟 1 个月，最多 36 个月",
        source: "教师名册（出生日期、性别）",
        thresholds: &[],
    },
    // ---- security ----
    Indicator {
        key: "university_portal_ipv6",
        zh: "高校门户网站 IPv6 支持率",
        en: "University portals supporting IPv6",
        definition: "网站监测中类别为“高等学校”的网站（高校门户网站）中支持 IPv6 的比例，只计已检测过的网站。支持 IPv6：有 AAAA 记录，最近一次及最近 32 次中至少 90% 经 IPv6 访问首页成功，IPv4、IPv6 内容一致，已爬取的二、三级链接经 IPv6 可访问的比例均不低于 90%。按网站登记的所属单位所在地区统计。",
        formula: "支持 IPv6 的高校门户网站数 ÷ 已检测的高校门户网站数；达标：= 100%；接近：≥ 85%",
        source: "网站监测（网站类别、所属单位、IPv6 检测结果）",
        thresholds: &[t("高等学校门户网站", AtLeast, 1.0, "", "年度教育信息化工作要点（推进高校和教育门户网站 IPv6 规模部署，目标 100%）")],
    },
    Indicator {
        key: "sites_down",
        zh: "当前无法访问的网站数",
        en: "Sites down now",
        definition: "网站监测中已启用的网站里，最近一次检测 IPv4、IPv6 均无法访问的网站数。",
        formula: "最近一次检测状态为“无法访问”的已启用网站数；达标：0",
        source: "网站监测（最近一次检测状态）",
        thresholds: &[t("已启用的监测网站", AtMost, 0.0, "", "网站监测（本平台规则）")],
    },
    Indicator {
        key: "mlps_overdue",
        zh: "逾期未备案、未测评的等保系统数",
        en: "Information systems overdue for MLPS filing or assessment",
        definition: "等保台账中第二级及以上系统备案期限已过仍未备案的数量，与第三级及以上系统下次测评期限已过的数量（期限由等保规则计算：上线后 30 日内备案，三级每年、四级及以上每半年测评）。一个系统两项都逾期时两项各计一次。",
        formula: "逾期未备案数 + 逾期未测评数；达标：0",
        source: "等保台账（安全保护等级、备案证明编号、上线日期、最近测评日期）",
        thresholds: &[t("第二级及以上信息系统", AtMost, 0.0, "", "《信息安全等级保护管理办法》（公通字〔2007〕43号）第十四、十五条")],
    },
    Indicator {
        key: "incident_reports_overdue",
        zh: "逾期未上报的网络安全事件数",
        en: "Incidents not reported upward in time",
        definition: "未结案、未在上报时限内向上级报告的网络安全事件数。时限自发现时起按事件分级计算。未结案事件总数另列，不作判定。",
        formula: "未结案且未上报、已过上报时限的事件数；达标：0",
        source: "网络安全事件（状态、发现时间、上报时限、上报时间）",
        thresholds: &[t("未结案的网络安全事件", AtMost, 0.0, "", "《国家网络安全事件报告管理办法》（2025 年 11 月 1 日起施行）")],
    },
];

/// The indicator of a key.
pub fn get(key: &str) -> Option<&'static Indicator> {
    INDICATORS.iter().find(|i| i.key == key)
}

/// The indicators as Markdown, as `docs/indicators.md` prints them between its markers (a test
/// keeps the page identical to the data).
pub fn markdown() -> String {
    let mut s = String::new();
    for i in INDICATORS {
        s.push_str(&format!("### {}（{}）\n\n", i.zh, i.en));
        s.push_str(&format!("- **键 / key**：`{}`\n", i.key));
        s.push_str(&format!("- **定义**：{}\n", i.definition));
        s.push_str(&format!("- **公式**：{}\n", i.formula));
        s.push_str(&format!("- **数据来源**：{}\n", i.source));
        if i.thresholds.is_empty() {
            s.push_str("- **标准**：无（数据质量或规划信号）\n\n");
            continue;
        }
        s.push_str("\n| 适用范围 | 标准 | 文件 |\n|---|---|---|\n");
        for t in i.thresholds {
            let v = if t.unit.is_empty() { format!("{} {}", t.cmp.symbol(), t.value) } else { format!("{} {} {}", t.cmp.symbol(), t.value, t.unit) };
            s.push_str(&format!("| {} | {} | {} |\n", t.applies_zh, v, t.document));
        }
        s.push('\n');
    }
    s
}
