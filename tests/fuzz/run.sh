#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for SECONDS (default 60),
# starting from the seed corpus in corpus/<target>/. Exits non-zero when any target finds a
# crash, a leak, a timeout or a broken invariant; the reproducer and the log stay in the
# build directory ($FUZZ_BUILD_DIR, default build-fuzz/ at the top of the repo), never here.
#   tests/fuzz/run.sh 60
set -euo pipefail
seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=(fuzz_request fuzz_config fuzz_jwt)

echo "==> build fuzz targets in $build"
CC=${FUZZ_CC:-clang} CXX=${FUZZ_CXX:-clang++} cmake -S "$here" -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j "${JOBS:-2}"

failed=0
for t in "${targets[@]}"; do
    # New inputs go to the first directory (in the build tree); the seeds are only read.
    work=$build/corpus/$t
    artifacts=$build/artifacts/$t
    log=$build/$t.log
    mkdir -p "$work" "$artifacts"
    dict=()
    [[ -f $here/$t.dict ]] && dict=(-dict="$here/$t.dict")
    echo "==> $t for ${seconds} s"
    if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/$t" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${dict[@]}" "$work" "$here/corpus/$t" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        rate=$(grep -o 'exec/s: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
        cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || echo '?')
        echo "    ok: $runs runs, $rate exec/s, $cov, corpus $(ls "$work" | wc -l) files"
    else
        echo "    FAILED: see $log; reproducer in $artifacts/"
        grep -E 'ERROR|invariant broken|SUMMARY|runtime error' "$log" | head -20 || true
        failed=1
    fi
done
exit $failed
