#!/usr/bin/env bash
# Installs, builds and runs the whole test suite (this is what CI runs):
#  1. the fuzzer for the request path, built with clang + libFuzzer, for a bounded time;
#  2. every test under ctest, built with -Werror and AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

fuzz_seconds=${FP_FUZZ_SECONDS:-60}
FP_TARGETS=request_fuzz ./scripts/build.sh build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFP_FUZZ=ON -DFP_SANITIZE=address,undefined -DFP_WERROR=ON
mkdir -p build-fuzz/corpus
cp -n tests/fuzz/corpus/* build-fuzz/corpus/ 2>/dev/null || true
echo "fuzzing the request path for ${fuzz_seconds}s"
build-fuzz/tests/fuzz/request_fuzz -max_total_time="$fuzz_seconds" -timeout=10 -print_final_stats=1 \
  build-fuzz/corpus 2>&1 | tail -n 15

./scripts/build.sh build-test -DCMAKE_BUILD_TYPE=Debug -DFP_SANITIZE=address,undefined -DFP_WERROR=ON
cd build-test
ctest --output-on-failure -j 2
