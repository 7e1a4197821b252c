/*
 * arrayio.h - move N-dimensional strided arrays between memory and files.
 *
 * This header is the manual of libarrayio.  Every public function is
 * documented here: what it does, what it returns, and every error it reports.
 *
 * The one idea
 * ------------
 * An array is described by an arrayio_view: a pointer to its first element,
 * an item size in bytes, a number of dimensions and, for each dimension, an
 * extent (shape) and a byte stride.  Strides may be negative (reversed axes)
 * or zero (broadcast axes).  The library never interprets the bytes of an
 * item; it only moves them.
 *
 * A view is serialised as a "stream": its items one after another, in C
 * (row-major, last index fastest) or Fortran (column-major, first index
 * fastest) order.  That stream is exactly what NumPy's
 * ndarray.tobytes(order) returns.  pack() writes the stream into memory,
 * unpack() scatters a stream into a view, copy() moves a view into another,
 * the cursor produces or consumes a stream in pieces of any length, and the
 * fd functions move the stream to or from a file descriptor.
 *
 * Conventions
 * -----------
 * - Every function that can fail returns an int status: ARRAYIO_OK (0) on
 *   success or one of the positive arrayio_status codes.  The numeric values
 *   are stable across releases; arrayio_error_name() and arrayio_strerror()
 *   name them.
 * - Nothing is ever partially validated: a function that reports a
 *   validation error (anything except ARRAYIO_ERR_OS, ARRAYIO_ERR_EOF,
 *   ARRAYIO_ERR_INTERRUPTED, ARRAYIO_ERR_NO_PROGRESS and ARRAYIO_ERR_NOMEM)
 *   has touched no memory and no file.
 * - Symbols are prefixed arrayio_ / ARRAYIO_.  The library is C99 + POSIX and
 *   thread-safe: it has no global state; distinct calls may run concurrently
 *   on distinct memory.
 * - The library never installs signal handlers.  Writing to a pipe or socket
 *   whose reader is gone raises SIGPIPE in a program that did not ignore it;
 *   with SIGPIPE ignored the write fails with ARRAYIO_ERR_OS and EPIPE.
 */
#ifndef ARRAYIO_H
#define ARRAYIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------------- */
/* Version                                                                  */
/* ----------------------------------------------------------------------- */

#define ARRAYIO_VERSION_MAJOR 0
#define ARRAYIO_VERSION_MINOR 1
#define ARRAYIO_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 100 for 0.1.0 */
#define ARRAYIO_VERSION_NUMBER                                                \
    (ARRAYIO_VERSION_MAJOR * 10000 + ARRAYIO_VERSION_MINOR * 100 +            \
     ARRAYIO_VERSION_PATCH)
#define ARRAYIO_VERSION_STRING "0.1.0"

/* Symbol visibility: only functions marked ARRAYIO_API are exported from the
 * shared library.  Define ARRAYIO_API yourself to override. */
#ifndef ARRAYIO_API
#if defined(__GNUC__) && (__GNUC__ >= 4)
#define ARRAYIO_API __attribute__((visibility("default")))
#else
#define ARRAYIO_API
#endif
#endif

/* Version of the library actually linked: ARRAYIO_VERSION_NUMBER and
 * ARRAYIO_VERSION_STRING of the build.  Compare with the macros to detect a
 * header/library mismatch. */
ARRAYIO_API unsigned arrayio_version_number(void);
ARRAYIO_API const char *arrayio_version_string(void);

/* ----------------------------------------------------------------------- */
/* Status codes                                                             */
/* ----------------------------------------------------------------------- */

typedef enum arrayio_status {
    ARRAYIO_OK = 0,
    /* A required pointer argument is NULL (the view, its shape or strides
     * when ndim > 0, its data when it has items, an output buffer). */
    ARRAYIO_ERR_NULL = 1,
    /* itemsize is 0. */
    ARRAYIO_ERR_ITEMSIZE = 2,
    /* ndim is negative or greater than ARRAYIO_MAX_DIMS. */
    ARRAYIO_ERR_NDIM = 3,
    /* A dimension of the shape is negative. */
    ARRAYIO_ERR_SHAPE = 4,
    /* A size, stride product, byte extent or file offset does not fit:
     * the item count times the item size, or the span of bytes the view
     * touches, exceeds PTRDIFF_MAX, or the view wraps around the address
     * space, or offset + size exceeds the largest file offset. */
    ARRAYIO_ERR_OVERFLOW = 5,
    /* order is neither ARRAYIO_ORDER_C nor ARRAYIO_ORDER_F. */
    ARRAYIO_ERR_ORDER = 6,
    /* Two views (copy) differ in ndim, shape or itemsize. */
    ARRAYIO_ERR_MISMATCH = 7,
    /* A caller's buffer is smaller than the stream it must hold or supply,
     * or a staging buffer size of 0 was given with a buffer. */
    ARRAYIO_ERR_SIZE = 8,
    /* A contiguous buffer passed to pack/unpack overlaps the view's bytes.
     * Use arrayio_copy for overlapping data. */
    ARRAYIO_ERR_OVERLAP = 9,
    /* A system call failed; the errno value is in arrayio_io.sys_errno (and
     * in errno). */
    ARRAYIO_ERR_OS = 10,
    /* End of file reached before the whole stream was read; arrayio_io.done
     * says how many bytes were read (and stored in the view). */
    ARRAYIO_ERR_EOF = 11,
    /* A system call was interrupted by a signal (or a write came back
     * short) and the caller asked for ARRAYIO_IO_RETURN_EINTR;
     * arrayio_io.done is the progress so far, and calling again with the
     * same arrayio_io resumes. */
    ARRAYIO_ERR_INTERRUPTED = 12,
    /* write() or pwrite() returned 0 for a non-empty request, so the loop
     * cannot progress (seen on some devices); done says what got out. */
    ARRAYIO_ERR_NO_PROGRESS = 13,
    /* A staging or temporary buffer could not be allocated. */
    ARRAYIO_ERR_NOMEM = 14,
    /* An argument is out of range: a negative file offset, a resume
     * position (arrayio_io.done, arrayio_cursor_seek) past the end of the
     * stream. */
    ARRAYIO_ERR_RANGE = 15,
    /* .npy: the bytes do not start with the magic string "\x93NUMPY". */
    ARRAYIO_ERR_NPY_MAGIC = 16,
    /* .npy: a format version other than 1.0, 2.0 and 3.0. */
    ARRAYIO_ERR_NPY_VERSION = 17,
    /* .npy: the input ends inside the header; arrayio_npy_header.data_offset
     * says how many bytes the header needs (as far as it is known). */
    ARRAYIO_ERR_NPY_TRUNCATED = 18,
    /* .npy: the header is longer than the caller's maximum. */
    ARRAYIO_ERR_NPY_HEADER_SIZE = 19,
    /* .npy: the header is not a dict literal: a missing brace, colon or
     * comma, or bytes after the closing brace other than white space. */
    ARRAYIO_ERR_NPY_SYNTAX = 20,
    /* .npy: a key other than 'descr', 'fortran_order' and 'shape', or one of
     * them missing or repeated. */
    ARRAYIO_ERR_NPY_KEYS = 21,
    /* .npy: the descr is not a type string, field list or subarray that
     * gives an item size (or its sizes overflow). */
    ARRAYIO_ERR_NPY_DESCR = 22,
    /* .npy: the shape is not a tuple of non-negative ints, has more than
     * ARRAYIO_MAX_DIMS entries, or its byte count overflows. */
    ARRAYIO_ERR_NPY_SHAPE = 23,
    /* .npy: fortran_order is not True or False. */
    ARRAYIO_ERR_NPY_FORTRAN = 24,
    /* .npy: text that is not valid UTF-8 (a 3.0 header, or a descr given to
     * the writer). */
    ARRAYIO_ERR_NPY_ENCODING = 25,
    /* .npy: the descr holds Python objects ('O'): the data is a pickle,
     * which this library neither writes nor reads. */
    ARRAYIO_ERR_NPY_OBJECT = 26,
    /* safetensors: the header length exceeds ARRAYIO_ST_MAX_HEADER_SIZE, or
     * the file ends before the header does. */
    ARRAYIO_ERR_ST_HEADER_SIZE = 27,
    /* safetensors: the header is not valid UTF-8, or a \u escape is a lone
     * surrogate; for the writer, a name or metadata string is not UTF-8. */
    ARRAYIO_ERR_ST_ENCODING = 28,
    /* safetensors: the header is not one JSON object (bad syntax, nesting
     * deeper than 64, bytes after it other than white space). */
    ARRAYIO_ERR_ST_SYNTAX = 29,
    /* safetensors: a tensor entry is not an object holding "dtype", "shape"
     * and "data_offsets"; or (writer) a tensor is named "__metadata__". */
    ARRAYIO_ERR_ST_SCHEMA = 30,
    /* safetensors: a dtype that is not a string naming a safetensors type. */
    ARRAYIO_ERR_ST_DTYPE = 31,
    /* safetensors: a shape that is not a list of at most ARRAYIO_MAX_DIMS
     * non-negative integers, or whose item or byte count overflows int64. */
    ARRAYIO_ERR_ST_SHAPE = 32,
    /* safetensors: data_offsets is not [begin, end] with integers
     * 0 <= begin <= end < 2**63, or the tensors, in offset order, do not
     * tile the data: a gap or an overlap. */
    ARRAYIO_ERR_ST_OFFSETS = 33,
    /* safetensors: end - begin differs from the bytes the shape and dtype
     * need (or those are not a whole number of bytes). */
    ARRAYIO_ERR_ST_NBYTES = 34,
    /* safetensors: the tensors' data does not end exactly where the file
     * does. */
    ARRAYIO_ERR_ST_DATA_END = 35,
    /* safetensors: a tensor name, a metadata key, "__metadata__" or a key
     * inside a tensor entry appears twice. */
    ARRAYIO_ERR_ST_DUPLICATE = 36,
    /* safetensors: "__metadata__" is not null or an object of strings. */
    ARRAYIO_ERR_ST_METADATA = 37
} arrayio_status;

/* Number of status codes; every code c satisfies 0 <= c < ARRAYIO_STATUS_COUNT. */
#define ARRAYIO_STATUS_COUNT 38

/* The symbolic name of a status code ("ARRAYIO_ERR_SHAPE"), or
 * "ARRAYIO_ERR_UNKNOWN" for a value that is not one.  Never NULL; the string
 * is static. */
ARRAYIO_API const char *arrayio_error_name(int status);

/* A one-line English description of a status code ("negative dimension in
 * shape"), or "unknown status code".  Never NULL; the string is static. */
ARRAYIO_API const char *arrayio_strerror(int status);

/* ----------------------------------------------------------------------- */
/* Views                                                                    */
/* ----------------------------------------------------------------------- */

/* The largest ndim a view may have.  NumPy allows 64 dimensions since 2.0. */
#define ARRAYIO_MAX_DIMS 64

/* Stream orders.  The values are the characters NumPy uses. */
#define ARRAYIO_ORDER_C 'C'
#define ARRAYIO_ORDER_F 'F'

typedef struct arrayio_view {
    /* Address of the item whose indices are all zero.  With negative
     * strides other items lie below it.  May be NULL only when the view has
     * no items. */
    void *data;
    /* Bytes per item, >= 1.  Any size: the library never looks inside. */
    size_t itemsize;
    /* Number of dimensions, 0 (a single item) to ARRAYIO_MAX_DIMS. */
    int ndim;
    /* ndim extents, each >= 0.  May be NULL when ndim == 0. */
    const int64_t *shape;
    /* ndim byte strides, any sign, zero allowed.  May be NULL when
     * ndim == 0. */
    const int64_t *strides;
} arrayio_view;

/* Flags of arrayio_extent.flags */
#define ARRAYIO_C_CONTIGUOUS 1u /* the C-order stream is the memory at data */
#define ARRAYIO_F_CONTIGUOUS 2u /* the F-order stream is the memory at data */

typedef struct arrayio_extent {
    uint64_t nitems; /* product of the shape (1 for ndim == 0) */
    uint64_t nbytes; /* nitems * itemsize: the length of the stream */
    /* The bytes the view touches are [data + low, data + high).
     * low <= 0 <= high; low == high == 0 when the view has no items.  A
     * binding checks this range against the memory it really owns. */
    int64_t low;
    int64_t high;
    unsigned flags; /* ARRAYIO_C_CONTIGUOUS | ARRAYIO_F_CONTIGUOUS */
} arrayio_extent;

/* Validate a view and describe it.
 *
 * Checks, in this order: view non-NULL, itemsize >= 1, 0 <= ndim <=
 * ARRAYIO_MAX_DIMS, shape and strides non-NULL when ndim > 0, every
 * extent >= 0, item count and byte count (ignoring zero extents) within
 * PTRDIFF_MAX, data non-NULL when the view has items, the touched byte span
 * within PTRDIFF_MAX and not wrapping around the address space.  Strides of
 * a view without items are not checked.  All arithmetic is overflow-checked.
 *
 * out may be NULL to validate only; on error *out is left untouched.
 * Returns ARRAYIO_OK, ARRAYIO_ERR_NULL, ARRAYIO_ERR_ITEMSIZE,
 * ARRAYIO_ERR_NDIM, ARRAYIO_ERR_SHAPE or ARRAYIO_ERR_OVERFLOW. */
ARRAYIO_API int arrayio_view_check(const arrayio_view *view,
                                   arrayio_extent *out);

/* ----------------------------------------------------------------------- */
/* Whole-view kernels                                                       */
/* ----------------------------------------------------------------------- */

/* Pack: write the view's stream in `order` into out[0 .. nbytes).
 * out_size is the room at out; it must be >= nbytes (bytes past nbytes are
 * left alone).  out must not overlap the view's bytes.
 * Returns ARRAYIO_OK, a view_check error, ARRAYIO_ERR_ORDER,
 * ARRAYIO_ERR_NULL (out is NULL while nbytes > 0), ARRAYIO_ERR_SIZE or
 * ARRAYIO_ERR_OVERLAP; on error nothing is written. */
ARRAYIO_API int arrayio_pack(const arrayio_view *view, int order, void *out,
                             size_t out_size);

/* Unpack: scatter in[0 .. nbytes) into the view, taking the bytes as the
 * view's stream in `order`.  in_size must be >= nbytes (extra bytes are
 * ignored).  in must not overlap the view's bytes.  When the view has
 * overlapping items (zero strides), the item written last in stream order
 * wins.
 * Returns as arrayio_pack; on error the view is untouched. */
ARRAYIO_API int arrayio_unpack(const arrayio_view *view, int order,
                               const void *in, size_t in_size);

/* Copy: dst[i] = src[i] for every index i.  Both views must have the same
 * itemsize, ndim and shape (broadcast a source by giving it zero strides).
 * Source and destination may overlap in any way: the result is as if the
 * source were first copied to a temporary.  When their byte ranges
 * [data + low, data + high) intersect (and they are not the very same view)
 * the library allocates that temporary, nbytes long, even if the items
 * themselves interleave without sharing a byte (a[::2] and a[1::2]).
 * When dst itself has overlapping items (zero strides), which source item
 * lands there is unspecified.
 * Returns ARRAYIO_OK, a view_check error (of either view),
 * ARRAYIO_ERR_MISMATCH or ARRAYIO_ERR_NOMEM; on error dst is untouched. */
ARRAYIO_API int arrayio_copy(const arrayio_view *dst, const arrayio_view *src);

/* ----------------------------------------------------------------------- */
/* Cursor: a stream produced or consumed in pieces                           */
/* ----------------------------------------------------------------------- */

/* A cursor walks a view's stream and may stop at any byte, including inside
 * an item, so a fixed-size buffer serves views of any item size.  It is a
 * plain struct (about 1.6 KiB): keep it on the stack; it owns no memory and
 * needs no cleanup.  Only `pos` and `total` are for reading; everything else
 * is private to the library and may change between releases.  The view's
 * shape and strides arrays are copied at init and need not outlive it; its
 * data must stay valid while the cursor is used. */
typedef struct arrayio_cursor {
    uint64_t pos;   /* bytes of the stream produced/consumed so far */
    uint64_t total; /* length of the stream (the view's nbytes) */
    /* private */
    char *base;
    size_t block;   /* bytes of one contiguous block */
    size_t boff;    /* bytes of the current block already done */
    uint64_t off;   /* byte offset of the current block from base (mod 2^64) */
    int ndim;       /* loop dimensions, outermost first */
    int order;
    int64_t shape[ARRAYIO_MAX_DIMS];
    int64_t strides[ARRAYIO_MAX_DIMS];
    int64_t index[ARRAYIO_MAX_DIMS];
} arrayio_cursor;

/* Prepare cur to walk `view` in `order`, at position 0.
 * Returns ARRAYIO_OK, ARRAYIO_ERR_NULL (cur is NULL), a view_check error or
 * ARRAYIO_ERR_ORDER; on error *cur is not usable. */
ARRAYIO_API int arrayio_cursor_init(arrayio_cursor *cur,
                                    const arrayio_view *view, int order);

/* Move to byte `pos` of the stream (0 <= pos <= total), in O(ndim).
 * Returns ARRAYIO_OK or ARRAYIO_ERR_RANGE (pos > total; cursor unchanged). */
ARRAYIO_API int arrayio_cursor_seek(arrayio_cursor *cur, uint64_t pos);

/* Fill: copy the next min(size, total - pos) bytes of the stream from the
 * view into buf and advance.  Returns the number of bytes written to buf
 * (0 at the end of the stream).  buf must not overlap the view. */
ARRAYIO_API size_t arrayio_cursor_fill(arrayio_cursor *cur, void *buf,
                                       size_t size);

/* Drain: take the next min(size, total - pos) bytes of the stream from buf,
 * store them in the view and advance.  Returns the number of bytes consumed
 * (0 at the end of the stream).  buf must not overlap the view. */
ARRAYIO_API size_t arrayio_cursor_drain(arrayio_cursor *cur, const void *buf,
                                        size_t size);

/* Zero-copy access: the memory holding the next bytes of the stream.
 * Sets *ptr to the address of byte `pos` of the stream inside the view and
 * returns how many bytes from there on are stored contiguously in memory in
 * stream order (the rest of the current block; 0 at the end of the stream).
 * Does not advance: follow with arrayio_cursor_seek(cur, cur->pos + n). */
ARRAYIO_API size_t arrayio_cursor_span(const arrayio_cursor *cur, void **ptr);

/* ----------------------------------------------------------------------- */
/* File descriptors                                                         */
/* ----------------------------------------------------------------------- */

/* Default size of the staging buffer for strided views: large enough to
 * amortise system calls, small enough to stay in the L2 cache. */
#define ARRAYIO_DEFAULT_BUFFER_SIZE ((size_t)256 * 1024)

/* Default size of each of the two staging buffers of an overlapped write
 * (see arrayio_write_fd): more rows per buffer let a transpose be packed
 * in longer tiles. */
#define ARRAYIO_OVERLAP_BUFFER_SIZE ((size_t)1024 * 1024)

/* The most bytes passed to one read/write/pread/pwrite call.  macOS rejects
 * counts above INT_MAX and Linux transfers at most 0x7ffff000 per call. */
#define ARRAYIO_MAX_SYSCALL_BYTES ((size_t)1 << 30)

/* Flags of arrayio_io.flags */
/* Return ARRAYIO_ERR_INTERRUPTED when a system call fails with EINTR instead
 * of retrying it, so the caller can run its signal handling and resume.  A
 * write or pwrite that moves fewer bytes than asked returns it too: that is
 * what a signal does to a write blocked after moving some bytes (to a pipe
 * or socket), and no EINTR follows. */
#define ARRAYIO_IO_RETURN_EINTR 1u
/* Never start a helper thread (see arrayio_write_fd). */
#define ARRAYIO_IO_SINGLE_THREAD 2u

/* In/out parameters of the fd functions.  Zero-initialise it
 * (arrayio_io io = {0};) for the defaults.  A NULL arrayio_io pointer means
 * all defaults and no progress report. */
typedef struct arrayio_io {
    /* In: bytes of the stream already moved by an earlier call; the call
     * resumes there (0 for a fresh transfer).  Out: bytes moved in total,
     * including on failure.  For the positioned calls, byte k of the stream
     * is at file offset offset + k. */
    uint64_t done;
    /* Out: errno of the failed system call for ARRAYIO_ERR_OS, else 0. */
    int sys_errno;
    /* In: ARRAYIO_IO_* flags. */
    unsigned flags;
    /* In: staging buffer for strided views, or NULL to allocate one of
     * buffer_size bytes (ARRAYIO_DEFAULT_BUFFER_SIZE when buffer_size is 0)
     * for the duration of the call.  It must not overlap the view's bytes.  Contiguous data never goes through it:
     * it is written from, or read into, the view's own memory. */
    void *buffer;
    size_t buffer_size;
} arrayio_io;

/* Write the view's stream in `order` to fd at its current position, with
 * write(2).  Partial writes are continued and EINTR retried (or returned,
 * see ARRAYIO_IO_RETURN_EINTR); each call moves at most
 * ARRAYIO_MAX_SYSCALL_BYTES.
 *
 * A strided view whose remaining stream is 4 MiB or more, written through
 * the library's own staging memory (io->buffer NULL), is packed by one
 * helper thread into one of two staging buffers (io->buffer_size bytes
 * each, ARRAYIO_OVERLAP_BUFFER_SIZE when 0, at most half the bytes left)
 * while the calling thread writes the other, so packing and writing
 * overlap.  The helper runs with every asynchronous signal blocked and
 * ends before the call returns; all system calls on fd, and so every
 * EINTR, stay in the calling thread.  A resume after
 * ARRAYIO_ERR_INTERRUPTED starts a new helper.  Set
 * ARRAYIO_IO_SINGLE_THREAD in io->flags to do everything in the calling
 * thread with one buffer.
 * Returns ARRAYIO_OK, a view_check error, ARRAYIO_ERR_ORDER,
 * ARRAYIO_ERR_RANGE (io->done > nbytes), ARRAYIO_ERR_SIZE (buffer given
 * with buffer_size 0), ARRAYIO_ERR_OVERLAP (buffer overlaps the view),
 * ARRAYIO_ERR_NOMEM, ARRAYIO_ERR_OS (errno in
 * io->sys_errno, e.g. EAGAIN on a full non-blocking descriptor, ENOSPC,
 * EPIPE), ARRAYIO_ERR_INTERRUPTED or ARRAYIO_ERR_NO_PROGRESS.  io->done
 * says how many bytes of the stream did get out; bytes that did not are
 * never counted. */
ARRAYIO_API int arrayio_write_fd(int fd, const arrayio_view *view, int order,
                                 arrayio_io *io);

/* Read nbytes from fd at its current position, with read(2), and store them
 * in the view as its stream in `order`.  Short reads are continued.
 * Returns as arrayio_write_fd, plus ARRAYIO_ERR_EOF when the file ends
 * first.  On any failure the first io->done bytes of the stream are stored
 * in the view; the rest of the view is untouched. */
ARRAYIO_API int arrayio_read_fd(int fd, const arrayio_view *view, int order,
                                arrayio_io *io);

/* As arrayio_write_fd, but with pwrite(2) at file offset `offset` (>= 0);
 * the descriptor's own position is neither used nor moved.  Adds
 * ARRAYIO_ERR_RANGE for a negative offset and ARRAYIO_ERR_OVERFLOW when
 * offset + nbytes exceeds the largest file offset. */
ARRAYIO_API int arrayio_pwrite_fd(int fd, const arrayio_view *view, int order,
                                  int64_t offset, arrayio_io *io);

/* As arrayio_read_fd, but with pread(2) at file offset `offset` (>= 0). */
ARRAYIO_API int arrayio_pread_fd(int fd, const arrayio_view *view, int order,
                                 int64_t offset, arrayio_io *io);

/* Regions: an array laid out inside a file, item (i0, i1, ...) at file
 * offset `offset + i0*file_strides[0] + i1*file_strides[1] + ...` (strides
 * of any sign, as a view's).  pread_region fills the memory view `mem` from
 * the region of the same shape and item size; pwrite_region writes `mem`
 * into the region.  Only the region's bytes are read or written, with
 * pread(2)/pwrite(2): runs contiguous in the file and in memory move
 * directly, others through the staging buffer.  `order` ('C' or 'F') is the
 * traversal order and io->done counts bytes of mem's stream in that order
 * (choose the file's own order for long runs).  When mem or the region has
 * overlapping items, the last in traversal order wins.  A caller's staging
 * buffer (io->buffer) must not overlap mem (ARRAYIO_ERR_OVERLAP).
 * Returns as arrayio_pread_fd / arrayio_pwrite_fd, plus ARRAYIO_ERR_NULL
 * (file_strides NULL with ndim > 0), a layout error of the file side
 * (ARRAYIO_ERR_OVERFLOW), ARRAYIO_ERR_RANGE (a region byte before offset 0)
 * and ARRAYIO_ERR_OVERFLOW (a region byte past the largest file offset). */
ARRAYIO_API int arrayio_pread_region(int fd, const arrayio_view *mem,
                                     int order, int64_t offset,
                                     const int64_t *file_strides,
                                     arrayio_io *io);
ARRAYIO_API int arrayio_pwrite_region(int fd, const arrayio_view *mem,
                                      int order, int64_t offset,
                                      const int64_t *file_strides,
                                      arrayio_io *io);

/* ----------------------------------------------------------------------- */
/* The .npy format                                                          */
/* ----------------------------------------------------------------------- */

/* numpy.load's default limit on the header length, in characters. */
#define ARRAYIO_NPY_MAX_HEADER_SIZE 10000

/* A buffer this large holds any header of at most max_header_size
 * characters (UTF-8 takes up to 4 bytes per character, plus 12 bytes of
 * magic, version and length). */
#define ARRAYIO_NPY_BUFFER_SIZE(max_header_size)                              \
    ((size_t)(max_header_size) * 4 + 12)

/* For arrayio_npy_save_fd: 'F' when the view is Fortran-contiguous and not
 * C-contiguous, 'C' otherwise: what numpy.save does. */
#define ARRAYIO_ORDER_A 'A'

/* What a descr describes (see arrayio_npy_check_descr). */
typedef struct arrayio_npy_descr {
    uint64_t itemsize;
    int has_object; /* an 'O' type anywhere in it */
    int latin1;     /* every character below U+0100 */
} arrayio_npy_descr;

/* Check a descr: the Python literal numpy puts after 'descr': in a header,
 * i.e. repr(numpy.lib.format.dtype_to_descr(dtype)), as UTF-8 text of
 * descr_len bytes.  Accepted: a type string ('<f8', '|S10', '<U3', '|V16',
 * '<M8[ns]', '|b1', '|O'), a list of fields ('name', descr) or
 * ('name', descr, shape) with name possibly ('title', 'name'), and the
 * subarray form (descr, shape); fields nest up to 64 deep; datetime units
 * are numpy's ('[ns]', '[25s]', '[generic]'); string and void sizes fit a
 * C int, as in numpy.  Field names are not interpreted (a caller that
 * builds a dtype, as numpy does, also checks them).  info (may be
 * NULL) receives the item size it gives.
 * Returns ARRAYIO_OK, ARRAYIO_ERR_NULL, ARRAYIO_ERR_NPY_ENCODING or
 * ARRAYIO_ERR_NPY_DESCR. */
ARRAYIO_API int arrayio_npy_check_descr(const char *descr, size_t descr_len,
                                        arrayio_npy_descr *info);

/* Build the .npy header numpy.save writes for an array of this descr, order
 * and shape: the same bytes, version choice (1.0; 2.0 past 65535 bytes; 3.0
 * when the descr is not latin-1), key order, tuple spelling ('()', '(3,)',
 * '(3, 4)'), growth padding and 64-byte alignment of the data.
 *
 * *out_len (may be NULL) receives the header length.  With out NULL or
 * out_size too small nothing is written and ARRAYIO_ERR_SIZE returned:
 * call once with NULL to learn the length.
 * Returns ARRAYIO_OK, ARRAYIO_ERR_SIZE, the errors of
 * arrayio_npy_check_descr, ARRAYIO_ERR_NDIM, ARRAYIO_ERR_NULL (shape NULL
 * with ndim > 0), ARRAYIO_ERR_SHAPE (negative extent) or
 * ARRAYIO_ERR_OVERFLOW (byte count or header length). */
ARRAYIO_API int arrayio_npy_format_header(const char *descr, size_t descr_len,
                                   int fortran_order, int ndim,
                                   const int64_t *shape, void *out,
                                   size_t out_size, size_t *out_len);

/* As arrayio_npy_format_header, for a header that starts at byte `start`
 * of a larger buffer or file (a stream of .npy records): the header's
 * padding is chosen so its data starts at a multiple of 64 of that buffer,
 * with numpy's rule (a full 64 spaces when already aligned).  numpy reads
 * headers of any padding, so a stream of such records loads with repeated
 * numpy.load calls.  start = 0 gives exactly numpy.save's header. */
ARRAYIO_API int arrayio_npy_format_header_at(const char *descr,
                                             size_t descr_len,
                                             int fortran_order, int ndim,
                                             const int64_t *shape,
                                             uint64_t start, void *out,
                                             size_t out_size, size_t *out_len);

/* A parsed header.  descr points into the parsed buffer. */
typedef struct arrayio_npy_header {
    int major, minor;      /* format version */
    int fortran_order;     /* 1: the data is in Fortran order */
    int ndim;
    int64_t shape[ARRAYIO_MAX_DIMS];
    const char *descr;     /* the descr literal's text, not terminated; */
    size_t descr_len;      /* latin-1 in versions 1 and 2, UTF-8 in 3 */
    uint64_t itemsize;     /* from the descr */
    int has_object;        /* the data is a pickle: not for this library */
    uint64_t nbytes;       /* items times itemsize, checked to fit int64 */
    uint64_t data_offset;  /* where the data starts: the header's length */
} arrayio_npy_header;

/* Parse the header at the start of buf[0 .. size).
 *
 * Strict: exactly the three keys (any order, each once, quoted with ' or
 * "), fortran_order True or False, the shape a real tuple of non-negative
 * decimal ints ('L' suffixes allowed in versions 1 and 2, as Python 2
 * wrote them), a descr that arrayio_npy_check_descr accepts, nothing but
 * white space after the closing brace.  Bounded: a header longer than
 * max_header_size characters is refused from its length field alone, before
 * it is read.  Overflow-checked: the product of the extents times the item
 * size must fit int64.  Reads nothing outside buf[0 .. size), allocates
 * nothing.
 *
 * When buf ends inside the header, returns ARRAYIO_ERR_NPY_TRUNCATED with
 * out->data_offset set to the bytes needed so far (8 before the version is
 * known, then 10 or 12, then the whole header): read that many and call
 * again.
 * Returns ARRAYIO_OK, ARRAYIO_ERR_NULL or one of the ARRAYIO_ERR_NPY_*
 * codes. */
ARRAYIO_API int arrayio_npy_parse(const void *buf, size_t size,
                                  size_t max_header_size,
                                  arrayio_npy_header *out);

/* Describe in *view the data of h laid out contiguously at `data`, in the
 * file's order; strides must have room for ARRAYIO_MAX_DIMS entries.  The
 * view then reads (arrayio_read_fd) or maps the file's data, in stream
 * order h->fortran_order ? ARRAYIO_ORDER_F : ARRAYIO_ORDER_C.
 * Returns ARRAYIO_OK or an arrayio_view_check error. */
ARRAYIO_API int arrayio_npy_data_view(const arrayio_npy_header *h, void *data,
                                      int64_t *strides, arrayio_view *view);

/* Write a complete .npy file (header and data) to fd at its position: the
 * bytes numpy.save writes for the same array.  descr is as for
 * arrayio_npy_format_header and must give view->itemsize.  order is
 * ARRAYIO_ORDER_C, ARRAYIO_ORDER_F, or ARRAYIO_ORDER_A for numpy's choice.
 * Small files go out in one write.  io->done counts bytes of the whole
 * file (header included) and resumes like arrayio_write_fd.
 * Returns ARRAYIO_OK, the errors of arrayio_write_fd and
 * arrayio_npy_format_header, ARRAYIO_ERR_NPY_OBJECT (an object descr) or
 * ARRAYIO_ERR_MISMATCH (descr item size differs from the view's). */
ARRAYIO_API int arrayio_npy_save_fd(int fd, const arrayio_view *view,
                                    int order, const char *descr,
                                    size_t descr_len, arrayio_io *io);

/* Read a .npy header from fd's position into buf and parse it into *out,
 * reading exactly the header's bytes and no more (fd may be a pipe): on
 * success fd is positioned at the data.  buf_size must hold the header:
 * ARRAYIO_NPY_BUFFER_SIZE(max_header_size) always does (a longer header
 * gives ARRAYIO_ERR_NPY_HEADER_SIZE before its body is read).  io->done counts
 * header bytes already in buf (0 to start; resumes after
 * ARRAYIO_ERR_INTERRUPTED).
 * Returns ARRAYIO_OK, the errors of arrayio_npy_parse (ARRAYIO_ERR_NPY_TRUNCATED
 * when the file ends inside the header), ARRAYIO_ERR_SIZE (buf too small
 * for this header; its first bytes have been consumed), ARRAYIO_ERR_OS or
 * ARRAYIO_ERR_INTERRUPTED. */
ARRAYIO_API int arrayio_npy_read_header(int fd, void *buf, size_t buf_size,
                                        size_t max_header_size,
                                        arrayio_npy_header *out,
                                        arrayio_io *io);

/* ----------------------------------------------------------------------- */
/* The safetensors format                                                   */
/* ----------------------------------------------------------------------- */
/* A safetensors file is: 8 bytes, a little-endian unsigned length N; N bytes
 * of UTF-8 JSON, an object mapping each tensor name to
 * {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]} and the
 * optional key "__metadata__" to an object of strings; then the data, in
 * which each tensor's bytes (C order, little-endian) sit at [begin, end).
 * The tensors tile the data exactly: in offset order, each begins where the
 * previous ended, the first at 0, the last ending at the end of the file.
 * The rules here are the safetensors library's (0.8), with these
 * differences: names, metadata keys and keys within an entry must not
 * repeat (the library keeps the last); an entry must be a JSON object and a
 * dtype a string (the library's decoder also takes list and map forms that
 * no writer emits); extents and item counts must fit int64, even when
 * another extent is 0; values nest at most 64 deep (the library: 128); and
 * numbers in skipped keys are not range-checked (the library refuses one
 * beyond a double's range). */

/* The safetensors library's limit on N, in bytes. */
#define ARRAYIO_ST_MAX_HEADER_SIZE 100000000
/* For arrayio_st_parse: the caller checks where the data ends. */
#define ARRAYIO_ST_SIZE_UNKNOWN UINT64_MAX

/* The safetensors types, in the format's own order (ascending alignment;
 * its writer lays tensors out in descending order of this, then by name). */
typedef enum arrayio_st_dtype {
    ARRAYIO_ST_BOOL = 0,
    ARRAYIO_ST_F4,          /* 4 bits, two per byte */
    ARRAYIO_ST_F6_E2M3,     /* 6 bits, four per three bytes */
    ARRAYIO_ST_F6_E3M2,
    ARRAYIO_ST_U8,
    ARRAYIO_ST_I8,
    ARRAYIO_ST_F8_E5M2,
    ARRAYIO_ST_F8_E4M3,
    ARRAYIO_ST_F8_E8M0,
    ARRAYIO_ST_F8_E4M3FNUZ,
    ARRAYIO_ST_F8_E5M2FNUZ,
    ARRAYIO_ST_I16,
    ARRAYIO_ST_U16,
    ARRAYIO_ST_F16,
    ARRAYIO_ST_BF16,
    ARRAYIO_ST_I32,
    ARRAYIO_ST_U32,
    ARRAYIO_ST_F32,
    ARRAYIO_ST_C64,         /* two F32 */
    ARRAYIO_ST_F64,
    ARRAYIO_ST_I64,
    ARRAYIO_ST_U64
} arrayio_st_dtype;
#define ARRAYIO_ST_DTYPE_COUNT 22

/* The dtype's name in the format ("BF16"), or NULL for a value that is not
 * one. */
ARRAYIO_API const char *arrayio_st_dtype_name(int dtype);
/* Bits per item (4, 6, 8, 16, 32 or 64), or 0 for a value that is not a
 * dtype. */
ARRAYIO_API int arrayio_st_dtype_bits(int dtype);
/* The dtype named by name[0 .. len) (exact, case-sensitive), or -1. */
ARRAYIO_API int arrayio_st_dtype_from_name(const char *name, size_t len);

/* One tensor of a header. */
typedef struct arrayio_st_tensor {
    const char *name;     /* UTF-8, name_size bytes, then a NUL (the name */
    size_t name_size;     /* itself may hold NULs, as JSON allows) */
    int dtype;            /* an arrayio_st_dtype */
    int ndim;             /* 0 .. ARRAYIO_MAX_DIMS */
    const int64_t *shape; /* ndim extents, each >= 0 */
    uint64_t begin, end;  /* its bytes in the data section */
    size_t key_offset;    /* parser: where its key starts in the JSON */
} arrayio_st_tensor;

/* One "__metadata__" entry: UTF-8 strings, each followed by a NUL. */
typedef struct arrayio_st_entry {
    const char *key;
    size_t key_size;
    const char *value;
    size_t value_size;
    size_t key_offset;    /* parser: where the key starts in the JSON */
} arrayio_st_entry;

/* A parsed header.  The arrays and strings live in the caller's work
 * buffer (and name nothing in the JSON), valid while that buffer is. */
typedef struct arrayio_st_header {
    size_t count;                /* tensors, sorted by (begin, end, name) */
    arrayio_st_tensor *tensors;
    int has_metadata;            /* "__metadata__" present and not null */
    size_t metadata_count;       /* entries, in the order of the file */
    arrayio_st_entry *metadata;
    uint64_t data_size;          /* where the last tensor ends */
    size_t work_size;            /* the work buffer this header needs */
    /* On an error from the JSON: the byte of the JSON where it was found,
     * and where the key of the entry at fault starts (its opening quote),
     * or SIZE_MAX when no entry is at fault. */
    size_t error_offset;
    size_t error_key_offset;
    int error_in_metadata; /* 1: that key is one of "__metadata__"'s */
} arrayio_st_header;

/* Read the 8-byte length at prefix into *json_size and check it: at most
 * ARRAYIO_ST_MAX_HEADER_SIZE, and 8 + N <= file_size (the bytes the file
 * has, prefix included; ARRAYIO_ST_SIZE_UNKNOWN skips that check).
 * Returns ARRAYIO_OK, ARRAYIO_ERR_NULL or ARRAYIO_ERR_ST_HEADER_SIZE. */
ARRAYIO_API int arrayio_st_read_prefix(const void *prefix, uint64_t file_size,
                                       uint64_t *json_size);

/* Parse and check the JSON header json[0 .. size) of a file whose data
 * section (the bytes after the header) is data_size bytes long, or
 * ARRAYIO_ST_SIZE_UNKNOWN.
 *
 * Strict JSON (RFC 8259: no comments, no trailing commas, no leading zeros,
 * no unescaped control characters; white space around the object) with
 * nesting up to 64 deep; keys of an entry other than the three are skipped,
 * as the safetensors library does.  Checked: every rule of
 * the ARRAYIO_ERR_ST_* codes; item and byte counts with overflow checks;
 * the tensors, sorted by offset, tile [0, data_size) with no gap or
 * overlap.  Reads nothing outside json[0 .. size).
 *
 * Allocates nothing: the tensors, shapes, metadata and decoded strings go
 * into work[0 .. work_size) (any alignment).  Call with work NULL (or too
 * small) to learn the size: the whole header is checked for syntax and
 * types, then ARRAYIO_ERR_SIZE is returned with out->work_size set, which
 * is less than 7 * size + 64 bytes.  With a large enough work buffer every
 * rule is checked and *out filled.
 * Returns ARRAYIO_OK, ARRAYIO_ERR_NULL, ARRAYIO_ERR_SIZE or an
 * ARRAYIO_ERR_ST_* code (out->error_offset and out->error_key_offset say
 * where). */
ARRAYIO_API int arrayio_st_parse(const void *json, size_t size,
                                 uint64_t data_size, void *work,
                                 size_t work_size, arrayio_st_header *out);

/* Build the header region of a safetensors file (the 8-byte length, the
 * JSON, spaces up to a multiple of 8) for tensors laid out in the order
 * given, and store each tensor's begin and end.  The JSON is what the
 * safetensors library writes: compact, "__metadata__" first (only when
 * metadata is not NULL; metadata_count 0 then writes an empty object),
 * strings escaped as serde_json does, metadata entries in the order given.
 * For tensors in the library's order the bytes are the library's (with at
 * most one metadata entry: it writes several in hash-map order); it orders
 * tensors by descending dtype (as numbered above), then by name bytes,
 * which keeps every tensor aligned to its item size.
 *
 * Names and metadata strings must be UTF-8, and names distinct (not
 * checked here: arrayio_st_parse refuses a file that repeats one).
 * *out_len (may be NULL) receives the length; with out NULL or out_size too
 * small nothing is written and ARRAYIO_ERR_SIZE returned.
 * Returns ARRAYIO_OK, ARRAYIO_ERR_SIZE, ARRAYIO_ERR_NULL, ARRAYIO_ERR_NDIM,
 * ARRAYIO_ERR_SHAPE (a negative extent), ARRAYIO_ERR_OVERFLOW (counts or
 * offsets past int64), ARRAYIO_ERR_ST_DTYPE, ARRAYIO_ERR_ST_NBYTES (sub-byte
 * items that do not fill whole bytes), ARRAYIO_ERR_ST_ENCODING,
 * ARRAYIO_ERR_ST_SCHEMA (a tensor named "__metadata__") or
 * ARRAYIO_ERR_ST_HEADER_SIZE (JSON above the limit). */
ARRAYIO_API int arrayio_st_format_header(arrayio_st_tensor *tensors,
                                         size_t count,
                                         const arrayio_st_entry *metadata,
                                         size_t metadata_count, void *out,
                                         size_t out_size, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* ARRAYIO_H */
