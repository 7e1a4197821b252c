"""Where the bytes go: paths, file descriptors and file objects.

A path or an int descriptor is driven directly by the core's fd loops.  A
file object is driven directly only when its descriptor is known to be the
very byte stream the object reads and writes: a plain io.FileIO (files and
pipes), a plain socket.socket, the raw SocketIO of its makefile(), or a
Buffered* object over one of those; sockets only when blocking or
non-blocking, since a timeout is Python's to enforce.  Such an object is
flushed and its position brought in line before and after.  Every other
object, including ones whose fileno() lies under a transformation (gzip,
TLS), goes through its own write()/readinto()/read() (a socket through
send()/recv_into()), fed from one staging buffer.
"""
import errno
import io
import os
import socket
import stat

import numpy as np

from . import _core
from ._errors import ShortReadError
from ._ffi import ffi, lib

_PATH_TYPES = (str, bytes, os.PathLike)
_BUFFERED = (io.BufferedWriter, io.BufferedReader, io.BufferedRandom)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
# Largest piece handed to one write()/readinto() of a file object: large
# enough to amortise the call, small enough that a growing BytesIO faults
# in its new pages while the source is still in cache (1.85 against 1.54
# GB/s for one 256 MiB write, measured).
_MAX_CHUNK = 16 << 20


def _plain_socket(sock):
    """A socket whose descriptor carries exactly its bytes and whose
    blocking behaviour the descriptor already has (no timeout to emulate)."""
    return type(sock) is socket.socket and sock.gettimeout() in (None, 0.0)


def _raw_stream(raw):
    """True when the raw object writes straight to its descriptor."""
    if type(raw) is io.FileIO:
        return True
    if type(raw) is socket.SocketIO:
        return _plain_socket(getattr(raw, "_sock", None))
    return False


def _direct_fd(f):
    """The descriptor to drive directly, or None to use f's methods."""
    t = type(f)
    if t is socket.socket:
        return f.fileno() if _plain_socket(f) else None
    if _raw_stream(f):
        return f.fileno()
    if t in _BUFFERED and _raw_stream(f.raw):
        return f.fileno()
    return None




def _check_file_object(f, writing):
    if isinstance(f, socket.socket):
        if f.fileno() < 0:
            raise ValueError("I/O operation on closed socket")
        return
    if isinstance(f, io.TextIOBase):
        raise TypeError(
            f"{type(f).__name__} is a text stream; arrayio needs a binary file "
            f"(open it with mode '{'wb' if writing else 'rb'}')"
        )
    if getattr(f, "closed", False):
        raise ValueError("I/O operation on closed file")
    if writing:
        if not callable(getattr(f, "write", None)):
            raise TypeError(f"{type(f).__name__} object has no write() method")
    elif not (callable(getattr(f, "readinto", None)) or callable(getattr(f, "read", None))):
        raise TypeError(f"{type(f).__name__} object has neither readinto() nor read()")


def _check_fd(fd):
    if fd < 0:
        raise ValueError(f"file descriptor must be >= 0, not {fd}")
    return fd


def _is_path(file):
    return isinstance(file, _PATH_TYPES)


def _is_fd(file):
    return isinstance(file, int) and not isinstance(file, bool)


def _resync(f, fd):
    """After the descriptor moved under a buffered object: drop its buffer
    and put its position where the descriptor is."""
    if isinstance(f, socket.socket) or _raw_stream(f) or not f.seekable():
        return
    target = os.lseek(fd, 0, os.SEEK_CUR)
    if f.readable():
        f.seek(0, os.SEEK_END)  # discards a read-ahead buffer that may be stale
    f.seek(target)


def _prepare_direct(f, fd):
    """Flush f and move the descriptor to f's logical position."""
    if isinstance(f, socket.socket) or _raw_stream(f):
        return
    if f.writable():
        f.flush()
    if f.seekable():
        os.lseek(fd, f.tell(), os.SEEK_SET)


# --------------------------------------------------------------------------
# writing


class _Endpoint:
    """A resolved `file` argument.  Use as a context manager: a path is
    opened on entry and closed on exit; a file object driven through its
    descriptor is flushed and positioned on entry and re-synchronised on
    exit (also after an error).  Then exactly one of these holds: `fd` is
    the descriptor to drive, or `obj` is driven through its methods."""

    writing = False

    def __init__(self, file):
        self.file = file
        self.fd = None
        self.obj = None
        self.owned = False
        self.filename = None
        if _is_path(file):
            self.filename = os.fsdecode(file)
        elif _is_fd(file):
            self.fd = _check_fd(file)
        else:
            _check_file_object(file, writing=self.writing)
            self.obj = file
            fd = _direct_fd(file)
            if fd is not None and self._direct_ok(file):
                self.fd = fd
                self.filename = _name_of(file)
            elif isinstance(file, socket.socket):
                # a socket Python must drive (a timeout, TLS, a subclass):
                # its raw stream sends and receives through the socket's own
                # methods, so timeouts and TLS apply; closing it leaves the
                # socket open
                self.obj = socket.SocketIO(file, "rwb")

    def _direct_ok(self, f):
        return True

    def __enter__(self):
        if self.filename is not None and self.obj is None:
            if self.writing:
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            else:
                flags = os.O_RDONLY
            self.fd = os.open(self.file, flags | _O_CLOEXEC | _O_BINARY, 0o666)
            self.owned = True
        elif self.obj is not None and self.fd is not None:
            _prepare_direct(self.obj, self.fd)
        return self

    def __exit__(self, *exc):
        if self.owned:
            os.close(self.fd)
        elif self.obj is not None and self.fd is not None:
            _resync(self.obj, self.fd)


class Output(_Endpoint):
    """An opened destination: write(view, order, buffer_size) as often as
    needed.  A path is created or truncated."""

    writing = True

    def _direct_ok(self, f):
        if not isinstance(f, socket.socket) and not f.writable():
            raise io.UnsupportedOperation("file not open for writing")
        return True

    def write(self, view, order, buffer_size, start=0):
        """Write the view's stream; returns its byte count.  `start` is the
        number of bytes this call's caller already wrote (for progress in
        errors)."""
        if self.fd is not None:
            try:
                return _core.fd_transfer(lib.arrayio_write_fd, self.fd, view, order,
                                         buffer_size, writing=True, filename=self.filename)
            except BaseException as exc:
                _shift_progress(exc, start)
                raise
        return _write_methods(self.obj, view, order, buffer_size, start)


def _shift_progress(exc, start):
    if start:
        for name in ("bytes_written", "characters_written"):
            if isinstance(getattr(exc, name, None), int):
                setattr(exc, name, getattr(exc, name) + start)


# Up to this many bytes go to a buffered writer through its write(): its
# buffer takes them with no system call, where the descriptor path would
# flush and re-synchronise its position.
SMALL_WRITE = 64 << 10


def write_view(file, view, order, buffer_size):
    """Write the view's stream to `file`; returns the byte count."""
    if (view.nbytes <= SMALL_WRITE and type(file) in (io.BufferedWriter, io.BufferedRandom)
            and not file.closed):
        return _write_methods(file, view, order, buffer_size)
    with Output(file) as out:
        return out.write(view, order, buffer_size)


def _name_of(f):
    if isinstance(f, socket.socket):
        return None
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else None


class _Staging:
    """The one staging buffer of a transfer through an object's methods.

    Pieces of it are handed to write()/readinto() as memoryviews released
    when the call returns.  A callee may still keep a view of the memory
    (numpy.frombuffer of what it was given, say): before each reuse the
    buffer checks that nothing outside holds it, and is replaced by a fresh
    one if something does, so what such a holder sees never changes."""

    def __init__(self, size):
        self.size = size
        self.buf = bytearray(size)

    def fill(self, cursor):
        with ffi.from_buffer(self.buf) as c:
            return cursor.fill(c, self.size)

    def drain(self, cursor, n):
        with ffi.from_buffer(self.buf) as c:
            cursor.drain(c, n)

    def recycle(self):
        b = self.buf
        last = b[-1]
        try:
            del b[-1]  # resizing fails while any view of b exists
        except BufferError:
            self.buf = bytearray(self.size)
            return
        b.append(last)


def _release(view):
    try:
        view.release()
    except BufferError:
        pass  # exported further by the callee: _Staging.recycle sees it


def _write_all(f, mv, start, total, raw):
    """Hand mv to f.write() until all of it is taken, each piece a fresh
    memoryview released when the call returns."""
    off, n = 0, len(mv)
    while off < n:
        piece = mv[off:off + _MAX_CHUNK]
        size = len(piece)
        try:
            k = f.write(piece)
        except BlockingIOError as exc:
            # Progress is the whole transfer's, not the piece's.
            exc.characters_written = exc.bytes_written = start + off + exc.characters_written
            raise
        except BaseException as exc:
            exc.bytes_written = start + off
            raise
        finally:
            _release(piece)
        if k is None:
            if raw:
                raise BlockingIOError(errno.EAGAIN, "write could not complete without blocking",
                                      start + off)
            k = size  # duck-typed writers that return nothing took it all
        if not 0 <= k <= size:
            err = OSError(f"{type(f).__name__}.write() returned {k!r} for {size} bytes")
            err.bytes_written = start + off
            raise err
        if k == 0:
            err = OSError(f"{type(f).__name__}.write() accepted no bytes "
                          f"({start + off} of {total} bytes written)")
            err.bytes_written = start + off
            raise err
        off += k


def _write_methods(f, view, order, buffer_size, start=0):
    total = view.nbytes
    if total == 0:
        return 0
    raw = isinstance(f, io.RawIOBase)
    if start:
        try:
            return _write_methods(f, view, order, buffer_size)
        except BaseException as exc:
            _shift_progress(exc, start)
            raise
    if view.contiguous(order):
        with memoryview(view.byte_view(order)) as mv:
            _write_all(f, mv, 0, total, raw)
        return total
    staging = _Staging(min(buffer_size or lib.ARRAYIO_DEFAULT_BUFFER_SIZE, total))
    cursor = _core.Cursor(view, order)
    done = 0
    while done < total:
        n = staging.fill(cursor)
        with memoryview(staging.buf) as whole, whole[:n] as part:
            _write_all(f, part, done, total, raw)
        done += n
        staging.recycle()
    return total


# --------------------------------------------------------------------------
# reading


def _available(fd):
    """Bytes left in a regular file from the descriptor's position, or None."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return None
    return max(0, st.st_size - os.lseek(fd, 0, os.SEEK_CUR))


# From a source without a size (a pipe, a compressed stream), arrays up to
# this size are allocated at once; larger ones grow with their data.
STREAM_ALLOC = 64 << 20


class Input(_Endpoint):
    """An opened source; call check(nbytes) before allocating, then
    read_into(view, order, buffer_size)."""

    def _direct_ok(self, f):
        if isinstance(f, socket.socket):
            return True
        # A non-seekable buffered reader may hold read-ahead bytes: only its
        # own methods can hand them over.
        if not _raw_stream(f) and not f.seekable():
            return False
        if not f.readable():
            raise io.UnsupportedOperation("file not open for reading")
        return True

    def check(self, nbytes):
        """Refuse, before allocating an array, a size the file cannot hold."""
        if self.fd is not None:
            avail = _available(self.fd)
            if avail is not None and avail < nbytes:
                raise ShortReadError(nbytes, avail, self.filename)

    def available(self):
        """Bytes left in the source when it has a size (a regular file, a
        BytesIO), else None."""
        if self.fd is not None:
            return _available(self.fd)
        if type(self.obj) is io.BytesIO:
            return max(0, self.obj.getbuffer().nbytes - self.obj.tell())
        return None

    def read_some_into(self, mv):
        """Fill mv from the source; ShortReadError (with .got) at EOF."""
        if self.fd is not None:
            view = _core.View(np.frombuffer(mv, np.uint8))
            try:
                return _core.fd_transfer(lib.arrayio_read_fd, self.fd, view, "C", 0,
                                         writing=False, filename=self.filename)
            except ShortReadError as exc:
                raise ShortReadError(len(mv), exc.got, self.filename) from None
        _read_exact(self.obj, mv, 0, len(mv))
        return len(mv)

    def read_growing(self, nbytes):
        """nbytes from the source in a new bytearray that grows only as the
        data arrives (from STREAM_ALLOC bytes, doubling), so a length that
        lies costs at most twice what the source really holds.
        ShortReadError (expected nbytes, with .got) at end of file."""
        buf = bytearray(min(nbytes, STREAM_ALLOC))
        got = 0
        while got < nbytes:
            with memoryview(buf) as mv:
                try:
                    got += self.read_some_into(mv[got:])
                except ShortReadError as exc:
                    raise ShortReadError(nbytes, got + exc.got, self.filename) from None
            if got < nbytes:
                buf.extend(bytes(min(len(buf), nbytes - len(buf))))
        return buf

    def read_exact(self, n):
        """Up to n bytes: fewer only at end of file.  Read in pieces of at
        most 1 MiB, so a length field that lies costs no more memory than
        the source really holds."""
        parts, got = [], 0
        while got < n:
            want = min(n - got, 1 << 20)
            if self.fd is not None:
                chunk = os.read(self.fd, want)
            else:
                chunk = self.obj.read(want)
                if chunk is None:
                    raise BlockingIOError(errno.EAGAIN, "read could not complete without blocking")
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def read_into(self, view, order, buffer_size):
        if self.fd is not None:
            return _core.fd_transfer(lib.arrayio_read_fd, self.fd, view, order, buffer_size,
                                     writing=False, filename=self.filename)
        return _read_methods(self.obj, view, order, buffer_size)


def _read_some(f, mv):
    """Fill as much of mv as one call gives; returns the count (0 at EOF)."""
    readinto = getattr(f, "readinto", None)
    if callable(readinto):
        k = readinto(mv)
        if k is None:
            raise BlockingIOError(errno.EAGAIN, "read could not complete without blocking")
        if not 0 <= k <= len(mv):
            raise OSError(f"{type(f).__name__}.readinto() returned {k!r} for {len(mv)} bytes")
        return k
    data = f.read(len(mv))
    if data is None:
        raise BlockingIOError(errno.EAGAIN, "read could not complete without blocking")
    k = len(data)
    if k > len(mv):
        raise OSError(f"{type(f).__name__}.read({len(mv)}) returned {k} bytes")
    mv[:k] = data
    return k


def _read_exact(f, mv, start, total):
    """Fill mv completely.  Any exception carries ``bytes_read``: the
    transfer's progress, counting the bytes of mv that were filled."""
    off, n = 0, len(mv)
    while off < n:
        piece = mv[off:off + _MAX_CHUNK]
        try:
            k = _read_some(f, piece)
        except BaseException as exc:
            exc.bytes_read = start + off
            raise
        finally:
            _release(piece)
        if k == 0:
            exc = ShortReadError(total, start + off, _name_of(f))
            exc.bytes_read = start + off
            raise exc
        off += k


def _read_methods(f, view, order, buffer_size):
    total = view.nbytes
    if total == 0:
        return 0
    if view.contiguous(order):
        with memoryview(view.byte_view(order)) as mv:
            _read_exact(f, mv, 0, total)
        return total
    staging = _Staging(min(buffer_size or lib.ARRAYIO_DEFAULT_BUFFER_SIZE, total))
    cursor = _core.Cursor(view, order)
    done = 0
    while done < total:
        n = min(staging.size, total - done)
        try:
            with memoryview(staging.buf) as whole, whole[:n] as part:
                _read_exact(f, part, done, total)
        except BaseException as exc:
            # keep what did arrive, as the fd path does
            staging.drain(cursor, exc.bytes_read - done)
            raise
        staging.drain(cursor, n)
        done += n
        staging.recycle()
    return total
