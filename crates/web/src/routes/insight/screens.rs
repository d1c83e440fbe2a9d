//! Each screen's table as data: its columns (name, the indicator behind it, how the value is
//! read from a group, how it is judged), shared by the page, the JSON API and the XLSX export.

use super::model::{at_least, at_most, classes_rag, stage_ratio, Group, Rag};
use insight::Stage;
use store::drill::Drill;
use store::facts::Band;
use store::Entity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Count,
    /// A share in [0, 1], shown as a percentage.
    Share,
    /// A ratio or a rate, one decimal.
    Ratio,
}

/// A column of a table whose rows are `G` (the facts screens' [`Group`], the security
/// screen's `security::SecGroup`).
pub struct Col<G: 'static = Group> {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// The indicator whose definition the header shows on hover.
    pub indicator: &'static str,
    pub kind: Kind,
    pub get: fn(&G) -> Option<f64>,
    /// How the value is judged (None: not judged).
    pub rag: Option<fn(&G) -> Rag>,
    /// Where the figure drills down to: the records it counts, for the row's area (下钻); a
    /// share links to the list of its count.
    pub drill: Option<Link>,
}

/// The records behind a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The people list of the row's area, whole or cut to one drill key (store::drill).
    People(Entity, Option<Drill>),
    /// The classes of a size band (store::facts::Band), listed for a county or a school.
    Classes(Band),
}

/// The area a row covers, as the lists take it: a division (`""`: the caller's whole area) or
/// one school.
#[derive(Debug, Clone, Copy)]
pub enum Area<'a> {
    Region(&'a str),
    School(&'a str),
}

impl Area<'_> {
    fn query(&self) -> String {
        match self {
            Area::Region("") => String::new(),
            Area::Region(c) => format!("region={c}"),
            Area::School(c) => format!("school={c}"),
        }
    }
}

impl Link {
    /// The address of the records behind a figure of a row covering `area`; `wide` when the
    /// area is more than one county (a city, the province): the class list is kept to a county
    /// or a school, so a wide row's class figures open the screen one level down instead (and
    /// the whole area's total none). `api`: the JSON API's address rather than the console's.
    pub fn href(self, area: Area<'_>, wide: bool, api: bool) -> Option<String> {
        let base = if api { "/api/v1" } else { "" };
        let join = |path: String, mut q: Vec<String>| {
            q.retain(|p| !p.is_empty());
            if q.is_empty() { path } else { format!("{path}?{}", q.join("&")) }
        };
        match self {
            Link::People(e, d) => Some(join(format!("{base}/{}", crate::present::path_of(e)), vec![area.query(), d.map(|d| format!("drill={}", d.key())).unwrap_or_default()])),
            Link::Classes(b) if !wide => Some(join(format!("{base}/insight/classes/list"), vec![area.query(), format!("band={}", b.key())])),
            Link::Classes(_) => match area {
                Area::Region(c) if !c.is_empty() => Some(join(format!("{base}/insight/classes"), vec![area.query()])),
                _ => None,
            },
        }
    }
}

impl<G> Col<G> {
    pub fn judge(&self, g: &G) -> Rag {
        self.rag.map_or(Rag::None, |f| f(g))
    }
}

pub struct Screen<G: 'static = Group> {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub cols: &'static [Col<G>],
}

fn n(v: u64) -> Option<f64> {
    Some(v as f64)
}
fn share(a: u64, b: u64) -> Option<f64> {
    insight::share(a, b)
}
/// PE and arts teachers per 100 students (the balance indicator, primary threshold).
fn pe_arts_per_100(g: &Group) -> Option<f64> {
    insight::per_hundred(g.facts.pe_arts as f64, g.facts.students)
}
/// Migrant children in county-run public schools ÷ all migrant children (compulsory grades).
fn migrant_share(g: &Group) -> Option<f64> {
    share(g.migrant_public?, g.facts.migrant)
}
fn ratio_rag(g: &Group, s: Stage) -> Rag {
    at_most(stage_ratio(g, s), insight::staffing::norm(s))
}

const fn col(key: &'static str, zh: &'static str, en: &'static str, indicator: &'static str, kind: Kind, get: fn(&Group) -> Option<f64>, rag: Option<fn(&Group) -> Rag>) -> Col {
    Col { key, zh, en, indicator, kind, get, rag, drill: None }
}

impl Col {
    /// The column's figure drills down to `l`.
    const fn to(self, l: Link) -> Col {
        Col { drill: Some(l), ..self }
    }
}

const STUDENT: Entity = Entity::Student;
const TEACHER: Entity = Entity::Teacher;
const fn st(d: Drill) -> Link {
    Link::People(STUDENT, Some(d))
}
const fn te(d: Drill) -> Link {
    Link::People(TEACHER, Some(d))
}

pub static CLASSES: Screen = Screen {
    key: "classes",
    zh: "班额",
    en: "Class sizes",
    cols: &[
        col("students", "学生数", "Students", "", Kind::Count, |g| n(g.facts.students), None).to(Link::People(STUDENT, None)),
        col("classes", "班级数", "Classes", "large_class_share", Kind::Count, |g| n(g.facts.classes), None),
        col("large", "大班额班级（56–65 人）", "Classes of 56–65", "large_class_share", Kind::Count, |g| n(g.facts.classes_large), None).to(Link::Classes(Band::Large)),
        col("very_large", "超大班额班级（66 人及以上）", "Classes of 66+", "very_large_class_share", Kind::Count, |g| n(g.facts.classes_very_large), None).to(Link::Classes(Band::VeryLarge)),
        col("large_share", "大班额比例", "Share of 56–65", "large_class_share", Kind::Share, |g| share(g.facts.classes_large, g.facts.classes), Some(|g| classes_rag(&g.facts))).to(Link::Classes(Band::Large)),
        col("very_large_share", "超大班额比例", "Share of 66+", "very_large_class_share", Kind::Share, |g| share(g.facts.classes_very_large, g.facts.classes), Some(|g| classes_rag(&g.facts))).to(Link::Classes(Band::VeryLarge)),
        col("oversized", "超规模学校", "Schools over the size limit", "oversized_school", Kind::Count, |g| n(g.oversized), Some(|g| {
            if g.oversized > 0 { Rag::Red } else { Rag::None }
        })),
        col("unassigned", "未编班学生", "Students without a class", "large_class_share", Kind::Count, |g| n(g.facts.unassigned), None).to(st(Drill::Unassigned)),
    ],
};

pub static TEACHERS: Screen = Screen {
    key: "teachers",
    zh: "教师队伍",
    en: "Teachers",
    cols: &[
        col("teachers", "教师数", "Teachers", "", Kind::Count, |g| n(g.facts.teachers), None).to(Link::People(TEACHER, None)),
        col("full_time", "专任教师", "Full-time teachers", "student_teacher_ratio", Kind::Count, |g| n(g.facts.full_time), None).to(te(Drill::FullTime)),
        col("ratio_primary", "小学生师比", "Primary students per teacher", "student_teacher_ratio", Kind::Ratio, |g| stage_ratio(g, Stage::Primary), Some(|g| ratio_rag(g, Stage::Primary))),
        col("ratio_junior", "初中生师比", "Junior students per teacher", "student_teacher_ratio", Kind::Ratio, |g| stage_ratio(g, Stage::Junior), Some(|g| ratio_rag(g, Stage::Junior))),
        col("ratio_senior", "高中生师比", "Senior students per teacher", "student_teacher_ratio", Kind::Ratio, |g| stage_ratio(g, Stage::Senior), Some(|g| ratio_rag(g, Stage::Senior))),
        col("female_share", "女教师比例", "Share of women", "", Kind::Share, |g| share(g.facts.gender[1], g.facts.teachers), None).to(te(Drill::Female)),
        col("bachelor_share", "本科及以上比例", "Share with a bachelor's or higher", "teachers_above_degree_per_100", Kind::Share, |g| share(g.facts.bachelor_up, g.facts.teachers), None).to(te(Drill::BachelorUp)),
        col("backbone", "县级及以上骨干教师", "Backbone teachers (county and up)", "backbone_teachers_per_100", Kind::Count, |g| n(g.facts.backbone), None).to(te(Drill::Backbone)),
        col("pe_arts", "体育艺术教师", "PE and arts teachers", "pe_arts_teachers_per_100", Kind::Count, |g| n(g.facts.pe_arts), None).to(te(Drill::PeArts)),
        col("pe_arts_per_100", "每百名学生体育艺术教师", "PE and arts teachers per 100 students", "pe_arts_teachers_per_100", Kind::Ratio, pe_arts_per_100, Some(|g| {
            at_least(pe_arts_per_100(g), insight::balance::Measure::PeArts.threshold(Stage::Primary).unwrap_or(0.9))
        })).to(te(Drill::PeArts)),
        col("retiring_3", "3 年内到龄退休", "Retiring within 3 years", "retirements_due", Kind::Count, |g| g.ages_kept.then(|| g.ages.retiring_in_3 as f64), None).to(te(Drill::Retiring3)),
        col("retiring_5", "5 年内到龄退休", "Retiring within 5 years", "retirements_due", Kind::Count, |g| g.ages_kept.then(|| g.ages.retiring_in_5 as f64), None).to(te(Drill::Retiring5)),
    ],
};

pub static STUDENTS: Screen = Screen {
    key: "students",
    zh: "学生",
    en: "Students",
    cols: &[
        col("students", "学生数", "Students", "", Kind::Count, |g| n(g.facts.students), None).to(Link::People(STUDENT, None)),
        col("boarders", "住校生", "Boarders", "", Kind::Count, |g| n(g.facts.boarders), None).to(st(Drill::Boarders)),
        col("migrant", "随迁子女（义务教育）", "Migrant children (compulsory)", "migrant_public_share", Kind::Count, |g| n(g.facts.migrant), None).to(st(Drill::Migrant)),
        col("migrant_public", "在县域内公办学校就读的随迁子女", "Migrant children in county-run public schools", "migrant_public_share", Kind::Count, |g| g.migrant_public.map(|v| v as f64), None),
        col("migrant_public_share", "随迁子女在公办学校就读比例", "Share of migrant children in public schools", "migrant_public_share", Kind::Share, migrant_share, Some(|g| at_least(migrant_share(g), insight::people::MIGRANT_PUBLIC_TARGET))),
        col("left_behind", "留守儿童", "Left-behind children", "", Kind::Count, |g| n(g.facts.left_behind), None).to(st(Drill::LeftBehind)),
        col("minority", "少数民族学生", "Minority students", "", Kind::Count, |g| n(g.facts.minority), None).to(st(Drill::Minority)),
        col("disabled", "残疾学生", "Students with a disability", "", Kind::Count, |g| n(g.facts.disabled), None).to(st(Drill::Disabled)),
        col("anomaly", "年龄与年级不符", "Age does not fit the grade", "age_grade_anomaly", Kind::Count, |g| n(g.facts.too_young + g.facts.too_old), None).to(st(Drill::Anomaly)),
        col("anomaly_share", "年龄与年级不符比例", "Share whose age does not fit", "age_grade_anomaly", Kind::Share, |g| share(g.facts.too_young + g.facts.too_old, g.facts.students), None).to(st(Drill::Anomaly)),
    ],
};

pub static ALL: [&Screen; 3] = [&CLASSES, &TEACHERS, &STUDENTS];

/// The security screen (`super::security`), whose rows are not schools' facts.
pub static SECURITY: Screen<super::security::SecGroup> = Screen { key: "security", zh: "网络安全", en: "Security", cols: super::security::COLS };

/// A screen's tab: key and names.
#[derive(Debug)]
pub struct Tab {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// The screens' tabs in order.
pub static TABS: [Tab; 5] = [
    Tab { key: "classes", zh: "班额", en: "Class sizes" },
    Tab { key: "teachers", zh: "教师队伍", en: "Teachers" },
    Tab { key: "students", zh: "学生", en: "Students" },
    Tab { key: "balance", zh: "优质均衡", en: "County balance" },
    Tab { key: "security", zh: "网络安全", en: "Security" },
];

pub fn by_key(key: &str) -> Option<&'static Screen> {
    ALL.iter().copied().find(|s| s.key == key)
}

/// A value as the table shows it.
pub fn text(kind: Kind, v: Option<f64>) -> String {
    match (kind, v) {
        (_, None) => "—".into(),
        (Kind::Count, Some(v)) => crate::i18n::T { lang: crate::i18n::Lang::Zh }.n(v as u64),
        (Kind::Share, Some(v)) => format!("{:.1}%", v * 100.0),
        (Kind::Ratio, Some(v)) => format!("{v:.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each linked column opens its records for the row's area; a wide row's class figures open
    /// the screen one level down; the API's addresses are the API's.
    #[test]
    fn figures_link_to_their_records() {
        let l = STUDENTS.cols.iter().find(|c| c.key == "boarders").unwrap().drill.unwrap();
        assert_eq!(l.href(Area::Region("510104"), false, false).unwrap(), "/students?region=510104&drill=boarders");
        assert_eq!(l.href(Area::School("2151040001"), false, true).unwrap(), "/api/v1/students?school=2151040001&drill=boarders");
        assert_eq!(l.href(Area::Region(""), true, false).unwrap(), "/students?drill=boarders");
        let all = TEACHERS.cols.iter().find(|c| c.key == "teachers").unwrap().drill.unwrap();
        assert_eq!(all.href(Area::Region(""), false, false).unwrap(), "/teachers");
        let big = CLASSES.cols.iter().find(|c| c.key == "very_large_share").unwrap().drill.unwrap();
        assert_eq!(big.href(Area::School("2151040001"), false, false).unwrap(), "/insight/classes/list?school=2151040001&band=very_large");
        assert_eq!(big.href(Area::Region("510100"), true, false).unwrap(), "/insight/classes?region=510100");
        assert_eq!(big.href(Area::Region(""), true, false), None);
        // Every drill key of both lists is linked from some column.
        let linked: Vec<Drill> = ALL.iter().flat_map(|s| s.cols.iter()).filter_map(|c| match c.drill {
            Some(Link::People(_, Some(d))) => Some(d),
            _ => None,
        }).collect();
        for d in Drill::STUDENTS.iter().chain(Drill::TEACHERS.iter()) {
            assert!(linked.contains(d), "{d:?} is linked from no figure");
        }
    }
}
