#!/usr/bin/env bash
# Benchmark (not a test) of fpctl bench as a load generator, against wrk and Locust run side by side.
#
#   tests/perf/loadgen.sh [--markdown FILE] [--part throughput|users|all] [BUILD_DIR]
#
# BUILD_DIR defaults to build/ (it needs cli/fpctl and server/fp-order-server, a release build).
# Environment:
#   DURATION=10   seconds of every throughput run           RUNS=3   rounds of (wrk, fpctl, Locust)
#   USERS=20000   think-time users in the second part       USERS_TIME=60  its run time in seconds
#   SPAWN=1000    users started per second (all processes together)
#
# Part 1, throughput: the generator pinned to CPU 0, nginx (one worker) serving a static 150-byte
# JSON body pinned to CPU 1. Each round runs `wrk -t1 -c64`, `fpctl bench --threads 1 -u 64` (a
# scenario of one GET with no think time) and Locust's FastHttpUser with 64 users, each for
# DURATION seconds. Reported: requests/s and the generator's CPU per request (user + system time
# of the whole process, from /usr/bin/time), median of the rounds.
#
# Part 2, think-time users: USERS users of the course's scenario shape (fp-orders: GET and POST
# /orders, weights 1:1, think time between(1, 3)) against fp-order-server (SQLite), pinned
# to CPU 1; the generator on CPU 0. Two deviations, both stated in the report:
#   - GET /orders is GET /orders?limit=20. The course's GET /orders returns every order, so at
#     ~10,000 requests/s the body grows by megabytes a second and the run would measure the
#     server's JSON, not the generator. The generator's work per request is the same.
#   - This container's hard limit on open files is 20,000 per process (no CAP_SYS_RESOURCE to
#     raise it), and 20,000 users need 20,000 sockets plus a few. So the users are split over
#     ceil(USERS / 10,000) fpctl processes, each against its own fp-order-server (own SQLite
#     file); CPU and memory are summed over the generator processes.
# Reported: the generators' CPU in % of one core over the steady state (all users running), their
# summed peak RSS, and think-time accuracy: the measured steady request rate divided by the rate
# the users would make if every wait were exactly the mean of between(1, 3) (2 s) plus the
# measured mean response time. 1.00 is exact; fewer requests (< 1) means the generator is late.
#
# Output: progress on stderr, a Markdown report on stdout (and in FILE with --markdown).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=build
markdown_file=
part=all
while [ $# -gt 0 ]; do
  case "$1" in
    --markdown) markdown_file=${2:?--markdown needs a file}; shift 2 ;;
    --part) part=${2:?--part needs throughput, users or all}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "loadgen.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
case "$part" in throughput|users|all) ;; *) echo "loadgen.sh: --part takes throughput, users or all" >&2; exit 2 ;; esac
duration=${DURATION:-10} runs=${RUNS:-3} users=${USERS:-20000} users_time=${USERS_TIME:-60} spawn=${SPAWN:-1000}
for n in "$duration" "$runs" "$users" "$users_time" "$spawn"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "loadgen.sh: '$n' is not a whole number > 0" >&2; exit 2; }
done
fpctl=$(realpath -m "$build/cli/fpctl")
server=$(realpath -m "$build/server/fp-order-server")
[ -x "$fpctl" ] && [ -x "$server" ] || { echo "loadgen.sh: need $fpctl and $server (scripts/build.sh)" >&2; exit 2; }
python=/usr/bin/python3 # Debian's Locust is installed for the system Python, not a pyenv one
for tool in wrk nginx curl ss taskset /usr/bin/time /usr/bin/locust "$python"; do
  command -v "$tool" >/dev/null || { echo "loadgen.sh: $tool not found (scripts/setup.sh installs it)" >&2; exit 2; }
done
[ "$(nproc)" -ge 2 ] || { echo "loadgen.sh: needs 2 CPUs (generator and target pinned apart)" >&2; exit 2; }
[ -z "$markdown_file" ] || markdown_file=$(realpath -m "$markdown_file")

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
work=$(mktemp -d /tmp/fp-perf-loadgen.XXXXXX)
pids=()
cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT INT TERM

used_ports=" "
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    [[ $used_ports == *" $port "* ]] && continue
    if [ -z "$(ss -Htan "sport = :$port")" ]; then used_ports+="$port "; echo "$port"; return 0; fi
  done
  echo "loadgen.sh: no free port" >&2; return 1
}
wait_http() { # url: up to 10 s for any HTTP answer
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" != 000 ] && return 0
    sleep 0.1
  done
  echo "loadgen.sh: nothing answers at $1" >&2; return 1
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
timed() { # outfile command...: run under /usr/bin/time; appends "time: USER SYS MAXRSS_KB" to outfile
  local out=$1; shift
  /usr/bin/time -o "$out.time" -f '%U %S %M' "$@" >"$out" 2>&1 || true
  echo "time: $(tail -n 1 "$out.time")" >>"$out"
}
cpu_us_per_req() { awk -v u="$1" -v s="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.2f", 1e6 * (u + s) / n; else print "-" }'; }

static_body='{"order":{"_id":"6b0954e6ed20ac56cbfc12d9","customer_address":"Jl. Merdeka 91, Jakarta","customer_name":"Siti Rahma","product":"Laptop","quantity":6}}'
report=()
versions="$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); $(nginx -v 2>&1 | sed 's/.*: //'); locust $(dpkg-query -W -f '${Version}' python3-locust 2>/dev/null || echo '?'); fpctl $("$fpctl" --version)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "loadgen: $versions; load $load_before"

# ------------------------------------------------------------------------------ part 1: throughput
throughput() {
  local port; port=$(free_port)
  mkdir -p "$work/static/tmp"
  cat >"$work/static/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/static/nginx.pid;
error_log $work/static/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $work/static/tmp;
  server {
    listen 127.0.0.1:$port;
    location = /static { default_type application/json; return 200 '$static_body'; }
  }
}
CONF
  taskset -c 1 nginx -p "$work/static/" -e "$work/static/error.log" -c "$work/static/nginx.conf" &
  pids+=($!)
  local url="http://127.0.0.1:$port"
  wait_http "$url/static"
  cat >"$work/static.yaml" <<'YAML'
# One GET of a static body, no think time: the same work wrk's default script does.
name: static
wait_time: {constant: 0}
tasks:
  - name: static
    requests:
      - {method: GET, path: /static}
YAML
  cat >"$work/locustfile.py" <<'PY'
from locust import FastHttpUser, task, constant

class Static(FastHttpUser):
    wait_time = constant(0)

    @task
    def static(self):
        self.client.get("/static")
PY
  local round out u s rss n rps
  local -a wrk_rps=() wrk_cpu=() fp_rps=() fp_cpu=() lo_rps=() lo_cpu=()
  for ((round = 1; round <= runs; round++)); do
    out=$work/wrk-$round.txt
    timed "$out" taskset -c 0 wrk -t1 -c64 -d"${duration}s" "$url/static"
    read -r u s rss <<<"$(tail -n 1 "$out.time")"
    n=$(awk '/requests in/ { print $1 }' "$out")
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$out")
    wrk_rps+=("$rps"); wrk_cpu+=("$(cpu_us_per_req "$u" "$s" "$n")")
    log "round $round: wrk $rps req/s, $(cpu_us_per_req "$u" "$s" "$n") µs CPU/request"

    out=$work/fpctl-$round.txt
    timed "$out" taskset -c 0 "$fpctl" bench "$url" -s "$work/static.yaml" -u 64 -t "${duration}s" --threads 1 -q \
      --json "$work/fpctl-$round.json"
    read -r u s rss <<<"$(tail -n 1 "$out.time")"
    read -r n rps <<<"$($python -c 'import json,sys; a=json.load(open(sys.argv[1]))["aggregate"]; print(a["requests"], a["requests_per_second"])' "$work/fpctl-$round.json")"
    fp_rps+=("$rps"); fp_cpu+=("$(cpu_us_per_req "$u" "$s" "$n")")
    log "round $round: fpctl $rps req/s, $(cpu_us_per_req "$u" "$s" "$n") µs CPU/request"

    out=$work/locust-$round.txt
    (cd "$work" && timed "$out" taskset -c 0 $python /usr/bin/locust -f locustfile.py --headless -u 64 -r 64 \
      -t "${duration}s" -H "$url" --only-summary --csv "$work/locust-$round" --loglevel WARNING)
    read -r u s rss <<<"$(tail -n 1 "$out.time")"
    # Locust's _stats.csv: Type,Name,Request Count,...,Requests/s (10th); the last row is "Aggregated".
    read -r n rps <<<"$(awk -F, '$2 == "Aggregated" { print $3, $10 }' "$work/locust-${round}_stats.csv")"
    lo_rps+=("$rps"); lo_cpu+=("$(cpu_us_per_req "$u" "$s" "$n")")
    log "round $round: Locust $rps req/s, $(cpu_us_per_req "$u" "$s" "$n") µs CPU/request"
  done
  local w f l wc fc lc
  w=$(printf '%s\n' "${wrk_rps[@]}" | median); wc=$(printf '%s\n' "${wrk_cpu[@]}" | median)
  f=$(printf '%s\n' "${fp_rps[@]}" | median); fc=$(printf '%s\n' "${fp_cpu[@]}" | median)
  l=$(printf '%s\n' "${lo_rps[@]}" | median); lc=$(printf '%s\n' "${lo_cpu[@]}" | median)
  report+=("### Throughput: one generator core against nginx static (150 B) on the other" ""
    "| generator | req/s (median of $runs) | µs CPU per request | all runs, req/s |" "|---|---:|---:|---|"
    "| wrk -t1 -c64 | $(printf '%.0f' "$w") | $wc | ${wrk_rps[*]} |"
    "| fpctl bench --threads 1 -u 64 | $(printf '%.0f' "$f") | $fc | ${fp_rps[*]} |"
    "| Locust FastHttpUser, 64 users | $(printf '%.0f' "$l") | $lc | ${lo_rps[*]} |" ""
    "- fpctl ÷ wrk, req/s: **$(awk -v a="$f" -v b="$w" 'BEGIN { printf "%.2f", a / b }')×** (target ≥ 1.0×); CPU per request fpctl ÷ wrk: **$(awk -v a="$fc" -v b="$wc" 'BEGIN { printf "%.2f", a / b }')×** (target ≤ 1.0×)"
    "- fpctl ÷ Locust per core: requests per CPU-second **$(awk -v a="$fc" -v b="$lc" 'BEGIN { printf "%.1f", b / a }')×**, requests/s with both on one core $(awk -v a="$f" -v b="$l" 'BEGIN { printf "%.1f", a / b }')× (target ≥ 20×)" "")
  kill -QUIT "${pids[-1]}" 2>/dev/null || true
}

# ---------------------------------------------------------------------------- part 2: 20,000 users
think_users() {
  local procs i
  procs=$(((users + 9999) / 10000))
  # One fp-order-server (its own SQLite file, one thread) per generator process, all on CPU 1: a
  # server process, like a generator, can hold at most 20,000 connections here.
  local -a server_ports=()
  for ((i = 0; i < procs; i++)); do
    server_ports+=("$(free_port)")
    taskset -c 1 "$server" serve --listen "127.0.0.1:${server_ports[i]}" --database "sqlite://$work/orders-$i.db" \
      --threads 1 --idle-timeout 300s >"$work/server-$i.log" 2>&1 &
    pids+=($!)
    wait_http "http://127.0.0.1:${server_ports[i]}/healthz"
  done
  cat >"$work/fp-orders-limit.yaml" <<'YAML'
# fp-orders (templates/scenarios/fp-orders.yaml) with GET /orders?limit=20 instead of GET /orders:
# the same request shape and think time, a response that does not grow with the table.
name: fp-orders-limit
wait_time: {between: [1, 3]}
tasks:
  - name: get_orders
    weight: 1
    requests:
      - {method: GET, path: "/orders?limit=20", name: /orders}
  - name: create_order
    weight: 1
    requests:
      - method: POST
        path: /orders
        headers: {Content-Type: application/json}
        json: {product: ProductX, quantity: 5, customer_name: John Doe, customer_address: 123 Main St}
YAML
  local n rate per_proc gen_pids=() left=$users
  per_proc=$(((users + procs - 1) / procs))
  log "users: $users users in $procs generator process(es), spawn $spawn/s, ${users_time}s, target on CPU 1"
  for ((i = 0; i < procs; i++)); do
    n=$((left < per_proc ? left : per_proc)); left=$((left - n))
    rate=$(((spawn + procs - 1) / procs))
    /usr/bin/time -o "$work/gen-$i.time" -f '%U %S %M' taskset -c 0 "$fpctl" bench "http://127.0.0.1:${server_ports[i]}" \
      -s "$work/fp-orders-limit.yaml" -u "$n" -r "$rate" -t "${users_time}s" --threads 1 -q --timeout 60s \
      --json "$work/gen-$i.json" >"$work/gen-$i.log" 2>&1 &
    gen_pids+=($!)
  done
  # Sample the generators' CPU ticks and RSS every second while they run.
  local t=0 ticks rss p stat started now
  local -a f
  : >"$work/samples.txt"
  started=$(date +%s.%N)
  while :; do
    ticks=0 rss=0
    for p in "${gen_pids[@]}"; do
      local fp; fp=$(pgrep -P "$p" -x fpctl | head -n 1 || true) # /usr/bin/time's child
      [ -n "$fp" ] || continue
      stat=$(cat "/proc/$fp/stat" 2>/dev/null) || continue
      stat=${stat##*) }; read -r -a f <<<"$stat"
      ticks=$((ticks + f[11] + f[12]))
      rss=$((rss + $(awk '/^VmRSS/ { print $2 }' "/proc/$fp/status" 2>/dev/null || echo 0)))
    done
    now=$(date +%s.%N)
    echo "$(awk -v a="$now" -v b="$started" 'BEGIN { printf "%.3f", a - b }') $ticks $rss" >>"$work/samples.txt"
    local running=0
    for p in "${gen_pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
    [ "$running" = 1 ] && [ "$t" -lt $((users_time + 120)) ] || break
    sleep 1; t=$((t + 1))
  done
  for p in "${gen_pids[@]}"; do wait "$p" || true; done
  local hz; hz=$(getconf CLK_TCK)
  local ramp=$(((users + spawn - 1) / spawn)) from to cpu peak_rss hwm=0 u s m
  from=$((ramp + 5)); to=$((users_time - 3))
  # Samples carry their time since the start: the first at or after `from`, the last at or before `to`.
  cpu=$(awk -v a="$from" -v b="$to" -v hz="$hz" '
    $1 >= a && !s0 { s0 = $1; t0 = $2 } $1 <= b && $2 > 0 { s1 = $1; t1 = $2 }
    END { if (s1 > s0 && t1 > t0) printf "%.1f", 100 * (t1 - t0) / hz / (s1 - s0); else print "-" }' "$work/samples.txt")
  peak_rss=$(awk '{ if ($3 > m) m = $3 } END { printf "%.0f", m / 1024 }' "$work/samples.txt")
  for ((i = 0; i < procs; i++)); do # /usr/bin/time's last line (a failed run adds one before it)
    read -r u s m <<<"$(tail -n 1 "$work/gen-$i.time")"; hwm=$((hwm + m))
    grep -q "exited with non-zero" "$work/gen-$i.time" && { log "generator $i exited non-zero:"; tail -n 25 "$work/gen-$i.log" >&2; }
  done
  # Think-time accuracy from the generators' own per-second timeline.
  local acc
  acc=$($python - "$work" "$procs" <<'PY'
import json, sys
work, procs = sys.argv[1], int(sys.argv[2])
steady_rps = expected = requests = failures = 0.0
peaks = []
for i in range(procs):
    d = json.load(open(f"{work}/gen-{i}.json"))
    target = d["users"]["target"]
    peaks.append(d["users"]["peak"])
    rows = [r for r in d["timeline"] if r["users"] == target][2:-2]  # full-strength seconds, edges dropped
    if not rows:
        print("- - - - -"); sys.exit()
    rps = sum(r["requests"] for r in rows) / len(rows)
    mean_latency = d["aggregate"]["latency_us"]["mean"] / 1e6
    steady_rps += rps
    expected += target / (2.0 + mean_latency)
    requests += d["aggregate"]["requests"]
    failures += d["aggregate"]["failures"]
print(f"{steady_rps:.0f} {expected:.0f} {steady_rps / expected:.3f} {int(requests)} {int(failures)} {sum(peaks)}")
PY
)
  local steady expected ratio total fails peak
  read -r steady expected ratio total fails peak <<<"$acc"
  local lat; lat=$($python -c 'import json,sys; d=json.load(open(sys.argv[1])); l=d["aggregate"]["latency_us"]; print("p50 %.1f ms, p99 %.1f ms" % (l["percentiles"]["p50"]/1e3, l["percentiles"]["p99"]/1e3))' "$work/gen-0.json")
  report+=("### $users think-time users (fp-orders shape, between(1, 3)) against fp-order-server" ""
    "| measure | value | target |" "|---|---:|---:|"
    "| users reached (sum of peaks) | $peak | $users |"
    "| generator CPU, steady state (s $from–$to), % of one core | **$cpu %** | ≤ 25 % |"
    "| generator peak RSS (summed samples / summed max RSS) | **$peak_rss MiB** / $((hwm / 1024)) MiB | ≤ 500 MB |"
    "| steady request rate, measured / expected at exact think time | $steady / $expected req/s = **$ratio** | 1.00 |"
    "| requests, failures | $total, $fails | failures 0 |"
    "| latency (process 0) | $lat | — |" ""
    "Generator processes: $procs (the container's open-file limit is 20,000 per process); spawn rate $spawn/s in all; run time ${users_time}s." "")
}

case "$part" in
  throughput) throughput ;;
  users) think_users ;;
  all) throughput; think_users ;;
esac
{
  echo "## Load generator ($(date -u '+%Y-%m-%d %H:%M UTC'), tests/perf/loadgen.sh)"
  echo
  echo "Versions: $versions. Load average before: $load_before (2 CPUs)."
  echo
  printf '%s\n' "${report[@]}"
} | tee ${markdown_file:+"$markdown_file"}
