#!/usr/bin/env bash
# PostgreSQL's first import of a students file beside a raw `\copy` of the same file into a table
# of text columns indexed by ID number, in one run on the same server: rows/s of each and the
# ratio (tianfu ÷ raw copy). The raw copy does nothing tianfu does (no validation, no keys, no
# hashes, no aggregate, no scope check): it is the floor of what loading the bytes costs.
# Usage: bash scripts/bench-pg-copy.sh            (1 M students, 2 rounds)
#        STUDENTS=200000 ROUNDS=1 BIN=/path/to/tianfu bash scripts/bench-pg-copy.sh
# PostgreSQL: PG_ADMIN (default postgres://postgres@127.0.0.1:5432/postgres); the databases
# tianfu_bench and tianfu_bench_copy are dropped and created again.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${STUDENTS:-1000000}
ROUNDS=${ROUNDS:-2}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN%/*}
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -q
  BIN=target/release/tianfu
fi
mkdir -p bench-data
dir="bench-data/students-$N-utf-8"
if [ ! -f "$dir/planted.json" ]; then
  "$BIN" demo generate --students "$N" --seed 1 --error-rate 0.01 --out "$dir" --lang en >&2
fi
file="$(pwd)/$dir/students.csv"

# The raw table: one text column per header column, an index on the ID number column.
ddl=$(python3 - "$file" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    header = next(csv.reader(f))
cols = [f"c{i} text" for i in range(len(header))]
idc = next((i for i, h in enumerate(header) if "身份证件号" in h or h.strip().lower() in ("id number", "id_number")), None)
if idc is None:
    sys.exit(f"no ID number column in {header}")
print(f"CREATE TABLE raw_students ({', '.join(cols)}); CREATE INDEX raw_students_id ON raw_students (c{idc});")
EOF
)

now() { date +%s.%N; }
field() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" <<<"$2" | head -1; }

printf '%-6s %-26s %10s %9s %11s\n' round run rows seconds "rows/s"
for round in $(seq "$ROUNDS"); do
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS tianfu_bench_copy" -c "CREATE DATABASE tianfu_bench_copy" >/dev/null
  psql "$PG_BASE/tianfu_bench_copy" -qc "$ddl" >/dev/null
  t0=$(now)
  out=$(psql "$PG_BASE/tianfu_bench_copy" -qc "\\copy raw_students FROM '$file' WITH (FORMAT csv, HEADER true)")
  t1=$(now)
  copy_rows=$(sed -n 's/^COPY \([0-9]*\)/\1/p' <<<"$out")
  copy_rows=${copy_rows:-$(psql "$PG_BASE/tianfu_bench_copy" -tAc "SELECT count(*) FROM raw_students")}
  copy_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  printf '%-6s %-26s %10d %9.1f %11.0f\n' "$round" "raw \\copy, indexed by ID" "$copy_rows" "$copy_s" "$(awk -v n="$copy_rows" -v s="$copy_s" 'BEGIN { print n / s }')"
  psql "$PG_ADMIN" -qc "DROP DATABASE tianfu_bench_copy" >/dev/null

  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS tianfu_bench" -c "CREATE DATABASE tianfu_bench" >/dev/null
  db="$PG_BASE/tianfu_bench"
  # A fresh database wants a fresh audit checkpoint (the server's data folder).
  export TIANFU_DATA_DIR="$(pwd)/bench-data/pg-data"; rm -rf "$TIANFU_DATA_DIR"
  "$BIN" migrate --db "$db" --lang en >/dev/null
  "$BIN" import "$dir/schools.csv" --entity school --db "$db" --format json >/dev/null || true
  j=$("$BIN" import "$file" --entity student --db "$db" --format json || true)
  ms=$(field elapsed_ms "$j"); rows=$(field rows_read "$j")
  tianfu_s=$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }')
  printf '%-6s %-26s %10d %9.1f %11.0f\n' "$round" "tianfu first import" "$rows" "$tianfu_s" "$(awk -v n="$rows" -v s="$tianfu_s" 'BEGIN { print n / s }')"
  awk -v a="$copy_rows" -v b="$copy_s" -v c="$rows" -v d="$tianfu_s" 'BEGIN { printf "%-6s ratio (tianfu rows/s ÷ raw copy rows/s): %.2f×\n", "", (c / d) / (a / b) }' </dev/null | sed "s/^/$round/"
done
