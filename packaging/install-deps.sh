#!/usr/bin/env bash
# Installs every Debian package Weft Studio needs to build, run and test. Idempotent: installs only what is
# missing, and does nothing (no root needed) when everything is present.
#   packaging/install-deps.sh          build + run + test dependencies
#   packaging/install-deps.sh --list   print the package list
set -euo pipefail

packages=(
  # build
  cmake ninja-build ccache pkg-config g++
  # compute: LibTorch, and OpenBLAS so LibTorch does not fall back to the 24x slower reference BLAS
  libtorch-dev libopenblas0-pthread
  # GUI
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev
  # SVG export of plots (optional at build time: without it plots save as PNG only)
  qt6-svg-dev
  # formats and CLI
  nlohmann-json3-dev libzip-dev libcli11-dev libopencv-dev
  # animated GIF export of generated clips
  libgif-dev
  # GUI tests and screenshots: virtual display, Mesa software OpenGL, `import`
  xvfb xauth libgl1-mesa-dri imagemagick
  # fuzzing (libFuzzer + sanitizers)
  clang libclang-rt-14-dev
  # image training data: Fashion-MNIST (MIT/Expat, Zalando Research) in /usr/share/datasets/fashion-mnist
  dataset-fashion-mnist
  # image training data: Noto Color Emoji (SIL OFL 1.1), rendered with FreeType
  fonts-noto-color-emoji libfreetype-dev
  # side-by-side benchmarks against the papers' official Python code
  python3-torch
  # printable web meshes: OpenVDB (SDF → watertight mesh; its headers need Boost and TBB), lib3mf (3MF export);
  # admesh and prusa-slicer check the exported files in tests (prusa-slicer pulls ~580 MB with its GUI libraries)
  libopenvdb-dev libboost-dev libtbb-dev lib3mf-dev admesh prusa-slicer
)

if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install packages" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
