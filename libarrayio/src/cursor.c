/* The resumable cursor: a view's stream produced or consumed in pieces that
 * may end anywhere, even inside an item. */
#include "internal.h"

#include <string.h>

void arrayio__cursor_start(arrayio_cursor *cur, char *base,
                           const arrayio_plan *plan, int order)
{
    int d;

    cur->pos = 0;
    cur->total = plan->ext.nbytes;
    cur->base = base;
    cur->block = plan->block;
    cur->boff = 0;
    cur->off = 0;
    cur->order = order;
    /* A single block still gets one loop dimension, so the walk below has
     * no special case for it. */
    if (plan->ndim == 0) {
        cur->ndim = 1;
        cur->shape[0] = 1;
        cur->strides[0] = 0;
        cur->index[0] = 0;
        return;
    }
    cur->ndim = plan->ndim;
    for (d = 0; d < plan->ndim; d++) {
        cur->shape[d] = plan->shape[d];
        cur->strides[d] = plan->strides[d];
        cur->index[d] = 0;
    }
}

int arrayio_cursor_init(arrayio_cursor *cur, const arrayio_view *view,
                        int order)
{
    arrayio_plan plan;
    int st;

    if (cur == NULL)
        return ARRAYIO_ERR_NULL;
    st = arrayio__plan(view, order, &plan);
    if (st != ARRAYIO_OK)
        return st;
    arrayio__cursor_start(cur, (char *)view->data, &plan, order);
    return ARRAYIO_OK;
}

int arrayio_cursor_seek(arrayio_cursor *cur, uint64_t pos)
{
    uint64_t q;
    int d;

    if (pos > cur->total)
        return ARRAYIO_ERR_RANGE;
    cur->pos = pos;
    cur->off = 0;
    cur->boff = 0;
    if (cur->total == 0)
        return ARRAYIO_OK;
    q = pos / cur->block;
    cur->boff = (size_t)(pos % cur->block);
    /* Offsets are summed modulo 2^64: each term is exact in two's
     * complement and the sum of a valid block lies within the view. */
    for (d = cur->ndim - 1; d >= 0; d--) {
        uint64_t extent = (uint64_t)cur->shape[d];
        cur->index[d] = (int64_t)(q % extent);
        q /= extent;
        cur->off += (uint64_t)cur->index[d] * (uint64_t)cur->strides[d];
    }
    return ARRAYIO_OK;
}

static char *block_ptr(const arrayio_cursor *cur)
{
    return cur->base + (ptrdiff_t)(int64_t)cur->off;
}

/* Loop dimension d ran to its extent: wrap it and step the ones outside. */
static void carry_at(arrayio_cursor *cur, int d)
{
    cur->off -= (uint64_t)cur->shape[d] * (uint64_t)cur->strides[d];
    cur->index[d] = 0;
    for (d--; d >= 0; d--) {
        cur->off += (uint64_t)cur->strides[d];
        if (++cur->index[d] < cur->shape[d])
            return;
        cur->off -= (uint64_t)cur->shape[d] * (uint64_t)cur->strides[d];
        cur->index[d] = 0;
    }
}

static void carry(arrayio_cursor *cur) { carry_at(cur, cur->ndim - 1); }

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

/* At the start of a row of the innermost loop dimension, with room for at
 * least two whole rows: when the view runs faster along the next dimension
 * out than along the innermost (a transpose), move whole rows in
 * cache-sized tiles.  Draining needs rows that cannot overlap, since tiles
 * store items out of stream order.  Returns the bytes moved (0: not
 * applicable here). */
static size_t tiled_rows(arrayio_cursor *cur, char *buf, size_t left, int fill)
{
    const int inner = cur->ndim - 1, outer = cur->ndim - 2;
    int64_t s0, s1, rows_left;
    size_t row, rows;

    if (outer < 0 || cur->boff != 0 || cur->index[inner] != 0)
        return 0;
    s0 = cur->strides[outer];
    s1 = cur->strides[inner];
    if (abs64(s0) >= abs64(s1))
        return 0;
    row = cur->block * (size_t)cur->shape[inner];
    rows_left = cur->shape[outer] - cur->index[outer];
    rows = left / row;
    if ((uint64_t)rows > (uint64_t)rows_left)
        rows = (size_t)rows_left;
    if (rows < 2)
        return 0;
    if (!fill && (abs64(s0) < (int64_t)cur->block ||
                  abs64(s1) / cur->shape[outer] < abs64(s0)))
        return 0;
    if (fill)
        arrayio__copy_2d(buf, (ptrdiff_t)row, (ptrdiff_t)cur->block,
                         block_ptr(cur), (ptrdiff_t)s0, (ptrdiff_t)s1,
                         cur->block, rows, (size_t)cur->shape[inner]);
    else
        arrayio__copy_2d(block_ptr(cur), (ptrdiff_t)s0, (ptrdiff_t)s1, buf,
                         (ptrdiff_t)row, (ptrdiff_t)cur->block, cur->block,
                         rows, (size_t)cur->shape[inner]);
    cur->off += (uint64_t)rows * (uint64_t)s0;
    cur->index[outer] += (int64_t)rows;
    if (cur->index[outer] == cur->shape[outer])
        carry_at(cur, outer);
    return rows * row;
}

static void next_block(arrayio_cursor *cur)
{
    int d = cur->ndim - 1;

    cur->off += (uint64_t)cur->strides[d];
    if (++cur->index[d] == cur->shape[d])
        carry(cur);
}

static void move_bytes(char *buf, char *mem, size_t n, int fill)
{
    if (fill)
        memcpy(buf, mem, n);
    else
        memcpy(mem, buf, n);
}

static size_t walk(arrayio_cursor *cur, char *buf, size_t size, int fill)
{
    const size_t block = cur->block;
    const int inner = cur->ndim - 1;
    uint64_t remaining = cur->total - cur->pos;
    size_t n = (uint64_t)size < remaining ? size : (size_t)remaining;
    size_t left = n, k;

    if (n == 0)
        return 0;
    if (cur->boff != 0) {
        k = block - cur->boff;
        if (k > left)
            k = left;
        move_bytes(buf, block_ptr(cur) + cur->boff, k, fill);
        buf += k;
        left -= k;
        cur->boff += k;
        if (cur->boff < block)
            goto done;
        cur->boff = 0;
        next_block(cur);
    }
    while (left >= block) {
        uint64_t avail = (uint64_t)(cur->shape[inner] - cur->index[inner]);
        size_t tiled = tiled_rows(cur, buf, left, fill);

        if (tiled) {
            buf += tiled;
            left -= tiled;
            continue;
        }
        size_t m = left / block;
        ptrdiff_t stride = (ptrdiff_t)cur->strides[inner];

        if ((uint64_t)m > avail)
            m = (size_t)avail;
        if (fill)
            arrayio__copy_blocks(buf, (ptrdiff_t)block, block_ptr(cur), stride,
                                 block, m);
        else
            arrayio__copy_blocks(block_ptr(cur), stride, buf, (ptrdiff_t)block,
                                 block, m);
        buf += m * block;
        left -= m * block;
        cur->off += (uint64_t)m * (uint64_t)cur->strides[inner];
        cur->index[inner] += (int64_t)m;
        if (cur->index[inner] == cur->shape[inner])
            carry(cur);
    }
    if (left != 0) {
        move_bytes(buf, block_ptr(cur), left, fill);
        cur->boff = left;
    }
done:
    cur->pos += n;
    return n;
}

size_t arrayio_cursor_fill(arrayio_cursor *cur, void *buf, size_t size)
{
    return walk(cur, (char *)buf, size, 1);
}

size_t arrayio_cursor_drain(arrayio_cursor *cur, const void *buf, size_t size)
{
    /* walk() only reads from buf when draining. */
    return walk(cur, (char *)(uintptr_t)buf, size, 0);
}

size_t arrayio_cursor_span(const arrayio_cursor *cur, void **ptr)
{
    if (cur->pos >= cur->total) {
        *ptr = NULL;
        return 0;
    }
    *ptr = block_ptr(cur) + cur->boff;
    return cur->block - cur->boff;
}
