#!/usr/bin/env bash
# The main job on the embedded default plan, with no DigitalOcean account: install, build, then in a
# fresh project directory
#   fpctl init --local      the default plan (2 workers behind nginx, PostgreSQL), provider: local
#   fpctl up                the architecture as processes on this machine: fp-order-server workers on
#                           loopback ports, nginx in front, installed by the same steps a droplet gets
#   fpctl status            what runs where
#   curl ...                the course's requests through the load balancer
#   fpctl bench             the course's locustfile scenario against it, then the open model
#   fpctl deploy --restart  a rolling redeploy under load, without a failed request
#   fpctl cost              what the same plan costs on DigitalOcean, and the best one in the budget
#   fpctl teardown          everything stopped by pid and deleted
# and finally a rehearsal of `fpctl up` on DigitalOcean against dosim, the API simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
FP_TARGETS="fpctl fp-order-server dosim" ./scripts/build.sh build -DCMAKE_BUILD_TYPE=Release
fpctl=$PWD/build/cli/fpctl

work=$(mktemp -d)
chmod o+x "$work" # the local PostgreSQL runs as `postgres` (when we are root) and must pass through it
dosim_pid=
bench_pid=
cleanup() {
  for pid in $bench_pid $dosim_pid; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  done
  # Whatever the local deployment still runs is stopped by its recorded pids.
  if [ -f "$work/project/.fpctl/state.json" ]; then (cd "$work/project" && "$fpctl" teardown --yes >/dev/null 2>&1 || true); fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/project"
cd "$work/project"

step() { echo; echo "\$ $*"; }

step fpctl init --local
"$fpctl" init --local
step fpctl up
"$fpctl" up
step fpctl status
"$fpctl" status
url=$(sed -n 's/^Entry: \([^;]*\);.*/\1/p' <("$fpctl" status))

show() { echo; printf '$ curl'; printf ' %q' "$@"; echo; curl -sS -w '  [HTTP %{http_code}]\n' "$@"; }
show -X POST -H 'Content-Type: application/json' \
  -d '{"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"}' "$url/orders"
id=$(curl -sS "$url/orders" | sed -n 's/.*"_id":"\([0-9a-f]*\)".*/\1/p')
show "$url/orders/$id"
show -X PUT -H 'Content-Type: application/json' -d '{"quantity":5}' "$url/orders/$id"
show -X POST -H 'Content-Type: application/json' -d '{"product":"Laptop"}' "$url/orders"
show -X DELETE "$url/orders/$id"

step "fpctl bench -u 200 -r 100 -t 10s    # the course's locustfile: 200 users, 1-3 s think time; no URL: the deployment"
"$fpctl" bench -u 200 -r 100 -t 10s --fail-on 'failures>0'
step "fpctl bench --scenario crud --rate 300 -t 20s &    # open model, all five routes; meanwhile:"
"$fpctl" bench --scenario crud --rate 300 -t 20s --fail-on 'failures>0' > "$work/bench.out" 2>&1 &
bench_pid=$!
sleep 2
step "fpctl deploy --restart    # one worker at a time: drained, restarted, checked"
"$fpctl" deploy --restart
wait "$bench_pid" && bench_rc=0 || bench_rc=$?
bench_pid=
grep -E 'Aggregated .*\|' "$work/bench.out" | head -n 1
echo "fpctl bench during the redeploy: exit code $bench_rc (non-zero would mean a failed request)"

step "fpctl cost    # the same plan on DigitalOcean, against the course's 65 US\$ budget"
"$fpctl" cost
step fpctl cost --optimize --top 3
"$fpctl" cost --optimize --top 3
step fpctl teardown --yes
"$fpctl" teardown --yes
[ "$bench_rc" -eq 0 ] || { echo "requests failed during the rolling redeploy"; exit 1; }

# A rehearsal of fpctl up on DigitalOcean against dosim, the API simulator: nothing is created anywhere.
cd "$work"
dosim=$(dirname "$fpctl")/../tests/dosim/dosim
"$dosim" --listen 127.0.0.1:0 --delay-scale 0.01 > "$work/dosim.out" 2> "$work/dosim.log" &
dosim_pid=$!
for _ in $(seq 100); do [ -s "$work/dosim.out" ] && break; sleep 0.05; done
export DIGITALOCEAN_API_URL=$(head -n 1 "$work/dosim.out") DIGITALOCEAN_TOKEN=dop_v1_rehearsal FPCTL_POLL_INTERVAL_MS=200
[ -n "$DIGITALOCEAN_API_URL" ] || { echo "dosim did not start"; cat "$work/dosim.log"; exit 1; }
cat > "$work/fpctl.yaml" <<'YAML'
project: demo
provider: digitalocean
region: sgp1
ssh: {allow_from: [203.0.113.7/32]}   # your public address; 'auto' needs it from you or FPCTL_OPERATOR_CIDR
load_balancer: {kind: droplet, size: s-1vcpu-1gb}
workers: {size: s-1vcpu-2gb, count: 2}
database: {kind: managed, size: db-s-1vcpu-1gb}
YAML
step "fpctl up --dry-run    # provider: digitalocean, against dosim at $DIGITALOCEAN_API_URL"
"$fpctl" up --dry-run -c "$work/fpctl.yaml"
step "fpctl up --yes --infra-only    # dosim's droplets are not real hosts: nothing to install on"
"$fpctl" up --yes --infra-only -c "$work/fpctl.yaml" 2>&1 | grep -v '  waiting: '
step fpctl status
"$fpctl" status -c "$work/fpctl.yaml"
step fpctl teardown --yes
"$fpctl" teardown --yes -c "$work/fpctl.yaml" 2>&1 | grep -v '  waiting: '
