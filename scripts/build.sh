#!/usr/bin/env bash
# Configures and builds borealis into build/ (warnings are errors): every
# target, or the ones named (scripts/build.sh borealis).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOREALIS_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)" ${1:+--target "$@"}
