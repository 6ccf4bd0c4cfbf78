#!/usr/bin/env bash
# Build (if needed) and run nv2's main job. Until nv2-run exists, that is nv2-gsb decoding
# the output buffer an L0 writes after a partition-scoped data storage fault (HDSI exit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log" 2>&1 || { cat "$log"; exit 1; }
fi
ninja -C "$build" -j"${JOBS:-2}" nv2-gsb >"$log" 2>&1 || { cat "$log"; exit 1; }
example="$root/examples/run-output-hdsi.gsb"
echo "nv2-gsb decode examples/run-output-hdsi.gsb"
"$build/tools/nv2-gsb/nv2-gsb" decode "$example"
echo
echo "nv2-gsb validate --for run-output examples/run-output-hdsi.gsb"
"$build/tools/nv2-gsb/nv2-gsb" validate --for run-output "$example"
