"""The .npy format: save, load, regions of an on-disk array, raw mappings.

Headers are written and parsed by the C core (arrayio_npy_*); Python only
turns the descr text into a dtype, with ast.literal_eval on text the core
has already bounded and checked, and numpy's own descr_to_dtype.
"""
import ast
import io
import mmap
import operator
import os
import pickle

import numpy as np
from numpy.lib import format as _npf

from . import _core, _files
from ._errors import ShortReadError, raise_status
from ._ffi import ffi, lib

MAX_HEADER_SIZE = lib.ARRAYIO_NPY_MAX_HEADER_SIZE
_NPY_ERRORS = None


def _descr_text(dtype):
    """The descr as numpy.save writes it, as UTF-8 bytes."""
    return repr(_npf.dtype_to_descr(dtype)).encode("utf-8")


def _needs_pickle(dtype):
    return dtype.hasobject or not getattr(type(dtype), "_legacy", True)


def format_header(descr, fortran_order, shape, start=0):
    """The .npy header numpy.save writes, built by the core; with `start`,
    padded so the data begins at a multiple of 64 past start."""
    n = ffi.new("size_t *")
    cshape = ffi.new("int64_t[]", shape) if shape else ffi.NULL
    status = lib.arrayio_npy_format_header_at(descr, len(descr), bool(fortran_order), len(shape),
                                              cshape, start, ffi.NULL, 0, n)
    if status != lib.ARRAYIO_ERR_SIZE:
        raise_status(status, what="npy header")
    out = bytearray(n[0])
    raise_status(lib.arrayio_npy_format_header_at(descr, len(descr), bool(fortran_order),
                                                  len(shape), cshape, start,
                                                  ffi.from_buffer(out), len(out), n),
                 what="npy header")
    return bytes(out)


def _storage(dtype):
    """The dtype to allocate: a subarray dtype would become extra axes, so
    items are allocated opaque and viewed as dtype afterwards."""
    return np.dtype((np.void, dtype.itemsize)) if dtype.subdtype else dtype


def _as_dtype(arr, dtype):
    return arr.view(dtype) if dtype.subdtype else arr


def _empty(shape, dtype, order):
    """An uninitialised array to fill.  np.ndarray, not np.empty: np.empty
    turns a zero-size string type ('|S0') into 'S1' and would read bytes
    that belong to no item."""
    return np.ndarray(shape, dtype=_storage(dtype), order=order)


# --------------------------------------------------------------------------
# save


# Buffered file objects whose write() copies what it is given at once (and
# keeps no view of it): small arrays are handed to them directly.
_COPYING_WRITERS = (io.BufferedWriter, io.BufferedRandom, io.BytesIO)
# Header and data up to this size go through such an object's write()
# rather than its descriptor: the object's buffer absorbs them, no flush.
_SMALL = _files.SMALL_WRITE
# Headers by (dtype, shape, fortran order): saving many arrays of one kind
# formats the header once.
_headers = {}


def _header_for(arr, fortran):
    key = (arr.dtype, arr.shape, fortran)
    header = _headers.get(key)
    if header is None:
        descr = _descr_text(arr.dtype)
        header = (descr, format_header(descr, fortran, arr.shape))
        if len(_headers) >= 4096:
            _headers.clear()
        _headers[key] = header
    return header


def save(file, array, *, allow_pickle=False):
    """Save ``array`` as a .npy file: the bytes ``numpy.save`` writes.

    ``file`` is a path (``.npy`` is appended when missing, as numpy.save
    does), an int file descriptor or a binary file object, written at its
    position.  ``array`` is anything ``numpy.save`` accepts; ndarrays of any
    layout are written without a temporary copy, in Fortran order when they
    are Fortran- and not C-contiguous and in C order otherwise.

    Arrays of Python objects (and dtypes numpy can only pickle) raise
    TypeError unless ``allow_pickle=True``, in which case numpy writes them.
    """
    arr = array if type(array) is np.ndarray else np.asanyarray(array)
    if type(arr) is not np.ndarray:
        arr = arr.view(np.ndarray)
    flags = arr.flags
    contiguous = flags.c_contiguous
    fortran = not contiguous and flags.f_contiguous
    # the cache holds only dtypes saved as raw bytes: a hit needs no checks
    entry = _headers.get((arr.dtype, arr.shape, fortran))
    if entry is None:
        if _needs_pickle(arr.dtype):
            if not allow_pickle:
                raise TypeError(
                    f"array of dtype {arr.dtype} holds Python objects; saving it needs "
                    "allow_pickle=True (the data is then a pickle)"
                )
            return _save_pickled(_npy_path(file), arr)
        entry = _header_for(arr, fortran)
    descr, header = entry
    if type(file) in _COPYING_WRITERS and arr.nbytes <= _SMALL:
        # small: two writes into the object's buffer, as numpy.save does,
        # minus its Python; progress counts the header too
        written = 0
        try:
            file.write(header)
            written = len(header)
            try:
                data = arr.data if contiguous else arr.T.data if fortran else None
            except ValueError:  # no buffer-protocol format (datetime, ...)
                data = None
            if data is None:  # strided or unexportable: packed by the core
                _files._write_methods(file, _core.View(arr), "F" if fortran else "C", 0)
            else:
                file.write(data)
        except BlockingIOError as exc:
            exc.characters_written = exc.bytes_written = written + exc.characters_written
            raise
        except BaseException as exc:
            prior = getattr(exc, "bytes_written", None)
            exc.bytes_written = written + (prior if isinstance(prior, int) else 0)
            raise
        return
    order = "F" if fortran else "C"
    view = _core.View(arr)
    with _files.Output(_npy_path(file)) as out:
        if out.fd is not None and view.cview is not None:
            # one call: the core writes header and data (one system call
            # for small arrays)
            fd, cview, code = out.fd, view.cview, lib.ARRAYIO_ORDER_A
            _core.run_io(lambda io: lib.arrayio_npy_save_fd(fd, cview, code, descr, len(descr), io),
                         len(header) + view.nbytes, writing=True, filename=out.filename,
                         what="save")
            return
        out.write(_core.View(np.frombuffer(header, np.uint8)), "C", 0)
        out.write(view, order, 0, start=len(header))


def _npy_path(file):
    """numpy.save's rule: a path without the .npy suffix gets it."""
    if not _files._is_path(file):
        return file
    file = os.fspath(file)
    suffix = b".npy" if isinstance(file, bytes) else ".npy"
    return file if file.endswith(suffix) else file + suffix


def _save_pickled(file, arr):
    if _files._is_path(file):
        with open(file, "wb") as f:
            _npf.write_array(f, arr, allow_pickle=True)
    elif _files._is_fd(file):
        with os.fdopen(os.dup(file), "wb") as f:
            _npf.write_array(f, arr, allow_pickle=True)
    else:
        _npf.write_array(file, arr, allow_pickle=True)


# --------------------------------------------------------------------------
# load


class Header:
    """A parsed .npy header."""

    __slots__ = ("version", "dtype", "shape", "fortran_order", "offset", "nbytes", "has_object")

    def __repr__(self):
        return (f"Header(version={self.version}, dtype={self.dtype!r}, shape={self.shape}, "
                f"fortran_order={self.fortran_order}, offset={self.offset})")


def _npy_error(status, filename):
    name = ffi.string(lib.arrayio_error_name(status)).decode()
    text = ffi.string(lib.arrayio_strerror(status)).decode()
    where = f"{filename!r}: " if filename else ""
    if status == lib.ARRAYIO_ERR_NPY_MAGIC:
        return ValueError(f"{where}not a .npy file: the magic string \\x93NUMPY is missing ({name})")
    if status == lib.ARRAYIO_ERR_NPY_HEADER_SIZE:
        return ValueError(
            f"{where}{text} ({name}); raise max_header_size if you trust the file")
    return ValueError(f"{where}invalid .npy file: {text} ({name})")


def parse_header(read, max_header_size, filename=None):
    """Read and parse a header with ``read(n)`` (returns up to n bytes,
    fewer only at end of file), taking exactly the header's bytes."""
    if max_header_size is None or max_header_size < 0:
        raise ValueError(f"max_header_size must be a non-negative int, not {max_header_size!r}")
    limit = min(int(max_header_size), (1 << 62))
    h = ffi.new("arrayio_npy_header *")
    buf = bytearray()
    while True:
        status = lib.arrayio_npy_parse(ffi.from_buffer(buf), len(buf), limit, h)
        if status != lib.ARRAYIO_ERR_NPY_TRUNCATED:
            break
        need = int(h.data_offset)
        more = read(need - len(buf))
        buf += more
        if len(buf) < need:
            # fewer bytes than the header needs: a truncated file
            status = lib.arrayio_npy_parse(ffi.from_buffer(buf), len(buf), limit, h)
            if status != lib.ARRAYIO_ERR_NPY_TRUNCATED:
                break
            what = "file is empty" if not buf else "file ends inside the .npy header"
            exc = ShortReadError(need, len(buf), filename)
            exc.args = (f"{what} ({len(buf)} of the {need} header bytes it needs)",)
            raise exc
    if status != lib.ARRAYIO_OK:
        raise _npy_error(status, filename)
    return header_from(h)


def header_from(h, where="invalid .npy file"):
    """A Header from the core's parsed header: the descr text (bounded and
    checked by the parser) becomes a dtype through numpy's own rules."""
    text = bytes(ffi.buffer(h.descr, h.descr_len)).decode("latin1" if h.major < 3 else "utf8")
    try:
        dtype = _npf.descr_to_dtype(ast.literal_eval(text))
    except (ValueError, TypeError, SyntaxError) as e:
        raise ValueError(f"{where}: descr is not a valid dtype descriptor: {text}") from e
    if dtype.itemsize != h.itemsize and not h.has_object:
        raise ValueError(f"{where}: descr {text} gives items of {dtype.itemsize} bytes, "
                         f"its own layout {h.itemsize}")
    out = Header()
    out.version = (h.major, h.minor)
    out.dtype = dtype
    out.shape = tuple(h.shape[i] for i in range(h.ndim))
    out.fortran_order = bool(h.fortran_order)
    out.offset = int(h.data_offset)
    out.nbytes = int(h.nbytes)
    out.has_object = bool(h.has_object) or _needs_pickle(dtype)
    return out


def load(file, *, mmap_mode=None, allow_pickle=False, max_header_size=MAX_HEADER_SIZE,
         out=None):
    """Load a .npy file: what ``numpy.load`` returns for it.

    Versions 1.0, 2.0 and 3.0, C or Fortran order, either byte order.  The
    header is parsed by the C core: strict, bounded by ``max_header_size``
    characters (ignored with ``allow_pickle=True``, as in numpy), and the
    declared data size is checked against the file's size before anything
    is allocated.  ``mmap_mode`` ('r', 'r+' or 'c') maps the data instead of
    reading it (``file`` must then be a path or a file object with a
    descriptor).

    ``out``, a writable ndarray or buffer-protocol object of any layout,
    receives the data instead of a new array and is returned; its shape and
    dtype (item size, kind and byte order) must be the file's, which is
    checked, with both named, before any data is read.

    Raises ValueError for anything that is not a valid .npy file (a
    truncated one raises ShortReadError, which is a ValueError), and for
    object arrays unless ``allow_pickle=True``.
    """
    if mmap_mode not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap_mode must be None, 'r', 'r+' or 'c', not {mmap_mode!r}")
    target = out
    if out is not None:
        if mmap_mode is not None:
            raise ValueError("out cannot be combined with mmap_mode")
        out = _core.as_array(out, "out", writable=True)
    if allow_pickle:
        max_header_size = 1 << 62
    with _files.Input(file) as src:
        h = parse_header(src.read_exact, max_header_size, src.filename)
        if h.has_object:
            if out is not None:
                raise ValueError("out cannot receive the file's array: it holds Python "
                                 "objects (a pickle)")
            if not allow_pickle:
                raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
            return _load_pickled(src, h)
        order = "F" if h.fortran_order else "C"
        if out is not None:
            _check_out(out, h)
        elif mmap_mode is not None:
            return _memmap(src, h, mmap_mode, order)
        avail = src.available()
        if avail is not None and avail < h.nbytes:
            raise ShortReadError(h.nbytes, avail, src.filename)
        if out is not None:
            src.read_into(_core.View(out), order, 0)
            return target
        if avail is not None or h.nbytes <= _files.STREAM_ALLOC:
            arr = _empty(h.shape, h.dtype, order)
            src.read_into(_core.View(arr), order, 0)
        else:
            # no size to check the header against: the buffer grows with
            # the data and becomes the array's memory
            buf = src.read_growing(h.nbytes)
            arr = np.frombuffer(buf, dtype=_storage(h.dtype)).reshape(h.shape, order=order)
    return _as_dtype(arr, h.dtype)


def _check_out(out, h):
    """out must hold exactly the file's array: same shape, same dtype."""
    if out.dtype != h.dtype:
        raise ValueError(f"out has dtype {out.dtype.str} ({out.dtype.itemsize}-byte items), "
                         f"the file holds {h.dtype.str} ({h.dtype.itemsize}-byte items)")
    if out.shape != h.shape:
        raise ValueError(f"out has shape {out.shape}, the file's array has shape {h.shape}")


def _load_pickled(src, h):
    if src.fd is None:
        return pickle.load(src.obj)
    # unbuffered, so the shared descriptor stops exactly after the pickle
    with os.fdopen(os.dup(src.fd), "rb", buffering=0) as f:
        return pickle.load(f)


def _memmap(src, h, mode, order):
    if src.fd is None:
        raise ValueError("mmap_mode needs a path or a file object with a file descriptor")
    if src.obj is None and not src.owned:
        raise ValueError("mmap_mode needs a path or a file object, not a bare file descriptor")
    start = os.lseek(src.fd, 0, os.SEEK_CUR)
    src.check(h.nbytes)
    target = src.file if src.obj is None else src.obj
    return np.memmap(target, dtype=h.dtype, mode=mode, offset=start, shape=h.shape, order=order)


# --------------------------------------------------------------------------
# open_npy: regions of an on-disk array


def _contiguous_strides(shape, itemsize, fortran):
    strides = [0] * len(shape)
    step = itemsize
    dims = range(len(shape)) if fortran else range(len(shape) - 1, -1, -1)
    for d in dims:
        strides[d] = step
        step *= max(shape[d], 1)
    return strides


class NpyFile:
    """A .npy file on disk, read and written region by region.

    ``f[index]`` reads, ``f[index] = value`` writes, with integer, slice
    (any step) and Ellipsis indices, touching only the bytes of the file
    the index selects, with positioned I/O: no whole-file load, no mmap.
    Pickles by path, so another process reopens the same file."""

    def __init__(self, path, mode="r", *, shape=None, dtype=None, fortran_order=False,
                 max_header_size=MAX_HEADER_SIZE):
        if mode not in ("r", "r+", "w+"):
            raise ValueError(f"mode must be 'r', 'r+' or 'w+', not {mode!r}")
        self.path = os.fspath(path)
        self.mode = mode
        self._fd = None
        if mode == "w+":
            if shape is None or dtype is None:
                raise ValueError("mode 'w+' needs shape and dtype")
            dtype = np.dtype(dtype)
            if _needs_pickle(dtype):
                raise TypeError(f"dtype {dtype} holds Python objects; open_npy stores raw bytes only")
            shape = _core.shape_tuple(shape)
            header = format_header(_descr_text(dtype), fortran_order, shape)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | _files._O_CLOEXEC, 0o666)
            try:
                nbytes = dtype.itemsize * int(np.prod(shape, dtype=object))
                _pwrite_all(fd, header, 0)
                os.ftruncate(fd, len(header) + nbytes)
            except BaseException:
                os.close(fd)
                raise
            self.dtype, self.shape, self.fortran_order = dtype, shape, bool(fortran_order)
            self.offset = len(header)
        else:
            if shape is not None or dtype is not None:
                raise ValueError(f"shape and dtype are read from the file in mode {mode!r}")
            flags = (os.O_RDONLY if mode == "r" else os.O_RDWR) | _files._O_CLOEXEC
            fd = os.open(self.path, flags)
            try:
                h = parse_header(lambda n: os.read(fd, min(n, 1 << 20)), max_header_size,
                                 self.path)
                if h.has_object:
                    raise ValueError(f"{self.path!r} holds Python objects (a pickle); "
                                     "open_npy reads raw arrays only")
                size = os.fstat(fd).st_size
                if size < h.offset + h.nbytes:
                    raise ShortReadError(h.nbytes, max(0, size - h.offset), self.path)
            except BaseException:
                os.close(fd)
                raise
            self.dtype, self.shape, self.fortran_order = h.dtype, h.shape, h.fortran_order
            self.offset = h.offset
        self._fd = fd
        self._order = "F" if self.fortran_order else "C"
        self._strides = _contiguous_strides(self.shape, self.dtype.itemsize, self.fortran_order)

    # -- plain attributes --
    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=object))

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    @property
    def closed(self):
        return self._fd is None

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __repr__(self):
        state = "closed" if self.closed else f"mode={self.mode!r}"
        return f"<arrayio.NpyFile {self.path!r} shape={self.shape} dtype={self.dtype} {state}>"

    def close(self):
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def __reduce__(self):
        return (open_npy, (self.path, "r" if self.mode == "r" else "r+"))

    def __array__(self, dtype=None, copy=None):
        a = self[...]
        return a if dtype is None else a.astype(dtype, copy=False)

    # -- regions --
    def _fd_or_raise(self):
        if self._fd is None:
            raise ValueError("I/O operation on closed .npy file")
        return self._fd

    def _region(self, key):
        """(shape, file offset, file strides, scalar) of an index."""
        if not isinstance(key, tuple):
            key = (key,)
        ellipsis = sum(k is Ellipsis for k in key)
        if ellipsis > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        if ellipsis:
            i = next(j for j, k in enumerate(key) if k is Ellipsis)
            key = key[:i] + (slice(None),) * (self.ndim - len(key) + 1) + key[i + 1:]
        if len(key) > self.ndim:
            raise IndexError(f"too many indices for array: array is {self.ndim}-dimensional, "
                             f"but {len(key)} were indexed")
        key = key + (slice(None),) * (self.ndim - len(key))
        offset, shape, strides = self.offset, [], []
        for axis, (k, n, st) in enumerate(zip(key, self.shape, self._strides)):
            if isinstance(k, slice):
                start, stop, step = k.indices(n)
                length = len(range(start, stop, step))
                if length:
                    offset += start * st
                shape.append(length)
                strides.append(step * st)
                continue
            if isinstance(k, (bool, np.bool_)):
                raise IndexError("boolean indices are not supported by open_npy")
            try:
                i = operator.index(k)
            except TypeError:
                raise IndexError("only integers, slices (`:`) and ellipsis (`...`) are valid "
                                 f"indices for open_npy, not {type(k).__name__}") from None
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
            offset += (i % n) * st
        # as in numpy: integers alone give a scalar, an Ellipsis a 0-d array
        return tuple(shape), offset, strides, len(shape) == 0 and not ellipsis

    def __getitem__(self, key):
        fd = self._fd_or_raise()
        shape, offset, strides, scalar = self._region(key)
        out = _empty(shape, self.dtype, self._order)
        view = _core.View(out)
        if view.cview is not None:
            cstrides = ffi.new("int64_t[]", strides) if strides else ffi.NULL
            order, cview = _core._ORDERS[self._order], view.cview
            _core.run_io(lambda io: lib.arrayio_pread_region(fd, cview, order, offset, cstrides, io),
                         view.nbytes, writing=False, filename=self.path)
        out = _as_dtype(out, self.dtype)
        return out[()] if scalar and not self.dtype.subdtype else out

    def __setitem__(self, key, value):
        fd = self._fd_or_raise()
        if self.mode == "r":
            raise ValueError("assignment destination is read-only (opened with mode 'r')")
        shape, offset, strides, scalar = self._region(key)
        if self.dtype.itemsize == 0:
            return  # items of no bytes ('|S0'): nothing to store
        val = np.asarray(value, dtype=self.dtype)
        if self.dtype.subdtype:
            val = np.ascontiguousarray(val).view(_storage(self.dtype)).reshape(val.shape[:val.ndim - len(self.dtype.shape)])
        # numpy's assignment rule: leading extents of 1 beyond the target's
        # dimensions are dropped before broadcasting
        extra = val.ndim - len(shape)
        if scalar and val.ndim:
            raise ValueError("setting an array element with a sequence")
        if extra > 0 and all(n == 1 for n in val.shape[:extra]):
            val = val.reshape(val.shape[extra:])
        try:
            val = np.broadcast_to(val, shape)
        except ValueError:
            raise ValueError(f"could not broadcast input array from shape {val.shape} "
                             f"into shape {shape}") from None
        view = _core.View(val)
        if view.cview is None:
            return
        cstrides = ffi.new("int64_t[]", strides) if strides else ffi.NULL
        order, cview = _core._ORDERS[self._order], view.cview
        _core.run_io(lambda io: lib.arrayio_pwrite_region(fd, cview, order, offset, cstrides, io),
                     view.nbytes, writing=True, filename=self.path)


def _pwrite_all(fd, data, offset):
    done = 0
    while done < len(data):
        done += os.pwrite(fd, data[done:], offset + done)


def open_npy(path, mode="r", *, shape=None, dtype=None, fortran_order=False,
             max_header_size=MAX_HEADER_SIZE):
    """Open a .npy file for region reads and writes; see NpyFile.

    mode 'r' reads, 'r+' reads and writes, 'w+' creates (or truncates) a
    file of the given ``shape`` and ``dtype`` (and ``fortran_order``),
    its data zero-filled (sparse where the file system allows)."""
    return NpyFile(path, mode, shape=shape, dtype=dtype, fortran_order=fortran_order,
                   max_header_size=max_header_size)


# --------------------------------------------------------------------------
# map_array


_ACCESS = {"r": mmap.ACCESS_READ, "r+": mmap.ACCESS_WRITE, "c": mmap.ACCESS_COPY}


def map_array(file, dtype, shape, *, mode="r", offset=0, order="C"):
    """Map raw bytes of a file as an array, without reading them.

    ``file`` is a path, an int file descriptor or a file object with a
    descriptor; ``mode`` is 'r' (read-only), 'r+' (writes go to the file) or
    'c' (copy-on-write: writes stay in memory).  ``shape`` may be None for
    as many items as the file holds after ``offset`` (the remaining length
    must then be a multiple of the item size).  The mapping is set up
    without touching the data, whatever the file's size; the file must
    hold ``offset`` plus the array's bytes, or ValueError says how many it
    lacks.
    """
    if mode not in _ACCESS:
        raise ValueError(f"mode must be 'r', 'r+' or 'c', not {mode!r}")
    dtype = np.dtype(dtype)
    if _needs_pickle(dtype):
        raise TypeError(f"dtype {dtype} holds Python objects; it cannot be mapped")
    if dtype.itemsize == 0:
        raise ValueError(f"dtype {dtype} has no size")
    order = _core.resolve_order(order, None, allow_any=False)
    offset = operator.index(offset)
    if offset < 0:
        raise ValueError(f"offset must be >= 0, not {offset}")
    fd, owned, name = _map_fd(file, mode)
    try:
        size = os.fstat(fd).st_size
        if shape is None:
            avail = max(0, size - offset)
            if avail % dtype.itemsize:
                raise ValueError(
                    f"{name or 'file'} has {avail} bytes after offset {offset}, not a multiple of "
                    f"the item size {dtype.itemsize} of {dtype}")
            shape = (avail // dtype.itemsize,)
        shape = _core.shape_tuple(shape)
        count = int(np.prod(shape, dtype=object))
        nbytes = count * dtype.itemsize
        if offset + nbytes > size:
            raise ValueError(
                f"{name or 'file'} has {size} bytes, but offset {offset} plus the {nbytes} bytes of "
                f"a {shape} {dtype} array need {offset + nbytes}")
        if nbytes == 0:
            out = np.empty(shape, dtype=dtype, order=order)
            out.flags.writeable = mode != "r"
            return out
        start = offset - offset % mmap.ALLOCATIONGRANULARITY
        mm = mmap.mmap(fd, offset - start + nbytes, access=_ACCESS[mode], offset=start)
    finally:
        if owned:
            os.close(fd)
    flat = np.frombuffer(mm, dtype=_storage(dtype), count=count, offset=offset - start)
    return _as_dtype(flat.reshape(shape, order=order), dtype)


def _map_fd(file, mode):
    if _files._is_path(file):
        flags = os.O_RDWR if mode == "r+" else os.O_RDONLY
        return os.open(file, flags | _files._O_CLOEXEC), True, os.fsdecode(file)
    if _files._is_fd(file):
        return _files._check_fd(file), False, None
    fileno = getattr(file, "fileno", None)
    if not callable(fileno):
        raise TypeError(f"{type(file).__name__} has no file descriptor to map")
    if hasattr(file, "flush") and not getattr(file, "closed", False):
        file.flush()
    return fileno(), False, _files._name_of(file)
