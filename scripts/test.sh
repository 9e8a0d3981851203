#!/usr/bin/env bash
# Runs every test: unit tests under AddressSanitizer and UBSan, a short run of
# each fuzz target, then the full suite (unit and end-to-end) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== sanitizer build (address, undefined): unit tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBOREALIS_SANITIZE=ON \
  -DBOREALIS_E2E=OFF -DBOREALIS_WERROR=ON >/dev/null
cmake --build build-asan -j "$(nproc)" --target borealis_unit_tests
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"

echo "== fuzz targets (clang, libFuzzer): short runs"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DBOREALIS_FUZZ=ON \
  -DBOREALIS_E2E=OFF -DBOREALIS_WERROR=ON >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_targets
for fuzzer in build-fuzz/fuzz/*_fuzz; do
  name=$(basename "$fuzzer")
  corpus="fuzz/corpus/${name%_fuzz}"
  mkdir -p "build-fuzz/corpus-$name"
  "$fuzzer" -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=0 \
    "build-fuzz/corpus-$name" $( [ -d "$corpus" ] && echo "$corpus" ) 2>&1 | tail -n 2
done

echo "== build and full test suite"
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
