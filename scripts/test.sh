#!/usr/bin/env bash
# Builds Weft Studio (installing what is missing) and runs the default test suite: core, gui, fast model tests
# and the short fuzz runs. Benchmarks (label bench) and GPU tests run only on request:
#   ctest --test-dir build -L bench --output-on-failure
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
build=${WEFT_BUILD_DIR:-$root/build}
# GUI tests use Qt's offscreen platform; a virtual display is used when present for OpenGL views.
ctest --test-dir "$build" --output-on-failure -L 'core|gui|model|fuzz' -j 1 "$@"
