//! Generates a province and prints how long it took:
//! `cargo run --release -p demo --example generate -- 1000000 /tmp/province [seed] [error_rate] [gbk]`

use demo::{generate, GenOptions, OutEncoding};
use standard::Date;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let students: u64 = args
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "province".to_string());
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut opts = GenOptions::new(students, seed, Date::new(2026, 11, 29).expect("date"));
    if let Some(rate) = args.get(3).and_then(|s| s.parse().ok()) {
        opts.error_rate = rate;
    }
    if args.get(4).is_some_and(|s| s == "gbk") {
        opts.encoding = OutEncoding::Gbk;
    }
    let start = Instant::now();
    let s = generate(&opts, dir.as_ref()).expect("generate");
    let secs = start.elapsed().as_secs_f64();
    let bytes: u64 = s
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{} schools, {} teachers, {} students in {secs:.2} s ({:.0} rows/s, {:.0} MB)",
        s.schools,
        s.teachers,
        s.students,
        (s.schools + s.teachers + s.students) as f64 / secs,
        bytes as f64 / 1e6
    );
}
