"""Bad input: a clear exception, and nothing written that is not reported."""
import errno
import io
import os

import numpy as np
import pytest

import arrayio


def test_object_dtypes_refused(tmp_path):
    path = tmp_path / "o.bin"
    for a in (np.array([1, None], dtype=object),
              np.zeros(3, dtype=[("a", "<i4"), ("b", object)])):
        with pytest.raises(TypeError, match="Python objects"):
            arrayio.write(path, a)
        assert not path.exists()
        with pytest.raises(TypeError, match="Python objects"):
            arrayio.copyto(np.empty_like(a), a)
        with pytest.raises(TypeError, match="Python objects"):
            arrayio.readinto(io.BytesIO(b"\0" * a.nbytes), np.empty_like(a))
        with pytest.raises(TypeError, match="Python objects"):
            arrayio.read(io.BytesIO(b"\0" * a.nbytes), a.dtype, a.shape)


def test_not_an_array():
    with pytest.raises(TypeError, match="buffer protocol, not list"):
        arrayio.write(io.BytesIO(), [1, 2, 3])
    with pytest.raises(TypeError, match="buffer protocol, not int"):
        arrayio.copyto(np.zeros(3), 5)


def test_read_only_out(tmp_path):
    path = tmp_path / "r.bin"
    path.write_bytes(b"\1" * 80)
    a = np.zeros(10)
    a.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        arrayio.readinto(path, a)
    with pytest.raises(ValueError, match="out is read-only"):
        arrayio.readinto(path, b"\0" * 80)
    with pytest.raises(ValueError, match="dst is read-only"):
        arrayio.copyto(a, np.ones(10))
    assert not a.any()


def test_bad_order_and_buffer_size():
    a = np.zeros(4)
    for bad in ("K", "c", None, 1):
        with pytest.raises(ValueError, match="order must be 'C', 'F' or 'A'"):
            arrayio.write(io.BytesIO(), a, order=bad)
    with pytest.raises(ValueError, match="order must be 'C' or 'F'"):
        arrayio.read(io.BytesIO(bytes(32)), "f8", 4, order="A")
    for bad in (0, -5):
        with pytest.raises(ValueError, match="buffer_size must be at least 1"):
            arrayio.write(io.BytesIO(), a, buffer_size=bad)
    with pytest.raises(TypeError, match="buffer_size"):
        arrayio.write(io.BytesIO(), a, buffer_size=2.5)
    with pytest.raises(ValueError, match="buffersize must be at least 1"):
        arrayio.write_array_to_file(a, io.BytesIO(), buffersize=0)


def test_bad_shapes():
    with pytest.raises(ValueError, match="negative dimension"):
        arrayio.read(io.BytesIO(), "f8", (2, -1))
    with pytest.raises(TypeError, match="shape must be"):
        arrayio.read(io.BytesIO(), "f8", (2.5,))


def test_text_and_closed_files(tmp_path):
    a = np.zeros(3)
    with open(tmp_path / "t.txt", "w") as f:
        with pytest.raises(TypeError, match="text stream.*'wb'"):
            arrayio.write(f, a)
    with open(tmp_path / "t.txt", "r") as f:
        with pytest.raises(TypeError, match="text stream.*'rb'"):
            arrayio.read(f, "f8", 3)
    with pytest.raises(TypeError, match="text stream"):
        arrayio.write(io.StringIO(), a)
    f = open(tmp_path / "c.bin", "wb")
    f.close()
    with pytest.raises(ValueError, match="closed file"):
        arrayio.write(f, a)
    g = io.BytesIO()
    g.close()
    with pytest.raises(ValueError, match="closed file"):
        arrayio.readinto(g, np.zeros(3))
    with open(tmp_path / "c.bin", "rb") as f:
        with pytest.raises(io.UnsupportedOperation):
            arrayio.write(f, a)
    with pytest.raises(ValueError, match="file descriptor must be >= 0"):
        arrayio.write(-3, a)
    with pytest.raises(TypeError, match="no write"):
        arrayio.write(object(), a)


def test_copyto_mismatch_names_both():
    with pytest.raises(ValueError, match=r"dst has float64, src has int64"):
        arrayio.copyto(np.zeros(3), np.arange(3, dtype=np.int64))
    with pytest.raises(ValueError, match=r"\(4,\) cannot be broadcast to dst of shape \(3,\)"):
        arrayio.copyto(np.zeros(3), np.zeros(4))


def test_short_read_counts(tmp_path):
    path = tmp_path / "short.bin"
    path.write_bytes(bytes(range(100)))
    with pytest.raises(arrayio.ShortReadError) as info:
        arrayio.read(path, "<f8", (4, 4))
    assert info.value.expected == 128 and info.value.got == 100
    assert isinstance(info.value, EOFError) and isinstance(info.value, ValueError)
    assert "100 of the 128 bytes" in str(info.value)
    # a huge declared size is refused before any allocation
    with pytest.raises(arrayio.ShortReadError, match="after 100 of the"):
        arrayio.read(path, "<f8", (10**6, 10**6))


@pytest.mark.parametrize("kind", ["bytesio", "pipe"])
def test_short_read_keeps_what_arrived(kind):
    data = bytes(range(1, 101))
    out = np.zeros(20, dtype="<u8")[::-1]       # strided: staged path
    if kind == "bytesio":
        src = io.BytesIO(data)
        with pytest.raises(arrayio.ShortReadError) as info:
            arrayio.readinto(src, out)
    else:
        r, w = os.pipe()
        os.write(w, data)
        os.close(w)
        try:
            with pytest.raises(arrayio.ShortReadError) as info:
                arrayio.readinto(r, out)
        finally:
            os.close(r)
    assert (info.value.expected, info.value.got) == (160, 100)
    got = out.tobytes()
    assert got[:100] == data and got[100:] == bytes(60)


def test_disk_full_reports_bytes():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    a = np.arange(1000.0)
    with open("/dev/full", "wb", buffering=0) as f:
        with pytest.raises(OSError) as info:
            arrayio.write(f, a[::2])
    assert info.value.errno == errno.ENOSPC
    assert info.value.bytes_written == 0
    assert info.value.filename == "/dev/full"
    assert "0 of 4000 bytes written" in str(info.value)


def test_bad_fd():
    r, w = os.pipe()
    os.close(w)
    try:
        with pytest.raises(OSError) as info:
            arrayio.write(r, np.zeros(3))    # read end: EBADF
        assert info.value.errno == errno.EBADF
        assert info.value.bytes_written == 0
    finally:
        os.close(r)


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError):
        arrayio.read(tmp_path / "nope.bin", "f8", 3)
    with pytest.raises(FileNotFoundError):
        arrayio.write(tmp_path / "no" / "dir.bin", np.zeros(3))


def test_zero_itemsize_and_empty(tmp_path):
    a = np.zeros(5, dtype=[])          # itemsize 0
    assert arrayio.write(tmp_path / "z.bin", a) == 0
    assert (tmp_path / "z.bin").read_bytes() == b""
    e = np.zeros((3, 0, 2))
    assert arrayio.write(tmp_path / "e.bin", e.T) == 0
    back = arrayio.read(tmp_path / "e.bin", "f8", (3, 0, 2))
    assert back.shape == (3, 0, 2)
    assert arrayio.readinto(io.BytesIO(), np.zeros((0, 4))) == 0
