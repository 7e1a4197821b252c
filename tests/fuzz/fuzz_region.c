/* Fuzz positioned region arithmetic: a memory view and a file layout
 * (offset and byte strides, any sign, extremes included) drawn from the
 * input.  Regions that lie in the test file are compared with a naive
 * item-by-item copy on an in-memory image of the file; others must be
 * refused with ARRAYIO_ERR_RANGE / ARRAYIO_ERR_OVERFLOW or end in
 * ARRAYIO_ERR_EOF having moved exactly the bytes that exist. */
#include "fuzz.h"

__extension__ typedef __int128 i128;

#include <fcntl.h>

#define FILE_SIZE 4096

static int the_file(void)
{
    static int fd = -1;
    if (fd < 0) {
        fd = temp_file();
        FUZZ_ASSERT(fd >= 0);
    }
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char image[FILE_SIZE], back[FILE_SIZE], mem[4096], ref[4096];
    fuzz_input in = {data, size};
    int64_t shape[4], mstr[4], fstr[4], offset, low = 0, high, mlow = 0, mhigh;
    size_t itemsize = (size_t)fz_range(&in, 1, 16), i;
    int ndim = (int)fz_range(&in, 0, 4), d, st, writing = (int)(fz_bits(&in, 1) & 1);
    int order = (fz_bits(&in, 1) & 1) ? 'F' : 'C', fd = the_file();
    int extreme = (fz_bits(&in, 1) & 7) == 0;
    arrayio_view v, fv;
    arrayio_io io;
    int64_t stride = (int64_t)itemsize;

    if (extreme)
        writing = 0; /* far offsets: arithmetic and EOF, no huge sparse files */
    for (d = 0; d < ndim; d++)
        shape[d] = fz_range(&in, 0, 5);
    for (d = ndim - 1; d >= 0; d--) { /* memory: contiguous, some axes reversed */
        mstr[d] = (fz_bits(&in, 1) & 1) ? -stride : stride;
        stride *= shape[d] ? shape[d] : 1;
    }
    for (d = 0; d < ndim; d++)
        fstr[d] = extreme ? fz_i64(&in) : fz_range(&in, -40, 40);
    offset = extreme ? fz_i64(&in) : fz_range(&in, 0, FILE_SIZE);
    mhigh = high = (int64_t)itemsize;
    for (d = 0; d < ndim; d++) {
        if (shape[d] > 1) {
            int64_t span = (shape[d] - 1) * mstr[d];
            if (span < 0)
                mlow += span;
            else
                mhigh += span;
        }
    }
    if (mhigh - mlow > (int64_t)sizeof mem)
        return 0;
    v = mkview(mem - mlow, itemsize, ndim, shape, mstr);
    for (i = 0; i < sizeof mem; i++)
        mem[i] = (unsigned char)(i * 7 + size);
    for (i = 0; i < FILE_SIZE; i++)
        image[i] = (unsigned char)(i * 11 + 3);
    FUZZ_ASSERT(ftruncate(fd, 0) == 0);
    FUZZ_ASSERT(pwrite(fd, image, FILE_SIZE, 0) == FILE_SIZE);

    memset(&io, 0, sizeof io);
    io.buffer_size = (size_t)fz_range(&in, 0, 9);
    st = writing ? arrayio_pwrite_region(fd, &v, order, offset, fstr, &io)
                 : arrayio_pread_region(fd, &v, order, offset, fstr, &io);
    if (st == ARRAYIO_ERR_RANGE || st == ARRAYIO_ERR_OVERFLOW) {
        FUZZ_ASSERT(io.done == 0);
        FUZZ_ASSERT(pread(fd, back, FILE_SIZE, 0) == FILE_SIZE &&
                    memcmp(back, image, FILE_SIZE) == 0);
        return 0;
    }
    if (tu_nitems(&v) == 0) { /* nothing to move: strides are not looked at */
        FUZZ_ASSERT(st == ARRAYIO_OK && io.done == 0);
        return 0;
    }
    /* accepted: the region is inside [0, INT64_MAX] */
    for (d = 0; d < ndim; d++) {
        if (shape[d] > 1) {
            i128 span = (i128)(shape[d] - 1) * fstr[d];
            FUZZ_ASSERT(span >= INT64_MIN && span <= INT64_MAX);
            if (span < 0)
                low += (int64_t)span;
            else
                high += (int64_t)span;
        }
    }
    FUZZ_ASSERT(offset + low >= 0);
    fv = mkview(NULL, itemsize, ndim, shape, fstr);
    if (offset + high > FILE_SIZE) {
        /* past the end: reads stop at EOF; writes extend the file */
        FUZZ_ASSERT(writing ? st == ARRAYIO_OK : st == ARRAYIO_ERR_EOF);
        FUZZ_ASSERT(io.done <= tu_nitems(&v) * itemsize);
        return 0;
    }
    FUZZ_ASSERT(st == ARRAYIO_OK);
    FUZZ_ASSERT(io.done == tu_nitems(&v) * itemsize);
    /* the naive copy, item by item in traversal order */
    memcpy(ref, mem, sizeof mem);
    memcpy(back, image, FILE_SIZE);
    {
        uint64_t k, n = tu_nitems(&v);
        arrayio_view r = v;
        r.data = ref - mlow;
        for (k = 0; k < n; k++) {
            int64_t fo = offset + tu_item_offset(&fv, order, k);
            char *mo = (char *)r.data + tu_item_offset(&r, order, k);
            if (writing)
                memcpy(back + fo, mo, itemsize);
            else
                memcpy(mo, image + fo, itemsize);
        }
    }
    if (writing) {
        FUZZ_ASSERT(pread(fd, image, FILE_SIZE, 0) == FILE_SIZE);
        FUZZ_ASSERT(memcmp(image, back, FILE_SIZE) == 0);
    } else {
        FUZZ_ASSERT(memcmp(mem, ref, sizeof mem) == 0);
    }
    return 0;
}
