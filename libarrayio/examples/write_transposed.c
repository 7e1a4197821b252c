/* Write the transpose of a 3x4 matrix of doubles to a file in C order,
 * without forming the transpose, then read it back into a strided view.
 *
 *   cc write_transposed.c $(pkg-config --cflags --libs arrayio) -o wt
 *   ./wt out.bin
 *
 * The file then holds the same bytes as numpy's a.T.tobytes() for
 * a = numpy.arange(12.0).reshape(3, 4). */
#include <arrayio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    double a[3][4], back[4][3];
    /* a.T: shape (4, 3), strides (8, 32) */
    int64_t shape[2] = {4, 3}, strides[2] = {sizeof(double), 4 * sizeof(double)};
    int64_t cstrides[2] = {3 * sizeof(double), sizeof(double)};
    arrayio_view t = {&a[0][0], sizeof(double), 2, shape, strides};
    arrayio_view b = {&back[0][0], sizeof(double), 2, shape, cstrides};
    arrayio_io io = {0};
    int i, j, fd, st;

    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
        return 2;
    }
    if (arrayio_version_number() != ARRAYIO_VERSION_NUMBER)
        fprintf(stderr, "note: built with %s, running %s\n",
                ARRAYIO_VERSION_STRING, arrayio_version_string());
    for (i = 0; i < 3; i++)
        for (j = 0; j < 4; j++)
            a[i][j] = i * 4 + j;

    fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    st = arrayio_write_fd(fd, &t, ARRAYIO_ORDER_C, &io);
    if (st != ARRAYIO_OK) {
        fprintf(stderr, "write: %s (%s) after %llu bytes\n",
                arrayio_strerror(st),
                st == ARRAYIO_ERR_OS ? strerror(io.sys_errno) : "-",
                (unsigned long long)io.done);
        return 1;
    }
    close(fd);

    fd = open(argv[1], O_RDONLY);
    memset(&io, 0, sizeof io);
    st = arrayio_read_fd(fd, &b, ARRAYIO_ORDER_C, &io);
    close(fd);
    if (st != ARRAYIO_OK) {
        fprintf(stderr, "read: %s after %llu bytes\n", arrayio_strerror(st),
                (unsigned long long)io.done);
        return 1;
    }
    for (i = 0; i < 4; i++)
        for (j = 0; j < 3; j++)
            if (back[i][j] != a[j][i]) {
                fprintf(stderr, "mismatch at [%d][%d]\n", i, j);
                return 1;
            }
    printf("wrote and read back a 4x3 transposed view: %llu bytes\n",
           (unsigned long long)io.done);
    return 0;
}
