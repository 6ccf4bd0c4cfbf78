#!/usr/bin/env bash
# The one command that runs every nv2 test.
#
#   scripts/test.sh                 all stages: unit asan tsan fuzz
#   scripts/test.sh unit fuzz       only the named stages
#
# Stages (each configures and builds its own directory at the repository root):
#   unit  build/       RelWithDebInfo, -DNV2_WERROR=ON, every ctest test
#   asan  build-asan/  ASan+UBSan build, every ctest test
#   tsan  build-tsan/  ThreadSanitizer build of the *_concurrency test executables only,
#                      ctest -L concurrency
#   fuzz  build-fuzz/  clang + libFuzzer, each fuzz target for FUZZ_SECONDS (default 30)
#                      from its seed corpus fuzz/corpus/<target>/
#
# Stops at the first failure with a non-zero status; prints a summary either way.
# Environment: JOBS (default 2), FUZZ_SECONDS (default 30), TEST_TIMEOUT (per test, 300 s).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

jobs="${JOBS:-2}"
fuzz_seconds="${FUZZ_SECONDS:-30}"
test_timeout="${TEST_TIMEOUT:-300}"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(unit asan tsan fuzz)

# Sanitizer builds: -O1 with line tables only, which compiles faster than -O2 -g and still
# gives sanitizer reports with file:line; assertions stay on (no -DNDEBUG).
san_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1")

passed=0
failed=0
summary=()
current=""
start_all=$SECONDS

finish() {
  local status=$?
  echo
  echo "==================== nv2 test summary ===================="
  for line in "${summary[@]}"; do echo "  $line"; done
  if [ $status -ne 0 ]; then
    echo "  FAILED in stage: ${current:-setup} (status $status)"
    [ $failed -eq 0 ] && failed=1
  fi
  echo "  total time: $((SECONDS - start_all)) s"
  echo "nv2: $passed passed, $failed failed"
  exit $status
}
trap finish EXIT

log() { echo "---- [$current] $*"; }

configure() {  # configure <dir> <cmake args...>
  local dir="$1"
  shift
  mkdir -p "$root/$dir"
  cmake -S "$root" -B "$root/$dir" -G Ninja "$@" >"$root/$dir/configure.log" 2>&1 || {
    cat "$root/$dir/configure.log"
    return 1
  }
}

# ctest with the common options; adds its pass count to the totals.
run_ctest() {  # run_ctest <dir> [ctest args...]
  local dir="$1"
  shift
  local out="$root/$dir/ctest.log"
  set +e
  ctest --test-dir "$root/$dir" -j"$jobs" --output-on-failure --timeout "$test_timeout" \
    --no-tests=error "$@" 2>&1 | tee "$out"
  local status=${PIPESTATUS[0]}
  set -e
  local line total nfail
  line="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1 || true)"
  total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")"
  nfail="$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")"
  if [ -n "$line" ]; then
    passed=$((passed + total - nfail))
    failed=$((failed + nfail))
  fi
  summary+=("$current: ${line:-no ctest result} ($dir)")
  return "$status"
}

stage_unit() {
  configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNV2_WERROR=ON
  log "build"
  ninja -C build -j"$jobs"
  log "ctest"
  run_ctest build
}

stage_asan() {
  configure build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "${san_flags[@]}" -DNV2_SANITIZE=ON -DNV2_BENCH=OFF
  log "build"
  ninja -C build-asan -j"$jobs"
  log "ctest"
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" run_ctest build-asan
}

stage_tsan() {
  configure build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo "${san_flags[@]}" -DNV2_TSAN=ON -DNV2_BENCH=OFF
  local targets
  # The phony target of each test executable named *_concurrency (not CMake's helpers).
  targets="$(ninja -C build-tsan -t targets all | sed -nE 's/^([A-Za-z0-9_]+_concurrency): phony$/\1/p' | { grep -v '^cmake_' || true; } | sort -u)"
  if [ -z "$targets" ]; then
    summary+=("tsan: no *_concurrency test executables yet")
    return 0
  fi
  log "build: $(echo $targets)"
  # shellcheck disable=SC2086
  ninja -C build-tsan -j"$jobs" $targets
  log "ctest -L concurrency"
  TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp}" \
    run_ctest build-tsan -L concurrency -E '_NOT_BUILT$'
}

stage_fuzz() {
  configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNV2_FUZZ=ON -DNV2_BENCH=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
  local targets=()
  for d in fuzz/corpus/*/; do
    [ -d "$d" ] && targets+=("$(basename "$d")")
  done
  if [ ${#targets[@]} -eq 0 ]; then
    summary+=("fuzz: no fuzz targets")
    return 0
  fi
  log "build: ${targets[*]}"
  ninja -C build-fuzz -j"$jobs" "${targets[@]}"
  for t in "${targets[@]}"; do
    # New inputs go to a scratch corpus; the seed corpus in the repository stays as it is.
    local work="$root/build-fuzz/corpus-$t"
    mkdir -p "$work"
    log "$t for ${fuzz_seconds}s"
    (cd build-fuzz && "./fuzz/$t" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 "$work" "$root/fuzz/corpus/$t" >"$root/build-fuzz/$t.log" 2>&1) || {
      tail -60 "$root/build-fuzz/$t.log"
      summary+=("fuzz: $t FOUND A CRASH (build-fuzz/$t.log)")
      failed=$((failed + 1))
      return 1
    }
    local runs
    runs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$root/build-fuzz/$t.log" | tail -1)"
    summary+=("fuzz: $t ran ${runs:-?} inputs in ${fuzz_seconds}s, no crash")
    passed=$((passed + 1))
  done
}

for s in "${stages[@]}"; do
  case "$s" in
    unit | asan | tsan | fuzz) ;;
    *) echo "unknown stage '$s' (stages: unit asan tsan fuzz)" >&2; exit 2 ;;
  esac
  current="$s"
  t0=$SECONDS
  echo "==================== stage $s ===================="
  "stage_$s"
  summary+=("$s: done in $((SECONDS - t0)) s")
done
current=""
