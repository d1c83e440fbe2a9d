#!/usr/bin/env bash
# Benchmark of `tianfu import`: first import, unchanged re-import (recognised by content hash, and
# forced row by row), rows/s and peak RSS, into SQLite and PostgreSQL; and the county × grade
# count. Usage: bash scripts/bench-import.sh    (1 M and 15 M students)
#               STUDENTS="1000000" BACKENDS="sqlite" bash scripts/bench-import.sh
# PostgreSQL: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/tianfu_bench, recreated).
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS=${STUDENTS:-"1000000 15000000"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/tianfu_bench}
if [ -z "${BIN:-}" ]; then   # BIN=path/to/tianfu measures another build (e.g. the one before a change)
  cargo build --release --locked -q
  BIN=target/release/tianfu
fi
mkdir -p bench-data

field() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" <<<"$2" | head -1; }
row() { # backend students what json
  local ms rows rss
  ms=$(field elapsed_ms "$4"); rows=$(field rows_read "$4"); rss=$(field peak_rss_mib "$4")
  awk -v b="$1" -v n="$2" -v w="$3" -v ms="$ms" -v rows="$rows" -v rss="${rss:-0}" 'BEGIN {
    s = ms / 1000.0; if (s <= 0) s = 0.001;
    printf "%-9s %-10s %-22s %10d %9.1f %11.0f %8d\n", b, n, w, rows, s, rows / s, rss }'
}

printf '%-9s %-10s %-22s %10s %9s %11s %8s\n' backend students run rows seconds "rows/s" "RSS MiB"
for n in $STUDENTS; do
  dir="bench-data/students-$n-utf-8"
  if [ ! -f "$dir/planted.json" ]; then
    "$BIN" demo generate --students "$n" --seed 1 --error-rate 0.01 --out "$dir" --lang en >&2
  fi
  for backend in $BACKENDS; do
    if [ "$backend" = sqlite ]; then
      unset TIANFU_DATA_DIR
      db="bench-data/import-$n.db"; rm -f "$db" "$db-wal" "$db-shm"
    else
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS tianfu_bench" -c "CREATE DATABASE tianfu_bench" >/dev/null
      # A fresh database wants a fresh audit checkpoint (the server's data folder).
      export TIANFU_DATA_DIR="$(pwd)/bench-data/pg-data"; rm -rf "$TIANFU_DATA_DIR"
      db="$PG_URL"; "$BIN" migrate --db "$db" --lang en >/dev/null
    fi
    "$BIN" import "$dir/schools.csv" --entity school --db "$db" --format json >/dev/null || true
    j=$("$BIN" import "$dir/students.csv" --entity student --db "$db" --format json || true)
    row "$backend" "$n" "first import" "$j"
    j=$("$BIN" import "$dir/students.csv" --entity student --db "$db" --format json || true)
    row "$backend" "$n" "same file (hash)" "$j"
    j=$("$BIN" import "$dir/students.csv" --entity student --db "$db" --format json --force || true)
    row "$backend" "$n" "unchanged, row by row" "$j"
    q=$("$BIN" stats --db "$db" --format json)
    printf '%-9s %-10s %-22s %s µs\n' "$backend" "$n" "county×grade count" "$(field query_us "$q")"
  done
done
