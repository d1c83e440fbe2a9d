#!/usr/bin/env bash
# Load test of `tianfu serve` on loopback with `wrk`: requests/s and p50/p99 latency of the overview
# page, a student list page deep into the list, a student search by ID number, and an API page of
# 100 students; and the server's peak RSS.
# Usage: bash scripts/bench-web.sh                      (15 M students)
#        STUDENTS=1000000 bash scripts/bench-web.sh     (a quick run)
# Knobs: CONNECTIONS (64), THREADS (2), DURATION (20s), WARMUP (5s), DEPTH (API pages of 500 walked
# for the deep cursor, 250 = 125,000 rows), PORT (18480). Needs wrk (apt-get install wrk), curl, jq.
# The imported database is cached as bench-data/web-N.db (delete it to re-import); each run starts
# with a fresh platform file (accounts, sessions, audit) beside it and a fresh working directory.
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS=${STUDENTS:-15000000}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
DEPTH=${DEPTH:-250}
PORT=${PORT:-18480}
for tool in wrk curl jq; do
  command -v "$tool" >/dev/null || { echo "bench-web: $tool not found (Debian: apt-get install -y $tool)" >&2; exit 2; }
done
cargo build --release -q -p tianfu
tgt=${CARGO_TARGET_DIR:-target}; case $tgt in /*) ;; *) tgt="$(pwd)/$tgt" ;; esac
BIN="$tgt/release/tianfu"
for v in $(compgen -e | grep '^TIANFU_' || true); do unset "$v"; done
mkdir -p bench-data
n=$STUDENTS
say() { echo "bench-web: $*" >&2; }
die() { echo "bench-web: FAILED: $*" >&2; exit 1; }
. "$(dirname "$0")/bench-serve.sh"

# --- data: generated files shared with bench-import, the imported database cached by size --------
dir="bench-data/students-$n-utf-8"
if [ ! -f "$dir/planted.json" ]; then
  say "generating $n students into $dir"
  "$BIN" demo generate --students "$n" --seed 1 --error-rate 0.01 --out "$dir" --lang en >&2
fi
db="$(pwd)/bench-data/web-$n.db"
# The instance secret and the audit checkpoint of this database (not bench-data/, which the other
# benchmarks' databases share): they go with the platform file, which is made afresh below.
export TIANFU_DATA_DIR="${db%.db}.data"
if [ ! -f "$db.imported" ]; then
  rm -f "$db" "$db-wal" "$db-shm" "${db%.db}.platform.db"*
  rm -rf "$TIANFU_DATA_DIR"
  for e in school teacher student; do
    say "importing ${e}s into $db"
    rc=0; "$BIN" import "$dir/${e}s.csv" --entity "$e" --db "$db" --lang en >/dev/null || rc=$?
    [ "$rc" -le 1 ] || die "import of ${e}s.csv exited $rc"
  done
  touch "$db.imported"
fi

# --- the server: a fresh platform file (new admin) and its own working directory -----------------
rm -f "${db%.db}.platform.db" "${db%.db}.platform.db-wal" "${db%.db}.platform.db-shm"
rm -rf "$TIANFU_DATA_DIR"
run="bench-data/web-run-$n"
rm -rf "$run"; mkdir -p "$run"
# Searches by number are limited per account (30 a minute by default) and each is audited: the
# benchmark lifts the limit, so it measures a search with its audit entry.
start_server "$run" "$db" TIANFU_SEARCHES_PER_MINUTE=1000000000
otp=$(sed -n 's/.*一次性密码 \([A-Za-z0-9]*\).*/\1/p' "$run/server.log" | head -1)
[ -n "$otp" ] || { cat "$run/server.log" >&2; die "no one-time password in the server's output"; }

# --- sign in, change the one-time password, make an API token -----------------------------------
sign_in "$run" admin "$otp" /overview
# API tokens belong to data-consumer accounts (province-wide here; they read masked records).
t=$(csrf /users); [ -n "$t" ] || die "no CSRF token on /users"
code=$(c -o /dev/null -w '%{http_code}' --data-urlencode "_csrf=$t" --data-urlencode name=bench_api --data-urlencode display_name=bench --data-urlencode role=data_consumer --data-urlencode org_code=510000 "$URL/users")
[ "$code" -lt 400 ] || die "creating the data-consumer account answered $code"
t=$(csrf /users)
uid=$(c "$URL/users" | sed -n 's/.*<option value="\([0-9]*\)">bench_api .*/\1/p' | head -1)
[ -n "$uid" ] || die "no data-consumer account bench_api on /users"
token=$(c --data-urlencode "_csrf=$t" --data-urlencode name=bench --data-urlencode "user_id=$uid" "$URL/tokens" | grep -o 'tf_[0-9a-f]*' | head -1)
[ -n "$token" ] || die "no API token in the /tokens answer"
session=$(awk '$6 == "tianfu_session" { v = $7 } END { print v }' "$jar")
[ -n "$session" ] || die "no tianfu_session cookie"
COOKIE="Cookie: tianfu_session=$session"
BEARER="Authorization: Bearer $token"

# --- targets: a deep cursor (walking the API), real ID numbers, API cursors ----------------------
# Cursors are bound to the account that walked the list: the console's by the session, the API's
# by the token.
walk() {
  local hdr=$1 after="" i j
  for i in $(seq "$DEPTH"); do
    j=$(curl -sS -f -H "$hdr" "$URL/api/v1/students?limit=500&after=$after") || die "API walk failed at page $i"
    after=$(jq -r '.next // empty' <<<"$j")
    [ -n "$after" ] || die "the list ended after $i pages of 500 (fewer students than DEPTH x 500?)"
    echo "$after"
  done
}
say "walking $DEPTH API pages of 500 for a deep cursor (session and token)"
mapfile -t cursors < <(walk "$COOKIE")
[ "${#cursors[@]}" = "$DEPTH" ] || die "the session's walk of the API stopped after ${#cursors[@]} pages"
deep=("${cursors[@]: -4}")     # the last 4 cursors: all at least (DEPTH-4) x 500 rows in
mapfile -t cursors < <(walk "$BEARER")
[ "${#cursors[@]}" = "$DEPTH" ] || die "the token's walk of the API stopped after ${#cursors[@]} pages"
api=("")                        # the first page and 7 cursors spread over the walk
for k in 1 2 3 4 5 6 7; do api+=("${cursors[$((k * DEPTH / 8))]}"); done

say "picking ID numbers from $dir/students.csv"
ids=()
while read -r id; do
  got=$(curl -sS -f -H "$COOKIE" -H "X-CSRF-Token: $t" -H 'Content-Type: application/json' --data "{\"id\":\"$id\"}" "$URL/api/v1/students/search" | jq '.items | length') || got=0
  [ "$got" = 1 ] && ids+=("$id")
  [ "${#ids[@]}" -ge 10 ] && break
done < <(awk -F, -v n="$n" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "身份证件号" || $i == "id_number") col = i; if (!col) col = 3; next }
  NR == 2 { step = int(n / 50); if (step > 20000) step = 20000; if (step < 1) step = 1 }
  (NR - 2) % step == 0 { print $col; if (++k == 40) exit }' "$dir/students.csv")
[ "${#ids[@]}" -ge 5 ] || die "found only ${#ids[@]} ID numbers that the API finds exactly once"

# --- checks: every request answers 200 with the expected content ---------------------------------
paths_overview=("/overview")
paths_deep=(); for a in "${deep[@]}"; do paths_deep+=("/students?after=$a"); done
# A number is posted (never in an address) and comes back sealed for the account: /students?idq=…
paths_id=(); for i in "${ids[@]}"; do
  loc=$(curl -sS -H "$COOKIE" -o /dev/null -w '%{redirect_url}' --data-urlencode "_csrf=$t" --data-urlencode "id=$i" "$URL/students/search")
  [ -n "$loc" ] || die "the search form answered no redirect for an ID number"
  paths_id+=("${loc#"$URL"}")
done
paths_api=(); for a in "${api[@]}"; do paths_api+=("/api/v1/students?limit=100&after=$a"); done

# check NAME HEADER PATH... : prints the mean response size (headers + body) in bytes
check() {
  local name=$1 hdr=$2; shift 2
  local total=0 p out code size body
  for p in "$@"; do
    out=$(curl -sS -H "$hdr" -o "$run/check.body" -w '%{http_code} %{size_header} %{size_download}' "$URL$p")
    read -r code hs size <<<"$out"
    [ "$code" = 200 ] || die "$name: GET $p answered $code"
    body="$run/check.body"
    case $name in
      overview) grep -q 'id="total-students"' "$body" || die "overview: no student total" ;;
      deep-list) [ "$(grep -o 'href="/students/[0-9a-f]' "$body" | wc -l)" -ge 50 ] || die "deep-list: fewer than 50 student rows on $p" ;;
      id-search) [ "$(grep -o 'href="/students/[0-9a-f]' "$body" | wc -l)" = 1 ] || die "id-search: not exactly one student for $p" ;;
      api-page) [ "$(jq '.items | length' "$body")" = 100 ] || die "api-page: not 100 items for $p" ;;
    esac
    total=$((total + hs + size))
  done
  echo $((total / $#))
}

# --- the load: wrk with a Lua script rotating among each endpoint's paths -------------------------
lua="$run/rotate.lua"
cat >"$lua" <<'EOF'
-- Rotates among the paths in BENCH_PATHS (space-separated); requests are formatted once.
local reqs, i = {}, 0
function init(args)
  for p in string.gmatch(os.getenv("BENCH_PATHS"), "%S+") do reqs[#reqs + 1] = wrk.format("GET", p) end
  i = math.random(#reqs)
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
EOF

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
HZ=$(getconf CLK_TCK)
results=()
measure() { # name header paths...
  local name=$1 hdr=$2; shift 2
  # ONLY=api-page measures one endpoint; PERF=1 records a CPU profile of the server meanwhile.
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then return; fi
  local expect out ticks0 ticks1
  expect=$(check "$name" "$hdr" "$@")
  export BENCH_PATHS="$*"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$lua" -H "$hdr" "$URL" >/dev/null
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  ticks0=$(cpu_ticks)
  local perf_pid=""
  if [ -n "${PERF:-}" ]; then perf record -F 499 -g -p "$pid" -o "$run/perf-$name.data" -- sleep "${DURATION%s}" >/dev/null 2>&1 & perf_pid=$!; fi
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$lua" -H "$hdr" "$URL")
  ticks1=$(cpu_ticks)
  if [ -n "$perf_pid" ]; then wait "$perf_pid" || true; fi
  echo "$out" >"$run/wrk-$name.txt"
  check "$name" "$hdr" "$@" >/dev/null   # still 200 with the expected content after the load
  results+=("$(awk -v name="$name" -v expect="$expect" -v ticks=$((ticks1 - ticks0)) -v hz="$HZ" -v la="$load" '
    function ms(s) { if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /m$/) return s * 60000; if (s ~ /s$/) return s * 1000; return s }
    function bytes(s) { if (s ~ /KB$/) return s * 1024; if (s ~ /MB$/) return s * 1048576; if (s ~ /GB$/) return s * 1073741824; return s + 0 }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    / requests in / { gsub(",", ""); reqs = $1; got = bytes($5) }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(",", ""); errs = $4 + $6 + $8 + $10 }
    /^Requests\/sec:/ { rps = $2 }
    END {
      size = reqs ? got / reqs : 0
      printf "%-10s %9.0f %8.2f %8.2f %8d %7d %7d %8.0f %8d %9.2f   %s\n", name, rps, p50, p99, reqs, bad + 0, errs + 0, size, expect, reqs ? ticks * 1000.0 / hz / reqs : 0, la
      if (bad + 0 > 0 || errs + 0 > 0) printf "bench-web: %s: %d non-2xx/3xx responses, %d socket errors\n", name, bad, errs > "/dev/stderr"
      if (size < 0.75 * expect || size > 1.33 * expect) printf "bench-web: %s: mean response %.0f bytes, expected about %d: answers differ from the checked ones\n", name, size, expect > "/dev/stderr"
    }' <<<"$out")")
}

say "measuring: wrk -t$THREADS -c$CONNECTIONS -d$DURATION (after a $WARMUP warm-up) per endpoint"
measure overview "$COOKIE" "${paths_overview[@]}"
measure deep-list "$COOKIE" "${paths_deep[@]}"
measure id-search "$COOKIE" "${paths_id[@]}"
measure api-page "$BEARER" "${paths_api[@]}"
rss=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")

echo
echo "tianfu serve, SQLite, $n students; wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency on loopback; $(nproc) cores"
echo "deep-list: /students?after= 4 cursors $(((DEPTH - 3) * 500))-$((DEPTH * 500)) rows in; id-search: ${#ids[@]} ID numbers; api-page: limit=100, ${#api[@]} cursors"
printf '%-10s %9s %8s %8s %8s %7s %7s %8s %8s %9s   %s\n' endpoint "req/s" "p50 ms" "p99 ms" requests non2xx sockerr "B/resp" "B/check" "srv CPUms" "load avg (1/5/15 min)"
printf '%s\n' "${results[@]}"
echo "server peak RSS (VmHWM): $rss MiB"
echo "(B/resp: mean bytes per response under load; B/check: mean size of the same requests checked with curl;"
echo " sockerr: wrk connect/read/write errors and timeouts (> 2 s; timed-out requests are not in the latencies);"
echo " srv CPUms: server CPU time per request; load avg taken just before each measured run)"
awk -v c="$CONNECTIONS" '{ split($0, f, " "); if (f[4] + 0 >= 50) { miss = miss " " f[1] " p99" } if (f[1] == "api-page" && f[2] + 0 < 3000) miss = miss " api-page req/s" }
  END { if (miss == "") print "targets (p99 < 50 ms each at " c " connections; api-page >= 3,000 req/s): met"; else print "targets (p99 < 50 ms each at " c " connections; api-page >= 3,000 req/s): MISSED:" miss }' < <(printf '%s\n' "${results[@]}")
