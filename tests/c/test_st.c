/* The safetensors header parser and writer.  Expected bytes are what the
 * safetensors library (0.8) writes for the same tensors; errors are checked
 * code by code, with the place they report. */
#include "testutil.h"

#include <stdint.h>

/* safetensors.numpy.save of {'b': zeros(3, f4), 'a': zeros((2, 1), i8),
 * 'cé\n"': zeros(1, u1), 'z': zeros(2, i4), 'y': zeros((), f8),
 * 'e': zeros(0, bool), 'x': zeros(1, c8)}: its JSON (392 bytes, no padding
 * needed), and with metadata {'k': 'v', 'a': 'b'} (425 + 7 spaces). */
static const char golden_json[] =
    "{\"a\":{\"dtype\":\"I64\",\"shape\":[2,1],\"data_offsets\":[0,16]},"
    "\"y\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[16,24]},"
    "\"x\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[24,32]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[32,44]},"
    "\"z\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[44,52]},"
    "\"c\xc3\xa9\\n\\\"\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[52,53]},"
    "\"e\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[53,53]}}";
static const char golden_meta_prefix[] = "{\"__metadata__\":{\"k\":\"v\",\"a\":\"b\"},";

typedef struct spec {
    const char *name;
    int dtype, ndim;
    int64_t shape[3];
} spec;

static const spec golden_tensors[] = {
    {"a", ARRAYIO_ST_I64, 2, {2, 1, 0}},   {"y", ARRAYIO_ST_F64, 0, {0, 0, 0}},
    {"x", ARRAYIO_ST_C64, 1, {1, 0, 0}},   {"b", ARRAYIO_ST_F32, 1, {3, 0, 0}},
    {"z", ARRAYIO_ST_I32, 1, {2, 0, 0}},   {"c\xc3\xa9\n\"", ARRAYIO_ST_U8, 1, {1, 0, 0}},
    {"e", ARRAYIO_ST_BOOL, 1, {0, 0, 0}},
};
#define NGOLDEN (sizeof golden_tensors / sizeof golden_tensors[0])

static int parse(const char *json, size_t n, uint64_t data_size,
                 arrayio_st_header *h, void **work)
{
    char *w;
    int st = tu_st_parse(json, n, data_size, h, &w);
    *work = w;
    return st;
}

static void fill_tensors(arrayio_st_tensor *t)
{
    size_t i;
    for (i = 0; i < NGOLDEN; i++) {
        t[i].name = golden_tensors[i].name;
        t[i].name_size = strlen(golden_tensors[i].name);
        t[i].dtype = golden_tensors[i].dtype;
        t[i].ndim = golden_tensors[i].ndim;
        t[i].shape = golden_tensors[i].shape;
    }
}

static void test_writer_matches_library(void)
{
    arrayio_st_tensor t[NGOLDEN];
    arrayio_st_entry meta[2] = {{"k", 1, "v", 1, 0}, {"a", 1, "b", 1, 0}};
    unsigned char out[1024];
    size_t len = 0, jlen = strlen(golden_json), plen = strlen(golden_meta_prefix);
    uint64_t n = 0;

    fill_tensors(t);
    CHECK_EQ(arrayio_st_format_header(t, NGOLDEN, NULL, 0, NULL, 0, &len), ARRAYIO_ERR_SIZE);
    CHECK_EQ(len, 8 + 392);
    CHECK_EQ(arrayio_st_format_header(t, NGOLDEN, NULL, 0, out, len - 1, &len), ARRAYIO_ERR_SIZE);
    CHECK_EQ(arrayio_st_format_header(t, NGOLDEN, NULL, 0, out, sizeof out, &len), ARRAYIO_OK);
    CHECK_EQ(jlen, 392);
    CHECK(memcmp(out + 8, golden_json, jlen) == 0);
    CHECK_EQ(arrayio_st_read_prefix(out, len, &n), ARRAYIO_OK);
    CHECK_EQ(n, 392);
    CHECK_EQ(t[0].begin, 0);
    CHECK_EQ(t[0].end, 16);
    CHECK_EQ(t[6].begin, 53);
    CHECK_EQ(t[6].end, 53);

    CHECK_EQ(arrayio_st_format_header(t, NGOLDEN, meta, 2, out, sizeof out, &len), ARRAYIO_OK);
    CHECK_EQ(len, 8 + 432);
    CHECK(memcmp(out + 8, golden_meta_prefix, plen) == 0);
    CHECK(memcmp(out + 8 + plen, golden_json + 1, jlen - 1) == 0);
    CHECK(memcmp(out + 8 + plen + jlen - 1, "       ", 7) == 0);

    /* No tensors: "{}" and six spaces; an empty metadata object is kept. */
    CHECK_EQ(arrayio_st_format_header(NULL, 0, NULL, 0, out, sizeof out, &len), ARRAYIO_OK);
    CHECK_EQ(len, 16);
    CHECK(memcmp(out, "\x08\0\0\0\0\0\0\0{}      ", 16) == 0);
    CHECK_EQ(arrayio_st_format_header(NULL, 0, meta, 0, out, sizeof out, &len), ARRAYIO_OK);
    CHECK(memcmp(out + 8, "{\"__metadata__\":{}}     ", 24) == 0);
}

static void test_escapes(void)
{
    /* serde_json's escaping: short forms, \u00xx lower-case, DEL and
     * non-ASCII as they are. */
    static const char name[] = "q\"\\/\b\f\n\r\t\x01\x1f\x7f\xf0\x9f\x98\x80";
    static const char expect[] =
        "{\"q\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xf0\x9f\x98\x80\":"
        "{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}";
    int64_t shape[1] = {2};
    arrayio_st_tensor t = {name, sizeof name - 1, ARRAYIO_ST_F4, 1, shape, 0, 0, 0};
    unsigned char out[256];
    size_t len;
    arrayio_st_header h;
    void *work;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_OK);
    CHECK(memcmp(out + 8, expect, strlen(expect)) == 0);
    CHECK_EQ(len % 8, 0);
    /* And back: the parser decodes every escape, \u forms and pairs too. */
    CHECK_EQ(parse((const char *)out + 8, len - 8, 1, &h, &work), ARRAYIO_OK);
    CHECK_EQ(h.count, 1);
    CHECK_EQ(h.tensors[0].name_size, sizeof name - 1);
    CHECK(memcmp(h.tensors[0].name, name, sizeof name) == 0); /* and its NUL */
    free(work);
    {
        static const char j[] = "{\"\\u00e9\\ud83d\\ude00\\u0000\\/\":{\"dtype\":\"U8\","
                                "\"shape\":[],\"data_offsets\":[0,1]}}";
        CHECK_EQ(parse(j, sizeof j - 1, 1, &h, &work), ARRAYIO_OK);
        CHECK_EQ(h.tensors[0].name_size, 8);
        CHECK(memcmp(h.tensors[0].name, "\xc3\xa9\xf0\x9f\x98\x80\0/", 8) == 0);
        free(work);
    }
}

static void test_parser_reads_library_json(void)
{
    arrayio_st_header h;
    void *work;
    size_t i, j;
    char buf[1024];
    int st = parse(golden_json, strlen(golden_json), 53, &h, &work);
    CHECK_EQ(st, ARRAYIO_OK);
    CHECK_EQ(h.count, NGOLDEN);
    CHECK_EQ(h.has_metadata, 0);
    CHECK_EQ(h.data_size, 53);
    /* Sorted by (begin, end, name): the file's order here. */
    for (i = 0; i < h.count && i < NGOLDEN; i++) {
        const spec *s = &golden_tensors[i];
        const arrayio_st_tensor *t = &h.tensors[i];
        CHECK_EQ(t->name_size, strlen(s->name));
        CHECK(strcmp(t->name, s->name) == 0);
        CHECK_EQ(t->dtype, s->dtype);
        CHECK_EQ(t->ndim, s->ndim);
        for (j = 0; j < (size_t)s->ndim; j++)
            CHECK_EQ(t->shape[j], s->shape[j]);
        CHECK(i == 0 || t->begin == h.tensors[i - 1].end);
    }
    free(work);

    /* With metadata, padded, and the data size checked. */
    snprintf(buf, sizeof buf, "%s%s       ", golden_meta_prefix, golden_json + 1);
    CHECK_EQ(parse(buf, strlen(buf), 53, &h, &work), ARRAYIO_OK);
    CHECK_EQ(h.has_metadata, 1);
    CHECK_EQ(h.metadata_count, 2);
    CHECK(strcmp(h.metadata[0].key, "k") == 0 && strcmp(h.metadata[0].value, "v") == 0);
    CHECK(strcmp(h.metadata[1].key, "a") == 0 && strcmp(h.metadata[1].value, "b") == 0);
    free(work);
    CHECK_EQ(parse(buf, strlen(buf), 54, &h, &work), ARRAYIO_ERR_ST_DATA_END);
    free(work);
    CHECK_EQ(parse(buf, strlen(buf), ARRAYIO_ST_SIZE_UNKNOWN, &h, &work), ARRAYIO_OK);
    CHECK_EQ(h.data_size, 53);
    free(work);
}

static void test_parser_accepts(void)
{
    static const struct {
        const char *json;
        uint64_t data_size;
        size_t count;
    } cases[] = {
        {"{}", 0, 0},
        {" \t\r\n{ } \n", 0, 0},
        {"{\"__metadata__\":null}", 0, 0},
        {"{\"__metadata__\":{}}", 0, 0},
        /* Any order in the file; sorted by offset; zero-size tensors. */
        {"{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]},"
         "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
         "\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]}}", 4, 3},
        /* Unknown keys are skipped, whatever they hold; spaces anywhere. */
        {"{ \"a\" : { \"x\" : [1, {\"y\": [true, false, null, -1.5e+3, \"s\"]}],"
         " \"data_offsets\" : [ 0 , 3 ] , \"shape\" : [ 6 ] , \"dtype\" : \"F4\" } }", 3, 1},
        /* Sub-byte types: whole bytes only. */
        {"{\"a\":{\"dtype\":\"F6_E3M2\",\"shape\":[4],\"data_offsets\":[0,3]}}", 3, 1},
        {"{\"a\":{\"dtype\":\"U64\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
         "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
         "1,1],\"data_offsets\":[0,8]}}", 8, 1},
        /* Escaped keys mean the same key. */
        {"{\"a\":{\"dt\\u0079pe\":\"I8\",\"shape\":[],\"data_offsets\":[0,1]}}", 1, 1},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arrayio_st_header h;
        void *work;
        int st = parse(cases[i].json, strlen(cases[i].json), cases[i].data_size, &h, &work);
        if (st != ARRAYIO_OK)
            fprintf(stderr, "case %lu: %s\n", (unsigned long)i, arrayio_error_name(st));
        CHECK_EQ(st, ARRAYIO_OK);
        CHECK_EQ(h.count, cases[i].count);
        free(work);
    }
}

static void test_parser_errors(void)
{
    static const struct {
        const char *json;
        int status;
        int at;     /* expected error_offset, or -1 to skip */
        int key_at; /* expected error_key_offset, -1 for none */
    } cases[] = {
        {"", ARRAYIO_ERR_ST_SYNTAX, 0, -1},
        {"[]", ARRAYIO_ERR_ST_SYNTAX, 0, -1},
        {"{", ARRAYIO_ERR_ST_SYNTAX, 1, -1},
        {"{}x", ARRAYIO_ERR_ST_SYNTAX, 2, -1},
        {"{}\0", ARRAYIO_ERR_ST_SYNTAX, -1, -1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2],}}", ARRAYIO_ERR_ST_SYNTAX, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[02],\"data_offsets\":[0,2]}}", ARRAYIO_ERR_ST_SYNTAX, -1, 1},
        {"{\"a\t\":{}}", ARRAYIO_ERR_ST_SYNTAX, 3, 1},
        {"{\"a\\x\":{}}", ARRAYIO_ERR_ST_SYNTAX, -1, 1},
        {"{\"a\":{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}",
         ARRAYIO_ERR_ST_SYNTAX, -1, 1},
        {"{\"\\ud800\":{}}", ARRAYIO_ERR_ST_ENCODING, 2, 1},
        {"{\"\\udc00\":{}}", ARRAYIO_ERR_ST_ENCODING, 2, 1},
        {"{\"\xff\":{}}", ARRAYIO_ERR_ST_ENCODING, 2, -1},
        {"{\"\xed\xa0\x80\":{}}", ARRAYIO_ERR_ST_ENCODING, 2, -1},
        {"{\"a\":[]}", ARRAYIO_ERR_ST_SCHEMA, 5, 1},
        {"{\"a\":\"x\"}", ARRAYIO_ERR_ST_SCHEMA, 5, 1},
        {"{\"a\":[1,}}", ARRAYIO_ERR_ST_SYNTAX, -1, 1}, /* not JSON: not a shape error */
        {"{\"a\":x}", ARRAYIO_ERR_ST_SYNTAX, 5, 1},
        {"{\"a\":{}}", ARRAYIO_ERR_ST_SCHEMA, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2]}}", ARRAYIO_ERR_ST_SCHEMA, -1, 1},
        {"{\"a\":{\"dtype\":\"u8\",\"shape\":[2],\"data_offsets\":[0,2]}}", ARRAYIO_ERR_ST_DTYPE, 14, 1},
        {"{\"a\":{\"dtype\":8,\"shape\":[2],\"data_offsets\":[0,2]}}", ARRAYIO_ERR_ST_DTYPE, 14, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2.0],\"data_offsets\":[0,2]}}", ARRAYIO_ERR_ST_SHAPE, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[-0],\"data_offsets\":[0,0]}}", ARRAYIO_ERR_ST_SHAPE, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":null,\"data_offsets\":[0,2]}}", ARRAYIO_ERR_ST_SHAPE, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775808],\"data_offsets\":[0,0]}}",
         ARRAYIO_ERR_ST_SHAPE, -1, 1},
        {"{\"a\":{\"dtype\":\"U64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}",
         ARRAYIO_ERR_ST_SHAPE, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
         "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
         "1],\"data_offsets\":[0,1]}}", ARRAYIO_ERR_ST_SHAPE, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2,2]}}", ARRAYIO_ERR_ST_OFFSETS, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,0]}}", ARRAYIO_ERR_ST_OFFSETS, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[1]}}", ARRAYIO_ERR_ST_OFFSETS, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":\"0,0\"}}", ARRAYIO_ERR_ST_OFFSETS, -1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,3]}}", ARRAYIO_ERR_ST_NBYTES, -1, 1},
        {"{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", ARRAYIO_ERR_ST_NBYTES, -1, 1},
        /* A gap (b starts at 3), an overlap, a first tensor not at 0. */
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
         "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5]}}", ARRAYIO_ERR_ST_OFFSETS, 53, 53},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
         "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", ARRAYIO_ERR_ST_OFFSETS, 53, 53},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", ARRAYIO_ERR_ST_OFFSETS, 1, 1},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
         "\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", ARRAYIO_ERR_ST_DUPLICATE, 53, 53},
        {"{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}",
         ARRAYIO_ERR_ST_DUPLICATE, -1, 1},
        {"{\"__metadata__\":{},\"__metadata__\":null}", ARRAYIO_ERR_ST_DUPLICATE, -1, 19},
        {"{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", ARRAYIO_ERR_ST_DUPLICATE, 25, 25},
        {"{\"__metadata__\":{\"k\":1}}", ARRAYIO_ERR_ST_METADATA, 21, 17},
        {"{\"__metadata__\":[]}", ARRAYIO_ERR_ST_METADATA, 16, 1},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arrayio_st_header h;
        void *work;
        const char *j = cases[i].json;
        size_t n = strlen(j) + (strcmp(j, "{}") == 0 ? 1 : 0);
        int st = parse(j, n, 2, &h, &work);
        if (st != cases[i].status || (cases[i].at >= 0 && h.error_offset != (size_t)cases[i].at) ||
            (cases[i].key_at < 0) != (h.error_key_offset == SIZE_MAX))
            fprintf(stderr, "case %lu: %s at %lu (key at %ld)\n", (unsigned long)i,
                    arrayio_error_name(st), (unsigned long)h.error_offset,
                    (long)h.error_key_offset);
        CHECK_EQ(st, cases[i].status);
        if (cases[i].at >= 0)
            CHECK_EQ(h.error_offset, cases[i].at);
        if (cases[i].key_at >= 0)
            CHECK_EQ(h.error_key_offset, cases[i].key_at);
        else
            CHECK(h.error_key_offset == SIZE_MAX);
        free(work);
    }
    /* Metadata errors say so. */
    {
        arrayio_st_header h;
        void *work;
        const char *j1 = "{\"__metadata__\":{\"k\":1}}";
        const char *j2 = "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}";
        const char *j3 = "{\"a\":{\"dtype\":\"U8\",\"shape\":[0.5],\"data_offsets\":[0,0]}}";
        CHECK_EQ(parse(j1, strlen(j1), 0, &h, &work), ARRAYIO_ERR_ST_METADATA);
        CHECK_EQ(h.error_in_metadata, 1);
        free(work);
        CHECK_EQ(parse(j2, strlen(j2), 0, &h, &work), ARRAYIO_ERR_ST_DUPLICATE);
        CHECK_EQ(h.error_in_metadata, 1);
        free(work);
        CHECK_EQ(parse(j3, strlen(j3), 0, &h, &work), ARRAYIO_ERR_ST_SHAPE);
        CHECK_EQ(h.error_in_metadata, 0);
        CHECK_EQ(h.error_offset, 28); /* at the number, not after it */
        free(work);
    }
    /* The data must end where the file does. */
    {
        arrayio_st_header h;
        void *work;
        CHECK_EQ(parse("{}", 2, 1, &h, &work), ARRAYIO_ERR_ST_DATA_END);
        free(work);
    }
}

static void test_work_and_prefix(void)
{
    arrayio_st_header h;
    char *work;
    uint64_t n;
    unsigned char prefix[8] = {0};
    size_t len = strlen(golden_json), need;
    CHECK_EQ(arrayio_st_parse(golden_json, len, 53, NULL, 0, &h), ARRAYIO_ERR_SIZE);
    need = h.work_size;
    CHECK(need > 0 && need < 7 * len + 64);
    work = malloc(need + 3);
    /* Any alignment of the work buffer; one byte short is refused. */
    CHECK_EQ(arrayio_st_parse(golden_json, len, 53, work + 3, need - 1, &h), ARRAYIO_ERR_SIZE);
    CHECK_EQ(arrayio_st_parse(golden_json, len, 53, work + 3, need, &h), ARRAYIO_OK);
    CHECK_EQ(h.count, NGOLDEN);
    CHECK((char *)h.tensors >= work + 3 && (char *)(h.tensors + h.count) <= work + 3 + need);
    CHECK((uintptr_t)h.tensors % sizeof(void *) == 0);
    free(work);
    /* Headers whose last string is the __metadata__ key, at every
     * alignment, in buffers of exactly the size asked for (ASan checks). */
    {
        static const char *const metas[] = {
            "{\"__metadata__\":null}", "{\"__metadata__\":{}}",
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"__metadata__\":null}"};
        size_t m, skew;
        for (m = 0; m < 3; m++)
            for (skew = 0; skew < 16; skew++) {
                size_t n = strlen(metas[m]);
                char *buf;
                CHECK_EQ(arrayio_st_parse(metas[m], n, 0, NULL, 0, &h), ARRAYIO_ERR_SIZE);
                buf = malloc(skew + h.work_size);
                CHECK_EQ(arrayio_st_parse(metas[m], n, 0, buf + skew, h.work_size, &h), ARRAYIO_OK);
                free(buf);
            }
    }
    CHECK_EQ(arrayio_st_parse(NULL, 1, 0, NULL, 0, &h), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_st_parse("{}", 2, 0, NULL, 0, NULL), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_st_parse("{}", (size_t)ARRAYIO_ST_MAX_HEADER_SIZE + 1, 0, NULL, 0, &h),
             ARRAYIO_ERR_ST_HEADER_SIZE);

    prefix[0] = 0x00;
    prefix[1] = 0xe1;
    prefix[2] = 0xf5;
    prefix[3] = 0x05; /* 100,000,000 */
    CHECK_EQ(arrayio_st_read_prefix(prefix, ARRAYIO_ST_SIZE_UNKNOWN, &n), ARRAYIO_OK);
    CHECK_EQ(n, 100000000);
    CHECK_EQ(arrayio_st_read_prefix(prefix, 100000008, &n), ARRAYIO_OK);
    CHECK_EQ(arrayio_st_read_prefix(prefix, 100000007, &n), ARRAYIO_ERR_ST_HEADER_SIZE);
    prefix[0] = 1;
    CHECK_EQ(arrayio_st_read_prefix(prefix, ARRAYIO_ST_SIZE_UNKNOWN, &n), ARRAYIO_ERR_ST_HEADER_SIZE);
    memset(prefix, 0xff, 8);
    CHECK_EQ(arrayio_st_read_prefix(prefix, ARRAYIO_ST_SIZE_UNKNOWN, &n), ARRAYIO_ERR_ST_HEADER_SIZE);
    CHECK(n == UINT64_MAX);
    CHECK_EQ(arrayio_st_read_prefix(NULL, 0, &n), ARRAYIO_ERR_NULL);
    memset(prefix, 0, 8);
    CHECK_EQ(arrayio_st_read_prefix(prefix, 7, &n), ARRAYIO_ERR_ST_HEADER_SIZE);
}

static void test_dtypes(void)
{
    int i;
    CHECK_EQ(ARRAYIO_ST_DTYPE_COUNT, 22);
    for (i = 0; i < ARRAYIO_ST_DTYPE_COUNT; i++) {
        const char *name = arrayio_st_dtype_name(i);
        CHECK(name != NULL);
        CHECK_EQ(arrayio_st_dtype_from_name(name, strlen(name)), i);
    }
    CHECK_EQ(arrayio_st_dtype_bits(ARRAYIO_ST_F4), 4);
    CHECK_EQ(arrayio_st_dtype_bits(ARRAYIO_ST_F6_E2M3), 6);
    CHECK_EQ(arrayio_st_dtype_bits(ARRAYIO_ST_BF16), 16);
    CHECK_EQ(arrayio_st_dtype_bits(ARRAYIO_ST_C64), 64);
    CHECK(arrayio_st_dtype_name(-1) == NULL && arrayio_st_dtype_name(22) == NULL);
    CHECK_EQ(arrayio_st_dtype_bits(22), 0);
    CHECK_EQ(arrayio_st_dtype_from_name("F3", 2), -1);
    CHECK_EQ(arrayio_st_dtype_from_name("F32x", 3), ARRAYIO_ST_F32);
    CHECK_EQ(arrayio_st_dtype_from_name(NULL, 0), -1);
}

static void test_writer_errors(void)
{
    int64_t shape[2] = {3, -1}, big[2] = {INT64_MAX / 4, 8};
    arrayio_st_tensor t = {"a", 1, ARRAYIO_ST_F4, 1, shape, 0, 0, 0};
    arrayio_st_entry bad = {"k", 1, "\xc3", 1, 0};
    unsigned char out[256];
    size_t len;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_ST_NBYTES);
    t.ndim = 2;
    t.dtype = ARRAYIO_ST_U8;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_SHAPE);
    t.shape = big;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_OVERFLOW);
    t.shape = NULL;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_NULL);
    t.ndim = ARRAYIO_MAX_DIMS + 1;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_NDIM);
    t.ndim = 0;
    t.dtype = 22;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_ST_DTYPE);
    t.dtype = ARRAYIO_ST_U8;
    t.name = "__metadata__";
    t.name_size = 12;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_ST_SCHEMA);
    t.name = "\xff";
    t.name_size = 1;
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_ST_ENCODING);
    t.name = "a";
    CHECK_EQ(arrayio_st_format_header(&t, 1, &bad, 1, out, sizeof out, &len), ARRAYIO_ERR_ST_ENCODING);
    CHECK_EQ(arrayio_st_format_header(NULL, 1, NULL, 0, out, sizeof out, &len), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_st_format_header(&t, 1, NULL, 1, out, sizeof out, &len), ARRAYIO_ERR_NULL);
    /* Offsets that pass int64 over several tensors. */
    {
        int64_t half[1] = {INT64_MAX / 2 + 1};
        arrayio_st_tensor two[2] = {{"a", 1, ARRAYIO_ST_U8, 1, half, 0, 0, 0},
                                    {"b", 1, ARRAYIO_ST_U8, 1, half, 0, 0, 0}};
        CHECK_EQ(arrayio_st_format_header(two, 2, NULL, 0, out, sizeof out, &len),
                 ARRAYIO_ERR_OVERFLOW);
    }
}

/* Random headers through the writer and back through the parser. */
static void test_round_trip(void)
{
    unsigned seed = 12345;
    int iter;
    for (iter = 0; iter < 2000; iter++) {
        arrayio_st_tensor t[8];
        int64_t shapes[8][4];
        char names[8][8];
        arrayio_st_entry meta[2] = {{"x\n", 2, "", 0, 0}, {"\xc3\xa9", 2, "v\"", 2, 0}};
        size_t count, i, len;
        unsigned char *out;
        arrayio_st_header h;
        void *work;
        seed = seed * 1103515245u + 12345u;
        count = (seed >> 16) % 9;
        for (i = 0; i < count; i++) {
            int d;
            seed = seed * 1103515245u + 12345u;
            /* distinct names: the index, then random bytes below 0x80 */
            names[i][0] = (char)('0' + i);
            names[i][1] = (char)((seed >> 8) & 0x7f);
            names[i][2] = (char)((seed >> 15) & 0x7f);
            t[i].name = names[i];
            t[i].name_size = 1 + (seed >> 22) % 3;
            t[i].dtype = (int)((seed >> 24) % ARRAYIO_ST_DTYPE_COUNT);
            t[i].ndim = (int)((seed >> 12) % 5);
            if (arrayio_st_dtype_bits(t[i].dtype) < 8 && t[i].ndim == 0)
                t[i].ndim = 1; /* one 4- or 6-bit item is not whole bytes */
            for (d = 0; d < t[i].ndim; d++)
                shapes[i][d] = (int64_t)((seed >> (2 * d)) % 5) * 4;
            t[i].shape = shapes[i];
        }
        CHECK_EQ(arrayio_st_format_header(t, count, iter % 2 ? meta : NULL, iter % 2 ? 2 : 0, NULL, 0, &len),
                 ARRAYIO_ERR_SIZE);
        out = malloc(len);
        CHECK_EQ(arrayio_st_format_header(t, count, iter % 2 ? meta : NULL, iter % 2 ? 2 : 0, out, len, &len),
                 ARRAYIO_OK);
        CHECK_EQ(parse((const char *)out + 8, len - 8,
                       count ? t[count - 1].end : 0, &h, &work), ARRAYIO_OK);
        CHECK_EQ(h.count, count);
        CHECK_EQ(h.has_metadata, iter % 2);
        if (iter % 2) {
            CHECK_EQ(h.metadata_count, 2);
            CHECK(h.metadata_count == 2 && h.metadata[0].key_size == 2 &&
                  memcmp(h.metadata[0].key, "x\n", 2) == 0 &&
                  h.metadata[1].value_size == 2 && memcmp(h.metadata[1].value, "v\"", 2) == 0);
        }
        /* The parser's order is (begin, end, name); find each by name. */
        for (i = 0; i < count && h.count == count; i++) {
            size_t k;
            int found = 0;
            for (k = 0; k < h.count; k++) {
                const arrayio_st_tensor *p = &h.tensors[k];
                int d, same;
                if (p->name_size != t[i].name_size || memcmp(p->name, t[i].name, p->name_size))
                    continue;
                same = p->dtype == t[i].dtype && p->ndim == t[i].ndim &&
                       p->begin == t[i].begin && p->end == t[i].end;
                for (d = 0; same && d < p->ndim; d++)
                    same = p->shape[d] == t[i].shape[d];
                CHECK(same);
                found = 1;
            }
            CHECK(found);
        }
        free(work);
        free(out);
    }
}

int main(void)
{
    static const tu_test tests[] = {
        {"writer_matches_library", test_writer_matches_library},
        {"escapes", test_escapes},
        {"parser_reads_library_json", test_parser_reads_library_json},
        {"parser_accepts", test_parser_accepts},
        {"parser_errors", test_parser_errors},
        {"work_and_prefix", test_work_and_prefix},
        {"dtypes", test_dtypes},
        {"writer_errors", test_writer_errors},
        {"round_trip", test_round_trip},
    };
    return tu_run(tests, sizeof tests / sizeof tests[0]);
}
