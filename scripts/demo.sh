#!/usr/bin/env bash
# The main job, for now: install, build, price the embedded default architecture and find the best
# one within the course's budget (fpctl cost), rehearse creating and deleting it on DigitalOcean
# against the simulator (fpctl up / status / teardown with dosim), start fp-order-server on its
# embedded SQLite default, show it answering the course's requests, load-test it with fpctl bench
# (the course's locustfile scenario, then the open model), and stop it cleanly. No account or
# network needed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
FP_TARGETS="fpctl fp-order-server dosim" ./scripts/build.sh build -DCMAKE_BUILD_TYPE=Release

work=$(mktemp -d)
server_pid=
dosim_pid=
cleanup() {
  for pid in $server_pid $dosim_pid; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

echo "\$ fpctl cost    # the built-in default plan against the course's 65 US\$ budget"
build/cli/fpctl cost
echo; echo "\$ fpctl cost --optimize --top 3"
build/cli/fpctl cost --optimize --top 3

# A rehearsal of fpctl up against dosim, the DigitalOcean API simulator: nothing is created anywhere.
build/tests/dosim/dosim --listen 127.0.0.1:0 --delay-scale 0.01 > "$work/dosim.out" 2> "$work/dosim.log" &
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
echo; echo "\$ fpctl up --dry-run    # against dosim at $DIGITALOCEAN_API_URL"
build/cli/fpctl up --dry-run -c "$work/fpctl.yaml"
echo; echo "\$ fpctl up --yes --infra-only    # dosim has no hosts to install on"
build/cli/fpctl up --yes --infra-only -c "$work/fpctl.yaml" 2>&1 | grep -v '  waiting: '
echo; echo "\$ fpctl status"
build/cli/fpctl status -c "$work/fpctl.yaml"
echo; echo "\$ fpctl teardown --yes"
build/cli/fpctl teardown --yes -c "$work/fpctl.yaml" 2>&1 | grep -v '  waiting: '
kill -TERM "$dosim_pid"; wait "$dosim_pid" || true; dosim_pid=
unset DIGITALOCEAN_API_URL DIGITALOCEAN_TOKEN FPCTL_POLL_INTERVAL_MS
echo

# Port 0: any free port, read back from the start-up line.
build/server/fp-order-server serve --listen 127.0.0.1:0 --database "sqlite://$work/orders.db" 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 100); do grep -q ' listen=' "$work/server.log" && break; sleep 0.05; done
cat "$work/server.log"
address=$(sed -n 's/.* listen=\([^ ]*\).*/\1/p' "$work/server.log")
[ -n "$address" ] || { echo "fp-order-server did not start"; exit 1; }

show() { echo; echo "\$ curl $*"; curl -sS -w '  [HTTP %{http_code}]\n' "$@"; }
show -X POST -H 'Content-Type: application/json' \
  -d '{"product":"Laptop","quantity":2,"customer_name":"Budi","customer_address":"Jl. Merdeka 1"}' \
  "http://$address/orders"
id=$(curl -sS "http://$address/orders" | sed -n 's/.*"_id":"\([0-9a-f]*\)".*/\1/p')
show "http://$address/orders/$id"
show -X PUT -H 'Content-Type: application/json' -d '{"quantity":5}' "http://$address/orders/$id"
show "http://$address/orders"
show -X POST -H 'Content-Type: application/json' -d '{"product":"Laptop"}' "http://$address/orders"
show "http://$address/orders/not-an-id"
show -X DELETE "http://$address/orders/$id"
show "http://$address/healthz"

echo; echo "\$ fpctl bench http://$address -u 200 -r 100 -t 10s    # the course's locustfile: 200 users, 1-3 s think time"
build/cli/fpctl bench "http://$address" -u 200 -r 100 -t 10s --csv "$work/run" --fail-on 'failures>0'
echo; echo "\$ fpctl bench http://$address --scenario crud --rate 2000 -t 5s    # open model, all five routes"
build/cli/fpctl bench "http://$address" --scenario crud --rate 2000 -t 5s --fail-on 'failures>0'

echo; echo "stopping fp-order-server (SIGTERM)"
kill -TERM "$server_pid"
wait "$server_pid"
echo "exit code $?"
server_pid=
