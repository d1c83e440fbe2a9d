#!/usr/bin/env bash
# Benchmark of the network-security monitor: two full worker cycles (a new register, then the
# steady state with every page accepted as its baseline) over 50,000 HTTPS sites served
# on loopback. Prints checks/s, CPU seconds per check, full checks per CPU-second and peak RSS of
# the checker (the fixture runs in a process of its own, so its work is not counted).
# Usage: bash scripts/bench-guard.sh                 (50,000 sites)
#        SITES=5000 bash scripts/bench-guard.sh      (a quick run)
# Knobs: CONCURRENCY (checks in flight, 64), BATCH (sites claimed per claim, 0 = all at once),
#        PERF=1 (record the checker with `perf record -g` into bench-data/guard-perf.data).
# The fixture serves https://siteNNNNN.bench.test:PORT/ on 127.0.0.1 and [::1] with a CA made at
# start; the checker pins every name to those two addresses (nothing is sent off the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
SITES=${SITES:-50000}
CONCURRENCY=${CONCURRENCY:-64}
BATCH=${BATCH:-0}
cargo build --release --locked -q -p guard --example bench_guard
tgt=${CARGO_TARGET_DIR:-target}; case $tgt in /*) ;; *) tgt="$(pwd)/$tgt" ;; esac
BIN="$tgt/release/examples/bench_guard"
dir="$(pwd)/bench-data/guard-run"
rm -rf "$dir"; mkdir -p "$dir"
say() { echo "bench-guard: $*" >&2; }

"$BIN" serve --dir "$dir" --max-seconds 3600 2>"$dir/fixture.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  [ -f "$dir/port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/fixture.log" >&2; say "FAILED: the fixture exited"; exit 1; }
  sleep 0.1
done
[ -f "$dir/port" ] || { say "FAILED: the fixture did not start"; exit 1; }
say "fixture on port $(cat "$dir/port"), load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
run=("$BIN" run --dir "$dir" --sites "$SITES" --concurrency "$CONCURRENCY" --batch "$BATCH")
rc=0
if [ "${PERF:-0}" = 1 ]; then
  perf record -F 499 -g -o bench-data/guard-perf.data -- "${run[@]}" || rc=$?
else
  "${run[@]}" || rc=$?
fi
fix_cpu=$(awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$pid/stat" 2>/dev/null || echo "?")
say "fixture CPU ${fix_cpu} s; load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
