#!/usr/bin/env bash
# 决策指标 screens at province scale (issue 15): generates a province (`tianfu demo generate`),
# imports schools, teachers, students and 办学条件 into SQLite (the per-school facts are kept by the
# imports), times the full recompute (`tianfu insight refresh`), then serves it and times 100
# requests of each screen (the province, a city, a county; page and JSON API; the security screen
# and the indicators' overview included) as the province's
# administrator: p50 and p99 in ms, and the load average.
# Usage: make bench-insight                         (15 M students, release build)
#        STUDENTS=1000000 REPLICATE=14 make bench-insight   (1 M imported, copied to 15 M in SQL)
#        STUDENTS=1000000 BIN=target/debug/tianfu bash scripts/bench-insight.sh
#        make bench-insight-security                (5,000 monitored sites; the security screen and /insight)
# Knobs: SITES (monitored sites, 5,000 by default, copied from the demo's), SCREENS (the screens
#        requested, all by default), REUSE=1 (the last run's database again), RUNS, REPLICATE,
#        FACTS_SCHOOLS (below), BUILD_ONLY=1 (build the database, then stop).
set -euo pipefail
cd "$(dirname "$0")/.."
STUDENTS=${STUDENTS:-15000000}
RUNS=${RUNS:-100}
PORT=${PORT:-18491}
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -q -p tianfu
  BIN=target/release/tianfu
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
for v in $(compgen -e | grep '^TIANFU_' || true); do unset "$v"; done
say() { echo "bench-insight: $*" >&2; }
die() { echo "bench-insight: FAILED: $*" >&2; exit 1; }
. "$(dirname "$0")/bench-serve.sh"
mkdir -p bench-data
n=$STUDENTS
dir="bench-data/students-$n-utf-8"
if [ ! -f "$dir/planted.json" ]; then
  say "generating $n students into $dir"
  "$BIN" demo generate --students "$n" --seed 1 --error-rate 0.01 --out "$dir" --lang en >&2
fi
db="$(pwd)/bench-data/insight-$n.db"
export TIANFU_DATA_DIR="${db%.db}.data"
# REUSE=1 with the database of an earlier run: no import, copy or recompute (the requests again,
# each screen's first one against a server just started).
if [ "${REUSE:-0}" = 1 ] && [ -f "$db" ]; then
  say "reusing $db"
else
rm -f "$db" "$db-wal" "$db-shm" "${db%.db}.platform.db"* "${db%.db}.monitor.db"*; rm -rf "$TIANFU_DATA_DIR"
for e in school teacher student; do
  s=$(date +%s.%N)
  rc=0; "$BIN" import "$dir/${e}s.csv" --entity "$e" --db "$db" --lang en >/dev/null || rc=$?
  [ "$rc" -le 1 ] || die "import of ${e}s.csv exited $rc"
  say "imported ${e}s in $(echo "$(date +%s.%N) - $s" | bc) s (facts kept inside the import)"
done
# 办学条件 for the balance screen.
rc=0; "$BIN" import "$dir/conditions.csv" --entity conditions --db "$db" --lang en >/dev/null || rc=$?
[ "$rc" -le 1 ] || die "import of conditions.csv exited $rc"
# REPLICATE=K (0 by default): before the recompute, the imported schools, teachers, students and
# 办学条件 are copied K times in SQL under new school codes (and new record keys, 学籍号 and teachers' ID
# numbers: a copy is other people, so 数据质量's uniqueness sees the generated duplicates only) in
# the same counties, so that a smaller real import reaches a province's size; the recompute then
# reads real rows.
if [ "${REPLICATE:-0}" -gt 0 ]; then
  s=$(date +%s.%N)
  sqlite3 "$db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
    CREATE TEMP TABLE base AS SELECT (SELECT max(id) FROM students) AS m, (SELECT max(id) FROM teachers) AS t;
    CREATE TEMP TABLE orig AS SELECT school_code FROM schools;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${REPLICATE})
    INSERT INTO schools SELECT school_code || 'r' || i, name || '（复制' || i || '）', school_type, region_code, urban_rural, credit_code, address,
      longitude, latitude, principal, phone, postal_code, row_hash, batch_id, updated_at FROM schools, k WHERE school_code IN (SELECT school_code FROM orig);
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${REPLICATE})
    INSERT INTO teachers (record_key, id_type, id_number, name, gender_code, birth_date, ethnicity_code, school_code, hire_date, subject, phone,
      education, title, row_hash, batch_id, updated_at, backbone, full_time)
      SELECT record_key || 'r' || i, id_type, CASE WHEN id_number = '' THEN '' ELSE id_number || 'r' || i END, name, gender_code, birth_date, ethnicity_code, school_code || 'r' || i, hire_date, subject, phone,
      education, title, row_hash, batch_id, updated_at, backbone, full_time FROM teachers, k WHERE teachers.id <= (SELECT t FROM base);
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${REPLICATE})
    INSERT INTO students (id, record_key, student_id, id_type, id_number, name, gender_code, birth_date, ethnicity_code, region_code, guardian_phone,
      address, boarding, left_behind, migrant_child, row_hash, batch_id, updated_at, disability)
      SELECT s.id + i * (SELECT m FROM base), s.record_key || 'r' || i, CASE WHEN s.student_id = '' THEN '' ELSE s.student_id || 'r' || i END, s.id_type, s.id_number, s.name, s.gender_code, s.birth_date,
      s.ethnicity_code, s.region_code, s.guardian_phone, s.address, s.boarding, s.left_behind, s.migrant_child, s.row_hash, s.batch_id, s.updated_at,
      s.disability FROM students s, k WHERE s.id <= (SELECT m FROM base);
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${REPLICATE})
    INSERT INTO enrolments (student_id, school_code, county_code, grade, class_name, enrollment_date, batch_id)
      SELECT e.student_id + i * (SELECT m FROM base), CASE WHEN e.school_code = '' THEN '' ELSE e.school_code || 'r' || i END, e.county_code, e.grade,
      e.class_name, e.enrollment_date, e.batch_id FROM enrolments e, k WHERE e.student_id <= (SELECT m FROM base);
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${REPLICATE})
    INSERT INTO conditions (record_key, school_code, school_year, building_area, teaching_area, sports_ground_area, sports_hall_area, equipment_value,
      multimedia_rooms, library_books, boarding_places, county_public, teaching_point, row_hash, batch_id, updated_at)
      SELECT c.school_code || 'r' || i || '/' || c.school_year, c.school_code || 'r' || i, c.school_year, c.building_area, c.teaching_area, c.sports_ground_area,
      c.sports_hall_area, c.equipment_value, c.multimedia_rooms, c.library_books, c.boarding_places, c.county_public, c.teaching_point, c.row_hash, c.batch_id,
      c.updated_at FROM conditions c, k WHERE c.school_code IN (SELECT school_code FROM orig);" >/dev/null
  say "replicated x$((REPLICATE + 1)) in $(echo "$(date +%s.%N) - $s" | bc) s: $(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM schools) || ' schools, ' || (SELECT COUNT(*) FROM teachers) || ' teachers, ' || (SELECT COUNT(*) FROM enrolments) || ' students'")"
fi
# The phases of the recompute on standard error (BENCH_FACTS_PHASES).
r=$(BENCH_FACTS_PHASES=1 "$BIN" insight refresh --db "$db" --format json)
printf '%-44s %s\n' "full recompute (tianfu insight refresh)" "$r"
printf '%-44s %s\n' "county aggregates kept" "$(sqlite3 "$db" "SELECT COUNT(*) || ' counties, ' || SUM(schools) || ' schools, ' || SUM(students) || ' students' FROM county_facts")"
# FACTS_SCHOOLS=22000 with a smaller STUDENTS: the facts rows (and teachers' birth buckets) are
# copied under new school codes in the same counties until there are that many schools, so that the
# county screens read a province's worth of facts. The county aggregates are not rebuilt from the
# copies: the province and city screens read them as the import and recompute left them (prefer
# REPLICATE, which copies the registers before the recompute).
if [ -n "${FACTS_SCHOOLS:-}" ]; then
  have=$(sqlite3 "$db" "SELECT COUNT(*) FROM school_facts")
  reps=$(( (FACTS_SCHOOLS + have - 1) / have - 1 ))
  cols=$(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('school_facts') WHERE name <> 'school_code'")
  sqlite3 "$db" "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $reps)
    INSERT INTO school_facts (school_code, $cols) SELECT school_code || '-' || i, $cols FROM school_facts, k;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $reps)
    INSERT INTO school_teacher_births (school_code, county_code, gender, ym, teachers) SELECT school_code || '-' || i, county_code, gender, ym, teachers FROM school_teacher_births, k;"
  say "facts copied to $(sqlite3 "$db" "SELECT COUNT(*) FROM school_facts") schools"
fi
fi
# BUILD_ONLY=1: the database only (bench-share.sh and bench-quality.sh build theirs this way).
[ "${BUILD_ONLY:-0}" = 1 ] && { say "built $db"; exit 0; }
# The monitor's demo sites with their checks, 等保 systems and incidents (the security screen's data).
"$BIN" demo sites --db "$db" --lang en >/dev/null || die "demo sites failed"
# SITES=N (5,000 by default; 0 keeps the demo's 27): the demo's sites are copied in SQL until N
# sites are monitored, each copy owned by one of the province's schools in turn (a school is a
# unit of the organisation tree; its county is the site's region), with the demo site's state,
# IPv6 results and depth crawl: the security screen and /insight then read a province's sites.
SITES=${SITES:-5000}
mon="${db%.db}.monitor.db"
have=$(sqlite3 "$mon" "SELECT COUNT(*) FROM sites")
if [ "$SITES" -gt "$have" ]; then
  s=$(date +%s.%N)
  cols=$(sqlite3 "$mon" "SELECT group_concat(name, ', ') FROM pragma_table_info('sites') WHERE name NOT IN ('id', 'name', 'url', 'org_code', 'region_code')")
  scols=$(sqlite3 "$mon" "SELECT group_concat('s.' || name, ', ') FROM pragma_table_info('sites') WHERE name NOT IN ('id', 'name', 'url', 'org_code', 'region_code')")
  sqlite3 "$mon" "ATTACH '$db' AS b; PRAGMA synchronous=OFF;
    CREATE TEMP TABLE units AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, code, parent_code FROM b.org_units WHERE level = 'school';
    CREATE TEMP TABLE src AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, name, url FROM sites;
    CREATE TEMP TABLE m AS WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < $SITES - $have)
      SELECT s.id AS src, s.name || '（压测副本 ' || i.x || '）' AS name, 'https://bench' || i.x || '.' || substr(s.url, 9) AS url, u.code AS org, u.parent_code AS region
      FROM i JOIN src s ON s.k = i.x % (SELECT COUNT(*) FROM src) JOIN units u ON u.n = (i.x * 7) % (SELECT COUNT(*) FROM units);
    INSERT INTO sites (name, url, org_code, region_code, $cols) SELECT m.name, m.url, m.org, m.region, $scols FROM m JOIN sites s ON s.id = m.src;
    INSERT INTO ipv6_crawls SELECT n.id, c.at, c.l2_checked, c.l2_ok, c.l3_checked, c.l3_ok, c.out_of_time
      FROM m JOIN sites n ON n.url = m.url JOIN ipv6_crawls c ON c.site_id = m.src;" >/dev/null
  say "sites copied to $(sqlite3 "$mon" "SELECT COUNT(*) || ' (' || SUM(state = 'down') || ' down, ' || SUM(category = 'university') || ' universities, ' || COUNT(DISTINCT region_code) || ' regions)' FROM sites") in $(echo "$(date +%s.%N) - $s" | bc) s; crawls $(sqlite3 "$mon" "SELECT COUNT(*) FROM ipv6_crawls")"
fi
schools=$(sqlite3 "$db" "SELECT COUNT(*) FROM school_facts")
run="bench-data/insight-run-$n"; rm -rf "$run"; mkdir -p "$run"
start_server "$run" "$db"
otp=$(sed -n 's/.*一次性密码 \([A-Za-z0-9]*\).*/\1/p' "$run/server.log" | head -1)
# REUSE=1: the administrator exists; a new one-time password for it.
[ -n "$otp" ] || otp=$("$BIN" user reset-password admin --db "$db" 2>&1 | sed -n 's/.*一次性密码：\([A-Za-z0-9]*\).*/\1/p' | head -1)
[ -n "$otp" ] || { cat "$run/server.log" >&2; die "no one-time password in the server's output"; }
sign_in "$run" admin "$otp" /overview
county=$(sqlite3 "$db" "SELECT county_code FROM school_facts GROUP BY county_code ORDER BY COUNT(*) DESC LIMIT 1")
city=$(( county / 100 * 100 ))
printf '%-44s %8s %8s %8s   (schools with facts: %s; load %s)\n' "screen" "first ms" "p50 ms" "p99 ms" "$schools" "$(cut -d' ' -f1-3 /proc/loadavg)"
# "overview" is the indicators' overview (/insight: every screen judged per region, page only).
for screen in ${SCREENS:-classes teachers students balance security overview}; do
  for region in "" "$city" "$county"; do
    for kind in page api; do
      [ "$screen" = overview ] && [ "$kind" = api ] && continue
      p="/insight/$screen"; [ "$kind" = api ] && p="/api/v1/insight/$screen"
      [ "$screen" = overview ] && p="/insight"
      [ -n "$region" ] && p="$p?region=$region"
      # The first request reads the facts (the screens remember them per scope for a minute, and
      # an import forgets them); the next RUNS are what readers see until then.
      read -r code first < <(c -o /dev/null -w '%{http_code} %{time_total}\n' "$URL$p"); [ "$code" = 200 ] || die "GET $p answered $code"
      for i in $(seq "$RUNS"); do c -o /dev/null -w '%{time_total}\n' "$URL$p"; done | sort -n > "$run/t"
      awk -v p="$p" -v f="$first" '{ t[NR] = $1 * 1000 } END { i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99 + 0.999); if (i99 > NR) i99 = NR; printf "%-44s %8.1f %8.1f %8.1f\n", p, f * 1000, t[i50], t[i99] }' "$run/t"
    done
  done
done
