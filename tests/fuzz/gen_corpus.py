"""Write the seed corpus: small files, each a starting point for one harness.

fuzz_st gets JSON headers written by the safetensors library (when it is
installed) and hand-made ones for the corners of the format; fuzz_npy gets
real .npy headers (plus a few data bytes) written by
numpy.save for assorted dtypes, shapes and versions, and descr texts; the
other harnesses draw parameters from bytes, so their seeds are short byte
strings from a fixed generator.  Regenerate with:
    python tests/fuzz/gen_corpus.py
(crash inputs found later are added by hand as corpus/<harness>/crash-*).
"""
import io
import os
import random
import warnings

import numpy as np
from numpy.lib import format as npf

HERE = os.path.dirname(os.path.abspath(__file__))


def put(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_seeds():
    arrays = {
        "f8": np.arange(3.0),
        "f8_F": np.asfortranarray(np.zeros((2, 3))),
        "i2_0d": np.zeros((), ">i2"),
        "empty": np.zeros((0, 5), "<u4"),
        "struct": np.zeros(2, [("a", "<i4"), ("b", "|S3")]),
        "padded": np.zeros(2, np.dtype({"names": ["x"], "formats": ["<u2"], "offsets": [4], "itemsize": 12})),
        "subarray_field": np.zeros(2, [("p", "<f4", (2, 2))]),
        "titled": np.zeros(3, [(("title", "nm"), "<i2")]),
        "latin1": np.zeros(1, [("caf\u00e9", "<i2")]),
        "v3_utf8": np.zeros(1, [("\u0436", "<i2")]),
        "datetime": np.zeros((4, 1, 2), "<M8[ns]"),
        "unicode": np.zeros(5, "<U7"),
        "nested": np.zeros(1, [("o", [("i", "<f8"), ("j", ">c8", (3,))]), ("v", "|V5")]),
        "bool_many_dims": np.zeros((1,) * 20 + (2,), "|b1"),
        "object": np.array([None], dtype=object),
    }
    for name, a in arrays.items():
        f = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.save(f, a, allow_pickle=True)
        data = f.getvalue()
        put("fuzz_npy", name, data[:512])
    for name, dt in [("descr_struct", [("a", "<i4"), ("b", [("c", "|S2")], (2,))]),
                     ("descr_plain", "<f8"), ("descr_titles", [(("t", "n"), ">u2")])]:
        put("fuzz_npy", name, repr(npf.dtype_to_descr(np.dtype(dt))).encode())
    put("fuzz_npy", "descr_subarray_tuple", b"('<i4', (2, 3))")
    put("fuzz_npy", "py2_long", b"\x93NUMPY\x01\x00\x46\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4L), }      \n")


def st_seeds():
    import json
    import struct
    try:
        from safetensors.numpy import save
    except ImportError:
        save = None
    if save is not None:
        dicts = {
            "lib_mixed": ({"w": np.zeros((2, 3), np.float32), "b": np.zeros(3, np.int64),
                           "m": np.zeros((), np.uint8), "e": np.zeros((0, 2), np.float16)}, None),
            "lib_meta": ({"x": np.zeros(4, np.int16)}, {"format": "np", "k\u00e9": "v\n"}),
            "lib_empty": ({}, None),
            "lib_names": ({"caf\u00e9\n\"\\": np.zeros(1, np.bool_), "\u0001": np.zeros(2, np.complex64)}, None),
        }
        for name, (d, meta) in dicts.items():
            data = save(d, metadata=meta)
            n = struct.unpack("<Q", data[:8])[0]
            put("fuzz_st", name, data[8:8 + n])
    t = lambda dt, shape, b, e: {"dtype": dt, "shape": shape, "data_offsets": [b, e]}
    hand = {
        "unsorted": {"b": t("U8", [2], 2, 4), "a": t("U8", [2], 0, 2)},
        "subbyte": {"f4": t("F4", [4], 0, 2), "f6": t("F6_E2M3", [4], 2, 5)},
        "extra_keys": {"a": dict(t("BF16", [1, 1], 0, 2), extra=[1, {"n": None}, True, -2.5e3])},
        "meta_null": {"__metadata__": None, "z": t("F8_E4M3", [0], 0, 0)},
        "gap": {"a": t("I32", [1], 0, 4), "b": t("I32", [1], 8, 12)},
        "duplicate_like": {"a": t("I8", [], 0, 1), "\u0061b": t("I8", [], 1, 2)},
    }
    for name, d in hand.items():
        put("fuzz_st", name, json.dumps(d, separators=(",", ":")).encode())
    put("fuzz_st", "escapes", b'{"\\ud83d\\ude00\\u00e9\\/\\b":{"dtype":"U64","shape":[1],'
                              b'"data_offsets":[0,8]}}  \n')
    put("fuzz_st", "spaces", b' { "a" : { "dtype" : "C64" , "shape" : [ ] , '
                             b'"data_offsets" : [ 0 , 8 ] } } ')


def byte_seeds():
    rng = random.Random(1)
    for harness, lengths in [("fuzz_view", (4, 12, 24, 40, 80)),
                             ("fuzz_kernels", (8, 16, 32, 64, 128)),
                             ("fuzz_region", (8, 16, 32, 64))]:
        for i, n in enumerate(lengths * 2):
            put(harness, "seed-%02d" % i, bytes(rng.randrange(256) for _ in range(n)))
    # hand-picked: a transposed 2-D float64 view; a 64-dimensional view
    put("fuzz_view", "transpose", bytes([1, 8, 2, 1, 3, 24, 1, 4, 8]))
    put("fuzz_view", "max_dims", bytes([1, 8, 6, 1]) + bytes([2, 1, 8]) * 66)


if __name__ == "__main__":
    npy_seeds()
    st_seeds()
    byte_seeds()
