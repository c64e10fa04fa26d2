#!/usr/bin/env bash
# The test command: install system libraries if missing, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift test --parallel
