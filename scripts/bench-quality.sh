#!/usr/bin/env bash
# 数据质量 at scale (issue 14: "quality scores for every provider refresh in < 10 s at 15 M
# students"): times `tianfu quality refresh` (every county and school recounted, the snapshot
# written) twice on a province's SQLite database — the first run reads cold pages — and prints
# the rows kept and the planted problems it counted.
# The database: DB=path (an existing one: its TIANFU_DATA_DIR is <db without .db>.data beside
# it; the refresh writes that day's snapshot into it, and the store migrates it to this build's
# schema first, timed apart); else bench-data/quality-$STUDENTS.db, generated (`tianfu demo
# generate`, 1 % planted errors) and imported (schools, teachers, students) when absent; with
# REPLICATE=K, STUDENTS are imported and copied K times in SQL as scripts/bench-insight.sh does
# (STUDENTS=1000000 REPLICATE=14: 14.85 M students), the copies other people (new keys, 学籍号
# and ID numbers).
# Usage: make bench-quality                                   (15 M students, release build)
#        DB=bench-data/insight-1000000.db make bench-quality
#        STUDENTS=1000000 REPLICATE=14 make bench-quality
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
if [ -n "${DB:-}" ]; then
  [ -f "$DB" ] || die "no database $DB"
  db=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
elif [ "${REPLICATE:-0}" -gt 0 ]; then
  db="$(pwd)/bench-data/insight-$n.db"
  if [ ! -f "$db" ]; then
    say "building $db ($n students imported, copied x$((REPLICATE + 1)))"
    STUDENTS="$n" REPLICATE="$REPLICATE" BUILD_ONLY=1 BIN="$BIN" bash scripts/bench-insight.sh
  fi
else
  dir="bench-data/students-$n-utf-8"
  if [ ! -f "$dir/planted.json" ]; then
    say "generating $n students into $dir"
    "$BIN" demo generate --students "$n" --seed 1 --error-rate 0.01 --out "$dir" --lang en >&2
  fi
  db="$(pwd)/bench-data/quality-$n.db"
  if [ ! -f "$db" ]; then
    export TIANFU_DATA_DIR="${db%.db}.data"
    for e in school teacher student; do
      s=$(date +%s.%N)
      rc=0; "$BIN" import "$dir/${e}s.csv" --entity "$e" --db "$db" --lang en >/dev/null || rc=$?
      [ "$rc" -le 1 ] || die "import of ${e}s.csv exited $rc"
      say "imported ${e}s in $(echo "$(date +%s.%N) - $s" | bc) s"
    done
  fi
fi
export TIANFU_DATA_DIR="${db%.db}.data"
# The store's migrations first (an older database gains this build's columns: 0012 keeps each
# school's newest batch), so that the runs below time the refresh alone.
s=$(date +%s.%N)
"$BIN" batches list --db "$db" >/dev/null || die "cannot open $db"
say "opened and migrated in $(echo "$(date +%s.%N) - $s" | bc) s"
say "$(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM schools) || ' schools, ' || (SELECT COUNT(*) FROM teachers) || ' teachers, ' || (SELECT COUNT(*) FROM enrolments) || ' students, ' || (SELECT COUNT(*) FROM rejected_rows) || ' rejected rows'")"
for run in 1 2; do
  s=$(date +%s.%N)
  r=$("$BIN" quality refresh --db "$db" --format json)
  printf 'quality refresh, run %d: %.2f s wall  %s\n' "$run" "$(echo "$(date +%s.%N) - $s" | bc)" "$r"
done
day=$(sqlite3 "$db" "SELECT MAX(day) FROM quality_snapshots")
printf 'counted on %s (the county rows summed): %s\n' "$day" "$(sqlite3 "$db" "SELECT SUM(students) || ' students, ' || SUM(teachers) || ' teachers, ' || SUM(missing_school) || ' naming no school, ' || SUM(dup_students) || ' duplicate students, ' || SUM(dup_teachers) || ' duplicate teachers, ' || SUM(too_young + too_old) || ' age-grade anomalies, ' || SUM(rejected) || ' rejected rows' FROM quality_snapshots WHERE day = '$day' AND school_code = ''")"
