#!/usr/bin/env bash
# Configures and builds into a build directory: scripts/build.sh DIR [cmake options...]
# FP_TARGETS="a b" builds only those targets.
# Incremental: an existing directory is reused, and ccache (installed by setup.sh) keeps rebuilds fast.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/build.sh BUILD_DIR [CMAKE_OPTIONS...]}
shift
cmake -S . -B "$dir" -G Ninja "$@" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
rm -f "$dir.configure.log"
ninja -C "$dir" -j "$(nproc)" ${FP_TARGETS:-}
