#!/usr/bin/env bash
# Builds borealis (release) and runs the comparison benchmark. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec /usr/bin/python3 bench/bench.py "$@"
