#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + LSan) and runs each for SECONDS.
#   fuzz/run.sh BUILD_DIR SECONDS
# Seeds: every .pth/.pt and .safetensors under $WEFT_SHARED_DIR/fixtures (default: ../shared next to the repo)
# and tests/data, plus the data.pkl inside each checkpoint for fuzz_pickle; for fuzz_csv the first 200 lines of
# each $WEFT_SHARED_DIR/data/timeseries/*.csv and the hand-written files in fuzz/csv_seeds.
# FUZZ_TARGETS="fuzz_csv" runs only the targets named. New inputs found are kept in
# BUILD_DIR/corpus/<target> (so later runs continue from them); crashes go to BUILD_DIR/artifacts.
# Exits non-zero if any target crashes, leaks, times out, runs out of memory or reports undefined behaviour.
set -uo pipefail

build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS}
seconds=${2:-60}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
shared=${WEFT_SHARED_DIR:-$repo/../shared}
fixtures=$shared/fixtures
mkdir -p "$build"
build=$(cd "$build" && pwd)

cxx=${FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
if [[ -z "$cxx" ]]; then
  echo "run.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 2; }
fi
cmake --build "$build" -j "${FUZZ_JOBS:-1}" || exit 2

# ---- seed corpora (rebuilt each run from the fixtures; read-only for libFuzzer)
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{fuzz_pth,fuzz_safetensors,fuzz_pickle,fuzz_csv} \
  "$build"/corpus/{fuzz_pth,fuzz_safetensors,fuzz_pickle,fuzz_csv} \
  "$build/artifacts"
n=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  case "$f" in
    *.safetensors) cp "$f" "$seeds/fuzz_safetensors/$n.safetensors" ;;
    *) cp "$f" "$seeds/fuzz_pth/$n.pth" ;;
  esac
done < <(find "$fixtures" "$repo/tests/data" \( -name '*.pth' -o -name '*.pt' -o -name '*.safetensors' \) -print0 2>/dev/null)
if (( n == 0 )); then echo "run.sh: no seed files under $fixtures (set WEFT_SHARED_DIR)" >&2; fi
# CSV seeds: fuzz_csv reads its first byte as option bits (0: detect everything), the rest as the file.
for f in "$shared"/data/timeseries/*.csv "$here"/csv_seeds/*.csv; do
  [[ -f "$f" ]] || continue
  { printf '\0'; head -n 200 "$f"; } >"$seeds/fuzz_csv/$(basename "$f")"
done
# The pickles inside the checkpoints seed the unpickler target directly.
py=$(command -v python3 || true)
if [[ -n "$py" ]]; then
  "$py" - "$seeds" <<'PY' || true
import json, pathlib, struct, sys, zipfile
seeds = pathlib.Path(sys.argv[1])
for f in sorted((seeds / "fuzz_pth").iterdir()):
    try:
        with zipfile.ZipFile(f) as z:
            for name in z.namelist():
                if name.endswith("/data.pkl"):
                    (seeds / "fuzz_pickle" / (f.stem + ".pkl")).write_bytes(z.read(name))
    except zipfile.BadZipFile:
        pass
# Small safetensors files (every dtype, metadata, an empty and a 0-d tensor) mutate far faster than the fixtures.
sizes = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
for k, meta in enumerate([{}, {"format": "pt"}]):
    header, data = ({"__metadata__": meta} if meta else {}), b""
    for name, size in sizes.items():
        shape = [2, 3] if k else [3]
        n = size * (6 if k else 3)
        header["t_" + name] = {"dtype": name, "shape": shape, "data_offsets": [len(data), len(data) + n]}
        data += bytes(range(n))
    header["empty"] = {"dtype": "F32", "shape": [0, 2], "data_offsets": [len(data), len(data)]}
    header["scalar"] = {"dtype": "I32", "shape": [], "data_offsets": [len(data), len(data) + 4]}
    data += b"\x01\x00\x00\x00"
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * (-len(text) % 8)
    (seeds / "fuzz_safetensors" / f"tiny{k}.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + data)
PY
fi

# ---- run
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
summary=""
# Archives up to 1 MB stay whole (larger fixtures become truncated-archive seeds); headers and pickles are small.
# CSV inputs: 64 kB holds the 200-line seeds (30 kB at most).
declare -A max_len=([fuzz_pth]=1048576 [fuzz_safetensors]=262144 [fuzz_pickle]=262144 [fuzz_csv]=65536)
for target in ${FUZZ_TARGETS:-fuzz_pth fuzz_safetensors fuzz_pickle fuzz_csv}; do
  log=$build/$target.log
  echo "== $target: ${seconds}s (log: $log)"
  "$build/$target" "$build/corpus/$target" "$seeds/$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="${max_len[$target]}" -timeout=30 -detect_leaks=1 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if (( rc != 0 )) || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
    status=1
    echo "!! $target FAILED (exit $rc); last lines of the log:"
    tail -n 40 "$log"
    summary+="$target: FAILED after ${execs:-?} execs; artefacts in $build/artifacts"$'\n'
  else
    summary+="$target: ok, ${execs:-?} execs in ${seconds}s"$'\n'
  fi
done
printf '%s' "$summary"
exit $status
