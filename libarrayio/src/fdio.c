/* Loops that move a view's stream to and from file descriptors. */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* Blocks at least this long are moved straight between the file and the
 * view's memory; shorter ones are gathered into the staging buffer so each
 * system call moves a useful amount. */
#define DIRECT_MIN_BLOCK ((size_t)64 * 1024)

#define OFF_T_MAX ((int64_t)(sizeof(off_t) >= 8 ? INT64_MAX : INT32_MAX))

typedef struct transfer {
    int fd;
    int writing;
    int positioned;
    int64_t offset; /* file offset of stream byte 0 (positioned only) */
    unsigned flags;
} transfer;

/* Move n bytes between mem and the file, the first of them being byte
 * `at` of the stream.  *moved receives the bytes that did move, whatever
 * the outcome. */
static int sys_loop(const transfer *t, char *mem, size_t n, uint64_t at,
                    size_t *moved, int *err)
{
    size_t done = 0;
    int st = ARRAYIO_OK;

    while (done < n) {
        size_t want = n - done;
        ssize_t r;

        if (want > ARRAYIO_MAX_SYSCALL_BYTES)
            want = ARRAYIO_MAX_SYSCALL_BYTES;
        if (t->positioned) {
            /* checked on entry: offset + total <= OFF_T_MAX */
            off_t where = (off_t)(t->offset + (int64_t)(at + done));
            r = t->writing ? pwrite(t->fd, mem + done, want, where)
                           : pread(t->fd, mem + done, want, where);
        } else {
            r = t->writing ? write(t->fd, mem + done, want)
                           : read(t->fd, mem + done, want);
        }
        if (r < 0) {
            if (errno == EINTR) {
                if (t->flags & ARRAYIO_IO_RETURN_EINTR) {
                    st = ARRAYIO_ERR_INTERRUPTED;
                    break;
                }
                continue;
            }
            *err = errno;
            st = ARRAYIO_ERR_OS;
            break;
        }
        if (r == 0) {
            st = t->writing ? ARRAYIO_ERR_NO_PROGRESS : ARRAYIO_ERR_EOF;
            break;
        }
        done += (size_t)r;
        /* A signal that lands while a write is blocked after moving some
         * bytes shortens it instead of failing it with EINTR: hand that
         * back too, or the caller's handlers wait for the next block. */
        if (t->writing && (size_t)r < want && done < n &&
            (t->flags & ARRAYIO_IO_RETURN_EINTR)) {
            st = ARRAYIO_ERR_INTERRUPTED;
            break;
        }
    }
    *moved = done;
    return st;
}

/* The checks of io common to every transfer, then the cursor (initialised
 * on the validated view) moved to the resume point io->done.  A caller's
 * staging buffer must have a size and must not overlap the view. */
static int start_at(arrayio_cursor *cur, const arrayio_view *view,
                    const arrayio_io *io)
{
    arrayio_extent ext;
    if (io->buffer != NULL) {
        if (io->buffer_size == 0)
            return ARRAYIO_ERR_SIZE;
        arrayio_view_check(view, &ext);
        if (arrayio__ranges_overlap(io->buffer, io->buffer_size,
                                    (char *)view->data + ext.low,
                                    (size_t)(ext.high - ext.low)))
            return ARRAYIO_ERR_OVERLAP;
    }
    if (arrayio_cursor_seek(cur, io->done) != ARRAYIO_OK)
        return ARRAYIO_ERR_RANGE;
    return ARRAYIO_OK;
}

/* ----------------------------------------------------------------------- */
/* Packing and writing at once                                              */
/* ----------------------------------------------------------------------- */

/* Strided streams at least this long are packed by a helper thread into one
 * staging buffer while the calling thread writes the other: packing a
 * transpose and writing it take about as long each, so the two overlap
 * instead of adding up. */
#define OVERLAP_MIN ((uint64_t)4 << 20)

typedef struct packer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    arrayio_cursor *cur; /* the packer's alone while it runs */
    char *buf[2];
    size_t size, len[2];
    int full[2]; /* packed, not yet written */
    int stop;    /* the writer is done or gave up */
} packer;

static void *pack_loop(void *arg)
{
    packer *p = (packer *)arg;
    int k = 0;

    for (;;) {
        size_t n;
        pthread_mutex_lock(&p->mu);
        while (p->full[k] && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop || p->cur->pos == p->cur->total) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        pthread_mutex_unlock(&p->mu);
        n = arrayio_cursor_fill(p->cur, p->buf[k], p->size);
        pthread_mutex_lock(&p->mu);
        p->len[k] = n;
        p->full[k] = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        k ^= 1;
    }
}

/* Write the rest of cur's stream with a packing thread.  Returns 1 and sets
 * *st when it ran, 0 when it could not start (no memory or thread): the
 * caller then packs and writes by itself. */
static int write_overlapped(const transfer *t, arrayio_cursor *cur,
                            arrayio_io *io, size_t size, int *st, int *err)
{
    packer p;
    pthread_t thread;
    sigset_t all, old;
    char *mem = size <= (size_t)-1 / 2 ? (char *)malloc(2 * size) : NULL;
    size_t moved;
    int k = 0, started;

    if (mem == NULL)
        return 0;
    p.cur = cur;
    p.buf[0] = mem;
    p.buf[1] = mem + size;
    p.size = size;
    p.full[0] = p.full[1] = 0;
    p.stop = 0;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    /* the helper starts with every asynchronous signal blocked: signals,
     * and EINTR, stay with the calling thread; a fault while packing
     * (SIGSEGV, SIGBUS from a truncated mapping) is still delivered */
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    started = pthread_create(&thread, NULL, pack_loop, &p) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!started) {
        pthread_cond_destroy(&p.cv);
        pthread_mutex_destroy(&p.mu);
        free(mem);
        return 0;
    }
    *st = ARRAYIO_OK;
    while (*st == ARRAYIO_OK && io->done < cur->total) {
        size_t n;
        pthread_mutex_lock(&p.mu);
        while (!p.full[k])
            pthread_cond_wait(&p.cv, &p.mu);
        n = p.len[k];
        pthread_mutex_unlock(&p.mu);
        *st = sys_loop(t, p.buf[k], n, io->done, &moved, err);
        io->done += moved;
        pthread_mutex_lock(&p.mu);
        p.full[k] = 0;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        k ^= 1;
    }
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    pthread_join(thread, NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    free(mem);
    return 1;
}

/* The staging buffer of a call: the caller's, or one of buffer_size
 * (default ARRAYIO_DEFAULT_BUFFER_SIZE) but no more than `left` bytes,
 * allocated into *owned.  NULL when the allocation fails. */
static char *staging(const arrayio_io *io, uint64_t left, size_t *size,
                     char **owned)
{
    *size = io->buffer_size ? io->buffer_size : ARRAYIO_DEFAULT_BUFFER_SIZE;
    *owned = NULL;
    if (io->buffer != NULL)
        return (char *)io->buffer;
    if ((uint64_t)*size > left)
        *size = (size_t)left;
    *owned = (char *)malloc(*size);
    return *owned;
}

/* Each overlapped buffer: the caller's size or the default, and no more
 * than half of what is left to write. */
static size_t overlap_size(const arrayio_io *io, uint64_t left)
{
    size_t size = io->buffer_size ? io->buffer_size : ARRAYIO_OVERLAP_BUFFER_SIZE;
    if ((uint64_t)size > left / 2 + 1)
        size = (size_t)(left / 2 + 1);
    return size;
}

static int run(const transfer *t, const arrayio_view *view, int order,
               arrayio_io *io)
{
    arrayio_io defaults = {0, 0, 0u, NULL, 0};
    arrayio_cursor cur;
    char *buf, *owned = NULL;
    size_t bufsize, moved;
    int st, err = 0;

    if (io == NULL)
        io = &defaults;
    io->sys_errno = 0;
    st = arrayio_cursor_init(&cur, view, order);
    if (st != ARRAYIO_OK)
        return st;
    if (t->positioned) {
        if (t->offset < 0)
            return ARRAYIO_ERR_RANGE;
        if (cur.total > (uint64_t)(OFF_T_MAX - t->offset))
            return ARRAYIO_ERR_OVERFLOW;
    }
    st = start_at(&cur, view, io);
    if (st != ARRAYIO_OK || cur.pos == cur.total)
        return st;

    if (cur.block == cur.total || cur.block >= DIRECT_MIN_BLOCK) {
        /* Contiguous runs: no copy. */
        while (st == ARRAYIO_OK && cur.pos < cur.total) {
            void *mem;
            size_t n = arrayio_cursor_span(&cur, &mem);
            st = sys_loop(t, (char *)mem, n, io->done, &moved, &err);
            io->done += moved;
            arrayio_cursor_seek(&cur, io->done);
        }
        goto out;
    }

    if (t->writing && io->buffer == NULL &&
        !(io->flags & ARRAYIO_IO_SINGLE_THREAD) &&
        cur.total - cur.pos >= OVERLAP_MIN &&
        write_overlapped(t, &cur, io, overlap_size(io, cur.total - cur.pos),
                         &st, &err))
        goto out;
    buf = staging(io, cur.total - cur.pos, &bufsize, &owned);
    if (buf == NULL)
        return ARRAYIO_ERR_NOMEM;
    if (t->writing) {
        while (st == ARRAYIO_OK && cur.pos < cur.total) {
            size_t n = arrayio_cursor_fill(&cur, buf, bufsize);
            st = sys_loop(t, buf, n, io->done, &moved, &err);
            io->done += moved;
        }
    } else {
        while (st == ARRAYIO_OK && cur.pos < cur.total) {
            uint64_t left = cur.total - cur.pos;
            size_t n = (uint64_t)bufsize < left ? bufsize : (size_t)left;
            st = sys_loop(t, buf, n, io->done, &moved, &err);
            arrayio_cursor_drain(&cur, buf, moved);
            io->done += moved;
        }
    }
    free(owned);
out:
    if (st == ARRAYIO_ERR_OS) {
        io->sys_errno = err;
        errno = err;
    }
    return st;
}

int arrayio_write_fd(int fd, const arrayio_view *view, int order,
                     arrayio_io *io)
{
    transfer t = {fd, 1, 0, 0, 0u};
    t.flags = io ? io->flags : 0u;
    return run(&t, view, order, io);
}

int arrayio_read_fd(int fd, const arrayio_view *view, int order, arrayio_io *io)
{
    transfer t = {fd, 0, 0, 0, 0u};
    t.flags = io ? io->flags : 0u;
    return run(&t, view, order, io);
}

int arrayio_pwrite_fd(int fd, const arrayio_view *view, int order,
                      int64_t offset, arrayio_io *io)
{
    transfer t = {fd, 1, 1, 0, 0u};
    t.offset = offset;
    t.flags = io ? io->flags : 0u;
    return run(&t, view, order, io);
}

int arrayio_pread_fd(int fd, const arrayio_view *view, int order,
                     int64_t offset, arrayio_io *io)
{
    transfer t = {fd, 0, 1, 0, 0u};
    t.offset = offset;
    t.flags = io ? io->flags : 0u;
    return run(&t, view, order, io);
}

/* ----------------------------------------------------------------------- */
/* Regions: an array laid out at byte offsets of a file                      */
/* ----------------------------------------------------------------------- */

static int region(int fd, const arrayio_view *mem, int order, int64_t offset,
                  const int64_t *file_strides, arrayio_io *io, int writing)
{
    arrayio_io defaults = {0, 0, 0u, NULL, 0};
    transfer t = {0, 0, 1, 0, 0u};
    arrayio_plan fplan;
    arrayio_cursor mcur, fcur;
    char *buf = NULL, *owned = NULL;
    size_t bufsize = 0, moved;
    int64_t first, last;
    int st, err = 0;

    if (io == NULL)
        io = &defaults;
    io->sys_errno = 0;
    st = arrayio_cursor_init(&mcur, mem, order);
    if (st != ARRAYIO_OK)
        return st;
    if (mem->ndim > 0 && file_strides == NULL)
        return ARRAYIO_ERR_NULL;
    st = arrayio__layout_check(mem->itemsize, mem->ndim, mem->shape,
                               file_strides, &fplan.ext);
    if (st != ARRAYIO_OK)
        return st;
    if (offset < 0)
        return ARRAYIO_ERR_RANGE;
    /* every byte of the region lies in [offset + low, offset + high) */
    if (arrayio__add_i64(offset, fplan.ext.low, &first) || first < 0)
        return ARRAYIO_ERR_RANGE;
    if (arrayio__add_i64(offset, fplan.ext.high, &last) || last > OFF_T_MAX)
        return ARRAYIO_ERR_OVERFLOW;
    st = start_at(&mcur, mem, io);
    if (st != ARRAYIO_OK || mcur.pos == mcur.total)
        return st;
    arrayio__plan_layout(mem->itemsize, mem->ndim, mem->shape, file_strides,
                         order, &fplan);
    arrayio__cursor_start(&fcur, NULL, &fplan, order);
    arrayio_cursor_seek(&fcur, io->done);

    t.fd = fd;
    t.writing = writing;
    t.flags = io->flags;
    while (st == ARRAYIO_OK && mcur.pos < mcur.total) {
        /* the file run: the rest of the file cursor's current block */
        size_t run = fcur.block - fcur.boff, n;
        int64_t at = offset + (int64_t)fcur.off + (int64_t)fcur.boff;
        void *mem_at;

        t.offset = at - (int64_t)io->done; /* sys_loop adds the stream pos */
        n = arrayio_cursor_span(&mcur, &mem_at);
        if (n >= run) {
            /* contiguous on both sides: straight to or from the array */
            st = sys_loop(&t, (char *)mem_at, run, io->done, &moved, &err);
        } else {
            if (buf == NULL) {
                buf = staging(io, mcur.total - mcur.pos, &bufsize, &owned);
                if (buf == NULL)
                    return ARRAYIO_ERR_NOMEM;
            }
            if (run > bufsize)
                run = bufsize;
            if (writing) {
                arrayio_cursor_fill(&mcur, buf, run);
                st = sys_loop(&t, buf, run, io->done, &moved, &err);
            } else {
                st = sys_loop(&t, buf, run, io->done, &moved, &err);
                arrayio_cursor_drain(&mcur, buf, moved);
            }
        }
        io->done += moved;
        arrayio_cursor_seek(&mcur, io->done);
        arrayio_cursor_seek(&fcur, io->done);
    }
    free(owned);
    if (st == ARRAYIO_ERR_OS) {
        io->sys_errno = err;
        errno = err;
    }
    return st;
}

int arrayio_pread_region(int fd, const arrayio_view *mem, int order,
                         int64_t offset, const int64_t *file_strides,
                         arrayio_io *io)
{
    return region(fd, mem, order, offset, file_strides, io, 0);
}

int arrayio_pwrite_region(int fd, const arrayio_view *mem, int order,
                          int64_t offset, const int64_t *file_strides,
                          arrayio_io *io)
{
    return region(fd, mem, order, offset, file_strides, io, 1);
}
