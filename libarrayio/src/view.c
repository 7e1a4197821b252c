/* View validation and loop planning. */
#include "internal.h"

int arrayio__layout_check(size_t itemsize, int ndim, const int64_t *shape,
                          const int64_t *strides, arrayio_extent *out)
{
    int64_t items = 1, bytes, low = 0, high = 0, span, expected;
    int d, empty = 0;

    if (itemsize == 0)
        return ARRAYIO_ERR_ITEMSIZE;
    if (ndim < 0 || ndim > ARRAYIO_MAX_DIMS)
        return ARRAYIO_ERR_NDIM;
    if (ndim > 0 && (shape == NULL || strides == NULL))
        return ARRAYIO_ERR_NULL;
    for (d = 0; d < ndim; d++)
        if (shape[d] < 0)
            return ARRAYIO_ERR_SHAPE;
    /* As NumPy does, the product of the non-zero extents must fit even
     * when another extent is zero. */
    for (d = 0; d < ndim; d++) {
        if (shape[d] == 0)
            empty = 1;
        else if (arrayio__mul_i64(items, shape[d], &items))
            return ARRAYIO_ERR_OVERFLOW;
    }
    if (itemsize > (size_t)PTRDIFF_MAX ||
        arrayio__mul_i64(items, (int64_t)itemsize, &bytes) ||
        bytes > (int64_t)PTRDIFF_MAX)
        return ARRAYIO_ERR_OVERFLOW;

    out->flags = ARRAYIO_C_CONTIGUOUS | ARRAYIO_F_CONTIGUOUS;
    if (empty) {
        out->nitems = 0;
        out->nbytes = 0;
        out->low = out->high = 0;
        return ARRAYIO_OK;
    }
    for (d = 0; d < ndim; d++) {
        if (shape[d] == 1)
            continue;
        if (arrayio__mul_i64(shape[d] - 1, strides[d], &span))
            return ARRAYIO_ERR_OVERFLOW;
        if (span < 0 ? arrayio__add_i64(low, span, &low)
                     : arrayio__add_i64(high, span, &high))
            return ARRAYIO_ERR_OVERFLOW;
    }
    if (arrayio__add_i64(high, (int64_t)itemsize, &high))
        return ARRAYIO_ERR_OVERFLOW;
    /* high >= itemsize > 0 >= low, so high - low overflows only past
     * INT64_MAX. */
    if (high > INT64_MAX + low || high - low > (int64_t)PTRDIFF_MAX)
        return ARRAYIO_ERR_OVERFLOW;

    /* Contiguity as NumPy defines it: extents of 1 do not count.  The
     * running product never exceeds bytes, so it cannot overflow. */
    expected = (int64_t)itemsize;
    for (d = ndim - 1; d >= 0; d--) {
        if (shape[d] == 1)
            continue;
        if (strides[d] != expected) {
            out->flags &= ~ARRAYIO_C_CONTIGUOUS;
            break;
        }
        expected *= shape[d];
    }
    expected = (int64_t)itemsize;
    for (d = 0; d < ndim; d++) {
        if (shape[d] == 1)
            continue;
        if (strides[d] != expected) {
            out->flags &= ~ARRAYIO_F_CONTIGUOUS;
            break;
        }
        expected *= shape[d];
    }
    out->nitems = (uint64_t)items;
    out->nbytes = (uint64_t)bytes;
    out->low = low;
    out->high = high;
    return ARRAYIO_OK;
}

int arrayio_view_check(const arrayio_view *view, arrayio_extent *out)
{
    arrayio_extent e;
    int st;

    if (view == NULL)
        return ARRAYIO_ERR_NULL;
    st = arrayio__layout_check(view->itemsize, view->ndim, view->shape,
                               view->strides, &e);
    if (st != ARRAYIO_OK)
        return st;
    if (e.nitems != 0) {
        if (view->data == NULL)
            return ARRAYIO_ERR_NULL;
        if ((uint64_t)(-e.low) > (uint64_t)(uintptr_t)view->data ||
            (uint64_t)(UINTPTR_MAX - (uintptr_t)view->data) < (uint64_t)e.high)
            return ARRAYIO_ERR_OVERFLOW;
    }
    if (out)
        *out = e;
    return ARRAYIO_OK;
}

void arrayio__plan_layout(size_t itemsize, int ndim, const int64_t *shape,
                          const int64_t *strides, int order,
                          arrayio_plan *plan)
{
    int k, n = 0;
    int64_t chained;

    plan->block = itemsize;
    plan->ndim = 0;
    if (plan->ext.nitems == 0)
        return;
    /* Loop dimensions outermost first: C order as given, F order reversed.
     * A dimension merges into the one outside it when the outer stride is
     * exactly the inner extent times the inner stride. */
    for (k = 0; k < ndim; k++) {
        int d = order == ARRAYIO_ORDER_C ? k : ndim - 1 - k;
        int64_t extent = shape[d], stride = strides[d];
        if (extent == 1)
            continue;
        if (n > 0 && !arrayio__mul_i64(extent, stride, &chained) &&
            plan->strides[n - 1] == chained) {
            plan->shape[n - 1] *= extent; /* <= nitems: no overflow */
            plan->strides[n - 1] = stride;
            continue;
        }
        plan->shape[n] = extent;
        plan->strides[n] = stride;
        n++;
    }
    if (n > 0 && plan->strides[n - 1] == (int64_t)itemsize) {
        n--;
        plan->block = itemsize * (size_t)plan->shape[n];
    }
    plan->ndim = n;
}

int arrayio__plan(const arrayio_view *view, int order, arrayio_plan *plan)
{
    int st = arrayio_view_check(view, &plan->ext);
    if (st != ARRAYIO_OK)
        return st;
    if (order != ARRAYIO_ORDER_C && order != ARRAYIO_ORDER_F)
        return ARRAYIO_ERR_ORDER;
    arrayio__plan_layout(view->itemsize, view->ndim, view->shape,
                         view->strides, order, plan);
    return ARRAYIO_OK;
}
