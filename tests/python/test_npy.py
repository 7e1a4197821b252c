"""save/load/open_npy/map_array against numpy.save, numpy.load and slicing."""
import io
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arrayio
from strategies import arrays, same_bytes


def np_save_bytes(a, **kw):
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.save(f, a, **kw)
    return f.getvalue()


def ours_bytes(a, target, tmp, **kw):
    if target == "bytesio":
        f = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arrayio.save(f, a, **kw)
        return f.getvalue()
    path = tmp / "a.npy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if target == "path":
            arrayio.save(path, a, **kw)
        elif target == "fd":
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            try:
                arrayio.save(fd, a, **kw)
            finally:
                os.close(fd)
        else:
            with open(path, "wb") as f:
                f.write(b"")
                arrayio.save(f, a, **kw)
    return path.read_bytes()


def header_len(data):
    return (10 + int.from_bytes(data[8:10], "little") if data[6] == 1
            else 12 + int.from_bytes(data[8:12], "little"))


@given(a=arrays(), target=st.sampled_from(["path", "fd", "buffered", "bytesio"]))
def test_save_bytes_equal_numpy(tmp_path_factory, a, target):
    expect = np_save_bytes(a)
    got = ours_bytes(a, target, tmp_path_factory.mktemp("s"))
    n = header_len(expect)
    assert got[:n] == expect[:n]                     # header: byte for byte
    assert same_bytes(got[n:], expect[n:], a.dtype)  # data (padding aside)
    assert len(got) == len(expect)


@pytest.mark.parametrize("make", [
    lambda: np.zeros(1, [("f%05d" % i, "<f4") for i in range(3000)]),      # header > 64 KiB: 2.0
    lambda: np.arange(6, dtype=np.int16).view([("\u0436\u0443\u043a", "<i2")]),  # 3.0
    lambda: np.arange(6, dtype=np.int16).view([("caf\u00e9", "<i2")]),      # latin-1: 1.0
    lambda: np.arange(24, dtype=">f8").reshape(2, 3, 4).transpose(2, 0, 1),
    lambda: np.asfortranarray(np.arange(20, dtype="<c16").reshape(4, 5)),
    lambda: np.array(["a", "bcd"], dtype=">U3"),
    lambda: np.zeros((3, 0, 2), "<M8[ms]"),
    lambda: np.float32(2.5),
    lambda: [[1, 2], [3, 4]],
    lambda: np.matrix([[1.0, 2.0]]),
])
def test_save_versions_and_inputs(tmp_path, make):
    a = make()
    expect = np_save_bytes(a)
    for target in ("path", "bytesio", "fd"):
        assert ours_bytes(a, target, tmp_path) == expect
    back = arrayio.load(tmp_path / "a.npy", max_header_size=10**6)
    ref = np.load(io.BytesIO(expect), max_header_size=10**6)
    assert back.dtype == ref.dtype and back.shape == ref.shape
    assert back.tobytes() == ref.tobytes()
    assert back.flags.f_contiguous == ref.flags.f_contiguous


def test_save_appends_suffix_like_numpy(tmp_path):
    arrayio.save(tmp_path / "x", np.arange(3))
    assert (tmp_path / "x.npy").exists()
    arrayio.save(str(tmp_path / "y.npy"), np.arange(3))
    assert (tmp_path / "y.npy").exists() and not (tmp_path / "y.npy.npy").exists()


def test_save_objects(tmp_path):
    a = np.array([1, "two", None], dtype=object)
    with pytest.raises(TypeError, match="allow_pickle=True"):
        arrayio.save(tmp_path / "o.npy", a)
    assert not (tmp_path / "o.npy").exists()
    arrayio.save(tmp_path / "o.npy", a, allow_pickle=True)
    assert (tmp_path / "o.npy").read_bytes() == np_save_bytes(a, allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        arrayio.load(tmp_path / "o.npy")
    assert arrayio.load(tmp_path / "o.npy", allow_pickle=True).tolist() == [1, "two", None]


@given(a=arrays(), source=st.sampled_from(["path", "fd", "buffered", "bytesio"]))
def test_load_equals_numpy(tmp_path_factory, a, source):
    data = np_save_bytes(a)
    ref = np.load(io.BytesIO(data))
    path = tmp_path_factory.mktemp("l") / "a.npy"
    path.write_bytes(data + b"next")
    if source == "path":
        got = arrayio.load(path)
    elif source == "fd":
        fd = os.open(path, os.O_RDONLY)
        try:
            got = arrayio.load(fd)
            assert os.read(fd, 10) == b"next"
        finally:
            os.close(fd)
    elif source == "buffered":
        with open(path, "rb") as f:
            got = arrayio.load(f)
            assert f.read() == b"next"
    else:
        f = io.BytesIO(data + b"next")
        got = arrayio.load(f)
        assert f.read() == b"next"
    assert got.dtype == ref.dtype and got.shape == ref.shape
    # numpy fills items field by field here, leaving padding unspecified
    assert same_bytes(got.tobytes("A"), ref.tobytes("A"), a.dtype)
    assert got.tobytes("A") == data[header_len(data):]    # ours: the file's bytes
    assert got.flags.c_contiguous == ref.flags.c_contiguous
    assert got.flags.f_contiguous == ref.flags.f_contiguous


def test_load_consecutive_arrays_from_pipe():
    arrays_ = [np.arange(5.0), np.arange(6, dtype=">i2").reshape(2, 3).T, np.zeros(())]
    r, w = os.pipe()
    data = b"".join(np_save_bytes(a) for a in arrays_)
    os.write(w, data)
    os.close(w)
    with os.fdopen(r, "rb", buffering=0) as f:
        for a in arrays_:
            got = arrayio.load(f)
            assert np.array_equal(got, a) and got.dtype == a.dtype


@pytest.mark.parametrize("mode", ["r", "r+", "c"])
def test_load_mmap(tmp_path, mode):
    a = np.asfortranarray(np.arange(12, dtype="<i4").reshape(3, 4))
    path = tmp_path / "m.npy"
    np.save(path, a)
    m = arrayio.load(path, mmap_mode=mode)
    ref = np.load(path, mmap_mode=mode)
    assert type(m) is type(ref) and m.flags.f_contiguous and np.array_equal(m, a)
    assert m.flags.writeable == ref.flags.writeable
    if mode != "r":
        m[0, 0] = 99
        m.flush()
        del m
        assert (np.load(path)[0, 0] == 99) == (mode == "r+")
    with pytest.raises(ValueError, match="mmap_mode"):
        arrayio.load(path, mmap_mode="w")


# -- hostile files --

def test_truncated_anywhere(tmp_path):
    data = np_save_bytes(np.arange(10, dtype="<f4"))
    n = header_len(data)
    for cut in range(len(data)):
        path = tmp_path / "t.npy"
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError) as info:
            arrayio.load(path)
        assert isinstance(info.value, (arrayio.ShortReadError, ValueError))
        if cut >= n:
            assert isinstance(info.value, arrayio.ShortReadError)
            assert (info.value.expected, info.value.got) == (40, cut - n)
        with pytest.raises(ValueError):
            arrayio.load(io.BytesIO(data[:cut]))


def test_declared_size_checked_before_allocation(tmp_path):
    hdr = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }"
    data = b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr + b"\0" * 64
    path = tmp_path / "huge.npy"
    path.write_bytes(data)
    with pytest.raises(arrayio.ShortReadError) as info:
        arrayio.load(path)
    assert info.value.expected == 8 * 2**40 and info.value.got == 64
    overflow = hdr.replace(b"(1099511627776,)", b"(4611686018427387904, 4)")
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(overflow).to_bytes(2, "little") + overflow)
    with pytest.raises(ValueError, match="shape"):
        arrayio.load(path)


@pytest.mark.parametrize("header,match", [
    (b"{'descr': '<f8', 'fortran_order': False}", "keys"),
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", "keys"),
    (b"{'descr': '<f8', 'fortran_order': 1, 'shape': (2,)}", "fortran_order"),
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': [2]}", "shape"),
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}", "shape"),
    (b"{'descr': 'x9', 'fortran_order': False, 'shape': (2,)}", "descr"),
    (b"{'descr': '<M8[bogus]', 'fortran_order': False, 'shape': (2,)}", "descr"),
    (b"{'descr': __import__('os'), 'fortran_order': False, 'shape': (2,)}", "descr"),
    (b"['descr', 'shape']", "dict"),
])
def test_corrupt_headers(header, match):
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 16
    with pytest.raises(ValueError, match=match):
        arrayio.load(io.BytesIO(data))


def test_bad_magic_and_version():
    with pytest.raises(ValueError, match="not a .npy file"):
        arrayio.load(io.BytesIO(b"PK\x03\x04" + b"\0" * 60))
    with pytest.raises(ValueError, match="version"):
        arrayio.load(io.BytesIO(b"\x93NUMPY\x09\x00" + b"\0" * 60))
    with pytest.raises(EOFError, match="empty"):
        arrayio.load(io.BytesIO(b""))


def test_max_header_size():
    a = np.zeros(1, [("f%04d" % i, "<f4") for i in range(800)])
    data = np_save_bytes(a)
    assert header_len(data) > 10000
    with pytest.raises(ValueError, match="max_header_size"):
        arrayio.load(io.BytesIO(data))
    with pytest.raises(ValueError, match="max_header_size"):
        np.load(io.BytesIO(data))          # numpy refuses it too
    got = arrayio.load(io.BytesIO(data), max_header_size=200000)
    assert got.dtype == a.dtype
    assert arrayio.load(io.BytesIO(data), allow_pickle=True).dtype == a.dtype


@given(st.binary(max_size=300))
def test_random_bytes_never_crash(junk):
    for prefix in (b"", b"\x93NUMPY\x01\x00", b"\x93NUMPY\x03\x00"):
        try:
            arrayio.load(io.BytesIO(prefix + junk))
        except ValueError:
            pass


@given(st.data())
def test_mutated_headers_never_crash(data):
    a = data.draw(arrays(max_dims=3))
    raw = bytearray(np_save_bytes(a))
    n = header_len(bytes(raw))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, n - 1))
        raw[i] = data.draw(st.integers(0, 255))
    try:
        got = arrayio.load(io.BytesIO(bytes(raw)))
    except ValueError:
        return
    # a mutation that still parses must agree with numpy's reading of it
    ref = np.load(io.BytesIO(bytes(raw)))
    assert got.dtype == ref.dtype and got.shape == ref.shape


# -- open_npy --

index_part = st.one_of(
    st.integers(-6, 5),
    st.builds(slice, st.one_of(st.none(), st.integers(-7, 7)), st.one_of(st.none(), st.integers(-7, 7)),
              st.one_of(st.none(), st.integers(-3, 3).filter(bool))),
)


@st.composite
def indices(draw, ndim):
    parts = draw(st.lists(index_part, max_size=ndim))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), Ellipsis)
    return tuple(parts)


@given(data=st.data(), fortran=st.booleans(), dtype=st.sampled_from(["<f8", ">i2", "u1", "<c8", [("a", "<i2"), ("b", "S3")]]))
def test_region_reads_and_writes_match_slicing(tmp_path_factory, data, fortran, dtype):
    shape = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    dtype = np.dtype(dtype)
    ref = np.frombuffer(os.urandom(int(np.prod(shape)) * dtype.itemsize), dtype).reshape(shape)
    ref = np.array(ref, order="F" if fortran else "C")  # a writable copy
    path = tmp_path_factory.mktemp("o") / "r.npy"
    np.save(path, ref)
    key = data.draw(indices(len(shape)))
    try:
        expect = ref[key]
    except IndexError:
        with arrayio.open_npy(path) as f:
            with pytest.raises(IndexError):
                f[key]
        return
    with arrayio.open_npy(path, "r+") as f:
        got = f[key]
        assert np.asarray(got).shape == np.asarray(expect).shape
        assert np.asarray(got).tobytes() == np.asarray(expect).tobytes()
        new = np.frombuffer(os.urandom(max(1, np.asarray(expect).nbytes)), np.uint8)[: np.asarray(expect).nbytes]
        value = new.view(dtype).reshape(np.shape(expect)) if np.asarray(expect).nbytes else np.zeros(np.shape(expect), dtype)
        f[key] = value
        ref[key] = value
    assert np.load(path).tobytes("A") == ref.tobytes("A")


def test_open_npy_create_pickle_and_errors(tmp_path):
    path = tmp_path / "big.npy"
    with arrayio.open_npy(path, "w+", shape=(1000, 300), dtype="<f4", fortran_order=True) as f:
        assert f.shape == (1000, 300) and f.dtype == np.float32 and len(f) == 1000
        f[10:20, ::7] = 1.5
        f[-1] = np.arange(300)
        f[5, 5] = 7
        assert f[5, 5] == np.float32(7) and f[..., 3].shape == (1000,)
        g = pickle.loads(pickle.dumps(f))
        assert g.path == f.path and g.mode == "r+" and np.array_equal(g[10:20], f[10:20])
        g.close()
    ref = np.zeros((1000, 300), "<f4", order="F")
    ref[10:20, ::7] = 1.5
    ref[-1] = np.arange(300)
    ref[5, 5] = 7
    loaded = np.load(path)
    assert loaded.flags.f_contiguous and np.array_equal(loaded, ref)
    assert path.read_bytes()[:128] == np_save_bytes(ref)[:128]

    out = subprocess.run([sys.executable, "-c",
                          "import pickle,sys; f=pickle.loads(sys.stdin.buffer.read()); print(float(f[5,5]), f.shape)"],
                         input=pickle.dumps(arrayio.open_npy(path)), capture_output=True, check=True)
    assert out.stdout.decode().split() == ["7.0", "(1000,", "300)"]

    f = arrayio.open_npy(path)
    with pytest.raises(ValueError, match="read-only"):
        f[0, 0] = 1
    with pytest.raises(IndexError, match="out of bounds"):
        f[1000]
    with pytest.raises(IndexError, match="too many indices"):
        f[1, 2, 3]
    with pytest.raises(IndexError, match="valid indices"):
        f[[1, 2]]
    with pytest.raises(IndexError, match="valid indices"):
        f[1.0]
    with pytest.raises(ValueError, match="broadcast"):
        arrayio.open_npy(path, "r+")[0:2] = np.zeros((3, 300))
    f.close()
    with pytest.raises(ValueError, match="closed"):
        f[0]
    with pytest.raises(ValueError, match="shape and dtype"):
        arrayio.open_npy(tmp_path / "new.npy", "w+")
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(arrayio.ShortReadError):
        arrayio.open_npy(path)


# -- map_array --

@pytest.mark.parametrize("order", ["C", "F"])
def test_map_array_modes(tmp_path, order):
    raw = np.arange(100, dtype="<u2").tobytes()
    path = tmp_path / "raw.bin"
    path.write_bytes(b"HEAD" + raw)
    m = arrayio.map_array(path, "<u2", (10, 5), offset=4 + 20, order=order)
    ref = np.frombuffer(raw, "<u2")[10:60].reshape((10, 5), order=order)
    assert np.array_equal(m, ref) and not m.flags.writeable
    c = arrayio.map_array(path, "<u2", (10, 5), offset=24, mode="c", order=order)
    c[0, 0] = 999
    assert np.frombuffer(path.read_bytes()[24:26], "<u2")[0] == 10
    w = arrayio.map_array(path, "<u2", (10, 5), offset=24, mode="r+", order=order)
    w[0, 0] = 999
    del w
    assert np.frombuffer(path.read_bytes()[24:26], "<u2")[0] == 999
    allofit = arrayio.map_array(path, "<u2", None, offset=4)
    assert allofit.shape == (100,)
    with pytest.raises(ValueError, match="not a multiple of the item size"):
        arrayio.map_array(path, "<u4", None, offset=2)
    with pytest.raises(ValueError, match="need 10004"):
        arrayio.map_array(path, "u1", 10000, offset=4)
    with open(path, "rb") as f:
        assert np.array_equal(arrayio.map_array(f, "<u2", 3, offset=4), [0, 1, 2])
    assert arrayio.map_array(path, "f8", (0, 3)).shape == (0, 3)


# -- cases found in review --

def npy_with_header(body, data=b""):
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + data


def test_zero_size_string_items(tmp_path):
    path = tmp_path / "s0.npy"
    path.write_bytes(npy_with_header(b"{'descr': '|S0', 'fortran_order': False, 'shape': (3,), }", b"XYZW"))
    ref = np.load(path)
    got = arrayio.load(path)
    assert got.dtype == ref.dtype and got.shape == ref.shape and got.tolist() == ref.tolist()
    huge = tmp_path / "s0huge.npy"
    huge.write_bytes(npy_with_header(b"{'descr': '|S0', 'fortran_order': False, 'shape': (1000000000000,), }"))
    assert arrayio.load(huge).shape == (10**12,)          # no bytes, no allocation
    with arrayio.open_npy(path, "r+") as f:
        assert f[:].tolist() == [b"", b"", b""]
        f[1] = b"Q"
    assert path.read_bytes().endswith(b"XYZW")


def test_pickled_then_plain_from_one_file(tmp_path):
    path = tmp_path / "two.npy"
    obj = np.array([1, "x", None], dtype=object)
    with open(path, "wb") as f:
        np.save(f, obj, allow_pickle=True)
        np.save(f, np.arange(5.0))
    for opener in (lambda: open(path, "rb"), lambda: open(path, "rb", buffering=0)):
        with opener() as f:
            assert arrayio.load(f, allow_pickle=True).tolist() == [1, "x", None]
            assert np.array_equal(arrayio.load(f), np.arange(5.0))
    fd = os.open(path, os.O_RDONLY)
    try:
        arrayio.load(fd, allow_pickle=True)
        assert np.array_equal(arrayio.load(fd), np.arange(5.0))
    finally:
        os.close(fd)


@pytest.mark.parametrize("kind", ["bytesio", "pipe", "gzip"])
def test_lying_size_from_streams_allocates_little(kind, tmp_path):
    import gzip
    import resource
    body = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    data = npy_with_header(body, b"\0" * 1000)
    if kind == "bytesio":
        src = io.BytesIO(data)
    elif kind == "gzip":
        with gzip.open(tmp_path / "a.npy.gz", "wb") as g:
            g.write(data)
        src = gzip.open(tmp_path / "a.npy.gz", "rb")
    else:
        r, w = os.pipe()
        os.write(w, data)
        os.close(w)
        src = os.fdopen(r, "rb")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with src:
        with pytest.raises(arrayio.ShortReadError) as info:
            arrayio.load(src)
    grew_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert info.value.expected == 8 * 10**12 and info.value.got == 1000
    assert grew_kib < 200 * 1024     # far from 8 TB: at most the 64 MiB first step


def test_load_large_stream_grows(tmp_path):
    a = np.arange(12_000_000, dtype="<f8")        # 96 MiB: more than one step
    data = np_save_bytes(a)
    r, w = os.pipe()
    import threading

    def feed():
        with os.fdopen(w, "wb") as f:
            f.write(data)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    with os.fdopen(r, "rb") as f:
        got = arrayio.load(f)
    t.join()
    assert got.flags.writeable and np.array_equal(got, a)


def test_open_npy_0d_and_ellipsis(tmp_path):
    path = tmp_path / "z.npy"
    np.save(path, np.array(3.5, ">f8"))
    ref = np.load(path)
    with arrayio.open_npy(path) as f:
        for key in ((), Ellipsis, (Ellipsis,)):
            got, exp = f[key], ref[key]
            assert type(got) is type(exp) and np.asarray(got).shape == np.asarray(exp).shape
            assert got == exp
        assert np.asarray(f).shape == () and float(np.asarray(f)) == 3.5
    np.save(path, np.arange(3.0))
    ref = np.load(path)
    with arrayio.open_npy(path) as f:
        assert type(f[0, ...]) is type(ref[0, ...]) and f[0, ...].shape == ()
        assert type(f[0]) is type(ref[0])


def test_open_npy_assignment_drops_leading_ones(tmp_path):
    path = tmp_path / "a.npy"
    ref = np.zeros((2, 3))
    np.save(path, ref)
    with arrayio.open_npy(path, "r+") as f:
        for key, value in [(0, np.ones((1, 3))), ((slice(None), 1), np.full((1, 1, 2), 7.0)),
                           ((1, slice(2, 3)), np.array([[5.0]]))]:
            f[key] = value
            ref[key] = value
        with pytest.raises(ValueError, match="sequence"):
            f[1, 2] = [[5.0]]          # as numpy: a scalar target takes no sequence
    assert np.array_equal(np.load(path), ref)


@given(arrays(max_dims=3, max_side=5), st.sampled_from(["C", "F", "T", "strided", "mv"]))
def test_load_into_out_of_any_layout(a, layout):
    if a.dtype.hasobject:
        return
    f = io.BytesIO()
    np.save(f, a)
    expect = np.load(io.BytesIO(f.getvalue()))
    if layout == "C":
        out = np.empty(a.shape, a.dtype)
    elif layout == "F":
        out = np.empty(a.shape, a.dtype, order="F")
    elif layout == "T":
        out = np.empty(a.shape[::-1], a.dtype).T
    elif layout == "strided":
        big = np.empty(tuple(2 * n for n in a.shape), a.dtype)
        out = big[tuple(slice(None, None, 2) for _ in a.shape)] if a.ndim else big[...]
    else:
        if a.dtype.str not in ("<f8", "<i4", "|u1"):
            return
        base = np.empty(a.shape, a.dtype)
        out = memoryview(base)
    got = arrayio.load(io.BytesIO(f.getvalue()), out=out)
    check = np.asarray(out)
    if not isinstance(out, memoryview):
        assert got is out
    assert check.dtype == expect.dtype and check.shape == expect.shape
    assert same_bytes(check.tobytes(), expect.tobytes(), expect.dtype)


def test_load_into_out_is_checked_first(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.arange(12, dtype="<f8").reshape(3, 4))
    for out, msg in [(np.zeros((3, 4), "<f4"), r"out has dtype <f4 \(4-byte items\), the file holds <f8 \(8-byte items\)"),
                     (np.zeros((3, 4), ">f8"), r"out has dtype >f8 .* the file holds <f8"),
                     (np.zeros((4, 3), "<f8"), r"out has shape \(4, 3\), the file's array has shape \(3, 4\)"),
                     (np.zeros(12, "<f8"), r"out has shape \(12,\)"),
                     (bytearray(96), r"out has dtype \|u1")]:
        before = np.asarray(out).copy()
        with pytest.raises(ValueError, match=msg):
            arrayio.load(path, out=out)
        assert np.array_equal(np.asarray(out), before)  # untouched
    ro = np.zeros((3, 4))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        arrayio.load(path, out=ro)
    with pytest.raises(ValueError, match="cannot be combined with mmap_mode"):
        arrayio.load(path, out=np.zeros((3, 4)), mmap_mode="r")
    # a file too short for its header's array: refused before out changes
    data = path.read_bytes()
    path.write_bytes(data[:-8])
    out = np.full((3, 4), 7.0)
    with pytest.raises(arrayio.ShortReadError):
        arrayio.load(path, out=out)
    assert (out == 7.0).all()


def test_load_into_out_returns_out_and_refuses_pickles():
    f = io.BytesIO()
    np.save(f, np.arange(6, dtype=np.uint8))
    out = bytearray(6)
    assert arrayio.load(io.BytesIO(f.getvalue()), out=out) is out
    assert out == bytes(range(6))
    short = io.BytesIO(f.getvalue()[:-2])
    out = bytearray(b"xxxxxx")
    with pytest.raises(arrayio.ShortReadError):
        arrayio.load(short, out=out)
    assert out == b"xxxxxx"  # a BytesIO's size is known: refused before any byte moves
    g = io.BytesIO()
    np.save(g, np.array([1, "x", None], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="Python objects"):
        arrayio.load(io.BytesIO(g.getvalue()), allow_pickle=True, out=np.zeros(3))
