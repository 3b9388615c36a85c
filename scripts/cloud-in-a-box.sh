#!/usr/bin/env bash
# Cloud in a box (root only): the whole DigitalOcean path on this machine, with no account.
# dosim --hosts netns simulates the API, and its droplets are real hosts (network namespaces with
# sshd, cloud firewalls as nftables rules) and its managed PostgreSQL a real server on the VPC side;
# fpctl runs exactly the code it runs against DigitalOcean:
#   fpctl up -> fpctl status -> fpctl bench -> fpctl bench find max-rps / peak-users -> fpctl report
#   -> fpctl teardown
# The report is left in ./cloud-in-a-box-report/ (report.md, report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "cloud-in-a-box needs root (network namespaces)"; exit 2; }
./scripts/setup.sh
FP_TARGETS="fpctl fp-order-server dosim" ./scripts/build.sh build -DCMAKE_BUILD_TYPE=Release
fpctl=$PWD/build/cli/fpctl
out=$PWD/cloud-in-a-box-report

work=$(mktemp -d)
chmod o+x "$work" # the managed cluster's PostgreSQL runs as `postgres` and passes through it
dosim_pid=
cleanup() {
  if [ -f "$work/.fpctl/state.json" ]; then (cd "$work" && "$fpctl" teardown --yes >/dev/null 2>&1 || true); fi
  if [ -n "$dosim_pid" ] && kill -0 "$dosim_pid" 2>/dev/null; then kill -TERM "$dosim_pid"; wait "$dosim_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

build/tests/dosim/dosim --hosts netns --delay-scale 0.01 > "$work/dosim.out" 2> "$work/dosim.log" &
dosim_pid=$!
for _ in $(seq 200); do [ -s "$work/dosim.out" ] && break; sleep 0.05; done
export DIGITALOCEAN_API_URL=$(head -n 1 "$work/dosim.out") DIGITALOCEAN_TOKEN=dop_v1_cloud_in_a_box FPCTL_POLL_INTERVAL_MS=200
[ -n "$DIGITALOCEAN_API_URL" ] || { echo "dosim did not start"; cat "$work/dosim.log"; exit 1; }

cd "$work"
cat > fpctl.yaml <<'YAML'
project: box
provider: digitalocean
region: sgp1
ssh: {allow_from: [100.64.0.0/10]}     # dosim's public bridge: this machine's side of it
load_balancer: {kind: droplet, size: s-1vcpu-1gb}
workers: {size: s-1vcpu-2gb, count: 2}
database: {kind: managed, size: db-s-1vcpu-1gb}
YAML
step() { echo; echo "\$ $*"; }
step fpctl up --yes;                  "$fpctl" up --yes 2>&1 | grep -v '  waiting: '
step fpctl status;                    "$fpctl" status
step fpctl bench -u 50 -r 10 -t 30s;  "$fpctl" bench -u 50 -r 10 -t 30s -q --fail-on 'failures>0'
step fpctl bench find max-rps --probe 3s --duration 10s
"$fpctl" bench find max-rps --probe 3s --duration 10s -q || true
step fpctl bench find peak-users --spawn-rate 25 --duration 10s
"$fpctl" bench find peak-users --spawn-rate 25 --duration 10s -q || true
step fpctl report -o "$out";          "$fpctl" report -o "$out" || true
step fpctl teardown --yes;            "$fpctl" teardown --yes 2>&1 | grep -v '  waiting: '
echo; echo "The report: $out/report.md and $out/report.html"
