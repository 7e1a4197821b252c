/* Unit tests of the view, kernel and cursor functions against the naive
 * reference in testutil.h. */
#include "testutil.h"

#ifndef ARRAYIO_BUILD_VERSION
#error "the build passes ARRAYIO_BUILD_VERSION (meson project version)"
#endif

static void test_version(void)
{
    CHECK(strcmp(arrayio_version_string(), ARRAYIO_VERSION_STRING) == 0);
    CHECK(strcmp(ARRAYIO_VERSION_STRING, ARRAYIO_BUILD_VERSION) == 0);
    CHECK_EQ(arrayio_version_number(), ARRAYIO_VERSION_NUMBER);
    CHECK_EQ(ARRAYIO_VERSION_NUMBER, ARRAYIO_VERSION_MAJOR * 10000 +
                                         ARRAYIO_VERSION_MINOR * 100 +
                                         ARRAYIO_VERSION_PATCH);
}

static void test_error_names(void)
{
    int c, j;
    for (c = 0; c < ARRAYIO_STATUS_COUNT; c++) {
        CHECK(strncmp(arrayio_error_name(c), "ARRAYIO_", 8) == 0);
        CHECK(strlen(arrayio_strerror(c)) > 3);
        for (j = 0; j < c; j++)
            CHECK(strcmp(arrayio_error_name(c), arrayio_error_name(j)) != 0);
    }
    CHECK(strcmp(arrayio_error_name(ARRAYIO_ERR_EOF), "ARRAYIO_ERR_EOF") == 0);
    CHECK(strcmp(arrayio_error_name(ARRAYIO_ERR_RANGE), "ARRAYIO_ERR_RANGE") == 0);
    CHECK(strcmp(arrayio_error_name(-1), "ARRAYIO_ERR_UNKNOWN") == 0);
    CHECK(strcmp(arrayio_error_name(ARRAYIO_STATUS_COUNT), "ARRAYIO_ERR_UNKNOWN") == 0);
    CHECK(strcmp(arrayio_strerror(1000), "unknown status code") == 0);
}

static void test_view_check_errors(void)
{
    char buf[64];
    int64_t shape[2] = {2, 3}, strides[2] = {24, 8};
    int64_t neg[2] = {2, -1}, big[2] = {INT64_MAX / 2, 4}, zero_big[3] = {0, INT64_MAX, 2};
    int64_t huge_stride[2] = {INT64_MAX / 2, 8};
    arrayio_extent e;
    arrayio_view v;

    memset(&e, 0x5a, sizeof e);
    CHECK_EQ(arrayio_view_check(NULL, &e), ARRAYIO_ERR_NULL);
    v = mkview(buf, 0, 2, shape, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_ITEMSIZE);
    v = mkview(buf, (size_t)PTRDIFF_MAX + 1u, 0, NULL, NULL);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_OVERFLOW);
    v = mkview(buf, 8, -1, shape, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_NDIM);
    v = mkview(buf, (size_t)PTRDIFF_MAX + 1u, -1, NULL, NULL); /* ndim first */
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_NDIM);
    v = mkview(buf, 8, ARRAYIO_MAX_DIMS + 1, shape, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_NDIM);
    v = mkview(buf, 8, 2, NULL, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_NULL);
    v = mkview(buf, 8, 2, shape, NULL);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_NULL);
    v = mkview(buf, 8, 2, neg, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_SHAPE);
    v = mkview(buf, 8, 2, big, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_OVERFLOW);
    /* a zero extent does not excuse an overflowing product of the others */
    v = mkview(buf, 1, 3, zero_big, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_OVERFLOW);
    v = mkview(NULL, 8, 2, shape, strides);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_NULL);
    /* stride times extent overflows */
    {
        int64_t four[2] = {4, 3};
        v = mkview(buf, 8, 2, four, huge_stride);
        CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_OVERFLOW);
    }
    {
        int64_t s1[1] = {3}, st1[1] = {INT64_MAX / 2 - 1};
        int64_t st2[1] = {-(INT64_MAX / 4)};
        int64_t s3[2] = {2, 2}, st3[2] = {INT64_MAX / 2, -(INT64_MAX / 2)};
        v = mkview(buf, 8, 1, s1, st1); /* high overflows */
        CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_OVERFLOW);
        v = mkview(buf, 8, 1, s1, st2); /* wraps below address 0 */
        CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_OVERFLOW);
        v = mkview(buf, 8, 2, s3, st3); /* span too wide */
        CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_ERR_OVERFLOW);
    }
    /* none of the failures above wrote to e */
    {
        arrayio_extent untouched;
        memset(&untouched, 0x5a, sizeof untouched);
        CHECK(memcmp(&e, &untouched, sizeof e) == 0);
    }
    v = mkview(buf, 8, 2, shape, strides);
    CHECK_EQ(arrayio_view_check(&v, NULL), ARRAYIO_OK);
}

static void test_view_check_extent(void)
{
    static char buf[4096];
    arrayio_extent e;
    arrayio_view v;
    int64_t shape[3] = {2, 3, 4};
    int64_t c_str[3] = {96, 32, 8}, f_str[3] = {8, 16, 48};
    int64_t rev[3] = {-96, 32, -8}, bcast[3] = {0, 32, 8};
    int64_t shape0[3] = {2, 0, 4}, ones[3] = {1, 3, 1}, ones_str[3] = {7, 8, 99};

    v = mkview(buf + 2048, 8, 3, shape, c_str);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_OK);
    CHECK_EQ(e.nitems, 24);
    CHECK_EQ(e.nbytes, 192);
    CHECK_EQ(e.low, 0);
    CHECK_EQ(e.high, 192);
    CHECK_EQ(e.flags, ARRAYIO_C_CONTIGUOUS);

    v = mkview(buf + 2048, 8, 3, shape, f_str);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_OK);
    CHECK_EQ(e.flags, ARRAYIO_F_CONTIGUOUS);
    CHECK_EQ(e.high, 192);

    v = mkview(buf + 2048, 8, 3, shape, rev);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_OK);
    CHECK_EQ(e.low, -96 - 24);
    CHECK_EQ(e.high, 64 + 8);
    CHECK_EQ(e.flags, 0);

    v = mkview(buf + 2048, 8, 3, shape, bcast);
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_OK);
    CHECK_EQ(e.nbytes, 192);
    CHECK_EQ(e.high, 96);

    v = mkview(NULL, 8, 3, shape0, rev); /* empty: data may be NULL */
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_OK);
    CHECK_EQ(e.nitems, 0);
    CHECK_EQ(e.nbytes, 0);
    CHECK_EQ(e.low, 0);
    CHECK_EQ(e.high, 0);
    CHECK_EQ(e.flags, ARRAYIO_C_CONTIGUOUS | ARRAYIO_F_CONTIGUOUS);

    v = mkview(buf, 8, 3, ones, ones_str); /* extents of 1 ignore strides */
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_OK);
    CHECK_EQ(e.flags, ARRAYIO_C_CONTIGUOUS | ARRAYIO_F_CONTIGUOUS);
    CHECK_EQ(e.high, 24);

    v = mkview(buf, 5, 0, NULL, NULL); /* 0-d */
    CHECK_EQ(arrayio_view_check(&v, &e), ARRAYIO_OK);
    CHECK_EQ(e.nitems, 1);
    CHECK_EQ(e.nbytes, 5);
    CHECK_EQ(e.high, 5);
}

static void test_max_dims(void)
{
    int64_t shape[ARRAYIO_MAX_DIMS], strides[ARRAYIO_MAX_DIMS];
    unsigned char src[16], out[16], ref[16];
    arrayio_view v;
    int d;

    /* 64 dimensions, four of extent 2 (reversed), the rest of extent 1 */
    for (d = 0; d < ARRAYIO_MAX_DIMS; d++) {
        shape[d] = 1;
        strides[d] = 1000;
    }
    shape[3] = 2, strides[3] = -1;
    shape[20] = 2, strides[20] = 2;
    shape[40] = 2, strides[40] = 4;
    shape[63] = 2, strides[63] = 8;
    for (d = 0; d < 16; d++)
        src[d] = (unsigned char)d;
    v = mkview(src + 1, 1, ARRAYIO_MAX_DIMS, shape, strides);
    CHECK_EQ(arrayio_pack(&v, 'C', out, sizeof out), ARRAYIO_OK);
    tu_ref_pack(&v, 'C', ref);
    CHECK(memcmp(out, ref, 16) == 0);
    CHECK_EQ(arrayio_pack(&v, 'F', out, sizeof out), ARRAYIO_OK);
    tu_ref_pack(&v, 'F', ref);
    CHECK(memcmp(out, ref, 16) == 0);
}

static void test_pack_unpack_random(void)
{
    int iter;
    for (iter = 0; iter < 3000; iter++) {
        tu_rview r;
        int order = (iter & 1) ? 'F' : 'C';
        size_t nbytes, i;
        unsigned char *out, *ref, *before, *expect;

        tu_make_view(&r, iter % 3 == 0);
        nbytes = (size_t)tu_nitems(&r.v) * r.v.itemsize;
        out = (unsigned char *)malloc(nbytes + 8);
        ref = (unsigned char *)malloc(nbytes + 8);
        memset(out, 0xEE, nbytes + 8);
        tu_ref_pack(&r.v, order, ref);
        CHECK_EQ(arrayio_pack(&r.v, order, out, nbytes + 8), ARRAYIO_OK);
        CHECK(memcmp(out, ref, nbytes) == 0);
        CHECK(out[nbytes] == 0xEE); /* nothing past nbytes */

        /* unpack random bytes; compare the whole buffer with the naive
         * scatter (overlapping items: last in stream order wins) */
        for (i = 0; i < nbytes; i++)
            ref[i] = (unsigned char)tu_rand();
        before = (unsigned char *)malloc(r.buflen);
        expect = (unsigned char *)malloc(r.buflen);
        memcpy(before, r.buf, r.buflen);
        CHECK_EQ(arrayio_unpack(&r.v, order, ref, nbytes), ARRAYIO_OK);
        memcpy(expect, r.buf, r.buflen);
        memcpy(r.buf, before, r.buflen);
        tu_ref_unpack(&r.v, order, ref);
        CHECK(memcmp(expect, r.buf, r.buflen) == 0);
        free(before);
        free(expect);
        free(out);
        free(ref);
        free(r.buf);
    }
}

static void test_pack_errors(void)
{
    unsigned char buf[256];
    int64_t shape[2] = {2, 3}, strides[2] = {24, 8};
    arrayio_view v = mkview(buf, 8, 2, shape, strides);
    unsigned char out[48];

    memset(out, 7, sizeof out);
    CHECK_EQ(arrayio_pack(&v, 'X', out, 48), ARRAYIO_ERR_ORDER);
    CHECK_EQ(arrayio_pack(&v, 'c', out, 48), ARRAYIO_ERR_ORDER);
    CHECK_EQ(arrayio_pack(&v, 'C', NULL, 48), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_pack(&v, 'C', out, 47), ARRAYIO_ERR_SIZE);
    CHECK_EQ(arrayio_pack(&v, 'C', buf + 40, 48), ARRAYIO_ERR_OVERLAP);
    CHECK_EQ(arrayio_pack(NULL, 'C', out, 48), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_unpack(&v, 'C', out, 47), ARRAYIO_ERR_SIZE);
    CHECK_EQ(arrayio_unpack(&v, 'C', buf + 47, 48), ARRAYIO_ERR_OVERLAP);
    CHECK_EQ(arrayio_unpack(&v, 'F', NULL, 48), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_unpack(&v, 0, out, 48), ARRAYIO_ERR_ORDER);
    {
        int i, all7 = 1;
        for (i = 0; i < 48; i++)
            all7 &= out[i] == 7;
        CHECK(all7); /* failed packs wrote nothing */
    }
    /* an empty view needs no buffer at all */
    {
        int64_t s0[2] = {0, 3};
        arrayio_view e = mkview(NULL, 8, 2, s0, strides);
        CHECK_EQ(arrayio_pack(&e, 'C', NULL, 0), ARRAYIO_OK);
        CHECK_EQ(arrayio_unpack(&e, 'F', NULL, 0), ARRAYIO_OK);
    }
}

static void test_cursor_chunks(void)
{
    int iter;
    for (iter = 0; iter < 1500; iter++) {
        tu_rview r;
        arrayio_cursor cur;
        int order = (iter & 1) ? 'C' : 'F';
        size_t nbytes, pos = 0, chunk, got;
        unsigned char *ref, *out;

        tu_make_view(&r, iter % 2 == 0);
        nbytes = (size_t)tu_nitems(&r.v) * r.v.itemsize;
        ref = (unsigned char *)malloc(nbytes + 1);
        out = (unsigned char *)malloc(nbytes + 1);
        tu_ref_pack(&r.v, order, ref);
        CHECK_EQ(arrayio_cursor_init(&cur, &r.v, order), ARRAYIO_OK);
        CHECK_EQ(cur.total, nbytes);
        /* fill in random chunk sizes, some ending inside an item */
        while (pos < nbytes) {
            chunk = (size_t)tu_range(0, 2 * (int64_t)r.v.itemsize + 3);
            got = arrayio_cursor_fill(&cur, out + pos, chunk);
            CHECK_EQ(got, chunk < nbytes - pos ? chunk : nbytes - pos);
            pos += got;
            CHECK_EQ(cur.pos, pos);
        }
        CHECK_EQ(arrayio_cursor_fill(&cur, out, 10), 0);
        CHECK(memcmp(out, ref, nbytes) == 0);

        /* seek to random positions and read the rest */
        if (nbytes > 0) {
            size_t at = (size_t)tu_range(0, (int64_t)nbytes);
            void *mem = NULL;
            size_t run;
            CHECK_EQ(arrayio_cursor_seek(&cur, at), ARRAYIO_OK);
            run = arrayio_cursor_span(&cur, &mem);
            if (at < nbytes) {
                CHECK(run >= 1 && run <= nbytes - at);
                CHECK(memcmp(mem, ref + at, run) == 0);
            } else {
                CHECK_EQ(run, 0);
            }
            CHECK_EQ(arrayio_cursor_fill(&cur, out, nbytes), nbytes - at);
            CHECK(memcmp(out, ref + at, nbytes - at) == 0);
        }
        CHECK_EQ(arrayio_cursor_seek(&cur, nbytes + 1), ARRAYIO_ERR_RANGE);

        /* drain in chunks into a disjoint view and compare to unpack */
        if (iter % 2 == 0 && nbytes > 0) {
            unsigned char *copy = (unsigned char *)malloc(r.buflen);
            size_t i;
            for (i = 0; i < nbytes; i++)
                ref[i] = (unsigned char)tu_rand();
            memcpy(copy, r.buf, r.buflen);
            CHECK_EQ(arrayio_cursor_init(&cur, &r.v, order), ARRAYIO_OK);
            for (pos = 0; pos < nbytes; pos += got) {
                chunk = (size_t)tu_range(1, 3 * (int64_t)r.v.itemsize);
                got = arrayio_cursor_drain(&cur, ref + pos, chunk);
                CHECK(got > 0);
            }
            CHECK_EQ(arrayio_cursor_drain(&cur, ref, 5), 0);
            memcpy(out, r.buf, 0);
            {
                unsigned char *mine = (unsigned char *)malloc(r.buflen);
                memcpy(mine, r.buf, r.buflen);
                memcpy(r.buf, copy, r.buflen);
                tu_ref_unpack(&r.v, order, ref);
                CHECK(memcmp(mine, r.buf, r.buflen) == 0);
                free(mine);
            }
            free(copy);
        }
        free(ref);
        free(out);
        free(r.buf);
    }
}

static void test_cursor_errors(void)
{
    arrayio_cursor cur;
    unsigned char buf[16];
    int64_t shape[1] = {-2}, strides[1] = {1};
    arrayio_view v = mkview(buf, 1, 1, shape, strides);
    void *mem = buf;

    CHECK_EQ(arrayio_cursor_init(NULL, &v, 'C'), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_cursor_init(&cur, &v, 'C'), ARRAYIO_ERR_SHAPE);
    shape[0] = 2;
    CHECK_EQ(arrayio_cursor_init(&cur, &v, 'K'), ARRAYIO_ERR_ORDER);
    shape[0] = 0;
    CHECK_EQ(arrayio_cursor_init(&cur, &v, 'C'), ARRAYIO_OK);
    CHECK_EQ(cur.total, 0);
    CHECK_EQ(arrayio_cursor_fill(&cur, buf, 16), 0);
    CHECK_EQ(arrayio_cursor_drain(&cur, buf, 16), 0);
    CHECK_EQ(arrayio_cursor_span(&cur, &mem), 0);
    CHECK(mem == NULL);
    CHECK_EQ(arrayio_cursor_seek(&cur, 0), ARRAYIO_OK);
    CHECK_EQ(arrayio_cursor_seek(&cur, 1), ARRAYIO_ERR_RANGE);
}

/* copy between disjoint views and between views of one buffer */
static void test_copy_random(void)
{
    int iter;
    for (iter = 0; iter < 3000; iter++) {
        tu_rview s, d;
        int k;
        size_t nbytes;
        unsigned char *tmp, *expect;

        tu_make_view(&s, iter % 4 == 0);
        /* a destination of the same shape and itemsize, items disjoint */
        memset(&d, 0, sizeof d);
        d.v.itemsize = s.v.itemsize;
        d.v.ndim = s.v.ndim;
        d.v.shape = d.shape;
        d.v.strides = d.strides;
        for (k = 0; k < s.v.ndim; k++)
            d.shape[k] = s.shape[k];
        /* strides: a permuted, partly reversed contiguous layout */
        {
            int64_t stride = (int64_t)d.v.itemsize, low = 0, high;
            int kk;
            for (kk = d.v.ndim - 1; kk >= 0; kk--) {
                int p = (iter & 2) ? kk : d.v.ndim - 1 - kk;
                d.strides[p] = (tu_range(0, 2) == 0 ? -stride : stride);
                stride *= d.shape[p] ? d.shape[p] : 1;
            }
            high = (int64_t)d.v.itemsize;
            for (kk = 0; kk < d.v.ndim; kk++) {
                int64_t span;
                if (d.shape[kk] < 1)
                    continue;
                span = (d.shape[kk] - 1) * d.strides[kk];
                if (span < 0)
                    low += span;
                else
                    high += span;
            }
            d.buflen = (size_t)(high - low) + 32;
            d.buf = (unsigned char *)calloc(d.buflen, 1);
            d.v.data = d.buf + 16 - low;
        }
        nbytes = (size_t)tu_nitems(&s.v) * s.v.itemsize;
        tmp = (unsigned char *)malloc(nbytes + 1);
        expect = (unsigned char *)malloc(d.buflen);
        tu_ref_pack(&s.v, 'C', tmp);
        memcpy(expect, d.buf, d.buflen);
        CHECK_EQ(arrayio_copy(&d.v, &s.v), ARRAYIO_OK);
        {
            unsigned char *mine = (unsigned char *)malloc(d.buflen);
            memcpy(mine, d.buf, d.buflen);
            memcpy(d.buf, expect, d.buflen);
            tu_ref_unpack(&d.v, 'C', tmp);
            CHECK(memcmp(mine, d.buf, d.buflen) == 0);
            free(mine);
        }

        /* overlapping: the destination is a view into the source's own
         * buffer, shifted by a random amount */
        if (nbytes > 0 && d.buflen <= s.buflen) {
            arrayio_view ov = d.v;
            unsigned char *before = (unsigned char *)malloc(s.buflen);
            unsigned char *mine = (unsigned char *)malloc(s.buflen);
            int64_t shift = tu_range(0, (int64_t)(s.buflen - d.buflen));
            ov.data = s.buf + ((unsigned char *)d.v.data - d.buf) + shift;
            memcpy(before, s.buf, s.buflen);
            CHECK_EQ(arrayio_copy(&ov, &s.v), ARRAYIO_OK);
            memcpy(mine, s.buf, s.buflen);
            memcpy(s.buf, before, s.buflen);
            tu_ref_pack(&s.v, 'C', tmp);
            tu_ref_unpack(&ov, 'C', tmp);
            CHECK(memcmp(mine, s.buf, s.buflen) == 0);
            free(before);
            free(mine);
        }
        free(tmp);
        free(expect);
        free(s.buf);
        free(d.buf);
    }
}

static void test_copy_overlap_cases(void)
{
    double a[10], ref[10];
    int64_t shape[1] = {9}, fwd[1] = {8}, back[1] = {-8};
    arrayio_view dst, src;
    int i;

    /* shift right by one item: a memmove, not a smear */
    for (i = 0; i < 10; i++)
        a[i] = ref[i] = i;
    dst = mkview(a + 1, 8, 1, shape, fwd);
    src = mkview(a, 8, 1, shape, fwd);
    CHECK_EQ(arrayio_copy(&dst, &src), ARRAYIO_OK);
    for (i = 0; i < 9; i++)
        ref[i + 1] = i;
    CHECK(memcmp(a, ref, sizeof a) == 0);

    /* reverse in place */
    for (i = 0; i < 10; i++)
        a[i] = i;
    shape[0] = 10;
    dst = mkview(a, 8, 1, shape, fwd);
    src = mkview(a + 9, 8, 1, shape, back);
    CHECK_EQ(arrayio_copy(&dst, &src), ARRAYIO_OK);
    for (i = 0; i < 10; i++)
        CHECK(a[i] == 9 - i);

    /* the very same view: unchanged */
    src = mkview(a, 8, 1, shape, fwd);
    CHECK_EQ(arrayio_copy(&dst, &src), ARRAYIO_OK);
    for (i = 0; i < 10; i++)
        CHECK(a[i] == 9 - i);
}

static void test_copy_errors(void)
{
    double a[6], b[6];
    int64_t s1[2] = {2, 3}, s2[2] = {3, 2}, st[2] = {24, 8}, st2[2] = {16, 8};
    int64_t bad[2] = {2, -3};
    arrayio_view dst = mkview(a, 8, 2, s1, st), src = mkview(b, 8, 2, s2, st2);

    for (int i = 0; i < 6; i++)
        a[i] = -1.0, b[i] = i;
    CHECK_EQ(arrayio_copy(&dst, &src), ARRAYIO_ERR_MISMATCH);
    src = mkview(b, 4, 2, s1, st);
    CHECK_EQ(arrayio_copy(&dst, &src), ARRAYIO_ERR_MISMATCH);
    src = mkview(b, 8, 1, s1, st);
    CHECK_EQ(arrayio_copy(&dst, &src), ARRAYIO_ERR_MISMATCH);
    src = mkview(b, 8, 2, bad, st);
    CHECK_EQ(arrayio_copy(&dst, &src), ARRAYIO_ERR_SHAPE);
    CHECK_EQ(arrayio_copy(&src, &dst), ARRAYIO_ERR_SHAPE);
    CHECK_EQ(arrayio_copy(NULL, &dst), ARRAYIO_ERR_NULL);
    for (int i = 0; i < 6; i++)
        CHECK(a[i] == -1.0); /* untouched */
}


/* Transposes big enough for several tiles, with odd edges, every
 * specialised item size: pack, chunked cursor fill/drain, copy. */
static void test_tiled_transposes(void)
{
    static const size_t sizes[] = {1, 2, 3, 4, 8, 12, 16, 24};
    static const int64_t dims[][2] = {{70, 45}, {33, 97}, {2, 300}, {129, 3}};
    size_t si, di;
    for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (di = 0; di < sizeof dims / sizeof dims[0]; di++) {
            size_t is = sizes[si], n = (size_t)(dims[di][0] * dims[di][1]) * is, i, pos;
            unsigned char *mem = (unsigned char *)malloc(n), *out = (unsigned char *)malloc(n),
                          *ref = (unsigned char *)malloc(n), *back = (unsigned char *)malloc(n),
                          *back_ref = (unsigned char *)malloc(n);
            /* mem holds a C-contiguous (rows, cols) array; view its transpose */
            int64_t shape[2], strides[2];
            arrayio_view t, d;
            arrayio_cursor cur;
            int order;
            shape[0] = dims[di][1];
            shape[1] = dims[di][0];
            strides[0] = (int64_t)is;
            strides[1] = (int64_t)is * dims[di][1];
            for (i = 0; i < n; i++)
                mem[i] = (unsigned char)tu_rand();
            t = mkview(mem, is, 2, shape, strides);
            for (order = 0; order < 2; order++) {
                int o = order ? 'F' : 'C';
                size_t chunk = (size_t)tu_range(1, (int64_t)n);
                tu_ref_pack(&t, o, ref);
                CHECK_EQ(arrayio_pack(&t, o, out, n), ARRAYIO_OK);
                CHECK(memcmp(out, ref, n) == 0);
                CHECK_EQ(arrayio_cursor_init(&cur, &t, o), ARRAYIO_OK);
                for (pos = 0; pos < n; pos += chunk)
                    arrayio_cursor_fill(&cur, out + pos, chunk < n - pos ? chunk : n - pos);
                CHECK(memcmp(out, ref, n) == 0);
                /* drain into the transposed view in chunks */
                for (i = 0; i < n; i++)
                    out[i] = (unsigned char)tu_rand();
                memcpy(back_ref, mem, n);
                {
                    arrayio_view r = t;
                    r.data = back_ref;
                    tu_ref_unpack(&r, o, out);
                }
                CHECK_EQ(arrayio_cursor_init(&cur, &t, o), ARRAYIO_OK);
                for (pos = 0; pos < n; pos += chunk)
                    arrayio_cursor_drain(&cur, out + pos, chunk < n - pos ? chunk : n - pos);
                CHECK(memcmp(mem, back_ref, n) == 0);
            }
            /* copy the transpose into a C-contiguous array */
            {
                int64_t cstr[2];
                cstr[0] = (int64_t)is * shape[1];
                cstr[1] = (int64_t)is;
                d = mkview(back, is, 2, shape, cstr);
                CHECK_EQ(arrayio_copy(&d, &t), ARRAYIO_OK);
                tu_ref_pack(&t, 'C', ref);
                CHECK(memcmp(back, ref, n) == 0);
            }
            free(mem);
            free(out);
            free(ref);
            free(back);
            free(back_ref);
        }
}

int main(void)
{
    static const tu_test tests[] = {
        {"version", test_version},
        {"error_names", test_error_names},
        {"view_check_errors", test_view_check_errors},
        {"view_check_extent", test_view_check_extent},
        {"max_dims", test_max_dims},
        {"pack_unpack_random", test_pack_unpack_random},
        {"pack_errors", test_pack_errors},
        {"cursor_chunks", test_cursor_chunks},
        {"cursor_errors", test_cursor_errors},
        {"copy_random", test_copy_random},
        {"copy_overlap_cases", test_copy_overlap_cases},
        {"copy_errors", test_copy_errors},
        {"tiled_transposes", test_tiled_transposes},
    };
    return tu_run(tests, sizeof tests / sizeof tests[0]);
}
