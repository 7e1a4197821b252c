/* Internal declarations shared by the library's sources.  Not installed. */
#ifndef ARRAYIO_INTERNAL_H
#define ARRAYIO_INTERNAL_H

#include "arrayio.h"

#include <stddef.h>
#include <stdint.h>

/* Overflow-checked int64 arithmetic: return 0 and store the result, or
 * return 1 when the exact result does not fit. */
static inline int arrayio__mul_i64(int64_t a, int64_t b, int64_t *r)
{
    if (a == 0 || b == 0) {
        *r = 0;
        return 0;
    }
    if (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
              : (b > 0 ? a < INT64_MIN / b : b < INT64_MAX / a))
        return 1;
    *r = a * b;
    return 0;
}

static inline int arrayio__add_i64(int64_t a, int64_t b, int64_t *r)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return 1;
    *r = a + b;
    return 0;
}

/* The loop plan of a view in a stream order: extents of 1 dropped,
 * dimensions whose strides chain merged, and trailing dimensions that are
 * contiguous folded into `block`, the bytes of one contiguous block.  The
 * stream is then: for each index of the loop dims (outermost first, last
 * fastest), `block` bytes at base + sum(index[d] * strides[d]). */
typedef struct arrayio_plan {
    arrayio_extent ext;
    size_t block;
    int ndim;
    int64_t shape[ARRAYIO_MAX_DIMS];
    int64_t strides[ARRAYIO_MAX_DIMS];
} arrayio_plan;

/* The checks of arrayio_view_check that do not involve the data pointer:
 * a layout of items at byte offsets from some base (memory or a file). */
int arrayio__layout_check(size_t itemsize, int ndim, const int64_t *shape,
                          const int64_t *strides, arrayio_extent *out);

/* Validate `view` and plan it in `order`.  Returns an arrayio_status. */
int arrayio__plan(const arrayio_view *view, int order, arrayio_plan *plan);

/* Plan a layout already checked into plan->ext. */
void arrayio__plan_layout(size_t itemsize, int ndim, const int64_t *shape,
                          const int64_t *strides, int order,
                          arrayio_plan *plan);

/* Start a cursor on a plan; base may be NULL when only offsets are used. */
void arrayio__cursor_start(arrayio_cursor *cur, char *base,
                           const arrayio_plan *plan, int order);

/* count blocks of `block` bytes: dst + i*dstride <- src + i*sstride. */
void arrayio__copy_blocks(char *dst, ptrdiff_t dstride, const char *src,
                          ptrdiff_t sstride, size_t block, size_t count);

/* n0 x n1 items of `block` bytes: item (i, j) goes from src + i*s0 + j*s1
 * to dst + i*d0 + j*d1, in cache-shaped tiles (best with the destination
 * contiguous along j and the source along i).  The order in which
 * items land is not the row order: dst items must not overlap. */
void arrayio__copy_2d(char *dst, ptrdiff_t d0, ptrdiff_t d1, const char *src,
                      ptrdiff_t s0, ptrdiff_t s1, size_t block, size_t n0,
                      size_t n1);

/* Length of the valid UTF-8 sequence at s (1-4; s < end), or 0.  Overlong
 * forms, surrogates and code points above U+10FFFF are invalid, as in
 * Python; *cp gets the code point. */
size_t arrayio__utf8_seq(const unsigned char *s, const unsigned char *end,
                         uint32_t *cp);

/* 1 when [a, a + alen) and [b, b + blen) share a byte. */
static inline int arrayio__ranges_overlap(const void *a, size_t alen,
                                          const void *b, size_t blen)
{
    uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    if (alen == 0 || blen == 0)
        return 0;
    return pa < pb + blen && pb < pa + alen;
}

#endif
