#!/usr/bin/env bash
# Runs every test: a formatting check, the unit tests under AddressSanitizer
# and UBSan and under ThreadSanitizer, a short run of each fuzz target, the
# end-to-end suite once against the AddressSanitizer+UBSan build of
# borealis, then the release build of borealis (the one bench/ uses), the
# tests that need it (tests/release), and its .deb, installed on this
# machine, started and removed (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

echo "== formatting (clang-format; BOREALIS_FORMAT_STRICT=0 only reports)"
bash scripts/check-format.sh

# A sanitizer finding fails the program that hit it, and so the test.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="second_deadlock_stack=1"

echo "== sanitizer build (address, undefined): unit tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBOREALIS_SANITIZE=ON \
  -DBOREALIS_E2E=ON -DBOREALIS_WERROR=ON >/dev/null
cmake --build build-asan -j "$(nproc)" --target borealis_unit_tests borealis
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L unit

echo "== sanitizer build (thread): unit tests"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBOREALIS_TSAN=ON \
  -DBOREALIS_E2E=OFF -DBOREALIS_WERROR=ON >/dev/null
cmake --build build-tsan -j "$(nproc)" --target borealis_unit_tests
ctest --test-dir build-tsan --output-on-failure -j "$(nproc)" -L unit

echo "== fuzz targets (clang, libFuzzer): short runs"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DBOREALIS_FUZZ=ON \
  -DBOREALIS_E2E=OFF -DBOREALIS_WERROR=ON >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_targets
mkdir -p build-fuzz/artifacts
failed_fuzzers=()
for fuzzer in build-fuzz/fuzz/*_fuzz; do
  name=$(basename "$fuzzer")
  corpora=("build-fuzz/corpus-$name")
  mkdir -p "${corpora[0]}"
  [ -d "fuzz/corpus/${name%_fuzz}" ] && corpora+=("fuzz/corpus/${name%_fuzz}")
  log="build-fuzz/$name.log"
  status=0
  "$fuzzer" -max_total_time="${FUZZ_SECONDS:-10}" -print_final_stats=0 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="build-fuzz/artifacts/$name-" "${corpora[@]}" \
    >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    echo "-- $name FAILED (exit $status); its whole log ($log):"
    cat "$log"
    failed_fuzzers+=("$name")
  else
    echo "-- $name: $(tail -n 1 "$log")"
  fi
done
if [ ${#failed_fuzzers[@]} -ne 0 ]; then
  echo "fuzz targets failed: ${failed_fuzzers[*]} (inputs in build-fuzz/artifacts/)"
  exit 1
fi

echo "== end-to-end suite against the sanitizer build (address, undefined)"
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L e2e

# The unit tests ran under both sanitizers above; the optimised build of
# borealis itself is what bench/ and the README's first command use.
echo "== release build of borealis (scripts/build.sh borealis, used by bench/)"
bash scripts/build.sh borealis

echo "== tests of the release build (tests/release: what the sanitizers' allocator hides)"
# Debian's python3, as the e2e tests (tests/CMakeLists.txt): the one its
# python3-pymysql and python3-mysqldb are installed for.
(cd tests/release && BOREALIS_BIN="$PWD/../../build/borealis" BOREALIS_SOURCE_DIR="$PWD/../.." \
  /usr/bin/python3 -m unittest discover -v -p 'test_*.py')

echo "== package: the .deb installs, starts as its systemd unit says, and is removed"
bash scripts/check-package.sh
