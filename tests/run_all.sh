#!/usr/bin/env bash
# Every test suite, from a clean checkout: installs what it needs (into a
# virtual environment under build/), then runs
#   1. the C unit tests (meson test),
#   2. the same C tests under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. a C example built against the installed library with pkg-config and
#      checked with numpy,
#   4. the fuzz harnesses: corpus replay and generated inputs (in the
#      sanitizer build), then each under libFuzzer for FUZZ_SECONDS (20),
#   5. the Python tests (pytest) against the pip-installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/build
mkdir -p "$build"

step() { printf '\n== %s\n' "$*"; }

step "Python environment"
if [ ! -x "$build/venv/bin/python" ]; then
    python3 -m venv "$build/venv"
fi
py=$build/venv/bin/python
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet "meson>=1.1.0" ninja "meson-python>=0.15" "cffi>=1.15" \
    "numpy>=1.24" "pytest>=7" "hypothesis>=6" arraykit safetensors ml_dtypes
export PATH=$build/venv/bin:$PATH

step "C library and unit tests"
rm -rf "$build/c" "$build/prefix"
meson setup "$build/c" -Dpython=disabled --buildtype=debugoptimized \
    --prefix "$build/prefix" --libdir lib >/dev/null
meson compile -C "$build/c"
meson test -C "$build/c" --print-errorlogs

step "C unit tests and fuzz corpus + generated inputs under ASan + UBSan"
rm -rf "$build/asan"
meson setup "$build/asan" -Dpython=disabled --buildtype=debug \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
meson compile -C "$build/asan"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 meson test -C "$build/asan" --print-errorlogs

step "C example against the installed library (pkg-config)"
meson install -C "$build/c" --quiet
export PKG_CONFIG_PATH=$build/prefix/lib/pkgconfig
cc -std=c99 -Wall -Wextra -pedantic -Werror libarrayio/examples/write_transposed.c \
    $(pkg-config --cflags --libs arrayio) -o "$build/write_transposed"
LD_LIBRARY_PATH=$build/prefix/lib "$build/write_transposed" "$build/transposed.bin"
"$py" -c "
import numpy as np, sys
data = open(sys.argv[1], 'rb').read()
assert data == np.arange(12.0).reshape(3, 4).T.tobytes(), 'example output differs from numpy'
print('example output equals numpy a.T.tobytes()')
" "$build/transposed.bin"

cc -std=c99 -Wall -Wextra -pedantic -Werror libarrayio/examples/npy_example.c \
    $(pkg-config --cflags --libs arrayio) -o "$build/npy_example"
LD_LIBRARY_PATH=$build/prefix/lib "$build/npy_example" write "$build/example.npy"
"$py" -c "
import numpy as np, sys
a = np.load(sys.argv[1])
assert a.dtype == np.dtype('<i4'), a.dtype
assert np.array_equal(a, np.arange(24, dtype='<i4').reshape(4, 6)[:, ::2].T), a
np.save(sys.argv[2], np.asfortranarray(np.arange(12.0).reshape(3, 4)) / 8)
print('example .npy loads in numpy as expected')
" "$build/example.npy" "$build/from_numpy.npy"
out=$(LD_LIBRARY_PATH=$build/prefix/lib "$build/npy_example" read "$build/from_numpy.npy")
echo "$out"
expected="version 1.0, descr '<f8', fortran_order True, shape (3, 4)
sum 8.25"
[ "$out" = "$expected" ] || { echo "npy_example read printed something else"; exit 1; }

step "libFuzzer: each harness for ${FUZZ_SECONDS:-20} s under ASan + UBSan"
if ! command -v clang >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
    else
        echo "clang is needed for the libFuzzer step (apt-get install clang libclang-rt-14-dev)"
        exit 1
    fi
fi
rm -rf "$build/libfuzzer" "$build/fuzz-work"
CC=clang meson setup "$build/libfuzzer" -Dpython=disabled -Dfuzzing_engine=libfuzzer \
    -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized >/dev/null
meson compile -C "$build/libfuzzer" >/dev/null
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 meson test -C "$build/libfuzzer" --suite fuzz --print-errorlogs
for target in fuzz_npy fuzz_view fuzz_kernels fuzz_region fuzz_st; do
    mkdir -p "$build/fuzz-work/$target"
    dict=()
    if [ -f "$root/tests/fuzz/$target.dict" ]; then dict=(-dict="$root/tests/fuzz/$target.dict"); fi
    (cd "$build/fuzz-work" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$build/libfuzzer/tests/fuzz/$target" -max_total_time="${FUZZ_SECONDS:-20}" \
        "${dict[@]}" -print_final_stats=1 "$target" "$root/tests/fuzz/corpus/$target" 2>&1 |
        grep -E "stat::number_of_executed_units|ERROR|invariant|SUMMARY" | sed "s/^/$target: /")
    if ls "$build/fuzz-work"/crash-* "$build/fuzz-work"/leak-* "$build/fuzz-work"/timeout-* >/dev/null 2>&1; then
        echo "$target found a failing input: $(ls "$build/fuzz-work"/crash-* "$build/fuzz-work"/leak-* "$build/fuzz-work"/timeout-* 2>/dev/null)"
        exit 1
    fi
done

step "Python package and tests"
"$py" -m pip install --quiet --no-build-isolation "$root"
cd "$root"
"$py" -m pytest -p no:cacheprovider tests/python -q
