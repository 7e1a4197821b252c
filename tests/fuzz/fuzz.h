/* Shared by the fuzz harnesses: the entry point every harness defines, a
 * reader that draws parameters from the input bytes, and an abort that
 * names the broken invariant.  The naive reference loops come from the
 * unit tests (tests/c/testutil.h). */
#ifndef ARRAYIO_FUZZ_H
#define ARRAYIO_FUZZ_H

#include "testutil.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,       \
                    __LINE__, #cond);                                        \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* Parameters are taken from the front of the input; once it runs out every
 * draw is 0, so any input is a valid program. */
typedef struct fuzz_input {
    const uint8_t *p;
    size_t n;
} fuzz_input;

static inline uint64_t fz_bits(fuzz_input *in, int bytes)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < bytes; i++) {
        v <<= 8;
        if (in->n) {
            v |= *in->p++;
            in->n--;
        }
    }
    return v;
}

/* A value in [lo, hi] (inclusive). */
static inline int64_t fz_range(fuzz_input *in, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    int bytes = span <= 0x100 ? 1 : span <= 0x10000 ? 2 : span <= 0x100000000ull ? 4 : 8;
    uint64_t v = fz_bits(in, bytes);
    return span == 0 ? (int64_t)v : lo + (int64_t)(v % span);
}

/* Any int64: mostly small, sometimes at the extremes, so overflow checks
 * see both. */
static inline int64_t fz_i64(fuzz_input *in)
{
    switch (fz_bits(in, 1) & 7) {
    case 0:
        return INT64_MAX - fz_range(in, 0, 255);
    case 1:
        return INT64_MIN + fz_range(in, 0, 255);
    case 2:
        return (int64_t)fz_bits(in, 8);
    default:
        return fz_range(in, -64, 64);
    }
}

#endif
