//! Word lists for names, places and school vocabulary. Every character here is in GBK (a test
//! encodes them all), so GBK output never meets an unmappable character.

use crate::rng::Rng;

/// Common surnames with rough relative frequencies in Sichuan (李, 王, 张, 刘, 陈, 杨 lead; 罗,
/// 何, 邓, 曾, 彭 are more common here than nationally).
#[rustfmt::skip]
pub const SURNAMES: &[(&str, u32)] = &[
    ("李", 80), ("王", 70), ("张", 68), ("刘", 58), ("陈", 55), ("杨", 45), ("黄", 28), ("赵", 22),
    ("吴", 20), ("周", 24), ("徐", 14), ("孙", 12), ("马", 12), ("朱", 11), ("胡", 14), ("郭", 11),
    ("何", 22), ("高", 10), ("林", 8), ("罗", 24), ("郑", 9), ("梁", 8), ("谢", 12), ("宋", 8),
    ("唐", 14), ("许", 7), ("韩", 6), ("冯", 8), ("邓", 16), ("曹", 7), ("彭", 13), ("曾", 13),
    ("肖", 9), ("田", 8), ("董", 6), ("袁", 9), ("潘", 5), ("于", 4), ("蒋", 9), ("蔡", 6),
    ("余", 10), ("杜", 8), ("叶", 6), ("程", 6), ("苏", 6), ("魏", 6), ("吕", 5), ("丁", 5),
    ("任", 8), ("沈", 4), ("姚", 5), ("卢", 5), ("姜", 4), ("崔", 3), ("钟", 6), ("谭", 7),
    ("陆", 3), ("汪", 5), ("范", 5), ("金", 3), ("石", 5), ("廖", 8), ("贾", 4), ("夏", 4),
    ("付", 6), ("方", 4), ("邹", 5), ("熊", 6), ("秦", 4), ("邱", 5), ("江", 5), ("尹", 4),
    ("段", 4), ("雷", 6), ("侯", 4), ("龙", 4), ("史", 3), ("陶", 4), ("黎", 3), ("贺", 3),
    ("顾", 2), ("毛", 4), ("郝", 2), ("龚", 4), ("邵", 2), ("万", 3), ("严", 3), ("向", 5),
    ("文", 4), ("刁", 2), ("苟", 3), ("蒲", 3), ("敬", 2), ("母", 1), ("冉", 2), ("岳", 2),
];

/// Given names by generation: pupils born after 2005 and adults born 1966–2003 are named
/// differently, and a file where a teacher is called 梓涵 or a pupil 秀英 looks wrong.
pub const BOY2: &[&str] = &[
    "浩然", "子轩", "宇轩", "梓豪", "俊杰", "博文", "思远", "浩宇", "睿泽", "一鸣", "天佑", "子墨",
    "宇航", "明轩", "皓轩", "梓睿", "铭泽", "泽宇", "晨阳", "俊熙", "雨泽", "锦程", "文博", "昊天",
    "瑞霖", "奕辰", "子豪", "承泽", "浩轩", "鹏飞", "家豪", "志远", "俊宇", "宇豪", "嘉懿", "煜城",
    "逸凡", "沐阳", "子骞",
];
pub const GIRL2: &[&str] = &[
    "欣怡", "梓涵", "诗涵", "雨涵", "子涵", "可馨", "语桐", "思琪", "梓萱", "紫涵", "雨欣", "佳怡",
    "若汐", "一诺", "诗琪", "欣妍", "语嫣", "梦瑶", "静怡", "雅琪", "思雨", "可欣", "芷若", "晨曦",
    "婉清", "心怡", "悦彤", "雨桐", "佳琪", "安琪", "梓琳", "依诺", "书瑶", "锦汐", "沐晴", "语晨",
    "欣悦", "子萱", "梦琪",
];
pub const BOY1: &[&str] = &[
    "浩", "宇", "杰", "涛", "鑫", "磊", "鹏", "凯", "轩", "博", "睿", "阳", "哲", "航", "豪", "毅",
];
pub const GIRL1: &[&str] = &[
    "欣", "怡", "婷", "琳", "萱", "涵", "悦", "颖", "璐", "瑶", "琪", "妍", "雪", "佳", "月", "彤",
];
pub const MAN2: &[&str] = &[
    "建华", "志强", "建国", "海波", "国强", "永刚", "小平", "德明", "文军", "红兵", "建军", "晓东",
    "志勇", "国华", "明辉", "学文", "世杰", "家明", "光荣", "云峰", "俊峰", "正军", "成林", "宏伟",
    "金平",
];
pub const WOMAN2: &[&str] = &[
    "秀英", "丽华", "晓燕", "红梅", "小红", "玉兰", "桂芳", "雪梅", "海燕", "丽娟", "春梅", "淑华",
    "建英", "晓琴", "秀兰", "小琴", "玉梅", "丽萍", "静雯", "晓霞", "雪莲", "凤英", "翠兰", "慧敏",
    "文静",
];
pub const MAN1: &[&str] = &[
    "伟", "勇", "军", "斌", "刚", "强", "涛", "波", "鹏", "杰", "平", "林", "明", "超", "亮", "兵",
];
pub const WOMAN1: &[&str] = &[
    "芳", "丽", "敏", "静", "燕", "娟", "霞", "艳", "琴", "莉", "萍", "红", "梅", "英", "蓉", "洁",
];

/// Tibetan names have no surname: two name elements, the second often marking sex.
pub const TIBETAN_FIRST: &[&str] = &[
    "扎西", "次仁", "达瓦", "格桑", "尼玛", "泽仁", "洛绒", "益西", "丹增", "白玛", "仁青", "斯郎",
    "根秋",
];
pub const TIBETAN_MALE: &[&str] = &[
    "多吉", "降措", "彭措", "旦增", "次仁", "扎西", "尼玛", "泽仁",
];
pub const TIBETAN_FEMALE: &[&str] = &[
    "卓玛", "拉姆", "央金", "曲珍", "德吉", "拥措", "卓嘎", "志玛",
];
/// Yi names: a clan name, then a given name.
pub const YI_CLAN: &[&str] = &[
    "阿说", "吉克", "阿苦", "沙马", "海来", "曲比", "吉伍", "俄木", "马海", "勒格", "日火", "吉木",
    "瓦扎", "木乃", "阿尔",
];
pub const YI_MALE: &[&str] = &[
    "木呷", "拉哈", "伍沙", "日古", "尔布", "拉则", "史者", "木果", "阿牛", "曲布", "伍各", "子日",
];
pub const YI_FEMALE: &[&str] = &[
    "阿依", "阿呷", "拉莫", "史莫", "日莫", "阿支", "伍呷", "有格", "阿果", "尔果",
];

pub const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "文化路",
    "滨江路",
    "学府路",
    "新华路",
    "东大街",
    "西大街",
    "南街",
    "北街",
    "育才路",
    "光华大道",
    "红星路",
    "青年路",
    "迎宾大道",
    "南河路",
    "北城路",
    "府前街",
    "幸福路",
    "和平路",
    "顺城街",
    "书院街",
    "翠柏路",
    "桂花巷",
    "锦绣大道",
    "长江路",
    "嘉陵路",
    "明珠路",
];
pub const TOWNS: &[&str] = &[
    "石桥", "龙泉", "白果", "新场", "青龙", "太平", "永兴", "金龙", "双河", "高坪", "观音", "三合",
    "复兴", "清水", "柏林", "花园", "马鞍", "凤凰", "黄桷", "万安", "安宁", "大兴", "天池", "长乐",
    "宝山", "玉龙", "金山", "回龙", "兴隆", "双流", "河口", "石羊", "中和", "桃源", "龙门", "飞龙",
    "仁和", "福田", "平安",
];
pub const VILLAGES: &[&str] = &[
    "新华", "光明", "团结", "和平", "胜利", "五星", "红旗", "幸福", "先锋", "互助", "民主", "联合",
    "永和", "双龙", "河坝", "石门", "竹林", "柳树", "龙井", "桃园", "大湾", "坪上", "沙坝", "梨园",
    "松林",
];
/// Names private (民办) schools give themselves.
pub const BRANDS: &[&str] = &[
    "育才",
    "英才",
    "博雅",
    "实验外国语",
    "华英",
    "明德",
    "启明",
    "树人",
    "嘉禾",
    "新世纪",
];

pub const PRIMARY_SUBJECTS: &[(&str, u32)] = &[
    ("语文", 30),
    ("数学", 26),
    ("英语", 10),
    ("科学", 6),
    ("道德与法治", 5),
    ("音乐", 5),
    ("体育", 7),
    ("美术", 5),
    ("信息技术", 3),
    ("综合实践", 3),
];
pub const SECONDARY_SUBJECTS: &[(&str, u32)] = &[
    ("语文", 16),
    ("数学", 16),
    ("英语", 15),
    ("物理", 9),
    ("化学", 7),
    ("生物", 6),
    ("道德与法治", 5),
    ("思想政治", 3),
    ("历史", 6),
    ("地理", 6),
    ("体育", 5),
    ("音乐", 2),
    ("美术", 2),
    ("信息技术", 2),
];

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五, as in 成都市第十二中学.
pub fn push_chinese_number(out: &mut String, n: u32) {
    let n = n.clamp(1, 9999);
    let (th, h, t, u) = (n / 1000, n / 100 % 10, n / 10 % 10, n % 10);
    let mut zero = false;
    if th > 0 {
        out.push_str(DIGITS[th as usize]);
        out.push('千');
    }
    if h > 0 {
        out.push_str(DIGITS[h as usize]);
        out.push('百');
    } else if th > 0 && (t > 0 || u > 0) {
        zero = true;
    }
    if t > 0 {
        if zero {
            out.push('零');
            zero = false;
        }
        if !(t == 1 && n < 20) {
            out.push_str(DIGITS[t as usize]);
        }
        out.push('十');
    } else if n >= 100 && u > 0 {
        zero = true;
    }
    if u > 0 {
        if zero {
            out.push('零');
        }
        out.push_str(DIGITS[u as usize]);
    }
}

/// The generation a person's given name is drawn from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    Pupil,
    Adult,
}

/// A person's name for an ethnic group (GB 3304 code): Tibetan and most Yi names follow their own
/// pattern, everyone else a surname and one or two characters.
pub fn push_name(out: &mut String, rng: &mut Rng, male: bool, ethnicity: &str, gen: Generation) {
    match ethnicity {
        "04" if rng.chance(0.9) => {
            out.push_str(rng.pick(TIBETAN_FIRST));
            out.push_str(rng.pick(if male { TIBETAN_MALE } else { TIBETAN_FEMALE }));
        }
        "07" if rng.chance(0.7) => {
            out.push_str(rng.pick(YI_CLAN));
            out.push_str(rng.pick(if male { YI_MALE } else { YI_FEMALE }));
        }
        _ => {
            out.push_str(rng.weighted(SURNAMES));
            let two = rng.chance(if gen == Generation::Pupil { 0.8 } else { 0.55 });
            let list = match (gen, male, two) {
                (Generation::Pupil, true, true) => BOY2,
                (Generation::Pupil, false, true) => GIRL2,
                (Generation::Pupil, true, false) => BOY1,
                (Generation::Pupil, false, false) => GIRL1,
                (Generation::Adult, true, true) => MAN2,
                (Generation::Adult, false, true) => WOMAN2,
                (Generation::Adult, true, false) => MAN1,
                (Generation::Adult, false, false) => WOMAN1,
            };
            out.push_str(rng.pick(list));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn(n: u32) -> String {
        let mut s = String::new();
        push_chinese_number(&mut s, n);
        s
    }

    #[test]
    fn chinese_numbers() {
        let want = [
            (1, "一"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (35, "三十五"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
            (1008, "一千零八"),
            (1050, "一千零五十"),
            (2300, "二千三百"),
        ];
        for (n, s) in want {
            assert_eq!(cn(n), s, "{n}");
        }
    }

    #[test]
    fn every_word_is_gbk() {
        let lists: &[&[&str]] = &[
            BOY2,
            GIRL2,
            BOY1,
            GIRL1,
            MAN2,
            WOMAN2,
            MAN1,
            WOMAN1,
            TIBETAN_FIRST,
            TIBETAN_MALE,
            TIBETAN_FEMALE,
            YI_CLAN,
            YI_MALE,
            YI_FEMALE,
            STREETS,
            TOWNS,
            VILLAGES,
            BRANDS,
            &DIGITS,
        ];
        let weighted = [SURNAMES, PRIMARY_SUBJECTS, SECONDARY_SUBJECTS];
        let all = lists
            .iter()
            .flat_map(|l| l.iter().copied())
            .chain(weighted.iter().flat_map(|l| l.iter().map(|p| p.0)));
        for w in all {
            let (_, _, unmappable) = encoding_rs::GBK.encode(w);
            assert!(!unmappable, "{w}");
        }
    }
}
