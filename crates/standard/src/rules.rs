//! Validation rules and normalisation warnings, each with a stable snake_case code and messages
//! in Chinese and English. Codes are an interface: reports, error workbooks and the database
//! keep them, so never rename one.

macro_rules! codes {
    ($name:ident { $($variant:ident = $code:literal, $zh:literal, $en:literal;)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),* }
            }
            pub fn en(self) -> &'static str {
                match self { $($name::$variant => $en),* }
            }
            pub fn message(self, lang: crate::Lang) -> &'static str {
                match lang { crate::Lang::Zh => self.zh(), crate::Lang::En => self.en() }
            }
            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|r| r.code() == code)
            }
            pub fn bit(self) -> u64 { 1u64 << (self as u32) }
        }
    };
}

codes!(Rule {
    RequiredMissing = "required_missing", "必填项为空", "a required field is empty";
    InvalidCharacter = "invalid_character", "含有控制字符或空字符", "contains a control or NUL character";
    TextTooLong = "text_too_long", "文本超过允许长度", "text is longer than allowed";
    EncodingInvalid = "encoding_invalid", "该行含有无法按文件编码解码的字节", "the row has bytes that are not valid in the file's encoding";
    ColumnCount = "column_count", "该行的列数多于表头，多出的值无处存放", "the row has more fields than the header";
    UnbalancedQuote = "unbalanced_quote", "引号未闭合，直到文件末尾", "a quoted field is not closed before the end of the file";
    StudentIdFormat = "student_id_format", "学籍号格式错误（应为 G+身份证号、J+18位编码或 L+地区码+出生日期+4位数字）", "student number is malformed (G + ID number, J + 18-character code, or L + region + birth date + 4 digits)";
    StudentIdMismatch = "student_id_mismatch", "学籍号与身份证件号或出生日期不一致", "student number does not agree with the ID number or birth date";
    StudentIdDuplicate = "student_id_duplicate", "学籍号在文件中重复（保留首次出现的行）", "student number repeats an earlier row (the first is kept)";
    IdTypeUnknown = "id_type_unknown", "身份证件类型不在学籍代码表中", "ID document type is not in the registry's code table";
    IdFormat = "id_format", "身份证件号格式错误（应为18位，含有效省份码和不晚于今天的出生日期）", "ID number is malformed (18 characters, a real province, a birth date not in the future)";
    IdCheckDigit = "id_check_digit", "身份证件号校验码错误（GB 11643-1999）", "ID number check character is wrong (GB 11643-1999)";
    IdDuplicate = "id_duplicate", "身份证件号在文件中重复（保留首次出现的行）", "ID number repeats an earlier row (the first is kept)";
    BirthDateFormat = "birth_date_format", "出生日期不是有效日期或晚于今天", "birth date is not a valid date or is in the future";
    BirthMismatch = "birth_mismatch", "出生日期与身份证件号不一致", "birth date does not agree with the ID number";
    GenderEnum = "gender_enum", "性别码应为 1（男）或 2（女）（GB/T 2261.1）", "sex code must be 1 (male) or 2 (female) (GB/T 2261.1)";
    GenderMismatch = "gender_mismatch", "性别与身份证件号第17位不一致", "sex does not agree with the 17th digit of the ID number";
    EthnicityUnknown = "ethnicity_unknown", "民族码不在 GB 3304 中", "ethnic group code is not in GB 3304";
    RegionUnknown = "region_unknown", "行政区划码不是本省的县级区划（GB/T 2260）", "region code is not a county-level division of this province (GB/T 2260)";
    SchoolCodeFormat = "school_code_format", "学校标识码应为10位数字，前两位为类别码、三四位为省份码", "school identifier must be 10 digits: category, then province";
    SchoolCodeDuplicate = "school_code_duplicate", "学校标识码在文件中重复（保留首次出现的行）", "school identifier repeats an earlier row (the first is kept)";
    SchoolUnknown = "school_unknown", "学校标识码在学校名录中不存在", "the school identifier is not in the school register";
    GradeEnum = "grade_enum", "年级码应为 11–16（小学）、21–23（初中）或 31–33（高中）", "grade must be 11–16 (primary), 21–23 (junior) or 31–33 (senior)";
    EnrollmentFormat = "enrollment_format", "入学年月不是有效年月或晚于今天", "enrolment month is not a valid month or is in the future";
    PhoneInvalid = "phone_invalid", "电话号码无效（手机号应为 1[3-9] 开头的11位数字）", "phone number is invalid (a mobile number is 11 digits starting 1[3-9])";
    HireDateFormat = "hire_date_format", "入职年月不是有效日期或晚于今天", "hire date is not a valid date or is in the future";
    SchoolTypeUnknown = "school_type_unknown", "办学类型码不在 JY/T 1001 第三级代码中", "school type is not a level-3 code of JY/T 1001";
    UrbanRuralUnknown = "urban_rural_unknown", "城乡分类码不在统计用城乡划分代码中", "urban–rural code is not in the statistical classification";
    CreditCodeFormat = "credit_code_format", "统一社会信用代码格式错误（18位，字符集不含 I O Z S V）", "unified social credit code is malformed (18 characters, no I O Z S V)";
    CreditCodeCheckDigit = "credit_code_check_digit", "统一社会信用代码校验码错误（GB 32100-2015）", "unified social credit code check character is wrong (GB 32100-2015)";
    CreditCodeDuplicate = "credit_code_duplicate", "统一社会信用代码在文件中重复（保留首次出现的行）", "credit code repeats an earlier row (the first is kept)";
    CoordinatesInvalid = "coordinates_invalid", "经纬度无效（应为中国境内的十进制度数，且经度纬度同时填写）", "coordinates are invalid (decimal degrees inside China, both given)";
    CodeUnknown = "code_unknown", "值不在该字段的代码表中", "value is not in the field's code table";
    PostalCodeInvalid = "postal_code_invalid", "邮政编码应为6位数字", "postal code must be 6 digits";
    OutOfScope = "out_of_scope", "该记录不在您的管辖范围内（所填学校或行政区划不属于您，或该记录由其他地区管理）：请由其所属地区导入；跨地区转入请提交转学（调动）申请", "the record is outside your area (its school or region is not yours, or another area keeps the record): it must be imported by its own area; to move it into yours, file a transfer request";
    SchoolYearFormat = "school_year_format", "学年应写作 2024-2025（前后两年相连），且不晚于本年开始的学年", "school year must read 2024-2025 (two consecutive years), not later than the one starting this year";
    NumberInvalid = "number_invalid", "应为不小于 0 的数字（面积、金额可带小数，间数、册数、床位数为整数）", "must be a number not below 0 (areas and amounts may have decimals; rooms, volumes and beds are whole numbers)";
    NumberImplausible = "number_implausible", "数值大得不合常理，请核对单位（面积为平方米，金额为元）", "the number is implausibly large: check the unit (m² for areas, yuan for amounts)";
    AreaInconsistent = "area_inconsistent", "教学及辅助用房面积大于校舍建筑面积", "teaching and auxiliary space exceeds the building area";
    ConditionsDuplicate = "conditions_duplicate", "同一学校同一学年在文件中重复（保留首次出现的行）", "the same school and school year repeat an earlier row (the first is kept)";
});

codes!(Warning {
    WhitespaceTrimmed = "whitespace_trimmed", "已去除首尾空白", "surrounding whitespace trimmed";
    FullwidthNormalized = "fullwidth_normalized", "全角数字或字母已转为半角", "full-width digits or letters converted to half-width";
    ValueMapped = "value_mapped", "名称已映射为代码（如 男→1、汉族→01）", "a name was mapped to its code (e.g. 男 → 1, 汉族 → 01)";
    DateNormalized = "date_normalized", "日期已规范为 YYYY-MM-DD", "date rewritten as YYYY-MM-DD";
    CaseNormalized = "case_normalized", "小写字母已转为大写（如身份证号末位 x）", "lower-case letters upper-cased (e.g. a final x in an ID number)";
    SeparatorsRemoved = "separators_removed", "号码中的空格或连字符已去除", "spaces or hyphens removed from a number";
});

/// A set of rules, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleSet(pub u64);

impl RuleSet {
    pub fn insert(&mut self, r: Rule) {
        self.0 |= r.bit();
    }
    pub fn contains(self, r: Rule) -> bool {
        self.0 & r.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Rule> {
        Rule::ALL.iter().copied().filter(move |r| self.contains(*r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_fit_a_bitset() {
        assert!(Rule::ALL.len() <= 64);
        let mut seen = std::collections::HashSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.code()), "{}", r.code());
            assert!(r.code().bytes().all(|c| c.is_ascii_lowercase() || c == b'_'));
            assert!(!r.zh().is_empty() && !r.en().is_empty());
            assert_eq!(Rule::from_code(r.code()), Some(*r));
        }
        for w in Warning::ALL {
            assert!(seen.insert(w.code()));
        }
    }
}
