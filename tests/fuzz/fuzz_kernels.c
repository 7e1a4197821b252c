/* Fuzz pack, unpack, copy and the cursor on small views drawn from the
 * input (item sizes 1-20, up to 5 dimensions, extents 0-6, strides
 * -48..48 bytes: zero, negative, overlapping), against the naive index
 * loop.  Chunk sizes and seek positions come from the input too. */
#include "fuzz.h"

#define ARENA 8192

typedef struct fview {
    arrayio_view v;
    int64_t shape[5], strides[5];
} fview;

/* Set f's data to a place in arena (of ARENA bytes) drawn from the input
 * where all its bytes fit (shape and strides set), or refuse (return 0). */
static int place_view(fuzz_input *in, fview *f, unsigned char *arena)
{
    int64_t low = 0, high = (int64_t)f->v.itemsize, place;
    int d;
    for (d = 0; d < f->v.ndim; d++)
        if (f->shape[d] > 1) {
            int64_t span = (f->shape[d] - 1) * f->strides[d];
            if (span < 0)
                low += span;
            else
                high += span;
        }
    if (high - low > ARENA)
        return 0;
    place = fz_range(in, 0, ARENA - (high - low));
    f->v.data = arena + place - low;
    return 1;
}

/* A view of drawn strides into arena, or refuse (return 0) when it does not
 * fit. */
static int draw_view(fuzz_input *in, fview *f, unsigned char *arena,
                     size_t itemsize, int ndim, const int64_t *shape)
{
    int d;
    f->v.itemsize = itemsize;
    f->v.ndim = ndim;
    f->v.shape = f->shape;
    f->v.strides = f->strides;
    for (d = 0; d < ndim; d++) {
        f->shape[d] = shape[d];
        f->strides[d] = fz_range(in, -48, 48);
    }
    return place_view(in, f, arena);
}

static uint64_t nbytes_of(const arrayio_view *v)
{
    return tu_nitems(v) * v->itemsize;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char a[ARENA], b[ARENA], ref_a[ARENA], ref_b[ARENA];
    static unsigned char s1[ARENA * 4], s2[ARENA * 4];
    fuzz_input in = {data, size};
    int64_t shape[5];
    size_t itemsize = (size_t)fz_range(&in, 1, 20), n, i;
    int ndim = (int)fz_range(&in, 0, 5), d, op = (int)fz_range(&in, 0, 3);
    int order = (fz_bits(&in, 1) & 1) ? 'F' : 'C';
    fview src, dst;

    for (d = 0; d < ndim; d++)
        shape[d] = fz_range(&in, 0, 6);
    for (i = 0; i < ARENA; i++) {
        a[i] = (unsigned char)(i * 7 + 1);
        b[i] = (unsigned char)(i * 13 + 5);
    }
    if (!draw_view(&in, &src, a, itemsize, ndim, shape))
        return 0;
    n = (size_t)nbytes_of(&src.v);
    if (n > sizeof s1)
        return 0;

    switch (op) {
    case 0: /* pack, then cursor fill in input-chosen chunks with seeks */
    {
        arrayio_cursor cur;
        size_t pos = 0;
        tu_ref_pack(&src.v, order, s2);
        FUZZ_ASSERT(arrayio_pack(&src.v, order, s1, sizeof s1) == ARRAYIO_OK);
        FUZZ_ASSERT(memcmp(s1, s2, n) == 0);
        FUZZ_ASSERT(arrayio_cursor_init(&cur, &src.v, order) == ARRAYIO_OK);
        while (pos < n) {
            size_t chunk = (size_t)fz_range(&in, 0, 3 * (int64_t)itemsize + 2);
            void *mem;
            size_t run;
            if ((fz_bits(&in, 1) & 7) == 0) {
                pos = (size_t)fz_range(&in, 0, (int64_t)n);
                FUZZ_ASSERT(arrayio_cursor_seek(&cur, pos) == ARRAYIO_OK);
            }
            run = arrayio_cursor_span(&cur, &mem);
            FUZZ_ASSERT(pos == n ? run == 0 : (run > 0 && run <= n - pos &&
                                                memcmp(mem, s2 + pos, run) == 0));
            if (in.n == 0)
                chunk = n; /* input exhausted: finish */
            FUZZ_ASSERT(arrayio_cursor_fill(&cur, s1, chunk) ==
                        (chunk < n - pos ? chunk : n - pos));
            FUZZ_ASSERT(memcmp(s1, s2 + pos, chunk < n - pos ? chunk : n - pos) == 0);
            pos += chunk < n - pos ? chunk : n - pos;
            FUZZ_ASSERT(cur.pos == pos);
        }
        break;
    }
    case 1: /* unpack in chunks through the cursor vs the naive scatter */
    {
        arrayio_cursor cur;
        size_t pos = 0;
        for (i = 0; i < n; i++)
            s1[i] = (unsigned char)(i * 31 + 3);
        memcpy(ref_a, a, ARENA);
        {
            arrayio_view r = src.v;
            r.data = ref_a + ((unsigned char *)src.v.data - a);
            tu_ref_unpack(&r, order, s1);
        }
        FUZZ_ASSERT(arrayio_cursor_init(&cur, &src.v, order) == ARRAYIO_OK);
        while (pos < n) {
            size_t chunk = in.n ? (size_t)fz_range(&in, 1, 2 * (int64_t)itemsize + 1) : n;
            pos += arrayio_cursor_drain(&cur, s1 + pos, chunk);
        }
        FUZZ_ASSERT(memcmp(a, ref_a, ARENA) == 0);
        break;
    }
    case 2: /* copy between disjoint views (dst items must not overlap) */
    case 3: /* copy inside one buffer: as if through a temporary */
    {
        unsigned char *dbuf = op == 2 ? b : a;
        unsigned char *rbuf = op == 2 ? ref_b : ref_a;
        int64_t stride = (int64_t)itemsize;
        arrayio_view r;
        dst.v.itemsize = itemsize;
        dst.v.ndim = ndim;
        dst.v.shape = dst.shape;
        dst.v.strides = dst.strides;
        {
            /* C or F layout of dst, some axes reversed: items disjoint */
            int rev = (int)(fz_bits(&in, 1) & 1), k;
            for (k = ndim - 1; k >= 0; k--) {
                int p = rev ? ndim - 1 - k : k;
                dst.strides[p] = (fz_bits(&in, 1) & 1) ? -stride : stride;
                stride *= shape[p] ? shape[p] : 1;
            }
        }
        for (d = 0; d < ndim; d++)
            dst.shape[d] = shape[d];
        if (!place_view(&in, &dst, dbuf))
            return 0;
        memcpy(ref_a, a, ARENA);
        memcpy(ref_b, b, ARENA);
        tu_ref_pack(&src.v, 'C', s1); /* the temporary */
        r = dst.v;
        r.data = rbuf + ((unsigned char *)dst.v.data - dbuf);
        tu_ref_unpack(&r, 'C', s1);
        FUZZ_ASSERT(arrayio_copy(&dst.v, &src.v) == ARRAYIO_OK);
        FUZZ_ASSERT(memcmp(a, ref_a, ARENA) == 0 && memcmp(b, ref_b, ARENA) == 0);
        break;
    }
    }
    return 0;
}
