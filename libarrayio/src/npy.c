/* The .npy format: header writer, strict header parser, save and open.
 *
 * Format facts (numpy/lib/_format_impl.py): magic "\x93NUMPY", a major and
 * minor version byte, a little-endian header length (2 bytes in 1.0, 4 in
 * 2.0 and 3.0), then the header: the repr of a dict with the keys 'descr',
 * 'fortran_order' and 'shape', sorted, each followed by ", ", closed by "}",
 * then spaces and one "\n" so that the data starts at a multiple of 64.
 * numpy.save adds spaces after the "}" so the growth axis (the first for C
 * order, the last for Fortran order) can grow to 21 digits in place.  The
 * header is latin-1 in 1.0 and 2.0, UTF-8 in 3.0; numpy picks 1.0 when the
 * header fits 65535 bytes, 2.0 when it does not, 3.0 when it cannot be
 * latin-1. */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define ALIGN 64
#define GROWTH_DIGITS 21
/* Nesting allowed in a descr: fields of fields of ... */
#define MAX_DEPTH 64

/* ----------------------------------------------------------------------- */
/* A small reader for the Python literals a header may hold                  */
/* ----------------------------------------------------------------------- */

typedef struct lexer {
    const unsigned char *p, *end;
    int allow_long; /* Python 2 headers: 3L */
} lexer;

static void skip_ws(lexer *L)
{
    while (L->p < L->end &&
           (*L->p == ' ' || *L->p == '\t' || *L->p == '\n' || *L->p == '\r'))
        L->p++;
}

static int peek(lexer *L) { return L->p < L->end ? *L->p : -1; }

static int eat(lexer *L, int c)
{
    skip_ws(L);
    if (peek(L) != c)
        return 0;
    L->p++;
    return 1;
}

/* A quoted string; *s, *n receive its raw contents (escapes untouched). */
static int lex_string(lexer *L, const unsigned char **s, size_t *n)
{
    int q;
    skip_ws(L);
    q = peek(L);
    if (q != '\'' && q != '"')
        return 0;
    *s = ++L->p;
    while (L->p < L->end && *L->p != q) {
        if (*L->p == '\n' || *L->p == '\r')
            return 0;
        if (*L->p == '\\') {
            if (++L->p == L->end)
                return 0;
        }
        L->p++;
    }
    if (L->p == L->end)
        return 0;
    *n = (size_t)(L->p - *s);
    L->p++;
    return 1;
}

/* A non-negative decimal int as Python writes it (no sign, no leading
 * zeros); fails on overflow of int64. */
static int lex_int(lexer *L, int64_t *v)
{
    int64_t x = 0;
    const unsigned char *start;
    skip_ws(L);
    start = L->p;
    while (L->p < L->end && *L->p >= '0' && *L->p <= '9') {
        int d = *L->p - '0';
        if (x > (INT64_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
        L->p++;
    }
    if (L->p == start || (*start == '0' && L->p - start > 1))
        return 0;
    if (L->allow_long && L->p < L->end && *L->p == 'L')
        L->p++;
    *v = x;
    return 1;
}

static int lex_word(lexer *L, const char *w)
{
    size_t n = strlen(w);
    skip_ws(L);
    if ((size_t)(L->end - L->p) < n || memcmp(L->p, w, n) != 0)
        return 0;
    /* not a prefix of a longer name */
    if ((size_t)(L->end - L->p) > n) {
        int c = L->p[n];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '_')
            return 0;
    }
    L->p += n;
    return 1;
}

/* A shape: "()", "(n,)", "(n, m, ...)" with an optional trailing comma;
 * as a subarray shape a bare int is allowed too.  Returns an arrayio
 * status; *count gets the product of the extents (overflow-checked). */
static int lex_shape(lexer *L, int allow_bare, int max_dims, int *ndim,
                     int64_t *shape, int64_t *count)
{
    int64_t v, prod = 1;
    int n = 0, zero = 0;
    skip_ws(L);
    if (allow_bare && peek(L) != '(') {
        if (!lex_int(L, &v))
            return ARRAYIO_ERR_NPY_SHAPE;
        if (ndim)
            *ndim = 1;
        if (shape)
            shape[0] = v;
        *count = v;
        return ARRAYIO_OK;
    }
    if (!eat(L, '('))
        return ARRAYIO_ERR_NPY_SHAPE;
    if (!eat(L, ')')) {
        for (;;) {
            if (n == max_dims || !lex_int(L, &v))
                return ARRAYIO_ERR_NPY_SHAPE;
            if (shape)
                shape[n] = v;
            n++;
            if (v == 0)
                zero = 1;
            else if (arrayio__mul_i64(prod, v, &prod))
                return ARRAYIO_ERR_NPY_SHAPE;
            if (eat(L, ')')) {
                if (n == 1) /* "(3)" is an int, not a tuple */
                    return ARRAYIO_ERR_NPY_SHAPE;
                break;
            }
            if (!eat(L, ','))
                return ARRAYIO_ERR_NPY_SHAPE;
            if (eat(L, ')'))
                break;
        }
    }
    if (ndim)
        *ndim = n;
    *count = zero ? 0 : prod;
    return ARRAYIO_OK;
}

/* A datetime unit between the brackets: an optional multiplier, then one
 * of numpy's unit names. */
static int datetime_unit(const unsigned char *s, const unsigned char *end)
{
    static const char *const units[] = {"Y", "M", "W", "D", "h", "m", "s",
                                        "ms", "us", "ns", "ps", "fs", "as",
                                        "generic"};
    size_t i, n;
    int digits = 0;
    while (s < end && *s >= '0' && *s <= '9' && digits < 10)
        s++, digits++;
    n = (size_t)(end - s);
    for (i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i]) == n && memcmp(s, units[i], n) == 0)
            return !(digits && i == sizeof units / sizeof units[0] - 1);
    return 0;
}

/* The item size of a type string such as '<f8', '|S10', '<U3', '|V16',
 * '<M8[ns]', '|b1', '|O'. */
static int typestr_size(const unsigned char *s, size_t n, uint64_t *size,
                        int *has_object)
{
    const unsigned char *end = s + n;
    uint64_t digits = 0;
    int kind, ndig = 0;

    if (s < end && (*s == '<' || *s == '>' || *s == '|' || *s == '='))
        s++;
    if (s == end)
        return 0;
    kind = *s++;
    while (s < end && *s >= '0' && *s <= '9') {
        if (digits > (UINT64_C(1) << 40))
            return 0;
        digits = digits * 10 + (uint64_t)(*s++ - '0');
        ndig++;
    }
    switch (kind) {
    case 'b':
        if (ndig && digits != 1)
            return 0;
        *size = 1;
        break;
    case 'i':
    case 'u':
        if (!(digits == 1 || digits == 2 || digits == 4 || digits == 8))
            return 0;
        *size = digits;
        break;
    case 'f':
        if (!(digits == 2 || digits == 4 || digits == 8 || digits == 12 ||
              digits == 16))
            return 0;
        *size = digits;
        break;
    case 'c':
        if (!(digits == 8 || digits == 16 || digits == 24 || digits == 32))
            return 0;
        *size = digits;
        break;
    case 'S':
    case 'a':
    case 'V':
        /* numpy keeps item sizes in a C int */
        if (!ndig || digits > INT32_MAX)
            return 0;
        *size = digits;
        break;
    case 'U':
        if (!ndig || digits > INT32_MAX / 4)
            return 0;
        *size = digits * 4;
        break;
    case 'M':
    case 'm':
        if (digits != 8)
            return 0;
        if (s < end) { /* a unit, as numpy spells them: [ns], [25s] */
            if (*s++ != '[' || end[-1] != ']' || !datetime_unit(s, end - 1))
                return 0;
            s = end;
        }
        *size = 8;
        break;
    case 'O':
        if (ndig && digits != sizeof(void *))
            return 0;
        *size = sizeof(void *);
        *has_object = 1;
        break;
    default:
        return 0;
    }
    return s == end;
}

/* *out = size * count (count >= 0); 0 when it passes INT64_MAX. */
static int times_count(uint64_t size, int64_t count, uint64_t *out)
{
    if (count != 0 && size > (uint64_t)INT64_MAX / (uint64_t)count)
        return 0;
    *out = size * (uint64_t)count;
    return 1;
}

/* A descr: a type string, a list of fields, or (descr, shape).  *size
 * gets the item size; every product is checked. */
static int lex_descr(lexer *L, int depth, uint64_t *size, int *has_object)
{
    const unsigned char *s;
    size_t n;
    int64_t count;
    uint64_t sub;

    if (depth > MAX_DEPTH)
        return 0;
    skip_ws(L);
    switch (peek(L)) {
    case '\'':
    case '"':
        return lex_string(L, &s, &n) && typestr_size(s, n, size, has_object);
    case '(': /* (descr, shape): a subarray type */
        L->p++;
        if (!lex_descr(L, depth + 1, &sub, has_object) || !eat(L, ',') ||
            lex_shape(L, 1, ARRAYIO_MAX_DIMS, NULL, NULL, &count) != ARRAYIO_OK)
            return 0;
        eat(L, ',');
        if (!eat(L, ')'))
            return 0;
        return times_count(sub, count, size);
    case '[':
        L->p++;
        *size = 0;
        if (eat(L, ']'))
            return 1;
        for (;;) {
            /* (name, descr) or (name, descr, shape); name may be
             * (title, name) */
            if (!eat(L, '('))
                return 0;
            skip_ws(L);
            if (peek(L) == '(') {
                L->p++;
                if (!lex_string(L, &s, &n) || !eat(L, ',') ||
                    !lex_string(L, &s, &n) || !eat(L, ')'))
                    return 0;
            } else if (!lex_string(L, &s, &n)) {
                return 0;
            }
            if (!eat(L, ',') || !lex_descr(L, depth + 1, &sub, has_object))
                return 0;
            count = 1;
            if (eat(L, ',')) {
                skip_ws(L);
                if (peek(L) != ')' &&
                    lex_shape(L, 1, ARRAYIO_MAX_DIMS, NULL, NULL, &count) !=
                        ARRAYIO_OK)
                    return 0;
                eat(L, ',');
            }
            if (!eat(L, ')'))
                return 0;
            if (!times_count(sub, count, &sub))
                return 0;
            if (*size > (uint64_t)INT64_MAX - sub)
                return 0;
            *size += sub;
            if (eat(L, ']'))
                return 1;
            if (!eat(L, ','))
                return 0;
            if (eat(L, ']'))
                return 1;
        }
    default:
        return 0;
    }
}

/* ----------------------------------------------------------------------- */
/* Encodings                                                                */
/* ----------------------------------------------------------------------- */

size_t arrayio__utf8_seq(const unsigned char *s, const unsigned char *end,
                         uint32_t *cp)
{
    size_t n, i;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, c &= 0x07;
    else
        return 0;
    if ((size_t)(end - s) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Validate UTF-8; *chars gets the code point count and *latin1 whether every
 * code point is below 256. */
static int utf8_scan(const unsigned char *s, size_t n, size_t *chars,
                     int *latin1)
{
    const unsigned char *end = s + n;
    size_t count = 0;
    uint32_t cp;
    *latin1 = 1;
    while (s < end) {
        size_t k = arrayio__utf8_seq(s, end, &cp);
        if (k == 0)
            return 0;
        if (cp > 0xFF)
            *latin1 = 0;
        s += k;
        count++;
    }
    *chars = count;
    return 1;
}

/* ----------------------------------------------------------------------- */
/* Writer                                                                   */
/* ----------------------------------------------------------------------- */

static size_t int_digits(int64_t v)
{
    size_t n = 1;
    while (v >= 10)
        v /= 10, n++;
    return n;
}

static char *put_int(char *o, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *o++ = tmp[--n];
    return o;
}

static char *put_str(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

int arrayio_npy_check_descr(const char *descr, size_t descr_len,
                            arrayio_npy_descr *info)
{
    lexer L;
    uint64_t size = 0;
    int has_object = 0;
    size_t chars;
    int latin1;

    if (descr == NULL)
        return ARRAYIO_ERR_NULL;
    if (!utf8_scan((const unsigned char *)descr, descr_len, &chars, &latin1))
        return ARRAYIO_ERR_NPY_ENCODING;
    L.p = (const unsigned char *)descr;
    L.end = L.p + descr_len;
    L.allow_long = 0;
    if (!lex_descr(&L, 0, &size, &has_object))
        return ARRAYIO_ERR_NPY_DESCR;
    skip_ws(&L);
    if (L.p != L.end)
        return ARRAYIO_ERR_NPY_DESCR;
    if (info) {
        info->itemsize = size;
        info->has_object = has_object;
        info->latin1 = latin1;
    }
    return ARRAYIO_OK;
}

int arrayio_npy_format_header(const char *descr, size_t descr_len,
                              int fortran_order, int ndim,
                              const int64_t *shape, void *out,
                              size_t out_size, size_t *out_len)
{
    return arrayio_npy_format_header_at(descr, descr_len, fortran_order, ndim,
                                        shape, 0, out, out_size, out_len);
}

int arrayio_npy_format_header_at(const char *descr, size_t descr_len,
                                 int fortran_order, int ndim,
                                 const int64_t *shape, uint64_t start,
                                 void *out, size_t out_size, size_t *out_len)
{
    arrayio_npy_descr info;
    size_t body, prefix, hlen, pad, total, i;
    int st, d, major;
    int64_t prod = 1;
    char *o;

    st = arrayio_npy_check_descr(descr, descr_len, &info);
    if (st != ARRAYIO_OK)
        return st;
    if (ndim < 0 || ndim > ARRAYIO_MAX_DIMS)
        return ARRAYIO_ERR_NDIM;
    if (ndim > 0 && shape == NULL)
        return ARRAYIO_ERR_NULL;
    for (d = 0; d < ndim; d++) {
        if (shape[d] < 0)
            return ARRAYIO_ERR_SHAPE;
        if (shape[d] != 0 && arrayio__mul_i64(prod, shape[d], &prod))
            return ARRAYIO_ERR_OVERFLOW;
    }
    if (prod != 0 && info.itemsize > (uint64_t)INT64_MAX / (uint64_t)prod)
        return ARRAYIO_ERR_OVERFLOW;

    /* "{'descr': " D ", 'fortran_order': " B ", 'shape': " S ", }" G */
    body = 10 + (info.latin1 ? 0 : descr_len) + 19 +
           (fortran_order ? 4 : 5) + 11 + 3;
    if (info.latin1) { /* the descr in latin-1: one byte per code point */
        size_t chars;
        int l1;
        utf8_scan((const unsigned char *)descr, descr_len, &chars, &l1);
        body += chars;
    }
    if (ndim == 0) {
        body += 2;
    } else {
        body += 2 + (ndim == 1 ? 1 : 0);
        for (d = 0; d < ndim; d++)
            body += int_digits(shape[d]) + (d ? 2 : 0);
        body += GROWTH_DIGITS -
                int_digits(shape[fortran_order ? ndim - 1 : 0]);
    }
    /* version: 1.0 when it fits, 2.0 when latin-1 but larger, else 3.0 */
    hlen = body + 1; /* the final newline */
    major = info.latin1 ? 1 : 3;
    for (;;) {
        prefix = MAGIC_LEN + 2 + (major == 1 ? 2 : 4);
        pad = ALIGN - (size_t)((start % ALIGN + prefix + hlen) % ALIGN);
        if (major != 1 || hlen + pad <= 0xFFFF)
            break;
        major = 2;
    }
    if (hlen + pad > 0xFFFFFFFFu)
        return ARRAYIO_ERR_OVERFLOW;
    total = prefix + hlen + pad;
    if (out_len)
        *out_len = total;
    if (out == NULL || out_size < total)
        return ARRAYIO_ERR_SIZE;

    o = (char *)out;
    memcpy(o, MAGIC, MAGIC_LEN);
    o += MAGIC_LEN;
    *o++ = (char)major;
    *o++ = 0;
    for (i = 0; i < (major == 1 ? 2u : 4u); i++)
        *o++ = (char)(((hlen + pad) >> (8 * i)) & 0xFF);
    o = put_str(o, "{'descr': ");
    if (info.latin1) {
        const unsigned char *s = (const unsigned char *)descr,
                            *end = s + descr_len;
        uint32_t cp = 0;
        while (s < end) {
            s += arrayio__utf8_seq(s, end, &cp);
            *o++ = (char)cp;
        }
    } else {
        memcpy(o, descr, descr_len);
        o += descr_len;
    }
    o = put_str(o, ", 'fortran_order': ");
    o = put_str(o, fortran_order ? "True" : "False");
    o = put_str(o, ", 'shape': (");
    for (d = 0; d < ndim; d++) {
        if (d)
            o = put_str(o, ", ");
        o = put_int(o, shape[d]);
    }
    if (ndim == 1)
        *o++ = ',';
    o = put_str(o, "), }");
    if (ndim > 0) {
        size_t g = GROWTH_DIGITS -
                   int_digits(shape[fortran_order ? ndim - 1 : 0]);
        memset(o, ' ', g);
        o += g;
    }
    memset(o, ' ', pad);
    o += pad;
    *o++ = '\n';
    return (size_t)(o - (char *)out) == total ? ARRAYIO_OK
                                              : ARRAYIO_ERR_OVERFLOW;
}

/* ----------------------------------------------------------------------- */
/* Parser                                                                   */
/* ----------------------------------------------------------------------- */

int arrayio_npy_parse(const void *buf, size_t size, size_t max_header_size,
                      arrayio_npy_header *out)
{
    const unsigned char *b = (const unsigned char *)buf;
    size_t prefix, hlen, chars;
    uint64_t need;
    lexer L;
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0, latin1, st, i;
    int64_t count = 0;

    if (out == NULL || (buf == NULL && size > 0))
        return ARRAYIO_ERR_NULL;
    memset(out, 0, sizeof *out);
    out->data_offset = MAGIC_LEN + 2;
    if (size < MAGIC_LEN + 2)
        return size == 0 ||
                       memcmp(b, MAGIC, size < MAGIC_LEN ? size : MAGIC_LEN) == 0
                   ? ARRAYIO_ERR_NPY_TRUNCATED
                   : ARRAYIO_ERR_NPY_MAGIC;
    if (memcmp(b, MAGIC, MAGIC_LEN) != 0)
        return ARRAYIO_ERR_NPY_MAGIC;
    out->major = b[6];
    out->minor = b[7];
    if (out->minor != 0 || out->major < 1 || out->major > 3)
        return ARRAYIO_ERR_NPY_VERSION;
    prefix = MAGIC_LEN + 2 + (out->major == 1 ? 2 : 4);
    out->data_offset = prefix;
    if (size < prefix)
        return ARRAYIO_ERR_NPY_TRUNCATED;
    hlen = (size_t)b[8] | (size_t)b[9] << 8;
    if (out->major > 1)
        hlen |= (size_t)b[10] << 16 | (uint64_t)b[11] << 24;
    /* numpy counts characters; a UTF-8 character takes up to 4 bytes, so
     * a 3.0 header of more than 4 * max bytes is too long for certain */
    if ((out->major == 3 ? hlen / 4 + (hlen % 4 != 0) : hlen) > max_header_size)
        return ARRAYIO_ERR_NPY_HEADER_SIZE;
    need = (uint64_t)prefix + hlen;
    out->data_offset = need;
    if (size < need)
        return ARRAYIO_ERR_NPY_TRUNCATED;
    b += prefix;
    if (out->major == 3) {
        if (!utf8_scan(b, hlen, &chars, &latin1))
            return ARRAYIO_ERR_NPY_ENCODING;
    } else {
        chars = hlen;
    }
    if (chars > max_header_size)
        return ARRAYIO_ERR_NPY_HEADER_SIZE;

    L.p = b;
    L.end = b + hlen;
    L.allow_long = out->major < 3;
    if (!eat(&L, '{'))
        return ARRAYIO_ERR_NPY_SYNTAX;
    while (!eat(&L, '}')) {
        const unsigned char *key;
        size_t klen;
        if (!lex_string(&L, &key, &klen) || !eat(&L, ':'))
            return ARRAYIO_ERR_NPY_SYNTAX;
        skip_ws(&L);
        if (klen == 5 && memcmp(key, "descr", 5) == 0) {
            const unsigned char *start = L.p;
            if (seen_descr++)
                return ARRAYIO_ERR_NPY_KEYS;
            /* Python 2 wrote 'L' only after shape extents: a descr must
             * read exactly as arrayio_npy_check_descr reads it */
            L.allow_long = 0;
            if (!lex_descr(&L, 0, &out->itemsize, &out->has_object))
                return ARRAYIO_ERR_NPY_DESCR;
            L.allow_long = out->major < 3;
            out->descr = (const char *)start;
            out->descr_len = (size_t)(L.p - start);
        } else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0) {
            if (seen_fortran++)
                return ARRAYIO_ERR_NPY_KEYS;
            if (lex_word(&L, "True"))
                out->fortran_order = 1;
            else if (lex_word(&L, "False"))
                out->fortran_order = 0;
            else
                return ARRAYIO_ERR_NPY_FORTRAN;
        } else if (klen == 5 && memcmp(key, "shape", 5) == 0) {
            if (seen_shape++)
                return ARRAYIO_ERR_NPY_KEYS;
            st = lex_shape(&L, 0, ARRAYIO_MAX_DIMS, &out->ndim, out->shape,
                           &count);
            if (st != ARRAYIO_OK)
                return st;
        } else {
            return ARRAYIO_ERR_NPY_KEYS;
        }
        if (eat(&L, '}'))
            break;
        if (!eat(&L, ','))
            return ARRAYIO_ERR_NPY_SYNTAX;
    }
    skip_ws(&L);
    if (L.p != L.end)
        return ARRAYIO_ERR_NPY_SYNTAX;
    if (!(seen_descr && seen_fortran && seen_shape))
        return ARRAYIO_ERR_NPY_KEYS;
    /* the product of the non-zero extents times the item size must fit */
    {
        int64_t prod = 1;
        for (i = 0; i < out->ndim; i++)
            if (out->shape[i] != 0)
                prod *= out->shape[i]; /* checked by lex_shape */
        if (out->itemsize > (uint64_t)INT64_MAX / (uint64_t)prod)
            return ARRAYIO_ERR_NPY_SHAPE;
    }
    out->nbytes = (uint64_t)count * out->itemsize;
    return ARRAYIO_OK;
}

int arrayio_npy_data_view(const arrayio_npy_header *h, void *data,
                          int64_t *strides, arrayio_view *view)
{
    int64_t step;
    int i;

    if (h == NULL || strides == NULL || view == NULL)
        return ARRAYIO_ERR_NULL;
    if (h->itemsize == 0 || h->itemsize > (uint64_t)PTRDIFF_MAX)
        return ARRAYIO_ERR_ITEMSIZE;
    if (h->ndim < 0 || h->ndim > ARRAYIO_MAX_DIMS)
        return ARRAYIO_ERR_NDIM;
    step = (int64_t)h->itemsize;
    for (i = 0; i < h->ndim; i++) {
        int d = h->fortran_order ? i : h->ndim - 1 - i;
        if (h->shape[d] < 0)
            return ARRAYIO_ERR_SHAPE;
        strides[d] = step;
        if (h->shape[d] > 1 && arrayio__mul_i64(step, h->shape[d], &step))
            return ARRAYIO_ERR_OVERFLOW;
    }
    view->data = data;
    view->itemsize = (size_t)h->itemsize;
    view->ndim = h->ndim;
    view->shape = h->shape;
    view->strides = strides;
    return arrayio_view_check(view, NULL);
}

/* ----------------------------------------------------------------------- */
/* Save and open on file descriptors                                        */
/* ----------------------------------------------------------------------- */

/* Headers up to this size, and small arrays with them, are built on the
 * stack and written with one system call. */
#define SMALL_FILE 4096

/* Write bytes [io->done - base, n) of mem, as part of a larger stream whose
 * progress io->done counts from `base`. */
static int write_part(int fd, const char *mem, size_t n, uint64_t base,
                      arrayio_io *io)
{
    int64_t extent = (int64_t)n, one = 1;
    arrayio_view v;
    arrayio_io part = *io;
    int st;

    v.data = (void *)(uintptr_t)mem;
    v.itemsize = 1;
    v.ndim = 1;
    v.shape = &extent;
    v.strides = &one;
    part.done = io->done - base;
    st = arrayio_write_fd(fd, &v, ARRAYIO_ORDER_C, &part);
    io->done = base + part.done;
    io->sys_errno = part.sys_errno;
    return st;
}

int arrayio_npy_save_fd(int fd, const arrayio_view *view, int order,
                        const char *descr, size_t descr_len, arrayio_io *io)
{
    arrayio_io defaults = {0, 0, 0u, NULL, 0};
    arrayio_npy_descr info;
    arrayio_extent ext;
    char small[SMALL_FILE], *header = small;
    size_t hlen = 0;
    int st, fortran;

    if (io == NULL)
        io = &defaults;
    io->sys_errno = 0;
    st = arrayio_view_check(view, &ext);
    if (st != ARRAYIO_OK)
        return st;
    if (order == ARRAYIO_ORDER_A)
        fortran = (ext.flags & ARRAYIO_F_CONTIGUOUS) &&
                  !(ext.flags & ARRAYIO_C_CONTIGUOUS);
    else if (order == ARRAYIO_ORDER_C || order == ARRAYIO_ORDER_F)
        fortran = order == ARRAYIO_ORDER_F;
    else
        return ARRAYIO_ERR_ORDER;
    st = arrayio_npy_check_descr(descr, descr_len, &info);
    if (st != ARRAYIO_OK)
        return st;
    if (info.has_object)
        return ARRAYIO_ERR_NPY_OBJECT;
    if (info.itemsize != view->itemsize)
        return ARRAYIO_ERR_MISMATCH;
    st = arrayio_npy_format_header(descr, descr_len, fortran, view->ndim,
                            view->shape, NULL, 0, &hlen);
    if (st != ARRAYIO_ERR_SIZE)
        return st;
    if (io->done > hlen + ext.nbytes)
        return ARRAYIO_ERR_RANGE;
    if (hlen > sizeof small) {
        header = (char *)malloc(hlen);
        if (header == NULL)
            return ARRAYIO_ERR_NOMEM;
    }
    arrayio_npy_format_header(descr, descr_len, fortran, view->ndim, view->shape,
                       header, hlen, &hlen);
    if (header == small && ext.nbytes <= sizeof small - hlen) {
        /* small file: header and data leave in one write */
        if (ext.nbytes)
            arrayio_pack(view, fortran ? ARRAYIO_ORDER_F : ARRAYIO_ORDER_C,
                         small + hlen, sizeof small - hlen);
        st = write_part(fd, small, hlen + (size_t)ext.nbytes, 0, io);
    } else {
        st = ARRAYIO_OK;
        if (io->done < hlen)
            st = write_part(fd, header, hlen, 0, io);
        if (st == ARRAYIO_OK) {
            arrayio_io part = *io;
            part.done = io->done - hlen;
            st = arrayio_write_fd(fd, view,
                                  fortran ? ARRAYIO_ORDER_F : ARRAYIO_ORDER_C,
                                  &part);
            io->done = hlen + part.done;
            io->sys_errno = part.sys_errno;
        }
    }
    if (header != small)
        free(header);
    if (st == ARRAYIO_ERR_OS)
        errno = io->sys_errno;
    return st;
}

int arrayio_npy_read_header(int fd, void *buf, size_t buf_size,
                            size_t max_header_size, arrayio_npy_header *out,
                            arrayio_io *io)
{
    arrayio_io defaults = {0, 0, 0u, NULL, 0};
    size_t have;
    int st;

    if (io == NULL)
        io = &defaults;
    if (out == NULL || buf == NULL)
        return ARRAYIO_ERR_NULL;
    have = (size_t)io->done;
    if (have > buf_size)
        return ARRAYIO_ERR_RANGE;
    /* Read what the header says it needs, never more: the descriptor may
     * be a pipe, and the data must stay in it. */
    for (;;) {
        uint64_t need;
        st = arrayio_npy_parse(buf, have, max_header_size, out);
        if (st != ARRAYIO_ERR_NPY_TRUNCATED)
            break;
        need = out->data_offset;
        if (need > buf_size)
            return ARRAYIO_ERR_SIZE;
        {
            int64_t n = (int64_t)(need - have), one = 1;
            arrayio_view chunk;
            arrayio_io part = *io;
            chunk.data = (char *)buf + have;
            chunk.itemsize = 1;
            chunk.ndim = 1;
            chunk.shape = &n;
            chunk.strides = &one;
            part.done = 0;
            part.buffer = NULL;
            st = arrayio_read_fd(fd, &chunk, 'C', &part);
            have += (size_t)part.done;
            io->done = have;
            io->sys_errno = part.sys_errno;
            if (st == ARRAYIO_ERR_EOF)
                return ARRAYIO_ERR_NPY_TRUNCATED;
            if (st != ARRAYIO_OK)
                return st;
        }
    }
    return st;
}
