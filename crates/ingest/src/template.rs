//! Import templates as XLSX: the Chinese header row (required columns marked), one example row,
//! drop-down lists (Excel data validation) on coded columns, a 填写说明 sheet explaining every
//! column and a 代码表 sheet holding the lists. The console's download and `tianfu standard
//! --template` write the same bytes.

use rust_xlsxwriter::{Color, DataValidation, DataValidationErrorStyle, Format, FormatBorder, Formula, Workbook, XlsxError};
use standard::template::Required;
use standard::Entity;

/// Rows of the data sheet that carry the drop-downs (the header is row 1).
const VALIDATED_ROWS: u32 = 10_000;

/// One column of a template.
#[derive(Debug, Clone)]
pub struct Column {
    /// The header as written in the file (Chinese).
    pub header: String,
    /// The English key, also accepted as a header.
    pub key: String,
    pub required: bool,
    /// 必填 / 选填 / a condition.
    pub requirement: String,
    /// What a value looks like, in Chinese.
    pub explain: String,
    pub example: String,
    /// The codes a cell may hold, (code, name), offered as a drop-down.
    pub choices: Option<Vec<(String, String)>>,
}

/// The columns of an entity's template, in the standard's order.
pub fn entity_columns(entity: Entity, province: u32) -> Vec<Column> {
    template_columns(entity.template(), entity.example(), province)
}

/// The 办学条件 (school conditions) template's columns.
pub fn conditions_columns(province: u32) -> Vec<Column> {
    template_columns(&standard::CONDITIONS, standard::template::conditions_example(), province)
}

/// The 办学条件 template as XLSX bytes (sheet 办学条件).
pub fn conditions_template(province: u32) -> Result<Vec<u8>, String> {
    workbook(CONDITIONS_ZH, &conditions_columns(province))
}

/// What the conditions template is called: its sheet and file name.
pub const CONDITIONS_ZH: &str = "办学条件";

fn template_columns(t: &standard::Template, example: Vec<String>, province: u32) -> Vec<Column> {
    t.fields
        .iter()
        .zip(example)
        .map(|(f, example)| Column {
            header: f.zh.to_string(),
            key: f.key.to_string(),
            required: f.required == Required::Yes,
            requirement: f.required.zh().to_string(),
            explain: {
                let mut s = f.kind.zh();
                if !f.aliases.is_empty() {
                    s.push_str(&format!("。表头也可写作：{}", f.aliases.join("、")));
                }
                s
            },
            example,
            choices: f.choices(province),
        })
        .collect()
}

/// The file name a download offers: 学生导入模板.xlsx.
pub fn file_name(what_zh: &str) -> String {
    format!("{what_zh}导入模板.xlsx")
}

/// The template of `entity` as XLSX bytes.
pub fn entity_template(entity: Entity, province: u32) -> Result<Vec<u8>, String> {
    workbook(entity.zh(), &entity_columns(entity, province))
}

/// A template workbook of `columns`: sheet 1 (named after `what_zh`) for the data, 填写说明,
/// 代码表.
pub fn workbook(what_zh: &str, columns: &[Column]) -> Result<Vec<u8>, String> {
    build(what_zh, columns).map_err(|e| format!("无法生成模板：{e}"))
}

fn build(what_zh: &str, columns: &[Column]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_border(FormatBorder::Thin);
    let head_req = Format::new().set_bold().set_font_color(Color::RGB(0x9C0006)).set_background_color(Color::RGB(0xFFE699)).set_border(FormatBorder::Thin);
    let example = Format::new().set_font_color(Color::RGB(0x595959)).set_italic();
    let text = Format::new().set_num_format("@");
    let wrap = Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);

    // 代码表 first in memory (the data sheet's validations refer to it), shown last.
    let mut lists: Vec<(usize, u16, usize)> = Vec::new(); // (column, code-table column, entries)
    {
        let data = wb.add_worksheet();
        data.set_name(what_zh)?;
        data.set_freeze_panes(1, 0)?;
        for (c, col) in columns.iter().enumerate() {
            let c16 = c as u16;
            let (label, fmt) = if col.required { (format!("{}*", col.header), &head_req) } else { (col.header.clone(), &head) };
            data.write_string_with_format(0, c16, &label, fmt)?;
            data.set_column_width(c16, (col.header.chars().count() as f64 * 2.2 + 4.0).max(12.0))?;
            // Codes and numbers stay text: 01 keeps its zero, an ID number its 18 digits.
            data.set_column_format(c16, &text)?;
            data.write_string_with_format(1, c16, &col.example, &example.clone().set_num_format("@"))?;
            if let Some(choices) = &col.choices {
                lists.push((c, lists.len() as u16 * 2, choices.len()));
            }
        }
        data.set_row_height(0, 22)?;
        for &(c, table_col, n) in &lists {
            let col = &columns[c];
            let letter = crate::xlsx::column_name(table_col as usize);
            let range = format!("=代码表!${letter}$2:${letter}${}", n + 1);
            let hint: String = {
                let all = col.choices.as_ref().map(|v| v.iter().take(8).map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join("；")).unwrap_or_default();
                let more = if n > 8 { "……（完整列表见“代码表”）" } else { "" };
                // Excel caps an input message at 255 characters.
                let s = format!("{all}{more}");
                s.chars().take(250).collect()
            };
            let v = DataValidation::new()
                .allow_list_formula(Formula::new(range))
                .ignore_blank(true)
                .set_input_title(col.header.chars().take(32).collect::<String>())?
                .set_input_message(hint)?
                .set_error_title("不在代码表中")?
                .set_error_message(format!("{}应填写代码表中的代码，见“代码表”工作表。", col.header).chars().take(250).collect::<String>())?
                .set_error_style(DataValidationErrorStyle::Warning);
            data.add_data_validation(1, c as u16, VALIDATED_ROWS, c as u16, &v)?;
        }
    }
    {
        let help = wb.add_worksheet();
        help.set_name("填写说明")?;
        let cols = ["列名", "英文字段名", "是否必填", "填写要求", "示例", "代码表"];
        for (c, h) in cols.iter().enumerate() {
            help.write_string_with_format(0, c as u16, *h, &head)?;
        }
        for (w, c) in [(18.0, 0), (18.0, 1), (16.0, 2), (60.0, 3), (24.0, 4), (30.0, 5)] {
            help.set_column_width(c, w)?;
        }
        for (i, col) in columns.iter().enumerate() {
            let r = i as u32 + 1;
            help.write_string_with_format(r, 0, &col.header, &wrap)?;
            help.write_string_with_format(r, 1, &col.key, &wrap)?;
            help.write_string_with_format(r, 2, &col.requirement, &wrap)?;
            help.write_string_with_format(r, 3, &col.explain, &wrap)?;
            help.write_string_with_format(r, 4, &col.example, &wrap)?;
            let table = match &col.choices {
                Some(v) => format!("下拉选择，共 {} 项，见“代码表”工作表", v.len()),
                None => String::new(),
            };
            help.write_string_with_format(r, 5, &table, &wrap)?;
        }
        let first = columns.len() as u32 + 2;
        for (r, note) in (first..).zip([
            "说明：",
            "1. 第 1 行为表头，请勿修改；带 * 的列必须填写。",
            "2. 第 2 行为示例（灰色斜体），导入前请删除或用真实数据覆盖；示例中的学校标识码 2151999999 仅作示范。",
            "3. 代码列可从下拉列表选择，也可直接填写代码；代码与名称的对照见“代码表”工作表。",
            "4. 日期写作 YYYY-MM-DD，年月写作 YYYY-MM；身份证件号等长数字请保持文本格式，避免被改成科学计数法。",
            "5. 只接收您管辖范围内的记录，其余行将被拒收并说明原因；拒收明细可在导入完成后下载。",
        ]) {
            help.write_string(r, 0, note)?;
        }
    }
    {
        let codes = wb.add_worksheet();
        codes.set_name("代码表")?;
        for &(c, table_col, _) in &lists {
            let col = &columns[c];
            codes.write_string_with_format(0, table_col, format!("{}（代码）", col.header), &head)?;
            codes.write_string_with_format(0, table_col + 1, "名称", &head)?;
            codes.set_column_width(table_col, 16)?;
            codes.set_column_width(table_col + 1, 24)?;
            for (i, (code, name)) in col.choices.iter().flatten().enumerate() {
                codes.write_string(i as u32 + 1, table_col, code)?;
                codes.write_string(i as u32 + 1, table_col + 1, name)?;
            }
        }
    }
    wb.worksheet_from_index(0)?.set_active(true);
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_has_a_template() {
        for e in Entity::ALL {
            let bytes = entity_template(e, 51).unwrap();
            assert!(bytes.starts_with(b"PK\x03\x04"), "{e}");
        }
    }
}
