"""Arrays described to the C core, and the calls that move them."""
import ctypes
import operator
import sys

import numpy as np

from ._errors import raise_status
from ._ffi import ffi, lib

_ORDERS = {"C": lib.ARRAYIO_ORDER_C, "F": lib.ARRAYIO_ORDER_F}
# A staging buffer larger than this only costs memory.
MAX_BUFFER_SIZE = 1 << 32


def as_array(obj, name="array", *, writable=False):
    """``obj`` as an ndarray sharing its memory: never a copy.

    Accepts ndarrays and any object exporting the buffer protocol (its
    format, item size, shape and strides are honoured)."""
    if type(obj) is np.ndarray:
        arr = obj
    elif isinstance(obj, np.ndarray):
        arr = obj.view(np.ndarray)  # subclasses (matrix, masked): their data
    else:
        try:
            mv = memoryview(obj)
        except TypeError:
            raise TypeError(
                f"{name} must be a numpy.ndarray or an object supporting the "
                f"buffer protocol, not {type(obj).__name__}"
            ) from None
        arr = _from_memoryview(mv, name)
    if arr.dtype.hasobject:
        raise TypeError(
            f"{name} has dtype {arr.dtype}, which holds references to Python "
            "objects; arrayio moves raw bytes and cannot write or read those"
        )
    if writable and not arr.flags.writeable:
        raise ValueError(f"{name} is read-only")
    return arr


def _from_memoryview(mv, name):
    try:
        return np.asarray(mv)
    except (TypeError, ValueError, NotImplementedError):
        # A format NumPy cannot parse (ctypes pointers, bit fields): the
        # items are still just bytes.
        if not mv.c_contiguous:
            raise TypeError(
                f"{name} exports buffer format {mv.format!r}, which NumPy cannot "
                "describe, in a non-contiguous layout"
            ) from None
        raw = np.frombuffer(mv.cast("B"), np.uint8)  # writable iff mv is
        return raw.view(np.dtype((np.void, mv.itemsize))).reshape(mv.shape)


def resolve_order(order, arr, *, allow_any=True):
    """'C', 'F', or for 'A' the order ndarray.tobytes('A') uses."""
    if order == "C" or order == "F":
        return order
    if order == "A" and allow_any:
        return "F" if arr.flags.f_contiguous and not arr.flags.c_contiguous else "C"
    allowed = "'C', 'F' or 'A'" if allow_any else "'C' or 'F'"
    raise ValueError(f"order must be {allowed}, not {order!r}")


def shape_tuple(shape):
    """A shape argument (an int or a sequence of ints) as a tuple."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        shape = tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints, not {shape!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"shape {shape} has a negative dimension")
    return shape


def check_buffer_size(buffer_size):
    if buffer_size is None:
        return 0
    if isinstance(buffer_size, bool) or not isinstance(buffer_size, int):
        raise TypeError(f"buffer_size must be an int or None, not {type(buffer_size).__name__}")
    if not 1 <= buffer_size <= MAX_BUFFER_SIZE:
        raise ValueError(
            f"buffer_size must be at least 1 byte and at most {MAX_BUFFER_SIZE}, "
            f"not {buffer_size}"
        )
    return buffer_size


class View:
    """An ndarray described to the core.

    Holds the array (and so its memory) and the shape/stride arrays for as
    long as the view is used."""

    __slots__ = ("array", "cview", "nbytes", "flags", "_dims")

    def __init__(self, array):
        self.array = array
        self.nbytes = array.nbytes
        self.cview = None
        self.flags = 0
        if array.itemsize == 0 or self.nbytes == 0:
            return  # nothing to move; the core needs no description
        nd = array.ndim
        cv = ffi.new("arrayio_view *")
        if nd:
            self._dims = (ffi.new("int64_t[]", array.shape), ffi.new("int64_t[]", array.strides))
            cv.shape, cv.strides = self._dims
        cv.data = ffi.cast("void *", array.__array_interface__["data"][0])
        cv.itemsize = array.itemsize
        cv.ndim = nd
        ext = ffi.new("arrayio_extent *")
        raise_status(lib.arrayio_view_check(cv, ext), what="array")
        self.cview = cv
        self.flags = ext.flags

    def contiguous(self, order):
        if self.cview is None:
            return True
        bit = lib.ARRAYIO_C_CONTIGUOUS if order == "C" else lib.ARRAYIO_F_CONTIGUOUS
        return bool(self.flags & bit)

    def byte_view(self, order):
        """A flat uint8 view of the array's memory; only when contiguous."""
        flat = self.array.reshape(-1, order=order)
        if flat.base is None:  # reshape copied: never read into a copy
            raise AssertionError("arrayio: contiguous array reshaped to a copy")
        return flat.view(np.uint8)


def new_io(buffer_size=0):
    io = ffi.new("arrayio_io *")
    io.flags = lib.ARRAYIO_IO_RETURN_EINTR
    io.buffer_size = buffer_size
    return io


def fd_transfer(func, fd, view, order, buffer_size, *, writing, filename=None):
    """Run a core fd loop over a whole view; returns the bytes moved."""
    if view.cview is None:
        return 0
    code = _ORDERS[order]
    cview = view.cview
    return run_io(lambda io: func(fd, cview, code, io), view.nbytes, buffer_size,
                  writing=writing, filename=filename)


def run_io(call, total, buffer_size=0, *, writing, filename=None, what=None):
    """Run ``call(io)`` (a core fd function) to the end, letting Python's
    signal handlers run whenever a system call is interrupted (PEP 475):
    the loop's back edge is where a pending handler runs; if it raises, the
    exception leaves here with the progress attached as ``bytes_written`` /
    ``bytes_read``.  Returns the number of bytes moved."""
    io = new_io(buffer_size)
    try:
        while True:
            status = call(io)
            if status != lib.ARRAYIO_ERR_INTERRUPTED:
                break
    except BaseException as exc:
        setattr(exc, "bytes_written" if writing else "bytes_read", int(io.done))
        raise
    raise_status(status, what=what or ("write" if writing else "read"), io=io,
                 total=total, writing=writing, filename=filename)
    return int(io.done)


class Cursor:
    """The core's cursor over a view, for streams that are not fds."""

    __slots__ = ("view", "_cur")

    def __init__(self, view, order):
        self.view = view
        self._cur = ffi.new("arrayio_cursor *")
        raise_status(lib.arrayio_cursor_init(self._cur, view.cview, _ORDERS[order]), what="array")

    def fill(self, cbuf, size):
        return lib.arrayio_cursor_fill(self._cur, cbuf, size)

    def drain(self, cbuf, size):
        return lib.arrayio_cursor_drain(self._cur, cbuf, size)


def copy(dst_view, src_view):
    if dst_view.cview is None:
        return
    raise_status(lib.arrayio_copy(dst_view.cview, src_view.cview), what="copyto")


# --------------------------------------------------------------------------
# Large output buffers
#
# bytearray(n) zero-fills its memory, and on Linux the kernel then faults
# it in 4 KiB at a time: for 64 MiB that costs about 30 ms, four times the
# copy that fills it.  A buffer whose every byte is about to be written
# needs neither: it is made uninitialised (the C API's
# PyByteArray_FromStringAndSize(NULL, n)) and advised to use huge pages,
# as numpy does for its own large allocations.
_HUGE_MIN = 4 << 20
try:
    _bytearray_uninit = ctypes.pythonapi.PyByteArray_FromStringAndSize
    _bytearray_uninit.restype = ctypes.py_object
    _bytearray_uninit.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
except (AttributeError, OSError):  # not CPython
    _bytearray_uninit = None
_madvise = None
if sys.platform.startswith("linux"):
    try:
        _madvise = ctypes.CDLL(None, use_errno=True).madvise
        _madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _madvise.restype = ctypes.c_int
    except (AttributeError, OSError):
        _madvise = None
_MADV_HUGEPAGE = 14
_PAGE = 4096


def new_bytearray(n):
    """A bytearray of n bytes for a caller that overwrites every one of
    them: large ones are left uninitialised and advised huge pages."""
    if n < _HUGE_MIN or _bytearray_uninit is None:
        return bytearray(n)
    buf = _bytearray_uninit(None, n)
    if _madvise is not None:
        addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
        start = -(-addr // _PAGE) * _PAGE
        end = (addr + n) // _PAGE * _PAGE
        if end > start:
            _madvise(start, end - start, _MADV_HUGEPAGE)  # advice only: failure is fine
    return buf
