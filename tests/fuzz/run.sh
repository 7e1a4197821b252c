#!/usr/bin/env bash
# Fuzz one harness for as long as you like, with libFuzzer under
# AddressSanitizer + UndefinedBehaviorSanitizer:
#   bash tests/fuzz/run.sh fuzz_npy            # until stopped (Ctrl-C)
#   bash tests/fuzz/run.sh fuzz_npy 600        # ten minutes
# Reproduce a crash file (libFuzzer writes crash-<sha1> into build/fuzz-work):
#   build/libfuzzer/tests/fuzz/fuzz_npy CRASH_FILE
# New corpus entries collect in build/fuzz-work/<target>; copy an input
# that found a bug into tests/fuzz/corpus/<target>/ next to the fix.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: run.sh TARGET [SECONDS]   (targets: fuzz_npy fuzz_view fuzz_kernels fuzz_region fuzz_st)}
seconds=${2:-0}
build=build/libfuzzer
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dpython=disabled -Dfuzzing_engine=libfuzzer \
        -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized >/dev/null
fi
meson compile -C "$build" "tests/fuzz/$target" >/dev/null
mkdir -p "build/fuzz-work/$target"
cd build/fuzz-work
dict=()
if [ -f "../../tests/fuzz/$target.dict" ]; then dict=(-dict="../../tests/fuzz/$target.dict"); fi
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "../../$build/tests/fuzz/$target" -max_total_time="$seconds" "${dict[@]}" -print_final_stats=1 \
    "$target" "../../tests/fuzz/corpus/$target"
