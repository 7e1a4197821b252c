"""arrayio: move NumPy arrays of any layout to and from files, fast.

Every function here drives libarrayio, a C99 core shared with C programs,
through cffi.  Arrays are never copied to a temporary: contiguous data goes
straight from the array's memory to the file, strided data through one small
staging buffer.  The GIL is released while the core runs.

``file`` arguments are a path (str, bytes or os.PathLike), an int file
descriptor, or a binary file object.
"""
import numpy as np

from . import _core, _files
from ._errors import ShortReadError
from ._many import pack, packed_size, unpack, write_many
from ._npy import NpyFile, load, map_array, open_npy, save
from ._safetensors import load_safetensors, save_safetensors
from ._ffi import ffi as _ffi
from ._ffi import lib as _lib

__all__ = [
    "NpyFile",
    "ShortReadError",
    "copyto",
    "load",
    "load_safetensors",
    "map_array",
    "open_npy",
    "pack",
    "packed_size",
    "read",
    "readinto",
    "save",
    "save_safetensors",
    "unpack",
    "write",
    "write_array_to_file",
    "write_many",
]

__version__ = _ffi.string(_lib.arrayio_version_string()).decode()


def write(file, array, *, order="C", buffer_size=None):
    """Write the bytes of ``array`` to ``file``; return the number written.

    The bytes are exactly ``numpy.asarray(array).tobytes(order)``.

    Parameters
    ----------
    file : path, int file descriptor, or binary file object
        A path is created or truncated.  A descriptor or file object is
        written at its current position (appended to, in append mode), and
        is left positioned after the data.
    array : numpy.ndarray or buffer-protocol object
        Any layout: non-contiguous, negative or zero strides, 0-d, empty,
        unaligned, byte-swapped, structured, string and void dtypes.  Never
        copied.  Object dtypes raise TypeError.
    order : {'C', 'F', 'A'}
        Item order, as in ``ndarray.tobytes``: 'A' means 'F' when the array
        is Fortran-contiguous and not C-contiguous, 'C' otherwise.
    buffer_size : int, optional
        Bytes of the staging buffer used for non-contiguous arrays
        (default 256 KiB).  Contiguous arrays are written from their own
        memory.

    Raises
    ------
    OSError
        From the operating system, with ``errno``, ``filename`` when known,
        and ``bytes_written``: how many bytes did get out.  A full
        non-blocking descriptor gives BlockingIOError with
        ``characters_written``.
    """
    arr = _core.as_array(array)
    order = _core.resolve_order(order, arr)
    size = _core.check_buffer_size(buffer_size)
    return _files.write_view(file, _core.View(arr), order, size)


def write_array_to_file(array, file, *, fortran_order=False, buffersize=8192):
    """Write ``array`` to ``file`` in C order, or in Fortran order when
    ``fortran_order`` is true; return None.

    The signature of arraykit's function of this name, so code using it can
    switch by changing the import.  ``buffersize`` counts elements of the
    staging buffer and must be at least 1.  Unlike arraykit, a C-contiguous
    array with ``fortran_order=True`` is written in Fortran order, as the
    argument says (numpy.lib.format only ever passes fortran_order=True for
    arrays that are Fortran- and not C-contiguous, where the two agree).
    """
    if isinstance(buffersize, bool) or not isinstance(buffersize, int):
        raise TypeError(f"buffersize must be an int, not {type(buffersize).__name__}")
    if buffersize < 1:
        raise ValueError("buffersize must be at least 1")
    arr = _core.as_array(array)
    order = "F" if fortran_order else "C"
    size = min(max(1, buffersize * arr.itemsize), _core.MAX_BUFFER_SIZE)
    _files.write_view(file, _core.View(arr), order, size)


def read(file, dtype, shape, *, order="C"):
    """Read a new array of ``dtype`` and ``shape`` from ``file``.

    The file's next bytes are taken as the array's items in ``order``
    ('C' or 'F'); the result has that memory layout.  When the file is a
    regular file, its remaining size is checked before anything is
    allocated: a file too short raises ShortReadError having read nothing.

    Raises
    ------
    ShortReadError (an EOFError and a ValueError)
        The file holds fewer bytes than the array needs; ``expected`` and
        ``got`` give the counts.
    TypeError
        For dtypes holding Python objects.
    OSError
        From the operating system, with ``errno`` and ``bytes_read``.
    """
    dtype = np.dtype(dtype)
    if dtype.hasobject:
        raise TypeError(f"dtype {dtype} holds references to Python objects; arrayio cannot read it")
    if dtype.itemsize == 0 and dtype.names is None:
        raise ValueError(f"dtype {dtype} has no size; give one, as in 'S10' or 'U3'")
    shape = _core.shape_tuple(shape)
    order = _core.resolve_order(order, None, allow_any=False)
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    # A subarray dtype becomes trailing axes of the array; allocate opaque
    # items so `order` applies to `shape` alone, as numpy.frombuffer's
    # reshape does, then view them as dtype.
    storage = np.dtype((np.void, dtype.itemsize)) if dtype.subdtype else dtype
    with _files.Input(file) as src:
        src.check(nbytes)
        out = np.empty(shape, dtype=storage, order=order)
        src.read_into(_core.View(out), order, 0)
    return out.view(dtype) if dtype.subdtype else out


def readinto(file, out, *, order="C"):
    """Fill ``out`` from ``file`` and return the number of bytes read.

    ``out`` is a writable ndarray or buffer-protocol object of any layout;
    the file's next ``out.nbytes`` bytes are taken as its items in
    ``order`` ('C', 'F', or 'A' as in ``write``).

    Raises
    ------
    ValueError
        ``out`` is read-only.
    ShortReadError
        The file ended first.  The bytes that did arrive are stored in
        ``out`` (in stream order); the rest of ``out`` is unchanged.
    OSError
        From the operating system, with ``errno`` and ``bytes_read``.
    """
    arr = _core.as_array(out, "out", writable=True)
    order = _core.resolve_order(order, arr)
    view = _core.View(arr)
    with _files.Input(file) as src:
        return src.read_into(view, order, 0)


def copyto(dst, src):
    """Copy ``src`` into ``dst``: the result of ``numpy.copyto(dst, src)``
    for arrays of equal dtype.

    ``src`` is broadcast to ``dst``'s shape (without a copy).  Any layouts,
    and overlapping memory, are handled (overlap costs one temporary).
    When ``dst``'s own items overlap one another (an as_strided view), which
    source item a shared byte ends up holding is unspecified.

    Raises
    ------
    ValueError
        ``dst`` is read-only, the dtypes differ, or the shapes do not
        broadcast; the message names both.
    TypeError
        For dtypes holding Python objects.
    """
    d = _core.as_array(dst, "dst", writable=True)
    s = _core.as_array(src, "src")
    if d.dtype != s.dtype:
        raise ValueError(f"copyto needs equal dtypes: dst has {d.dtype}, src has {s.dtype}")
    if s.shape != d.shape:
        try:
            s = np.broadcast_to(s, d.shape)
        except ValueError:
            raise ValueError(
                f"src of shape {s.shape} cannot be broadcast to dst of shape {d.shape}"
            ) from None
    _core.copy(_core.View(d), _core.View(s))
