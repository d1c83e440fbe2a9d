#!/usr/bin/env bash
# Export of a county's students from the console (issue 12: "a county's 200,000 students in
# seconds"): a county officer of 锦江区 downloads /export/students as CSV and as XLSX (masked,
# scoped, audited, streamed); prints rows, seconds, MB, rows/s and the server's peak RSS.
# Usage: bash scripts/bench-export.sh                   (200,000 students, all in one county)
#        STUDENTS=50000 bash scripts/bench-export.sh    (a quick run)
# Knobs: STUDENTS (200000), COUNTY (default: the county with the most generated schools), RUNS (3, the best is printed), PORT (18490), BIN (a
# built tianfu; default: cargo build --release). Needs curl and python3.
# The generated students are moved into the county's schools (python3 rewrites their school
# codes), so that the county holds them all; the imported database is cached as
# bench-data/export-N.db (delete it to re-import).
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS=${STUDENTS:-200000}
COUNTY=${COUNTY:-}
RUNS=${RUNS:-3}
PORT=${PORT:-18490}
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "bench-export: $tool not found" >&2; exit 2; }
done
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p tianfu
  tgt=${CARGO_TARGET_DIR:-target}; case $tgt in /*) ;; *) tgt="$(pwd)/$tgt" ;; esac
  BIN="$tgt/release/tianfu"
fi
BIN=$(realpath "$BIN")
for v in $(compgen -e | grep '^TIANFU_' || true); do unset "$v"; done
say() { echo "bench-export: $*" >&2; }
die() { echo "bench-export: FAILED: $*" >&2; exit 1; }
. "$(dirname "$0")/bench-serve.sh"
n=$STUDENTS
mkdir -p bench-data
dir="bench-data/export-$n-${COUNTY:-auto}"
db="$(pwd)/bench-data/export-$n-${COUNTY:-auto}.db"
export TIANFU_DATA_DIR="${db%.db}.data"

# --- data: generated, every teacher and student moved into the county's schools -----------------
if [ ! -f "$db.imported" ]; then
  rm -rf "$dir" "$TIANFU_DATA_DIR"; rm -f "$db" "$db-wal" "$db-shm" "${db%.db}.platform.db"*
  say "generating $n students into $dir"
  "$BIN" demo generate --students "$n" --seed 1 --error-rate 0 --warning-rate 0 --headers en --out "$dir" --lang en >&2
  python3 - "$dir" "$COUNTY" <<'EOF'
import collections, csv, sys, os
d, county = sys.argv[1], sys.argv[2]
with open(os.path.join(d, "schools.csv"), newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
if not county:
    county = collections.Counter(r["region_code"] for r in rows).most_common(1)[0][0]
schools = [r["school_code"] for r in rows if r["region_code"] == county]
if not schools:
    sys.exit(f"no school in county {county}")
open(os.path.join(d, "county"), "w").write(county)
for name in ("teachers.csv", "students.csv"):
    p = os.path.join(d, name)
    with open(p, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        head = next(r)
        col = head.index("school_code")
        rows = list(r)
    for i, row in enumerate(rows):
        row[col] = schools[i % len(schools)]
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(rows)
print(f"bench-export: {len(schools)} schools of {county} hold every teacher and student", file=sys.stderr)
EOF
  for e in school teacher student; do
    say "importing ${e}s into $db"
    rc=0; "$BIN" import "$dir/${e}s.csv" --entity "$e" --db "$db" --lang en >/dev/null || rc=$?
    [ "$rc" -le 1 ] || die "import of ${e}s.csv exited $rc"
  done
  touch "$db.imported"
fi

COUNTY=$(cat "$dir/county")
say "the county: $COUNTY"

# --- the server and a county officer ------------------------------------------------------------
rm -f "${db%.db}.platform.db" "${db%.db}.platform.db-wal" "${db%.db}.platform.db-shm"
rm -rf "$TIANFU_DATA_DIR"
run="bench-data/export-run-$n"
rm -rf "$run"; mkdir -p "$run"
start_server "$run" "$db"
otp=$("$BIN" user add bench_county --role county_officer --org "$COUNTY" --db "$db" --lang en 2>&1 | grep -o '[A-Za-z0-9]\{12,\}' | tail -1)
[ -n "$otp" ] || die "no one-time password from tianfu user add"
sign_in "$run" bench_county "$otp" /students

# --- the exports --------------------------------------------------------------------------------
echo "| format | rows | seconds (best of $RUNS) | MB | rows/s | server peak RSS |"
echo "|---|---|---|---|---|---|"
for fmt in csv xlsx; do
  best=""
  for _ in $(seq "$RUNS"); do
    out=$(c -o "$run/export.$fmt" -w '%{http_code} %{time_total} %{size_download}' "$URL/export/students?format=$fmt")
    read -r code secs bytes <<<"$out"
    [ "$code" = 200 ] || die "/export/students?format=$fmt answered $code"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $secs < $best else 1)"; then best=$secs; size=$bytes; fi
  done
  if [ "$fmt" = csv ]; then
    rows=$(( $(wc -l <"$run/export.csv") - 1 ))
  else
    rows=$(python3 -c "import zipfile,re,sys; z=zipfile.ZipFile(sys.argv[1]); print(sum(len(re.findall(rb'<row ', z.read(n))) for n in z.namelist() if n.startswith('xl/worksheets/sheet')) - sum(1 for n in z.namelist() if n.startswith('xl/worksheets/sheet')))" "$run/export.xlsx")
  fi
  [ "$rows" -gt 0 ] || die "the $fmt export is empty"
  if [ "$fmt" = csv ]; then
    python3 - "$run/export.csv" <<'EOF' || die "the CSV export is not masked"
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    r = csv.reader(f); head = next(r); i = head.index("身份证件号")
    sys.exit(0 if all((not row[i]) or "*" in row[i] for row in r) else 1)
EOF
  fi
  rss=$(awk '/VmHWM/ { printf "%d MiB", $2 / 1024 }' "/proc/$pid/status")
  python3 -c "import sys; r,s,b=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'| {sys.argv[4]} | {r:,} | **{s:.2f}** | {b/1e6:.1f} | {r/s:,.0f} | {sys.argv[5]} |')" "$rows" "$best" "$size" "$fmt" "$rss"
done
