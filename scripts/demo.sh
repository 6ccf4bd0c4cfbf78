#!/usr/bin/env bash
# Build (if needed) and run nv2's main job: boot the example L2 guest `hello` with nv2-run,
# through nv2's L1 (nestedv2 hcalls, lazy state cache) and L0 (interpreter, radix MMU),
# then show the L1's counters. The guest prints a line and powers off with status 0.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log" 2>&1 || { cat "$log"; exit 1; }
fi
ninja -C "$build" -j"${JOBS:-2}" nv2-run nv2-gsb guests >"$log" 2>&1 || { cat "$log"; exit 1; }
guest="$build/guests/hello.elf"
if [ ! -f "$guest" ]; then
  echo "demo: $guest was not built (is powerpc64le-linux-gnu-gcc installed? run scripts/setup.sh)" >&2
  exit 1
fi
echo "\$ nv2-run --stats build/guests/hello.elf"
status=0
"$build/tools/nv2-run/nv2-run" --stats "$guest" 2>&1 || status=$?
echo "(nv2-run exit status $status: the L2's power-off status)"
exit "$status"
