/* Minimal test harness and a naive reference implementation of the stream
 * order, written independently of the library's planner and cursor. */
#ifndef ARRAYIO_TESTUTIL_H
#define ARRAYIO_TESTUTIL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "arrayio.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tu_failures = 0;
static int tu_checks = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        tu_checks++;                                                         \
        if (!(cond)) {                                                       \
            tu_failures++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        long long va_ = (long long)(a), vb_ = (long long)(b);                \
        tu_checks++;                                                         \
        if (va_ != vb_) {                                                    \
            tu_failures++;                                                   \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",      \
                    __FILE__, __LINE__, #a, va_, #b, vb_);                   \
        }                                                                    \
    } while (0)

typedef struct tu_test {
    const char *name;
    void (*fn)(void);
} tu_test;

static inline int tu_run(const tu_test *tests, size_t n)
{
    size_t i, failed = 0;
    for (i = 0; i < n; i++) {
        int before = tu_failures;
        tests[i].fn();
        if (tu_failures != before) {
            failed++;
            printf("FAIL %s\n", tests[i].name);
        } else {
            printf("ok   %s\n", tests[i].name);
        }
    }
    printf("%lu checks\n", (unsigned long)tu_checks);
    printf("%lu passed, %lu failed\n", (unsigned long)(n - failed),
           (unsigned long)failed);
    return failed ? 1 : 0;
}

static inline arrayio_view mkview(void *data, size_t itemsize, int ndim,
                                  const int64_t *shape, const int64_t *strides)
{
    arrayio_view v;
    v.data = data;
    v.itemsize = itemsize;
    v.ndim = ndim;
    v.shape = shape;
    v.strides = strides;
    return v;
}

/* An unlinked temporary file. */
static inline int temp_file(void)
{
    char name[] = "/tmp/arrayio-test-XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0)
        unlink(name);
    return fd;
}

/* xorshift64* */
static uint64_t tu_state = 0x9E3779B97F4A7C15ull;
static inline uint64_t tu_rand(void)
{
    tu_state ^= tu_state >> 12;
    tu_state ^= tu_state << 25;
    tu_state ^= tu_state >> 27;
    return tu_state * 2685821657736338717ull;
}
static inline int64_t tu_range(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(tu_rand() % (uint64_t)(hi - lo + 1));
}

/* Byte offset of item number k (in `order`) of a view, computed from the
 * multi-index directly. */
static inline int64_t tu_item_offset(const arrayio_view *v, int order, uint64_t k)
{
    int64_t off = 0;
    int i;
    for (i = 0; i < v->ndim; i++) {
        int d = order == 'C' ? v->ndim - 1 - i : i;
        uint64_t ext = (uint64_t)v->shape[d];
        off += (int64_t)(k % ext) * v->strides[d];
        k /= ext;
    }
    return off;
}

static inline uint64_t tu_nitems(const arrayio_view *v)
{
    uint64_t n = 1;
    int d;
    for (d = 0; d < v->ndim; d++)
        n *= (uint64_t)v->shape[d];
    return n;
}

static inline void tu_ref_pack(const arrayio_view *v, int order, unsigned char *out)
{
    uint64_t k, n = tu_nitems(v);
    for (k = 0; k < n; k++)
        memcpy(out + k * v->itemsize,
               (const char *)v->data + tu_item_offset(v, order, k),
               v->itemsize);
}

static inline void tu_ref_unpack(const arrayio_view *v, int order,
                          const unsigned char *in)
{
    uint64_t k, n = tu_nitems(v);
    for (k = 0; k < n; k++)
        memcpy((char *)v->data + tu_item_offset(v, order, k),
               in + k * v->itemsize, v->itemsize);
}

/* A random view inside a fresh buffer.  With `disjoint`, items never
 * overlap (a permuted, reversed, stepped slice of a contiguous block);
 * otherwise strides are arbitrary bytes, zero and negative included. */
typedef struct tu_rview {
    arrayio_view v;
    int64_t shape[8], strides[8];
    unsigned char *buf;
    size_t buflen;
} tu_rview;

static inline void tu_make_view(tu_rview *r, int disjoint)
{
    static const size_t sizes[] = {1, 2, 3, 4, 8, 12, 16, 17};
    int64_t low = 0, high, span;
    int d;

    r->v.itemsize = sizes[tu_range(0, 7)];
    r->v.ndim = (int)tu_range(0, 5);
    for (d = 0; d < r->v.ndim; d++)
        r->shape[d] = tu_range(0, 5) == 0 ? tu_range(0, 1) : tu_range(1, 6);
    if (disjoint) {
        int64_t perm[8], step[8], stride = (int64_t)r->v.itemsize;
        for (d = 0; d < r->v.ndim; d++)
            perm[d] = d;
        for (d = r->v.ndim - 1; d > 0; d--) {
            int j = (int)tu_range(0, d);
            int64_t t = perm[d];
            perm[d] = perm[j];
            perm[j] = t;
        }
        for (d = 0; d < r->v.ndim; d++)
            step[d] = tu_range(1, 2);
        for (d = r->v.ndim - 1; d >= 0; d--) {
            int p = (int)perm[d];
            r->strides[p] = stride * step[p] * (tu_range(0, 3) == 0 ? -1 : 1);
            stride *= step[p] * (r->shape[p] ? r->shape[p] : 1);
        }
    } else {
        for (d = 0; d < r->v.ndim; d++)
            r->strides[d] = tu_range(-40, 40);
    }
    high = (int64_t)r->v.itemsize;
    for (d = 0; d < r->v.ndim; d++) {
        if (r->shape[d] < 1)
            continue;
        span = (r->shape[d] - 1) * r->strides[d];
        if (span < 0)
            low += span;
        else
            high += span;
    }
    r->buflen = (size_t)(high - low) + 32;
    r->buf = (unsigned char *)malloc(r->buflen);
    for (d = 0; d < (int)r->buflen; d++)
        r->buf[d] = (unsigned char)tu_rand();
    r->v.data = r->buf + 16 - low;
    r->v.shape = r->shape;
    r->v.strides = r->strides;
}

/* arrayio_st_parse as a caller does it: learn the work size, allocate
 * exactly that, parse again.  *work (free it) is NULL when the first call
 * already failed. */
static inline int tu_st_parse(const char *json, size_t n, uint64_t data_size,
                              arrayio_st_header *h, char **work)
{
    int st = arrayio_st_parse(json, n, data_size, NULL, 0, h);
    *work = NULL;
    if (st != ARRAYIO_ERR_SIZE)
        return st;
    *work = (char *)malloc(h->work_size);
    return arrayio_st_parse(json, n, data_size, *work, h->work_size, h);
}

#endif
