/* Fuzz view validation with arbitrary item sizes, shapes and strides.
 *
 * The reference recomputes, in 128-bit arithmetic, whether the view is
 * valid and what it touches; the library must agree exactly.  Valid views
 * that fit in 64 KiB are then packed in both orders and compared with the
 * naive index loop. */
#include "fuzz.h"

__extension__ typedef __int128 i128;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char arena[1 << 17];
    fuzz_input in = {data, size};
    int64_t shape[ARRAYIO_MAX_DIMS + 2], strides[ARRAYIO_MAX_DIMS + 2];
    arrayio_view v;
    arrayio_extent e;
    int ndim, d, st, valid = 1, empty = 0;
    size_t itemsize;
    i128 items = 1, low = 0, high, base;
    unsigned flags = ARRAYIO_C_CONTIGUOUS | ARRAYIO_F_CONTIGUOUS;

    switch (fz_bits(&in, 1) & 3) {
    case 0:
        itemsize = (size_t)fz_bits(&in, 8);
        break;
    default:
        itemsize = (size_t)fz_range(&in, 0, 40);
    }
    ndim = (int)fz_range(&in, -1, 6);
    if (ndim == 6 && (fz_bits(&in, 1) & 1))
        ndim = (int)fz_range(&in, 6, ARRAYIO_MAX_DIMS + 1);
    for (d = 0; d < ndim; d++) {
        int small = (fz_bits(&in, 1) & 3) != 0;
        shape[d] = small ? fz_range(&in, -1, 7) : fz_i64(&in);
        strides[d] = small ? fz_range(&in, -64, 64) : fz_i64(&in);
    }
    base = (i128)(uintptr_t)(arena + sizeof arena / 2);
    v.data = arena + sizeof arena / 2;
    v.itemsize = itemsize;
    v.ndim = ndim;
    v.shape = shape;
    v.strides = strides;

    /* the reference */
    if (itemsize == 0 || ndim < 0 || ndim > ARRAYIO_MAX_DIMS)
        valid = 0;
    for (d = 0; valid && d < ndim; d++)
        if (shape[d] < 0)
            valid = 0;
    for (d = 0; valid && d < ndim; d++) {
        if (shape[d] == 0)
            empty = 1;
        else if ((items *= shape[d]) > PTRDIFF_MAX)
            valid = 0;
    }
    if (valid && items * (i128)itemsize > PTRDIFF_MAX)
        valid = 0;
    high = (i128)itemsize;
    if (valid && !empty) {
        for (d = 0; d < ndim; d++) {
            i128 span = (i128)(shape[d] - 1) * strides[d];
            if (shape[d] == 1)
                continue;
            if (span < 0)
                low += span;
            else
                high += span;
        }
        if (high - low > PTRDIFF_MAX || base + low < 0 ||
            base + high > (i128)UINTPTR_MAX)
            valid = 0;
    }
    st = arrayio_view_check(&v, &e);
    if (!valid) {
        FUZZ_ASSERT(st != ARRAYIO_OK);
        return 0;
    }
    FUZZ_ASSERT(st == ARRAYIO_OK);
    if (empty) {
        FUZZ_ASSERT(e.nitems == 0 && e.nbytes == 0 && e.low == 0 && e.high == 0);
        return 0;
    }
    FUZZ_ASSERT((i128)e.nitems == items && (i128)e.nbytes == items * (i128)itemsize);
    FUZZ_ASSERT((i128)e.low == low && (i128)e.high == high);
    {
        i128 expect = (i128)itemsize;
        for (d = ndim - 1; d >= 0; d--) {
            if (shape[d] == 1)
                continue;
            if (strides[d] != expect) {
                flags &= ~ARRAYIO_C_CONTIGUOUS;
                break;
            }
            expect *= shape[d];
        }
        expect = (i128)itemsize;
        for (d = 0; d < ndim; d++) {
            if (shape[d] == 1)
                continue;
            if (strides[d] != expect) {
                flags &= ~ARRAYIO_F_CONTIGUOUS;
                break;
            }
            expect *= shape[d];
        }
    }
    FUZZ_ASSERT(e.flags == flags);

    /* small enough to touch: pack in both orders against the naive loop */
    if (-low <= (i128)sizeof arena / 2 && high <= (i128)sizeof arena / 2 &&
        e.nbytes <= 1 << 16) {
        static unsigned char out[1 << 16], ref[1 << 16];
        int o;
        for (d = 0; d < (int)sizeof arena; d++)
            arena[d] = (unsigned char)(d * 131 + 7);
        for (o = 0; o < 2; o++) {
            int order = o ? 'F' : 'C';
            FUZZ_ASSERT(arrayio_pack(&v, order, out, sizeof out) == ARRAYIO_OK);
            tu_ref_pack(&v, order, ref);
            FUZZ_ASSERT(memcmp(out, ref, (size_t)e.nbytes) == 0);
        }
    }
    return 0;
}
