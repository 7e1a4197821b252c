/* View validation and loop planning. */
#include "internal.h"

int arrayio_view_check(const arrayio_view *view, arrayio_extent *out)
{
    arrayio_extent e;
    int64_t items = 1, bytes, low = 0, high = 0, span, expected;
    int d, empty = 0;

    if (view == NULL)
        return ARRAYIO_ERR_NULL;
    if (view->itemsize == 0)
        return ARRAYIO_ERR_ITEMSIZE;
    if (view->ndim < 0 || view->ndim > ARRAYIO_MAX_DIMS)
        return ARRAYIO_ERR_NDIM;
    if (view->ndim > 0 && (view->shape == NULL || view->strides == NULL))
        return ARRAYIO_ERR_NULL;
    for (d = 0; d < view->ndim; d++)
        if (view->shape[d] < 0)
            return ARRAYIO_ERR_SHAPE;
    /* As NumPy does, the product of the non-zero extents must fit even
     * when another extent is zero. */
    for (d = 0; d < view->ndim; d++) {
        if (view->shape[d] == 0)
            empty = 1;
        else if (arrayio__mul_i64(items, view->shape[d], &items))
            return ARRAYIO_ERR_OVERFLOW;
    }
    if (view->itemsize > (size_t)PTRDIFF_MAX ||
        arrayio__mul_i64(items, (int64_t)view->itemsize, &bytes) ||
        bytes > (int64_t)PTRDIFF_MAX)
        return ARRAYIO_ERR_OVERFLOW;

    e.flags = ARRAYIO_C_CONTIGUOUS | ARRAYIO_F_CONTIGUOUS;
    if (empty) {
        e.nitems = 0;
        e.nbytes = 0;
        e.low = e.high = 0;
        if (out)
            *out = e;
        return ARRAYIO_OK;
    }
    if (view->data == NULL)
        return ARRAYIO_ERR_NULL;
    for (d = 0; d < view->ndim; d++) {
        if (view->shape[d] == 1)
            continue;
        if (arrayio__mul_i64(view->shape[d] - 1, view->strides[d], &span))
            return ARRAYIO_ERR_OVERFLOW;
        if (span < 0 ? arrayio__add_i64(low, span, &low)
                     : arrayio__add_i64(high, span, &high))
            return ARRAYIO_ERR_OVERFLOW;
    }
    if (arrayio__add_i64(high, (int64_t)view->itemsize, &high))
        return ARRAYIO_ERR_OVERFLOW;
    /* high >= itemsize > 0 >= low, so high - low overflows only past
     * INT64_MAX. */
    if (high > INT64_MAX + low || high - low > (int64_t)PTRDIFF_MAX)
        return ARRAYIO_ERR_OVERFLOW;
    if ((uint64_t)(-low) > (uint64_t)(uintptr_t)view->data ||
        (uint64_t)(UINTPTR_MAX - (uintptr_t)view->data) < (uint64_t)high)
        return ARRAYIO_ERR_OVERFLOW;

    /* Contiguity as NumPy defines it: extents of 1 do not count.  The
     * running product never exceeds bytes, so it cannot overflow. */
    expected = (int64_t)view->itemsize;
    for (d = view->ndim - 1; d >= 0; d--) {
        if (view->shape[d] == 1)
            continue;
        if (view->strides[d] != expected) {
            e.flags &= ~ARRAYIO_C_CONTIGUOUS;
            break;
        }
        expected *= view->shape[d];
    }
    expected = (int64_t)view->itemsize;
    for (d = 0; d < view->ndim; d++) {
        if (view->shape[d] == 1)
            continue;
        if (view->strides[d] != expected) {
            e.flags &= ~ARRAYIO_F_CONTIGUOUS;
            break;
        }
        expected *= view->shape[d];
    }
    e.nitems = (uint64_t)items;
    e.nbytes = (uint64_t)bytes;
    e.low = low;
    e.high = high;
    if (out)
        *out = e;
    return ARRAYIO_OK;
}

int arrayio__plan(const arrayio_view *view, int order, arrayio_plan *plan)
{
    int k, n = 0, st;
    int64_t chained;

    st = arrayio_view_check(view, &plan->ext);
    if (st != ARRAYIO_OK)
        return st;
    if (order != ARRAYIO_ORDER_C && order != ARRAYIO_ORDER_F)
        return ARRAYIO_ERR_ORDER;
    plan->block = view->itemsize;
    plan->ndim = 0;
    if (plan->ext.nitems == 0)
        return ARRAYIO_OK;
    /* Loop dimensions outermost first: C order as given, F order reversed.
     * A dimension merges into the one outside it when the outer stride is
     * exactly the inner extent times the inner stride. */
    for (k = 0; k < view->ndim; k++) {
        int d = order == ARRAYIO_ORDER_C ? k : view->ndim - 1 - k;
        int64_t extent = view->shape[d], stride = view->strides[d];
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
    if (n > 0 && plan->strides[n - 1] == (int64_t)view->itemsize) {
        n--;
        plan->block = view->itemsize * (size_t)plan->shape[n];
    }
    plan->ndim = n;
    return ARRAYIO_OK;
}
