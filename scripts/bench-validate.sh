#!/usr/bin/env bash
# Benchmark of `tianfu validate` on generated students: rows/s, MB/s and peak RSS, UTF-8 and GBK
# CSV, then XLSX workbooks of the same students with inline strings (as rust_xlsxwriter's
# constant-memory mode writes) and with a shared-string table (as Excel and WPS write).
# Usage: bash scripts/bench-validate.sh            (1 M and 15 M students; 300,000 in XLSX)
#        STUDENTS="1000000" XLSX_STUDENTS="300000" RUNS=3 bash scripts/bench-validate.sh
#        STUDENTS="" bash scripts/bench-validate.sh    (XLSX only)
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS=${STUDENTS-"1000000 15000000"}
XLSX_STUDENTS=${XLSX_STUDENTS-"300000"}
RUNS=${RUNS:-3}
cargo build --release --locked -q
BIN=target/release/tianfu
if [ -n "$XLSX_STUDENTS" ]; then
  cargo build --release --locked -q -p ingest --example xlsx_from_csv
fi
TO_XLSX=target/release/examples/xlsx_from_csv
mkdir -p bench-data

field() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" <<<"$2" | head -1; }

printf '%-10s %-6s %10s %12s %10s %10s %8s %s\n' students enc "size MB" rows "best ms" "rows/s" "MB/s" "peak RSS MiB"
for n in $STUDENTS; do
  for enc in utf-8 gbk; do
    dir="bench-data/students-$n-$enc"
    if [ ! -f "$dir/planted.json" ]; then
      "$BIN" demo generate --students "$n" --seed 1 --error-rate 0.01 --out "$dir" --encoding "$enc" --lang en >&2
    fi
    file="$dir/students.csv"
    size=$(stat -c %s "$file")
    runs=$RUNS
    [ "$n" -ge 10000000 ] && runs=1
    best=""; rss=0; rows=0
    for _ in $(seq "$runs"); do
      json=$("$BIN" validate "$file" --entity student --format json || true)
      ms=$(field elapsed_ms "$json"); rows=$(field rows_read "$json")
      r=$(field peak_rss_mib "$json"); [ "$r" -gt "$rss" ] && rss=$r
      if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    awk -v n="$n" -v enc="$enc" -v size="$size" -v rows="$rows" -v ms="$best" -v rss="$rss" 'BEGIN {
      s = ms / 1000.0; if (s <= 0) s = 0.001;
      printf "%-10s %-6s %10.0f %12d %10d %10.0f %8.0f %d\n", n, enc, size/1e6, rows, ms, rows/s, size/1e6/s, rss }'
  done
done

# The same students as XLSX: the CSV's cells written as text cells.
[ -n "$XLSX_STUDENTS" ] && printf '\n%-10s %-6s %10s %12s %10s %10s %8s %s\n' students xlsx "size MB" rows "best ms" "rows/s" "MB/s" "peak RSS MiB"
for n in $XLSX_STUDENTS; do
  dir="bench-data/students-$n-utf-8"
  if [ ! -f "$dir/planted.json" ]; then
    "$BIN" demo generate --students "$n" --seed 1 --error-rate 0.01 --out "$dir" --encoding utf-8 --lang en >&2
  fi
  for kind in inline shared; do
    file="bench-data/students-$n-$kind.xlsx"
    [ -f "$file" ] || "$TO_XLSX" "$dir/students.csv" "$file" "$kind" >&2
    size=$(stat -c %s "$file")
    best=""; rss=0; rows=0
    for _ in $(seq "$RUNS"); do
      json=$("$BIN" validate "$file" --entity student --format json || true)
      ms=$(field elapsed_ms "$json"); rows=$(field rows_read "$json")
      r=$(field peak_rss_mib "$json"); [ "$r" -gt "$rss" ] && rss=$r
      if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    awk -v n="$n" -v kind="$kind" -v size="$size" -v rows="$rows" -v ms="$best" -v rss="$rss" 'BEGIN {
      s = ms / 1000.0; if (s <= 0) s = 0.001;
      printf "%-10s %-6s %10.0f %12d %10d %10.0f %8.0f %d\n", n, kind, size/1e6, rows, ms, rows/s, size/1e6/s, rss }'
  done
done
