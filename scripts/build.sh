#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds Weft Studio into ./build (incremental).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/packaging/install-deps.sh"
build=${WEFT_BUILD_DIR:-$root/build}
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
# Two parallel LibTorch compiles need ~2.2 GB; more jobs than cores only thrash.
cmake --build "$build" -j "${WEFT_BUILD_JOBS:-$(nproc)}"
