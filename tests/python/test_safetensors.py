"""save_safetensors / load_safetensors against the safetensors library."""
import io
import json
import os
import struct
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest
import safetensors.numpy as stn
from hypothesis import given
from hypothesis import strategies as st
from safetensors import safe_open

import arrayio
from strategies import arrays

ST_DTYPES = ["?", "u1", "i1", "<i2", ">u2", "<f2", "<i4", ">u4", "<f4", ">f8", "<i8", "<u8",
             "<c8", ">c8"]
NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=8)


@st.composite
def tensor_dicts(draw, dtypes=ST_DTYPES, max_size=6):
    names = draw(st.lists(NAMES.filter(lambda n: n != "__metadata__"), max_size=max_size,
                          unique=True))
    return {n: draw(arrays(dtype=draw(st.sampled_from(dtypes)), max_dims=3, max_side=5))
            for n in names}


def little_contiguous(a):
    """What the format stores: C order, little-endian (the reference copy)."""
    dtype = a.dtype.newbyteorder("<") if a.dtype.itemsize > 1 else a.dtype
    return np.array(a, dtype=dtype, order="C", copy=True)  # keeps 0-d arrays 0-d


def read_header(data):
    n = struct.unpack("<Q", data[:8])[0]
    return n, json.loads(data[8:8 + n])


def st_file(header, data=b"", pad=True):
    """A safetensors file from a header (dict or raw bytes) and data."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": [begin, end]}


# -- writing ----------------------------------------------------------------

@given(tensor_dicts())
def test_save_is_the_library_bytes(tensors):
    f = io.BytesIO()
    n = arrayio.save_safetensors(f, tensors)
    expect = stn.save({k: little_contiguous(v) for k, v in tensors.items()})
    assert f.getvalue() == expect
    assert n == len(expect)


@given(tensor_dicts(), st.dictionaries(NAMES, NAMES, max_size=3))
def test_library_reads_what_we_write(tmp_path_factory, tensors, metadata):
    path = str(tmp_path_factory.mktemp("st") / "t.safetensors")
    arrayio.save_safetensors(path, tensors, metadata=metadata)
    with safe_open(path, "np") as f:
        assert f.metadata() in (metadata, metadata or None)
        assert set(f.keys()) == set(tensors)
        for k, v in tensors.items():
            got = f.get_tensor(k)
            assert got.shape == v.shape
            assert got.tobytes() == little_contiguous(v).tobytes()


@given(tensor_dicts())
def test_load_reads_what_the_library_writes(tmp_path_factory, tensors):
    path = str(tmp_path_factory.mktemp("st") / "t.safetensors")
    ref = {k: little_contiguous(v) for k, v in tensors.items()}
    stn.save_file(ref, path)
    for kwargs in ({}, {"mmap": True}):
        got = arrayio.load_safetensors(path, **kwargs)
        assert set(got) == set(ref)
        for k, v in ref.items():
            assert got[k].dtype == v.dtype and got[k].shape == v.shape
            assert got[k].tobytes() == v.tobytes()
            if not kwargs:
                assert got[k].flags.aligned and got[k].flags.writeable
            else:
                assert not got[k].flags.writeable
    with open(path, "rb") as f:
        data = f.read()
    got = arrayio.load_safetensors(io.BytesIO(data))
    assert [k for k in got] == [k for k in read_order(data)]


def read_order(data):
    _, h = read_header(data)
    h.pop("__metadata__", None)
    return sorted(h, key=lambda k: tuple(h[k]["data_offsets"]) + (k.encode(),))


def test_metadata_round_trip(tmp_path):
    path = tmp_path / "m.safetensors"
    meta = {"format": "np", "caf\u00e9": "\u0000\n\"\\", "": ""}
    arrayio.save_safetensors(path, {"a": np.arange(3.0)}, metadata=meta)
    tensors, got = arrayio.load_safetensors(path, with_metadata=True)
    assert got == meta and list(got) == list(meta)
    with safe_open(str(path), "np") as f:
        assert f.metadata() == meta
    arrayio.save_safetensors(path, {"a": np.arange(3.0)})
    assert arrayio.load_safetensors(path, with_metadata=True)[1] is None
    arrayio.save_safetensors(path, {"a": np.arange(3.0)}, metadata={})
    assert arrayio.load_safetensors(path, with_metadata=True)[1] == {}
    assert read_header(path.read_bytes())[1]["__metadata__"] == {}


def test_layouts_are_written_without_copies(tmp_path):
    a = np.arange(4 * 300 * 700, dtype=np.float32).reshape(4, 300, 700)
    views = {"t": a.T, "s": a[:, ::2, ::-3], "c": a, "b": np.broadcast_to(a[0, 0], (50, 700)),
             "big": a.astype(">f4")[::-1]}
    path = tmp_path / "v.safetensors"
    arrayio.save_safetensors(path, views)
    ref = stn.load_file(str(path))
    for k, v in views.items():
        assert np.array_equal(ref[k], v), k
        assert ref[k].dtype == v.dtype.newbyteorder("<")
    assert path.read_bytes() == stn.save({k: little_contiguous(v) for k, v in views.items()})


def test_big_endian_chunks(tmp_path, monkeypatch):
    from arrayio import _safetensors
    monkeypatch.setattr(_safetensors, "_SWAP_CHUNK", 24)  # many pieces, odd edges
    a = np.arange(1000, dtype=">f8").reshape(10, 100)[:, ::3]
    f = io.BytesIO()
    arrayio.save_safetensors(f, {"a": a, "b": np.arange(7, dtype=">i2")})
    assert f.getvalue() == stn.save({"a": little_contiguous(a),
                                     "b": np.arange(7, dtype="<i2")})
    path = tmp_path / "be.safetensors"
    arrayio.save_safetensors(path, {"a": a})
    assert np.array_equal(arrayio.load_safetensors(path)["a"], a)


def test_ml_dtypes(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {
        "bf16": rng.standard_normal((3, 5)).astype(ml_dtypes.bfloat16).T,
        "e4m3": rng.standard_normal(9).astype(ml_dtypes.float8_e4m3fn)[::2],
        "e5m2": rng.standard_normal(4).astype(ml_dtypes.float8_e5m2),
        "e8m0": np.ones(2, ml_dtypes.float8_e8m0fnu),
        "fnuz": rng.standard_normal(3).astype(ml_dtypes.float8_e4m3fnuz),
        "f5uz": rng.standard_normal(3).astype(ml_dtypes.float8_e5m2fnuz),
    }
    path = tmp_path / "ml.safetensors"
    arrayio.save_safetensors(path, tensors)
    data = path.read_bytes()
    n, header = read_header(data)
    expect_types = {"bf16": "BF16", "e4m3": "F8_E4M3", "e5m2": "F8_E5M2", "e8m0": "F8_E8M0",
                    "fnuz": "F8_E4M3FNUZ", "f5uz": "F8_E5M2FNUZ"}
    for k, v in tensors.items():
        assert header[k]["dtype"] == expect_types[k]
        b, e = header[k]["data_offsets"]
        assert data[8 + n + b:8 + n + e] == v.tobytes()
    for kwargs in ({}, {"mmap": True}):
        got = arrayio.load_safetensors(path, **kwargs)
        for k, v in tensors.items():
            assert got[k].dtype == v.dtype and got[k].tobytes() == v.tobytes()


def test_file_objects_and_positions(tmp_path):
    tensors = {"a": np.arange(10.0).reshape(2, 5).T, "b": np.arange(3, dtype=np.int16)}
    expect = stn.save({k: little_contiguous(v) for k, v in tensors.items()})
    path = tmp_path / "pos.bin"
    with open(path, "w+b") as f:
        f.write(b"prefix!")
        assert arrayio.save_safetensors(f, tensors) == len(expect)
        assert f.tell() == 7 + len(expect)
        f.seek(7)
        got = arrayio.load_safetensors(f)
        assert f.tell() == 7 + len(expect)
        f.seek(7)
        mapped = arrayio.load_safetensors(f, mmap=True)
        assert f.tell() == 7 + len(expect)  # after the data, as when reading
    assert path.read_bytes() == b"prefix!" + expect
    for g in (got, mapped):
        assert np.array_equal(g["a"], tensors["a"]) and np.array_equal(g["b"], tensors["b"])
    with open(path, "rb", buffering=0) as f:
        f.seek(7)
        assert np.array_equal(arrayio.load_safetensors(f)["a"], tensors["a"])
    fd = os.open(path, os.O_RDONLY)
    try:
        os.lseek(fd, 7, os.SEEK_SET)
        assert np.array_equal(arrayio.load_safetensors(fd)["b"], tensors["b"])
    finally:
        os.close(fd)


def test_pipe_reads_and_refuses_trailing_bytes():
    data = stn.save({"a": np.arange(100_000, dtype=np.float64), "b": np.ones(3, np.uint8)})
    for extra, ok in ((b"", True), (b"x", False)):
        r, w = os.pipe()
        proc = subprocess.Popen([sys.executable, "-c",
                                 "import os, sys; os.write(1, sys.stdin.buffer.read())"],
                                stdin=subprocess.PIPE, stdout=w)
        os.close(w)
        proc.stdin.write(data + extra)
        proc.stdin.close()
        with open(r, "rb") as f:
            if ok:
                got = arrayio.load_safetensors(f)
                assert np.array_equal(got["a"], np.arange(100_000.0))
            else:
                with pytest.raises(ValueError, match="goes on after the 800003 bytes"):
                    arrayio.load_safetensors(f)
        proc.wait()


def test_lying_header_on_a_stream_allocates_only_what_arrives():
    # 2**60 bytes declared, 16 present: an error, not a 2**60-byte allocation
    header = {"a": entry("U8", [1 << 60], 0, 1 << 60)}
    raw = st_file(header, b"\0" * 16)

    class Stream(io.RawIOBase):  # no size, no descriptor
        def __init__(self):
            self.f = io.BytesIO(raw)

        def readable(self):
            return True

        def readinto(self, b):
            return self.f.readinto(b)

    with pytest.raises(ValueError, match="ends after 16 of the 1152921504606846976 bytes"):
        arrayio.load_safetensors(Stream())
    with pytest.raises(ValueError, match="ARRAYIO_ERR_ST_DATA_END"):
        arrayio.load_safetensors(io.BytesIO(raw))


# -- rules of the format ----------------------------------------------------

BAD = [
    ({"a": entry("U8", [2], 0, 2), "b": entry("U8", [2], 3, 5)}, 5,
     "gap or overlap.*tensor 'b'", "ARRAYIO_ERR_ST_OFFSETS"),
    ({"a": entry("U8", [2], 0, 2), "b": entry("U8", [2], 1, 3)}, 3,
     "tensor 'b'", "ARRAYIO_ERR_ST_OFFSETS"),
    ({"a": entry("U8", [2], 1, 3)}, 3, "tensor 'a'", "ARRAYIO_ERR_ST_OFFSETS"),
    ({"a": entry("U8", [2], 0, 3)}, 3, "tensor 'a'", "ARRAYIO_ERR_ST_NBYTES"),
    ({"a": entry("F4", [3], 0, 2)}, 2, "tensor 'a'", "ARRAYIO_ERR_ST_NBYTES"),
    ({"a": entry("f32", [2], 0, 8)}, 8, "tensor 'a'", "ARRAYIO_ERR_ST_DTYPE"),
    ({"a": entry("U8", [-1], 0, 0)}, 0, "tensor 'a'", "ARRAYIO_ERR_ST_SHAPE"),
    ({"a": entry("U8", [1] * 65, 0, 1)}, 1, "tensor 'a'", "ARRAYIO_ERR_ST_SHAPE"),
    ({"a": entry("U64", [1 << 32, 1 << 32], 0, 0)}, 0, "tensor 'a'", "ARRAYIO_ERR_ST_SHAPE"),
    ({"a": {"dtype": "U8", "shape": [2]}}, 2, "tensor 'a'", "ARRAYIO_ERR_ST_SCHEMA"),
    ({"a": [1, 2]}, 2, "tensor 'a'", "ARRAYIO_ERR_ST_SCHEMA"),
    ({"a": entry("U8", [2], 0, 2)}, 3, "data is 2 bytes, the file has 3", "ARRAYIO_ERR_ST_DATA_END"),
    ({"a": entry("U8", [2], 0, 2)}, 1, "data is 2 bytes, the file has 1", "ARRAYIO_ERR_ST_DATA_END"),
    ({"__metadata__": {"k": 1}}, 0, "__metadata__ key 'k'", "ARRAYIO_ERR_ST_METADATA"),
    ({"__metadata__": "x"}, 0, "__metadata__", "ARRAYIO_ERR_ST_METADATA"),
]


@pytest.mark.parametrize("header,data_len,message,code", BAD)
def test_rule_violations(tmp_path, header, data_len, message, code):
    raw = st_file(header, b"\0" * data_len)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(raw)
    for src in (str(path), io.BytesIO(raw)):
        with pytest.raises(ValueError, match=message) as info:
            arrayio.load_safetensors(src)
        assert code in str(info.value)
    # the safetensors library refuses them too (it has no rule against
    # more than 64 dimensions, which this library's arrays cannot have)
    if not (isinstance(header.get("a"), dict) and header["a"].get("shape") == [1] * 65):
        with pytest.raises(Exception):
            stn.load(raw)


@pytest.mark.parametrize("raw,code", [
    (b'{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},'
     b'"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}', "ARRAYIO_ERR_ST_DUPLICATE"),
    (b'{"a":{"dtype":"U8","dtype":"U8","shape":[0],"data_offsets":[0,0]}}',
     "ARRAYIO_ERR_ST_DUPLICATE"),
    (b'{"\xff":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}', "ARRAYIO_ERR_ST_ENCODING"),
    (b'{"\\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}', "ARRAYIO_ERR_ST_ENCODING"),
    (b'{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},}', "ARRAYIO_ERR_ST_SYNTAX"),
    (b"{}\0", "ARRAYIO_ERR_ST_SYNTAX"),
    (b"", "ARRAYIO_ERR_ST_SYNTAX"),
    (b"[]", "ARRAYIO_ERR_ST_SYNTAX"),
])
def test_json_violations(raw, code):
    with pytest.raises(ValueError, match=code):
        arrayio.load_safetensors(io.BytesIO(st_file(raw)))


def test_header_size_limits():
    with pytest.raises(ValueError, match="above the limit of 100000000"):
        arrayio.load_safetensors(io.BytesIO(struct.pack("<Q", 100_000_001) + b"{}"))
    with pytest.raises(ValueError, match="but the file has 2 bytes after the length"):
        arrayio.load_safetensors(io.BytesIO(struct.pack("<Q", 50) + b"{}"))
    with pytest.raises(ValueError, match="too short for the 8-byte header length"):
        arrayio.load_safetensors(io.BytesIO(b"\x02\0\0"))
    # an unsized stream ending inside the header
    r, w = os.pipe()
    os.write(w, struct.pack("<Q", 50) + b"{}")
    os.close(w)
    with open(r, "rb") as f, pytest.raises(ValueError, match="ends inside the header"):
        arrayio.load_safetensors(f)


def test_what_the_library_accepts_we_accept():
    # any order in the file, unknown keys, white space, null metadata
    raw = st_file(b' { "__metadata__" : null, "b" : {"dtype":"I16","shape":[2],'
                  b'"data_offsets":[4,8], "extra": [1, {"x": null}]}, '
                  b'"a" : {"shape":[2],"dtype":"U16","data_offsets":[0,4]} }  ',
                  np.arange(4, dtype="<u2").tobytes())
    got = arrayio.load_safetensors(io.BytesIO(raw))
    ref = stn.load(raw)
    assert list(got) == ["a", "b"]
    for k in ref:
        assert np.array_equal(got[k], ref[k]) and got[k].dtype == ref[k].dtype


def test_sub_byte_types_are_refused_by_name():
    raw = st_file({"w": entry("F4", [4], 0, 2)}, b"\0\0")
    with pytest.raises(ValueError, match="tensor 'w' has safetensors type F4, packed 4-bit"):
        arrayio.load_safetensors(io.BytesIO(raw))


def test_save_errors(tmp_path):
    path = tmp_path / "e.safetensors"
    with pytest.raises(TypeError, match="tensor 'c' has dtype complex128"):
        arrayio.save_safetensors(path, {"c": np.zeros(2, np.complex128)})
    with pytest.raises(TypeError, match="has dtype <U3"):
        arrayio.save_safetensors(path, {"u": np.zeros(2, "U3")})
    with pytest.raises(TypeError, match="object"):
        arrayio.save_safetensors(path, {"o": np.zeros(2, object)})
    with pytest.raises(TypeError, match="tensor name must be a str, not int"):
        arrayio.save_safetensors(path, {1: np.zeros(2)})
    with pytest.raises(ValueError, match="cannot be named '__metadata__'"):
        arrayio.save_safetensors(path, {"__metadata__": np.zeros(2)})
    with pytest.raises(ValueError, match="not valid Unicode"):
        arrayio.save_safetensors(path, {"\ud800": np.zeros(2)})
    with pytest.raises(TypeError, match="metadata value for 'k' must be a str, not int"):
        arrayio.save_safetensors(path, {"a": np.zeros(2)}, metadata={"k": 1})
    with pytest.raises(TypeError, match="mapping of names to arrays"):
        arrayio.save_safetensors(path, [np.zeros(2)])
    with pytest.raises(TypeError, match="metadata must be None or a mapping"):
        arrayio.save_safetensors(path, {}, metadata=[("k", "v")])
    with pytest.raises(ValueError, match="needs a path or a file object with a file descriptor"):
        arrayio.load_safetensors(io.BytesIO(stn.save({"a": np.zeros(1)})), mmap=True)


def test_buffer_protocol_inputs():
    arr = np.arange(12, dtype=np.int32).reshape(3, 4)
    f = io.BytesIO()
    arrayio.save_safetensors(f, {"mv": memoryview(arr)[::2], "bytes": b"abc"})
    got = arrayio.load_safetensors(io.BytesIO(f.getvalue()))
    assert np.array_equal(got["mv"], arr[::2])
    assert got["bytes"].dtype == np.uint8 and got["bytes"].tobytes() == b"abc"


def test_metadata_duplicate_is_named():
    raw = st_file(b'{"__metadata__":{"k":"v","k":"w"}}')
    with pytest.raises(ValueError, match="__metadata__ key 'k'.*ARRAYIO_ERR_ST_DUPLICATE"):
        arrayio.load_safetensors(io.BytesIO(raw))


def test_big_endian_ml_dtype_to_a_path(tmp_path):
    bf = np.arange(5).astype(ml_dtypes.bfloat16)
    path = tmp_path / "be.safetensors"
    arrayio.save_safetensors(path, {"t": bf.astype(bf.dtype.newbyteorder(">"))})
    got = arrayio.load_safetensors(path)["t"]
    assert got.tobytes() == bf.tobytes()


class _Unsized(io.RawIOBase):
    """A readable stream with no size and no descriptor."""

    def __init__(self, data):
        self.f = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, b):
        return self.f.readinto(b)


def test_stream_load_gives_separate_aligned_arrays():
    data = stn.save({"a": np.ones(1, np.uint8), "b": np.arange(3, dtype=np.float32),
                     "c": np.full((), 2.5)})
    got = arrayio.load_safetensors(_Unsized(data))
    ref = stn.load(data)
    for k in ref:
        assert got[k].flags.aligned and got[k].flags.writeable
        assert got[k].dtype == ref[k].dtype and np.array_equal(got[k], ref[k])
    assert not np.shares_memory(got["a"], got["b"])


def test_stream_load_of_a_large_tensor_grows(monkeypatch):
    from arrayio import _files
    monkeypatch.setattr(_files, "STREAM_ALLOC", 64)
    a = np.arange(1000, dtype=np.float64)
    data = stn.save({"a": a, "z": np.arange(3, dtype=np.uint8)})
    got = arrayio.load_safetensors(_Unsized(data))
    assert np.array_equal(got["a"], a) and got["a"].flags.aligned
    with pytest.raises(ValueError, match="ends after 1000 of the 8003 bytes"):
        arrayio.load_safetensors(_Unsized(data[:-7003]))


def test_mmap_needs_a_regular_file():
    data = stn.save({"a": np.ones(2)})
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    with open(r, "rb", buffering=0) as f, pytest.raises(ValueError, match="needs a regular file"):
        arrayio.load_safetensors(f, mmap=True)
