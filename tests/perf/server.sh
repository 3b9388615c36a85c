#!/usr/bin/env bash
# Benchmark (not a test) of fp-order-server against ceilings measured side by side in the same run.
#
#   tests/perf/server.sh [--markdown FILE] [--keep-logs DIR] [--stores "sqlite postgresql"] [BINARY]
#
# BINARY defaults to build/server/fp-order-server. Environment:
#   DURATION=10s    length of every measured load (wrk -d, pgbench -T); whole seconds
#   WARMUP=2s       unmeasured load before each HTTP measurement (0 to skip)
#   CONNECTIONS=64  wrk connections, the same for every HTTP figure
#   WRK_THREADS=2   wrk threads, the same for every HTTP figure
#   SERVER_THREADS  fp-order-server --threads (default: nproc)
#   DB_POOL=8       fp-order-server --db-pool, and pgbench -c for the ceilings
#   RUNS=1          runs of every measurement; the report gives the median run and lists all
#
# Everything runs on loopback in a `mktemp -d` directory: a private PostgreSQL 15 (default durability:
# fsync on, synchronous_commit on), a private nginx, the server on each store, wrk and pgbench. One
# load at a time, each bounded by its duration (and by `timeout`). On exit every process this script
# started is stopped by the pid it recorded, and the directory is removed.
#
# Output: progress on stderr; at the end a Markdown report (figures, ratios against the targets,
# memory, the exact commands and the scripts they used) on stdout, and also in FILE with --markdown.
# --keep-logs DIR keeps every wrk/pgbench output and the server, PostgreSQL and nginx logs.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

# ---------------------------------------------------------------------------------------------- args
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary=build/server/fp-order-server
markdown_file=
keep_logs=
stores="sqlite postgresql"
while [ $# -gt 0 ]; do
  case "$1" in
    --markdown) markdown_file=${2:?--markdown needs a file}; shift 2 ;;
    --markdown=*) markdown_file=${1#*=}; shift ;;
    --keep-logs) keep_logs=${2:?--keep-logs needs a directory}; shift 2 ;;
    --keep-logs=*) keep_logs=${1#*=}; shift ;;
    --stores) stores=${2:?--stores needs a list}; shift 2 ;;
    --stores=*) stores=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "server.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) binary=$1; shift ;;
  esac
done

duration_text=${DURATION:-10s}
duration=${duration_text%s}
warmup_text=${WARMUP:-2s}
warmup=${warmup_text%s}
connections=${CONNECTIONS:-64}
wrk_threads=${WRK_THREADS:-2}
cores=$(nproc)
server_threads=${SERVER_THREADS:-$cores}
db_pool=${DB_POOL:-8}
runs=${RUNS:-1}
for n in "$duration" "$warmup" "$connections" "$wrk_threads" "$server_threads" "$db_pool" "$runs"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "server.sh: '$n' is not a whole number (DURATION/WARMUP take e.g. 10s)" >&2; exit 2; }
done
[ "$duration" -gt 0 ] && [ "$runs" -gt 0 ] || { echo "server.sh: DURATION and RUNS must be > 0" >&2; exit 2; }
[ -x "$binary" ] || { echo "server.sh: $binary is not an executable (build it, or pass its path)" >&2; exit 2; }
binary=$(realpath "$binary")

for tool in wrk nginx pgbench psql initdb postgres pg_isready curl ss timeout; do
  command -v "$tool" >/dev/null || { echo "server.sh: $tool not found (scripts/setup.sh installs it)" >&2; exit 2; }
done

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ------------------------------------------------------------------------------- processes, cleanup
[ -z "$markdown_file" ] || markdown_file=$(realpath -m "$markdown_file")
[ -z "$keep_logs" ] || keep_logs=$(realpath -m "$keep_logs")
work=$(mktemp -d /tmp/fp-perf-server.XXXXXX)
chmod 755 "$work" # the postgres user must reach its data directory inside
cd "$work"        # (initdb and postgres, run as postgres, start in the current directory)
pids=()           # every background process we started, in start order
declare -A stop_signal=()

alive() { # pid: running (not gone, not a zombie)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

stop_pid() { # pid [seconds]: its own stop signal, then SIGKILL after the grace period
  local pid=$1 grace=${2:-20} i
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kill "-${stop_signal[$pid]:-TERM}" "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "pid $pid did not stop in ${grace}s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? i
  set +e
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}" 20; done
  if [ -n "$keep_logs" ]; then # every tool's output, the server and PostgreSQL logs, the scripts
    mkdir -p "$keep_logs" && cp -r "$work/out" "$work"/*.lua "$work"/*.sql "$work/nginx/nginx.conf" "$keep_logs/" 2>/dev/null
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

last_pid=
start_bg() { # signal logfile command...: start in the background, record the pid
  local signal=$1 logfile=$2
  shift 2
  "$@" >"$logfile" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
  stop_signal[$last_pid]=$signal
}

# Prefix that runs a command as the postgres user when we are root (setpriv execs, so the pid we
# record is the command's own).
as_postgres=()
[ "$(id -u)" -ne 0 ] || as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)

used_ports=" "
free_port() { # an unused loopback TCP port (not handed out twice by this script)
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    [[ $used_ports == *" $port "* ]] && continue
    if [ -z "$(ss -Htan "sport = :$port")" ]; then
      used_ports+="$port "
      echo "$port"
      return 0
    fi
  done
  echo "server.sh: no free port found" >&2
  return 1
}

# Commands as run, for the report (the temporary directory shown as $WORK).
commands=()
note_command() { commands+=("$(printf '%s' "$*" | sed "s#$work#\$WORK#g")"); }

# ------------------------------------------------------------------------------------ CPU accounting
clk_tck=$(getconf CLK_TCK)
now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

proc_ticks() { # pid: utime+stime+cutime+cstime (0 when gone)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  local -a f
  read -r -a f <<<"$stat"
  echo $((f[11] + f[12] + f[13] + f[14]))
}

tree_ticks() { # pid: the process, its reaped children and its live children (one level: postgres, nginx)
  local root=$1 total p stat
  [ -n "$root" ] || { echo 0; return; }
  total=$(proc_ticks "$root")
  for p in /proc/[0-9]*; do
    stat=$(cat "$p/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    local -a f
    read -r -a f <<<"$stat"
    [ "${f[1]}" = "$root" ] && total=$((total + f[11] + f[12] + f[13] + f[14]))
  done
  echo "$total"
}

children_ms=0
read_children_ms() { # sets children_ms: CPU of this shell's reaped children (the load generator after `wait`)
  # Not in a $(...) subshell: a subshell would report its own (empty) children.
  local line u s
  times >"$work/times.txt"
  line=$(tail -n 1 "$work/times.txt")
  u=${line%% *}
  s=${line##* }
  children_ms=$(($(to_ms "$u") + $(to_ms "$s")))
}
to_ms() { # "1m2.345s" -> 62345
  local t=${1%s} m sec
  m=${t%%m*}
  sec=${t#*m}
  echo $((10#$m * 60000 + 10#${sec%.*} * 1000 + 10#${sec#*.}))
}

machine_busy() { # "busy total" jiffies of all CPUs
  local -a c
  read -r -a c </proc/stat
  local total=0 i
  for ((i = 1; i < ${#c[@]}; i++)); do total=$((total + c[i])); done
  echo "$((total - c[4] - c[5])) $total"
}

pct() { # ticks elapsed_ms -> percent of one core
  awk -v t="$1" -v ms="$2" -v hz="$clk_tck" 'BEGIN { if (ms <= 0) print "-"; else printf "%.0f", 100 * t / hz / (ms / 1000) }'
}

# Roots of the process trees whose CPU each measurement reports.
server_pid=
pg_pid=
nginx_pid=

cpu_begin() {
  cpu0_ms=$(now_ms)
  read_children_ms
  cpu0_gen=$children_ms
  cpu0_server=$(tree_ticks "$server_pid")
  cpu0_pg=$(tree_ticks "$pg_pid")
  cpu0_nginx=$(tree_ticks "$nginx_pid")
  cpu0_machine=$(machine_busy)
}

cpu_end() { # sets cpu_text: "gen / server / postgres / nginx" in % of one core, and busy_text
  local ms gen server pg ngx busy1 total1 busy0 total0
  ms=$(($(now_ms) - cpu0_ms))
  read_children_ms
  gen=$((children_ms - cpu0_gen))
  server=$(($(tree_ticks "$server_pid") - cpu0_server))
  pg=$(($(tree_ticks "$pg_pid") - cpu0_pg))
  ngx=$(($(tree_ticks "$nginx_pid") - cpu0_nginx))
  read -r busy1 total1 <<<"$(machine_busy)"
  read -r busy0 total0 <<<"$cpu0_machine"
  cpu_text="$(awk -v g="$gen" -v ms="$ms" 'BEGIN { printf "%.0f", 100 * g / ms }') / $(pct "$server" "$ms") / $(pct "$pg" "$ms") / $(pct "$ngx" "$ms")"
  [ -n "$server_pid" ] || cpu_text=$(awk -F' / ' '{ print $1 " / - / " $3 " / " $4 }' <<<"$cpu_text")
  [ -n "$pg_pid" ] || cpu_text=$(awk -F' / ' '{ print $1 " / " $2 " / - / " $4 }' <<<"$cpu_text")
  [ -n "$nginx_pid" ] || cpu_text=$(awk -F' / ' '{ print $1 " / " $2 " / " $3 " / -" }' <<<"$cpu_text")
  busy_text=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) 'BEGIN { if (t > 0) printf "%.0f", 100 * b / t; else print "-" }')
  # Busy CPU not used by the processes above (other jobs, kernel threads): a disturbance indicator.
  other_text=$(awk -v b=$((busy1 - busy0)) -v ours=$((gen * clk_tck / 1000 + server + pg + ngx)) -v ms="$ms" -v hz="$clk_tck" \
    'BEGIN { o = 100 * (b - ours) / hz / (ms / 1000); if (o < 0) o = 0; printf "%.0f", o }')
  busy_text="$busy_text % (others $other_text)"
  [ "$other_text" -le "$disturbed_above" ] || busy_text+=" disturbed"
}

# -------------------------------------------------------------------------------------- measurements
# A measurement is defined once (define_wrk / define_pgbench) and run by `measure KEY...`: RUNS
# rounds, each running every KEY once in turn, so a server figure and its ceiling alternate
# (A B A B ...) and a drift of the machine's speed during the run touches both alike. The row of a
# measurement shows its median run.
# One row per measurement: key|label|value|unit|p50|p99|errors|cpu|busy|all runs
declare -A value=()
rows=()
disturbed_above=15 # "others" CPU (% of one core) above which a measurement is marked disturbed
declare -A m_kind=() m_label=() m_cmd=() m_warmup=() m_before=() m_results=() m_all=() m_errors=()

run_load() { # outfile command...: run one bounded load in the background and wait for it
  local out=$1 rc=0
  shift
  timeout -k 5 $((duration + warmup + 60)) "$@" >"$out" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  return "$rc"
}

parse_wrk() { # file -> "rps|p50|p99|errors" or nothing
  grep -q '^Requests/sec:' "$1" || return 0
  awk '/^Requests\/sec:/ { rps = sprintf("%.0f", $2) }
       $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
       /Non-2xx or 3xx responses/ { errors += $NF }
       /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
       END { printf "%s|%s|%s|%d\n", rps, p50, p99, errors }' "$1"
}

parse_pgbench() { # file -> "tps|avg latency||failed" or nothing
  grep -q '^tps = ' "$1" || return 0
  awk '/^tps = / { tps = sprintf("%.0f", $3) }
       /^latency average = / { lat = "avg " $4 $5 }
       /^number of failed transactions:/ { failed = $5 }
       END { printf "%s|%s||%d\n", tps, lat, failed }' "$1"
}

define() { # kind key label before-hook command...
  local kind=$1 key=$2
  m_kind[$key]=$kind
  m_label[$key]=$3
  m_before[$key]=$4
  shift 4
  m_cmd[$key]=$(printf '%q ' "$@")
  m_results[$key]=""
  m_all[$key]=""
  m_errors[$key]=0
  m_warmup[$key]=""
  note_command "$*"
}

wrk_common=(wrk "-t$wrk_threads" "-c$connections" --timeout 5s --latency)

define_wrk() { # key label before-hook url [wrk options and script args after the url...]
  local key=$1 label=$2 before=$3 url=$4
  shift 4
  define wrk "$key" "$label" "$before" "${wrk_common[@]}" "-d${duration}s" "$url" "$@"
  [ "$warmup" -eq 0 ] || m_warmup[$key]=$(printf '%q ' "${wrk_common[@]}" "-d${warmup}s" "$url" "$@")
}

define_pgbench() { # key label before-hook search_path database pgbench-args...
  local key=$1 label=$2 before=$3 search_path=$4 db=$5
  shift 5
  local -a prefix=()
  [ -z "$search_path" ] || prefix=(env "PGOPTIONS=-csearch_path=$search_path")
  define pgbench "$key" "$label" "$before" "${prefix[@]}" pgbench -n -h 127.0.0.1 -p "$pg_port" -U postgres \
    -M prepared -c "$db_pool" -j 2 -T "$duration" "$@" "$db"
}

run_once() { # key run
  local key=$1 run=$2 kind=${m_kind[$1]} out="$work/out/$1.$2.txt" rc=0 parsed v p50 p99 errors
  local -a cmd
  if [ "$run" -eq 1 ] && [ -n "${m_warmup[$key]}" ]; then
    eval "cmd=(${m_warmup[$key]})"
    run_load "$work/out/$key.warmup.txt" "${cmd[@]}" || log "warm-up of $key failed: $(tail -n 3 "$work/out/$key.warmup.txt")"
  fi
  [ -z "${m_before[$key]}" ] || "${m_before[$key]}"
  eval "cmd=(${m_cmd[$key]})"
  log "measuring ${m_label[$key]} (run $run of $runs): ${cmd[*]}"
  cpu_begin
  run_load "$out" "${cmd[@]}" || rc=$?
  cpu_end
  parsed=$("parse_$kind" "$out")
  if [ "$rc" -ne 0 ] || [ -z "$parsed" ]; then
    log "  $kind failed (exit $rc): $(tail -n 5 "$out")"
    m_all[$key]+="${m_all[$key]:+ / }failed"
    return 0
  fi
  IFS='|' read -r v p50 p99 errors <<<"$parsed"
  m_errors[$key]=$((m_errors[$key] + errors))
  m_all[$key]+="${m_all[$key]:+ / }$v$([[ $busy_text == *disturbed ]] && echo '*' || true)"
  m_results[$key]+="$v|$p50|$p99|$cpu_text|$busy_text"$'\n'
  log "  $v $([ "$kind" = wrk ] && echo req/s || echo tps), p50 ${p50:-?} p99 ${p99:--}, errors $errors, CPU % (gen/server/postgres/nginx) $cpu_text, machine busy $busy_text"
}

finish() { # key: the row of the median run
  local key=$1 median v p50 p99 cpu busy unit
  unit=$([ "${m_kind[$key]}" = wrk ] && echo req/s || echo tps)
  if [ -z "${m_results[$key]}" ]; then
    rows+=("$key|${m_label[$key]}|failed||||see log|-|-|${m_all[$key]}")
    return 0
  fi
  local n
  n=$(printf '%s' "${m_results[$key]}" | grep -c .)
  median=$(printf '%s' "${m_results[$key]}" | sort -t'|' -k1,1n | sed -n "$(( (n + 1) / 2 ))p")
  IFS='|' read -r v p50 p99 cpu busy <<<"$median"
  value[$key]=$v
  rows+=("$key|${m_label[$key]}|$v|$unit|$p50|$p99|${m_errors[$key]}|$cpu|$busy|${m_all[$key]}")
}

measure() { # key...: RUNS rounds of every key in turn
  local run key
  for ((run = 1; run <= runs; run++)); do
    for key in "$@"; do run_once "$key" "$run"; done
  done
  for key in "$@"; do finish "$key"; done
}

checkpoint() { psql_db orders "CHECKPOINT" >/dev/null; }

kb() { awk -v k="$1" '/^'"$1"':/ { print $2 }' "/proc/$2/status"; }
declare -A memory=()

# ------------------------------------------------------------------------------------------ machine
mkdir -p "$work/out"
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
kernel=$(uname -r)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $cores cores, $cpu_model, kernel $kernel, load average $load_before"
awk '{ exit !($1 >= 1) }' /proc/loadavg && log "warning: load average $load_before is not below 1; other work will disturb the figures"
log "work directory $work; every load ${duration}s (+${warmup}s warm-up for HTTP)"
versions="$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); $(nginx -v 2>&1 | sed 's/.*: //'); $(postgres --version); $(pgbench --version); fp-order-server $("$binary" --version 2>&1 | tail -n 1)"

# ---------------------------------------------------------------------------------------- PostgreSQL
pg_port=$(free_port)
mkdir -p "$work/pg" "$work/pgsock"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$work/pg" "$work/pgsock"
log "initdb"
"${as_postgres[@]}" initdb -D "$work/pg" -U postgres --auth=trust --no-locale -E UTF8 --no-sync \
  >"$work/out/initdb.txt" 2>&1 || { cat "$work/out/initdb.txt" >&2; exit 1; }
pg_cmd=(postgres -D "$work/pg" -c listen_addresses=127.0.0.1 -p "$pg_port" -c "unix_socket_directories=$work/pgsock")
note_command "${pg_cmd[*]}   # as user postgres; PostgreSQL defaults otherwise (fsync=on, synchronous_commit=on)"
start_bg INT "$work/out/postgres.log" "${as_postgres[@]}" "${pg_cmd[@]}"
pg_pid=$last_pid
export PGSSLMODE=disable # the same plain TCP on loopback for the server, psql and pgbench
for ((i = 0; ; i++)); do
  pg_isready -q -h 127.0.0.1 -p "$pg_port" && break
  alive "$pg_pid" && [ "$i" -lt 300 ] || { log "PostgreSQL did not start:"; tail -n 20 "$work/out/postgres.log" >&2; exit 1; }
  sleep 0.1
done
psql_db() { # database sql
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -At -c "$2"
}
pg_settings=$(psql_db postgres "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
  WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'shared_buffers', 'max_connections')")
log "PostgreSQL on 127.0.0.1:$pg_port: $pg_settings"
psql_db postgres "CREATE DATABASE orders" >/dev/null
psql_db postgres "CREATE DATABASE pgbench" >/dev/null
note_command "pgbench -i -q -s 1 -h 127.0.0.1 -p $pg_port -U postgres pgbench"
pgbench -i -q -s 1 -h 127.0.0.1 -p "$pg_port" -U postgres pgbench >"$work/out/pgbench-init.txt" 2>&1 ||
  { cat "$work/out/pgbench-init.txt" >&2; exit 1; }

# --------------------------------------------------------------------------------------------- nginx
nginx_port=$(free_port)
# 150 bytes, shaped like the server's GET /orders/<id> answer.
static_body='{"order":{"_id":"6b0954e6ed20ac56cbfc12d9","customer_address":"Jl. Merdeka 91, Jakarta","customer_name":"Siti Rahma","product":"Laptop","quantity":6}}'
[ "${#static_body}" -eq 150 ] || { echo "server.sh: static body is ${#static_body} bytes, not 150" >&2; exit 1; }
mkdir -p "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes $cores;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    location = /static { default_type application/json; return 200 '$static_body'; }
  }
}
CONF
note_command "nginx -p $work/nginx/ -e $work/nginx/error.log -c $work/nginx/nginx.conf"
start_bg QUIT "$work/out/nginx.log" nginx -p "$work/nginx/" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf"
nginx_pid=$last_pid
for ((i = 0; ; i++)); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/static" || true)" = 200 ] && break
  alive "$nginx_pid" && [ "$i" -lt 100 ] || { log "nginx did not start:"; cat "$work/out/nginx.log" "$work/nginx/error.log" >&2; exit 1; }
  sleep 0.1
done
[ "$(curl -s "http://127.0.0.1:$nginx_port/static?id=x" | wc -c)" -eq 150 ] || { echo "server.sh: nginx body is not 150 bytes" >&2; exit 1; }

# -------------------------------------------------------------------------------------- wrk scripts
cat >"$work/ids.lua" <<'LUA'
-- GET <prefix><id> for every id of a file (one per line), in a random order per thread.
-- wrk ... -s ids.lua URL -- PREFIX IDS_FILE
-- The requests are formatted once in init(), so each request costs wrk one Lua call, not a
-- wrk.format(): the generator's work stays close to a static request's.
local requests = {}
local i = 0
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  local ids = {}
  for line in io.lines(args[2]) do ids[#ids + 1] = line end
  math.randomseed(1000 + (seed or 0))
  for k = #ids, 2, -1 do
    local j = math.random(k)
    ids[k], ids[j] = ids[j], ids[k]
  end
  for k = 1, #ids do requests[k] = wrk.format("GET", args[1] .. ids[k]) end
end
function request()
  i = i % #requests + 1
  return requests[i]
end
LUA
post_body='{"product":"Laptop","quantity":2,"customer_name":"Budi Santoso","customer_address":"Jl. Merdeka No. 10, Jakarta"}'
cat >"$work/post.lua" <<LUA
-- POST /orders with one fixed valid order (the server gives each its own id).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$post_body'
LUA

# ------------------------------------------------------------------------------ nginx static ceiling
# The same generator work as GET /orders/<id>: ids.lua hands out requests for stored ids; the query
# string is ignored by `location = /static`. Measured in turns with GET /orders/<id> on SQLite
# (nginx stays up, idle, until then).
seq 1 10000 | awk '{ printf "%024x\n", $1 }' >"$work/nginx-ids.txt"
define_wrk nginx "nginx static 150-byte JSON (ceiling)" "" "http://127.0.0.1:$nginx_port" \
  -s "$work/ids.lua" -- "/static?id=" "$work/nginx-ids.txt"
nginx_done=0

# ---------------------------------------------------------------------------------- pgbench ceilings
# The server's own statements (server/pg_store.cpp), with the parameters pgbench cannot produce as
# text computed in SQL: the id to read is 1..10000 in 24 hex digits; a new id is the second as 8 hex
# digits then 16 random hex digits (ObjectIds also start with the second, so inserts land at the
# right end of the primary-key index, as the server's do). They run on `ceiling.orders`, a copy of
# the server's table made once the server has created and seeded it.
server_select='SELECT id, product, quantity, customer_name, customer_address FROM orders WHERE id = $1'
server_insert='INSERT INTO orders (id, product, quantity, customer_name, customer_address) VALUES ($1, $2, $3, $4, $5)'
# Warn when the server's statements changed (the script runs from a checkout: tests/perf/server.sh).
pg_store_source="$script_dir/../../server/pg_store.cpp"
if [ -f "$pg_store_source" ]; then
  for statement in "FROM orders WHERE id = \$1" "VALUES (\$1, \$2, \$3, \$4, \$5)"; do
    grep -qF "$statement" "$pg_store_source" ||
      log "warning: server/pg_store.cpp no longer contains '$statement'; update the pgbench scripts"
  done
fi
select_id="lpad(to_hex(:n::bigint), 24, '0')"
insert_values="lpad(to_hex(floor(extract(epoch FROM clock_timestamp()))::bigint), 8, '0') || substr(md5(random()::text), 1, 16), 'Laptop', :q, 'Budi Santoso', 'Jl. Merdeka No. 10, Jakarta'"
{
  echo '\set n random(1, 10000)'
  echo "${server_select/\$1/$select_id};"
} >"$work/select.sql"
{
  echo '\set q random(1, 10)'
  echo "${server_insert%%VALUES*}VALUES ($insert_values);"
} >"$work/insert.sql"
define_pgbench pg.select "pgbench: the server's SELECT by id (ceiling for GET /orders/<id>)" "" ceiling orders -f "$work/select.sql"
define_pgbench pg.builtin_s "pgbench -S (built-in select-only, scale 1)" "" "" pgbench -S
define_pgbench pg.insert "pgbench: the server's INSERT (ceiling for POST /orders)" checkpoint ceiling orders -f "$work/insert.sql"
ceiling_ready=0
pg_done=0

# ------------------------------------------------------------------------------------ fp-order-server
server_port=
start_server() { # url: sets server_pid and server_port
  server_port=$(free_port)
  local -a cmd=("$binary" serve --listen "127.0.0.1:$server_port" --database "$1" --threads "$server_threads" --db-pool "$db_pool")
  note_command "${cmd[*]}"
  start_bg TERM "$work/out/server-$store.log" "${cmd[@]}"
  server_pid=$last_pid
  local i
  for ((i = 0; ; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$server_port/healthz" || true)" = 200 ] && return 0
    if ! alive "$server_pid" || [ "$i" -ge 300 ]; then
      log "fp-order-server on $store did not start: $(tail -n 3 "$work/out/server-$store.log")"
      stop_pid "$server_pid" 5
      server_pid=
      return 1
    fi
    sleep 0.1
  done
}

server_cli() { # subcommand args...: seed/reset, output to the log
  note_command "fp-order-server $*"
  "$binary" "$@" >>"$work/out/cli-$store.txt" 2>&1 || { log "fp-order-server $1 failed:"; tail -n 5 "$work/out/cli-$store.txt" >&2; return 1; }
}

skipped=()
for store in $stores; do
  case "$store" in
    sqlite) url="sqlite://$work/orders.db" ;;
    postgresql) url="postgresql://postgres@127.0.0.1:$pg_port/orders?sslmode=disable" ;;
    *) echo "server.sh: unknown store $store (sqlite, postgresql)" >&2; exit 2 ;;
  esac
  log "=== fp-order-server on $store"
  if ! start_server "$url"; then
    skipped+=("$store: the server did not start ($(tail -n 1 "$work/out/server-$store.log"))")
    continue
  fi
  sleep 1
  memory[$store.idle]=$(kb VmRSS "$server_pid")
  log "idle RSS $(( memory[$store.idle] / 1024 )) MB (VmRSS ${memory[$store.idle]} kB)"

  server_cli reset --database "$url"
  server_cli seed --database "$url" 1000
  [ "$store" != postgresql ] || psql_db orders "VACUUM ANALYZE orders" >/dev/null
  define_wrk "$store.list1k" "GET /orders, 1,000 orders, $store" "" "http://127.0.0.1:$server_port/orders"
  echo 5 >"/proc/$server_pid/clear_refs" # resets VmHWM: the peak of this measurement alone
  measure "$store.list1k"
  memory[$store.hwm1k]=$(kb VmHWM "$server_pid")

  server_cli seed --database "$url" 9000
  [ "$store" != postgresql ] || psql_db orders "VACUUM ANALYZE orders" >/dev/null
  define_wrk "$store.list10k" "GET /orders, 10,000 orders, $store" "" "http://127.0.0.1:$server_port/orders"
  echo 5 >"/proc/$server_pid/clear_refs"
  measure "$store.list10k"
  memory[$store.hwm10k]=$(kb VmHWM "$server_pid")
  log "peak RSS during GET /orders: 1,000 orders ${memory[$store.hwm1k]} kB, 10,000 orders ${memory[$store.hwm10k]} kB"

  curl -sf "http://127.0.0.1:$server_port/orders" | grep -o '"_id":"[0-9a-f]\{24\}"' | cut -d'"' -f4 >"$work/ids-$store.txt"
  [ "$(wc -l <"$work/ids-$store.txt")" -eq 10000 ] || { log "expected 10000 ids from GET /orders, got $(wc -l <"$work/ids-$store.txt")"; exit 1; }
  define_wrk "$store.get" "GET /orders/<id>, 10,000 orders, $store" "" "http://127.0.0.1:$server_port" \
    -s "$work/ids.lua" -- "/orders/" "$work/ids-$store.txt"
  define_wrk "$store.post" "POST /orders, $store" "$([ "$store" = postgresql ] && echo checkpoint || true)" \
    "http://127.0.0.1:$server_port/orders" -s "$work/post.lua"
  if [ "$store" = sqlite ]; then
    measure nginx sqlite.get # in turns with its ceiling
    nginx_done=1
    stop_pid "$nginx_pid" 10
    nginx_pid=
    measure sqlite.post
  else
    # The pgbench ceilings use a copy of the server's table, same definition (LIKE ... INCLUDING ALL)
    # and the same 10,000 rows, with ids 1..10000 as 24 hex digits so pgbench can draw them. pgbench
    # runs while the server is up and idle (its pooled connections idle too).
    psql_db orders "CREATE SCHEMA ceiling;
      CREATE TABLE ceiling.orders (LIKE public.orders INCLUDING ALL);
      INSERT INTO ceiling.orders
        SELECT lpad(to_hex(row_number() OVER (ORDER BY id)), 24, '0'), product, quantity, customer_name, customer_address
        FROM public.orders" >/dev/null
    psql_db orders "VACUUM ANALYZE ceiling.orders" >/dev/null
    ceiling_ready=1
    measure pg.select postgresql.get pg.builtin_s
    measure pg.insert postgresql.post # CHECKPOINT before each run of either
    pg_done=1
  fi
  memory[$store.rss_end]=$(kb VmRSS "$server_pid")

  stop_pid "$server_pid" 40
  server_pid=
done

# Ceilings not measured in turns with a server figure (that store was not run, or failed).
if [ "$nginx_done" = 0 ]; then
  log "=== nginx ceiling alone"
  measure nginx
  stop_pid "$nginx_pid" 10
  nginx_pid=
fi
if [ "$pg_done" = 0 ]; then
  if [ "$ceiling_ready" = 0 ]; then
    # No PostgreSQL server run made the table: build it as the server would (server/pg_store.cpp).
    log "no server table to copy; the pgbench ceilings use a hand-made orders table"
    psql_db orders "CREATE SCHEMA ceiling;
      CREATE TABLE ceiling.orders (id text COLLATE \"C\" PRIMARY KEY, product text NOT NULL, quantity bigint NOT NULL,
                                   customer_name text NOT NULL, customer_address text NOT NULL);
      INSERT INTO ceiling.orders SELECT lpad(to_hex(n), 24, '0'), 'Laptop', 1 + n % 10, 'Budi Santoso',
                                        'Jl. Merdeka No. ' || (1 + n % 200) || ', Jakarta' FROM generate_series(1, 10000) n" >/dev/null
    psql_db orders "VACUUM ANALYZE ceiling.orders" >/dev/null
    skipped+=("the pgbench ceilings ran on a hand-made orders table (no PostgreSQL server run to copy it from)")
  fi
  log "=== pgbench ceilings alone"
  measure pg.select pg.builtin_s pg.insert
fi

stop_pid "$pg_pid" 30
pg_pid=

# ------------------------------------------------------------------------------------------- report
group() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }
ratio() { # numerator-key denominator-key
  local a=${value[$1]:-} b=${value[$2]:-}
  [ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt 0 ] || { echo "-"; return; }
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
}
verdict() { # ratio target
  [ "$1" != "-" ] || { echo "not measured"; return; }
  awk -v r="$1" -v t="$2" 'BEGIN { if (r >= t) print "**met**"; else printf "**missed** by %.0f %% (%.2f× short of %.2f×)\n", 100 * (t - r) / t, t - r, t }'
}
figure() { [ -n "${value[$1]:-}" ] && group "${value[$1]}" || echo "-"; }

report() {
  local r key label val unit p50 p99 errors cpu busy cmd
  echo "## Results"
  echo
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $cores cores ($cpu_model), kernel $kernel, $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo);"
  echo "load average before the run: $load_before."
  echo "Each load ran ${duration} s (HTTP loads after an unmeasured ${warmup} s warm-up), one at a time, all on 127.0.0.1; $runs run(s) of each$([ "$runs" -eq 1 ] || echo ", the table shows the median run (errors: all runs)")."
  echo "wrk: \`-t$wrk_threads -c$connections\` for every HTTP figure; server: \`--threads $server_threads --db-pool $db_pool\`; pgbench: \`-M prepared -c $db_pool -j 2\`."
  echo "PostgreSQL: $pg_settings. SQLite (the server's settings): WAL, synchronous=NORMAL."
  echo "Versions: $versions."
  echo
  echo "### Figures"
  echo
  echo "CPU is in % of one core (the machine has $cores, so $((cores * 100)) % is everything): load generator (wrk or pgbench) / fp-order-server / PostgreSQL (all its processes) / nginx. Machine busy is /proc/stat over all cores; \"others\" is the busy CPU (in % of one core) not used by those processes: other jobs and kernel threads, so a large value means a disturbed measurement. CPU µs per request is that CPU divided by the throughput."
  echo
  local runs_head="" runs_rule=""
  [ "$runs" -eq 1 ] || { runs_head=" all runs |"; runs_rule="---|"; }
  echo "| measurement | throughput | p50 | p99 | errors | CPU % gen / server / pg / nginx | CPU µs per request gen / server / pg / nginx | machine busy (CPU % of others) |$runs_head"
  echo "|---|---:|---:|---:|---:|---|---|---:|$runs_rule"
  for r in "${rows[@]}"; do
    IFS='|' read -r key label val unit p50 p99 errors cpu busy all <<<"$r"
    local per_request=-
    if [ "$val" != failed ]; then
      per_request=$(awk -F' / ' -v n="$val" '{ for (i = 1; i <= NF; i++) printf "%s%s", (i > 1 ? " / " : ""), ($i == "-" ? "-" : sprintf("%.1f", $i * 10000 / n)) }' <<<"$cpu")
      val="$(group "$val") $unit"
    fi
    if [ "$runs" -eq 1 ]; then
      echo "| $label | $val | ${p50:--} | ${p99:--} | $errors | $cpu | $per_request | $busy |"
    else
      echo "| $label | $val | ${p50:--} | ${p99:--} | $errors | $cpu | $per_request | $busy | $all |"
    fi
  done
  echo
  if printf '%s\n' "${rows[@]}" | grep -q disturbed; then
    echo "**Rows marked \"disturbed\" (and runs marked * in \"all runs\") ran while processes other than these used more than ${disturbed_above} % of a core: re-run on a quiet machine before trusting them.**"
    echo
  fi
  echo "### Targets"
  echo
  echo "| target | figure | against | ratio | target | verdict |"
  echo "|---|---:|---:|---:|---:|---|"
  r=$(ratio postgresql.get pg.select)
  echo "| GET /orders/<id> on PostgreSQL vs pgbench running the server's SELECT | $(figure postgresql.get) | $(figure pg.select) | $r | ≥ 0.80 | $(verdict "$r" 0.8) |"
  r=$(ratio postgresql.post pg.insert)
  echo "| POST /orders on PostgreSQL vs pgbench running the server's INSERT | $(figure postgresql.post) | $(figure pg.insert) | $r | ≥ 0.80 | $(verdict "$r" 0.8) |"
  r=$(ratio sqlite.get nginx)
  echo "| GET /orders/<id> on SQLite vs nginx static | $(figure sqlite.get) | $(figure nginx) | $r | ≥ 0.50 | $(verdict "$r" 0.5) |"
  echo
  echo "Other ratios (no target):"
  echo
  echo "| ratio | value |"
  echo "|---|---:|"
  echo "| GET /orders/<id> on PostgreSQL / \`pgbench -S\` (built-in, scale 1) | $(ratio postgresql.get pg.builtin_s) |"
  echo "| GET /orders/<id> on PostgreSQL / nginx static | $(ratio postgresql.get nginx) |"
  echo "| pgbench SELECT (server's statement) / nginx static | $(ratio pg.select nginx) |"
  echo "| POST /orders on SQLite / nginx static | $(ratio sqlite.post nginx) |"
  local s
  for s in sqlite postgresql; do
    [ -z "${value[$s.list10k]:-}" ] || echo "| GET /orders on $s: 10,000 orders / 1,000 orders (1/10 = cost linear in rows) | $(ratio "$s.list10k" "$s.list1k") |"
  done
  echo
  echo "For scale only, **not measured here**: the issue quotes the course's Flask + gunicorn (8 gevent workers) + PostgreSQL stack at about 3,500–3,800 GET /orders/<id> per second and 70 GET /orders per second with 10,000 orders on this machine kind. This run: GET /orders/<id> on PostgreSQL $(figure postgresql.get) req/s, GET /orders with 10,000 orders on PostgreSQL $(figure postgresql.list10k) req/s."
  echo
  echo "### Memory (fp-order-server, /proc/PID/status)"
  echo
  echo "Idle: VmRSS 1 s after start (after one /healthz). Peaks: VmHWM of the GET /orders run alone (reset through /proc/PID/clear_refs just before it). Streaming is counted as met when the peak with 10,000 orders is at most 1.25× the peak with 1,000; a server that built whole bodies would need about 10× the body memory ($connections bodies of about 1.4 MB each)."
  echo
  echo "| store | idle RSS (target ≤ 15 MiB) | peak RSS, GET /orders 1,000 | peak RSS, GET /orders 10,000 | 10,000 / 1,000 | streams? | RSS after POST run |"
  echo "|---|---:|---:|---:|---:|---|---:|"
  for s in sqlite postgresql; do
    [ -n "${memory[$s.idle]:-}" ] || continue
    local idle=${memory[$s.idle]} h1=${memory[$s.hwm1k]:-0} h10=${memory[$s.hwm10k]:-0} growth idle_ok stream_ok
    idle_ok=$([ "$idle" -le 15360 ] && echo met || echo "missed by $(( (idle - 15360 + 1023) / 1024 )) MiB")
    growth=$(awk -v a="$h10" -v b="$h1" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    stream_ok=$(awk -v g="$growth" 'BEGIN { if (g == "-") print "-"; else if (g + 0 <= 1.25) print "yes (met)"; else print "no (missed)" }')
    echo "| $s | $(awk -v k="$idle" 'BEGIN { printf "%.1f MiB", k / 1024 }') ($idle_ok) | $(awk -v k="$h1" 'BEGIN { printf "%.1f MiB", k / 1024 }') | $(awk -v k="$h10" 'BEGIN { printf "%.1f MiB", k / 1024 }') | $growth | $stream_ok | $(awk -v k="${memory[$s.rss_end]:-0}" 'BEGIN { printf "%.1f MiB", k / 1024 }') |"
  done
  if [ ${#skipped[@]} -gt 0 ]; then
    echo
    echo "### Not measured"
    echo
    for r in "${skipped[@]}"; do echo "- $r"; done
  fi
  echo
  echo "### Commands (\$WORK is the run's temporary directory)"
  echo
  echo '```sh'
  for r in "${commands[@]}"; do echo "$r"; done
  echo '```'
  echo
  echo "select.sql (run with \`PGOPTIONS=-csearch_path=ceiling\`, so \`orders\` is the copy):"
  echo '```sql'
  cat "$work/select.sql"
  echo '```'
  echo "insert.sql:"
  echo '```sql'
  cat "$work/insert.sql"
  echo '```'
  echo "The server's statements these mirror: \`$server_select\` and \`$server_insert\`."
  echo
  echo "ids.lua (GET /orders/<id>, and nginx with prefix \`/static?id=\`):"
  echo '```lua'
  cat "$work/ids.lua"
  echo '```'
  echo "post.lua:"
  echo '```lua'
  cat "$work/post.lua"
  echo '```'
  echo "nginx.conf:"
  echo '```nginx'
  sed "s#$work#\$WORK#g" "$work/nginx/nginx.conf"
  echo '```'
}

report >"$work/report.md"
[ -z "$markdown_file" ] || cp "$work/report.md" "$markdown_file"
cat "$work/report.md"
