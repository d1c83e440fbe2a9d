//! 教育移动应用备案 — the shapes of what an education-app filing holds: the filing number
//! (教APP备 + 7 digits + 号, e.g. 教APP备1100871号), the provider's 统一社会信用代码 (GB 32100,
//! [`crate::CreditCode`]), the ICP filing number (京ICP备12345678号-1), the 等保 filing number
//! (11010813001-00001), and the fixed lists of platforms, permissions, personal-data categories
//! and purposes. Pure: each check answers with [`AppRule`] codes (Chinese and English messages,
//! like [`crate::Rule`]).

codes!(AppRule {
    FilingNoFormat = "app_filing_no_format", "备案号格式错误（应为“教APP备”+7位数字+“号”，如 教APP备1100871号）", "filing number is malformed (教APP备 + 7 digits + 号, e.g. 教APP备1100871号)";
    ProviderMissing = "app_provider_missing", "请填写提供者名称", "the provider's name is empty";
    CreditCodeFormat = "app_credit_code_format", "统一社会信用代码格式错误（18位，字符集不含 I O Z S V）", "unified social credit code is malformed (18 characters, no I O Z S V)";
    CreditCodeCheckDigit = "app_credit_code_check_digit", "统一社会信用代码校验码错误（GB 32100-2015）", "unified social credit code check character is wrong (GB 32100-2015)";
    AppNameMissing = "app_name_missing", "请填写应用名称", "the app's name is empty";
    VersionMissing = "app_version_missing", "请填写版本号", "the version is empty";
    PlatformUnknown = "app_platform_unknown", "平台应为 iOS、Android、HarmonyOS、小程序 或 Web 之一（可填多个，以顿号或逗号分隔）", "platforms must be among iOS, Android, HarmonyOS, 小程序 (mini program), Web";
    PlatformMissing = "app_platform_missing", "请至少填写一个平台", "enter at least one platform";
    IcpFormat = "app_icp_format", "ICP备案号格式错误（如 京ICP备12345678号-1）", "ICP filing number is malformed (e.g. 京ICP备12345678号-1)";
    MlpsFilingFormat = "app_mlps_filing_format", "等保备案号格式错误（如 11010813001-00001）", "classified-protection filing number is malformed (e.g. 11010813001-00001)";
    PermissionUnknown = "app_permission_unknown", "权限不在权限清单中", "a permission is not in the list of permissions";
    PersonalDataUnknown = "app_personal_data_unknown", "个人信息类别不在清单中", "a personal-data category is not in the list";
    FiledOnFormat = "app_filed_on_format", "备案日期不是有效日期或晚于今天", "filing date is not a valid date or is in the future";
    StatusUnknown = "app_status_unknown", "状态应为 有效 或 注销", "status must be 有效 (valid) or 注销 (cancelled)";
    FilingNoDuplicate = "app_filing_no_duplicate", "备案号在文件中重复（保留首次出现的行）", "filing number repeats an earlier row (the first is kept)";
});

/// The 教APP备 filing number: `教APP备` + exactly 7 ASCII digits + `号`. Spaces around it are
/// trimmed; full-width digits are not accepted (the number is copied, not retyped).
pub fn parse_filing_no(s: &str) -> Result<String, AppRule> {
    let s = s.trim();
    let digits = s.strip_prefix("教APP备").and_then(|r| r.strip_suffix('号')).ok_or(AppRule::FilingNoFormat)?;
    if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(AppRule::FilingNoFormat)
    }
}

/// The provider's 统一社会信用代码 (upper-cased, checked by GB 32100-2015).
pub fn parse_credit_code(s: &str) -> Result<String, AppRule> {
    let up = s.trim().to_ascii_uppercase();
    match crate::CreditCode::parse(&up) {
        Ok(c) => Ok(c.to_string()),
        Err(crate::IdError::CheckDigit) => Err(AppRule::CreditCodeCheckDigit),
        Err(crate::IdError::Format) => Err(AppRule::CreditCodeFormat),
    }
}

/// The one-character abbreviations of the 31 provincial divisions (and 港澳台, which have no
/// ICP filings but are harmless to accept).
const PROVINCE_ABBR: &str = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新";

/// An ICP number: a province's abbreviation, `ICP备` (or `ICP证` for a licence), 5–10 digits,
/// `号`, and an optional site suffix `-N`. Empty is accepted (an app without a website).
pub fn parse_icp(s: &str) -> Result<String, AppRule> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let mut chars = s.chars();
    let first = chars.next().ok_or(AppRule::IcpFormat)?;
    if !PROVINCE_ABBR.contains(first) {
        return Err(AppRule::IcpFormat);
    }
    let rest = chars.as_str();
    let rest = rest.strip_prefix("ICP备").or_else(|| rest.strip_prefix("ICP证")).ok_or(AppRule::IcpFormat)?;
    let (num, suffix) = rest.split_once('号').ok_or(AppRule::IcpFormat)?;
    if !(5..=10).contains(&num.len()) || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppRule::IcpFormat);
    }
    if !suffix.is_empty() {
        let n = suffix.strip_prefix('-').ok_or(AppRule::IcpFormat)?;
        if n.is_empty() || n.len() > 3 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppRule::IcpFormat);
        }
    }
    Ok(s.to_string())
}

/// A 等保 filing number: commonly 11 digits, `-`, 5 digits (11010813001-00001). Lenient: 8–14
/// digits, a hyphen, 4–6 digits. Empty is accepted (not filed).
pub fn parse_mlps_filing(s: &str) -> Result<String, AppRule> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let s = s.replace('－', "-");
    let (a, b) = s.split_once('-').ok_or(AppRule::MlpsFilingFormat)?;
    let digits = |t: &str, lo: usize, hi: usize| (lo..=hi).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_digit());
    if digits(a, 8, 14) && digits(b, 4, 6) {
        Ok(s)
    } else {
        Err(AppRule::MlpsFilingFormat)
    }
}

/// The platforms an app runs on, as stored (the code) and as shown.
pub const PLATFORMS: &[(&str, &str, &str)] = &[
    ("ios", "iOS", "iOS"),
    ("android", "Android", "Android"),
    ("harmonyos", "HarmonyOS", "HarmonyOS"),
    ("miniprogram", "小程序", "Mini program"),
    ("web", "Web", "Web"),
];

/// Permissions an app asks for (the categories of 《App违法违规收集使用个人信息行为认定方法》).
pub const PERMISSIONS: &[(&str, &str, &str)] = &[
    ("location", "位置", "Location"),
    ("camera", "相机", "Camera"),
    ("microphone", "麦克风", "Microphone"),
    ("contacts", "通讯录", "Contacts"),
    ("storage", "存储", "Storage"),
    ("phone", "电话", "Phone"),
    ("sms", "短信", "SMS"),
    ("calendar", "日历", "Calendar"),
    ("notifications", "通知", "Notifications"),
    ("bluetooth", "蓝牙", "Bluetooth"),
];

/// Personal-data categories collected (GB/T 35273-2020 附录 A, abridged).
pub const PERSONAL_DATA: &[(&str, &str, &str)] = &[
    ("name", "姓名", "Name"),
    ("mobile", "手机号码", "Mobile number"),
    ("id_number", "身份证件号", "ID number"),
    ("student_id", "学籍号", "Student number"),
    ("school_class", "学校班级", "School and class"),
    ("face", "人脸信息", "Face"),
    ("voice", "声纹", "Voice"),
    ("location", "位置信息", "Location"),
    ("grades", "学业成绩", "Grades"),
    ("health", "健康信息", "Health"),
    ("guardian", "监护人信息", "Guardian"),
    ("device", "设备信息", "Device"),
];

/// What a school uses an app for.
pub const PURPOSES: &[(&str, &str, &str)] = &[
    ("teaching", "教学", "Teaching"),
    ("management", "管理", "Management"),
    ("home_school", "家校沟通", "Home–school communication"),
    ("homework", "作业", "Homework"),
    ("assessment", "考试测评", "Assessment"),
    ("other", "其他", "Other"),
];

/// The code of a list entry given its code, Chinese or English name (case-insensitive).
pub fn lookup(list: &[(&'static str, &'static str, &'static str)], v: &str) -> Option<&'static str> {
    let v = v.trim();
    list.iter().find(|(c, zh, en)| c.eq_ignore_ascii_case(v) || *zh == v || en.eq_ignore_ascii_case(v)).map(|e| e.0)
}

/// The Chinese (or English) label of a code, the code itself when unknown.
pub fn label(list: &[(&'static str, &'static str, &'static str)], code: &str, lang: crate::Lang) -> String {
    list.iter().find(|e| e.0 == code).map(|e| if lang == crate::Lang::En { e.2 } else { e.1 }).unwrap_or(code).to_string()
}

/// Splits a list typed as text (`、`, `,`, `，`, `;`, `；`, `/`, `|` or spaces).
pub fn split_list(s: &str) -> Vec<&str> {
    s.split(|c: char| matches!(c, '、' | ',' | '，' | ';' | '；' | '/' | '|') || c.is_whitespace()).map(str::trim).filter(|t| !t.is_empty()).collect()
}

/// Codes of a typed list, each once, in list order; `unknown` when an entry is not in it.
pub fn parse_list(list: &[(&'static str, &'static str, &'static str)], s: &str, unknown: AppRule) -> Result<Vec<&'static str>, AppRule> {
    let mut got = Vec::new();
    for t in split_list(s) {
        got.push(lookup(list, t).ok_or(unknown)?);
    }
    Ok(list.iter().map(|e| e.0).filter(|c| got.contains(c)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filing_numbers() {
        assert_eq!(parse_filing_no(" 教APP备1100871号 ").unwrap(), "教APP备1100871号");
        for bad in ["教APP备110087号", "教APP备11008711号", "教APP备110087a号", "教app备1100871号", "APP备1100871号", "教APP备1100871", "", "教APP备１１００８７１号"] {
            assert_eq!(parse_filing_no(bad), Err(AppRule::FilingNoFormat), "{bad}");
        }
    }

    #[test]
    fn credit_codes() {
        assert_eq!(parse_credit_code("91350100m000100y43").unwrap(), "91350100M000100Y43");
        assert_eq!(parse_credit_code("91350100M000100Y44"), Err(AppRule::CreditCodeCheckDigit));
        assert_eq!(parse_credit_code("9135"), Err(AppRule::CreditCodeFormat));
        assert_eq!(parse_credit_code("91350100I000100Y43"), Err(AppRule::CreditCodeFormat));
    }

    #[test]
    fn icp_and_mlps_numbers() {
        for ok in ["京ICP备12345678号-1", "京ICP备12345678号", "粤ICP备2021012345号-12", "川ICP证100123号", ""] {
            assert!(parse_icp(ok).is_ok(), "{ok}");
        }
        for bad in ["ICP备12345678号", "A ICP备12345678号", "京ICP备1234号", "京ICP备12345678", "京ICP备12345678号-", "京ICP备12345678号x", "京ICP备12345678号-1234", "京icp备12345678号"] {
            assert_eq!(parse_icp(bad), Err(AppRule::IcpFormat), "{bad}");
        }
        for ok in ["11010813001-00001", "5101049900-3001", "51010499001－30001", ""] {
            assert!(parse_mlps_filing(ok).is_ok(), "{ok}");
        }
        for bad in ["11010813001", "abc-00001", "1101-00001", "11010813001-1", "11010813001-00001-1"] {
            assert_eq!(parse_mlps_filing(bad), Err(AppRule::MlpsFilingFormat), "{bad}");
        }
    }

    #[test]
    fn lists() {
        assert_eq!(parse_list(PLATFORMS, "Android、ios，小程序", AppRule::PlatformUnknown).unwrap(), vec!["ios", "android", "miniprogram"]);
        assert_eq!(parse_list(PLATFORMS, "Symbian", AppRule::PlatformUnknown), Err(AppRule::PlatformUnknown));
        assert_eq!(parse_list(PERSONAL_DATA, "姓名 手机号码 姓名", AppRule::PersonalDataUnknown).unwrap(), vec!["name", "mobile"]);
        assert_eq!(parse_list(PERMISSIONS, "", AppRule::PermissionUnknown).unwrap(), Vec::<&str>::new());
        assert_eq!(label(PURPOSES, "home_school", crate::Lang::Zh), "家校沟通");
        assert_eq!(AppRule::from_code("app_icp_format"), Some(AppRule::IcpFormat));
        assert!(AppRule::ALL.iter().all(|r| r.code().starts_with("app_")));
    }
}
