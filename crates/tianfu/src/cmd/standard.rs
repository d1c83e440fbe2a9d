//! `tianfu standard`: prints the data standard (templates, rules, code tables) as Markdown.
//! docs/standard.md embeds this output; a test keeps the two equal.

use super::out;
use standard::codes::{DIVISIONS, ETHNIC_GROUPS, GENDERS, SCHOOL_ID_CATEGORIES, SCHOOL_TYPES, URBAN_RURAL, XUEJI};
use standard::template::Required;
use standard::{Entity, Rule, Warning};
use std::fmt::Write;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_a: Args) -> u8 {
    out(&markdown());
    0
}

pub fn markdown() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Code tables\n");
    let _ = writeln!(s, "| table | 名称 | standard and version | entries |\n|---|---|---|---|");
    let sichuan = DIVISIONS.counties_of(51).count();
    let _ = writeln!(s, "| divisions | 行政区划 | GB/T 2260 (as published in china-division 2.7.0) | {} (Sichuan: {} cities, {} counties) |", DIVISIONS.list.len(), DIVISIONS.cities_of(51).count(), sichuan);
    for t in [&*GENDERS, &*ETHNIC_GROUPS, &*SCHOOL_TYPES, &*URBAN_RURAL, &*SCHOOL_ID_CATEGORIES] {
        let _ = writeln!(s, "| {} | {} | {} | {} |", t.id, t.title_zh, t.standard, t.codes.len());
    }
    for t in XUEJI.iter() {
        let _ = writeln!(s, "| {} | {} | {} | {} |", t.id, t.title_zh, t.standard, t.codes.len());
    }
    for e in Entity::ALL {
        let t = e.template();
        let _ = writeln!(s, "\n## Template: {} ({})\n", e.key(), e.zh());
        let _ = writeln!(s, "| key | 表头 | also accepted | required | code table | note |\n|---|---|---|---|---|---|");
        for f in t.fields {
            let req = match f.required {
                Required::Yes => "yes",
                Required::No => "",
                Required::IfResidentId => "if ID type 1",
            };
            let _ = writeln!(s, "| `{}` | {} | {} | {} | {} | {} |", f.key, f.zh, f.aliases.join("、"), req, f.table.unwrap_or(""), f.note);
        }
    }
    let _ = writeln!(s, "\n## Rules\n\nA row that breaks any rule is rejected. Codes are stable.\n");
    let _ = writeln!(s, "| code | 说明 | message |\n|---|---|---|");
    for r in Rule::ALL {
        let _ = writeln!(s, "| `{}` | {} | {} |", r.code(), r.zh(), r.en());
    }
    let _ = writeln!(s, "\n## Warnings\n\nNormalisations, counted per cell; they never reject a row.\n");
    let _ = writeln!(s, "| code | 说明 | message |\n|---|---|---|");
    for w in Warning::ALL {
        let _ = writeln!(s, "| `{}` | {} | {} |", w.code(), w.zh(), w.en());
    }
    s
}
