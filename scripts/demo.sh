#!/usr/bin/env bash
# The main job, for now: install, build, start fp-order-server on its embedded SQLite default,
# show it answering the course's requests, load-test it with fpctl bench (the course's locustfile
# scenario, then the open model), and stop it cleanly. No account or network needed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build -DCMAKE_BUILD_TYPE=Release -DFP_TESTS=OFF

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid"; wait "$server_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

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
