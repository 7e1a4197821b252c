"""write / read / readinto against numpy's tobytes and frombuffer."""
import array
import io
import mmap
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arrayio
from strategies import arrays, same_bytes, writable_arrays

ORDERS = ["C", "F", "A"]


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def expected_order(a, order):
    if order == "A":
        return "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    return order


# -- every layout, every dtype, every order, through every kind of target --

TARGETS = ["path", "fd", "fileio", "buffered", "bytesio", "duck"]


class DuckWriter:
    """A writer with only write(), returning None, as many file-likes do."""

    def __init__(self):
        self.parts = []

    def write(self, b):
        self.parts.append(bytes(b))

    def getvalue(self):
        return b"".join(self.parts)


def write_to(target, tmp_path, a, **kw):
    path = tmp_path / "out.bin"
    if target == "path":
        n = arrayio.write(path, a, **kw)
        return n, file_bytes(path)
    if target == "fd":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            n = arrayio.write(fd, a, **kw)
        finally:
            os.close(fd)
        return n, file_bytes(path)
    if target == "fileio":
        with open(path, "wb", buffering=0) as f:
            n = arrayio.write(f, a, **kw)
        return n, file_bytes(path)
    if target == "buffered":
        with open(path, "wb") as f:
            n = arrayio.write(f, a, **kw)
        return n, file_bytes(path)
    if target == "bytesio":
        f = io.BytesIO()
        n = arrayio.write(f, a, **kw)
        return n, f.getvalue()
    f = DuckWriter()
    n = arrayio.write(f, a, **kw)
    return n, f.getvalue()


@given(a=arrays(), order=st.sampled_from(ORDERS), target=st.sampled_from(TARGETS),
       buffer_size=st.sampled_from([None, 1, 7, 64, 4096]))
def test_write_equals_tobytes(tmp_path_factory, a, order, target, buffer_size):
    tmp = tmp_path_factory.mktemp("w")
    n, data = write_to(target, tmp, a, order=order, buffer_size=buffer_size)
    expect = a.tobytes(order)
    assert same_bytes(data, expect, a.dtype)
    assert n == len(expect)


@given(a=arrays(), order=st.sampled_from(["C", "F"]), source=st.sampled_from(["path", "fd", "buffered", "bytesio"]))
def test_read_equals_frombuffer(tmp_path_factory, a, order, source):
    data = a.tobytes(order)
    path = tmp_path_factory.mktemp("r") / "in.bin"
    path.write_bytes(data + b"trailing")
    if source == "path":
        got = arrayio.read(path, a.dtype, a.shape, order=order)
    elif source == "fd":
        fd = os.open(path, os.O_RDONLY)
        try:
            got = arrayio.read(fd, a.dtype, a.shape, order=order)
            assert os.lseek(fd, 0, os.SEEK_CUR) == len(data)
        finally:
            os.close(fd)
    elif source == "buffered":
        with open(path, "rb") as f:
            got = arrayio.read(f, a.dtype, a.shape, order=order)
            assert f.read() == b"trailing"
    else:
        f = io.BytesIO(data + b"trailing")
        got = arrayio.read(f, a.dtype, a.shape, order=order)
        assert f.read() == b"trailing"
    ref = np.frombuffer(data, dtype=a.dtype).reshape(a.shape, order=order) if a.size else np.empty(a.shape, a.dtype)
    assert got.dtype == a.dtype and got.shape == a.shape
    assert got.tobytes(order) == data  # contiguous: a plain memory image
    assert same_bytes(got.tobytes(order), ref.tobytes(order), a.dtype)
    assert got.flags.c_contiguous if order == "C" else got.flags.f_contiguous


@given(data=st.data(), order=st.sampled_from(ORDERS), via=st.sampled_from(["path", "bytesio", "buffered"]))
def test_readinto_any_layout(tmp_path_factory, data, order, via):
    src = data.draw(arrays(max_dims=3))
    out = data.draw(writable_arrays(src.dtype, src.shape))
    stream = src.tobytes(expected_order(out, order))
    path = tmp_path_factory.mktemp("ri") / "in.bin"
    path.write_bytes(stream)
    if via == "path":
        n = arrayio.readinto(path, out, order=order)
    elif via == "bytesio":
        n = arrayio.readinto(io.BytesIO(stream), out, order=order)
    else:
        with open(path, "rb") as f:
            n = arrayio.readinto(f, out, order=order)
    assert n == len(stream)
    assert same_bytes(out.tobytes(expected_order(out, order)), stream, src.dtype)


def test_f_contiguous_orders(tmp_path):
    a = np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4))
    for order in ORDERS:
        n, data = write_to("path", tmp_path, a, order=order)
        assert data == a.tobytes(order)
    assert write_to("path", tmp_path, a, order="A")[1] == a.tobytes("F")


def test_large_transposed_and_strided(tmp_path):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((700, 900))
    for view in (a.T, a[::3, ::-2], a[:, 5:700], np.broadcast_to(a[0], (50, 900))):
        for target in ("path", "bytesio"):
            n, data = write_to(target, tmp_path, view)
            assert data == view.tobytes()
        path = tmp_path / "x.bin"
        arrayio.write(path, view, order="F")
        back = arrayio.read(path, view.dtype, view.shape, order="F")
        assert np.array_equal(back, view)


# -- buffer-protocol inputs, taken without a copy --

@pytest.mark.parametrize("make", [
    lambda: b"hello world",
    lambda: bytearray(b"\x00\x01\x02\x03" * 10),
    lambda: array.array("d", [1.5, -2.0, 3.25]),
    lambda: array.array("h", range(-50, 50)),
    lambda: memoryview(np.arange(60, dtype="<u4").reshape(6, 10)[::2, ::-3]),
    lambda: memoryview(b"abcdefgh")[::-2],
    lambda: np.float64(3.5),
])
def test_buffer_objects(tmp_path, make):
    obj = make()
    expect = np.asarray(memoryview(obj)).tobytes()
    for target in TARGETS:
        n, data = write_to(target, tmp_path, obj)
        assert data == expect


def test_mmap_source_and_target(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(bytes(range(256)) * 16)
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        out = tmp_path / "copy.bin"
        assert arrayio.write(out, m) == 4096
        assert file_bytes(out) == bytes(range(256)) * 16
        # readinto an mmap: writes go to the mapped file
        src = tmp_path / "src.bin"
        src.write_bytes(b"\xab" * 4096)
        assert arrayio.readinto(src, m) == 4096
        m.flush()
    assert file_bytes(path) == b"\xab" * 4096


def test_readinto_bytearray_and_memoryview(tmp_path):
    path = tmp_path / "in.bin"
    path.write_bytes(bytes(range(20)))
    buf = bytearray(20)
    assert arrayio.readinto(path, buf) == 20
    assert buf == bytes(range(20))
    back = bytearray(40)
    arrayio.readinto(path, memoryview(back)[::2])
    assert bytes(back[::2]) == bytes(range(20)) and bytes(back[1::2]) == bytes(20)


# -- positions: mixing plain calls with arrayio calls on one object --

@pytest.mark.parametrize("mode", ["wb", "w+b", "ab", "wb0"])
def test_interleaved_writes(tmp_path, mode):
    a = np.arange(30.0).reshape(5, 6)
    path = tmp_path / "mix.bin"
    buffering = 0 if mode.endswith("0") else -1
    with open(path, mode.rstrip("0"), buffering=buffering) as f:
        f.write(b"head")
        arrayio.write(f, a.T)
        f.write(b"mid")
        arrayio.write(f, a)
        arrayio.write(f, a[::2], order="F")
        f.write(b"tail")
        f.flush()
        assert f.tell() == len(file_bytes(path))
    expect = b"head" + a.T.tobytes() + b"mid" + a.tobytes() + a[::2].tobytes("F") + b"tail"
    assert file_bytes(path) == expect


def test_overwrite_in_middle_read_write_file(tmp_path):
    """r+b with a read-ahead buffer: write lands at the logical position and
    later reads do not see stale bytes."""
    path = tmp_path / "rw.bin"
    path.write_bytes(bytes(range(200)))
    a = np.full(10, 0xEE, np.uint8)
    with open(path, "r+b") as f:
        assert f.read(5) == bytes(range(5))      # buffer now holds more
        arrayio.write(f, a[::-1])
        assert f.tell() == 15
        assert f.read(3) == bytes([15, 16, 17])
        f.seek(5)
        assert f.read(10) == b"\xee" * 10        # not the stale buffer
    assert file_bytes(path) == bytes(range(5)) + b"\xee" * 10 + bytes(range(15, 200))


def test_interleaved_reads(tmp_path):
    a = np.arange(12, dtype="<i8").reshape(3, 4)
    path = tmp_path / "r.bin"
    path.write_bytes(b"xy" + a.tobytes() + b"z" + a.T.tobytes() + b"end")
    with open(path, "rb") as f:
        assert f.read(2) == b"xy"
        b1 = arrayio.read(f, "<i8", (3, 4))
        assert f.read(1) == b"z"
        out = np.empty((4, 3), "<i8")
        arrayio.readinto(f, out)
        assert f.read() == b"end"
    assert np.array_equal(b1, a) and np.array_equal(out, a.T)


def test_fd_position_advances(tmp_path):
    a = np.arange(10, dtype="<u2")
    path = tmp_path / "fd.bin"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        os.write(fd, b"12")
        assert arrayio.write(fd, a[::-1]) == 20
        assert os.lseek(fd, 0, os.SEEK_CUR) == 22
        os.write(fd, b"34")
    finally:
        os.close(fd)
    assert file_bytes(path) == b"12" + a[::-1].tobytes() + b"34"


# -- write_array_to_file: arraykit's call --

@pytest.mark.parametrize("make", [
    lambda: np.arange(24.0).reshape(4, 6),
    lambda: np.arange(24.0).reshape(4, 6).T,
    lambda: np.arange(120, dtype="<i2").reshape(4, 5, 6)[::-1, ::2, 1:],
    lambda: np.array(["ab", "cde"], dtype="U3"),
    lambda: np.zeros((0, 3)),
])
@pytest.mark.parametrize("fortran_order", [False, True])
@pytest.mark.parametrize("buffersize", [1, 3, 8192])
def test_write_array_to_file(tmp_path, make, fortran_order, buffersize):
    a = make()
    f = io.BytesIO()
    assert arrayio.write_array_to_file(a, f, fortran_order=fortran_order, buffersize=buffersize) is None
    assert f.getvalue() == a.tobytes("F" if fortran_order else "C")
    with open(tmp_path / "w.bin", "wb") as g:
        arrayio.write_array_to_file(a, g, fortran_order=fortran_order, buffersize=buffersize)
    assert file_bytes(tmp_path / "w.bin") == a.tobytes("F" if fortran_order else "C")


def test_write_array_to_file_matches_arraykit(tmp_path):
    ak = pytest.importorskip("arraykit")
    cases = [np.arange(24.0).reshape(4, 6), np.asfortranarray(np.arange(24.0).reshape(4, 6)),
             np.arange(120, dtype="<i2").reshape(4, 5, 6)[::-1, ::2, 1:], np.arange(7, dtype="u1")]
    for a in cases:
        # numpy.lib.format's rule for the flag, under which the two agree
        fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
        for fo in {fortran, False}:
            f1, f2 = io.BytesIO(), io.BytesIO()
            ak.write_array_to_file(a, f1, fortran_order=fo)
            arrayio.write_array_to_file(a, f2, fortran_order=fo)
            assert f1.getvalue() == f2.getvalue()
    with pytest.raises(ValueError, match="buffersize"):
        arrayio.write_array_to_file(cases[0], io.BytesIO(), buffersize=0)


# -- copyto --

@given(data=st.data())
def test_copyto_matches_numpy(data):
    src = data.draw(arrays(max_dims=3))
    if src.ndim and data.draw(st.booleans()):
        src = src[tuple(slice(0, 1) for _ in range(src.ndim - 1))]  # broadcastable
    dst_shape = tuple(n if n != 1 or not data.draw(st.booleans()) else data.draw(st.integers(0, 3))
                      for n in src.shape)
    dst = data.draw(writable_arrays(src.dtype, dst_shape))
    ref = dst.copy()
    np.copyto(ref, src)
    arrayio.copyto(dst, src)
    assert same_bytes(dst.tobytes(), ref.tobytes(), dst.dtype)


def test_copyto_overlapping():
    for k in range(5):
        a = np.arange(100.0)
        b = a.copy()
        np.copyto(b[1:], b[:-1].copy())
        arrayio.copyto(a[1:], a[:-1])
        assert np.array_equal(a, b)
    m = np.arange(36, dtype="<i4").reshape(6, 6)
    expect = m.T.copy()
    arrayio.copyto(m, m.T)        # transpose in place
    assert np.array_equal(m, expect)
    r = np.arange(10, dtype="u1")
    arrayio.copyto(r, r[::-1])
    assert r.tolist() == list(range(9, -1, -1))
