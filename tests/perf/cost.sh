#!/usr/bin/env bash
# Benchmark (not a test) of `fpctl cost`: the wall time of the whole command as a user runs it
# (process start, config parse, pricing, prediction, output), many times over.
#
#   tests/perf/cost.sh [BINARY]
#
# BINARY defaults to build/cli/fpctl. Environment:
#   RUNS=100           repetitions of `fpctl cost -c <plan>` (target: each <= 50 ms)
#   OPTIMIZE_RUNS=30   repetitions of `fpctl cost --optimize` (target: each <= 1 s)
#
# Each figure is measured on three plans: the built-in default, and two of the course's reference
# architectures (templates/architectures/). The output is a Markdown table of the wall time per run
# in ms (min, median, p90, max), the median CPU time (user + system), and the verdict of the median
# against the target; p90 and max show how much a busy machine disturbed the runs.
# Runs in a `mktemp -d` directory, removed on exit; starts no process that outlives its run.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/../.." && pwd)
binary=${1:-build/cli/fpctl}
[ -x "$binary" ] || { echo "cost.sh: $binary is not an executable; build fpctl first or give its path" >&2; exit 2; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
runs=${RUNS:-100}
optimize_runs=${OPTIMIZE_RUNS:-30}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"   # no fpctl.yaml and no .fpctl/ here: the built-in default plan and model

# Prints "min median p90 max cpu_median" in ms for `count` runs of the given command (after one
# unmeasured run that warms the page cache). CPU = user + system time of the command: on a shared
# machine it moves much less than the wall time.
measure() {
  local count=$1; shift
  "$@" >/dev/null 2>&1 || true
  local log="$work/times"
  : >"$log"
  local TIMEFORMAT='%3R %3U %3S'
  for ((i = 0; i < count; i++)); do
    { time "$@" >/dev/null 2>&1 || true; } 2>>"$log" # exit 2 (over budget) is still a whole run
  done
  local cpu_median
  cpu_median=$(awk '{ print ($2 + $3) * 1000 }' "$log" | sort -n | awk '{ c[NR] = $1 } END { printf "%.1f", c[int((NR + 1) / 2)] }')
  awk '{ print $1 * 1000 }' "$log" | sort -n | awk -v cpu="$cpu_median" '
    { wall[NR] = $1 }
    END {
      p = int(NR * 0.9); if (p < 1) p = 1
      printf "%.1f %.1f %.1f %.1f %s\n", wall[1], wall[int((NR + 1) / 2)], wall[p], wall[NR], cpu
    }'
}

# The verdict is the median wall time against the target; max and p90 show how noisy the machine was.
report() {
  local label=$1 target_ms=$2 figures=$3
  read -r min median p90 max cpu <<<"$figures"
  local verdict
  verdict=$(awk -v median="$median" -v target="$target_ms" 'BEGIN { print (median <= target) ? "met" : "missed" }')
  printf '| %s | %s | %s | %s | %s | %s | <= %s ms | %s |\n' "$label" "$min" "$median" "$p90" "$max" "$cpu" "$target_ms" "$verdict"
}

echo "fpctl cost timings, $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "binary: $binary; $runs runs of each cost, $optimize_runs of each --optimize" >&2
echo
echo "| command | min ms | median ms | p90 ms | max ms | CPU ms (median) | target (median) | verdict |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
report "fpctl cost (built-in default plan)" 50 "$(measure "$runs" "$binary" cost)"
report "fpctl cost -c course-group-managed-db.yaml" 50 \
  "$(measure "$runs" "$binary" cost -c "$root/templates/architectures/course-group-managed-db.yaml")"
report "fpctl cost -c course-single-4usd.yaml --output json" 50 \
  "$(measure "$runs" "$binary" cost -c "$root/templates/architectures/course-single-4usd.yaml" --output json)"
report "fpctl cost --optimize (65 US\$, up to 10 workers)" 1000 "$(measure "$optimize_runs" "$binary" cost --optimize)"
report "fpctl cost --optimize --budget 200 --max-workers 20" 1000 \
  "$(measure "$optimize_runs" "$binary" cost --optimize --budget 200 --max-workers 20)"
report "fpctl --version (process start, for scale)" 50 "$(measure "$runs" "$binary" --version)"
