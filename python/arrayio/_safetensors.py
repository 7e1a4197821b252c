"""The safetensors format: a dict of arrays in one file.

The header is written and parsed by the C core (arrayio_st_*), which
checks every rule of the format; this module maps dtypes, lays the
tensors out and moves their bytes.
"""
import json
import mmap as _mmap
import os
import sys
from collections.abc import Mapping

import numpy as np

from . import _core, _files, _many
from ._errors import ShortReadError, raise_status
from ._ffi import ffi, lib

__all__ = ["load_safetensors", "save_safetensors"]

# safetensors type name -> numpy dtype (little-endian, as the format is).
_NUMPY_TYPES = {
    "BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2",
    "I32": "<i4", "U32": "<u4", "F32": "<f4", "C64": "<c8", "F64": "<f8", "I64": "<i8",
    "U64": "<u8",
}
# Types numpy lacks, and the ml_dtypes types that hold them.
_ML_DTYPES = {
    "BF16": "bfloat16", "F8_E5M2": "float8_e5m2", "F8_E4M3": "float8_e4m3fn",
    "F8_E8M0": "float8_e8m0fnu", "F8_E4M3FNUZ": "float8_e4m3fnuz",
    "F8_E5M2FNUZ": "float8_e5m2fnuz",
}
_ML_NAMES = {ml: code for code, ml in _ML_DTYPES.items()}
_CODES = {ffi.string(lib.arrayio_st_dtype_name(i)).decode(): i
          for i in range(lib.ARRAYIO_ST_DTYPE_COUNT)}
_NAMES = {i: n for n, i in _CODES.items()}
# Converting byte order: pieces of this many bytes.
_SWAP_CHUNK = 1 << 20


def _ml_dtypes():
    try:
        import ml_dtypes
    except ImportError:
        return None
    return ml_dtypes


def _st_type(dtype, name):
    """The safetensors type code for an array dtype, and whether its bytes
    must be swapped to little-endian."""
    kind, size = dtype.kind, dtype.itemsize
    st = None
    if dtype.fields is None and dtype.name in _ML_NAMES:
        st = _ML_NAMES[dtype.name]  # checked first: their kinds vary ('V', 'f')
    elif kind == "b" and size == 1:
        st = "BOOL"
    elif kind in "iu" and size in (1, 2, 4, 8):
        st = ("I" if kind == "i" else "U") + str(8 * size)
    elif kind == "f" and size in (2, 4, 8) and dtype.fields is None:
        st = "F" + str(8 * size)
    elif kind == "c" and size == 8:
        st = "C64"
    if st is None:
        raise TypeError(f"tensor {name!r} has dtype {dtype}, which safetensors has no type for "
                        "(it stores bool, (u)int8-64, float16/32/64, complex64, and bfloat16 "
                        "and float8 types of ml_dtypes)")
    swap = size > 1 and dtype.byteorder in (">", "=" if sys.byteorder == "big" else ">")
    return _CODES[st], swap


def _utf8(s, what):
    if not isinstance(s, str):
        raise TypeError(f"{what} must be a str, not {type(s).__name__}")
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} {s!r} is not valid Unicode text: {exc.reason}") from None


def _swapped_chunks(arr):
    """arr's items in C order as little-endian copies of at most
    _SWAP_CHUNK bytes each."""
    little = arr.dtype.newbyteorder("<")
    it = np.nditer(arr, flags=["external_loop", "buffered", "zerosize_ok"],
                   op_dtypes=[little], casting="equiv", order="C",
                   buffersize=max(1, _SWAP_CHUNK // arr.itemsize))
    for chunk in it:
        yield chunk.copy().view(np.uint8)  # bytes: ml_dtypes types export no buffer


def save_safetensors(file, tensors, metadata=None, *, buffer_size=None):
    """Write ``tensors`` (a mapping of str names to arrays) as a safetensors
    file; return the number of bytes written.

    The bytes are the ones the safetensors library writes for the same
    tensors: its header JSON, its order (descending type alignment, then
    name), little-endian C-order data.  Arrays of any layout and any
    buffer-protocol objects are written from their own memory, strided
    ones through one small staging buffer; only big-endian arrays are
    converted, a megabyte at a time.  ``metadata`` is None or a mapping of
    str to str.  Types: bool, (u)int8-64, float16/32/64, complex64, and the
    ml_dtypes bfloat16 and float8 types; others raise TypeError.

    ``file`` is a path (created or truncated), a descriptor or a binary file
    object, written at its position.  Errors carry ``bytes_written``.
    """
    if not isinstance(tensors, Mapping):
        raise TypeError(f"tensors must be a mapping of names to arrays, not "
                        f"{type(tensors).__name__}")
    entries = []
    for name, value in tensors.items():
        raw = _utf8(name, "tensor name")
        if name == "__metadata__":
            raise ValueError("a tensor cannot be named '__metadata__': the format keeps that "
                             "key for metadata")
        arr = _core.as_array(value, f"tensor {name!r}")
        code, swap = _st_type(arr.dtype, name)
        entries.append((-code, raw, name, arr, code, swap))
    entries.sort(key=lambda e: (e[0], e[1]))
    header = _format_header(entries, metadata)
    size = _core.check_buffer_size(buffer_size)

    def pieces():
        yield header
        for _, _, _, arr, _, swap in entries:
            if swap:
                yield from _swapped_chunks(arr)
            else:
                yield (_core.View(arr), "C")

    return _many.write_pieces(file, pieces(), size)


def _format_header(entries, metadata):
    keep = []
    ct = ffi.new("arrayio_st_tensor[]", max(1, len(entries)))
    for i, (_, raw, _, arr, code, _) in enumerate(entries):
        t = ct[i]
        name = ffi.new("char[]", raw)
        keep.append(name)
        t.name, t.name_size, t.dtype, t.ndim = name, len(raw), code, arr.ndim
        if arr.ndim:
            shape = ffi.new("int64_t[]", arr.shape)
            keep.append(shape)
            t.shape = shape
    cmeta, nmeta = ffi.NULL, 0
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise TypeError(f"metadata must be None or a mapping of str to str, not "
                            f"{type(metadata).__name__}")
        nmeta = len(metadata)
        cmeta = ffi.new("arrayio_st_entry[]", max(1, nmeta))
        for i, (k, v) in enumerate(metadata.items()):
            kb = _utf8(k, "metadata key")
            vb = _utf8(v, f"metadata value for {k!r}")
            kc, vc = ffi.new("char[]", kb), ffi.new("char[]", vb)
            keep += (kc, vc)
            cmeta[i].key, cmeta[i].key_size = kc, len(kb)
            cmeta[i].value, cmeta[i].value_size = vc, len(vb)
    n = ffi.new("size_t *")
    status = lib.arrayio_st_format_header(ct, len(entries), cmeta, nmeta, ffi.NULL, 0, n)
    if status == lib.ARRAYIO_ERR_SIZE:
        out = bytearray(n[0])
        with ffi.from_buffer(out) as p:
            status = lib.arrayio_st_format_header(ct, len(entries), cmeta, nmeta, p, len(out), n)
    if status == lib.ARRAYIO_ERR_OVERFLOW:
        raise ValueError("save_safetensors: the tensors hold more than 2**63 bytes")
    raise_status(status, what="save_safetensors")
    return out


# --------------------------------------------------------------------------
# Loading

def _numpy_dtype(code, name):
    st = _NAMES[code]
    if st in _NUMPY_TYPES:
        return np.dtype(_NUMPY_TYPES[st])
    if st in _ML_DTYPES:
        ml = _ml_dtypes()
        if ml is not None:
            return np.dtype(getattr(ml, _ML_DTYPES[st])).newbyteorder("<")
        raise ValueError(f"tensor {name!r} has safetensors type {st}, which numpy has no type "
                         "for; install ml_dtypes to load it")
    raise ValueError(f"tensor {name!r} has safetensors type {st}, packed "
                     f"{lib.arrayio_st_dtype_bits(code)}-bit items that no numpy type holds")


def _key_at(json_bytes, offset):
    """The (decoded) key whose opening quote is at byte `offset`, or None."""
    if offset == ffi.cast("size_t", -1) or offset >= len(json_bytes):
        return None
    text = json_bytes[offset:offset + 4096].decode("utf-8", "replace")
    try:
        key, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    return key if isinstance(key, str) else None


def _parse(json_bytes, data_size, where):
    """Parse the JSON header with the core; returns (header, work) or raises
    ValueError naming the rule, the entry and the place."""
    h = ffi.new("arrayio_st_header *")
    with ffi.from_buffer(json_bytes) as j:
        status = lib.arrayio_st_parse(j, len(json_bytes), data_size, ffi.NULL, 0, h)
        work = None
        if status == lib.ARRAYIO_ERR_SIZE:
            work = ffi.new("char[]", h.work_size)
            status = lib.arrayio_st_parse(j, len(json_bytes), data_size, work, h.work_size, h)
        if status == lib.ARRAYIO_OK:
            return h, work
        text = ffi.string(lib.arrayio_strerror(status)).decode()
        detail = ""
        if status == lib.ARRAYIO_ERR_ST_DATA_END:
            lib.arrayio_st_parse(j, len(json_bytes), lib.ARRAYIO_ST_SIZE_UNKNOWN, work,
                                 h.work_size if work is not None else 0, h)
            detail = (f": the tensors' data is {int(h.data_size)} bytes, the file has "
                      f"{int(data_size)} after the header")
        else:
            key = _key_at(json_bytes, h.error_key_offset)
            if key is not None:
                if h.error_in_metadata:
                    what = f"__metadata__ key {key!r}"
                else:
                    what = "__metadata__" if key == "__metadata__" else f"tensor {key!r}"
                detail = f" ({what}, header byte {int(h.error_offset)})"
            else:
                detail = f" (header byte {int(h.error_offset)})"
        name = ffi.string(lib.arrayio_error_name(status)).decode()
    raise ValueError(f"{where}: {text}{detail} ({name})")


def _tensor_list(h):
    out = []
    for i in range(h.count):
        t = h.tensors[i]
        name = ffi.unpack(t.name, t.name_size).decode("utf-8")
        shape = tuple(t.shape[d] for d in range(t.ndim))
        out.append((name, int(t.dtype), shape, int(t.begin), int(t.end)))
    return out


def _metadata(h):
    if not h.has_metadata:
        return None
    return {ffi.unpack(e.key, e.key_size).decode("utf-8"):
            ffi.unpack(e.value, e.value_size).decode("utf-8")
            for e in (h.metadata[i] for i in range(h.metadata_count))}


def load_safetensors(file, *, mmap=False, with_metadata=False):
    """Read a safetensors file into a dict of arrays, in the file's order.

    The header is parsed and checked by the C core before anything else is
    read or allocated: size limit (100,000,000 bytes, the safetensors
    library's), strict JSON, known types, shapes and byte spans that match,
    tensors that tile the data with no gap or overlap, and data that ends
    exactly where the file does.  Any violation raises ValueError naming
    the rule, the tensor and the header byte.

    Each array is read into its own new (aligned) array; with ``mmap=True``
    the file is mapped read-only and the arrays are views of the map (``file``
    must then be a path or have a descriptor).  BF16 and float8 tensors need
    ml_dtypes; F4/F6 tensors raise ValueError.  With ``with_metadata=True``
    returns ``(tensors, metadata)``, metadata being None when the file has
    none.

    ``file`` is a path, a descriptor or a binary file object read from its
    position; a source without a size (a pipe) must end where the data
    does.
    """
    with _files.Input(file) as src:
        where = "invalid safetensors file" + (f" {src.filename!r}" if src.filename else "")
        avail = src.available()
        if mmap and src.fd is not None and avail is None:
            raise ValueError("mmap=True needs a regular file (a path, or a file object or "
                             "descriptor of one)")
        start = os.lseek(src.fd, 0, os.SEEK_CUR) if mmap and src.fd is not None else 0
        prefix = src.read_exact(8)
        if len(prefix) < 8:
            raise ValueError(f"{where}: {len(prefix)} bytes, too short for the 8-byte header "
                             "length")
        n = ffi.new("uint64_t *")
        status = lib.arrayio_st_read_prefix(prefix, avail if avail is not None
                                            else lib.ARRAYIO_ST_SIZE_UNKNOWN, n)
        if status == lib.ARRAYIO_ERR_ST_HEADER_SIZE:
            limit = lib.ARRAYIO_ST_MAX_HEADER_SIZE
            why = (f"above the limit of {limit}" if n[0] > limit
                   else f"but the file has {avail - 8} bytes after the length")
            raise ValueError(f"{where}: the header length is {int(n[0])} bytes, {why}")
        raise_status(status, what="load_safetensors")
        json_bytes = src.read_exact(n[0])
        if len(json_bytes) < n[0]:
            raise ValueError(f"{where}: the file ends inside the header "
                             f"({len(json_bytes)} of {int(n[0])} bytes)")
        data_size = avail - 8 - n[0] if avail is not None else lib.ARRAYIO_ST_SIZE_UNKNOWN
        h, work = _parse(json_bytes, data_size, where)
        tensors = _tensor_list(h)
        meta = _metadata(h)
        total = int(h.data_size)
        dtypes = [_numpy_dtype(code, name) for name, code, _, _, _ in tensors]
        if mmap:
            out = _mapped(src, start + 8 + n[0], tensors, dtypes, total)
            os.lseek(src.fd, start + 8 + n[0] + total, os.SEEK_SET)  # as after reading
        elif avail is not None:
            out = {}
            for (name, _, shape, _, _), dt in zip(tensors, dtypes):
                arr = np.empty(shape, dt)
                src.read_into(_core.View(arr), "C", 0)
                out[name] = arr
        else:
            out = _read_stream(src, tensors, dtypes, total, where)
    return (out, meta) if with_metadata else out


def _mapped(src, data_start, tensors, dtypes, total):
    if src.fd is None:
        raise ValueError("mmap=True needs a path or a file object with a file descriptor")
    if total == 0:  # nothing to map (an empty file cannot be mapped)
        out = {}
        for (name, _, shape, _, _), dt in zip(tensors, dtypes):
            out[name] = np.empty(shape, dt)
            out[name].flags.writeable = False
        return out
    m = _mmap.mmap(src.fd, 0, access=_mmap.ACCESS_READ)
    out = {}
    for (name, _, shape, begin, end), dt in zip(tensors, dtypes):
        count = (end - begin) // dt.itemsize
        out[name] = np.frombuffer(m, dt, count, data_start + begin).reshape(shape)
    return out


def _read_stream(src, tensors, dtypes, total, where):
    """From a source without a size: each tensor into its own array, a
    large one growing only as its data arrives (a header that lies costs
    no more than the bytes really there); then the source must be at its
    end."""
    out, got = {}, 0
    for (name, _, shape, begin, end), dt in zip(tensors, dtypes):
        nbytes = end - begin
        try:
            if nbytes <= _files.STREAM_ALLOC:
                arr = np.empty(shape, dt)
                src.read_into(_core.View(arr), "C", 0)
            else:
                arr = np.frombuffer(src.read_growing(nbytes), dt).reshape(shape)
        except ShortReadError as exc:
            raise ValueError(f"{where}: the file ends after {got + exc.got} of the {total} "
                             "bytes of data the header describes") from None
        got += nbytes
        out[name] = arr
    if src.read_exact(1):
        raise ValueError(f"{where}: the file goes on after the {total} bytes of data the "
                         "header describes")
    return out
