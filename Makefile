# Tianfu developer targets. The README's two commands are `cargo run --release -- demo` and
# `cargo test --workspace`; these targets are for benchmarks and fuzzing.

.PHONY: test demo bench-validate bench-import fuzz

test:
	cargo test --workspace --locked

demo:
	cargo run --release -- demo

# Generates 1 M and 15 M students (UTF-8 and GBK) into bench-data/ and prints rows/s, MB/s and
# peak RSS of `tianfu validate` for each. Set STUDENTS="1000000" to run a subset.
bench-validate:
	bash scripts/bench-validate.sh

# Imports 1 M and 15 M students into SQLite and PostgreSQL: first import, unchanged re-import
# (by file hash, and forced row by row), peak RSS, and the county x grade count latency.
bench-import:
	bash scripts/bench-import.sh

fuzz:
	cd fuzz && cargo +nightly fuzz run csv_reader corpus/csv_reader seeds/csv_reader -- -max_total_time=120 -detect_leaks=0
	cd fuzz && cargo +nightly fuzz run identifiers corpus/identifiers seeds/identifiers -- -max_total_time=120
