#!/usr/bin/env bash
# 数据质量 at scale (issue 14: "quality scores for every provider refresh in < 10 s at 15 M
# students"): generates a province (`tianfu demo generate`, 1 % planted errors), imports schools,
# teachers and students into SQLite, then times `tianfu quality refresh` (every county and school
# recounted, the snapshot written) twice — the first reads cold pages — and prints the rows kept.
# Usage: make bench-quality                                   (15 M students, release build)
#        STUDENTS=1000000 BIN=target/debug/tianfu bash scripts/bench-quality.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS=${STUDENTS:-15000000}
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -q -p tianfu
  BIN=target/release/tianfu
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
for v in $(compgen -e | grep '^TIANFU_' || true); do unset "$v"; done
say() { echo "bench-quality: $*" >&2; }
die() { echo "bench-quality: FAILED: $*" >&2; exit 1; }
mkdir -p bench-data
n=$STUDENTS
dir="bench-data/students-$n-utf-8"
if [ ! -f "$dir/planted.json" ]; then
  say "generating $n students into $dir"
  "$BIN" demo generate --students "$n" --seed 1 --error-rate 0.01 --out "$dir" --lang en >&2
fi
db="$(pwd)/bench-data/quality-$n.db"
export TIANFU_DATA_DIR="${db%.db}.data"
if [ ! -f "$db" ]; then
  for e in school teacher student; do
    s=$(date +%s.%N)
    rc=0; "$BIN" import "$dir/${e}s.csv" --entity "$e" --db "$db" --lang en >/dev/null || rc=$?
    [ "$rc" -le 1 ] || die "import of ${e}s.csv exited $rc"
    say "imported ${e}s in $(echo "$(date +%s.%N) - $s" | bc) s"
  done
fi
say "$(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM schools) || ' schools, ' || (SELECT COUNT(*) FROM teachers) || ' teachers, ' || (SELECT COUNT(*) FROM enrolments) || ' students, ' || (SELECT COUNT(*) FROM rejected_rows) || ' rejected rows'")"
for run in 1 2; do
  s=$(date +%s.%N)
  r=$("$BIN" quality refresh --db "$db" --format json)
  printf 'quality refresh, run %d: %.2f s wall  %s\n' "$run" "$(echo "$(date +%s.%N) - $s" | bc)" "$r"
done
