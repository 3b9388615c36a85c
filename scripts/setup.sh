#!/usr/bin/env bash
# Installs everything fpctl's build, tests and benchmarks need on Debian 12, as root.
# Idempotent: packages already present are left alone, and apt-get update runs only when a
# package is missing, so a second run takes a second.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (every one found by find_package / pkg-config)
  libboost-dev            # Boost.Asio + Boost.Beast (HTTP server), header-only in 1.74
  libcli11-dev            # command lines
  nlohmann-json3-dev      # JSON
  libexpected-dev         # tl::expected: errors as values at library boundaries
  libsqlite3-dev          # embedded store
  libpq-dev               # PostgreSQL store
  libyaml-cpp-dev         # fpctl.yaml and bench scenarios
  libhttp-parser-dev      # the load generator's HTTP/1.1 response parser (the one wrk uses)
  libcurl4-openssl-dev    # the DigitalOcean API client
  libssh-dev              # deploying over SSH
  libvalijson-dev         # JSON Schema validation: the simulator holds requests and responses to the official spec
  libgtest-dev libgmock-dev
  # fuzzing and sanitizers (clang's libFuzzer runtime)
  clang libclang-rt-14-dev
  # real components started by the tests and benchmarks
  postgresql postgresql-contrib nginx-light openssl curl procps iproute2 python3
  openssh-server openssh-client libssl-dev   # sshd and ssh-keygen for the SSH tests; libcrypto for SHA-256
  # the DigitalOcean simulator's responses and fpctl's requests are validated against the official schemas
  python3-jsonschema python3-yaml
  # fpctl report's HTML page is checked in a headless browser
  chromium
  # dosim's droplets that exist: network namespaces, overlays, cloud firewalls as nftables rules
  nftables util-linux
  # benchmark anchors and reference tools (Locust: its CSV formats are compared with ours)
  wrk python3-locust
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps Debian from starting the system's own postgresql/nginx services:
  # tests start private instances on loopback and need nothing else listening.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all ${#packages[@]} packages present"
