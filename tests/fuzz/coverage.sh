#!/usr/bin/env bash
# Line coverage of the library (libarrayio/src) reached by replaying the
# committed fuzz corpus, and by the corpus plus generated inputs.
# Needs gcovr (pip install gcovr).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/coverage
rm -rf "$build"
meson setup "$build" -Dpython=disabled -Db_coverage=true --buildtype=debug >/dev/null
meson compile -C "$build" >/dev/null
for t in fuzz_npy fuzz_view fuzz_kernels fuzz_region fuzz_st; do
    "$build/tests/fuzz/$t" "tests/fuzz/corpus/$t" >/dev/null
done
echo "corpus replay only:"
gcovr -r . --filter libarrayio/src "$build" | tail -n 10
for t in fuzz_npy fuzz_view fuzz_kernels fuzz_region fuzz_st; do
    "$build/tests/fuzz/$t" -runs=${FUZZ_RUNS:-200000} -seed=1 "tests/fuzz/corpus/$t" >/dev/null
done
echo "corpus replay and generated inputs:"
gcovr -r . --filter libarrayio/src "$build" | tail -n 10
