#!/usr/bin/env bash
# 数据共享交换 at province scale (issue 14: "a bulk pull of a granted 15 M-row student dataset
# streams at ≥ 300,000 rows/s (masked); an API page of 1,000 rows answers in < 50 ms p99 at 32
# concurrent consumers"). Serves a 15 M-student SQLite database (release build), registers
# CONSUMERS (32) consumer organisations as the province's administrator, each with one
# data-consumer account and an API token; each requests the province's students (student_id, name,
# gender_code, birth_date, grade, school_code, guardian_phone: the personal ones masked as the
# catalog says) and the administrator approves at 600 calls a minute. Then prints
#   (a) the bulk pulls: every granted row as rows.csv and as rows.jsonl through curl to /dev/null:
#       rows (the grant's usage counter), seconds, rows/s, bytes, the server's CPU seconds;
#   (b) CONSUMERS consumers at once, each walking its grant's pages of 1,000 rows by cursor for
#       DURATION seconds (wrk, one thread and connection per consumer, scripts/bench-share.lua, a
#       pause of DELAY_MS between a consumer's requests to stay within 600 a minute):
#       pages, pages/s, non-200 answers, p50/p90/p99/max latency.
# Usage: make bench-share                          (bench-data/insight-1000000.db, built when absent:
#                                                  1 M imported, copied x15 in SQL, as bench-insight)
#        DB=/path/to/insight-1000000.db make bench-share   (an existing database, its .platform.db
#                                                  and TIANFU_DATA_DIR=<db without .db>.data beside it)
# Knobs: CONSUMERS (32), DURATION (25 s), DELAY_MS (100), BULK=0 (skip the bulk pulls),
#        WALK=0 (skip the walk), BIN (a built tianfu), PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
CONSUMERS=${CONSUMERS:-32}
DURATION=${DURATION:-25}
DELAY_MS=${DELAY_MS:-100}
PORT=${PORT:-18493}
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -q -p tianfu
  BIN=target/release/tianfu
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
for v in $(compgen -e | grep '^TIANFU_' || true); do unset "$v"; done
say() { echo "bench-share: $*" >&2; }
die() { echo "bench-share: FAILED: $*" >&2; exit 1; }
. "$(dirname "$0")/bench-serve.sh"
if [ -z "${DB:-}" ]; then
  DB="$(pwd)/bench-data/insight-1000000.db"
  if [ ! -f "$DB" ]; then
    say "building $DB (1 M students imported, copied x15)"
    STUDENTS=1000000 REPLICATE=14 BUILD_ONLY=1 BIN="$BIN" bash scripts/bench-insight.sh
  fi
fi
db=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
[ -f "$db" ] || die "no database $db"
export TIANFU_DATA_DIR="${db%.db}.data"
students=$(sqlite3 "$db" "SELECT COUNT(*) FROM enrolments")
say "$db: $students students"

run="$(pwd)/bench-data/share-run"; rm -rf "$run"; mkdir -p "$run"
start_server "$run" "$db"
otp=$(sed -n 's/.*一次性密码 \([A-Za-z0-9]*\).*/\1/p' "$run/server.log" | sed -n 1p)
# An existing platform file: the administrator exists; a new one-time password for it.
[ -n "$otp" ] || otp=$("$BIN" user reset-password admin --db "$db" 2>&1 | sed -n 's/.*一次性密码：\([A-Za-z0-9]*\).*/\1/p' | sed -n 1p)
[ -n "$otp" ] || { cat "$run/server.log" >&2; die "no one-time password for admin"; }
sign_in "$run" admin "$otp" /overview
t=$(csrf /users); [ -n "$t" ] || die "no CSRF token on /users"
admin_json() { c -sS -f -X "$1" -H "X-CSRF-Token: $t" -H 'Content-Type: application/json' --data "$3" "$URL$2"; }
# The catalog's automatic entry of the students (`tianfu serve` syncs the catalog on start).
ds=$(c -sS -f "$URL/api/v1/catalog?limit=100" | jq -r '.items[] | select(.name == "学生基本信息") | .id' | sed -n 1p)
[ -n "$ds" ] || die "no 学生基本信息 dataset in the catalog"
from=$(TZ=Asia/Shanghai date +%F); to=$(TZ=Asia/Shanghai date -d '+30 days' +%F)
# Names of this run (an existing platform file keeps the consumers of earlier runs).
tag=$(date +%s)
: > "$run/consumers"
say "registering $CONSUMERS consumers with an account, a token and a grant each"
for i in $(seq "$CONSUMERS"); do
  name="bench${tag}c$i"
  cid=$(admin_json POST /api/v1/share/consumers "{\"name\":\"压测使用方 $tag-$i\",\"department\":\"other\",\"credit_code\":\"\",\"contact\":\"bench\"}" | jq -r .id) || die "registering consumer $i failed"
  code=$(c -o /dev/null -w '%{http_code}' --data-urlencode "_csrf=$t" --data-urlencode "name=$name" --data-urlencode "display_name=$name" --data-urlencode role=data_consumer --data-urlencode org_code=510000 "$URL/users")
  [ "$code" -lt 400 ] || die "creating the account $name answered $code"
  uid=$(c "$URL/users" | sed -n "s/.*<option value=\"\\([0-9]*\\)\">$name .*/\\1/p" | sed -n 1p)
  [ -n "$uid" ] || die "no account $name on /users"
  token=$(c --data-urlencode "_csrf=$t" --data-urlencode "name=bench-share" --data-urlencode "user_id=$uid" "$URL/tokens" | grep -o 'tf_[0-9a-f]*' | sed -n 1p)
  [ -n "$token" ] || die "no API token for $name"
  admin_json POST "/api/v1/share/consumers/$cid/accounts" "{\"account\":\"$name\"}" >/dev/null || die "linking $name failed"
  qid=$(curl -sS -f -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data \
    "{\"dataset_id\":$ds,\"purpose\":\"压测：全省在校学生核对\",\"fields\":[\"student_id\",\"name\",\"gender_code\",\"birth_date\",\"grade\",\"school_code\",\"guardian_phone\"],\"filter\":{\"region\":510000},\"from\":\"$from\",\"to\":\"$to\"}" \
    "$URL/api/v1/share/requests" | jq -r .id) || die "the request of $name failed"
  gid=$(admin_json POST "/api/v1/share/requests/$qid/approve" '{"rate_per_minute":600}' | jq -r .id) || die "approving request $qid failed"
  echo "$gid $token" >> "$run/consumers"
done
read -r g1 t1 < <(sed -n 1p "$run/consumers")
masks=$(curl -sS -f -H "Authorization: Bearer $t1" "$URL/api/v1/share/grants" | jq -r --argjson g "$g1" '.items[] | select(.id == $g) | [.fields[] | .name + (if .mask then "(" + .mask + ")" else "" end)] | join(",")')
say "grant $g1: $masks"
cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$pid/stat"; }
printf '%s students; %s; server: release, SQLite; load before: %s\n' "$students" "$(nproc) cores" "$(cut -d' ' -f1-3 /proc/loadavg)"

# --- (a) bulk pulls -------------------------------------------------------------------------------
if [ "${BULK:-1}" = 1 ]; then
  printf '%-22s %10s %8s %10s %14s %10s\n' "bulk pull" "rows" "s" "rows/s" "bytes" "server CPU s"
  k=0
  for fmt in csv jsonl; do
    k=$((k + 1))
    read -r g tok < <(sed -n "${k}p" "$run/consumers")
    c0=$(cpu)
    read -r code secs bytes < <(curl -sS -H "Authorization: Bearer $tok" -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' "$URL/api/v1/share/$g/rows.$fmt")
    [ "$code" = 200 ] || die "rows.$fmt answered $code"
    c1=$(cpu)
    rows=$(curl -sS -f -H "Authorization: Bearer $tok" "$URL/api/v1/share/usage" | jq --argjson g "$g" '[.items[] | select(.grant_id == $g) | .rows] | add')
    [ "$rows" = "$students" ] || say "rows.$fmt delivered $rows rows of $students"
    printf '%-22s %10s %8.1f %10.0f %14s %10.1f\n' "rows.$fmt (grant $g)" "$rows" "$secs" "$(echo "$rows / $secs" | bc -l)" "$bytes" "$(echo "$c1 - $c0" | bc -l)"
  done
fi

# --- (b) the consumers walking their pages -----------------------------------------------------------
if [ "${WALK:-1}" = 1 ]; then
  c0=$(cpu)
  out=$(SHARE_CONSUMERS="$run/consumers" DELAY_MS="$DELAY_MS" wrk -t "$CONSUMERS" -c "$CONSUMERS" -d "${DURATION}s" --timeout 10s -s scripts/bench-share.lua "$URL/" 2>&1) || { echo "$out" >&2; die "wrk failed"; }
  c1=$(cpu)
  echo "$out" > "$run/wrk.txt"
  r=$(grep '^RESULT' <<<"$out") || { echo "$out" >&2; die "no result from wrk"; }
  kv() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<" $r"; }
  printf '%-22s %8s %8s %8s %8s %8s %8s %8s %10s\n' "pages of 1,000 by cursor" "consumers" "pages" "pages/s" "non-200" "p50 ms" "p99 ms" "max ms" "server CPU s"
  printf '%-22s %8s %8s %8s %8s %8s %8s %8s %10.1f\n' "${DURATION} s, ${DELAY_MS} ms apart" "$(kv consumers)" "$(kv pages)" "$(kv pages_per_s)" "$(kv non200)" "$(kv p50_ms)" "$(kv p99_ms)" "$(kv max_ms)" "$(echo "$c1 - $c0" | bc -l)"
  [ "$(kv non200)" = 0 ] && [ "$(kv errors)" = 0 ] || say "some answers were not 200 or failed (see $run/wrk.txt, $run/server.log)"
fi
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
