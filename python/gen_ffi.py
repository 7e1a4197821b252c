"""Generate the C source of the arrayio._ffi extension (cffi API mode).

Run by meson at build time:  python gen_ffi.py CDEF OUTPUT.c
The declarations live in CDEF, a plain C-like file; the generated source
includes the real arrayio.h, so the C compiler checks them against it.
"""
import sys

import cffi


def main(cdef_path, out_path):
    ffi = cffi.FFI()
    with open(cdef_path, encoding="utf-8") as f:
        ffi.cdef(f.read())
    ffi.set_source("arrayio._ffi", '#include "arrayio.h"\n')
    ffi.emit_c_code(out_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
