#!/usr/bin/env bash
# Builds Weft Studio (installing what is missing) and starts it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
build=${WEFT_BUILD_DIR:-$root/build}
if [[ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]]; then
  cat >&2 <<MSG
Built. There is no display here (DISPLAY and WAYLAND_DISPLAY are unset), so the studio was not started.
  Virtual display:   xvfb-run -a $build/app/weft-studio
  Screenshot only:   QT_QPA_PLATFORM=offscreen $build/app/weft-studio --screenshot studio.png
  Command line:      $build/app/weft --help
MSG
  exit 2
fi
exec "$build/app/weft-studio" "$@"
