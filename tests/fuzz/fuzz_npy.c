/* Fuzz the .npy header parser (and, for inputs that do not start like a
 * .npy file, the descr checker and header writer).
 *
 * Invariants: no crash or out-of-bounds access; on success the reported
 * offsets lie inside the input, nbytes is the extents' product times the
 * item size, every shorter prefix is reported truncated, and a header
 * rebuilt from the parsed fields parses back to the same fields. */
#include "fuzz.h"

__extension__ typedef unsigned __int128 u128;

static void roundtrip(const arrayio_npy_header *h)
{
    arrayio_npy_header back;
    arrayio_npy_descr info;
    size_t len = 0, i;
    unsigned char *out;
    int d;

    for (i = 0; i < h->descr_len; i++)
        if ((unsigned char)h->descr[i] >= 0x80)
            return; /* latin-1 text is not the writer's UTF-8 input */
    FUZZ_ASSERT(arrayio_npy_check_descr(h->descr, h->descr_len, &info) == ARRAYIO_OK);
    FUZZ_ASSERT(info.itemsize == h->itemsize);
    if (arrayio_npy_format_header(h->descr, h->descr_len, h->fortran_order,
                                  h->ndim, h->shape, NULL, 0, &len) !=
        ARRAYIO_ERR_SIZE)
        return; /* e.g. a byte count past int64 with a zero extent */
    out = (unsigned char *)malloc(len);
    FUZZ_ASSERT(arrayio_npy_format_header(h->descr, h->descr_len,
                                          h->fortran_order, h->ndim, h->shape,
                                          out, len, &len) == ARRAYIO_OK);
    FUZZ_ASSERT(len % 64 == 0);
    FUZZ_ASSERT(arrayio_npy_parse(out, len, (size_t)-1, &back) == ARRAYIO_OK);
    FUZZ_ASSERT(back.data_offset == len);
    FUZZ_ASSERT(back.ndim == h->ndim && back.fortran_order == h->fortran_order);
    for (d = 0; d < h->ndim; d++)
        FUZZ_ASSERT(back.shape[d] == h->shape[d]);
    FUZZ_ASSERT(back.itemsize == h->itemsize && back.nbytes == h->nbytes);
    FUZZ_ASSERT(back.descr_len == h->descr_len &&
                memcmp(back.descr, h->descr, h->descr_len) == 0);
    free(out);
}

static void parse_header(const uint8_t *data, size_t size)
{
    arrayio_npy_header h;
    int st = arrayio_npy_parse(data, size, 10000, &h);
    u128 prod = 1;
    int d;

    if (st == ARRAYIO_ERR_NPY_TRUNCATED)
        FUZZ_ASSERT(h.data_offset > size);
    if (st != ARRAYIO_OK)
        return;
    FUZZ_ASSERT(h.data_offset <= size);
    FUZZ_ASSERT(h.major >= 1 && h.major <= 3 && h.minor == 0);
    FUZZ_ASSERT(h.ndim >= 0 && h.ndim <= ARRAYIO_MAX_DIMS);
    FUZZ_ASSERT(h.descr_len > 0 && (const uint8_t *)h.descr > data &&
                (const uint8_t *)h.descr + h.descr_len <= data + h.data_offset);
    for (d = 0; d < h.ndim; d++) {
        FUZZ_ASSERT(h.shape[d] >= 0);
        prod *= (u128)h.shape[d];
        if (prod > ((u128)1 << 80))
            prod = (u128)1 << 80; /* only zero-ness matters past int64 */
    }
    FUZZ_ASSERT((u128)h.nbytes == prod * h.itemsize);
    /* the prefix one byte short is incomplete */
    FUZZ_ASSERT(arrayio_npy_parse(data, (size_t)h.data_offset - 1, 10000, &h) ==
                ARRAYIO_ERR_NPY_TRUNCATED);
    arrayio_npy_parse(data, size, 10000, &h);
    /* a smaller limit refuses it or accepts it, never anything else */
    st = arrayio_npy_parse(data, size, (size_t)(h.data_offset / 2), &h);
    FUZZ_ASSERT(st == ARRAYIO_OK || st == ARRAYIO_ERR_NPY_HEADER_SIZE);
    arrayio_npy_parse(data, size, 10000, &h);
    if (!h.has_object) {
        int64_t strides[ARRAYIO_MAX_DIMS];
        arrayio_view v;
        char probe;
        st = arrayio_npy_data_view(&h, &probe, strides, &v);
        FUZZ_ASSERT(st == ARRAYIO_OK || st == ARRAYIO_ERR_OVERFLOW ||
                    st == ARRAYIO_ERR_ITEMSIZE);
    }
    roundtrip(&h);
}

static void descr_text(const uint8_t *data, size_t size)
{
    arrayio_npy_descr info;
    int64_t shape[3] = {2, 0, 3};
    size_t len;
    unsigned char out[1024];
    int st = arrayio_npy_check_descr((const char *)data, size, &info);

    if (st != ARRAYIO_OK)
        return;
    st = arrayio_npy_format_header((const char *)data, size, 1, 3, shape, out,
                                   sizeof out, &len);
    if (st == ARRAYIO_OK) {
        arrayio_npy_header h;
        FUZZ_ASSERT(arrayio_npy_parse(out, len, (size_t)-1, &h) == ARRAYIO_OK);
        FUZZ_ASSERT(h.itemsize == info.itemsize && h.nbytes == 0);
        FUZZ_ASSERT(h.major == (info.latin1 ? 1 : 3));
    } else {
        /* too long for out, or items too large for 6 of them to fit */
        FUZZ_ASSERT(st == ARRAYIO_ERR_SIZE || st == ARRAYIO_ERR_OVERFLOW);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] != 0x93)
        descr_text(data, size);
    parse_header(data, size);
    return 0;
}
