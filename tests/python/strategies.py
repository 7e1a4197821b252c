"""Hypothesis strategies: arrays of every dtype family in every layout."""
import numpy as np
from hypothesis import strategies as st

DTYPES = [
    "?", "i1", "u1", "<i2", ">u2", "<i4", ">i4", "<i8", ">u8",
    "<f2", "<f4", ">f4", "<f8", ">f8", "<c8", ">c16", "clongdouble",
    "S1", "S7", "<U3", ">U2", "V1", "V5", "V16",
    "<M8[s]", ">m8[ns]",
    [("a", "<i2"), ("b", ">f4"), ("c", "S3")],          # packed: itemsize 9
    np.dtype({"names": ["x", "y"], "formats": ["<u2", "<f8"], "offsets": [0, 8], "itemsize": 24}),
    [("p", "<f4", (2, 2))],                              # subarray field
]


@st.composite
def dtypes(draw):
    return np.dtype(draw(st.sampled_from(DTYPES)))


def _fill(arr, draw):
    raw = draw(st.binary(min_size=arr.nbytes, max_size=arr.nbytes))
    arr.view(np.uint8).reshape(-1)[:] = np.frombuffer(raw, np.uint8)
    return arr


@st.composite
def arrays(draw, dtype=None, max_dims=4, max_side=6):
    """An array of a random dtype viewed through random slicing, transposes,
    reversals, broadcasting and misalignment, bytes random."""
    dtype = np.dtype(dtype) if dtype is not None else draw(dtypes())
    ndim = draw(st.integers(0, max_dims))
    shape = tuple(draw(st.integers(0, max_side)) for _ in range(ndim))
    # base with room for steps and an unaligned start
    steps = [draw(st.sampled_from([1, 1, 2, 3, -1, -2])) for _ in range(ndim)]
    big = tuple(max(1, n * abs(s)) for n, s in zip(shape, steps))
    misalign = draw(st.integers(0, 3))
    count = int(np.prod(big, dtype=np.int64)) if big else 1
    raw = np.empty(count * dtype.itemsize + misalign, np.uint8)
    raw[:] = np.frombuffer(draw(st.binary(min_size=raw.size, max_size=raw.size)), np.uint8)
    base = raw[misalign:].view(dtype).reshape(big)
    if ndim and draw(st.booleans()):
        base = np.asfortranarray(base)  # a copy: a fresh, aligned F-ordered base
    a = base
    if ndim:  # (indexing a 0-d array with () would give a scalar)
        a = a[tuple(slice(None, None, s) for s in steps)]
        a = a[tuple(slice(0, n) for n in shape)]
    if ndim > 1 and draw(st.booleans()):
        a = a.transpose(draw(st.permutations(range(ndim))))
    if draw(st.integers(0, 5)) == 0 and a.ndim < 6:
        # broadcast a new leading axis: stride 0
        a = np.broadcast_to(a, (draw(st.integers(0, 3)),) + a.shape)
    return a


@st.composite
def writable_arrays(draw, dtype, shape):
    """A writable array of dtype and shape in a random layout."""
    ndim = len(shape)
    steps = [draw(st.sampled_from([1, 2, -1, -3])) for _ in range(ndim)]
    big = tuple(max(1, n * abs(s)) for n, s in zip(shape, steps))
    misalign = draw(st.integers(0, 3))
    count = int(np.prod(big, dtype=np.int64)) if big else 1
    raw = np.zeros(count * dtype.itemsize + misalign, np.uint8)
    perm = draw(st.permutations(range(ndim))) if ndim > 1 else list(range(ndim))
    base = raw[misalign:].view(dtype).reshape(tuple(big[p] for p in perm))
    base = base.transpose(np.argsort(perm))  # shape big, strides permuted
    out = base
    if ndim:
        out = out[tuple(slice(None, None, s) for s in steps)]
        out = out[tuple(slice(0, n) for n in shape)]
    assert out.shape == tuple(shape) and out.flags.writeable
    return out


def field_mask(dtype):
    """Per byte of an item: True where a field lives, False for padding.

    NumPy copies structured items field by field when it has to (tobytes of
    a non-contiguous array, copyto), so what it leaves in padding bytes is
    unspecified; arrayio copies items whole.  Comparisons skip padding."""
    mask = np.zeros(dtype.itemsize, bool)

    def mark(dt, off):
        if dt.fields:
            for value in dt.fields.values():
                mark(value[0], off + value[1])
        elif dt.subdtype:
            base, shape = dt.subdtype
            for i in range(int(np.prod(shape))):
                mark(base, off + i * base.itemsize)
        else:
            mask[off:off + dt.itemsize] = True

    mark(dtype, 0)
    return mask


def same_bytes(got, expect, dtype):
    """got == expect, ignoring the padding bytes of structured items."""
    if len(got) != len(expect):
        return False
    mask = field_mask(dtype)
    if mask.all() or not got:
        return got == expect
    full = np.tile(mask, len(got) // dtype.itemsize)
    g = np.frombuffer(got, np.uint8)
    e = np.frombuffer(expect, np.uint8)
    return bool(np.array_equal(g[full], e[full]))
