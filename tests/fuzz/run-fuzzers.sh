#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer harnesses with clang and runs each for a share of SECONDS.
# Exits non-zero when a harness finds a crash, a broken invariant, a leak or
# undefined behaviour; the input that did it is kept under BUILD_DIR/artifacts/.
#
#   tests/fuzz/run-fuzzers.sh SECONDS [BUILD_DIR]
#
# SECONDS is the whole budget, split evenly between the harnesses. BUILD_DIR
# defaults to build-fuzz at the top of the repository; CXX picks the compiler
# (default clang++-14). The seed corpus in tests/fuzz/corpus/ is only read: what
# a run discovers goes to BUILD_DIR/corpus/ and is reused by the next run there.
set -euo pipefail

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ || $1 -lt 1 ]]; then
    echo "usage: $0 SECONDS [BUILD_DIR]" >&2
    exit 2
fi
seconds=$1
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"
build="${2:-$top/build-fuzz}"
cxx="${CXX:-clang++-14}"
harnesses=(framedecoder message text)

if ! command -v "$cxx" >/dev/null; then
    echo "run-fuzzers: $cxx not found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 2
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
mkdir -p "$build"
if ! { [[ -f $build/CMakeCache.txt ]] \
    || cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER="$cxx"; } \
    >"$build/build.log" 2>&1 || ! cmake --build "$build" -j"$(nproc)" >>"$build/build.log" 2>&1; then
    tail -n 40 "$build/build.log" >&2
    echo "run-fuzzers: the fuzz harnesses did not build (log: $build/build.log)" >&2
    exit 2
fi

per_harness=$((seconds / ${#harnesses[@]}))
((per_harness < 1)) && per_harness=1
mkdir -p "$build/artifacts"

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

failed=0
for harness in "${harnesses[@]}"; do
    corpus="$build/corpus/$harness"
    log="$build/fuzz_$harness.log"
    mkdir -p "$corpus"
    status=0
    # The first directory collects new inputs; the seeds are only read.
    "$build/fuzz_$harness" -max_total_time="$per_harness" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$harness-" \
        "$corpus" "$here/corpus/$harness" >"$log" 2>&1 || status=$?
    # UBSan and our invariant checks abort, but look for their words too in case
    # something reports without stopping.
    if ((status == 0)) && grep -qE "runtime error:|invariant broken|ERROR: (Address|Leak|libFuzzer)" "$log"; then
        status=1
    fi
    final="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
    runs="$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
    cov="$(grep -oE 'cov: [0-9]+' <<<"$final" | grep -oE '[0-9]+' || echo '?')"
    features="$(grep -oE 'ft: [0-9]+' <<<"$final" | grep -oE '[0-9]+' || echo '?')"
    speed="$(grep -oE '^stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
    if ((status == 0)); then
        echo "fuzz_$harness: ok, ${per_harness}s, $runs runs, $speed exec/s, cov $cov, ft $features"
    else
        failed=$((failed + 1))
        echo "fuzz_$harness: FAILED (exit $status), log $log:"
        grep -E -A 30 "runtime error:|invariant broken|==ERROR|ERROR: libFuzzer|SUMMARY" "$log" | head -n 60
        ls "$build/artifacts/$harness-"* 2>/dev/null | sed 's/^/  input kept: /'
    fi
done
echo "run-fuzzers: ${#harnesses[@]} harnesses, $failed failed"
((failed == 0))
