/* Unit tests of the file-descriptor loops: real files, pipes, signals. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char *file_bytes(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    unsigned char *b = (unsigned char *)malloc((size_t)end + 1);
    *len = (size_t)pread(fd, b, (size_t)end, 0);
    return b;
}

/* write random views with several staging buffers, read them back */
static void test_roundtrip_random(void)
{
    int iter;
    for (iter = 0; iter < 600; iter++) {
        static unsigned char small[4096];
        static const size_t bufsizes[] = {0, 1, 5, 4096};
        tu_rview r;
        arrayio_io io;
        int order = (iter & 1) ? 'F' : 'C', fd = temp_file();
        size_t nbytes, len;
        unsigned char *ref, *got, *before, *mine;

        tu_make_view(&r, iter % 2 == 0);
        nbytes = (size_t)tu_nitems(&r.v) * r.v.itemsize;
        ref = (unsigned char *)malloc(nbytes + 1);
        tu_ref_pack(&r.v, order, ref);
        memset(&io, 0, sizeof io);
        io.buffer_size = bufsizes[iter % 4];
        if (iter % 8 >= 4 && io.buffer_size)
            io.buffer = small;
        CHECK_EQ(arrayio_write_fd(fd, &r.v, order, &io), ARRAYIO_OK);
        CHECK_EQ(io.done, nbytes);
        CHECK_EQ(lseek(fd, 0, SEEK_CUR), nbytes);
        got = file_bytes(fd, &len);
        CHECK_EQ(len, nbytes);
        CHECK(memcmp(got, ref, nbytes) == 0);

        /* read back into the view (scrambled first) */
        before = (unsigned char *)malloc(r.buflen);
        mine = (unsigned char *)malloc(r.buflen);
        memcpy(before, r.buf, r.buflen);
        lseek(fd, 0, SEEK_SET);
        io.done = 0;
        CHECK_EQ(arrayio_read_fd(fd, &r.v, order, &io), ARRAYIO_OK);
        CHECK_EQ(io.done, nbytes);
        memcpy(mine, r.buf, r.buflen);
        memcpy(r.buf, before, r.buflen);
        tu_ref_unpack(&r.v, order, ref);
        CHECK(memcmp(mine, r.buf, r.buflen) == 0);
        free(before);
        free(mine);
        free(got);
        free(ref);
        free(r.buf);
        close(fd);
    }
}

/* rows of 70000 bytes are written straight from memory */
static void test_large_blocks(void)
{
    size_t rows = 3, rowlen = 70000, pitch = 100000, i, len;
    unsigned char *mem = (unsigned char *)malloc(rows * pitch);
    unsigned char *ref = (unsigned char *)malloc(rows * rowlen);
    unsigned char *got;
    int64_t shape[2], strides[2] = {-(int64_t)pitch, 1};
    arrayio_view v;
    arrayio_io io;
    int fd = temp_file();

    shape[0] = (int64_t)rows;
    shape[1] = (int64_t)rowlen;
    for (i = 0; i < rows * pitch; i++)
        mem[i] = (unsigned char)tu_rand();
    v = mkview(mem + 2 * pitch, 1, 2, shape, strides); /* rows reversed */
    tu_ref_pack(&v, 'C', ref);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_write_fd(fd, &v, 'C', &io), ARRAYIO_OK);
    got = file_bytes(fd, &len);
    CHECK_EQ(len, rows * rowlen);
    CHECK(memcmp(got, ref, len) == 0);
    memset(mem, 0, rows * pitch);
    io.done = 0;
    CHECK_EQ(arrayio_pread_fd(fd, &v, 'C', 0, &io), ARRAYIO_OK);
    CHECK_EQ(io.done, rows * rowlen);
    for (i = 0; i < rows; i++)
        CHECK(memcmp(mem + (2 - i) * pitch, ref + i * rowlen, rowlen) == 0);
    free(got);
    free(mem);
    free(ref);
    close(fd);
}

static void test_positioned(void)
{
    double a[12], back[12];
    int64_t shape[2] = {3, 4}, cstr[2] = {32, 8}, tstr[2] = {8, 24};
    arrayio_view v = mkview(a, 8, 2, shape, tstr);
    arrayio_view w = mkview(back, 8, 2, shape, cstr);
    unsigned char ref[96], *got;
    arrayio_io io;
    size_t len;
    int i, fd = temp_file();

    for (i = 0; i < 12; i++)
        a[i] = i * 1.5;
    CHECK_EQ(write(fd, "header", 6), 6);
    tu_ref_pack(&v, 'F', ref);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_pwrite_fd(fd, &v, 'F', 1000, &io), ARRAYIO_OK);
    CHECK_EQ(io.done, 96);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6); /* own position untouched */
    got = file_bytes(fd, &len);
    CHECK_EQ(len, 1096);
    CHECK(memcmp(got + 1000, ref, 96) == 0);
    free(got);
    io.done = 0;
    CHECK_EQ(arrayio_pread_fd(fd, &w, 'F', 1000, NULL), ARRAYIO_OK);
    {
        unsigned char mine[96];
        tu_ref_pack(&w, 'F', mine);
        CHECK(memcmp(mine, ref, 96) == 0);
    }
    /* resume from the middle */
    memset(back, 0, sizeof back);
    io.done = 40;
    CHECK_EQ(arrayio_pread_fd(fd, &w, 'F', 1000, &io), ARRAYIO_OK);
    CHECK_EQ(io.done, 96);
    {
        unsigned char mine[96];
        tu_ref_pack(&w, 'F', mine);
        CHECK(memcmp(mine + 40, ref + 40, 56) == 0);
    }
    CHECK_EQ(arrayio_pwrite_fd(fd, &v, 'C', -1, &io), ARRAYIO_ERR_RANGE);
    CHECK_EQ(arrayio_pwrite_fd(fd, &v, 'C', INT64_MAX - 95, &io),
             ARRAYIO_ERR_OVERFLOW);
    io.done = 0;
    CHECK_EQ(arrayio_pwrite_fd(fd, &v, 'C', INT64_MAX - 96, &io) ==
                 ARRAYIO_ERR_OVERFLOW, 0);
    close(fd);
}

static void test_eof(void)
{
    unsigned char data[100], mem[200];
    int64_t shape[1] = {20}, strides[1] = {10};
    arrayio_view v = mkview(mem, 8, 1, shape, strides);
    arrayio_io io;
    int i, fd = temp_file();

    for (i = 0; i < 100; i++)
        data[i] = (unsigned char)(i + 1);
    CHECK_EQ(write(fd, data, 100), 100);
    lseek(fd, 0, SEEK_SET);
    memset(mem, 0, sizeof mem);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_read_fd(fd, &v, 'C', &io), ARRAYIO_ERR_EOF);
    CHECK_EQ(io.done, 100);
    CHECK_EQ(io.sys_errno, 0);
    for (i = 0; i < 12; i++) /* 12 whole items and half of the 13th */
        CHECK(memcmp(mem + i * 10, data + i * 8, 8) == 0);
    CHECK(memcmp(mem + 120, data + 96, 4) == 0);
    CHECK(mem[124] == 0 && mem[130] == 0);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_pread_fd(fd, &v, 'C', 50, &io), ARRAYIO_ERR_EOF);
    CHECK_EQ(io.done, 50);
    close(fd);
}

static void test_os_errors(void)
{
    double a[4] = {1, 2, 3, 4};
    int64_t shape[1] = {4}, strides[1] = {8}, rev[1] = {-8};
    arrayio_view v = mkview(a, 8, 1, shape, strides);
    arrayio_io io;
    int fd;

    memset(&io, 0, sizeof io);
    errno = 0;
    CHECK_EQ(arrayio_write_fd(-1, &v, 'C', &io), ARRAYIO_ERR_OS);
    CHECK_EQ(io.sys_errno, EBADF);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(io.done, 0);
    CHECK_EQ(arrayio_read_fd(-1, &v, 'C', &io), ARRAYIO_ERR_OS);
    CHECK_EQ(io.sys_errno, EBADF);

    fd = open("/dev/full", O_WRONLY);
    if (fd >= 0) {
        arrayio_view r = mkview(a + 3, 8, 1, shape, rev); /* staged path */
        memset(&io, 0, sizeof io);
        CHECK_EQ(arrayio_write_fd(fd, &v, 'C', &io), ARRAYIO_ERR_OS);
        CHECK_EQ(io.sys_errno, ENOSPC);
        CHECK_EQ(io.done, 0);
        memset(&io, 0, sizeof io);
        CHECK_EQ(arrayio_write_fd(fd, &r, 'C', &io), ARRAYIO_ERR_OS);
        CHECK_EQ(io.sys_errno, ENOSPC);
        close(fd);
    }

    /* argument errors touch nothing */
    fd = temp_file();
    memset(&io, 0, sizeof io);
    io.done = 33;
    CHECK_EQ(arrayio_write_fd(fd, &v, 'C', &io), ARRAYIO_ERR_RANGE);
    io.done = 0;
    io.buffer = a;
    io.buffer_size = 0;
    CHECK_EQ(arrayio_write_fd(fd, &v, 'C', &io), ARRAYIO_ERR_SIZE);
    io.buffer = a + 1; /* inside the view */
    io.buffer_size = 8;
    CHECK_EQ(arrayio_write_fd(fd, &v, 'C', &io), ARRAYIO_ERR_OVERLAP);
    CHECK_EQ(arrayio_read_fd(fd, &v, 'C', &io), ARRAYIO_ERR_OVERLAP);
    io.buffer = NULL;
    CHECK_EQ(arrayio_write_fd(fd, &v, 'Z', NULL), ARRAYIO_ERR_ORDER);
    CHECK_EQ(arrayio_read_fd(fd, NULL, 'C', NULL), ARRAYIO_ERR_NULL);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 0);
    /* NULL io: defaults */
    CHECK_EQ(arrayio_write_fd(fd, &v, 'C', NULL), ARRAYIO_OK);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 32);
    close(fd);
}

/* a full non-blocking pipe: EAGAIN with the exact count that got out */
static void test_nonblocking(void)
{
    size_t n = 1 << 20, len = 0, i;
    unsigned char *mem = (unsigned char *)malloc(n * 2);
    unsigned char *drained = (unsigned char *)malloc(n);
    unsigned char *ref = (unsigned char *)malloc(n);
    int64_t shape[1], strides[1] = {2};
    arrayio_view v;
    arrayio_io io;
    int p[2];
    ssize_t r;

    shape[0] = (int64_t)n;
    for (i = 0; i < 2 * n; i++)
        mem[i] = (unsigned char)tu_rand();
    v = mkview(mem, 1, 1, shape, strides);
    tu_ref_pack(&v, 'C', ref);
    CHECK_EQ(pipe(p), 0);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    memset(&io, 0, sizeof io);
    io.buffer_size = 3000; /* chunks that do not divide the pipe size */
    CHECK_EQ(arrayio_write_fd(p[1], &v, 'C', &io), ARRAYIO_ERR_OS);
    CHECK(io.sys_errno == EAGAIN || io.sys_errno == EWOULDBLOCK);
    CHECK(io.done > 0 && io.done < n);
    while ((r = read(p[0], drained + len, n - len)) > 0)
        len += (size_t)r;
    CHECK_EQ(len, io.done);
    CHECK(memcmp(drained, ref, len) == 0);
    /* resume and finish by draining as we go */
    {
        uint64_t start = io.done;
        while (arrayio_write_fd(p[1], &v, 'C', &io) == ARRAYIO_ERR_OS &&
               (io.sys_errno == EAGAIN || io.sys_errno == EWOULDBLOCK)) {
            while ((r = read(p[0], drained + len, n - len)) > 0)
                len += (size_t)r;
        }
        while ((r = read(p[0], drained + len, n - len)) > 0)
            len += (size_t)r;
        CHECK(io.done == n && start < n);
        CHECK_EQ(len, n);
        CHECK(memcmp(drained, ref, n) == 0);
    }
    close(p[0]);
    close(p[1]);
    free(mem);
    free(drained);
    free(ref);
}

static volatile sig_atomic_t alarms = 0;
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* A child that waits, then reads everything slowly and checks it. */
static pid_t slow_reader(int rfd, int wfd, const unsigned char *ref, size_t n,
                         int delay_ms)
{
    pid_t pid = fork();
    if (pid == 0) {
        unsigned char *got = (unsigned char *)malloc(n + 1);
        size_t len = 0;
        ssize_t r;
        struct timespec ts;
        close(wfd);
        ts.tv_sec = delay_ms / 1000;
        ts.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
        nanosleep(&ts, NULL);
        while ((r = read(rfd, got + len, len + 4096 <= n + 1 ? 4096 : n + 1 - len)) > 0 ||
               (r < 0 && errno == EINTR)) {
            if (r > 0)
                len += (size_t)r;
            if (len > n)
                break;
        }
        _exit(len == n && memcmp(got, ref, n) == 0 ? 0 : 1);
    }
    return pid;
}

static void arm_timer(long first_us, long every_us)
{
    struct itimerval it;
    it.it_value.tv_sec = first_us / 1000000;
    it.it_value.tv_usec = first_us % 1000000;
    it.it_interval.tv_sec = every_us / 1000000;
    it.it_interval.tv_usec = every_us % 1000000;
    setitimer(ITIMER_REAL, &it, NULL);
}

static void test_eintr(void)
{
    size_t n = 8u << 20, i;
    unsigned char *mem = (unsigned char *)malloc(n), *ref;
    int64_t shape[2] = {1024, 8192}, strides[2] = {1, 1024}; /* transposed */
    arrayio_view v = mkview(mem, 1, 2, shape, strides);
    struct sigaction sa, old;
    arrayio_io io;
    int p[2], status, st, interrupted = 0;
    pid_t pid;

    for (i = 0; i < n; i++)
        mem[i] = (unsigned char)tu_rand();
    ref = (unsigned char *)malloc(n);
    tu_ref_pack(&v, 'C', ref);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: blocked writes fail EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);

    /* handed back: INTERRUPTED with progress, then resumed to the end */
    CHECK_EQ(pipe(p), 0);
    pid = slow_reader(p[0], p[1], ref, n, 300);
    close(p[0]);
    memset(&io, 0, sizeof io);
    io.flags = ARRAYIO_IO_RETURN_EINTR;
    /* repeating: a signal that lands after some bytes moved only shortens
     * that write(); a later one finds the pipe full and gives EINTR */
    arm_timer(50000, 20000);
    st = arrayio_write_fd(p[1], &v, 'C', &io);
    CHECK_EQ(st, ARRAYIO_ERR_INTERRUPTED);
    CHECK(io.done < n);
    CHECK(alarms >= 1);
    while (st == ARRAYIO_ERR_INTERRUPTED) {
        interrupted++;
        st = arrayio_write_fd(p[1], &v, 'C', &io);
    }
    arm_timer(0, 0);
    CHECK_EQ(st, ARRAYIO_OK);
    CHECK_EQ(io.done, n);
    CHECK(interrupted >= 1);
    close(p[1]);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* retried inside: signals every 2 ms, one call, nothing lost */
    alarms = 0;
    CHECK_EQ(pipe(p), 0);
    pid = slow_reader(p[0], p[1], ref, n, 100);
    close(p[0]);
    memset(&io, 0, sizeof io);
    io.buffer_size = 100000;
    arm_timer(2000, 2000);
    CHECK_EQ(arrayio_write_fd(p[1], &v, 'C', &io), ARRAYIO_OK);
    arm_timer(0, 0);
    CHECK_EQ(io.done, n);
    CHECK(alarms > 3);
    close(p[1]);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    sigaction(SIGALRM, &old, NULL);
    free(mem);
    free(ref);
}

/* reads from a pipe whose writer sends odd-sized pieces */
static void test_pipe_read(void)
{
    size_t n = 300000, i;
    unsigned char *src = (unsigned char *)malloc(n), *mem, *expect;
    int64_t shape[2] = {500, 200}, strides[2] = {3, 1500}; /* F-ish */
    arrayio_view v;
    int p[2], status;
    pid_t pid;

    for (i = 0; i < n; i++)
        src[i] = (unsigned char)tu_rand();
    mem = (unsigned char *)calloc(n, 1);
    expect = (unsigned char *)calloc(n, 1);
    v = mkview(mem, 3, 2, shape, strides);
    CHECK_EQ(pipe(p), 0);
    pid = fork();
    if (pid == 0) {
        size_t at = 0;
        close(p[0]);
        while (at < n) {
            size_t k = 1 + (size_t)(tu_rand() % 7000);
            if (k > n - at)
                k = n - at;
            if (write(p[1], src + at, k) != (ssize_t)k)
                _exit(1);
            at += k;
        }
        _exit(0);
    }
    close(p[1]);
    CHECK_EQ(arrayio_read_fd(p[0], &v, 'F', NULL), ARRAYIO_OK);
    close(p[0]);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    v.data = expect;
    tu_ref_unpack(&v, 'F', src);
    CHECK(memcmp(mem, expect, n) == 0);
    free(src);
    free(mem);
    free(expect);
}


/* regions against a naive item-by-item copy on an in-memory image */
static void test_regions_random(void)
{
    int iter;
    for (iter = 0; iter < 800; iter++) {
        tu_rview m;
        int64_t fstr[8], low = 0, high, span, offset;
        size_t fsize, nbytes, i;
        unsigned char *image, *back, *mine, *before;
        arrayio_view fv;
        arrayio_io io;
        int order = (iter & 1) ? 'F' : 'C', d, fd = temp_file(), st;
        uint64_t k, n;

        tu_make_view(&m, 1);
        for (d = 0; d < m.v.ndim; d++)
            fstr[d] = (tu_range(0, 1) ? 1 : -1) * tu_range(0, 3) *
                          (int64_t)m.v.itemsize +
                      tu_range(0, 2);
        high = (int64_t)m.v.itemsize;
        for (d = 0; d < m.v.ndim; d++) {
            if (m.shape[d] < 1)
                continue;
            span = (m.shape[d] - 1) * fstr[d];
            if (span < 0)
                low += span;
            else
                high += span;
        }
        offset = -low + tu_range(0, 50);
        fsize = (size_t)(offset + high + 20);
        image = (unsigned char *)malloc(fsize);
        back = (unsigned char *)malloc(fsize);
        for (i = 0; i < fsize; i++)
            image[i] = (unsigned char)tu_rand();
        CHECK_EQ(pwrite(fd, image, fsize, 0), (ssize_t)fsize);
        fv = m.v;
        fv.data = image + offset;
        fv.strides = fstr;
        nbytes = (size_t)tu_nitems(&m.v) * m.v.itemsize;

        /* read: mem gets the region's items in order */
        before = (unsigned char *)malloc(m.buflen);
        mine = (unsigned char *)malloc(m.buflen);
        memcpy(before, m.buf, m.buflen);
        memset(&io, 0, sizeof io);
        io.buffer_size = (size_t)tu_range(0, 3) * 7;
        st = arrayio_pread_region(fd, &m.v, order, offset, fstr, &io);
        CHECK_EQ(st, ARRAYIO_OK);
        CHECK_EQ(io.done, nbytes);
        memcpy(mine, m.buf, m.buflen);
        memcpy(m.buf, before, m.buflen);
        n = tu_nitems(&m.v);
        for (k = 0; k < n; k++)
            memcpy((char *)m.v.data + tu_item_offset(&m.v, order, k),
                   (char *)fv.data + tu_item_offset(&fv, order, k),
                   m.v.itemsize);
        CHECK(memcmp(mine, m.buf, m.buflen) == 0);

        /* write: scramble mem, write it, compare the whole file */
        for (i = 0; i < m.buflen; i++)
            m.buf[i] = (unsigned char)tu_rand();
        memset(&io, 0, sizeof io);
        CHECK_EQ(arrayio_pwrite_region(fd, &m.v, order, offset, fstr, &io), ARRAYIO_OK);
        for (k = 0; k < n; k++)
            memcpy((char *)fv.data + tu_item_offset(&fv, order, k),
                   (char *)m.v.data + tu_item_offset(&m.v, order, k),
                   m.v.itemsize);
        CHECK_EQ(pread(fd, back, fsize, 0), (ssize_t)fsize);
        CHECK(memcmp(back, image, fsize) == 0);

        free(before);
        free(mine);
        free(image);
        free(back);
        free(m.buf);
        close(fd);
    }
}

static void test_region_errors(void)
{
    double a[4] = {0};
    int64_t shape[1] = {4}, st[1] = {8}, neg[1] = {-8}, huge[1] = {INT64_MAX / 2};
    arrayio_view v = mkview(a, 8, 1, shape, st);
    arrayio_io io;
    int fd = temp_file();

    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_pread_region(fd, &v, 'C', 0, NULL, &io), ARRAYIO_ERR_NULL);
    CHECK_EQ(arrayio_pread_region(fd, &v, 'C', -1, st, &io), ARRAYIO_ERR_RANGE);
    CHECK_EQ(arrayio_pread_region(fd, &v, 'C', 16, neg, &io), ARRAYIO_ERR_RANGE);
    CHECK_EQ(arrayio_pread_region(fd, &v, 'C', 24, neg, &io), ARRAYIO_ERR_EOF);
    CHECK_EQ(arrayio_pwrite_region(fd, &v, 'C', 0, huge, &io), ARRAYIO_ERR_OVERFLOW);
    CHECK_EQ(arrayio_pwrite_region(fd, &v, 'C', INT64_MAX - 20, st, &io), ARRAYIO_ERR_OVERFLOW);
    CHECK_EQ(arrayio_pwrite_region(fd, &v, 'X', 0, st, &io), ARRAYIO_ERR_ORDER);
    io.buffer = a + 1;
    io.buffer_size = 8;
    CHECK_EQ(arrayio_pwrite_region(fd, &v, 'C', 0, st, &io), ARRAYIO_ERR_OVERLAP);
    io.buffer = NULL;
    io.buffer_size = 0;
    CHECK_EQ(lseek(fd, 0, SEEK_END), 0); /* nothing written */
    io.done = 0;
    CHECK_EQ(arrayio_pwrite_region(-1, &v, 'C', 0, st, &io), ARRAYIO_ERR_OS);
    CHECK_EQ(io.sys_errno, EBADF);
    close(fd);
}


/* Large strided writes go through the packing thread: same bytes as the
 * single-threaded path, exact progress on EAGAIN and on errors. */
static void test_overlapped_writes(void)
{
    size_t rows = 1500, cols = 1400, i, n = rows * cols * 8, len = 0;
    double *a = (double *)malloc(n);
    unsigned char *ref = (unsigned char *)malloc(n), *got;
    int64_t shape[2], strides[2] = {8, (int64_t)(8 * 1400)};
    arrayio_view t;
    arrayio_io io;
    int fd, single, p[2];
    ssize_t r;

    shape[0] = (int64_t)cols;
    shape[1] = (int64_t)rows; /* the transpose of a (rows, cols) array */
    for (i = 0; i < rows * cols; i++)
        a[i] = (double)tu_rand();
    t = mkview(a, 8, 2, shape, strides);
    tu_ref_pack(&t, 'C', ref);
    for (single = 0; single < 2; single++) {
        fd = temp_file();
        memset(&io, 0, sizeof io);
        io.flags = single ? ARRAYIO_IO_SINGLE_THREAD : 0u;
        io.buffer_size = 100000; /* not a divisor of the row */
        CHECK_EQ(arrayio_write_fd(fd, &t, 'C', &io), ARRAYIO_OK);
        CHECK_EQ(io.done, n);
        got = file_bytes(fd, &len);
        CHECK_EQ(len, n);
        CHECK(memcmp(got, ref, n) == 0);
        free(got);
        /* resumed from the middle */
        memset(&io, 0, sizeof io);
        io.done = n / 3 + 5;
        lseek(fd, (off_t)io.done, SEEK_SET);
        CHECK_EQ(arrayio_write_fd(fd, &t, 'F', &io), ARRAYIO_OK);
        got = file_bytes(fd, &len);
        {
            unsigned char *fref = (unsigned char *)malloc(n);
            tu_ref_pack(&t, 'F', fref);
            CHECK(memcmp(got + n / 3 + 5, fref + n / 3 + 5, n - n / 3 - 5) == 0);
            free(fref);
        }
        free(got);
        close(fd);
    }
    /* a full non-blocking pipe: the count is exact */
    CHECK_EQ(pipe(p), 0);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    memset(&io, 0, sizeof io);
    CHECK_EQ(arrayio_write_fd(p[1], &t, 'C', &io), ARRAYIO_ERR_OS);
    CHECK(io.sys_errno == EAGAIN || io.sys_errno == EWOULDBLOCK);
    got = (unsigned char *)malloc(n);
    for (len = 0; (r = read(p[0], got + len, n - len)) > 0;)
        len += (size_t)r;
    CHECK(len == io.done && len > 0 && memcmp(got, ref, len) == 0);
    free(got);
    close(p[0]);
    close(p[1]);
    /* an error on the first write */
    fd = open("/dev/full", O_WRONLY);
    if (fd >= 0) {
        memset(&io, 0, sizeof io);
        CHECK_EQ(arrayio_write_fd(fd, &t, 'C', &io), ARRAYIO_ERR_OS);
        CHECK_EQ(io.sys_errno, ENOSPC);
        CHECK_EQ(io.done, 0);
        close(fd);
    }
    free(a);
    free(ref);
}

int main(void)
{
    static const tu_test tests[] = {
        {"roundtrip_random", test_roundtrip_random},
        {"large_blocks", test_large_blocks},
        {"positioned", test_positioned},
        {"eof", test_eof},
        {"os_errors", test_os_errors},
        {"nonblocking", test_nonblocking},
        {"eintr", test_eintr},
        {"pipe_read", test_pipe_read},
        {"regions_random", test_regions_random},
        {"region_errors", test_region_errors},
        {"overlapped_writes", test_overlapped_writes},
    };
    return tu_run(tests, sizeof tests / sizeof tests[0]);
}
