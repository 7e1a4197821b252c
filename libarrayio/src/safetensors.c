/* The safetensors format: header parser and writer.
 *
 * The parser is a strict JSON reader specialised to the one shape a header
 * has.  It runs twice: once to check syntax and types and count what must
 * be stored (no work buffer needed), once to store into the caller's work
 * buffer and check the rules that need everything at hand (repeated names,
 * tiling of the data). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned char len, bits;
} st_types[ARRAYIO_ST_DTYPE_COUNT] = {
    {"BOOL", 4, 8},         {"F4", 2, 4},           {"F6_E2M3", 7, 6},
    {"F6_E3M2", 7, 6},      {"U8", 2, 8},           {"I8", 2, 8},
    {"F8_E5M2", 7, 8},      {"F8_E4M3", 7, 8},      {"F8_E8M0", 7, 8},
    {"F8_E4M3FNUZ", 11, 8}, {"F8_E5M2FNUZ", 11, 8}, {"I16", 3, 16},
    {"U16", 3, 16},         {"F16", 3, 16},         {"BF16", 4, 16},
    {"I32", 3, 32},         {"U32", 3, 32},         {"F32", 3, 32},
    {"C64", 3, 64},         {"F64", 3, 64},         {"I64", 3, 64},
    {"U64", 3, 64},
};

const char *arrayio_st_dtype_name(int dtype)
{
    if (dtype < 0 || dtype >= ARRAYIO_ST_DTYPE_COUNT)
        return NULL;
    return st_types[dtype].name;
}

int arrayio_st_dtype_bits(int dtype)
{
    if (dtype < 0 || dtype >= ARRAYIO_ST_DTYPE_COUNT)
        return 0;
    return st_types[dtype].bits;
}

int arrayio_st_dtype_from_name(const char *name, size_t len)
{
    int i;
    if (name == NULL)
        return -1;
    for (i = 0; i < ARRAYIO_ST_DTYPE_COUNT; i++)
        if (st_types[i].len == len && memcmp(st_types[i].name, name, len) == 0)
            return i;
    return -1;
}

/* Bytes of `ndim` extents of `bits`-bit items: ARRAYIO_OK, or the status
 * for an overflow (shape_err) or a count that is not whole bytes. */
static int st_nbytes(int ndim, const int64_t *shape, int bits,
                     uint64_t *nbytes, int shape_err)
{
    int64_t items = 1, nbits;
    int d;
    for (d = 0; d < ndim; d++)
        if (arrayio__mul_i64(items, shape[d], &items))
            return shape_err;
    if (bits % 8 == 0) {
        if (arrayio__mul_i64(items, bits / 8, &nbits))
            return shape_err;
        *nbytes = (uint64_t)nbits;
        return ARRAYIO_OK;
    }
    if (arrayio__mul_i64(items, bits, &nbits))
        return shape_err;
    if (nbits % 8 != 0)
        return ARRAYIO_ERR_ST_NBYTES;
    *nbytes = (uint64_t)(nbits / 8);
    return ARRAYIO_OK;
}

int arrayio_st_read_prefix(const void *prefix, uint64_t file_size,
                           uint64_t *json_size)
{
    const unsigned char *b = prefix;
    uint64_t n = 0;
    int i;
    if (prefix == NULL || json_size == NULL)
        return ARRAYIO_ERR_NULL;
    for (i = 7; i >= 0; i--)
        n = (n << 8) | b[i];
    *json_size = n;
    if (n > ARRAYIO_ST_MAX_HEADER_SIZE)
        return ARRAYIO_ERR_ST_HEADER_SIZE;
    if (file_size != ARRAYIO_ST_SIZE_UNKNOWN && (file_size < 8 || file_size - 8 < n))
        return ARRAYIO_ERR_ST_HEADER_SIZE;
    return ARRAYIO_OK;
}

/* ----------------------------------------------------------------------- */
/* Parser                                                                   */
/* ----------------------------------------------------------------------- */

#define ST_MAX_DEPTH 64

typedef struct st_parser {
    const unsigned char *start, *p, *end;
    int store;                  /* second pass: write into the work area */
    /* counts (first pass) or fill positions (second pass) */
    size_t count, meta_count, dims, text;
    arrayio_st_tensor *tensors;
    arrayio_st_entry *entries;
    int64_t *shapes;
    char *text_buf;
    int has_metadata, seen_metadata;
    size_t error_offset, error_key_offset;
    int error_in_metadata;
} st_parser;

static int st_fail(st_parser *P, int status)
{
    P->error_offset = (size_t)(P->p - P->start);
    return status;
}

static void st_ws(st_parser *P)
{
    while (P->p < P->end && (*P->p == ' ' || *P->p == '\t' || *P->p == '\n' || *P->p == '\r'))
        P->p++;
}

/* Expect byte c (after white space). */
static int st_expect(st_parser *P, unsigned char c)
{
    st_ws(P);
    if (P->p >= P->end || *P->p != c)
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
    P->p++;
    return ARRAYIO_OK;
}

static int st_hex4(const unsigned char *s, uint32_t *v)
{
    uint32_t r = 0;
    int i;
    for (i = 0; i < 4; i++) {
        unsigned c = s[i];
        r <<= 4;
        if (c >= '0' && c <= '9')
            r |= c - '0';
        else if (c >= 'a' && c <= 'f')
            r |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            r |= c - 'A' + 10;
        else
            return 0;
    }
    *v = r;
    return 1;
}

static size_t st_utf8_put(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A JSON string at P->p (after white space): decoded bytes go to
 * dst[0 .. cap) (those past cap are counted, not written); *len gets the
 * decoded length.  The JSON was checked to be UTF-8 beforehand. */
static int st_string(st_parser *P, unsigned char *dst, size_t cap, size_t *len)
{
    size_t n = 0;
    st_ws(P);
    if (P->p >= P->end || *P->p != '"')
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
    P->p++;
    for (;;) {
        unsigned char tmp[4];
        size_t k = 0, i;
        unsigned c;
        if (P->p >= P->end)
            return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
        c = *P->p;
        if (c == '"') {
            P->p++;
            break;
        }
        if (c < 0x20)
            return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
        if (c != '\\') {
            if (n < cap)
                dst[n] = (unsigned char)c;
            n++;
            P->p++;
            continue;
        }
        if (P->end - P->p < 2)
            return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
        switch (P->p[1]) {
        case '"': tmp[0] = '"'; k = 1; break;
        case '\\': tmp[0] = '\\'; k = 1; break;
        case '/': tmp[0] = '/'; k = 1; break;
        case 'b': tmp[0] = '\b'; k = 1; break;
        case 'f': tmp[0] = '\f'; k = 1; break;
        case 'n': tmp[0] = '\n'; k = 1; break;
        case 'r': tmp[0] = '\r'; k = 1; break;
        case 't': tmp[0] = '\t'; k = 1; break;
        case 'u': {
            uint32_t cp, lo;
            if (P->end - P->p < 6 || !st_hex4(P->p + 2, &cp))
                return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return st_fail(P, ARRAYIO_ERR_ST_ENCODING);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (P->end - P->p < 12 || P->p[6] != '\\' || P->p[7] != 'u' ||
                    !st_hex4(P->p + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return st_fail(P, ARRAYIO_ERR_ST_ENCODING);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                P->p += 6;
            }
            k = st_utf8_put(cp, tmp);
            P->p += 4;
            break;
        }
        default:
            return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
        }
        P->p += 2;
        for (i = 0; i < k; i++, n++)
            if (n < cap)
                dst[n] = tmp[i];
    }
    *len = n;
    return ARRAYIO_OK;
}

/* A string stored in the text area (second pass) or counted (first);
 * *s gets its place. */
static int st_text(st_parser *P, const char **s, size_t *len)
{
    unsigned char *dst = P->store ? (unsigned char *)P->text_buf + P->text : NULL;
    int st = st_string(P, dst, P->store ? SIZE_MAX : 0, len);
    if (st != ARRAYIO_OK)
        return st;
    if (P->store) {
        dst[*len] = 0;
        *s = (const char *)dst;
    }
    P->text += *len + 1;
    return ARRAYIO_OK;
}

/* A JSON number; on return *is_uint says whether it was a plain
 * non-negative integer that fits int64 (its value in *v). */
static int st_number(st_parser *P, uint64_t *v, int *is_uint)
{
    const unsigned char *s = P->p;
    uint64_t r = 0;
    int plain = 1, big = 0;
    if (s < P->end && *s == '-') {
        plain = 0;
        s++;
    }
    if (s >= P->end || *s < '0' || *s > '9')
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
    if (*s == '0' && s + 1 < P->end && s[1] >= '0' && s[1] <= '9') {
        P->p = s + 1;
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX); /* leading zero */
    }
    while (s < P->end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (r > ((uint64_t)INT64_MAX - d) / 10)
            big = 1;
        else
            r = r * 10 + d;
        s++;
    }
    if (s < P->end && *s == '.') {
        plain = 0;
        s++;
        if (s >= P->end || *s < '0' || *s > '9') {
            P->p = s;
            return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
        }
        while (s < P->end && *s >= '0' && *s <= '9')
            s++;
    }
    if (s < P->end && (*s == 'e' || *s == 'E')) {
        plain = 0;
        s++;
        if (s < P->end && (*s == '+' || *s == '-'))
            s++;
        if (s >= P->end || *s < '0' || *s > '9') {
            P->p = s;
            return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
        }
        while (s < P->end && *s >= '0' && *s <= '9')
            s++;
    }
    *is_uint = plain && !big;
    *v = r;
    P->p = s;
    return ARRAYIO_OK;
}

static int st_literal(st_parser *P, const char *word, size_t n)
{
    if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0)
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
    P->p += n;
    return ARRAYIO_OK;
}

/* Skip any JSON value. */
static int st_skip(st_parser *P, int depth)
{
    size_t len;
    int st;
    st_ws(P);
    if (P->p >= P->end)
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
    switch (*P->p) {
    case '"':
        return st_string(P, NULL, 0, &len);
    case 't':
        return st_literal(P, "true", 4);
    case 'f':
        return st_literal(P, "false", 5);
    case 'n':
        return st_literal(P, "null", 4);
    case '[':
    case '{': {
        unsigned char close = *P->p == '[' ? ']' : '}';
        int object = close == '}';
        if (depth >= ST_MAX_DEPTH)
            return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
        P->p++;
        st_ws(P);
        if (P->p < P->end && *P->p == close) {
            P->p++;
            return ARRAYIO_OK;
        }
        for (;;) {
            if (object) {
                if ((st = st_string(P, NULL, 0, &len)) != ARRAYIO_OK ||
                    (st = st_expect(P, ':')) != ARRAYIO_OK)
                    return st;
            }
            if ((st = st_skip(P, depth + 1)) != ARRAYIO_OK)
                return st;
            st_ws(P);
            if (P->p < P->end && *P->p == ',') {
                P->p++;
                continue;
            }
            return st_expect(P, close);
        }
    }
    default: {
        uint64_t v;
        int u;
        return st_number(P, &v, &u);
    }
    }
}

/* A list of non-negative integers: up to `max` stored at out (second pass);
 * *n gets the count.  Anything else gives `err`. */
static int st_uint_list(st_parser *P, int64_t *out, size_t max, size_t *n,
                        int err)
{
    size_t k = 0;
    int st;
    st_ws(P);
    if (P->p >= P->end || *P->p != '[')
        return st_fail(P, err);
    P->p++;
    st_ws(P);
    if (P->p < P->end && *P->p == ']') {
        P->p++;
        *n = 0;
        return ARRAYIO_OK;
    }
    for (;;) {
        uint64_t v;
        int is_uint;
        const unsigned char *at;
        st_ws(P);
        at = P->p;
        if (P->p >= P->end || (*P->p != '-' && (*P->p < '0' || *P->p > '9')))
            return st_fail(P, err);
        if ((st = st_number(P, &v, &is_uint)) != ARRAYIO_OK)
            return st;
        if (!is_uint || k >= max) {
            P->p = at;
            return st_fail(P, err);
        }
        if (out != NULL)
            out[k] = (int64_t)v;
        k++;
        st_ws(P);
        if (P->p < P->end && *P->p == ',') {
            P->p++;
            continue;
        }
        if (P->p < P->end && *P->p == ']') {
            P->p++;
            break;
        }
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
    }
    *n = k;
    return ARRAYIO_OK;
}

static int st_key_is(const unsigned char *key, size_t len, const char *word)
{
    return len == strlen(word) && memcmp(key, word, len) == 0;
}

/* {"dtype": ..., "shape": [...], "data_offsets": [b, e], other keys}. */
static int st_tensor(st_parser *P, arrayio_st_tensor *t)
{
    int seen_dtype = 0, seen_shape = 0, seen_offsets = 0, st, dtype = 0;
    size_t ndim = 0, n;
    int64_t offsets[2] = {0, 0}, local[ARRAYIO_MAX_DIMS];
    int64_t *shape = P->store ? P->shapes + P->dims : local;
    uint64_t nbytes;
    st_ws(P);
    if (P->p >= P->end || *P->p != '{') {
        /* JSON, but not an object: the wrong shape; else a syntax error */
        const unsigned char *at = P->p;
        if ((st = st_skip(P, 1)) != ARRAYIO_OK)
            return st;
        P->p = at;
        return st_fail(P, ARRAYIO_ERR_ST_SCHEMA);
    }
    P->p++;
    st_ws(P);
    if (P->p < P->end && *P->p == '}')
        P->p++;
    else
        for (;;) {
            unsigned char key[16];
            size_t klen;
            const unsigned char *at;
            if ((st = st_string(P, key, sizeof key, &klen)) != ARRAYIO_OK ||
                (st = st_expect(P, ':')) != ARRAYIO_OK)
                return st;
            st_ws(P);
            at = P->p;
            if (st_key_is(key, klen, "dtype")) {
                unsigned char name[16];
                size_t nlen;
                if (seen_dtype++)
                    return st_fail(P, ARRAYIO_ERR_ST_DUPLICATE);
                if (P->p >= P->end || *P->p != '"')
                    return st_fail(P, ARRAYIO_ERR_ST_DTYPE);
                if ((st = st_string(P, name, sizeof name, &nlen)) != ARRAYIO_OK)
                    return st;
                dtype = nlen <= sizeof name ? arrayio_st_dtype_from_name((const char *)name, nlen) : -1;
                if (dtype < 0) {
                    P->p = at;
                    return st_fail(P, ARRAYIO_ERR_ST_DTYPE);
                }
            } else if (st_key_is(key, klen, "shape")) {
                if (seen_shape++)
                    return st_fail(P, ARRAYIO_ERR_ST_DUPLICATE);
                if ((st = st_uint_list(P, shape, ARRAYIO_MAX_DIMS, &ndim,
                                       ARRAYIO_ERR_ST_SHAPE)) != ARRAYIO_OK)
                    return st;
            } else if (st_key_is(key, klen, "data_offsets")) {
                if (seen_offsets++)
                    return st_fail(P, ARRAYIO_ERR_ST_DUPLICATE);
                if ((st = st_uint_list(P, offsets, 2, &n, ARRAYIO_ERR_ST_OFFSETS)) != ARRAYIO_OK)
                    return st;
                if (n != 2 || offsets[0] > offsets[1]) {
                    P->p = at;
                    return st_fail(P, ARRAYIO_ERR_ST_OFFSETS);
                }
            } else if ((st = st_skip(P, 2)) != ARRAYIO_OK) {
                return st;
            }
            st_ws(P);
            if (P->p < P->end && *P->p == ',') {
                P->p++;
                continue;
            }
            if ((st = st_expect(P, '}')) != ARRAYIO_OK)
                return st;
            break;
        }
    if (!seen_dtype || !seen_shape || !seen_offsets)
        return st_fail(P, ARRAYIO_ERR_ST_SCHEMA);
    P->dims += ndim;
    st = st_nbytes((int)ndim, shape, st_types[dtype].bits, &nbytes, ARRAYIO_ERR_ST_SHAPE);
    if (st == ARRAYIO_OK && nbytes != (uint64_t)(offsets[1] - offsets[0]))
        st = ARRAYIO_ERR_ST_NBYTES;
    if (st != ARRAYIO_OK)
        return st_fail(P, st);
    t->dtype = dtype;
    t->ndim = (int)ndim;
    t->shape = shape;
    t->begin = (uint64_t)offsets[0];
    t->end = (uint64_t)offsets[1];
    return ARRAYIO_OK;
}

/* "__metadata__": null, or an object of strings. */
static int st_metadata(st_parser *P)
{
    int st;
    if (P->seen_metadata++)
        return st_fail(P, ARRAYIO_ERR_ST_DUPLICATE);
    st_ws(P);
    if (P->p < P->end && *P->p == 'n')
        return st_literal(P, "null", 4);
    if (P->p >= P->end || *P->p != '{')
        return st_fail(P, ARRAYIO_ERR_ST_METADATA);
    P->has_metadata = 1;
    P->p++;
    st_ws(P);
    if (P->p < P->end && *P->p == '}') {
        P->p++;
        return ARRAYIO_OK;
    }
    for (;;) {
        arrayio_st_entry *e = P->store ? P->entries + P->meta_count : NULL;
        arrayio_st_entry dummy;
        size_t key_offset;
        if (e == NULL)
            e = &dummy;
        st_ws(P);
        key_offset = (size_t)(P->p - P->start);
        if ((st = st_text(P, &e->key, &e->key_size)) != ARRAYIO_OK ||
            (st = st_expect(P, ':')) != ARRAYIO_OK)
            return st;
        st_ws(P);
        if (P->p >= P->end || *P->p != '"') {
            P->error_key_offset = key_offset;
            P->error_in_metadata = 1;
            return st_fail(P, ARRAYIO_ERR_ST_METADATA);
        }
        if ((st = st_text(P, &e->value, &e->value_size)) != ARRAYIO_OK)
            return st;
        e->key_offset = key_offset;
        P->meta_count++;
        st_ws(P);
        if (P->p < P->end && *P->p == ',') {
            P->p++;
            continue;
        }
        return st_expect(P, '}');
    }
}

static int st_top(st_parser *P)
{
    int st;
    if ((st = st_expect(P, '{')) != ARRAYIO_OK)
        return st;
    st_ws(P);
    if (P->p < P->end && *P->p == '}') {
        P->p++;
    } else {
        for (;;) {
            arrayio_st_tensor dummy, *t = P->store ? P->tensors + P->count : &dummy;
            size_t key_offset;
            const char *name = NULL;
            size_t len;
            int is_meta;
            st_ws(P);
            key_offset = (size_t)(P->p - P->start);
            if (P->p < P->end && *P->p == '"')
                P->error_key_offset = key_offset;
            /* Decode the key: into the text area on the second pass; on
             * the first into a small buffer, enough to spot __metadata__. */
            if (P->store) {
                if ((st = st_text(P, &name, &len)) != ARRAYIO_OK)
                    return st;
                is_meta = len == 12 && memcmp(name, "__metadata__", 12) == 0;
            } else {
                unsigned char small[16];
                if ((st = st_string(P, small, sizeof small, &len)) != ARRAYIO_OK)
                    return st;
                is_meta = len == 12 && memcmp(small, "__metadata__", 12) == 0;
                P->text += len + 1;
            }
            if ((st = st_expect(P, ':')) != ARRAYIO_OK)
                return st;
            if (is_meta) {
                /* its decoded text stays in the text area, unused: both
                 * passes count it, so the second never writes past what
                 * the first measured */
                if ((st = st_metadata(P)) != ARRAYIO_OK)
                    return st;
            } else {
                if ((st = st_tensor(P, t)) != ARRAYIO_OK)
                    return st;
                t->name = name;
                t->name_size = len;
                t->key_offset = key_offset;
                P->count++;
            }
            P->error_key_offset = SIZE_MAX;
            st_ws(P);
            if (P->p < P->end && *P->p == ',') {
                P->p++;
                continue;
            }
            if ((st = st_expect(P, '}')) != ARRAYIO_OK)
                return st;
            break;
        }
    }
    st_ws(P);
    if (P->p != P->end)
        return st_fail(P, ARRAYIO_ERR_ST_SYNTAX);
    return ARRAYIO_OK;
}

static int st_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0)
        return c;
    return an < bn ? -1 : an > bn;
}

static int st_by_name(const void *x, const void *y)
{
    const arrayio_st_tensor *a = x, *b = y;
    int c = st_bytes_cmp(a->name, a->name_size, b->name, b->name_size);
    if (c != 0)
        return c;
    return a->key_offset < b->key_offset ? -1 : a->key_offset > b->key_offset;
}

static int st_by_offset(const void *x, const void *y)
{
    const arrayio_st_tensor *a = x, *b = y;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return st_by_name(x, y);
}

static int st_entry_by_key(const void *x, const void *y)
{
    const arrayio_st_entry *a = x, *b = y;
    int c = st_bytes_cmp(a->key, a->key_size, b->key, b->key_size);
    if (c != 0)
        return c;
    return a->key_offset < b->key_offset ? -1 : a->key_offset > b->key_offset;
}

static int st_entry_by_place(const void *x, const void *y)
{
    const arrayio_st_entry *a = x, *b = y;
    return a->key_offset < b->key_offset ? -1 : a->key_offset > b->key_offset;
}

static size_t st_align(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* The work area's layout for the counts of a first pass; 0 on overflow
 * (impossible for sizes within the header limit). */
static size_t st_layout(const st_parser *P, size_t *o_entries, size_t *o_shapes,
                        size_t *o_text)
{
    size_t n = P->count * sizeof(arrayio_st_tensor);
    n = st_align(n, sizeof(void *));
    *o_entries = n;
    n += P->meta_count * sizeof(arrayio_st_entry);
    n = st_align(n, sizeof(int64_t));
    *o_shapes = n;
    n += P->dims * sizeof(int64_t);
    *o_text = n;
    n += P->text;
    return n + 16; /* room to align the caller's pointer */
}

int arrayio_st_parse(const void *json, size_t size, uint64_t data_size,
                     void *work, size_t work_size, arrayio_st_header *out)
{
    st_parser P;
    const unsigned char *s, *end;
    size_t need, o_entries, o_shapes, o_text, i;
    char *base;
    uint64_t at;
    int st;
    if (out == NULL || (json == NULL && size > 0))
        return ARRAYIO_ERR_NULL;
    memset(out, 0, sizeof *out);
    out->error_offset = 0;
    out->error_key_offset = SIZE_MAX;
    if (size > ARRAYIO_ST_MAX_HEADER_SIZE)
        return ARRAYIO_ERR_ST_HEADER_SIZE;
    /* The whole header must be UTF-8 (string contents are then copied
     * byte for byte). */
    s = json;
    end = s + size;
    while (s < end) {
        uint32_t cp;
        size_t k = arrayio__utf8_seq(s, end, &cp);
        if (k == 0) {
            out->error_offset = (size_t)(s - (const unsigned char *)json);
            return ARRAYIO_ERR_ST_ENCODING;
        }
        s += k;
    }

    memset(&P, 0, sizeof P);
    P.start = P.p = json;
    P.end = P.start + size;
    P.error_key_offset = SIZE_MAX;
    st = st_top(&P);
    if (st != ARRAYIO_OK) {
        out->error_offset = P.error_offset;
        out->error_key_offset = P.error_key_offset;
        out->error_in_metadata = P.error_in_metadata;
        return st;
    }
    need = st_layout(&P, &o_entries, &o_shapes, &o_text);
    out->work_size = need;
    if (work == NULL || work_size < need)
        return ARRAYIO_ERR_SIZE;

    /* Second pass: store. */
    base = (char *)work + (16 - (uintptr_t)work % 16) % 16;
    memset(&P, 0, sizeof P);
    P.start = P.p = json;
    P.end = P.start + size;
    P.error_key_offset = SIZE_MAX;
    P.store = 1;
    P.tensors = (arrayio_st_tensor *)(void *)base;
    P.entries = (arrayio_st_entry *)(void *)(base + o_entries);
    P.shapes = (int64_t *)(void *)(base + o_shapes);
    P.text_buf = base + o_text;
    st = st_top(&P);
    out->error_offset = P.error_offset;
    out->error_key_offset = P.error_key_offset;
    out->error_in_metadata = P.error_in_metadata;
    if (st != ARRAYIO_OK)
        return st;

    /* Repeated names and metadata keys. */
    qsort(P.tensors, P.count, sizeof *P.tensors, st_by_name);
    for (i = 1; i < P.count; i++)
        if (st_bytes_cmp(P.tensors[i - 1].name, P.tensors[i - 1].name_size,
                         P.tensors[i].name, P.tensors[i].name_size) == 0) {
            out->error_offset = out->error_key_offset = P.tensors[i].key_offset;
            return ARRAYIO_ERR_ST_DUPLICATE;
        }
    qsort(P.entries, P.meta_count, sizeof *P.entries, st_entry_by_key);
    for (i = 1; i < P.meta_count; i++)
        if (st_bytes_cmp(P.entries[i - 1].key, P.entries[i - 1].key_size,
                         P.entries[i].key, P.entries[i].key_size) == 0) {
            out->error_offset = out->error_key_offset = P.entries[i].key_offset;
            out->error_in_metadata = 1;
            return ARRAYIO_ERR_ST_DUPLICATE;
        }
    qsort(P.entries, P.meta_count, sizeof *P.entries, st_entry_by_place);

    /* The tensors tile the data. */
    qsort(P.tensors, P.count, sizeof *P.tensors, st_by_offset);
    at = 0;
    for (i = 0; i < P.count; i++) {
        if (P.tensors[i].begin != at) {
            out->error_offset = out->error_key_offset = P.tensors[i].key_offset;
            return ARRAYIO_ERR_ST_OFFSETS;
        }
        at = P.tensors[i].end;
    }
    if (data_size != ARRAYIO_ST_SIZE_UNKNOWN && at != data_size) {
        out->error_offset = size;
        return ARRAYIO_ERR_ST_DATA_END;
    }
    out->count = P.count;
    out->tensors = P.tensors;
    out->has_metadata = P.has_metadata;
    out->metadata_count = P.meta_count;
    out->metadata = P.entries;
    out->data_size = at;
    out->error_offset = 0;
    return ARRAYIO_OK;
}

/* ----------------------------------------------------------------------- */
/* Writer                                                                   */
/* ----------------------------------------------------------------------- */

typedef struct st_writer {
    unsigned char *out; /* NULL: measure only */
    size_t n;
} st_writer;

static void st_put(st_writer *W, const void *s, size_t n)
{
    if (W->out != NULL)
        memcpy(W->out + W->n, s, n);
    W->n += n;
}

static void st_puts(st_writer *W, const char *s) { st_put(W, s, strlen(s)); }

static void st_put_u64(st_writer *W, uint64_t v)
{
    char buf[24];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    st_put(W, buf + i, sizeof buf - i);
}

/* A JSON string, escaped as serde_json escapes: the two-character forms
 * for \" \\ \b \f \n \r \t, \u00xx (lower-case hex) for other control
 * characters, everything else (UTF-8 included) as it is. */
static int st_put_string(st_writer *W, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    static const char hex[] = "0123456789abcdef";
    if (str == NULL && len > 0)
        return ARRAYIO_ERR_NULL;
    st_put(W, "\"", 1);
    while (s < end) {
        unsigned c = *s;
        const char *esc = NULL;
        uint32_t cp;
        size_t k;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc != NULL) {
            st_put(W, esc, 2);
            s++;
        } else if (c < 0x20) {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            st_put(W, u, 6);
            s++;
        } else {
            k = arrayio__utf8_seq(s, end, &cp);
            if (k == 0)
                return ARRAYIO_ERR_ST_ENCODING;
            st_put(W, s, k);
            s += k;
        }
    }
    st_put(W, "\"", 1);
    return ARRAYIO_OK;
}

static int st_write_json(st_writer *W, arrayio_st_tensor *tensors, size_t count,
                         const arrayio_st_entry *metadata, size_t metadata_count)
{
    uint64_t offset = 0;
    size_t i;
    int st, d, first = 1;
    st_put(W, "{", 1);
    if (metadata != NULL) {
        st_puts(W, "\"__metadata__\":{");
        for (i = 0; i < metadata_count; i++) {
            if (i)
                st_put(W, ",", 1);
            if ((st = st_put_string(W, metadata[i].key, metadata[i].key_size)) != ARRAYIO_OK)
                return st;
            st_put(W, ":", 1);
            if ((st = st_put_string(W, metadata[i].value, metadata[i].value_size)) != ARRAYIO_OK)
                return st;
        }
        st_put(W, "}", 1);
        first = 0;
    }
    for (i = 0; i < count; i++) {
        arrayio_st_tensor *t = &tensors[i];
        uint64_t nbytes;
        if (t->dtype < 0 || t->dtype >= ARRAYIO_ST_DTYPE_COUNT)
            return ARRAYIO_ERR_ST_DTYPE;
        if (t->ndim < 0 || t->ndim > ARRAYIO_MAX_DIMS)
            return ARRAYIO_ERR_NDIM;
        if (t->ndim > 0 && t->shape == NULL)
            return ARRAYIO_ERR_NULL;
        for (d = 0; d < t->ndim; d++)
            if (t->shape[d] < 0)
                return ARRAYIO_ERR_SHAPE;
        if (t->name_size == 12 && t->name != NULL && memcmp(t->name, "__metadata__", 12) == 0)
            return ARRAYIO_ERR_ST_SCHEMA;
        st = st_nbytes(t->ndim, t->shape, st_types[t->dtype].bits, &nbytes, ARRAYIO_ERR_OVERFLOW);
        if (st != ARRAYIO_OK)
            return st;
        if (nbytes > (uint64_t)INT64_MAX - offset)
            return ARRAYIO_ERR_OVERFLOW;
        if (!first)
            st_put(W, ",", 1);
        first = 0;
        if ((st = st_put_string(W, t->name, t->name_size)) != ARRAYIO_OK)
            return st;
        st_puts(W, ":{\"dtype\":\"");
        st_puts(W, st_types[t->dtype].name);
        st_puts(W, "\",\"shape\":[");
        for (d = 0; d < t->ndim; d++) {
            if (d)
                st_put(W, ",", 1);
            st_put_u64(W, (uint64_t)t->shape[d]);
        }
        st_puts(W, "],\"data_offsets\":[");
        st_put_u64(W, offset);
        st_put(W, ",", 1);
        st_put_u64(W, offset + nbytes);
        st_puts(W, "]}");
        if (W->out != NULL) {
            t->begin = offset;
            t->end = offset + nbytes;
        }
        offset += nbytes;
        if (W->n > ARRAYIO_ST_MAX_HEADER_SIZE)
            return ARRAYIO_ERR_ST_HEADER_SIZE;
    }
    st_put(W, "}", 1);
    while (W->n % 8 != 0)
        st_put(W, " ", 1);
    if (W->n > ARRAYIO_ST_MAX_HEADER_SIZE)
        return ARRAYIO_ERR_ST_HEADER_SIZE;
    return ARRAYIO_OK;
}

int arrayio_st_format_header(arrayio_st_tensor *tensors, size_t count,
                             const arrayio_st_entry *metadata,
                             size_t metadata_count, void *out, size_t out_size,
                             size_t *out_len)
{
    st_writer W = {NULL, 0};
    unsigned char *o = out;
    uint64_t n;
    int st, i;
    if (tensors == NULL && count > 0)
        return ARRAYIO_ERR_NULL;
    if (metadata == NULL && metadata_count > 0)
        return ARRAYIO_ERR_NULL;
    st = st_write_json(&W, tensors, count, metadata, metadata_count);
    if (st != ARRAYIO_OK)
        return st;
    if (out_len != NULL)
        *out_len = 8 + W.n;
    if (out == NULL || out_size < 8 + W.n)
        return ARRAYIO_ERR_SIZE;
    n = W.n;
    for (i = 0; i < 8; i++)
        o[i] = (unsigned char)(n >> (8 * i));
    W.out = o + 8;
    W.n = 0;
    return st_write_json(&W, tensors, count, metadata, metadata_count);
}
