//! `tianfu standard`: prints the data standard (templates, rules, code tables) as Markdown.
//! docs/standard.md embeds this output; a test keeps the two equal. `--template ENTITY` writes
//! the entity's import template (XLSX, the same as the console's download) instead.

use super::out;
use standard::Entity;

#[derive(clap::Args)]
pub struct Args {
    /// Write the import template of school, teacher, student, site or conditions
    /// (学校/教师/学生/网站/办学条件) as XLSX instead of printing the standard.
    #[arg(long, value_enum, value_name = "ENTITY")]
    pub template: Option<TemplateArg>,
    /// Where to write the template (default: 学生导入模板.xlsx etc. in the current folder).
    #[arg(long, value_name = "FILE", requires = "template")]
    pub out: Option<std::path::PathBuf>,
    /// GB/T 2260 province prefix whose counties the region drop-down lists (over the
    /// configuration's `province`; default 51 = Sichuan).
    #[arg(long, requires = "template")]
    pub province: Option<u32>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: super::LangArg,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum TemplateArg {
    School,
    Teacher,
    Student,
    Site,
    /// 办学条件: a school's conditions in a school year.
    Conditions,
}

pub fn run(a: Args) -> u8 {
    let Some(which) = a.template else {
        out(&markdown());
        return 0;
    };
    let lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::Flag::opt("--province", "province", a.province)]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (zh, bytes) = match which {
        TemplateArg::Site => ("网站", guard::register::template()),
        TemplateArg::Conditions => (ingest::template::CONDITIONS_ZH, ingest::template::conditions_template(c.province.code)),
        e => {
            let e = match e {
                TemplateArg::School => Entity::School,
                TemplateArg::Teacher => Entity::Teacher,
                _ => Entity::Student,
            };
            (e.zh(), ingest::template::entity_template(e, c.province.code))
        }
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return super::fail(lang, &e, &e),
    };
    let path = a.out.unwrap_or_else(|| ingest::template::file_name(zh).into());
    if let Err(e) = std::fs::write(&path, bytes) {
        return super::fail(lang, &format!("无法写入 {}：{e}", path.display()), &format!("cannot write {}: {e}", path.display()));
    }
    let msg = match lang {
        standard::Lang::Zh => format!("已写入{zh}导入模板：{}\n", path.display()),
        standard::Lang::En => format!("wrote the {zh} import template: {}\n", path.display()),
    };
    out(&msg);
    0
}

/// The standard as Markdown: the current version's published document.
pub fn markdown() -> String {
    standard::versions::document()
}
