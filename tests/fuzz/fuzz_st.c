/* Fuzz the safetensors header parser and writer.  The input is the JSON
 * header itself.
 *
 * Invariants: no crash or out-of-bounds access; the work size asked for is
 * below 7 * size + 64 and exactly enough; errors point inside the input;
 * on success the tensors are in offset order, tile [0, data_size), have
 * byte spans matching shape and dtype, distinct NUL-terminated UTF-8 names
 * inside the work buffer; and the writer, given the parsed tensors and
 * metadata, produces a header that parses back to the same fields and that
 * it reproduces byte for byte. */
#include "fuzz.h"

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p, k, i;
        uint32_t cp;
        if (c < 0x80) {
            p++;
            continue;
        }
        k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (c < 0xC2 || c > 0xF4 || (size_t)(end - p) < k)
            return 0;
        cp = c & (0x7F >> k);
        for (i = 1; i < k; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += k;
    }
    return 1;
}

static int inside(const void *p, size_t n, const char *base, size_t size)
{
    const char *c = p;
    return c >= base && n <= size && (size_t)(c - base) <= size - n;
}

static void check_header(const arrayio_st_header *h, const char *work, size_t work_size)
{
    uint64_t at = 0;
    size_t i, j;
    for (i = 0; i < h->count; i++) {
        const arrayio_st_tensor *t = &h->tensors[i];
        uint64_t items = 1;
        int d, bits = arrayio_st_dtype_bits(t->dtype);
        FUZZ_ASSERT(bits > 0);
        FUZZ_ASSERT(t->begin == at && t->end >= t->begin);
        at = t->end;
        FUZZ_ASSERT(t->ndim >= 0 && t->ndim <= ARRAYIO_MAX_DIMS);
        FUZZ_ASSERT(t->ndim == 0 || inside(t->shape, t->ndim * sizeof(int64_t), work, work_size));
        for (d = 0; d < t->ndim; d++) {
            FUZZ_ASSERT(t->shape[d] >= 0);
            /* the parser checked the product fits int64 */
            items *= (uint64_t)t->shape[d];
        }
        if (bits % 8 == 0)
            FUZZ_ASSERT(t->end - t->begin == items * (uint64_t)(bits / 8));
        else
            FUZZ_ASSERT((t->end - t->begin) * 8 == items * (uint64_t)bits);
        FUZZ_ASSERT(inside(t->name, t->name_size + 1, work, work_size));
        FUZZ_ASSERT(t->name[t->name_size] == 0);
        FUZZ_ASSERT(valid_utf8(t->name, t->name_size));
        FUZZ_ASSERT(!(t->name_size == 12 && memcmp(t->name, "__metadata__", 12) == 0));
        if (h->count <= 256)
            for (j = 0; j < i; j++)
                FUZZ_ASSERT(t->name_size != h->tensors[j].name_size ||
                            memcmp(t->name, h->tensors[j].name, t->name_size) != 0);
    }
    FUZZ_ASSERT(at == h->data_size);
    FUZZ_ASSERT(h->has_metadata || h->metadata_count == 0);
    for (i = 0; i < h->metadata_count; i++) {
        const arrayio_st_entry *e = &h->metadata[i];
        FUZZ_ASSERT(inside(e->key, e->key_size + 1, work, work_size) && e->key[e->key_size] == 0);
        FUZZ_ASSERT(inside(e->value, e->value_size + 1, work, work_size) &&
                    e->value[e->value_size] == 0);
        FUZZ_ASSERT(valid_utf8(e->key, e->key_size) && valid_utf8(e->value, e->value_size));
        FUZZ_ASSERT(i == 0 || e->key_offset > h->metadata[i - 1].key_offset);
    }
}

static void roundtrip(const arrayio_st_header *h)
{
    arrayio_st_tensor *t = malloc((h->count ? h->count : 1) * sizeof *t);
    arrayio_st_header back;
    unsigned char *out, *again;
    char *work;
    size_t len = 0, len2 = 0, i;
    int st, d;
    memcpy(t, h->tensors, h->count * sizeof *t);
    st = arrayio_st_format_header(t, h->count, h->has_metadata ? h->metadata : NULL,
                                  h->metadata_count, NULL, 0, &len);
    if (st == ARRAYIO_ERR_ST_HEADER_SIZE) { /* escaping can grow past the limit */
        free(t);
        return;
    }
    FUZZ_ASSERT(st == ARRAYIO_ERR_SIZE && len % 8 == 0 && len >= 16);
    out = malloc(len);
    FUZZ_ASSERT(arrayio_st_format_header(t, h->count, h->has_metadata ? h->metadata : NULL,
                                         h->metadata_count, out, len, &len) == ARRAYIO_OK);
    for (i = 0; i < h->count; i++)
        FUZZ_ASSERT(t[i].begin == h->tensors[i].begin && t[i].end == h->tensors[i].end);
    FUZZ_ASSERT(tu_st_parse((const char *)out + 8, len - 8, h->data_size, &back, &work) == ARRAYIO_OK);
    FUZZ_ASSERT(back.count == h->count && back.has_metadata == h->has_metadata &&
                back.metadata_count == h->metadata_count && back.data_size == h->data_size);
    for (i = 0; i < h->count; i++) {
        const arrayio_st_tensor *a = &h->tensors[i], *b = &back.tensors[i];
        FUZZ_ASSERT(a->name_size == b->name_size && memcmp(a->name, b->name, a->name_size) == 0);
        FUZZ_ASSERT(a->dtype == b->dtype && a->ndim == b->ndim);
        FUZZ_ASSERT(a->begin == b->begin && a->end == b->end);
        for (d = 0; d < a->ndim; d++)
            FUZZ_ASSERT(a->shape[d] == b->shape[d]);
    }
    for (i = 0; i < h->metadata_count; i++) {
        const arrayio_st_entry *a = &h->metadata[i], *b = &back.metadata[i];
        FUZZ_ASSERT(a->key_size == b->key_size && memcmp(a->key, b->key, a->key_size) == 0);
        FUZZ_ASSERT(a->value_size == b->value_size &&
                    memcmp(a->value, b->value, a->value_size) == 0);
    }
    /* The writer's output is a fixed point. */
    memcpy(t, back.tensors, back.count * sizeof *t);
    again = malloc(len);
    FUZZ_ASSERT(arrayio_st_format_header(t, back.count, back.has_metadata ? back.metadata : NULL,
                                         back.metadata_count, again, len, &len2) == ARRAYIO_OK);
    FUZZ_ASSERT(len2 == len && memcmp(out, again, len) == 0);
    free(again);
    free(work);
    free(out);
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    arrayio_st_header h;
    char *work, *base;
    int st;
    uint64_t n;

    if (size >= 8) {
        st = arrayio_st_read_prefix(data, size, &n);
        FUZZ_ASSERT(st == ARRAYIO_OK ? n <= size - 8 && n <= ARRAYIO_ST_MAX_HEADER_SIZE
                                     : st == ARRAYIO_ERR_ST_HEADER_SIZE);
    }

    st = arrayio_st_parse(json, size, ARRAYIO_ST_SIZE_UNKNOWN, NULL, 0, &h);
    if (st != ARRAYIO_ERR_SIZE) {
        FUZZ_ASSERT(st != ARRAYIO_OK);
        FUZZ_ASSERT(st >= ARRAYIO_ERR_ST_HEADER_SIZE && st <= ARRAYIO_ERR_ST_METADATA);
        FUZZ_ASSERT(st != ARRAYIO_ERR_ST_DATA_END);
        FUZZ_ASSERT(h.error_offset <= size);
        FUZZ_ASSERT(h.error_key_offset == SIZE_MAX ||
                    (h.error_key_offset < size && json[h.error_key_offset] == '"'));
        return 0;
    }
    FUZZ_ASSERT(h.work_size > 0 && h.work_size < 7 * size + 64);
    /* The work buffer at any alignment, with not one byte to spare. */
    {
        size_t skew = size % 16;
        base = malloc(skew + h.work_size);
        work = base + skew;
    }
    FUZZ_ASSERT(arrayio_st_parse(json, size, ARRAYIO_ST_SIZE_UNKNOWN, work, h.work_size - 1,
                                 &h) == ARRAYIO_ERR_SIZE);
    st = arrayio_st_parse(json, size, ARRAYIO_ST_SIZE_UNKNOWN, work, h.work_size, &h);
    if (st != ARRAYIO_OK) {
        /* Only the rules that need everything stored can fail now. */
        FUZZ_ASSERT(st == ARRAYIO_ERR_ST_DUPLICATE || st == ARRAYIO_ERR_ST_OFFSETS);
        FUZZ_ASSERT(h.error_key_offset < size && json[h.error_key_offset] == '"');
        free(base);
        return 0;
    }
    check_header(&h, work, h.work_size);
    /* The data size is checked exactly. */
    {
        arrayio_st_header h2;
        char *w2;
        FUZZ_ASSERT(tu_st_parse(json, size, h.data_size, &h2, &w2) == ARRAYIO_OK);
        free(w2);
        if (h.data_size < UINT64_MAX - 1) {
            FUZZ_ASSERT(tu_st_parse(json, size, h.data_size + 1, &h2, &w2) ==
                        ARRAYIO_ERR_ST_DATA_END);
            free(w2);
        }
    }
    roundtrip(&h);
    free(base);
    return 0;
}
