/* .npy header writer and parser against headers numpy.save wrote
 * (npy_golden.h), every parser error path, save and read on descriptors. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "npy_golden.h"

#include <fcntl.h>
#include <unistd.h>

#define NGOLDEN (sizeof npy_goldens / sizeof npy_goldens[0])

static void test_writer_matches_numpy(void)
{
    size_t i;
    for (i = 0; i < NGOLDEN; i++) {
        const npy_golden *g = &npy_goldens[i];
        int64_t shape[64];
        unsigned char out[4096];
        size_t len = 0;
        int d, st;
        for (d = 0; d < g->ndim; d++)
            shape[d] = g->shape[d];
        st = arrayio_npy_format_header(g->descr, strlen(g->descr),
                                       g->fortran_order, g->ndim, shape, NULL,
                                       0, &len);
        CHECK_EQ(st, ARRAYIO_ERR_SIZE);
        CHECK_EQ(len, g->header_len);
        st = arrayio_npy_format_header(g->descr, strlen(g->descr),
                                       g->fortran_order, g->ndim, shape, out,
                                       len - 1, &len);
        CHECK_EQ(st, ARRAYIO_ERR_SIZE);
        st = arrayio_npy_format_header(g->descr, strlen(g->descr),
                                       g->fortran_order, g->ndim, shape, out,
                                       sizeof out, &len);
        CHECK_EQ(st, ARRAYIO_OK);
        CHECK_EQ(len, g->header_len);
        CHECK_EQ(len % 64, 0);
        if (len != g->header_len || memcmp(out, g->header, len) != 0) {
            fprintf(stderr, "header differs from numpy's for %s\n", g->name);
            CHECK(0);
        }
    }
}

static void test_parser_reads_numpy(void)
{
    size_t i;
    for (i = 0; i < NGOLDEN; i++) {
        const npy_golden *g = &npy_goldens[i];
        arrayio_npy_header h;
        size_t cut;
        int d;
        CHECK_EQ(arrayio_npy_parse(g->header, g->header_len, 10000, &h),
                 ARRAYIO_OK);
        CHECK_EQ(h.fortran_order, g->fortran_order);
        CHECK_EQ(h.ndim, g->ndim);
        for (d = 0; d < g->ndim; d++)
            CHECK_EQ(h.shape[d], g->shape[d]);
        CHECK_EQ(h.itemsize, g->itemsize);
        CHECK_EQ(h.data_offset, g->header_len);
        CHECK_EQ(h.has_object, 0);
        CHECK(h.descr_len > 0 && h.descr > (const char *)g->header &&
              h.descr + h.descr_len < (const char *)g->header + g->header_len);
        /* every prefix is TRUNCATED and says how much more to read */
        for (cut = 0; cut < g->header_len; cut++) {
            int st = arrayio_npy_parse(g->header, cut, 10000, &h);
            CHECK_EQ(st, ARRAYIO_ERR_NPY_TRUNCATED);
            CHECK(h.data_offset > cut && h.data_offset <= g->header_len);
        }
    }
}

/* Wrap a header body (the dict text) as a version 1.0 or 3.0 header. */
static size_t wrap(unsigned char *out, int major, const char *body)
{
    size_t n = strlen(body), prefix = major == 1 ? 10 : 12;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = 0;
    out[8] = (unsigned char)(n & 0xFF);
    out[9] = (unsigned char)(n >> 8);
    if (major != 1)
        out[10] = out[11] = 0;
    memcpy(out + prefix, body, n);
    return prefix + n;
}

static int parse_body(int major, const char *body)
{
    unsigned char buf[2048];
    arrayio_npy_header h;
    size_t n = wrap(buf, major, body);
    return arrayio_npy_parse(buf, n, 10000, &h);
}

static void test_parser_accepts(void)
{
    unsigned char buf[512];
    arrayio_npy_header h;
    size_t n;

    CHECK_EQ(parse_body(1, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i4'}"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "{\"descr\": \"<i4\", \"fortran_order\": True, \"shape\": (2,)}\n"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "  {'descr':'|u1','fortran_order':False,'shape':(4L, 5L),}   \n"), ARRAYIO_OK);
    CHECK_EQ(parse_body(2, "{'descr': [('a', '<f8'), ('b', [('c', '|S2')], (2,))], 'fortran_order': False, 'shape': ()}"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "{'descr': ('<i4', (2, 3)), 'fortran_order': False, 'shape': (5,)}"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "{'descr': [('x', '<m8[25s]'), ('', '|V3')], 'fortran_order': False, 'shape': (0,)}"), ARRAYIO_OK);
    n = wrap(buf, 1, "{'descr': [('a', '<u2', 3), (('t', 'b'), '>c16')], 'fortran_order': True, 'shape': (7, 0, 2)}");
    CHECK_EQ(arrayio_npy_parse(buf, n, 10000, &h), ARRAYIO_OK);
    CHECK_EQ(h.itemsize, 6 + 16);
    CHECK_EQ(h.nbytes, 0);
    CHECK_EQ(h.ndim, 3);
    CHECK_EQ(h.fortran_order, 1);
    CHECK(h.descr_len == strlen("[('a', '<u2', 3), (('t', 'b'), '>c16')]") &&
          memcmp(h.descr, "[('a', '<u2', 3), (('t', 'b'), '>c16')]", h.descr_len) == 0);
    n = wrap(buf, 1, "{'descr': '|O', 'fortran_order': False, 'shape': (3,)}");
    CHECK_EQ(arrayio_npy_parse(buf, n, 10000, &h), ARRAYIO_OK);
    CHECK_EQ(h.has_object, 1);
    n = wrap(buf, 1, "{'descr': '<U5', 'fortran_order': False, 'shape': (3, 4)}");
    CHECK_EQ(arrayio_npy_parse(buf, n, 10000, &h), ARRAYIO_OK);
    CHECK_EQ(h.itemsize, 20);
    CHECK_EQ(h.nbytes, 240);
}

static void test_parser_errors(void)
{
    unsigned char buf[256];
    arrayio_npy_header h;
    size_t n;

    CHECK_EQ(arrayio_npy_parse(NULL, 0, 10000, &h), ARRAYIO_ERR_NPY_TRUNCATED);
    CHECK_EQ(arrayio_npy_parse("abc", 3, 10000, &h), ARRAYIO_ERR_NPY_MAGIC);
    CHECK_EQ(arrayio_npy_parse("\x93NUMPX\x01\x00", 8, 10000, &h), ARRAYIO_ERR_NPY_MAGIC);
    CHECK_EQ(arrayio_npy_parse("\x93NUMPY\x04\x00\x00\x00", 10, 10000, &h), ARRAYIO_ERR_NPY_VERSION);
    CHECK_EQ(arrayio_npy_parse("\x93NUMPY\x01\x01\x00\x00", 10, 10000, &h), ARRAYIO_ERR_NPY_VERSION);
    CHECK_EQ(arrayio_npy_parse("\x93NUMPY\x00\x00\x00\x00", 10, 10000, &h), ARRAYIO_ERR_NPY_VERSION);
    CHECK_EQ(arrayio_npy_parse(buf, 3, 10000, NULL), ARRAYIO_ERR_NULL);
    /* the length field alone refuses a large header; nothing more read */
    CHECK_EQ(arrayio_npy_parse("\x93NUMPY\x01\x00\x11\x27", 10, 10000, &h), ARRAYIO_ERR_NPY_HEADER_SIZE);
    CHECK_EQ(arrayio_npy_parse("\x93NUMPY\x02\x00\x00\x00\x00\x80", 12, (size_t)-1 / 2, &h), ARRAYIO_ERR_NPY_TRUNCATED);
    CHECK_EQ(h.data_offset, 12 + 0x80000000ull);
    /* 3.0: a header of 4 * max + 1 bytes cannot hold only max characters */
    CHECK_EQ(arrayio_npy_parse("\x93NUMPY\x03\x00\x91\x01\x00\x00", 12, 100, &h), ARRAYIO_ERR_NPY_HEADER_SIZE);
    CHECK_EQ(arrayio_npy_parse("\x93NUMPY\x03\x00\x90\x01\x00\x00", 12, 100, &h), ARRAYIO_ERR_NPY_TRUNCATED);
    n = wrap(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}");
    CHECK_EQ(arrayio_npy_parse(buf, n, n - 11, &h), ARRAYIO_ERR_NPY_HEADER_SIZE);
    CHECK_EQ(arrayio_npy_parse(buf, n, n - 10, &h), ARRAYIO_OK);

    CHECK_EQ(parse_body(1, ""), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "['descr']"), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "{'descr' '<f8', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "{'descr': '<f8' 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': ()"), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': ()} x"), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': ()}}"), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "{descr: '<f8', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_SYNTAX);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False}"), ARRAYIO_ERR_NPY_KEYS);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'shape': ()}"), ARRAYIO_ERR_NPY_KEYS);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'extra': 1}"), ARRAYIO_ERR_NPY_KEYS);
    CHECK_EQ(parse_body(1, "{'Descr': '<f8', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_KEYS);
    CHECK_EQ(parse_body(1, "{}"), ARRAYIO_ERR_NPY_KEYS);
    CHECK_EQ(parse_body(1, "{'descr': '<i3', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '<f8, 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': 'float64', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '|S', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '<M8[n s]', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '<M8[25]', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '<M8[nanos]', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '<M8[3generic]', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '<m8[generic]', 'fortran_order': False, 'shape': ()}"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "{'descr': '>M8[15us]', 'fortran_order': False, 'shape': ()}"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "{'descr': '|?1', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '|V4294967296', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': '<U536870912', 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    /* 'L' after shape extents only, never inside the descr */
    CHECK_EQ(parse_body(1, "{'descr': [('p', '>f4', (0L, 2))], 'fortran_order': False, 'shape': (0L,2)}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': [('p', '>f4', (0, 2))], 'fortran_order': False, 'shape': (0L,2)}"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "{'descr': [('a')], 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': [('a', '<f8', -1)], 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': 8, 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': [('a', '|V1099511627776', (1099511627776, 1099511627776))], 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    {
        char deep[2048] = "{'descr': ";
        int i;
        for (i = 0; i < 70; i++)
            strcat(deep, "[('a', ");
        strcat(deep, "'<f8'");
        for (i = 0; i < 70; i++)
            strcat(deep, ")]");
        strcat(deep, ", 'fortran_order': False, 'shape': ()}");
        CHECK_EQ(parse_body(1, deep), ARRAYIO_ERR_NPY_DESCR);
    }
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}"), ARRAYIO_ERR_NPY_FORTRAN);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': true, 'shape': ()}"), ARRAYIO_ERR_NPY_FORTRAN);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': Falsey, 'shape': ()}"), ARRAYIO_ERR_NPY_FORTRAN);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-3,)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3.0,)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (03,)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (,)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,,)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775808,)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,)}"), ARRAYIO_ERR_NPY_SHAPE);
    CHECK_EQ(parse_body(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846975, 0)}"), ARRAYIO_OK);
    {
        char many[1024] = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
        int i;
        for (i = 0; i < 65; i++)
            strcat(many, "1, ");
        strcat(many, ")}");
        CHECK_EQ(parse_body(1, many), ARRAYIO_ERR_NPY_SHAPE);
    }
    /* 'L' only in headers Python 2 could have written */
    CHECK_EQ(parse_body(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,)}"), ARRAYIO_ERR_NPY_SHAPE);
    /* 3.0 must be UTF-8; 1.0 is latin-1 where any byte is a character */
    CHECK_EQ(parse_body(3, "{'descr': [('\xff', '<f8')], 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_ENCODING);
    CHECK_EQ(parse_body(3, "{'descr': [('\xed\xa0\x80', '<f8')], 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_ENCODING);
    CHECK_EQ(parse_body(1, "{'descr': [('\xff', '<f8')], 'fortran_order': False, 'shape': ()}"), ARRAYIO_OK);
    CHECK_EQ(parse_body(1, "{'descr': [('a\nb', '<f8')], 'fortran_order': False, 'shape': ()}"), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(parse_body(1, "{'descr': [('a\\'b', '<f8')], 'fortran_order': False, 'shape': ()}"), ARRAYIO_OK);
}

/* Headers for records inside a stream: data lands on multiples of 64 of
 * the stream, and start = 0 is numpy's header. */
static void test_header_at_offsets(void)
{
    int64_t shape[2] = {3, 5};
    unsigned char a[512], b[512];
    size_t la, lb;
    uint64_t start;
    arrayio_npy_header h;
    for (start = 0; start < 200; start++) {
        CHECK_EQ(arrayio_npy_format_header_at("'<f8'", 5, 0, 2, shape, start, a, sizeof a, &la), ARRAYIO_OK);
        CHECK_EQ((start + la) % 64, 0);
        CHECK(la >= 64 && la < 64 + 64 + 128);
        CHECK_EQ(arrayio_npy_parse(a, la, 10000, &h), ARRAYIO_OK);
        CHECK_EQ(h.data_offset, la);
        CHECK(h.ndim == 2 && h.shape[0] == 3 && h.shape[1] == 5 && h.itemsize == 8);
    }
    CHECK_EQ(arrayio_npy_format_header_at("'<f8'", 5, 0, 2, shape, 0, a, sizeof a, &la), ARRAYIO_OK);
    CHECK_EQ(arrayio_npy_format_header("'<f8'", 5, 0, 2, shape, b, sizeof b, &lb), ARRAYIO_OK);
    CHECK(la == lb && memcmp(a, b, la) == 0);
}

static void test_writer_errors(void)
{
    int64_t shape[2] = {2, -1}, big[2] = {INT64_MAX / 2, 4};
    unsigned char out[512];
    size_t len = 7;
    arrayio_npy_descr info;

    CHECK_EQ(arrayio_npy_format_header("'<f8'", 5, 0, 2, shape, out, sizeof out, &len), ARRAYIO_ERR_SHAPE);
    CHECK_EQ(arrayio_npy_format_header("'<f8'", 5, 0, 2, big, out, sizeof out, &len), ARRAYIO_ERR_OVERFLOW);
    CHECK_EQ(arrayio_npy_format_header("'<f8'", 5, 0, 65, big, out, sizeof out, &len), ARRAYIO_ERR_NDIM);
    CHECK_EQ(arrayio_npy_format_header("'<f8'", 5, 0, 2, NULL, out, sizeof out, &len), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_npy_format_header("'<f8", 4, 0, 0, NULL, out, sizeof out, &len), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(arrayio_npy_format_header("'<f8' x", 7, 0, 0, NULL, out, sizeof out, &len), ARRAYIO_ERR_NPY_DESCR);
    CHECK_EQ(arrayio_npy_format_header("'\xc3'", 3, 0, 0, NULL, out, sizeof out, &len), ARRAYIO_ERR_NPY_ENCODING);
    CHECK_EQ(arrayio_npy_format_header(NULL, 0, 0, 0, NULL, out, sizeof out, &len), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_npy_check_descr("[('a', '<f8'), ('b', '|V3', (2,))]", 34, &info), ARRAYIO_OK);
    CHECK_EQ(info.itemsize, 14);
    CHECK_EQ(info.latin1, 1);
    CHECK_EQ(arrayio_npy_check_descr("'|O'", 4, &info), ARRAYIO_OK);
    CHECK_EQ(info.has_object, 1);
}

static void test_save_and_read_header(void)
{
    /* f8_2x3_F and struct goldens saved through arrayio_npy_save_fd */
    double a[3][2]; /* a (2, 3) Fortran-ordered array: a[j][i] is (i, j) */
    int64_t shape[2] = {2, 3}, fstr[2] = {8, 16}, tstr[2] = {8, 24};
    arrayio_view v = {&a[0][0], 8, 2, shape, fstr};
    const npy_golden *g = &npy_goldens[1];
    unsigned char file[4096], buf[ARRAYIO_NPY_BUFFER_SIZE(200)];
    arrayio_npy_header h;
    arrayio_io io;
    int i, j, fd = temp_file(), p[2];
    ssize_t n;

    CHECK(strcmp(g->name, "f8_2x3_F") == 0);
    for (j = 0; j < 3; j++)
        for (i = 0; i < 2; i++)
            a[j][i] = 10 * i + j;
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_npy_save_fd(fd, &v, ARRAYIO_ORDER_A, g->descr, strlen(g->descr), &io), ARRAYIO_OK);
    CHECK_EQ(io.done, g->header_len + 48);
    n = pread(fd, file, sizeof file, 0);
    CHECK_EQ(n, (ssize_t)(g->header_len + 48));
    CHECK(memcmp(file, g->header, g->header_len) == 0);
    CHECK(memcmp(file + g->header_len, a, 48) == 0); /* F order: memory */

    /* A strided, non-contiguous view is written in C order, as numpy does */
    {
        double big[4][6];
        int64_t s2[2] = {2, 3}, st2[2] = {-2 * 48, 16};
        arrayio_view w = {&big[2][0], 8, 2, s2, st2};
        const npy_golden *g0 = NULL;
        double expect[6];
        size_t k;
        for (k = 0; k < NGOLDEN; k++)
            if (strcmp(npy_goldens[k].name, "f8_2x3_F") == 0)
                g0 = &npy_goldens[k];
        for (i = 0; i < 4; i++)
            for (j = 0; j < 6; j++)
                big[i][j] = i * 100 + j;
        for (i = 0; i < 2; i++)
            for (j = 0; j < 3; j++)
                expect[i * 3 + j] = big[2 - 2 * i][2 * j];
        ftruncate(fd, 0);
        lseek(fd, 0, SEEK_SET);
        CHECK_EQ(arrayio_npy_save_fd(fd, &w, ARRAYIO_ORDER_A, "'<f8'", 5, NULL), ARRAYIO_OK);
        n = pread(fd, file, sizeof file, 0);
        CHECK_EQ(n, 128 + 48);
        CHECK(memcmp(file + 128, expect, 48) == 0);
        {
            const char *body = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
            CHECK(memcmp(file + 10, body, strlen(body)) == 0);
        }
        (void)g0;
        (void)tstr;
    }
    CHECK_EQ(arrayio_npy_save_fd(fd, &v, 'C', "'<f4'", 5, NULL), ARRAYIO_ERR_MISMATCH);
    CHECK_EQ(arrayio_npy_save_fd(fd, &v, 'C', "'|O'", 4, NULL), ARRAYIO_ERR_NPY_OBJECT);
    CHECK_EQ(arrayio_npy_save_fd(fd, &v, 'K', "'<f8'", 5, NULL), ARRAYIO_ERR_ORDER);
    close(fd);

    /* read_header takes exactly the header from a pipe: the data stays */
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(write(p[1], g->header, g->header_len), (ssize_t)g->header_len);
    CHECK_EQ(write(p[1], "DATA", 4), 4);
    close(p[1]);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_npy_read_header(p[0], buf, sizeof buf, 200, &h, &io), ARRAYIO_OK);
    CHECK_EQ(io.done, g->header_len);
    CHECK_EQ(h.ndim, 2);
    CHECK_EQ(h.fortran_order, 1);
    {
        char rest[8];
        CHECK_EQ(read(p[0], rest, sizeof rest), 4);
        CHECK(memcmp(rest, "DATA", 4) == 0);
    }
    close(p[0]);

    /* a file ending inside the header; a buffer too small */
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(write(p[1], g->header, 50), 50);
    close(p[1]);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_npy_read_header(p[0], buf, sizeof buf, 200, &h, &io), ARRAYIO_ERR_NPY_TRUNCATED);
    CHECK_EQ(io.done, 50);
    close(p[0]);
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(write(p[1], g->header, g->header_len), (ssize_t)g->header_len);
    close(p[1]);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_npy_read_header(p[0], buf, 100, 10000, &h, &io), ARRAYIO_ERR_SIZE);
    close(p[0]);

    /* the data view of a header describes the file's layout */
    {
        int64_t strides[ARRAYIO_MAX_DIMS];
        arrayio_view dv;
        CHECK_EQ(arrayio_npy_parse(g->header, g->header_len, 10000, &h), ARRAYIO_OK);
        CHECK_EQ(arrayio_npy_data_view(&h, file, strides, &dv), ARRAYIO_OK);
        CHECK_EQ(dv.itemsize, 8);
        CHECK_EQ(strides[0], 8);
        CHECK_EQ(strides[1], 16);
        CHECK_EQ(arrayio_npy_data_view(NULL, file, strides, &dv), ARRAYIO_ERR_NULL);
    }
}

int main(void)
{
    static const tu_test tests[] = {
        {"writer_matches_numpy", test_writer_matches_numpy},
        {"parser_reads_numpy", test_parser_reads_numpy},
        {"parser_accepts", test_parser_accepts},
        {"parser_errors", test_parser_errors},
        {"writer_errors", test_writer_errors},
        {"header_at_offsets", test_header_at_offsets},
        {"save_and_read_header", test_save_and_read_header},
    };
    return tu_run(tests, sizeof tests / sizeof tests[0]);
}
