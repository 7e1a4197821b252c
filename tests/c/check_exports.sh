#!/bin/sh
# Only arrayio_* symbols may be exported from the shared library.
lib="$1"
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}')
[ -n "$syms" ] || { echo "no exported symbols found in $lib"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v '^arrayio_')
if [ -n "$bad" ]; then
    echo "symbols exported without the arrayio_ prefix:"
    printf '%s\n' "$bad"
    exit 1
fi
printf '%s\n' "$syms" | grep -q '^arrayio_write_fd$' || { echo "API symbol missing"; exit 1; }
echo "$(printf '%s\n' "$syms" | wc -l) exported symbols, all arrayio_*"
