"""Cases found in review, each compared with numpy or with the bytes that
really moved."""
import ctypes
import io
import os
import socket

import numpy as np
import pytest

import arrayio


@pytest.mark.parametrize("make", [
    lambda: np.matrix([[1, 2, 3], [4, 5, 6]], dtype=np.int16),
    lambda: np.ma.arange(6, dtype=np.int32).reshape(2, 3),
    lambda: np.matrix(np.arange(12.0).reshape(3, 4)).T,
])
def test_ndarray_subclasses(tmp_path, make):
    a = make()
    expect = np.asarray(a).tobytes()
    for target in (io.BytesIO(), tmp_path / "s.bin"):
        arrayio.write(target, a)
        got = target.getvalue() if isinstance(target, io.BytesIO) else target.read_bytes()
        assert got == expect
    out = np.matrix(np.zeros(np.asarray(a).shape, np.asarray(a).dtype))
    assert arrayio.readinto(io.BytesIO(expect), out) == len(expect)
    assert np.asarray(out).tobytes() == expect


def test_read_subarray_dtype_fortran_order():
    """Each item is a block of 2 int32s; `order` orders the items only."""
    dt = np.dtype(("<i4", (2,)))
    for shape in ((3,), (3, 2)):
        count = int(np.prod(shape))
        chunk = np.arange(2 * count, dtype="<i4").tobytes()
        items = np.frombuffer(chunk, "<i4").reshape(count, 2)
        for order in ("C", "F"):
            got = arrayio.read(io.BytesIO(chunk), dt, shape, order=order)
            assert got.shape == shape + (2,)
            for idx in np.ndindex(*shape):
                k = np.ravel_multi_index(idx, shape, order=order)
                assert got[idx].tolist() == items[k].tolist()


@pytest.mark.parametrize("via", ["path", "fd", "buffered", "bytesio"])
@pytest.mark.parametrize("strided", [False, True])
def test_readinto_short_stores_what_arrived(tmp_path, via, strided):
    data = bytes(range(1, 11))
    path = tmp_path / "short.bin"
    path.write_bytes(data)
    out = np.zeros(4, "<u4")[::-1] if strided else np.zeros(4, "<u4")
    with pytest.raises(arrayio.ShortReadError) as info:
        if via == "path":
            arrayio.readinto(path, out)
        elif via == "fd":
            fd = os.open(path, os.O_RDONLY)
            try:
                arrayio.readinto(fd, out)
            finally:
                os.close(fd)
        elif via == "buffered":
            with open(path, "rb") as f:
                arrayio.readinto(f, out)
                assert f.tell() == 10
        else:
            arrayio.readinto(io.BytesIO(data), out)
    assert (info.value.expected, info.value.got) == (16, 10)
    assert out.tobytes() == data + bytes(6)


def test_blockingioerror_through_socket_makefile():
    s1, s2 = socket.socketpair()
    try:
        s1.setblocking(False)
        f = s1.makefile("wb")
        a = np.arange(300000.0)[::3]
        with pytest.raises(BlockingIOError) as info:
            arrayio.write(f, a, buffer_size=4096)
        n = info.value.characters_written
        assert n == info.value.bytes_written > 0
        s2.setblocking(False)
        got = b""
        while True:
            try:
                chunk = s2.recv(1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                break
            got += chunk
        # what the peer has plus what BufferedWriter still holds == reported
        assert a.tobytes().startswith(got)
        assert len(got) <= n
    finally:
        s1.close()
        s2.close()


def test_bad_buffer_size_leaves_file_alone(tmp_path):
    path = tmp_path / "keep.bin"
    path.write_bytes(b"precious")
    a = np.arange(10.0)
    with pytest.raises(ValueError, match="buffer_size"):
        arrayio.write(path, a[::2], buffer_size=2**64)
    assert path.read_bytes() == b"precious"
    arrayio.write_array_to_file(a[::2], io.BytesIO(), buffersize=2**62)  # capped, not an error


class FailingReader(io.RawIOBase):
    """Gives `good` bytes, then fails with EIO."""

    def __init__(self, data, good):
        self.data, self.good, self.pos = data, good, 0

    def readable(self):
        return True

    def readinto(self, b):
        if self.pos >= self.good:
            raise OSError(5, "Input/output error")
        k = min(len(b), self.good - self.pos, 7)
        b[:k] = self.data[self.pos:self.pos + k]
        self.pos += k
        return k


def test_read_error_keeps_bytes_and_reports_them():
    data = bytes(range(64))
    out = np.zeros(8, "<u8")[::-1]
    with pytest.raises(OSError) as info:
        arrayio.readinto(FailingReader(data, 40), out)
    assert info.value.bytes_read == 40
    assert out.tobytes()[:40] == data[:40] and out.tobytes()[40:] == bytes(24)


def test_unsized_flexible_dtype_refused():
    for dt in ("S", "U", "V"):
        with pytest.raises(ValueError, match="has no size"):
            arrayio.read(io.BytesIO(b"x" * 10), dt, 3)


def test_buffer_numpy_cannot_describe(tmp_path):
    a = (ctypes.c_void_p * 4)(1, 2, 3, 0xFFFF)
    expect = bytes(memoryview(a))
    arrayio.write(tmp_path / "p.bin", a)
    assert (tmp_path / "p.bin").read_bytes() == expect
    b = (ctypes.c_void_p * 4)()
    arrayio.readinto(tmp_path / "p.bin", b)
    assert list(b) == [1, 2, 3, 0xFFFF]


def test_copyto_into_overlapping_destination_matches_numpy():
    src = np.arange(1600, dtype=np.uint64).reshape(40, 40).T.copy().T   # strides (8, 320)
    b1 = np.zeros(2000, np.uint8)
    b2 = b1.copy()
    d1 = np.ndarray((40, 40), np.uint64, buffer=b1, strides=(8, 4))
    d2 = np.ndarray((40, 40), np.uint64, buffer=b2, strides=(8, 4))
    arrayio.copyto(d1, src)
    np.copyto(d2, src)
    assert (b1 == b2).all()


def test_load_and_read_through_socket_with_timeout():
    import threading
    a = np.arange(5000, dtype="<f8").reshape(50, 100)
    data = io.BytesIO()
    np.save(data, a)
    for timeout in (5, None):
        s1, s2 = socket.socketpair()
        with s1, s2:
            s2.settimeout(timeout)
            t = threading.Thread(target=lambda: (s1.sendall(data.getvalue() + a.tobytes()),
                                                 s1.shutdown(socket.SHUT_WR)))
            t.start()
            assert np.array_equal(arrayio.load(s2), a)
            assert np.array_equal(arrayio.read(s2, "<f8", a.shape), a)
            t.join(10)


def test_small_save_progress_counts_the_header():
    a = np.arange(7000, dtype="<f8")          # 56 KB: the small path
    r, w = os.pipe()
    try:
        os.set_blocking(w, False)
        while True:                       # fill the pipe, then free 20000 bytes
            try:
                os.write(w, b"\0" * 4096)
            except BlockingIOError:
                break
        os.read(r, 20000)
        f = os.fdopen(w, "wb")
        with pytest.raises(BlockingIOError) as info:
            arrayio.save(f, a)
        assert info.value.bytes_written == info.value.characters_written > 128
    finally:
        os.close(r)
        try:
            f.close()
        except OSError:
            pass
    if os.path.exists("/dev/full"):
        with open("/dev/full", "wb") as g:
            with pytest.raises(OSError) as info:
                arrayio.save(g, np.arange(100000, dtype="<f8")[::2])
            assert isinstance(info.value.bytes_written, int)


def test_small_save_of_padded_strided_items_writes_their_bytes():
    dt = np.dtype({"names": ["a"], "formats": ["<i4"], "itemsize": 8})
    raw = np.arange(48, dtype=np.uint8)
    arr = raw.view(dt)[::-1]
    f = io.BytesIO()
    arrayio.save(f, arr)
    data = f.getvalue()
    ref = io.BytesIO()
    np.save(ref, arr)
    n = len(ref.getvalue()) - arr.nbytes
    assert data[:n] == ref.getvalue()[:n]
    # the items' own bytes, padding included, in C order
    assert data[n:] == b"".join(raw[i * 8:i * 8 + 8].tobytes() for i in range(5, -1, -1))
