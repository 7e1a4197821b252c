"""pack / unpack / write_many against numpy.load of the same bytes."""
import io
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arrayio
from strategies import arrays, same_bytes


def npy_records(data):
    """numpy.load called repeatedly: the reference reader of the stream."""
    f = io.BytesIO(bytes(data))
    out = []
    while f.tell() < len(data):
        out.append(np.load(f))
    return out


def data_offsets(data):
    """Where each record's data starts, from the headers' own lengths."""
    f, offs = io.BytesIO(bytes(data)), []
    while f.tell() < len(data):
        start = f.tell()
        major = data[start + 6]
        hl = int.from_bytes(data[start + 8:start + (10 if major == 1 else 12)], "little")
        dstart = start + (10 if major == 1 else 12) + hl
        offs.append(dstart)
        f.seek(start)
        a = np.load(f)
        assert f.tell() == dstart + a.nbytes
    return offs


@given(st.lists(arrays(max_dims=3), max_size=6))
def test_pack_is_numpy_loadable_and_aligned(arrs):
    data = arrayio.pack(arrs)
    assert len(data) == arrayio.packed_size(arrs)
    back = npy_records(data)
    assert len(back) == len(arrs)
    for a, b in zip(arrs, back):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert same_bytes(np.ascontiguousarray(b).tobytes(), a.tobytes(), a.dtype)
    assert all(o % 64 == 0 for o in data_offsets(data))


@given(st.lists(arrays(max_dims=3), max_size=6), st.booleans())
def test_unpack_views_the_buffer(arrs, readonly):
    data = arrayio.pack(arrs)
    buf = bytes(data) if readonly else data
    got = arrayio.unpack(buf)
    ref = npy_records(data)
    assert len(got) == len(arrs)
    whole = np.frombuffer(buf, np.uint8)
    for g, r in zip(got, ref):
        assert g.dtype == r.dtype and g.shape == r.shape
        assert g.tobytes("A") == np.asarray(r).tobytes("A") or same_bytes(
            g.tobytes("A"), r.tobytes("A"), r.dtype)
        if g.nbytes:
            assert np.shares_memory(g, whole)          # a view, not a copy
            assert g.flags.writeable == (not readonly)


def test_pack_large_buffer_is_fully_written():
    # past the size where pack's new buffer is left uninitialised: every
    # byte must come from a header or an array
    rng = np.random.default_rng(5)
    arrs = [rng.standard_normal((300, 257)).T, np.arange(1_000_001, dtype=np.int8)[::3],
            rng.standard_normal((3, 5, 7)), np.zeros(0), rng.integers(0, 9, (1 << 19,))]
    data = arrayio.pack(arrs)
    assert type(data) is bytearray and len(data) == arrayio.packed_size(arrs) > 4 << 20
    for got, a in zip(npy_records(data), arrs):
        assert got.dtype == a.dtype and np.array_equal(got, a)


def test_pack_into_out():
    arrs = [np.arange(10.0), np.arange(6, dtype="<i4").reshape(2, 3).T]
    n = arrayio.packed_size(arrs)
    out = bytearray(n + 10)
    out[-10:] = b"x" * 10
    assert arrayio.pack(arrs, out=out) is out
    assert out[-10:] == b"x" * 10
    assert bytes(out[:n]) == bytes(arrayio.pack(arrs))
    with pytest.raises(ValueError, match=f"need {n}"):
        arrayio.pack(arrs, out=bytearray(n - 1))
    with pytest.raises(ValueError, match="read-only"):
        arrayio.pack(arrs, out=bytes(n))
    with pytest.raises(ValueError, match="contiguous"):
        arrayio.pack(arrs, out=np.zeros(2 * n, np.uint8)[::2])
    with pytest.raises(TypeError, match="Python objects"):
        arrayio.pack([np.array([None])])
    m = np.zeros(n, np.uint64)                       # any writable buffer
    arrayio.pack(arrs, out=m)
    assert m.tobytes()[:n] == bytes(arrayio.pack(arrs))
    a = np.zeros(4096, np.uint8)
    with pytest.raises(ValueError, match="overlaps"):
        arrayio.pack([a[100:200]], out=a)


def test_unpack_errors_name_the_record():
    arrs = [np.arange(10.0), np.arange(3, dtype="<i2"), np.zeros((2, 2))]
    data = bytes(arrayio.pack(arrs))
    offs = data_offsets(data)
    for cut in (5, offs[0] + 3, len(data) - 1):
        with pytest.raises(ValueError, match=r"record \d+ at byte \d+: truncated"):
            arrayio.unpack(data[:cut])
    bad = bytearray(data)
    second = offs[0] + 80                              # start of record 1
    bad[second:second + 6] = b"NOTNPY"
    with pytest.raises(ValueError, match=f"record 1 at byte {second}: .*not a .npy"):
        arrayio.unpack(bytes(bad))
    assert arrayio.unpack(b"") == []
    with pytest.raises(ValueError, match="Python objects"):
        f = io.BytesIO()
        np.save(f, np.array([None]), allow_pickle=True)
        arrayio.unpack(f.getvalue())


@given(st.data())
def test_unpack_mutations_never_crash(data):
    arrs = data.draw(st.lists(arrays(max_dims=2), min_size=1, max_size=3))
    raw = bytearray(arrayio.pack(arrs))
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[:data.draw(st.integers(0, len(raw)))]
    try:
        got = arrayio.unpack(bytes(raw))
    except ValueError:
        return
    total = sum(g.nbytes for g in got)
    assert total <= len(raw)


@pytest.mark.parametrize("target", ["path", "fd", "bytesio", "buffered"])
def test_write_many_equals_pack(tmp_path, target):
    rng = np.random.default_rng(3)
    big = rng.standard_normal((300, 400))
    arrs = [np.arange(5.0), big.T, big[::3, ::-2], big, np.zeros((0, 2)),
            np.array("text"), np.arange(20, dtype=">u2")[::3]] + [np.arange(i) for i in range(50)]
    expect = bytes(arrayio.pack(arrs))
    path = tmp_path / "many.bin"
    if target == "path":
        n = arrayio.write_many(path, arrs)
        got = path.read_bytes()
    elif target == "fd":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            n = arrayio.write_many(fd, arrs)
        finally:
            os.close(fd)
        got = path.read_bytes()
    elif target == "bytesio":
        f = io.BytesIO()
        n = arrayio.write_many(f, arrs)
        got = f.getvalue()
    else:
        with open(path, "wb") as f:
            f.write(b"")
            n = arrayio.write_many(f, arrs)
        got = path.read_bytes()
    assert n == len(expect) and got == expect


def test_write_many_disk_full_reports_bytes():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with pytest.raises(OSError) as info:
        arrayio.write_many("/dev/full", [np.arange(10.0), np.arange(10.0)])
    assert info.value.bytes_written == 0
