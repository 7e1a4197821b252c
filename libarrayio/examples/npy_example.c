/* Write and read .npy files with libarrayio alone.
 *
 *   cc npy_example.c $(pkg-config --cflags --libs arrayio) -o npy_example
 *   ./npy_example write out.npy   # a strided 2-D view: every other column
 *                                 # of a 4x6 int32 matrix, transposed
 *   ./npy_example read in.npy     # prints the header and, for '<f8' data,
 *                                 # the sum of the items
 *
 * numpy.load("out.npy") equals
 * numpy.arange(24, dtype="<i4").reshape(4, 6)[:, ::2].T */
#include <arrayio.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int report(const char *what, int st, const arrayio_io *io)
{
    fprintf(stderr, "%s: %s (%s)", what, arrayio_strerror(st),
            arrayio_error_name(st));
    if (st == ARRAYIO_ERR_OS)
        fprintf(stderr, ": %s", strerror(io->sys_errno));
    fprintf(stderr, " after %llu bytes\n", (unsigned long long)io->done);
    return 1;
}

static int write_example(const char *path)
{
    int32_t m[4][6];
    /* m[:, ::2].T : shape (3, 4), strides (2 items, 1 row) */
    int64_t shape[2] = {3, 4};
    int64_t strides[2] = {2 * sizeof(int32_t), 6 * sizeof(int32_t)};
    arrayio_view v = {&m[0][0], sizeof(int32_t), 2, shape, strides};
    arrayio_io io = {0};
    int i, j, fd, st;

    for (i = 0; i < 4; i++)
        for (j = 0; j < 6; j++)
            m[i][j] = i * 6 + j;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    st = arrayio_npy_save_fd(fd, &v, ARRAYIO_ORDER_A, "'<i4'", 5, &io);
    if (close(fd) != 0 && st == ARRAYIO_OK) {
        perror(path);
        return 1;
    }
    if (st != ARRAYIO_OK)
        return report("save", st, &io);
    printf("wrote %s: %llu bytes\n", path, (unsigned long long)io.done);
    return 0;
}

static int read_example(const char *path)
{
    static char header[ARRAYIO_NPY_BUFFER_SIZE(ARRAYIO_NPY_MAX_HEADER_SIZE)];
    int64_t strides[ARRAYIO_MAX_DIMS];
    arrayio_npy_header h;
    arrayio_view v;
    arrayio_io io = {0};
    double *data, sum = 0;
    uint64_t i, n;
    int d, fd, st;

    fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    st = arrayio_npy_read_header(fd, header, sizeof header,
                                 ARRAYIO_NPY_MAX_HEADER_SIZE, &h, &io);
    if (st != ARRAYIO_OK)
        return report("header", st, &io);
    printf("version %d.%d, descr %.*s, fortran_order %s, shape (", h.major,
           h.minor, (int)h.descr_len, h.descr,
           h.fortran_order ? "True" : "False");
    for (d = 0; d < h.ndim; d++)
        printf(d ? ", %lld" : "%lld", (long long)h.shape[d]);
    printf(h.ndim == 1 ? ",)\n" : ")\n");
    if (h.descr_len != 5 || memcmp(h.descr, "'<f8'", 5) != 0) {
        close(fd);
        return 0;
    }
    data = (double *)malloc(h.nbytes ? (size_t)h.nbytes : 1);
    if (data == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    /* the file's order: the view is laid out like the file, so items
     * arrive in memory order */
    st = arrayio_npy_data_view(&h, data, strides, &v);
    if (st == ARRAYIO_OK) {
        memset(&io, 0, sizeof io);
        st = arrayio_read_fd(fd, &v,
                             h.fortran_order ? ARRAYIO_ORDER_F : ARRAYIO_ORDER_C,
                             &io);
    }
    close(fd);
    if (st != ARRAYIO_OK) {
        free(data);
        return report("data", st, &io);
    }
    n = h.nbytes / sizeof(double);
    for (i = 0; i < n; i++)
        sum += data[i];
    printf("sum %.17g\n", sum);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write") == 0)
        return write_example(argv[2]);
    if (argc == 3 && strcmp(argv[1], "read") == 0)
        return read_example(argv[2]);
    fprintf(stderr, "usage: %s write OUT.npy | read IN.npy\n", argv[0]);
    return 2;
}
