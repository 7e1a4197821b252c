"""Many arrays in one buffer or one file: a stream of .npy records.

Each record is a complete .npy file (header and data) whose header is
padded so the data starts at a multiple of 64 bytes of the stream; numpy
reads headers of any padding, so calling numpy.load repeatedly on a BytesIO
of the stream returns the arrays in order.
"""
import io
import os

import numpy as np

from . import _core, _files, _npy
from ._errors import raise_status
from ._ffi import ffi, lib

# Strided arrays up to this size are packed next to the headers and leave
# in the same vectored write; larger ones through the core's own loop.
_STAGE_MAX = 64 << 10
# Staged bytes waiting for one vectored write.
_HOLD_MAX = 4 << 20
# os.writev takes at most IOV_MAX pieces (1024 on Linux).
try:
    _IOV_MAX = max(16, os.sysconf("SC_IOV_MAX"))
except (AttributeError, ValueError, OSError):
    _IOV_MAX = 1024
_headers = {}


class _Record:
    __slots__ = ("array", "header", "offset", "order", "flat")


def _header_at(arr, fortran, start):
    key = (arr.dtype, arr.shape, fortran, start % 64)
    header = _headers.get(key)
    if header is None:
        header = _npy.format_header(_npy._descr_text(arr.dtype), fortran, arr.shape, start)
        if len(_headers) >= 4096:
            _headers.clear()
        _headers[key] = header
    return header


def _layout(arrays):
    """The records of the stream, and its length.  A record's `flat` is an
    array whose C-order memory is the record's data when there is one (the
    array, or its transpose when it is Fortran-contiguous), else None."""
    records, off = [], 0
    ndarray = np.ndarray
    for i, a in enumerate(arrays):
        if type(a) is ndarray and not a.dtype.hasobject:
            arr = a
        else:
            arr = _core.as_array(a, f"arrays[{i}]")
        r = _Record()
        flags = arr.flags
        c, f = flags.c_contiguous, flags.f_contiguous
        fortran = f and not c
        r.array, r.order = arr, "F" if fortran else "C"
        r.flat = arr if c else arr.T if f else None
        r.header = _header_at(arr, fortran, off)
        r.offset = off
        off += len(r.header) + arr.nbytes
        records.append(r)
    return records, off


def packed_size(arrays):
    """The length in bytes of ``pack(arrays)``."""
    return _layout(arrays)[1]


def _byte_buffer(obj, name, writable):
    try:
        mv = memoryview(obj)
    except TypeError:
        raise TypeError(f"{name} must support the buffer protocol, not {type(obj).__name__}") from None
    if writable and mv.readonly:
        raise ValueError(f"{name} is read-only")
    if not mv.c_contiguous:
        raise ValueError(f"{name} must be a contiguous buffer")
    return mv.cast("B") if (mv.format != "B" or mv.ndim != 1) else mv


def pack(arrays, out=None):
    """Lay ``arrays`` out one after another as .npy records.

    Each array (any layout, any buffer-protocol object; object dtypes raise
    TypeError) is copied exactly once, straight into its place; each
    record's data starts at a multiple of 64 bytes.  Returns a new
    bytearray, or ``out`` — a writable contiguous buffer of at least
    ``packed_size(arrays)`` bytes (else ValueError naming the size needed);
    bytes of ``out`` past the records are left alone.
    """
    records, total = _layout(list(arrays))
    mine = out is None
    if mine:
        out = _core.new_bytearray(total)  # every byte is written below
        mv = memoryview(out)
    else:
        mv = _byte_buffer(out, "out", writable=True)
        if mv.nbytes < total:
            raise ValueError(f"out has {mv.nbytes} bytes; the packed arrays need {total}")
    if total == 0:
        return out
    whole = None if mine else np.frombuffer(mv, np.uint8)
    with mv, ffi.from_buffer(mv) as base:
        for i, r in enumerate(records):
            h = len(r.header)
            ffi.memmove(base + r.offset, r.header, h)
            nbytes = r.array.nbytes
            if r.flat is not None and (mine or not np.may_share_memory(r.flat, whole)):
                # contiguous: one memcpy from the array's own buffer (the
                # cheapest call per array; pack's cost for many small ones)
                if nbytes:
                    ffi.memmove(base + r.offset + h, r.flat, nbytes)
                continue
            if nbytes <= _STAGE_MAX and mine:
                # small and strided: numpy's copy costs less per call than
                # describing the view to the core (items copied as bytes)
                a = r.array
                raw = np.dtype((np.void, a.itemsize))
                dst = np.frombuffer(mv, raw, a.size, r.offset + h).reshape(a.shape)
                np.copyto(dst, a.view(raw))
                continue
            view = _core.View(r.array)
            if view.cview is not None:
                raise_status(lib.arrayio_pack(view.cview, _core._ORDERS[r.order],
                                              base + r.offset + h, view.nbytes),
                             what=f"pack: arrays[{i}]")
    return out


def unpack(buffer, *, max_header_size=_npy.MAX_HEADER_SIZE):
    """The arrays of a stream of .npy records, as views into ``buffer``.

    No data is copied: each array is a view of its record's bytes (read-only
    when the buffer is).  Every header is parsed and checked by the core
    and every record's size checked against what the buffer holds before
    its view is made; truncated or corrupt input raises ValueError naming
    the record and its offset.
    """
    mv = _byte_buffer(buffer, "buffer", writable=False)
    n = mv.nbytes
    h = ffi.new("arrayio_npy_header *")
    arrays, off, i = [], 0, 0
    with ffi.from_buffer(mv) as base:
        while off < n:
            where = f"record {i} at byte {off}"
            status = lib.arrayio_npy_parse(base + off, n - off, max_header_size, h)
            if status == lib.ARRAYIO_ERR_NPY_TRUNCATED:
                raise ValueError(f"{where}: truncated: its header needs at least "
                                 f"{int(h.data_offset)} bytes, {n - off} remain")
            if status != lib.ARRAYIO_OK:
                err = _npy._npy_error(status, None)
                raise ValueError(f"{where}: {err}")
            header = _npy.header_from(h, where)
            if header.has_object:
                raise ValueError(f"{where}: holds Python objects (a pickle), which unpack "
                                 "cannot view")
            start = off + header.offset
            if header.nbytes > n - start:
                raise ValueError(f"{where}: truncated: its array needs {header.nbytes} bytes, "
                                 f"{n - start} remain")
            order = "F" if header.fortran_order else "C"
            storage = _npy._storage(header.dtype)
            count = header.nbytes // storage.itemsize if storage.itemsize else 0
            if count == 0 or storage.itemsize == 0:
                arr = _npy._empty(header.shape, header.dtype, order)
            else:
                arr = np.frombuffer(mv, dtype=storage, count=count, offset=start)
                arr = arr.reshape(header.shape, order=order)
            arrays.append(_npy._as_dtype(arr, header.dtype))
            off = start + header.nbytes
            i += 1
    return arrays


def write_many(file, arrays, *, buffer_size=None):
    """Write ``pack(arrays)``'s bytes to ``file`` without building them.

    To a descriptor (path, int, plain file or socket) the records leave in
    vectored writes: headers, small strided arrays packed beside them, and
    contiguous arrays straight from their own memory; large strided arrays
    go through the core's write loop.  Other file objects get the same
    bytes through write().  Returns the number of bytes written; errors
    carry ``bytes_written``.
    """
    records, total = _layout(list(arrays))
    pieces = []
    for r in records:
        pieces.append(r.header)
        pieces.append((_core.View(r.array), r.order))
    return write_pieces(file, pieces, _core.check_buffer_size(buffer_size))


def write_pieces(file, pieces, size):
    """Write a stream made of ``pieces`` (an iterable), each a bytes-like
    object or a ``(View, order)`` pair, to ``file``; returns the byte
    count.  Bytes-like pieces are held until written: at most
    ``_HOLD_MAX`` bytes of them at a time."""
    with _files.Output(file) as out:
        if out.fd is not None:
            return _write_pieces_fd(out, pieces, size)
        done = 0
        for p in pieces:
            if isinstance(p, tuple):
                done += out.write(p[0], p[1], size, start=done)
            else:
                view = _core.View(np.frombuffer(p, np.uint8))
                done += out.write(view, "C", 0, start=done)
        return done


def _write_pieces_fd(out, pieces, size):
    pending, done, held = [], 0, 0

    def flush():
        nonlocal done, held
        done = _writev_all(out.fd, pending, done)
        pending.clear()
        held = 0

    for p in pieces:
        if not isinstance(p, tuple):
            pending.append(p)
            held += memoryview(p).nbytes
        else:
            view, order = p
            if view.nbytes == 0:
                pass
            elif view.contiguous(order):
                pending.append(memoryview(view.byte_view(order)))
            elif view.nbytes <= _STAGE_MAX:
                staged = bytearray(view.nbytes)
                with ffi.from_buffer(staged) as ptr:
                    raise_status(lib.arrayio_pack(view.cview, _core._ORDERS[order], ptr,
                                                  view.nbytes), what="write")
                pending.append(staged)
                held += len(staged)
            else:
                flush()
                try:
                    done += _core.fd_transfer(lib.arrayio_write_fd, out.fd, view, order, size,
                                              writing=True, filename=out.filename)
                except BaseException as exc:
                    _files._shift_progress(exc, done)
                    raise
                continue
        if len(pending) >= _IOV_MAX - 1 or held >= _HOLD_MAX:
            flush()
    flush()
    return done


def _writev_all(fd, pieces, done):
    """os.writev until every piece is out; returns the new running count.
    An error carries the count in bytes_written."""
    views = [memoryview(p).cast("B") for p in pieces]
    i = 0
    try:
        while i < len(views):
            n = os.writev(fd, views[i:i + _IOV_MAX])
            done += n
            while i < len(views) and n >= len(views[i]):
                n -= len(views[i])
                i += 1
            if n:
                views[i] = views[i][n:]
    except BaseException as exc:  # OS errors, and signal handlers that raise
        exc.bytes_written = done
        if isinstance(exc, BlockingIOError):
            exc.characters_written = done
        raise
    return done
