//! docs/standard.md embeds `tianfu standard`: the documented standard is the one in the code.

#[test]
fn standard_md_matches_the_code() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tianfu")).arg("standard").output().unwrap();
    let generated = String::from_utf8(out.stdout).unwrap();
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/standard.md")).unwrap();
    let begin = doc.find("<!-- BEGIN tianfu standard -->\n").expect("begin marker") + "<!-- BEGIN tianfu standard -->\n".len();
    let end = doc.find("<!-- END tianfu standard -->").expect("end marker");
    assert!(
        doc[begin..end] == generated,
        "docs/standard.md is stale: regenerate the section with `cargo run -q -- standard`"
    );
}
