# Tianfu developer targets. The README's two commands are `cargo run --release -- demo` and
# `cargo test --workspace`; these targets are for benchmarks and fuzzing.

.PHONY: test demo deb assets bench-validate bench-import bench-pg-copy bench-web bench-sort bench-export bench-guard bench-mlps bench-incidents bench-duty bench-apps bench-security bench-registers bench-insight bench-insight-security bench-quality bench-share bench-schoolmap fuzz

test:
	cargo test --workspace --locked

demo:
	cargo run --release -- demo

# The Debian package (target/debian/tianfu_VERSION_ARCH.deb): the release binary, the systemd
# units, /etc/tianfu/tianfu.toml and the deployment guide (docs/deployment.md). Needs cargo-deb:
# `cargo install cargo-deb --locked` (a build tool, not a dependency of the binary).
deb:
	cargo deb -p tianfu --locked --strip

# Front-end packages: installs the versions pinned by package-lock.json and copies the files the
# binary embeds into crates/web/assets/vendor/ (committed, so that a build needs no network).
assets:
	npm ci --no-audit --no-fund
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js crates/web/assets/vendor/

# Generates 1 M and 15 M students (UTF-8 and GBK) into bench-data/ and prints rows/s, MB/s and
# peak RSS of `tianfu validate` for each, then the same for 300,000 students as XLSX with inline
# strings and with a shared-string table. Set STUDENTS="1000000" (or "") and XLSX_STUDENTS to
# run a subset.
bench-validate:
	bash scripts/bench-validate.sh

# Imports 1 M and 15 M students into SQLite and PostgreSQL: first import, unchanged re-import
# (by file hash, and forced row by row), peak RSS, and the county x grade count latency.
bench-import:
	bash scripts/bench-import.sh

# PostgreSQL's first import of 1 M students beside a raw `\copy` of the same file into a table of
# text columns indexed by ID number, side by side in one run (two rounds): rows/s of each and the
# ratio. STUDENTS=200000 ROUNDS=1 for a quick run; BIN=path/to/tianfu to measure another build.
bench-pg-copy:
	bash scripts/bench-pg-copy.sh

# Serves 15 M students (SQLite, imported once and cached in bench-data/) and loads it with wrk over
# loopback (64 connections, 20 s each): req/s and p50/p99 of the overview, a deep student list page,
# a search by ID number and an API page of 100; peak RSS. STUDENTS=1000000 for a quick run.
bench-web:
	bash scripts/bench-web.sh

# 决策指标 screens (issue 15) at 15 M students: imports with the per-school facts kept, the full
# recompute (`tianfu insight refresh`), p50/p99 of each screen (province, city, county; page and
# API). STUDENTS=1000000 for a quick run; BIN=target/debug/tianfu to skip the release build.
bench-insight:
	bash scripts/bench-insight.sh

# 数据质量: `tianfu quality refresh` over a generated province (STUDENTS=15000000 by default;
# DB=path for an existing database, e.g. bench-data/insight-1000000.db; STUDENTS=1000000
# REPLICATE=14 to build 14.85 M as bench-insight does; BIN=target/debug/tianfu for a debug build).
bench-quality:
	bash scripts/bench-quality.sh

# 数据共享交换 (issue 14) at 14.85 M students: 32 consumers with a grant of the province's students
# each (masked, 600 calls a minute); the bulk pull as CSV and JSON Lines (rows/s) and 32 consumers
# walking pages of 1,000 by cursor with wrk (p50/p99). DB=path for an existing database, else
# bench-data/insight-1000000.db is built as bench-insight's REPLICATE=14 builds it.
bench-share:
	bash scripts/bench-share.sh
# The security screen (/insight/security) and the indicators' overview (/insight) with 5,000
# monitored sites over the province's schools (the demo's 27 sites copied with their state, IPv6
# results and crawls): p50/p99 and first request at province, city and county. 200,000 students
# by default (STUDENTS=, SITES=, BIN= as bench-insight).
bench-insight-security:
	STUDENTS=$${STUDENTS:-200000} SITES=$${SITES:-5000} SCREENS="security overview" bash scripts/bench-insight.sh
# The school map's boundary check (issue 14): 22,000 schools against their cities' real polygons;
# prints the time of the map's parse and of the checks (docs/schoolmap.md).
bench-schoolmap:
	cargo test -p insight --test geo_speed -- --nocapture

# The student list sorted by grade and by last change on SQLite, first, middle and deep pages in a
# county, a city and the province (the store's keyset queries, timed with Python's sqlite3), and
# the scan that counts a province's classes. STUDENTS=1000000 by default (bench-data/sort-N.db).
bench-sort:
	python3 scripts/bench-sort.py

# A county officer's export of the county's 200,000 students from the console, CSV and XLSX
# (masked, streamed, audited): rows, seconds, rows/s and the server's peak RSS. STUDENTS=50000 for
# a quick run.
bench-export:
	bash scripts/bench-export.sh

# Two full monitor cycles (a new register, then the steady state against accepted baselines) over
# 50,000 HTTPS sites served by a fixture process on 127.0.0.1 and [::1]
# (a test CA, a 20-50 KB portal page per site): checks/s, CPU seconds per check and peak RSS of the
# checker. SITES=5000 for a quick run.
bench-guard:
	bash scripts/bench-guard.sh

# The 等保 register on SQLite: 60,000 systems over the province's counties; p50/p99 of the register's
# pages, totals, overdue lists and completion by region, and one daily sweep. SYSTEMS=6000 for a
# quick run.
bench-mlps:
	cargo run --release --locked -q -p secman --example bench_mlps
# Province scale (issue 13): 22,000 units, 60,000 等保 systems, 10,000 incidents on SQLite and
# PostgreSQL (TIANFU_BENCH_DATABASE_URL or TIANFU_TEST_DATABASE_URL; seeded by copying the rows the
# store wrote into SQLite): every list's, overdue list's and aggregate's p50/p99 and first run (a
# remembered figure's recount), the daily sweep, the load average. UNITS=2200 SYSTEMS=6000
# INCIDENTS=1000 RUNS=50 for a quick run; KEEP=1 keeps both databases for EXPLAIN.
bench-security:
	cargo run --release --locked -q -p secman --example bench_security
# Province scale (issue 13): the special inspection's progress, the rectification items, the
# responsibility checklist's completion and the software ledger's overdue and flagged lists for
# 22,000 units on SQLite and PostgreSQL (as bench-security): p50/p99/first run, load average.
# SMALL=1 (2,200 units, 50 runs) or UNITS=/RUNS=/ITEMS=/SOFTWARE= for a quick run.
bench-registers:
	cargo run --release --locked -q -p secman --example bench_registers
# 10,000 incidents in an in-memory SQLite store (issue 13, part): lists, overdue list, sweep.
bench-incidents:
	cargo test -p secman --test speed -- --ignored --nocapture
# The education-app register (issue 13): 200,000 school uses of 22,000 schools and 3,000 filings on
# SQLite and (with TIANFU_TEST_DATABASE_URL) PostgreSQL; p50/p99 of the uses lists, counts, overdue
# list and overdue counts by region. USES=20000 for a quick run.
bench-apps:
	cargo test -p secman --test bench_apps -- --ignored --nocapture

fuzz:
	cd fuzz && cargo +nightly fuzz run csv_reader corpus/csv_reader seeds/csv_reader -- -max_total_time=120 -detect_leaks=0
	cd fuzz && cargo +nightly fuzz run identifiers corpus/identifiers seeds/identifiers -- -max_total_time=120

# The day's missing 零报告 list of a province-wide important period over ~22,000 reporting units
# (a tenth reported), on SQLite and PostgreSQL (TIANFU_TEST_DATABASE_URL): median and max of five.
bench-duty:
	cargo test --release -p secman --test duty_bench -- --ignored --nocapture
