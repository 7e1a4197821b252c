"""Every kind of file object: the bytes, the positions, the progress.

The reference for each scenario is the same sequence of operations with
arrayio's calls replaced by plain ``f.write(a.tobytes(order))`` and
``f.read(n)`` on an identically opened second file."""
import bz2
import errno
import gzip
import io
import lzma
import os
import socket
import tempfile
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arrayio

rng = np.random.default_rng(5)
BASE = rng.integers(0, 256, size=(40, 30), dtype=np.uint8).view(np.uint8)
ARRAYS = [
    BASE[:7, :9].astype("<f8"),            # contiguous
    BASE.astype("<i4").T[::3, 1:8],         # strided, transposed
    BASE[::-2, ::5].astype(">u2"),          # reversed
    np.asfortranarray(BASE[:5, :6].astype("<c8")),
    np.zeros((0, 4)),
    np.float64(2.5).reshape(()),
]

MODES = ["wb", "ab", "w+b", "r+b", "a+b", "xb"]

op = st.one_of(
    st.tuples(st.just("plain"), st.binary(min_size=0, max_size=20)),
    st.tuples(st.just("write"), st.integers(0, len(ARRAYS) - 1), st.sampled_from(["C", "F", "A"])),
    st.tuples(st.just("read"), st.integers(0, len(ARRAYS) - 1)),
    st.tuples(st.just("plainread"), st.integers(0, 30)),
    st.tuples(st.just("seek"), st.integers(0, 200), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("flush"),),
)


def open_mode(path, mode, buffering):
    if mode == "r+b" and not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(bytes(range(50)))
    if mode in ("ab", "a+b") and not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(b"prefix")
    return open(path, mode, buffering=buffering)


def apply(f, step, use_arrayio):
    """Run one step; returns what it observed."""
    kind = step[0]
    readable, seekable = f.readable(), f.seekable()
    if kind == "plain":
        return f.write(step[1])
    if kind == "write":
        a, order = ARRAYS[step[1]], step[2]
        if use_arrayio:
            return arrayio.write(f, a, order=order)
        return f.write(a.tobytes(order))
    if kind == "read" and readable:
        a = ARRAYS[step[1]]
        if use_arrayio:
            try:
                return arrayio.read(f, a.dtype, a.shape).tobytes()
            except arrayio.ShortReadError as e:
                return ("short", e.got)
        # arrayio.read checks a regular file's size first and reads nothing
        # when it is short; the reference does the same by hand
        pos = f.tell()
        data = f.read(a.nbytes)
        if len(data) < a.nbytes:
            f.seek(pos)
            return ("short", len(data))
        return data
    if kind == "plainread" and readable:
        return f.read(step[1])
    if kind == "seek" and seekable:
        return f.seek(step[1] if step[2] == 0 else 0, step[2])
    if kind == "flush":
        return f.flush()
    return None


@settings(max_examples=200)
@given(mode=st.sampled_from(MODES), buffering=st.sampled_from([0, -1, 16]),
       steps=st.lists(op, max_size=12))
def test_interleavings_match_plain_calls(tmp_path_factory, mode, buffering, steps):
    d = tmp_path_factory.mktemp("i")
    results = {}
    for use in (True, False):
        path = str(d / ("ours" if use else "ref"))
        with open_mode(path, mode, buffering) as f:
            seen = []
            for step in steps:
                seen.append(apply(f, step, use))
                if f.seekable():
                    # flushed first: a buffered append file's tell() runs
                    # ahead of the truth until its buffer reaches the file
                    f.flush()
                    seen.append(f.tell())
        with open(path, "rb") as g:
            results[use] = (seen, g.read())
    assert results[True] == results[False]


# -- wrappers that have a fileno() but transform the bytes --

@pytest.mark.parametrize("opener,decompress", [
    (gzip.open, gzip.decompress), (bz2.open, bz2.decompress), (lzma.open, lzma.decompress),
])
def test_compressed_wrappers(tmp_path, opener, decompress):
    path = tmp_path / "c.bin"
    a = ARRAYS[1]
    with opener(path, "wb") as f:
        assert hasattr(f, "fileno")
        f.write(b"head")
        arrayio.write(f, a)
        arrayio.save(f, a)
    data = decompress(path.read_bytes())
    npy = io.BytesIO()
    np.save(npy, a)
    assert data == b"head" + a.tobytes() + npy.getvalue()
    with opener(path, "rb") as f:
        assert f.read(4) == b"head"
        assert arrayio.read(f, a.dtype, a.shape).tobytes() == a.tobytes()
        assert np.array_equal(arrayio.load(f), a)


class XorFile(io.RawIOBase):
    """A raw stream with a real fileno() that transforms every byte."""

    def __init__(self, path):
        self.f = open(path, "wb", buffering=0)

    def writable(self):
        return True

    def fileno(self):
        return self.f.fileno()

    def write(self, b):
        return self.f.write(bytes(x ^ 0x5A for x in bytes(b)))

    def close(self):
        self.f.close()
        super().close()


def test_custom_stream_with_fileno_goes_through_write(tmp_path):
    a = ARRAYS[2]
    with XorFile(tmp_path / "x.bin") as f:
        arrayio.write(f, a)
    assert bytes(x ^ 0x5A for x in (tmp_path / "x.bin").read_bytes()) == a.tobytes()


class BufferedSub(io.BufferedWriter):
    pass


def test_buffered_subclass_goes_through_write(tmp_path):
    a = ARRAYS[1]
    raw = open(tmp_path / "s.bin", "wb", buffering=0)
    with BufferedSub(raw) as f:
        f.write(b"<")
        arrayio.write(f, a)
        f.write(b">")
    assert (tmp_path / "s.bin").read_bytes() == b"<" + a.tobytes() + b">"


def test_spooled_and_bytesio(tmp_path):
    a = ARRAYS[3]
    for f in (io.BytesIO(), tempfile.SpooledTemporaryFile(max_size=10)):
        f.write(b"x")
        arrayio.write(f, a, order="F")
        f.seek(0)
        assert f.read() == b"x" + a.tobytes("F")


# -- objects that misbehave politely --

class KeepingWriter:
    """Keeps every memoryview it is handed, as a careless writer might."""

    def __init__(self):
        self.views, self.data = [], []

    def write(self, b):
        self.views.append(b)
        self.data.append(bytes(b))
        return len(b)


def test_kept_memoryview_cannot_see_later_data():
    a = np.arange(100000, dtype="<f8")[::2]
    w = KeepingWriter()
    arrayio.write(w, a, buffer_size=4096)
    assert b"".join(w.data) == a.tobytes()
    assert len(w.views) > 10
    for v in w.views:
        with pytest.raises(ValueError):
            bytes(v)          # released: it shows nothing, stale or new


class ExportingWriter:
    """Keeps numpy arrays over the buffers it is handed."""

    def __init__(self):
        self.arrays = []

    def write(self, b):
        self.arrays.append(np.frombuffer(b, np.uint8))
        return len(b)


def test_exported_buffers_keep_their_contents():
    a = np.arange(50000, dtype="<i4")[::-3]
    w = ExportingWriter()
    arrayio.write(w, a, buffer_size=1000)
    # each kept array still shows what was written through it
    assert b"".join(x.tobytes() for x in w.arrays) == a.tobytes()


class TrickleWriter:
    def __init__(self, n):
        self.n, self.out = n, bytearray()

    def write(self, b):
        k = min(self.n, len(b))
        self.out += bytes(b[:k])
        return k


class TrickleReader:
    def __init__(self, data, n):
        self.data, self.n, self.pos = data, n, 0

    def readinto(self, b):
        k = min(self.n, len(b), len(self.data) - self.pos)
        b[:k] = self.data[self.pos:self.pos + k]
        self.pos += k
        return k


@pytest.mark.parametrize("n", [1, 3, 1000])
def test_few_bytes_at_a_time(n):
    a = ARRAYS[1]
    w = TrickleWriter(n)
    assert arrayio.write(w, a) == a.nbytes
    assert bytes(w.out) == a.tobytes()
    out = np.empty_like(a)
    assert arrayio.readinto(TrickleReader(a.tobytes(), n), out) == a.nbytes
    assert out.tobytes() == a.tobytes()


class WouldBlockRaw(io.RawIOBase):
    """A non-blocking raw stream: accepts `room` bytes, then returns None."""

    def __init__(self, room):
        self.room, self.out = room, bytearray()

    def writable(self):
        return True

    def write(self, b):
        if self.room == 0:
            return None
        k = min(self.room, len(b))
        self.out += bytes(b[:k])
        self.room -= k
        return k


def test_raw_write_returning_none_is_blockingioerror():
    a = np.arange(1000, dtype="<f8")[::-1]
    w = WouldBlockRaw(3001)
    with pytest.raises(BlockingIOError) as info:
        arrayio.write(w, a, buffer_size=512)
    assert info.value.characters_written == 3001 == len(w.out)
    assert bytes(w.out) == a.tobytes()[:3001]


# -- sockets --

def drain_socket(s, sink):
    while True:
        b = s.recv(1 << 16)
        if not b:
            return
        sink.append(b)


@pytest.mark.parametrize("kind", ["socket", "makefile", "makefile-raw", "timeout"])
def test_sockets_both_ways(kind):
    a = np.arange(300000, dtype="<f8").reshape(600, 500)[:, ::-3]
    s1, s2 = socket.socketpair()
    with s1, s2:
        if kind == "timeout":
            s1.settimeout(10)
            s2.settimeout(10)
        sink = []
        t = threading.Thread(target=drain_socket, args=(s2, sink))
        t.start()
        if kind in ("socket", "timeout"):
            arrayio.write(s1, a)
        elif kind == "makefile":
            with s1.makefile("wb") as f:
                f.write(b"!")
                arrayio.write(f, a)
        else:
            with s1.makefile("wb", buffering=0) as f:
                f.write(b"!")
                arrayio.write(f, a)
        s1.shutdown(socket.SHUT_WR)
        t.join(10)
        data = b"".join(sink)
        assert data == (b"" if kind in ("socket", "timeout") else b"!") + a.tobytes()


def test_socket_reads():
    a = np.arange(70000, dtype=">i4")
    s1, s2 = socket.socketpair()
    with s1, s2:
        t = threading.Thread(target=lambda: (s1.sendall(b"@" + a.tobytes() + a.tobytes()),
                                             s1.shutdown(socket.SHUT_WR)))
        t.start()
        with s2.makefile("rb") as f:
            assert f.read(1) == b"@"
            assert np.array_equal(arrayio.read(f, ">i4", a.shape), a)
        out = np.empty(a.shape, ">i4")[::-1]
        arrayio.readinto(s2, out)           # straight from the descriptor
        assert np.array_equal(out, a)
        t.join(10)


def test_socket_timeout_reports_progress():
    a = np.zeros(4 << 20, np.uint8)
    s1, s2 = socket.socketpair()
    with s1, s2:
        s1.settimeout(0.2)
        with pytest.raises(TimeoutError) as info:
            arrayio.write(s1, a)
        n = info.value.bytes_written
        assert 0 < n < a.nbytes
        s2.setblocking(False)
        got = 0
        while True:
            try:
                got += len(s2.recv(1 << 20))
            except BlockingIOError:
                break
        assert got == n


def test_nonblocking_socket():
    a = np.arange(1 << 20, dtype="<u4")
    s1, s2 = socket.socketpair()
    with s1, s2:
        s1.setblocking(False)
        with pytest.raises(BlockingIOError) as info:
            arrayio.write(s1, a)
        n = info.value.characters_written
        assert info.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK)
        s2.setblocking(False)
        got = b""
        while True:
            try:
                got += s2.recv(1 << 20)
            except BlockingIOError:
                break
        assert got == a.tobytes()[:n]


# -- threads --

def test_two_blocked_writers_progress_together():
    """Two threads each blocked on a full pipe: the main thread drains both
    in turn, so each completes only if neither holds the GIL."""
    arrays = [np.arange(1 << 19, dtype="<f8")[::-1], np.arange(1 << 19, dtype="<i8")[::2]]
    pipes = [os.pipe(), os.pipe()]
    done = [threading.Event(), threading.Event()]

    def writer(i):
        arrayio.write(pipes[i][1], arrays[i])
        os.close(pipes[i][1])
        done[i].set()

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    got = [bytearray(), bytearray()]
    for fd in (pipes[0][0], pipes[1][0]):
        os.set_blocking(fd, False)
    deadline = time.monotonic() + 30
    while not all(e.is_set() for e in done) or any(
            len(g) < a.nbytes for g, a in zip(got, arrays)):
        assert time.monotonic() < deadline
        for i in range(2):
            try:
                got[i] += os.read(pipes[i][0], 1 << 16)
            except BlockingIOError:
                pass
    for i in range(2):
        os.close(pipes[i][0])
        assert bytes(got[i]) == arrays[i].tobytes()


def test_read_interrupted_by_signals_completes():
    import signal
    hits = []
    old = signal.signal(signal.SIGALRM, lambda *a: hits.append(1))
    r, w = os.pipe()
    a = np.arange(1000, dtype="<f8")

    def late():
        time.sleep(0.3)
        os.write(w, a.tobytes())
        os.close(w)

    t = threading.Thread(target=late)
    t.start()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.02, 0.02)
        got = arrayio.read(r, "<f8", 1000)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        t.join()
        os.close(r)
    assert np.array_equal(got, a) and len(hits) >= 3


def test_broken_pipe_reports_bytes():
    a = np.arange(1 << 20, dtype="<f8")[::2]
    r, w = os.pipe()
    got = bytearray()

    def reader():
        got.extend(os.read(r, 100000))
        os.close(r)   # the reader goes away mid-stream

    t = threading.Thread(target=reader)
    t.start()
    try:
        with pytest.raises(BrokenPipeError) as info:
            arrayio.write(w, a)
    finally:
        t.join()
        os.close(w)
    assert info.value.errno == errno.EPIPE
    assert info.value.bytes_written >= len(got) > 0
    assert bytes(got) == a.tobytes()[:len(got)]


def test_slow_subprocess_reader(tmp_path):
    import hashlib
    import subprocess
    import sys
    a = np.arange(2_000_000, dtype="<i4").reshape(1000, 2000).T[::-1]
    code = ("import sys, time, hashlib\n"
            "h = hashlib.sha256(); n = 0\n"
            "while True:\n"
            "    b = sys.stdin.buffer.read1(50000)\n"
            "    if not b: break\n"
            "    h.update(b); n += len(b); time.sleep(0.001)\n"
            "print(n, h.hexdigest())\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    p.stdin.write(b"x")                 # buffered in Python, flushed first
    arrayio.write(p.stdin, a)
    p.stdin.close()
    out = p.stdout.read().decode().split()
    p.wait()
    assert out == [str(a.nbytes + 1), hashlib.sha256(b"x" + a.tobytes()).hexdigest()]
